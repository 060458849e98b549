/* coll/mpi.c - the MPI communication backend: progress and completion of operations started
 * by the coll/mpi_*.c tables (MPI_Testall / MPI_Waitall over their requests). */
#include "coll.h"

/* Tests the requests in order and stops at the first one still in flight: one test drives
 * MPI's progress engine for every operation in flight (as one MPI_Testall over all of them
 * would), and the later ones are tested again at the next call. */
static int mpi_test(struct llmb_coll_req *r, int n, int *done)
{
    *done = 1;
    for (int i = 0; i < n; i++) {
        int flag = 1, rc = r[i].nmpi ? MPI_Testall(r[i].nmpi, r[i].mpi, &flag,
                                                   MPI_STATUSES_IGNORE) : MPI_SUCCESS;
        if (rc != MPI_SUCCESS)
            return rc;
        if (!flag) {
            *done = 0;
            return 0;
        }
        r[i].done = 1;
    }
    return 0;
}

static int mpi_wait(struct llmb_coll_req *r, int n)
{
    for (int i = 0; i < n; i++) {
        int rc = r[i].nmpi ? MPI_Waitall(r[i].nmpi, r[i].mpi, MPI_STATUSES_IGNORE) : MPI_SUCCESS;
        if (rc != MPI_SUCCESS)
            return rc;
        r[i].done = 1;
    }
    return 0;
}

const struct llmb_coll_backend llmb_coll_mpi = {
    .name = "mpi", .test = mpi_test, .wait = mpi_wait,
};
