/* Nominal specs (cluster/specs/NAME.json) and the measured-vs-nominal table of a run. */
#include "report.h"

#include "error.h"
#include "metrics.h"
#include "results.h"
#include "util.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int spec_num(const char *file, json_t *o, const char *key, double *out)
{
    *out = NAN;
    int rc = llmb_jnum(file, "", o, key, 0, 1e12, 0, out);
    return rc < 0 ? -1 : 0;
}

static void spec_str(json_t *o, const char *key, char *buf, size_t len)
{
    json_t *v = json_object_get(o, key);
    llmb_strlcpy(buf, json_is_string(v) ? json_string_value(v) : "", len);
}

/* Load spec `id` from dir into s.  1 when there is no such file, 0 ok, -1 bad file. */
static int spec_load(const char *dir, const char *id, struct rr_spec *s)
{
    char path[4096];
    memset(s, 0, sizeof *s);
    if (strchr(id, '/') || snprintf(path, sizeof path, "%s/%s.json", dir, id) >= (int)sizeof path)
        return 1;
    FILE *f = fopen(path, "r");
    if (!f)
        return 1;
    fclose(f);
    json_error_t e;
    json_t *o = json_load_file(path, 0, &e);
    if (!o || !json_is_object(o)) {
        json_decref(o);
        return llmb_results_error(path, NULL, "not a spec object: %s", o ? "" : e.text);
    }
    int rc = 0;
    if (spec_num(path, o, "gemm_gflops", &s->gemm_gflops) < 0 ||
        spec_num(path, o, "gemm_tf32_gflops", &s->gemm_tf32_gflops) < 0 ||
        spec_num(path, o, "gemm_fp32_gflops", &s->gemm_fp32_gflops) < 0 ||
        spec_num(path, o, "memory_gbs", &s->memory_gbs) < 0 ||
        spec_num(path, o, "intra_busbw_gbs", &s->intra_busbw_gbs) < 0 ||
        spec_num(path, o, "inter_busbw_gbs", &s->inter_busbw_gbs) < 0)
        rc = -1;
    llmb_strlcpy(s->id, id, sizeof s->id);
    spec_str(o, "name", s->name, sizeof s->name);
    spec_str(o, "kind", s->kind, sizeof s->kind);
    spec_str(o, "gemm_source", s->gemm_src, sizeof s->gemm_src);
    spec_str(o, "memory_source", s->memory_src, sizeof s->memory_src);
    spec_str(o, "intra_source", s->intra_src, sizeof s->intra_src);
    spec_str(o, "inter_source", s->inter_src, sizeof s->inter_src);
    json_decref(o);
    return rc;
}

/* The spec whose match.pci_vendor / pci_devices fit; id into buf, or "" */
static void match_device(const char *dir, unsigned vendor, unsigned device, char *buf, size_t len)
{
    static const char *const ids[] = {"h100-sxm", "h100-pcie", "h200", "gh200", "b200",
                                      "a100-sxm", "a100-pcie", "l40s", "mi300x"};
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.json", dir, ids[i]);
        json_t *o = json_load_file(path, 0, NULL);
        json_t *m = json_object_get(o, "match");
        json_t *v = json_object_get(m, "pci_vendor"), *d = json_object_get(m, "pci_devices");
        if (json_is_string(v) && strtoul(json_string_value(v), NULL, 0) == vendor) {
            size_t k;
            json_t *x;
            json_array_foreach(d, k, x) if (json_is_string(x) &&
                                            strtoul(json_string_value(x), NULL, 0) == device)
                llmb_strlcpy(buf, ids[i], len);
        }
        json_decref(o);
        if (buf[0])
            return;
    }
}

/* The device spec whose match.names lists name exactly (the name CUDA reports, as nccl-tests
 * prints it in "Using devices"); id into buf, or "". */
static void match_device_name(const char *dir, const char *name, char *buf, size_t len)
{
    static const char *const ids[] = {"h100-sxm", "a100-sxm", "mi300x"};
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof ids / sizeof ids[0] && !buf[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.json", dir, ids[i]);
        json_t *o = json_load_file(path, 0, NULL);
        size_t k;
        json_t *x;
        json_array_foreach(json_object_get(json_object_get(o, "match"), "names"), k, x)
            if (json_is_string(x) && strcmp(json_string_value(x), name) == 0)
                llmb_strlcpy(buf, ids[i], len);
        json_decref(o);
    }
}

#define PLATEAU_MIN_BYTES 1048576.0 /* the plateau: the largest busbw from 1 MiB up */

static int point_ok(const struct rr_sweep *s, size_t i)
{
    return s->bytes[i] > 0 && s->busbw[i] >= 0 && isfinite(s->busbw[i]);
}

