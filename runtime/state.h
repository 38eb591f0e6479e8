/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-container state on disk, under --root (default /run/ojrun):
 *
 *   <root>/<id>/              the container directory; flock()ed by commands
 *                             that change the container (create, start, delete)
 *   <root>/<id>/state.json    OCI state fields + what ojrun needs (written
 *                             atomically once the init exists, never
 *                             replaced; a shim flock()s it until the result
 *                             exists, see oj_result_lock_hold())
 *   <root>/<id>/config.json   the config as create read it (hooks, annotations
 *                             and exec defaults must not change under us if
 *                             the bundle is edited or removed)
 *   <root>/<id>/exec.fifo     present between create and start: the init
 *                             blocks reading it (see init.c)
 *   <root>/<id>/cgroup        the container's cgroup directories (cgroup.c)
 *
 * The status is never stored: it is derived each time from the init's
 * process (alive? same start time, i.e. not a recycled PID?), the fifo
 * (created vs running) and the freezer (paused).
 */
#ifndef OJRUN_STATE_H
#define OJRUN_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "error.h"
#include "strbuf.h"

enum oj_status {
    OJ_STATUS_CREATING,
    OJ_STATUS_CREATED,
    OJ_STATUS_RUNNING,
    OJ_STATUS_PAUSED,
    OJ_STATUS_STOPPED,
};

const char *oj_status_name(enum oj_status s);

struct oj_state {
    char *id;
    char *dir;    /* <root>/<id> */
    pid_t pid;    /* the container init's host PID, 0 while creating */
    uint64_t pid_start_time; /* field 22 of /proc/<pid>/stat, detects PID reuse */
    char *bundle; /* absolute */
    char *rootfs; /* absolute */
    char *created; /* RFC 3339, UTC */
    uid_t owner;
    bool has_state_file; /* false while `create` is still in progress (or died) */
    bool shim;           /* a per-task ojrun-shim supervises it */
    pid_t shim_pid;      /* the shim, with its start time (PID reuse) */
    uint64_t shim_start_time;
    char *result_json;   /* <dir>/result.json as the supervisor wrote it, NULL until then */
    /* What start and delete need from config.json, recorded by create so
     * that they read and parse the file (0.2-0.8 ms for a judge bundle)
     * only when it has hooks for them (specs/performance.md).  Without
     * `has_summary` (a state.json from an older ojrun) they parse it. */
    bool has_summary;
    bool has_process;       /* config.json has a process */
    size_t n_poststart;     /* hooks.poststart entries */
    size_t n_poststop;      /* hooks.poststop entries */
    struct oj_kv *annotations; /* copied from config.json at create */
    size_t n_annotations;
};

void oj_state_free(struct oj_state *st);
static inline void oj_state_freep(struct oj_state **st)
{
    if (*st)
        oj_state_free(*st);
}
#define _cleanup_state_ __attribute__((cleanup(oj_state_freep)))

/* "<root>/<id>" after validating the id. */
int oj_state_dir(const char *root, const char *id, char **out, struct oj_err *err);

/* Load the container `id`.  A missing directory is ENOENT with the message
 * "container \"<id>\" does not exist" (commands test err->code == ENOENT). */
int oj_state_load(const char *root, const char *id, struct oj_state **out, struct oj_err *err);

/* Write <dir>/state.json atomically. */
int oj_state_save(const struct oj_state *st, struct oj_err *err);

/* The live status. */
enum oj_status oj_state_status(const struct oj_state *st);

/* Is the init (pid, start time) still alive and not a zombie? */
bool oj_pid_alive(pid_t pid, uint64_t start_time);

/* Read the start time (field 22) of /proc/<pid>/stat; 0 on failure. */
uint64_t oj_pid_start_time(pid_t pid);

/* The OCI state JSON (runtime.md "State") that `state` prints and hooks get
 * on stdin.  Annotations come from the stored config.json.  A stopped
 * container with a result (specs/shim-protocol.md) also has "result". */
int oj_state_json(const struct oj_state *st, enum oj_status status, bool pretty,
                  struct strbuf *out, struct oj_err *err);

/* Take an exclusive flock on the container directory; returns the fd. */
int oj_state_lock(const char *dir, struct oj_err *err);

/* oj_state_lock() of container `id`'s directory `dir`: a directory a
 * concurrent delete removed is ENOENT with "container \"<id>\" does not
 * exist", as if it had never been there. */
int oj_state_lock_container(const char *dir, const char *id, struct oj_err *err);

/* Load container `id` and lock it; returns the lock fd and stores the
 * state loaded *under* the lock in *out (a create may have finished, or a
 * delete won the race, between a first look and the lock).  Commands that
 * change a container (start, pause, resume, update, exec) begin here. */
int oj_state_load_locked(const char *root, const char *id, struct oj_state **out,
                         struct oj_err *err);

/* rm -rf the container directory (only what ojrun puts there). */
int oj_state_remove(const char *dir, struct oj_err *err);

/* The current time in RFC 3339 with nanoseconds, as runc writes "created". */
void oj_rfc3339_now(char *buf, size_t len);

#endif
