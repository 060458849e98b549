/* allgather, MPI backend.  S = the total receive buffer; rank r contributes chunk r (S/n). */
#include "coll.h"

static void init(float *send, size_t ns, float *recv, size_t nr, int in_place,
                 const struct llmb_coll_data *d)
{
    llmb_coll_fill(send, ns, d->rank, 0, d);
    llmb_coll_poison(recv, nr);
}

static long long check(const float *recv, size_t nr, const struct llmb_coll_data *d)
{
    size_t chunk = nr / (size_t)d->n;
    long long wrong = 0;
    for (int r = 0; r < d->n; r++)
        wrong += llmb_coll_check_values(recv + (size_t)r * chunk, chunk, r, 0, d);
    return wrong;
}

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
    .init = init, .check = check, .run = run, .start = start,
};
