/* Findings on the run's setting and the trust its figures deserve (doc/findings.md):
 * env.override, stats.unreliable.  Their rows are in the table of report/findings.c. */
#include "findings.h"

#include "stats.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Variables that choose algorithms, protocols or transports: warn on these names, inform on
 * these prefixes. */
static const char *const env_warn[] = {
    "NCCL_ALGO", "NCCL_PROTO", "NCCL_MIN_NCHANNELS", "NCCL_MAX_NCHANNELS", "NCCL_P2P_DISABLE",
    "NCCL_SHM_DISABLE", "NCCL_IB_DISABLE", "NCCL_NET", "NCCL_TREE_THRESHOLD",
    "NCCL_NET_GDR_LEVEL", "NCCL_P2P_LEVEL", "UCX_TLS", "OMPI_MCA_coll_tuned_use_dynamic_rules",
    "OMPI_MCA_pml"};
static const char *const env_info_prefix[] = {
    "NCCL_CROSS_NIC", "NCCL_BUFFSIZE", "NCCL_NTHREADS", "NCCL_IB_", "NCCL_SOCKET_IFNAME",
    "OMPI_MCA_coll", "OMPI_MCA_btl", "OMPI_MCA_mtl", "UCX_NET_DEVICES", "UCX_RNDV", "UCX_IB_"};

/* RR_WARNING, RR_INFO, or -1 for a variable that chooses nothing. */
static int env_sev(const char *key)
{
    for (size_t i = 0; i < sizeof env_warn / sizeof env_warn[0]; i++)
        if (strcmp(key, env_warn[i]) == 0)
            return RR_WARNING;
    for (size_t i = 0; i < sizeof env_info_prefix / sizeof env_info_prefix[0]; i++)
        if (strncmp(key, env_info_prefix[i], strlen(env_info_prefix[i])) == 0)
            return RR_INFO;
    return -1;
}

void rr_eval_env(const struct rr_find_ctx *cx, const struct rr_finding_def *def)
{
    const struct rr_run *run = cx->run;
    if (!json_is_object(run->env))
        return;
    const char *key;
    json_t *val;
    struct rr_finding *f = NULL;
    json_object_foreach(run->env, key, val) {
        int sev = env_sev(key);
        if (sev < 0)
            continue;
        if (!f && !(f = rr_finding_new(cx, def, sev)))
            return;
        if (sev > f->sev)
            f->sev = sev;
        rr_cat(f->evidence, sizeof f->evidence, "%s%s=%s", f->evidence[0] ? ", " : "set: ", key,
               json_is_string(val) ? json_string_value(val) : "?");
    }
    if (f)
        snprintf(f->remedy, sizeof f->remedy,
                 "these variables choose algorithms, protocols or transports by hand; unset them "
                 "unless a measurement shows they help, and keep them identical between runs "
                 "that are compared");
}

/* The train phase's steps and their spread into ev; returns the severity so far (sev). */
static int stats_train(const struct rr_run *run, char *ev, size_t len, int sev)
{
    if (!run->has[RR_TRAIN])
        return sev;
    if (run->nsteps < LLMB_MIN_SAMPLES) {
        rr_cat(ev, len, "%s%zu timed steps (fewer than %d)", ev[0] ? "; " : "", run->nsteps,
               LLMB_MIN_SAMPLES);
        sev = RR_WARNING;
    }
    if (run->step_cv > RR_CV_INFO) {
        rr_cat(ev, len, "%sstep time CV %.1f%%", ev[0] ? "; " : "", 100 * run->step_cv);
        sev = run->step_cv > RR_CV_WARN ? RR_WARNING : sev > RR_INFO ? sev : RR_INFO;
    }
    return sev;
}

/* The comm points and GEMM summaries with too few samples or too much spread. */
static int stats_phases(const struct rr_run *run, char *ev, size_t len, int sev)
{
    size_t few = 0, pts = 0;
    for (size_t i = 0; i < run->nsweeps; i++)
        for (size_t j = 0; j < run->sweeps[i].npts; j++, pts++)
            if (run->sweeps[i].iters[j] < LLMB_MIN_SAMPLES)
                few++;
    if (few) {
        rr_cat(ev, len, "%s%zu of %zu collective points have fewer than %d iterations",
               ev[0] ? "; " : "", few, pts, LLMB_MIN_SAMPLES);
        sev = RR_WARNING;
    }
    /* imported files: a tool's average hides its spread; its min and max show it */
    size_t wide = 0, known = 0;
    double worst = 0;
    for (size_t i = 0; run->src.present && i < run->nsweeps; i++)
        for (size_t j = 0; j < run->sweeps[i].npts; j++) {
            double lo = run->sweeps[i].op_min[j], hi = run->sweeps[i].op_max[j];
            if (!(lo > 0) || !(hi >= lo))
                continue;
            known++;
            worst = fmax(worst, hi / lo);
            wide += hi > RR_SPREAD_WARN * lo;
        }
    if (wide) {
        rr_cat(ev, len, "%s%zu of %zu points of the %s output: the slowest rank or iteration "
               "took more than %.0fx the fastest (up to %.1fx)", ev[0] ? "; " : "", wide, known,
               run->src.tool, RR_SPREAD_WARN, worst);
        sev = RR_WARNING;
    }
    int pairs, noisy = rr_link_disagreement(run, &pairs);
    if (pairs >= 3 && noisy > RR_LINK_NOISY_FRAC * pairs) {
        rr_cat(ev, len, "%slink matrix: its %d passes differ by more than %gx on %d of %d node "
               "pairs (the machine was busy while it ran; slow pairs with no node in common are "
               "not named from it)", ev[0] ? "; " : "", run->link_passes, RR_LINK_PASS_SPREAD,
               noisy, pairs);
        sev = RR_WARNING;
    }
    int fewg = 0, hicv = 0;
    for (int r = 0; run->has[RR_COMPUTE] && r < run->nranks; r++) {
        if (run->ranks[r].gemm_n > 0 && run->ranks[r].gemm_n < LLMB_MIN_SAMPLES)
            fewg++;
        if (run->ranks[r].gemm_cv > RR_CV_WARN)
            hicv++;
    }
    if (fewg || hicv) {
        rr_cat(ev, len, "%sGEMM: %d ranks with fewer than %d samples, %d with CV above %.0f%%",
               ev[0] ? "; " : "", fewg, LLMB_MIN_SAMPLES, hicv, 100 * RR_CV_WARN);
        sev = RR_WARNING;
    }
    return sev;
}

void rr_eval_stats(const struct rr_find_ctx *cx, const struct rr_finding_def *def)
{
    char ev[sizeof ((struct rr_finding *)0)->evidence] = "";
    int sev = stats_phases(cx->run, ev, sizeof ev, stats_train(cx->run, ev, sizeof ev, -1));
    if (sev < 0)
        return;
    struct rr_finding *f = rr_finding_new(cx, def, sev);
    if (!f)
        return;
    snprintf(f->evidence, sizeof f->evidence, "%s", ev);
    snprintf(f->remedy, sizeof f->remedy,
             "run longer (--steps, --time-per-point) on an otherwise idle allocation, and "
             "compare medians, not single samples");
}
