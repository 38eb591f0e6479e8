/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroup module on the real cgroupfs of this machine (root required).
 *
 * The host's own layout (v1, hybrid or v2) is used for the limits, OOM,
 * pids, freezer and kill tests.  When the host has a cgroup2 mount, the
 * last tests also describe that mount alone as a pure v2 host, which
 * exercises the v2 paths for real (cgroup.freeze, cgroup.kill, the eBPF
 * device program, clone3(CLONE_INTO_CGROUP)) even on a hybrid machine.
 *
 * Every cgroup lives under /ojrun-test-<pid>-<n> and is destroyed by the
 * test or, after a failed assertion, by the teardown.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/bpf.h>
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
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <inttypes.h>

#include "cgroup.h"
#include "cgroup_internal.h"
#include "cleanup.h"
#include "util.h"
#include "test_tag.h"

static struct oj_cgroup_host host;
static int counter_n;

/* what teardown must clean if a test fails half-way */
static struct oj_cgroup *live[4];
static pid_t kids[4];
static char v2_mount[PATH_MAX];
static bool hugetlb_was_enabled = true;

/* --- helpers ------------------------------------------------------------ */

static void unique_path(char *buf, size_t size)
{
    snprintf(buf, size, "/ojrun-test-%s-%d", test_tag(), ++counter_n);
}

static struct oj_cgroup *make(const struct oj_cgroup_host *h, const char *path)
{
    struct oj_cgroup *cg = NULL;
    struct oj_err err;
    if (oj_cgroup_new(h, path, NULL, &cg, &err) < 0)
        fail_msg("%s", err.msg);
    for (size_t i = 0; i < OJ_ARRAY_SIZE(live); i++)
        if (!live[i]) {
            live[i] = cg;
            break;
        }
    return cg;
}

static void forget(struct oj_cgroup *cg)
{
    for (size_t i = 0; i < OJ_ARRAY_SIZE(live); i++)
        if (live[i] == cg)
            live[i] = NULL;
    oj_cgroup_free(cg);
}

static void destroy(struct oj_cgroup *cg)
{
    struct oj_err err;
    if (oj_cgroup_destroy(cg, &err) < 0)
        fail_msg("%s", err.msg);
    /* no directory left in any hierarchy */
    static const char *const ctrls[] = {"cpu",     "cpuacct", "cpuset", "memory",       "devices",
                                        "freezer", "blkio",   "pids",   "name=systemd", ""};
    for (size_t i = 0; i < OJ_ARRAY_SIZE(ctrls); i++) {
        const char *d = oj_cgroup_dir(cg, ctrls[i]);
        struct stat st;
        if (d && stat(d, &st) == 0)
            fail_msg("%s still exists after destroy", d);
    }
    forget(cg);
}

static void add_kid(pid_t pid)
{
    for (size_t i = 0; i < OJ_ARRAY_SIZE(kids); i++)
        if (kids[i] == 0) {
            kids[i] = pid;
            return;
        }
}

static int wait_kid(pid_t pid, struct rusage *ru)
{
    int status = 0;
    struct rusage dummy;
    if (wait4(pid, &status, 0, ru ? ru : &dummy) != pid)
        fail_msg("wait4 %d: %s", (int)pid, strerror(errno));
    for (size_t i = 0; i < OJ_ARRAY_SIZE(kids); i++)
        if (kids[i] == pid)
            kids[i] = 0;
    return status;
}

/* reap grandchildren reparented to us (we are a subreaper) */
static void reap_all(void)
{
    for (int i = 0; i < 200; i++) {
        pid_t p = waitpid(-1, NULL, WNOHANG);
        if (p < 0 && errno == ECHILD)
            return;
        if (p <= 0)
            usleep(5000);
    }
}

static uint64_t read_u64(const char *dir, const char *file)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    char *s = NULL;
    struct oj_err err;
    if (oj_read_file(path, 4096, &s, NULL, &err) < 0)
        fail_msg("%s", err.msg);
    uint64_t v = strtoull(s, NULL, 10);
    free(s);
    return v;
}

