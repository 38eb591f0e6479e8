/* SPDX-License-Identifier: Apache-2.0 */
/*
 * exec_process.c (which process `ojrun exec` runs: config.json's or a
 * --process file's, with the flags on top) and execprep.c (the last steps
 * before execve: PATH lookup on a real directory tree, rlimits and the
 * seccomp CAP_SYS_ADMIN allowance applied to a real forked child).
 * Joining a live container is covered by tests/integration/exec.bats.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caps.h"
#include "cleanup.h"
#include "config.h"
#include "exec.h"
#include "execprep.h"
#include "secure_child.h"
#include "util.h"

#define BIT(c) (UINT64_C(1) << (c))

/* A config.json with a process, as create stores it. */
static const char base_config[] =
    "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\"},"
    " \"process\": {\"args\": [\"sleep\", \"1000\"], \"cwd\": \"/work\","
    "  \"env\": [\"PATH=/bin:/usr/bin\", \"FOO=bar\", \"TERM=xterm\"],"
    "  \"user\": {\"uid\": 1000, \"gid\": 1000, \"additionalGids\": [5]},"
    "  \"capabilities\": {\"bounding\": [\"CAP_KILL\", \"CAP_CHOWN\"],"
    "                     \"effective\": [\"CAP_KILL\"], \"permitted\": [\"CAP_KILL\"]},"
    "  \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 512, \"soft\": 256}],"
    "  \"noNewPrivileges\": false, \"terminal\": false},"
    " \"linux\": {\"namespaces\": [{\"type\": \"mount\"}]}}";

static struct oj_config *load_base(void)
{
    struct oj_err err = {0};
    struct oj_config *cfg = oj_config_parse(base_config, strlen(base_config), &err);
    if (!cfg)
        fail_msg("base config: %s", err.msg);
    return cfg;
}

static bool has_cap(const struct oj_process *p, enum oj_cap_set s, int cap)
{
    for (size_t i = 0; i < p->capabilities.set[s].n; i++)
        if (p->capabilities.set[s].caps[i] == cap)
            return true;
    return false;
}

static size_t count_cap(const struct oj_process *p, enum oj_cap_set s, int cap)
{
    size_t n = 0;
    for (size_t i = 0; i < p->capabilities.set[s].n; i++)
        n += p->capabilities.set[s].caps[i] == cap;
    return n;
}

/* Build the process; fail the test on error. */
static struct oj_process *build(struct oj_config *cfg, const struct oj_exec_opts *o)
{
    struct oj_err err = {0};
    struct oj_process *p = NULL;
    if (oj_exec_build_process(cfg, o, &p, &err) < 0)
        fail_msg("build: %s", err.msg);
    assert_non_null(p);
    return p;
}

/* Build must fail with a message containing `want`. */
static void build_fails(const struct oj_exec_opts *o, const char *want)
{
    struct oj_config *cfg = load_base();
    struct oj_err err = {0};
    struct oj_process *p = NULL;
    int r = oj_exec_build_process(cfg, o, &p, &err);
    oj_config_free(cfg);
    if (r == 0) {
        oj_process_free(p);
        fail_msg("build succeeded, expected an error with \"%s\"", want);
    }
    assert_null(p);
    if (!strstr(err.msg, want))
        fail_msg("error \"%s\" does not contain \"%s\"", err.msg, want);
}

/* --- the process from config.json + flags --------------------------------- */

