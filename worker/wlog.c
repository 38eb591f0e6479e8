/* SPDX-License-Identifier: Apache-2.0 */
/* The worker's log lines (wlog.h). */
#include "wlog.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "strbuf.h"
#include "util.h"

static bool log_json;
static bool log_debug;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void wlog_setup(bool json, bool debug)
{
    log_json = json;
    log_debug = debug;
}

enum wlog_level wlog_level_from_name(const char *name)
{
    for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
        if (strcmp(name, level_names[i]) == 0)
            return (enum wlog_level)i;
    return WLOG_INFO;
}

void wlog_v(enum wlog_level level, const char *sub, const char *fmt, va_list ap)
{
    if (level == WLOG_DEBUG && !log_debug)
        return;
    struct strbuf msg = {0};
    char tmp[1024];
    vsnprintf(tmp, sizeof(tmp), fmt, ap);
    /* one record, one line */
    for (char *p = tmp; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    if (log_json) {
        struct timeval tv;
        struct tm tm;
        char when[64];
        gettimeofday(&tv, NULL);
        gmtime_r(&tv.tv_sec, &tm);
        size_t n = strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(when + n, sizeof(when) - n, ".%06ldZ", (long)tv.tv_usec);
        struct jw w;
        jw_init(&w, false);
        jw_obj_begin(&w);
        jw_kstr(&w, "time", when);
        jw_kstr(&w, "level", level_names[level]);
        jw_kstr(&w, "msg", tmp);
        if (sub)
            jw_kstr(&w, "submission_id", sub);
        jw_obj_end(&w);
        sb_append(&w.sb, "\n", 1);
        msg = w.sb;
    } else if (sub) {
        sb_printf(&msg, "ojrun-worker: %s: %s: %s\n", level_names[level], sub, tmp);
    } else {
        sb_printf(&msg, "ojrun-worker: %s: %s\n", level_names[level], tmp);
    }
    /* one write(2) per record: lines of concurrent writers do not mix */
    if (!msg.oom)
        (void)oj_write_all(STDERR_FILENO, sb_str(&msg), msg.len);
    sb_free(&msg);
}

void wlog(enum wlog_level level, const char *sub, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    wlog_v(level, sub, fmt, ap);
    va_end(ap);
}
