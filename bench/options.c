/* bench/options.c - the llmbench command line (options.h). */
#include "options.h"
#include "backend.h"
#include "detail.h"
#include "metrics.h"
#include "error.h"
#include "model.h"
#include "results.h"
#include "util.h"

#include <getopt.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum {
    OPT_PHASES = 256, OPT_QUICK, OPT_QUIET, OPT_BACKEND, OPT_MODEL, OPT_LAYERS, OPT_BATCH,
    OPT_SEQ, OPT_OUTPUT, OPT_TAG, OPT_WARMUP, OPT_MIN_ITERS, OPT_TIME_PER_POINT, OPT_SIZES,
    OPT_SEED, OPT_THREADS, OPT_COLLECTIVES, OPT_GROUPS, OPT_NO_LINK_MATRIX, OPT_STEPS, OPT_ACCUM,
    OPT_BUCKET_SIZE, OPT_NO_OVERLAP, OPT_ZERO, OPT_TOPOLOGY_XML, OPT_DESCRIBE_MODEL, OPT_HELP, OPT_DEADLINE,
    OPT_VERSION, OPT_DETAIL_RANKS, OPT_LINK_PASSES
};

static const struct option long_opts[] = {
    {"phases", required_argument, NULL, OPT_PHASES},
    {"quick", no_argument, NULL, OPT_QUICK},
    {"quiet", no_argument, NULL, OPT_QUIET},
    {"backend", required_argument, NULL, OPT_BACKEND},
    {"model", required_argument, NULL, OPT_MODEL},
    {"layers", required_argument, NULL, OPT_LAYERS},
    {"batch", required_argument, NULL, OPT_BATCH},
    {"seq", required_argument, NULL, OPT_SEQ},
    {"output", required_argument, NULL, OPT_OUTPUT},
    {"tag", required_argument, NULL, OPT_TAG},
    {"warmup", required_argument, NULL, OPT_WARMUP},
    {"min-iters", required_argument, NULL, OPT_MIN_ITERS},
    {"time-per-point", required_argument, NULL, OPT_TIME_PER_POINT},
    {"sizes", required_argument, NULL, OPT_SIZES},
    {"seed", required_argument, NULL, OPT_SEED},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"collectives", required_argument, NULL, OPT_COLLECTIVES},
    {"groups", required_argument, NULL, OPT_GROUPS},
    {"no-link-matrix", no_argument, NULL, OPT_NO_LINK_MATRIX},
    {"link-passes", required_argument, NULL, OPT_LINK_PASSES},
    {"detail-ranks", required_argument, NULL, OPT_DETAIL_RANKS},
    {"steps", required_argument, NULL, OPT_STEPS},
    {"accum", required_argument, NULL, OPT_ACCUM},
    {"bucket-size", required_argument, NULL, OPT_BUCKET_SIZE},
    {"no-overlap", no_argument, NULL, OPT_NO_OVERLAP},
    {"zero", no_argument, NULL, OPT_ZERO},
    {"topology-xml", required_argument, NULL, OPT_TOPOLOGY_XML},
    {"deadline", required_argument, NULL, OPT_DEADLINE},
    {"describe-model", required_argument, NULL, OPT_DESCRIBE_MODEL},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static const char *const group_names[] = {"world", "intra", "inter"};
#define NGROUPS ((int)(sizeof group_names / sizeof group_names[0]))

static int phase_names(const char **names)
{
    for (int i = 0; i < LLMB_NPHASES; i++)
        names[i] = llmb_phase_name(i);
    return LLMB_NPHASES;
}

/* The collectives the driver runs (lib/metrics.h: the import-only ones are not among them). */
static int coll_names(const char **names)
{
    for (int i = 0; i < LLMB_COLL_RUN_COUNT; i++)
        names[i] = llmb_coll_name((enum llmb_coll)i);
    return LLMB_COLL_RUN_COUNT;
}

void llmb_options_defaults(struct llmb_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->phases = LLMB_PHASE_ALL;
    strcpy(opt->backend, "auto");
    strcpy(opt->model, "gpt2-124m");
    opt->batch = 4;
    opt->seq = 64;
    strcpy(opt->output, "results");
    opt->warmup = 3;
    opt->min_iters = 10;
    opt->detail_ranks = LLMB_DETAIL_RANKS_DEFAULT;
    opt->time_per_point_s = 0.2;
    opt->size_min = 8;
    opt->size_max = (size_t)256 << 20;
    opt->size_factor = 2;
    opt->seed = 1234;
    opt->collectives = (1u << LLMB_COLL_RUN_COUNT) - 1;
    opt->groups = LLMB_GROUP_ALL;
    opt->link_matrix = 1;
    opt->link_passes = 2;
    opt->steps = 10;
    opt->accum = 1;
    opt->bucket_bytes = (size_t)25 << 20;
    opt->overlap = 1;
}

