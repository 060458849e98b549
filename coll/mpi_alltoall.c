/* alltoall, MPI backend.  S = the total send buffer; rank r sends block q (S/n) of its buffer
 * to rank q and receives block r of every rank's buffer. */
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
        wrong += llmb_coll_check_values(recv + (size_t)r * chunk, chunk, r, (size_t)d->rank * chunk, d);
    return wrong;
}

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
    .init = init, .check = check, .run = run, .start = start,
};
