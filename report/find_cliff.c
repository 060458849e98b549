/* comm.size_cliff (doc/findings.md): a collective's bus bandwidth falls RR_CLIFF_FALL times or
 * more from one measured size to the next, from RR_CLIFF_MIN_BYTES up: the MPI library (or NCCL)
 * switched algorithm or protocol there.  The cost is the step the model predicts with the train
 * phase's buckets beyond the cliff priced at the bandwidth before it.  Its row is in the table
 * of report/findings.c. */
#include "findings.h"

#include "metrics.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CLIFFS 64

struct cliff {
    const struct rr_sweep *s;
    size_t lo, hi;          /* the points before and after the fall */
};

struct cliffs {
    struct cliff v[MAX_CLIFFS];
    int n, more;            /* more: cliffs beyond MAX_CLIFFS (counted, not kept) */
};

static int valid(const struct rr_sweep *s, size_t i)
{
    return s->bytes[i] > 0 && s->busbw[i] > 0 && isfinite(s->busbw[i]);
}

/* Every fall of RR_CLIFF_FALL or more between neighbouring valid points from
 * RR_CLIFF_MIN_BYTES up (points are sorted by size when loaded). */
static void find_cliffs(const struct rr_run *run, struct cliffs *c)
{
    c->n = c->more = 0;
    for (size_t k = 0; k < run->nsweeps; k++) {
        const struct rr_sweep *s = &run->sweeps[k];
        size_t prev = (size_t)-1;
        for (size_t i = 0; i < s->npts; i++) {
            if (!valid(s, i))
                continue;
            if (prev != (size_t)-1 && s->bytes[prev] >= RR_CLIFF_MIN_BYTES &&
                s->busbw[prev] >= RR_CLIFF_FALL * s->busbw[i]) {
                if (c->n < MAX_CLIFFS)
                    c->v[c->n++] = (struct cliff){s, prev, i};
                else
                    c->more++;
            }
            prev = i;
        }
    }
}

/* ---------------------------------------------------------------- the train's buckets */
/* The curve a bucket is priced on (as the model does): its collective on its group, a world
 * bucket falling back to its tier's group; NULL when none. */
static const struct rr_sweep *bucket_sweep(const struct rr_run *run, const struct rr_bucket *b)
{
    const char *coll = llmb_coll_name((enum llmb_coll)b->coll);
    const struct rr_sweep *s = rr_find_sweep(run, coll, b->group);
    if (!s && strcmp(b->group, "world") == 0)
        s = rr_find_sweep(run, coll, b->tier == RR_INTER ? "inter" : "intra");
    return s;
}

/* Bandwidth before the first cliff of s below the size `bytes` (GB/s); NAN when no cliff of s
 * lies below it. */
static double before_cliff(const struct cliffs *c, const struct rr_sweep *s, double bytes,
                           int *which)
{
    double bw = NAN;
    for (int i = 0; i < c->n; i++)
        if (c->v[i].s == s && s->bytes[c->v[i].lo] < bytes &&
            (isnan(bw) || s->busbw[c->v[i].lo] > bw))
            bw = s->busbw[c->v[i].lo], *which = i;
    return bw;
}

/* What the cliffs do to one training step: per tier, the curve time of its buckets now and
 * with the buckets beyond a cliff at the bandwidth before it. */
struct impact {
    double now[RR_NTIERS], fixed[RR_NTIERS]; /* seconds per step on the curves */
    double scale[RR_NTIERS];                 /* fixed / now (1 when untouched) */
    int hit, nb, first;     /* buckets beyond a cliff, buckets priced, the first one hit */
    int cliff;              /* the cliff of the first bucket hit */
    double bytes_f;         /* sum of bytes x busbw factor over the priced buckets */
    double implied;         /* busbw of the train's collectives alone (comm_alone_s), NAN */
};

/* Bytes x busbw factor of bucket b on curve s. */
static double bucket_bf(const struct rr_run *run, const struct rr_bucket *b,
                        const struct rr_sweep *s)
{
    int n = strcmp(b->group, "world") == 0 ? run->nranks : s->nranks;
    return b->bytes * llmb_busbw_factor((enum llmb_coll)b->coll, n);
}

/* A bucket inside a fall (between the sizes before and after it) is priced on the curve,
 * interpolated, unless the train phase's own collectives ran no faster than the bandwidth
 * after the fall (implied, GB/s): then at that bandwidth. */
