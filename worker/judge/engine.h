/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The judging engine: one submission in, one result out, every container an
 * ojrun task (libojrun.h, "Judged tasks") driven from the caller's event loop.
 *
 *   submission ──► compile task (compile bundle) ──► test tasks (run bundle),
 *                  custom checker / interactor tasks ──► checker.c, score.c
 *                                                    ──► result (JSON)
 *
 * The engine never blocks and never execs `ojrun`: it starts tasks with
 * ojrun_task_spawn(), lists the fds to poll, and advances when the caller
 * says one is readable.  Tasks of every submission in flight share one pool
 * of slots; slot i is pinned to the i-th CPU the engine was given (cpuset),
 * so two tests never share a CPU and timings stay those of a quiet machine.
 *
 * Both judges use it: `ojrun-worker` (many submissions at once, from a
 * spool or RabbitMQ) and hack/judge (one submission, through
 * `ojrun-judge-tool judge`).  Nothing about judging lives anywhere else.
 */
#ifndef OJRUN_JUDGE_ENGINE_H
#define OJRUN_JUDGE_ENGINE_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "problem.h"
#include "strbuf.h"

struct ojrun_context;

/* A line about what the engine does that is not a result (an SE retried:
 * "test 3: SE (create: ...), retrying"); no newline. */
typedef void (*oj_log_fn)(void *arg, const char *line);

struct oj_engine_options {
    const char *state_root; /* ojrun's state directory (--root) */
    const char *work_dir;   /* bundles, boxes, outputs: created 0711 if missing */
    const char *id_prefix;  /* container ids "<prefix>-<n>": unique on the host */
    unsigned slots;         /* tasks at once; 0: the CPUs in the affinity mask */
    const char *cpus;       /* NULL: the process's affinity; else "0-3", "1,3" */
    bool keep;              /* keep each submission's work directory */
    /* (added after the first version; zero is the default) */
    const char *cache_dir; /* compiled checkers and interactors; NULL: <work_dir>/cache */
    oj_log_fn log;         /* NULL: no log */
    /* the compile phase's CPU and wall limits in ms (0: the template's CPU
     * limit and OJ_ENGINE_COMPILE_WALL_MS); a slow host, or a test that
     * scales its limits, raises it */
    int64_t compile_ms;
    void *log_arg;
};

struct oj_engine;

int oj_engine_new(const struct oj_engine_options *opt, struct oj_engine **out, struct oj_err *err);
void oj_engine_free(struct oj_engine *e);
/* Slots not running a task now (a worker takes new submissions only while
 * this is non-zero: prefetch = free slots). */
unsigned oj_engine_free_slots(const struct oj_engine *e);

/* What to judge.  The engine copies what it keeps. */
struct oj_submission {
    const char *id;       /* submission_id: [A-Za-z0-9_.-]{1,100} */
    const char *language; /* c, cpp, python, java, go, javascript */
    const char *source;
    size_t source_len;
    const struct oj_problem *problem; /* loaded by oj_problem_load(); outlives the judging */
    const char *problem_dir;
    /* 0: the problem's; otherwise at most the problem's (a caller asking
     * for more gets an error from oj_judging_start) */
    int64_t cpu_ms, wall_ms, memory_mb;
    /* NULL: compile `source`; else an already compiled box, used as /box
     * as it is (no compile phase; `source` is ignored) */
    const char *prebuilt_box;
};

/* One finished test, as a progress event carries it (specs/worker-protocol.md). */
struct oj_test_report {
    const char *test; /* its name */
    size_t index, total;
    const char *verdict;                         /* AC, WA, TLE, ... */
    uint64_t cpu_us, wall_us, memory_peak_bytes; /* the shim's accounting, unchanged */
    int exit_code, signal;                       /* -1 / 0 when not applicable */
};
typedef void (*oj_progress_fn)(void *arg, const struct oj_test_report *t);

struct oj_judging;

/* Start judging; returns at once (the compile task is started, or the
 * first tests for an interpreted language).  `progress` (may be NULL) is
 * called from oj_judging_step() once per finished test. */
int oj_judging_start(struct oj_engine *e, const struct oj_submission *s, oj_progress_fn progress,
                     void *arg, struct oj_judging **out, struct oj_err *err);

/* The fds this judging waits on (POLLIN), at most `max`; returns how many.
 * Ask again after every step: the set changes as tasks start and end (one
 * of them wakes a judging waiting for a slot that another judging freed). */
int oj_judging_fds(const struct oj_judging *j, struct pollfd *fds, int max);

/* Advance without blocking: collect what finished, start what can start.
 * 1 when the judging is over (oj_judging_result() is ready), 0 when not
 * yet.  A failure of the sandbox is not an error here: it is verdict SE in
 * the result (with the error's text). */
int oj_judging_step(struct oj_judging *j);

/* The final result (specs/worker-protocol.md, "result"), as JSON: verdict,
 * score, per-test table, compile output cut to a few KiB, the engine's own
 * timings.  `attempt` is copied into it.  Only once the judging is over. */
int oj_judging_result_json(const struct oj_judging *j, unsigned attempt, struct strbuf *out,
                           struct oj_err *err);
/* The overall verdict ("AC", ..., "SE"), once over. */
const char *oj_judging_verdict(const struct oj_judging *j);

/* Why the problem could not be judged at all -- its checker or interactor
 * does not compile -- once over (the verdict is then SE); NULL when a
 * verdict was given. */
const char *oj_judging_error(const struct oj_judging *j);
/* The judging's work directory (bundles, box, outputs). */
const char *oj_judging_dir(const struct oj_judging *j);

/* Stop: cancel its tasks (they are deleted), free everything. */
void oj_judging_free(struct oj_judging *j);

/* Remove a directory tree, not following symlinks (a judging's work
 * directory, a judge's private state root); best effort. */
int oj_engine_rm_rf(const char *path);

#endif
