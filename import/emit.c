/* The imported measurements as an llmbench/1 document (doc/results-schema.md, "Imported
 * files"): one comm phase of world sweeps whose points carry S in the nccl-tests convention, the
 * bandwidths recomputed from the tool's times with lib/metrics.h's busbw factors, and the tool's
 * own figures beside them (`tool`), with `disagree` where the two differ by more than the
 * rounding of what the tool printed.  Also the bookkeeping of struct llmb_imp.
 * Part of llmbench-import (import/import.h). */
#include "import.h"

#include "config.h"
#include "error.h"
#include "metrics.h"
#include "results.h"
#include "util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- bookkeeping */
void imp_init(struct llmb_imp *m)
{
    memset(m, 0, sizeof *m);
    m->coll_given = -1;
    m->files = json_array();
    m->present = json_array();
    m->absent = json_array();
    m->notes = json_array();
    m->skipped = json_array();
}

void imp_free(struct llmb_imp *m)
{
    for (size_t i = 0; i < m->nsw; i++)
        if (m->sw[i])
            free(m->sw[i]->pts), free(m->sw[i]);
    free(m->sw);
    free(m->rk);
    json_decref(m->files), json_decref(m->present), json_decref(m->absent);
    json_decref(m->notes), json_decref(m->skipped);
    memset(m, 0, sizeof *m);
}

int imp_bad(const struct llmb_imp *m, int line, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (line > 0)
        return llmb_error("%s:%d: %s", m->file, line, msg);
    return llmb_error("%s: %s", m->file, msg);
}

void imp_note(json_t *a, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) if (strcmp(json_string_value(v), msg) == 0) return;
    if (json_array_size(a) < 64)
        json_array_append_new(a, llmb_json_str(msg));
}

struct imp_sweep *imp_sweep_new(struct llmb_imp *m, int coll, enum imp_kind kind,
                                const char *program, int line)
{
    if (m->nsw == IMP_MAX_SWEEPS) {
        imp_bad(m, line, "more than %d tables", IMP_MAX_SWEEPS);
        return NULL;
    }
    struct imp_sweep **v = realloc(m->sw, (m->nsw + 1) * sizeof *v);
    struct imp_sweep *s = v ? calloc(1, sizeof *s) : NULL;
    if (v)
        m->sw = v;
    if (!s) {
        llmb_error("out of memory");
        return NULL;
    }
    m->sw[m->nsw++] = s;
    s->coll = coll;
    s->kind = kind;
    s->line = line;
    s->file = m->file;
    s->tool_avg_busbw = s->tool_avg_half = NAN;
    llmb_strlcpy(s->program, program, sizeof s->program);
    return s;
}

struct imp_point *imp_point_new(struct llmb_imp *m, struct imp_sweep *s, int line)
{
    if (s->n == IMP_MAX_POINTS) {
        imp_bad(m, line, "more than %d sizes in one table", IMP_MAX_POINTS);
        return NULL;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 32;
        struct imp_point *v = realloc(s->pts, cap * sizeof *v);
        if (!v) {
            llmb_error("out of memory");
            return NULL;
        }
        s->pts = v, s->cap = cap;
    }
    struct imp_point *p = &s->pts[s->n++];
    memset(p, 0, sizeof *p);
    p->size = p->time_s = p->time_half = p->tmin_s = p->tmax_s = p->iters = NAN;
    p->wrong = p->tool_error = p->tool_algbw = p->tool_busbw = p->tool_mbs = NAN;
    p->tool_algbw_half = p->tool_busbw_half = p->tool_mbs_half = 0;
    p->line = line;
    return p;
}

int imp_rank_add(struct llmb_imp *m, const struct imp_rank *r)
{
    for (size_t i = 0; i < m->nrk; i++)
        if (m->rk[i].rank == r->rank) {
            if (strcmp(m->rk[i].host, r->host) || strcmp(m->rk[i].name, r->name))
                imp_note(m->notes, "rank %d is %s on %s in one device list and %s on %s in "
                         "another: the first is kept", r->rank, m->rk[i].name, m->rk[i].host,
                         r->name, r->host);
            return 0;
        }
    if (m->nrk >= IMP_MAX_RANKS)
        return llmb_error("%s: more than %d ranks", m->file, IMP_MAX_RANKS);
    struct imp_rank *v = realloc(m->rk, (m->nrk + 1) * sizeof *v);
    if (!v)
        return llmb_error("out of memory");
    m->rk = v;
    m->rk[m->nrk++] = *r;
    return 0;
}

