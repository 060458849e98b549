/* Clock offsets against rank 0 by ping-pong (see clock.h). */
#include "clock.h"
#include "llmbench.h"

#include <math.h>
#include <stdlib.h>

#define CLOCK_TAG 7301

int llmb_clock_sync(MPI_Comm world, MPI_Comm node, int rounds, struct llmb_clock *c)
{
    int rank, size, rc;
    MPI_Comm_rank(world, &rank);
    MPI_Comm_size(world, &size);
    if (rounds < 1)
        rounds = 1;
    double best_rtt = INFINITY, best_off = 0.0;
    if ((rc = MPI_Barrier(world)) != MPI_SUCCESS)
        return rc;
    if (rank == 0) {
        /* Serve every rank in turn: receive a ping, answer with the time. */
        for (int r = 1; r < size; r++)
            for (int k = 0; k < rounds; k++) {
                char ping;
                if ((rc = MPI_Recv(&ping, 0, MPI_CHAR, r, CLOCK_TAG, world, MPI_STATUS_IGNORE)) != MPI_SUCCESS)
                    return rc;
                double t0 = llmb_now_s();
                if ((rc = MPI_Send(&t0, 1, MPI_DOUBLE, r, CLOCK_TAG, world)) != MPI_SUCCESS)
                    return rc;
            }
        best_rtt = 0.0;
    } else {
        for (int k = 0; k < rounds; k++) {
            char ping = 0;
            double t0;
            double t1 = llmb_now_s();
            if ((rc = MPI_Send(&ping, 0, MPI_CHAR, 0, CLOCK_TAG, world)) != MPI_SUCCESS)
                return rc;
            if ((rc = MPI_Recv(&t0, 1, MPI_DOUBLE, 0, CLOCK_TAG, world, MPI_STATUS_IGNORE)) != MPI_SUCCESS)
                return rc;
            double t2 = llmb_now_s();
            if (t2 - t1 < best_rtt) {
                best_rtt = t2 - t1;
                best_off = t0 - 0.5 * (t1 + t2);
            }
        }
    }
    c->measured_offset_s = best_off;
    c->measured_residual_s = 0.5 * best_rtt;
    /* One host, one clock: take the leader's offset when the estimates agree. */
    double lead[2] = {c->measured_offset_s, c->measured_residual_s};
    if ((rc = MPI_Bcast(lead, 2, MPI_DOUBLE, 0, node)) != MPI_SUCCESS)
        return rc;
    if (fabs(c->measured_offset_s - lead[0]) <= c->measured_residual_s + lead[1]) {
        c->offset_s = lead[0];
        c->residual_s = lead[1];
        c->shared = 1;
    } else {
        c->offset_s = c->measured_offset_s;
        c->residual_s = c->measured_residual_s;
        c->shared = 0;
    }
    return MPI_SUCCESS;
}

json_t *llmb_clock_json(MPI_Comm world, int rounds, const struct llmb_clock *c,
                        const struct llmb_clock *end)
{
    int rank, size;
    MPI_Comm_rank(world, &rank);
    MPI_Comm_size(world, &size);
    double mine[6] = {c->offset_s, c->residual_s, c->measured_offset_s, c->shared,
                      end ? end->measured_offset_s : 0.0, end ? end->offset_s : 0.0};
    double *all = rank == 0 ? malloc((size_t)size * sizeof mine) : NULL;
    if (rank == 0 && !all)
        llmb_abort(1, "out of memory gathering %d clock offsets", size);
    MPI_Gather(mine, 6, MPI_DOUBLE, all, 6, MPI_DOUBLE, 0, world);
    if (rank != 0)
        return NULL;
    json_t *off = json_array(), *res = json_array(), *meas = json_array(), *sh = json_array();
    json_t *offe = json_array(), *drift = json_array();
    for (int r = 0; r < size; r++) {
        const double *v = all + 6 * r;
        json_array_append_new(off, json_real(v[0]));
        json_array_append_new(res, json_real(v[1]));
        json_array_append_new(meas, json_real(v[2]));
        json_array_append_new(sh, json_boolean(v[3] != 0.0));
        json_array_append_new(offe, json_real(v[5]));
        json_array_append_new(drift, json_real(v[4] - v[2]));
    }
    free(all);
    json_t *o = json_pack("{s:s, s:i, s:o, s:o, s:o, s:o}",
                          "method", "ping-pong with rank 0, shortest round trip of each rank; "
                          "ranks on one host share their node leader's offset when consistent",
                          "rounds", rounds, "offsets_s", off, "residual_s", res,
                          "measured_offsets_s", meas, "shared", sh);
    if (end) {
        json_object_set_new(o, "offsets_end_s", offe);
        json_object_set_new(o, "drift_s", drift);
    } else {
        json_decref(offe);
        json_decref(drift);
    }
    return o;
}
