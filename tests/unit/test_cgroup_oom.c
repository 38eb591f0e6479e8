/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OOM notifications (cgroup_oom.c), for `ojrun events`:
 *   - on this host's real memory cgroup (v1 here: eventfd +
 *     cgroup.event_control; v2 hosts: inotify on memory.events), a child
 *     that outgrows its limit is OOM-killed and the fd wakes up with the
 *     event counted once; with the OOM killer disabled the waiting child
 *     is one event; removing the cgroup ends the watch with ENOENT;
 *   - the v2 logic against a fake tree of plain files (inotify works on
 *     them too): counters growing wake the fd, the larger delta is reported;
 *   - a container without a memory cgroup is refused.
 * Real cgroups live under /ojrun-test-oom-<tag> (test_tag.h) and are removed by the test
 * or its teardown.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cgroup.h"
#include "cleanup.h"
#include "strbuf.h"
#include "util.h"
#include "test_tag.h"

static struct oj_cgroup *live;
static pid_t kid;
static char fake_dir[PATH_MAX];

static int teardown_each(void **state)
{
    (void)state;
    if (kid > 0) {
        kill(kid, SIGKILL);
        waitpid(kid, NULL, 0);
        kid = 0;
    }
    if (live) {
        oj_cgroup_destroy(live, NULL);
        oj_cgroup_free(live);
        live = NULL;
    }
    if (fake_dir[0]) {
        char path[PATH_MAX + 32];
        snprintf(path, sizeof(path), "%s/ct/memory.events", fake_dir);
        unlink(path);
        snprintf(path, sizeof(path), "%s/ct", fake_dir);
        rmdir(path);
        rmdir(fake_dir);
        fake_dir[0] = '\0';
    }
    return 0;
}

static bool readable(int fd, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r = poll(&p, 1, timeout_ms);
    return r == 1 && (p.revents & POLLIN);
}

static void hog(void)
{
    /* touch 256 MiB, one page at a time, far past the 32 MiB limit */
    for (size_t i = 0; i < 256; i++) {
        char *p = malloc(1 << 20);
        if (!p)
            _exit(3);
        for (size_t j = 0; j < (1 << 20); j += 4096)
            p[j] = 1;
    }
    _exit(0);
}

/* A real cgroup limited to 32 MiB (OOM killer disabled or not) and an
 * OOM watch on it that has seen nothing yet. */
static struct oj_cgroup_oom *real_cgroup(bool killer_disabled)
{
    struct oj_err err = {0};
    struct oj_cgroup_host host;
    if (oj_cgroup_host_detect(&host, NULL, NULL, &err) < 0)
        fail_msg("%s", err.msg);
    char path[64];
    snprintf(path, sizeof(path), "/ojrun-test-oom-%s", test_tag());
    int rc = oj_cgroup_new(&host, path, NULL, &live, &err);
    oj_cgroup_host_free(&host);
    if (rc < 0)
        fail_msg("%s", err.msg);
    struct oj_resources r = {
        .has_memory = true,
        .memory = {.limit = {true, 32 << 20}, .disable_oom_killer = {killer_disabled, true}}};
    if (oj_cgroup_create(live, &r, &err) < 0)
        fail_msg("%s", err.msg);

