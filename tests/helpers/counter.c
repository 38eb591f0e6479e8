/* SPDX-License-Identifier: Apache-2.0 */
/*
 * counter FILE: count forever, one step per millisecond, and keep FILE
 * holding the current count (20 digits and a newline, rewritten in place
 * with one pwrite, so a reader never sees an empty file).  A frozen
 * container's counter stops advancing.
 */
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: counter FILE\n");
        return 2;
    }
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        perror("counter: open");
        return 1;
    }
    for (unsigned long long n = 1;; n++) {
        char buf[32];
        int len = snprintf(buf, sizeof(buf), "%020llu\n", n);
        if (pwrite(fd, buf, (size_t)len, 0) != len) {
            perror("counter: pwrite");
            return 1;
        }
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
}
