/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers the commands share (cli.h).  Apart from main.c so that a program
 * that calls a cmd_*() without ojrun's main() -- tests/unit/test_regress.c,
 * tests/fuzz/fuzz_cli.c -- links the same code ojrun runs.
 */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"
#include "log.h"

int oj_usage_error(const char *cmd, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (cmd)
        oj_error("%s: %s (see 'ojrun %s --help')", cmd, msg, cmd);
    else
        oj_error("%s (see 'ojrun --help')", msg);
    return 1;
}
