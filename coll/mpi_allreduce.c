/* allreduce (sum), MPI backend.  S = the buffer; every rank ends with the element-wise sum. */
#include "coll.h"

static void init(float *send, size_t ns, float *recv, size_t nr, int in_place,
                 const struct llmb_coll_data *d)
{
    if (in_place) {
        llmb_coll_fill(recv, nr, d->rank, 0, d);
    } else {
        llmb_coll_fill(send, ns, d->rank, 0, d);
        llmb_coll_poison(recv, nr);
    }
}

static long long check(const float *recv, size_t nr, const struct llmb_coll_data *d)
{
    return llmb_coll_check_sums(recv, nr, 0, d);
}

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
    .init = init, .check = check, .run = run, .start = start,
};
