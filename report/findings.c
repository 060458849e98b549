/* The findings catalogue: its table (one row per finding), the driver that evaluates the rows on
 * a run, the probe's warnings, causes absorbing symptoms, and the ranking.  The ids, thresholds
 * and remedies are documented in doc/findings.md (keep the two in step).  Each finding carries
 * the time it costs per step when the file supports an estimate (NAN otherwise);
 * rr_findings_sort() ranks them by that time.
 *
 * Adding a finding:
 *   1. one row in rr_finding_table below: its id, default severity, priority (RR_PRIO_*, causes
 *      before symptoms), whether the probe may raise it (its id then comes from
 *      lib/probe_warnings.h), the symptom it may absorb and by which rule, what it means, and
 *      its evaluation function;
 *   2. that function, rr_eval_<name>(cx, def), in the report/find_*.c of its subject (declared
 *      in report/findings.h): it calls rr_finding_new(cx, def, sev) for each finding it raises,
 *      names the ranks and nodes, sets time_lost_s, evidence and remedy (the helpers are in
 *      report/find_common.c);
 *   3. its entry in the table of doc/findings.md (fires when, severity, time lost, remedy);
 *   4. a fixture that makes it fire in tests/report/make_fixtures.py and its check in
 *      tests/report/report.sh.
 * The id appears nowhere else: the absorb rule, the probe's known ids and the JSON report all
 * read the table. */
#include "findings.h"

#include "probe_warnings.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const rr_sev_names[3] = {"info", "warning", "critical"};

/* The probe's warning ids (lib/probe_warnings.h) as constants for the table. */
#define RR_PW_ID(e, id) static const char e##_ID[] = id;
LLMB_PROBE_WARNINGS(RR_PW_ID)
#undef RR_PW_ID

#define STRAGGLER "straggler.arrival"

