/* SPDX-License-Identifier: Apache-2.0 */
/*
 * subreaper [--report] CMD [ARGS...]: run CMD as a child subreaper would (a
 * queue worker, containerd, conmon): orphans of CMD -- e.g. a daemonised
 * ojrun-shim -- become our children and are reaped at once.  After CMD
 * exits, wait up to 10 s for the remaining descendants; print the PIDs and
 * comm of any still alive then and exit 1.  Otherwise exit with CMD's status.
 * --report: print "subreaper: reaped PID COMM exit N" (or "signal N") on
 * stderr for every process it reaps (CMD too), so that a test can check a
 * daemon's exit status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static bool report;

/* Reap one child (blocking or not); returns its PID, 0 when none has
 * exited yet, -1 with errno (ECHILD: no children left). */
static pid_t reap(bool block, int *status)
{
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    /* WNOWAIT first: the comm is readable only until the zombie is reaped */
    if (waitid(P_ALL, 0, &si, WEXITED | WNOWAIT | (block ? 0 : WNOHANG)) < 0)
        return -1;
    pid_t pid = si.si_pid;
    if (pid == 0)
        return 0;
    char path[64], comm[64] = "?";
    snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
    FILE *f = fopen(path, "r");
    if (f) {
        if (fgets(comm, sizeof(comm), f))
            comm[strcspn(comm, "\n")] = '\0';
        fclose(f);
    }
    while (waitpid(pid, status, 0) < 0)
        if (errno != EINTR)
            return -1;
    if (report && si.si_code == CLD_EXITED)
        fprintf(stderr, "subreaper: reaped %d %s exit %d\n", (int)pid, comm, WEXITSTATUS(*status));
    else if (report)
        fprintf(stderr, "subreaper: reaped %d %s signal %d\n", (int)pid, comm, WTERMSIG(*status));
    return pid;
}

int main(int argc, char **argv)
{
    int first = 1;
    if (argc > 1 && strcmp(argv[1], "--report") == 0) {
        report = true;
        first = 2;
    }
    if (argc <= first) {
        fprintf(stderr, "usage: subreaper [--report] CMD [ARGS...]\n");
        return 2;
    }
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
        perror("prctl");
        return 2;
    }
    pid_t cmd = fork();
    if (cmd < 0) {
        perror("fork");
        return 2;
    }
    if (cmd == 0) {
        execvp(argv[first], argv + first);
        perror(argv[first]);
        _exit(127);
    }
    int status = 0, st = 0;
    pid_t w;
    while ((w = reap(true, &st)) != cmd)
        if (w < 0 && errno != EINTR)
            return 2;
    status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    /* the descendants left: reap them as they exit, for at most 10 s */
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        w = reap(false, &st);
        if (w < 0 && errno == ECHILD)
            return status;
        if (w > 0)
            continue;
        clock_gettime(CLOCK_MONOTONIC, &t);
        if (t.tv_sec - t0.tv_sec >= 10)
            break;
        usleep(10000);
    }
    char path[64], line[4096];
    snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)getpid(), (int)getpid());
    FILE *f = fopen(path, "r");
    if (f && fgets(line, sizeof(line), f))
        fprintf(stderr, "subreaper: still running after 10 s: %s\n", line);
    return 1;
}
