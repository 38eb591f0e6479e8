/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The verdict rules of the engine (specs/problem-format.md: "Checkers",
 * "Interactive problems"; specs/judge-templates.md, "Reference judge"),
 * apart from any container so that they are unit-tested as they are.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_internal.h"
#include "signals.h"

void oj_engine_sanitize(const char *data, size_t len, char *out, size_t size)
{
    size_t k = 0;
    for (size_t i = 0; i < len && i < 200 && data[i] != '\n' && k + 1 < size; i++) {
        unsigned char c = (unsigned char)data[i];
        out[k++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    if (size)
        out[k] = '\0';
}

static void set(struct oj_prog_verdict *o, const char *v, double fraction)
{
    snprintf(o->verdict, sizeof(o->verdict), "%s", v);
    o->fraction = fraction;
}

/* "points P" with 0 <= P <= 1 (a decimal: digits, optionally a fraction) */
static bool parse_points(const char *msg, double *p)
{
    if (strncmp(msg, "points ", 7) != 0)
        return false;
    const char *s = msg + 7, *q = s;
    while (*q >= '0' && *q <= '9')
        q++;
    if (q == s)
        return false;
    if (*q == '.') {
        const char *f = ++q;
        while (*q >= '0' && *q <= '9')
            q++;
        if (q == f)
            return false;
    }
    if (*q)
        return false;
    *p = strtod(s, NULL);
    return *p >= 0 && *p <= 1;
}

static const char *signal_name(int sig)
{
    const char *n = oj_signal_name(sig);
    return n ? n : "a signal";
}

void oj_engine_prog_verdict(const char *tv, const ojrun_result *r, const char *msg, const char *who,
                            struct oj_prog_verdict *o)
{
    memset(o, 0, sizeof(*o));
    snprintf(o->msg, sizeof(o->msg), "%s", msg);
    int code = r->has_exit_code ? r->exit_code : -1;
    if (strcmp(tv, "OK") == 0) {
        set(o, "AC", 1);
    } else if (strcmp(tv, "RE") == 0 && code == 1) {
        set(o, "WA", 0);
    } else if (strcmp(tv, "RE") == 0 && code == 2) {
        set(o, "PE", 0);
    } else if (strcmp(tv, "RE") == 0 && code == 7) {
        double p;
        if (parse_points(msg, &p))
            set(o, "PC", p);
        else {
            set(o, "SE", 0);
            snprintf(o->msg, sizeof(o->msg),
                     "%s: exit status 7 without \"points P\" (0 <= P <= 1) on its first line", who);
        }
    } else if (strcmp(tv, "RE") == 0 && code == 3) {
        set(o, "SE", 0);
        snprintf(o->msg, sizeof(o->msg), "%s failed: %.400s", who, msg);
    } else if (strcmp(tv, "SE") == 0) {
        set(o, "SE", 0);
        snprintf(o->msg, sizeof(o->msg), "%s: %.400s", who, r->error);
    } else {
        char ex[32] = "", sg[48] = "";
        if (code >= 0)
            snprintf(ex, sizeof(ex), " (exit status %d)", code);
        if (r->signal)
            snprintf(sg, sizeof(sg), " (%s)", signal_name(r->signal));
        set(o, "SE", 0);
        snprintf(o->msg, sizeof(o->msg), "%s: %s%s%s", who, tv, ex, sg);
    }
}

const char *oj_engine_run_verdict(const char *tv)
{
    if (strcmp(tv, "TLE") == 0 || strcmp(tv, "WLE") == 0)
        return "TLE";
    if (strcmp(tv, "RE") == 0 || strcmp(tv, "SG") == 0)
        return "RE";
    if (strcmp(tv, "MLE") == 0 || strcmp(tv, "OLE") == 0 || strcmp(tv, "SE") == 0)
        return tv;
    return "SE";
}

void oj_engine_interactive_verdict(const struct oj_prog_verdict *in, uint64_t iwall_us,
                                   const char *pv, const ojrun_result *prog,
                                   struct oj_prog_verdict *o)
{
    memset(o, 0, sizeof(*o));
    if (strcmp(in->verdict, "SE") == 0) {
        /* the interactor failed: never the submission's fault */
        *o = *in;
        return;
    }
    bool gave_up = strcmp(in->verdict, "WA") == 0 || strcmp(in->verdict, "PE") == 0;
    if (strcmp(pv, "OK") == 0) {
        *o = *in;
    } else if (strcmp(pv, "SE") == 0) {
        set(o, "SE", 0);
        snprintf(o->msg, sizeof(o->msg), "%.500s", prog->error);
    } else if (strcmp(pv, "RE") == 0 || strcmp(pv, "SG") == 0) {
        /* after a WA or PE the crash is the interactor going away (EOF,
         * SIGPIPE) */
        if (gave_up)
            *o = *in, o->fraction = 0;
        else {
            set(o, "RE", 0);
            if (prog->signal)
                snprintf(o->msg, sizeof(o->msg), "killed by %s", signal_name(prog->signal));
        }
    } else if (strcmp(pv, "TLE") == 0 || strcmp(pv, "WLE") == 0 || strcmp(pv, "MLE") == 0 ||
               strcmp(pv, "OLE") == 0) {
        /* the interactor started first: a shorter wall time is an earlier
         * end; both blocked on each other end together, the program's
         * wall limit first */
        if (gave_up && iwall_us + OJ_ENGINE_INTERACT_MARGIN_US < prog->wall_us)
            *o = *in, o->fraction = 0;
        else
            set(o, pv, 0);
    } else {
        set(o, "SE", 0);
        snprintf(o->msg, sizeof(o->msg), "unknown verdict %s", pv);
    }
}

const char *oj_engine_compile_verdict(const char *tv, const char *error, const char *log,
                                      size_t log_len, uint64_t log_size, struct strbuf *msg)
{
    const char *limit = NULL, *v;
    if (strcmp(tv, "OK") == 0)
        v = "OK";
    else if (strcmp(tv, "RE") == 0 || strcmp(tv, "SG") == 0)
        v = "CE";
    else if (strcmp(tv, "TLE") == 0 || strcmp(tv, "WLE") == 0)
        v = "CE", limit = "time";
    else if (strcmp(tv, "MLE") == 0)
        v = "CE", limit = "memory";
    else if (strcmp(tv, "OLE") == 0)
        v = "CE", limit = "output";
    else
        v = "SE";
    if (strcmp(v, "SE") == 0) {
        sb_puts(msg, error);
        return v;
    }
    if (limit)
        sb_printf(msg, "compilation %s limit exceeded\n", limit);
    sb_append(msg, log, log_len < OJ_ENGINE_MESSAGE_BYTES ? log_len : OJ_ENGINE_MESSAGE_BYTES);
    if (log_size > OJ_ENGINE_MESSAGE_BYTES)
        sb_printf(msg, "\n[... %llu bytes in all]", (unsigned long long)log_size);
    return v;
}

int oj_engine_limits(const struct oj_problem *p, const char *lang, int64_t cpu_ms, int64_t wall_ms,
                     int64_t memory_mb, int64_t out[3], struct oj_err *err)
{
    int64_t pc, pw;
    oj_problem_limits(p, lang, &pc, &pw);
    const int64_t want[3] = {cpu_ms, wall_ms, memory_mb}, cap[3] = {pc, pw, p->memory_mb};
    static const char *const names[3] = {"cpu_ms", "wall_ms", "memory_mb"};
    for (int i = 0; i < 3; i++) {
        if (want[i] < 0)
            return oj_fail(err, EINVAL, "%s %lld: not a limit", names[i], (long long)want[i]);
        if (want[i] > cap[i])
            return oj_fail(err, EINVAL, "%s %lld: more than the problem's %lld", names[i],
                           (long long)want[i], (long long)cap[i]);
        out[i] = want[i] ? want[i] : cap[i];
    }
    return 0;
}
