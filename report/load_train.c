/* The train phase of a results file (doc/results-schema.md, phases.train): the workload, the
 * gradient buckets, each rank's per-step timers, and their consistency: every rank has the
 * steps of step_time_samples_s, and each step sample is its slowest rank's total_s.  Part of the
 * loader (report/load.h). */
#include "load.h"

#include "error.h"
#include "metrics.h"
#include "model.h"
#include "results.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- train */
/* The workload: model shape, batch, mode, throughput figures, overlap, step times. */
static int load_train_workload(struct rr_ld_ctx *c, json_t *ph)
{
    struct rr_run *run = c->run;
    const char *f = c->file;
    const char *P = "phases.train";
    json_t *m;
    if (rr_ld_object(f, P, ph, "model", &m) < 0)
        return -1;
    if (m) {
        const char *M = "phases.train.model";
        if (rr_ld_str(f, M, m, "preset", 0, run->model, sizeof run->model) < 0 ||
            rr_ld_int(f, M, m, "layers", 1, 1e6, 0, &run->layers) < 0 ||
            rr_ld_int(f, M, m, "d_model", 1, 1e7, 0, &run->d_model) < 0 ||
            rr_ld_int(f, M, m, "heads", 1, 1e6, 0, &run->heads) < 0)
            return -1;
    }
    if (rr_ld_int(f, P, ph, "batch", 1, 1e9, 0, &run->batch) < 0 ||
        rr_ld_int(f, P, ph, "seq", 1, 1e9, 0, &run->seq) < 0 ||
        rr_ld_int(f, P, ph, "accum", 1, 1e9, 0, &run->accum) < 0 ||
        rr_ld_str(f, P, ph, "mode", 0, run->mode, sizeof run->mode) < 0 ||
        rr_ld_num(f, P, ph, "global_batch_tokens", 0, 1e18, &run->global_batch_tokens) < 0 ||
        rr_ld_num(f, P, ph, "flops_per_step", 0, MAX_FLOPS, &run->flops_per_step) < 0 ||
        rr_ld_num(f, P, ph, "flops_per_step_llmc", 0, MAX_FLOPS, &run->flops_per_step_llmc) < 0 ||
        rr_ld_num(f, P, ph, "hardware_flops_per_step", 0, MAX_FLOPS,
                  &run->hardware_flops_per_step) < 0 ||
        rr_ld_str(f, P, ph, "peak_precision", 0, run->precision, sizeof run->precision) < 0 ||
        rr_ld_num(f, P, ph, "tokens_per_s", 0, 1e18, &run->tokens_per_s) < 0 ||
        rr_ld_num(f, P, ph, "peak_nominal_gflops", 0, MAX_GFLOPS, &run->peak_nominal_train) < 0 ||
        rr_ld_num(f, P, ph, "peak_measured_gflops", 0, MAX_GFLOPS, &run->peak_measured_train) < 0 ||
        rr_ld_num(f, P, ph, "overlap_hidden_frac", 0, 1, &run->hidden_frac) < 0 ||
        rr_ld_num(f, P, ph, "comm_alone_s", 0, MAX_TIME_S, &run->comm_alone_s) < 0)
        return -1;
    if (run->precision[0] && strcmp(run->precision, "fp32") && strcmp(run->precision, "tf32") &&
        strcmp(run->precision, "bf16") && strcmp(run->precision, "fp16"))
        return llmb_results_error(f, "phases.train.peak_precision", "'%s': expected fp32, tf32, "
                                  "bf16 or fp16", run->precision);
    /* files before these fields: no run recomputed activations; llm.c's count from the model */
    if (isnan(run->hardware_flops_per_step))
        run->hardware_flops_per_step = run->flops_per_step;
    struct llmb_model_config mc;
    if (isnan(run->flops_per_step_llmc) && run->global_batch_tokens > 0 && run->layers > 0 &&
        llmb_model_find(run->model) &&
        llmb_model_config_init(&mc, run->model, run->layers, run->batch, run->seq) == 0)
        run->flops_per_step_llmc = llmb_model_flops_per_token_llmc(&mc) *
                                   run->global_batch_tokens;
    json_t *ov = json_object_get(ph, "overlap");
    if (ov && !json_is_null(ov)) {
        if (!json_is_boolean(ov))
            return llmb_results_error(f, "phases.train.overlap", "expected a boolean");
        run->overlap = json_is_true(ov);
    }
    if (run->comm_alone_s > 0 && run->comm_alone_s < MIN_STEP_S) /* bytes / it: not a rate */
        return llmb_results_error(f, "phases.train.comm_alone_s", "%g s: expected 0 or at least "
                                  "%g s (the clock's resolution)", run->comm_alone_s, MIN_STEP_S);
    if (llmb_jnum_array(f, P, ph, "step_time_samples_s", MIN_STEP_S, MAX_TIME_S, 1, &run->steps,
                        &run->nsteps) != 0)
        return -1;
    if (run->nsteps == 0)
        return llmb_results_error(f, "phases.train.step_time_samples_s",
                                  "expected at least one step time, found an empty array");
    return 0;
}

