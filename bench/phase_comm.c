/* bench/phase_comm.c - the comm phase: collective sweeps on the world / intra-node /
 * inter-node communicators with exact verification and per-rank arrival and exit times on a
 * common clock, and the node-pair link matrix.  Method: doc/methodology.md; results: phases.comm in doc/results-schema.md.
 *
 * Test-only injection (environment of rank 0, which broadcasts it; never for measurements):
 *   LLMBENCH_TEST_DELAY_US=RANK:MICROSECONDS  world rank RANK sleeps that long before each
 *                                             warm-up and timed collective (a straggler)
 *   LLMBENCH_TEST_CORRUPT_RANK=RANK           world rank RANK contributes value + 1 to every
 *                                             verification iteration (a wrong result)
 *
 * Every collective goes through the collectives registry (coll/coll.h) of the run's backend
 * (ctx->be), on buffers in the backend's memory; verification data is made and checked on the
 * host and staged (llmb_staged_*).  The node-pair link matrix is MPI point-to-point on host
 * memory: it measures the fabric between hosts, whatever the backend. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cluster/machine.h"
#include "comm.h"
#include "error.h"
#include "metrics.h"
#include "stats.h"
#include "util.h"

static const char *const size_convention =
    "nccl-tests: S = the buffer for allreduce, broadcast, sendrecv; the total receive buffer "
    "for allgather; the total send buffer for reduce_scatter and alltoall (OSU/IMB report S/n "
    "for these three)";

/* ---------------------------------------------------------------- input */

static int parse_inject(struct inject *in, char *err, size_t len)
{
    in->delay_rank = in->corrupt_rank = -1;
    in->delay_us = 0;
    const char *d = getenv("LLMBENCH_TEST_DELAY_US"), *c = getenv("LLMBENCH_TEST_CORRUPT_RANK");
    if (d && *d) {
        char rank[32];
        const char *colon = strchr(d, ':');
        long r, us;
        if (!colon || (size_t)(colon - d) >= sizeof rank) {
            snprintf(err, len, "LLMBENCH_TEST_DELAY_US: bad value '%s': expected RANK:MICROSECONDS", d);
            return -1;
        }
        memcpy(rank, d, (size_t)(colon - d));
        rank[colon - d] = '\0';
        if (llmb_parse_long(rank, 0, 1 << 30, &r) < 0 || llmb_parse_long(colon + 1, 0, 10000000, &us) < 0) {
            snprintf(err, len, "LLMBENCH_TEST_DELAY_US: bad value '%s': expected RANK:MICROSECONDS "
                     "(microseconds at most 10000000)", d);
            return -1;
        }
        in->delay_rank = (int)r;
        in->delay_us = us;
    }
    if (c && *c) {
        long r;
        if (llmb_parse_long(c, 0, 1 << 30, &r) < 0) {
            snprintf(err, len, "LLMBENCH_TEST_CORRUPT_RANK: bad value '%s': expected a rank", c);
            return -1;
        }
        in->corrupt_rank = (int)r;
    }
    return 0;
}

static int build_sizes(struct phase *ph)
{
    const struct llmb_options *opt = ph->opt;
    int cap = 0;
    for (size_t s = opt->size_min; s <= opt->size_max; s *= opt->size_factor) {
        cap++;
        if (s > opt->size_max / opt->size_factor)
            break;
    }
    ph->sizes = malloc((size_t)(cap > 0 ? cap : 1) * sizeof *ph->sizes);
    if (!ph->sizes)
        llmb_abort(LLMB_EFAIL, "out of memory");
    ph->nsizes = 0;
    for (size_t s = opt->size_min; s <= opt->size_max && ph->nsizes < cap; s *= opt->size_factor)
        ph->sizes[ph->nsizes++] = s;
    return 0;
}

