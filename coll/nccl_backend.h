/* coll/nccl_backend.h - what the NCCL backend's files share (coll/nccl.c, coll/nccl_<name>.c).
 * Internal to coll/: built only with NCCL (coll/local.mk, HAVE_NCCL). */
#ifndef LLMB_COLL_NCCL_BACKEND_H
#define LLMB_COLL_NCCL_BACKEND_H

#include <cuda_runtime_api.h>
#include <nccl.h>

#include "coll.h"

/* The element type of struct llmb_coll_args (float): the one place that names it for NCCL. */
#define LLMB_NCCL_DTYPE ncclFloat

/* One communicator (struct llmb_coll_comm.backend). */
struct llmb_nccl_comm {
    ncclComm_t comm;
    cudaStream_t stream;     /* the collectives' stream (cudaStreamNonBlocking) */
    cudaEvent_t ready;       /* recorded on the compute stream before each operation */
    cudaEvent_t t0, t1;      /* timing events around the last blocking run */
    int timed;               /* t0 and t1 hold a completed run */
};

/* Queue one operation of a collective on nc->stream (ncclGroupStart/End around several calls
 * when it takes more than one).  The NCCL result. */
typedef ncclResult_t (*llmb_nccl_enqueue_fn)(const struct llmb_coll_args *a,
                                              const struct llmb_coll_comm *c,
                                              const struct llmb_nccl_comm *nc);

/* The run and start of every NCCL table: order after the compute stream, enqueue, then wait
 * for completion (run) or record the completion event into r (start).  0 or the error code
 * (one line printed). */
int llmb_nccl_run(llmb_nccl_enqueue_fn enqueue, const struct llmb_coll_args *a,
                  const struct llmb_coll_comm *c);
int llmb_nccl_start(llmb_nccl_enqueue_fn enqueue, const struct llmb_coll_args *a,
                    const struct llmb_coll_comm *c, struct llmb_coll_req *r);

/* The table of one collective: its enqueue and the shared run/start (a file-local function
 * pair named run/start, then the table).  NAME: allreduce, ...; COLL: LLMB_COLL_ALLREDUCE. */
#define LLMB_NCCL_TABLE(NAME, COLL, IN_PLACE, ROOT, INIT, CHECK)                               \
    static int run(const struct llmb_coll_args *a, const struct llmb_coll_comm *c)             \
    {                                                                                          \
        return llmb_nccl_run(enqueue, a, c);                                                   \
    }                                                                                          \
    static int start(const struct llmb_coll_args *a, const struct llmb_coll_comm *c,          \
                     struct llmb_coll_req *r)                                                  \
    {                                                                                          \
        return llmb_nccl_start(enqueue, a, c, r);                                              \
    }                                                                                          \
    const struct llmb_coll_impl llmb_coll_##NAME##_nccl = {                                    \
        .coll = COLL, .backend = "nccl", .in_place = IN_PLACE, .root = ROOT,                   \
        .init = INIT, .check = CHECK, .run = run, .start = start,                              \
    }

#endif
