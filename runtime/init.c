/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container init: the cloned child of `ojrun create`, already in its new
 * namespaces.  It sets up the container from the inside, reports CREATED,
 * blocks on exec.fifo until `ojrun start`, and execs the user process.
 *
 * Any failure before CREATED goes back to the parent as an OJ_SYNC_ERROR
 * message (the parent prints it, kills us and cleans up); after CREATED there
 * is nobody listening, so errors go to the container's stderr and the init
 * exits with 127 (the shell's "command not found" status, which podman maps).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "cgroup.h"
#include "procattr.h"
#include "cleanup.h"
#include "console.h"
#include "container.h"
#include "execprep.h"
#include "hooks.h"
#include "log.h"
#include "netlink.h"
#include "rootfs.h"
#include "oj_seccomp.h"
#include "state.h"
#include "supervise.h"
#include "sysctl.h"
#include "util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif


/* Report an error to the parent and die. */
_Noreturn static void init_fail(struct oj_container *c, const struct oj_err *e)
{
    oj_debug("init failed: %s", e->msg);
    oj_sync_send(c->sync_fd, OJ_SYNC_ERROR, e->code, e->msg);
    _exit(1);
}

static int become_userns_root(const struct oj_config *cfg, struct oj_err *err)
{
    /* After clone(CLONE_NEWUSER) we hold every capability in the new
     * namespace but still carry the host's IDs, which are unmapped there.
     * Switching to the namespace's root (when mapped) makes files we create
     * during setup belong to the container's root. */
    bool root_mapped = false;
    for (size_t i = 0; i < cfg->linux_.n_uid_mappings; i++)
        if (cfg->linux_.uid_mappings[i].container_id == 0)
            root_mapped = true;
    bool rootg_mapped = false;
    for (size_t i = 0; i < cfg->linux_.n_gid_mappings; i++)
        if (cfg->linux_.gid_mappings[i].container_id == 0)
            rootg_mapped = true;
    if (rootg_mapped && setresgid(0, 0, 0) < 0)
        return oj_fail(err, errno, "setresgid(0) in the user namespace");
    if (root_mapped && setresuid(0, 0, 0) < 0)
        return oj_fail(err, errno, "setresuid(0) in the user namespace");
    return 0;
}

/* Time namespaces (time_namespaces(7)) take offsets only before any process
 * lives in them, so they cannot come from clone(): unshare, write the
 * offsets, then move ourselves in through time_for_children. */
static int setup_timens(const struct oj_config *cfg, struct oj_err *err)
{
    if (unshare(CLONE_NEWTIME) < 0)
        return oj_fail(err, errno, "unshare(CLONE_NEWTIME)");
    for (size_t i = 0; i < cfg->linux_.n_time_offsets; i++) {
        const struct oj_time_offset *t = &cfg->linux_.time_offsets[i];
        char buf[128];
        int n = snprintf(buf, sizeof(buf), "%s %lld %u\n", t->clock, (long long)t->secs,
                         t->nanosecs);
        if (oj_write_file("/proc/self/timens_offsets", buf, (size_t)n, err) < 0)
            return oj_wrap(err, "linux.timeOffsets");
    }
    _cleanup_close_ int fd = open("/proc/self/ns/time_for_children", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return oj_fail(err, errno, "open /proc/self/ns/time_for_children");
    if (setns(fd, CLONE_NEWTIME) < 0)
        return oj_fail(err, errno, "setns into the new time namespace");
    return 0;
}

static int run_container_hooks(struct oj_container *c, enum oj_hook_kind kind,
                               enum oj_status status, const char *dir, struct oj_err *err)
{
    if (c->cfg->hooks.n[kind] == 0)
        return 0;
    struct strbuf sb = {0};
    if (oj_container_state_json(c, status, &sb, err) < 0)
        return -1;
    int r = oj_hooks_run(&c->cfg->hooks, kind, sb_str(&sb), dir, err);
    sb_free(&sb);
    return r;
}

/* The bind-mount sources ojrun create's helper opened for us (a new user
 * namespace: create.c send_bind_sources()), one message per fd named by
 * its mounts[] index. */
static int recv_bind_sources(struct oj_container *c, int n, struct oj_err *err)
{
    size_t nm = c->cfg->n_mounts;
    c->bind_src_fds = malloc((nm ? nm : 1) * sizeof(int));
    if (!c->bind_src_fds)
        return oj_fail(err, ENOMEM, "bind-mount sources");
    for (size_t i = 0; i < nm; i++)
        c->bind_src_fds[i] = -1;
    for (int k = 0; k < n; k++) {
        int fd;
        char name[32];
        if (oj_recv_fd(c->sync_fd, &fd, name, sizeof(name), err) < 0)
            return oj_wrap(err, "bind-mount sources");
        char *end;
        unsigned long i = strtoul(name, &end, 10);
        if (*end || i >= nm) {
            close(fd);
            return oj_fail(err, 0, "bind-mount sources: bad mount index \"%s\"", name);
        }
        if (c->bind_src_fds[i] >= 0)
            close(c->bind_src_fds[i]);
        c->bind_src_fds[i] = fd;
    }
    return 0;
}

/* Everything up to CREATED; returns the exec.fifo fd. */
static int init_setup(struct oj_container *c, char *exe, size_t exe_len, struct oj_err *err)
{
    const struct oj_config *cfg = c->cfg;
    const struct oj_process *p = cfg->process;

    /* exec.fifo, opened for us by create (make_state_dir()). */
    int fifo_fd = c->fifo_fd;

    /* GO carries our PID as the host sees it: inside a new PID namespace
     * getpid() says 1, but hooks and the state want the host's number. */
    struct oj_sync_msg m;
    if (oj_sync_recv(c->sync_fd, &m, err) < 0)
        return -1;
    if (m.type == OJ_SYNC_SOURCES) {
        if (recv_bind_sources(c, m.code, err) < 0)
            return -1;
        if (oj_sync_recv(c->sync_fd, &m, err) < 0)
            return -1;
    }
    if (m.type != OJ_SYNC_GO)
        return oj_fail(err, 0, "unexpected message %u from ojrun create", m.type);
    c->pid = m.code;
    /* Into the v1 cgroups, before anything else runs (cgroup.h, "fast
     * placement"): a write of "0" through fds the parent opened, which
     * does not wait for an RCU grace period as a PID written by the parent
     * would. */
    if (c->cg && oj_cgroup_enter_self(c->cg, err) < 0)
        return -1;
    if (c->new_userns && become_userns_root(cfg, err) < 0)
        return -1;
    /* Now that we are in the container's cgroup: a cgroup namespace created
     * here shows it as "/" (cgroup_namespaces(7)).  runc does the same
     * unshare late; created by clone() it would be rooted at ojrun's own
     * cgroup. */
    if (c->new_cgroupns && unshare(CLONE_NEWCGROUP) < 0)
        return oj_fail(err, errno, "unshare(CLONE_NEWCGROUP)");
    if (c->new_timens && setup_timens(cfg, err) < 0)
        return -1;

    if (cfg->hostname) {
        oj_debug("sethostname %s", cfg->hostname);
        if (sethostname(cfg->hostname, strlen(cfg->hostname)) < 0)
            return oj_fail(err, errno, "hostname: sethostname %s", cfg->hostname);
    }
    if (cfg->domainname && setdomainname(cfg->domainname, strlen(cfg->domainname)) < 0)
        return oj_fail(err, errno, "domainname: setdomainname %s", cfg->domainname);
    if (c->clone_flags & CLONE_NEWNET) {
        oj_debug("bring lo up");
        if (oj_netlink_lo_up(err) < 0)
            return oj_wrap(err, "network namespace");
    }

    struct oj_rootfs_opts ro = {
        .cfg = cfg,
        .rootfs = c->rootfs,
        .bundle = c->bundle,
        .in_userns = c->new_userns || (oj_config_namespace(cfg, OJ_NS_USER) != NULL),
        .no_pivot = c->opts->no_pivot,
        .bind_src_fds = c->bind_src_fds,
        .shared_mntns = c->shared_mntns,
    };
    int rc_prep = oj_rootfs_prepare(&ro, err);
    if (c->bind_src_fds) {
        for (size_t i = 0; i < cfg->n_mounts; i++)
            if (c->bind_src_fds[i] >= 0)
                close(c->bind_src_fds[i]);
        free(c->bind_src_fds);
        c->bind_src_fds = NULL;
    }
    if (rc_prep < 0)
        return -1;

    if (cfg->hooks.n[OJ_HOOK_PRESTART] || cfg->hooks.n[OJ_HOOK_CREATE_RUNTIME]) {
        oj_sync_send(c->sync_fd, OJ_SYNC_HOOKS, 0, NULL);
        if (oj_sync_expect(c->sync_fd, OJ_SYNC_HOOKS_DONE, err) < 0)
            return -1;
    }
    /* in the rootfs (its host path, still reachable before pivot_root), as
     * runc's init runs them */
    if (run_container_hooks(c, OJ_HOOK_CREATE_CONTAINER, OJ_STATUS_CREATING, c->rootfs, err) < 0)
        return -1;

    oj_debug("pivot_root into %s", c->rootfs);
    if (oj_rootfs_pivot(&ro, err) < 0)
        return -1;
    if (oj_sysctl_apply(cfg, err) < 0)
        return -1;
    if (oj_rootfs_finalize(&ro, err) < 0)
        return -1;

    if (!p)
        return fifo_fd; /* valid at create; `start` refuses it */

    if (p->terminal) {
        int master = -1, slave = -1;
        if (oj_console_open(&master, &slave, err) < 0)
            return -1;
        /* The pty belongs to the user the process runs as, or a non-root
         * process could not reopen or chmod its own terminal (mesg, ssh's
         * checks).  The uid only: the group stays devpts's (gid=5, tty),
         * as runc does (fixStdioPermissions).  EINVAL or EPERM: the uid or
         * the node's owner is not mapped in our user namespace; the
         * terminal then keeps its owner rather than failing the
         * container, as in runc. */
        if (fchown(slave, p->user.uid, (gid_t)-1) < 0 && errno != EINVAL && errno != EPERM) {
            int e = errno;
            close(master);
            close(slave);
            return oj_fail(err, e, "process.terminal: chown the pty to uid %u",
                           (unsigned)p->user.uid);
        }
        if (oj_send_fd(c->console_fd, master, "/dev/ptmx", err) < 0)
            return oj_wrap(err, "--console-socket");
        close(master);
        if (oj_console_make_controlling(slave, p, err) < 0)
            return -1;
        if (slave > 2)
            close(slave);
    }
    if (c->console_fd >= 0) {
        close(c->console_fd);
        c->console_fd = -1;
    }
    /* --preserve-fds N: 3..3+N-1 survive the exec, everything else above 2
     * is marked close-on-exec (our own fds already are). */
    if (syscall(SYS_close_range, 3 + c->opts->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
        return oj_fail(err, errno, "close_range");
    for (unsigned i = 0; i < c->opts->preserve_fds; i++) {
        int fd = 3 + (int)i;
        int fl = fcntl(fd, F_GETFD);
        const struct oj_task_link *t = c->opts->task;
        if (t && (fd == t->exec_w || fd == t->status_init || fd == t->go_init))
            continue;
        if (fl >= 0 && fd != c->sync_fd && fd != fifo_fd && fd != oj_log_fd())
            fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
    }

    if (oj_process_rlimits_apply(p, err) < 0)
        return -1;
    struct oj_process misc = *p;
    misc.oom_score_adj.set = false; /* written by ojrun create, see procattr.h */
    if (oj_process_apply_misc(&misc, err) < 0)
        return -1;
    if (cfg->linux_.has_personality && oj_personality_apply(&cfg->linux_, err) < 0)
        return -1;
    if (!c->opts->no_new_keyring && syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, 0) < 0 &&
        errno != ENOSYS)
        return oj_fail(err, errno, "join a new session keyring");

    /* Capabilities and user.  The bounding set first (it needs
     * CAP_SETPCAP), then the uid change keeping the permitted set, then
     * exactly the configured sets.  When a seccomp filter must be loaded
     * without no_new_privs we keep CAP_SYS_ADMIN in the effective and
     * permitted sets until the exec: execve(2) recomputes them from the
     * bounding, inheritable and ambient sets, so it does not survive into
     * the user process (see caps.c). */
    bool keep_sys_admin = c->seccomp && !p->no_new_privileges;
    /* process.cwd first as root, so that a directory only root can reach
     * works for a non-root process; when root may not enter it (EACCES: a
     * directory of the container's user on a root-squashing mount, or
     * outside our user namespace's reach) once more as the process's user
     * below.  runc's finalizeNamespace does the same. */
    bool in_cwd = chdir(p->cwd) == 0;
    if (!in_cwd && errno != EACCES && errno != EPERM)
        return oj_fail(err, errno, "process.cwd: chdir %s", p->cwd);
    if (oj_caps_drop_bounding(p->has_capabilities ? &p->capabilities : NULL, err) < 0)
        return -1;
    if (oj_user_switch(&p->user, true, err) < 0)
        return -1;
    if (oj_process_caps_apply(p, keep_sys_admin, err) < 0)
        return -1;

    if (!in_cwd && chdir(p->cwd) < 0)
        return oj_fail(err, errno, "process.cwd: chdir %s", p->cwd);
    if (oj_find_executable(p, exe, exe_len, err) < 0)
        return -1;
    return fifo_fd;
}

/* SCMP_ACT_NOTIFY: hand the listener to the agent create connected to
 * (config-linux.md "The Container Process State"). */
static int send_listener(struct oj_container *c, int listener, struct oj_err *err)
{
    struct strbuf sb = {0};
    int r = oj_container_state_json(c, OJ_STATUS_RUNNING, &sb, err);
    if (r == 0)
        r = oj_seccomp_send_listener_sock(c->seccomp_agent_fd, c->cfg->linux_.seccomp.listener_path,
                                          listener, c->pid, sb_str(&sb),
                                          c->cfg->linux_.seccomp.listener_metadata, err);
    sb_free(&sb);
    close(listener);
    return r;
}

_Noreturn void oj_init_main(struct oj_container *c)
{
    struct oj_err err = {0};
    char exe[PATH_MAX];

    /* The lock fd is shared with the parent's (flock belongs to the open
     * file description): close our copy or `start` would wait forever. */
    if (c->lock_fd >= 0) {
        close(c->lock_fd);
        c->lock_fd = -1;
    }
    /* Supervised: the supervisor's ends are not ours (holding them would
     * hide its death and our own exec from it). */
    struct oj_task_link *task = c->opts->task;
    if (task) {
        close(task->exec_r);
        close(task->status_sup);
        close(task->go_sup);
        task->exec_r = task->status_sup = task->go_sup = -1;
    }
    /* Die with the parent while it still supervises us (create killed
     * half-way must not leave an init behind).  Our parent is `create` also
     * when namespaces are joined by path: stage-1 clones us with
     * CLONE_PARENT. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);

    int fifo_fd = init_setup(c, exe, sizeof(exe), &err);
    if (fifo_fd < 0)
        init_fail(c, &err);

    /* From here on the parent exits; we are re-parented to the caller's
     * subreaper (conmon, containerd-shim) or to init.  A supervisor
     * (ojrun-shim, `run --result`) stays our parent: then we die with it, no
     * task runs unsupervised.  Set again because a change of credentials
     * (process.user, the user namespace's root) clears it (prctl(2)). */
    prctl(PR_SET_PDEATHSIG, task ? SIGKILL : 0);
    oj_debug("init ready, waiting for start");
    /* create's caller may read its output to the end (containerd's shim
     * does): no copy of create's stderr may stay open in us from here */
    oj_log_release_stderr();
    oj_sync_send(c->sync_fd, OJ_SYNC_CREATED, 0, NULL);
    close(c->sync_fd);

    /* Wait for `ojrun start`: it writes one byte into the fifo.  Supervised,
     * also watch the status socket: a supervisor that died before our prctl
     * above sent no signal, but its end of the socket is closed. */
    if (task) {
        struct pollfd pfd[2] = {{.fd = fifo_fd, .events = POLLIN},
                                {.fd = task->status_init, .events = POLLIN}};
        while (poll(pfd, 2, -1) < 0 && errno == EINTR)
            ;
        if (pfd[1].revents && !pfd[0].revents)
            _exit(1);
    }
    char byte;
    ssize_t n;
    do
        n = read(fifo_fd, &byte, 1);
    while (n < 0 && errno == EINTR);
    if (n != 1)
        _exit(1);
    /* `start` waits until no one holds the fifo open for writing any more
     * (lifecycle.c): we keep our fd (O_CLOEXEC) until the execve closes it,
     * so that start returns once the program runs, and write our error
     * into it if we fail before.  A supervised task is the supervisor's to
     * watch (the program waits for its GO, and the supervisor is often the
     * one calling start): start returns once we have read the byte. */
    if (task) {
        close(fifo_fd);
        fifo_fd = -1;
    }

    const struct oj_process *p = c->cfg->process;
    if (!p)
        _exit(1); /* start refuses this case before writing the fifo */
    if (p->no_new_privileges && oj_set_no_new_privs(&err) < 0)
        goto fail;
    /* A judged task runs its startContainer hooks here, before the reaper
     * forks the program: after the fork the supervisor's clocks run, and
     * the hooks' time must not be charged to the program.  They are then
     * outside the filter (see below). */
    if (task && run_container_hooks(c, OJ_HOOK_START_CONTAINER, OJ_STATUS_RUNNING, NULL, &err) < 0)
        goto fail;
    /* Supervised: fork the program and stay behind as its PID-1 reaper
     * (reaper.c: as PID 1 the program would not die of SIGXFSZ, SIGXCPU or
     * a raised SIGSEGV).  Only the child returns. */
    if (task && oj_reaper_fork(task, &err) < 0)
        goto fail;
    /* Nothing of the runtime's own setup runs under the filter, only the
     * startContainer hooks: they run in the container as its process would
     * (config.md "startContainer Hooks"), so runc forks them under the
     * filter, with the process's user, capabilities, no_new_privs and
     * process.cwd.  A profile that refuses what running a hook takes (fork,
     * pipe2, wait4) fails them under runc too. */
    if (c->seccomp) {
        int listener = -1;
        if (oj_seccomp_load(c->seccomp, &c->cfg->linux_.seccomp, &listener, &err) < 0)
            goto fail;
        if (listener >= 0 && send_listener(c, listener, &err) < 0)
            goto fail;
    }
    if (!task && run_container_hooks(c, OJ_HOOK_START_CONTAINER, OJ_STATUS_RUNNING, NULL, &err) < 0)
        goto fail;
    /* The user process starts with an empty signal mask (ojrun run blocks
     * signals it forwards). */
    sigset_t empty;
    sigemptyset(&empty);
    sigprocmask(SIG_SETMASK, &empty, NULL);
    execve(exe, p->args, p->env ? p->env : (char *[]){NULL});
    oj_fail(&err, errno, "exec: \"%s\"", exe);
fail:
    oj_task_report_error(task, err.msg);
    /* `start` is reading: it reports the error (one write below PIPE_BUF
     * is atomic).  Else, as before `start` waited, on our stderr. */
    if (fifo_fd < 0 || write(fifo_fd, err.msg, strnlen(err.msg, sizeof(err.msg) - 1)) <= 0)
        dprintf(STDERR_FILENO, "ojrun: %s\n", err.msg);
    _exit(127);
}
