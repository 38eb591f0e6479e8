/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for runtime/console.c: a real pty from /dev/ptmx sent over a
 * real unix socket, and made the controlling terminal of a forked child.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "console.h"

static char tmpdir[PATH_MAX];
static char sock_path[PATH_MAX];

static int setup(void **state)
{
    strcpy(tmpdir, "/tmp/ojrun-test-console.XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    snprintf(sock_path, sizeof(sock_path), "%s/console.sock", tmpdir);
    return 0;
}

static int teardown(void **state)
{
    unlink(sock_path);
    return rmdir(tmpdir);
}

static int listen_unix(const char *path)
{
    int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(l >= 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path, path);
    assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(l, 1), 0);
    return l;
}

/* Read from fd until `want` has been seen (or 5 s pass); returns what was
 * read, NUL-terminated, in buf. */
static bool read_until(int fd, const char *want, char *buf, size_t len)
{
    size_t got = 0;
    buf[0] = '\0';
    while (got + 1 < len) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 5000) <= 0)
            return false;
        ssize_t r = read(fd, buf + got, len - 1 - got);
        if (r <= 0)
            return false;
        got += (size_t)r;
        buf[got] = '\0';
        if (strstr(buf, want))
            return true;
    }
    return false;
}

static unsigned pty_number(int fd)
{
    unsigned n = 0;
    assert_int_equal(ioctl(fd, TIOCGPTN, &n), 0);
    return n;
}

/* The pty's master travels over the console socket and still talks to the
 * slave we kept. */
static void test_open_send_recv(void **state)
{
    struct oj_err err;
    int m, s;
    if (oj_console_open(&m, &s, &err) < 0)
        fail_msg("%s", err.msg);
    assert_true(isatty(m));
    assert_true(isatty(s));
    assert_true(fcntl(m, F_GETFD) & FD_CLOEXEC);
    assert_true(fcntl(s, F_GETFD) & FD_CLOEXEC);

    _cleanup_close_ int l = listen_unix(sock_path);
    /* connect() completes against the listen backlog: no thread needed */
    if (oj_console_send(sock_path, m, &err) < 0)
        fail_msg("%s", err.msg);
    _cleanup_close_ int conn = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    assert_true(conn >= 0);
    int rm = -1;
    char name[64];
    if (oj_recv_fd(conn, &rm, name, sizeof(name), &err) < 0)
        fail_msg("%s", err.msg);
    assert_string_equal(name, OJ_CONSOLE_PTMX);
    assert_true(fcntl(rm, F_GETFD) & FD_CLOEXEC);
    assert_int_equal(pty_number(rm), pty_number(m)); /* the same terminal */
    close(m);                                        /* only the received copy is left */

    /* slave -> master: the line discipline's ONLCR turns \n into \r\n */
    char buf[256];
    assert_int_equal(write(s, "hello\n", 6), 6);
    assert_true(read_until(rm, "hello\r\n", buf, sizeof(buf)));
    /* master -> slave (canonical mode: a line at a time) */
    assert_int_equal(write(rm, "ping\n", 5), 5);
    assert_true(read_until(s, "ping\n", buf, sizeof(buf)));

    close(rm);
    close(s);
}

/* In a forked child: make `s` the controlling terminal and check the result
 * from the inside; exit status 0 = all good.  With slave_on_fd0, the slave is
 * first moved to fd 0 with O_CLOEXEC set (the dup2(fd, fd) corner). */
