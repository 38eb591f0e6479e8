/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The default config.json written by `ojrun spec`.
 *
 * The shape follows `runc spec` (runc 1.1.5): a shell on a terminal, the
 * mounts every Linux container expects (config-linux.md "Default
 * Filesystems"), runc's small default capability set, the masked and
 * read-only /proc and /sys paths, and new pid/network/ipc/uts/mount
 * namespaces.  It is a starting point for a bundle, not a judge profile:
 * judge templates are meant to be layered on top of this generator.
 */
#ifndef OJRUN_SPEC_H
#define OJRUN_SPEC_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "strbuf.h"

/*
 * Append the default configuration as pretty-printed JSON (two-space indent,
 * trailing newline) to `out`.
 *
 * With `rootless`, the configuration is adapted for an unprivileged caller
 * the way `runc spec --rootless` does it: a user namespace mapping container
 * root to `uid`/`gid` (one id each), no network namespace, /sys bind-mounted
 * instead of a fresh sysfs, no devpts gid= option, no cgroup mount and no
 * linux.resources.
 *
 * With `cgroupns`, linux.namespaces also gets {"type":"cgroup"}: `runc spec`
 * adds it when the host is on pure cgroup v2 (oj_spec_host_wants_cgroupns),
 * so that the container sees its own cgroup as the root of the tree instead
 * of the host's whole hierarchy.
 *
 * Returns 0, or -1 with errno = ENOMEM when the buffer could not grow (the
 * JSON writer cannot fail otherwise, so there is no struct oj_err here).
 */
int oj_spec_default(bool rootless, bool cgroupns, uid_t uid, gid_t gid, struct strbuf *out);

/* Should the default configuration have a cgroup namespace?  True when the
 * host's layout is pure cgroup v2, detected as the runtime detects it for
 * containers (oj_cgroup_host_detect: the cgroup mounts of a mountinfo file,
 * NULL = /proc/self/mountinfo, and a /proc/<pid>/cgroup file, NULL =
 * /proc/self/cgroup).  runc asks the same question (cgroup2 mounted at
 * /sys/fs/cgroup, nothing else); on v1 and hybrid hosts it leaves the
 * namespace out, and so does ojrun, as when no cgroup is mounted at all. */
bool oj_spec_host_wants_cgroupns(const char *mountinfo, const char *proc_cgroup);

/* The linux.maskedPaths and linux.readonlyPaths of the default
 * configuration (/proc and /sys entries). */
extern const char *const *const oj_spec_masked_paths;
extern const size_t oj_spec_n_masked_paths;
extern const char *const *const oj_spec_readonly_paths;
extern const size_t oj_spec_n_readonly_paths;

/* Put "<bundle>/config.json" into `path` after checking that the bundle is
 * a directory and that config.json does not exist yet: `ojrun spec` never
 * overwrites one (it is usually somebody's hand-edited configuration). */
int oj_spec_config_path(const char *bundle, char *path, size_t size, struct oj_err *err);

#endif
