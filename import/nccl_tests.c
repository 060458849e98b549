/* nccl-tests output (github.com/NVIDIA/nccl-tests, src/common.cu and src/util.cu), as its
 * programs print it on rank 0:
 *   # nccl-tests version 2.17.6 nccl-headers=22803 nccl-library=22803     (recent versions)
 *   # Collective test starting: all_reduce_perf                           (recent versions)
 *   # nThread 1 nGpus 1 minBytes 8 maxBytes 134217728 step: 2(factor) warmup iters: 5 iters: 20 ...
 *   # Using devices
 *   #  Rank  0 Group  0 Pid  4242 on node01 device  0 [0000:18:00] NVIDIA H100 80GB HBM3
 *   #       size  count  type  redop  root  time  algbw  busbw  #wrong  time  algbw  busbw  #wrong
 *            8      2   float   sum    -1   22.1   0.00   0.00      0   21.9   0.00   0.00      0
 *   # Out of bounds values : 0 OK
 *   # Avg bus bandwidth    : 12.3456
 * Old versions print no version and no "test starting" line, no Group, a PCI bus id "[0x18]",
 * no root column, and an "error" column (the largest error) instead of "#wrong"; -I adds
 * i_min i_max i_p99 i_cv% after each placement.  The columns are read from the header line, so
 * every layout reads the same.  The leading "#" is optional (tables pasted without it).  NCCL
 * INFO / WARN lines interleaved anywhere are passed over (the NCCL version and the network
 * transport they name are kept).  -J writes the same figures as JSON (imp_nccl_json).
 * Part of llmbench-import (import/import.h). */
#include "import.h"

#include "error.h"
#include "metrics.h"
#include "util.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The *_perf programs (nccl-tests' src/Makefile BIN_FILES_LIST, 2.19: all_reduce all_gather
 * broadcast reduce_scatter reduce alltoall alltoallv scatter gather sendrecv hypercube) and
 * their collective in llmbench's table (lib/metrics.h: every one of them is there; reduce,
 * gather, scatter, hypercube and alltoallv are import-only, the driver does not run them).
 * "alltoall_perf" is a prefix of "alltoallv_perf": the longer name comes first. */
static const struct {
    const char *program;
    int coll;
} programs[] = {
    {"all_reduce_perf", LLMB_COLL_ALLREDUCE},   {"all_gather_perf", LLMB_COLL_ALLGATHER},
    {"reduce_scatter_perf", LLMB_COLL_REDUCE_SCATTER}, {"alltoallv_perf", LLMB_COLL_ALLTOALLV},
    {"alltoall_perf", LLMB_COLL_ALLTOALL},      {"broadcast_perf", LLMB_COLL_BROADCAST},
    {"sendrecv_perf", LLMB_COLL_SENDRECV},      {"reduce_perf", LLMB_COLL_REDUCE},
    {"gather_perf", LLMB_COLL_GATHER},          {"scatter_perf", LLMB_COLL_SCATTER},
    {"hypercube_perf", LLMB_COLL_HYPERCUBE},
};

/* nccl-tests' algbw of collective c, against llmbench's S / t (lib/metrics.h): hypercube_perf
 * prints the bytes each rank receives, S (n-1)/n / t, with a busbw factor of 1 on it. */
static void tool_convention(struct imp_sweep *s)
{
    s->tool_algbw_recv = s->coll == LLMB_COLL_HYPERCUBE;
}

/* The program named by a path or name ("./build/all_reduce_perf", "all_reduce_perf_mpi"):
 * its index in programs[], or -1. */
static int program_of(const char *s)
{
    const char *b = strrchr(s, '/');
    b = b ? b + 1 : s;
    for (size_t i = 0; i < sizeof programs / sizeof programs[0]; i++)
        if (imp_starts(b, programs[i].program))
            return (int)i;
    return -1;
}

