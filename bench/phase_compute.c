/* bench/phase_compute.c - the `compute` phase: on every rank at the same time (iterations
 * separated by an untimed barrier, so a slow rank shows),
 *   - the nominal FP32 peak of the rank's PUs and how it was derived;
 *   - one large square GEMM (the measured peak) and a GEMM sweep at the model's real shapes
 *     (every projection: forward, backward-data, backward-weight);
 *   - a STREAM-triad-like memory bandwidth well beyond the last-level cache;
 *   - every kernel of one transformer layer, forward and backward, each validated against its
 *     naive reference before it is timed (relative L2 error <= LLMB_KERNEL_TOL, else it is
 *     not timed, counted in ctx->wrong, and the phase fails);
 *   - one whole training step of the model (forward + backward + AdamW) where memory allows:
 *     model FLOPs (PaLM) per second against the measured peak.
 * Per-rank results are gathered to rank 0 as JSON text. */
#ifdef HAVE_CONFIG_H
#include <config.h>
#endif

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "error.h"
#include "kernels/gpt.h"
#include "kernels/kernels.h"
#include "llmbench.h"
#include "model.h"
#include "stats.h"

/* --quick: micro-batch capped at this many tokens, model step with 1 layer */
#define QUICK_TOKENS 128

struct timing {
    int warmup, min_iters, max_iters;
    double budget_s;
};

/* Run fn: warm-up, then the same number of timed iterations on every rank (from the slowest
 * rank's warm-up estimate), each between barriers.  samples: caller frees.  Returns n. */
static int time_op(struct llmb_ctx *ctx, const struct timing *tm, void (*fn)(void *), void *arg,
                   double **samples)
{
    double est = 0;
    int w = tm->warmup > 0 ? tm->warmup : 1;
    for (int i = 0; i < w; i++) {
        double t0 = MPI_Wtime();
        fn(arg);
        double t = MPI_Wtime() - t0;
        est = i == 0 || t < est ? t : est;
    }
    MPI_Allreduce(MPI_IN_PLACE, &est, 1, MPI_DOUBLE, MPI_MAX, ctx->world);
    int n = est > 0 ? (int)ceil(tm->budget_s / est) : tm->max_iters;
    if (n < tm->min_iters)
        n = tm->min_iters;
    if (n > tm->max_iters)
        n = tm->max_iters;
    *samples = calloc((size_t)n, sizeof **samples);
    for (int i = 0; i < n; i++) {
        MPI_Barrier(ctx->world);
        double t0 = MPI_Wtime();
        fn(arg);
        double t = MPI_Wtime() - t0;
        if (*samples)
            (*samples)[i] = t;
    }
    return *samples ? n : 0;
}

static json_t *summary_json(const double *x, int n, struct llmb_summary *s)
{
    struct llmb_summary tmp;
    if (!s)
        s = &tmp;
    if (llmb_summarize(x, (size_t)n, s) != 0)
        memset(s, 0, sizeof *s);
    json_t *j = llmb_summary_json(s, "s");
    json_t *raw = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(raw, json_real(x[i]));
    json_object_set_new(j, "samples_s", raw);
    return j;
}

/* every rank agrees: 1 if any rank has flag set */
static int any_rank(struct llmb_ctx *ctx, int flag)
{
    MPI_Allreduce(MPI_IN_PLACE, &flag, 1, MPI_INT, MPI_MAX, ctx->world);
    return flag;
}

/* ---- nominal peak ---- */

static double read_first_double(const char *path)
{
    FILE *f = fopen(path, "r");
    double v = 0;
    if (f) {
        if (fscanf(f, "%lf", &v) != 1)
            v = 0;
        fclose(f);
    }
    return v;
}

/* max frequency in GHz and where it came from */
static double max_ghz(const char **src)
{
    double khz = read_first_double("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq");
    if (khz > 0) {
        *src = "cpuinfo_max_freq";
        return khz / 1e6;
    }
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    double mhz = 0, named = 0;
    while (f && fgets(line, sizeof line, f)) {
        char *at;
        if (!named && strncmp(line, "model name", 10) == 0 && (at = strstr(line, "@ ")))
            named = atof(at + 2); /* "... @ 2.60GHz" */
        if (!mhz && strncmp(line, "cpu MHz", 7) == 0 && (at = strchr(line, ':')))
            mhz = atof(at + 1);
    }
    if (f)
        fclose(f);
    if (named > 0) {
        *src = "model name (base clock)";
        return named;
    }
    *src = mhz > 0 ? "cpu MHz (current clock; no cpufreq max exposed)" : "unknown";
    return mhz / 1e3;
}

