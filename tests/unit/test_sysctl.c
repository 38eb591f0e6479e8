/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for runtime/sysctl.c: the validation table against hand-built
 * configs, and real writes to /proc/sys in a forked child with IPC and UTS
 * namespaces of its own (the host's values are checked to be unchanged).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "sysctl.h"
#include "util.h"

enum { NS_IPC = 1, NS_NET = 2, NS_UTS = 4 };

/* A config with one sysctl and new namespaces per `mask`. */
struct cfg_holder {
    struct oj_config cfg;
    struct oj_namespace ns[4];
    struct oj_kv kv[4];
};

static void make_cfg(struct cfg_holder *h, unsigned mask, const char *key, const char *value)
{
    memset(h, 0, sizeof(*h));
    h->cfg.has_linux = true;
    size_t n = 0;
    h->ns[n++] = (struct oj_namespace){.type = OJ_NS_PID};
    if (mask & NS_IPC)
        h->ns[n++] = (struct oj_namespace){.type = OJ_NS_IPC};
    if (mask & NS_NET)
        h->ns[n++] = (struct oj_namespace){.type = OJ_NS_NETWORK};
    if (mask & NS_UTS)
        h->ns[n++] = (struct oj_namespace){.type = OJ_NS_UTS};
    h->cfg.linux_.namespaces = h->ns;
    h->cfg.linux_.n_namespaces = n;
    h->kv[0] = (struct oj_kv){.key = (char *)key, .value = (char *)value};
    h->cfg.linux_.sysctl = h->kv;
    h->cfg.linux_.n_sysctl = 1;
}

struct row {
    const char *key;
    unsigned ns;
    const char *error; /* NULL: accepted; else the exact message */
};

#define NOT_NS(k) "linux.sysctl: \"" k "\" is not namespaced: refusing to set it"
#define NEEDS(k, what)                                                                             \
    "linux.sysctl: \"" k "\" needs " what " namespace of the container's own (none in "            \
    "linux.namespaces): refusing to set it"
#define INVALID(k) "linux.sysctl: \"" k "\" is not a valid sysctl name"

static const struct row table[] = {
    /* IPC */
    {"kernel.shmmax", NS_IPC, NULL},
    {"kernel.shmall", NS_IPC, NULL},
    {"kernel.shmmni", NS_IPC, NULL},
    {"kernel.shm_rmid_forced", NS_IPC, NULL},
    {"kernel.msgmax", NS_IPC, NULL},
    {"kernel.msgmnb", NS_IPC, NULL},
    {"kernel.msgmni", NS_IPC, NULL},
    {"kernel.sem", NS_IPC, NULL},
    {"fs.mqueue.msg_max", NS_IPC, NULL},
    {"fs.mqueue.queues_max", NS_IPC, NULL},
    {"kernel.shmmax", NS_NET | NS_UTS, NEEDS("kernel.shmmax", "an IPC")},
    {"kernel.sem", 0, NEEDS("kernel.sem", "an IPC")},
    {"fs.mqueue.msg_max", NS_UTS, NEEDS("fs.mqueue.msg_max", "an IPC")},
    /* network */
    {"net.ipv4.ip_forward", NS_NET, NULL},
    {"net.core.somaxconn", NS_NET, NULL},
    {"net.ipv4.ip_forward", NS_IPC | NS_UTS, NEEDS("net.ipv4.ip_forward", "a network")},
    /* UTS */
    {"kernel.hostname", NS_UTS, NULL},
    {"kernel.domainname", NS_UTS, NULL},
    {"kernel.hostname", NS_IPC | NS_NET, NEEDS("kernel.hostname", "a UTS")},
    {"kernel.domainname", 0, NEEDS("kernel.domainname", "a UTS")},
    /* global parameters: never, whatever the namespaces */
    {"kernel.panic", NS_IPC | NS_NET | NS_UTS, NOT_NS("kernel.panic")},
    {"vm.overcommit_memory", NS_IPC | NS_NET | NS_UTS, NOT_NS("vm.overcommit_memory")},
    {"fs.file-max", NS_IPC | NS_NET | NS_UTS, NOT_NS("fs.file-max")},
    {"kernel.shmmax2", NS_IPC, NOT_NS("kernel.shmmax2")},
    {"fs.mqueue", NS_IPC, NOT_NS("fs.mqueue")},
    {"network.x", NS_NET, NOT_NS("network.x")},
    /* malformed keys */
    {"net/ipv4/ip_forward", NS_NET, INVALID("net/ipv4/ip_forward")},
    {"net.ipv4..ip_forward", NS_NET, INVALID("net.ipv4..ip_forward")},
    {"net.ipv4.conf...kernel", NS_NET, INVALID("net.ipv4.conf...kernel")},
    {"net.", NS_NET, INVALID("net.")},
    {".net.x", NS_NET, INVALID(".net.x")},
    {"", NS_NET, INVALID("")},
};

static void test_validate_table(void **state)
{
    for (size_t i = 0; i < OJ_ARRAY_SIZE(table); i++) {
        struct cfg_holder h;
        make_cfg(&h, table[i].ns, table[i].key, "1");
        struct oj_err err;
        oj_err_clear(&err);
        int r = oj_sysctl_validate(&h.cfg, &err);
        if (!table[i].error && r != 0)
            fail_msg("row %zu (%s, ns %u): refused: %s", i, table[i].key, table[i].ns, err.msg);
        if (table[i].error && r != -1)
            fail_msg("row %zu (%s, ns %u): accepted", i, table[i].key, table[i].ns);
        if (table[i].error && strcmp(err.msg, table[i].error) != 0)
            fail_msg("row %zu: got \"%s\", want \"%s\"", i, err.msg, table[i].error);
    }
}

static void test_validate_misc(void **state)
{
    struct cfg_holder h;
    struct oj_err err;

    /* no linux section, or no sysctl: nothing to check */
    struct oj_config empty = {0};
    assert_int_equal(oj_sysctl_validate(&empty, &err), 0);
    make_cfg(&h, 0, "kernel.panic", "1");
    h.cfg.linux_.n_sysctl = 0;
    assert_int_equal(oj_sysctl_validate(&h.cfg, &err), 0);

    /* every entry is checked, not only the first */
    make_cfg(&h, NS_IPC, "kernel.shmmax", "1");
    h.kv[1] = (struct oj_kv){.key = "kernel.panic", .value = "1"};
    h.cfg.linux_.n_sysctl = 2;
    assert_int_equal(oj_sysctl_validate(&h.cfg, &err), -1);
    assert_string_equal(err.msg, NOT_NS("kernel.panic"));

    /* a missing value */
    make_cfg(&h, NS_IPC, "kernel.shmmax", NULL);
    assert_int_equal(oj_sysctl_validate(&h.cfg, &err), -1);
    assert_string_equal(err.msg, "linux.sysctl: \"kernel.shmmax\" has no value");

    /* kernel.hostname must agree with the OCI hostname field */
    make_cfg(&h, NS_UTS, "kernel.hostname", "b");
    h.cfg.hostname = "a";
    assert_int_equal(oj_sysctl_validate(&h.cfg, &err), -1);
    assert_string_equal(err.msg,
                        "linux.sysctl: \"kernel.hostname\" = \"b\" conflicts with hostname \"a\"");
    h.cfg.hostname = "b";
    assert_int_equal(oj_sysctl_validate(&h.cfg, &err), 0);
    make_cfg(&h, NS_UTS, "kernel.domainname", "x.test");
    h.cfg.domainname = "y.test";
    assert_int_equal(oj_sysctl_validate(&h.cfg, &err), -1);
}

/* Joining a namespace by path: fine when it is another namespace, refused
 * when the path is our own (the host's, as seen by the runtime). */
static void test_validate_joined(void **state)
{
    struct cfg_holder h;
    struct oj_err err;

    make_cfg(&h, NS_NET, "net.ipv4.ip_forward", "1");
    h.ns[1].path = "/proc/self/ns/net";
    assert_int_equal(oj_sysctl_validate(&h.cfg, &err), -1);
    assert_string_equal(err.msg, "linux.sysctl: \"net.ipv4.ip_forward\" needs a network namespace "
                                 "of the container's own, but /proc/self/ns/net is the "
                                 "runtime's: refusing to set it");
    make_cfg(&h, NS_IPC | NS_UTS, "kernel.shmmax", "1");
    h.ns[1].path = "/proc/self/ns/ipc";
    assert_int_equal(oj_sysctl_validate(&h.cfg, &err), -1);
    assert_non_null(strstr(err.msg, "needs an IPC namespace of the container's own, but "
                                    "/proc/self/ns/ipc is the runtime's"));
    h.kv[0].key = "kernel.domainname";
    h.ns[2].path = "/proc/self/ns/uts";
    assert_int_equal(oj_sysctl_validate(&h.cfg, &err), -1);
    assert_non_null(strstr(err.msg, "/proc/self/ns/uts is the runtime's"));

    /* a namespace that is really another one: a child's new netns */
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char ok = unshare(CLONE_NEWNET | CLONE_NEWUTS) == 0 ? 'y' : 'n';
        ssize_t w = write(ready[1], &ok, 1);
        (void)w;
        pause();
        _exit(0);
    }
    close(ready[1]);
    char ok = 0;
    assert_int_equal(read(ready[0], &ok, 1), 1);
    close(ready[0]);
    char path_net[64], path_uts[64];
    snprintf(path_net, sizeof(path_net), "/proc/%d/ns/net", (int)pid);
    snprintf(path_uts, sizeof(path_uts), "/proc/%d/ns/uts", (int)pid);

    make_cfg(&h, NS_NET, "net.ipv4.ip_forward", "1");
    h.ns[1].path = path_net;
    int r1 = oj_sysctl_validate(&h.cfg, &err);
    make_cfg(&h, NS_UTS, "kernel.domainname", "x");
    h.ns[1].path = path_uts;
    int r2 = oj_sysctl_validate(&h.cfg, &err);
    /* a path that does not exist is reported */
    make_cfg(&h, NS_NET, "net.ipv4.ip_forward", "1");
    h.ns[1].path = "/nonexistent/ns/net";
    int r3 = oj_sysctl_validate(&h.cfg, &err);

    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, NULL, 0), pid);
    assert_int_equal(ok, 'y');
    assert_int_equal(r1, 0);
    assert_int_equal(r2, 0);
    assert_int_equal(r3, -1);
    assert_string_equal(err.msg, "linux.sysctl: stat namespace /nonexistent/ns/net: No such file "
                                 "or directory");
}

