/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The pure parts of the judging engine (worker/judge/engine*.c): CPU lists
 * and slots, limits asked by a submission against the problem's caps, the
 * verdict rules (run, checker, interactive, compile), the result JSON, and
 * the plan that lets tests run in parallel while the verdict stays that of
 * judging them in order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine_internal.h"
#include "problem.h"
#include "score.h"
#include "strbuf.h"

/* Tests 1..n; problem.json text `json` (NULL: none). */
static void load(struct oj_problem *p, size_t n, const char *json)
{
    *p = (struct oj_problem){.cpu_ms = 1000, .wall_ms = 3000, .memory_mb = 256, .output_kb = 64};
    p->tests = calloc(n + 1, sizeof(char *));
    assert_non_null(p->tests);
    for (size_t i = 0; i < n; i++)
        assert_int_not_equal(asprintf(&p->tests[i], "%zu", i + 1), -1);
    p->n_tests = n;
    struct oj_err err = {0};
    if (json && oj_problem_parse(p, json, strlen(json), "problem.json", false, &err) < 0)
        fail_msg("%s", err.msg);
}

static void test_parse_cpus(void **state)
{
    (void)state;
    struct oj_err err = {0};
    int *c = NULL;
    size_t n = 0;
    assert_int_equal(oj_engine_parse_cpus("0-3", &c, &n, &err), 0);
    assert_int_equal(n, 4);
    assert_int_equal(c[0], 0);
    assert_int_equal(c[3], 3);
    free(c);
    assert_int_equal(oj_engine_parse_cpus("5,1,3-4,1", &c, &n, &err), 0);
    assert_int_equal(n, 4); /* sorted, without the duplicate */
    assert_int_equal(c[0], 1);
    assert_int_equal(c[1], 3);
    assert_int_equal(c[2], 4);
    assert_int_equal(c[3], 5);
    free(c);
    const char *bad[] = {"", "a", "3-1", "1,", "1-", "-1", "1;2", "99999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        c = NULL;
        assert_int_equal(oj_engine_parse_cpus(bad[i], &c, &n, &err), -1);
        assert_null(c);
        assert_non_null(strstr(err.msg, "cpus"));
    }
}

static void test_assign_cpus(void **state)
{
    (void)state;
    const int cpus[] = {2, 5};
    int slot_cpu[5];
    oj_engine_assign_cpus(cpus, 2, 5, slot_cpu);
    const int want[] = {2, 5, 2, 5, 2}; /* more slots than CPUs: they repeat */
    assert_memory_equal(slot_cpu, want, sizeof(want));
    oj_engine_assign_cpus(cpus, 2, 1, slot_cpu);
    assert_int_equal(slot_cpu[0], 2);
}

static void test_slots(void **state)
{
    (void)state;
    bool busy[3] = {false};
    int cpu[3] = {0, 1, 0};
    struct oj_engine e = {.n_slots = 3, .slot_busy = busy, .slot_cpu = cpu};
    assert_int_equal(oj_engine_free_slots(&e), 3);
    assert_int_equal(oj_engine_slot_take(&e), 0);
    assert_int_equal(oj_engine_slot_take(&e), 1);
    assert_int_equal(oj_engine_slot_take(&e), 2);
    assert_int_equal(oj_engine_slot_take(&e), -1);
    assert_int_equal(oj_engine_free_slots(&e), 0);
    oj_engine_slot_put(&e, 1);
    oj_engine_slot_put(&e, 1); /* twice: no effect */
    oj_engine_slot_put(&e, -1);
    assert_int_equal(oj_engine_free_slots(&e), 1);
    assert_int_equal(oj_engine_slot_take(&e), 1);
}

static void test_limits(void **state)
{
    (void)state;
    struct oj_problem p;
    load(&p, 1,
         "{\"cpu_ms\": 1000, \"wall_ms\": 3000, \"memory_mb\": 256, "
         "\"time_factor\": {\"python\": 2}}");
    struct oj_err err = {0};
    int64_t l[3];
    assert_int_equal(oj_engine_limits(&p, "c", 0, 0, 0, l, &err), 0);
    assert_int_equal(l[0], 1000);
    assert_int_equal(l[1], 3000);
    assert_int_equal(l[2], 256);
    assert_int_equal(oj_engine_limits(&p, "c", 500, 3000, 64, l, &err), 0);
    assert_int_equal(l[0], 500);
    assert_int_equal(l[2], 64);
    /* the caps are the problem's limits after the language's time factor */
    assert_int_equal(oj_engine_limits(&p, "python", 2000, 6000, 0, l, &err), 0);
    assert_int_equal(oj_engine_limits(&p, "c", 1001, 0, 0, l, &err), -1);
    assert_string_equal(err.msg, "cpu_ms 1001: more than the problem's 1000: Invalid argument");
    assert_int_equal(oj_engine_limits(&p, "c", 0, 3001, 0, l, &err), -1);
    assert_non_null(strstr(err.msg, "wall_ms 3001"));
    assert_int_equal(oj_engine_limits(&p, "c", 0, 0, 257, l, &err), -1);
    assert_non_null(strstr(err.msg, "memory_mb 257"));
    assert_int_equal(oj_engine_limits(&p, "c", -1, 0, 0, l, &err), -1);
    oj_problem_clear(&p);
}

