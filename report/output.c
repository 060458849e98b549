/* Output: terminal text (within 100 columns), markdown, JSON (doc/report-json.md); the CSV
 * tables are in output_csv.c. */
#include "report.h"

#include "error.h"
#include "metrics.h"
#include "results.h"
#include "util.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WIDTH 100

/* ---------------------------------------------------------------- text from the files */
/* Strings from a results file (run ids, host names, environment values, probe messages) reach
 * every format: s for fmt into b (len bytes, cut at a character boundary), its control
 * characters made visible (llmb_escape_ctl: a line stays one line, no terminal escape runs, no
 * bidirectional control reorders what is shown); markdown also escapes \ | ` < > * _ [ ] with
 * a backslash, so that a table cell stays one cell and no code span, HTML tag, emphasis or
 * link opens. */
static const char *esc(enum rr_format fmt, const char *s, char *b, size_t len)
{
    if (fmt != RR_FMT_MD)
        return llmb_escape_ctl(s, b, len);
    char tmp[8192];
    llmb_escape_ctl(s, tmp, sizeof tmp);
    size_t j = 0;
    for (const char *p = tmp; *p && j + 2 < len; p++) {
        if (strchr("\\|`<>*_[]", *p))
            b[j++] = '\\';
        b[j++] = *p;
    }
    if (len > 0)
        b[j < len ? j : len - 1] = '\0';
    return b;
}

/* ---------------------------------------------------------------- small formatters */
static const char *fnum(double v, const char *unit, char *b, size_t n)
{
    if (isnan(v))
        snprintf(b, n, "-");
    else
        snprintf(b, n, "%.4g%s%s", v, unit && *unit ? " " : "", unit ? unit : "");
    return b;
}

static const char *fpct(double v, char *b, size_t n)
{
    if (isnan(v))
        snprintf(b, n, "-");
    else
        snprintf(b, n, "%.1f%%", 100 * v);
    return b;
}

/* Ranks as runs, "0-3, 7, 9-12", into b; a list that does not fit ends ", ... (N ranks)". */
static void ranks_str(const int *r, int n, char *b, size_t len)
{
    char tail[48], one[32];
    snprintf(tail, sizeof tail, ", ... (%d ranks)", n);
    b[0] = '\0';
    for (int i = 0; i < n;) {
        int j = i;
        while (j + 1 < n && r[j + 1] == r[j] + 1)
            j++;
        if (j > i)
            snprintf(one, sizeof one, "%s%d-%d", i ? ", " : "", r[i], r[j]);
        else
            snprintf(one, sizeof one, "%s%d", i ? ", " : "", r[i]);
        if (strlen(b) + strlen(one) + (j + 1 < n ? strlen(tail) : 0) >= len) {
            rr_cat(b, len, "%s", tail);
            return;
        }
        rr_cat(b, len, "%s", one);
        i = j + 1;
    }
}

/* "ranks 0-3; nodes a, b" for a finding: at most 8 node names, then ", ... (N nodes)". */
static void who_str(const struct rr_run *run, const struct rr_finding *f, char *b, size_t len)
{
    char rs[300];
    b[0] = '\0';
    if (f->nranks) {
        ranks_str(f->ranks, f->nranks, rs, sizeof rs);
        rr_cat(b, len, "ranks %s", rs);
    }
    if (f->nnodes) {
        rr_cat(b, len, "%snodes ", b[0] ? "; " : "");
        for (int k = 0; k < f->nnodes && k < 8; k++)
            rr_cat(b, len, "%s%s", k ? ", " : "", run->nodes[f->nodes[k]].name);
        if (f->nnodes > 8)
            rr_cat(b, len, ", ... (%d nodes)", f->nnodes);
    }
}

static char run_letter(int i) { return (char)('A' + (i < 26 ? i : 25)); }

/* ---------------------------------------------------------------- text / markdown blocks */
struct tab {
    int ncols, nrows;
    char c[40][6][128];
    int right[6];
};

static void tab_row(struct tab *t, ...)
{
    if (t->nrows >= 40)
        return;
    va_list ap;
    va_start(ap, t);
    for (int i = 0; i < t->ncols; i++) {
        const char *s = va_arg(ap, const char *);
        esc(RR_FMT_TEXT, s ? s : "", t->c[t->nrows][i], sizeof t->c[0][0]);
    }
    va_end(ap);
    t->nrows++;
}

static void tab_print(FILE *o, const struct tab *t, enum rr_format fmt)
{
    if (fmt == RR_FMT_MD) {
        for (int r = 0; r < t->nrows; r++) {
            fputc('|', o);
            for (int i = 0; i < t->ncols; i++) {
                char cell[4 * sizeof t->c[0][0]];
                fprintf(o, " %s |", esc(RR_FMT_MD, t->c[r][i], cell, sizeof cell));
            }
            fputc('\n', o);
            if (r == 0) {
                fputc('|', o);
                for (int i = 0; i < t->ncols; i++)
                    fputs(t->right[i] ? "---:|" : "---|", o);
                fputc('\n', o);
            }
        }
        fputc('\n', o);
        return;
    }
    int w[6] = {0};
    for (int r = 0; r < t->nrows; r++)
        for (int i = 0; i < t->ncols; i++)
            if ((int)strlen(t->c[r][i]) > w[i])
                w[i] = (int)strlen(t->c[r][i]);
    for (int r = 0; r < t->nrows; r++) {
        char line[1024];
        int l = snprintf(line, sizeof line, " ");
        for (int i = 0; i < t->ncols && l < (int)sizeof line; i++)
            l += snprintf(line + l, sizeof line - (size_t)l, t->right[i] ? " %*s" : " %-*s",
                          i == t->ncols - 1 && !t->right[i] ? 0 : w[i], t->c[r][i]);
        if (l > WIDTH)
            l = WIDTH;
        while (l > 0 && line[l - 1] == ' ')
            l--;
        fprintf(o, "%.*s\n", l, line);
    }
}

