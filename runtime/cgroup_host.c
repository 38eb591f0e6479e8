/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which cgroup layout does the host use, and where is everything mounted?
 *
 * Two files answer it (proc(5), cgroups(7)).  /proc/self/mountinfo:
 *
 *     36 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
 *
 * gives each hierarchy's mount point, the cgroup mounted there (field 4)
 * and, in the super options, the v1 controllers bound to it.
 * /proc/self/cgroup ("4:memory:/a/b" for v1, "0::/a/b" for v2) gives this
 * process's own cgroup in each hierarchy, the base of a relative
 * cgroupsPath.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_internal.h"
#include "cleanup.h"
#include "mountinfo.h"
#include "util.h"

/* v1 controllers whose hierarchies a container joins.  Resources exist for
 * most of them; perf_event is joined only so that `perf -G` can follow the
 * container, as runc does. */
static const char *const known_v1[] = {
    "cpuset", "cpu",     "cpuacct", "memory",   "devices",    "freezer", "blkio",
    "pids",   "hugetlb", "net_cls", "net_prio", "perf_event", "rdma",
};

/* The "name=systemd" hierarchy holds no controller: systemd uses it to track
 * which service a process belongs to.  runc creates the container's directory
 * there too and so do we, so that tools reading it (systemd-cgls, ps -o
 * cgroup) see the container as its own group, and so that cleaning up the
 * runtime's own cgroup there cannot catch the container's processes. */
#define SYSTEMD_NAME "name=systemd"

const char *oj_cgroup_layout_name(enum oj_cgroup_layout layout)
{
    switch (layout) {
    case OJ_CGROUP_V1:
        return "v1";
    case OJ_CGROUP_V2:
        return "v2";
    case OJ_CGROUP_HYBRID:
        return "hybrid";
    }
    return "?";
}

bool oj_cg_list_has(const char *list, char sep, const char *name)
{
    size_t n = strlen(name);
    if (!list || n == 0)
        return false;
    for (const char *p = list; *p;) {
        const char *e = strchr(p, sep);
        size_t len = e ? (size_t)(e - p) : strlen(p);
        /* cgroup.controllers ends with '\n': ignore trailing whitespace */
        while (len > 0 && (p[len - 1] == '\n' || p[len - 1] == ' '))
            len--;
        if (len == n && memcmp(p, name, n) == 0)
            return true;
        if (!e)
            break;
        p = e + 1;
    }
    return false;
}

static bool is_known_v1(const char *name)
{
    for (size_t i = 0; i < OJ_ARRAY_SIZE(known_v1); i++)
        if (strcmp(known_v1[i], name) == 0)
            return true;
    return false;
}

void oj_cgroup_host_free(struct oj_cgroup_host *h)
{
    for (size_t i = 0; i < h->n; i++) {
        free(h->h[i].mount);
        free(h->h[i].mount_root);
        free(h->h[i].controllers);
        free(h->h[i].self);
    }
    memset(h, 0, sizeof(*h));
}

/* Per hierarchy while parsing: the device number dedups bind mounts. */
struct candidate {
    unsigned major, minor;
    char *super_opts;
};

/* The controllers (and name=) of a v1 mount's super options, comma separated. */
static char *v1_controllers_from_opts(const char *opts)
{
    struct strbuf sb = {0};
    _cleanup_free_ char *copy = strdup(opts);
    if (!copy)
        return NULL;
    char *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (!is_known_v1(t) && strncmp(t, "name=", 5) != 0)
            continue;
        if (sb.len)
            sb_append(&sb, ",", 1);
        sb_puts(&sb, t);
    }
    if (sb.oom) {
        sb_free(&sb);
        return NULL;
    }
    return sb.s ? sb.s : strdup("");
}

