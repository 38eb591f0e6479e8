/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.resources on cgroup v1 hierarchies, and v1 statistics.
 *
 * Each controller has its own files (Documentation/admin-guide/cgroup-v1/):
 * memory.limit_in_bytes, cpu.cfs_quota_us, blkio.throttle.read_bps_device ...
 * The OCI fields were modelled on them, so most values are written as they
 * are; what needs care is ordering (memory vs memory+swap, CFS period vs
 * quota), where the kernel checks a new value against the current ones.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup_internal.h"
#include "cleanup.h"
#include "log.h"
#include "util.h"

/* ---------------------------------------------------------------------- */
/* cpuset, cpu                                                             */

static int v1_cpuset(struct oj_cgroup *cg, const char *dir, const struct oj_cpu *c,
                     struct oj_err *err)
{
    if (c->cpus && oj_cg_write(cg, dir, "cpuset.cpus", err, "%s", c->cpus) < 0)
        return -1;
    if (c->mems && oj_cg_write(cg, dir, "cpuset.mems", err, "%s", c->mems) < 0)
        return -1;
    return 0;
}

static int v1_cpu(struct oj_cgroup *cg, const char *dir, const struct oj_cpu *c, struct oj_err *err)
{
    if (c->shares.set && c->shares.v != 0 &&
        oj_cg_write(cg, dir, "cpu.shares", err, "%" PRIu64, c->shares.v) < 0)
        return -1;

    /* quota 0 is "not set" for OCI tools (runc, crun); negative is unlimited */
    bool quota = c->quota.set && c->quota.v != 0;
    int64_t q = c->quota.v < 0 ? -1 : c->quota.v;
    if (c->period.set && c->period.v != 0) {
        /* The kernel checks quota/period against the parent on every write,
         * so one order can fail where the other works: period first (the
         * usual case), and on EINVAL quota first. */
        struct oj_err e1;
        if (oj_cg_write(cg, dir, "cpu.cfs_period_us", &e1, "%" PRIu64, c->period.v) < 0) {
            if (!quota || e1.code != EINVAL) {
                *err = e1;
                return -1;
            }
            if (oj_cg_write(cg, dir, "cpu.cfs_quota_us", err, "%" PRId64, q) < 0 ||
                oj_cg_write(cg, dir, "cpu.cfs_period_us", err, "%" PRIu64, c->period.v) < 0)
                return -1;
            quota = false;
        }
    }
    if (quota && oj_cg_write(cg, dir, "cpu.cfs_quota_us", err, "%" PRId64, q) < 0)
        return -1;
    /* burst must not exceed quota: after it */
    if (c->burst.set && oj_cg_write(cg, dir, "cpu.cfs_burst_us", err, "%" PRIu64, c->burst.v) < 0)
        return -1;
    /* realtime: period first, as the runtime is checked against it */
    if (c->realtime_period.set &&
        oj_cg_write(cg, dir, "cpu.rt_period_us", err, "%" PRIu64, c->realtime_period.v) < 0)
        return -1;
    if (c->realtime_runtime.set &&
        oj_cg_write(cg, dir, "cpu.rt_runtime_us", err, "%" PRId64, c->realtime_runtime.v) < 0)
        return -1;
    if (c->idle.set && oj_cg_write(cg, dir, "cpu.idle", err, "%d", c->idle.v ? 1 : 0) < 0)
        return -1;
    return 0;
}

/* ---------------------------------------------------------------------- */
/* memory                                                                  */

static int check_bytes(const char *field, const oj_opt_i64 *v, struct oj_err *err)
{
    if (v->set && v->v < -1)
        return oj_fail(err, EINVAL, "linux.resources.memory.%s %" PRId64 ": must be -1 or >= 0",
                       field, v->v);
    return 0;
}

static int v1_memory(struct oj_cgroup *cg, const char *dir, const struct oj_memory *m, bool update,
                     struct oj_err *err)
{
    if (check_bytes("limit", &m->limit, err) < 0 || check_bytes("swap", &m->swap, err) < 0 ||
        check_bytes("reservation", &m->reservation, err) < 0 ||
        check_bytes("kernelTCP", &m->kernel_tcp, err) < 0)
        return -1;
    if (m->swappiness.set && m->swappiness.v > 100)
        return oj_fail(err, EINVAL, "linux.resources.memory.swappiness %" PRIu64 ": must be 0..100",
                       m->swappiness.v);
    if (m->kernel.set)
        oj_warn("linux.resources.memory.kernel is deprecated and ignored (the kernel no longer "
                "supports a separate kernel memory limit)");

