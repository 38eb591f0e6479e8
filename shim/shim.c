/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The per-task shim of `ojrun create --shim` (specs/shim-protocol.md,
 * specs/internals.md "The shim").
 *
 * `ojrun create --shim` forks (shim/shim_spawn.c) and the child runs
 * oj_shim_main(): it becomes a daemon (its own session; a subreaper),
 * creates the container in-process -- so the init is its child --, reports
 * the outcome of create on the report pipe, and then supervises the task
 * with oj_supervise(): limits, accounting, verdict.  The result goes to
 * <root>/<id>/result.json and, when asked, to a unix socket; then the shim
 * exits.  One process per task, gone when the task is.
 *
 * Why a fork and not an exec of a separate binary (which it was): on the
 * reference VM the startup of any glibc program costs ~0.6 ms of CPU before
 * main() -- glibc probes the CPU's caches with ~70 CPUID instructions, and
 * each one traps to the hypervisor (7-11 us) -- which was 6-8 % of a whole
 * judged run (specs/performance.md).  The fork shares ojrun's already
 * initialised, already parsed process; ps shows it as "ojrun-shim"
 * (PR_SET_NAME) with create's command line.
 *
 * The container's stdio is the shim's own, as it was given to `create`: the
 * init gets it at clone time.  The shim then keeps only what it needs to
 * check output-bytes (stdout/stderr when they are regular files) and puts
 * /dev/null in their place, so that nothing it might print lands in the
 * task's output and a pipe to the worker sees EOF when the task ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "container.h"
#include "shim.h"
#include "log.h"
#include "supervise.h"
#include "util.h"

static void report(int *fd, bool ok, const struct oj_err *e)
{
    if (*fd < 0)
        return;
    struct oj_shim_report r = {.ok = ok, .code = e ? e->code : 0};
    if (e)
        snprintf(r.msg, sizeof(r.msg), "%s", e->msg);
    if (oj_write_all(*fd, &r, sizeof(r)) < 0)
        oj_warn("report to ojrun create: %m");
    close(*fd);
    *fd = -1;
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

int oj_shim_main(const struct oj_context *ctx, struct oj_create_opts *o, int report_fd)
{
    struct oj_err err = {0};
    prctl(PR_SET_NAME, "ojrun-shim");
    /* A daemon: out of the caller's session (no SIGHUP from its terminal,
     * no job-control signals), and the parent of whatever the container's
     * stage-1 child orphans. */
    if (setsid() < 0)
        oj_fail(&err, errno, "shim: setsid");
    else if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
        oj_fail(&err, errno, "shim: prctl(PR_SET_CHILD_SUBREAPER)");
    if (err.msg[0]) {
        report(&report_fd, false, &err);
        return 1;
    }
    /* Before the init exists, so that no SIGCHLD is missed; the init
     * restores an empty mask for the program. */
    sigset_t set;
    oj_supervise_sigset(&set);
    sigprocmask(SIG_BLOCK, &set, NULL);

    struct oj_task_link link;
    if (oj_task_link_open(&link, 3 + (int)o->preserve_fds, &err) < 0) {
        report(&report_fd, false, &err);
        return 1;
    }
    o->task = &link;
    o->shim = true;
    struct oj_container *ct = NULL;
    if (oj_container_create(ctx, o, &ct, &err) < 0) {
        oj_task_link_close(&link);
        report(&report_fd, false, &err);
        return 1;
    }
    oj_task_link_close_init_side(&link);
    /* Our handle on *this* container's directory: if it is deleted and a
     * new one of the same id created, the result must not land there. */
    int dirfd = open(ct->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    /* `ojrun wait` blocks on this lock until the result is in place
     * (supervise.h): taken before we report, so no wait can miss it.
     * Without it a waiter falls back to our exit. */
    int result_lock = oj_result_lock_hold(ct->dir, &err);
    if (result_lock < 0)
        oj_warn("%s: %s", o->id, err.msg);
    /* `start` and `delete` take the container lock themselves. */
    close(ct->lock_fd);
    ct->lock_fd = -1;
    const char *sock = o->result_socket;
    if (!sock && oj_result_socket_from_config(ct->cfg, &sock, &err) < 0)
        sock = NULL; /* checked by create already */

    struct oj_supervise_opts so = {
        .id = o->id,
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
    report(&report_fd, true, NULL);

    struct oj_result res;
    oj_supervise(&so, &res); /* closes exec_fd and status_fd */
    link.exec_r = link.status_sup = link.go_sup = -1;

    struct strbuf json = {0};
    oj_result_json(o->id, &res, &json);
    int rc = 0;
    if (oj_result_write_file(dirfd, sb_str(&json), &err) < 0) {
        oj_warn("%s: %s", o->id, err.msg);
        rc = 1;
    }
    if (result_lock >= 0)
        close(result_lock); /* wakes `ojrun wait` */
    if (sock && oj_result_send(sock, sb_str(&json), &err) < 0) {
        oj_warn("%s: %s", o->id, err.msg);
        rc = 1;
    }
    oj_debug("%s: %s", o->id, sb_str(&json));
    sb_free(&json);
    if (dirfd >= 0)
        close(dirfd);
    for (int i = 0; i < 2; i++)
        if (so.out_fds[i] >= 0)
            close(so.out_fds[i]);
    oj_container_free(ct);
    return rc;
}
