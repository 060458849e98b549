/* A common clock across ranks: every rank's offset from rank 0's clock, estimated by ping-pong
 * (doc/methodology.md, "Common clock").  Used by the comm phase for arrival and exit times and by
 * the train phase for its per-rank step timeline.
 *
 * Local time is llmb_now_s() (CLOCK_MONOTONIC).  common = local + offset_s, within +- residual_s
 * of rank 0's clock at the moment of synchronisation (the clocks may drift afterwards: sync
 * again at the end of a phase to measure the drift). */
#ifndef LLMB_CLOCK_H
#define LLMB_CLOCK_H

#include <jansson.h>
#include <mpi.h>

#include "util.h"

struct llmb_clock {
    double offset_s;          /* add to llmb_now_s() to read rank 0's clock */
    double residual_s;        /* bound on the error of offset_s (half the best round trip) */
    double measured_offset_s; /* this rank's own ping-pong estimate against rank 0 */
    double measured_residual_s;
    int shared;               /* 1: uses its node leader's offset (same host clock, checked) */
};

/* Collective over `world` (rank 0 is the reference) and `node` (the ranks sharing this host,
 * node rank 0 its leader).  Every rank ping-pongs rank 0 `rounds` times (rank 0 serves the ranks
 * one after another) and keeps the round with the shortest round trip:
 *   offset = t_rank0 - (t_send + t_recv) / 2,   residual = (t_recv - t_send) / 2.
 * A rank whose estimate agrees with its node leader's within the two residuals takes the
 * leader's offset (one host, one CLOCK_MONOTONIC); otherwise it keeps its own.
 * Returns 0, or an MPI error code. */
int llmb_clock_sync(MPI_Comm world, MPI_Comm node, int rounds, struct llmb_clock *c);

/* Now on the common clock. */
static inline double llmb_clock_now(const struct llmb_clock *c)
{
    return llmb_now_s() + c->offset_s;
}

/* Gather every rank's clock to rank 0 of `world` and return (rank 0; NULL elsewhere)
 * {"method", "rounds", "offsets_s"[], "residual_s"[], "measured_offsets_s"[], "shared"[]}.
 * When `end` is non-NULL (a second sync at the end of a phase), adds "offsets_end_s"[] and
 * "drift_s"[] (end measured offset - start measured offset).  Collective over world. */
json_t *llmb_clock_json(MPI_Comm world, int rounds, const struct llmb_clock *c,
                        const struct llmb_clock *end);

#endif
