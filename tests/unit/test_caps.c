/* SPDX-License-Identifier: Apache-2.0 */
/*
 * caps.c on the real kernel: every test applies a capability configuration
 * in a forked child (as root) and reads the result back from
 * /proc/self/status, or from the status of a program the child exec'd.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caps.h"
#include "cleanup.h"
#include "config.h"
#include "log.h"
#include "secure_child.h"
#include "util.h"

#define BIT(c) (UINT64_C(1) << (c))

/* Build a capability configuration from (set, list) pairs. */
struct capcfg {
    struct oj_capabilities c;
    int store[OJ_CAPSET_COUNT][8];
};

static void capcfg_set(struct capcfg *cc, enum oj_cap_set s, const int *caps, size_t n)
{
    cc->c.set[s].present = true;
    cc->c.set[s].n = n;
    if (n)
        memcpy(cc->store[s], caps, n * sizeof(int));
    cc->c.set[s].caps = n ? cc->store[s] : NULL;
}
#define SET(cc, s, ...)                                                                           \
    capcfg_set(cc, s, (const int[]){__VA_ARGS__}, sizeof((int[]){__VA_ARGS__}) / sizeof(int))
#define SET_EMPTY(cc, s) capcfg_set(cc, s, NULL, 0)

static uint64_t status_mask(const char *key)
{
    char v[64];
    if (proc_status_field(key, v, sizeof(v)) < 0)
        return UINT64_MAX;
    return strtoull(v, NULL, 16);
}

/* In the child: compare the five sets with the expected masks. */
static int check_sets(char *msg, size_t len, uint64_t bnd, uint64_t eff, uint64_t prm, uint64_t inh,
                      uint64_t amb)
{
    struct {
        const char *key;
        uint64_t want;
    } t[] = {{"CapBnd", bnd}, {"CapEff", eff}, {"CapPrm", prm}, {"CapInh", inh}, {"CapAmb", amb}};
    for (size_t i = 0; i < OJ_ARRAY_SIZE(t); i++) {
        uint64_t got = status_mask(t[i].key);
        CHILD_CHECK(got == t[i].want, "%s: got %016" PRIx64 ", want %016" PRIx64, t[i].key, got,
                    t[i].want);
    }
    return 0;
}

struct apply_case {
    struct capcfg *cc; /* NULL: process.capabilities absent */
    bool switch_user;  /* oj_user_switch(uid 1000) first, keeping caps */
    bool bounding_first;
    bool log_to_stderr; /* the log file is the child's stderr (text records) */
    uint64_t bnd, eff, prm, inh, amb;
};

static int child_apply(void *arg, char *msg, size_t len)
{
    struct apply_case *ac = arg;
    const struct oj_capabilities *c = ac->cc ? &ac->cc->c : NULL;
    struct oj_err err = {0};
    if (ac->log_to_stderr)
        oj_log_set_fd(STDERR_FILENO, false);
    if (ac->bounding_first)
        CHILD_CHECK(oj_caps_drop_bounding(c, &err) == 0, "drop bounding: %s", err.msg);
    if (ac->switch_user) {
        struct oj_user u = {.uid = 1000, .gid = 1000};
        CHILD_CHECK(oj_user_switch(&u, true, &err) == 0, "user switch: %s", err.msg);
    }
    if (!ac->bounding_first)
        CHILD_CHECK(oj_caps_drop_bounding(c, &err) == 0, "drop bounding: %s", err.msg);
    CHILD_CHECK(oj_caps_apply(c, &err) == 0, "apply: %s", err.msg);
    return check_sets(msg, len, ac->bnd, ac->eff, ac->prm, ac->inh, ac->amb);
}

static void run_apply(struct apply_case *ac, struct child_result *r)
{
    run_in_child(child_apply, ac, r);
    assert_child_ok(r);
}

/* The task's reference case: bounding {CHOWN, KILL}, effective/permitted
 * {KILL}, inheritable and ambient present but empty. */
