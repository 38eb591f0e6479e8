/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The "cgroup" mount type: the container's view of /sys/fs/cgroup (and
 * "cgroup2", which gets the same fallback as the v2 case below).
 *
 * cgroup v2 host (/sys/fs/cgroup is cgroup2): a cgroup2 mount.  Inside a
 * cgroup namespace it shows the namespace's root, i.e. the container's own
 * cgroup.  Where the kernel refuses it (no cgroup namespace owned by our
 * user namespace), the container's cgroup directory is bind-mounted.
 *
 * cgroup v1 or hybrid host (one mount per hierarchy under /sys/fs/cgroup,
 * like this project's machine: cpu and cpuacct separate, plus a cgroup2
 * "unified"): a tmpfs at the destination with one entry per hierarchy, as
 * runc does:
 *   - with a new cgroup namespace and no user namespace, a fresh mount of
 *     the hierarchy (mount -t cgroup -o <controllers>): the cgroup
 *     namespace makes its root the container's cgroup;
 *   - otherwise a bind mount of the host's directory of the container's
 *     cgroup in that hierarchy (from /proc/self/cgroup: the init has been
 *     placed in its cgroups before the rootfs is prepared);
 *   - co-mounted controllers ("cpu,cpuacct") get one symlink per name;
 *   - with "ro" the tmpfs itself turns read-only at the end.
 * Limitation: in a user namespace *and* a new cgroup namespace on a v1 host,
 * /proc/self/cgroup reads "/" for every hierarchy (paths are relative to the
 * namespace) and v1 cannot be mounted in a user namespace, so the bind
 * shows the whole hierarchy; create the cgroup namespace after
 * oj_rootfs_prepare() in that case.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "mountinfo.h"
#include "pathres.h"
#include "rootfs_priv.h"
#include "util.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

static bool new_cgroupns(const struct oj_config *cfg)
{
    if (!cfg->has_linux)
        return false;
    for (size_t i = 0; i < cfg->linux_.n_namespaces; i++)
        if (cfg->linux_.namespaces[i].type == OJ_NS_CGROUP && !cfg->linux_.namespaces[i].path)
            return true;
    return false;
}

/*
 * The line of /proc/self/cgroup ("ID:controllers:path") for hierarchy `e`:
 * for cgroup2 the "0::" line, for v1 the line whose controllers are all
 * among the mount's superblock options ("rw,cpu" or "rw,name=systemd").
 * Returns the path and, in `ctrls`, the controllers (NULL if not found).
 */
