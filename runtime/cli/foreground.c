/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Staying in the foreground with a process (foreground.h): `run` and
 * `exec` without --detach.
 *
 * Why the relay is the command's and not the library's: the library hands
 * the pty master to its caller (ojrun_create_options.console_master), and
 * what to do with it -- which terminal to put in raw mode, what to copy
 * where, when to stop -- is the caller's policy.  A judge worker would put
 * the master in its own event loop; `ojrun` copies it to its own stdio, as
 * runc does (runc's tty.go: recvtty, copyIO, resize; signals.go: forward).
 *
 * The loop waits on a signalfd for the forwarded signals and SIGCHLD (the
 * caller blocked them before the process existed, so none is lost), and,
 * with a terminal, on our stdin and on the master:
 *
 *   stdin  -> master   until stdin ends (no EOF is sent on: runc neither)
 *   master -> stdout   until the pty's last slave is closed (EIO)
 *   SIGWINCH           the host terminal's size onto the pty (the kernel
 *                      then signals the pty's foreground process group)
 *   other signals      forwarded to the process
 *   SIGCHLD            reap; once the process is gone, drain the master
 */
#include "foreground.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "util.h"

/* What a terminal or a supervisor may send us that belongs to the process. */
static const int forwarded[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH};

void oj_fg_signal_set(sigset_t *set)
{
    sigemptyset(set);
    for (size_t i = 0; i < OJ_ARRAY_SIZE(forwarded); i++)
        sigaddset(set, forwarded[i]);
    sigaddset(set, SIGCHLD);
}

void oj_fg_init(struct oj_fg *fg)
{
    *fg = (struct oj_fg){.master = -1, .host = -1};
}

void oj_fg_find_host(struct oj_fg *fg)
{
    /* As runc's initHostConsole: any of our stdio that is a terminal (they
     * usually all are the same one), else the controlling terminal. */
    const int fds[] = {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO};
    for (size_t i = 0; i < OJ_ARRAY_SIZE(fds); i++) {
        if (isatty(fds[i])) {
            fg->host = fds[i];
            break;
        }
    }
    if (fg->host < 0) {
        /* No terminal at all (a pipe, a CI job): runc fails here ("open
         * /dev/tty: no such device or address"); we relay without one. */
        int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
        if (fd >= 0) {
            fg->host = fd;
            fg->host_owned = true;
        }
    }
    struct winsize ws;
    if (fg->host >= 0 && ioctl(fg->host, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
        fg->rows = ws.ws_row;
        fg->cols = ws.ws_col;
    }
}

int oj_fg_raw(struct oj_fg *fg)
{
    if (fg->host < 0 || fg->master < 0)
        return 0;
    if (tcgetattr(fg->host, &fg->saved) < 0) {
        oj_error("get the terminal's attributes (tcgetattr): %m");
        return -1;
    }
    /* termios(3) "Raw mode": the keys, ^C included, go to the container's
     * terminal, whose line discipline acts on them. */
    struct termios raw = fg->saved;
    cfmakeraw(&raw);
    if (tcsetattr(fg->host, TCSANOW, &raw) < 0) {
        oj_error("set the terminal to raw mode (tcsetattr): %m");
        return -1;
    }
    fg->raw = true;
    return 0;
}

void oj_fg_release(struct oj_fg *fg)
{
    if (fg->raw && tcsetattr(fg->host, TCSANOW, &fg->saved) < 0)
        oj_warn("restore the terminal's attributes (tcsetattr): %m");
    fg->raw = false;
    if (fg->host_owned)
        close(fg->host);
    fg->host = -1;
    fg->host_owned = false;
    if (fg->master >= 0)
        close(fg->master);
    fg->master = -1;
}

static void resize(struct oj_fg *fg)
{
    struct winsize ws;
    if (fg->host >= 0 && fg->master >= 0 && ioctl(fg->host, TIOCGWINSZ, &ws) == 0)
        (void)ioctl(fg->master, TIOCSWINSZ, &ws);
}

/* The relay's state between polls. */
struct relay {
    bool in_open;    /* still reading our stdin */
    bool out_open;   /* still reading the master */
    bool out_broken; /* stdout went away: the output is read and dropped */
    char in[4096];   /* read from stdin, not yet written to the master */
    size_t in_len, in_off;
};

/* master -> stdout, one read.  0: go on, 1: the pty has no slave left. */
static int copy_out(struct oj_fg *fg, struct relay *r)
{
    char buf[8192];
    ssize_t n = read(fg->master, buf, sizeof(buf));
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    if (n <= 0)
        return 1; /* EIO: every slave fd is closed */
    if (!r->out_broken && oj_write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
        r->out_broken = true;
    return 0;
}

/* stdin -> master: read when the buffer is empty, write what the master
 * takes (it is non-blocking: a process that does not read its terminal
 * must not stop us from forwarding signals). */
static void copy_in(struct oj_fg *fg, struct relay *r, bool readable)
{
    if (r->in_len == r->in_off && readable) {
        ssize_t n = read(STDIN_FILENO, r->in, sizeof(r->in));
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n <= 0) {
            r->in_open = false;
            return;
        }
        r->in_len = (size_t)n;
        r->in_off = 0;
    }
    while (r->in_off < r->in_len) {
        ssize_t w = write(fg->master, r->in + r->in_off, r->in_len - r->in_off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN)
            return;
        if (w < 0) {
            r->in_open = false; /* the terminal is gone */
            r->in_len = r->in_off = 0;
            return;
        }
        r->in_off += (size_t)w;
    }
}

/* After the process exited: what it wrote is in the master's queue (a
 * read flushes the line discipline's buffer first, n_tty_read); read until
 * EIO, or until nothing came for a while when another process still holds
 * the terminal (exec: something it started in the background). */
static void drain(struct oj_fg *fg, struct relay *r)
{
    while (r->out_open) {
        struct pollfd p = {.fd = fg->master, .events = POLLIN};
        int n = poll(&p, 1, 200);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (copy_out(fg, r))
            r->out_open = false;
    }
}

int oj_fg_wait(struct oj_fg *fg, const char *what, pid_t pid, bool reap_all, const sigset_t *set)
{
    _cleanup_close_ int sfd = signalfd(-1, set, SFD_CLOEXEC);
    if (sfd < 0) {
        oj_error("%s: signalfd: %m", what);
        return 1;
    }
    struct relay r = {.in_open = fg->master >= 0, .out_open = fg->master >= 0};
    if (fg->master >= 0) {
        int fl = fcntl(fg->master, F_GETFL);
        if (fl < 0 || fcntl(fg->master, F_SETFL, fl | O_NONBLOCK) < 0) {
            oj_error("%s: make the terminal non-blocking: %m", what);
            return 1;
        }
        /* A reader of our stdout that went away must not kill us while
         * the process runs: its output is dropped instead (EPIPE). */
        signal(SIGPIPE, SIG_IGN);
    }

    int status = 0;
    for (;;) {
        struct pollfd p[3];
        nfds_t n = 0;
        p[n++] = (struct pollfd){.fd = sfd, .events = POLLIN};
        int i_in = -1, i_out = -1;
        bool pending = r.in_len > r.in_off;
        if (r.in_open && !pending) {
            i_in = (int)n;
            p[n++] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
        }
        if (r.out_open || pending) {
            i_out = (int)n;
            p[n++] = (struct pollfd){
                .fd = fg->master,
                .events = (short)((r.out_open ? POLLIN : 0) | (pending ? POLLOUT : 0))};
        }
        if (poll(p, n, -1) < 0) {
            if (errno == EINTR)
                continue;
            oj_error("%s: poll: %m", what);
            return 1;
        }
        /* POLLNVAL too: a closed stdin must end its relay, not spin */
        const short ready = POLLIN | POLLHUP | POLLERR | POLLNVAL;
        if (i_out >= 0 && r.out_open && (p[i_out].revents & ready) && copy_out(fg, &r))
            r.out_open = false;
        if ((i_in >= 0 && (p[i_in].revents & ready)) ||
            (i_out >= 0 && (p[i_out].revents & POLLOUT)))
            copy_in(fg, &r, i_in >= 0 && (p[i_in].revents & ready));
        if (!(p[0].revents & POLLIN))
            continue;

        struct signalfd_siginfo si;
        ssize_t got = read(sfd, &si, sizeof(si));
        if (got != (ssize_t)sizeof(si))
            continue;
        int sig = (int)si.ssi_signo;
        if (sig == SIGWINCH && fg->master >= 0) {
            resize(fg);
            continue;
        }
        if (sig != SIGCHLD) {
            kill(pid, sig);
            continue;
        }
        /* Reap what is ours (run: everything, the init may leave children
         * to us); stop once the process is gone. */
        pid_t w;
        bool done = false;
        int st;
        while ((w = waitpid(reap_all ? -1 : pid, &st, WNOHANG)) > 0) {
            if (w == pid) {
                status = st;
                done = true;
            }
        }
        if (done)
            break;
    }
    drain(fg, &r);
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return 1;
}