static void test_run_verdict(void **state)
{
    (void)state;
    assert_string_equal(oj_engine_run_verdict("TLE"), "TLE");
    assert_string_equal(oj_engine_run_verdict("WLE"), "TLE");
    assert_string_equal(oj_engine_run_verdict("RE"), "RE");
    assert_string_equal(oj_engine_run_verdict("SG"), "RE");
    assert_string_equal(oj_engine_run_verdict("MLE"), "MLE");
    assert_string_equal(oj_engine_run_verdict("OLE"), "OLE");
    assert_string_equal(oj_engine_run_verdict("SE"), "SE");
    assert_string_equal(oj_engine_run_verdict("??"), "SE");
}

static void check_prog(const char *tv, int exit_code, int sig, const char *msg, const char *want_v,
                       double want_f, const char *want_msg)
{
    ojrun_result r = {.has_exit_code = exit_code >= 0, .exit_code = exit_code, .signal = sig};
    snprintf(r.error, sizeof(r.error), "boom");
    struct oj_prog_verdict v;
    oj_engine_prog_verdict(tv, &r, msg, "checker", &v);
    assert_string_equal(v.verdict, want_v);
    assert_true(v.fraction == want_f);
    assert_string_equal(v.msg, want_msg);
}

static void test_prog_verdict(void **state)
{
    (void)state;
    check_prog("OK", 0, 0, "fine", "AC", 1, "fine");
    check_prog("RE", 1, 0, "wrong", "WA", 0, "wrong");
    check_prog("RE", 2, 0, "layout", "PE", 0, "layout");
    check_prog("RE", 7, 0, "points 0.25", "PC", 0.25, "points 0.25");
    check_prog("RE", 7, 0, "points 1", "PC", 1, "points 1");
    check_prog("RE", 7, 0, "points 2", "SE", 0,
               "checker: exit status 7 without \"points P\" (0 <= P <= 1) on its first line");
    check_prog("RE", 7, 0, "points .5", "SE", 0,
               "checker: exit status 7 without \"points P\" (0 <= P <= 1) on its first line");
    check_prog("RE", 3, 0, "broken test", "SE", 0, "checker failed: broken test");
    check_prog("RE", 4, 0, "", "SE", 0, "checker: RE (exit status 4)");
    check_prog("SG", -1, 11, "", "SE", 0, "checker: SG (SIGSEGV)");
    check_prog("SE", -1, 0, "", "SE", 0, "checker: boom");
    check_prog("TLE", -1, 9, "", "SE", 0, "checker: TLE (SIGKILL)");
}

static void test_sanitize(void **state)
{
    (void)state;
    char out[256];
    oj_engine_sanitize("ok\tthen\nsecond", 14, out, sizeof(out));
    assert_string_equal(out, "ok?then");
    char big[300];
    memset(big, 'x', sizeof(big));
    oj_engine_sanitize(big, sizeof(big), out, sizeof(out));
    assert_int_equal(strlen(out), 200);
    oj_engine_sanitize("\xc3\xa9", 2, out, sizeof(out));
    assert_string_equal(out, "??");
}

static void check_inter(const char *iv, uint64_t iwall, const char *pv, uint64_t pwall, int sig,
                        const char *want_v, const char *want_msg)
{
    struct oj_prog_verdict in = {.fraction = strcmp(iv, "AC") == 0};
    snprintf(in.verdict, sizeof(in.verdict), "%s", iv);
    snprintf(in.msg, sizeof(in.msg), "interactor says");
    ojrun_result prog = {.wall_us = pwall, .signal = sig};
    snprintf(prog.error, sizeof(prog.error), "sandbox");
    struct oj_prog_verdict v;
    oj_engine_interactive_verdict(&in, iwall, pv, &prog, &v);
    assert_string_equal(v.verdict, want_v);
    assert_string_equal(v.msg, want_msg);
}

