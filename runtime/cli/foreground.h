/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The foreground of `run` and `exec` (without --detach): forward signals to
 * the process, reap it, and, when it has a terminal that no console socket
 * took, relay that terminal to our own stdio (foreground.c has the why).
 *
 *   sigset_t set; oj_fg_signal_set(&set); block it (before the process exists)
 *   struct oj_fg fg; oj_fg_init(&fg);
 *   oj_fg_find_host(&fg)            our terminal and its size, if any
 *   create/exec with console_master = &fg.master, the size fg.rows x fg.cols
 *   oj_fg_raw(&fg)                  raw mode, when there is a terminal to relay
 *   status = oj_fg_wait(...)        until the process is gone
 *   oj_fg_release(&fg)              the terminal as it was, fds closed
 */
#ifndef OJRUN_CLI_FOREGROUND_H
#define OJRUN_CLI_FOREGROUND_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include <termios.h>

struct oj_fg {
    int master;      /* the pty master the library gave us, or -1 */
    int host;        /* our terminal (one of stdio, or /dev/tty), or -1 */
    bool host_owned; /* host is /dev/tty, opened by us */
    bool raw;        /* host is in raw mode; `saved` restores it */
    struct termios saved;
    unsigned short rows, cols; /* host's window size (0: unknown) */
};

/* The forwarded signals (HUP, INT, QUIT, TERM, USR1, USR2, WINCH) and
 * SIGCHLD. */
void oj_fg_signal_set(sigset_t *set);

void oj_fg_init(struct oj_fg *fg);
/* Look for our terminal: stdin, stdout or stderr if one is a tty, else the
 * controlling terminal (/dev/tty); none is fine. */
void oj_fg_find_host(struct oj_fg *fg);
/* Put the host terminal in raw mode when there is one and a master to
 * relay; -1 (reported) on failure. */
int oj_fg_raw(struct oj_fg *fg);
/* Wait for `pid` with the signals of `set` blocked, forwarding them (and
 * relaying fg->master when >= 0); returns its status as a shell reports it
 * (128+N when signal N killed it), 1 on an error of ours (reported with
 * `what` first).  reap_all: reap every child, not only `pid`. */
int oj_fg_wait(struct oj_fg *fg, const char *what, pid_t pid, bool reap_all, const sigset_t *set);
/* Restore the terminal, close what is ours; safe to call twice. */
void oj_fg_release(struct oj_fg *fg);

#endif
