/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The name tables of oci_features.c against libcap, libseccomp and the
 * running kernel, and the features document parsed back with yajl.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>
#include <linux/seccomp.h>
#include <sys/capability.h>
#include <yajl/yajl_tree.h>

#include "cleanup.h"
#include "mountopt.h"
#include "oci_features.h"
#include "strbuf.h"
#include "util.h"

#define PATH(...) ((const char *[]){__VA_ARGS__, NULL})

static bool strv_has(char **v, const char *s)
{
    for (; *v; v++)
        if (strcmp(*v, s) == 0)
            return true;
    return false;
}

static void test_cap_names(void **state)
{
    struct oj_err err = {0};
    size_t n = 0;
    _cleanup_strv_ char **caps = oj_cap_names(&n, &err);
    assert_non_null(caps);
    /* Every capability up to CAP_AUDIT_READ (37) exists since Linux 3.16. */
    assert_true(n >= 38);
    assert_null(caps[n]);
    assert_string_equal(caps[0], "CAP_CHOWN");
    assert_true(strv_has(caps, "CAP_SYS_ADMIN"));
    assert_true(strv_has(caps, "CAP_NET_BIND_SERVICE"));
    /* Each name maps back to its index through libcap, i.e. the list has
     * no gaps and no lowercase leftovers. */
    for (size_t i = 0; i < n; i++) {
        cap_value_t c;
        assert_int_equal(cap_from_name(caps[i], &c), 0);
        assert_int_equal(c, (cap_value_t)i);
        for (const char *p = caps[i]; *p; p++)
            assert_false(*p >= 'a' && *p <= 'z');
    }
}

static void test_seccomp_actions(void **state)
{
    size_t n;
    const struct oj_seccomp_action_name *a = oj_seccomp_actions(&n);
    assert_int_equal(n, 9);
    for (size_t i = 0; i < n; i++) {
        uint32_t act = 1;
        assert_int_equal(oj_seccomp_action_from_name(a[i].name, &act), 0);
        assert_int_equal(act, a[i].action);
    }
    uint32_t act;
    assert_int_equal(oj_seccomp_action_from_name("SCMP_ACT_NOTIFY", &act), 0);
    assert_int_equal(act, SCMP_ACT_NOTIFY);
    assert_int_equal(oj_seccomp_action_from_name("SCMP_ACT_KILL", &act), 0);
    assert_int_equal(act, SCMP_ACT_KILL_THREAD);
    assert_int_equal(oj_seccomp_action_from_name("SCMP_ACT_ERRNO", &act), 0);
    assert_int_equal(act, SCMP_ACT_ERRNO(0));
    assert_int_equal(oj_seccomp_action_from_name("scmp_act_allow", &act), -1);
    assert_int_equal(oj_seccomp_action_from_name("SCMP_ACT_NOPE", &act), -1);

    /* Kernel 4.14+ has all of these; the data bits are ignored. */
    assert_true(oj_seccomp_action_available(SCMP_ACT_ALLOW));
    assert_true(oj_seccomp_action_available(SCMP_ACT_KILL_PROCESS));
    assert_true(oj_seccomp_action_available(SCMP_ACT_LOG));
    assert_true(oj_seccomp_action_available(SCMP_ACT_ERRNO(13)));
    /* ...and not this one, an action value no kernel defines. */
    assert_false(oj_seccomp_action_available(0x7ff80000U));
}

static void test_seccomp_operators(void **state)
{
    size_t n;
    const struct oj_seccomp_operator_name *o = oj_seccomp_operators(&n);
    assert_int_equal(n, 7);
    for (size_t i = 0; i < n; i++)
        assert_ptr_equal(oj_seccomp_operator_from_name(o[i].name), &o[i]);
    const struct oj_seccomp_operator_name *m = oj_seccomp_operator_from_name("SCMP_CMP_MASKED_EQ");
    assert_non_null(m);
    assert_int_equal(m->op, OJ_SECCOMP_OP_MASKED_EQ);
    assert_int_equal(m->cmp, SCMP_CMP_MASKED_EQ);
    m = oj_seccomp_operator_from_name("SCMP_CMP_NE");
    assert_int_equal(m->op, OJ_SECCOMP_OP_NE);
    assert_int_equal(m->cmp, SCMP_CMP_NE);
    assert_null(oj_seccomp_operator_from_name("SCMP_CMP_XX"));
}

static void test_seccomp_archs(void **state)
{
    const char *native = oj_seccomp_arch_native_name();
    assert_non_null(native);
    assert_int_equal(oj_seccomp_arch_from_name(native), seccomp_arch_native());
#ifdef __x86_64__
    assert_string_equal(native, "SCMP_ARCH_X86_64");
    assert_int_equal(oj_seccomp_arch_from_name("SCMP_ARCH_X86"), SCMP_ARCH_X86);
    assert_int_equal(oj_seccomp_arch_from_name("SCMP_ARCH_X32"), SCMP_ARCH_X32);
#endif
    assert_int_equal(oj_seccomp_arch_from_name("SCMP_ARCH_AARCH64"), SCMP_ARCH_AARCH64);
    assert_int_equal(oj_seccomp_arch_from_name("SCMP_ARCH_VAX"), 0);
    assert_int_equal(oj_seccomp_arch_from_name("x86_64"), 0); /* libseccomp's name, not OCI's */
    size_t n;
    oj_seccomp_arch_names(&n);
    assert_int_equal(n, 19); /* config-linux.md's list */
}