static char proc_state(pid_t pid)
{
    char path[64], *s = NULL;
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    if (oj_read_file(path, 1 << 16, &s, NULL, NULL) < 0)
        return '?';
    char *st = strstr(s, "\nState:\t");
    char c = st ? st[8] : '?';
    free(s);
    return c;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* fork a child that waits for one byte on a pipe (sent once it was moved
 * into its cgroup) and then runs fn(arg). */
struct gate {
    pid_t pid;
    int wr;
};

static struct gate spawn(void (*fn)(void *), void *arg)
{
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char c;
        close(p[1]);
        if (read(p[0], &c, 1) != 1)
            _exit(90);
        fn(arg);
        _exit(0);
    }
    close(p[0]);
    add_kid(pid);
    return (struct gate){pid, p[1]};
}

static void release(struct gate *g)
{
    assert_int_equal(write(g->wr, "x", 1), 1);
    close(g->wr);
}

static int setup(void **state)
{
    (void)state;
    struct oj_err err;
    if (geteuid() != 0) {
        fprintf(stderr, "test_cgroup_real: needs root\n");
        return -1;
    }
    if (oj_cgroup_host_detect(&host, NULL, NULL, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    for (size_t i = 0; i < host.n; i++)
        if (host.h[i].v2)
            snprintf(v2_mount, sizeof(v2_mount), "%s", host.h[i].mount);
    if (v2_mount[0]) {
        char *s = NULL;
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/cgroup.subtree_control", v2_mount);
        if (oj_read_file(path, 4096, &s, NULL, NULL) == 0) {
            hugetlb_was_enabled = strstr(s, "hugetlb") != NULL;
            free(s);
        }
    }
    /* orphaned grandchildren come to us, so tests can reap them */
    return prctl(PR_SET_CHILD_SUBREAPER, 1);
}

static int teardown_each(void **state)
{
    (void)state;
    for (size_t i = 0; i < OJ_ARRAY_SIZE(kids); i++)
        if (kids[i] > 0) {
            kill(kids[i], SIGKILL);
            waitpid(kids[i], NULL, 0);
            kids[i] = 0;
        }
    for (size_t i = 0; i < OJ_ARRAY_SIZE(live); i++)
        if (live[i]) {
            oj_cgroup_destroy(live[i], NULL);
            oj_cgroup_free(live[i]);
            live[i] = NULL;
        }
    reap_all();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    /* the pure-v2 tests enabled hugetlb in the cgroup2 root: undo (EBUSY
     * when someone else's cgroup uses it meanwhile: then it stays) */
    if (v2_mount[0] && !hugetlb_was_enabled) {
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/cgroup.subtree_control", v2_mount);
        oj_write_file(path, "-hugetlb", 8, NULL);
    }
    oj_cgroup_host_free(&host);
    return 0;
}

/* --- limits and membership ------------------------------------------------- */

static void child_sleep(void *arg)
{
    (void)arg;
    for (;;)
        pause();
}

static void test_limits_and_enter(void **state)
{
    (void)state;
    char path[64];
    unique_path(path, sizeof(path));
    struct oj_cgroup *cg = make(&host, path);
    struct oj_resources r = {
        .has_memory = true,
        .memory = {.limit = {true, 64 << 20}},
        .has_pids = true,
        .pids_limit = 16,
        .has_cpu = true,
        .cpu = {.quota = {true, 50000}, .period = {true, 100000}},
    };
    struct oj_err err;
    if (oj_cgroup_create(cg, &r, &err) < 0)
        fail_msg("%s", err.msg);

    /* the kernel holds the values */
    const char *mem = oj_cgroup_dir(cg, "memory"), *pids = oj_cgroup_dir(cg, "pids"),
               *cpu = oj_cgroup_dir(cg, "cpu");
    assert_non_null(mem);
    assert_non_null(pids);
    assert_non_null(cpu);
    assert_int_equal(
        read_u64(mem, host.layout == OJ_CGROUP_V2 ? "memory.max" : "memory.limit_in_bytes"),
        64 << 20);
    assert_int_equal(read_u64(pids, "pids.max"), 16);
    if (host.layout != OJ_CGROUP_V2) {
        assert_int_equal(read_u64(cpu, "cpu.cfs_quota_us"), 50000);
        assert_int_equal(read_u64(cpu, "cpu.cfs_period_us"), 100000);
    } else {
        char cpu_max[PATH_MAX], *v = NULL;
        snprintf(cpu_max, sizeof(cpu_max), "%s/cpu.max", cpu);
        assert_int_equal(oj_read_file(cpu_max, 4096, &v, NULL, &err), 0);
        assert_string_equal(v, "50000 100000\n");
        free(v);
    }

    struct gate g = spawn(child_sleep, NULL);
    if (oj_cgroup_enter(cg, g.pid, &err) < 0)
        fail_msg("%s", err.msg);
    release(&g);

    /* /proc/<pid>/cgroup names our path in every hierarchy we use */
    char file[64], *text = NULL;
    snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)g.pid);
    assert_int_equal(oj_read_file(file, 1 << 16, &text, NULL, &err), 0);
    int matched = 0, dirs = 0;
    for (size_t i = 0; i < host.n; i++)
        dirs += oj_cgroup_dir(cg, host.h[i].v2 ? "" : strtok(strdupa(host.h[i].controllers), ","))
                    ? 1
                    : 0;
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        assert_non_null(c2);
        *c2 = '\0';
        char *first = strtok(c1 + 1, ",");
        const char *d = oj_cgroup_dir(cg, first ? first : "");
        if (!d)
            continue;
        if (strcmp(c2 + 1, path) != 0)
            fail_msg("/proc/%d/cgroup: %s:%s, expected %s", (int)g.pid, first ? first : "", c2 + 1,
                     path);
        matched++;
    }
    free(text);
    assert_int_equal(matched, dirs);
    /* v1 and hybrid: memory, pids and cpu at least; pure v2: the one line */
    assert_true(matched >= (host.layout == OJ_CGROUP_V2 ? 1 : 2));

    pid_t *list = NULL;
    size_t n = 0;
    assert_int_equal(oj_cgroup_pids(cg, &list, &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(list[0], g.pid);
    free(list);

    kill(g.pid, SIGKILL);
    wait_kid(g.pid, NULL);
    assert_int_equal(oj_cgroup_pids(cg, &list, &n, &err), 0);
    assert_int_equal(n, 0);
    destroy(cg);
}

/* A value the kernel refuses: the error names value and file, and create
 * leaves nothing behind. */
static void test_kernel_rejects(void **state)
{
    (void)state;
    if (host.layout == OJ_CGROUP_V2) {
        print_message("# pure cgroup v2 host: the case checks v1 cpu.cfs_quota_us\n");
        skip();
    }
    char path[64];
    unique_path(path, sizeof(path));
    struct oj_cgroup *cg = make(&host, path);
    /* the CFS quota minimum is 1 ms */
    struct oj_resources r = {.has_cpu = true, .cpu = {.quota = {true, 500}}};
    struct oj_err err;
    assert_int_equal(oj_cgroup_create(cg, &r, &err), -1);
    char want[PATH_MAX + 64];
    snprintf(want, sizeof(want), "write 500 to %s/cpu.cfs_quota_us: Invalid argument",
             oj_cgroup_dir(cg, "cpu"));
    assert_string_equal(err.msg, want);
    for (size_t i = 0; i < host.n; i++) {
        char d[PATH_MAX];
        struct stat st;
        snprintf(d, sizeof(d), "%s%s", host.h[i].mount, path);
        assert_int_equal(stat(d, &st), -1);
    }
    forget(cg);
}

/* --- memory: the OOM killer ------------------------------------------------ */

static void child_hog(void *arg)
{
    (void)arg;
    size_t n = 100 << 20;
    char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        _exit(91);
    for (size_t i = 0; i < n; i += 4096)
        p[i] = 1;
    _exit(0); /* survived 100 MiB under a 64 MiB limit: the test fails */
}

static void test_oom(void **state)
{
    (void)state;
    char path[64];
    unique_path(path, sizeof(path));
    struct oj_cgroup *cg = make(&host, path);
    /* On a host with swap, swap = limit keeps the child from swapping
     * around the limit (memory+swap semantics).  Without swap it is left
     * out: with a memsw limit the kernel (6.x) counts failures in neither
     * memory.failcnt nor memory.memsw.failcnt, and failcnt is checked below. */
    char *meminfo = NULL;
    uint64_t swap_kb = 0;
    if (oj_read_file("/proc/meminfo", 1 << 16, &meminfo, NULL, NULL) == 0) {
        const char *p = strstr(meminfo, "SwapTotal:");
        swap_kb = p ? strtoull(p + 10, NULL, 10) : 0;
        free(meminfo);
    }
    struct oj_resources r = {
        .has_memory = true, .memory = {.limit = {true, 64 << 20}, .swap = {swap_kb > 0, 64 << 20}}};
    struct oj_err err;
    if (oj_cgroup_create(cg, &r, &err) < 0)
        fail_msg("%s", err.msg);
    struct gate g = spawn(child_hog, NULL);
    if (oj_cgroup_enter(cg, g.pid, &err) < 0)
        fail_msg("%s", err.msg);
    release(&g);
    int status = wait_kid(g.pid, NULL);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGKILL);

    struct oj_cgroup_stats st;
    if (oj_cgroup_stats(cg, &st, &err) < 0)
        fail_msg("%s", err.msg);
    assert_true(st.has_memory);
    assert_true(st.memory.oom_kill >= 1);
    assert_int_equal(st.memory.limit, 64 << 20);
    /* the high-water mark reached the limit and never passed it */
    assert_true(st.memory.max_usage > (60u << 20));
    assert_true(st.memory.max_usage <= (64u << 20));
    if (!r.memory.swap.set)
        assert_true(st.memory.failcnt > 0);
    assert_true(st.memory.n_stat > 0);
    oj_cgroup_stats_free(&st);
    destroy(cg);
}