/* Word-wrapped paragraph; first line starts with lead, the rest are indented by indent. */
static void wrap(FILE *o, int indent, const char *lead, const char *text)
{
    char e[8192];
    int col = fprintf(o, "%*s%s", indent - (int)strlen(lead) > 0 ? 0 : 0, "", lead);
    const char *p = esc(RR_FMT_TEXT, text, e, sizeof e);
    int first = 1;
    while (*p) {
        while (*p == ' ')
            p++;
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        int wl = (int)(e - p);
        if (!first && col + 1 + wl > WIDTH) {
            fprintf(o, "\n%*s", indent, "");
            col = indent;
            first = 1;
        }
        if (wl == 0)
            break;
        col += fprintf(o, "%s%.*s", first ? "" : " ", wl, p);
        first = 0;
        p = e;
    }
    fputc('\n', o);
}

static void heading(FILE *o, enum rr_format fmt, int level, const char *raw)
{
    char text[1024];
    esc(fmt, raw, text, sizeof text);
    if (fmt == RR_FMT_MD)
        fprintf(o, "%s %s\n\n", level == 1 ? "##" : "###", text);
    else if (level == 1)
        fprintf(o, "\n== %s ==\n", text);
    else
        fprintf(o, "\n%s\n", text);
}

static void line(FILE *o, enum rr_format fmt, const char *fmtstr, ...)
    __attribute__((format(printf, 3, 4)));
static void line(FILE *o, enum rr_format fmt, const char *fmtstr, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmtstr);
    vsnprintf(buf, sizeof buf, fmtstr, ap);
    va_end(ap);
    if (fmt == RR_FMT_MD) {
        char e[8192];
        fprintf(o, "%s\n\n", esc(fmt, buf, e, sizeof e));
    } else
        wrap(o, 4, "  ", buf);
}

/* ---------------------------------------------------------------- one run */
/* The entries of an array of strings (checked when loaded) joined by "; ", into b. */
static const char *list_str(json_t *a, char *b, size_t len)
{
    b[0] = '\0';
    for (size_t i = 0; i < json_array_size(a); i++)
        rr_cat(b, len, "%s%s", i ? "; " : "", json_string_value(json_array_get(a, i)));
    return b;
}

/* What the import could not judge: one sentence per phase the imported file lacks. */
static const char *cannot_judge(const struct rr_run *run, char *b, size_t len)
{
    b[0] = '\0';
    if (!run->has[RR_COMPUTE])
        rr_cat(b, len, "no compute phase: no GEMM or memory rate against nominal, no MFU");
    if (!run->has[RR_PROBE])
        rr_cat(b, len, "%sno topology (probe): binding, NUMA, GPU and NIC placement cannot be "
               "checked", b[0] ? "; " : "");
    if (!run->has[RR_TRAIN])
        rr_cat(b, len, "%sno train phase: no step time, so no finding prices its cost in a "
               "step and a gap between two offers cannot be attributed", b[0] ? "; " : "");
    if (!run->link_n)
        rr_cat(b, len, "%sno link matrix: a slow node pair cannot be named", b[0] ? "; " : "");
    return b;
}

/* The source block of an imported file: the tool, what was and was not in its output. */
static void print_source(FILE *o, const struct rr_report *rep, int i, enum rr_format fmt)
{
    const struct rr_run *run = &rep->runs[i];
    const struct rr_source *s = &run->src;
    char b[2048];
    line(o, fmt, "imported from %s%s%s%s%s%s%s%s", s->tool, s->version[0] ? " " : "",
         s->version, s->file[0] ? ", file " : "", s->file, s->command[0] ? ", run as: " : "",
         s->command, s->device[0] ? "" : "");
    if (s->device[0] || s->mixed)
        line(o, fmt, "devices: %s; device spec: %s", s->mixed ? "the ranks report different "
             "devices" : s->device, rep->res[i][RR_RES_INTRA].source);
    if (s->listed && json_array_size(s->listed))
        line(o, fmt, "in the input: %s", list_str(s->listed, b, sizeof b));
    if (s->not_imported && json_array_size(s->not_imported))
        line(o, fmt, "not imported: %s", list_str(s->not_imported, b, sizeof b));
    if (s->truncated)
        line(o, fmt, "the input is cut short: the rows it has are kept");
    line(o, fmt, "%d of the tool's own figures differ from the recomputed ones by more than "
         "rounding%s%s", s->disagreements, s->notes && json_array_size(s->notes) ? "; notes: "
         : "", s->notes ? list_str(s->notes, b, sizeof b) : "");
    line(o, fmt, "cannot judge without the phases the import lacks: %s.",
         cannot_judge(run, b, sizeof b));
}

