/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the config.json parser: the text itself.  What is refused
 * before or by yajl (truncation, garbage, comments, NUL bytes, invalid UTF-8,
 * nesting, size), integers that do not fit, and the ociVersion check.
 * Every error is one line starting with "config.json: ".
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

#include "cleanup.h"
#include "config.h"
#include "config_test_helpers.h"

#define PROC(members)  "'process':{'cwd':'/','args':['a']," members "}"
#define LINUX(members) "'linux':{" members "}"
#define RES(members)   "'linux':{'resources':{" members "}}"

#define RANGE_U32  "expected an integer in 0..4294967295"
#define RANGE_U64  "expected an integer in 0..18446744073709551615"
#define RANGE_I64  "expected an integer in -9223372036854775808..9223372036854775807"
#define RANGE_SIZE "expected an integer in -1..9223372036854775807"

/* --- malformed text --------------------------------------------------------------------------- */

static void test_truncated(void **state)
{
    static const char *const docs[] = {"{\"ociVersion\":\"1.0.0\"",
                                       "{\"ociVersion\":\"1.0",
                                       "{\"ociVersion\":",
                                       "{",
                                       "",
                                       "   \n\t"};
    for (size_t i = 0; i < OJ_ARRAY_SIZE(docs); i++)
        expect_error_prefix_raw(docs[i], strlen(docs[i]),
                                "config.json: parse error: premature EOF");
}

static void test_null_empty_input(void **state)
{
    expect_error_prefix_raw(NULL, 0, "config.json: parse error: premature EOF");
}

static void test_trailing_garbage(void **state)
{
    static const char *const docs[] = {"{\"ociVersion\":\"1.0.0\"} x",
                                       "{\"ociVersion\":\"1.0.0\"}{}",
                                       "{\"ociVersion\":\"1.0.0\"},"};
    for (size_t i = 0; i < OJ_ARRAY_SIZE(docs); i++)
        expect_error_prefix_raw(docs[i], strlen(docs[i]),
                                "config.json: parse error: trailing garbage");
}

static void test_invalid_tokens(void **state)
{
    static const char *const docs[] = {
        "{\"ociVersion\":tru}",
        "{\"ociVersion\":\"1.0.0\",}",
        "{'ociVersion':'1.0.0'}",
        "{\"ociVersion\":\"1.0.0\",\"x\":[1,]}",
        "{\"ociVersion\":\"1.0.0\",\"x\":01}",
        "{\"ociVersion\":\"1.0.0\",\"x\":-}",
        "{\"ociVersion\" \"1.0.0\"}",
    };
    for (size_t i = 0; i < OJ_ARRAY_SIZE(docs); i++) {
        struct oj_err err = {0};
        assert_null(oj_config_parse(docs[i], strlen(docs[i]), &err));
        /* yajl's "parse error: ..." or "lexical error: ...", squashed to one line */
        assert_true(strncmp(err.msg, "config.json: parse error: ", 26) == 0 ||
                    strncmp(err.msg, "config.json: lexical error: ", 28) == 0);
        assert_null(strchr(err.msg, '\n'));
        assert_null(strstr(err.msg, "  "));
    }
}

static void test_top_level_not_object(void **state)
{
    static const char *const docs[] = {"[]",  "[{\"ociVersion\":\"1.0.0\"}]", "\"x\"", "1", "null",
                                       "true"};
    for (size_t i = 0; i < OJ_ARRAY_SIZE(docs); i++)
        expect_error_raw(docs[i], strlen(docs[i]),
                         "config.json: expected a JSON object at the top level");
}

static void test_comments_refused(void **state)
{
    /* yajl's tree parser would take them; JSON and runc do not */
    static const char doc1[] = "{\"ociVersion\":\"1.0.0\" /* \" */}";
    expect_error_raw(doc1, sizeof(doc1) - 1,
                     "config.json: comments are not allowed in JSON (offset 22)");
    static const char doc2[] = "// hi\n{\"ociVersion\":\"1.0.0\"}";
    expect_error_raw(doc2, sizeof(doc2) - 1,
                     "config.json: comments are not allowed in JSON (offset 0)");
}

static char *nested(int levels, char open, char close)
{
    /* {"ociVersion":"1.0.0","x":[[...]]} with `levels` levels in all */
    size_t cap = 64 + 6 * (size_t)levels; /* an object level is {"a": and } */
    char *buf = malloc(cap);
    assert_non_null(buf);
    int n = snprintf(buf, cap, "{\"ociVersion\":\"1.0.0\",\"x\":");
    for (int i = 1; i < levels; i++) {
        if (open == '{')
            n += snprintf(buf + n, cap - (size_t)n, "{\"a\":");
        else
            buf[n++] = open;
    }
    buf[n++] = '1';
    for (int i = 1; i < levels; i++)
        buf[n++] = close;
    buf[n++] = '}';
    buf[n] = '\0';
    return buf;
}

static void test_deep_nesting_refused(void **state)
{
    _cleanup_free_ char *a65 = nested(65, '[', ']');
    /* offset of the 65th '[': the top-level '{' is level 1, "x": starts at 22 */
    expect_error_raw(a65, strlen(a65), "config.json: nested deeper than 64 levels at offset 89");
    _cleanup_free_ char *a64 = nested(64, '[', ']');
    struct oj_err err = {0};
    _cleanup_config_ struct oj_config *c = oj_config_parse(a64, strlen(a64), &err);
    assert_non_null(c);
    /* objects count like arrays; far deeper input fails just as fast */
    _cleanup_free_ char *o65 = nested(65, '{', '}');
    expect_error_prefix_raw(o65, strlen(o65),
                            "config.json: nested deeper than 64 levels at offset");
    _cleanup_free_ char *a100k = nested(100000, '[', ']');
    expect_error_prefix_raw(a100k, strlen(a100k),
                            "config.json: nested deeper than 64 levels at offset");
}

