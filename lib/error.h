/* Error reporting for library code: one clear line on stderr, then return an error.
 *
 * Library functions never exit(): they print one line with llmb_error() and return -1 (or NULL)
 * to their caller.  Only the top of a program decides how to stop: in the driver, bench/main.c
 * (exit status) and llmb_abort() in bench/driver.c (MPI_Abort, the one abort path); in the
 * reporter, report/main.c. */
#ifndef LLMB_ERROR_H
#define LLMB_ERROR_H

#include <stdarg.h>

/* Exit statuses shared by every program. */
enum {
    LLMB_OK = 0,
    LLMB_EFAIL = 1,   /* a measurement or verification failed */
    LLMB_EINPUT = 2   /* bad input: option, configuration, results file */
};

/* Name printed before every message ("llmbench", "llmbench-report").  Default "llmbench". */
void llmb_error_set_prog(const char *prog);
const char *llmb_error_prog(void);

/* Print "<prog>: <message>\n" on stderr.  Always returns -1. */
int llmb_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int llmb_verror(const char *fmt, va_list ap);

/* Print "<prog>: warning: <message>\n" on stderr. */
void llmb_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Redirect messages into a buffer instead of stderr (used by unit tests); NULL restores stderr.
 * The buffer always holds the last message. */
void llmb_error_capture(char *buf, unsigned long size);

#endif
