/* SPDX-License-Identifier: Apache-2.0 */
/* mountopt (OCI mount options -> flags) and mountinfo parsing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include <cmocka.h>

#include "cleanup.h"
#include "mountinfo.h"
#include "mountopt.h"

static int parse(const char *csv, struct oj_mount_opts *mo, struct oj_err *err)
{
    char *v[32];
    size_t n = 0;
    _cleanup_free_ char *copy = strdup(csv);
    char *save = NULL;
    for (char *o = strtok_r(copy, ",", &save); o && n < 32; o = strtok_r(NULL, ",", &save))
        v[n++] = o;
    return oj_mount_opts_parse(v, n, mo, err);
}

static void test_flags_and_data(void **state)
{
    (void)state;
    struct oj_mount_opts mo;
    struct oj_err err = {0};
    assert_int_equal(parse("nosuid,strictatime,mode=755,size=65536k,nodev,noexec,ro", &mo, &err),
                     0);
    assert_int_equal(mo.flags, MS_NOSUID | MS_STRICTATIME | MS_NODEV | MS_NOEXEC | MS_RDONLY);
    assert_int_equal(mo.clear, 0);
    assert_string_equal(mo.data, "mode=755,size=65536k");
    assert_int_equal(mo.n_propagation, 0);
    oj_mount_opts_free(&mo);

    /* unknown words go to data, like runc: the filesystem decides */
    assert_int_equal(parse("newinstance,ptmxmode=0666,gid=5,frobnicate", &mo, &err), 0);
    assert_int_equal(mo.flags, 0);
    assert_string_equal(mo.data, "newinstance,ptmxmode=0666,gid=5,frobnicate");
    oj_mount_opts_free(&mo);

    /* no data at all: NULL (mount(2) gets no data page) */
    assert_int_equal(parse("ro", &mo, &err), 0);
    assert_null(mo.data);
    oj_mount_opts_free(&mo);
}

static void test_last_wins_and_clear(void **state)
{
    (void)state;
    struct oj_mount_opts mo;
    assert_int_equal(parse("ro,rw,suid,nosuid,exec,dev", &mo, NULL), 0);
    assert_int_equal(mo.flags, MS_NOSUID);
    assert_int_equal(mo.clear, MS_RDONLY | MS_NOEXEC | MS_NODEV);
    oj_mount_opts_free(&mo);

    /* atime modes exclude one another */
    assert_int_equal(parse("noatime,relatime", &mo, NULL), 0);
    assert_int_equal(mo.flags, MS_RELATIME);
    oj_mount_opts_free(&mo);
    assert_int_equal(parse("relatime,strictatime,sync,dirsync,mand,remount", &mo, NULL), 0);
    assert_int_equal(mo.flags,
                     MS_STRICTATIME | MS_SYNCHRONOUS | MS_DIRSYNC | MS_MANDLOCK | MS_REMOUNT);
    oj_mount_opts_free(&mo);
}

static void test_bind_and_propagation(void **state)
{
    (void)state;
    struct oj_mount_opts mo;
    assert_int_equal(parse("rbind,rprivate,shared,slave,runbindable", &mo, NULL), 0);
    assert_int_equal(mo.flags, MS_BIND | MS_REC);
    assert_int_equal(mo.n_propagation, 4);
    assert_int_equal(mo.propagation[0], MS_PRIVATE | MS_REC);
    assert_int_equal(mo.propagation[1], MS_SHARED);
    assert_int_equal(mo.propagation[2], MS_SLAVE);
    assert_int_equal(mo.propagation[3], MS_UNBINDABLE | MS_REC);
    oj_mount_opts_free(&mo);

    assert_int_equal(parse("bind", &mo, NULL), 0);
    assert_int_equal(mo.flags, MS_BIND);
    oj_mount_opts_free(&mo);

    unsigned long f;
    assert_int_equal(oj_mount_propagation_from_name("rslave", &f), 0);
    assert_int_equal(f, MS_SLAVE | MS_REC);
    assert_int_equal(oj_mount_propagation_from_name("sideways", &f), -1);
}

static void test_recursive_and_attrs(void **state)
{
    (void)state;
    struct oj_mount_opts mo;
    struct oj_err err = {0};
    assert_int_equal(parse("rbind,rro,rnosuid,rdev,nodev,rnoatime", &mo, &err), 0);
    assert_int_equal(mo.flags, MS_BIND | MS_REC | MS_NODEV);
    assert_int_equal(mo.rec_flags, MS_RDONLY | MS_NOSUID | MS_NOATIME);
    assert_int_equal(mo.rec_clear, MS_NODEV);
    assert_null(mo.data);

    uint64_t set, clr;
    oj_mount_flags_to_attr(mo.rec_flags, mo.rec_clear, &set, &clr);
    assert_int_equal(set, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOATIME);
    assert_int_equal(clr, MOUNT_ATTR_NODEV | MOUNT_ATTR__ATIME);
    oj_mount_opts_free(&mo);

    /* per-mount: rw clears RDONLY; no atime option leaves atime alone */
    oj_mount_flags_to_attr(MS_NOEXEC | MS_SYNCHRONOUS, MS_RDONLY, &set, &clr);
    assert_int_equal(set, MOUNT_ATTR_NOEXEC); /* sync has no per-mount attribute */
    assert_int_equal(clr, MOUNT_ATTR_RDONLY);
    /* "atime" alone means the kernel default, relatime */
    oj_mount_flags_to_attr(0, MS_NOATIME, &set, &clr);
    assert_int_equal(set, MOUNT_ATTR_RELATIME);
    assert_int_equal(clr, MOUNT_ATTR__ATIME);
    oj_mount_flags_to_attr(MS_STRICTATIME, 0, &set, &clr);
    assert_int_equal(set, MOUNT_ATTR_STRICTATIME);
    assert_int_equal(clr, MOUNT_ATTR__ATIME);

    /* idmapped mounts are refused, not silently passed as data */
    assert_int_equal(parse("rbind,idmap", &mo, &err), -1);
    assert_int_equal(err.code, EOPNOTSUPP);
    assert_non_null(strstr(err.msg, "idmap"));
    assert_int_equal(parse("tmpcopyup", &mo, &err), 0);
    assert_true(mo.tmpcopyup);
    oj_mount_opts_free(&mo);
}

