/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libojrun: the public API of the ojrun container runtime.
 *
 * This is the only header a client includes; it includes no other header
 * of the project.  Link with `pkg-config --cflags --libs libojrun`
 * (libojrun.so) or `pkg-config --static --libs libojrun` (libojrun.a).
 * The `ojrun` command is itself a client of this API for every verb:
 * create, start, run, kill, delete, state, list, pause, resume, exec,
 * update, ps, events, wait, features and spec.
 *
 * Contents
 *   1. Errors        ojrun_error: errno + one-line message, filled by every call
 *   2. Context       ojrun_context: state root, log file/fd and format, debug sink
 *   3. Configs       ojrun_config: a bundle directory or config.json text in memory;
 *                    ojrun_spec_write(): the default config.json;
 *                    ojrun_judge_write_bundle(): a judge-template bundle;
 *                    ojrun_features_json(): what a config may hold
 *   4. Containers    create / start / kill / delete / state, as the OCI verbs;
 *                    run (create + start, one parse);
 *                    pause / resume; exec; the PIDs of a container; update;
 *                    list; statistics and OOM events
 *   5. Results       ojrun_result: what result.json holds; verdict names, JSON;
 *                    ojrun_container_wait(): a shim's result line
 *   6. Judged tasks  ojrun_task_spawn(): one supervised task per call, a pollable
 *                    fd, ojrun_task_collect() without blocking; ojrun_task_run()
 *                    for one task in the calling process
 *   7. Rules         threads, file descriptors, signals, children
 *
 * Conventions: every function that can fail returns -1 (or NULL) and fills
 * its last argument, `ojrun_error *err` (which may be NULL), and has no
 * other effect on failure.  The library never prints (except through the
 * log the context was given), never calls exit(), and leaves the caller's
 * signal dispositions and mask as they were.
 */
#ifndef LIBOJRUN_H
#define LIBOJRUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define OJRUN_API __attribute__((visibility("default")))
#else
#define OJRUN_API
#endif

/* ---- 1. Errors ---------------------------------------------------------------- */

#define OJRUN_ERROR_MAX 1024

/* `code` is the errno of the failing system call, or 0 when the error is
 * not from one (a bad config field).  `message` is one line, lower case,
 * naming what was being done and on what:
 * "config.json: linux.namespaces[3].type: unknown namespace \"nett\"". */
typedef struct ojrun_error {
    int code;
    char message[OJRUN_ERROR_MAX];
} ojrun_error;

/* ---- 2. Context --------------------------------------------------------------- */

typedef struct ojrun_context ojrun_context;

enum ojrun_log_level { OJRUN_LOG_DEBUG, OJRUN_LOG_INFO, OJRUN_LOG_WARN, OJRUN_LOG_ERROR };
enum ojrun_log_format { OJRUN_LOG_TEXT, OJRUN_LOG_JSON };

/* A debug/trace sink: called once per log record (debug records only after
 * ojrun_context_set_debug(ctx, true)), in the process that logs it -- which
 * may be a task's supervisor child (6.), so the sink must not rely on
 * anything of the caller but memory and fds. */
typedef void (*ojrun_log_fn)(enum ojrun_log_level level, const char *message, void *data);

/* A context for the state root `root` (NULL: "/run/ojrun"); the directory
 * is created on first use.  Logging is off until set below. */
OJRUN_API ojrun_context *ojrun_context_new(const char *root, ojrun_error *err);
OJRUN_API void ojrun_context_free(ojrun_context *ctx);
OJRUN_API const char *ojrun_context_root(const ojrun_context *ctx);

/* Append log records to the file `path` (opened O_APPEND|O_CLOEXEC), in
 * runc's text form or one JSON object per line ("level", "msg", "time"). */
OJRUN_API int ojrun_context_set_log_file(ojrun_context *ctx, const char *path,
                                         enum ojrun_log_format format, ojrun_error *err);
/* The same to an fd the caller owns (it is not closed; keep it O_CLOEXEC). */
OJRUN_API int ojrun_context_set_log_fd(ojrun_context *ctx, int fd, enum ojrun_log_format format,
                                       ojrun_error *err);
