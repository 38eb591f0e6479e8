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
 *   - with a cgroup namespace, a fresh mount of the hierarchy
 *     (mount -t cgroup -o <controllers>, or cgroup2): the cgroup namespace
 *     makes its root the container's cgroup.  This works in a user
 *     namespace too, because the init creates the cgroup namespace after
 *     entering the user namespace, which therefore owns it: the kernel only
 *     asks for CAP_SYS_ADMIN over that owner to mount a v1 hierarchy that
 *     already exists (it refuses to create new ones);
 *   - otherwise a bind mount of the host's directory of the container's
 *     cgroup in that hierarchy (from /proc/self/cgroup and the mount's root
 *     in mountinfo: the init has been placed in its cgroups before the
 *     rootfs is prepared).  A bind is also the fallback when the fresh
 *     mount is refused (EPERM: a joined cgroup namespace owned by another
 *     user namespace), but only where the container's cgroup is visible:
 *     inside a cgroup namespace rooted below the host's mount, mountinfo
 *     shows that mount's root as "/.." and our cgroup as "/", which says
 *     nothing about where the cgroup is;
 *   - co-mounted controllers ("cpu,cpuacct") get one symlink per name;
 *   - with "ro" the tmpfs itself turns read-only at the end.
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

/* A cgroup namespace in the config, new or joined: the init is in it by the
 * time the rootfs is prepared (a new one is unshared by the init after it
 * entered its cgroups and its user namespace, see init.c). */
static bool has_cgroupns(const struct oj_config *cfg)
{
    return cfg->has_linux && oj_config_namespace(cfg, OJ_NS_CGROUP) != NULL;
}

/*
 * The line of /proc/self/cgroup ("ID:controllers:path") for hierarchy `e`:
 * for cgroup2 the "0::" line, for v1 the line whose controllers are all
 * among the mount's superblock options ("rw,cpu" or "rw,name=systemd").
 * Returns the path and, in `ctrls`, the controllers (NULL if not found).
 * Tokenizes `proc_cgroup`.
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

/*
 * Where the caller's cgroup `path` (from /proc/self/cgroup) is under the
 * mount `e`.  Both are relative to the caller's cgroup namespace: the
 * mount's root field is the path of the directory it shows ("/" for a
 * whole hierarchy, "/docker/x" for a bind of a subtree).  Inside a cgroup
 * namespace rooted below that directory, the kernel prints the mount's root
 * as "/.." (cgroup_namespaces(7)) and our cgroup as "/": the host's path of
 * our cgroup cannot be derived, only a fresh mount can show it.
 */
static void locate(struct oj_cgroup_view *v, const struct oj_mountinfo_entry *e, const char *path)
{
    const char *rel = path;
    if (strcmp(e->root, "/") != 0) {
        if (!oj_path_has_prefix(path, e->root)) {
            snprintf(v->hidden, sizeof(v->hidden),
                     "cgroup hierarchy %s: own cgroup %s is outside the mount (root %s)%s",
                     e->mountpoint, path, e->root,
                     strncmp(e->root, "/..", 3) == 0 ? ", hidden by the cgroup namespace" : "");
            return;
        }
        rel = path + strlen(e->root);
    }
    if (snprintf(v->dir, sizeof(v->dir), "%s%s", e->mountpoint, rel) >= (int)sizeof(v->dir)) {
        v->dir[0] = '\0';
        snprintf(v->hidden, sizeof(v->hidden), "cgroup hierarchy %s: path too long", e->mountpoint);
    }
}

int oj_cgroup_views_read(const char *mountinfo, const char *self_cgroup,
                         struct oj_cgroup_views *out, struct oj_err *err)
{
    *out = (struct oj_cgroup_views){0};
    const char *cg_path = self_cgroup ? self_cgroup : "/proc/self/cgroup";
    _cleanup_free_ char *text = NULL;
    if (oj_read_file(cg_path, 1 << 20, &text, NULL, err) < 0)
        return -1;
    struct oj_mountinfo mi;
    if (oj_mountinfo_read(mountinfo, &mi, err) < 0)
        return -1;
    out->v = calloc(mi.n ? mi.n : 1, sizeof(*out->v));
    if (!out->v) {
        oj_mountinfo_free(&mi);
        return oj_fail(err, ENOMEM, "cgroup hierarchies");
    }
    for (size_t i = 0; i < mi.n; i++) {
        const struct oj_mountinfo_entry *e = &mi.v[i];
        if (strcmp(e->fstype, "cgroup") != 0 && strcmp(e->fstype, "cgroup2") != 0)
            continue;
        /* Mounted twice (stacked)?  The first one is enough. */
        bool seen = false;
        for (size_t j = 0; j < out->n; j++)
            seen = seen || strcmp(out->v[j].mountpoint, e->mountpoint) == 0;
        struct oj_cgroup_view *v = &out->v[out->n];
        if (seen || strlen(e->mountpoint) >= sizeof(v->mountpoint))
            continue;
        _cleanup_free_ char *copy = strdup(text);
        if (!copy) {
            oj_mountinfo_free(&mi);
            oj_cgroup_views_free(out);
            return oj_fail(err, ENOMEM, "cgroup hierarchies");
        }
        const char *path = own_cgroup(copy, e, v->controllers, sizeof(v->controllers));
        if (!path)
            continue; /* not a hierarchy this process is in */
        snprintf(v->mountpoint, sizeof(v->mountpoint), "%s", e->mountpoint);
        v->v2 = strcmp(e->fstype, "cgroup2") == 0;
        locate(v, e, path);
        out->n++;
    }
    oj_mountinfo_free(&mi);
    return 0;
}

