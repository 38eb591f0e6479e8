/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Groups, points and the order of judging (worker/judge/score.c): the min
 * rule, partial points multiplying, a group stopping at its first failure,
 * skipped dependants, and the problem without groups.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "problem.h"
#include "score.h"
#include "strbuf.h"

/* Tests 1..5; groups from `json` (NULL: none). */
static void load(struct oj_problem *p, const char *json)
{
    *p = (struct oj_problem){.cpu_ms = 1000};
    p->tests = calloc(6, sizeof(char *));
    assert_non_null(p->tests);
    for (size_t i = 0; i < 5; i++)
        assert_int_not_equal(asprintf(&p->tests[i], "%zu", i + 1), -1);
    p->n_tests = 5;
    struct oj_err err = {0};
    if (json && oj_problem_parse(p, json, strlen(json), "problem.json", false, &err) < 0)
        fail_msg("%s", err.msg);
}

/* Judge by oj_score_next() with the verdicts in `verdicts` (one per test,
 * "PC:0.5" for partial points); `order` gets the names judged, joined. */
static void judge(const struct oj_problem *p, const char *const *verdicts,
                  struct oj_test_result *res, char *order, size_t size)
{
    memset(res, 0, 5 * sizeof(*res));
    order[0] = '\0';
    ssize_t t;
    int guard = 0;
    while ((t = oj_score_next(p, res)) >= 0) {
        assert_true(guard++ < 10);
        assert_false(res[t].judged); /* never the same test twice */
        struct oj_err err = {0};
        double f = 0;
        char v[8];
        snprintf(v, sizeof(v), "%s", verdicts[t]);
        if (strncmp(v, "PC:", 3) == 0) {
            f = strtod(verdicts[t] + 3, NULL);
            v[2] = '\0';
        }
        assert_int_equal(oj_score_record(&res[t], v, f, &err), 0);
        strncat(order, p->tests[t], size - strlen(order) - 1);
    }
}

static char *score_json(const struct oj_problem *p, const struct oj_test_result *res,
                        struct oj_score *s)
{
    struct oj_err err = {0};
    if (oj_score_compute(p, res, s, &err) < 0)
        fail_msg("%s", err.msg);
    struct jw w;
    jw_init(&w, false);
    oj_score_write_json(p, res, s, &w);
    assert_int_equal(jw_check(&w, "score", &err), 0);
    return w.sb.s;
}

#define GROUPS                                                                                     \
    "{\"groups\": [{\"name\": \"small\", \"points\": 30, \"tests\": [\"1\", \"2\"]},"              \
    "{\"name\": \"large\", \"points\": 70, \"tests\": [\"3\", \"4\", \"5\"], "                     \
    "\"depends\": [\"small\"]}]}"

static void test_all_pass(void **state)
{
    struct oj_problem p;
    load(&p, GROUPS);
    struct oj_test_result res[5];
    char order[32];
    const char *v[] = {"AC", "AC", "AC", "AC", "AC"};
    judge(&p, v, res, order, sizeof(order));
    assert_string_equal(order, "12345");
    struct oj_score s;
    char *json = score_json(&p, res, &s);
    assert_string_equal(s.verdict, "AC");
    assert_true(s.score == 100 && s.max_score == 100);
    assert_string_equal(
        json, "{\"verdict\":\"AC\",\"score\":100,\"max_score\":100,\"groups\":["
              "{\"name\":\"small\",\"points\":30,\"score\":30,\"verdict\":\"AC\",\"tests\":["
              "{\"name\":\"1\",\"verdict\":\"AC\",\"points\":1},"
              "{\"name\":\"2\",\"verdict\":\"AC\",\"points\":1}]},"
              "{\"name\":\"large\",\"points\":70,\"score\":70,\"verdict\":\"AC\",\"tests\":["
              "{\"name\":\"3\",\"verdict\":\"AC\",\"points\":1},"
              "{\"name\":\"4\",\"verdict\":\"AC\",\"points\":1},"
              "{\"name\":\"5\",\"verdict\":\"AC\",\"points\":1}]}]}");
    free(json);
    free(s.groups);
    oj_problem_clear(&p);
}

