/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one JSON pre-scanner (json_scan.c), through every entry point that
 * uses it: oj_config_parse, oj_process_parse and oj_resources_parse
 * (config.c) and oj_json_parse (json.c).  Each refusal must come out of all
 * of them with the same reason and offset, only the document's name
 * differing ("config.json: X", "process.json: X", "doc: invalid JSON: X").
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

#include "config.h"
#include "json.h"

struct bad {
    const char *text;
    size_t len; /* 0: strlen(text) */
    const char *reason;
};

#define DOC "{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"r\"}}"

static const struct bad bad_texts[] = {
    /* a stray character after the document: yajl took the unterminated
     * string for the end of the input, so config.c used to accept it */
    {DOC "\"", 0, "parse error: trailing garbage at offset 42"},
    {DOC " \"x", 0, "parse error: trailing garbage at offset 43"},
    {DOC "{}", 0, "parse error: trailing garbage at offset 42"},
    {DOC "}", 0, "parse error: trailing garbage at offset 42"},
    {DOC "\n,", 0, "parse error: trailing garbage at offset 43"},
    {DOC " \xc3\xa9", 0, "parse error: trailing garbage at offset 43"},
    {"{\"a\":\"x\0y\"}", 11, "NUL byte at offset 7"},
    {"{\"a\":\"x\\u0000\"}", 0, "\\u0000 in a string at offset 7"},
    {"{\"a\":\"\xff\"}", 0, "invalid UTF-8 at offset 6"},
    {"{\"a\":\"\xc0\xaf\"}", 0, "invalid UTF-8 at offset 6"},         /* overlong '/' */
    {"{\"a\":\"\xed\xa0\x80\"}", 0, "invalid UTF-8 at offset 6"},     /* U+D800 */
    {"{\"a\":\"\xf4\x90\x80\x80\"}", 0, "invalid UTF-8 at offset 6"}, /* U+110000 */
    {"{\"a\":\"\xe2\x82\"}", 0, "invalid UTF-8 at offset 6"},         /* cut short */
    {"{\"\xfe\":1}", 0, "invalid UTF-8 at offset 2"},                 /* in a key */
    {"{\"a\": /* c */ 1}", 0, "comments are not allowed in JSON (offset 6)"},
    {"{\"a\":1} // c", 0, "comments are not allowed in JSON (offset 8)"},
};

static void expect_refused(const char *text, size_t len, const char *reason)
{
    char want[512];
    struct oj_err err = {0};

    struct oj_config *cfg = oj_config_parse(text, len, &err);
    if (cfg)
        fail_msg("oj_config_parse accepted %s", text);
    snprintf(want, sizeof(want), "config.json: %s", reason);
    assert_string_equal(err.msg, want);
    assert_int_equal(err.code, EINVAL);

    err = (struct oj_err){0};
    struct oj_process *p = oj_process_parse(text, len, &err);
    if (p)
        fail_msg("oj_process_parse accepted %s", text);
    snprintf(want, sizeof(want), "process.json: %s", reason);
    assert_string_equal(err.msg, want);

    err = (struct oj_err){0};
    struct oj_resources *r = oj_resources_parse(text, len, &err);
    if (r)
        fail_msg("oj_resources_parse accepted %s", text);
    snprintf(want, sizeof(want), "resources.json: %s", reason);
    assert_string_equal(err.msg, want);

    err = (struct oj_err){0};
    oj_json *v = oj_json_parse(text, len, "doc", &err);
    if (v)
        fail_msg("oj_json_parse accepted %s", text);
    snprintf(want, sizeof(want), "doc: invalid JSON: %s", reason);
    assert_string_equal(err.msg, want);
}

static void test_refused_by_every_entry_point(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_texts) / sizeof(bad_texts[0]); i++) {
        const struct bad *b = &bad_texts[i];
        expect_refused(b->text, b->len ? b->len : strlen(b->text), b->reason);
    }
}

/* Both limits are 64; the 65th opening bracket is refused, wherever the
 * nesting happens and whatever the parser. */
static void test_depth(void **state)
{
    (void)state;
    assert_int_equal(OJ_CONFIG_MAX_DEPTH, OJ_JSON_MAX_DEPTH);
    char doc[256];
    size_t n = 0;
    n += (size_t)snprintf(doc, sizeof(doc), "{\"a\":");
    for (int i = 0; i < OJ_JSON_MAX_DEPTH; i++)
        doc[n++] = '[';
    for (int i = 0; i < OJ_JSON_MAX_DEPTH; i++)
        doc[n++] = ']';
    doc[n++] = '}';
    doc[n] = '\0';
    expect_refused(doc, n, "nested deeper than 64 levels at offset 68");
}

/* Documents that are fine for the scanner: each parses through both
 * parsers (the config ones carry what oj_config_parse requires). */
static void test_accepted(void **state)
{
    (void)state;
    static const char *const ok[] = {
        DOC,
        DOC "\n \t\r\n",
        "{\"ociVersion\":\"1.2.0\",\"hostname\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}",
        "{\"ociVersion\":\"1.2.0\",\"hostname\":\"[[{{ \\\" // /* \\\\\"}",
        "{\"ociVersion\":\"1.2.0\",\"hostname\":\"\\u0001\\u00e9\\ud83d\\ude00\"}",
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        struct oj_err err = {0};
        struct oj_config *cfg = oj_config_parse(ok[i], strlen(ok[i]), &err);
        if (!cfg)
            fail_msg("oj_config_parse refused %s: %s", ok[i], err.msg);
        oj_config_free(cfg);
        oj_json *v = oj_json_parse(ok[i], strlen(ok[i]), "doc", &err);
        if (!v)
            fail_msg("oj_json_parse refused %s: %s", ok[i], err.msg);
        oj_json_free(v);
    }
    /* top-level scalars are JSON (RFC 8259); only what follows them is not */
    struct oj_err err = {0};
    oj_json *v = oj_json_parse("\"s\" ", 4, "doc", &err);
    if (!v)
        fail_msg("%s", err.msg);
    oj_json_free(v);
    assert_null(oj_json_parse("1 2", 3, "doc", &err));
    assert_string_equal(err.msg, "doc: invalid JSON: parse error: trailing garbage at offset 2");
    assert_null(oj_json_parse("\"s\"\"", 4, "doc", &err));
    assert_string_equal(err.msg, "doc: invalid JSON: parse error: trailing garbage at offset 3");
    assert_null(oj_json_parse("true[", 5, "doc", &err));
    assert_string_equal(err.msg, "doc: invalid JSON: parse error: trailing garbage at offset 4");
}

/* The scanner itself: its message carries no document name. */
static void test_check_text(void **state)
{
    (void)state;
    struct oj_err err = {0};
    assert_int_equal(oj_json_check_text("[[1]]", 5, 2, &err), 0);
    assert_int_equal(oj_json_check_text("[[[1]]]", 7, 2, &err), -1);
    assert_string_equal(err.msg, "nested deeper than 2 levels at offset 2");
    assert_int_equal(err.code, EINVAL);
    assert_int_equal(oj_json_check_text("", 0, 2, &err), 0); /* yajl's to refuse */
    assert_int_equal(oj_json_check_text("x", 1, 2, NULL), 0);
    assert_int_equal(oj_json_check_text("{}}", 3, 2, NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refused_by_every_entry_point),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_check_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
