/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the judge-task limits (shim/limits.c), the verdict
 * precedence and the result JSON (shim/result.c): the parts of the
 * supervisor that are pure functions of their input.  test_supervise.c runs
 * the real thing.
 */
#include "config_test_helpers.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "json.h"
#include "supervise.h"

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
    }
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
    const oj_json *l = oj_json_get(d, "limits");
    assert_int_equal(geti(l, "cpu_ms"), 1000);
    assert_true(oj_json_is_null(oj_json_get(l, "wall_ms")));
    assert_int_equal(geti(l, "memory_bytes"), 1 << 26);
    assert_true(oj_json_is_null(oj_json_get(l, "output_bytes")));
    assert_true(oj_json_is_null(oj_json_get(d, "error")));
    /* every documented field, nothing else */
    static const char *const keys[] = {
        "version", "id",      "verdict",           "exit_code",  "signal",    "cpu_us", "user_us",
        "sys_us",  "wall_us", "memory_peak_bytes", "oom_killed", "pids_peak", "limits", "error"};
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
        cmocka_unit_test(test_result_json),
        cmocka_unit_test(test_result_json_signals_and_error),
        cmocka_unit_test(test_verdict_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
