/* allgather, NCCL backend: ncclAllGather; in chunks of different sizes (counts/displs), which
 * NCCL has no call for, one ncclBroadcast per chunk from its owner, in one group (in place:
 * this rank's chunk is already at recv + displs[rank]). */
#include "nccl_backend.h"

static ncclResult_t enqueue(const struct llmb_coll_args *a, const struct llmb_coll_comm *c,
                            const struct llmb_nccl_comm *nc)
{
    if (!a->counts)
        return ncclAllGather(a->send, a->recv, a->send_elems, LLMB_NCCL_DTYPE, nc->comm,
                             nc->stream);
    const float *mine = a->in_place ? a->recv + a->displs[c->rank] : a->send;
    ncclResult_t r = ncclGroupStart(), e;
    for (int q = 0; q < c->n && r == ncclSuccess; q++)
        r = ncclBroadcast(q == c->rank ? mine : NULL, a->recv + a->displs[q],
                          (size_t)a->counts[q], LLMB_NCCL_DTYPE, q, nc->comm, nc->stream);
    e = ncclGroupEnd();
    return r != ncclSuccess ? r : e;
}

LLMB_NCCL_TABLE(allgather, LLMB_COLL_ALLGATHER, 0, "", llmb_coll_init_send,
                llmb_coll_allgather_check);
