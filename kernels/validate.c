/* kernels/validate.c - run a backend's kernel and the reference on the same random inputs and
 * compare every output by relative L2 error.  Works for any backend: inputs are made on the
 * host and copied with k->to_device, outputs come back with k->to_host. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "kernels/kernels.h"
#include "kernels/math.h"
#include "util.h"

void llmb_fill_uniform(float *x, size_t n, float lo, float hi, uint64_t *state)
{
    for (size_t i = 0; i < n; i++)
        x[i] = lo + (hi - lo) * (float)((llmb_splitmix64(state) >> 40) * (1.0 / 16777216.0));
}

double llmb_kernel_tol(const struct llmb_kernels *k, enum llmb_kernel_id id)
{
    int gemm = id == LLMB_K_GEMM || id == LLMB_K_MATMUL || id == LLMB_K_ATTENTION;
    double t = gemm ? k->gemm_tol : k->tol;
    return t > 0 ? t : LLMB_KERNEL_TOL;
}

double llmb_rel_l2(const float *x, const float *ref, size_t n)
{
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)x[i] - ref[i];
        num += d * d;
        den += (double)ref[i] * ref[i];
    }
    if (isnan(num) || isinf(num))
        return INFINITY;
    return sqrt(num) / (den > 1e-30 ? sqrt(den) : 1e-15);
}

#define MAXB 10

/* The buffers of one validation case: sizes in elements (float or int), which are outputs,
 * how to fill inputs. */
struct vcase {
    int nb;
    size_t n[MAXB];
    int out[MAXB];   /* compared after the call */
    int ints[MAXB];  /* int buffer, values in [0, imax) */
    int imax[MAXB];
    float lo[MAXB], hi[MAXB];
    int t;           /* adamw step */
};

static void add(struct vcase *v, size_t n, int out, float lo, float hi)
{
    v->n[v->nb] = n ? n : 1;
    v->out[v->nb] = out;
    v->ints[v->nb] = 0;
    v->lo[v->nb] = lo;
    v->hi[v->nb] = hi;
    v->nb++;
}

static void add_int(struct vcase *v, size_t n, int imax)
{
    add(v, n, 0, 0, 0);
    v->ints[v->nb - 1] = 1;
    v->imax[v->nb - 1] = imax > 0 ? imax : 1;
}

