/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ojrun create`, the parent side.  See container.h for the sequence and
 * init.c for the child side.
 *
 * Design points (and how runc/crun differ):
 *  - The init is a clone() of this process, not a re-exec of the ojrun
 *    binary.  runc re-executes itself as `runc init` (its Go runtime cannot
 *    set up namespaces after threads exist, hence the C "nsexec" stub), which
 *    costs a few milliseconds; crun clones, like ojrun.
 *  - Namespaces are created by the clone() itself.  Joining a namespace by
 *    path needs setns() *before* the clone (a process cannot change its own
 *    PID namespace), so in that case a short-lived "stage-1" child joins them
 *    and clones the init with CLONE_PARENT, which makes the init our child.
 *  - Expensive, failure-prone work (config parsing, seccomp compilation,
 *    cgroup creation) happens here, before the clone, so that errors are
 *    reported without a half-made container and nothing of it is charged to
 *    the container's cgroup.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "console.h"
#include "container.h"
#include "hooks.h"
#include "log.h"
#include "oj_seccomp.h"
#include "procattr.h"
#include "rootfs.h"
#include "state.h"
#include "sysctl.h"
#include "util.h"

void oj_container_free(struct oj_container *c)
{
    if (!c)
        return;
    oj_config_free(c->cfg);
    free(c->config_data);
    free(c->bundle);
    free(c->rootfs);
    free(c->dir);
    if (c->lock_fd >= 0)
        close(c->lock_fd);
    if (c->sync_fd >= 0)
        close(c->sync_fd);
    if (c->console_fd >= 0)
        close(c->console_fd);
    if (c->fifo_fd >= 0)
        close(c->fifo_fd);
    if (c->console_recv >= 0)
        close(c->console_recv);
    if (c->cg)
        oj_cgroup_free(c->cg);
    if (c->seccomp_agent_fd >= 0)
        close(c->seccomp_agent_fd);
    if (c->seccomp) {
        oj_bpf_free(c->seccomp);
        free(c->seccomp);
    }
    free(c);
}

/* --- checks on the config that need nothing but the config ----------------- */

static int check_config(struct oj_container *c, struct oj_err *err)
{
    const struct oj_config *cfg = c->cfg;
    /* runc: "cannot allocate tty if runc will detach without setting
     * console socket"; a caller in the foreground receives the master
     * itself (console_master). */
    if (cfg->process && cfg->process->terminal && !c->opts->console_socket &&
        !c->opts->console_master)
        return oj_fail(err, 0, "process.terminal is true but no --console-socket was given");
    if (!cfg->process && c->opts->console_socket)
        oj_debug("--console-socket given but the config has no process");
    /* the caller's own terminal size wins over process.consoleSize */
    if (cfg->process && c->opts->console_rows && c->opts->console_cols) {
        c->cfg->process->console_size.set = true;
        c->cfg->process->console_size.height = c->opts->console_rows;
        c->cfg->process->console_size.width = c->opts->console_cols;
    }

    for (size_t i = 0; i < cfg->linux_.n_namespaces; i++) {
        const struct oj_namespace *ns = &cfg->linux_.namespaces[i];
        if (ns->path) {
            c->join_paths = true;
            continue;
        }
        if (ns->type == OJ_NS_TIME) {
            c->new_timens = true; /* unshare()d by the init, see init.c */
            continue;
        }
        if (ns->type == OJ_NS_CGROUP) {
            /* A cgroup namespace is rooted at the cgroup its creator is in:
             * the init unshares it after we have moved it into the
             * container's cgroup, so the container sees that cgroup as "/". */
            c->new_cgroupns = true;
            continue;
        }
        c->clone_flags |= oj_ns_clone_flag(ns->type);
        if (ns->type == OJ_NS_USER)
            c->new_userns = true;
    }
    /* config-linux.md "Namespaces": a type not listed is inherited from the
     * runtime.  Without a mount namespace the container's mounts are made
     * in ours and it is chroot(2)ed into the rootfs, as runc does (a mount
     * namespace given by path is joined by stage-1, and the rootfs is set
     * up and pivoted into inside it, as in a new one). */
    c->shared_mntns = !oj_config_namespace(cfg, OJ_NS_MOUNT);
    /* The hostname goes into the container's UTS namespace, new or joined
     * by path (runc sets it in a joined one too); never into ours. */
    if ((cfg->hostname || cfg->domainname) && !oj_config_namespace(cfg, OJ_NS_UTS))
        return oj_fail(err, 0, "%s is set but the config has no UTS namespace",
                       cfg->hostname ? "hostname" : "domainname");
    if (c->new_userns && (cfg->linux_.n_uid_mappings == 0 || cfg->linux_.n_gid_mappings == 0))
        return oj_fail(err, 0, "linux.namespaces has a new user namespace but linux.%s is empty",
                       cfg->linux_.n_uid_mappings == 0 ? "uidMappings" : "gidMappings");
    if (!c->new_userns && (cfg->linux_.n_uid_mappings || cfg->linux_.n_gid_mappings))
        return oj_fail(err, 0,
                       "linux.uidMappings/gidMappings are set without a new user namespace");
    const struct oj_namespace *tns = oj_config_namespace(cfg, OJ_NS_TIME);
    if (cfg->linux_.n_time_offsets && (!tns || tns->path))
        return oj_fail(err, 0, "linux.timeOffsets is set but the config has no new time namespace");
    if (oj_sysctl_validate(cfg, err) < 0)
        return -1;
    return 0;
}

/* The judge limits (supervise.h): invalid org.ojrun.limit.* annotations fail
 * create with or without a supervisor; output-bytes and the CPU backstop
 * become rlimits either way.  Under supervision the reaper init takes one
 * PID of the task's cgroup, so pids.limit gets one more: the limit still
 * counts the program's processes. */
static int apply_limits(struct oj_container *c, struct oj_err *err)
{
    if (oj_limits_from_config(c->cfg, &c->limits, err) < 0)
        return -1;
    const struct oj_limits *ov = &c->opts->limits_override;
    if (ov->cpu_ms.set)
        c->limits.cpu_ms = ov->cpu_ms;
    if (ov->wall_ms.set)
        c->limits.wall_ms = ov->wall_ms;
    if (ov->output_bytes.set)
        c->limits.output_bytes = ov->output_bytes;
    if (oj_limits_apply_rlimits(c->cfg->process, &c->limits, NULL, err) < 0)
        return -1;
    if (c->opts->task || c->opts->shim) {
        const char *sock;
        if (oj_result_socket_from_config(c->cfg, &sock, err) < 0)
            return -1;
    }
    struct oj_resources *r = &c->cfg->linux_.resources;
    if (c->opts->task && c->cfg->linux_.has_resources && r->has_pids && r->pids_limit > 0)
        r->pids_limit++;
    return 0;
}

/* Resolve root.path (relative to the bundle) and require a directory. */
static int resolve_rootfs(struct oj_container *c, struct oj_err *err)
{
    const char *rp = c->cfg->root_path;
    if (!rp || !*rp)
        return oj_fail(err, 0, "root.path: missing");
    _cleanup_free_ char *joined = NULL;
    if (rp[0] == '/')
        joined = strdup(rp);
    else if (asprintf(&joined, "%s/%s", c->bundle, rp) < 0)
        joined = NULL;
    if (!joined)
        return oj_fail(err, ENOMEM, "root.path");
    c->rootfs = realpath(joined, NULL);
    if (!c->rootfs)
        return oj_fail(err, errno, "root.path: %s", joined);
    struct stat st;
    if (stat(c->rootfs, &st) < 0)
        return oj_fail(err, errno, "root.path: %s", c->rootfs);
    if (!S_ISDIR(st.st_mode))
        return oj_fail(err, ENOTDIR, "root.path: %s", c->rootfs);
    if (strcmp(c->rootfs, "/") == 0)
        return oj_fail(err, 0, "root.path: the host's / cannot be a container's rootfs");
    return 0;
}

/* --- user namespace maps (user_namespaces(7)) ---------------------------- */

static int write_idmap(pid_t pid, const char *file, const struct oj_idmap *m, size_t n,
                       struct oj_err *err)
{
    char path[64];
    struct strbuf sb = {0};
    for (size_t i = 0; i < n; i++)
        sb_printf(&sb, "%u %u %u\n", m[i].container_id, m[i].host_id, m[i].size);
    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
    oj_debug("write %s: %s", path, sb_str(&sb));
    /* The kernel wants the whole map in a single write(). */
    int r = oj_write_file(path, sb_str(&sb), sb.len, err);
    sb_free(&sb);
    return r;
}

static int write_maps(struct oj_container *c, struct oj_err *err)
{
    const struct oj_linux *l = &c->cfg->linux_;
    /* We are root in the parent user namespace (CAP_SETGID there), so unlike
     * rootless runtimes we need not write "deny" to setgroups: the container
     * keeps setgroups(2) for process.user.additionalGids. */
    if (write_idmap(c->pid, "uid_map", l->uid_mappings, l->n_uid_mappings, err) < 0 ||
        write_idmap(c->pid, "gid_map", l->gid_mappings, l->n_gid_mappings, err) < 0)
        return oj_wrap(err, "user namespace");
    return 0;
}

/* --- spawning the init ---------------------------------------------------- */

/* clone(2) without a new stack: like fork(), the child continues here with a
 * copy of our memory.  Safe because ojrun is single-threaded. */
static pid_t clone_fork(int flags)
{
    return (pid_t)syscall(SYS_clone, (unsigned long)(flags | SIGCHLD), NULL, NULL, NULL, 0UL);
}

/* The same through clone3(2) with CLONE_INTO_CGROUP: the child is born in
 * the cgroup2 directory `cgroup_fd`, which costs no RCU grace period (a
 * later write to cgroup.procs would; see cgroup.h "fast placement").
 * Returns -1 with errno set when the kernel refuses (ENOSYS before 5.7,
 * EOPNOTSUPP/EBUSY for a cgroup that cannot take processes...): the caller
 * falls back to clone + cgroup.procs. */
static pid_t clone_into_cgroup(int flags, int cgroup_fd)
{
    struct clone_args args = {
        .flags = (uint64_t)(unsigned)flags | CLONE_INTO_CGROUP,
        .exit_signal = SIGCHLD,
        .cgroup = (uint64_t)cgroup_fd,
    };
    return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

/* Join the namespaces given by path, user namespace first: joining it first
 * gives us the capabilities to join the others it owns (setns(2)).  The
 * mount namespace goes last, because changing it changes what /proc paths
 * resolve to. */
static int join_namespaces(const struct oj_config *cfg, struct oj_err *err)
{
    static const enum oj_ns_type order[] = {OJ_NS_USER, OJ_NS_IPC,    OJ_NS_UTS,  OJ_NS_NETWORK,
                                            OJ_NS_PID,  OJ_NS_CGROUP, OJ_NS_TIME, OJ_NS_MOUNT};
    int fds[OJ_ARRAY_SIZE(order)];
    for (size_t i = 0; i < OJ_ARRAY_SIZE(order); i++) {
        const struct oj_namespace *ns = oj_config_namespace(cfg, order[i]);
        fds[i] = -1;
        if (!ns || !ns->path)
            continue;
        fds[i] = open(ns->path, O_RDONLY | O_CLOEXEC);
        if (fds[i] < 0)
            return oj_fail(err, errno, "linux.namespaces: open %s namespace %s",
                           oj_ns_type_name(order[i]), ns->path);
    }
    for (size_t i = 0; i < OJ_ARRAY_SIZE(order); i++) {
        if (fds[i] < 0)
            continue;
        const struct oj_namespace *ns = oj_config_namespace(cfg, order[i]);
        oj_debug("setns %s %s", oj_ns_type_name(order[i]), ns->path);
        if (setns(fds[i], oj_ns_clone_flag(order[i])) < 0)
            return oj_fail(err, errno, "linux.namespaces: join %s namespace %s",
                           oj_ns_type_name(order[i]), ns->path);
        close(fds[i]);
    }
    return 0;
}

static int spawn_init(struct oj_container *c, int child_fd, bool *in_v2, struct oj_err *err)
{
    *in_v2 = false;
    if (!c->join_paths) {
        oj_debug("clone flags=%#x", (unsigned)c->clone_flags);
        int cgfd = oj_cgroup_clone_fd(c->cg);
        pid_t pid = -1;
        if (cgfd >= 0) {
            pid = clone_into_cgroup(c->clone_flags, cgfd);
            if (pid < 0)
                oj_debug("clone3(CLONE_INTO_CGROUP): %s; falling back to clone", strerror(errno));
            else
                *in_v2 = true;
        }
        if (pid < 0)
            pid = clone_fork(c->clone_flags);
        if (pid < 0)
            return oj_fail(err, errno, "clone the container init (flags %#x)",
                           (unsigned)c->clone_flags);
        if (pid == 0) {
            close(c->sync_fd);
            c->sync_fd = child_fd;
            oj_init_main(c);
        }
        c->pid = pid;
        return 0;
    }

    /* Stage 1 joins, then clones the init with CLONE_PARENT, so that the
     * init is our child (and its PR_SET_PDEATHSIG watches us, not the
     * short-lived stage 1), reports its PID and exits. */
    pid_t s1 = fork();
    if (s1 < 0)
        return oj_fail(err, errno, "fork");
    if (s1 == 0) {
        struct oj_err e = {0};
        close(c->sync_fd);
        c->sync_fd = child_fd;
        if (join_namespaces(c->cfg, &e) < 0) {
            oj_sync_send(child_fd, OJ_SYNC_ERROR, e.code, e.msg);
            _exit(1);
        }
        oj_debug("clone flags=%#x", (unsigned)c->clone_flags);
        pid_t pid = clone_fork(c->clone_flags | CLONE_PARENT);
        if (pid < 0) {
            oj_fail(&e, errno, "clone the container init (flags %#x)", (unsigned)c->clone_flags);
            oj_sync_send(child_fd, OJ_SYNC_ERROR, e.code, e.msg);
            _exit(1);
        }
        if (pid == 0)
            oj_init_main(c);
        /* The PID as the parent's PID namespace sees it: same as ours here,
         * because setns(CLONE_NEWPID) only affects children. */
        oj_sync_send(child_fd, OJ_SYNC_PID, pid, NULL);
        _exit(0);
    }
    int status;
    while (waitpid(s1, &status, 0) < 0 && errno == EINTR)
        ;
    /* stage 1 has exited: its message is there, or it died without one
     * while the init it may have cloned keeps the socket open */
    struct oj_sync_msg m;
    if (oj_sync_recv_timeout(c->sync_fd, &m, 0, err) < 0) {
        if (err->code == ETIMEDOUT)
            return oj_fail(err, 0, "stage-1 child exited (status %#x) without reporting", status);
        return -1;
    }
    if (m.type == OJ_SYNC_ERROR) {
        err->code = m.code;
        memcpy(err->msg, m.msg, sizeof(err->msg));
        return -1;
    }
    if (m.type != OJ_SYNC_PID || m.code <= 0)
        return oj_fail(err, 0, "stage-1 child: unexpected message %u", m.type);
    c->pid = m.code;
    return 0;
}

/* --- bind-mount sources for a new user namespace ---------------------------- */

/* The container's root is not the host's: a bind source below a directory
 * only host root may search (a 0700 parent) is out of its reach.  A helper,
 * host root in the init's mount namespace, opens the sources and hands the
 * fds to the init before GO (rootfs.h, oj_rootfs_open_bind_sources()).
 * Best effort: a source it cannot open is left to the init, which reports
 * the error as always. */
static int send_bind_sources(struct oj_container *c, struct oj_err *err)
{
    bool any = false;
    for (size_t i = 0; i < c->cfg->n_mounts && !any; i++)
        any = c->cfg->mounts[i].source != NULL;
    if (!any)
        return 0;
    char ns[64];
    snprintf(ns, sizeof(ns), "/proc/%d/ns/mnt", (int)c->pid);
    pid_t h = fork();
    if (h < 0)
        return oj_fail(err, errno, "fork (bind-mount sources)");
    if (h == 0) {
        int nsfd = open(ns, O_RDONLY | O_CLOEXEC);
        if (nsfd < 0 || setns(nsfd, CLONE_NEWNS) < 0 || chdir(c->bundle) < 0)
            _exit(1);
        int *fds = calloc(c->cfg->n_mounts, sizeof(int));
        if (!fds)
            _exit(1);
        oj_rootfs_open_bind_sources(c->cfg, fds);
        int n = 0;
        for (size_t i = 0; i < c->cfg->n_mounts; i++)
            n += fds[i] >= 0;
        if (oj_sync_send(c->sync_fd, OJ_SYNC_SOURCES, n, NULL) < 0)
            _exit(1);
        for (size_t i = 0; i < c->cfg->n_mounts; i++) {
            char idx[24];
            snprintf(idx, sizeof(idx), "%zu", i);
            if (fds[i] >= 0 && oj_send_fd(c->sync_fd, fds[i], idx, NULL) < 0)
                _exit(1);
        }
        _exit(0);
    }
    int status = 0;
    while (waitpid(h, &status, 0) < 0 && errno == EINTR)
        ;
    /* a helper that failed half-way has sent a count it did not honour:
     * the init would wait for fds that never come */
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        /* the init may have failed first (its error is waiting) */
        struct oj_sync_msg m;
        struct oj_err e;
        if (oj_sync_recv_timeout(c->sync_fd, &m, 0, &e) == 0 && m.type == OJ_SYNC_ERROR) {
            err->code = m.code;
            memcpy(err->msg, m.msg, sizeof(err->msg));
            return -1;
        }
        return oj_fail(err, 0,
                       "open the bind-mount sources in the container's mount namespace: "
                       "helper failed");
    }
    return 0;
}

/* --- the hooks the parent runs -------------------------------------------- */

/* The container's state as far as create knows it, borrowing c's strings. */
static struct oj_state container_state(const struct oj_container *c)
{
    return (struct oj_state){
        .id = (char *)c->opts->id,
        .dir = c->dir,
        .pid = c->pid,
        .pid_start_time = c->pid_start_time,
        .bundle = c->bundle,
        .rootfs = c->rootfs,
        .annotations = c->cfg->annotations,
        .n_annotations = c->cfg->n_annotations,
    };
}

int oj_container_state_json(const struct oj_container *c, enum oj_status status, struct strbuf *out,
                            struct oj_err *err)
{
    struct oj_state st = container_state(c);
    return oj_state_json(&st, status, false, out, err);
}

static int run_create_hooks(struct oj_container *c, struct oj_err *err)
{
    struct strbuf sb = {0};
    if (oj_container_state_json(c, OJ_STATUS_CREATING, &sb, err) < 0)
        return -1;
    /* in the bundle directory, as runc's create runs them (hooks.h) */
    int r = oj_hooks_run(&c->cfg->hooks, OJ_HOOK_PRESTART, sb_str(&sb), c->bundle, err);
    if (r == 0)
        r = oj_hooks_run(&c->cfg->hooks, OJ_HOOK_CREATE_RUNTIME, sb_str(&sb), c->bundle, err);
    sb_free(&sb);
    return r;
}

/* How long the init's own setup may take, on top of its createContainer
 * hooks' timeouts: a few ms normally, seconds on a loaded host. */
#define OJ_INIT_SETUP_BUDGET_MS 60000

/* The next message of the init.  The wait is bounded: checked every second,
 * it fails at once when the container's cgroup has been frozen (the init
 * would never answer), and after OJ_INIT_SETUP_BUDGET_MS plus the
 * createContainer hooks' timeouts of silence in total.  A createContainer
 * hook without a timeout may take as long as it takes (config.md sets no
 * limit): then only the freezer check bounds the wait. */
static int recv_from_init(struct oj_container *c, struct oj_sync_msg *m, int64_t *silent_ms,
                          struct oj_err *err)
{
    int64_t budget = OJ_INIT_SETUP_BUDGET_MS;
    const struct oj_hooks *h = &c->cfg->hooks;
    for (size_t i = 0; i < h->n[OJ_HOOK_CREATE_CONTAINER]; i++) {
        const struct oj_hook *k = &h->list[OJ_HOOK_CREATE_CONTAINER][i];
        if (!k->timeout.set || k->timeout.v <= 0 || k->timeout.v > INT32_MAX) {
            budget = -1;
            break;
        }
        budget += k->timeout.v * 1000;
    }
    for (;;) {
        if (oj_sync_recv_timeout(c->sync_fd, m, 1000, err) == 0)
            return 0;
        if (err->code != ETIMEDOUT)
            return -1;
        *silent_ms += 1000;
        bool frozen = false;
        if (c->cg && oj_cgroup_freezing(c->cg, &frozen, NULL) == 0 && frozen)
            return oj_fail(err, EBUSY,
                           "the container's cgroup was frozen while the container was being "
                           "created");
        if (budget >= 0 && *silent_ms >= budget)
            return oj_fail(err, ETIMEDOUT, "the container init did not finish its setup in %lld s",
                           (long long)(*silent_ms / 1000));
    }
}

/* Wait for the init to finish its setup, serving its hook requests. */
static int wait_created(struct oj_container *c, struct oj_err *err)
{
    int64_t silent_ms = 0;
    for (;;) {
        struct oj_sync_msg m;
        if (recv_from_init(c, &m, &silent_ms, err) < 0)
            return -1;
        switch (m.type) {
        case OJ_SYNC_CREATED:
            return 0;
        case OJ_SYNC_HOOKS:
            oj_debug("running prestart and createRuntime hooks");
            if (run_create_hooks(c, err) < 0) {
                oj_sync_send(c->sync_fd, OJ_SYNC_ERROR, err->code, err->msg);
                return -1;
            }
            oj_sync_send(c->sync_fd, OJ_SYNC_HOOKS_DONE, 0, NULL);
            break;
        case OJ_SYNC_ERROR:
            err->code = m.code;
            memcpy(err->msg, m.msg, sizeof(err->msg));
            return -1;
        default:
            return oj_fail(err, 0, "unexpected message %u from the container init", m.type);
        }
    }
}

/* --- pieces of the state directory ---------------------------------------- */

static int make_state_dir(struct oj_container *c, struct oj_err *err)
{
    if (oj_mkdir_p(c->ctx->root, 0700, err) < 0)
        return oj_wrap(err, "--root");
    if (mkdir(c->dir, 0700) < 0) {
        if (errno == EEXIST)
            return oj_fail(err, EEXIST, "container \"%s\" already exists", c->opts->id);
        return oj_fail(err, errno, "create state directory %s", c->dir);
    }
    c->lock_fd = oj_state_lock(c->dir, err);
    if (c->lock_fd < 0)
        return -1;
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/config.json", c->dir);
    if (oj_write_file_atomic(path, c->config_data, c->config_len, 0600, err) < 0)
        return -1;
    snprintf(path, sizeof(path), "%s/exec.fifo", c->dir);
    if (mkfifo(path, 0600) < 0)
        return oj_fail(err, errno, "mkfifo %s", path);
    /* For the init, which inherits it: the path is in the host's state
     * directory (0700, root's), which the init may not reach once it is in
     * a mount namespace joined by path or has become a user namespace's
     * root.  O_RDWR never blocks on a fifo. */
    c->fifo_fd = open(path, O_RDWR | O_CLOEXEC);
    if (c->fifo_fd < 0)
        return oj_fail(err, errno, "open %s", path);
    return 0;
}

static int setup_cgroup(struct oj_container *c, struct oj_err *err)
{
    struct oj_cgroup_host host;
    if (oj_cgroup_host_detect(&host, NULL, NULL, err) < 0)
        return -1;
    int rn = oj_cgroup_new(&host, c->cfg->linux_.cgroups_path, c->opts->id, &c->cg, err);
    oj_cgroup_host_free(&host);
    if (rn < 0)
        return -1;
    /* A busy cgroup: the default path (/ojrun/<id>) being busy means a
     * container of the same id under another --root, so that is refused;
     * a linux.cgroupsPath the user named is joined with a warning, as runc
     * does -- except for a judge task (--shim, run --result, the task API),
     * whose verdict rests on the cgroup's counters holding its processes
     * only. */
    bool task = c->opts->task || c->opts->shim;
    oj_cgroup_set_join_busy(c->cg, c->cfg->linux_.cgroups_path && !task);
    /* The device cgroup always applies, as in runc: deny everything but
     * the default devices and what linux.resources.devices allows.  The
     * devices the config creates (linux.devices) get no rule of their own,
     * as under runc 1.1: creating a node is not permission to use it, or
     * `linux.devices: [/dev/kmsg]` would make the host's kernel log
     * writable without the config saying so.  Without the device cgroup a
     * device node bind-mounted into the container (/dev/kmsg, /dev/mem)
     * would be usable. */
    struct oj_resources merged = {0};
    if (c->cfg->linux_.has_resources)
        merged = c->cfg->linux_.resources;
    merged.default_devices = true;
    int rc_create = oj_cgroup_create(c->cg, &merged, err);
    if (rc_create < 0) {
        /* create undid its own directories; what remains is not ours (a
         * busy cgroup of another container): rollback must not destroy it */
        oj_cgroup_free(c->cg);
        c->cg = NULL;
        if (err->code == EBUSY && task && c->cfg->linux_.cgroups_path)
            return oj_fail(err, 0,
                           "linux.cgroupsPath %s: the cgroup holds other processes, and a "
                           "judge task needs a cgroup of its own (its verdict rests on the "
                           "cgroup's counters)",
                           c->cfg->linux_.cgroups_path);
        return -1;
    }
    struct strbuf sb = {0};
    if (oj_cgroup_save(c->cg, &sb, err) < 0) {
        sb_free(&sb);
        return -1;
    }
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/cgroup", c->dir);
    int rc = oj_write_file_atomic(path, sb_str(&sb), sb.len, 0600, err);
    sb_free(&sb);
    return rc;
}

static int connect_console(struct oj_container *c, struct oj_err *err)
{
    const char *path = c->opts->console_socket;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path))
        return oj_fail(err, ENAMETOOLONG, "--console-socket %s", path);
    strcpy(sa.sun_path, path);
    c->console_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->console_fd < 0)
        return oj_fail(err, errno, "--console-socket: socket");
    if (connect(c->console_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        return oj_fail(err, errno, "--console-socket: connect to %s", path);
    return 0;
}

/* A foreground terminal (console_master): the init sends the master over a
 * socketpair, as it would to a --console-socket (runc does the same for
 * `run` without -d: utils_linux.go setupIO, a socketpair named "console"). */
static int console_pair(struct oj_container *c, struct oj_err *err)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
        return oj_fail(err, errno, "socketpair for the console");
    c->console_recv = sv[0];
    c->console_fd = sv[1];
    return 0;
}

/* The init sent the master before it reported itself created, so this
 * does not block: it finds the fd, or EOF when the init sent none. */
static int receive_console(struct oj_container *c, struct oj_err *err)
{
    int master = -1;
    if (oj_recv_fd(c->console_recv, &master, NULL, 0, err) < 0)
        return oj_wrap(err, "receive the console from the container init");
    close(c->console_recv);
    c->console_recv = -1;
    *c->opts->console_master = master;
    return 0;
}

static int write_pid_file(const char *path, pid_t pid, struct oj_err *err)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%d", (int)pid);
    _cleanup_free_ char *abs = NULL;
    if (path[0] != '/') {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof(cwd)) || asprintf(&abs, "%s/%s", cwd, path) < 0)
            return oj_fail(err, errno, "--pid-file %s", path);
        path = abs;
    }
    if (oj_write_file_atomic(path, buf, (size_t)n, 0644, err) < 0)
        return oj_wrap(err, "--pid-file");
    return 0;
}

/* Reap our killed init, for at most `ms`: a process in a frozen cgroup
 * does not die of SIGKILL until it is thawed.  false when it did not. */
static bool reap_bounded(pid_t pid, int ms)
{
    for (int waited = 0;; waited += 10) {
        pid_t r = waitpid(pid, NULL, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR))
            return true;
        if (waited >= ms)
            return false;
        usleep(10000);
    }
}

/* Undo a failed create: nothing may remain (process, cgroup, state dir). */
static void rollback(struct oj_container *c)
{
    struct oj_err e = {0};
    if (c->pid > 0) {
        kill(c->pid, SIGKILL);
        /* frozen meanwhile: the cgroup is ours, thaw it so that the init
         * can die */
        bool frozen = false;
        if (c->cg && oj_cgroup_freezing(c->cg, &frozen, NULL) == 0 && frozen &&
            oj_cgroup_freeze(c->cg, false, &e) < 0)
            oj_warn("cleanup: %s", e.msg);
        if (!reap_bounded(c->pid, 10000))
            oj_warn("cleanup: the container init %d did not exit after SIGKILL", (int)c->pid);
    }
    if (c->cg && oj_cgroup_destroy(c->cg, &e) < 0)
        oj_warn("cleanup: %s", e.msg);
    if (c->shared_mntns && c->dir && c->lock_fd >= 0 && oj_rootfs_shared_release(c->dir, &e) < 0)
        oj_warn("cleanup: %s", e.msg);
    if (c->dir && c->lock_fd >= 0 && oj_state_remove(c->dir, &e) < 0)
        oj_warn("cleanup: %s", e.msg);
}

void oj_container_abort(struct oj_container *c)
{
    rollback(c);
}

/* The overrides of the library API (container.h) on the parsed config. */
static int apply_overrides(struct oj_container *c, struct oj_err *err)
{
    const struct oj_create_opts *o = c->opts;
    struct oj_config *cfg = c->cfg;
    if (!o->limits_override.memory_bytes.set && !o->cpus && !o->cgroups_path)
        return 0;
    struct oj_resources *r = &cfg->linux_.resources;
    cfg->has_linux = true;
    if (o->limits_override.memory_bytes.set) {
        if (o->limits_override.memory_bytes.v > INT64_MAX)
            return oj_fail(err, ERANGE, "memory limit %" PRIu64 ": too large",
                           o->limits_override.memory_bytes.v);
        int64_t v = (int64_t)o->limits_override.memory_bytes.v;
        cfg->linux_.has_resources = r->has_memory = true;
        r->memory.limit = (oj_opt_i64){true, v};
        /* memory+swap: a judge limit counts swap too (judge templates) */
        if (r->memory.swap.set)
            r->memory.swap = (oj_opt_i64){true, v};
    }
    char **dst[2] = {o->cpus ? &r->cpu.cpus : NULL,
                     o->cgroups_path ? &cfg->linux_.cgroups_path : NULL};
    const char *src[2] = {o->cpus, o->cgroups_path};
    for (int i = 0; i < 2; i++) {
        if (!dst[i])
            continue;
        char *copy = strdup(src[i]);
        if (!copy)
            return oj_fail(err, ENOMEM, "task options");
        free(*dst[i]);
        *dst[i] = copy;
    }
    if (o->cpus)
        cfg->linux_.has_resources = r->has_cpu = true;
    return 0;
}

static int load_bundle(struct oj_container *c, struct oj_err *err)
{
    const char *b = c->opts->bundle ? c->opts->bundle : ".";
    c->bundle = realpath(b, NULL);
    if (!c->bundle)
        return oj_fail(err, errno, "--bundle %s", b);
    if (c->opts->config_data) {
        c->config_len = c->opts->config_len;
        c->config_data = malloc(c->config_len + 1);
        if (!c->config_data)
            return oj_fail(err, ENOMEM, "config.json");
        memcpy(c->config_data, c->opts->config_data, c->config_len);
        c->config_data[c->config_len] = '\0';
        c->cfg = oj_config_parse(c->config_data, c->config_len, err);
        return c->cfg ? apply_overrides(c, err) : -1;
    }
    char path[PATH_MAX];
    if (snprintf(path, sizeof(path), "%s/config.json", c->bundle) >= (int)sizeof(path))
        return oj_fail(err, ENAMETOOLONG, "--bundle %s", b);
    if (oj_read_file(path, OJ_CONFIG_MAX_BYTES, &c->config_data, &c->config_len, err) < 0) {
        if (err->code == EFBIG)
            return oj_fail(err, EFBIG, "config.json: larger than %u bytes", OJ_CONFIG_MAX_BYTES);
        return -1;
    }
    c->cfg = oj_config_parse(c->config_data, c->config_len, err);
    return c->cfg ? apply_overrides(c, err) : -1;
}

int oj_container_create(const struct oj_context *ctx, const struct oj_create_opts *o,
                        struct oj_container **out, struct oj_err *err)
{
    struct oj_container *c = calloc(1, sizeof(*c));
    if (!c)
        return oj_fail(err, ENOMEM, "create");
    c->ctx = ctx;
    c->opts = o;
    c->lock_fd = c->sync_fd = c->console_fd = c->console_recv = c->seccomp_agent_fd = c->fifo_fd =
        -1;
    int sv[2] = {-1, -1};

    if (oj_state_dir(ctx->root, o->id, &c->dir, err) < 0)
        goto fail_early;
    if (load_bundle(c, err) < 0 || resolve_rootfs(c, err) < 0 || check_config(c, err) < 0)
        goto fail_early;
    if (apply_limits(c, err) < 0)
        goto fail_early;
    oj_debug("config loaded: bundle %s rootfs %s", c->bundle, c->rootfs);

    /* Compile (or fetch from the cache) the seccomp filter now: the init only
     * has to load it, and a bad profile fails before anything exists. */
    if (c->cfg->has_linux && c->cfg->linux_.has_seccomp) {
        char cache[PATH_MAX];
        snprintf(cache, sizeof(cache), "%s/seccomp-cache", ctx->root);
        if (oj_mkdir_p(ctx->root, 0700, err) < 0)
            goto fail_early;
        bool hit = false;
        c->seccomp = calloc(1, sizeof(*c->seccomp));
        if (!c->seccomp ||
            oj_seccomp_prepare(&c->cfg->linux_.seccomp, cache, c->seccomp, &hit, err) < 0)
            goto fail_early;
        oj_debug("seccomp filter %s (%zu instructions)", hit ? "from cache" : "compiled",
                 c->seccomp->len);
        /* NOTIFY: connect to the agent now; after pivot_root the init could
         * not reach listenerPath. */
        if (oj_seccomp_uses_notify(&c->cfg->linux_.seccomp)) {
            c->seccomp_agent_fd =
                oj_seccomp_agent_connect(c->cfg->linux_.seccomp.listener_path, err);
            if (c->seccomp_agent_fd < 0)
                goto fail_early;
        }
    }

    if (make_state_dir(c, err) < 0) {
        if (err->code == EEXIST || c->lock_fd < 0)
            goto fail_early; /* not ours to remove */
        goto fail;
    }
    oj_debug("state directory %s", c->dir);
    if (c->shared_mntns && oj_rootfs_shared_record(c->dir, c->rootfs, err) < 0)
        goto fail;
    if (setup_cgroup(c, err) < 0)
        goto fail;
    if (o->console_socket && connect_console(c, err) < 0)
        goto fail;
    if (!o->console_socket && o->console_master && c->cfg->process && c->cfg->process->terminal &&
        console_pair(c, err) < 0)
        goto fail;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
        oj_fail(err, errno, "socketpair");
        goto fail;
    }
    c->sync_fd = sv[0];
    /* The init moves itself into the v1 hierarchies through these fds
     * (cgroup.h, "fast placement"); opened here, by host root. */
    if (oj_cgroup_prepare_self_enter(c->cg, err) < 0)
        goto fail;
    bool in_v2 = false;
    if (spawn_init(c, sv[1], &in_v2, err) < 0)
        goto fail;
    oj_cgroup_close_self_enter(c->cg);
    close(sv[1]);
    sv[1] = -1;
    /* The init's alone now: `start` waits until no one holds it for
     * writing, and `run` calls start from this process. */
    close(c->fifo_fd);
    c->fifo_fd = -1;
    if (c->console_recv >= 0) {
        /* the init's end: once the init has closed its copy, a recv that
         * finds no master sees EOF instead of blocking */
        close(c->console_fd);
        c->console_fd = -1;
    }
    oj_debug("init PID %d", (int)c->pid);

    if (c->new_userns && write_maps(c, err) < 0)
        goto fail;
    if (c->new_userns && send_bind_sources(c, err) < 0)
        goto fail;
    /* v2 only when clone3 could not place the init at birth; the v1 part
     * is the init's first act after GO. */
    if (!in_v2 && oj_cgroup_enter_v2(c->cg, c->pid, err) < 0)
        goto fail;
    if (c->cfg->process && c->cfg->process->oom_score_adj.set &&
        oj_oom_score_adj_apply(c->pid, c->cfg->process->oom_score_adj.v, err) < 0)
        goto fail;
    oj_debug("init %s its cgroup2 directory", in_v2 ? "born in" : "placed in");
    if (oj_sync_send(c->sync_fd, OJ_SYNC_GO, c->pid, NULL) < 0) {
        oj_fail(err, errno, "signal the container init");
        goto fail;
    }
    if (wait_created(c, err) < 0)
        goto fail;

    c->pid_start_time = oj_pid_start_time(c->pid);
    char created[64];
    oj_rfc3339_now(created, sizeof(created));
    struct oj_state st = container_state(c);
    st.created = created;
    st.owner = getuid();
    st.shim = o->shim;
    /* ojrun-shim calls us in-process: the supervisor is this process */
    st.shim_pid = o->shim ? getpid() : 0;
    st.shim_start_time = o->shim ? oj_pid_start_time(getpid()) : 0;
    /* so that start and delete need not parse config.json without hooks */
    st.has_summary = true;
    st.has_process = c->cfg->process != NULL;
    st.n_poststart = c->cfg->hooks.n[OJ_HOOK_POSTSTART];
    st.n_poststop = c->cfg->hooks.n[OJ_HOOK_POSTSTOP];
    if (oj_state_save(&st, err) < 0)
        goto fail;
    if (o->pid_file && write_pid_file(o->pid_file, c->pid, err) < 0)
        goto fail;
    if (c->console_recv >= 0 && receive_console(c, err) < 0)
        goto fail;
    oj_debug("created");
    *out = c;
    return 0;

fail:
    rollback(c);
fail_early:
    if (sv[1] >= 0)
        close(sv[1]);
    oj_container_free(c);
    return -1;
}
