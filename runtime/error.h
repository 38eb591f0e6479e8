/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one error idiom of ojrun.
 *
 * Every function that can fail takes a `struct oj_err *err` as its last
 * argument and returns a negative value (usually -1) on failure after filling
 * it with oj_fail() (or oj_vfail() from a variadic function).  Callers either handle the error or add
 * context with oj_wrap() and return -1 in turn.  Only the commands
 * (runtime/cli/) and the processes that have nobody to return to -- the
 * container init, the shim -- turn an error into an exit status.
 *
 *   if (mount("proc", dst, "proc", flags, NULL) < 0)
 *       return oj_fail(err, errno, "mount proc on %s", dst);
 *
 * produces "mount proc on /proc: Permission denied".
 */
#ifndef OJRUN_ERROR_H
#define OJRUN_ERROR_H

#include <stdarg.h>
#include <stddef.h>

#define OJ_ERR_MSG_MAX 1024

struct oj_err {
    int code;                  /* errno value, or 0 when the error is not from a syscall */
    char msg[OJ_ERR_MSG_MAX];  /* one line, no trailing newline */
};

/* Fill `err` with a message; when `code` is non-zero ": strerror(code)" is
 * appended.  Always returns -1 so that `return oj_fail(...)` reads naturally.
 * `err` may be NULL (the error is then dropped). */
int oj_fail(struct oj_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int oj_vfail(struct oj_err *err, int code, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/* Prefix the existing message with context: "create container abc: <old>".
 * Returns -1. */
int oj_wrap(struct oj_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Reset an error to "no error". */
static inline void oj_err_clear(struct oj_err *err)
{
    if (err) {
        err->code = 0;
        err->msg[0] = '\0';
    }
}

#endif
