/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One submission from start to result (engine.h): the build phase
 * (engine_compile.c), then the test phase (engine_test.c), driven by the
 * caller's event loop through oj_judging_fds() and oj_judging_step().
 *
 *   start ──► BUILD: compile task, checker/interactor builds (cache)
 *               │ CE / SE / a program does not compile ──► OVER
 *               ▼
 *             TESTS: run / check / interact tasks in free slots,
 *               │    committed in judging order (engine_plan.c)
 *               ▼
 *             OVER: result JSON (engine_result.c)
 *
 * The work directory of a judging is "<work_dir>/<submission id>.XXXXXX"
 * (0711): bundles compile/ and run/, the box, out/ with the outputs and
 * logs.  It is removed when the judging is freed, unless the engine keeps
 * them.  Freeing a judging mid-way cancels its tasks: each supervisor
 * kills its container and deletes it before the free returns.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "engine_judging.h"

uint64_t oj_engine_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void wake(struct oj_judging *j)
{
    uint64_t one = 1;
    if (write(j->wake_fd, &one, sizeof(one)) < 0) {
        /* the counter is full: it is readable anyway */
    }
}

void oj_judging_wake_for_slot(struct oj_judging *j)
{
    if (j->wants_slot) {
        j->wants_slot = false;
        wake(j);
    }
}

void oj_judging_fail(struct oj_judging *j, const char *fmt, ...)
{
    if (j->error)
        return; /* the first reason stands */
    va_list ap;
    va_start(ap, fmt);
    if (vasprintf(&j->error, fmt, ap) < 0)
        j->error = strdup("out of memory");
    va_end(ap);
    wake(j);
}

static bool valid_id(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 100)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", s[i]))
            return false;
    return strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

int oj_judging_start(struct oj_engine *e, const struct oj_submission *s, oj_progress_fn progress,
                     void *arg, struct oj_judging **out, struct oj_err *err)
{
    if (!s->id || !valid_id(s->id))
        return oj_fail(err, EINVAL,
                       "submission_id \"%.100s\": use [A-Za-z0-9_.-], 1 to 100 "
                       "characters",
                       s->id ? s->id : "");
    if (!s->language || !s->problem || !s->problem_dir || (!s->prebuilt_box && !s->source))
        return oj_fail(err, EINVAL, "submission %s: language, problem and source are required",
                       s->id);
    bool known = false;
    for (size_t i = 0; oj_problem_languages[i]; i++)
        known = known || strcmp(s->language, oj_problem_languages[i]) == 0;
    if (!known)
        return oj_fail(err, EINVAL,
                       "submission %s: language \"%.32s\": use c, cpp, python, java, go or "
                       "javascript",
                       s->id, s->language);
    int64_t lim[3];
    if (oj_engine_limits(s->problem, s->language, s->cpu_ms, s->wall_ms, s->memory_mb, lim, err) <
        0)
        return oj_wrap(err, "submission %s", s->id);
    struct oj_judging *j = calloc(1, sizeof(*j));
    if (!j)
        return oj_fail(err, ENOMEM, "submission %s", s->id);
    j->e = e;
    j->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    j->p = s->problem;
    j->cpu_ms = lim[0];
    j->wall_ms = lim[1];
    j->memory_mb = lim[2];
    j->progress = progress;
    j->progress_arg = arg;
    j->start_us = oj_engine_now_us();
    j->prebuilt = s->prebuilt_box != NULL;
    j->id = strdup(s->id);
    j->lang = strdup(s->language);
    j->problem_dir = realpath(s->problem_dir, NULL);
    if (!j->prebuilt) {
        j->source = malloc(s->source_len + 1);
        if (j->source) {
            memcpy(j->source, s->source, s->source_len);
            j->source_len = s->source_len;
        }
    }
    j->next = e->judgings;
    e->judgings = j;
    if (j->wake_fd < 0) {
        oj_fail(err, errno, "eventfd");
        goto fail;
    }
    if (!j->problem_dir) {
        oj_fail(err, errno, "problem %s", s->problem_dir);
        goto fail;
    }
    if (!j->id || !j->lang || (!j->prebuilt && !j->source) ||
        asprintf(&j->dir, "%s/%s.XXXXXX", e->work_dir, s->id) < 0) {
        oj_fail(err, ENOMEM, "submission %s", s->id);
        goto fail;
    }
    if (!mkdtemp(j->dir)) {
        oj_fail(err, errno, "mkdtemp %s", j->dir);
        free(j->dir);
        j->dir = NULL;
        goto fail;
    }
    _cleanup_free_ char *outdir = NULL;
    if (oj_engine_mkdir(j->dir, 0711, err) < 0 || chmod(j->dir, 0711) < 0 ||
        asprintf(&outdir, "%s/out", j->dir) < 0 || oj_engine_mkdir(outdir, 0711, err) < 0)
        goto fail;
    if (j->prebuilt)
        j->box = realpath(s->prebuilt_box, NULL);
    else if (asprintf(&j->box, "%s/box", j->dir) < 0)
        j->box = NULL;
    if (!j->box) {
        oj_fail(err, errno, "box %s", j->prebuilt ? s->prebuilt_box : "");
        goto fail;
    }
    if (oj_compile_prepare(j, err) < 0) {
        oj_wrap(err, "submission %s", s->id);
        goto fail;
    }
    oj_compile_pump(j);
    *out = j;
    return 0;
fail:
    oj_judging_free(j);
    return -1;
}

