/* bench/buckets.c - gradient buckets (buckets.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "buckets.h"
#include "error.h"

int llmb_buckets_cut(struct llmb_buckets *bk, size_t nparams, size_t bucket_bytes, int sharded,
                     int n, int rank)
{
    size_t bf = bucket_bytes / sizeof(float);
    bf = bf < 1 ? 1 : bf > LLMB_BUCKET_MAX_FLOATS ? LLMB_BUCKET_MAX_FLOATS : bf;
    memset(bk, 0, sizeof *bk);
    bk->nb = (int)((nparams + bf - 1) / bf);
    bk->b = calloc((size_t)(bk->nb > 0 ? bk->nb : 1), sizeof *bk->b);
    if (!bk->b)
        return llmb_error("out of memory for %d gradient buckets", bk->nb);
    size_t hi = nparams;
    for (int i = 0; i < bk->nb; i++) {
        struct llmb_bucket *b = &bk->b[i];
        b->off = hi > bf ? hi - bf : 0;
        b->count = hi - b->off;
        hi = b->off;
        if (!sharded)
            continue;
        b->counts = malloc((size_t)n * sizeof *b->counts);
        b->displs = malloc((size_t)n * sizeof *b->displs);
        if (!b->counts || !b->displs) {
            llmb_buckets_free(bk);
            return llmb_error("out of memory for %d gradient buckets", bk->nb);
        }
        size_t base = b->count / (size_t)n, rem = b->count % (size_t)n, d = 0;
        for (int r = 0; r < n; r++) {
            b->counts[r] = (int)(base + ((size_t)r < rem));
            b->displs[r] = (int)d;
            d += (size_t)b->counts[r];
        }
        b->shard_off = bk->shard_n;
        bk->shard_n += (size_t)b->counts[rank];
    }
    return 0;
}

void llmb_buckets_free(struct llmb_buckets *bk)
{
    for (int i = 0; bk->b && i < bk->nb; i++) {
        free(bk->b[i].counts);
        free(bk->b[i].displs);
    }
    free(bk->b);
    memset(bk, 0, sizeof *bk);
}

void llmb_bucket_reduce_args(const struct llmb_buckets *bk, int i, int sharded, int rank,
                             float *buf, float *shard, struct llmb_coll_args *a)
{
    const struct llmb_bucket *b = &bk->b[i];
    memset(a, 0, sizeof *a);
    a->send = buf + b->off;
    a->send_elems = b->count;
    if (sharded) {
        a->recv = shard + b->shard_off;
        a->recv_elems = (size_t)b->counts[rank];
        a->counts = b->counts;
        a->displs = b->displs;
    } else {
        a->recv = buf + b->off;
        a->recv_elems = b->count;
        a->in_place = 1;
    }
}

void llmb_bucket_gather_args(const struct llmb_buckets *bk, int i, int rank, float *buf,
                             struct llmb_coll_args *a)
{
    const struct llmb_bucket *b = &bk->b[i];
    memset(a, 0, sizeof *a);
    a->recv = buf + b->off;
    a->recv_elems = b->count;
    a->send_elems = (size_t)b->counts[rank];
    a->in_place = 1;
    a->counts = b->counts;
    a->displs = b->displs;
}

void llmb_buckets_unshard(const struct llmb_buckets *bk, const struct llmb_kernels *k, int rank,
                          float *buf, const float *shard)
{
    for (int i = 0; i < bk->nb; i++) {
        const struct llmb_bucket *b = &bk->b[i];
        k->copy(buf + b->off + (size_t)b->displs[rank], shard + b->shard_off,
                (size_t)b->counts[rank]);
    }
}

static float check_value(size_t i, int r) { return (float)((i * 7 + (size_t)r * 3) % 13); }

struct check_walk {
    int rank, n;
    long long wrong;
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

int llmb_buckets_fill(const struct llmb_kernels *k, float *buf, size_t n, int rank)
{
    struct check_walk w = {.rank = rank};
    return llmb_staged_walk(k, buf, n, 1, fill_chunk, &w);
}

long long llmb_buckets_wrong(const struct llmb_kernels *k, const float *buf, size_t n,
                             int nranks)
{
    struct check_walk w = {.n = nranks};
    if (llmb_staged_walk(k, (float *)buf, n, 0, check_chunk, &w) != 0)
        return (long long)n;
    return w.wrong;
}
