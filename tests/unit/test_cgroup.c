/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cgroup module on fake trees: mountinfo and /proc/self/cgroup files
 * describing v1, v2 and hybrid hosts, with "cgroupfs" made of plain
 * directories and files in a temp dir.  Checks layout detection, path
 * computation, and the exact control files and values written for every
 * resource (the module's write trace plus the files' contents).
 *
 * Real cgroups are exercised by test_cgroup_real.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/bpf.h>

#include "cgroup.h"
#include "cgroup_internal.h"
#include "cleanup.h"
#include "log.h"
#include "util.h"

static char tmp[PATH_MAX];
static char mountinfo[PATH_MAX], selfcg[PATH_MAX], logpath[PATH_MAX];

/* --- helpers ------------------------------------------------------------ */

static void put(const char *content, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(const char *content, const char *fmt, ...)
{
    char rel[PATH_MAX], path[PATH_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rel, sizeof(rel), fmt, ap);
    va_end(ap);
    snprintf(path, sizeof(path), "%s/%s", tmp, rel);
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", path);
    *strrchr(dir, '/') = '\0';
    assert_int_equal(oj_mkdir_p(dir, 0755, NULL), 0);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(oj_write_all(fd, content, strlen(content)), (ssize_t)strlen(content));
    close(fd);
}

/* contents of tmp/<rel>, static buffer */
static const char *get(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static const char *get(const char *fmt, ...)
{
    static char buf[8192];
    char rel[PATH_MAX], path[PATH_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rel, sizeof(rel), fmt, ap);
    va_end(ap);
    snprintf(path, sizeof(path), "%s/%s", tmp, rel);
    char *s = NULL;
    struct oj_err err;
    if (oj_read_file(path, sizeof(buf) - 1, &s, NULL, &err) < 0)
        fail_msg("%s", err.msg);
    snprintf(buf, sizeof(buf), "%s", s);
    free(s);
    return buf;
}

static bool exists(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static bool exists(const char *fmt, ...)
{
    char rel[PATH_MAX], path[PATH_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rel, sizeof(rel), fmt, ap);
    va_end(ap);
    snprintf(path, sizeof(path), "%s/%s", tmp, rel);
    return access(path, F_OK) == 0;
}

/* The trace lines whose path contains `filter`, with the temp dir prefix
 * removed, joined by '\n'. */
static const char *trace_of(const struct strbuf *trace, const char *filter)
{
    static char out[16384];
    size_t len = 0;
    out[0] = '\0';
    const char *s = sb_str(trace);
    size_t tl = strlen(tmp);
    for (const char *p = s; *p;) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        char line[4096];
        snprintf(line, sizeof(line), "%.*s", (int)n, p);
        const char *sp = strchr(line, ' ');
        if (sp && (!filter || memmem(line, (size_t)(sp - line), filter, strlen(filter)))) {
            const char *l = strncmp(line, tmp, tl) == 0 ? line + tl + 1 : line;
            len += (size_t)snprintf(out + len, sizeof(out) - len, "%s%s", len ? "\n" : "", l);
        }
        p = eol ? eol + 1 : p + n;
    }
    return out;
}

static int rm_cb(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)type;
    (void)ftw;
    return remove(path);
}

static int setup(void **state)
{
    (void)state;
    snprintf(tmp, sizeof(tmp), "/tmp/ojrun-test-cgroup.XXXXXX");
    if (!mkdtemp(tmp))
        return -1;
    snprintf(mountinfo, sizeof(mountinfo), "%s/mountinfo", tmp);
    snprintf(selfcg, sizeof(selfcg), "%s/self-cgroup", tmp);
    snprintf(logpath, sizeof(logpath), "%s/log", tmp);
    struct oj_log_opts lo = {.path = logpath};
    return oj_log_init(&lo);
}

static int teardown(void **state)
{
    (void)state;
    return nftw(tmp, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static bool log_has(const char *needle)
{
    char *s = NULL;
    if (oj_read_file(logpath, 1 << 20, &s, NULL, NULL) < 0)
        return false;
    bool r = strstr(s, needle) != NULL;
    free(s);
    return r;
}

/* --- fake hosts ---------------------------------------------------------- */

/* v1 hierarchies of the fake hosts: directory name, super options, the
 * /proc/self/cgroup controller list */
static const char *const v1_dirs[][2] = {
    {"cpu,cpuacct", "cpu,cpuacct"},
    {"cpuset", "cpuset"},
    {"memory", "memory"},
    {"devices", "devices"},
    {"freezer", "freezer"},
    {"blkio", "blkio"},
    {"pids", "pids"},
    {"hugetlb", "hugetlb"},
    {"net_cls,net_prio", "net_cls,net_prio"},
    {"systemd", "name=systemd"},
};

static void write_mountinfo_v1(bool with_v2, bool hugetlb_v1)
{
    char mi[8192], sc[4096];
    size_t n = 0, m = 0;
    n += (size_t)snprintf(mi + n, sizeof(mi) - n,
                          "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
                          "25 22 0:22 / %s/cg rw - tmpfs tmpfs rw,mode=755\n",
                          tmp);
    for (size_t i = 0; i < OJ_ARRAY_SIZE(v1_dirs); i++) {
        if (!hugetlb_v1 && strcmp(v1_dirs[i][0], "hugetlb") == 0)
            continue;
        n += (size_t)snprintf(mi + n, sizeof(mi) - n,
                              "%zu 25 0:%zu / %s/cg/%s rw,nosuid,nodev shared:%zu - cgroup cgroup "
                              "rw,%s\n",
                              30 + i, 30 + i, tmp, v1_dirs[i][0], 5 + i, v1_dirs[i][1]);
        m += (size_t)snprintf(sc + m, sizeof(sc) - m, "%zu:%s:/\n", 10 - i, v1_dirs[i][1]);
        char mnt[PATH_MAX];
        snprintf(mnt, sizeof(mnt), "%s/cg/%s", tmp, v1_dirs[i][0]);
        assert_int_equal(oj_mkdir_p(mnt, 0755, NULL), 0);
    }
    /* a bind mount of part of the memory hierarchy elsewhere: ignored */
    n += (size_t)snprintf(mi + n, sizeof(mi) - n,
                          "60 22 0:32 /sub %s/elsewhere rw - cgroup cgroup rw,memory\n", tmp);
    /* a hierarchy of a controller we do not use: ignored */
    n += (size_t)snprintf(mi + n, sizeof(mi) - n,
                          "61 25 0:61 / %s/cg/misc rw - cgroup cgroup rw,misc\n", tmp);
    if (with_v2) {
        n += (size_t)snprintf(mi + n, sizeof(mi) - n,
                              "62 25 0:62 / %s/cg/unified rw,nosuid - cgroup2 cgroup2 "
                              "rw,nsdelegate\n",
                              tmp);
        m += (size_t)snprintf(sc + m, sizeof(sc) - m, "0::/\n");
    }
    put(mi, "mountinfo");
    put(sc, "self-cgroup");
}

static void write_mountinfo_v2(const char *self)
{
    char mi[2048], sc[512];
    snprintf(mi, sizeof(mi),
             "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
             "26 22 0:26 / %s/cg2 rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
             "rw,nsdelegate,memory_recursiveprot\n",
             tmp);
    snprintf(sc, sizeof(sc), "0::%s\n", self);
    put(mi, "mountinfo");
    put(sc, "self-cgroup");
    put("cpuset cpu io memory hugetlb pids rdma misc\n", "cg2/cgroup.controllers");
    put("", "cg2/cgroup.subtree_control");
}

static struct oj_cgroup *new_cg(const char *path, const char *id)
{
    struct oj_cgroup_host h;
    struct oj_err err;
    struct oj_cgroup *cg = NULL;
    if (oj_cgroup_host_detect(&h, mountinfo, selfcg, &err) < 0)
        fail_msg("%s", err.msg);
    if (oj_cgroup_new(&h, path, id, &cg, &err) < 0)
        fail_msg("%s", err.msg);
    oj_cgroup_host_free(&h);
    return cg;
}

/* --- detection ----------------------------------------------------------- */

static void test_detect_v1(void **state)
{
    (void)state;
    write_mountinfo_v1(false, true);
    /* the memory hierarchy's own cgroup is not the root */
    put("10:cpu,cpuacct:/\n9:cpuset:/\n8:memory:/job/7\n7:devices:/\n6:freezer:/\n5:blkio:/\n"
        "4:pids:/\n3:hugetlb:/\n2:net_cls,net_prio:/\n1:name=systemd:/init.scope\n",
        "self-cgroup");
    struct oj_cgroup_host h;
    struct oj_err err;
    assert_int_equal(oj_cgroup_host_detect(&h, mountinfo, selfcg, &err), 0);
    assert_int_equal(h.layout, OJ_CGROUP_V1);
    assert_int_equal(h.n, OJ_ARRAY_SIZE(v1_dirs)); /* misc and the bind mount left out */
    assert_string_equal(h.h[0].controllers, "cpu,cpuacct");
    char want[PATH_MAX];
    snprintf(want, sizeof(want), "%s/cg/cpu,cpuacct", tmp);
    assert_string_equal(h.h[0].mount, want);
    assert_string_equal(h.h[2].controllers, "memory");
    assert_string_equal(h.h[2].self, "/job/7");
    assert_string_equal(h.h[2].mount_root, "/");
    assert_string_equal(h.h[9].controllers, "name=systemd");
    assert_string_equal(h.h[9].self, "/init.scope");
    for (size_t i = 0; i < h.n; i++)
        assert_false(h.h[i].v2);
    assert_string_equal(oj_cgroup_layout_name(h.layout), "v1");
    oj_cgroup_host_free(&h);
}

static void test_detect_v2(void **state)
{
    (void)state;
    write_mountinfo_v2("/user.slice/session-1.scope");
    struct oj_cgroup_host h;
    struct oj_err err;
    assert_int_equal(oj_cgroup_host_detect(&h, mountinfo, selfcg, &err), 0);
    assert_int_equal(h.layout, OJ_CGROUP_V2);
    assert_int_equal(h.n, 1);
    assert_true(h.h[0].v2);
    assert_string_equal(h.h[0].controllers, "cpuset cpu io memory hugetlb pids rdma misc");
    assert_string_equal(h.h[0].self, "/user.slice/session-1.scope");
    oj_cgroup_host_free(&h);

    /* systemd's "unified" mode keeps a name=systemd v1 mount: still pure v2 */
    char mi[1024];
    snprintf(mi, sizeof(mi),
             "26 22 0:26 / %s/cg2 rw - cgroup2 cgroup2 rw\n"
             "27 22 0:27 / %s/cg/systemd rw - cgroup cgroup rw,xattr,name=systemd\n",
             tmp, tmp);
    put(mi, "mountinfo");
    assert_int_equal(oj_cgroup_host_detect(&h, mountinfo, selfcg, &err), 0);
    assert_int_equal(h.layout, OJ_CGROUP_V2);
    assert_int_equal(h.n, 1);
    oj_cgroup_host_free(&h);
}

static void test_detect_hybrid(void **state)
{
    (void)state;
    /* this machine's layout: v1 controllers, cgroup2 at .../unified with hugetlb only,
     * cpu and cpuacct mounted separately */
    char mi[4096];
    snprintf(mi, sizeof(mi),
             "32 31 0:29 / %s/cg/cpu rw,relatime - cgroup cgroup rw,cpu\n"
             "33 31 0:30 / %s/cg/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
             "35 31 0:32 / %s/cg/memory rw,relatime - cgroup cgroup rw,memory\n"
             "40 31 0:37 / %s/cg/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
             "41 31 0:38 / %s/cg/uni\\040fied rw,relatime - cgroup2 cgroup2 rw\n",
             tmp, tmp, tmp, tmp, tmp);
    put(mi, "mountinfo");
    put("4:name=systemd:/\n3:memory:/a\n2:cpuacct:/\n1:cpu:/\n0::/b\n", "self-cgroup");
    put("hugetlb\n", "cg/uni fied/cgroup.controllers");
    struct oj_cgroup_host h;
    struct oj_err err;
    assert_int_equal(oj_cgroup_host_detect(&h, mountinfo, selfcg, &err), 0);
    assert_int_equal(h.layout, OJ_CGROUP_HYBRID);
    assert_int_equal(h.n, 5);
    assert_string_equal(h.h[0].controllers, "cpu");
    assert_string_equal(h.h[1].controllers, "cpuacct");
    assert_true(h.h[4].v2);
    assert_string_equal(h.h[4].controllers, "hugetlb");
    assert_string_equal(h.h[4].self, "/b");
    char want[PATH_MAX];
    snprintf(want, sizeof(want), "%s/cg/uni fied", tmp); /* \040 unescaped */
    assert_string_equal(h.h[4].mount, want);
    oj_cgroup_host_free(&h);
}

static void test_detect_none(void **state)
{
    (void)state;
    put("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n", "mountinfo");
    put("0::/\n", "self-cgroup");
    struct oj_cgroup_host h;
    struct oj_err err;
    assert_int_equal(oj_cgroup_host_detect(&h, mountinfo, selfcg, &err), -1);
    assert_non_null(strstr(err.msg, "no cgroup or cgroup2 filesystem"));
    assert_int_equal(oj_cgroup_host_detect(&h, "/nonexistent/mountinfo", selfcg, &err), -1);
    assert_non_null(strstr(err.msg, "/nonexistent/mountinfo: No such file"));
}

/* --- paths --------------------------------------------------------------- */

static void test_paths(void **state)
{
    (void)state;
    write_mountinfo_v1(true, true);
    put("hugetlb\n", "cg/unified/cgroup.controllers");
    put("8:memory:/job/7\n0::/svc/main\n", "self-cgroup");
    char want[PATH_MAX];

    /* absent: /ojrun/<id> in every hierarchy */
    struct oj_cgroup *cg = new_cg(NULL, "abc");
    assert_int_equal(oj_cgroup_layout(cg), OJ_CGROUP_HYBRID);
    snprintf(want, sizeof(want), "%s/cg/memory/ojrun/abc", tmp);
    assert_string_equal(oj_cgroup_dir(cg, "memory"), want);
    snprintf(want, sizeof(want), "%s/cg/cpu,cpuacct/ojrun/abc", tmp);
    assert_string_equal(oj_cgroup_dir(cg, "cpuacct"), want);
    assert_string_equal(oj_cgroup_dir(cg, "cpu"), want);
    snprintf(want, sizeof(want), "%s/cg/systemd/ojrun/abc", tmp);
    assert_string_equal(oj_cgroup_dir(cg, "name=systemd"), want);
    snprintf(want, sizeof(want), "%s/cg/unified/ojrun/abc", tmp);
    assert_string_equal(oj_cgroup_dir(cg, ""), want);
    assert_null(oj_cgroup_dir(cg, "rdma"));
    oj_cgroup_free(cg);

    /* absolute: below each mount, whatever our own cgroup is */
    cg = new_cg("/judge//box-1/", "ignored");
    snprintf(want, sizeof(want), "%s/cg/memory/judge/box-1", tmp);
    assert_string_equal(oj_cgroup_dir(cg, "memory"), want);
    oj_cgroup_free(cg);

    /* relative: below our own cgroup in each v1 hierarchy (runc's fs
     * driver), below its parent in cgroup2 (runc's fs2 driver, crun): our
     * own v2 cgroup holds processes */
    cg = new_cg("box/2", "ignored");
    snprintf(want, sizeof(want), "%s/cg/memory/job/7/box/2", tmp);
    assert_string_equal(oj_cgroup_dir(cg, "memory"), want);
    snprintf(want, sizeof(want), "%s/cg/pids/box/2", tmp);
    assert_string_equal(oj_cgroup_dir(cg, "pids"), want);
    snprintf(want, sizeof(want), "%s/cg/unified/svc/box/2", tmp);
    assert_string_equal(oj_cgroup_dir(cg, ""), want);
    oj_cgroup_free(cg);

    /* refused */
    struct oj_cgroup_host h;
    struct oj_err err;
    assert_int_equal(oj_cgroup_host_detect(&h, mountinfo, selfcg, &err), 0);
    static const char *const bad[] = {"/a/../../etc", "./x", "/", "a\tb", "a\nb"};
    for (size_t i = 0; i < OJ_ARRAY_SIZE(bad); i++) {
        cg = NULL;
        assert_int_equal(oj_cgroup_new(&h, bad[i], "id", &cg, &err), -1);
        assert_null(cg);
        assert_non_null(strstr(err.msg, "cgroupsPath"));
    }
    assert_int_equal(oj_cgroup_new(&h, NULL, "../x", &cg, &err), -1);
    assert_non_null(strstr(err.msg, "invalid container id"));
    oj_cgroup_host_free(&h);
}

static void test_paths_mount_root(void **state)
{
    (void)state;
    /* inside a container: the hierarchy is mounted from /docker/x, and
     * /proc/self/cgroup shows the full path */
    char mi[1024];
    snprintf(mi, sizeof(mi), "35 31 0:32 /docker/x %s/cg/memory rw - cgroup cgroup rw,memory\n",
             tmp);
    put(mi, "mountinfo");
    put("3:memory:/docker/x/app\n", "self-cgroup");
    struct oj_cgroup *cg = new_cg("sub", "id");
    char want[PATH_MAX];
    snprintf(want, sizeof(want), "%s/cg/memory/app/sub", tmp);
    assert_string_equal(oj_cgroup_dir(cg, "memory"), want);
    oj_cgroup_free(cg);
}

/* --- v1 resources -------------------------------------------------------- */

/* the container's directories and files in the fake v1 tree */
static void make_v1_container(const char *id)
{
    static const char *const files[][2] = {
        {"cpu,cpuacct", "cpu.shares"},
        {"cpu,cpuacct", "cpu.cfs_period_us"},
        {"cpu,cpuacct", "cpu.cfs_quota_us"},
        {"cpu,cpuacct", "cpu.cfs_burst_us"},
        {"cpu,cpuacct", "cpu.rt_period_us"},
        {"cpu,cpuacct", "cpu.rt_runtime_us"},
        {"cpu,cpuacct", "cpu.idle"},
        {"cpu,cpuacct", "cgroup.procs"},
        {"cpuset", "cgroup.procs"},
        {"memory", "memory.limit_in_bytes"},
        {"memory", "memory.memsw.limit_in_bytes"},
        {"memory", "memory.soft_limit_in_bytes"},
        {"memory", "memory.kmem.tcp.limit_in_bytes"},
        {"memory", "memory.swappiness"},
        {"memory", "memory.oom_control"},
        {"memory", "cgroup.procs"},
        {"devices", "devices.allow"},
        {"devices", "devices.deny"},
        {"devices", "cgroup.procs"},
        {"freezer", "freezer.state"},
        {"freezer", "cgroup.procs"},
        {"blkio", "blkio.bfq.weight"},
        {"blkio", "blkio.bfq.weight_device"},
        {"blkio", "blkio.throttle.read_bps_device"},
        {"blkio", "blkio.throttle.write_iops_device"},
        {"blkio", "cgroup.procs"},
        {"pids", "pids.max"},
        {"pids", "cgroup.procs"},
        {"hugetlb", "hugetlb.2MB.limit_in_bytes"},
        {"hugetlb", "hugetlb.1GB.limit_in_bytes"},
        {"hugetlb", "cgroup.procs"},
        {"net_cls,net_prio", "net_cls.classid"},
        {"net_cls,net_prio", "net_prio.ifpriomap"},
        {"net_cls,net_prio", "cgroup.procs"},
        {"systemd", "cgroup.procs"},
    };
    for (size_t i = 0; i < OJ_ARRAY_SIZE(files); i++)
        put("", "cg/%s/ojrun/%s/%s", files[i][0], id, files[i][1]);
    /* cpuset: the root has values, new levels start empty */
    put("0-3\n", "cg/cpuset/cpuset.cpus");
    put("0\n", "cg/cpuset/cpuset.mems");
    put("\n", "cg/cpuset/ojrun/cpuset.cpus");
    put("\n", "cg/cpuset/ojrun/cpuset.mems");
    put("", "cg/cpuset/ojrun/%s/cpuset.cpus", id);
    put("", "cg/cpuset/ojrun/%s/cpuset.mems", id);
}

static void test_v1_resources(void **state)
{
    (void)state;
    write_mountinfo_v1(false, true);
    make_v1_container("t1");
    struct oj_cgroup *cg = new_cg(NULL, "t1");
    struct strbuf trace = {0};
    oj_cgroup_set_trace(cg, &trace);

    struct oj_blkio_device wdev = {.major = 8, .minor = 0, .weight = {true, 300}};
    struct oj_blkio_device rbps = {.major = 8, .minor = 16, .rate = 1048576};
    struct oj_blkio_device wiops = {.major = 8, .minor = 0, .rate = 100};
    struct oj_hugepage_limit huge[] = {{"2MB", 4194304}, {"1GB", 0}};
    struct oj_net_priority prio[] = {{"eth0", 5}, {"lo", 2}};
    struct oj_device_cgroup devs[] = {
        {.allow = false, .type = 'a', .access = "rwm"},
        {.allow = true, .type = 'c', .major = {true, 1}, .minor = {true, 3}, .access = "rw"},
        {.allow = true, .type = 'b', .major = {true, 8}, .access = "r"},
        {.allow = false, .type = 'c', .major = {true, 5}, .minor = {true, 1}},
    };
    struct oj_resources r = {
        .has_memory = true,
        .memory = {.limit = {true, 64 << 20},
                   .swap = {true, 128 << 20},
                   .reservation = {true, 32 << 20},
                   .kernel = {true, 1 << 20},
                   .kernel_tcp = {true, 8 << 20},
                   .swappiness = {true, 10},
                   .disable_oom_killer = {true, true}},
        .has_cpu = true,
        .cpu = {.shares = {true, 512},
                .quota = {true, 50000},
                .period = {true, 100000},
                .burst = {true, 10000},
                .realtime_runtime = {true, 950},
                .realtime_period = {true, 1000000},
                .cpus = "1",
                .mems = "0",
                .idle = {true, true}},
        .has_pids = true,
        .pids_limit = 16,
        .has_block_io = true,
        .block_io = {.weight = {true, 500},
                     .weight_device = &wdev,
                     .n_weight_device = 1,
                     .throttle_read_bps = &rbps,
                     .n_throttle_read_bps = 1,
                     .throttle_write_iops = &wiops,
                     .n_throttle_write_iops = 1},
        .hugepage_limits = huge,
        .n_hugepage_limits = 2,
        .has_network = true,
        .net_class_id = {true, 0x100001},
        .net_priorities = prio,
        .n_net_priorities = 2,
        .devices = devs,
        .n_devices = 4,
    };
    struct oj_err err;
    if (oj_cgroup_create(cg, &r, &err) < 0)
        fail_msg("%s", err.msg);

    /* cpuset: copied down from the root, then the configured value */
    assert_string_equal(trace_of(&trace, "cpuset."), "cg/cpuset/ojrun/cpuset.cpus 0-3\n"
                                                     "cg/cpuset/ojrun/cpuset.mems 0\n"
                                                     "cg/cpuset/ojrun/t1/cpuset.cpus 0-3\n"
                                                     "cg/cpuset/ojrun/t1/cpuset.mems 0\n"
                                                     "cg/cpuset/ojrun/t1/cpuset.cpus 1\n"
                                                     "cg/cpuset/ojrun/t1/cpuset.mems 0");
    assert_string_equal(get("cg/cpuset/ojrun/cpuset.cpus"), "0-3");

    /* cpu: period before quota, burst after quota, rt period before runtime */
    assert_string_equal(trace_of(&trace, "/cpu."),
                        "cg/cpu,cpuacct/ojrun/t1/cpu.shares 512\n"
                        "cg/cpu,cpuacct/ojrun/t1/cpu.cfs_period_us 100000\n"
                        "cg/cpu,cpuacct/ojrun/t1/cpu.cfs_quota_us 50000\n"
                        "cg/cpu,cpuacct/ojrun/t1/cpu.cfs_burst_us 10000\n"
                        "cg/cpu,cpuacct/ojrun/t1/cpu.rt_period_us 1000000\n"
                        "cg/cpu,cpuacct/ojrun/t1/cpu.rt_runtime_us 950\n"
                        "cg/cpu,cpuacct/ojrun/t1/cpu.idle 1");
    assert_string_equal(get("cg/cpu,cpuacct/ojrun/t1/cpu.cfs_quota_us"), "50000");

    /* memory: limit before memsw (the current memsw is unlimited),
     * memsw = memory+swap as given; kernel ignored with a warning */
    assert_string_equal(trace_of(&trace, "/memory."),
                        "cg/memory/ojrun/t1/memory.limit_in_bytes 67108864\n"
                        "cg/memory/ojrun/t1/memory.memsw.limit_in_bytes 134217728\n"
                        "cg/memory/ojrun/t1/memory.soft_limit_in_bytes 33554432\n"
                        "cg/memory/ojrun/t1/memory.kmem.tcp.limit_in_bytes 8388608\n"
                        "cg/memory/ojrun/t1/memory.swappiness 10\n"
                        "cg/memory/ojrun/t1/memory.oom_control 1");
    assert_string_equal(get("cg/memory/ojrun/t1/memory.limit_in_bytes"), "67108864");
    assert_true(log_has("linux.resources.memory.kernel is deprecated and ignored"));

    assert_string_equal(get("cg/pids/ojrun/t1/pids.max"), "16");

    /* blkio: no CFQ files here, so BFQ's */
    assert_string_equal(trace_of(&trace, "/blkio."),
                        "cg/blkio/ojrun/t1/blkio.bfq.weight 500\n"
                        "cg/blkio/ojrun/t1/blkio.bfq.weight_device 8:0 300\n"
                        "cg/blkio/ojrun/t1/blkio.throttle.read_bps_device 8:16 1048576\n"
                        "cg/blkio/ojrun/t1/blkio.throttle.write_iops_device 8:0 100");

    assert_string_equal(trace_of(&trace, "/hugetlb."),
                        "cg/hugetlb/ojrun/t1/hugetlb.2MB.limit_in_bytes 4194304\n"
                        "cg/hugetlb/ojrun/t1/hugetlb.1GB.limit_in_bytes 0");
    assert_string_equal(get("cg/net_cls,net_prio/ojrun/t1/net_cls.classid"), "1048577");
    assert_string_equal(trace_of(&trace, "net_prio.ifpriomap"),
                        "cg/net_cls,net_prio/ojrun/t1/net_prio.ifpriomap eth0 5\n"
                        "cg/net_cls,net_prio/ojrun/t1/net_prio.ifpriomap lo 2");

    /* devices: deny all, the rules in order, then the default devices */
    assert_string_equal(trace_of(&trace, "/devices."),
                        "cg/devices/ojrun/t1/devices.deny a\n"
                        "cg/devices/ojrun/t1/devices.deny a *:* rwm\n"
                        "cg/devices/ojrun/t1/devices.allow c 1:3 rw\n"
                        "cg/devices/ojrun/t1/devices.allow b 8:* r\n"
                        "cg/devices/ojrun/t1/devices.deny c 5:1 rwm\n"
                        "cg/devices/ojrun/t1/devices.allow c *:* m\n"
                        "cg/devices/ojrun/t1/devices.allow b *:* m\n"
                        "cg/devices/ojrun/t1/devices.allow c 1:3 rwm\n"
                        "cg/devices/ojrun/t1/devices.allow c 1:5 rwm\n"
                        "cg/devices/ojrun/t1/devices.allow c 1:7 rwm\n"
                        "cg/devices/ojrun/t1/devices.allow c 1:8 rwm\n"
                        "cg/devices/ojrun/t1/devices.allow c 1:9 rwm\n"
                        "cg/devices/ojrun/t1/devices.allow c 5:0 rwm\n"
                        "cg/devices/ojrun/t1/devices.allow c 5:1 rwm\n"
                        "cg/devices/ojrun/t1/devices.allow c 5:2 rwm\n"
                        "cg/devices/ojrun/t1/devices.allow c 136:* rwm\n"
                        "cg/devices/ojrun/t1/devices.allow c 10:200 rwm");

    /* enter: the pid in every hierarchy's cgroup.procs */
    assert_int_equal(oj_cgroup_enter(cg, 4242, &err), 0);
    for (size_t i = 0; i < OJ_ARRAY_SIZE(v1_dirs); i++)
        assert_string_equal(get("cg/%s/ojrun/t1/cgroup.procs", v1_dirs[i][0]), "4242");

    oj_cgroup_free(cg);
    sb_free(&trace);
}

static void test_v1_memory_order_and_checks(void **state)
{
    (void)state;
    write_mountinfo_v1(false, true);
    make_v1_container("m");
    struct oj_cgroup *cg = new_cg(NULL, "m");
    struct strbuf trace = {0};
    oj_cgroup_set_trace(cg, &trace);
    struct oj_err err;

    /* raising the limit above the current memsw: memsw first */
    put("104857600\n", "cg/memory/ojrun/m/memory.memsw.limit_in_bytes");
    struct oj_resources r = {.has_memory = true,
                             .memory = {.limit = {true, 200 << 20}, .swap = {true, 300 << 20}}};
    assert_int_equal(oj_cgroup_update(cg, &r, &err), 0);
    assert_string_equal(trace_of(&trace, "/memory."),
                        "cg/memory/ojrun/m/memory.memsw.limit_in_bytes 314572800\n"
                        "cg/memory/ojrun/m/memory.limit_in_bytes 209715200");

    /* limit -1 alone: unlimited memory+swap too */
    sb_free(&trace);
    put("314572800\n", "cg/memory/ojrun/m/memory.memsw.limit_in_bytes");
    r.memory = (struct oj_memory){.limit = {true, -1}};
    assert_int_equal(oj_cgroup_update(cg, &r, &err), 0);
    assert_string_equal(trace_of(&trace, "/memory."),
                        "cg/memory/ojrun/m/memory.memsw.limit_in_bytes -1\n"
                        "cg/memory/ojrun/m/memory.limit_in_bytes -1");

    /* swap below limit: refused before any write */
    sb_free(&trace);
    r.memory = (struct oj_memory){.limit = {true, 100}, .swap = {true, 50}};
    assert_int_equal(oj_cgroup_update(cg, &r, &err), -1);
    assert_non_null(strstr(err.msg, "memory.swap 50 must be -1 or >= memory.limit 100"));
    assert_string_equal(trace_of(&trace, NULL), "");

    /* checkBeforeUpdate: a limit below the usage is refused */
    put("5000\n", "cg/memory/ojrun/m/memory.usage_in_bytes");
    r.memory = (struct oj_memory){.limit = {true, 4096}, .check_before_update = {true, true}};
    assert_int_equal(oj_cgroup_update(cg, &r, &err), -1);
    assert_non_null(strstr(err.msg, "below the current usage 5000"));

    /* swappiness range */
    r.memory = (struct oj_memory){.swappiness = {true, 101}};
    assert_int_equal(oj_cgroup_update(cg, &r, &err), -1);
    assert_non_null(strstr(err.msg, "swappiness 101"));

    /* a missing control file: the error names the value and the file */
    char pids_max[PATH_MAX];
    snprintf(pids_max, sizeof(pids_max), "%s/pids.max", oj_cgroup_dir(cg, "pids"));
    assert_int_equal(unlink(pids_max), 0);
    struct oj_resources rp = {.has_pids = true, .pids_limit = 0};
    assert_int_equal(oj_cgroup_update(cg, &rp, &err), -1);
    char want[PATH_MAX + 64];
    snprintf(want, sizeof(want), "write max to %s: No such file or directory", pids_max);
    assert_string_equal(err.msg, want);

    oj_cgroup_free(cg);
    sb_free(&trace);
}

static void test_v1_blkio_cfq(void **state)
{
    (void)state;
    /* with CFQ's files present (kernels < 5.0) they are preferred */
    write_mountinfo_v1(false, true);
    make_v1_container("q");
    put("", "cg/blkio/ojrun/q/blkio.weight");
    put("", "cg/blkio/ojrun/q/blkio.weight_device");
    put("", "cg/blkio/ojrun/q/blkio.leaf_weight");
    put("", "cg/blkio/ojrun/q/blkio.leaf_weight_device");
    struct oj_cgroup *cg = new_cg(NULL, "q");
    struct strbuf trace = {0};
    oj_cgroup_set_trace(cg, &trace);
    struct oj_blkio_device wdev = {
        .major = 8, .minor = 0, .weight = {true, 300}, .leaf_weight = {true, 200}};
    struct oj_resources r = {.has_block_io = true,
                             .block_io = {.weight = {true, 500},
                                          .leaf_weight = {true, 100},
                                          .weight_device = &wdev,
                                          .n_weight_device = 1}};
    struct oj_err err;
    if (oj_cgroup_update(cg, &r, &err) < 0)
        fail_msg("%s", err.msg);
    assert_string_equal(trace_of(&trace, NULL),
                        "cg/blkio/ojrun/q/blkio.weight 500\n"
                        "cg/blkio/ojrun/q/blkio.leaf_weight 100\n"
                        "cg/blkio/ojrun/q/blkio.weight_device 8:0 300\n"
                        "cg/blkio/ojrun/q/blkio.leaf_weight_device 8:0 200");
    oj_cgroup_free(cg);
    sb_free(&trace);
}

static void test_v1_cpu_quota_variants(void **state)
{
    (void)state;
    write_mountinfo_v1(false, true);
    make_v1_container("c");
    struct oj_cgroup *cg = new_cg(NULL, "c");
    struct strbuf trace = {0};
    oj_cgroup_set_trace(cg, &trace);
    struct oj_err err;
    /* negative quota is unlimited (-1); quota 0 means "not set" */
    struct oj_resources r = {.has_cpu = true, .cpu = {.quota = {true, -5}}};
    assert_int_equal(oj_cgroup_update(cg, &r, &err), 0);
    r.cpu = (struct oj_cpu){.quota = {true, 0}, .shares = {true, 0}};
    assert_int_equal(oj_cgroup_update(cg, &r, &err), 0);
    assert_string_equal(trace_of(&trace, NULL), "cg/cpu,cpuacct/ojrun/c/cpu.cfs_quota_us -1");
    oj_cgroup_free(cg);
    sb_free(&trace);
}

static void test_v1_refusals(void **state)
{
    (void)state;
    /* no hugetlb v1 mount, no v2: nowhere to put hugepage limits */
    write_mountinfo_v1(false, false);
    struct oj_cgroup *cg = new_cg(NULL, "u");
    struct oj_err err;
    struct oj_kv kv = {"memory.high", "100M"};
    struct oj_resources r = {.unified = &kv, .n_unified = 1};
    assert_int_equal(oj_cgroup_create(cg, &r, &err), -1);
    assert_string_equal(err.msg, "linux.resources.unified: needs cgroup v2, but this host has "
                                 "only cgroup v1 hierarchies");
    /* refused before creating anything */
    assert_false(exists("cg/memory/ojrun/u"));
    assert_false(exists("cg/memory/ojrun"));

    struct oj_hugepage_limit huge = {"2MB", 1};
    struct oj_resources r2 = {.hugepage_limits = &huge, .n_hugepage_limits = 1};
    assert_int_equal(oj_cgroup_create(cg, &r2, &err), -1);
    assert_string_equal(err.msg, "linux.resources.hugepageLimits: the hugetlb controller is not "
                                 "mounted");
    assert_false(exists("cg/memory/ojrun/u"));

    /* bad device rules */
    struct oj_device_cgroup bad_type = {.allow = true, .type = 'x'};
    struct oj_resources r3 = {.devices = &bad_type, .n_devices = 1};
    assert_int_equal(oj_cgroup_create(cg, &r3, &err), -1);
    assert_non_null(strstr(err.msg, "linux.resources.devices[0].type \"x\""));
    assert_false(exists("cg/devices/ojrun/u"));
    struct oj_device_cgroup bad_acc = {.allow = true, .type = 'c', .access = "rwx"};
    r3.devices = &bad_acc;
    assert_int_equal(oj_cgroup_create(cg, &r3, &err), -1);
    assert_non_null(strstr(err.msg, "access \"rwx\""));
    struct oj_hugepage_limit bad_size = {"../2MB", 1};
    struct oj_resources r4 = {.hugepage_limits = &bad_size, .n_hugepage_limits = 1};
    write_mountinfo_v1(false, true);
    oj_cgroup_free(cg);
    cg = new_cg(NULL, "u");
    assert_int_equal(oj_cgroup_create(cg, &r4, &err), -1);
    assert_non_null(strstr(err.msg, "page size \"../2MB\""));
    assert_false(exists("cg/hugetlb/ojrun"));

    /* a failure after the directories exist (here: the fake tree has no
     * control files) removes every directory create() made */
    struct oj_resources r5 = {.has_pids = true, .pids_limit = 5};
    assert_int_equal(oj_cgroup_create(cg, &r5, &err), -1);
    assert_non_null(strstr(err.msg, "/cg/cpuset/ojrun/cpuset.cpus: No such file or directory"));
    for (size_t i = 0; i < OJ_ARRAY_SIZE(v1_dirs); i++)
        assert_false(exists("cg/%s/ojrun", v1_dirs[i][0]));
    assert_true(exists("cg/pids"));
    oj_cgroup_free(cg);
}

/* --- v2 resources -------------------------------------------------------- */

static void make_v2_container(const char *id, bool bfq)
{
    static const char *const files[] = {
        "cpu.weight",      "cpu.max",         "cpu.max.burst", "cpu.idle", "memory.max",
        "memory.low",      "memory.swap.max", "memory.high",   "pids.max", "io.max",
        "hugetlb.2MB.max", "cpuset.cpus",     "cpuset.mems",   "rdma.max", "cgroup.procs",
    };
    for (size_t i = 0; i < OJ_ARRAY_SIZE(files); i++)
        put("", "cg2/ojrun/%s/%s", id, files[i]);
    put("", "cg2/ojrun/%s/%s", id, bfq ? "io.bfq.weight" : "io.weight");
    put("", "cg2/ojrun/cgroup.subtree_control");
    put("cpu io memory pids\n", "cg2/ojrun/cgroup.controllers"); /* a subset */
}

static void test_v2_resources(void **state)
{
    (void)state;
    write_mountinfo_v2("/");
    make_v2_container("t2", false);
    struct oj_cgroup *cg = new_cg(NULL, "t2");
    struct strbuf trace = {0};
    oj_cgroup_set_trace(cg, &trace);

    struct oj_blkio_device wdev = {.major = 8, .minor = 0, .weight = {true, 1000}};
    struct oj_blkio_device rbps = {.major = 8, .minor = 16, .rate = 1048576};
    struct oj_blkio_device wbps = {.major = 8, .minor = 16, .rate = 0};
    struct oj_hugepage_limit huge = {"2MB", 4194304};
    struct oj_rdma_limit rdma = {.device = "mlx5_0", .hca_handles = {true, 3}};
    struct oj_kv unified = {"memory.high", "50000000"};
    struct oj_resources r = {
        .has_memory = true,
        .memory = {.limit = {true, 64 << 20},
                   .swap = {true, 96 << 20},
                   .reservation = {true, 32 << 20},
                   .swappiness = {true, 60}},
        .has_cpu = true,
        .cpu = {.shares = {true, 512},
                .quota = {true, 50000},
                .period = {true, 200000},
                .burst = {true, 1000},
                .cpus = "0-1",
                .mems = "0",
                .idle = {true, false}},
        .has_pids = true,
        .pids_limit = -1,
        .has_block_io = true,
        .block_io = {.weight = {true, 500},
                     .leaf_weight = {true, 200},
                     .weight_device = &wdev,
                     .n_weight_device = 1,
                     .throttle_read_bps = &rbps,
                     .n_throttle_read_bps = 1,
                     .throttle_write_bps = &wbps,
                     .n_throttle_write_bps = 1},
        .hugepage_limits = &huge,
        .n_hugepage_limits = 1,
        .rdma = &rdma,
        .n_rdma = 1,
        .unified = &unified,
        .n_unified = 1,
    };
    struct oj_err err;
    if (oj_cgroup_create(cg, &r, &err) < 0)
        fail_msg("%s", err.msg);

    /* controllers enabled top-down; /ojrun offers a subset */
    assert_string_equal(trace_of(&trace, "subtree_control"),
                        "cg2/cgroup.subtree_control +cpuset +cpu +io +memory +pids +hugetlb +rdma "
                        "+misc\n"
                        "cg2/ojrun/cgroup.subtree_control +cpu +io +memory +pids");
    assert_string_equal(trace_of(&trace, "/ojrun/t2/"),
                        "cg2/ojrun/t2/cpuset.cpus 0-1\n"
                        "cg2/ojrun/t2/cpuset.mems 0\n"
                        "cg2/ojrun/t2/cpu.weight 20\n" /* 1 + (512-2)*9999/262142 */
                        "cg2/ojrun/t2/cpu.max 50000 200000\n"
                        "cg2/ojrun/t2/cpu.max.burst 1000\n"
                        "cg2/ojrun/t2/cpu.idle 0\n"
                        "cg2/ojrun/t2/memory.swap.max 33554432\n" /* 96M - 64M */
                        "cg2/ojrun/t2/memory.max 67108864\n"
                        "cg2/ojrun/t2/memory.low 33554432\n"
                        "cg2/ojrun/t2/pids.max max\n"
                        "cg2/ojrun/t2/io.weight 4950\n" /* 1 + (500-10)*9999/990 */
                        "cg2/ojrun/t2/io.weight 8:0 10000\n"
                        "cg2/ojrun/t2/io.max 8:16 rbps=1048576\n"
                        "cg2/ojrun/t2/io.max 8:16 wbps=max\n"
                        "cg2/ojrun/t2/hugetlb.2MB.max 4194304\n"
                        "cg2/ojrun/t2/rdma.max mlx5_0 hca_handle=3\n"
                        "cg2/ojrun/t2/memory.high 50000000"); /* unified last */
    assert_string_equal(get("cg2/ojrun/t2/cpu.max"), "50000 200000");
    assert_true(log_has("swappiness ignored: not supported with cgroup v2"));
    assert_true(log_has("leafWeight ignored"));
    assert_int_equal(oj_cgroup_v2_fd(cg) >= 0, 1);

    /* update: only the period -> keep the current quota; quota -1 -> max */
    sb_free(&trace);
    put("50000 200000\n", "cg2/ojrun/t2/cpu.max");
    struct oj_resources u = {.has_cpu = true, .cpu = {.period = {true, 100000}}};
    assert_int_equal(oj_cgroup_update(cg, &u, &err), 0);
    put("", "cg2/ojrun/t2/cpu.max");
    u.cpu = (struct oj_cpu){.quota = {true, -1}, .period = {true, 100000}};
    assert_int_equal(oj_cgroup_update(cg, &u, &err), 0);
    assert_string_equal(trace_of(&trace, "cpu.max"), "cg2/ojrun/t2/cpu.max 50000 100000\n"
                                                     "cg2/ojrun/t2/cpu.max max 100000");

    /* not in v2 at all */
    struct oj_resources rt = {.has_cpu = true, .cpu = {.realtime_runtime = {true, 1}}};
    assert_int_equal(oj_cgroup_update(cg, &rt, &err), -1);
    assert_non_null(strstr(err.msg, "not supported with cgroup v2"));
    struct oj_resources net = {.has_network = true, .net_class_id = {true, 1}};
    assert_int_equal(oj_cgroup_update(cg, &net, &err), -1);
    assert_string_equal(err.msg, "linux.resources.network.classID: not supported with cgroup v2 "
                                 "(no net_cls controller)");
    /* unified keys: unknown files and membership files refused */
    struct oj_kv bad = {"memory.nonexistent", "1"};
    struct oj_resources ru = {.unified = &bad, .n_unified = 1};
    assert_int_equal(oj_cgroup_update(cg, &ru, &err), -1);
    assert_non_null(strstr(err.msg, "linux.resources.unified.memory.nonexistent: no such file"));
    bad = (struct oj_kv){"cgroup.procs", "1"};
    assert_int_equal(oj_cgroup_update(cg, &ru, &err), -1);
    assert_non_null(strstr(err.msg, "cgroup.procs may not be set"));
    bad = (struct oj_kv){"../../x", "1"};
    assert_int_equal(oj_cgroup_update(cg, &ru, &err), -1);
    assert_non_null(strstr(err.msg, "is not a cgroup file name"));
    /* swap needs a limit */
    struct oj_resources sw = {.has_memory = true, .memory = {.swap = {true, 100}}};
    assert_int_equal(oj_cgroup_update(cg, &sw, &err), -1);
    assert_non_null(strstr(err.msg, "needs a memory.limit"));

    oj_cgroup_free(cg);
    sb_free(&trace);
}

/* A relative cgroupsPath on v2 goes below the *parent* of our own cgroup
 * (which holds processes), a cgroup that holds processes never gets its
 * subtree_control written, and a failed create takes back the controllers
 * it enabled in cgroups that existed before, unless another cgroup below
 * them may use them. */
static void test_v2_relative_and_undo(void **state)
{
    (void)state;
    write_mountinfo_v2("/work/job");
    put("domain\n", "cg2/work/cgroup.type");
    put("", "cg2/work/cgroup.procs");
    put("", "cg2/work/cgroup.subtree_control");
    put("cpu memory pids\n", "cg2/work/cgroup.controllers");
    put("domain\n", "cg2/work/job/cgroup.type");
    put("4242\n", "cg2/work/job/cgroup.procs");
    put("", "cg2/work/job/cgroup.subtree_control");
    put("", "cg2/work/rel/cgroup.subtree_control");
    put("", "cg2/work/rel/x/cgroup.procs"); /* no memory.max: create fails */

    struct oj_cgroup *cg = new_cg("rel/x", "ignored");
    char want[PATH_MAX];
    snprintf(want, sizeof(want), "%s/cg2/work/rel/x", tmp);
    assert_string_equal(oj_cgroup_dir(cg, ""), want);
    struct strbuf trace = {0};
    oj_cgroup_set_trace(cg, &trace);
    struct oj_resources r = {.has_memory = true, .memory = {.limit = {true, 64 << 20}}};
    struct oj_err err;
    assert_int_equal(oj_cgroup_create(cg, &r, &err), -1);
    assert_non_null(strstr(err.msg, "memory.max"));
    /* cg2/work keeps its controllers: job is below it too */
    assert_string_equal(trace_of(&trace, "subtree_control"),
                        "cg2/cgroup.subtree_control +cpuset +cpu +io +memory +pids +hugetlb +rdma "
                        "+misc\n"
                        "cg2/work/cgroup.subtree_control +cpu +memory +pids\n"
                        "cg2/work/rel/cgroup.subtree_control +cpuset +cpu +io +memory +pids "
                        "+hugetlb +rdma +misc\n"
                        "cg2/work/rel/cgroup.subtree_control -cpuset\n"
                        "cg2/work/rel/cgroup.subtree_control -cpu\n"
                        "cg2/work/rel/cgroup.subtree_control -io\n"
                        "cg2/work/rel/cgroup.subtree_control -memory\n"
                        "cg2/work/rel/cgroup.subtree_control -pids\n"
                        "cg2/work/rel/cgroup.subtree_control -hugetlb\n"
                        "cg2/work/rel/cgroup.subtree_control -rdma\n"
                        "cg2/work/rel/cgroup.subtree_control -misc\n"
                        "cg2/cgroup.subtree_control -cpuset\n"
                        "cg2/cgroup.subtree_control -cpu\n"
                        "cg2/cgroup.subtree_control -io\n"
                        "cg2/cgroup.subtree_control -memory\n"
                        "cg2/cgroup.subtree_control -pids\n"
                        "cg2/cgroup.subtree_control -hugetlb\n"
                        "cg2/cgroup.subtree_control -rdma\n"
                        "cg2/cgroup.subtree_control -misc");
    assert_true(exists("cg2/work/rel/x")); /* existed before: not ours to remove */
    sb_free(&trace);
    oj_cgroup_free(cg);

    /* below the populated cgroup itself: its subtree_control is left alone */
    put("", "cg2/cgroup.subtree_control");
    put("", "cg2/work/cgroup.subtree_control");
    put("", "cg2/work/job/sub/cgroup.procs");
    cg = new_cg("/work/job/sub", "ignored");
    trace = (struct strbuf){0};
    oj_cgroup_set_trace(cg, &trace);
    if (oj_cgroup_create(cg, NULL, &err) < 0)
        fail_msg("%s", err.msg);
    assert_null(strstr(trace_of(&trace, "subtree_control"), "job/cgroup.subtree_control"));
    assert_string_equal(get("cg2/work/job/cgroup.subtree_control"), "");
    assert_true(log_has("holds processes"));
    sb_free(&trace);
    oj_cgroup_free(cg);
}

static void test_v2_bfq_weight(void **state)
{
    (void)state;
    write_mountinfo_v2("/");
    make_v2_container("b", true);
    struct oj_cgroup *cg = new_cg(NULL, "b");
    struct strbuf trace = {0};
    oj_cgroup_set_trace(cg, &trace);
    struct oj_resources r = {.has_block_io = true, .block_io = {.weight = {true, 500}}};
    struct oj_err err;
    assert_int_equal(oj_cgroup_update(cg, &r, &err), 0);
    /* BFQ takes blkio's range unconverted */
    assert_string_equal(trace_of(&trace, NULL), "cg2/ojrun/b/io.bfq.weight 500");
    oj_cgroup_free(cg);
    sb_free(&trace);
}

static void test_conversions(void **state)
{
    (void)state;
    assert_int_equal(oj_cg_shares_to_weight(0), 0);
    assert_int_equal(oj_cg_shares_to_weight(2), 1);
    assert_int_equal(oj_cg_shares_to_weight(1024), 39);
    assert_int_equal(oj_cg_shares_to_weight(262144), 10000);
    assert_int_equal(oj_cg_shares_to_weight(1000000), 10000);
    assert_int_equal(oj_cg_blkio_to_io_weight(10), 1);
    assert_int_equal(oj_cg_blkio_to_io_weight(100), 910);
    assert_int_equal(oj_cg_blkio_to_io_weight(1000), 10000);
}

/* --- hybrid -------------------------------------------------------------- */

static void test_hybrid_resources(void **state)
{
    (void)state;
    /* v1 for everything but hugetlb, which only cgroup2 has */
    write_mountinfo_v1(true, false);
    put("hugetlb\n", "cg/unified/cgroup.controllers");
    put("", "cg/unified/cgroup.subtree_control");
    put("", "cg/unified/ojrun/cgroup.subtree_control");
    put("", "cg/unified/ojrun/h/hugetlb.2MB.max");
    put("", "cg/unified/ojrun/h/cgroup.procs");
    make_v1_container("h");
    struct oj_cgroup *cg = new_cg(NULL, "h");
    struct strbuf trace = {0};
    oj_cgroup_set_trace(cg, &trace);

    struct oj_hugepage_limit huge = {"2MB", 2097152};
    struct oj_kv hkv = {"hugetlb.2MB.max", "4194304"};
    struct oj_resources r = {.has_pids = true,
                             .pids_limit = 10,
                             .hugepage_limits = &huge,
                             .n_hugepage_limits = 1,
                             .unified = &hkv,
                             .n_unified = 1};
    struct oj_err err;
    if (oj_cgroup_create(cg, &r, &err) < 0)
        fail_msg("%s", err.msg);
    assert_string_equal(trace_of(&trace, "unified"),
                        "cg/unified/cgroup.subtree_control +hugetlb\n"
                        "cg/unified/ojrun/cgroup.subtree_control +hugetlb\n"
                        "cg/unified/ojrun/h/hugetlb.2MB.max 2097152\n"
                        "cg/unified/ojrun/h/hugetlb.2MB.max 4194304");
    assert_string_equal(trace_of(&trace, "pids.max"), "cg/pids/ojrun/h/pids.max 10");

    /* a unified key for a v1 controller: refused, saying why */
    struct oj_kv mkv = {"memory.high", "1"};
    struct oj_resources r2 = {.unified = &mkv, .n_unified = 1};
    assert_int_equal(oj_cgroup_update(cg, &r2, &err), -1);
    assert_non_null(strstr(err.msg, "linux.resources.unified.memory.high: no such file"));
    assert_non_null(strstr(err.msg, "hybrid"));
    /* net_cls is not mounted here */
    struct oj_resources r3 = {.has_network = true, .net_class_id = {true, 7}};
    oj_cgroup_free(cg);

    write_mountinfo_v1(true, false);
    /* rewrite without net_cls: keep only cpu,cpuacct and memory + cgroup2 */
    char mi[2048];
    snprintf(mi, sizeof(mi),
             "30 25 0:30 / %s/cg/memory rw - cgroup cgroup rw,memory\n"
             "62 25 0:62 / %s/cg/unified rw - cgroup2 cgroup2 rw\n",
             tmp, tmp);
    put(mi, "mountinfo");
    cg = new_cg(NULL, "h");
    assert_int_equal(oj_cgroup_create(cg, &r3, &err), -1);
    assert_string_equal(err.msg, "linux.resources.network.classID: the net_cls controller is not "
                                 "available (not mounted as cgroup v1, not in cgroup2's "
                                 "controllers \"hugetlb\")");
    oj_cgroup_free(cg);
    sb_free(&trace);
}

static void test_hybrid_optional_v2(void **state)
{
    (void)state;
    /* the container's directory cannot be made in the cgroup2 mount (here:
     * /ojrun there is a file): a hybrid container without v2-only resources
     * goes on without it */
    write_mountinfo_v1(true, false);
    put("hugetlb\n", "cg/unified/cgroup.controllers");
    put("", "cg/unified/ojrun");
    make_v1_container("o");
    struct oj_cgroup *cg = new_cg(NULL, "o");
    struct oj_err err;
    struct oj_resources r = {.has_pids = true, .pids_limit = 3};
    if (oj_cgroup_create(cg, &r, &err) < 0)
        fail_msg("%s", err.msg);
    assert_null(oj_cgroup_dir(cg, ""));
    assert_true(log_has("continuing without"));
    assert_int_equal(oj_cgroup_v2_fd(cg), -1); /* hybrid: never */
    /* saved as absent: later commands skip it */
    struct strbuf sb = {0};
    assert_int_equal(oj_cgroup_save(cg, &sb, &err), 0);
    struct oj_cgroup *back = NULL;
    assert_int_equal(oj_cgroup_load(sb_str(&sb), &back, &err), 0);
    assert_null(oj_cgroup_dir(back, ""));
    /* a hugetlb limit now has nowhere to go, and the error says why */
    struct oj_hugepage_limit huge = {"2MB", 1};
    struct oj_resources rh = {.hugepage_limits = &huge, .n_hugepage_limits = 1};
    assert_int_equal(oj_cgroup_update(back, &rh, &err), -1);
    assert_non_null(strstr(err.msg, "no cgroup v2 directory"));
    assert_int_equal(oj_cgroup_enter(back, 77, &err), 0);
    assert_string_equal(get("cg/pids/ojrun/o/cgroup.procs"), "77");
    oj_cgroup_free(back);
    oj_cgroup_free(cg);
    sb_free(&sb);
}

/* --- persistence, freezer, procs, stats ------------------------------------ */

static void test_save_load(void **state)
{
    (void)state;
    write_mountinfo_v1(true, true);
    put("hugetlb\n", "cg/unified/cgroup.controllers");
    put("8:memory:/job\n0::/\n", "self-cgroup");
    struct oj_cgroup *cg = new_cg("rel/x", "id");
    struct strbuf a = {0}, b = {0};
    struct oj_err err;
    assert_int_equal(oj_cgroup_save(cg, &a, &err), 0);
    assert_non_null(strstr(sb_str(&a), "ojrun-cgroup\t1\thybrid\n"));
    assert_non_null(strstr(sb_str(&a), "v1\tname=systemd\t"));
    char line[PATH_MAX];
    snprintf(line, sizeof(line), "v1\tmemory\t%s/cg/memory\t/job/rel/x\t0\t0\t0\n", tmp);
    assert_non_null(strstr(sb_str(&a), line));
    snprintf(line, sizeof(line), "v2\thugetlb\t%s/cg/unified\t/rel/x\t0\t0\t0\n", tmp);
    assert_non_null(strstr(sb_str(&a), line));

    struct oj_cgroup *back = NULL;
    assert_int_equal(oj_cgroup_load(sb_str(&a), &back, &err), 0);
    assert_int_equal(oj_cgroup_layout(back), OJ_CGROUP_HYBRID);
    assert_int_equal(oj_cgroup_save(back, &b, &err), 0);
    assert_string_equal(sb_str(&a), sb_str(&b));
    assert_string_equal(oj_cgroup_dir(back, "memory"), oj_cgroup_dir(cg, "memory"));
    assert_string_equal(oj_cgroup_dir(back, "cpuacct"), oj_cgroup_dir(cg, "cpuacct"));
    assert_string_equal(oj_cgroup_dir(back, ""), oj_cgroup_dir(cg, ""));
    assert_false(oj_cgroup_is_shared(back));
    oj_cgroup_free(back);

    /* <shared>: missing in records of older versions (not shared), 1 for a
     * busy cgroup create joined */
    back = NULL;
    assert_int_equal(oj_cgroup_load("ojrun-cgroup\t1\tv1\nv1\tmemory\t/m\t/x\t0\t0\n", &back, &err),
                     0);
    assert_false(oj_cgroup_is_shared(back));
    oj_cgroup_free(back);
    back = NULL;
    assert_int_equal(
        oj_cgroup_load("ojrun-cgroup\t1\tv1\nv1\tmemory\t/m\t/x\t0\t0\t1\n", &back, &err), 0);
    assert_true(oj_cgroup_is_shared(back));
    sb_free(&b);
    assert_int_equal(oj_cgroup_save(back, &b, &err), 0);
    assert_string_equal(sb_str(&b), "ojrun-cgroup\t1\tv1\nv1\tmemory\t/m\t/x\t0\t0\t1\n");
    oj_cgroup_free(back);

    static const char *const bad[] = {
        "ojrun-cgroup\t1\tv1\nv1\tmemory\t/m\t/x\t0\t0\t2\n",
        "ojrun-cgroup\t1\tv1\nv1\tmemory\t/m\t/x\t0\t0\t0\t0\n",
        "",
        "ojrun-cgroup\t2\tv1\nv1\tmemory\t/m\t/x\t0\t0\n",
        "ojrun-cgroup\t1\tv3\nv1\tmemory\t/m\t/x\t0\t0\n",
        "ojrun-cgroup\t1\tv1\n",
        "ojrun-cgroup\t1\tv1\nv1\tmemory\t/m\t/x\t0\n",
        "ojrun-cgroup\t1\tv1\nv1\tmemory\trel\t/x\t0\t0\n",
        "ojrun-cgroup\t1\tv1\nv1\tmemory\t/m\t/x/../..\t0\t0\n",
        "ojrun-cgroup\t1\tv1\nv9\tmemory\t/m\t/x\t0\t0\n",
    };
    for (size_t i = 0; i < OJ_ARRAY_SIZE(bad); i++) {
        back = NULL;
        assert_int_equal(oj_cgroup_load(bad[i], &back, &err), -1);
        assert_null(back);
        assert_non_null(strstr(err.msg, "load cgroup state"));
    }
    oj_cgroup_free(cg);
    sb_free(&a);
    sb_free(&b);
}

static void test_freezer_and_pids_v1(void **state)
{
    (void)state;
    write_mountinfo_v1(false, true);
    make_v1_container("f");
    put("THAWED\n", "cg/freezer/ojrun/f/freezer.state");
    put("101\n102\n", "cg/freezer/ojrun/f/cgroup.procs");
    put("103\n101\n", "cg/freezer/ojrun/f/sub/cgroup.procs");
    put("", "cg/freezer/ojrun/f/sub/deeper/cgroup.procs");
    struct oj_cgroup *cg = new_cg(NULL, "f");
    struct oj_err err;
    bool frozen = true;
    assert_int_equal(oj_cgroup_is_frozen(cg, &frozen, &err), 0);
    assert_false(frozen);
    assert_int_equal(oj_cgroup_freeze(cg, true, &err), 0);
    assert_string_equal(get("cg/freezer/ojrun/f/freezer.state"), "FROZEN\n");
    assert_int_equal(oj_cgroup_is_frozen(cg, &frozen, &err), 0);
    assert_true(frozen);
    assert_int_equal(oj_cgroup_freeze(cg, false, &err), 0);
    assert_int_equal(oj_cgroup_is_frozen(cg, &frozen, &err), 0);
    assert_false(frozen);
    bool freezing = true;
    assert_int_equal(oj_cgroup_freezing(cg, &freezing, &err), 0);
    assert_false(freezing);
    put("FREEZING\n", "cg/freezer/ojrun/f/freezer.state");
    assert_int_equal(oj_cgroup_is_frozen(cg, &frozen, &err), 0);
    assert_false(frozen); /* not yet */
    /* ... but a process there would stop: create refuses it */
    assert_int_equal(oj_cgroup_freezing(cg, &freezing, &err), 0);
    assert_true(freezing);
    put("FROZEN\n", "cg/freezer/ojrun/f/freezer.state");
    assert_int_equal(oj_cgroup_freezing(cg, &freezing, &err), 0);
    assert_true(freezing);
    put("FREEZING\n", "cg/freezer/ojrun/f/freezer.state");

    pid_t *pids = NULL;
    size_t n = 0;
    assert_int_equal(oj_cgroup_pids(cg, &pids, &n, &err), 0);
    assert_int_equal(n, 3); /* sub-cgroups included, duplicates once */
    assert_int_equal(pids[0], 101);
    assert_int_equal(pids[1], 102);
    assert_int_equal(pids[2], 103);
    free(pids);
    put("12x\n", "cg/freezer/ojrun/f/cgroup.procs");
    assert_int_equal(oj_cgroup_pids(cg, &pids, &n, &err), -1);
    assert_non_null(strstr(err.msg, "bad pid \"12x\""));
    oj_cgroup_free(cg);
}

static void test_stats_v1(void **state)
{
    (void)state;
    write_mountinfo_v1(false, true);
    make_v1_container("s");
    const char *d = "cg/cpu,cpuacct/ojrun/s";
    put("1234567890\n", "%s/cpuacct.usage", d);
    put("1000000000 234567890 \n", "%s/cpuacct.usage_percpu", d);
    put("user 70\nsystem 30\n", "%s/cpuacct.stat", d);
    put("nr_periods 10\nnr_throttled 4\nthrottled_time 5000000\n", "%s/cpu.stat", d);
    const char *m = "cg/memory/ojrun/s";
    put("1000\n", "%s/memory.usage_in_bytes", m);
    put("67100000\n", "%s/memory.max_usage_in_bytes", m);
    put("9223372036854771712\n", "%s/memory.limit_in_bytes", m);
    put("7\n", "%s/memory.failcnt", m);
    put("2000\n", "%s/memory.memsw.usage_in_bytes", m);
    put("3000\n", "%s/memory.memsw.max_usage_in_bytes", m);
    put("134217728\n", "%s/memory.memsw.limit_in_bytes", m);
    put("0\n", "%s/memory.memsw.failcnt", m);
    put("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n", "%s/memory.oom_control", m);
    put("cache 4096\nrss 8192\n", "%s/memory.stat", m);
    put("3\n", "cg/pids/ojrun/s/pids.current");
    put("max\n", "cg/pids/ojrun/s/pids.max");
    put("8:0 Read 4096\n8:0 Write 512\n8:0 Total 4608\nTotal 4608\n",
        "cg/blkio/ojrun/s/blkio.throttle.io_service_bytes_recursive");
    struct oj_cgroup *cg = new_cg(NULL, "s");
    struct oj_cgroup_stats st;
    struct oj_err err;
    if (oj_cgroup_stats(cg, &st, &err) < 0)
        fail_msg("%s", err.msg);
    long hz = sysconf(_SC_CLK_TCK);
    assert_true(st.has_cpu);
    assert_int_equal(st.cpu.total, 1234567890ull);
    assert_int_equal(st.cpu.n_percpu, 2);
    assert_int_equal(st.cpu.percpu[1], 234567890ull);
    assert_int_equal(st.cpu.user, 70ull * (1000000000ull / (uint64_t)hz));
    assert_int_equal(st.cpu.kernel, 30ull * (1000000000ull / (uint64_t)hz));
    assert_int_equal(st.cpu.periods, 10);
    assert_int_equal(st.cpu.throttled_periods, 4);
    assert_int_equal(st.cpu.throttled_time, 5000000);
    assert_true(st.has_memory);
    assert_int_equal(st.memory.max_usage, 67100000);
    assert_true(st.memory.limit == OJ_CGROUP_UNLIMITED);
    assert_int_equal(st.memory.failcnt, 7);
    assert_true(st.memory.has_swap);
    assert_int_equal(st.memory.swap_limit, 134217728);
    assert_int_equal(st.memory.oom_kill, 2);
    assert_int_equal(st.memory.n_stat, 2);
    assert_string_equal(st.memory.stat[1].key, "rss");
    assert_int_equal(st.memory.stat[1].value, 8192);
    assert_true(st.has_pids);
    assert_int_equal(st.pids.current, 3);
    assert_true(st.pids.limit == OJ_CGROUP_UNLIMITED);
    assert_true(st.has_blkio);
    assert_int_equal(st.blkio.n_io_service_bytes, 3);
    assert_string_equal(st.blkio.io_service_bytes[1].op, "Write");
    assert_int_equal(st.blkio.io_service_bytes[1].value, 512);

    struct jw w;
    jw_init(&w, false);
    oj_cgroup_stats_json(&st, &w);
    const char *j = sb_str(&w.sb);
    assert_non_null(strstr(j, "{\"cpu\":{\"usage\":{\"total\":1234567890,\"percpu\":[1000000000,"
                              "234567890],"));
    assert_non_null(strstr(j, "\"throttling\":{\"periods\":10,\"throttledPeriods\":4,"
                              "\"throttledTime\":5000000}"));
    assert_non_null(strstr(j, "\"oomKill\":2,\"raw\":{\"cache\":4096,\"rss\":8192}"));
    assert_non_null(strstr(j, "\"pids\":{\"current\":3,\"limit\":0}"));
    assert_non_null(strstr(j, "{\"major\":8,\"minor\":0,\"op\":\"Write\",\"value\":512}"));
    sb_free(&w.sb);
    oj_cgroup_stats_free(&st);
    oj_cgroup_free(cg);
}

static void test_stats_v2(void **state)
{
    (void)state;
    write_mountinfo_v2("/");
    make_v2_container("s", false);
    const char *d = "cg2/ojrun/s";
    put("usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 3\nnr_throttled 1\n"
        "throttled_usec 20\n",
        "%s/cpu.stat", d);
    put("4096\n", "%s/memory.current", d);
    put("8192\n", "%s/memory.peak", d);
    put("67108864\n", "%s/memory.max", d);
    put("low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\n", "%s/memory.events", d);
    put("100\n", "%s/memory.swap.current", d);
    put("max\n", "%s/memory.swap.max", d);
    put("anon 4096\nfile 0\n", "%s/memory.stat", d);
    put("2\n", "%s/pids.current", d);
    put("16\n", "%s/pids.max", d);
    put("8:0 rbytes=10 wbytes=20 rios=1 wios=2 dbytes=0 dios=0\n", "%s/io.stat", d);
    struct oj_cgroup *cg = new_cg(NULL, "s");
    struct oj_cgroup_stats st;
    struct oj_err err;
    if (oj_cgroup_stats(cg, &st, &err) < 0)
        fail_msg("%s", err.msg);
    assert_int_equal(st.cpu.total, 1500000);
    assert_int_equal(st.cpu.user, 1000000);
    assert_int_equal(st.cpu.kernel, 500000);
    assert_int_equal(st.cpu.throttled_time, 20000);
    assert_int_equal(st.cpu.n_percpu, 0);
    assert_int_equal(st.memory.usage, 4096);
    assert_int_equal(st.memory.max_usage, 8192);
    assert_int_equal(st.memory.limit, 67108864);
    assert_int_equal(st.memory.failcnt, 5);
    assert_int_equal(st.memory.oom_kill, 1);
    assert_int_equal(st.memory.swap_usage, 4196); /* memory+swap */
    assert_true(st.memory.swap_limit == OJ_CGROUP_UNLIMITED);
    assert_int_equal(st.pids.limit, 16);
    assert_int_equal(st.blkio.n_io_service_bytes, 3);
    assert_string_equal(st.blkio.io_service_bytes[0].op, "Read");
    assert_int_equal(st.blkio.io_service_bytes[0].value, 10);
    oj_cgroup_stats_free(&st);

    /* no memory.peak (kernel < 5.19): current stands in */
    char peak[PATH_MAX];
    snprintf(peak, sizeof(peak), "%s/%s/memory.peak", tmp, d);
    assert_int_equal(unlink(peak), 0);
    assert_int_equal(oj_cgroup_stats(cg, &st, &err), 0);
    assert_int_equal(st.memory.max_usage, 4096);
    oj_cgroup_stats_free(&st);
    oj_cgroup_free(cg);
}

/* --- device program ------------------------------------------------------ */

static void test_device_program(void **state)
{
    (void)state;
    struct oj_device_cgroup rules[] = {
        {.allow = false, .type = 'a', .access = "rwm"},
        {.allow = true, .type = 'c', .major = {true, 1}, .minor = {true, 3}, .access = "rw"},
    };
    struct bpf_insn *p = NULL;
    size_t n = 0;
    struct oj_err err;
    assert_int_equal(oj_cg_bpf_devices_program(rules, 2, &p, &n, &err), 0);
    /* prologue 6; rule 1: type, access (3), major, minor, mov, exit = 8;
     * rule 0 matches everything: mov r0 0, exit and nothing after */
    assert_int_equal(n, 6 + 8 + 2);
    assert_int_equal(p[6].code, BPF_JMP32 | BPF_JNE | BPF_K);
    assert_int_equal(p[6].imm, BPF_DEVCG_DEV_CHAR);
    assert_int_equal(p[6].off, 7);                   /* to the next rule */
    assert_int_equal(p[8].imm, BPF_DEVCG_ACC_MKNOD); /* "rw" does not cover mknod */
    assert_int_equal(p[10].imm, 1);
    assert_int_equal(p[11].imm, 3);
    assert_int_equal(p[12].imm, 1); /* allow */
    assert_int_equal(p[14].code, BPF_ALU64 | BPF_MOV | BPF_K);
    assert_int_equal(p[14].imm, 0); /* deny all */
    assert_int_equal(p[15].code, BPF_JMP | BPF_EXIT);
    free(p);

    /* no catch-all: the default deny closes the program */
    assert_int_equal(oj_cg_bpf_devices_program(rules + 1, 1, &p, &n, &err), 0);
    assert_int_equal(n, 6 + 8 + 2);
    assert_int_equal(p[n - 2].imm, 0);
    free(p);

    char text[64];
    oj_cg_device_rule_text(&rules[0], text, sizeof(text));
    assert_string_equal(text, "a *:* rwm");
    oj_cg_device_rule_text(&rules[1], text, sizeof(text));
    assert_string_equal(text, "c 1:3 rw");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_detect_v1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_detect_v2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_detect_hybrid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_detect_none, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_paths_mount_root, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v1_resources, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v1_memory_order_and_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v1_blkio_cfq, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v1_cpu_quota_variants, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v1_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v2_resources, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v2_relative_and_undo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_v2_bfq_weight, setup, teardown),
        cmocka_unit_test(test_conversions),
        cmocka_unit_test_setup_teardown(test_hybrid_resources, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hybrid_optional_v2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_save_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_freezer_and_pids_v1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats_v1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats_v2, setup, teardown),
        cmocka_unit_test(test_device_program),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
