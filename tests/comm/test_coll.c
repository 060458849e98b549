/* Every collective of the registry (coll/coll.h), under mpirun: the blocking entry (run) and
 * the non-blocking one (start, then the backend's test until done, then wait) give exactly the
 * verified result, in and out of place, for sizes that split evenly and unevenly; reduce-scatter
 * and allgather also in chunks of different sizes (counts/displs, as the train phase's buckets
 * use them).  A corrupted contribution must be counted wrong.  TAP on rank 0; exit status 1 on
 * a failure, on every rank. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coll/coll.h"

static int rank, nranks, tap_n, tap_bad;

/* every rank's verdict: 1 when all ranks saw ok */
static void tap(int ok, const char *fmt, const char *a, const char *b, size_t c)
{
    int all = 0;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    tap_n++;
    tap_bad += !all;
    if (rank == 0) {
        printf("%s %d - ", all ? "ok" : "not ok", tap_n);
        printf(fmt, a, b, c);
        printf("\n");
    }
}

/* One operation on elems elements (the S of llmb_coll_counts in floats); non-blocking when nb.
 * Returns the wrong elements on this rank. */
static long long one(const struct llmb_coll_impl *im, const struct llmb_coll_comm *c,
                     size_t bytes, int in_place, int nb, int corrupt, const float *tab,
                     const float *sum)
{
    size_t ns, nr;
    llmb_coll_counts(im->coll, bytes, sizeof(float), c->n, &ns, &nr);
    float *send = malloc((ns ? ns : 1) * sizeof *send), *recv = malloc((nr ? nr : 1) * sizeof *recv);
    if (!send || !recv)
        MPI_Abort(MPI_COMM_WORLD, 1);
    struct llmb_coll_data d = {.rank = c->rank, .n = c->n, .off = bytes % LLMB_COLL_PERIOD,
                               .corrupt = corrupt && c->rank == c->n - 1, .tab = tab, .sum = sum};
    im->init(send, ns, recv, nr, in_place, &d);
    struct llmb_coll_args a = {.send = send, .recv = recv, .send_elems = ns, .recv_elems = nr,
                               .in_place = in_place};
    int rc;
    if (nb) {
        struct llmb_coll_req r;
        llmb_coll_req_init(&r);
        rc = im->start(&a, c, &r);
        for (int done = 0, k = 0; !rc && !done && k < 1000000; k++)
            rc = llmb_coll_mpi.test(&r, 1, &done);
        if (!rc)
            rc = llmb_coll_mpi.wait(&r, 1);
    } else {
        rc = im->run(&a, c);
    }
    long long wrong = rc ? (long long)nr + 1 : im->check(recv, nr, &d);
    free(send);
    free(recv);
    return wrong;
}

/* reduce-scatter then allgather of a buffer of n floats in uneven chunks, in place for the
 * allgather (the train phase's zero mode): every element must be the sum over ranks. */
