/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared internals of the cgroup module (cgroup_host.c, cgroup.c,
 * cgroup_files.c, cgroup_state.c, cgroup_procs.c, cgroup_stats.c,
 * cgroup_v1.c, cgroup_v2.c, cgroup_devices.c, cgroup_devices_bpf.c).  Not
 * for other modules: use cgroup.h.
 */
#ifndef OJRUN_CGROUP_INTERNAL_H
#define OJRUN_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cgroup.h"

/* The container's directory in one hierarchy. */
struct oj_cg_dir {
    bool v2;
    char *controllers; /* as in struct oj_cgroup_hierarchy */
    char *mount;       /* mount point */
    char *rel;         /* the container's cgroup below the mount: "/ojrun/x" */
    char *path;        /* mount + rel */
    unsigned owned;    /* trailing components of rel that ojrun created */
    /* v2: per level of rel (0 = the mount), the controllers create added to
     * that level's cgroup.subtree_control ("memory pids"), NULL if none;
     * undone when create fails.  n_enabled entries. */
    char **enabled;
    size_t n_enabled;
    bool optional; /* hybrid's cgroup2 dir when no resource needs it */
    bool absent;   /* an optional dir that could not be created */
    bool shared;   /* existed with processes in it when create joined it
                    * (oj_cgroup_set_join_busy): never emptied nor removed */
    bool pinned;   /* oj_cgroup_pin recorded dev/ino */
    dev_t dev;
    ino_t ino;
};

struct oj_cgroup {
    enum oj_cgroup_layout layout;
    struct oj_cg_dir *dirs;
    size_t n;
    int v2_fd;
    int *self_fds; /* oj_cgroup_prepare_self_enter: per dir, a v1 `tasks` fd or -1 */
    struct strbuf *trace;
    bool join_busy; /* oj_cgroup_set_join_busy */
};

/* The controllers ojrun knows, with their v1 and v2 names. */
enum oj_cg_ctrl {
    OJ_CG_CPUSET,
    OJ_CG_CPU,
    OJ_CG_MEMORY,
    OJ_CG_PIDS,
    OJ_CG_BLKIO,
    OJ_CG_HUGETLB,
    OJ_CG_NET_CLS,
    OJ_CG_NET_PRIO,
    OJ_CG_RDMA,
    OJ_CG_DEVICES,
    OJ_CG_CTRL_COUNT
};

/* --- host helpers (cgroup_host.c) --- */

/* Is `name` one of the tokens of `list` (separated by `sep`)? */
bool oj_cg_list_has(const char *list, char sep, const char *name);

/* --- lookups (cgroup.c) --- */

/* Fill a directory entry (strings copied; path = mount + rel). */
int oj_cg_dir_init(struct oj_cg_dir *d, bool v2, const char *controllers, const char *mount,
                   const char *rel, unsigned owned, struct oj_err *err);

/* The v1 directory whose hierarchy carries controller `name`, or NULL. */
struct oj_cg_dir *oj_cg_v1_dir(const struct oj_cgroup *cg, const char *name);
/* The cgroup2 directory (not absent), or NULL. */
struct oj_cg_dir *oj_cg_v2_dir(const struct oj_cgroup *cg);

/* --- control files (cgroup_files.c) --- */

/* Write the formatted value to <dir>/<file> in one write(2).  Errors read
 * "write <value> to <dir>/<file>: <strerror>". */
