/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one pre-scan of JSON text, run before yajl sees a document: by
 * config.c (config.json, process.json, resources.json) and by json.c
 * (state.json, result.json, the cgroup file...).  It refuses what yajl's
 * tree parser would mishandle or let through but is not JSON (RFC 8259):
 *
 *  - NUL bytes: yajl_tree_parse takes a C string, so the rest of the
 *    document would be silently dropped;
 *  - "\u0000" escapes: the decoded C string would be cut short;
 *  - invalid UTF-8 (utf8.h): yajl's own check accepts overlong forms and
 *    surrogates, and RFC 8259 section 8.1 requires UTF-8;
 *  - comments, which yajl_tree_parse enables: JSON has none, and a
 *    document read here may be printed again as is (result.json inside
 *    `state`, `list --format json` and `wait`), which would then be invalid
 *    JSON for every consumer;
 *  - nesting deeper than the caller's limit: yajl builds the tree
 *    iteratively but frees it recursively (yajl_tree_free ->
 *    yajl_array_free -> ...), one stack frame per level; a damaged
 *    state.json of 1 MiB of "[" crashed every command that read it;
 *  - anything but whitespace after the top-level value: yajl reports most
 *    trailing text, but takes an unterminated string after a complete
 *    document ({...}") for the end of the input.
 *
 * It tracks only "inside a string or not", the depth and whether the
 * top-level value has ended; the grammar itself is yajl's job.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "json.h"
#include "utf8.h"

static int scan_fail(struct oj_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* EINVAL: the text is bad, as for config.json's other errors (cfg_fail). */
static int scan_fail(struct oj_err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    oj_vfail(err, 0, fmt, ap);
    va_end(ap);
    if (err)
        err->code = EINVAL;
    return -1;
}

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r'; /* RFC 8259 "ws" */
}

int oj_json_check_text(const char *data, size_t len, int max_depth, struct oj_err *err)
{
    const unsigned char *s = (const unsigned char *)data;
    bool in_string = false;
    bool in_scalar = false; /* inside a top-level number or literal */
    bool ended = false;     /* the top-level value is complete */
    int depth = 0;
    size_t i;
    for (i = 0; i < len; i++) {
        unsigned char c = s[i];
        if (c == '\0')
            return scan_fail(err, "NUL byte at offset %zu", i);
        if (c >= 0x80) {
            size_t n = oj_utf8_seq_len(s + i, len - i);
            if (n == 0)
                return scan_fail(err, "invalid UTF-8 at offset %zu", i);
            if (!in_string && ended)
                goto trailing;
            i += n - 1;
            continue;
        }
        if (in_string) {
            if (c == '"') {
                in_string = false;
                ended = depth == 0;
            } else if (c == '\\' && i + 1 < len && s[i + 1] < 0x80 && s[i + 1] != '\0') {
                if (s[i + 1] == 'u' && len - i >= 6 && memcmp(s + i + 2, "0000", 4) == 0)
                    return scan_fail(err, "\\u0000 in a string at offset %zu", i);
                i++; /* skip the escaped character (it may be a quote) */
            }
            continue;
        }
        if (is_space(c)) {
            if (in_scalar)
                ended = true;
            in_scalar = false;
            continue;
        }
        /* a quote inside a comment would derail this scan */
        if (c == '/')
            return scan_fail(err, "comments are not allowed in JSON (offset %zu)", i);
        if (ended || (in_scalar && (c == '"' || c == '[' || c == '{')))
            goto trailing;
        if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > max_depth)
                return scan_fail(err, "nested deeper than %d levels at offset %zu", max_depth, i);
        } else if (c == '}' || c == ']') {
            /* an unbalanced close at the top level is yajl's to report */
            if (depth > 0 && --depth == 0)
                ended = true;
        } else if (depth == 0) {
            in_scalar = true;
        }
    }
    return 0;
trailing:
    /* yajl's words for the cases it does catch, with the offset */
    return scan_fail(err, "parse error: trailing garbage at offset %zu", i);
}
