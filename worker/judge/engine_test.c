/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The test phase of a judging.  Each test is one task of the run bundle
 * (stdin the test's input, stdout a file), then a check: a built-in
 * checker in this process (checker.c), or the problem's checker program
 * in a task of its own with the input, the output and the answer bound
 * read-only on /tmp/judge/.  An interactive test is two tasks started
 * together, the program's stdout the interactor's stdin and the
 * interactor's stdout the program's stdin (two pipes, nothing else
 * shared).  Tests run in as many slots as are free (engine_plan.c keeps
 * the verdicts those of judging in order); a test whose sandbox failed
 * (SE) is tried once more, as is a checker's own SE.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "engine_judging.h"
#include "util.h"

enum { PENDING_NONE, PENDING_RUN, PENDING_CHECK };

static char *path_of(struct oj_judging *j, size_t t, const char *what)
{
    char *p = NULL;
    if (asprintf(&p, "%s/out/t%zu.%s", j->dir, t + 1, what) < 0)
        return NULL;
    return p;
}

static char *test_file(struct oj_judging *j, size_t t, const char *ext)
{
    char *p = NULL;
    if (asprintf(&p, "%s/tests/%s.%s", j->problem_dir, j->p->tests[t], ext) < 0)
        return NULL;
    return p;
}

/* A new file's inode costs far more than an old one's truncation on
 * some file systems (an ext4 /tmp here: ~0.5-0.8 ms a create, against a few
 * us to rename and truncate an empty file), and a test creates two to
 * four.  A judged test's files are therefore emptied and kept as spares
 * (recycle()), and renamed into place for the next ones. */
enum { MAX_SPARE = 16 };

static char *spare_path(struct oj_judging *j, unsigned i)
{
    char *p = NULL;
    if (asprintf(&p, "%s/out/spare%u", j->dir, i) < 0)
        return NULL;
    return p;
}

static int open_out(struct oj_judging *j, const char *path, struct oj_err *err)
{
    if (j->n_spare > 0) {
        /* taken whether or not the rename works: a spare that cannot be
         * renamed is left to the judging's removal */
        _cleanup_free_ char *spare = spare_path(j, --j->n_spare);
        if (spare)
            (void)rename(spare, path);
    }
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return oj_fail(err, errno, "create %s", path);
    /* a checker container reads it as "other" */
    if (fchmod(fd, 0644) < 0) {
        int e = errno;
        close(fd);
        return oj_fail(err, e, "chmod %s", path);
    }
    return fd;
}

/* Test t's file `what` is no longer needed: an empty spare, or gone.
 * Emptied now, not when reused: outputs can be large, and a spare must
 * not hold their space until the judging ends. */
static void recycle(struct oj_judging *j, size_t t, const char *what)
{
    _cleanup_free_ char *path = path_of(j, t, what);
    if (!path)
        return;
    _cleanup_free_ char *spare = j->n_spare < MAX_SPARE ? spare_path(j, j->n_spare) : NULL;
    if (spare && truncate(path, 0) == 0 && rename(path, spare) == 0)
        j->n_spare++;
    else
        unlink(path);
}

static int prog_bundle(struct oj_judging *j, int which, uint64_t wall_ms, struct oj_err *err)
{
    struct oj_prog *pg = &j->prog[which];
    if (asprintf(&pg->bundle, "%s/%s", j->dir, which == OJ_PROG_CHECKER ? "checker" : "inter") < 0)
        return oj_fail(err, ENOMEM, "bundle");
    if (oj_engine_write_bundle(j->e, pg->lang, "run", pg->box, pg->bundle, OJ_ENGINE_PROG_CPU_MS,
                               wall_ms, OJ_ENGINE_PROG_MEMORY, OJ_ENGINE_PROG_OUTPUT, err) < 0)
        return -1;
    _cleanup_free_ char *cfg = NULL, *data = NULL;
    size_t len = 0;
    if (asprintf(&cfg, "%s/config.json", pg->bundle) < 0)
        return oj_fail(err, ENOMEM, "bundle");
    if (oj_read_file(cfg, 4 << 20, &data, &len, err) < 0)
        return -1;
    pg->base = oj_json_parse(data, len, cfg, err);
    return pg->base ? 0 : -1;
}

int oj_tests_prepare(struct oj_judging *j, struct oj_err *err)
{
    const struct oj_problem *p = j->p;
    size_t n = p->n_tests;
    j->tests = calloc(n, sizeof(*j->tests));
    j->committed = calloc(n, sizeof(*j->committed));
    j->hypo = calloc(n, sizeof(*j->hypo));
    j->dones = calloc(n, sizeof(*j->dones));
    j->states = calloc(n, sizeof(*j->states));
    j->needed = calloc(n, sizeof(*j->needed));
    j->rows = calloc(n, sizeof(*j->rows));
    if (asprintf(&j->run_bundle, "%s/run", j->dir) < 0)
        j->run_bundle = NULL;
    if (!j->tests || !j->committed || !j->hypo || !j->dones || !j->states || !j->needed ||
        !j->rows || !j->run_bundle)
        return oj_fail(err, ENOMEM, "tests");
    if (oj_engine_write_bundle(j->e, j->lang, "run", j->box, j->run_bundle, (uint64_t)j->cpu_ms,
                               (uint64_t)j->wall_ms, (uint64_t)j->memory_mb << 20,
                               (uint64_t)p->output_kb << 10, err) < 0)
        return -1;
    ojrun_error oerr = {0};
    j->run_cfg = ojrun_config_load_bundle(j->run_bundle, &oerr);
    if (!j->run_cfg)
        return oj_fail(err, oerr.code, "run bundle: %s", oerr.message);
    if (j->prog[OJ_PROG_CHECKER].wanted &&
        prog_bundle(j, OJ_PROG_CHECKER, OJ_ENGINE_PROG_CPU_MS * 3, err) < 0)
        return oj_wrap(err, "checker");
    if (j->prog[OJ_PROG_INTERACTOR].wanted &&
        prog_bundle(j, OJ_PROG_INTERACTOR, (uint64_t)j->wall_ms + OJ_ENGINE_INTERACTOR_WALL_MS,
                    err) < 0)
        return oj_wrap(err, "interactor");
    return 0;
}

/* The test is judged: record it (DONE; committed in order later). */
static void finish(struct oj_judging *j, size_t t, const char *verdict, double fraction,
                   const char *msg)
{
    struct oj_test *ts = &j->tests[t];
    struct oj_engine_row *r = &ts->row;
    r->test = t;
    snprintf(r->verdict, sizeof(r->verdict), "%s", verdict);
    r->fraction = fraction;
    snprintf(r->msg, sizeof(r->msg), "%s", msg ? msg : "");
    r->judge_us = oj_engine_now_us() - ts->start_us;
    r->attempts = ts->attempts;
    struct oj_err err = {0};
    if (oj_score_record(&ts->done, r->verdict, fraction, &err) < 0) {
        snprintf(r->verdict, sizeof(r->verdict), "SE");
        snprintf(r->msg, sizeof(r->msg), "%s", err.msg);
        oj_score_record(&ts->done, "SE", 0, NULL);
    }
    r->fraction = ts->done.fraction;
    j->dones[t] = ts->done;
    ts->state = j->states[t] = OJ_TEST_DONE;
    if (!j->e->keep) {
        static const char *const files[] = {"out", "err", "check", "checkerr", "interr"};
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
            recycle(j, t, files[i]);
    }
}

static bool take_slots(struct oj_judging *j, int n, int *a, int *b)
{
    *a = *b = -1;
    if (n == 2 && j->e->n_slots < 2)
        n = 1; /* one slot: the pair shares it (they mostly wait for each other) */
    if (oj_engine_free_slots(j->e) < (unsigned)n) {
        j->wants_slot = true;
        return false;
    }
    *a = oj_engine_slot_take(j->e);
    if (n == 2)
        *b = oj_engine_slot_take(j->e);
    return true;
}

static void start_run(struct oj_judging *j, size_t t, int slot)
{
    struct oj_test *ts = &j->tests[t];
    struct oj_err err = {0};
    _cleanup_free_ char *in = test_file(j, t, "in"), *out = path_of(j, t, "out"),
                        *errp = path_of(j, t, "err");
    _cleanup_close_ int ifd = -1, ofd = -1, efd = -1;
    ts->attempts++;
    if (!in || !out || !errp)
        oj_fail(&err, ENOMEM, "test %s", j->p->tests[t]);
    else if ((ifd = open(in, O_RDONLY | O_CLOEXEC)) < 0)
        oj_fail(&err, errno, "open %s", in);
    else if ((ofd = open_out(j, out, &err)) >= 0 && (efd = open_out(j, errp, &err)) >= 0)
        ts->run = oj_etask_spawn(j, OJ_ET_RUN, slot, 0, j->run_cfg, NULL, ifd, ofd, efd, &err);
    if (!ts->run) {
        oj_engine_slot_put(j->e, slot);
        oj_judging_fail(j, "test %s: %s", j->p->tests[t], err.msg);
        return;
    }
    ts->run->test = t;
}

static void start_check(struct oj_judging *j, size_t t, int slot)
{
    struct oj_test *ts = &j->tests[t];
    struct oj_prog *pg = &j->prog[OJ_PROG_CHECKER];
    struct oj_err err = {0};
    _cleanup_free_ char *in = test_file(j, t, "in"), *ans = test_file(j, t, "out"),
                        *out = path_of(j, t, "out"), *co = path_of(j, t, "check"),
                        *ce = path_of(j, t, "checkerr");
    _cleanup_close_ int ofd = -1, efd = -1;
    ojrun_config *cfg = NULL;
    ts->c_attempts++;
    if (!in || !ans || !out || !co || !ce) {
        oj_fail(&err, ENOMEM, "checker");
    } else {
        static const char *const args[] = {"/tmp/judge/input", "/tmp/judge/output",
                                           "/tmp/judge/answer", NULL};
        static const char *const names[] = {"input", "output", "answer"};
        const char *files[] = {in, out, ans};
        cfg = oj_engine_program_config(pg->base, pg->bundle, args, names, files, 3, &err);
        if (cfg && (ofd = open_out(j, co, &err)) >= 0 && (efd = open_out(j, ce, &err)) >= 0)
            ts->check = oj_etask_spawn(j, OJ_ET_CHECK, slot, 0, cfg, NULL, -1, ofd, efd, &err);
    }
    ojrun_config_free(cfg); /* the supervisor child has its copy */
    if (!ts->check) {
        oj_engine_slot_put(j->e, slot);
        oj_judging_fail(j, "test %s: checker: %s", j->p->tests[t], err.msg);
        return;
    }
    ts->check->test = t;
}

static void start_pair(struct oj_judging *j, size_t t, int a, int b)
{
    struct oj_test *ts = &j->tests[t];
    struct oj_prog *pg = &j->prog[OJ_PROG_INTERACTOR];
    struct oj_err err = {0};
    _cleanup_free_ char *in = test_file(j, t, "in"), *ans = test_file(j, t, "out"),
                        *pe = path_of(j, t, "err"), *ie = path_of(j, t, "interr");
    _cleanup_close_ int pefd = -1, iefd = -1;
    int p2i[2] = {-1, -1}, i2p[2] = {-1, -1};
    ojrun_config *cfg = NULL;
    ts->attempts++;
    if (!in || !ans || !pe || !ie) {
        oj_fail(&err, ENOMEM, "interactor");
        goto out;
    }
    static const char *const args[] = {"/tmp/judge/input", "/tmp/judge/answer", NULL};
    static const char *const names[] = {"input", "answer"};
    const char *files[] = {in, ans};
    cfg = oj_engine_program_config(pg->base, pg->bundle, args, names, files, 2, &err);
    if (!cfg || (pefd = open_out(j, pe, &err)) < 0 || (iefd = open_out(j, ie, &err)) < 0)
        goto out;
    if (pipe2(p2i, O_CLOEXEC) < 0 || pipe2(i2p, O_CLOEXEC) < 0) {
        oj_fail(&err, errno, "pipe");
        goto out;
    }
    /* the interactor first: it is ready when the program speaks; each
     * supervisor keeps only its task's two ends */
    ts->inter = oj_etask_spawn(j, OJ_ET_INTERACTOR, b, j->e->slot_cpu[a], cfg, NULL, p2i[0], i2p[1],
                               iefd, &err);
    if (ts->inter) {
        ts->inter->test = t;
        b = -2; /* the task owns it now */
        ts->run =
            oj_etask_spawn(j, OJ_ET_PROGRAM, a, 0, j->run_cfg, NULL, i2p[0], p2i[1], pefd, &err);
        if (ts->run) {
            ts->run->test = t;
            a = -2;
        }
    }
out:
    ojrun_config_free(cfg);
    for (int i = 0; i < 2; i++) {
        if (p2i[i] >= 0)
            close(p2i[i]);
        if (i2p[i] >= 0)
            close(i2p[i]);
    }
    if (a >= 0)
        oj_engine_slot_put(j->e, a);
    if (b >= 0)
        oj_engine_slot_put(j->e, b);
    if (!ts->run || !ts->inter)
        oj_judging_fail(j, "test %s: interactive: %s", j->p->tests[t], err.msg);
}

/* Start what a test needs next; false when there was no slot. */
static bool start_test(struct oj_judging *j, size_t t, int what)
{
    int a, b;
    bool pair = j->p->interactive && what == PENDING_RUN;
    if (!take_slots(j, pair ? 2 : 1, &a, &b))
        return false;
    struct oj_test *ts = &j->tests[t];
    if (ts->state == OJ_TEST_IDLE) {
        ts->state = j->states[t] = OJ_TEST_ACTIVE;
        ts->start_us = oj_engine_now_us();
    }
    if (what == PENDING_CHECK)
        start_check(j, t, a);
    else if (pair)
        start_pair(j, t, a, b);
    else
        start_run(j, t, a);
    return true;
}

void oj_tests_pump(struct oj_judging *j)
{
    const struct oj_problem *p = j->p;
    /* what running tests wait for first: checks and retries */
    for (size_t t = 0; t < p->n_tests && !j->error; t++) {
        struct oj_test *ts = &j->tests[t];
        if (ts->state != OJ_TEST_ACTIVE || ts->pending == PENDING_NONE)
            continue;
        int what = ts->pending;
        ts->pending = PENDING_NONE;
        if (!start_test(j, t, what)) {
            ts->pending = what;
            return;
        }
    }
    while (!j->error) {
        ssize_t t = oj_engine_plan(p, j->committed, j->states, j->dones, j->hypo, NULL);
        if (t < 0 || !start_test(j, (size_t)t, PENDING_RUN))
            return;
    }
}

/* The first line of a program's message file, sanitized. */
static void first_line(struct oj_judging *j, size_t t, const char *what, char *out, size_t size)
{
    char buf[256];
    _cleanup_free_ char *path = path_of(j, t, what);
    _cleanup_close_ int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    ssize_t n = fd >= 0 ? oj_read_all(fd, buf, sizeof(buf)) : 0;
    oj_engine_sanitize(buf, n > 0 ? (size_t)n : 0, out, size);
}

static const char *task_error(const struct oj_etask *t)
{
    return t->failed ? t->error : t->r.error;
}

static void run_done(struct oj_judging *j, struct oj_etask *task)
{
    size_t t = task->test;
    struct oj_test *ts = &j->tests[t];
    const char *name = j->p->tests[t];
    const char *tv = oj_etask_verdict(task);
    ts->run = NULL;
    ts->row.run = task->r;
    if (task->failed)
        memset(&ts->row.run, 0, sizeof(ts->row.run));
    if (strcmp(tv, "SE") == 0) {
        /* an internal error is not the contestant's fault: once more */
        bool retry = ts->attempts < 2;
        oj_engine_log(j->e, "test %s: SE (%s)%s", name, task_error(task),
                      retry ? ", retrying" : "");
        if (retry)
            ts->pending = PENDING_RUN;
        else
            finish(j, t, "SE", 0, task_error(task));
        return;
    }
    if (strcmp(tv, "OK") != 0) {
        const char *v = oj_engine_run_verdict(tv);
        bool says = strcmp(v, "MLE") == 0 || strcmp(v, "OLE") == 0 || strcmp(v, "SE") == 0;
        finish(j, t, v, 0, says ? task->r.error : "");
        return;
    }
    if (j->prog[OJ_PROG_CHECKER].wanted) {
        ts->pending = PENDING_CHECK;
        return;
    }
    _cleanup_free_ char *ans = test_file(j, t, "out"), *out = path_of(j, t, "out");
    enum oj_check_verdict v;
    char msg[512];
    struct oj_err err = {0};
    if (!ans || !out || oj_check_files(&j->p->checker, ans, out, &v, msg, sizeof(msg), &err) < 0)
        finish(j, t, "SE", 0, ans && out ? err.msg : "out of memory");
    else
        finish(j, t, oj_check_verdict_name(v), v == OJ_CHECK_AC ? 1 : 0, msg);
}

static void check_done(struct oj_judging *j, struct oj_etask *task)
{
    size_t t = task->test;
    struct oj_test *ts = &j->tests[t];
    const char *tv = oj_etask_verdict(task);
    ts->check = NULL;
    char msg[256];
    first_line(j, t, "check", msg, sizeof(msg));
    ojrun_result r = task->r;
    if (task->failed)
        snprintf(r.error, sizeof(r.error), "%s", task->error);
    struct oj_prog_verdict cv;
    oj_engine_prog_verdict(tv, &r, msg, "checker", &cv);
    /* the checker's own SE (the sandbox failed) is retried once */
    if (strcmp(cv.verdict, "SE") == 0 && strcmp(tv, "SE") == 0 && ts->c_attempts < 2) {
        ts->pending = PENDING_CHECK;
        return;
    }
    finish(j, t, cv.verdict, cv.fraction, cv.msg);
}

static void pair_done(struct oj_judging *j, struct oj_etask *task)
{
    size_t t = task->test;
    struct oj_test *ts = &j->tests[t];
    const char *name = j->p->tests[t];
    /* both over first: the pair is judged together */
    if (!ts->run || !ts->inter || !ts->run->over || !ts->inter->over)
        return;
    struct oj_etask *prog = ts->run, *inter = ts->inter;
    struct oj_prog_verdict v;
    ts->row.run = prog->failed ? (ojrun_result){0} : prog->r;
    if (inter->failed || prog->failed) {
        memset(&v, 0, sizeof(v));
        snprintf(v.verdict, sizeof(v.verdict), "SE");
        if (inter->failed)
            snprintf(v.msg, sizeof(v.msg), "interactor: %.480s", inter->error);
        else
            snprintf(v.msg, sizeof(v.msg), "%.500s", prog->error);
    } else {
        /* the interactor's stdout is the pipe: its message ("points P"
         * too) is the first line of its stderr */
        char msg[256];
        first_line(j, t, "interr", msg, sizeof(msg));
        struct oj_prog_verdict iv;
        oj_engine_prog_verdict(oj_etask_verdict(inter), &inter->r, msg, "interactor", &iv);
        oj_engine_interactive_verdict(&iv, inter->r.wall_us, oj_etask_verdict(prog), &prog->r, &v);
    }
    ts->run = ts->inter = NULL;
    oj_etask_free(prog);
    oj_etask_free(inter);
    if (strcmp(v.verdict, "SE") == 0 && ts->attempts < 2) {
        oj_engine_log(j->e, "test %s: SE (%s), retrying", name, v.msg);
        ts->pending = PENDING_RUN;
        return;
    }
    finish(j, t, v.verdict, v.fraction, v.msg);
}

/* Commit what judging in order has reached, and cancel what it never will. */
static void commit(struct oj_judging *j)
{
    const struct oj_problem *p = j->p;
    ssize_t t;
    while ((t = oj_score_next(p, j->committed)) >= 0 && j->states[t] == OJ_TEST_DONE) {
        j->committed[t] = j->dones[t];
        j->states[t] = j->tests[t].state = OJ_TEST_COMMITTED;
        j->rows[j->n_rows++] = j->tests[t].row;
        if (j->progress) {
            const struct oj_engine_row *r = &j->tests[t].row;
            struct oj_test_report rep = {
                .test = p->tests[t],
                .index = j->n_rows,
                .total = p->n_tests,
                .verdict = r->verdict,
                .cpu_us = r->run.cpu_us,
                .wall_us = r->run.wall_us,
                .memory_peak_bytes = r->run.memory_peak_bytes,
                .exit_code = r->run.has_exit_code ? r->run.exit_code : -1,
                .signal = r->run.signal,
            };
            j->progress(j->progress_arg, &rep);
        }
    }
    oj_engine_plan(p, j->committed, j->states, j->dones, j->hypo, j->needed);
    for (size_t i = 0; i < p->n_tests; i++) {
        struct oj_test *ts = &j->tests[i];
        if (j->needed[i] || (ts->state != OJ_TEST_ACTIVE && ts->state != OJ_TEST_DONE))
            continue;
        /* moot: a failure before it in its group (or in a dependency) */
        struct oj_etask *tasks[3] = {ts->run, ts->check, ts->inter};
        ts->run = ts->check = ts->inter = NULL;
        for (int k = 0; k < 3; k++)
            oj_etask_free(tasks[k]);
        ts->state = j->states[i] = OJ_TEST_IDLE;
        ts->pending = PENDING_NONE;
    }
}

void oj_tests_done(struct oj_judging *j, struct oj_etask *t)
{
    switch (t->kind) {
    case OJ_ET_RUN:
        run_done(j, t);
        oj_etask_free(t);
        break;
    case OJ_ET_CHECK:
        check_done(j, t);
        oj_etask_free(t);
        break;
    case OJ_ET_PROGRAM:
    case OJ_ET_INTERACTOR:
        pair_done(j, t); /* frees both once both are over */
        break;
    default:
        oj_etask_free(t);
        break;
    }
    commit(j);
}

bool oj_tests_finished(const struct oj_judging *j)
{
    return oj_score_next(j->p, j->committed) < 0 && !j->tasks;
}