int oj_cg_write(struct oj_cgroup *cg, const char *dir, const char *file, struct oj_err *err,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Read <dir>/<file> whole (trailing newline kept). */
int oj_cg_read(const char *dir, const char *file, char **out, struct oj_err *err);
/* Read a single number; "max" reads as OJ_CGROUP_UNLIMITED. */
int oj_cg_read_u64(const char *dir, const char *file, uint64_t *out, struct oj_err *err);
bool oj_cg_exists(const char *dir, const char *file);
/* In a flat keyed file ("key value\n" lines, cgroup-v2.rst "Interface Files")
 * find `key`.  Returns 0, or -1 when absent or not a number. */
int oj_cg_kv(const char *text, const char *key, uint64_t *out);
/* Parse a whole flat keyed file into a kv array (appending). */
int oj_cg_kv_all(const char *text, struct oj_cgroup_kv **kv, size_t *n, struct oj_err *err);

/* --- resources per version (cgroup_v1.c, cgroup_v2.c) --- */

/* Apply the part of `r` for controller `c` to `dir`.  `update` is true for
 * `ojrun update` (the cgroup already holds values and processes). */
int oj_cg_v1_apply(struct oj_cgroup *cg, enum oj_cg_ctrl c, const char *dir,
                   const struct oj_resources *r, bool update, struct oj_err *err);
int oj_cg_v2_apply(struct oj_cgroup *cg, enum oj_cg_ctrl c, const char *dir,
                   const struct oj_resources *r, bool update, struct oj_err *err);
/* linux.resources.unified: raw files of the cgroup2 directory. */
int oj_cg_v2_unified(struct oj_cgroup *cg, const char *dir, const struct oj_resources *r,
                     struct oj_err *err);
/* Is `key` a safe unified key (a file name, not a path)? */
int oj_cg_check_unified_key(const char *key, struct oj_err *err);

/* Shared by both versions: hugetlb page size check ("2MB"), rdma.max
 * lines, one blkio statistics entry. */
int oj_cg_check_page_size(const char *size, struct oj_err *err);
int oj_cg_rdma(struct oj_cgroup *cg, const char *dir, const struct oj_resources *r,
               struct oj_err *err);
int oj_cg_add_blkio(struct oj_cgroup_stats *st, uint64_t major, uint64_t minor, const char *op,
                    uint64_t value, struct oj_err *err);

/* cpu.shares -> cpu.weight and blkio weight -> io.weight, as runc/crun convert. */
uint64_t oj_cg_shares_to_weight(uint64_t shares);
uint64_t oj_cg_blkio_to_io_weight(uint64_t weight);

int oj_cg_v1_stats_cpu(const char *cpuacct_dir, const char *cpu_dir, struct oj_cgroup_stats *st,
                       struct oj_err *err);
int oj_cg_v1_stats_memory(const char *dir, struct oj_cgroup_stats *st, struct oj_err *err);
int oj_cg_v1_stats_pids(const char *dir, struct oj_cgroup_stats *st, struct oj_err *err);
int oj_cg_v1_stats_blkio(const char *dir, struct oj_cgroup_stats *st, struct oj_err *err);
int oj_cg_v2_stats_cpu(const char *dir, struct oj_cgroup_stats *st, struct oj_err *err);
int oj_cg_v2_stats_memory(const char *dir, struct oj_cgroup_stats *st, struct oj_err *err);
int oj_cg_v2_stats_pids(const char *dir, struct oj_cgroup_stats *st, struct oj_err *err);
int oj_cg_v2_stats_blkio(const char *dir, struct oj_cgroup_stats *st, struct oj_err *err);

/* --- devices (cgroup_devices.c, cgroup_devices_bpf.c) --- */

/* The effective rule list: r->devices validated, then the default devices.
 * Free with oj_cg_device_rules_free. */
int oj_cg_device_rules(const struct oj_resources *r, struct oj_device_cgroup **out, size_t *n,
                       struct oj_err *err);
void oj_cg_device_rules_free(struct oj_device_cgroup *rules, size_t n);
/* One rule in the devices.allow/deny syntax: "c 1:3 rwm", "a *:* rwm". */
void oj_cg_device_rule_text(const struct oj_device_cgroup *rule, char *buf, size_t size);

struct bpf_insn;
/* Emit the BPF_PROG_TYPE_CGROUP_DEVICE program for `rules` (last matching
 * rule wins, default deny).  *insns is malloc'ed. */
int oj_cg_bpf_devices_program(const struct oj_device_cgroup *rules, size_t n,
                              struct bpf_insn **insns, size_t *n_insns, struct oj_err *err);
/* Load the program and attach it to the cgroup2 directory `dir`, replacing
 * the device programs ojrun attached before. */
int oj_cg_bpf_devices_apply(const char *dir, const struct oj_device_cgroup *rules, size_t n,
                            struct oj_err *err);

#endif
