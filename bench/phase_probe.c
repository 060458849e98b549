/* The probe phase: who runs where.  This first version records host names, the rank -> node
 * map and the MPI library; the topology issue extends it with hwloc (cluster/). */
#include <stdlib.h>
#include <string.h>

#include "llmbench.h"

int llmb_phase_probe(struct llmb_ctx *ctx, json_t *out)
{
    char lib[MPI_MAX_LIBRARY_VERSION_STRING];
    int len;
    MPI_Get_library_version(lib, &len);
    lib[strcspn(lib, "\n")] = '\0';
    int *threads = ctx->rank == 0 ? malloc((size_t)ctx->size * sizeof *threads) : NULL;
    MPI_Gather(&ctx->threads, 1, MPI_INT, threads, 1, MPI_INT, 0, ctx->world);
    if (ctx->rank != 0)
        return 0;
    json_t *nodes = json_array(), *ranks = json_array();
    for (int n = 0; n < ctx->nnodes; n++) {
        json_t *members = json_array();
        for (int r = 0; r < ctx->size; r++)
            if (ctx->rank_node[r] == n)
                json_array_append_new(members, json_integer(r));
        json_array_append_new(nodes, json_pack("{s:s, s:o}", "name", ctx->node_names[n], "ranks", members));
    }
    for (int r = 0; r < ctx->size; r++)
        json_array_append_new(ranks, json_pack("{s:i, s:i, s:s, s:i}", "rank", r, "node", ctx->rank_node[r],
                                               "host", ctx->node_names[ctx->rank_node[r]], "threads", threads[r]));
    free(threads);
    json_object_set_new(out, "mpi_library", json_string(lib));
    json_object_set_new(out, "nodes", nodes);
    json_object_set_new(out, "ranks", ranks);
    llmb_say(ctx, "probe: %d ranks on %d node(s)\n", ctx->size, ctx->nnodes);
    return 0;
}
