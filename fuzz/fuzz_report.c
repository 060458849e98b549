/* libFuzzer harness: the bytes are a results file, read through the whole path of
 * llmbench-report (report/main.c): rr_load (llmb_results_load and the validation), the
 * nominal specs, rr_analyze (the step-time model), the two-run comparison and attribution,
 * the findings and their ranking, and every output format (text, markdown, JSON, CSV).  No
 * plots: gnuplot is never started.
 *
 * Input: one results file, compared with a second copy of itself (A/A); or, when the bytes hold
 * a NUL byte, two files: A before the first NUL and B after it (A/B; the fuzzer finds that
 * split on its own).  Workloads that differ are compared anyway, as with --allow-different.
 *
 * Everything is written to /dev/null or under one temporary directory, removed at exit; the
 * one-line error messages of bad inputs are captured, not printed.  doc/fuzzing.md. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "report/report.h"

#include "error.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef FUZZ_SPECS_DIR
#error "FUZZ_SPECS_DIR: the cluster/specs directory of the source tree (fuzz/local.mk)"
#endif

static char tmpdir[64];
static char path_a[128], path_b[128], csv_dir[128];
static FILE *devnull;
static char errbuf[4096];

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void cleanup(void)
{
    if (!tmpdir[0])
        return;
    /* the files this harness writes, nothing else: the two inputs and the CSV tables; no shell
     * (TMPDIR is the user's) */
    if (nftw(tmpdir, remove_one, 16, FTW_DEPTH | FTW_PHYS) != 0)
        fprintf(stderr, "fuzz_report: could not remove %s\n", tmpdir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *base = getenv("TMPDIR");
    snprintf(tmpdir, sizeof tmpdir, "%.40s/fuzz_report.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("fuzz_report: mkdtemp");
        exit(1);
    }
    atexit(cleanup);
    snprintf(path_a, sizeof path_a, "%s/a.json", tmpdir);
    snprintf(path_b, sizeof path_b, "%s/b.json", tmpdir);
    snprintf(csv_dir, sizeof csv_dir, "%s/csv", tmpdir);
    devnull = fopen("/dev/null", "w");
    if (!devnull) {
        perror("fuzz_report: /dev/null");
        exit(1);
    }
    llmb_error_set_prog("llmbench-report");
    llmb_error_capture(errbuf, sizeof errbuf);
    return 0;
}

static int write_file(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = size ? fwrite(data, 1, size, f) : 0;
    return fclose(f) == 0 && w == size ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t size_a = nul ? (size_t)(nul - data) : size;
    if (write_file(path_a, data, size_a) < 0 ||
        (nul && write_file(path_b, nul + 1, size - size_a - 1) < 0)) {
        perror("fuzz_report: writing the input");
        abort();
    }
    const char *files[2] = {path_a, nul ? path_b : path_a};

    /* report/main.c: explain() with --allow-different, then the outputs */
    struct rr_run runs[2];
    struct rr_resource res[2][RR_NRES];
    struct rr_report rep;
    memset(runs, 0, sizeof runs);
    memset(res, 0, sizeof res);
    memset(&rep, 0, sizeof rep);
    rep.runs = runs;
    rep.res = res;
    int ok = 1;
    for (int i = 0; i < 2 && ok; i++) {
        rep.nruns = i + 1;
        if (rr_load(files[i], &runs[i]) < 0 ||
            rr_resources(&runs[i], FUZZ_SPECS_DIR, NULL, NULL, res[i]) < 0)
            ok = 0;
        else
            rr_analyze(&runs[i], res[i]);
    }
    if (ok) {
        rep.have_compare = 1;
        rr_compare_runs(&runs[0], &runs[1], &rep.cmp);
        for (int i = 0; i < 2; i++)
            rr_find(&runs[i], i, res[i], &rep.findings);
        int slower = -1;
        if (runs[0].step_med > 0 && runs[1].step_med > 0)
            slower = runs[1].step_med > runs[0].step_med ? 1 : 0;
        rr_findings_sort(&rep.findings, 2, slower);
        rep.plots_note = "plots: not drawn (fuzzing)";

        rr_print(devnull, &rep, RR_FMT_TEXT);
        rr_print(devnull, &rep, RR_FMT_MD);
        json_t *j = rr_report_json(&rep);
        char *s = j ? json_dumps(j, JSON_INDENT(1) | JSON_REAL_PRECISION(9)) : NULL;
        if (s)
            fputs(s, devnull);
        free(s);
        json_decref(j);
        rr_write_csv(&rep, csv_dir);

        /* and one run alone, as `llmbench-report A.json` prints it */
        struct rr_report one = rep;
        struct rr_findings f1 = {0};
        one.nruns = 1;
        one.have_compare = 0;
        rr_find(&runs[0], 0, res[0], &f1);
        rr_findings_sort(&f1, 1, -1);
        one.findings = f1;
        rr_print(devnull, &one, RR_FMT_TEXT);
        j = rr_report_json(&one);
        json_decref(j);
        rr_findings_free(&f1);
    }
    rr_findings_free(&rep.findings);
    for (int i = 0; i < rep.nruns; i++)
        rr_free(&runs[i]);
    return 0;
}
