/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.resources on cgroup v2 (Documentation/admin-guide/cgroup-v2.rst), and
 * v2 statistics.
 *
 * The OCI fields follow v1's files, so several need converting; we convert
 * the way runc and crun do so that a config means the same with every
 * runtime:
 *   cpu.shares [2, 262144]  -> cpu.weight [1, 10000]: 1 + (shares - 2) * 9999 / 262142
 *   cpu quota/period        -> cpu.max "<quota|max> <period>"
 *   memory.swap (mem+swap)  -> memory.swap.max = swap - limit
 *   blkio weight [10, 1000] -> io.bfq.weight as is, or io.weight 1 + (w - 10) * 9999 / 990
 *   throttle devices        -> io.max "<maj>:<min> rbps=N" ...
 *   devices                 -> a BPF_CGROUP_DEVICE program (cgroup_devices_bpf.c)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_internal.h"
#include "cleanup.h"
#include "log.h"
#include "util.h"

uint64_t oj_cg_shares_to_weight(uint64_t shares)
{
    if (shares == 0)
        return 0;
    if (shares < 2)
        shares = 2;
    if (shares > 262144)
        shares = 262144;
    return 1 + ((shares - 2) * 9999) / 262142;
}

uint64_t oj_cg_blkio_to_io_weight(uint64_t weight)
{
    if (weight == 0)
        return 0;
    if (weight < 10)
        weight = 10;
    if (weight > 1000)
        weight = 1000;
    return 1 + (weight - 10) * 9999 / 990;
}

static int v2_cpuset(struct oj_cgroup *cg, const char *dir, const struct oj_cpu *c,
                     struct oj_err *err)
{
    if (c->cpus && oj_cg_write(cg, dir, "cpuset.cpus", err, "%s", c->cpus) < 0)
        return -1;
    if (c->mems && oj_cg_write(cg, dir, "cpuset.mems", err, "%s", c->mems) < 0)
        return -1;
    return 0;
}

static int v2_cpu(struct oj_cgroup *cg, const char *dir, const struct oj_cpu *c, bool update,
                  struct oj_err *err)
{
    if (c->realtime_runtime.set || c->realtime_period.set)
        return oj_fail(err, EOPNOTSUPP,
                       "linux.resources.cpu.realtimeRuntime/realtimePeriod: not supported with "
                       "cgroup v2 (no realtime group scheduling interface)");
    if (c->shares.set && c->shares.v != 0 &&
        oj_cg_write(cg, dir, "cpu.weight", err, "%" PRIu64, oj_cg_shares_to_weight(c->shares.v)) <
            0)
        return -1;

    /* cpu.max holds quota and period together.  Quota 0 is "not set" for OCI
     * tools; negative is unlimited ("max"). */
    bool quota = c->quota.set && c->quota.v != 0;
    bool period = c->period.set && c->period.v != 0;
    if (quota || period) {
        char q[32] = "max";
        uint64_t p = 100000; /* the kernel's default period */
        if (update && (!quota || !period)) {
            /* keep the half that is not being changed */
            _cleanup_free_ char *cur = NULL;
            char cq[32];
            unsigned long long cp;
            if (oj_cg_read(dir, "cpu.max", &cur, err) < 0)
                return -1;
            if (sscanf(cur, "%31s %llu", cq, &cp) == 2) {
                snprintf(q, sizeof(q), "%s", cq);
                p = cp;
            }
        }
        if (quota) {
            if (c->quota.v < 0)
                snprintf(q, sizeof(q), "max");
            else
                snprintf(q, sizeof(q), "%" PRId64, c->quota.v);
        }
        if (period)
            p = c->period.v;
        if (oj_cg_write(cg, dir, "cpu.max", err, "%s %" PRIu64, q, p) < 0)
            return -1;
    }
    if (c->burst.set && oj_cg_write(cg, dir, "cpu.max.burst", err, "%" PRIu64, c->burst.v) < 0)
        return -1;
    if (c->idle.set && oj_cg_write(cg, dir, "cpu.idle", err, "%d", c->idle.v ? 1 : 0) < 0)
        return -1;
    return 0;
}

