/* SPDX-License-Identifier: Apache-2.0 */
/*
 * killat: SIGKILL a command at a chosen step, for fault-injection tests.
 *
 *   killat [--line TEXT] [--rename SUFFIX] [--mkdir SUFFIX] [--nth N] -- CMD ARGS...
 *
 * CMD runs with its stderr on a pipe that killat reads (and copies to its
 * own stderr).  CMD is traced with ptrace(2) (only CMD itself: its children
 * are not traced), so the kill lands at an exact point of its execution:
 *
 *   --line TEXT      the Nth stderr line containing TEXT.  When CMD wrote the
 *                    line, CMD is killed while stopped at the exit of that
 *                    write(2): it has not executed one more instruction of
 *                    its own.  A line written by another process (ojrun's
 *                    container init shares the stderr) kills CMD as soon as
 *                    killat reads it.
 *   --rename SUFFIX  at the exit of the Nth rename/renameat/renameat2 whose
 *                    new path ends with SUFFIX (e.g. "/state.json": the file
 *                    is in place, nothing after it has run)
 *   --mkdir SUFFIX   at the exit of the Nth mkdir/mkdirat of a path ending
 *                    with SUFFIX
 *
 * ojrun's --debug trace ("ojrun[PID] +Nus: <step>") names every step of
 * create, so no fault-injection hook is needed in the runtime itself.
 *
 * killat is a child subreaper: processes orphaned by the kill (a container
 * init dying of PR_SET_PDEATHSIG) are reaped before it exits, for up to
 * 300 ms; a survivor (an init past its PDEATHSIG window) is left running.
 *
 * Exit status: 0 when CMD was killed at the trigger, 3 when CMD ended
 * without reaching it (its status is printed), 2 on usage or setup errors.
 * The last line on stdout says what happened: "killed at: <what>" or
 * "not triggered: exit N" / "not triggered: signal N".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *line_text, *rename_suffix, *mkdir_suffix;
static int nth = 1, seen;
static pid_t child;
static bool kill_at_next_stop;
static char pending[512]; /* why, for a kill deferred to CMD's next stop */
static char what[512];    /* why CMD was killed; empty while it was not */

/* stderr of CMD, split into lines */
static char linebuf[8192];
static size_t linelen;

static void usage(void)
{
    fprintf(stderr, "usage: killat [--line TEXT] [--rename SUFFIX] [--mkdir SUFFIX] [--nth N] "
                    "-- CMD ARGS...\n");
    exit(2);
}

static void do_kill(const char *why)
{
    if (kill(child, SIGKILL) < 0 && errno != ESRCH) {
        perror("killat: kill");
        exit(2);
    }
    snprintf(what, sizeof(what), "%s", why);
}

/* A complete stderr line: does it trigger?  Lines of CMD itself start with
 * "ojrun[<its pid>]"; for those the kill waits for the write's exit stop,
 * which cannot have passed yet (CMD stops there until we resume it). */
static void on_line(const char *line)
{
    if (!line_text || what[0] || kill_at_next_stop || !strstr(line, line_text) || ++seen != nth)
        return;
    char own[32];
    snprintf(own, sizeof(own), "ojrun[%d]", (int)child);
    if (strncmp(line, own, strlen(own)) == 0) {
        kill_at_next_stop = true;
        snprintf(pending, sizeof(pending), "line: %.400s", line);
        return;
    }
    char why[512];
    snprintf(why, sizeof(why), "line of another process: %.400s", line);
    do_kill(why);
}

static void drain(int fd)
{
    for (;;) {
        char buf[4096];
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n <= 0)
            return;
        if (write(STDERR_FILENO, buf, (size_t)n) < 0) {
            /* our own stderr is gone: keep reading anyway */
        }
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == '\n' || linelen == sizeof(linebuf) - 1) {
                linebuf[linelen] = '\0';
                on_line(linebuf);
                linelen = 0;
                if (buf[i] == '\n')
                    continue;
            }
            linebuf[linelen++] = buf[i];
        }
    }
}

