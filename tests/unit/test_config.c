/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the config.json parser (runtime/config*.c).
 *
 * Most configs are written with single quotes for readability and turned
 * into JSON by q() ('  ->  ").  The full fixture tests/unit/data/config_full.json
 * sets every field the parser knows; test_full_* assert each value.
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

#include "cleanup.h"
#include "config.h"
#include "util.h"

/* --- helpers --------------------------------------------------------------------------- */

/* JSON from a single-quoted spelling. */
static char *q(const char *s)
{
    char *j = strdup(s);
    assert_non_null(j);
    for (char *p = j; *p; p++)
        if (*p == '\'')
            *p = '"';
    return j;
}

static struct oj_config *parse_q(const char *single_quoted, struct oj_err *err)
{
    _cleanup_free_ char *j = q(single_quoted);
    return oj_config_parse(j, strlen(j), err);
}

/* Parse `json` (single-quoted), which must succeed. */
static struct oj_config *ok_q(const char *single_quoted)
{
    struct oj_err err = {0};
    struct oj_config *cfg = parse_q(single_quoted, &err);
    if (!cfg)
        fail_msg("unexpected error: %s", err.msg);
    return cfg;
}

/* Parse raw bytes, which must fail with exactly `msg`. */
static void expect_error_raw(const char *data, size_t len, const char *msg)
{
    struct oj_err err = {0};
    struct oj_config *cfg = oj_config_parse(data, len, &err);
    if (cfg) {
        oj_config_free(cfg);
        fail_msg("parse succeeded, expected: %s", msg);
    }
    assert_string_equal(err.msg, msg);
    assert_null(strchr(err.msg, '\n'));
}

static void expect_error(const char *single_quoted, const char *msg)
{
    _cleanup_free_ char *j = q(single_quoted);
    expect_error_raw(j, strlen(j), msg);
}

/* A minimal valid config with `extra` (single-quoted members, without the
 * leading comma) appended at the top level. */
static char *with(const char *extra)
{
    char *s = NULL;
    assert_true(asprintf(&s, "{'ociVersion':'1.0.0'%s%s}", *extra ? "," : "", extra) > 0);
    return s;
}

static void expect_error_with(const char *extra, const char *msg)
{
    _cleanup_free_ char *s = with(extra);
    expect_error(s, msg);
}

static struct oj_config *ok_with(const char *extra)
{
    _cleanup_free_ char *s = with(extra);
    return ok_q(s);
}

/* tests/unit/data, found from the test binary (BUILD/tests/test_config). */
static char *data_path(const char *name)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    assert_true(n > 0);
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    assert_non_null(slash);
    *slash = '\0';
    char *p = NULL;
    assert_true(asprintf(&p, "%s/../../tests/unit/data/%s", exe, name) > 0);
    return p;
}

static struct oj_config *load_full(void)
{
    _cleanup_free_ char *path = data_path("config_full.json");
    struct oj_err err = {0};
    struct oj_config *cfg = oj_config_load(path, &err);
    if (!cfg)
        fail_msg("load %s: %s", path, err.msg);
    return cfg;
}

/* --- the full fixture ---------------------------------------------------------------------- */

static void test_full_top_level(void **state)
{
    _cleanup_config_ struct oj_config *c = load_full();
    assert_string_equal(c->oci_version, "1.2.0");
    assert_string_equal(c->root_path, "rootfs");
    assert_true(c->root_readonly);
    assert_string_equal(c->hostname, "judge-1");
    assert_string_equal(c->domainname, "example.org");
    assert_int_equal(c->n_annotations, 2);
    assert_string_equal(c->annotations[0].key, "org.ojrun.judge");
    assert_string_equal(c->annotations[0].value, "yes");
    assert_string_equal(oj_config_annotation(c, "com.example.empty"), "");
    assert_null(oj_config_annotation(c, "missing"));
    assert_true(c->has_linux);
}