static void test_config_process_is_the_base(void **state)
{
    struct oj_config *cfg = load_base();
    char *args[] = {"sh", "-c", "echo hi"};
    struct oj_exec_opts o = {.id = "c1", .tty = -1, .args = args, .n_args = 3};
    struct oj_process *p = build(cfg, &o);
    assert_int_equal(p->n_args, 3);
    assert_string_equal(p->args[0], "sh");
    assert_string_equal(p->args[2], "echo hi");
    assert_null(p->args[3]);
    assert_string_equal(p->cwd, "/work");
    assert_int_equal(p->n_env, 3);
    assert_string_equal(oj_env_get(p->env, "FOO"), "bar");
    assert_int_equal(p->user.uid, 1000);
    assert_int_equal(p->user.gid, 1000);
    assert_int_equal(p->user.n_additional_gids, 1);
    assert_true(p->has_capabilities);
    assert_true(has_cap(p, OJ_CAPSET_EFFECTIVE, CAP_KILL));
    assert_false(has_cap(p, OJ_CAPSET_EFFECTIVE, CAP_CHOWN));
    assert_int_equal(p->n_rlimits, 1);
    assert_int_equal(p->rlimits[0].soft, 256);
    assert_false(p->no_new_privileges);
    assert_false(p->terminal);
    oj_process_free(p);
    oj_config_free(cfg);
}

static void test_flags_override(void **state)
{
    struct oj_config *cfg = load_base();
    char *args[] = {"id"};
    char *env[] = {"FOO=baz", "NEW=1", "FOO=last", "EMPTY="};
    char *caps[] = {"CAP_SYS_ADMIN", "CAP_KILL", "CAP_SYS_ADMIN"};
    uint32_t gids[] = {7, 8};
    struct oj_exec_opts o = {
        .id = "c1",
        .tty = 1,
        .args = args,
        .n_args = 1,
        .cwd = "/tmp",
        .env = env,
        .n_env = 4,
        .user_set = true,
        .uid = 0,
        .caps = caps,
        .n_caps = 3,
        .additional_gids = gids,
        .n_additional_gids = 2,
        .no_new_privs = true,
    };
    struct oj_process *p = build(cfg, &o);
    assert_string_equal(p->cwd, "/tmp");
    /* replaced in place, appended in order, last one wins, no duplicates */
    assert_int_equal(p->n_env, 5);
    assert_string_equal(p->env[1], "FOO=last");
    assert_string_equal(p->env[3], "NEW=1");
    assert_string_equal(p->env[4], "EMPTY=");
    assert_null(p->env[5]);
    /* -u 0 without a gid keeps the configured gid (runc) */
    assert_int_equal(p->user.uid, 0);
    assert_int_equal(p->user.gid, 1000);
    assert_int_equal(p->user.n_additional_gids, 3);
    assert_int_equal(p->user.additional_gids[0], 5);
    assert_int_equal(p->user.additional_gids[1], 7);
    assert_int_equal(p->user.additional_gids[2], 8);
    /* --cap: bounding, effective, permitted, once each; not inheritable or
     * ambient (runc 1.1.5: CapInh and CapAmb stay 0) */
    static const enum oj_cap_set added[] = {OJ_CAPSET_BOUNDING, OJ_CAPSET_EFFECTIVE,
                                            OJ_CAPSET_PERMITTED};
    for (size_t i = 0; i < OJ_ARRAY_SIZE(added); i++) {
        assert_int_equal(count_cap(p, added[i], CAP_SYS_ADMIN), 1);
        assert_int_equal(count_cap(p, added[i], CAP_KILL), 1);
    }
    assert_false(has_cap(p, OJ_CAPSET_INHERITABLE, CAP_SYS_ADMIN));
    assert_false(has_cap(p, OJ_CAPSET_AMBIENT, CAP_SYS_ADMIN));
    assert_true(has_cap(p, OJ_CAPSET_BOUNDING, CAP_CHOWN)); /* kept */
    assert_true(p->no_new_privileges);
    assert_true(p->terminal);
    oj_process_free(p);
    oj_config_free(cfg);

    /* --user UID:GID sets both; --tty=false turns a terminal off */
    cfg = load_base();
    struct oj_exec_opts o2 = {.id = "c1",
                              .tty = 0,
                              .args = args,
                              .n_args = 1,
                              .user_set = true,
                              .uid = 7,
                              .gid_set = true,
                              .gid = 9};
    cfg->process->terminal = true;
    p = build(cfg, &o2);
    assert_int_equal(p->user.uid, 7);
    assert_int_equal(p->user.gid, 9);
    assert_false(p->terminal);
    oj_process_free(p);
    oj_config_free(cfg);
}

