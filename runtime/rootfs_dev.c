/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /dev inside the container (config-linux.md "Devices", "Default Devices",
 * and runc's /dev symlinks).
 *
 * Outside a user namespace each device is a fresh mknod(2).  Inside one
 * mknod of a device is refused (and a tmpfs mounted there carries
 * SB_I_NODEV anyway), so an empty file is created and the host's node of
 * the same name is bind-mounted onto it: the bind mount lives on the
 * host's devtmpfs, where opening devices is allowed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "pathres.h"
#include "rootfs_priv.h"

struct devnode {
    const char *path;
    char type; /* 'c', 'u' (unbuffered char: the same thing), 'b', 'p' */
    unsigned long major, minor;
    mode_t mode;
    uid_t uid;
    gid_t gid;
};

/* config-linux.md "Default Devices": always provided, 0666 root:root. */
static const struct devnode default_devices[] = {
    {"/dev/null", 'c', 1, 3, 0666, 0, 0},    {"/dev/zero", 'c', 1, 5, 0666, 0, 0},
    {"/dev/full", 'c', 1, 7, 0666, 0, 0},    {"/dev/random", 'c', 1, 8, 0666, 0, 0},
    {"/dev/urandom", 'c', 1, 9, 0666, 0, 0}, {"/dev/tty", 'c', 5, 0, 0666, 0, 0},
};

static mode_t type_bits(char type)
{
    switch (type) {
    case 'c':
    case 'u':
        return S_IFCHR;
    case 'b':
        return S_IFBLK;
    case 'p':
        return S_IFIFO;
    }
    return 0;
}

/* Split a clean absolute path into its parent directory and last name. */
static int split(const char *clean, char *parent, size_t size, const char **base)
{
    const char *slash = strrchr(clean, '/');
    size_t n = (size_t)(slash - clean);
    if (!slash[1] || n + 2 > size)
        return -1;
    memcpy(parent, clean, n ? n : 1);
    parent[n ? n : 1] = '\0';
    *base = slash + 1;
    return 0;
}

static int bind_host_device(int rootfd, const struct devnode *d, const char *path,
                            struct oj_err *err)
{
    struct stat st;
    /* Before pivot_root "/" is still the host's, so `path` names the
     * host's node. */
    if (stat(path, &st) < 0)
        return oj_fail(err, errno, "device %s: bind from the host (needed in a user namespace)",
                       path);
    mode_t want = type_bits(d->type);
    if ((st.st_mode & S_IFMT) != want)
        return oj_fail(err, 0, "device %s: the host's %s is not a %s device", path, path,
                       want == S_IFBLK ? "block" : "character");
    _cleanup_close_ int fd = oj_path_mkfile_in_root(rootfd, path, 0644, err);
    if (fd < 0)
        return oj_wrap(err, "device %s", path);
    char what[PATH_MAX + 64];
    snprintf(what, sizeof(what), "device %s: bind the host's %s", path, path);
    oj_debug("%s", what);
    struct oj_bind_attr none = {0};
    _cleanup_close_ int mnt = oj_rootfs_bind(AT_FDCWD, path, fd, false, &none, what, err);
    return mnt < 0 ? -1 : 0;
}

static int create_device(const struct oj_rootfs_opts *o, int rootfd, const struct devnode *d,
                         struct oj_err *err)
{
    char path[PATH_MAX], parent[PATH_MAX];
    const char *base;
    if (!d->path || oj_path_clean(d->path, path, sizeof(path)) < 0 ||
        split(path, parent, sizeof(parent), &base) < 0)
        return oj_fail(err, EINVAL, "device %s: invalid path", d->path ?: "(null)");
    mode_t type = type_bits(d->type);
    if (!type)
        return oj_fail(err, EINVAL, "device %s: unknown type '%c'", path, d->type);
    if (o->in_userns && type != S_IFIFO) /* a FIFO needs no privilege */
        return bind_host_device(rootfd, d, path, err);

    _cleanup_close_ int dir = oj_path_mkdir_in_root(rootfd, parent, 0755, err);
    if (dir < 0)
        return oj_wrap(err, "device %s", path);
    mode_t perm = d->mode & 07777;
    dev_t rdev = makedev(d->major, d->minor);
    oj_debug("device %s: mknod %c %lu:%lu mode %04o owner %u:%u", path, d->type, d->major, d->minor,
             (unsigned)perm, (unsigned)d->uid, (unsigned)d->gid);
    if (mknodat(dir, base, type | perm, type == S_IFIFO ? 0 : rdev) < 0) {
        int e = errno;
        struct stat st;
        if (e == EPERM && type != S_IFIFO) {
            /* Not told about a user namespace, but in one all the same
             * (or without CAP_MKNOD): fall back like runc. */
            oj_debug("device %s: mknod: %s, binding the host's node", path, strerror(e));
            return bind_host_device(rootfd, d, path, err);
        }
        if (e != EEXIST)
            return oj_fail(err, e, "device %s: mknod", path);
        /* config-linux.md: an existing file that does not match the
         * requested device is an error. */
        if (fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
            return oj_fail(err, errno, "device %s: stat", path);
        if ((st.st_mode & S_IFMT) != type || (type != S_IFIFO && st.st_rdev != rdev))
            return oj_fail(err, EEXIST, "device %s: a different file is already there", path);
    }
    /* mknod's mode went through the umask; set what was asked. */
    if (fchmodat(dir, base, perm, 0) < 0)
        return oj_fail(err, errno, "device %s: chmod %04o", path, (unsigned)perm);
    if (fchownat(dir, base, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
        return oj_fail(err, errno, "device %s: chown %u:%u", path, (unsigned)d->uid,
                       (unsigned)d->gid);
    return 0;
}

static int dev_links(int rootfd, bool proc_mounted, struct oj_err *err)
{
    static const char *const links[][2] = {
        {"fd", "/proc/self/fd"},       {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
        {"stderr", "/proc/self/fd/2"}, {"core", "/proc/kcore"},
    };
    _cleanup_close_ int dev = oj_path_open_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY, err);
    if (dev < 0)
        return oj_wrap(err, "/dev links");
    for (size_t i = 0; i < OJ_ARRAY_SIZE(links); i++) {
        /* /proc/kcore exists only with CONFIG_PROC_KCORE; the host's /proc
         * (still visible) tells. */
        if (strcmp(links[i][0], "core") == 0 && (!proc_mounted || access("/proc/kcore", F_OK)))
            continue;
        oj_debug("link /dev/%s -> %s", links[i][0], links[i][1]);
        if (symlinkat(links[i][1], dev, links[i][0]) < 0 && errno != EEXIST)
            return oj_fail(err, errno, "symlink /dev/%s -> %s", links[i][0], links[i][1]);
    }
    /* /dev/ptmx must be the one of the container's devpts instance
     * (newinstance): a link into /dev/pts, replacing any node there. */
    if (unlinkat(dev, "ptmx", 0) < 0 && errno != ENOENT) {
        if (errno != EBUSY)
            return oj_fail(err, errno, "remove /dev/ptmx");
        oj_debug("/dev/ptmx is a mount point, left as is");
        return 0;
    }
    oj_debug("link /dev/ptmx -> pts/ptmx");
    if (symlinkat("pts/ptmx", dev, "ptmx") < 0)
        return oj_fail(err, errno, "symlink /dev/ptmx -> pts/ptmx");
    return 0;
}

int oj_rootfs_setup_dev(const struct oj_rootfs_opts *o, int rootfd, bool defaults,
                        bool proc_mounted, struct oj_err *err)
{
    const struct oj_config *cfg = o->cfg;
    size_t n_devices = cfg->has_linux ? cfg->linux_.n_devices : 0;
    /* mknod with exactly the modes given */
    mode_t old_umask = umask(0);
    int r = 0;
    if (defaults) {
        for (size_t i = 0; i < OJ_ARRAY_SIZE(default_devices) && r == 0; i++) {
            /* A linux.devices entry for the same path wins. */
            bool overridden = false;
            for (size_t j = 0; j < n_devices; j++) {
                char p[PATH_MAX];
                const char *dp = cfg->linux_.devices[j].path;
                if (dp && oj_path_clean(dp, p, sizeof(p)) == 0 &&
                    strcmp(p, default_devices[i].path) == 0)
                    overridden = true;
            }
            if (!overridden)
                r = create_device(o, rootfd, &default_devices[i], err);
        }
    }
    for (size_t j = 0; j < n_devices && r == 0; j++) {
        const struct oj_device *d = &cfg->linux_.devices[j];
        struct devnode n = {
            .path = d->path,
            .type = d->type,
            .major = (unsigned long)d->major,
            .minor = (unsigned long)d->minor,
            /* fileMode unset: 0666 (what runc and crun use) */
            .mode = d->file_mode.set ? (mode_t)d->file_mode.v : 0666,
            .uid = d->uid.set ? (uid_t)d->uid.v : 0,
            .gid = d->gid.set ? (gid_t)d->gid.v : 0,
        };
        if (d->major < 0 || d->minor < 0)
            r = oj_fail(err, EINVAL, "linux.devices[%zu] %s: negative major/minor", j,
                        d->path ?: "");
        else
            r = create_device(o, rootfd, &n, err);
    }
    umask(old_umask);
    if (r == 0 && defaults)
        r = dev_links(rootfd, proc_mounted, err);
    return r;
}