/* ---------------------------------------------------------------- NCCL INFO lines */
/* An NCCL INFO / WARN line: the NCCL version and the network transport it names. */
static int nccl_info(struct llmb_imp *m, const char *s)
{
    const char *p = strstr(s, "NCCL INFO");
    if (!p)
        p = strstr(s, "NCCL WARN");
    if (!p)
        return 0;
    m->info_lines++;
    p += 9;
    while (*p == ' ')
        p++;
    if (imp_starts(p, "NCCL version ") && !m->nccl_version[0]) {
        sscanf(p + 13, "%31s", m->nccl_version);
    } else if (imp_starts(p, "NET/") && strstr(p, "Using") && !m->fabric[0]) {
        /* "NET/IB : Using [0]mlx5_0:1/IB [1]mlx5_1:1/IB ; OOB ib0:10.0.0.1<0>" */
        char net[32] = "";
        sscanf(p, "%31[^ :]", net);
        const char *u = strstr(p, "Using");
        snprintf(m->fabric, sizeof m->fabric, "%s (NCCL: %.120s)", net, u);
    }
    return 1;
}

/* Where NCCL's "HOST:PID:TID [DEV] NCCL INFO" prefix starts in line s (p: its "NCCL INFO"):
 * the text before it is a part of a row that nccl-tests printed before NCCL's line came
 * ("    1024   256  float  sum  -1gpu01:42:43 [0] NCCL INFO ...").  The host is one the
 * device list names when one matches, else the run of host-name characters before ":PID:TID",
 * less a leading number (the root column "-1" printed just before it). */
static size_t info_start(const struct llmb_imp *m, const char *s, const char *p)
{
    size_t best = (size_t)(p - s);
    for (size_t i = 0; i < m->nrk; i++) {
        size_t hl = strlen(m->rk[i].host);
        for (const char *h = s; hl && (h = strstr(h, m->rk[i].host)) && h < p; h++)
            if (h[hl] == ':' && (size_t)(h - s) < best)
                best = (size_t)(h - s);
    }
    if (best < (size_t)(p - s))
        return best;
    const char *q = p;
    while (q > s && q[-1] == ' ')
        q--;
    if (q > s && q[-1] == ']') /* "[DEV]" */
        while (q > s && q[-1] != '[')
            q--;
    if (q > s)
        q--;
    while (q > s && q[-1] == ' ')
        q--;
    for (int colons = 0; q > s && colons < 2 && (isdigit((unsigned char)q[-1]) || q[-1] == ':');)
        colons += *--q == ':';
    while (q > s && (isalnum((unsigned char)q[-1]) || q[-1] == '.' || q[-1] == '-' ||
                     q[-1] == '_'))
        q--;
    if (q == s)
        return 0; /* NCCL's line alone */
    /* glued to a row's part, which ends with the root column's number: "-1gpu01:..." */
    const char *r = q + (*q == '-');
    if (isdigit((unsigned char)*r)) {
        while (isdigit((unsigned char)*r))
            r++;
        if (isalpha((unsigned char)*r))
            return (size_t)(r - s);
    }
    return (size_t)(q - s);
}

/* ---------------------------------------------------------------- text */
struct test {
    int prog;               /* index in programs[], -1 unknown */
    char program[64];
    int line;
    double iters;
    int lead;               /* columns before the first time column; 0: no header yet */
    int group;              /* columns of one placement */
    int ncols;              /* columns in the header */
    int wrong_col;          /* 1: #wrong, 2: error (old versions), 0: none */
    int imin, imax;         /* per-iteration columns within a placement (-I), -1 none */
    int nrows, footer, ndev;
    struct imp_sweep *s[2]; /* out, in */
    double avg, avg_half;
};

static void test_reset(struct test *t, int line)
{
    memset(t, 0, sizeof *t);
    t->prog = -1;
    t->line = line;
    t->iters = NAN;
    t->imin = t->imax = -1;
    t->avg = NAN;
}

/* The end of one test: its sweeps get the tool's average; cut before its footer: truncated. */
static void test_end(struct llmb_imp *m, struct test *t, const char *why)
{
    if (t->nrows > 0 && !t->footer) {
        m->truncated = 1;
        for (int k = 0; k < 2; k++)
            if (t->s[k])
                t->s[k]->truncated = 1;
        imp_note(m->notes, "%s (line %d): table cut after %d rows, before its \"Avg bus "
                 "bandwidth\" line (%s): the rows read are kept", t->program[0] ? t->program
                 : "a test", t->line, t->nrows, why);
    }
    for (int k = 0; k < 2; k++)
        if (t->s[k])
            t->s[k]->tool_avg_busbw = t->avg, t->s[k]->tool_avg_half = t->avg_half;
}