/* ---------------------------------------------------------------- the world */
struct world {
    int ranks, nodes;
    int *rank_node;
    json_t *names;
};

static int cmp_rank(const void *x, const void *y)
{
    const struct imp_rank *a = x, *b = y;
    return (a->rank > b->rank) - (a->rank < b->rank);
}

/* Ranks and nodes: from the tool's device list, else --ranks / --nodes.  0, or -1 after one
 * line. */
static int world_of(struct llmb_imp *m, struct world *w)
{
    memset(w, 0, sizeof *w);
    w->names = json_array();
    if (m->nrk) {
        qsort(m->rk, m->nrk, sizeof *m->rk, cmp_rank);
        for (size_t i = 0; i < m->nrk; i++)
            if (m->rk[i].rank != (int)i)
                return imp_bad(m, 0, "the device list names rank %d but not rank %zu",
                               m->rk[i].rank, i);
        w->ranks = (int)m->nrk;
        if (m->ranks_given && m->ranks_given != w->ranks)
            return imp_bad(m, 0, "--ranks %d, but the device list has %d ranks",
                           m->ranks_given, w->ranks);
        w->rank_node = calloc((size_t)w->ranks, sizeof *w->rank_node);
        if (!w->rank_node)
            return llmb_error("out of memory");
        for (int r = 0; r < w->ranks; r++) {
            size_t k, found = (size_t)-1;
            json_t *v;
            json_array_foreach(w->names, k, v) if (strcmp(json_string_value(v),
                                                          m->rk[r].host) == 0) found = k;
            if (found == (size_t)-1) {
                found = json_array_size(w->names);
                json_array_append_new(w->names, llmb_json_str(m->rk[r].host));
            }
            w->rank_node[r] = (int)found;
        }
        w->nodes = (int)json_array_size(w->names);
        if (m->nodes_given && m->nodes_given != w->nodes)
            return imp_bad(m, 0, "--nodes %d, but the device list names %d hosts",
                           m->nodes_given, w->nodes);
        return 0;
    }
    w->ranks = m->ranks_given;
    for (size_t i = 0; i < m->nsw && !w->ranks; i++)
        if (m->sw[i]->kind != IMP_COLL)
            w->ranks = 2; /* point to point only: two ranks */
    if (!w->ranks)
        return imp_bad(m, 0, "the rank count is not in this output (no device list): give "
                       "--ranks N");
    if (!m->nodes_given)
        return imp_bad(m, 0, "this output names no hosts: give --nodes M (1: every rank on one "
                       "node)");
    if (m->nodes_given > w->ranks)
        return imp_bad(m, 0, "--nodes %d is more than the %d ranks", m->nodes_given, w->ranks);
    w->nodes = m->nodes_given;
    w->rank_node = calloc((size_t)w->ranks, sizeof *w->rank_node);
    if (!w->rank_node)
        return llmb_error("out of memory");
    int per = (w->ranks + w->nodes - 1) / w->nodes;
    for (int r = 0; r < w->ranks; r++)
        w->rank_node[r] = r / per < w->nodes ? r / per : w->nodes - 1;
    for (int n = 0; n < w->nodes; n++) {
        char nm[32];
        snprintf(nm, sizeof nm, "node%d", n);
        json_array_append_new(w->names, json_string(nm));
    }
    imp_note(m->notes, "the input names no hosts: %d ranks placed in blocks of %d on %d nodes "
             "named node0... (from --ranks and --nodes)", w->ranks, per, w->nodes);
    return 0;
}

/* ---------------------------------------------------------------- points */
/* Does a figure we derived (ours, with relative uncertainty rel from the tool's rounded time)
 * differ from the tool's printed one (half: half its last digit) by more than rounding? */
static int differs(double ours, double rel, double tool, double half)
{
    return fabs(ours - tool) > half + fabs(ours) * rel + 1e-12 * fabs(tool);
}

/* One point of sweep s (n ranks) as JSON into *out: 0, 1 when it has no bandwidth (size 0,
 * time 0), -1 after one line (a size or count beyond what the schema holds). */