static void fmt_bytes(char *buf, size_t size, int64_t v)
{
    if (v < 0)
        snprintf(buf, size, "max");
    else
        snprintf(buf, size, "%" PRId64, v);
}

static int v2_memory(struct oj_cgroup *cg, const char *dir, const struct oj_memory *m, bool update,
                     struct oj_err *err)
{
    if (m->limit.set && m->limit.v < -1)
        return oj_fail(err, EINVAL, "linux.resources.memory.limit %" PRId64 ": must be -1 or >= 0",
                       m->limit.v);
    if (m->kernel.set)
        oj_warn("linux.resources.memory.kernel ignored: not supported with cgroup v2");
    if (m->kernel_tcp.set)
        oj_warn("linux.resources.memory.kernelTCP ignored: not supported with cgroup v2");
    if (m->swappiness.set)
        oj_warn("linux.resources.memory.swappiness ignored: not supported with cgroup v2");
    if (m->disable_oom_killer.set && m->disable_oom_killer.v)
        oj_warn("linux.resources.memory.disableOOMKiller ignored: not supported with cgroup v2");
    if (m->use_hierarchy.set && !m->use_hierarchy.v)
        oj_warn("linux.resources.memory.useHierarchy false ignored: cgroup v2 is always "
                "hierarchical");

    /* memory.swap is memory+swap (v1 memsw); memory.swap.max is swap alone. */
    bool swap_set = false;
    int64_t swap = 0;
    if (m->swap.set) {
        swap_set = true;
        if (m->swap.v == -1) {
            swap = -1;
        } else if (m->swap.v < -1) {
            return oj_fail(err, EINVAL,
                           "linux.resources.memory.swap %" PRId64 ": must be -1 or >= 0",
                           m->swap.v);
        } else if (!m->limit.set || m->limit.v < 0) {
            return oj_fail(err, EINVAL,
                           "linux.resources.memory.swap %" PRId64
                           " needs a memory.limit (it limits memory+swap)",
                           m->swap.v);
        } else if (m->swap.v < m->limit.v) {
            return oj_fail(err, EINVAL,
                           "linux.resources.memory.swap %" PRId64
                           " must be -1 or >= memory.limit %" PRId64 " (it limits memory+swap)",
                           m->swap.v, m->limit.v);
        } else {
            swap = m->swap.v - m->limit.v;
        }
    } else if (m->limit.set && m->limit.v == -1) {
        /* "limit -1" alone: unlimited memory, swap included (as on v1) */
        swap_set = true;
        swap = -1;
    }

    if (update && m->check_before_update.set && m->check_before_update.v && m->limit.set &&
        m->limit.v >= 0) {
        uint64_t usage;
        if (oj_cg_read_u64(dir, "memory.current", &usage, err) < 0)
            return -1;
        if ((uint64_t)m->limit.v < usage)
            return oj_fail(err, EBUSY,
                           "linux.resources.memory.limit %" PRId64
                           " is below the current usage %" PRIu64 " (checkBeforeUpdate)",
                           m->limit.v, usage);
    }

    char v[32];
    if (swap_set) {
        fmt_bytes(v, sizeof(v), swap);
        if (!oj_cg_exists(dir, "memory.swap.max")) {
            if (swap != -1)
                oj_warn("linux.resources.memory.swap ignored: no memory.swap.max in %s (swap "
                        "accounting disabled)",
                        dir);
        } else if (oj_cg_write(cg, dir, "memory.swap.max", err, "%s", v) < 0) {
            return -1;
        }
    }
    if (m->limit.set) {
        fmt_bytes(v, sizeof(v), m->limit.v);
        if (oj_cg_write(cg, dir, "memory.max", err, "%s", v) < 0)
            return -1;
    }
    if (m->reservation.set) {
        fmt_bytes(v, sizeof(v), m->reservation.v);
        if (oj_cg_write(cg, dir, "memory.low", err, "%s", v) < 0)
            return -1;
    }
    return 0;
}

