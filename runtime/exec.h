/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ojrun exec`: run one more process inside a running container.
 *
 * The OCI runtime spec defines no exec operation; this follows `runc exec`,
 * which conmon (podman) and containerd's shim call:
 *
 *   exec_process.c  which process: the container's process.json as the base
 *                   (or the --process file), overridden by the flags;
 *   exec.c          running it: join the container's namespaces, cgroup,
 *                   capabilities, seccomp filter... then execve.
 *
 * The process tree while it happens (specs/internals.md, "exec"):
 *
 *   ojrun exec (P) ── stays in the host's namespaces: cgroup.procs, pid file
 *    ├─ stage-1 (S1, fork)   setns() into each namespace, user first and
 *    │                       mount last; clone(CLONE_PARENT) -> F; exits
 *    └─ F (CLONE_PARENT: a child of P, in the container's PID namespace)
 *                            waits for P's GO, sets itself up, execve
 *
 * A process can only enter a PID namespace through its children
 * (setns(2): CLONE_NEWPID changes the namespace of future children), hence
 * S1; CLONE_PARENT makes F P's own child, so that P can wait for it and,
 * with --detach, F is orphaned to the caller's subreaper the moment P exits.
 */
#ifndef OJRUN_EXEC_H
#define OJRUN_EXEC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "context.h"
#include "error.h"

struct oj_exec_opts {
    const char *id;
    const char *process_file;   /* --process FILE (a config.md "process" object) */
    bool detach;                /* --detach: return once the process has exec'd */
    const char *pid_file;       /* --pid-file: the process's host PID, written atomically */
    int tty;                    /* --tty: -1 not given (the base process decides), 0, 1 */
    const char *console_socket; /* --console-socket: receives the pty master */
    const char *cwd;            /* --cwd */
    char **env;                 /* --env K=V, in order; later ones win */
    size_t n_env;
    bool user_set; /* --user UID[:GID] */
    uint32_t uid;
    bool gid_set;
    uint32_t gid;
    uint32_t *additional_gids; /* --additional-gids, appended */
    size_t n_additional_gids;
    char **caps; /* --cap CAP_X: added to bounding, effective, permitted */
    size_t n_caps;
    bool no_new_privs;         /* --no-new-privs */
    unsigned preserve_fds;     /* --preserve-fds N: fds 3..3+N-1 pass through */
    const char *apparmor;      /* --apparmor: refused (no AppArmor support) */
    const char *process_label; /* --process-label: refused (no SELinux support) */
    char **args;               /* ARGS after the id (not with --process) */
    size_t n_args;
    /* no --console-socket: receive the master here (libojrun.h); the
     * window size when both are non-zero */
    int *console_master;
    unsigned short console_rows, console_cols;
    bool ignore_paused; /* --ignore-paused */
    char **cgroups;     /* --cgroup [CTRL[,CTRL]:]PATH, sub-cgroups of the container's */
    size_t n_cgroups;
};

/* Build the process to run from the container's config and the options.
 *
 * Without --process the base is config.json's process (args replaced by
 * ARGS, which are required), as runc does; with --process it is the file's
 * object, where absent capabilities and rlimits default to the container's
 * (runc 1.1 defaults the capabilities only; see specs/cli.md).  Then the
 * flags override: --cwd (absolute), --env (replacing a variable of the same
 * name, else appended), --user, --additional-gids, --cap, --no-new-privs,
 * --tty.  The process fields of `cfg` may be moved into the result (cfg
 * stays valid to free).  Errors name the flag or the file. */
int oj_exec_build_process(struct oj_config *cfg, const struct oj_exec_opts *o,
                          struct oj_process **out, struct oj_err *err);

/* Run the process in the container o->id: created or running (runc joins
 * a created container's waiting init too), paused with --ignore-paused.
 * Returns 0 once it has passed execve(2) -- its setup and the lookup of
 * args[0] in the container's PATH succeeded -- with *pid its host PID; it
 * is a child of the caller (wait for it, or exit to orphan it to the
 * caller's subreaper).  The program starts with an empty signal mask, so
 * the caller may block the signals it means to forward before calling; its
 * stdio is the caller's, passed straight through (or a pty, sent to
 * --console-socket or handed to the caller as *console_master).  The pid
 * file, if any, is written before returning.  On failure no process
 * remains.  Holds the container's lock until the process has exec'd (with
 * --ignore-paused on a paused container: until it is in the cgroup). */
int oj_exec_start(const struct oj_context *ctx, const struct oj_exec_opts *o, pid_t *pid,
                  struct oj_err *err);

#endif
