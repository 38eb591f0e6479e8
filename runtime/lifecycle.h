/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OJRUN_LIFECYCLE_H
#define OJRUN_LIFECYCLE_H

#include <stdbool.h>

#include "config.h"
#include "context.h"
#include "error.h"
#include "state.h"

struct oj_cgroup;

/* The container's cgroup as create recorded it (<dir>/cgroup). */
int oj_state_cgroup(const struct oj_state *st, struct oj_cgroup **out, struct oj_err *err);
/* The config.json create copied into the state directory. */
int oj_state_config(const struct oj_state *st, struct oj_config **out, struct oj_err *err);

/* oj_container_start for a caller that already holds the container's parsed
 * config.json (`ojrun run`, right after create): the same checks and steps
 * without parsing the file again, which for a judge bundle with a 400-rule
 * seccomp profile is ~0.5 ms of a ~7 ms run (specs/performance.md).  `cfg`
 * must be the config this container was created from. */
int oj_container_start_cfg(const struct oj_context *ctx, const char *id,
                           const struct oj_config *cfg, struct oj_err *err);

/* The same for oj_container_delete (poststop hooks come from `cfg`). */
int oj_container_delete_cfg(const struct oj_context *ctx, const char *id, bool force,
                            const struct oj_config *cfg, struct oj_err *err);

int oj_container_kill(const struct oj_context *ctx, const char *id, int sig, bool all,
                      struct oj_err *err);

#endif
