/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's root filesystem: mounts[], /dev, pivot_root, and the
 * read-only and masked paths (OCI runtime spec: config.md "Root" and
 * "Mounts", config-linux.md "Devices", "Default Devices",
 * "Default Filesystems", "Masked Paths", "Readonly Paths",
 * "Rootfs Mount Propagation").
 *
 * Called by the container init, a process already inside its new mount
 * namespace (and possibly a new user namespace, where it is uid 0), in
 * three steps with the createContainer hooks in between:
 *
 *   oj_rootfs_prepare()   mounts built from the host side of the world;
 *   ... createContainer hooks (they still see the host's "/") ...
 *   oj_rootfs_pivot()     the rootfs becomes "/", the host's "/" goes away;
 *   oj_rootfs_finalize()  what must happen inside: ro and masked paths.
 *
 * Every destination in the config is resolved *inside* the rootfs
 * (pathres.h): a "../" or a symlink in the image can never make ojrun
 * mount over, or create files in, the host's filesystem.
 *
 * Requires Linux >= 5.12 (openat2, open_tree/move_mount, mount_setattr).
 */
#ifndef OJRUN_ROOTFS_H
#define OJRUN_ROOTFS_H

#include <stdbool.h>

#include "config.h"
#include "error.h"

struct oj_rootfs_opts {
    const struct oj_config *cfg;
    /* Absolute canonical host path of the container's root (the caller
     * realpath()s root.path against the bundle). */
    const char *rootfs;
    /* Relative bind-mount sources are resolved against this directory
     * (the bundle, as the spec says); NULL: the current directory. */
    const char *bundle;
    /* A new user namespace was created for the container: mknod(2) is not
     * allowed, so devices are bind-mounted from the host; sysfs and mqueue
     * may not be mountable without their own namespaces (a bind of the
     * host's is used instead). */
    bool in_userns;
    /* Per mounts[] entry, an O_PATH fd of the bind source opened for us by
     * host root in our mount namespace (oj_rootfs_open_bind_sources()), or
     * -1; NULL: none.  Used instead of looking the source up. */
    const int *bind_src_fds;
    /* --no-pivot: MS_MOVE the rootfs onto "/" and chroot(2) instead of
     * pivot_root(2) (for rootfs on ramfs/initramfs, where pivot_root fails). */
    bool no_pivot;
    /* No mount namespace of the container's own (config-linux.md: it
     * inherits the runtime's): the propagation of "/" and of the mount
     * holding the rootfs are the host's and stay as they are; everything is
     * mounted below the bind of the rootfs onto itself, and the container
     * is chroot(2)ed into it -- pivot_root(2) would move the host's root.
     * runc does the same, but makes the host's "/" rslave first. */
    bool shared_mntns;
};

/*
 * Step 1, before the createContainer hooks, with the host's "/" still
 * visible:
 *  - make "/" MS_SLAVE|MS_REC (or linux.rootfsPropagation when it is
 *    private/slave/unbindable) so nothing done here propagates to the host;
 *  - make the mount holding the rootfs private and bind the rootfs onto
 *    itself (MS_BIND|MS_REC): pivot_root needs a mount point, and a
 *    non-shared parent;
 *  - mount mounts[] in order (proc, sysfs, tmpfs, devpts, mqueue, cgroup,
 *    cgroup2, bind/rbind and any other filesystem), creating missing
 *    destinations (a directory, or an empty file for a file bind mount);
 *  - when mounts[] has a (non-bind) /dev mount: create the default devices
 *    null zero full random urandom tty and the links fd stdin stdout stderr
 *    ptmx (core); always: linux.devices[].
 * Errors name the mount: "mount proc on /proc: Permission denied".
 */
int oj_rootfs_prepare(const struct oj_rootfs_opts *o, struct oj_err *err);

/*
 * For a container with a new user namespace: open (O_PATH) the source of
 * every bind mount of cfg->mounts into fds[i] (-1 for other entries or a
 * source that cannot be opened: the init then reports its own error).
 * Called by a helper of `ojrun create` that is host root but has joined the
 * container's mount namespace: it can reach a source below a directory
 * only host root may search (a 0700 parent), which the container's root
 * cannot, and the fds belong to the mount namespace the init binds in
 * (open_tree(2) refuses mounts of another namespace).  runc 1.1 does the
 * same ("mountFds", opened by its nsexec parent).  Relative sources are
 * taken relative to the current directory (the helper's is the bundle).
 */
void oj_rootfs_open_bind_sources(const struct oj_config *cfg, int *fds);

/*
 * Step 2: make the rootfs the process's "/".  pivot_root(".", ".") from
 * inside the rootfs stacks the old root on top of the new one, then
 * umount2(MNT_DETACH) drops it; with o->no_pivot: detach the host's other
 * mounts, MS_MOVE the rootfs onto "/", chroot(".").  Ends with cwd "/".
 */
int oj_rootfs_pivot(const struct oj_rootfs_opts *o, struct oj_err *err);

/*
 * Step 3, inside the new root: "/" gets linux.rootfsPropagation (if set); a
 * /dev mount with "ro" becomes read-only now that its devices exist;
 * root.readonly remounts "/" read-only; linux.readonlyPaths are bound onto
 * themselves read-only (recursively); linux.maskedPaths get /dev/null
 * (files) or an empty read-only tmpfs (directories) over them.  Missing
 * readonly/masked paths are skipped, as the spec allows.
 */
int oj_rootfs_finalize(const struct oj_rootfs_opts *o, struct oj_err *err);

/*
 * A container in the runtime's mount namespace (shared_mntns) leaves its
 * mounts there when it ends: the bind of the rootfs onto itself, with
 * everything mounted below it (runc leaves them).  Before the clone,
 * create records in <dir>/rootfs-mounts how many mounts already sit at the
 * rootfs path (rootfs_shared.c); delete, and a create that fails, detach
 * (MNT_DETACH, which takes the subtree with it) the ones stacked there
 * since, and nothing when the record is absent.
 */
int oj_rootfs_shared_record(const char *dir, const char *rootfs, struct oj_err *err);
int oj_rootfs_shared_release(const char *dir, struct oj_err *err);

#endif
