/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What `ojrun update` and `ojrun events` read from their user:
 *   - oj_resources_parse: the LinuxResources file of `update --resources`
 *     (the values, and errors that name the JSON path in resources.json);
 *   - oj_parse_bytes: --memory 64m / 1.5g / -1 (docker's RAMInBytes rules);
 *   - oj_parse_duration: --interval 100ms / 1m30s (Go's ParseDuration rules).
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
#include "units.h"

static struct oj_resources *parse_ok(const char *json)
{
    struct oj_err err = {0};
    struct oj_resources *r = oj_resources_parse(json, strlen(json), &err);
    if (!r)
        fail_msg("parse %s: %s", json, err.msg);
    return r;
}

static void expect_parse_error(const char *json, const char *msg)
{
    struct oj_err err = {0};
    struct oj_resources *r = oj_resources_parse(json, strlen(json), &err);
    if (r) {
        oj_resources_free(r);
        fail_msg("parse %s: accepted, expected \"%s\"", json, msg);
    }
    assert_string_equal(err.msg, msg);
}

static void test_resources_values(void **state)
{
    (void)state;
    struct oj_resources *r =
        parse_ok("{\"memory\":{\"limit\":134217728,\"swap\":-1,\"checkBeforeUpdate\":true},"
                 "\"cpu\":{\"quota\":20000,\"period\":100000,\"shares\":512,\"cpus\":\"0-1\"},"
                 "\"pids\":{\"limit\":32},\"blockIO\":{\"weight\":300},"
                 "\"unified\":{\"memory.high\":\"100M\"}}");
    assert_true(r->has_memory);
    assert_true(r->memory.limit.set);
    assert_int_equal(r->memory.limit.v, 134217728);
    assert_true(r->memory.swap.set);
    assert_int_equal(r->memory.swap.v, -1);
    assert_true(r->memory.check_before_update.set && r->memory.check_before_update.v);
    assert_false(r->memory.reservation.set);
    assert_true(r->has_cpu);
    assert_int_equal(r->cpu.quota.v, 20000);
    assert_int_equal(r->cpu.period.v, 100000);
    assert_int_equal(r->cpu.shares.v, 512);
    assert_string_equal(r->cpu.cpus, "0-1");
    assert_null(r->cpu.mems);
    assert_true(r->has_pids);
    assert_int_equal(r->pids_limit, 32);
    assert_true(r->block_io.weight.set);
    assert_int_equal(r->block_io.weight.v, 300);
    assert_int_equal(r->n_unified, 1);
    assert_string_equal(r->unified[0].key, "memory.high");
    assert_string_equal(r->unified[0].value, "100M");
    oj_resources_free(r);

    /* empty: nothing to change (podman may send that) */
    r = parse_ok("{}");
    assert_false(r->has_memory);
    assert_false(r->has_cpu);
    assert_false(r->has_pids);
    assert_int_equal(r->n_devices, 0);
    oj_resources_free(r);

    /* null members are absent, as for config.json */
    r = parse_ok("{\"memory\":null,\"pids\":{\"limit\":-1}}");
    assert_false(r->has_memory);
    assert_true(r->has_pids);
    assert_int_equal(r->pids_limit, -1);
    oj_resources_free(r);
}

static void test_resources_errors(void **state)
{
    (void)state;
    expect_parse_error("{\"memory\":{\"limit\":\"64m\"}}",
                       "resources.json: memory.limit: expected an integer in "
                       "-1..9223372036854775807");
    expect_parse_error("{\"cpu\":{\"shares\":-5}}",
                       "resources.json: cpu.shares: expected an integer in "
                       "0..18446744073709551615");
    expect_parse_error("{\"devices\":[{\"allow\":true,\"access\":\"rx\"}]}",
                       "resources.json: devices[0].access: expected a combination of \"r\", "
                       "\"w\" and \"m\", got \"rx\"");
    expect_parse_error("[1,2]", "resources.json: expected a JSON object at the top level");
    struct oj_err err = {0};
    assert_null(oj_resources_parse("", 0, &err));
    assert_true(strncmp(err.msg, "resources.json: ", 16) == 0);
    assert_null(oj_resources_parse("{\"memory\":", 10, &err));
    assert_true(strncmp(err.msg, "resources.json: ", 16) == 0);
    assert_int_equal(err.code, EINVAL);
}

static int64_t bytes(const char *s)
{
    struct oj_err err = {0};
    int64_t v = 0;
    if (oj_parse_bytes("--memory", s, &v, &err) < 0)
        fail_msg("%s: %s", s, err.msg);
    return v;
}

static void bytes_error(const char *s, const char *msg)
{
    struct oj_err err = {0};
    int64_t v = 0;
    if (oj_parse_bytes("--memory", s, &v, &err) == 0)
        fail_msg("%s accepted as %lld", s, (long long)v);
    assert_string_equal(err.msg, msg);
}

static void test_bytes(void **state)
{
    (void)state;
    assert_int_equal(bytes("0"), 0);
    assert_int_equal(bytes("1024"), 1024);
    assert_int_equal(bytes("-1"), -1);
    assert_int_equal(bytes("100b"), 100);
    assert_int_equal(bytes("1k"), 1024);
    assert_int_equal(bytes("64m"), 64ll << 20);
    assert_int_equal(bytes("64M"), 64ll << 20);
    assert_int_equal(bytes("64MB"), 64ll << 20);
    assert_int_equal(bytes("64MiB"), 64ll << 20);
    assert_int_equal(bytes("1.5g"), 3ll << 29);
    assert_int_equal(bytes("2t"), 2ll << 40);
    assert_int_equal(bytes("0.5k"), 512);
    assert_int_equal(bytes("8191p"), 8191ll << 50);
    bytes_error("", "--memory \"\": expected a size like 1024, 64m or 1.5g");
    bytes_error("-2", "--memory \"-2\": expected a size like 1024, 64m or 1.5g");
    bytes_error("m", "--memory \"m\": expected a size like 1024, 64m or 1.5g");
    bytes_error("12x", "--memory \"12x\": unknown unit \"x\" (b, k, m, g, t or p)");
    bytes_error("12mm", "--memory \"12mm\": unknown unit");
    bytes_error("12bb", "--memory \"12bb\": unknown unit");
    bytes_error("1.5", "--memory \"1.5\": a fraction of a byte");
    bytes_error("8192p", "--memory \"8192p\": too large");
    bytes_error("99999999999999999999", "--memory \"99999999999999999999\": too large");
}

static uint64_t dur(const char *s)
{
    struct oj_err err = {0};
    uint64_t v = 0;
    if (oj_parse_duration("--interval", s, &v, &err) < 0)
        fail_msg("%s: %s", s, err.msg);
    return v;
}

static void dur_error(const char *s, const char *msg)
{
    struct oj_err err = {0};
    uint64_t v = 0;
    if (oj_parse_duration("--interval", s, &v, &err) == 0)
        fail_msg("%s accepted as %llu", s, (unsigned long long)v);
    assert_string_equal(err.msg, msg);
}

static void test_duration(void **state)
{
    (void)state;
    assert_int_equal(dur("0"), 0);
    assert_int_equal(dur("5s"), 5000000000ull);
    assert_int_equal(dur("100ms"), 100000000ull);
    assert_int_equal(dur("250us"), 250000ull);
    assert_int_equal(dur("250\xc2\xb5s"), 250000ull);
    assert_int_equal(dur("7ns"), 7ull);
    assert_int_equal(dur("1m30s"), 90000000000ull);
    assert_int_equal(dur("1.5h"), 5400000000000ull);
    assert_int_equal(dur(".5s"), 500000000ull);
    assert_int_equal(dur("+2m"), 120000000000ull);
    assert_int_equal(dur("1h1m1s1ms"), 3661001000000ull);
    dur_error("5", "--interval \"5\": missing or unknown unit (ns, us, ms, s, m, h)");
    dur_error("5d", "--interval \"5d\": missing or unknown unit (ns, us, ms, s, m, h)");
    dur_error("-1s", "--interval \"-1s\": expected a duration like 5s, 100ms or 1m30s");
    dur_error("", "--interval \"\": expected a duration like 5s, 100ms or 1m30s");
    dur_error("s", "--interval \"s\": expected a duration like 5s, 100ms or 1m30s");
    dur_error("1s2", "--interval \"1s2\": missing or unknown unit (ns, us, ms, s, m, h)");
    dur_error("3000000h", "--interval \"3000000h\": too long");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resources_values),
        cmocka_unit_test(test_resources_errors),
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_duration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
