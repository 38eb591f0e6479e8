/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The worker's event loop (worker/loop.c) between a fake source and a
 * fake engine (test doubles of source.h and engine.h, defined here): each
 * message settled exactly once and the right way -- finish with the
 * worker's member, retry with the SE reason, reject with the field's
 * reason -- the credit never above min(held + free slots, prefetch), and a
 * signal's drain that finishes what it can and releases the rest.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine.h"
#include "loop.h"
#include "problems.h"
#include "source.h"

/* ---- the fake engine: the source text says what the judging does ----------
 *   "AC" / "WA"  over at the first step, one progress event
 *   "SE"         over, verdict SE (oj_judging_error says why)
 *   "SLOW"       never over (until freed)
 *   "LATER"      over once the loop has been signalled */

struct oj_engine {
    unsigned slots, busy;
    unsigned started, freed;
    struct oj_judging *later[16]; /* "LATER" judgings, ended by the signal */
    unsigned n_later;
};

/* When set, the first time every slot is busy: "SIGTERM" to the loop, and
 * the LATER judgings end (during the drain). */
struct fake;
static struct fake *signal_when_full;
static void send_signal(struct fake *f);

struct oj_judging {
    struct oj_engine *e;
    char *id, *what;
    int pipe[2];
    oj_progress_fn progress;
    void *arg;
    bool over;
};

unsigned oj_engine_free_slots(const struct oj_engine *e)
{
    if (signal_when_full && e->busy == e->slots) {
        send_signal(signal_when_full);
        signal_when_full = NULL;
        for (unsigned i = 0; i < e->n_later; i++)
            assert_int_equal(write(e->later[i]->pipe[1], "x", 1), 1);
    }
    return e->slots - e->busy;
}

int oj_judging_start(struct oj_engine *e, const struct oj_submission *s, oj_progress_fn progress,
                     void *arg, struct oj_judging **out, struct oj_err *err)
{
    if (strcmp(s->source, "FAIL") == 0)
        return oj_fail(err, 0, "engine: cannot start");
    struct oj_judging *j = calloc(1, sizeof(*j));
    assert_non_null(j);
    j->e = e;
    j->id = strdup(s->id);
    j->what = strdup(s->source);
    j->progress = progress;
    j->arg = arg;
    assert_int_equal(pipe2(j->pipe, O_CLOEXEC | O_NONBLOCK), 0);
    if (strcmp(s->source, "LATER") == 0)
        e->later[e->n_later++] = j;
    else if (strcmp(s->source, "SLOW") != 0)
        assert_int_equal(write(j->pipe[1], "x", 1), 1); /* the task "ended" */
    e->busy++;
    e->started++;
    *out = j;
    return 0;
}

int oj_judging_fds(const struct oj_judging *j, struct pollfd *fds, int max)
{
    if (j->over || max < 1)
        return 0;
    fds[0] = (struct pollfd){.fd = j->pipe[0], .events = POLLIN};
    return 1;
}

int oj_judging_step(struct oj_judging *j)
{
    char c;
    if (!j->over && read(j->pipe[0], &c, 1) == 1) {
        j->over = true;
        j->e->busy--;
        if (j->progress) {
            struct oj_test_report t = {.test = "1", .index = 1, .total = 1, .verdict = j->what};
            j->progress(j->arg, &t);
        }
    }
    return j->over;
}

const char *oj_judging_verdict(const struct oj_judging *j)
{
    return j->what;
}

const char *oj_judging_error(const struct oj_judging *j)
{
    return strcmp(j->what, "SE") == 0 ? "checker: does not compile" : NULL;
}

int oj_judging_result_json(const struct oj_judging *j, unsigned attempt, struct strbuf *out,
                           struct oj_err *err)
{
    sb_printf(out, "{\"submission_id\":\"%s\",\"attempt\":%u,\"verdict\":\"%s\"}", j->id, attempt,
              j->what);
    return 0;
}

void oj_judging_free(struct oj_judging *j)
{
    if (!j)
        return;
    if (!j->over)
        j->e->busy--;
    j->e->freed++;
    for (unsigned i = 0; i < j->e->n_later; i++)
        if (j->e->later[i] == j)
            j->e->later[i] = j->e->later[--j->e->n_later];
    close(j->pipe[0]);
    close(j->pipe[1]);
    free(j->id);
    free(j->what);
    free(j);
}

/* ---- the fake source: a list of bodies, a log of what was done ----------- */

#define MAX_MSGS 16

