/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Running OCI hooks: fork + execve, state JSON on stdin, stderr captured,
 * optional timeout.  See hooks.h for the contract.
 *
 * Shape of one run:
 *
 *   parent                                   child
 *   pipe stdin / stderr / exec-report
 *   block SIGPIPE
 *   fork ------------------------------------>  setpgid(0, 0), reset signals
 *                                               dup2 pipes onto 0/1/2
 *   read exec-report (EOF = exec succeeded) <-  execve(path, argv, envp)
 *   pidfd_open(pid)                             (or: write errno, _exit 127)
 *   poll { pidfd, stdin pipe, stderr pipe } until exit or deadline
 *   (deadline: SIGKILL the process group)
 *   waitpid, drain stderr, restore SIGPIPE
 *
 * Waiting on a pidfd (pidfd_open(2), Linux 5.3) lets the loop sleep in one
 * poll(2) on the child's exit, its stdin and its stderr together, with no
 * SIGCHLD handler: ojrun and the container init install no global handlers.
 */
#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "util.h"

static const char *const kind_names[OJ_HOOK_KIND_COUNT] = {
    [OJ_HOOK_PRESTART] = "prestart",
    [OJ_HOOK_CREATE_RUNTIME] = "createRuntime",
    [OJ_HOOK_CREATE_CONTAINER] = "createContainer",
    [OJ_HOOK_START_CONTAINER] = "startContainer",
    [OJ_HOOK_POSTSTART] = "poststart",
    [OJ_HOOK_POSTSTOP] = "poststop",
};

const char *oj_hook_kind_name(enum oj_hook_kind kind)
{
    if ((unsigned)kind >= OJ_HOOK_KIND_COUNT)
        return "unknown";
    return kind_names[kind];
}

/* --- the child -------------------------------------------------------- */

/* What the child sends back over the exec-report pipe when it cannot exec.
 * The pipe is O_CLOEXEC, so a successful execve closes it: EOF = success. */
enum child_stage { STAGE_SETPGID = 1, STAGE_STDIO, STAGE_CHDIR, STAGE_EXEC };

struct exec_report {
    int stage;
    int err;
};

static const char *stage_name(int stage)
{
    switch (stage) {
    case STAGE_SETPGID:
        return "setpgid";
    case STAGE_STDIO:
        return "set up stdio";
    case STAGE_CHDIR:
        return "enter its working directory";
    default:
        return "exec";
    }
}

/* Runs between fork() and execve(): only async-signal-safe calls (ojrun may
 * one day be multi-threaded, and the init shares this code). */
static _Noreturn void hook_child(const char *path, char *const argv[], char *const envp[],
                                 const char *dir, int in_r, int err_w, int report_w)
{
    struct exec_report rep = {0, 0};

    /* Own process group, so that a timeout kills the hook *and* whatever it
     * started (a shell script's children), not only its first process. */
    if (setpgid(0, 0) < 0) {
        rep = (struct exec_report){STAGE_SETPGID, errno};
        goto fail;
    }

    /* A hook starts like a fresh program: ignored signals stay ignored across
     * execve(2) and the mask is inherited, and we are blocking SIGPIPE right
     * now.  Errors (SIGKILL, SIGSTOP, glibc-reserved signals) are expected. */
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    sigemptyset(&dfl.sa_mask);
    for (int sig = 1; sig < _NSIG; sig++)
        sigaction(sig, &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    /* stdout -> our stderr (or /dev/null if we have none), stderr -> pipe,
     * stdin <- pipe.  The pipe ends are >= 3 (see pipe_above_stdio), so these
     * dup2 calls cannot clobber one another. */
    if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
        int null = open("/dev/null", O_WRONLY);
        if (null < 0 || (null != STDOUT_FILENO && dup2(null, STDOUT_FILENO) < 0)) {
            rep = (struct exec_report){STAGE_STDIO, errno};
            goto fail;
        }
        if (null != STDOUT_FILENO)
            close(null);
    }
    if (dup2(err_w, STDERR_FILENO) < 0 || dup2(in_r, STDIN_FILENO) < 0) {
        rep = (struct exec_report){STAGE_STDIO, errno};
        goto fail;
    }
    /* Do not leak the runtime's other descriptors (e.g. the init's preserved
     * fds or sockets) into the hook.  Best effort: close_range needs 5.11. */
    close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);

    if (dir && chdir(dir) < 0) {
        rep = (struct exec_report){STAGE_CHDIR, errno};
        goto fail;
    }
    execve(path, argv, envp);
    rep = (struct exec_report){STAGE_EXEC, errno};
fail:;
    ssize_t w = write(report_w, &rep, sizeof(rep));
    (void)w;
    _exit(127);
}

/* --- the parent ------------------------------------------------------- */

