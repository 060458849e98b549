/* Internal interface of the results-file loader: report/load.c (the file, probe, compute,
 * train) and report/load_comm.c (the comm phase).  Each helper reads one field of obj at the
 * JSON path path (for the message) and returns 0, or -1 after one error line
 * (llmb_results_error), for a field that is present but malformed; optional fields that are
 * absent or null leave the output as it was.  Only report/load*.c include this file. */
#ifndef LLMB_REPORT_LOAD_H
#define LLMB_REPORT_LOAD_H

#include "report.h"

#define MAX_TIME_S 1e6      /* one step, one operation: more than 11 days is not a time */
#define MAX_GBS 1e7         /* 10 PB/s */
#define MAX_GFLOPS 1e10     /* 10 EFLOP/s per rank */
#define MAX_BYTES 9007199254740992.0 /* 2^53 */
#define MAX_FLOPS 1e30

struct rr_ld_ctx {
    const char *file;
    struct rr_run *run;
};

/* An integer in [lo, hi] (required: missing is an error). */
int rr_ld_int(const char *file, const char *path, json_t *obj, const char *key, double lo,
              double hi, int required, int *out);
/* An optional number in [lo, hi]. */
int rr_ld_num(const char *file, const char *path, json_t *obj, const char *key, double lo,
              double hi, double *out);
/* A string into buf (len bytes). */
int rr_ld_str(const char *file, const char *path, json_t *obj, const char *key, int required,
              char *buf, size_t len);
/* An optional array or object: *out NULL when absent or null. */
int rr_ld_array(const char *file, const char *path, json_t *obj, const char *key, json_t **out);
int rr_ld_object(const char *file, const char *path, json_t *obj, const char *key, json_t **out);
/* Element i of array a (at apath) must be an object; its path into p.  NULL after the error. */
json_t *rr_ld_elem(const char *file, const char *apath, json_t *a, size_t i, char *p,
                   size_t plen);

/* phases.comm (load_comm.c); rr_ld_pattern_init() marks every figure of a train pattern
 * unknown (before the file is read). */
int rr_ld_comm(struct rr_ld_ctx *c, json_t *ph);
void rr_ld_pattern_init(struct rr_train_pattern *tp);

#endif