    oj_opt_i64 limit = m->limit, swap = m->swap;
    bool memsw = oj_cg_exists(dir, "memory.memsw.limit_in_bytes");
    /* "limit -1" alone means unlimited memory, swap included (runc). */
    if (limit.set && limit.v == -1 && !swap.set && memsw)
        swap = (oj_opt_i64){true, -1};
    if (swap.set && !memsw) {
        if (swap.v != -1)
            oj_warn("linux.resources.memory.swap ignored: swap accounting is disabled (no "
                    "memory.memsw.limit_in_bytes in %s)",
                    dir);
        swap.set = false;
    }
    /* memory.swap is memory+swap (memsw): it cannot be below the limit */
    if (limit.set && swap.set && swap.v != -1 && (limit.v == -1 || swap.v < limit.v))
        return oj_fail(err, EINVAL,
                       "linux.resources.memory.swap %" PRId64
                       " must be -1 or >= memory.limit %" PRId64 " (it limits memory+swap)",
                       swap.v, limit.v);

    if (update && m->check_before_update.set && m->check_before_update.v && limit.set &&
        limit.v != -1) {
        uint64_t usage;
        if (oj_cg_read_u64(dir, "memory.usage_in_bytes", &usage, err) < 0)
            return -1;
        if ((uint64_t)limit.v < usage)
            return oj_fail(err, EBUSY,
                           "linux.resources.memory.limit %" PRId64
                           " is below the current usage %" PRIu64 " (checkBeforeUpdate)",
                           limit.v, usage);
    }

    /* The kernel keeps limit <= memsw at every step.  Going to (L, S): if
     * L fits under the current memsw, set the limit first, otherwise memsw
     * first (then S >= L > current memsw >= current limit fits). */
    bool memsw_first = false;
    if (limit.set && swap.set) {
        uint64_t cur = OJ_CGROUP_UNLIMITED;
        if (oj_cg_read_u64(dir, "memory.memsw.limit_in_bytes", &cur, NULL) < 0)
            cur = OJ_CGROUP_UNLIMITED;
        uint64_t l = limit.v == -1 ? OJ_CGROUP_UNLIMITED : (uint64_t)limit.v;
        memsw_first = l > cur;
    }
    if (memsw_first &&
        oj_cg_write(cg, dir, "memory.memsw.limit_in_bytes", err, "%" PRId64, swap.v) < 0)
        return -1;
    if (limit.set && oj_cg_write(cg, dir, "memory.limit_in_bytes", err, "%" PRId64, limit.v) < 0)
        return -1;
    if (swap.set && !memsw_first &&
        oj_cg_write(cg, dir, "memory.memsw.limit_in_bytes", err, "%" PRId64, swap.v) < 0)
        return -1;

    if (m->reservation.set &&
        oj_cg_write(cg, dir, "memory.soft_limit_in_bytes", err, "%" PRId64, m->reservation.v) < 0)
        return -1;
    if (m->kernel_tcp.set && oj_cg_write(cg, dir, "memory.kmem.tcp.limit_in_bytes", err, "%" PRId64,
                                         m->kernel_tcp.v) < 0)
        return -1;
    if (m->swappiness.set &&
        oj_cg_write(cg, dir, "memory.swappiness", err, "%" PRIu64, m->swappiness.v) < 0)
        return -1;
    /* memory.oom_control: 1 disables the OOM killer (tasks then wait for
     * memory instead of being killed) */
    if (m->disable_oom_killer.set &&
        oj_cg_write(cg, dir, "memory.oom_control", err, "%d", m->disable_oom_killer.v ? 1 : 0) < 0)
        return -1;
    if (m->use_hierarchy.set &&
        oj_cg_write(cg, dir, "memory.use_hierarchy", err, "%d", m->use_hierarchy.v ? 1 : 0) < 0)
        return -1;
    return 0;
}

