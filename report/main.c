/* llmbench-report: explain one run, and the gap between two runs (doc/design.md, "The
 * attribution model").
 * Links neither MPI nor CUDA (report/local.mk links it with the plain C compiler). */
#include "report.h"

#include "config.h"
#include "error.h"
#include "results.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef LLMB_SPECS_DIR
#define LLMB_SPECS_DIR "/usr/local/share/llmbench/cluster/specs"
#endif

static void usage(FILE *o)
{
    fprintf(o,
            "usage: llmbench-report [options] RESULTS.json [B.json]\n"
            "  one file: explain the run; two files: also compare B against A\n"
            "  --format text|md|json   output format (default text)\n"
            "  --csv DIR               also write flat CSV tables into DIR\n"
            "  --plots DIR             plot directory (default plots/<run-id of A>)\n"
            "  --no-plots              do not plot\n"
            "  --allow-different       compare runs of different workloads anyway\n"
            "  --specs DIR             nominal specs directory (default: $LLMBENCH_SPECS, the\n"
            "                          source tree's cluster/specs, or the installed copy)\n"
            "  --device ID             nominal device spec (h100-sxm, a100-sxm, mi300x, cpu)\n"
            "  --fabric ID             nominal fabric spec (ib-ndr, ib-hdr, roce-400g, efa-p5, "
            "efa-p4d)\n"
            "  --mfu-llmc              also give MFU by llm.c's count (6N + 6LCT, padded vocab)\n"
            "  --help, --version\n");
}

static const char *specs_dir(const char *opt)
{
    if (opt)
        return opt;
    const char *e = getenv("LLMBENCH_SPECS");
    if (e && *e)
        return e;
#ifdef LLMB_SRC_SPECS_DIR
    if (access(LLMB_SRC_SPECS_DIR "/cpu.json", R_OK) == 0)
        return LLMB_SRC_SPECS_DIR;
#endif
    return LLMB_SPECS_DIR;
}

/* The command line. */
struct opts {
    enum rr_format fmt;
    const char *csv, *plots, *specs, *device, *fabric;
    int no_plots, allow, mfu_llmc;
};

/* Parse the options into o; returns -1 to go on, else the exit status (help, version, a bad
 * option: message printed). */
static int parse_opts(int argc, char **argv, struct opts *o)
{
    static const struct option opts[] = {
        {"format", required_argument, 0, 'f'}, {"csv", required_argument, 0, 'c'},
        {"plots", required_argument, 0, 'p'},  {"no-plots", no_argument, 0, 'n'},
        {"allow-different", no_argument, 0, 'a'}, {"specs", required_argument, 0, 's'},
        {"device", required_argument, 0, 'd'}, {"fabric", required_argument, 0, 'F'},
        {"mfu-llmc", no_argument, 0, 'L'},
        {"help", no_argument, 0, 'h'},         {"version", no_argument, 0, 'V'},
        {0, 0, 0, 0}};
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "text") == 0)
                o->fmt = RR_FMT_TEXT;
            else if (strcmp(optarg, "md") == 0)
                o->fmt = RR_FMT_MD;
            else if (strcmp(optarg, "json") == 0)
                o->fmt = RR_FMT_JSON;
            else {
                llmb_error("--format %s: expected text, md or json", optarg);
                return LLMB_EINPUT;
            }
            break;
        case 'c': o->csv = optarg; break;
        case 'p': o->plots = optarg; break;
        case 'n': o->no_plots = 1; break;
        case 'a': o->allow = 1; break;
        case 's': o->specs = optarg; break;
        case 'd': o->device = optarg; break;
        case 'F': o->fabric = optarg; break;
        case 'L': o->mfu_llmc = 1; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("llmbench-report %s\n", PACKAGE_VERSION); return 0;
        default:
            llmb_error("unknown or incomplete option %s (see --help)", argv[optind - 1]);
            return LLMB_EINPUT;
        }
    }
    int nfiles = argc - optind;
    if (nfiles < 1) {
        llmb_error("no results file given (usage: llmbench-report [options] A.json [B.json])");
        return LLMB_EINPUT;
    }
    if (nfiles > 2) {
        llmb_error("%d results files given: give one (explain a run) or two (compare B "
                   "against A)", nfiles);
        return LLMB_EINPUT;
    }
    return -1;
}

