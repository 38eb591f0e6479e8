/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ojbench: the measuring half of hack/bench.sh.
 *
 *   ojbench latency    [-m] CASES ROUNDS WARMUP SAMPLES.tsv
 *   ojbench throughput [-m] CASES CASE WORKERS SECONDS RESULT.tsv
 *   ojbench report     SAMPLES.tsv THROUGHPUT.tsv TARGETS OUT.json OUT.dat OUT.gp OUT.png
 *
 * Why a program and not hyperfine: the comparison must be *interleaved*
 * (round r runs every case once, in an order rotated by r, so that a noisy
 * neighbour or a frequency change hits every runtime alike; medians move by
 * ~13% between separate runs on this machine, ratios inside one run do not),
 * and it must account for every process a runtime leaves behind.  ojbench is
 * a child subreaper (prctl(2) PR_SET_CHILD_SUBREAPER): the container init
 * that `X create` leaves is re-parented to it, so the worker path
 * (create, start, wait, delete) can wait for the container itself, and the
 * CPU time of every process is collected by wait4(2): its rusage covers the
 * child and all the descendants that child reaped (RUSAGE_BOTH in the
 * kernel), ru_maxrss being the largest of them.
 *
 * -m: cases marked "mntns" run in a private mount namespace in which
 * /sys/fs/cgroup/unified is unmounted (crun 1.8 refuses a hybrid cgroup
 * host).  ojbench prepares that namespace once and keeps only an fd to it;
 * each such command enters it with one setns(2) before exec, so the
 * namespace's cost is not charged to the runtime measured.
 *
 * The case file, one directive per line ("{n}" in any value becomes a
 * per-sample unique token, "{w}" the worker number):
 *
 *   case NAME GROUP RUNTIME     start a case ("judge/crun judge crun")
 *   in FILE | out FILE | err FILE    the command's stdio (out/err truncated)
 *   expect TEXT                 stdout must read exactly TEXT + "\n"
 *   mntns                       run in the -m namespace
 *   step ARG...                 run ARGV (space separated), require exit 0
 *   reap                        wait for every remaining child (re-parented inits)
 *
 * SAMPLES.tsv: case, group, runtime, round, wall µs, cpu µs (user+sys of all
 * processes), peak RSS KiB.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "strbuf.h"

#define MAX_CASES 64
#define MAX_STEPS 8
#define MAX_ARGS  32

struct step {
    bool reap;
    char *argv[MAX_ARGS + 1];
};

struct bcase {
    char *name, *group, *runtime;
    char *in, *out, *err, *expect;
    bool mntns;
    struct step steps[MAX_STEPS];
    int n_steps;
};

struct sample {
    double wall_us, cpu_us;
    long maxrss_kib;
};

static struct bcase cases[MAX_CASES];
static int n_cases;
static int mntns_fd = -1;