static const char *own_cgroup(char *proc_cgroup, const struct oj_mountinfo_entry *e, char *ctrls,
                              size_t size)
{
    bool v2 = strcmp(e->fstype, "cgroup2") == 0;
    char *save = NULL;
    for (char *line = strtok_r(proc_cgroup, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        size_t n = (size_t)(c2 - c1 - 1);
        if (n >= size)
            continue;
        memcpy(ctrls, c1 + 1, n);
        ctrls[n] = '\0';
        if (v2 != (n == 0))
            continue;
        bool all = true;
        char tmp[256];
        snprintf(tmp, sizeof(tmp), "%s", ctrls);
        char *s2 = NULL;
        for (char *c = strtok_r(tmp, ",", &s2); c && !v2; c = strtok_r(NULL, ",", &s2))
            all = all && oj_mount_option_has(e->super_options, c);
        if (all)
            return c2 + 1;
    }
    return NULL;
}

/* Host directory of the container's cgroup in hierarchy `e`. */
static int own_cgroup_dir(const struct oj_mountinfo_entry *e, char *dir, size_t size, char *ctrls,
                          size_t csize, struct oj_err *err)
{
    _cleanup_free_ char *text = NULL;
    if (oj_read_file("/proc/self/cgroup", 1 << 20, &text, NULL, err) < 0)
        return -1;
    const char *path = own_cgroup(text, e, ctrls, csize);
    if (!path)
        return oj_fail(err, ENOENT, "cgroup hierarchy %s: not in /proc/self/cgroup", e->mountpoint);
    /* The mount may show a subtree (root field): make the path relative. */
    const char *rel = path;
    if (strcmp(e->root, "/") != 0) {
        if (!oj_path_has_prefix(path, e->root))
            return oj_fail(err, ENOENT, "cgroup hierarchy %s: own cgroup %s is outside the mount",
                           e->mountpoint, path);
        rel = path + strlen(e->root);
    }
    if (snprintf(dir, size, "%s%s", e->mountpoint, rel) >= (int)size)
        return oj_fail(err, ENAMETOOLONG, "cgroup hierarchy %s", e->mountpoint);
    return 0;
}

static int mount_hierarchy(const struct oj_rootfs_opts *o, const struct oj_mountinfo_entry *e,
                           const struct oj_mount_opts *mo, int tmpfd, const char *dst,
                           struct oj_err *err)
{
    const char *name = strrchr(e->mountpoint, '/') + 1;
    char what[PATH_MAX + 64], dir[PATH_MAX], ctrls[256], fdp[OJ_FD_PATH_MAX];
    snprintf(what, sizeof(what), "mount cgroup on %s/%s", dst, name);
    _cleanup_close_ int sub = oj_path_mkdir_in_root(tmpfd, name, 0755, err);
    if (sub < 0)
        return oj_wrap(err, "%s", what);
    unsigned long flags = mo->flags & ~(unsigned long)(MS_BIND | MS_REC | MS_REMOUNT);

    if (new_cgroupns(o->cfg) && !o->in_userns) {
        /* Fresh mount: its root is the cgroup namespace's root.  Only the
         * controllers are needed (mountinfo shows the host's mount roots
         * relative to our namespace, e.g. "/..", so no path is built). */
        _cleanup_free_ char *text = NULL;
        if (oj_read_file("/proc/self/cgroup", 1 << 20, &text, NULL, err) < 0)
            return oj_wrap(err, "%s", what);
        if (!own_cgroup(text, e, ctrls, sizeof(ctrls)))
            return oj_fail(err, ENOENT, "%s: hierarchy not in /proc/self/cgroup", what);
        bool v2 = strcmp(e->fstype, "cgroup2") == 0;
        oj_debug("%s: type %s options \"%s\"", what, e->fstype, v2 ? "" : ctrls);
        if (mount(e->fstype, oj_fd_path(sub, fdp), e->fstype, flags, v2 ? NULL : ctrls) < 0)
            return oj_fail(err, errno, "%s", what);
    } else {
        if (own_cgroup_dir(e, dir, sizeof(dir), ctrls, sizeof(ctrls), err) < 0)
            return oj_wrap(err, "%s", what);
        snprintf(what, sizeof(what), "mount %s on %s/%s", dir, dst, name);
        oj_debug("%s: bind of the container's cgroup", what);
        struct oj_bind_attr a;
        oj_bind_attr_from_opts(mo, &a);
        _cleanup_close_ int mnt = oj_rootfs_bind(AT_FDCWD, dir, sub, true, &a, what, err);
        if (mnt < 0)
            return -1;
    }
    /* Co-mounted controllers (a directory named "cpu,cpuacct"): a link per
     * controller, so that /sys/fs/cgroup/cpu works as on the host. */
    if (strchr(name, ',')) {
        char tmp[NAME_MAX + 1];
        snprintf(tmp, sizeof(tmp), "%s", name);
        char *save = NULL;
        for (char *c = strtok_r(tmp, ",", &save); c; c = strtok_r(NULL, ",", &save))
            if (symlinkat(name, tmpfd, c) < 0 && errno != EEXIST)
                return oj_fail(err, errno, "symlink %s/%s -> %s", dst, c, name);
    }
    return 0;
}

static int mount_v1(const struct oj_rootfs_opts *o, int rootfd, const struct oj_mount_opts *mo,
                    int dstfd, const char *dst, const char *what, struct oj_err *err)
{
    char fdp[OJ_FD_PATH_MAX];
    const unsigned long tmpfs_flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
    oj_debug("%s: tmpfs with one directory per hierarchy (cgroup v1)", what);
    if (mount("tmpfs", oj_fd_path(dstfd, fdp), "tmpfs", tmpfs_flags, "mode=755") < 0)
        return oj_fail(err, errno, "%s: tmpfs", what);
    _cleanup_close_ int tmpfd = oj_path_open_in_root(rootfd, dst, O_PATH | O_DIRECTORY, err);
    if (tmpfd < 0)
        return oj_wrap(err, "%s", what);

    struct oj_mountinfo mi;
    if (oj_mountinfo_read(NULL, &mi, err) < 0)
        return oj_wrap(err, "%s", what);
    int r = 0;
    for (size_t i = 0; i < mi.n && r == 0; i++) {
        const struct oj_mountinfo_entry *e = &mi.v[i];
        if (strcmp(e->fstype, "cgroup") != 0 && strcmp(e->fstype, "cgroup2") != 0)
            continue;
        const char *slash = strrchr(e->mountpoint, '/');
        if ((size_t)(slash - e->mountpoint) != strlen(CGROUP_ROOT) ||
            !oj_path_has_prefix(e->mountpoint, CGROUP_ROOT) || !slash[1])
            continue;
        /* Mounted twice (stacked)?  The first one is enough. */
        bool seen = false;
        for (size_t j = 0; j < i; j++)
            seen = seen || strcmp(mi.v[j].mountpoint, e->mountpoint) == 0;
        if (!seen)
            r = mount_hierarchy(o, e, mo, tmpfd, dst, err);
    }
    oj_mountinfo_free(&mi);
    if (r < 0)
        return -1;

    struct oj_bind_attr a;
    oj_bind_attr_from_opts(mo, &a);
    if (mo->flags & MS_RDONLY) {
        struct mount_attr ma = {.attr_set = MOUNT_ATTR_RDONLY};
        if (mount_setattr(tmpfd, "", AT_EMPTY_PATH, &ma, sizeof(ma)) < 0)
            return oj_fail(err, errno, "%s: make the tmpfs read-only", what);
    }
    return oj_rootfs_set_propagation(tmpfd, mo->propagation, mo->n_propagation, what, err);
}

static int mount_v2(const struct oj_rootfs_opts *o, int rootfd, const struct oj_mount_opts *mo,
                    int dstfd, const char *dst, const char *what, struct oj_err *err)
{
    char fdp[OJ_FD_PATH_MAX];
    unsigned long flags = mo->flags & ~(unsigned long)(MS_BIND | MS_REC);
    if (mount("cgroup2", oj_fd_path(dstfd, fdp), "cgroup2", flags, mo->data) == 0) {
        _cleanup_close_ int mnt = oj_path_open_in_root(rootfd, dst, O_PATH | O_DIRECTORY, err);
        if (mnt < 0)
            return oj_wrap(err, "%s", what);
        return oj_rootfs_set_propagation(mnt, mo->propagation, mo->n_propagation, what, err);
    }
    int e = errno;
    if (e != EPERM && e != EBUSY)
        return oj_fail(err, e, "%s", what);
    /* No cgroup namespace of our own: bind the container's directory of
     * the host's cgroup2 hierarchy (/sys/fs/cgroup, or .../unified on a
     * hybrid host). */
    struct oj_mountinfo mi;
    if (oj_mountinfo_read(NULL, &mi, err) < 0)
        return oj_wrap(err, "%s", what);
    const struct oj_mountinfo_entry *ent = NULL;
    for (size_t i = 0; i < mi.n && !ent; i++)
        if (strcmp(mi.v[i].fstype, "cgroup2") == 0)
            ent = &mi.v[i];
    char dir[PATH_MAX], ctrls[256];
    int r = ent ? own_cgroup_dir(ent, dir, sizeof(dir), ctrls, sizeof(ctrls), err)
                : oj_fail(err, ENOENT, "no cgroup2 hierarchy on the host");
    oj_mountinfo_free(&mi);
    if (r < 0)
        return oj_wrap(err, "%s", what);
    oj_debug("%s: cgroup2: %s, binding %s instead", what, strerror(e), dir);
    struct oj_bind_attr a;
    oj_bind_attr_from_opts(mo, &a);
    _cleanup_close_ int mnt = oj_rootfs_bind(AT_FDCWD, dir, dstfd, true, &a, what, err);
    if (mnt < 0)
        return -1;
    return oj_rootfs_set_propagation(mnt, mo->propagation, mo->n_propagation, what, err);
}

int oj_rootfs_mount_cgroup(const struct oj_rootfs_opts *o, int rootfd, const struct oj_mount *m,
                           const struct oj_mount_opts *mo, int dstfd, const char *dst,
                           struct oj_err *err)
{
    char what[PATH_MAX + 64];
    snprintf(what, sizeof(what), "mount %s on %s", m->type, m->destination);
    if (strcmp(m->type, "cgroup2") == 0) /* asked for explicitly, whatever the host runs */
        return mount_v2(o, rootfd, mo, dstfd, dst, what, err);
    struct statfs sf;
    if (statfs(CGROUP_ROOT, &sf) < 0)
        return oj_fail(err, errno, "%s: statfs %s", what, CGROUP_ROOT);
    if (sf.f_type == CGROUP2_SUPER_MAGIC)
        return mount_v2(o, rootfd, mo, dstfd, dst, what, err);
    return mount_v1(o, rootfd, mo, dstfd, dst, what, err);
}
