/* The probe phase: who runs where, on what.
 *
 * Every rank reads its own CPU binding from the real system (cluster/binding.c) and sends it to
 * its node's leader (node_rank 0).  The leader loads the node topology with hwloc (this system,
 * or --topology-xml / HWLOC_XMLFILE), describes packages, NUMA nodes, caches, PCI devices, GPUs,
 * NICs and GPU->NIC paths (cluster/topo.c), the machine state (cluster/machine.c), computes the
 * ranks' NUMA nodes, overlaps and GPUs, and the node's warnings, and sends all of it as one JSON
 * text to rank 0, which assembles phases.probe (doc/results-schema.md). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <hwloc.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "cluster/binding.h"
#include "cluster/hwloc_compat.h"
#include "cluster/machine.h"
#include "cluster/topo.h"
#include "error.h"
#include "llmbench.h"
#include "probe_warnings.h"
#ifdef LLMB_HAVE_CUDA
#include "cluster/cuda_info.h"
#endif

#ifdef HAVE_OPENBLAS_GET_CONFIG
char *openblas_get_config(void);
#endif
#ifdef HAVE_OPENBLAS_GET_NUM_THREADS
int openblas_get_num_threads(void);
#endif

/* What each rank tells its node leader (fixed size: sent as bytes within one node). */
struct rank_rec {
    int rank, threads, bound, pus, last_cpu, ok, truncated;
    int cuda_ordinal;                /* the CUDA device this rank uses, -1 without CUDA */
    char gpu_busid[32];              /* its PCI bus id, "" when unknown */
    char cpuset[LLMB_CPUSET_MAX];
};

/* "0,1,5" from a JSON array of integers (for messages). */
static void int_list(json_t *a, char *buf, size_t len)
{
    size_t off = 0, i;
    json_t *v;
    buf[0] = '\0';
    json_array_foreach(a, i, v) {
        int n = snprintf(buf + off, len - off, "%s%lld", i ? "," : "", (long long)json_integer_value(v));
        if (n < 0 || (size_t)n >= len - off) {
            if (len > 4)
                strcpy(buf + len - 4, "...");
            return;
        }
        off += (size_t)n;
    }
}

static int in_int_array(json_t *a, json_int_t x)
{
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) if (json_integer_value(v) == x) return 1;
    return 0;
}

static json_t *warning(enum llmb_probe_warning w, json_t *ranks, int node, const char *msg)
{
    return json_pack("{s:s, s:o, s:[i], s:s}", "id", llmb_probe_warning_id(w), "ranks", ranks, "nodes", node,
                     "message", msg);
}

/* Whether the ranks use the node's GPUs: with a backend that gives every rank a GPU, and with
 * --backend auto whatever it chose (so that a node with GPUs, or a topology XML with GPUs, is
 * described as a GPU run would use it); not with a host-only backend chosen explicitly. */
static int uses_gpus(const struct llmb_ctx *ctx)
{
    return ctx->be->gpu_per_rank || strcmp(ctx->opt->backend, "auto") == 0;
}

/* The union of the cores (in the system topology) that a PU set touches. */
static void cores_of(hwloc_topology_t sys, hwloc_const_bitmap_t set, hwloc_bitmap_t out)
{
    hwloc_bitmap_zero(out);
    hwloc_obj_t c = NULL;
    while ((c = hwloc_get_next_obj_by_type(sys, HWLOC_OBJ_CORE, c)))
        if (hwloc_bitmap_intersects(c->cpuset, set))
            hwloc_bitmap_or(out, out, c->cpuset);
    if (hwloc_bitmap_iszero(out)) /* no Core objects: PUs are the cores */
        hwloc_bitmap_copy(out, set);
}