int oj_judging_fds(const struct oj_judging *j, struct pollfd *fds, int max)
{
    int n = 0;
    if (n < max)
        fds[n++] = (struct pollfd){.fd = j->wake_fd, .events = POLLIN};
    for (const struct oj_etask *t = j->tasks; t && n < max; t = t->next)
        if (t->task && !t->over)
            fds[n++] = (struct pollfd){.fd = ojrun_task_fd(t->task), .events = POLLIN};
    return n;
}

static void cancel_all(struct oj_judging *j)
{
    while (j->tasks)
        oj_etask_free(j->tasks);
    for (int i = 0; i < OJ_N_PROGS; i++)
        j->prog[i].task = NULL;
    j->compile = NULL;
    for (size_t t = 0; j->tests && t < j->p->n_tests; t++)
        j->tests[t].run = j->tests[t].check = j->tests[t].inter = NULL;
}

static void over(struct oj_judging *j)
{
    j->phase = OJ_PHASE_OVER;
    j->end_us = oj_engine_now_us();
    const char *v = "SE";
    struct oj_score s = {0};
    if (!j->error && strcmp(j->compile_verdict, "OK") != 0 &&
        strcmp(j->compile_verdict, "SKIPPED") != 0)
        v = j->compile_verdict[0] ? j->compile_verdict : "SE";
    else if (!j->error && oj_score_compute(j->p, j->committed, &s, NULL) == 0)
        v = s.verdict;
    snprintf(j->verdict, sizeof(j->verdict), "%s", v);
    free(s.groups);
}

