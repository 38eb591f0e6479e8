/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Human-friendly numbers on the command line, spelled the way runc's users
 * (docker, podman, containerd) spell them:
 *
 *   oj_parse_bytes     "64m", "1.5g", "512k", "1024", "-1"   (update --memory ...)
 *   oj_parse_duration  "5s", "100ms", "1m30s", "1.5h"        (events --interval)
 */
#ifndef OJRUN_UNITS_H
#define OJRUN_UNITS_H

#include <stdint.h>

#include "error.h"

/* A byte count: a non-negative decimal number (a fraction is allowed with a
 * unit) followed by an optional unit b, k, m, g, t or p (case-insensitive,
 * powers of 1024, an optional trailing "b"/"ib": "64MB", "64MiB"), as
 * docker's units.RAMInBytes reads them; "-1" means unlimited.  The result
 * is truncated to whole bytes.  Fails with "FIELD: ..." naming `what`. */
int oj_parse_bytes(const char *what, const char *s, int64_t *out, struct oj_err *err);

/* A duration as Go's time.ParseDuration reads it: one or more
 * <decimal number><unit> with units ns, us (or µs), ms, s, m, h; "0" alone
 * is zero.  Negative durations are refused.  *ns gets nanoseconds. */
int oj_parse_duration(const char *what, const char *s, uint64_t *ns, struct oj_err *err);

#endif
