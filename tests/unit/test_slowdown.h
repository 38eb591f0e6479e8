/* The slowdown factor of the machine running the tests (tests/slowdown.sh,
 * measured once by tests/run.sh and exported as OJ_SLOWDOWN; 1 when unset
 * or below 1).  Timing tolerances and time limits that depend on the
 * machine's speed are multiplied by it: a guest under software emulation
 * is 3-9 times slower at process creation and teardown. */
#ifndef OJ_TEST_SLOWDOWN_H
#define OJ_TEST_SLOWDOWN_H

#include <stdlib.h>

static inline double test_slowdown(void)
{
    const char *s = getenv("OJ_SLOWDOWN");
    double f = s ? strtod(s, NULL) : 1.0;
    return f >= 1.0 ? f : 1.0;
}

/* v scaled by the slowdown factor */
static inline long long test_slow(long long v)
{
    return (long long)((double)v * test_slowdown());
}

#endif
