/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every container operation of the library needs to know about the
 * runtime instance it runs in, given by the caller: the `ojrun` command
 * fills it from its global flags (--root, --log, --log-format, --debug;
 * runtime/cli/main.c), another program fills it itself.  crun's library
 * has the same idea in libcrun_context_t.
 *
 * The log settings are process-wide (one log file, one debug switch:
 * log.c), so they take effect when the caller passes them to
 * oj_log_init(&ctx->log); the operations themselves read only `root`.
 */
#ifndef OJRUN_CONTEXT_H
#define OJRUN_CONTEXT_H

#include "log.h"

struct oj_context {
    /* The state directory: <root>/<id>/ holds each container's state.json,
     * lock and exec.fifo, <root>/seccomp-cache the compiled filters
     * (state.h).  Created on first use. */
    const char *root;
    struct oj_log_opts log; /* --log, --log-format json, --debug */
};

#endif
