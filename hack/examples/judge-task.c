/* SPDX-License-Identifier: Apache-2.0 */
/*
 * judge-task: a judged task through libojrun, the way a judge worker runs
 * them -- several at once, driven from one poll() loop, no `ojrun` exec'd.
 *
 *   judge-task [-r ROOT] [-l LANG -x BOX] [-c CPU_MS] [-n TASKS] [-p CPUS]
 *              [-k MS] BUNDLE ID
 *
 * With -l, first write the run-phase judge bundle of language LANG, whose
 * program is in BOX, into BUNDLE (what `ojrun spec --judge` does).  Then
 * run TASKS tasks (default 1), ids ID-0, ID-1, ..., from BUNDLE's config,
 * with a CPU limit of CPU_MS if given, pinned to CPUS ("0", "0-1") if
 * given, and print each result as one JSON line, in the order they finish
 * (cancelled, verdict SE, if still running after MS ms with -k).  The
 * tasks' output goes to our stderr.
 *
 * Build: cc judge-task.c $(pkg-config --cflags --libs libojrun)
 */
#include <errno.h>
#include <libojrun.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define MAX_TASKS 64

static int die(const char *what, const ojrun_error *err)
{
    fprintf(stderr, "judge-task: %s: %s\n", what, err->message);
    return 1;
}

int main(int argc, char **argv)
{
    const char *root = "/run/ojrun", *lang = NULL, *box = NULL, *cpus = NULL;
    ojrun_limits limits = {0};
    int ntasks = 1, cancel_ms = -1, opt;
    while ((opt = getopt(argc, argv, "r:l:x:c:n:p:k:")) != -1) {
        /* clang-format off */
        switch (opt) {
        case 'r': root = optarg; break;
        case 'l': lang = optarg; break;
        case 'x': box = optarg; break;
        case 'c': limits.cpu_ms = strtoull(optarg, NULL, 10); break;
        case 'n': ntasks = atoi(optarg); break;
        case 'p': cpus = optarg; break;
        case 'k': cancel_ms = atoi(optarg); break;
        default: return 2;
        }
        /* clang-format on */
    }
    if (argc - optind != 2 || ntasks < 1 || ntasks > MAX_TASKS || (lang && !box)) {
        fprintf(stderr, "usage: judge-task [-r ROOT] [-l LANG -x BOX] [-c CPU_MS] "
                        "[-n TASKS] [-p CPUS] [-k MS] BUNDLE ID\n");
        return 2;
    }
    const char *bundle = argv[optind], *id = argv[optind + 1];

    /* 1. A context: where container state lives, where log records go. */
    ojrun_error err;
    ojrun_context *ctx = ojrun_context_new(root, &err);
    if (!ctx)
        return die("context", &err);
    ojrun_context_set_log_stderr(ctx, true);

    /* 2. The bundle: written from a judge template, or given. */
    if (lang) {
        ojrun_judge_request req = {.lang = lang, .phase = "run", .box = box, .bundle = bundle};
        if (ojrun_judge_write_bundle(ctx, &req, &err) < 0)
            return die("judge bundle", &err);
    }
    /* Parsed once; every task gets its own copy. */
    ojrun_config *cfg = ojrun_config_load_bundle(bundle, &err);
    if (!cfg)
        return die(bundle, &err);

    /* 3. Start the tasks: each returns at once with a pollable fd. */
    ojrun_task *tasks[MAX_TASKS];
    char ids[MAX_TASKS][128];
    struct pollfd pfd[MAX_TASKS];
    for (int i = 0; i < ntasks; i++) {
        snprintf(ids[i], sizeof(ids[i]), "%s-%d", id, i);
        ojrun_task_spec spec = {
            .id = ids[i],
            .config = cfg,
            .stdin_fd = -1, /* /dev/null */
            .stdout_fd = STDERR_FILENO,
            .stderr_fd = STDERR_FILENO,
            .limits = limits, /* zero fields: the config's own */
            .cpus = cpus,     /* NULL: the config's cpuset */
        };
        tasks[i] = ojrun_task_spawn(ctx, &spec, &err);
        if (!tasks[i])
            return die(ids[i], &err);
        pfd[i] = (struct pollfd){.fd = ojrun_task_fd(tasks[i]), .events = POLLIN};
    }

    /* 4. The event loop: a task's fd becomes readable when it is over. */
    int left = ntasks, status = 0;
    while (left > 0) {
        int ready = poll(pfd, (nfds_t)ntasks, cancel_ms);
        if (ready < 0) {
            perror("judge-task: poll");
            return 1;
        }
        if (ready == 0) { /* -k: time is up; the results still come */
            for (int i = 0; i < ntasks; i++)
                if (pfd[i].fd >= 0 && ojrun_task_cancel(tasks[i], &err) < 0)
                    return die(ids[i], &err);
            cancel_ms = -1;
            continue;
        }
        for (int i = 0; i < ntasks; i++) {
            if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP)))
                continue;
            ojrun_result res;
            if (ojrun_task_collect(tasks[i], &res, &err) < 0) {
                if (err.code == EAGAIN) /* woken, but not finished */
                    continue;
                status = die(ids[i], &err);
            } else {
                char *json = ojrun_result_json(ids[i], &res);
                printf("%s\n", json ? json : "{}");
                fflush(stdout);
                free(json);
            }
            ojrun_task_free(tasks[i]);
            pfd[i].fd = -1; /* poll() ignores negative fds */
            left--;
        }
    }

    /* 5. Clean up: every container was deleted by its task. */
    ojrun_config_free(cfg);
    ojrun_context_free(ctx);
    return status;
}
