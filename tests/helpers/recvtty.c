/* SPDX-License-Identifier: Apache-2.0 */
/*
 * recvtty SOCKET [INPUT]: the receiving end of runc's --console-socket
 * protocol, for tests.  Listens on the unix socket SOCKET, accepts one
 * connection, receives the pty master (SCM_RIGHTS), writes INPUT to it (if
 * given), and copies everything the container prints to stdout until the
 * slave side is closed (read() fails with EIO).  Prints the name sent along
 * with the fd on stderr as "name: ...".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: recvtty SOCKET [INPUT]\n");
        return 2;
    }
    int ls = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
    unlink(argv[1]);
    if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(ls, 1) < 0) {
        perror("recvtty: listen");
        return 1;
    }
    /* tell the test we are ready */
    fprintf(stderr, "listening\n");
    int c = accept(ls, NULL, NULL);
    if (c < 0) {
        perror("recvtty: accept");
        return 1;
    }
    char name[256] = "";
    char cbuf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {.iov_base = name, .iov_len = sizeof(name) - 1};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                        .msg_controllen = sizeof(cbuf)};
    ssize_t n = recvmsg(c, &mh, 0);
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    if (n < 0 || !cm || cm->cmsg_type != SCM_RIGHTS) {
        fprintf(stderr, "recvtty: no fd received\n");
        return 1;
    }
    int master;
    memcpy(&master, CMSG_DATA(cm), sizeof(int));
    fprintf(stderr, "name: %s\n", name);
    if (argc > 2 && write(master, argv[2], strlen(argv[2])) < 0)
        perror("recvtty: write");
    char buf[4096];
    for (;;) {
        struct pollfd p = {.fd = master, .events = POLLIN};
        int r = poll(&p, 1, 20000);
        if (r <= 0)
            break;
        n = read(master, buf, sizeof(buf));
        if (n <= 0)
            break; /* EIO: every slave fd closed */
        fwrite(buf, 1, (size_t)n, stdout);
        fflush(stdout);
    }
    return 0;
}
