/* SPDX-License-Identifier: Apache-2.0 */
/*
 * start, kill and delete: the operations on an existing container
 * (runtime.md "Operations").  Each loads the state, derives the live status
 * and acts only from the states the spec allows.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "container.h"
#include "hooks.h"
#include "lifecycle.h"
#include "log.h"
#include "rootfs.h"
#include "state.h"
#include "util.h"

int oj_state_cgroup(const struct oj_state *st, struct oj_cgroup **out, struct oj_err *err)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/cgroup", st->dir);
    _cleanup_free_ char *text = NULL;
    if (oj_read_file(path, 1 << 16, &text, NULL, err) < 0)
        return -1;
    return oj_cgroup_load(text, out, err);
}

int oj_state_config(const struct oj_state *st, struct oj_config **out, struct oj_err *err)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/config.json", st->dir);
    *out = oj_config_load(path, err);
    return *out ? 0 : -1;
}

/* The hooks' working directory (hooks.h): the bundle, as runc 1.1 gives
 * poststart (run by its create, which chdirs there) and poststop under
 * `run` (and under `delete` from containerd's shim, which runs in the
 * bundle).  A bundle removed since create leaves poststop the caller's
 * directory rather than not running it. */
static const char *hook_dir(const struct oj_state *st, enum oj_hook_kind kind)
{
    if (kind == OJ_HOOK_POSTSTOP && (!st->bundle || access(st->bundle, X_OK) < 0))
        return NULL;
    return st->bundle;
}

/* Run hooks whose failure must not fail the operation (poststart and
 * poststop, runtime.md "Lifecycle" steps 9 and 12): warn and go on. */
static void run_hooks_warn(const struct oj_state *st, const struct oj_config *cfg,
                           enum oj_hook_kind kind, enum oj_status status)
{
    if (!cfg || cfg->hooks.n[kind] == 0)
        return;
    struct oj_err e = {0};
    struct strbuf sb = {0};
    if (oj_state_json(st, status, false, &sb, &e) == 0 &&
        oj_hooks_run(&cfg->hooks, kind, sb_str(&sb), hook_dir(st, kind), &e) == 0) {
        sb_free(&sb);
        return;
    }
    sb_free(&sb);
    oj_warn("%s", e.msg);
}

/*
 * Let the waiting init go, and return once its program runs: runtime.md
 * "start" runs the user program, and poststart hooks (and whoever sends a
 * signal right after start) must find the program, not the init still
 * setting up.
 *
 * The init holds exec.fifo open O_RDWR (O_CLOEXEC) and blocks reading it.
 * We open a reader of our own, write one byte, and wait for POLLHUP on our
 * reader: a FIFO's reader gets it once no writer is left (pipe(7)), and the
 * init's fd is the last writer -- closed by its execve, or by its death.
 * Only then do we read: anything there is the init's error message (it
 * writes it into the fifo before exiting), or our own byte when the init
 * died before reading it.  Nothing read: the program runs.  runc has the
 * same shape the other way round (the init writes, `runc start` reads to
 * EOF, which the execve's close delivers).
 *
 * Poll only reports POLLHUP for writers that opened after the reader, so
 * the order is: a writer first (ENXIO at once when no init holds the fifo
 * any more, instead of blocking), then our reader, then the writer we use.
 * The fifo is unlinked last, as runc removes it after the exec: until then
 * `state` says created.  A supervised task's init closes the fifo once it
 * has read the byte (its supervisor, often our caller, sees the exec).
 */
