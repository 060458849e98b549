/* The checks every backend's collectives pass under mpirun (coll_cases.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coll_cases.h"

static const size_t sizes[] = {4, 4 * 3 * 7, 4 * 1000 + 4, (size_t)1 << 20};
#define UNEVEN_FLOATS ((size_t)1000003)

void coll_cases_tap(struct coll_cases *t, int ok, const char *what, const char *name)
{
    int all = 0;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_MIN, t->c.mpi);
    t->tap_n++;
    t->tap_bad += !all;
    if (t->c.rank == 0)
        printf("%s %d - %s %s\n", all ? "ok" : "not ok", t->tap_n, name, what);
}

void coll_cases_open(struct coll_cases *t, const struct llmb_coll_backend *b,
                     const struct coll_mem *m, MPI_Comm comm)
{
    memset(t, 0, sizeof *t);
    t->b = b;
    t->m = m;
    if (llmb_coll_comm_open(b, comm, &t->c) != 0)
        MPI_Abort(MPI_COMM_WORLD, 1);
    llmb_coll_table(42, t->tab);
    llmb_coll_sums(t->tab, t->c.n, t->sum);
}

int coll_cases_count(void)
{
    return 1 + LLMB_COLL_RUN_COUNT * 3 + 2;
}

static int finish(struct coll_cases *t, struct llmb_coll_req *r)
{
    int rc = 0;
    for (int done = 0, k = 0; !rc && !done && k < 100000000; k++)
        rc = t->b->test(r, 1, &done);
    return rc ? rc : t->b->wait(r, 1);
}

static float *host(size_t n)
{
    float *p = malloc((n ? n : 1) * sizeof *p);
    if (!p)
        MPI_Abort(MPI_COMM_WORLD, 1);
    return p;
}

long long coll_cases_one(struct coll_cases *t, const struct llmb_coll_impl *im, size_t bytes,
                         int in_place, int nb, int corrupt)
{
    const struct llmb_coll_comm *c = &t->c;
    size_t ns, nr;
    llmb_coll_counts(im->coll, bytes, sizeof(float), c->n, &ns, &nr);
    float *hs = host(ns), *hr = host(nr);
    float *ds = t->m->alloc((ns ? ns : 1) * sizeof *ds), *dr = t->m->alloc((nr ? nr : 1) * sizeof *dr);
    struct llmb_coll_data d = {.rank = c->rank, .n = c->n, .off = bytes % LLMB_COLL_PERIOD,
                               .corrupt = corrupt && c->rank == c->n - 1, .tab = t->tab,
                               .sum = t->sum};
    im->init(hs, ns, hr, nr, in_place, &d);
    t->m->put(ds, hs, ns * sizeof *hs);
    t->m->put(dr, hr, nr * sizeof *hr);
    struct llmb_coll_args a = {.send = ds, .recv = dr, .send_elems = ns, .recv_elems = nr,
                               .in_place = in_place};
    struct llmb_coll_req r;
    llmb_coll_req_init(&r);
    int rc = nb ? im->start(&a, c, &r) : im->run(&a, c);
    if (!rc && nb)
        rc = finish(t, &r);
    long long wrong = (long long)nr + 1;
    if (!rc) {
        t->m->get(hr, dr, nr * sizeof *hr);
        wrong = im->check(hr, nr, &d);
    }
    t->m->release(ds);
    t->m->release(dr);
    free(hs);
    free(hr);
    return wrong;
}

/* reduce-scatter then in-place allgather of n floats in uneven chunks (the train phase's zero
 * mode): every element must be the sum over ranks. */
