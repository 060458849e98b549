/* Every NCCL line of the collectives registry (coll/nccl_*.c) on device memory, under mpirun:
 * the checks of tests/comm/coll_cases.c (results checked on host copies), and the device time
 * of a blocking run (CUDA events).
 *
 * Each rank drives the GPU (node rank) of its node; ranks beyond the node's GPUs sit out.
 * Without a CUDA device anywhere: "1..0 # SKIP" (counted as skipped, not passed).  TAP on the
 * first participating rank; exit status 1 on a failure, on every rank. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include <cuda_runtime_api.h>

#include "tests/comm/coll_cases.h"

static void *dev_alloc(size_t bytes)
{
    void *p = NULL;
    if (cudaMalloc(&p, bytes ? bytes : 1) != cudaSuccess)
        MPI_Abort(MPI_COMM_WORLD, 1);
    return p;
}

static void dev_free(void *p) { cudaFree(p); }

static void copy(void *dst, const void *src, size_t bytes, enum cudaMemcpyKind kind)
{
    if (bytes && cudaMemcpy(dst, src, bytes, kind) != cudaSuccess)
        MPI_Abort(MPI_COMM_WORLD, 1);
}

static void put(void *d, const void *h, size_t n) { copy(d, h, n, cudaMemcpyHostToDevice); }
static void get(void *h, const void *d, size_t n) { copy(h, d, n, cudaMemcpyDeviceToHost); }
static void d2d(void *d, const void *s, size_t n) { copy(d, s, n, cudaMemcpyDeviceToDevice); }

static const struct coll_mem dev_mem = {dev_alloc, dev_free, put, get, d2d};

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int wrank, local, ndev = 0, any = 0;
    MPI_Comm node, part;
    MPI_Comm_rank(MPI_COMM_WORLD, &wrank);
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, wrank, MPI_INFO_NULL, &node);
    MPI_Comm_rank(node, &local);
    cudaError_t err = cudaGetDeviceCount(&ndev);
    if (err != cudaSuccess)
        ndev = 0;
    int in = local < ndev;
    MPI_Allreduce(&in, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (!any) {
        if (wrank == 0)
            printf("1..0 # SKIP no CUDA device (%s)\n",
                   err != cudaSuccess ? cudaGetErrorString(err) : "none visible");
        MPI_Comm_free(&node);
        MPI_Finalize();
        return 0;
    }
    MPI_Comm_split(MPI_COMM_WORLD, in ? 0 : MPI_UNDEFINED, wrank, &part);
    int bad = 0;
    if (in) {
        cudaSetDevice(local);
        struct coll_cases t;
        coll_cases_open(&t, &llmb_coll_nccl, &dev_mem, part);
        if (t.c.rank == 0)
            printf("1..%d\n# %d ranks on GPUs\n", coll_cases_count() + 1, t.c.n);
        coll_cases_all(&t);
        /* the device time of the last blocking run (CUDA events on the collectives' stream) */
        coll_cases_one(&t, llmb_coll_find(LLMB_COLL_ALLREDUCE, "nccl"), (size_t)1 << 20, 0, 0, 0);
        double ds = llmb_coll_nccl.device_seconds(&t.c);
        coll_cases_tap(&t, ds > 0 && ds < 10, "device time of a blocking 1 MiB run is measured",
                       "allreduce");
        bad = coll_cases_close(&t);
        MPI_Comm_free(&part);
    }
    int worst = 0;
    MPI_Allreduce(&bad, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Comm_free(&node);
    MPI_Finalize();
    return worst;
}
