/* llmbench-size: project measured runs to a training job and price it (doc/llmbench-size.1,
 * doc/sizing.md).  One or more results files (offers), one target: model, sequence, batch,
 * tokens, GPUs and layout; out come step time, tokens/s, MFU, time to train and cost per offer,
 * ranked, with the p10-p90 band of the measurements, the fits, every assumption and what lies
 * outside the measured range.  No MPI: linked with the plain C compiler (size/local.mk). */
#include "size/size.h"

#include "config.h"
#include "error.h"
#include "results.h"
#include "util.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SZ_MAX_OFFERS 26

static void usage(FILE *o)
{
    fprintf(o,
        "usage: llmbench-size [options] RESULTS.json [MORE.json ...]\n"
        "  each file is an offer: its measured compute and communication price the target\n"
        " target model (default: the first run's model):\n"
        "  --model NAME            preset (an unknown name lists them)\n"
        "  --family gpt2|llama --layers N --d-model N --heads N --kv-heads N --d-ff N\n"
        "  --vocab N               explicit dimensions (without --model: all of layers, d-model,\n"
        "                          heads, d-ff, vocab; with it: override the preset's)\n"
        "  --experts E --experts-active K   mixture of experts (0: dense)\n"
        "  --seq N                 tokens per sequence (default: the preset's)\n"
        " job and layout:\n"
        "  --gpus N                GPUs (default: the first run's ranks)\n"
        "  --gpus-per-node N       (default: the run's ranks per node)\n"
        "  --dp N --tp N --pp N    data, tensor, pipeline parallel sizes (dp default:\n"
        "                          gpus / (tp x pp)); dp x tp x pp = gpus\n"
        "  --ep N                  expert-parallel size (MoE; default 1): divides the experts\n"
        "                          and dp (EP groups are made of data-parallel ranks)\n"
        "  --capacity-factor X     MoE all-to-all buffers of tokens x top-k x X rows (default 1)\n"
        "  --zero 0|1|2|3          ZeRO stage (default 0)\n"
        "  --micro-batch N         sequences per micro-batch (default 1)\n"
        "  --global-batch N        sequences per step (default dp x micro-batch)\n"
        "  --recompute none|selective|full   activation recomputation (default none)\n"
        "  --overlap yes|no        gradient reduction overlapped with backward (default: as\n"
        "                          measured)\n"
        "  --tokens N              training tokens, e.g. 300e9 (time and cost to train)\n"
        "  --gpu-mem GB            flag a layout that needs more memory per GPU\n"
        " cost:\n"
        "  --price USD             price per GPU-hour: once for every offer, or once per offer\n"
        "                          in file order\n"
        "  --label NAME            name of an offer, once per offer in file order\n"
        " output:\n"
        "  --json                  JSON instead of the table\n"
        "  --plots DIR             tokens/s and cost per 1M tokens against GPU count (gnuplot)\n"
        "  --help, --version\n");
}

struct opts {
    const char *model, *family, *plots;
    long layers, d_model, heads, kv_heads, d_ff, vocab, experts, experts_active, seq;
    long gpus, gpn, dp, tp, pp, ep, zero, mb, gbatch;
    double tokens, gpu_mem, capacity;
    int recompute, overlap, json;
    double price[SZ_MAX_OFFERS];
    int nprice;
    const char *label[SZ_MAX_OFFERS];
    int nlabel;
};

static int bad(const char *opt, const char *val, const char *want)
{
    llmb_error("%s %s: expected %s", opt, val, want);
    return LLMB_EINPUT;
}

