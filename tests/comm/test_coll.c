/* Every MPI collective of the registry (coll/coll.h) on host memory, under mpirun: the checks of
 * tests/comm/coll_cases.c.  TAP on rank 0; exit status 1 on a failure, on every rank. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coll_cases.h"

static void *host_alloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    if (!p)
        MPI_Abort(MPI_COMM_WORLD, 1);
    return p;
}

static void host_copy(void *dst, const void *src, size_t bytes) { memcpy(dst, src, bytes); }

static const struct coll_mem host_mem = {host_alloc, free, host_copy, host_copy, host_copy};

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    struct coll_cases t;
    coll_cases_open(&t, &llmb_coll_mpi, &host_mem, MPI_COMM_WORLD);
    if (t.c.rank == 0)
        printf("1..%d\n", coll_cases_count());
    coll_cases_all(&t);
    int bad = coll_cases_close(&t);
    MPI_Finalize();
    return bad;
}
