/* The reference for bench_comm.sh: a bare loop of MPI_Barrier + MPI_Allreduce (floats, sum),
 * timed the way llmbench's comm phase times it (doc/methodology.md): per iteration an untimed
 * barrier, each rank's arrival and exit (CLOCK_MONOTONIC; one host, one clock), operation time
 * = last exit - last arrival; warm-up, then iterations sized by a time budget with a floor and a
 * cap of 1000.  Prints "bytes iters median_s" per size on rank 0.
 *
 *   mpirun -np 2 bare_allreduce MIN_BYTES MAX_BYTES FACTOR TIME_PER_POINT_S MIN_ITERS WARMUP [INIT]
 *
 * INIT: "funneled" (default: MPI_Init_thread(MPI_THREAD_FUNNELED), as llmbench initialises MPI)
 * or "plain" (MPI_Init).  With Open MPI 4.1 the thread level alone costs tens of nanoseconds per
 * small collective, so the script measures both. */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int provided, plain = argc == 8 && strcmp(argv[7], "plain") == 0;
    if (plain)
        MPI_Init(&argc, &argv);
    else
        MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (argc != 7 && argc != 8) {
        if (rank == 0)
            fprintf(stderr, "usage: bare_allreduce MIN MAX FACTOR TIME_PER_POINT_S MIN_ITERS WARMUP [funneled|plain]\n");
        MPI_Finalize();
        return 2;
    }
    size_t lo = strtoull(argv[1], NULL, 10), hi = strtoull(argv[2], NULL, 10);
    unsigned factor = (unsigned)atoi(argv[3]);
    double budget = atof(argv[4]);
    int min_iters = atoi(argv[5]), warmup = atoi(argv[6]);
    size_t maxn = hi / sizeof(float) > 0 ? hi / sizeof(float) : 1;
    float *send = malloc(maxn * sizeof *send), *recv = malloc(maxn * sizeof *recv);
    double *ae = malloc(2000 * sizeof *ae), *all = malloc((size_t)size * 2000 * sizeof *all);
    double *op = malloc(1000 * sizeof *op);
    for (size_t i = 0; i < maxn; i++)
        send[i] = (float)((int)(i % 33) - 16);
    memset(recv, 0, maxn * sizeof *recv);
    for (size_t bytes = lo; bytes <= hi; bytes *= factor) {
        int n = (int)(bytes / sizeof(float) > 0 ? bytes / sizeof(float) : 1);
        double t0 = now_s();
        for (int w = 0; w < warmup; w++) {
            MPI_Barrier(MPI_COMM_WORLD);
            MPI_Allreduce(send, recv, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        }
        double est = warmup > 0 ? (now_s() - t0) / warmup : 0, est_max;
        MPI_Allreduce(&est, &est_max, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
        double want = est_max > 0 ? ceil(budget / est_max) : 1000;
        int iters = want < min_iters ? min_iters : want > 1000 ? 1000 : (int)want;
        double *a = ae, *e = ae + iters;
        for (int k = 0; k < iters; k++) {
            MPI_Barrier(MPI_COMM_WORLD);
            a[k] = now_s();
            MPI_Allreduce(send, recv, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
            e[k] = now_s();
        }
        MPI_Gather(ae, 2 * iters, MPI_DOUBLE, all, 2 * iters, MPI_DOUBLE, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            for (int k = 0; k < iters; k++) {
                double la = -INFINITY, le = -INFINITY;
                for (int r = 0; r < size; r++) {
                    const double *x = all + (size_t)r * 2 * iters;
                    if (x[k] > la)
                        la = x[k];
                    if (x[iters + k] > le)
                        le = x[iters + k];
                }
                op[k] = le - la;
            }
            qsort(op, (size_t)iters, sizeof *op, cmp);
            double med = iters % 2 ? op[iters / 2] : 0.5 * (op[iters / 2 - 1] + op[iters / 2]);
            printf("%zu %d %.9g\n", (size_t)n * sizeof(float), iters, med);
            fflush(stdout);
        }
        if (bytes > hi / factor)
            break;
    }
    free(send); free(recv); free(ae); free(all); free(op);
    MPI_Finalize();
    return 0;
}
