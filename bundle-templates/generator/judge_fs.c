/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The filesystem of a judge container: its mounts and its rootfs.
 *
 * The rootfs is an empty directory made read-only by the runtime
 * (config.md "root.readonly"); everything the program sees comes from
 * mounts: the host's /usr read-only (the toolchains), the few /etc files
 * they read, /proc, a minimal /dev, the submission's box and a small /tmp.
 * Debian 12 has a merged /usr (/bin, /lib, /lib64 and /sbin are symlinks
 * into /usr), so binding /usr and recreating those symlinks in the rootfs
 * gives the whole system; a host where one of them is a real directory
 * gets a bind mount of it instead.
 *
 * Mount points are created here, by `ojrun spec`, rather than by the
 * runtime: the rootfs is read-only, and a runtime that had to create them
 * would write into the bundle on every start.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "judge.h"
#include "log.h"
#include "util.h"

/* Top-level directories that merged-/usr systems turn into symlinks. */
static const char *const usr_links[] = {"bin", "sbin", "lib", "lib32", "lib64", "libx32"};

/* Read-only binds: no setuid binaries, no device nodes.  Only the box of
 * the run phase may hold executables outside /usr. */
#define RO_BIND "bind", "ro", "nosuid", "nodev"

static const char passwd[] = "root:x:0:0:root:/root:/usr/sbin/nologin\n"
                             "judge:x:1000:1000:judge:/box:/usr/sbin/nologin\n"
                             "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
static const char group[] = "root:x:0:\n"
                            "judge:x:1000:\n"
                            "nogroup:x:65534:\n";

void oj_judge_mounts_free(struct oj_judge_mount *m, size_t n)
{
    for (size_t i = 0; m && i < n; i++) {
        free(m[i].destination);
        free(m[i].type);
        free(m[i].source);
        for (char **o = m[i].options; *o; o++)
            free(*o);
    }
    free(m);
}

struct mount_list {
    struct oj_judge_mount *m;
    size_t n, cap;
};

/* Append a mount; the options are a NULL-terminated list of strings. */
static int add_mount(struct mount_list *l, const char *dest, const char *type, const char *source,
                     bool file, struct oj_err *err, ...)
{
    if (l->n == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 16;
        struct oj_judge_mount *nm = realloc(l->m, ncap * sizeof(*nm));
        if (!nm)
            return oj_fail(err, ENOMEM, "mount %s", dest);
        l->m = nm;
        l->cap = ncap;
    }
    struct oj_judge_mount *m = &l->m[l->n];
    memset(m, 0, sizeof(*m));
    l->n++; /* counted now, so that oj_judge_mounts_free frees a half-built entry */
    m->destination = strdup(dest);
    m->type = strdup(type);
    m->source = strdup(source);
    m->file = file;
    if (!m->destination || !m->type || !m->source)
        return oj_fail(err, ENOMEM, "mount %s", dest);

    va_list ap;
    va_start(ap, err);
    size_t k = 0;
    for (const char *o; (o = va_arg(ap, const char *));) {
        if (k == OJ_JUDGE_MAX_MOUNT_OPTIONS || !(m->options[k] = strdup(o))) {
            va_end(ap);
            return oj_fail(err, k == OJ_JUDGE_MAX_MOUNT_OPTIONS ? E2BIG : ENOMEM,
                           "mount %s: options", dest);
        }
        k++;
    }
    va_end(ap);
    return 0;
}

int oj_judge_mounts(const struct oj_judge_opts *o, struct oj_judge_mount **out, size_t *n,
                    struct oj_err *err)
{
    const struct oj_judge_phase_tmpl *p = &o->lang->phase[o->phase];
    struct mount_list l = {0};
    struct stat st;

