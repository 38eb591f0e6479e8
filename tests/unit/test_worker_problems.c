/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The worker's problems (worker/problems.c): every problem of --problems
 * loaded at start, a bad one refused alone (its submissions get its load
 * error) while the others are served, a problem added later loaded on its
 * first submission.
 */
#include <ftw.h>
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

#include "problem.h"
#include "problems.h"

static char dir[64];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void file(const char *rel, const char *text)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void mkdirs(const char *rel)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/%s/tests", dir, rel);
    assert_int_equal(mkdir(path, 0755), 0);
}

/* DIR/NAME with test 1 (and its .out unless `broken`) */
static void problem(const char *name, bool broken)
{
    char rel[128];
    mkdirs(name);
    snprintf(rel, sizeof(rel), "%s/tests/1.in", name);
    file(rel, "1\n");
    if (!broken) {
        snprintf(rel, sizeof(rel), "%s/tests/1.out", name);
        file(rel, "1\n");
    }
}

static int setup(void **state)
{
    snprintf(dir, sizeof(dir), "/tmp/ojrun-test-problems-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    return nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_load(void **state)
{
    problem("good", false);
    problem("bad", true);
    problem("with space", false);
    file("README", "not a problem\n");
    struct problem_set *ps;
    size_t loaded = 0, bad = 0;
    struct oj_err err = {0};
    assert_int_equal(problem_set_open(dir, &ps, &loaded, &bad, &err), 0);
    assert_int_equal(loaded, 1);
    assert_int_equal(bad, 2);

    const char *pdir = NULL;
    const struct oj_problem *p = problem_set_get(ps, "good", &pdir, &err);
    assert_non_null(p);
    assert_int_equal(p->n_tests, 1);
    char want[256];
    snprintf(want, sizeof(want), "%s/good", dir);
    assert_string_equal(pdir, want);

    assert_null(problem_set_get(ps, "bad", &pdir, &err));
    assert_non_null(strstr(err.msg, "problem_id: problem "));
    assert_non_null(strstr(err.msg, "/bad: "));

    assert_null(problem_set_get(ps, "nope", &pdir, &err));
    snprintf(want, sizeof(want), "problem_id: no problem \"nope\" in %s", dir);
    assert_string_equal(err.msg, want);

    /* added while the worker runs: loaded on first use, then kept */
    problem("later", false);
    p = problem_set_get(ps, "later", &pdir, &err);
    assert_non_null(p);
    assert_ptr_equal(problem_set_get(ps, "later", &pdir, &err), p);
    /* the first problem's pointer is still valid after the set grew */
    assert_int_equal(problem_set_get(ps, "good", &pdir, &err)->n_tests, 1);
    problem_set_free(ps);
}

static void test_missing_dir(void **state)
{
    struct problem_set *ps;
    size_t loaded, bad;
    struct oj_err err = {0};
    assert_int_equal(problem_set_open("/nonexistent/problems", &ps, &loaded, &bad, &err), -1);
    assert_string_equal(err.msg, "--problems /nonexistent/problems: No such file or directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_load, setup, teardown),
        cmocka_unit_test(test_missing_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
