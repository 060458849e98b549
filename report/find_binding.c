/* Findings on binding and placement (doc/findings.md): binding.unbound, binding.shared_core,
 * binding.threads_mismatch, placement.numa_mismatch, placement.gpu_nic_sys.  Their rows are in
 * the table of report/findings.c. */
#include "findings.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_unbound(const struct rr_run *run, int r) { return run->ranks[r].bound == 0; }

void rr_eval_unbound(const struct rr_find_ctx *cx, const struct rr_finding_def *def)
{
    const struct rr_run *run = cx->run;
    int nun;
    char *set = rr_rank_set(run, is_unbound, &nun);
    if (!set || !nun)
        goto done;
    int crowded = 0;
    for (int r = 0; r < run->nranks; r++)
        if (set[r] && run->nodes[run->ranks[r].node].nranks > 1)
            crowded = 1;
    struct rr_finding *f = rr_finding_new(cx, def, crowded ? def->sev : RR_INFO);
    if (!f)
        goto done;
    rr_finding_add_set(f, run, set);
    f->time_lost_s = rr_excess(run, set);
    int r0 = f->ranks[0];
    snprintf(f->evidence, sizeof f->evidence,
             "%d of %d ranks are not bound to cores (e.g. rank %d on %s, cpuset %s): the OS "
             "may move them or pile them onto the same cores", nun, run->nranks, r0,
             rr_host(run, r0), run->ranks[r0].cpuset[0] ? run->ranks[r0].cpuset : "?");
    snprintf(f->remedy, sizeof f->remedy,
             "bind each rank to its own cores: mpirun --map-by core --bind-to core (or "
             "--map-by slot:PE=<threads>), srun --cpu-bind=cores; check --report-bindings");
done:
    free(set);
}

static int shares_core(const struct rr_run *run, int r) { return run->ranks[r].overlaps_count > 0; }

/* Time lost to sharing: against the ranks that do not share; when every rank shares, k ranks on
 * one PU each get 1/k of it, so (1 - 1/k) of their compute is the cost (worst rank). */
static double shared_core_lost(const struct rr_run *run, const char *set)
{
    double lost = rr_excess_vs_others(run, set);
    if (!isnan(lost))
        return lost;
    for (int r = 0; r < run->nranks; r++) {
        double c = rr_rank_compute(run, r);
        if (set[r] && !isnan(c)) {
            double l = c * (1.0 - 1.0 / (run->ranks[r].overlaps_count + 1));
            lost = isnan(lost) || l > lost ? l : lost;
        }
    }
    return lost;
}

/* "...; their compute takes X per step against Y on the other ranks" (or drop the last ';'). */
static void shared_core_compute(const struct rr_run *run, const char *set, struct rr_finding *f)
{
    double sc = 0, oc = 0;
    int nsc = 0, noc = 0;
    for (int r = 0; r < run->nranks; r++) {
        double c = rr_rank_compute(run, r);
        if (isnan(c))
            continue;
        if (set[r])
            sc += c, nsc++;
        else
            oc += c, noc++;
    }
    char a[32], b[32];
    size_t l = strlen(f->evidence);
    if (nsc && noc)
        rr_cat(f->evidence, sizeof f->evidence,
               " their compute takes %s per step against %s on the other ranks",
               rr_format_time(sc / nsc, a, sizeof a), rr_format_time(oc / noc, b, sizeof b));
    else if (l > 0 && f->evidence[l - 1] == ';')
        f->evidence[l - 1] = '\0';
}

void rr_eval_shared_core(const struct rr_find_ctx *cx, const struct rr_finding_def *def)
{
    const struct rr_run *run = cx->run;
    int nsh;
    char *set = rr_rank_set(run, shares_core, &nsh);
    struct rr_finding *f = set && nsh ? rr_finding_new(cx, def, def->sev) : NULL;
    if (!f)
        goto done;
    rr_finding_add_set(f, run, set);
    f->time_lost_s = shared_core_lost(run, set);
    snprintf(f->evidence, sizeof f->evidence, "%d ranks share processing units:", nsh);
    int shown = 0;
    for (int r = 0; r < run->nranks && shown < 4; r++) {
        const struct rr_rank *rk = &run->ranks[r];
        if (!set[r])
            continue;
        shown++;
        rr_cat(f->evidence, sizeof f->evidence, " rank %d (%s, cpuset %s) with rank%s", r,
               rr_host(run, r), rk->cpuset[0] ? rk->cpuset : "?", rk->overlaps_count > 1 ? "s" : "");
        for (int k = 0; k < rk->noverlaps; k++)
            rr_cat(f->evidence, sizeof f->evidence, "%s %d", k ? "," : "", rk->overlaps[k]);
        if (rk->overlaps_count > rk->noverlaps)
            rr_cat(f->evidence, sizeof f->evidence, ", ... (%d ranks)", rk->overlaps_count);
        rr_cat(f->evidence, sizeof f->evidence, ";");
    }
    shared_core_compute(run, set, f);
    snprintf(f->remedy, sizeof f->remedy,
             "give every rank its own cores: mpirun --map-by core --bind-to core (or "
             "--map-by slot:PE=<threads>), no more ranks x threads than cores per node");
done:
    free(set);
}