/* The run's heading, file and phases. */
static void print_about(FILE *o, const struct rr_report *rep, int i, enum rr_format fmt)
{
    const struct rr_run *run = &rep->runs[i];
    char h[400];
    snprintf(h, sizeof h, "run %c: %s", run_letter(i), run->run_id);
    heading(o, fmt, 1, h);
    char present[128] = "", missing[128] = "", failed[160] = "";
    for (int p = 0; p < RR_NPHASES; p++) {
        char *dst = run->has[p] ? present : run->phase_status[p][0] ? failed : missing;
        size_t l = strlen(dst);
        if (dst == failed)
            snprintf(dst + l, sizeof failed - l, "%s%s (%s)", l ? ", " : "", rr_phase_names[p],
                     run->phase_status[p]);
        else
            snprintf(dst + l, 128 - l, "%s%s", l ? ", " : "", rr_phase_names[p]);
    }
    line(o, fmt, "file %s; %d ranks on %d node%s; status %s; llmbench %s", run->file,
         run->nranks, run->nnodes, run->nnodes > 1 ? "s" : "", run->status[0] ? run->status : "?",
         run->version[0] ? run->version : "?");
    line(o, fmt, "phases: %s%s%s%s%s", present[0] ? present : "none",
         missing[0] ? "; not in this file: " : "", missing, failed[0] ? "; failed: " : "", failed);
    if (run->compute_summarised || run->comm_summarised_points)
        line(o, fmt, "note: beyond %d ranks (--detail-ranks) the file keeps full per-rank detail "
             "for the outlying ranks only: %d of %d compute ranks summarised (their key figures "
             "kept: GEMM rate, bandwidths, kernel times), %d comm points list their outlying "
             "ranks with every rank's spread (per_rank_summary); the findings use every rank's "
             "key figures.", run->detail_budget, run->compute_summarised, run->nranks,
             run->comm_summarised_points);
    if (run->src.present)
        print_source(o, rep, i, fmt);
}

/* Headline figures (train phase). */
static void print_headline(FILE *o, const struct rr_run *run, enum rr_format fmt, int llmc)
{
    char h[400], a[64], b[64], c[64], d[64];
    heading(o, fmt, 2, "Headline");
    if (!run->has[RR_TRAIN]) {
        line(o, fmt, "train phase not in this file: no tokens/s, step time or MFU.");
        return;
    }
    struct tab t = {.ncols = 3};
    t.right[1] = 1;
    tab_row(&t, "figure", "value", "how");
    snprintf(a, sizeof a, "%.0f", run->tokens_per_s);
    snprintf(h, sizeof h, "global batch of %.0f tokens / median step",
             run->global_batch_tokens);
    tab_row(&t, "global tokens/s", isnan(run->tokens_per_s) ? "-" : a, h);
    snprintf(h, sizeof h, "median of %zu steps (slowest rank), CV %.1f%%", run->nsteps,
             100 * run->step_cv);
    tab_row(&t, "step time", rr_format_time(run->step_med, b, sizeof b), h);
    /* doc/accounting.md: model FLOPs (PaLM), hardware FLOPs (recomputation counted), llm.c */
    snprintf(h, sizeof h, "peak %s GFLOP/s per rank (nominal%s%s, see below)",
             fnum(run->peak_nominal, "", d, sizeof d), run->precision[0] ? " " : "",
             run->precision);
    tab_row(&t, "MFU, nominal peak", fpct(run->mfu_nominal, c, sizeof c), h);
    snprintf(h, sizeof h, "peak %s GFLOP/s per rank (measured GEMM)",
             fnum(run->peak_measured, "", d, sizeof d));
    tab_row(&t, "MFU, measured peak", fpct(run->mfu_measured, a, sizeof a), h);
    tab_row(&t, "HFU, nominal peak", fpct(run->hfu_nominal, c, sizeof c),
            "recomputation counted (none in llmbench: = MFU)");
    if (llmc) {
        tab_row(&t, "MFU, llm.c count, nominal peak", fpct(run->mfu_llmc_nominal, c, sizeof c),
                "llm.c's 6N + 6LCT, vocab padded to 128");
        tab_row(&t, "MFU, llm.c count, measured peak",
                fpct(run->mfu_llmc_measured, a, sizeof a), "the same, measured GEMM peak");
    }
    tab_print(o, &t, fmt);
}