/* Leader: what it knows of its node while it describes the ranks. */
struct node_scan {
    struct llmb_ctx *ctx;
    hwloc_topology_t topo;           /* the topology described (this system or the XML) */
    const char *xml;                 /* its file, NULL for this system */
    const struct rank_rec *recs;     /* [n] the node's ranks, in node_rank order */
    int n;
    hwloc_bitmap_t *set, *core;      /* [n] each rank's PUs, and the cores they touch (system) */
    json_t *gpus;                    /* the node's GPUs (borrowed from the node object) */
    size_t ngpus;
    int use_gpus;                    /* ranks are given GPUs */
    json_t *unbound, *shared, *mismatch;       /* the ranks each warning names */
    char shared_msg[1024], mismatch_msg[1024]; /* and what it says of them */
};

/* Step 1: the node object: topology summary and source, machine state, the topology as XML. */
static json_t *node_json(hwloc_topology_t topo, const char *xml)
{
    json_t *node = llmb_topo_node_json(topo);
    if (!node)
        llmb_abort(LLMB_EFAIL, "out of memory describing the topology");
    json_object_set_new(node, "topology_source", json_string(xml ? "xml" : "system"));
    json_object_set_new(node, "topology_file", xml ? json_string(xml) : json_null());
    json_object_set_new(node, "machine", llmb_machine_json());
    char *x = llmb_topo_xml(topo);
    json_object_set_new(node, "topology_xml", x ? json_string(x) : json_null());
    free(x);
    return node;
}

/* Step 2: each rank's PUs and the cores they touch in the system topology. */
static void scan_open(struct node_scan *sc, hwloc_topology_t sys)
{
    int n = sc->n;
    sc->set = calloc((size_t)n, sizeof *sc->set);
    sc->core = calloc((size_t)n, sizeof *sc->core);
    if (!sc->set || !sc->core)
        llmb_abort(LLMB_EFAIL, "out of memory");
    for (int i = 0; i < n; i++) {
        sc->set[i] = hwloc_bitmap_alloc();
        sc->core[i] = hwloc_bitmap_alloc();
        if (hwloc_bitmap_list_sscanf(sc->set[i], sc->recs[i].cpuset) < 0)
            hwloc_bitmap_zero(sc->set[i]);
        cores_of(sys, sc->set[i], sc->core[i]);
    }
    sc->unbound = json_array();
    sc->shared = json_array();
    sc->mismatch = json_array();
}

static void scan_close(struct node_scan *sc)
{
    json_decref(sc->unbound);
    json_decref(sc->shared);
    json_decref(sc->mismatch);
    for (int i = 0; i < sc->n; i++) {
        hwloc_bitmap_free(sc->set[i]);
        hwloc_bitmap_free(sc->core[i]);
    }
    free(sc->set);
    free(sc->core);
}

/* Step 3a: rank i's GPU (its CUDA device when CUDA told us its bus id, else node_rank % GPUs);
 * a rank on other NUMA nodes than its GPU joins the NUMA mismatch. */
static json_t *rank_gpu(struct node_scan *sc, int i, json_t *numa)
{
    const struct rank_rec *r = &sc->recs[i];
    json_t *g = NULL;
    char how[96] = "node_rank % gpus, PCI bus order";
    size_t k;
    json_t *c;
    if (r->gpu_busid[0])
        json_array_foreach(sc->gpus, k, c) if (strcasecmp(json_string_value(json_object_get(c, "pci_busid")), r->gpu_busid) == 0) {
            g = c;
            snprintf(how, sizeof how, "CUDA device %d (node_rank %% visible devices)", r->cuda_ordinal);
            break;
        }
    if (!g)
        g = json_array_get(sc->gpus, (size_t)i % sc->ngpus);
    json_t *gnuma = json_object_get(g, "numa");
    json_t *gpu = json_pack("{s:O, s:O, s:O, s:O, s:O, s:s}", "index", json_object_get(g, "index"),
                            "pci_busid", json_object_get(g, "pci_busid"), "numa", gnuma,
                            "nearest_nic", json_object_get(g, "nearest_nic"),
                            "nearest_path", json_object_get(g, "nearest_path"), "assigned_by", how);
    if (json_is_integer(gnuma) && json_array_size(numa) > 0 && !in_int_array(numa, json_integer_value(gnuma))) {
        json_array_append_new(sc->mismatch, json_integer(r->rank));
        size_t off = strlen(sc->mismatch_msg);
        char nl[128];
        int_list(numa, nl, sizeof nl);
        snprintf(sc->mismatch_msg + off, sizeof sc->mismatch_msg - off, "%srank %d on NUMA %s, its GPU %lld on NUMA %lld",
                 off ? "; " : "", r->rank, nl, (long long)json_integer_value(json_object_get(g, "index")),
                 (long long)json_integer_value(gnuma));
    }
    return gpu;
}

