/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ojrun update [--resources FILE|-] [resource flags] ID: change the cgroup
 * limits of a live container (runc's `update`; podman calls
 * `update --resources=FILE`).
 *
 * FILE (or standard input for "-") holds a LinuxResources object, the
 * "linux.resources" of config-linux.md; the flags set single fields and
 * override the file's values.  (runc reads the flags only when there is
 * no file.)  Only fields that are given are written; the rest of the
 * cgroup keeps its values.
 *
 * Device rules are not updated: rewriting the v1 allow list of a running
 * container goes through "deny all" and would fail the container's open()
 * calls in between (runc's update ignores them as well).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "cleanup.h"
#include "cli.h"
#include "config.h"
#include "lifecycle.h"
#include "log.h"
#include "state.h"
#include "units.h"
#include "util.h"

static void resources_freep(struct oj_resources **r)
{
    oj_resources_free(*r);
}

static int read_resources(const char *path, struct oj_resources **out, struct oj_err *err)
{
    _cleanup_free_ char *data = NULL;
    size_t len = 0;
    if (strcmp(path, "-") == 0) {
        struct strbuf sb = {0};
        char buf[65536];
        ssize_t r;
        while ((r = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
            if (r < 0) {
                if (errno == EINTR)
                    continue;
                sb_free(&sb);
                return oj_fail(err, errno, "--resources -: read standard input");
            }
            if (sb.len + (size_t)r > OJ_CONFIG_MAX_BYTES) {
                sb_free(&sb);
                return oj_fail(err, EFBIG, "--resources -: larger than %u bytes",
                               OJ_CONFIG_MAX_BYTES);
            }
            sb_append(&sb, buf, (size_t)r);
        }
        if (sb.oom) {
            sb_free(&sb);
            return oj_fail(err, ENOMEM, "--resources -");
        }
        len = sb.len;
        data = sb.s;
    } else if (oj_read_file(path, OJ_CONFIG_MAX_BYTES, &data, &len, err) < 0) {
        return oj_wrap(err, "--resources");
    }
    *out = oj_resources_parse(data ? data : "", len, err);
    return *out ? 0 : -1;
}

enum {
    OPT_RESOURCES = 256,
    OPT_MEMORY,
    OPT_MEMORY_SWAP,
    OPT_MEMORY_RESERVATION,
    OPT_CPU_QUOTA,
    OPT_CPU_PERIOD,
    OPT_CPU_SHARE,
    OPT_CPU_RT_PERIOD,
    OPT_CPU_RT_RUNTIME,
    OPT_CPUSET_CPUS,
    OPT_CPUSET_MEMS,
    OPT_BLKIO_WEIGHT,
    OPT_PIDS_LIMIT,
};

static const struct option opts[] = {
    {"resources", required_argument, NULL, OPT_RESOURCES},
    {"memory", required_argument, NULL, OPT_MEMORY},
    {"memory-swap", required_argument, NULL, OPT_MEMORY_SWAP},
    {"memory-reservation", required_argument, NULL, OPT_MEMORY_RESERVATION},
    {"cpu-quota", required_argument, NULL, OPT_CPU_QUOTA},
    {"cpu-period", required_argument, NULL, OPT_CPU_PERIOD},
    {"cpu-share", required_argument, NULL, OPT_CPU_SHARE},
    {"cpu-rt-period", required_argument, NULL, OPT_CPU_RT_PERIOD},
    {"cpu-rt-runtime", required_argument, NULL, OPT_CPU_RT_RUNTIME},
    {"cpuset-cpus", required_argument, NULL, OPT_CPUSET_CPUS},
    {"cpuset-mems", required_argument, NULL, OPT_CPUSET_MEMS},
    {"blkio-weight", required_argument, NULL, OPT_BLKIO_WEIGHT},
    {"pids-limit", required_argument, NULL, OPT_PIDS_LIMIT},
    {"help", no_argument, NULL, 'h'},
    {0},
};

static void usage(void)
{
    printf("Usage: ojrun update [options] CONTAINER_ID\n\n"
           "  -r, --resources FILE        a LinuxResources JSON object (\"-\": standard input)\n"
           "  --memory SIZE               memory limit (1024, 64m, 1.5g; -1: unlimited)\n"
           "  --memory-swap SIZE          memory+swap limit (-1: unlimited)\n"
           "  --memory-reservation SIZE   memory soft limit\n"
           "  --cpu-quota N               CFS quota in microseconds per period (-1: none)\n"
           "  --cpu-period N              CFS period in microseconds\n"
           "  --cpu-share N               CPU shares (relative weight)\n"
           "  --cpu-rt-period N           realtime period in microseconds\n"
           "  --cpu-rt-runtime N          realtime runtime in microseconds\n"
           "  --cpuset-cpus LIST          CPUs allowed (0-3,5)\n"
           "  --cpuset-mems LIST          memory nodes allowed\n"
           "  --blkio-weight N            block I/O weight (10..1000)\n"
           "  --pids-limit N              maximum number of tasks (<= 0: unlimited)\n"
           "Flags override the values of --resources.\n");
}

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

/* Apply one flag to `r`. */
static int apply_flag(int opt, const char *name, const char *val, struct oj_resources *r,
                      struct oj_err *err)
{
    int64_t v = 0;
    struct oj_memory *m = &r->memory;
    struct oj_cpu *c = &r->cpu;
    switch (opt) {
    case OPT_MEMORY:
    case OPT_MEMORY_SWAP:
    case OPT_MEMORY_RESERVATION:
        if (oj_parse_bytes(name, val, &v, err) < 0)
            return -1;
        oj_opt_i64 *f = opt == OPT_MEMORY        ? &m->limit
                        : opt == OPT_MEMORY_SWAP ? &m->swap
                                                 : &m->reservation;
        *f = (oj_opt_i64){true, v};
        r->has_memory = true;
        return 0;
    case OPT_CPU_QUOTA:
    case OPT_CPU_RT_RUNTIME:
        if (flag_int(name, val, -1, INT64_MAX, &v, err) < 0)
            return -1;
        *(opt == OPT_CPU_QUOTA ? &c->quota : &c->realtime_runtime) = (oj_opt_i64){true, v};
        r->has_cpu = true;
        return 0;
    case OPT_CPU_PERIOD:
    case OPT_CPU_SHARE:
    case OPT_CPU_RT_PERIOD:
        if (flag_int(name, val, 0, INT64_MAX, &v, err) < 0)
            return -1;
        *(opt == OPT_CPU_PERIOD  ? &c->period
          : opt == OPT_CPU_SHARE ? &c->shares
                                 : &c->realtime_period) = (oj_opt_u64){true, (uint64_t)v};
        r->has_cpu = true;
        return 0;
    case OPT_CPUSET_CPUS:
    case OPT_CPUSET_MEMS: {
        char *copy = strdup(val);
        if (!copy)
            return oj_fail(err, ENOMEM, "%s", name);
        char **dst = opt == OPT_CPUSET_CPUS ? &c->cpus : &c->mems;
        free(*dst);
        *dst = copy;
        r->has_cpu = true;
        return 0;
    }
    case OPT_BLKIO_WEIGHT:
        /* blkio.weight / io.weight accept 10..1000 (cgroup-v1/blkio-controller.rst) */
        if (flag_int(name, val, 10, 1000, &v, err) < 0)
            return -1;
        r->block_io.weight = (oj_opt_u64){true, (uint64_t)v};
        r->has_block_io = true;
        return 0;
    case OPT_PIDS_LIMIT:
        if (flag_int(name, val, INT64_MIN, INT64_MAX, &v, err) < 0)
            return -1;
        r->pids_limit = v;
        r->has_pids = true;
        return 0;
    }
    return oj_fail(err, EINVAL, "update: unknown flag %d", opt);
}

static int update(const struct oj_globals *g, const char *id, struct oj_resources *r,
                  struct oj_err *err)
{
    _cleanup_state_ struct oj_state *st = NULL;
    _cleanup_close_ int lock = oj_state_load_locked(g->ctx.root, id, &st, err);
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

int cmd_update(const struct oj_globals *g, int argc, char **argv)
{
    /* Two passes: --resources first (the flags override it, wherever they
     * stand on the command line), then the flags. */
    const char *resources = NULL;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+:r:h", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
        case OPT_RESOURCES:
            resources = optarg;
            break;
        case 'h':
            usage();
            return 0;
        case '?':
            return oj_usage_error("update", "unknown option '%s'", argv[optind - 1]);
        case ':':
            return oj_usage_error("update", "option '%s' needs a value", argv[optind - 1]);
        default:
            break;
        }
    }
    if (optind != argc - 1)
        return oj_usage_error("update",
                              optind >= argc ? "missing container id" : "too many arguments");
    const char *id = argv[optind];

    struct oj_err err = {0};
    __attribute__((cleanup(resources_freep))) struct oj_resources *r = NULL;
    if (resources) {
        if (read_resources(resources, &r, &err) < 0)
            goto fail;
    } else if (!(r = calloc(1, sizeof(*r)))) {
        oj_fail(&err, ENOMEM, "update");
        goto fail;
    }
    optind = 0;
    int idx = 0;
    while ((c = getopt_long(argc, argv, "+:r:h", opts, &idx)) != -1) {
        if (c == 'r' || c == OPT_RESOURCES || c == 'h' || c == '?' || c == ':')
            continue;
        char name[32];
        snprintf(name, sizeof(name), "--%s", opts[idx].name);
        if (apply_flag(c, name, optarg, r, &err) < 0) {
            oj_error("update %s: %s", id, err.msg);
            return 1;
        }
    }
    if (update(g, id, r, &err) < 0)
        goto fail;
    return 0;
fail:
    oj_error("update %s: %s", id, err.msg);
    return 1;
}
