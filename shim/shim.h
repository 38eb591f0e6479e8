/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OJRUN_CREATE_OPTS_H
#define OJRUN_CREATE_OPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "container.h"

/* The flags `create` and `run` share.  Returns 0 to go on, 1 when --help
 * was printed, -1 on a usage error (already reported). */
int oj_parse_create_opts(const char *cmd, int argc, char **argv, struct oj_create_opts *o,
                         bool *detach, bool run);

/* `ojrun create --shim`: fork the shim (shim.c), which creates the
 * container in-process and stays as its supervisor.  Waits for the shim's
 * report on create and returns the exit status (0, or 1 after printing the
 * error as create would). */
int oj_create_with_shim(const struct oj_globals *g, struct oj_create_opts *o);

/* The shim, in the child forked by oj_create_with_shim(): create the
 * container, report on `report_fd` (struct oj_shim_report), supervise the
 * task, publish the result.  Returns the exit status of the shim. */
int oj_shim_main(const struct oj_globals *g, struct oj_create_opts *o, int report_fd);

/* The shim's report to the waiting `ojrun create` (one write on a pipe). */
struct oj_shim_report {
    int32_t ok;
    int32_t code;
    char msg[OJ_ERR_MSG_MAX];
};

#endif
