/* Memory per GPU of a training layout (doc/sizing.md, "Memory").  fp32 throughout, as llmbench
 * trains: 4 bytes a weight, 4 a gradient, 8 of AdamW moments.  The model accounting of
 * lib/model.c (llmb_model_memory) covers one replica; this adds the layout: tensor and pipeline
 * parallelism split every term; ZeRO shards the AdamW state (stage 1), the gradients (2) and
 * the weights (3) over the data-parallel ranks.  Activations per layer follow Korthikanti et
 * al., "Reducing Activation Recomputation in Large Transformer Models" (2022), eq. 2 and
 * table 2, whose byte counts are for 2-byte elements: doubled here for fp32. */
#include "size/size.h"

#include <math.h>

void sz_memory(double params, int layers, int d_model, int heads, int seq, int mb, int m,
               int dp, int tp, int pp, int zero, enum sz_recompute rc, struct sz_memory *out)
{
    double shard = params / ((double)tp * pp);
    out->weights = 4.0 * shard / (zero >= 3 ? dp : 1);
    out->grads = 4.0 * shard / (zero >= 2 ? dp : 1);
    out->optimizer = 8.0 * shard / (zero >= 1 ? dp : 1);
    double s = seq, b = mb, h = d_model, a = heads, t = tp;
    double per_layer;           /* bytes, 4-byte elements */
    switch (rc) {
    case SZ_RC_FULL: per_layer = 4.0 * s * b * h; break;
    case SZ_RC_SELECTIVE: per_layer = 2.0 * s * b * h * (10.0 + 24.0 / t); break;
    default: per_layer = 2.0 * s * b * h * (10.0 + 24.0 / t + 5.0 * a * s / (h * t)); break;
    }
    int stage_layers = (layers + pp - 1) / pp;
    int in_flight = pp < m ? pp : m; /* 1F1B: the first stage holds p micro-batches */
    if (in_flight < 1)
        in_flight = 1;
    out->activations = per_layer * stage_layers * in_flight;
    out->total = out->weights + out->grads + out->optimizer + out->activations;
}
