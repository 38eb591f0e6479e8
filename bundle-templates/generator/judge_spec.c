/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The config.json of a judge bundle (judge.h): one language template and
 * phase, plus the judge's limits, become a complete OCI configuration.
 *
 * What every judge container gets (specs/judge-templates.md has the why):
 *   - all seven namespaces; the user namespace maps container ids
 *     0..65535 to host ids 100000.. and the program runs as 1000:1000,
 *     with no capabilities in any set and no_new_privs;
 *   - a read-only, empty rootfs with the mounts of judge_fs.c;
 *   - memory (= memory+swap, so no swap) and pids limits in the cgroup;
 *   - rlimits: CPU seconds as a coarse backstop of the shim's CPU limit,
 *     FSIZE = the output limit, STACK = the memory limit, a small
 *     descriptor table, no core dumps;
 *   - the limits the shim enforces itself as annotations;
 *   - the seccomp allowlist of judge_seccomp.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "judge.h"
#include "spec.h"
#include "util.h"
#include "version.h"

const struct oj_judge_lang *oj_judge_lang_find(const char *name)
{
    for (size_t i = 0; i < oj_judge_n_langs; i++)
        if (strcmp(oj_judge_langs[i].name, name) == 0)
            return &oj_judge_langs[i];
    return NULL;
}

static const char *const phase_names[OJ_JUDGE_N_PHASES] = {
    [OJ_JUDGE_COMPILE] = "compile",
    [OJ_JUDGE_RUN] = "run",
};

const char *oj_judge_phase_name(enum oj_judge_phase phase)
{
    return (unsigned)phase < OJ_JUDGE_N_PHASES ? phase_names[phase] : "?";
}

int oj_judge_phase_parse(const char *s, enum oj_judge_phase *out, struct oj_err *err)
{
    for (int i = 0; i < OJ_JUDGE_N_PHASES; i++) {
        if (strcmp(s, phase_names[i]) == 0) {
            *out = (enum oj_judge_phase)i;
            return 0;
        }
    }
    return oj_fail(err, 0, "--phase: unknown phase \"%s\" (compile or run)", s);
}

/* The limit options and their ranges.  The upper bounds keep every derived
 * value (RLIMIT_CPU seconds, MiB for the heap, the int64 fields of
 * linux.resources) far from overflowing; no judge needs more than a day. */
#define DAY_MS (24ULL * 3600 * 1000)
static const struct {
    const char *name;
    size_t offset;
    uint64_t min, max;
} limit_opts[] = {
    {"cpu-ms", offsetof(struct oj_judge_limits, cpu_ms), 1, DAY_MS},
    {"wall-ms", offsetof(struct oj_judge_limits, wall_ms), 1, DAY_MS},
    /* the kernel rounds memory limits to pages; less than 1 MiB cannot
     * even exec a program */
    {"memory", offsetof(struct oj_judge_limits, memory), 1ULL << 20, INT64_MAX},
    /* PID_MAX_LIMIT (4M) on 64-bit kernels */
    {"pids", offsetof(struct oj_judge_limits, pids), 1, 4194304},
    {"output-bytes", offsetof(struct oj_judge_limits, output_bytes), 0, INT64_MAX},
};

int oj_judge_set_limit(struct oj_judge_limits *limits, const char *name, const char *value,
                       struct oj_err *err)
{
    for (size_t i = 0; i < OJ_ARRAY_SIZE(limit_opts); i++) {
        if (strcmp(limit_opts[i].name, name) != 0)
            continue;
        uint64_t v;
        if (oj_parse_u64(value, &v) < 0) {
            /* all digits and still unparsable: it overflowed */
            if (*value && strspn(value, "0123456789") == strlen(value))
                return oj_fail(err, 0, "--%s: %s: too large (at most %" PRIu64 ")", name, value,
                               limit_opts[i].max);
            return oj_fail(err, 0, "--%s: \"%s\": not a non-negative integer", name, value);
        }
        if (v < limit_opts[i].min || v > limit_opts[i].max)
            return oj_fail(err, 0, "--%s: %s: out of range (%" PRIu64 "..%" PRIu64 ")", name, value,
                           limit_opts[i].min, limit_opts[i].max);
        *(uint64_t *)((char *)limits + limit_opts[i].offset) = v;
        return 0;
    }
    return oj_fail(err, 0, "unknown limit \"%s\"", name);
}

