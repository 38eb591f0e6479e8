/* SPDX-License-Identifier: Apache-2.0 */
/* ojrun delete [--force] ID */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "log.h"

int cmd_delete(const struct oj_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"force", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    bool force = false;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "fh", opts, NULL)) != -1) {
        switch (c) {
        case 'f': force = true; break;
        case 'h': printf("Usage: ojrun delete [--force] CONTAINER_ID\n"); return 0;
        default: return oj_usage_error("delete", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc - 1)
        return oj_usage_error("delete", optind >= argc ? "missing container id"
                                                       : "too many arguments");
    const char *id = argv[optind];
    ojrun_error err;
    if (ojrun_container_delete(g->api, id, force, &err) < 0) {
        oj_error("delete %s: %s", id, err.message);
        return 1;
    }
    return 0;
}
