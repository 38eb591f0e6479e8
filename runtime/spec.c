/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The default config.json (see spec.h).  Every value here mirrors what
 * `runc spec` writes, so a bundle made with ojrun runs unchanged under runc
 * or crun and vice versa; the comments say why each piece is there.
 */
#include "spec.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cgroup.h"
#include "cleanup.h"
#include "error.h"
#include "version.h"

struct default_mount {
    const char *destination;
    const char *type;
    const char *source;
    const char *options[8]; /* NULL-terminated */
};

/*
 * config-linux.md "Default Filesystems" lists /proc, /sys, /dev/pts and
 * /dev/shm as what an application may expect; /dev (a small tmpfs the
 * runtime populates with the default devices), /dev/mqueue (POSIX message
 * queues of the new ipc namespace) and a read-only /sys/fs/cgroup complete
 * runc's set.  "size=65536k" caps what a process can store in /dev and
 * /dev/shm (tmpfs is memory).
 */
static const struct default_mount default_mounts[] = {
    {"/proc", "proc", "proc", {NULL}},
    {"/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k", NULL}},
    {"/dev/pts",
     "devpts",
     "devpts",
     {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL}},
    {"/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL}},
    {"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev", NULL}},
    {"/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro", NULL}},
    {"/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro", NULL}},
};

/* Rootless: a fresh sysfs may only be mounted by the owner of the network
 * namespace (sysfs shows the namespace's network devices), and rootless
 * containers share the host's; so /sys becomes a recursive read-only bind
 * of the host's /sys, as in runc. */
static const struct default_mount rootless_sys = {
    "/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro", NULL}};

/* runc's default: the capabilities Docker historically granted a plain
 * process that are harmless to the host.  "inheritable" is left out on
 * purpose (CVE-2022-29162: a non-empty inheritable set lets file
 * capabilities of an exec'd binary survive). */
static const char *const default_caps[] = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};
static const char *const cap_sets[] = {"bounding", "effective", "permitted", "ambient"};

/* Paths of /proc and /sys that leak host information or allow host
 * changes: masked ones are hidden (a /dev/null or empty read-only tmpfs is
 * mounted over them), read-only ones are remounted read-only.
 * config-linux.md "Masked Paths" / "Readonly Paths". */
static const char *const masked_paths[] = {
    "/proc/acpi",          "/proc/asound",     "/proc/kcore",       "/proc/keys",
    "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
    "/sys/firmware",       "/proc/scsi",
};
static const char *const readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

/* Shared with the judge templates (judge_spec.c), which keep the /proc
 * entries: they mount /proc but no /sys. */
const char *const *const oj_spec_masked_paths = masked_paths;
const size_t oj_spec_n_masked_paths = OJ_ARRAY_SIZE(masked_paths);
const char *const *const oj_spec_readonly_paths = readonly_paths;
const size_t oj_spec_n_readonly_paths = OJ_ARRAY_SIZE(readonly_paths);

static void write_strv(struct jw *w, const char *key, const char *const *v, size_t n)
{
    jw_key(w, key);
    jw_arr_begin(w);
    for (size_t i = 0; i < n; i++)
        jw_str(w, v[i]);
    jw_arr_end(w);
}

