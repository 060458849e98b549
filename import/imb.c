/* IMB-MPI1 tables (Intel MPI Benchmarks, github.com/intel/mpi-benchmarks), as printed:
 *   #    Intel(R) MPI Benchmarks 2021.7, MPI-1 part
 *   #----------------------------------------------------------------
 *   # Benchmarking Allreduce
 *   # #processes = 8
 *   #----------------------------------------------------------------
 *          #bytes #repetitions  t_min[usec]  t_max[usec]  t_avg[usec]
 *               4         1000         1.62         1.97         1.80
 * PingPong prints "t[usec]   Mbytes/sec" (t: half the round trip); Uniband and Biband
 * "Mbytes/sec  Msg/sec"; Sendrecv "t_min t_max t_avg Mbytes/sec" (its Mbytes count what a rank
 * sends and receives: 2 x #bytes per t).  #bytes is the per-process chunk S/n of Allgather and
 * Alltoall and the per-process result of Reduce_scatter (lib/metrics.h).  IMB runs each
 * benchmark on 2, 4, ... processes by default ("# ( 6 additional processes waiting in
 * MPI_Barrier)"): the table of the most processes is kept, the others are named in
 * source.not_imported.  Part of llmbench-import (import/import.h). */
#include "import.h"

#include "metrics.h"
#include "util.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum col { C_BYTES, C_REPS, C_TMIN, C_TMAX, C_TAVG, C_T, C_MBS, C_OTHER };

static const struct {
    const char *name;
    int coll;
    enum imp_kind kind;
    int chunk;              /* #bytes is S/n */
    int mbs_dirs;           /* the tool's Mbytes/sec per #bytes / t */
} benchmarks[] = {
    {"Allreduce", LLMB_COLL_ALLREDUCE, IMP_COLL, 0, 0},
    {"Allgather", LLMB_COLL_ALLGATHER, IMP_COLL, 1, 0},
    {"Alltoall", LLMB_COLL_ALLTOALL, IMP_COLL, 1, 0},
    {"Bcast", LLMB_COLL_BROADCAST, IMP_COLL, 0, 0},
    {"Reduce_scatter", LLMB_COLL_REDUCE_SCATTER, IMP_COLL, 1, 0},
    {"Reduce_scatter_block", LLMB_COLL_REDUCE_SCATTER, IMP_COLL, 1, 0},
    {"Sendrecv", LLMB_COLL_SENDRECV, IMP_COLL, 0, 2},
    {"PingPong", LLMB_COLL_SENDRECV, IMP_LATENCY, 0, 1},
    {"Uniband", LLMB_COLL_SENDRECV, IMP_BW, 0, 1},
    {"Biband", LLMB_COLL_SENDRECV, IMP_BIBW, 0, 1},
};

struct table {
    struct imp_sweep *s;    /* NULL: not imported */
    int procs, waiting, bi; /* bi: index in benchmarks[], -1 not imported */
    int ncols, header, rows;
    enum col col[12];
    char name[64];
};

static int header(struct llmb_imp *m, struct table *tb, char *c, int line)
{
    char *tok[16];
    int n = imp_tokens(c, tok, 12);
    if (n > 12)
        return imp_bad(m, line, "more than 12 columns in an IMB header");
    tb->ncols = n;
    for (int i = 0; i < n; i++) {
        const char *x = tok[i];
        tb->col[i] = strcmp(x, "#bytes") == 0        ? C_BYTES
                     : strcmp(x, "#repetitions") == 0 ? C_REPS
                     : imp_starts(x, "t_min")         ? C_TMIN
                     : imp_starts(x, "t_max")         ? C_TMAX
                     : imp_starts(x, "t_avg")         ? C_TAVG
                     : imp_starts(x, "t[")            ? C_T
                     : strcmp(x, "Mbytes/sec") == 0   ? C_MBS
                                                      : C_OTHER;
    }
    if (tb->col[0] != C_BYTES)
        return imp_bad(m, line, "an IMB table header not starting with #bytes");
    tb->header = 1;
    return 0;
}

static int row(struct llmb_imp *m, struct table *tb, char *c, const struct imp_line *l)
{
    char *tok[16];
    int n = imp_tokens(c, tok, 12);
    if (n != tb->ncols) {
        if (n < tb->ncols && l->last_unterminated)
            return 1;
        return imp_bad(m, l->no, "a row of %d columns under a header of %d", n, tb->ncols);
    }
    tb->rows++;
    if (!tb->s)
        return 0;
    struct imp_point *p = imp_point_new(m, tb->s, l->no);
    if (!p)
        return -1;
    for (int i = 0; i < n; i++) {
        double v, h;
        if (tb->col[i] == C_OTHER)
            continue;
        if (imp_number(tok[i], &v, &h) < 0 || v < 0)
            return imp_bad(m, l->no, "\"%s\": expected a number", tok[i]);
        switch (tb->col[i]) {
        case C_BYTES:
            if (v != floor(v))
                return imp_bad(m, l->no, "#bytes \"%s\": expected a whole number", tok[i]);
            p->size = v;
            break;
        case C_REPS: p->iters = v; break;
        case C_TMIN: p->tmin_s = v * 1e-6; break;
        case C_TMAX: p->tmax_s = v * 1e-6; break;
        case C_TAVG: case C_T: p->time_s = v * 1e-6, p->time_half = h * 1e-6; break;
        case C_MBS: p->tool_mbs = v / benchmarks[tb->bi].mbs_dirs, p->tool_mbs_half = h; break;
        default: break;
        }
    }
    return 0;
}

