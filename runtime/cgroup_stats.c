/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container statistics: which hierarchy to read each group from, and the
 * `runc events --stats` JSON shape.
 *
 * A judge reads CPU time and peak memory from here, so values are taken
 * from the exact counters: v1 cpuacct.usage (ns) and memory.max_usage_in_bytes,
 * v2 cpu.stat usage_usec and memory.peak.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_internal.h"

void oj_cgroup_stats_free(struct oj_cgroup_stats *st)
{
    free(st->cpu.percpu);
    for (size_t i = 0; i < st->memory.n_stat; i++)
        free(st->memory.stat[i].key);
    free(st->memory.stat);
    free(st->blkio.io_service_bytes);
    memset(st, 0, sizeof(*st));
}

/* The cgroup2 directory when it has `file`, i.e. its controller is enabled
 * there (called only when no v1 hierarchy has the controller). */
static const char *v2_for(const struct oj_cgroup *cg, const char *file)
{
    struct oj_cg_dir *d = oj_cg_v2_dir(cg);
    if (!d || !oj_cg_exists(d->path, file))
        return NULL;
    return d->path;
}

int oj_cgroup_stats(struct oj_cgroup *cg, struct oj_cgroup_stats *st, struct oj_err *err)
{
    memset(st, 0, sizeof(*st));
    const char *dir;
    struct oj_cg_dir *acct = oj_cg_v1_dir(cg, "cpuacct"), *cpu = oj_cg_v1_dir(cg, "cpu");
    int rc = 0;

    /* cpu: v1 cpuacct (+ cpu for throttling); else v2 cpu.stat, which the
     * v2 core provides even without the cpu controller. */
    if (acct || cpu)
        rc = oj_cg_v1_stats_cpu(acct ? acct->path : NULL, cpu ? cpu->path : NULL, st, err);
    else if ((dir = v2_for(cg, "cpu.stat")))
        rc = oj_cg_v2_stats_cpu(dir, st, err);

    struct oj_cg_dir *d;
    if (rc == 0 && (d = oj_cg_v1_dir(cg, "memory")))
        rc = oj_cg_v1_stats_memory(d->path, st, err);
    else if (rc == 0 && (dir = v2_for(cg, "memory.current")))
        rc = oj_cg_v2_stats_memory(dir, st, err);

    if (rc == 0 && (d = oj_cg_v1_dir(cg, "pids")))
        rc = oj_cg_v1_stats_pids(d->path, st, err);
    else if (rc == 0 && (dir = v2_for(cg, "pids.current")))
        rc = oj_cg_v2_stats_pids(dir, st, err);

    if (rc == 0 && (d = oj_cg_v1_dir(cg, "blkio")))
        rc = oj_cg_v1_stats_blkio(d->path, st, err);
    else if (rc == 0 && (dir = v2_for(cg, "io.stat")))
        rc = oj_cg_v2_stats_blkio(dir, st, err);

    if (rc < 0) {
        oj_cgroup_stats_free(st);
        return oj_wrap(err, "cgroup statistics");
    }
    return 0;
}

/* Limits print as numbers; unlimited is the largest uint64, as runc prints it. */
void oj_cgroup_stats_json(const struct oj_cgroup_stats *st, struct jw *w)
{
    jw_obj_begin(w);
    if (st->has_cpu) {
        jw_key(w, "cpu");
        jw_obj_begin(w);
        jw_key(w, "usage");
        jw_obj_begin(w);
        jw_kuint(w, "total", st->cpu.total);
        if (st->cpu.n_percpu) {
            jw_key(w, "percpu");
            jw_arr_begin(w);
            for (size_t i = 0; i < st->cpu.n_percpu; i++)
                jw_uint(w, st->cpu.percpu[i]);
            jw_arr_end(w);
        }
        jw_kuint(w, "kernel", st->cpu.kernel);
        jw_kuint(w, "user", st->cpu.user);
        jw_obj_end(w);
        jw_key(w, "throttling");
        jw_obj_begin(w);
        jw_kuint(w, "periods", st->cpu.periods);
        jw_kuint(w, "throttledPeriods", st->cpu.throttled_periods);
        jw_kuint(w, "throttledTime", st->cpu.throttled_time);
        jw_obj_end(w);
        jw_obj_end(w);
    }
    if (st->has_memory) {
        jw_key(w, "memory");
        jw_obj_begin(w);
        jw_key(w, "usage");
        jw_obj_begin(w);
        jw_kuint(w, "limit", st->memory.limit);
        jw_kuint(w, "usage", st->memory.usage);
        jw_kuint(w, "max", st->memory.max_usage);
        jw_kuint(w, "failcnt", st->memory.failcnt);
        jw_obj_end(w);
        if (st->memory.has_swap) {
            jw_key(w, "swap");
            jw_obj_begin(w);
            jw_kuint(w, "limit", st->memory.swap_limit);
            jw_kuint(w, "usage", st->memory.swap_usage);
            jw_kuint(w, "max", st->memory.swap_max_usage);
            jw_kuint(w, "failcnt", st->memory.swap_failcnt);
            jw_obj_end(w);
        }
        jw_kuint(w, "oomKill", st->memory.oom_kill);
        jw_key(w, "raw");
        jw_obj_begin(w);
        for (size_t i = 0; i < st->memory.n_stat; i++)
            jw_kuint(w, st->memory.stat[i].key, st->memory.stat[i].value);
        jw_obj_end(w);
        jw_obj_end(w);
    }
    if (st->has_pids) {
        jw_key(w, "pids");
        jw_obj_begin(w);
        jw_kuint(w, "current", st->pids.current);
        /* runc: 0 means no limit */
        jw_kuint(w, "limit", st->pids.limit == OJ_CGROUP_UNLIMITED ? 0 : st->pids.limit);
        jw_obj_end(w);
    }
    if (st->has_blkio) {
        jw_key(w, "blkio");
        jw_obj_begin(w);
        if (st->blkio.n_io_service_bytes) {
            jw_key(w, "ioServiceBytesRecursive");
            jw_arr_begin(w);
            for (size_t i = 0; i < st->blkio.n_io_service_bytes; i++) {
                const struct oj_cgroup_blkio_entry *e = &st->blkio.io_service_bytes[i];
                jw_obj_begin(w);
                jw_kuint(w, "major", e->major);
                jw_kuint(w, "minor", e->minor);
                jw_kstr(w, "op", e->op);
                jw_kuint(w, "value", e->value);
                jw_obj_end(w);
            }
            jw_arr_end(w);
        }
        jw_obj_end(w);
    }
    jw_obj_end(w);
}