static int bad(char *errbuf, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf, errlen, fmt, ap);
    va_end(ap);
    return 2;
}

/* "a,b,c" of names -> bit mask; returns 0 or the first unknown name in *unknown. */
static int parse_list(const char *text, const char *const *names, int n, unsigned *mask,
                      char *unknown, size_t ulen)
{
    char buf[256];
    if (llmb_strlcpy(buf, text, sizeof buf) < 0 || !*text) {
        llmb_strlcpy(unknown, text, ulen);
        return -1;
    }
    *mask = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int i = strcmp(tok, "all") == 0 ? -2 : llmb_list_index(names, n, tok);
        if (i == -1) {
            llmb_strlcpy(unknown, tok, ulen);
            return -1;
        }
        *mask |= i == -2 ? (1u << n) - 1 : 1u << i;
    }
    if (!*mask) {
        llmb_strlcpy(unknown, text, ulen);
        return -1;
    }
    return 0;
}

static int parse_int(const char *name, const char *arg, long lo, long hi, int *out,
                     char *errbuf, size_t errlen)
{
    long v;
    if (llmb_parse_long(arg, lo, hi, &v) < 0)
        return bad(errbuf, errlen, "%s: bad value '%s': expected an integer from %ld to %ld",
                   name, arg, lo, hi);
    *out = (int)v;
    return 0;
}

static int check_model(struct llmb_options *opt, char *errbuf, size_t errlen)
{
    const struct llmb_model_preset *m = llmb_model_find(opt->model);
    if (!m) {
        char names[1024];
        llmb_model_names(names, sizeof names);
        return bad(errbuf, errlen, "--model: unknown preset '%s' (known: %s)", opt->model, names);
    }
    if (m->experts && (opt->phases & (LLMB_PHASE_COMPUTE | LLMB_PHASE_TRAIN)))
        return bad(errbuf, errlen, "--model %s: a mixture-of-experts preset (%d experts, top "
                   "%d) is for --describe-model and llmbench-size; the compute and train "
                   "phases run dense models only", opt->model, m->experts, m->experts_active);
    /* The model library names the bad value; capture its line instead of printing it. */
    struct llmb_model_config cfg;
    llmb_error_capture(errbuf, errlen);
    int rc = llmb_model_config_init(&cfg, opt->model, opt->layers, opt->batch, opt->seq);
    llmb_error_capture(NULL, 0);
    if (rc < 0)
        return 2;
    return 0;
}

/* Which options were given explicitly (--quick leaves those alone). */
struct given {
    int quick, time, iters, steps, warmup, batch, seq;
};

/* A name from a list (--phases, --collectives, --groups); the error lists the known names. */
static int parse_names(const char *opt_name, const char *what, const char *arg,
                       const char *const *names, int n, unsigned *mask, char *errbuf,
                       size_t errlen)
{
    char unknown[128], known[512];
    if (parse_list(arg, names, n, mask, unknown, sizeof unknown) == 0)
        return 0;
    return bad(errbuf, errlen, "%s: bad value '%s': unknown %s '%s' (known: %s, all)", opt_name,
               arg, what, unknown, llmb_join(names, n, ", ", known, sizeof known));
}

/* Does the list arg name a collective the results schema knows but the driver does not run
 * (lib/metrics.h, run 0)?  1 after one line in errbuf, else 0. */
static int import_only(const char *arg, char *errbuf, size_t errlen)
{
    char buf[256], runs[256];
    llmb_strlcpy(buf, arg, sizeof buf);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int c = llmb_coll_from_name(tok);
        if (c >= 0 && !llmb_coll_runs((enum llmb_coll)c)) {
            llmb_coll_name_list(runs, sizeof runs, ", ", LLMB_COLL_RUN_COUNT);
            bad(errbuf, errlen, "--collectives: bad value '%s': '%s' is import-only "
                "(llmbench-import reads it from nccl-tests; the driver has no implementation; "
                "it runs: %s, all)", arg, tok, runs);
            return 1;
        }
    }
    return 0;
}

