/* llmbench-report: internal interfaces (one file per subsystem).
 *
 *   load.c      read and validate a results file into struct rr_run (any subset of phases)
 *   rank.c      queries on a loaded run: medians over ranks and steps, the comm curves
 *   pus.c       the PUs of the ranks' bindings (probe cpusets): idle PUs, each rank's share
 *   format.c    small text formatters (times, bounded appends with a cut mark)
 *   specs.c     nominal specs (cluster/specs/NAME.json) and measured-vs-nominal resources
 *   model.c     step-time decomposition, the step-time model and its counterfactuals
 *   model_comm.c  the model's price of one step's communication (train_pattern, comm_alone_s,
 *               the blocking curves)
 *   compare.c   two runs: bootstrap CI of the gap, Shapley attribution over factor groups
 *   findings.c  the findings catalogue (doc/findings.md): its table, the driver, the ranking;
 *               find_*.c evaluate the findings by subject, with the helpers of find_common.c
 *               (report/findings.h, internal)
 *   output.c    text / markdown / JSON; output_csv.c the CSV tables
 *   plots.c     gnuplot scripts, PNG and SVG (gnuplot started with fork + execv, no shell)
 *
 * Dependencies go one way: rank.c, pus.c and format.c are leaves; specs.c uses them; model.c uses
 * specs.c and rank.c; findings.c uses its find_*.c, which use find_common.c, rank.c and
 * format.c; output.c and plots.c read the results of all of them; main.c drives.  Each function is declared below under the file that defines it.
 *
 * Units: seconds, bytes, GB/s = 1e9 B/s, GFLOP/s = 1e9 FLOP/s.  An unknown number is NAN. */
#ifndef LLMB_REPORT_H
#define LLMB_REPORT_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "metrics.h" /* LLMB_COLL_COUNT */

enum rr_phase { RR_PROBE, RR_COMPUTE, RR_COMM, RR_TRAIN, RR_NPHASES };
extern const char *const rr_phase_names[RR_NPHASES];

enum rr_tier { RR_INTRA, RR_INTER, RR_NTIERS };

struct rr_sweep {
    char coll[24];
    int coll_id;            /* enum llmb_coll */
    char group[16];         /* world, intra, inter */
    char placement[8];      /* out, in */
    int nranks;
    size_t npts;
    double *bytes, *busbw, *algbw, *op_med, *skew_med, *iters, *wrong;
    double *op_min, *op_max; /* the op summary's min_s and max_s, NAN unknown */
    double *op_p10, *op_p90; /* its 10th and 90th percentiles (p10_s, p90_s), NAN unknown */
};

/* The `source` block of a file written by llmbench-import (doc/results-schema.md, "Imported
 * files"): what another tool measured.  The lists are borrowed from the document (arrays of
 * strings, checked when loaded), NULL when absent. */
struct rr_source {
    int present;
    char tool[32], version[64], file[256], command[256], fabric[160];
    char device[128];       /* the device name every rank reports; "" none or mixed */
    int mixed;              /* ranks report different device names */
    int truncated, disagreements;
    json_t *listed, *absent, *not_imported, *notes; /* present[], absent[], ... */
};

/* The strings of a rank are borrowed from the run's document (or its node's name), never NULL
 * ("" unknown): a rank costs about 230 bytes, whatever the file's strings hold.  A cpuset list
 * of RR_CPUSET_LEN bytes or more is not read (pus.c: unknown). */