_Noreturn __attribute__((format(printf, 1, 2))) static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("ojbench: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (!d)
        die("out of memory");
    return d;
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* --- the case file -------------------------------------------------------- */

static void load_cases(const char *path)
{
    FILE *f = fopen(path, "re");
    if (!f)
        die("open %s: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0;
    struct bcase *c = NULL;
    while (getline(&line, &cap, f) > 0) {
        lineno++;
        line[strcspn(line, "\n")] = '\0';
        if (!*line || *line == '#')
            continue;
        char *rest = strchr(line, ' ');
        if (rest)
            *rest++ = '\0';
        else
            rest = line + strlen(line);
        if (strcmp(line, "case") == 0) {
            if (n_cases == MAX_CASES)
                die("%s:%d: more than %d cases", path, lineno, MAX_CASES);
            c = &cases[n_cases++];
            char *name = strtok(rest, " "), *group = strtok(NULL, " "), *rt = strtok(NULL, " ");
            if (!name || !group || !rt)
                die("%s:%d: case NAME GROUP RUNTIME", path, lineno);
            c->name = xstrdup(name);
            c->group = xstrdup(group);
            c->runtime = xstrdup(rt);
            continue;
        }
        if (!c)
            die("%s:%d: \"%s\" before the first case", path, lineno, line);
        if (strcmp(line, "in") == 0)
            c->in = xstrdup(rest);
        else if (strcmp(line, "out") == 0)
            c->out = xstrdup(rest);
        else if (strcmp(line, "err") == 0)
            c->err = xstrdup(rest);
        else if (strcmp(line, "expect") == 0)
            c->expect = xstrdup(rest);
        else if (strcmp(line, "mntns") == 0)
            c->mntns = true;
        else if (strcmp(line, "step") == 0 || strcmp(line, "reap") == 0) {
            if (c->n_steps == MAX_STEPS)
                die("%s:%d: more than %d steps", path, lineno, MAX_STEPS);
            struct step *s = &c->steps[c->n_steps++];
            s->reap = strcmp(line, "reap") == 0;
            int n = 0;
            for (char *a = strtok(rest, " "); a && !s->reap; a = strtok(NULL, " ")) {
                if (n == MAX_ARGS)
                    die("%s:%d: more than %d arguments", path, lineno, MAX_ARGS);
                s->argv[n++] = xstrdup(a);
            }
            if (!s->reap && n == 0)
                die("%s:%d: step without a command", path, lineno);
        } else
            die("%s:%d: unknown directive \"%s\"", path, lineno, line);
    }
    free(line);
    fclose(f);
    for (int i = 0; i < n_cases; i++)
        if (cases[i].n_steps == 0)
            die("case %s has no step", cases[i].name);
}

/* Replace {n} and {w} in `s`. */
static char *subst(const char *s, const char *n, int w)
{
    struct strbuf sb = {0};
    while (*s) {
        if (strncmp(s, "{n}", 3) == 0) {
            sb_puts(&sb, n);
            s += 3;
        } else if (strncmp(s, "{w}", 3) == 0) {
            sb_printf(&sb, "%d", w);
            s += 3;
        } else
            sb_append(&sb, s++, 1);
    }
    if (sb.oom)
        die("out of memory");
    return sb.s ? sb.s : xstrdup("");
}

/* --- the crun namespace --------------------------------------------------- */

/* A mount namespace where /sys/fs/cgroup/unified is gone, kept alive by an
 * fd only: a helper child unshares it, we open its ns file, it exits. */
static void prepare_mntns(void)
{
    int ready[2], done[2];
    if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(done, O_CLOEXEC) < 0)
        die("pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid == 0) {
        char c = 1;
        close(done[1]); /* so that the parent closing its end wakes us */
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0 ||
            umount2("/sys/fs/cgroup/unified", MNT_DETACH) < 0) {
            perror("ojbench: private mount namespace without /sys/fs/cgroup/unified");
            c = 0;
        }
        if (write(ready[1], &c, 1) != 1 || read(done[0], &c, 1) < 0)
            _exit(1);
        _exit(0);
    }
    char ok = 0;
    if (read(ready[0], &ok, 1) != 1 || !ok)
        die("could not prepare the crun mount namespace");
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
    mntns_fd = open(path, O_RDONLY | O_CLOEXEC);
    if (mntns_fd < 0)
        die("open %s: %s", path, strerror(errno));
    close(done[1]);
    waitpid(pid, NULL, 0);
    close(ready[0]);
    close(ready[1]);
    close(done[0]);
}

/* --- one sample ----------------------------------------------------------- */

static void add_rusage(struct sample *s, const struct rusage *ru)
{
    s->cpu_us += (double)ru->ru_utime.tv_sec * 1e6 + (double)ru->ru_utime.tv_usec +
                 (double)ru->ru_stime.tv_sec * 1e6 + (double)ru->ru_stime.tv_usec;
    if (ru->ru_maxrss > s->maxrss_kib)
        s->maxrss_kib = ru->ru_maxrss;
}

static void show_file(const char *what, const char *path)
{
    if (!path)
        return;
    FILE *f = fopen(path, "re");
    if (!f)
        return;
    char buf[2048];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    if (n)
        fprintf(stderr, "ojbench: %s (%s):\n%s\n", what, path, buf);
}

