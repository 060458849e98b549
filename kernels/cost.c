/* kernels/cost.c - FLOP and byte accounting of every kernel, forward and backward.
 *
 * FLOPs: every add, multiply, divide, compare-free arithmetic op on the data counts 1; a
 * transcendental (exp, tanh, sqrt) counts 1; index arithmetic and max/compare do not count.
 * The per-element counts follow the formulas of kernels/ref/ref.c:
 *   layernorm fwd 8/elem (mean 1, var 3, normalize+affine 4), bwd 14/elem
 *   rmsnorm fwd 4/elem (square-add 2, scale 2), bwd 10/elem
 *   matmul fwd 2*N*C*OC (+N*OC bias), bwd 4*N*C*OC (+N*OC dbias)
 *   rope 3/element of q and k (2 mul + 1 add per output), fwd and bwd
 *   attention (P = T(T+1)/2 causal (query, key) pairs per head): fwd P*(4*HD + 5)
 *     (QK^T 2HD, scale 1, exp 2, sum 1, normalize 1, PV 2HD), bwd P*(8*HD + 4)
 *     (dP 2HD, softmax bwd 4, dQ 2HD, dK 2HD, dV 2HD)
 *   residual fwd 1/elem, bwd 2/elem; gelu fwd 9/elem, bwd 20/elem
 *   swiglu fwd 5/output elem, bwd 13/output elem
 *   softmax_xent fwd 4*N*V (exp-sub 2, sum 1, normalize 1) + N (log), bwd 2*N*V
 *   encoder fwd N*C adds with positions (0 without), bwd N*C per table
 *   adamw 16/param; gemm 2*M*N*K (beta 0: C written once)
 *   copy 0/elem, scale 1/elem, triad 2/elem (bytes: 8, 8, 12 per element)
 * Bytes: compulsory traffic, 4 bytes per float or int: every input read once, every output
 * written once, an accumulated (+=) output read and written (2x).
 */
#include "kernels/kernels.h"

static const char *names[LLMB_K_COUNT] = {
    "encoder", "layernorm", "rmsnorm", "matmul",   "rope",         "attention",
    "residual", "gelu",     "swiglu",  "softmax_xent", "adamw", "gemm",
    "copy",     "scale",    "triad",
};

const char *llmb_kernel_name(enum llmb_kernel_id id)
{
    return id >= 0 && id < LLMB_K_COUNT ? names[id] : "?";
}

void llmb_kernel_cost(enum llmb_kernel_id id, int bwd, const struct llmb_kshape *s,
                      double *flops, double *bytes)
{
    double f = 0, w = 0; /* w: floats moved */
    double N = s->N ? s->N : (double)s->B * s->T, C = s->C, OC = s->OC, n = (double)s->n;
    double HD = s->HD, NH = s->NH, KVH = s->KVH, T = s->T, B = s->B;
    double Cqkv = (NH + 2 * KVH) * HD, F = s->F, V = s->V;
    switch (id) {
    case LLMB_K_ENCODER: /* tokens (N); wte rows (N,C) [+ wpe rows] -> out (N,C) */
        if (!bwd) {
            f = s->pos ? N * C : 0;
            w = N + N * C * (s->pos ? 3 : 2);
        } else { /* dout (N,C) read; dwte rows (+ dwpe rows) read+written */
            f = N * C * (s->pos ? 2 : 1);
            w = N + N * C + 2 * N * C * (s->pos ? 2 : 1);
        }
        break;
    case LLMB_K_LAYERNORM:
        if (!bwd) {
            f = 8 * N * C;
            w = N * C + 2 * C + N * C + 2 * N;
        } else { /* dout, inp read; w, mean, rstd read; dinp rw; dw, db rw */
            f = 14 * N * C;
            w = 2 * N * C + C + 2 * N + 2 * N * C + 4 * C;
        }
        break;
    case LLMB_K_RMSNORM:
        if (!bwd) {
            f = 4 * N * C;
            w = N * C + C + N * C + N;
        } else {
            f = 10 * N * C;
            w = 2 * N * C + C + N + 2 * N * C + 2 * C;
        }
        break;
    case LLMB_K_MATMUL:
        if (!bwd) {
            f = 2 * N * C * OC + (s->bias ? N * OC : 0);
            w = N * C + OC * C + (s->bias ? OC : 0) + N * OC;
        } else { /* dout, inp, w read; dinp, dw (dbias) rw */
            f = 4 * N * C * OC + (s->bias ? N * OC : 0);
            w = N * OC + N * C + OC * C + 2 * N * C + 2 * OC * C + (s->bias ? 2 * OC : 0);
        }
        break;
    case LLMB_K_ROPE: { /* in place on q and k: read + write */
        double e = B * T * (NH + KVH) * HD;
        f = 3 * e;
        w = 2 * e;
        break;
    }
    case LLMB_K_ATTENTION: {
        double P = B * NH * T * (T + 1) / 2;
        if (!bwd) { /* qkv read; out written; att (B,NH,T,T) written */
            f = P * (4 * HD + 5);
            w = B * T * Cqkv + B * T * NH * HD + B * NH * T * T;
        } else { /* dout, qkv, causal half of att read; dqkv rw */
            f = P * (8 * HD + 4);
            w = B * T * NH * HD + B * T * Cqkv + P + 2 * B * T * Cqkv;
        }
        break;
    }
    case LLMB_K_RESIDUAL:
        f = bwd ? 2 * n : n;
        w = bwd ? 5 * n : 3 * n;
        break;
    case LLMB_K_GELU:
        f = bwd ? 20 * n : 9 * n;
        w = bwd ? 4 * n : 2 * n;
        break;
    case LLMB_K_SWIGLU:
        f = (bwd ? 13 : 5) * N * F;
        w = bwd ? 2 * N * F + N * F + 4 * N * F : 2 * N * F + N * F;
        break;
    case LLMB_K_SOFTMAX_XENT:
        if (!bwd) { /* logits, targets read; probs, losses written */
            f = 4 * N * V + N;
            w = N * V + N + N * V + N;
        } else { /* probs, targets read; dlogits written */
            f = 2 * N * V;
            w = N * V + N + N * V;
        }
        break;
    case LLMB_K_ADAMW: /* p, g, m, v read; p, m, v written */
        f = 16 * n;
        w = 7 * n;
        break;
    case LLMB_K_GEMM: /* M = N, N = OC, K = C */
        f = 2 * N * OC * C;
        w = N * C + C * OC + N * OC;
        break;
    case LLMB_K_COPY: /* src read, dst written */
        w = 2 * n;
        break;
    case LLMB_K_SCALE: /* x read and written */
        f = n;
        w = 2 * n;
        break;
    case LLMB_K_TRIAD: /* b, c read; a written */
        f = 2 * n;
        w = 3 * n;
        break;
    default:
        break;
    }
    if (flops)
        *flops = f;
    if (bytes)
        *bytes = 4 * w;
}
