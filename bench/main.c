/* llmbench: the MPI driver.  Parses options on every rank, maps ranks to nodes, runs the
 * selected phases in registry order and writes the results file after each one. */
#include "config.h"
#include "llmb_version.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "cluster/machine.h"
#include "error.h"
#include "gpu_telemetry.h"
#include "interrupt.h"
#include "kernels/plan.h"
#include "llmbench.h"
#include "model.h"
#include "results.h"
#include "util.h"
#include "watchdog.h"

static void print_version(void)
{
    char names[256];
    llmb_backend_names(names, sizeof names, ", ");
    printf("llmbench %s\n", LLMB_VERSION_STRING);
    printf("backends: %s\n", names);
#ifdef LLMB_HAVE_CUDA
    printf("cuda toolkit: found at build time (cuBLAS");
#ifdef LLMB_HAVE_NCCL
    printf(", NCCL");
#endif
    printf("); CUDA backends: cuda (bf16 GEMMs), cuda-fp16, cuda-tf32, cuda-fp32\n");
#endif
    printf("blas: %s\ncompiler: %s\n", LLMB_BLAS_NAME, LLMB_CC_VERSION);
}

/* The lowest rank whose flag is set, ctx->size when none: every rank gets the same answer. */
static int first_rank(struct llmb_ctx *ctx, int flag)
{
    int me = flag ? ctx->rank : ctx->size, first = me;
    MPI_Allreduce(&me, &first, 1, MPI_INT, MPI_MIN, ctx->world);
    return first;
}

/* Every rank binds its device (a GPU backend): 0, or LLMB_EINPUT (one line, from the lowest
 * failing rank). */
static int select_device(struct llmb_ctx *ctx)
{
    char what[256] = "";
    int bad = ctx->be->select_device &&
              ctx->be->select_device(ctx->node_rank, ctx->node_size, what, sizeof what) != 0;
    int first = first_rank(ctx, bad);
    if (ctx->rank == first)
        llmb_error("--backend %s: %s (rank %d): %s", ctx->be->name, ctx->host, ctx->rank, what);
    return first < ctx->size ? LLMB_EINPUT : 0;
}

/* The backend of the run, chosen once: the one named by --backend, or for auto the first of
 * the registry available on every rank.  Every rank reaches the same verdict; 0 or
 * LLMB_EINPUT (one line from rank 0). */
static int choose_backend(struct llmb_ctx *ctx)
{
    const char *want = ctx->opt->backend;
    int automatic = strcmp(want, "auto") == 0;
    char why[256] = "";
    for (int i = 0; llmb_backends[i]; i++) {
        const struct llmb_backend *be = llmb_backends[i];
        if (!automatic && strcmp(be->name, want) != 0)
            continue;
        int bad = be->available(why, sizeof why) != 0;
        int first = first_rank(ctx, bad); /* the lowest rank where it is not available */
        if (first == ctx->size) {
            ctx->be = be;
            return select_device(ctx);
        }
        if (!automatic && ctx->rank == first) /* one line for the run */
            llmb_error("--backend: bad value '%s': not available on %s (rank %d): %s", want,
                       ctx->host, ctx->rank, why);
        if (!automatic)
            return LLMB_EINPUT;
    }
    if (ctx->rank == 0)
        llmb_error("--backend: bad value '%s': no backend of this build is available on every "
                   "rank", want);
    return LLMB_EINPUT;
}

/* Rank -> node map, node communicators and host names. */
static int map_nodes(struct llmb_ctx *ctx)
{
    MPI_Comm_split_type(ctx->world, MPI_COMM_TYPE_SHARED, ctx->rank, MPI_INFO_NULL, &ctx->node);
    MPI_Comm_rank(ctx->node, &ctx->node_rank);
    MPI_Comm_size(ctx->node, &ctx->node_size);
    llmb_interrupt_crowded(ctx->node_size > sysconf(_SC_NPROCESSORS_ONLN));
    MPI_Comm_split(ctx->world, ctx->node_rank == 0 ? 0 : MPI_UNDEFINED, ctx->rank, &ctx->leaders);
    int ids[2] = {0, 0};
    if (ctx->leaders != MPI_COMM_NULL) {
        MPI_Comm_rank(ctx->leaders, &ids[0]);
        MPI_Comm_size(ctx->leaders, &ids[1]);
    }
    MPI_Bcast(ids, 2, MPI_INT, 0, ctx->node);
    ctx->node_id = ids[0];
    ctx->nnodes = ids[1];

    if (gethostname(ctx->host, sizeof ctx->host) < 0)
        strcpy(ctx->host, "unknown");
    ctx->host[sizeof ctx->host - 1] = '\0';
    ctx->rank_node = malloc((size_t)ctx->size * sizeof *ctx->rank_node);
    char (*hosts)[LLMB_HOST_MAX] = malloc((size_t)ctx->size * LLMB_HOST_MAX);
    ctx->node_names = malloc((size_t)ctx->nnodes * LLMB_HOST_MAX);
    if (!ctx->rank_node || !hosts || !ctx->node_names)
        llmb_abort(LLMB_EFAIL, "out of memory mapping %d ranks", ctx->size);
    MPI_Allgather(&ctx->node_id, 1, MPI_INT, ctx->rank_node, 1, MPI_INT, ctx->world);
    MPI_Allgather(ctx->host, LLMB_HOST_MAX, MPI_CHAR, hosts, LLMB_HOST_MAX, MPI_CHAR, ctx->world);
    for (int r = ctx->size - 1; r >= 0; r--) /* lowest rank of each node names it */
        memcpy(ctx->node_names[ctx->rank_node[r]], hosts[r], LLMB_HOST_MAX);
    free(hosts);
    return 0;
}

