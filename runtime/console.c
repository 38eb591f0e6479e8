/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pseudo-terminals for process.terminal, and fd passing over unix sockets
 * (unix(7) "Ancillary messages", cmsg(3), pty(7), ioctl_tty(2)).
 */
#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"

int oj_console_open(int *master, int *slave, struct oj_err *err)
{
    /* O_NOCTTY: a session leader without a controlling terminal would
     * otherwise acquire this one just by opening it. */
    _cleanup_close_ int m = open(OJ_CONSOLE_PTMX, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0)
        return oj_fail(err, errno, "open %s", OJ_CONSOLE_PTMX);
    /* unlockpt(3): a new slave is locked until its master says otherwise. */
    int unlock = 0;
    if (ioctl(m, TIOCSPTLCK, &unlock) < 0)
        return oj_fail(err, errno, "unlock pty (TIOCSPTLCK)");

    int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s < 0 && (errno == EINVAL || errno == ENOTTY)) {
        /* TIOCGPTPEER is Linux 4.13+; go through the slave's name. */
        char name[64];
        if (ptsname_r(m, name, sizeof(name)) != 0)
            return oj_fail(err, errno, "get pty name (ptsname)");
        s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (s < 0)
            return oj_fail(err, errno, "open pty slave %s", name);
    } else if (s < 0) {
        return oj_fail(err, errno, "open pty slave (TIOCGPTPEER)");
    }
    *slave = s;
    *master = oj_steal_fd(&m);
    return 0;
}

int oj_console_name(int master, char *buf, size_t len, struct oj_err *err)
{
    int e = ptsname_r(master, buf, len);
    if (e != 0)
        return oj_fail(err, e, "get pty name (ptsname)");
    return 0;
}

int oj_console_connect(const char *socket_path, struct oj_err *err)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    /* A path name only: runc's docs note abstract sockets cannot be given on
     * a command line, and neither can we take one here. */
    if (!socket_path || !socket_path[0])
        return oj_fail(err, EINVAL, "connect to console socket: empty path");
    if (strlen(socket_path) >= sizeof(addr.sun_path))
        return oj_fail(err, ENAMETOOLONG, "connect to console socket %s", socket_path);
    strcpy(addr.sun_path, socket_path);

    _cleanup_close_ int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return oj_fail(err, errno, "create socket for console socket %s", socket_path);
    if (connect(s, (struct sockaddr *)&addr, sizeof(addr)) < 0)
        return oj_fail(err, errno, "connect to console socket %s", socket_path);
    return oj_steal_fd(&s);
}

int oj_console_send(const char *socket_path, int master, struct oj_err *err)
{
    _cleanup_close_ int s = oj_console_connect(socket_path, err);
    if (s < 0)
        return -1;
    if (oj_send_fd(s, master, OJ_CONSOLE_PTMX, err) < 0)
        return oj_wrap(err, "send console to %s", socket_path);
    return 0;
}

int oj_console_resize(int fd, unsigned height, unsigned width, struct oj_err *err)
{
    if (height > 0xffff || width > 0xffff)
        return oj_fail(err, EINVAL, "console size %ux%u: larger than 65535", height, width);
    struct winsize ws = {.ws_row = (unsigned short)height, .ws_col = (unsigned short)width};
    if (ioctl(fd, TIOCSWINSZ, &ws) < 0)
        return oj_fail(err, errno, "set console size to %ux%u (TIOCSWINSZ)", height, width);
    return 0;
}

