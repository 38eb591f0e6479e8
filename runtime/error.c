/* SPDX-License-Identifier: Apache-2.0 */
#include "error.h"

#include <stdio.h>
#include <string.h>

int oj_vfail(struct oj_err *err, int code, const char *fmt, va_list ap)
{
    if (!err)
        return -1;
    err->code = code;
    int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof(err->msg))
        n = sizeof(err->msg) - 1;
    if (code != 0)
        snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s", strerror(code));
    /* Keep the message on one line whatever the input (paths may hold '\n'). */
    for (char *p = err->msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return -1;
}

int oj_fail(struct oj_err *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    oj_vfail(err, code, fmt, ap);
    va_end(ap);
    return -1;
}

int oj_wrap(struct oj_err *err, const char *fmt, ...)
{
    if (!err)
        return -1;
    char prefix[OJ_ERR_MSG_MAX];
    char old[OJ_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof(old));
    snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
    for (char *p = err->msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    return -1;
}
