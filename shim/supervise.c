/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The supervisor's event loop (supervise.h has the picture).
 *
 * One poll() over six fds:
 *   go socket     READY from the program child, which then blocks right
 *                 before its execve: take the baseline (CPU usage, memory
 *                 usage, OOM count; reset the memory high-water mark), start
 *                 the wall clock, arm the timers, answer GO.  Everything the
 *                 runtime charged to the cgroup while setting up is left out
 *                 and everything from the execve on is the program's.
 *   exec pipe     error text when the init or the child fails after `start`
 *                 (a failed execve, a startContainer hook): verdict SE
 *   status socket EXITED from the reaper (reaper.c): the program's status
 *   signalfd      SIGCHLD (the init), and signals to forward or obey
 *   wall timerfd  armed at GO + wall-ms
 *   CPU timerfd   adaptive: the next check comes when the task could have
 *                 used its remaining budget on every CPU, i.e. after
 *                 remaining / ncpus (at least 1 ms), so the check interval
 *                 shrinks geometrically toward the limit and a task
 *                 overshoots it by about a millisecond per CPU at most,
 *                 while a sleeping task costs a handful of wake-ups.
 * A limit kills the whole task: SIGKILL to the init (PID 1: the kernel
 * then kills its whole PID namespace) and every process of the cgroup.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "log.h"
#include "signals.h"
#include "supervise.h"
#include "taskacct.h"

#define NS_PER_MS 1000000ull

/* `run` forwards these to the container (as runc run does); the shim stops
 * the task on TERM or INT and ignores the others. */
static const int sup_signals[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH};

void oj_supervise_sigset(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGCHLD);
    for (size_t i = 0; i < sizeof(sup_signals) / sizeof(sup_signals[0]); i++)
        sigaddset(set, sup_signals[i]);
}

struct sup {
    const struct oj_supervise_opts *o;
    int sfd, exec_fd, status_fd, go_fd, wall_tfd, cpu_tfd;
    struct oj_taskacct acct;
    bool acct_ok;
    long ncpu;
    uint64_t charge_batch; /* bytes: OJ_MEMCG_CHARGE_BATCH_PAGES pages */

    bool started;     /* READY answered: baseline taken, the program execs */
    bool have_status; /* EXITED received */
    int status;
    struct rusage ru;
    bool init_dead;
    bool final_taken;
    enum oj_fired fired;
    bool memory_fired; /* the memory limit had fired when the timer did */
    struct timespec t0, t_end;
    struct oj_task_counters base, fin;
    char exec_err[OJ_ERR_MSG_MAX];
    size_t exec_err_len;
    char error[OJ_ERR_MSG_MAX]; /* sandbox failure */
};

static uint64_t ts_ns(const struct timespec *t)
{
    return (uint64_t)t->tv_sec * 1000000000ull + (uint64_t)t->tv_nsec;
}

static void now(struct timespec *t)
{
    clock_gettime(CLOCK_MONOTONIC, t);
}

static void se(struct sup *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void se(struct sup *s, const char *fmt, ...)
{
    if (s->error[0])
        return; /* the first failure is the cause */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->error, sizeof(s->error), fmt, ap);
    va_end(ap);
    oj_debug("supervise %s: %s", s->o->id, s->error);
}

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* Kill everything of the task.  The init first: as PID 1 its death makes
 * the kernel kill its whole namespace at once; then the cgroup, for
 * processes that share the host's PID namespace. */
static void kill_task(struct sup *s)
{
    kill(s->o->init_pid, SIGKILL);
    struct oj_err e = {0};
    if (s->o->cg && oj_cgroup_kill_all(s->o->cg, SIGKILL, &e) < 0)
        oj_warn("supervise %s: %s", s->o->id, e.msg);
}

static void arm(int tfd, uint64_t ns, bool abs)
{
    struct itimerspec its = {
        .it_value = {(time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull)}};
    if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
        its.it_value.tv_nsec = 1; /* 0 would disarm */
    timerfd_settime(tfd, abs ? TFD_TIMER_ABSTIME : 0, &its, NULL);
}

