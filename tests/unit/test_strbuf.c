/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The JSON writer (strbuf.c): what it writes for any bytes is JSON that
 * ojrun's own parser (json.c) reads back.  Well-formed UTF-8 is kept as is,
 * every byte that is not part of a well-formed sequence becomes \ufffd (one
 * per byte, as Go's encoding/json writes it), control characters are
 * escaped, and nesting past the writer's limit fails the document.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"
#include "strbuf.h"

/* `in` written as a string must read `want` (JSON text, quotes included),
 * and parse back, as a value and as a key, to `decoded` (UTF-8). */
static void check_string(const char *in, const char *want, const char *decoded)
{
    struct strbuf sb = {0};
    sb_json_string(&sb, in);
    assert_false(sb.oom);
    assert_string_equal(sb_str(&sb), want);
    sb_free(&sb);

    struct jw w;
    jw_init(&w, false);
    jw_obj_begin(&w);
    jw_kstr(&w, in, in);
    jw_obj_end(&w);
    struct oj_err err = {0};
    assert_int_equal(jw_check(&w, "doc", &err), 0);
    oj_json *v = oj_json_parse(w.sb.s, w.sb.len, "doc", &err);
    if (!v)
        fail_msg("%s -> %s: %s", want, sb_str(&w.sb), err.msg);
    const char *s = NULL;
    assert_int_equal(oj_json_len(v), 1);
    assert_string_equal(oj_json_key_at(v, 0), decoded);
    assert_true(oj_json_str(oj_json_val_at(v, 0), &s));
    assert_string_equal(s, decoded);
    oj_json_free(v);
    sb_free(&w.sb);
}

static void test_valid_utf8_kept(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "plain ascii ~\x7f",
        "\xc2\x80",         /* U+0080, the first 2-byte one */
        "\xdf\xbf",         /* U+07FF */
        "\xe0\xa0\x80",     /* U+0800, the first 3-byte one */
        "\xed\x9f\xbf",     /* U+D7FF, below the surrogates */
        "\xee\x80\x80",     /* U+E000, above them */
        "\xef\xbf\xbd",     /* U+FFFD itself */
        "\xef\xbf\xbf",     /* U+FFFF */
        "\xf0\x90\x80\x80", /* U+10000, the first 4-byte one */
        "\xf4\x8f\xbf\xbf", /* U+10FFFF, the last code point */
        "/bundles/caf\xc3\xa9-\xe2\x82\xac-\xf0\x9f\x98\x80",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        char want[128];
        snprintf(want, sizeof(want), "\"%s\"", ok[i]);
        check_string(ok[i], want, ok[i]);
    }
}

#define R "\\ufffd"      /* what the writer writes */
#define D "\xef\xbf\xbd" /* what the parser reads back: U+FFFD in UTF-8 */

static void test_invalid_utf8_replaced(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want, *decoded;
    } cases[] = {
        {"bundle\xff", "\"bundle" R "\"", "bundle" D},
        {"\xfe\xff", "\"" R R "\"", D D},
        {"\x80", "\"" R "\"", D}, /* lone continuation */
        {"a\xbf"
         "b",
         "\"a" R "b\"", "a" D "b"},
        {"\xc0\x80", "\"" R R "\"", D D},         /* overlong NUL */
        {"\xc1\xbf", "\"" R R "\"", D D},         /* overlong 2-byte */
        {"\xe0\x80\xaf", "\"" R R R "\"", D D D}, /* overlong 3-byte */
        {"\xe0\x9f\xbf", "\"" R R R "\"", D D D},
        {"\xf0\x80\x80\xaf", "\"" R R R R "\"", D D D D}, /* overlong 4-byte */
        {"\xf0\x8f\xbf\xbf", "\"" R R R R "\"", D D D D},
        {"\xed\xa0\x80", "\"" R R R "\"", D D D},         /* U+D800 */
        {"\xed\xbf\xbf", "\"" R R R "\"", D D D},         /* U+DFFF */
        {"\xf4\x90\x80\x80", "\"" R R R R "\"", D D D D}, /* U+110000 */
        {"\xf5\x80\x80\x80", "\"" R R R R "\"", D D D D},
        {"\xf8\x88\x80\x80\x80", "\"" R R R R R "\"", D D D D D}, /* old 5-byte form */
        {"\xe2\x82", "\"" R R "\"", D D},                         /* cut short by the end */
        {"\xe2\x82x", "\"" R R "x\"", D D "x"},                   /* ... by ASCII */
        {"\xf0\x9f\x98", "\"" R R R "\"", D D D},
        {"\xc3\xc3\xa9", "\"" R "\xc3\xa9\"", D "\xc3\xa9"}, /* the next byte starts over */
        {"\xe2\x82\xac\xac", "\"\xe2\x82\xac" R "\"", "\xe2\x82\xac" D},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        check_string(cases[i].in, cases[i].want, cases[i].decoded);
}

