/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ojrun-worker's messages (worker/submission.c, progress.c, loop.c's
 * result member): a submission is parsed or refused with one line naming
 * the field (specs/worker-protocol.md), never crashes the worker; progress
 * events and the worker's member of a result have the documented shape.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"
#include "problem.h"
#include "progress.h"
#include "strbuf.h"
#include "submission.h"

static const struct submission_rules all = {.max_source_bytes = 100};

static void expect_reason(const struct submission_rules *r, const char *body, const char *reason)
{
    struct submission s;
    struct oj_err err = {0};
    if (submission_parse(body, strlen(body), r, &s, &err) == 0)
        fail_msg("accepted: %s", body);
    assert_string_equal(err.msg, reason);
    submission_clear(&s);
}

static void test_valid(void **state)
{
    const char *body = "{\"version\":1,\"submission_id\":\"s-1.a_b\",\"problem_id\":\"aplusb\","
                       "\"language\":\"cpp\",\"source\":\"int main(){}\\n\",\"contest\":7,"
                       "\"limits\":{\"cpu_ms\":500,\"memory_mb\":64}}";
    struct submission s;
    struct oj_err err = {0};
    assert_int_equal(submission_parse(body, strlen(body), &all, &s, &err), 0);
    assert_string_equal(s.id, "s-1.a_b");
    assert_string_equal(s.problem_id, "aplusb");
    assert_string_equal(s.language, "cpp");
    assert_string_equal(s.source, "int main(){}\n");
    assert_int_equal(s.source_len, 13);
    assert_int_equal(s.cpu_ms, 500);
    assert_int_equal(s.wall_ms, 0);
    assert_int_equal(s.memory_mb, 64);
    submission_clear(&s);
}

static void test_not_json(void **state)
{
    struct submission s;
    struct oj_err err = {0};
    const char *body = "{\"submission_id\": ";
    assert_int_equal(submission_parse(body, strlen(body), &all, &s, &err), -1);
    assert_non_null(strstr(err.msg, "message: invalid JSON"));
    assert_null(s.id);
    expect_reason(&all, "[1,2]", "message: expected a JSON object");
}

static void test_fields(void **state)
{
    expect_reason(&all, "{\"problem_id\":\"p\",\"language\":\"c\",\"source\":\"\"}",
                  "submission_id: missing");
    expect_reason(&all, "{\"submission_id\":17,\"problem_id\":\"p\"}",
                  "submission_id: expected a string");
    expect_reason(&all, "{\"submission_id\":\"../etc\",\"problem_id\":\"p\"}",
                  "submission_id: expected 1 to 100 characters of A-Z a-z 0-9 _ . - (not . or ..)");
    expect_reason(&all, "{\"submission_id\":\"a\",\"problem_id\":\"..\"}",
                  "problem_id: expected 1 to 100 characters of A-Z a-z 0-9 _ . - (not . or ..)");
    expect_reason(&all, "{\"submission_id\":\"a\",\"problem_id\":\"p\",\"source\":\"\"}",
                  "language: missing");
    expect_reason(&all, "{\"submission_id\":\"a\",\"problem_id\":\"p\",\"language\":[\"c\"]}",
                  "language: expected a string");
    expect_reason(&all, "{\"submission_id\":\"a\",\"problem_id\":\"p\",\"language\":\"c\"}",
                  "source: missing");
    expect_reason(&all,
                  "{\"submission_id\":\"a\",\"problem_id\":\"p\",\"language\":\"c\",\"source\":1}",
                  "source: expected a string");
    expect_reason(&all, "{\"version\":2,\"submission_id\":\"a\"}",
                  "version: 2 is not supported (this worker reads version 1)");
    expect_reason(&all, "{\"version\":\"1\",\"submission_id\":\"a\"}",
                  "version: expected an integer");
}

static void test_languages(void **state)
{
    expect_reason(&all,
                  "{\"submission_id\":\"a\",\"problem_id\":\"p\",\"language\":\"cobol\","
                  "\"source\":\"\"}",
                  "language: \"cobol\" is not served here (c, cpp, go, java, javascript, python)");
    static const char *const two[] = {"c", "cpp", NULL};
    struct submission_rules r = {.max_source_bytes = 100, .languages = two};
    expect_reason(&r,
                  "{\"submission_id\":\"a\",\"problem_id\":\"p\",\"language\":\"python\","
                  "\"source\":\"\"}",
                  "language: \"python\" is not served here (c, cpp)");
}

static void test_sizes(void **state)
{
    struct submission_rules r = {.max_source_bytes = 10};
    expect_reason(&r,
                  "{\"submission_id\":\"a\",\"problem_id\":\"p\",\"language\":\"c\","
                  "\"source\":\"01234567890\"}",
                  "source: 11 bytes, more than the limit of 10");
    /* exactly the limit is fine */
    const char *ok = "{\"submission_id\":\"a\",\"problem_id\":\"p\",\"language\":\"c\","
                     "\"source\":\"0123456789\"}";
    struct submission s;
    struct oj_err err = {0};
    assert_int_equal(submission_parse(ok, strlen(ok), &r, &s, &err), 0);
    submission_clear(&s);
    /* a body past the bound is refused before it is parsed */
    size_t n = submission_max_body(&r) + 1;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, ' ', n);
    assert_int_equal(submission_parse(big, n, &r, &s, &err), -1);
    char want[128];
    snprintf(want, sizeof(want), "message: %zu bytes, more than %zu for a source of at most 10", n,
             n - 1);
    assert_string_equal(err.msg, want);
    free(big);
}

