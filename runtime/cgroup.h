/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Control groups: where a container's processes live and what limits them.
 *
 * The OCI runtime spec (config-linux.md, "Control groups") leaves the choice
 * of cgroup version to the host.  ojrun supports the three layouts found in
 * practice:
 *
 *   OJ_CGROUP_V1      one cgroup (v1) mount per controller or group of
 *                     controllers: /sys/fs/cgroup/memory, /sys/fs/cgroup/cpu,cpuacct ...
 *   OJ_CGROUP_V2      one cgroup2 mount holding every controller (cgroups(7),
 *                     Documentation/admin-guide/cgroup-v2.rst)
 *   OJ_CGROUP_HYBRID  v1 mounts for most controllers plus a cgroup2 mount
 *                     (usually /sys/fs/cgroup/unified) holding the few
 *                     controllers that are not bound to a v1 hierarchy.
 *
 * On a hybrid host every resource goes to the v1 hierarchy of its controller
 * when there is one, and to the cgroup2 mount otherwise (e.g. hugetlb when
 * only cgroup2 has it).  The container always gets a directory in the cgroup2
 * mount too (best effort when nothing needs it), which gives ojrun the
 * cgroup.kill and cgroup.events files of the v2 core.
 *
 * Typical use by create/start/delete:
 *
 *   struct oj_cgroup_host host;
 *   oj_cgroup_host_detect(&host, NULL, NULL, err);        // this process's view
 *   oj_cgroup_new(&host, cfg->linux_.cgroups_path, id, &cg, err);
 *   oj_cgroup_create(cg, &cfg->linux_.resources, err);   // before the init execs
 *   oj_cgroup_enter(cg, init_pid, err);                   // or clone3(CLONE_INTO_CGROUP)
 *   oj_cgroup_save(cg, &sb, err);                         // -> <state dir>/cgroup
 *   ...
 *   oj_cgroup_load(text, &cg, err);                       // later commands
 *   oj_cgroup_freeze / _kill_all / _stats / _destroy ...
 *
 * Every path is taken from the detected host (never a hard-coded
 * /sys/fs/cgroup), so tests can point the module at a fake tree of plain
 * files.
 */
#ifndef OJRUN_CGROUP_H
#define OJRUN_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "error.h"
#include "strbuf.h"

enum oj_cgroup_layout { OJ_CGROUP_V1, OJ_CGROUP_V2, OJ_CGROUP_HYBRID };

/* "v1", "v2", "hybrid" */
const char *oj_cgroup_layout_name(enum oj_cgroup_layout layout);

/* --- the host ------------------------------------------------------------ */

#define OJ_CGROUP_MAX_HIERARCHIES 24

/* One mounted hierarchy. */
struct oj_cgroup_hierarchy {
    bool v2;
    char *mount;       /* where it is mounted: "/sys/fs/cgroup/memory" */
    char *mount_root;  /* the cgroup mounted there (mountinfo field 4), usually "/" */
    char *controllers; /* v1: as in /proc/self/cgroup, "cpu,cpuacct" or "name=systemd";
                        * v2: the root's cgroup.controllers, space separated ("" if none) */
    char *self;        /* our own cgroup there (/proc/self/cgroup), "/" if unknown */
};

struct oj_cgroup_host {
    enum oj_cgroup_layout layout;
    struct oj_cgroup_hierarchy h[OJ_CGROUP_MAX_HIERARCHIES];
    size_t n;
};

/* Detect the layout from a mountinfo file (proc(5)) and a /proc/<pid>/cgroup
 * file (cgroups(7)); NULL means /proc/self/mountinfo and /proc/self/cgroup.
 * Only hierarchies ojrun uses are kept: v1 mounts with at least one known
 * controller, the "name=systemd" v1 hierarchy, and the first cgroup2 mount.
 * Fails when no cgroup filesystem is mounted.  Free with oj_cgroup_host_free. */
int oj_cgroup_host_detect(struct oj_cgroup_host *h, const char *mountinfo_path,
                          const char *proc_self_cgroup_path, struct oj_err *err);
void oj_cgroup_host_free(struct oj_cgroup_host *h);

/* --- one container's cgroup ---------------------------------------------- */

struct oj_cgroup; /* the container's directory in every hierarchy used */

/* Compute the directories (nothing is created yet).  cgroupsPath follows
 * config-linux.md "Cgroups path":
 *   absolute ("/a/b")  -> <mount>/a/b in every hierarchy;
 *   relative ("a/b")   -> below this process's own cgroup in each hierarchy;
 *   NULL               -> "/ojrun/<id>".
 * "." and ".." components, tabs and newlines are refused. */
