/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ojrun_container_list() (libojrun.h): the containers under a state root,
 * as `ojrun list` shows them.  A container is a directory of the root
 * (seccomp-cache is the root's own, not a container); the ids are sorted
 * so that the output is stable.  A directory whose state cannot be read is
 * skipped with a warning in the log, as runc's list does.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "cleanup.h"
#include "log.h"
#include "state.h"
#include "strbuf.h"

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* The sorted directory names of `root` (none when it does not exist). */
static int read_names(const char *root, char ***out, size_t *n_out, struct oj_err *err)
{
    char **names = NULL;
    size_t n = 0;
    DIR *d = opendir(root);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d))) {
            if (de->d_name[0] == '.' || de->d_type != DT_DIR ||
                strcmp(de->d_name, "seccomp-cache") == 0)
                continue;
            char **nn = realloc(names, (n + 1) * sizeof(*names));
            if (!nn)
                break;
            names = nn;
            if (!(names[n] = strdup(de->d_name)))
                break;
            n++;
        }
        closedir(d);
    } else if (errno != ENOENT) {
        return oj_fail(err, errno, "open %s", root);
    }
    /* qsort(3)'s base must not be NULL, even for 0 elements (UBSan's
     * nonnull check aborts `list` of an empty root in the SAN=1 build). */
    if (n > 1)
        qsort(names, n, sizeof(*names), cmp_names);
    *out = names;
    *n_out = n;
    return 0;
}

OJRUN_API int ojrun_container_list(ojrun_context *ctx, ojrun_container_info **list, size_t *n,
                                   ojrun_error *err)
{
    struct oj_err e = {0};
    char **names = NULL;
    size_t n_names = 0;
    if (read_names(ctx->root, &names, &n_names, &e) < 0) {
        oj_api_error_from(err, &e);
        return -1;
    }
    ojrun_container_info *out = n_names ? calloc(n_names, sizeof(*out)) : NULL;
    if (n_names && !out) {
        names_free(names, n_names);
        oj_fail(&e, ENOMEM, "list %s", ctx->root);
        oj_api_error_from(err, &e);
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < n_names; i++) {
        struct oj_err e1 = {0};
        _cleanup_state_ struct oj_state *st = NULL;
        if (oj_state_load(ctx->root, names[i], &st, &e1) < 0) {
            oj_warn("list: %s", e1.msg);
            continue;
        }
        enum oj_status s = oj_state_status(st);
        struct strbuf one = {0};
        ojrun_container_info *c = &out[k];
        /* A state whose JSON cannot be made has json NULL. */
        if (oj_state_json(st, s, false, &one, &e1) == 0 && !one.oom)
            c->json = one.s;
        else
            sb_free(&one);
        c->status = (enum ojrun_status)s;
        c->pid = s == OJ_STATUS_STOPPED ? 0 : st->pid;
        c->id = oj_steal_ptr(&st->id);
        c->bundle = oj_steal_ptr(&st->bundle);
        c->created = oj_steal_ptr(&st->created);
        k++;
    }
    names_free(names, n_names);
    *list = out;
    *n = k;
    return 0;
}

OJRUN_API void ojrun_container_list_free(ojrun_container_info *list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(list[i].id);
        free(list[i].bundle);
        free(list[i].created);
        free(list[i].json);
    }
    free(list);
}
