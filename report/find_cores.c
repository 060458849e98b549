/* Threads against the PUs that run them (doc/findings.md): machine.oversubscribed (a node's
 * ranks run more compute and progress threads than it has PUs) and binding.idle_cores (PUs no
 * rank is bound to while ranks' threads are squeezed onto fewer).  Facts from the probe's
 * cpusets and threads (report/pus.c).  Their rows are in the table of report/findings.c. */
#include "findings.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Progress threads per rank that rank 0's environment turns on (the probe records OMPI_*, so
 * in practice Open MPI's TCP progress thread); which: the variable, "" when none. */
static int progress_threads(const struct rr_run *run, char *which, size_t len)
{
    static const char *const on[] = {"OMPI_MCA_btl_tcp_progress_thread", "MPICH_ASYNC_PROGRESS",
                                      "I_MPI_ASYNC_PROGRESS"};
    which[0] = '\0';
    for (size_t i = 0; i < sizeof on / sizeof on[0]; i++) {
        const char *v = json_string_value(json_object_get(run->env, on[i]));
        if (!v || !v[0] || strcmp(v, "0") == 0 || strcasecmp(v, "no") == 0 ||
            strcasecmp(v, "off") == 0 || strcasecmp(v, "disable") == 0 ||
            strcasecmp(v, "false") == 0)
            continue;
        snprintf(which, len, "%s=%s", on[i], v);
        int n = 1;
        const char *t = json_string_value(json_object_get(run->env,
                                                          "I_MPI_ASYNC_PROGRESS_THREADS"));
        if (i == 2 && t && atoi(t) > 1)
            n = atoi(t);
        return n;
    }
    return 0;
}

/* The PU facts of every node and rank; NULL when out of memory. */
struct cores {
    struct rr_pus *node;
    double *share;
    int prog;               /* progress threads per rank */
    char prog_var[96];
};

static int cores_of(const struct rr_run *run, struct cores *c)
{
    c->node = calloc((size_t)(run->nnodes > 0 ? run->nnodes : 1), sizeof *c->node);
    c->share = malloc((size_t)(run->nranks > 0 ? run->nranks : 1) * sizeof *c->share);
    if (!c->node || !c->share) {
        free(c->node), free(c->share);
        return -1;
    }
    rr_pus_of(run, c->node, c->share);
    c->prog = progress_threads(run, c->prog_var, sizeof c->prog_var);
    for (int n = 0; n < run->nnodes; n++)
        c->node[n].demand += c->prog * c->node[n].nranks;
    return 0;
}

static void cores_free(struct cores *c) { free(c->node), free(c->share); }

static void node_text(const struct rr_run *run, const struct cores *c, int n, int cap,
                      struct rr_finding *f)
{
    const struct rr_pus *p = &c->node[n];
    rr_cat(f->evidence, sizeof f->evidence, "%s%s: %d ranks run %d compute threads", f->nnodes > 1
           ? "; " : "", run->nodes[n].name, p->nranks, p->demand - c->prog * p->nranks);
    if (c->prog)
        rr_cat(f->evidence, sizeof f->evidence, " and %d progress threads (%s)",
               c->prog * p->nranks, c->prog_var);
    rr_cat(f->evidence, sizeof f->evidence, " on %d PUs", cap);
}

