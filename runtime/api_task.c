/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Judged tasks through the public API (libojrun.h, section 6).
 *
 * One task is one supervisor: the same create + oj_supervise() as
 * ojrun-shim and `ojrun run --result` (shim/supervise.h).  To let one
 * process drive many tasks from one event loop, ojrun_task_spawn() forks a
 * supervisor child per task -- the shim is a fork of ojrun for the same
 * reason: no exec, no second start-up -- and the child sends its outcome
 * back as one message on a pipe:
 *
 *   caller (event loop)                 supervisor child            container init
 *   pipe2(O_CLOEXEC), fork  ---------->  stdio <- the task's fds,
 *   poll(task fd) ...                    close the caller's fds,
 *                                        create ----------------->  (setup)
 *                                        start, oj_supervise()  -> program
 *                                        delete --force
 *   readable: collect() <-- one write --  {ok, error, result}; _exit
 *   read, waitpid(pid)
 *
 * The message is smaller than PIPE_BUF, so it arrives whole or not at all;
 * EOF without it means the child died (then the result is SE and the
 * container is deleted by collect).  ojrun_task_run() runs the same core in
 * the calling process.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api_internal.h"
#include "cleanup.h"
#include "container.h"
#include "log.h"
#include "signals.h"
#include "state.h"
#include "supervise.h"
#include "util.h"

struct ojrun_task {
    ojrun_context *ctx;
    char *id;
    pid_t pid; /* the supervisor child */
    int fd;    /* read end of its result pipe (O_NONBLOCK) */
    bool collected;
};

/* What the supervisor child sends. */
struct task_msg {
    int32_t ok; /* 1: `res` is the task's result; 0: `err` says why there is none */
    struct oj_err err;
    struct oj_result res;
};
_Static_assert(sizeof(struct task_msg) <= PIPE_BUF, "one atomic write");

/* Create, start, supervise and delete the task in this process, with the
 * supervisor's signals blocked.  -1 only when there is no result: the
 * container could not be created or started. */
static int task_core_blocked(ojrun_context *ctx, struct oj_create_opts *o, bool forward,
                             const char *what, struct oj_result *res, struct oj_err *err)
{
    struct oj_task_link link;
    if (oj_task_link_open(&link, 3 + (int)o->preserve_fds, err) < 0)
        return -1;
    o->task = &link;
    struct oj_container *c = NULL;
    if (oj_container_create(&ctx->ctx, o, &c, err) < 0) {
        oj_task_link_close(&link);
        return -1;
    }
    oj_task_link_close_init_side(&link);
    close(c->lock_fd); /* start takes the container lock itself */
    c->lock_fd = -1;
    const char *sock = o->result_socket;
    struct oj_err serr = {0};
    if (!sock && oj_result_socket_from_config(c->cfg, &sock, &serr) < 0)
        sock = NULL; /* checked by create */
    if (oj_container_start(&ctx->ctx, o->id, err) < 0) {
        struct oj_err derr = {0};
        oj_task_link_close(&link);
        oj_container_delete(&ctx->ctx, o->id, true, &derr);
        oj_container_free(c);
        return -1;
    }
    struct oj_supervise_opts so = {
        .id = o->id,
        .init_pid = c->pid,
        .cg = c->cg,
        .limits = c->limits,
        .exec_fd = link.exec_r,
        .status_fd = link.status_sup,
        .go_fd = link.go_sup,
        .out_fds = {STDOUT_FILENO, STDERR_FILENO},
        .forward_signals = forward,
    };
    oj_supervise(&so, res); /* closes exec_fd and status_fd */
    link.exec_r = link.status_sup = link.go_sup = -1;
    if (sock) {
        struct strbuf json = {0};
        oj_result_json(o->id, res, &json);
        if (oj_result_send(sock, sb_str(&json), &serr) < 0)
            oj_warn("%s %s: %s", what, o->id, serr.msg);
        sb_free(&json);
    }
    oj_container_free(c);
    struct oj_err derr = {0};
    if (oj_container_delete(&ctx->ctx, o->id, true, &derr) < 0)
        oj_warn("%s %s: %s", what, o->id, derr.msg);
    return 0;
}

static int task_core(ojrun_context *ctx, const ojrun_task_spec *spec, bool forward,
                     const char *what, struct oj_result *res, struct oj_err *err)
{
    struct oj_create_opts o = {0};
    oj_api_create_opts_fill(&o, spec->id, spec->bundle, spec->config, spec->create);
    if (o.shim)
        return oj_fail(err, EINVAL,
                       "a task's supervisor is the library: create.shim is not for tasks");
    oj_api_limits_to(&o.limits_override, &spec->limits);
    o.cpus = spec->cpus;
    o.cgroups_path = spec->cgroup_path;
    /* Before the init exists, so that no SIGCHLD is missed. */
    sigset_t set, old;
    oj_supervise_sigset(&set);
    if (sigprocmask(SIG_BLOCK, &set, &old) < 0)
        return oj_fail(err, errno, "block the supervisor's signals (sigprocmask)");
    int rc = task_core_blocked(ctx, &o, forward, what, res, err);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return rc;
}