/* buffer lists, in the order call() uses them */
static int setup(enum llmb_kernel_id id, int bwd, const struct llmb_kshape *s, struct vcase *v)
{
    size_t N = s->N ? (size_t)s->N : (size_t)s->B * s->T, C = s->C, OC = s->OC;
    size_t Cqkv = (size_t)(s->NH + 2 * s->KVH) * s->HD, T = s->T, B = s->B;
    memset(v, 0, sizeof *v);
    switch (id) {
    case LLMB_K_ENCODER: /* 0 tokens, 1 wte, 2 wpe, 3 out | 0 tokens, 1 dout, 2 dwte, 3 dwpe */
        add_int(v, B * T, s->V);
        if (!bwd) {
            add(v, (size_t)s->V * C, 0, -1, 1);
            add(v, s->pos ? T * C : 1, 0, -1, 1);
            add(v, B * T * C, 1, 0, 0);
        } else {
            add(v, B * T * C, 0, -1, 1);
            add(v, (size_t)s->V * C, 1, -1, 1);
            add(v, s->pos ? T * C : 1, s->pos, -1, 1);
        }
        return 0;
    case LLMB_K_LAYERNORM: /* 0 inp, 1 w, 2 b, 3 out, 4 mean, 5 rstd | +6 dout, 7 dinp, 8 dw, 9 db */
    case LLMB_K_RMSNORM:
        add(v, N * C, 0, -2, 3);
        add(v, C, 0, 0.5f, 1.5f);
        add(v, C, 0, -0.5f, 0.5f);
        add(v, N * C, !bwd, 0, 0);
        add(v, N, !bwd && id == LLMB_K_LAYERNORM, 0, 0);
        add(v, N, !bwd, 0, 0);
        if (bwd) {
            add(v, N * C, 0, -1, 1);
            add(v, N * C, 1, -1, 1);
            add(v, C, 1, -1, 1);
            add(v, C, id == LLMB_K_LAYERNORM, -1, 1);
        }
        return 0;
    case LLMB_K_MATMUL: /* 0 inp, 1 w, 2 bias, 3 out | 3 dout, 4 dinp, 5 dw, 6 dbias */
        add(v, N * C, 0, -1, 1);
        add(v, OC * C, 0, -0.5f, 0.5f);
        add(v, OC, 0, -1, 1);
        if (!bwd) {
            add(v, N * OC, 1, 0, 0);
        } else {
            add(v, N * OC, 0, -1, 1);
            add(v, N * C, 1, -1, 1);
            add(v, OC * C, 1, -1, 1);
            add(v, OC, s->bias, -1, 1);
        }
        return 0;
    case LLMB_K_ROPE: /* 0 qkv (in place) */
        add(v, B * T * Cqkv, 1, -1, 1);
        return 0;
    case LLMB_K_ATTENTION: /* 0 qkv, 1 out, 2 att | 3 dout, 4 dqkv */
        add(v, B * T * Cqkv, 0, -1.5f, 1.5f);
        add(v, B * T * s->NH * s->HD, !bwd, 0, 0);
        add(v, B * s->NH * T * T, !bwd, 0, 0);
        if (bwd) {
            add(v, B * T * s->NH * s->HD, 0, -1, 1);
            add(v, B * T * Cqkv, 1, -1, 1);
        }
        return 0;
    case LLMB_K_RESIDUAL: /* 0 a, 1 b, 2 out | 0 da, 1 db, 2 dout */
        add(v, s->n, bwd, -1, 1);
        add(v, s->n, bwd, -1, 1);
        add(v, s->n, !bwd, -1, 1);
        return 0;
    case LLMB_K_GELU: /* 0 inp, 1 out | 0 inp, 1 dout, 2 dinp */
        add(v, s->n, 0, -4, 4);
        add(v, s->n, !bwd, -1, 1);
        if (bwd)
            add(v, s->n, 1, -1, 1);
        return 0;
    case LLMB_K_SWIGLU: /* 0 inp (N,2F), 1 out (N,F) | 0 inp, 1 dout, 2 dinp */
        add(v, N * 2 * s->F, 0, -4, 4);
        add(v, N * s->F, !bwd, -1, 1);
        if (bwd)
            add(v, N * 2 * s->F, 1, -1, 1);
        return 0;
    case LLMB_K_SOFTMAX_XENT: /* 0 logits, 1 targets, 2 probs, 3 losses | 2 probs, 4 dlogits */
        add(v, N * s->V, 0, -4, 4);
        add_int(v, N, s->V);
        add(v, N * s->V, !bwd, 0, 0);
        add(v, N, !bwd, 0, 0);
        if (bwd)
            add(v, N * s->V, 1, 0, 0);
        return 0;
    case LLMB_K_GEMM: /* 0 A, 1 B, 2 C: M = N, N = OC, K = C */
        add(v, N * C, 0, -1, 1);
        add(v, C * OC, 0, -1, 1);
        add(v, N * OC, 1, 0, 0);
        return 0;
    case LLMB_K_COPY: /* 0 src, 1 dst */
        add(v, s->n, 0, -1, 1);
        add(v, s->n, 1, 0, 0);
        return 0;
    case LLMB_K_SCALE: /* 0 x (in place) */
        add(v, s->n, 1, -1, 1);
        return 0;
    case LLMB_K_TRIAD: /* 0 b, 1 c, 2 a */
        add(v, s->n, 0, -1, 1);
        add(v, s->n, 0, -1, 1);
        add(v, s->n, 1, 0, 0);
        return 0;
    case LLMB_K_ADAMW: /* 0 p, 1 g, 2 m, 3 v */
        add(v, s->n, 1, -1, 1);
        add(v, s->n, 0, -1, 1);
        add(v, s->n, 1, -0.1f, 0.1f);
        add(v, s->n, 1, 0, 0.01f);
        v->t = 3;
        return 0;
    default:
        return -1;
    }
}

