/* The projection as a table (text) or JSON (doc/llmbench-size.1, OUTPUT).  Offers are ranked by
 * cost per million tokens when every offer has a price, else by tokens/s; each figure is the
 * median band with the p10..p90 band beside it. */
#include "size/size.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const rc_names[] = {"none", "selective", "full"};

/* Rank order of the offers: indexes into o. */
static void ranking(struct sz_offer *o, int n, int *idx)
{
    int priced = 1;
    for (int i = 0; i < n; i++)
        priced &= o[i].price > 0;
    for (int i = 0; i < n; i++)
        idx[i] = i;
    for (int i = 1; i < n; i++) /* insertion sort, stable: ties keep the command line's order */
        for (int j = i; j > 0; j--) {
            const struct sz_projection *a = &o[idx[j - 1]].proj, *b = &o[idx[j]].proj;
            int swap;
            if (!a->ok || !b->ok)
                swap = !a->ok && b->ok;
            else if (priced)
                swap = b->usd_per_mtok[SZ_MED] < a->usd_per_mtok[SZ_MED];
            else
                swap = b->tokens_per_s[SZ_MED] > a->tokens_per_s[SZ_MED];
            if (!swap)
                break;
            int t = idx[j];
            idx[j] = idx[j - 1], idx[j - 1] = t;
        }
}

static const char *num(double v, const char *fmt, char *b, size_t n)
{
    if (!isfinite(v))
        snprintf(b, n, "-");
    else
        snprintf(b, n, fmt, v);
    return b;
}

/* "12.3 [11.0-14.1]" of a banded figure. */
static const char *band(const double *v, const char *fmt, char *b, size_t n)
{
    char x[20], y[20], z[20];
    double lo = fmin(v[SZ_P10], v[SZ_P90]), hi = fmax(v[SZ_P10], v[SZ_P90]);
    snprintf(b, n, "%s [%s-%s]", num(v[SZ_MED], fmt, x, sizeof x), num(lo, fmt, y, sizeof y),
             num(hi, fmt, z, sizeof z));
    return b;
}

/* The fits that were made, in table order: from *i = 0 until NULL. */
static const struct sz_comm_fit *next_fit(const struct sz_measured *m, int *i)
{
    while (*i < LLMB_COLL_COUNT * RR_NTIERS) {
        const struct sz_comm_fit *x = &m->fit[*i / RR_NTIERS][*i % RR_NTIERS];
        (*i)++;
        if (x->ok)
            return x;
    }
    return NULL;
}

static void print_fits(FILE *f, const struct sz_measured *m)
{
    fprintf(f, "  comm fits (t = a + S/B per collective and tier; alpha, beta through the ring "
               "formula at p0; residuals relative):\n");
    fprintf(f, "    %-15s %-6s %-6s %3s %4s %-19s %10s %9s %10s %9s %6s %6s\n", "collective",
            "tier", "group", "p0", "pts", "sizes (bytes)", "a (us)", "B (GB/s)", "alpha (us)",
            "beta GB/s", "rms", "max");
    const struct sz_comm_fit *x;
    for (int i = 0; (x = next_fit(m, &i));) {
        const struct sz_line *l = &x->line[SZ_MED];
        char r[40];
        snprintf(r, sizeof r, "%.3g-%.3g", l->min_bytes, l->max_bytes);
        fprintf(f, "    %-15s %-6s %-6s %3d %4zu %-19s %10.3f %9.3f %10.3f %9.3f %5.0f%% "
                   "%5.0f%%\n", llmb_coll_name((enum llmb_coll)x->coll),
                x->tier == RR_INTER ? "inter" : "intra", x->group, x->p0, l->n, r, l->a_s * 1e6,
                l->bw_gbs, x->alpha_s[SZ_MED] * 1e6, x->beta_gbs[SZ_MED], 100 * l->rms_rel,
                100 * l->max_rel);
    }
    if (m->ngemm)
        fprintf(f, "  GEMM: %zu measured sizes, %.3g to %.3g FLOPs per call, %.1f to %.1f "
                   "GFLOP/s (median rank; square GEMM included)\n", m->ngemm, m->gemm_flops[0],
                m->gemm_flops[m->ngemm - 1], m->gemm_rate[SZ_MED][0],
                m->gemm_rate[SZ_MED][m->ngemm - 1]);
}

