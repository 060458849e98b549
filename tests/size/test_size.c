/* Unit tests of llmbench-size's formulas (size/fit.c, size/memory.c, size/project.c) against
 * worked examples computed by hand in the comments: ring and tree collectives, the pipeline
 * bubble, the line fit on exact data, interpolation in log(FLOPs), the cost arithmetic, MoE
 * parameter and FLOP counts and ZeRO memory as the projection takes them from lib/model.h, a
 * whole projection (8 GPUs, DP 8) on a hand-made measurement, and expert parallelism (Mixtral
 * 8x7B, ep 8): all-to-all bytes and time, memory, gradient groups, the layout checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "size/size.h"

#define near(a, b, rel) assert_true(fabs((double)(a) - (double)(b)) <= (rel) * fabs((double)(b)) + 1e-300)

static void test_ring_tree(void **state)
{
    (void)state;
    /* p 8, alpha 10 us, beta 10 GB/s, S 100 MB:
     * ring 2*7*1e-5 + 2*7/8*1e8/1e10 = 1.4e-4 + 0.0175 = 0.01764
     * tree 2*3*1e-5 + 2*1e8/1e10 = 6e-5 + 0.02 = 0.02006: ring wins */
    near(sz_ring_allreduce(8, 1e-5, 10, 1e8), 0.01764, 1e-12);
    near(sz_tree_allreduce(8, 1e-5, 10, 1e8), 0.02006, 1e-12);
    const char *algo;
    near(sz_coll_time(LLMB_COLL_ALLREDUCE, 8, 1e-5, 10, 1e8, &algo), 0.01764, 1e-12);
    assert_string_equal(algo, "ring");
    /* S 1 KB: ring 1.4e-4 + 1.75e-7 = 1.40175e-4; tree 6e-5 + 2e-7 = 6.02e-5: tree wins */
    near(sz_coll_time(LLMB_COLL_ALLREDUCE, 8, 1e-5, 10, 1e3, &algo), 6.02e-5, 1e-12);
    assert_string_equal(algo, "tree");
    /* reduce-scatter ring at p 4: 3*1e-5 + 3/4*1e8/1e10 = 3e-5 + 7.5e-3 */
    near(sz_coll_time(LLMB_COLL_REDUCE_SCATTER, 4, 1e-5, 10, 1e8, NULL), 7.53e-3, 1e-12);
    /* sendrecv: 1e-5 + 1e8/1e10 */
    near(sz_coll_time(LLMB_COLL_SENDRECV, 2, 1e-5, 10, 1e8, NULL), 0.01001, 1e-12);
    /* one rank: no communication */
    assert_true(sz_coll_time(LLMB_COLL_ALLREDUCE, 1, 1e-5, 10, 1e8, NULL) == 0);
    /* the fit read through the ring at p0 gives the line back at p0 = 2:
     * allreduce hops 2(p0-1) = 2, busbw factor 1: alpha = a/2, beta = B */
    assert_true(sz_ring_hops(LLMB_COLL_ALLREDUCE, 2) == 2);
    near(sz_coll_time(LLMB_COLL_ALLREDUCE, 2, 5e-6 / 2, 12.5, 1e6, NULL), 5e-6 + 1e6 / 12.5e9,
         1e-12);
}

static void test_bubble(void **state)
{
    (void)state;
    near(sz_bubble(4, 8), 3.0 / 11.0, 1e-15); /* (p-1)/(m+p-1) */
    assert_true(sz_bubble(1, 16) == 0);
    assert_true(isnan(sz_bubble(0, 1)));
}

