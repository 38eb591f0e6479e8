/* SPDX-License-Identifier: Apache-2.0 */
/*
 * start, kill and delete: the operations on an existing container
 * (runtime.md "Operations").  Each loads the state, derives the live status
 * and acts only from the states the spec allows.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "container.h"
#include "hooks.h"
#include "lifecycle.h"
#include "log.h"
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
        oj_hooks_run(&cfg->hooks, kind, sb_str(&sb), &e) == 0) {
        sb_free(&sb);
        return;
    }
    sb_free(&sb);
    oj_warn("%s", e.msg);
}

static int start(const struct oj_globals *g, const char *id, const struct oj_config *given,
                 struct oj_err *err);

int oj_container_start(const struct oj_globals *g, const char *id, struct oj_err *err)
{
    return start(g, id, NULL, err);
}

int oj_container_start_cfg(const struct oj_globals *g, const char *id,
                           const struct oj_config *cfg, struct oj_err *err)
{
    return start(g, id, cfg, err);
}

static int start(const struct oj_globals *g, const char *id, const struct oj_config *given,
                 struct oj_err *err)
{
    _cleanup_state_ struct oj_state *st = NULL;
    if (oj_state_load(g->root, id, &st, err) < 0)
        return -1;
    _cleanup_close_ int lock = oj_state_lock(st->dir, err);
    if (lock < 0)
        return -1;
    /* Reload under the lock: a concurrent create may have finished. */
    oj_state_free(st);
    st = NULL;
    if (oj_state_load(g->root, id, &st, err) < 0)
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

    char fifo[PATH_MAX];
    snprintf(fifo, sizeof(fifo), "%s/exec.fifo", st->dir);
    /* O_NONBLOCK: if the init is gone there is no reader and open() fails
     * with ENXIO at once instead of blocking. */
    _cleanup_close_ int fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return oj_fail(err, errno == ENXIO ? 0 : errno,
                       "cannot start container \"%s\": %s", id,
                       errno == ENXIO ? "its init is not waiting" : "open exec.fifo");
    if (unlink(fifo) < 0)
        return oj_fail(err, errno, "remove %s", fifo);
    if (write(fd, "0", 1) != 1)
        return oj_fail(err, errno, "cannot start container \"%s\": write exec.fifo", id);
    oj_debug("started");
    run_hooks_warn(st, cfg, OJ_HOOK_POSTSTART, OJ_STATUS_RUNNING);
    return 0;
}

int oj_container_kill(const struct oj_globals *g, const char *id, int sig, bool all,
                      struct oj_err *err)
{
    _cleanup_state_ struct oj_state *st = NULL;
    if (oj_state_load(g->root, id, &st, err) < 0)
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

static int del(const struct oj_globals *g, const char *id, bool force,
               const struct oj_config *given, struct oj_err *err);

int oj_container_delete(const struct oj_globals *g, const char *id, bool force,
                        struct oj_err *err)
{
    return del(g, id, force, NULL, err);
}

int oj_container_delete_cfg(const struct oj_globals *g, const char *id, bool force,
                            const struct oj_config *cfg, struct oj_err *err)
{
    return del(g, id, force, cfg, err);
}

static int del(const struct oj_globals *g, const char *id, bool force,
               const struct oj_config *given, struct oj_err *err)
{
    _cleanup_state_ struct oj_state *st = NULL;
    if (oj_state_load(g->root, id, &st, err) < 0) {
        /* runc/crun: `delete --force` of an unknown container succeeds, and
         * containerd relies on it. */
        if (force && err->code == ENOENT)
            return 0;
        return -1;
    }
    _cleanup_close_ int lock = oj_state_lock(st->dir, err);
    if (lock < 0)
        return -1;
    oj_state_free(st);
    st = NULL;
    if (oj_state_load(g->root, id, &st, err) < 0)
        return (force && err->code == ENOENT) ? 0 : -1;

    enum oj_status s = oj_state_status(st);
    /* runtime.md "Delete": deleting a container that is not stopped MUST
     * fail.  runc and crun let a created one go; we follow the spec. */
    if (s != OJ_STATUS_STOPPED && s != OJ_STATUS_CREATING && !force)
        return oj_fail(err, 0, "cannot delete container \"%s\": it is %s (stop it first, or "
                               "use --force)", id, oj_status_name(s));

    struct oj_cgroup *cg = NULL;
    struct oj_err cerr = {0};
    if (oj_state_cgroup(st, &cg, &cerr) < 0 && cerr.code != ENOENT)
        oj_warn("container \"%s\": %s", id, cerr.msg);

    if (s != OJ_STATUS_STOPPED && s != OJ_STATUS_CREATING) {
        if (cg)
            oj_cgroup_kill_all(cg, SIGKILL, &cerr);
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