static void call(const struct llmb_kernels *k, enum llmb_kernel_id id, int bwd,
                 const struct llmb_kshape *s, void **p, int t)
{
    float **f = (float **)p;
    int N = s->N ? s->N : s->B * s->T;
    switch (id) {
    case LLMB_K_ENCODER:
        if (!bwd)
            k->encoder_forward(f[3], p[0], f[1], s->pos ? f[2] : NULL, s->B, s->T, s->C);
        else
            k->encoder_backward(f[2], s->pos ? f[3] : NULL, f[1], p[0], s->B, s->T, s->C);
        break;
    case LLMB_K_LAYERNORM:
        if (!bwd)
            k->layernorm_forward(f[3], f[4], f[5], f[0], f[1], f[2], N, s->C);
        else
            k->layernorm_backward(f[7], f[8], f[9], f[6], f[0], f[1], f[4], f[5], N, s->C);
        break;
    case LLMB_K_RMSNORM:
        if (!bwd)
            k->rmsnorm_forward(f[3], f[5], f[0], f[1], N, s->C);
        else
            k->rmsnorm_backward(f[7], f[8], f[6], f[0], f[1], f[5], N, s->C);
        break;
    case LLMB_K_MATMUL:
        if (!bwd)
            k->matmul_forward(f[3], f[0], f[1], s->bias ? f[2] : NULL, N, s->C, s->OC);
        else
            k->matmul_backward(f[4], f[5], s->bias ? f[6] : NULL, f[3], f[0], f[1], N, s->C,
                               s->OC);
        break;
    case LLMB_K_ROPE:
        if (!bwd)
            k->rope_forward(f[0], s->B, s->T, s->NH, s->KVH, s->HD);
        else
            k->rope_backward(f[0], s->B, s->T, s->NH, s->KVH, s->HD);
        break;
    case LLMB_K_ATTENTION:
        if (!bwd)
            k->attention_forward(f[1], f[2], f[0], s->B, s->T, s->NH, s->KVH, s->HD);
        else
            k->attention_backward(f[4], f[3], f[0], f[2], s->B, s->T, s->NH, s->KVH, s->HD);
        break;
    case LLMB_K_RESIDUAL:
        if (!bwd)
            k->residual_forward(f[2], f[0], f[1], s->n);
        else
            k->residual_backward(f[0], f[1], f[2], s->n);
        break;
    case LLMB_K_GELU:
        if (!bwd)
            k->gelu_forward(f[1], f[0], s->n);
        else
            k->gelu_backward(f[2], f[0], f[1], s->n);
        break;
    case LLMB_K_SWIGLU:
        if (!bwd)
            k->swiglu_forward(f[1], f[0], N, s->F);
        else
            k->swiglu_backward(f[2], f[0], f[1], N, s->F);
        break;
    case LLMB_K_SOFTMAX_XENT:
        if (!bwd)
            k->softmax_xent_forward(f[2], f[3], f[0], p[1], N, s->V);
        else
            k->softmax_xent_backward(f[4], f[2], p[1], 1.0f / N, N, s->V);
        break;
    case LLMB_K_GEMM: /* lda, ldb of the row-major stored A (M,K) or (K,M), B (K,N) or (N,K) */
        k->gemm(s->ta, s->tb, N, s->OC, s->C, 1.0f, f[0], s->ta ? N : s->C, f[1],
                s->tb ? s->C : s->OC, 0.0f, f[2], s->OC);
        break;
    case LLMB_K_COPY:
        k->copy(f[1], f[0], s->n);
        break;
    case LLMB_K_SCALE:
        k->scale(f[0], s->n, 0.37f);
        break;
    case LLMB_K_TRIAD:
        k->triad(f[2], f[0], f[1], 3.0f, s->n);
        break;
    case LLMB_K_ADAMW:
        k->adamw(f[0], f[1], f[2], f[3], s->n, 1e-3f, 0.9f, 0.95f, 1e-8f, 0.1f, t);
        break;
    default:
        break;
    }
    k->sync();
}

