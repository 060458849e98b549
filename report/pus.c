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

/* One node: the union of its ranks' bindings, the demand, the shares.  on[0..non) are its
 * ranks. */
static void node_pus(const struct rr_run *run, int n, const int *on, int non, struct rr_pus *np,
                     double *share)
{
    const size_t cap = RR_CPUSET_LEN;
    int top = -1, ok = 1;
    np->pus = run->nodes[n].pus;
    np->bound = np->idle = np->demand = np->nranks = 0;
    for (int i = 0; i < non; i++) {
        const struct rr_rank *rk = &run->ranks[on[i]];
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
    for (int i = 0; i < non; i++)
        cpuset_walk(run->ranks[on[i]].cpuset, cap, count_pu, count);
    for (int k = 0; k <= top; k++)
        np->bound += count[k] > 0;
    if (np->known && np->pus > np->bound)
        np->idle = np->pus - np->bound;
    for (int i = 0; share && i < non; i++) {
        struct share_sum s = {count, 0, 0};
        if (cpuset_walk(run->ranks[on[i]].cpuset, cap, add_share, &s) >= 0 && s.n > 0)
            share[on[i]] = s.sum / s.n;
    }
    free(count);
}

void rr_pus_of(const struct rr_run *run, struct rr_pus *nodes, double *share)
{
    for (int r = 0; share && r < run->nranks; r++)
        share[r] = NAN;
    /* the ranks by node (counting sort): each node visits its own ranks, not all of them */
    int *start = calloc((size_t)run->nnodes + 1, sizeof *start);
    int *on = malloc(((size_t)run->nranks + 1) * sizeof *on);
    if (!start || !on) {
        free(start), free(on);
        for (int n = 0; n < run->nnodes; n++)
            memset(&nodes[n], 0, sizeof nodes[n]), nodes[n].pus = run->nodes[n].pus;
        return;
    }
    for (int r = 0; r < run->nranks; r++)
        start[run->ranks[r].node + 1]++;
    for (int n = 0; n < run->nnodes; n++)
        start[n + 1] += start[n];
    for (int r = 0; r < run->nranks; r++)
        on[start[run->ranks[r].node]++] = r;
    for (int n = run->nnodes; n > 0; n--) /* back to the first of each node */
        start[n] = start[n - 1];
    start[0] = 0;
    for (int n = 0; n < run->nnodes; n++)
        node_pus(run, n, on + start[n], start[n + 1] - start[n], &nodes[n], share);
    free(start), free(on);
}
