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
#include "cleanup.h"
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
 * then point 0..2 at /dev/null.  A failure here is create's failure: without
 * the copies an output-bytes overrun would go unseen, and with the task's
 * stdio still open a pipe to the worker would not see EOF when the task
 * ends. */
static int detach_stdio(int out_fds[2], struct oj_err *err)
{
    out_fds[0] = out_fds[1] = -1;
    for (int i = 0; i < 2; i++) {
        struct stat st;
        if (fstat(1 + i, &st) < 0)
            return oj_fail(err, errno, "shim: fstat fd %d", 1 + i);
        if (!S_ISREG(st.st_mode))
            continue;
        out_fds[i] = fcntl(1 + i, F_DUPFD_CLOEXEC, 3);
        if (out_fds[i] < 0)
            return oj_fail(err, errno, "shim: keep a copy of fd %d", 1 + i);
    }
    _cleanup_close_ int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0)
        return oj_fail(err, errno, "shim: open /dev/null");
    for (int fd = 0; fd < 3; fd++)
        if (dup2(null, fd) < 0)
            return oj_fail(err, errno, "shim: dup2 /dev/null to fd %d", fd);
    if (null <= 2)
        null = -1; /* it was a free slot among 0..2: it stays, as /dev/null */
    return 0;
}

static void close_out_fds(int out_fds[2])
{
    for (int i = 0; i < 2; i++)
        if (out_fds[i] >= 0) {
            close(out_fds[i]);
            out_fds[i] = -1;
        }
}

/* The shim failed after the container was created but before it reported:
 * create fails with the error and, as for any failed create, nothing
 * remains (init, cgroup, state directory). */
static int abort_create(struct oj_container *ct, struct oj_task_link *link, int *report_fd,
                        const struct oj_err *err)
{
    oj_task_link_close(link);
    oj_container_abort(ct);
    oj_container_free(ct);
    report(report_fd, false, err);
    return 1;
}

/* Deliver the result: <dir>/result.json, then the socket.  Each failure is
 * logged (the shim's log is --log: its stderr is /dev/null by now) and makes
 * the shim exit 1; the socket gets its line whatever happened to the file.
 * When the state directory is gone or moved away without `delete`, nothing
 * refers to the cgroup any more: remove it (if it is still ours). */
static int deliver(const struct oj_create_opts *o, struct oj_container *ct, int dirfd,
                   int result_lock, const char *sock, const struct oj_result *res)
{
    struct oj_err err = {0};
    struct strbuf json = {0};
    oj_result_json(o->id, res, &json);
    if (json.oom) {
        oj_error("%s: the result JSON: out of memory; no result written", o->id);
        sb_free(&json);
        return 1;
    }
    int rc = 0;
    if (oj_result_write_file(dirfd, ct->dir, sb_str(&json), &err) < 0) {
        oj_error("%s: %s (the result: %s)", o->id, err.msg, sb_str(&json));
        rc = 1;
        struct oj_err cerr = {0};
        if ((err.code == ENOENT || err.code == ESTALE) && ct->cg &&
            oj_cgroup_remove_pinned(ct->cg, &cerr) < 0)
            oj_error("%s: %s", o->id, cerr.msg);
    }
    if (result_lock >= 0)
        close(result_lock); /* wakes `ojrun wait` */
    if (sock && oj_result_send(sock, sb_str(&json), &err) < 0) {
        oj_error("%s: %s", o->id, err.msg);
        rc = 1;
    }
    oj_debug("%s: %s", o->id, sb_str(&json));
    sb_free(&json);
    return rc;
}

int oj_shim_main(const struct oj_context *ctx, struct oj_create_opts *o, int report_fd)
{
    struct oj_err err = {0};
    if (prctl(PR_SET_NAME, "ojrun-shim") < 0)
        oj_fail(&err, errno, "shim: prctl(PR_SET_NAME)");
    /* A daemon: out of the caller's session (no SIGHUP from its terminal,
     * no job-control signals), and the parent of whatever the container's
     * stage-1 child orphans. */
    else if (setsid() < 0)
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
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) {
        oj_fail(&err, errno, "shim: block the supervisor's signals (sigprocmask)");
        report(&report_fd, false, &err);
        return 1;
    }

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
    _cleanup_close_ int dirfd = open(ct->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0) {
        oj_fail(&err, errno, "shim: open the container directory %s", ct->dir);
        return abort_create(ct, &link, &report_fd, &err);
    }
    /* `ojrun wait` blocks on this lock until the result is in place
     * (supervise.h): taken before we report, so no wait can miss it. */
    _cleanup_close_ int result_lock = oj_result_lock_hold(ct->dir, &err);
    if (result_lock < 0) {
        oj_wrap(&err, "shim");
        return abort_create(ct, &link, &report_fd, &err);
    }
    /* The cgroup is surely this container's now: its identity, for
     * removing it if the state directory disappears (deliver()). */
    if (ct->cg && oj_cgroup_pin(ct->cg, &err) < 0) {
        oj_wrap(&err, "shim");
        return abort_create(ct, &link, &report_fd, &err);
    }
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
    if (detach_stdio(so.out_fds, &err) < 0 ||
        (chdir("/") < 0 && oj_fail(&err, errno, "shim: chdir /") < 0)) {
        close_out_fds(so.out_fds);
        return abort_create(ct, &link, &report_fd, &err);
    }
    /* `start` and `delete` take the container lock themselves. */
    close(ct->lock_fd);
    ct->lock_fd = -1;
    report(&report_fd, true, NULL);

    struct oj_result res;
    oj_supervise(&so, &res); /* closes exec_fd and status_fd */
    link.exec_r = link.status_sup = link.go_sup = -1;

    int rc = deliver(o, ct, dirfd, oj_steal_fd(&result_lock), sock, &res);
    close_out_fds(so.out_fds);
    oj_container_free(ct);
    return rc;
}
