/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json "linux.seccomp" (config-linux.md "Seccomp") -> struct oj_seccomp.
 *
 * The strings are libseccomp's constant names (seccomp.h); they are turned
 * into libseccomp's values here so that seccomp.c only builds the filter.
 * Syscall names are kept as strings and not resolved: profiles routinely list
 * syscalls of other architectures or newer kernels, which runc skips.
 */
#include <ctype.h>
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "config_internal.h"

/* seccomp(2) filter flags, in case the installed headers predate them. */
#ifndef SECCOMP_FILTER_FLAG_TSYNC
#define SECCOMP_FILTER_FLAG_TSYNC (1UL << 0)
#endif
#ifndef SECCOMP_FILTER_FLAG_LOG
#define SECCOMP_FILTER_FLAG_LOG (1UL << 1)
#endif
#ifndef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1UL << 2)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/* SECCOMP_RET_DATA is 16 bits: a larger errnoRet would be silently truncated. */
#define CFG_ERRNO_RET_MAX 65535

/* Base values: the errno/trace data is kept in errnoRet (see config.h). */
static const struct cfg_enum seccomp_actions[] = {
    {"SCMP_ACT_KILL", SCMP_ACT_KILL},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0)},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0)},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG},
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY},
};

static const struct cfg_enum seccomp_ops[] = {
    {"SCMP_CMP_NE", OJ_SECCOMP_OP_NE},
    {"SCMP_CMP_LT", OJ_SECCOMP_OP_LT},
    {"SCMP_CMP_LE", OJ_SECCOMP_OP_LE},
    {"SCMP_CMP_EQ", OJ_SECCOMP_OP_EQ},
    {"SCMP_CMP_GE", OJ_SECCOMP_OP_GE},
    {"SCMP_CMP_GT", OJ_SECCOMP_OP_GT},
    {"SCMP_CMP_MASKED_EQ", OJ_SECCOMP_OP_MASKED_EQ},
};

static const struct cfg_enum seccomp_flags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
};

/* "SCMP_ACT_ERRNO" -> SCMP_ACT_ERRNO(0) etc.; *takes_errno for ERRNO/TRACE. */
static int parse_action(yajl_val obj, const char *key, const struct cfg_path *parent, uint32_t *out,
                        bool *takes_errno, struct oj_err *err)
{
    _cleanup_free_ char *name = NULL;
    int64_t v;
    if (cfg_require(obj, key, parent, err) < 0 || cfg_get_string(obj, key, parent, &name, err) < 0)
        return -1;
    if (cfg_enum_lookup(seccomp_actions, OJ_ARRAY_SIZE(seccomp_actions), name, &v) < 0)
        return cfg_fail(err, CFG_KEY(parent, key), "unknown seccomp action \"%s\"", name);
    *out = (uint32_t)v;
    *takes_errno = *out == SCMP_ACT_ERRNO(0) || *out == SCMP_ACT_TRACE(0);
    return 0;
}

/* errnoRet / defaultErrnoRet: "When the action doesn't support an errno,
 * the runtime MUST print and error and fail" (config-linux.md). */