static void test_fit_exact(void **state)
{
    (void)state;
    /* t = 5 us + S / 12.5 GB/s, exact, 1 KiB .. 64 MiB */
    double x[17], t[17];
    for (int i = 0; i < 17; i++)
        x[i] = 1024.0 * (1 << i), t[i] = 5e-6 + x[i] / 12.5e9;
    struct sz_line l;
    sz_fit_line(x, t, 17, &l);
    assert_true(l.ok);
    near(l.a_s, 5e-6, 1e-9);
    near(l.bw_gbs, 12.5, 1e-9);
    assert_true(l.rms_rel < 1e-9 && l.max_rel < 1e-9);
    near(l.min_bytes, 1024, 0);
    near(l.max_bytes, 1024.0 * 65536, 0);
    /* a negative intercept is refitted through 0: t = S / 1 GB/s - 1 us at two sizes */
    double x2[2] = {1e6, 2e6}, t2[2] = {1e-3 - 1e-6, 2e-3 - 1e-6};
    sz_fit_line(x2, t2, 2, &l);
    assert_true(l.ok && l.a_s == 0 && l.bw_gbs > 0.99 && l.bw_gbs < 1.01);
    /* one point, or no slope: no fit */
    sz_fit_line(x, t, 1, &l);
    assert_false(l.ok);
    double flat[3] = {1e-3, 1e-3, 1e-3};
    sz_fit_line(x, flat, 3, &l);
    assert_false(l.ok);
}

static void test_interp_log(void **state)
{
    (void)state;
    double x[2] = {1e6, 1e8}, y[2] = {10, 30};
    int out;
    near(sz_interp_log(x, y, 2, 1e7, &out), 20, 1e-12); /* halfway in log */
    assert_int_equal(out, 0);
    near(sz_interp_log(x, y, 2, 1e9, &out), 30, 0);
    assert_int_equal(out, 1);
    near(sz_interp_log(x, y, 2, 1e5, &out), 10, 0);
    assert_int_equal(out, -1);
}

static void test_cost(void **state)
{
    (void)state;
    /* 8 GPUs at $2/GPU-hour = $16 an hour; 40000 tokens/s = 144e6 tokens an hour:
     * $16 / 144 = $0.11111 per 1M tokens; 1e9 tokens: $111.11 */
    near(sz_usd_per_mtok(8, 2.0, 40000), 16.0 / 144.0, 1e-12);
    near(sz_usd_total(8, 2.0, 40000, 1e9), 1000 * 16.0 / 144.0, 1e-12);
    assert_true(isnan(sz_usd_per_mtok(8, NAN, 40000)));
}

/* A hand-made measurement: every GEMM at 100 GFLOP/s, no kernel measured (STREAM 10 GB/s),
 * AdamW 1 ns a parameter, allreduce, sendrecv and alltoall on the intra tier alpha 10 us, beta
 * 10 GB/s (the same in every band, no residual), no overlap, no host time. */
static struct sz_measured fake;
static double fl[1] = {1e9}, rate[1] = {100};

static void make_fake(void)
{
    memset(&fake, 0, sizeof fake);
    static struct rr_run run;
    memset(&run, 0, sizeof run);
    run.file = (char *)"fake.json", run.nnodes = 1;
    fake.run = &run;
    fake.ngemm = 1, fake.gemm_flops = fl;
    for (int b = 0; b < SZ_NBANDS; b++)
        fake.gemm_rate[b] = rate, fake.adamw_s_per_param[b] = 1e-9;
    fake.stream_gbs = 10, fake.peak_nominal = 200, fake.peak_measured = 100;
    fake.ranks_per_node = 8, fake.bucket_bytes = 25.0 * 1024 * 1024, fake.progress = 1;
    fake.train_factor = 1, fake.compute_factor = 1;
    int colls[3] = {LLMB_COLL_ALLREDUCE, LLMB_COLL_SENDRECV, LLMB_COLL_ALLTOALL};
    for (int i = 0; i < 3; i++) {
        struct sz_comm_fit *f = &fake.fit[colls[i]][RR_INTRA];
        f->ok = 1, f->coll = colls[i], f->tier = RR_INTRA, f->p0 = 8;
        snprintf(f->group, sizeof f->group, "intra");
        for (int b = 0; b < SZ_NBANDS; b++) {
            f->alpha_s[b] = 1e-5, f->beta_gbs[b] = 10;
            f->line[b] = (struct sz_line){1, 10, 1e-5, 10, 0, 0, 8, 1e9};
        }
    }
}