static long long uneven(const struct llmb_coll_comm *c, size_t n, int nb)
{
    const struct llmb_coll_impl *rs = llmb_coll_find(LLMB_COLL_REDUCE_SCATTER, "mpi");
    const struct llmb_coll_impl *ag = llmb_coll_find(LLMB_COLL_ALLGATHER, "mpi");
    int *counts = malloc((size_t)c->n * sizeof *counts), *displs = malloc((size_t)c->n * sizeof *displs);
    float *buf = malloc(n * sizeof *buf), *chunk = malloc(n * sizeof *chunk);
    if (!counts || !displs || !buf || !chunk)
        MPI_Abort(MPI_COMM_WORLD, 1);
    size_t base = n / (size_t)c->n, rem = n % (size_t)c->n, off = 0;
    for (int r = 0; r < c->n; r++) {
        counts[r] = (int)(base + ((size_t)r < rem));
        displs[r] = (int)off;
        off += (size_t)counts[r];
    }
    for (size_t i = 0; i < n; i++)
        buf[i] = (float)((i * 7 + (size_t)c->rank * 3) % 13);
    struct llmb_coll_args a = {.send = buf, .recv = chunk, .send_elems = n,
                               .recv_elems = (size_t)counts[c->rank], .counts = counts,
                               .displs = displs};
    struct llmb_coll_args g = {.recv = buf, .recv_elems = n, .send_elems = (size_t)counts[c->rank],
                               .in_place = 1, .counts = counts, .displs = displs};
    struct llmb_coll_req r;
    llmb_coll_req_init(&r);
    int rc = nb ? rs->start(&a, c, &r) || llmb_coll_mpi.wait(&r, 1) : rs->run(&a, c);
    memcpy(buf + displs[c->rank], chunk, (size_t)counts[c->rank] * sizeof *buf);
    llmb_coll_req_init(&r);
    rc = rc || (nb ? ag->start(&g, c, &r) || llmb_coll_mpi.wait(&r, 1) : ag->run(&g, c));
    long long wrong = rc ? (long long)n : 0;
    for (size_t i = 0; i < n && !rc; i++) {
        float want = 0;
        for (int q = 0; q < c->n; q++)
            want += (float)((i * 7 + (size_t)q * 3) % 13);
        wrong += buf[i] != want;
    }
    free(counts);
    free(displs);
    free(buf);
    free(chunk);
    return wrong;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    struct llmb_coll_comm c;
    if (llmb_coll_comm_open(&llmb_coll_mpi, MPI_COMM_WORLD, &c) != 0)
        MPI_Abort(MPI_COMM_WORLD, 1);
    float tab[LLMB_COLL_PERIOD], sum[LLMB_COLL_PERIOD];
    llmb_coll_table(42, tab);
    llmb_coll_sums(tab, c.n, sum);
    const size_t sizes[] = {4, 4 * 3 * 7, 4 * 1000 + 4, (size_t)1 << 20};
    int count = 0;
    for (int i = 0; llmb_coll_registry[i]; i++)
        count += strcmp(llmb_coll_registry[i]->backend, "mpi") == 0;
    if (rank == 0)
        printf("1..%d\n", 1 + count * (2 + 1) + 2);
    tap(count == LLMB_COLL_COUNT, "every collective has an %s%s line (%zu)", "mpi", "",
        (size_t)count);
    for (int i = 0; llmb_coll_registry[i]; i++) {
        const struct llmb_coll_impl *im = llmb_coll_registry[i];
        if (strcmp(im->backend, "mpi") != 0)
            continue;
        const char *name = llmb_coll_name(im->coll);
        for (int nb = 0; nb < 2; nb++) {
            long long wrong = 0;
            for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
                for (int ip = 0; ip <= im->in_place; ip++)
                    wrong += one(im, &c, sizes[s], ip, nb, 0, tab, sum);
            tap(wrong == 0 && (!nb || im->start), "%s %s: exact at every size, in and out of place",
                name, nb ? "start/test/wait" : "run", (size_t)wrong);
        }
        /* a wrong contribution is seen (broadcast: only the root's data travels) */
        long long caught = one(im, &c, 4096, 0, 1, 1, tab, sum);
        int root_only = im->coll == LLMB_COLL_BROADCAST;
        long long any = 0;
        MPI_Allreduce(&caught, &any, 1, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
        tap(root_only || nranks < 2 ? 1 : any > 0, "%s: a corrupted contribution is counted%s",
            name, "", (size_t)any);
    }
    tap(uneven(&c, 1000003, 0) == 0, "reduce_scatter + allgather in uneven chunks (%s%s%zu floats)",
        "run", ", ", (size_t)1000003);
    tap(uneven(&c, 1000003, 1) == 0, "reduce_scatter + allgather in uneven chunks (%s%s%zu floats)",
        "start/wait", ", ", (size_t)1000003);
    llmb_coll_comm_close(&llmb_coll_mpi, &c);
    MPI_Finalize();
    return tap_bad ? 1 : 0;
}