#define RR_CPUSET_LEN 128
struct rr_rank {
    int node;
    const char *host;
    int threads;            /* -1 unknown */
    int bound;              /* -1 unknown, 0, 1 */
    int pus;                /* -1 unknown */
    const char *cpuset;
    int *overlaps;          /* ranks sharing a PU with this one, noverlaps (NULL when 0): */
    int noverlaps;          /* ... the first few of overlaps_count (probe.ranks[].overlaps_count) */
    int overlaps_count;
    int *numa;              /* the NUMA nodes of its cpuset, nnuma (NULL when 0) */
    int nnuma;
    int has_gpu, gpu_numa;  /* gpu_numa -1 unknown */
    const char *gpu_path;
    const char *gpu_nic;
    /* compute phase */
    double nominal_gflops, measured_gflops, stream_gbs, layer_time_s, layer_flops;
    size_t gemm_n;
    double gemm_cv;         /* CV of the square GEMM samples, NAN unknown */
    const char *nominal_deriv;
    /* train phase: per-step arrays, nsteps each (NULL when absent) */
    double *compute, *comm, *wait, *opt, *total;
    size_t nsteps;
    /* per step s and collective b (nsteps x bk_n, [s * bk_n + b]), seconds from the rank's step
     * start: when it started the collective and first saw it complete (NAN: never seen); NULL
     * when absent */
    double *bk_start, *bk_done;
    size_t bk_n;
    double last_frac;       /* NAN unknown */
};

struct rr_node {
    char name[128];
    int nranks;
    int pus, cores;         /* -1 unknown */
    double load1;           /* NAN unknown */
    double cur_mhz, max_mhz;
    char governor[32];
    int ngpus;
    unsigned gpu_vendor, gpu_device;
    double nic_gbs;         /* fastest network NIC line rate, NAN unknown */
    char nic_name[64];
};

struct rr_bucket {
    double bytes;
    int tier;               /* enum rr_tier */
    char group[16];         /* as written: world, intra, inter */
    int coll;               /* enum llmb_coll */
};

/* Step-time terms, seconds per step. */
enum rr_term { RR_T_COMPUTE, RR_T_OPT, RR_T_INTRA, RR_T_INTER, RR_T_WAIT, RR_T_OTHER, RR_NTERMS };
extern const char *const rr_term_names[RR_NTERMS];

/* Parameters of the step-time model (model.c; doc/design.md "The step-time model and
 * attribution"; doc/llmbench-report.1 MODEL), seconds per step.  Every term is priced from what
 * the compute and comm phases measured, or from the train phase's own per-rank timers; none
 * copies the measured exposed communication or the measured wait:
 *   T = Tc + opt + exposed + wait + other,   Tc = comp_norm / phi,   S = sum of tier_s
 *   exposed = max(S / nbuckets, S * (1 - min(1, window * Tc / (progress * S))) + S * stall)
 *   wait    = max_r x_r - median_r x_r,   x_r = rank_compute[r] + rank_opt[r] + rank_host[r]
 *             (the fixed wait below when there are no per-rank figures, nranks 0)
 * The exposed part is split over the tiers in proportion to tier_s.  In brackets: the factor
 * group of the attribution (rr_compare_runs) each parameter belongs to. */
struct rr_params {
    double comp_norm;       /* compute seconds at full clock: T_compute * phi      [compute] */
    double phi;             /* clock ratio current/max; NAN unknown (taken as 1)   [clocks] */
    double opt;             /* optimizer seconds (median rank; memory bound)       [memory] */
    double tier_s[RR_NTIERS]; /* training's communication per tier, run alone (no compute),
                                 before overlap                        [comm_intra/inter] */
    double tier_blocking_s[RR_NTIERS]; /* the same bytes at the comm phase's blocking rate;
                                 NAN unknown.  Not in T: counterfactuals set tier_s to it */
    double progress;        /* how much slower training's collectives advance while the ranks
                               compute (progressed by test calls only) than alone: >= 1 slows
                               the overlap; 1 when not measured (background progress)
                                                       [the comm group of progress_tier] */
    double stall;           /* collectives left unprogressed while the ranks compute finish this
                               fraction of S later than alone (train_pattern: progressed - the
                               computation - alone, over alone); 0 when not measured or none
                                                       [the comm group of progress_tier] */
    int progress_tier;      /* enum rr_tier carrying training's collectives */
    double window;          /* fraction of Tc during which buckets can be communicated (the
                               backward pass); 0 without overlap                    [other] */
    int nbuckets;           /* collectives per step (0 unknown): the last one cannot hide */
    double wait;            /* fixed wait, used only when nranks is 0              [wait] */
    double other;           /* host time (loop, bookkeeping) of the median rank    [other] */
    int nranks;             /* per-rank figures below (0: none) */
    double *rank_compute;   /* per rank: median train compute_s                    [compute] */
    double *rank_opt;       /* per rank: median optimizer_s                        [memory] */
    double *rank_host;      /* per rank: median host time, total - compute - comm - wait -
                               optimizer                                           [other] */
};