int oj_judging_step(struct oj_judging *j)
{
    uint64_t v;
    if (read(j->wake_fd, &v, sizeof(v)) < 0) {
        /* EAGAIN: nothing was signalled */
    }
    for (bool again = true; again && j->phase != OJ_PHASE_OVER;) {
        again = false;
        if (j->error) {
            cancel_all(j);
            over(j);
            break;
        }
        for (struct oj_etask *t = j->tasks; t; t = t->next) {
            if (t->handled || !oj_etask_poll(t))
                continue;
            t->handled = again = true;
            if (j->phase == OJ_PHASE_BUILD)
                oj_compile_done(j, t);
            else
                oj_tests_done(j, t);
            break; /* the list may have changed */
        }
        if (j->error)
            continue;
        if (j->phase == OJ_PHASE_BUILD) {
            /* a handled build task is freed here (its slot back) */
            for (struct oj_etask *t = j->tasks, *n; t; t = n) {
                n = t->next;
                if (t->handled)
                    oj_etask_free(t);
            }
            if (!oj_compile_finished(j)) {
                oj_compile_pump(j);
                again = again || (j->tasks && j->tasks->over && !j->tasks->handled);
                continue;
            }
            if (strcmp(j->compile_verdict, "OK") != 0 &&
                strcmp(j->compile_verdict, "SKIPPED") != 0) {
                over(j);
                break;
            }
            struct oj_err err = {0};
            if (oj_tests_prepare(j, &err) < 0) {
                oj_judging_fail(j, "%s", err.msg);
                again = true;
                continue;
            }
            j->phase = OJ_PHASE_TESTS;
            again = true;
        }
        if (j->phase == OJ_PHASE_TESTS) {
            oj_tests_pump(j);
            if (oj_tests_finished(j)) {
                over(j);
                break;
            }
            /* a task that failed to spawn is over already */
            for (struct oj_etask *t = j->tasks; t; t = t->next)
                again = again || (t->over && !t->handled);
        }
    }
    return j->phase == OJ_PHASE_OVER;
}

int oj_judging_result_json(const struct oj_judging *j, unsigned attempt, struct strbuf *out,
                           struct oj_err *err)
{
    if (j->phase != OJ_PHASE_OVER)
        return oj_fail(err, EINVAL, "submission %s: not judged yet", j->id);
    struct oj_engine_outcome o = {
        .problem = j->p,
        .submission_id = j->id,
        .compile_verdict = j->compile_verdict[0] ? j->compile_verdict : "SE",
        .compile_message = sb_str(&j->compile_msg),
        .error = j->error,
        .rows = j->rows,
        .n_rows = j->n_rows,
        .results = j->committed,
        .compile_us = j->compile_us,
        .total_us = j->end_us - j->start_us,
    };
    struct jw w;
    jw_init(&w, false);
    char verdict[8];
    if (oj_engine_write_result(&o, attempt, &w, verdict, err) < 0) {
        sb_free(&w.sb);
        return -1;
    }
    sb_append(out, w.sb.s, w.sb.len);
    sb_free(&w.sb);
    return out->oom ? oj_fail(err, ENOMEM, "result") : 0;
}

const char *oj_judging_verdict(const struct oj_judging *j)
{
    return j->phase == OJ_PHASE_OVER ? j->verdict : NULL;
}

const char *oj_judging_error(const struct oj_judging *j)
{
    return j->phase == OJ_PHASE_OVER ? j->error : NULL;
}

const char *oj_judging_dir(const struct oj_judging *j)
{
    return j->dir;
}

void oj_judging_free(struct oj_judging *j)
{
    if (!j)
        return;
    cancel_all(j);
    for (struct oj_judging **pp = &j->e->judgings; *pp; pp = &(*pp)->next)
        if (*pp == j) {
            *pp = j->next;
            break;
        }
    for (int i = 0; i < OJ_N_PROGS; i++) {
        struct oj_prog *pg = &j->prog[i];
        if (pg->tmp)
            oj_engine_rm_rf(pg->tmp);
        free(pg->tmp);
        free(pg->box);
        free(pg->bundle);
        oj_json_free(pg->base);
    }
    if (j->dir && !j->e->keep)
        oj_engine_rm_rf(j->dir);
    if (j->wake_fd >= 0)
        close(j->wake_fd);
    ojrun_config_free(j->run_cfg);
    free(j->run_bundle);
    free(j->tests);
    free(j->committed);
    free(j->hypo);
    free(j->dones);
    free(j->states);
    free(j->needed);
    free(j->rows);
    sb_free(&j->compile_msg);
    free(j->error);
    free(j->id);
    free(j->lang);
    free(j->problem_dir);
    free(j->dir);
    free(j->box);
    free(j->source);
    free(j);
}
