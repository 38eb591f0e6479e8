/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Handing the seccomp listener fd to the agent at linux.seccomp.listenerPath
 * (config-linux.md "Seccomp" listenerPath and "The Container Process State").
 *
 * Protocol, as the spec fixes it: one AF_UNIX SOCK_STREAM connection per
 * container process; the runtime writes the container process state as JSON
 * and passes the listener fd with SCM_RIGHTS.  Several sendmsg(2) calls are
 * allowed, but the fds only travel with the first one; the runtime then
 * closes the connection (that EOF is how the agent knows the JSON is whole).
 */
#include "oj_seccomp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "strbuf.h"
#include "version.h"

int oj_seccomp_agent_connect(const char *listener_path, struct oj_err *err)
{
    /* The errors in runc's words (libcontainer/seccomp, "listenerPath is
     * not set", "failed to connect with seccomp agent ..."): scripts and
     * people match on them. */
    if (!listener_path || !*listener_path)
        return oj_fail(err, 0,
                       "listenerPath is not set (linux.seccomp has an SCMP_ACT_NOTIFY rule, "
                       "whose listener goes to the agent there)");
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(listener_path) >= sizeof(sa.sun_path))
        return oj_fail(err, ENAMETOOLONG, "linux.seccomp.listenerPath %s: longer than %zu bytes",
                       listener_path, sizeof(sa.sun_path) - 1);
    memcpy(sa.sun_path, listener_path, strlen(listener_path) + 1);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return oj_fail(err, errno, "send the seccomp listener: socket");
    if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        oj_fail(err, errno,
                "failed to connect with seccomp agent specified in the seccomp profile "
                "(linux.seccomp.listenerPath): dial unix %s",
                listener_path);
        close(s);
        return -1;
    }
    return s;
}

int oj_seccomp_send_listener(const char *listener_path, int listener_fd, pid_t pid,
                             const char *state_json, const char *metadata, struct oj_err *err)
{
    _cleanup_close_ int s = oj_seccomp_agent_connect(listener_path, err);
    if (s < 0)
        return -1;
    return oj_seccomp_send_listener_sock(s, listener_path, listener_fd, pid, state_json,
                                         metadata, err);
}

int oj_seccomp_send_listener_sock(int s, const char *listener_path, int listener_fd, pid_t pid,
                                  const char *state_json, const char *metadata,
                                  struct oj_err *err)
{
    if (listener_fd < 0 || !state_json)
        return oj_fail(err, EINVAL, "send the seccomp listener to %s: no fd or no state",
                       listener_path);

    struct jw w;
    jw_init(&w, false);
    jw_obj_begin(&w);
    jw_kstr(&w, "ociVersion", OJRUN_OCI_SPEC_VERSION);
    jw_key(&w, "fds");
    jw_arr_begin(&w);
    jw_str(&w, "seccompFd");
    jw_arr_end(&w);
    jw_kint(&w, "pid", pid);
    if (metadata)
        jw_kstr(&w, "metadata", metadata);
    jw_key(&w, "state");
    jw_raw(&w, state_json);
    jw_obj_end(&w);
    if (jw_check(&w, "seccomp listener message", err) < 0) {
        sb_free(&w.sb);
        return oj_wrap(err, "send the seccomp listener to %s", listener_path);
    }

    int rc = 0;

    const char *p = sb_str(&w.sb);
    size_t left = w.sb.len;
    bool first = true;
    while (left > 0) {
        struct iovec iov = {.iov_base = (void *)p, .iov_len = left};
        union {
            char buf[CMSG_SPACE(sizeof(int))];
            struct cmsghdr align;
        } ctl;
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
        if (first) {
            memset(&ctl, 0, sizeof(ctl));
            m.msg_control = ctl.buf;
            m.msg_controllen = sizeof(ctl.buf);
            struct cmsghdr *c = CMSG_FIRSTHDR(&m);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(sizeof(int));
            memcpy(CMSG_DATA(c), &listener_fd, sizeof(int));
        }
        ssize_t n = sendmsg(s, &m, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = oj_fail(err, errno, "send the container process state to the seccomp agent at %s",
                         listener_path);
            goto out;
        }
        first = false;
        p += n;
        left -= (size_t)n;
    }
    oj_debug("seccomp: listener fd sent to %s (%zu bytes of state)", listener_path, w.sb.len);
out:
    sb_free(&w.sb);
    return rc;
}