#define CHILD_CHECK(cond, code)                                                                    \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "# child: %s failed\n", #cond);                                        \
            _exit(code);                                                                           \
        }                                                                                          \
    } while (0)

static char *read_trimmed(const char *path)
{
    char *s = NULL;
    struct oj_err err;
    if (oj_read_file(path, 4096, &s, NULL, &err) < 0)
        return NULL;
    s[strcspn(s, "\n")] = '\0';
    return s;
}

static void test_apply(void **state)
{
    _cleanup_free_ char *shmmax_before = read_trimmed("/proc/sys/kernel/shmmax");
    _cleanup_free_ char *host_before = read_trimmed("/proc/sys/kernel/hostname");
    _cleanup_free_ char *mq_before = read_trimmed("/proc/sys/fs/mqueue/msg_max");
    assert_non_null(shmmax_before);
    assert_non_null(host_before);
    assert_non_null(mq_before);
    assert_string_not_equal(shmmax_before, "123456789");
    assert_string_not_equal(host_before, "ojrun-sysctl-test");

    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        CHILD_CHECK(unshare(CLONE_NEWIPC | CLONE_NEWUTS) == 0, 2);
        struct cfg_holder h;
        make_cfg(&h, NS_IPC | NS_UTS, "kernel.shmmax", "123456789");
        h.kv[1] = (struct oj_kv){.key = "kernel.hostname", .value = "ojrun-sysctl-test"};
        h.kv[2] = (struct oj_kv){.key = "fs.mqueue.msg_max", .value = "17"};
        h.cfg.linux_.n_sysctl = 3;
        struct oj_err err;
        CHILD_CHECK(oj_sysctl_validate(&h.cfg, &err) == 0, 3);
        if (oj_sysctl_apply(&h.cfg, &err) < 0) {
            fprintf(stderr, "# child: %s\n", err.msg);
            _exit(4);
        }
        char *v = read_trimmed("/proc/sys/kernel/shmmax");
        CHILD_CHECK(v && strcmp(v, "123456789") == 0, 5);
        char hn[256] = "";
        CHILD_CHECK(gethostname(hn, sizeof(hn)) == 0 && strcmp(hn, "ojrun-sysctl-test") == 0, 6);
        v = read_trimmed("/proc/sys/fs/mqueue/msg_max");
        CHILD_CHECK(v && strcmp(v, "17") == 0, 7);

        /* the kernel's refusal of a bad value is reported */
        make_cfg(&h, NS_IPC, "kernel.shmmax", "not-a-number");
        CHILD_CHECK(oj_sysctl_apply(&h.cfg, &err) == -1, 8);
        CHILD_CHECK(strcmp(err.msg, "linux.sysctl: write \"not-a-number\" to "
                                    "/proc/sys/kernel/shmmax: Invalid argument") == 0,
                    9);
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);

    /* the host did not change */
    _cleanup_free_ char *shmmax_after = read_trimmed("/proc/sys/kernel/shmmax");
    _cleanup_free_ char *host_after = read_trimmed("/proc/sys/kernel/hostname");
    _cleanup_free_ char *mq_after = read_trimmed("/proc/sys/fs/mqueue/msg_max");
    assert_string_equal(shmmax_after, shmmax_before);
    assert_string_equal(host_after, host_before);
    assert_string_equal(mq_after, mq_before);
}

