/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ojrun pause ID / ojrun resume ID: freeze and thaw every process of the
 * container (runc's pause/resume; not part of the OCI runtime spec's
 * operations).  The work is ojrun_container_pause()/_resume() (api.c),
 * which says how the freezer and the "paused" marker agree.
 */
#include <stdio.h>

#include "cli.h"
#include "log.h"

static int run(const struct oj_globals *g, const char *cmd, bool pause, int argc, char **argv)
{
    const char *id;
    int r = oj_parse_id_only(cmd, argc, argv, &id);
    if (r != 0)
        return r < 0 ? 1 : 0;
    ojrun_error err;
    int rc =
        pause ? ojrun_container_pause(g->api, id, &err) : ojrun_container_resume(g->api, id, &err);
    if (rc < 0) {
        oj_error("%s %s: %s", cmd, id, err.message);
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