static int parse_backend(struct llmb_options *opt, const char *arg, char *errbuf, size_t errlen)
{
    char names[256];
    if ((strcmp(arg, "auto") == 0 || llmb_backend_find(arg)) &&
        llmb_strlcpy(opt->backend, arg, sizeof opt->backend) == 0)
        return 0;
    llmb_backend_names(names, sizeof names, ", ");
    return bad(errbuf, errlen, "--backend: bad value '%s': not a backend of this build (it has: "
               "auto, %s)", arg, names);
}

/* The options that take a name or a word. */
static int parse_text(struct llmb_options *opt, int c, const char *arg, char *errbuf,
                      size_t errlen)
{
    switch (c) {
    case OPT_MODEL:
        if (llmb_strlcpy(opt->model, arg, sizeof opt->model) < 0)
            return bad(errbuf, errlen, "--model: bad value '%s': name too long", arg);
        return 0;
    case OPT_OUTPUT:
        if (!*arg || llmb_strlcpy(opt->output, arg, sizeof opt->output) < 0)
            return bad(errbuf, errlen, "--output: bad value '%s': expected a directory name", arg);
        return 0;
    case OPT_TAG:
        if (!*arg || strlen(arg) >= sizeof opt->tag ||
            strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen(arg))
            return bad(errbuf, errlen, "--tag: bad value '%s': expected 1-63 characters of "
                       "letters, digits, '.', '_' or '-'", arg);
        strcpy(opt->tag, arg);
        return 0;
    case OPT_TOPOLOGY_XML:
        if (!*arg || llmb_strlcpy(opt->topology_xml, arg, sizeof opt->topology_xml) < 0)
            return bad(errbuf, errlen, "--topology-xml: bad value '%s': expected a file name", arg);
        return 0;
    case OPT_DESCRIBE_MODEL:
        if (llmb_strlcpy(opt->describe_model, arg, sizeof opt->describe_model) < 0)
            return bad(errbuf, errlen, "--describe-model: bad value '%s': name too long", arg);
        return 0;
    default:
        return bad(errbuf, errlen, "internal: option %d has no parser", c);
    }
}

/* The options that take a number or a size. */
static int parse_number(struct llmb_options *opt, int c, const char *arg, struct given *gv,
                        char *errbuf, size_t errlen)
{
    long lv;
    double dv;
    const char *why;
    switch (c) {
    case OPT_LAYERS: return parse_int("--layers", arg, 1, 1000, &opt->layers, errbuf, errlen);
    case OPT_BATCH:
        gv->batch = 1;
        return parse_int("--batch", arg, 1, 65536, &opt->batch, errbuf, errlen);
    case OPT_SEQ:
        gv->seq = 1;
        return parse_int("--seq", arg, 1, 1 << 20, &opt->seq, errbuf, errlen);
    case OPT_THREADS: return parse_int("--threads", arg, 0, 4096, &opt->threads, errbuf, errlen);
    case OPT_ACCUM: return parse_int("--accum", arg, 1, 100000, &opt->accum, errbuf, errlen);
    case OPT_WARMUP:
        gv->warmup = 1;
        return parse_int("--warmup", arg, 0, 1000000, &opt->warmup, errbuf, errlen);
    case OPT_MIN_ITERS:
        gv->iters = 1;
        return parse_int("--min-iters", arg, 1, 10000000, &opt->min_iters, errbuf, errlen);
    case OPT_DETAIL_RANKS:
        return parse_int("--detail-ranks", arg, 1, 1 << 30, &opt->detail_ranks, errbuf, errlen);
    case OPT_LINK_PASSES:
        return parse_int("--link-passes", arg, 1, 8, &opt->link_passes, errbuf, errlen);
    case OPT_STEPS:
        gv->steps = 1;
        return parse_int("--steps", arg, 1, 1000000, &opt->steps, errbuf, errlen);
    case OPT_TIME_PER_POINT:
        if (llmb_parse_double(arg, 0.0, 3600.0, &dv) < 0)
            return bad(errbuf, errlen, "--time-per-point: bad value '%s': expected seconds "
                       "from 0 to 3600", arg);
        opt->time_per_point_s = dv;
        gv->time = 1;
        return 0;
    case OPT_SIZES:
        if (llmb_parse_size_range(arg, &opt->size_min, &opt->size_max, &opt->size_factor, &why) < 0)
            return bad(errbuf, errlen, "--sizes: bad value '%s': %s", arg, why);
        opt->sizes_given = 1;
        return 0;
    case OPT_SEED:
        if (llmb_parse_long(arg, 0, 0x7fffffffffffffffL, &lv) < 0)
            return bad(errbuf, errlen, "--seed: bad value '%s': expected a non-negative integer", arg);
        opt->seed = (unsigned long long)lv;
        return 0;
    case OPT_DEADLINE:
        if (llmb_parse_double(arg, 1.0, 86400.0, &dv) < 0)
            return bad(errbuf, errlen, "--deadline: bad value '%s': expected seconds from 1 to "
                       "86400", arg);
        opt->deadline_s = dv;
        return 0;
    case OPT_BUCKET_SIZE:
        if (llmb_parse_size(arg, &opt->bucket_bytes) < 0 || opt->bucket_bytes < 4)
            return bad(errbuf, errlen, "--bucket-size: bad value '%s': expected a size of at "
                       "least 4 bytes (K, M, G suffixes)", arg);
        return 0;
    default:
        return parse_text(opt, c, arg, errbuf, errlen);
    }
}

