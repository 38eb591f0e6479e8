/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ojrun-judge-tool: the judging core (worker/judge/) from the command line.
 * hack/judge is `ojrun-judge-tool judge`: one submission through the
 * judging engine, the same engine ojrun-worker drives, so that both share
 * one implementation of the containers, the problem format, the checkers
 * and the scoring.
 *
 *   ojrun-judge-tool judge --lang LANG --problem DIR [options] SOURCE
 *       judge one submission (judge-cmd.c)
 *   ojrun-judge-tool validate-problem [--lang LANG] DIR
 *       load and validate the problem; print its normalised form (one JSON
 *       line, specs/problem-format.md) with the limits for LANG
 *   ojrun-judge-tool check CHECKER ANSWER OUTPUT
 *       compare with a built-in checker; print the verdict (AC, PE, WA) on
 *       the first line and the first difference on the second
 *   ojrun-judge-tool next DIR RESULTS
 *       print the name of the next test to judge, nothing when done
 *   ojrun-judge-tool score DIR RESULTS
 *       print the result with points (one JSON line)
 *
 * RESULTS is a file of lines "NAME<TAB>VERDICT[<TAB>FRACTION]", the tests
 * judged so far.  Exit status: 0, 1 on an error (one line on stderr),
 * 2 on a usage error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "error.h"
#include "judge-cmd.h"
#include "judge/checker.h"
#include "judge/problem.h"
#include "judge/score.h"
#include "strbuf.h"
#include "util.h"

#define RESULTS_MAX (16 << 20)

static int usage(void)
{
    fprintf(stderr, "usage: ojrun-judge-tool judge --lang LANG --problem DIR [options] SOURCE\n"
                    "       ojrun-judge-tool validate-problem [--lang LANG] DIR\n"
                    "       ojrun-judge-tool check CHECKER ANSWER OUTPUT\n"
                    "       ojrun-judge-tool next DIR RESULTS\n"
                    "       ojrun-judge-tool score DIR RESULTS\n");
    return 2;
}

static int failed(const struct oj_err *err)
{
    fprintf(stderr, "ojrun-judge-tool: %s\n", err->msg);
    return 1;
}

static int print_json(struct jw *w)
{
    struct oj_err err = {0};
    if (jw_check(w, "output", &err) < 0) {
        sb_free(&w->sb);
        return failed(&err);
    }
    int rc = printf("%s\n", sb_str(&w->sb)) < 0 || fflush(stdout) != 0;
    sb_free(&w->sb);
    return rc;
}

/* RESULTS into one oj_test_result per test of p. */
static int read_results(const struct oj_problem *p, const char *path, struct oj_test_result **out,
                        struct oj_err *err)
{
    _cleanup_free_ char *data = NULL;
    size_t len = 0;
    if (oj_read_file(path, RESULTS_MAX, &data, &len, err) < 0)
        return -1;
    struct oj_test_result *res = calloc(p->n_tests, sizeof(*res));
    if (!res)
        return oj_fail(err, ENOMEM, "%s", path);
    size_t lineno = 0;
    char *save = NULL;
    for (char *line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lineno++;
        char *name = line, *verdict = strchr(line, '\t'), *fraction = NULL;
        if (verdict) {
            *verdict++ = '\0';
            if ((fraction = strchr(verdict, '\t')))
                *fraction++ = '\0';
        }
        ssize_t t = verdict ? oj_problem_test_index(p, name) : -1;
        if (!verdict) {
            free(res);
            return oj_fail(err, 0, "%s:%zu: expected NAME<TAB>VERDICT[<TAB>FRACTION]", path,
                           lineno);
        }
        if (t < 0) {
            free(res);
            return oj_fail(err, 0, "%s:%zu: no test \"%.64s\"", path, lineno, name);
        }
        double f = 0;
        if (fraction) {
            char *end;
            errno = 0;
            f = strtod(fraction, &end);
            if (errno || end == fraction || *end) {
                free(res);
                return oj_fail(err, 0, "%s:%zu: \"%.32s\" is not a number", path, lineno, fraction);
            }
        } else if (strcmp(verdict, "PC") == 0) {
            free(res);
            return oj_fail(err, 0, "%s:%zu: PC needs its FRACTION", path, lineno);
        }
        if (oj_score_record(&res[t], verdict, f, err) < 0) {
            free(res);
            return oj_wrap(err, "%s:%zu", path, lineno);
        }
    }
    *out = res;
    return 0;
}