void rr_eval_oversubscribed(const struct rr_find_ctx *cx, const struct rr_finding_def *def)
{
    const struct rr_run *run = cx->run;
    struct cores c;
    if (cores_of(run, &c) < 0)
        return;
    struct rr_finding *f = NULL;
    for (int n = 0; n < run->nnodes; n++) {
        const struct rr_pus *p = &c.node[n];
        int cap = p->pus > 0 ? p->pus : p->bound;
        if (!p->known || cap <= 0 || p->demand <= cap)
            continue;
        int sev = p->demand >= 2 * cap ? RR_CRITICAL : def->sev;
        if (!f && !(f = rr_finding_new(cx, def, sev)))
            break;
        if (sev > f->sev)
            f->sev = sev;
        rr_finding_add_node(f, n);
        for (int r = 0; r < run->nranks; r++)
            if (run->ranks[r].node == n)
                rr_finding_add_rank(f, r);
        node_text(run, &c, n, cap, f);
    }
    if (f) {
        rr_cat(f->evidence, sizeof f->evidence, "; time lost not estimated: beyond one thread "
               "per PU the compute already runs at the PUs' rate, and what the extra threads add "
               "(context switches, OpenMP barriers waiting for descheduled threads) is not "
               "separable in this file");
        snprintf(f->remedy, sizeof f->remedy,
                 "run at most one thread per PU: ranks x threads (+ progress threads) per node "
                 "<= its PUs (llmbench --threads N, OMP_NUM_THREADS), fewer ranks per node "
                 "(mpirun --map-by ppr:N:node) or more nodes");
    }
    cores_free(&c);
}

/* ---------------------------------------------------------------- idle cores */
/* Rank r runs more threads than its share of its binding's PUs. */
static int squeezed(const struct rr_run *run, const struct cores *c, int r)
{
    const struct rr_rank *rk = &run->ranks[r];
    return rk->threads > 0 && rk->pus > 0 && c->share[r] > 0 &&
           rk->threads + c->prog > c->share[r] * rk->pus + 1e-9;
}

/* Other processes' share of a node (its 1-minute load average beyond this job's ranks, as
 * machine.loaded counts it); 0 when unknown. */
static double others_load(const struct rr_run *run, int n)
{
    const struct rr_node *nd = &run->nodes[n];
    return nd->load1 > nd->nranks ? nd->load1 - nd->nranks : 0.0;
}

/* The idle PUs of node n that other processes leave free. */
static double free_pus(const struct rr_run *run, const struct cores *c, int n)
{
    return fmax(0.0, c->node[n].idle - others_load(run, n));
}

/* The squeezed ranks (set) of the nodes with idle PUs, and per rank the factor fac[r] of its
 * compute when its threads spread over them (1 for the others): a rank runs its threads on
 * share x pus PUs; the node's idle PUs, less what other processes load, make up each one's
 * deficit (threads - those PUs), in proportion when they are too few; fac = PUs now / PUs then (compute scaling with PUs, the
 * most it can gain).  Returns how many are squeezed. */
static int squeeze_factors(const struct rr_run *run, const struct cores *c, char *set,
                           double *fac)
{
    double *deficit = calloc((size_t)(run->nnodes > 0 ? run->nnodes : 1), sizeof *deficit);
    int n = 0;
    if (!deficit)
        return 0;
    for (int pass = 0; pass < 2; pass++)
        for (int r = 0; r < run->nranks; r++) {
            const struct rr_rank *rk = &run->ranks[r];
            const struct rr_pus *p = &c->node[rk->node];
            double eff = c->share[r] * rk->pus, need = rk->threads + c->prog - eff;
            if (pass == 0) {
                fac[r] = 1.0;
                set[r] = p->known && p->idle > 0 && p->demand > p->bound && squeezed(run, c, r);
                if (set[r])
                    deficit[rk->node] += need, n++;
            } else if (set[r])
                fac[r] = eff / (eff + need * fmin(1.0, free_pus(run, c, rk->node) /
                                                           deficit[rk->node]));
        }
    free(deficit);
    return n;
}

/* The squeezed ranks' compute with their threads spread over the idle PUs: each rank's train
 * compute x fac[r], and the model's compute (the median rank's) x the median factor. */
struct spread {
    const double *fac;
    double med;
};

static void spread_compute(struct rr_params *p, const void *arg)
{
    const struct spread *a = arg;
    p->comp_norm *= a->med;
    for (int r = 0; p->rank_compute && r < p->nranks; r++)
        p->rank_compute[r] *= a->fac[r];
}

