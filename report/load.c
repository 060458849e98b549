/* Read and validate one results file (doc/results-schema.md) into struct rr_run.
 *
 * Every phase is optional; a phase that is present must be well formed in the fields the
 * reporter uses.  Any bad field is one line naming the file, the JSON path and what was
 * expected (llmb_results_error), and the caller exits with status 2.  Physically impossible
 * values (negative or absurd times, bandwidths, rates; ranks missing or repeated) are errors. */
#include "load.h"

#include "error.h"
#include "metrics.h"
#include "results.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *const rr_phase_names[RR_NPHASES] = {"probe", "compute", "comm", "train"};

int rr_ld_int(const char *file, const char *path, json_t *obj, const char *key, double lo,
              double hi, int required, int *out)
{
    double v;
    int rc = llmb_jnum(file, path, obj, key, lo, hi, required, &v);
    if (rc != 0)
        return rc;
    if (v != floor(v)) {
        char p[1024];
        return llmb_results_error(file, llmb_jpath_key(p, sizeof p, path, key),
                                  "expected an integer, found %g", v);
    }
    *out = (int)v;
    return 0;
}

/* Optional number: leaves *out (NAN) when absent or null. */
int rr_ld_num(const char *file, const char *path, json_t *obj, const char *key, double lo,
              double hi, double *out)
{
    int rc = llmb_jnum(file, path, obj, key, lo, hi, 0, out);
    return rc < 0 ? -1 : 0;
}

int rr_ld_strp(const char *file, const char *path, json_t *obj, const char *key, int required,
               const char **out)
{
    int bad = 0;
    json_t *n0 = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (json_is_null(n0) && !required)
        return 0; /* not measured */
    json_t *v = llmb_jget(file, path, obj, key, JSON_STRING, 0, &bad);
    if (bad)
        return -1;
    if (!v) {
        json_t *n = json_is_object(obj) ? json_object_get(obj, key) : NULL;
        if (required && !json_is_null(n)) {
            char p[1024];
            return llmb_results_error(file, llmb_jpath_key(p, sizeof p, path, key),
                                      "missing; expected a string");
        }
        return 0;
    }
    *out = json_string_value(v);
    return 0;
}

int rr_ld_str(const char *file, const char *path, json_t *obj, const char *key,
              int required, char *buf, size_t len)
{
    const char *s = NULL;
    if (rr_ld_strp(file, path, obj, key, required, &s) < 0)
        return -1;
    if (s) /* a cut never leaves half a UTF-8 character */
        llmb_utf8_cpy(buf, s, len);
    return 0;
}

/* Optional array at obj.key (null/absent gives NULL without error). */
int rr_ld_array(const char *file, const char *path, json_t *obj, const char *key,
                json_t **out)
{
    *out = NULL;
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (!v || json_is_null(v))
        return 0;
    int bad = 0;
    *out = llmb_jget(file, path, obj, key, JSON_ARRAY, 1, &bad);
    return *out ? 0 : -1;
}

int rr_ld_object(const char *file, const char *path, json_t *obj, const char *key,
                 json_t **out)
{
    *out = NULL;
    json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (!v || json_is_null(v))
        return 0;
    *out = llmb_jget(file, path, obj, key, JSON_OBJECT, 1, NULL);
    return *out ? 0 : -1;
}

/* Element i of array a must be an object. */
json_t *rr_ld_elem(const char *file, const char *apath, json_t *a, size_t i, char *p,
                   size_t plen)
{
    llmb_jpath_index(p, plen, apath, i);
    json_t *e = json_array_get(a, i);
    if (!json_is_object(e)) {
        llmb_results_error(file, p, "expected an object");
        return NULL;
    }
    return e;
}

/* Optional integer array (numa nodes, overlapping ranks) into *out, allocated (NULL when absent
 * or empty), with its length in *n. */
static int int_list(const char *file, const char *path, json_t *obj, const char *key, int lo,
                    int hi, int **out, int *n)
{
    double *x;
    size_t len;
    *n = 0;
    free(*out);
    *out = NULL;
    int rc = llmb_jnum_array(file, path, obj, key, lo, hi, 0, &x, &len);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    if (len > 0 && !(*out = malloc(len * sizeof **out))) {
        free(x);
        return llmb_error("out of memory");
    }
    for (size_t i = 0; i < len; i++)
        (*out)[(*n)++] = (int)x[i];
    free(x);
    return 0;
}

