/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ojrun exec [options] ID [COMMAND [ARG...]]: run one more process in a
 * running container (runc's `exec`, through ojrun_container_exec(); see
 * exec.h and specs/cli.md).
 *
 * Without --detach ojrun stays, forwards the signals a terminal or a
 * supervisor sends it (as `ojrun run` does), relays a --tty that no
 * --console-socket takes (foreground.h) and exits with the process's
 * status, 128+N when signal N killed it; errors of exec itself exit 255.
 * With --detach it exits as soon as the process has exec'd; the process,
 * our child, is then orphaned to the caller's subreaper (conmon,
 * containerd-shim) or to init.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "foreground.h"
#include "log.h"
#include "util.h"

static void usage(void)
{
    printf("Usage: ojrun exec [options] CONTAINER_ID COMMAND [ARG...]\n"
           "       ojrun exec [options] --process FILE CONTAINER_ID\n\n"
           "  -p, --process FILE          the process as a config.json \"process\" object\n"
           "  -d, --detach                return once the process has started\n"
           "      --pid-file FILE         write the process's PID to FILE\n"
           "  -t, --tty[=true|false]      give the process a pty (default: false)\n"
           "      --console-socket SOCK   send the pty master to SOCK (else relay it here)\n"
           "      --ignore-paused         exec into a paused container (waits for the resume)\n"
           "      --cgroup [CTRL:]PATH    run in this sub-cgroup of the container's (repeatable)\n"
           "      --cwd DIR               working directory in the container\n"
           "  -e, --env NAME=VALUE        set an environment variable (repeatable)\n"
           "  -u, --user UID[:GID]        run as UID (and GID)\n"
           "  -g, --additional-gids GID   add a supplementary group (repeatable)\n"
           "  -c, --cap CAP_NAME          add a capability (repeatable)\n"
           "      --no-new-privs          set no_new_privs\n"
           "      --preserve-fds N        pass fds 3..3+N-1 to the process\n"
           "      --apparmor PROFILE      refused: no AppArmor support\n"
           "      --process-label LABEL   refused: no SELinux support\n");
}

