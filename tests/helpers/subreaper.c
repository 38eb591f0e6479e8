/* SPDX-License-Identifier: Apache-2.0 */
/*
 * subreaper CMD [ARGS...]: run CMD as a child subreaper would (a queue
 * worker, containerd, conmon): orphans of CMD -- e.g. a daemonised
 * ojrun-shim -- become our children and are reaped at once.  After CMD
 * exits, wait up to 10 s for the remaining descendants; print the PIDs and
 * comm of any still alive then and exit 1.  Otherwise exit with CMD's status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: subreaper CMD [ARGS...]\n");
        return 2;
    }
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
        perror("prctl");
        return 2;
    }
    pid_t cmd = fork();
    if (cmd == 0) {
        execvp(argv[1], argv + 1);
        perror(argv[1]);
        _exit(127);
    }
    int status = 0, st;
    pid_t w;
    while ((w = wait(&st)) != cmd)
        if (w < 0 && errno != EINTR)
            return 2;
    status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    /* the descendants left: reap them as they exit, for at most 10 s */
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        w = waitpid(-1, &st, WNOHANG);
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