static unsigned parse_hexish(json_t *v)
{
    if (json_is_integer(v))
        return (unsigned)json_integer_value(v);
    if (json_is_string(v))
        return (unsigned)strtoul(json_string_value(v), NULL, 16); /* "10de", "0x10de": PCI ids */
    return 0;
}

/* The rank index of phase-array entry e: "rank" in [0, nranks-1], each at most once. */
static int rank_of(struct rr_ld_ctx *c, const char *p, json_t *e, char *seen)
{
    int r;
    if (rr_ld_int(c->file, p, e, "rank", 0, c->run->nranks - 1, 1, &r) != 0)
        return -1;
    if (seen[r]) {
        char q[1100];
        return llmb_results_error(c->file, llmb_jpath_key(q, sizeof q, p, "rank"),
                                  "rank %d appears twice", r);
    }
    seen[r] = 1;
    return r;
}

static int all_seen(struct rr_ld_ctx *c, const char *path, const char *seen)
{
    for (int r = 0; r < c->run->nranks; r++)
        if (!seen[r])
            return llmb_results_error(c->file, path,
                                      "rank %d is missing; expected one entry per rank (%d)", r,
                                      c->run->nranks);
    return 0;
}

int rr_ld_for_each_rank(struct rr_ld_ctx *c, const char *apath, json_t *a, int all,
                        int (*each)(struct rr_ld_ctx *c, const char *p, json_t *e,
                                    struct rr_rank *rk))
{
    char p[512];
    char *seen = calloc((size_t)c->run->nranks, 1);
    if (!seen)
        return llmb_error("out of memory");
    int rc = 0;
    for (size_t i = 0; rc == 0 && a && i < json_array_size(a); i++) {
        json_t *e = rr_ld_elem(c->file, apath, a, i, p, sizeof p);
        int r = e ? rank_of(c, p, e, seen) : -1;
        rc = r < 0 ? -1 : each(c, p, e, &c->run->ranks[r]);
    }
    if (rc == 0 && all)
        rc = all_seen(c, apath, seen);
    free(seen);
    return rc;
}

/* ---------------------------------------------------------------- probe */
/* A probe node's "machine": load average, clocks, governor. */
static int load_node_machine(struct rr_ld_ctx *c, const char *p, json_t *e, struct rr_node *nd)
{
    const char *f = c->file;
    json_t *m;
    if (rr_ld_object(f, p, e, "machine", &m) < 0)
        return -1;
    if (!m)
        return 0;
    char mp[600];
    llmb_jpath_key(mp, sizeof mp, p, "machine");
    double *la;
    size_t nla;
    int rc = llmb_jnum_array(f, mp, m, "loadavg", 0, 1e7, 0, &la, &nla);
    if (rc < 0)
        return -1;
    if (rc == 0) {
        if (nla > 0)
            nd->load1 = la[0];
        free(la);
    }
    if (rr_ld_num(f, mp, m, "cur_freq_mhz", 0, 1e6, &nd->cur_mhz) < 0 ||
        rr_ld_num(f, mp, m, "max_freq_mhz", 0, 1e6, &nd->max_mhz) < 0 ||
        rr_ld_str(f, mp, m, "governor", 0, nd->governor, sizeof nd->governor) < 0)
        return -1;
    return 0;
}

