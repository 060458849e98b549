/* llmbench-import: explain what other tools measured.  Reads nccl-tests (text or -J JSON),
 * OSU Micro-Benchmarks or IMB-MPI1 outputs and writes one llmbench/1 results file with a
 * `source` block, which llmbench-report explains like its own runs (doc/llmbench-import.1).
 * No MPI, no CUDA. */
#include "import.h"

#include "config.h"
#include "error.h"
#include "metrics.h"
#include "results.h"
#include "util.h"

#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *o)
{
    fprintf(o,
            "usage: llmbench-import [options] -o OUT.json INPUT...\n"
            "  INPUT: nccl-tests output (text of any *_perf program, or its -J JSON), OSU\n"
            "  Micro-Benchmarks outputs (collectives, osu_latency, osu_bw, osu_bibw; plain or\n"
            "  -f), IMB-MPI1 output; several inputs of one tool make one file\n"
            "  -o, --output FILE     the results file to write (never replaced)\n"
            "  --run-id ID           run_id (default: the output's name without .json)\n"
            "  --tool T              nccl-tests, osu or imb (default: recognised)\n"
            "  --ranks N             ranks, when the input does not list them (OSU, IMB)\n"
            "  --nodes M             nodes, when the input names no hosts (OSU, IMB)\n"
            "  --collective NAME     for an nccl-tests table that does not name its program\n"
            "  --help, --version\n");
}

struct opts {
    const char *out, *run_id, *tool;
    long ranks, nodes;
    int coll;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
    static const struct option lo[] = {
        {"output", required_argument, 0, 'o'}, {"run-id", required_argument, 0, 'r'},
        {"tool", required_argument, 0, 't'},   {"ranks", required_argument, 0, 'n'},
        {"nodes", required_argument, 0, 'N'},  {"collective", required_argument, 0, 'c'},
        {"help", no_argument, 0, 'h'},         {"version", no_argument, 0, 'V'},
        {0, 0, 0, 0}};
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
        switch (c) {
        case 'o': o->out = optarg; break;
        case 'r': o->run_id = optarg; break;
        case 't':
            if (strcmp(optarg, "nccl-tests") && strcmp(optarg, "osu") && strcmp(optarg, "imb")) {
                llmb_error("--tool %s: expected nccl-tests, osu or imb", optarg);
                return LLMB_EINPUT;
            }
            o->tool = optarg;
            break;
        case 'n':
        case 'N':
            if (llmb_parse_long(optarg, 1, IMP_MAX_RANKS, c == 'n' ? &o->ranks : &o->nodes) < 0) {
                llmb_error("--%s %s: expected an integer in [1, %d]", c == 'n' ? "ranks" : "nodes",
                           optarg, IMP_MAX_RANKS);
                return LLMB_EINPUT;
            }
            break;
        case 'c':
            o->coll = llmb_coll_from_name(optarg);
            if (o->coll < 0) {
                char names[256];
                llmb_coll_name_list(names, sizeof names, ", ", LLMB_COLL_COUNT);
                llmb_error("--collective %s: expected one of %s", optarg, names);
                return LLMB_EINPUT;
            }
            break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("llmbench-import %s\n", PACKAGE_VERSION); return 0;
        default:
            llmb_error("unknown or incomplete option %s (see --help)", argv[optind - 1]);
            return LLMB_EINPUT;
        }
    }
    if (!o->out) {
        llmb_error("no output file given (-o OUT.json; see --help)");
        return LLMB_EINPUT;
    }
    if (optind >= argc) {
        llmb_error("no input given (see --help)");
        return LLMB_EINPUT;
    }
    return -1;
}

/* One input into m.  0, or -1 after one line. */
static int import_one(struct llmb_imp *m, const char *file, const char *tool)
{
    struct imp_text t;
    m->file = file;
    json_array_append_new(m->files, llmb_json_str(file));
    if (imp_text_read(file, &t) < 0) {
        imp_text_free(&t);
        return -1;
    }
    const char *p = t.buf;
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
        p++;
    int rc;
    const char *found = *p == '{' ? "nccl-tests" : imp_detect(&t);
    if (!tool)
        tool = found;
    if (!tool) {
        imp_text_free(&t);
        return llmb_error("%s: not an nccl-tests, OSU or IMB-MPI1 output (give --tool if it "
                          "is one)", file);
    }
    if (m->tool[0] && strcmp(m->tool, tool)) {
        imp_text_free(&t);
        return llmb_error("%s: a %s output among %s outputs: one tool per results file", file,
                          tool, m->tool);
    }
    llmb_strlcpy(m->tool, tool, sizeof m->tool);
    strcpy(m->backend, strcmp(tool, "nccl-tests") == 0 ? "nccl" : "mpi");
    if (*p == '{') {
        json_error_t e;
        json_t *doc = json_load_file(file, JSON_REJECT_DUPLICATES, &e); /* t.buf is split */
        if (!doc)
            rc = llmb_error("%s:%d: not valid JSON: %s", file, e.line, e.text);
        else
            rc = imp_nccl_json(m, doc);
        json_decref(doc);
    } else if (strcmp(tool, "nccl-tests") == 0) {
        rc = imp_nccl_text(m, &t);
    } else if (strcmp(tool, "osu") == 0) {
        rc = imp_osu(m, &t);
    } else {
        rc = imp_imb(m, &t);
    }
    imp_text_free(&t);
    return rc;
}

int main(int argc, char **argv)
{
    llmb_error_set_prog("llmbench-import");
    struct opts o = {0};
    o.coll = -1;
    int status = parse_opts(argc, argv, &o);
    if (status >= 0)
        return status;
    double t0 = llmb_now_s();
    struct llmb_imp m;
    imp_init(&m);
    m.ranks_given = (int)o.ranks, m.nodes_given = (int)o.nodes, m.coll_given = o.coll;
    status = LLMB_OK;
    for (int i = optind; i < argc && status == LLMB_OK; i++)
        if (import_one(&m, argv[i], o.tool) < 0)
            status = LLMB_EINPUT;
    char *dup = strdup(o.out), *dup2 = strdup(o.out);
    json_t *av = json_array();
    for (int i = 0; i < argc; i++)
        json_array_append_new(av, llmb_json_str(argv[i]));
    json_t *doc = NULL;
    if (status == LLMB_OK && dup && dup2) {
        char id[256];
        const char *base = basename(dup);
        snprintf(id, sizeof id, "%s", o.run_id ? o.run_id : base);
        char *dot = o.run_id ? NULL : strrchr(id, '.');
        if (dot && strcmp(dot, ".json") == 0)
            *dot = '\0';
        m.file = argv[optind];
        doc = imp_emit(&m, id, av);
        if (!doc)
            status = LLMB_EINPUT;
        else if (llmb_results_write(doc, dirname(dup2), base, 1) < 0)
            status = LLMB_EFAIL;
    }
    if (status == LLMB_OK) {
        size_t pts = 0;
        for (size_t i = 0; i < m.nsw; i++)
            pts += m.sw[i]->n;
        printf("llmbench-import: wrote %s: %s%s%s, %zu tables, %zu rows%s, in %.1f ms\n", o.out,
               m.tool, m.version[0] ? " " : "", m.version, m.nsw, pts,
               m.truncated ? " (input cut short: see source.notes)" : "",
               1e3 * (llmb_now_s() - t0));
    }
    json_decref(doc);
    json_decref(av);
    free(dup), free(dup2);
    imp_free(&m);
    return status;
}
