/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ojrun-shim: the per-task supervisor of `ojrun create --shim`
 * (specs/shim-protocol.md, specs/internals.md "The shim").
 *
 *   ojrun-shim --report-fd N [--root DIR] [--log FILE] [--log-format json]
 *              [--debug] create [create options] ID
 *
 * Started by `ojrun create --shim` (runtime/shim_spawn.c), never by hand.
 * It becomes a daemon (its own session; a subreaper), creates the container
 * in-process -- so the init is its child -- reports the outcome of create
 * on fd N, and then supervises the task with the library's oj_supervise():
 * limits, accounting, verdict.  The result goes to <root>/<id>/result.json
 * and, when asked, to a unix socket; then the shim exits.  One process per
 * task, gone when the task is.
 *
 * The container's stdio is the shim's own, as it was given to `create`: the
 * init gets it at clone time.  The shim then keeps only what it needs to
 * check output-bytes (stdout/stderr when they are regular files) and puts
 * /dev/null in their place, so that nothing it might print lands in the
 * task's output and a pipe to the worker sees EOF when the task ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "cli.h"
#include "container.h"
#include "create_opts.h"
#include "log.h"
#include "supervise.h"
#include "util.h"

static int report_fd = -1;
static char usage_msg[512] = "bad create arguments";

/* cmd_create.c's option parser reports through this (main.c has ojrun's
 * version, which is not part of the library).  ojrun already parsed the
 * same arguments, so this is for a shim started by hand. */
int oj_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(usage_msg, sizeof(usage_msg), fmt, ap);
    va_end(ap);
    return 1;
}

static void report(bool ok, const struct oj_err *e)
{
    if (report_fd < 0)
        return;
    struct oj_shim_report r = {.ok = ok, .code = e ? e->code : 0};
    if (e)
        snprintf(r.msg, sizeof(r.msg), "%s", e->msg);
    if (oj_write_all(report_fd, &r, sizeof(r)) < 0)
        oj_warn("report to ojrun create: %m");
    close(report_fd);
    report_fd = -1;
}

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
    struct oj_err e = {0};
    va_list ap;
    va_start(ap, fmt);
    oj_vfail(&e, 0, fmt, ap);
    va_end(ap);
    report(false, &e);
    return 1;
}

/* Keep a copy of fd 1/2 when it is a regular file (for output-bytes),
 * then point 0..2 at /dev/null. */
static void detach_stdio(int out_fds[2])
{
    for (int i = 0; i < 2; i++) {
        struct stat st;
        out_fds[i] = -1;
        if (fstat(1 + i, &st) == 0 && S_ISREG(st.st_mode))
            out_fds[i] = fcntl(1 + i, F_DUPFD_CLOEXEC, 3);
    }
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0)
        return;
    for (int fd = 0; fd < 3; fd++)
        dup2(null, fd);
    if (null > 2)
        close(null);
}

