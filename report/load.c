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

int rr_ld_str(const char *file, const char *path, json_t *obj, const char *key,
              int required, char *buf, size_t len)
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
    llmb_strlcpy(buf, json_string_value(v), len);
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

/* Call each(c, p, e, rk) for every entry e (at JSON path p) of the per-rank array a at apath:
 * an object whose "rank" is in [0, nranks-1], each rank at most once; with all, every rank must
 * have its entry.  0, or -1 after one error line. */
static int for_each_rank(struct rr_ld_ctx *c, const char *apath, json_t *a, int all,
                         int (*each)(struct rr_ld_ctx *c, const char *p, json_t *e, struct rr_rank *rk))
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
static int load_probe_node(struct rr_ld_ctx *c, const char *p, json_t *e, size_t i)
{
    struct rr_run *run = c->run;
    char name[128] = "", q[1100];
    if (rr_ld_str(c->file, p, e, "name", 0, name, sizeof name) < 0)
        return -1;
    int k = -1;
    for (int n = 0; n < run->nnodes; n++)
        if (name[0] && strcmp(run->nodes[n].name, name) == 0)
            k = n;
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
        rr_ld_str(f, p, e, "cpuset", 0, rk->cpuset, sizeof rk->cpuset) < 0 ||
        rr_ld_str(f, p, e, "host", 0, rk->host, sizeof rk->host) < 0 ||
        int_list(f, p, e, "numa", 0, 1 << 20, &rk->numa, &rk->nnuma) < 0 ||
        int_list(f, p, e, "overlaps", 0, c->run->nranks - 1, &rk->overlaps, &rk->noverlaps) < 0)
        return -1;
    json_t *g;
    if (rr_ld_object(f, p, e, "gpu", &g) < 0)
        return -1;
    if (g) {
        llmb_jpath_key(q, sizeof q, p, "gpu");
        rk->has_gpu = 1;
        if (rr_ld_int(f, q, g, "numa", -1, 1 << 20, 0, &rk->gpu_numa) < 0 ||
            rr_ld_str(f, q, g, "nearest_path", 0, rk->gpu_path, sizeof rk->gpu_path) < 0 ||
            rr_ld_str(f, q, g, "nearest_nic", 0, rk->gpu_nic, sizeof rk->gpu_nic) < 0)
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
    for (size_t i = 0; a && i < json_array_size(a); i++) {
        json_t *e = rr_ld_elem(f, "phases.probe.nodes", a, i, p, sizeof p);
        if (!e || load_probe_node(c, p, e, i) < 0)
            return -1;
    }
    if (rr_ld_array(f, "phases.probe", ph, "ranks", &a) < 0 ||
        for_each_rank(c, "phases.probe.ranks", a, 0, load_probe_rank) < 0 ||
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
        rr_ld_str(f, p, e, "nominal_peak_derivation", 0, rk->nominal_deriv,
                sizeof rk->nominal_deriv) < 0)
        return -1;
    if (rk->threads < 0 && rr_ld_int(f, p, e, "threads", 1, 1e6, 0, &rk->threads) < 0)
        return -1;
    return load_compute_gemm(c, p, e, rk);
}

static int load_compute(struct rr_ld_ctx *c, json_t *ph)
{
    int bad = 0;
    json_t *a = llmb_jget(c->file, "phases.compute", ph, "ranks", JSON_ARRAY, 1, &bad);
    if (!a)
        return -1;
    return for_each_rank(c, "phases.compute.ranks", a, 1, load_compute_rank);
}

