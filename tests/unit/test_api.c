/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for the public API (runtime/libojrun.h) where it is pure
 * logic: the error type, configs, results and their JSON, the log sink and
 * silence on stderr, and a task that cannot be created (its supervisor
 * child reports the error through the task fd, and is reaped by collect).
 * tests/integration/api.bats runs real tasks through libojrun.so.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "libojrun.h"
#include "log.h"
#include "test_tag.h"

static void test_context_root(void **state)
{
    ojrun_error err = {0};
    ojrun_context *ctx = ojrun_context_new(NULL, &err);
    assert_non_null(ctx);
    assert_string_equal(ojrun_context_root(ctx), "/run/ojrun");
    ojrun_context_free(ctx);
    ctx = ojrun_context_new("/tmp/x", &err);
    assert_string_equal(ojrun_context_root(ctx), "/tmp/x");
    ojrun_context_free(ctx);
}

static void test_config_errors(void **state)
{
    ojrun_error err = {0};
    static const char bad[] = "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},"
                              "\"linux\":{\"namespaces\":[{\"type\":\"nett\"}]}}";
    assert_null(ojrun_config_from_json(bad, strlen(bad), "/", &err));
    assert_int_equal(err.code, EINVAL);
    assert_string_equal(err.message,
                        "config.json: linux.namespaces[0].type: unknown namespace \"nett\"");

    /* a missing bundle: errno and the path */
    assert_null(ojrun_config_load_bundle("/nonexistent-ojrun-bundle", &err));
    assert_int_equal(err.code, ENOENT);
    assert_non_null(strstr(err.message, "/nonexistent-ojrun-bundle/config.json"));

    /* a NULL error is allowed */
    assert_null(ojrun_config_from_json("{", 1, "/", NULL));

    static const char good[] = "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"}}";
    ojrun_config *cfg = ojrun_config_from_json(good, strlen(good), "/", &err);
    assert_non_null(cfg);
    ojrun_config_free(cfg);
}

static void test_names(void **state)
{
    assert_string_equal(ojrun_verdict_name(OJRUN_OK), "OK");
    assert_string_equal(ojrun_verdict_name(OJRUN_TLE), "TLE");
    assert_string_equal(ojrun_verdict_name(OJRUN_MLE), "MLE");
    assert_string_equal(ojrun_verdict_name(OJRUN_SE), "SE");
    assert_string_equal(ojrun_status_name(OJRUN_STATUS_CREATED), "created");
    assert_string_equal(ojrun_status_name(OJRUN_STATUS_STOPPED), "stopped");
}

static void test_result_json(void **state)
{
    ojrun_result r = {
        .verdict = OJRUN_TLE,
        .signal = 9,
        .cpu_us = 201000,
        .user_us = 200000,
        .sys_us = 1000,
        .wall_us = 250000,
        .memory_peak_bytes = 4096,
        .pids_peak = 1,
        .limits = {.cpu_ms = 200, .memory_bytes = 1 << 20},
    };
    char *json = ojrun_result_json("t1", &r);
    assert_non_null(json);
    assert_string_equal(
        json, "{\"version\":1,\"id\":\"t1\",\"verdict\":\"TLE\",\"exit_code\":null,"
              "\"signal\":\"SIGKILL\",\"cpu_us\":201000,\"user_us\":200000,\"sys_us\":1000,"
              "\"wall_us\":250000,\"memory_peak_bytes\":4096,\"oom_killed\":false,"
              "\"memory_limit_hit\":false,\"pids_peak\":1,\"limits\":{\"cpu_ms\":200,"
              "\"wall_ms\":null,\"memory_bytes\":1048576,\"output_bytes\":null},\"error\":null}");
    free(json);

    ojrun_result se = {.verdict = OJRUN_SE, .has_exit_code = true, .exit_code = 3};
    snprintf(se.error, sizeof(se.error), "exec \"/box/main\": No such file or directory");
    json = ojrun_result_json("t2", &se);
    assert_non_null(strstr(json, "\"verdict\":\"SE\",\"exit_code\":3,\"signal\":null"));
    assert_non_null(
        strstr(json, "\"error\":\"exec \\\"/box/main\\\": No such file or directory\"}"));
    free(json);
}

