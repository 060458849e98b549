/* Internal interface of the findings catalogue (doc/findings.md): the table row of a finding,
 * the thresholds, and the helpers the evaluation functions share.  report/findings.c holds the
 * table and the driver; report/find_common.c the helpers; report/find_*.c evaluate the findings
 * by subject (they depend on find_common.c, rank.c and format.c, never on findings.c):
 *   find_binding.c  binding.*, placement.*
 *   find_compute.c  clock.throttled, machine.loaded, compute.*
 *   find_comm.c     link.slow_pair, comm.busbw_below_nominal, straggler.arrival,
 *                   comm.progress
 *   find_model.c    model.unexplained
 *   find_env.c      env.override, stats.unreliable
 *   find_cliff.c    comm.size_cliff
 *   find_cores.c    machine.oversubscribed, binding.idle_cores
 *   find_gpu.c      clock.throttled (GPUs, from rr_eval_clock), pcie.degraded, gpu.ecc_errors,
 *                   compute.memory_below_nominal
 * Only report/findings.c and report/find_*.c include this file. */
#ifndef LLMB_REPORT_FINDINGS_H
#define LLMB_REPORT_FINDINGS_H

#include "report.h"

#include <stddef.h>

/* Thresholds (doc/findings.md; keep the two in step). */
#define RR_SEV_CRIT_FRAC 0.10  /* time lost >= 10% of the step: critical */
#define RR_SEV_WARN_FRAC 0.02  /* >= 2%: warning */
#define RR_SLOW_PAIR_FRAC 0.70 /* a node pair below 70% of the median pair */
#define RR_SLOW_PAIR_CRIT 0.50
#define RR_LINK_PASS_SPREAD 2.0 /* a pair's link matrix passes disagree: fastest / slowest above */
#define RR_LINK_NOISY_FRAC 0.25 /* passes disagreeing on more than this share of the pairs: the
                                 * matrix measured the machine's load, not its links */
