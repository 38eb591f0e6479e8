/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A task's resource counters, read from its cgroup: what a judge reports as
 * CPU time, peak memory, OOM kills and process count.
 *
 * The counters are the kernel's own accounting for every process of the
 * cgroup, so a program that forks is charged for its children:
 *
 *   CPU      v1 cpuacct.usage (ns, exact: the scheduler's sum_exec_runtime)
 *            and cpuacct.usage_user / usage_sys (tick-sampled split);
 *            v2 cpu.stat usage_usec / user_usec / system_usec.
 *   memory   v1 memory.usage_in_bytes and memory.max_usage_in_bytes (writing
 *            0 resets the high-water mark to the current usage);
 *            v2 memory.current and memory.peak (since 6.12 a write resets
 *            the peak *as seen through the same file descriptor*, so the fd
 *            is kept open from the reset to the final read).
 *   OOM      v1 memory.oom_control "oom_kill N"; v2 memory.events "oom_kill N".
 *   limit    whether the memory limit refused a charge (specs/shim-protocol.md,
 *            "Racing limits"): v1 memory.failcnt, memory.max_usage_in_bytes and
 *            memory.memsw.max_usage_in_bytes against memory.limit_in_bytes and
 *            memory.memsw.limit_in_bytes; v2 memory.events "max N" and
 *            memory.peak against memory.max; and what of the usage is page
 *            cache that reclaim could drop (memory.stat active_file +
 *            inactive_file, v1 total_*).
 *   pids     pids.peak (v1 and v2), else the largest pids.current sampled.
 *
 * Files are opened once and read with pread(): the supervisor polls the CPU
 * counter every few milliseconds near the end of a CPU budget.
 */
#ifndef OJRUN_TASKACCT_H
#define OJRUN_TASKACCT_H

#include <stdbool.h>
#include <stdint.h>

#include "cgroup.h"
#include "error.h"

struct oj_task_counters {
    bool has_cpu;
    uint64_t cpu_ns, user_ns, sys_ns;
    bool has_memory;
    uint64_t mem_usage, mem_peak; /* peak since the last oj_taskacct_reset_peak */
    uint64_t oom_kills;
    /* The memory limit (OJ_MEM_NO_LIMIT: none): v1 memory.limit_in_bytes,
     * v2 memory.max; and v1's memory+swap limit (memory.memsw.limit_in_bytes,
     * OJ_MEM_NO_LIMIT without swap accounting; always so on v2, whose swap
     * limit is separate and refuses swap-out, not charges). */
    uint64_t mem_limit, memsw_limit;
    /* Charges the limit refused: v1 memory.failcnt, v2 memory.events max.
     * (v1's counter stays 0 when the memsw limit refuses: see
     * oj_memory_limit_reached.) */
    uint64_t mem_failcnt;
    uint64_t memsw_peak; /* v1 memory.memsw.max_usage_in_bytes (reset with mem_peak), else 0 */
    uint64_t mem_file;   /* page cache on the file LRUs: reclaim can drop it */
    bool has_pids;
    uint64_t pids_current, pids_peak;
};

struct oj_taskacct {
    bool cpu_v2, mem_v2;
    int cpu_fd;         /* v1 cpuacct.usage | v2 cpu.stat */
    int user_fd;        /* v1 cpuacct.usage_user, or cpuacct.stat (ticks) when absent */
    int sys_fd;         /* v1 cpuacct.usage_sys, -1 when cpuacct.stat is used */
    int mem_fd;         /* memory.usage_in_bytes | memory.current */
    int peak_fd;        /* memory.max_usage_in_bytes | memory.peak */
    int oom_fd;         /* memory.oom_control | memory.events */
    int fail_fd;        /* v1 memory.failcnt, -1 on v2 (memory.events "max", read through oom_fd) */
    int limit_fd;       /* memory.limit_in_bytes | memory.max */
    int memsw_limit_fd; /* v1 memory.memsw.limit_in_bytes, -1 without swap accounting */
    int memsw_peak_fd;  /* v1 memory.memsw.max_usage_in_bytes (read-write), or -1 */
    int stat_fd;        /* memory.stat */
    int pids_fd, pids_peak_fd;
    bool peak_reset_ok;    /* the high-water mark was reset at the baseline */
    uint64_t pids_sampled; /* max pids.current seen when there is no pids.peak */
};

/* Open the counter files of `cg` (whatever of cpu, memory and pids it has;
 * a missing controller just leaves its has_* false).  Free with
 * oj_taskacct_close. */
int oj_taskacct_open(struct oj_taskacct *a, const struct oj_cgroup *cg, struct oj_err *err);
void oj_taskacct_close(struct oj_taskacct *a);

/* CPU time in ns of the whole cgroup: the fast path for the CPU-limit timer. */
int oj_taskacct_cpu(struct oj_taskacct *a, uint64_t *ns, struct oj_err *err);

/* All counters. */
int oj_taskacct_read(struct oj_taskacct *a, struct oj_task_counters *c, struct oj_err *err);

/* Restart the memory high-water mark at the current usage.  When the kernel
 * cannot (v2 before 6.12), peak_reset_ok stays false and mem_peak is the
 * peak since the cgroup was created. */
int oj_taskacct_reset_peak(struct oj_taskacct *a, struct oj_err *err);

#define OJ_MEM_NO_LIMIT UINT64_MAX

/* The memory cgroup charges in per-CPU batches of 64 pages
 * (MEMCG_CHARGE_BATCH, mm/memcontrol.c): a charge is refused as soon as
 * usage + 64 pages would pass the limit, even if the single page asked for
 * would fit (it is then retried alone). */
#define OJ_MEMCG_CHARGE_BATCH_PAGES 64

/* Has the memory limit refused a charge between the counters `base` and
 * `now` (read with memory accounting)?  True when the refusal counter grew
 * or a high-water mark (memory or memory+swap) came within one charge batch
 * (`batch` bytes) of its limit -- the counter alone is not enough: on Linux
 * 6.18 v1 a memsw limit refuses first and neither memory.failcnt nor
 * memory.memsw.failcnt counts it (the memsw counter does not track
 * failures).  Pure: no I/O. */
bool oj_memory_limit_reached(const struct oj_task_counters *base,
                             const struct oj_task_counters *now, uint64_t batch);

/* Is the memory limit binding the task now: what it holds that reclaim
 * cannot drop (its usage minus the page cache on the file LRUs) within
 * max(limit / 8, 4 MiB) of the limit?  False without a limit.  A task that
 * only filled the limit with page cache (output written to a file) is not
 * held back by it: reclaim gives it the memory back.  Pure: no I/O. */
bool oj_memory_limit_binding(const struct oj_task_counters *now);

#endif