/* "Rank  0 Group  0 Pid  4242 on node01 device  0 [0000:18:00] NVIDIA H100 80GB HBM3" (old:
 * no Group, "[0x18]"). */
static int device_line(struct llmb_imp *m, struct test *t, const char *c, int line)
{
    struct imp_rank r;
    memset(&r, 0, sizeof r);
    const char *p = c + 4;
    char *end;
    r.rank = (int)strtol(p, &end, 10);
    if (end == p || r.rank < 0 || r.rank >= IMP_MAX_RANKS)
        return imp_bad(m, line, "a \"Using devices\" line without a rank number: %.80s", c);
    p = end;
    while (*p == ' ')
        p++;
    if (imp_starts(p, "Group")) {
        strtol(p + 5, &end, 10);
        p = end;
        while (*p == ' ')
            p++;
    }
    int n = 0;
    if (sscanf(p, "Pid %*d on %127s device %d %n", r.host, &r.device, &n) != 2 || n == 0)
        return imp_bad(m, line, "a \"Using devices\" line not of the form \"Rank R [Group G] "
                       "Pid P on HOST device D [PCI] NAME\": %.80s", c);
    p += n;
    if (*p == '[') {
        const char *e = strchr(p, ']');
        if (e) {
            snprintf(r.pci, sizeof r.pci, "%.*s", (int)(e - p - 1 < 31 ? e - p - 1 : 31), p + 1);
            p = e + 1;
        }
    }
    while (*p == ' ')
        p++;
    llmb_strlcpy(r.name, p, sizeof r.name);
    t->ndev++;
    return imp_rank_add(m, &r);
}

/* The column header: where each placement's figures are. */
static int header_line(struct llmb_imp *m, struct test *t, char *c, int line)
{
    char *tok[64];
    int n = imp_tokens(c, tok, 63);
    int first = -1, second = -1;
    for (int i = 0; i < n && i < 63; i++)
        if (strcmp(tok[i], "time") == 0 || strcmp(tok[i], "cputime") == 0) {
            if (first < 0)
                first = i;
            else if (second < 0)
                second = i;
        }
    if (first < 2 || first + 3 >= n)
        return imp_bad(m, line, "a table header without \"time algbw busbw\" columns");
    t->lead = first;
    t->group = second > first ? second - first : n - first;
    t->ncols = second > first ? second + t->group : n;
    t->wrong_col = 0;
    if (first + 3 < n)
        t->wrong_col = strcmp(tok[first + 3], "#wrong") == 0 ? 1
                     : strcmp(tok[first + 3], "error") == 0 ? 2 : 0;
    for (int i = first; i < first + t->group && i < n; i++) {
        if (strcmp(tok[i], "i_min") == 0)
            t->imin = i - first;
        if (strcmp(tok[i], "i_max") == 0)
            t->imax = i - first;
    }
    return 0;
}

/* The sweeps of a test, made when its first row arrives. */
static int test_sweeps(struct llmb_imp *m, struct test *t, const char *type, int line)
{
    if (t->s[0])
        return 0;
    int coll = t->prog >= 0 ? programs[t->prog].coll : m->coll_given;
    if (t->prog < 0 && m->coll_given < 0)
        return imp_bad(m, line, "a table of unknown collective (no \"Collective test starting\" "
                       "line before it): give --collective");
    if (t->prog < 0)
        snprintf(t->program, sizeof t->program, "%s (--collective)",
                 llmb_coll_name((enum llmb_coll)coll));
    for (int k = 0; k < 2; k++) {
        t->s[k] = imp_sweep_new(m, coll, IMP_COLL, t->program, t->line);
        if (!t->s[k])
            return -1;
        tool_convention(t->s[k]);
        strcpy(t->s[k]->placement, k ? "in" : "out");
        llmb_strlcpy(t->s[k]->type, type, sizeof t->s[k]->type);
        t->s[k]->nranks = t->ndev; /* this test's devices (0: the world) */
    }
    return 0;
}

