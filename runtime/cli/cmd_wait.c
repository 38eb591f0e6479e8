/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ojrun wait ID: block until the task supervised by ojrun-shim has ended,
 * print its result JSON (specs/shim-protocol.md) as one line, exit 0 -- for
 * any verdict.  Exit 1: no such container, not supervised, deleted while we
 * waited, or the shim died without writing a result.  The waiting is
 * ojrun_container_wait() (api_wait.c), which says how it avoids polling.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "log.h"

int cmd_wait(const struct oj_globals *g, int argc, char **argv)
{
    const char *id;
    int r = oj_parse_id_only("wait", argc, argv, &id);
    if (r != 0)
        return r < 0 ? 1 : 0;
    ojrun_error err;
    char *result = ojrun_container_wait(g->api, id, &err);
    if (!result) {
        oj_error("wait %s: %s", id, err.message);
        return 1;
    }
    printf("%s\n", result);
    free(result);
    return fflush(stdout) == 0 ? 0 : 1;
}
