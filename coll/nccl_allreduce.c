/* allreduce (sum), NCCL backend: ncclAllReduce (in place: recv is both input and output). */
#include "nccl_backend.h"

static ncclResult_t enqueue(const struct llmb_coll_args *a, const struct llmb_coll_comm *c,
                            const struct llmb_nccl_comm *nc)
{
    return ncclAllReduce(a->in_place ? a->recv : a->send, a->recv, a->recv_elems,
                         LLMB_NCCL_DTYPE, ncclSum, nc->comm, nc->stream);
}

LLMB_NCCL_TABLE(allreduce, LLMB_COLL_ALLREDUCE, 1, "", llmb_coll_allreduce_init,
                llmb_coll_allreduce_check);