/* One placement's figures (tok[0..group)) into a point of s. */
static int placement(struct llmb_imp *m, struct test *t, struct imp_sweep *s, double size,
                     char **tok, int line)
{
    double tu, th, v, h;
    if (strcmp(tok[0], "N/A") == 0 || strcmp(tok[0], "-") == 0)
        return 0; /* not measured in this placement */
    struct imp_point *p = imp_point_new(m, s, line);
    if (!p)
        return -1;
    p->size = size;
    p->iters = t->iters;
    if (imp_number(tok[0], &tu, &th) < 0 || tu < 0)
        return imp_bad(m, line, "time \"%s\": expected microseconds", tok[0]);
    p->time_s = tu * 1e-6, p->time_half = th * 1e-6;
    if (imp_number(tok[1], &p->tool_algbw, &p->tool_algbw_half) < 0 ||
        imp_number(tok[2], &p->tool_busbw, &p->tool_busbw_half) < 0)
        return imp_bad(m, line, "bandwidth \"%s\" / \"%s\": expected numbers (GB/s)", tok[1],
                       tok[2]);
    if (t->group > 3 && t->wrong_col && strcmp(tok[3], "N/A") != 0) {
        if (imp_number(tok[3], &v, NULL) < 0 || v < 0)
            return imp_bad(m, line, "%s \"%s\": expected a number",
                           t->wrong_col == 1 ? "#wrong" : "error", tok[3]);
        if (t->wrong_col == 1)
            p->wrong = v;
        else
            p->tool_error = v, p->wrong = v == 0 ? 0 : NAN;
    }
    if (t->imin >= 0 && t->imax >= 0 && imp_number(tok[t->imin], &v, &h) == 0 &&
        imp_number(tok[t->imax], &tu, &th) == 0)
        p->tmin_s = v * 1e-6, p->tmax_s = tu * 1e-6;
    return 0;
}

/* A row of the table.  1: a row cut short at the end of the file (dropped), 0, -1. */
static int data_row(struct llmb_imp *m, struct test *t, char *c, const struct imp_line *l)
{
    char *tok[64];
    int n = imp_tokens(c, tok, 63);
    if (n < t->lead + t->group + 1 && l->last_unterminated)
        return 1;
    if (n < t->lead + 4)
        return imp_bad(m, l->no, "a table row of %d columns, expected %d", n, t->ncols);
    double size;
    if (imp_number(tok[0], &size, NULL) < 0 || size < 0 || size != floor(size))
        return imp_bad(m, l->no, "size \"%s\": expected a whole number of bytes", tok[0]);
    int rc = test_sweeps(m, t, t->lead > 2 ? tok[2] : "", l->no);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    t->nrows++;
    if (placement(m, t, t->s[0], size, tok + t->lead, l->no) < 0)
        return -1;
    int in = t->lead + t->group;
    if (n >= in + 4 && placement(m, t, t->s[1], size, tok + in, l->no) < 0)
        return -1;
    return 0;
}

/* The header's iteration count: "... warmup iters: 5 iters: 20 agg iters: 1 ..." */
static double header_iters(const char *c)
{
    const char *p = c;
    while ((p = strstr(p, "iters:")) != NULL) {
        int warm = p - c >= 7 && imp_starts(p - 7, "warmup ");
        int agg = p - c >= 4 && imp_starts(p - 4, "agg ");
        p += 6;
        if (!warm && !agg)
            return strtod(p, NULL);
    }
    return NAN;
}

/* One line of nccl-tests' output (a row made whole) into the test t; *devices: inside the
 * "Using devices" block.  0, or -1 after one line. */