/* Records also to stderr, as the `ojrun` command prints them ("ojrun: msg"). */
OJRUN_API void ojrun_context_set_log_stderr(ojrun_context *ctx, bool on);
OJRUN_API void ojrun_context_set_log_sink(ojrun_context *ctx, ojrun_log_fn fn, void *data);
/* Debug records: each step of create with a microsecond timestamp. */
OJRUN_API void ojrun_context_set_debug(ojrun_context *ctx, bool on);

/* ---- 3. Configs --------------------------------------------------------------- */

/* A parsed config.json with the bundle directory it belongs to (root.path
 * may be relative to it).  Immutable once made: any number of tasks may be
 * run from one config, and each gets its own copy. */
typedef struct ojrun_config ojrun_config;

/* <bundle>/config.json (bundle NULL: the current directory). */
OJRUN_API ojrun_config *ojrun_config_load_bundle(const char *bundle, ojrun_error *err);
/* config.json text of `len` bytes; `bundle` resolves a relative root.path
 * (NULL: the current directory). */
OJRUN_API ojrun_config *ojrun_config_from_json(const char *json, size_t len, const char *bundle,
                                               ojrun_error *err);
OJRUN_API void ojrun_config_free(ojrun_config *cfg);

/* The default config.json of `ojrun spec` (rootless: `spec --rootless`,
 * for an unprivileged caller) written to <bundle>/config.json (bundle
 * NULL: the current directory).  Refuses an existing config.json: it is
 * usually somebody's hand-edited configuration. */
OJRUN_API int ojrun_spec_write(ojrun_context *ctx, const char *bundle, bool rootless,
                               ojrun_error *err);

/* A judge-template bundle, as `ojrun spec --judge`: config.json and rootfs/
 * for one phase of a language (bundle-templates/, specs/judge-templates.md).
 * Strings as on the command line; NULL: the template's default (bundle:
 * the current directory).  Refuses an existing <bundle>/config.json. */
typedef struct ojrun_judge_request {
    const char *lang;  /* "c", "cpp", "python3", ... */
    const char *phase; /* "compile" or "run" */
    const char *box;   /* host directory mounted on /box */
    const char *bundle;
    const char *cpu_ms, *wall_ms, *memory, *pids, *output_bytes;
} ojrun_judge_request;
OJRUN_API int ojrun_judge_write_bundle(ojrun_context *ctx, const ojrun_judge_request *req,
                                       ojrun_error *err);

/* What a config.json may hold here: the OCI features document
 * (runtime-spec features.md: spec versions, hooks, mount options,
 * namespaces, capabilities, seccomp names), as `ojrun features` prints it
 * (indented, ending in a newline); malloc'ed, the caller frees it. */
OJRUN_API char *ojrun_features_json(ojrun_error *err);

/* ---- 4. Containers ------------------------------------------------------------ */

/* The options of `ojrun create` (all zero: none). */
typedef struct ojrun_create_options {
    const char *pid_file;       /* write the init's PID here */
    const char *console_socket; /* send the pty master here (process.terminal) */
    bool no_pivot;              /* MS_MOVE + chroot instead of pivot_root */
    bool no_new_keyring;        /* keep the caller's session keyring */
    unsigned preserve_fds;      /* pass fds 3 .. 3+N-1 to the container */
    /* Supervise as a judge task by a forked per-task shim (`create --shim`):
     * limits, accounting, verdict in <root>/<id>/result.json.  The shim is
     * a fork of the caller that outlives the call: it keeps the caller's
     * fds and, when it exits, is the caller's child to reap.  Made for the
     * `ojrun` command, which exits at once; a long-running program wants
     * ojrun_task_spawn() instead. */
    bool shim;
    const char *result_socket; /* also send the result line here (with shim) */
    /* A terminal in the foreground (process.terminal, no console_socket),
     * as `ojrun run` without -d makes one: when not NULL, the pty's master
     * is stored here (O_CLOEXEC; the caller closes it) before the process
     * can run; left as it was when the process has no terminal (set it
     * to -1 first).  Relaying it to a terminal is the caller's business.
     * console_rows and console_cols, when both non-zero, are the pty's
     * window size (instead of process.consoleSize). */
    int *console_master;
    unsigned short console_rows, console_cols;
} ojrun_create_options;

