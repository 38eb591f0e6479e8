/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A progress event (specs/worker-protocol.md, "Progress event"): one test
 * of a submission finished, with the shim's accounting relayed unchanged.
 */
#ifndef OJRUN_WORKER_PROGRESS_H
#define OJRUN_WORKER_PROGRESS_H

#include "engine.h"
#include "strbuf.h"

/* One JSON object, no newline, into w (jw_init'ed by the caller). */
void worker_progress_json(const char *submission_id, unsigned attempt,
                          const struct oj_test_report *t, struct jw *w);

#endif
