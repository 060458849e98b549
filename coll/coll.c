/* coll/coll.c - the collectives registry, the communicator and request helpers, and the
 * verification data every table shares (coll.h). */
#include "coll.h"

#include <math.h>
#include <string.h>

#include "util.h"

/* The registry: one line per collective per backend (its table is llmb_coll_<line>). */
#define LLMB_COLL_IMPLS(X)                                                                     \
    X(allreduce_mpi)                                                                           \
    X(reduce_scatter_mpi)                                                                      \
    X(allgather_mpi)                                                                           \
    X(alltoall_mpi)                                                                            \
    X(broadcast_mpi)                                                                           \
    X(sendrecv_mpi)                                                                            \
    LLMB_COLL_IMPLS_NCCL(X)

/* The NCCL lines: compiled in when coll/local.mk builds coll/nccl*.c (configure found NCCL). */
#ifdef LLMB_COLL_NCCL
#define LLMB_COLL_IMPLS_NCCL(X)                                                                \
    X(allreduce_nccl)                                                                          \
    X(reduce_scatter_nccl)                                                                     \
    X(allgather_nccl)                                                                          \
    X(alltoall_nccl)                                                                           \
    X(broadcast_nccl)                                                                          \
    X(sendrecv_nccl)
#else
#define LLMB_COLL_IMPLS_NCCL(X)
#endif

#define LLMB_COLL_DECL(impl) extern const struct llmb_coll_impl llmb_coll_##impl;
LLMB_COLL_IMPLS(LLMB_COLL_DECL)
#undef LLMB_COLL_DECL

const struct llmb_coll_impl *const llmb_coll_registry[] = {
#define LLMB_COLL_REF(impl) &llmb_coll_##impl,
    LLMB_COLL_IMPLS(LLMB_COLL_REF)
#undef LLMB_COLL_REF
    NULL,
};

const struct llmb_coll_impl *llmb_coll_find(enum llmb_coll c, const char *backend)
{
    for (int i = 0; llmb_coll_registry[i]; i++)
        if (llmb_coll_registry[i]->coll == c && strcmp(llmb_coll_registry[i]->backend, backend) == 0)
            return llmb_coll_registry[i];
    return NULL;
}

void llmb_coll_req_init(struct llmb_coll_req *r)
{
    r->mpi[0] = r->mpi[1] = MPI_REQUEST_NULL;
    r->nmpi = 0;
    r->dev = NULL;
    r->done = 0;
}

int llmb_coll_comm_open(const struct llmb_coll_backend *b, MPI_Comm mpi,
                        struct llmb_coll_comm *c)
{
    c->mpi = mpi;
    c->backend = NULL;
    MPI_Comm_rank(mpi, &c->rank);
    MPI_Comm_size(mpi, &c->n);
    return b->comm_init ? b->comm_init(c) : 0;
}

void llmb_coll_comm_close(const struct llmb_coll_backend *b, struct llmb_coll_comm *c)
{
    if (b->comm_free && c->backend)
        b->comm_free(c);
    c->backend = NULL;
}

void llmb_coll_table(uint64_t seed, float *tab)
{
    uint64_t st = seed ^ 0x636f6c6cULL;
    for (int j = 0; j < LLMB_COLL_PERIOD; j++)
        tab[j] = (float)((int)(llmb_splitmix64(&st) % 33) - 16);
}

void llmb_coll_sums(const float *tab, int n, float *sum)
{
    /* Integers of magnitude <= 16 n: exact in float for n < 2^20 ranks. */
    for (int j = 0; j < LLMB_COLL_PERIOD; j++) {
        double s = 0;
        size_t k = (size_t)j;
        for (int r = 0; r < n; r++) {
            s += tab[k];
            k = (k + LLMB_COLL_STRIDE) % LLMB_COLL_PERIOD;
        }
        sum[j] = (float)s;
    }
}

static size_t start_index(int r, size_t first, const struct llmb_coll_data *d)
{
    return (size_t)((first % LLMB_COLL_PERIOD) + (size_t)r * LLMB_COLL_STRIDE % LLMB_COLL_PERIOD +
                    d->off) % LLMB_COLL_PERIOD;
}

void llmb_coll_fill(float *x, size_t count, int r, size_t first, const struct llmb_coll_data *d)
{
    size_t j = start_index(r, first, d);
    float add = d->corrupt && r == d->rank ? 1.0f : 0.0f;
    for (size_t k = 0; k < count; k++) {
        x[k] = d->tab[j] + add;
        if (++j == LLMB_COLL_PERIOD)
            j = 0;
    }
}

