#include "metrics.h"

#include <string.h>

static const char *const coll_names[LLMB_COLL_COUNT] = {
    "allreduce", "reduce_scatter", "allgather", "alltoall", "broadcast", "sendrecv",
};

const char *llmb_coll_name(enum llmb_coll c)
{
    return (unsigned)c < LLMB_COLL_COUNT ? coll_names[c] : "?";
}

int llmb_coll_from_name(const char *name)
{
    for (int i = 0; i < LLMB_COLL_COUNT; i++)
        if (strcmp(coll_names[i], name) == 0)
            return i;
    return -1;
}

double llmb_busbw_factor(enum llmb_coll c, int n)
{
    if (n < 1)
        return 0.0;
    switch (c) {
    case LLMB_COLL_ALLREDUCE:
        return 2.0 * (n - 1) / n;
    case LLMB_COLL_REDUCE_SCATTER:
    case LLMB_COLL_ALLGATHER:
    case LLMB_COLL_ALLTOALL:
        return (double)(n - 1) / n;
    case LLMB_COLL_BROADCAST:
    case LLMB_COLL_SENDRECV:
        return 1.0;
    default:
        return 0.0;
    }
}

double llmb_algbw_gbs(double bytes, double seconds)
{
    return seconds > 0 ? bytes / seconds / 1e9 : 0.0;
}

double llmb_busbw_gbs(enum llmb_coll c, int n, double bytes, double seconds)
{
    return llmb_algbw_gbs(bytes, seconds) * llmb_busbw_factor(c, n);
}

size_t llmb_coll_counts(enum llmb_coll c, size_t bytes, size_t elem_bytes, int n,
                        size_t *send_elems, size_t *recv_elems)
{
    size_t s = 0, r = 0, total = 0;
    if (n < 1 || elem_bytes == 0)
        return 0;
    size_t elems = bytes / elem_bytes, un = (size_t)n;
    switch (c) {
    case LLMB_COLL_ALLREDUCE:
    case LLMB_COLL_BROADCAST:
    case LLMB_COLL_SENDRECV:
        total = s = r = elems > 0 ? elems : 1;
        break;
    case LLMB_COLL_ALLGATHER:
    case LLMB_COLL_REDUCE_SCATTER:
    case LLMB_COLL_ALLTOALL: {
        size_t chunk = elems / un > 0 ? elems / un : 1;
        total = chunk * un;
        s = c == LLMB_COLL_ALLGATHER ? chunk : total;
        r = c == LLMB_COLL_REDUCE_SCATTER ? chunk : total;
        break;
    }
    default:
        return 0;
    }
    if (send_elems)
        *send_elems = s;
    if (recv_elems)
        *recv_elems = r;
    return total * elem_bytes;
}

size_t llmb_coll_osu_bytes(enum llmb_coll c, size_t bytes, int n)
{
    if (n < 1)
        return 0;
    switch (c) {
    case LLMB_COLL_ALLGATHER:
    case LLMB_COLL_REDUCE_SCATTER:
    case LLMB_COLL_ALLTOALL:
        return bytes / (size_t)n;
    default:
        return bytes;
    }
}

double llmb_mfu(double flops_per_step, int ranks, double peak_gflops_per_rank, double step_s)
{
    if (flops_per_step <= 0 || ranks <= 0 || peak_gflops_per_rank <= 0 || step_s <= 0)
        return 0.0;
    return flops_per_step / ((double)ranks * peak_gflops_per_rank * 1e9 * step_s);
}