/* ---------------------------------------------------------------------- */
/* blkio                                                                   */

/* The proportional-weight files depend on the I/O scheduler: CFQ (gone
 * since 5.0) had blkio.weight, BFQ has blkio.bfq.weight. */
static const char *first_existing(const char *dir, const char *a, const char *b)
{
    if (oj_cg_exists(dir, a))
        return a;
    if (oj_cg_exists(dir, b))
        return b;
    return NULL;
}

static int write_devices(struct oj_cgroup *cg, const char *dir, const char *file,
                         const struct oj_blkio_device *d, size_t n, struct oj_err *err)
{
    for (size_t i = 0; i < n; i++)
        if (oj_cg_write(cg, dir, file, err, "%" PRId64 ":%" PRId64 " %" PRIu64, d[i].major,
                        d[i].minor, d[i].rate) < 0)
            return -1;
    return 0;
}

static int v1_blkio(struct oj_cgroup *cg, const char *dir, const struct oj_blkio *b,
                    struct oj_err *err)
{
    const char *wfile = first_existing(dir, "blkio.weight", "blkio.bfq.weight");
    const char *wdfile = first_existing(dir, "blkio.weight_device", "blkio.bfq.weight_device");
    if (b->weight.set) {
        if (!wfile)
            return oj_fail(err, ENOENT,
                           "linux.resources.blockIO.weight: no blkio.weight or blkio.bfq.weight "
                           "in %s (no proportional-weight I/O scheduler)",
                           dir);
        if (oj_cg_write(cg, dir, wfile, err, "%" PRIu64, b->weight.v) < 0)
            return -1;
    }
    bool leaf = oj_cg_exists(dir, "blkio.leaf_weight");
    if (b->leaf_weight.set) {
        if (!leaf)
            oj_warn("linux.resources.blockIO.leafWeight ignored: no blkio.leaf_weight in %s "
                    "(only the CFQ scheduler had it)",
                    dir);
        else if (oj_cg_write(cg, dir, "blkio.leaf_weight", err, "%" PRIu64, b->leaf_weight.v) < 0)
            return -1;
    }
    for (size_t i = 0; i < b->n_weight_device; i++) {
        const struct oj_blkio_device *d = &b->weight_device[i];
        if (d->weight.set) {
            if (!wdfile)
                return oj_fail(err, ENOENT,
                               "linux.resources.blockIO.weightDevice: no blkio.weight_device or "
                               "blkio.bfq.weight_device in %s",
                               dir);
            if (oj_cg_write(cg, dir, wdfile, err, "%" PRId64 ":%" PRId64 " %" PRIu64, d->major,
                            d->minor, d->weight.v) < 0)
                return -1;
        }
        if (d->leaf_weight.set) {
            if (!leaf)
                oj_warn("linux.resources.blockIO.weightDevice[%zu].leafWeight ignored: no "
                        "blkio.leaf_weight_device in %s",
                        i, dir);
            else if (oj_cg_write(cg, dir, "blkio.leaf_weight_device", err,
                                 "%" PRId64 ":%" PRId64 " %" PRIu64, d->major, d->minor,
                                 d->leaf_weight.v) < 0)
                return -1;
        }
    }
    if (write_devices(cg, dir, "blkio.throttle.read_bps_device", b->throttle_read_bps,
                      b->n_throttle_read_bps, err) < 0 ||
        write_devices(cg, dir, "blkio.throttle.write_bps_device", b->throttle_write_bps,
                      b->n_throttle_write_bps, err) < 0 ||
        write_devices(cg, dir, "blkio.throttle.read_iops_device", b->throttle_read_iops,
                      b->n_throttle_read_iops, err) < 0 ||
        write_devices(cg, dir, "blkio.throttle.write_iops_device", b->throttle_write_iops,
                      b->n_throttle_write_iops, err) < 0)
        return -1;
    return 0;
}

/* ---------------------------------------------------------------------- */
/* hugetlb, network, rdma, devices                                         */

/* "2MB", "1GB", "64KB": the size part of the kernel's hugetlb.<size>.* file
 * names.  Checked so that it cannot smuggle a path. */