static int v2_io_max(struct oj_cgroup *cg, const char *dir, const char *key,
                     const struct oj_blkio_device *d, size_t n, struct oj_err *err)
{
    for (size_t i = 0; i < n; i++) {
        char rate[32];
        /* v1 "0" removes the limit; in io.max that is "max" */
        if (d[i].rate == 0)
            snprintf(rate, sizeof(rate), "max");
        else
            snprintf(rate, sizeof(rate), "%" PRIu64, d[i].rate);
        if (oj_cg_write(cg, dir, "io.max", err, "%" PRId64 ":%" PRId64 " %s=%s", d[i].major,
                        d[i].minor, key, rate) < 0)
            return -1;
    }
    return 0;
}

static int v2_io(struct oj_cgroup *cg, const char *dir, const struct oj_blkio *b,
                 struct oj_err *err)
{
    /* BFQ's weight file takes blkio's range unchanged; io.weight (the
     * iocost controller) has its own range. */
    bool bfq = oj_cg_exists(dir, "io.bfq.weight");
    const char *wfile = bfq ? "io.bfq.weight" : "io.weight";
    if (b->weight.set && b->weight.v != 0 &&
        oj_cg_write(cg, dir, wfile, err, "%" PRIu64,
                    bfq ? b->weight.v : oj_cg_blkio_to_io_weight(b->weight.v)) < 0)
        return -1;
    if (b->leaf_weight.set)
        oj_warn("linux.resources.blockIO.leafWeight ignored: not supported with cgroup v2");
    for (size_t i = 0; i < b->n_weight_device; i++) {
        const struct oj_blkio_device *d = &b->weight_device[i];
        if (d->leaf_weight.set)
            oj_warn("linux.resources.blockIO.weightDevice[%zu].leafWeight ignored: not "
                    "supported with cgroup v2",
                    i);
        if (!d->weight.set)
            continue;
        if (oj_cg_write(cg, dir, wfile, err, "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
                        bfq ? d->weight.v : oj_cg_blkio_to_io_weight(d->weight.v)) < 0)
            return -1;
    }
    if (v2_io_max(cg, dir, "rbps", b->throttle_read_bps, b->n_throttle_read_bps, err) < 0 ||
        v2_io_max(cg, dir, "wbps", b->throttle_write_bps, b->n_throttle_write_bps, err) < 0 ||
        v2_io_max(cg, dir, "riops", b->throttle_read_iops, b->n_throttle_read_iops, err) < 0 ||
        v2_io_max(cg, dir, "wiops", b->throttle_write_iops, b->n_throttle_write_iops, err) < 0)
        return -1;
    return 0;
}

static int v2_hugetlb(struct oj_cgroup *cg, const char *dir, const struct oj_resources *r,
                      struct oj_err *err)
{
    for (size_t i = 0; i < r->n_hugepage_limits; i++) {
        const struct oj_hugepage_limit *h = &r->hugepage_limits[i];
        char file[64];
        if (oj_cg_check_page_size(h->page_size, err) < 0)
            return -1;
        snprintf(file, sizeof(file), "hugetlb.%s.max", h->page_size);
        if (oj_cg_write(cg, dir, file, err, "%" PRIu64, h->limit) < 0)
            return -1;
    }
    return 0;
}

static int v2_devices(const char *dir, const struct oj_resources *r, struct oj_err *err)
{
    struct oj_device_cgroup *rules;
    size_t n;
    if (oj_cg_device_rules(r, &rules, &n, err) < 0)
        return -1;
    int rc = oj_cg_bpf_devices_apply(dir, rules, n, err);
    oj_cg_device_rules_free(rules, n);
    return rc;
}

