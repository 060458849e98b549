/* The warnings the topology probe raises (phases.probe.warnings[].id), in the order it reports
 * them: the one list of their ids, read by the probe (bench/phase_probe.c) and by the reporter,
 * which turns each into a finding of the same id (doc/findings.md).
 *
 * Adding a probe warning: one X() line here, its test in bench/phase_probe.c, its finding row in
 * report/findings.c and its entry in doc/findings.md. */
#ifndef LLMB_PROBE_WARNINGS_H
#define LLMB_PROBE_WARNINGS_H

#define LLMB_PROBE_WARNINGS(X)                                                                 \
    X(LLMB_PW_UNBOUND, "binding.unbound")                                                      \
    X(LLMB_PW_SHARED_CORE, "binding.shared_core")                                              \
    X(LLMB_PW_NUMA_MISMATCH, "placement.numa_mismatch")                                        \
    X(LLMB_PW_GPU_NIC_SYS, "placement.gpu_nic_sys")

enum llmb_probe_warning {
#define LLMB_PW_ENUM(e, id) e,
    LLMB_PROBE_WARNINGS(LLMB_PW_ENUM)
#undef LLMB_PW_ENUM
    LLMB_PW_COUNT
};

/* The id of warning w ("binding.unbound", ...), or NULL out of range. */
static inline const char *llmb_probe_warning_id(enum llmb_probe_warning w)
{
    static const char *const ids[] = {
#define LLMB_PW_ID(e, id) id,
        LLMB_PROBE_WARNINGS(LLMB_PW_ID)
#undef LLMB_PW_ID
    };
    return (unsigned)w < LLMB_PW_COUNT ? ids[w] : (const char *)0;
}

#endif