static double rate_now(const struct cliffs *c, const struct rr_sweep *s, double bytes,
                       double implied)
{
    double now = rr_curve_busbw(s, bytes);
    for (int i = 0; i < c->n; i++) {
        const struct cliff *k = &c->v[i];
        if (k->s == s && bytes > s->bytes[k->lo] && bytes < s->bytes[k->hi] &&
            implied <= s->busbw[k->hi])
            now = fmin(now, s->busbw[k->hi]);
    }
    return now;
}

static void train_impact(const struct rr_run *run, const struct cliffs *c, double alone,
                         struct impact *im)
{
    memset(im, 0, sizeof *im);
    im->first = im->cliff = -1;
    for (size_t i = 0; i < run->nbuckets; i++) {
        const struct rr_sweep *s = bucket_sweep(run, &run->buckets[i]);
        if (s && run->buckets[i].bytes > 0)
            im->bytes_f += bucket_bf(run, &run->buckets[i], s), im->nb++;
    }
    im->implied = alone > 0 && im->nb == (int)run->nbuckets ? im->bytes_f / alone / 1e9 : NAN;
    for (size_t i = 0; i < run->nbuckets; i++) {
        const struct rr_bucket *b = &run->buckets[i];
        const struct rr_sweep *s = bucket_sweep(run, b);
        double now = s ? rate_now(c, s, b->bytes, im->implied) : NAN;
        if (!(now > 0) || !(b->bytes > 0))
            continue;
        double bf = bucket_bf(run, b, s);
        int which = -1;
        double pre = before_cliff(c, s, b->bytes, &which);
        im->now[b->tier] += bf / (now * 1e9);
        if (pre > now) {
            im->fixed[b->tier] += bf / (pre * 1e9);
            if (im->hit++ == 0)
                im->first = (int)i, im->cliff = which;
        } else
            im->fixed[b->tier] += bf / (now * 1e9);
    }
    for (int t = 0; t < RR_NTIERS; t++)
        im->scale[t] = im->now[t] > 0 ? im->fixed[t] / im->now[t] : 1.0;
}

/* ---------------------------------------------------------------- evidence */
/* A number from phases.train (not loaded by load.c): NAN when absent or not a number. */
static double train_num(const struct rr_run *run, const char *key)
{
    json_t *tr = json_object_get(json_object_get(run->doc, "phases"), "train");
    json_t *v = json_object_get(tr, key);
    return json_is_number(v) && isfinite(json_number_value(v)) ? json_number_value(v) : NAN;
}

static void cliff_text(const struct cliff *c, char *buf, size_t len)
{
    const struct rr_sweep *s = c->s;
    char a[32], b[32];
    snprintf(buf, len, "%s %s%s: %.3g GB/s at %s, %.3g GB/s at %s (%.1fx lower)", s->coll,
             s->group, strcmp(s->placement, "in") == 0 ? " in-place" : "", s->busbw[c->lo],
             llmb_format_size((size_t)s->bytes[c->lo], a, sizeof a), s->busbw[c->hi],
             llmb_format_size((size_t)s->bytes[c->hi], b, sizeof b),
             s->busbw[c->lo] / s->busbw[c->hi]);
}

/* Where the train's buckets fall relative to the cliffs, into f's evidence. */
static void bucket_text(const struct rr_run *run, const struct cliffs *c, const struct impact *im,
                        struct rr_finding *f)
{
    char a[32], b[32], d[32];
    double bb = train_num(run, "bucket_bytes");
    if (!run->has[RR_TRAIN]) {
        rr_cat(f->evidence, sizeof f->evidence, "; no train phase in this file: the cost "
               "depends on the gradient bucket size");
        return;
    }
    if (isnan(bb))
        snprintf(d, sizeof d, "?");
    else
        llmb_format_size((size_t)bb, d, sizeof d);
    if (im->hit == 0) {
        rr_cat(f->evidence, sizeof f->evidence, "; the train phase's %zu buckets (bucket size "
               "%s) all lie below the cliffs of the curves they use: no time lost now",
               run->nbuckets, d);
        return;
    }
    const struct rr_bucket *bk = &run->buckets[im->first];
    const struct cliff *cl = &c->v[im->cliff];
    const struct rr_sweep *s = cl->s;
    double now = rate_now(c, s, bk->bytes, im->implied);
    int inside = bk->bytes > s->bytes[cl->lo] && bk->bytes < s->bytes[cl->hi];
    rr_cat(f->evidence, sizeof f->evidence, "; %d of %zu train buckets (bucket size %s; e.g. a "
           "%s %s of %s) lie above the %s edge of %s %s: priced at %.3g GB/s", im->hit,
           run->nbuckets, d, bk->group, llmb_coll_name((enum llmb_coll)bk->coll),
           llmb_format_size((size_t)bk->bytes, a, sizeof a),
           llmb_format_size((size_t)s->bytes[cl->lo], b, sizeof b), s->coll, s->group, now);
    if (inside && now < rr_curve_busbw(s, bk->bytes))
        rr_cat(f->evidence, sizeof f->evidence, ", the rate after the fall (the size lies "
               "between the two measured; the train's own rate below says so)");
    else if (inside)
        rr_cat(f->evidence, sizeof f->evidence, ", interpolated inside the fall");
    rr_cat(f->evidence, sizeof f->evidence, ", against %.3g GB/s below the edge",
           s->busbw[cl->lo]);
    if (!isnan(im->implied))
        rr_cat(f->evidence, sizeof f->evidence, "; the train phase's collectives alone took %s "
               "per step: %.3g GB/s busbw", rr_format_time(train_num(run, "comm_alone_s"), a,
               sizeof a), im->implied);
}