/* Create container `id` from `bundle` (NULL: the current directory) or,
 * when `cfg` is not NULL, from that config (bundle ignored).  The process
 * stays before its exec until ojrun_container_start().  The container
 * gets the caller's fds 0, 1, 2 as its stdio. */
OJRUN_API int ojrun_container_create(ojrun_context *ctx, const char *id, const char *bundle,
                                     const ojrun_config *cfg, const ojrun_create_options *opts,
                                     ojrun_error *err);
OJRUN_API int ojrun_container_start(ojrun_context *ctx, const char *id, ojrun_error *err);
/* Create and start, as `ojrun run`, keeping what create parsed for the
 * delete (no second parse of config.json).  A container that fails to
 * start is deleted again.  Not with opts->shim. */
typedef struct ojrun_running ojrun_running;
OJRUN_API ojrun_running *ojrun_container_run(ojrun_context *ctx, const char *id, const char *bundle,
                                             const ojrun_config *cfg,
                                             const ojrun_create_options *opts, ojrun_error *err);
/* The init's host PID: a child of the caller, which reaps it. */
OJRUN_API pid_t ojrun_running_pid(const ojrun_running *r);
/* Delete the container (as delete with force) and free the handle, which
 * is gone even when this fails. */
OJRUN_API int ojrun_running_delete(ojrun_running *r, ojrun_error *err);
/* Free the handle and leave the container as it is (`run --detach`). */
OJRUN_API void ojrun_running_free(ojrun_running *r);
/* Signal the init (all: every process of the container). */
OJRUN_API int ojrun_container_kill(ojrun_context *ctx, const char *id, int sig, bool all,
                                   ojrun_error *err);
/* Remove a stopped container; force: kill it first, whatever its state. */
OJRUN_API int ojrun_container_delete(ojrun_context *ctx, const char *id, bool force,
                                     ojrun_error *err);

/* Freeze every process of a running container (runc's pause) and thaw a
 * paused one; the status becomes "paused" once the kernel reports the
 * cgroup frozen, and "running" again after the thaw. */
OJRUN_API int ojrun_container_pause(ojrun_context *ctx, const char *id, ojrun_error *err);
OJRUN_API int ojrun_container_resume(ojrun_context *ctx, const char *id, ojrun_error *err);

/* The host PIDs of every process in the container's cgroup (those that
 * joined with exec and daemons that left the init's tree included), in
 * ascending order: `ojrun ps`.  *pids is malloc'ed (possibly NULL when *n
 * is 0); the caller frees it. */
OJRUN_API int ojrun_container_pids(ojrun_context *ctx, const char *id, pid_t **pids, size_t *n,
                                   ojrun_error *err);

/* New limits for a live container (runc's `update`): a LinuxResources
 * object (config-linux.md, "linux.resources"), given as JSON and/or field
 * by field.  Only the fields given are written; device rules are not
 * updated (a rewrite of the v1 allow list would deny the container's
 * open() calls in between). */
typedef struct ojrun_resources ojrun_resources;
OJRUN_API ojrun_resources *ojrun_resources_new(ojrun_error *err); /* no field set */
OJRUN_API ojrun_resources *ojrun_resources_from_json(const char *json, size_t len,
                                                     ojrun_error *err);
/* Set one field from text, as `ojrun update`'s flag of that name takes it
 * (an error names it so: "--memory ..."): "memory", "memory-swap",
 * "memory-reservation" (1024, 64m, 1.5g; -1: unlimited), "cpu-quota",
 * "cpu-period", "cpu-share", "cpu-rt-period", "cpu-rt-runtime",
 * "cpuset-cpus", "cpuset-mems", "blkio-weight" (10..1000), "pids-limit". */
OJRUN_API int ojrun_resources_set(ojrun_resources *res, const char *field, const char *value,
                                  ojrun_error *err);
OJRUN_API void ojrun_resources_free(ojrun_resources *res);
/* Write `res` to the cgroup of a created, running or paused container. */
OJRUN_API int ojrun_container_update(ojrun_context *ctx, const char *id, ojrun_resources *res,
                                     ojrun_error *err);

