/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The spool source: submissions as files, for a worker without a broker
 * (`ojrun-worker --spool DIR`).  specs/worker-protocol.md, "The spool".
 *
 *   DIR/in/NAME.json        submissions (the message body); write elsewhere
 *                           and rename(2) in: names starting with "." and
 *                           names not ending in ".json" are ignored
 *   DIR/in/NAME@N.json      the same, attempt N (N >= 2: an SE retry)
 *   DIR/work/NAME[@N].json  claimed: renamed from in/ -- the claim is the
 *                           rename, so two claims of one file cannot both win
 *   DIR/out/ID.json         the result of submission_id ID
 *   DIR/failed/NAME.json    poison or out of attempts, with NAME.reason
 *   DIR/progress/ID.jsonl   progress events, appended
 *
 * Settling: finish writes out/ID.json (temporary file, fsync, rename, fsync
 * of out/) and only then removes work/NAME (the acknowledgement); retry
 * renames work/NAME into in/NAME@N+1.json; reject and the last retry write
 * failed/NAME.reason then rename work/NAME to failed/; release renames it
 * back into in/ unchanged.
 *
 * Recovery: a worker killed at any point leaves its claimed files in work/.
 * The next worker on DIR gives them out first, marked redelivered -- except
 * one whose result is already in out/ (written after the claim: the worker
 * died between the result and the acknowledgement), which is acknowledged
 * without judging.  So a killed and restarted worker judges every
 * submission exactly once.  One worker serves a spool at a time (DIR/.lock,
 * flock(2)): the work/ files of a live worker are never taken.
 */
#ifndef OJRUN_WORKER_SPOOL_H
#define OJRUN_WORKER_SPOOL_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "source.h"

struct oj_spool_options {
    const char *dir;       /* created with its subdirectories if missing */
    unsigned max_attempts; /* SE retries up to this many attempts, then failed/ */
    size_t max_body;       /* a larger file is poison: failed/ at once */
    bool progress;         /* keep progress events in DIR/progress/ */
};

int oj_spool_source_open(const struct oj_spool_options *opt, struct oj_source **out,
                         struct oj_err *err);

/* File names: "NAME.json" is attempt 1, "NAME@N.json" attempt N.  0 and
 * base (NAME) and *attempt, or -1 for a name the spool ignores. */
int oj_spool_parse_name(const char *file, char *base, size_t size, unsigned *attempt);
/* The file name of NAME at `attempt` into buf (false: too long). */
bool oj_spool_file_name(const char *base, unsigned attempt, char *buf, size_t size);

#endif
