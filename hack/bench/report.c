/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ojbench report: turn the samples of one interleaved run into the table,
 * the ratios, the target verdicts, a JSON file and a gnuplot CDF plot.
 *
 *   ojbench report SAMPLES.tsv THROUGHPUT.tsv TARGETS OUT.json OUT.dat OUT.gp OUT.png
 *
 * Ratios are computed between runtimes of the *same group* in the *same
 * run* (medians of interleaved samples): absolute milliseconds move by ~13%
 * from one run to the next on this machine, ratios much less.
 *
 * TARGETS, one per line:
 *   ratio GROUP A B MAX        median wall time of A / B in GROUP <= MAX
 *   rss RUNTIME MAX_KIB        median peak RSS of every case of RUNTIME <= MAX_KIB
 *   throughput CASE MIN        judged runs per second of CASE >= MIN
 *   note TEXT                  printed as is (a heading among the targets)
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

#define MAX_CASES 64
#define MAX_STEPS 8

struct series {
    char name[96], group[32], runtime[32];
    double *wall, *cpu;
    long *rss;
    size_t n, cap;
    /* the wall time of each step (create, start, wait, delete ...), ms */
    int n_steps;
    char step_label[MAX_STEPS][16];
    double *step[MAX_STEPS];
};

struct tput {
    char name[96], group[32], runtime[32];
    int workers;
    double seconds, per_s, cpu_ms;
    double idle_pct, host_ms; /* the host's idle share and busy ms per run */
    long runs;
};

static struct series ser[MAX_CASES];
static size_t n_ser;
static struct tput tp[MAX_CASES];
static size_t n_tp;

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int cmp_l(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return x < y ? -1 : x > y;
}

/* Percentile of a sorted array (nearest rank). */
static double pct(const double *v, size_t n, double p)
{
    if (n == 0)
        return NAN;
    size_t k = (size_t)ceil(p / 100.0 * (double)n);
    return v[k == 0 ? 0 : k - 1];
}

static double median(const double *v, size_t n)
{
    if (n == 0)
        return NAN;
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static struct series *find(const char *group, const char *runtime)
{
    for (size_t i = 0; i < n_ser; i++)
        if (strcmp(ser[i].group, group) == 0 && strcmp(ser[i].runtime, runtime) == 0)
            return &ser[i];
    return NULL;
}

static int load_samples(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        fprintf(stderr, "ojbench report: open %s: %s\n", path, strerror(errno));
        return -1;
    }
    char line[1024];
    if (!fgets(line, sizeof(line), f)) { /* header */
        fclose(f);
        return 0;
    }
    while (fgets(line, sizeof(line), f)) {
        char name[96], group[32], rt[32], steps[512] = "";
        int round;
        double wall, cpu;
        long rss;
        /* "#case NAME GROUP RUNTIME": the case file's order, which the
         * tables follow (the samples come in a shuffled order) */
        bool decl = sscanf(line, "#case %95s %31s %31s", name, group, rt) == 3;
        if (!decl && sscanf(line, "%95s %31s %31s %d %lf %lf %ld %511s", name, group, rt, &round,
                            &wall, &cpu, &rss, steps) < 7)
            continue;
        struct series *s = NULL;
        for (size_t i = 0; i < n_ser; i++)
            if (strcmp(ser[i].name, name) == 0)
                s = &ser[i];
        if (!s) {
            if (n_ser == MAX_CASES)
                continue;
            s = &ser[n_ser++];
            snprintf(s->name, sizeof(s->name), "%s", name);
            snprintf(s->group, sizeof(s->group), "%s", group);
            snprintf(s->runtime, sizeof(s->runtime), "%s", rt);
        }
        if (decl)
            continue;
        if (s->n == s->cap) {
            s->cap = s->cap ? s->cap * 2 : 256;
            s->wall = realloc(s->wall, s->cap * sizeof(double));
            s->cpu = realloc(s->cpu, s->cap * sizeof(double));
            s->rss = realloc(s->rss, s->cap * sizeof(long));
            bool ok = s->wall && s->cpu && s->rss;
            for (int k = 0; k < MAX_STEPS && ok; k++)
                ok = (s->step[k] = realloc(s->step[k], s->cap * sizeof(double))) != NULL;
            if (!ok) {
                fclose(f);
                return -1;
            }
        }
        /* "create=812.3,start=402.0,..." (the same labels in every sample of a case) */
        int k = 0;
        for (char *tok = strtok(steps, ","); tok && k < MAX_STEPS; tok = strtok(NULL, ","), k++) {
            char *eq = strchr(tok, '=');
            if (!eq)
                break;
            *eq = '\0';
            snprintf(s->step_label[k], sizeof(s->step_label[k]), "%s", tok);
            s->step[k][s->n] = atof(eq + 1) / 1000.0;
        }
        s->n_steps = k;
        s->wall[s->n] = wall / 1000.0;
        s->cpu[s->n] = cpu / 1000.0;
        s->rss[s->n] = rss;
        s->n++;
    }
    fclose(f);
    /* declared but never measured: left out */
    size_t kept = 0;
    for (size_t i = 0; i < n_ser; i++)
        if (ser[i].n > 0)
            ser[kept++] = ser[i];
    n_ser = kept;
    for (size_t i = 0; i < n_ser; i++) {
        qsort(ser[i].wall, ser[i].n, sizeof(double), cmp_d);
        qsort(ser[i].cpu, ser[i].n, sizeof(double), cmp_d);
        qsort(ser[i].rss, ser[i].n, sizeof(long), cmp_l);
        for (int k = 0; k < ser[i].n_steps; k++)
            qsort(ser[i].step[k], ser[i].n, sizeof(double), cmp_d);
    }
    return 0;
}

