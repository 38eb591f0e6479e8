/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Supervising one judge task: limits to the millisecond, exact accounting,
 * a verdict and a result (specs/shim-protocol.md is the contract).
 *
 * Used by ojrun-shim (shim/shim.c, `ojrun create --shim`) and in-process by
 * `ojrun run --result`.  The pieces:
 *
 *   limits.c     the limits: OCI fields plus the org.ojrun.limit.*
 *                annotations; output-bytes and a CPU backstop become rlimits
 *   reaper.c     the container init as a PID-1 reaper that forks the
 *                program, so that the program is *not* PID 1 of its PID
 *                namespace (PID 1 ignores SIGXFSZ/SIGXCPU/SIGSEGV... sent by
 *                the kernel with the default disposition, see reaper.c)
 *   supervise.c  the supervisor's event loop: the exec baseline, the CPU and
 *                wall timers, killing the cgroup, the final figures
 *   result.c     the verdict and the result JSON, result.json + socket
 *   taskacct.c   the cgroup counters
 *
 *   supervisor (ojrun-shim / ojrun run)        container init = reaper (PID 1)
 *   -----------------------------------        ------------------------------------
 *   oj_task_link_open(): pipe + 2 socketpairs
 *   oj_container_create(opts.task = link)  ->  setup as usual ... waits for start
 *                                  `start` ->  fork()  -> program child
 *                                              |        READY, then waits for GO
 *   baseline: CPU and memory usage, reset  <---+-------
 *   the memory peak; wall clock starts,        |
 *   timers armed; GO   -------------------------------> seccomp, execve
 *   (exec pipe: error text if the exec fails)  |
 *   ... CPU timer / wall timer: kill the cgroup ...
 *                     <- EXITED(wait status) --  program reaped, the rest killed
 *   final counters; close the socket       ->  reaper exits
 *   reap the init, verdict, publish
 *
 * The baseline is taken while the program child sits blocked right before
 * its execve and the reaper sleeps in poll(): nothing runs in the cgroup, so
 * what the runtime charged to it during setup is subtracted, and everything
 * from the execve on is the program's.  (The one inexactness: the child's
 * copy of the reaper's page tables is in the baseline and freed by its
 * execve, tens of KiB, below the memory cgroup's 256 KiB charge batching.)  (Taking it when the
 * exec is noticed -- e.g. EOF on an O_CLOEXEC pipe -- is late by the wake-up latency, during which
 * a program touching memory at GB/s charges megabytes: measured 3 % short for 100 MiB on a VM.)
 */
#ifndef OJRUN_SUPERVISE_H
#define OJRUN_SUPERVISE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "config.h"
#include "error.h"
#include "strbuf.h"

struct oj_cgroup;

/* --- limits (limits.c) ------------------------------------------------------ */

#define OJ_ANN_LIMIT_PREFIX  "org.ojrun.limit."
#define OJ_ANN_CPU_MS        "org.ojrun.limit.cpu-ms"
#define OJ_ANN_WALL_MS       "org.ojrun.limit.wall-ms"
#define OJ_ANN_OUTPUT_BYTES  "org.ojrun.limit.output-bytes"
#define OJ_ANN_RESULT_SOCKET "org.ojrun.result.socket"

/* Largest cpu-ms / wall-ms accepted: ~ 292 years in ns fits in 63 bits. */
#define OJ_LIMIT_MS_MAX (UINT64_C(9223372036854))

struct oj_limits {
    oj_opt_u64 cpu_ms;       /* org.ojrun.limit.cpu-ms */
    oj_opt_u64 wall_ms;      /* org.ojrun.limit.wall-ms */
    oj_opt_u64 memory_bytes; /* linux.resources.memory.limit (>= 0) */
    oj_opt_u64 output_bytes; /* org.ojrun.limit.output-bytes */
};

/* Read the limits of `cfg`.  An org.ojrun.limit.* annotation that is not a
 * positive decimal integer in range (or an unknown org.ojrun.limit.* key)
 * is an error naming the annotation: `annotations["org.ojrun.limit.cpu-ms"]:
 * "-5" is not a positive integer`. */
