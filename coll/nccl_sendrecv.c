/* sendrecv ring, NCCL backend: S to rank r+1 and S from rank r-1 (mod n), one ncclSend and one
 * ncclRecv in one group. */
#include "nccl_backend.h"

static ncclResult_t enqueue(const struct llmb_coll_args *a, const struct llmb_coll_comm *c,
                            const struct llmb_nccl_comm *nc)
{
    int r = c->rank, n = c->n;
    ncclResult_t s = ncclGroupStart(), e;
    if (s == ncclSuccess)
        s = ncclSend(a->send, a->send_elems, LLMB_NCCL_DTYPE, (r + 1) % n, nc->comm, nc->stream);
    if (s == ncclSuccess)
        s = ncclRecv(a->recv, a->recv_elems, LLMB_NCCL_DTYPE, (r + n - 1) % n, nc->comm,
                     nc->stream);
    e = ncclGroupEnd();
    return s != ncclSuccess ? s : e;
}

LLMB_NCCL_TABLE(sendrecv, LLMB_COLL_SENDRECV, 0, "", llmb_coll_init_send,
                llmb_coll_sendrecv_check);