static int cpu_family(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256];
    int fam = 0;
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "cpu family", 10) == 0) {
            char *c = strchr(line, ':');
            fam = c ? atoi(c + 1) : 0;
            break;
        }
    if (f)
        fclose(f);
    return fam;
}

static double nominal_peak(int pus, char *deriv, size_t len)
{
    const char *src = "unknown", *isa = "SSE (4-wide add + mul)";
    double ghz = max_ghz(&src), fpc = 8; /* FP32 FLOP per cycle per PU */
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) {
        int amd = __builtin_cpu_is("amd"), fam = cpu_family();
        if (amd && fam == 0x19) { /* Zen 4: 512-bit ops on two 256-bit FMA pipes */
            fpc = 32;
            isa = "AVX-512 on Zen 4 (2 x 256-bit FMA pipes x 8 lanes x 2)";
        } else {
            fpc = 64;
            isa = "AVX-512 FMA (2 FMA units x 16 lanes x 2)";
        }
    } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        fpc = 32;
        isa = "AVX2 FMA (2 FMA units x 8 lanes x 2)";
    } else if (__builtin_cpu_supports("avx")) {
        fpc = 16;
        isa = "AVX (8-wide add + 8-wide mul)";
    }
#elif defined(__aarch64__)
    fpc = 16;
    isa = "NEON (2 x 128-bit FMA x 4 lanes x 2; SVE not counted)";
#endif
    double peak = pus * ghz * fpc;
    snprintf(deriv, len, "%d PUs x %.3f GHz (%s) x %.0f FP32 FLOP/cycle (%s) = %.1f GFLOP/s; "
             "SMT siblings share their core's FMA units",
             pus, ghz, src, fpc, isa, peak);
    return peak;
}

/* ---- operations timed ---- */

struct gemm_op {
    const struct llmb_kernels *k;
    int ta, tb, m, n, kk;
    float *A, *B, *C;
};

static void run_gemm(void *arg)
{
    struct gemm_op *g = arg;
    g->k->gemm(g->ta, g->tb, g->m, g->n, g->kk, 1.0f, g->A, g->ta ? g->m : g->kk, g->B,
               g->tb ? g->kk : g->n, 0.0f, g->C, g->n);
    g->k->sync();
}

struct triad_op {
    float *a, *b, *c;
    size_t n;
};

static void run_triad(void *arg)
{
    struct triad_op *t = arg;
    float *a = t->a;
    const float *b = t->b, *c = t->c;
    size_t n = t->n;
#pragma omp parallel for simd schedule(static)
    for (size_t i = 0; i < n; i++)
        a[i] = b[i] + 3.0f * c[i];
}

static void run_kernel(void *arg) { llmb_kernel_run_call(arg); }

struct step_op {
    struct llmb_gpt *g;
    int t;
};

static void run_step(void *arg)
{
    struct step_op *s = arg;
    llmb_gpt_zero_grad(s->g);
    llmb_gpt_forward(s->g);
    llmb_gpt_backward(s->g, NULL, NULL);
    llmb_gpt_update(s->g, 1e-4f, 0.9f, 0.95f, 1e-8f, 0.1f, ++s->t, 0, s->g->num_params);
    s->g->k->sync();
}

/* ---- the kernels of one layer ---- */

struct layer_kernel {
    char name[32];
    enum llmb_kernel_id id;
    int bwd;
    struct llmb_kshape s;
    double per_step;   /* step kernels: calls per step at this shape (AdamW: params / n) */
};

