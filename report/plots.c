/* Plots: one gnuplot script per figure (.gp, with its .dat), rendered to PNG (pngcairo) and
 * SVG by gnuplot started with fork + execv and an argument vector (no shell).  The scripts
 * stay in the directory, so `cd DIR && gnuplot busbw.gp` redraws a figure. */
#include "report.h"

#include "error.h"
#include "results.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void rr_safe_name(const char *in, char *out, size_t len)
{
    size_t j = 0;
    for (size_t i = 0; in[i] && j + 1 < len; i++) {
        char c = in[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || (c == '.' && j > 0);
        out[j++] = ok ? c : '_';
    }
    if (j == 0 && len > 1)
        out[j++] = '_';
    out[j] = '\0';
}

static char letter(int i) { return (char)('A' + (i < 26 ? i : 25)); }

/* A plot file; NULL with errno set (rr_plots says so in its note: plots are an extra). */
static FILE *open_in(const char *dir, const char *name)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return fopen(p, "w");
}

/* Script = terminal + body, twice (PNG, then SVG). */
int rr_write_script(const char *dir, const char *name, const char *size, const char *body)
{
    char fn[256];
    snprintf(fn, sizeof fn, "%s.gp", name);
    FILE *f = open_in(dir, fn);
    if (!f)
        return -1;
    fprintf(f, "# %s (redraw: gnuplot %s.gp)\n", name, name);
    fprintf(f, "set terminal pngcairo size %s noenhanced font ',10'\nset output '%s.png'\n%s",
            size, name, body);
    fprintf(f, "unset output\nunset multiplot\nreset\n");
    fprintf(f, "set terminal svg size %s noenhanced font ',10'\nset output '%s.svg'\n%s", size,
            name, body);
    fprintf(f, "unset output\n");
    return fclose(f) ? -1 : 0;
}

int rr_find_gnuplot(char *path, size_t len)
{
    const char *g = getenv("GNUPLOT");
    if (g && *g && strcmp(g, "no") != 0) {
        if (strchr(g, '/'))
            return access(g, X_OK) == 0 && llmb_strlcpy(path, g, len) == 0 ? 0 : -1;
    }
    const char *name = g && *g && strcmp(g, "no") != 0 ? g : "gnuplot";
    if (g && strcmp(g, "no") == 0)
        return -1;
    const char *p = getenv("PATH");
    if (!p)
        p = "/usr/bin:/bin";
    while (*p) {
        const char *e = strchr(p, ':');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n > 0 && snprintf(path, len, "%.*s/%s", (int)n, p, name) < (int)len &&
            access(path, X_OK) == 0)
            return 0;
        p += n + (e ? 1 : 0);
    }
    return -1;
}

#define GNUPLOT_TIMEOUT_S 120 /* one figure; then gnuplot is killed */

/* Run gnuplot on one script in dir: 0, or -1 with why it failed in why (len bytes). */
int rr_run_gnuplot(const char *gp, const char *dir, const char *script, char *why,
                       size_t len)
{
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, len, "cannot start %s: %s", gp, strerror(errno));
        return -1;
    }
    if (pid == 0) {
        if (chdir(dir) < 0)
            _exit(126);
        int fd = open("gnuplot.log", O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        char *const argv[] = {(char *)"gnuplot", (char *)script, NULL};
        execv(gp, argv);
        _exit(127);
    }
    int st = 0;
    double waited = 0;
    for (;;) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            snprintf(why, len, "waiting for gnuplot: %s", strerror(errno));
            return -1;
        }
        if (waited > GNUPLOT_TIMEOUT_S) {
            kill(pid, SIGKILL);
            while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
            snprintf(why, len, "%s took more than %d s on %s, stopped", gp, GNUPLOT_TIMEOUT_S,
                     script);
            return -1;
        }
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
        waited += 0.01;
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        if (WIFEXITED(st))
            snprintf(why, len, "%s failed on %s (exit status %d%s; see %s/gnuplot.log)", gp,
                     script, WEXITSTATUS(st), WEXITSTATUS(st) == 127 ? ": cannot run it" : "",
                     dir);
        else
            snprintf(why, len, "%s failed on %s (signal %d; see %s/gnuplot.log)", gp, script,
                     WTERMSIG(st), dir);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- figures */
