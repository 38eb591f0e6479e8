/* SPDX-License-Identifier: Apache-2.0 */
/*
 * sysno NR...: make the raw syscall NR (all arguments 0) for each NR and
 * print "NR=ok" or "NR=<errno name>" (ENOSYS, EPERM, ...), one a line: how
 * a program probing a syscall sees a seccomp profile.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: sysno NR...\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        long nr = strtol(argv[i], NULL, 0);
        errno = 0;
        long r = syscall(nr, 0, 0, 0, 0, 0, 0);
        printf("%ld=%s\n", nr, r < 0 ? strerrorname_np(errno) : "ok");
    }
    return 0;
}
