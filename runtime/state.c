/* SPDX-License-Identifier: Apache-2.0 */
#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "json.h"
#include "log.h"
#include "util.h"
#include "version.h"

const char *oj_status_name(enum oj_status s)
{
    switch (s) {
    case OJ_STATUS_CREATING: return "creating";
    case OJ_STATUS_CREATED: return "created";
    case OJ_STATUS_RUNNING: return "running";
    case OJ_STATUS_PAUSED: return "paused";
    case OJ_STATUS_STOPPED: return "stopped";
    }
    return "unknown";
}

void oj_state_free(struct oj_state *st)
{
    if (!st)
        return;
    free(st->id);
    free(st->dir);
    free(st->bundle);
    free(st->rootfs);
    free(st->created);
    free(st->result_json);
    for (size_t i = 0; i < st->n_annotations; i++) {
        free(st->annotations[i].key);
        free(st->annotations[i].value);
    }
    free(st->annotations);
    free(st);
}

int oj_state_dir(const char *root, const char *id, char **out, struct oj_err *err)
{
    if (oj_validate_id(id, err) < 0)
        return -1;
    if (asprintf(out, "%s/%s", root, id) < 0)
        return oj_fail(err, ENOMEM, "state directory");
    return 0;
}

uint64_t oj_pid_start_time(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    /* comm (field 2) may contain spaces and ')': fields resume after the last ')' */
    char *p = strrchr(buf, ')');
    if (!p)
        return 0;
    p += 2; /* now at field 3, the state */
    for (int field = 3; field < 22; field++) {
        p = strchr(p, ' ');
        if (!p)
            return 0;
        p++;
    }
    return strtoull(p, NULL, 10);
}

/* Alive means: the PID exists, is the same process (start time matches, so
 * not a recycled PID) and is not a zombie waiting for its parent. */
bool oj_pid_alive(pid_t pid, uint64_t start_time)
{
    if (pid <= 0)
        return false;
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    if (n <= 0)
        return false;
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p || p[1] != ' ')
        return false;
    char state = p[2];
    if (state == 'Z' || state == 'X' || state == 'x')
        return false;
    return start_time == 0 || oj_pid_start_time(pid) == start_time;
}

static bool is_frozen(const struct oj_state *st);

enum oj_status oj_state_status(const struct oj_state *st)
{
    if (!st->has_state_file)
        return OJ_STATUS_CREATING;
    if (!oj_pid_alive(st->pid, st->pid_start_time))
        return OJ_STATUS_STOPPED;
    char fifo[PATH_MAX];
    snprintf(fifo, sizeof(fifo), "%s/exec.fifo", st->dir);
    if (access(fifo, F_OK) == 0)
        return OJ_STATUS_CREATED;
    if (is_frozen(st))
        return OJ_STATUS_PAUSED;
    return OJ_STATUS_RUNNING;
}

/* The freezer lives with the cgroup code; a marker file written by `pause`
 * and removed by `resume` keeps this module free of cgroup knowledge. */
static bool is_frozen(const struct oj_state *st)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/paused", st->dir);
    return access(path, F_OK) == 0;
}

void oj_rfc3339_now(char *buf, size_t len)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec);
}

/* State file layout: the OCI state plus an "ojrun" object for our own fields. */
int oj_state_save(const struct oj_state *st, struct oj_err *err)
{
    struct jw w;
    jw_init(&w, false);
    jw_obj_begin(&w);
    jw_kstr(&w, "ociVersion", OJRUN_OCI_SPEC_VERSION);
    jw_kstr(&w, "id", st->id);
    /* The status at the time of writing; readers derive the live one. */
    jw_kstr(&w, "status", "created");
    jw_kint(&w, "pid", st->pid);
    jw_kstr(&w, "bundle", st->bundle);
    jw_kstr(&w, "rootfs", st->rootfs);
    jw_kstr(&w, "created", st->created);
    jw_kint(&w, "owner", st->owner);
    jw_key(&w, "annotations");
    jw_obj_begin(&w);
    for (size_t i = 0; i < st->n_annotations; i++)
        jw_kstr(&w, st->annotations[i].key, st->annotations[i].value);
    jw_obj_end(&w);
    jw_key(&w, "ojrun");
    jw_obj_begin(&w);
    jw_kuint(&w, "pidStartTime", st->pid_start_time);
    jw_kbool(&w, "shim", st->shim);
    if (st->shim) {
        jw_kint(&w, "shimPid", st->shim_pid);
        jw_kuint(&w, "shimStartTime", st->shim_start_time);
    }
    if (st->has_summary) {
        jw_kbool(&w, "process", st->has_process);
        jw_kuint(&w, "poststartHooks", st->n_poststart);
        jw_kuint(&w, "poststopHooks", st->n_poststop);
    }
    jw_obj_end(&w);
    jw_obj_end(&w);
    sb_append(&w.sb, "\n", 1);
    if (jw_check(&w, "write state", err) < 0) {
        sb_free(&w.sb);
        return -1;
    }
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/state.json", st->dir);
    int r = oj_write_file_atomic(path, w.sb.s, w.sb.len, 0600, err);
    sb_free(&w.sb);
    return r;
}