/* ---------------------------------------------------------------- train */
/* The workload: model shape, batch, mode, throughput figures, overlap, step times. */
static int load_train_workload(struct rr_ld_ctx *c, json_t *ph)
{
    struct rr_run *run = c->run;
    const char *f = c->file;
    const char *P = "phases.train";
    json_t *m;
    if (rr_ld_object(f, P, ph, "model", &m) < 0)
        return -1;
    if (m) {
        const char *M = "phases.train.model";
        if (rr_ld_str(f, M, m, "preset", 0, run->model, sizeof run->model) < 0 ||
            rr_ld_int(f, M, m, "layers", 1, 1e6, 0, &run->layers) < 0 ||
            rr_ld_int(f, M, m, "d_model", 1, 1e7, 0, &run->d_model) < 0 ||
            rr_ld_int(f, M, m, "heads", 1, 1e6, 0, &run->heads) < 0)
            return -1;
    }
    if (rr_ld_int(f, P, ph, "batch", 1, 1e9, 0, &run->batch) < 0 ||
        rr_ld_int(f, P, ph, "seq", 1, 1e9, 0, &run->seq) < 0 ||
        rr_ld_int(f, P, ph, "accum", 1, 1e9, 0, &run->accum) < 0 ||
        rr_ld_str(f, P, ph, "mode", 0, run->mode, sizeof run->mode) < 0 ||
        rr_ld_num(f, P, ph, "global_batch_tokens", 0, 1e18, &run->global_batch_tokens) < 0 ||
        rr_ld_num(f, P, ph, "flops_per_step", 0, MAX_FLOPS, &run->flops_per_step) < 0 ||
        rr_ld_num(f, P, ph, "tokens_per_s", 0, 1e18, &run->tokens_per_s) < 0 ||
        rr_ld_num(f, P, ph, "peak_nominal_gflops", 0, MAX_GFLOPS, &run->peak_nominal_train) < 0 ||
        rr_ld_num(f, P, ph, "peak_measured_gflops", 0, MAX_GFLOPS, &run->peak_measured_train) < 0 ||
        rr_ld_num(f, P, ph, "overlap_hidden_frac", 0, 1, &run->hidden_frac) < 0 ||
        rr_ld_num(f, P, ph, "comm_alone_s", 0, MAX_TIME_S, &run->comm_alone_s) < 0)
        return -1;
    json_t *ov = json_object_get(ph, "overlap");
    if (ov && !json_is_null(ov)) {
        if (!json_is_boolean(ov))
            return llmb_results_error(f, "phases.train.overlap", "expected a boolean");
        run->overlap = json_is_true(ov);
    }
    if (llmb_jnum_array(f, P, ph, "step_time_samples_s", 0, MAX_TIME_S, 1, &run->steps,
                        &run->nsteps) != 0)
        return -1;
    if (run->nsteps == 0)
        return llmb_results_error(f, "phases.train.step_time_samples_s",
                                  "expected at least one step time, found an empty array");
    return 0;
}

/* The gradient buckets of one step: size, group (its tier), collective (by default allreduce,
 * or with mode zero a reduce-scatter and an allgather). */
static int load_train_buckets(struct rr_ld_ctx *c, json_t *ph)
{
    struct rr_run *run = c->run;
    const char *f = c->file;
    char p[512], q[1100];
    json_t *b;
    if (rr_ld_array(f, "phases.train", ph, "buckets", &b) < 0)
        return -1;
    size_t nb = b ? json_array_size(b) : 0;
    int zero = strcmp(run->mode, "zero") == 0;
    run->buckets = calloc(nb ? 2 * nb : 1, sizeof *run->buckets);
    if (!run->buckets)
        return llmb_error("out of memory");
    for (size_t i = 0; i < nb; i++) {
        json_t *e = rr_ld_elem(f, "phases.train.buckets", b, i, p, sizeof p);
        struct rr_bucket bk = {0};
        char coll[24] = "";
        if (!e || llmb_jnum(f, p, e, "bytes", 0, MAX_BYTES, 1, &bk.bytes) != 0 ||
            rr_ld_str(f, p, e, "group", 0, bk.group, sizeof bk.group) < 0 ||
            rr_ld_str(f, p, e, "collective", 0, coll, sizeof coll) < 0)
            return -1;
        if (!bk.group[0])
            strcpy(bk.group, "world");
        if (strcmp(bk.group, "world") && strcmp(bk.group, "intra") && strcmp(bk.group, "inter"))
            return llmb_results_error(f, llmb_jpath_key(q, sizeof q, p, "group"),
                                      "expected world, intra or inter; found \"%s\"", bk.group);
        bk.tier = strcmp(bk.group, "intra") == 0 ? RR_INTRA
                  : strcmp(bk.group, "inter") == 0 ? RR_INTER
                  : run->nnodes > 1 ? RR_INTER : RR_INTRA;
        if (coll[0]) {
            bk.coll = llmb_coll_from_name(coll);
            if (bk.coll < 0)
                return llmb_results_error(f, llmb_jpath_key(q, sizeof q, p, "collective"),
                                          "unknown collective \"%s\"", coll);
            run->buckets[run->nbuckets++] = bk;
        } else if (zero) { /* sharded: reduce-scatter the gradients, all-gather the weights */
            bk.coll = LLMB_COLL_REDUCE_SCATTER;
            run->buckets[run->nbuckets++] = bk;
            bk.coll = LLMB_COLL_ALLGATHER;
            run->buckets[run->nbuckets++] = bk;
        } else {
            bk.coll = LLMB_COLL_ALLREDUCE;
            run->buckets[run->nbuckets++] = bk;
        }
    }
    return 0;
}

