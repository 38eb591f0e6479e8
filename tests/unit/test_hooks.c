/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests for runtime/hooks.c: real hooks (shell scripts, /bin/cp,
 * /bin/sleep) run through oj_hook_run / oj_hooks_run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "hooks.h"
#include "util.h"

static char tmpdir[PATH_MAX];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static int setup(void **state)
{
    strcpy(tmpdir, "/tmp/ojrun-test-hooks.XXXXXX");
    if (!mkdtemp(tmpdir))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *tpath(const char *name)
{
    static char buf[4][PATH_MAX];
    static int i;
    char *p = buf[i++ % 4];
    snprintf(p, PATH_MAX, "%s/%s", tmpdir, name);
    return p;
}

/* Write an executable script into tmpdir, return its path (static). */
static char *script(const char *name, const char *body)
{
    char *p = tpath(name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fprintf(f, "#!/bin/sh\n%s\n", body);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(p, 0755), 0);
    return p;
}

/* Read a whole file; *len gets its length. */
static char *slurp(const char *path, size_t *len)
{
    char *buf = NULL;
    struct oj_err err;
    if (oj_read_file(path, 64 << 20, &buf, len, &err) < 0)
        fail_msg("%s", err.msg);
    return buf;
}

static bool exists(const char *path)
{
    return access(path, F_OK) == 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Redirect our fd 2 into a file while a hook runs, to see what was forwarded
 * (and to keep a hook's chatter out of the TAP stream). */
struct capture {
    int saved;
    char path[PATH_MAX];
};

static void capture_begin(struct capture *c)
{
    snprintf(c->path, sizeof(c->path), "%s/captured-stderr", tmpdir);
    int fd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    fflush(stderr);
    c->saved = dup(STDERR_FILENO);
    assert_true(c->saved >= 0);
    assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
    close(fd);
}

static char *capture_end(struct capture *c, size_t *len)
{
    fflush(stderr);
    assert_int_equal(dup2(c->saved, STDERR_FILENO), STDERR_FILENO);
    close(c->saved);
    return slurp(c->path, len);
}

#define ARGV(...)  ((char *[]){__VA_ARGS__, NULL})
#define NARGS(...) (sizeof((char *[]){__VA_ARGS__}) / sizeof(char *))

static struct oj_hook hook(char *path, char **args, size_t n_args, char **env, size_t n_env)
{
    return (struct oj_hook){
        .path = path, .args = args, .n_args = n_args, .env = env, .n_env = n_env};
}

/* Our children, from /proc/PID/stat's ppid field (zombies included). */
static int count_children(void)
{
    _cleanup_closedir_ DIR *d = opendir("/proc");
    assert_non_null(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] < '0' || de->d_name[0] > '9')
            continue;
        char p[64], buf[512];
        snprintf(p, sizeof(p), "/proc/%s/stat", de->d_name);
        int fd = open(p, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        ssize_t r = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (r <= 0)
            continue;
        buf[r] = '\0';
        char *rp = strrchr(buf, ')');
        int ppid;
        char st;
        if (rp && sscanf(rp + 1, " %c %d", &st, &ppid) == 2 && ppid == getpid())
            n++;
    }
    return n;
}

/* Processes anywhere whose command line contains `needle` as one argument. */
static int count_procs_with_arg(const char *needle)
{
    _cleanup_closedir_ DIR *d = opendir("/proc");
    assert_non_null(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] < '0' || de->d_name[0] > '9')
            continue;
        char p[64], buf[4096];
        snprintf(p, sizeof(p), "/proc/%s/cmdline", de->d_name);
        int fd = open(p, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        ssize_t r = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        for (ssize_t off = 0; r > 0 && off < r; off += (ssize_t)strlen(buf + off) + 1) {
            buf[r] = '\0';
            if (strcmp(buf + off, needle) == 0) {
                n++;
                break;
            }
        }
    }
    return n;
}

static const char *STATE = "{\"ociVersion\":\"1.2.0\",\"id\":\"hook-test\",\"status\":\"creating\","
                           "\"pid\":4242,\"bundle\":\"/run/bundle\",\"annotations\":{\"a\":\"b\"}}";

/* ------------------------------------------------------------------------ */

static void test_kind_names(void **state)
{
    assert_string_equal(oj_hook_kind_name(OJ_HOOK_PRESTART), "prestart");
    assert_string_equal(oj_hook_kind_name(OJ_HOOK_CREATE_RUNTIME), "createRuntime");
    assert_string_equal(oj_hook_kind_name(OJ_HOOK_CREATE_CONTAINER), "createContainer");
    assert_string_equal(oj_hook_kind_name(OJ_HOOK_START_CONTAINER), "startContainer");
    assert_string_equal(oj_hook_kind_name(OJ_HOOK_POSTSTART), "poststart");
    assert_string_equal(oj_hook_kind_name(OJ_HOOK_POSTSTOP), "poststop");
    assert_string_equal(oj_hook_kind_name(OJ_HOOK_KIND_COUNT), "unknown");
}

/* The hook gets exactly the state JSON on stdin, then EOF. */
static void test_state_on_stdin(void **state)
{
    char *sh = script("stdin-hook", "cat > \"$1\"");
    char *out = tpath("stdin.out");
    char **args = ARGV("stdin-hook", out);
    struct oj_hook h = hook(sh, args, 2, NULL, 0);
    struct oj_err err;
    oj_err_clear(&err);
    assert_int_equal(oj_hook_run(&h, STATE, &err), 0);
    _cleanup_free_ char *got = slurp(out, NULL);
    assert_string_equal(got, STATE);

    /* NULL state: empty stdin, immediately at EOF */
    assert_int_equal(oj_hook_run(&h, NULL, &err), 0);
    size_t len = 99;
    _cleanup_free_ char *empty = slurp(out, &len);
    assert_int_equal(len, 0);
}

/* argv is args exactly (argv[0] = args[0], empty and spaced args kept). */
static void test_args_exact(void **state)
{
    char *out = tpath("cmdline.out");
    char **args =
        ARGV("custom-argv0", "-c", "cat /proc/$$/cmdline > \"$1\"", "dollar0", out, "a b", "");
    size_t n =
        NARGS("custom-argv0", "-c", "cat /proc/$$/cmdline > \"$1\"", "dollar0", out, "a b", "");
    struct oj_hook h = hook("/bin/sh", args, n, NULL, 0);
    struct oj_err err;
    assert_int_equal(oj_hook_run(&h, STATE, &err), 0);

    size_t len;
    _cleanup_free_ char *got = slurp(out, &len);
    char want[PATH_MAX * 2];
    size_t wlen = 0;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(args[i]) + 1;
        memcpy(want + wlen, args[i], l);
        wlen += l;
    }
    assert_int_equal(len, wlen);
    assert_memory_equal(got, want, wlen);
}

