/* Every NCCL line of the collectives registry (coll/nccl_*.c), under mpirun, on device memory:
 * the blocking entry (run) and the non-blocking one (start, the backend's test until done, then
 * wait) give exactly the verified result (checked on host copies), in and out of place, for
 * sizes that split evenly and unevenly; reduce-scatter and allgather also in chunks of
 * different sizes (the train phase's buckets).  A corrupted contribution must be counted wrong.
 *
 * Each rank drives the GPU (node rank) of its node; ranks beyond the node's GPUs sit out.
 * Without a CUDA device anywhere: "1..0 # SKIP" (counted as skipped, not passed).  TAP on the
 * first participating rank; exit status 1 on a failure, on every rank. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cuda_runtime_api.h>

#include "coll/coll.h"

static int me, tap_n, tap_bad;
static MPI_Comm part;

static void tap(int ok, const char *what, const char *name)
{
    int all = 0;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, part);
    tap_n++;
    tap_bad += !all;
    if (me == 0)
        printf("%s %d - %s %s\n", all ? "ok" : "not ok", tap_n, name, what);
}

static void *dev_alloc(size_t n)
{
    void *p = NULL;
    if (cudaMalloc(&p, (n ? n : 1) * sizeof(float)) != cudaSuccess)
        MPI_Abort(MPI_COMM_WORLD, 1);
    return p;
}

static int finish(struct llmb_coll_req *r)
{
    int rc = 0;
    for (int done = 0, k = 0; !rc && !done && k < 100000000; k++)
        rc = llmb_coll_nccl.test(r, 1, &done);
    return rc ? rc : llmb_coll_nccl.wait(r, 1);
}

/* One operation of S = bytes (host data staged to and from the device); wrong elements. */
static long long one(const struct llmb_coll_impl *im, const struct llmb_coll_comm *c, size_t bytes,
                     int in_place, int nb, int corrupt, const float *tab, const float *sum)
{
    size_t ns, nr;
    llmb_coll_counts(im->coll, bytes, sizeof(float), c->n, &ns, &nr);
    float *hs = malloc((ns ? ns : 1) * sizeof *hs), *hr = malloc((nr ? nr : 1) * sizeof *hr);
    float *ds = dev_alloc(ns), *dr = dev_alloc(nr);
    if (!hs || !hr)
        MPI_Abort(MPI_COMM_WORLD, 1);
    struct llmb_coll_data d = {.rank = c->rank, .n = c->n, .off = bytes % LLMB_COLL_PERIOD,
                               .corrupt = corrupt && c->rank == c->n - 1, .tab = tab, .sum = sum};
    im->init(hs, ns, hr, nr, in_place, &d);
    cudaMemcpy(ds, hs, ns * sizeof *hs, cudaMemcpyHostToDevice);
    cudaMemcpy(dr, hr, nr * sizeof *hr, cudaMemcpyHostToDevice);
    struct llmb_coll_args a = {.send = ds, .recv = dr, .send_elems = ns, .recv_elems = nr,
                               .in_place = in_place};
    struct llmb_coll_req r;
    llmb_coll_req_init(&r);
    int rc = nb ? im->start(&a, c, &r) : im->run(&a, c);
    if (!rc && nb)
        rc = finish(&r);
    long long wrong = (long long)nr + 1;
    if (!rc && cudaMemcpy(hr, dr, nr * sizeof *hr, cudaMemcpyDeviceToHost) == cudaSuccess)
        wrong = im->check(hr, nr, &d);
    cudaFree(ds);
    cudaFree(dr);
    free(hs);
    free(hr);
    return wrong;
}

/* reduce-scatter then in-place allgather of n floats in uneven chunks (the train phase's zero
 * mode): every element must be the sum over ranks. */
