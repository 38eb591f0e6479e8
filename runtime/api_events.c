/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Container statistics and OOM events (libojrun.h, ojrun_container_stats()
 * and ojrun_events_*), in the shape of runc's `events` (what containerd's
 * runc shim and podman read):
 *
 *   {"type":"stats","id":"ID","data":{"cpu":{...},"memory":{...},"pids":{...},"blkio":{...}}}
 *   {"type":"oom","id":"ID"}
 *
 * The stream gives a stats event every interval and an oom event each time
 * the kernel reports an OOM in the container's memory cgroup (see
 * cgroup_oom.c); it ends once the container has stopped or was deleted.
 * The first stats event comes at once rather than after one interval (a
 * reader then knows the OOM watch is in place), and one stats event also
 * works on a stopped container whose cgroup still exists (a judge reads
 * the CPU time and peak memory of a finished run this way); runc refuses
 * both for a stopped container.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "api_internal.h"
#include "cgroup.h"
#include "cleanup.h"
#include "lifecycle.h"
#include "log.h"
#include "state.h"
#include "strbuf.h"

struct ojrun_events {
    char *root;
    struct oj_state *st;
    struct oj_cgroup *cg;
    struct oj_cgroup_oom *oom; /* NULL: statistics only */
    int pidfd;                 /* the init's, or -1 */
    uint64_t interval_ns;
    uint64_t next_ns; /* when the next stats event is due */
    uint64_t pending; /* oom events read but not yet returned */
    bool done;
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static char *line_of(struct jw *w, struct oj_err *err)
{
    if (w->sb.oom) {
        sb_free(&w->sb);
        oj_fail(err, 0, "out of memory");
        err->code = ENOMEM;
        return NULL;
    }
    return w->sb.s ? w->sb.s : strdup("");
}

static char *stats_line(struct oj_cgroup *cg, const char *id, struct oj_err *err)
{
    struct oj_cgroup_stats st;
    if (oj_cgroup_stats(cg, &st, err) < 0)
        return NULL;
    struct jw w;
    jw_init(&w, false);
    jw_obj_begin(&w);
    jw_kstr(&w, "type", "stats");
    jw_kstr(&w, "id", id);
    jw_key(&w, "data");
    oj_cgroup_stats_json(&st, &w);
    jw_obj_end(&w);
    oj_cgroup_stats_free(&st);
    return line_of(&w, err);
}

static char *oom_line(const char *id, struct oj_err *err)
{
    struct jw w;
    jw_init(&w, false);
    jw_obj_begin(&w);
    jw_kstr(&w, "type", "oom");
    jw_kstr(&w, "id", id);
    jw_obj_end(&w);
    return line_of(&w, err);
}

/* The state and cgroup of `id`; stopped: whether a stopped container will do. */
static int open_cgroup(const char *root, const char *id, bool stopped, struct oj_state **st,
                       struct oj_cgroup **cg, struct oj_err *err)
{
    if (oj_state_load(root, id, st, err) < 0)
        return -1;
    enum oj_status s = oj_state_status(*st);
    if (s == OJ_STATUS_CREATING || (s == OJ_STATUS_STOPPED && !stopped))
        return oj_fail(err, 0, "container \"%s\" is %s", id, oj_status_name(s));
    return oj_state_cgroup(*st, cg, err);
}

OJRUN_API char *ojrun_container_stats(ojrun_context *ctx, const char *id, ojrun_error *err)
{
    struct oj_err e = {0};
    _cleanup_state_ struct oj_state *st = NULL;
    struct oj_cgroup *cg = NULL;
    char *line = NULL;
    if (open_cgroup(ctx->root, id, true, &st, &cg, &e) == 0)
        line = stats_line(cg, id, &e);
    oj_cgroup_free(cg);
    if (!line)
        oj_api_error_from(err, &e);
    return line;
}

/* A pidfd (pidfd_open(2)) of the init: readable once it has exited, so the
 * stream ends at once rather than at the next tick.  Opened first and then
 * checked against the recorded start time, so a recycled PID is never
 * watched.  -1 when unavailable (the status is then checked each tick). */
static int open_init_pidfd(const struct oj_state *st)
{
    int fd = (int)syscall(SYS_pidfd_open, st->pid, 0);
    if (fd < 0)
        return -1;
    if (!oj_pid_alive(st->pid, st->pid_start_time)) {
        close(fd);
        return -1;
    }
    return fd;
}

OJRUN_API ojrun_events *ojrun_events_open(ojrun_context *ctx, const char *id, uint64_t interval_ns,
                                          ojrun_error *err)
{
    struct oj_err e = {0};
    ojrun_events *ev = calloc(1, sizeof(*ev));
    if (!ev || !(ev->root = strdup(ctx->root))) {
        free(ev);
        oj_fail(&e, ENOMEM, "events %s", id);
        oj_api_error_from(err, &e);
        return NULL;
    }
    ev->pidfd = -1;
    if (interval_ns == 0 || open_cgroup(ctx->root, id, false, &ev->st, &ev->cg, &e) < 0) {
        if (interval_ns == 0)
            oj_fail(&e, EINVAL, "the interval must be greater than 0");
        ojrun_events_free(ev);
        oj_api_error_from(err, &e);
        return NULL;
    }
    ev->interval_ns = interval_ns;
    ev->pidfd = open_init_pidfd(ev->st);
    if (oj_cgroup_oom_open(ev->cg, &ev->oom, &e) < 0) {
        if (e.code == ENOENT)
            oj_debug("events %s: %s; statistics only", id, e.msg);
        else
            oj_warn("events %s: %s; statistics only", id, e.msg);
        ev->oom = NULL;
    }
    ev->next_ns = now_ns();
    return ev;
}

/* Is the container still there and not stopped? */
static bool still_running(const ojrun_events *ev)
{
    struct oj_err err = {0};
    _cleanup_state_ struct oj_state *st = NULL;
    if (oj_state_load(ev->root, ev->st->id, &st, &err) < 0)
        return false;
    return oj_state_status(st) != OJ_STATUS_STOPPED;
}

/* Count new OOM events; false when the watch ended (cgroup gone). */
static bool check_oom(ojrun_events *ev)
{
    if (!ev->oom)
        return true;
    uint64_t n = 0;
    struct oj_err err = {0};
    if (oj_cgroup_oom_read(ev->oom, &n, &err) < 0) {
        if (err.code != ENOENT)
            oj_warn("events %s: %s", ev->st->id, err.msg);
        oj_cgroup_oom_close(ev->oom);
        ev->oom = NULL;
        return false;
    }
    ev->pending += n;
    return true;
}

OJRUN_API int ojrun_events_next(ojrun_events *ev, char **line, ojrun_error *err)
{
    const char *id = ev->st->id;
    struct oj_err e = {0};
    for (;;) {
        if (ev->pending > 0) {
            ev->pending--;
            if (!(*line = oom_line(id, &e)))
                goto fail;
            return 1;
        }
        if (ev->done)
            return 0;
        uint64_t now = now_ns();
        if (now >= ev->next_ns) {
            if (!still_running(ev)) {
                check_oom(ev); /* an OOM kill may be what stopped it */
                ev->done = true;
                continue;
            }
            ev->next_ns += ev->interval_ns;
            if (ev->next_ns <= now) /* we fell behind (a stopped reader...): skip ticks */
                ev->next_ns = now + ev->interval_ns;
            struct oj_err serr = {0};
            if ((*line = stats_line(ev->cg, id, &serr)))
                return 1;
            if (serr.code == ENOMEM) {
                e = serr;
                goto fail;
            }
            if (!still_running(ev))
                ev->done = true;
            else
                oj_warn("events %s: %s", id, serr.msg);
            continue;
        }
        uint64_t wait_ms = (ev->next_ns - now + 999999) / 1000000;
        struct pollfd p[2] = {
            {.fd = ev->oom ? oj_cgroup_oom_fd(ev->oom) : -1, .events = POLLIN},
            {.fd = ev->pidfd, .events = POLLIN},
        };
        int r = poll(p, 2, wait_ms > 60000 ? 60000 : (int)wait_ms);
        if (r < 0 && errno != EINTR) {
            oj_fail(&e, errno, "poll");
            goto fail;
        }
        if (r > 0 && (p[1].revents & POLLIN)) {
            /* the init has exited: report what the OOM killer did, and stop */
            check_oom(ev);
            ev->done = true;
            continue;
        }
        if (r > 0) {
            /* the watch ended: the cgroup is gone, the container deleted */
            if (!check_oom(ev) && !still_running(ev)) {
                ev->done = true;
                continue;
            }
            if (!still_running(ev)) {
                /* the OOM killer took the init: report the rest and stop */
                check_oom(ev);
                ev->done = true;
            }
        }
    }
fail:
    oj_api_error_from(err, &e);
    return -1;
}

OJRUN_API void ojrun_events_free(ojrun_events *ev)
{
    if (!ev)
        return;
    oj_cgroup_oom_close(ev->oom);
    oj_cgroup_free(ev->cg);
    oj_state_free(ev->st);
    if (ev->pidfd >= 0)
        close(ev->pidfd);
    free(ev->root);
    free(ev);
}