static void test_projection_dp8(void **state)
{
    (void)state;
    make_fake();
    struct sz_target t;
    memset(&t, 0, sizeof t);
    assert_int_equal(llmb_model_config_init(&t.cfg, "tiny", 0, 4, 64), 0);
    t.gpus = t.dp = 8, t.tp = t.pp = 1, t.gpus_per_node = 8;
    t.global_batch = 32, t.tokens = 1e9, t.overlap = 0, t.price = 2.0;
    struct sz_projection p;
    sz_project(&fake, &t, &p);
    assert_true(p.ok);
    assert_int_equal(p.m, 1); /* 32 sequences / (8 x 4) */
    /* DP: 4 x 30624 = 122496 bytes, one bucket, allreduce at p 8:
     * ring 2*7*1e-5 + 2*7/8*122496/1e10 = 1.614368e-4; tree 2*3*1e-5 + 2*122496/1e10 =
     * 8.44992e-5: tree */
    near(p.t_dp_total, 8.44992e-5, 1e-9);
    near(p.t_dp_exposed, p.t_dp_total, 1e-12); /* no overlap */
    near(p.t_opt, 30624 * 1e-9, 1e-9);         /* AdamW: every parameter on every GPU */
    /* step = compute + DP + AdamW (no TP, no pipeline, no host) */
    near(p.step_s[SZ_MED], p.t_compute + p.t_dp_total + p.t_opt, 1e-12);
    /* every band equal: no spread in the measurement */
    near(p.step_s[SZ_P10], p.step_s[SZ_MED], 1e-12);
    /* tokens/s = 32 x 64 / step; cost = 8 x $2 / 3600 x 1e6 / tokens/s; MFU = 220608 x
     * tokens/s / (8 x 200e9) */
    double tps = 2048 / p.step_s[SZ_MED];
    near(p.tokens_per_s[SZ_MED], tps, 1e-12);
    near(p.usd_per_mtok[SZ_MED], 16.0 / 3600 * 1e6 / tps, 1e-12);
    near(p.usd_total[SZ_MED], 16.0 / 3600 * 1e9 / tps, 1e-12);
    near(p.days[SZ_MED], 1e9 / tps / 86400, 1e-12);
    near(p.mfu_nominal, 220608 * tps / (8 * 200e9), 1e-12);
    /* compute: the GEMMs at 100 GFLOP/s take at least their FLOPs / 1e11 (the plan's GEMM
     * FLOPs of a micro-batch of 256 tokens: 220608*256 less the non-matrix parameters' 6 x
     * tokens x 320, so between 5.6e7 and 5.66e7 FLOPs: 0.56 ms) plus the other kernels */
    assert_true(p.t_compute > 5.6e7 / 1e11 && p.t_compute < 1e-2);

    /* compute calibrated x 2 by the run's train phase: compute doubles, the rest stays */
    fake.compute_factor = 2;
    struct sz_projection c2;
    sz_project(&fake, &t, &c2);
    near(c2.t_compute, 2 * p.t_compute, 1e-12);
    near(c2.step_s[SZ_MED] - c2.t_compute, p.step_s[SZ_MED] - p.t_compute, 1e-9);
    fake.compute_factor = 1;

    /* memory (lib/model.h at fp32): 30624 parameters, 4 B weights and gradients, 8 B AdamW;
     * ZeRO 0 here.  Activations per layer sbh(10 + 24/t + 5as/(ht)) for 2-byte elements,
     * s 64, b 4, h 32, a 4, t 1: 8192 x (34 + 40) = 606208, doubled for fp32, 2 layers, one
     * micro-batch in flight: 2424832 */
    near(p.mem.weights, 122496, 0), near(p.mem.grads, 122496, 0);
    near(p.mem.optimizer, 244992, 0), near(p.mem.activations, 2424832, 0);
    t.zero = 3, t.recompute = LLMB_RECOMPUTE_FULL; /* all over 8; the layer input, 2sbh x 2 */
    struct sz_projection z3;
    sz_project(&fake, &t, &z3);
    near(z3.mem.weights, 15312, 0), near(z3.mem.grads, 15312, 0), near(z3.mem.optimizer, 30624, 0);
    near(z3.mem.activations, 2 * 16384.0 * 2, 0);
    t.zero = 0, t.recompute = LLMB_RECOMPUTE_NONE;

    /* the same with pp 2, m 4: the bubble is 1/5, its time one slot; p2p twice a slot */
    t.dp = 4, t.pp = 2, t.global_batch = 64;
    struct sz_projection q;
    sz_project(&fake, &t, &q);
    assert_true(q.ok);
    assert_int_equal(q.m, 4);
    near(q.bubble, 1.0 / 5.0, 1e-15);
    double p2p = 2 * (1e-5 + 64.0 * 4 * 32 * 4 / 1e10); /* sendrecv of 4 x 64 x 32 floats */
    near(q.t_p2p, 4 * p2p, 1e-9);
    near(q.t_bubble, (q.t_compute + q.t_p2p) / 4, 1e-9);

    /* an impossible layout says why */
    t.dp = 3;
    sz_project(&fake, &t, &q);
    assert_false(q.ok);
    assert_non_null(strstr(q.why, "--gpus 8"));
}

