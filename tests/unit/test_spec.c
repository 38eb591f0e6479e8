/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oj_spec_default(): the generated config.json is valid JSON (checked with
 * yajl's tree parser, not by string matching) with runc's default shape,
 * and the rootless variant carries the changes runc makes for it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <stdio.h>
#include <limits.h>

#include <cmocka.h>
#include <yajl/yajl_tree.h>

#include "config.h"
#include "spec.h"
#include "strbuf.h"

/* Generate and parse; the tree is freed by the caller. */
static yajl_val gen(bool rootless, uid_t uid, gid_t gid, struct strbuf *sb)
{
    assert_int_equal(oj_spec_default(rootless, false, uid, gid, sb), 0);
    assert_false(sb->oom);
    char errbuf[256] = "";
    yajl_val v = yajl_tree_parse(sb_str(sb), errbuf, sizeof(errbuf));
    if (!v)
        fail_msg("generated config.json does not parse: %s\n%s", errbuf, sb_str(sb));
    assert_true(YAJL_IS_OBJECT(v));
    return v;
}

#define PATH(...) ((const char *[]){__VA_ARGS__, NULL})

static yajl_val get(yajl_val v, const char **path)
{
    yajl_val r = yajl_tree_get(v, path, yajl_t_any);
    if (!r)
        fail_msg("missing key %s%s%s", path[0], path[1] ? "." : "", path[1] ? path[1] : "");
    return r;
}

static const char *get_str(yajl_val v, const char **path)
{
    yajl_val r = get(v, path);
    assert_true(YAJL_IS_STRING(r));
    return YAJL_GET_STRING(r);
}

static bool str_array_has(yajl_val arr, const char *s)
{
    assert_true(YAJL_IS_ARRAY(arr));
    for (size_t i = 0; i < arr->u.array.len; i++) {
        const char *e = YAJL_GET_STRING(arr->u.array.values[i]);
        if (e && strcmp(e, s) == 0)
            return true;
    }
    return false;
}

/* The mounts[] entry with this destination, or NULL. */
static yajl_val mount_at(yajl_val root, const char *dest)
{
    yajl_val mounts = get(root, PATH("mounts"));
    assert_true(YAJL_IS_ARRAY(mounts));
    for (size_t i = 0; i < mounts->u.array.len; i++) {
        yajl_val m = mounts->u.array.values[i];
        const char *d = YAJL_GET_STRING(yajl_tree_get(m, PATH("destination"), yajl_t_string));
        if (d && strcmp(d, dest) == 0)
            return m;
    }
    return NULL;
}

/* The namespace types, in order, joined by spaces. */
static void ns_types(yajl_val root, char *buf, size_t len)
{
    yajl_val ns = get(root, PATH("linux", "namespaces"));
    assert_true(YAJL_IS_ARRAY(ns));
    buf[0] = '\0';
    for (size_t i = 0; i < ns->u.array.len; i++) {
        const char *t = get_str(ns->u.array.values[i], PATH("type"));
        strncat(buf, i ? " " : "", len - strlen(buf) - 1);
        strncat(buf, t, len - strlen(buf) - 1);
    }
}

static void test_default(void **state)
{
    struct strbuf sb = {0};
    yajl_val v = gen(false, 1000, 1000, &sb);

    assert_string_equal(get_str(v, PATH("ociVersion")), "1.2.0");
    yajl_val args = get(v, PATH("process", "args"));
    assert_true(YAJL_IS_ARRAY(args));
    assert_int_equal(args->u.array.len, 1);
    assert_string_equal(YAJL_GET_STRING(args->u.array.values[0]), "sh");
    assert_true(YAJL_IS_TRUE(get(v, PATH("process", "terminal"))));
    assert_true(YAJL_IS_TRUE(get(v, PATH("process", "noNewPrivileges"))));
    assert_string_equal(get_str(v, PATH("process", "cwd")), "/");
    assert_string_equal(get_str(v, PATH("root", "path")), "rootfs");
    assert_true(YAJL_IS_TRUE(get(v, PATH("root", "readonly"))));

    /* runc's capability set, and no inheritable set (CVE-2022-29162) */
    yajl_val bounding = get(v, PATH("process", "capabilities", "bounding"));
    assert_true(str_array_has(bounding, "CAP_KILL"));
    assert_true(str_array_has(bounding, "CAP_NET_BIND_SERVICE"));
    assert_true(str_array_has(bounding, "CAP_AUDIT_WRITE"));
    assert_false(str_array_has(bounding, "CAP_SYS_ADMIN"));
    assert_null(yajl_tree_get(v, PATH("process", "capabilities", "inheritable"), yajl_t_any));

    char ns[128];
    ns_types(v, ns, sizeof(ns));
    assert_string_equal(ns, "pid network ipc uts mount");
    assert_null(yajl_tree_get(v, PATH("linux", "uidMappings"), yajl_t_any));
    assert_non_null(yajl_tree_get(v, PATH("linux", "resources", "devices"), yajl_t_array));
    assert_true(str_array_has(get(v, PATH("linux", "maskedPaths")), "/proc/kcore"));
    assert_true(str_array_has(get(v, PATH("linux", "readonlyPaths")), "/proc/sys"));

    static const char *const dests[] = {"/proc",       "/dev", "/dev/pts",      "/dev/shm",
                                        "/dev/mqueue", "/sys", "/sys/fs/cgroup"};
    for (size_t i = 0; i < sizeof(dests) / sizeof(dests[0]); i++)
        if (!mount_at(v, dests[i]))
            fail_msg("no mount on %s", dests[i]);
    assert_string_equal(get_str(mount_at(v, "/sys"), PATH("type")), "sysfs");
    assert_true(str_array_has(get(mount_at(v, "/dev/pts"), PATH("options")), "gid=5"));

    yajl_tree_free(v);
    sb_free(&sb);
}

static void test_rootless(void **state)
{
    struct strbuf sb = {0};
    yajl_val v = gen(true, 1234, 5678, &sb);

    char ns[128];
    ns_types(v, ns, sizeof(ns));
    assert_string_equal(ns, "pid ipc uts mount user");

    static const struct {
        const char *key;
        long long host;
    } maps[] = {{"uidMappings", 1234}, {"gidMappings", 5678}};
    for (size_t i = 0; i < 2; i++) {
        yajl_val m = get(v, PATH("linux", maps[i].key));
        assert_true(YAJL_IS_ARRAY(m));
        assert_int_equal(m->u.array.len, 1);
        yajl_val e = m->u.array.values[0];
        assert_int_equal(YAJL_GET_INTEGER(get(e, PATH("containerID"))), 0);
        assert_int_equal(YAJL_GET_INTEGER(get(e, PATH("hostID"))), maps[i].host);
        assert_int_equal(YAJL_GET_INTEGER(get(e, PATH("size"))), 1);
    }

    /* no cgroup mount, /sys is a bind, devpts has no gid=, no resources */
    assert_null(mount_at(v, "/sys/fs/cgroup"));
    yajl_val sys = mount_at(v, "/sys");
    assert_non_null(sys);
    assert_string_equal(get_str(sys, PATH("source")), "/sys");
    assert_true(str_array_has(get(sys, PATH("options")), "rbind"));
    assert_true(str_array_has(get(sys, PATH("options")), "ro"));
    yajl_val pts_opts = get(mount_at(v, "/dev/pts"), PATH("options"));
    assert_false(str_array_has(pts_opts, "gid=5"));
    assert_true(str_array_has(pts_opts, "newinstance"));
    assert_null(yajl_tree_get(v, PATH("linux", "resources"), yajl_t_any));

    yajl_tree_free(v);
    sb_free(&sb);
}

/* oj_spec_default appends: what the buffer held stays in front, and the
 * document is pretty-printed like `runc spec` (two-space indent) with a
 * final newline. */
static void test_appends_pretty(void **state)
{
    struct strbuf sb = {0};
    sb_puts(&sb, "PREFIX");
    assert_int_equal(oj_spec_default(false, false, 0, 0, &sb), 0);
    static const char head[] = "PREFIX{\n  \"ociVersion\": \"1.2.0\",\n  \"process\": {\n";
    assert_true(sb.len > sizeof(head));
    assert_memory_equal(sb.s, head, sizeof(head) - 1);
    assert_int_equal(sb.s[sb.len - 1], '\n');
    assert_int_equal(sb.s[sb.len - 2], '}');
    sb_free(&sb);
}

/* Two calls produce the same document (no hidden state in the generator). */
/* What `ojrun spec` writes must go back through our own parser with the
 * values it was written with. */
static void round_trip(bool rootless)
{
    struct strbuf sb = {0};
    assert_int_equal(oj_spec_default(rootless, false, 1234, 5678, &sb), 0);
    struct oj_err err = {0};
    struct oj_config *cfg = oj_config_parse(sb.s, sb.len, &err);
    if (!cfg)
        fail_msg("spec output does not parse: %s", err.msg);
    assert_string_equal(cfg->oci_version, "1.2.0");
    assert_string_equal(cfg->root_path, "rootfs");
    assert_non_null(cfg->process);
    assert_string_equal(cfg->process->args[0], "sh");
    assert_true(cfg->process->terminal);
    assert_string_equal(cfg->process->cwd, "/");
    assert_true(cfg->process->has_capabilities);
    assert_true(cfg->process->capabilities.set[OJ_CAPSET_BOUNDING].n > 0);
    assert_true(cfg->n_mounts >= 5);
    assert_string_equal(cfg->mounts[0].destination, "/proc");
    assert_non_null(oj_config_namespace(cfg, OJ_NS_MOUNT));
    assert_non_null(oj_config_namespace(cfg, OJ_NS_PID));
    if (rootless) {
        assert_non_null(oj_config_namespace(cfg, OJ_NS_USER));
        assert_null(oj_config_namespace(cfg, OJ_NS_NETWORK));
        assert_int_equal(cfg->linux_.n_uid_mappings, 1);
        assert_int_equal(cfg->linux_.uid_mappings[0].host_id, 1234);
        assert_int_equal(cfg->linux_.gid_mappings[0].host_id, 5678);
    } else {
        assert_null(oj_config_namespace(cfg, OJ_NS_USER));
        assert_non_null(oj_config_namespace(cfg, OJ_NS_NETWORK));
        assert_true(cfg->linux_.n_masked_paths > 0);
    }
    oj_config_free(cfg);
    sb_free(&sb);
}

static void test_round_trip_default(void **state)
{
    (void)state;
    round_trip(false);
}

static void test_round_trip_rootless(void **state)
{
    (void)state;
    round_trip(true);
}

static void test_deterministic(void **state)
{
    struct strbuf a = {0}, b = {0};
    assert_int_equal(oj_spec_default(true, false, 7, 8, &a), 0);
    assert_int_equal(oj_spec_default(true, false, 7, 8, &b), 0);
    assert_string_equal(sb_str(&a), sb_str(&b));
    sb_free(&a);
    sb_free(&b);
}

/* Pure cgroup v2 host: the default gets a cgroup namespace, as `runc spec`
 * adds one there; v1 and hybrid hosts (and none) do not.  The layout is
 * read from fake mountinfo / cgroup files. */
static bool wants_cgroupns(const char *mountinfo, const char *self)
{
    char dir[] = "/tmp/ojrun-test-spec.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char mi[PATH_MAX], sc[PATH_MAX];
    snprintf(mi, sizeof(mi), "%s/mountinfo", dir);
    snprintf(sc, sizeof(sc), "%s/cgroup", dir);
    FILE *f = fopen(mi, "w");
    assert_non_null(f);
    fputs(mountinfo, f);
    fclose(f);
    f = fopen(sc, "w");
    assert_non_null(f);
    fputs(self, f);
    fclose(f);
    bool r = oj_spec_host_wants_cgroupns(mi, sc);
    unlink(mi);
    unlink(sc);
    rmdir(dir);
    return r;
}

static void test_cgroupns_on_v2(void **state)
{
    (void)state;
    static const char root[] = "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n";
    static const char v2[] = "26 22 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 "
                             "rw,nsdelegate\n";
    static const char v1mem[] = "27 22 0:27 / /sys/fs/cgroup/memory rw shared:5 - cgroup cgroup "
                                "rw,memory\n";
    static const char unified[] = "28 22 0:28 / /sys/fs/cgroup/unified rw shared:6 - cgroup2 "
                                  "cgroup2 rw\n";
    char mi[1024];
    snprintf(mi, sizeof(mi), "%s%s", root, v2);
    assert_true(wants_cgroupns(mi, "0::/user.slice\n"));
    snprintf(mi, sizeof(mi), "%s%s", root, v1mem);
    assert_false(wants_cgroupns(mi, "4:memory:/\n"));
    snprintf(mi, sizeof(mi), "%s%s%s", root, v1mem, unified);
    assert_false(wants_cgroupns(mi, "4:memory:/\n0::/\n"));
    assert_false(wants_cgroupns(root, ""));

    for (int rootless = 0; rootless < 2; rootless++) {
        for (int cgns = 0; cgns < 2; cgns++) {
            struct strbuf sb = {0};
            assert_int_equal(oj_spec_default(rootless, cgns, 1000, 1000, &sb), 0);
            yajl_val v = yajl_tree_parse(sb_str(&sb), NULL, 0);
            assert_non_null(v);
            char ns[128];
            ns_types(v, ns, sizeof(ns));
            const char *want =
                rootless
                    ? (cgns ? "pid ipc uts mount user cgroup" : "pid ipc uts mount user")
                    : (cgns ? "pid network ipc uts mount cgroup" : "pid network ipc uts mount");
            assert_string_equal(ns, want);
            yajl_tree_free(v);
            sb_free(&sb);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default),
        cmocka_unit_test(test_rootless),
        cmocka_unit_test(test_appends_pretty),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_round_trip_default),
        cmocka_unit_test(test_round_trip_rootless),
        cmocka_unit_test(test_cgroupns_on_v2),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
