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
    bool has_pids;
    uint64_t pids_current, pids_peak;
};

struct oj_taskacct {
    bool cpu_v2, mem_v2;
    int cpu_fd;  /* v1 cpuacct.usage | v2 cpu.stat */
    int user_fd; /* v1 cpuacct.usage_user, or cpuacct.stat (ticks) when absent */
    int sys_fd;  /* v1 cpuacct.usage_sys, -1 when cpuacct.stat is used */
    int mem_fd;  /* memory.usage_in_bytes | memory.current */
    int peak_fd; /* memory.max_usage_in_bytes | memory.peak */
    int oom_fd;  /* memory.oom_control | memory.events */
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

#endif