static void test_full_mounts(void **state)
{
    _cleanup_config_ struct oj_config *c = load_full();
    assert_int_equal(c->n_mounts, 2);
    struct oj_mount *m = &c->mounts[0];
    assert_string_equal(m->destination, "/proc");
    assert_string_equal(m->type, "proc");
    assert_string_equal(m->source, "proc");
    assert_null(m->options);
    assert_int_equal(m->n_options, 0);
    assert_null(m->uid_mappings);
    m = &c->mounts[1];
    assert_string_equal(m->destination, "/data");
    assert_string_equal(m->type, "bind");
    assert_string_equal(m->source, "/srv/data");
    assert_int_equal(m->n_options, 3);
    assert_string_equal(m->options[0], "rbind");
    assert_string_equal(m->options[2], "nosuid");
    assert_null(m->options[3]);
    assert_int_equal(m->n_uid_mappings, 1);
    assert_int_equal(m->uid_mappings[0].container_id, 0);
    assert_int_equal(m->uid_mappings[0].host_id, 100000);
    assert_int_equal(m->uid_mappings[0].size, 65536);
    assert_int_equal(m->n_gid_mappings, 1);
    assert_int_equal(m->gid_mappings[0].host_id, 200000);
    assert_int_equal(m->gid_mappings[0].size, 1000);
}

static void test_full_process_basics(void **state)
{
    _cleanup_config_ struct oj_config *c = load_full();
    struct oj_process *p = c->process;
    assert_non_null(p);
    assert_true(p->terminal);
    assert_true(p->console_size.set);
    assert_int_equal(p->console_size.height, 25);
    assert_int_equal(p->console_size.width, 80);
    assert_int_equal(p->user.uid, 1000);
    assert_int_equal(p->user.gid, 1001);
    assert_true(p->user.umask.set);
    assert_int_equal(p->user.umask.v, 022);
    assert_int_equal(p->user.n_additional_gids, 2);
    assert_int_equal(p->user.additional_gids[0], 5);
    assert_int_equal(p->user.additional_gids[1], UINT32_MAX);
    assert_string_equal(p->user.username, "judge");
    assert_int_equal(p->n_args, 3);
    assert_string_equal(p->args[0], "/bin/sh");
    assert_string_equal(p->args[2], "echo hi");
    assert_null(p->args[3]);
    assert_string_equal(p->command_line, "sh -c \"echo hi\"");
    assert_int_equal(p->n_env, 3);
    assert_string_equal(p->env[0], "PATH=/usr/bin:/bin");
    assert_string_equal(p->env[2], "EMPTY=");
    assert_null(p->env[3]);
    assert_string_equal(p->cwd, "/work");
    assert_true(p->no_new_privileges);
    assert_string_equal(p->apparmor_profile, "ojrun-default");
    assert_true(p->oom_score_adj.set);
    assert_int_equal(p->oom_score_adj.v, -500);
    assert_string_equal(p->selinux_label, "system_u:system_r:container_t:s0");
}

static void test_full_capabilities(void **state)
{
    _cleanup_config_ struct oj_config *c = load_full();
    struct oj_capabilities *caps = &c->process->capabilities;
    assert_true(c->process->has_capabilities);
    assert_true(caps->set[OJ_CAPSET_BOUNDING].present);
    assert_int_equal(caps->set[OJ_CAPSET_BOUNDING].n, 2);
    assert_int_equal(caps->set[OJ_CAPSET_BOUNDING].caps[0], CAP_CHOWN);
    assert_int_equal(caps->set[OJ_CAPSET_BOUNDING].caps[1], CAP_KILL);
    assert_int_equal(caps->set[OJ_CAPSET_EFFECTIVE].n, 1);
    assert_int_equal(caps->set[OJ_CAPSET_EFFECTIVE].caps[0], CAP_KILL);
    /* present but empty is not the same as absent */
    assert_true(caps->set[OJ_CAPSET_INHERITABLE].present);
    assert_int_equal(caps->set[OJ_CAPSET_INHERITABLE].n, 0);
    assert_int_equal(caps->set[OJ_CAPSET_PERMITTED].n, 3);
    assert_int_equal(caps->set[OJ_CAPSET_PERMITTED].caps[2], CAP_SYS_ADMIN);
    assert_int_equal(caps->set[OJ_CAPSET_AMBIENT].n, 1);
    assert_int_equal(caps->set[OJ_CAPSET_AMBIENT].caps[0], CAP_NET_BIND_SERVICE);
}