static void test_bad_flags(void **state)
{
    char *args[] = {"id"};
    char *bad_env[] = {"FOO"};
    char *bad_env2[] = {"=x"};
    char *bad_cap[] = {"cap_sys_admin"};
    char *bad_cap2[] = {"CAP_NOT_A_CAP"};
    struct oj_exec_opts base = {.id = "c1", .tty = -1, .args = args, .n_args = 1};
    struct oj_exec_opts o;

    o = base, o.env = bad_env, o.n_env = 1;
    build_fails(&o, "--env: expected NAME=value, got \"FOO\"");
    o = base, o.env = bad_env2, o.n_env = 1;
    build_fails(&o, "--env: expected NAME=value");
    o = base, o.cwd = "tmp";
    build_fails(&o, "--cwd tmp: must be an absolute path");
    o = base, o.caps = bad_cap, o.n_caps = 1;
    build_fails(&o, "--cap: unknown capability \"cap_sys_admin\"");
    o = base, o.caps = bad_cap2, o.n_caps = 1;
    build_fails(&o, "unknown capability \"CAP_NOT_A_CAP\"");
    o = base, o.apparmor = "unconfined";
    build_fails(&o, "--apparmor: not supported");
    o = base, o.process_label = "system_u:system_r:container_t:s0";
    build_fails(&o, "--process-label: not supported");
    o = base, o.n_args = 0, o.args = NULL;
    build_fails(&o, "no command given");
}

static void test_config_without_process(void **state)
{
    const char *json = "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\"}}";
    struct oj_err err = {0};
    struct oj_config *cfg = oj_config_parse(json, strlen(json), &err);
    assert_non_null(cfg);
    char *args[] = {"true"};
    struct oj_exec_opts o = {.id = "c1", .tty = -1, .args = args, .n_args = 1};
    struct oj_process *p = NULL;
    assert_int_equal(oj_exec_build_process(cfg, &o, &p, &err), -1);
    assert_non_null(strstr(err.msg, "no process"));
    oj_config_free(cfg);
}

/* --- --process FILE ----------------------------------------------------------- */

