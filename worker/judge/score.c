/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Groups, points and the order of judging (score.h).  The scoring rule is
 * IOI's "min" rule -- a group scores its points only when every test in it
 * passes -- with a custom checker's partial points multiplying (a group of
 * two tests each given 0.5 scores a quarter of its points).  Dependencies
 * name earlier groups only (problem.c), so judging the groups in order sees
 * every dependency settled before the group that needs it.
 */
#include "score.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const failures[] = {"PE", "WA", "TLE", "WLE", "MLE", "OLE", "RE", "SE", NULL};

int oj_score_record(struct oj_test_result *r, const char *verdict, double fraction,
                    struct oj_err *err)
{
    bool known = strcmp(verdict, "AC") == 0 || strcmp(verdict, "PC") == 0;
    for (size_t i = 0; !known && failures[i]; i++)
        known = strcmp(verdict, failures[i]) == 0;
    if (!known)
        return oj_fail(err, 0,
                       "unknown verdict \"%.16s\" (AC, PC, PE, WA, TLE, WLE, MLE, OLE, "
                       "RE, SE)",
                       verdict);
    if (strcmp(verdict, "PC") == 0) {
        if (!(fraction >= 0 && fraction <= 1))
            return oj_fail(err, 0, "PC: points %g out of [0, 1]", fraction);
    } else
        fraction = strcmp(verdict, "AC") == 0 ? 1 : 0;
    r->judged = true;
    snprintf(r->verdict, sizeof(r->verdict), "%s", verdict);
    r->fraction = fraction;
    return 0;
}

static bool passed(const struct oj_test_result *r)
{
    return r->judged && r->fraction > 0;
}

/* Did group g pass?  (Its tests judged in order, none failed.) */
static bool group_passed(const struct oj_problem *p, const struct oj_test_result *res, size_t g);

static bool deps_passed(const struct oj_problem *p, const struct oj_test_result *res, size_t g)
{
    for (size_t i = 0; i < p->groups[g].n_depends; i++)
        if (!group_passed(p, res, p->groups[g].depends[i]))
            return false;
    return true;
}

static bool group_passed(const struct oj_problem *p, const struct oj_test_result *res, size_t g)
{
    if (!deps_passed(p, res, g))
        return false;
    for (size_t i = 0; i < p->groups[g].n_tests; i++)
        if (!passed(&res[p->groups[g].tests[i]]))
            return false;
    return true;
}

ssize_t oj_score_next(const struct oj_problem *p, const struct oj_test_result *res)
{
    if (p->n_groups == 0) {
        for (size_t t = 0; t < p->n_tests; t++)
            if (!res[t].judged)
                return (ssize_t)t;
        return -1;
    }
    for (size_t g = 0; g < p->n_groups; g++) {
        if (!deps_passed(p, res, g))
            continue; /* SKIPPED */
        for (size_t i = 0; i < p->groups[g].n_tests; i++) {
            size_t t = p->groups[g].tests[i];
            if (!res[t].judged)
                return (ssize_t)t;
            if (!passed(&res[t]))
                break; /* the group stops at its first failure */
        }
    }
    return -1;
}

