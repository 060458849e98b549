/* reduce-scatter (sum), NCCL backend: ncclReduceScatter; in chunks of different sizes
 * (counts/displs), which NCCL has no call for, one ncclReduce per chunk to its owner, in one
 * group. */
#include "nccl_backend.h"

static ncclResult_t enqueue(const struct llmb_coll_args *a, const struct llmb_coll_comm *c,
                            const struct llmb_nccl_comm *nc)
{
    if (!a->counts)
        return ncclReduceScatter(a->send, a->recv, a->recv_elems, LLMB_NCCL_DTYPE, ncclSum,
                                 nc->comm, nc->stream);
    ncclResult_t r = ncclGroupStart(), e;
    for (int q = 0; q < c->n && r == ncclSuccess; q++)
        r = ncclReduce(a->send + a->displs[q], a->recv, (size_t)a->counts[q], LLMB_NCCL_DTYPE,
                       ncclSum, q, nc->comm, nc->stream);
    e = ncclGroupEnd();
    return r != ncclSuccess ? r : e;
}

LLMB_NCCL_TABLE(reduce_scatter, LLMB_COLL_REDUCE_SCATTER, 0, "", llmb_coll_init_send,
                llmb_coll_reduce_scatter_check);