int oj_cg_v2_apply(struct oj_cgroup *cg, enum oj_cg_ctrl c, const char *dir,
                   const struct oj_resources *r, bool update, struct oj_err *err)
{
    switch (c) {
    case OJ_CG_CPUSET:
        return v2_cpuset(cg, dir, &r->cpu, err);
    case OJ_CG_CPU:
        return v2_cpu(cg, dir, &r->cpu, update, err);
    case OJ_CG_MEMORY:
        return v2_memory(cg, dir, &r->memory, update, err);
    case OJ_CG_PIDS:
        if (r->pids_limit <= 0)
            return oj_cg_write(cg, dir, "pids.max", err, "max");
        return oj_cg_write(cg, dir, "pids.max", err, "%" PRId64, r->pids_limit);
    case OJ_CG_BLKIO:
        return v2_io(cg, dir, &r->block_io, err);
    case OJ_CG_HUGETLB:
        return v2_hugetlb(cg, dir, r, err);
    case OJ_CG_RDMA:
        return oj_cg_rdma(cg, dir, r, err);
    case OJ_CG_DEVICES:
        return v2_devices(dir, r, err);
    case OJ_CG_NET_CLS:
    case OJ_CG_NET_PRIO:
    case OJ_CG_CTRL_COUNT:
        break;
    }
    return oj_fail(err, EOPNOTSUPP, "cgroup v2: no interface for controller %d", (int)c);
}

int oj_cg_check_unified_key(const char *key, struct oj_err *err)
{
    if (!key || !*key || key[0] == '.' || strchr(key, '/') || strpbrk(key, " \t\n"))
        return oj_fail(err, EINVAL, "linux.resources.unified: \"%.64s\" is not a cgroup file name",
                       key ? key : "");
    /* Membership is ojrun's business (enter, clone3), not the config's. */
    if (strcmp(key, "cgroup.procs") == 0 || strcmp(key, "cgroup.threads") == 0 ||
        strcmp(key, "cgroup.subtree_control") == 0)
        return oj_fail(err, EINVAL, "linux.resources.unified: %s may not be set", key);
    return 0;
}

