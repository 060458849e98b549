/* Machine facts and state at start (see machine.h): the one reader of /proc/cpuinfo, the one
 * reader of /proc/meminfo, the nominal CPU peak and the last-level cache size. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "machine.h"

extern char **environ;

/* Where /proc and /sys are: NULL for the real system (llmb_machine_set_root, tests only). */
static const char *fact_root;

void llmb_machine_set_root(const char *root) { fact_root = root && root[0] ? root : NULL; }

/* Open a /proc or /sys file below the root, for reading. */
static FILE *open_fact(const char *path)
{
    if (!fact_root)
        return fopen(path, "r");
    char full[4096];
    snprintf(full, sizeof full, "%s%s", fact_root, path);
    return fopen(full, "r");
}

/* First line of a file, newline removed; 0 or -1. */
static int read_line(const char *path, char *buf, size_t len)
{
    FILE *f = open_fact(path);
    if (!f)
        return -1;
    char *ok = fgets(buf, (int)len, f);
    fclose(f);
    if (!ok)
        return -1;
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

/* The number a one-line sysfs/procfs file starts with, or -1 when unreadable. */
static double read_number(const char *path)
{
    char buf[128];
    if (read_line(path, buf, sizeof buf) < 0)
        return -1;
    char *end;
    double v = strtod(buf, &end);
    return end == buf ? -1 : v;
}

/* ---- /proc/cpuinfo ---- */

/* The first value of each key of /proc/cpuinfo that llmbench uses (text after the colon);
 * "" when the key is missing. */
struct cpuinfo {
    char vendor[64];   /* vendor_id: "AuthenticAMD", "GenuineIntel" (x86 only) */
    char family[16];   /* cpu family, decimal (x86 only) */
    char model[256];   /* model name: "Intel(R) Xeon(R) ... @ 2.60GHz" */
    char mhz[32];      /* cpu MHz: the current clock */
    char flags[8192];  /* ISA flags separated by spaces (x86 only) */
};

/* Keep value in field unless the key was seen before (bit `bit` of *seen). */
static void cpuinfo_take(const char *value, char *field, size_t len, unsigned bit, unsigned *seen)
{
    if (*seen & bit)
        return;
    *seen |= bit;
    snprintf(field, len, "%s", value);
}

/* Read /proc/cpuinfo once into ci; all "" when unreadable. */
static void cpuinfo_read(struct cpuinfo *ci)
{
    memset(ci, 0, sizeof *ci);
    FILE *f = open_fact("/proc/cpuinfo");
    if (!f)
        return;
    struct { const char *key; char *field; size_t len; } keys[] = {
        {"vendor_id", ci->vendor, sizeof ci->vendor}, {"cpu family", ci->family, sizeof ci->family},
        {"model name", ci->model, sizeof ci->model},  {"cpu MHz", ci->mhz, sizeof ci->mhz},
        {"flags", ci->flags, sizeof ci->flags},
    };
    unsigned seen = 0;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        size_t klen = (size_t)(colon - line);
        while (klen > 0 && (line[klen - 1] == ' ' || line[klen - 1] == '\t'))
            klen--;
        char *v = colon + 1 + strspn(colon + 1, " \t");
        v[strcspn(v, "\n")] = '\0';
        for (unsigned k = 0; k < sizeof keys / sizeof keys[0]; k++)
            if (strlen(keys[k].key) == klen && strncmp(line, keys[k].key, klen) == 0)
                cpuinfo_take(v, keys[k].field, keys[k].len, 1u << k, &seen);
    }
    free(line);
    fclose(f);
}

