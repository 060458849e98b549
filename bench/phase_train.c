/* bench/phase_train.c - the train phase: data-parallel (or ZeRO-style sharded) training steps
 * of a GPT model on every rank, with gradient reduction in buckets overlapped with the backward
 * pass.  Reports global tokens/s, step time, MFU and a per-rank step timeline (compute,
 * communication, waiting for the last arrival, optimizer); checks that every replica ends with
 * bit-identical parameters.  Method: doc/design.md, "Metric definitions"; results: phases.train in
 * doc/results-schema.md.
 *
 * Every rank builds the same model (the same parameter seed), trains on its own synthetic
 * micro-batches (seeded per rank and step, reproducible) and averages gradients across the ranks
 * in buckets: contiguous slices of the flat gradient buffer, cut from its end, because the
 * backward pass finishes gradients from the end of the buffer (final norm / LM head, layer L-1,
 * ..., layer 0, embeddings).
 *
 *   dp    one non-blocking allreduce per bucket, then every rank applies AdamW to all
 *         parameters
 *   zero  one non-blocking reduce-scatter per bucket (each rank owns one chunk of every bucket;
 *         chunk sizes differ by at most one float, so no padding is needed), AdamW on the owned
 *         chunks (whose moments alone the rank keeps: llmb_gpt_set_shard), one non-blocking
 *         allgather of the parameters per bucket
 * The collectives are the registry's (coll/coll.h) for the run's backend (ctx->be): with the
 * MPI backend MPI_Iallreduce, MPI_Ireduce_scatter and MPI_Iallgatherv.  Every buffer is in the
 * backend's memory and is touched only through its kernels (copy, scale, AdamW) or staged
 * through to_host / to_device.
 *
 * Overlap (default): a bucket's collective starts from the grad-ready callback as soon as its
 * last gradient is final, and every callback (one per layer) tests the started ones (the
 * backend's test: MPI_Testall) so that they progress during the backward pass.  --no-overlap starts the very same
 * non-blocking collectives, with the same buckets in the same order, after the backward pass:
 * the two modes reduce identically and give bit-identical parameters.
 *
 * Timeline per rank and step (local clock, seconds): compute = forward + backward minus the
 * time spent inside MPI calls from the callbacks; comm = time inside MPI calls (starting,
 * testing, waiting); optimizer = gradient scaling + AdamW; total = the whole step.  Every
 * collective's arrival (the moment the rank starts it) is recorded on a common clock; a rank's
 * wait = last arrival - own arrival, summed over the step's collectives, at most its comm time
 * (collectives in flight together share one lag).  Steps are not
 * separated by barriers: the harness adds nothing to the step.
 *
 * Test-only environment (never for measurements; recorded in the results):
 *   LLMBENCH_TEST_FIXED_BATCH=1      every step trains on the same batch (per rank), so the
 *                                    loss must fall; normal runs draw a fresh batch per step
 *   LLMBENCH_TEST_DUMP_PARAMS=PATH   rank 0 writes the final parameters there (raw float32,
 *                                    host byte order) for tests that compare two runs
 *   LLMBENCH_TEST_CORRUPT_RANK=R     rank R changes one parameter after the last step, so the
 *                                    replica check must fail (exit 1, rank R named)
 */
#include "config.h"

#include <math.h>
#include <stdio.h>

#include "cluster/machine.h"
#include "error.h"
#include "train.h"
#include "util.h"

static double now_s(void) { return llmb_now_s(); }

/* ---- memory estimate (before any allocation) ---- */

static const char *gb(double bytes, char *buf, size_t len)
{
    if (bytes >= 1e12)
        snprintf(buf, len, "%.3g TB", bytes / 1e12);
    else
        snprintf(buf, len, "%.3g GB", bytes / 1e9);
    return buf;
}

/* Refuse a model that will not fit: the same verdict on every rank.  Returns 0 or
 * LLMB_EINPUT (one line printed by each failing node's first rank). */