/* -1 to go on, else the exit status (help, version, a bad option: message printed). */
static int parse_opts(int argc, char **argv, struct opts *o)
{
    enum { O_MODEL = 256, O_FAMILY, O_LAYERS, O_DMODEL, O_HEADS, O_KVH, O_DFF, O_VOCAB,
           O_EXP, O_EXPA, O_SEQ, O_GPUS, O_GPN, O_DP, O_TP, O_PP, O_ZERO, O_MB, O_GB, O_RC,
           O_OV, O_TOK, O_MEM, O_EP, O_CAP, O_PRICE, O_LABEL, O_JSON, O_PLOTS, O_HELP, O_VERSION };
    static const struct option opts[] = {
        {"model", 1, 0, O_MODEL}, {"family", 1, 0, O_FAMILY}, {"layers", 1, 0, O_LAYERS},
        {"d-model", 1, 0, O_DMODEL}, {"heads", 1, 0, O_HEADS}, {"kv-heads", 1, 0, O_KVH},
        {"d-ff", 1, 0, O_DFF}, {"vocab", 1, 0, O_VOCAB}, {"experts", 1, 0, O_EXP},
        {"experts-active", 1, 0, O_EXPA}, {"seq", 1, 0, O_SEQ}, {"gpus", 1, 0, O_GPUS},
        {"gpus-per-node", 1, 0, O_GPN}, {"dp", 1, 0, O_DP}, {"tp", 1, 0, O_TP},
        {"pp", 1, 0, O_PP}, {"zero", 1, 0, O_ZERO}, {"micro-batch", 1, 0, O_MB},
        {"global-batch", 1, 0, O_GB}, {"recompute", 1, 0, O_RC}, {"overlap", 1, 0, O_OV},
        {"ep", 1, 0, O_EP}, {"capacity-factor", 1, 0, O_CAP}, {"tokens", 1, 0, O_TOK}, {"gpu-mem", 1, 0, O_MEM}, {"price", 1, 0, O_PRICE},
        {"label", 1, 0, O_LABEL}, {"json", 0, 0, O_JSON}, {"plots", 1, 0, O_PLOTS},
        {"help", 0, 0, O_HELP}, {"version", 0, 0, O_VERSION}, {0, 0, 0, 0}};
    static const struct { int id; long lo, hi; size_t off; } ints[] = {
        {O_LAYERS, 1, 10000, offsetof(struct opts, layers)},
        {O_DMODEL, 1, 1 << 20, offsetof(struct opts, d_model)},
        {O_HEADS, 1, 1 << 16, offsetof(struct opts, heads)},
        {O_KVH, 1, 1 << 16, offsetof(struct opts, kv_heads)},
        {O_DFF, 1, 1 << 22, offsetof(struct opts, d_ff)},
        {O_VOCAB, 1, 1 << 24, offsetof(struct opts, vocab)},
        {O_EXP, 0, 4096, offsetof(struct opts, experts)},
        {O_EXPA, 0, 4096, offsetof(struct opts, experts_active)},
        {O_SEQ, 1, 1 << 22, offsetof(struct opts, seq)},
        {O_GPUS, 1, 1 << 24, offsetof(struct opts, gpus)},
        {O_GPN, 1, 1024, offsetof(struct opts, gpn)},
        {O_DP, 1, 1 << 24, offsetof(struct opts, dp)},
        {O_TP, 1, 1024, offsetof(struct opts, tp)},
        {O_PP, 1, 4096, offsetof(struct opts, pp)},
        {O_EP, 1, 4096, offsetof(struct opts, ep)},
        {O_ZERO, 0, 3, offsetof(struct opts, zero)},
        {O_MB, 1, 1 << 20, offsetof(struct opts, mb)},
        {O_GB, 1, 1 << 30, offsetof(struct opts, gbatch)}};
    opterr = 0;
    int c, li = -1;
    while ((c = getopt_long(argc, argv, "", opts, &li)) != -1) {
        char name[40];
        snprintf(name, sizeof name, "--%s", li >= 0 ? opts[li].name : "?");
        li = -1;
        int done = 0;
        for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
            if (ints[i].id == c) {
                char want[64];
                snprintf(want, sizeof want, "an integer in [%ld, %ld]", ints[i].lo, ints[i].hi);
                if (llmb_parse_long(optarg, ints[i].lo, ints[i].hi,
                                    (long *)((char *)o + ints[i].off)) < 0)
                    return bad(name, optarg, want);
                done = 1;
            }
        if (done)
            continue;
        switch (c) {
        case O_MODEL: o->model = optarg; break;
        case O_FAMILY:
            if (strcmp(optarg, "gpt2") && strcmp(optarg, "llama"))
                return bad("--family", optarg, "gpt2 or llama");
            o->family = optarg;
            break;
        case O_RC:
            o->recompute = !strcmp(optarg, "none") ? LLMB_RECOMPUTE_NONE
                           : !strcmp(optarg, "selective") ? LLMB_RECOMPUTE_SELECTIVE
                           : !strcmp(optarg, "full") ? LLMB_RECOMPUTE_FULL : -1;
            if (o->recompute < 0)
                return bad("--recompute", optarg, "none, selective or full");
            break;
        case O_OV:
            o->overlap = !strcmp(optarg, "yes") ? 1 : !strcmp(optarg, "no") ? 0 : -2;
            if (o->overlap < -1)
                return bad("--overlap", optarg, "yes or no");
            break;
        case O_TOK:
            if (llmb_parse_double(optarg, 1, 1e18, &o->tokens) < 0)
                return bad("--tokens", optarg, "a number of tokens in [1, 1e18]");
            break;
        case O_CAP:
            if (llmb_parse_double(optarg, 0.01, 64, &o->capacity) < 0)
                return bad("--capacity-factor", optarg, "a factor in [0.01, 64]");
            break;
        case O_MEM:
            if (llmb_parse_double(optarg, 0.001, 1e6, &o->gpu_mem) < 0)
                return bad("--gpu-mem", optarg, "GB in [0.001, 1e6]");
            break;
        case O_PRICE:
            if (o->nprice == SZ_MAX_OFFERS)
                return bad("--price", optarg, "at most 26 prices");
            if (llmb_parse_double(optarg, 1e-6, 1e6, &o->price[o->nprice]) < 0)
                return bad("--price", optarg, "US dollars per GPU-hour in [1e-6, 1e6]");
            o->nprice++;
            break;
        case O_LABEL:
            if (o->nlabel == SZ_MAX_OFFERS)
                return bad("--label", optarg, "at most 26 labels");
            o->label[o->nlabel++] = optarg;
            break;
        case O_JSON: o->json = 1; break;
        case O_PLOTS: o->plots = optarg; break;
        case O_HELP: usage(stdout); return 0;
        case O_VERSION: printf("llmbench-size %s\n", PACKAGE_VERSION); return 0;
        default:
            llmb_error("unknown or incomplete option %s (see --help)", argv[optind - 1]);
            return LLMB_EINPUT;
        }
    }
    int n = argc - optind;
    if (n < 1) {
        llmb_error("no results file given (usage: llmbench-size [options] RESULTS.json ...)");
        return LLMB_EINPUT;
    }
    if (n > SZ_MAX_OFFERS) {
        llmb_error("%d results files: at most %d offers", n, SZ_MAX_OFFERS);
        return LLMB_EINPUT;
    }
    if (o->nprice > 1 && o->nprice != n) {
        llmb_error("%d prices for %d results files: give one price, or one per file", o->nprice,
                   n);
        return LLMB_EINPUT;
    }
    if (o->nlabel && o->nlabel != n) {
        llmb_error("%d labels for %d results files: give one per file", o->nlabel, n);
        return LLMB_EINPUT;
    }
    return -1;
}

