/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ojrun-judge-tool judge`: one submission through the judging engine
 * (worker/judge/engine.h) with a tiny poll loop -- what hack/judge runs.
 *
 *   ojrun-judge-tool judge --lang L --problem DIR [--json] [--root DIR]
 *       [--id PREFIX] [--keep] [--slots N] [--cpus LIST] [--compile-ms MS] [--cache DIR]
 * [--progress] (SOURCE | --prebuilt BOX)
 *
 * Prints the table of hack/judge, or with --json the engine's result
 * object (--progress: a line on stderr per test as it is committed, as
 * ojrun-worker's progress events).  Work directories go under $TMPDIR (default /tmp); the state
 * root, unless given, is a private one removed at exit.  SIGINT and SIGTERM
 * free the judging (its tasks are cancelled, their containers deleted)
 * and exit 130 and 143.  Exit status: 0 with a verdict, 1 when the judge
 * could not judge, 2 on a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "engine.h"
#include "json.h"
#include "judge-cmd.h"
#include "util.h"

#define MAX_FDS 64

static int sig_pipe[2] = {-1, -1};
static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
    got_signal = sig;
    int saved = errno;
    if (write(sig_pipe[1], "x", 1) < 0) {
        /* full: readable anyway */
    }
    errno = saved;
}

static void log_line(void *arg, const char *line)
{
    (void)arg;
    fprintf(stderr, "judge: %s\n", line);
}

/* --progress: the engine's per-test events, as ojrun-worker publishes them */
static void progress(void *arg, const struct oj_test_report *t)
{
    (void)arg;
    fprintf(stderr, "judge: progress %zu/%zu %s %s %llu\n", t->index, t->total, t->test, t->verdict,
            (unsigned long long)t->cpu_us);
}

static int usage(void)
{
    fprintf(stderr, "usage: ojrun-judge-tool judge --lang L --problem DIR [--json] [--root DIR] "
                    "[--id PREFIX] [--keep] [--slots N] [--cpus LIST] [--compile-ms MS] [--cache "
                    "DIR] [--progress] "
                    "(SOURCE | --prebuilt BOX)\n");
    return 2;
}

/* score.c's number form */
static void fmt_num(char *buf, size_t size, double v)
{
    snprintf(buf, size, "%.6f", v);
    char *end = buf + strlen(buf) - 1;
    while (*end == '0')
        *end-- = '\0';
    if (*end == '.')
        *end = '\0';
    if (strcmp(buf, "-0") == 0)
        snprintf(buf, size, "0");
}

static const char *jstr(const oj_json *o, const char *key)
{
    const char *s = "";
    oj_json_str(oj_json_get(o, key), &s);
    return s;
}

static double jnum(const oj_json *o, const char *key)
{
    double d = 0;
    oj_json_double(oj_json_get(o, key), &d);
    return d;
}

/* hack/judge's table from the result object */
static void print_table(const char *json, size_t len)
{
    struct oj_err err = {0};
    oj_json *r = oj_json_parse(json, len, "result", &err);
    if (!r) {
        fprintf(stderr, "judge: %s\n", err.msg);
        return;
    }
    const oj_json *c = oj_json_get(r, "compile");
    const char *cv = jstr(c, "verdict"), *cm = jstr(c, "message");
    if (strcmp(cv, "SKIPPED") == 0)
        printf("compile: SKIPPED (%s)\n", cm);
    else {
        printf("compile: %s\n", cv);
        if (strcmp(cv, "OK") != 0 || *cm) {
            /* the first 20 lines */
            const char *s = cm;
            for (int line = 0; line < 20; line++) {
                const char *nl = strchr(s, '\n');
                int n = nl ? (int)(nl - s) : (int)strlen(s);
                printf("  | %.*s\n", n, s);
                if (!nl)
                    break;
                s = nl + 1;
            }
        }
    }
    const oj_json *tests = oj_json_get(r, "tests");
    if (oj_json_len(tests))
        printf("%-12s %-7s %8s %8s %9s\n", "TEST", "VERDICT", "CPU ms", "WALL ms", "PEAK MiB");
    for (size_t i = 0; i < oj_json_len(tests); i++) {
        const oj_json *t = oj_json_at(tests, i);
        const char *msg = jstr(t, "message");
        printf("%-12s %-7s %8lld %8lld %9.1f%s%s\n", jstr(t, "name"), jstr(t, "verdict"),
               (long long)((jnum(t, "cpu_us") + 500) / 1000),
               (long long)((jnum(t, "wall_us") + 500) / 1000),
               jnum(t, "memory_peak_bytes") / 1048576, *msg ? "  " : "", msg);
    }
    const oj_json *groups = oj_json_get(r, "groups");
    if (oj_json_len(groups))
        printf("%-12s %7s %7s  %s\n", "GROUP", "POINTS", "SCORE", "VERDICT");
    for (size_t i = 0; i < oj_json_len(groups); i++) {
        const oj_json *g = oj_json_at(groups, i);
        char pts[64], sc[64];
        fmt_num(pts, sizeof(pts), jnum(g, "points"));
        fmt_num(sc, sizeof(sc), jnum(g, "score"));
        printf("%-12s %7s %7s  %s\n", jstr(g, "name"), pts, sc, jstr(g, "verdict"));
    }
    char s[64], m[64];
    fmt_num(s, sizeof(s), jnum(r, "score"));
    fmt_num(m, sizeof(m), jnum(r, "max_score"));
    printf("score: %s / %s\n", s, m);
    printf("verdict: %s\n", jstr(r, "verdict"));
    oj_json_free(r);
}

struct opts {
    const char *lang, *problem, *root, *prefix, *prebuilt, *source, *cpus, *cache;
    bool json, keep, progress;
    unsigned slots;
    int64_t compile_ms;
};

static int parse(int argc, char **argv, struct opts *o)
{
    *o = (struct opts){.slots = 1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--json") == 0)
            o->json = true;
        else if (strcmp(a, "--keep") == 0)
            o->keep = true;
        else if (strcmp(a, "--progress") == 0)
            o->progress = true;
        else if (!v && a[0] == '-')
            return usage();
        else if (strcmp(a, "--lang") == 0)
            o->lang = v, i++;
        else if (strcmp(a, "--problem") == 0)
            o->problem = v, i++;
        else if (strcmp(a, "--root") == 0)
            o->root = v, i++;
        else if (strcmp(a, "--id") == 0)
            o->prefix = v, i++;
        else if (strcmp(a, "--prebuilt") == 0)
            o->prebuilt = v, i++;
        else if (strcmp(a, "--cpus") == 0)
            o->cpus = v, i++;
        else if (strcmp(a, "--cache") == 0)
            o->cache = v, i++;
        else if (strcmp(a, "--compile-ms") == 0) {
            uint64_t n;
            if (oj_parse_u64(v, &n) < 0 || n < 1 || n > 3600000) {
                fprintf(stderr, "judge: --compile-ms %s: use 1 to 3600000\n", v);
                return 2;
            }
            o->compile_ms = (int64_t)n;
            i++;
        } else if (strcmp(a, "--slots") == 0) {
            uint64_t n;
            if (oj_parse_u64(v, &n) < 0 || n < 1 || n > 1024) {
                fprintf(stderr, "judge: --slots %s: use 1 to 1024\n", v);
                return 2;
            }
            o->slots = (unsigned)n;
            i++;
        } else if (a[0] == '-')
            return usage();
        else if (o->source)
            return usage();
        else
            o->source = a;
    }
    if (!o->lang || !o->problem || !o->source == !o->prebuilt)
        return usage();
    return 0;
}

static int judge(const struct opts *o, const char *tmpdir, const char *root, const char *prefix)
{
    struct oj_err err = {0};
    _cleanup_problem_ struct oj_problem *p = NULL;
    if (oj_problem_load(o->problem, &p, &err) < 0) {
        fprintf(stderr, "judge: %s\n", err.msg);
        return 1;
    }
    _cleanup_free_ char *src = NULL;
    size_t len = 0;
    if (o->source && oj_read_file(o->source, 64 << 20, &src, &len, &err) < 0) {
        fprintf(stderr, "judge: %s\n", err.msg);
        return 1;
    }
    struct oj_engine_options eo = {
        .state_root = root,
        .work_dir = tmpdir,
        .id_prefix = prefix,
        .slots = o->slots,
        .cpus = o->cpus,
        .compile_ms = o->compile_ms,
        .keep = o->keep,
        .cache_dir = o->cache,
        .log = log_line,
    };
    struct oj_engine *e = NULL;
    if (oj_engine_new(&eo, &e, &err) < 0) {
        fprintf(stderr, "judge: %s\n", err.msg);
        return 1;
    }
    struct oj_submission s = {
        .id = "judge",
        .language = o->lang,
        .source = src,
        .source_len = len,
        .problem = p,
        .problem_dir = o->problem,
        .prebuilt_box = o->prebuilt,
    };
    struct oj_judging *j = NULL;
    if (oj_judging_start(e, &s, o->progress ? progress : NULL, NULL, &j, &err) < 0) {
        oj_engine_free(e);
        fprintf(stderr, "judge: %s\n", err.msg);
        return 1;
    }
    int rc = 0;
    while (!oj_judging_step(j)) {
        struct pollfd fds[MAX_FDS + 1];
        int n = oj_judging_fds(j, fds, MAX_FDS);
        fds[n++] = (struct pollfd){.fd = sig_pipe[0], .events = POLLIN};
        if (poll(fds, (nfds_t)n, -1) < 0 && errno != EINTR) {
            fprintf(stderr, "judge: poll: %s\n", strerror(errno));
            rc = 1;
            break;
        }
        if (got_signal)
            break;
    }
    if (o->keep)
        fprintf(stderr, "judge: work directory kept: %s\n", oj_judging_dir(j));
    if (got_signal) {
        oj_judging_free(j); /* its tasks are cancelled and deleted */
        oj_engine_free(e);
        return 128 + got_signal;
    }
    if (rc == 0 && oj_judging_error(j)) {
        fprintf(stderr, "judge: %s\n", oj_judging_error(j));
        rc = 1;
    } else if (rc == 0) {
        struct strbuf out = {0};
        if (oj_judging_result_json(j, 1, &out, &err) < 0) {
            fprintf(stderr, "judge: %s\n", err.msg);
            rc = 1;
        } else if (o->json)
            printf("%s\n", sb_str(&out));
        else
            print_table(out.s, out.len);
        sb_free(&out);
    }
    oj_judging_free(j);
    oj_engine_free(e);
    if (fflush(stdout) != 0)
        rc = 1;
    return rc;
}

int cmd_judge(int argc, char **argv)
{
    struct opts o;
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc;
    /* the container's root must be able to read what ends up in bundles */
    umask(022);
    const char *tmpdir = getenv("TMPDIR");
    if (!tmpdir || !*tmpdir)
        tmpdir = "/tmp";
    if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0) {
        fprintf(stderr, "judge: pipe: %s\n", strerror(errno));
        return 1;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0) {
        fprintf(stderr, "judge: sigaction: %s\n", strerror(errno));
        return 1;
    }
    char state[4096] = "";
    const char *root = o.root;
    if (!root) {
        snprintf(state, sizeof(state), "%s/ojrun-judge-state.XXXXXX", tmpdir);
        if (!mkdtemp(state)) {
            fprintf(stderr, "judge: mkdtemp %s: %s\n", state, strerror(errno));
            return 1;
        }
        root = state;
    }
    /* the default ids: their cgroups are host-wide, so random and the pid */
    char prefix[128];
    if (o.prefix)
        snprintf(prefix, sizeof(prefix), "%s", o.prefix);
    else {
        unsigned r = 0;
        int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            if (read(fd, &r, sizeof(r)) < 0)
                r = 0;
            close(fd);
        }
        snprintf(prefix, sizeof(prefix), "judge-%08x-%d", r, (int)getpid());
    }
    rc = judge(&o, tmpdir, root, prefix);
    /* the private state root: every task was deleted, ojrun's caches go */
    if (state[0])
        oj_engine_rm_rf(state);
    return rc;
}
