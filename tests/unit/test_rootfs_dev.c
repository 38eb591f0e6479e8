/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rootfs: /dev (default devices, links, linux.devices; mknod or, in a user
 * namespace, binds of the host's nodes) and the cgroup mount types on this
 * cgroup v1/hybrid machine.  The harness is in rootfs_harness.h.
 */
#include "rootfs_harness.h"
#include "test_tag.h"

static void inside_devices(void *arg)
{
    bool userns = arg != NULL;
    static const struct {
        const char *path;
        unsigned maj, min;
    } devs[] = {{"/dev/null", 1, 3},   {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
                {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0}};
    for (size_t i = 0; i < OJ_ARRAY_SIZE(devs); i++) {
        struct stat st;
        bool ok = stat(devs[i].path, &st) == 0 && S_ISCHR(st.st_mode) &&
                  major(st.st_rdev) == devs[i].maj && minor(st.st_rdev) == devs[i].min;
        check(ok, "%s is not the %u:%u character device", devs[i].path, devs[i].maj, devs[i].min);
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
        *d = (struct oj_device){.path = "/dev/ojtest",
                                .type = 'c',
                                .major = 1,
                                .minor = 3,
                                .file_mode = {true, 0600},
                                .uid = {true, 1000},
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

struct cgroup_arg {
    const char *name; /* of the container's cgroup, in the pids hierarchy */
    bool userns;
};

static void inside_cgroup(void *arg)
{
    const struct cgroup_arg *a = arg;
    const char *name = a->name;
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
    check(is_ro("/sys/fs/cgroup/pids"), "/sys/fs/cgroup/pids is not read-only");
    /* in a user namespace the file's owner (the host's root) is unmapped:
     * the permission check fails before the read-only mount's */
    int we = write_errno("/sys/fs/cgroup/pids/pids.max", "10");
    check(we == EROFS || (a->userns && we == EACCES), "pids.max is writable (%s)", strerror(we));
    check(exists("/sys/fs/cgroup/cpu/cpu.shares"), "cpu/cpu.shares missing");
    check(exists("/sys/fs/cgroup/cpuacct/cpuacct.usage"), "cpuacct/cpuacct.usage missing");
    check(exists("/sys/fs/cgroup/memory/memory.limit_in_bytes"), "memory hierarchy missing");
    check(fs_type("/sys/fs/cgroup/unified") == CGROUP2_SUPER_MAGIC, "unified is not cgroup2");
}

static void run_cgroup_v1(enum mode mode, bool cgroupns)
{
    struct statfs sf;
    assert_int_equal(statfs("/sys/fs/cgroup", &sf), 0);
    if (sf.f_type == CGROUP2_SUPER_MAGIC) {
        /* this test is about v1/hybrid hosts (the project's machine is one) */
        print_message("# pure cgroup v2 host: the v1 cgroup mounts are not there\n");
        skip();
    }
    char name[64], dir[PATH_MAX];
    snprintf(name, sizeof(name), "ojrun-rootfs-test-%s", test_tag());
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
    struct run rn = {.mode = mode, .cgroups = {dir}, .cgroupns = cgroupns};
    struct result r;
    struct cgroup_arg a = {.name = name, .userns = mode != PLAIN};
    run_container(&s, &rn, inside_cgroup, &a, &r);
    int rm = rmdir(dir);
    expect_ok(&r);
    assert_int_equal(rm, 0);
}

/* no cgroup namespace: binds of the container's cgroup directories */
static void test_cgroup_v1(void **state)
{
    (void)state;
    run_cgroup_v1(PLAIN, false);
}

/* a new cgroup namespace: fresh v1 mounts, rooted at the container's cgroup */
static void test_cgroup_v1_cgroupns(void **state)
{
    (void)state;
    run_cgroup_v1(PLAIN, true);
}

/* a user namespace and a cgroup namespace it owns: fresh v1 mounts as
 * well (a bind cannot be derived there: every path reads "/") */
static void test_cgroup_v1_userns_cgroupns(void **state)
{
    (void)state;
    run_cgroup_v1(USERNS, true);
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
    snprintf(dir, sizeof(dir), "%s/ojrun-rootfs-test-%s", unified, test_tag());
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
    if (harness_init("test_rootfs_dev") < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_devices),
        cmocka_unit_test(test_devices_userns),
        cmocka_unit_test(test_cgroup_v1),
        cmocka_unit_test(test_cgroup_v1_cgroupns),
        cmocka_unit_test(test_cgroup_v1_userns_cgroupns),
        cmocka_unit_test(test_cgroup2_userns_fallback),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
