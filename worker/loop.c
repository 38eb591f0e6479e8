/* SPDX-License-Identifier: Apache-2.0 */
/* The worker's event loop (loop.h). */
#include "loop.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "json.h"
#include "problem.h"
#include "problems.h"
#include "progress.h"
#include "strbuf.h"
#include "wlog.h"

/* poll()'s longest sleep: judgings are advanced at least this often even
 * if a wake-up were missed, and a source without an fd is asked this often
 * (source.h). */
#define MAX_SLEEP_MS  100
#define IDLE_SLEEP_MS 1000
#define FILL_MAX      64

struct job {
    struct oj_msg msg;
    struct submission sub;
    struct oj_judging *j;
    const struct worker_loop_config *c;
    uint64_t t_taken, t_started; /* ms, CLOCK_MONOTONIC */
    struct job *next;
};

struct loop {
    const struct worker_loop_config *c;
    struct job *jobs;
    unsigned held;
    unsigned credit; /* as last told to the source; UINT32_MAX: not yet */
    bool draining;
    uint64_t deadline;
    uint64_t results, retried, rejected, released, undelivered; /* for the last log line */
};

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void free_job(struct job *jb)
{
    oj_judging_free(jb->j);
    submission_clear(&jb->sub);
    oj_msg_clear(&jb->msg);
    free(jb);
}

static void unlink_job(struct loop *l, struct job *jb)
{
    for (struct job **p = &l->jobs; *p; p = &(*p)->next)
        if (*p == jb) {
            *p = jb->next;
            break;
        }
    l->held--;
}

/* The settling calls: each ends our hold whatever it returns (source.h). */
static void settle_reject(struct loop *l, struct oj_msg *m, const char *id, const char *reason)
{
    struct oj_err err = {0};
    wlog(WLOG_WARN, id, "dead-lettered: %s", reason);
    l->rejected++;
    if (l->c->src->ops->reject(l->c->src, m, reason, &err) < 0)
        wlog(WLOG_ERROR, id, "dead-letter: %s", err.msg);
}

static void settle_retry(struct loop *l, struct oj_msg *m, const char *id, const char *reason)
{
    struct oj_err err = {0};
    wlog(WLOG_WARN, id, "attempt %u failed (SE): %s", m->attempt, reason);
    l->retried++;
    if (l->c->src->ops->retry(l->c->src, m, reason, &err) < 0)
        wlog(WLOG_ERROR, id, "retry: %s", err.msg);
}

static void on_progress(void *arg, const struct oj_test_report *t)
{
    struct job *jb = arg;
    if (!jb->c->progress)
        return;
    struct jw w;
    jw_init(&w, false);
    worker_progress_json(jb->sub.id, jb->msg.attempt, t, &w);
    struct oj_err err = {0};
    if (jw_check(&w, "progress event", &err) < 0 ||
        jb->c->src->ops->progress(jb->c->src, &jb->msg, sb_str(&w.sb), w.sb.len, &err) < 0)
        wlog(WLOG_DEBUG, jb->sub.id, "progress event not sent: %s", err.msg);
    sb_free(&w.sb);
}

/* Why a judging ended in SE, for the retry's reason: the engine's error
 * (a checker that does not compile), else the first test judged SE. */
static void se_reason(const struct oj_judging *j, const struct strbuf *json, char *buf, size_t size)
{
    const char *e = oj_judging_error(j);
    if (e && *e) {
        snprintf(buf, size, "%s", e);
        return;
    }
    snprintf(buf, size, "the sandbox failed (verdict SE)");
    struct oj_err err;
    oj_json *root = oj_json_parse(sb_str(json), json->len, "result", &err);
    const oj_json *tests = oj_json_get(root, "tests");
    for (size_t i = 0; i < oj_json_len(tests); i++) {
        const oj_json *t = oj_json_at(tests, i);
        const char *v, *name, *msg;
        if (oj_json_str(oj_json_get(t, "verdict"), &v) && strcmp(v, "SE") == 0 &&
            oj_json_str(oj_json_get(t, "name"), &name)) {
            if (!oj_json_str(oj_json_get(t, "message"), &msg))
                msg = "SE";
            snprintf(buf, size, "test %s: %s", name, msg);
            break;
        }
    }
    oj_json_free(root);
}

