/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ojrun: an OCI runtime for online judges.
 *
 * This file holds only the command-line front: global flags, the command
 * table, --version and --help.  The commands live in cmd_*.c, the helpers
 * they share in cli.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <seccomp.h>

#include "cli.h"
#include "log.h"
#include "version.h"

struct oj_command {
    const char *name;
    oj_cmd_fn fn;
    const char *summary;
};

static const struct oj_command commands[] = {
    {"create", cmd_create, "create a container"},
    {"start", cmd_start, "start the user process of a created container"},
    {"state", cmd_state, "print the state of a container as JSON"},
    {"kill", cmd_kill, "send a signal to the container's init (or all its processes)"},
    {"delete", cmd_delete, "delete a stopped container (--force: any container)"},
    {"run", cmd_run, "create and start a container, wait for it"},
    {"exec", cmd_exec, "run another process in a running container"},
    {"list", cmd_list, "list containers"},
    {"pause", cmd_pause, "freeze every process of a container"},
    {"resume", cmd_resume, "thaw a paused container"},
    {"update", cmd_update, "change the cgroup limits of a live container"},
    {"ps", cmd_ps, "list the processes of a container"},
    {"events", cmd_events, "print container statistics and OOM events as JSON"},
    {"wait", cmd_wait, "wait for a task supervised by ojrun-shim, print its result"},
    {"spec", cmd_spec, "write a default config.json"},
    {"features", cmd_features, "print the features this runtime supports as JSON"},
    {"help", NULL, "show the commands, or the usage of one command (help COMMAND)"},
};

static void print_version(void)
{
    const struct scmp_version *v = seccomp_version();
    printf("ojrun version %s\n", OJRUN_VERSION);
    printf("commit: %s\n", OJRUN_COMMIT);
    printf("spec: %s\n", OJRUN_OCI_SPEC_VERSION);
    printf("libseccomp: %u.%u.%u\n", v->major, v->minor, v->micro);
}

static void print_help(FILE *f)
{
    fprintf(f, "Usage: ojrun [global options] COMMAND [options] [arguments]\n\n"
               "ojrun is an OCI container runtime for online judges.\n\nCommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nGlobal options:\n"
               "  --root DIR            state directory (default " OJ_DEFAULT_ROOT ")\n"
               "  --log FILE            also write log records to FILE\n"
               "  --log-format FORMAT   text (default) or json\n"
               "  --debug               trace each step with microsecond timestamps\n"
               "  --systemd-cgroup      not supported (ojrun manages cgroupfs directly)\n"
               "  --version, -v         print the version\n"
               "  --help, -h            print this help\n");
}

/* The command's context lives as long as main() (LeakSanitizer checks). */
static void free_context(ojrun_context **c)
{
    ojrun_context_free(*c);
}

int main(int argc, char **argv)
{
    struct oj_globals g = {.ctx.root = OJ_DEFAULT_ROOT, .argv0 = argv[0]};
    const char *log_format = "text";
    bool systemd_cgroup = false;

    enum { OPT_ROOT = 256, OPT_LOG, OPT_LOG_FORMAT, OPT_DEBUG, OPT_SYSTEMD, OPT_ROOTLESS };
    static const struct option opts[] = {
        {"root", required_argument, NULL, OPT_ROOT},
        {"log", required_argument, NULL, OPT_LOG},
        {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
        {"debug", no_argument, NULL, OPT_DEBUG},
        {"trace", no_argument, NULL, OPT_DEBUG},
        {"systemd-cgroup", no_argument, NULL, OPT_SYSTEMD},
        /* runc accepts --rootless true|false|auto; we accept and ignore it. */
        {"rootless", required_argument, NULL, OPT_ROOTLESS},
        {"version", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    /* '+': stop at the first non-option (the command name); ':': a missing
     * option argument is reported as such, not as an unknown option. */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+:vh", opts, NULL)) != -1) {
        switch (c) {
        case OPT_ROOT: g.ctx.root = optarg; break;
        case OPT_LOG: g.ctx.log.path = optarg; break;
        case OPT_LOG_FORMAT: log_format = optarg; break;
        case OPT_DEBUG: g.ctx.log.debug = true; break;
        case OPT_SYSTEMD: systemd_cgroup = true; break;
        case OPT_ROOTLESS: break;
        case 'v': print_version(); return 0;
        case 'h': print_help(stdout); return 0;
        case ':':
            return oj_usage_error(NULL, "option '%s' requires an argument", argv[optind - 1]);
        default:
            return oj_usage_error(NULL, "unknown global option '%s'", argv[optind - 1]);
        }
    }

    if (strcmp(log_format, "json") == 0)
        g.ctx.log.json = true;
    else if (strcmp(log_format, "text") != 0)
        return oj_usage_error(NULL, "--log-format: unknown format \"%s\" (text or json)",
                              log_format);

    /* The log, through the context of the public API: stderr as a command
     * prints, --log FILE, --debug. */
    ojrun_error err;
    __attribute__((cleanup(free_context))) ojrun_context *api =
        ojrun_context_new(g.ctx.root, &err);
    g.api = api;
    if (!g.api) {
        oj_error("%s", err.message);
        return 1;
    }
    ojrun_context_set_log_stderr(g.api, true);
    ojrun_context_set_debug(g.api, g.ctx.log.debug);
    if (g.ctx.log.path && g.ctx.log.path[0] &&
        ojrun_context_set_log_file(g.api, g.ctx.log.path,
                                   g.ctx.log.json ? OJRUN_LOG_JSON : OJRUN_LOG_TEXT, &err) < 0) {
        oj_error("%s", err.message);
        return 1;
    }
    if (systemd_cgroup) {
        oj_error("--systemd-cgroup: not supported: ojrun manages cgroups through cgroupfs only");
        return 1;
    }
    if (g.ctx.root[0] == '\0')
        return oj_usage_error(NULL, "--root: empty path");

    if (optind >= argc) {
        print_help(stderr);
        return 1;
    }
    const char *name = argv[optind];
    /* runc's `help [COMMAND]`: the command's own --help */
    char help_flag[] = "--help";
    char *help_argv[3];
    if (strcmp(name, "help") == 0) {
        if (optind + 1 >= argc) {
            print_help(stdout);
            return 0;
        }
        const char *a = argv[optind + 1];
        if (strcmp(a, "help") == 0 || strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            printf("Usage: ojrun help [COMMAND]\n");
            return 0;
        }
        name = argv[optind + 1];
        help_argv[0] = argv[optind + 1];
        help_argv[1] = help_flag;
        help_argv[2] = NULL;
        argv = help_argv;
        argc = 2;
        optind = 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (commands[i].fn && strcmp(commands[i].name, name) == 0) {
            /* Reset getopt for the command's own parsing. */
            int cargc = argc - optind;
            char **cargv = argv + optind;
            optind = 0;
            return commands[i].fn(&g, cargc, cargv);
        }
    }
    return oj_usage_error(NULL, "unknown command \"%s\"", name);
}