/* --- placeholders ------------------------------------------------------- */

static uint64_t memory_mib(const struct oj_judge_limits *l)
{
    return l->memory >> 20;
}

/* 3/4 of the memory for a garbage-collected heap: the JVM and V8 need the
 * rest for code, metadata and thread stacks, and neither can see the
 * cgroup's limit (no /sys/fs/cgroup in the container) to size their
 * heaps themselves. */
static uint64_t heap_mib(const struct oj_judge_limits *l)
{
    uint64_t h = memory_mib(l) / 4 * 3;
    return h < 16 ? 16 : h;
}

char *oj_judge_expand(const char *tmpl, const struct oj_judge_limits *limits, struct oj_err *err)
{
    static const struct {
        const char *name;
        uint64_t (*value)(const struct oj_judge_limits *);
    } vars[] = {
        {"memory_mib", memory_mib},
        {"heap_mib", heap_mib},
    };
    struct strbuf sb = {0};
    const char *p = tmpl;
    while (*p) {
        const char *open = strchr(p, '{');
        if (!open) {
            sb_puts(&sb, p);
            break;
        }
        sb_append(&sb, p, (size_t)(open - p));
        size_t len = strspn(open + 1, "abcdefghijklmnopqrstuvwxyz_");
        if (len == 0 || open[1 + len] != '}') {
            /* not "{identifier}": a literal brace */
            sb_append(&sb, "{", 1);
            p = open + 1;
            continue;
        }
        size_t i = 0;
        while (i < OJ_ARRAY_SIZE(vars) &&
               (strlen(vars[i].name) != len || strncmp(vars[i].name, open + 1, len) != 0))
            i++;
        if (i == OJ_ARRAY_SIZE(vars)) {
            sb_free(&sb);
            oj_fail(err, 0, "template \"%s\": unknown placeholder {%.*s}", tmpl, (int)len,
                    open + 1);
            return NULL;
        }
        sb_printf(&sb, "%" PRIu64, vars[i].value(limits));
        p = open + 1 + len + 1;
    }
    if (sb.oom || !sb.s) {
        bool oom = sb.oom;
        sb_free(&sb);
        if (oom) {
            oj_fail(err, ENOMEM, "expand \"%s\"", tmpl);
            return NULL;
        }
        return strdup(""); /* empty template */
    }
    return sb.s;
}

/* --- config.json --------------------------------------------------------- */

static int write_expanded(struct jw *w, const char *const *v, const struct oj_judge_limits *l,
                          struct oj_err *err)
{
    for (; *v; v++) {
        _cleanup_free_ char *s = oj_judge_expand(*v, l, err);
        if (!s)
            return -1;
        jw_str(w, s);
    }
    return 0;
}

/* soft = hard = `want`, but never a hard limit above the one we run with:
 * raising a hard limit needs CAP_SYS_RESOURCE in the initial namespace
 * (setrlimit(2)), which the runtime may not have, and the container would
 * fail to start with EPERM. */
static void write_rlimit(struct jw *w, const char *type, int resource, uint64_t want)
{
    struct rlimit cur;
    if (getrlimit(resource, &cur) == 0 && cur.rlim_max != RLIM_INFINITY && want > cur.rlim_max)
        want = cur.rlim_max;
    jw_obj_begin(w);
    jw_kstr(w, "type", type);
    jw_kuint(w, "hard", want);
    jw_kuint(w, "soft", want);
    jw_obj_end(w);
}