struct fake {
    struct oj_source base;
    const char *bodies[MAX_MSGS];
    size_t n, next;
    unsigned credit, held, max_held, max_credit_over;
    int sigpipe; /* the loop's "signalfd": a pipe we write a siginfo to */
    bool stop_when_empty;
    char log[MAX_MSGS][512]; /* "finish <json>", "retry <reason>", ... per message */
    int progress[MAX_MSGS];
    struct engine_view {
        const struct oj_engine *e;
        unsigned prefetch;
    } view;
};

static void send_signal(struct fake *f)
{
    struct signalfd_siginfo si = {.ssi_signo = 15};
    assert_int_equal(write(f->sigpipe, &si, sizeof(si)), (ssize_t)sizeof(si));
}

static int f_fd(struct oj_source *s)
{
    return -1;
}

static int f_set_credit(struct oj_source *s, unsigned credit, struct oj_err *err)
{
    struct fake *f = (struct fake *)s;
    f->credit = credit;
    /* the rule: never more than held + free slots, nor the prefetch */
    unsigned bound = f->held + oj_engine_free_slots(f->view.e);
    if (credit > bound || credit > f->view.prefetch)
        f->max_credit_over++;
    return 0;
}

static int f_next(struct oj_source *s, struct oj_msg *m, struct oj_err *err)
{
    struct fake *f = (struct fake *)s;
    if (f->held >= f->credit)
        return 0;
    if (f->next == f->n) {
        if (f->stop_when_empty && f->held == 0) {
            f->stop_when_empty = false;
            send_signal(f);
        }
        return 0;
    }
    size_t i = f->next++;
    memset(m, 0, sizeof(*m));
    m->body = strdup(f->bodies[i]);
    m->len = strlen(f->bodies[i]);
    m->attempt = 1;
    m->priv = (void *)(uintptr_t)(i + 1);
    f->held++;
    if (f->held > f->max_held)
        f->max_held = f->held;
    return 1;
}

static size_t idx(const struct oj_msg *m)
{
    size_t i = (uintptr_t)m->priv;
    assert_true(i >= 1 && i <= MAX_MSGS);
    return i - 1;
}

static void settle(struct fake *f, struct oj_msg *m, const char *what, const char *text, size_t len)
{
    size_t i = idx(m);
    /* settled once */
    assert_string_equal(f->log[i], "");
    snprintf(f->log[i], sizeof(f->log[i]), "%s %.*s", what, (int)len, text);
    m->priv = NULL;
    f->held--;
}

static int f_progress(struct oj_source *s, const struct oj_msg *m, const char *json, size_t len,
                      struct oj_err *err)
{
    ((struct fake *)s)->progress[idx(m)]++;
    return 0;
}

static int f_finish(struct oj_source *s, struct oj_msg *m, const char *json, size_t len,
                    struct oj_err *err)
{
    settle((struct fake *)s, m, "finish", json, len);
    return 0;
}

static int f_retry(struct oj_source *s, struct oj_msg *m, const char *reason, struct oj_err *err)
{
    settle((struct fake *)s, m, "retry", reason, strlen(reason));
    return 0;
}

static int f_reject(struct oj_source *s, struct oj_msg *m, const char *reason, struct oj_err *err)
{
    settle((struct fake *)s, m, "reject", reason, strlen(reason));
    return 0;
}

static int f_release(struct oj_source *s, struct oj_msg *m, struct oj_err *err)
{
    settle((struct fake *)s, m, "release", "", 0);
    return 0;
}

static void f_close(struct oj_source *s)
{
}

static const struct oj_source_ops fake_ops = {
    .name = "fake",
    .fd = f_fd,
    .set_credit = f_set_credit,
    .next = f_next,
    .progress = f_progress,
    .finish = f_finish,
    .retry = f_retry,
    .reject = f_reject,
    .release = f_release,
    .close = f_close,
};

/* ---- fixtures ----------------------------------------------------------- */

static char dir[64];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