int oj_console_make_controlling(int slave, const struct oj_process *p, struct oj_err *err)
{
    /* A terminal can only be the controlling terminal of a session leader
     * (credentials(7), ioctl_tty(2) TIOCSCTTY). */
    if (setsid() < 0)
        return oj_fail(err, errno, "setsid");
    if (ioctl(slave, TIOCSCTTY, 0) < 0)
        return oj_fail(err, errno, "make the console the controlling terminal (TIOCSCTTY)");
    /* config.md: "consoleSize ... specifies the console size in characters
     * of the terminal". */
    if (p && p->console_size.set &&
        oj_console_resize(slave, p->console_size.height, p->console_size.width, err) < 0)
        return -1;
    /* From here our stderr is the container's terminal: our own records
     * (warnings before execve) keep going to the runtime's stderr. */
    oj_log_keep_stderr();
    for (int fd = 0; fd <= 2; fd++) {
        if (fd == slave) {
            /* dup2(fd, fd) is a no-op and would leave O_CLOEXEC set: the
             * process would lose this stdio fd at execve. */
            int flags = fcntl(fd, F_GETFD);
            if (flags < 0 || fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0)
                return oj_fail(err, errno, "clear close-on-exec on console fd %d", fd);
        } else if (dup2(slave, fd) < 0) {
            return oj_fail(err, errno, "dup console onto fd %d", fd);
        }
    }
    return 0;
}

int oj_send_fd(int sock, int fd, const char *name, struct oj_err *err)
{
    /* Stream sockets carry ancillary data only along with at least one byte
     * of real data, so an empty name is sent as a single NUL. */
    const char *payload = (name && name[0]) ? name : "";
    size_t len = (name && name[0]) ? strlen(name) : 1;
    if (len >= OJ_SENDFD_NAME_MAX)
        return oj_fail(err, ENAMETOOLONG, "send fd: name longer than %d bytes",
                       OJ_SENDFD_NAME_MAX - 1);

    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof(u));
    struct iovec iov = {.iov_base = (void *)payload, .iov_len = len};
    struct msghdr msg = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = u.buf,
        .msg_controllen = sizeof(u.buf),
    };
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));

    /* MSG_NOSIGNAL: a receiver that went away is an EPIPE error, not a
     * SIGPIPE that kills us. */
    ssize_t n;
    do
        n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return oj_fail(err, errno, "send fd %d over socket", fd);
    /* The fd went with the first byte; a short write leaves only name bytes. */
    size_t sent = (size_t)n;
    while (sent < len) {
        n = send(sock, payload + sent, len - sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return oj_fail(err, errno, "send fd name over socket");
        sent += (size_t)n;
    }
    return 0;
}

int oj_recv_fd(int sock, int *fd, char *name, size_t name_len, struct oj_err *err)
{
    char scratch[OJ_SENDFD_NAME_MAX];
    char *buf = (name && name_len > 1) ? name : scratch;
    size_t cap = (name && name_len > 1) ? name_len : sizeof(scratch);

    /* Room for a few fds, so that a sender passing several is detected (the
     * kernel discards, i.e. closes, fds that do not fit, setting MSG_CTRUNC). */
    union {
        char buf[CMSG_SPACE(sizeof(int) * 8)];
        struct cmsghdr align;
    } u;
    memset(&u, 0, sizeof(u));
    struct iovec iov = {.iov_base = buf, .iov_len = cap - 1};
    struct msghdr msg = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = u.buf,
        .msg_controllen = sizeof(u.buf),
    };
    ssize_t n;
    do
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return oj_fail(err, errno, "receive fd");

    int fds[8], nfds = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < k && nfds < 8; i++)
            memcpy(&fds[nfds++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
    }
    if (nfds != 1 || (msg.msg_flags & MSG_CTRUNC)) {
        for (int i = 0; i < nfds; i++)
            close(fds[i]);
        if (n == 0 && nfds == 0)
            return oj_fail(err, 0, "receive fd: connection closed before an fd was sent");
        if (msg.msg_flags & MSG_CTRUNC)
            return oj_fail(err, EMSGSIZE, "receive fd: control data truncated");
        return oj_fail(err, EBADMSG, "receive fd: expected 1 file descriptor, got %d", nfds);
    }
    buf[n] = '\0';
    if (name && name_len == 1)
        name[0] = '\0';
    *fd = fds[0];
    return 0;
}