/* A probe node's GPUs (count, first one's PCI ids) and its fastest network NIC. */
static int load_node_devices(struct rr_ld_ctx *c, const char *p, json_t *e, struct rr_node *nd)
{
    const char *f = c->file;
    char q[1100];
    json_t *g;
    if (rr_ld_array(f, p, e, "gpus", &g) < 0)
        return -1;
    if (g && json_array_size(g) > 0) {
        nd->ngpus = (int)json_array_size(g);
        json_t *g0 = json_array_get(g, 0);
        if (json_is_object(g0)) {
            nd->gpu_vendor = parse_hexish(json_object_get(g0, "vendor_id"));
            nd->gpu_device = parse_hexish(json_object_get(g0, "device_id"));
        }
    }
    json_t *nics;
    if (rr_ld_array(f, p, e, "nics", &nics) < 0)
        return -1;
    for (size_t j = 0; nics && j < json_array_size(nics); j++) {
        char np[600];
        json_t *ne = rr_ld_elem(f, llmb_jpath_key(q, sizeof q, p, "nics"), nics, j, np, sizeof np);
        if (!ne)
            return -1;
        double gbs = NAN;
        if (rr_ld_num(f, np, ne, "link_gbs", 0, MAX_GBS, &gbs) < 0)
            return -1;
        if (!isnan(gbs) && gbs > 0 && (isnan(nd->nic_gbs) || gbs > nd->nic_gbs)) {
            nd->nic_gbs = gbs;
            if (rr_ld_str(f, np, ne, "name", 0, nd->nic_name, sizeof nd->nic_name) < 0)
                return -1;
        }
    }
    return 0;
}

/* Entry i (at path p) of phases.probe.nodes[], matched to world.node_names by its name (or by
 * position when it has none). */
static int cmp_node(const void *x, const void *y)
{
    const struct rr_node *const *a = x, *const *b = y;
    int c = strcmp((*a)->name, (*b)->name);
    return c ? c : (*a > *b) - (*a < *b);
}

/* The node named name (the last of that name in world.node_names), by binary search in
 * byname (the nodes sorted by name, then position): -1 when none. */
