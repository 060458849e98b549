/* libFuzzer harness: the bytes are an llmbench command line, one argument per line (a '\n'
 * ends each argument; a NUL byte ends an argument early), parsed by llmb_options_parse
 * (bench/options.c, with the real backend registry of bench/backend.c), then written as the
 * results file writes it (llmb_options_json).  Errors are captured, not printed.
 * doc/fuzzing.md. */
#include "bench/options.h"

#include "error.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ARGS 256

static char errbuf[2048];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    llmb_error_capture(errbuf, sizeof errbuf);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* one allocation holding the arguments, each its own string (ASan sees overruns) */
    char *copy = malloc(size + 1);
    char *argv[MAX_ARGS + 1];
    int argc = 0;
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    argv[argc++] = "llmbench";
    char *p = copy, *end = copy + size;
    while (p < end && argc < MAX_ARGS) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl)
            *nl = '\0';
        argv[argc++] = p;
        if (!nl)
            break;
        p = nl + 1;
    }
    argv[argc] = NULL;

    struct llmb_options opt;
    char err[512];
    memset(&opt, 0, sizeof opt);
    int rc = llmb_options_parse(&opt, argc, argv, err, sizeof err);
    if (rc != 0 && rc != 2)
        abort(); /* documented: 0 or 2 */
    if (rc == 2 && (!err[0] || strchr(err, '\n')))
        abort(); /* documented: one line naming the option */
    if (rc == 0) {
        json_t *j = llmb_options_json(&opt);
        char *s = j ? json_dumps(j, 0) : NULL;
        free(s);
        json_decref(j);
    }
    free(copy);
    return 0;
}
