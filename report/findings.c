/* The findings catalogue: ids, thresholds and remedies are documented in doc/findings.md
 * (keep the two in step).  Each finding carries the time it costs per step when the file
 * supports an estimate (NAN otherwise); rr_findings_sort() ranks them by that time. */
#include "report.h"

#include "error.h"
#include "stats.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const rr_sev_names[3] = {"info", "warning", "critical"};

/* Thresholds (doc/findings.md). */
#define SEV_CRIT_FRAC 0.10     /* time lost >= 10% of the step: critical */
#define SEV_WARN_FRAC 0.02     /* >= 2%: warning */
#define SLOW_PAIR_FRAC 0.70    /* a node pair below 70% of the median pair */
#define SLOW_PAIR_CRIT 0.50
#define BUSBW_WARN 0.80        /* busbw below 80% of nominal (buyer rule of thumb) */
#define BUSBW_CRIT 0.50
#define GEMM_EXPECT 0.80       /* achievable GEMM is ~80% of the dense peak (MAMF) */
#define GEMM_WARN 0.50
#define GEMM_CRIT 0.25
#define OUTLIER_Z 3.5          /* robust z-score (median/MAD) */
#define OUTLIER_REL 0.10       /* and at least 10% from the median */
#define CLOCK_WARN 0.80
#define CLOCK_INFO 0.90
#define LOAD_EXCESS 0.25       /* load beyond this job's ranks > 25% of the PUs */
#define CV_WARN 0.15
#define CV_INFO 0.05

enum { PRIO_BIND = 10, PRIO_PLACE = 20, PRIO_CLOCK = 30, PRIO_LOAD = 35, PRIO_OUTLIER = 40,
       PRIO_LINK = 50, PRIO_COMM = 60, PRIO_GEMM = 70, PRIO_STRAGGLER = 80, PRIO_ENV = 90,
       PRIO_STATS = 95 };

static struct rr_finding *add(struct rr_findings *out, const char *id, int sev, int run,
                              int prio)
{
    if (out->n == out->cap) {
        size_t cap = out->cap ? 2 * out->cap : 16;
        struct rr_finding *v = realloc(out->v, cap * sizeof *v);
        if (!v) {
            llmb_error("out of memory");
            return NULL;
        }
        out->v = v;
        out->cap = cap;
    }
    struct rr_finding *f = &out->v[out->n++];
    memset(f, 0, sizeof *f);
    f->id = id;
    f->sev = sev;
    f->run = run;
    f->prio = prio;
    f->time_lost_s = NAN;
    return f;
}

static void add_rank(struct rr_finding *f, int r)
{
    for (int i = 0; i < f->nranks; i++)
        if (f->ranks[i] == r)
            return;
    if (f->nranks < 64)
        f->ranks[f->nranks++] = r;
}

static void add_node(struct rr_finding *f, int n)
{
    for (int i = 0; i < f->nnodes; i++)
        if (f->nodes[i] == n)
            return;
    if (f->nnodes < 64)
        f->nodes[f->nnodes++] = n;
}

