/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Judge bundles: `ojrun spec --judge LANG --phase compile|run --box DIR`.
 *
 * A judge runs every submission twice, each time in a fresh container made
 * from a template: the *compile* phase turns the source in /box into
 * something runnable (or only checks its syntax), the *run* phase runs it
 * on one test's input.  The templates live in bundle-templates/ (JSON) and
 * are turned into the tables below at build time (gen-judge-templates.sh,
 * next to this file), so the ojrun binary reads no file to produce a judge
 * bundle.  specs/judge-templates.md describes the layout,
 * the limits and the seccomp policy, and how to add a language.
 */
#ifndef OJRUN_JUDGE_H
#define OJRUN_JUDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "strbuf.h"

enum oj_judge_phase { OJ_JUDGE_COMPILE, OJ_JUDGE_RUN, OJ_JUDGE_N_PHASES };

/* The limits a judge chooses per submission (the --cpu-ms ... options). */
struct oj_judge_limits {
    uint64_t cpu_ms;       /* CPU time: annotation for the shim, RLIMIT_CPU as backstop */
    uint64_t wall_ms;      /* wall-clock time: annotation for the shim */
    uint64_t memory;       /* bytes: memory cgroup limit (= memory+swap), RLIMIT_STACK */
    uint64_t pids;         /* pids cgroup limit: processes *and* threads */
    uint64_t output_bytes; /* RLIMIT_FSIZE, and an annotation for the shim */
};

/* One phase of a language, after common.json's defaults were merged in.
 * String vectors are NULL-terminated; args and env may contain the
 * placeholders of oj_judge_expand(). */
struct oj_judge_phase_tmpl {
    const char *const *files;      /* what the judge puts in /box before this phase */
    const char *const *produces;   /* what the phase leaves in /box (glob patterns) */
    const char *const *args;       /* process.args; args[0] is an absolute path */
    const char *const *env;        /* added to the common environment */
    const char *const *syscalls;   /* allowed on top of the base groups */
    struct oj_judge_limits limits; /* defaults of the --cpu-ms ... options */
    uint64_t tmpfs_bytes;          /* size of the /tmp tmpfs */
    uint64_t nofile;               /* RLIMIT_NOFILE */
    bool box_writable;             /* /box read-write (compile) or read-only */
    bool processes; /* may start processes (fork/vfork, clone without CLONE_THREAD) */
};

struct oj_judge_lang {
    const char *name;
    const char *description;
    const char *const *etc; /* host paths under /etc bound read-only into the container */
    struct oj_judge_phase_tmpl phase[OJ_JUDGE_N_PHASES];
};

struct oj_judge_syscall_group {
    const char *name;
    const char *const *syscalls;
};

/* Generated tables (build/gen/judge_templates.c). */
extern const struct oj_judge_lang oj_judge_langs[];
extern const size_t oj_judge_n_langs;
extern const struct oj_judge_syscall_group oj_judge_seccomp_groups[]; /* every phase */
extern const size_t oj_judge_n_seccomp_groups;
extern const char *const oj_judge_process_syscalls[]; /* phases with .processes */

/* The user the submission runs as, and the id mapping of the user
 * namespace: container ids 0..65535 are host ids 100000..165535, so the
 * program's files on the host belong to 101000:101000. */
#define OJ_JUDGE_UID          1000
#define OJ_JUDGE_GID          1000
#define OJ_JUDGE_HOST_ID_BASE 100000
#define OJ_JUDGE_ID_RANGE     65536

/* Everything `ojrun spec --judge` was asked for. */
struct oj_judge_opts {
    const struct oj_judge_lang *lang;
    enum oj_judge_phase phase;
    const char *box;    /* absolute path of the host directory mounted on /box */
    const char *bundle; /* absolute path of the bundle directory */
    struct oj_judge_limits limits;
};

/* What `ojrun spec --judge` was given, as strings; NULL when not given
 * (bundle: the current directory, limits: the template's defaults). */
struct oj_judge_request {
    const char *bundle;
    const char *lang, *phase, *box;
    const char *cpu_ms, *wall_ms, *memory, *pids, *output_bytes;
};

/* The whole command: check every value, generate config.json, create
 * <bundle>/rootfs, then write <bundle>/config.json (last: a bundle with a
 * config.json is complete).  Refuses an existing config.json.  Prints
 * warnings about host permissions (oj_judge_check_access). */
int oj_judge_write_bundle(const struct oj_judge_request *r, struct oj_err *err);