static int layer_kernels(const struct llmb_model_config *c, struct layer_kernel *lk)
{
    int B = c->batch, T = c->seq, N = B * T, C = c->d_model, n = 0, llama = c->llama;
    int Q = llmb_model_qkv_dim(c), F = c->d_ff, bias = !llama;
    struct llmb_kshape norm = {.N = N, .C = C};
    struct llmb_kshape att = {.B = B, .T = T, .NH = c->heads, .KVH = c->kv_heads,
                              .HD = c->head_dim};
    struct llmb_kshape res = {.n = (size_t)N * C};
    struct llmb_kshape mm_qkv = {.N = N, .C = C, .OC = Q, .bias = bias};
    struct llmb_kshape mm_out = {.N = N, .C = C, .OC = C, .bias = bias};
    struct llmb_kshape mm_fc = {.N = N, .C = C, .OC = llmb_model_fc_dim(c), .bias = bias};
    struct llmb_kshape mm_proj = {.N = N, .C = F, .OC = C, .bias = bias};
    struct llmb_kshape act = {.N = N, .F = F, .n = (size_t)N * F};
    enum llmb_kernel_id nk = llama ? LLMB_K_RMSNORM : LLMB_K_LAYERNORM;
    enum llmb_kernel_id ak = llama ? LLMB_K_SWIGLU : LLMB_K_GELU;
#define K(nm, kid, b, sh) (snprintf(lk[n].name, sizeof lk[n].name, "%s", nm), lk[n].id = (kid), \
                           lk[n].bwd = (b), lk[n].s = (sh), lk[n].per_step = 1.0, n++)
    /* forward, in execution order */
    K(llama ? "rmsnorm_1" : "ln_1", nk, 0, norm);
    K("qkv", LLMB_K_MATMUL, 0, mm_qkv);
    if (llama)
        K("rope", LLMB_K_ROPE, 0, att);
    K("attention", LLMB_K_ATTENTION, 0, att);
    K("attn_out", LLMB_K_MATMUL, 0, mm_out);
    K("residual_1", LLMB_K_RESIDUAL, 0, res);
    K(llama ? "rmsnorm_2" : "ln_2", nk, 0, norm);
    K(llama ? "gate_up" : "fc", LLMB_K_MATMUL, 0, mm_fc);
    K(llama ? "swiglu" : "gelu", ak, 0, act);
    K(llama ? "down" : "fc_proj", LLMB_K_MATMUL, 0, mm_proj);
    K("residual_2", LLMB_K_RESIDUAL, 0, res);
    /* backward, in execution order (a residual's backward is the identity: the model passes
     * the gradient on, no kernel runs) */
    K(llama ? "down" : "fc_proj", LLMB_K_MATMUL, 1, mm_proj);
    K(llama ? "swiglu" : "gelu", ak, 1, act);
    K(llama ? "gate_up" : "fc", LLMB_K_MATMUL, 1, mm_fc);
    K(llama ? "rmsnorm_2" : "ln_2", nk, 1, norm);
    K("attn_out", LLMB_K_MATMUL, 1, mm_out);
    K("attention", LLMB_K_ATTENTION, 1, att);
    if (llama)
        K("rope", LLMB_K_ROPE, 1, att);
    K("qkv", LLMB_K_MATMUL, 1, mm_qkv);
    K(llama ? "rmsnorm_1" : "ln_1", nk, 1, norm);
#undef K
    return n;
}

/* the kernels of a step outside the layers: embedding, final norm, LM head, softmax +
 * cross-entropy, AdamW (timed on at most 16 Mi parameters, counted params/n times) */
static int step_kernels(const struct llmb_model_config *c, struct layer_kernel *lk)
{
    int B = c->batch, T = c->seq, N = B * T, C = c->d_model, n = 0, llama = c->llama;
    struct llmb_model_params pc;
    llmb_model_count(c, &pc);
    size_t na = pc.total < ((size_t)1 << 24) ? pc.total : (size_t)1 << 24;
    struct llmb_kshape enc = {.B = B, .T = T, .C = C, .V = c->vocab, .pos = !llama};
    struct llmb_kshape norm = {.N = N, .C = C};
    struct llmb_kshape head = {.N = N, .C = C, .OC = c->vocab};
    struct llmb_kshape xent = {.N = N, .V = c->vocab};
    struct llmb_kshape adam = {.n = na};
    enum llmb_kernel_id nk = llama ? LLMB_K_RMSNORM : LLMB_K_LAYERNORM;
#define K(nm, kid, b, sh, ps) (snprintf(lk[n].name, sizeof lk[n].name, "%s", nm), \
                               lk[n].id = (kid), lk[n].bwd = (b), lk[n].s = (sh), \
                               lk[n].per_step = (ps), n++)
    K("embedding", LLMB_K_ENCODER, 0, enc, 1.0);
    K(llama ? "rmsnorm_f" : "ln_f", nk, 0, norm, 1.0);
    K("lm_head", LLMB_K_MATMUL, 0, head, 1.0);
    K("softmax_xent", LLMB_K_SOFTMAX_XENT, 0, xent, 1.0);
    K("softmax_xent", LLMB_K_SOFTMAX_XENT, 1, xent, 1.0);
    K("lm_head", LLMB_K_MATMUL, 1, head, 1.0);
    K(llama ? "rmsnorm_f" : "ln_f", nk, 1, norm, 1.0);
    K("embedding", LLMB_K_ENCODER, 1, enc, 1.0);
    K("adamw", LLMB_K_ADAMW, 0, adam, (double)pc.total / (double)na);
#undef K
    return n;
}

