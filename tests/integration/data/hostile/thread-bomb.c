/* Creates threads that never end, for ever: threads are allowed, the pids
 * cgroup bounds them (64).  It keeps trying after the first failure, so
 * only the time limit ends it (TLE); stderr says how many it got. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void *sleeper(void *arg)
{
    for (;;)
        pause();
    return arg;
}

int main(void)
{
    int made = 0, reported = 0;
    for (;;) {
        pthread_t t;
        pthread_attr_t a;
        pthread_attr_init(&a);
        pthread_attr_setstacksize(&a, 64 << 10);
        int rc = pthread_create(&t, &a, sleeper, NULL);
        pthread_attr_destroy(&a);
        if (rc == 0)
            made++;
        else if (!reported) {
            fprintf(stderr, "pthread_create: %s after %d threads\n", strerror(rc), made);
            reported = 1;
        }
    }
}