/* --- pids ------------------------------------------------------------------ */

struct fork_result {
    int count, err, done;
};

static void child_forker(void *arg)
{
    struct fork_result *res = arg;
    for (int i = 0; i < 64; i++) {
        pid_t p = fork();
        if (p == 0) {
            for (;;)
                pause();
        }
        if (p < 0) {
            res->err = errno;
            break;
        }
        res->count++;
    }
    __atomic_store_n(&res->done, 1, __ATOMIC_SEQ_CST);
    for (;;)
        pause();
}

static void test_pids_and_kill_all(void **state)
{
    (void)state;
    char path[64];
    unique_path(path, sizeof(path));
    struct oj_cgroup *cg = make(&host, path);
    struct oj_resources r = {.has_pids = true, .pids_limit = 16};
    struct oj_err err;
    if (oj_cgroup_create(cg, &r, &err) < 0)
        fail_msg("%s", err.msg);
    struct fork_result *res =
        mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(res != MAP_FAILED);
    struct gate g = spawn(child_forker, res);
    if (oj_cgroup_enter(cg, g.pid, &err) < 0)
        fail_msg("%s", err.msg);
    release(&g);
    for (int i = 0; i < 500 && !__atomic_load_n(&res->done, __ATOMIC_SEQ_CST); i++)
        sleep_ms(10);
    assert_true(res->done);
    /* 16 tasks: the child and 15 of its children; the 16th fork fails */
    assert_int_equal(res->err, EAGAIN);
    assert_int_equal(res->count, 15);

    struct oj_cgroup_stats st;
    assert_int_equal(oj_cgroup_stats(cg, &st, &err), 0);
    assert_true(st.has_pids);
    assert_int_equal(st.pids.current, 16);
    assert_int_equal(st.pids.limit, 16);
    oj_cgroup_stats_free(&st);
    pid_t *list = NULL;
    size_t n = 0;
    assert_int_equal(oj_cgroup_pids(cg, &list, &n, &err), 0);
    assert_int_equal(n, 16);
    free(list);

    if (oj_cgroup_kill_all(cg, SIGKILL, &err) < 0)
        fail_msg("%s", err.msg);
    int status = wait_kid(g.pid, NULL);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    reap_all();
    assert_int_equal(oj_cgroup_pids(cg, &list, &n, &err), 0);
    assert_int_equal(n, 0);
    /* the 15 grandchildren are gone too (reaped by us, the subreaper) */
    assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
    bool frozen = true;
    assert_int_equal(oj_cgroup_is_frozen(cg, &frozen, &err), 0);
    assert_false(frozen); /* kill_all thawed what it froze */
    munmap(res, 4096);
    destroy(cg);
}