/* The step-time decomposition beside the model's prediction (train phase). */
static void print_decomposition(FILE *o, const struct rr_run *run, enum rr_format fmt)
{
    char a[64], b[64], c[64];
    if (!run->has[RR_TRAIN])
        return;
    heading(o, fmt, 2, "Step time (median rank, per step)");
    struct tab s = {.ncols = 4};
    s.right[1] = s.right[2] = s.right[3] = 1;
    tab_row(&s, "term", "measured", "share", "model");
    static const char *const labels[RR_NTERMS] = {
        "compute", "optimizer", "exposed comm, intra-node", "exposed comm, inter-node",
        "waiting for slower ranks", "other (host, loop)"};
    for (int k = 0; k < RR_NTERMS; k++) {
        double share = run->step_med > 0 ? run->meas[k] / run->step_med : NAN;
        tab_row(&s, labels[k], rr_format_time(run->meas[k], a, sizeof a), fpct(share, b, sizeof b),
                rr_format_time(run->pred[k], c, sizeof c));
    }
    tab_row(&s, "step time", rr_format_time(run->step_med, a, sizeof a), "100.0%",
            rr_format_time(run->pred_total, c, sizeof c));
    tab_print(o, &s, fmt);
    if (run->params_ok)
        line(o, fmt, "model: predicted %s vs measured %s, error %+.1f%%%s. Compute from %s. "
             "Communication from %s. Waiting from the spread of the ranks' own compute, "
             "optimizer and host time (slowest minus median rank); optimizer and other are the "
             "median rank's timers.", rr_format_time(run->pred_total, a, sizeof a),
             rr_format_time(run->step_med, b, sizeof b), 100 * run->pred_err,
             run->pred_independent ? ""
             : " (no compute or comm phase: the model only restates the train timers)",
             run->pred_compute_src, run->pred_comm_src);
    if (run->wait_timers > run->meas[RR_T_WAIT] + 0.01 * run->step_med)
        line(o, fmt, "note: the timers book %s per step as waiting (median rank); the ranks' own "
             "times explain %s of it, the rest is counted as exposed communication: "
             "collectives finishing late, not a slower rank.",
             rr_format_time(run->wait_timers, a, sizeof a),
             rr_format_time(run->meas[RR_T_WAIT], b, sizeof b));
    if (run->wait_in_comm)
        line(o, fmt, "note: comm_s includes wait_s in this file; exposed communication = "
             "comm_s - wait_s.");
}

/* Measured against nominal, with where each nominal figure comes from. */
static void print_resources(FILE *o, const struct rr_resource *res, enum rr_format fmt)
{
    char h[400], a[64], b[64], c[64];
    heading(o, fmt, 2, "Measured vs nominal");
    struct tab t = {.ncols = 5};
    t.right[1] = t.right[2] = t.right[3] = 1;
    tab_row(&t, "resource", "measured", "nominal", "ratio", "measured as");
    int any = 0;
    for (int k = 0; k < RR_NRES; k++) {
        const struct rr_resource *x = &res[k];
        snprintf(h, sizeof h, "%s (%s)", x->name, x->unit);
        double ratio = x->nominal > 0 && !isnan(x->measured) ? x->measured / x->nominal : NAN;
        tab_row(&t, h, fnum(x->measured, "", a, sizeof a), fnum(x->nominal, "", b, sizeof b),
                fpct(ratio, c, sizeof c), x->what[0] ? x->what : "not measured in this file");
        any |= !isnan(x->measured);
    }
    tab_print(o, &t, fmt);
    if (any) {
        for (int k = 0; k < RR_NRES; k++)
            if (res[k].source[0] && !isnan(res[k].measured)) {
                snprintf(h, sizeof h, "nominal %s: %s", res[k].name, res[k].source);
                char e[2048];
                if (fmt == RR_FMT_MD)
                    fprintf(o, "- %s\n", esc(fmt, h, e, sizeof e));
                else
                    wrap(o, 4, "  ", h);
            }
        if (fmt == RR_FMT_MD)
            fputc('\n', o);
    }
}

static void print_run(FILE *o, const struct rr_report *rep, int i, enum rr_format fmt)
{
    print_about(o, rep, i, fmt);
    print_headline(o, &rep->runs[i], fmt, rep->mfu_llmc);
    print_decomposition(o, &rep->runs[i], fmt);
    print_resources(o, rep->res[i], fmt);
}

/* ---------------------------------------------------------------- findings */
static void print_findings(FILE *o, const struct rr_report *rep, enum rr_format fmt)
{
    heading(o, fmt, 1, "Findings, most costly first");
    if (rep->findings.n == 0) {
        line(o, fmt, "none: nothing in these files crosses a threshold of doc/findings.md.");
        return;
    }
    for (size_t i = 0; i < rep->findings.n; i++) {
        const struct rr_finding *f = &rep->findings.v[i];
        const struct rr_run *run = &rep->runs[f->run];
        char t[64], who[1400], pct[48] = "";
        who_str(run, f, who, sizeof who);
        if (f->time_lost_s >= 0 && run->step_med > 0)
            snprintf(pct, sizeof pct, " (%.1f%%)", 100 * f->time_lost_s / run->step_med);
        char cost[96];
        if (isnan(f->time_lost_s))
            snprintf(cost, sizeof cost, "time lost not estimable");
        else
            snprintf(cost, sizeof cost, "%s per step%s", rr_format_time(f->time_lost_s, t, sizeof t), pct);
        char runs[16] = "";
        if (rep->nruns > 1)
            snprintf(runs, sizeof runs, "run %c, ", run_letter(f->run));
        if (fmt == RR_FMT_MD) {
            char e[8192];
            fprintf(o, "%zu. **%s** `%s` (%s%s)%s", i + 1, rr_sev_names[f->sev], f->id, runs,
                    cost, who[0] ? ": " : "");
            fprintf(o, "%s\n   - evidence: ", esc(fmt, who, e, sizeof e));
            fprintf(o, "%s\n   - remedy: ", esc(fmt, f->evidence, e, sizeof e));
            fprintf(o, "%s\n", esc(fmt, f->remedy, e, sizeof e));
        } else {
            char head[800];
            snprintf(head, sizeof head, "%2zu. [%s] %s: %s%s", i + 1, rr_sev_names[f->sev], f->id,
                     runs, cost);
            wrap(o, 6, "", head);
            if (who[0])
                wrap(o, 6, "    ", who);
            char ev[1100];
            snprintf(ev, sizeof ev, "evidence: %s", f->evidence);
            wrap(o, 6, "    ", ev);
            snprintf(ev, sizeof ev, "remedy: %s", f->remedy);
            wrap(o, 6, "    ", ev);
        }
    }
    if (fmt == RR_FMT_MD)
        fputc('\n', o);
}

