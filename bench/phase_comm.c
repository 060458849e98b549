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

#include "clock.h"
#include "cluster/machine.h"
#include "coll/coll.h"
#include "error.h"
#include "llmbench.h"
#include "metrics.h"
#include "stats.h"
#include "util.h"

#define COMM_MAX_ITERS 1000       /* timed iterations per point at most (raw samples kept) */
#define COMM_SAMPLE_BUDGET 20000  /* arrival (and exit) samples kept per point, all ranks */
#define COMM_MIN_KEPT 20          /* ... but at least this many iterations of every rank */
#define COMM_VERIFY_ITERS 1       /* untimed verification iterations per point */
#define LINK_MAX_BYTES ((size_t)4 << 20)
#define LINK_TAG 7303

static const char *const size_convention =
    "nccl-tests: S = the buffer for allreduce, broadcast, sendrecv; the total receive buffer "
    "for allgather; the total send buffer for reduce_scatter and alltoall (OSU/IMB report S/n "
    "for these three)";

struct inject {
    int delay_rank;   /* -1: none */
    long delay_us;
    int corrupt_rank; /* -1: none */
};

struct group {
    const char *name;
    const char *skip;           /* reason the group is skipped, or NULL */
    int member;                 /* this rank runs the group's collectives */
    struct llmb_coll_comm comm; /* valid when member */
    MPI_Comm dup;               /* to free, or MPI_COMM_NULL */
    int color;                  /* which communicator of the group this rank is in */
    int nranks;                 /* size of the largest communicator of the group */
    int ncomms;
};

struct phase {
    struct llmb_ctx *ctx;
    const struct llmb_options *opt;
    struct llmb_clock clock;
    struct inject inj;
    size_t *sizes;
    int nsizes;
    int point, npoints;         /* progress */
    int point_seq;              /* varies the verification data from point to point */
    long long wrong_total;      /* all ranks (known everywhere) */
    float tab[LLMB_COLL_PERIOD], sum[LLMB_COLL_PERIOD];
    json_t *sweeps, *skipped;   /* rank 0 */
};

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

static double median_of(const double *x, size_t n)
{
    return llmb_percentile(x, n, 0.5);
}

static json_t *real_array(const double *x, size_t n, double sub)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_real(x[i] - sub));
    return a;
}

static json_t *summary(const double *x, size_t n)
{
    struct llmb_summary s;
    if (llmb_summarize(x, n, &s) < 0)
        return json_null();
    return llmb_summary_json(&s, "s");
}

/* What rank 0 makes of one point: gathered arrivals and exits of every member, `colors[r]` the
 * communicator of world rank r (-1: not a member).  Returns the point's JSON. */
