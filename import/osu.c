/* OSU Micro-Benchmarks outputs (mvapich.cse.ohio-state.edu/benchmarks), as rank 0 prints them:
 *   # OSU MPI Allreduce Latency Test v7.3
 *   # Datatype: MPI_CHAR.                                       (7.x, optional)
 *   # Size       Avg Latency(us)   Min Latency(us)   Max Latency(us)  Iterations     (-f)
 *   4                       2.31              1.98              2.80        1000
 * Without -f a collective prints "Avg Latency(us)" alone; osu_latency "Latency (us)";
 * osu_bw / osu_bibw "Bandwidth (MB/s)"; -c adds "Validation" (Pass / Fail).  Column names are
 * separated by two spaces or more.  The size of allgather and alltoall is the per-rank (per-peer)
 * chunk S/n, of reduce_scatter the per-rank result S/n (lib/metrics.h).  With -f, Min and Max
 * are the averages of the fastest and the slowest rank (not of iterations).  Several outputs may
 * follow one another in one file.  Part of llmbench-import (import/import.h). */
#include "import.h"

#include "metrics.h"
#include "util.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum col { C_TIME, C_MIN, C_MAX, C_ITERS, C_MBS, C_VALID, C_OTHER };

struct table {
    struct imp_sweep *s;    /* NULL: a benchmark not imported (rows passed over) */
    int ncols;
    enum col col[16];
    int header;
};

/* The benchmark of a title line: its collective and kind; -1 when the schema has none. */
static int benchmark(const char *title, enum imp_kind *kind, int *osu_sizes)
{
    *kind = IMP_COLL;
    *osu_sizes = 0;
    if (strstr(title, "Non-blocking") || strstr(title, "NBC") || strstr(title, "Persistent") ||
        strstr(title, "Multiple") || strstr(title, "Multi-"))
        return -1;
    if (strstr(title, "Allreduce"))
        return LLMB_COLL_ALLREDUCE;
    if (strstr(title, "Reduce_scatter") || strstr(title, "Reduce Scatter") ||
        strstr(title, "Reduce-Scatter")) {
        *osu_sizes = 1;
        return strstr(title, "Block") ? LLMB_COLL_REDUCE_SCATTER : LLMB_COLL_REDUCE_SCATTER;
    }
    if (strstr(title, "Allgatherv") || strstr(title, "Alltoallv") || strstr(title, "All-to-Allv"))
        return -1;
    if (strstr(title, "Allgather")) {
        *osu_sizes = 1;
        return LLMB_COLL_ALLGATHER;
    }
    if (strstr(title, "All-to-All") || strstr(title, "Alltoall")) {
        *osu_sizes = 1;
        return LLMB_COLL_ALLTOALL;
    }
    if (strstr(title, "Broadcast") || strstr(title, "Bcast"))
        return LLMB_COLL_BROADCAST;
    if (strstr(title, "Reduce") || strstr(title, "Gather") || strstr(title, "Scatter") ||
        strstr(title, "Barrier"))
        return -1;
    if (strstr(title, "Bi-Directional Bandwidth")) {
        *kind = IMP_BIBW;
        return LLMB_COLL_SENDRECV;
    }
    if (strstr(title, "Bandwidth")) {
        *kind = IMP_BW;
        return LLMB_COLL_SENDRECV;
    }
    if (strstr(title, "Latency Test")) {
        *kind = IMP_LATENCY;
        return LLMB_COLL_SENDRECV;
    }
    return -1;
}

static const char *program_name(int coll, enum imp_kind kind)
{
    switch (kind) {
    case IMP_LATENCY: return "osu_latency";
    case IMP_BW: return "osu_bw";
    case IMP_BIBW: return "osu_bibw";
    default: break;
    }
    switch (coll) {
    case LLMB_COLL_ALLREDUCE: return "osu_allreduce";
    case LLMB_COLL_ALLGATHER: return "osu_allgather";
    case LLMB_COLL_ALLTOALL: return "osu_alltoall";
    case LLMB_COLL_BROADCAST: return "osu_bcast";
    default: return "osu_reduce_scatter";
    }
}

/* "# Size   Avg Latency(us)   Min Latency(us) ...": the columns after Size. */
static int header(struct llmb_imp *m, struct table *tb, const char *c, int line)
{
    const char *p = c + 4; /* after "Size" */
    tb->ncols = 0;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        const char *e = p;
        while (*e && !(e[0] == ' ' && (e[1] == ' ' || e[1] == '\0')) && *e != '\t')
            e++;
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(e - p < 63 ? e - p : 63), p);
        if (tb->ncols == 16)
            return imp_bad(m, line, "more than 16 columns in an OSU header");
        enum col k = C_OTHER;
        if (strstr(name, "Min Lat"))
            k = C_MIN;
        else if (strstr(name, "Max Lat"))
            k = C_MAX;
        else if (strstr(name, "Avg Lat") || imp_starts(name, "Latency"))
            k = C_TIME;
        else if (strstr(name, "Iterations"))
            k = C_ITERS;
        else if (strstr(name, "MB/s"))
            k = C_MBS;
        else if (strstr(name, "Validation"))
            k = C_VALID;
        tb->col[tb->ncols++] = k;
        p = e;
    }
    tb->header = 1;
    return 0;
}

