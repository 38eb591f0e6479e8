/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json "process" (config.md "Process", "POSIX process", "Linux
 * Process", "User") -> struct oj_process.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#include "cleanup.h"
#include "config_internal.h"

/* ioprio_set(2) classes; <linux/ioprio.h> has them as an enum only in recent
 * kernel headers, so spell the ABI values out. */
#define CFG_IOPRIO_CLASS_RT   1
#define CFG_IOPRIO_CLASS_BE   2
#define CFG_IOPRIO_CLASS_IDLE 3

/* sched_setattr(2) policies and flags (values of <linux/sched.h>; SCHED_ISO
 * is reserved by Linux and listed by the spec, so it is accepted here and
 * refused by the kernel when applied). */
static const struct cfg_enum sched_policies[] = {
    {"SCHED_OTHER", 0}, {"SCHED_FIFO", 1}, {"SCHED_RR", 2},       {"SCHED_BATCH", 3},
    {"SCHED_ISO", 4},   {"SCHED_IDLE", 5}, {"SCHED_DEADLINE", 6},
};
static const struct cfg_enum sched_flags[] = {
    {"SCHED_FLAG_RESET_ON_FORK", 0x01},  {"SCHED_FLAG_RECLAIM", 0x02},
    {"SCHED_FLAG_DL_OVERRUN", 0x04},     {"SCHED_FLAG_KEEP_POLICY", 0x08},
    {"SCHED_FLAG_KEEP_PARAMS", 0x10},    {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
};
static const struct cfg_enum ioprio_classes[] = {
    {"IOPRIO_CLASS_RT", CFG_IOPRIO_CLASS_RT},
    {"IOPRIO_CLASS_BE", CFG_IOPRIO_CLASS_BE},
    {"IOPRIO_CLASS_IDLE", CFG_IOPRIO_CLASS_IDLE},
};

static const char *const capset_keys[OJ_CAPSET_COUNT] = {
    [OJ_CAPSET_BOUNDING] = "bounding",       [OJ_CAPSET_EFFECTIVE] = "effective",
    [OJ_CAPSET_INHERITABLE] = "inheritable", [OJ_CAPSET_PERMITTED] = "permitted",
    [OJ_CAPSET_AMBIENT] = "ambient",
};

/* A capability name as the spec writes them ("CAP_SYS_ADMIN"); libcap's
 * cap_from_name() would also take "cap_sys_admin" or "12", which runc does
 * not, so the spelling is checked first.  Unknown names are errors (runc
 * only warns about them; a judge should not silently run with a different
 * capability set than the one it asked for). */
static int parse_cap_name(const char *name, const struct cfg_path *p, int *out, struct oj_err *err)
{
    bool ok = strncmp(name, "CAP_", 4) == 0 && name[4] != '\0';
    for (const char *c = name; ok && *c; c++)
        ok = (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_';
    cap_value_t v;
    if (!ok || cap_from_name(name, &v) < 0)
        return cfg_fail(err, p, "unknown capability \"%s\"", name);
    *out = (int)v;
    return 0;
}

static int parse_capabilities(yajl_val v, const struct cfg_path *p, struct oj_capabilities *caps,
                              struct oj_err *err)
{
    for (int s = 0; s < OJ_CAPSET_COUNT; s++) {
        yajl_val arr = cfg_member(v, capset_keys[s]);
        if (!arr)
            continue;
        const struct cfg_path *sp = CFG_KEY(p, capset_keys[s]);
        if (!YAJL_IS_ARRAY(arr))
            return cfg_fail(err, sp, "expected an array of strings");
        caps->set[s].present = true;
        size_t n = arr->u.array.len;
        if (n == 0)
            continue;
        caps->set[s].caps = calloc(n, sizeof(int));
        if (!caps->set[s].caps)
            return oj_fail(err, ENOMEM, "config.json: allocate capabilities");
        caps->set[s].n = n;
        for (size_t i = 0; i < n; i++) {
            yajl_val e = arr->u.array.values[i];
            if (!YAJL_IS_STRING(e))
                return cfg_fail(err, sp, "expected an array of strings");
            if (parse_cap_name(e->u.string, CFG_IDX(sp, i), &caps->set[s].caps[i], err) < 0)
                return -1;
        }
    }
    return 0;
}

/* config.md "POSIX process" rlimits.  type, soft and hard are REQUIRED.
 *
 * soft > hard: runc does not check it; setrlimit(2) then fails with EINVAL
 * when the container starts ("error setting rlimit type 7: invalid
 * argument").  We refuse it here instead, with the field named, because the
 * config can never work.  A type given twice is refused too: which one runc
 * applies last is an accident of its loop. */
static int parse_rlimit(yajl_val v, const struct cfg_path *p, struct oj_rlimit *rl,
                        struct oj_err *err)
{
    _cleanup_free_ char *type = NULL;
    if (cfg_require(v, "type", p, err) < 0 || cfg_get_string(v, "type", p, &type, err) < 0 ||
        cfg_require(v, "hard", p, err) < 0 ||
        cfg_get_u64(v, "hard", p, UINT64_MAX, &rl->hard, err) < 0 ||
        cfg_require(v, "soft", p, err) < 0 ||
        cfg_get_u64(v, "soft", p, UINT64_MAX, &rl->soft, err) < 0)
        return -1;
    rl->resource = oj_rlimit_from_name(type);
    if (rl->resource < 0)
        return cfg_fail(err, CFG_KEY(p, "type"), "unknown rlimit \"%s\"", type);
    if (rl->soft > rl->hard)
        return cfg_fail(err, CFG_KEY(p, "soft"),
                        "soft limit %" PRIu64 " is greater than the hard limit %" PRIu64, rl->soft,
                        rl->hard);
    return 0;
}

static int parse_rlimits(yajl_val v, const struct cfg_path *p, struct oj_process *proc,
                         struct oj_err *err)
{
    yajl_val arr;
    int r = cfg_get_array(v, "rlimits", p, sizeof(struct oj_rlimit), &proc->rlimits,
                          &proc->n_rlimits, &arr, err);
    if (r <= 0)
        return r;
    const struct cfg_path *rp = CFG_KEY(p, "rlimits");
    for (size_t i = 0; i < proc->n_rlimits; i++) {
        yajl_val e;
        if (cfg_element_object(arr, i, CFG_IDX(rp, i), &e, err) < 0 ||
            parse_rlimit(e, CFG_IDX(rp, i), &proc->rlimits[i], err) < 0)
            return -1;
        for (size_t j = 0; j < i; j++)
            if (proc->rlimits[j].resource == proc->rlimits[i].resource)
                return cfg_fail(err, CFG_KEY(CFG_IDX(rp, i), "type"), "duplicate rlimit \"%s\"",
                                oj_rlimit_name(proc->rlimits[i].resource));
    }
    return 0;
}

static int parse_user(yajl_val v, const struct cfg_path *p, struct oj_user *u, struct oj_err *err)
{
    /* config.md "POSIX-platform User": uid, gid REQUIRED (uint32); umask,
     * additionalGids OPTIONAL.  Go's decoder leaves a missing uid at 0, and
     * so does runc: we keep that leniency (0 is the default below). */
    if (cfg_get_u32(v, "uid", p, &u->uid, err) < 0 || cfg_get_u32(v, "gid", p, &u->gid, err) < 0 ||
        cfg_get_opt_u64(v, "umask", p, CFG_U32_MAX, &u->umask, err) < 0 ||
        cfg_get_string(v, "username", p, &u->username, err) < 0)
        return -1;
    yajl_val arr = cfg_member(v, "additionalGids");
    if (!arr)
        return 0;
    const struct cfg_path *gp = CFG_KEY(p, "additionalGids");
    if (cfg_expect_array(arr, gp, err) < 0)
        return -1;
    size_t n = arr->u.array.len;
    if (n == 0)
        return 0;
    u->additional_gids = calloc(n, sizeof(uint32_t));
    if (!u->additional_gids)
        return oj_fail(err, ENOMEM, "config.json: allocate additionalGids");
    u->n_additional_gids = n;
    for (size_t i = 0; i < n; i++) {
        uint64_t g;
        if (cfg_u64(arr->u.array.values[i], CFG_IDX(gp, i), CFG_U32_MAX, &g, err) < 0)
            return -1;
        u->additional_gids[i] = (uint32_t)g;
    }
    return 0;
}

static int parse_console_size(yajl_val v, const struct cfg_path *p, struct oj_process *proc,
                              struct oj_err *err)
{
    /* height/width REQUIRED; TIOCSWINSZ takes unsigned shorts. */
    uint64_t h, w;
    if (cfg_require(v, "height", p, err) < 0 ||
        cfg_get_u64(v, "height", p, CFG_U16_MAX, &h, err) < 0 ||
        cfg_require(v, "width", p, err) < 0 || cfg_get_u64(v, "width", p, CFG_U16_MAX, &w, err) < 0)
        return -1;
    proc->console_size.set = true;
    proc->console_size.height = (unsigned)h;
    proc->console_size.width = (unsigned)w;
    return 0;
}

static int parse_io_priority(yajl_val v, const struct cfg_path *p, struct oj_io_priority *io,
                             struct oj_err *err)
{
    /* config.md "Linux Process" ioPriority (1.1): class REQUIRED; priority
     * 0 (highest) .. 7 (lowest) as in ioprio_set(2), checked by runc too. */
    _cleanup_free_ char *class_ = NULL;
    int64_t cls, prio = 0;
    if (cfg_require(v, "class", p, err) < 0 || cfg_get_string(v, "class", p, &class_, err) < 0 ||
        cfg_get_i64(v, "priority", p, 0, 7, &prio, err) < 0)
        return -1;
    if (cfg_enum_lookup(ioprio_classes, OJ_ARRAY_SIZE(ioprio_classes), class_, &cls) < 0)
        return cfg_fail(err, CFG_KEY(p, "class"), "unknown ioPriority class \"%s\"", class_);
    io->set = true;
    io->class_ = (int)cls;
    io->priority = (int)prio;
    return 0;
}

static int parse_scheduler(yajl_val v, const struct cfg_path *p, struct oj_scheduler *s,
                           struct oj_err *err)
{
    /* config.md "Linux Process" scheduler (1.2), the fields of sched_setattr(2).
     * The cross-field rules are runc's (libcontainer/configs/validate):
     * priority only for SCHED_FIFO/SCHED_RR, runtime/deadline/period only for
     * SCHED_DEADLINE; nice in -20..19 (setpriority(2)); priority in 0..99
     * (sched_get_priority_max(2) for the real-time policies). */
    _cleanup_free_ char *policy = NULL;
    int64_t pol;
    if (cfg_require(v, "policy", p, err) < 0 || cfg_get_string(v, "policy", p, &policy, err) < 0)
        return -1;
    if (cfg_enum_lookup(sched_policies, OJ_ARRAY_SIZE(sched_policies), policy, &pol) < 0)
        return cfg_fail(err, CFG_KEY(p, "policy"), "unknown scheduler policy \"%s\"", policy);
    s->policy = (int)pol;
    if (cfg_get_opt_i64(v, "nice", p, -20, 19, &s->nice, err) < 0 ||
        cfg_get_opt_i64(v, "priority", p, 0, 99, &s->priority, err) < 0 ||
        cfg_get_opt_u64(v, "runtime", p, UINT64_MAX, &s->runtime, err) < 0 ||
        cfg_get_opt_u64(v, "deadline", p, UINT64_MAX, &s->deadline, err) < 0 ||
        cfg_get_opt_u64(v, "period", p, UINT64_MAX, &s->period, err) < 0)
        return -1;

    yajl_val flags = cfg_member(v, "flags");
    if (flags) {
        const struct cfg_path *fp = CFG_KEY(p, "flags");
        if (!YAJL_IS_ARRAY(flags))
            return cfg_fail(err, fp, "expected an array of strings");
        for (size_t i = 0; i < flags->u.array.len; i++) {
            yajl_val f = flags->u.array.values[i];
            int64_t bit;
            if (!YAJL_IS_STRING(f))
                return cfg_fail(err, fp, "expected an array of strings");
            if (cfg_enum_lookup(sched_flags, OJ_ARRAY_SIZE(sched_flags), f->u.string, &bit) < 0)
                return cfg_fail(err, CFG_IDX(fp, i), "unknown scheduler flag \"%s\"", f->u.string);
            s->flags |= (uint64_t)bit;
        }
    }

    bool rt = s->policy == SCHED_FIFO || s->policy == SCHED_RR;
    if (s->priority.set && s->priority.v != 0 && !rt)
        return cfg_fail(err, CFG_KEY(p, "priority"),
                        "only allowed with SCHED_FIFO or SCHED_RR, not %s", policy);
    const char *dl_key = s->runtime.set && s->runtime.v     ? "runtime"
                         : s->deadline.set && s->deadline.v ? "deadline"
                         : s->period.set && s->period.v     ? "period"
                                                            : NULL;
    if (dl_key && s->policy != SCHED_DEADLINE)
        return cfg_fail(err, CFG_KEY(p, dl_key), "only allowed with SCHED_DEADLINE, not %s",
                        policy);
    s->set = true;
    return 0;
}

int cfg_parse_process(yajl_val v, const struct cfg_path *p, struct oj_process *proc,
                      struct oj_err *err)
{
    yajl_val o;
    int r;

    if (cfg_get_bool(v, "terminal", p, &proc->terminal, err) < 0)
        return -1;
    r = cfg_get_object(v, "consoleSize", p, &o, err);
    if (r < 0 || (r > 0 && parse_console_size(o, CFG_KEY(p, "consoleSize"), proc, err) < 0))
        return -1;
    r = cfg_get_object(v, "user", p, &o, err);
    if (r < 0 || (r > 0 && parse_user(o, CFG_KEY(p, "user"), &proc->user, err) < 0))
        return -1;

    /* args: the spec makes it REQUIRED when the process is started; runc
     * refuses an empty one at create ("args must not be empty"), so do we
     * whenever "process" is given. */
    if (cfg_get_strv(v, "args", p, &proc->args, &proc->n_args, err) < 0)
        return -1;
    if (proc->n_args == 0)
        return cfg_fail(err, CFG_KEY(p, "args"),
                        cfg_member(v, "args") ? "must not be empty" : "required field is missing");
    if (cfg_get_string(v, "commandLine", p, &proc->command_line, err) < 0 ||
        cfg_get_strv(v, "env", p, &proc->env, &proc->n_env, err) < 0 ||
        cfg_check_env(proc->env, proc->n_env, CFG_KEY(p, "env"), err) < 0)
        return -1;

    /* cwd: REQUIRED, "MUST be an absolute path" (config.md "Process"). */
    if (cfg_require(v, "cwd", p, err) < 0 || cfg_get_string(v, "cwd", p, &proc->cwd, err) < 0 ||
        cfg_check_abs_path(proc->cwd, CFG_KEY(p, "cwd"), err) < 0)
        return -1;

    r = cfg_get_object(v, "capabilities", p, &o, err);
    if (r < 0)
        return -1;
    if (r > 0) {
        proc->has_capabilities = true;
        if (parse_capabilities(o, CFG_KEY(p, "capabilities"), &proc->capabilities, err) < 0)
            return -1;
    }
    if (parse_rlimits(v, p, proc, err) < 0 ||
        cfg_get_bool(v, "noNewPrivileges", p, &proc->no_new_privileges, err) < 0 ||
        cfg_get_string(v, "apparmorProfile", p, &proc->apparmor_profile, err) < 0 ||
        /* /proc/PID/oom_score_adj takes -1000..1000 (proc(5)) */
        cfg_get_opt_i64(v, "oomScoreAdj", p, -1000, 1000, &proc->oom_score_adj, err) < 0 ||
        cfg_get_string(v, "selinuxLabel", p, &proc->selinux_label, err) < 0)
        return -1;

    r = cfg_get_object(v, "ioPriority", p, &o, err);
    if (r < 0 ||
        (r > 0 && parse_io_priority(o, CFG_KEY(p, "ioPriority"), &proc->io_priority, err) < 0))
        return -1;
    r = cfg_get_object(v, "scheduler", p, &o, err);
    if (r < 0 || (r > 0 && parse_scheduler(o, CFG_KEY(p, "scheduler"), &proc->scheduler, err) < 0))
        return -1;
    return 0;
}

void cfg_free_process(struct oj_process *proc)
{
    free(proc->user.additional_gids);
    free(proc->user.username);
    oj_strv_free(proc->args);
    free(proc->command_line);
    oj_strv_free(proc->env);
    free(proc->cwd);
    for (int s = 0; s < OJ_CAPSET_COUNT; s++)
        free(proc->capabilities.set[s].caps);
    free(proc->rlimits);
    free(proc->apparmor_profile);
    free(proc->selinux_label);
}
