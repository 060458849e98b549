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
#define RR_MAX_POINTS 1024  /* points of one comm sweep */
#define RR_MAX_LINK_PASSES 8 /* passes of the link matrix (llmbench --link-passes) */
#define RR_MAX_SWEEPS 256   /* comm sweeps */
#define RR_MAX_BUCKETS 65536 /* gradient buckets of one step */
#define MIN_STEP_S 1e-9     /* a step time or a rank's total_s: the clock's resolution */
#define STEP_TOL_REL 0.01   /* a step sample is its slowest rank's total_s within 1% + 1 us */
#define STEP_TOL_ABS 1e-6
#define RR_MEM_FLOOR (64.0 * 1024 * 1024) /* ranks and nodes may always take this much... */
#define RR_MEM_PER_BYTE 16  /* ...or this many times the file's size */

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
/* A string into buf (len bytes), cut at a UTF-8 character boundary; or borrowed from the
 * document (rr_ld_strp: *out left as it was when absent or null). */
int rr_ld_strp(const char *file, const char *path, json_t *obj, const char *key, int required,
               const char **out);
int rr_ld_str(const char *file, const char *path, json_t *obj, const char *key, int required,
              char *buf, size_t len);
/* An optional array or object: *out NULL when absent or null. */
int rr_ld_array(const char *file, const char *path, json_t *obj, const char *key, json_t **out);
int rr_ld_object(const char *file, const char *path, json_t *obj, const char *key, json_t **out);
/* Element i of array a (at apath) must be an object; its path into p.  NULL after the error. */
json_t *rr_ld_elem(const char *file, const char *apath, json_t *a, size_t i, char *p,
                   size_t plen);

/* Call each(c, p, e, rk) for every entry e (at JSON path p) of the per-rank array a at apath:
 * an object whose "rank" is in [0, nranks-1], each rank at most once; with all, every rank must
 * have its entry.  0, or -1 after one error line (load.c). */
int rr_ld_for_each_rank(struct rr_ld_ctx *c, const char *apath, json_t *a, int all,
                        int (*each)(struct rr_ld_ctx *c, const char *p, json_t *e,
                                    struct rr_rank *rk));

/* phases.train (load_train.c). */
int rr_ld_train(struct rr_ld_ctx *c, json_t *ph);

/* phases.comm (load_comm.c); rr_ld_pattern_init() marks every figure of a train pattern
 * unknown (before the file is read). */
int rr_ld_comm(struct rr_ld_ctx *c, json_t *ph);
void rr_ld_pattern_init(struct rr_train_pattern *tp);

#endif
