/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: the JSON writer (strbuf.c), which every document ojrun
 * prints or stores goes through, with arbitrary bytes as strings and keys
 * (bundle paths, ids, annotations and messages come from outside).
 *
 * Input: the first byte picks the layout (bit 0: pretty; bits 1..7: how many
 * levels of arrays to wrap the object in, 0..127, so that the writer's
 * nesting limit is crossed); the rest is split at NUL bytes into at most 32
 * strings, each written as a key and as its value, and all of them again as
 * an array.
 *
 * Properties: nesting past the limit fails the document (jw_check, E2BIG)
 * and anything else is written whole; what is written parses back with
 * ojrun's own parser (json.c, with its strict pre-scan); each string reads
 * back exactly when it is well-formed UTF-8, and otherwise as a reference
 * decoder (below, written independently of utf8.c) says Go's encoding/json
 * writes it: one U+FFFD per byte that does not start a well-formed
 * sequence.
 */
#include <errno.h>
#include <stdbool.h>

#include "fuzz.h"
#include "json.h"
#include "strbuf.h"

#define JWF_MAX_STRINGS 32

/* The code point of the sequence at s (n bytes readable), by decoding
 * first and range-checking after: returns its length, or 0 when it is not
 * well-formed (overlong, surrogate, above U+10FFFF, bad or missing
 * continuation byte). */
static size_t ref_decode(const unsigned char *s, size_t n)
{
    size_t len;
    uint32_t cp, min;
    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xE0) == 0xC0) {
        len = 2, cp = s[0] & 0x1F, min = 0x80;
    } else if ((s[0] & 0xF0) == 0xE0) {
        len = 3, cp = s[0] & 0x0F, min = 0x800;
    } else if ((s[0] & 0xF8) == 0xF0) {
        len = 4, cp = s[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/* What the string must read back as; *valid tells whether it is the
 * input itself.  Caller frees. */
static char *ref_expected(const char *in, bool *valid)
{
    size_t n = strlen(in);
    char *out = malloc(3 * n + 1);
    FUZZ_CHECK(out != NULL);
    size_t o = 0;
    *valid = true;
    for (size_t i = 0; i < n;) {
        size_t len = ref_decode((const unsigned char *)in + i, n - i);
        if (len) {
            memcpy(out + o, in + i, len);
            o += len;
            i += len;
        } else {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
            *valid = false;
        }
    }
    out[o] = '\0';
    return out;
}

static int fuzz_json_writer(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    bool pretty = data[0] & 1;
    int wrap = data[0] >> 1;

    /* the strings: the rest split at NUL bytes */
    char *buf = malloc(size);
    FUZZ_CHECK(buf != NULL);
    memcpy(buf, data + 1, size - 1);
    buf[size - 1] = '\0';
    const char *strs[JWF_MAX_STRINGS];
    size_t n = 0;
    for (size_t i = 0; i < size && n < JWF_MAX_STRINGS;) {
        strs[n++] = buf + i;
        i += strlen(buf + i) + 1;
    }

    struct jw w;
    jw_init(&w, pretty);
    for (int i = 0; i < wrap; i++)
        jw_arr_begin(&w);
    jw_obj_begin(&w);
    for (size_t i = 0; i < n; i++)
        jw_kstr(&w, strs[i], strs[i]);
    jw_key(&w, "");
    jw_arr_begin(&w);
    for (size_t i = 0; i < n; i++)
        jw_str(&w, strs[i]);
    jw_arr_end(&w);
    jw_obj_end(&w);
    for (int i = 0; i < wrap; i++)
        jw_arr_end(&w);

    struct oj_err err = {0};
    /* wrap arrays, the object and its array: wrap + 2 levels */
    if (wrap + 2 > JW_MAX_DEPTH - 1) {
        FUZZ_CHECK(jw_check(&w, "doc", &err) == -1);
        FUZZ_CHECK(err.code == E2BIG);
        fuzz_check_err(&err);
        sb_free(&w.sb);
        free(buf);
        return 0;
    }
    FUZZ_CHECK(jw_check(&w, "doc", &err) == 0);

    oj_json *doc = oj_json_parse(w.sb.s, w.sb.len, "doc", &err);
    if (!doc) {
        fprintf(stderr, "written: %s\nrefused: %s\n", sb_str(&w.sb), err.msg);
        FUZZ_CHECK(doc != NULL);
    }
    const oj_json *v = doc;
    for (int i = 0; i < wrap; i++) {
        FUZZ_CHECK(oj_json_len(v) == 1);
        v = oj_json_at(v, 0);
    }
    FUZZ_CHECK(oj_json_is_object(v));
    FUZZ_CHECK(oj_json_len(v) == n + 1);
    const oj_json *arr = oj_json_val_at(v, n);
    FUZZ_CHECK(oj_json_len(arr) == n);
    for (size_t i = 0; i < n; i++) {
        bool valid;
        char *want = ref_expected(strs[i], &valid);
        const char *s = NULL;
        FUZZ_CHECK(strcmp(oj_json_key_at(v, i), want) == 0);
        FUZZ_CHECK(oj_json_str(oj_json_val_at(v, i), &s) && strcmp(s, want) == 0);
        FUZZ_CHECK(oj_json_str(oj_json_at(arr, i), &s) && strcmp(s, want) == 0);
        if (valid) /* well-formed UTF-8 round-trips exactly */
            FUZZ_CHECK(strcmp(s, strs[i]) == 0);
        free(want);
    }
    oj_json_free(doc);
    sb_free(&w.sb);
    free(buf);
    return 0;
}

FUZZ_ENTRY(fuzz_json_writer)
