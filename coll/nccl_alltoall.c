/* alltoall, NCCL backend: block q (S/n) of the send buffer to rank q, block q of the receive
 * buffer from rank q: one ncclSend and one ncclRecv per rank (itself included), in one group. */
#include "nccl_backend.h"

static ncclResult_t enqueue(const struct llmb_coll_args *a, const struct llmb_coll_comm *c,
                            const struct llmb_nccl_comm *nc)
{
    size_t chunk = a->send_elems / (size_t)c->n;
    ncclResult_t r = ncclGroupStart(), e;
    for (int q = 0; q < c->n && r == ncclSuccess; q++) {
        r = ncclSend(a->send + (size_t)q * chunk, chunk, LLMB_NCCL_DTYPE, q, nc->comm, nc->stream);
        if (r == ncclSuccess)
            r = ncclRecv(a->recv + (size_t)q * chunk, chunk, LLMB_NCCL_DTYPE, q, nc->comm,
                         nc->stream);
    }
    e = ncclGroupEnd();
    return r != ncclSuccess ? r : e;
}

LLMB_NCCL_TABLE(alltoall, LLMB_COLL_ALLTOALL, 0, "", llmb_coll_init_send,
                llmb_coll_alltoall_check);