static int plot_busbw(const struct rr_report *rep, const char *dir)
{
    FILE *f = open_in(dir, "busbw.dat");
    if (!f)
        return -1;
    char body[16384] = "set logscale x 2\nset format x '%.0b %BB'\nset xlabel 'message size "
                       "(bytes, nccl-tests convention)'\nset ylabel 'busbw (GB/s)'\nset grid\n"
                       "set key outside right\nset title 'bus bandwidth by collective and "
                       "communicator'\nplot ";
    int idx = 0;
    for (int i = 0; i < rep->nruns; i++)
        for (size_t s = 0; s < rep->runs[i].nsweeps && idx < 60; s++) {
            const struct rr_sweep *w = &rep->runs[i].sweeps[s];
            /* strings from the results file go into a gnuplot script: quoted text there can
             * end the quote and run commands (system(), !), so only safe characters */
            char pl[sizeof w->placement];
            rr_safe_name(w->placement, pl, sizeof pl);
            fprintf(f, "# %c %s %s %s\n", letter(i), w->coll, w->group, pl);
            for (size_t p = 0; p < w->npts; p++)
                if (w->bytes[p] > 0)
                    fprintf(f, "%.0f %.9g\n", w->bytes[p], w->busbw[p]);
            fprintf(f, "\n\n");
            size_t l = strlen(body);
            snprintf(body + l, sizeof body - l,
                     "%s'busbw.dat' index %d using 1:2 with linespoints dt %d title '%c %s %s %s'",
                     idx ? ", \\\n     " : "", idx, i + 1, letter(i), w->coll, w->group,
                     pl);
            idx++;
        }
    fclose(f);
    strcat(body, "\n");
    return idx ? rr_write_script(dir, "busbw", "1000,600", body) : 1;
}

static int plot_ranks(const struct rr_report *rep, const char *dir)
{
    FILE *f = open_in(dir, "ranks.dat");
    if (!f)
        return -1;
    int any = 0;
    for (int i = 0; i < rep->nruns; i++) {
        const struct rr_run *run = &rep->runs[i];
        fprintf(f, "# %c: rank, median train compute (s), last-arrival fraction, GEMM GFLOP/s\n",
                letter(i));
        for (int r = 0; r < run->nranks; r++) {
            const struct rr_rank *rk = &run->ranks[r];
            double c = rr_rank_compute(run, r);
            fprintf(f, "%d %.9g %.9g %.9g\n", r, c, rk->last_frac, rk->measured_gflops);
            any |= !isnan(c) || !isnan(rk->measured_gflops);
        }
        fprintf(f, "\n\n");
    }
    fclose(f);
    if (!any)
        return 1;
    char body[4096] = "set multiplot layout 2,1\nset style fill solid 0.6\nset boxwidth 0.4\n"
                      "set grid y\nset xlabel 'rank'\nset key outside right\n";
    size_t l = strlen(body);
    snprintf(body + l, sizeof body - l,
             "set title 'per-rank compute: train compute per step (s), or the GEMM rate when "
             "there is no train phase'\nset ylabel 'seconds / GFLOP/s'\nplot ");
    for (int i = 0; i < rep->nruns; i++) {
        l = strlen(body);
        int tr = rep->runs[i].has[RR_TRAIN];
        snprintf(body + l, sizeof body - l,
                 "%s'ranks.dat' index %d using ($1+%.2f):%d with boxes title '%c %s'",
                 i ? ", " : "", i, 0.4 * i - 0.2 * (rep->nruns - 1), tr ? 2 : 4, letter(i),
                 tr ? "compute s" : "GEMM GFLOP/s");
    }
    l = strlen(body);
    snprintf(body + l, sizeof body - l, "\nset title 'lateness: fraction of steps in which the "
             "rank arrived last'\nset ylabel 'fraction'\nset yrange [0:1]\nplot ");
    for (int i = 0; i < rep->nruns; i++) {
        l = strlen(body);
        snprintf(body + l, sizeof body - l,
                 "%s'ranks.dat' index %d using ($1+%.2f):3 with boxes title '%c last arrival'",
                 i ? ", " : "", i, 0.4 * i - 0.2 * (rep->nruns - 1), letter(i));
    }
    strcat(body, "\nunset multiplot\n");
    return rr_write_script(dir, "ranks", "1000,800", body);
}