static void write_process(struct jw *w)
{
    static const char *const args[] = {"sh"};
    static const char *const env[] = {
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "TERM=xterm",
    };

    jw_key(w, "process");
    jw_obj_begin(w);
    jw_kbool(w, "terminal", true);
    jw_key(w, "user");
    jw_obj_begin(w);
    jw_kuint(w, "uid", 0);
    jw_kuint(w, "gid", 0);
    jw_obj_end(w);
    write_strv(w, "args", args, OJ_ARRAY_SIZE(args));
    write_strv(w, "env", env, OJ_ARRAY_SIZE(env));
    jw_kstr(w, "cwd", "/");

    jw_key(w, "capabilities");
    jw_obj_begin(w);
    for (size_t i = 0; i < OJ_ARRAY_SIZE(cap_sets); i++)
        write_strv(w, cap_sets[i], default_caps, OJ_ARRAY_SIZE(default_caps));
    jw_obj_end(w);

    /* A bounded descriptor table: 1024 keeps select()-based programs safe
     * and is far below any host limit (lowering a hard limit needs no
     * privilege). */
    jw_key(w, "rlimits");
    jw_arr_begin(w);
    jw_obj_begin(w);
    jw_kstr(w, "type", "RLIMIT_NOFILE");
    jw_kuint(w, "hard", 1024);
    jw_kuint(w, "soft", 1024);
    jw_obj_end(w);
    jw_arr_end(w);

    /* No setuid/file-capability privilege gain after exec (prctl(2)
     * PR_SET_NO_NEW_PRIVS). */
    jw_kbool(w, "noNewPrivileges", true);
    jw_obj_end(w);
}

static void write_mount(struct jw *w, const struct default_mount *m, bool rootless)
{
    jw_obj_begin(w);
    jw_kstr(w, "destination", m->destination);
    jw_kstr(w, "type", m->type);
    jw_kstr(w, "source", m->source);
    if (m->options[0]) {
        jw_key(w, "options");
        jw_arr_begin(w);
        for (const char *const *o = m->options; *o; o++) {
            /* Rootless: only the caller's own gid is mapped, so a devpts
             * gid=5 (tty) option would name an unmapped group and make
             * the mount fail with EINVAL. */
            if (rootless && (strncmp(*o, "gid=", 4) == 0 || strncmp(*o, "uid=", 4) == 0))
                continue;
            jw_str(w, *o);
        }
        jw_arr_end(w);
    }
    jw_obj_end(w);
}

static void write_mounts(struct jw *w, bool rootless)
{
    jw_key(w, "mounts");
    jw_arr_begin(w);
    for (size_t i = 0; i < OJ_ARRAY_SIZE(default_mounts); i++) {
        const struct default_mount *m = &default_mounts[i];
        if (rootless && strcmp(m->type, "cgroup") == 0) {
            /* A cgroup v1 hierarchy cannot be mounted from a non-initial
             * user namespace (the kernel refuses it), and a rootless
             * container has no cgroup of its own to show anyway. */
            continue;
        }
        if (rootless && strcmp(m->destination, "/sys") == 0)
            m = &rootless_sys;
        write_mount(w, m, rootless);
    }
    jw_arr_end(w);
}

static void write_idmap(struct jw *w, const char *key, uint64_t host_id)
{
    jw_key(w, key);
    jw_arr_begin(w);
    jw_obj_begin(w);
    jw_kuint(w, "containerID", 0);
    jw_kuint(w, "hostID", host_id);
    jw_kuint(w, "size", 1);
    jw_obj_end(w);
    jw_arr_end(w);
}

static void write_linux(struct jw *w, bool rootless, bool cgroupns, uid_t uid, gid_t gid)
{
    jw_key(w, "linux");
    jw_obj_begin(w);

    if (rootless) {
        /* An unprivileged user may map exactly one id, its own, into a new
         * user namespace (user_namespaces(7), "Defining user and group ID
         * mappings"); it becomes root inside. */
        write_idmap(w, "uidMappings", uid);
        write_idmap(w, "gidMappings", gid);
    } else {
        /* Device cgroup: deny everything; the runtime then allows the
         * default devices of config-linux.md (null, zero, full, random,
         * urandom, tty, ptmx).  Rootless containers have no cgroup to
         * write this to, so runc drops linux.resources for them. */
        jw_key(w, "resources");
        jw_obj_begin(w);
        jw_key(w, "devices");
        jw_arr_begin(w);
        jw_obj_begin(w);
        jw_kbool(w, "allow", false);
        jw_kstr(w, "access", "rwm");
        jw_obj_end(w);
        jw_arr_end(w);
        jw_obj_end(w);
    }

    /* New namespaces for everything but cgroup, user and time, as runc;
     * cgroup too on a pure v2 host (runc's specconv.Example).
     * Rootless: no network namespace (an unprivileged user could not give
     * it any interface but lo, and runc keeps the host's), plus the user
     * namespace that makes the other ones possible without privilege. */
    const char *const ns_root[] = {"pid", "network", "ipc", "uts", "mount"};
    const char *const ns_rootless[] = {"pid", "ipc", "uts", "mount", "user"};
    const char *const *ns = rootless ? ns_rootless : ns_root;
    size_t n_ns = rootless ? OJ_ARRAY_SIZE(ns_rootless) : OJ_ARRAY_SIZE(ns_root);
    jw_key(w, "namespaces");
    jw_arr_begin(w);
    for (size_t i = 0; i < n_ns; i++) {
        jw_obj_begin(w);
        jw_kstr(w, "type", ns[i]);
        jw_obj_end(w);
    }
    if (cgroupns) {
        jw_obj_begin(w);
        jw_kstr(w, "type", "cgroup");
        jw_obj_end(w);
    }
    jw_arr_end(w);

    write_strv(w, "maskedPaths", masked_paths, OJ_ARRAY_SIZE(masked_paths));
    write_strv(w, "readonlyPaths", readonly_paths, OJ_ARRAY_SIZE(readonly_paths));
    jw_obj_end(w);
}