static int parse_errno_ret(yajl_val obj, const char *key, const struct cfg_path *parent,
                           bool takes_errno, oj_opt_u64 *out, struct oj_err *err)
{
    if (cfg_get_opt_u64(obj, key, parent, CFG_ERRNO_RET_MAX, out, err) < 0)
        return -1;
    if (out->set && !takes_errno)
        return cfg_fail(err, CFG_KEY(parent, key),
                        "only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
    return 0;
}

/* "SCMP_ARCH_X86_64" -> SCMP_ARCH_X86_64, through libseccomp's own table
 * of names ("x86_64"), so that every architecture it knows is accepted. */
static int parse_arch(const char *name, const struct cfg_path *p, uint32_t *out, struct oj_err *err)
{
    static const char prefix[] = "SCMP_ARCH_";
    char lower[32];
    size_t plen = sizeof(prefix) - 1;
    size_t len = strlen(name);
    uint32_t arch = 0;
    if (len > plen && len - plen < sizeof(lower) && strncmp(name, prefix, plen) == 0) {
        bool upper = true;
        for (size_t i = plen; i <= len; i++) {
            upper = upper && !islower((unsigned char)name[i]);
            lower[i - plen] = (char)tolower((unsigned char)name[i]);
        }
        if (upper && strcmp(lower, "native") != 0)
            arch = seccomp_arch_resolve_name(lower);
    }
    if (arch == 0)
        return cfg_fail(err, p, "unknown seccomp architecture \"%s\"", name);
    *out = arch;
    return 0;
}

static int parse_architectures(yajl_val v, const struct cfg_path *p, struct oj_seccomp *sc,
                               struct oj_err *err)
{
    _cleanup_strv_ char **names = NULL;
    size_t n = 0;
    if (cfg_get_strv(v, "architectures", p, &names, &n, err) < 0)
        return -1;
    if (n == 0)
        return 0;
    sc->architectures = calloc(n, sizeof(uint32_t));
    if (!sc->architectures)
        return oj_fail(err, ENOMEM, "config.json: allocate seccomp architectures");
    sc->n_architectures = n;
    for (size_t i = 0; i < n; i++)
        if (parse_arch(names[i], CFG_IDX(CFG_KEY(p, "architectures"), i), &sc->architectures[i],
                       err) < 0)
            return -1;
    return 0;
}

static int parse_flags(yajl_val v, const struct cfg_path *p, struct oj_seccomp *sc,
                       struct oj_err *err)
{
    _cleanup_strv_ char **names = NULL;
    size_t n = 0;
    if (cfg_get_strv(v, "flags", p, &names, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int64_t bit;
        if (cfg_enum_lookup(seccomp_flags, OJ_ARRAY_SIZE(seccomp_flags), names[i], &bit) < 0)
            return cfg_fail(err, CFG_IDX(CFG_KEY(p, "flags"), i), "unknown seccomp flag \"%s\"",
                            names[i]);
        sc->flags |= (unsigned)bit;
    }
    return 0;
}

static int parse_arg(yajl_val e, const struct cfg_path *p, struct oj_seccomp_arg *a,
                     struct oj_err *err)
{
    /* index REQUIRED: a syscall has at most 6 arguments (seccomp_data.args[6]);
     * value REQUIRED, valueTwo OPTIONAL (the mask/operand of MASKED_EQ); op REQUIRED. */
    uint64_t index;
    int64_t op;
    _cleanup_free_ char *op_name = NULL;
    if (cfg_require(e, "index", p, err) < 0 || cfg_get_u64(e, "index", p, 5, &index, err) < 0 ||
        cfg_require(e, "value", p, err) < 0 ||
        cfg_get_u64(e, "value", p, UINT64_MAX, &a->value, err) < 0 ||
        cfg_get_u64(e, "valueTwo", p, UINT64_MAX, &a->value_two, err) < 0 ||
        cfg_require(e, "op", p, err) < 0 || cfg_get_string(e, "op", p, &op_name, err) < 0)
        return -1;
    if (cfg_enum_lookup(seccomp_ops, OJ_ARRAY_SIZE(seccomp_ops), op_name, &op) < 0)
        return cfg_fail(err, CFG_KEY(p, "op"), "unknown seccomp operator \"%s\"", op_name);
    a->index = (unsigned)index;
    a->op = (enum oj_seccomp_op)op;
    return 0;
}

static int parse_rule(yajl_val e, const struct cfg_path *p, struct oj_seccomp_rule *rule,
                      struct oj_err *err)
{
    bool takes_errno;
    if (cfg_require(e, "names", p, err) < 0 ||
        cfg_get_strv(e, "names", p, &rule->names, &rule->n_names, err) < 0)
        return -1;
    /* "names MUST contain at least one entry" */
    if (rule->n_names == 0)
        return cfg_fail(err, CFG_KEY(p, "names"), "must not be empty");
    for (size_t i = 0; i < rule->n_names; i++)
        if (rule->names[i][0] == '\0')
            return cfg_fail(err, CFG_IDX(CFG_KEY(p, "names"), i), "must not be empty");
    if (parse_action(e, "action", p, &rule->action, &takes_errno, err) < 0 ||
        parse_errno_ret(e, "errnoRet", p, takes_errno, &rule->errno_ret, err) < 0)
        return -1;

    yajl_val arr;
    int r = cfg_get_array(e, "args", p, sizeof(struct oj_seccomp_arg), &rule->args, &rule->n_args,
                          &arr, err);
    if (r <= 0)
        return r;
    const struct cfg_path *ap = CFG_KEY(p, "args");
    for (size_t i = 0; i < rule->n_args; i++) {
        yajl_val a;
        if (cfg_element_object(arr, i, CFG_IDX(ap, i), &a, err) < 0 ||
            parse_arg(a, CFG_IDX(ap, i), &rule->args[i], err) < 0)
            return -1;
    }
    return 0;
}

int cfg_parse_seccomp(yajl_val v, const struct cfg_path *p, struct oj_seccomp *sc,
                      struct oj_err *err)
{
    bool takes_errno;
    if (parse_action(v, "defaultAction", p, &sc->default_action, &takes_errno, err) < 0 ||
        parse_errno_ret(v, "defaultErrnoRet", p, takes_errno, &sc->default_errno_ret, err) < 0 ||
        parse_architectures(v, p, sc, err) < 0 || parse_flags(v, p, sc, err) < 0 ||
        cfg_get_string(v, "listenerPath", p, &sc->listener_path, err) < 0 ||
        cfg_get_string(v, "listenerMetadata", p, &sc->listener_metadata, err) < 0)
        return -1;
    /* "listenerMetadata ... MUST NOT be set if listenerPath is not set" */
    if (sc->listener_metadata && (!sc->listener_path || !sc->listener_path[0]))
        return cfg_fail(err, CFG_KEY(p, "listenerMetadata"), "set without listenerPath");

    yajl_val arr;
    int r = cfg_get_array(v, "syscalls", p, sizeof(struct oj_seccomp_rule), &sc->syscalls,
                          &sc->n_syscalls, &arr, err);
    if (r <= 0)
        return r;
    const struct cfg_path *ap = CFG_KEY(p, "syscalls");
    for (size_t i = 0; i < sc->n_syscalls; i++) {
        yajl_val e;
        if (cfg_element_object(arr, i, CFG_IDX(ap, i), &e, err) < 0 ||
            parse_rule(e, CFG_IDX(ap, i), &sc->syscalls[i], err) < 0)
            return -1;
    }
    return 0;
}

void cfg_free_seccomp(struct oj_seccomp *sc)
{
    free(sc->architectures);
    free(sc->listener_path);
    free(sc->listener_metadata);
    for (size_t i = 0; i < sc->n_syscalls; i++) {
        oj_strv_free(sc->syscalls[i].names);
        free(sc->syscalls[i].args);
    }
    free(sc->syscalls);
}