static int plot_links(const struct rr_report *rep, const char *dir)
{
    const struct rr_run *run = NULL;
    for (int i = 0; i < rep->nruns && !run; i++)
        if (rep->runs[i].link_n >= 2)
            run = &rep->runs[i];
    if (!run)
        return 1;
    int n = run->link_n > 256 ? 256 : run->link_n;
    FILE *f = open_in(dir, "links.dat");
    if (!f)
        return -1;
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
            double v = run->link_bw[i * run->link_n + j];
            fprintf(f, "%s", j ? " " : "");
            if (isnan(v))
                fprintf(f, "NaN");
            else
                fprintf(f, "%.6g", v);
        }
        fprintf(f, "\n");
    }
    fclose(f);
    char body[32768], id[sizeof run->run_id];
    rr_safe_name(run->run_id, id, sizeof id); /* from the file: no quote into the script */
    char cut[64] = ""; /* a heatmap of more than 256 names is unreadable: say it is cut */
    if (n < run->link_n)
        snprintf(cut, sizeof cut, " (the first %d of %d)", n, run->link_n);
    int l = snprintf(body, sizeof body, "set title 'node-pair bandwidth (GB/s), %s%s: row sends "
                     "to column'\nset xrange [-0.5:%d.5]\nset yrange [%d.5:-0.5]\n"
                     "set palette rgbformulae 22,13,10\nset cbrange [0:*]\nset xtics (", id,
                     cut, n - 1, n - 1);
    char nm[64];
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < n && l < (int)sizeof body - 200; i++) {
            rr_safe_name(run->link_names[i], nm, sizeof nm);
            l += snprintf(body + l, sizeof body - (size_t)l, "%s'%s' %d", i ? ", " : "", nm, i);
        }
        l += snprintf(body + l, sizeof body - (size_t)l, k ? ")\n" : ") rotate by 45 right\n"
                      "set ytics (");
    }
    snprintf(body + l, sizeof body - (size_t)l,
             "plot 'links.dat' matrix with image notitle, '' matrix using 1:2:(sprintf('%%.3g', "
             "$3)) with labels notitle\n");
    return rr_write_script(dir, "links", "900,800", body);
}

static int plot_steps(const struct rr_report *rep, const char *dir)
{
    FILE *f = open_in(dir, "steptime.dat");
    if (!f)
        return -1;
    int any = 0;
    /* every term as it is, a negative one too (other = step - the separate medians of the
     * rest can be below 0): gnuplot stacks it below the axis; "step" marks the total */
    fprintf(f, "run compute optimizer comm_intra comm_inter wait other step\n");
    for (int i = 0; i < rep->nruns; i++) {
        const struct rr_run *run = &rep->runs[i];
        if (!run->has[RR_TRAIN])
            continue;
        for (int m = 0; m < 2; m++) {
            const double *t = m ? run->pred : run->meas;
            if (m && !run->params_ok)
                continue;
            fprintf(f, "%c-%s", letter(i), m ? "model" : "measured");
            double sum = 0;
            for (int k = 0; k < RR_NTERMS; k++) {
                fprintf(f, " %.9g", isnan(t[k]) ? 0.0 : t[k]);
                sum += isnan(t[k]) ? 0.0 : t[k];
            }
            fprintf(f, " %.9g\n", sum);
        }
        any = 1;
    }
    fclose(f);
    if (!any)
        return 1;
    const char *body =
        "set title 'step time decomposition (median rank); a negative term is drawn below 0'\n"
        "set ylabel 'seconds per step'\n"
        "set style data histograms\nset style histogram rowstacked\nset style fill solid 0.8 "
        "border -1\nset boxwidth 0.6\nset key outside right autotitle columnheader\n"
        "set grid y\nset xzeroaxis lt -1\nplot for [c=2:7] 'steptime.dat' using c:xtic(1), "
        "'' using 0:8 with points pt 7 ps 1.5 lc rgb 'black' title 'step (sum of the terms)'\n";
    return rr_write_script(dir, "steptime", "900,600", body);
}