/* The run-level part of the document (rank 0). */
static json_t *new_document(struct llmb_ctx *ctx, const char *run_id)
{
    const struct llmb_options *opt = ctx->opt;
    char iso[32], cpu[256], mpi_lib[MPI_MAX_LIBRARY_VERSION_STRING];
    int len, ver, sub;
    llmb_utc_iso(iso, sizeof iso);
    if (llmb_cpu_model(cpu, sizeof cpu) < 0)
        snprintf(cpu, sizeof cpu, "unknown");
    MPI_Get_library_version(mpi_lib, &len);
    mpi_lib[strcspn(mpi_lib, "\n")] = '\0';
    MPI_Get_version(&ver, &sub);
    struct utsname un;
    char kernel[600] = "unknown";
    if (uname(&un) == 0)
        snprintf(kernel, sizeof kernel, "%s %s %s", un.sysname, un.release, un.machine);

    json_t *cmd = json_array();
    for (int i = 0; i < opt->argc; i++)
        json_array_append_new(cmd, llmb_json_str(opt->argv[i]));
    json_t *map = json_array(), *names = json_array(), *per = json_array();
    for (int r = 0; r < ctx->size; r++)
        json_array_append_new(map, json_integer(ctx->rank_node[r]));
    for (int n = 0; n < ctx->nnodes; n++) {
        int count = 0;
        for (int r = 0; r < ctx->size; r++)
            count += ctx->rank_node[r] == n;
        json_array_append_new(names, llmb_json_str(ctx->node_names[n]));
        json_array_append_new(per, json_integer(count));
    }
    char mpi_std[16];
    snprintf(mpi_std, sizeof mpi_std, "%d.%d", ver, sub);
    return json_pack(
        "{s:s, s:o, s:s, s:o, s:o, s:s, s:n, s:s, s:[], s:{s:i, s:i, s:o, s:o, s:o},"
        " s:{s:o, s:s, s:s, s:o, s:s}, s:{s:o, s:o}, s:{s:i}, s:{}}",
        "schema", LLMB_SCHEMA, "run_id", llmb_json_str(run_id), "llmbench_version", LLMB_VERSION_STRING,
        "command_line", cmd, "options", (json_t *)llmb_options_json(opt), "start_time", iso,
        "end_time", "status", "running", "phases_completed",
        "world", "ranks", ctx->size, "nodes", ctx->nnodes, "rank_node", map, "node_names", names,
        "ranks_per_node", per,
        "software", "mpi_library", llmb_json_str(mpi_lib), "mpi_standard", mpi_std,
        "compiler", LLMB_CC_VERSION, "kernel", llmb_json_str(kernel), "blas", LLMB_BLAS_NAME,
        "host", "name", llmb_json_str(ctx->node_names[0]), "cpu_model", llmb_json_str(cpu),
        "errors", "wrong_elements", 0,
        "phases");
}

/* The space a results file may need (bytes): measured files hold about 12 KB per node for the
 * probe, 25 KB per rank for compute, and up to 20,000 samples per comm point; a generous bound
 * for the run: 16 MiB + 256 KiB per rank. */
static double results_bytes_bound(const struct llmb_ctx *ctx)
{
    return 16.0 * 1048576 + 262144.0 * ctx->size;
}

/* The output directory: created if missing, writable (a first file is made there) and with room
 * for the results.  Rank 0 checks; every rank returns 0 or LLMB_EINPUT (one line from rank 0). */
static int check_output(struct llmb_ctx *ctx)
{
    const char *dir = ctx->opt->output;
    int rc = 0;
    if (ctx->rank == 0) {
        struct statvfs vfs;
        double need = results_bytes_bound(ctx), avail;
        rc = llmb_mkdir_p(dir) == 0 ? 0 : LLMB_EINPUT;
        if (rc == 0 && statvfs(dir, &vfs) == 0 &&
            (avail = (double)vfs.f_bavail * (double)vfs.f_frsize) < need) {
            llmb_error("--output: %s has %.3g MB free, less than the %.3g MB the results of %d "
                       "ranks may need; free some space or choose another directory", dir,
                       avail / 1e6, need / 1e6, ctx->size);
            rc = LLMB_EINPUT;
        }
    }
    MPI_Bcast(&rc, 1, MPI_INT, 0, ctx->world);
    return rc;
}

