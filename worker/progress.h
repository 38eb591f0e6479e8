/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the worker writes besides the engine's result JSON
 * (specs/worker-protocol.md): a progress event -- one test of a submission
 * finished, with the shim's accounting relayed unchanged -- and the
 * worker's own member of the final result.
 */
#ifndef OJRUN_WORKER_PROGRESS_H
#define OJRUN_WORKER_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "strbuf.h"

/* One JSON object, no newline, into w (jw_init'ed by the caller). */
void worker_progress_json(const char *submission_id, unsigned attempt,
                          const struct oj_test_report *t, struct jw *w);

/* Add "worker": {"start_ms", "judge_ms", "redelivered"} to the engine's
 * result object in `json` (trailing blanks dropped); false when it is not
 * an object (then unchanged but for the blanks) or out of memory. */
bool worker_result_add(struct strbuf *json, uint64_t start_ms, uint64_t judge_ms, bool redelivered);

#endif