/* Memory available to one rank of this node: MemAvailable / ranks on the node (bytes). */
static double mem_per_rank(const struct llmb_ctx *ctx)
{
    double avail = llmb_mem_available_bytes();
    if (avail <= 0) {
        long pages = sysconf(_SC_AVPHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
        avail = pages > 0 && psize > 0 ? (double)pages * (double)psize : 1e18;
    }
    return avail / (ctx->node_size > 0 ? ctx->node_size : 1);
}

/* Refuse sizes whose buffers cannot fit before anything runs.  Same verdict on every rank. */
static int check_memory(struct phase *ph)
{
    struct llmb_ctx *ctx = ph->ctx;
    size_t smax = ph->sizes[ph->nsizes - 1];
    double need = 0;
    for (int c = 0; c < LLMB_COLL_COUNT; c++) {
        size_t ns, nr;
        if (!(ph->opt->collectives & (1u << c)))
            continue;
        llmb_coll_counts((enum llmb_coll)c, smax, sizeof(float), 1, &ns, &nr);
        if ((double)(ns + nr) * sizeof(float) > need)
            need = (double)(ns + nr) * sizeof(float);
    }
    double mine = mem_per_rank(ctx), avail;
    MPI_Allreduce(&mine, &avail, 1, MPI_DOUBLE, MPI_MIN, ctx->world);
    char sb[32], nb[32], ab[32];
    if (need > avail) {
        if (ctx->rank == 0)
            llmb_error("comm: size %s needs %s of buffers per rank (send + receive), more than "
                       "the %s of memory available per rank (MemAvailable / ranks on the node, "
                       "smallest over nodes); lower the largest of --sizes",
                       llmb_format_size(smax, sb, sizeof sb), llmb_format_size((size_t)need, nb, sizeof nb),
                       llmb_format_size((size_t)avail, ab, sizeof ab));
        return LLMB_EINPUT;
    }
    /* rank 0 gathers arrival and exit times of every iteration of every rank with int counts */
    double iters = ph->opt->min_iters > COMM_MAX_ITERS ? ph->opt->min_iters : COMM_MAX_ITERS;
    if (2.0 * iters * ctx->size > 2147483647.0) {
        if (ctx->rank == 0)
            llmb_error("comm: --min-iters %d is too large for %d ranks: the timestamps of one "
                       "point (2 x iterations x ranks) must stay below 2^31; lower --min-iters",
                       ph->opt->min_iters, ctx->size);
        return LLMB_EINPUT;
    }
    if (smax / sizeof(float) > (size_t)2147483647) {
        if (ctx->rank == 0)
            llmb_error("comm: size %s is too large: an MPI count of floats must stay below 2^31 "
                       "(at most 8 GiB per buffer); lower the largest of --sizes",
                       llmb_format_size(smax, sb, sizeof sb));
        return LLMB_EINPUT;
    }
    return 0;
}

/* ---------------------------------------------------------------- groups */

static void setup_groups(struct llmb_ctx *ctx, struct group g[3])
{
    memset(g, 0, 3 * sizeof *g);
    g[0].name = "world";
    g[1].name = "intra";
    g[2].name = "inter";
    for (int i = 0; i < 3; i++)
        g[i].dup = MPI_COMM_NULL;

    /* world */
    g[0].nranks = ctx->size;
    g[0].ncomms = 1;
    if (ctx->size < 2) {
        g[0].skip = "the world communicator has one rank";
    } else {
        MPI_Comm_dup(ctx->world, &g[0].dup);
        g[0].member = 1;
    }

    /* intra: every node's ranks, all nodes at once */
    int maxn, lead = ctx->node_rank == 0 && ctx->node_size > 1, ncomms;
    MPI_Allreduce(&ctx->node_size, &maxn, 1, MPI_INT, MPI_MAX, ctx->world);
    MPI_Allreduce(&lead, &ncomms, 1, MPI_INT, MPI_SUM, ctx->world);
    g[1].nranks = maxn;
    g[1].ncomms = ncomms;
    g[1].color = ctx->node_id;
    if (maxn < 2) {
        g[1].skip = "every node has one rank: an intra-node communicator would have one rank";
    } else if (ctx->nnodes == 1 && (ctx->opt->groups & LLMB_GROUP_WORLD)) {
        g[1].skip = "one node: the intra-node communicator is the world communicator (see world)";
    } else {
        MPI_Comm_dup(ctx->node, &g[1].dup);
        g[1].member = ctx->node_size > 1;
    }

    /* inter: one rank per node */
    g[2].nranks = ctx->nnodes;
    g[2].ncomms = 1;
    if (ctx->nnodes < 2) {
        g[2].skip = "one node: the inter-node communicator (one rank per node) has one rank";
    } else if (ctx->leaders != MPI_COMM_NULL) {
        MPI_Comm_dup(ctx->leaders, &g[2].dup);
        g[2].member = 1;
    }

    for (int i = 0; i < 3; i++) {
        if (!(ctx->opt->groups & (1u << i)) && !g[i].skip)
            g[i].skip = "not selected (--groups)";
        if (g[i].member && llmb_coll_comm_open(ctx->be->coll, g[i].dup, &g[i].comm) != 0)
            llmb_abort(LLMB_EFAIL, "comm: cannot open the %s communicator of backend %s",
                       g[i].name, ctx->be->coll->name);
    }
}

/* ---------------------------------------------------------------- one point */

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* One size of one sweep.  Every world rank calls it; members run the collective.  Returns the
 * point's JSON on rank 0 (NULL elsewhere). */
static json_t *run_point(struct phase *ph, const struct group *g, const struct llmb_coll_impl *im,
                         int in_place, size_t bytes, const struct llmb_staged *send,
                         const struct llmb_staged *recv, const int *colors, double *op_median,
                         double *skew_median, long long *wrong_out)
{
    struct llmb_ctx *ctx = ph->ctx;
    const struct llmb_options *opt = ph->opt;
    const struct llmb_backend *be = ctx->be;
    size_t ns = 0, nr = 0, count = 0;
    long long wrong = 0;
    double est = 0;
    int delay = ph->inj.delay_rank == ctx->rank && ph->inj.delay_us > 0;
    struct llmb_coll_args args = {.send = send ? send->dev : NULL, .recv = recv ? recv->dev : NULL,
                                  .in_place = in_place};
    ph->point_seq++;
    if (g->member) {
        const struct llmb_coll_comm *c = &g->comm;
        llmb_coll_counts(im->coll, bytes, sizeof(float), c->n, &ns, &nr);
        args.send_elems = ns;
        args.recv_elems = nr;
        struct llmb_coll_data d = {
            .rank = c->rank, .n = c->n,
            .off = (size_t)((ph->opt->seed + (unsigned long long)ph->point_seq * 131u) % LLMB_COLL_PERIOD),
            .corrupt = ph->inj.corrupt_rank == ctx->rank, .tab = ph->tab, .sum = ph->sum,
        };
        /* Verification: untimed, also the first touch of the buffers. */
        double tv = 0;
        for (int v = 0; v < COMM_VERIFY_ITERS; v++) {
            im->init(send->host, ns, recv->host, nr, in_place, &d);
            llmb_staged_push(be, send, ns);
            llmb_staged_push(be, recv, nr);
            MPI_Barrier(c->mpi);
            double t0 = llmb_now_s();
            if (im->run(&args, c) != 0)
                llmb_abort(LLMB_EFAIL, "%s failed", llmb_coll_name(im->coll));
            tv = llmb_now_s() - t0;
            llmb_staged_pull(be, recv, nr);
            wrong += im->check(recv->host, nr, &d);
        }
        /* Timed data: the verification input (out of place) or zeros, the fixed point of the
         * in-place sum (values that grew every iteration would overflow). */
        if (in_place)
            be->k->zero(recv->dev, nr);
        double t0 = llmb_now_s();
        for (int w = 0; w < opt->warmup; w++) {
            MPI_Barrier(c->mpi);
            if (delay)
                sleep_us(ph->inj.delay_us);
            im->run(&args, c);
        }
        est = opt->warmup > 0 ? (llmb_now_s() - t0) / opt->warmup : tv;
    }
    double est_max;
    MPI_Allreduce(&est, &est_max, 1, MPI_DOUBLE, MPI_MAX, ctx->world);
    double want = est_max > 0 ? ceil(opt->time_per_point_s / est_max) : COMM_MAX_ITERS;
    int iters = want < opt->min_iters ? opt->min_iters : want > COMM_MAX_ITERS ? COMM_MAX_ITERS : (int)want;
    if (iters < opt->min_iters) /* --min-iters above the cap wins */
        iters = opt->min_iters;

    /* with a device backend, also the device time of each operation (its stream's events) */
    double (*device_s)(const struct llmb_coll_comm *) = be->coll->device_seconds;
    double *ae = malloc((size_t)(device_s ? 3 : 2) * iters * sizeof *ae), dev_median = NAN;
    if (!ae)
        llmb_abort(LLMB_EFAIL, "out of memory for %d samples", iters);
    if (g->member) {
        const struct llmb_coll_comm *c = &g->comm;
        double *a = ae, *e = ae + iters, *dv = ae + 2 * iters;
        for (int k = 0; k < iters; k++) {
            MPI_Barrier(c->mpi); /* untimed */
            if (delay)
                sleep_us(ph->inj.delay_us);
            a[k] = llmb_now_s();
            im->run(&args, c);
            e[k] = llmb_now_s();
            if (device_s)
                dv[k] = device_s(c);
        }
        for (int k = 0; k < 2 * iters; k++)
            ae[k] += ph->clock.offset_s;
        size_t nd = 0;
        for (int k = 0; device_s && k < iters; k++)
            if (isfinite(dv[k]))
                dv[nd++] = dv[k];
        if (nd)
            dev_median = llmb_percentile(dv, nd, 0.5);
    }
    double *dev_all = device_s && ctx->rank == 0 ? malloc((size_t)ctx->size * sizeof *dev_all) : NULL;
    if (device_s)
        MPI_Gather(&dev_median, 1, MPI_DOUBLE, dev_all, 1, MPI_DOUBLE, 0, ctx->world);
    /* Gather to rank 0 (world): members send 2*iters values. */
    int *counts = NULL, *displs = NULL;
    double *all = NULL;
    if (ctx->rank == 0) {
        counts = malloc((size_t)ctx->size * sizeof *counts);
        displs = malloc((size_t)ctx->size * sizeof *displs);
        int M = 0;
        for (int r = 0; r < ctx->size; r++)
            M += colors[r] >= 0;
        all = malloc((size_t)(M > 0 ? M : 1) * 2 * iters * sizeof *all);
        if (!counts || !displs || !all)
            llmb_abort(LLMB_EFAIL, "out of memory gathering samples");
        for (int r = 0, off = 0; r < ctx->size; r++) {
            counts[r] = colors[r] >= 0 ? 2 * iters : 0;
            displs[r] = off;
            off += counts[r];
        }
    }
    MPI_Gatherv(ae, g->member ? 2 * iters : 0, MPI_DOUBLE, all, counts, displs, MPI_DOUBLE, 0, ctx->world);
    long long wsum = 0;
    MPI_Allreduce(&wrong, &wsum, 1, MPI_LONG_LONG, MPI_SUM, ctx->world);
    ctx->wrong += wrong;
    *wrong_out = wsum;
    free(ae);
    json_t *pt = NULL;
    if (ctx->rank == 0) {
        size_t total = llmb_coll_counts(im->coll, bytes, sizeof(float), g->nranks, NULL, NULL);
        count = total / sizeof(float);
        pt = llmb_comm_analyze(ph, g, im->coll, total, count, iters, all, colors, wsum, op_median, skew_median);
        if (dev_all) { /* each member's median device time; null for the other ranks */
            json_t *dm = json_array();
            for (int r = 0; r < ctx->size; r++)
                json_array_append_new(dm, colors[r] >= 0 && isfinite(dev_all[r]) ? json_real(dev_all[r])
                                                                                  : json_null());
            json_object_set_new(pt, "device_median_s", dm);
        }
    }
    free(dev_all);
    free(counts);
    free(displs);
    free(all);
    return pt;
}

/* ---------------------------------------------------------------- sweeps */

static void sweep(struct phase *ph, const struct group *g, const struct llmb_coll_impl *im, int in_place)
{
    struct llmb_ctx *ctx = ph->ctx;
    const char *cname = llmb_coll_name(im->coll);
    struct llmb_staged bufs[2] = {{0}}, *send = NULL, *recv = NULL;
    if (g->member) {
        size_t ns, nr;
        llmb_coll_counts(im->coll, ph->sizes[ph->nsizes - 1], sizeof(float), g->comm.n, &ns, &nr);
        send = &bufs[0];
        recv = &bufs[1];
        if (llmb_staged_alloc(ctx->be, send, ns) || llmb_staged_alloc(ctx->be, recv, nr))
            llmb_abort(LLMB_EFAIL, "out of memory for %s buffers of %zu + %zu floats", cname, ns, nr);
        llmb_coll_sums(ph->tab, g->comm.n, ph->sum);
    }
    int color = g->member ? g->color : -1;
    int *colors = ctx->rank == 0 ? malloc((size_t)ctx->size * sizeof *colors) : NULL;
    if (ctx->rank == 0 && !colors)
        llmb_abort(LLMB_EFAIL, "out of memory");
    MPI_Gather(&color, 1, MPI_INT, colors, 1, MPI_INT, 0, ctx->world);

    json_t *points = NULL, *sw = NULL;
    if (ctx->rank == 0) {
        json_t *ranks = json_array();
        for (int r = 0; r < ctx->size; r++)
            if (colors[r] >= 0)
                json_array_append_new(ranks, json_integer(r));
        points = json_array();
        sw = json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:o, s:s, s:s, s:f, s:o}", "collective", cname,
                       "group", g->name, "placement", in_place ? "in" : "out", "backend", im->backend,
                       "nranks", g->nranks, "ncomms", g->ncomms, "ranks", ranks, "type", "float",
                       "root", im->root, "busbw_factor", llmb_busbw_factor(im->coll, g->nranks),
                       "points", points);
        json_array_append_new(ph->sweeps, sw);
        llmb_say(ctx, "\n# %s  %s  %s-place  %d ranks%s%s  (busbw factor %.3f; S per rank, nccl-tests convention)\n",
                 cname, g->name, in_place ? "in" : "out-of", g->nranks, im->root[0] ? "  " : "", im->root,
                 llmb_busbw_factor(im->coll, g->nranks));
        llmb_say(ctx, "# %12s %12s %7s %12s %10s %10s %8s %10s\n", "size(B)", "count", "iters",
                 "time(us)", "algbw", "busbw", "#wrong", "skew(us)");
    }
    size_t prev = 0;
    for (int i = 0; i < ph->nsizes; i++) {
        size_t total = llmb_coll_counts(im->coll, ph->sizes[i], sizeof(float), g->nranks, NULL, NULL);
        char what[128], sb[32];
        snprintf(what, sizeof what, "%s %s %s %s", cname, g->name, in_place ? "in" : "out",
                 llmb_format_size(total, sb, sizeof sb));
        ph->point++;
        if (total == prev) { /* rounding gave the same S as the point before */
            llmb_progress(ctx, "comm", ph->point, ph->npoints, what);
            continue;
        }
        prev = total;
        double op_med = 0, skew_med = 0;
        long long wrong = 0;
        json_t *pt = run_point(ph, g, im, in_place, ph->sizes[i], send, recv, colors, &op_med, &skew_med, &wrong);
        ph->wrong_total += wrong;
        if (pt) {
            json_array_append_new(points, pt);
            llmb_say(ctx, "  %12zu %12zu %7lld %12.2f %10.3f %10.3f %8lld %10.2f\n", total, total / sizeof(float),
                     (long long)json_integer_value(json_object_get(pt, "iters")), op_med * 1e6,
                     op_med > 0 && !wrong ? llmb_algbw_gbs((double)total, op_med) : 0.0,
                     op_med > 0 && !wrong ? llmb_busbw_gbs(im->coll, g->nranks, (double)total, op_med) : 0.0, wrong,
                     skew_med * 1e6);
        }
        llmb_progress(ctx, "comm", ph->point, ph->npoints, what);
        MPI_Barrier(ctx->world); /* points do not overlap (inter: idle ranks wait here) */
    }
    free(colors);
    llmb_staged_free(ctx->be, &bufs[0]);
    llmb_staged_free(ctx->be, &bufs[1]);
}

