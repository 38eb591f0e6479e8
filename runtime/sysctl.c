/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.sysctl validation and application.  See sysctl.h.
 *
 * Which parameters are namespaced is a property of the kernel: ipc/ipc_sysctl.c
 * and ipc/mq_sysctl.c register their tables per IPC namespace, net/ per
 * network namespace, kernel/utsname_sysctl.c per UTS namespace.  Everything
 * else under /proc/sys is global, so writing it from a container would
 * reconfigure the host (kernel.panic, vm.*, fs.file-max...).
 */
#include "sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cleanup.h"

/* The IPC parameters outside fs.mqueue.* (ipc/ipc_sysctl.c). */
static const char *const ipc_keys[] = {
    "kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
    "kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

struct ns_need {
    enum oj_ns_type type;
    const char *label;     /* for messages */
    const char *proc_name; /* /proc/self/ns/<proc_name> */
};

static const struct ns_need need_ipc = {OJ_NS_IPC, "an IPC", "ipc"};
static const struct ns_need need_net = {OJ_NS_NETWORK, "a network", "net"};
static const struct ns_need need_uts = {OJ_NS_UTS, "a UTS", "uts"};

/* The namespace a key lives in, or NULL when it is not namespaced. */
static const struct ns_need *key_namespace(const char *key)
{
    for (size_t i = 0; i < OJ_ARRAY_SIZE(ipc_keys); i++)
        if (strcmp(key, ipc_keys[i]) == 0)
            return &need_ipc;
    if (strncmp(key, "fs.mqueue.", 10) == 0)
        return &need_ipc;
    if (strncmp(key, "net.", 4) == 0)
        return &need_net;
    if (strcmp(key, "kernel.hostname") == 0 || strcmp(key, "kernel.domainname") == 0)
        return &need_uts;
    return NULL;
}

/* A key names a file below /proc/sys: dot-separated non-empty components,
 * no '/' (which would let "net/../../kernel/x" escape the namespaced
 * subtree we checked) and no "..". */
static bool key_is_valid(const char *key)
{
    if (!key || !key[0] || key[0] == '.' || key[strlen(key) - 1] == '.')
        return false;
    return !strchr(key, '/') && !strstr(key, "..");
}

static const struct oj_namespace *find_ns(const struct oj_config *cfg, enum oj_ns_type type)
{
    for (size_t i = 0; i < cfg->linux_.n_namespaces; i++)
        if (cfg->linux_.namespaces[i].type == type)
            return &cfg->linux_.namespaces[i];
    return NULL;
}

/*
 * Does the container get a namespace of this type other than ours?  A new
 * one (no path) does; a joined one does unless the path is our own
 * namespace (same nsfs inode, as runc's isHostNetNS compares).  *joined_ours
 * tells the two "no" cases apart for the message.
 */
static int has_own_ns(const struct oj_config *cfg, const struct ns_need *need, bool *own,
                      const char **joined_ours, struct oj_err *err)
{
    *own = false;
    *joined_ours = NULL;
    const struct oj_namespace *ns = find_ns(cfg, need->type);
    if (!ns)
        return 0;
    if (!ns->path) {
        *own = true;
        return 0;
    }
    struct stat theirs, ours;
    if (stat(ns->path, &theirs) < 0)
        return oj_fail(err, errno, "linux.sysctl: stat namespace %s", ns->path);
    char self[64];
    snprintf(self, sizeof(self), "/proc/self/ns/%s", need->proc_name);
    if (stat(self, &ours) < 0)
        return oj_fail(err, errno, "linux.sysctl: stat %s", self);
    if (theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino)
        *joined_ours = ns->path;
    else
        *own = true;
    return 0;
}

int oj_sysctl_validate(const struct oj_config *cfg, struct oj_err *err)
{
    if (!cfg->has_linux)
        return 0;
    for (size_t i = 0; i < cfg->linux_.n_sysctl; i++) {
        const char *key = cfg->linux_.sysctl[i].key;
        const char *value = cfg->linux_.sysctl[i].value;
        if (!key_is_valid(key))
            return oj_fail(err, 0, "linux.sysctl: \"%s\" is not a valid sysctl name",
                           key ? key : "");
        if (!value)
            return oj_fail(err, 0, "linux.sysctl: \"%s\" has no value", key);

        const struct ns_need *need = key_namespace(key);
        if (!need)
            return oj_fail(err, 0, "linux.sysctl: \"%s\" is not namespaced: refusing to set it",
                           key);
        bool own;
        const char *joined_ours;
        if (has_own_ns(cfg, need, &own, &joined_ours, err) < 0)
            return -1;
        if (!own && joined_ours)
            return oj_fail(err, 0,
                           "linux.sysctl: \"%s\" needs %s namespace of the container's own, "
                           "but %s is the runtime's: refusing to set it",
                           key, need->label, joined_ours);
        if (!own)
            return oj_fail(err, 0,
                           "linux.sysctl: \"%s\" needs %s namespace of the container's own "
                           "(none in linux.namespaces): refusing to set it",
                           key, need->label);

        /* Both the OCI "hostname" field and kernel.hostname name the same
         * kernel value; which one wins would depend on the order the init
         * applies them in, so a disagreement is a config error. */
        if (strcmp(key, "kernel.hostname") == 0 && cfg->hostname &&
            strcmp(cfg->hostname, value) != 0)
            return oj_fail(err, 0,
                           "linux.sysctl: \"kernel.hostname\" = \"%s\" conflicts with "
                           "hostname \"%s\"",
                           value, cfg->hostname);
        if (strcmp(key, "kernel.domainname") == 0 && cfg->domainname &&
            strcmp(cfg->domainname, value) != 0)
            return oj_fail(err, 0,
                           "linux.sysctl: \"kernel.domainname\" = \"%s\" conflicts "
                           "with domainname \"%s\"",
                           value, cfg->domainname);
    }
    return 0;
}

int oj_sysctl_apply(const struct oj_config *cfg, struct oj_err *err)
{
    if (!cfg->has_linux || cfg->linux_.n_sysctl == 0)
        return 0;
    /* Inside the container /proc is whatever the rootfs set up; make sure
     * we write to the kernel's sysctl files and not to, say, a tmpfs. */
    _cleanup_close_ int dir = open("/proc/sys", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return oj_fail(err, errno, "linux.sysctl: open /proc/sys");
    struct statfs sfs;
    if (fstatfs(dir, &sfs) < 0)
        return oj_fail(err, errno, "linux.sysctl: statfs /proc/sys");
    if (sfs.f_type != PROC_SUPER_MAGIC)
        return oj_fail(err, 0, "linux.sysctl: /proc/sys is not on procfs");

    for (size_t i = 0; i < cfg->linux_.n_sysctl; i++) {
        const char *key = cfg->linux_.sysctl[i].key;
        const char *value = cfg->linux_.sysctl[i].value;
        if (!key_is_valid(key) || strlen(key) >= PATH_MAX)
            return oj_fail(err, 0, "linux.sysctl: \"%s\" is not a valid sysctl name",
                           key ? key : "");
        if (!value)
            return oj_fail(err, 0, "linux.sysctl: \"%s\" has no value", key);
        char rel[PATH_MAX];
        strcpy(rel, key);
        for (char *p = rel; *p; p++)
            if (*p == '.')
                *p = '/';

        _cleanup_close_ int fd = openat(dir, rel, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
            return oj_fail(err, errno, "linux.sysctl: open /proc/sys/%s", rel);
        /* One write() carries the whole value: sysctl handlers parse each
         * write on its own. */
        size_t len = strlen(value);
        ssize_t w;
        do
            w = write(fd, value, len);
        while (w < 0 && errno == EINTR);
        if (w < 0)
            return oj_fail(err, errno, "linux.sysctl: write \"%s\" to /proc/sys/%s", value, rel);
        if ((size_t)w != len)
            return oj_fail(err, EIO, "linux.sysctl: write \"%s\" to /proc/sys/%s: short write",
                           value, rel);
    }
    return 0;
}