static int line_of(struct llmb_imp *m, struct test *t, const struct imp_line *l, int *devices)
{
    char *c = l->text;
    while (*c == ' ')
        c++;
    int hash = *c == '#';
    while (*c == '#' || *c == ' ')
        c++;
    if (imp_starts(c, "nccl-tests version ")) {
        sscanf(c + 19, "%63s", m->version);
    } else if (imp_starts(c, "Collective test starting:") || imp_starts(c, "nThread ")) {
        int starting = imp_starts(c, "Collective");
        if (starting || t->nrows > 0 || t->footer || (t->line && !t->program[0] && t->lead)) {
            test_end(m, t, "another test starts");
            test_reset(t, l->no);
        }
        if (!t->line)
            t->line = l->no;
        if (starting) {
            const char *p = c + 25;
            while (*p == ' ')
                p++;
            llmb_strlcpy(t->program, p, sizeof t->program);
            t->prog = program_of(p);
            if (t->prog < 0)
                return imp_bad(m, l->no, "unknown nccl-tests program \"%.60s\"", p);
        } else {
            t->iters = header_iters(c);
            if (!m->command[0])
                snprintf(m->command, sizeof m->command, "%s", c);
        }
        *devices = 0;
    } else if (imp_starts(c, "Using devices")) {
        *devices = 1;
    } else if (*devices && imp_starts(c, "Rank ")) {
        return device_line(m, t, c, l->no);
    } else if ((strstr(c, "size") && strstr(c, "count") && strstr(c, "busbw")) ||
               strstr(c, "(elements)") || strstr(c, "out-of-place")) {
        *devices = 0;
        if (strstr(c, "busbw"))
            return header_line(m, t, c, l->no);
    } else if (imp_starts(c, "Avg bus bandwidth")) {
        const char *p = strchr(c, ':');
        char num[64] = "";
        if (!p || sscanf(p + 1, "%63s", num) != 1 || imp_number(num, &t->avg, &t->avg_half) < 0)
            return imp_bad(m, l->no, "\"Avg bus bandwidth\" without a number");
        t->footer = 1;
    } else if (imp_starts(c, "Out of bounds values") && strstr(c, "FAILED")) {
        imp_note(m->notes, "line %d: nccl-tests reports out-of-bounds values (FAILED)", l->no);
    } else if (imp_starts(c, "error:") && hash) {
        imp_note(m->notes, "line %d: nccl-tests %.200s", l->no, c);
    } else if (!hash && isdigit((unsigned char)*c) && t->lead > 0) {
        int rc = data_row(m, t, c, l);
        if (rc < 0)
            return -1;
        if (rc == 1) {
            m->truncated = 1;
            imp_note(m->notes, "line %d: the last row is cut short (the output ends inside it): "
                     "dropped", l->no);
        }
    } else if (!hash && isdigit((unsigned char)*c)) {
        return imp_bad(m, l->no, "a table row before any table header");
    }
    return 0;
}

int imp_nccl_text(struct llmb_imp *m, struct imp_text *tx)
{
    struct test t;
    test_reset(&t, 0);
    int devices = 0, split = 0;
    char pending[1024] = "";
    size_t plen = 0;
    for (size_t i = 0; i < tx->n; i++) {
        const struct imp_line *l = &tx->v[i];
        char *c = l->text;
        if (l->rank > 0)
            continue; /* nccl-tests prints on rank 0; other ranks' lines are NCCL's */
        const char *info = strstr(c, "NCCL INFO");
        if (!info)
            info = strstr(c, "NCCL WARN");
        if (info) {
            /* a row nccl-tests printed in parts, NCCL's line between them: keep its part */
            size_t k = info_start(m, c, info);
            if (k > strspn(c, " ") && plen + k + 2 < sizeof pending) {
                snprintf(pending + plen, sizeof pending - plen, "%.*s ", (int)k, c);
                plen = strlen(pending);
                split++;
            }
            nccl_info(m, c);
            continue;
        }
        int rc;
        if (plen) { /* the rest of a row whose start came before an NCCL line */
            size_t n = plen + strlen(c) + 1;
            char *joined = malloc(n);
            if (!joined)
                return llmb_error("out of memory");
            snprintf(joined, n, "%s%s", pending, c);
            struct imp_line jl = *l;
            jl.text = joined;
            rc = line_of(m, &t, &jl, &devices);
            free(joined);
            plen = 0, pending[0] = '\0';
        } else {
            rc = line_of(m, &t, l, &devices);
        }
        if (rc < 0)
            return -1;
    }
    if (plen) {
        m->truncated = 1;
        imp_note(m->notes, "the output ends inside a row (\"%.60s\"): dropped", pending);
    }
    test_end(m, &t, "the output ends");
    if (split)
        imp_note(m->notes, "%d row%s printed in parts with NCCL lines between them: joined",
                 split, split > 1 ? "s" : "");
    imp_note(m->present, "nccl-tests tables (time, algbw, busbw per size, out-of-place and "
             "in-place)");
    if (m->nrk)
        imp_note(m->present, "the \"Using devices\" block: ranks, hosts, device names, PCI ids");
    else
        imp_note(m->absent, "the \"Using devices\" block (ranks, hosts, devices)");
    if (m->info_lines)
        imp_note(m->present, "%d NCCL INFO/WARN lines (passed over; the NCCL version and "
                 "network transport kept)", m->info_lines);
    if (tx->prefixed)
        imp_note(m->notes, "%d lines carried a launcher's per-rank prefix%s", tx->prefixed,
                 tx->midrow ? ", some inside a row (printed in several writes)" : "");
    return 0;
}

