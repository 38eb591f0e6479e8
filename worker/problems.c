/* SPDX-License-Identifier: Apache-2.0 */
/* The worker's problems (problems.h). */
#include "problems.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "problem.h"
#include "submission.h"
#include "wlog.h"

struct entry {
    char *id;
    char *dir;
    struct oj_problem *p; /* NULL: refused, see error */
    char *error;
};

struct problem_set {
    char *root;
    struct entry *e;
    size_t n, cap;
};

static struct entry *find(struct problem_set *ps, const char *id)
{
    for (size_t i = 0; i < ps->n; i++)
        if (strcmp(ps->e[i].id, id) == 0)
            return &ps->e[i];
    return NULL;
}

/* Load DIR/id and remember the outcome, good or bad. */
static struct entry *load(struct problem_set *ps, const char *id, struct oj_err *err)
{
    if (ps->n == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 16;
        struct entry *e = realloc(ps->e, cap * sizeof(*e));
        if (!e)
            return oj_fail(err, ENOMEM, "problem %s", id), NULL;
        ps->e = e;
        ps->cap = cap;
    }
    struct entry *e = &ps->e[ps->n];
    memset(e, 0, sizeof(*e));
    if (!(e->id = strdup(id)) || asprintf(&e->dir, "%s/%s", ps->root, id) < 0) {
        free(e->id);
        return oj_fail(err, ENOMEM, "problem %s", id), NULL;
    }
    struct oj_err lerr = {0};
    if (oj_problem_load(e->dir, &e->p, &lerr) < 0) {
        e->p = NULL;
        if (!(e->error = strdup(lerr.msg))) {
            free(e->id);
            free(e->dir);
            return oj_fail(err, ENOMEM, "problem %s", id), NULL;
        }
    }
    ps->n++;
    return e;
}

int problem_set_open(const char *dir, struct problem_set **out, size_t *loaded, size_t *bad,
                     struct oj_err *err)
{
    struct problem_set *ps = calloc(1, sizeof(*ps));
    if (!ps || !(ps->root = strdup(dir))) {
        free(ps);
        return oj_fail(err, ENOMEM, "problems %s", dir);
    }
    _cleanup_closedir_ DIR *d = opendir(dir);
    if (!d) {
        int e = errno;
        problem_set_free(ps);
        return oj_fail(err, e, "--problems %s", dir);
    }
    *loaded = *bad = 0;
    struct dirent *de;
    while ((errno = 0, de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        struct stat st;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
            continue;
        if (!submission_valid_id(de->d_name)) {
            wlog(WLOG_ERROR, NULL, "problem %s: the name is not a valid problem_id: not served",
                 path);
            (*bad)++;
            continue;
        }
        struct entry *e = load(ps, de->d_name, err);
        if (!e) {
            problem_set_free(ps);
            return -1;
        }
        if (e->p) {
            (*loaded)++;
        } else {
            wlog(WLOG_ERROR, NULL, "%s: not served", e->error);
            (*bad)++;
        }
    }
    if (errno) {
        int e = errno;
        problem_set_free(ps);
        return oj_fail(err, e, "read --problems %s", dir);
    }
    *out = ps;
    return 0;
}

const struct oj_problem *problem_set_get(struct problem_set *ps, const char *id, const char **dir,
                                         struct oj_err *err)
{
    struct entry *e = find(ps, id);
    if (!e) {
        char path[4096];
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", ps->root, id);
        if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
            return oj_fail(err, 0, "problem_id: no problem \"%s\" in %s", id, ps->root), NULL;
        if (!(e = load(ps, id, err)))
            return NULL;
        if (e->p)
            wlog(WLOG_INFO, NULL, "problem %s: loaded", e->dir);
        else
            wlog(WLOG_ERROR, NULL, "%s: not served", e->error);
    }
    if (!e->p)
        return oj_fail(err, 0, "problem_id: %s", e->error), NULL;
    *dir = e->dir;
    return e->p;
}

void problem_set_free(struct problem_set *ps)
{
    if (!ps)
        return;
    for (size_t i = 0; i < ps->n; i++) {
        free(ps->e[i].id);
        free(ps->e[i].dir);
        free(ps->e[i].error);
        oj_problem_free(ps->e[i].p);
    }
    free(ps->e);
    free(ps->root);
    free(ps);
}