/* The communication pattern of one training step as the comm phase replayed it
 * (phases.comm.train_pattern; doc/results-schema.md): medians in seconds, NAN when absent. */
struct rr_train_pattern {
    int present;
    char mode[16], group[16];
    int nranks, nbuckets, outstanding;
    double bytes;           /* sum of buckets_bytes */
    double alone_s;         /* all buckets started back to back, then waited (slowest rank) */
    double progressed_s;    /* the same, but progress_calls test calls each after
                               progress_interval_s of busy computation, then waited; NAN when not
                               measured */
    double interval_s;      /* progress_interval_s, NAN unknown */
    int calls;              /* progress_calls (0 unknown) */
    char interval_src[160];
    double blocking_s;      /* the same bytes through the blocking curves, NAN unknown */
};

struct rr_run {
    char *file;
    char run_id[256];
    json_t *doc;
    int nranks, nnodes;
    struct rr_node *nodes;
    struct rr_rank *ranks;
    int has[RR_NPHASES];    /* phase present and status ok */
    char phase_status[RR_NPHASES][24]; /* "" absent, else its status */
    char status[24];
    char version[64];
    char mpi[160];
    json_t *env;            /* borrowed from doc, may be NULL */
    json_t *probe_warnings; /* borrowed, may be NULL */
    struct rr_source src;   /* imported files only (src.present) */
    /* comm */
    struct rr_sweep *sweeps;
    size_t nsweeps;
    int link_n;
    char (*link_names)[128];
    double *link_bw;        /* link_n * link_n, NAN on the diagonal / unknown; with passes the
                               best of them (the largest) */
    int link_passes;        /* passes of pass_bw_gbs; 0: a file without them (one pass) */
    double *link_pass_bw;   /* link_passes * link_n * link_n: pass q's i -> j at
                               (q * link_n + i) * link_n + j; NULL without passes */
    double link_bytes;
    char link_level[8];
    /* train */
    char model[64];
    int layers, d_model, heads, batch, seq, accum;
    char mode[16];
    int overlap;
    double global_batch_tokens, flops_per_step, tokens_per_s;
    /* doc/accounting.md: llm.c's count (recomputed from the model when the file predates the
     * field), hardware FLOPs with the run's recomputation (absent: flops_per_step, no run
     * recomputed before the field); NAN unknown */
    double flops_per_step_llmc, hardware_flops_per_step;
    char precision[8];      /* phases.train.peak_precision: "fp32", "tf32", "bf16", "fp16"
                               (held to the 16-bit dense peak, as bf16); "" absent */
    double peak_nominal_train, peak_measured_train, hidden_frac;
    double *steps;
    size_t nsteps;
    struct rr_bucket *buckets;
    size_t nbuckets;
    double comm_alone_s;    /* phases.train.comm_alone_s, NAN when absent */
    struct rr_train_pattern pattern; /* phases.comm.train_pattern */
    /* the per-rank detail budget (doc/results-schema.md, --detail-ranks): compute ranks whose
     * record was summarised, comm points whose per_rank lists only the outlying members */
    int compute_summarised, comm_summarised_points, detail_budget;
    /* derived by rr_analyze() */
    int wait_in_comm;       /* train comm_s already contains wait_s */
    double step_med, step_cv;
    double meas[RR_NTERMS]; /* measured decomposition (median rank, median step) */
    double pred[RR_NTERMS]; /* model prediction; NAN when not predictable */
    double pred_total, pred_err; /* NAN when not predictable */
    char pred_compute_src[160];
    char pred_comm_src[400];
    double wait_timers;     /* the median rank's wait_s as the timers book it (median step) */
    double comm_blocking_s; /* one step's buckets priced on the blocking curves, NAN unknown */
    int pred_independent;   /* the model used a compute or comm phase, not only train timers */
    int pred_comm_independent; /* communication priced by a measurement, not the comm timer */
    struct rr_params params;
    int params_ok;
    double mfu_nominal, mfu_measured; /* NAN when unsupported */
    double mfu_llmc_nominal, mfu_llmc_measured, hfu_nominal, hfu_measured; /* likewise */
    double peak_nominal, peak_measured; /* per rank GFLOP/s */
    char peak_nominal_src[256];
};

