/* Findings on the machines and their compute (doc/findings.md): clock.throttled (CPU clocks;
 * the GPUs' in find_gpu.c),
 * machine.loaded, compute.rank_outlier, compute.gemm_below_nominal.  Their rows are in the table
 * of report/findings.c. */
#include "findings.h"

#include "stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct phi_arg {
    double phi;
};

static void set_phi(struct rr_params *p, const void *arg)
{
    p->phi = ((const struct phi_arg *)arg)->phi;
}

/* What a throttled clock costs.  The compute was measured at the throttled clock phi (current /
 * max), so at full clock it would take phi of its time: it loses compute x (1 - phi).  When the
 * model's clock (the median node's) is throttled, the model's step with phi = 1; else the worst
 * node's ranks' own compute x (1 - phi) (the step waits for them). */
static double clock_lost(const struct rr_run *run, int worst, double phi_worst)
{
    if (!run->has[RR_TRAIN])
        return NAN;
    if (run->params_ok && run->params.phi < RR_CLOCK_INFO) {
        struct phi_arg a = {1.0};
        double l = rr_saved_by(run, set_phi, &a);
        if (!isnan(l))
            return l;
    }
    double *c = malloc((size_t)(run->nranks > 0 ? run->nranks : 1) * sizeof *c);
    size_t k = 0;
    for (int r = 0; c && r < run->nranks; r++)
        if (run->ranks[r].node == worst && !isnan(rr_rank_compute(run, r)))
            c[k++] = rr_rank_compute(run, r);
    double comp = k ? rr_median(c, k) : run->meas[RR_T_COMPUTE];
    free(c);
    return comp * (1.0 - phi_worst);
}

void rr_eval_clock(const struct rr_find_ctx *cx, const struct rr_finding_def *def)
{
    rr_eval_gpu_clock(cx, def); /* the GPUs' clocks: their own finding (find_gpu.c) */
    const struct rr_run *run = cx->run;
    struct rr_finding *f = NULL;
    int worst = -1;
    double wphi = 1;
    for (int n = 0; n < run->nnodes; n++) {
        const struct rr_node *nd = &run->nodes[n];
        if (!(nd->cur_mhz > 0 && nd->max_mhz > 0 && nd->cur_mhz < RR_CLOCK_INFO * nd->max_mhz))
            continue;
        double phi = nd->cur_mhz / nd->max_mhz;
        int sev = phi < RR_CLOCK_WARN ? RR_WARNING : RR_INFO;
        if (!f && !(f = rr_finding_new(cx, def, sev)))
            return;
        if (sev > f->sev)
            f->sev = sev;
        if (worst < 0 || phi < wphi)
            worst = n, wphi = phi;
        rr_finding_add_node(f, n);
        rr_cat(f->evidence, sizeof f->evidence, "%s%s at %.0f of %.0f MHz (%.0f%%, governor %s)",
               f->nnodes > 1 ? "; " : "", nd->name, nd->cur_mhz, nd->max_mhz, 100 * phi,
               nd->governor[0] ? nd->governor : "?");
    }
    if (!f)
        return;
    f->time_lost_s = clock_lost(run, worst, wphi);
    if (!isnan(f->time_lost_s))
        rr_cat(f->evidence, sizeof f->evidence, "; compute runs at the current clock: at the "
               "maximum it would take %.0f%% of its time", 100 * wphi);
    snprintf(f->remedy, sizeof f->remedy,
             "set the performance governor (cpupower frequency-set -g performance), "
             "check cooling and power limits (nvidia-smi -q -d CLOCK,POWER on GPUs)");
}

void rr_eval_loaded(const struct rr_find_ctx *cx, const struct rr_finding_def *def)
{
    const struct rr_run *run = cx->run;
    struct rr_finding *f = NULL;
    for (int n = 0; n < run->nnodes; n++) {
        const struct rr_node *nd = &run->nodes[n];
        double ex = nd->load1 - nd->nranks;
        if (!(nd->load1 >= 0 && nd->pus > 0 && ex > RR_LOAD_EXCESS * nd->pus && ex > 0.5))
            continue;
        int sev = ex > 0.5 * nd->pus ? RR_CRITICAL : RR_WARNING;
        if (!f && !(f = rr_finding_new(cx, def, sev)))
            return;
        if (sev > f->sev)
            f->sev = sev;
        rr_finding_add_node(f, n);
        rr_cat(f->evidence, sizeof f->evidence, "%s%s: load average %.2f on %d PUs with %d "
               "ranks of this job", f->nnodes > 1 ? "; " : "", nd->name, nd->load1, nd->pus,
               nd->nranks);
        snprintf(f->remedy, sizeof f->remedy,
                 "other processes compete for the cores: look at top/ps on the node, stop "
                 "them or ask for an exclusive allocation (sbatch --exclusive)");
    }
}