/* Move an fd out of 0..2 (which are free only when our own stdio is closed),
 * so that the child's dup2 onto 0/1/2 never overwrites a pipe end. */
static int fd_above_stdio(int fd)
{
    if (fd > STDERR_FILENO)
        return fd;
    int n = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
    int saved = errno;
    close(fd);
    errno = saved;
    return n;
}

static int pipe_above_stdio(int fds[2], const char *what, struct oj_err *err)
{
    if (pipe2(fds, O_CLOEXEC) < 0)
        return oj_fail(err, errno, "create %s pipe", what);
    fds[0] = fd_above_stdio(fds[0]);
    fds[1] = fd_above_stdio(fds[1]);
    if (fds[0] < 0 || fds[1] < 0) {
        int e = errno;
        if (fds[0] >= 0)
            close(fds[0]);
        if (fds[1] >= 0)
            close(fds[1]);
        return oj_fail(err, e, "create %s pipe", what);
    }
    return 0;
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Kill the hook and everything in its process group.  The pid cannot have
 * been reused: it is our child and we have not reaped it yet. */
static void kill_hook(pid_t pid)
{
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL); /* in case the hook left its group (setsid/setpgid) */
}

struct hook_io {
    int in_w;         /* our end of the hook's stdin, non-blocking */
    const char *data; /* state JSON */
    size_t len, off;
    int err_r; /* our end of the hook's stderr, non-blocking */
    char captured[OJ_HOOK_STDERR_MAX + 1];
    size_t n_captured;
};

/* Feed the next chunk of the state to the hook.  EPIPE (the hook exited or
 * closed stdin without reading everything) is not an error: config.md does
 * not oblige a hook to read its state. */
static void feed_stdin(struct hook_io *io)
{
    size_t left = io->len - io->off;
    ssize_t w = write(io->in_w, io->data + io->off, left > 65536 ? 65536 : left);
    if (w > 0)
        io->off += (size_t)w;
    else if (w < 0 && errno != EAGAIN && errno != EINTR)
        close_fd(&io->in_w); /* EPIPE: stop feeding */
    if (io->in_w >= 0 && io->off == io->len)
        close_fd(&io->in_w); /* EOF for the hook */
}

/* Read what the hook wrote to stderr: forward all of it, keep the start. */
static void drain_stderr(struct hook_io *io)
{
    char buf[4096];
    while (io->err_r >= 0) {
        ssize_t r = read(io->err_r, buf, sizeof(buf));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && errno == EAGAIN)
            return;
        if (r <= 0) {
            close_fd(&io->err_r);
            return;
        }
        size_t room = OJ_HOOK_STDERR_MAX - io->n_captured;
        size_t take = (size_t)r < room ? (size_t)r : room;
        memcpy(io->captured + io->n_captured, buf, take);
        io->n_captured += take;
        /* our stderr may be closed or a full pipe; a hook's chatter must not
         * fail the hook, so errors are ignored */
        (void)oj_write_all(STDERR_FILENO, buf, (size_t)r);
    }
}

/* The first non-empty line of the captured stderr, trimmed, at most 300
 * bytes (the error message has room for the rest of the context). */
static void first_line(const struct hook_io *io, char *out, size_t out_len)
{
    const char *p = io->captured, *end = io->captured + io->n_captured;
    while (p < end && (*p == '\n' || *p == '\r' || *p == ' ' || *p == '\t'))
        p++;
    const char *eol = p;
    while (eol < end && *eol != '\n')
        eol++;
    while (eol > p && (eol[-1] == '\r' || eol[-1] == ' ' || eol[-1] == '\t'))
        eol--;
    size_t n = (size_t)(eol - p);
    if (n > 300)
        n = 300;
    if (n >= out_len)
        n = out_len - 1;
    memcpy(out, p, n);
    out[n] = '\0';
}

/*
 * Wait for the hook while feeding its stdin and reading its stderr.
 * `timeout_s` <= 0 means no timeout.  On return the hook has been reaped
 * and *status holds its wait status.
 */