int oj_cg_check_page_size(const char *size, struct oj_err *err)
{
    size_t digits = strspn(size, "0123456789");
    if (digits == 0 || digits > 10 ||
        (strcmp(size + digits, "KB") != 0 && strcmp(size + digits, "MB") != 0 &&
         strcmp(size + digits, "GB") != 0))
        return oj_fail(err, EINVAL,
                       "linux.resources.hugepageLimits: page size \"%.32s\" is not like "
                       "\"2MB\" or \"1GB\"",
                       size);
    return 0;
}

static int v1_hugetlb(struct oj_cgroup *cg, const char *dir, const struct oj_resources *r,
                      struct oj_err *err)
{
    for (size_t i = 0; i < r->n_hugepage_limits; i++) {
        const struct oj_hugepage_limit *h = &r->hugepage_limits[i];
        char file[64];
        if (oj_cg_check_page_size(h->page_size, err) < 0)
            return -1;
        snprintf(file, sizeof(file), "hugetlb.%s.limit_in_bytes", h->page_size);
        if (oj_cg_write(cg, dir, file, err, "%" PRIu64, h->limit) < 0)
            return -1;
    }
    return 0;
}

static int v1_net_prio(struct oj_cgroup *cg, const char *dir, const struct oj_resources *r,
                       struct oj_err *err)
{
    for (size_t i = 0; i < r->n_net_priorities; i++) {
        const struct oj_net_priority *p = &r->net_priorities[i];
        if (!p->name || !*p->name || strpbrk(p->name, " \t\n/"))
            return oj_fail(err, EINVAL,
                           "linux.resources.network.priorities[%zu]: bad interface name", i);
        if (oj_cg_write(cg, dir, "net_prio.ifpriomap", err, "%s %" PRIu32, p->name, p->priority) <
            0)
            return -1;
    }
    return 0;
}

/* rdma.max takes the same "<device> hca_handle=N hca_object=N" line in v1
 * and v2; fields left out keep their value. */
int oj_cg_rdma(struct oj_cgroup *cg, const char *dir, const struct oj_resources *r,
               struct oj_err *err)
{
    for (size_t i = 0; i < r->n_rdma; i++) {
        const struct oj_rdma_limit *l = &r->rdma[i];
        if (!l->device || !*l->device || strpbrk(l->device, " \t\n="))
            return oj_fail(err, EINVAL, "linux.resources.rdma: bad device name");
        if (!l->hca_handles.set && !l->hca_objects.set)
            continue;
        char handles[40] = "", objects[40] = "";
        if (l->hca_handles.set)
            snprintf(handles, sizeof(handles), " hca_handle=%" PRIu64, l->hca_handles.v);
        if (l->hca_objects.set)
            snprintf(objects, sizeof(objects), " hca_object=%" PRIu64, l->hca_objects.v);
        if (oj_cg_write(cg, dir, "rdma.max", err, "%s%s%s", l->device, handles, objects) < 0)
            return -1;
    }
    return 0;
}

/* devices.allow / devices.deny (cgroup-v1/devices.rst): "deny a" empties
 * the allow list and makes the default deny, then each rule in order. */
static int v1_devices(struct oj_cgroup *cg, const char *dir, const struct oj_resources *r,
                      struct oj_err *err)
{
    struct oj_device_cgroup *rules;
    size_t n;
    if (oj_cg_device_rules(r, &rules, &n, err) < 0)
        return -1;
    int rc = oj_cg_write(cg, dir, "devices.deny", err, "a");
    for (size_t i = 0; i < n && rc == 0; i++) {
        char text[64];
        oj_cg_device_rule_text(&rules[i], text, sizeof(text));
        rc = oj_cg_write(cg, dir, rules[i].allow ? "devices.allow" : "devices.deny", err, "%s",
                         text);
    }
    oj_cg_device_rules_free(rules, n);
    return rc;
}

