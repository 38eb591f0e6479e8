/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Logging.  Errors always go to stderr as one line ("ojrun: <message>");
 * with --log FILE every record is also appended to FILE, either as text or,
 * with --log-format json, as one JSON object per line with "level", "msg"
 * and "time" -- the shape containerd's runc shim reads back from runc.
 *
 * --debug enables oj_debug() records: each step of create with a
 * microsecond timestamp relative to the start of the command, so a reader
 * can follow (and time) what the runtime does.
 */
#ifndef OJRUN_LOG_H
#define OJRUN_LOG_H

#include <stdbool.h>

enum oj_log_level { OJ_LOG_DEBUG, OJ_LOG_INFO, OJ_LOG_WARN, OJ_LOG_ERROR };

struct oj_log_opts {
    const char *path; /* --log, may be NULL */
    bool json;        /* --log-format json */
    bool debug;       /* --debug */
};

/* Open the log file (if any).  Returns -1 with errno set on failure. */
int oj_log_init(const struct oj_log_opts *opts);
bool oj_log_debug_enabled(void);

void oj_log(enum oj_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define oj_debug(...)                                                                             \
    do {                                                                                          \
        if (oj_log_debug_enabled())                                                               \
            oj_log(OJ_LOG_DEBUG, __VA_ARGS__);                                                    \
    } while (0)
#define oj_warn(...)  oj_log(OJ_LOG_WARN, __VA_ARGS__)
#define oj_error(...) oj_log(OJ_LOG_ERROR, __VA_ARGS__)
/* A warning for the log file (--log) and a library client's sink, not for
 * stderr: what ojrun notes where runc says nothing (a warning on stderr
 * breaks scripts that compare it with runc's). */
void oj_warn_log_only(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* For library clients (libojrun.h, api.c); the `ojrun` command uses none of
 * these and keeps the behaviour above.  Records go to stderr only while
 * `on` (the default, for the command); a sink, when set, gets every record
 * that is logged (debug records only with debug on). */
typedef void (*oj_log_sink_fn)(enum oj_log_level level, const char *msg, void *data);
void oj_log_set_stderr(bool on);
void oj_log_set_sink(oj_log_sink_fn fn, void *data);
void oj_log_set_debug(bool on);
/* Log to `fd` (owned by the caller, not closed) instead of a file. */
void oj_log_set_fd(int fd, bool json);

/* A process about to make the container's stdio its own (the console's
 * dup2 onto 0, 1 and 2) keeps writing its records to the stderr it had
 * (a close-on-exec duplicate), never into the container's terminal. */
void oj_log_keep_stderr(void);
/* ... and lets it go again, once nothing more of its own should be seen
 * there (the init, before it waits for start: a caller reading create's
 * output to its end must not wait for the init); later records go to the
 * log file only.  Nothing to do without oj_log_keep_stderr(). */
void oj_log_release_stderr(void);

/* The fd of the log file, or -1.  The container init keeps it (CLOEXEC) so
 * that errors after clone() reach the same log. */
int oj_log_fd(void);

#endif
