/* SPDX-License-Identifier: Apache-2.0 */
/*
 * oj_cgroup_devices_with_config: the device rules of linux.resources.devices
 * followed by allow rules for the devices of linux.devices (runc's list),
 * and the result applied to this host's real device cgroup (v1 here:
 * devices.list; the cgroup lives under /ojrun-test-devlist-<pid>).
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
#include "util.h"

static struct oj_device devs[] = {
    {.path = "/dev/fuse", .type = 'c', .major = 10, .minor = 229},
    {.path = "/dev/fifo", .type = 'p'},
    {.path = "/dev/loop9", .type = 'b', .major = 7, .minor = 9},
    {.path = "/dev/raw", .type = 'u', .major = 4, .minor = 64},
};
static struct oj_device_cgroup deny_all = {.allow = false, .type = 'a'};

static void test_merge(void **state)
{
    (void)state;
    struct oj_device_cgroup *v = NULL;
    size_t n = 99;
    struct oj_err err = {0};

    /* no rules and no devices: nothing */
    struct oj_resources none = {0};
    assert_int_equal(oj_cgroup_devices_with_config(&none, devs, 0, &v, &n, &err), 0);
    assert_null(v);
    assert_int_equal(n, 0);
    /* no rules: the devices' allow rules alone (create adds "deny all" and
     * the defaults around them) */
    assert_int_equal(oj_cgroup_devices_with_config(NULL, devs, 4, &v, &n, &err), 0);
    assert_int_equal(n, 3);
    assert_true(v[0].allow);
    assert_int_equal(v[0].major.v, 10);
    oj_cgroup_devices_free(v, n);

    struct oj_resources r = {.devices = &deny_all, .n_devices = 1};
    assert_int_equal(oj_cgroup_devices_with_config(&r, devs, 4, &v, &n, &err), 0);
    assert_int_equal(n, 4); /* the fifo has no rule */
    assert_false(v[0].allow);
    assert_int_equal(v[0].type, 'a');
    assert_null(v[0].access);
    const struct {
        char type;
        int64_t major, minor;
    } want[] = {{'c', 10, 229}, {'b', 7, 9}, {'c', 4, 64}};
    for (size_t i = 0; i < 3; i++) {
        assert_true(v[i + 1].allow);
        assert_int_equal(v[i + 1].type, want[i].type);
        assert_true(v[i + 1].major.set && v[i + 1].minor.set);
        assert_int_equal(v[i + 1].major.v, want[i].major);
        assert_int_equal(v[i + 1].minor.v, want[i].minor);
        assert_string_equal(v[i + 1].access, "rwm");
    }
    /* the caller's rules are copied, not shared */
    assert_ptr_not_equal(&v[0], &deny_all);
    oj_cgroup_devices_free(v, n);
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

    struct oj_resources cfg = {.devices = &deny_all, .n_devices = 1};
    struct oj_resources r = cfg;
    if (oj_cgroup_devices_with_config(&cfg, devs, 4, &r.devices, &r.n_devices, &err) < 0)
        fail_msg("%s", err.msg);
    rc = oj_cgroup_create(cg, &r, &err);
    oj_cgroup_devices_free(r.devices, r.n_devices);
    if (rc < 0)
        fail_msg("%s", err.msg);

    char file[4096];
    snprintf(file, sizeof(file), "%s/devices.list", dir);
    char *list = NULL;
    if (oj_read_file(file, 1 << 16, &list, NULL, &err) < 0)
        fail_msg("%s", err.msg);
    /* the config's devices, and the defaults, and nothing else */
    assert_non_null(strstr(list, "c 10:229 rwm\n"));
    assert_non_null(strstr(list, "b 7:9 rwm\n"));
    assert_non_null(strstr(list, "c 4:64 rwm\n"));
    assert_non_null(strstr(list, "c 1:3 rwm\n")); /* /dev/null */
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
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_real_device_cgroup),
        cmocka_unit_test(test_real_default_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