void sz_print(FILE *f, const struct sz_target *t, struct sz_offer *o, int n)
{
    const struct llmb_model_config *c = &t->cfg;
    const struct sz_projection *p0 = &o[0].proj;
    char b1[64], b2[64], b3[64], b4[64], b5[64], b6[64];
    fprintf(f, "llmbench-size: %s, %.3g parameters, %.3g FLOPs per token\nseq %d, global batch %d "
               "sequences (%.0f tokens)", c->name, p0->params, p0->flops_per_token, c->seq,
            t->global_batch, (double)t->global_batch * c->seq);
    if (c->experts > 1)
        fprintf(f, "; MoE %d experts, %d active", c->experts, c->experts_active);
    if (t->tokens > 0)
        fprintf(f, "; %.3g training tokens", t->tokens);
    fprintf(f, "\nlayout: %d GPUs, dp %d x tp %d x pp %d", t->gpus, t->dp, t->tp, t->pp);
    if (c->experts > 1)
        fprintf(f, ", ep %d (experts %d per GPU, all-to-all %.4g bytes, capacity factor %g)",
                t->ep > 1 ? t->ep : 1, c->experts / (t->ep > 1 ? t->ep : 1), p0->ep_bytes,
                t->capacity > 0 ? t->capacity : 1.0);
    fprintf(f, ", ZeRO %d, micro-batch %d (%d per step), recompute %s, overlap %s\n", t->zero,
            c->batch, p0->m, rc_names[t->recompute],
            t->overlap < 0 ? "as measured" : t->overlap ? "yes" : "no");
    fprintf(f, "memory per GPU: %.2f GB (weights %.2f, gradients %.2f, AdamW %.2f, activations "
               "%.2f); pipeline bubble %.1f%%\n\n", p0->mem.total / 1e9, p0->mem.weights / 1e9,
            p0->mem.grads / 1e9, p0->mem.optimizer / 1e9, p0->mem.activations / 1e9,
            100 * p0->bubble);
    int *idx = malloc((size_t)n * sizeof *idx);
    if (!idx)
        return;
    ranking(o, n, idx);
    fprintf(f, "%-4s %-26s %5s %5s %-22s %-24s %s\n", "rank", "offer", "GPUs", "nodes",
            "step s [p10-p90]", "tokens/s [p10-p90]", "MFU");
    for (int k = 0; k < n; k++) {
        const struct sz_offer *x = &o[idx[k]];
        const struct sz_projection *p = &x->proj;
        if (!p->ok) {
            fprintf(f, "%-4d %-26.26s not projected: %s\n", k + 1, x->meas.label, p->why);
            continue;
        }
        double mfu = isfinite(p->mfu_nominal) ? p->mfu_nominal : p->mfu_measured;
        fprintf(f, "%-4d %-26.26s %5d %5d %-22s %-24s %.1f%%\n", k + 1, x->meas.label, p->gpus,
                p->nodes, band(p->step_s, "%.4g", b1, sizeof b1),
                band(p->tokens_per_s, "%.4g", b2, sizeof b2), 100 * mfu);
    }
    fprintf(f, "\n%-4s %-26s %-20s %7s %-22s %s\n", "rank", "offer", "days [p10-p90]",
            "$/GPU-h", "$/1M tokens [p10-p90]", "total $ [p10-p90]");
    for (int k = 0; k < n; k++) {
        const struct sz_offer *x = &o[idx[k]];
        const struct sz_projection *p = &x->proj;
        if (p->ok)
            fprintf(f, "%-4d %-26.26s %-20s %7s %-22s %s\n", k + 1, x->meas.label,
                    band(p->days, "%.3g", b3, sizeof b3), num(x->price, "%.2f", b4, sizeof b4),
                    band(p->usd_per_mtok, "%.4g", b5, sizeof b5),
                    band(p->usd_total, "%.4g", b6, sizeof b6));
    }
    fprintf(f, "MFU: model FLOPs (6N + 12LHQT per token) against the compute phase's nominal "
               "peak\nper rank (measured peak when no nominal)\n");
    for (int k = 0; k < n; k++) {
        const struct sz_offer *x = &o[idx[k]];
        const struct sz_projection *p = &x->proj;
        fprintf(f, "\n[%d] %s (%s)\n", k + 1, x->meas.label, x->run.file);
        if (p->ok)
            fprintf(f, "  step (median): compute %.4g s, TP comm %.4g s, EP all-to-all %.4g s, "
                       "pipeline p2p %.4g s, bubble %.4g s, DP comm %.4g s (%.4g s exposed), "
                       "optimizer %.4g s, host %.4g s; MFU %.1f%% of nominal, %.1f%% of measured "
                       "peak\n",
                    p->t_compute, p->t_tp, p->t_ep, p->t_p2p, p->t_bubble, p->t_dp_total,
                    p->t_dp_exposed, p->t_opt, p->t_other, 100 * p->mfu_nominal,
                    100 * p->mfu_measured);
        if (x->self.ok && x->self_meas_s > 0)
            fprintf(f, "  self-check: the run's own workload and layout projected %.4g s a "
                       "step [%.4g-%.4g], measured %.4g s: error %+.1f%%\n",
                    x->self.step_s[SZ_MED], x->self.step_s[SZ_P10], x->self.step_s[SZ_P90],
                    x->self_meas_s, 100 * (x->self.step_s[SZ_MED] / x->self_meas_s - 1));
        if (x->self.ok && x->self_meas_s > 0)
            fprintf(f, "    (compute %.4g s, DP comm %.4g s of which %.4g s exposed, optimizer "
                       "%.4g s; the reporter's own model of that step: %.4g s)\n",
                    x->self.t_compute, x->self.t_dp_total, x->self.t_dp_exposed, x->self.t_opt,
                    x->meas.self_pred_s);
        else
            fprintf(f, "  self-check: not possible (%s)\n",
                    x->self.why[0] ? x->self.why : "no train phase in the run");
        print_fits(f, &x->meas);
        if (p->nnotes) {
            fprintf(f, "  outside the measured range / substitutes:\n");
            for (int i = 0; i < p->nnotes; i++)
                fprintf(f, "    ! %s\n", p->notes[i]);
        }
    }
    fprintf(f, "\nassumptions:\n");
    for (int i = 0; sz_assumptions[i]; i++)
        fprintf(f, "  - %s\n", sz_assumptions[i]);
    free(idx);
}