int oj_limits_from_config(const struct oj_config *cfg, struct oj_limits *l, struct oj_err *err);

/* org.ojrun.result.socket (NULL when absent); must be an absolute path
 * that fits a sockaddr_un. */
int oj_result_socket_from_config(const struct oj_config *cfg, const char **out, struct oj_err *err);

/* Turn output-bytes into RLIMIT_FSIZE and cpu-ms into an RLIMIT_CPU
 * backstop (whole seconds: soft ceil(cpu-ms/1000)+1 -> SIGXCPU, hard one
 * second more -> SIGKILL), merged into process.rlimits: an existing entry
 * is only ever lowered, and nothing goes above the hard limit `cur_hard`
 * returns for the resource (ojrun lacks CAP_SYS_RESOURCE on many hosts).
 * `cur_hard` NULL means getrlimit(). */
typedef rlim_t (*oj_hard_limit_fn)(int resource);
int oj_limits_apply_rlimits(struct oj_process *p, const struct oj_limits *l,
                            oj_hard_limit_fn cur_hard, struct oj_err *err);

/* --- the link between supervisor and reaper ------------------------------------ */

struct oj_task_link {
    int exec_r, exec_w;          /* pipe: error text when the init or the program child fails
                                  * after `start` (the execve itself closes exec_w) */
    int status_sup, status_init; /* SOCK_SEQPACKET: EXITED from the reaper */
    int go_sup, go_init;         /* SOCK_SEQPACKET: READY from the program child, GO back */
};

/* Messages on the status and go sockets. */
enum oj_task_msg_type {
    OJ_TASK_READY = 1,  /* program child -> supervisor: about to exec, waiting for GO */
    OJ_TASK_GO = 2,     /* supervisor -> program child: baseline taken, exec */
    OJ_TASK_EXITED = 3, /* reaper -> supervisor: the program's wait status */
};
struct oj_task_msg {
    uint32_t type;
    int32_t pid;    /* the program, in the container's PID namespace */
    int32_t status; /* EXITED: the program's raw wait status (wait(2)) */
    int32_t pad;
    struct rusage ru; /* EXITED: the program's own rusage (wait4) */
};

/* All six fds are O_CLOEXEC and numbered >= min_fd (pass 3 + --preserve-fds:
 * the init hands 3 .. 3+N-1 to the program). */
int oj_task_link_open(struct oj_task_link *l, int min_fd, struct oj_err *err);
/* The supervisor, once the init exists: close the init's ends. */
void oj_task_link_close_init_side(struct oj_task_link *l);
void oj_task_link_close(struct oj_task_link *l);

/* --- the reaper (reaper.c; runs in the container init) ------------------------- */

/* Called by the init after `start`, before seccomp and execve.  Forks the
 * program: returns 0 in the program child (every disposition default,
 * reaper fds closed) once the supervisor has answered READY with GO -- the
 * child then loads seccomp and execs; in the init it never returns (it
 * becomes the reaper and exits when the program has).  -1 with err when
 * fork fails or the supervisor is gone. */
int oj_reaper_fork(struct oj_task_link *l, struct oj_err *err);

/* Report an error after `start` (a failed exec, a failed hook) to the
 * supervisor through the exec pipe.  Safe to call in the child. */
void oj_task_report_error(const struct oj_task_link *l, const char *msg);

/* --- the result (result.c) ------------------------------------------------------ */

enum oj_verdict {
    OJ_VERDICT_OK,
    OJ_VERDICT_RE,
    OJ_VERDICT_SG,
    OJ_VERDICT_TLE,
    OJ_VERDICT_WLE,
    OJ_VERDICT_MLE,
    OJ_VERDICT_OLE,
    OJ_VERDICT_SE
};

const char *oj_verdict_name(enum oj_verdict v); /* "OK", "RE", ... */

#define OJ_RESULT_VERSION 1

struct oj_result {
    enum oj_verdict verdict;
    bool has_exit_code;
    int exit_code;
    int signal; /* 0: none */
    uint64_t cpu_us, user_us, sys_us, wall_us;
    uint64_t memory_peak_bytes;
    bool oom_killed;
    bool memory_limit_hit; /* the memory limit refused a charge (oj_memory_limit_reached) */
    uint64_t pids_peak;
    struct oj_limits limits;
    char error[OJ_ERR_MSG_MAX]; /* "" when none */
};