/* ---- load.c ---- */
/* Load and validate one file.  Returns 0, or -1 after one error line (exit status 2). */
int rr_load(const char *path, struct rr_run *run);
void rr_free(struct rr_run *run);

/* ---- rank.c ---- */
/* Median of a copy; NAN when n is 0. */
double rr_median(const double *x, size_t n);
/* Median over ranks of the double at byte offset off of struct rr_rank (NANs skipped); NAN if
 * none. */
double rr_rank_median(const struct rr_run *run, size_t off);
/* The fewest train steps of any rank (0 without ranks or without per-rank steps). */
size_t rr_min_steps(const struct rr_run *run);
/* Median train compute of rank r, seconds; NAN without its compute_s. */
double rr_rank_compute(const struct rr_run *run, int r);
/* The comm phase's curve of a collective on a group (out of place preferred), or NULL; and its
 * busbw at a message size, interpolated log-log, flat beyond the ends (GB/s). */
const struct rr_sweep *rr_find_sweep(const struct rr_run *run, const char *coll, const char *group);
double rr_curve_busbw(const struct rr_sweep *s, double bytes);

/* ---- pus.c ---- */
/* The PUs of one node's bindings (probe cpusets and threads). */
struct rr_pus {
    int known;              /* every rank on the node has a readable cpuset and thread count */
    int pus;                /* the node's PUs (probe), -1 unknown */
    int bound;              /* PUs in the union of its ranks' bindings */
    int idle;               /* node PUs outside every binding (0 unless known) */
    int demand;             /* compute threads of its ranks */
    int nranks;
};
/* nodes[nnodes]; share[nranks] (may be NULL): each rank's fraction of the PUs of its binding,
 * sum over its PUs of 1 / (ranks bound to that PU), divided by its PUs (1 when no rank shares;
 * NAN when its cpuset is unreadable). */
void rr_pus_of(const struct rr_run *run, struct rr_pus *nodes, double *share);

/* ---- format.c ---- */
/* "12.3 us", "4.56 ms", "1.234 s", or "-" for NAN, into b; returns b. */
const char *rr_format_time(double s, char *b, size_t n);
/* Append printf text to the string in buf (len bytes in all).  What does not fit is cut and the
 * end of buf then reads RR_CUT_MARK, so a cut is visible; once full, later appends do nothing. */