const struct rr_finding_def rr_finding_table[] = {
    /* id, severity, priority, from probe, absorbs, rule, excludes, means, evaluation */
    {LLMB_PW_UNBOUND_ID, RR_WARNING, RR_PRIO_BIND, 1, STRAGGLER, RR_ABSORB_NAMED, NULL,
     "ranks not bound to cores", rr_eval_unbound},
    {LLMB_PW_SHARED_CORE_ID, RR_CRITICAL, RR_PRIO_BIND, 1, STRAGGLER, RR_ABSORB_NAMED, NULL,
     "ranks share processing units", rr_eval_shared_core},
    /* from_probe: files of earlier probes may carry it; the probe no longer raises it */
    {"binding.threads_mismatch", RR_WARNING, RR_PRIO_BIND, 1, STRAGGLER, RR_ABSORB_NAMED, NULL,
     "threads per rank differ from the PUs bound", rr_eval_threads_mismatch},
    {"binding.idle_cores", RR_WARNING, RR_PRIO_BIND, 0, STRAGGLER, RR_ABSORB_NAMED,
     LLMB_PW_SHARED_CORE_ID, "PUs no rank is bound to while ranks' threads share fewer",
     rr_eval_idle_cores},
    {LLMB_PW_NUMA_MISMATCH_ID, RR_WARNING, RR_PRIO_PLACE, 1, NULL, RR_ABSORB_NONE, NULL,
     "ranks run on a NUMA node other than their GPU's", rr_eval_numa_mismatch},
    {LLMB_PW_GPU_NIC_SYS_ID, RR_WARNING, RR_PRIO_PLACE, 1, NULL, RR_ABSORB_NONE, NULL,
     "a GPU reaches its nearest NIC only across sockets (SYS)", rr_eval_gpu_nic_sys},
    {"clock.throttled", RR_WARNING, RR_PRIO_CLOCK, 0, STRAGGLER, RR_ABSORB_NAMED, NULL,
     "a node's CPU clock, or a GPU's SM clock, is below its maximum", rr_eval_clock},
    {"gpu.ecc_errors", RR_WARNING, RR_PRIO_CLOCK, 0, NULL, RR_ABSORB_NONE, NULL,
     "a GPU reports uncorrected memory errors or row remapping pending or failed",
     rr_eval_gpu_ecc},
    {"pcie.degraded", RR_WARNING, RR_PRIO_LINK, 0, NULL, RR_ABSORB_NONE, NULL,
     "a GPU's PCIe link runs below its maximum generation or width under load",
     rr_eval_pcie_degraded},
    {"machine.loaded", RR_WARNING, RR_PRIO_LOAD, 0, STRAGGLER, RR_ABSORB_NAMED, NULL,
     "other processes load a node", rr_eval_loaded},
    {"machine.oversubscribed", RR_WARNING, RR_PRIO_LOAD, 0, STRAGGLER, RR_ABSORB_NAMED, NULL,
     "a node runs more threads than it has PUs", rr_eval_oversubscribed},
    {"compute.rank_outlier", RR_WARNING, RR_PRIO_OUTLIER, 0, STRAGGLER, RR_ABSORB_NAMED, NULL,
     "a rank's GEMM rate is far below the others'", rr_eval_rank_outlier},
    {"link.slow_pair", RR_WARNING, RR_PRIO_LINK, 0, STRAGGLER, RR_ABSORB_COMM_LATE, NULL,
     "node pairs well below the median pair bandwidth", rr_eval_slow_pair},
    {"comm.busbw_below_nominal", RR_WARNING, RR_PRIO_COMM, 0, NULL, RR_ABSORB_NONE, NULL,
     "a tier's bus bandwidth is below 80% of nominal", rr_eval_busbw_nominal},
    {"comm.size_cliff", RR_WARNING, RR_PRIO_COMM, 0, NULL, RR_ABSORB_NONE, NULL,
     "bus bandwidth falls 3x or more from one message size to the next", rr_eval_size_cliff},
    {"compute.gemm_below_nominal", RR_WARNING, RR_PRIO_GEMM, 0, NULL, RR_ABSORB_NONE,
     LLMB_PW_SHARED_CORE_ID, "the GEMM rate is below 50% of the nominal peak",
     rr_eval_gemm_nominal},
    {"compute.memory_below_nominal", RR_WARNING, RR_PRIO_GEMM, 0, NULL, RR_ABSORB_NONE, NULL,
     "the memory rate is below 50% of the device's nominal bandwidth", rr_eval_memory_nominal},
    {STRAGGLER, RR_WARNING, RR_PRIO_STRAGGLER, 0, NULL, RR_ABSORB_NONE, NULL,
     "a rank arrives last at the step's collective", rr_eval_straggler},
    {"comm.progress", RR_WARNING, RR_PRIO_COMM, 0, NULL, RR_ABSORB_NONE, NULL,
     "training's collectives finish much later than the comm phase's rate allows",
     rr_eval_progress},
    {"env.override", RR_WARNING, RR_PRIO_ENV, 0, NULL, RR_ABSORB_NONE, NULL,
     "variables choose collective algorithms or transports by hand", rr_eval_env},
    {"stats.unreliable", RR_WARNING, RR_PRIO_STATS, 0, NULL, RR_ABSORB_NONE, NULL,
     "too few samples or too much noise to trust the figures", rr_eval_stats},
    {"model.unexplained", RR_WARNING, RR_PRIO_STATS, 0, NULL, RR_ABSORB_NONE, NULL,
     "the step-time model misses the measured step by more than 10%",
     rr_eval_model_unexplained},
};
const size_t rr_finding_count = sizeof rr_finding_table / sizeof rr_finding_table[0];

const struct rr_finding_def *rr_finding_def_of(const char *id)
{
    for (size_t i = 0; id && i < rr_finding_count; i++)
        if (strcmp(rr_finding_table[i].id, id) == 0)
            return &rr_finding_table[i];
    return NULL;
}

/* ---------------------------------------------------------------- the probe's warnings */
/* Warnings the probe raised (phases.probe.warnings[]) whose id is a row marked from_probe, when
 * the per-rank fields did not already raise the same id. */