/* ---------------------------------------------------------------- the phase */

/* Test injection: rank 0's environment decides for everyone.  0, or -1 (bad value, one line
 * from rank 0) on every rank. */
static int share_inject(struct phase *ph)
{
    struct llmb_ctx *ctx = ph->ctx;
    int inj[4] = {0, -1, 0, -1};
    if (ctx->rank == 0) {
        char err[256];
        if (parse_inject(&ph->inj, err, sizeof err) < 0) {
            llmb_error("%s", err);
            inj[0] = 1;
        } else {
            inj[1] = ph->inj.delay_rank;
            inj[2] = (int)ph->inj.delay_us;
            inj[3] = ph->inj.corrupt_rank;
        }
    }
    MPI_Bcast(inj, 4, MPI_INT, 0, ctx->world);
    ph->inj.delay_rank = inj[1];
    ph->inj.delay_us = inj[2];
    ph->inj.corrupt_rank = inj[3];
    return inj[0] ? -1 : 0;
}

/* How the points were timed (phases.comm.timing). */
static json_t *timing_json(const struct phase *ph)
{
    const struct llmb_options *opt = ph->opt;
    return json_pack("{s:s, s:i, s:i, s:i, s:f, s:i, s:s, s:s, s:s, s:i, s:o}",
        "mode", "barrier-separated", "warmup", opt->warmup, "min_iters", opt->min_iters,
        "max_iters", COMM_MAX_ITERS, "time_per_point_s", opt->time_per_point_s,
        "verify_iters", COMM_VERIFY_ITERS, "size_convention", size_convention,
        "type", "float", "clock_source", "CLOCK_MONOTONIC + per-rank offset to rank 0",
        "samples_budget", COMM_SAMPLE_BUDGET,
        "injection", ph->inj.delay_rank >= 0 || ph->inj.corrupt_rank >= 0
            ? json_pack("{s:i, s:I, s:i}", "delay_rank", ph->inj.delay_rank, "delay_us",
                        (json_int_t)ph->inj.delay_us, "corrupt_rank", ph->inj.corrupt_rank)
            : json_null());
}