#define RR_CUT_MARK "..."
void rr_cat(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ---- specs.c ---- */
struct rr_spec {
    char id[64], name[128], kind[16];
    double gemm_gflops, memory_gbs, intra_busbw_gbs, inter_busbw_gbs; /* NAN when not given */
    double gemm_tf32_gflops, gemm_fp32_gflops; /* dense peaks of the other precisions (the
                                                  bf16 one is gemm_gflops); NAN not given */
    char gemm_src[256], memory_src[256], intra_src[256], inter_src[256];
};
struct rr_resource {
    const char *name;       /* "GEMM", "memory", "intra-node busbw", "inter-node busbw" */
    const char *unit;
    double measured, nominal; /* NAN when unknown */
    char what[128];         /* how the measured figure was taken */
    char source[300];       /* where the nominal figure comes from */
    int per_share;          /* GEMM: the nominal is each rank's share of PUs several ranks are
                               bound to (ranks sharing PUs do not each count them) */
};
/* The busbw rows: the plateau of allreduce's curve (its largest busbw from 1 MiB up), and the
 * *_AVG rows nccl-tests' "average bus bandwidth" (the mean busbw over every size measured,
 * out-of-place and in-place), without a nominal figure. */
enum { RR_RES_GEMM, RR_RES_MEM, RR_RES_INTRA, RR_RES_INTER, RR_RES_INTRA_AVG, RR_RES_INTER_AVG,
       RR_NRES };
/* Pick the device and fabric specs for a run (--device/--fabric override, else from the probe),
 * and fill the measured-vs-nominal table.  Returns 0 or -1 (message printed: bad spec file). */
int rr_resources(const struct rr_run *run, const char *specs_dir, const char *device,
                 const char *fabric, struct rr_resource res[RR_NRES]);
/* Nominal GEMM peak per rank used for MFU (GFLOP/s), NAN if none; src describes it. */
double rr_nominal_peak(const struct rr_run *run, const struct rr_resource res[RR_NRES],
                       char *src, size_t len);

/* ---- model.c ---- */
/* Decomposition, prediction, MFU.  res may be NULL. */
void rr_analyze(struct rr_run *run, const struct rr_resource res[RR_NRES]);
/* The step-time model T(theta); terms (may be NULL) receives its decomposition. */
double rr_model_time(const struct rr_params *p, double terms[RR_NTERMS]);
/* The step the model predicts for the run with a copy of its parameters (per-rank arrays
 * included) changed by edit (NULL: unchanged); NAN when the run has no model.  The time a cause
 * costs is rr_model_step_with(run, NULL, NULL) - rr_model_step_with(run, edit, arg). */
double rr_model_step_with(const struct rr_run *run,
                          void (*edit)(struct rr_params *p, const void *arg), const void *arg);
/* The model's wait term of p (the per-rank spread, or the fixed wait without per-rank
 * figures). */
double rr_model_wait(const struct rr_params *p);
/* Free the per-rank arrays of p (rr_free does it for a run's params). */
void rr_params_free(struct rr_params *p);

/* ---- model_comm.c ---- */
/* Price one step's communication into run->params (tier_s, tier_blocking_s, progress, window,
 * nbuckets) and run->pred_comm_src, comm_blocking_s, pred_comm_independent; w receives the
 * weights that split communication over the tiers.  When no measurement prices it
 * (pred_comm_independent 0), rr_comm_from_timers() fills tier_s from the measured terms. */
void rr_price_comm(struct rr_run *run, double w[RR_NTIERS]);
void rr_comm_from_timers(struct rr_run *run, double tc);

/* ---- compare.c ---- */
enum rr_group { RR_G_COMPUTE, RR_G_CLOCKS, RR_G_MEMORY, RR_G_INTRA, RR_G_INTER, RR_G_WAIT,
                RR_G_OTHER, RR_NGROUPS };
extern const char *const rr_group_names[RR_NGROUPS];

struct rr_compare {
    int same_workload;
    char differences[1024];
    int have_ratio;
    double ratio, ci_lo, ci_hi;     /* T_B / T_A, 95% bootstrap CI */
    int have_attr;
    double pred_a, pred_b;
    double share_s[RR_NGROUPS];     /* Shapley shares, seconds; sum = pred_b - pred_a */
    double factor[RR_NGROUPS];      /* multiplicative factors; product = pred_b / pred_a */
    double unexplained;             /* (T_B/T_A) / (pred_b/pred_a) */
    char why_no_attr[200];
    /* The comm phases side by side (two offers, each a run or an imported file): per
     * collective, B's busbw over A's at the sizes both measured (B interpolated log-log at A's
     * sizes), on the world curve (else inter, else intra) of each. */
    int ncomm;
    struct rr_comm_cmp {
        int coll;                   /* enum llmb_coll */
        int na, nb;                 /* ranks of each curve */
        char ga[8], gb[8];          /* their groups */
        int npts;                   /* A's sizes inside both ranges */
        double lo, hi;              /* bytes */
        double ratio_med;           /* median over those sizes of B / A */
        double a_big, b_big;        /* busbw at the largest common size (hi), GB/s */
    } comm[LLMB_COLL_COUNT];
};
void rr_compare_runs(const struct rr_run *a, const struct rr_run *b, struct rr_compare *c);
/* Shapley values over n <= 8 players of v(mask): exact, all n! orderings.  phi[n]. */
void rr_shapley(int n, double (*v)(unsigned mask, void *ctx), void *ctx, double *phi);

/* ---- findings.c ---- */
enum rr_sev { RR_INFO, RR_WARNING, RR_CRITICAL };
extern const char *const rr_sev_names[3];
struct rr_finding_def;      /* a row of the findings table (report/findings.h) */
struct rr_finding {
    const struct rr_finding_def *def; /* its row of the findings table */
    const char *id;         /* def->id */
    int sev;
    int run;
    int *ranks;             /* world ranks it names, nranks of them (allocated, NULL when 0) */
    int nranks, ranks_cap;
    int *nodes;             /* node indexes it names, nnodes of them (allocated, NULL when 0) */
    int nnodes, nodes_cap;
    size_t seq;             /* order of creation: the last tie break of the ranking */
    double time_lost_s;     /* NAN: cannot be estimated */
    double gap_s;           /* two runs: time_lost_s minus the same finding's in the other run
                               (>= 0); the cost that can explain the gap.  NAN with one run */
    int prio;               /* tie break: lower is ranked first (causes before symptoms) */
    char evidence[1024];    /* text for output: appended with rr_cat, a cut ends RR_CUT_MARK */
    char remedy[512];
};
struct rr_findings {
    struct rr_finding *v;
    size_t n, cap;
};
/* Evaluate every row of the findings table on one run and append what fires to out. */
void rr_find(const struct rr_run *run, int run_index, const struct rr_resource res[RR_NRES],
             struct rr_findings *out);
/* Rank by time lost; with two runs (nruns 2) first by the difference to the same finding in the
 * other run (gap_s), since what differs is what explains the gap.  slower: index of the run with
 * the longer median step (its findings can explain the gap; the other run's get gap_s 0), or -1
 * when unknown. */
void rr_findings_sort(struct rr_findings *f, int nruns, int slower);
/* Free the findings, with the ranks and nodes each names. */
void rr_findings_free(struct rr_findings *f);
/* The same finding in two runs: same id, naming the same ranks and nodes (by index: the runs
 * of a comparison have the same layout). */
int rr_finding_same(const struct rr_finding *a, const struct rr_finding *b);

/* ---- output.c ---- */
enum rr_format { RR_FMT_TEXT, RR_FMT_MD, RR_FMT_JSON };
struct rr_report {
    struct rr_run *runs;
    int nruns;
    struct rr_resource (*res)[RR_NRES];
    struct rr_findings findings;
    int have_compare;
    struct rr_compare cmp;
    const char *plots_note; /* NULL or one line about plots */
    int mfu_llmc;           /* --mfu-llmc: the headline adds MFU by llm.c's count */
};
void rr_print(FILE *out, const struct rr_report *r, enum rr_format fmt);
json_t *rr_report_json(const struct rr_report *r);
/* ---- output_csv.c ---- */
/* The CSV tables into dir (created); 0, or -1 (message printed). */
int rr_write_csv(const struct rr_report *r, const char *dir);

/* ---- plots.c ---- */
/* Write plots into dir; returns 0, 1 when gnuplot is missing (scripts still written), -1 when
 * the directory or a script could not be written or gnuplot failed (plots are an extra: the
 * caller warns and reports anyway).  note receives one line for the report, and says why. */
int rr_plots(const struct rr_report *r, const char *dir, char *note, size_t len);
/* A name safe as a file name and inside a gnuplot '...' string: [A-Za-z0-9._-] (others '_'),
 * no leading '.', never empty, cut to len - 1 bytes.  File names from run ids are cut to
 * RR_NAME_LEN bytes (a suffix and ".csv" still fit in NAME_MAX). */
#define RR_NAME_LEN 100
void rr_safe_name(const char *in, char *out, size_t len);
/* The pieces, for other programs' plots (llmbench-size): write dir/name.gp, body drawn twice
 * (PNG, then SVG: name.png, name.svg) at size "W,H" (0 or -1, errno set); find gnuplot
 * ($GNUPLOT, "no" for none, else PATH) into path (0 or -1); run it on script in dir, its output
 * into dir/gnuplot.log (0, or -1 with why). */
int rr_write_script(const char *dir, const char *name, const char *size, const char *body);
int rr_find_gnuplot(char *path, size_t len);
int rr_run_gnuplot(const char *gp, const char *dir, const char *script, char *why, size_t len);

#endif
