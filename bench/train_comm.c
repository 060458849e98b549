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
    size_t np = t->g.num_params, bf = bucket_bytes / sizeof(float);
    if (bf < 1)
        bf = 1;
    if (bf > MAX_BUCKET_FLOATS)
        bf = MAX_BUCKET_FLOATS;
    t->nb = (int)((np + bf - 1) / bf);
    t->b = calloc((size_t)t->nb, sizeof *t->b);
    t->req = malloc((size_t)t->nb * sizeof *t->req);
    t->ncoll = t->zero ? 2 * t->nb : t->nb;
    t->arrive = calloc((size_t)t->ncoll, sizeof *t->arrive);
    if (!t->b || !t->req || !t->arrive)
        return llmb_error("train: out of memory for %d buckets", t->nb);
    size_t hi = np;
    for (int i = 0; i < t->nb; i++) {
        struct bucket *b = &t->b[i];
        b->off = hi > bf ? hi - bf : 0;
        b->count = hi - b->off;
        hi = b->off;
        llmb_coll_req_init(&t->req[i]);
        if (!t->zero)
            continue;
        b->counts = malloc((size_t)t->n * sizeof *b->counts);
        b->displs = malloc((size_t)t->n * sizeof *b->displs);
        if (!b->counts || !b->displs)
            return llmb_error("train: out of memory for %d buckets", t->nb);
        size_t base = b->count / (size_t)t->n, rem = b->count % (size_t)t->n, d = 0;
        for (int r = 0; r < t->n; r++) {
            b->counts[r] = (int)(base + ((size_t)r < rem));
            b->displs[r] = (int)d;
            d += (size_t)b->counts[r];
        }
        b->shard_off = t->shard_n;
        t->shard_n += (size_t)b->counts[t->rank];
    }
    if (t->zero) {
        t->shard = t->k->alloc((t->shard_n ? t->shard_n : 1) * sizeof(float));
        if (!t->shard)
            return llmb_error("train: out of memory for the gradient shard (%zu floats)",
                              t->shard_n);
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
        const struct bucket *b = &t->b[i];
        r[i].offset = b->off + (size_t)b->displs[t->rank];
        r[i].count = (size_t)b->counts[t->rank];
    }
    int rc = llmb_gpt_set_shard(&t->g, r, t->nb);
    free(r);
    return rc;
}

void llmb_train_free_buckets(struct train *t)
{
    for (int i = 0; t->b && i < t->nb; i++) {
        free(t->b[i].counts);
        free(t->b[i].displs);
    }
    free(t->b);
    free(t->req);
    free(t->arrive);
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
    struct bucket *b = &t->b[i];
    struct llmb_coll_args a = {.send = buf + b->off, .send_elems = b->count};
    if (t->zero) {
        a.recv = t->shard + b->shard_off;
        a.recv_elems = (size_t)b->counts[t->rank];
        a.counts = b->counts;
        a.displs = b->displs;
    } else {
        a.recv = buf + b->off;
        a.recv_elems = b->count;
        a.in_place = 1;
    }
    t->arrive[i] = llmb_clock_now(&t->clock);
    int rc = t->reduce->start(&a, &t->cc, &t->req[i]);
    if (rc)
        coll_failed(t, t->reduce, rc);
}

static void wait_all(struct train *t, const struct llmb_coll_impl *im)
{
    int rc = t->be->coll->wait(t->req, t->nb);
    if (rc)
        coll_failed(t, im, rc);
}

/* Start every bucket not started yet, in order, and wait for all of them. */
void llmb_train_reduce_finish(struct train *t, float *buf)
{
    while (t->started < t->nb)
        reduce_start(t, t->started++, buf);
    wait_all(t, t->reduce);
}

/* zero: allgather every bucket's chunks of buf (in place), wait for all. */
void llmb_train_allgather_all(struct train *t, float *buf)
{
    for (int i = 0; i < t->nb; i++) {
        struct bucket *b = &t->b[i];
        struct llmb_coll_args a = {.recv = buf + b->off, .recv_elems = b->count,
                                   .send_elems = (size_t)b->counts[t->rank], .in_place = 1,
                                   .counts = b->counts, .displs = b->displs};
        t->arrive[t->nb + i] = llmb_clock_now(&t->clock);
        int rc = t->gather->start(&a, &t->cc, &t->req[i]);
        if (rc)
            coll_failed(t, t->gather, rc);
    }
    wait_all(t, t->gather);
}