/* A judging is over: publish its result, or retry an SE. */
static void complete(struct loop *l, struct job *jb)
{
    unlink_job(l, jb);
    const char *verdict = oj_judging_verdict(jb->j);
    uint64_t t = now_ms();
    struct strbuf json = {0};
    struct oj_err err = {0};
    if (oj_judging_result_json(jb->j, jb->msg.attempt, &json, &err) < 0) {
        settle_retry(l, &jb->msg, jb->sub.id, err.msg);
    } else if (verdict && strcmp(verdict, "SE") == 0) {
        char reason[OJ_ERR_MSG_MAX];
        se_reason(jb->j, &json, reason, sizeof(reason));
        settle_retry(l, &jb->msg, jb->sub.id, reason);
    } else {
        worker_result_add(&json, jb->t_started - jb->t_taken, t - jb->t_started,
                          jb->msg.redelivered);
        if (l->c->src->ops->finish(l->c->src, &jb->msg, sb_str(&json), json.len, &err) < 0) {
            wlog(WLOG_ERROR, jb->sub.id, "result not delivered (the source gives it again): %s",
                 err.msg);
            l->undelivered++;
        } else {
            wlog(WLOG_INFO, jb->sub.id, "%s in %llu ms (attempt %u%s)", verdict ? verdict : "?",
                 (unsigned long long)(t - jb->t_taken), jb->msg.attempt,
                 jb->msg.redelivered ? ", redelivered" : "");
            l->results++;
        }
    }
    sb_free(&json);
    free_job(jb);
}

/* A message from the source: validate it, then start judging it. */
static void take(struct loop *l, struct oj_msg *m)
{
    struct job *jb = calloc(1, sizeof(*jb));
    if (!jb) {
        settle_retry(l, m, NULL, "out of memory");
        oj_msg_clear(m);
        return;
    }
    jb->msg = *m;
    memset(m, 0, sizeof(*m));
    jb->c = l->c;
    jb->t_taken = now_ms();
    struct oj_err err = {0};
    const struct oj_problem *p = NULL;
    const char *dir = NULL;
    if (submission_parse(jb->msg.body, jb->msg.len, &l->c->rules, &jb->sub, &err) < 0 ||
        !(p = problem_set_get(l->c->problems, jb->sub.problem_id, &dir, &err)) ||
        submission_check_limits(&jb->sub, p, &err) < 0) {
        settle_reject(l, &jb->msg, jb->sub.id, err.msg);
        free_job(jb);
        return;
    }
    struct oj_submission s = {
        .id = jb->sub.id,
        .language = jb->sub.language,
        .source = jb->sub.source,
        .source_len = jb->sub.source_len,
        .problem = p,
        .problem_dir = dir,
        .cpu_ms = jb->sub.cpu_ms,
        .wall_ms = jb->sub.wall_ms,
        .memory_mb = jb->sub.memory_mb,
    };
    if (oj_judging_start(l->c->engine, &s, on_progress, jb, &jb->j, &err) < 0) {
        jb->j = NULL;
        settle_retry(l, &jb->msg, jb->sub.id, err.msg);
        free_job(jb);
        return;
    }
    jb->t_started = now_ms();
    wlog(WLOG_DEBUG, jb->sub.id, "judging %s/%s (attempt %u%s)", jb->sub.problem_id,
         jb->sub.language, jb->msg.attempt, jb->msg.redelivered ? ", redelivered" : "");
    jb->next = l->jobs;
    l->jobs = jb;
    l->held++;
}

static int set_credit(struct loop *l, unsigned credit, struct oj_err *err)
{
    if (credit == l->credit)
        return 0;
    if (l->c->src->ops->set_credit(l->c->src, credit, err) < 0)
        return -1;
    l->credit = credit;
    return 0;
}

/* Take messages while slots are free -- at most FILL_MAX a round, so
 * that a flood of poison messages (each settled at once) cannot keep the
 * loop from the judgings' fds.  1 when it stopped at FILL_MAX (then the
 * loop polls without sleeping and comes back), 0 when it took all it
 * could, -1 on a source error. */
static int fill(struct loop *l, struct oj_err *err)
{
    for (unsigned round = 0; round < FILL_MAX && !l->draining; round++) {
        unsigned free_slots = oj_engine_free_slots(l->c->engine);
        unsigned credit = l->held + free_slots;
        if (credit > l->c->prefetch)
            credit = l->c->prefetch;
        if (set_credit(l, credit, err) < 0)
            return -1;
        if (l->held >= credit)
            return 0;
        struct oj_msg m = {0};
        int rc = l->c->src->ops->next(l->c->src, &m, err);
        if (rc < 0)
            return -1;
        if (rc == 0)
            return 0;
        take(l, &m);
    }
    return l->draining ? 0 : 1;
}

