/* The projection (doc/sizing.md, "The model"): a training job priced on one run's
 * measurements.  Per band (p10, median, p90 of the measured samples):
 *
 *   compute of one micro-batch on the slowest pipeline stage (ceil(L/pp) layers + the LM head):
 *     every GEMM of the step's plan (kernels/plan.h) at the target shape, its FLOPs per call
 *     divided by tp (column / row / vocab parallel), at the GFLOP/s the compute phase measured,
 *     interpolated in log(FLOPs per call) between the measured shapes (clamped and flagged
 *     outside); every other kernel at its measured time scaled by its cost (kernels/cost.c:
 *     FLOPs for attention, bytes for the memory-bound ones), attention, activation, rope and
 *     softmax divided by tp;  recomputation adds the layers' forward (full) or attention's
 *     forward (selective) to the backward;
 *   tensor parallelism: 2 allreduces of mb x seq x d_model x 4 bytes per layer forward, 2
 *     backward (2 more with full recomputation), on the intra-node tier at p = tp;
 *   expert parallelism (MoE, --ep): per MoE layer and micro-batch an all-to-all dispatch and
 *     combine forward, the same backward (2 more with full recomputation), each of
 *     mb x seq x top-k x d_model x 4 x capacity bytes per GPU, at p = ep on the intra-node tier
 *     when an EP group (tp x ep consecutive GPUs) fits in a node, else the inter tier; the
 *     experts' weights sharded over ep, their gradients reduced over dp / ep;
 *   pipeline: (m + pp - 1) slots of forward + backward + TP + EP + two point-to-point transfers of
 *     the activations (sendrecv fit, inter-node tier when the job spans nodes); the bubble
 *     (pp-1)/(m+pp-1);
 *   data parallelism: the gradients of a stage (4 x params / (tp pp) bytes) in buckets of the
 *     run's bucket size, allreduce at p = dp (ZeRO 2: reduce-scatter + allgather; ZeRO 3: and
 *     an allgather of the weights forward and backward per micro-batch), on the intra tier
 *     when a DP group fits in a node, else the inter tier; overlapped with the last
 *     micro-batch's backward by the reporter's step-time model (rr_model_time: window,
 *     progress factor and stall measured by the run);
 *   optimizer: AdamW at the measured seconds per parameter over the parameters a GPU updates;
 *   host time per step: the run's measured median (rr_params.other).
 * Communication times at the p10 (p90) band are further lowered (raised) by the fit's rms
 * relative residual. */
#include "size/size.h"

#include "error.h"
#include "kernels/plan.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define SZ_DEFAULT_BUCKET (25.0 * 1024 * 1024) /* bytes: when the run does not say */
#define SZ_ELEM_BYTES 4.0                      /* fp32, as the run measured */
#define SZ_KERNEL_SCALE_FLAG 4.0               /* a kernel scaled more than 4x: flagged */
#define SZ_BACKWARD_SHARE (2.0 / 3.0)

