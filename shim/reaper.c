/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container init as a tiny PID-1 reaper for a supervised task.
 *
 * Why the judged program must not be PID 1: the first process of a PID
 * namespace is protected like the system's init.  The kernel drops every
 * signal whose disposition is SIG_DFL unless it is "forced" -- a check in
 * kernel/signal.c (sig_task_ignored() on SIGNAL_UNKILLABLE) that
 * pid_namespaces(7) describes as "only signals for which the init process has
 * established a signal handler can be sent to the init process by other
 * members of the PID namespace".  So as PID 1 a program writing past
 * RLIMIT_FSIZE does not die of SIGXFSZ (write() just fails with EFBIG), the
 * soft RLIMIT_CPU's SIGXCPU does nothing, and `kill(getpid(), SIGSEGV)` or
 * abort()'s re-raise leave the process running -- the verdicts OLE, TLE and
 * SG would all be wrong.  (A real fault, e.g. a bad pointer, is forced and
 * kills PID 1 too; signals from outside the namespace are delivered too.)
 *
 * So under supervision the init forks the program and stays behind as PID 1,
 * like tini or `docker run --init`:
 *   - it forwards every signal it receives (`ojrun kill`) to the program;
 *   - it reaps orphans;
 *   - when the program exits it kills what is left in the namespace, reaps
 *     it, sends the program's raw wait status to the supervisor (its own exit
 *     status could not say "killed by SIGSEGV") and exits when the
 *     supervisor has read the final counters and closed the socket.
 * It holds no capabilities (CAP_KILL at most) and is not dumpable, so the
 * program cannot ptrace it; it never runs under the seccomp filter, which
 * is loaded in the child right before execve.
 *
 * The cost, measured on the reference host (specs/shim-protocol.md): one
 * fork() of the init before the exec, charged to the sandbox, not to the
 * program (the supervisor's baseline is taken at the exec).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "supervise.h"

static int move_fd_above(int *fd, int min_fd, struct oj_err *err)
{
    if (*fd >= min_fd)
        return 0;
    int n = fcntl(*fd, F_DUPFD_CLOEXEC, min_fd);
    if (n < 0)
        return oj_fail(err, errno, "fcntl(F_DUPFD_CLOEXEC)");
    close(*fd);
    *fd = n;
    return 0;
}

int oj_task_link_open(struct oj_task_link *l, int min_fd, struct oj_err *err)
{
    int p[2], s[2], g[2];
    l->exec_r = l->exec_w = l->status_sup = l->status_init = l->go_sup = l->go_init = -1;
    if (pipe2(p, O_CLOEXEC) < 0)
        return oj_fail(err, errno, "pipe");
    l->exec_r = p[0];
    l->exec_w = p[1];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, s) < 0 ||
        (l->status_sup = s[0], l->status_init = s[1],
         socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, g) < 0)) {
        oj_fail(err, errno, "socketpair");
        oj_task_link_close(l);
        return -1;
    }
    l->go_sup = g[0];
    l->go_init = g[1];
    /* Above the --preserve-fds range, which the init hands to the program. */
    int *fds[] = {&l->exec_r, &l->exec_w, &l->status_sup, &l->status_init, &l->go_sup, &l->go_init};
    for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
        if (move_fd_above(fds[i], min_fd, err) < 0) {
            oj_task_link_close(l);
            return -1;
        }
    }
    return 0;
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

void oj_task_link_close_init_side(struct oj_task_link *l)
{
    close_fd(&l->exec_w);
    close_fd(&l->status_init);
    close_fd(&l->go_init);
}

void oj_task_link_close(struct oj_task_link *l)
{
    close_fd(&l->exec_r);
    close_fd(&l->status_sup);
    close_fd(&l->go_sup);
    oj_task_link_close_init_side(l);
}

void oj_task_report_error(const struct oj_task_link *l, const char *msg)
{
    if (l && l->exec_w >= 0 && msg && *msg) {
        ssize_t n = write(l->exec_w, msg, strnlen(msg, OJ_ERR_MSG_MAX - 1));
        (void)n; /* nobody left to tell if this fails */
    }
}

/* Keep at most CAP_KILL (to signal processes of other users in the
 * namespace); everything else, CAP_SYS_ADMIN kept for the seccomp load
 * included, goes.  capset(2) with the v3 ABI: two 32-bit words per set. */
static void drop_caps(void)
{
    struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &hdr, d) < 0)
        return;
    unsigned keep = d[0].permitted & (1u << CAP_KILL);
    memset(d, 0, sizeof(d));
    d[0].effective = d[0].permitted = keep;
    syscall(SYS_capset, &hdr, d);
    /* not dumpable: a program of the same uid cannot ptrace us or read our
     * memory through /proc (ptrace(2), "Ptrace access mode checking") */
    prctl(PR_SET_DUMPABLE, 0);
}

static void close_all_but(int a, int b)
{
    int lo = a < b ? a : b, hi = a < b ? b : a;
    if (lo > 0)
        syscall(SYS_close_range, 0, lo - 1, 0);
    if (hi - lo > 1)
        syscall(SYS_close_range, lo + 1, hi - 1, 0);
    syscall(SYS_close_range, hi + 1, ~0U, 0);
}