static void test_limits(void **state)
{
    const char *head = "{\"submission_id\":\"keep-me\",\"problem_id\":\"p\",\"language\":\"c\","
                       "\"source\":\"\",\"limits\":";
    char body[256];
    struct {
        const char *limits, *reason;
    } cases[] = {
        {"[]", "limits: expected an object"},
        {"{\"cpu\":1}", "limits.cpu: unknown limit (cpu_ms, wall_ms, memory_mb)"},
        {"{\"cpu_ms\":\"100\"}", "limits.cpu_ms: expected a positive integer"},
        {"{\"wall_ms\":0}", "limits.wall_ms: expected a positive integer"},
        {"{\"memory_mb\":1.5}", "limits.memory_mb: expected a positive integer"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(body, sizeof(body), "%s%s}", head, cases[i].limits);
        struct submission s;
        struct oj_err err = {0};
        assert_int_equal(submission_parse(body, strlen(body), &all, &s, &err), -1);
        assert_string_equal(err.msg, cases[i].reason);
        /* the id survives the refusal, for the log and the dead letter */
        assert_string_equal(s.id, "keep-me");
        submission_clear(&s);
    }
}

static void test_caps(void **state)
{
    struct oj_problem p = {.cpu_ms = 1000, .wall_ms = 3000, .memory_mb = 256};
    struct submission s = {.language = "c", .cpu_ms = 1000, .wall_ms = 3000, .memory_mb = 256};
    struct oj_err err = {0};
    assert_int_equal(submission_check_limits(&s, &p, &err), 0);
    s.cpu_ms = 1001;
    assert_int_equal(submission_check_limits(&s, &p, &err), -1);
    assert_string_equal(err.msg, "limits.cpu_ms: 1001 is above the problem's 1000 for c");
    s.cpu_ms = 0;
    s.wall_ms = 3001;
    assert_int_equal(submission_check_limits(&s, &p, &err), -1);
    assert_string_equal(err.msg, "limits.wall_ms: 3001 is above the problem's 3000 for c");
    s.wall_ms = 0;
    s.memory_mb = 512;
    assert_int_equal(submission_check_limits(&s, &p, &err), -1);
    assert_string_equal(err.msg, "limits.memory_mb: 512 is above the problem's 256");
}

static void test_progress(void **state)
{
    struct oj_test_report t = {.test = "3",
                               .index = 2,
                               .total = 4,
                               .verdict = "TLE",
                               .cpu_us = 1000123,
                               .wall_us = 1100456,
                               .memory_peak_bytes = 4096,
                               .exit_code = -1,
                               .signal = 9};
    struct jw w;
    jw_init(&w, false);
    worker_progress_json("s1", 2, &t, &w);
    assert_string_equal(sb_str(&w.sb),
                        "{\"version\":1,\"type\":\"progress\",\"submission_id\":\"s1\","
                        "\"attempt\":2,\"test\":\"3\",\"index\":2,\"total\":4,\"verdict\":\"TLE\","
                        "\"cpu_us\":1000123,\"wall_us\":1100456,\"memory_peak_bytes\":4096,"
                        "\"exit_code\":-1,\"signal\":9}");
    sb_free(&w.sb);
}

static void test_result_member(void **state)
{
    struct strbuf sb = {0};
    sb_puts(&sb, "{\"submission_id\":\"s1\",\"verdict\":\"AC\"}\n");
    assert_true(worker_result_add(&sb, 3, 412, true));
    assert_string_equal(sb_str(&sb), "{\"submission_id\":\"s1\",\"verdict\":\"AC\",\"worker\":"
                                     "{\"start_ms\":3,\"judge_ms\":412,\"redelivered\":true}}");
    struct oj_err err;
    oj_json *root = oj_json_parse(sb_str(&sb), sb.len, "result", &err);
    assert_non_null(root);
    oj_json_free(root);
    sb_free(&sb);
    sb_puts(&sb, "{}");
    assert_true(worker_result_add(&sb, 0, 1, false));
    assert_string_equal(sb_str(&sb),
                        "{\"worker\":{\"start_ms\":0,\"judge_ms\":1,\"redelivered\":false}}");
    sb_free(&sb);
    sb_puts(&sb, "[1]");
    assert_false(worker_result_add(&sb, 0, 1, false));
    sb_free(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),         cmocka_unit_test(test_not_json),
        cmocka_unit_test(test_fields),        cmocka_unit_test(test_languages),
        cmocka_unit_test(test_sizes),         cmocka_unit_test(test_limits),
        cmocka_unit_test(test_caps),          cmocka_unit_test(test_progress),
        cmocka_unit_test(test_result_member),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
