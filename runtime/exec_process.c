/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Which process `ojrun exec` runs: the container's own process (or the
 * --process file) with the command-line flags applied on top.  Pure data
 * work, no syscalls beyond reading the --process file, so that it can be
 * tested without a container.
 *
 * What runc 1.1.5 does, verified on this host, and where ojrun differs:
 *   - without --process: config.json's process with args, cwd, env, user,
 *     capabilities, rlimits, noNewPrivileges and terminal as configured;
 *     --env replaces a variable of the same name (runc appends, and its
 *     init's setenv loop lets the last one win: the same result), -u UID
 *     keeps the configured gid, -g appends to additionalGids;
 *   - --cap adds the capability to the bounding, effective and permitted
 *     sets (not inheritable or ambient: CapInh/CapAmb stay 0);
 *   - with --process: the file is the process; absent capabilities come
 *     from the container, absent rlimits do NOT (the exec'd process gets
 *     runc's own limits).  ojrun defaults both to the container's: a judge
 *     limits the container, and a process exec'd into it must not escape
 *     its RLIMIT_NOFILE or RLIMIT_FSIZE because its process.json forgot
 *     them.  runc ignores every other flag and any ARGS with --process;
 *     ojrun applies the flags on top of the file and refuses ARGS.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "cleanup.h"
#include "exec.h"
#include "util.h"

static int strv_append(char ***v, size_t *n, const char *s, struct oj_err *err)
{
    char **nv = realloc(*v, (*n + 2) * sizeof(char *));
    if (!nv)
        return oj_fail(err, ENOMEM, "allocate the process");
    *v = nv;
    nv[*n] = strdup(s);
    if (!nv[*n])
        return oj_fail(err, ENOMEM, "allocate the process");
    nv[++*n] = NULL;
    return 0;
}

/* --env K=V: replace K if the environment has it, else append. */
static int env_set(struct oj_process *p, const char *kv, struct oj_err *err)
{
    const char *eq = strchr(kv, '=');
    if (!eq || eq == kv)
        return oj_fail(err, 0, "--env: expected NAME=value, got \"%s\"", kv);
    size_t kl = (size_t)(eq - kv) + 1; /* the name and its '=' */
    for (size_t i = 0; i < p->n_env; i++) {
        if (strncmp(p->env[i], kv, kl) == 0) {
            char *dup = strdup(kv);
            if (!dup)
                return oj_fail(err, ENOMEM, "allocate the process");
            free(p->env[i]);
            p->env[i] = dup;
            return 0;
        }
    }
    return strv_append(&p->env, &p->n_env, kv, err);
}

/* A capability name as config.json spells it ("CAP_SYS_ADMIN"); libcap
 * alone would also take "cap_sys_admin" or "21". */
static int cap_parse(const char *name, int *out, struct oj_err *err)
{
    bool ok = strncmp(name, "CAP_", 4) == 0 && name[4] != '\0';
    for (const char *c = name; ok && *c; c++)
        ok = (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_';
    cap_value_t v;
    if (!ok || cap_from_name(name, &v) < 0)
        return oj_fail(err, 0, "--cap: unknown capability \"%s\"", name);
    *out = (int)v;
    return 0;
}

static int capset_add(struct oj_capabilities *c, enum oj_cap_set s, int cap, struct oj_err *err)
{
    c->set[s].present = true;
    for (size_t i = 0; i < c->set[s].n; i++)
        if (c->set[s].caps[i] == cap)
            return 0;
    int *nc = realloc(c->set[s].caps, (c->set[s].n + 1) * sizeof(int));
    if (!nc)
        return oj_fail(err, ENOMEM, "allocate the process");
    nc[c->set[s].n++] = cap;
    c->set[s].caps = nc;
    return 0;
}

static int load_process_file(const char *path, struct oj_process **out, struct oj_err *err)
{
    _cleanup_free_ char *data = NULL;
    size_t len = 0;
    if (oj_read_file(path, OJ_CONFIG_MAX_BYTES, &data, &len, err) < 0)
        return oj_wrap(err, "--process");
    *out = oj_process_parse(data, len, err);
    if (!*out)
        return oj_wrap(err, "--process %s", path);
    return 0;
}

/* The container's capabilities and rlimits for a --process file that has
 * none (moved out of the container's process, which is not used again). */
static void defaults_from_container(struct oj_process *p, struct oj_process *base)
{
    if (!base)
        return;
    if (!p->has_capabilities && base->has_capabilities) {
        p->has_capabilities = true;
        p->capabilities = base->capabilities;
        memset(&base->capabilities, 0, sizeof(base->capabilities));
        base->has_capabilities = false;
    }
    if (p->n_rlimits == 0 && base->n_rlimits) {
        free(p->rlimits);
        p->rlimits = oj_steal_ptr(&base->rlimits);
        p->n_rlimits = base->n_rlimits;
        base->n_rlimits = 0;
    }
}

static int apply_flags(struct oj_process *p, const struct oj_exec_opts *o, struct oj_err *err)
{
    if (o->cwd) {
        if (o->cwd[0] != '/')
            return oj_fail(err, 0, "--cwd %s: must be an absolute path", o->cwd);
        char *cwd = strdup(o->cwd);
        if (!cwd)
            return oj_fail(err, ENOMEM, "allocate the process");
        free(p->cwd);
        p->cwd = cwd;
    }
    for (size_t i = 0; i < o->n_env; i++)
        if (env_set(p, o->env[i], err) < 0)
            return -1;
    if (o->user_set) {
        p->user.uid = o->uid;
        if (o->gid_set)
            p->user.gid = o->gid;
    }
    if (o->n_additional_gids) {
        size_t n = p->user.n_additional_gids + o->n_additional_gids;
        uint32_t *g = realloc(p->user.additional_gids, n * sizeof(uint32_t));
        if (!g)
            return oj_fail(err, ENOMEM, "allocate the process");
        memcpy(g + p->user.n_additional_gids, o->additional_gids,
               o->n_additional_gids * sizeof(uint32_t));
        p->user.additional_gids = g;
        p->user.n_additional_gids = n;
    }
    for (size_t i = 0; i < o->n_caps; i++) {
        int cap = -1;
        if (cap_parse(o->caps[i], &cap, err) < 0)
            return -1;
        p->has_capabilities = true;
        static const enum oj_cap_set sets[] = {OJ_CAPSET_BOUNDING, OJ_CAPSET_EFFECTIVE,
                                               OJ_CAPSET_PERMITTED};
        for (size_t s = 0; s < OJ_ARRAY_SIZE(sets); s++)
            if (capset_add(&p->capabilities, sets[s], cap, err) < 0)
                return -1;
    }
    if (o->no_new_privs)
        p->no_new_privileges = true;
    if (o->tty >= 0)
        p->terminal = o->tty > 0;
    return 0;
}

int oj_exec_build_process(struct oj_config *cfg, const struct oj_exec_opts *o,
                          struct oj_process **out, struct oj_err *err)
{
    /* config.md: apparmorProfile and selinuxLabel name profiles of LSMs
     * ojrun does not drive (`ojrun features` says so).  In config.json and
     * process files they are ignored as create ignores them; given
     * explicitly on the command line, running without them would be a
     * silent downgrade, so refuse. */
    if (o->apparmor && o->apparmor[0])
        return oj_fail(err, 0, "--apparmor: not supported (ojrun has no AppArmor support)");
    if (o->process_label && o->process_label[0])
        return oj_fail(err, 0, "--process-label: not supported (ojrun has no SELinux support)");

    struct oj_process *p = NULL;
    if (o->process_file) {
        if (o->n_args)
            return oj_fail(err, 0, "--process %s and a command (\"%s\") cannot both be given",
                           o->process_file, o->args[0]);
        if (load_process_file(o->process_file, &p, err) < 0)
            return -1;
        defaults_from_container(p, cfg->process);
    } else {
        if (o->n_args == 0)
            return oj_fail(err, 0, "no command given (exec ID COMMAND [ARG...] or --process FILE)");
        if (!cfg->process)
            return oj_fail(err, 0,
                           "config.json has no process to take the defaults from; use "
                           "--process FILE");
        p = oj_steal_ptr(&cfg->process);
        oj_strv_free(p->args);
        p->args = calloc(o->n_args + 1, sizeof(char *));
        p->n_args = 0;
        if (!p->args) {
            oj_process_free(p);
            return oj_fail(err, ENOMEM, "allocate the process");
        }
        for (size_t i = 0; i < o->n_args; i++) {
            p->args[i] = strdup(o->args[i]);
            if (!p->args[i]) {
                oj_process_free(p);
                return oj_fail(err, ENOMEM, "allocate the process");
            }
            p->n_args = i + 1;
        }
    }
    if (apply_flags(p, o, err) < 0) {
        oj_process_free(p);
        return -1;
    }
    *out = p;
    return 0;
}
