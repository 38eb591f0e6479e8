/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A judge task's limits.  Where OCI has a field it is used as is
 * (linux.resources.memory.limit, linux.resources.pids.limit,
 * process.rlimits); what OCI lacks comes from annotations (config.md
 * "Annotations": keys in a reverse-domain namespace the runtime owns):
 *
 *   org.ojrun.limit.cpu-ms        CPU time of the whole task, enforced to the
 *                                 millisecond by the supervisor; RLIMIT_CPU
 *                                 is a whole-second backstop
 *   org.ojrun.limit.wall-ms       wall time from the exec, by the supervisor
 *   org.ojrun.limit.output-bytes  RLIMIT_FSIZE: a write past it raises SIGXFSZ
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/un.h>

#include "supervise.h"
#include "util.h"

static int parse_positive(const char *key, const char *val, uint64_t max, oj_opt_u64 *out,
                          struct oj_err *err)
{
    uint64_t v;
    if (oj_parse_u64(val, &v) < 0) {
        /* all digits but no value: it overflowed 64 bits */
        if (*val && strspn(val, "0123456789") == strlen(val))
            return oj_fail(err, 0, "annotations[\"%s\"]: \"%s\" is out of range (1..%" PRIu64 ")",
                           key, val, max);
        return oj_fail(err, 0, "annotations[\"%s\"]: \"%s\" is not a positive integer", key, val);
    }
    if (v == 0)
        return oj_fail(err, 0, "annotations[\"%s\"]: must be at least 1, got \"%s\"", key, val);
    if (v > max)
        return oj_fail(err, 0, "annotations[\"%s\"]: \"%s\" is out of range (1..%" PRIu64 ")", key,
                       val, max);
    *out = (oj_opt_u64){true, v};
    return 0;
}

int oj_limits_from_config(const struct oj_config *cfg, struct oj_limits *l, struct oj_err *err)
{
    memset(l, 0, sizeof(*l));
    for (size_t i = 0; i < cfg->n_annotations; i++) {
        const char *k = cfg->annotations[i].key, *v = cfg->annotations[i].value;
        if (strncmp(k, OJ_ANN_LIMIT_PREFIX, strlen(OJ_ANN_LIMIT_PREFIX)) != 0)
            continue;
        int r;
        if (strcmp(k, OJ_ANN_CPU_MS) == 0)
            r = parse_positive(k, v, OJ_LIMIT_MS_MAX, &l->cpu_ms, err);
        else if (strcmp(k, OJ_ANN_WALL_MS) == 0)
            r = parse_positive(k, v, OJ_LIMIT_MS_MAX, &l->wall_ms, err);
        else if (strcmp(k, OJ_ANN_OUTPUT_BYTES) == 0)
            r = parse_positive(k, v, INT64_MAX, &l->output_bytes,
                               err); /* rlim_t, signed in glibc's view */
        else
            /* a typo ("cpu_ms") must not silently run a task without its limit */
            r = oj_fail(err, 0,
                        "annotations[\"%s\"]: unknown ojrun limit (known: cpu-ms, "
                        "wall-ms, output-bytes)",
                        k);
        if (r < 0)
            return -1;
    }
    const struct oj_resources *res = &cfg->linux_.resources;
    if (cfg->has_linux && cfg->linux_.has_resources && res->has_memory && res->memory.limit.set &&
        res->memory.limit.v >= 0)
        l->memory_bytes = (oj_opt_u64){true, (uint64_t)res->memory.limit.v};
    return 0;
}

static rlim_t getrlimit_hard(int resource)
{
    struct rlimit rl;
    if (getrlimit(resource, &rl) < 0)
        return RLIM_INFINITY;
    return rl.rlim_max;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* Lower (or add) the rlimit `resource` to soft/hard. */
static int merge_rlimit(struct oj_process *p, int resource, uint64_t soft, uint64_t hard,
                        oj_hard_limit_fn cur_hard, struct oj_err *err)
{
    for (size_t i = 0; i < p->n_rlimits; i++) {
        struct oj_rlimit *r = &p->rlimits[i];
        if (r->resource != resource)
            continue;
        r->hard = min_u64(r->hard, hard);
        r->soft = min_u64(min_u64(r->soft, soft), r->hard);
        return 0;
    }
    struct oj_rlimit *n = realloc(p->rlimits, (p->n_rlimits + 1) * sizeof(*n));
    if (!n)
        return oj_fail(err, ENOMEM, "process.rlimits");
    p->rlimits = n;
    hard = min_u64(hard, cur_hard(resource));
    n[p->n_rlimits++] =
        (struct oj_rlimit){.resource = resource, .hard = hard, .soft = min_u64(soft, hard)};
    return 0;
}

int oj_limits_apply_rlimits(struct oj_process *p, const struct oj_limits *l,
                            oj_hard_limit_fn cur_hard, struct oj_err *err)
{
    if (!p)
        return 0;
    if (!cur_hard)
        cur_hard = getrlimit_hard;
    if (l->output_bytes.set &&
        merge_rlimit(p, RLIMIT_FSIZE, l->output_bytes.v, l->output_bytes.v, cur_hard, err) < 0)
        return oj_wrap(err, "%s", OJ_ANN_OUTPUT_BYTES);
    if (l->cpu_ms.set) {
        /* The supervisor kills at cpu-ms (all processes together); this only
         * catches one process running on if the supervisor could not,
         * e.g. a plain `create` without --shim. */
        uint64_t soft = (l->cpu_ms.v + 999) / 1000 + 1;
        if (merge_rlimit(p, RLIMIT_CPU, soft, soft + 1, cur_hard, err) < 0)
            return oj_wrap(err, "%s", OJ_ANN_CPU_MS);
    }
    return 0;
}

int oj_result_socket_from_config(const struct oj_config *cfg, const char **out, struct oj_err *err)
{
    *out = oj_config_annotation(cfg, OJ_ANN_RESULT_SOCKET);
    if (!*out)
        return 0;
    struct sockaddr_un sa;
    if ((*out)[0] != '/')
        return oj_fail(err, 0, "annotations[\"%s\"]: \"%s\" is not an absolute path",
                       OJ_ANN_RESULT_SOCKET, *out);
    if (strlen(*out) >= sizeof(sa.sun_path))
        return oj_fail(err, ENAMETOOLONG, "annotations[\"%s\"]: longer than %zu bytes",
                       OJ_ANN_RESULT_SOCKET, sizeof(sa.sun_path) - 1);
    return 0;
}