/* ---------------------------------------------------------------- comparison */
/* The slowest rank's median train compute (the per-rank figure of the model), NAN if none. */
static double slowest_compute(const struct rr_params *p)
{
    double mx = NAN;
    for (int r = 0; p->rank_compute && r < p->nranks; r++)
        if (isnan(mx) || p->rank_compute[r] > mx)
            mx = p->rank_compute[r];
    return mx;
}

static const char *group_detail(const struct rr_report *rep, int g, char *b, size_t n)
{
    const struct rr_run *A = &rep->runs[0], *B = &rep->runs[1];
    const struct rr_params *pa = &A->params, *pb = &B->params;
    char x[32], y[32], u[32], v[32];
    switch (g) {
    case RR_G_COMPUTE:
        snprintf(b, n, "compute %s vs %s; slowest rank %s vs %s",
                 rr_format_time(A->pred[RR_T_COMPUTE], x, sizeof x),
                 rr_format_time(B->pred[RR_T_COMPUTE], y, sizeof y),
                 rr_format_time(slowest_compute(pa), u, sizeof u),
                 rr_format_time(slowest_compute(pb), v, sizeof v));
        break;
    case RR_G_CLOCKS:
        snprintf(b, n, "clock ratio %.2f vs %.2f", isnan(pa->phi) ? 1 : pa->phi,
                 isnan(pb->phi) ? 1 : pb->phi);
        break;
    case RR_G_MEMORY:
        snprintf(b, n, "optimizer %s vs %s", rr_format_time(pa->opt, x, sizeof x),
                 rr_format_time(pb->opt, y, sizeof y));
        break;
    case RR_G_INTRA:
    case RR_G_INTER: {
        int k = g == RR_G_INTRA ? RR_RES_INTRA : RR_RES_INTER;
        int t = g == RR_G_INTRA ? RR_INTRA : RR_INTER;
        snprintf(b, n, "busbw %s vs %s GB/s; comm %s vs %s",
                 fnum(rep->res[0][k].measured, "", x, sizeof x),
                 fnum(rep->res[1][k].measured, "", y, sizeof y),
                 rr_format_time(pa->tier_s[t], u, sizeof u),
                 rr_format_time(pb->tier_s[t], v, sizeof v));
        if (pa->progress_tier == t && (pa->progress != 1 || pb->progress != 1))
            rr_cat(b, n, "; progress %.2fx vs %.2fx", pa->progress, pb->progress);
        break;
    }
    case RR_G_WAIT:
        snprintf(b, n, "fixed wait %s vs %s (files without per-rank timers)",
                 rr_format_time(pa->wait, x, sizeof x), rr_format_time(pb->wait, y, sizeof y));
        break;
    default:
        snprintf(b, n, "host %s vs %s; overlap window %.0f%% vs %.0f%%",
                 rr_format_time(pa->other, x, sizeof x), rr_format_time(pb->other, y, sizeof y),
                 100 * pa->window, 100 * pb->window);
    }
    return b;
}

/* The two comm phases side by side (each a run's or an imported tool's). */
static void print_compare_comm(FILE *o, const struct rr_report *rep, enum rr_format fmt)
{
    const struct rr_compare *c = &rep->cmp;
    if (!c->ncomm) {
        line(o, fmt, "bus bandwidth: no collective measured in both files");
        return;
    }
    char a[64], b[64], r[32], m[80], sz[64], h[96];
    heading(o, fmt, 2, "Bus bandwidth, B against A");
    struct tab t = {.ncols = 6};
    t.right[2] = t.right[3] = t.right[4] = t.right[5] = 1;
    tab_row(&t, "collective", "ranks A / B", "largest common size", "A (GB/s)", "B (GB/s)",
            "B/A there, median");
    for (int i = 0; i < c->ncomm; i++) {
        const struct rr_comm_cmp *x = &c->comm[i];
        snprintf(h, sizeof h, "%d %s / %d %s", x->na, x->ga, x->nb, x->gb);
        llmb_format_size((size_t)x->hi, sz, sizeof sz);
        snprintf(r, sizeof r, "%.2fx", x->a_big > 0 ? x->b_big / x->a_big : NAN);
        snprintf(m, sizeof m, "%s, %.2fx", r, x->ratio_med);
        tab_row(&t, llmb_coll_name((enum llmb_coll)x->coll), h, sz, fnum(x->a_big, "", a, sizeof a),
                fnum(x->b_big, "", b, sizeof b), m);
    }
    tab_print(o, &t, fmt);
    line(o, fmt, "median over the %s sizes both measured; B interpolated log-log at A's sizes. "
         "Bus bandwidth already divides out the rank count (doc/design.md, Metric "
         "definitions), but a larger allocation crosses more links: compare offers of the same "
         "size.", c->comm[0].npts > 1 ? "message" : "one");
}

