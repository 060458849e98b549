/* bench/gpu_telemetry.c - NVML samples of every rank's GPU during the compute and train phases
 * (gpu_telemetry.h).  The rank's GPU is the probe's: CUDA device node_rank % visible devices,
 * named to NVML by its PCI bus id (NVML's indices need not follow CUDA's). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "cluster/nvml.h"
#include "error.h"
#include "gpu_telemetry.h"
#ifdef LLMB_HAVE_CUDA
#include "cluster/cuda_info.h"
#endif

#define LLMB_GPU_SAMPLE_S 0.5 /* seconds between samples (doubles on a long phase) */

struct llmb_gpu_mon {
    struct llmb_nvml *nvml;
    struct llmb_gpu_sampler *sampler;
    struct llmb_gpu_info info;
    const char *state;                 /* "ok", "not-found", "no-device", "no-sampler" */
    char why[512];
};

static int sampled(const struct llmb_ctx *ctx, const char *phase)
{
    return ctx->be->gpu_per_rank && (strcmp(phase, "compute") == 0 || strcmp(phase, "train") == 0);
}

/* This rank's GPU's bus id, "" when unknown (why says so). */
static void my_busid(const struct llmb_ctx *ctx, char *busid, size_t len, char *why, size_t wlen)
{
    busid[0] = '\0';
#ifdef LLMB_HAVE_CUDA
    int ndev = llmb_cuda_device_count();
    if (ndev > 0 && llmb_cuda_device_busid(ctx->node_rank % ndev, busid, len) == 0)
        return;
    snprintf(why, wlen, "no CUDA device or its PCI bus id (visible devices: %d)", ndev);
#else
    snprintf(why, wlen, "built without CUDA: the rank's GPU is unknown");
#endif
}

struct llmb_gpu_mon *llmb_gpu_mon_start(struct llmb_ctx *ctx, const char *phase)
{
    if (!sampled(ctx, phase))
        return NULL;
    struct llmb_gpu_mon *m = calloc(1, sizeof *m);
    if (!m)
        llmb_abort(LLMB_EFAIL, "out of memory");
    char busid[32];
    void *dev;
    if (llmb_nvml_open(&m->nvml, m->why, sizeof m->why) < 0) {
        m->state = "not-found";
        return m;
    }
    my_busid(ctx, busid, sizeof busid, m->why, sizeof m->why);
    if (!busid[0] || llmb_nvml_device(m->nvml, busid, 0, &dev, m->why, sizeof m->why) < 0) {
        m->state = "no-device";
        return m;
    }
    llmb_nvml_info(m->nvml, dev, &m->info);
    m->sampler = llmb_gpu_sampler_start(m->nvml, dev, LLMB_GPU_SAMPLE_S);
    m->state = m->sampler ? "ok" : "no-sampler";
    if (!m->sampler)
        snprintf(m->why, sizeof m->why, "the sampler thread could not start");
    return m;
}

void llmb_gpu_mon_finish(struct llmb_ctx *ctx, const char *phase, struct llmb_gpu_mon *m,
                         json_t *out)
{
    if (!sampled(ctx, phase))
        return;
    json_t *mine = json_pack("{s:i, s:s}", "rank", ctx->rank, "state", m ? m->state : "not-found");
    json_object_set_new(mine, "reason", m && m->why[0] && !m->sampler ? json_string(m->why) : json_null());
    json_object_set_new(mine, "device", m && m->sampler ? llmb_gpu_info_json(&m->info) : json_null());
    json_object_set_new(mine, "samples", m && m->sampler ? llmb_gpu_sampler_stop(m->sampler) : json_array());
    if (m) {
        llmb_nvml_close(m->nvml);
        free(m);
    }
    json_t *all = llmb_gather_json(mine, ctx->world);
    if (ctx->rank == 0)
        json_object_set_new(out, "gpu_telemetry",
                            json_pack("{s:s, s:f, s:i, s:o}", "source", "nvml", "interval_s",
                                      LLMB_GPU_SAMPLE_S, "samples_max", LLMB_GPU_SAMPLES_MAX,
                                      "ranks", all));
}
