/* coll/nccl.c - the NCCL communication backend (coll.h, llmb_coll_nccl): one NCCL communicator
 * and one CUDA stream per MPI communicator, and the run / start / test / wait every
 * coll/nccl_<name>.c table shares.
 *
 * Bootstrap: rank 0 of the MPI communicator makes the unique id (ncclGetUniqueId) and
 * broadcasts it over MPI with its status, so that a failure there stops every rank with an
 * error instead of leaving them waiting in ncclCommInitRank; the ranks agree (MPI_Allreduce)
 * that every one of them has its stream and events before any enters ncclCommInitRank, and
 * after it that every one got its communicator (else each aborts its own).
 *
 * Completion is polled (cudaEventQuery / cudaStreamQuery, with ncclCommGetAsyncError between
 * polls): a blocking cudaStreamSynchronize would wait forever for a peer that failed, NCCL's
 * documented way out is to poll the communicator's asynchronous error and abort it. */
#include "config.h"

#include <math.h>
#include <sched.h>
#include <stdlib.h>

#include "error.h"
#include "nccl_backend.h"

static cudaStream_t compute_stream; /* NULL: the legacy default stream */

void llmb_coll_nccl_set_compute_stream(void *stream)
{
    compute_stream = (cudaStream_t)stream;
}

static int nccl_failed(const char *what, ncclResult_t rc, ncclComm_t comm)
{
    const char *last = comm ? ncclGetLastError(comm) : NULL;
    llmb_error("nccl: %s: %s%s%s", what, ncclGetErrorString(rc), last && *last ? ": " : "",
               last ? last : "");
    return (int)rc;
}

static int cuda_failed(const char *what, cudaError_t rc)
{
    llmb_error("nccl: %s: CUDA error %d: %s", what, (int)rc, cudaGetErrorString(rc));
    return (int)rc;
}

/* One in-flight operation (struct llmb_coll_req.dev). */
struct op {
    cudaEvent_t done;
    struct llmb_nccl_comm *nc;
};

/* ---- communicators ---- */

static void comm_free(struct llmb_coll_comm *c)
{
    struct llmb_nccl_comm *nc = c->backend;
    if (!nc)
        return;
    if (nc->comm)
        ncclCommDestroy(nc->comm);
    if (nc->ready)
        cudaEventDestroy(nc->ready);
    if (nc->t0)
        cudaEventDestroy(nc->t0);
    if (nc->t1)
        cudaEventDestroy(nc->t1);
    if (nc->stream)
        cudaStreamDestroy(nc->stream);
    free(nc);
    c->backend = NULL;
}

static int comm_init(struct llmb_coll_comm *c)
{
    struct {
        int status;
        ncclUniqueId id;
    } boot = {0};
    if (c->rank == 0) {
        ncclResult_t r = ncclGetUniqueId(&boot.id);
        if (r != ncclSuccess)
            boot.status = nccl_failed("ncclGetUniqueId", r, NULL);
    }
    int rc = MPI_Bcast(&boot, (int)sizeof boot, MPI_BYTE, 0, c->mpi);
    if (rc != MPI_SUCCESS)
        return rc;
    if (boot.status)
        return boot.status;

    struct llmb_nccl_comm *nc = calloc(1, sizeof *nc);
    int mine = 0, worst = 0;
    cudaError_t ce;
    ncclResult_t nr;
    if (!nc)
        mine = llmb_error("nccl: out of memory");
    else if ((ce = cudaStreamCreateWithFlags(&nc->stream, cudaStreamNonBlocking)) != cudaSuccess)
        mine = cuda_failed("cudaStreamCreateWithFlags", ce);
    else if ((ce = cudaEventCreateWithFlags(&nc->ready, cudaEventDisableTiming)) != cudaSuccess ||
             (ce = cudaEventCreate(&nc->t0)) != cudaSuccess ||
             (ce = cudaEventCreate(&nc->t1)) != cudaSuccess)
        mine = cuda_failed("cudaEventCreate", ce);
    c->backend = nc;
    /* ncclCommInitRank waits for every rank: none may enter it unless all will */
    int bad = mine != 0;
    MPI_Allreduce(&bad, &worst, 1, MPI_INT, MPI_MAX, c->mpi);
    if (!worst && (nr = ncclCommInitRank(&nc->comm, c->n, boot.id, c->rank)) != ncclSuccess)
        mine = nccl_failed("ncclCommInitRank", nr, NULL);
    bad = mine != 0;
    if (!worst)
        MPI_Allreduce(&bad, &worst, 1, MPI_INT, MPI_MAX, c->mpi);
    if (worst) {
        if (nc && nc->comm) /* peers may have failed: abort, ncclCommDestroy could wait for them */
            ncclCommAbort(nc->comm);
        if (nc)
            nc->comm = NULL;
        comm_free(c);
        return mine ? mine : (int)ncclRemoteError;
    }
    return 0;
}

/* ---- operations ---- */

/* Order the collectives' stream after the compute stream's queued work (the gradients the
 * operation reads were written there). */
static int after_compute(const struct llmb_nccl_comm *nc)
{
    cudaError_t ce = cudaEventRecord(nc->ready, compute_stream);
    if (ce == cudaSuccess)
        ce = cudaStreamWaitEvent(nc->stream, nc->ready, 0);
    return ce == cudaSuccess ? 0 : cuda_failed("ordering after the compute stream", ce);
}