static void from_probe(const struct rr_find_ctx *cx)
{
    const struct rr_run *run = cx->run;
    size_t i;
    json_t *w;
    json_array_foreach(run->probe_warnings, i, w) {
        const char *id = json_string_value(json_object_get(w, "id"));
        const struct rr_finding_def *def = rr_finding_def_of(id);
        if (!def || !def->from_probe)
            continue;
        int dup = 0;
        for (size_t k = 0; k < cx->out->n; k++)
            dup |= cx->out->v[k].run == cx->ri && cx->out->v[k].def == def;
        if (dup)
            continue;
        struct rr_finding *f = rr_finding_new(cx, def, def->sev);
        if (!f)
            return;
        size_t k;
        json_t *x;
        json_array_foreach(json_object_get(w, "ranks"), k, x) if (json_is_integer(x) &&
            json_integer_value(x) >= 0 && json_integer_value(x) < run->nranks)
            rr_finding_add_rank(f, (int)json_integer_value(x));
        json_array_foreach(json_object_get(w, "nodes"), k, x) if (json_is_integer(x) &&
            json_integer_value(x) >= 0 && json_integer_value(x) < run->nnodes)
            rr_finding_add_node(f, (int)json_integer_value(x));
        const char *msg = json_string_value(json_object_get(w, "message"));
        snprintf(f->evidence, sizeof f->evidence, "probe: %s", msg ? msg : id);
        snprintf(f->remedy, sizeof f->remedy, "see doc/findings.md (%s)", def->id);
    }
}

/* ---------------------------------------------------------------- causes absorb symptoms */
/* Does cause c (rule RR_ABSORB_NAMED) name one of symptom s's ranks (set: s's ranks marked),
 * or, naming no rank, one of its nodes?  Linear in the names: a symptom of every rank and a
 * cause of every rank (8192 ranks) took 67 million comparisons. */
static int names_same(const struct rr_run *run, const struct rr_finding *s, const char *set,
                      const struct rr_finding *c)
{
    if (s->nranks == 0)
        return 0;
    for (int b = 0; b < c->nranks; b++)
        if (set[c->ranks[b]])
            return 1;
    if (c->nranks > 0 || c->nnodes == 0)
        return 0;
    char *nodes = calloc((size_t)(run->nnodes > 0 ? run->nnodes : 1), 1);
    int hit = 0;
    if (!nodes)
        return 0;
    for (int d = 0; d < s->nnodes; d++)
        if (s->nodes[d] >= 0 && s->nodes[d] < run->nnodes)
            nodes[s->nodes[d]] = 1;
    for (int b = 0; b < c->nnodes && !hit; b++)
        hit = c->nodes[b] >= 0 && c->nodes[b] < run->nnodes && nodes[c->nodes[b]];
    free(nodes);
    return hit;
}

/* A cause absorbs the symptom it explains (its row's absorbs and rule): it takes the symptom's
 * time lost and severity, and the symptom's evidence says "explained by <cause>".  A node-level
 * cause present on every node (a loaded machine everywhere) does not single out the symptom.
 * RR_ABSORB_COMM_LATE (a slow link) explains a straggler whose own compute does not explain its
 * lateness: it arrives late because the communication before it was slow. */
static void absorb(const struct rr_find_ctx *cx)
{
    const struct rr_run *run = cx->run;
    struct rr_findings *out = cx->out;
    char *set = calloc((size_t)(run->nranks > 0 ? run->nranks : 1), 1);
    if (!set)
        return;
    for (size_t i = cx->from; i < out->n; i++) {
        struct rr_finding *s = &out->v[i];
        if (isnan(s->time_lost_s))
            continue;
        memset(set, 0, (size_t)run->nranks);
        for (int a = 0; a < s->nranks; a++)
            set[s->ranks[a]] = 1;
        double own = NAN;
        int own_done = 0;
        for (size_t j = cx->from; j < out->n; j++) {
            struct rr_finding *c = &out->v[j];
            const struct rr_finding_def *d = c->def;
            if (!d->absorbs || strcmp(d->absorbs, s->id) ||
                (c->nranks == 0 && c->nnodes >= run->nnodes))
                continue;
            if (d->rule == RR_ABSORB_COMM_LATE && !own_done)
                own = rr_excess_vs_others(run, set), own_done = 1;
            int hit = d->rule == RR_ABSORB_COMM_LATE ? isnan(own) || own < 0.25 * s->time_lost_s
                                                     : names_same(run, s, set, c);
            if (!hit)
                continue;
            if (isnan(c->time_lost_s) || c->time_lost_s < s->time_lost_s)
                c->time_lost_s = s->time_lost_s;
            if (c->sev < s->sev)
                c->sev = s->sev;
            rr_cat(s->evidence, sizeof s->evidence, " (explained by %s)", c->id);
        }
    }
    free(set);
}