static int cmd_validate(int argc, char **argv)
{
    const char *lang = NULL;
    if (argc == 4 && strcmp(argv[1], "--lang") == 0) {
        lang = argv[2];
        argv += 2;
        argc -= 2;
    }
    if (argc != 2)
        return usage();
    struct oj_err err = {0};
    if (lang) {
        bool known = false;
        for (size_t i = 0; oj_problem_languages[i]; i++)
            known = known || strcmp(lang, oj_problem_languages[i]) == 0;
        if (!known) {
            fprintf(stderr, "ojrun-judge-tool: --lang %s: unknown language\n", lang);
            return 2;
        }
    }
    _cleanup_problem_ struct oj_problem *p = NULL;
    if (oj_problem_load(argv[1], &p, &err) < 0)
        return failed(&err);
    struct jw w;
    jw_init(&w, false);
    oj_problem_write_json(p, lang, &w);
    return print_json(&w);
}

static int cmd_check(int argc, char **argv)
{
    if (argc != 4)
        return usage();
    struct oj_err err = {0};
    struct oj_checker c;
    if (oj_checker_parse(argv[1], &c, &err) < 0 ||
        (c.kind == OJ_CHECKER_CUSTOM &&
         oj_fail(&err, 0, "\"custom\": the judge runs the problem's checker program") < 0))
        return failed(&err);
    enum oj_check_verdict v;
    char msg[512];
    if (oj_check_files(&c, argv[2], argv[3], &v, msg, sizeof(msg), &err) < 0)
        return failed(&err);
    if (printf("%s\n%s\n", oj_check_verdict_name(v), msg) < 0 || fflush(stdout) != 0)
        return 1;
    return 0;
}

static int cmd_next_or_score(int argc, char **argv, bool score)
{
    if (argc != 3)
        return usage();
    struct oj_err err = {0};
    _cleanup_problem_ struct oj_problem *p = NULL;
    if (oj_problem_load(argv[1], &p, &err) < 0)
        return failed(&err);
    _cleanup_free_ struct oj_test_result *res = NULL;
    if (read_results(p, argv[2], &res, &err) < 0)
        return failed(&err);
    if (!score) {
        ssize_t t = oj_score_next(p, res);
        if (t >= 0 && printf("%s\n", p->tests[t]) < 0)
            return 1;
        return fflush(stdout) != 0;
    }
    struct oj_score s;
    if (oj_score_compute(p, res, &s, &err) < 0)
        return failed(&err);
    struct jw w;
    jw_init(&w, false);
    oj_score_write_json(p, res, &s, &w);
    free(s.groups);
    return print_json(&w);
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    const char *cmd = argv[1];
    if (strcmp(cmd, "judge") == 0)
        return cmd_judge(argc - 1, argv + 1);
    if (strcmp(cmd, "validate-problem") == 0)
        return cmd_validate(argc - 1, argv + 1);
    if (strcmp(cmd, "check") == 0)
        return cmd_check(argc - 1, argv + 1);
    if (strcmp(cmd, "next") == 0)
        return cmd_next_or_score(argc - 1, argv + 1, false);
    if (strcmp(cmd, "score") == 0)
        return cmd_next_or_score(argc - 1, argv + 1, true);
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage();
        return 0;
    }
    fprintf(stderr, "ojrun-judge-tool: unknown command %s\n", cmd);
    return usage();
}
