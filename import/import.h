/* llmbench-import: what other tools measured (nccl-tests, OSU Micro-Benchmarks, IMB-MPI1) as an
 * llmbench/1 results file with a `source` block (doc/results-schema.md, "Imported files";
 * doc/llmbench-import.1).  No MPI, no CUDA: it reads text and JSON and writes JSON.
 *
 *   text.c        the input as lines: per-rank prefixes stripped (mpirun --tag-output, srun
 *                 --label), anywhere in a row for tag-output; the numbers of a row as tokens
 *   nccl_tests.c  nccl-tests text output of every *_perf program, and its -J JSON
 *   osu.c         OSU Micro-Benchmarks collective and point-to-point outputs (plain and -f)
 *   imb.c         IMB-MPI1 tables
 *   emit.c        struct llmb_imp -> the llmbench/1 document: sizes in the nccl-tests
 *                 convention, bandwidths recomputed from the times with lib/metrics.h's busbw
 *                 factors, the tool's own figures kept beside them and compared
 *   main.c        options, format detection, writing
 *
 * Units: bytes, seconds, GB/s = 1e9 B/s.  An unknown number is NAN.  Errors: one line
 * "llmbench-import: FILE:LINE: what" (llmb_error) and -1; the caller exits with status 2. */
#ifndef LLMB_IMPORT_H
#define LLMB_IMPORT_H

#include <jansson.h>
#include <stddef.h>

/* Limits on what one input may make the importer hold. */
#define IMP_MAX_FILE_BYTES (64UL << 20)
#define IMP_MAX_SWEEPS 256
#define IMP_MAX_POINTS 1024   /* per sweep, as the reporter reads them */
#define IMP_MAX_RANKS 1000000
#define IMP_MAX_BYTES 9007199254740992.0 /* S: 2^53, as the reporter reads it */
#define IMP_MAX_COUNT 1e15    /* iterations, wrong elements */

/* ---- text.c ---- */
struct imp_line {
    char *text;             /* prefixes stripped, trailing CR / blanks removed (into the buffer) */
    int no;                 /* 1-based line number in the file */
    int rank;               /* the rank a prefix named, -1 none */
    int last_unterminated;  /* the file's last line, without its newline (cut mid-line?) */
};
struct imp_text {
    const char *file;
    char *buf;
    struct imp_line *v;
    size_t n;
    int prefixed;           /* lines with a per-rank prefix */
    int midrow;             /* prefixes found inside a line (a row printed in several writes) */
};
/* Read file (at most IMP_MAX_FILE_BYTES) into lines.  0, or -1 after one line. */
int imp_text_read(const char *file, struct imp_text *t);
void imp_text_free(struct imp_text *t);
/* Split s in place into at most max whitespace-separated tokens; returns how many (max + 1
 * when there were more). */
int imp_tokens(char *s, char **tok, int max);
/* A number token: 0 and *v, or -1.  *decimals receives its printed precision as the half unit
 * of its last digit (0.005 for "12.34", 0.5 for "12", 5e-5 for "1.2e-03"); may be NULL. */
int imp_number(const char *s, double *v, double *half);
/* Does s start with prefix p? */
int imp_starts(const char *s, const char *p);

/* ---- the imported measurements ---- */
struct imp_point {
    double size;            /* the size as the tool printed it (bytes) */
    double time_s;          /* the tool's time per operation (its average), NAN unknown */
    double time_half;       /* half unit of the printed time (seconds) */
    double tmin_s, tmax_s;  /* the tool's spread (OSU -f: over ranks; IMB: over ranks;
                               nccl-tests -I: over iterations), NAN unknown */
    double iters;           /* iterations (repetitions) timed, NAN unknown */
    double wrong;           /* wrong elements the tool found, NAN not checked */
    double tool_error;      /* old nccl-tests "error" column (max error), NAN none */
    int validation_failed;  /* OSU -c "Fail" */
    double tool_algbw, tool_algbw_half; /* GB/s as printed, NAN none */
    double tool_busbw, tool_busbw_half;
    double tool_mbs, tool_mbs_half; /* OSU / IMB MB/s as printed, NAN none */
    int line;
};

