/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ojrun-worker's command line (worker/options.c): defaults, the three ways
 * to give the broker's URL (never required on argv), and one error line
 * naming the option for each refusal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "options.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof((a)[0])) - 1)

static void expect_error(char **argv, int argc, const char *env, const char *msg)
{
    struct worker_options o;
    struct oj_err err = {0};
    if (worker_options_parse(argc, argv, env, &o, &err) == 0)
        fail_msg("accepted: %s ...", argv[1]);
    assert_string_equal(err.msg, msg);
    worker_options_clear(&o);
}

static void test_spool_defaults(void **state)
{
    char *argv[] = {"ojrun-worker", "--spool", "/s", "--problems", "/p", NULL};
    struct worker_options o;
    struct oj_err err = {0};
    /* the environment's URL is a default: --spool wins */
    assert_int_equal(worker_options_parse(ARGC(argv), argv, "amqp://x", &o, &err), 0);
    assert_string_equal(o.spool, "/s");
    assert_null(o.amqp_url);
    assert_string_equal(o.problems, "/p");
    assert_string_equal(o.root, WORKER_DEFAULT_ROOT);
    assert_string_equal(o.work_dir, WORKER_DEFAULT_ROOT ".work");
    assert_int_equal(o.slots, 0);
    assert_int_equal(o.max_attempts, WORKER_DEFAULT_MAX_ATTEMPTS);
    assert_int_equal(o.max_source_bytes, WORKER_DEFAULT_MAX_SOURCE_BYTES);
    assert_int_equal(o.drain_seconds, WORKER_DEFAULT_DRAIN_SECONDS);
    assert_null(o.languages);
    assert_false(o.log_json);
    worker_options_clear(&o);
}

static void test_amqp(void **state)
{
    char *argv[] = {
        "ojrun-worker", "--problems",   "/p",   "--languages",  "c,cpp,c", "--slots", "2", "--root",
        "/r/",          "--log-format", "json", "--queue-type", "quorum",  NULL};
    struct worker_options o;
    struct oj_err err = {0};
    assert_int_equal(worker_options_parse(ARGC(argv), argv, "amqp://u:p@h/", &o, &err), 0);
    assert_string_equal(o.amqp_url, "amqp://u:p@h/");
    assert_string_equal(o.languages[0], "c");
    assert_string_equal(o.languages[1], "cpp");
    assert_null(o.languages[2]);
    assert_int_equal(o.slots, 2);
    assert_string_equal(o.work_dir, "/r.work");
    assert_true(o.log_json);
    assert_int_equal(o.queue_type, OJ_AMQP_QUEUE_QUORUM);
    assert_int_equal(o.routing, OJ_AMQP_ROUTE_DIRECT);
    worker_options_clear(&o);

    char file[] = "/tmp/ojrun-test-url-XXXXXX";
    int fd = mkstemp(file);
    assert_true(fd >= 0);
    const char *text = "  amqp://guest:secret@127.0.0.1:5673/ \nignored\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    char *argv2[] = {"ojrun-worker", "--amqp-file", file,      "--problems", "/p",
                     "--routing",    "hash",        "--queue", "w1",         NULL};
    assert_int_equal(worker_options_parse(ARGC(argv2), argv2, NULL, &o, &err), 0);
    assert_string_equal(o.amqp_url, "amqp://guest:secret@127.0.0.1:5673/");
    assert_int_equal(o.routing, OJ_AMQP_ROUTE_HASH);
    assert_string_equal(o.queue, "w1");
    worker_options_clear(&o);
    unlink(file);
}

static void test_errors(void **state)
{
    char *a1[] = {"w", "--problems", "/p", NULL};
    expect_error(a1, ARGC(a1), NULL,
                 "no source: give --spool DIR, or --amqp URL (or --amqp-file FILE, or the "
                 "environment variable OJRUN_AMQP_URL)");
    char *a2[] = {"w", "--spool", "/s", NULL};
    expect_error(a2, ARGC(a2), NULL, "--problems: missing (the directory of the problems)");
    char *a3[] = {"w", "--spool", "/s", "--problems", "/p", "--slots", "0", NULL};
    expect_error(a3, ARGC(a3), NULL, "--slots: expected a number in 1..1024, not \"0\"");
    char *a4[] = {"w", "--spool", "/s", "--languages", "c,cobol", NULL};
    expect_error(a4, ARGC(a4), NULL,
                 "--languages: unknown language \"cobol\" (c, cpp, go, java, javascript, python)");
    char *a5[] = {"w", "--spool", "/s", "--amqp", "amqp://h", "--problems", "/p", NULL};
    expect_error(a5, ARGC(a5), NULL, "--spool and --amqp: give one source");
    char *a6[] = {"w", "--amqp", "amqp://h", "--problems", "/p", "--routing", "hash", NULL};
    expect_error(a6, ARGC(a6), NULL, "--routing hash: needs --queue NAME (this worker's queue)");
    char *a7[] = {"w", "--spool", "/s", "--problems", "/p", "--queue", "q", NULL};
    expect_error(a7, ARGC(a7), NULL, "--queue: only with --amqp");
    char *a8[] = {"w", "--spool", "/s", "--problems", "/p", "--log-format", "xml", NULL};
    expect_error(a8, ARGC(a8), NULL, "--log-format: expected text or json, not \"xml\"");
    char *a9[] = {"w", "--spool", "/s", "--problems", "/p", "--bogus", NULL};
    expect_error(a9, ARGC(a9), NULL, "unknown option --bogus");
    char *a10[] = {"w", "--spool", NULL};
    expect_error(a10, ARGC(a10), NULL, "--spool: needs a value");
    char *a11[] = {"w", "--spool", "/s", "--problems", "/p", "--id-prefix", "-x", NULL};
    expect_error(a11, ARGC(a11), NULL,
                 "--id-prefix: expected 1 to 64 characters of A-Z a-z 0-9 _ . - starting with a "
                 "letter or digit, not \"-x\"");
    char *a12[] = {"w", "--amqp-file", "/nonexistent/url", "--problems", "/p", NULL};
    expect_error(a12, ARGC(a12), NULL,
                 "--amqp-file: open /nonexistent/url: No such file or directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spool_defaults),
        cmocka_unit_test(test_amqp),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