static void cat(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cat(char *buf, size_t len, const char *fmt, ...)
{
    size_t l = strlen(buf);
    if (l + 1 >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + l, len - l, fmt, ap);
    va_end(ap);
}

static int sev_of_time(double t, double step, int dflt)
{
    if (!(t >= 0) || !(step > 0))
        return dflt;
    return t >= SEV_CRIT_FRAC * step ? RR_CRITICAL : t >= SEV_WARN_FRAC * step ? RR_WARNING
                                                                               : RR_INFO;
}

static const char *pct_of_step(double t, double step, char *buf, size_t len)
{
    if (t >= 0 && step > 0)
        snprintf(buf, len, " (%.1f%% of the step)", 100 * t / step);
    else
        buf[0] = '\0';
    return buf;
}


static size_t min_steps(const struct rr_run *run)
{
    size_t ns = (size_t)-1;
    for (int r = 0; r < run->nranks; r++)
        ns = run->ranks[r].nsteps < ns ? run->ranks[r].nsteps : ns;
    return run->has[RR_TRAIN] ? ns : 0;
}

/* Median over steps of (max over ranks in set of compute - median compute of the reference
 * ranks): how much longer a step waits for those ranks.  The reference is every rank, or with
 * others_only the ranks NOT in set.  NAN without a train phase or without reference ranks. */
static double excess_of(const struct rr_run *run, const char *in_set, int others_only)
{
    size_t ns = min_steps(run);
    int nref = 0;
    for (int r = 0; r < run->nranks; r++)
        nref += !others_only || !in_set[r];
    if (ns == 0 || nref == 0)
        return NAN;
    double *col = malloc((size_t)nref * sizeof *col), *per = malloc(ns * sizeof *per);
    if (!col || !per) {
        free(col), free(per);
        return NAN;
    }
    for (size_t s = 0; s < ns; s++) {
        double mx = 0;
        int k = 0;
        for (int r = 0; r < run->nranks; r++) {
            double c = run->ranks[r].compute[s];
            if (in_set[r] && c > mx)
                mx = c;
            if (!others_only || !in_set[r])
                col[k++] = c;
        }
        per[s] = fmax(0.0, mx - rr_median(col, (size_t)nref));
    }
    double m = rr_median(per, ns);
    free(col), free(per);
    return m;
}

static double excess(const struct rr_run *run, const char *in_set)
{
    return excess_of(run, in_set, 0);
}

static double excess_vs_others(const struct rr_run *run, const char *in_set)
{
    return excess_of(run, in_set, 1);
}

/* Median train compute of one rank. */
static double rank_compute(const struct rr_run *run, int r)
{
    const struct rr_rank *rk = &run->ranks[r];
    return rk->compute ? rr_median(rk->compute, rk->nsteps) : NAN;
}

static const char *host(const struct rr_run *run, int r)
{
    return run->nodes[run->ranks[r].node].name;
}

/* ---------------------------------------------------------------- binding, placement */
static void find_binding(const struct rr_run *run, int ri, struct rr_findings *out)
{
    int n = run->nranks;
    char *set = calloc((size_t)n, 1);
    if (!set)
        return;
    struct rr_finding *f = NULL;
    /* unbound */
    int nun = 0, crowded = 0;
    for (int r = 0; r < n; r++)
        if (run->ranks[r].bound == 0) {
            set[r] = 1, nun++;
            if (run->nodes[run->ranks[r].node].nranks > 1)
                crowded = 1;
        }
    if (nun && (f = add(out, "binding.unbound", crowded ? RR_WARNING : RR_INFO, ri, PRIO_BIND))) {
        for (int r = 0; r < n; r++)
            if (set[r])
                add_rank(f, r), add_node(f, run->ranks[r].node);
        f->time_lost_s = excess(run, set);
        snprintf(f->evidence, sizeof f->evidence,
                 "%d of %d ranks are not bound to cores (e.g. rank %d on %s, cpuset %s): the OS "
                 "may move them or pile them onto the same cores", nun, n, f->ranks[0],
                 host(run, f->ranks[0]), run->ranks[f->ranks[0]].cpuset[0]
                     ? run->ranks[f->ranks[0]].cpuset : "?");
        snprintf(f->remedy, sizeof f->remedy,
                 "bind each rank to its own cores: mpirun --map-by core --bind-to core (or "
                 "--map-by slot:PE=<threads>), srun --cpu-bind=cores; check --report-bindings");
    }
    /* shared cores */
    memset(set, 0, (size_t)n);
    int nsh = 0;
    for (int r = 0; r < n; r++)
        if (run->ranks[r].noverlaps > 0)
            set[r] = 1, nsh++;
    if (nsh && (f = add(out, "binding.shared_core", RR_CRITICAL, ri, PRIO_BIND))) {
        for (int r = 0; r < n; r++)
            if (set[r])
                add_rank(f, r), add_node(f, run->ranks[r].node);
        /* Against the ranks that do not share; when every rank shares, k ranks on one PU each
         * get 1/k of it, so (1 - 1/k) of their compute is the cost. */
        f->time_lost_s = excess_vs_others(run, set);
        if (isnan(f->time_lost_s)) {
            double worst = NAN;
            for (int r = 0; r < n; r++) {
                double c = rank_compute(run, r);
                if (set[r] && !isnan(c)) {
                    double lost = c * (1.0 - 1.0 / (run->ranks[r].noverlaps + 1));
                    worst = isnan(worst) || lost > worst ? lost : worst;
                }
            }
            f->time_lost_s = worst;
        }
        snprintf(f->evidence, sizeof f->evidence, "%d ranks share processing units:", nsh);
        int shown = 0;
        for (int r = 0; r < n && shown < 4; r++) {
            const struct rr_rank *rk = &run->ranks[r];
            if (!set[r])
                continue;
            shown++;
            cat(f->evidence, sizeof f->evidence, " rank %d (%s, cpuset %s) with rank%s", r,
                host(run, r), rk->cpuset[0] ? rk->cpuset : "?", rk->noverlaps > 1 ? "s" : "");
            for (int k = 0; k < rk->noverlaps; k++)
                cat(f->evidence, sizeof f->evidence, "%s %d", k ? "," : "", rk->overlaps[k]);
            cat(f->evidence, sizeof f->evidence, ";");
        }
        double sc = 0, oc = 0;
        int nsc = 0, noc = 0;
        for (int r = 0; r < n; r++) {
            double c = rank_compute(run, r);
            if (isnan(c))
                continue;
            if (set[r])
                sc += c, nsc++;
            else
                oc += c, noc++;
        }
        if (nsc && noc)
            cat(f->evidence, sizeof f->evidence,
                " their compute takes %s per step against %s on the other ranks",
                rr_format_time(sc / nsc, (char[32]){0}, 32), rr_format_time(oc / noc, (char[32]){0}, 32));
        else
            f->evidence[strlen(f->evidence) - 1] = '\0';
        snprintf(f->remedy, sizeof f->remedy,
                 "give every rank its own cores: mpirun --map-by core --bind-to core (or "
                 "--map-by slot:PE=<threads>), no more ranks x threads than cores per node");
    }
    /* threads vs PUs */
    memset(set, 0, (size_t)n);
    int over = 0, under = 0, ex = -1;
    for (int r = 0; r < n; r++) {
        const struct rr_rank *rk = &run->ranks[r];
        if (rk->bound == 1 && rk->pus > 0 && rk->threads > 0 && rk->threads != rk->pus) {
            set[r] = 1;
            if (rk->threads > rk->pus)
                over++;
            else
                under++;
            if (ex < 0 || rk->threads > rk->pus)
                ex = r;
        }
    }
    if ((over || under) &&
        (f = add(out, "binding.threads_mismatch", over ? RR_WARNING : RR_INFO, ri, PRIO_BIND))) {
        for (int r = 0; r < n; r++)
            if (set[r])
                add_rank(f, r), add_node(f, run->ranks[r].node);
        if (over)
            f->time_lost_s = excess(run, set);
        snprintf(f->evidence, sizeof f->evidence,
                 "%d ranks run more threads than the PUs they are bound to, %d fewer; e.g. rank "
                 "%d: %d threads on %d PUs (cpuset %s)", over, under, ex, run->ranks[ex].threads,
                 run->ranks[ex].pus, run->ranks[ex].cpuset);
        snprintf(f->remedy, sizeof f->remedy,
                 "match threads to the binding: --threads N (or OMP_NUM_THREADS) equal to the "
                 "PUs per rank, or bind with --map-by slot:PE=<threads>");
    }
    /* NUMA of the GPU, GPU-NIC path */
    memset(set, 0, (size_t)n);
    int nm = 0, ns = 0;
    for (int r = 0; r < n; r++) {
        const struct rr_rank *rk = &run->ranks[r];
        if (!rk->has_gpu || rk->gpu_numa < 0 || rk->nnuma == 0)
            continue;
        int in = 0;
        for (int k = 0; k < rk->nnuma; k++)
            in |= rk->numa[k] == rk->gpu_numa;
        if (!in)
            set[r] = 1, nm++;
    }
    if (nm && (f = add(out, "placement.numa_mismatch", RR_WARNING, ri, PRIO_PLACE))) {
        for (int r = 0; r < n; r++)
            if (set[r])
                add_rank(f, r), add_node(f, run->ranks[r].node);
        int r = f->ranks[0];
        snprintf(f->evidence, sizeof f->evidence,
                 "%d ranks run on a NUMA node other than their GPU's; e.g. rank %d on %s: bound "
                 "to NUMA %d, GPU on NUMA %d", nm, r, host(run, r), run->ranks[r].numa[0],
                 run->ranks[r].gpu_numa);
        snprintf(f->remedy, sizeof f->remedy,
                 "bind each rank to the cores of its GPU's NUMA node (nvidia-smi topo -m; "
                 "mpirun --map-by numa, or a rankfile / CUDA_VISIBLE_DEVICES per local rank)");
    }
    memset(set, 0, (size_t)n);
    for (int r = 0; r < n; r++)
        if (run->ranks[r].has_gpu && strcmp(run->ranks[r].gpu_path, "SYS") == 0)
            set[r] = 1, ns++;
    if (ns && (f = add(out, "placement.gpu_nic_sys", RR_WARNING, ri, PRIO_PLACE))) {
        for (int r = 0; r < n; r++)
            if (set[r])
                add_rank(f, r), add_node(f, run->ranks[r].node);
        int r = f->ranks[0];
        snprintf(f->evidence, sizeof f->evidence,
                 "%d ranks reach their nearest NIC only across the inter-socket link (SYS); "
                 "e.g. rank %d on %s, NIC %s", ns, r, host(run, r),
                 run->ranks[r].gpu_nic[0] ? run->ranks[r].gpu_nic : "?");
        snprintf(f->remedy, sizeof f->remedy,
                 "use a NIC on the GPU's PCIe switch or socket (NCCL_IB_HCA / rail mapping), "
                 "or place ranks so each GPU has a PIX/PXB NIC; check the server's PCIe layout");
    }
    free(set);
    /* Warnings the probe raised that the per-rank fields above did not already cover. */
    size_t i;
    json_t *w;
    json_array_foreach(run->probe_warnings, i, w) {
        const char *id = json_string_value(json_object_get(w, "id"));
        static const char *const ids[] = {"binding.unbound", "binding.shared_core",
                                          "placement.numa_mismatch", "placement.gpu_nic_sys",
                                          "binding.threads_mismatch"};
        const char *known = NULL;
        for (size_t k = 0; id && k < sizeof ids / sizeof ids[0]; k++)
            if (strcmp(id, ids[k]) == 0)
                known = ids[k];
        if (!known)
            continue;
        int dup = 0;
        for (size_t k = 0; k < out->n; k++)
            dup |= out->v[k].run == ri && strcmp(out->v[k].id, known) == 0;
        if (dup)
            continue;
        f = add(out, known, strstr(known, "shared") ? RR_CRITICAL : RR_WARNING, ri,
                strncmp(known, "binding", 7) == 0 ? PRIO_BIND : PRIO_PLACE);
        if (!f)
            return;
        size_t k;
        json_t *x;
        json_array_foreach(json_object_get(w, "ranks"), k, x) if (json_is_integer(x) &&
            json_integer_value(x) >= 0 && json_integer_value(x) < run->nranks)
            add_rank(f, (int)json_integer_value(x));
        json_array_foreach(json_object_get(w, "nodes"), k, x) if (json_is_integer(x) &&
            json_integer_value(x) >= 0 && json_integer_value(x) < run->nnodes)
            add_node(f, (int)json_integer_value(x));
        const char *msg = json_string_value(json_object_get(w, "message"));
        snprintf(f->evidence, sizeof f->evidence, "probe: %s", msg ? msg : id);
        snprintf(f->remedy, sizeof f->remedy, "see doc/findings.md (%s)", known);
    }
}

/* ---------------------------------------------------------------- link matrix */
static int node_index(const struct rr_run *run, const char *name)
{
    for (int n = 0; n < run->nnodes; n++)
        if (strcmp(run->nodes[n].name, name) == 0)
            return n;
    return -1;
}

static void find_links(const struct rr_run *run, int ri, struct rr_findings *out)
{
    int n = run->link_n;
    if (n < 3)
        return;
    int np = n * (n - 1) / 2, k = 0;
    double *bw = malloc((size_t)np * sizeof *bw), *tmp = malloc((size_t)np * sizeof *tmp);
    int *pi = malloc((size_t)np * sizeof *pi), *pj = malloc((size_t)np * sizeof *pj);
    if (!bw || !tmp || !pi || !pj)
        goto done;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            double a = run->link_bw[i * n + j], b = run->link_bw[j * n + i];
            double v = isnan(a) ? b : isnan(b) ? a : fmin(a, b);
            if (isnan(v))
                continue;
            bw[k] = v, pi[k] = i, pj[k] = j, tmp[k] = v, k++;
        }
    if (k < 3)
        goto done;
    double med = rr_median(tmp, (size_t)k), lo = INFINITY;
    int nslow = 0, *count = calloc((size_t)n, sizeof *count);
    if (!count)
        goto done;
    for (int p = 0; p < k; p++)
        if (bw[p] < SLOW_PAIR_FRAC * med) {
            nslow++;
            count[pi[p]]++, count[pj[p]]++;
            lo = fmin(lo, bw[p]);
        }
    if (nslow == 0 || !(med > 0)) {
        free(count);
        goto done;
    }
    int shared = -1;
    for (int i = 0; i < n; i++)
        if (count[i] == nslow && nslow >= 2)
            shared = i;
    struct rr_finding *f = add(out, "link.slow_pair",
                               lo < SLOW_PAIR_CRIT * med ? RR_CRITICAL : RR_WARNING, ri,
                               PRIO_LINK);
    if (!f) {
        free(count);
        goto done;
    }
    int level_rank = strcmp(run->link_level, "rank") == 0;
    for (int i = 0; i < n; i++) {
        if (!count[i] || (shared >= 0 && i != shared))
            continue;
        int nd = node_index(run, run->link_names[i]);
        if (nd < 0 && level_rank) {
            char *end;
            long r = strtol(run->link_names[i], &end, 10);
            if (*end == '\0' && r >= 0 && r < run->nranks)
                add_rank(f, (int)r), nd = run->ranks[r].node;
        }
        if (nd >= 0)
            add_node(f, nd);
    }
    double tier = run->has[RR_TRAIN] ? run->meas[RR_T_INTER] : NAN;
    if (tier >= 0)
        f->time_lost_s = tier * (1.0 - lo / med);
    snprintf(f->evidence, sizeof f->evidence, "%d of %d %s pairs below %.0f%% of the median "
             "%.3g GB/s:", nslow, k, level_rank ? "rank" : "node", 100 * SLOW_PAIR_FRAC, med);
    int shown = 0;
    for (int p = 0; p < k; p++)
        if (bw[p] < SLOW_PAIR_FRAC * med && shown++ < 6)
            cat(f->evidence, sizeof f->evidence, "%s %s-%s %.3g", shown > 1 ? "," : "",
                run->link_names[pi[p]], run->link_names[pj[p]], bw[p]);
    cat(f->evidence, sizeof f->evidence, "%s GB/s", nslow > 6 ? ", ..." : "");
    if (shared >= 0)
        cat(f->evidence, sizeof f->evidence, "; every slow pair involves %s",
            run->link_names[shared]);
    snprintf(f->remedy, sizeof f->remedy,
             "check %s%s link: NIC speed and errors (ibstat, perfquery, ethtool -S), cable and "
             "switch port, MTU; confirm with pairwise ib_write_bw; exclude the node and rerun",
             shared >= 0 ? run->link_names[shared] : "the slow pairs'",
             shared >= 0 ? "'s" : "");
    free(count);
done:
    free(bw), free(tmp), free(pi), free(pj);
}