/* The Seccomp: line of /proc/self/status (0: no filter installed). */
static int seccomp_mode(void)
{
    _cleanup_free_ char *status = NULL;
    struct oj_err err;
    assert_int_equal(oj_read_file("/proc/self/status", 1 << 20, &status, NULL, &err), 0);
    const char *l = strstr(status, "\nSeccomp:");
    assert_non_null(l);
    return atoi(l + strlen("\nSeccomp:"));
}

static void test_seccomp_flags(void **state)
{
    size_t n;
    const struct oj_seccomp_flag_name *f = oj_seccomp_flags(&n);
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++) {
        unsigned bit = 0;
        assert_int_equal(oj_seccomp_flag_from_name(f[i].name, &bit), 0);
        assert_int_equal(bit, f[i].flag);
    }
    unsigned bit;
    assert_int_equal(oj_seccomp_flag_from_name("SECCOMP_FILTER_FLAG_NEW_LISTENER", &bit), -1);

    /* Linux >= 4.17 and libseccomp 2.5 support the first three. */
    assert_true(oj_seccomp_flag_supported(SECCOMP_FILTER_FLAG_TSYNC));
    assert_true(oj_seccomp_flag_supported(SECCOMP_FILTER_FLAG_LOG));
    assert_true(oj_seccomp_flag_supported(SECCOMP_FILTER_FLAG_SPEC_ALLOW));
    /* Not a flag of the OCI list, and a bit no kernel knows. */
    assert_false(oj_seccomp_flag_supported(SECCOMP_FILTER_FLAG_NEW_LISTENER));
    assert_false(oj_seccomp_flag_supported(1u << 30));
    /* Probing must not have installed a filter on us. */
    assert_int_equal(seccomp_mode(), 0);
}

static bool array_has(yajl_val arr, const char *s)
{
    assert_true(YAJL_IS_ARRAY(arr));
    for (size_t i = 0; i < arr->u.array.len; i++) {
        const char *e = YAJL_GET_STRING(arr->u.array.values[i]);
        if (e && strcmp(e, s) == 0)
            return true;
    }
    return false;
}

static yajl_val get(yajl_val v, const char **path)
{
    yajl_val r = yajl_tree_get(v, path, yajl_t_any);
    if (!r)
        fail_msg("features: missing %s", path[0]);
    return r;
}