/* zero: this rank's reduced chunk of every bucket, from the shard into buf (the gradients). */
void llmb_train_unshard(struct train *t, float *buf)
{
    for (int i = 0; i < t->nb; i++) {
        struct bucket *b = &t->b[i];
        t->k->copy(buf + b->off + (size_t)b->displs[t->rank], t->shard + b->shard_off,
                   (size_t)b->counts[t->rank]);
    }
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
    }
    double dt = now_s() - t0;
    t->comm_s += dt;
    t->comm_cb_s += dt;
}

/* ---- backend memory seen from the host, in chunks ---- */

/* Call fn on x[0..n) (backend memory) one host chunk at a time: fn(arg, chunk, first, count).
 * write: the chunk is copied back after fn (fn fills it); else it is only read.  Returns 0, or
 * -1 when the staging chunk cannot be allocated. */
static int staged_walk(const struct llmb_kernels *k, float *x, size_t n, int write,
                       void (*fn)(void *arg, float *chunk, size_t first, size_t count), void *arg)
{
    size_t cap = n < STAGE_FLOATS ? (n ? n : 1) : STAGE_FLOATS;
    float *h = malloc(cap * sizeof *h);
    if (!h)
        return llmb_error("train: out of memory for a %zu-float staging buffer", cap);
    for (size_t i = 0; i < n; i += cap) {
        size_t c = n - i < cap ? n - i : cap;
        if (!write)
            k->to_host(h, x + i, c * sizeof *h);
        fn(arg, h, i, c);
        if (write)
            k->to_device(x + i, h, c * sizeof *h);
    }
    free(h);
    return 0;
}

/* The verification data: rank r's element i, small integers (exact sums in any order). */
static float check_value(size_t i, int r) { return (float)((i * 7 + (size_t)r * 3) % 13); }

struct check_walk {
    int rank, n;
    long long wrong;
    double sum2;    /* params_l2 */
    FILE *f;        /* dump_params */
    size_t written;
};

static void fill_chunk(void *arg, float *x, size_t first, size_t count)
{
    struct check_walk *w = arg;
    for (size_t i = 0; i < count; i++)
        x[i] = check_value(first + i, w->rank);
}

static void check_chunk(void *arg, float *x, size_t first, size_t count)
{
    struct check_walk *w = arg;
    for (size_t i = 0; i < count; i++) {
        float want = 0;
        for (int r = 0; r < w->n; r++)
            want += check_value(first + i, r);
        w->wrong += x[i] != want; /* NaN counts as wrong */
    }
}

static void l2_chunk(void *arg, float *x, size_t first, size_t count)
{
    struct check_walk *w = arg;
    for (size_t i = 0; i < count; i++)
        w->sum2 += (double)x[i] * x[i];
}

static void dump_chunk(void *arg, float *x, size_t first, size_t count)
{
    struct check_walk *w = arg;
    w->written += fwrite(x, sizeof(float), count, w->f);
}

/* Untimed check of the reduction path on integer-valued data (exact in any order): the
 * gradient buffer gets value(i, rank); after the bucketed reduction (and, for zero, the
 * allgather of the reduced chunks) every element must equal the sum over ranks.  Returns the
 * number of wrong elements on this rank (staging out of memory: all of them). */
long long llmb_train_verify_reduction(struct train *t)
{
    struct llmb_gpt *g = &t->g;
    struct check_walk w = {.rank = t->rank, .n = t->n};
    if (staged_walk(t->k, g->grads, g->num_params, 1, fill_chunk, &w) != 0)
        return (long long)g->num_params;
    t->started = 0;
    llmb_train_reduce_finish(t, g->grads);
    if (t->zero) {
        llmb_train_unshard(t, g->grads);
        llmb_train_allgather_all(t, g->grads);
    }
    if (staged_walk(t->k, g->grads, g->num_params, 0, check_chunk, &w) != 0)
        w.wrong = (long long)g->num_params;
    llmb_gpt_zero_grad(g);
    return w.wrong;
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
    struct check_walk w = {0};
    if (staged_walk(g->k, g->params, g->num_params, 0, l2_chunk, &w) != 0)
        return NAN;
    return sqrt(w.sum2);
}

int llmb_train_dump_params(const struct llmb_gpt *g, const char *path)
{
    struct check_walk w = {.f = fopen(path, "wb")};
    if (!w.f)
        return llmb_error("train: cannot write %s", path);
    int rc = staged_walk(g->k, g->params, g->num_params, 0, dump_chunk, &w);
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