static char *write_tmp(const char *text)
{
    char *path = strdup("/tmp/ojrun-test-exec-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        fail_msg("mkstemp: %s", strerror(errno));
    if (oj_write_all(fd, text, strlen(text)) < 0)
        fail_msg("write: %s", strerror(errno));
    close(fd);
    return path;
}

static void test_process_file(void **state)
{
    _cleanup_free_ char *path =
        write_tmp("{\"args\": [\"cat\", \"/etc/passwd\"], \"cwd\": \"/etc\","
                  " \"env\": [\"A=1\"], \"user\": {\"uid\": 5, \"gid\": 6}}");
    struct oj_config *cfg = load_base();
    char *env[] = {"B=2"};
    struct oj_exec_opts o = {.id = "c1", .tty = -1, .process_file = path, .env = env, .n_env = 1};
    struct oj_process *p = build(cfg, &o);
    unlink(path);
    assert_int_equal(p->n_args, 2);
    assert_string_equal(p->args[1], "/etc/passwd");
    assert_string_equal(p->cwd, "/etc");
    /* the file's env (not the container's), plus the flags */
    assert_int_equal(p->n_env, 2);
    assert_string_equal(p->env[0], "A=1");
    assert_string_equal(p->env[1], "B=2");
    assert_null(oj_env_get(p->env, "FOO"));
    assert_int_equal(p->user.uid, 5);
    assert_int_equal(p->user.gid, 6);
    assert_int_equal(p->user.n_additional_gids, 0);
    /* absent capabilities and rlimits: the container's */
    assert_true(p->has_capabilities);
    assert_true(has_cap(p, OJ_CAPSET_EFFECTIVE, CAP_KILL));
    assert_true(has_cap(p, OJ_CAPSET_BOUNDING, CAP_CHOWN));
    assert_int_equal(p->n_rlimits, 1);
    assert_int_equal(p->rlimits[0].resource, RLIMIT_NOFILE);
    assert_int_equal(p->rlimits[0].hard, 512);
    oj_process_free(p);
    oj_config_free(cfg); /* what was moved out is not freed twice (ASan) */
}

static void test_process_file_own_caps_and_rlimits(void **state)
{
    _cleanup_free_ char *path =
        write_tmp("{\"args\": [\"true\"], \"cwd\": \"/\", \"capabilities\": {},"
                  " \"rlimits\": [{\"type\": \"RLIMIT_CPU\", \"hard\": 3, \"soft\": 2}]}");
    struct oj_config *cfg = load_base();
    struct oj_exec_opts o = {.id = "c1", .tty = -1, .process_file = path};
    struct oj_process *p = build(cfg, &o);
    unlink(path);
    /* "capabilities": {} is present and empty: no capability at all */
    assert_true(p->has_capabilities);
    for (int s = 0; s < OJ_CAPSET_COUNT; s++)
        assert_int_equal(p->capabilities.set[s].n, 0);
    assert_int_equal(p->n_rlimits, 1);
    assert_int_equal(p->rlimits[0].resource, RLIMIT_CPU);
    oj_process_free(p);
    oj_config_free(cfg);
}

static void test_process_file_errors(void **state)
{
    char *args[] = {"true"};
    struct oj_exec_opts o = {.id = "c1", .tty = -1, .process_file = "/nonexistent/p.json"};
    build_fails(&o, "--process");
    build_fails(&o, "No such file or directory");

    _cleanup_free_ char *bad = write_tmp("{\"args\": [], \"cwd\": \"/\"}");
    o.process_file = bad;
    build_fails(&o, "process.json: args: must not be empty");
    _cleanup_free_ char *rel = write_tmp("{\"args\": [\"true\"], \"cwd\": \"relative\"}");
    o.process_file = rel;
    build_fails(&o, "process.json: cwd");
    _cleanup_free_ char *good = write_tmp("{\"args\": [\"true\"], \"cwd\": \"/\"}");
    o.process_file = good;
    o.args = args;
    o.n_args = 1;
    build_fails(&o, "cannot both be given");
    unlink(bad);
    unlink(rel);
    unlink(good);
}

/* --- PATH lookup on a real tree ----------------------------------------------- */

static char tree[64];

static void mkfile(const char *rel, mode_t mode)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", tree, rel);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0)
        fail_msg("create %s: %s", path, strerror(errno));
    close(fd);
    chmod(path, mode);
}

static int find(const char *name, const char *path_env, char *out, size_t len, struct oj_err *err)
{
    char envbuf[512];
    char *env[] = {envbuf, NULL};
    snprintf(envbuf, sizeof(envbuf), "PATH=%s", path_env ? path_env : "");
    char *args[] = {(char *)name, NULL};
    struct oj_process p = {.args = args, .n_args = 1, .env = path_env ? env : NULL};
    return oj_find_executable(&p, out, len, err);
}

static int tree_setup(void **state)
{
    snprintf(tree, sizeof(tree), "/tmp/ojrun-test-exec-tree-XXXXXX");
    if (!mkdtemp(tree))
        return -1;
    char path[256];
    static const char *dirs[] = {"a", "b", "b/prog.d"};
    for (size_t i = 0; i < OJ_ARRAY_SIZE(dirs); i++) {
        snprintf(path, sizeof(path), "%s/%s", tree, dirs[i]);
        if (mkdir(path, 0755) < 0)
            return -1;
    }
    return 0;
}