static void print_compare(FILE *o, const struct rr_report *rep, enum rr_format fmt)
{
    const struct rr_compare *c = &rep->cmp;
    const struct rr_run *A = &rep->runs[0], *B = &rep->runs[1];
    char h[600], a[64], b[64];
    heading(o, fmt, 1, "Comparison: B against A");
    line(o, fmt, "A = %s, B = %s", A->run_id, B->run_id);
    if (c->same_workload && (!A->has[RR_TRAIN] || !B->has[RR_TRAIN]))
        line(o, fmt, "workload: collectives only (no train phase in %s), %d ranks each",
             !A->has[RR_TRAIN] && !B->has[RR_TRAIN] ? "either" : !A->has[RR_TRAIN] ? "A" : "B",
             A->nranks);
    else if (c->same_workload)
        line(o, fmt, "workload: the same (model %s, %d layers, batch %d, seq %d, accum %d, "
             "%d ranks)", A->model[0] ? A->model : "?", A->layers, A->batch, A->seq, A->accum,
             A->nranks);
    else
        line(o, fmt, "workload differs (compared anyway, --allow-different): %s",
             c->differences);
    if (c->have_ratio) {
        int noise = c->ci_lo <= 1.0 && c->ci_hi >= 1.0;
        line(o, fmt, "gap: B's step time is %.2fx A's (%s vs %s); 95%% CI %.2f-%.2f (bootstrap "
             "over %zu + %zu steps)%s", c->ratio, rr_format_time(B->step_med, a, sizeof a),
             rr_format_time(A->step_med, b, sizeof b), c->ci_lo, c->ci_hi, A->nsteps, B->nsteps,
             noise ? ". The interval includes 1.00: the runs do not differ beyond their own "
                     "noise." : ".");
    }
    print_compare_comm(o, rep, fmt);
    if (!c->have_attr) {
        line(o, fmt, "no attribution: %s", c->why_no_attr);
        return;
    }
    line(o, fmt, "model: predicted A %s, B %s (ratio %.2fx). Shapley attribution over %d factor "
         "groups, exact over all 5040 orderings; the factors multiply to the model's ratio, and "
         "\"unexplained\" takes them to the measured one.",
         rr_format_time(c->pred_a, a, sizeof a), rr_format_time(c->pred_b, b, sizeof b), c->pred_b / c->pred_a,
         RR_NGROUPS);
    struct tab t = {.ncols = 4};
    t.right[1] = t.right[2] = 1;
    tab_row(&t, "factor group", "factor", "share", "A vs B");
    int order[RR_NGROUPS];
    for (int g = 0; g < RR_NGROUPS; g++)
        order[g] = g;
    for (int i = 0; i < RR_NGROUPS; i++) /* largest effect first */
        for (int j = i + 1; j < RR_NGROUPS; j++)
            if (fabs(log(c->factor[order[j]])) > fabs(log(c->factor[order[i]]))) {
                int x = order[i];
                order[i] = order[j];
                order[j] = x;
            }
    for (int i = 0; i < RR_NGROUPS; i++) {
        int g = order[i];
        char f[32], s[32], det[200];
        snprintf(f, sizeof f, "%.3fx", c->factor[g]);
        snprintf(s, sizeof s, "%s%s", c->share_s[g] >= 0 ? "+" : "",
                 rr_format_time(c->share_s[g], h, sizeof h));
        tab_row(&t, rr_group_names[g], f, s, group_detail(rep, g, det, sizeof det));
    }
    char f[32];
    snprintf(f, sizeof f, "%.3fx", c->unexplained);
    tab_row(&t, "unexplained", isnan(c->unexplained) ? "-" : f, "",
            "measured ratio / model ratio");
    tab_print(o, &t, fmt);
    /* Findings present in one run only. */
    for (int side = 0; side < 2; side++) {
        char list[800] = "";
        for (size_t i = 0; i < rep->findings.n; i++) {
            const struct rr_finding *x = &rep->findings.v[i];
            if (x->run != side || x->sev == RR_INFO)
                continue;
            int other = 0;
            for (size_t j = 0; j < rep->findings.n; j++)
                other |= rep->findings.v[j].run == 1 - side &&
                         rr_finding_same(x, &rep->findings.v[j]);
            if (other)
                continue;
            char who[300] = "";
            who_str(&rep->runs[side], x, who, sizeof who);
            rr_cat(list, sizeof list, "%s%s%s%s%s", list[0] ? ", " : "", x->id,
                   who[0] ? " (" : "", who, who[0] ? ")" : "");
        }
        line(o, fmt, "findings (warning or critical) only in %c: %s", side ? 'B' : 'A',
             list[0] ? list : "none");
    }
}

void rr_print(FILE *o, const struct rr_report *rep, enum rr_format fmt)
{
    if (fmt == RR_FMT_MD)
        fprintf(o, "# llmbench report\n");
    for (int i = 0; i < rep->nruns; i++)
        print_run(o, rep, i, fmt);
    if (rep->have_compare)
        print_compare(o, rep, fmt);
    print_findings(o, rep, fmt);
    if (rep->plots_note) {
        char e[2048];
        if (fmt == RR_FMT_MD)
            fprintf(o, "%s\n", esc(fmt, rep->plots_note, e, sizeof e));
        else
            wrap(o, 4, "\n", rep->plots_note);
    }
}

