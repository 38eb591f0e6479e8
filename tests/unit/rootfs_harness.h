/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The harness of the rootfs tests (test_rootfs.c, test_rootfs_dev.c): real
 * mounts in real namespaces.
 *
 * Each test builds a config by hand, then forks a child that enters a new
 * mount namespace -- or, in the *_userns variants, a new user namespace
 * mapped like a judge does it (container root = host uid 100000, 65536 ids)
 * plus new mount, PID and IPC namespaces -- and runs prepare, pivot and
 * finalize on a busybox rootfs made by hack/mk-busybox-rootfs.sh.  The
 * child then checks from inside (stat, statvfs, statfs, open, mountinfo)
 * with check(), which reports failures through a pipe; the parent asserts
 * on the exit status and the report, and finally that the mount table
 * outside did not change (nothing propagated, nothing leaked).
 *
 * Included by exactly one .c file per test binary; everything is static.
 */
#ifndef OJRUN_TEST_ROOTFS_HARNESS_H
#define OJRUN_TEST_ROOTFS_HARNESS_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/magic.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cleanup.h"
#include "log.h"
#include "mountinfo.h"
#include "rootfs.h"
#include "util.h"
#include "test_tag.h"

/* not every binary uses every helper */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"

#ifndef MQUEUE_MAGIC
#define MQUEUE_MAGIC 0x19800202 /* ipc/mqueue.c; not in linux/magic.h */
#endif

#define USERNS_HOST_ID 100000u
#define USERNS_RANGE   65536u

/* --- fixture: rootfs built once for the whole binary ----------------------- */

static struct {
    char dir[64];             /* /tmp/ojrun-rootfs-test.XXXXXX */
    char rootfs[PATH_MAX];    /* <dir>/rootfs, owned by root */
    char rootfs_un[PATH_MAX]; /* <dir>/rootfs-userns, owned by USERNS_HOST_ID */
    char data[PATH_MAX];      /* <dir>/data: a host directory to bind */
    char marker[64];          /* a file in the host's "/" the container must not see */
    bool have_kcore;
    char root_fstype[32];   /* the filesystem type of the host's "/" (ext4, overlay...) */
    char rootfs_fstype[32]; /* and of the one holding the rootfs (the same, or tmpfs...) */
} g;

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *src_dir(void)
{
    static char buf[PATH_MAX];
    const char *env = getenv("OJRUN_SRC");
    if (env)
        return env;
    /* <src>/build/tests/test_rootfs */
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    if (n < 0)
        return ".";
    buf[n] = '\0';
    for (int i = 0; i < 3; i++) {
        char *s = strrchr(buf, '/');
        if (s)
            *s = '\0';
    }
    return buf;
}

