/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OOM notifications for `ojrun events`.
 *
 * cgroup v1 (Documentation/admin-guide/cgroup-v1/memory.rst, "OOM Control"):
 * an eventfd is registered on memory.oom_control by writing
 * "<eventfd> <fd of memory.oom_control>" to cgroup.event_control; the
 * kernel then signals the eventfd each time the cgroup is under OOM (and
 * once more when the cgroup is removed).  The "oom_kill" key of
 * memory.oom_control counts the processes the OOM killer chose (4.13+).
 *
 * cgroup v2 (cgroup-v2.rst, memory.events): the file's "oom" and
 * "oom_kill" counters change, and the kernel raises a file-modified
 * notification for it, which inotify(7) reports as IN_MODIFY.
 *
 * In both cases the fd only says "look now"; the counters say how many
 * OOM events happened, so a notification missed while nobody polled is
 * still counted on the next look.  This is what runc does too (its
 * notify_v1 eventfd and notify_v2 inotify watchers).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "cgroup_internal.h"
#include "cleanup.h"
#include "log.h"
#include "util.h"

struct oj_cgroup_oom {
    bool v2;
    int fd;        /* eventfd (v1) or inotify fd (v2) */
    char *dir;     /* the memory cgroup directory */
    uint64_t oom;  /* v2 "oom" last seen */
    uint64_t kill; /* "oom_kill" last seen */
};

/* Read the counters: v1 oom_kill (and oom_kill_disable) of
 * memory.oom_control; v2 oom and oom_kill of memory.events.  A missing key
 * reads as 0 (older kernels). */
static int read_counters(const struct oj_cgroup_oom *w, uint64_t *oom, uint64_t *kill,
                         bool *killer_disabled, struct oj_err *err)
{
    _cleanup_free_ char *text = NULL;
    if (oj_cg_read(w->dir, w->v2 ? "memory.events" : "memory.oom_control", &text, err) < 0)
        return -1;
    uint64_t disabled = 0;
    *oom = *kill = 0;
    if (w->v2)
        oj_cg_kv(text, "oom", oom);
    else
        oj_cg_kv(text, "oom_kill_disable", &disabled);
    oj_cg_kv(text, "oom_kill", kill);
    *killer_disabled = disabled != 0;
    return 0;
}

static int watch_v1(struct oj_cgroup_oom *w, struct oj_err *err)
{
    w->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (w->fd < 0)
        return oj_fail(err, errno, "eventfd");
    char path[4096];
    snprintf(path, sizeof(path), "%s/memory.oom_control", w->dir);
    /* The registration holds its own references: the file can be closed
     * once it is written (memcg_write_event_control). */
    _cleanup_close_ int ofd = open(path, O_RDONLY | O_CLOEXEC);
    if (ofd < 0)
        return oj_fail(err, errno, "open %s", path);
    char line[64];
    snprintf(line, sizeof(line), "%d %d", w->fd, ofd);
    snprintf(path, sizeof(path), "%s/cgroup.event_control", w->dir);
    if (oj_write_file(path, line, strlen(line), err) < 0)
        return oj_wrap(err, "register an OOM eventfd");
    return 0;
}

static int watch_v2(struct oj_cgroup_oom *w, struct oj_err *err)
{
    w->fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (w->fd < 0)
        return oj_fail(err, errno, "inotify_init1");
    char path[4096];
    snprintf(path, sizeof(path), "%s/memory.events", w->dir);
    if (inotify_add_watch(w->fd, path, IN_MODIFY) < 0)
        return oj_fail(err, errno, "watch %s", path);
    return 0;
}

int oj_cgroup_oom_open(struct oj_cgroup *cg, struct oj_cgroup_oom **out, struct oj_err *err)
{
    struct oj_cg_dir *d = oj_cg_v1_dir(cg, "memory");
    bool v2 = false;
    if (!d) {
        d = oj_cg_v2_dir(cg);
        if (!d || !oj_cg_exists(d->path, "memory.events"))
            return oj_fail(err, ENOENT, "watch for OOM: the container has no memory cgroup");
        v2 = true;
    }
    struct oj_cgroup_oom *w = calloc(1, sizeof(*w));
    if (!w || !(w->dir = strdup(d->path))) {
        free(w);
        return oj_fail(err, ENOMEM, "watch for OOM");
    }
    w->v2 = v2;
    w->fd = -1;
    bool disabled;
    if ((v2 ? watch_v2(w, err) : watch_v1(w, err)) < 0 ||
        read_counters(w, &w->oom, &w->kill, &disabled, err) < 0) {
        oj_cgroup_oom_close(w);
        return -1;
    }
    *out = w;
    return 0;
}

int oj_cgroup_oom_fd(const struct oj_cgroup_oom *w)
{
    return w->fd;
}

int oj_cgroup_oom_read(struct oj_cgroup_oom *w, uint64_t *n, struct oj_err *err)
{
    *n = 0;
    /* drain the fd first: a notification arriving after the counters are
     * read below then wakes the next poll instead of being lost */
    uint64_t signalled = 0;
    if (w->v2) {
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
        while (read(w->fd, buf, sizeof(buf)) > 0)
            ;
    } else {
        uint64_t v;
        while (read(w->fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
            signalled += v;
    }
    uint64_t oom, kill;
    bool disabled;
    if (read_counters(w, &oom, &kill, &disabled, err) < 0)
        return -1; /* ENOENT: the cgroup is gone (the container was deleted) */
    /* One event per process the OOM killer took.  The kernel counts the
     * kill before it sends SIGKILL (__oom_kill_process), so a victim that
     * is seen dead is already counted.  The eventfd and "oom" counts are no
     * measure: v1 signals more than once for one OOM (from the charge and
     * the page-fault path), and both fire before the kill is counted.
     * Only with the OOM killer disabled (v1 memory.oom_control, OCI
     * disableOOMKiller), where tasks wait for memory instead of dying, is
     * a wake-up one event. */
    uint64_t d_kill = kill > w->kill ? kill - w->kill : 0;
    uint64_t d_oom = w->v2 ? (oom > w->oom ? oom - w->oom : 0) : signalled;
    *n = d_kill ? d_kill : (disabled && d_oom) ? 1 : 0;
    w->oom = oom;
    w->kill = kill;
    if (*n)
        oj_debug("OOM in %s: %" PRIu64 " event(s), oom_kill %" PRIu64, w->dir, *n, kill);
    return 0;
}

void oj_cgroup_oom_close(struct oj_cgroup_oom *w)
{
    if (!w)
        return;
    if (w->fd >= 0)
        close(w->fd);
    free(w->dir);
    free(w);
}
