/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the config.json parser (runtime/config*.c).
 *
 * Accepted configs: defaults, accepted variants of each enum, spec
 * versions, limits that are just inside, oj_config_load, the lookup helpers
 * and the name tables.  The full fixture is in test_config_full.c, the
 * rejections in test_config_errors.c and test_config_text.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <linux/capability.h>
#include <sched.h>
#include <seccomp.h>

#include "cleanup.h"
#include "config.h"
#include "config_test_helpers.h"
#include "util.h"

/* --- accepted variants and defaults ----------------------------------------------------------- */

static void test_minimal(void **state)
{
    _cleanup_config_ struct oj_config *c = ok_q("{'ociVersion':'1.0.0'}");
    assert_string_equal(c->oci_version, "1.0.0");
    assert_null(c->root_path);
    assert_false(c->root_readonly);
    assert_null(c->process);
    assert_null(c->mounts);
    assert_int_equal(c->n_mounts, 0);
    assert_null(c->hostname);
    assert_null(c->annotations);
    for (int k = 0; k < OJ_HOOK_KIND_COUNT; k++)
        assert_int_equal(c->hooks.n[k], 0);
    assert_false(c->has_linux);
    assert_null(oj_config_namespace(c, OJ_NS_PID));
}

static void test_oci_versions_accepted(void **state)
{
    static const char *const versions[] = {"1.0.0",      "1.0.1", "1.0.2-dev", "1.1.0",
                                           "1.1.0-rc.1", "1.2.0", "1.2.0+dev", "1.10.20"};
    for (size_t i = 0; i < OJ_ARRAY_SIZE(versions); i++) {
        char json[128];
        snprintf(json, sizeof(json), "{'ociVersion':'%s'}", versions[i]);
        _cleanup_config_ struct oj_config *c = ok_q(json);
        assert_string_equal(c->oci_version, versions[i]);
    }
}

static void test_process_defaults(void **state)
{
    _cleanup_config_ struct oj_config *c = ok_with("'process':{'cwd':'/','args':['true']}");
    const struct oj_process *p = c->process;
    assert_non_null(p);
    assert_false(p->terminal);
    assert_false(p->console_size.set);
    assert_int_equal(p->user.uid, 0);
    assert_int_equal(p->user.gid, 0);
    assert_false(p->user.umask.set);
    assert_null(p->user.additional_gids);
    assert_int_equal(p->n_args, 1);
    assert_null(p->args[1]);
    assert_null(p->env);
    assert_int_equal(p->n_env, 0);
    assert_false(p->has_capabilities);
    assert_null(p->rlimits);
    assert_false(p->no_new_privileges);
    assert_false(p->oom_score_adj.set);
    assert_false(p->io_priority.set);
    assert_false(p->scheduler.set);
}

static void test_capability_sets_absent(void **state)
{
    /* only the sets named are "present"; an empty object has none */
    _cleanup_config_ struct oj_config *c =
        ok_with("'process':{'cwd':'/','args':['a'],'capabilities':{'ambient':['CAP_CHOWN']}}");
    const struct oj_capabilities *caps = &c->process->capabilities;
    assert_true(c->process->has_capabilities);
    assert_false(caps->set[OJ_CAPSET_BOUNDING].present);
    assert_null(caps->set[OJ_CAPSET_BOUNDING].caps);
    assert_true(caps->set[OJ_CAPSET_AMBIENT].present);
    assert_int_equal(caps->set[OJ_CAPSET_AMBIENT].caps[0], CAP_CHOWN);
    /* the last capability libcap knows is accepted */
    _cleanup_config_ struct oj_config *c2 =
        ok_with("'process':{'cwd':'/"
                "','args':['a'],'capabilities':{'bounding':['CAP_CHECKPOINT_RESTORE']}}");
    assert_int_equal(c2->process->capabilities.set[OJ_CAPSET_BOUNDING].caps[0], 40);
}

static void test_rlimit_soft_equal_hard(void **state)
{
    _cleanup_config_ struct oj_config *c = ok_with(
        "'process':{'cwd':'/','args':['a'],'rlimits':[{'type':'RLIMIT_CORE','hard':0,'soft':0}]}");
    assert_int_equal(c->process->rlimits[0].resource, RLIMIT_CORE);
    assert_int_equal(c->process->rlimits[0].soft, 0);
}