static json_t *analyze(struct phase *ph, const struct group *g, enum llmb_coll coll, size_t bytes,
                       size_t count, int iters, const double *all, const int *colors,
                       long long wrong, double *op_median, double *skew_median)
{
    struct llmb_ctx *ctx = ph->ctx;
    int M = 0, ncol = 0;
    for (int r = 0; r < ctx->size; r++)
        if (colors[r] >= 0) {
            M++;
            if (colors[r] + 1 > ncol)
                ncol = colors[r] + 1;
        }
    int *who = malloc((size_t)M * sizeof *who), *last = calloc((size_t)M, sizeof *last);
    double *op = malloc((size_t)iters * sizeof *op), *skew = malloc((size_t)iters * sizeof *skew);
    double *wait = malloc((size_t)M * iters * sizeof *wait), *inside = malloc((size_t)M * iters * sizeof *inside);
    double *late = calloc((size_t)M, sizeof *late), *tmp = malloc((size_t)M * sizeof *tmp);
    double *col_op = malloc((size_t)(ncol > 0 ? ncol : 1) * iters * sizeof *col_op);
    if (!who || !last || !op || !skew || !wait || !inside || !late || !tmp || !col_op)
        llmb_abort(LLMB_EFAIL, "out of memory analysing a point");
    for (int r = 0, m = 0; r < ctx->size; r++)
        if (colors[r] >= 0)
            who[m++] = r;
    /* The gathered buffer holds, member after member in world-rank order, arrive[iters] then
     * exit[iters]. */
#define ARR(m, k) all[(size_t)(m) * 2 * iters + (k)]
#define EXT(m, k) all[(size_t)(m) * 2 * iters + iters + (k)]
    double t_first = INFINITY;
    for (int m = 0; m < M; m++)
        for (int k = 0; k < iters; k++)
            if (ARR(m, k) < t_first)
                t_first = ARR(m, k);
    for (int k = 0; k < iters; k++) {
        op[k] = -INFINITY;
        skew[k] = -INFINITY;
        for (int c = 0; c < ncol; c++) {
            int n = 0, lastm = -1;
            double la = -INFINITY, le = -INFINITY;
            for (int m = 0; m < M; m++) {
                if (colors[who[m]] != c)
                    continue;
                tmp[n++] = ARR(m, k);
                if (ARR(m, k) > la)
                    la = ARR(m, k), lastm = m;
                if (EXT(m, k) > le)
                    le = EXT(m, k);
            }
            if (n == 0) {
                col_op[(size_t)c * iters + k] = NAN;
                continue;
            }
            double med = median_of(tmp, (size_t)n);
            for (int m = 0; m < M; m++) {
                if (colors[who[m]] != c)
                    continue;
                wait[(size_t)m * iters + k] = la - ARR(m, k);
                inside[(size_t)m * iters + k] = EXT(m, k) - ARR(m, k);
                late[m] += ARR(m, k) - med;
            }
            last[lastm]++;
            col_op[(size_t)c * iters + k] = le - la;
            if (le - la > op[k])
                op[k] = le - la;
            if (la - med > skew[k])
                skew[k] = la - med;
        }
    }
    json_t *pt = json_object();
    json_object_set_new(pt, "bytes", json_integer((json_int_t)bytes));
    json_object_set_new(pt, "count", json_integer((json_int_t)count));
    json_object_set_new(pt, "osu_bytes", json_integer((json_int_t)llmb_coll_osu_bytes(coll, bytes, g->nranks)));
    json_object_set_new(pt, "iters", json_integer(iters));
    json_object_set_new(pt, "verify_iters", json_integer(COMM_VERIFY_ITERS));
    json_object_set_new(pt, "op", summary(op, (size_t)iters));
    struct llmb_summary so, ss;
    if (llmb_summarize(op, (size_t)iters, &so) < 0)
        so.median = 0;
    if (llmb_summarize(skew, (size_t)iters, &ss) < 0)
        ss.median = 0;
    *op_median = so.median;
    *skew_median = ss.median;
    /* A point whose verification found wrong elements is an error with a count, never a
     * bandwidth: null, like a figure that could not be measured. */
    int rate_ok = so.median > 0 && wrong == 0;
    json_object_set_new(pt, "algbw_gbs", rate_ok ? json_real(llmb_algbw_gbs((double)bytes, so.median)) : json_null());
    json_object_set_new(pt, "busbw_gbs", rate_ok ? json_real(llmb_busbw_gbs(coll, g->nranks, (double)bytes, so.median)) : json_null());
    json_object_set_new(pt, "arrival_skew", summary(skew, (size_t)iters));
    json_object_set_new(pt, "wrong", json_integer(wrong));
    if (g->ncomms > 1) {
        json_t *cm = json_array();
        for (int c = 0; c < ncol; c++) {
            double *x = col_op + (size_t)c * iters;
            if (isnan(x[0]))
                continue;
            int first = -1;
            for (int m = 0; m < M && first < 0; m++)
                if (colors[who[m]] == c)
                    first = who[m];
            json_array_append_new(cm, json_pack("{s:i, s:f}", "first_rank", first, "op_median_s",
                                                median_of(x, (size_t)iters)));
        }
        json_object_set_new(pt, "comms", cm);
    }
    json_t *pr = json_array();
    for (int m = 0; m < M; m++)
        json_array_append_new(pr, json_pack("{s:i, s:f, s:f, s:f, s:f}", "rank", who[m],
            "wait_median_s", median_of(wait + (size_t)m * iters, (size_t)iters),
            "lateness_mean_s", late[m] / iters, "last_frac", (double)last[m] / iters,
            "inside_median_s", median_of(inside + (size_t)m * iters, (size_t)iters)));
    json_object_set_new(pt, "per_rank", pr);

    int kept = COMM_SAMPLE_BUDGET / (M > 0 ? M : 1);
    if (kept < COMM_MIN_KEPT)
        kept = COMM_MIN_KEPT;
    if (kept > iters)
        kept = iters;
    json_t *arr = json_array(), *ext = json_array();
    for (int m = 0; m < M; m++) {
        json_array_append_new(arr, real_array(&ARR(m, 0), (size_t)kept, t_first));
        json_array_append_new(ext, real_array(&EXT(m, 0), (size_t)kept, t_first));
    }
#undef ARR
#undef EXT
    json_object_set_new(pt, "samples", json_pack("{s:o, s:i, s:o, s:o}", "op_s", real_array(op, (size_t)iters, 0),
                                                 "kept_iters", kept, "arrive_s", arr, "exit_s", ext));
    free(who); free(last); free(op); free(skew); free(wait); free(inside); free(late); free(tmp); free(col_op);
    return pt;
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

    double *ae = malloc((size_t)2 * iters * sizeof *ae);
    if (!ae)
        llmb_abort(LLMB_EFAIL, "out of memory for %d samples", iters);
    if (g->member) {
        const struct llmb_coll_comm *c = &g->comm;
        double *a = ae, *e = ae + iters;
        for (int k = 0; k < iters; k++) {
            MPI_Barrier(c->mpi); /* untimed */
            if (delay)
                sleep_us(ph->inj.delay_us);
            a[k] = llmb_now_s();
            im->run(&args, c);
            e[k] = llmb_now_s();
        }
        for (int k = 0; k < 2 * iters; k++)
            ae[k] += ph->clock.offset_s;
    }
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
        pt = analyze(ph, g, im->coll, total, count, iters, all, colors, wsum, op_median, skew_median);
    }
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