/* Without args, argv = { path }: cp complains under the name we gave it. */
static void test_no_args_argv0_is_path(void **state)
{
    struct oj_hook h = hook("/bin/cp", NULL, 0, NULL, 0);
    struct oj_err err;
    struct capture c;
    capture_begin(&c);
    int r = oj_hook_run(&h, STATE, &err);
    _cleanup_free_ char *fwd = capture_end(&c, NULL);
    assert_int_equal(r, -1);
    assert_string_equal(err.msg, "exited with status 1: /bin/cp: missing file operand");
    assert_non_null(strstr(fwd, "/bin/cp: missing file operand"));
}

/* The environment is exactly h->env, and empty when absent (not ours). */
static void test_env_exact(void **state)
{
    char *out = tpath("environ.out");
    char **args = ARGV("cp", "/proc/self/environ", out);
    char **env = ARGV("A=1", "B=two words", "EMPTY=");
    struct oj_hook h = hook("/bin/cp", args, 3, env, 3);
    struct oj_err err;
    assert_int_equal(setenv("OJRUN_TEST_MUST_NOT_LEAK", "1", 1), 0);
    assert_int_equal(oj_hook_run(&h, STATE, &err), 0);
    size_t len;
    _cleanup_free_ char *got = slurp(out, &len);
    static const char want[] = "A=1\0B=two words\0EMPTY=";
    assert_int_equal(len, sizeof(want));
    assert_memory_equal(got, want, sizeof(want));

    h.env = NULL;
    h.n_env = 0;
    assert_int_equal(oj_hook_run(&h, STATE, &err), 0);
    _cleanup_free_ char *none = slurp(out, &len);
    assert_int_equal(len, 0);
    unsetenv("OJRUN_TEST_MUST_NOT_LEAK");
}

/* A non-zero exit fails with the status and the first stderr line; all of
 * the hook's stderr (and its stdout) is forwarded to our stderr. */
