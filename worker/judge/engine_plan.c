/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Tests in parallel, verdicts as in order.
 *
 * score.c decides what judging in order does: without groups every test
 * is judged; with groups a group stops at its first failure and a group
 * whose dependency failed is skipped.  Running tests in several slots at
 * once must not change any of that, so the engine speculates: it starts
 * the test that judging in order would reach next *if every running test
 * passed*, and commits results strictly in that order (oj_score_next() on
 * the committed results alone).  A test that turns out not to be reached
 * -- a test of a group after its first failure -- is cancelled while it
 * runs, or its result dropped: the committed results, hence the verdict,
 * the score and the per-test table, are those of the sequential judge.
 */
#include <string.h>

#include "engine_internal.h"

ssize_t oj_engine_plan(const struct oj_problem *p, const struct oj_test_result *committed,
                       const enum oj_test_state *state, const struct oj_test_result *done,
                       struct oj_test_result *hypo, bool *needed)
{
    static const struct oj_test_result pass = {.judged = true, .verdict = "AC", .fraction = 1};
    ssize_t first = -1;
    memcpy(hypo, committed, p->n_tests * sizeof(*hypo));
    if (needed)
        memset(needed, 0, p->n_tests * sizeof(*needed));
    for (;;) {
        ssize_t t = oj_score_next(p, hypo);
        if (t < 0)
            break;
        if (needed)
            needed[t] = true;
        if (state[t] == OJ_TEST_DONE) {
            hypo[t] = done[t];
            continue;
        }
        if (state[t] == OJ_TEST_IDLE && first < 0) {
            first = t;
            if (!needed)
                break;
        }
        hypo[t] = pass; /* running, or (for `needed`) not started yet */
    }
    return first;
}
