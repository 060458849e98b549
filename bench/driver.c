/* Driver services for phases: progress (and the watchdog's heartbeat), messages, the abort
 * path. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "llmbench.h"
#include "watchdog.h"

void llmb_progress(struct llmb_ctx *ctx, const char *phase, int n, int m, const char *what)
{
    static double last_s = -1e9, phase_t0;
    static char last_phase[32];
    llmb_watchdog_point(phase, n, what);
    if (ctx->rank != 0 || ctx->opt->quiet)
        return;
    double now = MPI_Wtime();
    if (strncmp(last_phase, phase, sizeof last_phase - 1) != 0 || n <= 1) {
        snprintf(last_phase, sizeof last_phase, "%s", phase);
        phase_t0 = now;
        last_s = -1e9;
    }
    if (now - last_s < 2.0 && n < m)
        return;
    last_s = now;
    double elapsed = now - phase_t0;
    char left[48] = "";
    if (n > 0 && n < m)
        snprintf(left, sizeof left, "  left ~%.0f s", elapsed / n * (m - n));
    fprintf(stderr, "[%s] point %d/%d  elapsed %.1f s%s%s%s\n", phase, n, m, elapsed, left,
            what ? "  " : "", what ? what : "");
    fflush(stderr);
}

_Noreturn void llmb_abort(int status, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int rank = -1, init = 0;
    MPI_Initialized(&init);
    if (init)
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    llmb_error("rank %d: %s", rank, msg);
    if (init)
        MPI_Abort(MPI_COMM_WORLD, status);
    abort(); /* MPI not initialised: nothing else to stop */
}

void llmb_say(struct llmb_ctx *ctx, const char *fmt, ...)
{
    if (ctx->rank != 0 || ctx->opt->quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fflush(stdout);
}

json_t *llmb_phase_result(struct llmb_ctx *ctx, const char *name)
{
    if (!ctx->doc)
        return NULL;
    return json_object_get(json_object_get(ctx->doc, "phases"), name);
}

static double gather_s; /* time inside llmb_gather_json on this rank */

double llmb_gather_seconds(void) { return gather_s; }

json_t *llmb_gather_json(json_t *mine, MPI_Comm comm)
{
    double t0 = MPI_Wtime();
    int rank, size;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    char *text = mine ? json_dumps(mine, JSON_COMPACT) : NULL;
    json_decref(mine);
    if (mine && !text)
        llmb_abort(LLMB_EFAIL, "out of memory serializing results");
    int len = text ? (int)strlen(text) + 1 : 1;
    int *lens = NULL, *displs = NULL;
    char *all = NULL;
    if (rank == 0) {
        lens = malloc((size_t)size * sizeof *lens);
        displs = malloc((size_t)size * sizeof *displs);
        if (!lens || !displs)
            llmb_abort(LLMB_EFAIL, "out of memory gathering results of %d ranks", size);
    }
    MPI_Gather(&len, 1, MPI_INT, lens, 1, MPI_INT, 0, comm);
    if (rank == 0) {
        long long total = 0;
        for (int i = 0; i < size; i++) {
            displs[i] = (int)total;
            total += lens[i];
        }
        if (total > 0x7fffffffLL || !(all = malloc((size_t)total)))
            llmb_abort(LLMB_EFAIL, "results of %d ranks too large to gather (%lld bytes)", size, total);
    }
    MPI_Gatherv(text ? text : "", len, MPI_CHAR, all, lens, displs, MPI_CHAR, 0, comm);
    free(text);
    json_t *out = NULL;
    if (rank == 0) {
        out = json_array();
        for (int i = 0; i < size; i++) {
            json_t *v = all[displs[i]] ? json_loads(all + displs[i], 0, NULL) : NULL;
            json_array_append_new(out, v ? v : json_null());
        }
    }
    gather_s += MPI_Wtime() - t0;
    free(all);
    free(lens);
    free(displs);
    return out;
}