static _Noreturn void controlling_child(int m, int s, const struct oj_process *p, bool slave_on_fd0)
{
    struct oj_err err;
    close(m);
    if (slave_on_fd0) {
        close(0);
        if (fcntl(s, F_DUPFD_CLOEXEC, 0) != 0)
            _exit(8);
        close(s);
        s = 0;
    }
    if (oj_console_make_controlling(s, p, &err) < 0) {
        dprintf(2, "# child: %s\n", err.msg); /* fd 2 may already be the pty */
        _exit(2);
    }
    struct winsize ws;
    if (!isatty(0) || !isatty(1) || !isatty(2))
        _exit(3);
    if (getsid(0) != getpid() || tcgetsid(0) != getpid())
        _exit(4); /* session leader, and this is its controlling terminal */
    if (ioctl(0, TIOCGWINSZ, &ws) < 0 || ws.ws_row != 40 || ws.ws_col != 120)
        _exit(5);
    int tty = open("/dev/tty", O_RDWR | O_CLOEXEC); /* only with a ctty */
    if (tty < 0)
        _exit(6);
    /* the stdio fds must survive execve */
    for (int fd = 0; fd <= 2; fd++)
        if (fcntl(fd, F_GETFD) & FD_CLOEXEC)
            _exit(7);
    dprintf(1, "child-ok\n");
    _exit(0);
}

/* consoleSize, setsid + TIOCSCTTY + stdio, checked from inside a child. */
static void run_make_controlling(bool slave_on_fd0)
{
    struct oj_err err;
    int m, s;
    if (oj_console_open(&m, &s, &err) < 0)
        fail_msg("%s", err.msg);

    struct oj_process p = {.terminal = true};
    p.console_size.set = true;
    p.console_size.height = 40;
    p.console_size.width = 120;

    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        controlling_child(m, s, &p, slave_on_fd0);
    char buf[512];
    bool seen = read_until(m, "child-ok", buf, sizeof(buf));
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_true(seen);
    struct winsize ws;
    assert_int_equal(ioctl(m, TIOCGWINSZ, &ws), 0);
    assert_int_equal(ws.ws_row, 40);
    assert_int_equal(ws.ws_col, 120);

    /* a process-group leader cannot setsid(): reported, not ignored */
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (setpgid(0, 0) < 0)
            _exit(2);
        int r = oj_console_make_controlling(s, &p, &err);
        _exit(r == -1 && err.code == EPERM &&
                      strcmp(err.msg, "setsid: Operation not permitted") == 0
                  ? 0
                  : 3);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    close(m);
    close(s);
}

static void test_make_controlling(void **state)
{
    run_make_controlling(false);
}

static void test_make_controlling_slave_is_stdin(void **state)
{
    run_make_controlling(true);
}

static void test_resize_and_name(void **state)
{
    struct oj_err err;
    int m, s;
    assert_int_equal(oj_console_open(&m, &s, &err), 0);
    assert_int_equal(oj_console_resize(m, 25, 80, &err), 0);
    struct winsize ws;
    assert_int_equal(ioctl(s, TIOCGWINSZ, &ws), 0);
    assert_int_equal(ws.ws_row, 25);
    assert_int_equal(ws.ws_col, 80);
    assert_int_equal(oj_console_resize(m, 70000, 80, &err), -1);
    assert_int_equal(err.code, EINVAL);

    char name[64];
    assert_int_equal(oj_console_name(m, name, sizeof(name), &err), 0);
    assert_true(strncmp(name, "/dev/pts/", 9) == 0);
    struct stat a, b;
    assert_int_equal(stat(name, &a), 0);
    assert_int_equal(fstat(s, &b), 0);
    assert_int_equal(a.st_rdev, b.st_rdev);
    close(m);
    close(s);
}