void oj_cgroup_views_free(struct oj_cgroup_views *views)
{
    free(views->v);
    *views = (struct oj_cgroup_views){0};
}

/* Bind the host's directory of our cgroup (v->dir) onto `dstfd`. */
static int bind_own(const struct oj_cgroup_view *v, const struct oj_mount_opts *mo, int dstfd,
                    const char *what, int refused, struct oj_err *err)
{
    if (!v->dir[0]) {
        if (refused) /* "...: own cgroup / is outside ..., and a fresh mount: Operation..." */
            return oj_fail(err, refused, "%s: %s, and a fresh mount", what, v->hidden);
        return oj_fail(err, ENOENT, "%s: %s", what, v->hidden);
    }
    char w[2 * PATH_MAX + 64];
    snprintf(w, sizeof(w), "%s: bind %s", what, v->dir);
    oj_debug("%s (the container's cgroup)", w);
    struct oj_bind_attr a;
    oj_bind_attr_from_opts(mo, &a);
    int mnt = oj_rootfs_bind(AT_FDCWD, v->dir, dstfd, true, &a, w, err);
    if (mnt < 0)
        return -1;
    int r = oj_rootfs_set_propagation(mnt, mo->propagation, mo->n_propagation, w, err);
    close(mnt);
    return r;
}

/*
 * One hierarchy under the tmpfs.  With a cgroup namespace (which the init
 * entered after its user namespace, so that namespace owns it), a fresh
 * mount of the hierarchy: its root is the namespace's root, the
 * container's cgroup.  The kernel allows that in a user namespace for a v1
 * hierarchy that already exists (cgroup1_get_tree() checks CAP_SYS_ADMIN
 * over the cgroup namespace's owner), as for cgroup2.  Without a cgroup
 * namespace a fresh mount would show the host's whole hierarchy: bind our
 * own directory instead.
 */
static int mount_hierarchy(const struct oj_rootfs_opts *o, const struct oj_cgroup_view *v,
                           const struct oj_mount_opts *mo, int tmpfd, const char *dst,
                           struct oj_err *err)
{
    const char *name = strrchr(v->mountpoint, '/') + 1;
    char what[PATH_MAX + 64], fdp[OJ_FD_PATH_MAX];
    snprintf(what, sizeof(what), "mount cgroup on %s/%s", dst, name);
    _cleanup_close_ int sub = oj_path_mkdir_in_root(tmpfd, name, 0755, err);
    if (sub < 0)
        return oj_wrap(err, "%s", what);
    unsigned long flags = mo->flags & ~(unsigned long)(MS_BIND | MS_REC | MS_REMOUNT);
    const char *type = v->v2 ? "cgroup2" : "cgroup";

    int refused = 0;
    if (has_cgroupns(o->cfg)) {
        oj_debug("%s: type %s options \"%s\"", what, type, v->controllers);
        if (mount(type, oj_fd_path(sub, fdp), type, flags, v->v2 ? NULL : v->controllers) < 0) {
            refused = errno;
            if (refused != EPERM)
                return oj_fail(err, refused, "%s: type %s options \"%s\"", what, type,
                               v->controllers);
            oj_debug("%s: %s, falling back to a bind", what, strerror(refused));
        }
    }
    if ((!has_cgroupns(o->cfg) || refused) && bind_own(v, mo, sub, what, refused, err) < 0)
        return -1;
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

    struct oj_cgroup_views views;
    if (oj_cgroup_views_read(NULL, NULL, &views, err) < 0)
        return oj_wrap(err, "%s", what);
    int r = 0;
    for (size_t i = 0; i < views.n && r == 0; i++) {
        const char *mp = views.v[i].mountpoint, *slash = strrchr(mp, '/');
        /* the hierarchies directly under /sys/fs/cgroup */
        if ((size_t)(slash - mp) == strlen(CGROUP_ROOT) && oj_path_has_prefix(mp, CGROUP_ROOT) &&
            slash[1])
            r = mount_hierarchy(o, &views.v[i], mo, tmpfd, dst, err);
    }
    oj_cgroup_views_free(&views);
    if (r < 0)
        return -1;

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
    struct oj_cgroup_views views;
    if (oj_cgroup_views_read(NULL, NULL, &views, err) < 0)
        return oj_wrap(err, "%s", what);
    const struct oj_cgroup_view *v2 = NULL;
    for (size_t i = 0; i < views.n && !v2; i++)
        if (views.v[i].v2)
            v2 = &views.v[i];
    oj_debug("%s: cgroup2: %s", what, strerror(e));
    int r = v2 ? bind_own(v2, mo, dstfd, what, e, err)
               : oj_fail(err, e, "%s: no cgroup2 hierarchy on the host to bind instead", what);
    oj_cgroup_views_free(&views);
    return r;
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