/* How the tool's size and bandwidth relate to llmbench's (emit.c). */
enum imp_kind {
    IMP_COLL,               /* a collective: the tool's time per operation */
    IMP_LATENCY,            /* point to point, one way: half the round trip (osu_latency,
                               IMB PingPong) */
    IMP_BW,                 /* point to point, one direction, the tool's MB/s (osu_bw, IMB
                               Uniband) */
    IMP_BIBW                /* both directions at once, the tool's MB/s summed (osu_bibw, IMB
                               Biband) */
};

struct imp_sweep {
    int coll;               /* enum llmb_coll */
    enum imp_kind kind;
    int osu_sizes;          /* sizes are the OSU / IMB per-rank chunk (S/n) */
    int tool_algbw_recv;    /* the tool's algbw is S (n-1)/n / t, not S / t (nccl-tests'
                               hypercube_perf: the bytes each rank receives) */
    char placement[4];      /* out, in */
    char program[64];       /* all_reduce_perf, osu_allreduce, IMB-MPI1 Allreduce */
    const char *file;       /* the input it came from (messages) */
    char type[16];          /* float, ... ("" unknown) */
    int nranks;             /* 0: the whole world */
    int line;               /* where its table starts */
    int truncated;          /* cut inside the table */
    double tool_avg_busbw;  /* nccl-tests "Avg bus bandwidth", NAN none */
    double tool_avg_half;
    struct imp_point *pts;
    size_t n, cap;
};

struct imp_rank {
    int rank;
    char host[128];
    int device;
    char pci[32];
    char name[128];
};

struct llmb_imp {
    const char *file;       /* the input being parsed (messages) */
    char tool[32];          /* nccl-tests, osu, imb */
    char version[64];
    char command[512];      /* the tool's command line, or what the log says of it */
    char backend[16];       /* nccl, mpi */
    char nccl_version[32];
    char fabric[160];       /* NCCL's network transport as its INFO lines name it */
    int ranks_given, nodes_given; /* --ranks, --nodes (0: not given) */
    int coll_given;         /* --collective (enum llmb_coll), -1 not given */
    struct imp_sweep **sw;  /* each allocated on its own: a parser's pointer stays valid */
    size_t nsw;
    struct imp_rank *rk;
    size_t nrk;
    json_t *files;          /* the input file names */
    json_t *present, *absent, *notes, *skipped; /* arrays of strings */
    int truncated;
    int info_lines;         /* NCCL INFO / WARN lines passed over */
};

void imp_init(struct llmb_imp *m);
void imp_free(struct llmb_imp *m);
/* A new sweep (its fields zero, tool_avg_busbw NAN); NULL after a message. */
struct imp_sweep *imp_sweep_new(struct llmb_imp *m, int coll, enum imp_kind kind,
                                const char *program, int line);
/* A new point of s, every figure NAN; NULL after a message. */
struct imp_point *imp_point_new(struct llmb_imp *m, struct imp_sweep *s, int line);
/* Append one note (printf) to the array a (m->present, absent, notes, skipped), once. */
void imp_note(json_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A rank of the "Using devices" block (nccl-tests); a rank seen twice keeps its first entry. */
int imp_rank_add(struct llmb_imp *m, const struct imp_rank *r);
/* Print "FILE:LINE: message" (line 0: no line) and return -1. */
int imp_bad(const struct llmb_imp *m, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- parsers: each reads one input into m; 0, or -1 after one line ---- */
int imp_nccl_text(struct llmb_imp *m, struct imp_text *t);
int imp_nccl_json(struct llmb_imp *m, json_t *doc);
int imp_osu(struct llmb_imp *m, struct imp_text *t);
int imp_imb(struct llmb_imp *m, struct imp_text *t);
/* Which tool wrote t: "nccl-tests", "osu", "imb", or NULL. */
const char *imp_detect(const struct imp_text *t);

/* ---- emit.c ---- */
/* The llmbench/1 document of m (new reference), run_id as given; NULL after a message (the
 * rank count or the nodes unknown, no sweep). */
json_t *imp_emit(struct llmb_imp *m, const char *run_id, json_t *argv);

#endif
