/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Subtasks and points (specs/problem-format.md, "Groups and scores").
 *
 * The judge asks oj_score_next() which test to run next, runs it, records
 * its verdict, and asks again; then oj_score_compute() gives the final
 * result.  Keeping "what next" here, beside the scoring, is what makes
 * "judging a group stops at its first failure" and "a group whose
 * dependency failed is skipped" one rule for every judge (hack/judge,
 * ojrun-worker) instead of one per judge.
 *
 * A test's verdict is AC, PC (a custom checker's partial points, with a
 * fraction in (0, 1]), or a failure: PE, WA, TLE, WLE, MLE, OLE, RE, SE.
 * A test passes when it is AC, or PC with a fraction above 0.
 */
#ifndef OJRUN_JUDGE_SCORE_H
#define OJRUN_JUDGE_SCORE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"
#include "problem.h"
#include "strbuf.h"

struct oj_test_result {
    bool judged;
    char verdict[8];
    double fraction; /* of the test's share: 1 for AC, (0, 1] for PC, 0 for a failure */
};

struct oj_group_score {
    char verdict[8]; /* AC, PC, the first failing test's verdict, or SKIPPED */
    double score;    /* points x the product of the tests' fractions, or 0 */
    ssize_t failed;  /* the test that failed it, or -1 */
};

struct oj_score {
    char verdict[8]; /* AC, or the first verdict that is not AC in judging order */
    double score, max_score;
    struct oj_group_score *groups; /* one per problem group */
};

/* Record one test's verdict (`fraction` matters for PC only).  -1 with err
 * for an unknown verdict or a fraction out of range. */
int oj_score_record(struct oj_test_result *r, const char *verdict, double fraction,
                    struct oj_err *err);

/* The index of the next test to judge, or -1 when judging is over. */
ssize_t oj_score_next(const struct oj_problem *p, const struct oj_test_result *results);

/* The final result; every test oj_score_next() asked for must be judged.
 * Free s->groups. */
int oj_score_compute(const struct oj_problem *p, const struct oj_test_result *results,
                     struct oj_score *s, struct oj_err *err);

/* The result as one JSON object: verdict, score, max_score, groups[] with
 * name, points, score, verdict, tests[] ({name, verdict} of the tests
 * judged for it), and tests[] when there are no groups. */
void oj_score_write_json(const struct oj_problem *p, const struct oj_test_result *results,
                         const struct oj_score *s, struct jw *w);

/* A score or points as JSON: six decimals at most, no trailing zeros, no
 * "-0" or exponent (the form of every score the judges write). */
void oj_score_jw_number(struct jw *w, const char *key, double v);

#endif