static void test_document(void **state)
{
    struct oj_err err = {0};
    struct strbuf sb = {0};
    assert_int_equal(oj_features_json(true, &sb, &err), 0);
    assert_int_equal(sb.s[sb.len - 1], '\n');
    char errbuf[256] = "";
    yajl_val v = yajl_tree_parse(sb_str(&sb), errbuf, sizeof(errbuf));
    if (!v)
        fail_msg("features does not parse: %s", errbuf);

    assert_string_equal(YAJL_GET_STRING(get(v, PATH("ociVersionMin"))), "1.0.0");
    assert_string_equal(YAJL_GET_STRING(get(v, PATH("ociVersionMax"))), "1.2.0");
    assert_true(array_has(get(v, PATH("hooks")), "createRuntime"));
    assert_int_equal(get(v, PATH("hooks"))->u.array.len, 6);

    /* exactly the mount options the mount code implements: every name
     * mountopt.c recognises (flags, recursive forms, propagation), except
     * tmpcopyup, which it parses but does not implement */
    static const char *const opts[] = {"defaults",
                                       "ro",
                                       "rw",
                                       "suid",
                                       "nosuid",
                                       "dev",
                                       "nodev",
                                       "exec",
                                       "noexec",
                                       "sync",
                                       "async",
                                       "dirsync",
                                       "remount",
                                       "mand",
                                       "nomand",
                                       "atime",
                                       "noatime",
                                       "diratime",
                                       "nodiratime",
                                       "relatime",
                                       "norelatime",
                                       "strictatime",
                                       "nostrictatime",
                                       "lazytime",
                                       "nolazytime",
                                       "iversion",
                                       "noiversion",
                                       "silent",
                                       "loud",
                                       "nosymfollow",
                                       "symfollow",
                                       "bind",
                                       "rbind",
                                       "private",
                                       "rprivate",
                                       "shared",
                                       "rshared",
                                       "slave",
                                       "rslave",
                                       "unbindable",
                                       "runbindable",
                                       "rro",
                                       "rrw",
                                       "rsuid",
                                       "rnosuid",
                                       "rdev",
                                       "rnodev",
                                       "rexec",
                                       "rnoexec",
                                       "ratime",
                                       "rnoatime",
                                       "rdiratime",
                                       "rnodiratime",
                                       "rrelatime",
                                       "rnorelatime",
                                       "rstrictatime",
                                       "rnostrictatime",
                                       "rsymfollow",
                                       "rnosymfollow"};
    yajl_val mo = get(v, PATH("mountOptions"));
    assert_int_equal(mo->u.array.len, sizeof(opts) / sizeof(opts[0]));
    for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
        if (!array_has(mo, opts[i]))
            fail_msg("mountOptions lacks %s", opts[i]);
    /* and each one is understood by the parser (not passed on as data) */
    for (size_t i = 0; i < mo->u.array.len; i++) {
        char *name = YAJL_GET_STRING(mo->u.array.values[i]);
        struct oj_mount_opts mopts;
        struct oj_err merr = {0};
        if (oj_mount_opts_parse(&name, 1, &mopts, &merr) < 0)
            fail_msg("mount option %s: %s", name, merr.msg);
        if (mopts.data)
            fail_msg("mount option %s is passed to mount(2) as data", name);
        oj_mount_opts_free(&mopts);
    }
    struct oj_mount_opts mopts;
    char *tmpcopyup = "tmpcopyup", *rsync = "rsync";
    assert_int_equal(oj_mount_opts_parse(&tmpcopyup, 1, &mopts, NULL), 0);
    assert_true(mopts.tmpcopyup);
    oj_mount_opts_free(&mopts);
    /* not a recursive option: data for the filesystem */
    assert_int_equal(oj_mount_opts_parse(&rsync, 1, &mopts, NULL), 0);
    assert_string_equal(mopts.data, "rsync");
    oj_mount_opts_free(&mopts);
    assert_false(array_has(mo, "tmpcopyup"));

    yajl_val ns = get(v, PATH("linux", "namespaces"));
    assert_int_equal(ns->u.array.len, 8);
    assert_true(array_has(ns, "time"));
    assert_true(array_has(ns, "network"));
    assert_true(array_has(get(v, PATH("linux", "capabilities")), "CAP_SYS_ADMIN"));
    assert_true(YAJL_IS_TRUE(get(v, PATH("linux", "cgroup", "v1"))));
    assert_true(YAJL_IS_FALSE(get(v, PATH("linux", "cgroup", "systemd"))));
    /* linux.resources.rdma is applied (rdma.max, v1 and v2) */
    assert_true(YAJL_IS_TRUE(get(v, PATH("linux", "cgroup", "rdma"))));
    assert_true(YAJL_IS_TRUE(get(v, PATH("linux", "seccomp", "enabled"))));
    assert_true(array_has(get(v, PATH("linux", "seccomp", "actions")), "SCMP_ACT_NOTIFY"));
    assert_true(array_has(get(v, PATH("linux", "seccomp", "operators")), "SCMP_CMP_MASKED_EQ"));
    assert_true(
        array_has(get(v, PATH("linux", "seccomp", "archs")), oj_seccomp_arch_native_name()));
    yajl_val known = get(v, PATH("linux", "seccomp", "knownFlags"));
    yajl_val supported = get(v, PATH("linux", "seccomp", "supportedFlags"));
    for (size_t i = 0; i < supported->u.array.len; i++)
        assert_true(array_has(known, YAJL_GET_STRING(supported->u.array.values[i])));
    assert_true(array_has(supported, "SECCOMP_FILTER_FLAG_TSYNC"));
    assert_true(YAJL_IS_FALSE(get(v, PATH("linux", "apparmor", "enabled"))));
    assert_true(YAJL_IS_FALSE(get(v, PATH("linux", "selinux", "enabled"))));
    assert_true(YAJL_IS_FALSE(get(v, PATH("linux", "intelRdt", "enabled"))));
    assert_true(YAJL_IS_FALSE(get(v, PATH("linux", "mountExtensions", "idmap", "enabled"))));

    const struct scmp_version *ver = seccomp_version();
    char want[64];
    snprintf(want, sizeof(want), "%u.%u.%u", ver->major, ver->minor, ver->micro);
    assert_string_equal(
        YAJL_GET_STRING(get(v, PATH("annotations", "io.github.seccomp.libseccomp.version"))), want);
    assert_string_equal(
        YAJL_GET_STRING(get(v, PATH("annotations", "org.opencontainers.runc.checkpoint.enabled"))),
        "false");
    assert_non_null(YAJL_GET_STRING(get(v, PATH("annotations", "org.ojrun.version"))));

    yajl_tree_free(v);
    sb_free(&sb);

    /* compact form: one line */
    assert_int_equal(oj_features_json(false, &sb, &err), 0);
    assert_null(strchr(sb_str(&sb), '\n'));
    sb_free(&sb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cap_names),         cmocka_unit_test(test_seccomp_actions),
        cmocka_unit_test(test_seccomp_operators), cmocka_unit_test(test_seccomp_archs),
        cmocka_unit_test(test_seccomp_flags),     cmocka_unit_test(test_document),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