/* One option; name is how it was spelled (for messages). */
static int parse_one(struct llmb_options *opt, int c, const char *arg, const char *name,
                     struct given *gv, char *errbuf, size_t errlen)
{
    const char *names[64];
    switch (c) {
    case OPT_PHASES:
        return parse_names("--phases", "phase", arg, names, phase_names(names), &opt->phases,
                           errbuf, errlen);
    case OPT_COLLECTIVES:
        if (import_only(arg, errbuf, errlen))
            return 2;
        return parse_names("--collectives", "collective", arg, names, coll_names(names),
                           &opt->collectives, errbuf, errlen);
    case OPT_GROUPS:
        return parse_names("--groups", "group", arg, group_names, NGROUPS, &opt->groups, errbuf,
                           errlen);
    case OPT_BACKEND: return parse_backend(opt, arg, errbuf, errlen);
    case OPT_QUICK: opt->quick = 1; gv->quick = 1; return 0;
    case OPT_QUIET: opt->quiet = 1; return 0;
    case OPT_NO_LINK_MATRIX: opt->link_matrix = 0; return 0;
    case OPT_NO_OVERLAP: opt->overlap = 0; return 0;
    case OPT_ZERO: opt->zero = 1; return 0;
    case OPT_HELP: opt->help = 1; return 0;
    case OPT_VERSION: opt->version = 1; return 0;
    case ':': return bad(errbuf, errlen, "%s: missing value", name);
    case '?': return bad(errbuf, errlen, "%s: unknown option (see --help)", name);
    default: return parse_number(opt, c, arg, gv, errbuf, errlen);
    }
}

/* --quick: a whole run in under a minute on a 2-core machine, where not given otherwise. */
static void apply_quick(struct llmb_options *opt, const struct given *gv)
{
    if (!gv->time)
        opt->time_per_point_s = 0.01;
    if (!gv->iters)
        opt->min_iters = 5;
    if (!gv->steps)
        opt->steps = 3;
    if (!gv->warmup)
        opt->warmup = 1;
    /* two layers of the preset: real GEMM shapes, a fraction of the time */
    const struct llmb_model_preset *m = llmb_model_find(opt->model);
    if (!opt->layers && m)
        opt->layers = m->layers < 2 ? m->layers : 2;
    if (!opt->sizes_given) {
        opt->size_min = 8;
        opt->size_max = (size_t)32 << 20; /* covers the default 25 MiB gradient bucket */
        opt->size_factor = 4;
    }
}