/* The outliers of the compute phase's GEMM rates v[] (robust z <= -RR_OUTLIER_Z and at least
 * RR_OUTLIER_REL below the median) into set; returns the worst one, or -1 when none. */
static int gemm_outliers(const struct rr_run *run, const double *v, const struct llmb_summary *s,
                         char *set)
{
    int worst = -1;
    double wz = 0;
    for (int r = 0; r < run->nranks; r++) {
        double z = llmb_robust_z(v[r], s->median, s->mad);
        if (z <= -RR_OUTLIER_Z && v[r] < (1.0 - RR_OUTLIER_REL) * s->median) {
            set[r] = 1;
            if (worst < 0 || z < wz)
                worst = r, wz = z;
        }
    }
    return worst;
}

/* Two ranks have no median to stand out from: compare each rank's GEMM efficiency (measured /
 * its own nominal peak, which follows its binding's PUs; the raw rate when a nominal is
 * missing) with the other's.  Below RR_OUTLIER_PAIR of the faster rank's is beyond the spread
 * of one device model (about 8% on average, 22% at most: Sinha et al., SC22). */
static void rank_outlier_pair(const struct rr_find_ctx *cx, const struct rr_finding_def *def)
{
    const struct rr_run *run = cx->run;
    double e[2], g[2];
    int nominal = 1;
    for (int r = 0; r < 2; r++) {
        g[r] = run->ranks[r].measured_gflops;
        if (!(g[r] > 0))
            return;
        nominal &= run->ranks[r].nominal_gflops > 0;
    }
    for (int r = 0; r < 2; r++)
        e[r] = nominal ? g[r] / run->ranks[r].nominal_gflops : g[r];
    int slow = e[1] < e[0], fast = 1 - slow;
    double ratio = e[slow] / e[fast];
    if (ratio >= RR_OUTLIER_PAIR)
        return;
    char set[2] = {0, 0};
    set[slow] = 1;
    double lost = rr_excess_vs_others(run, set);
    if (isnan(lost) && run->has[RR_TRAIN] && run->meas[RR_T_COMPUTE] > 0)
        lost = run->meas[RR_T_COMPUTE] * (1.0 / ratio - 1.0);
    int dflt = ratio < 0.5 ? RR_CRITICAL : RR_WARNING;
    struct rr_finding *f = rr_finding_new(cx, def, rr_sev_of_time(lost, run->step_med, dflt));
    if (!f)
        return;
    f->time_lost_s = lost;
    rr_finding_add_set(f, run, set);
    snprintf(f->evidence, sizeof f->evidence, "GEMM rate of 2 ranks: rank %d (%s) %.4g GFLOP/s, "
             "rank %d (%s) %.4g GFLOP/s; %s, rank %d reaches %.0f%% of rank %d's (below %.0f%%, "
             "beyond the spread of one device model)", slow, rr_host(run, slow), g[slow], fast,
             rr_host(run, fast), g[fast], nominal ? "per unit of each rank's nominal peak"
             : "as measured", slow, 100 * ratio, fast, 100 * RR_OUTLIER_PAIR);
    snprintf(f->remedy, sizeof f->remedy,
             "that rank is slow in isolation: check its clocks, temperature and power cap, its "
             "binding (a shared or wrong core) and memory placement; exclude the node and rerun");
}