int oj_cgroup_new(const struct oj_cgroup_host *h, const char *cgroups_path, const char *id,
                  struct oj_cgroup **out, struct oj_err *err);

/* Create the directories and apply `r` (may be NULL).  v1: mkdir in every
 * hierarchy, cpuset.cpus/mems initialised from the parent; v2: controllers
 * enabled in cgroup.subtree_control of the ancestors.  On failure everything
 * this call created is removed again.  An existing directory is reused.
 *
 * linux.resources.devices: the rules are applied in order after an implicit
 * "deny all", followed by allow rules for the devices every container gets
 * (config-linux.md "Default Devices": null, zero, full, random, urandom,
 * tty, console, ptmx, /dev/pts/N, tun, and mknod of any node) as runc does.
 * Devices listed in linux.devices get no rule: only these two lists count.
 * With no rules the device controller is left alone unless
 * r->default_devices is set (create sets it: every container is confined
 * to the default devices, as under runc). */
int oj_cgroup_create(struct oj_cgroup *cg, const struct oj_resources *r, struct oj_err *err);

/* What oj_cgroup_create does with an existing directory that already holds
 * processes.  By default it refuses (`cgroup … is in use by other
 * processes`): with ojrun's default path, /ojrun/<id>, that is a container
 * of the same id under another --root, and sharing would mix their
 * accounting.  With `join` it joins the cgroup and warns, as runc does for
 * a linux.cgroupsPath that names a busy cgroup; such a directory is
 * "shared": its resources are written as given, but oj_cgroup_destroy()
 * neither kills its processes nor removes it, so delete takes only the
 * container's own processes (the init, and with it its PID namespace). */
void oj_cgroup_set_join_busy(struct oj_cgroup *cg, bool join);
/* Whether create joined a busy directory in some hierarchy. */
bool oj_cgroup_is_shared(const struct oj_cgroup *cg);

/* Move `pid` (all its threads) into the container's cgroup in every
 * hierarchy.  The init must not have exec'd the user program yet. */
int oj_cgroup_enter(struct oj_cgroup *cg, pid_t pid, struct oj_err *err);

/* The same into sub-cgroups of the container's (runc's `exec --cgroup`):
 * each spec is "[CONTROLLER[,CONTROLLER...]:]PATH".  PATH (a leading "/"
 * ignored) names an existing cgroup below the container's; without
 * controllers it applies to every hierarchy, with them to the hierarchies
 * carrying one of them (v2: listing it in cgroup.controllers); a hierarchy
 * no spec names gets the container's own cgroup.  A PATH that leaves the
 * container's cgroup ("..") is refused before anything moves. */
int oj_cgroup_enter_sub(struct oj_cgroup *cg, pid_t pid, const char *const *specs, size_t n,
                        struct oj_err *err);

/* --- fast placement of the container init ---------------------------------
 *
 * Writing a PID into a cgroup.procs file write-locks the kernel's global
 * cgroup_threadgroup_rwsem, and taking that percpu rwsem for writing waits
 * for an RCU grace period (rcu_sync_enter -> synchronize_rcu) unless another
 * writer held it less than a grace period ago.  On this 2-core VM that is
 * 5-20 ms, the largest single cost of `ojrun run` (specs/performance.md).
 * Two ways around it that keep the init in its cgroup before it runs
 * anything of the user's:
 *
 *  - v1 `tasks` with "0": migrating a single thread that is the caller
 *    itself does not lock the threadgroup rwsem at all
 *    (cgroup_procs_write_start: "If the thread is `current` ... we can skip
 *    the global lock").  The init is single-threaded, so moving its thread
 *    moves the process.  The permission check of a v1 write uses the
 *    credentials of the file's *opener*, so the parent (host root) opens
 *    the files and the init, already in its user namespace with unmapped
 *    host IDs, writes through the inherited fds.
 *  - v2: clone3(CLONE_INTO_CGROUP) creates the init inside the cgroup; the
 *    kernel documents that this path needs no write lock of the rwsem.
 *
 *   oj_cgroup_prepare_self_enter(cg, err);       // parent, before the clone
 *   clone3(... CLONE_INTO_CGROUP, oj_cgroup_clone_fd(cg)) or
 *       clone() + oj_cgroup_enter_v2(cg, pid, err)   // fallback, slow
 *   oj_cgroup_close_self_enter(cg);               // parent, after the clone
 *   oj_cgroup_enter_self(cg, err);                // init, before its setup
 */

/* Open the container's `tasks` file, for writing, in every v1 hierarchy
 * (O_CLOEXEC: the init's exec does not inherit them). */
