/* SPDX-License-Identifier: Apache-2.0 */
#include "mountopt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "strbuf.h"

/* Every flag option: its name, the MS_* bit, and whether it sets (true) or
 * clears (false) the bit.  mount(8) spellings, as runc and crun accept. */
static const struct {
    const char *name;
    unsigned long flag;
    bool set;
} flag_opts[] = {
    {"ro", MS_RDONLY, true},
    {"rw", MS_RDONLY, false},
    {"nosuid", MS_NOSUID, true},
    {"suid", MS_NOSUID, false},
    {"nodev", MS_NODEV, true},
    {"dev", MS_NODEV, false},
    {"noexec", MS_NOEXEC, true},
    {"exec", MS_NOEXEC, false},
    {"sync", MS_SYNCHRONOUS, true},
    {"async", MS_SYNCHRONOUS, false},
    {"dirsync", MS_DIRSYNC, true},
    {"remount", MS_REMOUNT, true},
    {"mand", MS_MANDLOCK, true},
    {"nomand", MS_MANDLOCK, false},
    {"noatime", MS_NOATIME, true},
    {"atime", MS_NOATIME, false},
    {"nodiratime", MS_NODIRATIME, true},
    {"diratime", MS_NODIRATIME, false},
    {"relatime", MS_RELATIME, true},
    {"norelatime", MS_RELATIME, false},
    {"strictatime", MS_STRICTATIME, true},
    {"nostrictatime", MS_STRICTATIME, false},
    {"lazytime", MS_LAZYTIME, true},
    {"nolazytime", MS_LAZYTIME, false},
    {"iversion", MS_I_VERSION, true},
    {"noiversion", MS_I_VERSION, false},
    {"silent", MS_SILENT, true},
    {"loud", MS_SILENT, false},
    {"nosymfollow", MS_NOSYMFOLLOW, true},
    {"symfollow", MS_NOSYMFOLLOW, false},
    {"bind", MS_BIND, true},
    {"rbind", MS_BIND | MS_REC, true},
    {"defaults", 0, true},
};