static void test_bounding_effective_exact(void **state)
{
    struct capcfg cc = {0};
    SET(&cc, OJ_CAPSET_BOUNDING, CAP_CHOWN, CAP_KILL);
    SET(&cc, OJ_CAPSET_EFFECTIVE, CAP_KILL);
    SET(&cc, OJ_CAPSET_PERMITTED, CAP_KILL);
    SET_EMPTY(&cc, OJ_CAPSET_INHERITABLE);
    SET_EMPTY(&cc, OJ_CAPSET_AMBIENT);
    struct apply_case ac = {.cc = &cc,
                            .bnd = BIT(CAP_CHOWN) | BIT(CAP_KILL),
                            .eff = BIT(CAP_KILL),
                            .prm = BIT(CAP_KILL)};
    struct child_result r;
    run_apply(&ac, &r);
    /* runc's order (bounding before the rest) gives the same sets. */
    ac.bounding_first = true;
    run_apply(&ac, &r);
}

static void test_ambient_raised(void **state)
{
    struct capcfg cc = {0};
    SET(&cc, OJ_CAPSET_BOUNDING, CAP_KILL, CAP_NET_BIND_SERVICE, CAP_CHOWN);
    SET(&cc, OJ_CAPSET_EFFECTIVE, CAP_KILL, CAP_NET_BIND_SERVICE);
    SET(&cc, OJ_CAPSET_PERMITTED, CAP_KILL, CAP_NET_BIND_SERVICE);
    SET(&cc, OJ_CAPSET_INHERITABLE, CAP_KILL, CAP_NET_BIND_SERVICE);
    SET(&cc, OJ_CAPSET_AMBIENT, CAP_NET_BIND_SERVICE);
    uint64_t two = BIT(CAP_KILL) | BIT(CAP_NET_BIND_SERVICE);
    struct apply_case ac = {.cc = &cc,
                            .bnd = two | BIT(CAP_CHOWN),
                            .eff = two,
                            .prm = two,
                            .inh = two,
                            .amb = BIT(CAP_NET_BIND_SERVICE)};
    struct child_result r;
    run_apply(&ac, &r);
}

/* The whole chain of the container init for a non-root process: switch to
 * uid 1000 keeping caps, set the sets, exec a program.  Only the ambient set
 * carries capabilities across execve(2) for a non-root uid, so the exec'd
 * program must show CAP_NET_BIND_SERVICE in its effective set. */
static int child_ambient_exec(void *arg, char *msg, size_t len)
{
    struct capcfg cc = {0};
    SET(&cc, OJ_CAPSET_BOUNDING, CAP_NET_BIND_SERVICE, CAP_KILL);
    SET(&cc, OJ_CAPSET_EFFECTIVE, CAP_NET_BIND_SERVICE);
    SET(&cc, OJ_CAPSET_PERMITTED, CAP_NET_BIND_SERVICE);
    SET(&cc, OJ_CAPSET_INHERITABLE, CAP_NET_BIND_SERVICE);
    SET(&cc, OJ_CAPSET_AMBIENT, CAP_NET_BIND_SERVICE);
    struct oj_user u = {.uid = 1000, .gid = 1000};
    struct oj_err err = {0};
    CHILD_CHECK(oj_user_switch(&u, true, &err) == 0, "user switch: %s", err.msg);
    CHILD_CHECK(oj_caps_drop_bounding(&cc.c, &err) == 0, "drop bounding: %s", err.msg);
    CHILD_CHECK(oj_caps_apply(&cc.c, &err) == 0, "apply: %s", err.msg);
    execl("/bin/cat", "cat", "/proc/self/status", (char *)NULL);
    CHILD_CHECK(0, "exec /bin/cat: %s", strerror(errno));
}

