/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The processes of a container's cgroup: freezing (pause/resume), listing
 * (ps) and signalling them all (kill --all, delete).
 *
 * Freezer: v1 freezer.state (Documentation/admin-guide/cgroup-v1/freezer-subsystem.rst)
 * goes THAWED -> FREEZING -> FROZEN; v2 cgroup.freeze is the request and the
 * "frozen" key of cgroup.events the outcome (cgroup-v2.rst "Core Interface
 * Files").  Both may take a while when tasks sit in uninterruptible sleep,
 * so we wait, boundedly.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cgroup_internal.h"
#include "cleanup.h"
#include "log.h"
#include "util.h"

#define FREEZE_TIMEOUT_MS 5000
#define KILL_TIMEOUT_MS   5000

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* The directory holding the freezer: the v1 freezer hierarchy, else the
 * cgroup2 directory (cgroup.freeze is part of the v2 core). */
static struct oj_cg_dir *freezer_dir(const struct oj_cgroup *cg)
{
    struct oj_cg_dir *d = oj_cg_v1_dir(cg, "freezer");
    return d ? d : oj_cg_v2_dir(cg);
}

/* Where processes are listed: the freezer's directory (so that what we
 * freeze is what we list), else the first hierarchy. */
static struct oj_cg_dir *procs_dir(const struct oj_cgroup *cg)
{
    struct oj_cg_dir *d = freezer_dir(cg);
    if (d)
        return d;
    for (size_t i = 0; i < cg->n; i++)
        if (!cg->dirs[i].absent)
            return &cg->dirs[i];
    return NULL;
}

static int read_frozen(const struct oj_cg_dir *d, bool *frozen, struct oj_err *err)
{
    _cleanup_free_ char *text = NULL;
    if (d->v2) {
        uint64_t v;
        if (oj_cg_read(d->path, "cgroup.events", &text, err) < 0)
            return -1;
        if (oj_cg_kv(text, "frozen", &v) < 0)
            return oj_fail(err, 0, "read %s/cgroup.events: no \"frozen\" key (kernel < 5.2?)",
                           d->path);
        *frozen = v == 1;
        return 0;
    }
    if (oj_cg_read(d->path, "freezer.state", &text, err) < 0)
        return -1;
    text[strcspn(text, "\n")] = '\0';
    *frozen = strcmp(text, "FROZEN") == 0; /* FREEZING is not frozen yet */
    return 0;
}

int oj_cgroup_is_frozen(struct oj_cgroup *cg, bool *frozen, struct oj_err *err)
{
    struct oj_cg_dir *d = freezer_dir(cg);
    if (!d)
        return oj_fail(err, 0, "no freezer: neither a v1 freezer hierarchy nor cgroup v2");
    return read_frozen(d, frozen, err);
}

int oj_cgroup_freezing(struct oj_cgroup *cg, bool *freezing, struct oj_err *err)
{
    *freezing = false;
    struct oj_cg_dir *d = freezer_dir(cg);
    if (!d)
        return 0;
    _cleanup_free_ char *text = NULL;
    if (d->v2) {
        /* cgroup.events "frozen" is the effective state (an ancestor's
         * freeze included); cgroup.freeze our own request, in force before
         * the kernel reports it done */
        uint64_t v = 0;
        if (oj_cg_read(d->path, "cgroup.events", &text, err) < 0)
            return -1;
        if (oj_cg_kv(text, "frozen", &v) == 0 && v == 1) {
            *freezing = true;
            return 0;
        }
        free(text);
        text = NULL;
        if (oj_cg_read(d->path, "cgroup.freeze", &text, err) < 0)
            return err && err->code == ENOENT ? 0 : -1;
        *freezing = text[0] == '1';
        return 0;
    }
    /* v1: FREEZING (on its way) counts, and a child of a frozen cgroup
     * reads FROZEN itself */
    if (oj_cg_read(d->path, "freezer.state", &text, err) < 0)
        return -1;
    text[strcspn(text, "\n")] = '\0';
    *freezing = strcmp(text, "FROZEN") == 0 || strcmp(text, "FREEZING") == 0;
    return 0;
}

static int write_state(struct oj_cgroup *cg, const struct oj_cg_dir *d, bool frozen,
                       struct oj_err *err)
{
    if (d->v2)
        return oj_cg_write(cg, d->path, "cgroup.freeze", err, "%d", frozen ? 1 : 0);
    return oj_cg_write(cg, d->path, "freezer.state", err, "%s", frozen ? "FROZEN" : "THAWED");
}

int oj_cgroup_freeze(struct oj_cgroup *cg, bool frozen, struct oj_err *err)
{
    struct oj_cg_dir *d = freezer_dir(cg);
    if (!d)
        return oj_fail(err, 0, "no freezer: neither a v1 freezer hierarchy nor cgroup v2");
    long deadline = now_ms() + FREEZE_TIMEOUT_MS;
    for (long step = 1;; step = step < 32 ? step * 2 : 32) {
        /* v1: writing FROZEN again retries the tasks that could not be
         * frozen yet; v2: the request is sticky, rewriting is harmless. */
        if (write_state(cg, d, frozen, err) < 0)
            return -1;
        bool now;
        if (read_frozen(d, &now, err) < 0)
            return -1;
        if (now == frozen)
            return 0;
        if (now_ms() >= deadline)
            break;
        sleep_ms(step);
    }
    if (frozen) {
        struct oj_err e1;
        if (write_state(cg, d, false, &e1) < 0)
            oj_warn("thaw %s after failed freeze: %s", d->path, e1.msg);
        return oj_fail(err, ETIMEDOUT, "freeze %s: not frozen after %d ms", d->path,
                       FREEZE_TIMEOUT_MS);
    }
    return oj_fail(err, ETIMEDOUT, "thaw %s: still frozen after %d ms", d->path, FREEZE_TIMEOUT_MS);
}

static int append_pid(pid_t **pids, size_t *n, size_t *cap, pid_t pid)
{
    for (size_t i = 0; i < *n; i++)
        if ((*pids)[i] == pid)
            return 0;
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        pid_t *np = realloc(*pids, ncap * sizeof(*np));
        if (!np)
            return -1;
        *pids = np;
        *cap = ncap;
    }
    (*pids)[(*n)++] = pid;
    return 0;
}