/* ---------------------------------------------------------------- JSON */
static json_t *jnum(double v) { return isfinite(v) ? json_real(v) : json_null(); }

/* runs[].model: where each term came from and the parameters (struct rr_params). */
static json_t *model_json(const struct rr_run *run)
{
    const struct rr_params *p = &run->params;
    json_t *m = json_object(), *ts = json_object(), *tb = json_object();
    json_object_set_new(m, "independent", json_boolean(run->pred_independent));
    json_object_set_new(m, "compute_source", llmb_json_str(run->pred_compute_src));
    json_object_set_new(m, "comm_source", llmb_json_str(run->pred_comm_src));
    json_object_set_new(m, "compute_s", jnum(isnan(p->phi) || p->phi <= 0 ? p->comp_norm
                                                                       : p->comp_norm / p->phi));
    json_object_set_new(m, "clock_ratio", jnum(p->phi));
    for (int t = 0; t < RR_NTIERS; t++) {
        const char *k = t == RR_INTRA ? "intra" : "inter";
        json_object_set_new(ts, k, jnum(p->tier_s[t]));
        json_object_set_new(tb, k, jnum(p->tier_blocking_s[t]));
    }
    json_object_set_new(m, "comm_s", ts);
    json_object_set_new(m, "comm_blocking_s", tb);
    json_object_set_new(m, "progress_factor", jnum(p->progress));
    json_object_set_new(m, "overlap_window", jnum(p->window));
    json_object_set_new(m, "collectives_per_step", json_integer(p->nbuckets));
    json_object_set_new(m, "wait_s", jnum(rr_model_wait(p)));
    json_object_set_new(m, "optimizer_s", jnum(p->opt));
    json_object_set_new(m, "other_s", jnum(p->other));
    return m;
}

/* runs[i] of the JSON report (doc/report-json.md). */
static json_t *run_json(const struct rr_report *rep, int i)
{
    const struct rr_run *run = &rep->runs[i];
    json_t *r = json_object(), *miss = json_array(), *pres = json_array();
    json_object_set_new(r, "file", llmb_json_str(run->file));
    json_object_set_new(r, "run_id", llmb_json_str(run->run_id));
    json_object_set_new(r, "ranks", json_integer(run->nranks));
    json_object_set_new(r, "nodes", json_integer(run->nnodes));
    for (int p = 0; p < RR_NPHASES; p++)
        json_array_append_new(run->has[p] ? pres : miss, llmb_json_str(rr_phase_names[p]));
    json_object_set_new(r, "phases", pres);
    json_object_set_new(r, "missing_phases", miss);
    json_object_set_new(r, "detail", json_pack("{s:o, s:i, s:i}", "budget_ranks",
                                               run->detail_budget ? json_integer(run->detail_budget)
                                                                  : json_null(),
                                               "compute_ranks_summarised", run->compute_summarised,
                                               "comm_points_summarised",
                                               run->comm_summarised_points));
    int tr = run->has[RR_TRAIN];
    json_object_set_new(r, "tokens_per_s", jnum(tr ? run->tokens_per_s : NAN));
    json_object_set_new(r, "step_time_s", jnum(tr ? run->step_med : NAN));
    json_object_set_new(r, "mfu_nominal", jnum(run->mfu_nominal));
    json_object_set_new(r, "mfu_measured", jnum(run->mfu_measured));
    json_object_set_new(r, "mfu_llmc_nominal", jnum(run->mfu_llmc_nominal));
    json_object_set_new(r, "mfu_llmc_measured", jnum(run->mfu_llmc_measured));
    json_object_set_new(r, "hfu_nominal", jnum(run->hfu_nominal));
    json_object_set_new(r, "hfu_measured", jnum(run->hfu_measured));
    json_object_set_new(r, "peak_precision", run->precision[0] ? llmb_json_str(run->precision)
                                                               : json_null());
    json_object_set_new(r, "predicted_step_time_s", jnum(run->pred_total));
    json_object_set_new(r, "model_error", jnum(run->pred_err));
    json_t *dec = json_object(), *pred = json_object();
    for (int k = 0; k < RR_NTERMS; k++) {
        json_object_set_new(dec, rr_term_names[k], jnum(tr ? run->meas[k] : NAN));
        json_object_set_new(pred, rr_term_names[k], jnum(run->pred[k]));
    }
    json_object_set_new(r, "decomposition_s", dec);
    json_object_set_new(r, "predicted_s", pred);
    json_object_set_new(r, "wait_timers_s", jnum(tr ? run->wait_timers : NAN));
    if (run->params_ok)
        json_object_set_new(r, "model", model_json(run));
    json_t *res = json_array();
    for (int k = 0; k < RR_NRES; k++) {
        const struct rr_resource *x = &rep->res[i][k];
        json_t *o = json_object();
        json_object_set_new(o, "name", llmb_json_str(x->name));
        json_object_set_new(o, "unit", llmb_json_str(x->unit));
        json_object_set_new(o, "measured", jnum(x->measured));
        json_object_set_new(o, "nominal", jnum(x->nominal));
        json_object_set_new(o, "ratio", jnum(x->nominal > 0 ? x->measured / x->nominal
                                                            : NAN));
        json_object_set_new(o, "measured_as", llmb_json_str(x->what));
        json_object_set_new(o, "nominal_source", llmb_json_str(x->source));
        json_array_append_new(res, o);
    }
    json_object_set_new(r, "resources", res);
    if (run->src.present) {
        const struct rr_source *s = &run->src;
        char b[2048];
        json_t *so = json_object();
        json_object_set_new(so, "tool", llmb_json_str(s->tool));
        json_object_set_new(so, "version", llmb_json_str(s->version));
        json_object_set_new(so, "file", llmb_json_str(s->file));
        json_object_set_new(so, "device", s->device[0] ? llmb_json_str(s->device) : json_null());
        json_object_set_new(so, "truncated", json_boolean(s->truncated));
        json_object_set_new(so, "disagreements", json_integer(s->disagreements));
        json_object_set_new(so, "absent", s->absent ? json_copy(s->absent) : json_array());
        json_object_set_new(so, "cannot_judge", llmb_json_str(cannot_judge(run, b, sizeof b)));
        json_object_set_new(r, "source", so);
    }
    return r;
}

