/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OCI mount options ("mounts[].options" in config.json) -> mount(2) flags.
 *
 * The spec (config.md, "Mounts") says options are those of mount(8) and
 * fstab(5); as in runc and crun an option is either
 *   - a per-mount or superblock flag: ro/rw, nosuid/suid, nodev/dev, ...
 *     (a "no"-less spelling *clears* the flag: "rw" clears MS_RDONLY), the
 *     last of two contradicting options wins;
 *   - a recursive flag (rro, rnosuid, ...: runc's extension, applied with
 *     mount_setattr(2) AT_RECURSIVE to the mount and every mount below it);
 *   - a propagation type (private, rslave, ...), which mount(2) does not
 *     accept together with other flags: one extra call each, in order;
 *   - "bind"/"rbind", which make the mount a (recursive) bind mount;
 *   - anything else, passed verbatim to the filesystem as the data string
 *     ("size=64m", "mode=755", "newinstance", "gid=5"...).
 */
#ifndef OJRUN_MOUNTOPT_H
#define OJRUN_MOUNTOPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define OJ_MOUNT_MAX_PROPAGATION 8

struct oj_mount_opts {
    unsigned long flags;     /* MS_* to set (MS_BIND and MS_REC for bind/rbind) */
    unsigned long clear;     /* MS_* explicitly cleared ("rw", "suid", "atime", ...) */
    unsigned long rec_flags; /* MS_* spelling of the recursive options (rro -> MS_RDONLY) */
    unsigned long rec_clear; /* ... and of their negations (rrw -> MS_RDONLY) */
    unsigned long propagation[OJ_MOUNT_MAX_PROPAGATION]; /* MS_PRIVATE|MS_REC, ... */
    size_t n_propagation;
    char *data;     /* the filesystem-specific rest, comma-joined; NULL when empty */
    bool tmpcopyup; /* runc's "tmpcopyup" extension (not supported: the caller warns) */
};

/* Parse `n` options.  Fails only on options that are recognised but cannot
 * be honoured (idmapped mounts), or on too many propagation options. */
int oj_mount_opts_parse(char *const *options, size_t n, struct oj_mount_opts *out,
                        struct oj_err *err);
void oj_mount_opts_free(struct oj_mount_opts *o);

/* Translate MS_* flags to set/clear into mount_setattr(2) MOUNT_ATTR_* sets.
 * Only per-mount flags translate (ro, nosuid, nodev, noexec, atime family,
 * nodiratime, nosymfollow); superblock flags such as sync have no
 * per-mount equivalent and are ignored.  An atime option (noatime,
 * relatime, strictatime or a negation) replaces the whole atime mode, as
 * the kernel requires. */
void oj_mount_flags_to_attr(unsigned long set, unsigned long clear, uint64_t *attr_set,
                            uint64_t *attr_clr);

/* "rslave" -> MS_SLAVE|MS_REC ... -1 when `name` is not a propagation type. */
int oj_mount_propagation_from_name(const char *name, unsigned long *flag);

/* Human-readable flags for --debug: "ro,nosuid,bind,rec" ("none" for 0). */
void oj_mount_flags_str(unsigned long flags, char *buf, size_t size);

#endif