static int row(struct llmb_imp *m, struct table *tb, char *c, const struct imp_line *l)
{
    char *tok[20];
    int n = imp_tokens(c, tok, 19);
    if (n != tb->ncols + 1) {
        if (n < tb->ncols + 1 && l->last_unterminated)
            return 1;
        return imp_bad(m, l->no, "a row of %d columns under a header of %d", n, tb->ncols + 1);
    }
    double size, v, h;
    if (imp_number(tok[0], &size, NULL) < 0 || size < 0 || size != floor(size))
        return imp_bad(m, l->no, "size \"%s\": expected a whole number of bytes", tok[0]);
    if (!tb->s)
        return 0;
    struct imp_point *p = imp_point_new(m, tb->s, l->no);
    if (!p)
        return -1;
    p->size = size;
    for (int i = 0; i < tb->ncols; i++) {
        const char *x = tok[i + 1];
        if (tb->col[i] == C_VALID) {
            if (strcmp(x, "Pass") && strcmp(x, "Fail"))
                return imp_bad(m, l->no, "validation \"%s\": expected Pass or Fail", x);
            p->validation_failed = strcmp(x, "Fail") == 0;
            p->wrong = p->validation_failed ? NAN : 0;
            continue;
        }
        if (imp_number(x, &v, &h) < 0 || v < 0)
            return imp_bad(m, l->no, "\"%s\": expected a number", x);
        switch (tb->col[i]) {
        case C_TIME: p->time_s = v * 1e-6, p->time_half = h * 1e-6; break;
        case C_MIN: p->tmin_s = v * 1e-6; break;
        case C_MAX: p->tmax_s = v * 1e-6; break;
        case C_ITERS: p->iters = v; break;
        case C_MBS: p->tool_mbs = v, p->tool_mbs_half = h; break;
        default: break;
        }
    }
    if (isnan(p->time_s) && isnan(p->tool_mbs))
        return imp_bad(m, l->no, "a row with neither a latency nor a bandwidth");
    return 0;
}

int imp_osu(struct llmb_imp *m, struct imp_text *tx)
{
    struct table tb = {0};
    int titles = 0, full = 0, plain = 0;
    for (size_t i = 0; i < tx->n; i++) {
        const struct imp_line *l = &tx->v[i];
        char *c = l->text;
        while (*c == ' ')
            c++;
        if (imp_starts(c, "# OSU ")) {
            enum imp_kind kind;
            int osu_sizes, coll = benchmark(c, &kind, &osu_sizes);
            titles++;
            memset(&tb, 0, sizeof tb);
            const char *v = strstr(c, " v");
            if (v && isdigit((unsigned char)v[2]) && !m->version[0])
                sscanf(v + 2, "%63s", m->version);
            if (coll < 0) {
                imp_note(m->skipped, "line %d: \"%.80s\": no such operation in the llmbench/1 "
                         "schema", l->no, c + 2);
                continue;
            }
            tb.s = imp_sweep_new(m, coll, kind, program_name(coll, kind), l->no);
            if (!tb.s)
                return -1;
            tb.s->osu_sizes = osu_sizes;
            strcpy(tb.s->placement, "out");
            strcpy(tb.s->type, "char");
            if (kind != IMP_COLL)
                tb.s->nranks = 2;
            if (strstr(c, "MPI-CUDA") || strstr(c, "MPI-ROCM") || strstr(c, "MPI-ROCm"))
                imp_note(m->notes, "line %d: buffers on the GPU (%s)", l->no,
                         strstr(c, "CUDA") ? "MPI-CUDA" : "MPI-ROCM");
        } else if (imp_starts(c, "# Size")) {
            if (!titles)
                return imp_bad(m, l->no, "an OSU table header before any \"# OSU\" title");
            if (header(m, &tb, c + 2, l->no) < 0)
                return -1;
            int f = 0;
            for (int k = 0; k < tb.ncols; k++)
                f |= tb.col[k] == C_MIN || tb.col[k] == C_ITERS;
            full += f, plain += !f && tb.s && tb.s->kind == IMP_COLL;
        } else if (isdigit((unsigned char)*c)) {
            if (!tb.header)
                return imp_bad(m, l->no, "a row before an OSU table header (\"# Size ...\")");
            int rc = row(m, &tb, c, l);
            if (rc < 0)
                return -1;
            if (rc == 1) {
                m->truncated = 1;
                if (tb.s)
                    tb.s->truncated = 1;
                imp_note(m->notes, "line %d: the last row is cut short (the output ends inside "
                         "it): dropped; the rows before it are kept", l->no);
            }
        }
    }
    if (!titles)
        return imp_bad(m, 0, "no \"# OSU ... Test\" title: not an OSU Micro-Benchmarks output");
    imp_note(m->present, "OSU tables: average latency (or bandwidth) per size");
    if (full)
        imp_note(m->present, "-f statistics: the fastest and slowest rank's average, iterations");
    if (plain)
        imp_note(m->absent, "iterations and the spread over ranks (a collective run without -f)");
    imp_note(m->absent, "ranks, hosts and devices (OSU prints none: from --ranks and --nodes)");
    imp_note(m->absent, "the command line (OSU prints none)");
    return 0;
}