/* --- freezer, throttling, CPU accounting ----------------------------------- */

static void child_spin(void *arg)
{
    volatile uint64_t *c = arg;
    for (;;)
        (*c)++;
}

static void test_freeze_and_cpu(void **state)
{
    (void)state;
    char path[64];
    unique_path(path, sizeof(path));
    struct oj_cgroup *cg = make(&host, path);
    /* 20% of a CPU: the spinner is throttled in most periods */
    struct oj_resources r = {.has_cpu = true,
                             .cpu = {.quota = {true, 20000}, .period = {true, 100000}}};
    struct oj_err err;
    if (oj_cgroup_create(cg, &r, &err) < 0)
        fail_msg("%s", err.msg);
    volatile uint64_t *counter =
        mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(counter != MAP_FAILED);
    struct gate g = spawn(child_spin, (void *)counter);
    if (oj_cgroup_enter(cg, g.pid, &err) < 0)
        fail_msg("%s", err.msg);
    release(&g);
    for (int i = 0; i < 200 && *counter == 0; i++)
        sleep_ms(5);
    assert_true(*counter > 0);
    sleep_ms(500);

    if (oj_cgroup_freeze(cg, true, &err) < 0)
        fail_msg("%s", err.msg);
    bool frozen = false;
    assert_int_equal(oj_cgroup_is_frozen(cg, &frozen, &err), 0);
    assert_true(frozen);
    /* frozen tasks report as uninterruptible sleep on v1 (the v1 freezer
     * parks them in the refrigerator); the v2 freezer stops them like a
     * job-control stop and they report as sleeping */
    char pstate = proc_state(g.pid);
    if (host.layout != OJ_CGROUP_V2)
        assert_int_equal(pstate, 'D');
    else if (pstate != 'D' && pstate != 'S')
        fail_msg("a frozen task is in state %c", pstate);
    uint64_t c1 = *counter;
    sleep_ms(200);
    assert_true(*counter == c1);

    if (oj_cgroup_freeze(cg, false, &err) < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(oj_cgroup_is_frozen(cg, &frozen, &err), 0);
    assert_false(frozen);
    sleep_ms(200);
    assert_true(*counter > c1);

    struct oj_cgroup_stats st;
    if (oj_cgroup_stats(cg, &st, &err) < 0)
        fail_msg("%s", err.msg);
    assert_true(st.has_cpu);
    assert_true(st.cpu.periods > 0);
    assert_true(st.cpu.throttled_periods > 0);
    assert_true(st.cpu.throttled_time > 0);
    oj_cgroup_stats_free(&st);

    if (oj_cgroup_kill_all(cg, SIGKILL, &err) < 0)
        fail_msg("%s", err.msg);
    struct rusage ru;
    int status = wait_kid(g.pid, &ru);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    /* the cgroup's CPU time is the child's (rusage), in exact ns */
    assert_int_equal(oj_cgroup_stats(cg, &st, &err), 0);
    int64_t child_ns = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
                       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
    int64_t diff = (int64_t)st.cpu.total - child_ns;
    if (diff < 0)
        diff = -diff;
    if (diff > 20000000 + child_ns / 10)
        fail_msg("cgroup cpu %" PRIu64 " ns vs child rusage %" PRId64 " ns", st.cpu.total,
                 child_ns);
    /* ~20% of ~0.9 s of spinning, all user time */
    assert_true(st.cpu.total > 50000000);
    assert_true(st.cpu.user > 0);
    assert_true(st.cpu.user + st.cpu.kernel <= st.cpu.total + 20000000);
    oj_cgroup_stats_free(&st);
    munmap((void *)counter, 4096);
    destroy(cg);
}

/* A signal other than SIGKILL to a paused container: delivered, but the
 * container stays paused until resumed. */
static volatile int *usr1_flag;
static void on_usr1(int sig)
{
    (void)sig;
    *usr1_flag = 2;
}

static void child_wait_usr1(void *arg)
{
    usr1_flag = arg;
    signal(SIGUSR1, on_usr1);
    *usr1_flag = 1;
    while (*usr1_flag != 2)
        pause();
    _exit(7);
}

static void test_signal_paused(void **state)
{
    (void)state;
    char path[64];
    unique_path(path, sizeof(path));
    struct oj_cgroup *cg = make(&host, path);
    struct oj_err err;
    if (oj_cgroup_create(cg, NULL, &err) < 0)
        fail_msg("%s", err.msg);
    volatile int *flag =
        mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(flag != MAP_FAILED);
    struct gate g = spawn(child_wait_usr1, (void *)flag);
    if (oj_cgroup_enter(cg, g.pid, &err) < 0)
        fail_msg("%s", err.msg);
    release(&g);
    for (int i = 0; i < 200 && *flag != 1; i++)
        sleep_ms(5);
    assert_int_equal(*flag, 1);

    assert_int_equal(oj_cgroup_freeze(cg, true, &err), 0);
    if (oj_cgroup_kill_all(cg, SIGUSR1, &err) < 0)
        fail_msg("%s", err.msg);
    bool frozen = false;
    assert_int_equal(oj_cgroup_is_frozen(cg, &frozen, &err), 0);
    assert_true(frozen);
    sleep_ms(100);
    assert_int_equal(*flag, 1); /* cannot run its handler while frozen */
    assert_int_equal(oj_cgroup_freeze(cg, false, &err), 0);
    int status = wait_kid(g.pid, NULL);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 7);
    munmap((void *)flag, 4096);
    destroy(cg);
}

