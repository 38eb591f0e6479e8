/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ojrun features
 *
 * Print the OCI features document (runtime-spec features.md): which spec
 * versions, hooks, mount options, namespaces, capabilities and seccomp
 * names ojrun recognizes.  Callers such as containerd read it to decide
 * what they may put in a config.json.  The document is built in oci_features.c
 * (ojrun_features_json()).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "log.h"
#include "util.h"

static void usage(FILE *f)
{
    fprintf(f, "Usage: ojrun features\n\n"
               "Print the OCI runtime features document (the spec versions, hooks, mount\n"
               "options, namespaces, capabilities and seccomp names ojrun recognizes) as JSON.\n\n"
               "Options:\n"
               "  --help, -h  print this help\n");
}

int cmd_features(const struct oj_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage(stdout);
            return 0;
        default:
            /* optopt names an unknown short option even inside a cluster;
             * for an unknown long option it is 0. */
            if (optopt)
                return oj_usage_error("features", "unknown option '-%c'", optopt);
            return oj_usage_error("features", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return oj_usage_error("features", "unexpected argument '%s'", argv[optind]);

    ojrun_error err;
    char *json = ojrun_features_json(&err);
    if (!json) {
        oj_error("%s", err.message);
        return 1;
    }
    ssize_t w = oj_write_all(STDOUT_FILENO, json, strlen(json));
    free(json);
    if (w < 0) {
        oj_error("features: write to stdout: %m");
        return 1;
    }
    return 0;
}
