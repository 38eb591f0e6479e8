/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rootfs: pivot, mounts[] (filesystems, bind mounts, destinations that try
 * to escape), masked/readonly paths, root.readonly, propagation, errors.
 * /dev and cgroup mounts are in test_rootfs_dev.c; the harness (how a
 * container is run and checked) in rootfs_harness.h.
 */
#include "rootfs_harness.h"
#include "test_tag.h"

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
    /* the whole namespace, where the kernel can list it (Linux 6.8) */
    int ns = count_fstype_ns("devtmpfs");
    check(ns == 0 || (ns < 0 && errno == ENOSYS), "%d devtmpfs mounts in the namespace (outside /)",
          ns);
    /* No mount of the host root's filesystem is left but the rootfs's own
     * when it lives there (ext4 on a plain host; on an overlay root with
     * the rootfs in a tmpfs, as in the v2 test guest, none). */
    int want = strcmp(g.root_fstype, g.rootfs_fstype) == 0 ? 1 : 0;
    if (!no_pivot)
        check(count_fstype(g.root_fstype, false) == want,
              "%d %s mounts, want %d: the old root was not detached",
              count_fstype(g.root_fstype, false), g.root_fstype, want);
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
    snprintf(name, sizeof(name), "ojrun-escape-%s", test_tag());
    snprintf(d1, sizeof(d1), "/../../../%s", name);
    snprintf(d2, sizeof(d2), "/evil/%s", name);
    snprintf(d3, sizeof(d3), "/up/%s-rel", name);
    snprintf(d4, sizeof(d4), "/evil/%s-file", name);
    snprintf(input, sizeof(input), "%s/input.txt", g.data);
    /* rootfs/evil -> /etc (absolute: the host's /etc if followed naively),
     * rootfs/up -> ../../../../../etc (relative, climbing out) */
    assert_int_equal(
        sh("ln -sfn /etc %s/evil && ln -sfn ../../../../../etc %s/up", g.rootfs, g.rootfs), 0);
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
    expect_error(&s, PLAIN,
                 "mount /etc/hostname on /proc/sys/kernel/core_pattern: the "
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
    check(find_mount("/unbind", NULL, opt, NULL) && !strstr(opt, "shared:"), "/unbind: \"%s\"",
          opt);
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

static void inside_unbindable(void *arg)
{
    (void)arg;
    char opt[256] = "";
    check(find_mount("/", NULL, opt, NULL) && strstr(opt, "unbindable"),
          "/ is not unbindable (optional fields \"%s\")", opt);
}

/* rootfsPropagation "unbindable": the rootfs must still be bound onto
 * itself before the pivot (a bind below an unbindable "/" is EINVAL), and
 * "/" is unbindable once inside. */
static void test_propagation_unbindable(void **state)
{
    (void)state;
    struct spec s;
    spec_init(&s);
    spec_defaults(&s);
    s.cfg.linux_.rootfs_propagation = "unbindable";
    run_ok(&s, PLAIN, inside_unbindable, NULL);
}

int main(void)
{
    if (harness_init("test_rootfs") < 0)
        return 1;
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
        cmocka_unit_test(test_errors_name_the_mount),
        cmocka_unit_test(test_propagation),
        cmocka_unit_test(test_propagation_unbindable),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
