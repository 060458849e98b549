/* bench/phases.h - the phases of a run: the one list of their names.
 *
 * One line per phase, in run order: X(BIT, name, uses, what) gives
 *   LLMB_PHASE_<BIT>   its bit in --phases (enum llmb_phase_bit),
 *   "name"             its --phases name and its key in the results file (phases.<name>),
 *   llmb_phase_<name>  its entry point, int (struct llmb_ctx *, json_t *out), in
 *                      bench/phase_<name>.c (bench/llmbench.h declares it),
 *   uses               the phases whose results it reads when they ran before it,
 *   what               one line for --help and the registry.
 * The registry (bench/phases.c), the option parser, --help and the results' phase list are
 * all made from this list.
 *
 * Adding a phase: bench/phase_<name>.c, one line here, its line in bench/local.mk, its section
 * in doc/results-schema.md and doc/llmbench.1, and its test. */
#ifndef LLMB_PHASES_H
#define LLMB_PHASES_H

#define LLMB_PHASES(X)                                                                         \
    X(PROBE, probe, 0u,                                                                        \
      "topology, binding, devices, software and machine state of every node")                 \
    X(COMPUTE, compute, LLMB_PHASE_PROBE,                                                      \
      "GEMM peak and sweep at the model's shapes, memory bandwidth, every kernel of a step "   \
      "validated then timed")                                                                  \
    X(COMM, comm, LLMB_PHASE_PROBE,                                                            \
      "collective sweeps, node-pair link matrix, arrival times")                               \
    X(TRAIN, train, LLMB_PHASE_COMPUTE | LLMB_PHASE_COMM,                                      \
      "data-parallel or sharded training steps: tokens/s, MFU, per-rank timeline")

enum llmb_phase_index {
#define LLMB_PHASE_X(bit, name, uses, what) LLMB_PHASE_I_##bit,
    LLMB_PHASES(LLMB_PHASE_X)
#undef LLMB_PHASE_X
    LLMB_NPHASES
};

enum llmb_phase_bit {
#define LLMB_PHASE_X(bit, name, uses, what) LLMB_PHASE_##bit = 1u << LLMB_PHASE_I_##bit,
    LLMB_PHASES(LLMB_PHASE_X)
#undef LLMB_PHASE_X
    LLMB_PHASE_ALL = (1u << LLMB_NPHASES) - 1
};

/* The name of phase i ("probe", ...), or NULL out of range. */
static inline const char *llmb_phase_name(int i)
{
    static const char *const names[] = {
#define LLMB_PHASE_X(bit, name, uses, what) #name,
        LLMB_PHASES(LLMB_PHASE_X)
#undef LLMB_PHASE_X
    };
    return i >= 0 && i < LLMB_NPHASES ? names[i] : (const char *)0;
}

#endif
