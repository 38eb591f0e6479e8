/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ojrun ps [--format table|json] ID [PS_OPTIONS...]: the processes of a
 * container, as runc's `ps` shows them.
 *
 * The list is the container's cgroup (every cgroup.procs below it, from
 * ojrun_container_pids()), so it holds host PIDs, including processes that
 * joined with `exec` and daemons that left the init's process tree.
 *
 *   --format json   a JSON array of those PIDs: what containerd's runc shim
 *                   reads ([] when there are none; runc prints null).
 *   --format table  runs the host's ps(1) with PS_OPTIONS (default -ef),
 *                   finds the PID column in its header and prints the
 *                   header and the lines of the container's processes.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli.h"
#include "log.h"
#include "strbuf.h"
#include "util.h"

#define PS_OUTPUT_MAX (64u << 20)

/* Run ps(1) with `args` (argv[0] excluded, NULL-terminated) and collect its
 * standard output.  Its stderr stays ours. */
static int run_ps(char **args, size_t n, struct strbuf *out, struct oj_err *err)
{
    _cleanup_free_ char **argv = calloc(n + 2, sizeof(*argv));
    if (!argv)
        return oj_fail(err, ENOMEM, "run ps");
    argv[0] = "ps";
    for (size_t i = 0; i < n; i++)
        argv[i + 1] = args[i];
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return oj_fail(err, errno, "run ps: pipe");
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(p[0]);
        close(p[1]);
        return oj_fail(err, e, "run ps: fork");
    }
    if (pid == 0) {
        if (dup2(p[1], STDOUT_FILENO) < 0)
            _exit(127);
        execvp("ps", argv);
        fprintf(stderr, "ojrun: ps: exec ps: %s\n", strerror(errno));
        _exit(127);
    }
    close(p[1]);
    char buf[65536];
    ssize_t r;
    int read_errno = 0;
    while ((r = read(p[0], buf, sizeof(buf))) != 0) {
        if (r < 0) {
            if (errno == EINTR)
                continue;
            read_errno = errno;
            break;
        }
        if (out->len + (size_t)r > PS_OUTPUT_MAX) {
            read_errno = EFBIG;
            break;
        }
        sb_append(out, buf, (size_t)r);
    }
    close(p[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return oj_fail(err, errno, "run ps: wait");
    }
    if (read_errno)
        return oj_fail(err, read_errno, "read the output of ps");
    if (out->oom)
        return oj_fail(err, ENOMEM, "read the output of ps");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return oj_fail(err, 0, "ps %s failed (exit status %d)", n ? args[0] : "",
                       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    return 0;
}

/* The index of the whitespace-separated field `name` in `line`, or -1. */
static int field_index(const char *line, const char *name)
{
    int idx = 0;
    for (const char *p = line;;) {
        p += strspn(p, " \t");
        if (!*p)
            return -1;
        size_t len = strcspn(p, " \t");
        if (len == strlen(name) && strncmp(p, name, len) == 0)
            return idx;
        p += len;
        idx++;
    }
}

/* Field `idx` of `line` as a PID, or -1. */
static long field_pid(const char *line, int idx)
{
    const char *p = line;
    for (int i = 0;; i++) {
        p += strspn(p, " \t");
        if (!*p)
            return -1;
        size_t len = strcspn(p, " \t");
        if (i == idx) {
            char num[16];
            if (len == 0 || len >= sizeof(num))
                return -1;
            memcpy(num, p, len);
            num[len] = '\0';
            int64_t v;
            return oj_parse_i64(num, &v) == 0 && v > 0 && v <= INT_MAX ? (long)v : -1;
        }
        p += len;
    }
}

static bool has_pid(const pid_t *pids, size_t n, long pid)
{
    for (size_t i = 0; i < n; i++)
        if (pids[i] == pid)
            return true;
    return false;
}

static int print_table(const pid_t *pids, size_t n, char **args, size_t n_args, struct oj_err *err)
{
    static char *defaults[] = {"-ef", NULL};
    if (n_args == 0) {
        args = defaults;
        n_args = 1;
    }
    struct strbuf out = {0};
    if (run_ps(args, n_args, &out, err) < 0) {
        sb_free(&out);
        return -1;
    }
    char *text = out.s ? out.s : "";
    char *save = NULL;
    char *header = strtok_r(text, "\n", &save);
    int idx = header ? field_index(header, "PID") : -1;
    if (idx < 0) {
        sb_free(&out);
        return oj_fail(err, 0, "no PID column in the output of ps (ps options must keep it)");
    }
    printf("%s\n", header);
    for (char *line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        long pid = field_pid(line, idx);
        if (pid > 0 && has_pid(pids, n, pid))
            printf("%s\n", line);
    }
    sb_free(&out);
    return 0;
}

int cmd_ps(const struct oj_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    const char *format = "table";
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+f:h", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            format = optarg;
            break;
        case 'h':
            printf("Usage: ojrun ps [--format table|json] CONTAINER_ID [PS_OPTIONS...]\n");
            return 0;
        default:
            return oj_usage_error("ps", "unknown option '%s'", argv[optind - 1]);
        }
    }
    bool json = strcmp(format, "json") == 0;
    if (!json && strcmp(format, "table") != 0)
        return oj_usage_error("ps", "--format: unknown format \"%s\" (table or json)", format);
    if (optind >= argc)
        return oj_usage_error("ps", "missing container id");
    const char *id = argv[optind];
    char **ps_args = argv + optind + 1;
    size_t n_ps_args = (size_t)(argc - optind - 1);
    if (n_ps_args > 0 && strcmp(ps_args[0], "--") == 0) {
        ps_args++;
        n_ps_args--;
    }
    if (json && n_ps_args > 0)
        return oj_usage_error("ps", "ps options cannot be combined with --format json");

    ojrun_error aerr;
    _cleanup_free_ pid_t *pids = NULL;
    size_t n = 0;
    if (ojrun_container_pids(g->api, id, &pids, &n, &aerr) < 0) {
        oj_error("ps %s: %s", id, aerr.message);
        return 1;
    }

    if (json) {
        struct jw w;
        jw_init(&w, false);
        jw_arr_begin(&w);
        for (size_t i = 0; i < n; i++)
            jw_int(&w, pids[i]);
        jw_arr_end(&w);
        printf("%s\n", sb_str(&w.sb));
        sb_free(&w.sb);
        return 0;
    }
    struct oj_err err = {0};
    if (print_table(pids, n, ps_args, n_ps_args, &err) < 0) {
        oj_error("ps %s: %s", id, err.msg);
        return 1;
    }
    return 0;
}
