/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The result of a judging as one JSON object: what `hack/judge --json`
 * prints and what ojrun-worker publishes (specs/judge-templates.md,
 * "Reference judge"):
 *
 *   {"submission_id", "attempt", "verdict", "score", "max_score",
 *    "compile": {"verdict", "message"},
 *    "groups": [{"name", "points", "score", "verdict", "tests": [names]}],
 *    "tests": [{"name", "verdict", "cpu_us", "wall_us", "memory_peak_bytes",
 *               "pids_peak", "exit_code", "signal", "judge_us", "points",
 *               "message", "attempts"}],
 *    "error" (only when the problem could not be judged),
 *    "timings": {"compile_us", "total_us"}}
 *
 * Tests are in judging order; the scores come from score.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "signals.h"

static double max_score(const struct oj_problem *p)
{
    if (p->n_groups == 0)
        return (double)p->n_tests;
    double m = 0;
    for (size_t g = 0; g < p->n_groups; g++)
        m += (double)p->groups[g].points;
    return m;
}

static void write_row(struct jw *w, const struct oj_problem *p, const struct oj_engine_row *r)
{
    jw_obj_begin(w);
    jw_kstr(w, "name", p->tests[r->test]);
    jw_kstr(w, "verdict", r->verdict);
    jw_kuint(w, "cpu_us", r->run.cpu_us);
    jw_kuint(w, "wall_us", r->run.wall_us);
    jw_kuint(w, "memory_peak_bytes", r->run.memory_peak_bytes);
    jw_kuint(w, "pids_peak", r->run.pids_peak);
    jw_key(w, "exit_code");
    if (r->run.has_exit_code)
        jw_int(w, r->run.exit_code);
    else
        jw_null(w);
    jw_kstr(w, "signal", r->run.signal ? oj_signal_name(r->run.signal) : NULL);
    jw_kuint(w, "judge_us", r->judge_us);
    oj_score_jw_number(w, "points", r->fraction);
    jw_kstr(w, "message", r->msg);
    jw_kuint(w, "attempts", r->attempts);
    jw_obj_end(w);
}

int oj_engine_write_result(const struct oj_engine_outcome *o, unsigned attempt, struct jw *w,
                           char verdict[8], struct oj_err *err)
{
    const struct oj_problem *p = o->problem;
    bool judged = !o->error && (strcmp(o->compile_verdict, "OK") == 0 ||
                                strcmp(o->compile_verdict, "SKIPPED") == 0);
    struct oj_score s = {.verdict = "SE"};
    if (judged) {
        if (oj_score_compute(p, o->results, &s, err) < 0)
            return -1;
    } else {
        snprintf(s.verdict, sizeof(s.verdict), "%s", o->error ? "SE" : o->compile_verdict);
        s.max_score = max_score(p);
    }
    snprintf(verdict, 8, "%s", s.verdict);
    jw_obj_begin(w);
    if (o->submission_id)
        jw_kstr(w, "submission_id", o->submission_id);
    jw_kuint(w, "attempt", attempt);
    jw_kstr(w, "verdict", s.verdict);
    oj_score_jw_number(w, "score", s.score);
    oj_score_jw_number(w, "max_score", s.max_score);
    jw_key(w, "compile");
    jw_obj_begin(w);
    jw_kstr(w, "verdict", o->compile_verdict);
    jw_kstr(w, "message", o->compile_message ? o->compile_message : "");
    jw_obj_end(w);
    jw_key(w, "groups");
    jw_arr_begin(w);
    for (size_t g = 0; judged && g < p->n_groups; g++) {
        const struct oj_problem_group *grp = &p->groups[g];
        jw_obj_begin(w);
        jw_kstr(w, "name", grp->name);
        jw_kint(w, "points", grp->points);
        oj_score_jw_number(w, "score", s.groups[g].score);
        jw_kstr(w, "verdict", s.groups[g].verdict);
        jw_key(w, "tests");
        jw_arr_begin(w);
        for (size_t i = 0; i < grp->n_tests; i++) {
            jw_str(w, p->tests[grp->tests[i]]);
            if ((ssize_t)grp->tests[i] == s.groups[g].failed)
                break; /* the rest of the group was not judged for it */
        }
        jw_arr_end(w);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    free(s.groups);
    jw_key(w, "tests");
    jw_arr_begin(w);
    for (size_t i = 0; i < o->n_rows; i++)
        write_row(w, p, &o->rows[i]);
    jw_arr_end(w);
    if (o->error)
        jw_kstr(w, "error", o->error);
    jw_key(w, "timings");
    jw_obj_begin(w);
    jw_kuint(w, "compile_us", o->compile_us);
    jw_kuint(w, "total_us", o->total_us);
    jw_obj_end(w);
    jw_obj_end(w);
    return jw_check(w, "result", err);
}
