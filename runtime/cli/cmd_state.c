/* SPDX-License-Identifier: Apache-2.0 */
/* ojrun state ID  and  ojrun list [--format table|json] [-q], through
 * ojrun_container_state() and ojrun_container_list() */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cli.h"
#include "log.h"
#include "strbuf.h"

int cmd_state(const struct oj_globals *g, int argc, char **argv)
{
    const char *id;
    int r = oj_parse_id_only("state", argc, argv, &id);
    if (r != 0)
        return r < 0 ? 1 : 0;
    ojrun_error err;
    _cleanup_free_ char *json = NULL;
    if (ojrun_container_state(g->api, id, NULL, NULL, &json, &err) < 0) {
        oj_error("state %s: %s", id, err.message);
        return 1;
    }
    printf("%s\n", json);
    return 0;
}

int cmd_list(const struct oj_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    const char *format = "table";
    bool quiet = false;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":f:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            format = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            printf("Usage: ojrun list [--format table|json] [--quiet]\n");
            return 0;
        case ':':
            return oj_usage_error("list", "option '%s' requires an argument", argv[optind - 1]);
        default:
            return oj_usage_error("list", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc)
        return oj_usage_error("list", "unexpected argument \"%s\"", argv[optind]);
    bool json = strcmp(format, "json") == 0;
    if (!json && strcmp(format, "table") != 0)
        return oj_usage_error("list", "--format: unknown format \"%s\" (table or json)", format);

    ojrun_error err;
    ojrun_container_info *list = NULL;
    size_t n = 0;
    if (ojrun_container_list(g->api, &list, &n, &err) < 0) {
        oj_error("list: %s", err.message);
        return 1;
    }
    struct jw w;
    jw_init(&w, false);
    jw_arr_begin(&w);
    if (!json && !quiet)
        printf("%-24s %-8s %-10s %-40s %-32s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED",
               "OWNER");
    for (size_t i = 0; i < n; i++) {
        const ojrun_container_info *ci = &list[i];
        if (quiet)
            printf("%s\n", ci->id);
        else if (json && ci->json)
            jw_raw(&w, ci->json);
        else if (!json)
            printf("%-24s %-8d %-10s %-40s %-32s %s\n", ci->id, (int)ci->pid,
                   ojrun_status_name(ci->status), ci->bundle ? ci->bundle : "",
                   ci->created ? ci->created : "", "root");
    }
    ojrun_container_list_free(list, n);
    jw_arr_end(&w);
    if (json && !quiet)
        printf("%s\n", sb_str(&w.sb));
    sb_free(&w.sb);
    return 0;
}
