/* SPDX-License-Identifier: Apache-2.0 */
/*
 * forkbusy N MS: fork N children that each spin for MS ms of their own CPU
 * time, wait for them, print "children_cpu_us=X" (their CPU by wait4's
 * rusage) -- a runtime must charge the task for all of them.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: forkbusy N MS\n");
        return 2;
    }
    int n = atoi(argv[1]);
    long long end = atoll(argv[2]) * 1000000LL;
    for (int i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {
            volatile unsigned long x = 0;
            while (cpu_ns() < end)
                for (int j = 0; j < 1000; j++)
                    x++;
            _exit(0);
        }
    }
    int st;
    while (wait(&st) > 0)
        ;
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    printf("children_cpu_us=%lld\n",
           (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec +
               ru.ru_stime.tv_usec);
    return 0;
}
