/* Machine state and nominal CPU facts (see machine.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "machine.h"

extern char **environ;

/* First line of a file, newline removed; 0 or -1. */
static int read_line(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char *ok = fgets(buf, (int)len, f);
    fclose(f);
    if (!ok)
        return -1;
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

/* A number from a one-line sysfs/procfs file, or NAN-like -1 when unreadable. */
static double read_number(const char *path)
{
    char buf[128];
    if (read_line(path, buf, sizeof buf) < 0)
        return -1;
    char *end;
    double v = strtod(buf, &end);
    return end == buf ? -1 : v;
}

/* The value of the first /proc/cpuinfo line starting with key (after the colon), or "". */
static void cpuinfo_value(const char *key, char *buf, size_t len)
{
    buf[0] = '\0';
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char *line = NULL;
    size_t cap = 0;
    size_t klen = strlen(key);
    while (getline(&line, &cap, f) > 0) {
        if (strncmp(line, key, klen) == 0 && (line[klen] == '\t' || line[klen] == ' ' || line[klen] == ':')) {
            char *v = strchr(line, ':');
            if (v) {
                v += 1 + strspn(v + 1, " \t");
                v[strcspn(v, "\n")] = '\0';
                snprintf(buf, len, "%s", v);
            }
            break;
        }
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

double llmb_cpu_max_freq_mhz(const char **source)
{
    double khz = read_number("/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq");
    if (khz > 0) {
        if (source)
            *source = "cpufreq";
        return khz / 1000.0;
    }
    char buf[64];
    cpuinfo_value("cpu MHz", buf, sizeof buf);
    double mhz = buf[0] ? strtod(buf, NULL) : 0;
    if (source)
        *source = mhz > 0 ? "cpuinfo" : "none";
    return mhz > 0 ? mhz : 0;
}

static char cpu_flags[8192];

static const char *flags(void)
{
    if (!cpu_flags[0])
        cpuinfo_value("flags", cpu_flags, sizeof cpu_flags);
    return cpu_flags;
}

int llmb_cpu_flops_per_cycle(int fp64)
{
    const char *f = flags();
    int w;
    if (has_flag(f, "avx512f") && has_flag(f, "fma"))
        w = 32;
    else if (has_flag(f, "avx2") && has_flag(f, "fma"))
        w = 16;
    else if (has_flag(f, "avx"))
        w = 8;
    else
        w = 4;
    return fp64 ? w : 2 * w;
}

static json_t *number_or_null(double v)
{
    return v >= 0 ? json_real(v) : json_null();
}

json_t *llmb_machine_json(void)
{
    json_t *m = json_object();
    double l[3];
    FILE *f = fopen("/proc/loadavg", "r");
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
        cpuinfo_value("cpu MHz", buf, sizeof buf);
        cur = buf[0] ? strtod(buf, NULL) : -1;
        cur_src = cur > 0 ? "cpuinfo" : "none";
    }
    json_object_set_new(m, "cur_freq_mhz", number_or_null(cur > 0 ? cur : -1));
    json_object_set_new(m, "cur_freq_source", json_string(cur_src));
    const char *src;
    double max = llmb_cpu_max_freq_mhz(&src);
    json_object_set_new(m, "max_freq_mhz", max > 0 ? json_real(max) : json_null());
    json_object_set_new(m, "max_freq_source", json_string(src));

    double nb = read_number("/proc/sys/kernel/numa_balancing");
    json_object_set_new(m, "numa_balancing", nb >= 0 ? json_integer((json_int_t)nb) : json_null());

    json_t *avail = json_null();
    if ((f = fopen("/proc/meminfo", "r"))) {
        char line[256];
        unsigned long long kb;
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
                json_decref(avail);
                avail = json_integer((json_int_t)(kb * 1024ull));
                break;
            }
        fclose(f);
    }
    json_object_set_new(m, "mem_available_bytes", avail);

    cpuinfo_value("model name", buf, sizeof buf);
    json_object_set_new(m, "cpu_model", buf[0] ? json_string(buf) : json_null());
    const char *fl = flags();
    json_object_set_new(m, "isa", json_pack("{s:b, s:b, s:b, s:i, s:i}", "avx512f", has_flag(fl, "avx512f"),
                                            "avx2", has_flag(fl, "avx2"), "fma", has_flag(fl, "fma"),
                                            "fp64_flops_per_cycle", llmb_cpu_flops_per_cycle(1),
                                            "fp32_flops_per_cycle", llmb_cpu_flops_per_cycle(0)));
    return m;
}

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