    /* A proc of the container's pid namespace; its dangerous files are
     * masked or made read-only by linux.maskedPaths/readonlyPaths. */
    if (add_mount(&l, "/proc", "proc", "proc", false, err, "nosuid", "noexec", "nodev", NULL) < 0)
        goto fail;
    /* /dev: a small tmpfs the runtime fills with the default devices
     * (config-linux.md "Default Devices": null, zero, full, random,
     * urandom, tty and the /dev/fd, stdin... symlinks).  No /dev/pts
     * (the judge gives no terminal), /dev/shm or /dev/mqueue. */
    if (add_mount(&l, "/dev", "tmpfs", "tmpfs", false, err, "nosuid", "noexec", "strictatime",
                  "mode=755", "size=65536k", NULL) < 0)
        goto fail;
    if (add_mount(&l, "/usr", "bind", "/usr", false, err, RO_BIND, NULL) < 0)
        goto fail;
    for (size_t i = 0; i < OJ_ARRAY_SIZE(usr_links); i++) {
        char host[32];
        snprintf(host, sizeof(host), "/%s", usr_links[i]);
        /* a symlink (merged /usr) becomes a symlink in the rootfs; a real
         * directory must be mounted; a missing one is nothing */
        if (lstat(host, &st) == 0 && S_ISDIR(st.st_mode) &&
            add_mount(&l, host, "bind", host, false, err, RO_BIND, NULL) < 0)
            goto fail;
    }

    /* The dynamic linker's cache.  Without it ld.so still finds Debian's
     * libraries through its built-in multiarch paths, only slower, so a
     * host without one simply does not get the mount. */
    if (stat("/etc/ld.so.cache", &st) == 0 && S_ISREG(st.st_mode) &&
        add_mount(&l, "/etc/ld.so.cache", "bind", "/etc/ld.so.cache", true, err, RO_BIND, "noexec",
                  NULL) < 0)
        goto fail;
    for (const char *const *e = o->lang->etc; *e; e++) {
        if (stat(*e, &st) < 0) {
            oj_fail(err, errno, "%s template needs %s", o->lang->name, *e);
            goto fail;
        }
        if (add_mount(&l, *e, "bind", *e, !S_ISDIR(st.st_mode), err, RO_BIND, "noexec", NULL) < 0)
            goto fail;
    }

    /* The box: where the compiler writes (noexec: nothing built there runs
     * during compilation) and, read-only, what the run phase executes. */
    if (p->box_writable) {
        if (add_mount(&l, "/box", "bind", o->box, false, err, "bind", "rw", "nosuid", "nodev",
                      "noexec", NULL) < 0)
            goto fail;
    } else if (add_mount(&l, "/box", "bind", o->box, false, err, RO_BIND, NULL) < 0) {
        goto fail;
    }

    /* Scratch space.  tmpfs pages are charged to the container's memory
     * cgroup, so they also count against the memory limit; noexec: outside
     * /usr, only the run phase's read-only /box holds programs. */
    char size[48];
    snprintf(size, sizeof(size), "size=%llu", (unsigned long long)p->tmpfs_bytes);
    if (add_mount(&l, "/tmp", "tmpfs", "tmpfs", false, err, "nosuid", "nodev", "noexec",
                  "mode=1777", size, NULL) < 0)
        goto fail;

    *out = l.m;
    *n = l.n;
    return 0;
fail:
    oj_judge_mounts_free(l.m, l.n);
    return -1;
}

int oj_judge_check_tools(const struct oj_judge_lang *lang, enum oj_judge_phase phase,
                         struct oj_err *err)
{
    /* The container's /usr is the host's: a command there must exist
     * here, or the container would start and fail with a less helpful
     * "exec: no such file". */
    const char *cmd = lang->phase[phase].args[0];
    if (strncmp(cmd, "/usr/", 5) == 0 && access(cmd, X_OK) < 0)
        return oj_fail(err, errno, "%s template needs %s", lang->name, cmd);
    return 0;
}

/* --- rootfs -------------------------------------------------------------- */

/* Open directory `name` in `dirfd`, creating it first if needed, never
 * through a symlink; set its mode (creation modes are subject to the
 * umask, and the mapped root of the container must be able to search it:
 * it is not the owner). */
static int open_dir(int dirfd, const char *name, mode_t mode, const char *what, struct oj_err *err)
{
    if (mkdirat(dirfd, name, mode) < 0 && errno != EEXIST)
        return oj_fail(err, errno, "mkdir %s", what);
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return oj_fail(err, errno == ELOOP ? ENOTDIR : errno, "open %s", what);
    if (fchmod(fd, mode) < 0) {
        int e = errno;
        close(fd);
        return oj_fail(err, e, "chmod %s", what);
    }
    return fd;
}

