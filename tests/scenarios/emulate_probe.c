/* emulate_probe: tiny MPI program used by the emulated-cluster self-test.
 *   emulate_probe [MiB=4] [iters=5] [work=0]
 * Each rank prints one line:
 *   rank R/N host=H shm=LR/LS cpu=C
 * then (rank 0) "RESULT np=N mib=M iters=I allreduce_s=T work_max_s=W work_rank=R"
 * where T is the median over iterations of the slowest rank's allreduce time,
 * work_max_s/work_rank the slowest rank's total timed compute, work_min_s the fastest's (work = millions of multiply-adds per
 * iteration). */
#define _GNU_SOURCE
#include <mpi.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmpd(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int rank, np, lr, ls;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &np);
    double mib = argc > 1 ? atof(argv[1]) : 4;
    int iters = argc > 2 ? atoi(argv[2]) : 5;
    long work = argc > 3 ? atol(argv[3]) : 0;
    if (iters < 1) iters = 1;

    MPI_Comm shm;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &shm);
    MPI_Comm_rank(shm, &lr);
    MPI_Comm_size(shm, &ls);
    char host[256] = "";
    gethostname(host, sizeof host - 1);

    char line[512];
    snprintf(line, sizeof line, "rank %d/%d host=%s shm=%d/%d cpu=%d", rank, np, host, lr, ls,
             sched_getcpu());
    if (rank == 0) {
        puts(line);
        for (int r = 1; r < np; r++) {
            MPI_Recv(line, sizeof line, MPI_CHAR, r, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            puts(line);
        }
    } else {
        MPI_Send(line, (int)strlen(line) + 1, MPI_CHAR, 0, 0, MPI_COMM_WORLD);
    }

    size_t n = (size_t)(mib * 1048576.0 / sizeof(double));
    if (n < 1) n = 1;
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    for (size_t i = 0; i < n; i++) a[i] = 1.0;
    double *t = malloc(iters * sizeof *t), *w = malloc(iters * sizeof *w);
    volatile double sink = 0;
    MPI_Allreduce(a, b, (int)n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD); /* warm up */
    int bad = 0;
    for (int it = 0; it < iters; it++) {
        double w0 = MPI_Wtime(), x = 1.0;
        for (long k = 0; k < work * 1000000L; k++) x = x * 1.0000001 + 1e-9;
        sink += x;
        w[it] = MPI_Wtime() - w0;
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime();
        MPI_Allreduce(a, b, (int)n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        t[it] = MPI_Wtime() - t0;
        if (b[0] != np || b[n - 1] != np) bad++;
    }
    double *tmax = malloc(iters * sizeof *tmax), wmax[2] = {0, 0}, wmine = 0;
    MPI_Reduce(t, tmax, iters, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    for (int it = 0; it < iters; it++) wmine += w[it];
    double in[2] = {wmine, (double)rank};
    MPI_Reduce(in, wmax, 1, MPI_2DOUBLE_PRECISION, MPI_MAXLOC, 0, MPI_COMM_WORLD);
    double wmin = 0;
    MPI_Reduce(&wmine, &wmin, 1, MPI_DOUBLE, MPI_MIN, 0, MPI_COMM_WORLD);
    int badsum = 0;
    MPI_Reduce(&bad, &badsum, 1, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        qsort(tmax, iters, sizeof *tmax, cmpd);
        printf("RESULT np=%d mib=%g iters=%d allreduce_s=%.6f work_max_s=%.6f work_rank=%d work_min_s=%.6f bad=%d\n",
               np, mib, iters, tmax[iters / 2], wmax[0], (int)wmax[1], wmin, badsum);
    }
    MPI_Comm_free(&shm);
    free(a); free(b); free(t); free(w); free(tmax);
    MPI_Finalize();
    return badsum != 0;
}