static void fire(struct sup *s, enum oj_fired kind)
{
    if (s->fired != OJ_FIRED_NONE || s->have_status || s->init_dead)
        return;
    /* Read before the kill, which frees the memory.  The OOM killer may
     * have struck first (the program can be dying of it right now): then
     * MLE is the limit that fired first.  Or the memory limit may already
     * be refusing charges with nothing left to reclaim while the OOM killer
     * has not acted yet -- on a host where faulting memory in is slow, the
     * reclaim attempts before it take long enough for a CPU timer to come
     * first (specs/shim-protocol.md, "Racing limits"): MLE as well. */
    struct oj_task_counters c;
    struct oj_err e;
    bool oom_first = false;
    bool got = s->acct_ok && oj_taskacct_read(&s->acct, &c, &e) == 0;
    if (s->acct_ok && !got) /* the final read will fail too and make it SE */
        oj_warn("supervise %s: memory counters at the %s limit: %s", s->o->id,
                kind == OJ_FIRED_CPU ? "CPU" : "wall", e.msg);
    if (got && c.has_memory) {
        oom_first = c.oom_kills > s->base.oom_kills;
        s->memory_fired = !oom_first && oj_memory_limit_reached(&s->base, &c, s->charge_batch) &&
                          oj_memory_limit_binding(&c);
        oj_debug("supervise %s: memory at the timer: usage %lu, file %lu, peak %lu, "
                 "memsw peak %lu, failcnt +%lu, limit %lu, memsw limit %lu",
                 s->o->id, (unsigned long)c.mem_usage, (unsigned long)c.mem_file,
                 (unsigned long)c.mem_peak, (unsigned long)c.memsw_peak,
                 (unsigned long)(c.mem_failcnt - s->base.mem_failcnt), (unsigned long)c.mem_limit,
                 (unsigned long)c.memsw_limit);
    }
    if (!oom_first)
        s->fired = kind;
    oj_debug("supervise %s: %s limit reached%s, killing the task", s->o->id,
             kind == OJ_FIRED_CPU ? "CPU" : "wall",
             oom_first         ? " after an OOM kill"
             : s->memory_fired ? " after the memory limit"
                               : "");
    kill_task(s);
}

static void check_cpu(struct sup *s)
{
    uint64_t tick;
    if (read(s->cpu_tfd, &tick, sizeof(tick)) < 0 && errno != EAGAIN)
        return;
    if (s->fired != OJ_FIRED_NONE || s->have_status || s->init_dead)
        return;
    uint64_t ns;
    struct oj_err e;
    if (oj_taskacct_cpu(&s->acct, &ns, &e) < 0) {
        se(s, "CPU limit: %s", e.msg);
        kill_task(s);
        return;
    }
    uint64_t used = ns - s->base.cpu_ns, limit = s->o->limits.cpu_ms.v * NS_PER_MS;
    if (used >= limit) {
        fire(s, OJ_FIRED_CPU);
        return;
    }
    uint64_t next = (limit - used) / (uint64_t)s->ncpu;
    arm(s->cpu_tfd, next < NS_PER_MS ? NS_PER_MS : next, false);
}