struct sink {
    int n;
    enum ojrun_log_level level;
    char last[256];
};

static void sink_fn(enum ojrun_log_level level, const char *msg, void *data)
{
    struct sink *s = data;
    s->n++;
    s->level = level;
    snprintf(s->last, sizeof(s->last), "%s", msg);
}

/* Records go to the sink, never to stderr unless asked. */
static void test_log_sink_not_stderr(void **state)
{
    char path[] = "/tmp/ojrun-test-api-stderr.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);

    ojrun_error err;
    ojrun_context *ctx = ojrun_context_new("/tmp", &err);
    struct sink s = {0};
    ojrun_context_set_log_sink(ctx, sink_fn, &s);
    oj_warn("a warning %d", 42);
    oj_debug("a debug record"); /* debug is off: nothing */
    ojrun_context_set_debug(ctx, true);
    oj_debug("now on");
    ojrun_context_set_debug(ctx, false);
    ojrun_context_set_log_sink(ctx, NULL, NULL);
    oj_warn("nobody hears this");

    struct stat st;
    assert_int_equal(fstat(fd, &st), 0);
    off_t quiet = st.st_size;
    ojrun_context_set_log_stderr(ctx, true);
    oj_warn("on stderr");
    ojrun_context_set_log_stderr(ctx, false);
    assert_int_equal(fstat(fd, &st), 0);
    off_t loud = st.st_size;

    assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
    close(saved);
    char buf[128] = {0};
    assert_true(pread(fd, buf, sizeof(buf) - 1, 0) >= 0);
    close(fd);
    ojrun_context_free(ctx);

    assert_int_equal(s.n, 2);
    assert_int_equal(s.level, OJRUN_LOG_DEBUG);
    assert_string_equal(s.last, "now on");
    assert_int_equal(quiet, 0);
    assert_string_equal(buf, "ojrun: warning: on stderr\n");
    assert_true(loud > 0);
}

/* A task whose container cannot be created: collect returns the error
 * (not a result), the supervisor child is reaped, nothing is left. */
static void test_task_create_error(void **state)
{
    char root[] = "/tmp/ojrun-test-api-root.XXXXXX";
    assert_non_null(mkdtemp(root));
    ojrun_error err = {0};
    ojrun_context *ctx = ojrun_context_new(root, &err);
    static const char cfgtext[] =
        "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"no-such-rootfs\"},"
        "\"process\":{\"args\":[\"/bin/true\"],\"cwd\":\"/\"}}";
    ojrun_config *cfg = ojrun_config_from_json(cfgtext, strlen(cfgtext), "/tmp", &err);
    assert_non_null(cfg);
    char id[64];
    snprintf(id, sizeof(id), "api-%s", test_tag());
    ojrun_task_spec spec = {
        .id = id, .config = cfg, .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1};
    ojrun_task *t = ojrun_task_spawn(ctx, &spec, &err);
    assert_non_null(t);
    pid_t pid = ojrun_task_pid(t);
    assert_true(pid > 0);
    struct pollfd pfd = {.fd = ojrun_task_fd(t), .events = POLLIN};
    assert_int_equal(poll(&pfd, 1, 30000), 1);
    ojrun_result r;
    assert_int_equal(ojrun_task_collect(t, &r, &err), -1);
    assert_int_equal(err.code, ENOENT);
    assert_string_equal(err.message, "root.path: /tmp/no-such-rootfs: No such file or directory");
    /* reaped by collect */
    assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);
    assert_int_equal(errno, ECHILD);
    /* a second collect is a usage error */
    assert_int_equal(ojrun_task_collect(t, &r, &err), -1);
    assert_int_equal(err.code, EINVAL);
    ojrun_task_free(t);
    ojrun_config_free(cfg);
    ojrun_context_free(ctx);
    assert_int_equal(rmdir(root), 0); /* nothing was left in it */
}

