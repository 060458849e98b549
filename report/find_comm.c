/* Findings on communication and synchronisation (doc/findings.md): link.slow_pair,
 * comm.busbw_below_nominal, straggler.arrival, comm.progress.  Their rows are in the table of
 * report/findings.c; each time lost is a counterfactual of the step model (rr_saved_by). */
#include "findings.h"

#include "metrics.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- link matrix */
static int node_index(const struct rr_run *run, const char *name)
{
    for (int n = 0; n < run->nnodes; n++)
        if (strcmp(run->nodes[n].name, name) == 0)
            return n;
    return -1;
}

/* The measured pairs of the link matrix: the slower direction of each, bw[k] between names
 * pi[k] and pj[k] (with passes, of the best of them per direction). */
struct pairs {
    int k;
    double *bw, med, lo;   /* GB/s: per pair, median pair, slowest slow pair */
    double *spread;        /* per pair: its fastest pass / its slowest (NAN: one pass) */
    int nspread;           /* pairs whose passes disagree (spread above RR_LINK_PASS_SPREAD) */
    int *pi, *pj;
    int nslow, shared;     /* pairs below RR_SLOW_PAIR_FRAC of the median; the one name they
                            * point at (-1: none): the name in all of them, or the only name
                            * slow with at least half of its partners */
    int majority;          /* shared by the second rule */
    int *count;            /* per name: its slow pairs */
};

static void pairs_free(struct pairs *p)
{
    free(p->bw), free(p->spread), free(p->pi), free(p->pj), free(p->count);
}

/* The slower direction of the pair i, j in an n x n matrix x; NAN when neither is measured. */
static double pair_bw(const double *x, int n, int i, int j)
{
    double a = x[i * n + j], b = x[j * n + i];
    return isnan(a) ? b : isnan(b) ? a : fmin(a, b);
}

/* Pair i, j's fastest pass / its slowest (each pass's slower direction); NAN with fewer than
 * two measured passes. */
static double pass_spread(const struct rr_run *run, int i, int j)
{
    int n = run->link_n, got = 0;
    double hi = 0, lo = INFINITY;
    for (int q = 0; q < run->link_passes; q++) {
        double v = pair_bw(run->link_pass_bw + (size_t)q * n * n, n, i, j);
        if (!isnan(v))
            got++, hi = fmax(hi, v), lo = fmin(lo, v);
    }
    return got < 2 ? NAN : lo > 0 ? hi / lo : INFINITY;
}

int rr_link_disagreement(const struct rr_run *run, int *pairs)
{
    int n = run->link_n, d = 0;
    *pairs = 0;
    for (int i = 0; run->link_passes > 1 && i < n; i++)
        for (int j = i + 1; j < n; j++) {
            double s = pass_spread(run, i, j);
            if (!isnan(s))
                (*pairs)++, d += s > RR_LINK_PASS_SPREAD;
        }
    return d;
}

/* Fill p from the run's link matrix; 0, or -1 when it has no slow pair to report. */
static int slow_pairs(const struct rr_run *run, struct pairs *p)
{
    int n = run->link_n, np = n * (n - 1) / 2;
    memset(p, 0, sizeof *p);
    p->bw = malloc((size_t)np * sizeof *p->bw);
    p->spread = malloc((size_t)np * sizeof *p->spread);
    p->pi = malloc((size_t)np * sizeof *p->pi), p->pj = malloc((size_t)np * sizeof *p->pj);
    p->count = calloc((size_t)n, sizeof *p->count);
    double *tmp = malloc((size_t)np * sizeof *tmp);
    if (!p->bw || !p->spread || !tmp || !p->pi || !p->pj || !p->count) {
        free(tmp);
        return -1;
    }
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            double v = pair_bw(run->link_bw, n, i, j);
            if (isnan(v))
                continue;
            p->bw[p->k] = tmp[p->k] = v, p->pi[p->k] = i, p->pj[p->k] = j;
            p->spread[p->k] = pass_spread(run, i, j);
            p->nspread += p->spread[p->k] > RR_LINK_PASS_SPREAD;
            p->k++;
        }
    p->med = p->k >= 3 ? rr_median(tmp, (size_t)p->k) : NAN;
    free(tmp);
    p->lo = INFINITY;
    for (int q = 0; q < p->k; q++)
        if (p->bw[q] < RR_SLOW_PAIR_FRAC * p->med) {
            p->nslow++;
            p->count[p->pi[q]]++, p->count[p->pj[q]]++;
            p->lo = fmin(p->lo, p->bw[q]);
        }
    if (p->k < 3 || p->nslow == 0 || !(p->med > 0))
        return -1;
    p->shared = -1;
    for (int i = 0; i < n; i++)
        if (p->count[i] == p->nslow && p->nslow >= 2)
            p->shared = i;
    /* one bad node among many: its pairs are slow, and a noisy pair elsewhere must not hide it */
    int most = -1, nmost = 0;
    for (int i = 0; i < n; i++)
        if (p->count[i] >= 2 && 2 * p->count[i] >= n - 1)
            most = i, nmost++;
    if (p->shared < 0 && nmost == 1)
        p->shared = most, p->majority = 1;
    return 0;
}