static int plot_attribution(const struct rr_report *rep, const char *dir)
{
    const struct rr_compare *c = &rep->cmp;
    if (!rep->have_compare || !c->have_attr || !c->have_ratio)
        return 1;
    FILE *f = open_in(dir, "attribution.dat");
    if (!f)
        return -1;
    /* Waterfall, multiplicative: start at T_A, multiply by each factor, then unexplained. */
    double v = rep->runs[0].step_med;
    int x = 0;
    fprintf(f, "# x label low high\n%d A %.9g %.9g\n", x++, 0.0, v);
    for (int g = 0; g < RR_NGROUPS; g++) {
        double nv = v * c->factor[g];
        fprintf(f, "%d %s %.9g %.9g\n", x++, rr_group_names[g], v, nv);
        v = nv;
    }
    double nv = v * c->unexplained;
    fprintf(f, "%d unexplained %.9g %.9g\n", x++, v, nv);
    fprintf(f, "%d B %.9g %.9g\n", x++, 0.0, rep->runs[1].step_med);
    fclose(f);
    const char *body =
        "set title 'attribution of the step-time gap, B against A (Shapley, multiplicative)'\n"
        "set ylabel 'step time (s)'\nset style fill solid 0.7 border -1\nset grid y\n"
        "set xtics rotate by 30 right\nset yrange [0:*]\n"
        "plot 'attribution.dat' using 1:(($3+$4)/2):($1-0.35):($1+0.35):3:4:xtic(2) "
        "with boxxyerror notitle\n";
    return rr_write_script(dir, "attribution", "900,600", body);
}

int rr_plots(const struct rr_report *rep, const char *dir, char *note, size_t len)
{
    char why[12288];
    if (llmb_mkdir_p_why(dir, why, sizeof why) < 0) {
        snprintf(note, len, "plots: none: %s", why);
        return -1;
    }
    static const char *const names[] = {"busbw", "ranks", "links", "steptime", "attribution"};
    int (*const fn[])(const struct rr_report *, const char *) = {
        plot_busbw, plot_ranks, plot_links, plot_steps, plot_attribution};
    int made[5], nmade = 0;
    for (int i = 0; i < 5; i++) {
        errno = 0;
        made[i] = fn[i](rep, dir);
        if (made[i] < 0) {
            snprintf(note, len, "plots: none: cannot write the %s script into %s: %s", names[i],
                     dir, errno ? strerror(errno) : "write error");
            return -1;
        }
        nmade += made[i] == 0;
    }
    char gp[4096];
    if (nmade == 0) {
        snprintf(note, len, "plots: nothing to plot in these files");
        return 0;
    }
    if (rr_find_gnuplot(gp, sizeof gp) < 0) {
        snprintf(note, len, "plots: gnuplot not found ($GNUPLOT or PATH): %d scripts written to "
                 "%s, no images", nmade, dir);
        return 1;
    }
    char list[200] = "";
    for (int i = 0; i < 5; i++) {
        if (made[i] != 0)
            continue;
        char script[64];
        snprintf(script, sizeof script, "%s.gp", names[i]);
        if (rr_run_gnuplot(gp, dir, script, why, sizeof why) < 0) {
            snprintf(note, len, "plots: %s; %d scripts written to %s, %s%s", why, nmade, dir,
                     list[0] ? "images only of " : "no images", list);
            return -1;
        }
        size_t l = strlen(list);
        snprintf(list + l, sizeof list - l, "%s%s", l ? ", " : "", names[i]);
    }
    snprintf(note, len, "plots: %s (.gp, .png, .svg) in %s", list, dir);
    return 0;
}