static const struct {
    const char *name;
    unsigned long flag;
} prop_opts[] = {
    {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
    {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
    {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
};

int oj_mount_propagation_from_name(const char *name, unsigned long *flag)
{
    for (size_t i = 0; i < sizeof(prop_opts) / sizeof(prop_opts[0]); i++) {
        if (strcmp(name, prop_opts[i].name) == 0) {
            *flag = prop_opts[i].flag;
            return 0;
        }
    }
    return -1;
}

static int find_flag_opt(const char *name)
{
    for (size_t i = 0; i < sizeof(flag_opts) / sizeof(flag_opts[0]); i++)
        if (strcmp(name, flag_opts[i].name) == 0)
            return (int)i;
    return -1;
}

/* The atime options exclude one another: setting one drops the others. */
#define ATIME_FLAGS (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)

static void apply(unsigned long *set, unsigned long *clear, unsigned long flag, bool on)
{
    if (on) {
        if (flag & ATIME_FLAGS)
            *set &= ~ATIME_FLAGS;
        *set |= flag;
        *clear &= ~flag;
    } else {
        *set &= ~flag;
        *clear |= flag;
    }
}

int oj_mount_opts_parse(char *const *options, size_t n, struct oj_mount_opts *out,
                        struct oj_err *err)
{
    *out = (struct oj_mount_opts){0};
    struct strbuf data = {0};
    for (size_t i = 0; i < n; i++) {
        const char *o = options[i];
        if (!o || !*o)
            continue;
        int k = find_flag_opt(o);
        if (k >= 0) {
            apply(&out->flags, &out->clear, flag_opts[k].flag, flag_opts[k].set);
            continue;
        }
        unsigned long prop;
        if (oj_mount_propagation_from_name(o, &prop) == 0) {
            if (out->n_propagation == OJ_MOUNT_MAX_PROPAGATION) {
                sb_free(&data);
                return oj_fail(err, 0, "mount option %s: more than %d propagation options", o,
                               OJ_MOUNT_MAX_PROPAGATION);
            }
            out->propagation[out->n_propagation++] = prop;
            continue;
        }
        /* runc's recursive variants: "r" + a per-mount flag option */
        if (o[0] == 'r' && strcmp(o, "rbind") != 0 && (k = find_flag_opt(o + 1)) >= 0 &&
            (flag_opts[k].flag & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | ATIME_FLAGS |
                                  MS_NODIRATIME | MS_NOSYMFOLLOW))) {
            apply(&out->rec_flags, &out->rec_clear, flag_opts[k].flag, flag_opts[k].set);
            continue;
        }
        if (strcmp(o, "idmap") == 0 || strcmp(o, "ridmap") == 0) {
            sb_free(&data);
            return oj_fail(err, EOPNOTSUPP, "mount option %s: idmapped mounts", o);
        }
        if (strcmp(o, "tmpcopyup") == 0) {
            out->tmpcopyup = true;
            continue;
        }
        if (strcmp(o, "notmpcopyup") == 0) {
            out->tmpcopyup = false;
            continue;
        }
        if (data.len)
            sb_append(&data, ",", 1);
        sb_puts(&data, o);
    }
    if (data.oom) {
        sb_free(&data);
        return oj_fail(err, ENOMEM, "parse mount options");
    }
    out->data = data.s; /* NULL when nothing was appended */
    return 0;
}

void oj_mount_opts_free(struct oj_mount_opts *o)
{
    free(o->data);
    o->data = NULL;
}

void oj_mount_flags_to_attr(unsigned long set, unsigned long clear, uint64_t *attr_set,
                            uint64_t *attr_clr)
{
    static const struct {
        unsigned long ms;
        uint64_t attr;
    } map[] = {
        {MS_RDONLY, MOUNT_ATTR_RDONLY},         {MS_NOSUID, MOUNT_ATTR_NOSUID},
        {MS_NODEV, MOUNT_ATTR_NODEV},           {MS_NOEXEC, MOUNT_ATTR_NOEXEC},
        {MS_NODIRATIME, MOUNT_ATTR_NODIRATIME}, {MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW},
    };
    uint64_t s = 0, c = 0;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (set & map[i].ms)
            s |= map[i].attr;
        else if (clear & map[i].ms)
            c |= map[i].attr;
    }
    /* mount_setattr(2): the atime mode is one value inside MOUNT_ATTR__ATIME;
     * changing it means clearing the whole field and setting one value.
     * A negation alone ("atime", "norelatime") means the kernel's default,
     * relatime, as with mount(2). */
    if ((set | clear) & ATIME_FLAGS) {
        c |= MOUNT_ATTR__ATIME;
        if (set & MS_STRICTATIME)
            s |= MOUNT_ATTR_STRICTATIME;
        else if (set & MS_NOATIME)
            s |= MOUNT_ATTR_NOATIME;
        else
            s |= MOUNT_ATTR_RELATIME;
    }
    *attr_set = s;
    *attr_clr = c;
}

void oj_mount_flags_str(unsigned long flags, char *buf, size_t size)
{
    static const struct {
        unsigned long flag;
        const char *name;
    } names[] = {
        {MS_RDONLY, "ro"},
        {MS_NOSUID, "nosuid"},
        {MS_NODEV, "nodev"},
        {MS_NOEXEC, "noexec"},
        {MS_SYNCHRONOUS, "sync"},
        {MS_REMOUNT, "remount"},
        {MS_MANDLOCK, "mand"},
        {MS_DIRSYNC, "dirsync"},
        {MS_NOSYMFOLLOW, "nosymfollow"},
        {MS_NOATIME, "noatime"},
        {MS_NODIRATIME, "nodiratime"},
        {MS_BIND, "bind"},
        {MS_MOVE, "move"},
        {MS_REC, "rec"},
        {MS_SILENT, "silent"},
        {MS_UNBINDABLE, "unbindable"},
        {MS_PRIVATE, "private"},
        {MS_SLAVE, "slave"},
        {MS_SHARED, "shared"},
        {MS_RELATIME, "relatime"},
        {MS_I_VERSION, "iversion"},
        {MS_STRICTATIME, "strictatime"},
        {MS_LAZYTIME, "lazytime"},
    };
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!(flags & names[i].flag))
            continue;
        int w = snprintf(buf + len, size - len, "%s%s", len ? "," : "", names[i].name);
        if (w < 0 || (size_t)w >= size - len)
            return; /* truncated: good enough for a debug line */
        len += (size_t)w;
        flags &= ~names[i].flag;
    }
    if (flags)
        snprintf(buf + len, size - len, "%s0x%lx", len ? "," : "", flags);
    else if (len == 0)
        snprintf(buf, size, "none");
}
