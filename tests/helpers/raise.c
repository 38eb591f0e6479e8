/* SPDX-License-Identifier: Apache-2.0 */
/*
 * raise SIGNUM: raise(SIGNUM) on ourselves (e.g. 11 for SIGSEGV), the way a
 * crashing program or abort() does; exit 0 if we survive it (as PID 1 of a
 * PID namespace does, which is the point of tests that use this).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: raise SIGNUM\n");
        return 2;
    }
    raise(atoi(argv[1]));
    printf("survived\n");
    return 0;
}