static int group_setup(void **state)
{
    (void)state;
    strcpy(g.dir, "/tmp/ojrun-rootfs-test.XXXXXX");
    if (!mkdtemp(g.dir) || chmod(g.dir, 0755) < 0)
        return -1;
    snprintf(g.rootfs, sizeof(g.rootfs), "%s/rootfs", g.dir);
    snprintf(g.rootfs_un, sizeof(g.rootfs_un), "%s/rootfs-userns", g.dir);
    snprintf(g.data, sizeof(g.data), "%s/data", g.dir);
    if (sh("bash %s/hack/mk-busybox-rootfs.sh %s", src_dir(), g.rootfs) < 0)
        return -1;
    /* Running the script twice must be harmless (idempotent). */
    if (sh("bash %s/hack/mk-busybox-rootfs.sh %s", src_dir(), g.rootfs) < 0)
        return -1;
    if (sh("cp -a %s %s && chown -R %u:%u %s", g.rootfs, g.rootfs_un, USERNS_HOST_ID,
           USERNS_HOST_ID, g.rootfs_un) < 0)
        return -1;
    /* data/: a file, a script, and rw/ writable by the container's root */
    if (sh("mkdir -p %s/rw && printf 'judge data' > %s/input.txt && "
           "printf '#!/bin/sh\\necho hi\\n' > %s/run.sh && chmod 755 %s/run.sh && "
           "chown %u:%u %s/rw",
           g.data, g.data, g.data, g.data, USERNS_HOST_ID, USERNS_HOST_ID, g.data) < 0)
        return -1;
    snprintf(g.marker, sizeof(g.marker), "/ojrun-rootfs-marker-%s", test_tag());
    int fd = open(g.marker, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    close(fd);
    g.have_kcore = access("/proc/kcore", F_OK) == 0;
    struct oj_mountinfo mi;
    if (oj_mountinfo_read(NULL, &mi, NULL) < 0)
        return -1;
    const struct oj_mountinfo_entry *e = oj_mountinfo_containing(&mi, "/");
    snprintf(g.root_fstype, sizeof(g.root_fstype), "%s", e ? e->fstype : "?");
    e = oj_mountinfo_containing(&mi, g.rootfs);
    snprintf(g.rootfs_fstype, sizeof(g.rootfs_fstype), "%s", e ? e->fstype : "?");
    oj_mountinfo_free(&mi);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    unlink(g.marker);
    sh("rm -rf %s", g.dir);
    return 0;
}

/* --- building a config by hand ------------------------------------------- */

#define MAX_MOUNTS 24
#define MAX_OPTS   16

struct spec {
    struct oj_config cfg;
    struct oj_mount mounts[MAX_MOUNTS];
    char *opts[MAX_MOUNTS][MAX_OPTS + 1];
    char *masked[16];
    char *readonly[16];
    struct oj_device devices[8];
    char arena[4096]; /* the option strings */
    size_t used;
};

static void spec_init(struct spec *s)
{
    memset(s, 0, sizeof(*s));
    s->cfg.mounts = s->mounts;
    s->cfg.has_linux = true;
    s->cfg.linux_.masked_paths = s->masked;
    s->cfg.linux_.readonly_paths = s->readonly;
    s->cfg.linux_.devices = s->devices;
}

/* options: one comma-separated string (NULL for none) */
static void spec_mount(struct spec *s, const char *dst, const char *type, const char *src,
                       const char *options)
{
    size_t i = s->cfg.n_mounts++;
    assert_true(i < MAX_MOUNTS);
    struct oj_mount *m = &s->mounts[i];
    m->destination = (char *)dst;
    m->type = (char *)type;
    m->source = (char *)src;
    m->options = s->opts[i];
    if (options) {
        size_t len = strlen(options) + 1;
        assert_true(s->used + len <= sizeof(s->arena));
        char *copy = memcpy(s->arena + s->used, options, len), *save = NULL;
        s->used += len;
        for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
            assert_true(m->n_options < MAX_OPTS);
            s->opts[i][m->n_options++] = o;
        }
    }
}

/* The mounts of `runc spec` (and of most judges' configs). */
static void spec_defaults(struct spec *s)
{
    spec_mount(s, "/proc", "proc", "proc", NULL);
    spec_mount(s, "/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k");
    spec_mount(s, "/dev/pts", "devpts", "devpts",
               "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620,gid=5");
    spec_mount(s, "/dev/shm", "tmpfs", "shm", "nosuid,noexec,nodev,mode=1777,size=65536k");
    spec_mount(s, "/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev");
    spec_mount(s, "/sys", "sysfs", "sysfs", "nosuid,noexec,nodev,ro");
}

/* --- running a container --------------------------------------------------- */

enum mode { PLAIN, USERNS, USERNS_NO_PIDNS };

/* inside the container: failures are counted and reported on g_msgfd */
static int g_msgfd = -1;
static int g_fails;

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(bool ok, const char *fmt, ...)
{
    if (ok)
        return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf) - 2, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    if (n > (int)sizeof(buf) - 2)
        n = (int)sizeof(buf) - 2;
    buf[n++] = '\n';
    oj_write_all(g_msgfd, buf, (size_t)n);
    g_fails++;
}

typedef void (*inside_fn)(void *arg);

struct run {
    enum mode mode;
    bool no_pivot;
    const char *debug_log;  /* enable --debug, stderr to this file */
    const char *cgroups[2]; /* join these cgroup directories first */
    bool cgroupns;          /* then unshare a cgroup namespace (in the user namespace if any) */
};

struct result {
    int status;      /* exit status of the container process; 3: setup failed */
    char msg[16384]; /* its report (the error message when status is 3) */
};

static void wait_byte(int fd)
{
    char c;
    if (read(fd, &c, 1) != 1)
        _exit(90);
}

