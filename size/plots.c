/* Plots of the projection against GPU count (doc/llmbench-size.1, PLOTS): the target's layout
 * with its data-parallel size scaled by powers of 2 at the same global batch (strong scaling),
 * per offer: tokens/s (tokens_per_gpus.png/.svg) and, with prices, cost per million tokens
 * (cost_per_gpus.png/.svg), the p10..p90 band as error bars.  One data file per offer
 * (<letter>.dat: gpus, tokens/s median p10 p90, $/1M median p10 p90); gnuplot through the
 * reporter's runner (fork + execv, no shell). */
#include "size/size.h"

#include "results.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define SZ_PLOT_MAX_DP 4096

/* The data file of offer i; the number of rows written, -1 on a write error. */
static int write_dat(const struct sz_target *t, const struct sz_offer *o, int i, const char *dir)
{
    char fn[4200];
    snprintf(fn, sizeof fn, "%s/%c.dat", dir, 'A' + (i < 26 ? i : 25));
    FILE *f = fopen(fn, "w");
    if (!f)
        return -1;
    fprintf(f, "# gpus tokens/s(median p10 p90) usd_per_1M_tokens(median p10 p90)\n");
    int rows = 0;
    int top = t->dp * 4 > 8 ? t->dp * 4 : 8;
    for (int dp = 1; dp <= top && dp <= SZ_PLOT_MAX_DP; dp *= 2) {
        struct sz_target x = *t;
        x.dp = dp;
        x.gpus = dp * t->tp * t->pp;
        x.price = o->price;
        if (t->global_batch % ((long long)dp * t->cfg.batch))
            continue;
        struct sz_projection p;
        sz_project(&o->meas, &x, &p);
        if (!p.ok)
            continue;
        fprintf(f, "%d %.6g %.6g %.6g %.6g %.6g %.6g\n", x.gpus, p.tokens_per_s[SZ_MED],
                p.tokens_per_s[SZ_P90], p.tokens_per_s[SZ_P10], p.usd_per_mtok[SZ_MED],
                p.usd_per_mtok[SZ_P10], p.usd_per_mtok[SZ_P90]);
        rows++;
    }
    return fclose(f) ? -1 : rows;
}

static void plot_body(char *b, size_t n, struct sz_offer *o, int nof, const int *rows, int cost)
{
    snprintf(b, n, "set title '%s against GPU count (strong scaling: the global batch fixed; "
             "bars p10-p90)'\nset xlabel 'GPUs'\nset ylabel '%s'\nset logscale x 2\n"
             "set logscale y\nset grid\nset key outside right\nplot ",
             cost ? "cost per million tokens" : "predicted tokens/s",
             cost ? "USD per 1M tokens" : "tokens/s");
    int first = 1;
    for (int i = 0; i < nof; i++) {
        if (rows[i] <= 0 || (cost && !(o[i].price > 0)))
            continue;
        char name[RR_NAME_LEN + 1];
        rr_safe_name(o[i].meas.label, name, sizeof name);
        size_t l = strlen(b);
        snprintf(b + l, n - l, "%s'%c.dat' using 1:%d:%d:%d with yerrorlines title '%s'",
                 first ? "" : ", ", 'A' + (i < 26 ? i : 25), cost ? 5 : 2, cost ? 6 : 3,
                 cost ? 7 : 4, name);
        first = 0;
    }
    size_t l = strlen(b);
    snprintf(b + l, n - l, "\n");
}

int sz_plots(const struct sz_target *t, struct sz_offer *o, int n, const char *dir, char *note,
             size_t len)
{
    char why[4400];
    if (llmb_mkdir_p_why(dir, why, sizeof why) < 0) {
        snprintf(note, len, "plots: none: %s", why);
        return -1;
    }
    int rows[26] = {0}, any = 0, priced = 0;
    for (int i = 0; i < n && i < 26; i++) {
        errno = 0;
        rows[i] = write_dat(t, &o[i], i, dir);
        if (rows[i] < 0) {
            snprintf(note, len, "plots: none: cannot write data into %s: %s", dir,
                     errno ? strerror(errno) : "write error");
            return -1;
        }
        any |= rows[i] > 0;
        priced |= rows[i] > 0 && o[i].price > 0;
    }
    if (!any) {
        snprintf(note, len, "plots: nothing to plot (no layout projected)");
        return 0;
    }
    static char body[16384];
    const char *names[2] = {"tokens_per_gpus", "cost_per_gpus"};
    int nplots = priced ? 2 : 1;
    for (int k = 0; k < nplots; k++) {
        plot_body(body, sizeof body, o, n < 26 ? n : 26, rows, k);
        if (rr_write_script(dir, names[k], "900,600", body) < 0) {
            snprintf(note, len, "plots: none: cannot write %s/%s.gp: %s", dir, names[k],
                     strerror(errno));
            return -1;
        }
    }
    char gp[4096];
    if (rr_find_gnuplot(gp, sizeof gp) < 0) {
        snprintf(note, len, "plots: gnuplot not found ($GNUPLOT or PATH): %d scripts and their "
                 "data written to %s, no images", nplots, dir);
        return 1;
    }
    for (int k = 0; k < nplots; k++) {
        char script[64];
        snprintf(script, sizeof script, "%s.gp", names[k]);
        if (rr_run_gnuplot(gp, dir, script, why, sizeof why) < 0) {
            snprintf(note, len, "plots: %s", why);
            return -1;
        }
    }
    snprintf(note, len, "plots: %s%s (.gp, .png, .svg, data A.dat...) in %s", names[0],
             nplots > 1 ? ", cost_per_gpus" : " (no prices: no cost plot)", dir);
    return 0;
}