static int tree_teardown(void **state)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tree);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_find_executable(void **state)
{
    mkfile("a/prog", 0644);   /* not executable: skipped */
    mkfile("b/prog", 0755);   /* found */
    mkfile("a/only_a", 0700); /* executable by its owner (root) */
    char pathenv[256], out[256], want[256];
    struct oj_err err = {0};
    snprintf(pathenv, sizeof(pathenv), "%s/a:%s/b", tree, tree);

    assert_int_equal(find("prog", pathenv, out, sizeof(out), &err), 0);
    snprintf(want, sizeof(want), "%s/b/prog", tree);
    assert_string_equal(out, want);
    assert_int_equal(find("only_a", pathenv, out, sizeof(out), &err), 0);
    snprintf(want, sizeof(want), "%s/a/only_a", tree);
    assert_string_equal(out, want);
    /* a directory of that name is not a program */
    assert_int_equal(find("prog.d", pathenv, out, sizeof(out), &err), -1);

    assert_int_equal(find("nope", pathenv, out, sizeof(out), &err), -1);
    assert_string_equal(err.msg, "exec: \"nope\": executable file not found in $PATH");

    /* a name with a slash is taken as it is */
    snprintf(want, sizeof(want), "%s/b/prog", tree);
    assert_int_equal(find(want, "/nonexistent", out, sizeof(out), &err), 0);
    assert_string_equal(out, want);
    snprintf(want, sizeof(want), "%s/a/prog", tree);
    assert_int_equal(find(want, NULL, out, sizeof(out), &err), -1);
    assert_int_equal(err.code, EACCES);
    assert_non_null(strstr(err.msg, "/a/prog\": permission denied"));
    snprintf(want, sizeof(want), "%s/b", tree);
    assert_int_equal(find(want, NULL, out, sizeof(out), &err), -1);
    assert_int_equal(err.code, EACCES);
    assert_non_null(strstr(err.msg, "is a directory: permission denied"));
    snprintf(want, sizeof(want), "%s/missing", tree);
    assert_int_equal(find(want, NULL, out, sizeof(out), &err), -1);
    assert_int_equal(err.code, ENOENT);
    assert_non_null(strstr(err.msg, "stat: no such file or directory"));

    /* an empty PATH element is the cwd (execvp(3)); relative paths too */
    _cleanup_free_ char *cwd = getcwd(NULL, 0);
    snprintf(want, sizeof(want), "%s/b", tree);
    assert_int_equal(chdir(want), 0);
    assert_int_equal(find("prog", "/nonexistent:", out, sizeof(out), &err), 0);
    assert_string_equal(out, "prog");
    assert_int_equal(find("./prog", "/nonexistent", out, sizeof(out), &err), 0);
    assert_string_equal(out, "./prog");
    assert_int_equal(chdir(cwd), 0);

    /* no PATH at all: the default one, where the host has sh */
    assert_int_equal(find("sh", NULL, out, sizeof(out), &err), 0);
    assert_non_null(strstr(OJ_DEFAULT_PATH, "/bin"));
    assert_string_equal(out + strlen(out) - 3, "/sh");
}

static void test_env_get(void **state)
{
    char *env[] = {"PATHX=no", "PATH=/x", "P=1", "EMPTY=", NULL};
    assert_string_equal(oj_env_get(env, "PATH"), "/x");
    assert_string_equal(oj_env_get(env, "P"), "1");
    assert_string_equal(oj_env_get(env, "EMPTY"), "");
    assert_null(oj_env_get(env, "PAT"));
    assert_null(oj_env_get(NULL, "PATH"));
}

/* --- rlimits and caps in a real child ------------------------------------------ */

