/* allgather, MPI backend.  S = the total receive buffer; rank r contributes chunk r (S/n). */
#include "coll.h"

static int run(const struct llmb_coll_args *a, const struct llmb_coll_comm *c)
{
    if (a->counts)
        return MPI_Allgatherv(a->in_place ? MPI_IN_PLACE : a->send,
                              a->in_place ? 0 : a->counts[c->rank], MPI_FLOAT, a->recv, a->counts,
                              a->displs, MPI_FLOAT, c->mpi);
    return MPI_Allgather(a->send, (int)a->send_elems, MPI_FLOAT, a->recv, (int)a->send_elems,
                         MPI_FLOAT, c->mpi);
}

static int start(const struct llmb_coll_args *a, const struct llmb_coll_comm *c,
                 struct llmb_coll_req *r)
{
    r->nmpi = 1;
    if (a->counts)
        return MPI_Iallgatherv(a->in_place ? MPI_IN_PLACE : a->send,
                               a->in_place ? 0 : a->counts[c->rank], MPI_FLOAT, a->recv,
                               a->counts, a->displs, MPI_FLOAT, c->mpi, &r->mpi[0]);
    return MPI_Iallgather(a->send, (int)a->send_elems, MPI_FLOAT, a->recv, (int)a->send_elems,
                          MPI_FLOAT, c->mpi, &r->mpi[0]);
}

const struct llmb_coll_impl llmb_coll_allgather_mpi = {
    .coll = LLMB_COLL_ALLGATHER, .backend = "mpi", .in_place = 0, .root = "",
    .init = llmb_coll_init_send, .check = llmb_coll_allgather_check, .run = run, .start = start,
};