/* cgroup.procs of `dir` and of every sub-cgroup below it. */
static int collect(const char *dir, int depth, pid_t **pids, size_t *n, size_t *cap,
                   struct oj_err *err)
{
    if (depth > 64)
        return oj_fail(err, ELOOP, "list processes of %s", dir);
    _cleanup_free_ char *text = NULL;
    if (oj_cg_read(dir, "cgroup.procs", &text, err) < 0)
        return -1;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        int64_t pid;
        if (oj_parse_i64(line, &pid) < 0 || pid <= 0 || pid > INT_MAX)
            return oj_fail(err, 0, "read %s/cgroup.procs: bad pid \"%.20s\"", dir, line);
        if (append_pid(pids, n, cap, (pid_t)pid) < 0)
            return oj_fail(err, ENOMEM, "list processes of %s", dir);
    }
    _cleanup_closedir_ DIR *dh = opendir(dir);
    if (!dh)
        return oj_fail(err, errno, "open %s", dir);
    struct dirent *de;
    while ((de = readdir(dh))) {
        if (de->d_type != DT_DIR || strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char sub[PATH_MAX];
        if (snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name) >= (int)sizeof(sub))
            continue;
        if (collect(sub, depth + 1, pids, n, cap, err) < 0) {
            if (err && err->code == ENOENT)
                continue; /* sub-cgroup removed meanwhile */
            return -1;
        }
    }
    return 0;
}