/* Copy a NUL-terminated string out of the tracee. */
static void peek_string(unsigned long addr, char *out, size_t len)
{
    struct iovec local = {out, len - 1}, remote = {(void *)addr, len - 1};
    ssize_t n = process_vm_readv(child, &local, 1, &remote, 1, 0);
    if (n < 0) {
        /* the string may end before a page boundary we cannot read: byte-wise */
        n = 0;
        for (; (size_t)n < len - 1; n++) {
            struct iovec l1 = {out + n, 1}, r1 = {(void *)(addr + (unsigned long)n), 1};
            if (process_vm_readv(child, &l1, 1, &r1, 1, 0) != 1)
                break;
            if (out[n] == '\0')
                break;
        }
    }
    out[n] = '\0';
    out[strnlen(out, len - 1)] = '\0';
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* At a syscall-exit stop: the syscall (number and arguments from its entry)
 * has completed; does it trigger? */
static void on_syscall_exit(long nr, const unsigned long *args, long rval)
{
    char path[4096];
    if (rename_suffix && rval == 0 &&
        (nr == SYS_rename || nr == SYS_renameat || nr == SYS_renameat2)) {
        peek_string(nr == SYS_rename ? args[1] : args[3], path, sizeof(path));
        if (ends_with(path, rename_suffix) && ++seen == nth) {
            char why[4200];
            snprintf(why, sizeof(why), "rename to %s", path);
            do_kill(why);
        }
    }
    if (mkdir_suffix && rval == 0 && (nr == SYS_mkdir || nr == SYS_mkdirat)) {
        peek_string(nr == SYS_mkdir ? args[0] : args[1], path, sizeof(path));
        if (ends_with(path, mkdir_suffix) && ++seen == nth) {
            char why[4200];
            snprintf(why, sizeof(why), "mkdir %s", path);
            do_kill(why);
        }
    }
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int main(int argc, char **argv)
{
    int i = 1;
    for (; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if (i + 1 >= argc)
            usage();
        if (strcmp(argv[i], "--line") == 0)
            line_text = argv[++i];
        else if (strcmp(argv[i], "--rename") == 0)
            rename_suffix = argv[++i];
        else if (strcmp(argv[i], "--mkdir") == 0)
            mkdir_suffix = argv[++i];
        else if (strcmp(argv[i], "--nth") == 0)
            nth = atoi(argv[++i]);
        else
            usage();
    }
    if (i >= argc || nth < 1 || !!line_text + !!rename_suffix + !!mkdir_suffix != 1)
        usage();

    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
        perror("killat: PR_SET_CHILD_SUBREAPER");
        return 2;
    }
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) < 0) {
        perror("killat: pipe");
        return 2;
    }
    child = fork();
    if (child < 0) {
        perror("killat: fork");
        return 2;
    }
    if (child == 0) {
        if (dup2(pfd[1], STDERR_FILENO) < 0 || ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0)
            _exit(2);
        raise(SIGSTOP); /* let the parent set the ptrace options first */
        execvp(argv[i], argv + i);
        fprintf(stderr, "killat: exec %s: %s\n", argv[i], strerror(errno));
        _exit(2);
    }
    close(pfd[1]);
    int rfd = pfd[0];
    fcntl(rfd, F_SETFL, O_NONBLOCK);

    int status;
    if (waitpid(child, &status, 0) != child || !WIFSTOPPED(status)) {
        fprintf(stderr, "killat: child did not stop\n");
        return 2;
    }
    /* EXITKILL: if killat dies, so does CMD (never a tracee left stopped). */
    if (ptrace(PTRACE_SETOPTIONS, child, NULL,
               (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL)) < 0) {
        perror("killat: PTRACE_SETOPTIONS");
        return 2;
    }
    ptrace(PTRACE_SYSCALL, child, NULL, NULL);

    long nr = -1;
    unsigned long args[6] = {0};
    for (;;) {
        pid_t w = waitpid(child, &status, WNOHANG);
        if (w < 0) {
            perror("killat: waitpid");
            return 2;
        }
        if (w == 0) {
            /* CMD runs or blocks: read its (and its children's) stderr */
            struct pollfd p = {.fd = rfd, .events = POLLIN};
            if (poll(&p, 1, 2) > 0)
                drain(rfd);
            continue;
        }
        if (WIFEXITED(status) || WIFSIGNALED(status))
            break;
        if (!WIFSTOPPED(status))
            continue;
        int sig = WSTOPSIG(status);
        if (sig == (SIGTRAP | 0x80)) {
            struct __ptrace_syscall_info info;
            memset(&info, 0, sizeof(info));
            if (ptrace(PTRACE_GET_SYSCALL_INFO, child, (void *)sizeof(info), &info) > 0) {
                if (info.op == PTRACE_SYSCALL_INFO_ENTRY) {
                    nr = (long)info.entry.nr;
                    for (int k = 0; k < 6; k++)
                        args[k] = (unsigned long)info.entry.args[k];
                } else if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
                    drain(rfd); /* a write(2) to stderr is in the pipe now */
                    on_syscall_exit(nr, args, (long)info.exit.rval);
                    nr = -1;
                }
            }
            if (kill_at_next_stop && !what[0])
                do_kill(pending);
            sig = 0;
        } else if (sig == SIGTRAP || sig == SIGSTOP) {
            sig = 0; /* ptrace's own stops (exec, the initial raise) */
        }
        ptrace(PTRACE_SYSCALL, child, NULL, (void *)(long)sig);
    }
    drain(rfd);

    /* Reap what the kill orphaned onto us, briefly. */
    for (long t0 = now_ms(); now_ms() - t0 < 300;) {
        pid_t w = waitpid(-1, NULL, WNOHANG);
        if (w < 0 && errno == ECHILD)
            break;
        if (w <= 0)
            usleep(10000);
    }

    if (what[0] && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
        printf("killed at: %s\n", what);
        return 0;
    }
    if (WIFEXITED(status))
        printf("not triggered: exit %d\n", WEXITSTATUS(status));
    else
        printf("not triggered: signal %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return 3;
}
