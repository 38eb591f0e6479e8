/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The worker's one event loop: a single thread polls the source's fd, the
 * fds of every judging in flight and a signalfd, and moves messages
 * through
 *
 *   source->next ─► submission_parse ─► problem ─► oj_judging_start
 *        │                │ poison                      │ progress ─► source->progress
 *        │                └─────────► source->reject    ▼
 *        │                                        oj_judging_step ... over
 *        │                                              │ SE ─► source->retry
 *        └── credit: min(held + free slots, prefetch)   └────► source->finish
 *
 * SIGTERM or SIGINT: stop taking (credit 0), let the judgings in flight
 * finish for at most drain_seconds, then cancel the rest and hand their
 * messages back (source->release); a second signal hands back at once.
 */
#ifndef OJRUN_WORKER_LOOP_H
#define OJRUN_WORKER_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"
#include "source.h"
#include "submission.h"

struct oj_engine;
struct problem_set;

struct worker_loop_config {
    struct oj_source *src;
    struct oj_engine *engine;
    struct problem_set *problems;
    struct submission_rules rules;
    unsigned prefetch; /* messages held at most */
    unsigned drain_seconds;
    bool progress; /* relay progress events */
    int signal_fd; /* signalfd of SIGTERM and SIGINT (blocked by the caller) */
};

/* Run until a signal and the drain; 0, or -1 when the source failed for
 * good (every message held has been handed back). */
int worker_loop_run(const struct worker_loop_config *c, struct oj_err *err);

#endif