/* Create the mount point `dest` (absolute, inside the container) under
 * the rootfs: every directory on the way, then a directory or an empty
 * file. */
static int make_mount_point(int rootfd, const char *rootfs, const char *dest, bool file,
                            struct oj_err *err)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof(path), "%s", dest) >= (int)sizeof(path))
        return oj_fail(err, ENAMETOOLONG, "mount point %s", dest);

    _cleanup_close_ int fd = dup(rootfd);
    if (fd < 0)
        return oj_fail(err, errno, "dup %s", rootfs);
    char what[2 * PATH_MAX]; /* the host path so far, for messages */
    snprintf(what, sizeof(what), "%s", rootfs);
    char *save = NULL;
    char *name = strtok_r(path, "/", &save);
    while (name) {
        char *next = strtok_r(NULL, "/", &save);
        size_t len = strlen(what);
        snprintf(what + len, sizeof(what) - len, "/%s", name);
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            return oj_fail(err, EINVAL, "mount point %s", dest);
        if (!next && file) {
            _cleanup_close_ int f =
                openat(fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
            if (f >= 0) {
                if (fchmod(f, 0644) < 0)
                    return oj_fail(err, errno, "chmod %s", what);
                return 0;
            }
            if (errno != EEXIST)
                return oj_fail(err, errno, "create %s", what);
            struct stat st;
            if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return oj_fail(err, errno, "stat %s", what);
            if (!S_ISREG(st.st_mode))
                return oj_fail(err, EEXIST, "%s: exists and is not a regular file", what);
            return 0;
        }
        /* /tmp's mode is copied onto the tmpfs by runc (and is what a
         * sticky, world-writable /tmp needs anyway) */
        mode_t mode = (!next && strcmp(dest, "/tmp") == 0) ? 01777 : 0755;
        int sub = open_dir(fd, name, mode, what, err);
        if (sub < 0)
            return -1;
        close(fd);
        fd = sub;
        name = next;
    }
    return 0;
}

static int make_link(int rootfd, const char *rootfs, const char *name, const char *target,
                     struct oj_err *err)
{
    if (symlinkat(target, rootfd, name) == 0)
        return 0;
    if (errno != EEXIST)
        return oj_fail(err, errno, "symlink %s/%s -> %s", rootfs, name, target);
    char cur[PATH_MAX];
    ssize_t n = readlinkat(rootfd, name, cur, sizeof(cur) - 1);
    if (n < 0)
        return oj_fail(err, errno == EINVAL ? EEXIST : errno, "%s/%s: exists and is not a symlink",
                       rootfs, name);
    cur[n] = '\0';
    if (strcmp(cur, target) != 0)
        return oj_fail(err, EEXIST, "%s/%s: points to %s, not %s", rootfs, name, cur, target);
    return 0;
}

/* Write a small file in `dirfd` atomically (a temporary name, then
 * rename), readable by everyone. */
static int write_small_file(int dirfd, const char *name, const char *data, const char *what,
                            struct oj_err *err)
{
    char tmp[64];
    snprintf(tmp, sizeof(tmp), ".%s.tmp.%d", name, (int)getpid());
    _cleanup_close_ int fd =
        openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return oj_fail(err, errno, "create %s", what);
    size_t len = strlen(data);
    if (oj_write_all(fd, data, len) < 0 || fchmod(fd, 0644) < 0) {
        int e = errno;
        unlinkat(dirfd, tmp, 0);
        return oj_fail(err, e, "write %s", what);
    }
    if (renameat(dirfd, tmp, dirfd, name) < 0) {
        int e = errno;
        unlinkat(dirfd, tmp, 0);
        return oj_fail(err, e, "rename to %s", what);
    }
    return 0;
}

