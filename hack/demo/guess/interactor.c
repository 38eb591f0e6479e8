/*
 * The guess-the-number interactor: interactor INPUT ANSWER.  INPUT holds
 * "n x".  stdin is the program's stdout, stdout the program's stdin.  Exit
 * status 0 AC, 1 WA, 3 a broken test; the first line of stderr is the
 * message.  What the program writes may be anything: lines are read with
 * a bounded fgets, numbers with strtol.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_QUERIES 31

static int verdict(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return status;
}

int main(int argc, char **argv)
{
    long n, x;
    FILE *in = argc == 3 ? fopen(argv[1], "r") : NULL;
    if (!in || fscanf(in, "%ld %ld", &n, &x) != 2 || n < 1 || x < 1 || x > n)
        return verdict(3, "cannot read the test");
    printf("%ld\n", n);
    fflush(stdout);
    char line[64];
    for (int queries = 0;;) {
        if (!fgets(line, sizeof(line), stdin))
            return verdict(1, "the program ended without an answer (%d questions)", queries);
        char *end;
        long y = strtol(line + 1, &end, 10);
        if (line[0] == '!')
            return y == x ? verdict(0, "found %ld in %d questions", x, queries)
                          : verdict(1, "answered %ld, the number was %ld", y, x);
        if (line[0] != '?' || line[1] != ' ' || end == line + 2)
            return verdict(1, "question %d: not \"? y\" or \"! y\"", queries + 1);
        if (++queries > MAX_QUERIES)
            return verdict(1, "more than %d questions", MAX_QUERIES);
        printf("%s\n", x < y ? "<" : x > y ? ">" : "=");
        if (fflush(stdout) != 0)
            return verdict(1, "the program stopped reading after %d questions", queries);
    }
}