static void do_container(const struct spec *s, const struct run *rn, inside_fn fn, void *arg)
{
    struct oj_rootfs_opts o = {
        .cfg = &s->cfg,
        .rootfs = rn->mode == PLAIN ? g.rootfs : g.rootfs_un,
        .bundle = g.dir,
        .in_userns = rn->mode != PLAIN,
        .no_pivot = rn->no_pivot,
    };
    struct oj_err err = {0};
    if (oj_rootfs_prepare(&o, &err) < 0 || oj_rootfs_pivot(&o, &err) < 0 ||
        oj_rootfs_finalize(&o, &err) < 0) {
        oj_write_all(g_msgfd, err.msg, strlen(err.msg));
        _exit(3);
    }
    if (fn)
        fn(arg);
    _exit(g_fails ? 1 : 0);
}

static int write_map(pid_t pid, const char *file)
{
    char path[64], map[64];
    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
    int n = snprintf(map, sizeof(map), "0 %u %u\n", USERNS_HOST_ID, USERNS_RANGE);
    return oj_write_file(path, map, (size_t)n, NULL);
}

static void run_container(const struct spec *s, const struct run *rn, inside_fn fn, void *arg,
                          struct result *r)
{
    _cleanup_free_ char *before = NULL;
    assert_int_equal(oj_read_file("/proc/self/mountinfo", 1 << 20, &before, NULL, NULL), 0);

    int msg[2], to_child[2], to_parent[2];
    assert_int_equal(pipe2(msg, O_CLOEXEC), 0);
    assert_int_equal(pipe2(to_child, O_CLOEXEC), 0);
    assert_int_equal(pipe2(to_parent, O_CLOEXEC), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(msg[0]);
        g_msgfd = msg[1];
        g_fails = 0;
        if (rn->debug_log) {
            int fd = open(rn->debug_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (fd < 0 || dup2(fd, STDERR_FILENO) < 0)
                _exit(91);
            struct oj_log_opts lo = {.debug = true};
            oj_log_init(&lo);
        }
        for (size_t i = 0; i < OJ_ARRAY_SIZE(rn->cgroups) && rn->cgroups[i]; i++) {
            char procs[PATH_MAX], me[16];
            snprintf(procs, sizeof(procs), "%s/cgroup.procs", rn->cgroups[i]);
            int n = snprintf(me, sizeof(me), "%d", (int)getpid());
            if (oj_write_file(procs, me, (size_t)n, NULL) < 0)
                _exit(92);
        }
        if (rn->mode == PLAIN) {
            if (unshare(CLONE_NEWNS | (rn->cgroupns ? CLONE_NEWCGROUP : 0)) < 0)
                _exit(93);
            do_container(s, rn, fn, arg);
        }
        /* As on a judge's host, the rootfs and the data directory sit on
         * nosuid,nodev,noatime mounts; in the user namespace the kernel
         * locks those flags, and every remount must keep them. */
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
            _exit(99);
        const char *locked[] = {g.rootfs_un, g.data};
        for (size_t i = 0; i < OJ_ARRAY_SIZE(locked); i++)
            if (mount(locked[i], locked[i], NULL, MS_BIND | MS_REC, NULL) < 0 ||
                mount(NULL, locked[i], NULL,
                      MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV | MS_NOATIME, NULL) < 0)
                _exit(100);
        int flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWIPC;
        if (rn->mode == USERNS)
            flags |= CLONE_NEWPID;
        if (unshare(flags) < 0)
            _exit(94);
        /* let the parent write our id maps, then become the container's root */
        if (write(to_parent[1], "u", 1) != 1)
            _exit(95);
        wait_byte(to_child[0]);
        if (setresgid(0, 0, 0) < 0 || setgroups(0, NULL) < 0 || setresuid(0, 0, 0) < 0)
            _exit(96);
        /* as the container init does: owned by the user namespace */
        if (rn->cgroupns && unshare(CLONE_NEWCGROUP) < 0)
            _exit(101);
        /* the first child is PID 1 of the new PID namespace (proc needs it) */
        pid_t c = fork();
        if (c < 0)
            _exit(97);
        if (c == 0)
            do_container(s, rn, fn, arg);
        int st;
        if (waitpid(c, &st, 0) < 0)
            _exit(98);
        _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    }
    close(msg[1]);
    close(to_child[0]);
    close(to_parent[1]);
    if (rn->mode != PLAIN) {
        char c;
        assert_int_equal(read(to_parent[0], &c, 1), 1);
        assert_int_equal(write_map(pid, "uid_map"), 0);
        assert_int_equal(write_map(pid, "gid_map"), 0);
        assert_int_equal(write(to_child[1], "g", 1), 1);
    }
    close(to_child[1]);
    close(to_parent[0]);
    ssize_t n = oj_read_all(msg[0], r->msg, sizeof(r->msg) - 1);
    r->msg[n > 0 ? n : 0] = '\0';
    close(msg[0]);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);

