/* SPDX-License-Identifier: Apache-2.0 */
/*
 * killat: SIGKILL a process at a chosen step, for fault-injection tests.
 *
 *   killat [--victim NAME|@fork] TRIGGER [--nth N] -- CMD ARGS...
 *
 * CMD runs with its stderr on a pipe that killat reads (and copies to its
 * own stderr), traced with ptrace(2).  The victim is CMD itself, or with
 * --victim NAME the first process of CMD's tree that executes a program
 * called NAME (e.g. ojrun-shim, which `ojrun create --shim` forks and
 * execs); until then CMD's children are traced too, after it the victim's
 * own children (the container init) are let go.  The kill lands at an
 * exact point of the victim's execution:
 *
 *   --line TEXT      the Nth write(2) to stderr by the victim whose data
 *                    contains TEXT (a --debug trace line; ojrun writes each
 *                    record to stderr first, then to --log FILE): killed
 *                    while stopped at the exit of that write, before one
 *                    more instruction of its own.  A line containing
 *                    TEXT that another process writes on CMD's stderr (the
 *                    container init shares it) kills the victim as soon as
 *                    killat reads it.
 *   --rename SUFFIX  at the exit of the Nth rename/renameat/renameat2 whose
 *                    new path ends with SUFFIX ("/state.json": the file is
 *                    in place, nothing after it has run)
 *   --mkdir SUFFIX   at the exit of the Nth mkdir/mkdirat of such a path
 *   --open SUFFIX    at the exit of the Nth open/openat/creat of such a path
 *                    that succeeded
 *
 * ojrun's --debug trace ("ojrun[PID] +Nus: <step>") names every step, so no
 * fault-injection hook is needed in the runtime itself.
 *
 * killat is a child subreaper: processes orphaned by the kill (a container
 * init dying of PR_SET_PDEATHSIG) are reaped before it exits, for up to
 * 300 ms; a survivor (an init past its PDEATHSIG window, a daemon) is left
 * running.
 *
 * Exit status: 0 when the victim was killed at the trigger (CMD itself may
 * have ended before, e.g. `create --shim` returns once the shim reports),
 * 3 when the victim ended without reaching it, 2 on usage or setup errors.
 * The last line on stdout says what happened: "killed at: <what>" or
 * "not triggered: exit N" / "not triggered: signal N" / "not triggered: no
 * victim".  With --victim, a line before it gives CMD's own end when it
 * came first: "command: exit N" (or "command: signal N").
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
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

static const char *line_text, *rename_suffix, *mkdir_suffix, *open_suffix, *victim_name;
static int nth = 1, seen;
static pid_t child, victim; /* victim: 0 while not known yet (--victim) */
static char what[512];      /* why the victim was killed; empty while it was not */

/* the syscall each traced process is in (from its entry stop) */
#define MAX_TRACEES 64
static struct tracee {
    pid_t pid;
    long nr;
    unsigned long args[6];
} tracees[MAX_TRACEES];

static struct tracee *tracee(pid_t pid)
{
    for (int i = 0; i < MAX_TRACEES; i++)
        if (tracees[i].pid == pid)
            return &tracees[i];
    for (int i = 0; i < MAX_TRACEES; i++)
        if (tracees[i].pid == 0) {
            tracees[i] = (struct tracee){.pid = pid, .nr = -1};
            return &tracees[i];
        }
    fprintf(stderr, "killat: too many traced processes\n");
    exit(2);
}

static void forget(pid_t pid)
{
    for (int i = 0; i < MAX_TRACEES; i++)
        if (tracees[i].pid == pid)
            tracees[i].pid = 0;
}

/* stderr of CMD, split into lines */
static char linebuf[8192];
static size_t linelen;

static void usage(void)
{
    fprintf(stderr, "usage: killat [--victim NAME] (--line TEXT | --rename SUFFIX | --mkdir SUFFIX "
                    "| --open SUFFIX) [--nth N] -- CMD ARGS...\n");
    exit(2);
}

static void do_kill(const char *why)
{
    if (kill(victim, SIGKILL) < 0 && errno != ESRCH) {
        perror("killat: kill");
        exit(2);
    }
    snprintf(what, sizeof(what), "%s", why);
}

/* A complete line read from CMD's stderr.  The victim's own lines are
 * counted where it writes them (on_syscall_exit): here only those of other
 * processes trigger. */