static int check_memory(struct train *t, const struct llmb_model_config *cfg, json_t *out)
{
    struct llmb_ctx *ctx = t->ctx;
    struct llmb_model_memory m;
    struct llmb_model_params p;
    llmb_model_memory(cfg, &m);
    llmb_model_count(cfg, &p);
    double acts = 4.0 * (double)llmb_gpt_activation_floats(cfg);
    double tokens = 4.0 * (double)t->accum * ((double)cfg->batch * cfg->seq + 1) * 2;
    /* zero: the reduce-scatter output, and the AdamW moments of the owned chunks only
     * (llmb_gpt_set_shard): 1/ranks of the model each (+ at most one float per bucket) */
    int shards = t->zero ? t->n : 1;
    double shard = t->zero ? 4.0 * (double)p.total / t->n : 0;
    double optim = m.adamw_bytes / shards;
    double per_rank = m.weights_bytes + m.grads_bytes + optim + acts + tokens + shard;
    double avail = 0;
    if (ctx->node_rank == 0)
        avail = llmb_mem_available_bytes();
    MPI_Bcast(&avail, 1, MPI_DOUBLE, 0, ctx->node);
    double need = per_rank * ctx->node_size;
    int bad = avail > 0 && need > avail, any = 0;
    MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, t->comm);
    json_object_set_new(out, "memory", json_pack("{s:I, s:I, s:I, s:i, s:I, s:I, s:I, s:i, s:I}",
        "weights_bytes", (json_int_t)m.weights_bytes, "grads_bytes", (json_int_t)m.grads_bytes,
        "optimizer_bytes", (json_int_t)optim, "optimizer_shards", shards,
        "grad_shard_bytes", (json_int_t)shard, "activations_bytes", (json_int_t)acts,
        "per_rank_bytes", (json_int_t)per_rank, "ranks_on_node", ctx->node_size,
        "mem_available_bytes", (json_int_t)avail));
    if (!any)
        return 0;
    if (bad && ctx->node_rank == 0) {
        char a[32], b[32], c[32], d[32], e[32], f[32], h[32];
        llmb_error("train: model %s (layers %d, batch %d, seq %d, accum %d) does not fit: "
                   "%s per rank (weights %s, gradients %s, optimizer state %s%s, "
                   "activations %s) x %d ranks on %s = %s, but MemAvailable is %s; use a smaller --model, "
                   "--layers, --batch or --seq",
                   cfg->name, cfg->layers, cfg->batch, cfg->seq, t->accum,
                   gb(per_rank, a, sizeof a), gb(m.weights_bytes, b, sizeof b),
                   gb(m.grads_bytes, c, sizeof c), gb(optim, d, sizeof d),
                   t->zero ? " (sharded)" : "", gb(acts, e, sizeof e), ctx->node_size,
                   ctx->host, gb(need, f, sizeof f), gb(avail, h, sizeof h));
    }
    if (ctx->rank == 0)
        json_object_set_new(out, "error", json_string("model does not fit in memory"));
    return LLMB_EINPUT;
}


/* ---- the step ---- */

static uint64_t batch_seed(uint64_t seed, int rank, int step, int micro)
{
    uint64_t st = seed ^ 0x747261696e2d6461ULL; /* "train-da" */
    uint64_t h = llmb_splitmix64(&st);
    st = h ^ ((uint64_t)(unsigned)rank << 40) ^ ((uint64_t)(unsigned)step << 12) ^
         (uint64_t)(unsigned)micro;
    llmb_splitmix64(&st);
    return llmb_splitmix64(&st);
}

struct step_times {
    double compute, comm, opt, total, loss;
};

/* One training step (t_adam >= 1 is the AdamW step).  tokens: accum micro-batches of
 * B*T + 1 tokens each. */
