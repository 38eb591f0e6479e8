/* SPDX-License-Identifier: Apache-2.0 */
/*
 * resultsink PATH IDLE_MS MAX_S: a queue worker's end of --result-socket.
 * Listens on the unix stream socket PATH and copies what every connection
 * sends to stdout; after the first connection it waits IDLE_MS more for
 * further ones (a result must arrive exactly once), and gives up after MAX_S
 * seconds in all.  Ends with "connections=N" on stderr; removes PATH.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: resultsink PATH IDLE_MS MAX_S\n");
        return 2;
    }
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
    unlink(argv[1]);
    int ls = socket(AF_UNIX, SOCK_STREAM, 0);
    if (ls < 0 || bind(ls, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(ls, 16) < 0) {
        perror("resultsink: listen");
        return 1;
    }
    long long idle = atoll(argv[2]), deadline = now_ms() + atoll(argv[3]) * 1000;
    int conns = 0;
    for (;;) {
        long long t = now_ms(), until = deadline;
        if (t >= until)
            break;
        struct pollfd p = {.fd = ls, .events = POLLIN};
        if (poll(&p, 1, (int)(until - t)) <= 0)
            break;
        int c = accept(ls, NULL, NULL);
        if (c < 0)
            continue;
        conns++;
        char buf[4096];
        ssize_t n;
        while ((n = read(c, buf, sizeof(buf))) > 0)
            fwrite(buf, 1, (size_t)n, stdout);
        fflush(stdout);
        close(c);
        if (now_ms() + idle < deadline)
            deadline = now_ms() + idle;
    }
    unlink(argv[1]);
    fprintf(stderr, "connections=%d\n", conns);
    return 0;
}
