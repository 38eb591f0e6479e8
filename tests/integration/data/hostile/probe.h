/*
 * Shared by the hostile probes (tests/integration/hostile.bats): each probe
 * tries things a sandboxed submission must not be able to do.  Every
 * attempt that works is printed as "BREACH: ..."; if none worked the probe
 * prints "BLOCKED", the expected output of the suite's problem, so the judge
 * says AC exactly when the sandbox held (and WA, with the breaches in the
 * output, when it did not).  What failed, and how, goes to stderr.
 */
#ifndef HOSTILE_PROBE_H
#define HOSTILE_PROBE_H
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int breaches;

__attribute__((unused)) static void breach(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("BREACH: ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    breaches++;
}

/* RC is a syscall's result: >= 0 means WHAT worked, which it must not. */
__attribute__((unused)) static void must_fail(long rc, const char *what)
{
    if (rc >= 0)
        breach("%s succeeded (%ld)", what, rc);
    else
        fprintf(stderr, "%s: %s\n", what, strerror(errno));
}

__attribute__((unused)) static int verdict(void)
{
    if (breaches == 0)
        printf("BLOCKED\n");
    return 0;
}
#endif