int llmb_options_parse(struct llmb_options *opt, int argc, char **argv, char *errbuf,
                       size_t errlen)
{
    llmb_options_defaults(opt);
    opt->argc = argc;
    opt->argv = argv;
    errbuf[0] = '\0';
    struct given gv = {0};

    /* getopt_long permutes its argv: work on a copy. */
    char **args = malloc((size_t)(argc + 1) * sizeof *args);
    if (!args)
        return bad(errbuf, errlen, "out of memory parsing options");
    memcpy(args, argv, (size_t)argc * sizeof *args);
    args[argc] = NULL;
    optind = 0; /* full re-initialisation (glibc), so the parser can run more than once */
    opterr = 0;
    int rc = 0, c;
    while (rc == 0 && (c = getopt_long(argc, args, ":", long_opts, NULL)) != -1) {
        const char *name = optind > 0 && optind <= argc ? args[optind - 1] : "?";
        rc = parse_one(opt, c, optarg, name, &gv, errbuf, errlen);
    }
    if (rc == 0 && optind < argc)
        rc = bad(errbuf, errlen, "'%s': unexpected argument (options start with --)", args[optind]);
    free(args);
    if (rc)
        return rc;
    if (gv.quick)
        apply_quick(opt, &gv);
    if (opt->describe_model[0]) { /* the preset's batch and native context unless given */
        opt->batch = gv.batch ? opt->batch : 0;
        opt->seq = gv.seq ? opt->seq : 0;
    }
    if (opt->help || opt->version || opt->describe_model[0])
        return 0;
    return check_model(opt, errbuf, errlen);
}

/* The usage text, with the names of the registries put in for %PHASES%, %BACKENDS% and
 * %COLLECTIVES%. */
static const char usage_text[] =
"Usage: mpirun -np N llmbench [OPTIONS]\n"
"       llmbench --describe-model PRESET [--layers N] [--batch N] [--seq N]\n"
"\n"
"Measures what a cluster delivers for training a transformer, phase by phase, and writes one\n"
"JSON results file per run (explain it with llmbench-report).\n"
"\n"
"Phases and output:\n"
"  --phases LIST          %PHASES% (default: all)\n"
"  --quick                a short run: 2 layers, small sizes, few iterations (under a minute\n"
"                         on 2 cores)\n"
"  --output DIR           results directory (default: results)\n"
"  --tag NAME             name in the results file name (default: the host name)\n"
"  --quiet                no progress and no summary on stderr/stdout\n"
"  --backend KIND         auto, %BACKENDS% (default: auto: the first available)\n"
"  --threads N            compute threads per rank (default: the PUs of the rank's binding,\n"
"                         shared among the ranks bound to the same PUs)\n"
"  --seed N               seed of every synthetic input (default: 1234)\n"
"  --deadline SEC         end a run that makes no progress for SEC at one point: the results\n"
"                         so far are written marked hung, naming the missing ranks; exit 3\n"
"                         (default: the larger of 300 s and 20x the longest point so far)\n"
"\n"
"Model (compute, train):\n"
"  --model PRESET         model preset (default: gpt2-124m; --describe-model lists them)\n"
"  --layers N             run N layers of the preset (accounting stays right)\n"
"  --batch N              micro-batch in sequences (default: 4)\n"
"  --seq N                sequence length in tokens (default: 64)\n"
"  --describe-model PRESET  print parameters, FLOPs per token (PaLM, llm.c, recomputed), ZeRO\n"
"                         and activation memory, GEMM shapes; at the preset's native context\n"
"                         and batch unless --seq/--batch are given; no MPI\n"
"\n"
"Timing (compute, comm):\n"
"  --warmup N             warm-up iterations per point, warm-up steps in train (default: 3;\n"
"                         --quick 1)\n"
"  --min-iters N          minimum timed iterations per point (default: 10; --quick 5)\n"
"  --time-per-point SEC   time budget per point (default: 0.2; --quick 0.01)\n"
"  --sizes MIN:MAX[:F]    message sizes, K/M/G suffixes, factor F (default: 8:256M:2;\n"
"                         --quick 8:32M:4)\n"
"\n"
"Collectives (comm):\n"
"  --collectives LIST     %COLLECTIVES% (default: all)\n"
"  --groups LIST          world,intra,inter communicators (default: all)\n"
"  --no-link-matrix       skip the node-pair link matrix\n"
"  --link-passes N        link matrix passes, rounds in another order each, best kept\n"
"                         (1 to 8; default: 2)\n"
"\n"
"Results file:\n"
"  --detail-ranks N       beyond N ranks, keep the compute phase's per-rank detail and the\n"
"                         comm phase's per-rank summaries only for the outlying ranks (at\n"
"                         most N), the key figures of every rank (default: 256)\n"
"\n"
"Training (train):\n"
"  --steps N              timed steps (default: 10; --quick 3)\n"
"  --accum N              gradient accumulation micro-steps (default: 1)\n"
"  --bucket-size SIZE     gradient bucket (default: 25M)\n"
"  --no-overlap           reduce gradients after the backward pass, not during it\n"
"  --zero                 sharded optimizer, ZeRO stage 1: reduce-scatter, update a shard,\n"
"                         allgather\n"
"\n"
"Topology (probe):\n"
"  --topology-xml FILE    use this hwloc XML as every node's topology (tests, re-analysis)\n"
"\n"
"  --help                 this text\n"
"  --version              version and build features\n"
"\n"
"Exit status: 0 success; 1 a measurement or verification failed; 2 bad input; 3 hung (see\n"
"--deadline); 128 + N killed by signal N (143: SIGTERM, after writing what it had).\n"
"See llmbench(1).\n";