/* The gradient buckets of one step: size, group (its tier), collective (by default allreduce,
 * or with mode zero a reduce-scatter and an allgather). */
static int load_train_buckets(struct rr_ld_ctx *c, json_t *ph)
{
    struct rr_run *run = c->run;
    const char *f = c->file;
    char p[512], q[1100];
    json_t *b;
    if (rr_ld_array(f, "phases.train", ph, "buckets", &b) < 0)
        return -1;
    size_t nb = b ? json_array_size(b) : 0;
    if (nb > RR_MAX_BUCKETS)
        return llmb_results_error(f, "phases.train.buckets", "%zu buckets: expected at most %d",
                                  nb, RR_MAX_BUCKETS);
    int zero = strcmp(run->mode, "zero") == 0;
    run->buckets = calloc(nb ? 2 * nb : 1, sizeof *run->buckets);
    if (!run->buckets)
        return llmb_error("out of memory");
    for (size_t i = 0; i < nb; i++) {
        json_t *e = rr_ld_elem(f, "phases.train.buckets", b, i, p, sizeof p);
        struct rr_bucket bk = {0};
        char coll[24] = "";
        if (!e || llmb_jnum(f, p, e, "bytes", 0, MAX_BYTES, 1, &bk.bytes) != 0 ||
            rr_ld_str(f, p, e, "group", 0, bk.group, sizeof bk.group) < 0 ||
            rr_ld_str(f, p, e, "collective", 0, coll, sizeof coll) < 0)
            return -1;
        if (!bk.group[0])
            strcpy(bk.group, "world");
        if (strcmp(bk.group, "world") && strcmp(bk.group, "intra") && strcmp(bk.group, "inter"))
            return llmb_results_error(f, llmb_jpath_key(q, sizeof q, p, "group"),
                                      "expected world, intra or inter; found \"%s\"", bk.group);
        bk.tier = strcmp(bk.group, "intra") == 0 ? RR_INTRA
                  : strcmp(bk.group, "inter") == 0 ? RR_INTER
                  : run->nnodes > 1 ? RR_INTER : RR_INTRA;
        if (coll[0]) {
            bk.coll = llmb_coll_from_name(coll);
            if (bk.coll < 0)
                return llmb_results_error(f, llmb_jpath_key(q, sizeof q, p, "collective"),
                                          "unknown collective \"%s\"", coll);
            run->buckets[run->nbuckets++] = bk;
        } else if (zero) { /* sharded: reduce-scatter the gradients, all-gather the weights */
            bk.coll = LLMB_COLL_REDUCE_SCATTER;
            run->buckets[run->nbuckets++] = bk;
            bk.coll = LLMB_COLL_ALLGATHER;
            run->buckets[run->nbuckets++] = bk;
        } else {
            bk.coll = LLMB_COLL_ALLREDUCE;
            run->buckets[run->nbuckets++] = bk;
        }
    }
    return 0;
}

