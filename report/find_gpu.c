/* Findings on the GPUs' own telemetry (doc/findings.md): clock.throttled (the GPU half: NVML's
 * clock event reasons with the SM clock below its maximum), pcie.degraded, gpu.ecc_errors, and
 * compute.memory_below_nominal (the compute phase's memory rate against the device spec).  The
 * telemetry is phases.compute / phases.train .gpu_telemetry (doc/results-schema.md), read from
 * the document as it is: every value type-checked, ranks outside the run ignored.  Only samples
 * taken while a phase ran ("during", "after") count for clocks and links: an idle GPU lowers its
 * clocks and its PCIe generation on purpose, and the "before" sample may catch it idle. */
#include "findings.h"

#include "stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const sampled_phases[] = {"compute", "train"};

/* Clock event reasons that lower the clock (not gpu_idle), with what to do about each. */
static const struct {
    const char *name, *remedy;
} limiting[] = {
    {"sw_power_cap", "the power limit holds the clock down: compare power_limit_w with the "
                     "board's default (nvidia-smi -q -d POWER) and the site's power capping"},
    {"hw_slowdown", "hardware slowdown (power supply or temperature): check the PSUs and "
                    "nvidia-smi -q -d PERFORMANCE"},
    {"hw_power_brake_slowdown", "the power brake (an external signal from the power supply or "
                                "the chassis): check the PSUs and the BMC's event log"},
    {"sw_thermal_slowdown", "the GPU is above its thermal target: check cooling, airflow and "
                            "inlet temperature"},
    {"hw_thermal_slowdown", "hardware thermal slowdown: the GPU overheats; check cooling and "
                            "airflow first"},
    {"sync_boost", "sync boost holds a group of GPUs at the slowest one's clock: find the "
                   "slowest GPU of the group"},
    {"applications_clocks_setting", "application clocks are set below the maximum: "
                                    "nvidia-smi -rac resets them"},
    {"display_clock_setting", "the display clock setting limits the clock"},
};
#define NLIMITING (sizeof limiting / sizeof limiting[0])
#define GPU_SAMPLES_CAP 1024 /* throttled samples of one rank and phase considered */

