/* bench/train_comm.c - the train phase's gradient buckets and their collectives (through the
 * registry of the run's backend, coll/coll.h), and the backend memory of the model seen from
 * the host in chunks (verification, checksums, dumps).  See bench/phase_train.c. */
#include "config.h"

#include <math.h>
#include <stdio.h>

#include "error.h"
#include "stats.h"
#include "train.h"

static double now_s(void) { return llmb_now_s(); }

/* ---- buckets and collectives ---- */

int llmb_train_make_buckets(struct train *t, size_t bucket_bytes)
{
    if (llmb_buckets_cut(&t->bk, t->g.num_params, bucket_bytes, t->zero, t->n, t->rank) != 0)
        return -1;
    t->b = t->bk.b;
    t->nb = t->bk.nb;
    t->req = malloc((size_t)t->nb * sizeof *t->req);
    t->ncoll = t->zero ? 2 * t->nb : t->nb;
    t->arrive = calloc((size_t)t->ncoll, sizeof *t->arrive);
    t->bstart = calloc((size_t)t->ncoll, sizeof *t->bstart);
    t->bdone = calloc((size_t)t->ncoll, sizeof *t->bdone);
    if (!t->req || !t->arrive || !t->bstart || !t->bdone)
        return llmb_error("train: out of memory for %d buckets", t->nb);
    for (int i = 0; i < t->nb; i++)
        llmb_coll_req_init(&t->req[i]);
    if (t->zero) {
        t->shard = t->k->alloc((t->bk.shard_n ? t->bk.shard_n : 1) * sizeof(float));
        if (!t->shard)
            return llmb_error("train: out of memory for the gradient shard (%zu floats)",
                              t->bk.shard_n);
    }
    return 0;
}

/* zero: this rank updates its chunk of every bucket; keep AdamW moments for those only. */
int llmb_train_set_shard(struct train *t)
{
    struct llmb_gpt_range *r = malloc((size_t)t->nb * sizeof *r);
    if (!r)
        return llmb_error("train: out of memory for %d shard ranges", t->nb);
    for (int i = 0; i < t->nb; i++) {
        const struct llmb_bucket *b = &t->b[i];
        r[i].offset = b->off + (size_t)b->displs[t->rank];
        r[i].count = (size_t)b->counts[t->rank];
    }
    int rc = llmb_gpt_set_shard(&t->g, r, t->nb);
    free(r);
    return rc;
}

void llmb_train_free_buckets(struct train *t)
{
    llmb_buckets_free(&t->bk);
    free(t->req);
    free(t->arrive);
    free(t->bstart);
    free(t->bdone);
    if (t->shard)
        t->k->free(t->shard);
}

static void coll_failed(const struct train *t, const struct llmb_coll_impl *im, int rc)
{
    llmb_abort(LLMB_EFAIL, "train: %s %s failed (error %d)", t->be->coll->name,
               llmb_coll_name(im->coll), rc);
}

/* Start bucket i's gradient reduction on buf (the gradient buffer, or a scratch copy). */
static void reduce_start(struct train *t, int i, float *buf)
{
    struct llmb_coll_args a;
    llmb_bucket_reduce_args(&t->bk, i, t->zero, t->rank, buf, t->shard, &a);
    t->arrive[i] = llmb_clock_now(&t->clock);
    t->bstart[i] = now_s() - t->step_t0;
    llmb_coll_req_init(&t->req[i]);
    int rc = t->reduce->start(&a, &t->cc, &t->req[i]);
    if (rc)
        coll_failed(t, t->reduce, rc);
}

/* Completion times of the requests first seen complete (offset: 0 for the reductions, nb for
 * the allgathers). */
static void stamp_done(struct train *t, int n, int offset)
{
    double now = now_s() - t->step_t0;
    for (int i = 0; i < n; i++)
        if (t->req[i].done && t->bdone[offset + i] < 0)
            t->bdone[offset + i] = now;
}

/* Wait for the requests one by one, in order, noting when each completes. */
static void wait_all(struct train *t, const struct llmb_coll_impl *im, int offset)
{
    for (int i = 0; i < t->nb; i++) {
        int rc = t->be->coll->wait(&t->req[i], 1);
        if (rc)
            coll_failed(t, im, rc);
        stamp_done(t, i + 1, offset);
    }
}

/* Start every bucket not started yet, in order, and wait for all of them. */
void llmb_train_reduce_finish(struct train *t, float *buf)
{
    while (t->started < t->nb)
        reduce_start(t, t->started++, buf);
    wait_all(t, t->reduce, 0);
}

