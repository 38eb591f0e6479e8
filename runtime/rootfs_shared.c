/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The mounts a container without a mount namespace of its own leaves in the
 * runtime's (rootfs.h, oj_rootfs_shared_record()).
 *
 * config-linux.md "Namespaces": a namespace type the config does not list is
 * inherited from the runtime.  For the mount namespace that means the
 * container's mounts[] (and its /dev, the bind of the rootfs onto itself)
 * are made in the namespace ojrun runs in, and outlive the container: runc
 * leaves them there.  They all sit below the one bind of the rootfs onto
 * itself, so detaching that bind (umount2(MNT_DETACH) takes the subtree)
 * removes them all.  The rootfs may have been a mount point before (an
 * overlay a caller mounted there): what is ours is what was stacked on
 * that path after the count recorded at create.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "mountinfo.h"
#include "rootfs.h"
#include "strbuf.h"
#include "util.h"

#define RECORD "rootfs-mounts"

/* Mounts whose mount point is exactly `path`; -1 when mountinfo fails. */
static long mounts_at(const char *path, struct oj_err *err)
{
    struct oj_mountinfo mi;
    if (oj_mountinfo_read(NULL, &mi, err) < 0)
        return -1;
    long n = 0;
    for (size_t i = 0; i < mi.n; i++)
        n += strcmp(mi.v[i].mountpoint, path) == 0;
    oj_mountinfo_free(&mi);
    return n;
}

int oj_rootfs_shared_record(const char *dir, const char *rootfs, struct oj_err *err)
{
    long n = mounts_at(rootfs, err);
    if (n < 0)
        return oj_wrap(err, "count the mounts at the rootfs %s", rootfs);
    struct strbuf sb = {0};
    sb_printf(&sb, "%ld\t%s\n", n, rootfs);
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/" RECORD, dir);
    int r = sb.oom ? oj_fail(err, ENOMEM, "%s", path)
                   : oj_write_file_atomic(path, sb_str(&sb), sb.len, 0600, err);
    sb_free(&sb);
    return r;
}

int oj_rootfs_shared_release(const char *dir, struct oj_err *err)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/" RECORD, dir);
    _cleanup_free_ char *text = NULL;
    struct oj_err rerr = {0};
    if (oj_read_file(path, PATH_MAX + 32, &text, NULL, &rerr) < 0) {
        if (rerr.code == ENOENT)
            return 0;
        *err = rerr;
        return -1;
    }
    char *tab = strchr(text, '\t');
    char *nl = tab ? strrchr(tab, '\n') : NULL; /* a path may hold newlines */
    uint64_t before;
    if (!tab || !nl || nl[1] != '\0' || tab[1] != '/')
        return oj_fail(err, EINVAL, "%s: malformed", path);
    *tab = *nl = '\0';
    if (oj_parse_u64(text, &before) < 0)
        return oj_fail(err, EINVAL, "%s: malformed", path);
    const char *rootfs = tab + 1;
    /* One bind per create; the bound is against a loop on a path someone
     * keeps mounting on. */
    for (int i = 0; i < 64; i++) {
        long n = mounts_at(rootfs, err);
        if (n < 0)
            return -1;
        if ((uint64_t)n <= before)
            return 0;
        oj_debug("rootfs: detach the container's mounts at %s", rootfs);
        if (umount2(rootfs, MNT_DETACH) < 0)
            return oj_fail(err, errno, "detach the container's mounts at %s", rootfs);
    }
    return oj_fail(err, EBUSY, "detach the container's mounts at %s: still mounted", rootfs);
}
