/* SPDX-License-Identifier: Apache-2.0 */
/*
 * procattr.c on the real kernel: oomScoreAdj, ioPriority, scheduler and
 * personality applied in forked children and read back through /proc,
 * ioprio_get(2), sched_getattr(2) and uname(2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "procattr.h"
#include "secure_child.h"
#include "util.h"
#include "test_tag.h"

static int read_oom_score_adj(void)
{
    _cleanup_free_ char *s = NULL;
    if (oj_read_file("/proc/self/oom_score_adj", 32, &s, NULL, NULL) < 0)
        return -9999;
    return atoi(s);
}

static int child_oom(void *arg, char *msg, size_t len)
{
    struct oj_process p = {0};
    struct oj_err err = {0};
    p.oom_score_adj = (oj_opt_i64){true, 500};
    CHILD_CHECK(oj_process_apply_misc(&p, &err) == 0, "%s", err.msg);
    CHILD_CHECK(read_oom_score_adj() == 500, "oom_score_adj is %d", read_oom_score_adj());

    p.oom_score_adj.v = 2000;
    CHILD_CHECK(oj_process_apply_misc(&p, &err) < 0, "2000 accepted");
    CHILD_CHECK(strstr(err.msg, "out of range -1000..1000"), "message: %s", err.msg);

    /* Going below 0 (the default minimum) needs CAP_SYS_RESOURCE, which
     * this VM's bounding set lacks. */
    p.oom_score_adj.v = -500;
    int rc = oj_process_apply_misc(&p, &err);
    if (cap_get_bound(CAP_SYS_RESOURCE) == 1) {
        CHILD_CHECK(rc == 0, "%s", err.msg);
        CHILD_CHECK(read_oom_score_adj() == -500, "oom_score_adj is %d", read_oom_score_adj());
    } else {
        CHILD_CHECK(rc < 0, "-500 accepted without CAP_SYS_RESOURCE");
        CHILD_CHECK(!strcmp(err.msg, "set process.oomScoreAdj -500 (currently 500): lowering "
                                     "oom_score_adj needs CAP_SYS_RESOURCE, which the runtime "
                                     "lacks: Permission denied"),
                    "message: %s", err.msg);
        CHILD_CHECK(read_oom_score_adj() == 500, "value changed to %d", read_oom_score_adj());
    }
    /* Unset: left alone (spec: "MUST NOT change"). */
    p.oom_score_adj.set = false;
    CHILD_CHECK(oj_process_apply_misc(&p, &err) == 0, "%s", err.msg);
    CHILD_CHECK(read_oom_score_adj() == (rc == 0 ? -500 : 500), "value changed");
    return 0;
}

static void test_oom_score_adj(void **state)
{
    struct child_result r;
    run_in_child(child_oom, NULL, &r);
    assert_child_ok(&r);
}

static int child_ioprio(void *arg, char *msg, size_t len)
{
    struct oj_process p = {0};
    struct oj_err err = {0};
    static const struct {
        int class_, prio;
    } t[] = {{2, 6}, {3, 0}, {1, 4}, {2, 0}};
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        p.io_priority = (struct oj_io_priority){true, t[i].class_, t[i].prio};
        CHILD_CHECK(oj_process_apply_misc(&p, &err) == 0, "class %d: %s", t[i].class_, err.msg);
        long got = syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0);
        CHILD_CHECK(got == ((t[i].class_ << 13) | t[i].prio), "ioprio_get %#lx for class %d/%d",
                    got, t[i].class_, t[i].prio);
    }
    p.io_priority = (struct oj_io_priority){true, 2, 8};
    CHILD_CHECK(oj_process_apply_misc(&p, &err) < 0, "priority 8 accepted");
    CHILD_CHECK(strstr(err.msg, "priority 8 out of range 0..7"), "message: %s", err.msg);
    p.io_priority = (struct oj_io_priority){true, 7, 0};
    CHILD_CHECK(oj_process_apply_misc(&p, &err) < 0, "class 7 accepted");
    return 0;
}

static void test_io_priority(void **state)
{
    struct child_result r;
    run_in_child(child_ioprio, NULL, &r);
    assert_child_ok(&r);
}