/* Name the nodes (and, for a rank-level matrix, the ranks) of the slow pairs: only the shared
 * one when every slow pair involves it. */
static void name_slow(const struct rr_run *run, const struct pairs *p, struct rr_finding *f)
{
    int level_rank = strcmp(run->link_level, "rank") == 0;
    for (int i = 0; i < run->link_n; i++) {
        if (!p->count[i] || (p->shared >= 0 && i != p->shared))
            continue;
        int nd = node_index(run, run->link_names[i]);
        if (nd < 0 && level_rank) {
            const char *nm = run->link_names[i];
            char *end;
            if (strncmp(nm, "rank ", 5) == 0) /* the driver names them "rank R" */
                nm += 5;
            long r = strtol(nm, &end, 10);
            if (end != nm && *end == '\0' && r >= 0 && r < run->nranks)
                rr_finding_add_rank(f, (int)r), nd = run->ranks[r].node;
        }
        if (nd >= 0)
            rr_finding_add_node(f, nd);
    }
}

void rr_eval_slow_pair(const struct rr_find_ctx *cx, const struct rr_finding_def *def)
{
    const struct rr_run *run = cx->run;
    struct pairs p;
    if (run->link_n < 3)
        return;
    struct rr_finding *f = NULL;
    /* slow pairs with no node in common, in a matrix whose passes disagree on many pairs: the
     * machine's load, not a link (stats.unreliable says so); one node in common stays named */
    if (slow_pairs(run, &p) < 0 ||
        (p.shared < 0 && run->link_passes > 1 && p.nspread > RR_LINK_NOISY_FRAC * p.k) ||
        !(f = rr_finding_new(cx, def, p.lo < RR_SLOW_PAIR_CRIT * p.med ? RR_CRITICAL : def->sev)))
        goto done;
    name_slow(run, &p, f);
    double scale[RR_NTIERS] = {1.0, p.lo / p.med}; /* a ring runs at its slowest link */
    f->time_lost_s = rr_saved_by(run, rr_edit_tier_scale, scale);
    int level_rank = strcmp(run->link_level, "rank") == 0;
    snprintf(f->evidence, sizeof f->evidence, "%d of %d %s pairs below %.0f%% of the median "
             "%.3g GB/s:", p.nslow, p.k, level_rank ? "rank" : "node", 100 * RR_SLOW_PAIR_FRAC,
             p.med);
    int shown = 0, unsure = 0;
    for (int q = 0; q < p.k; q++)
        if (p.bw[q] < RR_SLOW_PAIR_FRAC * p.med) {
            unsure += p.spread[q] > RR_LINK_PASS_SPREAD;
            if (shown++ < 6)
                rr_cat(f->evidence, sizeof f->evidence, "%s %s-%s %.3g", shown > 1 ? "," : "",
                       run->link_names[p.pi[q]], run->link_names[p.pj[q]], p.bw[q]);
        }
    rr_cat(f->evidence, sizeof f->evidence, "%s GB/s", p.nslow > 6 ? ", ..." : "");
    if (run->link_passes > 1) /* how far the passes agreed: a loaded machine stalls some pairs */
        rr_cat(f->evidence, sizeof f->evidence, "; best of %d passes, which differ by more than "
               "%gx on %d of the %d slow pairs%s and on %d of all %d pairs", run->link_passes,
               RR_LINK_PASS_SPREAD, unsure, p.nslow,
               unsure ? " (lower confidence: transient stalls? rerun to confirm)" : "", p.nspread,
               p.k);
    if (p.shared >= 0 && !p.majority)
        rr_cat(f->evidence, sizeof f->evidence, "; every slow pair involves %s",
               run->link_names[p.shared]);
    else if (p.shared >= 0)
        rr_cat(f->evidence, sizeof f->evidence, "; %s is slow with %d of its %d partners, no "
               "other with half of its own", run->link_names[p.shared], p.count[p.shared],
               run->link_n - 1);
    snprintf(f->remedy, sizeof f->remedy,
             "check %s%s link: NIC speed and errors (ibstat, perfquery, ethtool -S), cable and "
             "switch port, MTU; confirm with pairwise ib_write_bw; exclude the node and rerun",
             p.shared >= 0 ? run->link_names[p.shared] : "the slow pairs'",
             p.shared >= 0 ? "'s" : "");
done:
    pairs_free(&p);
}