static int write_process(struct jw *w, const struct oj_judge_opts *o, struct oj_err *err)
{
    const struct oj_judge_phase_tmpl *p = &o->lang->phase[o->phase];
    const struct oj_judge_limits *l = &o->limits;
    static const char *const env[] = {
        "PATH=/usr/local/bin:/usr/bin:/bin",
        "HOME=/box",
        "LANG=C.UTF-8",
        "TMPDIR=/tmp",
    };

    jw_key(w, "process");
    jw_obj_begin(w);
    /* stdin/stdout/stderr are whatever the judge gives the runtime
     * (files or pipes): never a terminal */
    jw_kbool(w, "terminal", false);
    jw_key(w, "user");
    jw_obj_begin(w);
    jw_kuint(w, "uid", OJ_JUDGE_UID);
    jw_kuint(w, "gid", OJ_JUDGE_GID);
    jw_obj_end(w);

    jw_key(w, "args");
    jw_arr_begin(w);
    if (write_expanded(w, p->args, l, err) < 0)
        return -1;
    jw_arr_end(w);
    jw_key(w, "env");
    jw_arr_begin(w);
    for (size_t i = 0; i < OJ_ARRAY_SIZE(env); i++)
        jw_str(w, env[i]);
    if (write_expanded(w, p->env, l, err) < 0)
        return -1;
    jw_arr_end(w);
    jw_kstr(w, "cwd", "/box");

    /* No capability in any set: uid 1000 would lose them at exec anyway,
     * but empty sets also leave nothing in the bounding set for a setuid
     * binary to regain (and the mounts are nosuid). */
    static const char *const sets[] = {"bounding", "effective", "inheritable", "permitted",
                                       "ambient"};
    jw_key(w, "capabilities");
    jw_obj_begin(w);
    for (size_t i = 0; i < OJ_ARRAY_SIZE(sets); i++) {
        jw_key(w, sets[i]);
        jw_arr_begin(w);
        jw_arr_end(w);
    }
    jw_obj_end(w);

    jw_key(w, "rlimits");
    jw_arr_begin(w);
    /* a core dump of a crashing submission would be written to /box */
    write_rlimit(w, "RLIMIT_CORE", RLIMIT_CORE, 0);
    /* SIGKILL once a single process used this much CPU: the shim enforces
     * the exact limit over the whole cgroup, this only catches a shim
     * that is not there (setrlimit(2), RLIMIT_CPU) */
    write_rlimit(w, "RLIMIT_CPU", RLIMIT_CPU, (l->cpu_ms + 999) / 1000 + 1);
    /* writing past it raises SIGXFSZ: the output limit when stdout is a
     * file, and a bound on everything written to /box and /tmp */
    write_rlimit(w, "RLIMIT_FSIZE", RLIMIT_FSIZE, l->output_bytes);
    write_rlimit(w, "RLIMIT_NOFILE", RLIMIT_NOFILE, p->nofile);
    /* deep recursion is normal in contest code: the stack may use all the
     * memory the cgroup allows */
    write_rlimit(w, "RLIMIT_STACK", RLIMIT_STACK, l->memory);
    jw_arr_end(w);

    jw_kbool(w, "noNewPrivileges", true);
    /* under memory pressure on the host, the submission goes first */
    jw_kint(w, "oomScoreAdj", 1000);
    jw_obj_end(w);
    return 0;
}

