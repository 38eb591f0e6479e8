/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ojrun wait ID: block until the task supervised by ojrun-shim has ended,
 * print its result JSON (specs/shim-protocol.md) as one line, exit 0 -- for
 * any verdict.  Exit 1: no such container, not supervised, deleted while we
 * waited, or the shim died without writing a result.
 *
 * No polling, and no inotify: the shim holds an exclusive flock on the
 * container's state.json until result.json is in place (supervise.h,
 * oj_result_lock_hold), so a shared flock of the same file returns right
 * after the rename -- or when the shim dies, since the kernel drops its
 * locks.  (inotify did the same job, but closing an inotify instance that
 * has a watch waits for an SRCU grace period: 6-16 ms of every `wait` on
 * the reference host, more than the rest of the worker path together;
 * specs/performance.md.)  If the lock comes free without a result, a pidfd
 * of the shim (pidfd_open(2)) waits for its exit before the last look.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "log.h"
#include "state.h"
#include "supervise.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* 1: printed, 0: no result yet, -1: error (reported) */
static int try_print(const struct oj_globals *g, const char *id)
{
    struct oj_err err = {0};
    _cleanup_state_ struct oj_state *st = NULL;
    if (oj_state_load(g->ctx.root, id, &st, &err) < 0) {
        if (err.code == ENOENT)
            oj_error("wait %s: the container was deleted before it had a result", id);
        else
            oj_error("wait %s: %s", id, err.msg);
        return -1;
    }
    if (!st->result_json)
        return 0;
    printf("%s\n", st->result_json);
    return fflush(stdout) == 0 ? 1 : -1;
}

int cmd_wait(const struct oj_globals *g, int argc, char **argv)
{
    const char *id;
    int r = oj_parse_id_only("wait", argc, argv, &id);
    if (r != 0)
        return r < 0 ? 1 : 0;
    struct oj_err err = {0};
    _cleanup_state_ struct oj_state *st = NULL;
    if (oj_state_load(g->ctx.root, id, &st, &err) < 0) {
        oj_error("wait %s: %s", id, err.msg);
        return 1;
    }
    if (st->result_json) {
        printf("%s\n", st->result_json);
        return 0;
    }
    if (!st->shim) {
        oj_error("wait %s: not supervised (create it with --shim)", id);
        return 1;
    }

    /* The shim's pidfd; its start time, checked after opening, proves that
     * the PID was not recycled.  Not openable: it is already gone. */
    _cleanup_close_ int pfd = -1;
    if (st->shim_pid > 0) {
        pfd = (int)syscall(SYS_pidfd_open, st->shim_pid, 0);
        if (pfd >= 0 && oj_pid_start_time(st->shim_pid) != st->shim_start_time) {
            close(pfd);
            pfd = -1;
        }
    }
    /* Blocks until the result is written (or the shim is gone). */
    if (pfd >= 0 && oj_result_lock_wait(st->dir, &err) < 0 && err.code != ENOENT) {
        oj_error("wait %s: %s", id, err.msg);
        return 1;
    }
    int p = try_print(g, id);
    if (p != 0)
        return p > 0 ? 0 : 1;
    /* No result although the lock is free: the shim failed to write it and
     * is exiting, or died.  Its exit, then one last look (the rename comes
     * before the exit). */
    while (pfd >= 0 && oj_pid_alive(st->shim_pid, st->shim_start_time)) {
        struct pollfd fds = {.fd = pfd, .events = POLLIN};
        if (poll(&fds, 1, -1) < 0 && errno != EINTR) {
            oj_error("wait %s: poll: %m", id);
            return 1;
        }
        if (fds.revents)
            break;
    }
    p = try_print(g, id);
    if (p != 0)
        return p > 0 ? 0 : 1;
    oj_error("wait %s: ojrun-shim (PID %d) exited without writing a result (the task's "
             "verdict is unknown: SE)",
             id, (int)st->shim_pid);
    return 1;
}