static void load_throughput(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return; /* no throughput run */
    char line[512];
    while (n_tp < MAX_CASES && fgets(line, sizeof(line), f)) {
        struct tput *t = &tp[n_tp];
        t->idle_pct = t->host_ms = NAN;
        if (sscanf(line, "%95s %31s %31s %d %lf %ld %lf %lf %lf %lf", t->name, t->group, t->runtime,
                   &t->workers, &t->seconds, &t->runs, &t->per_s, &t->cpu_ms, &t->idle_pct,
                   &t->host_ms) >= 8)
            n_tp++;
    }
    fclose(f);
}

static double med_wall(const struct series *s)
{
    return median(s->wall, s->n);
}

static double med_cpu(const struct series *s)
{
    return median(s->cpu, s->n);
}

static long med_rss(const struct series *s)
{
    return s->n ? s->rss[s->n / 2] : 0;
}

static bool is_ojrun(const char *rt)
{
    return strncmp(rt, "ojrun", 5) == 0;
}

/* OJRUN_BASE's rows: "ojrun-base", "ojrun-base-shim" */
static bool is_base(const char *rt)
{
    return strncmp(rt, "ojrun-base", 10) == 0;
}

static void write_json_stats(struct jw *w, const char *key, const double *v, size_t n)
{
    jw_key(w, key);
    jw_obj_begin(w);
    char buf[64];
    static const struct {
        const char *k;
        double p;
    } ps[] = {{"median", 50}, {"p90", 90}, {"min", 0}, {"max", 100}};
    for (size_t i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
        double x = ps[i].p == 50 ? median(v, n) : ps[i].p == 0 ? v[0] : pct(v, n, ps[i].p);
        snprintf(buf, sizeof(buf), "%.3f", x);
        jw_key(w, ps[i].k);
        jw_raw(w, buf);
    }
    jw_obj_end(w);
}

static void raw_num(struct jw *w, const char *key, double x)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%.4g", x);
    jw_key(w, key);
    jw_raw(w, isfinite(x) ? buf : "null");
}

/* Check the targets, print verdicts, add them to the JSON. */
static int targets(const char *path, struct jw *w)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        fprintf(stderr, "ojbench report: open %s: %s\n", path, strerror(errno));
        return -1;
    }
    printf("\nTargets (specs/performance.md):\n");
    jw_key(w, "targets");
    jw_arr_begin(w);
    char line[256];
    while (fgets(line, sizeof(line), f)) {
        char kind[16], a[96], b[96], c[32];
        double lim;
        char what[256];
        double val = NAN;
        bool le = true, known = true;
        const char *why = NULL;
        if (sscanf(line, "%15s", kind) != 1 || kind[0] == '#')
            continue;
        if (strcmp(kind, "note") == 0) {
            printf(" %s", line + 4);
            continue;
        }
        if (strcmp(kind, "ratio") == 0 &&
            sscanf(line, "%*s %95s %95s %31s %lf", a, b, c, &lim) == 4) {
            /* a = group, b = runtime A, c = runtime B */
            struct series *x = find(a, b), *y = find(a, c);
            snprintf(what, sizeof(what), "%s: %s / %s median wall", a, b, c);
            if (x && y)
                val = med_wall(x) / med_wall(y);
            else
                why = !x ? "not measured (no such case in this run)" : "no reference case";
        } else if (strcmp(kind, "rss") == 0 && sscanf(line, "%*s %95s %lf", a, &lim) == 2) {
            snprintf(what, sizeof(what), "%s: peak RSS (median, worst case) KiB", a);
            for (size_t i = 0; i < n_ser; i++)
                if (strcmp(ser[i].runtime, a) == 0 && (isnan(val) || med_rss(&ser[i]) > val))
                    val = (double)med_rss(&ser[i]);
            if (isnan(val))
                why = "not measured";
        } else if (strcmp(kind, "throughput") == 0 && sscanf(line, "%*s %95s %lf", a, &lim) == 2) {
            le = false;
            snprintf(what, sizeof(what), "%s: judged runs/s", a);
            for (size_t i = 0; i < n_tp; i++)
                if (strcmp(tp[i].name, a) == 0)
                    val = tp[i].per_s;
            if (isnan(val))
                why = "not measured";
        } else
            known = false;
        if (!known) {
            fprintf(stderr, "ojbench report: %s: bad line: %s", path, line);
            continue;
        }
        bool met = !isnan(val) && (le ? val <= lim : val >= lim);
        if (why)
            printf("  %-48s %s\n", what, why);
        else
            printf("  %-48s %10.3f %s %-8g %s\n", what, val, le ? "<=" : ">=", lim,
                   met ? "MET" : "NOT MET");
        jw_obj_begin(w);
        jw_kstr(w, "target", what);
        raw_num(w, "value", val);
        jw_kstr(w, "op", le ? "<=" : ">=");
        raw_num(w, "limit", lim);
        jw_kbool(w, "met", met);
        if (why)
            jw_kstr(w, "note", why);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    fclose(f);
    return 0;
}