OJRUN_API int ojrun_task_run(ojrun_context *ctx, const ojrun_task_spec *spec, ojrun_result *r,
                             ojrun_error *err)
{
    struct oj_err e = {0};
    const int fds[3] = {spec->stdin_fd, spec->stdout_fd, spec->stderr_fd};
    for (int i = 0; i < 3; i++)
        if (fds[i] != -1 && fds[i] != i) {
            oj_fail(&e, EINVAL, "ojrun_task_run: the task's stdio is the caller's fds 0, 1, 2");
            oj_api_error_from(err, &e);
            return -1;
        }
    struct oj_result res;
    if (task_core(ctx, spec, true, "run", &res, &e) < 0) {
        oj_api_error_from(err, &e);
        return -1;
    }
    oj_api_result_from(r, &res);
    return 0;
}

/* ---- the supervisor child ------------------------------------------------------ */

/* Move `fd` to a number >= min (CLOEXEC), closing the old one. */
static int move_up(int fd, int min, struct oj_err *err)
{
    if (fd >= min)
        return fd;
    int n = fcntl(fd, F_DUPFD_CLOEXEC, min);
    if (n < 0)
        return oj_fail(err, errno, "task: move fd %d", fd);
    close(fd);
    return n;
}

static int cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

/* The task's stdio on 0..2, every other fd of the caller closed but `*wfd`
 * and the log's. */
static int child_fds(const ojrun_task_spec *spec, int *wfd, struct oj_err *err)
{
    if ((*wfd = move_up(*wfd, 3, err)) < 0)
        return -1;
    int logfd = oj_log_fd();
    if (logfd >= 0 && logfd < 3)
        oj_log_set_fd(-1, false); /* it is about to become the task's stdio */
    const int given[3] = {spec->stdin_fd, spec->stdout_fd, spec->stderr_fd};
    int tmp[3];
    for (int i = 0; i < 3; i++) {
        if (given[i] < 0) {
            int null = open("/dev/null", i == 0 ? O_RDONLY | O_CLOEXEC : O_WRONLY | O_CLOEXEC);
            if (null < 0)
                return oj_fail(err, errno, "task: open /dev/null");
            tmp[i] = move_up(null, 3, err);
        } else {
            tmp[i] = fcntl(given[i], F_DUPFD_CLOEXEC, 3);
            if (tmp[i] < 0)
                oj_fail(err, errno, "task: fd %d for the task's %s", given[i],
                        i == 0   ? "stdin"
                        : i == 1 ? "stdout"
                                 : "stderr");
        }
        if (tmp[i] < 0)
            return -1;
    }
    for (int i = 0; i < 3; i++)
        if (dup2(tmp[i], i) < 0)
            return oj_fail(err, errno, "task: dup2 to fd %d", i);
    /* Close everything else: the caller's other tasks' pipes must not be
     * held open by this one (libojrun.h, "File descriptors"). */
    int keep[5] = {0, 1, 2, *wfd, oj_log_fd()};
    size_t n = keep[4] >= 0 ? 5 : 4;
    qsort(keep, n, sizeof(keep[0]), cmp_int);
    for (size_t i = 0; i < n; i++) {
        unsigned lo = (unsigned)keep[i] + 1;
        unsigned hi = i + 1 < n ? (unsigned)keep[i + 1] - 1 : ~0U;
        if (lo <= hi && syscall(SYS_close_range, lo, hi, 0) < 0)
            return oj_fail(err, errno, "task: close_range %u..%u", lo, hi);
    }
    return 0;
}

static _Noreturn void child_main(ojrun_context *ctx, const ojrun_task_spec *spec, int wfd,
                                 pid_t parent)
{
    struct task_msg m = {0};
    /* The caller's sink may use what the child no longer has. */
    oj_log_set_sink(NULL, NULL);
    /* If the caller dies, end the task as a cancel would. */
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0)
        oj_fail(&m.err, errno, "task: prctl(PR_SET_PDEATHSIG)");
    else if (getppid() != parent)
        _exit(1);
    else if (child_fds(spec, &wfd, &m.err) == 0) {
        /* Every disposition default, as for a fresh `ojrun`: the caller's
         * handlers are not ours, a SIGCHLD set to SIG_IGN would make the
         * kernel reap the init behind oj_supervise(), and an ignored
         * SIGTERM would lose a cancel sent before it is blocked. */
        for (int sig = 1; sig < NSIG; sig++) {
            struct sigaction sa;
            if (sig == SIGKILL || sig == SIGSTOP || sigaction(sig, NULL, &sa) < 0)
                continue;
            if (sa.sa_handler != SIG_DFL)
                signal(sig, SIG_DFL);
        }
        if (task_core(ctx, spec, false, "task", &m.res, &m.err) == 0)
            m.ok = 1;
    }
    if (oj_write_all(wfd, &m, sizeof(m)) < 0)
        _exit(2);
    _exit(0);
}