int oj_cg_v2_unified(struct oj_cgroup *cg, const char *dir, const struct oj_resources *r,
                     struct oj_err *err)
{
    for (size_t i = 0; i < r->n_unified; i++) {
        const struct oj_kv *kv = &r->unified[i];
        if (oj_cg_check_unified_key(kv->key, err) < 0)
            return -1;
        if (!oj_cg_exists(dir, kv->key)) {
            /* on a hybrid host most controllers are v1: say so */
            if (cg->layout == OJ_CGROUP_HYBRID)
                return oj_fail(err, ENOENT,
                               "linux.resources.unified.%s: no such file in %s (this host is "
                               "hybrid: only its cgroup v2 controllers can be set here)",
                               kv->key, dir);
            return oj_fail(err, ENOENT,
                           "linux.resources.unified.%s: no such file in %s (controller not "
                           "enabled or not in this kernel)",
                           kv->key, dir);
        }
        if (oj_cg_write(cg, dir, kv->key, err, "%s", kv->value ? kv->value : "") < 0)
            return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------------- */
/* statistics                                                              */

int oj_cg_v2_stats_cpu(const char *dir, struct oj_cgroup_stats *st, struct oj_err *err)
{
    _cleanup_free_ char *stat = NULL;
    if (oj_cg_read(dir, "cpu.stat", &stat, err) < 0)
        return -1;
    uint64_t v;
    /* cpu.stat is in microseconds; usage/user/system exist even without the
     * cpu controller enabled (cgroup-v2.rst "CPU Interface Files") */
    if (oj_cg_kv(stat, "usage_usec", &v) == 0)
        st->cpu.total = v * 1000;
    if (oj_cg_kv(stat, "user_usec", &v) == 0)
        st->cpu.user = v * 1000;
    if (oj_cg_kv(stat, "system_usec", &v) == 0)
        st->cpu.kernel = v * 1000;
    oj_cg_kv(stat, "nr_periods", &st->cpu.periods);
    oj_cg_kv(stat, "nr_throttled", &st->cpu.throttled_periods);
    if (oj_cg_kv(stat, "throttled_usec", &v) == 0)
        st->cpu.throttled_time = v * 1000;
    st->has_cpu = true;
    return 0;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a == OJ_CGROUP_UNLIMITED || b == OJ_CGROUP_UNLIMITED || a + b < a ? OJ_CGROUP_UNLIMITED
                                                                             : a + b;
}

int oj_cg_v2_stats_memory(const char *dir, struct oj_cgroup_stats *st, struct oj_err *err)
{
    if (oj_cg_read_u64(dir, "memory.current", &st->memory.usage, err) < 0 ||
        oj_cg_read_u64(dir, "memory.max", &st->memory.limit, err) < 0)
        return -1;
    /* memory.peak: 5.19+; older kernels have no high-water mark */
    if (!oj_cg_exists(dir, "memory.peak"))
        st->memory.max_usage = st->memory.usage;
    else if (oj_cg_read_u64(dir, "memory.peak", &st->memory.max_usage, err) < 0)
        return -1;
    _cleanup_free_ char *events = NULL, *stat = NULL, *swev = NULL;
    if (oj_cg_read(dir, "memory.events", &events, err) < 0)
        return -1;
    /* "max": times the limit was hit, v1's failcnt */
    oj_cg_kv(events, "max", &st->memory.failcnt);
    oj_cg_kv(events, "oom_kill", &st->memory.oom_kill);
    if (oj_cg_exists(dir, "memory.swap.current")) {
        uint64_t cur, max, peak = 0;
        if (oj_cg_read_u64(dir, "memory.swap.current", &cur, err) < 0 ||
            oj_cg_read_u64(dir, "memory.swap.max", &max, err) < 0)
            return -1;
        if (oj_cg_exists(dir, "memory.swap.peak") &&
            oj_cg_read_u64(dir, "memory.swap.peak", &peak, err) < 0)
            return -1;
        /* reported as memory+swap like v1's memsw (runc does the same);
         * the peak is an upper bound: the two peaks need not coincide */
        st->memory.swap_usage = sat_add(st->memory.usage, cur);
        st->memory.swap_limit = sat_add(st->memory.limit, max);
        st->memory.swap_max_usage = sat_add(st->memory.max_usage, peak);
        if (oj_cg_read(dir, "memory.swap.events", &swev, NULL) == 0)
            oj_cg_kv(swev, "max", &st->memory.swap_failcnt);
        st->memory.has_swap = true;
    }
    if (oj_cg_read(dir, "memory.stat", &stat, err) < 0 ||
        oj_cg_kv_all(stat, &st->memory.stat, &st->memory.n_stat, err) < 0)
        return -1;
    st->has_memory = true;
    return 0;
}

int oj_cg_v2_stats_pids(const char *dir, struct oj_cgroup_stats *st, struct oj_err *err)
{
    if (oj_cg_read_u64(dir, "pids.current", &st->pids.current, err) < 0 ||
        oj_cg_read_u64(dir, "pids.max", &st->pids.limit, err) < 0)
        return -1;
    st->has_pids = true;
    return 0;
}

int oj_cg_v2_stats_blkio(const char *dir, struct oj_cgroup_stats *st, struct oj_err *err)
{
    _cleanup_free_ char *text = NULL;
    st->has_blkio = true;
    if (!oj_cg_exists(dir, "io.stat"))
        return 0;
    if (oj_cg_read(dir, "io.stat", &text, err) < 0)
        return -1;
    /* "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=5 dios=6" */
    static const struct {
        const char *key, *op;
    } map[] = {{"rbytes", "Read"}, {"wbytes", "Write"}, {"dbytes", "Discard"}};
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        unsigned long long major, minor;
        int off = 0;
        if (sscanf(line, "%llu:%llu%n", &major, &minor, &off) != 2)
            continue;
        char *save2 = NULL;
        for (char *t = strtok_r(line + off, " ", &save2); t; t = strtok_r(NULL, " ", &save2)) {
            char *eq = strchr(t, '=');
            uint64_t v;
            if (!eq || oj_parse_u64(eq + 1, &v) < 0)
                continue;
            *eq = '\0';
            for (size_t i = 0; i < OJ_ARRAY_SIZE(map); i++)
                if (strcmp(t, map[i].key) == 0 &&
                    oj_cg_add_blkio(st, major, minor, map[i].op, v, err) < 0)
                    return -1;
        }
    }
    return 0;
}