/* the same kernel at the same widths with few tokens, for the naive reference */
static struct llmb_kshape validation_shape(enum llmb_kernel_id id, struct llmb_kshape s)
{
    const double max_macs = 3e7;
    int tok = s.N ? s.N : s.B * s.T;
    int T = s.T < 32 ? s.T : 32;
    if (id == LLMB_K_ENCODER) { /* few tokens from a smaller vocabulary */
        s.B = 1;
        s.T = T;
        s.V = s.V < 1024 ? s.V : 1024;
        return s;
    }
    if (id == LLMB_K_ATTENTION || id == LLMB_K_ROPE) {
        s.B = 1;
        s.T = T;
        s.N = 0;
        return s;
    }
    if (id == LLMB_K_MATMUL || id == LLMB_K_GEMM) {
        double per_row = (double)s.C * s.OC * (id == LLMB_K_MATMUL ? 3 : 1);
        int rows = per_row > 0 ? (int)(max_macs / per_row) : 1;
        rows = rows < 1 ? 1 : rows > 32 ? 32 : rows;
        if (id == LLMB_K_GEMM && s.ta == 1 && s.tb == 0 && s.C > 32) { /* bwd_weight: K = tokens */
            s.C = 32 < s.C ? 32 : s.C;
        }
        s.N = tok < rows ? tok : rows;
        return s;
    }
    if (s.N)
        s.N = tok < 32 ? tok : 32;
    if (s.n > (size_t)32 * 1024)
        s.n = 32 * 1024 + 7;
    return s;
}

/* ---- the phase ---- */

/* last-level cache size: sysfs first (glibc's sysconf reports the sum over all L3 slices of
 * the machine on some VMs) */
static size_t llc_bytes(void)
{
    long v = 0;
    FILE *f = fopen("/sys/devices/system/cpu/cpu0/cache/index3/size", "r");
    if (f) {
        if (fscanf(f, "%ldK", &v) == 1)
            v *= 1024;
        else
            v = 0;
        fclose(f);
    }
    if (v <= 0)
        v = sysconf(_SC_LEVEL3_CACHE_SIZE);
    return v > 0 ? (size_t)v : (size_t)32 << 20;
}

static double mem_available_bytes(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    double kb = 0;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %lf kB", &kb) == 1)
            break;
    if (f)
        fclose(f);
    return kb * 1024;
}

static int rank_compute(struct llmb_ctx *ctx, const struct llmb_model_config *cfg,
                        const struct llmb_kernels *k, json_t *r, int *failed);

/* validate, then time, each kernel of lk; returns their JSON array; *sum_s = sum of the
 * medians x per_step of the timed ones */
static json_t *time_kernels(struct llmb_ctx *ctx, const struct llmb_kernels *k,
                            const struct timing *tm, const struct layer_kernel *lk, int nk,
                            uint64_t seed, int *point, int npoints, int *failed, double *sum_s)
{
    json_t *kern = json_array();
    double *x = NULL;
    *sum_s = 0;
    for (int i = 0; i < nk; i++) {
        char what[64];
        snprintf(what, sizeof what, "%.31s %s", lk[i].name, lk[i].bwd ? "bwd" : "fwd");
        llmb_progress(ctx, "compute", ++*point, npoints, what);
        struct llmb_kshape vs = validation_shape(lk[i].id, lk[i].s);
        double err = INFINITY, flops, bytes;
        int bad = llmb_kernel_validate(k, lk[i].id, lk[i].bwd, &vs, seed + i, &err) != 0 ||
                  !(err <= LLMB_KERNEL_TOL);
        llmb_kernel_cost(lk[i].id, lk[i].bwd, &lk[i].s, &flops, &bytes);
        json_t *e = json_pack("{s:s, s:s, s:s, s:f, s:f, s:f}", "name", lk[i].name, "kernel",
                              llmb_kernel_name(lk[i].id), "pass", lk[i].bwd ? "bwd" : "fwd",
                              "flops", flops, "bytes", bytes, "rel_l2_err",
                              isfinite(err) ? err : -1.0);
        if (lk[i].per_step != 1.0)
            json_object_set_new(e, "per_step", json_real(lk[i].per_step));
        if (lk[i].id == LLMB_K_ADAMW)
            json_object_set_new(e, "n", json_integer((json_int_t)lk[i].s.n));
        if (bad) {
            *failed = 1;
            ctx->wrong++;
            llmb_error("compute: kernel %s differs from its reference (rel L2 %g > %g): "
                       "not timed", what, err, LLMB_KERNEL_TOL);
        }
        struct llmb_kernel_run *run = NULL;
        if (!any_rank(ctx, bad) &&
            !any_rank(ctx, !(run = llmb_kernel_run_new(k, lk[i].id, lk[i].bwd, &lk[i].s,
                                                       seed + 100 + i)))) {
            struct llmb_summary s;
            int n = time_op(ctx, tm, run_kernel, run, &x);
            json_object_set_new(e, "summary", summary_json(x, n, &s));
            json_object_set_new(e, "median_s", json_real(s.median));
            json_object_set_new(e, "gflops", json_real(s.median > 0 ? flops / s.median / 1e9 : 0));
            json_object_set_new(e, "gbs", json_real(s.median > 0 ? bytes / s.median / 1e9 : 0));
            *sum_s += s.median * lk[i].per_step;
            free(x);
        } else {
            json_object_set_new(e, "median_s", json_null());
            json_object_set_new(e, "timed", json_false());
        }
        llmb_kernel_run_free(run);
        json_array_append_new(kern, e);
    }
    return kern;
}

