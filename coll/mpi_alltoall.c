/* alltoall, MPI backend.  S = the total send buffer; rank r sends block q (S/n) of its buffer
 * to rank q and receives block r of every rank's buffer. */
#include "coll.h"

static int run(const struct llmb_coll_args *a, const struct llmb_coll_comm *c)
{
    int chunk = (int)(a->send_elems / (size_t)c->n);
    return MPI_Alltoall(a->send, chunk, MPI_FLOAT, a->recv, chunk, MPI_FLOAT, c->mpi);
}

static int start(const struct llmb_coll_args *a, const struct llmb_coll_comm *c,
                 struct llmb_coll_req *r)
{
    int chunk = (int)(a->send_elems / (size_t)c->n);
    r->nmpi = 1;
    return MPI_Ialltoall(a->send, chunk, MPI_FLOAT, a->recv, chunk, MPI_FLOAT, c->mpi,
                         &r->mpi[0]);
}

const struct llmb_coll_impl llmb_coll_alltoall_mpi = {
    .coll = LLMB_COLL_ALLTOALL, .backend = "mpi", .in_place = 0, .root = "",
    .init = llmb_coll_init_send, .check = llmb_coll_alltoall_check, .run = run, .start = start,
};