void llmb_options_usage(FILE *f)
{
    const char *names[64], *keys[] = {"%PHASES%", "%BACKENDS%", "%COLLECTIVES%"};
    char lists[3][512];
    llmb_join(names, phase_names(names), ",", lists[0], sizeof lists[0]);
    llmb_backend_names(lists[1], sizeof lists[1], ", ");
    llmb_coll_name_list(lists[2], sizeof lists[2], ",", LLMB_COLL_RUN_COUNT);
    for (const char *p = usage_text; *p;) {
        int k = -1;
        for (int i = 0; i < 3 && k < 0; i++)
            if (strncmp(p, keys[i], strlen(keys[i])) == 0)
                k = i;
        if (k >= 0) {
            fputs(lists[k], f);
            p += strlen(keys[k]);
        } else {
            fputc(*p++, f);
        }
    }
}

void *llmb_options_json(const struct llmb_options *opt)
{
    json_t *o = json_object();
    json_t *ph = json_array();
    for (int i = 0; i < LLMB_NPHASES; i++)
        if (opt->phases & (1u << i))
            json_array_append_new(ph, json_string(llmb_phase_name(i)));
    json_object_set_new(o, "phases", ph);
    json_object_set_new(o, "quick", json_boolean(opt->quick));
    json_object_set_new(o, "backend", json_string(opt->backend));
    json_object_set_new(o, "model", json_string(opt->model));
    json_object_set_new(o, "layers", json_integer(opt->layers));
    json_object_set_new(o, "batch", json_integer(opt->batch));
    json_object_set_new(o, "seq", json_integer(opt->seq));
    json_object_set_new(o, "output", llmb_json_str(opt->output));
    json_object_set_new(o, "tag", json_string(opt->tag));
    json_object_set_new(o, "warmup", json_integer(opt->warmup));
    json_object_set_new(o, "min_iters", json_integer(opt->min_iters));
    json_object_set_new(o, "detail_ranks", json_integer(opt->detail_ranks));
    json_object_set_new(o, "time_per_point_s", json_real(opt->time_per_point_s));
    json_object_set_new(o, "size_min_bytes", json_integer((json_int_t)opt->size_min));
    json_object_set_new(o, "size_max_bytes", json_integer((json_int_t)opt->size_max));
    json_object_set_new(o, "size_factor", json_integer(opt->size_factor));
    json_object_set_new(o, "seed", json_integer((json_int_t)opt->seed));
    json_object_set_new(o, "threads", json_integer(opt->threads));
    json_t *co = json_array();
    for (int i = 0; i < LLMB_COLL_COUNT; i++)
        if (opt->collectives & (1u << i))
            json_array_append_new(co, json_string(llmb_coll_name(i)));
    json_object_set_new(o, "collectives", co);
    json_t *gr = json_array();
    for (int i = 0; i < NGROUPS; i++)
        if (opt->groups & (1u << i))
            json_array_append_new(gr, json_string(group_names[i]));
    json_object_set_new(o, "groups", gr);
    json_object_set_new(o, "link_matrix", json_boolean(opt->link_matrix));
    json_object_set_new(o, "link_passes", json_integer(opt->link_passes));
    json_object_set_new(o, "steps", json_integer(opt->steps));
    json_object_set_new(o, "accum", json_integer(opt->accum));
    json_object_set_new(o, "bucket_bytes", json_integer((json_int_t)opt->bucket_bytes));
    json_object_set_new(o, "overlap", json_boolean(opt->overlap));
    json_object_set_new(o, "zero", json_boolean(opt->zero));
    json_object_set_new(o, "deadline_s", opt->deadline_s > 0 ? json_real(opt->deadline_s) : json_null());
    json_object_set_new(o, "topology_xml", opt->topology_xml[0] ? llmb_json_str(opt->topology_xml) : json_null());
    return o;
}