int llmb_phase_comm(struct llmb_ctx *ctx, json_t *out)
{
    const struct llmb_options *opt = ctx->opt;
    struct phase *ph = calloc(1, sizeof *ph);
    if (!ph)
        llmb_abort(LLMB_EFAIL, "out of memory");
    ph->ctx = ctx;
    ph->opt = opt;

    if (share_inject(ph) != 0) {
        free(ph);
        return LLMB_EINPUT;
    }
    build_sizes(ph);
    int rc = check_memory(ph);
    if (rc) {
        free(ph->sizes);
        free(ph);
        return rc;
    }

    int rounds = opt->quick ? 10 : 50;
    struct llmb_clock end;
    if (llmb_clock_sync(ctx->world, ctx->node, rounds, &ph->clock) != MPI_SUCCESS)
        llmb_abort(LLMB_EFAIL, "clock synchronisation failed");
    llmb_coll_table(opt->seed, ph->tab);

    struct group g[3];
    setup_groups(ctx, g);
    const struct llmb_coll_impl *impls[LLMB_COLL_COUNT];
    int nimpl = 0;
    for (int c = 0; c < LLMB_COLL_COUNT; c++) {
        const struct llmb_coll_impl *im = llmb_coll_find((enum llmb_coll)c, ctx->be->coll->name);
        if ((opt->collectives & (1u << c)) && im)
            impls[nimpl++] = im;
    }
    for (int i = 0; i < 3; i++)
        if (!g[i].skip)
            for (int k = 0; k < nimpl; k++)
                ph->npoints += ph->nsizes * (impls[k]->in_place ? 2 : 1);
    ph->npoints += llmb_comm_train_pattern_points(opt);
    if (opt->link_matrix)
        ph->npoints += opt->link_passes * llmb_round_robin_rounds(llmb_link_members(ctx));

    if (ctx->rank == 0) {
        ph->sweeps = json_array();
        ph->skipped = json_array();
    }
    for (int i = 0; i < 3; i++) {
        if (g[i].skip) {
            if (ctx->rank == 0)
                json_array_append_new(ph->skipped, json_pack("{s:s, s:s}", "group", g[i].name, "reason", g[i].skip));
            continue;
        }
        for (int k = 0; k < nimpl; k++) {
            sweep(ph, &g[i], impls[k], 0);
            if (impls[k]->in_place)
                sweep(ph, &g[i], impls[k], 1);
        }
    }
    json_t *tp = llmb_comm_train_pattern(ph);
    json_t *lm = NULL;
    if (opt->link_matrix) {
        lm = llmb_comm_link_matrix(ph);
    } else if (ctx->rank == 0) {
        lm = json_null();
        json_array_append_new(ph->skipped, json_pack("{s:s, s:s}", "group", "link_matrix", "reason",
                                                     "not selected (--no-link-matrix)"));
    }

    if (llmb_clock_sync(ctx->world, ctx->node, rounds, &end) != MPI_SUCCESS)
        llmb_abort(LLMB_EFAIL, "clock synchronisation failed");
    json_t *clock = llmb_clock_json(ctx->world, rounds, &ph->clock, &end);
    if (ctx->rank == 0) {
        json_object_set_new(out, "backend", json_string(ctx->be->coll->name));
        json_object_set_new(out, "clock", clock);
        json_object_set_new(out, "timing", timing_json(ph));
        json_object_set_new(out, "sweeps", ph->sweeps);
        json_object_set_new(out, "skipped", ph->skipped);
        json_object_set_new(out, "link_matrix", lm);
        json_object_set_new(out, "train_pattern", tp);
        json_object_set_new(out, "wrong_total", json_integer(ph->wrong_total));
        if (ph->wrong_total > 0)
            llmb_error("comm: verification failed: %lld wrong elements (see phases.comm in the results)",
                       ph->wrong_total);
    }
    for (int i = 0; i < 3; i++) {
        if (g[i].member)
            llmb_coll_comm_close(ctx->be->coll, &g[i].comm);
        if (g[i].dup != MPI_COMM_NULL)
            MPI_Comm_free(&g[i].dup);
    }
    rc = ph->wrong_total > 0 ? LLMB_EFAIL : 0;
    free(ph->sizes);
    free(ph);
    return rc;
}
