/* Output: the flat CSV tables (--csv DIR, doc/llmbench-report.1): DIR/<run id>-<table>.csv,
 * the run id made safe as a file name, text fields quoted as RFC 4180 says. */
#include "report.h"

#include "error.h"
#include "results.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static FILE *csv_open(const char *dir, const char *name, const char *what)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s-%s.csv", dir, name, what);
    FILE *f = fopen(path, "w");
    if (!f)
        llmb_error("cannot create %s: %s", path, strerror(errno));
    return f;
}

/* A text field, RFC 4180: in double quotes (each one doubled) when it holds a comma, a quote or
 * a line break; as it is otherwise.  Formula injection (OWASP, "CSV Injection"): a field that
 * begins with = + - @ tab or carriage return, which a spreadsheet would run as a formula, gets
 * a leading ' and is quoted.  Other control characters (a terminal escape, C1, the
 * bidirectional controls of llmb_unicode_ctl) are '?'. */
static void csv_str(FILE *f, const char *s)
{
    if (!s)
        s = "";
    int formula = s[0] && strchr("=+-@\t\r", s[0]) != NULL;
    int quote = formula || strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        fputc('"', f);
    if (formula)
        fputc('\'', f);
    while (*s) {
        unsigned char c = (unsigned char)*s;
        size_t n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
        if (c == '"')
            fputc('"', f);
        if (c == '\n' || c == '\r' || c == '\t' || !llmb_unicode_ctl(s)) {
            fputc(c, f);
            s++;
            continue;
        }
        fputc('?', f);
        while (n-- > 0 && *s) /* the whole character */
            s++;
    }
    if (quote)
        fputc('"', f);
}

/* comm: one row per point of every sweep. */
static void csv_comm(FILE *f, const struct rr_run *run)
{
    for (size_t s = 0; s < run->nsweeps; s++) {
        const struct rr_sweep *w = &run->sweeps[s];
        for (size_t p = 0; p < w->npts; p++) {
            csv_str(f, w->coll), fputc(',', f), csv_str(f, w->group), fputc(',', f);
            csv_str(f, w->placement);
            fprintf(f, ",%d,%.0f,%.0f,%.9g,%.9g,%.9g,%.9g,%.0f\n", w->nranks, w->bytes[p],
                    w->iters[p], w->op_med[p], w->algbw[p], w->busbw[p], w->skew_med[p],
                    w->wrong[p]);
        }
    }
}

/* gemm: every GEMM shape of every compute rank (read from the document), then its peak. */
static void csv_gemm(FILE *f, const struct rr_run *run)
{
    json_t *ranks = json_object_get(json_object_get(json_object_get(run->doc, "phases"),
                                                    "compute"), "ranks");
    size_t k;
    json_t *r;
    json_array_foreach(ranks, k, r) {
        json_t *rank = json_object_get(r, "rank");
        const struct rr_rank *rk = &run->ranks[json_integer_value(rank)];
        size_t j;
        json_t *g;
        json_array_foreach(json_object_get(r, "gemm"), j, g) {
            const char *nm = json_string_value(json_object_get(g, "name"));
            json_t *sm = json_object_get(g, "summary");
            fprintf(f, "%lld,", (long long)json_integer_value(rank));
            csv_str(f, rk->host), fputs(",gemm,", f), csv_str(f, nm);
            fprintf(f, ",%lld,%lld,%lld,%.9g,%.9g,%.9g\n",
                    (long long)json_integer_value(json_object_get(g, "m")),
                    (long long)json_integer_value(json_object_get(g, "n")),
                    (long long)json_integer_value(json_object_get(g, "k")),
                    json_number_value(json_object_get(g, "flops")),
                    json_number_value(json_object_get(g, "gflops")),
                    json_number_value(json_object_get(sm, "median_s")));
        }
        fprintf(f, "%lld,", (long long)json_integer_value(rank));
        csv_str(f, rk->host);
        fprintf(f, ",square,peak,,,,,%.9g,\n", rk->measured_gflops);
    }
}

/* steps: every train step of every rank. */
static void csv_steps(FILE *f, const struct rr_run *run)
{
    for (int r = 0; r < run->nranks; r++) {
        const struct rr_rank *rk = &run->ranks[r];
        for (size_t s = 0; s < rk->nsteps; s++) {
            fprintf(f, "%d,", r);
            csv_str(f, rk->host);
            fprintf(f, ",%zu,%.9g,%.9g,%.9g,%.9g,%.9g\n", s, rk->compute[s],
                    rk->comm ? rk->comm[s] : NAN, rk->wait ? rk->wait[s] : NAN,
                    rk->opt ? rk->opt[s] : NAN, rk->total ? rk->total[s] : NAN);
        }
    }
}

/* The CSV tables: DIR/<run id>-<what>.csv when the run has the phase. */
static const struct {
    int phase;
    const char *what, *header;
    void (*rows)(FILE *f, const struct rr_run *run);
} csv_tables[] = {
    {RR_COMM, "comm", "collective,group,placement,nranks,bytes,iters,op_median_s,algbw_gbs,"
                      "busbw_gbs,arrival_skew_median_s,wrong", csv_comm},
    {RR_COMPUTE, "gemm", "rank,host,kind,name,m,n,k,flops,gflops,median_s", csv_gemm},
    {RR_TRAIN, "steps", "rank,host,step,compute_s,comm_s,wait_s,optimizer_s,total_s", csv_steps},
};

/* The file name of run i's tables: its run id made safe (rr_safe_name: no path, no leading
 * dot, at most RR_NAME_LEN bytes), and when both runs have the same, "-a" and "-b" after it. */
static void csv_name(const struct rr_report *rep, int i, char *name, size_t len)
{
    char other[RR_NAME_LEN + 1];
    rr_safe_name(rep->runs[i].run_id, name, RR_NAME_LEN + 1 < len ? RR_NAME_LEN + 1 : len);
    for (int k = 0; k < rep->nruns; k++) {
        rr_safe_name(rep->runs[k].run_id, other, sizeof other);
        if (k != i && strcmp(name, other) == 0) {
            size_t l = strlen(name);
            snprintf(name + l, len - l, "-%c", 'a' + (i < 25 ? i : 25));
            return;
        }
    }
}

int rr_write_csv(const struct rr_report *rep, const char *dir)
{
    if (llmb_mkdir_p(dir) < 0)
        return -1;
    for (int i = 0; i < rep->nruns; i++) {
        const struct rr_run *run = &rep->runs[i];
        char name[RR_NAME_LEN + 4];
        csv_name(rep, i, name, sizeof name);
        for (size_t t = 0; t < sizeof csv_tables / sizeof csv_tables[0]; t++) {
            if (!run->has[csv_tables[t].phase])
                continue;
            FILE *f = csv_open(dir, name, csv_tables[t].what);
            if (!f)
                return -1;
            fprintf(f, "%s\n", csv_tables[t].header);
            csv_tables[t].rows(f, run);
            if (fclose(f))
                return llmb_error("writing CSV into %s failed", dir);
        }
    }
    return 0;
}
