/* bench/interrupt.c - SIGINT and SIGTERM during a run (interrupt.h). */
#include "config.h"

#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "interrupt.h"
#include "llmbench.h"
#include "results.h"
#include "util.h"

static pthread_mutex_t doc_mutex = PTHREAD_MUTEX_INITIALIZER;
static struct llmb_ctx *armed_ctx;
static char armed_name[512];
static int pipe_fd[2] = {-1, -1}; /* the handler -> the waiter thread */
static volatile int crowded;       /* this node runs more ranks than it has PUs */

void llmb_interrupt_crowded(int yes) { crowded = yes; }

void llmb_doc_lock(void) { pthread_mutex_lock(&doc_mutex); }
void llmb_doc_unlock(void) { pthread_mutex_unlock(&doc_mutex); }

void llmb_interrupt_arm(struct llmb_ctx *ctx, const char *name)
{
    llmb_doc_lock();
    snprintf(armed_name, sizeof armed_name, "%s", name);
    armed_ctx = ctx;
    llmb_doc_unlock();
}

int llmb_final_write(const char *status, void *extra_, char *done, size_t len)
{
    struct llmb_ctx *ctx;
    json_t *extra = extra_;
    char iso[32];
    size_t i, used = 0;
    json_t *p, *doc = NULL;
    int rc = -1;
    llmb_doc_lock(); /* never unlocked: the document is not changed again */
    ctx = armed_ctx; /* under the lock: NULL once the document is being freed */
    if (len)
        done[0] = '\0';
    /* a shallow copy: with the lock held for good nothing changes the members it shares */
    if (ctx && ctx->rank == 0 && ctx->doc && (doc = json_copy(ctx->doc))) {
        llmb_utc_iso(iso, sizeof iso);
        json_object_set_new(doc, "status", json_string(status));
        json_object_set_new(doc, "end_time", json_string(iso));
        if (extra)
            json_object_update(doc, extra);
        json_array_foreach(json_object_get(doc, "phases_completed"), i, p)
            if (used + 32 < len)
                used += (size_t)snprintf(done + used, len - used, "%s%s", i ? ", " : "",
                                         json_string_value(p));
        if (len && !used)
            snprintf(done, len, "none");
        rc = llmb_results_write(doc, ctx->opt->output, armed_name, LLMB_WRITE_LAST);
    }
    json_decref(doc);
    json_decref(extra);
    return rc;
}

int llmb_final_armed(void) { return armed_ctx && armed_ctx->rank == 0 && armed_ctx->doc; }

const char *llmb_final_file(char *buf, size_t len)
{
    snprintf(buf, len, "%s/%s", armed_ctx ? armed_ctx->opt->output : "?", armed_name);
    return buf;
}

/* The handler only passes the signal on (async-signal-safe): whichever thread the kernel
 * picks (MPI's and OpenMP's threads included), the waiter thread does the work. */
static void on_signal(int sig)
{
    unsigned char c = (unsigned char)sig;
    ssize_t w = write(pipe_fd[1], &c, 1);
    (void)w;
}

static void *waiter(void *arg)
{
    (void)arg;
    unsigned char c = 0;
    while (read(pipe_fd[0], &c, 1) != 1)
        ;
    int sig = c;
    const char *name = sig == SIGINT ? "SIGINT" : "SIGTERM";
    if (llmb_final_armed()) {
        char done[256], file[1024];
        if (llmb_final_write("interrupted", json_pack("{s:s}", "interrupted_by", name), done,
                             sizeof done) == 0)
            llmb_error("interrupted by %s: %s holds the phases completed before (%s)", name,
                       llmb_final_file(file, sizeof file), done);
    } else if (!crowded) { /* a launcher that ends the job once one rank exits (srun -K):
                            * give rank 0 the time to write */
        usleep(500000);
    }
    /* On a node with more ranks than PUs the other ranks leave at once: mpirun sends SIGKILL
     * about a second after the signal it forwards, and oversubscribed ranks that went on
     * polling in MPI took the cores rank 0 needed to write in that second. */
    _exit(128 + sig);
    return NULL;
}

int llmb_interrupt_start(void)
{
    pthread_t t;
    pthread_attr_t attr;
    if (pipe(pipe_fd) != 0)
        return -1;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&t, &attr, waiter, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0)
        return -1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    return 0;
}
