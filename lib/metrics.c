/* The metric definitions (lib/metrics.h): one table row per collective, generated from
 * LLMB_COLLECTIVES, and the functions that read it. */
#include "metrics.h"
#include "util.h"

#include <string.h>

/* The facts of one collective (lib/metrics.h, LLMB_COLLECTIVES). */
struct coll_row {
    const char *name;
    double busbw_k;             /* busbw factor = busbw_k * (n - busbw_d) / n */
    int busbw_d;
    enum llmb_coll_split split; /* how S is cut into n chunks */
    int run;                    /* the driver runs it; 0: import-only */
};

static const struct coll_row coll_table[LLMB_COLL_COUNT] = {
#define LLMB_COLL_ROW(e, name, k, d, split, run) [LLMB_COLL_##e] = {name, k, d, split, run},
    LLMB_COLLECTIVES(LLMB_COLL_ROW)
#undef LLMB_COLL_ROW
};

/* The row of c, or NULL when c is not a collective. */
static const struct coll_row *row_of(enum llmb_coll c)
{
    return (unsigned)c < LLMB_COLL_COUNT ? &coll_table[c] : NULL;
}

const char *llmb_coll_name(enum llmb_coll c)
{
    const struct coll_row *r = row_of(c);
    return r ? r->name : "?";
}

int llmb_coll_from_name(const char *name)
{
    for (int i = 0; i < LLMB_COLL_COUNT; i++)
        if (strcmp(coll_table[i].name, name) == 0)
            return i;
    return -1;
}

int llmb_coll_runs(enum llmb_coll c)
{
    const struct coll_row *r = row_of(c);
    return r && r->run;
}

void llmb_coll_name_list(char *buf, size_t len, const char *sep, int count)
{
    const char *names[LLMB_COLL_COUNT];
    if (count < 0 || count > LLMB_COLL_COUNT)
        count = LLMB_COLL_COUNT;
    for (int i = 0; i < count; i++)
        names[i] = coll_table[i].name;
    llmb_join(names, count, sep, buf, len);
}

double llmb_busbw_factor(enum llmb_coll c, int n)
{
    const struct coll_row *r = row_of(c);
    if (n < 1 || !r)
        return 0.0;
    return r->busbw_k * (double)(n - r->busbw_d) / n;
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
    const struct coll_row *row = row_of(c);
    size_t s, r, total;
    if (n < 1 || elem_bytes == 0 || !row)
        return 0;
    size_t elems = bytes / elem_bytes, un = (size_t)n;
    if (row->split == LLMB_SPLIT_NONE) {
        total = s = r = elems > 0 ? elems : 1;
    } else {
        size_t chunk = elems / un > 0 ? elems / un : 1;
        total = chunk * un;
        s = row->split == LLMB_SPLIT_SEND ? chunk : total;
        r = row->split == LLMB_SPLIT_RECV ? chunk : total;
    }
    if (send_elems)
        *send_elems = s;
    if (recv_elems)
        *recv_elems = r;
    return total * elem_bytes;
}

size_t llmb_coll_osu_bytes(enum llmb_coll c, size_t bytes, int n)
{
    const struct coll_row *r = row_of(c);
    if (n < 1)
        return 0;
    return r && r->split != LLMB_SPLIT_NONE ? bytes / (size_t)n : bytes;
}

double llmb_mfu(double flops_per_step, int ranks, double peak_gflops_per_rank, double step_s)
{
    if (flops_per_step <= 0 || ranks <= 0 || peak_gflops_per_rank <= 0 || step_s <= 0)
        return 0.0;
    return flops_per_step / ((double)ranks * peak_gflops_per_rank * 1e9 * step_s);
}