static int node_named(const struct rr_run *run, struct rr_node **byname, const char *name)
{
    size_t lo = 0, hi = (size_t)run->nnodes;
    while (lo < hi) { /* the first entry after every one named name or before it */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(byname[mid]->name, name) <= 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && strcmp(byname[lo - 1]->name, name) == 0 ? (int)(byname[lo - 1] - run->nodes)
                                                             : -1;
}

static int load_probe_node(struct rr_ld_ctx *c, const char *p, json_t *e, size_t i,
                           struct rr_node **byname)
{
    struct rr_run *run = c->run;
    char name[128] = "", q[1100];
    if (rr_ld_str(c->file, p, e, "name", 0, name, sizeof name) < 0)
        return -1;
    int k = name[0] ? node_named(run, byname, name) : -1;
    if (k < 0 && i < (size_t)run->nnodes && !name[0])
        k = (int)i;
    if (k < 0) {
        if (name[0])
            return llmb_results_error(c->file, llmb_jpath_key(q, sizeof q, p, "name"),
                                      "node \"%s\" is not in world.node_names", name);
        return 0;
    }
    struct rr_node *nd = &run->nodes[k];
    if (rr_ld_int(c->file, p, e, "pus", 0, 1e7, 0, &nd->pus) < 0 ||
        rr_ld_int(c->file, p, e, "cores", 0, 1e7, 0, &nd->cores) < 0 ||
        load_node_machine(c, p, e, nd) < 0 || load_node_devices(c, p, e, nd) < 0)
        return -1;
    return 0;
}

/* One entry of phases.probe.ranks[]: binding, threads, NUMA, GPU placement. */
static int load_probe_rank(struct rr_ld_ctx *c, const char *p, json_t *e, struct rr_rank *rk)
{
    const char *f = c->file;
    char q[1100];
    json_t *b = json_object_get(e, "bound");
    if (b && !json_is_null(b)) {
        if (!json_is_boolean(b))
            return llmb_results_error(f, llmb_jpath_key(q, sizeof q, p, "bound"),
                                      "expected a boolean");
        rk->bound = json_is_true(b);
    }
    if (rr_ld_int(f, p, e, "threads", 1, 1e6, 0, &rk->threads) < 0 ||
        rr_ld_int(f, p, e, "pus", 0, 1e7, 0, &rk->pus) < 0 ||
        rr_ld_strp(f, p, e, "cpuset", 0, &rk->cpuset) < 0 ||
        rr_ld_strp(f, p, e, "host", 0, &rk->host) < 0 ||
        int_list(f, p, e, "numa", 0, 1 << 20, &rk->numa, &rk->nnuma) < 0 ||
        int_list(f, p, e, "overlaps", 0, c->run->nranks - 1, &rk->overlaps, &rk->noverlaps) < 0)
        return -1;
    /* overlaps[] names at most a few ranks in newer files; overlaps_count is all of them */
    rk->overlaps_count = rk->noverlaps;
    if (rr_ld_int(f, p, e, "overlaps_count", rk->noverlaps, c->run->nranks - 1, 0,
                  &rk->overlaps_count) < 0)
        return -1;
    json_t *g;
    if (rr_ld_object(f, p, e, "gpu", &g) < 0)
        return -1;
    if (g) {
        llmb_jpath_key(q, sizeof q, p, "gpu");
        rk->has_gpu = 1;
        if (rr_ld_int(f, q, g, "numa", -1, 1 << 20, 0, &rk->gpu_numa) < 0 ||
            rr_ld_strp(f, q, g, "nearest_path", 0, &rk->gpu_path) < 0 ||
            rr_ld_strp(f, q, g, "nearest_nic", 0, &rk->gpu_nic) < 0)
            return -1;
    }
    return 0;
}

static int load_probe(struct rr_ld_ctx *c, json_t *ph)
{
    struct rr_run *run = c->run;
    const char *f = c->file;
    char p[512];
    json_t *a;
    if (rr_ld_array(f, "phases.probe", ph, "nodes", &a) < 0)
        return -1;
    struct rr_node **byname = malloc((size_t)run->nnodes * sizeof *byname);
    if (!byname)
        return llmb_error("out of memory");
    for (int n = 0; n < run->nnodes; n++)
        byname[n] = &run->nodes[n];
    qsort(byname, (size_t)run->nnodes, sizeof *byname, cmp_node);
    int rc = 0;
    for (size_t i = 0; rc == 0 && a && i < json_array_size(a); i++) {
        json_t *e = rr_ld_elem(f, "phases.probe.nodes", a, i, p, sizeof p);
        rc = e ? load_probe_node(c, p, e, i, byname) : -1;
    }
    free(byname);
    if (rc < 0)
        return -1;
    if (rr_ld_array(f, "phases.probe", ph, "ranks", &a) < 0 ||
        rr_ld_for_each_rank(c, "phases.probe.ranks", a, 0, load_probe_rank) < 0 ||
        rr_ld_object(f, "phases.probe", ph, "env", &run->env) < 0 ||
        rr_ld_array(f, "phases.probe", ph, "warnings", &run->probe_warnings) < 0)
        return -1;
    return 0;
}

/* ---------------------------------------------------------------- compute */
/* gemm_square.summary (samples and CV) and the FLOPs of one layer's kernels of a compute rank. */
static int load_compute_gemm(struct rr_ld_ctx *c, const char *p, json_t *e, struct rr_rank *rk)
{
    const char *f = c->file;
    char q[1100], k[1300];
    json_t *sq;
    if (rr_ld_object(f, p, e, "gemm_square", &sq) < 0)
        return -1;
    if (sq) {
        json_t *sm;
        llmb_jpath_key(q, sizeof q, p, "gemm_square");
        if (rr_ld_object(f, q, sq, "summary", &sm) < 0)
            return -1;
        if (sm) {
            double n = NAN;
            llmb_jpath_key(k, sizeof k, q, "summary");
            if (rr_ld_num(f, k, sm, "n", 0, 1e12, &n) < 0 ||
                rr_ld_num(f, k, sm, "cv", 0, 1e6, &rk->gemm_cv) < 0)
                return -1;
            rk->gemm_n = isnan(n) ? 0 : (size_t)n;
        }
    }
    json_t *ks;
    if (rr_ld_array(f, p, e, "kernels", &ks) < 0)
        return -1;
    double sum = 0;
    for (size_t j = 0; ks && j < json_array_size(ks); j++) {
        json_t *ke = rr_ld_elem(f, llmb_jpath_key(q, sizeof q, p, "kernels"), ks, j, k, sizeof k);
        double fl = NAN, med = NAN;
        if (!ke || rr_ld_num(f, k, ke, "flops", 0, MAX_FLOPS, &fl) < 0 ||
            rr_ld_num(f, k, ke, "median_s", 0, MAX_TIME_S, &med) < 0)
            return -1;
        if (!isnan(fl))
            sum += fl;
    }
    if (ks && sum > 0)
        rk->layer_flops = sum;
    if (!ks && rr_ld_num(f, p, e, "layer_flops", 0, MAX_FLOPS, &rk->layer_flops) < 0)
        return -1; /* a summarised rank: the kernels' FLOPs summed by the driver */
    if (rk->layer_flops == 0)
        rk->layer_flops = NAN;
    return 0;
}

/* One entry of phases.compute.ranks[]. */
static int load_compute_rank(struct rr_ld_ctx *c, const char *p, json_t *e, struct rr_rank *rk)
{
    const char *f = c->file;
    if (rr_ld_num(f, p, e, "nominal_peak_gflops", 0, MAX_GFLOPS, &rk->nominal_gflops) < 0 ||
        rr_ld_num(f, p, e, "measured_peak_gflops", 0, MAX_GFLOPS, &rk->measured_gflops) < 0 ||
        rr_ld_num(f, p, e, "stream_triad_gbs", 0, MAX_GBS, &rk->stream_gbs) < 0 ||
        rr_ld_num(f, p, e, "layer_time_s", 0, MAX_TIME_S, &rk->layer_time_s) < 0 ||
        rr_ld_strp(f, p, e, "nominal_peak_derivation", 0, &rk->nominal_deriv) < 0)
        return -1;
    if (rk->threads < 0 && rr_ld_int(f, p, e, "threads", 1, 1e6, 0, &rk->threads) < 0)
        return -1;
    int bad = 0;
    json_t *sm = llmb_jget(f, p, e, "summarised", JSON_TRUE, 0, &bad);
    if (bad)
        return -1;
    c->run->compute_summarised += json_is_true(sm);
    return load_compute_gemm(c, p, e, rk);
}

static int load_compute(struct rr_ld_ctx *c, json_t *ph)
{
    int bad = 0;
    json_t *a = llmb_jget(c->file, "phases.compute", ph, "ranks", JSON_ARRAY, 1, &bad);
    if (!a)
        return -1;
    json_t *d;
    if (rr_ld_object(c->file, "phases.compute", ph, "detail", &d) < 0 ||
        (d && rr_ld_int(c->file, "phases.compute.detail", d, "budget_ranks", 1, 1 << 30, 0,
                        &c->run->detail_budget) < 0))
        return -1;
    return rr_ld_for_each_rank(c, "phases.compute.ranks", a, 1, load_compute_rank);
}

/* ---------------------------------------------------------------- source */
#define RR_MAX_SOURCE_LIST 1024 /* entries of one list of the source block */

/* An optional array of strings at src.key (borrowed into *out). */
static int string_list(const char *f, json_t *src, const char *key, json_t **out)
{
    char p[256], q[300];
    if (rr_ld_array(f, "source", src, key, out) < 0)
        return -1;
    llmb_jpath_key(p, sizeof p, "source", key);
    if (*out && json_array_size(*out) > RR_MAX_SOURCE_LIST)
        return llmb_results_error(f, p, "%zu entries: expected at most %d",
                                  json_array_size(*out), RR_MAX_SOURCE_LIST);
    for (size_t i = 0; *out && i < json_array_size(*out); i++)
        if (!json_is_string(json_array_get(*out, i)))
            return llmb_results_error(f, llmb_jpath_index(q, sizeof q, p, i),
                                      "expected a string");
    return 0;
}

/* The source block of an imported file (doc/results-schema.md, "Imported files"). */
static int load_source(const char *f, json_t *doc, struct rr_source *s)
{
    json_t *src, *names, *tr;
    if (rr_ld_object(f, "", doc, "source", &src) < 0)
        return -1;
    if (!src)
        return 0;
    s->present = 1;
    if (rr_ld_str(f, "source", src, "tool", 1, s->tool, sizeof s->tool) < 0 ||
        rr_ld_str(f, "source", src, "version", 0, s->version, sizeof s->version) < 0 ||
        rr_ld_str(f, "source", src, "file", 0, s->file, sizeof s->file) < 0 ||
        rr_ld_str(f, "source", src, "command_line", 0, s->command, sizeof s->command) < 0 ||
        rr_ld_str(f, "source", src, "fabric", 0, s->fabric, sizeof s->fabric) < 0 ||
        rr_ld_int(f, "source", src, "disagreements", 0, 1e9, 0, &s->disagreements) < 0 ||
        string_list(f, src, "present", &s->listed) < 0 ||
        string_list(f, src, "absent", &s->absent) < 0 ||
        string_list(f, src, "not_imported", &s->not_imported) < 0 ||
        string_list(f, src, "notes", &s->notes) < 0 || string_list(f, src, "device_names", &names) < 0)
        return -1;
    tr = json_object_get(src, "truncated");
    if (tr && !json_is_null(tr) && !json_is_boolean(tr))
        return llmb_results_error(f, "source.truncated", "expected a boolean");
    s->truncated = json_is_true(tr);
    s->mixed = json_array_size(names) > 1;
    if (json_array_size(names) == 1)
        llmb_utf8_cpy(s->device, json_string_value(json_array_get(names, 0)), sizeof s->device);
    return 0;
}

/* ---------------------------------------------------------------- file */
/* Before anything is allocated per rank: the per-rank arrays of the phases that will be read
 * hold one entry per rank (probe: at most one), and the ranks and nodes cost the reporter no
 * more than a small multiple of the file (a file claiming a million ranks in a 2 MB rank_node
 * is refused, not given 230 MB).  0, or -1 after one line. */
static int check_counts(const char *path, json_t *phases, int nranks, int nnodes)
{
    for (int i = 0; i < RR_NPHASES; i++) {
        json_t *ph = json_object_get(phases, rr_phase_names[i]);
        json_t *st = json_object_get(ph, "status"), *a = json_object_get(ph, "ranks");
        if (i == RR_COMM || !json_is_array(a) ||
            (json_is_string(st) && strcmp(json_string_value(st), "ok") != 0))
            continue;
        size_t n = json_array_size(a);
        if (n > (size_t)nranks || (i != RR_PROBE && n < (size_t)nranks)) {
            char p[64];
            snprintf(p, sizeof p, "phases.%s.ranks", rr_phase_names[i]);
            return llmb_results_error(path, p, "%zu entries for %d ranks (world.ranks): expected "
                                      "%sone per rank", n, nranks, i == RR_PROBE ? "at most " : "");
        }
    }
    struct stat st;
    double bytes = stat(path, &st) == 0 ? (double)st.st_size : 0;
    double need = (double)nranks * sizeof(struct rr_rank) + (double)nnodes * sizeof(struct rr_node);
    if (need > RR_MEM_FLOOR && need > RR_MEM_PER_BYTE * bytes)
        return llmb_results_error(path, "world", "%d ranks on %d node%s would take the reporter "
                                  "%.0f MB, more than %d times this %.1f MB file: it claims more "
                                  "ranks than it holds data for", nranks, nnodes,
                                  nnodes > 1 ? "s" : "", need / 1e6,
                                  RR_MEM_PER_BYTE, bytes / 1e6);
    return 0;
}

/* The world: ranks, nodes, the rank-to-node map (checked by llmb_results_load), every figure
 * unknown until a phase gives it. */
static int load_world(const char *path, struct rr_run *run)
{
    json_t *doc = run->doc, *world = json_object_get(doc, "world");
    run->nranks = (int)json_number_value(json_object_get(world, "ranks"));
    run->nnodes = (int)json_number_value(json_object_get(world, "nodes"));
    if (check_counts(path, json_object_get(doc, "phases"), run->nranks, run->nnodes) < 0)
        return -1;
    run->nodes = calloc((size_t)run->nnodes, sizeof *run->nodes);
    run->ranks = calloc((size_t)run->nranks, sizeof *run->ranks);
    if (!run->nodes || !run->ranks)
        return llmb_error("out of memory for %d ranks", run->nranks);
    json_t *names = json_object_get(world, "node_names");
    for (int n = 0; n < run->nnodes; n++) {
        struct rr_node *nd = &run->nodes[n];
        llmb_utf8_cpy(nd->name, json_string_value(json_array_get(names, (size_t)n)),
                      sizeof nd->name);
        nd->pus = nd->cores = -1;
        nd->load1 = nd->cur_mhz = nd->max_mhz = nd->nic_gbs = NAN;
    }
    json_t *map = json_object_get(world, "rank_node");
    for (int r = 0; r < run->nranks; r++) {
        struct rr_rank *rk = &run->ranks[r];
        rk->node = (int)json_number_value(json_array_get(map, (size_t)r));
        run->nodes[rk->node].nranks++;
        rk->host = run->nodes[rk->node].name;
        rk->cpuset = rk->gpu_path = rk->gpu_nic = rk->nominal_deriv = "";
        rk->threads = rk->bound = rk->pus = rk->gpu_numa = -1;
        rk->nominal_gflops = rk->measured_gflops = rk->stream_gbs = rk->layer_time_s = NAN;
        rk->layer_flops = rk->gemm_cv = rk->last_frac = NAN;
    }
    run->link_bytes = run->global_batch_tokens = run->flops_per_step = run->tokens_per_s = NAN;
    run->peak_nominal_train = run->peak_measured_train = run->hidden_frac = NAN;
    run->comm_alone_s = run->flops_per_step_llmc = run->hardware_flops_per_step = NAN;
    rr_ld_pattern_init(&run->pattern);
    return 0;
}

int rr_load(const char *path, struct rr_run *run)
{
    memset(run, 0, sizeof *run);
    run->file = strdup(path);
    run->doc = llmb_results_load(path);
    if (!run->doc || !run->file)
        return -1;
    json_t *doc = run->doc;
    struct rr_ld_ctx c = {path, run};
    llmb_utf8_cpy(run->run_id, json_string_value(json_object_get(doc, "run_id")),
                  sizeof run->run_id);
    if (load_world(path, run) < 0 ||
        rr_ld_str(path, "", doc, "status", 0, run->status, sizeof run->status) < 0 ||
        rr_ld_str(path, "", doc, "llmbench_version", 0, run->version, sizeof run->version) < 0)
        return -1;
    json_t *sw;
    if (load_source(path, doc, &run->src) < 0 || rr_ld_object(path, "", doc, "software", &sw) < 0 ||
        (sw && rr_ld_str(path, "software", sw, "mpi_library", 0, run->mpi, sizeof run->mpi) < 0))
        return -1;
    json_t *phases = json_object_get(doc, "phases");
    static int (*const loaders[RR_NPHASES])(struct rr_ld_ctx *, json_t *) = {
        load_probe, load_compute, rr_ld_comm, rr_ld_train};
    for (int i = 0; i < RR_NPHASES; i++) {
        json_t *ph = json_object_get(phases, rr_phase_names[i]);
        if (!ph || json_is_null(ph))
            continue;
        char pp[64];
        snprintf(pp, sizeof pp, "phases.%s", rr_phase_names[i]);
        if (!json_is_object(ph))
            return llmb_results_error(path, pp, "expected an object");
        strcpy(run->phase_status[i], "ok");
        if (rr_ld_str(path, pp, ph, "status", 0, run->phase_status[i],
                    sizeof run->phase_status[i]) < 0)
            return -1;
        if (strcmp(run->phase_status[i], "ok") != 0)
            continue; /* a failed phase is reported as such, its numbers are not used */
        if (loaders[i](&c, ph) < 0)
            return -1;
        run->has[i] = 1;
    }
    return 0;
}

void rr_free(struct rr_run *run)
{
    for (size_t i = 0; i < run->nsweeps; i++) {
        struct rr_sweep *s = &run->sweeps[i];
        free(s->bytes), free(s->busbw), free(s->algbw), free(s->op_med), free(s->skew_med);
        free(s->iters), free(s->wrong), free(s->op_min), free(s->op_max), free(s->op_p10);
        free(s->op_p90);
    }
    free(run->sweeps);
    for (int r = 0; run->ranks && r < run->nranks; r++) {
        struct rr_rank *rk = &run->ranks[r];
        free(rk->compute), free(rk->comm), free(rk->wait), free(rk->opt), free(rk->total);
        free(rk->bk_start), free(rk->bk_done);
        free(rk->overlaps), free(rk->numa);
    }
    free(run->ranks);
    free(run->nodes);
    free(run->link_names);
    free(run->link_bw);
    free(run->link_pass_bw);
    free(run->steps);
    free(run->buckets);
    rr_params_free(&run->params);
    free(run->file);
    json_decref(run->doc);
    memset(run, 0, sizeof *run);
}