static int train_step(struct train *t, const int *tokens, int t_adam, struct step_times *st)
{
    struct llmb_gpt *g = &t->g;
    size_t bt = (size_t)g->B * g->T;
    t->comm_s = t->comm_cb_s = 0;
    double t0 = now_s();
    t->step_t0 = t0;
    for (int c = 0; c < t->ncoll; c++)
        t->bstart[c] = t->bdone[c] = -1;
    llmb_gpt_zero_grad(g);
    double loss = 0;
    for (int m = 0; m < t->accum; m++) {
        const int *tok = tokens + (size_t)m * (bt + 1);
        llmb_gpt_set_batch(g, tok, tok + 1);
        loss += llmb_gpt_forward(g);
        t->ready_lo = g->num_params;
        t->started = 0;
        t->reducing = t->overlap && m == t->accum - 1;
        if (llmb_gpt_backward(g, llmb_train_on_grad_ready, t) != 0)
            return -1;
        if (t->ready_lo != 0)
            t->order_bad = 1;
    }
    g->k->sync();
    double t1 = now_s();
    llmb_train_reduce_finish(t, g->grads);
    double t2 = now_s();
    t->comm_s += t2 - t1;

    float s = 1.0f / ((float)t->n * (float)t->accum);
    if (!t->zero) {
        t->k->scale(g->grads, g->num_params, s);
        if (llmb_gpt_update(g, TRAIN_LR, TRAIN_BETA1, TRAIN_BETA2, TRAIN_EPS, TRAIN_WD, t_adam, 0,
                            g->num_params) != 0)
            return -1;
    } else {
        for (int i = 0; i < t->nb; i++) {
            const struct llmb_bucket *b = &t->b[i];
            size_t off = b->off + (size_t)b->displs[t->rank], cnt = (size_t)b->counts[t->rank];
            t->k->copy(g->grads + off, t->shard + b->shard_off, cnt);
            t->k->scale(g->grads + off, cnt, s);
            if (llmb_gpt_update(g, TRAIN_LR, TRAIN_BETA1, TRAIN_BETA2, TRAIN_EPS, TRAIN_WD, t_adam,
                                off, cnt) != 0)
                return -1;
        }
    }
    g->k->sync();
    double t3 = now_s();
    if (t->zero) {
        llmb_train_allgather_all(t, g->params);
        t->comm_s += now_s() - t3;
    }
    double t4 = now_s();
    st->compute = (t1 - t0) - t->comm_cb_s;
    st->comm = t->comm_s;
    st->opt = t3 - t2;
    st->total = t4 - t0;
    st->loss = loss / t->accum;
    return 0;
}

/* 1. The model, buckets, moments and collectives on every rank; every rank agrees.  Returns
 * 0, LLMB_EINPUT (does not fit), or LLMB_EFAIL. */
static int setup(struct train *t, const struct llmb_model_config *cfg, int **tokens, json_t *out)
{
    struct llmb_ctx *ctx = t->ctx;
    const struct llmb_options *opt = ctx->opt;
    int rc = check_memory(t, cfg, out);
    if (rc)
        return rc;
    const char *cb = t->be->coll->name;
    t->reduce = llmb_coll_find(t->zero ? LLMB_COLL_REDUCE_SCATTER : LLMB_COLL_ALLREDUCE, cb);
    t->gather = llmb_coll_find(LLMB_COLL_ALLGATHER, cb);
    int ok = t->reduce && t->reduce->start && (!t->zero || (t->gather && t->gather->start));
    if (!ok && ctx->rank == 0)
        llmb_error("train: backend %s has no non-blocking %s", cb, t->zero ?
                   "reduce_scatter or allgather" : "allreduce");
    ok = ok && llmb_gpt_init(&t->g, cfg, t->k, opt->seed) == 0;
    t->have_model = ok;
    size_t bt = (size_t)cfg->batch * cfg->seq;
    if (ok) {
        *tokens = malloc((size_t)t->accum * (bt + 1) * sizeof **tokens);
        ok = *tokens && llmb_train_make_buckets(t, opt->bucket_bytes) == 0;
    }
    /* allocate the AdamW moments now, not in the first timed step: zero keeps them only for
     * this rank's chunks (one per bucket), dp for the whole model */
    if (ok)
        ok = (t->zero ? llmb_train_set_shard(t)
                      : llmb_gpt_update(&t->g, TRAIN_LR, TRAIN_BETA1, TRAIN_BETA2, TRAIN_EPS,
                                        TRAIN_WD, 1, 0, 0)) == 0;
    int all_ok = 0;
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, t->comm);
    if (!all_ok) {
        if (ctx->rank == 0)
            llmb_error("train: could not set up model %s on every rank (see above)", cfg->name);
        return LLMB_EFAIL;
    }
    if (llmb_coll_comm_open(t->be->coll, t->comm, &t->cc) != 0)
        llmb_abort(LLMB_EFAIL, "train: cannot open the world communicator of backend %s", cb);
    if (llmb_clock_sync(t->comm, ctx->node, CLOCK_ROUNDS, &t->clock) != 0)
        llmb_abort(LLMB_EFAIL, "train: common clock synchronisation failed");
    return 0;
}