static void test_ambient_survives_exec_as_user(void **state)
{
    struct child_result r;
    run_in_child(child_ambient_exec, NULL, &r);
    assert_child_ok(&r);
    char v[64];
    assert_int_equal(text_status_field(r.out, "Uid", v, sizeof(v)), 0);
    assert_string_equal(v, "1000\t1000\t1000\t1000");
    struct {
        const char *key;
        uint64_t want;
    } t[] = {{"CapEff", BIT(CAP_NET_BIND_SERVICE)},
             {"CapPrm", BIT(CAP_NET_BIND_SERVICE)},
             {"CapAmb", BIT(CAP_NET_BIND_SERVICE)},
             {"CapBnd", BIT(CAP_NET_BIND_SERVICE) | BIT(CAP_KILL)}};
    for (size_t i = 0; i < OJ_ARRAY_SIZE(t); i++) {
        assert_int_equal(text_status_field(r.out, t[i].key, v, sizeof(v)), 0);
        assert_int_equal(strtoull(v, NULL, 16), t[i].want);
    }
}

/* uid/gid/groups/umask plus exactly the configured caps after the switch. */
static int child_user_switch(void *arg, char *msg, size_t len)
{
    bool keep = *(bool *)arg;
    struct capcfg cc = {0};
    SET(&cc, OJ_CAPSET_BOUNDING, CAP_KILL, CAP_CHOWN);
    SET(&cc, OJ_CAPSET_EFFECTIVE, CAP_KILL);
    SET(&cc, OJ_CAPSET_PERMITTED, CAP_KILL);
    uint32_t groups[] = {1001, 1002};
    struct oj_user u = {.uid = 1000,
                        .gid = 1000,
                        .umask = {true, 027},
                        .additional_gids = groups,
                        .n_additional_gids = 2};
    struct oj_err err = {0};
    CHILD_CHECK(oj_user_switch(&u, keep, &err) == 0, "user switch: %s", err.msg);
    char v[256];
    CHILD_CHECK(proc_status_field("Uid", v, sizeof(v)) == 0 && !strcmp(v, "1000\t1000\t1000\t1000"),
                "Uid: %s", v);
    CHILD_CHECK(proc_status_field("Gid", v, sizeof(v)) == 0 && !strcmp(v, "1000\t1000\t1000\t1000"),
                "Gid: %s", v);
    CHILD_CHECK(proc_status_field("Groups", v, sizeof(v)) == 0 && !strcmp(v, "1001 1002"),
                "Groups: %s", v);
    CHILD_CHECK(proc_status_field("Umask", v, sizeof(v)) == 0 && !strcmp(v, "0027"), "Umask: %s",
                v);
    if (!keep) {
        /* Without PR_SET_KEEPCAPS the uid change empties the permitted set,
         * and the bounding set can no longer be changed. */
        CHILD_CHECK(status_mask("CapPrm") == 0, "CapPrm %" PRIx64 " after a plain uid change",
                    status_mask("CapPrm"));
        CHILD_CHECK(oj_caps_drop_bounding(&cc.c, &err) < 0, "bounding drop without caps worked");
        CHILD_CHECK(strstr(err.msg, "CAP_SETPCAP"), "unexpected error: %s", err.msg);
        return 0;
    }
    CHILD_CHECK(status_mask("CapEff") == 0, "the uid change should clear the effective set");
    CHILD_CHECK(oj_caps_drop_bounding(&cc.c, &err) == 0, "drop bounding: %s", err.msg);
    CHILD_CHECK(oj_caps_apply(&cc.c, &err) == 0, "apply: %s", err.msg);
    return check_sets(msg, len, BIT(CAP_KILL) | BIT(CAP_CHOWN), BIT(CAP_KILL), BIT(CAP_KILL), 0, 0);
}

static void test_user_switch_keep_caps(void **state)
{
    bool keep = true;
    struct child_result r;
    run_in_child(child_user_switch, &keep, &r);
    assert_child_ok(&r);
}

static void test_user_switch_without_keep_caps(void **state)
{
    bool keep = false;
    struct child_result r;
    run_in_child(child_user_switch, &keep, &r);
    assert_child_ok(&r);
}

/* In a user namespace whose gid map was written without privilege,
 * /proc/self/setgroups is "deny": no additionalGids -> skipped, some ->
 * a clear error. */