int oj_cg_v1_apply(struct oj_cgroup *cg, enum oj_cg_ctrl c, const char *dir,
                   const struct oj_resources *r, bool update, struct oj_err *err)
{
    switch (c) {
    case OJ_CG_CPUSET:
        return v1_cpuset(cg, dir, &r->cpu, err);
    case OJ_CG_CPU:
        return v1_cpu(cg, dir, &r->cpu, err);
    case OJ_CG_MEMORY:
        return v1_memory(cg, dir, &r->memory, update, err);
    case OJ_CG_PIDS:
        if (r->pids_limit <= 0)
            return oj_cg_write(cg, dir, "pids.max", err, "max");
        return oj_cg_write(cg, dir, "pids.max", err, "%" PRId64, r->pids_limit);
    case OJ_CG_BLKIO:
        return v1_blkio(cg, dir, &r->block_io, err);
    case OJ_CG_HUGETLB:
        return v1_hugetlb(cg, dir, r, err);
    case OJ_CG_NET_CLS:
        return oj_cg_write(cg, dir, "net_cls.classid", err, "%" PRIu64, r->net_class_id.v);
    case OJ_CG_NET_PRIO:
        return v1_net_prio(cg, dir, r, err);
    case OJ_CG_RDMA:
        return oj_cg_rdma(cg, dir, r, err);
    case OJ_CG_DEVICES:
        return v1_devices(cg, dir, r, err);
    case OJ_CG_CTRL_COUNT:
        break;
    }
    return oj_fail(err, EINVAL, "cgroup v1: unknown controller %d", (int)c);
}

/* ---------------------------------------------------------------------- */
/* statistics                                                              */

static int read_optional(const char *dir, const char *file, char **out, struct oj_err *err)
{
    *out = NULL;
    if (!oj_cg_exists(dir, file))
        return 0;
    return oj_cg_read(dir, file, out, err);
}

int oj_cg_v1_stats_cpu(const char *cpuacct_dir, const char *cpu_dir, struct oj_cgroup_stats *st,
                       struct oj_err *err)
{
    if (cpuacct_dir) {
        /* cpuacct.usage: exact nanoseconds of CPU time */
        if (oj_cg_read_u64(cpuacct_dir, "cpuacct.usage", &st->cpu.total, err) < 0)
            return -1;
        _cleanup_free_ char *percpu = NULL, *stat = NULL;
        if (read_optional(cpuacct_dir, "cpuacct.usage_percpu", &percpu, err) < 0)
            return -1;
        for (char *p = percpu, *end; p && *p; p = end) {
            uint64_t v = strtoull(p, &end, 10);
            if (end == p)
                break;
            uint64_t *np = realloc(st->cpu.percpu, (st->cpu.n_percpu + 1) * sizeof(*np));
            if (!np)
                return oj_fail(err, ENOMEM, "read %s/cpuacct.usage_percpu", cpuacct_dir);
            st->cpu.percpu = np;
            np[st->cpu.n_percpu++] = v;
        }
        /* cpuacct.stat is in USER_HZ ticks (sysconf(_SC_CLK_TCK)); the
         * kernel scales it so that user + system matches the exact total. */
        if (oj_cg_read(cpuacct_dir, "cpuacct.stat", &stat, err) < 0)
            return -1;
        long hz = sysconf(_SC_CLK_TCK);
        uint64_t user = 0, sys = 0;
        oj_cg_kv(stat, "user", &user);
        oj_cg_kv(stat, "system", &sys);
        uint64_t ns_per_tick = hz > 0 ? 1000000000ull / (uint64_t)hz : 10000000ull;
        st->cpu.user = user * ns_per_tick;
        st->cpu.kernel = sys * ns_per_tick;
    }
    if (cpu_dir) {
        _cleanup_free_ char *stat = NULL;
        if (read_optional(cpu_dir, "cpu.stat", &stat, err) < 0)
            return -1;
        if (stat) {
            oj_cg_kv(stat, "nr_periods", &st->cpu.periods);
            oj_cg_kv(stat, "nr_throttled", &st->cpu.throttled_periods);
            oj_cg_kv(stat, "throttled_time", &st->cpu.throttled_time); /* ns */
        }
    }
    st->has_cpu = true;
    return 0;
}

/* v1 reports "no limit" as the largest page-aligned long (PAGE_COUNTER_MAX
 * pages): anything that large is unlimited. */
static uint64_t v1_limit(uint64_t v)
{
    return v >= (1ull << 62) ? OJ_CGROUP_UNLIMITED : v;
}