int main(int argc, char **argv)
{
    struct oj_globals g = {.root = OJ_DEFAULT_ROOT, .argv0 = argv[0]};
    enum { OPT_ROOT = 256, OPT_LOG, OPT_LOG_FORMAT, OPT_DEBUG, OPT_REPORT };
    static const struct option opts[] = {
        {"root", required_argument, NULL, OPT_ROOT},
        {"log", required_argument, NULL, OPT_LOG},
        {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
        {"debug", no_argument, NULL, OPT_DEBUG},
        {"report-fd", required_argument, NULL, OPT_REPORT},
        {0},
    };
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (c) {
        case OPT_ROOT:
            g.root = optarg;
            break;
        case OPT_LOG:
            g.log = optarg;
            break;
        case OPT_LOG_FORMAT:
            g.log_json = strcmp(optarg, "json") == 0;
            break;
        case OPT_DEBUG:
            g.debug = true;
            break;
        case OPT_REPORT: {
            int64_t v;
            if (oj_parse_i64(optarg, &v) < 0 || v < 3 || v > 65535) {
                fprintf(stderr, "ojrun-shim: --report-fd: bad fd \"%s\"\n", optarg);
                return 1;
            }
            report_fd = (int)v;
            break;
        }
        default:
            fprintf(stderr, "ojrun-shim: unknown option '%s' (started by `ojrun create --shim`)\n",
                    argv[optind - 1]);
            return 1;
        }
    }
    if (report_fd < 0 || fcntl(report_fd, F_SETFD, FD_CLOEXEC) < 0) {
        fprintf(stderr,
                "ojrun-shim: missing or bad --report-fd (started by `ojrun create --shim`)\n");
        return 1;
    }
    struct oj_log_opts lo = {.path = g.log, .json = g.log_json, .debug = g.debug};
    if (oj_log_init(&lo) < 0)
        return fail("open log file %s: %s", g.log, strerror(errno));
    if (optind >= argc || strcmp(argv[optind], "create") != 0)
        return fail("ojrun-shim: expected \"create\" and its arguments");

    struct oj_create_opts o = {0};
    bool detach = false;
    optind++;
    int cargc = argc - (optind - 1);
    char **cargv = argv + (optind - 1);
    optind = 0;
    if (oj_parse_create_opts("create", cargc, cargv, &o, &detach, false) != 0)
        return fail("ojrun-shim: %s", usage_msg);

    /* A daemon: out of the caller's session (no SIGHUP from its terminal,
     * no job-control signals), and the parent of whatever the container's
     * stage-1 child orphans. */
    if (setsid() < 0)
        return fail("setsid: %s", strerror(errno));
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
        return fail("prctl(PR_SET_CHILD_SUBREAPER): %s", strerror(errno));
    /* Before the init exists, so that no SIGCHLD is missed; the init
     * restores an empty mask for the program. */
    sigset_t set;
    oj_supervise_sigset(&set);
    sigprocmask(SIG_BLOCK, &set, NULL);

    struct oj_err err = {0};
    struct oj_task_link link;
    if (oj_task_link_open(&link, 3 + (int)o.preserve_fds, &err) < 0)
        return fail("%s", err.msg);
    o.task = &link;
    o.shim = true;
    struct oj_container *ct = NULL;
    if (oj_container_create(&g, &o, &ct, &err) < 0) {
        oj_task_link_close(&link);
        report(false, &err);
        return 1;
    }
    oj_task_link_close_init_side(&link);
    /* Our handle on *this* container's directory: if it is deleted and a
     * new one of the same id created, the result must not land there. */
    int dirfd = open(ct->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    /* `start` and `delete` take the container lock themselves. */
    close(ct->lock_fd);
    ct->lock_fd = -1;
    const char *sock = o.result_socket;
    if (!sock && oj_result_socket_from_config(ct->cfg, &sock, &err) < 0)
        sock = NULL; /* checked by create already */

    struct oj_supervise_opts so = {
        .id = o.id,
        .init_pid = ct->pid,
        .cg = ct->cg,
        .limits = ct->limits,
        .exec_fd = link.exec_r,
        .status_fd = link.status_sup,
        .go_fd = link.go_sup,
        .forward_signals = false,
    };
    detach_stdio(so.out_fds);
    if (chdir("/") < 0)
        oj_warn("chdir /: %m");
    report(true, NULL);

    struct oj_result res;
    oj_supervise(&so, &res); /* closes exec_fd and status_fd */
    link.exec_r = link.status_sup = link.go_sup = -1;

    struct strbuf json = {0};
    oj_result_json(o.id, &res, &json);
    int rc = 0;
    if (oj_result_write_file(dirfd, sb_str(&json), &err) < 0) {
        oj_warn("%s: %s", o.id, err.msg);
        rc = 1;
    }
    if (sock && oj_result_send(sock, sb_str(&json), &err) < 0) {
        oj_warn("%s: %s", o.id, err.msg);
        rc = 1;
    }
    oj_debug("%s: %s", o.id, sb_str(&json));
    sb_free(&json);
    if (dirfd >= 0)
        close(dirfd);
    for (int i = 0; i < 2; i++)
        if (so.out_fds[i] >= 0)
            close(so.out_fds[i]);
    oj_container_free(ct);
    return rc;
}