    /* Nothing the container did may show on the host. */
    _cleanup_free_ char *after = NULL;
    assert_int_equal(oj_read_file("/proc/self/mountinfo", 1 << 20, &after, NULL, NULL), 0);
    assert_string_equal(before, after);
}

static void expect_ok(const struct result *r)
{
    if (r->status != 0)
        fail_msg("container exited %d:\n%s", r->status, r->msg);
}

static void run_ok(const struct spec *s, enum mode mode, inside_fn fn, void *arg)
{
    struct run rn = {.mode = mode};
    struct result r;
    run_container(s, &rn, fn, arg, &r);
    expect_ok(&r);
}

/* --- helpers used inside the container -------------------------------------- */

static long fs_type(const char *path)
{
    struct statfs sf;
    return statfs(path, &sf) == 0 ? (long)sf.f_type : -1;
}

static unsigned long vfs_flags(const char *path)
{
    struct statvfs sv;
    return statvfs(path, &sv) == 0 ? sv.f_flag : ~0ul;
}

static bool is_ro(const char *path)
{
    return (vfs_flags(path) & ST_RDONLY) != 0;
}

/* errno of creating a file in `dir` (0: it worked; the file is removed) */
static int create_errno(const char *dir)
{
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/.ojrun-probe", dir);
    int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return errno;
    close(fd);
    unlink(p);
    return 0;
}