static int child_setgroups_denied(void *arg, char *msg, size_t len)
{
    struct oj_err err = {0};
    uid_t uid = geteuid();
    gid_t gid = getegid();
    CHILD_CHECK(unshare(CLONE_NEWUSER) == 0, "unshare(CLONE_NEWUSER): %s", strerror(errno));
    char map[64];
    int n = snprintf(map, sizeof(map), "0 %u 1", (unsigned)uid);
    CHILD_CHECK(oj_write_file("/proc/self/uid_map", map, (size_t)n, &err) == 0, "%s", err.msg);
    CHILD_CHECK(oj_write_file("/proc/self/setgroups", "deny", 4, &err) == 0, "%s", err.msg);
    n = snprintf(map, sizeof(map), "0 %u 1", (unsigned)gid);
    CHILD_CHECK(oj_write_file("/proc/self/gid_map", map, (size_t)n, &err) == 0, "%s", err.msg);

    struct oj_user u = {.uid = 0, .gid = 0};
    CHILD_CHECK(oj_user_switch(&u, true, &err) == 0, "switch without groups: %s", err.msg);
    uint32_t groups[] = {0};
    u.additional_gids = groups;
    u.n_additional_gids = 1;
    CHILD_CHECK(oj_user_switch(&u, true, &err) < 0, "setgroups should have been refused");
    CHILD_CHECK(strstr(err.msg, "process.user.additionalGids") &&
                    strstr(err.msg, "/proc/self/setgroups is \"deny\""),
                "unexpected error: %s", err.msg);
    /* An unmapped uid is reported as such. */
    u.n_additional_gids = 0;
    u.uid = 4242;
    CHILD_CHECK(oj_user_switch(&u, true, &err) < 0, "unmapped uid accepted");
    CHILD_CHECK(strstr(err.msg, "process.user.uid 4242 (not mapped"), "unexpected error: %s",
                err.msg);
    return 0;
}

static void test_setgroups_denied_in_userns(void **state)
{
    struct child_result r;
    run_in_child(child_setgroups_denied, NULL, &r);
    assert_child_ok(&r);
}

static int child_nnp(void *arg, char *msg, size_t len)
{
    struct oj_err err = {0};
    char v[32];
    CHILD_CHECK(proc_status_field("NoNewPrivs", v, sizeof(v)) == 0 && !strcmp(v, "0"),
                "NoNewPrivs before: %s", v);
    CHILD_CHECK(oj_set_no_new_privs(&err) == 0, "%s", err.msg);
    CHILD_CHECK(proc_status_field("NoNewPrivs", v, sizeof(v)) == 0 && !strcmp(v, "1"),
                "NoNewPrivs after: %s", v);
    return 0;
}

static void test_no_new_privs(void **state)
{
    struct child_result r;
    run_in_child(child_nnp, NULL, &r);
    assert_child_ok(&r);
}

/* --- capabilities the runtime does not have -------------------------------- */

static bool host_has_sys_resource(void)
{
    return cap_get_bound(CAP_SYS_RESOURCE) == 1;
}

struct unavail_case {
    enum oj_cap_set set;
    const char *want;
};

static int child_unavailable(void *arg, char *msg, size_t len)
{
    struct unavail_case *uc = arg;
    struct capcfg cc = {0};
    SET(&cc, OJ_CAPSET_BOUNDING, CAP_KILL, CAP_SYS_RESOURCE);
    SET(&cc, OJ_CAPSET_EFFECTIVE, CAP_KILL);
    SET(&cc, OJ_CAPSET_PERMITTED, CAP_KILL);
    SET(&cc, OJ_CAPSET_INHERITABLE, CAP_KILL);
    SET(&cc, uc->set, CAP_KILL, CAP_SYS_RESOURCE);
    struct oj_err err = {0};
    CHILD_CHECK(oj_caps_drop_bounding(&cc.c, &err) == 0, "drop bounding: %s", err.msg);
    CHILD_CHECK(oj_caps_apply(&cc.c, &err) < 0, "apply accepted an unavailable capability");
    CHILD_CHECK(strcmp(err.msg, uc->want) == 0, "message: \"%s\"", err.msg);
    return 0;
}