static double num(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* Call fn on every rank's telemetry of every sampled phase: rank, phase name, its object. */
static void each_rank(const struct rr_run *run, void (*fn)(void *arg, int rank, const char *phase,
                                                           json_t *rk), void *arg)
{
    json_t *phases = json_object_get(run->doc, "phases");
    for (size_t p = 0; p < sizeof sampled_phases / sizeof sampled_phases[0]; p++) {
        json_t *t = json_object_get(json_object_get(phases, sampled_phases[p]), "gpu_telemetry");
        size_t i;
        json_t *rk;
        json_array_foreach(json_object_get(t, "ranks"), i, rk) {
            json_t *r = json_object_get(rk, "rank");
            if (json_is_integer(r) && json_integer_value(r) >= 0 &&
                json_integer_value(r) < run->nranks && json_is_array(json_object_get(rk, "samples")))
                fn(arg, (int)json_integer_value(r), sampled_phases[p], rk);
        }
    }
}

static int under_load(json_t *s)
{
    const char *w = json_string_value(json_object_get(s, "when"));
    return w && (strcmp(w, "during") == 0 || strcmp(w, "after") == 0);
}

static const char *gpu_name(json_t *rk, char *buf, size_t len)
{
    json_t *d = json_object_get(rk, "device");
    const char *n = json_string_value(json_object_get(d, "name"));
    const char *b = json_string_value(json_object_get(d, "bus_id"));
    snprintf(buf, len, "%.60s %.40s", n ? n : "GPU", b ? b : "");
    return buf;
}

/* ---------------------------------------------------------------- clock.throttled (GPU) */

struct clock_acc {
    const struct rr_find_ctx *cx;
    const struct rr_finding_def *def;
    struct rr_finding *f;
    unsigned seen;              /* bit i: limiting[i] seen on some throttled rank */
    double worst_phi;           /* lowest median clock ratio of a throttled rank */
    double lost;                /* largest compute x (1 - phi) of a rank throttled in train */
    int entries;                /* rank-phase entries in the evidence */
};

/* A rank throttled in a phase: at least a quarter of its samples under load show a limiting
 * reason with the SM clock below RR_CLOCK_INFO of its maximum. */
static void clock_rank(void *arg, int r, const char *phase, json_t *rk)
{
    struct clock_acc *a = arg;
    size_t i, k;
    json_t *s, *x;
    int n = 0, hit = 0;
    unsigned seen = 0;
    double phis[GPU_SAMPLES_CAP], power = NAN, limit = NAN, temp = NAN, sm = NAN, smax = NAN;
    json_array_foreach(json_object_get(rk, "samples"), i, s) {
        if (!under_load(s))
            continue;
        double cur = num(s, "sm_mhz"), max = num(s, "sm_max_mhz");
        if (!(cur > 0 && max > 0))
            continue;
        n++;
        unsigned why = 0;
        json_array_foreach(json_object_get(s, "reasons"), k, x) {
            const char *name = json_string_value(x);
            for (size_t l = 0; name && l < NLIMITING; l++)
                if (strcmp(name, limiting[l].name) == 0)
                    why |= 1u << l;
        }
        if (!why || cur >= RR_CLOCK_INFO * max || hit >= GPU_SAMPLES_CAP)
            continue;
        phis[hit++] = cur / max;
        seen |= why;
        power = num(s, "power_w"), limit = num(s, "power_limit_w"), temp = num(s, "temp_c");
        sm = cur, smax = max;
    }
    if (hit == 0 || 4 * hit < n)
        return;
    double phi = rr_median(phis, (size_t)hit);
    int sev = phi < RR_CLOCK_WARN ? RR_WARNING : RR_INFO;
    if (!a->f && !(a->f = rr_finding_new(a->cx, a->def, sev)))
        return;
    if (sev > a->f->sev)
        a->f->sev = sev;
    rr_finding_add_rank(a->f, r);
    a->seen |= seen;
    if (phi < a->worst_phi)
        a->worst_phi = phi;
    char name[128];
    rr_cat(a->f->evidence, sizeof a->f->evidence, "%srank %d (%s) in %s: SM clock %.0f of %.0f "
           "MHz (median %.0f%% in %d of %d samples under load), reasons", a->entries++ ? "; " : "",
           r, gpu_name(rk, name, sizeof name), phase, sm, smax, 100 * phi, hit, n);
    for (size_t l = 0; l < NLIMITING; l++)
        if (seen >> l & 1)
            rr_cat(a->f->evidence, sizeof a->f->evidence, " %s", limiting[l].name);
    if (power > 0 && limit > 0)
        rr_cat(a->f->evidence, sizeof a->f->evidence, ", power %.0f of %.0f W", power, limit);
    if (temp > 0)
        rr_cat(a->f->evidence, sizeof a->f->evidence, ", %.0f C", temp);
    /* priced from the train phase only: its compute ran at this clock (the compute phase's
     * figures were merely measured lower) */
    double c = rr_rank_compute(a->cx->run, r);
    if (strcmp(phase, "train") == 0 && !isnan(c) && (isnan(a->lost) || c * (1 - phi) > a->lost))
        a->lost = c * (1 - phi);
}

void rr_eval_gpu_clock(const struct rr_find_ctx *cx, const struct rr_finding_def *def)
{
    struct clock_acc a = {cx, def, NULL, 0, 1.0, NAN, 0};
    each_rank(cx->run, clock_rank, &a);
    if (!a.f)
        return;
    a.f->time_lost_s = a.lost;
    if (!isnan(a.lost))
        rr_cat(a.f->evidence, sizeof a.f->evidence, "; training computed at that clock: at the "
               "maximum its compute would take %.0f%% of its time", 100 * a.worst_phi);
    else
        rr_cat(a.f->evidence, sizeof a.f->evidence, "; not priced: no throttled sample during "
               "the train phase");
    a.f->remedy[0] = '\0';
    for (size_t l = 0; l < NLIMITING; l++)
        if (a.seen >> l & 1)
            rr_cat(a.f->remedy, sizeof a.f->remedy, "%s%s", a.f->remedy[0] ? "; " : "",
                   limiting[l].remedy);
}

/* ---------------------------------------------------------------- pcie.degraded */

/* A finding that names each rank once (a rank is sampled in two phases). */
struct rank_acc {
    const struct rr_find_ctx *cx;
    const struct rr_finding_def *def;
    struct rr_finding *f;
    char *done;                 /* per rank: already named */
};

/* Run fn (its arg a struct rank_acc) on every rank's telemetry; the finding it made, or NULL. */
static struct rr_finding *per_rank(const struct rr_find_ctx *cx, const struct rr_finding_def *def,
                                   void (*fn)(void *arg, int rank, const char *phase, json_t *rk))
{
    struct rank_acc a = {cx, def, NULL, calloc((size_t)(cx->run->nranks > 0 ? cx->run->nranks : 1), 1)};
    if (!a.done)
        return NULL;
    each_rank(cx->run, fn, &a);
    free(a.done);
    return a.f;
}

/* Degraded: below its maximum generation or width in every sample under load that reads both. */
static void link_rank(void *arg, int r, const char *phase, json_t *rk)
{
    struct rank_acc *a = arg;
    size_t i;
    json_t *s;
    int n = 0, below = 0;
    double gen = NAN, gmax = NAN, w = NAN, wmax = NAN;
    if (a->done[r])
        return;
    json_array_foreach(json_object_get(rk, "samples"), i, s) {
        double g = num(s, "pcie_gen"), gm = num(s, "pcie_gen_max"), wd = num(s, "pcie_width"),
               wm = num(s, "pcie_width_max");
        if (!under_load(s) || !(g > 0 && gm > 0 && wd > 0 && wm > 0))
            continue;
        n++;
        if (g < gm || wd < wm)
            below++, gen = g, gmax = gm, w = wd, wmax = wm;
    }
    if (n == 0 || below < n)
        return;
    if (!a->f && !(a->f = rr_finding_new(a->cx, a->def, a->def->sev)))
        return;
    a->done[r] = 1;
    rr_finding_add_rank(a->f, r);
    char name[128];
    rr_cat(a->f->evidence, sizeof a->f->evidence, "%srank %d (%s): PCIe Gen%.0f x%.0f of Gen%.0f "
           "x%.0f in all %d samples under load (%s)", a->f->nranks > 1 ? "; " : "", r,
           gpu_name(rk, name, sizeof name), gen, w, gmax, wmax, n, phase);
}

void rr_eval_pcie_degraded(const struct rr_find_ctx *cx, const struct rr_finding_def *def)
{
    struct rr_finding *f = per_rank(cx, def, link_rank);
    if (!f)
        return;
    rr_cat(f->evidence, sizeof f->evidence, "; not priced: the traffic the step sends over "
           "this link (host copies, a NIC without a direct path) is not measured apart; the NICs' "
           "links are not checked (the probe records their current rate, not their maximum)");
    snprintf(f->remedy, sizeof f->remedy,
             "reseat the card or riser, check the slot's BIOS setting (link speed forced lower) "
             "and lspci -vv (LnkSta against LnkCap); a width below the maximum is never a power "
             "saving state");
}

/* ---------------------------------------------------------------- gpu.ecc_errors */

static void ecc_rank(void *arg, int r, const char *phase, json_t *rk)
{
    struct rank_acc *a = arg;
    json_t *v = json_object_get(rk, "samples"), *first = json_array_get(v, 0),
           *last = json_array_get(v, json_array_size(v) - 1);
    if (a->done[r] || !last)
        return;
    double vol0 = num(first, "ecc_uncorrected_volatile"), vol = num(last, "ecc_uncorrected_volatile");
    double agg = num(last, "ecc_uncorrected_aggregate"), rows = num(last, "remapped_rows_uncorrectable");
    int pending = json_is_true(json_object_get(last, "remap_pending"));
    int failed = json_is_true(json_object_get(last, "remap_failed"));
    int rising = vol > 0 && vol0 >= 0 && vol > vol0;
    int sev = rising || pending || failed ? RR_CRITICAL : vol > 0 ? RR_WARNING
              : agg > 0 || rows > 0 ? RR_INFO : -1;
    if (sev < 0)
        return;
    if (!a->f && !(a->f = rr_finding_new(a->cx, a->def, sev)))
        return;
    if (sev > a->f->sev)
        a->f->sev = sev;
    a->done[r] = 1;
    rr_finding_add_rank(a->f, r);
    char name[128];
    rr_cat(a->f->evidence, sizeof a->f->evidence, "%srank %d (%s) after %s: uncorrected ECC "
           "errors %.0f since the driver loaded%s, %.0f over the GPU's life; rows remapped for "
           "uncorrectable errors %.0f%s%s", a->f->nranks > 1 ? "; " : "", r,
           gpu_name(rk, name, sizeof name), phase, vol > 0 ? vol : 0,
           rising ? " (rising during the run)" : "", agg > 0 ? agg : 0, rows > 0 ? rows : 0,
           pending ? ", a remap pending (needs a GPU reset)" : "",
           failed ? ", a remap FAILED" : "");
}

void rr_eval_gpu_ecc(const struct rr_find_ctx *cx, const struct rr_finding_def *def)
{
    struct rr_finding *f = per_rank(cx, def, ecc_rank);
    if (!f)
        return;
    rr_cat(f->evidence, sizeof f->evidence, "; not priced: an uncorrectable error stops a "
           "job or corrupts it, it does not slow it down by an amount this file shows");
    snprintf(f->remedy, sizeof f->remedy,
             "nvidia-smi -q -d ECC,ROW_REMAPPER on the node; a pending remap needs a GPU reset "
             "(drain the node first); a failed remap or errors rising during the run: take the "
             "GPU out of service (RMA)");
}

/* ---------------------------------------------------------------- compute.memory_below_nominal */

void rr_eval_memory_nominal(const struct rr_find_ctx *cx, const struct rr_finding_def *def)
{
    const struct rr_resource *m = &cx->res[RR_RES_MEM];
    if (!(m->measured >= 0 && m->nominal > 0 && m->measured / m->nominal < RR_MEM_WARN))
        return;
    double ratio = m->measured / m->nominal;
    struct rr_finding *f = rr_finding_new(cx, def, ratio < RR_MEM_CRIT ? RR_CRITICAL : def->sev);
    if (!f)
        return;
    snprintf(f->evidence, sizeof f->evidence,
             "memory %.4g GB/s per rank (%s) is %.0f%% of the nominal %.4g GB/s (%.500s); not "
             "priced: the step's memory-bound part (optimizer, element-wise kernels) is not "
             "measured apart from its compute", m->measured, m->what, 100 * ratio, m->nominal,
             m->source);
    snprintf(f->remedy, sizeof f->remedy,
             "compare the memory clock with its maximum (gpu_telemetry mem_mhz / mem_max_mhz), "
             "check ECC and row remapping (gpu.ecc_errors), and the backend's triad kernel "
             "(array sizes, one rank per GPU)");
}
