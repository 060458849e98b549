/* bench/train_summary.c - the train phase's results on rank 0: per-step timeline, throughput,
 * MFU, the per-rank records and the replica checksums.  See bench/phase_train.c. */
#include "config.h"

#include <stdio.h>

#include "error.h"
#include "kernels/plan.h"
#include "metrics.h"
#include "results.h"
#include "stats.h"
#include "train.h"

/* Mean over ranks of a compute-phase per-rank peak, or 0 when absent. */
static double compute_peak(struct llmb_ctx *ctx, const char *field)
{
    json_t *c = llmb_phase_result(ctx, "compute"), *ranks = c ? json_object_get(c, "ranks") : NULL;
    size_t i, k = 0;
    json_t *r;
    double s = 0;
    if (!json_is_array(ranks))
        return 0;
    json_array_foreach(ranks, i, r) {
        json_t *v = json_object_get(r, field);
        if (!json_is_number(v) || json_number_value(v) <= 0)
            return 0;
        s += json_number_value(v);
        k++;
    }
    return k == (size_t)ctx->size ? s / (double)k : 0;
}

static json_t *num_or_null(double v, int ok) { return ok ? json_real(v) : json_null(); }

static json_t *darray(const double *x, size_t n, size_t stride)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_real(x[i * stride]));
    return a;
}

/* [steps][nc] times (s) as an array of arrays; a negative time (never seen) is null */
static json_t *step_matrix(const double *x, int steps, int nc)
{
    json_t *a = json_array();
    for (int s = 0; s < steps; s++) {
        json_t *row = json_array();
        for (int c = 0; c < nc; c++) {
            double v = x[(size_t)s * nc + c];
            json_array_append_new(row, v >= 0 ? llmb_json_seconds(v) : json_null());
        }
        json_array_append_new(a, row);
    }
    return a;
}

/* times (s) with the digits they carry (lib/results.h) */
static json_t *sarray(const double *x, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, llmb_json_seconds(x[i]));
    return a;
}

/* Per-step figures of the run (rank 0). */
struct timeline {
    double *step, *expo;        /* [steps] the slowest rank's step; its exposed communication */
    double *wait;               /* [n][steps] each rank's wait for the last arrival */
    int *last;                  /* [n] how often each rank arrived last */
};

/* 5a. Per step: the slowest rank; per rank: waits from the arrivals on the common clock. */
static void timeline(const struct train *t, const struct record *R, struct timeline *tl)
{
    int n = t->n, nc = R->nc, steps = R->steps;
    const double *all = R->all;
    tl->step = calloc((size_t)steps, sizeof *tl->step);
    tl->expo = calloc((size_t)steps, sizeof *tl->expo);
    tl->wait = calloc((size_t)n * steps, sizeof *tl->wait);
    tl->last = calloc((size_t)n, sizeof *tl->last);
    if (!tl->step || !tl->expo || !tl->wait || !tl->last)
        llmb_abort(LLMB_EFAIL, "train: out of memory summarizing");
    for (int s = 0; s < steps; s++) {
        int slow = 0;
        for (int r = 0; r < n; r++)
            if (all[(size_t)r * R->rec + 3 * steps + s] > all[(size_t)slow * R->rec + 3 * steps + s])
                slow = r;
        const double *S = all + (size_t)slow * R->rec;
        tl->step[s] = S[3 * steps + s];
        tl->expo[s] = S[3 * steps + s] - S[s] - S[2 * steps + s];
        for (int c = 0; c < nc; c++) {
            double mx = -1e300;
            int who = 0;
            for (int r = 0; r < n; r++) {
                double a = all[(size_t)r * R->rec + 4 * (size_t)steps + (size_t)s * nc + c];
                if (a > mx)
                    mx = a, who = r;
            }
            tl->last[who]++;
            for (int r = 0; r < n; r++)
                tl->wait[(size_t)r * steps + s] +=
                    mx - all[(size_t)r * R->rec + 4 * (size_t)steps + (size_t)s * nc + c];
        }
        /* a rank can only be blocked inside a communication call: overlapped collectives
         * in flight together see the same lag, which the sum would count once per bucket */
        for (int r = 0; r < n; r++) {
            double cs = all[(size_t)r * R->rec + steps + s];
            if (tl->wait[(size_t)r * steps + s] > cs)
                tl->wait[(size_t)r * steps + s] = cs;
        }
    }
}

static void timeline_free(struct timeline *tl)
{
    free(tl->step);
    free(tl->expo);
    free(tl->wait);
    free(tl->last);
}