/* Keep, per benchmark, the table of the most processes (the first of equals). */
static void keep_largest(struct llmb_imp *m)
{
    char *drop = calloc(m->nsw ? m->nsw : 1, 1);
    if (!drop)
        return;
    for (size_t i = 0; i < m->nsw; i++)
        for (size_t j = 0; j < m->nsw; j++)
            drop[i] |= j != i && strcmp(m->sw[i]->program, m->sw[j]->program) == 0 &&
                       (m->sw[j]->nranks > m->sw[i]->nranks ||
                        (m->sw[j]->nranks == m->sw[i]->nranks && j < i));
    size_t w = 0;
    for (size_t i = 0; i < m->nsw; i++) {
        if (drop[i]) {
            imp_note(m->skipped, "%s on %d processes (line %d): the table of more processes is "
                     "kept", m->sw[i]->program, m->sw[i]->nranks, m->sw[i]->line);
            free(m->sw[i]->pts);
            free(m->sw[i]);
            continue;
        }
        m->sw[w++] = m->sw[i];
    }
    m->nsw = w;
    free(drop);
}

int imp_imb(struct llmb_imp *m, struct imp_text *tx)
{
    struct table tb;
    memset(&tb, 0, sizeof tb);
    tb.bi = -1;
    int done = 0, bench = 0, world = 0, calling = 0;
    for (size_t i = 0; i < tx->n; i++) {
        const struct imp_line *l = &tx->v[i];
        char *c = l->text;
        while (*c == ' ')
            c++;
        const char *v;
        if ((v = strstr(c, "MPI Benchmarks ")) && c[0] == '#' && !m->version[0]) {
            sscanf(v + 15, "%63[^,]", m->version);
        } else if (imp_starts(c, "# Calling sequence was:")) {
            calling = 1;
        } else if (calling && imp_starts(c, "# ") && c[2]) {
            if (!m->command[0])
                snprintf(m->command, sizeof m->command, "%s", c + 2);
            calling = 0;
        } else if (imp_starts(c, "# Benchmarking ")) {
            memset(&tb, 0, sizeof tb);
            tb.bi = -1;
            bench++;
            sscanf(c + 15, "%63s", tb.name);
            for (int k = 0; k < (int)(sizeof benchmarks / sizeof benchmarks[0]); k++)
                if (strcmp(tb.name, benchmarks[k].name) == 0)
                    tb.bi = k;
            if (tb.bi < 0)
                imp_note(m->skipped, "IMB-MPI1 %s (line %d): no such operation in the "
                         "llmbench/1 schema", tb.name, l->no);
        } else if (imp_starts(c, "# #processes = ")) {
            tb.procs = atoi(c + 15);
            if (tb.procs < 1 || tb.procs > IMP_MAX_RANKS)
                return imp_bad(m, l->no, "#processes \"%s\": expected a positive count", c + 15);
            if (world < tb.procs)
                world = tb.procs;
        } else if (imp_starts(c, "# ( ") && strstr(c, "additional process")) {
            tb.waiting = atoi(c + 4);
            if (tb.waiting > 0 && tb.waiting < IMP_MAX_RANKS && world < tb.procs + tb.waiting)
                world = tb.procs + tb.waiting;
        } else if (imp_starts(c, "#bytes")) {
            if (!tb.procs)
                return imp_bad(m, l->no, "an IMB table without \"# Benchmarking\" and "
                               "\"# #processes\" lines before it");
            if (header(m, &tb, c, l->no) < 0)
                return -1;
            if (tb.bi >= 0) {
                char prog[64];
                snprintf(prog, sizeof prog, "IMB-MPI1 %s", benchmarks[tb.bi].name);
                tb.s = imp_sweep_new(m, benchmarks[tb.bi].coll, benchmarks[tb.bi].kind, prog,
                                     l->no);
                if (!tb.s)
                    return -1;
                tb.s->osu_sizes = benchmarks[tb.bi].chunk;
                tb.s->nranks = tb.procs;
                strcpy(tb.s->placement, "out");
            }
        } else if (imp_starts(c, "# All processes entering MPI_Finalize")) {
            done = 1;
        } else if (isdigit((unsigned char)*c) && tb.header) {
            int rc = row(m, &tb, c, l);
            if (rc < 0)
                return -1;
            if (rc == 1) {
                if (tb.s)
                    tb.s->truncated = 1;
                imp_note(m->notes, "line %d: the last row is cut short: dropped", l->no);
            }
        }
    }
    if (!bench)
        return imp_bad(m, 0, "no \"# Benchmarking\" line: not an IMB-MPI1 output");
    if (!done) {
        m->truncated = 1;
        if (m->nsw)
            m->sw[m->nsw - 1]->truncated = 1;
        imp_note(m->notes, "the output ends before \"All processes entering MPI_Finalize\": "
                 "cut short; the rows read are kept");
    }
    if (world && !m->ranks_given)
        m->ranks_given = world;
    keep_largest(m);
    imp_note(m->present, "IMB-MPI1 tables: t_min, t_max, t_avg (or t, Mbytes/sec) and "
             "repetitions per size");
    imp_note(m->absent, "hosts and devices (IMB prints none: nodes from --nodes)");
    if (!m->command[0])
        imp_note(m->absent, "the command line (no \"Calling sequence was\" lines)");
    return 0;
}
