/* coll/coll.h - the collectives registry: every collective of every communication backend.
 *
 * One collective of one backend is one table (struct llmb_coll_impl) in its own small file
 * (coll/<backend>_<name>.c) and one line in llmb_coll_registry[] (coll/coll.c).  A backend's
 * progress and completion calls are one struct llmb_coll_backend (coll/<backend>.c).  What the
 * table does not hold is common to every backend and lives in lib/metrics.h, one row per
 * collective: its name, the per-rank buffer sizes for a size S (llmb_coll_counts) and the
 * bus-bandwidth factor (llmb_busbw_factor).
 *
 * Adding a collective: coll/mpi_<name>.c, one line in llmb_coll_registry[], one row in
 * lib/metrics.h's LLMB_COLLECTIVES list (shared with the reporter; with run 1, among the
 * driver's rows before the import-only ones, which have no line here), and its case in
 * tests/comm/test_comm_units.c (every registered collective is also verified under mpirun by
 * tests/comm/verify.sh, which loops over the registry).
 *
 * Both the comm phase (blocking `run`, swept over sizes) and the train phase (non-blocking
 * `start`, then the backend's `test` / `wait`) go through these tables, so a backend that adds
 * its lines here serves both.  Buffers are in the memory of the run's kernel backend
 * (kernels/kernels.h alloc); for the MPI backend with CPU kernels that is host memory.
 *
 * Verification: buffers hold floats with small integer values (llmb_coll_value), so every sum
 * is exact in any reduction order and a result is either right or wrong, element by element.
 * init and check always work on host memory; the caller stages them through the kernel
 * backend's to_device / to_host. */
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

/* The communicator an operation works on. */
struct llmb_coll_comm {
    MPI_Comm mpi;
    int rank, n;             /* this rank in it, its size */
    void *backend;           /* backend communicator (NCCL: coll/nccl_backend.h), NULL for MPI */
};

/* One operation's buffers, in the kernel backend's memory.  Sizes as llmb_coll_counts() gives
 * them for a size S. */
struct llmb_coll_args {
    const float *send;       /* unused when in_place (and by broadcast) */
    float *recv;
    size_t send_elems, recv_elems;
    int in_place;            /* allreduce: the input is in recv; allgather with counts: this
                              * rank's chunk is already at recv + displs[rank] */
    /* reduce-scatter and allgather in chunks of different sizes (the train phase's buckets):
     * rank r's chunk is counts[r] elements at displs[r] of the whole buffer (send for
     * reduce-scatter, recv for allgather).  NULL: n equal chunks. */
    const int *counts, *displs;
};

/* An operation in flight (non-blocking start). */
struct llmb_coll_req {
    MPI_Request mpi[2];      /* MPI: the operation's requests (sendrecv needs two) */
    int nmpi;
    void *dev;               /* device backends: the operation in flight (NCCL: its completion
                              * event and communicator, coll/nccl.c) */
    int done;                /* set by the backend's test or wait once it has completed */
};

struct llmb_coll_impl {
    enum llmb_coll coll;
    const char *backend;     /* "mpi"; a device backend adds its own lines */
    int in_place;            /* also swept in place */
    const char *root;        /* "" or a note such as "root 0" for the console and the JSON */
    /* Fill the input of a verification iteration (host memory): this rank's contribution, and
     * NaN in every element of recv it does not own, so that an operation that does nothing is
     * caught.  in_place: the input goes into recv. */
    void (*init)(float *send, size_t send_elems, float *recv, size_t recv_elems, int in_place,
                 const struct llmb_coll_data *d);
    /* Count the wrong elements of this rank's result (host memory). */
    long long (*check)(const float *recv, size_t recv_elems, const struct llmb_coll_data *d);
    /* Run the operation once, to completion (the blocking call).  0 or a backend error code. */
    int (*run)(const struct llmb_coll_args *a, const struct llmb_coll_comm *comm);
    /* Start the operation (the non-blocking call); it completes through the backend's test or
     * wait on *req.  0 or a backend error code. */
    int (*start)(const struct llmb_coll_args *a, const struct llmb_coll_comm *comm,
                 struct llmb_coll_req *req);
};

