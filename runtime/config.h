/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OCI runtime configuration (config.json) as typed C structures.
 *
 * Follows the OCI runtime specification v1.0.0 .. v1.2.0 (config.md,
 * config-linux.md).  config.c is the only module that parses JSON into these
 * structures; everything else in ojrun reads them.
 *
 * Conventions:
 *   - strings are NUL-terminated, heap-allocated, NULL when absent;
 *   - arrays are `T *x; size_t n_x;` (x == NULL when absent or empty);
 *     string arrays are additionally NULL-terminated (usable as argv/envp);
 *   - optional scalars use oj_opt_i64 / oj_opt_u64 / oj_opt_bool with a `set` flag
 *     because 0 is a meaningful value for most of them (e.g. cpu.shares).
 */
#ifndef OJRUN_CONFIG_H
#define OJRUN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#define OJ_CONFIG_MAX_BYTES (16u * 1024 * 1024) /* refuse larger config.json */
#define OJ_CONFIG_MAX_DEPTH 64                  /* refuse deeper nesting */

typedef struct {
    bool set;
    int64_t v;
} oj_opt_i64;

typedef struct {
    bool set;
    uint64_t v;
} oj_opt_u64;

typedef struct {
    bool set;
    bool v;
} oj_opt_bool;

struct oj_kv {
    char *key;
    char *value;
};

/* --- mounts and id mappings ------------------------------------------- */

struct oj_idmap {
    uint32_t container_id;
    uint32_t host_id;
    uint32_t size;
};

struct oj_mount {
    char *destination; /* required, absolute in practice (spec allows relative since 1.1) */
    char *type;        /* may be NULL (bind mounts) */
    char *source;
    char **options; /* NULL-terminated */
    size_t n_options;
    struct oj_idmap *uid_mappings;
    size_t n_uid_mappings;
    struct oj_idmap *gid_mappings;
    size_t n_gid_mappings;
};

/* --- process ------------------------------------------------------------ */

enum oj_cap_set {
    OJ_CAPSET_BOUNDING,
    OJ_CAPSET_EFFECTIVE,
    OJ_CAPSET_INHERITABLE,
    OJ_CAPSET_PERMITTED,
    OJ_CAPSET_AMBIENT,
    OJ_CAPSET_COUNT
};

struct oj_capabilities {
    /* For each set: `present` says whether the key appeared in the config,
     * `caps` holds libcap numbers (cap_value_t values) of the names given. */
    struct {
        bool present;
        int *caps;
        size_t n;
    } set[OJ_CAPSET_COUNT];
};

struct oj_rlimit {
    int resource; /* RLIMIT_* number, parsed from "RLIMIT_NOFILE" etc. */
    uint64_t hard;
    uint64_t soft;
};

struct oj_user {
    uint32_t uid;
    uint32_t gid;
    oj_opt_u64 umask; /* mode_t value */
    uint32_t *additional_gids;
    size_t n_additional_gids;
    char *username; /* Windows-only in the spec; parsed and ignored */
};

struct oj_io_priority {
    bool set;
    int class_; /* IOPRIO_CLASS_RT / BE / IDLE */
    int priority;
};

struct oj_scheduler {
    bool set;
    int policy; /* SCHED_OTHER, SCHED_FIFO, ... */
    oj_opt_i64 nice;
    oj_opt_i64 priority;
    uint64_t flags; /* SCHED_FLAG_* bits */
    oj_opt_u64 runtime;
    oj_opt_u64 deadline;
    oj_opt_u64 period;
};

struct oj_process {
    bool terminal;
    struct {
        bool set;
        unsigned height, width;
    } console_size;
    struct oj_user user;
    char **args; /* NULL-terminated; n_args >= 1 required by start */
    size_t n_args;
    char *command_line; /* Windows-only; parsed and ignored */
    char **env;         /* NULL-terminated */
    size_t n_env;
    char *cwd; /* required, absolute */
    bool has_capabilities;
    struct oj_capabilities capabilities;
    struct oj_rlimit *rlimits;
    size_t n_rlimits;
    bool no_new_privileges;
    char *apparmor_profile;
    oj_opt_i64 oom_score_adj;
    char *selinux_label;
    struct oj_io_priority io_priority;
    struct oj_scheduler scheduler;
};

/* --- hooks -------------------------------------------------------------- */

struct oj_hook {
    char *path;
    char **args; /* NULL-terminated, may be NULL */
    size_t n_args;
    char **env; /* NULL-terminated, may be NULL */
    size_t n_env;
    oj_opt_i64 timeout; /* seconds, > 0 when set */
};