/* A uid or gid: 0..4294967294 ((uid_t)-1 means "unchanged" to the kernel). */
static int parse_id(const char *s, uint32_t *out)
{
    uint64_t v;
    if (oj_parse_u64(s, &v) < 0 || v >= UINT32_MAX)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static int parse_user(const char *s, ojrun_exec_options *o)
{
    _cleanup_free_ char *dup = strdup(s);
    if (!dup)
        return -1;
    char *colon = strchr(dup, ':');
    if (colon)
        *colon = '\0';
    if (parse_id(dup, &o->uid) < 0 || (colon && parse_id(colon + 1, &o->gid) < 0))
        return -1;
    o->user_set = true;
    o->gid_set = colon != NULL;
    return 0;
}

/* What the command line gives: the API's options, their arrays (pointing
 * into argv and sized argc), the id and --detach (which is ours: the
 * process is always started the same way). */
struct exec_cmd {
    ojrun_exec_options o;
    char **env, **caps, **cgroups;
    uint32_t *gids;
    const char *id;
    bool detach;
};

/* Parse the options into `x`.  0: go on, 1: --help printed, -1: usage error
 * (reported). */
static int parse_opts(int argc, char **argv, struct exec_cmd *x)
{
    enum {
        OPT_PID_FILE = 256,
        OPT_CONSOLE,
        OPT_CWD,
        OPT_NNP,
        OPT_PRESERVE,
        OPT_LABEL,
        OPT_APPARMOR,
        OPT_IGNORE_PAUSED,
        OPT_CGROUP,
    };
    static const struct option opts[] = {
        {"process", required_argument, NULL, 'p'},
        {"detach", no_argument, NULL, 'd'},
        {"pid-file", required_argument, NULL, OPT_PID_FILE},
        {"tty", optional_argument, NULL, 't'},
        {"console-socket", required_argument, NULL, OPT_CONSOLE},
        {"cwd", required_argument, NULL, OPT_CWD},
        {"env", required_argument, NULL, 'e'},
        {"user", required_argument, NULL, 'u'},
        {"additional-gids", required_argument, NULL, 'g'},
        {"cap", required_argument, NULL, 'c'},
        {"no-new-privs", no_argument, NULL, OPT_NNP},
        {"preserve-fds", required_argument, NULL, OPT_PRESERVE},
        {"process-label", required_argument, NULL, OPT_LABEL},
        {"apparmor", required_argument, NULL, OPT_APPARMOR},
        {"ignore-paused", no_argument, NULL, OPT_IGNORE_PAUSED},
        {"cgroup", required_argument, NULL, OPT_CGROUP},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    ojrun_exec_options *o = &x->o;
    int c;
    uint64_t v;
    opterr = 0;
    /* '+': stop at the container id; what follows is the command's own. */
    while ((c = getopt_long(argc, argv, "+p:dte:u:g:c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'p':
            o->process_file = optarg;
            break;
        case 'd':
            x->detach = true;
            break;
        case OPT_PID_FILE:
            o->pid_file = optarg;
            break;
        case 't':
            if (!optarg || strcmp(optarg, "true") == 0)
                o->tty = 1;
            else if (strcmp(optarg, "false") == 0)
                o->tty = 0;
            else
                return oj_usage_error("exec", "--tty: expected true or false, got \"%s\"", optarg),
                       -1;
            break;
        case OPT_CONSOLE:
            o->console_socket = optarg;
            break;
        case OPT_CWD:
            o->cwd = optarg;
            break;
        case 'e':
            x->env[o->n_env++] = optarg;
            break;
        case 'u':
            if (parse_user(optarg, o) < 0)
                return oj_usage_error("exec", "--user: expected UID[:GID] (numbers), got \"%s\"",
                                      optarg),
                       -1;
            break;
        case 'g':
            if (parse_id(optarg, &x->gids[o->n_additional_gids]) < 0)
                return oj_usage_error("exec", "--additional-gids: expected a GID, got \"%s\"",
                                      optarg),
                       -1;
            o->n_additional_gids++;
            break;
        case 'c':
            x->caps[o->n_caps++] = optarg;
            break;
        case OPT_NNP:
            o->no_new_privs = true;
            break;
        case OPT_PRESERVE:
            if (oj_parse_u64(optarg, &v) < 0 || v > 1024)
                return oj_usage_error("exec",
                                      "--preserve-fds: expected a number 0..1024, got "
                                      "\"%s\"",
                                      optarg),
                       -1;
            o->preserve_fds = (unsigned)v;
            break;
        case OPT_LABEL:
            o->process_label = optarg;
            break;
        case OPT_APPARMOR:
            o->apparmor = optarg;
            break;
        case OPT_IGNORE_PAUSED:
            o->ignore_paused = true;
            break;
        case OPT_CGROUP:
            x->cgroups[o->n_cgroups++] = optarg;
            break;
        case 'h':
            usage();
            return 1;
        default:
            return oj_usage_error("exec", "unknown option or missing value: '%s'",
                                  argv[optind - 1]),
                   -1;
        }
    }
    if (optind >= argc)
        return oj_usage_error("exec", "missing container id"), -1;
    x->id = argv[optind];
    o->args = argv + optind + 1;
    o->n_args = (size_t)(argc - optind - 1);
    if (o->process_file && o->n_args)
        return oj_usage_error("exec", "--process and a command cannot both be given"), -1;
    if (!o->process_file && o->n_args == 0)
        return oj_usage_error("exec", "missing command (or --process FILE)"), -1;
    /* runc: the terminal of a command line exec is --tty's, never
     * config.json's process.terminal; a --process file says its own. */
    if (o->tty < 0 && !o->process_file)
        o->tty = 0;
    return 0;
}

/* runc's exec exits 255 when exec itself fails (the process's own status
 * passes through unchanged); usage errors too. */
#define EXEC_FAILED 255

int cmd_exec(const struct oj_globals *g, int argc, char **argv)
{
    struct exec_cmd x = {.o = {.tty = -1}};
    /* Each repeatable option occurs at most argc times. */
    _cleanup_free_ char **env = calloc((size_t)argc + 1, sizeof(char *));
    _cleanup_free_ char **caps = calloc((size_t)argc + 1, sizeof(char *));
    _cleanup_free_ char **cgroups = calloc((size_t)argc + 1, sizeof(char *));
    _cleanup_free_ uint32_t *gids = calloc((size_t)argc + 1, sizeof(uint32_t));
    if (!env || !caps || !gids || !cgroups) {
        oj_error("exec: out of memory");
        return EXEC_FAILED;
    }
    x.env = env;
    x.o.env = env;
    x.caps = caps;
    x.o.caps = caps;
    x.gids = gids;
    x.o.additional_gids = gids;
    x.cgroups = cgroups;
    x.o.cgroups = cgroups;
    int r = parse_opts(argc, argv, &x);
    if (r != 0)
        return r < 0 ? EXEC_FAILED : 0;

    /* A caller that left SIGCHLD ignored would have our children reaped
     * by the kernel (sigaction(2), SA_NOCLDWAIT): we need the status. */
    signal(SIGCHLD, SIG_DFL);
    /* Block the forwarded signals (and SIGCHLD) before the process exists,
     * so none is lost; it clears its signal mask before execve. */
    sigset_t set, old;
    oj_fg_signal_set(&set);
    if (!x.detach)
        sigprocmask(SIG_BLOCK, &set, &old);

    /* In the foreground a terminal no console socket takes is relayed
     * here, as `run` does. */
    struct oj_fg fg;
    oj_fg_init(&fg);
    if (!x.detach && !x.o.console_socket) {
        oj_fg_find_host(&fg);
        x.o.console_master = &fg.master;
        x.o.console_rows = fg.rows;
        x.o.console_cols = fg.cols;
    }
    ojrun_error err;
    pid_t pid;
    if (ojrun_container_exec(g->api, x.id, &x.o, &pid, &err) < 0) {
        oj_fg_release(&fg);
        oj_error("exec %s: %s", x.id, err.message);
        return EXEC_FAILED;
    }
    if (x.detach)
        return 0;
    char what[1100];
    snprintf(what, sizeof(what), "exec %s", x.id);
    int status;
    if (oj_fg_raw(&fg) < 0) {
        kill(pid, SIGKILL);
        oj_fg_wait(&fg, what, pid, false, &set);
        status = EXEC_FAILED;
    } else {
        status = oj_fg_wait(&fg, what, pid, false, &set);
    }
    oj_fg_release(&fg);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return status;
}
