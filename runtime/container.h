/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Creating a container: the parent side (create.c) and the container init
 * (init.c), and the messages they exchange over a SOCK_SEQPACKET socketpair.
 *
 * The sequence, in one picture (specs/internals.md walks through it):
 *
 *   ojrun create (parent)                    container init (cloned child)
 *   ---------------------                    ---------------------------------
 *   parse config, compile seccomp
 *   mkdir state dir, lock, mkfifo
 *   create cgroup, apply resources,
 *   open the v1 "tasks" files
 *   open exec.fifo O_RDWR
 *   clone3(CLONE_NEW*, INTO_CGROUP v2) -->   wait for GO (holding exec.fifo)
 *   write uid_map / gid_map, oom_score_adj
 *   GO ---------------------------------->   write "0" to the v1 tasks fds (joins
 *                                            its cgroups), become root of the userns,
 *                                            cgroup/time namespaces, hostname, lo up,
 *                                            mounts, /dev
 *   run prestart, createRuntime   <-------   HOOKS (only when there are hooks)
 *   HOOKS_DONE -------------------------->   createContainer hooks, pivot_root,
 *                                            sysctl, masked/readonly paths, pty,
 *                                            rlimits, user, caps, cwd, find exe
 *   write state.json, pid file    <-------   CREATED
 *   exit                                     block reading exec.fifo
 *   ...
 *   ojrun start: write 1 byte to exec.fifo ->  startContainer hooks, no_new_privs,
 *                                            (supervised: fork the program, stay as
 *                                            its reaper), seccomp, execve
 *   ... and wait until the execve closed the init's exec.fifo (lifecycle.c)
 */
#ifndef OJRUN_CONTAINER_H
#define OJRUN_CONTAINER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "context.h"
#include "error.h"
#include "state.h"
#include "strbuf.h"
#include "supervise.h"

struct oj_cgroup;
struct oj_bpf;

struct oj_create_opts {
    const char *id;
    const char *bundle;         /* NULL: the current directory */
    const char *pid_file;       /* --pid-file */
    const char *console_socket; /* --console-socket */
    /* Foreground terminal (libojrun.h, ojrun_create_options): the pty
     * master is received here instead of being sent to console_socket;
     * console_rows/cols, when non-zero, replace process.consoleSize. */
    int *console_master;
    unsigned short console_rows, console_cols;
    bool no_pivot;              /* --no-pivot */
    bool no_new_keyring;        /* --no-new-keyring */
    unsigned preserve_fds;      /* --preserve-fds N: pass fds 3..3+N-1 */
    /* Supervision (supervise.h, specs/shim-protocol.md): with `task` the
     * init becomes a PID-1 reaper that forks the program and reports to the
     * supervisor holding the other ends (ojrun-shim, `run --result`). */
    struct oj_task_link *task;
    bool shim;                  /* --shim: this process is ojrun-shim (state.json says so) */
    const char *result_socket;  /* --result-socket */
    const char *result;         /* run --result FILE|- */
    bool keep;                  /* run --keep: no delete after the exit */
    /* The library API (libojrun.h, api.c).  `config_data`: config.json held
     * in memory, used instead of <bundle>/config.json (the bundle still
     * resolves a relative root.path).  The rest override the parsed config
     * before anything uses it: the set limits replace the config's
     * (memory as linux.resources.memory.limit), `cpus` becomes
     * linux.resources.cpu.cpus and `cgroups_path` linux.cgroupsPath.  The
     * copy of config.json in the state directory is the text as given. */
    const char *config_data;
    size_t config_len;
    struct oj_limits limits_override;
    const char *cpus;
    const char *cgroups_path;
};