int oj_cg_v1_stats_memory(const char *dir, struct oj_cgroup_stats *st, struct oj_err *err)
{
    if (oj_cg_read_u64(dir, "memory.usage_in_bytes", &st->memory.usage, err) < 0 ||
        oj_cg_read_u64(dir, "memory.max_usage_in_bytes", &st->memory.max_usage, err) < 0 ||
        oj_cg_read_u64(dir, "memory.limit_in_bytes", &st->memory.limit, err) < 0 ||
        oj_cg_read_u64(dir, "memory.failcnt", &st->memory.failcnt, err) < 0)
        return -1;
    st->memory.limit = v1_limit(st->memory.limit);
    if (oj_cg_exists(dir, "memory.memsw.usage_in_bytes")) {
        if (oj_cg_read_u64(dir, "memory.memsw.usage_in_bytes", &st->memory.swap_usage, err) < 0 ||
            oj_cg_read_u64(dir, "memory.memsw.max_usage_in_bytes", &st->memory.swap_max_usage,
                           err) < 0 ||
            oj_cg_read_u64(dir, "memory.memsw.limit_in_bytes", &st->memory.swap_limit, err) < 0 ||
            oj_cg_read_u64(dir, "memory.memsw.failcnt", &st->memory.swap_failcnt, err) < 0)
            return -1;
        st->memory.swap_limit = v1_limit(st->memory.swap_limit);
        st->memory.has_swap = true;
    }
    _cleanup_free_ char *oom = NULL, *stat = NULL;
    /* memory.oom_control: "oom_kill_disable 0\nunder_oom 0\noom_kill N" (4.13+) */
    if (oj_cg_read(dir, "memory.oom_control", &oom, err) < 0)
        return -1;
    oj_cg_kv(oom, "oom_kill", &st->memory.oom_kill);
    if (oj_cg_read(dir, "memory.stat", &stat, err) < 0 ||
        oj_cg_kv_all(stat, &st->memory.stat, &st->memory.n_stat, err) < 0)
        return -1;
    st->has_memory = true;
    return 0;
}

int oj_cg_v1_stats_pids(const char *dir, struct oj_cgroup_stats *st, struct oj_err *err)
{
    if (oj_cg_read_u64(dir, "pids.current", &st->pids.current, err) < 0 ||
        oj_cg_read_u64(dir, "pids.max", &st->pids.limit, err) < 0)
        return -1;
    st->has_pids = true;
    return 0;
}

int oj_cg_add_blkio(struct oj_cgroup_stats *st, uint64_t major, uint64_t minor, const char *op,
                    uint64_t value, struct oj_err *err)
{
    struct oj_cgroup_blkio_entry *ne =
        realloc(st->blkio.io_service_bytes, (st->blkio.n_io_service_bytes + 1) * sizeof(*ne));
    if (!ne)
        return oj_fail(err, ENOMEM, "read blkio statistics");
    st->blkio.io_service_bytes = ne;
    struct oj_cgroup_blkio_entry *e = &ne[st->blkio.n_io_service_bytes++];
    e->major = major;
    e->minor = minor;
    snprintf(e->op, sizeof(e->op), "%s", op);
    e->value = value;
    return 0;
}

int oj_cg_v1_stats_blkio(const char *dir, struct oj_cgroup_stats *st, struct oj_err *err)
{
    /* The throttle files count every bio whatever the scheduler; CFQ's and
     * BFQ's own files only what they scheduled. */
    const char *file = first_existing(dir, "blkio.throttle.io_service_bytes_recursive",
                                      "blkio.io_service_bytes_recursive");
    st->has_blkio = true;
    if (!file)
        return 0;
    _cleanup_free_ char *text = NULL;
    if (oj_cg_read(dir, file, &text, err) < 0)
        return -1;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        unsigned long long major, minor, value;
        char op[16];
        /* "8:0 Read 4096"; the closing "Total N" line has no device */
        if (sscanf(line, "%llu:%llu %15s %llu", &major, &minor, op, &value) != 4)
            continue;
        if (oj_cg_add_blkio(st, major, minor, op, value, err) < 0)
            return -1;
    }
    return 0;
}