/* The busbw rows of a group: r the plateau of its allreduce curve (the largest busbw from 1 MiB
 * up; without such a size, the largest busbw measured, said so), avg nccl-tests' "average bus
 * bandwidth": the mean busbw over every point of the group's allreduce sweeps (out-of-place and
 * in-place, as all_reduce_perf averages both).  Without allreduce (an import of, say,
 * gather_perf alone), the first collective of lib/metrics.h's table the group has: nccl-tests
 * scales every collective's busbw to be comparable with the links' bandwidth. */
static void busbw_rows(const struct rr_run *run, const char *group, struct rr_resource *r,
                       struct rr_resource *avg)
{
    const struct rr_sweep *s = NULL;
    for (int c = 0; c < LLMB_COLL_COUNT && !s; c++)
        s = rr_find_sweep(run, llmb_coll_name((enum llmb_coll)c), group);
    if (!s)
        return;
    size_t best = (size_t)-1;
    int big = 0;
    for (size_t i = 0; i < s->npts; i++) {
        if (!point_ok(s, i))
            continue;
        int b = s->bytes[i] >= PLATEAU_MIN_BYTES;
        if (best == (size_t)-1 || (b && !big) || (b == big && s->busbw[i] > s->busbw[best]))
            best = i, big = b;
    }
    if (best == (size_t)-1)
        return;
    char sz[32], lo[32], hi[32];
    r->measured = s->busbw[best];
    snprintf(r->what, sizeof r->what, "%s %s, %d ranks, %s at %s", s->coll, group, s->nranks,
             big ? "plateau" : "best (no size from 1 MiB)",
             llmb_format_size((size_t)s->bytes[best], sz, sizeof sz));
    double sum = 0, min = INFINITY, max = 0;
    int n = 0, places = 0;
    for (size_t k = 0; k < run->nsweeps; k++) {
        const struct rr_sweep *w = &run->sweeps[k];
        if (strcmp(w->coll, s->coll) || strcmp(w->group, group))
            continue;
        places++;
        for (size_t i = 0; i < w->npts; i++)
            if (point_ok(w, i))
                sum += w->busbw[i], n++, min = fmin(min, w->bytes[i]), max = fmax(max, w->bytes[i]);
    }
    if (n == 0)
        return;
    avg->measured = sum / n;
    snprintf(avg->what, sizeof avg->what, "nccl-tests mean, %d pts%s, %s-%s", n,
             places > 1 ? " out+in" : "", llmb_format_size((size_t)min, lo, sizeof lo),
             llmb_format_size((size_t)max, hi, sizeof hi));
}

/* Did the compute or train phase run on a GPU backend?  1 yes, 0 no (a CPU backend, or only a
 * host-memory comm backend: every file before a GPU backend existed).  A CPU run on a GPU
 * node must not be held to the GPU's peak. */
static int gpu_backend(const struct rr_run *run)
{
    json_t *ph = json_object_get(run->doc, "phases");
    static const char *const with_kernels[] = {"compute", "train"};
    int cpu = 0;
    for (int i = 0; i < 2; i++) {
        const char *b = json_string_value(
            json_object_get(json_object_get(ph, with_kernels[i]), "backend"));
        if (b && strcmp(b, "cpu") != 0)
            return 1;
        cpu |= b != NULL;
    }
    const char *cb = json_string_value(json_object_get(json_object_get(ph, "comm"), "backend"));
    return !cpu && cb && strcmp(cb, "mpi") != 0;
}

/* The device spec of a run: --device, else the spec matching the probe's first GPU when a
 * phase ran on a GPU backend, else cpu.
 * dev receives its id ("" when no spec matches), why the reason a nominal figure is missing
 * ("" when none), ds the spec (NAN figures when none).  0, or -1 (message printed: a bad spec
 * file, or no file for --device). */