/* The target model into t->cfg: a preset, with explicit dimensions over it, or explicit
 * dimensions alone.  0 or -1 (message printed). */
static int target_model(const struct opts *o, const struct rr_run *run, struct sz_target *t)
{
    static struct llmb_model_preset custom;
    const char *name = o->model ? o->model : run->model[0] ? run->model : NULL;
    int explicit_all = o->layers && o->d_model && o->heads && o->d_ff && o->vocab;
    const struct llmb_model_preset *p = NULL;
    if (o->model || !explicit_all) {
        if (!name)
            return llmb_error("no target model: give --model NAME (the run names none)");
        p = llmb_model_find(name);
        if (!p) {
            char list[1024];
            llmb_model_names(list, sizeof list);
            return llmb_error("--model %s: unknown preset (known: %s)", name, list);
        }
        custom = *p;
    } else {
        custom = (struct llmb_model_preset){.name = "custom", .family = "gpt2", .batch = 1,
                                            .tied = 1, .seq = 1 << 22};
    }
    if (o->family) {
        custom.family = strcmp(o->family, "llama") == 0 ? "llama" : "gpt2";
        custom.tied = strcmp(o->family, "gpt2") == 0;
    }
    if (o->layers) custom.layers = (int)o->layers;
    if (o->d_model) custom.d_model = (int)o->d_model;
    if (o->heads) custom.heads = (int)o->heads, custom.kv_heads = (int)o->heads;
    if (o->kv_heads) custom.kv_heads = (int)o->kv_heads;
    if (o->d_ff) custom.d_ff = (int)o->d_ff;
    if (o->vocab) custom.vocab = (int)o->vocab;
    if (o->experts || o->experts_active) {
        custom.experts = (int)o->experts;
        custom.experts_active = (int)o->experts_active;
    }
    if (custom.experts_active > custom.experts || (custom.experts > 0) != (custom.experts_active > 0))
        return llmb_error("--experts %d --experts-active %d: give both, active at most experts",
                          custom.experts, custom.experts_active);
    int seq = o->seq ? (int)o->seq : custom.seq;
    if (o->seq && o->seq > custom.seq) /* a target may train longer sequences than a preset */
        custom.seq = (int)o->seq;
    return llmb_model_config_from(&t->cfg, &custom, 0, o->mb ? (int)o->mb : 1, seq);
}

