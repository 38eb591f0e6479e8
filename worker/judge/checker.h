/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The built-in output checkers of the judging core (specs/problem-format.md,
 * "Checkers").  They compare a submission's output with the problem's
 * answer file while reading both in 64 KiB blocks, so that a 200 MiB output
 * -- or one 200 MiB line or token -- costs no more memory than a short one.
 *
 *   exact      the bytes are equal
 *   lines      AC when the lines are equal once each loses its trailing
 *              whitespace and the file its trailing blank lines; PE when
 *              only the whitespace differs (the tokens are equal); WA else
 *   tokens     the whitespace-separated tokens are equal
 *   float:EPS  tokens equal, or both numbers within absolute or relative
 *              error EPS (of the answer's number)
 *
 * `custom` names the problem's own checker program: it is run by the judge
 * in a container (hack/judge), not here; oj_checker_parse() accepts it so
 * that problem.json has one field for all of them.
 */
#ifndef OJRUN_JUDGE_CHECKER_H
#define OJRUN_JUDGE_CHECKER_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

enum oj_checker_kind {
    OJ_CHECKER_LINES, /* 0: the default */
    OJ_CHECKER_EXACT,
    OJ_CHECKER_TOKENS,
    OJ_CHECKER_FLOAT,
    OJ_CHECKER_CUSTOM,
};

struct oj_checker {
    enum oj_checker_kind kind;
    double eps; /* OJ_CHECKER_FLOAT: 0 <= eps < 1 */
};

enum oj_check_verdict {
    OJ_CHECK_AC,
    OJ_CHECK_PE,
    OJ_CHECK_WA,
};

/* The longest token the float checker reads as a number: a longer one is
 * compared byte by byte (no decimal number needs more digits than this to
 * be told apart at any EPS a double can hold). */
#define OJ_CHECK_NUMBER_MAX 512

/* "exact", "lines", "tokens", "float:EPS" (EPS a decimal number in [0, 1),
 * e.g. 1e-6) or "custom".  The message names the value, not the field:
 * the caller adds where it came from. */
int oj_checker_parse(const char *spec, struct oj_checker *out, struct oj_err *err);

/* The checker's name as problem.json spells it ("float:1e-06" for float). */
void oj_checker_format(const struct oj_checker *c, char *buf, size_t size);

/* Compare `output_fd` with the answer in `answer_fd`, both read from their
 * current offset (the lines checker seeks both back to it for its second,
 * token-wise pass, so they must be seekable).  *verdict is AC, PE (lines
 * only) or WA; `msg` gets a one-line description of the first difference
 * ("" for AC).  -1 with err when a read fails or the checker is custom. */
int oj_check_fds(const struct oj_checker *c, int answer_fd, int output_fd,
                 enum oj_check_verdict *verdict, char *msg, size_t msg_size, struct oj_err *err);

/* The same on two paths (opened read-only). */
int oj_check_files(const struct oj_checker *c, const char *answer, const char *output,
                   enum oj_check_verdict *verdict, char *msg, size_t msg_size, struct oj_err *err);

const char *oj_check_verdict_name(enum oj_check_verdict v);

#endif