int oj_cgroup_prepare_self_enter(struct oj_cgroup *cg, struct oj_err *err);

/* Called by the init (single-threaded, not yet exec'd): move itself into
 * the container's cgroup of every v1 hierarchy through the prepared fds,
 * then close them.  A no-op when nothing was prepared. */
int oj_cgroup_enter_self(struct oj_cgroup *cg, struct oj_err *err);

/* Close the prepared fds without using them (the parent after the clone). */
void oj_cgroup_close_self_enter(struct oj_cgroup *cg);

/* The container's cgroup2 directory for clone3(CLONE_INTO_CGROUP), on a v2
 * or a hybrid host (owned by `cg`); -1 when it has none. */
int oj_cgroup_clone_fd(struct oj_cgroup *cg);

/* Move `pid` into the cgroup2 directory only (when clone3 could not place
 * it): what oj_cgroup_enter does, for the v2 part.  0 when there is none. */
int oj_cgroup_enter_v2(struct oj_cgroup *cg, pid_t pid, struct oj_err *err);

/* An O_DIRECTORY fd of the container's cgroup for clone3(CLONE_INTO_CGROUP),
 * owned by `cg` (closed by oj_cgroup_free).  Only on a pure v2 host, after
 * oj_cgroup_create or oj_cgroup_load; -1 otherwise (on a hybrid host use
 * oj_cgroup_enter, which covers the v1 hierarchies too). */
int oj_cgroup_v2_fd(struct oj_cgroup *cg);

/* Apply changed resources to a live container (`ojrun update`).  Fields not
 * set are left as they are.  memory.checkBeforeUpdate refuses a limit below
 * the current usage. */
int oj_cgroup_update(struct oj_cgroup *cg, const struct oj_resources *r, struct oj_err *err);

/* Pause / resume (v1 freezer.state, v2 cgroup.freeze).  Freezing waits until
 * the kernel reports the cgroup really frozen, at most 5 s, and thaws again
 * on timeout. */
int oj_cgroup_freeze(struct oj_cgroup *cg, bool frozen, struct oj_err *err);
int oj_cgroup_is_frozen(struct oj_cgroup *cg, bool *frozen, struct oj_err *err);
/* Would a process in the cgroup stop running: frozen, on its way (v1
 * FREEZING, v2 cgroup.freeze 1), or frozen through an ancestor?  false
 * when there is no freezer at all. */
int oj_cgroup_freezing(struct oj_cgroup *cg, bool *freezing, struct oj_err *err);

/* Every process (thread group) in the container's cgroup and its
 * sub-cgroups.  *pids is malloc'ed (NULL when *n == 0). */
int oj_cgroup_pids(struct oj_cgroup *cg, pid_t **pids, size_t *n, struct oj_err *err);

/* Send `sig` to every process.  SIGKILL uses cgroup.kill when the container
 * has a v2 directory that offers it; otherwise processes are frozen (so none
 * can fork behind our back), signalled and thawed, and for SIGKILL this
 * repeats until the cgroup is empty (at most 5 s). */
int oj_cgroup_kill_all(struct oj_cgroup *cg, int sig, struct oj_err *err);

/* Kill what remains and remove the directories in every hierarchy (with
 * their sub-cgroups), retrying briefly while the kernel still reports tasks
 * (EBUSY).  Parent directories that ojrun created (e.g. /ojrun) are removed
 * when empty.  Missing directories are fine, so delete can be repeated.
 * A shared cgroup (oj_cgroup_set_join_busy) is left as it is: nothing is
 * killed and its shared directories stay. */
int oj_cgroup_destroy(struct oj_cgroup *cg, struct oj_err *err);

/* For a supervisor that outlives the container's state (ojrun-shim): when
 * the state directory disappears without `delete` (removed or moved by
 * hand), nothing refers to the cgroup any more and the supervisor is the
 * last one who can remove it.  oj_cgroup_pin() records the identity
 * (device, inode) of every directory while the container is surely the
 * one that owns them; oj_cgroup_remove_pinned() later removes each one that
 * is still that same directory and holds no process.  It never kills: a
 * directory another container has since created at the same path (after a
 * `delete` and a new `create` of the id) has another inode and is left
 * alone, and one that holds processes cannot be removed (EBUSY, retried
 * briefly for tasks still exiting, then an error).  Directories already
 * gone are fine. */
int oj_cgroup_pin(struct oj_cgroup *cg, struct oj_err *err);
int oj_cgroup_remove_pinned(struct oj_cgroup *cg, struct oj_err *err);