int oj_score_compute(const struct oj_problem *p, const struct oj_test_result *res,
                     struct oj_score *s, struct oj_err *err)
{
    *s = (struct oj_score){.verdict = "AC"};
    if (oj_score_next(p, res) >= 0)
        return oj_fail(err, 0, "test \"%s\" is not judged yet", p->tests[oj_score_next(p, res)]);
    if (p->n_groups == 0) {
        /* each test counts the same; the verdict is the first that is not AC */
        s->max_score = (double)p->n_tests;
        for (size_t t = 0; t < p->n_tests; t++) {
            s->score += res[t].fraction;
            if (strcmp(s->verdict, "AC") == 0 && strcmp(res[t].verdict, "AC") != 0)
                snprintf(s->verdict, sizeof(s->verdict), "%s", res[t].verdict);
        }
        return 0;
    }
    s->groups = calloc(p->n_groups, sizeof(*s->groups));
    if (!s->groups)
        return oj_fail(err, ENOMEM, "score");
    for (size_t g = 0; g < p->n_groups; g++) {
        const struct oj_problem_group *grp = &p->groups[g];
        struct oj_group_score *gs = &s->groups[g];
        s->max_score += (double)grp->points;
        gs->failed = -1;
        if (!deps_passed(p, res, g)) {
            snprintf(gs->verdict, sizeof(gs->verdict), "SKIPPED");
            continue;
        }
        double product = 1;
        snprintf(gs->verdict, sizeof(gs->verdict), "AC");
        for (size_t i = 0; i < grp->n_tests; i++) {
            const struct oj_test_result *r = &res[grp->tests[i]];
            if (!passed(r)) {
                gs->failed = (ssize_t)grp->tests[i];
                /* a PC with no points is a failure of its own kind: WA */
                snprintf(gs->verdict, sizeof(gs->verdict), "%s",
                         strcmp(r->verdict, "PC") == 0 ? "WA" : r->verdict);
                product = 0;
                break;
            }
            product *= r->fraction;
            if (r->fraction < 1)
                snprintf(gs->verdict, sizeof(gs->verdict), "PC");
        }
        gs->score = (double)grp->points * product;
        s->score += gs->score;
        if (strcmp(s->verdict, "AC") == 0 && strcmp(gs->verdict, "AC") != 0)
            snprintf(s->verdict, sizeof(s->verdict), "%s", gs->verdict);
    }
    return 0;
}

void oj_score_jw_number(struct jw *w, const char *key, double v)
{
    char buf[64];
    /* six decimals are more than any scoreboard shows; no "-0" or "1e+02" */
    snprintf(buf, sizeof(buf), "%.6f", v);
    char *end = buf + strlen(buf) - 1;
    while (*end == '0')
        *end-- = '\0';
    if (*end == '.')
        *end = '\0';
    if (strcmp(buf, "-0") == 0)
        snprintf(buf, sizeof(buf), "0");
    jw_key(w, key);
    jw_raw(w, buf);
}

static void write_test(struct jw *w, const struct oj_problem *p, const struct oj_test_result *r,
                       size_t t, bool skipped)
{
    jw_obj_begin(w);
    jw_kstr(w, "name", p->tests[t]);
    jw_kstr(w, "verdict", r->judged && !skipped ? r->verdict : "SKIPPED");
    oj_score_jw_number(w, "points", skipped ? 0 : r->fraction);
    jw_obj_end(w);
}

void oj_score_write_json(const struct oj_problem *p, const struct oj_test_result *res,
                         const struct oj_score *s, struct jw *w)
{
    jw_obj_begin(w);
    jw_kstr(w, "verdict", s->verdict);
    oj_score_jw_number(w, "score", s->score);
    oj_score_jw_number(w, "max_score", s->max_score);
    jw_key(w, "groups");
    jw_arr_begin(w);
    for (size_t g = 0; g < p->n_groups; g++) {
        const struct oj_problem_group *grp = &p->groups[g];
        jw_obj_begin(w);
        jw_kstr(w, "name", grp->name);
        jw_kint(w, "points", grp->points);
        oj_score_jw_number(w, "score", s->groups[g].score);
        jw_kstr(w, "verdict", s->groups[g].verdict);
        jw_key(w, "tests");
        jw_arr_begin(w);
        for (size_t i = 0; i < grp->n_tests; i++) {
            size_t t = grp->tests[i];
            write_test(w, p, &res[t], t, strcmp(s->groups[g].verdict, "SKIPPED") == 0);
            if ((ssize_t)t == s->groups[g].failed)
                break; /* the rest of the group was not judged for it */
        }
        jw_arr_end(w);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    if (p->n_groups == 0) {
        jw_key(w, "tests");
        jw_arr_begin(w);
        for (size_t t = 0; t < p->n_tests; t++)
            write_test(w, p, &res[t], t, false);
        jw_arr_end(w);
    }
    jw_obj_end(w);
}