/* ---------------------------------------------------------------- busbw against nominal */
void rr_eval_busbw_nominal(const struct rr_find_ctx *cx, const struct rr_finding_def *def)
{
    const struct rr_run *run = cx->run;
    char pct[64], t32[32];
    for (int t = 0; t < RR_NTIERS; t++) {
        const struct rr_resource *x = &cx->res[t == RR_INTRA ? RR_RES_INTRA : RR_RES_INTER];
        if (!(x->measured >= 0) || !(x->nominal > 0))
            continue;
        double ratio = x->measured / x->nominal;
        if (ratio >= RR_BUSBW_WARN)
            continue;
        struct rr_finding *f =
            rr_finding_new(cx, def, ratio < RR_BUSBW_CRIT ? RR_CRITICAL : def->sev);
        if (!f)
            return;
        double scale[RR_NTIERS] = {1.0, 1.0};
        scale[t] = ratio / RR_BUSBW_WARN; /* the tier's communication at 80% of nominal */
        f->time_lost_s = rr_saved_by(run, rr_edit_tier_scale, scale);
        snprintf(f->evidence, sizeof f->evidence,
                 "%s %.3g GB/s (%s) is %.0f%% of the nominal %.3g GB/s (%s)%s", x->name,
                 x->measured, x->what, 100 * ratio, x->nominal, x->source,
                 isnan(f->time_lost_s) ? "" : "; at 80% of nominal a step would be shorter by");
        if (!isnan(f->time_lost_s))
            rr_cat(f->evidence, sizeof f->evidence, " %s%s",
                   rr_format_time(f->time_lost_s, t32, sizeof t32),
                   rr_pct_of_step(f->time_lost_s, run->step_med, pct, sizeof pct));
        snprintf(f->remedy, sizeof f->remedy, "%s",
                 t == RR_INTRA
                     ? "check the intra-node path: NVLink/xGMI state and errors, NCCL_P2P_DISABLE "
                       "or NCCL_SHM_DISABLE, PCIe width and generation; on CPUs the shared-"
                       "memory transport (Open MPI btl vader/sm) and NUMA placement"
                     : "check the transport in use (NCCL_DEBUG=INFO: NET/IB vs NET/Socket; Open "
                       "MPI --mca pml/btl), GPUDirect RDMA, NIC link speed and MTU, and the "
                       "fabric's oversubscription; buyers expect >= 80% of line rate");
    }
}

/* ---------------------------------------------------------------- stragglers */
/* Per rank, the fraction of steps it arrived last: the file's last_frac, or without it the rank
 * that waited least in each step.  *have_wait: every rank has wait_s. */
static void last_fracs(const struct rr_run *run, size_t ns, double *lf, int *have_wait)
{
    int n = run->nranks;
    *have_wait = 1;
    for (int r = 0; r < n; r++) {
        lf[r] = run->ranks[r].last_frac;
        *have_wait &= run->ranks[r].wait != NULL;
    }
    if (n < 1 || !isnan(lf[0]) || !*have_wait)
        return;
    for (int r = 0; r < n; r++)
        lf[r] = 0;
    for (size_t s = 0; s < ns; s++) {
        int best = 0;
        for (int r = 1; r < n; r++)
            if (run->ranks[r].wait[s] < run->ranks[best].wait[s])
                best = r;
        lf[best] += 1.0 / (double)ns;
    }
}

/* What the timers book as the other ranks' waiting for the set: median over steps of their
 * median wait_s (without wait_s: the set's compute excess). */