/* 2. The reduction path checked before anything is timed.  0 or LLMB_EFAIL. */
static int verify(struct train *t, json_t *out)
{
    long long wrong = llmb_train_verify_reduction(t), wrong_all = 0;
    MPI_Allreduce(&wrong, &wrong_all, 1, MPI_LONG_LONG, MPI_SUM, t->comm);
    if (!wrong_all)
        return 0;
    if (t->ctx->rank == 0) {
        t->ctx->wrong += wrong_all;
        llmb_error("train: gradient reduction check failed: %lld wrong elements", wrong_all);
        json_object_set_new(out, "reduction_wrong", json_integer(wrong_all));
    }
    return LLMB_EFAIL;
}

/* 3. Warm-up and timed steps; fills this rank's record. */
static void run_steps(struct train *t, const struct llmb_model_config *cfg, int *tokens,
                      struct record *R)
{
    const struct llmb_options *opt = t->ctx->opt;
    int fixed = llmb_train_env_flag("LLMBENCH_TEST_FIXED_BATCH");
    size_t bt = (size_t)cfg->batch * cfg->seq;
    int steps = R->steps;
    for (int s = 0; s < R->total; s++) {
        int timed = s - R->warm;
        for (int m = 0; m < t->accum; m++)
            llmb_synthetic_tokens(tokens + (size_t)m * (bt + 1), bt + 1, cfg->vocab,
                                  batch_seed(opt->seed, t->rank, fixed ? 0 : s, m));
        struct step_times st;
        if (train_step(t, tokens, s + 1, &st) != 0)
            llmb_abort(LLMB_EFAIL, "train: step %d failed", s + 1);
        R->losses[s] = st.loss;
        if (timed >= 0) {
            R->loc[timed] = st.compute;
            R->loc[steps + timed] = st.comm;
            R->loc[2 * steps + timed] = st.opt;
            R->loc[3 * steps + timed] = st.total;
            size_t nc = (size_t)t->ncoll, at = (size_t)timed * nc;
            double *arr = R->loc + 4 * (size_t)steps;
            memcpy(arr + at, t->arrive, nc * sizeof(double));
            memcpy(arr + (size_t)steps * nc + at, t->bstart, nc * sizeof(double));
            memcpy(arr + 2 * (size_t)steps * nc + at, t->bdone, nc * sizeof(double));
        }
        char what[96];
        snprintf(what, sizeof what, "%s step %d  loss %.4f  %.3f s", timed < 0 ? "warm-up" : "timed",
                 timed < 0 ? s + 1 : timed + 1, st.loss, st.total);
        llmb_progress(t->ctx, "train", s + 1, R->total, what);
    }
}

/* 4. Gather the records, checksums and norms to rank 0; the replicas must be identical (rank 0
 * names the ones that are not); one step's communication alone.  0 or LLMB_EFAIL. */
