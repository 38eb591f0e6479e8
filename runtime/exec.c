/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ojrun exec`: start one more process inside a running container.  See
 * exec.h for the process tree and specs/internals.md ("exec") for the walk
 * through, with how runc and crun do the same.
 *
 * P (ojrun exec)                 S1 (fork)                  F (clone of S1, CLONE_PARENT)
 * --------------                 ---------                  -----------------------------
 * load state + config, build
 * the process, compile seccomp,
 * open /proc/<init>/ns/..,
 * connect the console socket
 * fork ------------------------> not dumpable; setns user,
 *                                ipc, uts, net, pid, cgroup,
 *                                time, mnt; become root of
 *                                the user namespace
 *                                clone(CLONE_PARENT) ---->  (waits for GO)
 *          <-------------------- PID; exit
 * write PID to cgroup.procs,
 * oom_score_adj
 * GO ------------------------------------------------------> pty, fds, rlimits, keyring,
 *                                                            bounding set, user, caps,
 *                                                            cwd, find args[0], nnp,
 *                                                            seccomp, execve
 *          <------------------------------------------------ EOF (the CLOEXEC socket closed
 *                                                            by execve) or ERROR
 * pid file; return
 *
 * Why the steps sit where they do:
 *  - The namespace files are opened by P through a /proc/<pid> directory fd
 *    and the init's start time is checked afterwards, so a recycled PID can
 *    not make us join a stranger's namespaces.
 *  - The mount namespace is joined last: after it, paths (/proc/...) resolve
 *    in the container.  setns(CLONE_NEWNS) also moves the root and cwd to
 *    the namespace's root (the container's rootfs after pivot_root; after
 *    --no-pivot's MS_MOVE the kernel follows the mount stacked on /).
 *  - The cgroup is joined before F runs anything of the user's, by P from
 *    the host (F could not see the host's cgroupfs any more).
 *  - S1 marks itself non-dumpable before joining: F inherits it until
 *    execve, so processes of the container cannot ptrace F or open its
 *    /proc/<pid>/fd while it still holds the runtime's file descriptors
 *    (the concern of runc's CVE-2016-9962).
 *  - Seccomp is loaded last, as in the init, with the CAP_SYS_ADMIN
 *    allowance of execprep.h when no_new_privs is off.
 */
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "cgroup.h"
#include "cleanup.h"
#include "console.h"
#include "container.h"
#include "execprep.h"
#include "lifecycle.h"
#include "log.h"
#include "oj_seccomp.h"
#include "procattr.h"
#include "state.h"
#include "util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif

/* The order of the joins: the user namespace first, because it grants the
 * capabilities needed to join the others it owns (setns(2)); the mount
 * namespace last, because it changes what every path resolves to. */
static const enum oj_ns_type join_order[] = {OJ_NS_USER, OJ_NS_IPC,    OJ_NS_UTS,  OJ_NS_NETWORK,
                                             OJ_NS_PID,  OJ_NS_CGROUP, OJ_NS_TIME, OJ_NS_MOUNT};
#define N_JOIN OJ_ARRAY_SIZE(join_order)

struct exec_ctx {
    const struct oj_exec_opts *o;
    struct oj_state *st;
    struct oj_config *cfg;
    struct oj_process *p;
    struct oj_cgroup *cg;
    struct oj_bpf *seccomp; /* compiled linux.seccomp, NULL without */
    int agent_fd;           /* linux.seccomp.listenerPath (NOTIFY), or -1 */
    int console_fd;         /* connected --console-socket (or F's end of console_recv), or -1 */
    int console_recv;       /* P: its end of the console socketpair (console_master), or -1 */
    int ns_fd[N_JOIN];      /* -1: that namespace is already ours */
    int root_fd;            /* the init's root dir when its mount namespace is ours, or -1 */
    int sync_fd;            /* P: its end of the socketpair; S1 and F: the other end */
    bool *preserved;        /* which of fds 3..3+preserve_fds-1 were open when we started */
    pid_t pid;              /* F's host PID */
};

static void ctx_free(struct exec_ctx *c)
{
    for (size_t i = 0; i < N_JOIN; i++)
        if (c->ns_fd[i] >= 0)
            close(c->ns_fd[i]);
    if (c->sync_fd >= 0)
        close(c->sync_fd);
    if (c->root_fd >= 0)
        close(c->root_fd);
    if (c->console_fd >= 0)
        close(c->console_fd);
    if (c->console_recv >= 0)
        close(c->console_recv);
    if (c->agent_fd >= 0)
        close(c->agent_fd);
    if (c->seccomp) {
        oj_bpf_free(c->seccomp);
        free(c->seccomp);
    }
    if (c->cg)
        oj_cgroup_free(c->cg);
    oj_process_free(c->p);
    oj_config_free(c->cfg);
    oj_state_free(c->st);
    free(c->preserved);
}

/* clone(2) without a new stack: like fork(), the child continues here with
 * a copy of our memory.  Safe because ojrun is single-threaded. */
static pid_t clone_fork(unsigned long flags)
{
    return (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0UL);
}

/* --- F: the process to be ---------------------------------------------------- */

_Noreturn static void child_fail(struct exec_ctx *c, const struct oj_err *e)
{
    oj_debug("exec: process setup failed: %s", e->msg);
    oj_sync_send(c->sync_fd, OJ_SYNC_ERROR, e->code, e->msg);
    _exit(1);
}

/* process.terminal: a pty from the container's devpts (our /dev/ptmx is the
 * container's now), the master to the console socket, the slave our
 * controlling terminal and stdio.  F is not a process-group leader (a fresh
 * clone), so setsid() in oj_console_make_controlling() works. */
static int setup_terminal(struct exec_ctx *c, struct oj_err *err)
{
    int master = -1, slave = -1;
    if (oj_console_open(&master, &slave, err) < 0)
        return -1;
    int r = oj_send_fd(c->console_fd, master, OJ_CONSOLE_PTMX, err);
    close(master);
    if (r < 0) {
        close(slave);
        return c->o->console_socket ? oj_wrap(err, "--console-socket %s", c->o->console_socket)
                                    : oj_wrap(err, "send the console to ojrun exec");
    }
    r = oj_console_make_controlling(slave, c->p, err);
    if (slave > 2)
        close(slave);
    return r;
}

/* Everything but stdio and the --preserve-fds range is close-on-exec. */
static int setup_fds(struct exec_ctx *c, struct oj_err *err)
{
    unsigned n = c->o->preserve_fds;
    if (syscall(SYS_close_range, 3 + n, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
        return oj_fail(err, errno, "close_range");
    for (unsigned i = 0; i < n; i++) {
        int fd = 3 + (int)i;
        /* Only what the caller passed: an fd we opened ourselves in a hole
         * of the range (the log, our sockets) stays close-on-exec. */
        if (!c->preserved[i] || fd == c->sync_fd || fd == c->agent_fd || fd == oj_log_fd())
            continue;
        int fl = fcntl(fd, F_GETFD);
        if (fl < 0 || fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC) < 0)
            return oj_fail(err, errno, "--preserve-fds: pass fd %d", fd);
    }
    return 0;
}

static int send_listener(struct exec_ctx *c, int listener, struct oj_err *err)
{
    struct strbuf sb = {0};
    int r = oj_state_json(c->st, OJ_STATUS_RUNNING, false, &sb, err);
    if (r == 0)
        r = oj_seccomp_send_listener_sock(c->agent_fd, c->cfg->linux_.seccomp.listener_path,
                                          listener, c->pid, sb_str(&sb),
                                          c->cfg->linux_.seccomp.listener_metadata, err);
    sb_free(&sb);
    close(listener);
    return r;
}

static int child_setup(struct exec_ctx *c, char *exe, size_t exe_len, struct oj_err *err)
{
    const struct oj_process *p = c->p;

    if (p->terminal && setup_terminal(c, err) < 0)
        return -1;
    if (c->console_fd >= 0) {
        close(c->console_fd);
        c->console_fd = -1;
    }
    if (setup_fds(c, err) < 0)
        return -1;

    /* Before the privileges go: raising limits and real-time scheduling
     * need capabilities the process will not keep.  oomScoreAdj is P's job
     * (set_oom_score_adj): our /proc/self files belong to the host's root
     * while we are not dumpable. */
    struct oj_process misc = *p;
    misc.oom_score_adj.set = false;
    if (oj_process_rlimits_apply(p, err) < 0 || oj_process_apply_misc(&misc, err) < 0)
        return -1;
    if (c->cfg->linux_.has_personality && oj_personality_apply(&c->cfg->linux_, err) < 0)
        return -1;
    /* A session keyring of its own, as the init has: keys of the host's
     * session (or of another exec) stay out of reach (keyrings(7)). */
    if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, 0) < 0 && errno != ENOSYS)
        return oj_fail(err, errno, "join a new session keyring");

    bool keep_sys_admin = c->seccomp && !p->no_new_privileges;
    if (oj_caps_drop_bounding(p->has_capabilities ? &p->capabilities : NULL, err) < 0 ||
        oj_user_switch(&p->user, true, err) < 0 ||
        oj_process_caps_apply(p, keep_sys_admin, err) < 0)
        return -1;

    if (chdir(p->cwd) < 0)
        return oj_fail(err, errno, "process.cwd: chdir %s", p->cwd);
    if (oj_find_executable(p, exe, exe_len, err) < 0)
        return -1;

    if (p->no_new_privileges && oj_set_no_new_privs(err) < 0)
        return -1;
    /* The last step before execve: nothing of ours runs under the filter. */
    if (c->seccomp) {
        int listener = -1;
        if (oj_seccomp_load(c->seccomp, &c->cfg->linux_.seccomp, &listener, err) < 0)
            return -1;
        if (listener >= 0 && send_listener(c, listener, err) < 0)
            return -1;
    }
    return 0;
}

_Noreturn static void run_child(struct exec_ctx *c)
{
    struct oj_err err = {0};
    char exe[PATH_MAX];

    /* GO: P has put us in the cgroup.  EOF means P died: go quietly. */
    struct oj_sync_msg m;
    if (oj_sync_recv(c->sync_fd, &m, &err) < 0)
        _exit(1);
    if (m.type != OJ_SYNC_GO) {
        oj_fail(&err, 0, "unexpected message %u from ojrun exec", m.type);
        child_fail(c, &err);
    }
    c->pid = m.code; /* our PID as the host sees it, for the seccomp agent */

    if (child_setup(c, exe, sizeof(exe), &err) < 0)
        child_fail(c, &err);
    /* The program starts with an empty signal mask (ojrun exec blocks the
     * signals it forwards, and we inherited that). */
    sigset_t empty;
    sigemptyset(&empty);
    sigprocmask(SIG_SETMASK, &empty, NULL);
    execve(exe, c->p->args, c->p->env ? c->p->env : (char *[]){NULL});
    oj_fail(&err, errno, "exec: \"%s\"", exe);
    child_fail(c, &err);
}

/* --- S1: join, then clone F ---------------------------------------------------- */

/* After joining a user namespace we hold every capability in it but carry
 * the host's IDs, usually unmapped there (user_namespaces(7)).  Become its
 * root when 0 is mapped, so that what F creates (its pty) belongs to the
 * container's root, not to the overflow ID; runc's nsexec does the same. */
static int become_userns_root(struct oj_err *err)
{
    if (setresgid(0, 0, 0) < 0 && errno != EINVAL)
        return oj_fail(err, errno, "setresgid(0) in the container's user namespace");
    if (setresuid(0, 0, 0) < 0 && errno != EINVAL)
        return oj_fail(err, errno, "setresuid(0) in the container's user namespace");
    return 0;
}

static int join_namespaces(struct exec_ctx *c, struct oj_err *err)
{
    for (size_t i = 0; i < N_JOIN; i++) {
        if (c->ns_fd[i] < 0)
            continue;
        const char *name = oj_ns_type_name(join_order[i]);
        oj_debug("exec: setns %s", name);
        if (setns(c->ns_fd[i], oj_ns_clone_flag(join_order[i])) < 0)
            return oj_fail(err, errno, "join the container's %s namespace", name);
        close(c->ns_fd[i]);
        c->ns_fd[i] = -1;
    }
    return 0;
}

_Noreturn static void run_stage1(struct exec_ctx *c, bool joins_userns)
{
    struct oj_err err = {0};
    /* Not dumpable (prctl(2) PR_SET_DUMPABLE): no ptrace and no
     * /proc/<pid>/fd for the container's processes; F inherits it (it lives
     * in the mm) until its execve. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
        oj_fail(&err, errno, "prctl(PR_SET_DUMPABLE, 0)");
        child_fail(c, &err);
    }
    if (join_namespaces(c, &err) < 0 || (joins_userns && become_userns_root(&err) < 0))
        child_fail(c, &err);
    if (c->root_fd >= 0 && (fchdir(c->root_fd) < 0 || chroot(".") < 0)) {
        oj_fail(&err, errno, "chroot into the container's root");
        child_fail(c, &err);
    }
    /* setns(CLONE_NEWPID) only changed the namespace of our children: F
     * is the one in the container's PID namespace.  CLONE_PARENT makes it
     * P's child, not ours. */
    pid_t pid = clone_fork(CLONE_PARENT);
    if (pid < 0) {
        oj_fail(&err, errno, "clone the process (CLONE_PARENT)");
        child_fail(c, &err);
    }
    if (pid == 0)
        run_child(c);
    /* The PID in P's namespace, which is ours: setns(CLONE_NEWPID) does not
     * move the caller. */
    oj_sync_send(c->sync_fd, OJ_SYNC_PID, pid, NULL);
    _exit(0);
}

/* --- P: ojrun exec itself ---------------------------------------------------- */

/* Open the namespaces of the container's init that differ from ours. */
static int open_namespaces(struct exec_ctx *c, bool *joins_userns, struct oj_err *err)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d", (int)c->st->pid);
    /* The directory fd stays bound to the process that had the PID when it
     * was opened; the start time checked *after* opening tells that it was
     * the init (a process cannot come back once its PID has been reused). */
    _cleanup_close_ int dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return oj_fail(err, errno, "open %s (the container's init)", path);
    *joins_userns = false;
    for (size_t i = 0; i < N_JOIN; i++) {
        const char *pn = oj_ns_proc_name(join_order[i]);
        char rel[32], self[64];
        snprintf(rel, sizeof(rel), "ns/%s", pn);
        snprintf(self, sizeof(self), "/proc/self/ns/%s", pn);
        int fd = openat(dir, rel, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            if (errno == ENOENT)
                continue; /* a namespace type this kernel does not have */
            return oj_fail(err, errno, "open %s/%s", path, rel);
        }
        struct stat theirs, ours;
        if (fstat(fd, &theirs) < 0 || stat(self, &ours) < 0) {
            int e = errno;
            close(fd);
            return oj_fail(err, e, "stat the %s namespace", pn);
        }
        if (theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino) {
            close(fd);
            /* setns(2) refuses to re-join one's own user namespace; the
             * others would be no-ops.  A container without a mount
             * namespace of its own is chroot(2)ed (rootfs.h): the process
             * goes into the init's root instead (runc 1.1 leaves it in the
             * host's root). */
            if (join_order[i] == OJ_NS_MOUNT) {
                c->root_fd = openat(dir, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
                if (c->root_fd < 0)
                    return oj_fail(err, errno, "open %s/root", path);
            }
            continue;
        }
        c->ns_fd[i] = fd;
        if (join_order[i] == OJ_NS_USER)
            *joins_userns = true;
    }
    if (!oj_pid_alive(c->st->pid, c->st->pid_start_time))
        return oj_fail(err, 0, "the container's init (PID %d) exited", (int)c->st->pid);
    return 0;
}

static int prepare_seccomp(struct exec_ctx *c, const struct oj_context *ctx, struct oj_err *err)
{
    if (!c->cfg->has_linux || !c->cfg->linux_.has_seccomp)
        return 0;
    /* config.md has no seccomp in "process": the container's filter applies
     * to every process exec'd into it, as in runc.  It was compiled by
     * create, so this is usually a cache hit. */
    char cache[PATH_MAX];
    snprintf(cache, sizeof(cache), "%s/seccomp-cache", ctx->root);
    bool hit = false;
    c->seccomp = calloc(1, sizeof(*c->seccomp));
    if (!c->seccomp)
        return oj_fail(err, ENOMEM, "seccomp");
    if (oj_seccomp_prepare(&c->cfg->linux_.seccomp, cache, c->seccomp, &hit, err) < 0)
        return -1;
    oj_debug("exec: seccomp filter %s (%zu instructions)", hit ? "from cache" : "compiled",
             c->seccomp->len);
    if (oj_seccomp_uses_notify(&c->cfg->linux_.seccomp)) {
        c->agent_fd = oj_seccomp_agent_connect(c->cfg->linux_.seccomp.listener_path, err);
        if (c->agent_fd < 0)
            return -1;
    }
    return 0;
}

/* A message from S1 or F; *eof is set (and 0 returned) when every copy of
 * their end is closed: F's execve closed it (CLOEXEC), or they died. */
static int recv_msg(int fd, struct oj_sync_msg *m, bool *eof, struct oj_err *err)
{
    ssize_t n;
    do
        n = recv(fd, m, sizeof(*m), 0);
    while (n < 0 && errno == EINTR);
    *eof = n == 0;
    if (n < 0)
        return oj_fail(err, errno, "read from the process");
    if (n > 0 && n != (ssize_t)sizeof(*m))
        return oj_fail(err, 0, "short message from the process");
    m->msg[sizeof(m->msg) - 1] = '\0';
    return 0;
}

static int msg_error(const struct oj_sync_msg *m, struct oj_err *err)
{
    err->code = m->code;
    memcpy(err->msg, m->msg, sizeof(err->msg));
    return -1;
}

static void reap(pid_t pid)
{
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

/* Fork S1 and get F's PID from it. */
static int spawn(struct exec_ctx *c, int lock_fd, bool joins_userns, struct oj_err *err)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
        return oj_fail(err, errno, "socketpair");
    c->sync_fd = sv[0];
    pid_t s1 = fork();
    if (s1 < 0) {
        close(sv[1]);
        return oj_fail(err, errno, "fork");
    }
    if (s1 == 0) {
        /* Only P may hold P's end (its death must be our EOF), and the
         * container lock stays with P. */
        close(sv[0]);
        if (lock_fd >= 0)
            close(lock_fd);
        if (c->console_recv >= 0)
            close(c->console_recv);
        c->sync_fd = sv[1];
        run_stage1(c, joins_userns);
    }
    close(sv[1]);
    for (size_t i = 0; i < N_JOIN; i++) {
        if (c->ns_fd[i] >= 0)
            close(c->ns_fd[i]);
        c->ns_fd[i] = -1;
    }
    reap(s1);

    struct oj_sync_msg m;
    bool eof;
    if (recv_msg(c->sync_fd, &m, &eof, err) < 0)
        return -1;
    if (eof)
        return oj_fail(err, 0, "the process joining the container's namespaces died");
    if (m.type == OJ_SYNC_ERROR)
        return msg_error(&m, err);
    if (m.type != OJ_SYNC_PID || m.code <= 0)
        return oj_fail(err, 0, "unexpected message %u from stage 1", m.type);
    c->pid = m.code;
    return 0;
}

/* process.oomScoreAdj, written by P into F's /proc entry: F is not
 * dumpable, so its /proc/<pid> files belong to the host's root (proc(5)),
 * which a process in a user namespace cannot write even as the
 * namespace's root.  P also keeps the host's CAP_SYS_RESOURCE, if the host
 * grants it, which lowering the value below the current minimum needs. */
static int set_oom_score_adj(pid_t pid, int64_t v, struct oj_err *err)
{
    char path[64], buf[32];
    snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
    int n = snprintf(buf, sizeof(buf), "%lld", (long long)v);
    if (oj_write_file(path, buf, (size_t)n, err) < 0)
        return oj_wrap(err, "set process.oomScoreAdj %lld%s", (long long)v,
                       err->code == EACCES ? " (lowering it needs CAP_SYS_RESOURCE)" : "");
    return 0;
}

static int write_pid_file(const char *path, pid_t pid, struct oj_err *err)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
    if (oj_write_file_atomic(path, buf, (size_t)n, 0644, err) < 0)
        return oj_wrap(err, "--pid-file");
    return 0;
}

static int exec_run(struct exec_ctx *c, const struct oj_context *ctx, struct oj_err *err)
{
    const struct oj_exec_opts *o = c->o;
    /* Hold the container's lock until the process has exec'd, so that a
     * concurrent delete cannot remove the cgroup under us. */
    _cleanup_close_ int lock = oj_state_load_locked(ctx->root, o->id, &c->st, err);
    if (lock < 0)
        return -1;
    enum oj_status s = oj_state_status(c->st);
    /* created: as runc, F joins the namespaces of the init waiting for
     * `start` (they are complete: it is past pivot_root).  paused: F
     * freezes in the cgroup before reaching execve, so only on request
     * (runc's --ignore-paused), and we return after the resume.  stopped:
     * nothing to join. */
    if (s == OJ_STATUS_PAUSED && !o->ignore_paused)
        return oj_fail(err, 0,
                       "cannot exec in container \"%s\": it is paused (use --ignore-paused "
                       "to override)",
                       o->id);
    if (s != OJ_STATUS_RUNNING && s != OJ_STATUS_CREATED && s != OJ_STATUS_PAUSED)
        return oj_fail(err, 0, "cannot exec in container \"%s\": it is %s", o->id,
                       oj_status_name(s));

    if (oj_state_config(c->st, &c->cfg, err) < 0 ||
        oj_exec_build_process(c->cfg, o, &c->p, err) < 0)
        return -1;
    if (c->p->terminal && !o->console_socket && !o->console_master)
        return oj_fail(err, 0, "%s but no --console-socket was given",
                       o->tty > 0 ? "--tty is set" : "process.terminal is true");
    /* the caller's own terminal size wins over process.consoleSize */
    if (c->p->terminal && o->console_rows && o->console_cols) {
        c->p->console_size.set = true;
        c->p->console_size.height = o->console_rows;
        c->p->console_size.width = o->console_cols;
    }
    if (!c->p->terminal && o->console_socket)
        oj_debug("exec: --console-socket given but the process has no terminal");

    if (prepare_seccomp(c, ctx, err) < 0 || oj_state_cgroup(c->st, &c->cg, err) < 0)
        return -1;
    bool joins_userns = false;
    if (open_namespaces(c, &joins_userns, err) < 0)
        return -1;
    /* Connect now: after setns into the mount namespace the host's path is
     * out of sight. */
    if (c->p->terminal && o->console_socket) {
        c->console_fd = oj_console_connect(o->console_socket, err);
        if (c->console_fd < 0)
            return oj_wrap(err, "--console-socket");
    } else if (c->p->terminal) {
        /* a foreground terminal: F sends the master to us (console_master) */
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
            return oj_fail(err, errno, "socketpair for the console");
        c->console_recv = sv[0];
        c->console_fd = sv[1];
    }

    if (spawn(c, lock, joins_userns, err) < 0)
        return -1;
    if (c->console_recv >= 0) {
        /* F has its copy; without ours, a recv after F died sees EOF */
        close(c->console_fd);
        c->console_fd = -1;
    }
    oj_debug("exec: process PID %d", (int)c->pid);
    if (o->n_cgroups ? oj_cgroup_enter_sub(c->cg, c->pid, (const char *const *)o->cgroups,
                                           o->n_cgroups, err) < 0
                     : oj_cgroup_enter(c->cg, c->pid, err) < 0)
        return -1;
    if (c->p->oom_score_adj.set && set_oom_score_adj(c->pid, c->p->oom_score_adj.v, err) < 0)
        return -1;
    if (oj_sync_send(c->sync_fd, OJ_SYNC_GO, c->pid, NULL) < 0)
        return oj_fail(err, errno, "start the process");
    if (s == OJ_STATUS_PAUSED) {
        /* F is in the frozen cgroup now (a delete cannot remove it under
         * us); resume takes the lock, and F reaches execve only after it. */
        close(lock);
        lock = -1;
    }

    struct oj_sync_msg m;
    bool eof;
    if (recv_msg(c->sync_fd, &m, &eof, err) < 0)
        return -1;
    if (!eof) {
        if (m.type == OJ_SYNC_ERROR)
            return msg_error(&m, err);
        return oj_fail(err, 0, "unexpected message %u from the process", m.type);
    }
    oj_debug("exec: process exec'd");
    if (c->console_recv >= 0) {
        /* sent before execve: there, or EOF */
        if (oj_recv_fd(c->console_recv, o->console_master, NULL, 0, err) < 0)
            return oj_wrap(err, "receive the console from the process");
    }
    if (o->pid_file && write_pid_file(o->pid_file, c->pid, err) < 0)
        return -1;
    return 0;
}

int oj_exec_start(const struct oj_context *ctx, const struct oj_exec_opts *o, pid_t *pid,
                  struct oj_err *err)
{
    struct exec_ctx c = {
        .o = o, .agent_fd = -1, .console_fd = -1, .console_recv = -1, .sync_fd = -1, .root_fd = -1};
    for (size_t i = 0; i < N_JOIN; i++)
        c.ns_fd[i] = -1;
    /* Which fds of the --preserve-fds range the caller really passed,
     * before we open anything that could land in a hole of it. */
    if (o->preserve_fds) {
        c.preserved = calloc(o->preserve_fds, sizeof(bool));
        if (!c.preserved)
            return oj_fail(err, ENOMEM, "--preserve-fds");
        for (unsigned i = 0; i < o->preserve_fds; i++)
            c.preserved[i] = fcntl(3 + (int)i, F_GETFD) >= 0 && 3 + (int)i != oj_log_fd();
    }

    int r = exec_run(&c, ctx, err);
    if (r < 0 && c.pid > 0) {
        /* F exists but failed (it exited) or we failed around it: leave no
         * process behind. */
        kill(c.pid, SIGKILL);
        reap(c.pid);
    }
    if (r == 0)
        *pid = c.pid;
    ctx_free(&c);
    return r;
}
