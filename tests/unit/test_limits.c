/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the judge-task limits (shim/limits.c), the verdict
 * precedence and the result JSON (shim/result.c), the memory-limit rule
 * for racing limits and the parsing of its counters (shim/taskacct.c,
 * on fake v1 and v2 cgroup directories): the parts of the supervisor that
 * are pure functions of their input.  test_supervise.c runs the real thing.
 */
#include "config_test_helpers.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "cgroup_internal.h"
#include "json.h"
#include "supervise.h"
#include "taskacct.h"

static struct oj_config *cfg_with(const char *annotations, const char *extra)
{
    char buf[4096];
    snprintf(buf, sizeof(buf),
             "{'ociVersion':'1.2.0','root':{'path':'r'},'process':{'cwd':'/','args':['x'],"
             "'rlimits':[{'type':'RLIMIT_NOFILE','soft':64,'hard':64}]},"
             "'annotations':{%s}%s%s}",
             annotations, extra ? "," : "", extra ? extra : "");
    _cleanup_free_ char *j = q(buf);
    struct oj_err err = {0};
    struct oj_config *cfg = oj_config_parse(j, strlen(j), &err);
    if (!cfg)
        fail_msg("parse: %s", err.msg);
    return cfg;
}

static void test_limits_valid(void **state)
{
    _cleanup_config_ struct oj_config *cfg =
        cfg_with("'org.ojrun.limit.cpu-ms':'1500','org.ojrun.limit.wall-ms':'3000',"
                 "'org.ojrun.limit.output-bytes':'1048576','other.key':'-1'",
                 "'linux':{'resources':{'memory':{'limit':67108864}}}");
    struct oj_limits l;
    struct oj_err err = {0};
    assert_int_equal(oj_limits_from_config(cfg, &l, &err), 0);
    assert_true(l.cpu_ms.set);
    assert_int_equal(l.cpu_ms.v, 1500);
    assert_true(l.wall_ms.set);
    assert_int_equal(l.wall_ms.v, 3000);
    assert_true(l.output_bytes.set);
    assert_int_equal(l.output_bytes.v, 1048576);
    assert_true(l.memory_bytes.set);
    assert_int_equal(l.memory_bytes.v, 67108864);
}

static void test_limits_absent(void **state)
{
    _cleanup_config_ struct oj_config *cfg =
        cfg_with("'a':'b'", "'linux':{'resources':{'memory':{'limit':-1}}}");
    struct oj_limits l;
    struct oj_err err = {0};
    assert_int_equal(oj_limits_from_config(cfg, &l, &err), 0);
    assert_false(l.cpu_ms.set || l.wall_ms.set || l.output_bytes.set);
    assert_false(l.memory_bytes.set); /* -1: unlimited */
}

static void test_limits_invalid(void **state)
{
    static const struct {
        const char *ann, *msg;
    } cases[] = {
        {"'org.ojrun.limit.cpu-ms':'-5'",
         "annotations[\"org.ojrun.limit.cpu-ms\"]: \"-5\" is not a positive integer"},
        {"'org.ojrun.limit.cpu-ms':'abc'", "\"abc\" is not a positive integer"},
        {"'org.ojrun.limit.cpu-ms':''", "\"\" is not a positive integer"},
        {"'org.ojrun.limit.cpu-ms':'1.5'", "\"1.5\" is not a positive integer"},
        {"'org.ojrun.limit.cpu-ms':' 5'", "\" 5\" is not a positive integer"},
        {"'org.ojrun.limit.cpu-ms':'0'", "must be at least 1"},
        {"'org.ojrun.limit.wall-ms':'18446744073709551616'", "is out of range (1..9223372036854)"},
        {"'org.ojrun.limit.wall-ms':'9223372036855'", "is out of range (1..9223372036854)"},
        {"'org.ojrun.limit.output-bytes':'9223372036854775808'",
         "is out of range (1..9223372036854775807)"},
        {"'org.ojrun.limit.output-bytes':'12x'", "\"12x\" is not a positive integer"},
        {"'org.ojrun.limit.cpu_ms':'5'",
         "annotations[\"org.ojrun.limit.cpu_ms\"]: unknown ojrun limit"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        _cleanup_config_ struct oj_config *cfg = cfg_with(cases[i].ann, NULL);
        struct oj_limits l;
        struct oj_err err = {0};
        assert_int_equal(oj_limits_from_config(cfg, &l, &err), -1);
        if (!strstr(err.msg, cases[i].msg))
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, err.msg, cases[i].msg);
    }
}