bool oj_spec_host_wants_cgroupns(const char *mountinfo, const char *proc_cgroup)
{
    struct oj_cgroup_host h;
    struct oj_err err;
    if (oj_cgroup_host_detect(&h, mountinfo, proc_cgroup, &err) < 0)
        return false; /* no cgroup mounted: nothing to hide */
    bool v2 = h.layout == OJ_CGROUP_V2;
    oj_cgroup_host_free(&h);
    return v2;
}

int oj_spec_default(bool rootless, bool cgroupns, uid_t uid, gid_t gid, struct strbuf *out)
{
    struct jw w;
    jw_init(&w, true);

    jw_obj_begin(&w);
    jw_kstr(&w, "ociVersion", OJRUN_OCI_SPEC_VERSION);
    write_process(&w);
    /* "rootfs" relative to the bundle, read-only: a judge's rootfs is
     * shared by every run, writable space comes from tmpfs mounts. */
    jw_key(&w, "root");
    jw_obj_begin(&w);
    jw_kstr(&w, "path", "rootfs");
    jw_kbool(&w, "readonly", true);
    jw_obj_end(&w);
    jw_kstr(&w, "hostname", "ojrun");
    write_mounts(&w, rootless);
    write_linux(&w, rootless, cgroupns, uid, gid);
    jw_obj_end(&w);
    sb_append(&w.sb, "\n", 1);

    bool oom = w.sb.oom;
    if (!oom) {
        sb_append(out, w.sb.s, w.sb.len);
        oom = out->oom;
    }
    sb_free(&w.sb);
    if (oom) {
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

int oj_spec_config_path(const char *bundle, char *path, size_t size, struct oj_err *err)
{
    struct stat st;
    if (stat(bundle, &st) < 0)
        return oj_fail(err, errno, "bundle %s", bundle);
    if (!S_ISDIR(st.st_mode))
        return oj_fail(err, ENOTDIR, "bundle %s", bundle);

    /* "dir/" + "config.json" without doubling the slash (but keep "/"). */
    size_t n = strlen(bundle);
    while (n > 1 && bundle[n - 1] == '/')
        n--;
    if (snprintf(path, size, "%.*s%sconfig.json", (int)n, bundle,
                 bundle[n - 1] == '/' ? "" : "/") >= (int)size)
        return oj_fail(err, ENAMETOOLONG, "bundle %s", bundle);

    /* lstat, not stat: a dangling symlink named config.json is somebody's
     * too.  This check and the caller's rename are not one atomic step; a
     * config.json created in between by another process would be
     * replaced, which `runc spec` accepts as well. */
    if (lstat(path, &st) == 0)
        return oj_fail(err, 0, "%s: file exists", path);
    if (errno != ENOENT)
        return oj_fail(err, errno, "%s", path);
    return 0;
}
