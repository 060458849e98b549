/* Small text formatters shared by the findings and the output: times with their unit, and a
 * bounded append that marks what it had to cut.  A leaf: it calls no other file of report/. */
#include "report.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *rr_format_time(double s, char *b, size_t n)
{
    if (isnan(s))
        snprintf(b, n, "-");
    else if (fabs(s) < 1e-3)
        snprintf(b, n, "%.1f us", s * 1e6);
    else if (fabs(s) < 1)
        snprintf(b, n, "%.2f ms", s * 1e3);
    else
        snprintf(b, n, "%.3f s", s);
    return b;
}

void rr_cat(char *buf, size_t len, const char *fmt, ...)
{
    size_t l = strlen(buf);
    if (l + 1 >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(buf + l, len - l, fmt, ap);
    va_end(ap);
    if (w >= 0 && (size_t)w >= len - l && len > sizeof RR_CUT_MARK) {
        size_t at = len - sizeof RR_CUT_MARK; /* the mark never splits a UTF-8 character */
        while (at > 0 && ((unsigned char)buf[at] & 0xc0) == 0x80)
            at--;
        memcpy(buf + at, RR_CUT_MARK, sizeof RR_CUT_MARK);
    }
}