static int point_json(struct llmb_imp *m, const struct imp_sweep *s, const struct imp_point *p,
                      int n, int *disagree, double *busbw, json_t **out)
{
    enum llmb_coll c = (enum llmb_coll)s->coll;
    double S = s->osu_sizes ? p->size * n : p->size;
    const struct llmb_imp at = {.file = s->file};
    if (!(S <= IMP_MAX_BYTES) || !(p->size >= 0))
        return imp_bad(&at, p->line, "size %.0f bytes (%.3g as S): beyond the 2^53 bytes a "
                       "results file holds", p->size, S);
    if (p->iters > IMP_MAX_COUNT || p->wrong > IMP_MAX_COUNT || p->iters < 0 || p->wrong < 0)
        return imp_bad(&at, p->line, "iterations %.3g, wrong elements %.3g: beyond %.0e",
                       p->iters, p->wrong, IMP_MAX_COUNT);
    double osu = s->osu_sizes ? p->size : (double)llmb_coll_osu_bytes(c, (size_t)p->size, n);
    double t = p->time_s, rel = p->time_s > 0 ? p->time_half / p->time_s : 0;
    const char *how = "the tool's average time per operation";
    if (s->kind == IMP_BW || (s->kind == IMP_BIBW && isnan(t))) {
        double dirs = s->kind == IMP_BIBW ? 2 : 1;
        t = p->tool_mbs > 0 ? S / (p->tool_mbs / dirs * 1e6) : NAN;
        rel = p->tool_mbs > 0 ? p->tool_mbs_half / p->tool_mbs : 0;
        how = s->kind == IMP_BIBW ? "from the tool's bandwidth, both directions summed: one "
                                    "direction is half" : "from the tool's bandwidth (MB/s = 1e6 B/s)";
    } else if (s->kind == IMP_LATENCY) {
        how = "the tool's one-way latency (half the round trip)";
    }
    if (!(S > 0) || !(t > 0))
        return 1;
    double alg = S / t / 1e9, bus = alg * llmb_busbw_factor(c, n);
    int wrong = p->wrong > 0 || p->validation_failed;
    *busbw = wrong ? 0.0 : bus;
    json_t *o = json_object(), *tool = json_object(), *op = json_object();
    json_object_set_new(o, "bytes", json_integer((json_int_t)S));
    json_object_set_new(o, "osu_bytes", json_integer((json_int_t)osu));
    json_object_set_new(o, "iters", isnan(p->iters) ? json_null() : json_integer((json_int_t)p->iters));
    json_object_set_new(op, "mean_s", llmb_json_seconds(t));
    if (!isnan(p->tmin_s) && !isnan(p->tmax_s)) {
        json_object_set_new(op, "min_s", llmb_json_seconds(p->tmin_s));
        json_object_set_new(op, "max_s", llmb_json_seconds(p->tmax_s));
    }
    if (!isnan(p->iters)) {
        json_object_set_new(op, "n", json_integer((json_int_t)p->iters));
        if (p->iters < 5)
            json_object_set_new(op, "unreliable", json_true());
    }
    json_object_set_new(op, "how", json_string(how));
    json_object_set_new(o, "op", op);
    json_object_set_new(o, "algbw_gbs", wrong ? json_null() : json_real(alg));
    json_object_set_new(o, "busbw_gbs", json_real(*busbw));
    json_object_set_new(o, "wrong", isnan(p->wrong) ? json_null() : json_integer((json_int_t)p->wrong));
    json_object_set_new(tool, "size_bytes", json_integer((json_int_t)p->size));
    if (!isnan(p->time_s))
        json_object_set_new(tool, "time_s", llmb_json_seconds(p->time_s));
    char why[400] = "";
    if (!isnan(p->tool_algbw)) {
        /* the tool's algbw as it defines it (import.h, tool_algbw_recv) */
        double talg = s->tool_algbw_recv ? alg * (n - 1) / n : alg;
        json_object_set_new(tool, "algbw_gbs", json_real(p->tool_algbw));
        if (!wrong && differs(talg, rel, p->tool_algbw, p->tool_algbw_half))
            snprintf(why + strlen(why), sizeof why - strlen(why), "%salgbw %.4g GB/s "
                     "recomputed%s, %.4g printed", why[0] ? "; " : "", talg,
                     s->tool_algbw_recv ? " (S (n-1)/n / t, the tool's definition)" : "",
                     p->tool_algbw);
    }
    if (!isnan(p->tool_busbw)) {
        json_object_set_new(tool, "busbw_gbs", json_real(p->tool_busbw));
        if (!wrong && differs(bus, rel, p->tool_busbw, p->tool_busbw_half))
            snprintf(why + strlen(why), sizeof why - strlen(why), "%sbusbw %.4g GB/s recomputed "
                     "(factor %.4g for %d ranks), %.4g printed", why[0] ? "; " : "", bus,
                     llmb_busbw_factor(c, n), n, p->tool_busbw);
    }
    if (!isnan(p->tool_mbs)) {
        json_object_set_new(tool, "mb_per_s", json_real(p->tool_mbs));
        if (s->kind == IMP_LATENCY || (s->kind == IMP_COLL && !isnan(p->time_s))) {
            /* B/s, one direction, from the average time or (IMB) the slowest rank's */
            double per = S / p->time_s, per2 = p->tmax_s > 0 ? S / p->tmax_s : per;
            int ok_si = !differs(per / 1e6, rel, p->tool_mbs, p->tool_mbs_half) ||
                        !differs(per2 / 1e6, rel, p->tool_mbs, p->tool_mbs_half);
            int ok_mib = !differs(per / 1048576.0, rel, p->tool_mbs, p->tool_mbs_half) ||
                         !differs(per2 / 1048576.0, rel, p->tool_mbs, p->tool_mbs_half);
            if (!ok_si && !ok_mib)
                snprintf(why + strlen(why), sizeof why - strlen(why), "%s%.4g MB/s from the "
                         "time, %.4g printed", why[0] ? "; " : "", per / 1e6, p->tool_mbs);
            else if (ok_mib && !ok_si)
                json_object_set_new(tool, "mb_unit", json_string("MiB (2^20 B)"));
        }
    }
    if (!isnan(p->tool_error))
        json_object_set_new(tool, "error", json_real(p->tool_error));
    if (p->validation_failed)
        json_object_set_new(tool, "validation", json_string("Fail"));
    json_object_set_new(o, "tool", tool);
    if (why[0]) {
        json_object_set_new(o, "disagree", json_string(why));
        if ((*disagree)++ < 4)
            imp_note(m->notes, "%s line %d: %s", s->program, p->line, why);
    }
    json_object_set_new(o, "line", json_integer(p->line));
    *out = o;
    return 0;
}