enum oj_hook_kind {
    OJ_HOOK_PRESTART,
    OJ_HOOK_CREATE_RUNTIME,
    OJ_HOOK_CREATE_CONTAINER,
    OJ_HOOK_START_CONTAINER,
    OJ_HOOK_POSTSTART,
    OJ_HOOK_POSTSTOP,
    OJ_HOOK_KIND_COUNT
};

struct oj_hooks {
    struct oj_hook *list[OJ_HOOK_KIND_COUNT];
    size_t n[OJ_HOOK_KIND_COUNT];
};

/* --- linux ---------------------------------------------------------------- */

enum oj_ns_type {
    OJ_NS_PID,
    OJ_NS_NETWORK,
    OJ_NS_MOUNT,
    OJ_NS_IPC,
    OJ_NS_UTS,
    OJ_NS_USER,
    OJ_NS_CGROUP,
    OJ_NS_TIME,
    OJ_NS_COUNT
};

struct oj_namespace {
    enum oj_ns_type type;
    char *path; /* NULL: create a new namespace; else join the one at path */
};

struct oj_time_offset {
    char *clock; /* "monotonic" or "boottime" */
    int64_t secs;
    uint32_t nanosecs;
};

struct oj_device {
    char *path;
    char type; /* 'c', 'u', 'b' or 'p' */
    int64_t major, minor;
    oj_opt_u64 file_mode;
    oj_opt_u64 uid;
    oj_opt_u64 gid;
};

struct oj_device_cgroup {
    bool allow;
    char type;               /* 'a', 'c', 'b'; 'a' when absent */
    oj_opt_i64 major, minor; /* unset means wildcard */
    char *access;            /* subset of "rwm"; NULL means "rwm" */
};

struct oj_memory {
    oj_opt_i64 limit, reservation, swap, kernel, kernel_tcp;
    oj_opt_u64 swappiness;
    oj_opt_bool disable_oom_killer;
    oj_opt_bool use_hierarchy;
    oj_opt_bool check_before_update;
};

struct oj_cpu {
    oj_opt_u64 shares;
    oj_opt_i64 quota;
    oj_opt_u64 burst;
    oj_opt_u64 period;
    oj_opt_i64 realtime_runtime;
    oj_opt_u64 realtime_period;
    char *cpus;
    char *mems;
    oj_opt_bool idle;
};

struct oj_blkio_device {
    int64_t major, minor;
    oj_opt_u64 weight, leaf_weight; /* weight devices */
    uint64_t rate;                  /* throttle devices */
};

struct oj_blkio {
    oj_opt_u64 weight, leaf_weight;
    struct oj_blkio_device *weight_device;
    size_t n_weight_device;
    struct oj_blkio_device *throttle_read_bps, *throttle_write_bps;
    struct oj_blkio_device *throttle_read_iops, *throttle_write_iops;
    size_t n_throttle_read_bps, n_throttle_write_bps;
    size_t n_throttle_read_iops, n_throttle_write_iops;
};

struct oj_hugepage_limit {
    char *page_size; /* "2MB", "1GB" ... */
    uint64_t limit;
};

struct oj_net_priority {
    char *name;
    uint32_t priority;
};

struct oj_rdma_limit {
    char *device;
    oj_opt_u64 hca_handles, hca_objects;
};

struct oj_resources {
    struct oj_device_cgroup *devices;
    size_t n_devices;
    /* Not from the config: set by create so that the device rules (with
     * the default allow list) apply even when n_devices is 0, as runc
     * confines every container to its default devices. */
    bool default_devices;
    bool has_memory;
    struct oj_memory memory;
    bool has_cpu;
    struct oj_cpu cpu;
    bool has_pids;
    int64_t pids_limit; /* <= 0 means unlimited */
    bool has_block_io;
    struct oj_blkio block_io;
    struct oj_hugepage_limit *hugepage_limits;
    size_t n_hugepage_limits;
    bool has_network;
    oj_opt_u64 net_class_id;
    struct oj_net_priority *net_priorities;
    size_t n_net_priorities;
    struct oj_rdma_limit *rdma;
    size_t n_rdma;
    struct oj_kv *unified; /* raw cgroup v2 "file": "value" */
    size_t n_unified;
};

enum oj_seccomp_op {
    OJ_SECCOMP_OP_NE,
    OJ_SECCOMP_OP_LT,
    OJ_SECCOMP_OP_LE,
    OJ_SECCOMP_OP_EQ,
    OJ_SECCOMP_OP_GE,
    OJ_SECCOMP_OP_GT,
    OJ_SECCOMP_OP_MASKED_EQ
};

