/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rootfs: real mounts in real namespaces.
 *
 * Each test builds a config by hand, then forks a child that enters a new
 * mount namespace -- or, in the *_userns variants, a new user namespace
 * mapped like a judge does it (container root = host uid 100000, 65536 ids)
 * plus new mount, PID and IPC namespaces -- and runs prepare, pivot and
 * finalize on a busybox rootfs made by hack/mk-busybox-rootfs.sh.  The
 * child then checks from inside (stat, statvfs, statfs, open, mountinfo)
 * and reports failures through a pipe; the parent asserts on the exit
 * status and the report, and finally that the host's mount table did not
 * change (nothing propagated, nothing leaked).
 */
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

#ifndef MQUEUE_MAGIC
#define MQUEUE_MAGIC 0x19800202 /* ipc/mqueue.c; not in linux/magic.h */
#endif

#define USERNS_HOST_ID 100000u
#define USERNS_RANGE   65536u

/* --- fixture: rootfs built once for the whole binary ----------------------- */

static struct {
    char dir[64];            /* /tmp/ojrun-rootfs-test.XXXXXX */
    char rootfs[PATH_MAX];   /* <dir>/rootfs, owned by root */
    char rootfs_un[PATH_MAX]; /* <dir>/rootfs-userns, owned by USERNS_HOST_ID */
    char data[PATH_MAX];     /* <dir>/data: a host directory to bind */
    char marker[64];         /* a file in the host's "/" the container must not see */
    bool have_kcore;
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
    snprintf(g.marker, sizeof(g.marker), "/ojrun-rootfs-marker-%d", (int)getpid());
    int fd = open(g.marker, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    close(fd);
    g.have_kcore = access("/proc/kcore", F_OK) == 0;
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
    const char *debug_log; /* enable --debug, stderr to this file */
    const char *cgroups[2]; /* join these cgroup directories first */
    bool cgroupns;          /* then unshare a cgroup namespace (PLAIN only) */
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
                mount(NULL, locked[i], NULL, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV | MS_NOATIME,
                      NULL) < 0)
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
 * because the installed headers predate them.  -1: not supported.
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
    if (statx(AT_FDCWD, "/", 0, TEST_STATX_MNT_ID_UNIQUE, &sx) < 0 ||
        !(sx.stx_mask & TEST_STATX_MNT_ID_UNIQUE) ||
        statmount_of(sx.stx_mnt_id, TEST_STATMOUNT_MNT_BASIC, buf, sizeof(buf)) < 0)
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

/* --- tests ---------------------------------------------------------------- */

static void inside_pivot(void *arg)
{
    bool no_pivot = arg != NULL;
    char cwd[PATH_MAX];
    check(!exists(g.marker), "host marker %s visible after pivot", g.marker);
    check(exists("/bin/busybox") && exists("/etc/passwd"), "the rootfs is not /");
    check(getcwd(cwd, sizeof(cwd)) && strcmp(cwd, "/") == 0, "cwd is %s, not /", cwd);
    check(!exists(g.rootfs), "the rootfs path %s is reachable inside", g.rootfs);
    /* The host's /dev (devtmpfs) and its other mounts are gone from this
     * namespace: detached by pivot, or by --no-pivot's cleanup. */
    check(count_fstype("devtmpfs", true) == 0, "a devtmpfs (the host's /dev) is still mounted");
    check(count_fstype_ns("devtmpfs") == 0, "%d devtmpfs mounts in the namespace (outside /)",
          count_fstype_ns("devtmpfs"));
    if (!no_pivot) /* just the rootfs's own mount */
        check(count_fstype("ext4", false) == 1, "%d ext4 mounts: the old root was not detached",
              count_fstype("ext4", false));
    int fd = open("/..", O_PATH | O_CLOEXEC);
    struct stat a, b;
    check(fd >= 0 && fstat(fd, &a) == 0 && stat("/", &b) == 0 && a.st_ino == b.st_ino,
          "/.. is not /");
    if (fd >= 0)
        close(fd);
}

static void test_pivot_hides_host(void **state)
{
    (void)state;
    struct spec s;
    spec_init(&s);
    spec_defaults(&s);
    char log[PATH_MAX];
    snprintf(log, sizeof(log), "%s/debug.log", g.dir);
    struct run rn = {.mode = PLAIN, .debug_log = log};
    struct result r;
    run_container(&s, &rn, inside_pivot, NULL, &r);
    expect_ok(&r);
    /* --debug follows the sequence */
    _cleanup_free_ char *text = NULL;
    assert_int_equal(oj_read_file(log, 1 << 20, &text, NULL, NULL), 0);
    assert_non_null(strstr(text, "mounts[0]: mount proc on /proc"));
    assert_non_null(strstr(text, "pivot_root into"));
    assert_non_null(strstr(text, "device /dev/null: mknod c 1:3"));
    unlink(log);
}

static void test_pivot_hides_host_userns(void **state)
{
    (void)state;
    struct spec s;
    spec_init(&s);
    spec_defaults(&s);
    run_ok(&s, USERNS, inside_pivot, NULL);
}

static void test_no_pivot(void **state)
{
    (void)state;
    struct spec s;
    spec_init(&s);
    spec_defaults(&s);
    struct run rn = {.mode = PLAIN, .no_pivot = true};
    struct result r;
    run_container(&s, &rn, inside_pivot, (void *)1, &r);
    expect_ok(&r);
}

static void inside_filesystems(void *arg)
{
    bool userns = arg != NULL;
    char buf[256], super[256];
    check(fs_type("/proc") == PROC_SUPER_MAGIC, "/proc is not procfs");
    check(read_small("/proc/self/status", buf, sizeof(buf)) > 0, "cannot read /proc/self/status");
    check(fs_type("/sys") == SYSFS_MAGIC, "/sys is not sysfs");
    check(is_ro("/sys"), "/sys is not read-only");
    check(exists("/sys/kernel"), "/sys is empty");
    check(fs_type("/dev") == TMPFS_MAGIC, "/dev is not tmpfs");
    check(fs_type("/dev/pts") == DEVPTS_SUPER_MAGIC, "/dev/pts is not devpts");
    check(exists("/dev/pts/ptmx"), "/dev/pts/ptmx missing (newinstance)");
    check(fs_type("/dev/shm") == TMPFS_MAGIC, "/dev/shm is not tmpfs");
    check(fs_type("/dev/mqueue") == MQUEUE_MAGIC, "/dev/mqueue is not mqueue");
    /* tmpfs size=1m: 1 MiB of blocks; mode=1777 applied */
    struct statvfs sv;
    check(statvfs("/tmp", &sv) == 0 && sv.f_blocks * sv.f_frsize == 1024 * 1024,
          "/tmp tmpfs size is %llu bytes, want 1 MiB",
          (unsigned long long)(sv.f_blocks * sv.f_frsize));
    check(find_mount("/tmp", NULL, NULL, super) && strstr(super, "size=1024k"),
          "/tmp super options \"%s\"", super);
    struct stat st;
    check(stat("/tmp", &st) == 0 && (st.st_mode & 07777) == 01777, "/tmp mode %o",
          st.st_mode & 07777);
    /* nosuid,nodev,noexec on a filesystem mount */
    unsigned long f = vfs_flags("/dev/shm");
    check((f & ST_NOSUID) && (f & ST_NODEV) && (f & ST_NOEXEC), "/dev/shm flags %#lx", f);
    /* a mount on a path that did not exist in the image */
    check(fs_type("/new/deep/dir") == TMPFS_MAGIC, "/new/deep/dir is not a tmpfs");
    if (userns) /* in the container's own PID namespace we are 1 */
        check(getpid() == 1, "pid %d, want 1 in the new PID namespace", (int)getpid());
}

static void spec_filesystems(struct spec *s)
{
    spec_init(s);
    spec_defaults(s);
    spec_mount(s, "/tmp", "tmpfs", "tmpfs", "size=1m,mode=1777,nosuid,nodev");
    spec_mount(s, "/new/deep/dir", "tmpfs", "tmpfs", NULL);
}

static void test_filesystems(void **state)
{
    (void)state;
    struct spec s;
    spec_filesystems(&s);
    run_ok(&s, PLAIN, inside_filesystems, NULL);
    struct stat st; /* the missing destination was created inside the rootfs */
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/new/deep/dir", g.rootfs);
    assert_int_equal(stat(p, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
}

static void test_filesystems_userns(void **state)
{
    (void)state;
    struct spec s;
    spec_filesystems(&s);
    /* no network namespace: sysfs falls back to a bind of the host's /sys */
    run_ok(&s, USERNS, inside_filesystems, (void *)1);
}

static void inside_binds(void *arg)
{
    bool userns = arg != NULL;
    char buf[64];
    /* ro,nosuid,nodev,noexec bind: every flag visible, writes refused */
    unsigned long f = vfs_flags("/data");
    check((f & ST_RDONLY) && (f & ST_NOSUID) && (f & ST_NODEV) && (f & ST_NOEXEC),
          "/data flags %#lx, want ro,nosuid,nodev,noexec", f);
    check(!userns || (f & ST_NOATIME), "/data lost the locked noatime: %#lx", f);
    check(create_errno("/data") == EROFS, "create in ro bind: %s", strerror(create_errno("/data")));
    check(create_errno("/data/rw") == EROFS, "rbind,ro: submount-free dir rw/ writable");
    check(read_small("/data/input.txt", buf, sizeof(buf)) == 10 && !strcmp(buf, "judge data"),
          "/data/input.txt reads \"%s\"", buf);
    check(access("/data/run.sh", X_OK) < 0 && errno == EACCES,
          "noexec: /data/run.sh is executable");
    /* rw bind: writable, and the write reaches the host directory */
    check(!is_ro("/work"), "/work is read-only");
    int fd = open("/work/out.txt", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    check(fd >= 0 && write(fd, "42", 2) == 2, "write /work/out.txt: %s", strerror(errno));
    if (fd >= 0)
        close(fd);
    /* file bind onto a missing destination: an empty file was created */
    check(read_small("/etc/judge/input", buf, sizeof(buf)) == 10 && !strcmp(buf, "judge data"),
          "/etc/judge/input reads \"%s\"", buf);
    f = vfs_flags("/again");
    check((f & ST_RDONLY) && (f & ST_NOSUID) && create_errno("/again") == EROFS,
          "/again after remount,ro,nosuid: flags %#lx", f);
    check(!userns || (f & ST_NOATIME), "/again lost the locked noatime: %#lx", f);
    /* relative source: relative to the bundle */
    check(read_small("/rel/input.txt", buf, sizeof(buf)) == 10, "relative bind source");
}

static void spec_binds(struct spec *s)
{
    static char input[PATH_MAX], rw[PATH_MAX];
    snprintf(input, sizeof(input), "%s/input.txt", g.data);
    snprintf(rw, sizeof(rw), "%s/rw", g.data);
    spec_init(s);
    spec_defaults(s);
    spec_mount(s, "/data", "bind", g.data, "rbind,ro,nosuid,nodev,noexec");
    spec_mount(s, "/work", "none", rw, "bind,rw");
    spec_mount(s, "/etc/judge/input", NULL, input, "bind,ro");
    spec_mount(s, "/rel", "bind", "data", "ro"); /* bundle = g.dir */
    /* "remount": an existing bind changed in place (classic MS_REMOUNT,
     * which must carry the flags the user namespace locked) */
    spec_mount(s, "/again", "bind", g.data, "rbind");
    spec_mount(s, "/again", "bind", g.data, "bind,remount,ro,nosuid");
}

static void run_binds(enum mode mode)
{
    struct spec s;
    spec_binds(&s);
    char out[PATH_MAX];
    snprintf(out, sizeof(out), "%s/rw/out.txt", g.data);
    unlink(out);
    run_ok(&s, mode, inside_binds, mode == PLAIN ? NULL : (void *)1);
    _cleanup_free_ char *text = NULL;
    assert_int_equal(oj_read_file(out, 64, &text, NULL, NULL), 0);
    assert_string_equal(text, "42");
    unlink(out);
}

static void test_bind_mounts(void **state)
{
    (void)state;
    run_binds(PLAIN);
}

static void test_bind_mounts_userns(void **state)
{
    (void)state;
    /* the remount flags must keep what the kernel locked on the host mount */
    run_binds(USERNS);
}

static void inside_escape(void *arg)
{
    const char *name = arg;
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "/%s", name);
    check(fs_type(p) == TMPFS_MAGIC, "%s is not the tmpfs (../ escape)", p);
    snprintf(p, sizeof(p), "/etc/%s", name);
    check(fs_type(p) == TMPFS_MAGIC, "%s is not the tmpfs (absolute symlink)", p);
    snprintf(p, sizeof(p), "/etc/%s-rel", name);
    check(fs_type(p) == TMPFS_MAGIC, "%s is not the tmpfs (climbing relative symlink)", p);
    snprintf(p, sizeof(p), "/etc/%s-file", name);
    char buf[64];
    check(read_small(p, buf, sizeof(buf)) == 10, "%s: file bind through a symlink", p);
}

static void test_destinations_stay_inside(void **state)
{
    (void)state;
    char name[64], d1[128], d2[128], d3[128], d4[128], p[PATH_MAX], input[PATH_MAX];
    snprintf(name, sizeof(name), "ojrun-escape-%d", (int)getpid());
    snprintf(d1, sizeof(d1), "/../../../%s", name);
    snprintf(d2, sizeof(d2), "/evil/%s", name);
    snprintf(d3, sizeof(d3), "/up/%s-rel", name);
    snprintf(d4, sizeof(d4), "/evil/%s-file", name);
    snprintf(input, sizeof(input), "%s/input.txt", g.data);
    /* rootfs/evil -> /etc (absolute: the host's /etc if followed naively),
     * rootfs/up -> ../../../../../etc (relative, climbing out) */
    assert_int_equal(sh("ln -sfn /etc %s/evil && ln -sfn ../../../../../etc %s/up", g.rootfs,
                        g.rootfs),
                     0);
    struct spec s;
    spec_init(&s);
    spec_defaults(&s);
    spec_mount(&s, d1, "tmpfs", "tmpfs", NULL);
    spec_mount(&s, d2, "tmpfs", "tmpfs", NULL);
    spec_mount(&s, d3, "tmpfs", "tmpfs", NULL);
    spec_mount(&s, d4, "bind", input, "ro");
    run_ok(&s, PLAIN, inside_escape, name);

    /* the host saw nothing; the rootfs got the mount points */
    struct stat st;
    snprintf(p, sizeof(p), "/%s", name);
    assert_int_equal(lstat(p, &st), -1);
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof(p), "/etc/%s%s", name, i == 0 ? "" : i == 1 ? "-rel" : "-file");
        assert_int_equal(lstat(p, &st), -1);
        assert_int_equal(errno, ENOENT);
    }
    snprintf(p, sizeof(p), "%s/%s", g.rootfs, name);
    assert_int_equal(stat(p, &st), 0);
    snprintf(p, sizeof(p), "%s/etc/%s", g.rootfs, name);
    assert_int_equal(stat(p, &st), 0);
    snprintf(p, sizeof(p), "%s/etc/%s-file", g.rootfs, name);
    assert_int_equal(stat(p, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(sh("cd %s && rm -rf evil up %s etc/%s etc/%s-rel etc/%s-file", g.rootfs, name,
                        name, name, name),
                     0);
}

static void inside_masked_readonly(void *arg)
{
    bool userns = arg != NULL;
    char buf[64];
    /* masked file: /dev/null over it, reads empty */
    check(read_small("/etc/hostname", buf, sizeof(buf)) == 0, "masked /etc/hostname reads \"%s\"",
          buf);
    check(read_small("/proc/kcore", buf, sizeof(buf)) <= 0, "masked /proc/kcore readable");
    /* masked directory: an empty read-only tmpfs */
    check(fs_type("/home") == TMPFS_MAGIC, "masked /home is not a tmpfs");
    check(dir_entries("/home") == 0, "masked /home has %d entries", dir_entries("/home"));
    check(is_ro("/home") && create_errno("/home") == EROFS, "masked /home is writable");
    check(dir_entries("/proc/acpi") <= 0, "masked /proc/acpi is not empty");
    /* readonly paths */
    check(is_ro("/proc/sys"), "/proc/sys is not read-only");
    check(write_errno("/proc/sys/kernel/hostname", "x") == EROFS ||
              (userns && write_errno("/proc/sys/kernel/hostname", "x") == EACCES),
          "write /proc/sys/kernel/hostname: %s",
          strerror(write_errno("/proc/sys/kernel/hostname", "x")));
    check(is_ro("/etc") && create_errno("/etc") == EROFS, "readonly /etc is writable");
    check(is_ro("/etc/hostname"), "/etc/hostname (masked inside ro /etc) is writable");
    /* the rest stays writable */
    check(!is_ro("/") && create_errno("/root") == 0, "/ became read-only");
}

static void spec_masked(struct spec *s)
{
    spec_init(s);
    spec_defaults(s);
    static char *masked[] = {"/proc/kcore", "/proc/acpi", "/etc/hostname", "/home",
                             "/does/not/exist"};
    static char *ro[] = {"/proc/sys", "/etc", "/nonexistent"};
    memcpy(s->masked, masked, sizeof(masked));
    s->cfg.linux_.n_masked_paths = OJ_ARRAY_SIZE(masked);
    memcpy(s->readonly, ro, sizeof(ro));
    s->cfg.linux_.n_readonly_paths = OJ_ARRAY_SIZE(ro);
}

static void test_masked_and_readonly_paths(void **state)
{
    (void)state;
    struct spec s;
    spec_masked(&s);
    run_ok(&s, PLAIN, inside_masked_readonly, NULL);
}

static void test_masked_and_readonly_paths_userns(void **state)
{
    (void)state;
    struct spec s;
    spec_masked(&s);
    run_ok(&s, USERNS, inside_masked_readonly, (void *)1);
}

static void inside_root_readonly(void *arg)
{
    bool userns = arg != NULL;
    check(is_ro("/"), "/ is not read-only");
    check(create_errno("/") == EROFS, "create in /: %s", strerror(create_errno("/")));
    check(create_errno("/etc") == EROFS, "create in /etc: %s", strerror(create_errno("/etc")));
    check(!is_ro("/tmp") && create_errno("/tmp") == 0, "/tmp (tmpfs) is not writable");
    check(create_errno("/dev/shm") == 0, "/dev/shm is not writable");
    /* remounting ro kept the other flags of the root mount (in the user
     * namespace: the locked nosuid,nodev,noatime; else the kernel refuses) */
    unsigned long f = vfs_flags("/");
    if (userns)
        check((f & ST_NOSUID) && (f & ST_NODEV) && (f & ST_NOATIME), "/ flags %#lx", f);
    else
        check((f & ST_RELATIME) != 0, "/ lost relatime");
}

static void test_root_readonly(void **state)
{
    (void)state;
    struct spec s;
    spec_init(&s);
    spec_defaults(&s);
    spec_mount(&s, "/tmp", "tmpfs", "tmpfs", "mode=1777");
    s.cfg.root_readonly = true;
    run_ok(&s, PLAIN, inside_root_readonly, NULL);
}

static void test_root_readonly_userns(void **state)
{
    (void)state;
    struct spec s;
    spec_init(&s);
    spec_defaults(&s);
    spec_mount(&s, "/tmp", "tmpfs", "tmpfs", "mode=1777");
    s.cfg.root_readonly = true;
    run_ok(&s, USERNS, inside_root_readonly, (void *)1);
}

static void inside_devices(void *arg)
{
    bool userns = arg != NULL;
    static const struct {
        const char *path;
        unsigned maj, min;
    } devs[] = {{"/dev/null", 1, 3},    {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
                {"/dev/random", 1, 8},  {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0}};
    for (size_t i = 0; i < OJ_ARRAY_SIZE(devs); i++) {
        struct stat st;
        bool ok = stat(devs[i].path, &st) == 0 && S_ISCHR(st.st_mode) &&
                  major(st.st_rdev) == devs[i].maj && minor(st.st_rdev) == devs[i].min;
        check(ok, "%s is not the %u:%u character device", devs[i].path, devs[i].maj,
              devs[i].min);
        check(ok && (st.st_mode & 0777) == 0666, "%s mode %o", devs[i].path, st.st_mode & 0777);
    }
    int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    check(fd >= 0 && write(fd, "x", 1) == 1, "write /dev/null: %s", strerror(errno));
    if (fd >= 0)
        close(fd);
    char z[16];
    memset(z, 1, sizeof(z));
    fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
    check(fd >= 0 && read(fd, z, sizeof(z)) == sizeof(z), "read /dev/zero: %s", strerror(errno));
    check(memchr(z, 1, sizeof(z)) == NULL, "/dev/zero did not give zeros");
    if (fd >= 0)
        close(fd);
    check(write_errno("/dev/full", "x") == ENOSPC, "write /dev/full did not fail with ENOSPC");
    fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    check(fd >= 0 && read(fd, z, sizeof(z)) == sizeof(z), "read /dev/urandom");
    if (fd >= 0)
        close(fd);

    check(link_is("/dev/fd", "/proc/self/fd"), "/dev/fd link");
    check(link_is("/dev/stdin", "/proc/self/fd/0"), "/dev/stdin link");
    check(link_is("/dev/stdout", "/proc/self/fd/1"), "/dev/stdout link");
    check(link_is("/dev/stderr", "/proc/self/fd/2"), "/dev/stderr link");
    check(link_is("/dev/ptmx", "pts/ptmx"), "/dev/ptmx link");
    check(!g.have_kcore || link_is("/dev/core", "/proc/kcore"), "/dev/core link");
    fd = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    check(fd >= 0, "open /dev/ptmx: %s", strerror(errno));
    if (fd >= 0)
        close(fd);
    /* /dev/fd works through the container's /proc */
    check(exists("/dev/fd/0"), "/dev/fd/0 missing");

    /* linux.devices */
    struct stat st;
    if (!userns) {
        check(stat("/dev/ojtest", &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3),
              "/dev/ojtest is not 1:3");
        check((st.st_mode & 07777) == 0600 && st.st_uid == 1000 && st.st_gid == 1000,
              "/dev/ojtest mode %o owner %u:%u", st.st_mode & 07777, st.st_uid, st.st_gid);
        check(write_errno("/dev/ojtest", "x") == 0, "write /dev/ojtest");
    } else {
        check(stat("/dev/kmsg", &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 11),
              "/dev/kmsg is not the host's 1:11");
    }
    check(stat("/dev/sub/fifo", &st) == 0 && S_ISFIFO(st.st_mode) && (st.st_mode & 0777) == 0640,
          "/dev/sub/fifo is not a 0640 FIFO");
}

static void spec_devices(struct spec *s, bool userns)
{
    spec_init(s);
    spec_defaults(s);
    struct oj_device *d = &s->devices[s->cfg.linux_.n_devices++];
    if (!userns)
        *d = (struct oj_device){.path = "/dev/ojtest", .type = 'c', .major = 1, .minor = 3,
                                .file_mode = {true, 0600}, .uid = {true, 1000},
                                .gid = {true, 1000}};
    else /* in a user namespace the host's node of the same path is bound */
        *d = (struct oj_device){.path = "/dev/kmsg", .type = 'c', .major = 1, .minor = 11};
    d = &s->devices[s->cfg.linux_.n_devices++];
    *d = (struct oj_device){.path = "/dev/sub/fifo", .type = 'p', .file_mode = {true, 0640}};
}

static void test_devices(void **state)
{
    (void)state;
    struct spec s;
    spec_devices(&s, false);
    run_ok(&s, PLAIN, inside_devices, NULL);
}

static void test_devices_userns(void **state)
{
    (void)state;
    struct spec s;
    spec_devices(&s, true);
    run_ok(&s, USERNS, inside_devices, (void *)1);
}

static void expect_error(const struct spec *s, enum mode mode, const char *want)
{
    struct run rn = {.mode = mode};
    struct result r;
    run_container(s, &rn, NULL, NULL, &r);
    if (r.status != 3 || !strstr(r.msg, want))
        fail_msg("exit %d, message \"%s\"; want 3 and \"%s\"", r.status, r.msg, want);
}

static void test_errors_name_the_mount(void **state)
{
    (void)state;
    struct spec s;
    char p[PATH_MAX];

    spec_init(&s);
    spec_defaults(&s);
    spec_mount(&s, "/mnt", "bind", "/nonexistent-ojrun", "rbind");
    expect_error(&s, PLAIN, "mount /nonexistent-ojrun on /mnt: No such file or directory");
    snprintf(p, sizeof(p), "%s/mnt", g.rootfs); /* nothing was created for it */
    assert_int_equal(access(p, F_OK), -1);

    spec_init(&s);
    spec_mount(&s, "/x", "nosuchfs", "src", NULL);
    expect_error(&s, PLAIN, "mount src on /x: No such device");

    spec_init(&s);
    spec_mount(&s, "/tmp", "tmpfs", "tmpfs", "size=lots");
    expect_error(&s, PLAIN, "mount tmpfs on /tmp (options \"size=lots\"): Invalid argument");

    /* over procfs only the lxcfs-style files are allowed */
    spec_init(&s);
    spec_defaults(&s);
    spec_mount(&s, "/proc/sys/kernel/core_pattern", "bind", "/etc/hostname", "ro");
    expect_error(&s, PLAIN, "mount /etc/hostname on /proc/sys/kernel/core_pattern: the "
                            "destination is inside /proc");

    /* a device that is not what is already there */
    spec_init(&s);
    spec_defaults(&s);
    s.devices[0] = (struct oj_device){.path = "/etc/passwd", .type = 'c', .major = 1, .minor = 3};
    s.cfg.linux_.n_devices = 1;
    expect_error(&s, PLAIN, "device /etc/passwd: a different file is already there");

    spec_init(&s);
    s.cfg.linux_.rootfs_propagation = "sideways";
    expect_error(&s, PLAIN, "linux.rootfsPropagation: unknown value \"sideways\"");

    /* a user namespace without its own PID namespace may not mount proc */
    spec_init(&s);
    spec_mount(&s, "/proc", "proc", "proc", NULL);
    expect_error(&s, USERNS_NO_PIDNS, "mount proc on /proc: Operation not permitted");
}

static void inside_propagation(void *arg)
{
    (void)arg;
    char opt[256] = "";
    check(find_mount("/", NULL, opt, NULL) && strstr(opt, "shared:"),
          "/ is not shared (optional fields \"%s\")", opt);
    opt[0] = '\0';
    check(find_mount("/unbind", NULL, opt, NULL) && !strstr(opt, "shared:"),
          "/unbind: \"%s\"", opt);
    /* an unbindable mount cannot be bound */
    check(mount("/unbind", "/tmp", NULL, MS_BIND, NULL) < 0 && errno == EINVAL,
          "bind of an unbindable mount worked");
    opt[0] = '\0';
    check(find_mount("/shared", NULL, opt, NULL) && strstr(opt, "shared:"),
          "/shared is not shared: \"%s\"", opt);
}

static void test_propagation(void **state)
{
    (void)state;
    struct spec s;
    spec_init(&s);
    spec_defaults(&s);
    spec_mount(&s, "/tmp", "tmpfs", "tmpfs", NULL);
    spec_mount(&s, "/unbind", "tmpfs", "tmpfs", "runbindable");
    spec_mount(&s, "/shared", "tmpfs", "tmpfs", "private,shared");
    /* not "rshared": that would make /unbind shared again, recursively */
    s.cfg.linux_.rootfs_propagation = "shared";
    run_ok(&s, PLAIN, inside_propagation, NULL);
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/unbind", g.rootfs);
    rmdir(p);
    snprintf(p, sizeof(p), "%s/shared", g.rootfs);
    rmdir(p);
}

static void inside_cgroup(void *arg)
{
    const char *name = arg;
    char p[PATH_MAX], buf[4096], me[32];
    check(fs_type("/sys/fs/cgroup") == TMPFS_MAGIC, "/sys/fs/cgroup is not a tmpfs");
    check(is_ro("/sys/fs/cgroup"), "/sys/fs/cgroup is not read-only");
    check(mkdir("/sys/fs/cgroup/x", 0755) < 0 && errno == EROFS, "mkdir in /sys/fs/cgroup");
    check(fs_type("/sys/fs/cgroup/pids") == CGROUP_SUPER_MAGIC, "pids is not cgroup v1");
    /* the container's own cgroup, not the hierarchy's root */
    check(exists("/sys/fs/cgroup/pids/pids.max"), "pids.max missing: not our cgroup");
    snprintf(p, sizeof(p), "/sys/fs/cgroup/pids/%s", name);
    check(!exists(p), "%s visible: the root of the hierarchy is mounted", p);
    snprintf(me, sizeof(me), "%d\n", (int)getpid());
    check(read_small("/sys/fs/cgroup/pids/cgroup.procs", buf, sizeof(buf)) > 0 &&
              strstr(buf, me) != NULL,
          "our pid is not in pids/cgroup.procs: \"%s\"", buf);
    check(write_errno("/sys/fs/cgroup/pids/pids.max", "10") == EROFS, "pids.max is writable");
    check(exists("/sys/fs/cgroup/cpu/cpu.shares"), "cpu/cpu.shares missing");
    check(exists("/sys/fs/cgroup/cpuacct/cpuacct.usage"), "cpuacct/cpuacct.usage missing");
    check(exists("/sys/fs/cgroup/memory/memory.limit_in_bytes"), "memory hierarchy missing");
    check(fs_type("/sys/fs/cgroup/unified") == CGROUP2_SUPER_MAGIC, "unified is not cgroup2");
}

static void run_cgroup_v1(bool cgroupns)
{
    struct statfs sf;
    assert_int_equal(statfs("/sys/fs/cgroup", &sf), 0);
    if (sf.f_type == CGROUP2_SUPER_MAGIC)
        skip(); /* this test is about v1/hybrid hosts (the project's machine is one) */
    char name[64], dir[PATH_MAX];
    snprintf(name, sizeof(name), "ojrun-rootfs-test-%d", (int)getpid());
    snprintf(dir, sizeof(dir), "/sys/fs/cgroup/pids/%s", name);
    assert_int_equal(mkdir(dir, 0755), 0);
    struct spec s;
    spec_init(&s);
    spec_defaults(&s);
    spec_mount(&s, "/sys/fs/cgroup", "cgroup", "cgroup", "nosuid,noexec,nodev,relatime,ro");
    struct oj_namespace ns = {.type = OJ_NS_CGROUP};
    if (cgroupns) {
        s.cfg.linux_.namespaces = &ns;
        s.cfg.linux_.n_namespaces = 1;
    }
    struct run rn = {.mode = PLAIN, .cgroups = {dir}, .cgroupns = cgroupns};
    struct result r;
    run_container(&s, &rn, inside_cgroup, name, &r);
    int rm = rmdir(dir);
    expect_ok(&r);
    assert_int_equal(rm, 0);
}

/* no cgroup namespace: binds of the container's cgroup directories */
static void test_cgroup_v1(void **state)
{
    (void)state;
    run_cgroup_v1(false);
}

/* a new cgroup namespace: fresh v1 mounts, rooted at the container's cgroup */
static void test_cgroup_v1_cgroupns(void **state)
{
    (void)state;
    run_cgroup_v1(true);
}

static void inside_cgroup2(void *arg)
{
    (void)arg;
    char buf[256];
    check(fs_type("/cg2") == CGROUP2_SUPER_MAGIC, "/cg2 is not cgroup2");
    check(exists("/cg2/cgroup.controllers"), "/cg2/cgroup.controllers missing");
    /* our own directory: only we (PID 1 here) and our parent outside the
     * PID namespace (shown as 0) are in it -- not the host's processes */
    check(read_small("/cg2/cgroup.procs", buf, sizeof(buf)) > 0 &&
              (strcmp(buf, "0\n1\n") == 0 || strcmp(buf, "1\n0\n") == 0),
          "/cg2/cgroup.procs is \"%s\", want 0 and 1", buf);
    check(is_ro("/cg2"), "/cg2 is not read-only");
}

/* cgroup2 in a user namespace without a cgroup namespace: the kernel
 * refuses a cgroup2 mount, the container's directory is bound instead */
static void test_cgroup2_userns_fallback(void **state)
{
    (void)state;
    const char *unified = "/sys/fs/cgroup/unified";
    struct statfs sf;
    if (statfs("/sys/fs/cgroup", &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
        unified = "/sys/fs/cgroup";
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s/ojrun-rootfs-test-%d", unified, (int)getpid());
    assert_int_equal(mkdir(dir, 0755), 0);
    struct spec s;
    spec_init(&s);
    spec_defaults(&s);
    spec_mount(&s, "/cg2", "cgroup2", "cgroup2", "nosuid,noexec,nodev,ro");
    struct run rn = {.mode = USERNS, .cgroups = {dir}};
    struct result r;
    run_container(&s, &rn, inside_cgroup2, NULL, &r);
    int rm = rmdir(dir);
    expect_ok(&r);
    assert_int_equal(rm, 0);
    char p[PATH_MAX];
    snprintf(p, sizeof(p), "%s/cg2", g.rootfs_un);
    rmdir(p);
}

int main(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "test_rootfs: needs root (real mounts and namespaces)\n");
        return 1;
    }
    /* "The host" of these tests is a mount namespace of our own in which
     * every mount is shared.  Each container namespace forked from it starts
     * as its peer, so whatever prepare() failed to make private would
     * propagate back here and show in run_container()'s before/after
     * comparison of mountinfo; and mounts made meanwhile by other programs
     * on the machine cannot disturb that comparison. */
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SHARED, NULL) < 0) {
        perror("test_rootfs: set up the test mount namespace");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pivot_hides_host),
        cmocka_unit_test(test_pivot_hides_host_userns),
        cmocka_unit_test(test_no_pivot),
        cmocka_unit_test(test_filesystems),
        cmocka_unit_test(test_filesystems_userns),
        cmocka_unit_test(test_bind_mounts),
        cmocka_unit_test(test_bind_mounts_userns),
        cmocka_unit_test(test_destinations_stay_inside),
        cmocka_unit_test(test_masked_and_readonly_paths),
        cmocka_unit_test(test_masked_and_readonly_paths_userns),
        cmocka_unit_test(test_root_readonly),
        cmocka_unit_test(test_root_readonly_userns),
        cmocka_unit_test(test_devices),
        cmocka_unit_test(test_devices_userns),
        cmocka_unit_test(test_errors_name_the_mount),
        cmocka_unit_test(test_propagation),
        cmocka_unit_test(test_cgroup_v1),
        cmocka_unit_test(test_cgroup_v1_cgroupns),
        cmocka_unit_test(test_cgroup2_userns_fallback),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