static void test_interactive_verdict(void **state)
{
    (void)state;
    check_inter("AC", 1000, "OK", 1000, 0, "AC", "interactor says");
    check_inter("WA", 1000, "OK", 1000, 0, "WA", "interactor says");
    check_inter("SE", 1000, "OK", 1000, 0, "SE", "interactor says");
    check_inter("AC", 1000, "SE", 1000, 0, "SE", "sandbox");
    /* a crash after WA: the interactor went away */
    check_inter("WA", 1000, "RE", 2000, 13, "WA", "interactor says");
    check_inter("AC", 1000, "RE", 2000, 11, "RE", "killed by SIGSEGV");
    /* a limit after a WA well before it: the WA; together: the limit */
    check_inter("WA", 100000, "TLE", 1000000, 9, "WA", "interactor says");
    check_inter("WA", 2990000, "WLE", 3000000, 9, "WLE", "");
    check_inter("AC", 1000, "TLE", 1000000, 9, "TLE", "");
}

static void test_compile_verdict(void **state)
{
    (void)state;
    struct strbuf m = {0};
    assert_string_equal(oj_engine_compile_verdict("OK", "", "", 0, 0, &m), "OK");
    assert_string_equal(sb_str(&m), "");
    assert_string_equal(oj_engine_compile_verdict("RE", "", "err\n", 4, 4, &m), "CE");
    assert_string_equal(sb_str(&m), "err\n");
    sb_free(&m);
    assert_string_equal(oj_engine_compile_verdict("WLE", "", "x", 1, 1, &m), "CE");
    assert_string_equal(sb_str(&m), "compilation time limit exceeded\nx");
    sb_free(&m);
    assert_string_equal(oj_engine_compile_verdict("MLE", "", "", 0, 0, &m), "CE");
    assert_string_equal(sb_str(&m), "compilation memory limit exceeded\n");
    sb_free(&m);
    assert_string_equal(oj_engine_compile_verdict("SE", "create: no", "x", 1, 1, &m), "SE");
    assert_string_equal(sb_str(&m), "create: no");
    sb_free(&m);
    /* cut to 4096 bytes, with the size */
    static char log[OJ_ENGINE_MESSAGE_BYTES];
    memset(log, 'e', sizeof(log));
    assert_string_equal(oj_engine_compile_verdict("RE", "", log, sizeof(log), 10000, &m), "CE");
    assert_int_equal(m.len, OJ_ENGINE_MESSAGE_BYTES + strlen("\n[... 10000 bytes in all]"));
    assert_non_null(strstr(sb_str(&m), "e\n[... 10000 bytes in all]"));
    sb_free(&m);
}

/* Judge with `slots` tasks at once, tasks ending in an order given by
 * `seed`; `verdicts` one per test.  The committed results must be those
 * of judging in order (oj_score_next() alone). */
static void parallel(const struct oj_problem *p, const char *const *verdicts, unsigned slots,
                     unsigned seed, char *order, size_t size)
{
    size_t n = p->n_tests;
    struct oj_test_result *committed = calloc(n, sizeof(*committed)),
                          *done = calloc(n, sizeof(*done)), *hypo = calloc(n, sizeof(*hypo));
    enum oj_test_state *st = calloc(n, sizeof(*st));
    bool *needed = calloc(n, sizeof(*needed));
    size_t *running = calloc(n, sizeof(*running)), n_running = 0;
    assert_true(committed && done && hypo && st && needed && running);
    order[0] = '\0';
    for (int guard = 0; guard < 1000; guard++) {
        /* start what the plan says while slots are free */
        ssize_t t;
        while (n_running < slots && (t = oj_engine_plan(p, committed, st, done, hypo, NULL)) >= 0) {
            st[t] = OJ_TEST_ACTIVE;
            running[n_running++] = (size_t)t;
        }
        if (n_running == 0)
            break;
        /* one of them ends */
        seed = seed * 1103515245u + 12345u;
        size_t k = (seed >> 8) % n_running, e = running[k];
        running[k] = running[--n_running];
        assert_int_equal(oj_score_record(&done[e], verdicts[e], 0, NULL), 0);
        st[e] = OJ_TEST_DONE;
        /* commit in order */
        while ((t = oj_score_next(p, committed)) >= 0 && st[t] == OJ_TEST_DONE) {
            committed[t] = done[t];
            st[t] = OJ_TEST_COMMITTED;
            strncat(order, p->tests[t], size - strlen(order) - 1);
        }
        /* cancel the moot */
        oj_engine_plan(p, committed, st, done, hypo, needed);
        for (size_t i = 0; i < n_running; i++)
            if (!needed[running[i]]) {
                st[running[i]] = OJ_TEST_IDLE;
                running[i--] = running[--n_running];
            }
        for (size_t i = 0; i < n; i++)
            if (st[i] == OJ_TEST_DONE && !needed[i])
                st[i] = OJ_TEST_IDLE;
    }
    assert_int_equal(n_running, 0);
    assert_true(oj_score_next(p, committed) < 0);
    free(committed);
    free(done);
    free(hypo);
    free(st);
    free(needed);
    free(running);
}