static void test_moe(void **state)
{
    (void)state;
    /* a small llama: L 2, C 32, 4 heads (head dim 8), F 64, V 97, untied.  Per layer: rms 32 +
     * qkv 96x32 + out 32x32 + rms 32 + FFN 32x128 + 64x32 (6144) = 10304; embedding and head
     * 97x32 each, final norm 32: 26848 parameters; N = 23744, 6N + 12 L H Q T (T 64) =
     * 142464 + 49152 = 191616 FLOPs per token.  8 experts, top 2: + 7 x 6144 + router 8x32
     * per layer = 113376 parameters; N + (1 x 6144 + 256) x 2 = 36544: 268416 FLOPs. */
    make_fake();
    struct llmb_model_preset pr = {.name = "small-llama", .family = "llama", .layers = 2,
                                   .d_model = 32, .heads = 4, .kv_heads = 4, .d_ff = 64,
                                   .vocab = 97, .seq = 64, .batch = 4, .tied = 0};
    struct sz_target t;
    memset(&t, 0, sizeof t);
    assert_int_equal(llmb_model_config_from(&t.cfg, &pr, 0, 4, 64), 0);
    t.gpus = t.dp = 8, t.tp = t.pp = 1, t.gpus_per_node = 8, t.global_batch = 32;
    t.price = NAN;
    struct sz_projection d, m;
    sz_project(&fake, &t, &d);
    assert_true(d.ok);
    near(d.params, 26848, 0), near(d.flops_per_token, 191616, 0);
    pr.experts = 8, pr.experts_active = 2;
    assert_int_equal(llmb_model_config_from(&t.cfg, &pr, 0, 4, 64), 0);
    sz_project(&fake, &t, &m);
    assert_true(m.ok);
    near(m.params, 113376, 0), near(m.flops_per_token, 268416, 0);
    /* all 8 experts' gradients travel: the DP traffic grows with the parameters; compute
     * with the active ones (between 1x and 3x the dense: 2 FFNs of 6144 weights instead of 1,
     * plus the router) */
    assert_true(m.t_dp_total > d.t_dp_total);
    assert_true(m.t_compute > d.t_compute && m.t_compute < 3 * d.t_compute);
}