void rr_eval_rank_outlier(const struct rr_find_ctx *cx, const struct rr_finding_def *def)
{
    const struct rr_run *run = cx->run;
    int n = run->nranks;
    if (n == 2 && run->has[RR_COMPUTE])
        rank_outlier_pair(cx, def);
    if (n < 3 || !run->has[RR_COMPUTE])
        return;
    double *v = malloc((size_t)n * sizeof *v);
    char *set = calloc((size_t)n, 1);
    struct llmb_summary s;
    if (!v || !set)
        goto done;
    for (int r = 0; r < n; r++)
        if (isnan(v[r] = run->ranks[r].measured_gflops))
            goto done;
    if (llmb_summarize(v, (size_t)n, &s) < 0)
        goto done;
    int worst = gemm_outliers(run, v, &s, set);
    if (worst < 0)
        goto done;
    double lost = rr_excess(run, set);
    if (isnan(lost) && run->has[RR_TRAIN] && run->meas[RR_T_COMPUTE] > 0)
        lost = run->meas[RR_T_COMPUTE] * (s.median / v[worst] - 1.0);
    int dflt = v[worst] < 0.8 * s.median ? RR_CRITICAL : RR_WARNING;
    struct rr_finding *f = rr_finding_new(cx, def, rr_sev_of_time(lost, run->step_med, dflt));
    if (!f)
        goto done;
    f->time_lost_s = lost;
    rr_finding_add_set(f, run, set);
    snprintf(f->evidence, sizeof f->evidence, "GEMM rate across %d ranks: median %.4g GFLOP/s, "
             "MAD %.3g;", n, s.median, s.mad);
    int shown = 0;
    for (int r = 0; r < n && shown < 6; r++)
        if (set[r]) {
            double z = llmb_robust_z(v[r], s.median, s.mad);
            rr_cat(f->evidence, sizeof f->evidence, "%s rank %d (%s) %.4g GFLOP/s (%.0f%% of the "
                   "median, robust z %s%.1f)", shown++ ? "," : "", r, rr_host(run, r), v[r],
                   100 * v[r] / s.median, fabs(z) >= 1e9 ? "<" : "", fabs(z) >= 1e9 ? -99.9 : z);
        }
    snprintf(f->remedy, sizeof f->remedy,
             "that rank is slow in isolation: check its clocks, temperature and power cap, its "
             "binding (a shared or wrong core) and memory placement; exclude the node and rerun");
done:
    free(v), free(set);
}

void rr_eval_gemm_nominal(const struct rr_find_ctx *cx, const struct rr_finding_def *def)
{
    const struct rr_run *run = cx->run;
    const struct rr_resource *g = &cx->res[RR_RES_GEMM];
    if (!(g->measured >= 0 && g->nominal > 0 && g->measured / g->nominal < RR_GEMM_WARN))
        return;
    double ratio = g->measured / g->nominal;
    struct rr_finding *f = rr_finding_new(cx, def, ratio < RR_GEMM_CRIT ? RR_CRITICAL : def->sev);
    if (!f)
        return;
    if (run->has[RR_TRAIN] && run->meas[RR_T_COMPUTE] >= 0)
        f->time_lost_s = run->meas[RR_T_COMPUTE] * (1.0 - ratio / RR_GEMM_EXPECT);
    /* Ranks sharing cores measure a fraction of a core: that part is the other finding's,
     * unless the nominal is already each rank's share (per_share: then the ratio excludes it). */
    const struct rr_finding *ex = g->per_share ? NULL : rr_finding_in_run(cx, def->excludes);
    double shared = ex && ex->time_lost_s > 0 ? ex->time_lost_s : 0;
    if (shared > 0 && !isnan(f->time_lost_s))
        f->time_lost_s = fmax(0.0, f->time_lost_s - shared);
    snprintf(f->evidence, sizeof f->evidence,
             "GEMM %.4g GFLOP/s per rank (%s) is %.0f%% of the nominal %.4g GFLOP/s (%s); "
             "a well-configured device reaches about %.0f%%%s%s%s", g->measured, g->what,
             100 * ratio, g->nominal, g->source, 100 * RR_GEMM_EXPECT,
             shared > 0 ? " (the part due to ranks sharing cores is counted under " : "",
             shared > 0 ? def->excludes : "", shared > 0 ? ")" : "");
    snprintf(f->remedy, sizeof f->remedy,
             "check the BLAS / cuBLAS library and version (software.blas), threads per rank "
             "against the cores bound, clocks and power limits; compare with the published "
             "achievable matmul figure for the device (MAMF)");
}