struct sched_attr_k {
    uint32_t size, policy;
    uint64_t flags;
    int32_t nice;
    uint32_t priority;
    uint64_t runtime, deadline, period;
};

/* cpu.rt_runtime_us of our cgroup v1 cpu cgroup (-1 when there is none). */
static long rt_budget_us(void)
{
    _cleanup_free_ char *cg = NULL;
    if (oj_read_file("/proc/self/cgroup", 65536, &cg, NULL, NULL) < 0)
        return -1;
    for (char *line = strtok(cg, "\n"); line; line = strtok(NULL, "\n")) {
        char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c2 = '\0';
        char *ctrl = c1 + 1;
        if (strcmp(ctrl, "cpu") != 0 && strcmp(ctrl, "cpu,cpuacct") != 0)
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "/sys/fs/cgroup/%s%s/cpu.rt_runtime_us", ctrl, c2 + 1);
        _cleanup_free_ char *v = NULL;
        if (oj_read_file(path, 64, &v, NULL, NULL) < 0)
            return -1;
        return atol(v);
    }
    return -1;
}

static int child_sched(void *arg, char *msg, size_t len)
{
    struct oj_process p = {0};
    struct oj_err err = {0};
    struct sched_attr_k a;

    p.scheduler = (struct oj_scheduler){.set = true, .policy = SCHED_BATCH, .nice = {true, 7}};
    CHILD_CHECK(oj_process_apply_misc(&p, &err) == 0, "%s", err.msg);
    CHILD_CHECK(syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0) == 0, "sched_getattr: %s",
                strerror(errno));
    CHILD_CHECK(a.policy == SCHED_BATCH && a.nice == 7, "policy %u nice %d", a.policy, a.nice);

    /* SCHED_FIFO needs CAP_SYS_NICE (root has it) and, under cgroup v1, a
     * real-time budget in our cpu cgroup (the root one has 950 ms/s).  With
     * no v1 cpu controller (pure v2) there is no budget to lack: the kernels
     * that run v2 have no RT group scheduling (CONFIG_RT_GROUP_SCHED: with
     * it, v2's cpu controller cannot be enabled while real-time tasks live
     * outside the root cgroup). */
    p.scheduler = (struct oj_scheduler){.set = true, .policy = SCHED_FIFO, .priority = {true, 3}};
    int rc = oj_process_apply_misc(&p, &err);
    if (rt_budget_us() != 0) {
        CHILD_CHECK(rc == 0, "%s", err.msg);
        CHILD_CHECK(syscall(SYS_sched_getattr, 0, &a, sizeof(a), 0) == 0, "sched_getattr: %s",
                    strerror(errno));
        CHILD_CHECK(a.policy == SCHED_FIFO && a.priority == 3, "policy %u priority %u", a.policy,
                    a.priority);
    } else {
        CHILD_CHECK(rc < 0 && strstr(err.msg, "cpu.rt_runtime_us budget"),
                    "FIFO without an rt budget: rc %d, %s", rc, err.msg);
    }

    p.scheduler = (struct oj_scheduler){.set = true, .policy = SCHED_IDLE};
    CHILD_CHECK(oj_process_apply_misc(&p, &err) == 0, "%s", err.msg);
    CHILD_CHECK(sched_getscheduler(0) == SCHED_IDLE, "policy %d", sched_getscheduler(0));

    p.scheduler = (struct oj_scheduler){.set = true, .policy = SCHED_OTHER, .nice = {true, 40}};
    CHILD_CHECK(oj_process_apply_misc(&p, &err) < 0, "nice 40 accepted");
    CHILD_CHECK(strstr(err.msg, "nice 40 out of range"), "message: %s", err.msg);
    /* FIFO with priority 0 is invalid for the kernel: its EINVAL is explained. */
    p.scheduler = (struct oj_scheduler){.set = true, .policy = SCHED_FIFO, .priority = {true, 0}};
    CHILD_CHECK(oj_process_apply_misc(&p, &err) < 0, "FIFO priority 0 accepted");
    CHILD_CHECK(strstr(err.msg, "policy SCHED_FIFO") && strstr(err.msg, "Invalid argument"),
                "message: %s", err.msg);
    return 0;
}