/* ---------------------------------------------------------------- stragglers */
static void find_stragglers(const struct rr_run *run, int ri, struct rr_findings *out)
{
    int n = run->nranks;
    size_t ns = min_steps(run);
    if (n < 2 || ns == 0)
        return;
    double *lf = malloc((size_t)n * sizeof *lf);
    char *set = calloc((size_t)n, 1);
    if (!lf || !set)
        goto done;
    int have_wait = 1;
    for (int r = 0; r < n; r++) {
        lf[r] = run->ranks[r].last_frac;
        have_wait &= run->ranks[r].wait != NULL;
    }
    if (isnan(lf[0]) && have_wait) { /* last arriver of a step = the rank that waited least */
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
    double thr = fmax(0.5, fmin(0.8, 2.0 / n));
    int nset = 0;
    for (int r = 0; r < n; r++)
        if (lf[r] >= thr)
            set[r] = 1, nset++;
    if (nset == 0)
        goto done;
    double lost = NAN;
    if (have_wait) { /* what the other ranks lost waiting: median over steps of their median */
        double *col = malloc((size_t)n * sizeof *col), *per = malloc(ns * sizeof *per);
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
    } else
        lost = excess(run, set);
    struct rr_finding *f = add(out, "straggler.arrival", sev_of_time(lost, run->step_med,
                               RR_WARNING), ri, PRIO_STRAGGLER);
    if (!f)
        goto done;
    f->time_lost_s = lost;
    char pct[64];
    for (int r = 0; r < n; r++)
        if (set[r])
            add_rank(f, r), add_node(f, run->ranks[r].node);
    snprintf(f->evidence, sizeof f->evidence, "rank%s", nset > 1 ? "s" : "");
    int shown = 0;
    for (int r = 0; r < n && shown < 6; r++)
        if (set[r]) {
            double c = rank_compute(run, r);
            cat(f->evidence, sizeof f->evidence, "%s %d (%s, last in %.0f%% of steps",
                shown++ ? ";" : "", r, host(run, r), 100 * lf[r]);
            if (!isnan(c))
                cat(f->evidence, sizeof f->evidence, ", compute %s", rr_format_time(c, pct, sizeof pct));
            cat(f->evidence, sizeof f->evidence, ")");
        }
    double *cm = malloc((size_t)n * sizeof *cm);
    if (cm) {
        for (int r = 0; r < n; r++)
            cm[r] = rank_compute(run, r);
        double med = isnan(cm[0]) ? NAN : rr_median(cm, (size_t)n);
        if (!isnan(med))
            cat(f->evidence, sizeof f->evidence, " against a median rank compute of %s",
                rr_format_time(med, pct, sizeof pct));
        free(cm);
    }
    if (!isnan(lost))
    {
        char t[32];
        cat(f->evidence, sizeof f->evidence, "; the other ranks wait %s per step%s",
            rr_format_time(lost, t, sizeof t), pct_of_step(lost, run->step_med, pct, sizeof pct));
    }
    snprintf(f->remedy, sizeof f->remedy,
             "find what differs on that rank or node: its compute rate (compute phase), clocks, "
             "load, binding and memory; exclude the node and rerun to confirm; for a persistent "
             "straggler, replace or drain the node");
done:
    free(lf), free(set);
}

/* ---------------------------------------------------------------- nominal, outliers */
static void find_nominal(const struct rr_run *run, int ri, const struct rr_resource res[RR_NRES],
                         struct rr_findings *out, size_t from)
{
    char pct[64];
    for (int t = 0; t < RR_NTIERS; t++) {
        const struct rr_resource *x = &res[t == RR_INTRA ? RR_RES_INTRA : RR_RES_INTER];
        if (!(x->measured >= 0) || !(x->nominal > 0))
            continue;
        double ratio = x->measured / x->nominal;
        if (ratio >= BUSBW_WARN)
            continue;
        struct rr_finding *f = add(out, "comm.busbw_below_nominal",
                                   ratio < BUSBW_CRIT ? RR_CRITICAL : RR_WARNING, ri, PRIO_COMM);
        if (!f)
            return;
        double tier = run->has[RR_TRAIN] ? run->meas[RR_T_INTRA + t] : NAN;
        if (tier >= 0)
            f->time_lost_s = tier * (1.0 - ratio / BUSBW_WARN);
        snprintf(f->evidence, sizeof f->evidence,
                 "%s %.3g GB/s (%s) is %.0f%% of the nominal %.3g GB/s (%s)%s%s", x->name,
                 x->measured, x->what, 100 * ratio, x->nominal, x->source,
                 isnan(f->time_lost_s) ? "" : "; at 80% of nominal a step would be shorter by",
                 "");
        if (!isnan(f->time_lost_s))
            cat(f->evidence, sizeof f->evidence, " %s%s", rr_format_time(f->time_lost_s, (char[32]){0}, 32),
                pct_of_step(f->time_lost_s, run->step_med, pct, sizeof pct));
        snprintf(f->remedy, sizeof f->remedy, "%s",
                 t == RR_INTRA
                     ? "check the intra-node path: NVLink/xGMI state and errors, NCCL_P2P_DISABLE "
                       "or NCCL_SHM_DISABLE, PCIe width and generation; on CPUs the shared-"
                       "memory transport (Open MPI btl vader/sm) and NUMA placement"
                     : "check the transport in use (NCCL_DEBUG=INFO: NET/IB vs NET/Socket; Open "
                       "MPI --mca pml/btl), GPUDirect RDMA, NIC link speed and MTU, and the "
                       "fabric's oversubscription; buyers expect >= 80% of line rate");
    }
    const struct rr_resource *g = &res[RR_RES_GEMM];
    if (g->measured >= 0 && g->nominal > 0 && g->measured / g->nominal < GEMM_WARN) {
        double ratio = g->measured / g->nominal;
        struct rr_finding *f = add(out, "compute.gemm_below_nominal",
                                   ratio < GEMM_CRIT ? RR_CRITICAL : RR_WARNING, ri, PRIO_GEMM);
        if (!f)
            return;
        if (run->has[RR_TRAIN] && run->meas[RR_T_COMPUTE] >= 0)
            f->time_lost_s = run->meas[RR_T_COMPUTE] * (1.0 - ratio / GEMM_EXPECT);
        /* Ranks sharing cores measure a fraction of a core: that part is the binding's. */
        double shared = 0;
        for (size_t i = from; i < out->n; i++)
            if (strcmp(out->v[i].id, "binding.shared_core") == 0 && out->v[i].time_lost_s > 0)
                shared = out->v[i].time_lost_s;
        if (shared > 0 && !isnan(f->time_lost_s))
            f->time_lost_s = fmax(0.0, f->time_lost_s - shared);
        snprintf(f->evidence, sizeof f->evidence,
                 "GEMM %.4g GFLOP/s per rank (%s) is %.0f%% of the nominal %.4g GFLOP/s (%s); "
                 "a well-configured device reaches about %.0f%%%s", g->measured, g->what,
                 100 * ratio, g->nominal, g->source, 100 * GEMM_EXPECT,
                 shared > 0 ? " (the part due to ranks sharing cores is counted under "
                              "binding.shared_core)" : "");
        snprintf(f->remedy, sizeof f->remedy,
                 "check the BLAS / cuBLAS library and version (software.blas), threads per rank "
                 "against the cores bound, clocks and power limits; compare with the published "
                 "achievable matmul figure for the device (MAMF)");
    }
}

static void find_outliers(const struct rr_run *run, int ri, struct rr_findings *out)
{
    int n = run->nranks;
    if (n < 3 || !run->has[RR_COMPUTE])
        return;
    double *v = malloc((size_t)n * sizeof *v);
    char *set = calloc((size_t)n, 1);
    if (!v || !set)
        goto done;
    for (int r = 0; r < n; r++) {
        v[r] = run->ranks[r].measured_gflops;
        if (isnan(v[r]))
            goto done;
    }
    struct llmb_summary s;
    if (llmb_summarize(v, (size_t)n, &s) < 0)
        goto done;
    int nset = 0, worst = -1;
    double wz = 0;
    for (int r = 0; r < n; r++) {
        double z = llmb_robust_z(v[r], s.median, s.mad);
        if (z <= -OUTLIER_Z && v[r] < (1.0 - OUTLIER_REL) * s.median) {
            set[r] = 1, nset++;
            if (worst < 0 || z < wz)
                worst = r, wz = z;
        }
    }
    if (nset == 0)
        goto done;
    double lost = excess(run, set);
    if (isnan(lost) && run->has[RR_TRAIN] && run->meas[RR_T_COMPUTE] > 0)
        lost = run->meas[RR_T_COMPUTE] * (s.median / v[worst] - 1.0);
    struct rr_finding *f = add(out, "compute.rank_outlier",
                               sev_of_time(lost, run->step_med,
                                           v[worst] < 0.8 * s.median ? RR_CRITICAL : RR_WARNING),
                               ri, PRIO_OUTLIER);
    if (!f)
        goto done;
    f->time_lost_s = lost;
    for (int r = 0; r < n; r++)
        if (set[r])
            add_rank(f, r), add_node(f, run->ranks[r].node);
    snprintf(f->evidence, sizeof f->evidence, "GEMM rate across %d ranks: median %.4g GFLOP/s, "
             "MAD %.3g;", n, s.median, s.mad);
    int shown = 0;
    for (int r = 0; r < n && shown < 6; r++)
        if (set[r]) {
            double z = llmb_robust_z(v[r], s.median, s.mad);
            cat(f->evidence, sizeof f->evidence, "%s rank %d (%s) %.4g GFLOP/s (%.0f%% of the "
                "median, robust z %s%.1f)", shown++ ? "," : "", r, host(run, r), v[r],
                100 * v[r] / s.median, fabs(z) >= 1e9 ? "<" : "", fabs(z) >= 1e9 ? -99.9 : z);
        }
    snprintf(f->remedy, sizeof f->remedy,
             "that rank is slow in isolation: check its clocks, temperature and power cap, its "
             "binding (a shared or wrong core) and memory placement; exclude the node and rerun");
done:
    free(v), free(set);
}

/* ---------------------------------------------------------------- machine */
static void find_machine(const struct rr_run *run, int ri, struct rr_findings *out)
{
    struct rr_finding *fc = NULL, *fl = NULL;
    for (int n = 0; n < run->nnodes; n++) {
        const struct rr_node *nd = &run->nodes[n];
        if (nd->cur_mhz > 0 && nd->max_mhz > 0 && nd->cur_mhz < CLOCK_INFO * nd->max_mhz) {
            double phi = nd->cur_mhz / nd->max_mhz;
            int sev = phi < CLOCK_WARN ? RR_WARNING : RR_INFO;
            if (!fc && !(fc = add(out, "clock.throttled", sev, ri, PRIO_CLOCK)))
                return;
            if (sev > fc->sev)
                fc->sev = sev;
            add_node(fc, n);
            cat(fc->evidence, sizeof fc->evidence, "%s%s at %.0f of %.0f MHz (%.0f%%, governor "
                "%s)", fc->nnodes > 1 ? "; " : "", nd->name, nd->cur_mhz, nd->max_mhz,
                100 * phi, nd->governor[0] ? nd->governor : "?");
            double lost = run->has[RR_TRAIN] ? run->meas[RR_T_COMPUTE] * (1.0 / phi - 1.0) : NAN;
            if (!isnan(lost) && (isnan(fc->time_lost_s) || lost > fc->time_lost_s))
                fc->time_lost_s = lost;
            snprintf(fc->remedy, sizeof fc->remedy,
                     "set the performance governor (cpupower frequency-set -g performance), "
                     "check cooling and power limits (nvidia-smi -q -d CLOCK,POWER on GPUs)");
        }
        double ex = nd->load1 - nd->nranks;
        if (nd->load1 >= 0 && nd->pus > 0 && ex > LOAD_EXCESS * nd->pus && ex > 0.5) {
            int sev = ex > 0.5 * nd->pus ? RR_CRITICAL : RR_WARNING;
            if (!fl && !(fl = add(out, "machine.loaded", sev, ri, PRIO_LOAD)))
                return;
            if (sev > fl->sev)
                fl->sev = sev;
            add_node(fl, n);
            cat(fl->evidence, sizeof fl->evidence, "%s%s: load average %.2f on %d PUs with %d "
                "ranks of this job", fl->nnodes > 1 ? "; " : "", nd->name, nd->load1, nd->pus,
                nd->nranks);
            snprintf(fl->remedy, sizeof fl->remedy,
                     "other processes compete for the cores: look at top/ps on the node, stop "
                     "them or ask for an exclusive allocation (sbatch --exclusive)");
        }
    }
}

/* ---------------------------------------------------------------- environment, statistics */
static void find_env(const struct rr_run *run, int ri, struct rr_findings *out)
{
    static const char *const warn[] = {"NCCL_ALGO", "NCCL_PROTO", "NCCL_MIN_NCHANNELS",
                                       "NCCL_MAX_NCHANNELS", "NCCL_P2P_DISABLE",
                                       "NCCL_SHM_DISABLE", "NCCL_IB_DISABLE", "NCCL_NET",
                                       "NCCL_TREE_THRESHOLD", "NCCL_NET_GDR_LEVEL",
                                       "NCCL_P2P_LEVEL", "UCX_TLS",
                                       "OMPI_MCA_coll_tuned_use_dynamic_rules", "OMPI_MCA_pml"};
    static const char *const info_prefix[] = {"NCCL_CROSS_NIC", "NCCL_BUFFSIZE",
                                              "NCCL_NTHREADS", "NCCL_IB_", "NCCL_SOCKET_IFNAME",
                                              "OMPI_MCA_coll", "OMPI_MCA_btl", "OMPI_MCA_mtl",
                                              "UCX_NET_DEVICES", "UCX_RNDV", "UCX_IB_"};
    if (!json_is_object(run->env))
        return;
    const char *key;
    json_t *val;
    struct rr_finding *f = NULL;
    json_object_foreach(run->env, key, val) {
        int sev = -1;
        for (size_t i = 0; i < sizeof warn / sizeof warn[0]; i++)
            if (strcmp(key, warn[i]) == 0)
                sev = RR_WARNING;
        for (size_t i = 0; sev < 0 && i < sizeof info_prefix / sizeof info_prefix[0]; i++)
            if (strncmp(key, info_prefix[i], strlen(info_prefix[i])) == 0)
                sev = RR_INFO;
        if (sev < 0)
            continue;
        if (!f && !(f = add(out, "env.override", sev, ri, PRIO_ENV)))
            return;
        if (sev > f->sev)
            f->sev = sev;
        cat(f->evidence, sizeof f->evidence, "%s%s=%s", f->evidence[0] ? ", " : "set: ", key,
            json_is_string(val) ? json_string_value(val) : "?");
    }
    if (f)
        snprintf(f->remedy, sizeof f->remedy,
                 "these variables choose algorithms, protocols or transports by hand; unset them "
                 "unless a measurement shows they help, and keep them identical between runs "
                 "that are compared");
}

static void find_stats(const struct rr_run *run, int ri, struct rr_findings *out)
{
    char ev[1024] = "";
    int sev = -1;
    if (run->has[RR_TRAIN]) {
        if (run->nsteps < LLMB_MIN_SAMPLES) {
            cat(ev, sizeof ev, "%s%zu timed steps (fewer than %d)", ev[0] ? "; " : "",
                run->nsteps, LLMB_MIN_SAMPLES);
            sev = RR_WARNING;
        }
        if (run->step_cv > CV_INFO) {
            cat(ev, sizeof ev, "%sstep time CV %.1f%%", ev[0] ? "; " : "", 100 * run->step_cv);
            sev = run->step_cv > CV_WARN ? RR_WARNING : sev > RR_INFO ? sev : RR_INFO;
        }
    }
    size_t few = 0, pts = 0;
    for (size_t i = 0; i < run->nsweeps; i++)
        for (size_t j = 0; j < run->sweeps[i].npts; j++, pts++)
            if (run->sweeps[i].iters[j] < LLMB_MIN_SAMPLES)
                few++;
    if (few) {
        cat(ev, sizeof ev, "%s%zu of %zu collective points have fewer than %d iterations",
            ev[0] ? "; " : "", few, pts, LLMB_MIN_SAMPLES);
        sev = RR_WARNING;
    }
    int fewg = 0, hicv = 0;
    for (int r = 0; run->has[RR_COMPUTE] && r < run->nranks; r++) {
        if (run->ranks[r].gemm_n > 0 && run->ranks[r].gemm_n < LLMB_MIN_SAMPLES)
            fewg++;
        if (run->ranks[r].gemm_cv > CV_WARN)
            hicv++;
    }
    if (fewg || hicv) {
        cat(ev, sizeof ev, "%sGEMM: %d ranks with fewer than %d samples, %d with CV above %.0f%%",
            ev[0] ? "; " : "", fewg, LLMB_MIN_SAMPLES, hicv, 100 * CV_WARN);
        sev = RR_WARNING;
    }
    if (sev < 0)
        return;
    struct rr_finding *f = add(out, "stats.unreliable", sev, ri, PRIO_STATS);
    if (!f)
        return;
    snprintf(f->evidence, sizeof f->evidence, "%s", ev);
    snprintf(f->remedy, sizeof f->remedy,
             "run longer (--steps, --time-per-point) on an otherwise idle allocation, and "
             "compare medians, not single samples");
}

/* A cause absorbs the straggler it explains: same ranks (or their nodes).  A node-level cause
 * present on every node (a loaded machine everywhere) does not single out the straggler.  A slow
 * link absorbs a straggler whose own compute does not explain its lateness: it arrives late
 * because the communication before it was slow. */
static void absorb(const struct rr_run *run, struct rr_findings *out, size_t from)
{
    static const char *const causes[] = {"binding.shared_core", "binding.unbound",
                                         "binding.threads_mismatch", "compute.rank_outlier",
                                         "clock.throttled", "machine.loaded", "link.slow_pair"};
    char *set = calloc((size_t)run->nranks, 1);
    if (!set)
        return;
    for (size_t i = from; i < out->n; i++) {
        struct rr_finding *s = &out->v[i];
        if (strcmp(s->id, "straggler.arrival") || isnan(s->time_lost_s))
            continue;
        memset(set, 0, (size_t)run->nranks);
        for (int a = 0; a < s->nranks; a++)
            set[s->ranks[a]] = 1;
        double own = excess_vs_others(run, set);
        int comm_late = isnan(own) || own < 0.25 * s->time_lost_s;
        for (size_t j = from; j < out->n; j++) {
            struct rr_finding *c = &out->v[j];
            int is_cause = 0, hit = 0;
            for (size_t k = 0; k < sizeof causes / sizeof causes[0]; k++)
                is_cause |= strcmp(c->id, causes[k]) == 0;
            if (!is_cause || (c->nranks == 0 && c->nnodes >= run->nnodes))
                continue;
            if (strcmp(c->id, "link.slow_pair") == 0) {
                hit = comm_late;
            } else {
                for (int a = 0; a < s->nranks; a++) {
                    for (int b = 0; b < c->nranks; b++)
                        hit |= s->ranks[a] == c->ranks[b];
                    if (c->nranks == 0)
                        for (int b = 0; b < c->nnodes; b++)
                            for (int d = 0; d < s->nnodes; d++)
                                hit |= s->nodes[d] == c->nodes[b];
                }
            }
            if (!hit)
                continue;
            if (isnan(c->time_lost_s) || c->time_lost_s < s->time_lost_s)
                c->time_lost_s = s->time_lost_s;
            if (c->sev < s->sev)
                c->sev = s->sev;
            cat(s->evidence, sizeof s->evidence, " (explained by %s)", c->id);
        }
    }
    free(set);
}

void rr_find(const struct rr_run *run, int ri, const struct rr_resource res[RR_NRES],
             struct rr_findings *out)
{
    size_t from = out->n;
    find_binding(run, ri, out);
    find_machine(run, ri, out);
    find_outliers(run, ri, out);
    find_links(run, ri, out);
    find_nominal(run, ri, res, out, from);
    find_stragglers(run, ri, out);
    find_env(run, ri, out);
    find_stats(run, ri, out);
    absorb(run, out, from);
    /* A time lost of a few ulps is no time lost. */
    for (size_t i = from; i < out->n; i++)
        if (out->v[i].time_lost_s < 0)
            out->v[i].time_lost_s = 0;
}

static double lost_or_zero(double t) { return isnan(t) ? 0 : t; }

/* The same finding in two runs: same id and the same ranks and nodes named (by index: the two
 * runs ran the same workload on the same layout). */
static int same_finding(const struct rr_finding *a, const struct rr_finding *b)
{
    if (strcmp(a->id, b->id) || a->nranks != b->nranks || a->nnodes != b->nnodes)
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
    return a->run - b->run;
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
            if (f->v[j].run != f->v[i].run && same_finding(&f->v[i], &f->v[j]))
                other = fmax(other, lost_or_zero(f->v[j].time_lost_s));
        f->v[i].gap_s = fmax(0.0, lost_or_zero(f->v[i].time_lost_s) - other);
    }
    if (f->n)
        qsort(f->v, f->n, sizeof *f->v, cmp_finding);
}

void rr_findings_free(struct rr_findings *f)
{
    free(f->v);
    memset(f, 0, sizeof *f);
}
