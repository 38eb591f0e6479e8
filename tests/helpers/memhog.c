/* SPDX-License-Identifier: Apache-2.0 */
/*
 * memhog MIB: allocate MIB mebibytes and touch every page, so that they
 * are really charged to the memory cgroup; print "touched MIB MiB" and
 * exit 0.  Under a smaller memory limit the OOM killer ends it first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: memhog MIB\n");
        return 2;
    }
    long mib = strtol(argv[1], NULL, 10);
    long page = sysconf(_SC_PAGESIZE);
    for (long i = 0; i < mib; i++) {
        char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            perror("memhog: mmap");
            return 1;
        }
        for (long off = 0; off < (1 << 20); off += page)
            p[off] = 1;
    }
    printf("touched %ld MiB\n", mib);
    return 0;
}