static int supervise(pid_t pid, struct hook_io *io, int64_t timeout_s, int *status, bool *timed_out,
                     struct oj_err *err)
{
    *timed_out = false;
    /* pidfd_open always returns an O_CLOEXEC fd.  Without pidfds (kernels
     * before 5.3, or a container's seccomp profile that refuses the call:
     * startContainer hooks run under it) we fall back to checking
     * waitpid(WNOHANG) every 10 ms. */
    _cleanup_close_ int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0)
        oj_debug("hook pid %d: pidfd_open: %s; polling waitpid", (int)pid, strerror(errno));
    int64_t deadline = -1;
    if (timeout_s > 0)
        deadline = now_ms() + (timeout_s > INT32_MAX ? INT32_MAX : timeout_s) * 1000;
    bool reaped = false;

    for (;;) {
        if (pidfd < 0) {
            pid_t r = waitpid(pid, status, WNOHANG);
            if (r == pid) {
                reaped = true;
                break;
            }
        }
        int wait_ms = -1;
        if (deadline >= 0) {
            int64_t left = deadline - now_ms();
            if (left <= 0) {
                *timed_out = true;
                kill_hook(pid);
                break;
            }
            wait_ms = left > INT_MAX ? INT_MAX : (int)left;
        }
        if (pidfd < 0 && (wait_ms < 0 || wait_ms > 10))
            wait_ms = 10;

        struct pollfd pfd[3];
        nfds_t n = 0;
        int i_pid = -1, i_in = -1, i_err = -1;
        if (pidfd >= 0) {
            i_pid = (int)n;
            pfd[n++] = (struct pollfd){.fd = pidfd, .events = POLLIN};
        }
        if (io->in_w >= 0) {
            i_in = (int)n;
            pfd[n++] = (struct pollfd){.fd = io->in_w, .events = POLLOUT};
        }
        if (io->err_r >= 0) {
            i_err = (int)n;
            pfd[n++] = (struct pollfd){.fd = io->err_r, .events = POLLIN};
        }
        int pr = poll(pfd, n, wait_ms);
        if (pr < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            kill_hook(pid);
            while (waitpid(pid, status, 0) < 0 && errno == EINTR)
                ;
            return oj_fail(err, e, "poll");
        }
        if (i_in >= 0 && pfd[i_in].revents)
            feed_stdin(io);
        if (i_err >= 0 && pfd[i_err].revents)
            drain_stderr(io);
        if (i_pid >= 0 && (pfd[i_pid].revents & POLLIN))
            break; /* exited (pidfds become readable when the process exits) */
    }

    if (!reaped) {
        pid_t r;
        while ((r = waitpid(pid, status, 0)) < 0 && errno == EINTR)
            ;
        if (r < 0)
            return oj_fail(err, errno, "wait for pid %d", (int)pid);
    }
    /* Whatever the hook wrote before exiting is in the pipe now.  We do not
     * wait for EOF: a background process the hook started may keep the pipe
     * open forever. */
    drain_stderr(io);
    return 0;
}

/* Fork and exec the hook; the exec-report pipe turns exec failures (ENOENT,
 * EACCES, ENOEXEC...) into an error of ours instead of a mysterious 127. */
static int spawn(const char *path, char *const argv[], char *const envp[], const char *dir,
                 int in_r, int err_w, pid_t *pid_out, struct oj_err *err)
{
    int rep[2];
    if (pipe_above_stdio(rep, "exec-report", err) < 0)
        return -1;
    _cleanup_close_ int rep_r = rep[0];
    _cleanup_close_ int rep_w = rep[1];

    pid_t pid = fork();
    if (pid < 0)
        return oj_fail(err, errno, "fork");
    if (pid == 0)
        hook_child(path, argv, envp, dir, in_r, err_w, rep_w);

    /* Also set the group from here: whichever of parent and child runs first,
     * the group exists before we could need to kill it.  EACCES means the
     * child has already exec'd (and so already did it itself). */
    if (setpgid(pid, pid) < 0 && errno != EACCES)
        oj_debug("hook pid %d: setpgid: %s", (int)pid, strerror(errno));

    close_fd(&rep_w);
    struct exec_report r;
    ssize_t n;
    while ((n = read(rep_r, &r, sizeof(r))) < 0 && errno == EINTR)
        ;
    if (n != 0) {
        int e = n < 0 ? errno : (n == (ssize_t)sizeof(r) ? r.err : EIO);
        const char *what = n == (ssize_t)sizeof(r) ? stage_name(r.stage) : "read exec report";
        if (n < 0)
            kill_hook(pid);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
        if (n == (ssize_t)sizeof(r) && r.stage == STAGE_CHDIR)
            return oj_fail(err, e, "%s %s", what, dir);
        return oj_fail(err, e, "%s", what);
    }
    *pid_out = pid;
    return 0;
}

static int hook_run_in(const struct oj_hook *h, const char *state_json, const char *dir,
                       struct oj_err *err)
{
    if (!h || !h->path)
        return oj_fail(err, EINVAL, "hook has no path");
    /* config.md: "path (string, REQUIRED) with similar semantics to IEEE Std
     * 1003.1-2008 execv's path.  This specification extends the IEEE standard
     * in that path MUST be absolute." */
    if (h->path[0] != '/')
        return oj_fail(err, EINVAL, "path \"%s\" is not absolute", h->path);
    if (h->timeout.set && h->timeout.v <= 0)
        return oj_fail(err, EINVAL, "timeout %" PRId64 " is not greater than zero", h->timeout.v);

