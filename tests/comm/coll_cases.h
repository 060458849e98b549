/* The checks every backend's collectives pass under mpirun (tests/comm/coll_cases.c), shared by
 * tests/comm/test_coll (MPI, host memory) and tests/coll/test_nccl (NCCL, device memory): the
 * blocking entry (run) and the non-blocking one (start, the backend's test until done, then
 * wait) give exactly the verified result, in and out of place, for sizes that split evenly and
 * unevenly; reduce-scatter and allgather also in chunks of different sizes (counts/displs, as
 * the train phase's buckets use them); a corrupted contribution is counted wrong.  TAP on rank 0
 * of the communicator. */
#ifndef LLMB_TEST_COLL_CASES_H
#define LLMB_TEST_COLL_CASES_H

#include <stddef.h>

#include "coll/coll.h"

/* The memory the backend's buffers live in; data is made and checked in host copies. */
struct coll_mem {
    void *(*alloc)(size_t bytes);            /* aborts on failure */
    void (*release)(void *p);
    void (*put)(void *dst, const void *host, size_t bytes);
    void (*get)(void *host, const void *src, size_t bytes);
    void (*copy)(void *dst, const void *src, size_t bytes);    /* within that memory */
};

struct coll_cases {
    const struct llmb_coll_backend *b;
    const struct coll_mem *m;
    struct llmb_coll_comm c;                 /* opened by coll_cases_open */
    float tab[LLMB_COLL_PERIOD], sum[LLMB_COLL_PERIOD];
    int tap_n, tap_bad;
};

/* Open the backend's communicator over comm (abort on failure) and the verification data. */
void coll_cases_open(struct coll_cases *t, const struct llmb_coll_backend *b,
                     const struct coll_mem *m, MPI_Comm comm);
/* TAP lines coll_cases_all prints. */
int coll_cases_count(void);
/* Every registered collective of the backend, then the uneven chunks. */
void coll_cases_all(struct coll_cases *t);
/* One TAP line: ok when every rank saw ok. */
void coll_cases_tap(struct coll_cases *t, int ok, const char *what, const char *name);
/* One operation of S = bytes of collective im; the wrong elements on this rank. */
long long coll_cases_one(struct coll_cases *t, const struct llmb_coll_impl *im, size_t bytes,
                         int in_place, int nb, int corrupt);
/* Close the communicator; 1 when a check failed on some rank. */
int coll_cases_close(struct coll_cases *t);

#endif
