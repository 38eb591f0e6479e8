/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for runtime/rootfs_shared.c: the record of the mounts on a
 * rootfs path before a container without a mount namespace of its own, and
 * the release that detaches what was stacked since.  Real mounts, in a
 * private mount namespace the test process makes for itself, so that the
 * host's mount table is never touched.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "mountinfo.h"
#include "rootfs.h"
#include "util.h"

static char top[PATH_MAX];    /* a temp dir, a tmpfs in our namespace */
static char rootfs[PATH_MAX]; /* top/root fs (with a space: mountinfo escapes it) */
static char dir[PATH_MAX];    /* top/state */

static long mounts_at(const char *path)
{
    struct oj_mountinfo mi;
    assert_int_equal(oj_mountinfo_read(NULL, &mi, NULL), 0);
    long n = 0;
    for (size_t i = 0; i < mi.n; i++)
        n += strcmp(mi.v[i].mountpoint, path) == 0;
    oj_mountinfo_free(&mi);
    return n;
}

static int setup(void **state)
{
    (void)state;
    if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_PRIVATE | MS_REC, NULL) < 0) {
        print_message("# private mount namespace: %s\n", strerror(errno));
        return -1;
    }
    snprintf(top, sizeof(top), "/tmp/test_rootfs_shared.XXXXXX");
    if (!mkdtemp(top) || mount("tmpfs", top, "tmpfs", 0, "size=1m") < 0)
        return -1;
    snprintf(rootfs, sizeof(rootfs), "%s/root fs", top);
    snprintf(dir, sizeof(dir), "%s/state", top);
    char proc[PATH_MAX + 8];
    snprintf(proc, sizeof(proc), "%s/proc", rootfs);
    if (mkdir(rootfs, 0755) < 0 || mkdir(dir, 0700) < 0 || mkdir(proc, 0755) < 0)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    umount2(top, MNT_DETACH);
    rmdir(top);
    return 0;
}

/* What a container does in the runtime's namespace: the rootfs bound onto
 * itself, a filesystem below it. */
static void container_mounts(void)
{
    assert_int_equal(mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL), 0);
    char proc[PATH_MAX + 8];
    snprintf(proc, sizeof(proc), "%s/proc", rootfs);
    assert_int_equal(mount("tmpfs", proc, "tmpfs", 0, "size=64k"), 0);
}

static void test_release_detaches_the_container_mounts(void **state)
{
    (void)state;
    struct oj_err err = {0};
    assert_int_equal(oj_rootfs_shared_record(dir, rootfs, &err), 0);
    container_mounts();
    assert_int_equal(mounts_at(rootfs), 1);
    assert_int_equal(oj_rootfs_shared_release(dir, &err), 0);
    assert_int_equal(mounts_at(rootfs), 0);
    char proc[PATH_MAX + 8];
    snprintf(proc, sizeof(proc), "%s/proc", rootfs);
    assert_int_equal(mounts_at(proc), 0);
    /* again: nothing left to do */
    assert_int_equal(oj_rootfs_shared_release(dir, &err), 0);
}

/* A rootfs that was a mount point before (an overlay a caller mounted):
 * only what was stacked on it since goes. */
static void test_release_keeps_what_was_there(void **state)
{
    (void)state;
    struct oj_err err = {0};
    assert_int_equal(mount("tmpfs", rootfs, "tmpfs", 0, "size=64k"), 0);
    char proc[PATH_MAX + 8];
    snprintf(proc, sizeof(proc), "%s/proc", rootfs);
    assert_int_equal(mkdir(proc, 0755), 0);
    assert_int_equal(oj_rootfs_shared_record(dir, rootfs, &err), 0);
    container_mounts();
    assert_int_equal(mounts_at(rootfs), 2);
    assert_int_equal(oj_rootfs_shared_release(dir, &err), 0);
    assert_int_equal(mounts_at(rootfs), 1);
    assert_int_equal(umount2(rootfs, MNT_DETACH), 0);
}

static void test_no_record_is_nothing_to_do(void **state)
{
    (void)state;
    char path[PATH_MAX + 16];
    snprintf(path, sizeof(path), "%s/rootfs-mounts", dir);
    unlink(path);
    struct oj_err err = {0};
    assert_int_equal(oj_rootfs_shared_release(dir, &err), 0);
}

static void test_malformed_record(void **state)
{
    (void)state;
    char path[PATH_MAX + 16];
    snprintf(path, sizeof(path), "%s/rootfs-mounts", dir);
    static const char *const bad[] = {"", "1\n", "x\t/a\n", "1\trel\n", "1\t/a"};
    for (size_t i = 0; i < OJ_ARRAY_SIZE(bad); i++) {
        assert_int_equal(oj_write_file_atomic(path, bad[i], strlen(bad[i]), 0600, NULL), 0);
        struct oj_err err = {0};
        assert_int_equal(oj_rootfs_shared_release(dir, &err), -1);
        char want[PATH_MAX + 32];
        snprintf(want, sizeof(want), "%s: malformed: Invalid argument", path);
        assert_string_equal(err.msg, want);
    }
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_release_detaches_the_container_mounts),
        cmocka_unit_test(test_release_keeps_what_was_there),
        cmocka_unit_test(test_no_record_is_nothing_to_do),
        cmocka_unit_test(test_malformed_record),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