/* 5b. What was trained and how (rank 0). */
static void config_json(const struct train *t, const struct llmb_model_config *cfg, json_t *out)
{
    const struct llmb_options *opt = t->ctx->opt;
    struct llmb_model_params pc;
    llmb_model_count(cfg, &pc);
    size_t gbytes = t->g.num_params * sizeof(float);
    json_object_set_new(out, "model", json_pack(
        "{s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:I, s:I, s:f}", "preset", cfg->name,
        "family", cfg->llama ? "llama" : "gpt2", "layers", cfg->layers, "d_model",
        cfg->d_model, "heads", cfg->heads, "kv_heads", cfg->kv_heads, "d_ff", cfg->d_ff,
        "vocab", cfg->vocab, "params", (json_int_t)pc.total, "params_non_embedding",
        (json_int_t)pc.non_embedding, "flops_per_token", llmb_model_flops_per_token(cfg)));
    json_object_set_new(out, "backend", json_string(t->k->name));
    json_object_set_new(out, "ranks_total", json_integer(t->n));
    json_object_set_new(out, "batch", json_integer(cfg->batch));
    json_object_set_new(out, "seq", json_integer(cfg->seq));
    json_object_set_new(out, "accum", json_integer(t->accum));
    json_object_set_new(out, "global_batch_tokens",
                        json_integer((json_int_t)((double)cfg->batch * cfg->seq * t->accum * t->n)));
    json_object_set_new(out, "mode", json_string(t->zero ? "zero" : "dp"));
    /* in memory terms --zero is ZeRO stage 1: optimizer state sharded, full gradients kept */
    json_object_set_new(out, "zero_stage", json_integer(t->zero ? 1 : 0));
    json_object_set_new(out, "overlap", json_boolean(t->overlap));
    json_object_set_new(out, "bucket_bytes", json_integer((json_int_t)opt->bucket_bytes));
    json_t *bk = json_array();
    for (int p = 0; p < (t->zero ? 2 : 1); p++)
        for (int i = 0; i < t->nb; i++)
            json_array_append_new(bk, json_pack("{s:I, s:s, s:s, s:I}", "bytes",
                (json_int_t)(t->b[i].count * sizeof(float)), "group", "world", "collective",
                llmb_coll_name(p ? t->gather->coll : t->reduce->coll), "offset_floats",
                (json_int_t)t->b[i].off));
    json_object_set_new(out, "buckets", bk);
    json_object_set_new(out, "comm_bytes_per_step", json_pack("{s:I, s:I, s:I}",
        "allreduce", (json_int_t)(t->zero ? 0 : gbytes),
        "reduce_scatter", (json_int_t)(t->zero ? gbytes : 0),
        "allgather", (json_int_t)(t->zero ? gbytes : 0)));
    json_object_set_new(out, "optimizer", json_pack("{s:s, s:f, s:f, s:f, s:f, s:f}",
        "name", "adamw", "lr", (double)TRAIN_LR, "beta1", (double)TRAIN_BETA1, "beta2",
        (double)TRAIN_BETA2, "eps", (double)TRAIN_EPS, "weight_decay", (double)TRAIN_WD));
    json_object_set_new(out, "fixed_batch", json_boolean(llmb_train_env_flag("LLMBENCH_TEST_FIXED_BATCH")));
}

/* 5c. Every rank's timeline and the replica checksums (rank 0). */
static void ranks_json(const struct train *t, const struct record *R, const struct timeline *tl,
                       json_t *out)
{
    int n = t->n, steps = R->steps;
    json_t *ranks = json_array();
    for (int r = 0; r < n; r++) {
        const double *X = R->all + (size_t)r * R->rec;
        const double *B = X + 4 * (size_t)steps + (size_t)steps * R->nc; /* starts, dones */
        json_array_append_new(ranks, json_pack("{s:i, s:o, s:o, s:o, s:o, s:o, s:f, s:o, s:o}",
            "rank", r, "compute_s", sarray(X, (size_t)steps),
            "comm_s", sarray(X + steps, (size_t)steps),
            "wait_s", sarray(tl->wait + (size_t)r * steps, (size_t)steps),
            "optimizer_s", sarray(X + 2 * steps, (size_t)steps),
            "total_s", sarray(X + 3 * steps, (size_t)steps),
            "last_frac", n > 1 ? (double)tl->last[r] / ((double)steps * R->nc) : 0.0,
            "bucket_start_s", step_matrix(B, steps, R->nc),
            "bucket_done_s", step_matrix(B + (size_t)steps * R->nc, steps, R->nc)));
    }
    json_object_set_new(out, "ranks", ranks);
    json_object_set_new(out, "loss", darray(R->losses + R->warm, (size_t)steps, 1));
    json_object_set_new(out, "loss_warmup", darray(R->losses, (size_t)R->warm, 1));
    json_t *vals = json_array(), *l2a = json_array();
    for (int r = 0; r < n; r++) {
        char hex[24];
        snprintf(hex, sizeof hex, "%016llx", (unsigned long long)R->sums[r]);
        json_array_append_new(vals, json_string(hex));
        json_array_append_new(l2a, json_real(R->l2s[r]));
    }
    json_object_set_new(out, "checksum", json_pack("{s:b, s:o, s:o, s:s}", "equal",
        R->differ == 0, "values", vals, "params_l2", l2a, "method",
        "FNV-1a 64 of the parameter bits after all steps"));
}

