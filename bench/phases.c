/* The phase registry, made from the one list in bench/phases.h. */
#include "llmbench.h"

const struct llmb_phase llmb_phases[] = {
#define LLMB_PHASE_X(bit, name, uses, what) {#name, LLMB_PHASE_##bit, uses, llmb_phase_##name, what},
    LLMB_PHASES(LLMB_PHASE_X)
#undef LLMB_PHASE_X
    {NULL, 0, 0, NULL, NULL},
};
