/* SPDX-License-Identifier: Apache-2.0 */
/* ojrun state ID  and  ojrun list [--format table|json] [-q] */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cli.h"
#include "log.h"
#include "state.h"
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

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
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
    while ((c = getopt_long(argc, argv, "+:f:qh", opts, NULL)) != -1) {
        switch (c) {
        case 'f': format = optarg; break;
        case 'q': quiet = true; break;
        case 'h': printf("Usage: ojrun list [--format table|json] [--quiet]\n"); return 0;
        case ':': return oj_usage_error("list", "option '%s' requires an argument", argv[optind - 1]);
        default: return oj_usage_error("list", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind != argc)
        return oj_usage_error("list", "unexpected argument \"%s\"", argv[optind]);
    bool json = strcmp(format, "json") == 0;
    if (!json && strcmp(format, "table") != 0)
        return oj_usage_error("list", "--format: unknown format \"%s\" (table or json)", format);

    /* Collect and sort the ids so the output is stable. */
    char **names = NULL;
    size_t n = 0;
    DIR *d = opendir(g->ctx.root);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d))) {
            if (de->d_name[0] == '.' || de->d_type != DT_DIR ||
                strcmp(de->d_name, "seccomp-cache") == 0)
                continue;
            char **nn = realloc(names, (n + 1) * sizeof(*names));
            if (!nn)
                break;
            names = nn;
            if (!(names[n] = strdup(de->d_name)))
                break;
            n++;
        }
        closedir(d);
    } else if (errno != ENOENT) {
        oj_error("list: open %s: %m", g->ctx.root);
        return 1;
    }
    /* qsort(3)'s base must not be NULL, even for 0 elements (UBSan's
     * nonnull check aborts `list` of an empty root in the SAN=1 build). */
    if (n > 1)
        qsort(names, n, sizeof(*names), cmp_names);

    struct jw w;
    jw_init(&w, false);
    jw_arr_begin(&w);
    if (!json && !quiet)
        printf("%-24s %-8s %-10s %-40s %-32s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED",
               "OWNER");
    for (size_t i = 0; i < n; i++) {
        struct oj_err err = {0};
        struct oj_state *st = NULL;
        if (oj_state_load(g->ctx.root, names[i], &st, &err) < 0) {
            oj_warn("list: %s", err.msg);
            free(names[i]);
            continue;
        }
        enum oj_status s = oj_state_status(st);
        int pid = s == OJ_STATUS_STOPPED ? 0 : (int)st->pid;
        if (quiet) {
            printf("%s\n", st->id);
        } else if (json) {
            struct strbuf one = {0};
            if (oj_state_json(st, s, false, &one, &err) == 0)
                jw_raw(&w, sb_str(&one));
            sb_free(&one);
        } else {
            printf("%-24s %-8d %-10s %-40s %-32s %s\n", st->id, pid, oj_status_name(s),
                   st->bundle ? st->bundle : "", st->created ? st->created : "", "root");
        }
        oj_state_free(st);
        free(names[i]);
    }
    free(names);
    jw_arr_end(&w);
    if (json && !quiet)
        printf("%s\n", sb_str(&w.sb));
    sb_free(&w.sb);
    return 0;
}
