/* SPDX-License-Identifier: Apache-2.0 */
#include "strbuf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

static bool sb_grow(struct strbuf *sb, size_t extra)
{
    if (sb->oom)
        return false;
    if (sb->len + extra + 1 <= sb->cap)
        return true;
    size_t ncap = sb->cap ? sb->cap : 256;
    while (ncap < sb->len + extra + 1)
        ncap *= 2;
    char *n = realloc(sb->s, ncap);
    if (!n) {
        sb->oom = true;
        return false;
    }
    sb->s = n;
    sb->cap = ncap;
    return true;
}

void sb_append(struct strbuf *sb, const char *s, size_t n)
{
    if (!sb_grow(sb, n))
        return;
    memcpy(sb->s + sb->len, s, n);
    sb->len += n;
    sb->s[sb->len] = '\0';
}

void sb_puts(struct strbuf *sb, const char *s)
{
    sb_append(sb, s, strlen(s));
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !sb_grow(sb, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(sb->s + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

void sb_free(struct strbuf *sb)
{
    free(sb->s);
    sb->s = NULL;
    sb->len = sb->cap = 0;
    sb->oom = false;
}

/* RFC 8259 section 8.1: JSON text is UTF-8.  A C string from outside
 * (a bundle path, an id, an annotation, an argument, a message quoting one)
 * may be anything, so each byte that does not belong to a well-formed
 * sequence (utf8.h: also overlong forms, surrogates and code points above
 * U+10FFFF) is written as the escape \ufffd, one per byte, and the next
 * byte is examined afresh: what Go's encoding/json does, so runc and ojrun
 * print the same text for the same bytes.  Well-formed sequences are copied
 * unchanged, and control characters are escaped (section 7). */
void sb_json_string(struct strbuf *sb, const char *s)
{
    sb_append(sb, "\"", 1);
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        const unsigned char *run = p; /* bytes copied as they are */
        while (*p >= 0x20 && *p != '"' && *p != '\\' && *p < 0x80)
            p++;
        if (p > run)
            sb_append(sb, (const char *)run, (size_t)(p - run));
        if (!*p)
            break;
        unsigned char c = *p;
        if (c >= 0x80) {
            /* strnlen: the sequence must not run past the terminating NUL */
            size_t n = oj_utf8_seq_len(p, strnlen((const char *)p, 4));
            if (n) {
                sb_append(sb, (const char *)p, n);
                p += n;
            } else {
                sb_append(sb, "\\ufffd", 6);
                p++;
            }
            continue;
        }
        switch (c) {
        case '"': sb_append(sb, "\\\"", 2); break;
        case '\\': sb_append(sb, "\\\\", 2); break;
        case '\n': sb_append(sb, "\\n", 2); break;
        case '\r': sb_append(sb, "\\r", 2); break;
        case '\t': sb_append(sb, "\\t", 2); break;
        case '\b': sb_append(sb, "\\b", 2); break;
        case '\f': sb_append(sb, "\\f", 2); break;
        default:
            sb_printf(sb, "\\u%04x", c);
        }
        p++;
    }
    sb_append(sb, "\"", 1);
}

void jw_init(struct jw *w, bool pretty)
{
    memset(w, 0, sizeof(*w));
    w->pretty = pretty;
    w->first[0] = true;
}

static void jw_indent(struct jw *w)
{
    if (!w->pretty)
        return;
    sb_append(&w->sb, "\n", 1);
    for (int i = 0; i < w->depth; i++)
        sb_append(&w->sb, "  ", 2);
}

/* Called before every value or key: writes the separator it needs. */
static void jw_sep(struct jw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (w->depth > 0) {
        if (!w->first[w->depth])
            sb_append(&w->sb, ",", 1);
        jw_indent(w);
    }
    w->first[w->depth] = false;
}

static void jw_open(struct jw *w, char c)
{
    if (w->depth + 1 >= JW_MAX_DEPTH) {
        /* Past the limit the commas could no longer be placed: refuse the
         * whole document rather than write a wrong one.  Setting sb.oom
         * stops every further append, and callers that check only it
         * refuse the document too; jw_check() says why. */
        w->too_deep = true;
        w->sb.oom = true;
        return;
    }
    jw_sep(w);
    sb_append(&w->sb, &c, 1);
    w->depth++;
    w->first[w->depth] = true;
}

static void jw_close(struct jw *w, char c)
{
    if (w->too_deep)
        return;
    bool empty = w->first[w->depth];
    if (w->depth > 0)
        w->depth--;
    if (!empty)
        jw_indent(w);
    sb_append(&w->sb, &c, 1);
}

int jw_check(const struct jw *w, const char *what, struct oj_err *err)
{
    if (w->too_deep) {
        oj_fail(err, 0, "%s: JSON nested deeper than %d levels", what, JW_MAX_DEPTH - 1);
        if (err)
            err->code = E2BIG; /* after oj_fail, which would append strerror */
        return -1;
    }
    if (w->sb.oom)
        return oj_fail(err, ENOMEM, "%s", what);
    return 0;
}

void jw_obj_begin(struct jw *w) { jw_open(w, '{'); }
void jw_obj_end(struct jw *w) { jw_close(w, '}'); }
void jw_arr_begin(struct jw *w) { jw_open(w, '['); }
void jw_arr_end(struct jw *w) { jw_close(w, ']'); }

void jw_key(struct jw *w, const char *key)
{
    jw_sep(w);
    sb_json_string(&w->sb, key);
    sb_append(&w->sb, w->pretty ? ": " : ":", w->pretty ? 2 : 1);
    w->after_key = true;
}

void jw_str(struct jw *w, const char *s)
{
    jw_sep(w);
    if (s)
        sb_json_string(&w->sb, s);
    else
        sb_puts(&w->sb, "null");
}

void jw_int(struct jw *w, int64_t v)
{
    jw_sep(w);
    sb_printf(&w->sb, "%" PRId64, v);
}

void jw_uint(struct jw *w, uint64_t v)
{
    jw_sep(w);
    sb_printf(&w->sb, "%" PRIu64, v);
}

void jw_bool(struct jw *w, bool v)
{
    jw_sep(w);
    sb_puts(&w->sb, v ? "true" : "false");
}

void jw_null(struct jw *w)
{
    jw_sep(w);
    sb_puts(&w->sb, "null");
}

void jw_raw(struct jw *w, const char *json)
{
    jw_sep(w);
    sb_puts(&w->sb, json);
}

void jw_kstr(struct jw *w, const char *key, const char *s)
{
    jw_key(w, key);
    jw_str(w, s);
}

void jw_kint(struct jw *w, const char *key, int64_t v)
{
    jw_key(w, key);
    jw_int(w, v);
}

void jw_kuint(struct jw *w, const char *key, uint64_t v)
{
    jw_key(w, key);
    jw_uint(w, v);
}

void jw_kbool(struct jw *w, const char *key, bool v)
{
    jw_key(w, key);
    jw_bool(w, v);
}