static void test_nonzero_exit(void **state)
{
    char *sh = script("fail-hook", "echo hook-stdout-marker\n"
                                   "echo '' >&2\n"
                                   "echo 'boom: bad state  ' >&2\n"
                                   "echo 'second line' >&2\n"
                                   "exit 3");
    struct oj_hook list[2] = {hook("/bin/true", NULL, 0, NULL, 0), hook(sh, NULL, 0, NULL, 0)};
    struct oj_hooks hooks = {0};
    hooks.list[OJ_HOOK_CREATE_RUNTIME] = list;
    hooks.n[OJ_HOOK_CREATE_RUNTIME] = 2;

    struct oj_err err;
    struct capture c;
    capture_begin(&c);
    int r = oj_hooks_run(&hooks, OJ_HOOK_CREATE_RUNTIME, STATE, NULL, &err);
    _cleanup_free_ char *fwd = capture_end(&c, NULL);
    assert_int_equal(r, -1);
    char want[OJ_ERR_MSG_MAX];
    snprintf(want, sizeof(want),
             "createRuntime hook #1 (%s): exited with status 3: boom: bad state", sh);
    assert_string_equal(err.msg, want);
    assert_int_equal(err.code, 0);
    assert_non_null(strstr(fwd, "boom: bad state"));
    assert_non_null(strstr(fwd, "second line"));
    assert_non_null(strstr(fwd, "hook-stdout-marker"));
}

static void test_killed_by_signal(void **state)
{
    char **args = ARGV("sh", "-c", "echo dying >&2; kill -KILL $$");
    struct oj_hook h = hook("/bin/sh", args, 3, NULL, 0);
    struct oj_err err;
    struct capture c;
    capture_begin(&c);
    int r = oj_hook_run(&h, STATE, &err);
    _cleanup_free_ char *fwd = capture_end(&c, NULL);
    assert_int_equal(r, -1);
    char want[128];
    snprintf(want, sizeof(want), "killed by signal 9 (%s): dying", strsignal(SIGKILL));
    assert_string_equal(err.msg, want);
}

/* timeout 1 s on a hook sleeping 10+ s: fails in about 1 s, and neither the
 * hook nor the process it started in the background survives. */
static void test_timeout(void **state)
{
    const char *marker = "31.7"; /* an unusual sleep duration to find them by */
    char **args = ARGV("sh", "-c", "sleep 31.7 & exec sleep 31.7");
    struct oj_hook h = hook("/bin/sh", args, 3, NULL, 0);
    h.timeout = (oj_opt_i64){.set = true, .v = 1};
    struct oj_err err;
    double t0 = now_s();
    int r = oj_hook_run(&h, STATE, &err);
    double dt = now_s() - t0;
    assert_int_equal(r, -1);
    assert_string_equal(err.msg, "timed out after 1 s");
    assert_true(dt >= 0.95);
    assert_true(dt < 3.0);
    assert_int_equal(count_children(), 0);
    /* SIGKILLed processes vanish asynchronously (the orphan is reaped by
     * init); give them a moment. */
    int left = 0;
    for (int i = 0; i < 200; i++) {
        left = count_procs_with_arg(marker);
        if (left == 0)
            break;
        usleep(10000);
    }
    assert_int_equal(left, 0);
}

/* A timeout that is not reached changes nothing. */
static void test_timeout_not_reached(void **state)
{
    char *out = tpath("quick.out");
    char **args = ARGV("sh", "-c", "cat > \"$1\"", "sh", out);
    struct oj_hook h = hook("/bin/sh", args, 5, NULL, 0);
    h.timeout = (oj_opt_i64){.set = true, .v = 30};
    struct oj_err err;
    double t0 = now_s();
    assert_int_equal(oj_hook_run(&h, STATE, &err), 0);
    assert_true(now_s() - t0 < 5.0);
    _cleanup_free_ char *got = slurp(out, NULL);
    assert_string_equal(got, STATE);

    h.timeout.v = 0; /* config.md: timeout MUST be greater than zero */
    assert_int_equal(oj_hook_run(&h, STATE, &err), -1);
    assert_non_null(strstr(err.msg, "timeout 0 is not greater than zero"));
}

/* Hooks that never read a 1 MiB state (exiting at once, later, or after
 * reading a little) do not hang us, and SIGPIPE neither kills us nor stays
 * pending or blocked afterwards. */