static void test_full_rlimits(void **state)
{
    _cleanup_config_ struct oj_config *c = load_full();
    struct oj_process *p = c->process;
    assert_int_equal(p->n_rlimits, 2);
    assert_int_equal(p->rlimits[0].resource, RLIMIT_NOFILE);
    assert_int_equal(p->rlimits[0].hard, 1024);
    assert_int_equal(p->rlimits[0].soft, 512);
    assert_int_equal(p->rlimits[1].resource, RLIMIT_CPU);
    assert_true(p->rlimits[1].hard == UINT64_MAX);
    assert_true(p->rlimits[1].soft == RLIM_INFINITY);
}

static void test_full_hooks(void **state)
{
    _cleanup_config_ struct oj_config *c = load_full();
    const struct oj_hooks *h = &c->hooks;
    assert_int_equal(h->n[OJ_HOOK_PRESTART], 1);
    assert_string_equal(h->list[OJ_HOOK_PRESTART][0].path, "/usr/bin/prestart");
    assert_false(h->list[OJ_HOOK_PRESTART][0].timeout.set);
    assert_null(h->list[OJ_HOOK_PRESTART][0].args);
    assert_int_equal(h->n[OJ_HOOK_CREATE_RUNTIME], 2);
    const struct oj_hook *k = &h->list[OJ_HOOK_CREATE_RUNTIME][0];
    assert_string_equal(k->path, "/usr/bin/net-setup");
    assert_int_equal(k->n_args, 2);
    assert_string_equal(k->args[1], "--up");
    assert_null(k->args[2]);
    assert_int_equal(k->n_env, 1);
    assert_string_equal(k->env[0], "A=1");
    assert_true(k->timeout.set);
    assert_int_equal(k->timeout.v, 5);
    assert_string_equal(h->list[OJ_HOOK_CREATE_RUNTIME][1].path, "/usr/bin/second");
    assert_string_equal(h->list[OJ_HOOK_CREATE_CONTAINER][0].path, "/usr/bin/cc");
    assert_string_equal(h->list[OJ_HOOK_START_CONTAINER][0].path, "/usr/bin/sc");
    assert_int_equal(h->list[OJ_HOOK_POSTSTART][0].timeout.v, 1);
    assert_string_equal(h->list[OJ_HOOK_POSTSTOP][0].args[0], "cleanup");
}

static void test_full_linux_namespaces(void **state)
{
    _cleanup_config_ struct oj_config *c = load_full();
    const struct oj_linux *l = &c->linux_;
    assert_int_equal(l->n_namespaces, OJ_NS_COUNT);
    static const enum oj_ns_type order[] = {OJ_NS_PID, OJ_NS_NETWORK, OJ_NS_MOUNT,  OJ_NS_IPC,
                                            OJ_NS_UTS, OJ_NS_USER,    OJ_NS_CGROUP, OJ_NS_TIME};
    for (size_t i = 0; i < OJ_NS_COUNT; i++)
        assert_int_equal(l->namespaces[i].type, order[i]);
    assert_null(l->namespaces[0].path);
    assert_string_equal(l->namespaces[1].path, "/var/run/netns/judge");
    const struct oj_namespace *ns = oj_config_namespace(c, OJ_NS_NETWORK);
    assert_ptr_equal(ns, &l->namespaces[1]);
}

static void test_full_linux_misc(void **state)
{
    _cleanup_config_ struct oj_config *c = load_full();
    const struct oj_linux *l = &c->linux_;
    assert_int_equal(l->n_uid_mappings, 2);
    assert_int_equal(l->uid_mappings[1].container_id, 65536);
    assert_int_equal(l->uid_mappings[1].host_id, 4294967294u);
    assert_int_equal(l->uid_mappings[1].size, 1);
    assert_int_equal(l->n_gid_mappings, 1);
    assert_int_equal(l->gid_mappings[0].host_id, 200000);
    assert_string_equal(l->cgroups_path, "/ojrun/judge-1");
    assert_int_equal(l->n_sysctl, 2);
    assert_string_equal(l->sysctl[0].key, "net.ipv4.ip_forward");
    assert_string_equal(l->sysctl[0].value, "1");
    assert_string_equal(l->sysctl[1].value, "4294967296");
    assert_string_equal(l->rootfs_propagation, "rslave");
    assert_int_equal(l->n_masked_paths, 2);
    assert_string_equal(l->masked_paths[1], "/sys/firmware");
    assert_null(l->masked_paths[2]);
    assert_int_equal(l->n_readonly_paths, 2);
    assert_string_equal(l->readonly_paths[0], "/proc/sys");
    assert_string_equal(l->mount_label, "system_u:object_r:container_file_t:s0");
}