static int gather_and_check(struct train *t, struct record *R)
{
    struct llmb_ctx *ctx = t->ctx;
    const char *dump = getenv("LLMBENCH_TEST_DUMP_PARAMS");
    const char *corrupt = getenv("LLMBENCH_TEST_CORRUPT_RANK");
    int rc = 0, order_bad = t->order_bad;
    MPI_Allreduce(&order_bad, &R->any_bad, 1, MPI_INT, MPI_MAX, t->comm);
    if (corrupt && *corrupt && atoi(corrupt) == t->rank) /* test-only: prove the check fires */
        llmb_train_corrupt_one_param(&t->g);
    uint64_t sum = llmb_gpt_checksum(&t->g);
    double l2 = llmb_train_params_l2(&t->g);
    if (ctx->rank == 0) {
        R->sums = malloc((size_t)t->n * sizeof *R->sums);
        R->l2s = malloc((size_t)t->n * sizeof *R->l2s);
        R->all = malloc((size_t)t->n * R->rec * sizeof *R->all);
        if (!R->sums || !R->l2s || !R->all)
            llmb_abort(LLMB_EFAIL, "train: out of memory gathering %d ranks", t->n);
    }
    MPI_Gather(&sum, 1, MPI_UINT64_T, R->sums, 1, MPI_UINT64_T, 0, t->comm);
    MPI_Gather(&l2, 1, MPI_DOUBLE, R->l2s, 1, MPI_DOUBLE, 0, t->comm);
    MPI_Gather(R->loc, (int)R->rec, MPI_DOUBLE, R->all, (int)R->rec, MPI_DOUBLE, 0, t->comm);
    if (ctx->rank == 0 && dump && *dump && llmb_train_dump_params(&t->g, dump) != 0)
        rc = LLMB_EFAIL;
    R->clk = llmb_clock_json(t->comm, CLOCK_ROUNDS, &t->clock, NULL);
    int steps = R->steps;
    R->alone = t->n > 1 ? llmb_train_comm_alone_s(t, steps < 3 ? 3 : steps > 10 ? 10 : steps) : 0;

    if (ctx->rank == 0) {
        char list[512] = "";
        size_t used = 0;
        for (int r = 1; r < t->n; r++)
            if (R->sums[r] != R->sums[0]) {
                R->differ++;
                if (used < sizeof list - 16)
                    used += (size_t)snprintf(list + used, sizeof list - used, "%s%d",
                                             R->differ > 1 ? ", " : "", r);
            }
        if (R->differ) {
            ctx->wrong += R->differ;
            llmb_error("train: parameters differ from rank 0's after %d steps on %d of %d "
                       "ranks (ranks %s): the replicas diverged", R->total, R->differ, t->n, list);
        }
        if (R->any_bad)
            llmb_error("train: gradient-ready callbacks did not cover the gradient buffer in "
                       "order: overlap results are not trustworthy");
    }
    MPI_Bcast(&R->differ, 1, MPI_INT, 0, t->comm);
    return R->differ || R->any_bad ? LLMB_EFAIL : rc;
}

int llmb_phase_train(struct llmb_ctx *ctx, json_t *out)
{
    const struct llmb_options *opt = ctx->opt;
    struct train T = {.ctx = ctx, .comm = ctx->world, .be = ctx->be, .k = ctx->be->k,
                      .n = ctx->size, .rank = ctx->rank, .zero = opt->zero,
                      .overlap = opt->overlap, .accum = opt->accum};
    struct train *t = &T;
    struct llmb_model_config cfg;
    struct record R = {.steps = opt->steps, .warm = opt->warmup,
                       .total = opt->steps + opt->warmup};
    int *tokens = NULL;

    if (llmb_model_config_init(&cfg, opt->model, opt->layers, opt->batch, opt->seq) != 0)
        return LLMB_EINPUT; /* the option parser refuses this first; every rank agrees */
    int rc = setup(t, &cfg, &tokens, out);
    if (!rc)
        rc = verify(t, out);
    if (!rc) {
        R.nc = t->ncoll;
        R.rec = (size_t)R.steps * (4 + 3 * (size_t)t->ncoll);
        R.loc = calloc(R.rec, sizeof *R.loc);
        R.losses = calloc((size_t)R.total, sizeof *R.losses);
        if (!R.loc || !R.losses)
            llmb_abort(LLMB_EFAIL, "train: out of memory for the step records");
        run_steps(t, &cfg, tokens, &R);
        rc = gather_and_check(t, &R);
        if (ctx->rank == 0)
            llmb_train_summarize(t, &cfg, &R, out);
    }
    json_decref(R.clk);
    free(R.sums);
    free(R.l2s);
    free(R.all);
    free(R.loc);
    free(R.losses);
    free(tokens);
    llmb_train_free_buckets(t);
    if (t->cc.mpi != MPI_COMM_NULL && t->cc.n > 0)
        llmb_coll_comm_close(t->be->coll, &t->cc);
    if (t->have_model)
        llmb_gpt_free(&t->g);
    return rc;
}