/* What the supervisor saw; oj_verdict_decide() turns it into the verdict. */
enum oj_fired { OJ_FIRED_NONE, OJ_FIRED_CPU, OJ_FIRED_WALL };
struct oj_outcome {
    bool started;          /* the program was exec'd */
    enum oj_fired fired;   /* the supervisor killed the task for this limit first */
    bool memory_fired;     /* ... but the memory limit had already fired and was binding
                            * when it did (specs/shim-protocol.md, "Racing limits") */
    bool memory_limit_hit; /* the memory limit refused a charge at some point */
    bool have_status;      /* the reaper reported the program's wait status */
    int status;
    uint64_t oom_kills; /* OOM kills in the task's cgroup since the exec */
    bool output_full;   /* stdout/stderr is a regular file that reached output-bytes */
    const char *error;  /* a sandbox failure (SE), NULL when none */
};

/* Fill verdict, exit_code, signal and oom_killed of `r` (whose figures and
 * limits are already set) by the precedence of specs/shim-protocol.md. */
void oj_verdict_decide(const struct oj_outcome *o, struct oj_result *r);

/* One line of JSON, no newline. */
void oj_result_json(const char *id, const struct oj_result *r, struct strbuf *out);

/* Write <dir>/result.json atomically through `dirfd` (an fd of the container
 * directory `dir` opened at create), holding the directory's flock like
 * every ojrun command.  Fails -- never skips silently -- when there is no
 * dirfd, or when the directory is no longer at `dir`: removed (by `delete`,
 * or by hand: ENOENT) or moved away or replaced (ESTALE); writing into it
 * then would put the result where no `wait` looks, or into a new container
 * of the same id. */
int oj_result_write_file(int dirfd, const char *dir, const char *json, struct oj_err *err);

/* Connect to the unix stream socket `path` and write `json` + "\n". */
int oj_result_send(const char *path, const char *json, struct oj_err *err);

/* How `ojrun wait` learns that the result is there without inotify (whose
 * close(2) waits for an SRCU grace period: 6-16 ms per `wait` on the
 * reference host, specs/performance.md).  The supervisor holds an exclusive
 * flock(2) on <dir>/state.json -- written once by create, never replaced --
 * from before `create` returns until result.json is in place; the kernel
 * drops it if the supervisor dies.  A waiter's shared flock of the same
 * file returns at that moment.  oj_result_lock_hold() returns the fd to
 * close once the result is written. */
int oj_result_lock_hold(const char *dir, struct oj_err *err);
/* Block until the supervisor of the container in `dir` has released the
 * lock (result written, or supervisor gone).  ENOENT: no state.json. */
int oj_result_lock_wait(const char *dir, struct oj_err *err);

/* --- supervising (supervise.c) ---------------------------------------------------- */

struct oj_supervise_opts {
    const char *id;
    pid_t init_pid; /* our child */
    struct oj_cgroup *cg;
    struct oj_limits limits;
    int exec_fd, status_fd, go_fd; /* the supervisor's ends of the link (closed by oj_supervise) */
    int out_fds[2];                /* the container's stdout/stderr (for output-bytes), or -1 */
    /* Signals that arrive: `run` forwards HUP INT QUIT TERM USR1 USR2 WINCH to
     * the init (the reaper passes them on to the program); the shim treats
     * TERM and INT as "stop the task" (verdict SE). */
    bool forward_signals;
};

/* Supervise until the init has exited and been reaped, then fill `r`.
 * Every failure of the sandbox becomes verdict SE with `error` set, so this
 * always produces a result.  The caller must have blocked SIGCHLD (and the
 * signals above) before creating the container; the mask is left as is. */
void oj_supervise(const struct oj_supervise_opts *o, struct oj_result *r);

/* The signals oj_supervise() reads (through a signalfd): block them first. */
void oj_supervise_sigset(sigset_t *set);

#endif