/* Test hook: LLMBENCH_CORRUPT_KERNEL=gelu makes the GELU forward wrong in one element, so the
 * test suite can check that a kernel differing from its reference is refused, not timed. */
static void corrupt_gelu_forward(float *out, const float *inp, size_t n)
{
    llmb_kernels_cpu.gelu_forward(out, inp, n);
    if (n)
        out[n / 2] += 1.0f;
}

int llmb_phase_compute(struct llmb_ctx *ctx, json_t *out)
{
    const struct llmb_options *opt = ctx->opt;
    const struct llmb_kernels *k = &llmb_kernels_cpu;
    static struct llmb_kernels corrupted;
    const char *corrupt = getenv("LLMBENCH_CORRUPT_KERNEL");
    if (corrupt && strcmp(corrupt, "gelu") == 0) {
        corrupted = llmb_kernels_cpu;
        corrupted.gelu_forward = corrupt_gelu_forward;
        k = &corrupted;
    }
    struct llmb_model_config cfg;
    if (llmb_model_config_init(&cfg, opt->model, opt->layers, opt->batch, opt->seq) != 0)
        return LLMB_EINPUT;
    int capped = 0;
    if (opt->quick && cfg.batch * cfg.seq > QUICK_TOKENS) { /* --quick: few tokens */
        cfg.batch = QUICK_TOKENS / cfg.seq > 0 ? QUICK_TOKENS / cfg.seq : 1;
        if (cfg.batch * cfg.seq > QUICK_TOKENS)
            cfg.seq = QUICK_TOKENS;
        capped = 1;
    }

    json_t *mine = json_object();
    int failed = 0;
    int rc = rank_compute(ctx, &cfg, k, mine, &failed);

    /* every rank's object to rank 0 */
    json_t *gathered = llmb_gather_json(mine, ctx->world);
    int any_failed = any_rank(ctx, failed);
    if (ctx->rank == 0) {
        json_t *ranks = json_array();
        double *peaks = calloc((size_t)ctx->size, sizeof *peaks);
        double *bws = calloc((size_t)ctx->size, sizeof *bws);
        int np = 0, nb = 0;
        for (int i = 0; i < ctx->size; i++) {
            json_t *o = json_incref(json_array_get(gathered, (size_t)i));
            if (!json_is_object(o)) {
                json_decref(o);
                o = json_pack("{s:i, s:s}", "rank", i, "error", "unreadable result");
            }
            json_t *p = json_object_get(o, "measured_peak_gflops");
            json_t *b = json_object_get(o, "stream_triad_gbs");
            if (json_is_number(p) && peaks)
                peaks[np++] = json_number_value(p);
            if (json_is_number(b) && bws)
                bws[nb++] = json_number_value(b);
            json_array_append_new(ranks, o);
        }
        json_object_set_new(out, "backend", json_string(k->name));
        json_object_set_new(out, "model", json_string(cfg.name));
        json_object_set_new(out, "family", json_string(cfg.llama ? "llama" : "gpt2"));
        json_object_set_new(out, "layers", json_integer(cfg.layers));
        json_object_set_new(out, "batch", json_integer(cfg.batch));
        json_object_set_new(out, "seq", json_integer(cfg.seq));
        json_object_set_new(out, "quick_capped_tokens", json_boolean(capped));
        json_object_set_new(out, "tolerance_rel_l2", json_real(LLMB_KERNEL_TOL));
        json_object_set_new(out, "ranks", ranks);
        json_t *sum = json_object();
        double pmin = 0;
        for (int i = 0; i < np; i++)
            pmin = i == 0 || peaks[i] < pmin ? peaks[i] : pmin;
        /* a figure no rank measured is null, never 0 */
        json_object_set_new(sum, "measured_peak_gflops_median",
                            np ? json_real(llmb_percentile(peaks, (size_t)np, 0.5)) : json_null());
        json_object_set_new(sum, "measured_peak_gflops_min", np ? json_real(pmin) : json_null());
        json_object_set_new(sum, "stream_triad_gbs_median",
                            nb ? json_real(llmb_percentile(bws, (size_t)nb, 0.5)) : json_null());
        json_object_set_new(sum, "validation_failed", json_boolean(any_failed));
        json_object_set_new(out, "summary", sum);
        llmb_say(ctx, "compute: measured peak %.1f GFLOP/s (median of %d ranks, min %.1f), "
                      "triad %.1f GB/s%s\n",
                 np ? llmb_percentile(peaks, (size_t)np, 0.5) : 0.0, np, pmin,
                 nb ? llmb_percentile(bws, (size_t)nb, 0.5) : 0.0,
                 any_failed ? "; KERNEL VALIDATION FAILED" : "");
        free(peaks);
        free(bws);
        json_decref(gathered);
    }
    if (rc)
        return rc;
    return any_failed ? LLMB_EFAIL : LLMB_OK;
}