/* Step 3b: a bound rank sharing a core with another bound rank joins the shared-core warning
 * (unbound ranks get their own warning). */
static void rank_shared_core(struct node_scan *sc, int i)
{
    const struct rank_rec *r = &sc->recs[i];
    json_t *bound_sharing = json_array();
    for (int j = 0; j < sc->n; j++)
        if (j != i && r->bound && sc->recs[j].bound && hwloc_bitmap_intersects(sc->core[i], sc->core[j]))
            json_array_append_new(bound_sharing, json_integer(sc->recs[j].rank));
    if (json_array_size(bound_sharing) > 0) {
        json_array_append_new(sc->shared, json_integer(r->rank));
        size_t off = strlen(sc->shared_msg);
        char with[256];
        int_list(bound_sharing, with, sizeof with);
        snprintf(sc->shared_msg + off, sizeof sc->shared_msg - off, "%srank %d (PUs %s) with %s", off ? "; " : "",
                 r->rank, r->cpuset, with);
    }
    json_decref(bound_sharing);
}

/* Step 3: rank i's object: binding, overlaps, NUMA nodes, GPU.  The overlap lists name at most
 * PROBE_LIST_MAX ranks each (the first in rank order) and their counts are all of them: the
 * file grows with the node's ranks, not with their square (64 unbound ranks on a node wrote
 * 2 x 64 x 63 ranks). */
#define PROBE_LIST_MAX 8
static json_t *rank_json(struct node_scan *sc, int i)
{
    const struct rank_rec *r = &sc->recs[i];
    json_t *overlaps = json_array(), *sharing = json_array();
    json_int_t noverlaps = 0, nsharing = 0;
    for (int j = 0; j < sc->n; j++) {
        if (j == i)
            continue;
        if (hwloc_bitmap_intersects(sc->set[i], sc->set[j]) && noverlaps++ < PROBE_LIST_MAX)
            json_array_append_new(overlaps, json_integer(sc->recs[j].rank));
        if (hwloc_bitmap_intersects(sc->core[i], sc->core[j]) && nsharing++ < PROBE_LIST_MAX)
            json_array_append_new(sharing, json_integer(sc->recs[j].rank));
    }
    json_t *numa = llmb_topo_numa_json(sc->topo, sc->set[i]);
    json_t *gpu = sc->use_gpus ? rank_gpu(sc, i, numa) : json_null();
    if (!r->bound)
        json_array_append_new(sc->unbound, json_integer(r->rank));
    rank_shared_core(sc, i);
    struct llmb_ctx *ctx = sc->ctx;
    return json_pack("{s:i, s:i, s:i, s:s, s:i, s:b, s:s, s:i, s:i, s:o, s:o, s:I, s:o, s:I, s:o, s:s, s:b}",
                     "rank", r->rank, "node", ctx->node_id, "node_rank", i,
                     "host", ctx->node_names[ctx->node_id], "threads", r->threads,
                     "bound", r->bound, "cpuset", r->cpuset, "pus", r->pus,
                     "last_cpu", r->last_cpu, "numa", numa, "overlaps", overlaps, "overlaps_count", noverlaps,
                     "shares_core_with", sharing, "shares_core_count", nsharing, "gpu", gpu,
                     "numa_source", sc->xml ? "xml" : "system", "binding_read", r->ok);
}