/* Load, analyze and compare the runs, then find and rank the findings.  0, or -1 (message
 * printed; exit status 2). */
static int explain(struct rr_report *rep, char **files, int nfiles, const struct opts *o)
{
    const char *sd = specs_dir(o->specs);
    for (int i = 0; i < nfiles; i++) {
        rep->nruns = i + 1;
        if (rr_load(files[i], &rep->runs[i]) < 0 ||
            rr_resources(&rep->runs[i], sd, o->device, o->fabric, rep->res[i]) < 0)
            return -1;
        rr_analyze(&rep->runs[i], rep->res[i]);
    }
    const struct rr_run *a = &rep->runs[0], *b = &rep->runs[1];
    if (nfiles == 2) {
        rep->have_compare = 1;
        rr_compare_runs(a, b, &rep->cmp);
        if (!rep->cmp.same_workload && !o->allow)
            return llmb_error("%s and %s ran different workloads (%s): refusing to compare; "
                              "--allow-different to compare anyway", a->file, b->file,
                              rep->cmp.differences);
    }
    for (int i = 0; i < nfiles; i++)
        rr_find(&rep->runs[i], i, rep->res[i], &rep->findings);
    int slower = -1;
    if (nfiles == 2 && a->step_med > 0 && b->step_med > 0)
        slower = b->step_med > a->step_med ? 1 : 0;
    rr_findings_sort(&rep->findings, nfiles, slower);
    return 0;
}

/* Plots (unless --no-plots; note receives their line for the report) and CSV tables.  Plots
 * are an extra: when they fail, one warning and the report still comes out.  0, or -1 (CSV
 * tables not written, message printed; exit status 1). */
static int write_files(struct rr_report *rep, const struct opts *o, char *note, size_t len)
{
    if (!o->no_plots) {
        char dir[4096], id[RR_NAME_LEN + 1];
        if (!o->plots) {
            rr_safe_name(rep->runs[0].run_id, id, sizeof id);
            snprintf(dir, sizeof dir, "plots/%s", id);
        } else
            snprintf(dir, sizeof dir, "%s", o->plots);
        if (rr_plots(rep, dir, note, len) < 0)
            llmb_warn("%s", note);
        rep->plots_note = note;
    }
    return o->csv ? rr_write_csv(rep, o->csv) : 0;
}

/* The report on standard output.  0, or -1 (message printed; exit status 1). */
static int print_report(const struct rr_report *rep, enum rr_format fmt)
{
    if (fmt == RR_FMT_JSON) {
        json_t *j = rr_report_json(rep);
        /* ASCII only: every other character as \uXXXX, so no bidirectional control or line
         * separator from a file reaches a terminal or an editor unescaped */
        char *s = json_dumps(j, JSON_INDENT(1) | JSON_REAL_PRECISION(9) | JSON_ENSURE_ASCII);
        json_decref(j);
        if (!s)
            return llmb_error("out of memory writing the JSON report");
        puts(s);
        free(s);
    } else
        rr_print(stdout, rep, fmt);
    if (fflush(stdout) != 0)
        return llmb_error("cannot write the report to standard output");
    return 0;
}

int main(int argc, char **argv)
{
    llmb_error_set_prog("llmbench-report");
    struct opts o = {.fmt = RR_FMT_TEXT};
    int status = parse_opts(argc, argv, &o);
    if (status >= 0)
        return status;
    int nfiles = argc - optind;
    struct rr_run runs[2];
    struct rr_resource res[2][RR_NRES];
    struct rr_report rep;
    memset(&rep, 0, sizeof rep);
    memset(runs, 0, sizeof runs);
    rep.runs = runs;
    rep.res = res;
    rep.mfu_llmc = o.mfu_llmc;
    char note[4800];
    if (explain(&rep, argv + optind, nfiles, &o) < 0)
        status = LLMB_EINPUT;
    else if (write_files(&rep, &o, note, sizeof note) < 0 || print_report(&rep, o.fmt) < 0)
        status = LLMB_EFAIL;
    else
        status = LLMB_OK;
    rr_findings_free(&rep.findings);
    for (int i = 0; i < rep.nruns; i++)
        rr_free(&runs[i]);
    return status;
}