static bool uses_v1_hierarchy(const char *controllers)
{
    if (strcmp(controllers, SYSTEMD_NAME) == 0)
        return true;
    _cleanup_free_ char *copy = strdup(controllers);
    char *save = NULL;
    for (char *t = copy ? strtok_r(copy, ",", &save) : NULL; t; t = strtok_r(NULL, ",", &save))
        if (is_known_v1(t))
            return true;
    return false;
}

static int add_hierarchy(struct oj_cgroup_host *h, struct candidate *cand, bool v2,
                         const struct oj_mountinfo_entry *m, const char *controllers,
                         struct oj_err *err)
{
    const char *root = m->root, *mnt = m->mountpoint;
    /* A second mount of a hierarchy we have (same device): keep the one
     * showing the whole hierarchy (root "/"), else the first. */
    for (size_t i = 0; i < h->n; i++) {
        if (cand[i].major != m->major || cand[i].minor != m->minor)
            continue;
        if (strcmp(h->h[i].mount_root, "/") == 0 || strcmp(root, "/") != 0)
            return 0;
        char *mp = strdup(mnt), *r = strdup(root);
        if (!mp || !r) {
            free(mp);
            free(r);
            return oj_fail(err, ENOMEM, "detect cgroup mounts");
        }
        free(h->h[i].mount);
        free(h->h[i].mount_root);
        h->h[i].mount = mp;
        h->h[i].mount_root = r;
        return 0;
    }
    if (strchr(mnt, '\t') || strchr(mnt, '\n') || strchr(root, '\t') || strchr(root, '\n'))
        return 0; /* cannot be saved in the state file's line format; ignore */
    if (h->n == OJ_CGROUP_MAX_HIERARCHIES)
        return oj_fail(err, 0, "detect cgroup mounts: more than %d hierarchies",
                       OJ_CGROUP_MAX_HIERARCHIES);
    struct oj_cgroup_hierarchy *e = &h->h[h->n];
    e->v2 = v2;
    e->mount = strdup(mnt);
    e->mount_root = strdup(root);
    e->controllers = strdup(controllers);
    e->self = NULL;
    cand[h->n].major = m->major;
    cand[h->n].minor = m->minor;
    cand[h->n].super_opts = strdup(m->super_options);
    h->n++;
    if (!e->mount || !e->mount_root || !e->controllers || !cand[h->n - 1].super_opts)
        return oj_fail(err, ENOMEM, "detect cgroup mounts");
    return 0;
}

/* cgroup.controllers of the v2 root: which controllers this mount offers. */
static char *read_v2_controllers(const char *mount)
{
    _cleanup_free_ char *path = NULL;
    char *buf = NULL;
    if (asprintf(&path, "%s/cgroup.controllers", mount) < 0)
        return NULL;
    if (oj_read_file(path, 4096, &buf, NULL, NULL) < 0)
        return strdup("");
    buf[strcspn(buf, "\n")] = '\0';
    return buf;
}

/* Fill h->h[i].self from /proc/self/cgroup. */
static int read_self(struct oj_cgroup_host *h, struct candidate *cand, const char *path,
                     struct oj_err *err)
{
    _cleanup_free_ char *text = NULL;
    if (oj_read_file(path, 1 << 20, &text, NULL, err) < 0)
        return oj_wrap(err, "detect cgroups");
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c1 = *c2 = '\0';
        const char *ctrls = c1 + 1, *cgpath = c2 + 1;
        for (size_t i = 0; i < h->n; i++) {
            struct oj_cgroup_hierarchy *e = &h->h[i];
            bool match;
            if (e->v2) {
                match = strcmp(line, "0") == 0 && *ctrls == '\0';
            } else {
                /* every controller belongs to one hierarchy: one common
                 * token identifies it */
                _cleanup_free_ char *first = strndup(ctrls, strcspn(ctrls, ","));
                match = first && *first && oj_cg_list_has(cand[i].super_opts, ',', first);
            }
            if (!match || e->self)
                continue;
            e->self = strdup(cgpath);
            if (!e->v2) {
                /* /proc/self/cgroup spells the set as the kernel orders it */
                char *c = strdup(ctrls);
                if (c) {
                    free(e->controllers);
                    e->controllers = c;
                }
            }
            if (!e->self)
                return oj_fail(err, ENOMEM, "detect cgroups");
        }
    }
    for (size_t i = 0; i < h->n; i++)
        if (!h->h[i].self && !(h->h[i].self = strdup("/")))
            return oj_fail(err, ENOMEM, "detect cgroups");
    return 0;
}