/* ---------------------------------------------------------------- JSON */
static json_t *jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *jband(const double *v)
{
    return json_pack("{s:o,s:o,s:o}", "p10", jnum(v[SZ_P10]), "median", jnum(v[SZ_MED]), "p90",
                     jnum(v[SZ_P90]));
}

static json_t *jfits(const struct sz_measured *m)
{
    json_t *a = json_array();
    const struct sz_comm_fit *x;
    for (int i = 0; (x = next_fit(m, &i));) {
        const struct sz_line *l = &x->line[SZ_MED];
        json_array_append_new(a, json_pack(
            "{s:s,s:s,s:s,s:i,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "collective",
            llmb_coll_name((enum llmb_coll)x->coll), "tier",
            x->tier == RR_INTER ? "inter" : "intra", "group", x->group, "p0", x->p0, "points",
            (json_int_t)l->n, "min_bytes", jnum(l->min_bytes), "max_bytes", jnum(l->max_bytes),
            "a_s", jnum(l->a_s), "bw_gbs", jnum(l->bw_gbs), "alpha_s",
            jnum(x->alpha_s[SZ_MED]), "beta_gbs", jnum(x->beta_gbs[SZ_MED]), "rms_rel",
            jnum(l->rms_rel), "max_rel", jnum(l->max_rel)));
    }
    return a;
}