static int write_mounts(struct jw *w, const struct oj_judge_opts *o, struct oj_err *err)
{
    struct oj_judge_mount *m = NULL;
    size_t n = 0;
    if (oj_judge_mounts(o, &m, &n, err) < 0)
        return -1;
    jw_key(w, "mounts");
    jw_arr_begin(w);
    for (size_t i = 0; i < n; i++) {
        jw_obj_begin(w);
        jw_kstr(w, "destination", m[i].destination);
        jw_kstr(w, "type", m[i].type);
        jw_kstr(w, "source", m[i].source);
        jw_key(w, "options");
        jw_arr_begin(w);
        for (char **opt = m[i].options; *opt; opt++)
            jw_str(w, *opt);
        jw_arr_end(w);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    oj_judge_mounts_free(m, n);
    return 0;
}

/* What the shim enforces itself, and what this bundle is (config.md
 * "Annotations": reverse-domain keys, string values). */
static void write_annotations(struct jw *w, const struct oj_judge_opts *o)
{
    char buf[32];
    jw_key(w, "annotations");
    jw_obj_begin(w);
    snprintf(buf, sizeof(buf), "%" PRIu64, o->limits.cpu_ms);
    jw_kstr(w, "org.ojrun.limit.cpu-ms", buf);
    snprintf(buf, sizeof(buf), "%" PRIu64, o->limits.wall_ms);
    jw_kstr(w, "org.ojrun.limit.wall-ms", buf);
    snprintf(buf, sizeof(buf), "%" PRIu64, o->limits.output_bytes);
    jw_kstr(w, "org.ojrun.limit.output-bytes", buf);
    jw_kstr(w, "org.ojrun.judge.lang", o->lang->name);
    jw_kstr(w, "org.ojrun.judge.phase", oj_judge_phase_name(o->phase));
    jw_obj_end(w);
}

static void write_idmap(struct jw *w, const char *key)
{
    jw_key(w, key);
    jw_arr_begin(w);
    jw_obj_begin(w);
    jw_kuint(w, "containerID", 0);
    jw_kuint(w, "hostID", OJ_JUDGE_HOST_ID_BASE);
    jw_kuint(w, "size", OJ_JUDGE_ID_RANGE);
    jw_obj_end(w);
    jw_arr_end(w);
}

/* The /proc entries of the default masked and read-only paths (there is
 * no /sys in a judge container). */
static void write_proc_paths(struct jw *w, const char *key, const char *const *v, size_t n)
{
    jw_key(w, key);
    jw_arr_begin(w);
    for (size_t i = 0; i < n; i++)
        if (strncmp(v[i], "/proc/", 6) == 0)
            jw_str(w, v[i]);
    jw_arr_end(w);
}

static int write_linux(struct jw *w, const struct oj_judge_opts *o, struct oj_err *err)
{
    jw_key(w, "linux");
    jw_obj_begin(w);

    /* A private range of host ids: the program's uid 1000 is host uid
     * 101000, which owns nothing on the host, and the container's root
     * (host 100000) has capabilities only over the container's own
     * namespaces (user_namespaces(7)). */
    write_idmap(w, "uidMappings");
    write_idmap(w, "gidMappings");

    jw_key(w, "resources");
    jw_obj_begin(w);
    /* no device but the default ones (which the runtime allows itself) */
    jw_key(w, "devices");
    jw_arr_begin(w);
    jw_obj_begin(w);
    jw_kbool(w, "allow", false);
    jw_kstr(w, "access", "rwm");
    jw_obj_end(w);
    jw_arr_end(w);
    /* swap is memory+swap in the OCI spec (config-linux.md "Memory"):
     * equal to the limit means no swap at all, so a submission cannot
     * trade memory for time */
    jw_key(w, "memory");
    jw_obj_begin(w);
    jw_kint(w, "limit", (int64_t)o->limits.memory);
    jw_kint(w, "swap", (int64_t)o->limits.memory);
    jw_obj_end(w);
    /* threads count as pids: the JVM alone starts about 20 */
    jw_key(w, "pids");
    jw_obj_begin(w);
    jw_kint(w, "limit", (int64_t)o->limits.pids);
    jw_obj_end(w);
    jw_obj_end(w);

    /* Every namespace: the network namespace has only lo, the cgroup
     * namespace hides the judge's cgroup paths, the user namespace makes
     * the container's root nobody on the host. */
    static const char *const ns[] = {"pid", "network", "ipc", "uts", "mount", "user", "cgroup"};
    jw_key(w, "namespaces");
    jw_arr_begin(w);
    for (size_t i = 0; i < OJ_ARRAY_SIZE(ns); i++) {
        jw_obj_begin(w);
        jw_kstr(w, "type", ns[i]);
        jw_obj_end(w);
    }
    jw_arr_end(w);

    write_proc_paths(w, "maskedPaths", oj_spec_masked_paths, oj_spec_n_masked_paths);
    write_proc_paths(w, "readonlyPaths", oj_spec_readonly_paths, oj_spec_n_readonly_paths);

    if (oj_judge_write_seccomp(w, o->lang, o->phase, err) < 0)
        return -1;
    jw_obj_end(w);
    return 0;
}

int oj_judge_spec(const struct oj_judge_opts *o, struct strbuf *out, struct oj_err *err)
{
    struct jw w;
    jw_init(&w, true);

    jw_obj_begin(&w);
    jw_kstr(&w, "ociVersion", OJRUN_OCI_SPEC_VERSION);
    if (write_process(&w, o, err) < 0)
        goto fail;
    jw_key(&w, "root");
    jw_obj_begin(&w);
    jw_kstr(&w, "path", "rootfs");
    jw_kbool(&w, "readonly", true);
    jw_obj_end(&w);
    jw_kstr(&w, "hostname", "judge");
    if (write_mounts(&w, o, err) < 0)
        goto fail;
    write_annotations(&w, o);
    if (write_linux(&w, o, err) < 0)
        goto fail;
    jw_obj_end(&w);
    sb_append(&w.sb, "\n", 1);

    if (jw_check(&w, "generate config.json", err) < 0)
        goto fail;
    sb_append(out, w.sb.s, w.sb.len);
    sb_free(&w.sb);
    if (out->oom)
        return oj_fail(err, ENOMEM, "generate config.json");
    return 0;
fail:
    sb_free(&w.sb);
    return -1;
}

/* --- the bundle ------------------------------------------------------------ */

int oj_judge_write_bundle(const struct oj_judge_request *r, struct oj_err *err)
{
    struct oj_judge_opts o = {0};
    o.lang = oj_judge_lang_find(r->lang);
    if (!o.lang) {
        struct strbuf known = {0};
        for (size_t i = 0; i < oj_judge_n_langs; i++)
            sb_printf(&known, "%s%s", i ? ", " : "", oj_judge_langs[i].name);
        oj_fail(err, 0, "--judge: unknown language \"%s\" (known: %s)", r->lang, sb_str(&known));
        sb_free(&known);
        return -1;
    }
    if (oj_judge_phase_parse(r->phase, &o.phase, err) < 0)
        return -1;
    if (oj_judge_check_tools(o.lang, o.phase, err) < 0)
        return -1;
    o.limits = o.lang->phase[o.phase].limits;
    const struct {
        const char *name, *value;
    } limits[] = {
        {"cpu-ms", r->cpu_ms}, {"wall-ms", r->wall_ms},           {"memory", r->memory},
        {"pids", r->pids},     {"output-bytes", r->output_bytes},
    };
    for (size_t i = 0; i < OJ_ARRAY_SIZE(limits); i++)
        if (limits[i].value &&
            oj_judge_set_limit(&o.limits, limits[i].name, limits[i].value, err) < 0)
            return -1;

    /* Absolute paths: mount sources are resolved by the runtime, which
     * may run in another directory. */
    _cleanup_free_ char *box = realpath(r->box, NULL);
    if (!box)
        return oj_fail(err, errno, "--box %s", r->box);
    struct stat st;
    if (stat(box, &st) < 0)
        return oj_fail(err, errno, "--box %s", r->box);
    if (!S_ISDIR(st.st_mode))
        return oj_fail(err, ENOTDIR, "--box %s", r->box);
    o.box = box;

    const char *bundle = r->bundle ? r->bundle : ".";
    char path[PATH_MAX];
    if (oj_spec_config_path(bundle, path, sizeof(path), err) < 0)
        return -1;
    _cleanup_free_ char *abs_bundle = realpath(bundle, NULL);
    if (!abs_bundle)
        return oj_fail(err, errno, "bundle %s", bundle);
    o.bundle = abs_bundle;

    struct strbuf sb = {0};
    if (oj_judge_spec(&o, &sb, err) < 0 || oj_judge_make_rootfs(&o, err) < 0) {
        sb_free(&sb);
        return -1;
    }
    int ret = oj_write_file_atomic(path, sb.s, sb.len, 0644, err);
    sb_free(&sb);
    if (ret == 0)
        oj_judge_check_access(&o);
    return ret;
}
