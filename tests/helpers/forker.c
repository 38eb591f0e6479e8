/* SPDX-License-Identifier: Apache-2.0 */
/*
 * forker N: fork up to N children that only wait, stopping at the first
 * failure; print "forked K: <strerror of the failure or "ok">", then kill
 * the children, reap them and exit 0.  Under a pids limit L (the forker
 * counts itself) K is L - 1 and the failure is EAGAIN.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: forker N\n");
        return 2;
    }
    long n = strtol(argv[1], NULL, 10);
    pid_t *kids = calloc((size_t)n, sizeof(*kids));
    if (!kids)
        return 1;
    long k = 0;
    int err = 0;
    for (; k < n; k++) {
        pid_t p = fork();
        if (p < 0) {
            err = errno;
            break;
        }
        if (p == 0) {
            for (;;)
                pause();
        }
        kids[k] = p;
    }
    printf("forked %ld: %s\n", k, err ? strerror(err) : "ok");
    fflush(stdout);
    for (long i = 0; i < k; i++)
        kill(kids[i], SIGKILL);
    for (long i = 0; i < k; i++)
        waitpid(kids[i], NULL, 0);
    return 0;
}
