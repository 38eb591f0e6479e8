/* SPDX-License-Identifier: Apache-2.0 */
/*
 * /proc/<pid>/mountinfo parsing (proc(5), "/proc/pid/mountinfo").
 *
 * One line per mount:
 *   36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 *   (1)(2)(3)   (4)   (5)         (6)       (7)      (8)(9)  (10)      (11)
 * Paths are octal-escaped by the kernel (space -> \040); the parser
 * unescapes them.  Used to find the mount a path lives on, the cgroup v1
 * hierarchies, and by tests to check that nothing leaked.
 */
#ifndef OJRUN_MOUNTINFO_H
#define OJRUN_MOUNTINFO_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct oj_mountinfo_entry {
    int id, parent_id;
    unsigned major, minor;
    char *root;          /* (4) path of the mount's root inside its filesystem */
    char *mountpoint;    /* (5) */
    char *options;       /* (6) per-mount options: "rw,nosuid,relatime" */
    char *optional;      /* (7) "shared:1 master:2", "" when none */
    char *fstype;        /* (9) */
    char *source;        /* (10) */
    char *super_options; /* (11) per-superblock options: "rw,size=1024k" */
};

struct oj_mountinfo {
    struct oj_mountinfo_entry *v; /* in file order: parents before children */
    size_t n;
    char *buf; /* the entries' strings point into this */
};

/* Read and parse a mountinfo file (NULL: /proc/self/mountinfo). */
int oj_mountinfo_read(const char *path, struct oj_mountinfo *out, struct oj_err *err);
/* Parse text already in memory; `text` is copied. */
int oj_mountinfo_parse(const char *text, struct oj_mountinfo *out, struct oj_err *err);
void oj_mountinfo_free(struct oj_mountinfo *mi);

/* The mount `path` (absolute, canonical) lives on: the last entry whose
 * mountpoint is the longest prefix of `path` (later entries are mounted on
 * top of earlier ones).  NULL if none (cannot happen for "/..." paths). */
const struct oj_mountinfo_entry *oj_mountinfo_containing(const struct oj_mountinfo *mi,
                                                         const char *path);

/* Whether a comma-separated option list contains `opt` exactly. */
bool oj_mount_option_has(const char *options, const char *opt);

#endif
