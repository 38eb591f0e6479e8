/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the config.json parser tests (test_config*.c).
 *
 * Configs are written with single quotes for readability and turned into
 * JSON by q() ('  ->  ").  Everything is static inline so that each test
 * binary can use a subset without unused-function warnings.
 */
#ifndef OJRUN_TEST_CONFIG_HELPERS_H
#define OJRUN_TEST_CONFIG_HELPERS_H

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cleanup.h"
#include "config.h"

/* --- helpers ---------------------------------------------------------------------------------- */

/* JSON from a single-quoted spelling. */
static inline char *q(const char *s)
{
    char *j = strdup(s);
    assert_non_null(j);
    for (char *p = j; *p; p++)
        if (*p == '\'')
            *p = '"';
    return j;
}

static inline struct oj_config *parse_q(const char *single_quoted, struct oj_err *err)
{
    _cleanup_free_ char *j = q(single_quoted);
    return oj_config_parse(j, strlen(j), err);
}

/* Parse `json` (single-quoted), which must succeed. */
static inline struct oj_config *ok_q(const char *single_quoted)
{
    struct oj_err err = {0};
    struct oj_config *cfg = parse_q(single_quoted, &err);
    if (!cfg)
        fail_msg("unexpected error: %s", err.msg);
    return cfg;
}

/* Parse raw bytes, which must fail with exactly `msg`. */
static inline void expect_error_raw(const char *data, size_t len, const char *msg)
{
    struct oj_err err = {0};
    struct oj_config *cfg = oj_config_parse(data, len, &err);
    if (cfg) {
        oj_config_free(cfg);
        fail_msg("parse succeeded, expected: %s", msg);
    }
    assert_string_equal(err.msg, msg);
    assert_null(strchr(err.msg, '\n'));
    /* every config error is EINVAL (EFBIG for an oversized text) */
    assert_int_equal(err.code, strstr(msg, "larger than") ? EFBIG : EINVAL);
}

/* Parse raw bytes, which must fail with a message starting with `prefix`
 * (for yajl's messages, which quote an excerpt of the input). */
static inline void expect_error_prefix_raw(const char *data, size_t len, const char *prefix)
{
    struct oj_err err = {0};
    struct oj_config *cfg = oj_config_parse(data, len, &err);
    if (cfg) {
        oj_config_free(cfg);
        fail_msg("parse succeeded, expected: %s...", prefix);
    }
    if (strncmp(err.msg, prefix, strlen(prefix)) != 0)
        fail_msg("error \"%s\" does not start with \"%s\"", err.msg, prefix);
    assert_null(strchr(err.msg, '\n'));
    assert_int_equal(err.code, EINVAL);
}

static inline void expect_error(const char *single_quoted, const char *msg)
{
    _cleanup_free_ char *j = q(single_quoted);
    expect_error_raw(j, strlen(j), msg);
}

/* A minimal valid config with `extra` (single-quoted members, without the
 * leading comma) appended at the top level. */
static inline char *with(const char *extra)
{
    char *s = NULL;
    assert_true(asprintf(&s, "{'ociVersion':'1.0.0'%s%s}", *extra ? "," : "", extra) > 0);
    return s;
}

static inline void expect_error_with(const char *extra, const char *msg)
{
    _cleanup_free_ char *s = with(extra);
    expect_error(s, msg);
}

static inline struct oj_config *ok_with(const char *extra)
{
    _cleanup_free_ char *s = with(extra);
    return ok_q(s);
}

/* tests/unit/data, found from the test binary (BUILD/tests/test_config). */
static inline char *data_path(const char *name)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    assert_true(n > 0);
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    assert_non_null(slash);
    *slash = '\0';
    char *p = NULL;
    assert_true(asprintf(&p, "%s/../../tests/unit/data/%s", exe, name) > 0);
    return p;
}

static inline struct oj_config *load_full(void)
{
    _cleanup_free_ char *path = data_path("config_full.json");
    struct oj_err err = {0};
    struct oj_config *cfg = oj_config_load(path, &err);
    if (!cfg)
        fail_msg("load %s: %s", path, err.msg);
    return cfg;
}

#endif
