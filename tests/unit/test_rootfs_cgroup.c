/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The path logic of the "cgroup" mount type (rootfs_cgroup.c) on fake
 * trees: oj_cgroup_views_read() given a mountinfo and a /proc/self/cgroup
 * of a hybrid or a cgroup v2 host, seen from the host's cgroup namespace
 * and from inside a container's (where both files are relative to it).
 * Which hierarchies are found, the controllers a fresh mount gets, and the
 * host directory a bind would use -- or why there is none.
 *
 * The mounts themselves, on this machine's real hierarchies, are in
 * test_rootfs_dev.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cleanup.h"
#include "rootfs_priv.h"
#include "util.h"

static char tmp[PATH_MAX], mountinfo[PATH_MAX], selfcg[PATH_MAX];

static void put(const char *path, const char *content)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(oj_write_all(fd, content, strlen(content)), (ssize_t)strlen(content));
    close(fd);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmp, sizeof(tmp), "/tmp/ojrun-test-rootfs-cgroup.XXXXXX");
    if (!mkdtemp(tmp))
        return -1;
    snprintf(mountinfo, sizeof(mountinfo), "%s/mountinfo", tmp);
    snprintf(selfcg, sizeof(selfcg), "%s/self-cgroup", tmp);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(mountinfo);
    unlink(selfcg);
    return rmdir(tmp);
}

static const struct oj_cgroup_view *find(const struct oj_cgroup_views *vs, const char *mp)
{
    for (size_t i = 0; i < vs->n; i++)
        if (strcmp(vs->v[i].mountpoint, mp) == 0)
            return &vs->v[i];
    fail_msg("no view for %s", mp);
    return NULL;
}

/*
 * A hybrid host like this project's machine, but with cpu and cpuacct
 * co-mounted, memory mounted twice (stacked), an "rdma" hierarchy the
 * process is not listed in, and a non-cgroup mount.  `v1_root` and
 * `v2_root` are the root fields of the v1 mounts and of the cgroup2 one.
 */
static void hybrid(const char *v1_root, const char *v2_root)
{
    char mi[4096];
    snprintf(mi, sizeof(mi),
             "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
             "31 22 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
             "32 31 0:29 %s /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
             "35 31 0:32 %s /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
             "36 35 0:32 %s /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
             "39 31 0:36 %s /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
             "40 31 0:37 %s /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup "
             "rw,xattr,name=systemd\n"
             "41 31 0:38 %s /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
             "42 31 0:39 / /sys/fs/cgroup/rdma rw,relatime - cgroup cgroup rw,rdma\n",
             v1_root, v1_root, v1_root, v1_root, v1_root, v2_root);
    put(mountinfo, mi);
}

/* From the host: the directories of the process's cgroups, per hierarchy. */
static void test_hybrid_host(void **state)
{
    (void)state;
    hybrid("/", "/");
    put(selfcg, "9:name=systemd:/system.slice/judge.service\n"
                "8:pids:/ojrun/c1\n"
                "4:memory:/ojrun/c1\n"
                "2:cpu,cpuacct:/ojrun/c1\n"
                "0::/ojrun/c1\n");
    struct oj_cgroup_views vs;
    struct oj_err err = {0};
    assert_int_equal(oj_cgroup_views_read(mountinfo, selfcg, &vs, &err), 0);
    /* memory once, rdma (not in /proc/self/cgroup) and ext4/tmpfs not at all */
    assert_int_equal(vs.n, 5);

    const struct oj_cgroup_view *v = find(&vs, "/sys/fs/cgroup/cpu,cpuacct");
    assert_false(v->v2);
    assert_string_equal(v->controllers, "cpu,cpuacct");
    assert_string_equal(v->dir, "/sys/fs/cgroup/cpu,cpuacct/ojrun/c1");
    v = find(&vs, "/sys/fs/cgroup/memory");
    assert_string_equal(v->controllers, "memory");
    assert_string_equal(v->dir, "/sys/fs/cgroup/memory/ojrun/c1");
    v = find(&vs, "/sys/fs/cgroup/pids");
    assert_string_equal(v->dir, "/sys/fs/cgroup/pids/ojrun/c1");
    v = find(&vs, "/sys/fs/cgroup/systemd");
    assert_string_equal(v->controllers, "name=systemd");
    assert_string_equal(v->dir, "/sys/fs/cgroup/systemd/system.slice/judge.service");
    v = find(&vs, "/sys/fs/cgroup/unified");
    assert_true(v->v2);
    assert_string_equal(v->controllers, "");
    assert_string_equal(v->dir, "/sys/fs/cgroup/unified/ojrun/c1");
    assert_string_equal(v->hidden, "");
    oj_cgroup_views_free(&vs);
    assert_null(vs.v);
}

/* A host that is itself a container: its hierarchies show a subtree, the
 * process's paths are below it ("/docker/abc/..." on "/docker/abc"). */
