/* SPDX-License-Identifier: Apache-2.0 */
#include "signals.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cleanup.h"

static const struct {
    const char *name;
    int sig;
} sigtab[] = {
    {"SIGHUP", SIGHUP},       {"SIGINT", SIGINT},       {"SIGQUIT", SIGQUIT},
    {"SIGILL", SIGILL},       {"SIGTRAP", SIGTRAP},     {"SIGABRT", SIGABRT},
    {"SIGIOT", SIGIOT},       {"SIGBUS", SIGBUS},       {"SIGFPE", SIGFPE},
    {"SIGKILL", SIGKILL},     {"SIGUSR1", SIGUSR1},     {"SIGSEGV", SIGSEGV},
    {"SIGUSR2", SIGUSR2},     {"SIGPIPE", SIGPIPE},     {"SIGALRM", SIGALRM},
    {"SIGTERM", SIGTERM},     {"SIGSTKFLT", SIGSTKFLT}, {"SIGCHLD", SIGCHLD},
    {"SIGCONT", SIGCONT},     {"SIGSTOP", SIGSTOP},     {"SIGTSTP", SIGTSTP},
    {"SIGTTIN", SIGTTIN},     {"SIGTTOU", SIGTTOU},     {"SIGURG", SIGURG},
    {"SIGXCPU", SIGXCPU},     {"SIGXFSZ", SIGXFSZ},     {"SIGVTALRM", SIGVTALRM},
    {"SIGPROF", SIGPROF},     {"SIGWINCH", SIGWINCH},   {"SIGIO", SIGIO},
    {"SIGPOLL", SIGPOLL},     {"SIGPWR", SIGPWR},       {"SIGSYS", SIGSYS},
};

int oj_signal_parse(const char *s)
{
    if (!s || !*s)
        return -1;
    if (s[0] >= '0' && s[0] <= '9') {
        char *end;
        long v = strtol(s, &end, 10);
        if (*end || v <= 0 || v > SIGRTMAX)
            return -1;
        return (int)v;
    }
    const char *name = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
    for (size_t i = 0; i < OJ_ARRAY_SIZE(sigtab); i++)
        if (strcasecmp(sigtab[i].name + 3, name) == 0)
            return sigtab[i].sig;
    /* RTMIN, RTMIN+N, RTMAX, RTMAX-N */
    if (strncasecmp(name, "RTMIN", 5) == 0 || strncasecmp(name, "RTMAX", 5) == 0) {
        bool min = strncasecmp(name, "RTMIN", 5) == 0;
        int base = min ? SIGRTMIN : SIGRTMAX;
        const char *rest = name + 5;
        if (!*rest)
            return base;
        if ((min && *rest != '+') || (!min && *rest != '-'))
            return -1;
        char *end;
        long off = strtol(rest + 1, &end, 10);
        if (*end || rest[1] < '0' || rest[1] > '9' || off < 0 || off > SIGRTMAX - SIGRTMIN)
            return -1;
        return min ? base + (int)off : base - (int)off;
    }
    return -1;
}

const char *oj_signal_name(int sig)
{
    for (size_t i = 0; i < OJ_ARRAY_SIZE(sigtab); i++)
        if (sigtab[i].sig == sig && strcmp(sigtab[i].name, "SIGIOT") != 0 &&
            strcmp(sigtab[i].name, "SIGPOLL") != 0)
            return sigtab[i].name;
    return NULL;
}