static void test_nul_byte(void **state)
{
    static const char doc[] = "{\"ociVersion\":\"1.0\0.0\"}";
    expect_error_raw(doc, sizeof(doc) - 1, "config.json: NUL byte at offset 18");
    /* after an otherwise complete document too: nothing is silently dropped */
    static const char doc2[] = "{\"ociVersion\":\"1.0.0\"}\0{";
    expect_error_raw(doc2, sizeof(doc2) - 1, "config.json: NUL byte at offset 22");
}

static void test_escaped_nul(void **state)
{
    /* "\u0000" would cut the decoded C string short */
    expect_error_with("'hostname':'a\\u0000b'", "config.json: \\u0000 in a string at offset 35");
}

static void test_invalid_utf8(void **state)
{
    static const struct {
        const char *bytes;
        const char *what;
    } bad[] = {
        {"\xff", "invalid byte"},
        {"\x80", "lone continuation byte"},
        {"\xc0\xaf", "overlong '/'"},
        {"\xe0\x80\xaf", "overlong 3-byte"},
        {"\xed\xa0\x80", "UTF-16 surrogate"},
        {"\xf4\x90\x80\x80", "above U+10FFFF"},
        {"\xe6\xb5", "truncated sequence"},
        {"\xc3\x28", "bad continuation"},
    };
    for (size_t i = 0; i < OJ_ARRAY_SIZE(bad); i++) {
        char doc[64];
        int n = snprintf(doc, sizeof(doc), "{\"ociVersion\":\"1.0.0\",\"hostname\":\"%s\"}",
                         bad[i].bytes);
        struct oj_err err = {0};
        struct oj_config *c = oj_config_parse(doc, (size_t)n, &err);
        if (c) {
            oj_config_free(c);
            fail_msg("accepted %s", bad[i].what);
        }
        assert_string_equal(err.msg, "config.json: invalid UTF-8 at offset 34");
    }
    /* in a key too */
    static const char key[] = "{\"ociVersion\":\"1.0.0\",\"\xff\":1}";
    expect_error_raw(key, sizeof(key) - 1, "config.json: invalid UTF-8 at offset 23");
}

static void test_too_large(void **state)
{
    size_t len = OJ_CONFIG_MAX_BYTES + 1;
    _cleanup_free_ char *buf = malloc(len);
    assert_non_null(buf);
    memset(buf, ' ', len);
    memcpy(buf, "{\"ociVersion\":\"1.0.0\"}", 22);
    expect_error_raw(buf, len, "config.json: larger than 16777216 bytes");
}

static void test_huge_numbers(void **state)
{
    expect_error_with(PROC("'user':{'uid':99999999999999999999999999}"),
                      "config.json: process.user.uid: " RANGE_U32);
    expect_error_with(
        PROC("'rlimits':[{'type':'RLIMIT_CPU','hard':18446744073709551616,'soft':1}]"),
        "config.json: process.rlimits[0].hard: " RANGE_U64);
    expect_error_with(RES("'memory':{'limit':9223372036854775808}"),
                      "config.json: linux.resources.memory.limit: " RANGE_SIZE);
    expect_error_with(LINUX("'timeOffsets':{'boottime':{'secs':-9223372036854775809}}"),
                      "config.json: linux.timeOffsets.boottime.secs: " RANGE_I64);
    expect_error_with(PROC("'user':{'uid':1e400}"), "config.json: process.user.uid: " RANGE_U32);
}

static void test_non_integer_numbers(void **state)
{
    static const char *const nums[] = {"1.0", "1e3", "1.5", "-0.0", "1E2"};
    for (size_t i = 0; i < OJ_ARRAY_SIZE(nums); i++) {
        char extra[96];
        snprintf(extra, sizeof(extra), PROC("'user':{'gid':%s}"), nums[i]);
        expect_error_with(extra, "config.json: process.user.gid: " RANGE_U32);
    }
}

/* --- ociVersion ------------------------------------------------------------------------------- */

static void test_oci_version_missing(void **state)
{
    expect_error("{}", "config.json: ociVersion: required field is missing");
    expect_error("{'ociVersion':null}", "config.json: ociVersion: required field is missing");
    expect_error("{'ociVersion':1}", "config.json: ociVersion: expected a string");
}

static void test_oci_version_unsupported(void **state)
{
    static const char *const bad[] = {"2.0.0", "0.9.0",   "1.0",  "1",     "v1.0.0", "1.0.0x",
                                      "",      "1.0.0.1", "1..0", "1.a.0", " 1.0.0"};
    for (size_t i = 0; i < OJ_ARRAY_SIZE(bad); i++) {
        char doc[64], msg[128];
        snprintf(doc, sizeof(doc), "{'ociVersion':'%s'}", bad[i]);
        snprintf(msg, sizeof(msg),
                 "config.json: ociVersion: unsupported version \"%s\" (expected 1.x.y)", bad[i]);
        expect_error(doc, msg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_null_empty_input),
        cmocka_unit_test(test_trailing_garbage),
        cmocka_unit_test(test_invalid_tokens),
        cmocka_unit_test(test_top_level_not_object),
        cmocka_unit_test(test_comments_refused),
        cmocka_unit_test(test_deep_nesting_refused),
        cmocka_unit_test(test_nul_byte),
        cmocka_unit_test(test_escaped_nul),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_huge_numbers),
        cmocka_unit_test(test_non_integer_numbers),
        cmocka_unit_test(test_oci_version_missing),
        cmocka_unit_test(test_oci_version_unsupported),
    };
    return cmocka_run_group_tests_name("config_text", tests, NULL, NULL);
}
