/* SPDX-License-Identifier: Apache-2.0 */
/* ojrun start ID: let a created container exec its process. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "log.h"

/* Parse "[--help] ID" for the commands that take nothing else. */
int oj_parse_id_only(const char *cmd, int argc, char **argv, const char **id)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            printf("Usage: ojrun %s CONTAINER_ID\n", cmd);
            return 1;
        }
        oj_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
        return -1;
    }
    if (optind != argc - 1) {
        oj_usage_error(cmd, optind >= argc ? "missing container id" : "too many arguments");
        return -1;
    }
    *id = argv[optind];
    return 0;
}

int cmd_start(const struct oj_globals *g, int argc, char **argv)
{
    const char *id;
    int r = oj_parse_id_only("start", argc, argv, &id);
    if (r != 0)
        return r < 0 ? 1 : 0;
    ojrun_error err;
    if (ojrun_container_start(g->api, id, &err) < 0) {
        oj_error("start %s: %s", id, err.message);
        return 1;
    }
    return 0;
}
