/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The verdict and the result document of a judge task
 * (specs/shim-protocol.md), and the two ways it leaves the supervisor:
 * <root>/<id>/result.json and one line on a unix stream socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "signals.h"
#include "supervise.h"
#include "util.h"

const char *oj_verdict_name(enum oj_verdict v)
{
    static const char *const names[] = {"OK", "RE", "SG", "TLE", "WLE", "MLE", "OLE", "SE"};
    return (unsigned)v < OJ_ARRAY_SIZE(names) ? names[v] : "SE";
}

static void set_error(struct oj_result *r, const char *msg)
{
    r->verdict = OJ_VERDICT_SE;
    snprintf(r->error, sizeof(r->error), "%s", msg);
}

/* The precedence (specs/shim-protocol.md, "Verdicts"): a limit the
 * supervisor enforced itself fired before the program died, so it wins --
 * unless the memory limit had fired before it ("Racing limits"); then what the kernel did to the
 * program (OOM kill, SIGXFSZ, SIGXCPU, RLIMIT_CPU's SIGKILL); then a limit found exceeded at the
 * end (the program finished between two checks); then the program's own ending. */
void oj_verdict_decide(const struct oj_outcome *o, struct oj_result *r)
{
    r->has_exit_code = false;
    r->exit_code = 0;
    r->signal = 0;
    r->error[0] = '\0';
    r->oom_killed = o->oom_kills > 0;
    r->memory_limit_hit = o->memory_limit_hit || o->memory_fired;
    if (o->have_status) {
        if (WIFEXITED(o->status)) {
            r->has_exit_code = true;
            r->exit_code = WEXITSTATUS(o->status);
        } else if (WIFSIGNALED(o->status)) {
            r->signal = WTERMSIG(o->status);
        }
    } else if (o->started && (o->fired != OJ_FIRED_NONE || o->oom_kills > 0)) {
        r->signal = SIGKILL; /* killed with the whole cgroup, or by the OOM killer */
    }

    bool cpu_over = r->limits.cpu_ms.set && r->cpu_us > r->limits.cpu_ms.v * 1000;
    bool wall_over = r->limits.wall_ms.set && r->wall_us > r->limits.wall_ms.v * 1000;
    bool cpu_reached = r->limits.cpu_ms.set && r->cpu_us >= r->limits.cpu_ms.v * 1000;

    if (o->error && *o->error)
        return set_error(r, o->error);
    if (!o->started)
        return set_error(r, "the container init exited before the program was started");
    if (o->fired != OJ_FIRED_NONE && o->memory_fired) {
        /* the kernel was already refusing the task memory, with nothing
         * left to reclaim, when the timer fired: the OOM killer was on its
         * way, slowed down by the cost of faulting the memory in */
        r->verdict = OJ_VERDICT_MLE;
        return;
    }
    if (o->fired == OJ_FIRED_CPU) {
        r->verdict = OJ_VERDICT_TLE;
        return;
    }
    if (o->fired == OJ_FIRED_WALL) {
        r->verdict = OJ_VERDICT_WLE;
        return;
    }
    if (o->oom_kills > 0) {
        r->verdict = OJ_VERDICT_MLE;
        return;
    }
    if (!o->have_status)
        return set_error(r, "the container init died before reporting the program's status");
    if (r->signal == SIGXFSZ) {
        r->verdict = OJ_VERDICT_OLE;
        return;
    }
    if (r->signal == SIGXCPU || (r->signal == SIGKILL && cpu_reached)) {
        r->verdict = OJ_VERDICT_TLE; /* RLIMIT_CPU: soft SIGXCPU, hard SIGKILL */
        return;
    }
    if (cpu_over) {
        r->verdict = OJ_VERDICT_TLE;
        return;
    }
    if (wall_over) {
        r->verdict = OJ_VERDICT_WLE;
        return;
    }
    bool ok_exit = r->has_exit_code && r->exit_code == 0;
    if (o->output_full && !ok_exit) {
        r->verdict = OJ_VERDICT_OLE; /* SIGXFSZ ignored: write() failed with EFBIG */
        return;
    }
    if (r->signal)
        r->verdict = OJ_VERDICT_SG;
    else
        r->verdict = ok_exit ? OJ_VERDICT_OK : OJ_VERDICT_RE;
}

static void kopt(struct jw *w, const char *key, oj_opt_u64 v)
{
    jw_key(w, key);
    if (v.set)
        jw_uint(w, v.v);
    else
        jw_null(w);
}