static int write_errno(const char *file, const char *data)
{
    int fd = open(file, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    ssize_t w = write(fd, data, strlen(data));
    int e = w < 0 ? errno : 0;
    close(fd);
    return e;
}

static ssize_t read_small(const char *file, char *buf, size_t size)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = oj_read_all(fd, buf, size - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    return n;
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* the top mount at `mountpoint` in our mountinfo, copied out */
static bool find_mount(const char *mountpoint, char *fstype, char *optional, char *super)
{
    struct oj_mountinfo mi;
    if (oj_mountinfo_read(NULL, &mi, NULL) < 0)
        return false;
    bool found = false;
    for (size_t i = 0; i < mi.n; i++) {
        if (strcmp(mi.v[i].mountpoint, mountpoint) != 0)
            continue;
        found = true;
        if (fstype)
            snprintf(fstype, 64, "%s", mi.v[i].fstype);
        if (optional)
            snprintf(optional, 256, "%s", mi.v[i].optional);
        if (super)
            snprintf(super, 256, "%s", mi.v[i].super_options);
    }
    oj_mountinfo_free(&mi);
    return found;
}

/* mounts of a filesystem type; with `whole`, only those showing the whole
 * filesystem (root "/"): device nodes bound from the host's devtmpfs (user
 * namespaces) have root "/null" etc. */
static int count_fstype(const char *fstype, bool whole)
{
    struct oj_mountinfo mi;
    if (oj_mountinfo_read(NULL, &mi, NULL) < 0)
        return -1;
    int n = 0;
    for (size_t i = 0; i < mi.n; i++)
        n += strcmp(mi.v[i].fstype, fstype) == 0 && (!whole || strcmp(mi.v[i].root, "/") == 0);
    oj_mountinfo_free(&mi);
    return n;
}

/*
 * count_fstype() over the whole mount namespace.  After --no-pivot's chroot
 * mountinfo, and listmount(2) from "/", only show mounts below the chroot;
 * the host's old root is the parent of our "/" mount, so list from there.
 * listmount/statmount are Linux 6.8; their structures are declared here
 * because the installed headers predate them.  -1 with errno ENOSYS: not
 * supported (an older kernel); -1 otherwise: failed.
 */
struct test_mnt_id_req {
    uint32_t size, spare;
    uint64_t mnt_id, param;
};
#define TEST_STATMOUNT_MNT_BASIC 0x2u
#define TEST_STATMOUNT_MNT_ROOT  0x8u
#define TEST_STATMOUNT_FS_TYPE   0x20u
#define TEST_STATX_MNT_ID_UNIQUE 0x4000u
#define TEST_SYS_statmount       457
#define TEST_SYS_listmount       458
/* offsets in struct statmount */
#define SM_FS_TYPE       36
#define SM_MNT_PARENT_ID 48
#define SM_MNT_ROOT      104
#define SM_STR           512

static int statmount_of(uint64_t id, unsigned param, char *buf, size_t size)
{
    memset(buf, 0, size);
    struct test_mnt_id_req r = {.size = 24, .mnt_id = id, .param = param};
    return syscall(TEST_SYS_statmount, &r, buf, size - 1, 0) < 0 ? -1 : 0;
}

static int count_fstype_ns(const char *fstype)
{
    static char buf[8192];
    struct statx sx;
    if (statx(AT_FDCWD, "/", 0, TEST_STATX_MNT_ID_UNIQUE, &sx) < 0)
        return -1;
    if (!(sx.stx_mask & TEST_STATX_MNT_ID_UNIQUE)) { /* before Linux 6.8 */
        errno = ENOSYS;
        return -1;
    }
    if (statmount_of(sx.stx_mnt_id, TEST_STATMOUNT_MNT_BASIC, buf, sizeof(buf)) < 0)
        return -1;
    uint64_t parent;
    memcpy(&parent, buf + SM_MNT_PARENT_ID, 8);
    struct test_mnt_id_req req = {.size = 24, .mnt_id = parent};
    uint64_t ids[1024];
    long n = syscall(TEST_SYS_listmount, &req, ids, OJ_ARRAY_SIZE(ids), 0);
    if (n < 0)
        return -1;
    int count = 0;
    for (long i = 0; i < n; i++) {
        if (statmount_of(ids[i], TEST_STATMOUNT_FS_TYPE | TEST_STATMOUNT_MNT_ROOT, buf,
                         sizeof(buf)) < 0)
            return -1;
        uint32_t type_off, root_off;
        memcpy(&type_off, buf + SM_FS_TYPE, 4);
        memcpy(&root_off, buf + SM_MNT_ROOT, 4);
        if (SM_STR + type_off >= sizeof(buf) - 1 || SM_STR + root_off >= sizeof(buf) - 1)
            return -1;
        const char *str = buf + SM_STR;
        count += strcmp(str + type_off, fstype) == 0 && strcmp(str + root_off, "/") == 0;
    }
    return count;
}

static bool link_is(const char *path, const char *target)
{
    char buf[PATH_MAX];
    ssize_t n = readlink(path, buf, sizeof(buf) - 1);
    if (n < 0)
        return false;
    buf[n] = '\0';
    return strcmp(buf, target) == 0;
}

static int dir_entries(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

static void expect_error(const struct spec *s, enum mode mode, const char *want)
{
    struct run rn = {.mode = mode};
    struct result r;
    run_container(s, &rn, NULL, NULL, &r);
    if (r.status != 3 || !strstr(r.msg, want))
        fail_msg("exit %d, message \"%s\"; want 3 and \"%s\"", r.status, r.msg, want);
}

/* Root check, then "the host" of these tests: a mount namespace of our own
 * in which every mount is shared.  Each container namespace forked from it
 * starts as its peer, so whatever prepare() failed to make private would
 * propagate back here and show in run_container()'s before/after
 * comparison of mountinfo; and mounts made meanwhile by other programs on
 * the machine cannot disturb that comparison. */
static int harness_init(const char *name)
{
    if (geteuid() != 0) {
        fprintf(stderr, "%s: needs root (real mounts and namespaces)\n", name);
        return -1;
    }
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SHARED, NULL) < 0) {
        fprintf(stderr, "%s: set up the test mount namespace: %s\n", name, strerror(errno));
        return -1;
    }
    return 0;
}

#pragma GCC diagnostic pop

#endif