static int threads_differ(const struct rr_run *run, int r)
{
    const struct rr_rank *rk = &run->ranks[r];
    return rk->bound == 1 && rk->pus > 0 && rk->threads > 0 && rk->threads != rk->pus;
}

void rr_eval_threads_mismatch(const struct rr_find_ctx *cx, const struct rr_finding_def *def)
{
    const struct rr_run *run = cx->run;
    int n;
    char *set = rr_rank_set(run, threads_differ, &n);
    int over = 0, under = 0, ex = -1;
    for (int r = 0; set && r < run->nranks; r++) {
        const struct rr_rank *rk = &run->ranks[r];
        if (!set[r])
            continue;
        if (rk->threads > rk->pus)
            over++;
        else
            under++;
        if (ex < 0 || rk->threads > rk->pus)
            ex = r;
    }
    struct rr_finding *f = n ? rr_finding_new(cx, def, over ? def->sev : RR_INFO) : NULL;
    if (!f)
        goto done;
    rr_finding_add_set(f, run, set);
    if (over) /* against the ranks that match (NAN when none does: binding.idle_cores or
               * machine.oversubscribed price it) */
        f->time_lost_s = rr_excess_vs_others(run, set);
    snprintf(f->evidence, sizeof f->evidence,
             "%d ranks run more threads than the PUs they are bound to, %d fewer; e.g. rank "
             "%d: %d threads on %d PUs (cpuset %s)", over, under, ex, run->ranks[ex].threads,
             run->ranks[ex].pus, run->ranks[ex].cpuset);
    snprintf(f->remedy, sizeof f->remedy,
             "match threads to the binding: --threads N (or OMP_NUM_THREADS) equal to the "
             "PUs per rank, or bind with --map-by slot:PE=<threads>");
done:
    free(set);
}

static int numa_away_from_gpu(const struct rr_run *run, int r)
{
    const struct rr_rank *rk = &run->ranks[r];
    if (!rk->has_gpu || rk->gpu_numa < 0 || rk->nnuma == 0)
        return 0;
    for (int k = 0; k < rk->nnuma; k++)
        if (rk->numa[k] == rk->gpu_numa)
            return 0;
    return 1;
}

/* A finding of def naming the ranks that pick() selects and their nodes; NULL when none is
 * picked (or out of memory).  *n: how many are picked. */
static struct rr_finding *of_picked(const struct rr_find_ctx *cx, const struct rr_finding_def *def,
                                    int (*pick)(const struct rr_run *, int), int *n)
{
    char *set = rr_rank_set(cx->run, pick, n);
    struct rr_finding *f = set && *n ? rr_finding_new(cx, def, def->sev) : NULL;
    if (f)
        rr_finding_add_set(f, cx->run, set);
    free(set);
    return f;
}

void rr_eval_numa_mismatch(const struct rr_find_ctx *cx, const struct rr_finding_def *def)
{
    const struct rr_run *run = cx->run;
    int nm;
    struct rr_finding *f = of_picked(cx, def, numa_away_from_gpu, &nm);
    if (!f)
        return;
    int r = f->ranks[0];
    snprintf(f->evidence, sizeof f->evidence,
             "%d ranks run on a NUMA node other than their GPU's; e.g. rank %d on %s: bound "
             "to NUMA %d, GPU on NUMA %d", nm, r, rr_host(run, r), run->ranks[r].numa[0],
             run->ranks[r].gpu_numa);
    snprintf(f->remedy, sizeof f->remedy,
             "bind each rank to the cores of its GPU's NUMA node (nvidia-smi topo -m; "
             "mpirun --map-by numa, or a rankfile / CUDA_VISIBLE_DEVICES per local rank)");
}

static int nic_across_sockets(const struct rr_run *run, int r)
{
    return run->ranks[r].has_gpu && strcmp(run->ranks[r].gpu_path, "SYS") == 0;
}

void rr_eval_gpu_nic_sys(const struct rr_find_ctx *cx, const struct rr_finding_def *def)
{
    const struct rr_run *run = cx->run;
    int ns;
    struct rr_finding *f = of_picked(cx, def, nic_across_sockets, &ns);
    if (!f)
        return;
    int r = f->ranks[0];
    snprintf(f->evidence, sizeof f->evidence,
             "%d ranks reach their nearest NIC only across the inter-socket link (SYS); "
             "e.g. rank %d on %s, NIC %s", ns, r, rr_host(run, r),
             run->ranks[r].gpu_nic[0] ? run->ranks[r].gpu_nic : "?");
    snprintf(f->remedy, sizeof f->remedy,
             "use a NIC on the GPU's PCIe switch or socket (NCCL_IB_HCA / rail mapping), "
             "or place ranks so each GPU has a PIX/PXB NIC; check the server's PCIe layout");
}