/* Everything create computed; the init child gets a copy through fork. */
struct oj_container {
    const struct oj_context *ctx;
    const struct oj_create_opts *opts;
    struct oj_config *cfg;
    char *config_data; /* config.json bytes as read (copied into the state dir) */
    size_t config_len;
    char *bundle; /* absolute */
    char *rootfs; /* absolute, symlinks resolved */
    char *dir;    /* <root>/<id> */
    int lock_fd;
    int sync_fd;    /* parent: its end of the socketpair; init: the other end */
    int console_fd; /* connected --console-socket (or the init's end of console_recv), or -1 */
    int console_recv; /* create: our end of the console socketpair (console_master), or -1 */
    int clone_flags;     /* CLONE_NEW* for namespaces created (not joined) */
    bool join_paths;     /* some namespace is joined by path */
    bool new_userns;
    bool new_timens;
    bool new_cgroupns;   /* unshare()d by the init once it is in its cgroup */
    /* No mount namespace in linux.namespaces: the container inherits ours
     * (config-linux.md "Namespaces"), so its mounts are made in the
     * runtime's namespace and it is chroot(2)ed, not pivoted (rootfs.h). */
    bool shared_mntns;
    int fifo_fd; /* exec.fifo O_RDWR, opened by the parent for the init */
    struct oj_cgroup *cg;
    struct oj_bpf *seccomp; /* compiled filter, NULL without linux.seccomp */
    int seccomp_agent_fd;   /* connected linux.seccomp.listenerPath (NOTIFY), or -1 */
    pid_t pid;
    uint64_t pid_start_time;
    int *bind_src_fds;       /* init, new user namespace: O_PATH fd per mounts[] entry, or -1 */
    struct oj_limits limits; /* supervise.h: from the config's resources and annotations */
};

/* Messages between the parent and the init. */
enum oj_sync_type {
    OJ_SYNC_GO = 1,     /* parent -> init: maps written, cgroup joined */
    OJ_SYNC_HOOKS,      /* init -> parent: run prestart + createRuntime now */
    OJ_SYNC_HOOKS_DONE, /* parent -> init */
    OJ_SYNC_CREATED,    /* init -> parent: ready, waiting for start */
    OJ_SYNC_ERROR,      /* either way: carries an oj_err, the sender gives up */
    OJ_SYNC_PID,        /* stage-1 helper -> parent: the init's PID (join-by-path case) */
    OJ_SYNC_SOURCES,    /* sources helper -> init, before GO: `code` bind-mount source fds
                         * follow, one oj_send_fd() message each, named by mount index */
};

struct oj_sync_msg {
    uint32_t type;
    int32_t code;  /* errno for ERROR, PID for PID */
    char msg[OJ_ERR_MSG_MAX];
};

int oj_sync_send(int fd, enum oj_sync_type type, int32_t code, const char *msg);
/* Receive one message; EOF (peer gone) is an error "... exited unexpectedly". */
int oj_sync_recv(int fd, struct oj_sync_msg *m, struct oj_err *err);
/* The same, failing with ETIMEDOUT when nothing came within timeout_ms. */
int oj_sync_recv_timeout(int fd, struct oj_sync_msg *m, int timeout_ms, struct oj_err *err);
/* Receive and require `type`; an ERROR message becomes our error. */
int oj_sync_expect(int fd, enum oj_sync_type type, struct oj_err *err);

/* create.c: the whole of `ojrun create`; on success the init waits for
 * start and *out describes it.  On failure nothing is left behind. */
int oj_container_create(const struct oj_context *ctx, const struct oj_create_opts *o,
                        struct oj_container **out, struct oj_err *err);
void oj_container_free(struct oj_container *c);
/* Undo a create that succeeded when its caller cannot go on (ojrun-shim
 * failing before it reports to `create`): what a failed create does -- kill
 * and reap the init, remove the cgroup and the state directory.  The
 * container lock (c->lock_fd) must still be held.  Free `c` afterwards. */
void oj_container_abort(struct oj_container *c);

/* The OCI state JSON of a container being created (for hooks and the
 * seccomp agent): what create knows, with `status`. */
int oj_container_state_json(const struct oj_container *c, enum oj_status status,
                            struct strbuf *out, struct oj_err *err);

/* init.c: the container init, in the cloned child.  Never returns. */
_Noreturn void oj_init_main(struct oj_container *c);

/* lifecycle.c: let a created container run its process. */
int oj_container_start(const struct oj_context *ctx, const char *id, struct oj_err *err);

/* lifecycle.c: remove a container (force: kill it first). */
int oj_container_delete(const struct oj_context *ctx, const char *id, bool force,
                        struct oj_err *err);

#endif
