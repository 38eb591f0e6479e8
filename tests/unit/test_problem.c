/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The problem format (worker/judge/problem.c): problem.json's fields and
 * defaults, limits.json as the old form, and one exact error naming the
 * field for each way a problem is refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cleanup.h"
#include "problem.h"
#include "strbuf.h"

static const char *const four[] = {"1", "2", "3", "10"};

/* A problem with tests 1, 2, 3, 10 parsed from `json`. */
static int parse(struct oj_problem *p, const char *json, struct oj_err *err)
{
    *p = (struct oj_problem){.cpu_ms = 1000, .memory_mb = 256, .output_kb = 65536};
    p->tests = calloc(5, sizeof(char *));
    assert_non_null(p->tests);
    for (size_t i = 0; i < 4; i++)
        p->tests[i] = strdup(four[i]);
    p->n_tests = 4;
    return oj_problem_parse(p, json, strlen(json), "problem.json", false, err);
}

static void expect_error(const char *json, const char *msg)
{
    struct oj_problem p;
    struct oj_err err = {0};
    if (parse(&p, json, &err) == 0)
        fail_msg("accepted: %s", json);
    assert_string_equal(err.msg, msg);
    oj_problem_clear(&p);
}

static void test_full(void **state)
{
    struct oj_problem p;
    struct oj_err err = {0};
    const char *json =
        "{\"version\": 1, \"cpu_ms\": 1000, \"wall_ms\": 2500, \"memory_mb\": 128, "
        "\"output_kb\": 1024, \"checker\": \"float:1e-6\", \"interactive\": false, "
        "\"time_factor\": {\"java\": 2, \"python\": 1.5},"
        "\"groups\": [{\"name\": \"small\", \"points\": 30, \"tests\": [\"1\", \"2\"]},"
        "             {\"name\": \"large\", \"points\": 70, \"tests\": [\"10\", \"3\", \"2\"],"
        "              \"depends\": [\"small\"]}]}";
    if (parse(&p, json, &err) < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(p.cpu_ms, 1000);
    assert_int_equal(p.wall_ms, 2500);
    assert_int_equal(p.memory_mb, 128);
    assert_int_equal(p.output_kb, 1024);
    assert_int_equal(p.checker.kind, OJ_CHECKER_FLOAT);
    assert_true(p.checker.eps == 1e-6);
    assert_false(p.interactive);
    assert_int_equal(p.n_groups, 2);
    assert_string_equal(p.groups[1].name, "large");
    assert_int_equal(p.groups[1].points, 70);
    assert_int_equal(p.groups[1].n_tests, 3);
    assert_int_equal(p.groups[1].tests[0], 3); /* "10" */
    assert_int_equal(p.groups[1].tests[1], 2);
    assert_int_equal(p.groups[1].n_depends, 1);
    assert_int_equal(p.groups[1].depends[0], 0);
    int64_t cpu, wall;
    oj_problem_limits(&p, "java", &cpu, &wall);
    assert_int_equal(cpu, 2000);
    assert_int_equal(wall, 5000);
    oj_problem_limits(&p, "python", &cpu, &wall);
    assert_int_equal(cpu, 1500);
    assert_int_equal(wall, 3750);
    oj_problem_limits(&p, "c", &cpu, &wall);
    assert_int_equal(cpu, 1000);
    oj_problem_limits(&p, NULL, &cpu, &wall);
    assert_int_equal(wall, 2500);
    oj_problem_clear(&p);
}

static void test_defaults(void **state)
{
    struct oj_problem p;
    struct oj_err err = {0};
    assert_int_equal(parse(&p, "{\"cpu_ms\": 700}", &err), 0);
    assert_int_equal(p.wall_ms, 2100); /* three times the CPU limit */
    assert_int_equal(p.checker.kind, OJ_CHECKER_LINES);
    assert_int_equal(p.n_groups, 0);
    oj_problem_clear(&p);
    /* a time factor rounds up to the millisecond */
    if (parse(&p, "{\"cpu_ms\": 3, \"time_factor\": {\"go\": 1.1}}", &err) < 0)
        fail_msg("%s", err.msg);
    int64_t cpu, wall;
    oj_problem_limits(&p, "go", &cpu, &wall);
    assert_int_equal(cpu, 4);
    assert_int_equal(wall, 10);
    oj_problem_clear(&p);
}

static void test_errors(void **state)
{
    expect_error("[]", "problem.json: expected an object");
    expect_error("{\"cpu\": 1}",
                 "problem.json: unknown key \"cpu\" (version, cpu_ms, wall_ms, memory_mb, "
                 "output_kb, checker, interactive, time_factor, groups)");
    expect_error("{\"cpu_ms\": 1, \"cpu_ms\": 2}", "problem.json: key \"cpu_ms\" given twice");
    expect_error("{\"version\": 2}", "problem.json: version: this judge reads version 1");
    expect_error("{\"cpu_ms\": 0}", "problem.json: cpu_ms: expected an integer in 1..86400000");
    expect_error("{\"cpu_ms\": 1.5}", "problem.json: cpu_ms: expected an integer in 1..86400000");
    expect_error("{\"wall_ms\": \"3\"}",
                 "problem.json: wall_ms: expected an integer in 1..86400000");
    expect_error("{\"memory_mb\": 1048577}",
                 "problem.json: memory_mb: expected an integer in 1..1048576");
    expect_error("{\"output_kb\": -1}",
                 "problem.json: output_kb: expected an integer in 1..1073741824");
    expect_error("{\"checker\": \"float:2\"}",
                 "problem.json: checker: \"float:2\": EPS must be in [0, 1)");
    expect_error("{\"checker\": 3}", "problem.json: checker: expected a string (exact, lines, "
                                     "tokens, float:EPS, custom)");
    expect_error("{\"interactive\": 1}", "problem.json: interactive: expected true or false");
    expect_error("{\"interactive\": true, \"checker\": \"lines\"}",
                 "problem.json: checker: an interactive problem is judged by its interactor");
    expect_error("{\"time_factor\": [2]}",
                 "problem.json: time_factor: expected an object {\"LANG\": FACTOR}");
    expect_error("{\"time_factor\": {\"rust\": 2}}",
                 "problem.json: time_factor.rust: unknown language (c, cpp, go, java, "
                 "javascript, python)");
    expect_error("{\"time_factor\": {\"java\": 0}}",
                 "problem.json: time_factor.java: expected a number in (0, 100]");
    expect_error("{\"time_factor\": {\"java\": 101}}",
                 "problem.json: time_factor.java: expected a number in (0, 100]");
    expect_error("{\"time_factor\": {\"java\": 2, \"java\": 3}}",
                 "problem.json: time_factor.java: given twice");
    expect_error("{\"groups\": []}", "problem.json: groups: expected a non-empty array of groups");
    expect_error("{\"groups\": [3]}", "problem.json: groups[0]: expected an object {\"name\", "
                                      "\"points\", \"tests\"}");
    expect_error("{\"groups\": [{\"name\": \"a\", \"points\": 1, \"tests\": [\"1\"], \"x\": 1}]}",
                 "problem.json: groups[0]: unknown key \"x\" (name, points, tests, depends)");
    expect_error("{\"groups\": [{\"points\": 1, \"tests\": [\"1\"]}]}",
                 "problem.json: groups[0].name: required, a string");
    expect_error("{\"groups\": [{\"name\": \"a\\tb\", \"points\": 1, \"tests\": [\"1\"]}]}",
                 "problem.json: groups[0].name: expected 1 to 64 printable ASCII characters, "
                 "no quotes");
    expect_error("{\"groups\": [{\"name\": \"a\", \"tests\": [\"1\"]}]}",
                 "problem.json: groups[0].points: required, an integer in 0..1000000");
    expect_error("{\"groups\": [{\"name\": \"a\", \"points\": -1, \"tests\": [\"1\"]}]}",
                 "problem.json: groups[0].points: required, an integer in 0..1000000");
    expect_error("{\"groups\": [{\"name\": \"a\", \"points\": 1, \"tests\": []}]}",
                 "problem.json: groups[0].tests: expected a non-empty array of test names");
    expect_error("{\"groups\": [{\"name\": \"a\", \"points\": 1, \"tests\": [1]}]}",
                 "problem.json: groups[0].tests: [0]: expected a test name (a string)");
    expect_error("{\"groups\": [{\"name\": \"a\", \"points\": 1, \"tests\": [\"1\", \"9\"]}]}",
                 "problem.json: groups[0].tests: [1]: no test \"9\" (no tests/9.in)");
    expect_error("{\"groups\": [{\"name\": \"a\", \"points\": 1, \"tests\": [\"1\", \"1\"]}]}",
                 "problem.json: groups[0].tests: [1]: test \"1\" is listed twice");
    expect_error("{\"groups\": [{\"name\": \"a\", \"points\": 1, \"tests\": [\"1\", \"2\"]}]}",
                 "problem.json: groups: test \"3\" is in no group");
#define TWO(name, depends)                                                                         \
    "{\"groups\": [{\"name\": \"a\", \"points\": 1, \"tests\": [\"1\", \"2\"]},"                   \
    "{\"name\": \"" name "\", \"points\": 1, \"tests\": [\"3\", \"10\"], \"depends\": " depends    \
    "}]}"
    expect_error(TWO("a", "[]"), "problem.json: groups[1].name: \"a\" names groups[0] already");
    expect_error(TWO("b", "[\"b\"]"),
                 "problem.json: groups[1].depends: [0]: a group cannot depend on itself");
    expect_error(TWO("b", "[\"c\"]"),
                 "problem.json: groups[1].depends: [0]: not the name of an earlier group");
    expect_error(TWO("b", "\"a\""),
                 "problem.json: groups[1].depends: expected a non-empty array of group names");
    /* a forward dependency is refused: no cycle can form */
    expect_error("{\"groups\": [{\"name\": \"a\", \"points\": 1, \"tests\": [\"1\", \"2\", \"3\", "
                 "\"10\"], \"depends\": [\"b\"]}, {\"name\": \"b\", \"points\": 1, \"tests\": "
                 "[\"1\"]}]}",
                 "problem.json: groups[0].depends: [0]: not the name of an earlier group");
    expect_error("{\"cpu_ms\": 1",
                 "problem.json: invalid JSON: parse error: premature EOF {\"cpu_ms\": 1 "
                 "(right here) ------^");
    expect_error("{\"cpu_ms\": 1} x",
                 "problem.json: invalid JSON: parse error: trailing garbage at offset 14");
}

static void test_limits_json_old_form(void **state)
{
    struct oj_problem p = {.cpu_ms = 1000};
    struct oj_err err = {0};
    const char *json = "{\"cpu_ms\": 2000, \"checker\": \"exact\"}";
    assert_int_equal(oj_problem_parse(&p, json, strlen(json), "limits.json", true, &err), -1);
    assert_string_equal(err.msg, "limits.json: unknown key \"checker\" (cpu_ms, wall_ms, "
                                 "memory_mb, output_kb)");
    oj_problem_clear(&p);
}

/* ---------------------------------------------------------------- directories */

static char dir[64];

static void put(const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static int setup_dir(void **state)
{
    snprintf(dir, sizeof(dir), "/tmp/test_problem.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    char path[128];
    snprintf(path, sizeof(path), "%s/tests", dir);
    if (mkdir(path, 0755) < 0)
        return -1;
    put("tests/2.in", "");
    put("tests/2.out", "");
    put("tests/10.in", "");
    put("tests/10.out", "");
    put("tests/1a.in", "");
    put("tests/1a.out", "");
    put("tests/notes.txt", "");
    return 0;
}

static int teardown_dir(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void expect_load_error(const char *msg_after_dir)
{
    struct oj_problem *p = NULL;
    struct oj_err err = {0};
    assert_int_equal(oj_problem_load(dir, &p, &err), -1);
    assert_null(p);
    char want[512];
    snprintf(want, sizeof(want), "problem %s: %s", dir, msg_after_dir);
    assert_string_equal(err.msg, want);
}

static void rm(const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    assert_int_equal(unlink(path), 0);
}

static void test_load(void **state)
{
    struct oj_err err = {0};
    /* no problem.json: the defaults, the tests in `sort -V` order */
    {
        _cleanup_problem_ struct oj_problem *p = NULL;
        if (oj_problem_load(dir, &p, &err) < 0)
            fail_msg("%s", err.msg);
        assert_null(p->file);
        assert_int_equal(p->n_tests, 3);
        assert_string_equal(p->tests[0], "1a");
        assert_string_equal(p->tests[1], "2");
        assert_string_equal(p->tests[2], "10");
        assert_null(p->tests[3]);
        assert_int_equal(p->cpu_ms, 1000);
        assert_int_equal(p->wall_ms, 3000);
        /* the normalised form */
        struct jw w;
        jw_init(&w, false);
        oj_problem_write_json(p, "java", &w);
        assert_int_equal(jw_check(&w, "x", &err), 0);
        assert_string_equal(sb_str(&w.sb),
                            "{\"version\":1,\"file\":null,\"lang\":\"java\",\"cpu_ms\":1000,"
                            "\"wall_ms\":3000,\"memory_mb\":256,\"output_kb\":65536,"
                            "\"checker\":\"lines\",\"checker_source\":null,\"interactive\":false,"
                            "\"interactor_source\":null,\"time_factor\":{},"
                            "\"tests\":[\"1a\",\"2\",\"10\"],\"max_score\":3,\"groups\":[]}");
        sb_free(&w.sb);
    }
    put("limits.json", "{\"cpu_ms\": 2000}");
    {
        _cleanup_problem_ struct oj_problem *p = NULL;
        assert_int_equal(oj_problem_load(dir, &p, &err), 0);
        assert_string_equal(p->file, "limits.json");
        assert_int_equal(p->wall_ms, 6000);
    }
    put("problem.json", "{\"cpu_ms\": 2000}");
    expect_load_error("both problem.json and limits.json: keep problem.json");
    rm("limits.json");
    put("problem.json", "{\"checker\": \"custom\"}");
    expect_load_error("problem.json: checker: no checker.c or checker.cpp in the problem "
                      "directory");
    put("checker.cpp", "");
    {
        _cleanup_problem_ struct oj_problem *p = NULL;
        assert_int_equal(oj_problem_load(dir, &p, &err), 0);
        assert_string_equal(p->checker_source, "checker.cpp");
    }
    put("checker.c", "");
    expect_load_error("problem.json: checker: both checker.c and checker.cpp: keep one");
    rm("checker.c");
    rm("checker.cpp");
    put("problem.json", "{\"interactive\": true}");
    expect_load_error("problem.json: interactive: no interactor.c or interactor.cpp in the "
                      "problem directory");
    put("interactor.c", "");
    {
        _cleanup_problem_ struct oj_problem *p = NULL;
        assert_int_equal(oj_problem_load(dir, &p, &err), 0);
        assert_true(p->interactive);
        assert_string_equal(p->interactor_source, "interactor.c");
    }
    rm("interactor.c");
    put("problem.json", "{\"groups\": [{\"name\": \"g\", \"points\": 5, \"tests\": [\"2\", "
                        "\"1\"]}]}");
    expect_load_error("problem.json: groups[0].tests: [1]: no test \"1\" (no tests/1.in)");
    put("problem.json", "{\"cpu_ms\": }");
    expect_load_error(
        "problem.json: invalid JSON: parse error: unallowed token at this point in JSON "
        "text "
        "{\"cpu_ms\": } (right here) ------^");
    rm("problem.json");
    /* a test without its answer */
    rm("tests/10.out");
    expect_load_error("tests/10.in has no 10.out");
    put("tests/10.out", "");
    put("tests/a\tb.in", "");
    expect_load_error("tests: a test name is 1 to 64 printable ASCII characters");
    rm("tests/a\tb.in");
    char path[128];
    snprintf(path, sizeof(path), "%s/nonexistent", dir);
    struct oj_problem *p = NULL;
    assert_int_equal(oj_problem_load(path, &p, &err), -1);
    char want[256];
    snprintf(want, sizeof(want), "problem %s: open %s/tests: No such file or directory", path,
             path);
    assert_string_equal(err.msg, want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_limits_json_old_form),
        cmocka_unit_test_setup_teardown(test_load, setup_dir, teardown_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