int oj_cgroup_host_detect(struct oj_cgroup_host *h, const char *mountinfo_path,
                          const char *proc_self_cgroup_path, struct oj_err *err)
{
    memset(h, 0, sizeof(*h));
    if (!mountinfo_path)
        mountinfo_path = "/proc/self/mountinfo";
    if (!proc_self_cgroup_path)
        proc_self_cgroup_path = "/proc/self/cgroup";

    struct oj_mountinfo mi;
    if (oj_mountinfo_read(mountinfo_path, &mi, err) < 0)
        return oj_wrap(err, "detect cgroups");

    struct candidate cand[OJ_CGROUP_MAX_HIERARCHIES];
    memset(cand, 0, sizeof(cand));
    int rc = 0;
    bool have_v2 = false;
    for (size_t k = 0; k < mi.n && rc == 0; k++) {
        const struct oj_mountinfo_entry *m = &mi.v[k];
        if (strcmp(m->fstype, "cgroup2") == 0) {
            /* one cgroup2 hierarchy exists per system; extra mounts of it
             * are bind mounts or cgroup namespaces' views */
            if (have_v2)
                continue;
            have_v2 = true;
            _cleanup_free_ char *ctrls = read_v2_controllers(m->mountpoint);
            if (!ctrls) {
                rc = oj_fail(err, ENOMEM, "detect cgroups");
                break;
            }
            rc = add_hierarchy(h, cand, true, m, ctrls, err);
        } else if (strcmp(m->fstype, "cgroup") == 0) {
            _cleanup_free_ char *ctrls = v1_controllers_from_opts(m->super_options);
            if (!ctrls) {
                rc = oj_fail(err, ENOMEM, "detect cgroups");
                break;
            }
            if (!uses_v1_hierarchy(ctrls))
                continue;
            rc = add_hierarchy(h, cand, false, m, ctrls, err);
        }
    }
    oj_mountinfo_free(&mi);
    if (rc == 0)
        rc = read_self(h, cand, proc_self_cgroup_path, err);
    for (size_t i = 0; i < OJ_CGROUP_MAX_HIERARCHIES; i++)
        free(cand[i].super_opts);
    if (rc < 0) {
        oj_cgroup_host_free(h);
        return -1;
    }

    size_t v1_ctrl = 0;
    for (size_t i = 0; i < h->n; i++)
        if (!h->h[i].v2 && strcmp(h->h[i].controllers, SYSTEMD_NAME) != 0)
            v1_ctrl++;
    if (v1_ctrl > 0) {
        h->layout = have_v2 ? OJ_CGROUP_HYBRID : OJ_CGROUP_V1;
    } else if (have_v2) {
        /* systemd's "unified" mode may keep a name=systemd v1 mount for old
         * tools; with every controller in v2 the container needs only v2
         * (and clone3(CLONE_INTO_CGROUP) can then place it in one step). */
        h->layout = OJ_CGROUP_V2;
        size_t w = 0;
        for (size_t i = 0; i < h->n; i++) {
            if (h->h[i].v2) {
                h->h[w++] = h->h[i];
            } else {
                free(h->h[i].mount);
                free(h->h[i].mount_root);
                free(h->h[i].controllers);
                free(h->h[i].self);
            }
        }
        h->n = w;
    } else {
        oj_cgroup_host_free(h);
        return oj_fail(err, 0, "detect cgroups: no cgroup or cgroup2 filesystem in %s",
                       mountinfo_path);
    }
    return 0;
}