/* What the squeeze costs: the model's step with every squeezed rank's compute x fac[r] (its
 * node's bound / min(demand, bound + idle): compute scaling with PUs, at most), minus what
 * binding.shared_core counts. */
static double idle_lost(const struct rr_find_ctx *cx, const double *fac,
                        const struct rr_finding_def *def)
{
    const struct rr_run *run = cx->run;
    if (!run->has[RR_TRAIN])
        return NAN;
    double *v = malloc((size_t)run->nranks * sizeof *v);
    if (!v)
        return NAN;
    memcpy(v, fac, (size_t)run->nranks * sizeof *v);
    struct spread a = {fac, rr_median(v, (size_t)run->nranks)};
    free(v);
    double lost = rr_saved_by(run, spread_compute, &a);
    const struct rr_finding *sh = rr_finding_in_run(cx, def->excludes);
    if (sh && sh->time_lost_s > 0 && !isnan(lost))
        lost = fmax(0.0, lost - sh->time_lost_s);
    return lost;
}

void rr_eval_idle_cores(const struct rr_find_ctx *cx, const struct rr_finding_def *def)
{
    const struct rr_run *run = cx->run;
    struct cores c;
    if (cores_of(run, &c) < 0)
        return;
    char *set = calloc((size_t)(run->nranks > 0 ? run->nranks : 1), 1);
    double *fac = malloc((size_t)(run->nranks > 0 ? run->nranks : 1) * sizeof *fac);
    int nset = set && fac ? squeeze_factors(run, &c, set, fac) : 0, ex = -1;
    for (int r = 0; nset && r < run->nranks && ex < 0; r++)
        if (set[r])
            ex = r;
    struct rr_finding *f = nset ? rr_finding_new(cx, def, def->sev) : NULL;
    if (!f)
        goto done;
    rr_finding_add_set(f, run, set);
    f->time_lost_s = idle_lost(cx, fac, def);
    f->sev = rr_sev_of_time(f->time_lost_s, run->step_med, def->sev);
    for (int k = 0; k < f->nnodes && k < 4; k++) {
        int n = f->nodes[k];
        rr_cat(f->evidence, sizeof f->evidence, "%s%s: %d of %d PUs bound by no rank while %d "
               "threads run on the other %d", k ? "; " : "", run->nodes[n].name, c.node[n].idle,
               c.node[n].pus, c.node[n].demand, c.node[n].bound);
        if (others_load(run, n) > 0.05)
            rr_cat(f->evidence, sizeof f->evidence, " (other processes load %.2f PUs, leaving "
                   "%.2f of them free)", others_load(run, n), free_pus(run, &c, n));
    }
    const struct rr_rank *rk = &run->ranks[ex];
    rr_cat(f->evidence, sizeof f->evidence, "; e.g. rank %d: %d threads on cpuset %s (%d PU%s%s)"
           "; spread over the free idle PUs its compute would take %.0f%% of its time, at "
           "most (compute scaling with PUs)", ex, rk->threads, rk->cpuset, rk->pus,
           rk->pus > 1 ? "s" : "", c.share[ex] < 1 ? ", shared with other ranks" : "",
           100 * fac[ex]);
    if (rr_finding_in_run(cx, def->excludes))
        rr_cat(f->evidence, sizeof f->evidence, "; the part due to ranks sharing PUs is "
               "counted under %s", def->excludes);
    snprintf(f->remedy, sizeof f->remedy,
             "bind each rank to as many PUs as it runs threads: mpirun --map-by slot:PE=<threads> "
             "--bind-to core (Open MPI binds a rank to one core by default with 2 ranks or "
             "fewer; --bind-to none for a single rank per node), srun --cpus-per-task=<threads> "
             "--cpu-bind=cores; check --report-bindings");
done:
    free(set), free(fac);
    cores_free(&c);
}
