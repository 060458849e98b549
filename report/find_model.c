/* model.unexplained (doc/findings.md): the step-time model misses the measured step by more
 * than RR_MODEL_ERR; the finding names the term it missed most, with every term measured
 * against modelled, so that nobody reads the other findings' counterfactuals as the whole
 * story.  Its row is in the table of report/findings.c. */
#include "findings.h"

#include <math.h>
#include <stdio.h>

static const char *const term_label[RR_NTERMS] = {
    "compute", "optimizer", "exposed intra-node communication",
    "exposed inter-node communication", "waiting for slower ranks", "other (host)"};

/* What a miss of term k most likely means (a hint for the buyer, not a measurement). */
static const char *why(const struct rr_run *run, int k, double miss)
{
    switch (k) {
    case RR_T_INTRA:
    case RR_T_INTER:
        if (miss > 0 && run->params.window > 0 && !(run->pattern.progressed_s > 0))
            return "training hid less communication behind the backward pass than the model "
                   "assumes: its collectives probably progress only when the ranks call into "
                   "MPI (a train_pattern with progressed, from a newer llmbench, measures it)";
        return miss > 0 ? "training's communication is slower than what priced it"
                        : "training's communication is faster than what priced it";
    case RR_T_COMPUTE:
        return "the train phase computes at another rate than the compute phase measured "
               "(contention with communication, threads, clocks)";
    case RR_T_WAIT:
        return "the ranks' spread differs from their median times";
    default:
        return "time outside compute and communication";
    }
}

void rr_eval_model_unexplained(const struct rr_find_ctx *cx, const struct rr_finding_def *def)
{
    const struct rr_run *run = cx->run;
    if (!run->has[RR_TRAIN] || !run->params_ok || !(fabs(run->pred_err) > RR_MODEL_ERR))
        return;
    int worst = 0;
    for (int k = 1; k < RR_NTERMS; k++)
        if (fabs(run->meas[k] - run->pred[k]) > fabs(run->meas[worst] - run->pred[worst]))
            worst = k;
    struct rr_finding *f = rr_finding_new(cx, def, def->sev);
    if (!f)
        return;
    char a[32], b[32], c[32], d[32], e[32];
    double miss = run->meas[worst] - run->pred[worst];
    snprintf(f->evidence, sizeof f->evidence, "the model predicts %s against a measured %s "
             "(%+.1f%%); the largest miss is %s: measured %s, modelled %s (%s%s): %s. "
             "Measured vs modelled:", rr_format_time(run->pred_total, a, sizeof a),
             rr_format_time(run->step_med, b, sizeof b), 100 * run->pred_err, term_label[worst],
             rr_format_time(run->meas[worst], c, sizeof c),
             rr_format_time(run->pred[worst], d, sizeof d), miss >= 0 ? "+" : "-",
             rr_format_time(fabs(miss), e, sizeof e), why(run, worst, miss));
    for (int k = 0; k < RR_NTERMS; k++)
        rr_cat(f->evidence, sizeof f->evidence, "%s %s %s vs %s", k ? ";" : "", rr_term_names[k],
               rr_format_time(run->meas[k], a, sizeof a),
               rr_format_time(run->pred[k], b, sizeof b));
    if (run->pattern.present)
        snprintf(f->remedy, sizeof f->remedy, "read the other findings' time lost as estimates "
                 "of a model that misses this run by %.0f%%; look at the term named above",
                 100 * fabs(run->pred_err));
    else
        snprintf(f->remedy, sizeof f->remedy, "read the other findings' time lost as estimates "
                 "of a model that misses this run by %.0f%%; rerun with a llmbench that replays "
                 "training's communication pattern in the comm phase (phases.comm.train_pattern)",
                 100 * fabs(run->pred_err));
}
