/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json "linux" (config-linux.md) -> struct oj_linux.  linux.resources
 * and linux.seccomp have their own files (config_resources.c, config_seccomp.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "config_internal.h"

/* config-linux.md "Mount Propagation": the values of mount(8)'s propagation
 * flags; "" means "leave it alone", as with runc. */
static const char *const propagations[] = {
    "private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable", "runbindable",
};

/* time_namespaces(7): the clocks /proc/PID/timens_offsets accepts. */
static const char *const time_clocks[] = {"monotonic", "boottime"};

int cfg_parse_idmaps(yajl_val obj, const char *key, const struct cfg_path *parent,
                     struct oj_idmap **out, size_t *n, struct oj_err *err)
{
    /* config-linux.md "User namespace mappings": containerID, hostID, size
     * REQUIRED uint32.  A zero size is refused by the kernel (user_namespaces(7)),
     * so it is refused here with the field named. */
    yajl_val arr;
    int r = cfg_get_array(obj, key, parent, sizeof(struct oj_idmap), out, n, &arr, err);
    if (r <= 0)
        return r;
    const struct cfg_path *ap = CFG_KEY(parent, key);
    for (size_t i = 0; i < *n; i++) {
        const struct cfg_path *ep = CFG_IDX(ap, i);
        struct oj_idmap *m = &(*out)[i];
        yajl_val e;
        uint64_t size;
        if (cfg_element_object(arr, i, ep, &e, err) < 0 ||
            cfg_require(e, "containerID", ep, err) < 0 ||
            cfg_get_u32(e, "containerID", ep, &m->container_id, err) < 0 ||
            cfg_require(e, "hostID", ep, err) < 0 ||
            cfg_get_u32(e, "hostID", ep, &m->host_id, err) < 0 ||
            cfg_require(e, "size", ep, err) < 0 ||
            cfg_get_u64(e, "size", ep, CFG_U32_MAX, &size, err) < 0)
            return -1;
        if (size == 0)
            return cfg_fail(err, CFG_KEY(ep, "size"), "expected an integer in 1..4294967295");
        m->size = (uint32_t)size;
    }
    return 0;
}

static int parse_namespaces(yajl_val v, const struct cfg_path *p, struct oj_linux *lx,
                            struct oj_err *err)
{
    yajl_val arr;
    int r = cfg_get_array(v, "namespaces", p, sizeof(struct oj_namespace), &lx->namespaces,
                          &lx->n_namespaces, &arr, err);
    if (r <= 0)
        return r;
    const struct cfg_path *ap = CFG_KEY(p, "namespaces");
    for (size_t i = 0; i < lx->n_namespaces; i++) {
        const struct cfg_path *ep = CFG_IDX(ap, i);
        struct oj_namespace *ns = &lx->namespaces[i];
        _cleanup_free_ char *type = NULL;
        yajl_val e;
        if (cfg_element_object(arr, i, ep, &e, err) < 0 || cfg_require(e, "type", ep, err) < 0 ||
            cfg_get_string(e, "type", ep, &type, err) < 0 ||
            cfg_get_string(e, "path", ep, &ns->path, err) < 0)
            return -1;
        int t = oj_ns_type_from_name(type);
        if (t < 0)
            return cfg_fail(err, CFG_KEY(ep, "type"), "unknown namespace \"%s\"", type);
        ns->type = (enum oj_ns_type)t;
        /* config-linux.md: "If a namespace type is specified more than once
         * the runtime MUST generate an error." */
        for (size_t j = 0; j < i; j++)
            if (lx->namespaces[j].type == ns->type)
                return cfg_fail(err, CFG_KEY(ep, "type"), "duplicate namespace \"%s\"", type);
        /* An empty path means "create a new one", as in runc. */
        if (ns->path && ns->path[0] == '\0') {
            free(ns->path);
            ns->path = NULL;
        }
    }
    return 0;
}

static int parse_time_offsets(yajl_val v, const struct cfg_path *p, struct oj_linux *lx,
                              struct oj_err *err)
{
    /* config-linux.md "Offset for Time Namespace" (1.1): an object keyed by
     * clock name, each {secs int64, nanosecs uint32}. */
    yajl_val obj;
    int r = cfg_get_object(v, "timeOffsets", p, &obj, err);
    if (r <= 0)
        return r;
    const struct cfg_path *op = CFG_KEY(p, "timeOffsets");
    size_t len = obj->u.object.len;
    if (len == 0)
        return 0;
    lx->time_offsets = calloc(len, sizeof(*lx->time_offsets));
    if (!lx->time_offsets)
        return oj_fail(err, ENOMEM, "config.json: allocate timeOffsets");
    for (size_t i = 0; i < len; i++) {
        const char *clock = obj->u.object.keys[i];
        const struct cfg_path *cp = CFG_KEY(op, clock);
        bool known = false;
        for (size_t k = 0; k < OJ_ARRAY_SIZE(time_clocks); k++)
            known = known || strcmp(time_clocks[k], clock) == 0;
        if (!known)
            return cfg_fail(err, cp, "unknown clock \"%s\"", clock);
        /* a repeated clock is read once, with its last value (cfg_member) */
        bool seen = false;
        for (size_t j = 0; j < lx->n_time_offsets; j++)
            seen = seen || strcmp(lx->time_offsets[j].clock, clock) == 0;
        yajl_val e = cfg_member(obj, clock);
        if (seen || !e)
            continue;
        struct oj_time_offset *t = &lx->time_offsets[lx->n_time_offsets];
        t->clock = strdup(clock);
        if (!t->clock)
            return oj_fail(err, ENOMEM, "config.json: copy a clock name");
        lx->n_time_offsets++;
        uint64_t ns = 0;
        if (cfg_expect_object(e, cp, err) < 0 ||
            cfg_get_i64(e, "secs", cp, INT64_MIN, INT64_MAX, &t->secs, err) < 0 ||
            cfg_get_u64(e, "nanosecs", cp, 999999999, &ns, err) < 0)
            return -1;
        t->nanosecs = (uint32_t)ns;
    }
    return 0;
}

static int parse_device(yajl_val e, const struct cfg_path *p, struct oj_device *d,
                        struct oj_err *err)
{
    /* config-linux.md "Devices": type, path REQUIRED; major, minor REQUIRED
     * unless type is "p"; fileMode, uid, gid OPTIONAL.  Device numbers are
     * limited to what makedev(3) takes (32 bits each). */
    _cleanup_free_ char *type = NULL;
    if (cfg_require(e, "path", p, err) < 0 || cfg_get_string(e, "path", p, &d->path, err) < 0 ||
        cfg_check_abs_path(d->path, CFG_KEY(p, "path"), err) < 0 ||
        cfg_require(e, "type", p, err) < 0 || cfg_get_string(e, "type", p, &type, err) < 0)
        return -1;
    if (strlen(type) != 1 || !strchr("cbup", type[0]))
        return cfg_fail(err, CFG_KEY(p, "type"), "unknown device type \"%s\"", type);
    d->type = type[0];
    if (d->type != 'p' &&
        (cfg_require(e, "major", p, err) < 0 || cfg_require(e, "minor", p, err) < 0))
        return -1;
    if (cfg_get_i64(e, "major", p, 0, UINT32_MAX, &d->major, err) < 0 ||
        cfg_get_i64(e, "minor", p, 0, UINT32_MAX, &d->minor, err) < 0 ||
        cfg_get_opt_u64(e, "fileMode", p, CFG_U32_MAX, &d->file_mode, err) < 0 ||
        cfg_get_opt_u64(e, "uid", p, CFG_U32_MAX, &d->uid, err) < 0 ||
        cfg_get_opt_u64(e, "gid", p, CFG_U32_MAX, &d->gid, err) < 0)
        return -1;
    return 0;
}

static int parse_devices(yajl_val v, const struct cfg_path *p, struct oj_linux *lx,
                         struct oj_err *err)
{
    yajl_val arr;
    int r = cfg_get_array(v, "devices", p, sizeof(struct oj_device), &lx->devices, &lx->n_devices,
                          &arr, err);
    if (r <= 0)
        return r;
    const struct cfg_path *ap = CFG_KEY(p, "devices");
    for (size_t i = 0; i < lx->n_devices; i++) {
        yajl_val e;
        if (cfg_element_object(arr, i, CFG_IDX(ap, i), &e, err) < 0 ||
            parse_device(e, CFG_IDX(ap, i), &lx->devices[i], err) < 0)
            return -1;
    }
    return 0;
}

static int parse_paths(yajl_val v, const char *key, const struct cfg_path *p, char ***out,
                       size_t *n, struct oj_err *err)
{
    /* maskedPaths / readonlyPaths: "The values MUST be absolute paths in the
     * container namespace" (config-linux.md). */
    if (cfg_get_strv(v, key, p, out, n, err) < 0)
        return -1;
    for (size_t i = 0; i < *n; i++)
        if (cfg_check_abs_path((*out)[i], CFG_IDX(CFG_KEY(p, key), i), err) < 0)
            return -1;
    return 0;
}

static int parse_personality(yajl_val v, const struct cfg_path *p, struct oj_linux *lx,
                             struct oj_err *err)
{
    /* config-linux.md "Personality" (1.0.2): domain REQUIRED, LINUX or
     * LINUX32; flags OPTIONAL (none is defined yet, so any string is kept). */
    yajl_val o;
    int r = cfg_get_object(v, "personality", p, &o, err);
    if (r <= 0)
        return r;
    const struct cfg_path *pp = CFG_KEY(p, "personality");
    if (cfg_require(o, "domain", pp, err) < 0 ||
        cfg_get_string(o, "domain", pp, &lx->personality_domain, err) < 0)
        return -1;
    if (strcmp(lx->personality_domain, "LINUX") != 0 &&
        strcmp(lx->personality_domain, "LINUX32") != 0)
        return cfg_fail(err, CFG_KEY(pp, "domain"), "unknown personality domain \"%s\"",
                        lx->personality_domain);
    if (cfg_get_strv(o, "flags", pp, &lx->personality_flags, &lx->n_personality_flags, err) < 0)
        return -1;
    lx->has_personality = true;
    return 0;
}

static int parse_intel_rdt(yajl_val v, const struct cfg_path *p, struct oj_linux *lx,
                           struct oj_err *err)
{
    /* config-linux.md "IntelRdt": only closID is kept (ojrun does not
     * support RDT).  closID names a directory under /sys/fs/resctrl, so
     * ".", ".." and "/" are refused as runc does. */
    yajl_val o;
    int r = cfg_get_object(v, "intelRdt", p, &o, err);
    if (r <= 0)
        return r;
    const struct cfg_path *ip = CFG_KEY(p, "intelRdt");
    if (cfg_get_string(o, "closID", ip, &lx->intel_rdt_clos_id, err) < 0)
        return -1;
    const char *id = lx->intel_rdt_clos_id;
    if (id && (strcmp(id, ".") == 0 || strcmp(id, "..") == 0 || strchr(id, '/')))
        return cfg_fail(err, CFG_KEY(ip, "closID"), "invalid closID \"%s\"", id);
    return 0;
}

int cfg_parse_linux(yajl_val v, const struct cfg_path *p, struct oj_linux *lx, struct oj_err *err)
{
    if (parse_namespaces(v, p, lx, err) < 0 ||
        cfg_parse_idmaps(v, "uidMappings", p, &lx->uid_mappings, &lx->n_uid_mappings, err) < 0 ||
        cfg_parse_idmaps(v, "gidMappings", p, &lx->gid_mappings, &lx->n_gid_mappings, err) < 0 ||
        parse_time_offsets(v, p, lx, err) < 0 || parse_devices(v, p, lx, err) < 0 ||
        cfg_get_string(v, "cgroupsPath", p, &lx->cgroups_path, err) < 0 ||
        cfg_get_kv(v, "sysctl", p, &lx->sysctl, &lx->n_sysctl, err) < 0 ||
        cfg_get_string(v, "rootfsPropagation", p, &lx->rootfs_propagation, err) < 0 ||
        parse_paths(v, "maskedPaths", p, &lx->masked_paths, &lx->n_masked_paths, err) < 0 ||
        parse_paths(v, "readonlyPaths", p, &lx->readonly_paths, &lx->n_readonly_paths, err) < 0 ||
        cfg_get_string(v, "mountLabel", p, &lx->mount_label, err) < 0 ||
        parse_personality(v, p, lx, err) < 0 || parse_intel_rdt(v, p, lx, err) < 0)
        return -1;

    yajl_val o;
    int r = cfg_get_object(v, "resources", p, &o, err);
    if (r < 0)
        return -1;
    lx->has_resources = r > 0;
    if (r > 0 && cfg_parse_resources(o, CFG_KEY(p, "resources"), &lx->resources, err) < 0)
        return -1;
    r = cfg_get_object(v, "seccomp", p, &o, err);
    if (r < 0)
        return -1;
    lx->has_seccomp = r > 0;
    if (r > 0 && cfg_parse_seccomp(o, CFG_KEY(p, "seccomp"), &lx->seccomp, err) < 0)
        return -1;

    if (lx->rootfs_propagation) {
        bool known = lx->rootfs_propagation[0] == '\0';
        for (size_t i = 0; i < OJ_ARRAY_SIZE(propagations) && !known; i++)
            known = strcmp(propagations[i], lx->rootfs_propagation) == 0;
        if (!known)
            return cfg_fail(err, CFG_KEY(p, "rootfsPropagation"), "unknown propagation \"%s\"",
                            lx->rootfs_propagation);
        if (lx->rootfs_propagation[0] == '\0') {
            free(lx->rootfs_propagation);
            lx->rootfs_propagation = NULL;
        }
    }
    return 0;
}

void cfg_free_linux(struct oj_linux *lx)
{
    for (size_t i = 0; i < lx->n_namespaces; i++)
        free(lx->namespaces[i].path);
    free(lx->namespaces);
    free(lx->uid_mappings);
    free(lx->gid_mappings);
    for (size_t i = 0; i < lx->n_time_offsets; i++)
        free(lx->time_offsets[i].clock);
    free(lx->time_offsets);
    for (size_t i = 0; i < lx->n_devices; i++)
        free(lx->devices[i].path);
    free(lx->devices);
    free(lx->cgroups_path);
    cfg_free_resources(&lx->resources);
    cfg_free_seccomp(&lx->seccomp);
    for (size_t i = 0; i < lx->n_sysctl; i++) {
        free(lx->sysctl[i].key);
        free(lx->sysctl[i].value);
    }
    free(lx->sysctl);
    free(lx->rootfs_propagation);
    oj_strv_free(lx->masked_paths);
    oj_strv_free(lx->readonly_paths);
    free(lx->mount_label);
    free(lx->personality_domain);
    oj_strv_free(lx->personality_flags);
    free(lx->intel_rdt_clos_id);
}
