/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OJRUN_LIFECYCLE_H
#define OJRUN_LIFECYCLE_H

#include <stdbool.h>

#include "cli.h"
#include "config.h"
#include "error.h"
#include "state.h"

struct oj_cgroup;

/* The container's cgroup as create recorded it (<dir>/cgroup). */
int oj_state_cgroup(const struct oj_state *st, struct oj_cgroup **out, struct oj_err *err);
/* The config.json create copied into the state directory. */
int oj_state_config(const struct oj_state *st, struct oj_config **out, struct oj_err *err);

int oj_container_kill(const struct oj_globals *g, const char *id, int sig, bool all,
                      struct oj_err *err);

#endif
