/* bench/buckets.h - gradient buckets as data-parallel training cuts them, shared by the train
 * phase (which reduces them) and the comm phase (which measures the same collectives on the
 * same sizes, issued the same way).
 *
 * A bucket is a contiguous slice of the flat gradient buffer, cut from its end (the backward
 * pass finishes gradients from the end of the buffer), of bucket_bytes at most.  Sharded
 * (ZeRO-style) training reduce-scatters each bucket: rank r owns a chunk of counts[r] floats
 * at displs[r] of the bucket; chunk sizes differ by at most one float. */
#ifndef LLMB_BUCKETS_H
#define LLMB_BUCKETS_H

#include <stddef.h>

#include "coll/coll.h"
#include "kernels/kernels.h"

#define LLMB_BUCKET_MAX_FLOATS ((size_t)1 << 30) /* MPI counts are int */

struct llmb_bucket {
    size_t off, count;       /* floats of the gradient (and parameter) buffer */
    int *counts, *displs;    /* sharded: [n] chunk of each rank, displacement relative to off */
    size_t shard_off;        /* sharded: this rank's chunk in the shard buffer */
};

struct llmb_buckets {
    struct llmb_bucket *b;   /* b[0] holds the end of the buffer (ready first) */
    int nb;
    size_t shard_n;          /* sharded: floats of this rank's chunks of every bucket */
};

/* Cut nparams floats into buckets of at most bucket_bytes (at least one float, at most
 * LLMB_BUCKET_MAX_FLOATS); sharded: with every rank's chunk for n ranks, this being `rank`.
 * 0, or -1 (message printed) out of memory. */
int llmb_buckets_cut(struct llmb_buckets *bk, size_t nparams, size_t bucket_bytes, int sharded,
                     int n, int rank);
void llmb_buckets_free(struct llmb_buckets *bk);

/* The arguments of bucket i's reduction on buf (the whole gradient buffer): an allreduce in
 * place, or sharded a reduce-scatter into this rank's chunk of shard; and of its allgather of
 * the chunks back into buf, in place (sharded only). */
void llmb_bucket_reduce_args(const struct llmb_buckets *bk, int i, int sharded, int rank,
                             float *buf, float *shard, struct llmb_coll_args *a);
void llmb_bucket_gather_args(const struct llmb_buckets *bk, int i, int rank, float *buf,
                             struct llmb_coll_args *a);

/* Sharded: this rank's reduced chunk of every bucket, from shard back into its place in buf
 * (both backend memory of k). */
void llmb_buckets_unshard(const struct llmb_buckets *bk, const struct llmb_kernels *k, int rank,
                          float *buf, const float *shard);

/* The verification data of a reduction (exact in any order): rank r's element i is a small
 * integer.  Fill n floats of backend memory buf with this rank's values: 0, or -1 out of
 * memory.  Count the elements of buf that are not the sum over nranks ranks (all of them when
 * the staging memory runs out). */
int llmb_buckets_fill(const struct llmb_kernels *k, float *buf, size_t n, int rank);
long long llmb_buckets_wrong(const struct llmb_kernels *k, const float *buf, size_t n,
                             int nranks);

#endif