const char *const sz_assumptions[] = {
    "the target GPUs are the measured ranks: same device, same per-rank compute rates, "
    "same links (a projection to other hardware is not made)",
    "fp32 as measured: 4-byte weights, gradients, activations and messages; AdamW 8 bytes a "
    "parameter of state; memory by lib/model.h's ZeRO stages and Korthikanti et al.'s "
    "activations at 4-byte elements",
    "GEMM rate interpolated in log(FLOPs per call) between the measured shapes; a GEMM outside "
    "them runs at the rate of the nearest measured shape (flagged)",
    "non-GEMM kernels scale linearly with their FLOPs (attention) or bytes (the others) from "
    "the measured shape; a kernel not measured runs at the STREAM triad bandwidth (flagged)",
    "communication: per (collective, tier) a least-squares line t = a + S/B over the measured "
    "sizes (relative residuals), read through the ring formula at the measured rank count "
    "(alpha = a / hops, beta = B x busbw factor); at p ranks allreduce takes the smaller of "
    "ring 2(p-1)a + 2(p-1)/p S/b and tree 2 log2(p) a + 2 S/b (libraries switch to a tree for "
    "small messages), reduce-scatter/allgather the ring, sendrecv a + S/b",
    "process order tensor, data, pipeline (Megatron): TP groups are consecutive GPUs of a node, "
    "a DP group spans tp x dp consecutive GPUs, pipeline neighbours are tp x dp apart",
    "a collective over GPUs of several nodes runs at the inter-node tier's alpha and beta for "
    "every hop (no hierarchical algorithm): pessimistic for latency",
    "pipeline: 1F1B, the slowest stage has ceil(L/pp) layers and the LM head; the bubble is "
    "(pp-1)/(m+pp-1) of the slots",
    "compute is scaled by what the run's train phase computed over what the kernels price "
    "the run's own workload at (the training loop's cost beyond its kernels, taken to carry "
    "to the target's shapes); the self-check is made after this calibration",
    "data-parallel traffic is scaled by what the run's training collectives took over what "
    "the fits price them at (train_pattern alone, else comm_alone_s; 1 when the run has "
    "neither): non-blocking collectives in training may run slower than the blocking sweeps",
    "data-parallel gradients overlap the last micro-batch's backward (the whole step for ZeRO "
    "3) as the reporter's step-time model prices it, with the progress factor and stall the run "
    "measured; no straggler wait is added",
    "mixture of experts: every token runs experts_active experts' FFN GEMMs; the load is "
    "perfectly balanced: each of a GPU's experts / ep experts gets ep x experts_active / experts "
    "of its tokens (no expert idles or overflows, no token dropped); the router's GEMMs "
    "replicated over tensor parallelism",
    "expert parallelism (--ep, Megatron-Core's rank order tp-ep-dp-pp): an EP group is ep data-"
    "parallel ranks tp apart (tp x ep consecutive GPUs); a GPU holds experts / ep experts' FFN, "
    "the rest of the model replicated over dp; the expert weights' gradients reduced (ZeRO: "
    "sharded) over the dp / ep GPUs holding the same experts; per MoE layer and micro-batch 4 "
    "all-to-alls (dispatch and combine, forward and backward; 6 with full recomputation) of "
    "mb x seq x top-k x d_model x 4 bytes x the capacity factor per GPU (every GPU of a TP "
    "group sends its whole micro-batch: no sequence parallelism), as the alltoall fit prices "
    "them at p = ep, not overlapped with compute; the capacity factor pads the messages only, "
    "not the experts' GEMMs",
    "the band is the model evaluated on the 10th and on the 90th percentiles of every measured "
    "sample at once (and the comm fits' rms residual): the spread the run measured, carried "
    "through as if all parts were fast or slow together; it is not a statistical confidence "
    "interval of the projection, whose model error is shown by the self-check at the run's own "
    "layout",
    NULL};