static double write_seconds;     /* rank 0: time writing the results file (wall clock) */
static double write_cpu_seconds; /* ... and the CPU time of its thread (oversubscribed ranks
                                  * take the cores: the wall clock counts their share too) */

static double thread_cpu_s(void)
{
    struct timespec ts;
    return clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0 ? ts.tv_sec + 1e-9 * ts.tv_nsec : 0;
}

/* What the run itself cost (rank 0's JSON; NULL elsewhere): rank 0's peak memory and the
 * largest of any rank, time spent gathering results to rank 0 and writing the file. */
static json_t *driver_cost(struct llmb_ctx *ctx)
{
    struct rusage ru;
    double rss = getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss * 1024.0 : 0, rss_max = 0;
    double g = llmb_gather_seconds(), g_max = 0;
    MPI_Reduce(&rss, &rss_max, 1, MPI_DOUBLE, MPI_MAX, 0, ctx->world);
    MPI_Reduce(&g, &g_max, 1, MPI_DOUBLE, MPI_MAX, 0, ctx->world);
    if (ctx->rank != 0)
        return NULL;
    return json_pack("{s:I, s:I, s:f, s:f, s:f, s:f}", "rank0_max_rss_bytes", (json_int_t)rss,
                     "ranks_max_rss_bytes", (json_int_t)rss_max, "rank0_gather_s", g,
                     "ranks_max_gather_s", g_max, "write_s", write_seconds,
                     "write_cpu_s", write_cpu_seconds);
}

/* Rank 0 writes; every rank learns whether it worked. */
static int write_results(struct llmb_ctx *ctx, const char *name, int first)
{
    int rc = 0;
    if (ctx->rank == 0) {
        double t0 = llmb_now_s(), c0 = thread_cpu_s();
        llmb_doc_lock();
        rc = llmb_results_write(ctx->doc, ctx->opt->output, name, first ? LLMB_WRITE_FIRST : 0) < 0 ? 1 : 0;
        llmb_doc_unlock();
        write_seconds += llmb_now_s() - t0;
        write_cpu_seconds += thread_cpu_s() - c0;
    }
    MPI_Bcast(&rc, 1, MPI_INT, 0, ctx->world);
    return rc;
}

static int run(struct llmb_ctx *ctx)
{
    const struct llmb_options *opt = ctx->opt;
    char name[512], run_id[400];

    /* The run id: UTC timestamp, tag or host, 6 random hex digits (rank 0 decides). */
    if (ctx->rank == 0) {
        char stamp[32];
        uint64_t st = (uint64_t)getpid() ^ (uint64_t)(llmb_now_s() * 1e9);
        llmb_utc_compact(stamp, sizeof stamp);
        snprintf(run_id, sizeof run_id, "%s-%s-%06x", stamp, opt->tag[0] ? opt->tag : ctx->host,
                 (unsigned)(llmb_splitmix64(&st) & 0xffffff));
        snprintf(name, sizeof name, "%s.json", run_id);
    }
    int rc = 0;
    if (ctx->rank == 0) {
        ctx->doc = new_document(ctx, run_id);
        if (!ctx->doc)
            llmb_abort(LLMB_EFAIL, "cannot build the results document (out of memory)");
    }
    rc = check_output(ctx);
    if (rc)
        return rc;
    if (ctx->rank == 0)
        llmb_interrupt_arm(ctx, name);
    if (write_results(ctx, name, 1))
        return LLMB_EINPUT; /* the output directory is not writable: an input error */

    int status = 0;
    for (const struct llmb_phase *p = llmb_phases; p->name; p++) {
        if (!(opt->phases & p->bit))
            continue;
        json_t *out = json_object();
        double t0 = MPI_Wtime();
        struct llmb_gpu_mon *mon = llmb_gpu_mon_start(ctx, p->name);
        int prc = p->run(ctx, out);
        llmb_gpu_mon_finish(ctx, p->name, mon, out);
        int worst = 0;
        MPI_Allreduce(&prc, &worst, 1, MPI_INT, MPI_MAX, ctx->world);
        if (ctx->rank == 0) {
            json_object_set_new(out, "elapsed_s", json_real(MPI_Wtime() - t0));
            json_object_set_new(out, "status", json_string(worst == 0 ? "ok" : worst == 1 ? "failed" : "input-error"));
            llmb_doc_lock();
            json_object_set_new(json_object_get(ctx->doc, "phases"), p->name, out);
            if (worst != LLMB_EINPUT)
                json_array_append_new(json_object_get(ctx->doc, "phases_completed"), json_string(p->name));
            llmb_doc_unlock();
        } else {
            json_decref(out);
        }
        if (worst == LLMB_EINPUT) {
            status = LLMB_EINPUT;
            break;
        }
        if (worst)
            status = LLMB_EFAIL;
        if (write_results(ctx, name, 0)) {
            if (ctx->rank == 0)
                llmb_error("cannot write the results of phase %s: %s/%s keeps the phases "
                           "completed before it; stopping", p->name, opt->output, name);
            return LLMB_EFAIL;
        }
    }

    long long wrong = 0;
    MPI_Reduce(&ctx->wrong, &wrong, 1, MPI_LONG_LONG, MPI_SUM, 0, ctx->world);
    json_t *cost = driver_cost(ctx);
    if (ctx->rank == 0) {
        char iso[32];
        llmb_utc_iso(iso, sizeof iso);
        llmb_doc_lock();
        json_object_set_new(ctx->doc, "end_time", json_string(iso));
        json_object_set_new(ctx->doc, "status", json_string(status == 0 ? "complete" : status == 1 ? "failed" : "input-error"));
        json_object_set_new(json_object_get(ctx->doc, "errors"), "wrong_elements", json_integer(wrong));
        json_object_set_new(ctx->doc, "driver", cost);
        llmb_doc_unlock();
        if (wrong > 0) {
            llmb_error("verification failed: %lld wrong elements in total (see the results file)", wrong);
            if (status == 0)
                status = LLMB_EFAIL;
        }
    }
    if (write_results(ctx, name, 0))
        return LLMB_EFAIL;
    if (ctx->rank == 0 && !opt->quiet)
        printf("llmbench: results in %s/%s\n", opt->output, name);
    MPI_Bcast(&status, 1, MPI_INT, 0, ctx->world);
    return status;
}

