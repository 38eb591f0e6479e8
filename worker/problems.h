/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The problems a worker serves: the directory given by --problems, one
 * problem directory per problem_id (DIR/<problem_id>/, specs/problem-format.md).
 *
 * Every problem is loaded and validated when the worker starts; a bad one
 * is logged as one error line and is not served (its submissions are
 * dead-lettered with that error), the others are.  A problem_id that was
 * not there at start is looked up on its first submission, so problems can
 * be added to a running worker.  A problem once loaded (or refused) is not
 * reloaded: problems change by restarting the worker, which SIGTERM makes
 * lossless (specs/worker-protocol.md, "Shutdown").  Judgings in flight keep pointers into the
 * set, so entries are never freed before the set.
 */
#ifndef OJRUN_WORKER_PROBLEMS_H
#define OJRUN_WORKER_PROBLEMS_H

#include <stddef.h>

#include "error.h"

struct oj_problem;
struct problem_set;

/* Load every subdirectory of `dir`.  Fails only when `dir` cannot be
 * read; *bad gets the number of problems refused. */
int problem_set_open(const char *dir, struct problem_set **out, size_t *loaded, size_t *bad,
                     struct oj_err *err);
void problem_set_free(struct problem_set *ps);

/* The problem `id` (a valid problem_id) and its directory, loading it if
 * it is new; NULL with the reason ("problem_id: no problem \"x\" in DIR",
 * or the load error of a bad problem). */
const struct oj_problem *problem_set_get(struct problem_set *ps, const char *id, const char **dir,
                                         struct oj_err *err);

#endif
