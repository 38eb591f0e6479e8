/* SPDX-License-Identifier: Apache-2.0 */
/* Parsing and validating a submission (submission.h). */
#include "submission.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "json.h"
#include "problem.h"
#include "strbuf.h"

/* Room for the fields around the source: ids, language, limits. */
#define BODY_SLACK (64 * 1024)

bool submission_valid_id(const char *id)
{
    size_t n = strlen(id);
    if (n < 1 || n > OJ_SUBMISSION_ID_MAX || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
        return false;
    for (const char *c = id; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_' || *c == '.' || *c == '-'))
            return false;
    return true;
}

size_t submission_max_body(const struct submission_rules *r)
{
    /* "\u00XX" is six bytes for one */
    return r->max_source_bytes * 6 + BODY_SLACK;
}

static bool served(const struct submission_rules *r, const char *lang)
{
    const char *const *list = r->languages ? r->languages : oj_problem_languages;
    for (size_t i = 0; list[i]; i++)
        if (strcmp(list[i], lang) == 0)
            return true;
    return false;
}

/* "c, cpp, python" */
static void list_languages(const struct submission_rules *r, struct strbuf *sb)
{
    const char *const *list = r->languages ? r->languages : oj_problem_languages;
    for (size_t i = 0; list[i]; i++)
        sb_printf(sb, "%s%s", i ? ", " : "", list[i]);
}

static int get_id(const oj_json *root, const char *key, char **out, struct oj_err *err)
{
    const oj_json *v = oj_json_get(root, key);
    const char *s;
    if (!v)
        return oj_fail(err, 0, "%s: missing", key);
    if (!oj_json_str(v, &s))
        return oj_fail(err, 0, "%s: expected a string", key);
    if (!submission_valid_id(s))
        return oj_fail(err, 0, "%s: expected 1 to %d characters of A-Z a-z 0-9 _ . - (not . or ..)",
                       key, OJ_SUBMISSION_ID_MAX);
    if (!(*out = strdup(s)))
        return oj_fail(err, ENOMEM, "%s", key);
    return 0;
}

static int get_limits(const oj_json *v, struct submission *s, struct oj_err *err)
{
    if (!oj_json_is_object(v))
        return oj_fail(err, 0, "limits: expected an object");
    for (size_t i = 0; i < oj_json_len(v); i++) {
        const char *key = oj_json_key_at(v, i);
        int64_t *dst = strcmp(key, "cpu_ms") == 0      ? &s->cpu_ms
                       : strcmp(key, "wall_ms") == 0   ? &s->wall_ms
                       : strcmp(key, "memory_mb") == 0 ? &s->memory_mb
                                                       : NULL;
        if (!dst)
            return oj_fail(err, 0, "limits.%.64s: unknown limit (cpu_ms, wall_ms, memory_mb)", key);
        int64_t n;
        if (!oj_json_i64(oj_json_val_at(v, i), &n) || n < 1)
            return oj_fail(err, 0, "limits.%s: expected a positive integer", key);
        *dst = n;
    }
    return 0;
}

int submission_parse(const char *body, size_t len, const struct submission_rules *r,
                     struct submission *s, struct oj_err *err)
{
    memset(s, 0, sizeof(*s));
    if (len > submission_max_body(r))
        return oj_fail(err, 0, "message: %zu bytes, more than %zu for a source of at most %zu", len,
                       submission_max_body(r), r->max_source_bytes);
    oj_json *root = oj_json_parse(body, len, "message", err);
    if (!root)
        return -1;
    int rc = -1;
    if (!oj_json_is_object(root)) {
        oj_fail(err, 0, "message: expected a JSON object");
        goto out;
    }
    const oj_json *v;
    if ((v = oj_json_get(root, "version"))) {
        int64_t ver;
        if (!oj_json_i64(v, &ver)) {
            oj_fail(err, 0, "version: expected an integer");
            goto out;
        }
        if (ver != OJ_WORKER_PROTOCOL_VERSION) {
            oj_fail(err, 0, "version: %lld is not supported (this worker reads version %d)",
                    (long long)ver, OJ_WORKER_PROTOCOL_VERSION);
            goto out;
        }
    }
    if (get_id(root, "submission_id", &s->id, err) < 0 ||
        get_id(root, "problem_id", &s->problem_id, err) < 0)
        goto out;

    const char *str;
    v = oj_json_get(root, "language");
    if (!v) {
        oj_fail(err, 0, "language: missing");
        goto out;
    }
    if (!oj_json_str(v, &str)) {
        oj_fail(err, 0, "language: expected a string");
        goto out;
    }
    if (!served(r, str)) {
        struct strbuf langs = {0};
        list_languages(r, &langs);
        oj_fail(err, 0, "language: \"%.32s\" is not served here (%s)", str, sb_str(&langs));
        sb_free(&langs);
        goto out;
    }
    if (!(s->language = strdup(str))) {
        oj_fail(err, ENOMEM, "language");
        goto out;
    }

    v = oj_json_get(root, "source");
    if (!v) {
        oj_fail(err, 0, "source: missing");
        goto out;
    }
    if (!oj_json_str(v, &str)) {
        oj_fail(err, 0, "source: expected a string");
        goto out;
    }
    /* the pre-scan of oj_json_parse refused \u0000: strlen is the length */
    s->source_len = strlen(str);
    if (s->source_len > r->max_source_bytes) {
        oj_fail(err, 0, "source: %zu bytes, more than the limit of %zu", s->source_len,
                r->max_source_bytes);
        goto out;
    }
    if (!(s->source = strdup(str))) {
        oj_fail(err, ENOMEM, "source");
        goto out;
    }

    if ((v = oj_json_get(root, "limits")) && !oj_json_is_null(v) && get_limits(v, s, err) < 0)
        goto out;
    rc = 0;
out:
    oj_json_free(root);
    if (rc < 0) {
        /* keep the id for the log and the dead letter, nothing else */
        char *id = s->id;
        s->id = NULL;
        submission_clear(s);
        s->id = id;
    }
    return rc;
}

int submission_check_limits(const struct submission *s, const struct oj_problem *p,
                            struct oj_err *err)
{
    int64_t cpu, wall;
    oj_problem_limits(p, s->language, &cpu, &wall);
    if (s->cpu_ms > cpu)
        return oj_fail(err, 0, "limits.cpu_ms: %lld is above the problem's %lld for %s",
                       (long long)s->cpu_ms, (long long)cpu, s->language);
    if (s->wall_ms > wall)
        return oj_fail(err, 0, "limits.wall_ms: %lld is above the problem's %lld for %s",
                       (long long)s->wall_ms, (long long)wall, s->language);
    if (s->memory_mb > p->memory_mb)
        return oj_fail(err, 0, "limits.memory_mb: %lld is above the problem's %lld",
                       (long long)s->memory_mb, (long long)p->memory_mb);
    return 0;
}

void submission_clear(struct submission *s)
{
    free(s->id);
    free(s->problem_id);
    free(s->language);
    free(s->source);
    memset(s, 0, sizeof(*s));
}
