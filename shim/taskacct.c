/* SPDX-License-Identifier: Apache-2.0 */
/* A task's counters from its cgroup; see taskacct.h. */
#include "taskacct.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

static int open_opt(const char *dir, const char *file, int flags)
{
    char path[PATH_MAX];
    if (!dir || snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
        return -1;
    return open(path, flags | O_CLOEXEC);
}

static int open_req(const char *dir, const char *file, int *fd, struct oj_err *err)
{
    *fd = open_opt(dir, file, O_RDONLY);
    if (*fd < 0)
        return oj_fail(err, errno, "open %s/%s", dir, file);
    return 0;
}

void oj_taskacct_close(struct oj_taskacct *a)
{
    int *fds[] = {&a->cpu_fd,  &a->user_fd, &a->sys_fd,      &a->mem_fd,         &a->peak_fd,
                  &a->oom_fd,  &a->fail_fd, &a->limit_fd,    &a->memsw_limit_fd, &a->memsw_peak_fd,
                  &a->stat_fd, &a->pids_fd, &a->pids_peak_fd};
    for (size_t i = 0; i < OJ_ARRAY_SIZE(fds); i++) {
        if (*fds[i] >= 0)
            close(*fds[i]);
        *fds[i] = -1;
    }
}

int oj_taskacct_open(struct oj_taskacct *a, const struct oj_cgroup *cg, struct oj_err *err)
{
    memset(a, 0, sizeof(*a));
    a->cpu_fd = a->user_fd = a->sys_fd = a->mem_fd = a->peak_fd = a->oom_fd = a->fail_fd =
        a->limit_fd = a->memsw_limit_fd = a->memsw_peak_fd = a->stat_fd = a->pids_fd =
            a->pids_peak_fd = -1;

    /* CPU: a v1 cpuacct hierarchy when there is one, else the cgroup2
     * directory, whose cpu.stat the v2 core provides even without the cpu
     * controller. */
    const char *dir = oj_cgroup_dir(cg, "cpuacct");
    if (dir) {
        if (open_req(dir, "cpuacct.usage", &a->cpu_fd, err) < 0)
            goto fail;
        a->user_fd = open_opt(dir, "cpuacct.usage_user", O_RDONLY);
        a->sys_fd = open_opt(dir, "cpuacct.usage_sys", O_RDONLY);
        if (a->user_fd < 0 || a->sys_fd < 0) { /* before 4.6: ticks in cpuacct.stat */
            if (a->user_fd >= 0)
                close(a->user_fd);
            if (a->sys_fd >= 0)
                close(a->sys_fd);
            a->sys_fd = -1;
            if (open_req(dir, "cpuacct.stat", &a->user_fd, err) < 0)
                goto fail;
        }
    } else if ((dir = oj_cgroup_dir(cg, ""))) {
        a->cpu_v2 = true;
        if (open_req(dir, "cpu.stat", &a->cpu_fd, err) < 0)
            goto fail;
    }

    dir = oj_cgroup_dir(cg, "memory");
    if (dir) {
        const char *v2 = oj_cgroup_dir(cg, "");
        a->mem_v2 = v2 && strcmp(v2, dir) == 0;
        if (open_req(dir, a->mem_v2 ? "memory.current" : "memory.usage_in_bytes", &a->mem_fd, err) <
                0 ||
            open_req(dir, a->mem_v2 ? "memory.events" : "memory.oom_control", &a->oom_fd, err) <
                0 ||
            open_req(dir, a->mem_v2 ? "memory.max" : "memory.limit_in_bytes", &a->limit_fd, err) <
                0 ||
            open_req(dir, "memory.stat", &a->stat_fd, err) < 0 ||
            (!a->mem_v2 && open_req(dir, "memory.failcnt", &a->fail_fd, err) < 0))
            goto fail;
        if (!a->mem_v2) {
            /* the memsw files exist only with swap accounting (swapaccount=1) */
            a->memsw_limit_fd = open_opt(dir, "memory.memsw.limit_in_bytes", O_RDONLY);
            a->memsw_peak_fd = open_opt(dir, "memory.memsw.max_usage_in_bytes", O_RDWR);
            if ((a->memsw_limit_fd < 0) != (a->memsw_peak_fd < 0)) {
                oj_fail(err, errno, "open %s/memory.memsw.*", dir);
                goto fail;
            }
        }
        /* read-write: the peak is reset by writing to it */
        const char *peak = a->mem_v2 ? "memory.peak" : "memory.max_usage_in_bytes";
        a->peak_fd = open_opt(dir, peak, O_RDWR);
        if (a->peak_fd < 0 && errno != ENOENT) { /* v2 before 5.19 has no memory.peak */
            oj_fail(err, errno, "open %s/%s", dir, peak);
            goto fail;
        }
    }

    dir = oj_cgroup_dir(cg, "pids");
    if (dir) {
        if (open_req(dir, "pids.current", &a->pids_fd, err) < 0)
            goto fail;
        a->pids_peak_fd = open_opt(dir, "pids.peak", O_RDONLY); /* 6.1+ (v1 and v2) */
    }
    return 0;
fail:
    oj_taskacct_close(a);
    return -1;
}

/* pread the whole (small) file into buf, NUL-terminated. */
static int read_at0(int fd, char *buf, size_t size, const char *what, struct oj_err *err)
{
    ssize_t n;
    do
        n = pread(fd, buf, size - 1, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return oj_fail(err, errno, "read %s", what);
    buf[n] = '\0';
    return 0;
}

static int read_u64(int fd, uint64_t *v, const char *what, struct oj_err *err)
{
    char buf[64];
    if (read_at0(fd, buf, sizeof(buf), what, err) < 0)
        return -1;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(buf, &end, 10);
    if (errno || end == buf || (*end && *end != '\n'))
        return oj_fail(err, EINVAL, "read %s: not a number: \"%.20s\"", what, buf);
    *v = x;
    return 0;
}

/* "key value" lines (cgroup-v2.rst "Flat Keyed"); 0 when the key is absent. */
static uint64_t keyed(const char *text, const char *key)
{
    size_t kl = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
        if (strncmp(p, key, kl) == 0 && p[kl] == ' ')
            return strtoull(p + kl + 1, NULL, 10);
    return 0;
}

/* A limit file: a number, or v2's "max" (none). */
static int read_limit(int fd, uint64_t *v, const char *what, struct oj_err *err)
{
    char buf[64];
    if (read_at0(fd, buf, sizeof(buf), what, err) < 0)
        return -1;
    if (strcmp(buf, "max\n") == 0 || strcmp(buf, "max") == 0) {
        *v = OJ_MEM_NO_LIMIT;
        return 0;
    }
    char *end;
    errno = 0;
    unsigned long long x = strtoull(buf, &end, 10);
    if (errno || end == buf || (*end && *end != '\n'))
        return oj_fail(err, EINVAL, "read %s: not a number: \"%.20s\"", what, buf);
    *v = x;
    return 0;
}

int oj_taskacct_cpu(struct oj_taskacct *a, uint64_t *ns, struct oj_err *err)
{
    if (a->cpu_fd < 0)
        return oj_fail(err, ENOENT, "the task's cgroup has no CPU accounting");
    if (!a->cpu_v2)
        return read_u64(a->cpu_fd, ns, "cpuacct.usage", err);
    char buf[1024];
    if (read_at0(a->cpu_fd, buf, sizeof(buf), "cpu.stat", err) < 0)
        return -1;
    *ns = keyed(buf, "usage_usec") * 1000;
    return 0;
}

static int read_cpu(struct oj_taskacct *a, struct oj_task_counters *c, struct oj_err *err)
{
    if (a->cpu_fd < 0)
        return 0;
    char buf[1024];
    if (a->cpu_v2) {
        if (read_at0(a->cpu_fd, buf, sizeof(buf), "cpu.stat", err) < 0)
            return -1;
        c->cpu_ns = keyed(buf, "usage_usec") * 1000;
        c->user_ns = keyed(buf, "user_usec") * 1000;
        c->sys_ns = keyed(buf, "system_usec") * 1000;
    } else {
        if (read_u64(a->cpu_fd, &c->cpu_ns, "cpuacct.usage", err) < 0)
            return -1;
        if (a->sys_fd >= 0) {
            if (read_u64(a->user_fd, &c->user_ns, "cpuacct.usage_user", err) < 0 ||
                read_u64(a->sys_fd, &c->sys_ns, "cpuacct.usage_sys", err) < 0)
                return -1;
        } else {
            /* cpuacct.stat counts USER_HZ ticks */
            if (read_at0(a->user_fd, buf, sizeof(buf), "cpuacct.stat", err) < 0)
                return -1;
            long hz = sysconf(_SC_CLK_TCK);
            uint64_t tick = hz > 0 ? 1000000000ull / (uint64_t)hz : 10000000ull;
            c->user_ns = keyed(buf, "user") * tick;
            c->sys_ns = keyed(buf, "system") * tick;
        }
    }
    c->has_cpu = true;
    return 0;
}

int oj_taskacct_read(struct oj_taskacct *a, struct oj_task_counters *c, struct oj_err *err)
{
    memset(c, 0, sizeof(*c));
    if (read_cpu(a, c, err) < 0)
        return -1;
    if (a->mem_fd >= 0) {
        char buf[256];
        if (read_u64(a->mem_fd, &c->mem_usage, "memory usage", err) < 0)
            return -1;
        if (a->peak_fd >= 0) {
            if (read_u64(a->peak_fd, &c->mem_peak, "memory peak", err) < 0)
                return -1;
        } else {
            c->mem_peak = c->mem_usage;
        }
        if (read_at0(a->oom_fd, buf, sizeof(buf), "memory oom_kill counter", err) < 0)
            return -1;
        c->oom_kills = keyed(buf, "oom_kill");
        if (a->mem_v2)
            c->mem_failcnt = keyed(buf, "max"); /* cgroup-v2.rst, memory.events */
        else if (read_u64(a->fail_fd, &c->mem_failcnt, "memory.failcnt", err) < 0)
            return -1;
        if (read_limit(a->limit_fd, &c->mem_limit, "memory limit", err) < 0)
            return -1;
        c->memsw_limit = OJ_MEM_NO_LIMIT;
        if (a->memsw_limit_fd >= 0 && (read_limit(a->memsw_limit_fd, &c->memsw_limit,
                                                  "memory.memsw.limit_in_bytes", err) < 0 ||
                                       read_u64(a->memsw_peak_fd, &c->memsw_peak,
                                                "memory.memsw.max_usage_in_bytes", err) < 0))
            return -1;
        char stat[8192];
        if (read_at0(a->stat_fd, stat, sizeof(stat), "memory.stat", err) < 0)
            return -1;
        /* v1: the total_ keys include the cgroups below (the program may
         * make some); v2's keys always do */
        c->mem_file = a->mem_v2
                          ? keyed(stat, "active_file") + keyed(stat, "inactive_file")
                          : keyed(stat, "total_active_file") + keyed(stat, "total_inactive_file");
        c->has_memory = true;
    }
    if (a->pids_fd >= 0) {
        if (read_u64(a->pids_fd, &c->pids_current, "pids.current", err) < 0)
            return -1;
        if (c->pids_current > a->pids_sampled)
            a->pids_sampled = c->pids_current;
        c->pids_peak = a->pids_sampled;
        uint64_t peak;
        if (a->pids_peak_fd >= 0 && read_u64(a->pids_peak_fd, &peak, "pids.peak", err) == 0)
            c->pids_peak = peak;
        c->has_pids = true;
    }
    return 0;
}

int oj_taskacct_reset_peak(struct oj_taskacct *a, struct oj_err *err)
{
    a->peak_reset_ok = false;
    if (a->peak_fd < 0)
        return 0;
    /* v1: "0" resets max_usage_in_bytes to the current usage (cgroup-v1
     * memory.rst 5.4); v2 (6.12+): any non-empty string resets memory.peak
     * for this open file.  An older v2 kernel refuses the write (EINVAL):
     * that is not an error, the peak then counts from the cgroup's creation. */
    const char *v = a->mem_v2 ? "reset\n" : "0";
    ssize_t n;
    do
        n = pwrite(a->peak_fd, v, strlen(v), 0);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        if (a->mem_v2 && (errno == EINVAL || errno == EACCES || errno == EBADF))
            return 0;
        return oj_fail(err, errno, "reset the memory high-water mark");
    }
    /* the memory+swap high-water mark restarts with it (same semantics) */
    if (a->memsw_peak_fd >= 0) {
        do
            n = pwrite(a->memsw_peak_fd, "0", 1, 0);
        while (n < 0 && errno == EINTR);
        if (n < 0)
            return oj_fail(err, errno, "reset the memory+swap high-water mark");
    }
    a->peak_reset_ok = true;
    return 0;
}

/* `peak` came within `batch` of `limit`: the next batched charge was refused. */
static bool near_limit(uint64_t peak, uint64_t limit, uint64_t batch)
{
    return limit != OJ_MEM_NO_LIMIT && peak + batch > limit;
}

bool oj_memory_limit_reached(const struct oj_task_counters *base,
                             const struct oj_task_counters *now, uint64_t batch)
{
    if (!now->has_memory)
        return false;
    return now->mem_failcnt > base->mem_failcnt ||
           near_limit(now->mem_peak, now->mem_limit, batch) ||
           near_limit(now->memsw_peak, now->memsw_limit, batch);
}

bool oj_memory_limit_binding(const struct oj_task_counters *now)
{
    uint64_t limit = now->mem_limit < now->memsw_limit ? now->mem_limit : now->memsw_limit;
    if (!now->has_memory || limit == OJ_MEM_NO_LIMIT)
        return false;
    uint64_t margin = limit / 8;
    if (margin < (UINT64_C(4) << 20))
        margin = UINT64_C(4) << 20;
    uint64_t held = now->mem_usage > now->mem_file ? now->mem_usage - now->mem_file : 0;
    return held + margin >= limit;
}