/* zero: allgather every bucket's chunks of buf (in place), wait for all. */
void llmb_train_allgather_all(struct train *t, float *buf)
{
    for (int i = 0; i < t->nb; i++) {
        struct llmb_coll_args a;
        llmb_bucket_gather_args(&t->bk, i, t->rank, buf, &a);
        t->arrive[t->nb + i] = llmb_clock_now(&t->clock);
        t->bstart[t->nb + i] = now_s() - t->step_t0;
        llmb_coll_req_init(&t->req[i]);
        int rc = t->gather->start(&a, &t->cc, &t->req[i]);
        if (rc)
            coll_failed(t, t->gather, rc);
    }
    wait_all(t, t->gather, t->nb);
}

/* The grad-ready callback: gradients [off, off + count) are final. */
void llmb_train_on_grad_ready(void *arg, size_t off, size_t count)
{
    struct train *t = arg;
    if (off + count != t->ready_lo)
        t->order_bad = 1;
    if (off < t->ready_lo)
        t->ready_lo = off;
    if (!t->reducing)
        return;
    double t0 = now_s();
    while (t->started < t->nb && t->b[t->started].off >= t->ready_lo) {
        reduce_start(t, t->started, t->g.grads);
        t->started++;
    }
    if (t->started > 0) { /* progress for everything in flight */
        int done, rc = t->be->coll->test(t->req, t->started, &done);
        if (rc)
            coll_failed(t, t->reduce, rc);
        stamp_done(t, t->started, 0);
    }
    double dt = now_s() - t0;
    t->comm_s += dt;
    t->comm_cb_s += dt;
}

/* ---- backend memory seen from the host, in chunks ---- */

struct host_walk {
    double sum2;    /* params_l2 */
    FILE *f;        /* dump_params */
    size_t written;
};

static void l2_chunk(void *arg, float *x, size_t first, size_t count)
{
    struct host_walk *w = arg;
    for (size_t i = 0; i < count; i++)
        w->sum2 += (double)x[i] * x[i];
}

static void dump_chunk(void *arg, float *x, size_t first, size_t count)
{
    struct host_walk *w = arg;
    w->written += fwrite(x, sizeof(float), count, w->f);
}

/* Untimed check of the reduction path on integer-valued data (exact in any order): the
 * gradient buffer gets value(i, rank); after the bucketed reduction (and, for zero, the
 * allgather of the reduced chunks) every element must equal the sum over ranks.  Returns the
 * number of wrong elements on this rank (staging out of memory: all of them). */
long long llmb_train_verify_reduction(struct train *t)
{
    struct llmb_gpt *g = &t->g;
    if (llmb_buckets_fill(t->k, g->grads, g->num_params, t->rank) != 0)
        return (long long)g->num_params;
    t->started = 0;
    llmb_train_reduce_finish(t, g->grads);
    if (t->zero) {
        llmb_buckets_unshard(&t->bk, t->k, t->rank, g->grads, t->shard);
        llmb_train_allgather_all(t, g->grads);
    }
    long long wrong = llmb_buckets_wrong(t->k, g->grads, g->num_params, t->n);
    llmb_gpt_zero_grad(g);
    return wrong;
}

/* Standalone communication of one step (no compute): barrier, then the step's collectives on
 * the (scratch) gradient buffer; the slowest rank's time, median of reps. */
double llmb_train_comm_alone_s(struct train *t, int reps)
{
    double *v = malloc((size_t)reps * sizeof *v), med;
    if (!v)
        return 0;
    for (int k = 0; k < reps; k++) {
        MPI_Barrier(t->comm);
        double t0 = now_s();
        t->started = 0;
        llmb_train_reduce_finish(t, t->g.grads);
        if (t->zero)
            llmb_train_allgather_all(t, t->g.grads);
        double dt = now_s() - t0;
        MPI_Allreduce(&dt, &v[k], 1, MPI_DOUBLE, MPI_MAX, t->comm);
    }
    med = llmb_percentile(v, (size_t)reps, 0.5);
    free(v);
    return med;
}

double llmb_train_params_l2(const struct llmb_gpt *g)
{
    struct host_walk w = {0};
    if (llmb_staged_walk(g->k, g->params, g->num_params, 0, l2_chunk, &w) != 0)
        return NAN;
    return sqrt(w.sum2);
}

int llmb_train_dump_params(const struct llmb_gpt *g, const char *path)
{
    struct host_walk w = {.f = fopen(path, "wb")};
    if (!w.f)
        return llmb_error("train: cannot write %s", path);
    int rc = llmb_staged_walk(g->k, g->params, g->num_params, 0, dump_chunk, &w);
    if (fclose(w.f) != 0 || rc != 0 || w.written != g->num_params)
        return llmb_error("train: short write to %s", path);
    return 0;
}

/* Test-only (LLMBENCH_TEST_CORRUPT_RANK): change one parameter, so the replica check fires. */
void llmb_train_corrupt_one_param(struct llmb_gpt *g)
{
    float v;
    size_t i = g->num_params / 2;
    g->k->to_host(&v, g->params + i, sizeof v);
    v += 1e-3f;
    g->k->to_device(g->params + i, &v, sizeof v);
}