static int send_msg(int fd, const struct oj_task_msg *m)
{
    ssize_t n;
    do
        n = send(fd, m, sizeof(*m), MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n == (ssize_t)sizeof(*m) ? 0 : -1;
}

/* Kill everything else in our PID namespace and reap it.  As PID 1,
 * kill(-1) reaches every other process of the namespace (kill(2)). */
static void kill_rest(void)
{
    /* Only as PID 1 of our own namespace: without a new PID namespace
     * kill(-1) would reach every process of the host we may signal.  The
     * supervisor kills the cgroup then. */
    if (getpid() == 1)
        kill(-1, SIGKILL);
    for (;;) {
        pid_t w = wait(NULL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            break; /* ECHILD: nothing left */
    }
}

_Noreturn static void reaper_loop(int sfd, int status_fd, pid_t prog)
{
    struct oj_task_msg m = {.type = OJ_TASK_EXITED, .pid = prog};
    struct pollfd pfd[2] = {{.fd = sfd, .events = POLLIN}, {.fd = status_fd, .events = POLLIN}};
    for (;;) {
        if (poll(pfd, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (pfd[1].revents) /* the supervisor is gone (it never writes to us) */
            break;
        struct signalfd_siginfo si;
        if (read(sfd, &si, sizeof(si)) != sizeof(si))
            continue;
        if (si.ssi_signo != SIGCHLD) {
            kill(prog, (int)si.ssi_signo);
            continue;
        }
        bool done = false;
        for (;;) {
            int st;
            struct rusage ru;
            pid_t w = wait4(-1, &st, WNOHANG, &ru);
            if (w <= 0)
                break;
            if (w == prog) {
                m.status = st;
                m.ru = ru;
                done = true;
            }
        }
        if (!done)
            continue;
        kill_rest();
        if (send_msg(status_fd, &m) < 0)
            _exit(1);
        /* Stay until the supervisor has read the final counters: our exit
         * (and the namespace's teardown) must not be charged to the program. */
        pfd[0].events = 0;
        while (poll(&pfd[1], 1, -1) < 0 && errno == EINTR)
            ;
        _exit(0);
    }
    kill_rest();
    _exit(1);
}

/* The program child: READY, then block until GO.  Meanwhile the
 * supervisor takes its baseline with nothing running in the cgroup.  The
 * filter is not loaded yet, so these syscalls cannot be refused by it. */
static int wait_go(struct oj_task_link *l, struct oj_err *err)
{
    struct oj_task_msg m = {.type = OJ_TASK_READY, .pid = getpid()};
    if (send_msg(l->go_init, &m) < 0)
        return oj_fail(err, errno, "report READY to the supervisor");
    ssize_t n;
    do
        n = recv(l->go_init, &m, sizeof(m), 0);
    while (n < 0 && errno == EINTR);
    if (n != (ssize_t)sizeof(m) || m.type != OJ_TASK_GO)
        return oj_fail(err, n < 0 ? errno : 0, "wait for GO: the supervisor is gone");
    close_fd(&l->go_init);
    return 0;
}

int oj_reaper_fork(struct oj_task_link *l, struct oj_err *err)
{
    sigset_t all, old;
    sigfillset(&all);
    /* Blocked before the fork so that no SIGCHLD is lost; a blocked signal
     * is queued even for PID 1 (sig_ignored() looks at the mask first), so
     * the signalfd sees what `ojrun kill` sends. */
    if (sigprocmask(SIG_SETMASK, &all, &old) < 0)
        return oj_fail(err, errno, "sigprocmask");
    int sfd = signalfd(-1, &all, SFD_CLOEXEC);
    if (sfd < 0) {
        oj_fail(err, errno, "signalfd");
        sigprocmask(SIG_SETMASK, &old, NULL);
        return -1;
    }
    oj_debug("reaper: fork the program");
    pid_t pid = fork();
    if (pid < 0) {
        oj_fail(err, errno, "fork the program");
        close(sfd);
        sigprocmask(SIG_SETMASK, &old, NULL);
        return -1;
    }
    if (pid == 0) {
        close(sfd);
        close_fd(&l->status_init);
        /* The program starts clean: every disposition default (an ignored
         * SIGPIPE or SIGXFSZ inherited from whoever ran ojrun would survive
         * execve and change the verdict), an empty mask (the init unblocks
         * right before execve). */
        for (int s = 1; s < NSIG; s++)
            if (s != SIGKILL && s != SIGSTOP)
                signal(s, SIG_DFL);
        return wait_go(l, err);
    }

    oj_debug("reaper: program forked, PID %d in the container", (int)pid);
    close_fd(&l->exec_w);
    close_fd(&l->go_init);
    drop_caps();
    /* Keep nothing but the signalfd and the status socket: stdio copies
     * held here would keep a pipe reader waiting for EOF. */
    close_all_but(sfd, l->status_init);
    reaper_loop(sfd, l->status_init, pid);
}
