/* The processing units (PUs) the ranks are bound to, from the probe's cpusets: per node, the PUs
 * of the bindings, the PUs no rank is bound to and the compute threads asking for them; per
 * rank, its share of the PUs of its binding when other ranks are bound to the same PUs.
 * Declared in report/report.h ("pus.c"); a leaf like rank.c. */
#include "report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PU 1048576 /* OS PU indexes beyond this are not a cpuset this reader accepts */

/* Call fn(pu, arg) for every PU of the list s ("0-3,8"); the largest index, or -1 when s is
 * empty, malformed or was cut (it filled its buffer: the probe's list is longer). */
static int cpuset_walk(const char *s, size_t cap, void (*fn)(int pu, void *arg), void *arg)
{
    if (!s[0] || strlen(s) + 1 >= cap)
        return -1;
    int top = -1;
    const char *p = s;
    while (*p) {
        char *end;
        long a = strtol(p, &end, 10), b = a;
        if (end == p || a < 0 || a >= MAX_PU)
            return -1;
        p = end;
        if (*p == '-') {
            b = strtol(p + 1, &end, 10);
            if (end == p + 1 || b < a || b >= MAX_PU)
                return -1;
            p = end;
        }
        for (long k = a; fn && k <= b; k++)
            fn((int)k, arg);
        if (b > top)
            top = (int)b;
        if (*p == ',')
            p++;
        else if (*p)
            return -1;
    }
    return top;
}

static void count_pu(int pu, void *arg) { ((int *)arg)[pu]++; }

struct share_sum {
    const int *count;
    double sum;
    int n;
};

static void add_share(int pu, void *arg)
{
    struct share_sum *s = arg;
    s->sum += 1.0 / s->count[pu];
    s->n++;
}

/* One node: the union of its ranks' bindings, the demand, the shares. */
static void node_pus(const struct rr_run *run, int n, struct rr_pus *np, double *share)
{
    const size_t cap = RR_CPUSET_LEN;
    int top = -1, ok = 1;
    np->pus = run->nodes[n].pus;
    np->bound = np->idle = np->demand = np->nranks = 0;
    for (int r = 0; r < run->nranks; r++) {
        const struct rr_rank *rk = &run->ranks[r];
        if (rk->node != n)
            continue;
        np->nranks++;
        int t = cpuset_walk(rk->cpuset, cap, NULL, NULL);
        if (t < 0 || rk->threads < 1)
            ok = 0;
        else
            np->demand += rk->threads;
        if (t > top)
            top = t;
    }
    np->known = ok && np->nranks > 0;
    if (top < 0)
        return;
    int *count = calloc((size_t)top + 1, sizeof *count);
    if (!count) {
        np->known = 0;
        return;
    }
    for (int r = 0; r < run->nranks; r++)
        if (run->ranks[r].node == n)
            cpuset_walk(run->ranks[r].cpuset, cap, count_pu, count);
    for (int k = 0; k <= top; k++)
        np->bound += count[k] > 0;
    if (np->known && np->pus > np->bound)
        np->idle = np->pus - np->bound;
    for (int r = 0; share && r < run->nranks; r++) {
        struct share_sum s = {count, 0, 0};
        if (run->ranks[r].node == n &&
            cpuset_walk(run->ranks[r].cpuset, cap, add_share, &s) >= 0 && s.n > 0)
            share[r] = s.sum / s.n;
    }
    free(count);
}

void rr_pus_of(const struct rr_run *run, struct rr_pus *nodes, double *share)
{
    for (int r = 0; share && r < run->nranks; r++)
        share[r] = NAN;
    for (int n = 0; n < run->nnodes; n++)
        node_pus(run, n, &nodes[n], share);
}