enum ojrun_status {
    OJRUN_STATUS_CREATING,
    OJRUN_STATUS_CREATED,
    OJRUN_STATUS_RUNNING,
    OJRUN_STATUS_PAUSED,
    OJRUN_STATUS_STOPPED
};
OJRUN_API const char *ojrun_status_name(enum ojrun_status s); /* "created", ... */

/* The status and init PID (0 once stopped) of a container; `json` (may be
 * NULL) gets the OCI state as `ojrun state` prints it, malloc'ed, which the
 * caller frees. */
OJRUN_API int ojrun_container_state(ojrun_context *ctx, const char *id, enum ojrun_status *status,
                                    pid_t *pid, char **json, ojrun_error *err);

/* One more process in a created or running container: the options of
 * `ojrun exec` (all zero but tty = -1: config.json's process with `args`,
 * its terminal included; `ojrun exec` passes tty = 0 unless --tty). */
typedef struct ojrun_exec_options {
    const char *process_file; /* a config.md "process" object instead of args */
    char *const *args;        /* the command (not with process_file) */
    size_t n_args;
    const char *pid_file;       /* write the process's host PID here */
    int tty;                    /* -1: as the base process says, 0 or 1 */
    const char *console_socket; /* send the pty master here */
    const char *cwd;            /* absolute, in the container */
    char *const *env;           /* "NAME=VALUE", replacing a variable of that name */
    size_t n_env;
    bool user_set; /* run as uid (and gid, if gid_set) */
    uint32_t uid;
    bool gid_set;
    uint32_t gid;
    const uint32_t *additional_gids; /* appended */
    size_t n_additional_gids;
    char *const *caps; /* "CAP_X": added to bounding, effective, permitted */
    size_t n_caps;
    bool no_new_privs;
    unsigned preserve_fds;     /* pass fds 3 .. 3+N-1 */
    const char *apparmor;      /* refused: no AppArmor support */
    const char *process_label; /* refused: no SELinux support */
    /* A terminal in the foreground, as in ojrun_create_options: with a
     * terminal and no console_socket, the master is stored here (O_CLOEXEC)
     * and the window size set before the process runs. */
    int *console_master;
    unsigned short console_rows, console_cols;
    bool ignore_paused; /* exec into a paused container (the process
                         * freezes: the call returns after the resume) */
    /* Sub-cgroups to run in, each "[CONTROLLER[,CONTROLLER]:]PATH" with
     * PATH below the container's cgroup (runc's exec --cgroup); without
     * controllers, in every hierarchy. */
    char *const *cgroups;
    size_t n_cgroups;
} ojrun_exec_options;

/* Run the process in container `id` (created or running; paused only with
 * ignore_paused; not stopped).  Returns once it has passed execve(2), with *pid its host PID:
 * a child of the caller, to wait for (or to leave to the caller's
 * subreaper).  It starts with an empty signal mask and the caller's stdio
 * (or a pty sent to console_socket).  On failure no process remains; the
 * errors name the option or file at fault ("--cwd", "--process"). */
OJRUN_API int ojrun_container_exec(ojrun_context *ctx, const char *id,
                                   const ojrun_exec_options *opts, pid_t *pid, ojrun_error *err);

/* One container under the root, as `ojrun list` shows it. */
typedef struct ojrun_container_info {
    char *id;
    enum ojrun_status status;
    pid_t pid;     /* the init's host PID; 0 once stopped */
    char *bundle;  /* absolute; NULL if not recorded */
    char *created; /* RFC 3339, UTC; NULL if not recorded */
    char *json;    /* its OCI state on one line (NULL if it could not be made) */
} ojrun_container_info;

/* Every container under the context's root, sorted by id, into a
 * malloc'ed array of *n (NULL when 0) that ojrun_container_list_free()
 * releases.  A root that does not exist has none; a container whose state
 * cannot be read is left out with a warning in the log. */
OJRUN_API int ojrun_container_list(ojrun_context *ctx, ojrun_container_info **list, size_t *n,
                                   ojrun_error *err);
