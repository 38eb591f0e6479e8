/* SPDX-License-Identifier: Apache-2.0 */
/*
 * execreaper PIDFILE COMMAND [ARG...]: play conmon/containerd-shim for the
 * `exec --detach` tests.  Becomes a child subreaper (prctl(2)
 * PR_SET_CHILD_SUBREAPER), runs COMMAND (e.g. `ojrun exec -d --pid-file
 * PIDFILE ...`) and waits for it, then reads the PID from PIDFILE and
 * prints, one per line:
 *
 *   command: exit N         how COMMAND ended
 *   parent: subreaper       the PID is now our child (or "parent: PID")
 *   process: exit N         how that process ended (or "process: signal N"),
 *                           reaped by us with waitpid(), as a shim does
 *
 * Exits 0 when all of this could be observed, 1 otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *what, int status)
{
    if (WIFEXITED(status))
        printf("%s: exit %d\n", what, WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        printf("%s: signal %d\n", what, WTERMSIG(status));
    else
        printf("%s: status 0x%x\n", what, status);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: execreaper PIDFILE COMMAND [ARG...]\n");
        return 2;
    }
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) {
        perror("subreaper: PR_SET_CHILD_SUBREAPER");
        return 1;
    }
    alarm(60); /* never hang a test run */
    pid_t cmd = fork();
    if (cmd < 0) {
        perror("subreaper: fork");
        return 1;
    }
    if (cmd == 0) {
        execvp(argv[2], argv + 2);
        perror("subreaper: exec");
        _exit(127);
    }
    int status;
    while (waitpid(cmd, &status, 0) < 0)
        if (errno != EINTR) {
            perror("subreaper: waitpid");
            return 1;
        }
    report("command", status);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return 1;

    FILE *f = fopen(argv[1], "r");
    int pid = 0;
    if (!f || fscanf(f, "%d", &pid) != 1 || pid <= 0) {
        fprintf(stderr, "subreaper: no PID in %s\n", argv[1]);
        return 1;
    }
    fclose(f);

    /* Field 4 of /proc/PID/stat is the parent; comm (field 2) may hold
     * spaces, so parse after the last ')'. */
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    int ppid = -1;
    if (!p || sscanf(p + 2, "%*c %d", &ppid) != 1) {
        fprintf(stderr, "subreaper: cannot read %s\n", path);
        return 1;
    }
    if (ppid == getpid())
        printf("parent: subreaper\n");
    else
        printf("parent: %d\n", ppid);
    fflush(stdout);

    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            perror("subreaper: waitpid for the process");
            return 1;
        }
    report("process", status);
    return 0;
}
