/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container console (process.terminal = true) and runc's console-socket
 * protocol (runc docs/terminals.md, "Detached New Terminal").
 *
 * With process.terminal the container process gets a new pseudo-terminal as
 * its stdio, allocated from the *container's* devpts (after pivot_root,
 * /dev/ptmx -> pts/ptmx).  The master end leaves the container: the runtime
 * connects to the unix SOCK_STREAM socket given by --console-socket and
 * sends the master fd with SCM_RIGHTS; the caller (containerd, a shim, a
 * test) then owns the terminal.  The sequence in the init is:
 *
 *   oj_console_open(&master, &slave)     after pivot_root
 *   (bind-mount oj_console_name(master) on /dev/console: rootfs' job)
 *   oj_send_fd(sock, master, OJ_CONSOLE_PTMX); close(master)
 *   oj_console_make_controlling(slave, process)
 *
 * The socket is usually connected by the runtime before the container's
 * mount namespace hides the path (oj_console_connect) and handed to the init
 * as an fd; oj_console_send does connect + send in one go.
 */
#ifndef OJRUN_CONSOLE_H
#define OJRUN_CONSOLE_H

#include <stddef.h>

#include "config.h"
#include "error.h"

/* The payload sent along with the master fd.  runc sends the master's
 * os.File name, which is the path it opened: "/dev/ptmx" (see runc's
 * libcontainer/utils SendFile and containerd/console's openpt). */
#define OJ_CONSOLE_PTMX "/dev/ptmx"

/* Longest name oj_send_fd accepts / oj_recv_fd can return (runc's
 * MaxNameLen, including the NUL). */
#define OJ_SENDFD_NAME_MAX 4096

/* Open a new pty pair from /dev/ptmx.  Both fds are O_CLOEXEC and O_NOCTTY
 * (opening must not make it our controlling terminal by accident).  The
 * slave is opened with ioctl(TIOCGPTPEER), which opens the peer of *this*
 * master whatever is mounted on /dev/pts (a container could otherwise race
 * us by replacing /dev/pts/N); kernels before 4.13 fall back to ptsname +
 * open. */
int oj_console_open(int *master, int *slave, struct oj_err *err);

/* The slave's path ("/dev/pts/3") for a master fd, in the devpts instance
 * the master belongs to; `len` >= 32 is plenty. */
int oj_console_name(int master, char *buf, size_t len, struct oj_err *err);

/* Connect to the console socket; returns an O_CLOEXEC fd or -1. */
int oj_console_connect(const char *socket_path, struct oj_err *err);

/* Connect to `socket_path` and send `master` with OJ_CONSOLE_PTMX as the
 * payload.  The caller still owns (and should then close) `master`. */
int oj_console_send(const char *socket_path, int master, struct oj_err *err);

/* Make `slave` the controlling terminal and the stdio of the calling
 * process: setsid() (the caller must not be a process-group leader, as a
 * freshly cloned init is not), ioctl(TIOCSCTTY), dup2 onto 0, 1 and 2, and
 * process.consoleSize applied with TIOCSWINSZ when set (`p` may be NULL).
 * `slave` itself stays open: close it when it is > 2. */
int oj_console_make_controlling(int slave, const struct oj_process *p, struct oj_err *err);

/* Set a terminal's window size (TIOCSWINSZ); works on master or slave. */
int oj_console_resize(int fd, unsigned height, unsigned width, struct oj_err *err);

/* Send one fd over a connected unix socket with SCM_RIGHTS; `name` (may be
 * NULL or "") is sent as the message's data, like runc's utils.SendFile. */
int oj_send_fd(int sock, int fd, const char *name, struct oj_err *err);

/* Receive one fd sent by oj_send_fd (or runc, or crun): *fd gets it
 * (O_CLOEXEC), `name` (may be NULL) gets the payload, NUL-terminated and
 * truncated to `name_len`.  A message without exactly one fd is an error
 * (and any fds it carried are closed). */
int oj_recv_fd(int sock, int *fd, char *name, size_t name_len, struct oj_err *err);

#endif
