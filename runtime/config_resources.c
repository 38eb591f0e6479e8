/* SPDX-License-Identifier: Apache-2.0 */
/*
 * config.json "linux.resources" (config-linux.md "Control groups") ->
 * struct oj_resources.  Ranges follow the Go types of runtime-spec's
 * specs-go (what runc accepts), narrowed where the kernel interface is
 * narrower and a value outside could only fail later:
 *   - byte sizes are int64 with -1 meaning "unlimited"; other negatives are refused;
 *   - device numbers are 32-bit (makedev(3)), -1 meaning "any" in device rules.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "config_internal.h"

/* --- devices cgroup rules (config-linux.md "Allowed Device list") ----------------------------- */

static int parse_device_rule(yajl_val e, const struct cfg_path *p, struct oj_device_cgroup *d,
                             struct oj_err *err)
{
    /* allow REQUIRED; type "a" (default), "b" or "c"; major/minor absent or
     * -1 = wildcard (runc writes "*" for -1); access a combination of r, w, m. */
    _cleanup_free_ char *type = NULL;
    if (cfg_require(e, "allow", p, err) < 0 || cfg_get_bool(e, "allow", p, &d->allow, err) < 0 ||
        cfg_get_string(e, "type", p, &type, err) < 0 ||
        cfg_get_opt_i64(e, "major", p, -1, UINT32_MAX, &d->major, err) < 0 ||
        cfg_get_opt_i64(e, "minor", p, -1, UINT32_MAX, &d->minor, err) < 0 ||
        cfg_get_string(e, "access", p, &d->access, err) < 0)
        return -1;
    d->type = 'a';
    if (type) {
        if (strlen(type) != 1 || !strchr("abc", type[0]))
            return cfg_fail(err, CFG_KEY(p, "type"), "unknown device type \"%s\"", type);
        d->type = type[0];
    }
    if (d->major.set && d->major.v == -1)
        d->major.set = false;
    if (d->minor.set && d->minor.v == -1)
        d->minor.set = false;
    if (d->access) {
        const char *a = d->access;
        bool ok = a[0] != '\0' && strlen(a) <= 3;
        for (size_t i = 0; ok && a[i]; i++)
            ok = strchr("rwm", a[i]) && !strchr(a + i + 1, a[i]);
        if (!ok)
            return cfg_fail(err, CFG_KEY(p, "access"),
                            "expected a combination of \"r\", \"w\" and \"m\", got \"%s\"", a);
    }
    return 0;
}

static int parse_device_rules(yajl_val v, const struct cfg_path *p, struct oj_resources *r,
                              struct oj_err *err)
{
    yajl_val arr;
    int rc = cfg_get_array(v, "devices", p, sizeof(struct oj_device_cgroup), &r->devices,
                           &r->n_devices, &arr, err);
    if (rc <= 0)
        return rc;
    const struct cfg_path *ap = CFG_KEY(p, "devices");
    for (size_t i = 0; i < r->n_devices; i++) {
        yajl_val e;
        if (cfg_element_object(arr, i, CFG_IDX(ap, i), &e, err) < 0 ||
            parse_device_rule(e, CFG_IDX(ap, i), &r->devices[i], err) < 0)
            return -1;
    }
    return 0;
}

/* --- memory, cpu, pids ------------------------------------------------------------------------ */

static int parse_memory(yajl_val v, const struct cfg_path *p, struct oj_memory *m,
                        struct oj_err *err)
{
    /* swappiness: 0..100 (memory.swappiness; runc refuses other values). */
    if (cfg_get_opt_i64(v, "limit", p, -1, INT64_MAX, &m->limit, err) < 0 ||
        cfg_get_opt_i64(v, "reservation", p, -1, INT64_MAX, &m->reservation, err) < 0 ||
        cfg_get_opt_i64(v, "swap", p, -1, INT64_MAX, &m->swap, err) < 0 ||
        cfg_get_opt_i64(v, "kernel", p, -1, INT64_MAX, &m->kernel, err) < 0 ||
        cfg_get_opt_i64(v, "kernelTCP", p, -1, INT64_MAX, &m->kernel_tcp, err) < 0 ||
        cfg_get_opt_u64(v, "swappiness", p, 100, &m->swappiness, err) < 0 ||
        cfg_get_opt_bool(v, "disableOOMKiller", p, &m->disable_oom_killer, err) < 0 ||
        cfg_get_opt_bool(v, "useHierarchy", p, &m->use_hierarchy, err) < 0 ||
        cfg_get_opt_bool(v, "checkBeforeUpdate", p, &m->check_before_update, err) < 0)
        return -1;
    return 0;
}