static double straggler_blamed(const struct rr_run *run, size_t ns, const char *set,
                               int have_wait)
{
    if (!have_wait)
        return rr_excess(run, set);
    int n = run->nranks;
    double lost = NAN, *col = malloc((size_t)n * sizeof *col), *per = malloc(ns * sizeof *per);
    if (col && per) {
        for (size_t s = 0; s < ns; s++) {
            int m = 0;
            for (int r = 0; r < n; r++)
                if (!set[r])
                    col[m++] = run->ranks[r].wait[s];
            per[s] = m ? rr_median(col, (size_t)m) : 0;
        }
        lost = rr_median(per, ns);
    }
    free(col), free(per);
    return lost;
}

/* Median over ranks of their median train compute; NAN when rank 0 has none. */
static double median_compute(const struct rr_run *run)
{
    double med = NAN, *cm = malloc((size_t)run->nranks * sizeof *cm);
    if (!cm)
        return NAN;
    for (int r = 0; r < run->nranks; r++)
        cm[r] = rr_rank_compute(run, r);
    if (!isnan(cm[0]))
        med = rr_median(cm, (size_t)run->nranks);
    free(cm);
    return med;
}

int rr_late_ranks(const struct rr_run *run, struct rr_late *late)
{
    int n = run->nranks;
    size_t ns = run->has[RR_TRAIN] ? rr_min_steps(run) : 0;
    memset(late, 0, sizeof *late);
    late->blamed = late->own = NAN;
    if (n < 2 || ns == 0)
        return 0;
    late->lf = malloc((size_t)n * sizeof *late->lf);
    late->set = calloc((size_t)n, 1);
    if (!late->lf || !late->set)
        return 0;
    int have_wait;
    last_fracs(run, ns, late->lf, &have_wait);
    double thr = fmax(0.5, fmin(0.8, 2.0 / n));
    for (int r = 0; r < n; r++)
        if (late->lf[r] >= thr)
            late->set[r] = 1, late->nset++;
    if (late->nset == 0)
        return 0;
    late->blamed = straggler_blamed(run, ns, late->set, have_wait);
    /* its own excess: the step the model saves with its times at the other ranks' median */
    late->own = rr_saved_by(run, rr_edit_ranks_to_median, late->set);
    if (isnan(late->own))
        late->own = rr_excess_vs_others(run, late->set);
    late->explains = !(late->own < RR_STRAGGLER_OWN * late->blamed);
    return late->nset;
}

void rr_late_free(struct rr_late *late)
{
    free(late->lf), free(late->set);
    memset(late, 0, sizeof *late);
}

static void straggler_evidence(const struct rr_run *run, const struct rr_late *late,
                               struct rr_finding *f)
{
    char t[32], pct[64];
    snprintf(f->evidence, sizeof f->evidence, "rank%s", late->nset > 1 ? "s" : "");
    int shown = 0;
    for (int r = 0; r < run->nranks && shown < 6; r++)
        if (late->set[r]) {
            double c = rr_rank_compute(run, r);
            rr_cat(f->evidence, sizeof f->evidence, "%s %d (%s, last in %.0f%% of steps",
                   shown++ ? ";" : "", r, rr_host(run, r), 100 * late->lf[r]);
            if (!isnan(c))
                rr_cat(f->evidence, sizeof f->evidence, ", compute %s",
                       rr_format_time(c, t, sizeof t));
            rr_cat(f->evidence, sizeof f->evidence, ")");
        }
    double med = median_compute(run);
    if (!isnan(med))
        rr_cat(f->evidence, sizeof f->evidence, " against a median rank compute of %s",
               rr_format_time(med, t, sizeof t));
    if (!isnan(f->time_lost_s))
        rr_cat(f->evidence, sizeof f->evidence, "; with its compute, optimizer and host time at "
               "the other ranks' median, a step would be shorter by %s%s",
               rr_format_time(f->time_lost_s, t, sizeof t),
               rr_pct_of_step(f->time_lost_s, run->step_med, pct, sizeof pct));
    if (late->blamed >= 0)
        rr_cat(f->evidence, sizeof f->evidence, " (the other ranks' timers book %s as waiting)",
               rr_format_time(late->blamed, t, sizeof t));
}