    struct oj_cgroup_oom *w = NULL;
    if (oj_cgroup_oom_open(live, &w, &err) < 0)
        fail_msg("%s", err.msg);
    assert_true(oj_cgroup_oom_fd(w) >= 0);
    uint64_t n = 99;
    assert_int_equal(oj_cgroup_oom_read(w, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_false(readable(oj_cgroup_oom_fd(w), 0));
    return w;
}

/* fork the hog into the cgroup */
static void spawn_hog(void)
{
    struct oj_err err = {0};
    int gate[2];
    assert_int_equal(pipe2(gate, O_CLOEXEC), 0);
    kid = fork();
    assert_true(kid >= 0);
    if (kid == 0) {
        char c;
        close(gate[1]);
        if (read(gate[0], &c, 1) != 1)
            _exit(90);
        hog();
    }
    close(gate[0]);
    if (oj_cgroup_enter(live, kid, &err) < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(write(gate[1], "x", 1), 1);
    close(gate[1]);
}

static void test_real_oom(void **state)
{
    (void)state;
    struct oj_err err = {0};
    struct oj_cgroup_oom *w = real_cgroup(false);
    int fd = oj_cgroup_oom_fd(w);
    uint64_t n = 99;
    spawn_hog();
    int status;
    assert_int_equal(waitpid(kid, &status, 0), kid);
    kid = 0;
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGKILL);

    assert_true(readable(fd, 5000));
    assert_int_equal(oj_cgroup_oom_read(w, &n, &err), 0);
    assert_int_equal(n, 1);
    /* nothing new: read again reports nothing, and the fd is drained */
    assert_int_equal(oj_cgroup_oom_read(w, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_false(readable(fd, 0));

    /* the cgroup goes away: the watch ends with ENOENT */
    if (oj_cgroup_destroy(live, &err) < 0)
        fail_msg("%s", err.msg);
    oj_cgroup_free(live);
    live = NULL;
    assert_int_equal(oj_cgroup_oom_read(w, &n, &err), -1);
    assert_int_equal(err.code, ENOENT);
    oj_cgroup_oom_close(w);
}

/* Whether the memory controller is on a v1 hierarchy here. */
static bool memory_on_v1(void)
{
    struct oj_err err = {0};
    struct oj_cgroup_host host;
    if (oj_cgroup_host_detect(&host, NULL, NULL, &err) < 0)
        fail_msg("%s", err.msg);
    bool v1 = false;
    for (size_t i = 0; i < host.n; i++)
        if (!host.h[i].v2 && strstr(host.h[i].controllers, "memory"))
            v1 = true;
    oj_cgroup_host_free(&host);
    return v1;
}

/* disableOOMKiller: the hog waits for memory instead of dying, and the
 * OOM is one event.  v1 only: cgroup v2 has no way to disable the OOM
 * killer (memory.oom_control is gone), so ojrun, like runc, ignores the
 * field there with a warning (runtime/cgroup_v2.c). */
static void test_real_oom_killer_disabled(void **state)
{
    (void)state;
    if (!memory_on_v1()) {
        print_message("skipped: disableOOMKiller has no cgroup v2 equivalent\n");
        skip();
    }
    struct oj_err err = {0};
    struct oj_cgroup_oom *w = real_cgroup(true);
    int fd = oj_cgroup_oom_fd(w);
    uint64_t n = 99;
    spawn_hog();
    assert_true(readable(fd, 5000));
    assert_int_equal(oj_cgroup_oom_read(w, &n, &err), 0);
    assert_int_equal(n, 1);
    /* still there, waiting */
    assert_int_equal(waitpid(kid, NULL, WNOHANG), 0);
    /* tasks waiting under OOM are killable (but not freezable, so a kill
     * through the freezer would wait for its timeout: kill directly) */
    assert_int_equal(kill(kid, SIGKILL), 0);
    int status;
    assert_int_equal(waitpid(kid, &status, 0), kid);
    kid = 0;
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    /* nothing was killed by the OOM killer */
    assert_int_equal(oj_cgroup_oom_read(w, &n, &err), 0);
    assert_int_equal(n, 0);
    oj_cgroup_oom_close(w);
}

static void write_events(const char *text)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/ct/memory.events", fake_dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static struct oj_cgroup *fake_v2(const char *controllers)
{
    snprintf(fake_dir, sizeof(fake_dir), "/tmp/ojrun-test-oom.XXXXXX");
    assert_non_null(mkdtemp(fake_dir));
    char path[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/ct", fake_dir);
    assert_int_equal(mkdir(path, 0755), 0);
    struct strbuf sb = {0};
    sb_printf(&sb, "ojrun-cgroup\t1\tv2\nv2\t%s\t%s\t/ct\t0\t0\n", controllers, fake_dir);
    struct oj_cgroup *cg = NULL;
    struct oj_err err = {0};
    if (oj_cgroup_load(sb_str(&sb), &cg, &err) < 0)
        fail_msg("%s", err.msg);
    sb_free(&sb);
    return cg;
}

static void test_fake_v2(void **state)
{
    (void)state;
    struct oj_cgroup *cg = fake_v2("memory pids");
    write_events("low 0\nhigh 4\nmax 9\noom 1\noom_kill 1\n");
    struct oj_cgroup_oom *w = NULL;
    struct oj_err err = {0};
    if (oj_cgroup_oom_open(cg, &w, &err) < 0)
        fail_msg("%s", err.msg);
    int fd = oj_cgroup_oom_fd(w);
    uint64_t n = 99;
    /* counts from before the watch started are not new events */
    assert_int_equal(oj_cgroup_oom_read(w, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_false(readable(fd, 0));

    /* the file changes: inotify wakes the fd; "oom" grew by 3, oom_kill by
     * 1: one event per kill */
    write_events("low 0\nhigh 4\nmax 12\noom 4\noom_kill 2\n");
    assert_true(readable(fd, 1000));
    assert_int_equal(oj_cgroup_oom_read(w, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_false(readable(fd, 0));

    /* only "max" changed: woken, but no OOM */
    write_events("low 0\nhigh 4\nmax 13\noom 4\noom_kill 2\n");
    assert_true(readable(fd, 1000));
    assert_int_equal(oj_cgroup_oom_read(w, &n, &err), 0);
    assert_int_equal(n, 0);

    /* a kill without a counted "oom" still counts, each kill once */
    write_events("oom 4\noom_kill 5\n");
    assert_int_equal(oj_cgroup_oom_read(w, &n, &err), 0);
    assert_int_equal(n, 3);

    /* "oom" alone is not an event: the kill follows and is counted then */
    write_events("oom 9\noom_kill 5\n");
    assert_int_equal(oj_cgroup_oom_read(w, &n, &err), 0);
    assert_int_equal(n, 0);

    char path[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/ct/memory.events", fake_dir);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(oj_cgroup_oom_read(w, &n, &err), -1);
    assert_int_equal(err.code, ENOENT);
    oj_cgroup_oom_close(w);
    oj_cgroup_free(cg);
}

static void test_no_memory_cgroup(void **state)
{
    (void)state;
    /* a v2 directory without the memory controller's files */
    struct oj_cgroup *cg = fake_v2("pids");
    struct oj_cgroup_oom *w = NULL;
    struct oj_err err = {0};
    assert_int_equal(oj_cgroup_oom_open(cg, &w, &err), -1);
    assert_null(w);
    assert_int_equal(err.code, ENOENT);
    assert_non_null(strstr(err.msg, "watch for OOM: the container has no memory cgroup"));
    oj_cgroup_free(cg);
}

int main(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "test_cgroup_oom: needs root\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_real_oom, teardown_each),
        cmocka_unit_test_teardown(test_real_oom_killer_disabled, teardown_each),
        cmocka_unit_test_teardown(test_fake_v2, teardown_each),
        cmocka_unit_test_teardown(test_no_memory_cgroup, teardown_each),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