static void note(struct sz_projection *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void note(struct sz_projection *p, const char *fmt, ...)
{
    char b[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof b, fmt, ap);
    va_end(ap);
    for (int i = 0; i < p->nnotes; i++)
        if (strcmp(p->notes[i], b) == 0)
            return;
    if (p->nnotes < SZ_MAX_NOTES)
        memcpy(p->notes[p->nnotes++], b, sizeof b);
}

/* ---------------------------------------------------------------- memory */
/* ep > 1: expert (the experts' FFN parameters of the model) sharded over ep, its ZeRO group the
 * dp / ep GPUs holding the same experts; the rest replicated over dp. */
static void memory(const struct sz_target *t, double params, double expert, int ep, int m,
                   struct sz_memory *out)
{
    struct llmb_model_memory mm, me;
    double mp = (double)t->tp * t->pp, ex = ep > 1 ? expert : 0;
    memset(out, 0, sizeof *out);
    if (llmb_zero_memory((params - ex) / mp, &llmb_state_fp32, t->zero, t->dp, &mm) < 0 ||
        llmb_zero_memory(ex / mp / ep, &llmb_state_fp32, t->zero, t->dp / ep, &me) < 0)
        return;
    out->weights = mm.weights_bytes + me.weights_bytes;
    out->grads = mm.grads_bytes + me.grads_bytes;
    out->optimizer = mm.adamw_bytes + me.adamw_bytes;
    const struct llmb_model_config *c = &t->cfg;
    int stage_layers = (c->layers + t->pp - 1) / t->pp, in_flight = t->pp < m ? t->pp : m;
    out->activations = 2.0 * llmb_model_activation_bytes(c, t->tp, 0, t->recompute) *
                       stage_layers * (in_flight > 0 ? in_flight : 1);
    out->total = out->weights + out->grads + out->optimizer + out->activations;
}

/* ---------------------------------------------------------------- compute */
static int is_ffn(const char *name)
{
    return strncmp(name, "fc", 2) == 0 || strncmp(name, "gate_up", 7) == 0 ||
           strncmp(name, "down", 4) == 0; /* fc, fc_proj, gate_up, down */
}

/* One micro-batch's compute, seconds: per layer forward / backward, the rest forward /
 * backward, and attention's forward per layer (selective recomputation). */
struct mb_time {
    double layer_f, layer_b, head_f, head_b, attn_f;
};

struct compute_flags {
    int gemm_below, gemm_above;
    double gemm_lo, gemm_hi;
    double kscale;          /* largest cost ratio target / measured of a kernel */
    char kscale_name[48];
    char unmeasured[160];
};

static double gemm_time(const struct sz_measured *m, int b, double call_flops, double calls,
                        struct compute_flags *cf)
{
    int out;
    double rate = sz_interp_log(m->gemm_flops, m->gemm_rate[b], m->ngemm, call_flops, &out);
    if (b != SZ_MED)
        return calls * call_flops / (rate * 1e9);
    if (out < 0)
        cf->gemm_below++, cf->gemm_lo = fmin(cf->gemm_lo, call_flops);
    if (out > 0)
        cf->gemm_above++, cf->gemm_hi = fmax(cf->gemm_hi, call_flops);
    return calls * call_flops / (rate * 1e9);
}

static const struct sz_kernel *find_kernel(const struct sz_measured *m, const char *name, int bwd)
{
    for (size_t i = 0; i < m->nkern; i++)
        if (m->kern[i].bwd == bwd && strcmp(m->kern[i].name, name) == 0)
            return &m->kern[i];
    return NULL;
}

static void compute_mb(const struct sz_measured *m, const struct llmb_plan *plan,
                       const struct sz_target *t, int b, struct mb_time *mt,
                       struct compute_flags *cf)
{
    const struct llmb_model_config *c = &t->cfg;
    double tp = t->tp, E = c->experts, K = c->experts_active, ep = t->ep > 1 ? t->ep : 1;
    memset(mt, 0, sizeof *mt);
    for (int i = 0; i < plan->ngemm; i++) {
        const struct llmb_plan_gemm *g = &plan->gemm[i];
        if (g->in_kernel || !(g->count > 0))
            continue;
        int router = strncmp(g->name, "router", 6) == 0; /* replicated over tp */
        double call = g->flops / g->count / (router ? 1 : tp), calls = g->count;
        if (E > 1 && K > 0 && is_ffn(g->name)) /* the plan: K calls of all tokens; in fact a
                                                   GPU's E/ep experts see ep K/E of its tokens
                                                   each (balanced): the same FLOPs */
            call *= ep * K / E, calls *= E / (K * ep);
        int head = strncmp(g->name, "lm_head", 7) == 0;
        int fwd = strstr(g->name, ".fwd") != NULL;
        double s = gemm_time(m, b, call, calls, cf);
        if (head)
            *(fwd ? &mt->head_f : &mt->head_b) += s;
        else
            *(fwd ? &mt->layer_f : &mt->layer_b) += s / c->layers;
    }
    for (int i = 0; i < plan->nop; i++) {
        const struct llmb_plan_op *o = &plan->op[i];
        if (o->kernel == LLMB_K_MATMUL || o->role == LLMB_ROLE_ADAMW)
            continue;
        double fl, by;
        llmb_kernel_cost(o->kernel, o->bwd, &o->shape, &fl, &by);
        double split = 1;
        if (o->role == LLMB_ROLE_ATTENTION || o->role == LLMB_ROLE_ACT ||
            o->role == LLMB_ROLE_ROPE || o->role == LLMB_ROLE_SOFTMAX_XENT)
            split = tp;
        const struct sz_kernel *k = find_kernel(m, o->name, o->bwd);
        double s;
        int by_flops = o->role == LLMB_ROLE_ATTENTION;
        double tgt = by_flops ? fl : by, ref = k ? (by_flops ? k->pt.flops : k->pt.bytes) : NAN;
        if (k && ref > 0 && tgt > 0) {
            double r = tgt / split / ref;
            s = k->pt.t[b] * r;
            double dev = fmax(r, 1 / r);
            if (b == SZ_MED && dev > cf->kscale)
                cf->kscale = dev, snprintf(cf->kscale_name, sizeof cf->kscale_name, "%s %s",
                                           o->name, o->bwd ? "bwd" : "fwd");
        } else {
            s = by / split / (m->stream_gbs * 1e9);
            if (b == SZ_MED && !strstr(cf->unmeasured, o->name))
                rr_cat(cf->unmeasured, sizeof cf->unmeasured, "%s%s",
                       cf->unmeasured[0] ? ", " : "", o->name);
        }
        s *= o->count;
        if (o->layer) {
            *(o->bwd ? &mt->layer_b : &mt->layer_f) += s / c->layers;
            if (o->role == LLMB_ROLE_ATTENTION && !o->bwd)
                mt->attn_f += s / c->layers;
        } else {
            *(o->bwd ? &mt->head_b : &mt->head_f) += s;
        }
    }
}

/* ---------------------------------------------------------------- communication */
/* Seconds of one collective of bytes at p ranks on tier, band b; NAN without a fit. */
static double comm(const struct sz_measured *m, struct sz_projection *pr, int coll, int tier,
                   int p, double bytes, int b)
{
    int sub;
    const struct sz_comm_fit *f = sz_fit_for(m, coll, tier, &sub);
    const char *cn = llmb_coll_name((enum llmb_coll)coll);
    const char *tn = tier == RR_INTER ? "inter-node" : "intra-node";
    if (!f) {
        note(pr, "%s on the %s tier: not measured on either tier (no curve in the file)", cn, tn);
        return NAN;
    }
    if (b == SZ_MED) {
        if (sub)
            note(pr, "%s %s tier not measured: priced at the %s fit (%s)", cn, tn,
                 tier == RR_INTER ? "intra-node" : "inter-node",
                 tier == RR_INTER ? "optimistic: inter-node links are usually slower"
                                  : "pessimistic");
        if (coll != LLMB_COLL_SENDRECV && p != f->p0)
            note(pr, "%s (%s): %d ranks, measured at %d: extended by the ring/tree formulas", cn,
                 f->group, p, f->p0);
        const struct sz_line *l = &f->line[SZ_MED];
        if (bytes > l->max_bytes * 1.0001 || bytes < l->min_bytes * 0.9999)
            note(pr, "%s (%s): messages of %.3g bytes, outside the measured %.3g..%.3g", cn,
                 f->group, bytes, l->min_bytes, l->max_bytes);
    }
    double s = sz_coll_time(coll, p, f->alpha_s[b], f->beta_gbs[b], bytes, NULL);
    return s * (1.0 + (b - SZ_MED) * f->line[b].rms_rel);
}

/* ---------------------------------------------------------------- the projection */
static int check_layout(const struct sz_measured *m, const struct sz_target *t,
                        struct sz_projection *p, int *gpn)
{
    const struct llmb_model_config *c = &t->cfg;
    *gpn = t->gpus_per_node > 0 ? t->gpus_per_node : m->ranks_per_node;
    if (*gpn < 1)
        *gpn = 1;
    if ((long)t->dp * t->tp * t->pp != t->gpus)
        return snprintf(p->why, sizeof p->why, "--dp %d x --tp %d x --pp %d = %ld: must equal "
                        "--gpus %d", t->dp, t->tp, t->pp, (long)t->dp * t->tp * t->pp, t->gpus),
               -1;
    if (c->heads % t->tp || c->kv_heads % t->tp)
        return snprintf(p->why, sizeof p->why, "--tp %d: must divide the heads (%d) and kv "
                        "heads (%d) of %s", t->tp, c->heads, c->kv_heads, c->name), -1;
    if (t->pp > c->layers)
        return snprintf(p->why, sizeof p->why, "--pp %d: more stages than the %d layers of %s",
                        t->pp, c->layers, c->name), -1;
    int ep = t->ep > 1 ? t->ep : 1;
    if (ep > 1 && c->experts < 1)
        return snprintf(p->why, sizeof p->why, "--ep %d: %s is a dense model (no experts to "
                        "distribute)", ep, c->name), -1;
    if (ep > c->experts && c->experts > 0)
        return snprintf(p->why, sizeof p->why, "--ep %d: more than the %d experts of %s", ep,
                        c->experts, c->name), -1;
    if (ep > 1 && c->experts % ep)
        return snprintf(p->why, sizeof p->why, "--ep %d: must divide the %d experts of %s",
                        ep, c->experts, c->name), -1;
    if (t->dp % ep)
        return snprintf(p->why, sizeof p->why, "--ep %d: must divide --dp %d (expert-parallel "
                        "groups are made of data-parallel ranks)", ep, t->dp), -1;
    if (t->global_batch % ((long long)t->dp * c->batch))
        return snprintf(p->why, sizeof p->why, "--global-batch %d: must be a multiple of --dp "
                        "%d x --micro-batch %d", t->global_batch, t->dp, c->batch), -1;
    return 0;
}

/* The gradients' communication of one step over a group of dp GPUs (the data-parallel group,
 * or the experts' dp / ep), seconds; its bucket count added to *nbuckets. */
static double dp_comm(const struct sz_measured *m, const struct sz_target *t,
                      struct sz_projection *p, int tier, int dp, double grad_bytes, int mbs,
                      int b, int *nbuckets)
{
    double bucket = m->bucket_bytes > 0 ? m->bucket_bytes : SZ_DEFAULT_BUCKET;
    int nb = (int)ceil(grad_bytes / bucket);
    if (dp <= 1 || nb == 0)
        return 0;
    *nbuckets += nb;
    double last = grad_bytes - (nb - 1) * bucket, s = 0;
    for (int pass = 0; pass < 2; pass++) { /* full buckets, then the last */
        double sz = pass ? last : bucket, n = pass ? 1 : nb - 1;
        if (n <= 0)
            continue;
        if (t->zero <= 1)
            s += n * comm(m, p, LLMB_COLL_ALLREDUCE, tier, dp, sz, b);
        else
            s += n * (comm(m, p, LLMB_COLL_REDUCE_SCATTER, tier, dp, sz, b) +
                      comm(m, p, LLMB_COLL_ALLGATHER, tier, dp, sz, b) *
                          (t->zero >= 3 ? 2.0 * mbs : 1.0));
    }
    if (b == SZ_MED && m->train_factor != 1)
        note(p, "data-parallel traffic x %.3g: the run's training collectives took %.4g s a "
             "step where the fits price its buckets at %.4g s", m->train_factor,
             m->train_comm_s, m->train_fit_s);
    return s * m->train_factor;
}

void sz_project(const struct sz_measured *m, const struct sz_target *t, struct sz_projection *p)
{
    memset(p, 0, sizeof *p);
    const struct llmb_model_config *c = &t->cfg;
    int gpn;
    if (check_layout(m, t, p, &gpn) < 0)
        return;
    p->gpus = t->gpus;
    p->nodes = (t->gpus + gpn - 1) / gpn;
    p->m = t->global_batch / (t->dp * c->batch);
    struct llmb_model_params pc;
    llmb_model_count(c, &pc);
    p->params = (double)pc.total;
    p->flops_per_token = llmb_model_flops_per_token(c);
    p->expert_params = (double)pc.experts_total;
    p->bubble = sz_bubble(t->pp, p->m);
    int ep = t->ep > 1 ? t->ep : 1;
    memory(t, p->params, p->expert_params, ep, p->m, &p->mem);
    struct llmb_plan plan;
    if (llmb_plan_build(&plan, c) < 0) {
        snprintf(p->why, sizeof p->why, "the plan of %s could not be built", c->name);
        return;
    }
    const struct rr_run *run = m->run;
    int tp_tier = t->tp <= gpn ? RR_INTRA : RR_INTER;
    int pp_tier = p->nodes > 1 ? RR_INTER : RR_INTRA;
    int dp_tier = (long)t->tp * t->dp <= gpn ? RR_INTRA : RR_INTER;
    int ep_tier = (long)t->tp * ep <= gpn ? RR_INTRA : RR_INTER;
    int overlap = t->overlap >= 0 ? t->overlap : m->overlap;
    int stage_layers = (c->layers + t->pp - 1) / t->pp;
    double act_bytes = (double)c->batch * c->seq * c->d_model * SZ_ELEM_BYTES;
    /* with expert parallelism the experts' FFN weights (ex) apart: / ep, their group dp / ep */
    double mp = (double)t->tp * t->pp, ex = ep > 1 ? p->expert_params : 0;
    double grad_bytes = SZ_ELEM_BYTES * (p->params - ex) / mp;
    double ex_grad_bytes = SZ_ELEM_BYTES * ex / mp / ep;
    double upd_params = (p->params - ex) / mp / (t->zero >= 1 ? t->dp : 1) +
                        ex / mp / ep / (t->zero >= 1 ? t->dp / ep : 1);
    /* one all-to-all: a GPU's tokens of a micro-batch, each to top-k experts (nccl-tests S:
     * the whole send buffer, S / ep to each peer) */
    p->ep_bytes = ep > 1 ? (double)c->batch * c->seq * c->experts_active * c->d_model *
                               SZ_ELEM_BYTES * (t->capacity > 0 ? t->capacity : 1.0)
                         : 0;
    struct compute_flags cf = {0, 0, INFINITY, 0, 0, "", ""};
    p->ok = 1;
    for (int b = 0; b < SZ_NBANDS; b++) {
        struct mb_time mt;
        compute_mb(m, &plan, t, b, &mt, &cf);
        double k = m->compute_factor > 0 ? m->compute_factor : 1;
        mt.layer_f *= k, mt.layer_b *= k, mt.head_f *= k, mt.head_b *= k, mt.attn_f *= k;
        if (t->recompute == LLMB_RECOMPUTE_FULL)
            mt.layer_b += mt.layer_f;
        else if (t->recompute == LLMB_RECOMPUTE_SELECTIVE)
            mt.layer_b += mt.attn_f;
        double tf = stage_layers * mt.layer_f + mt.head_f, tb = stage_layers * mt.layer_b + mt.head_b;
        double ntp = t->recompute == LLMB_RECOMPUTE_FULL ? 6 : 4;
        double ttp = t->tp > 1 ? stage_layers * ntp *
                                     comm(m, p, LLMB_COLL_ALLREDUCE, tp_tier, t->tp, act_bytes, b)
                               : 0;
        double tpp = t->pp > 1 ? 2 * comm(m, p, LLMB_COLL_SENDRECV, pp_tier, 2, act_bytes, b) : 0;
        double tep = ep > 1 ? stage_layers * ntp * /* 4 (6 with full recomputation) */
                                  comm(m, p, LLMB_COLL_ALLTOALL, ep_tier, ep, p->ep_bytes, b)
                            : 0;
        double slot = tf + tb + ttp + tep + tpp;
        double pipe = (p->m + t->pp - 1) * slot;
        int nb = 0;
        double sdp = dp_comm(m, t, p, dp_tier, t->dp, grad_bytes, p->m, b, &nb) +
                     dp_comm(m, t, p, dp_tier, t->dp / ep, ex_grad_bytes, p->m, b, &nb);
        double sopt = upd_params * (m->adamw_s_per_param[b] > 0 ? m->adamw_s_per_param[b]
                                                                 : 28.0 / (m->stream_gbs * 1e9));
        struct rr_params rp;
        memset(&rp, 0, sizeof rp);
        rp.comp_norm = pipe;
        rp.phi = 1;
        rp.opt = sopt;
        rp.tier_s[dp_tier] = sdp;
        rp.progress = m->progress > 0 ? m->progress : 1;
        rp.stall = m->stall;
        rp.progress_tier = dp_tier;
        double ov = t->zero >= 3 ? pipe : tb;  /* the compute the DP traffic can hide behind */
        rp.window = overlap && pipe > 0 ? fmin(1.0, ov / pipe) : 0;
        rp.nbuckets = nb;
        rp.other = m->other_s;
        double terms[RR_NTERMS];
        double step = rr_model_time(&rp, terms);
        if (!isfinite(step) || !(step > 0)) {
            p->ok = 0;
            snprintf(p->why, sizeof p->why, "a collective the layout needs was not measured "
                     "in %s", run->file);
            break;
        }
        double tokens = (double)t->global_batch * c->seq;
        p->step_s[b] = step;
        p->tokens_per_s[b] = tokens / step;
        p->usd_per_mtok[b] = sz_usd_per_mtok(t->gpus, t->price, p->tokens_per_s[b]);
        p->usd_total[b] = sz_usd_total(t->gpus, t->price, p->tokens_per_s[b], t->tokens);
        p->days[b] = t->tokens > 0 ? t->tokens / p->tokens_per_s[b] / 86400 : NAN;
        if (b == SZ_MED) {
            p->t_compute = p->m * (tf + tb);
            p->t_tp = p->m * ttp;
            p->t_p2p = p->m * tpp;
            p->t_ep = p->m * tep;
            p->t_bubble = (t->pp - 1) * slot;
            p->t_dp_total = sdp;
            p->t_dp_exposed = terms[RR_T_INTRA] + terms[RR_T_INTER];
            p->t_opt = sopt;
            p->t_other = m->other_s;
            double fl = p->flops_per_token * p->tokens_per_s[b] / 1e9 / t->gpus;
            p->mfu_nominal = m->peak_nominal > 0 ? fl / m->peak_nominal : NAN;
            p->mfu_measured = m->peak_measured > 0 ? fl / m->peak_measured : NAN;
        }
    }
    llmb_plan_free(&plan);
    if (m->compute_factor != 1 && m->compute_factor > 0)
        note(p, "compute x %.3g: the run's train phase computed %.4g s a step where its kernels "
             "price its own workload at %.4g s", m->compute_factor, m->compute_train_s,
             m->compute_kernels_s);
    if (cf.gemm_above)
        note(p, "%d GEMM shapes above the largest measured (%.3g FLOPs per call, up to %.3g): "
             "clamped at its rate", cf.gemm_above, m->gemm_flops[m->ngemm - 1], cf.gemm_hi);
    if (cf.gemm_below)
        note(p, "%d GEMM shapes below the smallest measured (%.3g FLOPs per call, down to "
             "%.3g): clamped at its rate", cf.gemm_below, m->gemm_flops[0], cf.gemm_lo);
    if (cf.kscale > SZ_KERNEL_SCALE_FLAG)
        note(p, "non-GEMM kernels scaled up to %.0fx from the measured shape (%s)", cf.kscale,
             cf.kscale_name);
    if (cf.unmeasured[0])
        note(p, "kernels not measured in this run, priced at the STREAM bandwidth: %s",
             cf.unmeasured);
    if (!(m->adamw_s_per_param[SZ_MED] > 0))
        note(p, "AdamW not measured: priced at 28 bytes a parameter at the STREAM bandwidth");
    if (p->nodes > run->nnodes)
        note(p, "%d nodes, measured %d: the inter-node fit is taken to hold at that scale",
             p->nodes, run->nnodes);
    if (gpn > m->ranks_per_node)
        note(p, "%d GPUs per node, measured %d ranks per node", gpn, m->ranks_per_node);
    if (t->tp > gpn)
        note(p, "--tp %d spans nodes (%d GPUs per node): its allreduces priced on the inter-node "
             "tier", t->tp, gpn);
    if (ep > 1 && (long)t->tp * ep > gpn)
        note(p, "--ep %d (x --tp %d) spans nodes (%d GPUs per node): its all-to-alls priced on "
             "the inter-node tier", ep, t->tp, gpn);
    if (t->gpu_mem_bytes > 0 && p->mem.total > t->gpu_mem_bytes)
        note(p, "memory: %.1f GB per GPU needed, %.1f GB given (--gpu-mem): does not fit",
             p->mem.total / 1e9, t->gpu_mem_bytes / 1e9);
}