/* The template called `name`, or NULL. */
const struct oj_judge_lang *oj_judge_lang_find(const char *name);

/* "compile" / "run" <-> enum. */
int oj_judge_phase_parse(const char *s, enum oj_judge_phase *out, struct oj_err *err);
const char *oj_judge_phase_name(enum oj_judge_phase phase);

/* Parse the value of one limit option (`name` is "cpu-ms", "wall-ms",
 * "memory", "pids" or "output-bytes") into `limits`: a decimal integer
 * within the option's range, e.g. "--memory: 12x: not a non-negative
 * integer". */
int oj_judge_set_limit(struct oj_judge_limits *limits, const char *name, const char *value,
                       struct oj_err *err);

/* Replace the placeholders in a template string: {memory_mib} (the memory
 * limit in MiB) and {heap_mib} (3/4 of it, at least 16: the heap a
 * garbage-collected runtime may grow to, leaving the rest for its code,
 * threads and metadata).  The result is malloc'ed. */
char *oj_judge_expand(const char *tmpl, const struct oj_judge_limits *limits, struct oj_err *err);

/* Append the complete config.json for `o` (pretty-printed, trailing
 * newline) to `out`. */
int oj_judge_spec(const struct oj_judge_opts *o, struct strbuf *out, struct oj_err *err);

/* Append the "seccomp" key and object (for linux.seccomp) of a language
 * and phase to `w` (judge_seccomp.c).  Fails if the template would allow
 * a syscall of oj_judge_never_allowed. */
int oj_judge_write_seccomp(struct jw *w, const struct oj_judge_lang *lang,
                           enum oj_judge_phase phase, struct oj_err *err);

/* The syscall allowlist of a language and phase (what
 * oj_judge_write_seccomp allows unconditionally: the base groups, the
 * process group when the phase may start processes, the template's
 * extras), sorted and without duplicates.  The vector and its strings
 * point into the static tables; free only the vector.  `*n` gets the
 * length. */
const char **oj_judge_allowlist(const struct oj_judge_lang *lang, enum oj_judge_phase phase,
                                size_t *n, struct oj_err *err);

/* Syscalls no judge allowlist may contain, in any phase (NULL-terminated):
 * namespaces, mounts, ptrace, bpf, io_uring, kernel modules ...  clone and
 * clone3 are on it too: they only ever get the filtered rules that
 * oj_judge_write_seccomp writes itself. */
extern const char *const oj_judge_never_allowed[];

/* --- the container's filesystem (judge_fs.c) ------------------------- */

/* One entry of config.json "mounts".  All strings are malloc'ed. */
#define OJ_JUDGE_MAX_MOUNT_OPTIONS 8
struct oj_judge_mount {
    char *destination;
    char *type;
    char *source;
    char *options[OJ_JUDGE_MAX_MOUNT_OPTIONS + 1]; /* NULL-terminated */
    bool file; /* the mount point is a regular file (a bind of a file) */
};

/* The mounts of a judge container, in mount order: /proc, /dev, /usr (and
 * any of /bin, /sbin, /lib, /lib64 ... that is a real directory on the
 * host rather than a merged-/usr symlink), /etc/ld.so.cache and the
 * language's /etc paths, /box and /tmp.  Host paths that the template
 * needs are checked to exist. */
int oj_judge_mounts(const struct oj_judge_opts *o, struct oj_judge_mount **out, size_t *n,
                    struct oj_err *err);
void oj_judge_mounts_free(struct oj_judge_mount *m, size_t n);

/* Create <bundle>/rootfs for `o`: the mount points of every mount in the
 * config, the merged-/usr symlinks (bin -> usr/bin ...) and small
 * /etc/passwd and /etc/group files.  Existing entries of the same kind
 * are kept, so one bundle directory can be reused for the next phase;
 * nothing is followed through a symlink. */
int oj_judge_make_rootfs(const struct oj_judge_opts *o, struct oj_err *err);

/* Check that the phase's command exists on the host when it lives in /usr
 * (the container's /usr is the host's): "java template needs
 * /usr/bin/javac: No such file or directory". */
int oj_judge_check_tools(const struct oj_judge_lang *lang, enum oj_judge_phase phase,
                         struct oj_err *err);

/* Print warnings (oj_warn) about host permissions that would make the
 * bundle fail under the user namespace: a bundle path not searchable by
 * the mapped root, a compile-phase box the program cannot write. */
void oj_judge_check_access(const struct oj_judge_opts *o);

#endif