static void test_full_linux_devices(void **state)
{
    _cleanup_config_ struct oj_config *c = load_full();
    const struct oj_linux *l = &c->linux_;
    assert_int_equal(l->n_devices, 3);
    const struct oj_device *d = &l->devices[0];
    assert_string_equal(d->path, "/dev/fuse");
    assert_int_equal(d->type, 'c');
    assert_int_equal(d->major, 10);
    assert_int_equal(d->minor, 229);
    assert_true(d->file_mode.set);
    assert_int_equal(d->file_mode.v, 0666);
    assert_true(d->uid.set);
    assert_int_equal(d->uid.v, 0);
    assert_int_equal(d->gid.v, 5);
    d = &l->devices[1];
    assert_int_equal(d->type, 'b');
    assert_int_equal(d->major, 8);
    assert_false(d->file_mode.set);
    assert_false(d->uid.set);
    d = &l->devices[2];
    assert_int_equal(d->type, 'p');
    assert_string_equal(d->path, "/dev/pipe0");
}

/* --- minimal configs and defaults ------------------------------------------------------------ */

static void test_minimal(void **state)
{
    _cleanup_config_ struct oj_config *c = ok_q("{'ociVersion':'1.0.0'}");
    assert_string_equal(c->oci_version, "1.0.0");
    assert_null(c->root_path);
    assert_null(c->process);
    assert_null(c->mounts);
    assert_false(c->has_linux);
    assert_null(oj_config_namespace(c, OJ_NS_PID));
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
}

/* --- rejections --------------------------------------------------------------------------------- */

static void test_unknown_namespace(void **state)
{
    expect_error_with("'linux':{'namespaces':[{'type':'pid'},{'type':'mount'},{'type':'ipc'},"
                      "{'type':'nett'}]}",
                      "config.json: linux.namespaces[3].type: unknown namespace \"nett\"");
}

static void test_duplicate_namespace(void **state)
{
    expect_error_with("'linux':{'namespaces':[{'type':'pid'},{'type':'mount'},{'type':'pid'}]}",
                      "config.json: linux.namespaces[2].type: duplicate namespace \"pid\"");
}

static void test_uid_out_of_range(void **state)
{
    expect_error_with("'process':{'cwd':'/','args':['a'],'user':{'uid':4294967296}}",
                      "config.json: process.user.uid: expected an integer in 0..4294967295");
    expect_error_with("'process':{'cwd':'/','args':['a'],'user':{'uid':-1}}",
                      "config.json: process.user.uid: expected an integer in 0..4294967295");
}

static void test_args_not_strings(void **state)
{
    expect_error_with("'process':{'cwd':'/','args':['a',1]}",
                      "config.json: process.args: expected an array of strings");
    expect_error_with("'process':{'cwd':'/','args':'a'}",
                      "config.json: process.args: expected an array of strings");
}

static void test_load_missing_file(void **state)
{
    struct oj_err err = {0};
    assert_null(oj_config_load("/nonexistent-ojrun/config.json", &err));
    assert_string_equal(err.msg, "open /nonexistent-ojrun/config.json: No such file or directory");
    assert_int_equal(err.code, ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_top_level),
        cmocka_unit_test(test_full_mounts),
        cmocka_unit_test(test_full_process_basics),
        cmocka_unit_test(test_full_capabilities),
        cmocka_unit_test(test_full_rlimits),
        cmocka_unit_test(test_full_hooks),
        cmocka_unit_test(test_full_linux_namespaces),
        cmocka_unit_test(test_full_linux_misc),
        cmocka_unit_test(test_full_linux_devices),
        cmocka_unit_test(test_minimal),
        cmocka_unit_test(test_unknown_keys_and_nulls),
        cmocka_unit_test(test_unknown_namespace),
        cmocka_unit_test(test_duplicate_namespace),
        cmocka_unit_test(test_uid_out_of_range),
        cmocka_unit_test(test_args_not_strings),
        cmocka_unit_test(test_load_missing_file),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
