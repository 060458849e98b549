/* Command-line options of the llmbench driver (doc/llmbench.1).
 *
 * Every rank parses the same argv the same way, so every rank reaches the same verdict on bad
 * input without talking to the others: that is what lets all ranks exit with status 2 and no
 * hang. */
#ifndef LLMB_OPTIONS_H
#define LLMB_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

#include "phases.h"

/* Communicator groups of the comm phase. */
enum llmb_comm_group_bit {
    LLMB_GROUP_WORLD = 1u << 0,
    LLMB_GROUP_INTRA = 1u << 1,
    LLMB_GROUP_INTER = 1u << 2,
    LLMB_GROUP_ALL = 0x7u
};

struct llmb_options {
    unsigned phases;               /* LLMB_PHASE_* bits */
    int quick;                     /* --quick: the whole run in under a minute on 2 cores */
    int quiet;                     /* --quiet: no progress, no summary */
    char backend[32];              /* "auto" or a name of the backend registry (bench/backend.h) */
    char model[64];                /* preset name (lib/model.h) */
    int layers, batch, seq;        /* 0: preset default */
    char output[1024];             /* results directory */
    char tag[64];                  /* "" = host name */
    int warmup;                    /* warm-up iterations per point / warm-up steps */
    int min_iters;                 /* minimum timed iterations per point */
    int detail_ranks;              /* ranks kept in full per-rank detail (bench/detail.h) */
    double time_per_point_s;       /* time budget per point, seconds */
    size_t size_min, size_max;     /* --sizes, bytes */
    unsigned size_factor;
    int sizes_given;               /* 1 when --sizes was given */
    unsigned long long seed;
    int threads;                   /* compute threads per rank; 0 = the PUs of the binding */
    /* comm */
    unsigned collectives;          /* 1 << enum llmb_coll */
    unsigned groups;               /* LLMB_GROUP_* */
    int link_matrix;               /* node-pair link matrix on/off */
    int link_passes;               /* its passes (rounds in another order each), best kept */
    /* train */
    int steps;                     /* timed training steps */
    int accum;                     /* gradient accumulation micro-steps */
    size_t bucket_bytes;           /* gradient bucket size */
    int overlap;                   /* overlap gradient reduction with backward */
    int zero;                      /* sharded (ZeRO-style) optimizer */
    double deadline_s;             /* --deadline: no progress for this long ends the run; 0: default */
    /* probe */
    char topology_xml[1024];       /* load this node topology instead of discovering */
    /* modes that run without MPI */
    int help, version;
    char describe_model[64];
    int argc;
    char **argv;
};

/* Fill opt from argv (argv is not modified).  Returns 0, or 2 with one line naming the option
 * and the bad value in errbuf (without the program name or newline).  opt->help, opt->version
 * and opt->describe_model select the modes that need no MPI. */
int llmb_options_parse(struct llmb_options *opt, int argc, char **argv, char *errbuf,
                       size_t errlen);

/* Defaults (also applied by llmb_options_parse first). */
void llmb_options_defaults(struct llmb_options *opt);

/* Usage text. */
void llmb_options_usage(FILE *f);

/* The options as JSON (new reference; json_t * as void * to keep jansson out of this header). */
void *llmb_options_json(const struct llmb_options *opt);

#endif
