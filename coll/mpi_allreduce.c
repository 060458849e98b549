/* allreduce (sum), MPI backend.  S = the buffer; every rank ends with the element-wise sum. */
#include "coll.h"

static int run(const struct llmb_coll_args *a, const struct llmb_coll_comm *c)
{
    return MPI_Allreduce(a->in_place ? MPI_IN_PLACE : a->send, a->recv, (int)a->recv_elems,
                         MPI_FLOAT, MPI_SUM, c->mpi);
}

static int start(const struct llmb_coll_args *a, const struct llmb_coll_comm *c,
                 struct llmb_coll_req *r)
{
    r->nmpi = 1;
    return MPI_Iallreduce(a->in_place ? MPI_IN_PLACE : a->send, a->recv, (int)a->recv_elems,
                          MPI_FLOAT, MPI_SUM, c->mpi, &r->mpi[0]);
}

const struct llmb_coll_impl llmb_coll_allreduce_mpi = {
    .coll = LLMB_COLL_ALLREDUCE, .backend = "mpi", .in_place = 1, .root = "",
    .init = llmb_coll_allreduce_init, .check = llmb_coll_allreduce_check, .run = run, .start = start,
};
