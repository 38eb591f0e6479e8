/* SPDX-License-Identifier: Apache-2.0 */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "strbuf.h"

static int log_fd = -1;
static bool log_json;
static bool log_debug;
static struct timespec log_t0;
static bool log_stderr = true;
static int log_stderr_fd = STDERR_FILENO;
static oj_log_sink_fn log_sink;
static void *log_sink_data;

void oj_log_set_stderr(bool on)
{
    log_stderr = on;
}

void oj_log_keep_stderr(void)
{
    int fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
    if (fd >= 0)
        log_stderr_fd = fd;
    else
        log_stderr = false; /* better silent than in the container's stdio */
}

void oj_log_release_stderr(void)
{
    if (log_stderr_fd == STDERR_FILENO)
        return;
    close(log_stderr_fd);
    log_stderr_fd = STDERR_FILENO;
    log_stderr = false; /* stderr is the container's now: the log file only */
}

void oj_log_set_sink(oj_log_sink_fn fn, void *data)
{
    log_sink = fn;
    log_sink_data = data;
}

void oj_log_set_debug(bool on)
{
    if (on && !log_debug)
        clock_gettime(CLOCK_MONOTONIC, &log_t0);
    log_debug = on;
}

void oj_log_set_fd(int fd, bool json)
{
    log_fd = fd;
    log_json = json;
}

int oj_log_init(const struct oj_log_opts *opts)
{
    clock_gettime(CLOCK_MONOTONIC, &log_t0);
    log_json = opts->json;
    log_debug = opts->debug;
    if (opts->path && opts->path[0]) {
        log_fd = open(opts->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (log_fd < 0)
            return -1;
    }
    return 0;
}

bool oj_log_debug_enabled(void)
{
    return log_debug;
}

int oj_log_fd(void)
{
    return log_fd;
}

static const char *level_name(enum oj_log_level l)
{
    switch (l) {
    case OJ_LOG_DEBUG: return "debug";
    case OJ_LOG_INFO: return "info";
    case OJ_LOG_WARN: return "warning";
    case OJ_LOG_ERROR: return "error";
    }
    return "info";
}

/* Write everything or give up silently: logging must never fail a command. */
static void write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        s += w;
        n -= (size_t)w;
    }
}

static void vlog(enum oj_log_level level, bool quiet, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

void oj_log(enum oj_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(level, false, fmt, ap);
    va_end(ap);
}

void oj_warn_log_only(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(OJ_LOG_WARN, true, fmt, ap);
    va_end(ap);
}

static void vlog(enum oj_log_level level, bool quiet, const char *fmt, va_list ap)
{
    int saved_errno = errno;
    char msg[2048];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    /* One record, one line, whatever the arguments hold (a hostile
     * container id or path with a newline), as error.c does for messages. */
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';

    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long us = (now.tv_sec - log_t0.tv_sec) * 1000000LL + (now.tv_nsec - log_t0.tv_nsec) / 1000;

    /* stderr: errors and warnings always, debug records when enabled.
     * Debug lines carry the µs offset so a reader can time each step. */
    char line[2200];
    int n;
    if (level == OJ_LOG_DEBUG)
        n = snprintf(line, sizeof(line), "ojrun[%d] +%lldus: %s\n", (int)getpid(), us, msg);
    else if (level == OJ_LOG_ERROR)
        n = snprintf(line, sizeof(line), "ojrun: %s\n", msg);
    else
        n = snprintf(line, sizeof(line), "ojrun: %s: %s\n", level_name(level), msg);
    if (log_sink)
        log_sink(level, msg, log_sink_data);
    if (n > 0 && level != OJ_LOG_INFO && log_stderr && !quiet)
        write_all(log_stderr_fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);

    if (log_fd >= 0) {
        struct timespec rt;
        clock_gettime(CLOCK_REALTIME, &rt);
        struct tm tm;
        gmtime_r(&rt.tv_sec, &tm);
        char ts[64];
        snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, rt.tv_nsec);
        struct strbuf sb = {0};
        if (log_json) {
            struct jw w;
            jw_init(&w, false);
            jw_obj_begin(&w);
            jw_kstr(&w, "level", level_name(level));
            jw_kstr(&w, "msg", msg);
            jw_kstr(&w, "time", ts);
            jw_obj_end(&w);
            sb_append(&w.sb, "\n", 1);
            sb = w.sb;
        } else {
            sb_printf(&sb, "time=\"%s\" level=%s msg=", ts, level_name(level));
            sb_json_string(&sb, msg);
            sb_append(&sb, "\n", 1);
        }
        write_all(log_fd, sb_str(&sb), sb.len);
        sb_free(&sb);
    }
    errno = saved_errno;
}
