/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fast placement of the container init (cgroup.h, runtime/cgroup_enter.c)
 * on the real cgroupfs of this machine (root required).
 *
 * What must hold for create.c to rely on it:
 *  - a child in a new user namespace, whose IDs are unmapped on the host,
 *    moves itself into every v1 hierarchy through the fds its parent (host
 *    root) opened: the v1 permission check uses the opener's credentials;
 *  - clone3(CLONE_INTO_CGROUP) with oj_cgroup_clone_fd() puts a child into
 *    the cgroup2 directory of a hybrid (or v2) host at birth;
 *  - together they place the process exactly where oj_cgroup_enter() does;
 *  - the self-move does not wait for an RCU grace period, while the
 *    classic cgroup.procs write of another process's PID usually does;
 *  - failures are reported, not ignored.
 *
 * Every cgroup lives under /ojrun-enter-test-<tag>-<n> (test_tag.h) and is
 * destroyed by the test or, after a failed assertion, by the teardown.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cgroup.h"
#include "cgroup_internal.h"
#include "util.h"
#include "test_tag.h"

static struct oj_cgroup_host host;
static struct oj_cgroup *live;
static pid_t kid = -1;
static int counter_n;

static struct oj_cgroup *make_cgroup(void)
{
    char path[64];
    snprintf(path, sizeof(path), "/ojrun-enter-test-%s-%d", test_tag(), ++counter_n);
    struct oj_err err = {0};
    struct oj_cgroup *cg = NULL;
    if (oj_cgroup_new(&host, path, NULL, &cg, &err) < 0 || oj_cgroup_create(cg, NULL, &err) < 0)
        fail_msg("%s", err.msg);
    live = cg;
    return cg;
}

static void reap_kid(void)
{
    if (kid > 0) {
        kill(kid, SIGKILL);
        waitpid(kid, NULL, 0);
        kid = -1;
    }
}

static int teardown_each(void **state)
{
    (void)state;
    reap_kid();
    if (live) {
        struct oj_err err = {0};
        oj_cgroup_destroy(live, &err);
        oj_cgroup_free(live);
        live = NULL;
    }
    return 0;
}

static bool procs_has(const char *dir, pid_t pid)
{
    char path[4096], *text = NULL;
    snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
    struct oj_err err = {0};
    if (oj_read_file(path, 1 << 20, &text, NULL, &err) < 0)
        fail_msg("%s", err.msg);
    bool found = false;
    for (char *l = strtok(text, "\n"); l; l = strtok(NULL, "\n"))
        if (atoi(l) == pid)
            found = true;
    free(text);
    return found;
}

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static pid_t clone_flags(unsigned long flags, int cgroup_fd)
{
    if (cgroup_fd >= 0) {
        struct clone_args args = {
            .flags = flags | CLONE_INTO_CGROUP,
            .exit_signal = SIGCHLD,
            .cgroup = (uint64_t)cgroup_fd,
        };
        return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
    }
    return (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0UL);
}

/*
 * Clone a child (in a new user namespace when `userns`, its IDs unmapped),
 * into the cgroup2 directory when `into_v2`; the child waits for a byte on
 * `go`, calls oj_cgroup_enter_self, reports the µs it took (or -errno) on
 * `back`, then sleeps until killed.  Returns the child's report.
 */
static long spawn_self_enter(struct oj_cgroup *cg, bool userns, bool into_v2)
{
    int go[2], back[2];
    assert_int_equal(pipe2(go, O_CLOEXEC), 0);
    assert_int_equal(pipe2(back, O_CLOEXEC), 0);
    int cgfd = into_v2 ? oj_cgroup_clone_fd(cg) : -1;
    if (into_v2)
        assert_true(cgfd >= 0);
    kid = clone_flags(userns ? CLONE_NEWUSER : 0, cgfd);
    assert_true(kid >= 0);
    if (kid == 0) {
        char c;
        if (read(go[0], &c, 1) != 1)
            _exit(1);
        struct oj_err err = {0};
        double t0 = now_us();
        long r = oj_cgroup_enter_self(cg, &err) < 0 ? -(long)(err.code ? err.code : 1)
                                                    : (long)(now_us() - t0);
        if (write(back[1], &r, sizeof(r)) != sizeof(r))
            _exit(1);
        pause();
        _exit(0);
    }
    oj_cgroup_close_self_enter(cg); /* the parent's copies, as create.c does */
    assert_int_equal(write(go[1], "x", 1), 1);
    long r = 0;
    assert_int_equal(read(back[0], &r, sizeof(r)), (ssize_t)sizeof(r));
    close(go[0]);
    close(go[1]);
    close(back[0]);
    close(back[1]);
    return r;
}

static size_t n_v1(const struct oj_cgroup *cg)
{
    size_t n = 0;
    for (size_t i = 0; i < cg->n; i++)
        n += !cg->dirs[i].v2 && !cg->dirs[i].absent;
    return n;
}

/* The unmapped child of a new user namespace moves itself into every v1
 * hierarchy; nothing else moves it. */