OJRUN_API ojrun_task *ojrun_task_spawn(ojrun_context *ctx, const ojrun_task_spec *spec,
                                       ojrun_error *err)
{
    struct oj_err e = {0};
    if (!spec->id || (spec->create && (spec->create->shim || spec->create->preserve_fds))) {
        oj_fail(&e, EINVAL, "task: %s",
                !spec->id ? "no container id"
                          : "create.shim and create.preserve_fds are "
                            "not for a spawned task");
        oj_api_error_from(err, &e);
        return NULL;
    }
    ojrun_task *t = calloc(1, sizeof(*t));
    if (!t || !(t->id = strdup(spec->id))) {
        free(t);
        oj_fail(&e, ENOMEM, "task %s", spec->id);
        oj_api_error_from(err, &e);
        return NULL;
    }
    t->ctx = ctx;
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        oj_fail(&e, errno, "task %s: pipe", spec->id);
        goto fail;
    }
    if (fcntl(p[0], F_SETFL, O_NONBLOCK) < 0) {
        oj_fail(&e, errno, "task %s: make the result pipe non-blocking", spec->id);
        goto fail_pipe;
    }
    pid_t parent = getpid();
    t->pid = fork();
    if (t->pid < 0) {
        oj_fail(&e, errno, "task %s: fork the supervisor", spec->id);
        goto fail_pipe;
    }
    if (t->pid == 0) {
        close(p[0]);
        child_main(ctx, spec, p[1], parent);
    }
    close(p[1]);
    t->fd = p[0];
    oj_debug("task %s: supervisor PID %d", t->id, (int)t->pid);
    return t;

fail_pipe:
    close(p[0]);
    close(p[1]);
fail:
    oj_api_error_from(err, &e);
    free(t->id);
    free(t);
    return NULL;
}

OJRUN_API int ojrun_task_fd(const ojrun_task *t)
{
    return t->fd;
}

OJRUN_API pid_t ojrun_task_pid(const ojrun_task *t)
{
    return t->pid;
}

/* The supervisor child's wait status, or -1 when someone else reaped it. */
static int reap(ojrun_task *t)
{
    int st;
    pid_t w;
    while ((w = waitpid(t->pid, &st, 0)) < 0 && errno == EINTR)
        ;
    t->collected = true;
    return w == t->pid ? st : -1;
}

OJRUN_API int ojrun_task_collect(ojrun_task *t, ojrun_result *r, ojrun_error *err)
{
    struct oj_err e = {0};
    struct task_msg m;
    ssize_t n;
    if (t->collected) {
        oj_fail(&e, EINVAL, "task %s: already collected", t->id);
        goto fail;
    }
    while ((n = read(t->fd, &m, sizeof(m))) < 0 && errno == EINTR)
        ;
    if (n < 0) {
        oj_fail(&e, errno, errno == EAGAIN ? "task %s: not finished" : "task %s: read the result",
                t->id);
        goto fail;
    }
    int st = reap(t);
    if (n == (ssize_t)sizeof(m)) {
        if (!m.ok) {
            e = m.err;
            goto fail;
        }
        oj_api_result_from(r, &m.res);
        return 0;
    }
    /* The supervisor died without a result: a sandbox failure.  Its init
     * died with it (PR_SET_PDEATHSIG); what it left is deleted here. */
    struct oj_err derr = {0};
    if (oj_container_delete(&t->ctx->ctx, t->id, true, &derr) < 0 && derr.code != ENOENT)
        oj_warn("task %s: %s", t->id, derr.msg);
    *r = (ojrun_result){.verdict = OJRUN_SE};
    if (st >= 0 && WIFSIGNALED(st))
        snprintf(r->error, sizeof(r->error), "the task's supervisor was killed by %s",
                 oj_signal_name(WTERMSIG(st)) ? oj_signal_name(WTERMSIG(st)) : "a signal");
    else
        snprintf(r->error, sizeof(r->error),
                 "the task's supervisor exited (status %d) without a "
                 "result",
                 st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return 0;

fail:
    oj_api_error_from(err, &e);
    return -1;
}

OJRUN_API int ojrun_task_cancel(ojrun_task *t, ojrun_error *err)
{
    struct oj_err e = {0};
    if (t->collected)
        oj_fail(&e, EINVAL, "task %s: already collected", t->id);
    else if (kill(t->pid, SIGTERM) < 0)
        oj_fail(&e, errno, "task %s: signal the supervisor (PID %d)", t->id, (int)t->pid);
    else
        return 0;
    oj_api_error_from(err, &e);
    return -1;
}

OJRUN_API void ojrun_task_free(ojrun_task *t)
{
    if (!t)
        return;
    if (!t->collected) {
        kill(t->pid, SIGTERM);
        struct pollfd pfd = {.fd = t->fd, .events = POLLIN};
        while (poll(&pfd, 1, -1) < 0 && errno == EINTR)
            ;
        ojrun_result r;
        ojrun_task_collect(t, &r, NULL);
    }
    close(t->fd);
    free(t->id);
    free(t);
}
