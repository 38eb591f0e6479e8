/*
 * The device rules of a container: linux.resources.devices, then the
 * default devices (runc's AllowedDevices plus /dev/console), and nothing
 * for the devices of linux.devices (a node the config creates is not
 * allowed unless a rule says so, as in runc 1.1).  The same list feeds
 * the v1 devices.allow/deny writes and the v2 eBPF program
 * (oj_cg_device_rules); here it is applied to this host's real device
 * cgroup (v1: devices.list; the cgroup lives under /ojrun-test-devlist-<pid>).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cgroup.h"
#include "cgroup_internal.h"
#include "util.h"

/* the config allows /dev/fuse explicitly */
static struct oj_device_cgroup config_rules[] = {
    {.allow = false, .type = 'a'},
    {.allow = true, .type = 'c', .major = {true, 10}, .minor = {true, 229}, .access = "rw"},
};

static void test_rules(void **state)
{
    (void)state;
    struct oj_device_cgroup *v = NULL;
    size_t n = 0;
    struct oj_err err = {0};

    /* no rules: the default devices alone (the implicit "deny all" is the
     * writer's: devices.deny "a" on v1, the program's default on v2) */
    struct oj_resources none = {.default_devices = true};
    assert_int_equal(oj_cg_device_rules(&none, &v, &n, &err), 0);
    assert_int_equal(n, 12);
    for (size_t i = 0; i < n; i++) {
        assert_true(v[i].allow);
        /* 1:11 (/dev/kmsg) is in no default rule */
        assert_false(v[i].major.set && v[i].major.v == 1 && v[i].minor.set && v[i].minor.v == 11);
    }
    oj_cg_device_rules_free(v, n);

    /* the config's rules first, in order, then the defaults: a config that
     * starts with "deny all" keeps /dev/null */
    struct oj_resources r = {.devices = config_rules, .n_devices = 2, .default_devices = true};
    assert_int_equal(oj_cg_device_rules(&r, &v, &n, &err), 0);
    assert_int_equal(n, 14);
    assert_false(v[0].allow);
    assert_int_equal(v[0].type, 'a');
    assert_true(v[1].allow);
    assert_int_equal(v[1].major.v, 10);
    assert_int_equal(v[1].minor.v, 229);
    assert_string_equal(v[1].access, "rw");
    assert_ptr_not_equal(v[1].access, config_rules[1].access); /* copied */
    assert_int_equal(v[4].major.v, 1);
    assert_int_equal(v[4].minor.v, 3); /* /dev/null, after the two mknod rules */
    oj_cg_device_rules_free(v, n);
}

static void test_real_device_cgroup(void **state)
{
    (void)state;
    struct oj_err err = {0};
    struct oj_cgroup_host host;
    if (oj_cgroup_host_detect(&host, NULL, NULL, &err) < 0)
        fail_msg("%s", err.msg);
    char path[64];
    snprintf(path, sizeof(path), "/ojrun-test-devlist-%d", (int)getpid());
    struct oj_cgroup *cg = NULL;
    int rc = oj_cgroup_new(&host, path, NULL, &cg, &err);
    oj_cgroup_host_free(&host);
    if (rc < 0)
        fail_msg("%s", err.msg);
    /* v1 devices controller only: on a pure v2 host the rules become a BPF
     * program, tested in test_cgroup_real */
    const char *dir = oj_cgroup_dir(cg, "devices");
    if (oj_cgroup_layout(cg) == OJ_CGROUP_V2 || !dir) {
        oj_cgroup_free(cg);
        print_message("# no v1 devices controller here (a pure v2 host uses BPF rules)\n");
        skip();
    }

    /* as create passes it: the config's rules, default_devices set */
    struct oj_resources r = {.devices = config_rules, .n_devices = 2, .default_devices = true};
    rc = oj_cgroup_create(cg, &r, &err);
    if (rc < 0)
        fail_msg("%s", err.msg);

    char file[4096];
    snprintf(file, sizeof(file), "%s/devices.list", dir);
    char *list = NULL;
    if (oj_read_file(file, 1 << 16, &list, NULL, &err) < 0)
        fail_msg("%s", err.msg);
    /* the config's rule and the defaults, and nothing else */
    assert_non_null(strstr(list, "c 10:229 rw\n"));
    assert_non_null(strstr(list, "c 1:3 rwm\n")); /* /dev/null */
    assert_null(strstr(list, "c 1:11"));
    assert_null(strstr(list, "a *:* rwm"));
    assert_null(strstr(list, "b 8:0"));
    free(list);
    if (oj_cgroup_destroy(cg, &err) < 0)
        fail_msg("%s", err.msg);
    oj_cgroup_free(cg);
}

/* No rules at all, as create passes them for a config without
 * linux.resources.devices: the container is still confined to the default
 * devices (runc's AllowedDevices), so /dev/kmsg (1:11) is not allowed. */
static void test_real_default_only(void **state)
{
    (void)state;
    struct oj_err err = {0};
    struct oj_cgroup_host host;
    if (oj_cgroup_host_detect(&host, NULL, NULL, &err) < 0)
        fail_msg("%s", err.msg);
    char path[64];
    snprintf(path, sizeof(path), "/ojrun-test-devdef-%d", (int)getpid());
    struct oj_cgroup *cg = NULL;
    int rc = oj_cgroup_new(&host, path, NULL, &cg, &err);
    oj_cgroup_host_free(&host);
    if (rc < 0)
        fail_msg("%s", err.msg);
    const char *dir = oj_cgroup_dir(cg, "devices");
    if (oj_cgroup_layout(cg) == OJ_CGROUP_V2 || !dir) {
        oj_cgroup_free(cg);
        print_message("# no v1 devices controller here (a pure v2 host uses BPF rules)\n");
        skip();
    }
    struct oj_resources r = {.default_devices = true};
    if (oj_cgroup_create(cg, &r, &err) < 0)
        fail_msg("%s", err.msg);
    char file[4096];
    snprintf(file, sizeof(file), "%s/devices.list", dir);
    char *list = NULL;
    if (oj_read_file(file, 1 << 16, &list, NULL, &err) < 0)
        fail_msg("%s", err.msg);
    static const char *const want[] = {"c *:* m\n",   "b *:* m\n",     "c 1:3 rwm\n",
                                       "c 1:5 rwm\n", "c 1:7 rwm\n",   "c 1:8 rwm\n",
                                       "c 1:9 rwm\n", "c 5:0 rwm\n",   "c 5:1 rwm\n",
                                       "c 5:2 rwm\n", "c 136:* rwm\n", "c 10:200 rwm\n"};
    size_t lines = 0;
    for (const char *p = list; *p; p++)
        lines += *p == '\n';
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (!strstr(list, want[i]))
            fail_msg("devices.list lacks %s:\n%s", want[i], list);
    assert_int_equal(lines, sizeof(want) / sizeof(want[0])); /* and nothing else */
    assert_null(strstr(list, "a *:* rwm"));
    assert_null(strstr(list, "c 1:11"));
    free(list);
    if (oj_cgroup_destroy(cg, &err) < 0)
        fail_msg("%s", err.msg);
    oj_cgroup_free(cg);
}

int main(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "test_cgroup_devlist: needs root\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_real_device_cgroup),
        cmocka_unit_test(test_real_default_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