static int open_std(const char *path, int flags, int target)
{
    if (!path)
        return 0;
    int fd = open(path, flags | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    if (dup3(fd, target, 0) < 0)
        return -1;
    close(fd);
    return 0;
}

/* The first step truncates the stdout/stderr files, later ones append: the
 * container's output comes from the run/start step, create and delete print
 * nothing (or an error worth keeping). */
static pid_t spawn(const struct bcase *c, char **argv, const char *in, const char *out,
                   const char *err, bool first)
{
    int wflags = O_WRONLY | O_CREAT | (first ? O_TRUNC : O_APPEND);
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    if (c->mntns) {
        if (mntns_fd < 0) {
            fprintf(stderr, "ojbench: case %s needs -m\n", c->name);
            _exit(126);
        }
        /* setns(CLONE_NEWNS) resets cwd and root to the namespace's root. */
        if (setns(mntns_fd, CLONE_NEWNS) < 0 || chdir("/") < 0) {
            perror("ojbench: setns");
            _exit(126);
        }
    }
    if (open_std(in ? in : "/dev/null", O_RDONLY, 0) < 0 || open_std(out, wflags, 1) < 0 ||
        open_std(err, wflags, 2) < 0) {
        perror("ojbench: stdio");
        _exit(126);
    }
    execvp(argv[0], argv);
    fprintf(stderr, "ojbench: exec %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

static bool check_output(const struct bcase *c, const char *out)
{
    if (!c->expect || !out)
        return true;
    char buf[4096];
    FILE *f = fopen(out, "re");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    size_t el = strlen(c->expect);
    return n == el + 1 && memcmp(buf, c->expect, el) == 0 && buf[el] == '\n';
}

/* Run every step of `c` once.  Returns false (after saying why) on a
 * failed step or wrong output. */
static bool run_case(const struct bcase *c, const char *tok, int w, struct sample *s)
{
    memset(s, 0, sizeof(*s));
    char *in = c->in ? subst(c->in, tok, w) : NULL;
    char *out = c->out ? subst(c->out, tok, w) : NULL;
    char *err = c->err ? subst(c->err, tok, w) : NULL;
    bool ok = true;
    double t0 = now_us();
    for (int i = 0; i < c->n_steps && ok; i++) {
        const struct step *st = &c->steps[i];
        struct rusage ru;
        int status;
        pid_t w4;
        if (st->reap) {
            while ((w4 = wait4(-1, &status, 0, &ru)) > 0 || (w4 < 0 && errno == EINTR))
                if (w4 > 0)
                    add_rusage(s, &ru);
            continue;
        }
        char *argv[MAX_ARGS + 1] = {0};
        for (int a = 0; st->argv[a]; a++)
            argv[a] = subst(st->argv[a], tok, w);
        /* stdin goes to the step that runs the container (run or start). */
        pid_t pid = spawn(c, argv, in, out, err, i == 0);
        if (pid < 0) {
            fprintf(stderr, "ojbench: fork: %s\n", strerror(errno));
            ok = false;
        }
        while (ok && (w4 = wait4(pid, &status, 0, &ru)) < 0 && errno == EINTR)
            ;
        if (ok) {
            add_rusage(s, &ru);
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                fprintf(stderr, "ojbench: case %s: step %d (%s ...) %s %d\n", c->name, i + 1,
                        argv[0], WIFEXITED(status) ? "exited with" : "killed by signal",
                        WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
                show_file("stderr", err);
                ok = false;
            }
        }
        for (int a = 0; argv[a]; a++)
            free(argv[a]);
    }
    s->wall_us = now_us() - t0;
    /* Whatever is still around (a lazily exiting helper) counts for CPU and
     * memory, not for latency. */
    struct rusage ru;
    int status;
    pid_t w4;
    while ((w4 = wait4(-1, &status, 0, &ru)) > 0 || (w4 < 0 && errno == EINTR))
        if (w4 > 0)
            add_rusage(s, &ru);
    if (ok && !check_output(c, out)) {
        fprintf(stderr, "ojbench: case %s: stdout is not \"%s\"\n", c->name, c->expect);
        show_file("stdout", out);
        show_file("stderr", err);
        ok = false;
    }
    free(in);
    free(out);
    free(err);
    return ok;
}

/* --- latency -------------------------------------------------------------- */

static int cmd_latency(int argc, char **argv)
{
    if (argc != 4)
        die("usage: ojbench latency [-m] CASES ROUNDS WARMUP SAMPLES.tsv");
    load_cases(argv[0]);
    int rounds = atoi(argv[1]), warmup = atoi(argv[2]);
    FILE *out = fopen(argv[3], "we");
    if (!out)
        die("open %s: %s", argv[3], strerror(errno));
    fprintf(out, "case\tgroup\truntime\tround\twall_us\tcpu_us\tmaxrss_kib\n");
    double start = now_us();
    for (int r = -warmup; r < rounds; r++) {
        for (int k = 0; k < n_cases; k++) {
            /* rotate the order every round */
            int idx = (k + (r < 0 ? -r : r)) % n_cases;
            const struct bcase *c = &cases[idx];
            char tok[64];
            snprintf(tok, sizeof(tok), "%d-%d", idx, r + warmup);
            struct sample s;
            if (!run_case(c, tok, 0, &s))
                die("case %s failed in round %d", c->name, r);
            if (r >= 0)
                fprintf(out, "%s\t%s\t%s\t%d\t%.1f\t%.1f\t%ld\n", c->name, c->group, c->runtime, r,
                        s.wall_us, s.cpu_us, s.maxrss_kib);
        }
        if (r >= 0 && (r + 1) % 20 == 0) {
            fprintf(stderr, "ojbench: %d/%d rounds (%.0f s)\n", r + 1, rounds,
                    (now_us() - start) / 1e6);
            fflush(out);
        }
    }
    if (fclose(out) != 0)
        die("write %s: %s", argv[3], strerror(errno));
    return 0;
}

/* --- throughput ----------------------------------------------------------- */

static int cmd_throughput(int argc, char **argv)
{
    if (argc != 5)
        die("usage: ojbench throughput [-m] CASES CASE WORKERS SECONDS RESULT.tsv");
    load_cases(argv[0]);
    const struct bcase *c = NULL;
    for (int i = 0; i < n_cases; i++)
        if (strcmp(cases[i].name, argv[1]) == 0)
            c = &cases[i];
    if (!c)
        die("no case %s", argv[1]);
    int workers = atoi(argv[2]);
    double secs = atof(argv[3]);
    if (workers < 1 || workers > 64 || secs <= 0)
        die("bad WORKERS or SECONDS");
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0)
        die("pipe: %s", strerror(errno));
    double t0 = now_us(), deadline = t0 + secs * 1e6;
    pid_t pids[64];
    for (int w = 0; w < workers; w++) {
        pids[w] = fork();
        if (pids[w] < 0)
            die("fork: %s", strerror(errno));
        if (pids[w] == 0) {
            /* each worker reaps its own containers' inits */
            prctl(PR_SET_CHILD_SUBREAPER, 1);
            long n = 0;
            double cpu = 0;
            while (now_us() < deadline) {
                char tok[64];
                snprintf(tok, sizeof(tok), "t%d-%ld", w, n);
                struct sample s;
                if (!run_case(c, tok, w, &s)) {
                    fprintf(stderr, "ojbench: worker %d: case %s failed\n", w, c->name);
                    _exit(1);
                }
                n++;
                cpu += s.cpu_us;
            }
            char line[64];
            int len = snprintf(line, sizeof(line), "%ld %.0f\n", n, cpu);
            if (write(pfd[1], line, (size_t)len) != len)
                _exit(1);
            _exit(0);
        }
    }
    close(pfd[1]);
    long total = 0;
    double cpu = 0;
    bool failed = false;
    for (int w = 0; w < workers; w++) {
        int st;
        waitpid(pids[w], &st, 0);
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            failed = true;
    }
    double elapsed = (now_us() - t0) / 1e6;
    FILE *in = fdopen(pfd[0], "r");
    long n;
    double cu;
    while (in && fscanf(in, "%ld %lf", &n, &cu) == 2) {
        total += n;
        cpu += cu;
    }
    if (in)
        fclose(in);
    if (failed)
        die("throughput of %s: a worker failed", c->name);
    FILE *out = fopen(argv[4], "ae");
    if (!out)
        die("open %s: %s", argv[4], strerror(errno));
    fprintf(out, "%s\t%s\t%s\t%d\t%.2f\t%ld\t%.1f\t%.3f\n", c->name, c->group, c->runtime, workers,
            elapsed, total, total / elapsed, total ? cpu / total / 1000 : 0);
    fclose(out);
    fprintf(stderr, "ojbench: throughput %s: %d workers, %ld runs in %.2f s = %.1f runs/s\n",
            c->name, workers, total, elapsed, total / elapsed);
    return 0;
}

int report_main(int argc, char **argv); /* report.c */

int main(int argc, char **argv)
{
    if (argc < 2)
        die("usage: ojbench latency|throughput|report ...");
    const char *cmd = argv[1];
    argc -= 2;
    argv += 2;
    if (strcmp(cmd, "report") == 0)
        return report_main(argc, argv);
    if (argc > 0 && strcmp(argv[0], "-m") == 0) {
        prepare_mntns();
        argc--;
        argv++;
    }
    /* The container inits that `create` leaves behind become our children. */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
        die("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
    signal(SIGPIPE, SIG_IGN);
    if (strcmp(cmd, "latency") == 0)
        return cmd_latency(argc, argv);
    if (strcmp(cmd, "throughput") == 0)
        return cmd_throughput(argc, argv);
    die("unknown command %s", cmd);
}
