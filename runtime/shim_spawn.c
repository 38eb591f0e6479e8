/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ojrun create --shim`: the ojrun side.  ojrun-shim (shim/main.c) must be
 * the *parent* of the container init -- it reaps it, and the init dies with
 * it -- so it cannot be started after the container exists: instead this
 * process execs ojrun-shim with the same arguments, the shim creates the
 * container in-process and reports the outcome on a pipe, and we exit with
 * create's usual status and one-line error.
 *
 *   ojrun create --shim ...      ojrun-shim                      container init
 *   pipe(), fork + exec   ---->  setsid, subreaper
 *                                oj_container_create()  ------>  (setup, waits for start)
 *   exit 0/1     <-- report --   daemon: supervises, writes the result, exits
 *
 * Errors before the shim reports (it is missing, it crashed) leave nothing
 * behind: the shim has not created anything yet, or its create rolled back
 * (or the init died with it, PR_SET_PDEATHSIG, and `delete --force` cleans).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "create_opts.h"
#include "log.h"
#include "util.h"

/* ojrun-shim beside our own binary (/proc/self/exe: argv[0] may be a bare
 * name found through PATH, or a symlink). */
static int shim_path(char *out, size_t len, struct oj_err *err)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n < 0)
        return oj_fail(err, errno, "find ojrun-shim: readlink /proc/self/exe");
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    if (!slash)
        return oj_fail(err, 0, "find ojrun-shim: /proc/self/exe is \"%s\"", self);
    *slash = '\0';
    if (snprintf(out, len, "%s/ojrun-shim", self) >= (int)len)
        return oj_fail(err, ENAMETOOLONG, "find ojrun-shim");
    if (access(out, X_OK) < 0)
        return oj_fail(err, errno, "ojrun-shim (expected beside ojrun at %s)", out);
    return 0;
}

static void report(int fd, const struct oj_err *e)
{
    struct oj_shim_report r = {.ok = 0, .code = e->code};
    snprintf(r.msg, sizeof(r.msg), "%s", e->msg);
    ssize_t n = write(fd, &r, sizeof(r));
    (void)n;
}

int oj_create_with_shim(const struct oj_globals *g, const struct oj_create_opts *o, int argc,
                        char **argv)
{
    struct oj_err err = {0};
    char shim[PATH_MAX];
    if (shim_path(shim, sizeof(shim), &err) < 0) {
        oj_error("create %s: %s", o->id, err.msg);
        return 1;
    }
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        oj_error("create %s: pipe: %m", o->id);
        return 1;
    }
    /* Inherited by the shim (no O_CLOEXEC), above the --preserve-fds range. */
    int wfd = fcntl(p[1], F_DUPFD, 3 + (int)o->preserve_fds);
    close(p[1]);
    if (wfd < 0) {
        oj_error("create %s: fcntl: %m", o->id);
        close(p[0]);
        return 1;
    }

    /* ojrun-shim [global options] --report-fd N create [create options] ID */
    char fdbuf[16];
    snprintf(fdbuf, sizeof(fdbuf), "%d", wfd);
    const char *args[16 + argc];
    int n = 0;
    args[n++] = shim;
    args[n++] = "--report-fd";
    args[n++] = fdbuf;
    args[n++] = "--root";
    args[n++] = g->root;
    if (g->log) {
        args[n++] = "--log";
        args[n++] = g->log;
    }
    if (g->log_json) {
        args[n++] = "--log-format";
        args[n++] = "json";
    }
    if (g->debug)
        args[n++] = "--debug";
    for (int i = 0; i < argc; i++)
        args[n++] = argv[i];
    args[n] = NULL;

    pid_t pid = fork();
    if (pid < 0) {
        oj_error("create %s: fork: %m", o->id);
        close(wfd);
        close(p[0]);
        return 1;
    }
    if (pid == 0) {
        close(p[0]);
        execv(shim, (char **)args);
        oj_fail(&err, errno, "exec %s", shim);
        report(wfd, &err);
        _exit(127);
    }
    close(wfd);

    struct oj_shim_report r;
    ssize_t got = oj_read_all(p[0], &r, sizeof(r));
    close(p[0]);
    if (got == (ssize_t)sizeof(r)) {
        r.msg[sizeof(r.msg) - 1] = '\0';
        if (r.ok)
            return 0; /* the shim stays; it is re-parented when we exit */
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        oj_error("create %s: %s", o->id, r.msg);
        return 1;
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    if (WIFSIGNALED(st))
        oj_error("create %s: ojrun-shim was killed by signal %d before reporting", o->id,
                 WTERMSIG(st));
    else
        oj_error("create %s: ojrun-shim exited with status %d before reporting", o->id,
                 WEXITSTATUS(st));
    return 1;
}
