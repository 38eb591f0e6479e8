/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-process attributes of the container process that are neither
 * capabilities nor seccomp (OCI config.md "Linux Process" and config-linux.md
 * "Personality"): oomScoreAdj, ioPriority, scheduler, linux.personality.
 *
 * Call these in the container init BEFORE oj_user_switch()/oj_caps_*():
 * lowering oom_score_adj needs CAP_SYS_RESOURCE, real-time scheduling and
 * the RT io class need CAP_SYS_NICE/CAP_SYS_ADMIN, all of which the
 * configured capability sets usually drop.
 */
#ifndef OJRUN_PROCATTR_H
#define OJRUN_PROCATTR_H

#include <sys/types.h>

#include "config.h"
#include "error.h"

/* Apply process.oomScoreAdj, process.ioPriority and process.scheduler to the
 * calling process (each only when set in the config). */
int oj_process_apply_misc(const struct oj_process *p, struct oj_err *err);

/* Write oom_score_adj of `pid` (0: the caller).  ojrun create writes the
 * init's from the outside, as runc does: once the init has changed its IDs
 * it is no longer dumpable, its /proc files belong to the host's root, and
 * inside a user namespace it could not write its own. */
int oj_oom_score_adj_apply(pid_t pid, int64_t v, struct oj_err *err);

/* Apply linux.personality (domain LINUX or LINUX32; the spec defines no
 * flags, so any flag is an error).  No-op when linux.personality is absent. */
int oj_personality_apply(const struct oj_linux *lx, struct oj_err *err);

#endif