#define RR_BUSBW_WARN 0.80     /* busbw below 80% of nominal (buyer rule of thumb) */
#define RR_BUSBW_CRIT 0.50
#define RR_GEMM_EXPECT 0.80    /* achievable GEMM is ~80% of the dense peak (MAMF) */
#define RR_GEMM_WARN 0.50
#define RR_GEMM_CRIT 0.25
#define RR_OUTLIER_Z 3.5       /* robust z-score (median/MAD) */
#define RR_OUTLIER_REL 0.10    /* and at least 10% from the median */
#define RR_MEM_WARN 0.50      /* memory rate below 50% of nominal */
#define RR_MEM_CRIT 0.25
#define RR_CLOCK_WARN 0.80
#define RR_CLOCK_INFO 0.90
#define RR_LOAD_EXCESS 0.25    /* load beyond this job's ranks > 25% of the PUs */
#define RR_CV_WARN 0.15
#define RR_CV_INFO 0.05
#define RR_STRAGGLER_OWN 0.5   /* a late rank's own excess explains >= half of the wait blamed */
#define RR_PROGRESS_SLOW 1.5   /* training's collectives 1.5x slower than the comm phase's */
#define RR_MODEL_ERR 0.10      /* the model misses the measured step by more than 10% */
#define RR_OUTLIER_PAIR 0.75   /* 2 ranks: GEMM efficiency below 75% of the faster rank's */
#define RR_CLIFF_FALL 3.0      /* busbw falls 3x or more between neighbouring sizes ... */
#define RR_CLIFF_MIN_BYTES 65536.0 /* ... from 64 KiB up */
#define RR_SPREAD_WARN 2.0     /* imported files: a point's slowest rank or iteration took more
                                  than 2x the fastest (the tool's min / max) */

/* Tie breaks of the ranking (struct rr_finding.prio): causes before symptoms. */
enum { RR_PRIO_BIND = 10, RR_PRIO_PLACE = 20, RR_PRIO_CLOCK = 30, RR_PRIO_LOAD = 35,
       RR_PRIO_OUTLIER = 40, RR_PRIO_LINK = 50, RR_PRIO_COMM = 60, RR_PRIO_GEMM = 70,
       RR_PRIO_STRAGGLER = 80, RR_PRIO_ENV = 90, RR_PRIO_STATS = 95 };

/* What the evaluation of one run sees. */
struct rr_find_ctx {
    const struct rr_run *run;
    int ri;                         /* run index (struct rr_finding.run) */
    const struct rr_resource *res;  /* res[RR_NRES] of that run */
    struct rr_findings *out;
    size_t from;                    /* this run's first finding in out */
};

/* Evaluate one row on one run: append zero or more findings of that row's id to cx->out. */
typedef void rr_eval_fn(const struct rr_find_ctx *cx, const struct rr_finding_def *def);

/* How a cause decides that it explains a symptom (struct rr_finding_def.absorbs). */
enum rr_absorb_rule {
    RR_ABSORB_NONE,
    RR_ABSORB_NAMED,    /* it names one of the symptom's ranks (or, naming no rank, a node) */
    RR_ABSORB_COMM_LATE /* the symptom's own compute excess is under a quarter of its time */
};

/* One finding: one row of the table in report/findings.c. */
struct rr_finding_def {
    const char *id;         /* stable id, as in doc/findings.md and the JSON report */
    int sev;                /* default severity (the evaluation may grade it); also the
                               severity of the probe's warning of this id */
    int prio;               /* RR_PRIO_*: tie break of the ranking */
    int from_probe;         /* phases.probe.warnings[] may raise this id */
    const char *absorbs;    /* the symptom id this cause takes over when it explains it */
    enum rr_absorb_rule rule;
    const char *excludes;   /* an id whose time lost this one's estimate leaves out */
    const char *means;      /* what it means, one line */
    rr_eval_fn *eval;
};

/* The table, in order of evaluation (report/findings.c). */
extern const struct rr_finding_def rr_finding_table[];
extern const size_t rr_finding_count;
/* The row of an id, or NULL. */
const struct rr_finding_def *rr_finding_def_of(const char *id);

/* The evaluation functions (one per row). */
rr_eval_fn rr_eval_unbound, rr_eval_shared_core, rr_eval_threads_mismatch, rr_eval_numa_mismatch,
    rr_eval_gpu_nic_sys;                                            /* find_binding.c */
rr_eval_fn rr_eval_clock, rr_eval_loaded, rr_eval_rank_outlier, rr_eval_gemm_nominal;
                                                                    /* find_compute.c */
rr_eval_fn rr_eval_slow_pair, rr_eval_busbw_nominal, rr_eval_straggler,
    rr_eval_progress;                                               /* find_comm.c */
rr_eval_fn rr_eval_model_unexplained;                               /* find_model.c */

/* The ranks that arrive last (straggler candidates) and whether their own times explain the
 * waiting blamed on them (find_comm.c; straggler.arrival and comm.progress read it). */
struct rr_late {
    char *set;              /* per rank: arrives last in enough steps */
    int nset;
    double *lf;             /* per rank: fraction of steps (collectives) it arrived last */
    double blamed;          /* the other ranks' timers' wait, median (s per step) */
    double own;             /* the step saved with the set's own times at the median rank's */
    int explains;           /* own >= RR_STRAGGLER_OWN x blamed */
};
/* Fill late (free it with rr_late_free); returns nset. */
int rr_late_ranks(const struct rr_run *run, struct rr_late *late);
void rr_late_free(struct rr_late *late);
/* Of the link matrix's pairs measured in two passes or more (*pairs), how many disagree by
 * more than RR_LINK_PASS_SPREAD (find_comm.c). */
int rr_link_disagreement(const struct rr_run *run, int *pairs);
rr_eval_fn rr_eval_env, rr_eval_stats;                              /* find_env.c */
rr_eval_fn rr_eval_size_cliff;                                      /* find_cliff.c */
rr_eval_fn rr_eval_oversubscribed, rr_eval_idle_cores;              /* find_cores.c */
rr_eval_fn rr_eval_gpu_clock, rr_eval_pcie_degraded, rr_eval_gpu_ecc,
    rr_eval_memory_nominal;                                         /* find_gpu.c */

/* ---- helpers (report/find_common.c) ---- */
/* A new finding of row def on this run with severity sev, no ranks, time lost NAN; NULL when out
 * of memory (message printed). */
struct rr_finding *rr_finding_new(const struct rr_find_ctx *cx, const struct rr_finding_def *def,
                                  int sev);
/* Name rank r / node n (once each, in the order given). */
void rr_finding_add_rank(struct rr_finding *f, int r);
void rr_finding_add_node(struct rr_finding *f, int n);
/* Name every rank with set[r] != 0 and its node. */
void rr_finding_add_set(struct rr_finding *f, const struct rr_run *run, const char *set);
/* This run's first finding of id, or NULL. */
const struct rr_finding *rr_finding_in_run(const struct rr_find_ctx *cx, const char *id);

/* Per rank flag: pick(run, r) != 0; calloc'd (free it), NULL when out of memory; *n the count. */
char *rr_rank_set(const struct rr_run *run, int (*pick)(const struct rr_run *run, int r), int *n);
/* Severity from a time lost per step t against the median step (thresholds above); dflt when
 * either is unknown. */
int rr_sev_of_time(double t, double step, int dflt);
/* " (12.3% of the step)" into buf, or "" when unknown; returns buf. */
const char *rr_pct_of_step(double t, double step, char *buf, size_t len);
/* Median over steps of (max over ranks in set of compute - median compute of every rank): how
 * much longer a step waits for those ranks ("compute excess").  NAN without a train phase. */
double rr_excess(const struct rr_run *run, const char *in_set);
/* The same against the median of the ranks NOT in set; NAN when every rank is in set. */
double rr_excess_vs_others(const struct rr_run *run, const char *in_set);
/* The step the model saves when edit removes a cause: rr_model_step_with(run, NULL, NULL) -
 * rr_model_step_with(run, edit, arg); NAN without a model. */
double rr_saved_by(const struct rr_run *run, void (*edit)(struct rr_params *p, const void *arg),
                   const void *arg);
/* Edits for rr_saved_by: arg double[RR_NTIERS] scales tier_s (and tier_blocking_s);
 * arg const char set[nranks]: those ranks' compute, optimizer and host time at the median of
 * the other ranks'. */
void rr_edit_tier_scale(struct rr_params *p, const void *arg);
void rr_edit_ranks_to_median(struct rr_params *p, const void *arg);
/* The host name of rank r. */
const char *rr_host(const struct rr_run *run, int r);

#endif
