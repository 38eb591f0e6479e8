/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ojrun run [create flags] [--detach] ID: create + start
 * (ojrun_container_run(), which keeps the parsed config), then (unless
 * --detach) wait for the process, forward signals to it, delete the
 * container (not with --keep) and exit with the process's status (128+N
 * when killed by signal N, as a shell reports it).  A process.terminal
 * without --console-socket is relayed to our stdio (foreground.h).
 *
 * ojrun run --result FILE|- ...: the same, supervised as a judge task
 * (limits, accounting, verdict; supervise.h), the result JSON written to
 * FILE or stdout after the exit.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "container.h"
#include "foreground.h"
#include "log.h"
#include "util.h"

/* `run --result`: the same supervision as ojrun-shim, in this process
 * (specs/shim-protocol.md), through the public API's ojrun_task_run().  The
 * exit status is the program's, as for run. */
static int run_supervised(const struct oj_globals *g, struct oj_create_opts *o)
{
    const ojrun_create_options co = oj_create_options_of(o);
    const ojrun_task_spec spec = {
        .id = o->id,
        .bundle = o->bundle,
        .stdin_fd = -1,
        .stdout_fd = -1,
        .stderr_fd = -1,
        .create = &co,
    };
    ojrun_error err;
    ojrun_result res;
    if (ojrun_task_run(g->api, &spec, &res, &err) < 0) {
        oj_error("run %s: %s", o->id, err.message);
        return 1;
    }
    int rc = res.has_exit_code ? res.exit_code : res.signal ? 128 + res.signal : 1;
    _cleanup_free_ char *line = ojrun_result_json(o->id, &res);
    struct strbuf json = {0};
    sb_puts(&json, line ? line : "");
    sb_append(&json, "\n", 1);
    struct oj_err werr = {0};
    if (!line || json.oom) {
        oj_error("run %s: the result JSON: out of memory", o->id);
        rc = 1;
    } else if (strcmp(o->result, "-") == 0) {
        fflush(stdout);
        if (oj_write_all(STDOUT_FILENO, json.s, json.len) < 0) {
            oj_error("run %s: write the result to stdout: %m", o->id);
            rc = 1;
        }
    } else if (oj_write_file_atomic(o->result, json.s, json.len, 0644, &werr) < 0) {
        oj_error("run %s: --result: %s", o->id, werr.msg);
        rc = 1;
    }
    sb_free(&json);
    return rc;
}

int cmd_run(const struct oj_globals *g, int argc, char **argv)
{
    struct oj_create_opts o = {0};
    bool detach = false;
    int r = oj_parse_create_opts("run", argc, argv, &o, &detach, true);
    if (r != 0)
        return r < 0 ? 1 : 0;
    if (o.result)
        return run_supervised(g, &o);

    /* Block the forwarded signals (and SIGCHLD) before the init exists, so
     * none is lost; the init restores an empty mask before it execs. */
    sigset_t set, old;
    oj_fg_signal_set(&set);
    if (!detach) {
        /* A caller that ignores SIGCHLD would make the kernel reap the init
         * itself (wait(2), NOTES) and our wait would never see it. */
        if (signal(SIGCHLD, SIG_DFL) == SIG_ERR || sigprocmask(SIG_BLOCK, &set, &old) < 0) {
            oj_error("run %s: block the forwarded signals: %m", o.id);
            return 1;
        }
    }

    /* In the foreground without --console-socket a terminal
     * (process.terminal) is ours to relay: the library hands us its
     * master, sized like our own terminal (runc: utils_linux.go setupIO). */
    struct oj_fg fg;
    oj_fg_init(&fg);
    ojrun_create_options co = oj_create_options_of(&o);
    if (!detach && !o.console_socket) {
        oj_fg_find_host(&fg);
        co.console_master = &fg.master;
        co.console_rows = fg.rows;
        co.console_cols = fg.cols;
    }
    ojrun_error err;
    ojrun_running *run = ojrun_container_run(g->api, o.id, o.bundle, NULL, &co, &err);
    if (!run) {
        oj_fg_release(&fg);
        oj_error("run %s: %s", o.id, err.message);
        return 1;
    }
    pid_t pid = ojrun_running_pid(run);
    if (detach) {
        ojrun_running_free(run);
        return 0;
    }

    char what[1100];
    snprintf(what, sizeof(what), "run %s", o.id);
    int rc;
    if (oj_fg_raw(&fg) < 0) {
        /* no usable terminal: do not leave the process running unseen */
        kill(pid, SIGKILL);
        oj_fg_wait(&fg, what, pid, true, &set);
        rc = 1;
    } else {
        rc = oj_fg_wait(&fg, what, pid, true, &set);
    }
    oj_fg_release(&fg);
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (o.keep)
        ojrun_running_free(run); /* stopped; `ojrun delete` removes it */
    else if (ojrun_running_delete(run, &err) < 0) {
        /* our stderr is the container's too: the log only (--log) */
        ojrun_context_set_log_stderr(g->api, false);
        oj_warn("run %s: %s", o.id, err.message);
    }
    return rc;
}
