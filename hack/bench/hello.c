/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The benchmark's payload: a static "judged submission" in the smallest form
 * that still does a judge's I/O.  It reads its whole stdin (the test input),
 * writes one line to stdout (the answer file) and exits 0.  Built with
 * -static so that it runs in the busybox rootfs and so that the fork+exec
 * floor measures exec, not the dynamic loader.
 *
 * The output is "hello <n>\n" where n is the number of input bytes, so the
 * benchmark can check that stdin and stdout really were the files it gave.
 */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    char buf[4096];
    long total = 0;
    ssize_t n;
    while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0)
        total += n;
    if (n < 0)
        return 2;
    int len = snprintf(buf, sizeof(buf), "hello %ld\n", total);
    return write(STDOUT_FILENO, buf, (size_t)len) == len ? 0 : 3;
}
