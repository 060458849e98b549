/* The input as lines, with the per-rank prefixes of launchers removed:
 *   mpirun --tag-output (Open MPI)   "[1,0]<stdout>:" or "[1,0]<stderr>:", also inside a line
 *                                    (a row printed in several writes gets one per write);
 *   srun --label                     "0: " (right-aligned: " 3: ") at the start of a line;
 *   mpirun -prepend-rank (MPICH,     "[0] " at the start of a line.
 *   Intel MPI)
 * Part of llmbench-import (import/import.h). */
#include "import.h"

#include "error.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int imp_starts(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

/* Length of an Open MPI tag "[J,R]<stdout>:" (or <stderr>) at s, its rank into *rank; 0 when
 * none. */
static size_t tag_output(const char *s, int *rank)
{
    const char *p = s;
    if (*p++ != '[' || !isdigit((unsigned char)*p))
        return 0;
    while (isdigit((unsigned char)*p))
        p++;
    if (*p++ != ',' || !isdigit((unsigned char)*p))
        return 0;
    long r = strtol(p, (char **)&p, 10);
    if (*p++ != ']')
        return 0;
    if (!imp_starts(p, "<stdout>:") && !imp_starts(p, "<stderr>:"))
        return 0;
    *rank = r < 0 || r > IMP_MAX_RANKS ? -1 : (int)r;
    return (size_t)(p + 9 - s);
}

/* A launcher's prefix at the start of line s ("0: ", " 3: ", "[0] "): its length, the rank
 * into *rank; 0 when none. */
static size_t lead_prefix(const char *s, int *rank)
{
    const char *p = s;
    if (*p == '[') {
        p++;
        if (!isdigit((unsigned char)*p))
            return 0;
        long r = strtol(p, (char **)&p, 10);
        if (*p != ']' || (p[1] != ' ' && p[1] != '\0'))
            return 0;
        *rank = r > IMP_MAX_RANKS ? -1 : (int)r;
        return (size_t)(p + (p[1] == ' ' ? 2 : 1) - s);
    }
    while (*p == ' ')
        p++;
    if (!isdigit((unsigned char)*p) || p - s > 8)
        return 0;
    long r = strtol(p, (char **)&p, 10);
    if (*p != ':' || (p[1] != ' ' && p[1] != '\0'))
        return 0;
    *rank = r > IMP_MAX_RANKS ? -1 : (int)r;
    return (size_t)(p + (p[1] == ' ' ? 2 : 1) - s);
}

/* Remove the prefixes of one line in place; 1 when one was found inside the line. */
static int strip(struct imp_line *l)
{
    char *s = l->text, *w = s;
    int rank = -1, mid = 0;
    size_t k;
    if ((k = tag_output(s, &rank)) > 0 || (k = lead_prefix(s, &rank)) > 0)
        s += k;
    l->rank = rank;
    for (char *r = s; *r;) {
        int r2;
        if (*r == '[' && (k = tag_output(r, &r2)) > 0) {
            r += k;
            mid = 1;
            continue;
        }
        *w++ = *r++;
    }
    *w = '\0';
    while (w > l->text && isspace((unsigned char)w[-1]))
        *--w = '\0';
    return mid;
}

int imp_text_read(const char *file, struct imp_text *t)
{
    memset(t, 0, sizeof *t);
    t->file = file;
    size_t len;
    int err;
    switch (llmb_read_file(file, IMP_MAX_FILE_BYTES, &t->buf, &len, &err)) {
    case 0:
        break;
    case LLMB_READ_OPEN:
        return llmb_error("%s: cannot open: %s", file, strerror(err));
    case LLMB_READ_TOO_BIG:
        return llmb_error("%s: larger than the %lu MiB an input may be", file,
                          IMP_MAX_FILE_BYTES >> 20);
    default:
        return llmb_error("%s: cannot read: %s", file,
                          err == ENOMEM ? "out of memory" : strerror(err));
    }
    char *z = memchr(t->buf, '\0', len);
    if (z) {
        int line = 1;
        for (char *q = t->buf; q < z; q++)
            line += *q == '\n';
        return llmb_error("%s:%d: a NUL byte: not a text output", file, line);
    }
    size_t nl = 1;
    for (size_t i = 0; i < len; i++)
        nl += t->buf[i] == '\n';
    t->v = calloc(nl, sizeof *t->v);
    if (!t->v)
        return llmb_error("%s: out of memory", file);
    char *p = t->buf;
    int no = 0;
    while (*p) {
        char *e = strchr(p, '\n');
        struct imp_line *l = &t->v[t->n++];
        l->no = ++no;
        l->text = p;
        if (e)
            *e = '\0';
        else
            l->last_unterminated = 1;
        t->midrow += strip(l);
        t->prefixed += l->rank >= 0;
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

void imp_text_free(struct imp_text *t)
{
    free(t->buf);
    free(t->v);
    memset(t, 0, sizeof *t);
}

int imp_tokens(char *s, char **tok, int max)
{
    int n = 0;
    char *save = NULL;
    for (char *p = strtok_r(s, " \t", &save); p; p = strtok_r(NULL, " \t", &save)) {
        if (n == max)
            return max + 1;
        tok[n++] = p;
    }
    return n;
}

int imp_number(const char *s, double *v, double *half)
{
    char *end;
    if (!*s || isspace((unsigned char)*s))
        return -1;
    errno = 0;
    double x = strtod(s, &end);
    if (*end || errno == ERANGE || !isfinite(x) || end == s)
        return -1;
    *v = x;
    if (half) {
        const char *dot = strchr(s, '.'), *exp = strpbrk(s, "eE");
        int dec = 0;
        if (dot)
            for (const char *q = dot + 1; isdigit((unsigned char)*q); q++)
                dec++;
        double h = 0.5 * pow(10, -dec);
        if (exp)
            h *= pow(10, strtol(exp + 1, NULL, 10));
        *half = h;
    }
    return 0;
}

const char *imp_detect(const struct imp_text *t)
{
    for (size_t i = 0; i < t->n; i++) {
        const char *c = t->v[i].text;
        if (strstr(c, "# OSU "))
            return "osu";
        if (strstr(c, "# Benchmarking ") || strstr(c, "Intel(R) MPI Benchmarks") ||
            strstr(c, "#processes = "))
            return "imb";
        if (strstr(c, "nccl-tests") || strstr(c, "Collective test starting") ||
            strstr(c, "Avg bus bandwidth") || (strstr(c, "busbw") && strstr(c, "algbw")) ||
            (strstr(c, "nThread") && strstr(c, "nGpus")))
            return "nccl-tests";
    }
    return NULL;
}