/* Step 4b: GPUs whose nearest NIC is across the inter-socket link. */
static void gpu_nic_sys_warning(struct node_scan *sc, json_t *warnings)
{
    const char *host = sc->ctx->node_names[sc->ctx->node_id];
    json_t *sys_ranks = json_array();
    char gl[256] = "", msg[1400];
    size_t gi;
    json_t *g;
    int nsys = 0;
    json_array_foreach(sc->gpus, gi, g) {
        const char *p = json_string_value(json_object_get(g, "nearest_path"));
        if (!p || strcmp(p, "SYS") != 0)
            continue;
        size_t off = strlen(gl);
        snprintf(gl + off, sizeof gl - off, "%s%zu", nsys++ ? "," : "", gi);
        if (sc->use_gpus)
            for (int i = 0; i < sc->n; i++)
                if ((size_t)i % sc->ngpus == gi)
                    json_array_append_new(sys_ranks, json_integer(sc->recs[i].rank));
    }
    if (nsys > 0) {
        snprintf(msg, sizeof msg, "node %s: GPU(s) %s reach their nearest NIC only across packages (SYS)", host, gl);
        json_array_append_new(warnings, warning(LLMB_PW_GPU_NIC_SYS, json_incref(sys_ranks), sc->ctx->node_id, msg));
    }
    json_decref(sys_ranks);
}

/* Step 4: the node's warnings, in the order of lib/probe_warnings.h. */
static json_t *node_warnings(struct node_scan *sc, hwloc_topology_t sys)
{
    json_t *warnings = json_array();
    char msg[1400], rl[512];
    int node = sc->ctx->node_id, n = sc->n;
    const char *host = sc->ctx->node_names[node];
    if (json_array_size(sc->unbound) > 0 && n > 1) {
        int_list(sc->unbound, rl, sizeof rl);
        long threads = 0;
        for (int i = 0; i < n; i++)
            threads += sc->recs[i].threads;
        int pus = hwloc_bitmap_weight(hwloc_topology_get_allowed_cpuset(sys));
        snprintf(msg, sizeof msg, "node %s: rank(s) %s not bound to a CPU subset (%d ranks share the node; "
                 "the OS may migrate them and their threads)%s", host, rl, n,
                 threads > pus ? "; their compute threads oversubscribe the PUs" : "");
        if (threads > pus) {
            size_t off = strlen(msg);
            snprintf(msg + off, sizeof msg - off, " (%ld threads on %d PUs)", threads, pus);
        }
        json_array_append_new(warnings, warning(LLMB_PW_UNBOUND, json_incref(sc->unbound), node, msg));
    }
    if (json_array_size(sc->shared) > 0) {
        int_list(sc->shared, rl, sizeof rl);
        snprintf(msg, sizeof msg, "node %s: ranks %s share a core: %s", host, rl, sc->shared_msg);
        json_array_append_new(warnings, warning(LLMB_PW_SHARED_CORE, json_incref(sc->shared), node, msg));
    }
    if (json_array_size(sc->mismatch) > 0) {
        int_list(sc->mismatch, rl, sizeof rl);
        snprintf(msg, sizeof msg, "node %s: rank(s) %s run on another NUMA node than their GPU: %s", host, rl,
                 sc->mismatch_msg);
        json_array_append_new(warnings, warning(LLMB_PW_NUMA_MISMATCH, json_incref(sc->mismatch), node, msg));
    }
    gpu_nic_sys_warning(sc, warnings);
    return warnings;
}

/* Leader: the node's JSON text {node, ranks, warnings}. */
static json_t *node_blob(struct llmb_ctx *ctx, hwloc_topology_t topo, hwloc_topology_t sys, const char *xml,
                         const struct rank_rec *recs, int n)
{
    json_t *node = node_json(topo, xml);
    struct node_scan sc = {.ctx = ctx, .topo = topo, .xml = xml, .recs = recs, .n = n};
    sc.gpus = json_object_get(node, "gpus");
    sc.ngpus = json_array_size(sc.gpus);
    sc.use_gpus = sc.ngpus > 0 && uses_gpus(ctx);
    scan_open(&sc, sys);
    json_t *ranks = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(ranks, rank_json(&sc, i));
    json_t *warnings = node_warnings(&sc, sys);
    scan_close(&sc);
    return json_pack("{s:o, s:o, s:o}", "node", node, "ranks", ranks, "warnings", warnings);
}