/* A spawned task refuses what only the command's create can do. */
static void test_task_spec_refused(void **state)
{
    ojrun_error err = {0};
    ojrun_context *ctx = ojrun_context_new("/tmp", &err);
    ojrun_create_options co = {.shim = true};
    ojrun_task_spec spec = {.id = "x", .bundle = "/", .create = &co};
    assert_null(ojrun_task_spawn(ctx, &spec, &err));
    assert_int_equal(err.code, EINVAL);
    spec.id = NULL;
    spec.create = NULL;
    assert_null(ojrun_task_spawn(ctx, &spec, &err));
    assert_int_equal(err.code, EINVAL);
    assert_string_equal(err.message, "task: no container id: Invalid argument");
    ojrun_context_free(ctx);
}

/* update's resources: JSON, then fields set from text as the flags are. */
static void test_resources(void **state)
{
    ojrun_error err = {0};
    static const char json[] = "{\"pids\":{\"limit\":10}}";
    ojrun_resources *r = ojrun_resources_from_json(json, strlen(json), &err);
    assert_non_null(r);
    assert_int_equal(ojrun_resources_set(r, "memory", "64m", &err), 0);
    assert_int_equal(ojrun_resources_set(r, "blkio-weight", "5", &err), -1);
    assert_int_equal(err.code, EINVAL);
    assert_string_equal(err.message, "--blkio-weight \"5\": expected an integer in 10..1000");
    assert_int_equal(ojrun_resources_set(r, "nope", "1", &err), -1);
    assert_int_equal(err.code, EINVAL);
    assert_string_equal(err.message, "update: unknown resource \"nope\": Invalid argument");
    ojrun_resources_free(r);
    assert_null(ojrun_resources_from_json("{\"pids\":1}", 10, &err));
    assert_true(err.message[0] != '\0');
    r = ojrun_resources_new(&err);
    assert_non_null(r);
    ojrun_resources_free(r);
}

/* list, wait, run and spec without a container: an empty root, errors. */
static void test_root_calls(void **state)
{
    char root[] = "/tmp/ojrun-api-XXXXXX";
    assert_non_null(mkdtemp(root));
    ojrun_error err = {0};
    ojrun_context *ctx = ojrun_context_new(root, &err);
    assert_non_null(ctx);
    ojrun_container_info *list = (ojrun_container_info *)1;
    size_t n = 7;
    assert_int_equal(ojrun_container_list(ctx, &list, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_null(list);

    assert_null(ojrun_container_wait(ctx, "none", &err));
    assert_int_equal(err.code, ENOENT);
    ojrun_create_options co = {.shim = true};
    assert_null(ojrun_container_run(ctx, "x", "/", NULL, &co, &err));
    assert_int_equal(err.code, EINVAL);
    assert_int_equal(ojrun_container_pause(ctx, "none", &err), -1);
    assert_int_equal(err.code, ENOENT);
    assert_null(ojrun_container_stats(ctx, "none", &err));
    assert_int_equal(err.code, ENOENT);

    /* spec: written once, never overwritten */
    assert_int_equal(ojrun_spec_write(ctx, root, false, &err), 0);
    char path[64];
    snprintf(path, sizeof(path), "%s/config.json", root);
    ojrun_config *cfg = ojrun_config_load_bundle(root, &err);
    assert_non_null(cfg);
    ojrun_config_free(cfg);
    assert_int_equal(ojrun_spec_write(ctx, root, false, &err), -1);
    assert_non_null(strstr(err.message, path));
    assert_int_equal(unlink(path), 0);

    char *features = ojrun_features_json(&err);
    assert_non_null(features);
    assert_non_null(strstr(features, "\"ociVersionMax\""));
    assert_int_equal(features[strlen(features) - 1], '\n');
    free(features);
    ojrun_context_free(ctx);
    assert_int_equal(rmdir(root), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_context_root),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_result_json),
        cmocka_unit_test(test_log_sink_not_stderr),
        cmocka_unit_test(test_task_create_error),
        cmocka_unit_test(test_task_spec_refused),
        cmocka_unit_test(test_resources),
        cmocka_unit_test(test_root_calls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