/* One entry of phases.train.ranks[]: its per-step timers (compute_s and total_s required, the
 * others optional, all of the same length) and last_frac. */
/* bucket_start_s / bucket_done_s of one rank: [steps][collectives] of numbers or nulls, into
 * *out (nsteps x *nc).  Absent or null: *out stays NULL. */
static int bucket_times(const char *f, const char *p, json_t *e, const char *key, size_t nsteps,
                        size_t *nc, double **out)
{
    char q[1100], k[1200], m[1300];
    json_t *a;
    if (rr_ld_array(f, p, e, key, &a) < 0)
        return -1;
    if (!a)
        return 0;
    llmb_jpath_key(q, sizeof q, p, key);
    if (json_array_size(a) != nsteps)
        return llmb_results_error(f, q, "expected %zu steps (as compute_s), found %zu", nsteps,
                                  json_array_size(a));
    for (size_t s = 0; s < nsteps; s++) {
        json_t *row = json_array_get(a, s);
        llmb_jpath_index(k, sizeof k, q, s);
        if (!json_is_array(row) || (s > 0 && json_array_size(row) != *nc) ||
            json_array_size(row) > 2 * RR_MAX_BUCKETS)
            return llmb_results_error(f, k, "expected an array of %zu numbers or nulls",
                                      s > 0 ? *nc : json_array_size(row));
        if (s == 0) {
            *nc = json_array_size(row);
            size_t cells = nsteps * *nc;
            if (!(*out = malloc((cells ? cells : 1) * sizeof **out)))
                return llmb_error("out of memory");
        }
        for (size_t b = 0; b < *nc; b++) {
            json_t *v = json_array_get(row, b);
            double x = json_is_null(v) ? NAN : json_is_number(v) ? json_number_value(v) : -1;
            if (!json_is_null(v) && !(x >= 0 && x <= MAX_TIME_S))
                return llmb_results_error(f, llmb_jpath_index(m, sizeof m, k, b),
                                          "expected null or a time in [0, %g] s", MAX_TIME_S);
            (*out)[s * *nc + b] = x;
        }
    }
    return 0;
}

static int load_train_rank(struct rr_ld_ctx *c, const char *p, json_t *e, struct rr_rank *rk)
{
    static const char *const keys[5] = {"compute_s", "comm_s", "wait_s", "optimizer_s",
                                        "total_s"};
    const char *f = c->file;
    char q[1100];
    double **dst[5] = {&rk->compute, &rk->comm, &rk->wait, &rk->opt, &rk->total};
    size_t len[5];
    for (int j = 0; j < 5; j++) {
        int rc = llmb_jnum_array(f, p, e, keys[j], 0, MAX_TIME_S, j == 0 || j == 4, dst[j],
                                 &len[j]);
        if (rc < 0)
            return -1;
        if (rc == 1)
            len[j] = (size_t)-1;
    }
    rk->nsteps = len[0];
    for (int j = 1; j < 5; j++)
        if (len[j] != (size_t)-1 && len[j] != len[0])
            return llmb_results_error(f, llmb_jpath_key(q, sizeof q, p, keys[j]),
                                      "expected %zu samples (as compute_s), found %zu", len[0],
                                      len[j]);
    if (len[0] == 0)
        return llmb_results_error(f, llmb_jpath_key(q, sizeof q, p, "compute_s"),
                                  "expected at least one step, found an empty array");
    size_t n1 = 0, n2 = 0;
    if (bucket_times(f, p, e, "bucket_start_s", rk->nsteps, &n1, &rk->bk_start) < 0 ||
        bucket_times(f, p, e, "bucket_done_s", rk->nsteps, &n2, &rk->bk_done) < 0)
        return -1;
    if (rk->bk_start && rk->bk_done && n1 != n2)
        return llmb_results_error(f, llmb_jpath_key(q, sizeof q, p, "bucket_done_s"),
                                  "expected %zu collectives per step (as bucket_start_s), found "
                                  "%zu", n1, n2);
    if (!rk->bk_start || !rk->bk_done) { /* one without the other says nothing */
        free(rk->bk_start), free(rk->bk_done);
        rk->bk_start = rk->bk_done = NULL;
    }
    rk->bk_n = rk->bk_start ? n1 : 0;
    return rr_ld_num(f, p, e, "last_frac", 0, 1, &rk->last_frac);
}