static void test_scheduler_rt_priority(void **state)
{
    _cleanup_config_ struct oj_config *c = ok_with(
        "'process':{'cwd':'/','args':['a'],'scheduler':{'policy':'SCHED_FIFO','priority':99}}");
    assert_int_equal(c->process->scheduler.policy, SCHED_FIFO);
    assert_int_equal(c->process->scheduler.priority.v, 99);
    assert_false(c->process->scheduler.nice.set);
    assert_int_equal(c->process->scheduler.flags, 0);
}

static void test_unknown_keys_and_nulls(void **state)
{
    /* Unknown keys at any level are ignored (config.md, forward compatibility);
     * null reads as absent (as Go's decoder does for runc). */
    _cleanup_config_ struct oj_config *c =
        ok_with("'future':{'x':[1,{'y':null}]},'hostname':null,'process':{'cwd':'/',"
                "'args':['sh'],'newField':true,'user':{'uid':7,'shiny':'x'}},"
                "'linux':{'namespaces':[{'type':'pid','extra':1}],'seccomp':null}");
    assert_null(c->hostname);
    assert_int_equal(c->process->user.uid, 7);
    assert_int_equal(c->linux_.n_namespaces, 1);
    assert_false(c->linux_.has_seccomp);
    assert_false(c->linux_.has_resources);
}

static void test_repeated_keys_last_wins(void **state)
{
    /* Go's encoding/json (runc) keeps the last of repeated keys; so do we. */
    _cleanup_config_ struct oj_config *c =
        ok_with("'hostname':'a','hostname':'b','annotations':{'k':'1','j':'x','k':'2'}");
    assert_string_equal(c->hostname, "b");
    assert_int_equal(c->n_annotations, 2);
    assert_string_equal(c->annotations[0].key, "k");
    assert_string_equal(c->annotations[0].value, "2");
    assert_string_equal(oj_config_annotation(c, "j"), "x");
}

static void test_empty_strings_mean_default(void **state)
{
    /* "" for a namespace path means "create a new one"; "" for
     * rootfsPropagation means "leave it alone" (both as in runc). */
    _cleanup_config_ struct oj_config *c =
        ok_with("'linux':{'namespaces':[{'type':'uts','path':''}],'rootfsPropagation':''}");
    assert_null(c->linux_.namespaces[0].path);
    assert_null(c->linux_.rootfs_propagation);
}

static void test_propagation_values(void **state)
{
    static const char *const values[] = {"private", "rprivate", "slave",      "rslave",
                                         "shared",  "rshared",  "unbindable", "runbindable"};
    for (size_t i = 0; i < OJ_ARRAY_SIZE(values); i++) {
        char extra[128];
        snprintf(extra, sizeof(extra), "'linux':{'rootfsPropagation':'%s'}", values[i]);
        _cleanup_config_ struct oj_config *c = ok_with(extra);
        assert_string_equal(c->linux_.rootfs_propagation, values[i]);
    }
}

static void test_resources_defaults(void **state)
{
    /* pids without limit has nothing to apply; -1 is unlimited; a device
     * rule with only "allow" is "a *:* rwm". */
    _cleanup_config_ struct oj_config *c =
        ok_with("'linux':{'resources':{'pids':{},'devices':[{'allow':true}],'cpu':{'idle':0}}}");
    const struct oj_resources *r = &c->linux_.resources;
    assert_true(c->linux_.has_resources);
    assert_false(r->has_pids);
    assert_false(r->has_memory);
    assert_int_equal(r->devices[0].type, 'a');
    assert_false(r->devices[0].major.set);
    assert_false(r->devices[0].minor.set);
    assert_null(r->devices[0].access);
    assert_true(r->cpu.idle.set);
    assert_false(r->cpu.idle.v);
    _cleanup_config_ struct oj_config *c2 = ok_with("'linux':{'resources':{'pids':{'limit':-1}}}");
    assert_true(c2->linux_.resources.has_pids);
    assert_int_equal(c2->linux_.resources.pids_limit, -1);
}

