/* bench/interrupt.h - SIGINT and SIGTERM during a run.  mpirun forwards them to every rank and
 * kills the ranks about a second later, so nothing can wait for a safe point in the
 * measurements: a thread of each rank waits for the signal (the others have it blocked), and
 * on rank 0 writes the results document as it stands - every phase completed so far - marked
 * "status": "interrupted", then every rank exits 128 + the signal (130 for SIGINT, 143 for
 * SIGTERM): the other ranks after half a second (a launcher may end the job once one rank
 * exits), or at once on a node with more ranks than PUs, to leave the cores to rank 0.  The document is only changed, and written, under llmb_doc_lock(). */
#ifndef LLMB_INTERRUPT_H
#define LLMB_INTERRUPT_H

#include <stddef.h>

struct llmb_ctx;

/* Start the thread that waits for SIGINT and SIGTERM and install their handler.  0, or -1
 * (the signals then keep their default action). */
int llmb_interrupt_start(void);

/* Rank 0, once the results document exists: what to write on a signal (ctx->doc into
 * ctx->opt->output / name); NULL before the document is freed (nothing is written then). */
void llmb_interrupt_arm(struct llmb_ctx *ctx, const char *name);

/* Every rank, once it knows: 1 when its node runs more ranks than it has PUs. */
void llmb_interrupt_crowded(int yes);

/* Around every change and every write of the results document (rank 0). */
void llmb_doc_lock(void);
void llmb_doc_unlock(void);

/* The last write of a run that ends abnormally, from any thread of rank 0 once armed: a copy
 * of the document as it stands with "status": status and the members of extra (stolen; may be
 * NULL), the completed phases listed in done.  It takes the document lock for good: nothing
 * may change the document after it.  0 when written, else -1 (message printed, or not rank
 * 0 / not armed). */
int llmb_final_write(const char *status, void *extra, char *done, size_t len);
/* 1 on rank 0 once the document can be written; the file's path into buf. */
int llmb_final_armed(void);
const char *llmb_final_file(char *buf, size_t len);

#endif