/* One entry of phases.train.ranks[]: its per-step timers (compute_s and total_s required, the
 * others optional, all of the same length) and last_frac. */
/* bucket_start_s / bucket_done_s of one rank: [steps][collectives] of numbers or nulls, into
 * *out (nsteps x *nc).  Absent or null: *out stays NULL. */
static int bucket_times(const char *f, const char *p, json_t *e, const char *key, size_t nsteps,
                        size_t *nc, double **out)
{
    char q[1100], k[1200], m[1300];
    json_t *a;
    if (rr_ld_array(f, p, e, key, &a) < 0)
        return -1;
    if (!a)
        return 0;
    llmb_jpath_key(q, sizeof q, p, key);
    if (json_array_size(a) != nsteps)
        return llmb_results_error(f, q, "expected %zu steps (as compute_s), found %zu", nsteps,
                                  json_array_size(a));
    for (size_t s = 0; s < nsteps; s++) {
        json_t *row = json_array_get(a, s);
        llmb_jpath_index(k, sizeof k, q, s);
        if (!json_is_array(row) || (s > 0 && json_array_size(row) != *nc) ||
            json_array_size(row) > 1000000)
            return llmb_results_error(f, k, "expected an array of %zu numbers or nulls",
                                      s > 0 ? *nc : json_array_size(row));
        if (s == 0) {
            *nc = json_array_size(row);
            size_t cells = nsteps * *nc;
            if (!(*out = malloc((cells ? cells : 1) * sizeof **out)))
                return llmb_error("out of memory");
        }
        for (size_t b = 0; b < *nc; b++) {
            json_t *v = json_array_get(row, b);
            double x = json_is_null(v) ? NAN : json_is_number(v) ? json_number_value(v) : -1;
            if (!json_is_null(v) && !(x >= 0 && x <= MAX_TIME_S))
                return llmb_results_error(f, llmb_jpath_index(m, sizeof m, k, b),
                                          "expected null or a time in [0, %g] s", MAX_TIME_S);
            (*out)[s * *nc + b] = x;
        }
    }
    return 0;
}

static int load_train_rank(struct rr_ld_ctx *c, const char *p, json_t *e, struct rr_rank *rk)
{
    static const char *const keys[5] = {"compute_s", "comm_s", "wait_s", "optimizer_s",
                                        "total_s"};
    const char *f = c->file;
    char q[1100];
    double **dst[5] = {&rk->compute, &rk->comm, &rk->wait, &rk->opt, &rk->total};
    size_t len[5];
    for (int j = 0; j < 5; j++) {
        int rc = llmb_jnum_array(f, p, e, keys[j], 0, MAX_TIME_S, j == 0 || j == 4, dst[j],
                                 &len[j]);
        if (rc < 0)
            return -1;
        if (rc == 1)
            len[j] = (size_t)-1;
    }
    rk->nsteps = len[0];
    for (int j = 1; j < 5; j++)
        if (len[j] != (size_t)-1 && len[j] != len[0])
            return llmb_results_error(f, llmb_jpath_key(q, sizeof q, p, keys[j]),
                                      "expected %zu samples (as compute_s), found %zu", len[0],
                                      len[j]);
    if (len[0] == 0)
        return llmb_results_error(f, llmb_jpath_key(q, sizeof q, p, "compute_s"),
                                  "expected at least one step, found an empty array");
    size_t n1 = 0, n2 = 0;
    if (bucket_times(f, p, e, "bucket_start_s", rk->nsteps, &n1, &rk->bk_start) < 0 ||
        bucket_times(f, p, e, "bucket_done_s", rk->nsteps, &n2, &rk->bk_done) < 0)
        return -1;
    if (rk->bk_start && rk->bk_done && n1 != n2)
        return llmb_results_error(f, llmb_jpath_key(q, sizeof q, p, "bucket_done_s"),
                                  "expected %zu collectives per step (as bucket_start_s), found "
                                  "%zu", n1, n2);
    if (!rk->bk_start || !rk->bk_done) { /* one without the other says nothing */
        free(rk->bk_start), free(rk->bk_done);
        rk->bk_start = rk->bk_done = NULL;
    }
    rk->bk_n = rk->bk_start ? n1 : 0;
    return rr_ld_num(f, p, e, "last_frac", 0, 1, &rk->last_frac);
}