/* ---------------------------------------------------------------- link matrix */

/* One direction between this rank and partner p: the sender measures, the receiver serves. */
static void link_direction(struct phase *ph, MPI_Comm comm, int me, int p, int sending, size_t bytes,
                           float *buf, int reps_lat, int reps_bw, double *bw, double *lat, long long *wrong)
{
    char small[8] = {0};
    double *t = malloc((size_t)(reps_lat > reps_bw ? reps_lat : reps_bw) * sizeof *t);
    if (!t)
        llmb_abort(LLMB_EFAIL, "out of memory");
    size_t count = bytes / sizeof(float);
    struct llmb_coll_data d = {.rank = me, .n = 1, .off = (size_t)ph->point_seq % LLMB_COLL_PERIOD,
                               .corrupt = ph->inj.corrupt_rank == ph->ctx->rank, .tab = ph->tab, .sum = ph->sum};
    /* Latency: 8-byte ping-pong, 2 warm-up round trips. */
    for (int k = -2; k < reps_lat; k++) {
        if (sending) {
            double t0 = llmb_now_s();
            MPI_Send(small, 8, MPI_CHAR, p, LINK_TAG, comm);
            MPI_Recv(small, 8, MPI_CHAR, p, LINK_TAG, comm, MPI_STATUS_IGNORE);
            if (k >= 0)
                t[k] = llmb_now_s() - t0;
        } else {
            MPI_Recv(small, 8, MPI_CHAR, p, LINK_TAG, comm, MPI_STATUS_IGNORE);
            MPI_Send(small, 8, MPI_CHAR, p, LINK_TAG, comm);
        }
    }
    if (sending)
        *lat = 0.5 * median_of(t, (size_t)reps_lat);
    /* Verification (untimed, also the warm-up): the sender's values, checked by the receiver. */
    if (sending) {
        llmb_coll_fill(buf, count, me, 0, &d);
        MPI_Send(buf, (int)count, MPI_FLOAT, p, LINK_TAG, comm);
        MPI_Recv(small, 0, MPI_CHAR, p, LINK_TAG, comm, MPI_STATUS_IGNORE);
    } else {
        llmb_coll_poison(buf, count);
        MPI_Recv(buf, (int)count, MPI_FLOAT, p, LINK_TAG, comm, MPI_STATUS_IGNORE);
        d.corrupt = 0;
        *wrong += llmb_coll_check_values(buf, count, p, 0, &d);
        MPI_Send(small, 0, MPI_CHAR, p, LINK_TAG, comm);
    }
    /* Bandwidth: `bytes` one way, a zero-byte acknowledgement back. */
    for (int k = 0; k < reps_bw; k++) {
        if (sending) {
            double t0 = llmb_now_s();
            MPI_Send(buf, (int)count, MPI_FLOAT, p, LINK_TAG, comm);
            MPI_Recv(small, 0, MPI_CHAR, p, LINK_TAG, comm, MPI_STATUS_IGNORE);
            t[k] = llmb_now_s() - t0;
        } else {
            MPI_Recv(buf, (int)count, MPI_FLOAT, p, LINK_TAG, comm, MPI_STATUS_IGNORE);
            MPI_Send(small, 0, MPI_CHAR, p, LINK_TAG, comm);
        }
    }
    if (sending)
        *bw = llmb_algbw_gbs((double)bytes, median_of(t, (size_t)reps_bw));
    free(t);
}

