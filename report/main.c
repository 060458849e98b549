/* llmbench-report: explain one run, and the gap between two runs (DESIGN.md §6).
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

int main(int argc, char **argv)
{
    llmb_error_set_prog("llmbench-report");
    enum rr_format fmt = RR_FMT_TEXT;
    const char *csv = NULL, *plots = NULL, *specs = NULL, *device = NULL, *fabric = NULL;
    int no_plots = 0, allow = 0;
    static const struct option opts[] = {
        {"format", required_argument, 0, 'f'}, {"csv", required_argument, 0, 'c'},
        {"plots", required_argument, 0, 'p'},  {"no-plots", no_argument, 0, 'n'},
        {"allow-different", no_argument, 0, 'a'}, {"specs", required_argument, 0, 's'},
        {"device", required_argument, 0, 'd'}, {"fabric", required_argument, 0, 'F'},
        {"help", no_argument, 0, 'h'},         {"version", no_argument, 0, 'V'},
        {0, 0, 0, 0}};
    opterr = 0;
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'f':
            if (strcmp(optarg, "text") == 0)
                fmt = RR_FMT_TEXT;
            else if (strcmp(optarg, "md") == 0)
                fmt = RR_FMT_MD;
            else if (strcmp(optarg, "json") == 0)
                fmt = RR_FMT_JSON;
            else {
                llmb_error("--format %s: expected text, md or json", optarg);
                return LLMB_EINPUT;
            }
            break;
        case 'c': csv = optarg; break;
        case 'p': plots = optarg; break;
        case 'n': no_plots = 1; break;
        case 'a': allow = 1; break;
        case 's': specs = optarg; break;
        case 'd': device = optarg; break;
        case 'F': fabric = optarg; break;
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
    struct rr_run runs[2];
    struct rr_resource res[2][RR_NRES];
    struct rr_report rep;
    memset(&rep, 0, sizeof rep);
    memset(runs, 0, sizeof runs);
    rep.runs = runs;
    rep.res = res;
    int status = LLMB_EINPUT;
    const char *sd = specs_dir(specs);
    for (int i = 0; i < nfiles; i++) {
        rep.nruns = i + 1;
        if (rr_load(argv[optind + i], &runs[i]) < 0 ||
            rr_resources(&runs[i], sd, device, fabric, res[i]) < 0)
            goto out;
        rr_analyze(&runs[i], res[i]);
    }
    if (nfiles == 2) {
        rep.have_compare = 1;
        rr_compare_runs(&runs[0], &runs[1], &rep.cmp);
        if (!rep.cmp.same_workload && !allow) {
            llmb_error("%s and %s ran different workloads (%s): refusing to compare; "
                       "--allow-different to compare anyway", runs[0].file, runs[1].file,
                       rep.cmp.differences);
            goto out;
        }
    }
    for (int i = 0; i < nfiles; i++)
        rr_find(&runs[i], i, res[i], &rep.findings);
    int slower = -1;
    if (nfiles == 2 && runs[0].step_med > 0 && runs[1].step_med > 0)
        slower = runs[1].step_med > runs[0].step_med ? 1 : 0;
    rr_findings_sort(&rep.findings, nfiles, slower);
    char note[600];
    if (!no_plots) {
        char dir[4096], id[256];
        if (!plots) {
            rr_safe_name(runs[0].run_id, id, sizeof id);
            snprintf(dir, sizeof dir, "plots/%s", id);
        } else
            snprintf(dir, sizeof dir, "%s", plots);
        int rc = rr_plots(&rep, dir, note, sizeof note);
        if (rc < 0) {
            status = LLMB_EFAIL;
            goto out;
        }
        rep.plots_note = note;
    }
    if (csv && rr_write_csv(&rep, csv) < 0) {
        status = LLMB_EFAIL;
        goto out;
    }
    if (fmt == RR_FMT_JSON) {
        json_t *j = rr_report_json(&rep);
        char *s = json_dumps(j, JSON_INDENT(1) | JSON_REAL_PRECISION(9));
        json_decref(j);
        if (!s) {
            llmb_error("out of memory writing the JSON report");
            status = LLMB_EFAIL;
            goto out;
        }
        puts(s);
        free(s);
    } else
        rr_print(stdout, &rep, fmt);
    if (fflush(stdout) != 0) {
        llmb_error("cannot write the report to standard output");
        status = LLMB_EFAIL;
        goto out;
    }
    status = LLMB_OK;
out:
    rr_findings_free(&rep.findings);
    for (int i = 0; i < rep.nruns; i++)
        rr_free(&runs[i]);
    return status;
}