static int load_train(struct rr_ld_ctx *c, json_t *ph)
{
    if (load_train_workload(c, ph) < 0 || load_train_buckets(c, ph) < 0)
        return -1;
    int bad = 0;
    json_t *a = llmb_jget(c->file, "phases.train", ph, "ranks", JSON_ARRAY, 1, &bad);
    if (!a)
        return -1;
    return for_each_rank(c, "phases.train.ranks", a, 1, load_train_rank);
}

/* ---------------------------------------------------------------- file */
int rr_load(const char *path, struct rr_run *run)
{
    memset(run, 0, sizeof *run);
    run->file = strdup(path);
    run->doc = llmb_results_load(path);
    if (!run->doc || !run->file)
        return -1;
    json_t *doc = run->doc, *world = json_object_get(doc, "world");
    struct rr_ld_ctx c = {path, run};
    llmb_strlcpy(run->run_id, json_string_value(json_object_get(doc, "run_id")),
                 sizeof run->run_id);
    run->nranks = (int)json_number_value(json_object_get(world, "ranks"));
    run->nnodes = (int)json_number_value(json_object_get(world, "nodes"));
    run->nodes = calloc((size_t)run->nnodes, sizeof *run->nodes);
    run->ranks = calloc((size_t)run->nranks, sizeof *run->ranks);
    if (!run->nodes || !run->ranks)
        return llmb_error("out of memory for %d ranks", run->nranks);
    json_t *names = json_object_get(world, "node_names");
    for (int n = 0; n < run->nnodes; n++) {
        struct rr_node *nd = &run->nodes[n];
        llmb_strlcpy(nd->name, json_string_value(json_array_get(names, (size_t)n)),
                     sizeof nd->name);
        nd->pus = nd->cores = -1;
        nd->load1 = nd->cur_mhz = nd->max_mhz = nd->nic_gbs = NAN;
    }
    json_t *map = json_object_get(world, "rank_node");
    for (int r = 0; r < run->nranks; r++) {
        struct rr_rank *rk = &run->ranks[r];
        rk->node = (int)json_number_value(json_array_get(map, (size_t)r));
        run->nodes[rk->node].nranks++;
        llmb_strlcpy(rk->host, run->nodes[rk->node].name, sizeof rk->host);
        rk->threads = rk->bound = rk->pus = rk->gpu_numa = -1;
        rk->nominal_gflops = rk->measured_gflops = rk->stream_gbs = rk->layer_time_s = NAN;
        rk->layer_flops = rk->gemm_cv = rk->last_frac = NAN;
    }
    run->link_bytes = run->global_batch_tokens = run->flops_per_step = run->tokens_per_s = NAN;
    run->peak_nominal_train = run->peak_measured_train = run->hidden_frac = NAN;
    run->comm_alone_s = NAN;
    rr_ld_pattern_init(&run->pattern);
    if (rr_ld_str(path, "", doc, "status", 0, run->status, sizeof run->status) < 0 ||
        rr_ld_str(path, "", doc, "llmbench_version", 0, run->version, sizeof run->version) < 0)
        return -1;
    json_t *sw;
    if (rr_ld_object(path, "", doc, "software", &sw) < 0 ||
        (sw && rr_ld_str(path, "software", sw, "mpi_library", 0, run->mpi, sizeof run->mpi) < 0))
        return -1;
    json_t *phases = json_object_get(doc, "phases");
    static int (*const loaders[RR_NPHASES])(struct rr_ld_ctx *, json_t *) = {
        load_probe, load_compute, rr_ld_comm, load_train};
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
        free(s->iters), free(s->wrong);
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
    free(run->steps);
    free(run->buckets);
    rr_params_free(&run->params);
    free(run->file);
    json_decref(run->doc);
    memset(run, 0, sizeof *run);
}