static void sequential(const struct oj_problem *p, const char *const *verdicts, char *order,
                       size_t size)
{
    struct oj_test_result *res = calloc(p->n_tests, sizeof(*res));
    assert_non_null(res);
    order[0] = '\0';
    ssize_t t;
    while ((t = oj_score_next(p, res)) >= 0) {
        assert_int_equal(oj_score_record(&res[t], verdicts[t], 0, NULL), 0);
        strncat(order, p->tests[t], size - strlen(order) - 1);
    }
    free(res);
}

static void test_plan_same_as_in_order(void **state)
{
    (void)state;
    struct oj_problem p;
    load(&p, 6,
         "{\"groups\": [{\"name\": \"easy\", \"points\": 20, \"tests\": [\"1\", \"2\"]},"
         " {\"name\": \"mid\", \"points\": 30, \"tests\": [\"3\", \"4\", \"5\"], \"depends\": "
         "[\"easy\"]},"
         " {\"name\": \"hard\", \"points\": 50, \"tests\": [\"6\"], \"depends\": [\"mid\"]},"
         " {\"name\": \"alone\", \"points\": 7, \"tests\": [\"6\", \"1\"]}]}");
    const char *const cases[][6] = {
        {"AC", "AC", "AC", "AC", "AC", "AC"}, {"AC", "AC", "AC", "WA", "AC", "AC"},
        {"WA", "AC", "AC", "AC", "AC", "AC"}, {"AC", "TLE", "AC", "AC", "RE", "AC"},
        {"AC", "AC", "AC", "AC", "WA", "WA"},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        char want[32], got[32];
        sequential(&p, cases[c], want, sizeof(want));
        for (unsigned slots = 1; slots <= 4; slots++)
            for (unsigned seed = 0; seed < 20; seed++) {
                parallel(&p, cases[c], slots, seed, got, sizeof(got));
                if (strcmp(want, got) != 0)
                    fail_msg("case %zu, %u slots, seed %u: judged %s, in order %s", c, slots, seed,
                             got, want);
            }
    }
    oj_problem_clear(&p);
    /* without groups every test is judged, whatever fails */
    load(&p, 4, NULL);
    const char *const v[] = {"WA", "AC", "TLE", "AC"};
    char got[32];
    parallel(&p, v, 3, 7, got, sizeof(got));
    assert_string_equal(got, "1234");
    oj_problem_clear(&p);
}

static void test_plan_speculates(void **state)
{
    (void)state;
    struct oj_problem p;
    load(&p, 3,
         "{\"groups\": [{\"name\": \"g\", \"points\": 1, \"tests\": [\"1\", \"2\", "
         "\"3\"]}]}");
    struct oj_test_result committed[3] = {0}, done[3] = {0}, hypo[3];
    enum oj_test_state st[3] = {OJ_TEST_ACTIVE, OJ_TEST_IDLE, OJ_TEST_IDLE};
    bool needed[3];
    /* test 1 running: test 2 is next, as if 1 passed */
    assert_int_equal(oj_engine_plan(&p, committed, st, done, hypo, needed), 1);
    assert_true(needed[0] && needed[1] && needed[2]);
    /* test 2 done with WA while 1 runs: 3 is moot unless ... it is not
     * reached in order (the group stops at 2), so nothing to start */
    st[1] = OJ_TEST_DONE;
    oj_score_record(&done[1], "WA", 0, NULL);
    assert_int_equal(oj_engine_plan(&p, committed, st, done, hypo, needed), -1);
    assert_true(needed[0] && needed[1] && !needed[2]);
    /* test 1 fails: test 2's result is moot too */
    st[0] = OJ_TEST_COMMITTED;
    oj_score_record(&committed[0], "TLE", 0, NULL);
    assert_int_equal(oj_engine_plan(&p, committed, st, done, hypo, needed), -1);
    assert_false(needed[1]);
    oj_problem_clear(&p);
}