static void test_scheduler(void **state)
{
    struct child_result r;
    run_in_child(child_sched, NULL, &r);
    assert_child_ok(&r);
}

/* In a cgroup v1 cpu cgroup with no real-time budget (a new cgroup's
 * cpu.rt_runtime_us is 0), SCHED_FIFO fails with EPERM even for root; the
 * message must say why. */
static int child_rt_no_budget(void *arg, char *msg, size_t len)
{
    const char *procs = arg;
    struct oj_err err = {0};
    CHILD_CHECK(oj_write_file(procs, "0", 1, &err) == 0, "%s", err.msg);
    CHILD_CHECK(rt_budget_us() == 0, "rt budget %ld in the new cgroup", rt_budget_us());
    struct oj_process p = {0};
    p.scheduler = (struct oj_scheduler){.set = true, .policy = SCHED_FIFO, .priority = {true, 3}};
    CHILD_CHECK(oj_process_apply_misc(&p, &err) < 0, "SCHED_FIFO without an rt budget accepted");
    CHILD_CHECK(!strcmp(err.msg, "set process.scheduler (policy SCHED_FIFO, nice 0, priority 3) "
                                 "(needs CAP_SYS_NICE and, under cgroup v1, a cpu.rt_runtime_us "
                                 "budget): Operation not permitted"),
                "message: %s", err.msg);
    return 0;
}

static void test_scheduler_rt_without_budget(void **state)
{
    char dir[128], procs[160];
    snprintf(dir, sizeof(dir), "/sys/fs/cgroup/cpu/ojrun-test-procattr-%s", test_tag());
    if (access("/sys/fs/cgroup/cpu/cpu.rt_runtime_us", F_OK) != 0) {
        print_message("# no cgroup v1 cpu controller with rt budgets here\n");
        skip();
    }
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
    struct child_result r;
    run_in_child(child_rt_no_budget, procs, &r);
    int rc = rmdir(dir); /* the child has exited: the cgroup is empty */
    assert_child_ok(&r);
    assert_int_equal(rc, 0);
}

static int child_personality(void *arg, char *msg, size_t len)
{
    struct oj_linux lx = {0};
    struct oj_err err = {0};
    struct utsname u;

    CHILD_CHECK(oj_personality_apply(&lx, &err) == 0, "absent personality: %s", err.msg);
    CHILD_CHECK(uname(&u) == 0 && !strcmp(u.machine, "x86_64"), "machine %s", u.machine);

    lx.has_personality = true;
    lx.personality_domain = "LINUX32";
    CHILD_CHECK(oj_personality_apply(&lx, &err) == 0, "%s", err.msg);
    CHILD_CHECK(uname(&u) == 0 && !strcmp(u.machine, "i686"), "machine %s under LINUX32",
                u.machine);
    lx.personality_domain = "LINUX";
    CHILD_CHECK(oj_personality_apply(&lx, &err) == 0, "%s", err.msg);
    CHILD_CHECK(uname(&u) == 0 && !strcmp(u.machine, "x86_64"), "machine %s back under LINUX",
                u.machine);

    lx.personality_domain = "LINUX64";
    CHILD_CHECK(oj_personality_apply(&lx, &err) < 0, "LINUX64 accepted");
    CHILD_CHECK(!strcmp(err.msg, "set linux.personality: unknown domain \"LINUX64\": Invalid "
                                 "argument"),
                "message: %s", err.msg);
    char *flags[] = {"ADDR_NO_RANDOMIZE", NULL};
    lx.personality_domain = "LINUX";
    lx.personality_flags = flags;
    lx.n_personality_flags = 1;
    CHILD_CHECK(oj_personality_apply(&lx, &err) < 0, "flags accepted");
    CHILD_CHECK(strstr(err.msg, "flag \"ADDR_NO_RANDOMIZE\" is not supported"), "message: %s",
                err.msg);
    return 0;
}

static void test_personality(void **state)
{
    struct child_result r;
    run_in_child(child_personality, NULL, &r);
    assert_child_ok(&r);
}

int main(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "test_procattr needs root\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oom_score_adj),
        cmocka_unit_test(test_io_priority),
        cmocka_unit_test(test_scheduler),
        cmocka_unit_test(test_scheduler_rt_without_budget),
        cmocka_unit_test(test_personality),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