static void test_hybrid_subtree_mounts(void **state)
{
    (void)state;
    hybrid("/docker/abc", "/docker/abc");
    put(selfcg, "9:name=systemd:/docker/abc\n"
                "8:pids:/docker/abc/ojrun/c2\n"
                "4:memory:/docker/abc/ojrun/c2\n"
                "2:cpu,cpuacct:/docker/abcd/ojrun/c2\n" /* not below: a prefix, not a parent */
                "0::/docker/abc/ojrun/c2\n");
    struct oj_cgroup_views vs;
    struct oj_err err = {0};
    assert_int_equal(oj_cgroup_views_read(mountinfo, selfcg, &vs, &err), 0);
    assert_int_equal(vs.n, 5);
    assert_string_equal(find(&vs, "/sys/fs/cgroup/memory")->dir, "/sys/fs/cgroup/memory/ojrun/c2");
    assert_string_equal(find(&vs, "/sys/fs/cgroup/systemd")->dir, "/sys/fs/cgroup/systemd");
    assert_string_equal(find(&vs, "/sys/fs/cgroup/unified")->dir,
                        "/sys/fs/cgroup/unified/ojrun/c2");
    const struct oj_cgroup_view *v = find(&vs, "/sys/fs/cgroup/cpu,cpuacct");
    assert_string_equal(v->dir, "");
    assert_non_null(strstr(v->hidden, "own cgroup /docker/abcd/ojrun/c2 is outside the mount"));
    assert_null(strstr(v->hidden, "cgroup namespace"));
    oj_cgroup_views_free(&vs);
}

/*
 * What the container's init sees once it has unshared its cgroup namespace
 * in its cgroups (the case of a user namespace + cgroup namespace bundle):
 * its own cgroup is "/" everywhere and the host's mounts have roots above
 * it.  There is no host path to bind, and the views say why; the
 * controllers for the fresh mounts are still all there.
 */
static void test_hybrid_in_cgroupns(void **state)
{
    (void)state;
    hybrid("/../..", "/../..");
    put(selfcg, "9:name=systemd:/\n"
                "8:pids:/\n"
                "4:memory:/\n"
                "2:cpu,cpuacct:/\n"
                "0::/\n");
    struct oj_cgroup_views vs;
    struct oj_err err = {0};
    assert_int_equal(oj_cgroup_views_read(mountinfo, selfcg, &vs, &err), 0);
    assert_int_equal(vs.n, 5);
    static const char *const mps[] = {"/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/memory",
                                      "/sys/fs/cgroup/pids", "/sys/fs/cgroup/systemd",
                                      "/sys/fs/cgroup/unified"};
    static const char *const ctrls[] = {"cpu,cpuacct", "memory", "pids", "name=systemd", ""};
    for (size_t i = 0; i < OJ_ARRAY_SIZE(mps); i++) {
        const struct oj_cgroup_view *v = find(&vs, mps[i]);
        assert_string_equal(v->controllers, ctrls[i]);
        assert_string_equal(v->dir, "");
        char want[PATH_MAX + 128];
        snprintf(want, sizeof(want),
                 "cgroup hierarchy %s: own cgroup / is outside the mount (root /../..), hidden "
                 "by the cgroup namespace",
                 mps[i]);
        assert_string_equal(v->hidden, want);
    }
    oj_cgroup_views_free(&vs);
}

/* cgroup v2 host: one hierarchy at /sys/fs/cgroup itself. */
static void test_v2_host(void **state)
{
    (void)state;
    put(mountinfo, "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
                   "30 22 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n");
    put(selfcg, "0::/system.slice/judge.service/ojrun/c3\n");
    struct oj_cgroup_views vs;
    struct oj_err err = {0};
    assert_int_equal(oj_cgroup_views_read(mountinfo, selfcg, &vs, &err), 0);
    assert_int_equal(vs.n, 1);
    assert_true(vs.v[0].v2);
    assert_string_equal(vs.v[0].mountpoint, "/sys/fs/cgroup");
    assert_string_equal(vs.v[0].controllers, "");
    assert_string_equal(vs.v[0].dir, "/sys/fs/cgroup/system.slice/judge.service/ojrun/c3");
    oj_cgroup_views_free(&vs);
}

/* cgroup v2, inside a cgroup namespace: the host's mount is above it
 * ("/../../.."), but a mount made inside the namespace ("/") shows our
 * cgroup and its children. */
static void test_v2_in_cgroupns(void **state)
{
    (void)state;
    put(mountinfo, "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n"
                   "30 22 0:26 /../../.. /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n"
                   "50 22 0:26 / /mnt/cg rw,nosuid - cgroup2 cgroup2 rw\n");
    put(selfcg, "0::/sub\n");
    struct oj_cgroup_views vs;
    struct oj_err err = {0};
    assert_int_equal(oj_cgroup_views_read(mountinfo, selfcg, &vs, &err), 0);
    assert_int_equal(vs.n, 2);
    const struct oj_cgroup_view *v = find(&vs, "/sys/fs/cgroup");
    assert_string_equal(v->dir, "");
    assert_non_null(strstr(v->hidden, "hidden by the cgroup namespace"));
    v = find(&vs, "/mnt/cg");
    assert_string_equal(v->dir, "/mnt/cg/sub");
    assert_string_equal(v->hidden, "");
    oj_cgroup_views_free(&vs);
}

static void test_missing_files(void **state)
{
    (void)state;
    put(mountinfo, "30 22 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
    struct oj_cgroup_views vs;
    struct oj_err err = {0};
    char missing[PATH_MAX + 16];
    snprintf(missing, sizeof(missing), "%s/nonexistent", tmp);
    assert_int_equal(oj_cgroup_views_read(mountinfo, missing, &vs, &err), -1);
    assert_non_null(strstr(err.msg, "nonexistent"));
    assert_null(vs.v);
    put(selfcg, "0::/\n");
    err = (struct oj_err){0};
    assert_int_equal(oj_cgroup_views_read(missing, selfcg, &vs, &err), -1);
    assert_non_null(strstr(err.msg, "nonexistent"));
    assert_null(vs.v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hybrid_host, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hybrid_subtree_mounts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hybrid_in_cgroupns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v2_host, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v2_in_cgroupns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_files, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