static int rank_compute(struct llmb_ctx *ctx, const struct llmb_model_config *cfg,
                        const struct llmb_kernels *k, json_t *r, int *failed)
{
    const struct llmb_options *opt = ctx->opt;
    int quick = opt->quick;
    struct timing tm = {.warmup = quick ? 1 : opt->warmup,
                        .min_iters = quick ? 3 : opt->min_iters,
                        .max_iters = quick ? 5 : 1000,
                        .budget_s = opt->time_per_point_s};
    if (tm.min_iters < 1)
        tm.min_iters = 1;
    uint64_t seed = opt->seed + 7919u * (uint64_t)ctx->rank;
    int threads = 1;
#ifdef _OPENMP
    threads = omp_get_max_threads();
#endif
    int pus = llmb_binding_pus();
    char deriv[512];
    double nominal = nominal_peak(pus, deriv, sizeof deriv);
    json_object_set_new(r, "rank", json_integer(ctx->rank));
    json_object_set_new(r, "host", json_string(ctx->host));
    json_object_set_new(r, "threads", json_integer(threads));
    json_object_set_new(r, "pus", json_integer(pus));
    json_object_set_new(r, "nominal_peak_gflops", json_real(nominal));
    json_object_set_new(r, "nominal_peak_derivation", json_string(deriv));

    int ngemm = llmb_model_gemms(cfg, NULL, 0);
    struct llmb_gemm_shape *gs = calloc((size_t)ngemm, sizeof *gs);
    struct layer_kernel lk[32], sk[16];
    int nk = layer_kernels(cfg, lk), nsk = step_kernels(cfg, sk);
    int npoints = 2 + ngemm + nk + nsk + 1, point = 0;
    if (!gs)
        llmb_abort(1, "compute: out of memory");
    llmb_model_gemms(cfg, gs, ngemm);

    /* 1. the large square GEMM */
    int sq = quick ? 1024 : 2048;
    size_t maxa = (size_t)sq * sq, maxb = maxa, maxc = maxa;
    for (int i = 0; i < ngemm; i++) {
        size_t a = (size_t)gs[i].m * gs[i].k, b = (size_t)gs[i].k * gs[i].n,
               c = (size_t)gs[i].m * gs[i].n;
        maxa = a > maxa ? a : maxa;
        maxb = b > maxb ? b : maxb;
        maxc = c > maxc ? c : maxc;
    }
    struct gemm_op g = {.k = k, .A = k->alloc(maxa * 4), .B = k->alloc(maxb * 4),
                        .C = k->alloc(maxc * 4)};
    if (any_rank(ctx, !g.A || !g.B || !g.C)) {
        llmb_error("compute: out of memory for GEMM operands (%.3g GB)",
                   4.0 * (maxa + maxb + maxc) / 1e9);
        return LLMB_EFAIL;
    }
    { /* inputs: small random values, made on the host in chunks */
        uint64_t st = seed;
        float *h = malloc(((size_t)1 << 20) * 4);
        float *dst[2] = {g.A, g.B};
        size_t cnt[2] = {maxa, maxb};
        for (int j = 0; j < 2 && h; j++)
            for (size_t done = 0; done < cnt[j];) {
                size_t c = cnt[j] - done < ((size_t)1 << 20) ? cnt[j] - done : (size_t)1 << 20;
                llmb_fill_uniform(h, c, -1, 1, &st);
                k->to_device(dst[j] + done, h, c * 4);
                done += c;
            }
        free(h);
    }
    double *x = NULL;
    int n;
    double measured = 0;
    {
        struct llmb_kshape vs = {.N = 4, .C = sq, .OC = sq};
        double err;
        int bad = llmb_kernel_validate(k, LLMB_K_GEMM, 0, &vs, seed, &err) != 0 ||
                  !(err <= LLMB_KERNEL_TOL);
        llmb_progress(ctx, "compute", ++point, npoints, "square GEMM");
        json_t *gq = json_pack("{s:i, s:i, s:i, s:f}", "m", sq, "n", sq, "k", sq, "rel_l2_err",
                               isfinite(err) ? err : -1.0);
        if (bad) {
            *failed = 1;
            ctx->wrong++;
            llmb_error("compute: square GEMM differs from its reference (rel L2 %g)", err);
        }
        if (!any_rank(ctx, bad)) {
            g.ta = g.tb = 0;
            g.m = g.n = g.kk = sq;
            struct llmb_summary s;
            n = time_op(ctx, &tm, run_gemm, &g, &x);
            json_object_set_new(gq, "summary", summary_json(x, n, &s));
            measured = s.median > 0 ? 2.0 * sq * sq * (double)sq / s.median / 1e9 : 0;
            free(x);
        }
        json_object_set_new(r, "gemm_square", gq);
        /* not measured (refused by its reference check, or no time): null, never 0 */
        json_object_set_new(r, "measured_peak_gflops", measured > 0 ? json_real(measured) : json_null());
    }

    /* 2. the GEMM sweep at the model's shapes (projections; the attention entries of
     * llmb_model_gemms are batched per head and timed as the attention kernel instead) */
    json_t *sweep = json_array();
    for (int i = 0; i < ngemm; i++) {
        if (strncmp(gs[i].name, "attn_scores", 11) == 0 ||
            strncmp(gs[i].name, "attn_context", 12) == 0) {
            point++;
            continue;
        }
        llmb_progress(ctx, "compute", ++point, npoints, gs[i].name);
        /* fwd: out = inp W^T (NoTrans, Trans); bwd_data: dout W (NoTrans, NoTrans);
         * bwd_weight: dout^T inp (Trans, NoTrans) */
        g.ta = strstr(gs[i].name, "bwd_weight") != NULL;
        g.tb = strstr(gs[i].name, ".fwd") != NULL;
        g.m = gs[i].m;
        g.n = gs[i].n;
        g.kk = gs[i].k;
        struct llmb_kshape vs = validation_shape(
            LLMB_K_GEMM, (struct llmb_kshape){.N = g.m, .OC = g.n, .C = g.kk, .ta = g.ta,
                                              .tb = g.tb});
        double err = INFINITY, flops = 2.0 * g.m * g.n * (double)g.kk;
        int bad = llmb_kernel_validate(k, LLMB_K_GEMM, 0, &vs, seed + i, &err) != 0 ||
                  !(err <= LLMB_KERNEL_TOL);
        json_t *e = json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:f, s:f}", "name", gs[i].name,
                              "m", g.m, "n", g.n, "k", g.kk, "transa", g.ta, "transb", g.tb,
                              "flops", flops, "rel_l2_err", isfinite(err) ? err : -1.0);
        if (bad) {
            *failed = 1;
            ctx->wrong++;
            llmb_error("compute: GEMM %s differs from its reference (rel L2 %g)", gs[i].name,
                       err);
        }
        if (!any_rank(ctx, bad)) {
            struct llmb_summary s;
            n = time_op(ctx, &tm, run_gemm, &g, &x);
            json_object_set_new(e, "summary", summary_json(x, n, &s));
            json_object_set_new(e, "gflops", json_real(s.median > 0 ? flops / s.median / 1e9 : 0));
            free(x);
        }
        json_array_append_new(sweep, e);
    }
    json_object_set_new(r, "gemm", sweep);
    k->free(g.A);
    k->free(g.B);
    k->free(g.C);

    /* 3. memory bandwidth: a = b + s*c, each array >= 4x the last-level cache (shared by the
     * node's ranks) and >= 32 MiB */
    {
        llmb_progress(ctx, "compute", ++point, npoints, "stream triad");
        size_t llc = llc_bytes(), per = 4 * llc / (size_t)(ctx->node_size > 0 ? ctx->node_size : 1);
        if (per < ((size_t)32 << 20))
            per = (size_t)32 << 20;
        if (per > ((size_t)1 << 30))
            per = (size_t)1 << 30;
        struct triad_op t = {.n = per / 4};
        t.a = malloc(per);
        t.b = malloc(per);
        t.c = malloc(per);
        int oom = any_rank(ctx, !t.a || !t.b || !t.c);
        double gbs = 0;
        if (!oom) {
#pragma omp parallel for schedule(static) /* first touch by the threads that use it */
            for (size_t i = 0; i < t.n; i++) {
                t.a[i] = 0.0f;
                t.b[i] = 1.0f;
                t.c[i] = 2.0f;
            }
            struct llmb_summary s;
            n = time_op(ctx, &tm, run_triad, &t, &x);
            /* the result is known exactly: every element 1 + 3*2 = 7 */
            long long wrong = 0;
            for (size_t i = 0; i < t.n; i++)
                wrong += t.a[i] != 7.0f;
            if (wrong) {
                *failed = 1;
                ctx->wrong += wrong;
                llmb_error("compute: stream triad wrong in %lld elements", wrong);
            }
            if (llmb_summarize(x, (size_t)n, &s) != 0)
                memset(&s, 0, sizeof s);
            gbs = !wrong && s.median > 0 ? 3.0 * per / s.median / 1e9 : 0;
            json_object_set_new(r, "stream_triad", json_pack("{s:f, s:f, s:o}", "array_bytes",
                                                             (double)per, "llc_bytes",
                                                             (double)llc, "summary",
                                                             summary_json(x, n, NULL)));
            free(x);
        }
        /* not measured (out of memory, or wrong): null, never 0 */
        json_object_set_new(r, "stream_triad_gbs", gbs > 0 ? json_real(gbs) : json_null());
        free(t.a);
        free(t.b);
        free(t.c);
    }

    /* 4. every kernel of one layer, then the other kernels of a step, validated, then timed */
    double layer_s = 0, other_s = 0;
    json_object_set_new(r, "kernels", time_kernels(ctx, k, &tm, lk, nk, seed + 100, &point,
                                                   npoints, failed, &layer_s));
    json_object_set_new(r, "layer_time_s", json_real(layer_s));
    json_object_set_new(r, "step_kernels", time_kernels(ctx, k, &tm, sk, nsk, seed + 300, &point,
                                                        npoints, failed, &other_s));
    json_object_set_new(r, "step_kernels_time_s", json_real(other_s));
    /* T_compute of one step from the kernels: layers x layer + the rest (zero_grad, a memset,
     * not counted) */
    json_object_set_new(r, "predicted_step_s", json_real(cfg->layers * layer_s + other_s));

    /* 5. one whole training step (forward + backward + AdamW) when memory allows */
    {
        llmb_progress(ctx, "compute", ++point, npoints, "model step");
        struct llmb_model_config sc = *cfg;
        if (quick && sc.layers > 1)
            sc.layers = 1;
        struct llmb_model_params pc;
        llmb_model_count(&sc, &pc);
        double need = 16.0 * pc.total +
                      4.0 * sc.batch * sc.seq *
                          ((double)sc.layers * (16.0 * sc.d_model + 3.0 * sc.d_ff +
                                                (double)sc.heads * sc.seq) + sc.vocab);
        double avail = mem_available_bytes() / (ctx->node_size > 0 ? ctx->node_size : 1);
        int skip = any_rank(ctx, need > 0.5 * avail);
        json_t *st = json_pack("{s:i, s:i, s:i, s:f}", "layers", sc.layers, "batch", sc.batch,
                               "seq", sc.seq, "memory_bytes", need);
        struct llmb_gpt model;
        int oom = skip ? 0 : any_rank(ctx, llmb_gpt_init(&model, &sc, k, opt->seed) != 0);
        if (skip || oom) {
            json_object_set_new(st, "skipped", json_string(skip ? "not enough memory per rank"
                                                                : "out of memory"));
        } else {
            size_t nt = (size_t)sc.batch * sc.seq + 1;
            int *tok = malloc(nt * sizeof *tok);
            llmb_synthetic_tokens(tok, nt, sc.vocab, opt->seed + 1);
            llmb_gpt_set_batch(&model, tok, tok + 1);
            free(tok);
            struct step_op so = {.g = &model};
            struct timing ts = tm;
            ts.min_iters = quick ? 2 : (tm.min_iters < 5 ? tm.min_iters : 5);
            ts.max_iters = quick ? 2 : 20;
            ts.warmup = 1;
            struct llmb_summary s;
            n = time_op(ctx, &ts, run_step, &so, &x);
            double mf = llmb_model_flops_per_step(&sc);
            json_object_set_new(st, "summary", summary_json(x, n, &s));
            json_object_set_new(st, "model_flops", json_real(mf));
            json_object_set_new(st, "tokens_per_s",
                                json_real(s.median > 0 ? sc.batch * sc.seq / s.median : 0));
            json_object_set_new(st, "model_gflops", json_real(s.median > 0 ? mf / s.median / 1e9 : 0));
            json_object_set_new(st, "fraction_of_measured_peak",
                                json_real(s.median > 0 && measured > 0
                                              ? mf / s.median / 1e9 / measured : 0));
            json_object_set_new(st, "loss", json_real(model.loss));
            json_object_set_new(st, "predicted_from_kernels_s",
                                json_real(sc.layers * layer_s + other_s));
            free(x);
            llmb_gpt_free(&model);
        }
        json_object_set_new(r, "model_step", st);
    }
    free(gs);
    return 0;
}
