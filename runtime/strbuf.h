/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A growable string buffer and a tiny JSON writer on top of it.
 *
 * ojrun *reads* JSON through yajl in two places: config.c (config.json and
 * the other documents a user writes) and json.c (the state and results it
 * wrote itself), both after json_scan.c's pre-scan; everything it *writes*
 * (state, features, spec, logs, results) goes through this writer, which
 * handles commas, escaping and bytes that are not UTF-8 (written as \ufffd)
 * so that callers cannot produce invalid JSON (specs/internals.md, "JSON in
 * and out").
 */
#ifndef OJRUN_STRBUF_H
#define OJRUN_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

struct strbuf {
    char *s;     /* NUL-terminated, NULL until the first append */
    size_t len;
    size_t cap;
    bool oom;    /* an allocation failed: content is truncated */
};

void sb_append(struct strbuf *sb, const char *s, size_t n);
void sb_puts(struct strbuf *sb, const char *s);
void sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_free(struct strbuf *sb);
static inline const char *sb_str(const struct strbuf *sb)
{
    return sb->s ? sb->s : "";
}

/* JSON writer.  Nesting is tracked so that values and keys get their commas;
 * `pretty` puts one member per line, indented by two spaces per level (runc
 * and crun indent their `spec` output with tabs; the JSON is the same).
 * Opening a level past JW_MAX_DEPTH - 1 fails the document (too_deep, and
 * sb.oom so that nothing more is appended): check with jw_check() before
 * using w.sb. */
#define JW_MAX_DEPTH 64
struct jw {
    struct strbuf sb;
    bool pretty;
    int depth;
    bool first[JW_MAX_DEPTH]; /* no element yet at this depth */
    bool after_key;
    bool too_deep; /* a level past the limit was opened */
};

/* 0 when the document was written whole, else -1 with err naming `what`:
 * ENOMEM, or E2BIG for nesting past the limit. */
int jw_check(const struct jw *w, const char *what, struct oj_err *err);

void jw_init(struct jw *w, bool pretty);
void jw_obj_begin(struct jw *w);
void jw_obj_end(struct jw *w);
void jw_arr_begin(struct jw *w);
void jw_arr_end(struct jw *w);
void jw_key(struct jw *w, const char *key);
void jw_str(struct jw *w, const char *s); /* NULL writes null */
void jw_int(struct jw *w, int64_t v);
void jw_uint(struct jw *w, uint64_t v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
void jw_raw(struct jw *w, const char *json); /* an already-encoded value */

/* key + value shorthands */
void jw_kstr(struct jw *w, const char *key, const char *s);
void jw_kint(struct jw *w, const char *key, int64_t v);
void jw_kuint(struct jw *w, const char *key, uint64_t v);
void jw_kbool(struct jw *w, const char *key, bool v);

/* Escape `s` as a JSON string (with quotes) into sb; bytes that are not
 * well-formed UTF-8 become \ufffd, one per byte (strbuf.c). */
void sb_json_string(struct strbuf *sb, const char *s);

#endif