/* --- statistics ---------------------------------------------------------- */

#define OJ_CGROUP_UNLIMITED UINT64_MAX /* "max" / v1's unlimited limits */

struct oj_cgroup_kv {
    char *key;
    uint64_t value;
};

struct oj_cgroup_blkio_entry {
    uint64_t major, minor;
    char op[16]; /* "Read", "Write", "Sync", "Async", "Discard", "Total" */
    uint64_t value;
};

/* All times in nanoseconds, sizes in bytes.  Each has_* says whether the
 * controller was available; its fields are 0 otherwise. */
struct oj_cgroup_stats {
    bool has_cpu;
    struct {
        uint64_t total, user, kernel; /* v1 cpuacct.usage + cpuacct.stat; v2 cpu.stat */
        uint64_t *percpu;             /* v1 cpuacct.usage_percpu; NULL on v2 */
        size_t n_percpu;
        uint64_t periods, throttled_periods, throttled_time;
    } cpu;
    bool has_memory;
    struct {
        uint64_t usage, max_usage, limit, failcnt;
        /* memory+swap, v1's memsw (OCI linux.resources.memory.swap has the
         * same meaning); on v2 memory.swap.* plus the memory values. */
        bool has_swap;
        uint64_t swap_usage, swap_max_usage, swap_limit, swap_failcnt;
        uint64_t oom_kill;         /* processes killed by the OOM killer */
        struct oj_cgroup_kv *stat; /* memory.stat as is */
        size_t n_stat;
    } memory;
    bool has_pids;
    struct {
        uint64_t current, limit; /* limit OJ_CGROUP_UNLIMITED for "max" */
    } pids;
    bool has_blkio;
    struct {
        struct oj_cgroup_blkio_entry *io_service_bytes; /* recursive */
        size_t n_io_service_bytes;
    } blkio;
};

int oj_cgroup_stats(struct oj_cgroup *cg, struct oj_cgroup_stats *st, struct oj_err *err);
void oj_cgroup_stats_free(struct oj_cgroup_stats *st);

/* Write `st` as the "data" object of `runc events --stats`
 * ({"cpu":{"usage":...,"throttling":...},"memory":...,"pids":...,"blkio":...}),
 * plus memory.oomKill. */
void oj_cgroup_stats_json(const struct oj_cgroup_stats *st, struct jw *w);

/* --- OOM notifications (`ojrun events`) ---------------------------------- */

struct oj_cgroup_oom;

/* Watch the container's memory cgroup for OOM events: v1 an eventfd
 * registered on memory.oom_control through cgroup.event_control, v2 an
 * inotify watch on memory.events.  Fails (ENOENT) when the container has no
 * memory cgroup. */
int oj_cgroup_oom_open(struct oj_cgroup *cg, struct oj_cgroup_oom **out, struct oj_err *err);
/* The fd to poll(2) for POLLIN; it only means "call oj_cgroup_oom_read". */
int oj_cgroup_oom_fd(const struct oj_cgroup_oom *w);
/* Drain the fd and set *n to the OOM events since the previous call (or
 * since open), read from the kernel's counters.  ENOENT: the cgroup is gone. */
int oj_cgroup_oom_read(struct oj_cgroup_oom *w, uint64_t *n, struct oj_err *err);
void oj_cgroup_oom_close(struct oj_cgroup_oom *w);

/* --- persistence and introspection --------------------------------------- */

/* Text form, one line per hierarchy, for <state dir>/cgroup: later commands
 * run in other processes and must find the same directories. */
int oj_cgroup_save(const struct oj_cgroup *cg, struct strbuf *out, struct oj_err *err);
int oj_cgroup_load(const char *text, struct oj_cgroup **out, struct oj_err *err);

enum oj_cgroup_layout oj_cgroup_layout(const struct oj_cgroup *cg);

/* The container's directory for a controller ("memory", "cpu", "hugetlb",
 * "name=systemd" ...), "" for the cgroup2 directory; NULL when none. */
const char *oj_cgroup_dir(const struct oj_cgroup *cg, const char *controller);

/* Record every control-file write as "<path> <value>\n" in `trace` (NULL to
 * stop).  Used by tests; every write is also logged with oj_debug. */
void oj_cgroup_set_trace(struct oj_cgroup *cg, struct strbuf *trace);

void oj_cgroup_free(struct oj_cgroup *cg);

static inline void oj_cgroup_freep(struct oj_cgroup **cg)
{
    if (*cg)
        oj_cgroup_free(*cg);
}
#define _cleanup_cgroup_ __attribute__((cleanup(oj_cgroup_freep)))

#endif