static void test_unread_big_state(void **state)
{
    size_t big = 1 << 20;
    _cleanup_free_ char *json = malloc(big + 1);
    assert_non_null(json);
    memset(json, ' ', big);
    json[0] = '{';
    json[big - 1] = '}';
    json[big] = '\0';

    struct oj_hook hooks[] = {
        hook("/bin/true", NULL, 0, NULL, 0),
        hook("/bin/sh", ARGV("sh", "-c", "sleep 0.3"), 3, NULL, 0),
        hook("/bin/sh", ARGV("sh", "-c", "head -c 10 >/dev/null"), 3, NULL, 0),
    };
    for (size_t i = 0; i < OJ_ARRAY_SIZE(hooks); i++) {
        hooks[i].timeout = (oj_opt_i64){.set = true, .v = 20};
        struct oj_err err;
        oj_err_clear(&err);
        double t0 = now_s();
        int r = oj_hook_run(&hooks[i], json, &err);
        if (r != 0)
            fail_msg("hook %zu: %s", i, err.msg);
        assert_true(now_s() - t0 < 5.0);

        sigset_t pending, mask;
        assert_int_equal(sigpending(&pending), 0);
        assert_false(sigismember(&pending, SIGPIPE));
        assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &mask), 0);
        assert_false(sigismember(&mask, SIGPIPE));
    }
    /* and the whole state does reach a hook that reads it */
    char *out = tpath("big.out");
    struct oj_hook reader =
        hook("/bin/sh", ARGV("sh", "-c", "cat > \"$1\"", "sh", out), 5, NULL, 0);
    struct oj_err err;
    assert_int_equal(oj_hook_run(&reader, json, &err), 0);
    size_t len;
    _cleanup_free_ char *got = slurp(out, &len);
    assert_int_equal(len, big);
    assert_memory_equal(got, json, big);
}

/* A hook flooding stderr neither blocks nor overflows the error message. */
static void test_big_stderr(void **state)
{
    char **args = ARGV("sh", "-c", "head -c 200000 /dev/zero | tr '\\0' x >&2; exit 1");
    struct oj_hook h = hook("/bin/sh", args, 3, NULL, 0);
    h.timeout = (oj_opt_i64){.set = true, .v = 20};
    struct oj_err err;
    struct capture c;
    capture_begin(&c);
    int r = oj_hook_run(&h, STATE, &err);
    size_t len;
    _cleanup_free_ char *fwd = capture_end(&c, &len);
    assert_int_equal(r, -1);
    assert_int_equal(len, 200000); /* everything forwarded */
    assert_true(strncmp(err.msg, "exited with status 1: xxxx", 26) == 0);
    assert_true(strlen(err.msg) < 400);
}

static void test_missing_path(void **state)
{
    struct oj_hook h = hook("/nonexistent/ojrun-hook", NULL, 0, NULL, 0);
    struct oj_err err;
    assert_int_equal(oj_hook_run(&h, STATE, &err), -1);
    assert_int_equal(err.code, ENOENT);
    assert_string_equal(err.msg, "exec: No such file or directory");
    assert_int_equal(count_children(), 0);

    struct oj_hooks hooks = {0};
    hooks.list[OJ_HOOK_PRESTART] = &h;
    hooks.n[OJ_HOOK_PRESTART] = 1;
    assert_int_equal(oj_hooks_run(&hooks, OJ_HOOK_PRESTART, STATE, NULL, &err), -1);
    assert_string_equal(err.msg, "prestart hook #0 (/nonexistent/ojrun-hook): exec: No such file "
                                 "or directory");

    /* not executable */
    char *noexec = tpath("noexec");
    FILE *f = fopen(noexec, "w");
    assert_non_null(f);
    fclose(f);
    h.path = noexec;
    assert_int_equal(oj_hook_run(&h, STATE, &err), -1);
    assert_int_equal(err.code, EACCES);

    /* config.md: path MUST be absolute */
    h.path = "bin/true";
    assert_int_equal(oj_hook_run(&h, STATE, &err), -1);
    assert_string_equal(err.msg, "path \"bin/true\" is not absolute: Invalid argument");
}

/* createRuntime stops at the first failure; poststop (warning-only per
 * runtime.md) runs them all and succeeds. */