static json_t *software_json(void)
{
    char lib[MPI_MAX_LIBRARY_VERSION_STRING], api_h[16], api_r[16], std[16];
    int len, ver, sub;
    MPI_Get_library_version(lib, &len);
    lib[strcspn(lib, "\n")] = '\0';
    MPI_Get_version(&ver, &sub);
    snprintf(std, sizeof std, "%d.%d", ver, sub);
    unsigned rt = hwloc_get_api_version();
    snprintf(api_h, sizeof api_h, "0x%08x", (unsigned)HWLOC_API_VERSION);
    snprintf(api_r, sizeof api_r, "0x%08x", rt);
    json_t *s = json_pack("{s:s, s:s, s:s, s:b, s:s, s:s, s:s}", "hwloc_header", LLMB_HWLOC_HEADER_VERSION,
                          "hwloc_api_header", api_h, "hwloc_runtime", api_r, "hwloc_abi_match",
                          (rt >> 16) == (HWLOC_API_VERSION >> 16), "mpi_library", lib, "mpi_standard", std,
                          "blas", LLMB_BLAS_NAME);
#ifdef HAVE_OPENBLAS_GET_CONFIG
    json_object_set_new(s, "blas_config", json_string(openblas_get_config()));
#else
    json_object_set_new(s, "blas_config", json_null());
#endif
#ifdef HAVE_OPENBLAS_GET_NUM_THREADS
    json_object_set_new(s, "blas_threads", json_integer(openblas_get_num_threads()));
#else
    json_object_set_new(s, "blas_threads", json_null());
#endif
#ifdef _OPENMP
    json_object_set_new(s, "openmp", json_integer(_OPENMP));
    json_object_set_new(s, "omp_max_threads", json_integer(omp_get_max_threads()));
#else
    json_object_set_new(s, "openmp", json_null());
#endif
    return s;
}

/* Rank 0: the console summary. */
static void summary(struct llmb_ctx *ctx, json_t *nodes, json_t *warnings, const char *xml)
{
    llmb_say(ctx, "probe: %d rank(s) on %d node(s); topology from %s%s\n", ctx->size, ctx->nnodes,
             xml ? "XML " : "this system", xml ? xml : "");
    size_t i;
    json_t *nd;
    json_array_foreach(nodes, i, nd) {
        char rl[128], nics[256] = "";
        int_list(json_object_get(nd, "ranks"), rl, sizeof rl);
        size_t k;
        json_t *nic;
        json_array_foreach(json_object_get(nd, "nics"), k, nic) {
            size_t off = strlen(nics);
            snprintf(nics + off, sizeof nics - off, "%s%s", k ? " " : " (", json_string_value(json_object_get(nic, "name")));
        }
        if (nics[0])
            strncat(nics, ")", sizeof nics - strlen(nics) - 1);
        llmb_say(ctx, "  node %s: %zu rank(s) [%s], %lld package(s), %lld NUMA, %lld cores, %lld PUs, %zu GPU(s), %zu NIC(s)%s\n",
                 json_string_value(json_object_get(nd, "name")), json_array_size(json_object_get(nd, "ranks")), rl,
                 json_integer_value(json_object_get(nd, "packages")), json_integer_value(json_object_get(nd, "numa_nodes")),
                 json_integer_value(json_object_get(nd, "cores")), json_integer_value(json_object_get(nd, "pus")),
                 json_array_size(json_object_get(nd, "gpus")), json_array_size(json_object_get(nd, "nics")), nics);
    }
    json_t *w;
    json_array_foreach(warnings, i, w)
        llmb_say(ctx, "  warning [%s]: %s\n", json_string_value(json_object_get(w, "id")),
                 json_string_value(json_object_get(w, "message")));
}