int oj_cgroup_pids(struct oj_cgroup *cg, pid_t **pids, size_t *n, struct oj_err *err)
{
    *pids = NULL;
    *n = 0;
    struct oj_cg_dir *d = procs_dir(cg);
    if (!d)
        return oj_fail(err, 0, "list processes: the container has no cgroup directory");
    size_t cap = 0;
    if (collect(d->path, 0, pids, n, &cap, err) < 0) {
        free(*pids);
        *pids = NULL;
        *n = 0;
        if (err && err->code == ENOENT)
            return 0; /* no cgroup, no processes (delete after a failed create) */
        return -1;
    }
    return 0;
}

static int signal_each(struct oj_cgroup *cg, int sig, size_t *n_signalled, struct oj_err *err)
{
    _cleanup_free_ pid_t *pids = NULL;
    size_t n;
    if (oj_cgroup_pids(cg, &pids, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (kill(pids[i], sig) < 0 && errno != ESRCH)
            return oj_fail(err, errno, "send signal %d to process %d", sig, (int)pids[i]);
    *n_signalled = n;
    return 0;
}

/* Wait until the cgroup holds no process; false on timeout. */
static bool wait_empty(struct oj_cgroup *cg, long timeout_ms)
{
    long deadline = now_ms() + timeout_ms;
    for (long step = 1;; step = step < 32 ? step * 2 : 32) {
        _cleanup_free_ pid_t *pids = NULL;
        size_t n;
        if (oj_cgroup_pids(cg, &pids, &n, NULL) == 0 && n == 0)
            return true;
        if (now_ms() >= deadline)
            return false;
        sleep_ms(step);
    }
}

int oj_cgroup_kill_all(struct oj_cgroup *cg, int sig, struct oj_err *err)
{
    struct oj_cg_dir *fz = freezer_dir(cg);

    /* cgroup.kill (5.14+) kills the whole subtree atomically: no fork race
     * and no pid reuse race.  Used when the cgroup2 directory is also the
     * freezer's: with a v1 freezer a paused container's tasks could not
     * die until thawed, which the loop below handles. */
    if (sig == SIGKILL && fz && fz->v2 && oj_cg_exists(fz->path, "cgroup.kill")) {
        if (oj_cg_write(cg, fz->path, "cgroup.kill", err, "1") < 0)
            return -1;
        if (wait_empty(cg, KILL_TIMEOUT_MS))
            return 0;
        return oj_fail(err, ETIMEDOUT, "kill all processes of %s: still running after %d ms",
                       fz->path, KILL_TIMEOUT_MS);
    }

    /* Freeze so that nothing forks between listing and signalling; a
     * signal other than SIGKILL leaves the freezer as it found it (a paused
     * container stays paused and gets the signal when resumed).  SIGKILL
     * always thaws: frozen v1 tasks cannot die. */
    bool was_frozen = false;
    if (fz && oj_cgroup_is_frozen(cg, &was_frozen, NULL) < 0)
        fz = NULL;
    long deadline = now_ms() + KILL_TIMEOUT_MS;
    for (;;) {
        bool froze = false;
        if (fz) {
            struct oj_err e1;
            if (oj_cgroup_freeze(cg, true, &e1) == 0)
                froze = true;
            else
                oj_warn("kill all: %s; signalling without freezing", e1.msg);
        }
        size_t n = 0;
        int rc = signal_each(cg, sig, &n, err);
        if (froze && (sig == SIGKILL || !was_frozen)) {
            struct oj_err e1;
            if (oj_cgroup_freeze(cg, false, rc < 0 ? &e1 : err) < 0 && rc == 0)
                return -1;
        }
        if (rc < 0)
            return -1;
        if (sig != SIGKILL || n == 0)
            return 0;
        /* SIGKILL: repeat until empty (a process may have been created
         * after the list when we could not freeze) */
        if (wait_empty(cg, 100))
            return 0;
        if (now_ms() >= deadline)
            return oj_fail(err, ETIMEDOUT, "kill all processes: still running after %d ms",
                           KILL_TIMEOUT_MS);
    }
}
