/* SPDX-License-Identifier: Apache-2.0 */
/*
 * touchmem MIB: allocate MIB MiB and write to every page of it (so that the
 * memory is really charged), print "touched=MIB", exit 0.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: touchmem MIB\n");
        return 2;
    }
    size_t len = (size_t)atol(argv[1]) << 20;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    long page = sysconf(_SC_PAGESIZE);
    for (size_t off = 0; off < len; off += (size_t)page)
        p[off] = 1;
    printf("touched=%s\n", argv[1]);
    return 0;
}
