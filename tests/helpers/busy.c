/* SPDX-License-Identifier: Apache-2.0 */
/*
 * busy MS: spin until this process has used MS milliseconds of CPU by its own
 * clock (CLOCK_PROCESS_CPUTIME_ID), then print "cpu_us=N", N being that
 * clock in microseconds -- what the program itself would say it used, to
 * compare with a runtime's accounting.  busy 0 spins forever.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long long cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: busy MS (0: forever)\n");
        return 2;
    }
    long long ms = atoll(argv[1]);
    volatile unsigned long x = 0;
    if (ms <= 0)
        for (;;)
            x++;
    long long end = ms * 1000000LL;
    while (cpu_ns() < end)
        for (int i = 0; i < 1000; i++)
            x++;
    printf("cpu_us=%lld\n", cpu_ns() / 1000);
    return 0;
}