/* ---------------------------------------------------------------- driver, ranking */
void rr_find(const struct rr_run *run, int ri, const struct rr_resource res[RR_NRES],
             struct rr_findings *out)
{
    struct rr_find_ctx cx = {run, ri, res, out, out->n};
    for (size_t i = 0; i < rr_finding_count; i++)
        rr_finding_table[i].eval(&cx, &rr_finding_table[i]);
    from_probe(&cx);
    absorb(&cx);
    /* A time lost of a few ulps is no time lost; a cause that costs under 1% of the step is not
     * critical, whatever its own measure says (the buyer acts on the cost). */
    for (size_t i = cx.from; i < out->n; i++) {
        struct rr_finding *f = &out->v[i];
        if (f->time_lost_s < 0)
            f->time_lost_s = 0;
        if (f->sev == RR_CRITICAL && run->step_med > 0 && f->time_lost_s < 0.01 * run->step_med)
            f->sev = RR_WARNING;
    }
}

static double lost_or_zero(double t) { return isnan(t) ? 0 : t; }

int rr_finding_same(const struct rr_finding *a, const struct rr_finding *b)
{
    if (a->def != b->def || a->nranks != b->nranks || a->nnodes != b->nnodes)
        return 0;
    for (int k = 0; k < a->nranks; k++)
        if (a->ranks[k] != b->ranks[k])
            return 0;
    for (int k = 0; k < a->nnodes; k++)
        if (a->nodes[k] != b->nodes[k])
            return 0;
    return 1;
}

static int cmp_finding(const void *x, const void *y)
{
    const struct rr_finding *a = x, *b = y;
    /* Two runs: what differs between them explains the gap, so rank by that first. */
    if (!isnan(a->gap_s) && !isnan(b->gap_s)) {
        double tol = 1e-9 + 1e-3 * fmax(a->gap_s, b->gap_s);
        if (fabs(a->gap_s - b->gap_s) > tol)
            return a->gap_s > b->gap_s ? -1 : 1;
    }
    double ta = lost_or_zero(a->time_lost_s), tb = lost_or_zero(b->time_lost_s);
    double tol = 1e-9 + 1e-3 * fmax(ta, tb);
    if (fabs(ta - tb) > tol)
        return ta > tb ? -1 : 1;
    if (a->sev != b->sev)
        return b->sev - a->sev;
    if (a->prio != b->prio)
        return a->prio - b->prio;
    if (a->run != b->run)
        return a->run - b->run;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

void rr_findings_sort(struct rr_findings *f, int nruns, int slower)
{
    for (size_t i = 0; i < f->n; i++) {
        f->v[i].gap_s = NAN;
        if (nruns < 2)
            continue;
        if (slower >= 0 && f->v[i].run != slower) {
            f->v[i].gap_s = 0; /* the faster run's findings do not make the other one slower */
            continue;
        }
        double other = 0;
        for (size_t j = 0; j < f->n; j++)
            if (f->v[j].run != f->v[i].run && rr_finding_same(&f->v[i], &f->v[j]))
                other = fmax(other, lost_or_zero(f->v[j].time_lost_s));
        f->v[i].gap_s = fmax(0.0, lost_or_zero(f->v[i].time_lost_s) - other);
    }
    if (f->n)
        qsort(f->v, f->n, sizeof *f->v, cmp_finding);
}

void rr_findings_free(struct rr_findings *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->v[i].ranks), free(f->v[i].nodes);
    free(f->v);
    memset(f, 0, sizeof *f);
}