static int parse_cpu(yajl_val v, const struct cfg_path *p, struct oj_cpu *c, struct oj_err *err)
{
    /* quota and realtimeRuntime take -1 for "unlimited" (cpu.cfs_quota_us,
     * cpu.rt_runtime_us).  idle is an int64 in the spec (1.1) whose only
     * meaningful values are 0 and 1 (cpu.idle), kept as a boolean. */
    oj_opt_i64 idle = {0};
    if (cfg_get_opt_u64(v, "shares", p, UINT64_MAX, &c->shares, err) < 0 ||
        cfg_get_opt_i64(v, "quota", p, -1, INT64_MAX, &c->quota, err) < 0 ||
        cfg_get_opt_u64(v, "burst", p, UINT64_MAX, &c->burst, err) < 0 ||
        cfg_get_opt_u64(v, "period", p, UINT64_MAX, &c->period, err) < 0 ||
        cfg_get_opt_i64(v, "realtimeRuntime", p, -1, INT64_MAX, &c->realtime_runtime, err) < 0 ||
        cfg_get_opt_u64(v, "realtimePeriod", p, UINT64_MAX, &c->realtime_period, err) < 0 ||
        cfg_get_string(v, "cpus", p, &c->cpus, err) < 0 ||
        cfg_get_string(v, "mems", p, &c->mems, err) < 0 ||
        cfg_get_opt_i64(v, "idle", p, 0, 1, &idle, err) < 0)
        return -1;
    c->idle.set = idle.set;
    c->idle.v = idle.v == 1;
    return 0;
}

/* --- blockIO (config-linux.md "Block IO") ----------------------------------------------------- */

static int parse_blkio_devices(yajl_val v, const char *key, const struct cfg_path *p, bool throttle,
                               struct oj_blkio_device **out, size_t *n, struct oj_err *err)
{
    /* major, minor REQUIRED; weight devices take weight/leafWeight (uint16),
     * throttle devices a REQUIRED rate (uint64). */
    yajl_val arr;
    int r = cfg_get_array(v, key, p, sizeof(struct oj_blkio_device), out, n, &arr, err);
    if (r <= 0)
        return r;
    const struct cfg_path *ap = CFG_KEY(p, key);
    for (size_t i = 0; i < *n; i++) {
        const struct cfg_path *ep = CFG_IDX(ap, i);
        struct oj_blkio_device *d = &(*out)[i];
        yajl_val e;
        if (cfg_element_object(arr, i, ep, &e, err) < 0 || cfg_require(e, "major", ep, err) < 0 ||
            cfg_get_i64(e, "major", ep, 0, UINT32_MAX, &d->major, err) < 0 ||
            cfg_require(e, "minor", ep, err) < 0 ||
            cfg_get_i64(e, "minor", ep, 0, UINT32_MAX, &d->minor, err) < 0)
            return -1;
        if (throttle) {
            if (cfg_require(e, "rate", ep, err) < 0 ||
                cfg_get_u64(e, "rate", ep, UINT64_MAX, &d->rate, err) < 0)
                return -1;
        } else if (cfg_get_opt_u64(e, "weight", ep, CFG_U16_MAX, &d->weight, err) < 0 ||
                   cfg_get_opt_u64(e, "leafWeight", ep, CFG_U16_MAX, &d->leaf_weight, err) < 0) {
            return -1;
        }
    }
    return 0;
}

static int parse_block_io(yajl_val v, const struct cfg_path *p, struct oj_blkio *b,
                          struct oj_err *err)
{
    if (cfg_get_opt_u64(v, "weight", p, CFG_U16_MAX, &b->weight, err) < 0 ||
        cfg_get_opt_u64(v, "leafWeight", p, CFG_U16_MAX, &b->leaf_weight, err) < 0 ||
        parse_blkio_devices(v, "weightDevice", p, false, &b->weight_device, &b->n_weight_device,
                            err) < 0 ||
        parse_blkio_devices(v, "throttleReadBpsDevice", p, true, &b->throttle_read_bps,
                            &b->n_throttle_read_bps, err) < 0 ||
        parse_blkio_devices(v, "throttleWriteBpsDevice", p, true, &b->throttle_write_bps,
                            &b->n_throttle_write_bps, err) < 0 ||
        parse_blkio_devices(v, "throttleReadIOPSDevice", p, true, &b->throttle_read_iops,
                            &b->n_throttle_read_iops, err) < 0 ||
        parse_blkio_devices(v, "throttleWriteIOPSDevice", p, true, &b->throttle_write_iops,
                            &b->n_throttle_write_iops, err) < 0)
        return -1;
    return 0;
}