/* 5. Throughput, MFU and the timeline into the results, and the console summary (rank 0). */
void llmb_train_summarize(struct train *t, const struct llmb_model_config *cfg, struct record *R,
                      json_t *out)
{
    struct llmb_ctx *ctx = t->ctx;
    int n = t->n, steps = R->steps;
    struct timeline tl;
    timeline(t, R, &tl);
    struct llmb_summary sm, se;
    llmb_summarize(tl.step, (size_t)steps, &sm);
    llmb_summarize(tl.expo, (size_t)steps, &se);
    size_t bt = (size_t)cfg->batch * cfg->seq;
    double gtok = (double)bt * t->accum * n;
    /* FLOPs per global step in the conventions of doc/accounting.md */
    double fps = llmb_model_flops_per_token(cfg) * gtok;             /* PaLM */
    double lfps = llmb_model_flops_per_token_llmc(cfg) * gtok;       /* llm.c */
    double hfps = llmb_model_hardware_flops_per_token(cfg, LLMB_RECOMPUTE_NONE) * gtok;
    double xfps = llmb_plan_executed_flops(&t->g.plan) * t->accum * n;
    double pn = compute_peak(ctx, "nominal_peak_gflops");
    double pm = compute_peak(ctx, "measured_peak_gflops");
    double mfu_n = llmb_mfu(fps, n, pn, sm.median), mfu_m = llmb_mfu(fps, n, pm, sm.median);
    double hidden = R->alone > 0 ? 1.0 - se.median / R->alone : 0;
    hidden = hidden < 0 ? 0 : hidden > 1 ? 1 : hidden;

    config_json(t, cfg, out);
    json_object_set_new(out, "warmup_steps", json_integer(R->warm));
    json_object_set_new(out, "timed_steps", json_integer(steps));
    json_object_set_new(out, "step_time", llmb_summary_json(&sm, "s"));
    json_object_set_new(out, "step_time_samples_s", sarray(tl.step, (size_t)steps));
    json_object_set_new(out, "tokens_per_s", json_real(gtok / sm.median));
    json_object_set_new(out, "flops_per_step", json_real(fps));
    json_object_set_new(out, "flops_per_step_llmc", json_real(lfps));
    json_object_set_new(out, "recompute", json_string(llmb_recompute_name(LLMB_RECOMPUTE_NONE)));
    json_object_set_new(out, "hardware_flops_per_step", json_real(hfps));
    json_object_set_new(out, "executed_flops_per_step", json_real(xfps));
    json_object_set_new(out, "peak_precision", json_string(t->k->precision ? t->k->precision
                                                                          : "fp32"));
    json_object_set_new(out, "peak_nominal_gflops", num_or_null(pn, pn > 0));
    json_object_set_new(out, "peak_measured_gflops", num_or_null(pm, pm > 0));
    /* utilizations: FLOPs of one convention / (ranks x peak x median step) */
    static const char *const uname[] = {"mfu", "mfu_llmc", "hardware_fu", "executed_fu"};
    const double uflops[] = {fps, lfps, hfps, xfps};
    for (int u = 0; u < 4; u++) {
        char key[40];
        snprintf(key, sizeof key, "%s_nominal", uname[u]);
        json_object_set_new(out, key, num_or_null(llmb_mfu(uflops[u], n, pn, sm.median), pn > 0));
        snprintf(key, sizeof key, "%s_measured", uname[u]);
        json_object_set_new(out, key, num_or_null(llmb_mfu(uflops[u], n, pm, sm.median), pm > 0));
    }
    json_object_set_new(out, "comm_alone_s", num_or_null(R->alone, n > 1));
    json_object_set_new(out, "exposed_comm", llmb_summary_json(&se, "s"));
    json_object_set_new(out, "overlap_hidden_frac", num_or_null(hidden, n > 1 && R->alone > 0));
    json_object_set_new(out, "clock", R->clk);
    R->clk = NULL;
    ranks_json(t, R, &tl, out);

    char mn[48] = "n/a", mm[48] = "n/a";
    if (pn > 0)
        snprintf(mn, sizeof mn, "%.1f%%", 100 * mfu_n);
    if (pm > 0)
        snprintf(mm, sizeof mm, "%.1f%%", 100 * mfu_m);
    llmb_say(ctx, "train: %s (%d layers) %s%s, %d ranks x %zu tokens x %d accum = %.0f "
             "tokens/step\n", cfg->name, cfg->layers, t->zero ? "zero" : "dp",
             t->overlap ? " overlap" : " no-overlap", n, bt, t->accum, gtok);
    llmb_say(ctx, "train: %.0f tokens/s, step %.4f s (p10 %.4f, p90 %.4f), MFU %s nominal / "
             "%s measured %s peak, loss %.4f -> %.4f, replicas %s\n", gtok / sm.median,
             sm.median, sm.p10, sm.p90, mn, mm, t->k->precision ? t->k->precision : "fp32",
             R->losses[0], R->losses[R->total - 1],
             R->differ ? "DIFFER" : "identical");
    timeline_free(&tl);
}