int main(int argc, char **argv)
{
    static struct llmb_options opt;
    char errbuf[1024];
    int rc = llmb_options_parse(&opt, argc, argv, errbuf, sizeof errbuf);

    /* A file size limit (ulimit -f) must fail a write, not kill the rank: the results file is
     * written through a temporary file, so the last complete one stays. */
    signal(SIGXFSZ, SIG_IGN);

    /* Modes that need no MPI. */
    if (rc == 0 && opt.help) {
        llmb_options_usage(stdout);
        return 0;
    }
    if (rc == 0 && opt.version) {
        print_version();
        return 0;
    }
    if (rc == 0 && opt.describe_model[0])
        return llmb_describe_model(stdout, opt.describe_model, opt.layers, opt.batch, opt.seq) ? LLMB_EINPUT : 0;

    int provided;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    /* SIGINT / SIGTERM: rank 0 writes what it has, marked interrupted (after MPI_Init, whose
     * runtime installs handlers of its own) */
    llmb_interrupt_start();
    struct llmb_ctx ctx = {.opt = &opt, .world = MPI_COMM_WORLD, .t_start = MPI_Wtime()};
    MPI_Comm_rank(ctx.world, &ctx.rank);
    MPI_Comm_size(ctx.world, &ctx.size);

    if (rc != 0) {
        if (ctx.rank == 0)
            llmb_error("%s", errbuf);
        MPI_Finalize();
        return LLMB_EINPUT;
    }
    /* srun without PMI starts N independent singletons: refuse instead of running N jobs. */
    const char *ntasks = getenv("SLURM_NTASKS");
    if (ctx.size == 1 && ntasks && atoi(ntasks) > 1) {
        llmb_error("SLURM_NTASKS=%s but MPI sees one rank: the launcher did not wire up MPI "
                   "(use srun --mpi=pmix or mpirun inside the allocation)", ntasks);
        MPI_Finalize();
        return LLMB_EINPUT;
    }

    map_nodes(&ctx);
    if (choose_backend(&ctx) != 0) {
        MPI_Finalize();
        return LLMB_EINPUT;
    }
    llmb_watchdog_start(&ctx);
    int pus;
    ctx.pu_sharers = llmb_pu_sharers(&ctx, &pus);
    ctx.threads = opt.threads > 0 ? opt.threads : llmb_default_threads(&ctx);
    llmb_set_threads(ctx.threads);

    int status = run(&ctx);
    llmb_interrupt_arm(NULL, ""); /* a signal from now on writes nothing: the document goes */
    json_decref(ctx.doc);
    ctx.doc = NULL;
    free(ctx.rank_node);
    free(ctx.node_names);
    if (ctx.leaders != MPI_COMM_NULL)
        MPI_Comm_free(&ctx.leaders);
    MPI_Comm_free(&ctx.node);
    MPI_Finalize();
    return status;
}
