/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cgroup part of a container's state directory.
 *
 * `ojrun create` computes the directories from its own /proc/self/cgroup;
 * start, kill, pause, delete... run later in other processes (possibly in
 * other cgroups), so they must not recompute them: they load this file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_internal.h"
#include "cleanup.h"
#include "util.h"

/* Format, one hierarchy per line, tab separated:
 *   ojrun-cgroup 1 <layout>
 *   <v1|v2> <controllers> <mount> <path below mount> <owned> <absent> [<shared>]
 * Controllers are "-" when empty.  <shared> (0 or 1, oj_cgroup_set_join_busy)
 * is missing from records written before it existed: 0.  Paths cannot hold
 * tabs or newlines (refused by oj_cgroup_new and the host detection). */
int oj_cgroup_save(const struct oj_cgroup *cg, struct strbuf *out, struct oj_err *err)
{
    sb_printf(out, "ojrun-cgroup\t1\t%s\n", oj_cgroup_layout_name(cg->layout));
    for (size_t i = 0; i < cg->n; i++) {
        const struct oj_cg_dir *d = &cg->dirs[i];
        sb_printf(out, "%s\t%s\t%s\t%s\t%u\t%d\t%d\n", d->v2 ? "v2" : "v1",
                  *d->controllers ? d->controllers : "-", d->mount, d->rel, d->owned,
                  d->absent ? 1 : 0, d->shared ? 1 : 0);
    }
    if (out->oom)
        return oj_fail(err, ENOMEM, "save cgroup state");
    return 0;
}

static int split_tabs(char *line, char **f, int max)
{
    int n = 0;
    for (char *p = line; n < max;) {
        f[n++] = p;
        char *t = strchr(p, '\t');
        if (!t)
            break;
        *t = '\0';
        p = t + 1;
    }
    return n;
}

int oj_cgroup_load(const char *text, struct oj_cgroup **out, struct oj_err *err)
{
    _cleanup_free_ char *copy = strdup(text);
    if (!copy)
        return oj_fail(err, ENOMEM, "load cgroup state");
    struct oj_cgroup *cg = calloc(1, sizeof(*cg));
    if (!cg)
        return oj_fail(err, ENOMEM, "load cgroup state");
    cg->v2_fd = -1;
    char *save = NULL;
    int lineno = 0;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[8];
        int nf = split_tabs(line, f, 8);
        lineno++;
        if (lineno == 1) {
            if (nf != 3 || strcmp(f[0], "ojrun-cgroup") != 0 || strcmp(f[1], "1") != 0)
                goto bad;
            if (strcmp(f[2], "v1") == 0)
                cg->layout = OJ_CGROUP_V1;
            else if (strcmp(f[2], "v2") == 0)
                cg->layout = OJ_CGROUP_V2;
            else if (strcmp(f[2], "hybrid") == 0)
                cg->layout = OJ_CGROUP_HYBRID;
            else
                goto bad;
            continue;
        }
        uint64_t owned;
        if ((nf != 6 && nf != 7) || (nf == 7 && strcmp(f[6], "0") != 0 && strcmp(f[6], "1") != 0) ||
            (strcmp(f[0], "v1") != 0 && strcmp(f[0], "v2") != 0) || f[2][0] != '/' ||
            f[3][0] != '/' || oj_parse_u64(f[4], &owned) < 0 || owned > 4096 ||
            (strcmp(f[5], "0") != 0 && strcmp(f[5], "1") != 0) || strstr(f[3], "/../") ||
            (strlen(f[3]) >= 3 && strcmp(f[3] + strlen(f[3]) - 3, "/..") == 0))
            goto bad;
        struct oj_cg_dir *nd = realloc(cg->dirs, (cg->n + 1) * sizeof(*nd));
        if (!nd) {
            oj_cgroup_free(cg);
            return oj_fail(err, ENOMEM, "load cgroup state");
        }
        cg->dirs = nd;
        memset(&nd[cg->n], 0, sizeof(*nd));
        cg->n++;
        if (oj_cg_dir_init(&nd[cg->n - 1], f[0][1] == '2', strcmp(f[1], "-") == 0 ? "" : f[1], f[2],
                           f[3], (unsigned)owned, err) < 0) {
            oj_cgroup_free(cg);
            return -1;
        }
        nd[cg->n - 1].absent = f[5][0] == '1';
        nd[cg->n - 1].shared = nf == 7 && f[6][0] == '1';
    }
    if (lineno < 2)
        goto bad;
    *out = cg;
    return 0;
bad:
    oj_cgroup_free(cg);
    return oj_fail(err, EINVAL, "load cgroup state: malformed line %d", lineno);
}
