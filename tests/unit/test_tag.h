/* A tag for the names of host-wide objects a unit test creates: cgroups
 * (the hierarchies are the host's), files in the host's /.  Two checkouts
 * may run their tests on one host at the same time, and pids repeat (across
 * PID namespaces, and after a crashed run left its cgroup behind), so the
 * tag is the pid and 32 random bits: "<pid>-<8 hex digits>".
 *
 * Made on first use and kept: a child forked afterwards sees its parent's
 * tag, so names a test computes before and after a fork agree. */
#ifndef OJ_TEST_TAG_H
#define OJ_TEST_TAG_H

#include <stdint.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static inline const char *test_tag(void)
{
    static char tag[32];
    if (!tag[0]) {
        uint32_t r;
        /* getrandom(2) cannot fail for 4 bytes once the pool is ready;
         * should it, the clock still differs between two runs */
        if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            r = (uint32_t)ts.tv_nsec ^ (uint32_t)ts.tv_sec;
        }
        snprintf(tag, sizeof(tag), "%d-%08x", (int)getpid(), (unsigned)r);
    }
    return tag;
}

#endif