static void test_result_socket_annotation(void **state)
{
    const char *sock;
    struct oj_err err = {0};
    _cleanup_config_ struct oj_config *a =
        cfg_with("'org.ojrun.result.socket':'/run/q.sock'", NULL);
    assert_int_equal(oj_result_socket_from_config(a, &sock, &err), 0);
    assert_string_equal(sock, "/run/q.sock");
    _cleanup_config_ struct oj_config *b = cfg_with("'org.ojrun.result.socket':'q.sock'", NULL);
    assert_int_equal(oj_result_socket_from_config(b, &sock, &err), -1);
    assert_non_null(strstr(err.msg, "is not an absolute path"));
    char big[200] = "'org.ojrun.result.socket':'/";
    memset(big + strlen(big), 'x', 120);
    strcat(big, "'");
    _cleanup_config_ struct oj_config *c = cfg_with(big, NULL);
    assert_int_equal(oj_result_socket_from_config(c, &sock, &err), -1);
    assert_non_null(strstr(err.msg, "longer than 107 bytes"));
    _cleanup_config_ struct oj_config *d = cfg_with("'x':'y'", NULL);
    assert_int_equal(oj_result_socket_from_config(d, &sock, &err), 0);
    assert_null(sock);
}

static rlim_t fake_hard(int resource)
{
    return resource == RLIMIT_FSIZE ? 1000000 : RLIM_INFINITY;
}

static const struct oj_rlimit *find_rl(const struct oj_process *p, int res)
{
    for (size_t i = 0; i < p->n_rlimits; i++)
        if (p->rlimits[i].resource == res)
            return &p->rlimits[i];
    return NULL;
}

static void test_rlimits_added(void **state)
{
    _cleanup_config_ struct oj_config *cfg =
        cfg_with("'org.ojrun.limit.cpu-ms':'1500','org.ojrun.limit.output-bytes':'4096'", NULL);
    struct oj_limits l;
    struct oj_err err = {0};
    assert_int_equal(oj_limits_from_config(cfg, &l, &err), 0);
    assert_int_equal(oj_limits_apply_rlimits(cfg->process, &l, NULL, &err), 0);
    assert_int_equal(cfg->process->n_rlimits, 3);
    const struct oj_rlimit *f = find_rl(cfg->process, RLIMIT_FSIZE);
    assert_non_null(f);
    assert_int_equal(f->soft, 4096);
    assert_int_equal(f->hard, 4096);
    /* 1500 ms -> 2 s rounded up, +1 s margin: SIGXCPU at 3 s, SIGKILL at 4 s */
    const struct oj_rlimit *c = find_rl(cfg->process, RLIMIT_CPU);
    assert_non_null(c);
    assert_int_equal(c->soft, 3);
    assert_int_equal(c->hard, 4);
    assert_int_equal(find_rl(cfg->process, RLIMIT_NOFILE)->soft, 64); /* untouched */
}

static void test_rlimits_only_lowered(void **state)
{
    /* an existing, lower RLIMIT_FSIZE stays; a higher one comes down */
    _cleanup_config_ struct oj_config *lo = cfg_with("'org.ojrun.limit.output-bytes':'4096'", NULL);
    lo->process->rlimits[0] = (struct oj_rlimit){RLIMIT_FSIZE, 2000, 1000};
    struct oj_limits l;
    struct oj_err err = {0};
    assert_int_equal(oj_limits_from_config(lo, &l, &err), 0);
    assert_int_equal(oj_limits_apply_rlimits(lo->process, &l, NULL, &err), 0);
    assert_int_equal(lo->process->n_rlimits, 1);
    assert_int_equal(lo->process->rlimits[0].soft, 1000);
    assert_int_equal(lo->process->rlimits[0].hard, 2000);

    _cleanup_config_ struct oj_config *hi = cfg_with("'org.ojrun.limit.output-bytes':'4096'", NULL);
    hi->process->rlimits[0] = (struct oj_rlimit){RLIMIT_FSIZE, 1 << 30, 1 << 20};
    assert_int_equal(oj_limits_apply_rlimits(hi->process, &l, NULL, &err), 0);
    assert_int_equal(hi->process->rlimits[0].soft, 4096);
    assert_int_equal(hi->process->rlimits[0].hard, 4096);
}

static void test_rlimits_clamped_to_hard(void **state)
{
    /* never above what we could set without CAP_SYS_RESOURCE */
    _cleanup_config_ struct oj_config *cfg =
        cfg_with("'org.ojrun.limit.output-bytes':'5000000'", NULL);
    struct oj_limits l;
    struct oj_err err = {0};
    assert_int_equal(oj_limits_from_config(cfg, &l, &err), 0);
    assert_int_equal(oj_limits_apply_rlimits(cfg->process, &l, fake_hard, &err), 0);
    const struct oj_rlimit *f = find_rl(cfg->process, RLIMIT_FSIZE);
    assert_int_equal(f->hard, 1000000);
    assert_int_equal(f->soft, 1000000);
    /* no process: nothing to do */
    assert_int_equal(oj_limits_apply_rlimits(NULL, &l, NULL, &err), 0);
}

/* --- verdicts ---------------------------------------------------------------------------- */

static int exited(int code)
{
    return (code & 0xff) << 8;
}

static int signaled(int sig)
{
    return sig & 0x7f;
}

