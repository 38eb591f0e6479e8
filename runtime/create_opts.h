/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OJRUN_CREATE_OPTS_H
#define OJRUN_CREATE_OPTS_H

#include <stdbool.h>

#include "container.h"

/* The flags `create` and `run` share.  Returns 0 to go on, 1 when --help
 * was printed, -1 on a usage error (already reported). */
int oj_parse_create_opts(const char *cmd, int argc, char **argv, struct oj_create_opts *o,
                         bool *detach, bool run);

#endif
