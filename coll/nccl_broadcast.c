/* broadcast from root 0, NCCL backend: ncclBroadcast in one buffer (recv), as the MPI table
 * does. */
#include "nccl_backend.h"

static ncclResult_t enqueue(const struct llmb_coll_args *a, const struct llmb_coll_comm *c,
                            const struct llmb_nccl_comm *nc)
{
    return ncclBroadcast(a->recv, a->recv, a->recv_elems, LLMB_NCCL_DTYPE, 0, nc->comm,
                         nc->stream);
}

LLMB_NCCL_TABLE(broadcast, LLMB_COLL_BROADCAST, 0, "root 0", llmb_coll_broadcast_init,
                llmb_coll_broadcast_check);