/* Lower NOFILE, then try to raise its hard limit without CAP_SYS_RESOURCE. */
static int child_rlimits(void *arg, char *msg, size_t len)
{
    struct oj_rlimit rl[] = {{.resource = RLIMIT_NOFILE, .soft = 100, .hard = 200},
                             {.resource = RLIMIT_CORE, .soft = 0, .hard = 0}};
    struct oj_process p = {.rlimits = rl, .n_rlimits = 2};
    struct oj_err err = {0};
    CHILD_CHECK(oj_process_rlimits_apply(&p, &err) == 0, "apply: %s", err.msg);
    struct rlimit got;
    CHILD_CHECK(getrlimit(RLIMIT_NOFILE, &got) == 0 && got.rlim_cur == 100 && got.rlim_max == 200,
                "NOFILE is %llu/%llu", (unsigned long long)got.rlim_cur,
                (unsigned long long)got.rlim_max);

    /* Without CAP_SYS_RESOURCE in the effective set a hard limit cannot
     * go up again (setrlimit(2)): the message says why. */
    cap_t c = cap_get_proc();
    cap_value_t v = CAP_SYS_RESOURCE;
    CHILD_CHECK(c && cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_CLEAR) == 0 && cap_set_proc(c) == 0,
                "drop CAP_SYS_RESOURCE: %s", strerror(errno));
    cap_free(c);
    struct oj_rlimit up = {.resource = RLIMIT_NOFILE, .soft = 100, .hard = 300};
    struct oj_process q = {.rlimits = &up, .n_rlimits = 1};
    CHILD_CHECK(oj_process_rlimits_apply(&q, &err) < 0, "raising the hard limit worked");
    CHILD_CHECK(err.code == EPERM && strstr(err.msg, "RLIMIT_NOFILE") &&
                    strstr(err.msg, "needs CAP_SYS_RESOURCE"),
                "unexpected error: %s", err.msg);
    return 0;
}

static void test_rlimits_apply(void **state)
{
    struct child_result r;
    run_in_child(child_rlimits, NULL, &r);
    assert_child_ok(&r);
}

/* An allow-everything filter, loaded without no_new_privs: the kernel wants
 * CAP_SYS_ADMIN for that (seccomp(2)). */
static int load_allow_filter(void)
{
    struct sock_filter insn = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    struct sock_fprog prog = {.len = 1, .filter = &insn};
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}

/* As exec and the init do it for uid 1000 with CAP_CHOWN and a seccomp
 * filter but no no_new_privs; then execve shows what the program gets. */
static int child_keep_sys_admin(void *arg, char *msg, size_t len)
{
    bool keep = *(bool *)arg;
    int chown_only[] = {CAP_CHOWN};
    struct oj_process p = {.user = {.uid = 1000, .gid = 1000}, .has_capabilities = true};
    static const enum oj_cap_set sets[] = {OJ_CAPSET_BOUNDING, OJ_CAPSET_EFFECTIVE,
                                           OJ_CAPSET_PERMITTED};
    for (size_t i = 0; i < OJ_ARRAY_SIZE(sets); i++) {
        p.capabilities.set[sets[i]].present = true;
        p.capabilities.set[sets[i]].caps = chown_only;
        p.capabilities.set[sets[i]].n = 1;
    }
    struct oj_err err = {0};
    CHILD_CHECK(oj_caps_drop_bounding(&p.capabilities, &err) == 0, "bounding: %s", err.msg);
    CHILD_CHECK(oj_user_switch(&p.user, true, &err) == 0, "user: %s", err.msg);
    CHILD_CHECK(oj_process_caps_apply(&p, keep, &err) == 0, "caps: %s", err.msg);
    char v[64];
    CHILD_CHECK(proc_status_field("CapEff", v, sizeof(v)) == 0, "no CapEff");
    uint64_t eff = strtoull(v, NULL, 16);
    uint64_t want = BIT(CAP_CHOWN) | (keep ? BIT(CAP_SYS_ADMIN) : 0);
    CHILD_CHECK(eff == want, "CapEff %" PRIx64 ", want %" PRIx64, eff, want);
    /* the configuration asked for CAP_CHOWN only: nothing else sneaked in */
    CHILD_CHECK(proc_status_field("CapBnd", v, sizeof(v)) == 0 &&
                    strtoull(v, NULL, 16) == BIT(CAP_CHOWN),
                "CapBnd %s", v);

    int r = load_allow_filter();
    if (!keep) {
        CHILD_CHECK(r < 0 && errno == EACCES, "filter loaded without CAP_SYS_ADMIN (r=%d, %s)", r,
                    strerror(errno));
        return 0;
    }
    CHILD_CHECK(r == 0, "load the filter: %s", strerror(errno));
    execl("/bin/cat", "cat", "/proc/self/status", (char *)NULL);
    CHILD_CHECK(0, "exec /bin/cat: %s", strerror(errno));
}

