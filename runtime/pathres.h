/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Path resolution strictly inside a root directory.
 *
 * A container's config names paths *inside* the container ("/proc",
 * "/etc/hosts") but the runtime sets them up from the host, before
 * pivot_root(2), where the rootfs is just a directory.  Joining the two
 * strings ("<rootfs>" + "/etc") is a classic hole: a rootfs symlink
 * etc -> /etc, or a destination such as "/../../etc", would make the runtime
 * mount over (or create files in) the *host's* /etc.
 *
 * These helpers resolve a path component by component with the root
 * directory acting as "/": ".." never climbs above it and absolute symlinks
 * restart from it -- what chroot(2) would do, without chrooting.  The kernel
 * offers exactly this as openat2(2) with RESOLVE_IN_ROOT (Linux 5.6); when
 * openat2 is missing (ENOSYS) the same semantics are implemented by a walk
 * that opens each component with O_NOFOLLOW and expands symlinks itself.
 *
 * The result is a file descriptor, never a string: the caller mounts onto
 * it through "/proc/self/fd/N" or move_mount(2), so nothing can swap a
 * component for a symlink between the check and the use (TOCTOU).
 */
#ifndef OJRUN_PATHRES_H
#define OJRUN_PATHRES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

enum oj_path_create {
    OJ_PATH_NOCREATE, /* every component must exist */
    OJ_PATH_MKDIR,    /* create missing components as directories (mkdir -p) */
    OJ_PATH_MKFILE,   /* ... and a missing last component as an empty file */
};

/* Open `path` inside the directory `rootfd`.  `flags` are open(2) flags
 * (O_PATH, O_RDONLY|O_DIRECTORY, O_NOFOLLOW for the last component, ...;
 * O_CLOEXEC is always added, O_CREAT is refused: use the mk* helpers).
 * Relative paths are taken relative to the root.  Uses openat2(2) with
 * RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS and falls back to
 * oj_path_walk_in_root() when the kernel lacks openat2.
 * Returns the new fd, or -1 with err "resolve <path>: <reason>". */
int oj_path_open_in_root(int rootfd, const char *path, int flags, struct oj_err *err);

/* `mkdir -p path` inside the root; missing directories get `mode`
 * (subject to the umask).  Returns an O_PATH fd of the directory; an
 * existing non-directory as last component is ENOTDIR. */
int oj_path_mkdir_in_root(int rootfd, const char *path, mode_t mode, struct oj_err *err);

/* Make sure `path` exists inside the root, creating missing parent
 * directories (0755) and, if the last component is missing, an empty
 * regular file with `mode`: the mount point of a file bind mount.
 * Whatever already exists is accepted as is.  Returns an O_PATH fd. */
int oj_path_mkfile_in_root(int rootfd, const char *path, mode_t mode, struct oj_err *err);

/* The portable resolver (no openat2), exposed so tests can run it on a
 * kernel that has openat2.  Follows symlinks everywhere (also in the last
 * component unless `nofollow_last`), at most 40 of them (ELOOP) like the
 * kernel.  Returns an O_PATH fd of the result. */
int oj_path_walk_in_root(int rootfd, const char *path, enum oj_path_create create, mode_t mode,
                         bool nofollow_last, struct oj_err *err);

/* Lexically normalise `in` into an absolute path: collapse "//", drop ".",
 * resolve ".." without climbing above "/" ("/../../etc" -> "/etc"); a
 * relative input is taken relative to "/".  No filesystem access, so
 * symlinks are NOT resolved: use it to compare and print paths, never to
 * access them.  Returns 0, or -1 when `size` is too small. */
int oj_path_clean(const char *in, char *out, size_t size);

/* Is `path` equal to `prefix` or below it?  Both absolute and clean:
 * "/a/b" is below "/a", "/ab" is not, everything is below "/". */
bool oj_path_has_prefix(const char *path, const char *prefix);

/* "/proc/self/fd/<fd>", the magic link through which path-based system
 * calls (mount(2), chmod(2)) reach the object an fd refers to. */
#define OJ_FD_PATH_MAX 32
const char *oj_fd_path(int fd, char buf[OJ_FD_PATH_MAX]);

#endif