static void test_control_characters_escaped(void **state)
{
    (void)state;
    check_string("a\"b\\c", "\"a\\\"b\\\\c\"", "a\"b\\c");
    check_string("\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\"", "\n\r\t\b\f");
    check_string("\x01\x1f x", "\"\\u0001\\u001f x\"", "\x01\x1f x");
    check_string("\x1b[31m\xff", "\"\\u001b[31m" R "\"", "\x1b[31m" D);
    check_string("", "\"\"", "");
}

/* JW_MAX_DEPTH - 1 levels are written; one more fails the whole document
 * instead of writing it without its commas. */
static void test_nesting_limit(void **state)
{
    (void)state;
    struct oj_err err = {0};
    struct jw w;
    jw_init(&w, false);
    for (int i = 0; i < JW_MAX_DEPTH - 1; i++)
        jw_arr_begin(&w);
    jw_int(&w, 1);
    jw_int(&w, 2);
    for (int i = 0; i < JW_MAX_DEPTH - 1; i++)
        jw_arr_end(&w);
    assert_int_equal(jw_check(&w, "doc", &err), 0);
    oj_json *v = oj_json_parse(w.sb.s, w.sb.len, "doc", &err);
    if (!v)
        fail_msg("%s", err.msg);
    oj_json_free(v);
    sb_free(&w.sb);

    jw_init(&w, true);
    jw_obj_begin(&w);
    jw_kstr(&w, "a", "b");
    for (int i = 0; i < JW_MAX_DEPTH; i++) {
        jw_key(&w, "k");
        jw_obj_begin(&w);
    }
    jw_kint(&w, "x", 1);
    for (int i = 0; i < JW_MAX_DEPTH + 1; i++)
        jw_obj_end(&w);
    assert_true(w.too_deep);
    assert_int_equal(jw_check(&w, "state JSON", &err), -1);
    assert_int_equal(err.code, E2BIG);
    assert_string_equal(err.msg, "state JSON: JSON nested deeper than 63 levels");
    /* and a caller that looks only at sb.oom refuses it too */
    assert_true(w.sb.oom);
    sb_free(&w.sb);
}

/* Every other writer call between the strings, to check the commas and the
 * pretty form parse too. */
static void test_document_parses(void **state)
{
    (void)state;
    for (int pretty = 0; pretty < 2; pretty++) {
        struct jw w;
        jw_init(&w, pretty);
        jw_obj_begin(&w);
        jw_kstr(&w, "bundle", "/tmp/bundle\xff");
        jw_kint(&w, "i", -3);
        jw_kuint(&w, "u", UINT64_MAX);
        jw_kbool(&w, "b", true);
        jw_key(&w, "n");
        jw_null(&w);
        jw_key(&w, "a\xc0");
        jw_arr_begin(&w);
        jw_str(&w, NULL);
        jw_raw(&w, "{\"r\":1}");
        jw_arr_begin(&w);
        jw_arr_end(&w);
        jw_obj_begin(&w);
        jw_obj_end(&w);
        jw_arr_end(&w);
        jw_obj_end(&w);
        struct oj_err err = {0};
        assert_int_equal(jw_check(&w, "doc", &err), 0);
        oj_json *v = oj_json_parse(w.sb.s, w.sb.len, "doc", &err);
        if (!v)
            fail_msg("%s: %s", sb_str(&w.sb), err.msg);
        const char *s = NULL;
        assert_true(oj_json_str(oj_json_get(v, "bundle"), &s));
        assert_string_equal(s, "/tmp/bundle" D);
        assert_int_equal(oj_json_len(oj_json_get(v, "a" D)), 4);
        oj_json_free(v);
        sb_free(&w.sb);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_utf8_kept),
        cmocka_unit_test(test_invalid_utf8_replaced),
        cmocka_unit_test(test_control_characters_escaped),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_document_parses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