/* The sweeps of the comm phase; the averages nccl-tests printed are checked into checks. */
static json_t *sweeps_json(struct llmb_imp *m, const struct world *w, json_t *checks,
                           int *disagree, json_int_t *wrong_total)
{
    json_t *a = json_array();
    int dropped = 0;
    for (size_t i = 0; i < m->nsw; i++) {
        const struct imp_sweep *s = m->sw[i];
        int n = s->nranks > 0 ? s->nranks : w->ranks;
        if (n > w->ranks)
            n = w->ranks;
        json_t *o = json_object(), *pts = json_array(), *ranks = json_array();
        json_object_set_new(o, "collective", json_string(llmb_coll_name((enum llmb_coll)s->coll)));
        json_object_set_new(o, "group", json_string("world"));
        json_object_set_new(o, "placement", json_string(s->placement[0] ? s->placement : "out"));
        json_object_set_new(o, "nranks", json_integer(n));
        json_object_set_new(o, "ncomms", json_integer(1));
        for (int r = 0; r < n; r++)
            json_array_append_new(ranks, json_integer(r));
        json_object_set_new(o, "ranks", ranks);
        json_object_set_new(o, "backend", json_string(m->backend));
        json_object_set_new(o, "type", llmb_json_str(s->type));
        json_object_set_new(o, "busbw_factor",
                            json_real(llmb_busbw_factor((enum llmb_coll)s->coll, n)));
        json_object_set_new(o, "program", llmb_json_str(s->program));
        json_object_set_new(o, "line", json_integer(s->line));
        if (s->truncated)
            json_object_set_new(o, "truncated", json_true());
        for (size_t k = 0; k < s->n; k++) {
            double bus;
            json_t *p = NULL;
            int rc = point_json(m, s, &s->pts[k], n, disagree, &bus, &p);
            if (rc < 0) {
                json_decref(pts);
                json_decref(o);
                json_decref(a);
                return NULL;
            }
            if (rc == 1) {
                dropped++;
                continue;
            }
            if (s->pts[k].wrong > 0)
                *wrong_total += (json_int_t)s->pts[k].wrong;
            json_array_append_new(pts, p);
        }
        json_object_set_new(o, "points", pts);
        if (!isnan(s->tool_avg_busbw)) {
            json_object_set_new(o, "tool_avg_busbw_gbs", json_real(s->tool_avg_busbw));
            /* nccl-tests averages busbw over every size, out-of-place and in-place: the
             * sweeps of the same table (same program and line) */
            if (strcmp(s->placement, "in") != 0) {
                double sum = 0, tol = 0;
                int cnt = 0;
                for (size_t j = 0; j < m->nsw; j++) {
                    const struct imp_sweep *u = m->sw[j];
                    if (u->line != s->line || strcmp(u->program, s->program))
                        continue;
                    for (size_t k = 0; k < u->n; k++) {
                        const struct imp_point *p = &u->pts[k];
                        if (!(p->time_s > 0) || !(p->size > 0))
                            continue;
                        double b = p->size / p->time_s / 1e9 *
                                   llmb_busbw_factor((enum llmb_coll)u->coll, n);
                        sum += b, tol += b * p->time_half / p->time_s + p->tool_busbw_half;
                        cnt++;
                    }
                }
                if (cnt) {
                    double mean = sum / cnt;
                    int agree = !differs(mean, 0, s->tool_avg_busbw,
                                         s->tool_avg_half + tol / cnt);
                    json_array_append_new(checks, json_pack("{s:s, s:i, s:f, s:f, s:b}",
                                          "program", s->program, "line", s->line,
                                          "avg_busbw_gbs_tool", s->tool_avg_busbw,
                                          "avg_busbw_gbs", mean, "agree", agree));
                    if (!agree)
                        imp_note(m->notes, "%s line %d: \"Avg bus bandwidth\" %.6g printed, "
                                 "%.6g recomputed over its %d sizes x placements", s->program,
                                 s->line, s->tool_avg_busbw, mean, cnt);
                }
            }
        }
        json_array_append_new(a, o);
    }
    if (dropped)
        imp_note(m->notes, "%d rows of size 0 (or time 0) carry no bandwidth: not imported",
                 dropped);
    return a;
}