static void test_unavailable_cap_is_an_error(void **state)
{
    if (host_has_sys_resource()) {
        /* Only a host whose bounding set lacks CAP_SYS_RESOURCE (like the
         * project's VM) can show this; elsewhere the case does not exist. */
        print_message("# host has CAP_SYS_RESOURCE: unavailable-capability check not applicable\n");
        skip();
    }
    struct unavail_case cases[] = {
        {OJ_CAPSET_PERMITTED, "capability CAP_SYS_RESOURCE requested by "
                              "process.capabilities.permitted is not available to the runtime"},
        {OJ_CAPSET_EFFECTIVE, "capability CAP_SYS_RESOURCE requested by "
                              "process.capabilities.effective is not available to the runtime"},
        {OJ_CAPSET_AMBIENT, "capability CAP_SYS_RESOURCE requested by "
                            "process.capabilities.ambient is not available to the runtime"},
        {OJ_CAPSET_INHERITABLE, "capability CAP_SYS_RESOURCE requested by "
                                "process.capabilities.inheritable is not available to the runtime"},
    };
    for (size_t i = 0; i < OJ_ARRAY_SIZE(cases); i++) {
        struct child_result r;
        run_in_child(child_unavailable, &cases[i], &r);
        assert_child_ok(&r);
    }
}

/* Bounding-only: a warning, and the container simply does not get it. */
static void test_unavailable_bounding_only_warns(void **state)
{
    if (host_has_sys_resource()) {
        print_message("# host has CAP_SYS_RESOURCE: unavailable-capability check not applicable\n");
        skip();
    }
    struct capcfg cc = {0};
    SET(&cc, OJ_CAPSET_BOUNDING, CAP_KILL, CAP_SYS_RESOURCE);
    SET(&cc, OJ_CAPSET_EFFECTIVE, CAP_KILL);
    SET(&cc, OJ_CAPSET_PERMITTED, CAP_KILL);
    struct apply_case ac = {.cc = &cc, .bnd = BIT(CAP_KILL), .eff = BIT(CAP_KILL),
                            .prm = BIT(CAP_KILL), .log_to_stderr = true};
    struct child_result r;
    run_apply(&ac, &r);
    /* a warning record in the log, none of the "ojrun: warning:" lines of
     * stderr: runc says nothing here */
    assert_non_null(strstr(r.out, "level=warning msg=\"capability CAP_SYS_RESOURCE requested by "
                                  "process.capabilities.bounding is not available to the runtime"));
    assert_null(strstr(r.out, "ojrun: warning"));
}

/* `runc spec`'s default set must work on this host: it asks for ambient
 * capabilities without an inheritable list (runc leaves CapAmb at 0). */
static void test_runc_default_set(void **state)
{
    struct capcfg cc = {0};
    SET(&cc, OJ_CAPSET_BOUNDING, CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE);
    SET(&cc, OJ_CAPSET_EFFECTIVE, CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE);
    SET(&cc, OJ_CAPSET_PERMITTED, CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE);
    SET(&cc, OJ_CAPSET_AMBIENT, CAP_AUDIT_WRITE, CAP_KILL, CAP_NET_BIND_SERVICE);
    uint64_t three = 0x20000420; /* what runc 1.1.5 shows on this host */
    struct apply_case ac = {.cc = &cc, .bnd = three, .eff = three, .prm = three};
    struct child_result r;
    run_apply(&ac, &r);
    assert_non_null(strstr(r.out, "CAP_KILL requested by process.capabilities.ambient is not in "
                                  "both the permitted and the inheritable set"));
}

