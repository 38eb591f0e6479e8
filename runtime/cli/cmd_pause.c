/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ojrun pause ID / ojrun resume ID: freeze and thaw every process of the
 * container (runc's pause/resume; not part of the OCI runtime spec's
 * operations).
 *
 * The freezer does the work (v1 freezer.state, v2 cgroup.freeze, see
 * cgroup_procs.c): pause returns only once the kernel reports the cgroup
 * FROZEN, not merely FREEZING.  The "paused" status is then recorded as a
 * marker file <dir>/paused, which state.c turns into the status without
 * having to know about cgroups.  The marker is written after the freeze
 * succeeded and removed after the thaw succeeded, so it never claims a
 * pause that did not happen; both commands hold the container lock, so
 * they cannot interleave with each other, start or delete.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "cli.h"
#include "lifecycle.h"
#include "log.h"
#include "state.h"
#include "util.h"

static int set_paused(const struct oj_globals *g, const char *id, bool pause, struct oj_err *err)
{
    _cleanup_state_ struct oj_state *st = NULL;
    _cleanup_close_ int lock = oj_state_load_locked(g->ctx.root, id, &st, err);
    if (lock < 0)
        return -1;

    enum oj_status s = oj_state_status(st);
    enum oj_status want = pause ? OJ_STATUS_RUNNING : OJ_STATUS_PAUSED;
    if (s != want)
        return oj_fail(err, 0, "cannot %s container \"%s\": it is %s, not %s",
                       pause ? "pause" : "resume", id, oj_status_name(s), oj_status_name(want));

    struct oj_cgroup *cg = NULL;
    if (oj_state_cgroup(st, &cg, err) < 0)
        return -1;
    char marker[PATH_MAX];
    snprintf(marker, sizeof(marker), "%s/paused", st->dir);
    int rc = 0;
    if (pause) {
        rc = oj_cgroup_freeze(cg, true, err);
        if (rc == 0 && oj_write_file_atomic(marker, "", 0, 0600, err) < 0) {
            /* no marker, no pause: undo, so that status and freezer agree */
            struct oj_err e1;
            if (oj_cgroup_freeze(cg, false, &e1) < 0)
                oj_warn("pause %s: %s", id, e1.msg);
            rc = -1;
        }
    } else {
        rc = oj_cgroup_freeze(cg, false, err);
        if (rc == 0 && unlink(marker) < 0 && errno != ENOENT)
            rc = oj_fail(err, errno, "remove %s", marker);
    }
    oj_cgroup_free(cg);
    if (rc == 0)
        oj_debug("%s", pause ? "paused" : "resumed");
    return rc;
}

static int run(const struct oj_globals *g, const char *cmd, bool pause, int argc, char **argv)
{
    const char *id;
    int r = oj_parse_id_only(cmd, argc, argv, &id);
    if (r != 0)
        return r < 0 ? 1 : 0;
    struct oj_err err = {0};
    if (set_paused(g, id, pause, &err) < 0) {
        oj_error("%s %s: %s", cmd, id, err.msg);
        return 1;
    }
    return 0;
}

int cmd_pause(const struct oj_globals *g, int argc, char **argv)
{
    return run(g, "pause", true, argc, argv);
}

int cmd_resume(const struct oj_globals *g, int argc, char **argv)
{
    return run(g, "resume", false, argc, argv);
}