/* ---------------------------------------------------------------- JSON (-J) */
/* A number of the JSON output (nccl-tests writes "nan" as a string): 0, 1 absent/null/nan, -1. */
static int jnum(struct llmb_imp *m, json_t *o, const char *key, const char *path, double *out)
{
    json_t *v = json_object_get(o, key);
    *out = NAN;
    if (!v || json_is_null(v) || (json_is_string(v) && strcmp(json_string_value(v), "nan") == 0))
        return 1;
    if (!json_is_number(v) || !isfinite(json_number_value(v)))
        return imp_bad(m, 0, "%s.%s: expected a number", path, key);
    *out = json_number_value(v);
    return 0;
}

static int json_devices(struct llmb_imp *m, json_t *devs, int *ndev)
{
    size_t i;
    json_t *d;
    json_array_foreach(devs, i, d) {
        struct imp_rank r;
        memset(&r, 0, sizeof r);
        json_t *rk = json_object_get(d, "rank");
        if (!json_is_integer(rk) || json_integer_value(rk) < 0 ||
            json_integer_value(rk) >= IMP_MAX_RANKS)
            return imp_bad(m, 0, "config.devices[%zu].rank: expected an integer", i);
        r.rank = (int)json_integer_value(rk);
        const char *h = json_string_value(json_object_get(d, "hostname"));
        const char *pci = json_string_value(json_object_get(d, "device_hex"));
        const char *nm = json_string_value(json_object_get(d, "device_info"));
        json_t *dv = json_object_get(d, "device");
        llmb_strlcpy(r.host, h ? h : "", sizeof r.host);
        llmb_strlcpy(r.pci, pci ? pci : "", sizeof r.pci);
        llmb_strlcpy(r.name, nm ? nm : "", sizeof r.name);
        r.device = json_is_integer(dv) ? (int)json_integer_value(dv) : -1;
        if (imp_rank_add(m, &r) < 0)
            return -1;
        (*ndev)++;
    }
    return 0;
}