void rr_eval_straggler(const struct rr_find_ctx *cx, const struct rr_finding_def *def)
{
    const struct rr_run *run = cx->run;
    struct rr_late late;
    /* A late rank whose own excess is under half of what it is blamed for does not make the
     * others wait: its lateness is communication finishing late (comm.progress says why). */
    if (rr_late_ranks(run, &late) > 0 && late.explains) {
        double lost = late.own;
        struct rr_finding *f =
            rr_finding_new(cx, def, rr_sev_of_time(lost, run->step_med, def->sev));
        if (f) {
            f->time_lost_s = lost;
            rr_finding_add_set(f, run, late.set);
            straggler_evidence(run, &late, f);
            snprintf(f->remedy, sizeof f->remedy,
                     "find what differs on that rank or node: its compute rate (compute phase), "
                     "clocks, load, binding and memory; exclude the node and rerun to confirm; "
                     "for a persistent straggler, replace or drain the node");
        }
    }
    rr_late_free(&late);
}

/* ---------------------------------------------------------------- progress of training's comm */
/* Training's communication at the comm phase's blocking rate, progressed in the background. */
static void edit_blocking_rate(struct rr_params *p, const void *arg)
{
    (void)arg;
    for (int t = 0; t < RR_NTIERS; t++)
        if (p->tier_blocking_s[t] >= 0 && p->tier_blocking_s[t] < p->tier_s[t])
            p->tier_s[t] = p->tier_blocking_s[t];
    p->progress = 1.0;
    p->stall = 0.0;
}

/* Training's collectives alone: the train pattern, else the train phase's comm_alone_s. */
static double train_alone(const struct rr_run *run, const char **src)
{
    if (run->pattern.present) {
        *src = "train_pattern.alone: the comm phase replaying training's pattern";
        return run->pattern.alone_s;
    }
    *src = "the train phase's comm_alone_s";
    return run->comm_alone_s > 0 ? run->comm_alone_s : NAN;
}

/* What training's own bucket times show (ranks[].bucket_start_s / bucket_done_s): the median
 * over ranks and steps of the share of a step's collectives seen complete before its last one
 * started (during the backward pass), and of the time from the last start to the last
 * completion.  0 without them. */
static int observed_progress(const struct rr_run *run, double *frac, double *tail)
{
    size_t n = 0, cap = 0;
    for (int r = 0; r < run->nranks; r++)
        cap += run->ranks[r].bk_n ? run->ranks[r].nsteps : 0;
    double *fr = malloc((cap ? cap : 1) * sizeof *fr), *tl = malloc((cap ? cap : 1) * sizeof *tl);
    for (int r = 0; fr && tl && r < run->nranks; r++) {
        const struct rr_rank *rk = &run->ranks[r];
        for (size_t s = 0; rk->bk_n > 0 && s < rk->nsteps; s++) {
            const double *st = rk->bk_start + s * rk->bk_n, *dn = rk->bk_done + s * rk->bk_n;
            double last = st[rk->bk_n - 1], end = -INFINITY;
            size_t early = 0;
            for (size_t b = 0; b < rk->bk_n; b++) {
                early += dn[b] < last;
                end = fmax(end, isnan(dn[b]) ? -INFINITY : dn[b]);
            }
            if (isnan(last) || !isfinite(end))
                continue;
            fr[n] = (double)early / (double)rk->bk_n, tl[n++] = end - last;
        }
    }
    if (n) {
        *frac = rr_median(fr, n);
        *tail = rr_median(tl, n);
    }
    free(fr), free(tl);
    return n > 0;
}

