/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for runtime/netlink.c, each in a forked child with a network
 * namespace of its own (unshare(CLONE_NEWNET)), so the host is untouched and
 * nothing is left behind: the namespace dies with the child.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netlink.h"

/* The child reports failures as distinct exit codes plus a "# ..." line
 * (TAP comment) on stderr. */
#define CHILD_CHECK(cond, code)                                                                    \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "# child: %s failed (%s)\n", #cond, strerror(errno));                  \
            _exit(code);                                                                           \
        }                                                                                          \
    } while (0)

static int run_child(void (*fn)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        fn();
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

/* IFF_UP of `lo` via SIOCGIFFLAGS (netdevice(7)); -1 on error. */
static int lo_is_up(void)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -1;
    struct ifreq ifr = {0};
    strcpy(ifr.ifr_name, "lo");
    int r = ioctl(s, SIOCGIFFLAGS, &ifr);
    close(s);
    if (r < 0)
        return -1;
    return (ifr.ifr_flags & IFF_UP) != 0;
}

/* Connect a TCP socket to a listener on 127.0.0.1 and pass a byte. 0 = ok,
 * else the errno of the step that failed. */
static int tcp_loopback_roundtrip(void)
{
    int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (l < 0)
        return errno;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof(a);
    if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1) < 0 ||
        getsockname(l, (struct sockaddr *)&a, &alen) < 0)
        return errno;
    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c < 0)
        return errno;
    if (connect(c, (struct sockaddr *)&a, sizeof(a)) < 0)
        return errno;
    int s = accept(l, NULL, NULL);
    if (s < 0)
        return errno;
    char ch = 'x', got = 0;
    if (write(c, &ch, 1) != 1 || read(s, &got, 1) != 1)
        return errno ? errno : EIO;
    close(s);
    close(c);
    close(l);
    return got == 'x' ? 0 : EIO;
}

static void child_lo_up(void)
{
    CHILD_CHECK(unshare(CLONE_NEWNET) == 0, 2);
    CHILD_CHECK(lo_is_up() == 0, 3);               /* a new netns starts with lo down ... */
    CHILD_CHECK(tcp_loopback_roundtrip() != 0, 4); /* ... and 127.0.0.1 unusable */
    struct oj_err err;
    if (oj_netlink_lo_up(&err) < 0) {
        fprintf(stderr, "# child: oj_netlink_lo_up: %s\n", err.msg);
        _exit(5);
    }
    CHILD_CHECK(lo_is_up() == 1, 6);
    int e = tcp_loopback_roundtrip();
    errno = e;
    CHILD_CHECK(e == 0, 7);
    /* setting an up interface up again is fine */
    CHILD_CHECK(oj_netlink_lo_up(&err) == 0, 8);
    CHILD_CHECK(lo_is_up() == 1, 9);
}

static void test_lo_up(void **state)
{
    int host_before = lo_is_up();
    assert_int_equal(run_child(child_lo_up), 0);
    assert_int_equal(lo_is_up(), host_before);
}

/* Without CAP_NET_ADMIN the kernel refuses; the ack's error is reported. */
static void child_lo_up_eperm(void)
{
    CHILD_CHECK(unshare(CLONE_NEWNET) == 0, 2);
    cap_t caps = cap_get_proc();
    CHILD_CHECK(caps != NULL, 3);
    cap_value_t net_admin = CAP_NET_ADMIN;
    CHILD_CHECK(cap_set_flag(caps, CAP_EFFECTIVE, 1, &net_admin, CAP_CLEAR) == 0, 4);
    CHILD_CHECK(cap_set_proc(caps) == 0, 5);
    cap_free(caps);

    struct oj_err err;
    oj_err_clear(&err);
    CHILD_CHECK(oj_netlink_lo_up(&err) == -1, 6);
    if (err.code != EPERM || strcmp(err.msg, "bring up lo: Operation not permitted") != 0) {
        fprintf(stderr, "# child: unexpected error %d: %s\n", err.code, err.msg);
        _exit(7);
    }
    CHILD_CHECK(lo_is_up() == 0, 8);
}

static void test_lo_up_eperm(void **state)
{
    assert_int_equal(run_child(child_lo_up_eperm), 0);
}

int main(void)
{
    alarm(60);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lo_up),
        cmocka_unit_test(test_lo_up_eperm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