/* Step 1 (every rank): its binding on the real system, and its CUDA device. */
static void my_record(struct llmb_ctx *ctx, struct rank_rec *me)
{
    memset(me, 0, sizeof *me);
    me->rank = ctx->rank;
    me->threads = ctx->threads;
    me->cuda_ordinal = -1;
#ifdef LLMB_HAVE_CUDA
    if (uses_gpus(ctx)) {
        int ndev = llmb_cuda_device_count();
        if (ndev > 0) {
            me->cuda_ordinal = ctx->node_rank % ndev;
            if (llmb_cuda_device_busid(me->cuda_ordinal, me->gpu_busid, sizeof me->gpu_busid) < 0)
                me->gpu_busid[0] = '\0';
        }
    }
#endif
    struct llmb_binding b;
    me->ok = llmb_binding_read(&b) == 0;
    me->bound = b.bound;
    me->pus = b.pus;
    me->last_cpu = b.last_cpu;
    me->truncated = b.truncated;
    memcpy(me->cpuset, b.cpuset, sizeof me->cpuset);
}

/* Step 2 (leaders): the node topology (xml, or this system) and this system's.  Rank 0's verdict
 * is printed; another leader prints its own only when rank 0 succeeded, so a bad file gives one
 * line.  Every rank returns the worst status (0: *topo and *sys loaded on leaders). */
static int load_topologies(struct llmb_ctx *ctx, const char *xml, const char *env_xml, hwloc_topology_t *topo,
                           hwloc_topology_t *sys)
{
    *topo = *sys = NULL;
    int st = 0;
    char err[1400] = "";
    if (ctx->node_rank == 0) {
        if (llmb_topo_load(topo, xml, err, sizeof err) < 0)
            st = xml ? LLMB_EINPUT : LLMB_EFAIL;
        else if (!xml)
            *sys = *topo;
        else if (llmb_topo_load_system(sys) < 0) {
            snprintf(err, sizeof err, "cannot load this system's topology with hwloc");
            st = LLMB_EFAIL;
        }
    }
    int st0 = st, worst = 0;
    MPI_Bcast(&st0, 1, MPI_INT, 0, ctx->world);
    MPI_Allreduce(&st, &worst, 1, MPI_INT, MPI_MAX, ctx->world);
    if (st && (ctx->rank == 0 || st0 == 0))
        llmb_error("%s%s", xml && st == LLMB_EINPUT ? (env_xml && xml == env_xml ? "HWLOC_XMLFILE: " : "--topology-xml: ") : "", err);
    if (worst) {
        if (*sys && *sys != *topo)
            hwloc_topology_destroy(*sys);
        if (*topo)
            hwloc_topology_destroy(*topo);
        *topo = *sys = NULL;
    }
    return worst;
}

/* Step 3: bindings to the leader; the leader's node text to rank 0.  Rank 0: one blob per node;
 * NULL elsewhere.  Frees the topologies. */
static json_t *gather_nodes(struct llmb_ctx *ctx, const struct rank_rec *me, hwloc_topology_t topo,
                            hwloc_topology_t sys, const char *xml)
{
    struct rank_rec *recs = ctx->node_rank == 0 ? malloc((size_t)ctx->node_size * sizeof *recs) : NULL;
    if (ctx->node_rank == 0 && !recs)
        llmb_abort(LLMB_EFAIL, "out of memory");
    MPI_Gather(me, (int)sizeof *me, MPI_BYTE, recs, (int)sizeof *me, MPI_BYTE, 0, ctx->node);
    json_t *blob = NULL;
    if (ctx->node_rank == 0) {
        blob = node_blob(ctx, topo, sys, xml, recs, ctx->node_size);
        free(recs);
        if (sys != topo)
            hwloc_topology_destroy(sys);
        hwloc_topology_destroy(topo);
    }
    return ctx->leaders != MPI_COMM_NULL ? llmb_gather_json(blob, ctx->leaders) : NULL;
}