int imp_nccl_json(struct llmb_imp *m, json_t *doc)
{
    json_t *args = json_object_get(doc, "args"), *cfg = json_object_get(doc, "config");
    json_t *res = json_object_get(doc, "results");
    if (!json_is_array(args) || !json_is_string(json_array_get(args, 0)) ||
        !json_is_array(res))
        return imp_bad(m, 0, "not an nccl-tests JSON output (-J): expected \"args\" and "
                       "\"results\" arrays");
    const char *prog = json_string_value(json_array_get(args, 0));
    int pi = program_of(prog);
    if (pi < 0)
        return imp_bad(m, 0, "args[0] \"%.80s\": not an nccl-tests *_perf program", prog);
    size_t i;
    json_t *a;
    m->command[0] = '\0';
    json_array_foreach(args, i, a) if (json_is_string(a))
        snprintf(m->command + strlen(m->command), sizeof m->command - strlen(m->command), "%s%s",
                 i ? " " : "", json_string_value(a));
    json_t *nv = json_object_get(doc, "nccl_version");
    if (json_is_integer(nv))
        snprintf(m->nccl_version, sizeof m->nccl_version, "%lld",
                 (long long)json_integer_value(nv));
    json_t *ver = json_object_get(doc, "version");
    if (json_is_integer(ver))
        snprintf(m->version, sizeof m->version, "JSON format %lld",
                 (long long)json_integer_value(ver));
    double iters = NAN;
    int ndev = 0;
    if (json_is_object(cfg)) {
        if (jnum(m, cfg, "iterations", "config", &iters) < 0)
            return -1;
        json_t *devs = json_object_get(cfg, "devices");
        if (json_is_array(devs) && json_devices(m, devs, &ndev) < 0)
            return -1;
    }
    const char *name = strrchr(prog, '/');
    name = name ? name + 1 : prog;
    struct imp_sweep *s[2];
    for (int k = 0; k < 2; k++) {
        if (!(s[k] = imp_sweep_new(m, programs[pi].coll, IMP_COLL, name, 0)))
            return -1;
        tool_convention(s[k]);
        strcpy(s[k]->placement, k ? "in" : "out");
    }
    json_t *r;
    json_array_foreach(res, i, r) {
        char path[64];
        double size;
        snprintf(path, sizeof path, "results[%zu]", i);
        if (!json_is_object(r) || jnum(m, r, "size", path, &size) != 0 || size < 0)
            return imp_bad(m, 0, "%s: expected an object with a size", path);
        const char *type = json_string_value(json_object_get(r, "type"));
        if (type && !s[0]->type[0])
            for (int k = 0; k < 2; k++)
                llmb_strlcpy(s[k]->type, type, sizeof s[k]->type);
        static const char *const keys[2] = {"out_of_place", "in_place"};
        for (int k = 0; k < 2; k++) {
            json_t *o = json_object_get(r, keys[k]);
            char q[96];
            snprintf(q, sizeof q, "%s.%s", path, keys[k]);
            if (!json_is_object(o))
                continue;
            struct imp_point *p = imp_point_new(m, s[k], 0);
            double tu;
            if (!p)
                return -1;
            p->size = size;
            p->iters = iters;
            if (jnum(m, o, json_object_get(o, "time") ? "time" : "cpu_time", q, &tu) < 0 ||
                jnum(m, o, "alg_bw", q, &p->tool_algbw) < 0 ||
                jnum(m, o, "bus_bw", q, &p->tool_busbw) < 0 ||
                jnum(m, o, "nwrong", q, &p->wrong) < 0)
                return -1;
            if (!(tu >= 0))
                return imp_bad(m, 0, "%s.time: expected microseconds", q);
            p->time_s = tu * 1e-6;
            p->time_half = 5e-7 * 1e-6; /* %lf: six decimals of a microsecond */
            p->tool_algbw_half = p->tool_busbw_half = 5e-7;
            json_t *pi2 = json_object_get(r, k ? "in_place_per_iter" : "out_of_place_per_iter");
            if (json_is_object(pi2)) {
                double lo, hi;
                if (jnum(m, pi2, "min_us", q, &lo) == 0 && jnum(m, pi2, "max_us", q, &hi) == 0)
                    p->tmin_s = lo * 1e-6, p->tmax_s = hi * 1e-6;
            }
        }
    }
    json_t *avg = json_object_get(doc, "average_bus_bandwidth");
    if (json_is_object(avg)) {
        for (int k = 0; k < 2; k++) {
            if (jnum(m, avg, "bandwidth", "average_bus_bandwidth", &s[k]->tool_avg_busbw) < 0)
                return -1;
            s[k]->tool_avg_half = 5e-7;
        }
    } else {
        m->truncated = 1;
        imp_note(m->notes, "%s: no average_bus_bandwidth (the JSON output was cut before its "
                 "footer): the %zu results read are kept", name, json_array_size(res));
    }
    imp_note(m->present, "nccl-tests JSON results (-J): time, algbw, busbw, #wrong per size, "
             "out-of-place and in-place");
    if (ndev)
        imp_note(m->present, "config.devices: ranks, hosts, device names, PCI ids");
    else
        imp_note(m->absent, "config.devices (ranks, hosts, devices)");
    return 0;
}
