/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals shared by rootfs.c (mounts[], pivot, finalize), rootfs_dev.c
 * (/dev) and rootfs_cgroup.c (the "cgroup" mount type).  Not an API.
 */
#ifndef OJRUN_ROOTFS_PRIV_H
#define OJRUN_ROOTFS_PRIV_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "error.h"
#include "mountopt.h"
#include "rootfs.h"

/* mount_setattr(2) attributes for a bind mount: `set`/`clr` on the top
 * mount, `rec_set`/`rec_clr` on it and every mount below it. */
struct oj_bind_attr {
    uint64_t set, clr, rec_set, rec_clr;
};

/* From parsed options: the attributes a bind mount gets. */
void oj_bind_attr_from_opts(const struct oj_mount_opts *mo, struct oj_bind_attr *a);

/*
 * Bind `src` (resolved relative to `srcdirfd`; "" means srcdirfd itself)
 * onto the object `dstfd` refers to, with the new mount API:
 * open_tree(OPEN_TREE_CLONE) makes a detached copy, mount_setattr(2)
 * applies `a` to the copy *before* anyone can see it, move_mount(2)
 * attaches it on top of dstfd.  Returns an fd of the new mount (for
 * propagation changes; the caller closes it) or -1; errors read
 * "<what>: <reason>".
 */
int oj_rootfs_bind(int srcdirfd, const char *src, int dstfd, bool recursive,
                   const struct oj_bind_attr *a, const char *what, struct oj_err *err);

/* Apply propagation changes (MS_SHARED/... | MS_REC) to the mount `mntfd`
 * is the root of. */
int oj_rootfs_set_propagation(int mntfd, const unsigned long *prop, size_t n, const char *what,
                              struct oj_err *err);

/* mounts[] entry of type "cgroup" or "cgroup2": see rootfs_cgroup.c.  `dstfd` is the
 * resolved (created) destination directory, `dst` its cleaned path. */
int oj_rootfs_mount_cgroup(const struct oj_rootfs_opts *o, int rootfd, const struct oj_mount *m,
                           const struct oj_mount_opts *mo, int dstfd, const char *dst,
                           struct oj_err *err);

/*
 * One cgroup hierarchy of the host as the "cgroup" mount type sees it, from
 * mountinfo and /proc/self/cgroup (both relative to the caller's cgroup
 * namespace).  Pure logic, so that tests can run it on fake trees.
 */
struct oj_cgroup_view {
    char mountpoint[PATH_MAX]; /* "/sys/fs/cgroup/cpu,cpuacct" */
    bool v2;                   /* a cgroup2 mount (else cgroup v1) */
    /* The data of a fresh mount of this hierarchy: its v1 controllers as
     * /proc/self/cgroup names them ("cpu,cpuacct", "name=systemd"); "" for
     * cgroup2. */
    char controllers[256];
    /* The host directory of the caller's cgroup in this hierarchy, for a
     * bind mount; "" when the mount does not show it, with the reason in
     * `hidden` (the mount's root lies outside the cgroup namespace, "/.."). */
    char dir[PATH_MAX];
    char hidden[PATH_MAX + 128];
};

struct oj_cgroup_views {
    struct oj_cgroup_view *v; /* in mountinfo order, one per mount point */
    size_t n;
};

/* Every cgroup and cgroup2 mount of `mountinfo` (NULL: /proc/self/mountinfo)
 * that appears in `self_cgroup` (NULL: /proc/self/cgroup); a mount point
 * mounted twice counts once (the first). */
int oj_cgroup_views_read(const char *mountinfo, const char *self_cgroup,
                         struct oj_cgroup_views *out, struct oj_err *err);
void oj_cgroup_views_free(struct oj_cgroup_views *views);

/* /dev: default devices and links when `defaults`, then linux.devices[]. */
int oj_rootfs_setup_dev(const struct oj_rootfs_opts *o, int rootfd, bool defaults,
                        bool proc_mounted, struct oj_err *err);

/* Is this mounts[] entry a bind mount (type "bind" or a bind/rbind option)? */
bool oj_rootfs_is_bind(const struct oj_mount *m, const struct oj_mount_opts *mo);

#endif
