/* The llmbench driver: the run context every phase receives, the phase registry, and the
 * driver services phases use (progress, abort).
 *
 * A phase is one function registered by one line in bench/phases.c.  It runs on every rank at
 * the same time, gathers what it measured to rank 0, and fills its JSON object there; the driver
 * writes the results file atomically after every phase. */
#ifndef LLMB_LLMBENCH_H
#define LLMB_LLMBENCH_H

#include <jansson.h>
#include <mpi.h>

#include "backend.h"
#include "options.h"

#define LLMB_HOST_MAX 256

struct llmb_ctx {
    const struct llmb_options *opt;
    MPI_Comm world;          /* MPI_COMM_WORLD */
    int rank, size;
    MPI_Comm node;           /* the ranks of this node (MPI_COMM_TYPE_SHARED) */
    int node_rank, node_size;
    MPI_Comm leaders;        /* node_rank 0 of every node; MPI_COMM_NULL on the others */
    int node_id, nnodes;     /* this rank's node index; number of nodes */
    int *rank_node;          /* [size] world rank -> node index (nodes numbered by lowest rank) */
    char (*node_names)[LLMB_HOST_MAX]; /* [nnodes] host name of each node */
    char host[LLMB_HOST_MAX];          /* this rank's host name */
    int threads;             /* compute threads of this rank (set before any phase) */
    int pu_sharers;          /* ranks of this node whose bindings overlap this rank's (>= 1) */
    const struct llmb_backend *be; /* the backend every phase computes and communicates with,
                                    * chosen once at start (bench/backend.h) */
    json_t *doc;             /* rank 0: the results document; NULL on other ranks */
    long long wrong;         /* wrong elements found by verification (all ranks, summed at end) */
    double t_start;          /* MPI_Wtime() at start */
};

/* Returns 0 ok, 1 (LLMB_EFAIL) a measurement failed (keep going, exit status 1), or
 * 2 (LLMB_EINPUT) bad input (every rank must return 2 together).  `out` is the phase's object in
 * the results document on rank 0 and a scratch object elsewhere. */
typedef int (*llmb_phase_fn)(struct llmb_ctx *ctx, json_t *out);

struct llmb_phase {
    const char *name;        /* "probe", ... (bench/phases.h) */
    unsigned bit;            /* LLMB_PHASE_* */
    unsigned uses;           /* phases whose results it reads when they ran before it */
    llmb_phase_fn run;
    const char *what;        /* one line for --help and the progress */
};

/* The registry (bench/phases.c), in run order; terminated by a NULL name. */
extern const struct llmb_phase llmb_phases[];

/* Phase entry points (bench/phase_<name>.c), one per line of bench/phases.h. */
#define LLMB_PHASE_X(bit, name, uses, what) int llmb_phase_##name(struct llmb_ctx *ctx, json_t *out);
LLMB_PHASES(LLMB_PHASE_X)
#undef LLMB_PHASE_X

/* Progress on rank 0, stderr, at most every 2 s and at the last point:
 *   "[comm] point 12/96  elapsed 8.1 s  left ~56 s  allreduce world 1 MiB"
 * Silent with --quiet and on other ranks.  n counts from 1. */
void llmb_progress(struct llmb_ctx *ctx, const char *phase, int n, int m, const char *what);

/* The one abort path: print "llmbench: <message>" (rank r) and MPI_Abort(MPI_COMM_WORLD, status).
 * For failures only some ranks see (a write error, an allocation failure); input errors that
 * every rank sees are returned as LLMB_EINPUT instead. */
_Noreturn void llmb_abort(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Rank 0 print helper honouring --quiet (stdout). */
void llmb_say(struct llmb_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Gather one JSON value from every rank of comm to comm's rank 0 (as compact text).  Steals
 * `mine` (NULL sends nothing).  On rank 0 of comm: a new array with one element per rank (null
 * where a rank sent nothing); NULL elsewhere.  Collective over comm; out of memory aborts. */
json_t *llmb_gather_json(json_t *mine, MPI_Comm comm);

/* Seconds this rank spent in llmb_gather_json() so far (the cost of gathering to rank 0). */
double llmb_gather_seconds(void);

/* The JSON object of an earlier phase of this run (rank 0), or NULL. */
json_t *llmb_phase_result(struct llmb_ctx *ctx, const char *name);

/* Compute threads: llmb_set_threads, llmb_default_threads, llmb_binding_pus. */
#include "threads.h"

#endif
