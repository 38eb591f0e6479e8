/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A submission message (specs/worker-protocol.md, "Submission"): parsed and
 * validated before anything is judged, so that a message the worker cannot
 * judge is dead-lettered with one line naming the field at fault --
 *
 *   language: "cobol" is not served here (c, cpp, python)
 *   limits.cpu_ms: 5000 is above the problem's 2000
 *
 * -- and never crashes the worker or comes back.
 */
#ifndef OJRUN_WORKER_SUBMISSION_H
#define OJRUN_WORKER_SUBMISSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* The version of the messages this worker reads and writes. */
#define OJ_WORKER_PROTOCOL_VERSION 1

/* submission_id and problem_id: [A-Za-z0-9_.-]{1,100}, not "." or ".."
 * (a problem_id names a directory, a submission_id a result file). */
#define OJ_SUBMISSION_ID_MAX 100

struct submission {
    char *id; /* set as soon as it is valid, also when a later field is not */
    char *problem_id;
    char *language;
    char *source;
    size_t source_len;
    /* optional overrides ("limits"); 0: the problem's */
    int64_t cpu_ms, wall_ms, memory_mb;
};

struct submission_rules {
    size_t max_source_bytes;
    /* the languages this worker judges, NULL-terminated; NULL: all of
     * oj_problem_languages */
    const char *const *languages;
};

/* The largest message body worth parsing for these rules: a source of the
 * maximum size, every byte escaped, plus room for the other fields. */
size_t submission_max_body(const struct submission_rules *r);

/* Parse and validate `body`.  On failure err holds the one-line reason
 * (naming the field) and s->id is set if the submission_id was valid. */
int submission_parse(const char *body, size_t len, const struct submission_rules *r,
                     struct submission *s, struct oj_err *err);

/* The overrides against the problem's caps for s->language (time factor
 * applied): "limits.cpu_ms: 5000 is above the problem's 2000". */
struct oj_problem;
int submission_check_limits(const struct submission *s, const struct oj_problem *p,
                            struct oj_err *err);

/* submission_id / problem_id's rule. */
bool submission_valid_id(const char *id);

void submission_clear(struct submission *s);

#endif
