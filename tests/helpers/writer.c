/* SPDX-License-Identifier: Apache-2.0 */
/*
 * writer BYTES: write BYTES bytes ('x') to stdout in 64 KiB chunks.  A failed
 * write (EFBIG past RLIMIT_FSIZE when SIGXFSZ does not kill us) is reported
 * on stderr and ends with exit status 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: writer BYTES\n");
        return 2;
    }
    static char buf[65536];
    memset(buf, 'x', sizeof(buf));
    long long left = atoll(argv[1]);
    while (left > 0) {
        size_t n = left < (long long)sizeof(buf) ? (size_t)left : sizeof(buf);
        ssize_t w = write(STDOUT_FILENO, buf, n);
        if (w < 0) {
            fprintf(stderr, "writer: write: %s\n", strerror(errno));
            return 1;
        }
        left -= w;
    }
    return 0;
}