/* A brute force: right on the small group, too slow on the large one. */
static void test_brute_force_scores_small(void **state)
{
    struct oj_problem p;
    load(&p, GROUPS);
    struct oj_test_result res[5];
    char order[32];
    const char *v[] = {"AC", "AC", "AC", "TLE", "AC"};
    judge(&p, v, res, order, sizeof(order));
    assert_string_equal(order, "1234"); /* stops at the first failure: 5 is not run */
    struct oj_score s;
    char *json = score_json(&p, res, &s);
    assert_string_equal(s.verdict, "TLE");
    assert_true(s.score == 30);
    assert_string_equal(s.groups[1].verdict, "TLE");
    assert_int_equal(s.groups[1].failed, 3);
    assert_non_null(strstr(json, "{\"name\":\"large\",\"points\":70,\"score\":0,\"verdict\":"
                                 "\"TLE\",\"tests\":[{\"name\":\"3\",\"verdict\":\"AC\",\"points\":"
                                 "1},{\"name\":\"4\",\"verdict\":\"TLE\",\"points\":0}]}"));
    free(json);
    free(s.groups);
    oj_problem_clear(&p);
}

static void test_dependency_failed_skips(void **state)
{
    struct oj_problem p;
    load(&p, GROUPS);
    struct oj_test_result res[5];
    char order[32];
    const char *v[] = {"WA", "AC", "AC", "AC", "AC"};
    judge(&p, v, res, order, sizeof(order));
    assert_string_equal(order, "1"); /* small failed at once, large is skipped */
    struct oj_score s;
    char *json = score_json(&p, res, &s);
    assert_string_equal(s.verdict, "WA");
    assert_true(s.score == 0 && s.max_score == 100);
    assert_string_equal(s.groups[0].verdict, "WA");
    assert_string_equal(s.groups[1].verdict, "SKIPPED");
    assert_non_null(strstr(json, "{\"name\":\"3\",\"verdict\":\"SKIPPED\",\"points\":0}"));
    free(json);
    free(s.groups);
    oj_problem_clear(&p);
}

static void test_partial_points_multiply(void **state)
{
    struct oj_problem p;
    load(&p, GROUPS);
    struct oj_test_result res[5];
    char order[32];
    const char *v[] = {"PC:0.5", "PC:0.5", "AC", "PC:0.1", "AC"};
    judge(&p, v, res, order, sizeof(order));
    assert_string_equal(order, "12345"); /* a partial test passes: the group goes on */
    struct oj_score s;
    char *json = score_json(&p, res, &s);
    assert_string_equal(s.verdict, "PC");
    assert_true(s.score > 7.5 + 7 - 1e-9 && s.score < 7.5 + 7 + 1e-9); /* 30/4 + 70/10 */
    assert_string_equal(s.groups[0].verdict, "PC");
    assert_non_null(strstr(json, "\"score\":14.5,\"max_score\":100"));
    free(json);
    free(s.groups);
    /* PC with no points fails the group, as WA */
    const char *v0[] = {"AC", "PC:0", "AC", "AC", "AC"};
    judge(&p, v0, res, order, sizeof(order));
    assert_string_equal(order, "12");
    json = score_json(&p, res, &s);
    assert_string_equal(s.groups[0].verdict, "WA");
    assert_string_equal(s.groups[1].verdict, "SKIPPED");
    free(json);
    free(s.groups);
    oj_problem_clear(&p);
}

