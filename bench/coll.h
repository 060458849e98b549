/* The collectives registry of the comm phase.
 *
 * One collective of one backend is one table (struct llmb_coll_impl) in its own small file
 * (bench/coll_<name>.c) and one line in llmb_coll_registry[] (bench/coll.c).  What the table does
 * not hold is common to every backend and lives in lib/metrics.h: the per-rank buffer sizes for a
 * size S (llmb_coll_counts) and the bus-bandwidth factor (llmb_busbw_factor).
 *
 * Buffers hold floats with small integer values (llmb_coll_value), so every sum is exact in any
 * reduction order and a result is either right or wrong, element by element.  init and check
 * always work on host memory; the MPI backend runs on those host buffers directly.  A backend
 * whose buffers live on a device (the CUDA issue's NCCL backend) adds its lines here with
 * backend "nccl" and stages the verification data through host copies in bench/comm.c (not
 * written yet: only the MPI backend exists). */
#ifndef LLMB_COLL_H
#define LLMB_COLL_H

#include <stddef.h>
#include <stdint.h>
#include <mpi.h>

#include "metrics.h"

/* Verification data: period of the value table (a prime) and the stride between ranks. */
#define LLMB_COLL_PERIOD 4093
#define LLMB_COLL_STRIDE 101

/* The verification data of one point, as one rank sees it. */
struct llmb_coll_data {
    int rank, n;             /* rank in the communicator, communicator size */
    size_t off;              /* per-point offset into the table, < LLMB_COLL_PERIOD */
    int corrupt;             /* test injection: this rank contributes value + 1 */
    const float *tab;        /* [LLMB_COLL_PERIOD] values in [-16, 16] */
    const float *sum;        /* [LLMB_COLL_PERIOD] sum[j] = sum over r < n of value(r, j) */
};

/* The communicator a run function works on. */
struct llmb_coll_comm {
    MPI_Comm mpi;
    int rank, n;             /* this rank in it, its size */
    void *backend;           /* backend communicator (NCCL: ncclComm_t), NULL for MPI */
};

struct llmb_coll_impl {
    enum llmb_coll coll;
    const char *backend;     /* "mpi"; the NCCL backend adds its own lines */
    int in_place;            /* also swept in place */
    const char *root;        /* "" or a note such as "root 0" for the console and the JSON */
    /* Fill the input of a verification iteration (host memory): this rank's contribution, and
     * NaN in every element of recv it does not own, so that an operation that does nothing is
     * caught.  in_place: the input goes into recv (MPI_IN_PLACE). */
    void (*init)(float *send, size_t send_elems, float *recv, size_t recv_elems, int in_place,
                 const struct llmb_coll_data *d);
    /* Count the wrong elements of this rank's result. */
    long long (*check)(const float *recv, size_t recv_elems, const struct llmb_coll_data *d);
    /* Run the operation once, to completion.  Returns MPI_SUCCESS or an error code. */
    int (*run)(const float *send, float *recv, size_t send_elems, size_t recv_elems, int in_place,
               const struct llmb_coll_comm *comm);
};

/* The registry: every table, NULL-terminated. */
extern const struct llmb_coll_impl *const llmb_coll_registry[];

/* The table of collective c for a backend, or NULL. */
const struct llmb_coll_impl *llmb_coll_find(enum llmb_coll c, const char *backend);

/* value(r, i) = tab[(i + r * STRIDE + off) mod PERIOD]: rank r's element i. */
void llmb_coll_table(uint64_t seed, float *tab);
void llmb_coll_sums(const float *tab, int n, float *sum);

/* x[k] = value(r, first + k) (+1 when d->corrupt and r is this rank). */
void llmb_coll_fill(float *x, size_t count, int r, size_t first, const struct llmb_coll_data *d);
/* Wrong elements of x[k] against value(r, first + k). */
long long llmb_coll_check_values(const float *x, size_t count, int r, size_t first,
                                 const struct llmb_coll_data *d);
/* Wrong elements of x[k] against the sum over all ranks of value(., first + k). */
long long llmb_coll_check_sums(const float *x, size_t count, size_t first,
                               const struct llmb_coll_data *d);
/* Round-robin tournament (circle method) of m players: the partner of player i in round t
 * (0 <= t < llmb_round_robin_rounds(m)), or -1 when i sits the round out (m odd).  Every round
 * pairs players disjointly; over all rounds every pair meets exactly once. */
int llmb_round_robin_rounds(int m);
int llmb_round_robin_partner(int t, int i, int m);

/* x[k] = NaN. */
void llmb_coll_poison(float *x, size_t count);

#endif
