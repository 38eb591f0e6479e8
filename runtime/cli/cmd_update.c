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
 * Device rules are not updated (api_update.c says why).  The parsing and
 * the cgroup writes are ojrun_resources_*() and ojrun_container_update().
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "config.h"
#include "log.h"
#include "strbuf.h"
#include "util.h"

static void resources_freep(ojrun_resources **r)
{
    ojrun_resources_free(*r);
}

/* The text of --resources FILE (or standard input for "-"). */
static int read_resources(const char *path, ojrun_resources **out, ojrun_error *aerr)
{
    struct oj_err e = {0}, *err = &e;
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
                oj_fail(err, errno, "--resources -: read standard input");
                goto fail;
            }
            if (sb.len + (size_t)r > OJ_CONFIG_MAX_BYTES) {
                sb_free(&sb);
                oj_fail(err, EFBIG, "--resources -: larger than %u bytes", OJ_CONFIG_MAX_BYTES);
                goto fail;
            }
            sb_append(&sb, buf, (size_t)r);
        }
        if (sb.oom) {
            sb_free(&sb);
            oj_fail(err, ENOMEM, "--resources -");
            goto fail;
        }
        len = sb.len;
        data = sb.s;
    } else if (oj_read_file(path, OJ_CONFIG_MAX_BYTES, &data, &len, err) < 0) {
        oj_wrap(err, "--resources");
        goto fail;
    }
    *out = ojrun_resources_from_json(data ? data : "", len, aerr);
    return *out ? 0 : -1;
fail:
    aerr->code = e.code;
    snprintf(aerr->message, sizeof(aerr->message), "%s", e.msg);
    return -1;
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

int cmd_update(const struct oj_globals *g, int argc, char **argv)
{
    /* Two passes: --resources first (the flags override it, wherever they
     * stand on the command line), then the flags. */
    const char *resources = NULL;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":r:h", opts, NULL)) != -1) {
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

    ojrun_error err;
    __attribute__((cleanup(resources_freep))) ojrun_resources *r = NULL;
    if (resources ? read_resources(resources, &r, &err) < 0 : !(r = ojrun_resources_new(&err)))
        goto fail;
    optind = 0;
    int idx = 0;
    while ((c = getopt_long(argc, argv, ":r:h", opts, &idx)) != -1) {
        if (c == 'r' || c == OPT_RESOURCES || c == 'h' || c == '?' || c == ':')
            continue;
        if (ojrun_resources_set(r, opts[idx].name, optarg, &err) < 0)
            goto fail;
    }
    if (ojrun_container_update(g->api, id, r, &err) < 0)
        goto fail;
    return 0;
fail:
    oj_error("update %s: %s", id, err.message);
    return 1;
}