static char *dup_str(const oj_json *v)
{
    const char *s;
    return oj_json_str(v, &s) ? strdup(s) : NULL;
}

/* result.json, written atomically by the supervisor (result.c), kept as
 * text: `state` embeds it as is.  One that does not parse is left out (and
 * logged) rather than failing the load: `delete` must still work. */
static void load_result(struct oj_state *st)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/result.json", st->dir);
    _cleanup_free_ char *data = NULL;
    size_t len = 0;
    struct oj_err err;
    if (oj_read_file(path, 1 << 16, &data, &len, &err) < 0) {
        if (err.code != ENOENT)
            oj_debug("container \"%s\": %s", st->id, err.msg);
        return;
    }
    oj_json *doc = oj_json_parse(data, len, "result.json", &err);
    bool obj = doc && oj_json_is_object(doc);
    oj_json_free(doc);
    if (!obj) {
        oj_debug("container \"%s\": result.json ignored: %s", st->id,
                 doc ? "not an object" : err.msg);
        return;
    }
    while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == ' '))
        data[--len] = '\0';
    st->result_json = oj_steal_ptr(&data);
}

int oj_state_load(const char *root, const char *id, struct oj_state **out, struct oj_err *err)
{
    _cleanup_state_ struct oj_state *st = calloc(1, sizeof(*st));
    if (!st)
        return oj_fail(err, ENOMEM, "load state");
    if (oj_state_dir(root, id, &st->dir, err) < 0)
        return -1;
    st->id = strdup(id);
    struct stat sb;
    if (lstat(st->dir, &sb) < 0 || !S_ISDIR(sb.st_mode))
        return oj_fail(err, 0, "container \"%s\" does not exist", id), err->code = ENOENT, -1;

    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/state.json", st->dir);
    _cleanup_free_ char *data = NULL;
    size_t len = 0;
    struct oj_err rerr;
    if (oj_read_file(path, 1 << 20, &data, &len, &rerr) < 0) {
        if (rerr.code != ENOENT)
            return oj_fail(err, rerr.code, "container \"%s\": read state.json", id);
        /* `create` has not finished (or died half-way): status "creating". */
        *out = oj_steal_ptr(&st);
        return 0;
    }
    oj_json *doc = oj_json_parse(data, len, "state.json", err);
    if (!doc)
        return oj_wrap(err, "container \"%s\"", id);
    int64_t pid = 0, owner = 0, pst = 0;
    const oj_json *oj = oj_json_get(doc, "ojrun");
    bool ok = oj_json_i64(oj_json_get(doc, "pid"), &pid) && pid > 0 && pid <= INT32_MAX &&
              oj_json_i64(oj_json_get(oj, "pidStartTime"), &pst);
    oj_json_i64(oj_json_get(doc, "owner"), &owner);
    st->bundle = dup_str(oj_json_get(doc, "bundle"));
    st->rootfs = dup_str(oj_json_get(doc, "rootfs"));
    st->created = dup_str(oj_json_get(doc, "created"));
    oj_json_bool(oj_json_get(oj, "shim"), &st->shim);
    int64_t shim_pid = 0, shim_start = 0;
    if (st->shim && oj_json_i64(oj_json_get(oj, "shimPid"), &shim_pid) && shim_pid > 0 &&
        shim_pid <= INT32_MAX && oj_json_i64(oj_json_get(oj, "shimStartTime"), &shim_start)) {
        st->shim_pid = (pid_t)shim_pid;
        st->shim_start_time = (uint64_t)shim_start;
    }
    int64_t n_poststart = 0, n_poststop = 0;
    if (oj_json_bool(oj_json_get(oj, "process"), &st->has_process) &&
        oj_json_i64(oj_json_get(oj, "poststartHooks"), &n_poststart) && n_poststart >= 0 &&
        oj_json_i64(oj_json_get(oj, "poststopHooks"), &n_poststop) && n_poststop >= 0) {
        st->has_summary = true;
        st->n_poststart = (size_t)n_poststart;
        st->n_poststop = (size_t)n_poststop;
    }
    const oj_json *ann = oj_json_get(doc, "annotations");
    size_t n = oj_json_len(ann);
    if (n && oj_json_is_object(ann)) {
        st->annotations = calloc(n, sizeof(*st->annotations));
        for (size_t i = 0; st->annotations && i < n; i++) {
            const char *v = "";
            oj_json_str(oj_json_val_at(ann, i), &v);
            st->annotations[i].key = strdup(oj_json_key_at(ann, i));
            st->annotations[i].value = strdup(v);
            st->n_annotations++;
        }
    }
    oj_json_free(doc);
    if (!ok || !st->bundle)
        return oj_fail(err, 0, "container \"%s\": state.json: missing or invalid fields", id);
    st->pid = (pid_t)pid;
    st->pid_start_time = (uint64_t)pst;
    st->owner = (uid_t)owner;
    st->has_state_file = true;
    load_result(st);
    *out = oj_steal_ptr(&st);
    return 0;
}