static void progress_evidence(const struct rr_run *run, const struct rr_late *late,
                              double alone, const char *src, struct rr_finding *f)
{
    const struct rr_params *p = &run->params;
    char a[32], b[32], c[32], pct[64];
    size_t nb = run->nbuckets;
    snprintf(f->evidence, sizeof f->evidence, "training's %zu non-blocking collectives of a step",
             nb);
    if (nb > 0)
        rr_cat(f->evidence, sizeof f->evidence, " (%s, largest bucket %s)",
               llmb_coll_name((enum llmb_coll)run->buckets[0].coll),
               llmb_format_size((size_t)run->buckets[0].bytes, c, sizeof c));
    if (alone > 0)
        rr_cat(f->evidence, sizeof f->evidence, " take %s alone (%s)",
               rr_format_time(alone, a, sizeof a), src);
    if (alone > 0 && run->comm_blocking_s > 0)
        rr_cat(f->evidence, sizeof f->evidence, ", %.1fx the %s the comm phase's blocking sweep "
               "takes for the same bytes", alone / run->comm_blocking_s,
               rr_format_time(run->comm_blocking_s, b, sizeof b));
    const struct rr_train_pattern *tp = &run->pattern;
    if (p->progress > 1.0 && tp->calls > 0) {
        double busy = tp->calls * tp->interval_s;
        double done = fmax(0.0, tp->alone_s - fmax(0.0, tp->progressed_s - busy));
        rr_cat(f->evidence, sizeof f->evidence, "; progressed only by %d test calls, one per %s "
               "of computation as the backward pass does, %.0f%% of them completed in %s of "
               "computation and the rest took %s after it", tp->calls,
               rr_format_time(tp->interval_s, a, sizeof a), 100 * fmin(1.0, done / tp->alone_s),
               rr_format_time(busy, b, sizeof b),
               rr_format_time(fmax(0.0, tp->progressed_s - busy), c, sizeof c));
        if (p->progress < 1e3)
            rr_cat(f->evidence, sizeof f->evidence, ": they advance %.1fx slower than alone "
                   "while the ranks compute", p->progress);
    }
    double frac, tail;
    if (observed_progress(run, &frac, &tail))
        rr_cat(f->evidence, sizeof f->evidence, "; in training, %.0f%% of a step's collectives "
               "were seen complete before its last one started (median), and the last completed "
               "%s after it started", 100 * frac, rr_format_time(tail, a, sizeof a));
    if (late->nset > 0 && !late->explains) {
        int r = 0;
        while (r < run->nranks && !late->set[r])
            r++;
        rr_cat(f->evidence, sizeof f->evidence, "; rank %d arrives last at %.0f%% of the "
               "collectives, but its own compute, optimizer and host time cost a step only %s: "
               "the %s its peers' timers book as waiting is communication finishing late, not a "
               "straggler", r, 100 * late->lf[r], rr_format_time(late->own, a, sizeof a),
               rr_format_time(late->blamed, b, sizeof b));
    }
    if (!isnan(f->time_lost_s))
        rr_cat(f->evidence, sizeof f->evidence, "; at the comm phase's rate, progressed in the "
               "background, a step would be shorter by %s%s",
               rr_format_time(f->time_lost_s, a, sizeof a),
               rr_pct_of_step(f->time_lost_s, run->step_med, pct, sizeof pct));
}

void rr_eval_progress(const struct rr_find_ctx *cx, const struct rr_finding_def *def)
{
    const struct rr_run *run = cx->run;
    if (!run->has[RR_TRAIN] || !run->params_ok)
        return;
    const char *src;
    double alone = train_alone(run, &src);
    double slow = alone > 0 && run->comm_blocking_s > 0 ? alone / run->comm_blocking_s : NAN;
    struct rr_late late;
    rr_late_ranks(run, &late);
    int unexplained_wait = late.nset > 0 && !late.explains &&
                           late.blamed >= RR_SEV_WARN_FRAC * run->step_med;
    if (!(slow >= RR_PROGRESS_SLOW) && !(run->params.progress >= RR_PROGRESS_SLOW) &&
        !unexplained_wait) {
        rr_late_free(&late);
        return;
    }
    double lost = rr_saved_by(run, edit_blocking_rate, NULL);
    struct rr_finding *f = rr_finding_new(cx, def, rr_sev_of_time(lost, run->step_med,
                                                                  def->sev));
    if (f) {
        f->time_lost_s = lost;
        progress_evidence(run, &late, alone, src, f);
        /* a size cliff below the buckets prices the same exposed communication: say so, and
         * do not advise larger buckets, which it would make slower */
        const struct rr_finding *cliff = rr_finding_in_run(cx, "comm.size_cliff");
        int above_cliff = cliff && cliff->time_lost_s > 0;
        if (above_cliff) {
            size_t l = strlen(f->evidence);
            snprintf(f->evidence + l, sizeof f->evidence - l,
                     "; this is the same exposed communication that comm.size_cliff prices: "
                     "either fix saves about its own figure, both together do not save the sum");
        }
        snprintf(f->remedy, sizeof f->remedy,
                 "let the collectives progress while the ranks compute: an MPI progress thread "
                 "(MPICH MPIR_CVAR_ASYNC_PROGRESS=1, Intel MPI I_MPI_ASYNC_PROGRESS=1; for Open "
                 "MPI see ompi_info --all | grep -i progress) with a core left free for it, or "
                 "more progress calls in the backward pass; %s; on GPUs, NCCL",
                 above_cliff ? "buckets below the size cliff (see comm.size_cliff), not larger "
                               "ones" : "fewer, larger buckets (--bucket-size) for fewer "
                                        "messages in flight");
    }
    rr_late_free(&late);
}
