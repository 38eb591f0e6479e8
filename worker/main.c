/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ojrun-worker: judge submissions from a spool directory or RabbitMQ
 * (specs/worker-protocol.md).  main() turns the options into the four
 * parts and runs the loop:
 *
 *   options.c   the command line
 *   problems.c  the problems, loaded and validated at start
 *   engine      worker/judge/engine.h: compile and tests as libojrun tasks
 *   source      spool.c or amqp.c (source.h)
 *   loop.c      one poll loop between them, until SIGTERM and the drain
 *
 * The worker owns its --root: it refuses to start while another worker
 * holds it (a lock file in it), and removes at start what a killed
 * predecessor left there (containers, through libojrun) and in the work
 * directory, so that a SIGKILL leaves nothing behind for long.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "amqp.h"
#include "cleanup.h"
#include "engine.h"
#include "libojrun.h"
#include "loop.h"
#include "options.h"
#include "problem.h"
#include "problems.h"
#include "spool.h"
#include "util.h"
#include "wlog.h"

static void amqp_log(void *arg, const char *level, const char *fmt, va_list ap)
{
    wlog_v(wlog_level_from_name(level), NULL, fmt, ap);
}

static void engine_log(void *arg, const char *line)
{
    wlog(WLOG_WARN, NULL, "%s", line);
}

/* The lock that makes a --root this worker's alone. */
static int lock_root(const char *root, struct oj_err *err)
{
    if (oj_mkdir_p(root, 0711, err) < 0)
        return oj_wrap(err, "--root");
    char path[4096];
    snprintf(path, sizeof(path), "%s/.ojrun-worker.lock", root);
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return oj_fail(err, errno, "open %s", path);
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno;
        close(fd);
        if (e == EWOULDBLOCK)
            return oj_fail(err, 0, "--root %s: in use by another worker (%s is locked)", root,
                           path);
        return oj_fail(err, e, "lock %s", path);
    }
    return fd;
}

/* Containers a killed worker left under the root: delete them. */
static int sweep_containers(const char *root, struct oj_err *err)
{
    ojrun_error e = {0};
    ojrun_context *ctx = ojrun_context_new(root, &e);
    if (!ctx)
        return oj_fail(err, e.code, "%s", e.message);
    ojrun_container_info *list = NULL;
    size_t n = 0;
    if (ojrun_container_list(ctx, &list, &n, &e) < 0) {
        ojrun_context_free(ctx);
        return oj_fail(err, e.code, "%s", e.message);
    }
    for (size_t i = 0; i < n; i++) {
        if (ojrun_container_delete(ctx, list[i].id, true, &e) < 0)
            wlog(WLOG_WARN, NULL, "container %s left by a stopped worker: %s", list[i].id,
                 e.message);
        else
            wlog(WLOG_INFO, NULL, "container %s left by a stopped worker: deleted", list[i].id);
    }
    ojrun_container_list_free(list, n);
    ojrun_context_free(ctx);
    return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    if ((flag == FTW_DP ? rmdir(path) : unlink(path)) < 0 && errno != ENOENT)
        wlog(WLOG_WARN, NULL, "remove %s: %s", path, strerror(errno));
    return 0;
}

/* The work directory's contents but the engine's cache (compiled checkers
 * and interactors, worth keeping): a killed worker's bundles and boxes. */
static void sweep_work_dir(const char *dir)
{
    _cleanup_closedir_ DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
            strcmp(de->d_name, "cache") == 0)
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        wlog(WLOG_INFO, NULL, "%s: left by a stopped worker: removed", path);
        /* FTW_MOUNT: never into a file system mounted below (none should be) */
        if (nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0)
            wlog(WLOG_WARN, NULL, "remove %s: %s", path, strerror(errno));
    }
}

static int open_source(const struct worker_options *o, struct oj_source **src,
                       const struct submission_rules *rules, struct oj_err *err)
{
    if (o->spool) {
        struct oj_spool_options so = {
            .dir = o->spool,
            .max_attempts = o->max_attempts,
            .max_body = submission_max_body(rules),
            .progress = !o->no_progress,
        };
        return oj_spool_source_open(&so, src, err);
    }
#ifdef OJ_WORKER_AMQP
    struct oj_amqp_options ao = {
        .url = o->amqp_url,
        .routing = o->routing,
        /* direct routing without --languages or --queue: every language */
        .languages = o->languages ? (const char *const *)o->languages
                     : o->queue   ? NULL
                                  : oj_problem_languages,
        .queue = o->queue,
        .queue_type = o->queue_type,
        .prefetch = o->prefetch,
        .max_attempts = o->max_attempts,
        .log = amqp_log,
    };
    return oj_amqp_source_open(&ao, src, err);
#else
    (void)amqp_log;
    return oj_fail(err, 0,
                   "--amqp: this ojrun-worker was built without AMQP support "
                   "(worker/amqp.c and librabbitmq)");
#endif
}