/* NCCL's asynchronous error of nc's communicator: 0 while none; else the communicator is
 * aborted (its operations will never complete; ncclCommAbort frees it, so nc->comm becomes
 * NULL and comm_free does not destroy it again) and the error code returned. */
static int async_error(struct llmb_nccl_comm *nc)
{
    if (!nc->comm)
        return nccl_failed("communicator already aborted", ncclInvalidUsage, NULL);
    ncclResult_t a = ncclSuccess, r = ncclCommGetAsyncError(nc->comm, &a);
    if (r != ncclSuccess)
        return nccl_failed("ncclCommGetAsyncError", r, nc->comm);
    if (a == ncclSuccess || a == ncclInProgress)
        return 0;
    nccl_failed("operation failed", a, nc->comm);
    ncclCommAbort(nc->comm);
    nc->comm = NULL;
    return (int)a;
}

/* Poll until query() says done: 0, or the CUDA or NCCL error. */
static int poll_done(cudaError_t (*query)(void *), void *what, struct llmb_nccl_comm *nc)
{
    for (;;) {
        cudaError_t q = query(what);
        if (q == cudaSuccess)
            return 0;
        if (q != cudaErrorNotReady)
            return cuda_failed("waiting for a collective", q);
        int rc = async_error(nc);
        if (rc)
            return rc;
        sched_yield();
    }
}

static cudaError_t stream_query(void *s) { return cudaStreamQuery((cudaStream_t)s); }
static cudaError_t event_query(void *e) { return cudaEventQuery((cudaEvent_t)e); }

int llmb_nccl_run(llmb_nccl_enqueue_fn enqueue, const struct llmb_coll_args *a,
                  const struct llmb_coll_comm *c)
{
    struct llmb_nccl_comm *nc = c->backend;
    nc->timed = 0;
    int rc = after_compute(nc);
    if (rc)
        return rc;
    cudaEventRecord(nc->t0, nc->stream);
    ncclResult_t r = enqueue(a, c, nc);
    if (r != ncclSuccess)
        return nccl_failed("enqueue", r, nc->comm);
    cudaEventRecord(nc->t1, nc->stream);
    rc = poll_done(stream_query, nc->stream, nc);
    nc->timed = rc == 0;
    return rc;
}

static double device_seconds(const struct llmb_coll_comm *c)
{
    const struct llmb_nccl_comm *nc = c->backend;
    float ms = 0;
    if (!nc || !nc->timed || cudaEventElapsedTime(&ms, nc->t0, nc->t1) != cudaSuccess)
        return NAN;
    return 1e-3 * ms;
}

int llmb_nccl_start(llmb_nccl_enqueue_fn enqueue, const struct llmb_coll_args *a,
                    const struct llmb_coll_comm *c, struct llmb_coll_req *req)
{
    struct llmb_nccl_comm *nc = c->backend;
    struct op *op = calloc(1, sizeof *op);
    if (!op)
        return llmb_error("nccl: out of memory");
    op->nc = nc;
    int rc = after_compute(nc);
    cudaError_t ce;
    if (!rc && (ce = cudaEventCreateWithFlags(&op->done, cudaEventDisableTiming)) != cudaSuccess)
        rc = cuda_failed("cudaEventCreateWithFlags", ce);
    if (rc) {
        free(op);
        return rc;
    }
    ncclResult_t r = enqueue(a, c, nc);
    if (r != ncclSuccess)
        rc = nccl_failed("enqueue", r, nc->comm);
    else if ((ce = cudaEventRecord(op->done, nc->stream)) != cudaSuccess)
        rc = cuda_failed("cudaEventRecord", ce);
    if (rc) {
        cudaEventDestroy(op->done);
        free(op);
        return rc;
    }
    req->dev = op;
    req->done = 0;
    return 0;
}

static void op_finish(struct llmb_coll_req *r)
{
    struct op *op = r->dev;
    cudaEventDestroy(op->done);
    free(op);
    r->dev = NULL;
    r->done = 1;
}

/* Like the MPI backend's: in order, stopping at the first still in flight. */
static int nccl_test(struct llmb_coll_req *r, int n, int *done)
{
    *done = 1;
    for (int i = 0; i < n; i++) {
        struct op *op = r[i].dev;
        if (!op) {
            r[i].done = 1;
            continue;
        }
        cudaError_t q = cudaEventQuery(op->done);
        if (q == cudaErrorNotReady) {
            *done = 0;
            return async_error(op->nc);
        }
        if (q != cudaSuccess)
            return cuda_failed("testing a collective", q);
        op_finish(&r[i]);
    }
    return 0;
}

static int nccl_wait(struct llmb_coll_req *r, int n)
{
    for (int i = 0; i < n; i++) {
        struct op *op = r[i].dev;
        if (op) {
            int rc = poll_done(event_query, op->done, op->nc);
            if (rc)
                return rc;
            op_finish(&r[i]);
        }
        r[i].done = 1;
    }
    return 0;
}

const struct llmb_coll_backend llmb_coll_nccl = {
    .name = "nccl", .test = nccl_test, .wait = nccl_wait, .comm_init = comm_init,
    .comm_free = comm_free, .device_seconds = device_seconds,
};
