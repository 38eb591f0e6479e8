/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Putting the container init into its cgroup (cgroup.h, "fast placement").
 *
 * The classic way, oj_cgroup_enter(), writes the init's PID into
 * cgroup.procs of every hierarchy.  The first such write blocks for an RCU
 * grace period (the kernel write-locks the global percpu
 * cgroup_threadgroup_rwsem; rcu_sync_enter() waits for readers on every CPU
 * to notice), measured at 5-20 ms here, more than all of the rest of `ojrun
 * run` together.  The fast way avoids the lock: the init moves *itself*
 * through v1 `tasks` files with "0", which the kernel migrates without the
 * threadgroup lock (kernel/cgroup/cgroup.c, cgroup_procs_write_start), and
 * the v2 directory is entered at birth by clone3(CLONE_INTO_CGROUP).
 * specs/performance.md has the measurements.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup_internal.h"
#include "log.h"

int oj_cgroup_enter(struct oj_cgroup *cg, pid_t pid, struct oj_err *err)
{
    for (size_t i = 0; i < cg->n; i++) {
        struct oj_cg_dir *d = &cg->dirs[i];
        if (d->absent)
            continue;
        /* cgroup.procs moves the whole thread group (cgroups(7)) */
        if (oj_cg_write(cg, d->path, "cgroup.procs", err, "%d", (int)pid) < 0)
            return oj_wrap(err, "move process %d into its cgroup", (int)pid);
    }
    return 0;
}

/* Split "[CTRLS:]PATH"; *ctrls is NULL without controllers.  The path
 * must stay below the container's cgroup. */
static int parse_sub(const char *spec, char *buf, size_t len, const char **ctrls,
                     const char **path, struct oj_err *err)
{
    if (snprintf(buf, len, "%s", spec) >= (int)len)
        return oj_fail(err, ENAMETOOLONG, "--cgroup %s", spec);
    char *colon = strchr(buf, ':');
    *ctrls = NULL;
    *path = buf;
    if (colon) {
        *colon = '\0';
        *ctrls = buf;
        *path = colon + 1;
    }
    while (**path == '/')
        (*path)++;
    if (!**path)
        return oj_fail(err, 0, "--cgroup %s: empty path", spec);
    for (const char *p = *path; *p;) {
        size_t n = strcspn(p, "/");
        if ((n == 2 && p[0] == '.' && p[1] == '.') || (n == 1 && p[0] == '.'))
            return oj_fail(err, 0, "--cgroup %s: %s is not a sub cgroup path", spec, *path);
        p += n;
        while (*p == '/')
            p++;
    }
    return 0;
}

/* Does hierarchy `d` carry one of the comma-separated `ctrls`? */
static bool carries(const struct oj_cg_dir *d, const char *ctrls)
{
    char list[256];
    snprintf(list, sizeof(list), "%s", ctrls);
    char *save = NULL;
    for (char *t = strtok_r(list, ",", &save); t; t = strtok_r(NULL, ",", &save))
        if (oj_cg_list_has(d->controllers, d->v2 ? ' ' : ',', t))
            return true;
    return false;
}

int oj_cgroup_enter_sub(struct oj_cgroup *cg, pid_t pid, const char *const *specs, size_t n,
                        struct oj_err *err)
{
    char buf[PATH_MAX];
    const char *ctrls, *path;
    for (size_t k = 0; k < n; k++)
        if (parse_sub(specs[k], buf, sizeof(buf), &ctrls, &path, err) < 0)
            return -1;
    for (size_t i = 0; i < cg->n; i++) {
        struct oj_cg_dir *d = &cg->dirs[i];
        if (d->absent)
            continue;
        /* the last spec naming this hierarchy wins, as later flags do */
        const char *sub = NULL;
        char subbuf[PATH_MAX];
        for (size_t k = 0; k < n; k++) {
            parse_sub(specs[k], buf, sizeof(buf), &ctrls, &path, err);
            if (!ctrls || carries(d, ctrls)) {
                snprintf(subbuf, sizeof(subbuf), "%s", path);
                sub = subbuf;
            }
        }
        char dir[PATH_MAX];
        if (sub && snprintf(dir, sizeof(dir), "%s/%s", d->path, sub) >= (int)sizeof(dir))
            return oj_fail(err, ENAMETOOLONG, "--cgroup %s", sub);
        if (oj_cg_write(cg, sub ? dir : d->path, "cgroup.procs", err, "%d", (int)pid) < 0)
            return oj_wrap(err, "move process %d into its cgroup", (int)pid);
    }
    return 0;
}

int oj_cgroup_prepare_self_enter(struct oj_cgroup *cg, struct oj_err *err)
{
    oj_cgroup_close_self_enter(cg);
    cg->self_fds = malloc(cg->n * sizeof(int));
    if (!cg->self_fds)
        return oj_fail(err, ENOMEM, "cgroup");
    for (size_t i = 0; i < cg->n; i++)
        cg->self_fds[i] = -1;
    for (size_t i = 0; i < cg->n; i++) {
        struct oj_cg_dir *d = &cg->dirs[i];
        if (d->absent || d->v2)
            continue;
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/tasks", d->path);
        cg->self_fds[i] = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
        if (cg->self_fds[i] < 0) {
            int e = errno;
            oj_cgroup_close_self_enter(cg);
            return oj_fail(err, e, "open %s", path);
        }
    }
    return 0;
}

int oj_cgroup_enter_self(struct oj_cgroup *cg, struct oj_err *err)
{
    if (!cg->self_fds)
        return 0;
    int rc = 0;
    for (size_t i = 0; i < cg->n && rc == 0; i++) {
        if (cg->self_fds[i] < 0)
            continue;
        /* "0" is the writer itself; through `tasks` only this thread moves,
         * which is the whole process for the single-threaded init. */
        if (write(cg->self_fds[i], "0", 1) != 1)
            rc = oj_fail(err, errno, "move the container init into %s/tasks", cg->dirs[i].path);
        else
            oj_debug("cgroup: init moved itself into %s", cg->dirs[i].path);
    }
    oj_cgroup_close_self_enter(cg);
    return rc;
}

void oj_cgroup_close_self_enter(struct oj_cgroup *cg)
{
    if (!cg->self_fds)
        return;
    for (size_t i = 0; i < cg->n; i++)
        if (cg->self_fds[i] >= 0)
            close(cg->self_fds[i]);
    free(cg->self_fds);
    cg->self_fds = NULL;
}

int oj_cgroup_clone_fd(struct oj_cgroup *cg)
{
    if (cg->v2_fd < 0) {
        struct oj_cg_dir *d = oj_cg_v2_dir(cg);
        if (!d)
            return -1;
        cg->v2_fd = open(d->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
    return cg->v2_fd;
}

int oj_cgroup_enter_v2(struct oj_cgroup *cg, pid_t pid, struct oj_err *err)
{
    struct oj_cg_dir *d = oj_cg_v2_dir(cg);
    if (!d)
        return 0;
    if (oj_cg_write(cg, d->path, "cgroup.procs", err, "%d", (int)pid) < 0)
        return oj_wrap(err, "move process %d into its cgroup", (int)pid);
    return 0;
}