static int write_plot(const char *dat, const char *gp, const char *png)
{
    FILE *f = fopen(dat, "we");
    if (!f)
        return -1;
    for (size_t i = 0; i < n_ser; i++) {
        fprintf(f, "# %s\n", ser[i].name);
        for (size_t k = 0; k < ser[i].n; k++)
            fprintf(f, "%.4f %.5f\n", ser[i].wall[k], (double)(k + 1) / (double)ser[i].n);
        fprintf(f, "\n\n");
    }
    if (fclose(f) != 0)
        return -1;
    /* one panel per group, in order of first appearance */
    const char *groups[MAX_CASES];
    size_t n_groups = 0;
    for (size_t i = 0; i < n_ser; i++) {
        bool seen = false;
        for (size_t g = 0; g < n_groups; g++)
            seen |= strcmp(groups[g], ser[i].group) == 0;
        if (!seen)
            groups[n_groups++] = ser[i].group;
    }
    f = fopen(gp, "we");
    if (!f)
        return -1;
    fprintf(f, "set terminal pngcairo size 1100,%zu font ',10'\n", 330 * (n_groups ? n_groups : 1));
    fprintf(f, "set output '%s'\n", png);
    fprintf(f, "set multiplot layout %zu,1\n", n_groups ? n_groups : 1);
    fprintf(f, "set logscale x\nset grid\nset key outside right\n");
    fprintf(f, "set xlabel 'latency (ms, log scale)'\nset ylabel 'fraction of runs'\n");
    fprintf(f, "set yrange [0:1]\n");
    for (size_t g = 0; g < n_groups; g++) {
        fprintf(f, "set title \"%s: latency distribution (CDF, one interleaved run)\"\n",
                groups[g]);
        fprintf(f, "plot ");
        bool first = true;
        for (size_t i = 0; i < n_ser; i++) {
            if (strcmp(ser[i].group, groups[g]) != 0)
                continue;
            fprintf(f, "%s'%s' index %zu using 1:2 with steps lw 2 title '%s'", first ? "" : ", ",
                    dat, i, ser[i].runtime);
            first = false;
        }
        fprintf(f, "\n");
    }
    fprintf(f, "unset multiplot\n");
    return fclose(f) == 0 ? 0 : -1;
}