static int device_spec(const struct rr_run *run, const char *dir, const char *device,
                       char dev[64], char why[160], struct rr_spec *ds)
{
    unsigned gv = 0, gd = 0;
    dev[0] = why[0] = '\0';
    for (int n = 0; n < run->nnodes; n++)
        if (run->nodes[n].ngpus > 0 && !gv)
            gv = run->nodes[n].gpu_vendor, gd = run->nodes[n].gpu_device;
    char e[160];
    if (device)
        llmb_strlcpy(dev, device, 64);
    else if (!gv && run->src.present && gpu_backend(run)) { /* imported: the named device */
        if (run->src.device[0])
            match_device_name(dir, run->src.device, dev, 64);
        if (!dev[0] && run->src.device[0] && !run->src.mixed)
            snprintf(why, 160, "no spec lists device \"%s\": kept as text, no nominal figure "
                     "(give --device)", llmb_escape_ctl(run->src.device, e, 80));
        else if (!dev[0])
            snprintf(why, 160, "%s: no nominal figure (give --device)", run->src.mixed
                     ? "the ranks report different devices" : "the input names no device");
    } else if (gv && gpu_backend(run)) {
        match_device(dir, gv, gd, dev, 64);
        if (!dev[0])
            snprintf(why, 160, "no spec for GPU %04x:%04x (give --device)", gv, gd);
    } else
        strcpy(dev, "cpu");
    memset(ds, 0, sizeof *ds);
    ds->gemm_gflops = ds->memory_gbs = ds->intra_busbw_gbs = ds->inter_busbw_gbs = NAN;
    ds->gemm_tf32_gflops = ds->gemm_fp32_gflops = NAN;
    if (!dev[0])
        return 0;
    int rc = spec_load(dir, dev, ds);
    if (rc < 0)
        return -1;
    if (rc == 1) {
        if (device)
            return llmb_error("--device %s: no file %s/%s.json", device, dir, device);
        snprintf(why, 160, "spec file %s/%s.json not found", dir, dev);
        ds->gemm_gflops = ds->memory_gbs = ds->intra_busbw_gbs = NAN;
    }
    return 0;
}

/* The median rank's nominal peak, each rank's divided among the ranks bound to its PUs (its
 * share, report/pus.c) unless the compute phase already did (its derivation names ranks); *n
 * the ranks sharing, ex one of them (-1 none), *share its share.  NAN without figures. */
static double nominal_per_share(const struct rr_run *run, int *n, int *ex, double *share)
{
    double *v = malloc((size_t)(run->nranks > 0 ? run->nranks : 1) * sizeof *v);
    double *sh = malloc((size_t)(run->nranks > 0 ? run->nranks : 1) * sizeof *sh);
    struct rr_pus *np = calloc((size_t)(run->nnodes > 0 ? run->nnodes : 1), sizeof *np);
    double med = NAN;
    *n = 0, *ex = -1, *share = 1;
    if (v && sh && np) {
        rr_pus_of(run, np, sh);
        size_t k = 0;
        for (int r = 0; r < run->nranks; r++) {
            const struct rr_rank *rk = &run->ranks[r];
            double f = sh[r] > 0 && sh[r] < 1 - 1e-9 && !strstr(rk->nominal_deriv, "rank")
                           ? sh[r] : 1.0;
            if (f < 1 && (*n)++ == 0)
                *ex = r, *share = f;
            if (!isnan(rk->nominal_gflops))
                v[k++] = rk->nominal_gflops * f;
        }
        med = k ? rr_median(v, k) : NAN;
    }
    free(v), free(sh), free(np);
    return med;
}

/* GEMM: the median rank's measured peak against the device's (on CPUs the compute phase's own
 * derived peak, else the train phase's). */
static void gemm_resource(const struct rr_run *run, const char *dev, const char *why,
                          const struct rr_spec *ds, struct rr_resource *g)
{
    g->measured = rr_rank_median(run, offsetof(struct rr_rank, measured_gflops));
    if (!isnan(g->measured))
        snprintf(g->what, sizeof g->what, "large square GEMM, median of %d ranks", run->nranks);
    if (strcmp(dev, "cpu") == 0) {
        int nsh, ex;
        double share;
        g->nominal = nominal_per_share(run, &nsh, &ex, &share);
        int gpus = 0;
        for (int n = 0; n < run->nnodes; n++)
            gpus += run->nodes[n].ngpus;
        snprintf(g->source, sizeof g->source, "cpu: compute phase, median rank");
        if (isnan(g->nominal) && run->peak_nominal_train > 0) {
            g->nominal = run->peak_nominal_train;
            snprintf(g->source, sizeof g->source, "cpu: train phase peak_nominal_gflops");
            nsh = 0;
        }
        if (gpus > 0)
            rr_cat(g->source, sizeof g->source, "; the nodes' %d GPUs ran no phase of this "
                   "run (CPU backend): their peak does not apply", gpus);
        if (nsh > 0)
            rr_cat(g->source, sizeof g->source, "; %d ranks are bound to PUs other ranks are "
                   "bound to too and count only their share (e.g. rank %d: %.3g of its %d "
                   "PUs)", nsh, ex, share * run->ranks[ex].pus, run->ranks[ex].pus);
        const char *d = run->nranks > 0 ? run->ranks[0].nominal_deriv : "";
        if (d[0] && !isnan(g->nominal) && strstr(g->source, "compute phase"))
            rr_cat(g->source, sizeof g->source, "; rank 0: %s", d);
        g->per_share = nsh > 0;
    } else { /* the dense peak of the precision the run's GEMMs ran in */
        const char *prec = run->precision[0] ? run->precision : "bf16";
        g->nominal = strcmp(prec, "fp32") == 0   ? ds->gemm_fp32_gflops
                     : strcmp(prec, "tf32") == 0 ? ds->gemm_tf32_gflops
                                                 : ds->gemm_gflops;
        snprintf(g->source, sizeof g->source, "%s: %s peak%s; ", dev[0] ? dev : "?", prec,
                 run->precision[0] ? "" : " (the run records no precision)");
        rr_cat(g->source, sizeof g->source, "%s", why[0] ? why : ds->gemm_src);
    }
}

