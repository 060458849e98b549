/* broadcast from root 0, MPI backend.  S = the buffer.  MPI broadcasts in one buffer: the root's
 * data is in its receive buffer, the send buffer is unused.  A wrong contribution injected on a
 * rank other than the root does not reach anyone (nothing of it is sent). */
#include "coll.h"

static int run(const struct llmb_coll_args *a, const struct llmb_coll_comm *c)
{
    return MPI_Bcast(a->recv, (int)a->recv_elems, MPI_FLOAT, 0, c->mpi);
}

static int start(const struct llmb_coll_args *a, const struct llmb_coll_comm *c,
                 struct llmb_coll_req *r)
{
    r->nmpi = 1;
    return MPI_Ibcast(a->recv, (int)a->recv_elems, MPI_FLOAT, 0, c->mpi, &r->mpi[0]);
}

const struct llmb_coll_impl llmb_coll_broadcast_mpi = {
    .coll = LLMB_COLL_BROADCAST, .backend = "mpi", .in_place = 0, .root = "root 0",
    .init = llmb_coll_broadcast_init, .check = llmb_coll_broadcast_check, .run = run, .start = start,
};
