/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ojrun_container_wait() (libojrun.h): block until the task of a container
 * made with create --shim has ended, and return its result line
 * (specs/shim-protocol.md).  `ojrun wait` prints it.
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
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "api_internal.h"
#include "cleanup.h"
#include "state.h"
#include "supervise.h"
#include "util.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* 1: *out is the result, 0: no result yet, -1: error */
static int try_result(const char *root, const char *id, char **out, struct oj_err *err)
{
    _cleanup_state_ struct oj_state *st = NULL;
    if (oj_state_load(root, id, &st, err) < 0) {
        if (err->code == ENOENT)
            return oj_fail(err, 0, "the container was deleted before it had a result");
        return -1;
    }
    if (!st->result_json)
        return 0;
    if (!(*out = strdup(st->result_json)))
        return oj_fail(err, ENOMEM, "result of %s", id);
    return 1;
}

static char *wait_result(const char *root, const char *id, struct oj_err *err)
{
    _cleanup_state_ struct oj_state *st = NULL;
    if (oj_state_load(root, id, &st, err) < 0)
        return NULL;
    if (st->result_json) {
        char *r = strdup(st->result_json);
        if (!r)
            oj_fail(err, ENOMEM, "result of %s", id);
        return r;
    }
    if (!st->shim) {
        oj_fail(err, 0, "not supervised (create it with --shim)");
        return NULL;
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
    if (pfd >= 0 && oj_result_lock_wait(st->dir, err) < 0 && err->code != ENOENT)
        return NULL;
    char *out = NULL;
    int p = try_result(root, id, &out, err);
    if (p != 0)
        return out;
    /* No result although the lock is free: the shim failed to write it and
     * is exiting, or died.  Its exit, then one last look (the rename comes
     * before the exit). */
    while (pfd >= 0 && oj_pid_alive(st->shim_pid, st->shim_start_time)) {
        struct pollfd fds = {.fd = pfd, .events = POLLIN};
        if (poll(&fds, 1, -1) < 0 && errno != EINTR) {
            oj_fail(err, errno, "poll");
            return NULL;
        }
        if (fds.revents)
            break;
    }
    p = try_result(root, id, &out, err);
    if (p != 0)
        return out;
    oj_fail(err, 0,
            "ojrun-shim (PID %d) exited without writing a result (the task's "
            "verdict is unknown: SE)",
            (int)st->shim_pid);
    return NULL;
}

OJRUN_API char *ojrun_container_wait(ojrun_context *ctx, const char *id, ojrun_error *err)
{
    struct oj_err e = {0};
    char *r = wait_result(ctx->root, id, &e);
    if (!r)
        oj_api_error_from(err, &e);
    return r;
}