/* Inter-node busbw: nominal from --fabric only.  The probe's NIC link_gbs is the NIC's PCIe
 * link, not the network's line rate (doc/results-schema.md), so it is no nominal figure.  0 or
 * -1. */
static int inter_resource(const struct rr_run *run, const char *dir, const char *fabric,
                          struct rr_resource *ie, struct rr_resource *avg)
{
    busbw_rows(run, "inter", ie, avg);
    if (isnan(ie->measured) && run->nnodes > 1)
        busbw_rows(run, "world", ie, avg);
    if (fabric) {
        struct rr_spec fs;
        int rc = spec_load(dir, fabric, &fs);
        if (rc < 0)
            return -1;
        if (rc == 1)
            return llmb_error("--fabric %s: no file %s/%s.json", fabric, dir, fabric);
        ie->nominal = fs.inter_busbw_gbs;
        snprintf(ie->source, sizeof ie->source, "%s: %s", fabric, fs.inter_src);
    } else if (run->nnodes > 1 && run->src.present)
        snprintf(ie->source, sizeof ie->source, "none without --fabric (ib-ndr, ib-hdr, "
                 "roce-400g, efa-p5, ...): the %s output %s%.100s, not its line rate", run->src.tool,
                 run->src.fabric[0] ? "names the transport " : "names no network",
                 run->src.fabric);
    else if (run->nnodes > 1)
        snprintf(ie->source, sizeof ie->source,
                 "none without --fabric (ib-ndr, ib-hdr, roce-400g, efa-p5, ...): the probe "
                 "sees the NICs' PCIe links, not the network's line rate");
    else
        snprintf(ie->source, sizeof ie->source, "one node: no inter-node links");
    return 0;
}

int rr_resources(const struct rr_run *run, const char *dir, const char *device,
                 const char *fabric, struct rr_resource res[RR_NRES])
{
    static const char *const names[RR_NRES] = {"GEMM", "memory", "intra-node busbw",
                                               "inter-node busbw", "intra-node busbw avg",
                                               "inter-node busbw avg"};
    static const char *const units[RR_NRES] = {"GFLOP/s", "GB/s", "GB/s", "GB/s", "GB/s",
                                               "GB/s"};
    for (int i = 0; i < RR_NRES; i++) {
        memset(&res[i], 0, sizeof res[i]);
        res[i].name = names[i];
        res[i].unit = units[i];
        res[i].measured = res[i].nominal = NAN;
    }
    char dev[64], why[160];
    struct rr_spec ds;
    if (device_spec(run, dir, device, dev, why, &ds) < 0)
        return -1;
    gemm_resource(run, dev, why, &ds, &res[RR_RES_GEMM]);
    /* memory */
    struct rr_resource *m = &res[RR_RES_MEM];
    m->measured = rr_rank_median(run, offsetof(struct rr_rank, stream_gbs));
    if (!isnan(m->measured))
        snprintf(m->what, sizeof m->what, "STREAM triad, median of %d ranks", run->nranks);
    m->nominal = ds.memory_gbs;
    snprintf(m->source, sizeof m->source, "%s: %s", dev[0] ? dev : "?",
             why[0] ? why : ds.memory_src);
    /* intra-node busbw */
    struct rr_resource *ia = &res[RR_RES_INTRA];
    busbw_rows(run, "intra", ia, &res[RR_RES_INTRA_AVG]);
    if (isnan(ia->measured) && run->nnodes == 1)
        busbw_rows(run, "world", ia, &res[RR_RES_INTRA_AVG]);
    ia->nominal = ds.intra_busbw_gbs;
    snprintf(ia->source, sizeof ia->source, "%s: %s", dev[0] ? dev : "?",
             why[0] ? why : ds.intra_src);
    return inter_resource(run, dir, fabric, &res[RR_RES_INTER], &res[RR_RES_INTER_AVG]);
}

double rr_nominal_peak(const struct rr_run *run, const struct rr_resource res[RR_NRES],
                       char *src, size_t len)
{
    if (res[RR_RES_GEMM].nominal > 0) {
        llmb_strlcpy(src, res[RR_RES_GEMM].source, len);
        return res[RR_RES_GEMM].nominal;
    }
    if (run->peak_nominal_train > 0) {
        llmb_strlcpy(src, "train phase peak_nominal_gflops", len);
        return run->peak_nominal_train;
    }
    llmb_strlcpy(src, "no nominal peak", len);
    return NAN;
}