static json_t *matrix_json(const double *x, int m)
{
    json_t *rows = json_array();
    for (int i = 0; i < m; i++) {
        json_t *row = json_array();
        for (int j = 0; j < m; j++)
            json_array_append_new(row, isnan(x[(size_t)i * m + j]) ? json_null() : json_real(x[(size_t)i * m + j]));
        json_array_append_new(rows, row);
    }
    return rows;
}

static json_t *link_matrix(struct phase *ph)
{
    struct llmb_ctx *ctx = ph->ctx;
    const struct llmb_options *opt = ph->opt;
    int node_level = ctx->nnodes > 1;
    int m = node_level ? ctx->nnodes : ctx->size;
    int rounds = llmb_round_robin_rounds(m);
    if (m < 2) {
        if (ctx->rank == 0)
            json_array_append_new(ph->skipped, json_pack("{s:s, s:s}", "group", "link_matrix", "reason",
                                                         "one rank: no pair to measure"));
        return json_null();
    }
    MPI_Comm comm = MPI_COMM_NULL;
    if (node_level) {
        if (ctx->leaders != MPI_COMM_NULL)
            MPI_Comm_dup(ctx->leaders, &comm);
    } else {
        MPI_Comm_dup(ctx->world, &comm);
    }
    size_t bytes = opt->size_max < LINK_MAX_BYTES ? opt->size_max : LINK_MAX_BYTES;
    bytes = bytes / sizeof(float) * sizeof(float);
    if (bytes < sizeof(float))
        bytes = sizeof(float);
    int reps_bw = opt->min_iters < 5 ? 5 : opt->min_iters > 50 ? 50 : opt->min_iters;
    int reps_lat = opt->min_iters < 20 ? 20 : opt->min_iters > 1000 ? 1000 : opt->min_iters;
    long long wrong = 0;
    double *bw = NULL, *lat = NULL;
    ph->point_seq++;
    if (comm != MPI_COMM_NULL) {
        int me;
        MPI_Comm_rank(comm, &me);
        double *row_bw = malloc((size_t)m * sizeof *row_bw), *row_lat = malloc((size_t)m * sizeof *row_lat);
        float *buf = malloc(bytes);
        if (!row_bw || !row_lat || !buf)
            llmb_abort(LLMB_EFAIL, "out of memory for the link matrix");
        for (int j = 0; j < m; j++)
            row_bw[j] = row_lat[j] = NAN;
        for (int t = 0; t < rounds; t++) {
            int p = llmb_round_robin_partner(t, me, m);
            MPI_Barrier(comm);
            if (p >= 0) {
                int first = me < p; /* the lower index sends first */
                link_direction(ph, comm, me, p, first, bytes, buf, reps_lat, reps_bw, &row_bw[p], &row_lat[p], &wrong);
                link_direction(ph, comm, me, p, !first, bytes, buf, reps_lat, reps_bw, &row_bw[p], &row_lat[p], &wrong);
            }
            ph->point++;
            char what[64];
            snprintf(what, sizeof what, "link matrix round %d/%d", t + 1, rounds);
            llmb_progress(ctx, "comm", ph->point, ph->npoints, what);
        }
        if (me == 0) {
            bw = malloc((size_t)m * m * sizeof *bw);
            lat = malloc((size_t)m * m * sizeof *lat);
            if (!bw || !lat)
                llmb_abort(LLMB_EFAIL, "out of memory");
        }
        MPI_Gather(row_bw, m, MPI_DOUBLE, bw, m, MPI_DOUBLE, 0, comm);
        MPI_Gather(row_lat, m, MPI_DOUBLE, lat, m, MPI_DOUBLE, 0, comm);
        free(row_bw);
        free(row_lat);
        free(buf);
        MPI_Comm_free(&comm);
    } else {
        ph->point += rounds;
    }
    long long wsum = 0;
    MPI_Allreduce(&wrong, &wsum, 1, MPI_LONG_LONG, MPI_SUM, ctx->world);
    ctx->wrong += wrong;
    ph->wrong_total += wsum;
    if (ctx->rank != 0)
        return NULL;
    json_t *names = json_array();
    for (int i = 0; i < m; i++) {
        char nm[LLMB_HOST_MAX + 16];
        if (node_level)
            snprintf(nm, sizeof nm, "%s", ctx->node_names[i]);
        else
            snprintf(nm, sizeof nm, "rank %d", i);
        json_array_append_new(names, json_string(nm));
    }
    json_t *o = json_pack("{s:s, s:o, s:I, s:o, s:o, s:i, s:i, s:i, s:I, s:s}", "level", node_level ? "node" : "rank",
                          "names", names, "bytes", (json_int_t)bytes, "bw_gbs", matrix_json(bw, m),
                          "lat_s", matrix_json(lat, m), "rounds", rounds, "reps_bw", reps_bw, "reps_lat", reps_lat,
                          "wrong", (json_int_t)wsum,
                          "method", "rounds of disjoint pairs (round-robin tournament); per pair and direction: "
                          "median of 8-byte ping-pong round trips / 2, and bytes / median time of one message "
                          "plus a zero-byte acknowledgement");
    /* Console: the bandwidth matrix. */
    llmb_say(ctx, "\n# link matrix (%s level, %s messages, GB/s, row sends to column)\n",
             node_level ? "node" : "rank", llmb_format_size(bytes, (char[32]){0}, 32));
    if (!opt->quiet && m <= 16) {
        for (int i = 0; i < m; i++) {
            llmb_say(ctx, "  %3d", i);
            for (int j = 0; j < m; j++)
                if (isnan(bw[(size_t)i * m + j]))
                    llmb_say(ctx, " %8s", "-");
                else
                    llmb_say(ctx, " %8.3f", bw[(size_t)i * m + j]);
            llmb_say(ctx, "\n");
        }
    }
    free(bw);
    free(lat);
    return o;
}