void oj_result_json(const char *id, const struct oj_result *r, struct strbuf *out)
{
    struct jw w;
    jw_init(&w, false);
    jw_obj_begin(&w);
    jw_kint(&w, "version", OJ_RESULT_VERSION);
    jw_kstr(&w, "id", id);
    jw_kstr(&w, "verdict", oj_verdict_name(r->verdict));
    jw_key(&w, "exit_code");
    if (r->has_exit_code)
        jw_int(&w, r->exit_code);
    else
        jw_null(&w);
    jw_key(&w, "signal");
    if (r->signal) {
        const char *name = oj_signal_name(r->signal);
        char buf[32];
        if (!name) {
            if (r->signal >= SIGRTMIN && r->signal <= SIGRTMAX)
                snprintf(buf, sizeof(buf), "SIGRTMIN+%d", r->signal - SIGRTMIN);
            else
                snprintf(buf, sizeof(buf), "SIG%d", r->signal);
            name = buf;
        }
        jw_str(&w, name);
    } else {
        jw_null(&w);
    }
    jw_kuint(&w, "cpu_us", r->cpu_us);
    jw_kuint(&w, "user_us", r->user_us);
    jw_kuint(&w, "sys_us", r->sys_us);
    jw_kuint(&w, "wall_us", r->wall_us);
    jw_kuint(&w, "memory_peak_bytes", r->memory_peak_bytes);
    jw_kbool(&w, "oom_killed", r->oom_killed);
    jw_kbool(&w, "memory_limit_hit", r->memory_limit_hit);
    jw_kuint(&w, "pids_peak", r->pids_peak);
    jw_key(&w, "limits");
    jw_obj_begin(&w);
    kopt(&w, "cpu_ms", r->limits.cpu_ms);
    kopt(&w, "wall_ms", r->limits.wall_ms);
    kopt(&w, "memory_bytes", r->limits.memory_bytes);
    kopt(&w, "output_bytes", r->limits.output_bytes);
    jw_obj_end(&w);
    jw_kstr(&w, "error", r->error[0] ? r->error : NULL);
    jw_obj_end(&w);
    sb_append(out, sb_str(&w.sb), w.sb.len);
    if (w.sb.oom)
        out->oom = true;
    sb_free(&w.sb);
}

int oj_result_write_file(int dirfd, const char *dir, const char *json, struct oj_err *err)
{
    if (dirfd < 0)
        return oj_fail(err, EBADF, "write result.json: no handle on the container directory %s",
                       dir);
    /* The container lock: `delete` holds it while it removes the directory,
     * so we either finish before it starts or find the directory gone. */
    while (flock(dirfd, LOCK_EX) < 0)
        if (errno != EINTR)
            return oj_fail(err, errno, "write result.json: lock the container directory %s", dir);
    int rc = -1;
    /* Only ever into <root>/<id> as create made it: a directory removed
     * (by `delete`, or by hand) or moved away is where no `wait` or
     * `state` will look, so writing there would lose the result silently. */
    struct stat here, there;
    if (fstat(dirfd, &here) < 0) {
        oj_fail(err, errno, "write result.json: stat the container directory %s", dir);
        goto out;
    }
    if (here.st_nlink == 0) {
        oj_fail(err, 0, "write result.json: the container directory %s was removed", dir);
        err->code = ENOENT;
        goto out;
    }
    if (stat(dir, &there) < 0 || there.st_dev != here.st_dev || there.st_ino != here.st_ino) {
        oj_fail(err, 0, "write result.json: the container directory %s was moved away or replaced",
                dir);
        err->code = ESTALE;
        goto out;
    }
    static const char tmp[] = "result.json.tmp";
    int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        oj_fail(err, errno,
                errno == ENOENT ? "write result.json: the container was deleted"
                                : "write result.json: create %s/%s",
                dir, tmp);
        goto out;
    }
    size_t len = strlen(json);
    bool ok = oj_write_all(fd, json, len) == (ssize_t)len && oj_write_all(fd, "\n", 1) == 1;
    int e = errno;
    if (close(fd) < 0 && ok) {
        ok = false;
        e = errno;
    }
    if (!ok) {
        oj_fail(err, e, "write result.json: write %s/%s", dir, tmp);
        unlinkat(dirfd, tmp, 0);
        goto out;
    }
    if (renameat(dirfd, tmp, dirfd, "result.json") < 0) {
        oj_fail(err, errno, "write result.json: rename %s/%s", dir, tmp);
        unlinkat(dirfd, tmp, 0);
        goto out;
    }
    rc = 0;
out:
    flock(dirfd, LOCK_UN); /* only a courtesy: the caller closes dirfd */
    return rc;
}

static int lock_state_file(const char *dir, int how, struct oj_err *err)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof(path), "%s/state.json", dir) >= (int)sizeof(path))
        return oj_fail(err, ENAMETOOLONG, "open %s/state.json", dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return oj_fail(err, errno, "open %s", path);
    while (flock(fd, how) < 0) {
        if (errno == EINTR)
            continue;
        int e = errno;
        close(fd);
        return oj_fail(err, e, "lock %s", path);
    }
    return fd;
}

int oj_result_lock_hold(const char *dir, struct oj_err *err)
{
    return lock_state_file(dir, LOCK_EX, err);
}

int oj_result_lock_wait(const char *dir, struct oj_err *err)
{
    int fd = lock_state_file(dir, LOCK_SH, err);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

int oj_result_send(const char *path, const char *json, struct oj_err *err)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(sa.sun_path))
        return oj_fail(err, ENAMETOOLONG, "result socket %s", path);
    strcpy(sa.sun_path, path);
    _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return oj_fail(err, errno, "result socket: socket");
    /* A listener that stopped accepting must not hold the supervisor (and so
     * the task's reaping) forever: connect(2) and write(2) on a unix stream
     * socket wait at most SO_SNDTIMEO. */
    struct timeval tv = {.tv_sec = 5};
    if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
        return oj_fail(err, errno, "result socket: SO_SNDTIMEO");
    int r;
    do
        r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return oj_fail(err, errno, "result socket: connect to %s", path);
    struct strbuf line = {0};
    sb_puts(&line, json);
    sb_append(&line, "\n", 1);
    for (size_t off = 0; off < line.len;) {
        ssize_t w = send(fd, line.s + off, line.len - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            sb_free(&line);
            return oj_fail(err, errno, "result socket: write to %s", path);
        }
        off += (size_t)w;
    }
    sb_free(&line);
    return 0;
}