/* --- hugetlb, network, rdma ------------------------------------------------------------------- */

/* A hugetlb page size as it appears in the cgroup file names
 * (hugetlb.2MB.limit_in_bytes): digits and KB, MB, GB, TB or PB. */
static bool is_page_size(const char *s)
{
    size_t d = strspn(s, "0123456789");
    if (d == 0 || strlen(s + d) != 2 || s[d + 1] != 'B')
        return false;
    return strchr("KMGTP", s[d]) != NULL;
}

static int parse_hugepages(yajl_val v, const struct cfg_path *p, struct oj_resources *r,
                           struct oj_err *err)
{
    yajl_val arr;
    int rc = cfg_get_array(v, "hugepageLimits", p, sizeof(struct oj_hugepage_limit),
                           &r->hugepage_limits, &r->n_hugepage_limits, &arr, err);
    if (rc <= 0)
        return rc;
    const struct cfg_path *ap = CFG_KEY(p, "hugepageLimits");
    for (size_t i = 0; i < r->n_hugepage_limits; i++) {
        const struct cfg_path *ep = CFG_IDX(ap, i);
        struct oj_hugepage_limit *h = &r->hugepage_limits[i];
        yajl_val e;
        if (cfg_element_object(arr, i, ep, &e, err) < 0 ||
            cfg_require(e, "pageSize", ep, err) < 0 ||
            cfg_get_string(e, "pageSize", ep, &h->page_size, err) < 0 ||
            cfg_require(e, "limit", ep, err) < 0 ||
            cfg_get_u64(e, "limit", ep, UINT64_MAX, &h->limit, err) < 0)
            return -1;
        if (!is_page_size(h->page_size))
            return cfg_fail(err, CFG_KEY(ep, "pageSize"),
                            "expected a page size like \"2MB\", got \"%s\"", h->page_size);
    }
    return 0;
}

static int parse_network(yajl_val v, const struct cfg_path *p, struct oj_resources *r,
                         struct oj_err *err)
{
    /* classID uint32 (net_cls.classid); priorities[] {name, priority} REQUIRED. */
    if (cfg_get_opt_u64(v, "classID", p, CFG_U32_MAX, &r->net_class_id, err) < 0)
        return -1;
    yajl_val arr;
    int rc = cfg_get_array(v, "priorities", p, sizeof(struct oj_net_priority), &r->net_priorities,
                           &r->n_net_priorities, &arr, err);
    if (rc <= 0)
        return rc;
    const struct cfg_path *ap = CFG_KEY(p, "priorities");
    for (size_t i = 0; i < r->n_net_priorities; i++) {
        const struct cfg_path *ep = CFG_IDX(ap, i);
        struct oj_net_priority *np = &r->net_priorities[i];
        yajl_val e;
        if (cfg_element_object(arr, i, ep, &e, err) < 0 || cfg_require(e, "name", ep, err) < 0 ||
            cfg_get_string(e, "name", ep, &np->name, err) < 0 ||
            cfg_require(e, "priority", ep, err) < 0 ||
            cfg_get_u32(e, "priority", ep, &np->priority, err) < 0)
            return -1;
    }
    return 0;
}