/* READY: the program child waits right before its execve. */
static void on_ready(struct sup *s)
{
    struct oj_task_msg m;
    ssize_t n;
    do
        n = recv(s->go_fd, &m, sizeof(m), MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    if (n < 0 && errno == EAGAIN)
        return;
    if (n != (ssize_t)sizeof(m) || m.type != OJ_TASK_READY || s->started) {
        close_fd(&s->go_fd); /* EOF: the child exec'd or died, or the init did */
        return;
    }
    oj_debug("supervise %s: READY", s->o->id);
    struct oj_err e;
    if (s->acct_ok && (oj_taskacct_read(&s->acct, &s->base, &e) < 0 ||
                       oj_taskacct_reset_peak(&s->acct, &e) < 0)) {
        se(s, "baseline before exec: %s", e.msg);
        kill_task(s);
        return;
    }
    const struct oj_limits *l = &s->o->limits;
    if (l->cpu_ms.set && !s->base.has_cpu) {
        se(s, "%s is set but the task's cgroup has no CPU accounting", OJ_ANN_CPU_MS);
        kill_task(s);
        return;
    }
    now(&s->t0);
    s->started = true;
    if (l->wall_ms.set)
        arm(s->wall_tfd, ts_ns(&s->t0) + l->wall_ms.v * NS_PER_MS, true);
    if (l->cpu_ms.set)
        arm(s->cpu_tfd, l->cpu_ms.v * NS_PER_MS / (uint64_t)s->ncpu, false);
    m = (struct oj_task_msg){.type = OJ_TASK_GO};
    if (send(s->go_fd, &m, sizeof(m), MSG_NOSIGNAL) != (ssize_t)sizeof(m)) {
        se(s, "send GO to the program: %s", strerror(errno));
        kill_task(s);
        return;
    }
    oj_debug("supervise %s: go; baseline cpu %lu ns, memory %lu bytes", s->o->id,
             (unsigned long)s->base.cpu_ns, (unsigned long)s->base.mem_usage);
}

static void take_final(struct sup *s)
{
    if (s->final_taken)
        return;
    s->final_taken = true;
    if (!s->started)
        return;
    if (!s->have_status)
        now(&s->t_end);
    struct oj_err e;
    if (s->acct_ok && oj_taskacct_read(&s->acct, &s->fin, &e) < 0)
        se(s, "final counters: %s", e.msg);
}

/* Read what the reaper sent; `drain`: do not block (the init is gone). */
static void read_status(struct sup *s, bool drain)
{
    while (s->status_fd >= 0) {
        struct oj_task_msg m;
        ssize_t n = recv(s->status_fd, &m, sizeof(m), drain ? MSG_DONTWAIT : 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n <= 0) { /* EOF or error: the reaper is gone */
            close_fd(&s->status_fd);
            return;
        }
        if (n != (ssize_t)sizeof(m))
            continue;
        if (m.type == OJ_TASK_EXITED) {
            now(&s->t_end);
            s->have_status = true;
            s->status = m.status;
            s->ru = m.ru;
            take_final(s);
            /* Without a PID namespace of its own the reaper could not kill
             * the program's leftovers: the cgroup still holds them. */
            if (s->fin.has_pids && s->fin.pids_current > 1)
                kill_task(s);
            /* the reaper waits for this before it exits */
            close_fd(&s->status_fd);
            return;
        }
        if (!drain)
            return;
    }
}

static void read_exec(struct sup *s, bool drain)
{
    while (s->exec_fd >= 0) {
        char *p = s->exec_err + s->exec_err_len;
        size_t room = sizeof(s->exec_err) - 1 - s->exec_err_len;
        char scratch[256];
        ssize_t n = read(s->exec_fd, room ? p : scratch, room ? room : sizeof(scratch));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return;
        if (n > 0) {
            if (room)
                s->exec_err_len += (size_t)n;
            s->exec_err[s->exec_err_len] = '\0';
            continue;
        }
        close_fd(&s->exec_fd); /* EOF: the execve closed the last write end */
        if (s->exec_err_len)
            se(s, "%s", s->exec_err);
        return;
    }
}

static void reap(struct sup *s)
{
    for (;;) {
        int st;
        pid_t w = waitpid(-1, &st, WNOHANG);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        if (w == s->o->init_pid)
            s->init_dead = true;
    }
}

static void on_signal(struct sup *s)
{
    struct signalfd_siginfo si;
    while (read(s->sfd, &si, sizeof(si)) == sizeof(si)) {
        int sig = (int)si.ssi_signo;
        if (sig == SIGCHLD) {
            reap(s);
        } else if (s->o->forward_signals) {
            kill(s->o->init_pid, sig); /* the reaper passes it on to the program */
        } else if (sig == SIGTERM || sig == SIGINT) {
            se(s, "the supervisor received %s", oj_signal_name(sig));
            kill_task(s);
        }
    }
}

static bool output_full(const struct sup *s)
{
    if (!s->o->limits.output_bytes.set)
        return false;
    for (int i = 0; i < 2; i++) {
        struct stat st;
        if (s->o->out_fds[i] >= 0 && fstat(s->o->out_fds[i], &st) == 0 && S_ISREG(st.st_mode) &&
            (uint64_t)st.st_size >= s->o->limits.output_bytes.v)
            return true;
    }
    return false;
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
    return a > b ? a - b : 0;
}

static uint64_t tv_us(const struct timeval *tv)
{
    return (uint64_t)tv->tv_sec * 1000000ull + (uint64_t)tv->tv_usec;
}

static void figures(const struct sup *s, struct oj_result *r)
{
    if (!s->started)
        return;
    r->wall_us = sub0(ts_ns(&s->t_end), ts_ns(&s->t0)) / 1000;
    const struct oj_task_counters *b = &s->base, *f = &s->fin;
    if (f->has_cpu) {
        uint64_t cpu = sub0(f->cpu_ns, b->cpu_ns);
        r->cpu_us = cpu / 1000;
        /* The total is exact; the kernel's user/system split is sampled at
         * ticks, so it is used as a ratio: the cgroup's when it saw a tick,
         * else the program's own (wait4). */
        uint64_t du = sub0(f->user_ns, b->user_ns), ds = sub0(f->sys_ns, b->sys_ns);
        if (du + ds == 0 && s->have_status) {
            du = tv_us(&s->ru.ru_utime);
            ds = tv_us(&s->ru.ru_stime);
        }
        if (du + ds == 0)
            du = 1;
        r->user_us = (uint64_t)((unsigned __int128)r->cpu_us * du / (du + ds));
        r->sys_us = r->cpu_us - r->user_us;
    } else if (s->have_status) { /* no CPU accounting: the program's own */
        r->user_us = tv_us(&s->ru.ru_utime);
        r->sys_us = tv_us(&s->ru.ru_stime);
        r->cpu_us = r->user_us + r->sys_us;
    }
    if (f->has_memory)
        /* the high-water mark restarted at the exec from the usage we
         * measured then: what the sandbox held is subtracted */
        r->memory_peak_bytes = sub0(f->mem_peak, b->mem_usage);
    else if (s->have_status)
        r->memory_peak_bytes = (uint64_t)s->ru.ru_maxrss * 1024;
    if (f->has_pids)
        r->pids_peak = sub0(f->pids_peak, 1); /* not the reaper */
}

static void finish(struct sup *s, struct oj_result *r)
{
    figures(s, r);
    struct oj_outcome oc = {
        .started = s->started,
        .fired = s->fired,
        .have_status = s->have_status,
        .status = s->status,
        .oom_kills = s->fin.has_memory ? sub0(s->fin.oom_kills, s->base.oom_kills) : 0,
        .memory_fired = s->memory_fired,
        .memory_limit_hit = s->started && s->fin.has_memory &&
                            oj_memory_limit_reached(&s->base, &s->fin, s->charge_batch),
        .output_full = output_full(s),
        .error = s->error[0] ? s->error : NULL,
    };
    oj_verdict_decide(&oc, r);
}

/* Something failed before the loop could run: kill, wait, SE. */
static void give_up(struct sup *s, struct oj_result *r)
{
    kill_task(s);
    while (waitpid(s->o->init_pid, NULL, 0) < 0 && errno == EINTR)
        ;
    finish(s, r);
}

void oj_supervise(const struct oj_supervise_opts *o, struct oj_result *r)
{
    memset(r, 0, sizeof(*r));
    r->limits = o->limits;
    struct sup s = {.o = o,
                    .exec_fd = o->exec_fd,
                    .status_fd = o->status_fd,
                    .go_fd = o->go_fd,
                    .sfd = -1,
                    .wall_tfd = -1,
                    .cpu_tfd = -1};
    s.ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (s.ncpu < 1)
        s.ncpu = 1;
    long page = sysconf(_SC_PAGESIZE);
    s.charge_batch = (uint64_t)(page > 0 ? page : 4096) * OJ_MEMCG_CHARGE_BATCH_PAGES;
    struct oj_err e = {0};

    sigset_t set;
    oj_supervise_sigset(&set);
    s.sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    s.wall_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    s.cpu_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    if (s.sfd < 0 || s.wall_tfd < 0 || s.cpu_tfd < 0) {
        se(&s, "supervise: signalfd/timerfd: %s", strerror(errno));
        give_up(&s, r);
        goto out;
    }
    if (o->cg && oj_taskacct_open(&s.acct, o->cg, &e) == 0)
        s.acct_ok = true;
    else if (o->cg)
        se(&s, "open the task's cgroup counters: %s", e.msg);
    if (s.error[0]) {
        give_up(&s, r);
        goto out;
    }

    oj_debug("supervise %s: watching the init, PID %d", o->id, (int)o->init_pid);
    /* SIGCHLD may have come before the signalfd existed */
    reap(&s);
    while (!s.init_dead) {
        struct pollfd p[6] = {
            {.fd = s.exec_fd, .events = POLLIN}, {.fd = s.status_fd, .events = POLLIN},
            {.fd = s.sfd, .events = POLLIN},     {.fd = s.wall_tfd, .events = POLLIN},
            {.fd = s.cpu_tfd, .events = POLLIN}, {.fd = s.go_fd, .events = POLLIN},
        };
        if (poll(p, 6, -1) < 0) {
            if (errno == EINTR)
                continue;
            se(&s, "supervise: poll: %s", strerror(errno));
            give_up(&s, r);
            goto out;
        }
        if (p[0].revents)
            read_exec(&s, false);
        if (p[1].revents)
            read_status(&s, false);
        if (p[2].revents)
            on_signal(&s);
        if (p[3].revents) {
            uint64_t t;
            if (read(s.wall_tfd, &t, sizeof(t)) > 0)
                fire(&s, OJ_FIRED_WALL);
        }
        if (p[4].revents)
            check_cpu(&s);
        if (p[5].revents)
            on_ready(&s);
    }
    /* The init is gone: what it (or the program) sent before is still
     * queued.  Then the final counters, unless EXITED already took them. */
    read_exec(&s, true);
    read_status(&s, true);
    take_final(&s);
    finish(&s, r);
out:
    if (s.acct_ok)
        oj_taskacct_close(&s.acct);
    close_fd(&s.sfd);
    close_fd(&s.wall_tfd);
    close_fd(&s.cpu_tfd);
    close_fd(&s.exec_fd);
    close_fd(&s.status_fd);
    close_fd(&s.go_fd);
}