/* Step 4 (rank 0): the nodes with their members, every rank's object (node order) and the
 * warnings grouped by id in the order of lib/probe_warnings.h.  Steals gathered. */
static void assemble(struct llmb_ctx *ctx, json_t *gathered, json_t *nodes, json_t *ranks, json_t *warnings)
{
    json_t *per_id[LLMB_PW_COUNT];
    for (int w = 0; w < LLMB_PW_COUNT; w++)
        per_id[w] = json_array();
    for (int n = 0; n < ctx->nnodes; n++) {
        json_t *blob = json_array_get(gathered, (size_t)n);
        if (!json_is_object(blob))
            llmb_abort(LLMB_EFAIL, "node %d sent no readable topology", n);
        json_t *members = json_array();
        for (int r = 0; r < ctx->size; r++)
            if (ctx->rank_node[r] == n)
                json_array_append_new(members, json_integer(r));
        json_t *nd = json_pack("{s:s, s:o}", "name", ctx->node_names[n], "ranks", members);
        json_object_update(nd, json_object_get(blob, "node"));
        json_array_append_new(nodes, nd);
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(blob, "ranks"), i, v) json_array_append(ranks, v);
        json_array_foreach(json_object_get(blob, "warnings"), i, v) {
            for (int w = 0; w < LLMB_PW_COUNT; w++)
                if (strcmp(json_string_value(json_object_get(v, "id")), llmb_probe_warning_id(w)) == 0)
                    json_array_append(per_id[w], v);
        }
    }
    json_decref(gathered);
    for (int w = 0; w < LLMB_PW_COUNT; w++) {
        json_array_extend(warnings, per_id[w]);
        json_decref(per_id[w]);
    }
}

/* Step 5 (rank 0): the rank objects in world order.  Steals ranks; new reference. */
static json_t *world_order(struct llmb_ctx *ctx, json_t *ranks)
{
    json_t *sorted = json_array();
    for (int r = 0; r < ctx->size; r++) {
        size_t i;
        json_t *v;
        json_array_foreach(ranks, i, v) if (json_integer_value(json_object_get(v, "rank")) == r) {
            json_array_append(sorted, v);
            break;
        }
    }
    json_decref(ranks);
    return sorted;
}

int llmb_phase_probe(struct llmb_ctx *ctx, json_t *out)
{
    const char *xml = ctx->opt->topology_xml[0] ? ctx->opt->topology_xml : NULL;
    const char *env_xml = getenv("HWLOC_XMLFILE");
    if (!xml && env_xml && env_xml[0])
        xml = env_xml;

    struct rank_rec me;
    my_record(ctx, &me);
    hwloc_topology_t topo, sys;
    int worst = load_topologies(ctx, xml, env_xml, &topo, &sys);
    if (worst)
        return worst;
    json_t *gathered = gather_nodes(ctx, &me, topo, sys, xml);
    if (ctx->rank != 0)
        return 0;

    json_t *nodes = json_array(), *ranks = json_array(), *warnings = json_array();
    assemble(ctx, gathered, nodes, ranks, warnings);
    json_t *sorted = world_order(ctx, ranks);
    json_t *software = software_json();
#ifdef LLMB_HAVE_CUDA
    json_t *cuda = llmb_cuda_software_json();
    json_object_update(software, cuda);
    json_decref(cuda);
#endif
    json_object_set(out, "mpi_library", json_object_get(software, "mpi_library"));
    json_object_set_new(out, "sources", json_pack("{s:s, s:s, s:s, s:o}", "binding", "system", "topology",
                                                  xml ? "xml" : "system", "placement", xml ? "xml" : "system",
                                                  "topology_file", xml ? json_string(xml) : json_null()));
    json_object_set_new(out, "nodes", nodes);
    json_object_set_new(out, "ranks", sorted);
    json_object_set_new(out, "software", software);
    json_object_set_new(out, "env", llmb_perf_env_json());
    json_object_set_new(out, "warnings", warnings);
    summary(ctx, nodes, warnings, xml);
    return 0;
}