static int run(struct worker_options *o)
{
    struct oj_err err = {0};
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    /* blocked here, read from the signalfd; libojrun gives each task an
     * empty mask and default dispositions again (libojrun.h, Rules) */
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) {
        wlog(WLOG_ERROR, NULL, "block SIGTERM and SIGINT: %s", strerror(errno));
        return 1;
    }
    /* a broker connection that drops must be an error, not a death */
    signal(SIGPIPE, SIG_IGN);
    _cleanup_close_ int sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (sfd < 0) {
        wlog(WLOG_ERROR, NULL, "signalfd: %s", strerror(errno));
        return 1;
    }

    char prefix[32];
    if (!o->id_prefix) {
        uint32_t r = 0;
        if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
            r = (uint32_t)getpid() ^ (uint32_t)time(NULL);
        snprintf(prefix, sizeof(prefix), "ojw-%08x", r);
        o->id_prefix = prefix;
    }

    _cleanup_close_ int lock = lock_root(o->root, &err);
    if (lock < 0) {
        wlog(WLOG_ERROR, NULL, "%s", err.msg);
        return 1;
    }
    if (sweep_containers(o->root, &err) < 0) {
        wlog(WLOG_ERROR, NULL, "--root %s: %s", o->root, err.msg);
        return 1;
    }
    sweep_work_dir(o->work_dir);

    size_t loaded = 0, bad = 0;
    struct problem_set *problems = NULL;
    if (problem_set_open(o->problems, &problems, &loaded, &bad, &err) < 0) {
        wlog(WLOG_ERROR, NULL, "%s", err.msg);
        return 1;
    }

    struct oj_engine_options eo = {
        .state_root = o->root,
        .work_dir = o->work_dir,
        .id_prefix = o->id_prefix,
        .slots = o->slots,
        .cpus = o->cpus,
        .keep = o->keep,
        .log = engine_log,
    };
    struct oj_engine *engine = NULL;
    if (oj_engine_new(&eo, &engine, &err) < 0) {
        wlog(WLOG_ERROR, NULL, "%s", err.msg);
        problem_set_free(problems);
        return 1;
    }
    unsigned slots = oj_engine_free_slots(engine);
    if (!o->prefetch)
        o->prefetch = slots;

    struct submission_rules rules = {
        .max_source_bytes = o->max_source_bytes,
        .languages = (const char *const *)o->languages,
    };
    struct oj_source *src = NULL;
    if (open_source(o, &src, &rules, &err) < 0) {
        wlog(WLOG_ERROR, NULL, "%s", err.msg);
        oj_engine_free(engine);
        problem_set_free(problems);
        return 1;
    }
    wlog(WLOG_INFO, NULL,
         "serving %s%s%s with %u slot(s), prefetch %u; %zu problem(s) loaded, %zu refused",
         src->ops->name, o->spool ? " " : "", o->spool ? o->spool : "", slots, o->prefetch, loaded,
         bad);

    struct worker_loop_config lc = {
        .src = src,
        .engine = engine,
        .problems = problems,
        .rules = rules,
        .prefetch = o->prefetch,
        .drain_seconds = o->drain_seconds,
        .progress = !o->no_progress,
        .signal_fd = sfd,
    };
    int rc = worker_loop_run(&lc, &err);
    if (rc < 0)
        wlog(WLOG_ERROR, NULL, "%s", err.msg);
    src->ops->close(src);
    oj_engine_free(engine);
    problem_set_free(problems);
    return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
    struct worker_options o;
    struct oj_err err = {0};
    if (worker_options_parse(argc, argv, getenv("OJRUN_AMQP_URL"), &o, &err) < 0) {
        fprintf(stderr, "ojrun-worker: %s\nTry 'ojrun-worker --help'.\n", err.msg);
        worker_options_clear(&o);
        return 2;
    }
    if (o.help) {
        fputs(worker_usage, stdout);
        worker_options_clear(&o);
        return 0;
    }
    wlog_setup(o.log_json, o.debug);
    int rc = run(&o);
    worker_options_clear(&o);
    return rc;
}