static void on_line(const char *line)
{
    if (!line_text || what[0] || !victim || !strstr(line, line_text))
        return;
    char own[32];
    snprintf(own, sizeof(own), "ojrun[%d]", (int)victim);
    if (strncmp(line, own, strlen(own)) == 0)
        return; /* counted by the victim's write */
    if (++seen != nth)
        return;
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

/* Copy up to len-1 bytes out of the tracee (NUL-terminated in `out`); a
 * string stops at its NUL. */
static size_t peek(pid_t pid, unsigned long addr, char *out, size_t len)
{
    struct iovec local = {out, len - 1}, remote = {(void *)addr, len - 1};
    ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
    if (n < 0) {
        /* the data may end before a page we cannot read: byte-wise */
        n = 0;
        for (; (size_t)n < len - 1; n++) {
            struct iovec l1 = {out + n, 1}, r1 = {(void *)(addr + (unsigned long)n), 1};
            if (process_vm_readv(pid, &l1, 1, &r1, 1, 0) != 1)
                break;
        }
    }
    out[n] = '\0';
    return (size_t)n;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static void path_trigger(const char *kind, const char *suffix, pid_t pid, unsigned long addr)
{
    char path[4096];
    peek(pid, addr, path, sizeof(path));
    if (ends_with(path, suffix) && ++seen == nth) {
        char why[4200];
        snprintf(why, sizeof(why), "%s %s", kind, path);
        do_kill(why);
    }
}

/* At a syscall-exit stop of the victim: the syscall (number and arguments
 * from its entry) has completed; does it trigger? */
static void on_syscall_exit(pid_t pid, long nr, const unsigned long *args, long rval)
{
    if (rval < 0)
        return;
    if (line_text && nr == SYS_write && args[0] == STDERR_FILENO && rval > 0) {
        static char data[8192];
        size_t n = (size_t)rval < sizeof(data) ? (size_t)rval + 1 : sizeof(data);
        n = peek(pid, args[1], data, n);
        data[n] = '\0';
        if (memmem(data, n, line_text, strlen(line_text)) && ++seen == nth) {
            char why[512];
            char *nl = memchr(data, '\n', n);
            if (nl)
                *nl = '\0';
            snprintf(why, sizeof(why), "line: %.400s", data);
            do_kill(why);
        }
    }
    if (rename_suffix && (nr == SYS_rename || nr == SYS_renameat || nr == SYS_renameat2))
        path_trigger("rename to", rename_suffix, pid, nr == SYS_rename ? args[1] : args[3]);
    if (mkdir_suffix && (nr == SYS_mkdir || nr == SYS_mkdirat))
        path_trigger("mkdir", mkdir_suffix, pid, nr == SYS_mkdir ? args[0] : args[1]);
    if (open_suffix && (nr == SYS_open || nr == SYS_creat || nr == SYS_openat))
        path_trigger("open", open_suffix, pid, nr == SYS_openat ? args[1] : args[0]);
}

static bool exe_is(pid_t pid, const char *name)
{
    char link[64], exe[4096];
    snprintf(link, sizeof(link), "/proc/%d/exe", (int)pid);
    ssize_t n = readlink(link, exe, sizeof(exe) - 1);
    if (n < 0)
        return false;
    exe[n] = '\0';
    return strcmp(basename(exe), name) == 0;
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
        else if (strcmp(argv[i], "--open") == 0)
            open_suffix = argv[++i];
        else if (strcmp(argv[i], "--victim") == 0)
            victim_name = argv[++i];
        else if (strcmp(argv[i], "--nth") == 0)
            nth = atoi(argv[++i]);
        else
            usage();
    }
    if (i >= argc || nth < 1 || !!line_text + !!rename_suffix + !!mkdir_suffix + !!open_suffix != 1)
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
    /* EXITKILL: if killat dies, so do its tracees (never one left stopped).
     * With --victim, CMD's children are traced too until the victim execs. */
    long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL;
    if (victim_name)
        opts |= PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC;
    if (ptrace(PTRACE_SETOPTIONS, child, NULL, (void *)opts) < 0) {
        perror("killat: PTRACE_SETOPTIONS");
        return 2;
    }
    if (!victim_name)
        victim = child;
    ptrace(victim ? PTRACE_SYSCALL : PTRACE_CONT, child, NULL, NULL);

    int victim_status = 0, child_status = -1;
    bool victim_gone = false, detach_child = false;
    int traced = 1; /* CMD and the children traced along with it */
    tracee(child);
    for (;;) {
        /* done when the victim is gone and CMD too (its exit status is
         * part of the answer), or when no victim can appear any more */
        if ((victim_gone && (child == victim || child_status >= 0)) ||
            (victim_name && !victim && traced == 0) || (!victim_name && traced == 0))
            break;
        pid_t w = waitpid(-1, &status, WNOHANG | __WALL);
        if (w < 0) {
            if (errno == ECHILD)
                break;
            perror("killat: waitpid");
            return 2;
        }
        if (w == 0) {
            /* everyone runs or blocks: read their stderr */
            struct pollfd p = {.fd = rfd, .events = POLLIN};
            if (poll(&p, 1, 2) > 0)
                drain(rfd);
            continue;
        }
        bool is_traced = false;
        for (int k = 0; k < MAX_TRACEES; k++)
            if (tracees[k].pid == w)
                is_traced = true;
        if (WIFEXITED(status) || WIFSIGNALED(status)) {
            if (w == victim) {
                victim_status = status;
                victim_gone = true;
            }
            if (w == child && w != victim)
                child_status = status;
            if (is_traced) {
                forget(w);
                traced--;
            }
            continue; /* or an orphan we reaped as the subreaper */
        }
        if (!WIFSTOPPED(status))
            continue;
        int sig = WSTOPSIG(status);
        int event = status >> 16;
        enum __ptrace_request resume = w == victim ? PTRACE_SYSCALL : PTRACE_CONT;
        if (!is_traced) {
            /* a new child auto-attached (its stop may come before its
             * parent's event): CMD's children are kept until the victim
             * exists, the victim's (the container init) are let go */
            if (victim) {
                ptrace(PTRACE_DETACH, w, NULL, NULL);
                continue;
            }
            tracee(w);
            traced++;
            ptrace(PTRACE_CONT, w, NULL, NULL);
            continue;
        }
        if (event == PTRACE_EVENT_FORK || event == PTRACE_EVENT_VFORK ||
            event == PTRACE_EVENT_CLONE || event == PTRACE_EVENT_EXEC) {
            /* --victim @fork: the first process CMD forks (ojrun create
             * --shim forks its shim, which execs nothing). */
            unsigned long nw = 0;
            if (event == PTRACE_EVENT_FORK && !victim && w == child &&
                strcmp(victim_name, "@fork") == 0 &&
                ptrace(PTRACE_GETEVENTMSG, w, NULL, &nw) == 0 && nw) {
                bool known = false;
                for (int k = 0; k < MAX_TRACEES; k++)
                    if (tracees[k].pid == (pid_t)nw)
                        known = true;
                victim = (pid_t)nw;
                tracee(victim)->nr = -1;
                if (!known)
                    traced++;
                else
                    kill(victim, SIGSTOP); /* running under PTRACE_CONT: stop it once so
                                              that it resumes with PTRACE_SYSCALL */
                if (child != victim) {
                    detach_child = true;
                    kill(child, SIGSTOP);
                }
            }
            if (event == PTRACE_EVENT_EXEC && !victim && exe_is(w, victim_name)) {
                victim = w;
                tracee(w)->nr = -1;
                resume = PTRACE_SYSCALL;
                /* Let CMD go: a traced process cannot run LeakSanitizer at its
                 * exit (SAN builds).  It must be in a ptrace-stop to be
                 * detached: stop it, and detach at that SIGSTOP. */
                if (child != victim) {
                    detach_child = true;
                    kill(child, SIGSTOP);
                }
            }
            ptrace(resume, w, NULL, NULL);
            continue;
        }
        if (sig == (SIGTRAP | 0x80)) {
            struct tracee *t = tracee(w);
            struct __ptrace_syscall_info info;
            memset(&info, 0, sizeof(info));
            if (w == victim &&
                ptrace(PTRACE_GET_SYSCALL_INFO, w, (void *)sizeof(info), &info) > 0) {
                if (info.op == PTRACE_SYSCALL_INFO_ENTRY) {
                    t->nr = (long)info.entry.nr;
                    for (int k = 0; k < 6; k++)
                        t->args[k] = (unsigned long)info.entry.args[k];
                } else if (info.op == PTRACE_SYSCALL_INFO_EXIT) {
                    drain(rfd);
                    if (!what[0])
                        on_syscall_exit(w, t->nr, t->args, (long)info.exit.rval);
                    t->nr = -1;
                }
            }
            ptrace(resume, w, NULL, NULL);
            continue;
        }
        if (w == child && detach_child && sig == SIGSTOP) {
            ptrace(PTRACE_DETACH, w, NULL, NULL); /* the SIGSTOP is ours: dropped */
            forget(w);
            traced--;
            detach_child = false;
            continue;
        }
        if (sig == SIGTRAP || sig == SIGSTOP)
            sig = 0; /* ptrace's own stops (exec, the initial raise, new children) */
        ptrace(resume, w, NULL, (void *)(long)sig);
    }
    drain(rfd);

    /* Reap what the kill orphaned onto us, briefly. */
    for (long t0 = now_ms(); now_ms() - t0 < 300;) {
        pid_t w = waitpid(-1, NULL, WNOHANG | __WALL);
        if (w < 0 && errno == ECHILD)
            break;
        if (w <= 0)
            usleep(10000);
    }

    if (child_status >= 0) {
        if (WIFEXITED(child_status))
            printf("command: exit %d\n", WEXITSTATUS(child_status));
        else
            printf("command: signal %d\n", WTERMSIG(child_status));
    }
    if (!victim) {
        printf("not triggered: no victim\n");
        return 3;
    }
    if (what[0] && WIFSIGNALED(victim_status) && WTERMSIG(victim_status) == SIGKILL) {
        printf("killed at: %s\n", what);
        return 0;
    }
    if (!victim_gone)
        printf("not triggered: victim still running\n");
    else if (WIFEXITED(victim_status))
        printf("not triggered: exit %d\n", WEXITSTATUS(victim_status));
    else
        printf("not triggered: signal %d\n", WTERMSIG(victim_status));
    return 3;
}
