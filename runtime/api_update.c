/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Resources of a live container (libojrun.h, ojrun_resources and
 * ojrun_container_update()): runc's `update`, which `ojrun update` and
 * podman's `update --resources=FILE` use.
 *
 * A LinuxResources object (config-linux.md, "linux.resources") parsed by
 * the config parser (oj_resources_parse), with single fields set from text
 * as `ojrun update`'s flags give them.  Only fields that are given are
 * written; the rest of the cgroup keeps its values.
 *
 * Device rules are not updated: rewriting the v1 allow list of a running
 * container goes through "deny all" and would fail the container's open()
 * calls in between (runc's update ignores them as well).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_internal.h"
#include "cgroup.h"
#include "cleanup.h"
#include "config.h"
#include "lifecycle.h"
#include "log.h"
#include "state.h"
#include "units.h"
#include "util.h"

struct ojrun_resources {
    struct oj_resources *r;
};

enum {
    F_MEMORY,
    F_MEMORY_SWAP,
    F_MEMORY_RESERVATION,
    F_CPU_QUOTA,
    F_CPU_PERIOD,
    F_CPU_SHARE,
    F_CPU_RT_PERIOD,
    F_CPU_RT_RUNTIME,
    F_CPUSET_CPUS,
    F_CPUSET_MEMS,
    F_BLKIO_WEIGHT,
    F_PIDS_LIMIT,
};

static const char *const field_names[] = {
    [F_MEMORY] = "memory",
    [F_MEMORY_SWAP] = "memory-swap",
    [F_MEMORY_RESERVATION] = "memory-reservation",
    [F_CPU_QUOTA] = "cpu-quota",
    [F_CPU_PERIOD] = "cpu-period",
    [F_CPU_SHARE] = "cpu-share",
    [F_CPU_RT_PERIOD] = "cpu-rt-period",
    [F_CPU_RT_RUNTIME] = "cpu-rt-runtime",
    [F_CPUSET_CPUS] = "cpuset-cpus",
    [F_CPUSET_MEMS] = "cpuset-mems",
    [F_BLKIO_WEIGHT] = "blkio-weight",
    [F_PIDS_LIMIT] = "pids-limit",
};

/* One numeric flag: a decimal integer within [min, max]. */
static int flag_int(const char *name, const char *s, int64_t min, int64_t max, int64_t *out,
                    struct oj_err *err)
{
    int64_t v;
    if (oj_parse_i64(s, &v) < 0 || v < min || v > max) {
        oj_fail(err, 0, "%s \"%s\": expected an integer in %" PRId64 "..%" PRId64, name, s, min,
                max);
        err->code = EINVAL;
        return -1;
    }
    *out = v;
    return 0;
}

/* Set one field of `r` from its command-line text. */
static int apply_field(int opt, const char *name, const char *val, struct oj_resources *r,
                       struct oj_err *err)
{
    int64_t v = 0;
    struct oj_memory *m = &r->memory;
    struct oj_cpu *c = &r->cpu;
    switch (opt) {
    case F_MEMORY:
    case F_MEMORY_SWAP:
    case F_MEMORY_RESERVATION:
        if (oj_parse_bytes(name, val, &v, err) < 0)
            return -1;
        oj_opt_i64 *f = opt == F_MEMORY        ? &m->limit
                        : opt == F_MEMORY_SWAP ? &m->swap
                                               : &m->reservation;
        *f = (oj_opt_i64){true, v};
        r->has_memory = true;
        return 0;
    case F_CPU_QUOTA:
    case F_CPU_RT_RUNTIME:
        if (flag_int(name, val, -1, INT64_MAX, &v, err) < 0)
            return -1;
        *(opt == F_CPU_QUOTA ? &c->quota : &c->realtime_runtime) = (oj_opt_i64){true, v};
        r->has_cpu = true;
        return 0;
    case F_CPU_PERIOD:
    case F_CPU_SHARE:
    case F_CPU_RT_PERIOD:
        if (flag_int(name, val, 0, INT64_MAX, &v, err) < 0)
            return -1;
        *(opt == F_CPU_PERIOD  ? &c->period
          : opt == F_CPU_SHARE ? &c->shares
                               : &c->realtime_period) = (oj_opt_u64){true, (uint64_t)v};
        r->has_cpu = true;
        return 0;
    case F_CPUSET_CPUS:
    case F_CPUSET_MEMS: {
        char *copy = strdup(val);
        if (!copy)
            return oj_fail(err, ENOMEM, "%s", name);
        char **dst = opt == F_CPUSET_CPUS ? &c->cpus : &c->mems;
        free(*dst);
        *dst = copy;
        r->has_cpu = true;
        return 0;
    }
    case F_BLKIO_WEIGHT:
        /* blkio.weight / io.weight accept 10..1000 (cgroup-v1/blkio-controller.rst) */
        if (flag_int(name, val, 10, 1000, &v, err) < 0)
            return -1;
        r->block_io.weight = (oj_opt_u64){true, (uint64_t)v};
        r->has_block_io = true;
        return 0;
    case F_PIDS_LIMIT:
        if (flag_int(name, val, INT64_MIN, INT64_MAX, &v, err) < 0)
            return -1;
        r->pids_limit = v;
        r->has_pids = true;
        return 0;
    }
    return oj_fail(err, EINVAL, "update: unknown resource %d", opt);
}

static int update(const char *root, const char *id, struct oj_resources *r, struct oj_err *err)
{
    _cleanup_state_ struct oj_state *st = NULL;
    _cleanup_close_ int lock = oj_state_load_locked(root, id, &st, err);
    if (lock < 0)
        return -1;
    enum oj_status s = oj_state_status(st);
    if (s == OJ_STATUS_STOPPED || s == OJ_STATUS_CREATING)
        return oj_fail(err, 0, "cannot update container \"%s\": it is %s", id, oj_status_name(s));
    if (r->n_devices > 0) {
        oj_warn("update %s: devices: not updated (the device rules of a live container are "
                "fixed at create)",
                id);
        for (size_t i = 0; i < r->n_devices; i++)
            free(r->devices[i].access);
        free(r->devices);
        r->devices = NULL;
        r->n_devices = 0;
    }
    struct oj_cgroup *cg = NULL;
    if (oj_state_cgroup(st, &cg, err) < 0)
        return -1;
    int rc = oj_cgroup_update(cg, r, err);
    oj_cgroup_free(cg);
    return rc;
}

static ojrun_resources *wrap(struct oj_resources *r, struct oj_err *e)
{
    ojrun_resources *out = calloc(1, sizeof(*out));
    if (!out) {
        oj_resources_free(r);
        oj_fail(e, ENOMEM, "update");
        return NULL;
    }
    out->r = r;
    return out;
}

OJRUN_API ojrun_resources *ojrun_resources_new(ojrun_error *err)
{
    struct oj_err e = {0};
    struct oj_resources *r = calloc(1, sizeof(*r));
    ojrun_resources *out = r ? wrap(r, &e) : NULL;
    if (!r)
        oj_fail(&e, ENOMEM, "update");
    if (!out)
        oj_api_error_from(err, &e);
    return out;
}

OJRUN_API ojrun_resources *ojrun_resources_from_json(const char *json, size_t len, ojrun_error *err)
{
    struct oj_err e = {0};
    struct oj_resources *r = oj_resources_parse(json, len, &e);
    ojrun_resources *out = r ? wrap(r, &e) : NULL;
    if (!out)
        oj_api_error_from(err, &e);
    return out;
}

OJRUN_API int ojrun_resources_set(ojrun_resources *res, const char *field, const char *value,
                                  ojrun_error *err)
{
    struct oj_err e = {0};
    for (size_t i = 0; i < sizeof(field_names) / sizeof(*field_names); i++) {
        if (strcmp(field, field_names[i]) != 0)
            continue;
        char name[32];
        snprintf(name, sizeof(name), "--%s", field);
        if (apply_field((int)i, name, value, res->r, &e) < 0) {
            oj_api_error_from(err, &e);
            return -1;
        }
        return 0;
    }
    oj_fail(&e, EINVAL, "update: unknown resource \"%s\"", field);
    oj_api_error_from(err, &e);
    return -1;
}

OJRUN_API void ojrun_resources_free(ojrun_resources *res)
{
    if (!res)
        return;
    oj_resources_free(res->r);
    free(res);
}

OJRUN_API int ojrun_container_update(ojrun_context *ctx, const char *id, ojrun_resources *res,
                                     ojrun_error *err)
{
    struct oj_err e = {0};
    if (update(ctx->root, id, res->r, &e) < 0) {
        oj_api_error_from(err, &e);
        return -1;
    }
    return 0;
}