static void test_flags_str(void **state)
{
    (void)state;
    char buf[128];
    oj_mount_flags_str(MS_RDONLY | MS_NOSUID | MS_BIND | MS_REC, buf, sizeof(buf));
    assert_string_equal(buf, "ro,nosuid,bind,rec");
    oj_mount_flags_str(0, buf, sizeof(buf));
    assert_string_equal(buf, "none");
    oj_mount_flags_str(MS_SLAVE | MS_REC, buf, sizeof(buf));
    assert_string_equal(buf, "rec,slave");
}

static const char sample[] =
    "22 27 0:21 / /proc rw,relatime - proc proc rw\n"
    "27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,discard\n"
    "31 23 0:28 / /sys/fs/cgroup rw,relatime shared:5 master:2 - tmpfs tmpfs rw,mode=755\n"
    "40 27 0:40 /sub\\040dir /mnt/with\\040space\\134x rw - tmpfs my\\040src rw\n"
    "41 40 0:41 / /mnt/with\\040space\\134x/inner ro,nosuid - tmpfs t rw\n";

static void test_mountinfo_parse(void **state)
{
    (void)state;
    struct oj_mountinfo mi;
    struct oj_err err = {0};
    assert_int_equal(oj_mountinfo_parse(sample, &mi, &err), 0);
    assert_int_equal(mi.n, 5);
    assert_int_equal(mi.v[0].id, 22);
    assert_int_equal(mi.v[0].parent_id, 27);
    assert_int_equal(mi.v[0].major, 0);
    assert_int_equal(mi.v[0].minor, 21);
    assert_string_equal(mi.v[0].optional, "");
    assert_string_equal(mi.v[0].fstype, "proc");
    assert_string_equal(mi.v[1].optional, "shared:1");
    assert_string_equal(mi.v[1].source, "/dev/vda");
    assert_string_equal(mi.v[1].super_options, "rw,discard");
    assert_string_equal(mi.v[2].optional, "shared:5 master:2");
    assert_string_equal(mi.v[2].mountpoint, "/sys/fs/cgroup");
    /* octal escapes undone */
    assert_string_equal(mi.v[3].root, "/sub dir");
    assert_string_equal(mi.v[3].mountpoint, "/mnt/with space\\x");
    assert_string_equal(mi.v[3].source, "my src");
    assert_string_equal(mi.v[4].options, "ro,nosuid");

    /* longest matching mount point wins; "/procfoo" is not under /proc */
    assert_string_equal(oj_mountinfo_containing(&mi, "/proc/self")->fstype, "proc");
    assert_string_equal(oj_mountinfo_containing(&mi, "/procfoo")->fstype, "ext4");
    assert_int_equal(oj_mountinfo_containing(&mi, "/mnt/with space\\x/inner/a")->id, 41);
    assert_int_equal(oj_mountinfo_containing(&mi, "/mnt/with space\\x/b")->id, 40);
    oj_mountinfo_free(&mi);

    assert_int_equal(oj_mountinfo_parse("1 2 3:4 / /x rw shared:1\n", &mi, &err), -1);
    assert_non_null(strstr(err.msg, "line 1"));

    assert_true(oj_mount_option_has("rw,cpu,cpuacct", "cpu"));
    assert_true(oj_mount_option_has("rw,cpu,cpuacct", "cpuacct"));
    assert_false(oj_mount_option_has("rw,cpuacct", "cpu"));
    assert_false(oj_mount_option_has("", "rw"));
}

static void test_mountinfo_self(void **state)
{
    (void)state;
    struct oj_mountinfo mi;
    struct oj_err err = {0};
    assert_int_equal(oj_mountinfo_read(NULL, &mi, &err), 0);
    const struct oj_mountinfo_entry *root = oj_mountinfo_containing(&mi, "/");
    assert_non_null(root);
    assert_string_equal(root->mountpoint, "/");
    const struct oj_mountinfo_entry *proc = oj_mountinfo_containing(&mi, "/proc/self/mountinfo");
    assert_non_null(proc);
    assert_string_equal(proc->fstype, "proc");
    oj_mountinfo_free(&mi);
    assert_int_equal(oj_mountinfo_read("/nonexistent/mountinfo", &mi, &err), -1);
    assert_int_equal(err.code, ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flags_and_data),
        cmocka_unit_test(test_last_wins_and_clear),
        cmocka_unit_test(test_bind_and_propagation),
        cmocka_unit_test(test_recursive_and_attrs),
        cmocka_unit_test(test_flags_str),
        cmocka_unit_test(test_mountinfo_parse),
        cmocka_unit_test(test_mountinfo_self),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