/* A test shared by two groups is judged once; independent groups each score. */
static void test_shared_tests_and_independent_groups(void **state)
{
    struct oj_problem p;
    load(&p, "{\"groups\": [{\"name\": \"a\", \"points\": 10, \"tests\": [\"1\", \"2\"]},"
             "{\"name\": \"b\", \"points\": 20, \"tests\": [\"2\", \"3\"]},"
             "{\"name\": \"c\", \"points\": 40, \"tests\": [\"4\", \"5\"]},"
             "{\"name\": \"d\", \"points\": 0, \"tests\": [\"1\"], \"depends\": [\"a\", \"c\"]}]}");
    struct oj_test_result res[5];
    char order[32];
    const char *v[] = {"AC", "AC", "RE", "AC", "AC"};
    judge(&p, v, res, order, sizeof(order));
    assert_string_equal(order, "12345");
    struct oj_score s;
    char *json = score_json(&p, res, &s);
    assert_true(s.score == 50 && s.max_score == 70);
    assert_string_equal(s.verdict, "RE");
    assert_string_equal(s.groups[1].verdict, "RE");
    assert_string_equal(s.groups[3].verdict, "AC"); /* both dependencies passed */
    free(json);
    free(s.groups);
    oj_problem_clear(&p);
}

static void test_no_groups(void **state)
{
    struct oj_problem p;
    load(&p, NULL);
    struct oj_test_result res[5];
    char order[32];
    const char *v[] = {"AC", "WA", "AC", "TLE", "PC:0.25"};
    judge(&p, v, res, order, sizeof(order));
    assert_string_equal(order, "12345"); /* every test is judged */
    struct oj_score s;
    char *json = score_json(&p, res, &s);
    assert_string_equal(s.verdict, "WA"); /* the first that is not AC */
    assert_true(s.score == 2.25 && s.max_score == 5);
    assert_null(s.groups);
    assert_string_equal(json, "{\"verdict\":\"WA\",\"score\":2.25,\"max_score\":5,\"groups\":[],"
                              "\"tests\":[{\"name\":\"1\",\"verdict\":\"AC\",\"points\":1},"
                              "{\"name\":\"2\",\"verdict\":\"WA\",\"points\":0},"
                              "{\"name\":\"3\",\"verdict\":\"AC\",\"points\":1},"
                              "{\"name\":\"4\",\"verdict\":\"TLE\",\"points\":0},"
                              "{\"name\":\"5\",\"verdict\":\"PC\",\"points\":0.25}]}");
    free(json);
    oj_problem_clear(&p);
}

static void test_errors(void **state)
{
    struct oj_test_result r = {0};
    struct oj_err err = {0};
    assert_int_equal(oj_score_record(&r, "OK", 0, &err), -1);
    assert_string_equal(err.msg,
                        "unknown verdict \"OK\" (AC, PC, PE, WA, TLE, WLE, MLE, OLE, RE, SE)");
    assert_false(r.judged);
    assert_int_equal(oj_score_record(&r, "PC", 1.5, &err), -1);
    assert_string_equal(err.msg, "PC: points 1.5 out of [0, 1]");
    assert_int_equal(oj_score_record(&r, "PC", 0.0 / 0.0, &err), -1);
    /* a failure carries no points whatever the caller passes */
    assert_int_equal(oj_score_record(&r, "WA", 1, &err), 0);
    assert_true(r.fraction == 0);
    /* the score of an unfinished judging is refused */
    struct oj_problem p;
    load(&p, GROUPS);
    struct oj_test_result res[5] = {0};
    struct oj_score s;
    assert_int_equal(oj_score_compute(&p, res, &s, &err), -1);
    assert_string_equal(err.msg, "test \"1\" is not judged yet");
    oj_problem_clear(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_pass),
        cmocka_unit_test(test_brute_force_scores_small),
        cmocka_unit_test(test_dependency_failed_skips),
        cmocka_unit_test(test_partial_points_multiply),
        cmocka_unit_test(test_shared_tests_and_independent_groups),
        cmocka_unit_test(test_no_groups),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
