/* SPDX-License-Identifier: Apache-2.0 */
/* ojrun create [--bundle DIR] [--pid-file F] [--console-socket S] [--no-pivot]
 *              [--no-new-keyring] [--preserve-fds N] ID */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "container.h"
#include "log.h"

int oj_parse_create_opts(const char *cmd, int argc, char **argv, struct oj_create_opts *o,
                         bool *detach, bool run)
{
    enum { OPT_PID_FILE = 256, OPT_CONSOLE, OPT_NO_PIVOT, OPT_NO_KEYRING, OPT_PRESERVE, OPT_KEEP,
           OPT_SHIM, OPT_RESULT_SOCKET, OPT_RESULT };
    static const struct option opts[] = {
        {"bundle", required_argument, NULL, 'b'},
        {"pid-file", required_argument, NULL, OPT_PID_FILE},
        {"console-socket", required_argument, NULL, OPT_CONSOLE},
        {"no-pivot", no_argument, NULL, OPT_NO_PIVOT},
        {"no-new-keyring", no_argument, NULL, OPT_NO_KEYRING},
        {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
        {"detach", no_argument, NULL, 'd'},
        {"keep", no_argument, NULL, OPT_KEEP},
        {"shim", no_argument, NULL, OPT_SHIM},
        {"result-socket", required_argument, NULL, OPT_RESULT_SOCKET},
        {"result", required_argument, NULL, OPT_RESULT},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, run ? ":b:dh" : ":b:h", opts, NULL)) != -1) {
        switch (c) {
        case 'b': o->bundle = optarg; break;
        case OPT_PID_FILE: o->pid_file = optarg; break;
        case OPT_CONSOLE: o->console_socket = optarg; break;
        case OPT_NO_PIVOT: o->no_pivot = true; break;
        case OPT_NO_KEYRING: o->no_new_keyring = true; break;
        case OPT_PRESERVE: {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*end || end == optarg || v < 0 || v > 1024)
                return oj_usage_error(cmd, "--preserve-fds: expected a number 0..1024, got \"%s\"",
                                      optarg),
                       -1;
            o->preserve_fds = (unsigned)v;
            break;
        }
        case 'd':
            if (!run)
                goto unknown;
            *detach = true;
            break;
        case OPT_KEEP:
            if (!run)
                goto unknown;
            o->keep = true;
            break;
        case OPT_SHIM:
            if (run)
                goto unknown;
            o->shim = true;
            break;
        case OPT_RESULT_SOCKET: o->result_socket = optarg; break;
        case OPT_RESULT:
            if (!run)
                goto unknown;
            o->result = optarg;
            break;
        case 'h':
            printf("Usage: ojrun %s [options] CONTAINER_ID\n\n"
                   "  -b, --bundle DIR          bundle directory (default: .)\n"
                   "      --pid-file FILE       write the init's PID to FILE\n"
                   "      --console-socket SOCK send the pty master to SOCK (process.terminal)\n"
                   "      --no-pivot            MS_MOVE + chroot instead of pivot_root\n"
                   "      --no-new-keyring      keep the caller's session keyring\n"
                   "      --preserve-fds N      pass fds 3..3+N-1 to the container\n"
                   "      --result-socket PATH  send the task's result JSON to this unix socket\n%s",
                   cmd,
                   run ? "  -d, --detach              do not wait for the container\n"
                         "      --keep                do not delete the container after it exits\n"
                         "      --result FILE|-       supervise as a judge task; write the result\n"
                         "                            JSON to FILE (- for stdout) after the exit\n"
                       : "      --shim                supervise as a judge task with ojrun-shim\n"
                         "                            (limits, accounting, verdict: `ojrun wait`)\n");
            return 1;
        case ':':
            oj_usage_error(cmd, "option '%s' requires an argument", argv[optind - 1]);
            return -1;
        default:
        unknown:
            oj_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
            return -1;
        }
    }
    if (optind != argc - 1) {
        oj_usage_error(cmd, optind >= argc ? "missing container id" : "too many arguments");
        return -1;
    }
    o->id = argv[optind];
    if (o->result_socket && !o->shim && !o->result) {
        oj_usage_error(cmd, "--result-socket needs %s", run ? "--result" : "--shim");
        return -1;
    }
    if (o->result && *detach) {
        oj_usage_error(cmd, "--result and --detach exclude each other");
        return -1;
    }
    return 0;
}

ojrun_create_options oj_create_options_of(const struct oj_create_opts *o)
{
    return (ojrun_create_options){
        .pid_file = o->pid_file,
        .console_socket = o->console_socket,
        .no_pivot = o->no_pivot,
        .no_new_keyring = o->no_new_keyring,
        .preserve_fds = o->preserve_fds,
        .shim = o->shim,
        .result_socket = o->result_socket,
    };
}

int cmd_create(const struct oj_globals *g, int argc, char **argv)
{
    struct oj_create_opts o = {0};
    bool detach = false;
    int r = oj_parse_create_opts("create", argc, argv, &o, &detach, false);
    if (r != 0)
        return r < 0 ? 1 : 0;
    const ojrun_create_options co = oj_create_options_of(&o);
    ojrun_error err;
    if (ojrun_container_create(g->api, o.id, o.bundle, NULL, &co, &err) < 0) {
        oj_error("create %s: %s", o.id, err.message);
        return 1;
    }
    return 0;
}