static int release_init(const struct oj_state *st, const char *id, struct oj_err *err)
{
    char fifo[PATH_MAX];
    snprintf(fifo, sizeof(fifo), "%s/exec.fifo", st->dir);
    _cleanup_close_ int probe = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (probe < 0)
        return oj_fail(err, errno == ENXIO ? 0 : errno, "cannot start container \"%s\": %s", id,
                       errno == ENXIO ? "its init is not waiting" : "open exec.fifo");
    _cleanup_close_ int rfd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (rfd < 0)
        return oj_fail(err, errno, "cannot start container \"%s\": open exec.fifo", id);
    int wfd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (wfd < 0)
        return oj_fail(err, errno, "cannot start container \"%s\": open exec.fifo", id);
    close(probe);
    probe = -1;
    ssize_t w = write(wfd, "0", 1);
    int werr = errno;
    close(wfd);
    if (w != 1)
        return oj_fail(err, werr, "cannot start container \"%s\": write exec.fifo", id);

    struct pollfd pfd = {.fd = rfd, .events = 0};
    int r;
    while ((r = poll(&pfd, 1, -1)) < 0 && errno == EINTR)
        ;
    if (r < 0)
        return oj_fail(err, errno, "cannot start container \"%s\": wait for the process", id);
    char msg[OJ_ERR_MSG_MAX];
    ssize_t n = read(rfd, msg, sizeof(msg) - 1);
    if (unlink(fifo) < 0 && errno != ENOENT)
        return oj_fail(err, errno, "remove %s", fifo);
    if (n <= 0)
        return 0;
    msg[n] = '\0';
    if (strcmp(msg, "0") == 0)
        return oj_fail(err, 0,
                       "cannot start container \"%s\": its init died before starting the "
                       "process",
                       id);
    return oj_fail(err, 0, "cannot start container \"%s\": %s", id, msg);
}

/* Lock the container directory.  A concurrent delete may remove it between
 * our look and the lock: that container "does not exist" (ENOENT), like
 * one that never did. */
static int start(const struct oj_context *ctx, const char *id, const struct oj_config *given,
                 struct oj_err *err);

int oj_container_start(const struct oj_context *ctx, const char *id, struct oj_err *err)
{
    return start(ctx, id, NULL, err);
}

int oj_container_start_cfg(const struct oj_context *ctx, const char *id,
                           const struct oj_config *cfg, struct oj_err *err)
{
    return start(ctx, id, cfg, err);
}

static int start(const struct oj_context *ctx, const char *id, const struct oj_config *given,
                 struct oj_err *err)
{
    _cleanup_state_ struct oj_state *st = NULL;
    _cleanup_close_ int lock = oj_state_load_locked(ctx->root, id, &st, err);
    if (lock < 0)
        return -1;
    enum oj_status s = oj_state_status(st);
    if (s != OJ_STATUS_CREATED)
        return oj_fail(err, 0, "cannot start container \"%s\": it is %s, not created", id,
                       oj_status_name(s));
    /* config.json only when there are poststart hooks to run (or the state
     * does not say): create recorded what start needs in state.json. */
    _cleanup_config_ struct oj_config *parsed = NULL;
    const struct oj_config *cfg = given;
    if (!cfg && !(st->has_summary && st->n_poststart == 0)) {
        if (oj_state_config(st, &parsed, err) < 0)
            return -1;
        cfg = parsed;
    }
    if (cfg ? !cfg->process : !st->has_process)
        return oj_fail(err, 0, "cannot start container \"%s\": config.json has no process", id);

    if (release_init(st, id, err) < 0)
        return -1;
    oj_debug("started");
    run_hooks_warn(st, cfg, OJ_HOOK_POSTSTART, OJ_STATUS_RUNNING);
    return 0;
}

int oj_container_kill(const struct oj_context *ctx, const char *id, int sig, bool all,
                      struct oj_err *err)
{
    _cleanup_state_ struct oj_state *st = NULL;
    if (oj_state_load(ctx->root, id, &st, err) < 0)
        return -1;
    enum oj_status s = oj_state_status(st);
    if (s == OJ_STATUS_STOPPED || s == OJ_STATUS_CREATING)
        return oj_fail(err, 0, "cannot kill container \"%s\": it is %s", id, oj_status_name(s));
    if (all) {
        struct oj_cgroup *cg = NULL;
        if (oj_state_cgroup(st, &cg, err) < 0)
            return -1;
        int r = oj_cgroup_kill_all(cg, sig, err);
        oj_cgroup_free(cg);
        return r;
    }
    if (kill(st->pid, sig) < 0)
        return oj_fail(err, errno, "kill container \"%s\" (PID %d)", id, (int)st->pid);
    return 0;
}

/* Wait until the init is gone (or a zombie: we are not its parent and
 * cannot reap it, but it no longer runs anything). */