static int has_note(const struct sz_projection *p, const char *s)
{
    for (int i = 0; i < p->nnotes; i++)
        if (strstr(p->notes[i], s))
            return 1;
    return 0;
}

static void test_expert_parallel(void **state)
{
    (void)state;
    make_fake();
    struct sz_target t;
    memset(&t, 0, sizeof t);
    /* Mixtral 8x7B (lib/model.c): L 32, C 4096, F 14336, 32 heads, 8 kv heads (qkv 6144 rows),
     * V 32000 untied, 8 experts, top 2.  One expert 3 x 14336 x 4096 = 176160768; per layer
     * 8 experts 1409286144 + qkv 25165824 + out 16777216 + router 32768 + norms 8192 =
     * 1451270144; x 32 + embedding and head 2 x 131072000 + final norm 4096 = 46702792704.
     * Experts: 32 x 1409286144 = 45097156608; the rest (dense) 1605636096. */
    assert_int_equal(llmb_model_config_init(&t.cfg, "mixtral-8x7b", 0, 1, 4096), 0);
    t.gpus = t.dp = 8, t.tp = t.pp = 1, t.gpus_per_node = 8, t.global_batch = 8;
    t.ep = 8, t.price = NAN;
    struct sz_projection p, d;
    sz_project(&fake, &t, &p);
    assert_true(p.ok);
    assert_int_equal(p.m, 1);
    near(p.params, 46702792704.0, 0), near(p.expert_params, 45097156608.0, 0);
    /* one all-to-all: 1 x 4096 tokens x top-2 x 4096 x 4 bytes = 134217728 per GPU; at p 8:
     * 7 alpha + 7/8 S/beta = 7e-5 + 0.875 x 0.0134217728 = 0.0118140512 s; 4 a layer (dispatch
     * and combine, forward and backward), 32 layers, one micro-batch: 1.5121985536 s */
    near(p.ep_bytes, 134217728.0, 0);
    near(p.t_ep, 128 * 0.0118140512, 1e-12);
    /* memory, ZeRO 0: the dense 1605636096 + an eighth of the experts 5637144576 =
     * 7242780672 parameters a GPU: 4 B weights, 4 B gradients, 8 B AdamW */
    near(p.mem.weights, 28971122688.0, 0), near(p.mem.grads, 28971122688.0, 0);
    near(p.mem.optimizer, 57942245376.0, 0);
    near(p.t_opt, 7242780672.0 * 1e-9, 1e-12);
    /* gradients: the dense 4 x 1605636096 = 6422544384 bytes over dp 8, 25 MiB buckets: 245
     * full (ring 14e-5 + 1.75 x 2.62144e-3 = 4.72752e-3 s; tree 6e-5 + 5.24288e-3) and one
     * of 16384 bytes (tree 6e-5 + 3.2768e-6 = 6.32768e-5 s): 1.1583056768 s; the experts'
     * over dp / ep = 1 GPU: none */
    near(p.t_dp_total, 245 * 4.72752e-3 + 6.32768e-5, 1e-9);
    near(p.step_s[SZ_MED], p.t_compute + p.t_ep + p.t_dp_total + p.t_opt, 1e-12);

    /* without expert parallelism: no all-to-all, every expert on every GPU, the same compute
     * (the GEMM rate is flat here: only the shapes change, not the FLOPs) */
    t.ep = 1;
    sz_project(&fake, &t, &d);
    assert_true(d.ok);
    assert_true(d.t_ep == 0 && d.ep_bytes == 0);
    near(d.mem.weights, 4 * 46702792704.0, 0);
    near(d.t_compute, p.t_compute, 1e-12);

    /* 16 GPUs on 2 nodes, dp 16, ep 8, ZeRO 1: the EP group (8 consecutive GPUs) stays in a
     * node, the same all-to-all; the experts' gradients, 4 x 5637144576 = 22548578304 bytes,
     * over dp / ep = 2 GPUs: 860 buckets of ring 2e-5 + 2.62144e-3 s and one of 4194304 bytes,
     * ring 2e-5 + 4.194304e-4 s: 2.2720778304 s; the dense over 16: 245 x ring (30e-5 +
     * 1.875 x 2.62144e-3 = 5.2152e-3 s) + tree of 16384 bytes (8e-5 + 3.2768e-6 s):
     * 1.2778072768 s (the inter-node tier, priced at the intra fit here, flagged).  AdamW
     * state: 8 x (1605636096 / 16 + 5637144576 / 2) = 23351396352 bytes */
    t.gpus = t.dp = 16, t.ep = 8, t.global_batch = 16, t.zero = 1;
    sz_project(&fake, &t, &p);
    assert_true(p.ok);
    near(p.t_ep, 128 * 0.0118140512, 1e-12);
    near(p.t_dp_total, 2.2720778304 + 1.2778072768, 1e-9);
    near(p.mem.optimizer, 23351396352.0, 0);
    assert_false(has_note(&p, "spans nodes"));
    assert_true(has_note(&p, "allreduce inter-node tier not measured"));

    /* 2 GPUs a node: an EP group of 4 spans nodes, its all-to-all on the inter-node tier (not
     * measured here: the intra fit stands in, flagged); capacity factor 1.25: 1.25x the bytes */
    t.gpus = t.dp = 8, t.ep = 4, t.global_batch = 8, t.zero = 0, t.gpus_per_node = 2;
    t.capacity = 1.25;
    sz_project(&fake, &t, &p);
    assert_true(p.ok);
    near(p.ep_bytes, 1.25 * 134217728.0, 0);
    /* 3 alpha + 3/4 S/beta at p 4 */
    near(p.t_ep, 128 * (3e-5 + 0.75 * 1.25 * 134217728.0 / 1e10), 1e-12);
    assert_true(has_note(&p, "--ep 4 (x --tp 1) spans nodes"));
    assert_true(has_note(&p, "alltoall inter-node tier not measured"));
    t.gpus_per_node = 8, t.capacity = 0;

    /* no alltoall curve: not projected, said why */
    fake.fit[LLMB_COLL_ALLTOALL][RR_INTRA].ok = 0;
    sz_project(&fake, &t, &p);
    assert_false(p.ok);
    assert_true(has_note(&p, "alltoall on the intra-node tier: not measured"));
    fake.fit[LLMB_COLL_ALLTOALL][RR_INTRA].ok = 1;

    /* the layout checks: one line each, starting with the option (main.c: status 2) */
    t.ep = 3;
    sz_project(&fake, &t, &p);
    assert_false(p.ok);
    assert_string_equal(p.why, "--ep 3: must divide the 8 experts of mixtral-8x7b");
    t.ep = 16, t.gpus = t.dp = 16, t.global_batch = 16;
    sz_project(&fake, &t, &p);
    assert_false(p.ok);
    assert_string_equal(p.why, "--ep 16: more than the 8 experts of mixtral-8x7b");
    t.ep = 8, t.gpus = t.dp = 4, t.global_batch = 4;
    sz_project(&fake, &t, &p);
    assert_false(p.ok);
    assert_non_null(strstr(p.why, "--ep 8: must divide --dp 4"));
    assert_int_equal(llmb_model_config_init(&t.cfg, "tiny", 0, 1, 64), 0);
    t.ep = 2;
    sz_project(&fake, &t, &p);
    assert_false(p.ok);
    assert_non_null(strstr(p.why, "--ep 2: tiny is a dense model"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ring_tree),      cmocka_unit_test(test_bubble),
        cmocka_unit_test(test_fit_exact),      cmocka_unit_test(test_interp_log),
        cmocka_unit_test(test_cost),           cmocka_unit_test(test_moe),
        cmocka_unit_test(test_projection_dp8), cmocka_unit_test(test_expert_parallel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
