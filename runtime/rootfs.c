/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container's root filesystem: prepare (mounts[]), pivot, finalize.
 * See rootfs.h for the sequence; /dev is in rootfs_dev.c and the "cgroup"
 * mount type in rootfs_cgroup.c.
 *
 * Two ways of mounting are used, each where it fits:
 *  - filesystems (proc, tmpfs, ...) with mount(2), whose target is the
 *    destination's O_PATH fd spelled "/proc/self/fd/N": the kernel follows
 *    that magic link to exactly the inode we resolved inside the rootfs,
 *    so no path is looked up twice (runc and crun do the same);
 *  - bind mounts with the new mount API (open_tree, mount_setattr,
 *    move_mount; Linux 5.2/5.12), fd to fd.  ro/nosuid/... are set on the
 *    detached copy before it is attached, so a bind mount is never
 *    visible read-write, and mount_setattr changes only the attributes
 *    asked for.  The classic sequence, MS_BIND then
 *    MS_REMOUNT|MS_BIND|MS_RDONLY, resets every flag not passed, and in a
 *    user namespace the kernel refuses to clear flags "locked" on mounts
 *    inherited from the parent namespace (mount_namespaces(7)), so runc has
 *    to read them with statfs() and pass them back; see remount_keep() for
 *    where ojrun still does it that way.
 */
#include "rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "mountinfo.h"
#include "mountopt.h"
#include "pathres.h"
#include "rootfs_priv.h"

/* The only destinations inside /proc a mount may cover: files that
 * lxcfs-style FUSE filesystems emulate per container (runc's list).
 * Anything else there (/proc/sys, /proc/sysrq-trigger, ...) could be used
 * to undo the masking of the real procfs. */
static const char *const proc_mount_allowed[] = {
    "/proc/cpuinfo", "/proc/diskstats",
    "/proc/meminfo", "/proc/stat",
    "/proc/swaps",   "/proc/uptime",
    "/proc/loadavg", "/proc/slabinfo",
    "/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
};

bool oj_rootfs_is_bind(const struct oj_mount *m, const struct oj_mount_opts *mo)
{
    return (mo->flags & MS_BIND) || (m->type && strcmp(m->type, "bind") == 0);
}

void oj_bind_attr_from_opts(const struct oj_mount_opts *mo, struct oj_bind_attr *a)
{
    oj_mount_flags_to_attr(mo->flags, mo->clear, &a->set, &a->clr);
    oj_mount_flags_to_attr(mo->rec_flags, mo->rec_clear, &a->rec_set, &a->rec_clr);
}

static int setattr(int fd, unsigned flags, uint64_t set, uint64_t clr)
{
    struct mount_attr ma = {.attr_set = set, .attr_clr = clr};
    return mount_setattr(fd, "", AT_EMPTY_PATH | flags, &ma, sizeof(ma));
}