static bool wait_dead(const struct oj_state *st, int ms)
{
    for (int i = 0; i < ms; i++) {
        if (!oj_pid_alive(st->pid, st->pid_start_time))
            return true;
        struct timespec ts = {0, 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return !oj_pid_alive(st->pid, st->pid_start_time);
}

/* Is `pid` among the processes of `cg`? */
static bool cgroup_holds(struct oj_cgroup *cg, pid_t pid)
{
    _cleanup_free_ pid_t *pids = NULL;
    size_t n = 0;
    if (pid <= 0 || oj_cgroup_pids(cg, &pids, &n, NULL) < 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (pids[i] == pid)
            return true;
    return false;
}

/* The cgroup `delete` removes.  Normally the one create recorded in
 * <dir>/cgroup.  That file is missing when create was killed while making
 * the directories (it is written once they exist, before the init is
 * cloned), and unreadable when the state directory is damaged; then the
 * cgroup is derived the way create places it: linux.cgroupsPath of the
 * stored config.json, else /ojrun/<id>.  With the default path a container
 * of the same id under another --root may live there, so a derived cgroup
 * is taken only when it is empty or holds our init (`pid`, 0 when
 * unknown).  Processes there are certainly not ours when the record was
 * never written (no init was cloned before it) or when our init is known
 * and not among them: they are left alone.  When the record is damaged and
 * the init unknown, they cannot be told apart: that is an error.
 * *out is NULL when there is nothing to remove. */
static int find_cgroup(const struct oj_state *st, pid_t pid, struct oj_cgroup **out,
                       struct oj_err *err)
{
    *out = NULL;
    struct oj_err e = {0};
    if (oj_state_cgroup(st, out, &e) == 0)
        return 0;
    bool damaged = e.code != ENOENT;
    if (damaged)
        oj_warn("container \"%s\": %s; looking for its cgroup where create puts it", st->id,
                e.msg);

    _cleanup_config_ struct oj_config *cfg = NULL;
    struct oj_err cerr = {0};
    if (oj_state_config(st, &cfg, &cerr) < 0 && cerr.code != ENOENT)
        oj_warn("container \"%s\": %s", st->id, cerr.msg);
    struct oj_cgroup_host host;
    _cleanup_cgroup_ struct oj_cgroup *cg = NULL;
    if (oj_cgroup_host_detect(&host, NULL, NULL, &e) < 0) {
        oj_warn("container \"%s\": %s", st->id, e.msg);
        return 0;
    }
    int r = oj_cgroup_new(&host, cfg ? cfg->linux_.cgroups_path : NULL, st->id, &cg, &e);
    oj_cgroup_host_free(&host);
    if (r < 0) {
        oj_warn("container \"%s\": %s", st->id, e.msg);
        return 0;
    }
    _cleanup_free_ pid_t *pids = NULL;
    size_t n = 0;
    const char *where = oj_cgroup_dir(cg, "") ? oj_cgroup_dir(cg, "") : "(unknown)";
    if (oj_cgroup_pids(cg, &pids, &n, &e) < 0) {
        oj_warn("container \"%s\": %s", st->id, e.msg);
        return 0;
    }
    if (n > 0 && !cgroup_holds(cg, pid)) {
        if (damaged && pid <= 0)
            return oj_fail(err, 0, "container \"%s\": its cgroup record is damaged and cgroup "
                                   "%s holds processes that may belong to another container "
                                   "of the same id: not removed",
                           st->id, where);
        oj_warn("container \"%s\": cgroup %s holds processes that are not this container's: "
                "left alone",
                st->id, where);
        return 0;
    }
    *out = oj_steal_ptr(&cg);
    return 0;
}

/* delete --force of a container whose state.json cannot be read (damaged,
 * or cut short): what it still owns is found through its cgroup, which is
 * emptied (the init with it) and removed, then the state directory goes.
 * Poststop hooks need the container's state and are not run. */
static int delete_damaged(const char *id, const char *dir, const struct oj_err *why,
                          struct oj_err *err)
{
    oj_warn("%s; removing what the container owns (poststop hooks not run)", why->msg);
    struct oj_state st = {.id = (char *)id, .dir = (char *)dir};
    struct oj_cgroup *cg = NULL;
    if (find_cgroup(&st, 0, &cg, err) < 0)
        return -1;
    if (cg) {
        int r = oj_cgroup_destroy(cg, err);
        oj_cgroup_free(cg);
        if (r < 0)
            return oj_wrap(err, "container \"%s\"", id);
    }
    if (oj_rootfs_shared_release(dir, err) < 0)
        return oj_wrap(err, "container \"%s\"", id);
    return oj_state_remove(dir, err);
}

static int del(const struct oj_context *ctx, const char *id, bool force,
               const struct oj_config *given, struct oj_err *err);

int oj_container_delete(const struct oj_context *ctx, const char *id, bool force,
                        struct oj_err *err)
{
    return del(ctx, id, force, NULL, err);
}

int oj_container_delete_cfg(const struct oj_context *ctx, const char *id, bool force,
                            const struct oj_config *cfg, struct oj_err *err)
{
    return del(ctx, id, force, cfg, err);
}

static int del(const struct oj_context *ctx, const char *id, bool force,
               const struct oj_config *given, struct oj_err *err)
{
    _cleanup_free_ char *dir = NULL;
    if (oj_state_dir(ctx->root, id, &dir, err) < 0)
        return -1;
    struct stat sb;
    if (lstat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
        /* runc/crun: `delete --force` of an unknown container succeeds, and
         * containerd relies on it. */
        if (force)
            return 0;
        oj_fail(err, 0, "container \"%s\" does not exist", id);
        err->code = ENOENT;
        return -1;
    }
    _cleanup_close_ int lock = oj_state_lock_container(dir, id, err);
    if (lock < 0)
        return (force && err->code == ENOENT) ? 0 : -1;
    /* Load under the lock: a concurrent create or delete may have finished. */
    _cleanup_state_ struct oj_state *st = NULL;
    struct oj_err lerr = {0};
    if (oj_state_load(ctx->root, id, &st, &lerr) < 0) {
        if (lerr.code == ENOENT && force)
            return 0;
        if (lerr.code == ENOENT || !force) {
            *err = lerr;
            if (lerr.code != ENOENT)
                return oj_fail(err, lerr.code, "%s (delete --force removes it)", lerr.msg);
            return -1;
        }
        return delete_damaged(id, dir, &lerr, err);
    }

    enum oj_status s = oj_state_status(st);
    /* runtime.md "Delete": deleting a container that is not stopped MUST
     * fail.  runc and crun let a created one go; we follow the spec. */
    if (s != OJ_STATUS_STOPPED && s != OJ_STATUS_CREATING && !force)
        return oj_fail(err, 0, "cannot delete container \"%s\": it is %s (stop it first, or "
                               "use --force)", id, oj_status_name(s));

    /* While creating (create died half-way: it holds the lock until it
     * ends) the init may be alive, in the cgroup or about to die of
     * PR_SET_PDEATHSIG; emptying the cgroup covers both. */
    struct oj_cgroup *cg = NULL;
    bool alive = s != OJ_STATUS_STOPPED && s != OJ_STATUS_CREATING;
    if (find_cgroup(st, alive ? st->pid : 0, &cg, err) < 0)
        return -1;

    if (alive) {
        struct oj_err kerr = {0};
        /* A shared cgroup (joined busy at create) holds processes that are
         * not the container's: only the init is killed (with its PID
         * namespace, the kernel kills the rest of the container). */
        if (cg && !oj_cgroup_is_shared(cg))
            oj_cgroup_kill_all(cg, SIGKILL, &kerr);
        kill(st->pid, SIGKILL);
        if (!wait_dead(st, 10000)) {
            if (cg)
                oj_cgroup_free(cg);
            return oj_fail(err, 0, "container \"%s\": PID %d did not die after SIGKILL", id,
                           (int)st->pid);
        }
    }
    int rc = 0;
    if (cg) {
        if (oj_cgroup_destroy(cg, err) < 0)
            rc = -1;
        oj_cgroup_free(cg);
    }
    if (rc < 0)
        return -1;
    /* Without a mount namespace of its own, its mounts are in ours. */
    if (oj_rootfs_shared_release(st->dir, err) < 0)
        return oj_wrap(err, "container \"%s\"", id);

    _cleanup_config_ struct oj_config *parsed = NULL;
    /* no state.json: create never finished, its hooks are not due; and
     * config.json only when there are poststop hooks (or the state does
     * not say) */
    const struct oj_config *cfg = st->has_state_file ? given : NULL;
    bool want = st->has_state_file && !(st->has_summary && st->n_poststop == 0);
    struct oj_err herr = {0};
    if (!cfg && want && oj_state_config(st, &parsed, &herr) < 0)
        oj_warn("container \"%s\": poststop hooks not run: %s", id, herr.msg);
    if (!cfg)
        cfg = parsed;
    run_hooks_warn(st, cfg, OJ_HOOK_POSTSTOP, OJ_STATUS_STOPPED);
    return oj_state_remove(st->dir, err);
}
