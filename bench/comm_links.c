/* bench/comm_links.c - the comm phase's node-pair link matrix: every pair of nodes (of ranks
 * on one node: at most LLMB_LINK_RANKS of them, evenly spaced) measured alone, in round-robin
 * rounds of disjoint pairs, with MPI point-to-point on host memory: it measures the fabric
 * between hosts, whatever the backend.  Bandwidth and latency each way, verified.  The rounds
 * are O(nodes) (n - 1 or n), never O(ranks): with several nodes one rank per node takes part.
 * The rounds are played in --link-passes passes, each in another order, and per pair and
 * direction the best pass is kept: a stall of both ranks of a pair (the scheduler, not the
 * link) during one pass does not make the link look slow.  Method: doc/methodology.md. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "comm.h"
#include "error.h"
#include "stats.h"
#include "util.h"

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
        *lat = 0.5 * llmb_percentile(t, (size_t)reps_lat, 0.5);
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
        *bw = llmb_algbw_gbs((double)bytes, llmb_percentile(t, (size_t)reps_bw, 0.5));
    free(t);
}

/* The tournament round that pass q of n plays in its slot s of r rounds: even passes forward,
 * odd ones backward, pass q starting q r / n rounds further on.  With two passes a pair's two
 * measurements are at least about r / 2 rounds apart. */
static int pass_round(int q, int n, int s, int r)
{
    int off = (int)((long long)q * r / n);
    return ((q % 2 ? r - 1 - s : s) + off) % r;
}

/* The members' labels in the tournament of pass q (lab[member], inv[label], m each): sigma^q,
 * sigma(x) = (x xor 1, or x for the last of an odd m) + 1 mod m.  Pass 0 is the identity; the
 * next pass's rounds group the pairs otherwise (for m >= 5 at most about half of the pairs
 * that ran beside a pair in one pass run beside it in the next), so a pair does not meet the
 * same concurrent pairs, e.g. the one of a slow link, in every pass. */
static void pass_labels(int q, int m, int *lab, int *inv)
{
    for (int i = 0; i < m; i++) {
        int x = i;
        for (int k = 0; k < q; k++)
            x = (((x ^ 1) < m ? x ^ 1 : x) + 1) % m;
        lab[i] = x;
        inv[x] = i;
    }
}

/* An m x m matrix, row i at x + i * stride; NaN as null. */
static json_t *matrix_json(const double *x, int m, size_t stride)
{
    json_t *rows = json_array();
    for (int i = 0; i < m; i++) {
        json_t *row = json_array();
        for (int j = 0; j < m; j++)
            json_array_append_new(row, isnan(x[i * stride + j]) ? json_null() : json_real(x[i * stride + j]));
        json_array_append_new(rows, row);
    }
    return rows;
}

int llmb_link_members(const struct llmb_ctx *ctx)
{
    if (ctx->nnodes > 1)
        return ctx->nnodes;
    return ctx->size < LLMB_LINK_RANKS ? ctx->size : LLMB_LINK_RANKS;
}

/* Member k of a rank-level matrix of m members among size ranks: world rank k * size / m
 * (rank 0 first, evenly spaced). */
static int sampled_rank(int k, int m, int size) { return (int)((long long)k * size / m); }

/* This world rank's index in the rank-level sample, or -1. */
static int sample_index(int rank, int m, int size)
{
    int k = (int)(((long long)rank * m + size - 1) / size); /* the least k with k*size/m >= rank */
    return k < m && sampled_rank(k, m, size) == rank ? k : -1;
}