struct vcase {
    const char *name;
    struct oj_outcome o;
    uint64_t cpu_us, wall_us;
    enum oj_verdict want;
    int want_exit; /* -1: null */
    int want_sig;
};

static void test_verdicts(void **state)
{
    /* limits for every case: cpu 1000 ms, wall 2000 ms, output 100 bytes */
    const struct vcase cases[] = {
        {"exit 0",
         {.started = true, .have_status = true, .status = exited(0)},
         10,
         10,
         OJ_VERDICT_OK,
         0,
         0},
        {"exit 3",
         {.started = true, .have_status = true, .status = exited(3)},
         10,
         10,
         OJ_VERDICT_RE,
         3,
         0},
        {"SIGSEGV",
         {.started = true, .have_status = true, .status = signaled(SIGSEGV)},
         10,
         10,
         OJ_VERDICT_SG,
         -1,
         SIGSEGV},
        {"SIGXFSZ",
         {.started = true, .have_status = true, .status = signaled(SIGXFSZ)},
         10,
         10,
         OJ_VERDICT_OLE,
         -1,
         SIGXFSZ},
        {"SIGXCPU",
         {.started = true, .have_status = true, .status = signaled(SIGXCPU)},
         10,
         10,
         OJ_VERDICT_TLE,
         -1,
         SIGXCPU},
        {"RLIMIT_CPU hard: SIGKILL at the limit",
         {.started = true, .have_status = true, .status = signaled(SIGKILL)},
         1000000,
         1000100,
         OJ_VERDICT_TLE,
         -1,
         SIGKILL},
        {"SIGKILL below the CPU limit is SG",
         {.started = true, .have_status = true, .status = signaled(SIGKILL)},
         999999,
         1000000,
         OJ_VERDICT_SG,
         -1,
         SIGKILL},
        {"CPU timer fired",
         {.started = true, .fired = OJ_FIRED_CPU},
         1000500,
         1000600,
         OJ_VERDICT_TLE,
         -1,
         SIGKILL},
        {"wall timer fired",
         {.started = true, .fired = OJ_FIRED_WALL},
         5,
         2000100,
         OJ_VERDICT_WLE,
         -1,
         SIGKILL},
        {"OOM kill",
         {.started = true, .have_status = true, .status = signaled(SIGKILL), .oom_kills = 1},
         10,
         10,
         OJ_VERDICT_MLE,
         -1,
         SIGKILL},
        {"OOM killed a child, the program exited 0",
         {.started = true, .have_status = true, .status = exited(0), .oom_kills = 1},
         10,
         10,
         OJ_VERDICT_MLE,
         0,
         0},
        {"OOM killed the reaper (no status)",
         {.started = true, .oom_kills = 2},
         10,
         10,
         OJ_VERDICT_MLE,
         -1,
         SIGKILL},
        {"CPU over the limit at the end (between two checks)",
         {.started = true, .have_status = true, .status = exited(0)},
         1000001,
         1000001,
         OJ_VERDICT_TLE,
         0,
         0},
        {"exactly at the CPU limit is fine",
         {.started = true, .have_status = true, .status = exited(0)},
         1000000,
         1000000,
         OJ_VERDICT_OK,
         0,
         0},
        {"wall over the limit at the end",
         {.started = true, .have_status = true, .status = exited(0)},
         10,
         2000001,
         OJ_VERDICT_WLE,
         0,
         0},
        {"output file full and an error exit: OLE (SIGXFSZ ignored)",
         {.started = true, .have_status = true, .status = exited(1), .output_full = true},
         10,
         10,
         OJ_VERDICT_OLE,
         1,
         0},
        {"output file exactly full and exit 0: OK",
         {.started = true, .have_status = true, .status = exited(0), .output_full = true},
         10,
         10,
         OJ_VERDICT_OK,
         0,
         0},
        {"never started", {.started = false}, 0, 0, OJ_VERDICT_SE, -1, 0},
        {"init died without a status", {.started = true}, 10, 10, OJ_VERDICT_SE, -1, 0},
        {"sandbox error wins over everything",
         {.started = true, .fired = OJ_FIRED_CPU, .oom_kills = 1, .error = "exec: boom"},
         10,
         10,
         OJ_VERDICT_SE,
         -1,
         SIGKILL},
        /* precedence: what fired first */
        {"CPU timer fired, then OOM: TLE",
         {.started = true, .fired = OJ_FIRED_CPU, .oom_kills = 1},
         1000500,
         1000500,
         OJ_VERDICT_TLE,
         -1,
         SIGKILL},
        {"OOM (SIGKILL) with the CPU over the limit: MLE",
         {.started = true, .have_status = true, .status = signaled(SIGKILL), .oom_kills = 1},
         1500000,
         1500000,
         OJ_VERDICT_MLE,
         -1,
         SIGKILL},
        {"SIGXFSZ with the CPU over the limit: OLE",
         {.started = true, .have_status = true, .status = signaled(SIGXFSZ)},
         1500000,
         1500000,
         OJ_VERDICT_OLE,
         -1,
         SIGXFSZ},
        /* racing limits (shim-protocol.md): the memory limit fired first */
        {"CPU timer fired after the memory limit fired: MLE",
         {.started = true, .fired = OJ_FIRED_CPU, .memory_fired = true},
         1000500,
         1000600,
         OJ_VERDICT_MLE,
         -1,
         SIGKILL},
        {"wall timer fired after the memory limit fired: MLE",
         {.started = true, .fired = OJ_FIRED_WALL, .memory_fired = true},
         5,
         2000100,
         OJ_VERDICT_MLE,
         -1,
         SIGKILL},
        {"CPU timer fired, the memory limit never reached: TLE",
         {.started = true, .fired = OJ_FIRED_CPU, .memory_limit_hit = false},
         1000500,
         1000600,
         OJ_VERDICT_TLE,
         -1,
         SIGKILL},
        {"CPU timer fired, the limit refused page cache only (not binding): TLE",
         {.started = true, .fired = OJ_FIRED_CPU, .memory_limit_hit = true},
         1000500,
         1000600,
         OJ_VERDICT_TLE,
         -1,
         SIGKILL},
        {"memory limit fired, the reaper reported SIGKILL from the CPU kill: MLE",
         {.started = true,
          .fired = OJ_FIRED_CPU,
          .memory_fired = true,
          .memory_limit_hit = true,
          .have_status = true,
          .status = signaled(SIGKILL)},
         1000500,
         1000600,
         OJ_VERDICT_MLE,
         -1,
         SIGKILL},
        {"memory limit hit, program exited 0 within its limits: OK",
         {.started = true, .have_status = true, .status = exited(0), .memory_limit_hit = true},
         10,
         10,
         OJ_VERDICT_OK,
         0,
         0},
        {"sandbox error wins over a memory limit that fired",
         {.started = true, .fired = OJ_FIRED_CPU, .memory_fired = true, .error = "boom"},
         10,
         10,
         OJ_VERDICT_SE,
         -1,
         SIGKILL},
        {"CPU and wall both over at the end: TLE",
         {.started = true, .have_status = true, .status = exited(0)},
         1500000,
         2500000,
         OJ_VERDICT_TLE,
         0,
         0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct oj_result r = {.cpu_us = cases[i].cpu_us, .wall_us = cases[i].wall_us};
        r.limits.cpu_ms = (oj_opt_u64){true, 1000};
        r.limits.wall_ms = (oj_opt_u64){true, 2000};
        r.limits.output_bytes = (oj_opt_u64){true, 100};
        oj_verdict_decide(&cases[i].o, &r);
        if (r.verdict != cases[i].want)
            fail_msg("%s: verdict %s, want %s", cases[i].name, oj_verdict_name(r.verdict),
                     oj_verdict_name(cases[i].want));
        if (cases[i].want_exit < 0 ? r.has_exit_code
                                   : !r.has_exit_code || r.exit_code != cases[i].want_exit)
            fail_msg("%s: exit_code %d (has %d)", cases[i].name, r.exit_code, r.has_exit_code);
        if (r.signal != cases[i].want_sig)
            fail_msg("%s: signal %d, want %d", cases[i].name, r.signal, cases[i].want_sig);
        if ((r.verdict == OJ_VERDICT_SE) != (r.error[0] != '\0'))
            fail_msg("%s: error \"%s\" with verdict %s", cases[i].name, r.error,
                     oj_verdict_name(r.verdict));
        assert_int_equal(r.oom_killed, cases[i].o.oom_kills > 0);
        if (r.memory_limit_hit != (cases[i].o.memory_limit_hit || cases[i].o.memory_fired))
            fail_msg("%s: memory_limit_hit %d", cases[i].name, r.memory_limit_hit);
    }
}

/* --- the memory limit's counters (taskacct.c) -------------------------------------------- */

#define MiB   (UINT64_C(1) << 20)
#define BATCH (64 * 4096)

/* counters of a task under a 256 MiB limit with memsw = limit (v1 as judges set it) */
static struct oj_task_counters mem_at(uint64_t usage, uint64_t file, uint64_t peak,
                                      uint64_t failcnt)
{
    return (struct oj_task_counters){.has_memory = true,
                                     .mem_usage = usage,
                                     .mem_file = file,
                                     .mem_peak = peak,
                                     .memsw_peak = peak,
                                     .mem_failcnt = failcnt,
                                     .mem_limit = 256 * MiB,
                                     .memsw_limit = 256 * MiB};
}

static void test_memory_limit_reached(void **state)
{
    struct oj_task_counters base = mem_at(512 * 1024, 0, 512 * 1024, 7);
    /* the charge counter grew (v1 memory.failcnt / v2 memory.events max) */
    struct oj_task_counters c = mem_at(100 * MiB, 0, 100 * MiB, 8);
    assert_true(oj_memory_limit_reached(&base, &c, BATCH));
    /* unchanged since the baseline, far from the limit: not reached */
    c = mem_at(200 * MiB, 0, 200 * MiB, 7);
    assert_false(oj_memory_limit_reached(&base, &c, BATCH));
    /* peak one page short of the limit: the next batched charge was refused
     * (v1 with a memsw limit: failcnt never counts it) */
    c = mem_at(256 * MiB - 4096, 0, 256 * MiB - 4096, 7);
    assert_true(oj_memory_limit_reached(&base, &c, BATCH));
    /* one batch below: a batched charge still fits */
    c = mem_at(256 * MiB - BATCH, 0, 256 * MiB - BATCH, 7);
    assert_false(oj_memory_limit_reached(&base, &c, BATCH));
    /* the memory+swap peak alone (memory swapped out under a lower memsw limit) */
    c = mem_at(100 * MiB, 0, 100 * MiB, 7);
    c.memsw_limit = 128 * MiB;
    c.memsw_peak = 128 * MiB;
    assert_true(oj_memory_limit_reached(&base, &c, BATCH));
    /* no limit at all: a huge peak is not a limit reached */
    c = mem_at(300 * MiB, 0, 300 * MiB, 7);
    c.mem_limit = c.memsw_limit = OJ_MEM_NO_LIMIT;
    assert_false(oj_memory_limit_reached(&base, &c, BATCH));
    /* no memory accounting: never */
    c = mem_at(256 * MiB, 0, 256 * MiB, 9);
    c.has_memory = false;
    assert_false(oj_memory_limit_reached(&base, &c, BATCH));
}

static void test_memory_limit_binding(void **state)
{
    /* a memory bomb at the limit: all anonymous */
    struct oj_task_counters c = mem_at(256 * MiB, 0, 256 * MiB, 0);
    assert_true(oj_memory_limit_binding(&c));
    /* the bomb with some text still in page cache: within limit/8 (32 MiB) */
    c = mem_at(256 * MiB, 30 * MiB, 256 * MiB, 0);
    assert_true(oj_memory_limit_binding(&c));
    c = mem_at(256 * MiB, 33 * MiB, 256 * MiB, 0);
    assert_false(oj_memory_limit_binding(&c));
    /* output written to a file filled the limit: reclaim gives it back */
    c = mem_at(256 * MiB, 250 * MiB, 256 * MiB, 40);
    assert_false(oj_memory_limit_binding(&c));
    /* a task far below its limit */
    c = mem_at(64 * MiB, 0, 64 * MiB, 0);
    assert_false(oj_memory_limit_binding(&c));
    /* small limits: a 4 MiB floor (16 MiB limit, limit/8 would be 2 MiB) */
    c = mem_at(13 * MiB, 0, 13 * MiB, 0);
    c.mem_limit = c.memsw_limit = 16 * MiB;
    assert_true(oj_memory_limit_binding(&c));
    c.mem_usage = 12 * MiB - 1;
    assert_false(oj_memory_limit_binding(&c));
    /* the lower of the two limits counts (memsw below memory) */
    c = mem_at(120 * MiB, 0, 120 * MiB, 0);
    c.memsw_limit = 128 * MiB;
    assert_true(oj_memory_limit_binding(&c));
    /* no limit */
    c = mem_at(1024 * MiB, 0, 1024 * MiB, 0);
    c.mem_limit = c.memsw_limit = OJ_MEM_NO_LIMIT;
    assert_false(oj_memory_limit_binding(&c));
}

/* What the supervisor decides when a timer fires: counters -> outcome -> verdict. */
static enum oj_verdict at_timer(enum oj_fired kind, const struct oj_task_counters *base,
                                const struct oj_task_counters *now)
{
    struct oj_outcome o = {.started = true, .fired = kind};
    o.memory_fired = oj_memory_limit_reached(base, now, BATCH) && oj_memory_limit_binding(now);
    struct oj_result r = {.cpu_us = 1000500, .wall_us = 2000100};
    r.limits.cpu_ms = (oj_opt_u64){true, 1000};
    r.limits.wall_ms = (oj_opt_u64){true, 2000};
    oj_verdict_decide(&o, &r);
    return r.verdict;
}

static void test_racing_limits(void **state)
{
    struct oj_task_counters base = mem_at(512 * 1024, 0, 512 * 1024, 3);
    /* failcnt grew and the bomb sits at the limit, CPU timer fires: MLE */
    struct oj_task_counters bomb = mem_at(256 * MiB - 8192, 1 * MiB, 256 * MiB - 8192, 20);
    assert_int_equal(at_timer(OJ_FIRED_CPU, &base, &bomb), OJ_VERDICT_MLE);
    assert_int_equal(at_timer(OJ_FIRED_WALL, &base, &bomb), OJ_VERDICT_MLE);
    /* the same with memsw refusing (failcnt unchanged, the peak at the limit) */
    bomb.mem_failcnt = 3;
    bomb.mem_peak = bomb.memsw_peak = 256 * MiB;
    assert_int_equal(at_timer(OJ_FIRED_CPU, &base, &bomb), OJ_VERDICT_MLE);
    /* CPU fired with the counters unchanged: TLE; wall: WLE */
    struct oj_task_counters spin = mem_at(1 * MiB, 0, 1 * MiB, 3);
    assert_int_equal(at_timer(OJ_FIRED_CPU, &base, &spin), OJ_VERDICT_TLE);
    assert_int_equal(at_timer(OJ_FIRED_WALL, &base, &spin), OJ_VERDICT_WLE);
    /* a bomb on its way, 200 of 256 MiB, when the CPU timer fires: TLE */
    struct oj_task_counters slow = mem_at(200 * MiB, 0, 200 * MiB, 3);
    assert_int_equal(at_timer(OJ_FIRED_CPU, &base, &slow), OJ_VERDICT_TLE);
    /* output in page cache filled the limit, then a spin: TLE */
    struct oj_task_counters cache = mem_at(256 * MiB, 240 * MiB, 256 * MiB, 900);
    assert_int_equal(at_timer(OJ_FIRED_CPU, &base, &cache), OJ_VERDICT_TLE);
    /* the OOM kill itself: MLE without any timer */
    struct oj_outcome o = {
        .started = true, .have_status = true, .status = signaled(SIGKILL), .oom_kills = 1};
    struct oj_result r = {.cpu_us = 10};
    oj_verdict_decide(&o, &r);
    assert_int_equal(r.verdict, OJ_VERDICT_MLE);
}

/* A fake cgroup: one directory for memory (v1 hierarchy or cgroup2). */
struct fake_cg {
    char dir[64];
    struct oj_cg_dir d;
    struct oj_cgroup cg;
};

static void fake_cg_init(struct fake_cg *f, bool v2)
{
    snprintf(f->dir, sizeof(f->dir), "/tmp/oj-test-limits-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    f->d = (struct oj_cg_dir){.v2 = v2, .controllers = v2 ? "memory" : "memory", .path = f->dir};
    f->cg = (struct oj_cgroup){.dirs = &f->d, .n = 1, .v2_fd = -1};
}

static void put(const struct fake_cg *f, const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/%s", f->dir, name);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    assert_int_equal(fclose(fp), 0);
}

static void fake_cg_free(struct fake_cg *f)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    assert_int_equal(system(cmd), 0);
}

static void test_taskacct_memory_v1(void **state)
{
    struct fake_cg f;
    fake_cg_init(&f, false);
    put(&f, "memory.usage_in_bytes", "268431360\n");
    put(&f, "memory.max_usage_in_bytes", "268435456\n");
    put(&f, "memory.oom_control", "oom_kill_disable 1\nunder_oom 1\noom_kill 0\n");
    put(&f, "memory.failcnt", "12\n");
    put(&f, "memory.limit_in_bytes", "268435456\n");
    put(&f, "memory.memsw.limit_in_bytes", "268435456\n");
    put(&f, "memory.memsw.max_usage_in_bytes", "268435456\n");
    put(&f, "memory.stat",
        "cache 4096\nrss 268000000\nactive_file 1\ninactive_file 2\n"
        "total_cache 8192\ntotal_rss 268000000\ntotal_active_file 4096\n"
        "total_inactive_file 8192\n");
    struct oj_taskacct a;
    struct oj_err err = {0};
    if (oj_taskacct_open(&a, &f.cg, &err) < 0)
        fail_msg("open: %s", err.msg);
    struct oj_task_counters c;
    if (oj_taskacct_read(&a, &c, &err) < 0)
        fail_msg("read: %s", err.msg);
    assert_true(c.has_memory);
    assert_int_equal(c.mem_usage, 268431360);
    assert_int_equal(c.mem_peak, 268435456);
    assert_int_equal(c.mem_failcnt, 12);
    assert_int_equal(c.mem_limit, 268435456);
    assert_int_equal(c.memsw_limit, 268435456);
    assert_int_equal(c.memsw_peak, 268435456);
    assert_int_equal(c.mem_file, 4096 + 8192); /* the total_ (hierarchical) keys */
    assert_int_equal(c.oom_kills, 0);
    /* the baseline resets both high-water marks ("0", memory.rst 5.4) */
    assert_int_equal(oj_taskacct_reset_peak(&a, &err), 0);
    char buf[16] = "";
    int fd = open(f.dir, O_RDONLY | O_DIRECTORY);
    assert_true(fd >= 0);
    int pf = openat(fd, "memory.memsw.max_usage_in_bytes", O_RDONLY);
    assert_true(pf >= 0);
    assert_true(read(pf, buf, sizeof(buf) - 1) >= 1);
    assert_int_equal(buf[0], '0');
    close(pf);
    close(fd);
    /* unlimited, and no swap accounting (no memsw files) */
    oj_taskacct_close(&a);
    put(&f, "memory.limit_in_bytes", "9223372036854771712\n");
    char path[128];
    snprintf(path, sizeof(path), "%s/memory.memsw.limit_in_bytes", f.dir);
    assert_int_equal(unlink(path), 0);
    snprintf(path, sizeof(path), "%s/memory.memsw.max_usage_in_bytes", f.dir);
    assert_int_equal(unlink(path), 0);
    if (oj_taskacct_open(&a, &f.cg, &err) < 0)
        fail_msg("open: %s", err.msg);
    assert_int_equal(oj_taskacct_read(&a, &c, &err), 0);
    assert_int_equal(c.memsw_limit, OJ_MEM_NO_LIMIT);
    assert_int_equal(c.memsw_peak, 0);
    struct oj_task_counters base = c;
    assert_false(oj_memory_limit_reached(&base, &c, BATCH));
    assert_false(oj_memory_limit_binding(&c));
    /* a garbled counter is an error naming the file */
    put(&f, "memory.failcnt", "x\n");
    assert_int_equal(oj_taskacct_read(&a, &c, &err), -1);
    assert_non_null(strstr(err.msg, "memory.failcnt"));
    oj_taskacct_close(&a);
    fake_cg_free(&f);
}

static void test_taskacct_memory_v2(void **state)
{
    struct fake_cg f;
    fake_cg_init(&f, true);
    put(&f, "memory.current", "1048576\n");
    put(&f, "memory.peak", "2097152\n");
    put(&f, "memory.events", "low 0\nhigh 0\nmax 5\noom 0\noom_kill 0\noom_group_kill 0\n");
    put(&f, "memory.max", "max\n");
    put(&f, "memory.stat",
        "anon 1000\nfile 9999\nactive_anon 1\ninactive_anon 2\n"
        "active_file 300\ninactive_file 400\n");
    put(&f, "cpu.stat", "usage_usec 10\nuser_usec 6\nsystem_usec 4\n");
    struct oj_taskacct a;
    struct oj_err err = {0};
    if (oj_taskacct_open(&a, &f.cg, &err) < 0)
        fail_msg("open: %s", err.msg);
    struct oj_task_counters c;
    if (oj_taskacct_read(&a, &c, &err) < 0)
        fail_msg("read: %s", err.msg);
    assert_int_equal(c.mem_failcnt, 5); /* memory.events "max", not "oom" or "high" */
    assert_int_equal(c.mem_limit, OJ_MEM_NO_LIMIT);
    assert_int_equal(c.memsw_limit, OJ_MEM_NO_LIMIT);
    assert_int_equal(c.mem_file, 700); /* the file LRUs, not "file" (which has shmem) */
    struct oj_task_counters base = c;
    /* "max" grows: the limit refused a charge */
    put(&f, "memory.max", "4194304\n");
    put(&f, "memory.current", "4194304\n");
    put(&f, "memory.events", "low 0\nhigh 0\nmax 6\noom 0\noom_kill 0\noom_group_kill 0\n");
    assert_int_equal(oj_taskacct_read(&a, &c, &err), 0);
    assert_int_equal(c.mem_limit, 4194304);
    assert_true(oj_memory_limit_reached(&base, &c, BATCH));
    assert_true(oj_memory_limit_binding(&c));
    oj_taskacct_close(&a);
    fake_cg_free(&f);
}

static void test_verdict_no_limits(void **state)
{
    /* without limits, huge figures are not TLE/WLE */
    struct oj_outcome o = {.started = true, .have_status = true, .status = signaled(SIGKILL)};
    struct oj_result r = {.cpu_us = UINT64_C(1) << 40, .wall_us = UINT64_C(1) << 40};
    oj_verdict_decide(&o, &r);
    assert_int_equal(r.verdict, OJ_VERDICT_SG);
    o.status = exited(0);
    o.output_full = true; /* no output limit: meaningless */
    oj_verdict_decide(&o, &r);
    assert_int_equal(r.verdict, OJ_VERDICT_OK);
}

/* --- the result document ---------------------------------------------------------------- */

static oj_json *parse_result(const struct oj_result *r, const char *id)
{
    struct strbuf sb = {0};
    oj_result_json(id, r, &sb);
    assert_false(sb.oom);
    assert_null(strchr(sb_str(&sb), '\n')); /* one line */
    struct oj_err err = {0};
    oj_json *doc = oj_json_parse(sb_str(&sb), sb.len, "result", &err);
    if (!doc)
        fail_msg("%s: %s", err.msg, sb_str(&sb));
    sb_free(&sb);
    return doc;
}

static int64_t geti(const oj_json *o, const char *k)
{
    int64_t v = -12345;
    if (!oj_json_i64(oj_json_get(o, k), &v))
        fail_msg("%s is not an integer", k);
    return v;
}

static void test_result_json(void **state)
{
    struct oj_result r = {
        .verdict = OJ_VERDICT_RE,
        .has_exit_code = true,
        .exit_code = 3,
        .cpu_us = 200123,
        .user_us = 150000,
        .sys_us = 50123,
        .wall_us = 250000,
        .memory_peak_bytes = 1 << 20,
        .pids_peak = 5,
    };
    r.limits.cpu_ms = (oj_opt_u64){true, 1000};
    r.limits.memory_bytes = (oj_opt_u64){true, 1 << 26};
    oj_json *d = parse_result(&r, "task-\"1\"");
    const char *s;
    assert_int_equal(geti(d, "version"), 1);
    assert_true(oj_json_str(oj_json_get(d, "id"), &s));
    assert_string_equal(s, "task-\"1\"");
    assert_true(oj_json_str(oj_json_get(d, "verdict"), &s));
    assert_string_equal(s, "RE");
    assert_int_equal(geti(d, "exit_code"), 3);
    assert_true(oj_json_is_null(oj_json_get(d, "signal")));
    assert_int_equal(geti(d, "cpu_us"), 200123);
    assert_int_equal(geti(d, "user_us"), 150000);
    assert_int_equal(geti(d, "sys_us"), 50123);
    assert_int_equal(geti(d, "wall_us"), 250000);
    assert_int_equal(geti(d, "memory_peak_bytes"), 1 << 20);
    assert_int_equal(geti(d, "pids_peak"), 5);
    bool b = true;
    assert_true(oj_json_bool(oj_json_get(d, "oom_killed"), &b));
    assert_false(b);
    b = true;
    assert_true(oj_json_bool(oj_json_get(d, "memory_limit_hit"), &b));
    assert_false(b);
    const oj_json *l = oj_json_get(d, "limits");
    assert_int_equal(geti(l, "cpu_ms"), 1000);
    assert_true(oj_json_is_null(oj_json_get(l, "wall_ms")));
    assert_int_equal(geti(l, "memory_bytes"), 1 << 26);
    assert_true(oj_json_is_null(oj_json_get(l, "output_bytes")));
    assert_true(oj_json_is_null(oj_json_get(d, "error")));
    /* every documented field, nothing else */
    static const char *const keys[] = {
        "version",   "id",     "verdict", "exit_code",         "signal",     "cpu_us",
        "user_us",   "sys_us", "wall_us", "memory_peak_bytes", "oom_killed", "memory_limit_hit",
        "pids_peak", "limits", "error"};
    assert_int_equal(oj_json_len(d), sizeof(keys) / sizeof(keys[0]));
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        assert_string_equal(oj_json_key_at(d, i), keys[i]);
    oj_json_free(d);
}

static void test_result_json_signals_and_error(void **state)
{
    struct oj_result r = {.verdict = OJ_VERDICT_SG, .signal = SIGSEGV};
    oj_json *d = parse_result(&r, "x");
    const char *s;
    assert_true(oj_json_str(oj_json_get(d, "signal"), &s));
    assert_string_equal(s, "SIGSEGV");
    assert_true(oj_json_is_null(oj_json_get(d, "exit_code")));
    oj_json_free(d);

    r.signal = SIGRTMIN + 2;
    d = parse_result(&r, "x");
    assert_true(oj_json_str(oj_json_get(d, "signal"), &s));
    assert_string_equal(s, "SIGRTMIN+2");
    oj_json_free(d);

    r = (struct oj_result){.verdict = OJ_VERDICT_SE};
    snprintf(r.error, sizeof(r.error), "exec: \"/bin/x\": No such file or directory");
    d = parse_result(&r, "x");
    assert_true(oj_json_str(oj_json_get(d, "error"), &s));
    assert_string_equal(s, "exec: \"/bin/x\": No such file or directory");
    assert_true(oj_json_str(oj_json_get(d, "verdict"), &s));
    assert_string_equal(s, "SE");
    oj_json_free(d);
}

static void test_verdict_names(void **state)
{
    static const char *const want[] = {"OK", "RE", "SG", "TLE", "WLE", "MLE", "OLE", "SE"};
    for (int v = OJ_VERDICT_OK; v <= OJ_VERDICT_SE; v++)
        assert_string_equal(oj_verdict_name((enum oj_verdict)v), want[v]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limits_valid),
        cmocka_unit_test(test_limits_absent),
        cmocka_unit_test(test_limits_invalid),
        cmocka_unit_test(test_result_socket_annotation),
        cmocka_unit_test(test_rlimits_added),
        cmocka_unit_test(test_rlimits_only_lowered),
        cmocka_unit_test(test_rlimits_clamped_to_hard),
        cmocka_unit_test(test_verdicts),
        cmocka_unit_test(test_verdict_no_limits),
        cmocka_unit_test(test_memory_limit_reached),
        cmocka_unit_test(test_memory_limit_binding),
        cmocka_unit_test(test_racing_limits),
        cmocka_unit_test(test_taskacct_memory_v1),
        cmocka_unit_test(test_taskacct_memory_v2),
        cmocka_unit_test(test_result_json),
        cmocka_unit_test(test_result_json_signals_and_error),
        cmocka_unit_test(test_verdict_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