/* ---------------------------------------------------------------- the document */
static json_t *source_json(struct llmb_imp *m, json_t *checks, int disagree)
{
    json_t *src = json_object(), *devs = json_array(), *names = json_array();
    for (size_t i = 0; i < m->nrk; i++) {
        const struct imp_rank *r = &m->rk[i];
        json_array_append_new(devs, json_pack("{s:i, s:o, s:i, s:o, s:o}", "rank", r->rank,
                                              "host", llmb_json_str(r->host), "device",
                                              r->device, "pci", llmb_json_str(r->pci), "name",
                                              llmb_json_str(r->name)));
        size_t k;
        json_t *v;
        int seen = 0;
        json_array_foreach(names, k, v) seen |= strcmp(json_string_value(v), r->name) == 0;
        if (!seen && r->name[0])
            json_array_append_new(names, llmb_json_str(r->name));
    }
    imp_note(m->absent, "compute phase: no GEMM or memory rate, no MFU");
    imp_note(m->absent, "probe: no topology (binding, NUMA, GPU and NIC placement)");
    imp_note(m->absent, "train phase: no step time and no attribution of a gap");
    imp_note(m->absent, "link matrix: no per-pair bandwidth");
    json_object_set_new(src, "tool", json_string(m->tool));
    json_object_set_new(src, "version", m->version[0] ? llmb_json_str(m->version) : json_null());
    json_object_set_new(src, "command_line", m->command[0] ? llmb_json_str(m->command) : json_null());
    json_object_set_new(src, "file", json_incref(json_array_get(m->files, 0)));
    json_object_set_new(src, "files", json_incref(m->files));
    json_object_set_new(src, "imported_by", json_string("llmbench-import " PACKAGE_VERSION));
    json_object_set_new(src, "nccl_version",
                        m->nccl_version[0] ? llmb_json_str(m->nccl_version) : json_null());
    json_object_set_new(src, "fabric", m->fabric[0] ? llmb_json_str(m->fabric) : json_null());
    json_object_set_new(src, "devices", devs);
    json_object_set_new(src, "device_names", names);
    json_object_set_new(src, "present", json_incref(m->present));
    json_object_set_new(src, "absent", json_incref(m->absent));
    json_object_set_new(src, "not_imported", json_incref(m->skipped));
    json_object_set_new(src, "notes", json_incref(m->notes));
    json_object_set_new(src, "truncated", json_boolean(m->truncated));
    json_object_set_new(src, "disagreements", json_integer(disagree));
    json_object_set_new(src, "averages", checks);
    return src;
}