static long long uneven(const struct llmb_coll_comm *c, size_t n, int nb)
{
    const struct llmb_coll_impl *rs = llmb_coll_find(LLMB_COLL_REDUCE_SCATTER, "nccl");
    const struct llmb_coll_impl *ag = llmb_coll_find(LLMB_COLL_ALLGATHER, "nccl");
    int *counts = malloc((size_t)c->n * sizeof *counts), *displs = malloc((size_t)c->n * sizeof *displs);
    float *h = malloc(n * sizeof *h), *buf = dev_alloc(n), *chunk = dev_alloc(n);
    if (!counts || !displs || !h)
        MPI_Abort(MPI_COMM_WORLD, 1);
    size_t base = n / (size_t)c->n, rem = n % (size_t)c->n, off = 0;
    for (int r = 0; r < c->n; r++) {
        counts[r] = (int)(base + ((size_t)r < rem));
        displs[r] = (int)off;
        off += (size_t)counts[r];
    }
    for (size_t i = 0; i < n; i++)
        h[i] = (float)((i * 7 + (size_t)c->rank * 3) % 13);
    cudaMemcpy(buf, h, n * sizeof *h, cudaMemcpyHostToDevice);
    struct llmb_coll_args a = {.send = buf, .recv = chunk, .send_elems = n,
                               .recv_elems = (size_t)counts[c->rank], .counts = counts,
                               .displs = displs};
    struct llmb_coll_args g = {.recv = buf, .recv_elems = n, .send_elems = (size_t)counts[c->rank],
                               .in_place = 1, .counts = counts, .displs = displs};
    struct llmb_coll_req r;
    llmb_coll_req_init(&r);
    int rc = nb ? rs->start(&a, c, &r) || finish(&r) : rs->run(&a, c);
    cudaMemcpy(buf + displs[c->rank], chunk, (size_t)counts[c->rank] * sizeof *h,
               cudaMemcpyDeviceToDevice);
    llmb_coll_req_init(&r);
    rc = rc || (nb ? ag->start(&g, c, &r) || finish(&r) : ag->run(&g, c));
    long long wrong = rc ? (long long)n : 0;
    if (!rc && cudaMemcpy(h, buf, n * sizeof *h, cudaMemcpyDeviceToHost) != cudaSuccess)
        wrong = (long long)n;
    for (size_t i = 0; i < n && !wrong; i++) {
        float want = 0;
        for (int q = 0; q < c->n; q++)
            want += (float)((i * 7 + (size_t)q * 3) % 13);
        wrong += h[i] != want;
    }
    free(counts);
    free(displs);
    free(h);
    cudaFree(buf);
    cudaFree(chunk);
    return wrong;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int wrank, local, ndev = 0, any = 0;
    MPI_Comm node;
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
        MPI_Finalize();
        return 0;
    }
    MPI_Comm_split(MPI_COMM_WORLD, in ? 0 : MPI_UNDEFINED, wrank, &part);
    int bad = 0;
    if (in) {
        MPI_Comm_rank(part, &me);
        cudaSetDevice(local);
        struct llmb_coll_comm c;
        if (llmb_coll_comm_open(&llmb_coll_nccl, part, &c) != 0)
            MPI_Abort(MPI_COMM_WORLD, 1);
        float tab[LLMB_COLL_PERIOD], sum[LLMB_COLL_PERIOD];
        llmb_coll_table(42, tab);
        llmb_coll_sums(tab, c.n, sum);
        const size_t sizes[] = {4, 4 * 3 * 7, 4 * 1000 + 4, (size_t)1 << 20};
        if (me == 0)
            printf("1..%d\n# %d ranks on GPUs\n", 1 + LLMB_COLL_COUNT * 3 + 3, c.n);
        int count = 0;
        for (int i = 0; llmb_coll_registry[i]; i++)
            count += strcmp(llmb_coll_registry[i]->backend, "nccl") == 0;
        tap(count == LLMB_COLL_COUNT, "line for every collective", "nccl");
        for (int i = 0; llmb_coll_registry[i]; i++) {
            const struct llmb_coll_impl *im = llmb_coll_registry[i];
            if (strcmp(im->backend, "nccl") != 0)
                continue;
            const char *name = llmb_coll_name(im->coll);
            for (int nb = 0; nb < 2; nb++) {
                long long wrong = 0;
                for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
                    for (int ip = 0; ip <= im->in_place; ip++)
                        wrong += one(im, &c, sizes[s], ip, nb, 0, tab, sum);
                tap(wrong == 0, nb ? "start/test/wait: exact at every size, in and out of place"
                                   : "run: exact at every size, in and out of place", name);
            }
            long long caught = one(im, &c, 4096, 0, 1, 1, tab, sum), seen = 0;
            MPI_Allreduce(&caught, &seen, 1, MPI_LONG_LONG, MPI_SUM, part);
            tap(im->coll == LLMB_COLL_BROADCAST || c.n < 2 || seen > 0,
                "a corrupted contribution is counted (broadcast, one rank: not applicable)", name);
        }
        /* the device time of the last blocking run (CUDA events on the collectives' stream) */
        one(llmb_coll_find(LLMB_COLL_ALLREDUCE, "nccl"), &c, (size_t)1 << 20, 0, 0, 0, tab, sum);
        double ds = llmb_coll_nccl.device_seconds(&c);
        tap(ds > 0 && ds < 10, "device time of a blocking 1 MiB run is measured", "allreduce");
        tap(uneven(&c, 1000003, 0) == 0, "+ allgather in uneven chunks (run)", "reduce_scatter");
        tap(uneven(&c, 1000003, 1) == 0, "+ allgather in uneven chunks (start/wait)", "reduce_scatter");
        llmb_coll_comm_close(&llmb_coll_nccl, &c);
        bad = tap_bad != 0;
        MPI_Comm_free(&part);
    }
    int worst = 0;
    MPI_Allreduce(&bad, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    MPI_Comm_free(&node);
    MPI_Finalize();
    return worst;
}
