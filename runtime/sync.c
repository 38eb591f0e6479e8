/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The parent <-> init channel: fixed-size messages over a SOCK_SEQPACKET
 * socketpair.  SEQPACKET keeps message boundaries and reports the peer's
 * death as EOF, so neither side can hang on a dead partner.  crun uses the
 * same idea; runc uses socketpairs too (SOCK_STREAM between its Go parent
 * and `runc init`, carrying JSON-encoded sync messages).
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "container.h"

int oj_sync_send(int fd, enum oj_sync_type type, int32_t code, const char *msg)
{
    struct oj_sync_msg m = {.type = type, .code = code};
    if (msg)
        strncpy(m.msg, msg, sizeof(m.msg) - 1);
    ssize_t n;
    do
        n = send(fd, &m, sizeof(m), MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n == (ssize_t)sizeof(m) ? 0 : -1;
}

int oj_sync_recv(int fd, struct oj_sync_msg *m, struct oj_err *err)
{
    ssize_t n;
    do
        n = recv(fd, m, sizeof(*m), 0);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return oj_fail(err, errno, "read from the container init");
    if (n == 0)
        return oj_fail(err, 0, "the container init exited unexpectedly");
    if (n != (ssize_t)sizeof(*m))
        return oj_fail(err, 0, "short message from the container init");
    m->msg[sizeof(m->msg) - 1] = '\0';
    return 0;
}

int oj_sync_recv_timeout(int fd, struct oj_sync_msg *m, int timeout_ms, struct oj_err *err)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int r;
    do
        r = poll(&pfd, 1, timeout_ms);
    while (r < 0 && errno == EINTR);
    if (r < 0)
        return oj_fail(err, errno, "wait for the container init");
    if (r == 0)
        return oj_fail(err, ETIMEDOUT, "no message from the container init for %d ms", timeout_ms);
    return oj_sync_recv(fd, m, err);
}

int oj_sync_expect(int fd, enum oj_sync_type type, struct oj_err *err)
{
    struct oj_sync_msg m;
    if (oj_sync_recv(fd, &m, err) < 0)
        return -1;
    if (m.type == OJ_SYNC_ERROR) {
        if (err) {
            err->code = m.code;
            memcpy(err->msg, m.msg, sizeof(err->msg));
        }
        return -1;
    }
    if (m.type != (uint32_t)type)
        return oj_fail(err, 0, "unexpected message %u from the container init (wanted %u)",
                       m.type, (unsigned)type);
    return 0;
}