/* Each rank's timers against the run's steps: as many steps as step_time_samples_s, a total_s
 * of at least the clock's resolution; and step sample s is the slowest rank's total_s of step s
 * (the driver writes exactly that) within STEP_TOL_REL + STEP_TOL_ABS: a step shorter than its
 * slowest rank, or longer than every rank, is not a measurement.  0, or -1 after one line. */
static const char *rank_path(const struct rr_ld_ctx *c, int r, const char *key, char *p,
                             size_t len)
{
    json_t *a = json_object_get(json_object_get(json_object_get(c->run->doc, "phases"), "train"),
                                "ranks");
    size_t i = 0;
    while (i < json_array_size(a) &&
           json_number_value(json_object_get(json_array_get(a, i), "rank")) != r)
        i++;
    snprintf(p, len, "phases.train.ranks[%zu].%s", i, key);
    return p;
}

static int check_steps(struct rr_ld_ctx *c)
{
    const struct rr_run *run = c->run;
    char p[256];
    for (int r = 0; r < run->nranks; r++) {
        const struct rr_rank *rk = &run->ranks[r];
        if (rk->nsteps != run->nsteps)
            return llmb_results_error(c->file, rank_path(c, r, "total_s", p, sizeof p),
                                      "%zu steps, but step_time_samples_s has %zu: every rank "
                                      "times the same steps", rk->nsteps, run->nsteps);
        for (size_t s = 0; s < rk->nsteps; s++)
            if (rk->total[s] < MIN_STEP_S)
                return llmb_results_error(c->file, rank_path(c, r, "total_s", p, sizeof p),
                                          "step %zu: %g s, expected at least %g s (a step takes "
                                          "time)", s, rk->total[s], MIN_STEP_S);
    }
    for (size_t s = 0; s < run->nsteps; s++) {
        int slow = 0;
        for (int r = 1; r < run->nranks; r++)
            if (run->ranks[r].total[s] > run->ranks[slow].total[s])
                slow = r;
        double m = run->ranks[slow].total[s], x = run->steps[s];
        double tol = STEP_TOL_REL * m + STEP_TOL_ABS;
        if (run->nranks > 0 && fabs(x - m) > tol) {
            llmb_jpath_index(p, sizeof p, "phases.train.step_time_samples_s", s);
            return llmb_results_error(c->file, p, "%g s, but the slowest rank's total_s of that "
                                      "step is %g s (rank %d): a step time is the slowest rank's "
                                      "total_s (within %g%% + %g s)", x, m, slow,
                                      100 * STEP_TOL_REL, STEP_TOL_ABS);
        }
    }
    return 0;
}

int rr_ld_train(struct rr_ld_ctx *c, json_t *ph)
{
    if (load_train_workload(c, ph) < 0 || load_train_buckets(c, ph) < 0)
        return -1;
    int bad = 0;
    json_t *a = llmb_jget(c->file, "phases.train", ph, "ranks", JSON_ARRAY, 1, &bad);
    if (!a || rr_ld_for_each_rank(c, "phases.train.ranks", a, 1, load_train_rank) < 0)
        return -1;
    return check_steps(c);
}

