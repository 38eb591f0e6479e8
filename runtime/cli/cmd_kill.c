/* SPDX-License-Identifier: Apache-2.0 */
/* ojrun kill [--all] ID [SIGNAL]   (default SIGTERM, as runc) */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "signals.h"

int cmd_kill(const struct oj_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"all", no_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    bool all = false;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "ah", opts, NULL)) != -1) {
        switch (c) {
        case 'a': all = true; break;
        case 'h': printf("Usage: ojrun kill [--all] CONTAINER_ID [SIGNAL]\n"); return 0;
        default: return oj_usage_error("kill", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return oj_usage_error("kill", "missing container id");
    if (argc - optind > 2)
        return oj_usage_error("kill", "too many arguments");
    const char *id = argv[optind];
    int sig = SIGTERM;
    if (argc - optind == 2) {
        /* 0: only check that the init exists (kill(2)), as runc allows */
        sig = strcmp(argv[optind + 1], "0") == 0 ? 0 : oj_signal_parse(argv[optind + 1]);
        if (sig < 0)
            return oj_usage_error("kill", "unknown signal \"%s\"", argv[optind + 1]);
    }
    ojrun_error err;
    if (ojrun_container_kill(g->api, id, sig, all, &err) < 0) {
        oj_error("kill %s: %s", id, err.message);
        return 1;
    }
    return 0;
}