static int build_target(const struct opts *o, const struct rr_run *run, struct sz_target *t)
{
    memset(t, 0, sizeof *t);
    if (target_model(o, run, t) < 0)
        return -1;
    t->tp = o->tp ? (int)o->tp : 1;
    t->pp = o->pp ? (int)o->pp : 1;
    long long g = o->gpus ? o->gpus : o->dp ? o->dp * t->tp * t->pp : run->nranks;
    if (g > 1 << 24)
        return llmb_error("--dp %ld x --tp %d x --pp %d = %lld GPUs: at most %d", o->dp, t->tp,
                          t->pp, g, 1 << 24);
    t->gpus = (int)g;
    if (t->gpus % (t->tp * t->pp))
        return llmb_error("--gpus %d: not a multiple of --tp %d x --pp %d", t->gpus, t->tp,
                          t->pp);
    t->dp = o->dp ? (int)o->dp : t->gpus / (t->tp * t->pp);
    t->ep = o->ep ? (int)o->ep : 1;
    t->capacity = o->capacity > 0 ? o->capacity : 1.0;
    t->gpus_per_node = (int)o->gpn;
    t->zero = (int)o->zero;
    t->global_batch = o->gbatch ? (int)o->gbatch : t->dp * t->cfg.batch;
    t->tokens = o->tokens;
    t->recompute = (enum llmb_recompute)o->recompute;
    t->overlap = o->overlap;
    t->price = NAN;
    t->gpu_mem_bytes = o->gpu_mem * 1e9;
    return 0;
}