/* ---------------------------------------------------------------- the phase */

int llmb_phase_comm(struct llmb_ctx *ctx, json_t *out)
{
    const struct llmb_options *opt = ctx->opt;
    struct phase *ph = calloc(1, sizeof *ph);
    if (!ph)
        llmb_abort(LLMB_EFAIL, "out of memory");
    ph->ctx = ctx;
    ph->opt = opt;

    /* Test injection: rank 0's environment decides for everyone. */
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
    if (inj[0]) {
        free(ph);
        return LLMB_EINPUT;
    }
    ph->inj.delay_rank = inj[1];
    ph->inj.delay_us = inj[2];
    ph->inj.corrupt_rank = inj[3];

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
    int m_link = ctx->nnodes > 1 ? ctx->nnodes : ctx->size;
    if (opt->link_matrix)
        ph->npoints += llmb_round_robin_rounds(m_link);

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
    json_t *lm = NULL;
    if (opt->link_matrix) {
        lm = link_matrix(ph);
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
        json_object_set_new(out, "timing", json_pack("{s:s, s:i, s:i, s:i, s:f, s:i, s:s, s:s, s:s, s:i, s:o}",
            "mode", "barrier-separated", "warmup", opt->warmup, "min_iters", opt->min_iters,
            "max_iters", COMM_MAX_ITERS, "time_per_point_s", opt->time_per_point_s,
            "verify_iters", COMM_VERIFY_ITERS, "size_convention", size_convention,
            "type", "float", "clock_source", "CLOCK_MONOTONIC + per-rank offset to rank 0",
            "samples_budget", COMM_SAMPLE_BUDGET,
            "injection", ph->inj.delay_rank >= 0 || ph->inj.corrupt_rank >= 0
                ? json_pack("{s:i, s:I, s:i}", "delay_rank", ph->inj.delay_rank, "delay_us",
                            (json_int_t)ph->inj.delay_us, "corrupt_rank", ph->inj.corrupt_rank)
                : json_null()));
        json_object_set_new(out, "sweeps", ph->sweeps);
        json_object_set_new(out, "skipped", ph->skipped);
        json_object_set_new(out, "link_matrix", lm);
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
