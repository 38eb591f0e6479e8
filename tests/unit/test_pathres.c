/* SPDX-License-Identifier: Apache-2.0 */
/*
 * pathres: resolution strictly inside a root directory.  Every lookup test
 * runs twice, through openat2(2) (oj_path_open_in_root) and through the
 * portable walk (oj_path_walk_in_root), and both must land on the same inode.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <seccomp.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cleanup.h"
#include "pathres.h"

struct fixture {
    char dir[64];
    int rootfd;
    char host_marker[PATH_MAX]; /* a host path a broken resolver would create */
};

static int run(const char *cmd)
{
    int r = system(cmd);
    return r == 0 ? 0 : -1;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (!f)
        return -1;
    strcpy(f->dir, "/tmp/ojrun-pathres.XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    char cmd[1024];
    /* root/
     *   a/b/c/            directories
     *   file              "hello"
     *   abs  -> /a        absolute link: must mean <root>/a
     *   rel  -> a/b
     *   up   -> ../../../../a   climbing link: clamps at the root
     *   evil -> /etc      host directory name that must not be reached
     *   a/b/back -> ../.. relative link pointing at the root
     *   loop1 <-> loop2
     *   dangling -> /made/by/link
     *   tofile -> /file
     */
    snprintf(cmd, sizeof(cmd),
             "set -e; cd %s; mkdir -p a/b/c; printf hello > file; ln -s /a abs; ln -s a/b rel;"
             "ln -s ../../../../a up; ln -s /etc evil; ln -s ../.. a/b/back;"
             "ln -s loop2 loop1; ln -s loop1 loop2; ln -s /made/by/link dangling;"
             "ln -s /file tofile",
             f->dir);
    if (run(cmd) < 0)
        return -1;
    f->rootfd = open(f->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (f->rootfd < 0)
        return -1;
    snprintf(f->host_marker, sizeof(f->host_marker), "/etc/ojrun-pathres-%d", (int)getpid());
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[256];
    close(f->rootfd);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    run(cmd);
    rmdir(f->host_marker); /* only exists if a test failed badly */
    free(f);
    return 0;
}

/* stat of <root>/<rel> without following a final symlink */
static void stat_in(struct fixture *f, const char *rel, struct stat *st)
{
    assert_int_equal(fstatat(f->rootfd, rel, st, AT_SYMLINK_NOFOLLOW), 0);
}

static void assert_same(int fd, const struct stat *want)
{
    struct stat st;
    assert_true(fd >= 0);
    assert_int_equal(fstat(fd, &st), 0);
    assert_int_equal(st.st_dev, want->st_dev);
    assert_int_equal(st.st_ino, want->st_ino);
}

/* Resolve `path` both ways and check the result is <root>/<expect>. */
static void check_both(struct fixture *f, const char *path, const char *expect)
{
    struct stat want;
    struct oj_err err = {0};
    stat_in(f, expect, &want);
    _cleanup_close_ int a = oj_path_open_in_root(f->rootfd, path, O_PATH, &err);
    if (a < 0)
        fail_msg("openat2 %s: %s", path, err.msg);
    assert_same(a, &want);
    _cleanup_close_ int b = oj_path_walk_in_root(f->rootfd, path, OJ_PATH_NOCREATE, 0, false, &err);
    if (b < 0)
        fail_msg("walk %s: %s", path, err.msg);
    assert_same(b, &want);
}

static void check_both_fail(struct fixture *f, const char *path, int code)
{
    struct oj_err err = {0};
    int a = oj_path_open_in_root(f->rootfd, path, O_PATH, &err);
    assert_int_equal(a, -1);
    assert_int_equal(err.code, code);
    assert_non_null(strstr(err.msg, path)); /* the message names the path */
    oj_err_clear(&err);
    int b = oj_path_walk_in_root(f->rootfd, path, OJ_PATH_NOCREATE, 0, false, &err);
    assert_int_equal(b, -1);
    assert_int_equal(err.code, code);
    assert_non_null(strstr(err.msg, path));
}

static void test_plain_and_dotdot(void **state)
{
    struct fixture *f = *state;
    check_both(f, "/a/b/c", "a/b/c");
    check_both(f, "a/b/c", "a/b/c");
    check_both(f, "/", ".");
    check_both(f, "", ".");
    check_both(f, "/a/./b//c/", "a/b/c");
    check_both(f, "/a/b/../b/c/..", "a/b");
    /* ".." never climbs above the root */
    check_both(f, "/../../a", "a");
    check_both(f, "/a/../../../../a/b", "a/b");
}

static void test_symlinks_stay_inside(void **state)
{
    struct fixture *f = *state;
    check_both(f, "/abs/b", "a/b");
    check_both(f, "/rel/c", "a/b/c");
    check_both(f, "/up/b", "a/b");
    check_both(f, "/a/b/back/file", "file");
    check_both(f, "/tofile", "file");
    check_both(f, "/rel/back/rel/back/abs", "a");
    /* evil -> /etc means <root>/etc, which does not exist: the host's /etc
     * (which does) must not be found */
    check_both_fail(f, "/evil/passwd", ENOENT);
    check_both_fail(f, "/loop1", ELOOP);
    check_both_fail(f, "/file/x", ENOTDIR);
}

static void test_nofollow_last(void **state)
{
    struct fixture *f = *state;
    struct oj_err err = {0};
    struct stat want, st;
    stat_in(f, "abs", &want);
    _cleanup_close_ int a = oj_path_open_in_root(f->rootfd, "/abs", O_PATH | O_NOFOLLOW, &err);
    assert_same(a, &want);
    assert_int_equal(fstat(a, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    _cleanup_close_ int b =
        oj_path_walk_in_root(f->rootfd, "/abs", OJ_PATH_NOCREATE, 0, true, &err);
    assert_same(b, &want);
}

static void test_open_for_reading(void **state)
{
    struct fixture *f = *state;
    struct oj_err err = {0};
    _cleanup_close_ int fd = oj_path_open_in_root(f->rootfd, "/up/../tofile", O_RDONLY, &err);
    assert_true(fd >= 0);
    char buf[16] = {0};
    assert_int_equal(read(fd, buf, sizeof(buf) - 1), 5);
    assert_string_equal(buf, "hello");
    assert_int_equal(oj_path_open_in_root(f->rootfd, "/x", O_RDONLY | O_CREAT, &err), -1);
    assert_int_equal(err.code, EINVAL);
}

static void test_mkdir_follows_links_inside(void **state)
{
    struct fixture *f = *state;
    struct oj_err err = {0};
    struct stat st;
    char path[PATH_MAX];
    /* evil -> /etc: mkdir -p /evil/<marker>/y creates <root>/etc/<marker>/y */
    const char *marker = f->host_marker + strlen("/etc/");
    snprintf(path, sizeof(path), "/evil/%s/y", marker);
    _cleanup_close_ int fd = oj_path_mkdir_in_root(f->rootfd, path, 0700, &err);
    if (fd < 0)
        fail_msg("%s", err.msg);
    snprintf(path, sizeof(path), "etc/%s/y", marker);
    stat_in(f, path, &st);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0700);
    assert_same(fd, &st);
    assert_int_equal(stat(f->host_marker, &st), -1); /* the host's /etc is untouched */
    assert_int_equal(errno, ENOENT);

    /* a dangling absolute link: the target is created inside the root */
    _cleanup_close_ int d = oj_path_mkdir_in_root(f->rootfd, "/dangling/z", 0755, &err);
    assert_true(d >= 0);
    stat_in(f, "made/by/link/z", &st);
    assert_same(d, &st);

    /* existing directories are fine; an existing file is not */
    _cleanup_close_ int e = oj_path_mkdir_in_root(f->rootfd, "/a/b", 0755, &err);
    assert_true(e >= 0);
    assert_int_equal(oj_path_mkdir_in_root(f->rootfd, "/file", 0755, &err), -1);
    assert_int_equal(err.code, ENOTDIR);
    assert_non_null(strstr(err.msg, "/file"));
}

static void test_mkfile(void **state)
{
    struct fixture *f = *state;
    struct oj_err err = {0};
    struct stat st;
    _cleanup_close_ int fd = oj_path_mkfile_in_root(f->rootfd, "/../new/dir/f", 0640, &err);
    if (fd < 0)
        fail_msg("%s", err.msg);
    stat_in(f, "new/dir/f", &st);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_size, 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    assert_same(fd, &st);
    stat_in(f, "new/dir", &st);
    assert_true(S_ISDIR(st.st_mode));
    /* an existing file is kept (content untouched), through a link too */
    _cleanup_close_ int g = oj_path_mkfile_in_root(f->rootfd, "/tofile", 0600, &err);
    assert_true(g >= 0);
    stat_in(f, "file", &st);
    assert_int_equal(st.st_size, 5);
    assert_same(g, &st);
}

/*
 * The same lookups on a "kernel without openat2": a seccomp filter makes
 * openat2 fail with ENOSYS in a child, so oj_path_open_in_root() must take
 * its fallback (the walk, then a reopen through /proc/self/fd).  The child
 * reports the number of failed checks as its exit status.
 */
static int fallback_checks(struct fixture *f)
{
    int fails = 0;
    struct oj_err err = {0};
    struct stat want, st;
    static const char *cases[][2] = {
        {"/a/b/c", "a/b/c"}, {"/../../a", "a"},   {"/abs/b", "a/b"},
        {"/up/b", "a/b"},    {"/tofile", "file"}, {"/a/b/back/rel", "a/b"},
    };
    for (size_t i = 0; i < OJ_ARRAY_SIZE(cases); i++) {
        int fd = oj_path_open_in_root(f->rootfd, cases[i][0], O_PATH, &err);
        if (fd < 0 || fstat(fd, &st) < 0 || fstatat(f->rootfd, cases[i][1], &want, 0) < 0 ||
            st.st_ino != want.st_ino)
            fails++;
        if (fd >= 0)
            close(fd);
    }
    /* the fallback really ran: openat2 itself is refused */
    if (syscall(SYS_openat2, f->rootfd, "a", NULL, 0) != -1 || errno != ENOSYS)
        fails++;
    /* not O_PATH: reopened with the access asked for */
    int fd = oj_path_open_in_root(f->rootfd, "/up/../tofile", O_RDONLY, &err);
    char buf[8] = {0};
    if (fd < 0 || read(fd, buf, sizeof(buf)) != 5 || strcmp(buf, "hello") != 0)
        fails++;
    if (fd >= 0)
        close(fd);
    /* flags still mean what they mean */
    if (oj_path_open_in_root(f->rootfd, "/file", O_PATH | O_DIRECTORY, &err) != -1 ||
        err.code != ENOTDIR)
        fails++;
    if (oj_path_open_in_root(f->rootfd, "/abs", O_RDONLY | O_NOFOLLOW, &err) != -1 ||
        err.code != ELOOP)
        fails++;
    fd = oj_path_open_in_root(f->rootfd, "/abs", O_PATH | O_NOFOLLOW, &err);
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISLNK(st.st_mode))
        fails++;
    if (fd >= 0)
        close(fd);
    if (oj_path_open_in_root(f->rootfd, "/evil/passwd", O_PATH, &err) != -1 || err.code != ENOENT)
        fails++;
    return fails;
}

static void test_fallback_without_openat2(void **state)
{
    struct fixture *f = *state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
        if (!ctx || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(openat2), 0) < 0 ||
            seccomp_load(ctx) < 0)
            _exit(100);
        seccomp_release(ctx);
        _exit(fallback_checks(f));
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_clean(void **state)
{
    (void)state;
    char out[64];
    static const char *cases[][2] = {
        {"/", "/"},
        {"", "/"},
        {"/a/b", "/a/b"},
        {"a/b/", "/a/b"},
        {"//a//./b/", "/a/b"},
        {"/a/../../b", "/b"},
        {"/../../etc", "/etc"},
        {"/etc/../../x", "/x"},
        {"/a/b/..", "/a"},
        {"/a/..", "/"},
        {"..", "/"},
        {"/dev/./pts/../null", "/dev/null"},
    };
    for (size_t i = 0; i < OJ_ARRAY_SIZE(cases); i++) {
        assert_int_equal(oj_path_clean(cases[i][0], out, sizeof(out)), 0);
        assert_string_equal(out, cases[i][1]);
    }
    char small[4];
    assert_int_equal(oj_path_clean("/abcdef", small, sizeof(small)), -1);
    char buf[OJ_FD_PATH_MAX];
    assert_string_equal(oj_fd_path(7, buf), "/proc/self/fd/7");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_plain_and_dotdot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_symlinks_stay_inside, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nofollow_last, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_for_reading, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mkdir_follows_links_inside, setup, teardown),
        cmocka_unit_test_setup_teardown(test_mkfile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fallback_without_openat2, setup, teardown),
        cmocka_unit_test(test_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