/* One entry of findings[]. */
static json_t *finding_json(const struct rr_report *rep, const struct rr_finding *f)
{
    json_t *o = json_object(), *rk = json_array(), *nd = json_array();
    json_object_set_new(o, "id", llmb_json_str(f->id));
    json_object_set_new(o, "severity", llmb_json_str(rr_sev_names[f->sev]));
    json_object_set_new(o, "run", json_integer(f->run));
    for (int k = 0; k < f->nranks; k++)
        json_array_append_new(rk, json_integer(f->ranks[k]));
    for (int k = 0; k < f->nnodes; k++)
        json_array_append_new(nd, llmb_json_str(rep->runs[f->run].nodes[f->nodes[k]].name));
    json_object_set_new(o, "ranks", rk);
    json_object_set_new(o, "nodes", nd);
    json_object_set_new(o, "time_lost_s", jnum(f->time_lost_s));
    if (!isnan(f->gap_s))
        json_object_set_new(o, "gap_time_s", jnum(f->gap_s));
    json_object_set_new(o, "evidence", llmb_json_str(f->evidence));
    json_object_set_new(o, "remedy", llmb_json_str(f->remedy));
    return o;
}

/* The attribution object (two files). */
static json_t *attribution_json(const struct rr_compare *c)
{
    json_t *at = json_object();
    json_object_set_new(at, "same_workload", json_boolean(c->same_workload));
    json_object_set_new(at, "differences", llmb_json_str(c->differences));
    json_object_set_new(at, "ratio", jnum(c->have_ratio ? c->ratio : NAN));
    json_object_set_new(at, "ci95", c->have_ratio ? json_pack("[o,o]", jnum(c->ci_lo),
                                                              jnum(c->ci_hi)) : json_null());
    json_object_set_new(at, "ci_includes_1", c->have_ratio
                            ? json_boolean(c->ci_lo <= 1 && c->ci_hi >= 1) : json_null());
    json_object_set_new(at, "predicted_ratio",
                        jnum(c->have_attr ? c->pred_b / c->pred_a : NAN));
    json_t *fa = json_array();
    for (int g = 0; c->have_attr && g < RR_NGROUPS; g++) {
        json_t *o = json_object();
        json_object_set_new(o, "name", llmb_json_str(rr_group_names[g]));
        json_object_set_new(o, "factor", jnum(c->factor[g]));
        json_object_set_new(o, "share_s", jnum(c->share_s[g]));
        json_array_append_new(fa, o);
    }
    json_object_set_new(at, "factors", fa);
    json_object_set_new(at, "unexplained", jnum(c->have_attr ? c->unexplained : NAN));
    json_t *cm = json_array();
    for (int i = 0; i < c->ncomm; i++) {
        const struct rr_comm_cmp *x = &c->comm[i];
        json_array_append_new(cm, json_pack("{s:s, s:i, s:i, s:s, s:s, s:i, s:o, s:o, s:o, s:o, s:o}",
            "collective", llmb_coll_name((enum llmb_coll)x->coll), "ranks_a", x->na, "ranks_b",
            x->nb, "group_a", x->ga, "group_b", x->gb, "sizes", x->npts, "min_bytes", jnum(x->lo),
            "max_bytes", jnum(x->hi), "busbw_a_gbs", jnum(x->a_big), "busbw_b_gbs", jnum(x->b_big),
            "ratio_median", jnum(x->ratio_med)));
    }
    json_object_set_new(at, "comm", cm);
    if (!c->have_attr)
        json_object_set_new(at, "why_no_attribution", llmb_json_str(c->why_no_attr));
    return at;
}

json_t *rr_report_json(const struct rr_report *rep)
{
    json_t *root = json_object(), *runs = json_array(), *fs = json_array();
    json_object_set_new(root, "schema", llmb_json_str("llmbench-report/1"));
    for (int i = 0; i < rep->nruns; i++)
        json_array_append_new(runs, run_json(rep, i));
    json_object_set_new(root, "runs", runs);
    for (size_t i = 0; i < rep->findings.n; i++)
        json_array_append_new(fs, finding_json(rep, &rep->findings.v[i]));
    json_object_set_new(root, "findings", fs);
    if (rep->have_compare)
        json_object_set_new(root, "attribution", attribution_json(&rep->cmp));
    if (rep->plots_note)
        json_object_set_new(root, "plots", llmb_json_str(rep->plots_note));
    return root;
}
