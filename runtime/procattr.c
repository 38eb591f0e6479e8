/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oomScoreAdj, ioPriority, scheduler and personality of the container
 * process.  Each is one system call (or one /proc write) on the calling
 * process; what needs care is saying clearly why the kernel refused.
 */
#include "procattr.h"

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "util.h"

/* --- oomScoreAdj ---------------------------------------------------------- */

int oj_oom_score_adj_apply(pid_t pid, int64_t v, struct oj_err *err)
{
    char path[64];
    if (pid > 0)
        snprintf(path, sizeof(path), "/proc/%d/oom_score_adj", (int)pid);
    else
        snprintf(path, sizeof(path), "/proc/self/oom_score_adj");
    /* proc(5): the range is -1000 (never kill) .. 1000 (kill first). */
    if (v < -1000 || v > 1000)
        return oj_fail(err, EINVAL, "set process.oomScoreAdj %" PRId64 ": out of range -1000..1000",
                       v);
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%" PRId64, v);
    struct oj_err werr;
    if (oj_write_file(path, buf, (size_t)n, &werr) == 0)
        return 0;
    if (werr.code == EACCES) {
        /* The kernel refuses values below the minimum recorded for this
         * process (the lowest value set with CAP_SYS_RESOURCE by it or an
         * ancestor, 0 by default) unless the writer has CAP_SYS_RESOURCE. */
        _cleanup_free_ char *cur = NULL;
        if (oj_read_file(path, 32, &cur, NULL, NULL) == 0)
            cur[strcspn(cur, "\n")] = '\0';
        return oj_fail(err, EACCES,
                       "set process.oomScoreAdj %" PRId64 " (currently %s): lowering "
                       "oom_score_adj needs CAP_SYS_RESOURCE, which the runtime lacks",
                       v, cur ? cur : "unknown");
    }
    return oj_fail(err, werr.code, "set process.oomScoreAdj %" PRId64 " in %s", v, path);
}

/* --- ioPriority ------------------------------------------------------------ */

/* linux/ioprio.h; spelled out here because that header is missing on older
 * distributions and these numbers are ABI. */
#define OJ_IOPRIO_WHO_PROCESS 1
#define OJ_IOPRIO_CLASS_SHIFT 13

static int apply_io_priority(const struct oj_io_priority *io, struct oj_err *err)
{
    /* ioprio_set(2): classes RT=1, BE=2, IDLE=3; levels 0 (highest) .. 7. */
    if (io->class_ < 1 || io->class_ > 3)
        return oj_fail(err, EINVAL, "set process.ioPriority: unknown class %d", io->class_);
    if (io->priority < 0 || io->priority > 7)
        return oj_fail(err, EINVAL, "set process.ioPriority: priority %d out of range 0..7",
                       io->priority);
    int prio = (io->class_ << OJ_IOPRIO_CLASS_SHIFT) | io->priority;
    if (syscall(SYS_ioprio_set, OJ_IOPRIO_WHO_PROCESS, 0, prio) < 0)
        return oj_fail(err, errno, "set process.ioPriority (class %d, priority %d)%s", io->class_,
                       io->priority,
                       errno == EPERM ? ": the real-time class needs CAP_SYS_ADMIN" : "");
    return 0;
}

/* --- scheduler ------------------------------------------------------------- */

/* The kernel's struct sched_attr (sched_setattr(2)), first published size
 * (SCHED_ATTR_SIZE_VER0 = 48).  linux/sched/types.h cannot be included next
 * to glibc's <sched.h> (both define struct sched_param). */
struct oj_sched_attr {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;
    uint64_t sched_deadline;
    uint64_t sched_period;
};
_Static_assert(sizeof(struct oj_sched_attr) == 48, "SCHED_ATTR_SIZE_VER0");

static const char *policy_name(int p)
{
    switch (p) {
    case SCHED_OTHER: return "SCHED_OTHER";
    case SCHED_FIFO: return "SCHED_FIFO";
    case SCHED_RR: return "SCHED_RR";
    case SCHED_BATCH: return "SCHED_BATCH";
    case SCHED_ISO: return "SCHED_ISO";
    case SCHED_IDLE: return "SCHED_IDLE";
    case SCHED_DEADLINE: return "SCHED_DEADLINE";
    }
    return "unknown";
}

static int apply_scheduler(const struct oj_scheduler *s, struct oj_err *err)
{
    if (s->nice.set && (s->nice.v < -20 || s->nice.v > 19))
        return oj_fail(err, EINVAL, "set process.scheduler: nice %" PRId64 " out of range -20..19",
                       s->nice.v);
    if (s->priority.set && (s->priority.v < 0 || s->priority.v > 99))
        return oj_fail(err, EINVAL,
                       "set process.scheduler: priority %" PRId64 " out of range 0..99",
                       s->priority.v);
    struct oj_sched_attr a = {
        .size = sizeof(a),
        .sched_policy = (uint32_t)s->policy,
        .sched_flags = s->flags,
        .sched_nice = s->nice.set ? (int32_t)s->nice.v : 0,
        .sched_priority = s->priority.set ? (uint32_t)s->priority.v : 0,
        .sched_runtime = s->runtime.set ? s->runtime.v : 0,
        .sched_deadline = s->deadline.set ? s->deadline.v : 0,
        .sched_period = s->period.set ? s->period.v : 0,
    };
    if (syscall(SYS_sched_setattr, 0, &a, 0) < 0) {
        int e = errno;
        const char *hint = "";
        if (e == EPERM && (s->policy == SCHED_FIFO || s->policy == SCHED_RR ||
                           s->policy == SCHED_DEADLINE))
            hint = " (needs CAP_SYS_NICE and, under cgroup v1, a cpu.rt_runtime_us budget)";
        else if (e == EINVAL)
            hint = " (invalid combination of policy, priority, nice and flags)";
        return oj_fail(err, e, "set process.scheduler (policy %s, nice %d, priority %u)%s",
                       policy_name(s->policy), a.sched_nice, a.sched_priority, hint);
    }
    return 0;
}

int oj_process_apply_misc(const struct oj_process *p, struct oj_err *err)
{
    if (p->oom_score_adj.set && oj_oom_score_adj_apply(0, p->oom_score_adj.v, err) < 0)
        return -1;
    if (p->io_priority.set && apply_io_priority(&p->io_priority, err) < 0)
        return -1;
    if (p->scheduler.set && apply_scheduler(&p->scheduler, err) < 0)
        return -1;
    return 0;
}

/* --- personality ----------------------------------------------------------- */

int oj_personality_apply(const struct oj_linux *lx, struct oj_err *err)
{
    if (!lx || !lx->has_personality)
        return 0;
    unsigned long persona;
    const char *d = lx->personality_domain ? lx->personality_domain : "";
    if (strcmp(d, "LINUX") == 0)
        persona = PER_LINUX;
    else if (strcmp(d, "LINUX32") == 0)
        persona = PER_LINUX32; /* uname(2) then reports a 32-bit machine, e.g. i686 */
    else
        return oj_fail(err, EINVAL, "set linux.personality: unknown domain \"%s\"", d);
    if (lx->n_personality_flags > 0)
        return oj_fail(err, EINVAL,
                       "set linux.personality: flag \"%s\" is not supported (the spec defines none)",
                       lx->personality_flags[0]);
    /* personality(2) returns the previous persona; -1 only on error. */
    if (personality(persona) == -1)
        return oj_fail(err, errno, "set linux.personality domain %s", d);
    return 0;
}
