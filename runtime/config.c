/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json -> struct oj_config (OCI runtime spec v1.0.0 .. v1.2, config.md).
 *
 * The text is checked before yajl sees it (size, then json_scan.c's
 * pre-scan shared with json.c: NUL bytes, strict UTF-8, nesting depth --
 * yajl_tree_free recurses, so a deeply nested document must be refused up
 * front --, trailing text), parsed into a yajl tree, and
 * the tree is walked section by section:
 *
 *   config.c            top level: ociVersion, root, mounts, hostname, hooks, annotations
 *   config_process.c    process
 *   config_linux.c      linux (namespaces, id mappings, devices, sysctl, paths, ...)
 *   config_resources.c  linux.resources
 *   config_seccomp.c    linux.seccomp
 *
 * Unknown keys are ignored, so that configs written for a newer spec still
 * load (config.md: "Implementations that are reading/processing this
 * configuration file MUST NOT generate an error if they encounter an unknown
 * property").  Known keys are checked strictly: type, range and enum value.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <yajl/yajl_tree.h>

#include "cleanup.h"
#include "config.h"
#include "config_internal.h"
#include "json.h"
#include "util.h"

/* --- names <-> enums -------------------------------------------------------------------------- */

static const struct {
    const char *name;      /* as in config.json (config-linux.md "Namespaces") */
    const char *proc_name; /* the file under /proc/PID/ns/ */
    int clone_flag;
} ns_table[OJ_NS_COUNT] = {
    [OJ_NS_PID] = {"pid", "pid", CLONE_NEWPID},
    [OJ_NS_NETWORK] = {"network", "net", CLONE_NEWNET},
    [OJ_NS_MOUNT] = {"mount", "mnt", CLONE_NEWNS},
    [OJ_NS_IPC] = {"ipc", "ipc", CLONE_NEWIPC},
    [OJ_NS_UTS] = {"uts", "uts", CLONE_NEWUTS},
    [OJ_NS_USER] = {"user", "user", CLONE_NEWUSER},
    [OJ_NS_CGROUP] = {"cgroup", "cgroup", CLONE_NEWCGROUP},
    [OJ_NS_TIME] = {"time", "time", CLONE_NEWTIME},
};

const char *oj_ns_type_name(enum oj_ns_type t)
{
    return (unsigned)t < OJ_NS_COUNT ? ns_table[t].name : NULL;
}

int oj_ns_type_from_name(const char *name)
{
    for (int t = 0; t < OJ_NS_COUNT; t++)
        if (strcmp(ns_table[t].name, name) == 0)
            return t;
    return -1;
}

int oj_ns_clone_flag(enum oj_ns_type t)
{
    return (unsigned)t < OJ_NS_COUNT ? ns_table[t].clone_flag : 0;
}

const char *oj_ns_proc_name(enum oj_ns_type t)
{
    return (unsigned)t < OJ_NS_COUNT ? ns_table[t].proc_name : NULL;
}

/* config.md "POSIX process" rlimits: "the values of type are the resources
 * defined in getrlimit(2)".  Every resource of Linux (RLIMIT_NLIMITS == 16). */
static const struct {
    const char *name;
    int resource;
} rlimit_table[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

int oj_rlimit_from_name(const char *name)
{
    for (size_t i = 0; i < OJ_ARRAY_SIZE(rlimit_table); i++)
        if (strcmp(rlimit_table[i].name, name) == 0)
            return rlimit_table[i].resource;
    return -1;
}

const char *oj_rlimit_name(int resource)
{
    for (size_t i = 0; i < OJ_ARRAY_SIZE(rlimit_table); i++)
        if (rlimit_table[i].resource == resource)
            return rlimit_table[i].name;
    return NULL;
}

/* --- lookups ---------------------------------------------------------------------------------- */

const struct oj_namespace *oj_config_namespace(const struct oj_config *cfg, enum oj_ns_type t)
{
    if (!cfg || !cfg->has_linux)
        return NULL;
    for (size_t i = 0; i < cfg->linux_.n_namespaces; i++)
        if (cfg->linux_.namespaces[i].type == t)
            return &cfg->linux_.namespaces[i];
    return NULL;
}

const char *oj_config_annotation(const struct oj_config *cfg, const char *key)
{
    if (!cfg)
        return NULL;
    for (size_t i = 0; i < cfg->n_annotations; i++)
        if (strcmp(cfg->annotations[i].key, key) == 0)
            return cfg->annotations[i].value;
    return NULL;
}

/* --- checks of the raw text ------------------------------------------------------------------- */

/* yajl's verbose message spans lines (message, excerpt, arrow): squash it to
 * one line with single spaces. */
static void squash_spaces(char *s)
{
    char *w = s;
    bool space = true; /* drop leading spaces */
    for (char *r = s; *r; r++) {
        bool is_space = *r == ' ' || *r == '\t' || *r == '\n' || *r == '\r';
        if (is_space) {
            if (!space)
                *w++ = ' ';
            space = true;
        } else {
            *w++ = *r;
            space = false;
        }
    }
    if (w > s && w[-1] == ' ')
        w--;
    *w = '\0';
}

/* --- top-level sections ----------------------------------------------------------------------- */

/* config.md "Specification version": any 1.x.y, with an optional
 * pre-release/build suffix ("1.0.2-dev", "1.2.0+abc"). */
static int check_oci_version(const char *v, const struct cfg_path *p, struct oj_err *err)
{
    const char *s = v;
    if (s[0] != '1' || s[1] != '.')
        goto bad;
    s += 2;
    for (int part = 0; part < 2; part++) {
        if (*s < '0' || *s > '9')
            goto bad;
        while (*s >= '0' && *s <= '9')
            s++;
        if (part == 0 && *s++ != '.')
            goto bad;
    }
    if (*s == '\0' || *s == '-' || *s == '+')
        return 0;
bad:
    return cfg_fail(err, p, "unsupported version \"%s\" (expected 1.x.y)", v);
}

static int parse_mount(yajl_val v, const struct cfg_path *p, struct oj_mount *m, struct oj_err *err)
{
    /* config.md "Mounts": destination REQUIRED; type, source, options OPTIONAL;
     * uidMappings/gidMappings (1.2, idmapped mounts) OPTIONAL. */
    if (cfg_require(v, "destination", p, err) < 0 ||
        cfg_get_string(v, "destination", p, &m->destination, err) < 0 ||
        cfg_get_string(v, "type", p, &m->type, err) < 0 ||
        cfg_get_string(v, "source", p, &m->source, err) < 0 ||
        cfg_get_strv(v, "options", p, &m->options, &m->n_options, err) < 0 ||
        cfg_parse_idmaps(v, "uidMappings", p, &m->uid_mappings, &m->n_uid_mappings, err) < 0 ||
        cfg_parse_idmaps(v, "gidMappings", p, &m->gid_mappings, &m->n_gid_mappings, err) < 0)
        return -1;
    if (m->destination[0] == '\0')
        return cfg_fail(err, CFG_KEY(p, "destination"), "must not be empty");
    return 0;
}

static int parse_hook(yajl_val v, const struct cfg_path *p, struct oj_hook *h, struct oj_err *err)
{
    /* config.md "POSIX-platform Hooks": path REQUIRED and absolute; args, env
     * OPTIONAL; timeout OPTIONAL, "MUST be greater than zero". */
    if (cfg_require(v, "path", p, err) < 0 || cfg_get_string(v, "path", p, &h->path, err) < 0 ||
        cfg_check_abs_path(h->path, CFG_KEY(p, "path"), err) < 0 ||
        cfg_get_strv(v, "args", p, &h->args, &h->n_args, err) < 0 ||
        cfg_get_strv(v, "env", p, &h->env, &h->n_env, err) < 0 ||
        cfg_check_env(h->env, h->n_env, CFG_KEY(p, "env"), err) < 0 ||
        cfg_get_opt_i64(v, "timeout", p, 1, INT32_MAX, &h->timeout, err) < 0)
        return -1;
    return 0;
}

static const char *const hook_keys[OJ_HOOK_KIND_COUNT] = {
    [OJ_HOOK_PRESTART] = "prestart",
    [OJ_HOOK_CREATE_RUNTIME] = "createRuntime",
    [OJ_HOOK_CREATE_CONTAINER] = "createContainer",
    [OJ_HOOK_START_CONTAINER] = "startContainer",
    [OJ_HOOK_POSTSTART] = "poststart",
    [OJ_HOOK_POSTSTOP] = "poststop",
};

static int parse_hooks(yajl_val v, const struct cfg_path *p, struct oj_hooks *hooks,
                       struct oj_err *err)
{
    for (int k = 0; k < OJ_HOOK_KIND_COUNT; k++) {
        yajl_val arr;
        int r = cfg_get_array(v, hook_keys[k], p, sizeof(struct oj_hook), &hooks->list[k],
                              &hooks->n[k], &arr, err);
        if (r <= 0) {
            if (r < 0)
                return -1;
            continue;
        }
        const struct cfg_path *kp = CFG_KEY(p, hook_keys[k]);
        for (size_t i = 0; i < hooks->n[k]; i++) {
            yajl_val h;
            if (cfg_element_object(arr, i, CFG_IDX(kp, i), &h, err) < 0 ||
                parse_hook(h, CFG_IDX(kp, i), &hooks->list[k][i], err) < 0)
                return -1;
        }
    }
    return 0;
}

static int parse_root(yajl_val v, const struct cfg_path *p, struct oj_config *cfg,
                      struct oj_err *err)
{
    /* config.md "Root": path REQUIRED (absolute or relative to the bundle). */
    if (cfg_require(v, "path", p, err) < 0 ||
        cfg_get_string(v, "path", p, &cfg->root_path, err) < 0 ||
        cfg_get_bool(v, "readonly", p, &cfg->root_readonly, err) < 0)
        return -1;
    if (cfg->root_path[0] == '\0')
        return cfg_fail(err, CFG_KEY(p, "path"), "must not be empty");
    return 0;
}

static int parse_top(yajl_val top, struct oj_config *cfg, struct oj_err *err)
{
    if (!YAJL_IS_OBJECT(top))
        return cfg_fail(err, NULL, "expected a JSON object at the top level");

    if (cfg_require(top, "ociVersion", NULL, err) < 0 ||
        cfg_get_string(top, "ociVersion", NULL, &cfg->oci_version, err) < 0 ||
        check_oci_version(cfg->oci_version, CFG_KEY(NULL, "ociVersion"), err) < 0)
        return -1;

    yajl_val v = NULL;
    int r = cfg_get_object(top, "root", NULL, &v, err);
    if (r < 0 || (r > 0 && parse_root(v, CFG_KEY(NULL, "root"), cfg, err) < 0))
        return -1;

    yajl_val arr;
    r = cfg_get_array(top, "mounts", NULL, sizeof(struct oj_mount), &cfg->mounts, &cfg->n_mounts,
                      &arr, err);
    if (r < 0)
        return -1;
    const struct cfg_path *mp = CFG_KEY(NULL, "mounts");
    for (size_t i = 0; i < cfg->n_mounts; i++) {
        yajl_val m;
        if (cfg_element_object(arr, i, CFG_IDX(mp, i), &m, err) < 0 ||
            parse_mount(m, CFG_IDX(mp, i), &cfg->mounts[i], err) < 0)
            return -1;
    }

    r = cfg_get_object(top, "process", NULL, &v, err);
    if (r < 0)
        return -1;
    if (r > 0) {
        cfg->process = calloc(1, sizeof(*cfg->process));
        if (!cfg->process)
            return oj_fail(err, ENOMEM, "config.json: allocate process");
        if (cfg_parse_process(v, CFG_KEY(NULL, "process"), cfg->process, err) < 0)
            return -1;
    }

    if (cfg_get_string(top, "hostname", NULL, &cfg->hostname, err) < 0 ||
        cfg_get_string(top, "domainname", NULL, &cfg->domainname, err) < 0 ||
        cfg_get_kv(top, "annotations", NULL, &cfg->annotations, &cfg->n_annotations, err) < 0)
        return -1;

    r = cfg_get_object(top, "hooks", NULL, &v, err);
    if (r < 0 || (r > 0 && parse_hooks(v, CFG_KEY(NULL, "hooks"), &cfg->hooks, err) < 0))
        return -1;

    r = cfg_get_object(top, "linux", NULL, &v, err);
    if (r < 0)
        return -1;
    if (r > 0) {
        cfg->has_linux = true;
        if (cfg_parse_linux(v, CFG_KEY(NULL, "linux"), &cfg->linux_, err) < 0)
            return -1;
    }
    return 0;
}

/* --- entry points ----------------------------------------------------------------------------- */

/* Size and text checks, then yajl: the common front of every document
 * parsed here.  Returns the tree or NULL with err set. */
static yajl_val parse_text(const char *data, size_t len, struct oj_err *err)
{
    if (len > OJ_CONFIG_MAX_BYTES) {
        oj_fail(err, 0, "config.json: larger than %u bytes", OJ_CONFIG_MAX_BYTES);
        if (err)
            err->code = EFBIG;
        return NULL;
    }
    /* the pre-scan shared with json.c: NUL bytes, \u0000, invalid UTF-8,
     * comments, nesting deeper than OJ_CONFIG_MAX_DEPTH, trailing text */
    if (oj_json_check_text(data, len, OJ_CONFIG_MAX_DEPTH, err) < 0) {
        oj_wrap(err, "config.json");
        return NULL;
    }

    /* yajl_tree_parse wants a C string. */
    _cleanup_free_ char *text = malloc(len + 1);
    if (!text) {
        oj_fail(err, ENOMEM, "config.json: copy %zu bytes", len);
        return NULL;
    }
    if (len > 0) /* data may be NULL when len is 0 */
        memcpy(text, data, len);
    text[len] = '\0';

    char yerr[1024] = "";
    yajl_val top = yajl_tree_parse(text, yerr, sizeof(yerr));
    if (!top) {
        squash_spaces(yerr);
        cfg_fail(err, NULL, "%s", yerr[0] ? yerr : "parse error");
        return NULL;
    }
    return top;
}

struct oj_config *oj_config_parse(const char *data, size_t len, struct oj_err *err)
{
    yajl_val top = parse_text(data, len, err);
    if (!top)
        return NULL;
    struct oj_config *cfg = calloc(1, sizeof(*cfg));
    if (!cfg) {
        yajl_tree_free(top);
        oj_fail(err, ENOMEM, "config.json: allocate the configuration");
        return NULL;
    }
    int r = parse_top(top, cfg, err);
    yajl_tree_free(top);
    if (r < 0) {
        oj_config_free(cfg);
        return NULL;
    }
    return cfg;
}

/* `exec --process FILE`: a JSON object shaped like config.json's "process".
 * Errors read "process.json: args: ..." instead of "config.json: ...". */
struct oj_process *oj_process_parse(const char *data, size_t len, struct oj_err *err)
{
    struct oj_process *proc = NULL;
    yajl_val top = parse_text(data, len, err);
    if (top) {
        proc = calloc(1, sizeof(*proc));
        if (!proc)
            oj_fail(err, ENOMEM, "process.json: allocate");
        else if (!YAJL_IS_OBJECT(top))
            cfg_fail(err, NULL, "expected a JSON object at the top level");
        else if (cfg_parse_process(top, NULL, proc, err) == 0) {
            yajl_tree_free(top);
            return proc;
        }
        yajl_tree_free(top);
    }
    if (proc) {
        cfg_free_process(proc);
        free(proc);
    }
    if (err && strncmp(err->msg, "config.json: ", 13) == 0) {
        char tmp[OJ_ERR_MSG_MAX];
        snprintf(tmp, sizeof(tmp), "process.json: %s", err->msg + 13);
        memcpy(err->msg, tmp, sizeof(tmp));
    }
    return NULL;
}

void oj_process_free(struct oj_process *p)
{
    if (p) {
        cfg_free_process(p);
        free(p);
    }
}

/* `update --resources FILE`: a JSON object shaped like "linux.resources"
 * (runc decodes the same file into specs.LinuxResources).  Errors read
 * "resources.json: memory.limit: ..." instead of "config.json: ...". */
struct oj_resources *oj_resources_parse(const char *data, size_t len, struct oj_err *err)
{
    struct oj_resources *r = NULL;
    yajl_val top = parse_text(data, len, err);
    if (top) {
        r = calloc(1, sizeof(*r));
        if (!r)
            oj_fail(err, ENOMEM, "resources.json: allocate");
        else if (!YAJL_IS_OBJECT(top))
            cfg_fail(err, NULL, "expected a JSON object at the top level");
        else if (cfg_parse_resources(top, NULL, r, err) == 0) {
            yajl_tree_free(top);
            return r;
        }
        yajl_tree_free(top);
    }
    oj_resources_free(r);
    if (err && strncmp(err->msg, "config.json: ", 13) == 0) {
        char tmp[OJ_ERR_MSG_MAX];
        snprintf(tmp, sizeof(tmp), "resources.json: %s", err->msg + 13);
        memcpy(err->msg, tmp, sizeof(tmp));
    }
    return NULL;
}

void oj_resources_free(struct oj_resources *r)
{
    if (r) {
        cfg_free_resources(r);
        free(r);
    }
}

struct oj_config *oj_config_load(const char *path, struct oj_err *err)
{
    _cleanup_free_ char *data = NULL;
    size_t len = 0;
    if (oj_read_file(path, OJ_CONFIG_MAX_BYTES, &data, &len, err) < 0)
        return NULL;
    return oj_config_parse(data, len, err);
}

/* --- free ------------------------------------------------------------------------------------- */

static void free_hook(struct oj_hook *h)
{
    free(h->path);
    oj_strv_free(h->args);
    oj_strv_free(h->env);
}

static void free_mount(struct oj_mount *m)
{
    free(m->destination);
    free(m->type);
    free(m->source);
    oj_strv_free(m->options);
    free(m->uid_mappings);
    free(m->gid_mappings);
}

void oj_config_free(struct oj_config *cfg)
{
    if (!cfg)
        return;
    free(cfg->oci_version);
    free(cfg->root_path);
    for (size_t i = 0; i < cfg->n_mounts; i++)
        free_mount(&cfg->mounts[i]);
    free(cfg->mounts);
    if (cfg->process) {
        cfg_free_process(cfg->process);
        free(cfg->process);
    }
    free(cfg->hostname);
    free(cfg->domainname);
    for (int k = 0; k < OJ_HOOK_KIND_COUNT; k++) {
        for (size_t i = 0; i < cfg->hooks.n[k]; i++)
            free_hook(&cfg->hooks.list[k][i]);
        free(cfg->hooks.list[k]);
    }
    for (size_t i = 0; i < cfg->n_annotations; i++) {
        free(cfg->annotations[i].key);
        free(cfg->annotations[i].value);
    }
    free(cfg->annotations);
    cfg_free_linux(&cfg->linux_);
    free(cfg);
}
