/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ojrun create --shim`: the ojrun side.  The shim (shim/shim.c) must be
 * the *parent* of the container init -- it reaps it, and the init dies with
 * it -- so it cannot be started after the container exists: instead this
 * process forks, the child becomes the shim and creates the container
 * in-process, reports the outcome on a pipe, and we exit with create's usual
 * status and one-line error.
 *
 *   ojrun create --shim ...      shim (forked child)              container init
 *   pipe(), fork          ---->  setsid, subreaper
 *                                oj_container_create()  ------>  (setup, waits for start)
 *   exit 0/1     <-- report --   daemon: supervises, writes the result, exits
 *
 * A fork, not an exec of a separate binary: see shim.c.  Errors before the
 * shim reports (it crashed) leave nothing behind: the shim has not created
 * anything yet, or its create rolled back (or the init died with it,
 * PR_SET_PDEATHSIG, and `delete --force` cleans).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "context.h"
#include "error.h"
#include "shim.h"
#include "util.h"

int oj_create_with_shim(const struct oj_context *ctx, struct oj_create_opts *o, struct oj_err *err)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return oj_fail(err, errno, "pipe");
    /* The shim's copy of anything buffered would be written twice. */
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(p[0]);
        close(p[1]);
        return oj_fail(err, e, "fork");
    }
    if (pid == 0) {
        close(p[0]);
        /* _exit: never return into the caller's `create` path. */
        _exit(oj_shim_main(ctx, o, p[1]));
    }
    close(p[1]);

    struct oj_shim_report r;
    ssize_t got = oj_read_all(p[0], &r, sizeof(r));
    close(p[0]);
    if (got == (ssize_t)sizeof(r)) {
        r.msg[sizeof(r.msg) - 1] = '\0';
        if (r.ok)
            return 0; /* the shim stays; it is re-parented when we exit */
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        /* the shim's message as it is: oj_fail would add strerror again */
        err->code = r.code;
        snprintf(err->msg, sizeof(err->msg), "%s", r.msg);
        return -1;
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (WIFSIGNALED(st))
        return oj_fail(err, 0, "the shim was killed by signal %d before reporting", WTERMSIG(st));
    return oj_fail(err, 0, "the shim exited with status %d before reporting", WEXITSTATUS(st));
}
