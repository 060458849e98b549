#include "error.h"

#include <stdio.h>
#include <string.h>

static const char *prog_name = "llmbench";
static char *capture_buf;
static unsigned long capture_size;

void llmb_error_set_prog(const char *prog) { prog_name = prog; }
const char *llmb_error_prog(void) { return prog_name; }

void llmb_error_capture(char *buf, unsigned long size)
{
    capture_buf = buf;
    capture_size = size;
    if (buf && size)
        buf[0] = '\0';
}

static void emit(const char *kind, const char *fmt, va_list ap)
{
    char msg[2048];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (capture_buf) {
        snprintf(capture_buf, capture_size, "%s%s", kind, msg);
        return;
    }
    fprintf(stderr, "%s: %s%s\n", prog_name, kind, msg);
    fflush(stderr);
}

int llmb_verror(const char *fmt, va_list ap)
{
    emit("", fmt, ap);
    return -1;
}

int llmb_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    llmb_verror(fmt, ap);
    va_end(ap);
    return -1;
}

void llmb_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit("warning: ", fmt, ap);
    va_end(ap);
}
