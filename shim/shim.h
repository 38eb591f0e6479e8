/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The per-task shim's entry points (shim_spawn.c, shim.c): what
 * `ojrun create --shim` calls.  specs/shim-protocol.md describes the shim.
 */
#ifndef OJRUN_SHIM_H
#define OJRUN_SHIM_H

#include <stdbool.h>
#include <stdint.h>

#include "container.h"

/* `ojrun create --shim`: fork the shim (shim.c), which creates the
 * container in-process and stays as its supervisor.  Waits for the shim's
 * report on create: 0, or -1 with create's error. */
int oj_create_with_shim(const struct oj_context *ctx, struct oj_create_opts *o, struct oj_err *err);

/* The shim, in the child forked by oj_create_with_shim(): create the
 * container, report on `report_fd` (struct oj_shim_report), supervise the
 * task, publish the result.  Returns the exit status of the shim. */
int oj_shim_main(const struct oj_context *ctx, struct oj_create_opts *o, int report_fd);

/* The shim's report to the waiting `ojrun create` (one write on a pipe). */
struct oj_shim_report {
    int32_t ok;
    int32_t code;
    char msg[OJ_ERR_MSG_MAX];
};

#endif