/* Errors that do not need a namespace: nothing gets written. */
static void test_apply_errors(void **state)
{
    struct cfg_holder h;
    struct oj_err err;
    make_cfg(&h, NS_IPC, "kernel.ojrun_does_not_exist", "1");
    assert_int_equal(oj_sysctl_apply(&h.cfg, &err), -1);
    assert_string_equal(err.msg, "linux.sysctl: open /proc/sys/kernel/ojrun_does_not_exist: No "
                                 "such file or directory");
    /* apply re-checks the key syntax (defence in depth) */
    make_cfg(&h, NS_NET, "net..core", "1");
    assert_int_equal(oj_sysctl_apply(&h.cfg, &err), -1);
    assert_string_equal(err.msg, INVALID("net..core"));
    make_cfg(&h, NS_NET, "net/../kernel/panic", "1");
    assert_int_equal(oj_sysctl_apply(&h.cfg, &err), -1);
    assert_string_equal(err.msg, INVALID("net/../kernel/panic"));
    /* nothing to do */
    struct oj_config empty = {0};
    assert_int_equal(oj_sysctl_apply(&empty, &err), 0);
}

int main(void)
{
    alarm(60);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate_table),  cmocka_unit_test(test_validate_misc),
        cmocka_unit_test(test_validate_joined), cmocka_unit_test(test_apply),
        cmocka_unit_test(test_apply_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
