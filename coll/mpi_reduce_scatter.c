/* reduce-scatter (sum), MPI backend.  S = the total send buffer; rank q receives chunk q
 * (S/n) of the element-wise sum. */
#include "coll.h"

static int run(const struct llmb_coll_args *a, const struct llmb_coll_comm *c)
{
    if (a->counts)
        return MPI_Reduce_scatter(a->send, a->recv, a->counts, MPI_FLOAT, MPI_SUM, c->mpi);
    return MPI_Reduce_scatter_block(a->send, a->recv, (int)a->recv_elems, MPI_FLOAT, MPI_SUM,
                                    c->mpi);
}

static int start(const struct llmb_coll_args *a, const struct llmb_coll_comm *c,
                 struct llmb_coll_req *r)
{
    r->nmpi = 1;
    if (a->counts)
        return MPI_Ireduce_scatter(a->send, a->recv, a->counts, MPI_FLOAT, MPI_SUM, c->mpi,
                                   &r->mpi[0]);
    return MPI_Ireduce_scatter_block(a->send, a->recv, (int)a->recv_elems, MPI_FLOAT, MPI_SUM,
                                     c->mpi, &r->mpi[0]);
}

const struct llmb_coll_impl llmb_coll_reduce_scatter_mpi = {
    .coll = LLMB_COLL_REDUCE_SCATTER, .backend = "mpi", .in_place = 0, .root = "",
    .init = llmb_coll_init_send, .check = llmb_coll_reduce_scatter_check, .run = run, .start = start,
};