/* Advance every judging; settle those that are over. */
static void step_all(struct loop *l)
{
    struct job *jb = l->jobs;
    while (jb) {
        struct job *next = jb->next;
        if (oj_judging_step(jb->j) == 1)
            complete(l, jb);
        jb = next;
    }
}

/* Cancel the judgings in flight and give their messages back. */
static void hand_back(struct loop *l)
{
    while (l->jobs) {
        struct job *jb = l->jobs;
        unlink_job(l, jb);
        oj_judging_free(jb->j);
        jb->j = NULL;
        struct oj_err err = {0};
        if (l->c->src->ops->release(l->c->src, &jb->msg, &err) < 0)
            wlog(WLOG_ERROR, jb->sub.id, "hand back: %s", err.msg);
        else
            wlog(WLOG_INFO, jb->sub.id, "handed back unjudged");
        l->released++;
        free_job(jb);
    }
}

static void on_signal(struct loop *l)
{
    struct signalfd_siginfo si;
    while (read(l->c->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        if (l->draining) {
            wlog(WLOG_INFO, NULL, "signal %u again: handing back %u submission(s) now",
                 si.ssi_signo, l->held);
            l->deadline = now_ms();
            continue;
        }
        l->draining = true;
        l->deadline = now_ms() + (uint64_t)l->c->drain_seconds * 1000;
        wlog(WLOG_INFO, NULL,
             "signal %u: taking no more; %u judging(s) in flight get %u s to finish", si.ssi_signo,
             l->held, l->c->drain_seconds);
        struct oj_err err = {0};
        if (set_credit(l, 0, &err) < 0)
            wlog(WLOG_WARN, NULL, "stop taking: %s", err.msg);
    }
}

int worker_loop_run(const struct worker_loop_config *c, struct oj_err *err)
{
    struct loop l = {.c = c, .credit = UINT32_MAX};
    size_t cap = 8;
    struct pollfd *fds = malloc(cap * sizeof(*fds));
    if (!fds)
        return oj_fail(err, ENOMEM, "worker loop");
    int rc = 0;
    for (;;) {
        int more = fill(&l, err);
        if (more < 0) {
            oj_wrap(err, "source %s", c->src->ops->name);
            rc = -1;
            break;
        }
        if (l.draining && (!l.jobs || now_ms() >= l.deadline))
            break;

        /* signalfd, the source (while taking), every judging's fds */
        size_t n = 0;
        fds[n++] = (struct pollfd){.fd = c->signal_fd, .events = POLLIN};
        int sfd = l.draining ? -1 : c->src->ops->fd(c->src);
        if (sfd >= 0)
            fds[n++] = (struct pollfd){.fd = sfd, .events = POLLIN};
        for (struct job *jb = l.jobs; jb; jb = jb->next) {
            for (;;) {
                int got = oj_judging_fds(jb->j, fds + n, (int)(cap - n));
                if (got < (int)(cap - n) || cap > 65536) {
                    n += got > 0 ? (size_t)got : 0;
                    break;
                }
                struct pollfd *bigger = realloc(fds, cap * 2 * sizeof(*fds));
                if (!bigger)
                    break;
                fds = bigger;
                cap *= 2;
            }
        }
        /* idle on a source with an fd: every fd that matters wakes us */
        int timeout = more ? 0 : sfd < 0 || l.jobs || l.draining ? MAX_SLEEP_MS : IDLE_SLEEP_MS;
        if (l.draining) {
            uint64_t t = now_ms();
            uint64_t left = l.deadline > t ? l.deadline - t : 0;
            if (left < (uint64_t)timeout)
                timeout = (int)left;
        }
        if (poll(fds, n, timeout) < 0 && errno != EINTR) {
            rc = oj_fail(err, errno, "poll");
            break;
        }
        if (fds[0].revents & POLLIN)
            on_signal(&l);
        step_all(&l);
    }
    free(fds);
    if (l.jobs) {
        if (rc == 0)
            wlog(WLOG_INFO, NULL, "drain deadline reached: %u judging(s) handed back", l.held);
        hand_back(&l);
    }
    wlog(WLOG_INFO, NULL,
         "stopped: %llu result(s), %llu retried, %llu dead-lettered, %llu handed back, "
         "%llu not delivered",
         (unsigned long long)l.results, (unsigned long long)l.retried,
         (unsigned long long)l.rejected, (unsigned long long)l.released,
         (unsigned long long)l.undelivered);
    return rc;
}
