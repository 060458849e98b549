#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int llmb_parse_size(const char *text, size_t *bytes)
{
    if (!text || !isdigit((unsigned char)text[0]))
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno)
        return -1;
    unsigned shift = 0;
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: break;
    }
    if (shift && *end == 'i')
        end++;
    if (*end == 'B' || (*end == 'b' && shift == 0 && end[1] == '\0'))
        end++;
    if (*end != '\0')
        return -1;
    if (shift && v > (SIZE_MAX >> shift))
        return -1;
    *bytes = (size_t)(v << shift);
    return 0;
}

int llmb_parse_size_range(const char *text, size_t *min, size_t *max, unsigned *factor,
                          const char **why)
{
    char buf[128];
    if (llmb_strlcpy(buf, text, sizeof buf) < 0) {
        *why = "too long";
        return -1;
    }
    char *a = buf, *b = strchr(a, ':');
    if (!b) {
        *why = "expected MIN:MAX[:FACTOR]";
        return -1;
    }
    *b++ = '\0';
    char *c = strchr(b, ':');
    if (c)
        *c++ = '\0';
    long f = 2;
    if (llmb_parse_size(a, min) < 0 || llmb_parse_size(b, max) < 0) {
        *why = "not a size (digits with an optional K, M or G suffix)";
        return -1;
    }
    if (c && llmb_parse_long(c, 2, 1024, &f) < 0) {
        *why = "FACTOR must be an integer from 2 to 1024";
        return -1;
    }
    if (*min == 0) {
        *why = "MIN must be at least 1 byte";
        return -1;
    }
    if (*min > *max) {
        *why = "MIN is larger than MAX";
        return -1;
    }
    *factor = (unsigned)f;
    return 0;
}

int llmb_parse_long(const char *text, long lo, long hi, long *out)
{
    if (!text || !*text)
        return -1;
    errno = 0;
    char *end;
    long v = strtol(text, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int llmb_parse_double(const char *text, double lo, double hi, double *out)
{
    if (!text || !*text)
        return -1;
    errno = 0;
    char *end;
    double v = strtod(text, &end);
    if (errno || *end || !isfinite(v) || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

const char *llmb_format_size(size_t bytes, char *buf, size_t len)
{
    static const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%zu B", bytes);
    else if (v == floor(v))
        snprintf(buf, len, "%.0f %s", v, unit[u]);
    else
        snprintf(buf, len, "%.1f %s", v, unit[u]);
    return buf;
}

double llmb_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void utc_format(char *buf, size_t len, const char *fmt)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, fmt, &tm);
}

void llmb_utc_iso(char *buf, size_t len) { utc_format(buf, len, "%Y-%m-%dT%H:%M:%SZ"); }
void llmb_utc_compact(char *buf, size_t len) { utc_format(buf, len, "%Y%m%dT%H%M%SZ"); }

uint64_t llmb_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

int llmb_list_index(const char *const *names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

int llmb_strlcpy(char *dst, const char *src, size_t len)
{
    size_t n = strlen(src);
    if (len == 0)
        return -1;
    if (n >= len) {
        memcpy(dst, src, len - 1);
        dst[len - 1] = '\0';
        return -1;
    }
    memcpy(dst, src, n + 1);
    return 0;
}

const char *llmb_join(const char *const *names, int n, const char *sep, char *buf, size_t len)
{
    size_t used = 0;
    if (len == 0)
        return buf;
    for (int i = 0; i < n; i++) {
        const char *parts[2] = {i ? sep : "", names[i]};
        for (int k = 0; k < 2; k++)
            for (const char *p = parts[k]; *p && used + 1 < len; p++)
                buf[used++] = *p;
    }
    buf[used] = '\0';
    return buf;
}

int llmb_read_file(const char *path, size_t max_bytes, char **text, size_t *n, int *err)
{
    *text = NULL, *n = 0, *err = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return *err = errno, LLMB_READ_OPEN;
    struct stat st;
    int code = 0;
    if (fstat(fd, &st) < 0)
        code = LLMB_READ_IO, *err = errno;
    else if (S_ISDIR(st.st_mode))
        code = LLMB_READ_DIR, *err = EISDIR;
    else if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > max_bytes)
        code = LLMB_READ_TOO_BIG, *n = (size_t)st.st_size;
    if (code) {
        close(fd);
        return code;
    }
    size_t cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 1 << 16, len = 0;
    char *buf = malloc(cap);
    ssize_t r = 1;
    while (buf && r > 0) {
        if (len + 1 >= cap) { /* grew while read, or a pipe */
            char *b = len < max_bytes ? realloc(buf, 2 * cap) : NULL;
            if (!b)
                break;
            buf = b, cap *= 2;
        }
        r = read(fd, buf + len, cap - 1 - len);
        if (r > 0)
            len += (size_t)r;
        else if (r < 0 && errno == EINTR)
            r = 1;
    }
    int saved = buf ? errno : ENOMEM;
    close(fd);
    if (!buf || r != 0 || len > max_bytes) {
        free(buf);
        if (len >= max_bytes)
            return LLMB_READ_TOO_BIG;
        return *err = saved, LLMB_READ_IO;
    }
    buf[len] = '\0';
    *text = buf, *n = len;
    return 0;
}