struct oj_seccomp_arg {
    unsigned index;
    uint64_t value;
    uint64_t value_two;
    enum oj_seccomp_op op;
};

/* Actions are kept as libseccomp's SCMP_ACT_* base values (without the errno
 * data) so that seccomp.c can combine them with errnoRet. */
struct oj_seccomp_rule {
    char **names; /* NULL-terminated */
    size_t n_names;
    uint32_t action;
    oj_opt_u64 errno_ret;
    struct oj_seccomp_arg *args;
    size_t n_args;
};

struct oj_seccomp {
    uint32_t default_action;
    oj_opt_u64 default_errno_ret;
    uint32_t *architectures; /* SCMP_ARCH_* tokens */
    size_t n_architectures;
    unsigned flags; /* SECCOMP_FILTER_FLAG_* bits */
    char *listener_path;
    char *listener_metadata;
    struct oj_seccomp_rule *syscalls;
    size_t n_syscalls;
};

struct oj_linux {
    struct oj_namespace *namespaces;
    size_t n_namespaces;
    struct oj_idmap *uid_mappings;
    size_t n_uid_mappings;
    struct oj_idmap *gid_mappings;
    size_t n_gid_mappings;
    struct oj_time_offset *time_offsets;
    size_t n_time_offsets;
    struct oj_device *devices;
    size_t n_devices;
    char *cgroups_path;
    bool has_resources;
    struct oj_resources resources;
    struct oj_kv *sysctl;
    size_t n_sysctl;
    bool has_seccomp;
    struct oj_seccomp seccomp;
    char *rootfs_propagation; /* "private", "rslave", ... or NULL */
    char **masked_paths;
    size_t n_masked_paths;
    char **readonly_paths;
    size_t n_readonly_paths;
    char *mount_label;
    bool has_personality;
    char *personality_domain; /* "LINUX" or "LINUX32" */
    char **personality_flags;
    size_t n_personality_flags;
    char *intel_rdt_clos_id; /* parsed, unsupported */
};

struct oj_config {
    char *oci_version;
    char *root_path; /* as written in config.json (may be relative to the bundle) */
    bool root_readonly;
    struct oj_mount *mounts;
    size_t n_mounts;
    struct oj_process *process; /* NULL when absent (valid for create) */
    char *hostname;
    char *domainname;
    struct oj_hooks hooks;
    struct oj_kv *annotations;
    size_t n_annotations;
    bool has_linux;
    struct oj_linux linux_;
};

/* Parse a config.json held in memory. `len` bytes, need not be NUL-terminated.
 * On error returns NULL and fills err with one line naming the JSON path,
 * e.g. "config.json: linux.namespaces[3].type: unknown namespace \"nett\"". */
struct oj_config *oj_config_parse(const char *data, size_t len, struct oj_err *err);

/* Read and parse `path` (refusing files over OJ_CONFIG_MAX_BYTES). */
struct oj_config *oj_config_load(const char *path, struct oj_err *err);

void oj_config_free(struct oj_config *cfg);

/* A standalone "process" object (the file of `ojrun exec --process`). */
struct oj_process *oj_process_parse(const char *data, size_t len, struct oj_err *err);
void oj_process_free(struct oj_process *p);

/* A standalone LinuxResources object (the file of `ojrun update --resources`,
 * shaped like config.json's "linux.resources").  Errors read
 * "resources.json: memory.limit: ...".  Free with oj_resources_free. */
struct oj_resources *oj_resources_parse(const char *data, size_t len, struct oj_err *err);
void oj_resources_free(struct oj_resources *r);

static inline void oj_config_freep(struct oj_config **cfg)
{
    if (*cfg)
        oj_config_free(*cfg);
}
#define _cleanup_config_ __attribute__((cleanup(oj_config_freep)))

/* Lookup helpers used across the runtime. */
const struct oj_namespace *oj_config_namespace(const struct oj_config *cfg, enum oj_ns_type t);
const char *oj_config_annotation(const struct oj_config *cfg, const char *key);

/* Names <-> enums, shared by the parser, `features` and `--debug` output. */
const char *oj_ns_type_name(enum oj_ns_type t); /* "pid", "network", ... */
int oj_ns_type_from_name(const char *name);     /* -1 if unknown */
int oj_ns_clone_flag(enum oj_ns_type t);        /* CLONE_NEWPID ... */
const char *oj_ns_proc_name(enum oj_ns_type t); /* "pid", "net", "mnt" ... under /proc/PID/ns */
int oj_rlimit_from_name(const char *name); /* "RLIMIT_NOFILE" -> RLIMIT_NOFILE, -1 if unknown */
const char *oj_rlimit_name(int resource);

#endif