int report_main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: ojbench report SAMPLES.tsv THROUGHPUT.tsv TARGETS OUT.json "
                        "OUT.dat OUT.gp OUT.png\n");
        return 1;
    }
    if (load_samples(argv[0]) < 0)
        return 1;
    load_throughput(argv[1]);

    struct jw w;
    jw_init(&w, true);
    jw_obj_begin(&w);
    jw_key(&w, "cases");
    jw_arr_begin(&w);
    printf("%-22s %5s %8s %8s %8s %8s %9s %9s\n", "case", "n", "median", "p90", "min", "max",
           "cpu(med)", "RSS(med)");
    printf("%-22s %5s %8s %8s %8s %8s %9s %9s\n", "", "", "ms", "ms", "ms", "ms", "ms", "MiB");
    for (size_t i = 0; i < n_ser; i++) {
        struct series *s = &ser[i];
        printf("%-22s %5zu %8.2f %8.2f %8.2f %8.2f %9.2f %9.2f\n", s->name, s->n, med_wall(s),
               pct(s->wall, s->n, 90), s->wall[0], s->wall[s->n - 1], med_cpu(s),
               (double)med_rss(s) / 1024.0);
        jw_obj_begin(&w);
        jw_kstr(&w, "case", s->name);
        jw_kstr(&w, "group", s->group);
        jw_kstr(&w, "runtime", s->runtime);
        jw_kuint(&w, "samples", s->n);
        write_json_stats(&w, "wall_ms", s->wall, s->n);
        write_json_stats(&w, "cpu_ms", s->cpu, s->n);
        raw_num(&w, "maxrss_mib_median", (double)med_rss(s) / 1024.0);
        raw_num(&w, "maxrss_mib_max", (double)s->rss[s->n - 1] / 1024.0);
        jw_obj_end(&w);
    }
    jw_arr_end(&w);

    printf("\nRatios (medians of this run; < 1 means ojrun is faster):\n");
    jw_key(&w, "ratios");
    jw_arr_begin(&w);
    for (size_t i = 0; i < n_ser; i++) {
        if (!is_ojrun(ser[i].runtime))
            continue;
        for (size_t j = 0; j < n_ser; j++) {
            /* ojrun against the others, and against its own baseline
             * ("ojrun-shim" against "ojrun-base-shim") */
            if (i == j || strcmp(ser[i].group, ser[j].group) != 0 || is_base(ser[i].runtime))
                continue;
            if (is_ojrun(ser[j].runtime)) {
                char base[48];
                snprintf(base, sizeof(base), "ojrun-base%s", ser[i].runtime + 5);
                if (strcmp(ser[j].runtime, base) != 0)
                    continue;
            }
            double rw = med_wall(&ser[i]) / med_wall(&ser[j]);
            double rc = med_cpu(&ser[i]) / med_cpu(&ser[j]);
            printf("  %-10s %-12s / %-10s wall %6.3f   cpu %6.3f\n", ser[i].group, ser[i].runtime,
                   ser[j].runtime, rw, rc);
            jw_obj_begin(&w);
            jw_kstr(&w, "group", ser[i].group);
            jw_kstr(&w, "runtime", ser[i].runtime);
            jw_kstr(&w, "versus", ser[j].runtime);
            raw_num(&w, "wall", rw);
            raw_num(&w, "cpu", rc);
            jw_obj_end(&w);
        }
    }
    jw_arr_end(&w);

    /* Where the time of a multi-step case goes (median of each step). */
    bool any = false;
    jw_key(&w, "steps");
    jw_obj_begin(&w);
    for (size_t i = 0; i < n_ser; i++) {
        struct series *s = &ser[i];
        if (s->n_steps < 2)
            continue;
        if (!any)
            printf("\nSteps (median wall ms of each step):\n");
        any = true;
        printf("  %-22s", s->name);
        jw_key(&w, s->name);
        jw_obj_begin(&w);
        for (int k = 0; k < s->n_steps; k++) {
            double m = median(s->step[k], s->n);
            printf(" %s %.2f", s->step_label[k], m);
            raw_num(&w, s->step_label[k], m);
        }
        printf("\n");
        jw_obj_end(&w);
    }
    jw_obj_end(&w);

    if (n_tp) {
        printf("\nThroughput (K parallel workers, T seconds):\n");
        jw_key(&w, "throughput");
        jw_arr_begin(&w);
        for (size_t i = 0; i < n_tp; i++) {
            printf("  %-22s %d workers %6.1f s: %6ld runs, %7.1f runs/s, %.2f ms cpu/run; "
                   "host %.0f%% idle, %.2f ms busy/run\n",
                   tp[i].name, tp[i].workers, tp[i].seconds, tp[i].runs, tp[i].per_s, tp[i].cpu_ms,
                   tp[i].idle_pct, tp[i].host_ms);
            jw_obj_begin(&w);
            jw_kstr(&w, "case", tp[i].name);
            jw_kstr(&w, "runtime", tp[i].runtime);
            jw_kint(&w, "workers", tp[i].workers);
            raw_num(&w, "seconds", tp[i].seconds);
            jw_kint(&w, "runs", tp[i].runs);
            raw_num(&w, "runs_per_s", tp[i].per_s);
            raw_num(&w, "cpu_ms_per_run", tp[i].cpu_ms);
            raw_num(&w, "host_idle_pct", tp[i].idle_pct);
            raw_num(&w, "host_busy_ms_per_run", tp[i].host_ms);
            jw_obj_end(&w);
        }
        jw_arr_end(&w);
    }
    if (targets(argv[2], &w) < 0)
        return 1;
    jw_obj_end(&w);

    FILE *f = fopen(argv[3], "we");
    if (!f || fputs(sb_str(&w.sb), f) < 0 || fputc('\n', f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "ojbench report: write %s: %s\n", argv[3], strerror(errno));
        return 1;
    }
    sb_free(&w.sb);
    if (write_plot(argv[4], argv[5], argv[6]) < 0) {
        fprintf(stderr, "ojbench report: write the plot files: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}