int oj_state_json(const struct oj_state *st, enum oj_status status, bool pretty,
                  struct strbuf *out, struct oj_err *err)
{
    struct jw w;
    jw_init(&w, pretty);
    jw_obj_begin(&w);
    jw_kstr(&w, "ociVersion", OJRUN_OCI_SPEC_VERSION);
    jw_kstr(&w, "id", st->id);
    /* runtime.md: pid is REQUIRED when status is created or running; runc
     * and crun print 0 once the container has stopped. */
    jw_kint(&w, "pid", status == OJ_STATUS_STOPPED ? 0 : st->pid);
    jw_kstr(&w, "status", oj_status_name(status));
    jw_kstr(&w, "bundle", st->bundle ? st->bundle : "");
    jw_kstr(&w, "rootfs", st->rootfs ? st->rootfs : "");
    jw_kstr(&w, "created", st->created ? st->created : "");
    jw_kstr(&w, "owner", "");
    jw_key(&w, "annotations");
    jw_obj_begin(&w);
    for (size_t i = 0; i < st->n_annotations; i++)
        jw_kstr(&w, st->annotations[i].key, st->annotations[i].value);
    jw_obj_end(&w);
    /* ojrun's addition (shim-protocol.md): the task's result once it has
     * stopped.  The spec's state allows further properties. */
    if (status == OJ_STATUS_STOPPED && st->result_json) {
        jw_key(&w, "result");
        jw_raw(&w, st->result_json);
    }
    jw_obj_end(&w);
    if (jw_check(&w, "state JSON", err) < 0) {
        sb_free(&w.sb);
        return -1;
    }
    sb_append(out, w.sb.s, w.sb.len);
    sb_free(&w.sb);
    return 0;
}

int oj_state_lock(const char *dir, struct oj_err *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return oj_fail(err, errno, "open %s", dir);
    while (flock(fd, LOCK_EX) < 0) {
        if (errno == EINTR)
            continue;
        int e = errno;
        close(fd);
        return oj_fail(err, e, "lock %s", dir);
    }
    return fd;
}

int oj_state_lock_container(const char *dir, const char *id, struct oj_err *err)
{
    int fd = oj_state_lock(dir, err);
    if (fd < 0 && err->code == ENOENT) {
        oj_fail(err, 0, "container \"%s\" does not exist", id);
        err->code = ENOENT;
    }
    return fd;
}

int oj_state_load_locked(const char *root, const char *id, struct oj_state **out,
                         struct oj_err *err)
{
    /* The first load checks the id and finds the directory to lock. */
    struct oj_state *first = NULL;
    if (oj_state_load(root, id, &first, err) < 0)
        return -1;
    int lock = oj_state_lock_container(first->dir, id, err);
    oj_state_free(first);
    if (lock < 0)
        return -1;
    if (oj_state_load(root, id, out, err) < 0) {
        close(lock);
        return -1;
    }
    return lock;
}

int oj_state_remove(const char *dir, struct oj_err *err)
{
    _cleanup_closedir_ DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT)
            return 0;
        return oj_fail(err, errno, "open %s", dir);
    }
    int dfd = dirfd(d);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        /* Everything ojrun puts in a container directory is a plain file,
         * fifo or socket: never recurse (a hostile symlink would be unlinked,
         * not followed). */
        if (unlinkat(dfd, de->d_name, 0) < 0 && errno != ENOENT)
            return oj_fail(err, errno, "remove %s/%s", dir, de->d_name);
    }
    if (rmdir(dir) < 0 && errno != ENOENT)
        return oj_fail(err, errno, "remove %s", dir);
    return 0;
}