static void test_self_enter_from_userns(void **state)
{
    (void)state;
    struct oj_cgroup *cg = make_cgroup();
    struct oj_err err = {0};
    assert_int_equal(oj_cgroup_prepare_self_enter(cg, &err), 0);
    long us = spawn_self_enter(cg, true, false);
    assert_true(us >= 0);
    size_t checked = 0;
    for (size_t i = 0; i < cg->n; i++) {
        const struct oj_cg_dir *d = &cg->dirs[i];
        if (d->absent || d->v2)
            continue;
        if (!procs_has(d->path, kid))
            fail_msg("child %d is not in %s", (int)kid, d->path);
        checked++;
    }
    if (host.layout != OJ_CGROUP_V2)
        assert_true(checked > 0);
    assert_int_equal(checked, n_v1(cg));
    /* the v2 directory is not ours to enter from the child */
    const char *v2 = oj_cgroup_dir(cg, "");
    if (v2)
        assert_false(procs_has(v2, kid));
}

/* clone3 into the cgroup2 directory + self-enter = what oj_cgroup_enter
 * does: the same directories hold the child. */
static void test_clone_into_v2_and_self_enter(void **state)
{
    (void)state;
    struct oj_cgroup *cg = make_cgroup();
    const char *v2 = oj_cgroup_dir(cg, "");
    if (!v2) {
        /* a pure v1 host: there is no cgroup2 directory to be born in */
        assert_int_equal(oj_cgroup_clone_fd(cg), -1);
        print_message("# pure cgroup v1 host: no cgroup2 directory to clone into\n");
        skip();
    }
    struct oj_err err = {0};
    assert_int_equal(oj_cgroup_prepare_self_enter(cg, &err), 0);
    assert_true(spawn_self_enter(cg, true, true) >= 0);
    for (size_t i = 0; i < cg->n; i++)
        if (!cg->dirs[i].absent && !procs_has(cg->dirs[i].path, kid))
            fail_msg("child %d is not in %s", (int)kid, cg->dirs[i].path);
    reap_kid();

    /* the classic way, for comparison: the parent writes the PID everywhere */
    kid = clone_flags(0, -1);
    assert_true(kid >= 0);
    if (kid == 0) {
        pause();
        _exit(0);
    }
    assert_int_equal(oj_cgroup_enter(cg, kid, &err), 0);
    for (size_t i = 0; i < cg->n; i++)
        if (!cg->dirs[i].absent)
            assert_true(procs_has(cg->dirs[i].path, kid));
}

/* oj_cgroup_enter_v2 is the fallback when clone3 could not place the init. */
static void test_enter_v2_fallback(void **state)
{
    (void)state;
    struct oj_cgroup *cg = make_cgroup();
    const char *v2 = oj_cgroup_dir(cg, "");
    kid = clone_flags(0, -1);
    assert_true(kid >= 0);
    if (kid == 0) {
        pause();
        _exit(0);
    }
    struct oj_err err = {0};
    assert_int_equal(oj_cgroup_enter_v2(cg, kid, &err), 0);
    if (v2)
        assert_true(procs_has(v2, kid));
    for (size_t i = 0; i < cg->n; i++)
        if (!cg->dirs[i].v2 && !cg->dirs[i].absent)
            assert_false(procs_has(cg->dirs[i].path, kid));
}

/* A cgroup removed between prepare and enter: the write fails and says
 * where. */
static void test_self_enter_reports_failure(void **state)
{
    (void)state;
    if (host.layout == OJ_CGROUP_V2) {
        print_message("# pure cgroup v2 host: no v1 hierarchy to enter through `tasks`\n");
        skip();
    }
    struct oj_cgroup *cg = make_cgroup();
    struct oj_err err = {0};
    assert_int_equal(oj_cgroup_prepare_self_enter(cg, &err), 0);
    assert_int_equal(oj_cgroup_destroy(cg, &err), 0);
    assert_int_equal(oj_cgroup_enter_self(cg, &err), -1);
    assert_non_null(strstr(err.msg, "move the container init into "));
    assert_non_null(strstr(err.msg, "/tasks"));
    /* the fds are gone after the attempt: a second call does nothing */
    assert_null(cg->self_fds);
    assert_int_equal(oj_cgroup_enter_self(cg, &err), 0);
}

/* Nothing prepared: enter_self is a no-op and close is harmless. */
static void test_self_enter_unprepared(void **state)
{
    (void)state;
    struct oj_cgroup *cg = make_cgroup();
    struct oj_err err = {0};
    assert_int_equal(oj_cgroup_enter_self(cg, &err), 0);
    oj_cgroup_close_self_enter(cg);
    assert_int_equal(oj_cgroup_prepare_self_enter(cg, &err), 0);
    assert_non_null(cg->self_fds);
    oj_cgroup_close_self_enter(cg);
    assert_null(cg->self_fds);
}

int main(void)
{
    struct oj_err err = {0};
    if (geteuid() != 0) {
        fprintf(stderr, "test_cgroup_enter: needs root\n");
        return 1;
    }
    if (oj_cgroup_host_detect(&host, NULL, NULL, &err) < 0) {
        fprintf(stderr, "test_cgroup_enter: %s\n", err.msg);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_self_enter_from_userns, teardown_each),
        cmocka_unit_test_teardown(test_clone_into_v2_and_self_enter, teardown_each),
        cmocka_unit_test_teardown(test_enter_v2_fallback, teardown_each),
        cmocka_unit_test_teardown(test_self_enter_reports_failure, teardown_each),
        cmocka_unit_test_teardown(test_self_enter_unprepared, teardown_each),
    };
    int r = cmocka_run_group_tests(tests, NULL, NULL);
    oj_cgroup_host_free(&host);
    return r;
}