int oj_judge_make_rootfs(const struct oj_judge_opts *o, struct oj_err *err)
{
    char rootfs[PATH_MAX];
    if (snprintf(rootfs, sizeof(rootfs), "%s/rootfs", o->bundle) >= (int)sizeof(rootfs))
        return oj_fail(err, ENAMETOOLONG, "rootfs in %s", o->bundle);
    _cleanup_close_ int bundlefd = open(o->bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (bundlefd < 0)
        return oj_fail(err, errno, "open bundle %s", o->bundle);
    _cleanup_close_ int rootfd = open_dir(bundlefd, "rootfs", 0755, rootfs, err);
    if (rootfd < 0)
        return -1;

    for (size_t i = 0; i < OJ_ARRAY_SIZE(usr_links); i++) {
        char host[32], target[PATH_MAX];
        snprintf(host, sizeof(host), "/%s", usr_links[i]);
        ssize_t n = readlink(host, target, sizeof(target) - 1);
        if (n < 0)
            continue; /* not a symlink (then it is a bind mount) or missing */
        target[n] = '\0';
        if (make_link(rootfd, rootfs, usr_links[i], target, err) < 0)
            return -1;
    }

    struct oj_judge_mount *m = NULL;
    size_t n = 0;
    if (oj_judge_mounts(o, &m, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (make_mount_point(rootfd, rootfs, m[i].destination, m[i].file, err) < 0) {
            oj_judge_mounts_free(m, n);
            return -1;
        }
    }
    oj_judge_mounts_free(m, n);

    /* /etc/passwd and /etc/group as real files of the rootfs: getpwuid()
     * (the JVM's user.name, Python's getpass) finds the judge user, and
     * nothing of the host's user database is visible. */
    char what[PATH_MAX + 32];
    snprintf(what, sizeof(what), "%s/etc", rootfs);
    _cleanup_close_ int etcfd = open_dir(rootfd, "etc", 0755, what, err);
    if (etcfd < 0)
        return -1;
    snprintf(what, sizeof(what), "%s/etc/passwd", rootfs);
    if (write_small_file(etcfd, "passwd", passwd, what, err) < 0)
        return -1;
    snprintf(what, sizeof(what), "%s/etc/group", rootfs);
    return write_small_file(etcfd, "group", group, what, err);
}

/* --- access hints ---------------------------------------------------------- */

void oj_judge_check_access(const struct oj_judge_opts *o)
{
    /* The runtime sets up the rootfs as the container's root, which is host
     * uid 100000: without search permission for "others" on every
     * directory above the bundle, it cannot reach rootfs/ (root's
     * CAP_DAC_OVERRIDE does not extend to inodes owned by unmapped users;
     * user_namespaces(7), "Capabilities"). */
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s", o->bundle);
    for (;;) {
        struct stat st;
        if (stat(path, &st) == 0 && !(st.st_mode & S_IXOTH) && st.st_uid != OJ_JUDGE_HOST_ID_BASE) {
            oj_warn("spec: %s (mode %04o) is not searchable by others: the container's root "
                    "(host uid %d) cannot reach the bundle",
                    path, (unsigned)(st.st_mode & 07777), OJ_JUDGE_HOST_ID_BASE);
            break;
        }
        char *slash = strrchr(path, '/');
        if (!slash || slash == path)
            break;
        *slash = '\0';
    }

    struct stat st;
    if (stat(o->box, &st) < 0)
        return;
    uid_t prog = OJ_JUDGE_HOST_ID_BASE + OJ_JUDGE_UID;
    bool owner = st.st_uid == prog;
    if (o->lang->phase[o->phase].box_writable &&
        !((owner && (st.st_mode & S_IWUSR) && (st.st_mode & S_IXUSR)) ||
          ((st.st_mode & S_IWOTH) && (st.st_mode & S_IXOTH))))
        oj_warn("spec: --box %s is not writable by the program (host uid %u); "
                "chown %u:%u it for the %s phase",
                o->box, (unsigned)prog, (unsigned)prog,
                (unsigned)(OJ_JUDGE_HOST_ID_BASE + OJ_JUDGE_GID), oj_judge_phase_name(o->phase));
    else if (!((owner && (st.st_mode & S_IXUSR)) || (st.st_mode & S_IXOTH)))
        oj_warn("spec: --box %s is not searchable by the program (host uid %u)", o->box,
                (unsigned)prog);
}