/* A communication backend: how operations in flight progress and complete. */
struct llmb_coll_backend {
    const char *name;        /* "mpi": the backend field of its llmb_coll_impl lines */
    /* Progress every request of r[0..n); *done = 1 when all of them have completed; each
     * request seen complete gets r[i].done = 1.  Completed and empty requests may be tested
     * again.  0 or a backend error code. */
    int (*test)(struct llmb_coll_req *r, int n, int *done);
    /* Wait until every request of r[0..n) has completed (r[i].done = 1).  0 or a backend
     * error code. */
    int (*wait)(struct llmb_coll_req *r, int n);
    /* The backend's communicator over the ranks of c->mpi (collective over them; NCCL:
     * ncclCommInitRank from a unique id broadcast over MPI), in c->backend; NULL when the
     * backend works on MPI communicators directly.  0 or a backend error code. */
    int (*comm_init)(struct llmb_coll_comm *c);
    void (*comm_free)(struct llmb_coll_comm *c);
    /* Device time of the last blocking run on c (seconds), from events recorded around it on
     * the backend's stream: from the moment the stream reached it (after the work queued
     * before it) to its completion, peers' lateness included.  NAN when unknown.  NULL for
     * backends without a device (MPI). */
    double (*device_seconds)(const struct llmb_coll_comm *c);
};

/* Wrap an MPI communicator for backend b: rank, size and the backend's own communicator.
 * Collective over mpi.  0, or a backend error code. */
int llmb_coll_comm_open(const struct llmb_coll_backend *b, MPI_Comm mpi,
                        struct llmb_coll_comm *c);
void llmb_coll_comm_close(const struct llmb_coll_backend *b, struct llmb_coll_comm *c);

extern const struct llmb_coll_backend llmb_coll_mpi;

/* The NCCL backend (coll/nccl.c; built with NCCL only: configure's HAVE_NCCL, and its lines in
 * the registry only then).  Buffers are device memory of the current CUDA device, which the
 * kernel backend selects before any communicator is opened.  comm_init makes one ncclComm_t and
 * one CUDA stream (non-blocking) per communicator from a unique id broadcast over c->mpi.  Every
 * operation is ordered after the work queued so far on the compute stream (an event recorded
 * there and waited for on the collectives' stream), then enqueued on the collectives' stream:
 * run waits for it, start records a completion event that test (cudaEventQuery) and wait
 * (polled, with ncclCommGetAsyncError, so that a failed peer gives an error, not a hang)
 * complete.  Errors: the NCCL or CUDA error code, with one line from llmb_error naming it. */
extern const struct llmb_coll_backend llmb_coll_nccl;

/* The CUDA stream (a cudaStream_t) the kernel backend computes on; NULL, the default, is the
 * legacy default stream.  Set once, before the first operation. */
void llmb_coll_nccl_set_compute_stream(void *stream);

/* An empty request (nothing in flight): test and wait return at once. */
void llmb_coll_req_init(struct llmb_coll_req *r);

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

/* The init and check of each collective, shared by every backend's table: what the
 * collective leaves where (S as in lib/metrics.h):
 *   allreduce       every rank: the element-wise sum of the buffer (in place: input in recv)
 *   reduce_scatter  rank q: chunk q (S/n) of the element-wise sum of the send buffers
 *   allgather       every rank: chunk r (S/n) of rank r's data at block r
 *   alltoall        rank r: block r of every rank q's send buffer, at block q
 *   broadcast       every rank: root 0's buffer (one buffer, recv; the root's data is in it)
 *   sendrecv        rank r: the buffer of rank r-1 (mod n) */
void llmb_coll_allreduce_init(float *send, size_t ns, float *recv, size_t nr, int in_place,
                              const struct llmb_coll_data *d);
void llmb_coll_broadcast_init(float *send, size_t ns, float *recv, size_t nr, int in_place,
                              const struct llmb_coll_data *d);
long long llmb_coll_allreduce_check(const float *recv, size_t nr, const struct llmb_coll_data *d);
long long llmb_coll_reduce_scatter_check(const float *recv, size_t nr,
                                         const struct llmb_coll_data *d);
long long llmb_coll_allgather_check(const float *recv, size_t nr, const struct llmb_coll_data *d);
long long llmb_coll_alltoall_check(const float *recv, size_t nr, const struct llmb_coll_data *d);
long long llmb_coll_broadcast_check(const float *recv, size_t nr, const struct llmb_coll_data *d);
long long llmb_coll_sendrecv_check(const float *recv, size_t nr, const struct llmb_coll_data *d);

/* x[k] = NaN. */
void llmb_coll_poison(float *x, size_t count);

/* The init of the collectives whose input is the send buffer alone: this rank's values in
 * send, NaN in recv. */
void llmb_coll_init_send(float *send, size_t send_elems, float *recv, size_t recv_elems,
                         int in_place, const struct llmb_coll_data *d);
/* Wrong elements of recv (recv_elems) read as n equal blocks, block r holding rank r's
 * values from element `first` on. */
long long llmb_coll_check_blocks(const float *recv, size_t recv_elems, size_t first,
                                 const struct llmb_coll_data *d);

#endif