OJRUN_API void ojrun_container_list_free(ojrun_container_info *list, size_t n);

/* Statistics and OOM events, as `ojrun events` prints them (runc's
 * shape: {"type":"stats","id":...,"data":{"cpu":...,"memory":...,
 * "pids":...,"blkio":...}} and {"type":"oom","id":...}), one line each,
 * malloc'ed, without a newline; the caller frees them. */
/* One stats event; also for a stopped container whose cgroup is still
 * there (the CPU time and peak memory of a finished run). */
OJRUN_API char *ojrun_container_stats(ojrun_context *ctx, const char *id, ojrun_error *err);
/* A stream of events of a created, running or paused container: a stats
 * event at once and then every `interval_ns`, an oom event for each OOM
 * kill in its memory cgroup.  Without an OOM watch here (a warning in the
 * log) the stream has statistics only. */
typedef struct ojrun_events ojrun_events;
OJRUN_API ojrun_events *ojrun_events_open(ojrun_context *ctx, const char *id, uint64_t interval_ns,
                                          ojrun_error *err);
/* Block until the next event: 1 and *line, 0 once the container has
 * stopped or was deleted (the end of the stream), -1 on error. */
OJRUN_API int ojrun_events_next(ojrun_events *ev, char **line, ojrun_error *err);
OJRUN_API void ojrun_events_free(ojrun_events *ev);

/* ---- 5. Results --------------------------------------------------------------- */

/* Verdicts, by the precedence of specs/shim-protocol.md. */
enum ojrun_verdict {
    OJRUN_OK,  /* exited with status 0 */
    OJRUN_RE,  /* exited non-zero, or killed by a signal not caused by a limit */
    OJRUN_SG,  /* (reserved) */
    OJRUN_TLE, /* CPU limit */
    OJRUN_WLE, /* wall-clock limit */
    OJRUN_MLE, /* memory limit */
    OJRUN_OLE, /* output limit */
    OJRUN_SE   /* the sandbox failed: `error` says how */
};
OJRUN_API const char *ojrun_verdict_name(enum ojrun_verdict v); /* "OK", "TLE", ... */

/* A limit of 0 means "none given" (in a result: not set). */
typedef struct ojrun_limits {
    uint64_t cpu_ms;       /* org.ojrun.limit.cpu-ms */
    uint64_t wall_ms;      /* org.ojrun.limit.wall-ms */
    uint64_t memory_bytes; /* linux.resources.memory.limit */
    uint64_t output_bytes; /* org.ojrun.limit.output-bytes */
} ojrun_limits;

/* The fields of result.json (specs/shim-protocol.md). */
typedef struct ojrun_result {
    enum ojrun_verdict verdict;
    bool has_exit_code; /* exit_code is meaningful (the program exited) */
    int exit_code;
    int signal; /* 0: not killed by a signal */
    uint64_t cpu_us, user_us, sys_us, wall_us;
    uint64_t memory_peak_bytes;
    bool oom_killed;
    bool memory_limit_hit;
    uint64_t pids_peak;
    ojrun_limits limits;
    char error[OJRUN_ERROR_MAX]; /* "" unless SE */
} ojrun_result;

/* result.json's one line for task `id` (no newline), malloc'ed; NULL only
 * when out of memory. */
OJRUN_API char *ojrun_result_json(const char *id, const ojrun_result *r);

/* Block until the task of container `id`, created with the shim option,
 * has ended, and return result.json's line (no newline), malloc'ed, which
 * the caller frees -- as `ojrun wait` prints it, whatever the verdict.
 * NULL when there is no such container, it is not supervised, it was
 * deleted meanwhile, or its shim exited without writing a result. */
OJRUN_API char *ojrun_container_wait(ojrun_context *ctx, const char *id, ojrun_error *err);

/* ---- 6. Judged tasks ---------------------------------------------------------- */

/* What to run: a container made from `config` (or <bundle>/config.json),
 * with the limits of the config overridden by the non-zero `limits`, stdio
 * from the given fds, supervised to the end and deleted. */