static void test_keep_sys_admin_until_exec(void **state)
{
    bool keep = true;
    struct child_result r;
    run_in_child(child_keep_sys_admin, &keep, &r);
    assert_child_ok(&r);
    /* after execve as uid 1000: the filter is there, CAP_SYS_ADMIN is not
     * (nor anything else: no ambient set, no file capabilities) */
    char v[64];
    assert_int_equal(text_status_field(r.out, "Seccomp", v, sizeof(v)), 0);
    assert_string_equal(v, "2");
    assert_int_equal(text_status_field(r.out, "NoNewPrivs", v, sizeof(v)), 0);
    assert_string_equal(v, "0");
    assert_int_equal(text_status_field(r.out, "CapEff", v, sizeof(v)), 0);
    assert_int_equal(strtoull(v, NULL, 16), 0);
    assert_int_equal(text_status_field(r.out, "CapPrm", v, sizeof(v)), 0);
    assert_int_equal(strtoull(v, NULL, 16), 0);
    assert_int_equal(text_status_field(r.out, "CapBnd", v, sizeof(v)), 0);
    assert_int_equal(strtoull(v, NULL, 16), BIT(CAP_CHOWN));
}

static void test_without_keep_sys_admin_filter_refused(void **state)
{
    bool keep = false;
    struct child_result r;
    run_in_child(child_keep_sys_admin, &keep, &r);
    assert_child_ok(&r);
}

/* Absent process.capabilities: every set empty, but the allowance still
 * lets the filter load. */
static int child_keep_without_caps(void *arg, char *msg, size_t len)
{
    struct oj_process p = {0};
    struct oj_err err = {0};
    CHILD_CHECK(oj_process_caps_apply(&p, true, &err) == 0, "caps: %s", err.msg);
    char v[64];
    CHILD_CHECK(proc_status_field("CapEff", v, sizeof(v)) == 0 &&
                    strtoull(v, NULL, 16) == BIT(CAP_SYS_ADMIN),
                "CapEff %s", v);
    CHILD_CHECK(load_allow_filter() == 0, "load the filter: %s", strerror(errno));
    return 0;
}

static void test_keep_sys_admin_without_caps(void **state)
{
    struct child_result r;
    run_in_child(child_keep_without_caps, NULL, &r);
    assert_child_ok(&r);
}

int main(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "test_exec needs root\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_process_is_the_base),
        cmocka_unit_test(test_flags_override),
        cmocka_unit_test(test_bad_flags),
        cmocka_unit_test(test_config_without_process),
        cmocka_unit_test(test_process_file),
        cmocka_unit_test(test_process_file_own_caps_and_rlimits),
        cmocka_unit_test(test_process_file_errors),
        cmocka_unit_test_setup_teardown(test_find_executable, tree_setup, tree_teardown),
        cmocka_unit_test(test_env_get),
        cmocka_unit_test(test_rlimits_apply),
        cmocka_unit_test(test_keep_sys_admin_until_exec),
        cmocka_unit_test(test_without_keep_sys_admin_filter_refused),
        cmocka_unit_test(test_keep_sys_admin_without_caps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