/* DIR/p: one test, limits.json with cpu_ms 1000 */
static int setup(void **state)
{
    snprintf(dir, sizeof(dir), "/tmp/ojrun-test-loop-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    char path[256];
    snprintf(path, sizeof(path), "%s/p", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/p/tests", dir);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/p/tests/1.in", dir);
    write_file(path, "1 2\n");
    snprintf(path, sizeof(path), "%s/p/tests/1.out", dir);
    write_file(path, "3\n");
    snprintf(path, sizeof(path), "%s/p/limits.json", dir);
    write_file(path, "{\"cpu_ms\": 1000}\n");
    return 0;
}

static int teardown(void **state)
{
    return nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#define SUB(id, src)                                                                               \
    "{\"submission_id\":\"" id "\",\"problem_id\":\"p\",\"language\":\"c\",\"source\":\"" src "\"" \
    "}"

/* Run the loop over `f` with an engine of `slots`; returns its status. */
static int run_loop(struct fake *f, struct oj_engine *e, unsigned prefetch, unsigned drain)
{
    struct problem_set *ps;
    size_t loaded, bad;
    struct oj_err err = {0};
    if (problem_set_open(dir, &ps, &loaded, &bad, &err) < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(loaded, 1);
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
    f->base.ops = &fake_ops;
    f->sigpipe = p[1];
    f->view.e = e;
    f->view.prefetch = prefetch;
    struct worker_loop_config c = {
        .src = &f->base,
        .engine = e,
        .problems = ps,
        .rules = {.max_source_bytes = 100},
        .prefetch = prefetch,
        .drain_seconds = drain,
        .progress = true,
        .signal_fd = p[0],
    };
    int rc = worker_loop_run(&c, &err);
    close(p[0]);
    close(p[1]);
    problem_set_free(ps);
    return rc;
}

static void test_settlements(void **state)
{
    struct fake f = {.stop_when_empty = true};
    f.bodies[f.n++] = SUB("a", "AC");
    f.bodies[f.n++] = SUB("b", "SE");
    f.bodies[f.n++] = "{\"submission_id\":\"c\",\"problem_id\":\"p\",\"language\":\"c\"}";
    f.bodies[f.n++] = "{\"submission_id\":\"d\",\"problem_id\":\"nope\",\"language\":\"c\","
                      "\"source\":\"\"}";
    f.bodies[f.n++] = SUB("e", "FAIL");
    f.bodies[f.n++] = "{\"submission_id\":\"f\",\"problem_id\":\"p\",\"language\":\"c\","
                      "\"source\":\"WA\",\"limits\":{\"cpu_ms\":1001}}";
    f.bodies[f.n++] = SUB("g", "WA");
    struct oj_engine e = {.slots = 2};
    assert_int_equal(run_loop(&f, &e, 2, 5), 0);
    /* the engine's result with the worker's member (times vary) */
    assert_non_null(strstr(f.log[0], "finish {\"submission_id\":\"a\",\"attempt\":1,"
                                     "\"verdict\":\"AC\",\"worker\":{\"start_ms\":"));
    assert_non_null(strstr(f.log[0], ",\"redelivered\":false}}"));
    assert_string_equal(f.log[1], "retry checker: does not compile");
    assert_string_equal(f.log[2], "reject source: missing");
    char want[256];
    snprintf(want, sizeof(want), "reject problem_id: no problem \"nope\" in %s", dir);
    assert_string_equal(f.log[3], want);
    assert_string_equal(f.log[4], "retry engine: cannot start");
    assert_string_equal(f.log[5], "reject limits.cpu_ms: 1001 is above the problem's 1000 for c");
    assert_non_null(
        strstr(f.log[6], "finish {\"submission_id\":\"g\",\"attempt\":1,\"verdict\":\"WA\""));
    /* progress relayed for judged tests only */
    assert_int_equal(f.progress[0], 1);
    assert_int_equal(f.progress[6], 1);
    assert_int_equal(f.progress[2], 0);
    assert_int_equal(f.held, 0);
    assert_int_equal(f.max_credit_over, 0);
    assert_int_equal(e.started, e.freed);
}

static void test_drain(void **state)
{
    /* two slots: LATER ends during the drain and is finished; SLOW never
     * ends and is handed back at the deadline; the third is never taken */
    struct fake f = {0};
    f.bodies[f.n++] = SUB("l", "LATER");
    f.bodies[f.n++] = SUB("s", "SLOW");
    f.bodies[f.n++] = SUB("t", "AC");
    struct oj_engine e = {.slots = 2};
    signal_when_full = &f;
    assert_int_equal(run_loop(&f, &e, 8, 1), 0);
    signal_when_full = NULL;
    assert_non_null(strstr(f.log[0], "finish {\"submission_id\":\"l\""));
    assert_string_equal(f.log[1], "release ");
    assert_string_equal(f.log[2], "");
    assert_int_equal(f.next, 2);
    assert_int_equal(f.held, 0);
    assert_int_equal(e.started, 2);
    assert_int_equal(e.freed, 2);
    assert_int_equal(f.max_credit_over, 0);
}

static void test_prefetch(void **state)
{
    /* four slots but prefetch 1: one held at a time, all judged */
    struct fake f = {.stop_when_empty = true};
    for (int i = 0; i < 4; i++)
        f.bodies[f.n++] = SUB("x", "AC");
    struct oj_engine e = {.slots = 4};
    assert_int_equal(run_loop(&f, &e, 1, 5), 0);
    assert_int_equal(f.max_held, 1);
    for (int i = 0; i < 4; i++)
        assert_non_null(strstr(f.log[i], "finish "));
    assert_int_equal(f.max_credit_over, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_settlements, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prefetch, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