    char *default_argv[] = {h->path, NULL};
    char *empty_env[] = {NULL};
    char *const *argv = (h->args && h->n_args > 0 && h->args[0]) ? h->args : default_argv;
    char *const *envp = h->env ? h->env : empty_env;

    int in[2], errp[2];
    if (pipe_above_stdio(in, "stdin", err) < 0)
        return -1;
    _cleanup_close_ int in_r = in[0];
    _cleanup_close_ int in_w = in[1];
    if (pipe_above_stdio(errp, "stderr", err) < 0)
        return -1;
    _cleanup_close_ int err_r = errp[0];
    _cleanup_close_ int err_w = errp[1];
    /* Only our ends are non-blocking: the hook's stdin stays blocking. */
    if (fcntl(in_w, F_SETFL, O_NONBLOCK) < 0 || fcntl(err_r, F_SETFL, O_NONBLOCK) < 0)
        return oj_fail(err, errno, "set pipes non-blocking");

    /* A hook that exits without reading its stdin makes our write() fail
     * with EPIPE *and* raise SIGPIPE, whose default action would kill ojrun.
     * Block it for the duration (no handler: this also runs in the init), and
     * consume one raised by us before unblocking. */
    sigset_t pipe_set, old_mask, pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    if ((errno = pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask)) != 0)
        return oj_fail(err, errno, "block SIGPIPE");
    bool pipe_was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE);

    int ret = -1;
    pid_t pid = -1;
    if (spawn(h->path, argv, envp, dir, in_r, err_w, &pid, err) < 0)
        goto out;
    oj_debug("hook %s: started as pid %d", h->path, (int)pid);
    close_fd(&in_r);
    close_fd(&err_w); /* so that EOF on err_r means the hook side closed it */

    struct hook_io io = {
        .in_w = oj_steal_fd(&in_w),
        .data = state_json ? state_json : "",
        .len = state_json ? strlen(state_json) : 0,
        .err_r = oj_steal_fd(&err_r),
    };
    if (io.len == 0)
        close_fd(&io.in_w);

    int status = 0;
    bool timed_out;
    int64_t timeout_s = h->timeout.set ? h->timeout.v : 0;
    int sr = supervise(pid, &io, timeout_s, &status, &timed_out, err);
    close_fd(&io.in_w);
    close_fd(&io.err_r);
    if (sr < 0)
        goto out;

    char line[OJ_HOOK_STDERR_MAX];
    first_line(&io, line, sizeof(line));
    const char *sep = line[0] ? ": " : "";
    if (timed_out)
        oj_fail(err, 0, "timed out after %" PRId64 " s%s%s", timeout_s, sep, line);
    else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        oj_fail(err, 0, "exited with status %d%s%s", WEXITSTATUS(status), sep, line);
    else if (WIFSIGNALED(status))
        oj_fail(err, 0, "killed by signal %d (%s)%s%s", WTERMSIG(status),
                strsignal(WTERMSIG(status)), sep, line);
    else
        ret = 0;

out:
    if (!pipe_was_pending) {
        struct timespec zero = {0, 0};
        while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
            ;
    }
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    return ret;
}

int oj_hook_run(const struct oj_hook *h, const char *state_json, struct oj_err *err)
{
    return hook_run_in(h, state_json, NULL, err);
}

int oj_hooks_run(const struct oj_hooks *hooks, enum oj_hook_kind kind, const char *state_json,
                 const char *dir, struct oj_err *err)
{
    if ((unsigned)kind >= OJ_HOOK_KIND_COUNT)
        return oj_fail(err, EINVAL, "unknown hook kind %d", (int)kind);
    if (!hooks)
        return 0;
    const char *name = oj_hook_kind_name(kind);
    /* runtime.md "Lifecycle": a failing poststart or poststop hook is a
     * warning, and "the remaining hooks and lifecycle continue as if the
     * hook had succeeded"; any other failing hook is an error. */
    bool warn_only = kind == OJ_HOOK_POSTSTART || kind == OJ_HOOK_POSTSTOP;

    for (size_t i = 0; i < hooks->n[kind]; i++) {
        const struct oj_hook *h = &hooks->list[kind][i];
        const char *path = h->path ? h->path : "(no path)";
        oj_debug("running %s hook #%zu (%s)", name, i, path);
        struct oj_err herr;
        oj_err_clear(&herr);
        if (hook_run_in(h, state_json, dir, &herr) == 0)
            continue;
        if (warn_only) {
            oj_warn("%s hook #%zu (%s): %s (ignored: %s failures are warnings)", name, i, path,
                    herr.msg, name);
            continue;
        }
        if (err)
            *err = herr;
        return oj_wrap(err, "%s hook #%zu (%s)", name, i, path);
    }
    return 0;
}