static void test_stops_at_first_failure(void **state)
{
    char *a = tpath("A"), *c_ = tpath("C");
    struct oj_hook list[3] = {
        hook("/usr/bin/touch", ARGV("touch", a), 2, NULL, 0),
        hook("/bin/sh", ARGV("sh", "-c", "echo nope >&2; exit 2"), 3, NULL, 0),
        hook("/usr/bin/touch", ARGV("touch", c_), 2, NULL, 0),
    };
    struct oj_hooks hooks = {0};
    hooks.list[OJ_HOOK_CREATE_RUNTIME] = list;
    hooks.n[OJ_HOOK_CREATE_RUNTIME] = 3;
    hooks.list[OJ_HOOK_POSTSTOP] = list;
    hooks.n[OJ_HOOK_POSTSTOP] = 3;

    struct oj_err err;
    struct capture cap;
    capture_begin(&cap);
    int r = oj_hooks_run(&hooks, OJ_HOOK_CREATE_RUNTIME, STATE, NULL, &err);
    _cleanup_free_ char *fwd = capture_end(&cap, NULL);
    assert_int_equal(r, -1);
    assert_string_equal(err.msg, "createRuntime hook #1 (/bin/sh): exited with status 2: nope");
    assert_true(exists(a));
    assert_false(exists(c_));

    /* a kind with no hooks, and no hooks at all */
    assert_int_equal(oj_hooks_run(&hooks, OJ_HOOK_PRESTART, STATE, NULL, &err), 0);
    assert_int_equal(oj_hooks_run(NULL, OJ_HOOK_PRESTART, STATE, NULL, &err), 0);
    assert_int_equal(oj_hooks_run(&hooks, OJ_HOOK_KIND_COUNT, STATE, NULL, &err), -1);

    unlink(a);
    capture_begin(&cap);
    oj_err_clear(&err);
    r = oj_hooks_run(&hooks, OJ_HOOK_POSTSTOP, STATE, NULL, &err);
    _cleanup_free_ char *warn = capture_end(&cap, NULL);
    assert_int_equal(r, 0);
    assert_true(exists(a));
    assert_true(exists(c_));
    assert_non_null(strstr(warn, "poststop hook #1 (/bin/sh): exited with status 2: nope"));
}

/* The hook sees only fds 0-2, even when we hold fds without O_CLOEXEC:
 * `ls /proc/self/fd` lists them (plus the directory fd ls itself opens, 3)
 * on its stdout, which is our stderr. */
static void test_fds_not_inherited(void **state)
{
    int leaky = open("/dev/null", O_RDONLY); /* deliberately without O_CLOEXEC */
    assert_true(leaky > 2);
    struct oj_hook h = hook("/bin/ls", ARGV("ls", "/proc/self/fd"), 2, NULL, 0);
    struct oj_err err;
    struct capture c;
    capture_begin(&c);
    int r = oj_hook_run(&h, STATE, &err);
    _cleanup_free_ char *got = capture_end(&c, NULL);
    close(leaky);
    assert_int_equal(r, 0);
    assert_string_equal(got, "0\n1\n2\n3\n");
}

static int count_fds(void)
{
    _cleanup_closedir_ DIR *d = opendir("/proc/self/fd");
    assert_non_null(d);
    int n = 0;
    while (readdir(d))
        n++;
    return n;
}

/* Success, failure, exec failure and bad arguments release every fd and
 * child they used. */
static void test_no_leaks(void **state)
{
    struct oj_hook hooks[] = {
        hook("/bin/true", NULL, 0, NULL, 0),
        hook("/bin/false", NULL, 0, NULL, 0),
        hook("/nonexistent/ojrun-hook", NULL, 0, NULL, 0),
        hook("relative/hook", NULL, 0, NULL, 0),
    };
    int before = count_fds();
    for (int round = 0; round < 20; round++)
        for (size_t i = 0; i < OJ_ARRAY_SIZE(hooks); i++) {
            struct oj_err err;
            int r = oj_hook_run(&hooks[i], STATE, &err);
            assert_int_equal(r, i == 0 ? 0 : -1);
        }
    assert_int_equal(count_fds(), before);
    assert_int_equal(count_children(), 0);
}

int main(void)
{
    alarm(120); /* a hang is a failure, not a stuck test run */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test_setup_teardown(test_state_on_stdin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_args_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_args_argv0_is_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_env_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nonzero_exit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_killed_by_signal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_not_reached, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unread_big_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_big_stderr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_path, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stops_at_first_failure, setup, teardown),
        cmocka_unit_test(test_no_leaks),
        cmocka_unit_test_setup_teardown(test_fds_not_inherited, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