long long llmb_coll_check_values(const float *x, size_t count, int r, size_t first,
                                 const struct llmb_coll_data *d)
{
    size_t j = start_index(r, first, d);
    long long wrong = 0;
    for (size_t k = 0; k < count; k++) {
        wrong += x[k] != d->tab[j]; /* NaN compares unequal: counted */
        if (++j == LLMB_COLL_PERIOD)
            j = 0;
    }
    return wrong;
}

long long llmb_coll_check_sums(const float *x, size_t count, size_t first,
                               const struct llmb_coll_data *d)
{
    size_t j = start_index(0, first, d);
    long long wrong = 0;
    for (size_t k = 0; k < count; k++) {
        wrong += x[k] != d->sum[j];
        if (++j == LLMB_COLL_PERIOD)
            j = 0;
    }
    return wrong;
}

void llmb_coll_poison(float *x, size_t count)
{
    for (size_t k = 0; k < count; k++)
        x[k] = NAN;
}

void llmb_coll_init_send(float *send, size_t ns, float *recv, size_t nr, int in_place,
                         const struct llmb_coll_data *d)
{
    (void)in_place;
    llmb_coll_fill(send, ns, d->rank, 0, d);
    llmb_coll_poison(recv, nr);
}

long long llmb_coll_check_blocks(const float *recv, size_t nr, size_t first,
                                 const struct llmb_coll_data *d)
{
    size_t chunk = nr / (size_t)d->n;
    long long wrong = 0;
    for (int r = 0; r < d->n; r++)
        wrong += llmb_coll_check_values(recv + (size_t)r * chunk, chunk, r, first, d);
    return wrong;
}

int llmb_round_robin_rounds(int m)
{
    return m < 2 ? 0 : (m % 2 ? m : m - 1);
}

int llmb_round_robin_partner(int t, int i, int m)
{
    int even = m + (m & 1), ring = even - 1, p;
    if (m < 2 || i < 0 || i >= m || t < 0 || t >= ring)
        return -1;
    if (i == even - 1)
        p = t;
    else if (i == t)
        p = even - 1;
    else
        p = ((2 * t - i) % ring + ring) % ring; /* i + p = 2t (mod ring) */
    return p >= m ? -1 : p;
}

/* ---- per-collective verification: the init and check of every backend's table (coll.h) */

void llmb_coll_allreduce_init(float *send, size_t ns, float *recv, size_t nr, int in_place,
                              const struct llmb_coll_data *d)
{
    if (in_place) {
        llmb_coll_fill(recv, nr, d->rank, 0, d);
    } else {
        llmb_coll_fill(send, ns, d->rank, 0, d);
        llmb_coll_poison(recv, nr);
    }
}

long long llmb_coll_allreduce_check(const float *recv, size_t nr, const struct llmb_coll_data *d)
{
    return llmb_coll_check_sums(recv, nr, 0, d);
}

long long llmb_coll_reduce_scatter_check(const float *recv, size_t nr,
                                         const struct llmb_coll_data *d)
{
    return llmb_coll_check_sums(recv, nr, (size_t)d->rank * nr, d);
}

long long llmb_coll_allgather_check(const float *recv, size_t nr, const struct llmb_coll_data *d)
{
    return llmb_coll_check_blocks(recv, nr, 0, d);
}

long long llmb_coll_alltoall_check(const float *recv, size_t nr, const struct llmb_coll_data *d)
{
    return llmb_coll_check_blocks(recv, nr, (size_t)d->rank * (nr / (size_t)d->n), d);
}

void llmb_coll_broadcast_init(float *send, size_t ns, float *recv, size_t nr, int in_place,
                              const struct llmb_coll_data *d)
{
    if (d->rank == 0)
        llmb_coll_fill(recv, nr, 0, 0, d);
    else
        llmb_coll_poison(recv, nr);
}

long long llmb_coll_broadcast_check(const float *recv, size_t nr, const struct llmb_coll_data *d)
{
    return llmb_coll_check_values(recv, nr, 0, 0, d);
}

long long llmb_coll_sendrecv_check(const float *recv, size_t nr, const struct llmb_coll_data *d)
{
    return llmb_coll_check_values(recv, nr, (d->rank + d->n - 1) % d->n, 0, d);
}