/* The run's own workload and layout, projected: the self-check. */
static void self_check(struct sz_offer *x)
{
    const struct rr_run *run = &x->run;
    struct sz_target t;
    memset(&t, 0, sizeof t);
    x->self_meas_s = run->step_med;
    if (!run->has[RR_TRAIN]) {
        snprintf(x->self.why, sizeof x->self.why, "no train phase in the run");
        return;
    }
    char msg[300] = "";
    llmb_error_capture(msg, sizeof msg);
    int rc = llmb_model_config_init(&t.cfg, run->model, run->layers, run->batch, run->seq);
    llmb_error_capture(NULL, 0);
    if (rc < 0) {
        snprintf(x->self.why, sizeof x->self.why, "the run's model: %s", msg);
        return;
    }
    t.gpus = t.dp = run->nranks;
    t.tp = t.pp = 1;
    t.gpus_per_node = x->meas.ranks_per_node;
    /* llmbench's --zero reduce-scatters the gradients and allgathers the parameters: stage 2's
     * traffic (its memory is stage 1's: it keeps the full gradient buffer) */
    t.zero = strcmp(run->mode, "zero") == 0 ? 2 : 0;
    t.global_batch = run->batch * (run->accum > 0 ? run->accum : 1) * run->nranks;
    t.recompute = LLMB_RECOMPUTE_NONE;
    t.overlap = run->overlap;
    t.price = NAN;
    sz_project(&x->meas, &t, &x->self);
    /* calibrate compute on the run's own train phase, then check again with it */
    double got = run->meas[RR_T_COMPUTE];
    if (x->self.ok && got > 0 && x->self.t_compute > 0) {
        x->meas.compute_train_s = got;
        x->meas.compute_kernels_s = x->self.t_compute;
        x->meas.compute_factor = got / x->self.t_compute;
        sz_project(&x->meas, &t, &x->self);
    }
}

int main(int argc, char **argv)
{
    llmb_error_set_prog("llmbench-size");
    static struct opts o = {.overlap = -1};
    int status = parse_opts(argc, argv, &o);
    if (status >= 0)
        return status;
    int n = argc - optind;
    struct sz_offer *of = calloc((size_t)n, sizeof *of);
    if (!of)
        return llmb_error("out of memory"), LLMB_EFAIL;
    struct sz_target t;
    status = LLMB_EINPUT;
    for (int i = 0; i < n; i++) {
        if (rr_load(argv[optind + i], &of[i].run) < 0)
            goto out;
        rr_analyze(&of[i].run, NULL);
        if (sz_measure(&of[i].run, &of[i].meas) < 0)
            goto out;
        if (o.nlabel)
            llmb_escape_ctl(o.label[i], of[i].meas.label, sizeof of[i].meas.label);
        of[i].price = o.nprice == 0 ? NAN : o.price[o.nprice == 1 ? 0 : i];
        self_check(&of[i]);
    }
    if (build_target(&o, &of[0].run, &t) < 0)
        goto out;
    for (int i = 0; i < n; i++) {
        t.price = of[i].price;
        sz_project(&of[i].meas, &t, &of[i].proj);
        if (!of[i].proj.ok && of[i].proj.why[0] && strncmp(of[i].proj.why, "--", 2) == 0) {
            llmb_error("%s", of[i].proj.why); /* a layout that cannot be: bad input */
            goto out;
        }
    }
    t.price = NAN;
    char note[5000] = "";
    status = LLMB_OK;
    if (o.plots && sz_plots(&t, of, n, o.plots, note, sizeof note) < 0)
        llmb_warn("%s", note);
    if (o.json) {
        json_t *j = sz_json(&t, of, n);
        if (note[0])
            json_object_set_new(j, "plots", json_string(note));
        char *s = json_dumps(j, JSON_INDENT(1) | JSON_REAL_PRECISION(9));
        json_decref(j);
        if (s)
            puts(s);
        else
            status = LLMB_EFAIL;
        free(s);
    } else {
        sz_print(stdout, &t, of, n);
        if (note[0])
            printf("\n%s\n", note);
    }
    if (fflush(stdout) != 0) {
        llmb_error("cannot write to standard output");
        status = LLMB_EFAIL;
    }
out:
    for (int i = 0; i < n; i++) /* calloc'd: an offer not loaded frees nothing */
        sz_measured_free(&of[i].meas), rr_free(&of[i].run);
    free(of);
    return status;
}