int llmb_kernel_validate(const struct llmb_kernels *k, enum llmb_kernel_id id, int bwd,
                         const struct llmb_kshape *s, uint64_t seed, double *err)
{
    struct vcase v;
    void *h[MAXB] = {0}, *d[MAXB] = {0};
    float *back = NULL;
    int rc = -1;
    *err = INFINITY;
    if (setup(id, bwd, s, &v) != 0)
        return llmb_error("validate: unknown kernel %d", (int)id);
    uint64_t st = seed ^ ((uint64_t)id << 32) ^ (uint64_t)bwd;
    size_t maxn = 0;
    for (int i = 0; i < v.nb; i++) {
        h[i] = malloc(v.n[i] * 4);
        d[i] = k->alloc(v.n[i] * 4);
        if (!h[i] || !d[i]) {
            llmb_error("validate %s: out of memory", llmb_kernel_name(id));
            goto done;
        }
        if (v.ints[i])
            for (size_t j = 0; j < v.n[i]; j++)
                ((int *)h[i])[j] = (int)(llmb_splitmix64(&st) % (uint64_t)v.imax[i]);
        else
            llmb_fill_uniform(h[i], v.n[i], v.lo[i], v.hi[i], &st);
        if (v.n[i] > maxn)
            maxn = v.n[i];
    }
    /* a table whose GEMMs take bf16 operands is validated on inputs it can represent (bf16
     * values, upcast): the reference and the backend then start from the same numbers, and the
     * error is the backend's arithmetic, not its input rounding */
    if (k->precision && strcmp(k->precision, "bf16") == 0 &&
        (id == LLMB_K_GEMM || id == LLMB_K_MATMUL))
        for (int i = 0; i < v.nb; i++)
            for (size_t j = 0; !v.ints[i] && j < v.n[i]; j++)
                ((float *)h[i])[j] = llmb_bf16_to_float(llmb_bf16_from_float(((float *)h[i])[j]));
    /* inputs a backward needs from its forward (statistics, probabilities) come from the
     * reference forward, so both sides see the same, consistent values */
    if (bwd && (id == LLMB_K_LAYERNORM || id == LLMB_K_RMSNORM || id == LLMB_K_ATTENTION ||
                id == LLMB_K_SOFTMAX_XENT))
        call(&llmb_kernels_ref, id, 0, s, h, v.t);
    for (int i = 0; i < v.nb; i++)
        k->to_device(d[i], h[i], v.n[i] * 4);
    call(&llmb_kernels_ref, id, bwd, s, h, v.t); /* reference on the host copies */
    call(k, id, bwd, s, d, v.t);
    back = malloc(maxn * 4);
    if (!back) {
        llmb_error("validate %s: out of memory", llmb_kernel_name(id));
        goto done;
    }
    double worst = 0;
    for (int i = 0; i < v.nb; i++) {
        if (!v.out[i])
            continue;
        k->to_host(back, d[i], v.n[i] * 4);
        double e = llmb_rel_l2(back, h[i], v.n[i]);
        if (!(e <= worst)) /* NaN-safe */
            worst = e;
    }
    *err = worst;
    rc = 0;
done:
    for (int i = 0; i < v.nb; i++) {
        free(h[i]);
        if (d[i])
            k->free(d[i]);
    }
    free(back);
    return rc;
}

/* ---- a kernel ready to be timed (the compute phase) ---- */

struct llmb_kernel_run {
    const struct llmb_kernels *k;
    enum llmb_kernel_id id;
    int bwd;
    struct llmb_kshape s;
    struct vcase v;
    void *d[MAXB];
};

void llmb_kernel_run_free(struct llmb_kernel_run *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->v.nb; i++)
        if (r->d[i])
            r->k->free(r->d[i]);
    free(r);
}

struct llmb_kernel_run *llmb_kernel_run_new(const struct llmb_kernels *k, enum llmb_kernel_id id,
                                            int bwd, const struct llmb_kshape *s, uint64_t seed)
{
    struct llmb_kernel_run *r = calloc(1, sizeof *r);
    if (!r) {
        llmb_error("kernel %s: out of memory", llmb_kernel_name(id));
        return NULL;
    }
    r->k = k;
    r->id = id;
    r->bwd = bwd;
    r->s = *s;
    if (setup(id, bwd, s, &r->v) != 0) {
        free(r);
        llmb_error("kernel %d: unknown", (int)id);
        return NULL;
    }
    size_t stage_n = 1 << 20;
    float *stage = malloc(stage_n * 4);
    uint64_t st = seed ^ ((uint64_t)id << 32);
    for (int i = 0; i < r->v.nb; i++) {
        r->d[i] = k->alloc(r->v.n[i] * 4);
        if (!r->d[i] || !stage) {
            llmb_error("kernel %s: out of memory for its %zu-element operand",
                       llmb_kernel_name(id), r->v.n[i]);
            free(stage);
            llmb_kernel_run_free(r);
            return NULL;
        }
        for (size_t done = 0; done < r->v.n[i];) {
            size_t c = r->v.n[i] - done < stage_n ? r->v.n[i] - done : stage_n;
            if (r->v.ints[i])
                for (size_t j = 0; j < c; j++)
                    ((int *)stage)[j] = (int)(llmb_splitmix64(&st) % (uint64_t)r->v.imax[i]);
            else
                llmb_fill_uniform(stage, c, r->v.lo[i], r->v.hi[i], &st);
            k->to_device((char *)r->d[i] + done * 4, stage, c * 4);
            done += c;
        }
    }
    free(stage);
    /* a backward's saved forward products, made by the backend's own forward */
    if (bwd && (id == LLMB_K_LAYERNORM || id == LLMB_K_RMSNORM || id == LLMB_K_ATTENTION ||
                id == LLMB_K_SOFTMAX_XENT))
        call(k, id, 0, s, r->d, r->v.t);
    return r;
}

void llmb_kernel_run_call(struct llmb_kernel_run *r)
{
    call(r->k, r->id, r->bwd, &r->s, r->d, r->v.t);
}