int oj_rootfs_bind(int srcdirfd, const char *src, int dstfd, bool recursive,
                   const struct oj_bind_attr *a, const char *what, struct oj_err *err)
{
    unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
    if (!src[0])
        flags |= AT_EMPTY_PATH;
    _cleanup_close_ int tree = open_tree(srcdirfd, src, flags);
    if (tree < 0)
        return oj_fail(err, errno, "%s", what);
    if ((a->set || a->clr) && setattr(tree, 0, a->set, a->clr) < 0)
        return oj_fail(err, errno, "%s: mount_setattr", what);
    if ((a->rec_set || a->rec_clr) && setattr(tree, AT_RECURSIVE, a->rec_set, a->rec_clr) < 0)
        return oj_fail(err, errno, "%s: mount_setattr (recursive)", what);
    if (move_mount(tree, "", dstfd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return oj_fail(err, errno, "%s", what);
    return oj_steal_fd(&tree);
}

int oj_rootfs_set_propagation(int mntfd, const unsigned long *prop, size_t n, const char *what,
                              struct oj_err *err)
{
    for (size_t i = 0; i < n; i++) {
        char s[64];
        oj_mount_flags_str(prop[i], s, sizeof(s));
        struct mount_attr ma = {.propagation = prop[i] & ~(unsigned long)MS_REC};
        unsigned flags = AT_EMPTY_PATH | ((prop[i] & MS_REC) ? AT_RECURSIVE : 0);
        oj_debug("%s: propagation %s", what, s);
        if (mount_setattr(mntfd, "", flags, &ma, sizeof(ma)) < 0)
            return oj_fail(err, errno, "%s: set propagation %s", what, s);
    }
    return 0;
}

#ifndef ST_NOSYMFOLLOW
#define ST_NOSYMFOLLOW 0x2000 /* Linux 5.10; glibc passes statfs f_flags through */
#endif

/* MS_* flags a mount currently has, from statvfs(3) f_flag. */
static unsigned long current_mount_flags(const struct statvfs *sv)
{
    static const struct {
        unsigned long st, ms;
    } map[] = {
        {ST_RDONLY, MS_RDONLY},     {ST_NOSUID, MS_NOSUID},
        {ST_NODEV, MS_NODEV},       {ST_NOEXEC, MS_NOEXEC},
        {ST_NOATIME, MS_NOATIME},   {ST_NODIRATIME, MS_NODIRATIME},
        {ST_RELATIME, MS_RELATIME}, {ST_NOSYMFOLLOW, MS_NOSYMFOLLOW},
    };
    unsigned long f = 0;
    for (size_t i = 0; i < OJ_ARRAY_SIZE(map); i++)
        if (sv->f_flag & map[i].st)
            f |= map[i].ms;
    return f;
}

/*
 * MS_REMOUNT|MS_BIND of `target` adding `add` and dropping `drop`, keeping
 * every other per-mount flag it has now.  A legacy remount sets the mount's
 * flags to exactly those passed, so the current ones (statvfs) must be
 * passed back -- and inside a user namespace that is not optional: the
 * kernel refuses (EPERM) to clear nosuid/nodev/noexec/ro/atime flags
 * locked on a mount that came from a more privileged namespace.
 */
static int remount_keep(const char *target, unsigned long add, unsigned long drop, const char *what,
                        struct oj_err *err)
{
    struct statvfs sv;
    if (statvfs(target, &sv) < 0)
        return oj_fail(err, errno, "%s: statvfs", what);
    unsigned long cur = current_mount_flags(&sv);
    if (add & (MS_NOATIME | MS_RELATIME | MS_STRICTATIME))
        cur &= ~(unsigned long)(MS_NOATIME | MS_RELATIME | MS_STRICTATIME);
    unsigned long flags = MS_REMOUNT | MS_BIND | ((cur & ~drop) | add);
    char s[128];
    oj_mount_flags_str(flags, s, sizeof(s));
    oj_debug("%s: remount flags %s", what, s);
    if (mount(NULL, target, NULL, flags, NULL) < 0)
        return oj_fail(err, errno, "%s", what);
    return 0;
}

/* Refuse destinations inside procfs except the allowed ones. */
static int check_proc_destination(const char *what, const char *dst, int dstfd, bool is_proc,
                                  struct oj_err *err)
{
    struct statfs sf;
    if (fstatfs(dstfd, &sf) < 0)
        return oj_fail(err, errno, "%s: statfs", what);
    bool on_proc = sf.f_type == PROC_SUPER_MAGIC;
    if (is_proc || (!on_proc && !oj_path_has_prefix(dst, "/proc")))
        return 0;
    if (!on_proc && strcmp(dst, "/proc") == 0)
        return 0; /* the rootfs's own /proc directory, before proc is mounted */
    for (size_t i = 0; i < OJ_ARRAY_SIZE(proc_mount_allowed); i++)
        if (strcmp(dst, proc_mount_allowed[i]) == 0)
            return 0;
    return oj_fail(err, EPERM,
                   "%s: the destination is inside /proc, where only /proc/cpuinfo, meminfo, "
                   "stat, uptime and similar files may be mounted over",
                   what);
}

/* A relative bind source is relative to the bundle (config.md "Mounts"). */
static int source_path(const struct oj_rootfs_opts *o, const char *src, char *buf, size_t size)
{
    int n;
    if (src[0] == '/' || !o->bundle)
        n = snprintf(buf, size, "%s", src);
    else
        n = snprintf(buf, size, "%s/%s", o->bundle, src);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

void oj_rootfs_open_bind_sources(const struct oj_config *cfg, int *fds)
{
    for (size_t i = 0; i < cfg->n_mounts; i++) {
        const struct oj_mount *m = &cfg->mounts[i];
        fds[i] = -1;
        struct oj_mount_opts mo;
        struct oj_err e;
        if (!m->source || oj_mount_opts_parse(m->options, m->n_options, &mo, &e) < 0)
            continue;
        if (oj_rootfs_is_bind(m, &mo) && !(mo.flags & MS_REMOUNT))
            fds[i] = open(m->source, O_PATH | O_CLOEXEC);
        oj_mount_opts_free(&mo);
    }
}

static int mount_bind(const struct oj_rootfs_opts *o, int rootfd, const struct oj_mount *m,
                      const struct oj_mount_opts *mo, const char *dst, const char *what,
                      struct oj_err *err)
{
    if (!m->source)
        return oj_fail(err, EINVAL, "%s: a bind mount needs a source", what);
    char src[PATH_MAX];
    if (source_path(o, m->source, src, sizeof(src)) < 0)
        return oj_fail(err, ENAMETOOLONG, "%s", what);

    if (mo->flags & MS_REMOUNT) {
        /* "bind,remount,ro": change an existing bind mount in place. */
        _cleanup_close_ int fd = oj_path_open_in_root(rootfd, dst, O_PATH, err);
        if (fd < 0)
            return oj_wrap(err, "%s", what);
        char fdp[OJ_FD_PATH_MAX];
        return remount_keep(oj_fd_path(fd, fdp), mo->flags & ~(MS_REMOUNT | MS_BIND | MS_REC),
                            mo->clear, what, err);
    }

    /* Opened for us by host root (new user namespace, see rootfs.h)? */
    int srcfd = -1;
    if (o->bind_src_fds)
        srcfd = o->bind_src_fds[m - o->cfg->mounts];

    /* The source decides what the mount point must be: bind a file onto a
     * file, a directory onto a directory (mount(2) ENOTDIR otherwise). */
    struct stat st;
    if ((srcfd >= 0 ? fstat(srcfd, &st) : stat(src, &st)) < 0)
        return oj_fail(err, errno, "%s", what);
    _cleanup_close_ int dstfd = S_ISDIR(st.st_mode)
                                    ? oj_path_mkdir_in_root(rootfd, dst, 0755, err)
                                    : oj_path_mkfile_in_root(rootfd, dst, 0644, err);
    if (dstfd < 0)
        return oj_wrap(err, "%s", what);
    if (check_proc_destination(what, dst, dstfd, false, err) < 0)
        return -1;

    struct oj_bind_attr a;
    oj_bind_attr_from_opts(mo, &a);
    _cleanup_close_ int mnt =
        srcfd >= 0 ? oj_rootfs_bind(srcfd, "", dstfd, (mo->flags & MS_REC) != 0, &a, what, err)
                   : oj_rootfs_bind(AT_FDCWD, src, dstfd, (mo->flags & MS_REC) != 0, &a, what, err);
    if (mnt < 0)
        return -1;
    if (mo->flags & (MS_SYNCHRONOUS | MS_DIRSYNC | MS_MANDLOCK | MS_LAZYTIME | MS_I_VERSION))
        oj_debug("%s: superblock options (sync, dirsync, ...) do not apply to a bind mount", what);
    return oj_rootfs_set_propagation(mnt, mo->propagation, mo->n_propagation, what, err);
}

/* Inside a user namespace without its own network (IPC) namespace the
 * kernel refuses a new sysfs (mqueue) instance: bind the host's instead,
 * as runc does.  Returns 1 when the fallback was used, 0 when it does not
 * apply, -1 on error. */
static int userns_fallback(const struct oj_rootfs_opts *o, const struct oj_mount *m,
                           const struct oj_mount_opts *mo, int dstfd, int mount_errno,
                           const char *what, struct oj_err *err)
{
    if (!o->in_userns || mount_errno != EPERM || !m->type)
        return 0;
    const char *host = NULL;
    if (strcmp(m->type, "sysfs") == 0)
        host = "/sys";
    else if (strcmp(m->type, "mqueue") == 0 && access("/dev/mqueue", F_OK) == 0)
        host = "/dev/mqueue";
    if (!host)
        return 0;
    oj_debug("%s: %s, binding the host's %s instead", what, strerror(mount_errno), host);
    struct oj_bind_attr a;
    oj_bind_attr_from_opts(mo, &a);
    _cleanup_close_ int mnt = oj_rootfs_bind(AT_FDCWD, host, dstfd, true, &a, what, err);
    if (mnt < 0)
        return -1;
    if (oj_rootfs_set_propagation(mnt, mo->propagation, mo->n_propagation, what, err) < 0)
        return -1;
    return 1;
}

/* Is the last component of `path` in the root a symlink (or another
 * non-directory, with `want_dir`)?  Missing is fine: it gets created. */
static int refuse_symlink(int rootfd, const char *path, bool want_dir, const char *what,
                          const char *why, struct oj_err *err)
{
    struct oj_err e;
    _cleanup_close_ int fd = oj_path_open_in_root(rootfd, path, O_PATH | O_NOFOLLOW, &e);
    if (fd < 0)
        return 0; /* missing, or an error the mount itself will report */
    struct stat st;
    if (fstat(fd, &st) < 0)
        return oj_fail(err, errno, "%s: stat", what);
    if (S_ISLNK(st.st_mode) || (want_dir && !S_ISDIR(st.st_mode)))
        return oj_fail(err, 0, "%s: %s", what, why);
    return 0;
}

static int mount_fs(const struct oj_rootfs_opts *o, int rootfd, const struct oj_mount *m,
                    const struct oj_mount_opts *mo, const char *dst, const char *what,
                    struct oj_err *err)
{
    if (!m->type)
        return oj_fail(err, EINVAL, "%s: no type, and no bind option", what);
    bool is_proc = strcmp(m->type, "proc") == 0;
    /* proc and sysfs only on a real directory, as runc: a destination that
     * is a symlink in the image (/proc -> /tmp/p) would put them where the
     * masked and read-only paths (/proc/kcore, /proc/sys) do not look. */
    if (is_proc || strcmp(m->type, "sysfs") == 0) {
        char why[64];
        snprintf(why, sizeof(why), "filesystem \"%s\" must be mounted on ordinary directory",
                 m->type);
        if (refuse_symlink(rootfd, dst, true, what, why, err) < 0)
            return -1;
    }
    _cleanup_close_ int dstfd = (mo->flags & MS_REMOUNT)
                                    ? oj_path_open_in_root(rootfd, dst, O_PATH, err)
                                    : oj_path_mkdir_in_root(rootfd, dst, 0755, err);
    if (dstfd < 0)
        return oj_wrap(err, "%s", what);
    if (check_proc_destination(what, dst, dstfd, is_proc, err) < 0)
        return -1;

    if (strcmp(m->type, "cgroup") == 0 || strcmp(m->type, "cgroup2") == 0)
        return oj_rootfs_mount_cgroup(o, rootfd, m, mo, dstfd, dst, err);

    unsigned long flags = mo->flags;
    if (strcmp(dst, "/dev") == 0 && (flags & MS_RDONLY)) {
        /* The devices are created in it after all mounts: ro comes in
         * oj_rootfs_finalize() (runc does the same). */
        flags &= ~(unsigned long)MS_RDONLY;
        oj_debug("%s: read-only deferred until /dev is populated", what);
    }
    char fdp[OJ_FD_PATH_MAX];
    const char *src = m->source ? m->source : m->type;
    if (mount(src, oj_fd_path(dstfd, fdp), m->type, flags, mo->data) < 0) {
        int e = errno;
        int r = userns_fallback(o, m, mo, dstfd, e, what, err);
        if (r != 0)
            return r < 0 ? -1 : 0;
        if (e == EINVAL && mo->data)
            return oj_fail(err, e, "%s (options \"%s\")", what, mo->data);
        return oj_fail(err, e, "%s", what);
    }

    if (!mo->n_propagation && !mo->rec_flags && !mo->rec_clear)
        return 0;
    /* dstfd still names the directory *under* the new mount: look the
     * destination up again to get the mount itself. */
    _cleanup_close_ int mnt = oj_path_open_in_root(rootfd, dst, O_PATH | O_DIRECTORY, err);
    if (mnt < 0)
        return oj_wrap(err, "%s", what);
    struct oj_bind_attr a;
    oj_bind_attr_from_opts(mo, &a);
    if ((a.rec_set || a.rec_clr) && setattr(mnt, AT_RECURSIVE, a.rec_set, a.rec_clr) < 0)
        return oj_fail(err, errno, "%s: mount_setattr (recursive)", what);
    return oj_rootfs_set_propagation(mnt, mo->propagation, mo->n_propagation, what, err);
}

static int mount_one(const struct oj_rootfs_opts *o, int rootfd, size_t i, struct oj_err *err)
{
    const struct oj_mount *m = &o->cfg->mounts[i];
    if (!m->destination || !m->destination[0])
        return oj_fail(err, EINVAL, "mounts[%zu]: no destination", i);
    char what[PATH_MAX + 64];
    snprintf(what, sizeof(what), "mount %s on %s", m->source ? m->source : (m->type ?: "none"),
             m->destination);
    /* The spec (1.1+) reads a relative destination relative to "/".  ".."
     * is collapsed lexically first, as runc's filepath.Join does; what is
     * left is resolved inside the rootfs (symlinks included) by pathres. */
    char dst[PATH_MAX];
    if (oj_path_clean(m->destination, dst, sizeof(dst)) < 0)
        return oj_fail(err, ENAMETOOLONG, "%s", what);
    if (strcmp(dst, "/") == 0)
        return oj_fail(err, EINVAL, "%s: cannot mount over the container's root (use root.path)",
                       what);
    if (m->n_uid_mappings || m->n_gid_mappings)
        return oj_fail(err, EOPNOTSUPP, "%s: idmapped mounts (uidMappings) are not supported",
                       what);

    struct oj_mount_opts mo;
    if (oj_mount_opts_parse(m->options, m->n_options, &mo, err) < 0)
        return oj_wrap(err, "%s", what);
    if (mo.tmpcopyup)
        oj_warn("%s: option tmpcopyup is not supported, ignoring it", what);
    bool bind = oj_rootfs_is_bind(m, &mo);
    if (oj_log_debug_enabled()) {
        char fl[256];
        oj_mount_flags_str(mo.flags, fl, sizeof(fl));
        oj_debug("mounts[%zu]: %s%s%s type %s flags %s data \"%s\"", i, what,
                 strcmp(dst, m->destination) ? " = " : "", strcmp(dst, m->destination) ? dst : "",
                 bind ? "bind" : (m->type ?: "-"), fl, mo.data ?: "");
    }
    int r = bind ? mount_bind(o, rootfd, m, &mo, dst, what, err)
                 : mount_fs(o, rootfd, m, &mo, dst, what, err);
    oj_mount_opts_free(&mo);
    return r;
}

/* How far a rootfsPropagation value may be applied before pivot_root:
 * pivot_root(2) fails on a shared "/", so shared waits for finalize; and a
 * bind of anything below an unbindable mount fails (EINVAL), the rootfs
 * onto itself included, so unbindable is private until the pivot and
 * becomes unbindable in finalize (an unbindable mount is a private one that
 * cannot be bound: mount_namespaces(7)). */
static int root_propagation(const struct oj_config *cfg, unsigned long *now, unsigned long *final,
                            struct oj_err *err)
{
    *now = MS_SLAVE | MS_REC;
    *final = 0;
    const char *p = cfg->has_linux ? cfg->linux_.rootfs_propagation : NULL;
    if (!p || !*p)
        return 0;
    if (oj_mount_propagation_from_name(p, final) < 0)
        return oj_fail(err, EINVAL, "linux.rootfsPropagation: unknown value \"%s\"", p);
    if (*final & MS_UNBINDABLE)
        *now = MS_PRIVATE | MS_REC;
    else if (!(*final & MS_SHARED))
        *now = *final | MS_REC;
    return 0;
}

/* Make the mount holding `path` private if it is shared: pivot_root(2)
 * refuses a new root whose parent mount is shared, and a shared parent
 * would propagate the rootfs bind mount to the host. */
static int make_parent_private(const char *path, struct oj_err *err)
{
    struct oj_mountinfo mi;
    if (oj_mountinfo_read(NULL, &mi, err) < 0)
        return -1;
    const struct oj_mountinfo_entry *e = oj_mountinfo_containing(&mi, path);
    int r = 0;
    if (e && strstr(e->optional, "shared:")) {
        oj_debug("rootfs: make %s (the mount holding the rootfs) private", e->mountpoint);
        if (mount(NULL, e->mountpoint, NULL, MS_PRIVATE, NULL) < 0)
            r = oj_fail(err, errno, "make %s private", e->mountpoint);
    }
    oj_mountinfo_free(&mi);
    return r;
}

/* Whether mounts[] has a mount at `dst` (cleaned) that is / is not a bind. */
static bool has_mount_at(const struct oj_config *cfg, const char *dst, const char *type,
                         bool want_bind)
{
    for (size_t i = 0; i < cfg->n_mounts; i++) {
        const struct oj_mount *m = &cfg->mounts[i];
        char d[PATH_MAX];
        if (!m->destination || oj_path_clean(m->destination, d, sizeof(d)) < 0 ||
            strcmp(d, dst) != 0)
            continue;
        struct oj_mount_opts mo;
        if (oj_mount_opts_parse(m->options, m->n_options, &mo, NULL) < 0)
            continue;
        bool bind = oj_rootfs_is_bind(m, &mo);
        oj_mount_opts_free(&mo);
        if (bind == want_bind && (!type || (m->type && strcmp(m->type, type) == 0)))
            return true;
    }
    return false;
}

int oj_rootfs_prepare(const struct oj_rootfs_opts *o, struct oj_err *err)
{
    const struct oj_config *cfg = o->cfg;
    if (!o->rootfs || o->rootfs[0] != '/')
        return oj_fail(err, EINVAL, "rootfs %s: not an absolute path", o->rootfs ?: "(null)");

    unsigned long prop_now, prop_final;
    if (root_propagation(cfg, &prop_now, &prop_final, err) < 0)
        return -1;
    char fl[64];
    oj_mount_flags_str(prop_now, fl, sizeof(fl));
    if (o->shared_mntns) {
        oj_debug("rootfs: in the runtime's mount namespace, / and the rootfs's mount left as "
                 "they are");
    } else {
        oj_debug("rootfs: make / %s", fl);
        if (mount(NULL, "/", NULL, prop_now, NULL) < 0)
            return oj_fail(err, errno, "make / %s", fl);
        if (make_parent_private(o->rootfs, err) < 0)
            return -1;
    }
    oj_debug("rootfs: bind %s onto itself", o->rootfs);
    if (mount(o->rootfs, o->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
        return oj_fail(err, errno, "bind rootfs %s onto itself", o->rootfs);

    /* Opened after the bind: the fd is the root of the new mount, the
     * anchor of every later resolution. */
    _cleanup_close_ int rootfd = open(o->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return oj_fail(err, errno, "open rootfs %s", o->rootfs);

    for (size_t i = 0; i < cfg->n_mounts; i++)
        if (mount_one(o, rootfd, i, err) < 0)
            return -1;

    /* runc's rule: /dev is ours to populate unless it is bound from
     * elsewhere.  We populate only a fresh /dev filesystem from mounts[]
     * (usually tmpfs), never the image's on-disk /dev. */
    bool dev_defaults = has_mount_at(cfg, "/dev", NULL, false);
    bool proc_mounted = has_mount_at(cfg, "/proc", "proc", false);
    return oj_rootfs_setup_dev(o, rootfd, dev_defaults, proc_mounted, err);
}

/* --- pivot ------------------------------------------------------------------- */

/* --no-pivot: the host's mounts stay in this mount namespace (only hidden
 * by chroot), so detach every one that is not on the way to the rootfs
 * nor inside it -- what runc's msMoveRoot does.  Failures are ignored:
 * mounts locked by a user namespace cannot be unmounted, and children of
 * an already detached mount are gone. */
static void detach_host_mounts(const char *rootfs)
{
    struct oj_mountinfo mi;
    if (oj_mountinfo_read(NULL, &mi, NULL) < 0)
        return;
    for (size_t i = mi.n; i-- > 0;) {
        const char *mp = mi.v[i].mountpoint;
        if (strcmp(mp, "/") == 0 || oj_path_has_prefix(rootfs, mp) ||
            oj_path_has_prefix(mp, rootfs))
            continue;
        if (umount2(mp, MNT_DETACH) == 0)
            oj_debug("rootfs: detached host mount %s", mp);
    }
    oj_mountinfo_free(&mi);
}

static int move_root(const char *rootfs, struct oj_err *err)
{
    detach_host_mounts(rootfs);
    if (chdir(rootfs) < 0)
        return oj_fail(err, errno, "chdir %s", rootfs);
    oj_debug("rootfs: move %s onto / and chroot (no pivot_root)", rootfs);
    if (mount(rootfs, "/", NULL, MS_MOVE, NULL) < 0)
        return oj_fail(err, errno, "move rootfs %s onto /", rootfs);
    if (chroot(".") < 0)
        return oj_fail(err, errno, "chroot %s", rootfs);
    return 0;
}

static int pivot(const char *rootfs, struct oj_err *err)
{
    _cleanup_close_ int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (oldroot < 0)
        return oj_fail(err, errno, "open /");
    _cleanup_close_ int newroot = open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (newroot < 0)
        return oj_fail(err, errno, "open rootfs %s", rootfs);
    if (fchdir(newroot) < 0)
        return oj_fail(err, errno, "chdir %s", rootfs);
    /* pivot_root(".", "."): new root and put_old are the same directory, so
     * the old root ends up mounted on top of the new one and needs no
     * directory of its own inside the image (pivot_root(2), NOTES). */
    oj_debug("rootfs: pivot_root into %s", rootfs);
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        return oj_fail(err, errno, "pivot_root %s", rootfs);
    if (fchdir(oldroot) < 0)
        return oj_fail(err, errno, "chdir to the old root");
    /* Slave first, so that detaching does not propagate an unmount to the
     * host (for a private "/" this is a no-op). */
    if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
        return oj_fail(err, errno, "make the old root rslave");
    if (umount2(".", MNT_DETACH) < 0)
        return oj_fail(err, errno, "detach the old root");
    oj_debug("rootfs: old root detached");
    return 0;
}

int oj_rootfs_pivot(const struct oj_rootfs_opts *o, struct oj_err *err)
{
    if (!o->rootfs || o->rootfs[0] != '/')
        return oj_fail(err, EINVAL, "rootfs %s: not an absolute path", o->rootfs ?: "(null)");
    if (o->shared_mntns) {
        /* The runtime's namespace: pivot_root(2) or MS_MOVE would change
         * the host's root; chroot(2) changes only ours (runc: chroot()). */
        oj_debug("rootfs: no mount namespace of its own: chroot into %s", o->rootfs);
        if (chdir(o->rootfs) < 0)
            return oj_fail(err, errno, "chdir %s", o->rootfs);
        if (chroot(".") < 0)
            return oj_fail(err, errno, "chroot %s", o->rootfs);
    } else if ((o->no_pivot ? move_root(o->rootfs, err) : pivot(o->rootfs, err)) < 0) {
        return -1;
    }
    if (chdir("/") < 0)
        return oj_fail(err, errno, "chdir /");
    return 0;
}

/* --- finalize ---------------------------------------------------------------- */

static int readonly_path(int rootfd, const char *path, struct oj_err *err)
{
    char what[PATH_MAX + 32];
    snprintf(what, sizeof(what), "readonly path %s", path);
    /* A symlink would be followed (inside the container) and protect its
     * target only: /proc/net -> self/net is the init's alone. */
    if (refuse_symlink(rootfd, path, false, what, "is a symlink; name its target instead", err) < 0)
        return -1;
    _cleanup_close_ int fd = oj_path_open_in_root(rootfd, path, O_PATH, err);
    if (fd < 0) {
        if (err && err->code == ENOENT) {
            oj_debug("readonly %s: does not exist, skipped", path);
            return 0;
        }
        return oj_wrap(err, "readonly path %s", path);
    }
    oj_debug("%s: bind onto itself, recursively read-only", what);
    /* Recursive: a mount below the path (binfmt_misc under /proc/sys)
     * must not stay writable. */
    struct oj_bind_attr a = {.rec_set = MOUNT_ATTR_RDONLY};
    _cleanup_close_ int mnt = oj_rootfs_bind(fd, "", fd, true, &a, what, err);
    return mnt < 0 ? -1 : 0;
}

static int mask_path(int rootfd, int nullfd, const char *path, struct oj_err *err)
{
    char what[PATH_MAX + 32];
    snprintf(what, sizeof(what), "masked path %s", path);
    if (refuse_symlink(rootfd, path, false, what, "is a symlink; name its target instead", err) < 0)
        return -1;
    _cleanup_close_ int fd = oj_path_open_in_root(rootfd, path, O_PATH, err);
    if (fd < 0) {
        if (err && err->code == ENOENT) {
            oj_debug("mask %s: does not exist, skipped", path);
            return 0;
        }
        return oj_wrap(err, "masked path %s", path);
    }
    struct stat st;
    if (fstat(fd, &st) < 0)
        return oj_fail(err, errno, "masked path %s: stat", path);

    if (!S_ISDIR(st.st_mode)) {
        if (nullfd < 0)
            return oj_fail(err, ENOENT, "%s: the container has no /dev/null to mask it with", what);
        oj_debug("%s: bind /dev/null over it", what);
        struct oj_bind_attr a = {.set = MOUNT_ATTR_RDONLY};
        _cleanup_close_ int mnt = oj_rootfs_bind(nullfd, "", fd, false, &a, what, err);
        return mnt < 0 ? -1 : 0;
    }

    /* A directory: an empty read-only tmpfs over it, built detached with
     * fsopen/fsmount (no path, no /proc needed) and attached to the fd. */
    oj_debug("%s: empty read-only tmpfs over it", what);
    _cleanup_close_ int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
    if (fs < 0)
        return oj_fail(err, errno, "%s: fsopen tmpfs", what);
    if (fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0555", 0) < 0 ||
        fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
        return oj_fail(err, errno, "%s: create tmpfs", what);
    _cleanup_close_ int mnt =
        fsmount(fs, FSMOUNT_CLOEXEC,
                MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
    if (mnt < 0)
        return oj_fail(err, errno, "%s: fsmount", what);
    if (move_mount(mnt, "", fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
        return oj_fail(err, errno, "%s", what);
    return 0;
}

/* The container's /dev/null, checked to really be the null device: masks
 * bind it over files, and a regular file planted at /dev/null by the image
 * would otherwise decide what masked paths show. */
static int open_container_null(int rootfd)
{
    int fd = oj_path_open_in_root(rootfd, "/dev/null", O_PATH, NULL);
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))) {
        close(fd);
        return -1;
    }
    return fd;
}

int oj_rootfs_finalize(const struct oj_rootfs_opts *o, struct oj_err *err)
{
    const struct oj_config *cfg = o->cfg;
    _cleanup_close_ int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return oj_fail(err, errno, "open /");

    unsigned long prop_now, prop_final;
    if (root_propagation(cfg, &prop_now, &prop_final, err) < 0)
        return -1;
    if (prop_final) {
        char fl[64];
        oj_mount_flags_str(prop_final, fl, sizeof(fl));
        oj_debug("rootfs: propagation of / is %s (linux.rootfsPropagation)", fl);
        if (mount(NULL, "/", NULL, prop_final, NULL) < 0)
            return oj_fail(err, errno, "linux.rootfsPropagation: make / %s", fl);
    }

    /* A /dev mount asked "ro": now that its devices exist. */
    for (size_t i = 0; i < cfg->n_mounts; i++) {
        const struct oj_mount *m = &cfg->mounts[i];
        char d[PATH_MAX];
        if (!m->destination || oj_path_clean(m->destination, d, sizeof(d)) < 0 ||
            strcmp(d, "/dev") != 0)
            continue;
        struct oj_mount_opts mo;
        if (oj_mount_opts_parse(m->options, m->n_options, &mo, err) < 0)
            return oj_wrap(err, "mount on %s", m->destination);
        bool ro = (mo.flags & MS_RDONLY) && !oj_rootfs_is_bind(m, &mo);
        oj_mount_opts_free(&mo);
        if (!ro)
            continue;
        _cleanup_close_ int dev = oj_path_open_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY, err);
        if (dev < 0)
            return oj_wrap(err, "remount /dev read-only");
        oj_debug("rootfs: /dev read-only");
        if (setattr(dev, 0, MOUNT_ATTR_RDONLY, 0) < 0)
            return oj_fail(err, errno, "remount /dev read-only");
    }

    if (cfg->root_readonly) {
        oj_debug("rootfs: / read-only (root.readonly)");
        if (remount_keep("/", MS_RDONLY, 0, "remount / read-only", err) < 0)
            return -1;
    }

    if (cfg->has_linux) {
        for (size_t i = 0; i < cfg->linux_.n_readonly_paths; i++)
            if (readonly_path(rootfd, cfg->linux_.readonly_paths[i], err) < 0)
                return -1;
        _cleanup_close_ int nullfd = -1;
        if (cfg->linux_.n_masked_paths)
            nullfd = open_container_null(rootfd);
        for (size_t i = 0; i < cfg->linux_.n_masked_paths; i++)
            if (mask_path(rootfd, nullfd, cfg->linux_.masked_paths[i], err) < 0)
                return -1;
    }
    return 0;
}