static void test_seccomp_arches_all(void **state)
{
    /* every architecture the spec lists, mapped through libseccomp */
    static const struct {
        const char *name;
        uint32_t arch;
    } arches[] = {
        {"SCMP_ARCH_X86", SCMP_ARCH_X86},
        {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
        {"SCMP_ARCH_X32", SCMP_ARCH_X32},
        {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
        {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
        {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
        {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
        {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
        {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
        {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
        {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
        {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
        {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
        {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
        {"SCMP_ARCH_S390", SCMP_ARCH_S390},
        {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
        {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
        {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
        {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
    };
    for (size_t i = 0; i < OJ_ARRAY_SIZE(arches); i++) {
        char extra[160];
        snprintf(extra, sizeof(extra),
                 "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','architectures':['%s']}}",
                 arches[i].name);
        _cleanup_config_ struct oj_config *c = ok_with(extra);
        assert_int_equal(c->linux_.seccomp.n_architectures, 1);
        assert_int_equal(c->linux_.seccomp.architectures[0], arches[i].arch);
    }
}

static void test_seccomp_ops_and_flags(void **state)
{
    static const char *const ops[] = {"SCMP_CMP_NE",       "SCMP_CMP_LT", "SCMP_CMP_LE",
                                      "SCMP_CMP_EQ",       "SCMP_CMP_GE", "SCMP_CMP_GT",
                                      "SCMP_CMP_MASKED_EQ"};
    static const enum oj_seccomp_op want[] = {
        OJ_SECCOMP_OP_NE, OJ_SECCOMP_OP_LT, OJ_SECCOMP_OP_LE,       OJ_SECCOMP_OP_EQ,
        OJ_SECCOMP_OP_GE, OJ_SECCOMP_OP_GT, OJ_SECCOMP_OP_MASKED_EQ};
    for (size_t i = 0; i < OJ_ARRAY_SIZE(ops); i++) {
        char extra[256];
        snprintf(extra, sizeof(extra),
                 "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW','syscalls':[{'names':['x'],"
                 "'action':'SCMP_ACT_LOG','args':[{'index':1,'value':2,'op':'%s'}]}]}}",
                 ops[i]);
        _cleanup_config_ struct oj_config *c = ok_with(extra);
        assert_int_equal(c->linux_.seccomp.syscalls[0].args[0].op, want[i]);
    }
    _cleanup_config_ struct oj_config *c =
        ok_with("'linux':{'seccomp':{'defaultAction':'SCMP_ACT_TRACE','defaultErrnoRet':1,"
                "'flags':['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV']}}");
    assert_int_equal(c->linux_.seccomp.flags, 1u << 5);
    assert_int_equal(c->linux_.seccomp.default_action, SCMP_ACT_TRACE(0));
    assert_int_equal(c->linux_.seccomp.default_errno_ret.v, 1);
}

static void test_utf8_and_escapes_preserved(void **state)
{
    /* multi-byte UTF-8, escapes, and brackets inside strings (not nesting) */
    _cleanup_config_ struct oj_config *c =
        ok_with("'hostname':'j\xc3\xbc\x64ge-\xe6\xb5\x8b-\xf0\x9f\x98\x80',"
                "'domainname':'a\\\\u0000b\\u00e9\\n[[[{{{',"
                "'annotations':{'q':'say \\'hi\\''}");
    assert_string_equal(c->hostname, "j\xc3\xbc"
                                     "dge-\xe6\xb5\x8b-\xf0\x9f\x98\x80");
    assert_string_equal(c->domainname, "a\\u0000b\xc3\xa9\n[[[{{{");
    assert_string_equal(oj_config_annotation(c, "q"), "say \"hi\"");
}

static void test_nesting_limits_accepted(void **state)
{
    /* the top-level object is level 1, so 63 arrays inside make 64 levels */
    for (int levels = 60; levels <= OJ_CONFIG_MAX_DEPTH; levels += OJ_CONFIG_MAX_DEPTH - 60) {
        char buf[512];
        int n = snprintf(buf, sizeof(buf), "{\"ociVersion\":\"1.0.0\",\"x\":");
        for (int i = 1; i < levels; i++)
            buf[n++] = '[';
        for (int i = 1; i < levels; i++)
            buf[n++] = ']';
        buf[n++] = '}';
        struct oj_err err = {0};
        struct oj_config *c = oj_config_parse(buf, (size_t)n, &err);
        if (!c)
            fail_msg("%d levels: %s", levels, err.msg);
        oj_config_free(c);
    }
}

static void test_size_limit_accepted(void **state)
{
    /* exactly OJ_CONFIG_MAX_BYTES (padded with JSON whitespace) is fine */
    size_t len = OJ_CONFIG_MAX_BYTES;
    _cleanup_free_ char *buf = malloc(len);
    assert_non_null(buf);
    memset(buf, ' ', len);
    static const char doc[] = "{\"ociVersion\":\"1.1.0\"}";
    memcpy(buf, doc, sizeof(doc) - 1);
    struct oj_err err = {0};
    _cleanup_config_ struct oj_config *c = oj_config_parse(buf, len, &err);
    if (!c)
        fail_msg("%s", err.msg);
    assert_string_equal(c->oci_version, "1.1.0");
}

static void test_parse_not_nul_terminated(void **state)
{
    /* `len` bytes are parsed, whatever follows them */
    static const char buf[] = "{\"ociVersion\":\"1.0.0\"}GARBAGE";
    struct oj_err err = {0};
    _cleanup_config_ struct oj_config *c = oj_config_parse(buf, 22, &err);
    assert_non_null(c);
    assert_string_equal(c->oci_version, "1.0.0");
}

/* --- oj_config_load --------------------------------------------------------------------------- */

static void test_load_file(void **state)
{
    char dir[] = "/tmp/ojrun-test-config.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/config.json", dir);
    static const char doc[] = "{\"ociVersion\":\"1.0.2\",\"hostname\":\"h\"}\n";
    struct oj_err err = {0};
    assert_int_equal(oj_write_file_atomic(path, doc, sizeof(doc) - 1, 0644, &err), 0);
    struct oj_config *c = oj_config_load(path, &err);
    unlink(path);
    rmdir(dir);
    if (!c)
        fail_msg("%s", err.msg);
    assert_string_equal(c->hostname, "h");
    oj_config_free(c);
    oj_config_free(NULL); /* allowed, like free(NULL) */
}

static void test_load_missing_file(void **state)
{
    struct oj_err err = {0};
    assert_null(oj_config_load("/nonexistent-ojrun/config.json", &err));
    assert_string_equal(err.msg, "open /nonexistent-ojrun/config.json: No such file or directory");
    assert_int_equal(err.code, ENOENT);
}

static void test_load_too_large(void **state)
{
    char dir[] = "/tmp/ojrun-test-config.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/config.json", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    /* a sparse file: size is what counts */
    int rc = ftruncate(fd, (off_t)OJ_CONFIG_MAX_BYTES + 1);
    close(fd);
    struct oj_err err = {0};
    struct oj_config *c = rc == 0 ? oj_config_load(path, &err) : NULL;
    unlink(path);
    rmdir(dir);
    assert_int_equal(rc, 0);
    assert_null(c);
    assert_int_equal(err.code, EFBIG);
    assert_non_null(strstr(err.msg, "config.json: larger than 16777216 bytes"));
}

/* --- lookups and name tables ------------------------------------------------------------------ */

static void test_namespace_names(void **state)
{
    static const struct {
        enum oj_ns_type t;
        const char *name, *proc;
        int flag;
    } want[] = {
        {OJ_NS_PID, "pid", "pid", CLONE_NEWPID},
        {OJ_NS_NETWORK, "network", "net", CLONE_NEWNET},
        {OJ_NS_MOUNT, "mount", "mnt", CLONE_NEWNS},
        {OJ_NS_IPC, "ipc", "ipc", CLONE_NEWIPC},
        {OJ_NS_UTS, "uts", "uts", CLONE_NEWUTS},
        {OJ_NS_USER, "user", "user", CLONE_NEWUSER},
        {OJ_NS_CGROUP, "cgroup", "cgroup", CLONE_NEWCGROUP},
        {OJ_NS_TIME, "time", "time", CLONE_NEWTIME},
    };
    assert_int_equal(OJ_ARRAY_SIZE(want), OJ_NS_COUNT);
    for (size_t i = 0; i < OJ_ARRAY_SIZE(want); i++) {
        assert_string_equal(oj_ns_type_name(want[i].t), want[i].name);
        assert_int_equal(oj_ns_type_from_name(want[i].name), want[i].t);
        assert_string_equal(oj_ns_proc_name(want[i].t), want[i].proc);
        assert_int_equal(oj_ns_clone_flag(want[i].t), want[i].flag);
        /* the /proc name is a real file of this kernel */
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/ns/%s", want[i].proc);
        assert_int_equal(access(path, F_OK), 0);
    }
    assert_int_equal(oj_ns_type_from_name("net"), -1);
    assert_int_equal(oj_ns_type_from_name("PID"), -1);
    assert_null(oj_ns_type_name(OJ_NS_COUNT));
    assert_null(oj_ns_proc_name((enum oj_ns_type) - 1));
    assert_int_equal(oj_ns_clone_flag(OJ_NS_COUNT), 0);
}

static void test_rlimit_names(void **state)
{
    static const struct {
        const char *name;
        int resource;
    } want[] = {
        {"RLIMIT_AS", RLIMIT_AS},
        {"RLIMIT_CORE", RLIMIT_CORE},
        {"RLIMIT_CPU", RLIMIT_CPU},
        {"RLIMIT_DATA", RLIMIT_DATA},
        {"RLIMIT_FSIZE", RLIMIT_FSIZE},
        {"RLIMIT_LOCKS", RLIMIT_LOCKS},
        {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
        {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
        {"RLIMIT_NICE", RLIMIT_NICE},
        {"RLIMIT_NOFILE", RLIMIT_NOFILE},
        {"RLIMIT_NPROC", RLIMIT_NPROC},
        {"RLIMIT_RSS", RLIMIT_RSS},
        {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
        {"RLIMIT_RTTIME", RLIMIT_RTTIME},
        {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
        {"RLIMIT_STACK", RLIMIT_STACK},
    };
    assert_int_equal(OJ_ARRAY_SIZE(want), RLIMIT_NLIMITS);
    for (size_t i = 0; i < OJ_ARRAY_SIZE(want); i++) {
        assert_int_equal(oj_rlimit_from_name(want[i].name), want[i].resource);
        assert_string_equal(oj_rlimit_name(want[i].resource), want[i].name);
        /* and the config parser takes each of them */
        char extra[192];
        snprintf(extra, sizeof(extra),
                 "'process':{'cwd':'/','args':['a'],'rlimits':[{'type':'%s','hard':1,'soft':1}]}",
                 want[i].name);
        _cleanup_config_ struct oj_config *c = ok_with(extra);
        assert_int_equal(c->process->rlimits[0].resource, want[i].resource);
    }
    assert_int_equal(oj_rlimit_from_name("RLIMIT_FOO"), -1);
    assert_int_equal(oj_rlimit_from_name("rlimit_nofile"), -1);
    assert_null(oj_rlimit_name(RLIMIT_NLIMITS));
    assert_null(oj_rlimit_name(-1));
}

static void test_lookups_without_linux(void **state)
{
    _cleanup_config_ struct oj_config *c = ok_with("'linux':{'namespaces':[{'type':'pid'}]}");
    assert_non_null(oj_config_namespace(c, OJ_NS_PID));
    assert_null(oj_config_namespace(c, OJ_NS_USER));
    assert_null(oj_config_namespace(NULL, OJ_NS_PID));
    assert_null(oj_config_annotation(c, "x"));
    assert_null(oj_config_annotation(NULL, "x"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal),
        cmocka_unit_test(test_oci_versions_accepted),
        cmocka_unit_test(test_process_defaults),
        cmocka_unit_test(test_capability_sets_absent),
        cmocka_unit_test(test_rlimit_soft_equal_hard),
        cmocka_unit_test(test_scheduler_rt_priority),
        cmocka_unit_test(test_unknown_keys_and_nulls),
        cmocka_unit_test(test_repeated_keys_last_wins),
        cmocka_unit_test(test_empty_strings_mean_default),
        cmocka_unit_test(test_propagation_values),
        cmocka_unit_test(test_resources_defaults),
        cmocka_unit_test(test_seccomp_arches_all),
        cmocka_unit_test(test_seccomp_ops_and_flags),
        cmocka_unit_test(test_utf8_and_escapes_preserved),
        cmocka_unit_test(test_nesting_limits_accepted),
        cmocka_unit_test(test_size_limit_accepted),
        cmocka_unit_test(test_parse_not_nul_terminated),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_load_missing_file),
        cmocka_unit_test(test_load_too_large),
        cmocka_unit_test(test_namespace_names),
        cmocka_unit_test(test_rlimit_names),
        cmocka_unit_test(test_lookups_without_linux),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
