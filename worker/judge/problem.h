/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A problem directory (specs/problem-format.md): tests/NAME.in and
 * tests/NAME.out, and problem.json -- limits, checker, interactive,
 * per-language time factors, groups of tests with points -- or the older
 * limits.json (limits only).  Loading validates everything a judge relies
 * on, so that a problem is refused as a whole, with one error naming the
 * problem and the field, before anything is judged against it:
 *
 *   problem hack/demo/sub: problem.json: groups[1].tests[0]: no test "9"
 */
#ifndef OJRUN_JUDGE_PROBLEM_H
#define OJRUN_JUDGE_PROBLEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "checker.h"
#include "error.h"
#include "strbuf.h"

/* The version of the problem format this code reads (problem.json's
 * optional "version"). */
#define OJ_PROBLEM_FORMAT_VERSION 1

/* The languages of the judge templates, the keys of time_factor. */
extern const char *const oj_problem_languages[];

struct oj_problem_group {
    char *name;
    int64_t points;
    size_t *tests; /* indexes into oj_problem.tests, in the group's order */
    size_t n_tests;
    size_t *depends; /* indexes of earlier groups */
    size_t n_depends;
};

struct oj_time_factor {
    const char *lang; /* one of oj_problem_languages */
    double factor;
};

struct oj_problem {
    const char *file; /* "problem.json", "limits.json" or NULL (defaults) */
    int64_t cpu_ms, wall_ms, memory_mb, output_kb; /* wall_ms defaults to 3 x cpu_ms */
    struct oj_checker checker;                     /* default: lines */
    bool interactive;
    struct oj_time_factor *time_factors;
    size_t n_time_factors;
    char **tests; /* names, in `sort -V` order; NULL-terminated */
    size_t n_tests;
    struct oj_problem_group *groups; /* none: every test counts the same */
    size_t n_groups;
    char *checker_source;    /* custom: "checker.c" or "checker.cpp" */
    char *interactor_source; /* interactive: "interactor.c" or "interactor.cpp" */
};

/* Parse the text of problem.json (`limits_only`: of limits.json, which
 * allows the four limits only) into `p`, whose tests[] must be set: groups
 * name tests by name.  Errors start with `what` ("problem.json: ...").  On
 * failure `p` holds what was parsed so far: free it with oj_problem_clear(). */
int oj_problem_parse(struct oj_problem *p, const char *data, size_t len, const char *what,
                     bool limits_only, struct oj_err *err);

/* Load and validate the problem in `dir`.  The error starts with
 * "problem DIR: ". */
int oj_problem_load(const char *dir, struct oj_problem **out, struct oj_err *err);

/* Release what `p` holds (not `p`); oj_problem_free() also frees `p`. */
void oj_problem_clear(struct oj_problem *p);
void oj_problem_free(struct oj_problem *p);
static inline void oj_problem_freep(struct oj_problem **p)
{
    oj_problem_free(*p);
}
#define _cleanup_problem_ __attribute__((cleanup(oj_problem_freep)))

/* The CPU and wall limits for `lang` (NULL: none), after its time factor;
 * rounded up to a millisecond. */
void oj_problem_limits(const struct oj_problem *p, const char *lang, int64_t *cpu_ms,
                       int64_t *wall_ms);

/* Index of the test named `name`, or -1. */
ssize_t oj_problem_test_index(const struct oj_problem *p, const char *name);

/* The problem as one JSON object (specs/problem-format.md, "The normalised
 * form"): every field with its default filled in, and the limits for `lang`. */
void oj_problem_write_json(const struct oj_problem *p, const char *lang, struct jw *w);

#endif
