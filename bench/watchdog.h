/* bench/watchdog.h - a run that stops making progress ends, and says where and who.
 *
 * Every point of every phase (each llmb_progress() call, on every rank) is a heartbeat.  A
 * thread of each rank sends rank 0 where the rank is, once a second, over a TCP connection of
 * its own (not MPI: the run's MPI is initialised for one thread, and a hung collective holds
 * it).  When rank 0 has made no progress for longer than the deadline (--deadline SECONDS, or
 * by default the larger of 300 s and 20 times the longest interval between two points so far,
 * which scales with the sizes and the bandwidth measured), its thread writes the results
 * gathered so far marked "status": "hung", with the phase, the point and the ranks missing
 * from it (no heartbeat for 5 s or half the deadline, whichever is longer; or a recent heartbeat
 * from an earlier point) and their hosts, prints one line, and exits
 * with status 3 (LLMB_EHUNG), which ends the job.  A rank other than 0 that stays stuck 30 s
 * past the deadline (rank 0 itself stopped) says so and exits 3 too. */
#ifndef LLMB_WATCHDOG_H
#define LLMB_WATCHDOG_H

#define LLMB_EHUNG 3 /* exit status of a run the watchdog ended */

struct llmb_ctx;

/* Collective over the world, after the node map: rank 0 listens and shares its addresses, every
 * rank starts its thread.  Without a usable connection the run goes on unwatched (one warning
 * from the rank concerned). */
void llmb_watchdog_start(struct llmb_ctx *ctx);

/* A heartbeat: this rank reached point n of phase (what may be NULL).  Cheap; any thread. */
void llmb_watchdog_point(const char *phase, int n, const char *what);

#endif
