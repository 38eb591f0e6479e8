/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Regression tests for what the reliability work found (fuzzing, fault
 * injection, concurrency): one test per finding, named after it, asserting
 * the fixed behaviour.  The inputs that crashed a fuzz target are also kept
 * in tests/fuzz/corpus/<target>/ and replayed by test_fuzz_replay.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cleanup.h"
#include "cli.h"
#include "json.h"
#include "log.h"
#include "state.h"
#include "strbuf.h"
#include "util.h"

/* A private temporary directory, removed (with what the tests put in it)
 * by the teardown. */
static char tmpdir[] = "/tmp/ojrun-regress.XXXXXX";

static int setup_tmp(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/ojrun-regress.XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown_tmp(void **state)
{
    (void)state;
    char cmd[PATH_MAX];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Run cmd(argv) with stdout captured into *out; returns its status. */
static int capture(oj_cmd_fn fn, const struct oj_globals *g, int argc, char **argv, char **out)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/stdout", tmpdir);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(saved >= 0 && fd >= 0);
    assert_int_equal(dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
    close(fd);
    extern int optind;
    optind = 0;
    int rc = fn(g, argc, argv);
    fflush(stdout);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    struct oj_err err = {0};
    if (oj_read_file(path, 1 << 20, out, NULL, &err) < 0)
        fail_msg("%s", err.msg);
    return rc;
}

/* fuzz_cli, corpus/cli/list-empty-root-qsort-null.bin: `ojrun list` with no
 * container (a missing or empty --root) passed NULL to qsort(3), whose base
 * is declared nonnull; the SAN=1 build aborted. */
static void list_of_empty_root(void **state)
{
    (void)state;
    char root[PATH_MAX];
    snprintf(root, sizeof(root), "%s/missing-root", tmpdir);
    /* the verbs run on the public API's context, as main() makes it */
    ojrun_context *api = ojrun_context_new(root, NULL);
    assert_non_null(api);
    ojrun_context_set_log_stderr(api, true);
    struct oj_globals g = {.ctx.root = root, .argv0 = "ojrun", .api = api};
    char *argv_json[] = {"list", "--format", "json", NULL};
    _cleanup_free_ char *out = NULL;
    assert_int_equal(capture(cmd_list, &g, 3, argv_json, &out), 0);
    assert_string_equal(out, "[]\n");

    /* an existing, empty root: the table has its header only */
    assert_int_equal(mkdir(root, 0700), 0);
    char *argv_table[] = {"list", NULL};
    free(out);
    out = NULL;
    assert_int_equal(capture(cmd_list, &g, 1, argv_table, &out), 0);
    assert_non_null(strstr(out, "ID"));
    assert_null(strchr(out, '\n') ? strchr(strchr(out, '\n') + 1, '\n') : NULL);
    ojrun_context_free(api);
}

/* A damaged state.json nested 500 000 levels deep ("[[[[...") crashed every
 * command that read it (yajl frees its tree recursively: stack overflow),
 * so not even `delete --force` could clean the container up. */
static void state_json_nested_too_deep(void **state)
{
    (void)state;
    size_t n = 500000;
    char *doc = malloc(2 * n);
    assert_non_null(doc);
    memset(doc, '[', n);
    memset(doc + n, ']', n);
    struct oj_err err = {0};
    oj_json *v = oj_json_parse(doc, 2 * n, "state.json", &err);
    assert_null(v);
    assert_string_equal(err.msg,
                        "state.json: invalid JSON: nested deeper than 64 levels at offset 64");

    /* the same through the state loader, as `ojrun state` reads it */
    char dir[PATH_MAX], path[PATH_MAX + 16];
    snprintf(dir, sizeof(dir), "%s/c", tmpdir);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(path, sizeof(path), "%s/state.json", dir);
    assert_int_equal(oj_write_file_atomic(path, doc, 2 * n, 0600, &err), 0);
    free(doc);
    struct oj_state *st = NULL;
    assert_int_equal(oj_state_load(tmpdir, "c", &st, &err), -1);
    assert_non_null(strstr(err.msg, "container \"c\": state.json: invalid JSON: nested deeper"));

    /* 64 levels are fine, and brackets inside strings do not count */
    struct strbuf sb = {0};
    for (int i = 0; i < OJ_JSON_MAX_DEPTH - 1; i++)
        sb_puts(&sb, "[");
    sb_puts(&sb,
            "{\"k\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"[[\"}");
    for (int i = 0; i < OJ_JSON_MAX_DEPTH - 1; i++)
        sb_puts(&sb, "]");
    v = oj_json_parse(sb_str(&sb), sb.len, "doc", &err);
    if (!v)
        fail_msg("%s", err.msg);
    oj_json_free(v);
    sb_free(&sb);
}

/* result.json with a comment inside ({"verdict": <comment> "OK"}): yajl's tree
 * parser accepted it and `state`, `list --format json` and `wait` printed
 * it as is, i.e. printed invalid JSON.  json.c now refuses comments, and
 * state.c leaves such a result out. */
static void result_json_with_comment(void **state)
{
    (void)state;
    static const char doc[] = "{\"verdict\": /* x */ \"OK\"}";
    struct oj_err err = {0};
    oj_json *v = oj_json_parse(doc, sizeof(doc) - 1, "result.json", &err);
    assert_null(v);
    assert_string_equal(err.msg,
                        "result.json: invalid JSON: comments are not allowed in JSON (offset 12)");
    /* a slash inside a string is no comment */
    static const char ok[] = "{\"path\": \"/a//b/*c*/\", \"q\": \"\\\"/\"}";
    v = oj_json_parse(ok, sizeof(ok) - 1, "doc", &err);
    if (!v)
        fail_msg("%s", err.msg);
    oj_json_free(v);

    /* through the state loader: a stopped container whose result.json has
     * a comment has no result, and its state JSON stays valid */
    char dir[PATH_MAX], path[PATH_MAX + 16];
    snprintf(dir, sizeof(dir), "%s/c", tmpdir);
    assert_int_equal(mkdir(dir, 0700), 0);
    static const char st_json[] =
        "{\"ociVersion\":\"1.2.0\",\"id\":\"c\",\"pid\":2147483600,\"bundle\":\"/b\","
        "\"ojrun\":{\"pidStartTime\":1,\"shim\":true}}";
    snprintf(path, sizeof(path), "%s/state.json", dir);
    assert_int_equal(oj_write_file_atomic(path, st_json, sizeof(st_json) - 1, 0600, &err), 0);
    snprintf(path, sizeof(path), "%s/result.json", dir);
    assert_int_equal(oj_write_file_atomic(path, doc, sizeof(doc) - 1, 0600, &err), 0);
    struct oj_state *st = NULL;
    assert_int_equal(oj_state_load(tmpdir, "c", &st, &err), 0);
    assert_null(st->result_json);
    struct strbuf sb = {0};
    assert_int_equal(oj_state_json(st, oj_state_status(st), false, &sb, &err), 0);
    assert_null(strstr(sb_str(&sb), "result"));
    v = oj_json_parse(sb_str(&sb), sb.len, "state", &err);
    assert_non_null(v);
    oj_json_free(v);
    sb_free(&sb);
    oj_state_free(st);

    /* and a good result.json is embedded */
    static const char good[] = "{\"version\":1,\"verdict\":\"OK\"}\n";
    assert_int_equal(oj_write_file_atomic(path, good, sizeof(good) - 1, 0600, &err), 0);
    assert_int_equal(oj_state_load(tmpdir, "c", &st, &err), 0);
    assert_string_equal(st->result_json, "{\"version\":1,\"verdict\":\"OK\"}");
    oj_state_free(st);
}

/* fuzz_state, corpus/state/result-trailing-quote.bin: result.json
 * {"":{}}" -- a complete object, then a lone quote.  yajl takes the
 * unterminated string after a complete document for the end of input, so
 * the text was accepted and embedded, and `state`/`list`/`wait` printed
 * invalid JSON.  json.c now refuses anything but whitespace after the
 * top-level object or array. */
static void result_json_trailing_quote(void **state)
{
    (void)state;
    struct oj_err err = {0};
    static const char *const bad[] = {"{\"\":{}}\"", "{}\"x", "[1] 2", "{}}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        oj_json *v = oj_json_parse(bad[i], strlen(bad[i]), "result.json", &err);
        if (v)
            fail_msg("accepted: %s", bad[i]);
        assert_non_null(strstr(err.msg, "result.json: invalid JSON: "));
    }
    assert_null(oj_json_parse("{\"\":{}}\"", 8, "result.json", &err));
    assert_string_equal(err.msg,
                        "result.json: invalid JSON: parse error: trailing garbage at offset 7");
    /* trailing whitespace is fine (the shim ends result.json with a newline) */
    static const char ws[] = "{\"a\":[1]}\n \t\r\n";
    oj_json *v = oj_json_parse(ws, sizeof(ws) - 1, "result.json", &err);
    if (!v)
        fail_msg("%s", err.msg);
    oj_json_free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(list_of_empty_root, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(state_json_nested_too_deep, setup_tmp, teardown_tmp),
        cmocka_unit_test_setup_teardown(result_json_with_comment, setup_tmp, teardown_tmp),
        cmocka_unit_test(result_json_trailing_quote),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