typedef struct ojrun_task_spec {
    const char *id;             /* container id, unique under the root and on the host */
    const ojrun_config *config; /* NULL: load <bundle>/config.json */
    const char *bundle;
    int stdin_fd, stdout_fd, stderr_fd; /* -1: /dev/null */
    ojrun_limits limits;                /* non-zero fields override the config */
    const char *cpus;                   /* NULL, or linux.resources.cpu.cpus ("3", "0-1") */
    const char *cgroup_path;            /* NULL, or linux.cgroupsPath (e.g. "/judge/slot3/<id>") */
    /* NULL, or more options; never shim, and no preserve_fds for a spawned
     * task (its supervisor closes the caller's fds) */
    const ojrun_create_options *create;
} ojrun_task_spec;

typedef struct ojrun_task ojrun_task;

/* Start a task: fork a supervisor child of the calling process, which
 * creates the container, runs it under the limits, deletes it and sends
 * the result back.  Returns at once.  Fails only if the child cannot be
 * started; a config that cannot be run is an error of collect. */
OJRUN_API ojrun_task *ojrun_task_spawn(ojrun_context *ctx, const ojrun_task_spec *spec,
                                       ojrun_error *err);
/* Readable (POLLIN/EPOLLIN) once the result is there, or the supervisor
 * died.  Owned by the task: do not close it. */
OJRUN_API int ojrun_task_fd(const ojrun_task *t);
/* The supervisor child's PID. */
OJRUN_API pid_t ojrun_task_pid(const ojrun_task *t);
/* Without blocking: 0 and *r filled when the task is over (the verdict may
 * be SE), -1 with err->code EAGAIN when not yet, -1 with another error when
 * the container could not be created or started, EINVAL when already
 * collected.  After 0 or such an error the supervisor child has been
 * reaped; a supervisor that died without a result gives verdict SE (its
 * container is deleted). */
OJRUN_API int ojrun_task_collect(ojrun_task *t, ojrun_result *r, ojrun_error *err);
/* Stop a running task: its result becomes SE ("the supervisor received
 * SIGTERM"), still to be collected. */
OJRUN_API int ojrun_task_cancel(ojrun_task *t, ojrun_error *err);
/* Release the task; one not yet collected is cancelled and waited for. */
OJRUN_API void ojrun_task_free(ojrun_task *t);

/* One task supervised by the calling process itself (what `ojrun run
 * --result` does): blocks until it is over.  The container's stdio is the
 * caller's 0, 1, 2 (the fd fields of `spec` must be -1 or 0/1/2), and
 * SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH that arrive
 * meanwhile go to the container.  0 with *r, or -1 when it could not be
 * created or started. */
OJRUN_API int ojrun_task_run(ojrun_context *ctx, const ojrun_task_spec *spec, ojrun_result *r,
                             ojrun_error *err);

/* ---- 7. Rules ------------------------------------------------------------------ */
/*
 * Threads.  A context and what was made with it (configs, tasks) belong to
 * one thread at a time; the log settings are process-wide (one log per
 * process: the last context that set them wins).  The intended shape is
 * one thread with one event loop driving many tasks, as ojrun-worker does.
 * ojrun_task_spawn() fork()s: in a multi-threaded caller, call it while no
 * other thread can hold malloc's or stdio's locks, or from the one thread.
 *
 * File descriptors.  Every fd the library opens is O_CLOEXEC.  A task's
 * supervisor child keeps only the task's stdio and its own fds: every
 * other fd of the caller is closed in it, so a task never holds another
 * task's pipes open.  ojrun_task_fd() stays valid until ojrun_task_free().
 *
 * Signals and children.  The supervisor child is a child of the caller:
 * ojrun_task_collect() reaps it by PID (waitpid), so the caller must not
 * reap it with waitpid(-1) nor set SIGCHLD to SIG_IGN.  The caller's
 * SIGCHLD handler, if any, is called as for any child.  If the caller
 * dies, its supervisor children get SIGTERM (PR_SET_PDEATHSIG) and end
 * their tasks.  ojrun_task_run() blocks SIGCHLD and the signals above while
 * it runs and restores the mask.
 */

#ifdef __cplusplus
}
#endif

#endif
