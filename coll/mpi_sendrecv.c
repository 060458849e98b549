/* sendrecv ring, MPI backend.  S = the buffer: every rank r sends S to r+1 and receives S from
 * r-1 (mod n) at the same time. */
#include "coll.h"

#define TAG 7302

static int run(const struct llmb_coll_args *a, const struct llmb_coll_comm *c)
{
    int r = c->rank, n = c->n;
    return MPI_Sendrecv(a->send, (int)a->send_elems, MPI_FLOAT, (r + 1) % n, TAG, a->recv,
                        (int)a->recv_elems, MPI_FLOAT, (r + n - 1) % n, TAG, c->mpi,
                        MPI_STATUS_IGNORE);
}

static int start(const struct llmb_coll_args *a, const struct llmb_coll_comm *c,
                 struct llmb_coll_req *q)
{
    int r = c->rank, n = c->n, rc;
    q->nmpi = 2;
    rc = MPI_Irecv(a->recv, (int)a->recv_elems, MPI_FLOAT, (r + n - 1) % n, TAG, c->mpi,
                   &q->mpi[0]);
    if (rc != MPI_SUCCESS)
        return rc;
    return MPI_Isend(a->send, (int)a->send_elems, MPI_FLOAT, (r + 1) % n, TAG, c->mpi,
                     &q->mpi[1]);
}

const struct llmb_coll_impl llmb_coll_sendrecv_mpi = {
    .coll = LLMB_COLL_SENDRECV, .backend = "mpi", .in_place = 0, .root = "",
    .init = llmb_coll_init_send, .check = llmb_coll_sendrecv_check, .run = run, .start = start,
};