/* A number the kernel does not know (63 > cap_last_cap) is skipped. */
static void test_unknown_cap_skipped(void **state)
{
    assert_true(cap_max_bits() <= 63);
    struct capcfg cc = {0};
    SET(&cc, OJ_CAPSET_BOUNDING, CAP_KILL, 63);
    SET(&cc, OJ_CAPSET_EFFECTIVE, CAP_KILL, 63);
    SET(&cc, OJ_CAPSET_PERMITTED, CAP_KILL, 63);
    struct apply_case ac = {.cc = &cc, .bnd = BIT(CAP_KILL), .eff = BIT(CAP_KILL),
                            .prm = BIT(CAP_KILL)};
    struct child_result r;
    run_apply(&ac, &r);
    assert_non_null(strstr(r.out, "capability CAP_63 in process.capabilities.bounding is not known "
                                  "to the running kernel"));
    assert_non_null(strstr(r.out, "process.capabilities.permitted is not known"));
}

/* process.capabilities absent: every set ends up empty. */
static void test_absent_capabilities_drop_all(void **state)
{
    struct apply_case ac = {.cc = NULL};
    struct child_result r;
    run_apply(&ac, &r);
}

static int child_eff_not_prm(void *arg, char *msg, size_t len)
{
    struct capcfg cc = {0};
    SET(&cc, OJ_CAPSET_BOUNDING, CAP_KILL, CAP_CHOWN);
    SET(&cc, OJ_CAPSET_EFFECTIVE, CAP_KILL, CAP_CHOWN);
    SET(&cc, OJ_CAPSET_PERMITTED, CAP_KILL);
    struct oj_err err = {0};
    CHILD_CHECK(oj_caps_apply(&cc.c, &err) < 0, "effective outside permitted accepted");
    CHILD_CHECK(!strcmp(err.msg, "capability CAP_CHOWN is in process.capabilities.effective but "
                                 "not in process.capabilities.permitted"),
                "message: %s", err.msg);
    /* inheritable beyond the (dropped) bounding set */
    SET(&cc, OJ_CAPSET_EFFECTIVE, CAP_KILL);
    SET(&cc, OJ_CAPSET_BOUNDING, CAP_KILL);
    SET(&cc, OJ_CAPSET_INHERITABLE, CAP_CHOWN);
    CHILD_CHECK(oj_caps_drop_bounding(&cc.c, &err) == 0, "%s", err.msg);
    CHILD_CHECK(oj_caps_apply(&cc.c, &err) < 0, "inheritable outside bounding accepted");
    CHILD_CHECK(strstr(err.msg, "CAP_CHOWN requested by process.capabilities.inheritable is not in "
                                "the bounding set"),
                "message: %s", err.msg);
    return 0;
}

static void test_inconsistent_sets_rejected(void **state)
{
    struct child_result r;
    run_in_child(child_eff_not_prm, NULL, &r);
    assert_child_ok(&r);
}

static void test_cap_names(void **state)
{
    char b[OJ_CAP_NAME_MAX];
    assert_string_equal(oj_cap_name(CAP_SYS_RESOURCE, b), "CAP_SYS_RESOURCE");
    assert_string_equal(oj_cap_name(CAP_CHOWN, b), "CAP_CHOWN");
    assert_string_equal(oj_cap_name(63, b), "CAP_63");
}

int main(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "test_caps needs root\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bounding_effective_exact),
        cmocka_unit_test(test_ambient_raised),
        cmocka_unit_test(test_ambient_survives_exec_as_user),
        cmocka_unit_test(test_user_switch_keep_caps),
        cmocka_unit_test(test_user_switch_without_keep_caps),
        cmocka_unit_test(test_setgroups_denied_in_userns),
        cmocka_unit_test(test_no_new_privs),
        cmocka_unit_test(test_unavailable_cap_is_an_error),
        cmocka_unit_test(test_unavailable_bounding_only_warns),
        cmocka_unit_test(test_runc_default_set),
        cmocka_unit_test(test_unknown_cap_skipped),
        cmocka_unit_test(test_absent_capabilities_drop_all),
        cmocka_unit_test(test_inconsistent_sets_rejected),
        cmocka_unit_test(test_cap_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