/* Open MPI's coll tuned name of collective c (its coll_tuned_<name>_algorithm parameter), or
 * NULL for the point-to-point patterns (sendrecv, hypercube), which no coll rule picks. */
static const char *ompi_tuned_name(int c)
{
    switch (c) {
    case LLMB_COLL_BROADCAST: return "bcast";
    case LLMB_COLL_SENDRECV:
    case LLMB_COLL_HYPERCUBE: return NULL;
    default: return c >= 0 ? llmb_coll_name((enum llmb_coll)c) : NULL;
    }
}

void rr_eval_size_cliff(const struct rr_find_ctx *cx, const struct rr_finding_def *def)
{
    const struct rr_run *run = cx->run;
    if (!run->has[RR_COMM])
        return;
    struct cliffs *c = malloc(sizeof *c);
    if (!c)
        return;
    find_cliffs(run, c);
    struct impact im;
    train_impact(run, c, train_num(run, "comm_alone_s"), &im);
    double lost = NAN;
    if (run->has[RR_TRAIN]) {
        lost = 0.0;
        if (im.hit)
            lost = rr_saved_by(run, rr_edit_tier_scale, im.scale);
    }
    int dflt = run->has[RR_TRAIN] && !im.hit ? RR_INFO : def->sev;
    struct rr_finding *f = c->n ? rr_finding_new(cx, def, rr_sev_of_time(lost, run->step_med,
                                                                         dflt)) : NULL;
    if (!f)
        goto done;
    f->time_lost_s = lost;
    for (int n = 0; n < run->nnodes; n++) /* the nodes of the groups with a cliff */
        for (int i = 0; i < c->n; i++)
            if (strcmp(c->v[i].s->group, "intra") != 0 || run->nodes[n].nranks > 1)
                rr_finding_add_node(f, n);
    char one[200];
    snprintf(f->evidence, sizeof f->evidence, "busbw falls %.0fx or more from one size to the "
             "next:", RR_CLIFF_FALL);
    for (int i = 0; i < c->n && i < 4; i++) {
        cliff_text(&c->v[i], one, sizeof one);
        rr_cat(f->evidence, sizeof f->evidence, "%s %s", i ? ";" : "", one);
    }
    if (c->n + c->more > 4)
        rr_cat(f->evidence, sizeof f->evidence, "; and %d more", c->n + c->more - 4);
    bucket_text(run, c, &im, f);
    char sz[32], tuned[160] = "";
    const struct cliff *cl = im.cliff >= 0 ? &c->v[im.cliff] : &c->v[0];
    const char *ompi = ompi_tuned_name(cl->s->coll_id);
    if (ompi)
        snprintf(tuned, sizeof tuned, "--mca coll_tuned_use_dynamic_rules 1 with "
                 "coll_tuned_%s_algorithm (ompi_info --param coll tuned --level 9 lists them) "
                 "and ", ompi);
    snprintf(f->remedy, sizeof f->remedy,
             "the library changes algorithm or protocol at that size: Open MPI: %sthe "
             "shared-memory BTL's limits (btl sm/vader eager and single-copy settings); NCCL: "
             "NCCL_ALGO / NCCL_PROTO; or keep gradient buckets at or below %s (llmbench "
             "--bucket-size)", tuned, llmb_format_size((size_t)cl->s->bytes[cl->lo], sz, sizeof sz));
done:
    free(c);
}