static void test_result_json(void **state)
{
    (void)state;
    struct oj_problem p;
    load(&p, 2, NULL);
    struct oj_test_result res[2] = {0};
    oj_score_record(&res[0], "AC", 1, NULL);
    oj_score_record(&res[1], "PC", 0.5, NULL);
    struct oj_engine_row rows[2] = {
        {.test = 0,
         .verdict = "AC",
         .fraction = 1,
         .judge_us = 900,
         .attempts = 1,
         .run = {.cpu_us = 10,
                 .wall_us = 20,
                 .memory_peak_bytes = 4096,
                 .pids_peak = 1,
                 .has_exit_code = true}},
        {.test = 1,
         .verdict = "PC",
         .fraction = 0.5,
         .msg = "half",
         .judge_us = 800,
         .attempts = 2,
         .run = {.signal = 9}},
    };
    struct oj_engine_outcome o = {
        .problem = &p,
        .submission_id = "s1",
        .compile_verdict = "OK",
        .compile_message = "",
        .rows = rows,
        .n_rows = 2,
        .results = res,
        .compile_us = 5,
        .total_us = 7,
    };
    struct jw w;
    jw_init(&w, false);
    char verdict[8];
    struct oj_err err = {0};
    assert_int_equal(oj_engine_write_result(&o, 3, &w, verdict, &err), 0);
    assert_string_equal(verdict, "PC");
    assert_string_equal(
        sb_str(&w.sb),
        "{\"submission_id\":\"s1\",\"attempt\":3,\"verdict\":\"PC\",\"score\":1.5,"
        "\"max_score\":2,\"compile\":{\"verdict\":\"OK\",\"message\":\"\"},\"groups\":[],"
        "\"tests\":[{\"name\":\"1\",\"verdict\":\"AC\",\"cpu_us\":10,\"wall_us\":20,"
        "\"memory_peak_bytes\":4096,\"pids_peak\":1,\"exit_code\":0,\"signal\":null,"
        "\"judge_us\":900,\"points\":1,\"message\":\"\",\"attempts\":1},"
        "{\"name\":\"2\",\"verdict\":\"PC\",\"cpu_us\":0,\"wall_us\":0,\"memory_peak_bytes\":0,"
        "\"pids_peak\":0,\"exit_code\":null,\"signal\":\"SIGKILL\",\"judge_us\":800,"
        "\"points\":0.5,\"message\":\"half\",\"attempts\":2}],"
        "\"timings\":{\"compile_us\":5,\"total_us\":7}}");
    sb_free(&w.sb);
    /* CE: no test, no group, no points; a problem error: SE with it */
    o.compile_verdict = "CE";
    o.compile_message = "main.c:1: error";
    o.n_rows = 0;
    jw_init(&w, false);
    assert_int_equal(oj_engine_write_result(&o, 1, &w, verdict, &err), 0);
    assert_string_equal(verdict, "CE");
    assert_non_null(strstr(sb_str(&w.sb), "\"verdict\":\"CE\",\"score\":0,\"max_score\":2,"
                                          "\"compile\":{\"verdict\":\"CE\",\"message\":"
                                          "\"main.c:1: error\"},\"groups\":[],\"tests\":[]"));
    sb_free(&w.sb);
    o.compile_verdict = "OK";
    o.error = "problem p: checker: checker.c does not compile (RE): x";
    jw_init(&w, false);
    assert_int_equal(oj_engine_write_result(&o, 1, &w, verdict, &err), 0);
    assert_string_equal(verdict, "SE");
    assert_non_null(strstr(sb_str(&w.sb), "\"error\":\"problem p: checker: checker.c does not"));
    sb_free(&w.sb);
    oj_problem_clear(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_cpus),      cmocka_unit_test(test_assign_cpus),
        cmocka_unit_test(test_slots),           cmocka_unit_test(test_limits),
        cmocka_unit_test(test_run_verdict),     cmocka_unit_test(test_prog_verdict),
        cmocka_unit_test(test_sanitize),        cmocka_unit_test(test_interactive_verdict),
        cmocka_unit_test(test_compile_verdict), cmocka_unit_test(test_plan_same_as_in_order),
        cmocka_unit_test(test_plan_speculates), cmocka_unit_test(test_result_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
