/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Command-line entry points.  main.c parses the global flags (runc's:
 * --root, --log, --log-format, --debug, --systemd-cgroup) and dispatches to
 * one cmd_*() function per command, each in its own file.  A command returns
 * the process exit status; it reports errors itself through oj_error().
 *
 * This header is the CLI's own: the library (runtime/, shim/,
 * bundle-templates/generator/) never includes it; it takes what it needs
 * from the global flags as a struct oj_context (context.h).
 */
#ifndef OJRUN_CLI_H
#define OJRUN_CLI_H

#include <stdbool.h>

#include "context.h"
#include "libojrun.h"

#define OJ_DEFAULT_ROOT "/run/ojrun"

struct oj_create_opts;

struct oj_globals {
    /* --root, --log, --log-format json, --debug: what the library is given */
    struct oj_context ctx;
    /* The same as a libojrun context: the verbs the public API covers
     * (create, start, kill, delete, state, spec --judge, run --result) go
     * through it; the others still call the library's internal functions
     * with `ctx`. */
    ojrun_context *api;
    const char *argv0; /* how we were invoked */
};

/* argv[0] is the command name; getopt-style parsing starts at argv[1]. */
typedef int (*oj_cmd_fn)(const struct oj_globals *g, int argc, char **argv);

int cmd_spec(const struct oj_globals *g, int argc, char **argv);
int cmd_features(const struct oj_globals *g, int argc, char **argv);
int cmd_create(const struct oj_globals *g, int argc, char **argv);
int cmd_start(const struct oj_globals *g, int argc, char **argv);
int cmd_state(const struct oj_globals *g, int argc, char **argv);
int cmd_kill(const struct oj_globals *g, int argc, char **argv);
int cmd_delete(const struct oj_globals *g, int argc, char **argv);
int cmd_run(const struct oj_globals *g, int argc, char **argv);
int cmd_list(const struct oj_globals *g, int argc, char **argv);
int cmd_pause(const struct oj_globals *g, int argc, char **argv);
int cmd_resume(const struct oj_globals *g, int argc, char **argv);
int cmd_update(const struct oj_globals *g, int argc, char **argv);
int cmd_ps(const struct oj_globals *g, int argc, char **argv);
int cmd_events(const struct oj_globals *g, int argc, char **argv);
int cmd_wait(const struct oj_globals *g, int argc, char **argv);
int cmd_exec(const struct oj_globals *g, int argc, char **argv);

/* Parse "[--help] ID" (start, state, ...): 0 go on, 1 help printed, -1 usage error. */
int oj_parse_id_only(const char *cmd, int argc, char **argv, const char **id);

/* The flags `create` and `run` share (cmd_create.c).  Returns 0 to go on,
 * 1 when --help was printed, -1 on a usage error (already reported). */
int oj_parse_create_opts(const char *cmd, int argc, char **argv, struct oj_create_opts *o,
                         bool *detach, bool run);

/* The parsed flags as the API's create options (cmd_create.c). */
ojrun_create_options oj_create_options_of(const struct oj_create_opts *o);

/* Print "ojrun <cmd>: usage..." style errors: one line, exit status 1
 * (cli.c). */
int oj_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
