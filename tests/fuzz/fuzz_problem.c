/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: problem.json (worker/judge/problem.c), what a problem
 * setter writes.  The first byte selects the form: even for problem.json,
 * odd for the old limits.json; the rest is the document, parsed for a
 * problem whose tests are 1, 2, 3 and 10.
 *
 * Properties: errors are one line naming the document; an accepted problem
 * keeps problem.h's promises (limits in range, the wall limit set, groups
 * naming existing tests and only earlier groups, every test in a group,
 * time factors of known languages in (0, 100]); its normalised JSON parses
 * back; judging it with every test AC ends, judges each test once and
 * scores max_score.
 */
#include <math.h>
#include <stdbool.h>

#include "fuzz.h"
#include "json.h"
#include "problem.h"
#include "score.h"
#include "strbuf.h"

static void problem_check_accepted(const struct oj_problem *p)
{
    FUZZ_CHECK(p->cpu_ms >= 1 && p->cpu_ms <= 86400000);
    FUZZ_CHECK(p->wall_ms >= 1 && p->wall_ms <= 3 * 86400000LL);
    FUZZ_CHECK(p->memory_mb >= 1 && p->memory_mb <= (1 << 20));
    FUZZ_CHECK(p->output_kb >= 1 && p->output_kb <= (1 << 30));
    FUZZ_CHECK(p->checker.kind <= OJ_CHECKER_CUSTOM);
    FUZZ_CHECK(p->checker.eps >= 0 && p->checker.eps < 1);
    for (size_t i = 0; i < p->n_time_factors; i++) {
        FUZZ_CHECK(p->time_factors[i].factor > 0 && p->time_factors[i].factor <= 100);
        int64_t cpu, wall;
        oj_problem_limits(p, p->time_factors[i].lang, &cpu, &wall);
        FUZZ_CHECK(cpu >= 1 && wall >= 1);
    }
    for (size_t g = 0; g < p->n_groups; g++) {
        FUZZ_CHECK(p->groups[g].name && p->groups[g].name[0]);
        FUZZ_CHECK(p->groups[g].n_tests > 0);
        for (size_t i = 0; i < p->groups[g].n_tests; i++)
            FUZZ_CHECK(p->groups[g].tests[i] < p->n_tests);
        for (size_t i = 0; i < p->groups[g].n_depends; i++)
            FUZZ_CHECK(p->groups[g].depends[i] < g);
    }

    struct jw w;
    jw_init(&w, false);
    oj_problem_write_json(p, "java", &w);
    struct oj_err err = {0};
    FUZZ_CHECK(jw_check(&w, "problem", &err) == 0);
    oj_json *back = oj_json_parse(w.sb.s, w.sb.len, "normalised", &err);
    FUZZ_CHECK(back != NULL);
    FUZZ_CHECK(oj_json_len(oj_json_get(back, "groups")) == p->n_groups);
    oj_json_free(back);
    sb_free(&w.sb);

    /* everything AC: every test judged once (each is in some group), full marks */
    struct oj_test_result res[4] = {0};
    ssize_t t;
    size_t judged = 0;
    while ((t = oj_score_next(p, res)) >= 0) {
        FUZZ_CHECK((size_t)t < p->n_tests && !res[t].judged);
        FUZZ_CHECK(oj_score_record(&res[t], "AC", 1, &err) == 0);
        judged++;
    }
    FUZZ_CHECK(judged == p->n_tests);
    struct oj_score s;
    FUZZ_CHECK(oj_score_compute(p, res, &s, &err) == 0);
    FUZZ_CHECK(s.score == s.max_score && strcmp(s.verdict, "AC") == 0);
    free(s.groups);
}

static int fuzz_problem(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    bool limits_only = data[0] & 1;
    const char *what = limits_only ? "limits.json" : "problem.json";
    static const char *const names[] = {"1", "2", "3", "10"};
    struct oj_problem p = {.cpu_ms = 1000, .memory_mb = 256, .output_kb = 65536};
    p.tests = calloc(5, sizeof(char *));
    FUZZ_CHECK(p.tests != NULL);
    for (size_t i = 0; i < 4; i++)
        FUZZ_CHECK((p.tests[i] = strdup(names[i])) != NULL);
    p.n_tests = 4;
    struct oj_err err = {0};
    if (oj_problem_parse(&p, (const char *)data + 1, size - 1, what, limits_only, &err) < 0) {
        fuzz_check_err(&err);
        FUZZ_CHECK(strncmp(err.msg, what, strlen(what)) == 0);
    } else {
        problem_check_accepted(&p);
    }
    oj_problem_clear(&p);
    return 0;
}

FUZZ_ENTRY(fuzz_problem)