static int parse_rdma(yajl_val v, const struct cfg_path *p, struct oj_resources *r,
                      struct oj_err *err)
{
    /* An object keyed by device name, each {hcaHandles, hcaObjects} uint32. */
    yajl_val obj;
    int rc = cfg_get_object(v, "rdma", p, &obj, err);
    if (rc <= 0)
        return rc;
    const struct cfg_path *op = CFG_KEY(p, "rdma");
    size_t len = obj->u.object.len;
    if (len == 0)
        return 0;
    r->rdma = calloc(len, sizeof(*r->rdma));
    if (!r->rdma)
        return oj_fail(err, ENOMEM, "config.json: allocate rdma");
    for (size_t i = 0; i < len; i++) {
        const char *dev = obj->u.object.keys[i];
        const struct cfg_path *dp = CFG_KEY(op, dev);
        bool seen = false; /* a repeated device is read once, with its last value */
        for (size_t j = 0; j < r->n_rdma; j++)
            seen = seen || strcmp(r->rdma[j].device, dev) == 0;
        yajl_val e = cfg_member(obj, dev);
        if (seen || !e)
            continue;
        struct oj_rdma_limit *l = &r->rdma[r->n_rdma];
        l->device = strdup(dev);
        if (!l->device)
            return oj_fail(err, ENOMEM, "config.json: copy an rdma device name");
        r->n_rdma++;
        if (cfg_expect_object(e, dp, err) < 0 ||
            cfg_get_opt_u64(e, "hcaHandles", dp, CFG_U32_MAX, &l->hca_handles, err) < 0 ||
            cfg_get_opt_u64(e, "hcaObjects", dp, CFG_U32_MAX, &l->hca_objects, err) < 0)
            return -1;
    }
    return 0;
}

/* --- the whole section ------------------------------------------------------------------------ */

int cfg_parse_resources(yajl_val v, const struct cfg_path *p, struct oj_resources *r,
                        struct oj_err *err)
{
    yajl_val o;
    int rc;

    if (parse_device_rules(v, p, r, err) < 0)
        return -1;

    rc = cfg_get_object(v, "memory", p, &o, err);
    if (rc < 0)
        return -1;
    r->has_memory = rc > 0;
    if (rc > 0 && parse_memory(o, CFG_KEY(p, "memory"), &r->memory, err) < 0)
        return -1;

    rc = cfg_get_object(v, "cpu", p, &o, err);
    if (rc < 0)
        return -1;
    r->has_cpu = rc > 0;
    if (rc > 0 && parse_cpu(o, CFG_KEY(p, "cpu"), &r->cpu, err) < 0)
        return -1;

    /* pids.limit: REQUIRED in 1.0-1.2 and OPTIONAL since; without it there
     * is nothing to apply, so has_pids stays false.  <= 0 means unlimited. */
    rc = cfg_get_object(v, "pids", p, &o, err);
    if (rc < 0)
        return -1;
    if (rc > 0) {
        rc = cfg_get_i64(o, "limit", CFG_KEY(p, "pids"), INT64_MIN, INT64_MAX, &r->pids_limit, err);
        if (rc < 0)
            return -1;
        r->has_pids = rc > 0;
    }

    rc = cfg_get_object(v, "blockIO", p, &o, err);
    if (rc < 0)
        return -1;
    r->has_block_io = rc > 0;
    if (rc > 0 && parse_block_io(o, CFG_KEY(p, "blockIO"), &r->block_io, err) < 0)
        return -1;

    if (parse_hugepages(v, p, r, err) < 0)
        return -1;

    rc = cfg_get_object(v, "network", p, &o, err);
    if (rc < 0)
        return -1;
    r->has_network = rc > 0;
    if (rc > 0 && parse_network(o, CFG_KEY(p, "network"), r, err) < 0)
        return -1;

    if (parse_rdma(v, p, r, err) < 0 ||
        cfg_get_kv(v, "unified", p, &r->unified, &r->n_unified, err) < 0)
        return -1;
    return 0;
}

void cfg_free_resources(struct oj_resources *r)
{
    for (size_t i = 0; i < r->n_devices; i++)
        free(r->devices[i].access);
    free(r->devices);
    free(r->cpu.cpus);
    free(r->cpu.mems);
    free(r->block_io.weight_device);
    free(r->block_io.throttle_read_bps);
    free(r->block_io.throttle_write_bps);
    free(r->block_io.throttle_read_iops);
    free(r->block_io.throttle_write_iops);
    for (size_t i = 0; i < r->n_hugepage_limits; i++)
        free(r->hugepage_limits[i].page_size);
    free(r->hugepage_limits);
    for (size_t i = 0; i < r->n_net_priorities; i++)
        free(r->net_priorities[i].name);
    free(r->net_priorities);
    for (size_t i = 0; i < r->n_rdma; i++)
        free(r->rdma[i].device);
    free(r->rdma);
    for (size_t i = 0; i < r->n_unified; i++) {
        free(r->unified[i].key);
        free(r->unified[i].value);
    }
    free(r->unified);
}