static int has_flag(const char *flags, const char *flag)
{
    size_t n = strlen(flag);
    for (const char *p = flags; (p = strstr(p, flag)); p += n)
        if ((p == flags || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return 1;
    return 0;
}

/* FP32 FLOP per cycle per PU, and the ISA that gives it (text for the derivation). */
static int fp32_per_cycle(const struct cpuinfo *ci, const char **isa)
{
    const char *f = ci->flags;
    if (!f[0]) { /* no x86 flags line */
#if defined(__aarch64__)
        *isa = "NEON (2 x 128-bit FMA x 4 lanes x 2; SVE not counted)";
        return 16;
#else
        *isa = "SSE (4-wide add + mul)";
        return 8;
#endif
    }
    if (has_flag(f, "avx512f")) {
        if (strcmp(ci->vendor, "AuthenticAMD") == 0 && atoi(ci->family) == 0x19) {
            *isa = "AVX-512 on Zen 4 (2 x 256-bit FMA pipes x 8 lanes x 2)";
            return 32;
        }
        *isa = "AVX-512 FMA (2 FMA units x 16 lanes x 2)";
        return 64;
    }
    if (has_flag(f, "avx2") && has_flag(f, "fma")) {
        *isa = "AVX2 FMA (2 FMA units x 8 lanes x 2)";
        return 32;
    }
    if (has_flag(f, "avx")) {
        *isa = "AVX (8-wide add + 8-wide mul)";
        return 16;
    }
    *isa = "SSE (4-wide add + mul)";
    return 8;
}

int llmb_cpu_flops_per_cycle(int fp64)
{
    struct cpuinfo ci;
    const char *isa;
    cpuinfo_read(&ci);
    int f32 = fp32_per_cycle(&ci, &isa);
    return fp64 ? f32 / 2 : f32;
}

int llmb_cpu_model(char *buf, size_t len)
{
    struct cpuinfo ci;
    cpuinfo_read(&ci);
    snprintf(buf, len, "%s", ci.model);
    return ci.model[0] ? 0 : -1;
}

/* ---- clock ---- */

/* cpufreq's nominal maximum of cpu0 in kHz, or -1. */
static double cpufreq_max_khz(void)
{
    return read_number("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq");
}

static double max_freq_mhz(const struct cpuinfo *ci, const char **source)
{
    double khz = cpufreq_max_khz();
    if (khz > 0) {
        *source = "cpufreq";
        return khz / 1000.0;
    }
    double mhz = ci->mhz[0] ? strtod(ci->mhz, NULL) : 0;
    *source = mhz > 0 ? "cpuinfo" : "none";
    return mhz > 0 ? mhz : 0;
}

double llmb_cpu_max_freq_mhz(const char **source)
{
    struct cpuinfo ci;
    const char *src;
    cpuinfo_read(&ci);
    double mhz = max_freq_mhz(&ci, &src);
    if (source)
        *source = src;
    return mhz;
}

/* The clock of the nominal peak in GHz: cpufreq's maximum, else the base clock the model name
 * states, else the current clock; *src says which (text for the derivation). */
static double peak_ghz(const struct cpuinfo *ci, const char **src)
{
    double khz = cpufreq_max_khz();
    if (khz > 0) {
        *src = "cpuinfo_max_freq";
        return khz / 1e6;
    }
    const char *at = strstr(ci->model, "@ ");
    double named = at ? atof(at + 2) : 0; /* "... @ 2.60GHz" */
    if (named > 0) {
        *src = "model name (base clock)";
        return named;
    }
    double mhz = atof(ci->mhz);
    *src = mhz > 0 ? "cpu MHz (current clock; no cpufreq max exposed)" : "unknown";
    return mhz / 1e3;
}

double llmb_cpu_nominal_peak_gflops(int pus, char *deriv, size_t len)
{
    struct cpuinfo ci;
    const char *src, *isa;
    cpuinfo_read(&ci);
    double ghz = peak_ghz(&ci, &src), fpc = fp32_per_cycle(&ci, &isa); /* FP32 FLOP/cycle/PU */
    double peak = pus * ghz * fpc;
    snprintf(deriv, len, "%d PUs x %.3f GHz (%s) x %.0f FP32 FLOP/cycle (%s) = %.1f GFLOP/s; "
             "SMT siblings share their core's FMA units",
             pus, ghz, src, fpc, isa, peak);
    return peak;
}

/* ---- memory and cache ---- */

/* MemAvailable of /proc/meminfo in kB: 0, or -1 when unreadable. */
static int meminfo_available_kb(unsigned long long *kb)
{
    FILE *f = open_fact("/proc/meminfo");
    if (!f)
        return -1;
    char line[256];
    int rc = -1;
    while (rc < 0 && fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %llu kB", kb) == 1)
            rc = 0;
    fclose(f);
    return rc;
}

double llmb_mem_available_bytes(void)
{
    unsigned long long kb;
    return meminfo_available_kb(&kb) == 0 ? (double)kb * 1024.0 : 0;
}

size_t llmb_llc_bytes(void)
{
    long v = 0;
    FILE *f = open_fact("/sys/devices/system/cpu/cpu0/cache/index3/size");
    if (f) {
        if (fscanf(f, "%ldK", &v) == 1)
            v *= 1024;
        else
            v = 0;
        fclose(f);
    }
    if (v <= 0)
        v = sysconf(_SC_LEVEL3_CACHE_SIZE);
    return v > 0 ? (size_t)v : (size_t)32 << 20;
}

/* ---- the probe's machine object ---- */

static json_t *number_or_null(double v)
{
    return v >= 0 ? json_real(v) : json_null();
}

/* loadavg, governor, cur_freq_mhz (+ source), max_freq_mhz (+ source) into m. */
static void clock_json(json_t *m, const struct cpuinfo *ci)
{
    double l[3];
    FILE *f = open_fact("/proc/loadavg");
    if (f && fscanf(f, "%lf %lf %lf", &l[0], &l[1], &l[2]) == 3)
        json_object_set_new(m, "loadavg", json_pack("[f, f, f]", l[0], l[1], l[2]));
    else
        json_object_set_new(m, "loadavg", json_null());
    if (f)
        fclose(f);

    char buf[256];
    json_object_set_new(m, "governor",
                        read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", buf, sizeof buf) == 0
                            ? json_string(buf) : json_null());
    double cur = read_number("/sys/devices/system/cpu/cpu0/cpufreq/scaling_cur_freq");
    const char *cur_src = "cpufreq";
    if (cur > 0) {
        cur /= 1000.0;
    } else {
        cur = ci->mhz[0] ? strtod(ci->mhz, NULL) : -1;
        cur_src = cur > 0 ? "cpuinfo" : "none";
    }
    json_object_set_new(m, "cur_freq_mhz", number_or_null(cur > 0 ? cur : -1));
    json_object_set_new(m, "cur_freq_source", json_string(cur_src));
    const char *src;
    double max = max_freq_mhz(ci, &src);
    json_object_set_new(m, "max_freq_mhz", max > 0 ? json_real(max) : json_null());
    json_object_set_new(m, "max_freq_source", json_string(src));
}

json_t *llmb_machine_json(void)
{
    struct cpuinfo ci;
    cpuinfo_read(&ci);
    json_t *m = json_object();
    clock_json(m, &ci);

    double nb = read_number("/proc/sys/kernel/numa_balancing");
    json_object_set_new(m, "numa_balancing", nb >= 0 ? json_integer((json_int_t)nb) : json_null());
    unsigned long long kb;
    json_object_set_new(m, "mem_available_bytes",
                        meminfo_available_kb(&kb) == 0 ? json_integer((json_int_t)(kb * 1024ull)) : json_null());

    json_object_set_new(m, "cpu_model", ci.model[0] ? json_string(ci.model) : json_null());
    const char *fl = ci.flags, *isa;
    int f32 = fp32_per_cycle(&ci, &isa);
    json_object_set_new(m, "isa", json_pack("{s:b, s:b, s:b, s:i, s:i}", "avx512f", has_flag(fl, "avx512f"),
                                            "avx2", has_flag(fl, "avx2"), "fma", has_flag(fl, "fma"),
                                            "fp64_flops_per_cycle", f32 / 2, "fp32_flops_per_cycle", f32));
    return m;
}

/* ---- environment ---- */

json_t *llmb_perf_env_json(void)
{
    static const char *const prefixes[] = {"OMPI_", "PMIX_", "UCX_", "NCCL_", "OMP_", "OPENBLAS_",
                                           "MKL_", "SLURM_", "GOMP_", "KMP_", "HWLOC_", "PRTE_"};
    json_t *env = json_object();
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq)
            continue;
        int keep = strncmp(*e, "CUDA_VISIBLE_DEVICES=", 21) == 0;
        for (size_t i = 0; !keep && i < sizeof prefixes / sizeof prefixes[0]; i++)
            keep = strncmp(*e, prefixes[i], strlen(prefixes[i])) == 0;
        /* Per-launch wiring (URIs, session directories, ids, keys) explains nothing. */
        static const char *const noise[] = {"URI", "TMPDIR", "DSTORE", "session_dir", "precondition_transports",
                                            "jobid", "vpid", "FILE_LOCATION", "SECURITY", "PMIX_ID=",
                                            "PMIX_NAMESPACE=", "PMIX_BFROP", "PMIX_GDS_MODULE", "initial_wdir"};
        for (size_t i = 0; keep && i < sizeof noise / sizeof noise[0]; i++) {
            const char *hit = strstr(*e, noise[i]);
            keep = !hit || hit > eq;
        }
        if (!keep)
            continue;
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(eq - *e), *e);
        json_object_set_new(env, name, json_string(eq + 1));
    }
    return env;
}