/* --- the cgroup2 mount as a pure v2 host ----------------------------------- */

static char fake_dir[PATH_MAX];

/* A host description holding only the real cgroup2 mount. */
static bool v2_host(struct oj_cgroup_host *h)
{
    if (!v2_mount[0])
        return false;
    snprintf(fake_dir, sizeof(fake_dir), "/tmp/ojrun-test-cgreal.XXXXXX");
    assert_non_null(mkdtemp(fake_dir));
    char mi[PATH_MAX], sc[PATH_MAX], line[PATH_MAX + 128];
    snprintf(mi, sizeof(mi), "%s/mountinfo", fake_dir);
    snprintf(sc, sizeof(sc), "%s/cgroup", fake_dir);
    snprintf(line, sizeof(line), "41 31 0:38 / %s rw,relatime - cgroup2 cgroup2 rw\n", v2_mount);
    assert_int_equal(oj_write_file_atomic(mi, line, strlen(line), 0644, NULL), 0);
    assert_int_equal(oj_write_file_atomic(sc, "0::/\n", 5, 0644, NULL), 0);
    struct oj_err err;
    int rc = oj_cgroup_host_detect(h, mi, sc, &err);
    unlink(mi);
    unlink(sc);
    rmdir(fake_dir);
    if (rc < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(h->layout, OJ_CGROUP_V2);
    return true;
}

/* clone3(CLONE_INTO_CGROUP): the child starts life in the cgroup. */
static pid_t clone_into(int cgfd)
{
    struct clone_args args;
    memset(&args, 0, sizeof(args));
    args.flags = CLONE_INTO_CGROUP;
    args.exit_signal = SIGCHLD;
    args.cgroup = (uint64_t)cgfd;
    return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

/* child: 0 when /proc/self/cgroup shows `path`, /dev/null opens, and
 * /dev/kmsg (c 1:11) opens for reading iff `kmsg_read` and never for
 * writing */
static int device_probe(const char *path, bool kmsg_read)
{
    char *text = NULL, want[128];
    if (oj_read_file("/proc/self/cgroup", 4096, &text, NULL, NULL) < 0)
        return 10;
    snprintf(want, sizeof(want), "0::%s\n", path);
    if (!strstr(text, want))
        return 11;
    int fd = open("/dev/null", O_RDONLY);
    if (fd < 0)
        return 12;
    close(fd);
    fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
    if (kmsg_read ? fd < 0 : !(fd < 0 && errno == EPERM))
        return 13;
    if (fd >= 0)
        close(fd);
    fd = open("/dev/kmsg", O_WRONLY);
    if (!(fd < 0 && errno == EPERM))
        return 14;
    return 0;
}

static int attached_programs(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    assert_true(fd >= 0);
    uint32_t ids[8];
    union bpf_attr q;
    memset(&q, 0, sizeof(q));
    q.query.target_fd = (uint32_t)fd;
    q.query.attach_type = BPF_CGROUP_DEVICE;
    q.query.prog_ids = (uint64_t)(uintptr_t)ids;
    q.query.prog_cnt = 8;
    assert_int_equal(syscall(SYS_bpf, BPF_PROG_QUERY, &q, sizeof(q)), 0);
    close(fd);
    return (int)q.query.prog_cnt;
}

static void test_v2_devices_clone_into(void **state)
{
    (void)state;
    struct oj_cgroup_host h2;
    if (!v2_host(&h2)) {
        print_message("# no usable cgroup2 hierarchy here\n");
        skip();
    }
    char path[64];
    unique_path(path, sizeof(path));
    struct oj_cgroup *cg = make(&h2, path);
    struct oj_device_cgroup deny_all = {.allow = false, .type = 'a', .access = "rwm"};
    struct oj_hugepage_limit huge = {"2MB", 4194304};
    bool hugetlb = oj_cg_list_has(h2.h[0].controllers, ' ', "hugetlb");
    struct oj_resources r = {.devices = &deny_all,
                             .n_devices = 1,
                             .hugepage_limits = &huge,
                             .n_hugepage_limits = hugetlb ? 1 : 0};
    struct oj_err err;
    if (oj_cgroup_create(cg, &r, &err) < 0)
        fail_msg("%s", err.msg);
    const char *dir = oj_cgroup_dir(cg, "");
    if (hugetlb)
        assert_int_equal(read_u64(dir, "hugetlb.2MB.max"), 4194304);
    assert_int_equal(attached_programs(dir), 1);
    int fd = oj_cgroup_v2_fd(cg);
    assert_true(fd >= 0);

    pid_t pid = clone_into(fd);
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(device_probe(path, false));
    add_kid(pid);
    int status = wait_kid(pid, NULL);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);

    /* update: read access to c 1:11 only; the old program is replaced */
    struct oj_device_cgroup rules[] = {
        deny_all,
        {.allow = true, .type = 'c', .major = {true, 1}, .minor = {true, 11}, .access = "r"},
    };
    struct oj_resources u = {.devices = rules, .n_devices = 2};
    if (oj_cgroup_update(cg, &u, &err) < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(attached_programs(dir), 1);
    pid = clone_into(fd);
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(device_probe(path, true));
    add_kid(pid);
    status = wait_kid(pid, NULL);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    destroy(cg);
    oj_cgroup_host_free(&h2);
}

static void test_v2_freeze_kill(void **state)
{
    (void)state;
    struct oj_cgroup_host h2;
    if (!v2_host(&h2)) {
        print_message("# no usable cgroup2 hierarchy here\n");
        skip();
    }
    char path[64];
    unique_path(path, sizeof(path));
    struct oj_cgroup *cg = make(&h2, path);
    struct strbuf trace = {0};
    oj_cgroup_set_trace(cg, &trace);
    struct oj_err err;
    if (oj_cgroup_create(cg, NULL, &err) < 0)
        fail_msg("%s", err.msg);
    volatile uint64_t *counter =
        mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(counter != MAP_FAILED);
    struct gate g = spawn(child_spin, (void *)counter);
    if (oj_cgroup_enter(cg, g.pid, &err) < 0)
        fail_msg("%s", err.msg);
    release(&g);
    for (int i = 0; i < 200 && *counter == 0; i++)
        sleep_ms(5);
    assert_true(*counter > 0);

    if (oj_cgroup_freeze(cg, true, &err) < 0)
        fail_msg("%s", err.msg);
    char *ev = NULL, evpath[PATH_MAX];
    snprintf(evpath, sizeof(evpath), "%s/cgroup.events", oj_cgroup_dir(cg, ""));
    assert_int_equal(oj_read_file(evpath, 4096, &ev, NULL, &err), 0);
    assert_non_null(strstr(ev, "frozen 1"));
    free(ev);
    uint64_t c1 = *counter;
    sleep_ms(150);
    assert_true(*counter == c1);
    assert_int_equal(oj_cgroup_freeze(cg, false, &err), 0);
    sleep_ms(100);
    assert_true(*counter > c1);

    struct oj_cgroup_stats st;
    assert_int_equal(oj_cgroup_stats(cg, &st, &err), 0);
    assert_true(st.has_cpu);
    assert_true(st.cpu.total > 0); /* cpu.stat of the v2 core */
    oj_cgroup_stats_free(&st);

    /* SIGKILL goes through cgroup.kill, even while frozen */
    assert_int_equal(oj_cgroup_freeze(cg, true, &err), 0);
    if (oj_cgroup_kill_all(cg, SIGKILL, &err) < 0)
        fail_msg("%s", err.msg);
    assert_non_null(strstr(sb_str(&trace), "/cgroup.kill 1\n"));
    int status = wait_kid(g.pid, NULL);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    munmap((void *)counter, 4096);
    oj_cgroup_set_trace(cg, NULL);
    sb_free(&trace);
    destroy(cg);
    oj_cgroup_host_free(&h2);
}

/* delete of a container whose processes still run: destroy kills them */
static void test_destroy_kills(void **state)
{
    (void)state;
    char path[64];
    unique_path(path, sizeof(path));
    struct oj_cgroup *cg = make(&host, path);
    struct oj_err err;
    if (oj_cgroup_create(cg, NULL, &err) < 0)
        fail_msg("%s", err.msg);
    struct gate g = spawn(child_sleep, NULL);
    if (oj_cgroup_enter(cg, g.pid, &err) < 0)
        fail_msg("%s", err.msg);
    release(&g);
    /* reload from the saved state, as `ojrun delete` would */
    struct strbuf sb = {0};
    assert_int_equal(oj_cgroup_save(cg, &sb, &err), 0);
    struct oj_cgroup *again = NULL;
    assert_int_equal(oj_cgroup_load(sb_str(&sb), &again, &err), 0);
    sb_free(&sb);
    forget(cg);
    live[0] = again;
    if (oj_cgroup_destroy(again, &err) < 0)
        fail_msg("%s", err.msg);
    int status = wait_kid(g.pid, NULL);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    destroy(again); /* again: nothing left, and a second destroy is fine */
}

/* A container with a writable cgroupfs may make cgroups below its own:
 * destroy removes them (its rmdir-first fast path falls back to listing
 * the directory when the kernel refuses with EBUSY). */
static void test_destroy_nested(void **state)
{
    (void)state;
    char path[64];
    unique_path(path, sizeof(path));
    struct oj_cgroup *cg = make(&host, path);
    struct oj_err err;
    if (oj_cgroup_create(cg, NULL, &err) < 0)
        fail_msg("%s", err.msg);
    static const char *const ctrls[] = {"cpu", "memory", "pids", "name=systemd", ""};
    const char *done[OJ_ARRAY_SIZE(ctrls)] = {0};
    int made = 0;
    for (size_t i = 0; i < OJ_ARRAY_SIZE(ctrls); i++) {
        const char *d = oj_cgroup_dir(cg, ctrls[i]);
        bool seen = false; /* pure v2: one directory for every controller */
        for (size_t j = 0; j < i; j++)
            seen = seen || (done[j] && strcmp(done[j], d ? d : "") == 0);
        done[i] = d;
        if (!d || seen)
            continue;
        char sub[PATH_MAX];
        snprintf(sub, sizeof(sub), "%s/sub", d);
        assert_int_equal(mkdir(sub, 0755), 0);
        snprintf(sub, sizeof(sub), "%s/sub/deeper", d);
        assert_int_equal(mkdir(sub, 0755), 0);
        made++;
    }
    assert_true(made > 0);
    destroy(cg); /* fails if any directory is left */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_limits_and_enter, teardown_each),
        cmocka_unit_test_teardown(test_kernel_rejects, teardown_each),
        cmocka_unit_test_teardown(test_oom, teardown_each),
        cmocka_unit_test_teardown(test_pids_and_kill_all, teardown_each),
        cmocka_unit_test_teardown(test_freeze_and_cpu, teardown_each),
        cmocka_unit_test_teardown(test_signal_paused, teardown_each),
        cmocka_unit_test_teardown(test_destroy_kills, teardown_each),
        cmocka_unit_test_teardown(test_destroy_nested, teardown_each),
        cmocka_unit_test_teardown(test_v2_devices_clone_into, teardown_each),
        cmocka_unit_test_teardown(test_v2_freeze_kill, teardown_each),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
