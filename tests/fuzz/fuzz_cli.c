/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: the command-line parsers.  The first byte selects the
 * parser, the rest is split at NUL bytes into argv (argv[0] is the command
 * name, as main() passes it):
 *
 *   0 create flags   1 run flags   2 "[--help] ID"   3 kill   4 delete
 *   5 state          6 list        7 signal names    8 container ids
 *   9 pause         10 resume     11 ps             12 events
 *  13 wait          14 update
 *
 * Commands 3-6 and 9-14 run for real, against a --root under /proc that
 * cannot exist (so they can never touch a container); create, run and spec
 * are only parsed.  Output the commands print goes to /dev/null, and stdin
 * (`update -r -`) comes from it.
 *
 * Properties: a successful parse names exactly the last argument as the
 * id; --preserve-fds stays within 0..1024; commands return 0 or 1; a
 * signal name maps back to its number; an accepted id is a single path
 * component that is neither "." nor "..".
 */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "container.h"
#include "fuzz.h"
#include "log.h"
#include "shim.h"
#include "signals.h"
#include "state.h"
#include "util.h"

#define CLI_MAX_ARGS 64

static struct oj_globals cli_g = {
    .ctx.root = "/proc/ojrun-fuzz-no-such-root",
    .argv0 = "ojrun",
};

/* The verbs that go through the public API need its context, as main()
 * makes it; made once, with stderr on as for the command. */
static void cli_g_init(void)
{
    if (cli_g.api)
        return;
    cli_g.api = ojrun_context_new(cli_g.ctx.root, NULL);
    FUZZ_CHECK(cli_g.api != NULL);
    ojrun_context_set_log_stderr(cli_g.api, true);
}

static void check_id(const char *id)
{
    struct oj_err err = {0};
    if (oj_validate_id(id, &err) < 0) {
        fuzz_check_err(&err);
        return;
    }
    FUZZ_CHECK(strchr(id, '/') == NULL && strcmp(id, ".") != 0 && strcmp(id, "..") != 0);
    FUZZ_CHECK(id[0] != '-' && id[0] != '.');
    char *dir = NULL;
    FUZZ_CHECK(oj_state_dir("/run/x", id, &dir, &err) == 0);
    FUZZ_CHECK(strncmp(dir, "/run/x/", 7) == 0 && strcmp(dir + 7, id) == 0);
    free(dir);
}

static void check_signal(const char *s)
{
    int sig = oj_signal_parse(s);
    if (sig < 0)
        return;
    FUZZ_CHECK(sig >= 1 && sig <= SIGRTMAX);
    const char *name = oj_signal_name(sig);
    if (name)
        FUZZ_CHECK(oj_signal_parse(name) == sig);
}

static int run_parser(int which, int argc, char **argv)
{
    cli_g_init();
    struct oj_create_opts o = {0};
    bool detach = false;
    const char *id = NULL;
    int r;
    optind = 0; /* main() resets getopt before every command */
    switch (which) {
    case 0:
    case 1:
        r = oj_parse_create_opts(which ? "run" : "create", argc, argv, &o, &detach, which == 1);
        FUZZ_CHECK(r == 0 || r == 1 || r == -1);
        if (r == 0) {
            FUZZ_CHECK(o.id == argv[argc - 1]);
            FUZZ_CHECK(o.preserve_fds <= 1024);
            FUZZ_CHECK(which == 1 || !detach);
        }
        return 0;
    case 2:
        r = oj_parse_id_only("start", argc, argv, &id);
        FUZZ_CHECK(r == 0 || r == 1 || r == -1);
        if (r == 0)
            FUZZ_CHECK(id == argv[argc - 1]);
        return 0;
    case 3:
        return cmd_kill(&cli_g, argc, argv);
    case 4:
        return cmd_delete(&cli_g, argc, argv);
    case 5:
        return cmd_state(&cli_g, argc, argv);
    case 6:
        return cmd_list(&cli_g, argc, argv);
    case 7:
        for (int i = 1; i < argc; i++)
            check_signal(argv[i]);
        return 0;
    case 9:
        return cmd_pause(&cli_g, argc, argv);
    case 10:
        return cmd_resume(&cli_g, argc, argv);
    case 11:
        return cmd_ps(&cli_g, argc, argv);
    case 12:
        return cmd_events(&cli_g, argc, argv);
    case 13:
        return cmd_wait(&cli_g, argc, argv);
    case 14:
        return cmd_update(&cli_g, argc, argv);
    default:
        for (int i = 1; i < argc; i++)
            check_id(argv[i]);
        return 0;
    }
}

static int fuzz_cli(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"create", "run",  "start",  "kill",  "delete",
                                        "state",  "list", "kill",   "state", "pause",
                                        "resume", "ps",   "events", "wait",  "update"};
    if (size < 1 || size > 4096)
        return 0;
    int which = data[0] % (int)OJ_ARRAY_SIZE(names);
    /* argv strings: the input after the selector, split at NUL bytes */
    char *buf = malloc(size + 1);
    FUZZ_CHECK(buf != NULL);
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = '\0';
    char *argv[CLI_MAX_ARGS + 2];
    char name[16];
    snprintf(name, sizeof(name), "%s", names[which]);
    int argc = 0;
    argv[argc++] = name;
    if (size > 1) {
        for (char *p = buf; argc <= CLI_MAX_ARGS && p < buf + size - 1; p += strlen(p) + 1)
            argv[argc++] = p;
    }
    argv[argc] = NULL;

    /* Commands print usage and JSON to stdout: not into the fuzzer's (or
     * the replay test's TAP) output. */
    fflush(stdout);
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    FUZZ_CHECK(devnull >= 0);
    int saved_in = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
    dup2(devnull, STDIN_FILENO);
    int saved = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 0); /* -1: stdout closed (close_fd_mask) */
    dup2(devnull, STDOUT_FILENO);
    /* no descriptor may leak: the lowest free one is the same afterwards */
    int probe = dup(devnull);
    FUZZ_CHECK(probe >= 0);
    close(probe);
    int rc = run_parser(which, argc, argv);
    int probe2 = dup(devnull);
    FUZZ_CHECK(probe2 == probe);
    close(probe2);
    fflush(stdout);
    if (saved >= 0) {
        dup2(saved, STDOUT_FILENO);
        close(saved);
    } else {
        close(STDOUT_FILENO);
    }
    if (saved_in >= 0) {
        dup2(saved_in, STDIN_FILENO);
        close(saved_in);
    } else {
        close(STDIN_FILENO);
    }
    close(devnull);
    FUZZ_CHECK(rc == 0 || rc == 1);
    free(buf);
    return 0;
}

FUZZ_ENTRY(fuzz_cli)
