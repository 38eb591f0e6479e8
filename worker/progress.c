/* SPDX-License-Identifier: Apache-2.0 */
/* What the worker writes besides the engine's result (progress.h). */
#include "progress.h"

#include "submission.h"

void worker_progress_json(const char *submission_id, unsigned attempt,
                          const struct oj_test_report *t, struct jw *w)
{
    jw_obj_begin(w);
    jw_kint(w, "version", OJ_WORKER_PROTOCOL_VERSION);
    jw_kstr(w, "type", "progress");
    jw_kstr(w, "submission_id", submission_id);
    jw_kuint(w, "attempt", attempt);
    jw_kstr(w, "test", t->test);
    jw_kuint(w, "index", t->index);
    jw_kuint(w, "total", t->total);
    jw_kstr(w, "verdict", t->verdict);
    jw_kuint(w, "cpu_us", t->cpu_us);
    jw_kuint(w, "wall_us", t->wall_us);
    jw_kuint(w, "memory_peak_bytes", t->memory_peak_bytes);
    jw_kint(w, "exit_code", t->exit_code);
    jw_kint(w, "signal", t->signal);
    jw_obj_end(w);
}

bool worker_result_add(struct strbuf *json, uint64_t start_ms, uint64_t judge_ms, bool redelivered)
{
    while (json->len && (json->s[json->len - 1] == '\n' || json->s[json->len - 1] == ' '))
        json->s[--json->len] = '\0';
    if (json->len < 2 || json->s[0] != '{' || json->s[json->len - 1] != '}')
        return false;
    bool empty = json->len == 2;
    json->s[--json->len] = '\0';
    sb_printf(json, "%s\"worker\":{\"start_ms\":%llu,\"judge_ms\":%llu,\"redelivered\":%s}}",
              empty ? "" : ",", (unsigned long long)start_ms, (unsigned long long)judge_ms,
              redelivered ? "true" : "false");
    return !json->oom;
}
