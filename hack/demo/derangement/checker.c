/*
 * The derangement problem's checker: checker INPUT OUTPUT ANSWER.
 * Exit status 0 AC, 1 WA, 3 checker failure (a broken test); the first line
 * of stdout is the message.  The output is the contestant's and may be
 * anything: it is read a number at a time, never trusted for a size.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int verdict(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    return status;
}

int main(int argc, char **argv)
{
    if (argc != 4)
        return verdict(3, "usage: checker INPUT OUTPUT ANSWER");
    FILE *in = fopen(argv[1], "r"), *out = fopen(argv[2], "r");
    long n;
    if (!in || !out || fscanf(in, "%ld", &n) != 1 || n < 2 || n > 200000)
        return verdict(3, "cannot read the test");
    char *seen = calloc((size_t)n + 1, 1);
    if (!seen)
        return verdict(3, "out of memory for n = %ld", n);
    for (long i = 1; i <= n; i++) {
        long p;
        if (fscanf(out, "%ld", &p) != 1)
            return verdict(1, "p%ld: missing or not a number", i);
        if (p < 1 || p > n)
            return verdict(1, "p%ld = %ld is not in 1..n", i, p);
        if (seen[p])
            return verdict(1, "p%ld = %ld appears twice", i, p);
        if (p == i)
            return verdict(1, "p%ld = %ld is in its place", i, p);
        seen[p] = 1;
    }
    char extra[2];
    if (fscanf(out, "%1s", extra) == 1)
        return verdict(1, "more than n = %ld numbers", n);
    return verdict(0, "a derangement of %ld elements", n);
}