static long long uneven(struct coll_cases *t, size_t n, int nb)
{
    const struct llmb_coll_comm *c = &t->c;
    const struct llmb_coll_impl *rs = llmb_coll_find(LLMB_COLL_REDUCE_SCATTER, t->b->name);
    const struct llmb_coll_impl *ag = llmb_coll_find(LLMB_COLL_ALLGATHER, t->b->name);
    int *counts = malloc((size_t)c->n * sizeof *counts), *displs = malloc((size_t)c->n * sizeof *displs);
    float *h = host(n), *buf = t->m->alloc(n * sizeof *h), *chunk = t->m->alloc(n * sizeof *h);
    if (!counts || !displs || !rs || !ag)
        MPI_Abort(MPI_COMM_WORLD, 1);
    size_t base = n / (size_t)c->n, rem = n % (size_t)c->n, off = 0;
    for (int r = 0; r < c->n; r++) {
        counts[r] = (int)(base + ((size_t)r < rem));
        displs[r] = (int)off;
        off += (size_t)counts[r];
    }
    for (size_t i = 0; i < n; i++)
        h[i] = (float)((i * 7 + (size_t)c->rank * 3) % 13);
    t->m->put(buf, h, n * sizeof *h);
    struct llmb_coll_args a = {.send = buf, .recv = chunk, .send_elems = n,
                               .recv_elems = (size_t)counts[c->rank], .counts = counts,
                               .displs = displs};
    struct llmb_coll_args g = {.recv = buf, .recv_elems = n, .send_elems = (size_t)counts[c->rank],
                               .in_place = 1, .counts = counts, .displs = displs};
    struct llmb_coll_req r;
    llmb_coll_req_init(&r);
    int rc = nb ? rs->start(&a, c, &r) || finish(t, &r) : rs->run(&a, c);
    t->m->copy(buf + displs[c->rank], chunk, (size_t)counts[c->rank] * sizeof *h);
    llmb_coll_req_init(&r);
    rc = rc || (nb ? ag->start(&g, c, &r) || finish(t, &r) : ag->run(&g, c));
    long long wrong = rc ? (long long)n : 0;
    if (!rc)
        t->m->get(h, buf, n * sizeof *h);
    for (size_t i = 0; i < n && !rc; i++) {
        float want = 0;
        for (int q = 0; q < c->n; q++)
            want += (float)((i * 7 + (size_t)q * 3) % 13);
        wrong += h[i] != want;
    }
    free(counts);
    free(displs);
    free(h);
    t->m->release(buf);
    t->m->release(chunk);
    return wrong;
}

void coll_cases_all(struct coll_cases *t)
{
    int count = 0;
    for (int i = 0; llmb_coll_registry[i]; i++)
        count += strcmp(llmb_coll_registry[i]->backend, t->b->name) == 0;
    coll_cases_tap(t, count == LLMB_COLL_RUN_COUNT, "line for every collective", t->b->name);
    for (int i = 0; llmb_coll_registry[i]; i++) {
        const struct llmb_coll_impl *im = llmb_coll_registry[i];
        if (strcmp(im->backend, t->b->name) != 0)
            continue;
        const char *name = llmb_coll_name(im->coll);
        for (int nb = 0; nb < 2; nb++) {
            long long wrong = 0;
            for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
                for (int ip = 0; ip <= im->in_place; ip++)
                    wrong += coll_cases_one(t, im, sizes[s], ip, nb, 0);
            coll_cases_tap(t, wrong == 0 && (!nb || im->start),
                           nb ? "start/test/wait: exact at every size, in and out of place"
                              : "run: exact at every size, in and out of place", name);
        }
        /* a wrong contribution is seen (broadcast: only the root's data travels) */
        long long caught = coll_cases_one(t, im, 4096, 0, 1, 1), any = 0;
        MPI_Allreduce(&caught, &any, 1, MPI_LONG_LONG, MPI_SUM, t->c.mpi);
        coll_cases_tap(t, im->coll == LLMB_COLL_BROADCAST || t->c.n < 2 || any > 0,
                       "a corrupted contribution is counted (broadcast, one rank: not applicable)",
                       name);
    }
    coll_cases_tap(t, uneven(t, UNEVEN_FLOATS, 0) == 0,
                   "+ allgather in uneven chunks (run, 1000003 floats)", "reduce_scatter");
    coll_cases_tap(t, uneven(t, UNEVEN_FLOATS, 1) == 0,
                   "+ allgather in uneven chunks (start/wait, 1000003 floats)", "reduce_scatter");
}

int coll_cases_close(struct coll_cases *t)
{
    llmb_coll_comm_close(t->b, &t->c);
    return t->tap_bad != 0;
}