json_t *llmb_comm_link_matrix(struct phase *ph)
{
    struct llmb_ctx *ctx = ph->ctx;
    const struct llmb_options *opt = ph->opt;
    int node_level = ctx->nnodes > 1;
    int m = llmb_link_members(ctx);
    int rounds = llmb_round_robin_rounds(m), passes = opt->link_passes;
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
    } else { /* one node: a sample of at most LLMB_LINK_RANKS ranks, in world order */
        int k = sample_index(ctx->rank, m, ctx->size);
        MPI_Comm_split(ctx->world, k >= 0 ? 0 : MPI_UNDEFINED, k, &comm);
    }
    size_t bytes = opt->size_max < LINK_MAX_BYTES ? opt->size_max : LINK_MAX_BYTES;
    bytes = bytes / sizeof(float) * sizeof(float);
    if (bytes < sizeof(float))
        bytes = sizeof(float);
    int reps_bw = opt->min_iters < 5 ? 5 : opt->min_iters > 50 ? 50 : opt->min_iters;
    int reps_lat = opt->min_iters < 20 ? 20 : opt->min_iters > 1000 ? 1000 : opt->min_iters;
    long long wrong = 0;
    /* on rank 0: all_bw[(i * passes + q) * m + j], i -> j in pass q; then the best of the passes */
    double *all_bw = NULL, *all_lat = NULL, *pass_s = NULL;
    ph->point_seq++;
    if (comm != MPI_COMM_NULL) {
        int me;
        MPI_Comm_rank(comm, &me);
        size_t row = (size_t)passes * m; /* this rank's rows, one per pass */
        double *row_bw = malloc(row * sizeof *row_bw), *row_lat = malloc(row * sizeof *row_lat);
        pass_s = malloc((size_t)passes * sizeof *pass_s);
        float *buf = malloc(bytes);
        int *lab = malloc((size_t)m * sizeof *lab), *inv = malloc((size_t)m * sizeof *inv);
        if (!row_bw || !row_lat || !pass_s || !buf || !lab || !inv)
            llmb_abort(LLMB_EFAIL, "out of memory for the link matrix");
        for (size_t j = 0; j < row; j++)
            row_bw[j] = row_lat[j] = NAN;
        for (int q = 0; q < passes; q++) {
            double *pbw = row_bw + (size_t)q * m, *plat = row_lat + (size_t)q * m;
            pass_labels(q, m, lab, inv);
            MPI_Barrier(comm);
            double t0 = llmb_now_s();
            for (int s = 0; s < rounds; s++) {
                int pl = llmb_round_robin_partner(pass_round(q, passes, s, rounds), lab[me], m);
                int p = pl >= 0 ? inv[pl] : -1;
                if (s > 0)
                    MPI_Barrier(comm);
                if (p >= 0) {
                    int first = me < p; /* the lower index sends first */
                    link_direction(ph, comm, me, p, first, bytes, buf, reps_lat, reps_bw, &pbw[p], &plat[p], &wrong);
                    link_direction(ph, comm, me, p, !first, bytes, buf, reps_lat, reps_bw, &pbw[p], &plat[p], &wrong);
                }
                ph->point++;
                char what[96];
                snprintf(what, sizeof what, "link matrix pass %d/%d round %d/%d", q + 1, passes, s + 1, rounds);
                llmb_progress(ctx, "comm", ph->point, ph->npoints, what);
            }
            MPI_Barrier(comm);
            pass_s[q] = llmb_now_s() - t0;
        }
        if (me == 0) {
            all_bw = malloc(row * m * sizeof *all_bw);
            all_lat = malloc(row * m * sizeof *all_lat);
            if (!all_bw || !all_lat)
                llmb_abort(LLMB_EFAIL, "out of memory");
        }
        MPI_Gather(row_bw, (int)row, MPI_DOUBLE, all_bw, (int)row, MPI_DOUBLE, 0, comm);
        MPI_Gather(row_lat, (int)row, MPI_DOUBLE, all_lat, (int)row, MPI_DOUBLE, 0, comm);
        free(row_bw);
        free(row_lat);
        free(buf);
        free(lab);
        free(inv);
        MPI_Comm_free(&comm);
    } else { /* not in the matrix: its points pass at once (heartbeats stay in step) */
        for (int t = 0; t < passes * rounds; t++)
            llmb_progress(ctx, "comm", ++ph->point, ph->npoints, "link matrix");
    }
    long long wsum = 0;
    MPI_Allreduce(&wrong, &wsum, 1, MPI_LONG_LONG, MPI_SUM, ctx->world);
    ctx->wrong += wrong;
    ph->wrong_total += wsum;
    if (ctx->rank != 0) {
        free(pass_s);
        return NULL;
    }
    json_t *names = json_array();
    for (int i = 0; i < m; i++) {
        char nm[LLMB_HOST_MAX + 16];
        if (node_level)
            snprintf(nm, sizeof nm, "%s", ctx->node_names[i]);
        else
            snprintf(nm, sizeof nm, "rank %d", sampled_rank(i, m, ctx->size));
        json_array_append_new(names, json_string(nm));
    }
    /* the best of the passes per pair and direction, and each pass as measured */
    size_t stride = (size_t)passes * m;
    double *bw = malloc((size_t)m * m * sizeof *bw), *lat = malloc((size_t)m * m * sizeof *lat);
    if (!bw || !lat)
        llmb_abort(LLMB_EFAIL, "out of memory");
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++) {
            bw[(size_t)i * m + j] = llmb_best_of(all_bw + i * stride + j, (size_t)passes, (size_t)m, 1);
            lat[(size_t)i * m + j] = llmb_best_of(all_lat + i * stride + j, (size_t)passes, (size_t)m, 0);
        }
    json_t *pbw = json_array(), *plat = json_array(), *ps = json_array();
    for (int q = 0; q < passes; q++) {
        json_array_append_new(pbw, matrix_json(all_bw + (size_t)q * m, m, stride));
        json_array_append_new(plat, matrix_json(all_lat + (size_t)q * m, m, stride));
        json_array_append_new(ps, json_real(pass_s[q]));
    }
    json_t *o = json_pack("{s:s, s:o, s:I, s:o, s:o, s:i, s:i, s:o, s:o, s:o, s:i, s:i, s:I, s:s}", "level",
                          node_level ? "node" : "rank", "names", names, "bytes", (json_int_t)bytes, "bw_gbs",
                          matrix_json(bw, m, (size_t)m), "lat_s", matrix_json(lat, m, (size_t)m), "rounds", rounds,
                          "passes", passes, "pass_bw_gbs", pbw, "pass_lat_s", plat, "pass_s", ps, "reps_bw", reps_bw,
                          "reps_lat", reps_lat, "wrong", (json_int_t)wsum,
                          "method", "rounds of disjoint pairs (round-robin tournament) of the nodes' first ranks, or on "
                          "one node of at most 16 evenly spaced ranks, played in passes (the members relabelled each "
                          "pass so that other pairs run together; even passes forward, odd ones backward, pass q "
                          "starting q rounds / passes further on); per pair, direction and "
                          "pass: median of 8-byte ping-pong round trips / 2, and bytes / median time of one message "
                          "plus a zero-byte acknowledgement; bw_gbs and lat_s: the best pass (highest bandwidth, "
                          "lowest latency)");
    /* Console: the bandwidth matrix. */
    llmb_say(ctx, "\n# link matrix (%s level, %s messages, GB/s, row sends to column; best of %d pass%s:",
             node_level ? "node" : "rank", llmb_format_size(bytes, (char[32]){0}, 32), passes, passes > 1 ? "es" : "");
    for (int q = 0; q < passes; q++)
        llmb_say(ctx, " %.3f s", pass_s[q]);
    llmb_say(ctx, ")\n");
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
    free(all_bw);
    free(all_lat);
    free(pass_s);
    return o;
}