json_t *imp_emit(struct llmb_imp *m, const char *run_id, json_t *argv)
{
    struct world w;
    if (!m->nsw) {
        char names[256];
        llmb_coll_name_list(names, sizeof names, ", ", LLMB_COLL_COUNT);
        imp_bad(m, 0, "no table of a collective the llmbench/1 schema has (%s)", names);
        return NULL;
    }
    if (world_of(m, &w) < 0) {
        free(w.rank_node);
        json_decref(w.names);
        return NULL;
    }
    int disagree = 0;
    json_int_t wrong = 0;
    json_t *checks = json_array();
    json_t *sweeps = sweeps_json(m, &w, checks, &disagree, &wrong);
    if (!sweeps) {
        json_decref(checks);
        free(w.rank_node);
        json_decref(w.names);
        return NULL;
    }
    json_t *doc = json_object(), *world = json_object(), *rn = json_array(), *rpn = json_array();
    json_object_set_new(doc, "schema", json_string(LLMB_SCHEMA));
    json_object_set_new(doc, "run_id", llmb_json_str(run_id));
    json_object_set_new(doc, "llmbench_version", json_string(PACKAGE_VERSION));
    json_object_set_new(doc, "command_line", json_incref(argv));
    json_object_set_new(doc, "status", json_string("complete"));
    json_object_set_new(doc, "start_time", json_null());
    json_object_set_new(doc, "end_time", json_null());
    json_object_set_new(doc, "source", source_json(m, checks, disagree));
    for (int r = 0; r < w.ranks; r++)
        json_array_append_new(rn, json_integer(w.rank_node[r]));
    for (int n = 0; n < w.nodes; n++) {
        int c = 0;
        for (int r = 0; r < w.ranks; r++)
            c += w.rank_node[r] == n;
        json_array_append_new(rpn, json_integer(c));
    }
    json_object_set_new(world, "ranks", json_integer(w.ranks));
    json_object_set_new(world, "nodes", json_integer(w.nodes));
    json_object_set_new(world, "rank_node", rn);
    json_object_set_new(world, "node_names", w.names);
    json_object_set_new(world, "ranks_per_node", rpn);
    json_object_set_new(doc, "world", world);
    json_object_set_new(doc, "errors", json_pack("{s:I}", "wrong_elements", wrong));
    json_t *comm = json_object();
    json_object_set_new(comm, "status", json_string("ok"));
    json_object_set_new(comm, "elapsed_s", json_null());
    json_object_set_new(comm, "backend", json_string(m->backend));
    json_object_set_new(comm, "timing", json_pack("{s:s, s:s}", "mode", "imported",
                        "size_convention", "nccl-tests: S is the per-rank buffer of allreduce, "
                        "broadcast, sendrecv, reduce; the total receive buffer of allgather, "
                        "gather, hypercube; the total send buffer of reduce_scatter, alltoall, "
                        "scatter; the largest per-rank total of alltoallv"));
    json_object_set_new(comm, "sweeps", sweeps);
    json_object_set_new(comm, "skipped", json_array());
    json_object_set_new(comm, "link_matrix", json_null());
    json_object_set_new(comm, "train_pattern", json_null());
    json_object_set_new(comm, "wrong_total", json_integer(wrong));
    json_object_set_new(doc, "phases", json_pack("{s:o}", "comm", comm));
    json_object_set_new(doc, "phases_completed", json_pack("[s]", "comm"));
    free(w.rank_node);
    return doc;
}