/* oj_send_fd / oj_recv_fd with other fds and payloads, over a socketpair. */
static void test_send_recv_fd(void **state)
{
    struct oj_err err;
    int sp[2], pp[2];
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
    assert_int_equal(pipe2(pp, O_CLOEXEC), 0);

    assert_int_equal(oj_send_fd(sp[0], pp[1], "my-pipe", &err), 0);
    int got = -1;
    char name[64];
    assert_int_equal(oj_recv_fd(sp[1], &got, name, sizeof(name), &err), 0);
    assert_string_equal(name, "my-pipe");
    assert_true(got >= 0 && got != pp[1]);
    assert_int_equal(write(got, "z", 1), 1);
    char c = 0;
    assert_int_equal(read(pp[0], &c, 1), 1);
    assert_int_equal(c, 'z');
    close(got);

    /* no name; a NULL name buffer; a name buffer too small (truncated) */
    assert_int_equal(oj_send_fd(sp[0], pp[1], NULL, &err), 0);
    assert_int_equal(oj_recv_fd(sp[1], &got, name, sizeof(name), &err), 0);
    assert_string_equal(name, "");
    close(got);
    assert_int_equal(oj_send_fd(sp[0], pp[1], "abc", &err), 0);
    assert_int_equal(oj_recv_fd(sp[1], &got, NULL, 0, &err), 0);
    close(got);
    assert_int_equal(oj_send_fd(sp[0], pp[1], "xy", &err), 0);
    char small[2] = {'?', '?'};
    assert_int_equal(oj_recv_fd(sp[1], &got, small, sizeof(small), &err), 0);
    assert_string_equal(small, "x");
    close(got);
    char rest;
    assert_int_equal(read(sp[1], &rest, 1), 1); /* the unread byte of the name */
    assert_int_equal(rest, 'y');

    /* data without an fd is refused */
    assert_int_equal(write(sp[0], "plain", 5), 5);
    got = -1;
    assert_int_equal(oj_recv_fd(sp[1], &got, name, sizeof(name), &err), -1);
    assert_int_equal(got, -1);
    assert_string_equal(err.msg, "receive fd: expected 1 file descriptor, got 0: Bad message");

    /* too long a name is refused before sending anything */
    char *longname = malloc(OJ_SENDFD_NAME_MAX + 1);
    assert_non_null(longname);
    memset(longname, 'n', OJ_SENDFD_NAME_MAX);
    longname[OJ_SENDFD_NAME_MAX] = '\0';
    assert_int_equal(oj_send_fd(sp[0], pp[1], longname, &err), -1);
    assert_int_equal(err.code, ENAMETOOLONG);
    free(longname);

    /* the peer closes without sending */
    close(sp[0]);
    assert_int_equal(oj_recv_fd(sp[1], &got, name, sizeof(name), &err), -1);
    assert_string_equal(err.msg, "receive fd: connection closed before an fd was sent");
    close(sp[1]);
    /* and sending to a closed peer is EPIPE, not a SIGPIPE that kills us */
    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
    close(sp[1]);
    int lonely = sp[0];
    assert_int_equal(oj_send_fd(lonely, pp[1], "x", &err), -1);
    assert_int_equal(err.code, EPIPE);
    close(lonely);
    close(pp[0]);
    close(pp[1]);
}

static void test_send_errors(void **state)
{
    struct oj_err err;
    int m, s;
    assert_int_equal(oj_console_open(&m, &s, &err), 0);
    assert_int_equal(oj_console_send("/nonexistent/ojrun/console.sock", m, &err), -1);
    assert_string_equal(err.msg, "connect to console socket /nonexistent/ojrun/console.sock: No "
                                 "such file or directory");
    char longp[200];
    memset(longp, 'a', sizeof(longp) - 1);
    longp[0] = '/';
    longp[sizeof(longp) - 1] = '\0';
    assert_int_equal(oj_console_send(longp, m, &err), -1);
    assert_int_equal(err.code, ENAMETOOLONG);
    /* nobody listening (a socket file whose listener is gone) */
    int l = listen_unix(sock_path);
    close(l);
    assert_int_equal(oj_console_send(sock_path, m, &err), -1);
    assert_int_equal(err.code, ECONNREFUSED);
    close(m);
    close(s);
}

int main(void)
{
    alarm(60);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_send_recv, setup, teardown),
        cmocka_unit_test(test_make_controlling),
        cmocka_unit_test(test_make_controlling_slave_is_stdin),
        cmocka_unit_test(test_resize_and_name),
        cmocka_unit_test(test_send_recv_fd),
        cmocka_unit_test_setup_teardown(test_send_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