json_t *sz_json(const struct sz_target *t, struct sz_offer *o, int n)
{
    const struct llmb_model_config *c = &t->cfg;
    json_t *root = json_object();
    json_object_set_new(root, "target", json_pack(
        "{s:s,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:i,s:f,s:o,s:s,s:o}", "model",
        c->name, "layers", c->layers, "d_model", c->d_model, "seq", c->seq, "global_batch",
        t->global_batch, "micro_batch", c->batch, "gpus", t->gpus, "dp", t->dp, "tp", t->tp,
        "pp", t->pp, "zero", t->zero, "experts", c->experts, "experts_active",
        c->experts_active, "ep", t->ep > 1 ? t->ep : 1, "capacity_factor",
        t->capacity > 0 ? t->capacity : 1.0, "tokens", jnum(t->tokens),
        "recompute", rc_names[t->recompute], "overlap",
        t->overlap < 0 ? json_string("as measured") : json_boolean(t->overlap)));
    int *idx = malloc((size_t)(n > 0 ? n : 1) * sizeof *idx);
    json_t *offers = json_array();
    if (idx)
        ranking(o, n, idx);
    for (int k = 0; idx && k < n; k++) {
        const struct sz_offer *x = &o[idx[k]];
        const struct sz_projection *p = &x->proj;
        json_t *e = json_pack("{s:i,s:s,s:s,s:b}", "rank", k + 1, "offer", x->meas.label,
                              "file", x->run.file, "ok", p->ok);
        if (!p->ok) {
            json_object_set_new(e, "why", json_string(p->why));
        } else {
            json_object_set_new(e, "gpus", json_integer(p->gpus));
            json_object_set_new(e, "nodes", json_integer(p->nodes));
            json_object_set_new(e, "micro_batches", json_integer(p->m));
            json_object_set_new(e, "params", jnum(p->params));
            json_object_set_new(e, "flops_per_token", jnum(p->flops_per_token));
            json_object_set_new(e, "expert_params", jnum(p->expert_params));
            json_object_set_new(e, "ep_alltoall_bytes", jnum(p->ep_bytes));
            json_object_set_new(e, "step_s", jband(p->step_s));
            json_object_set_new(e, "tokens_per_s", jband(p->tokens_per_s));
            json_object_set_new(e, "days", jband(p->days));
            json_object_set_new(e, "usd_per_gpu_hour", jnum(x->price));
            json_object_set_new(e, "usd_per_million_tokens", jband(p->usd_per_mtok));
            json_object_set_new(e, "usd_total", jband(p->usd_total));
            json_object_set_new(e, "mfu_nominal", jnum(p->mfu_nominal));
            json_object_set_new(e, "mfu_measured", jnum(p->mfu_measured));
            json_object_set_new(e, "bubble", jnum(p->bubble));
            json_object_set_new(e, "terms_s", json_pack(
                "{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "compute", jnum(p->t_compute),
                "tp_comm", jnum(p->t_tp), "ep_alltoall", jnum(p->t_ep), "pp_p2p", jnum(p->t_p2p), "bubble", jnum(p->t_bubble),
                "dp_comm", jnum(p->t_dp_total), "dp_exposed", jnum(p->t_dp_exposed),
                "optimizer", jnum(p->t_opt), "host", jnum(p->t_other)));
            json_object_set_new(e, "memory_bytes", json_pack(
                "{s:o,s:o,s:o,s:o,s:o}", "weights", jnum(p->mem.weights), "grads",
                jnum(p->mem.grads), "optimizer", jnum(p->mem.optimizer), "activations",
                jnum(p->mem.activations), "total", jnum(p->mem.total)));
        }
        json_t *notes = json_array();
        for (int i = 0; i < p->nnotes; i++)
            json_array_append_new(notes, json_string(p->notes[i]));
        json_object_set_new(e, "outside_measured_range", notes);
        json_object_set_new(e, "self_check", json_pack(
            "{s:o,s:o}", "projected_step_s", x->self.ok ? jband(x->self.step_s) : json_null(),
            "measured_step_s", jnum(x->self_meas_s)));
        json_object_set_new(e, "fits", jfits(&x->meas));
        json_array_append_new(offers, e);
    }
    free(idx);
    json_object_set_new(root, "offers", offers);
    json_t *as = json_array();
    for (int i = 0; sz_assumptions[i]; i++)
        json_array_append_new(as, json_string(sz_assumptions[i]));
    json_object_set_new(root, "assumptions", as);
    return root;
}
