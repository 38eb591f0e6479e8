/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The worker's log: one record a line on stderr, as text
 *
 *   ojrun-worker: info: s-17: AC in 412 ms (attempt 1)
 *
 * or, with --log-format json, one JSON object a line -- "time" (RFC 3339,
 * UTC, microseconds), "level", "msg" and, when the record is about one
 * submission, "submission_id" -- for a log collector.  The worker is a
 * long-running service, so unlike the `ojrun` command it logs every
 * submission it settles, not only errors.
 */
#ifndef OJRUN_WORKER_WLOG_H
#define OJRUN_WORKER_WLOG_H

#include <stdarg.h>
#include <stdbool.h>

enum wlog_level { WLOG_DEBUG, WLOG_INFO, WLOG_WARN, WLOG_ERROR };

void wlog_setup(bool json, bool debug);
/* `sub` (may be NULL): the submission the record is about. */
void wlog(enum wlog_level level, const char *sub, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void wlog_v(enum wlog_level level, const char *sub, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
/* "error", "warn", "info", "debug" (the log functions of sources) */
enum wlog_level wlog_level_from_name(const char *name);

#endif
