/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ojrun spec --judge`: the option checks, the generated config.json of
 * every language and phase (parsed with yajl's tree parser, not matched as
 * text), the seccomp allowlists, the rootfs on disk, and the whole request
 * (oj_judge_write_bundle).  The command line itself and running the
 * bundles are the job of tests/integration/judge_templates.bats.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <yajl/yajl_tree.h>

#include "judge.h"
#include "strbuf.h"
#include "util.h"

#define PATH(...) ((const char *[]){__VA_ARGS__, NULL})

/* --- helpers ---------------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void rm_rf(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A scratch directory with a bundle/ and a box/ in it. */
struct scratch {
    char dir[64];
    char bundle[96];
    char box[96];
};

static void scratch_make(struct scratch *s)
{
    strcpy(s->dir, "/tmp/test_judge_spec.XXXXXX");
    assert_non_null(mkdtemp(s->dir));
    /* searchable by the container's root, as a judge's bundle must be */
    assert_int_equal(chmod(s->dir, 0711), 0);
    snprintf(s->bundle, sizeof(s->bundle), "%s/bundle", s->dir);
    snprintf(s->box, sizeof(s->box), "%s/box", s->dir);
    assert_int_equal(mkdir(s->bundle, 0755), 0);
    assert_int_equal(mkdir(s->box, 0755), 0);
}

/* cmocka fixtures: the teardown runs even when the test fails, so no
 * scratch directory is left behind. */
static int scratch_setup(void **state)
{
    static struct scratch s;
    scratch_make(&s);
    *state = &s;
    return 0;
}

static int scratch_teardown(void **state)
{
    struct scratch *s = *state;
    rm_rf(s->dir);
    return 0;
}

static yajl_val get(yajl_val v, const char **path)
{
    yajl_val r = yajl_tree_get(v, path, yajl_t_any);
    if (!r)
        fail_msg("missing key %s%s%s", path[0], path[1] ? "." : "", path[1] ? path[1] : "");
    return r;
}

static const char *get_str(yajl_val v, const char **path)
{
    yajl_val r = get(v, path);
    assert_true(YAJL_IS_STRING(r));
    return YAJL_GET_STRING(r);
}

static long long get_int(yajl_val v, const char **path)
{
    yajl_val r = get(v, path);
    assert_true(YAJL_IS_INTEGER(r));
    return YAJL_GET_INTEGER(r);
}

static yajl_val get_arr(yajl_val v, const char **path)
{
    yajl_val r = get(v, path);
    assert_true(YAJL_IS_ARRAY(r));
    return r;
}

static bool str_array_has(yajl_val arr, const char *s)
{
    for (size_t i = 0; i < arr->u.array.len; i++) {
        const char *e = YAJL_GET_STRING(arr->u.array.values[i]);
        if (e && strcmp(e, s) == 0)
            return true;
    }
    return false;
}

/* The mounts[] entry with this destination, or NULL. */
static yajl_val mount_at(yajl_val root, const char *dest)
{
    yajl_val mounts = get_arr(root, PATH("mounts"));
    for (size_t i = 0; i < mounts->u.array.len; i++) {
        yajl_val m = mounts->u.array.values[i];
        const char *d = YAJL_GET_STRING(yajl_tree_get(m, PATH("destination"), yajl_t_string));
        if (d && strcmp(d, dest) == 0)
            return m;
    }
    return NULL;
}

/* The rlimits[] entry of this type: its hard value (soft must be equal). */
static long long rlimit_of(yajl_val root, const char *type)
{
    yajl_val rl = get_arr(root, PATH("process", "rlimits"));
    for (size_t i = 0; i < rl->u.array.len; i++) {
        yajl_val r = rl->u.array.values[i];
        if (strcmp(get_str(r, PATH("type")), type) == 0) {
            long long hard = get_int(r, PATH("hard"));
            assert_int_equal(get_int(r, PATH("soft")), hard);
            return hard;
        }
    }
    fail_msg("no rlimit %s", type);
    return -1;
}

/* The expected rlimit: `want`, capped by our own hard limit. */
static long long capped(int resource, unsigned long long want)
{
    struct rlimit r;
    assert_int_equal(getrlimit(resource, &r), 0);
    if (r.rlim_max != RLIM_INFINITY && want > r.rlim_max)
        return (long long)r.rlim_max;
    return (long long)want;
}

/* Generate the config of `lang`/`phase` with the template's default
 * limits (or `limits`), parse it, return the tree. */
static yajl_val gen(const struct oj_judge_lang *lang, enum oj_judge_phase phase,
                    const struct oj_judge_limits *limits, const struct scratch *s)
{
    struct oj_judge_opts o = {
        .lang = lang,
        .phase = phase,
        .box = s->box,
        .bundle = s->bundle,
        .limits = limits ? *limits : lang->phase[phase].limits,
    };
    struct strbuf sb = {0};
    struct oj_err err = {0};
    if (oj_judge_spec(&o, &sb, &err) < 0)
        fail_msg("oj_judge_spec %s %s: %s", lang->name, oj_judge_phase_name(phase), err.msg);
    char errbuf[256] = "";
    yajl_val v = yajl_tree_parse(sb_str(&sb), errbuf, sizeof(errbuf));
    if (!v)
        fail_msg("config.json does not parse: %s\n%s", errbuf, sb_str(&sb));
    sb_free(&sb);
    assert_true(YAJL_IS_OBJECT(v));
    return v;
}

/* oj_judge_write_bundle() with stderr (its warnings) captured into `msg`
 * and the error message into `err`. */
static int write_bundle(const struct oj_judge_request *r, char *msg, size_t msg_len,
                        struct oj_err *err)
{
    char tmpl[] = "/tmp/test_judge_spec.err.XXXXXX";
    int fd = mkstemp(tmpl);
    assert_true(fd >= 0);
    unlink(tmpl);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fd, STDERR_FILENO) >= 0);

    oj_err_clear(err);
    int rc = oj_judge_write_bundle(r, err);

    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    ssize_t n = pread(fd, msg, msg_len - 1, 0);
    close(fd);
    msg[n > 0 ? n : 0] = '\0';
    return rc;
}

/* --- lookup and option values ------------------------------------------------ */

static void test_lookup(void **state)
{
    static const char *const langs[] = {"c", "cpp", "python", "java", "go", "javascript"};
    for (size_t i = 0; i < sizeof(langs) / sizeof(langs[0]); i++) {
        const struct oj_judge_lang *l = oj_judge_lang_find(langs[i]);
        assert_non_null(l);
        assert_string_equal(l->name, langs[i]);
    }
    assert_int_equal(oj_judge_n_langs, 6);
    assert_null(oj_judge_lang_find("cobol"));
    assert_null(oj_judge_lang_find(""));
    assert_null(oj_judge_lang_find("C"));

    enum oj_judge_phase p = OJ_JUDGE_RUN;
    struct oj_err err = {0};
    assert_int_equal(oj_judge_phase_parse("compile", &p, &err), 0);
    assert_int_equal(p, OJ_JUDGE_COMPILE);
    assert_int_equal(oj_judge_phase_parse("run", &p, &err), 0);
    assert_int_equal(p, OJ_JUDGE_RUN);
    assert_int_equal(oj_judge_phase_parse("Run", &p, &err), -1);
    assert_string_equal(err.msg, "--phase: unknown phase \"Run\" (compile or run)");
    assert_string_equal(oj_judge_phase_name(OJ_JUDGE_COMPILE), "compile");
    assert_string_equal(oj_judge_phase_name(OJ_JUDGE_RUN), "run");
}

static void test_set_limit(void **state)
{
    struct oj_judge_limits l = {0};
    struct oj_err err = {0};

    assert_int_equal(oj_judge_set_limit(&l, "cpu-ms", "2500", &err), 0);
    assert_int_equal(l.cpu_ms, 2500);
    assert_int_equal(oj_judge_set_limit(&l, "wall-ms", "86400000", &err), 0);
    assert_int_equal(l.wall_ms, 86400000);
    assert_int_equal(oj_judge_set_limit(&l, "memory", "1048576", &err), 0);
    assert_int_equal(l.memory, 1048576);
    assert_int_equal(oj_judge_set_limit(&l, "memory", "9223372036854775807", &err), 0);
    assert_int_equal(l.memory, INT64_MAX);
    assert_int_equal(oj_judge_set_limit(&l, "pids", "1", &err), 0);
    assert_int_equal(l.pids, 1);
    assert_int_equal(oj_judge_set_limit(&l, "output-bytes", "0", &err), 0);
    assert_int_equal(l.output_bytes, 0);

    static const struct {
        const char *name, *value, *msg;
    } bad[] = {
        {"memory", "12x", "--memory: \"12x\": not a non-negative integer"},
        {"memory", "", "--memory: \"\": not a non-negative integer"},
        {"cpu-ms", "-1", "--cpu-ms: \"-1\": not a non-negative integer"},
        {"cpu-ms", "+5", "--cpu-ms: \"+5\": not a non-negative integer"},
        {"cpu-ms", " 5", "--cpu-ms: \" 5\": not a non-negative integer"},
        {"cpu-ms", "1.5", "--cpu-ms: \"1.5\": not a non-negative integer"},
        {"pids", "99999999999999999999",
         "--pids: 99999999999999999999: too large (at most 4194304)"},
        {"cpu-ms", "0", "--cpu-ms: 0: out of range (1..86400000)"},
        {"wall-ms", "86400001", "--wall-ms: 86400001: out of range (1..86400000)"},
        {"memory", "1048575", "--memory: 1048575: out of range (1048576..9223372036854775807)"},
        {"memory", "9223372036854775808",
         "--memory: 9223372036854775808: out of range (1048576..9223372036854775807)"},
        {"pids", "0", "--pids: 0: out of range (1..4194304)"},
        {"output-bytes", "18446744073709551615",
         "--output-bytes: 18446744073709551615: out of range (0..9223372036854775807)"},
        {"swap", "1", "unknown limit \"swap\""},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct oj_judge_limits before = l;
        oj_err_clear(&err);
        assert_int_equal(oj_judge_set_limit(&l, bad[i].name, bad[i].value, &err), -1);
        assert_string_equal(err.msg, bad[i].msg);
        /* a rejected value changes nothing */
        assert_memory_equal(&before, &l, sizeof(l));
    }
}

static void test_expand(void **state)
{
    struct oj_judge_limits l = {.memory = 256ULL << 20};
    struct oj_err err = {0};
    char *s;

    s = oj_judge_expand("-Xmx{heap_mib}m", &l, &err);
    assert_string_equal(s, "-Xmx192m");
    free(s);
    s = oj_judge_expand("{memory_mib}/{heap_mib}", &l, &err);
    assert_string_equal(s, "256/192");
    free(s);
    /* not a placeholder: kept as written */
    s = oj_judge_expand("{ a } {} {1} x{", &l, &err);
    assert_string_equal(s, "{ a } {} {1} x{");
    free(s);
    s = oj_judge_expand("", &l, &err);
    assert_string_equal(s, "");
    free(s);
    /* small limits still leave the runtimes a usable heap */
    l.memory = 8ULL << 20;
    s = oj_judge_expand("{heap_mib}", &l, &err);
    assert_string_equal(s, "16");
    free(s);

    assert_null(oj_judge_expand("-Xmx{heap_mb}m", &l, &err));
    assert_string_equal(err.msg, "template \"-Xmx{heap_mb}m\": unknown placeholder {heap_mb}");
}

/* --- the generated config.json --------------------------------------------------- */

/* What every judge config must hold, whatever the language and phase. */
static void check_common(yajl_val v, const struct oj_judge_lang *lang, enum oj_judge_phase phase,
                         const struct oj_judge_limits *l, const struct scratch *s)
{
    const struct oj_judge_phase_tmpl *p = &lang->phase[phase];

    assert_string_equal(get_str(v, PATH("ociVersion")), "1.2.0");
    assert_true(YAJL_IS_FALSE(get(v, PATH("process", "terminal"))));
    assert_int_equal(get_int(v, PATH("process", "user", "uid")), 1000);
    assert_int_equal(get_int(v, PATH("process", "user", "gid")), 1000);
    assert_string_equal(get_str(v, PATH("process", "cwd")), "/box");
    assert_true(YAJL_IS_TRUE(get(v, PATH("process", "noNewPrivileges"))));

    yajl_val args = get_arr(v, PATH("process", "args"));
    assert_true(args->u.array.len >= 1);
    assert_string_equal(YAJL_GET_STRING(args->u.array.values[0]), p->args[0]);
    for (size_t i = 0; i < args->u.array.len; i++) {
        const char *a = YAJL_GET_STRING(args->u.array.values[i]);
        assert_non_null(a);
        assert_null(strstr(a, "_mib}")); /* every placeholder expanded */
    }
    yajl_val env = get_arr(v, PATH("process", "env"));
    assert_true(str_array_has(env, "HOME=/box"));
    assert_true(str_array_has(env, "LANG=C.UTF-8"));
    assert_true(str_array_has(env, "PATH=/usr/local/bin:/usr/bin:/bin"));

    /* all five capability sets present and empty */
    static const char *const sets[] = {"bounding", "effective", "inheritable", "permitted",
                                       "ambient"};
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(get_arr(v, PATH("process", "capabilities", sets[i]))->u.array.len, 0);

    assert_int_equal(rlimit_of(v, "RLIMIT_CORE"), 0);
    assert_int_equal(rlimit_of(v, "RLIMIT_CPU"), capped(RLIMIT_CPU, (l->cpu_ms + 999) / 1000 + 1));
    assert_int_equal(rlimit_of(v, "RLIMIT_FSIZE"), capped(RLIMIT_FSIZE, l->output_bytes));
    assert_int_equal(rlimit_of(v, "RLIMIT_STACK"), capped(RLIMIT_STACK, l->memory));
    assert_int_equal(rlimit_of(v, "RLIMIT_NOFILE"), capped(RLIMIT_NOFILE, p->nofile));

    assert_string_equal(get_str(v, PATH("root", "path")), "rootfs");
    assert_true(YAJL_IS_TRUE(get(v, PATH("root", "readonly"))));

    /* mounts: read-only toolchains, the box by phase, a sized /tmp */
    yajl_val usr = mount_at(v, "/usr");
    assert_non_null(usr);
    assert_string_equal(get_str(usr, PATH("source")), "/usr");
    assert_true(str_array_has(get_arr(usr, PATH("options")), "ro"));
    assert_true(str_array_has(get_arr(usr, PATH("options")), "nosuid"));
    yajl_val box = mount_at(v, "/box");
    assert_non_null(box);
    assert_string_equal(get_str(box, PATH("source")), s->box);
    yajl_val bo = get_arr(box, PATH("options"));
    assert_true(str_array_has(bo, p->box_writable ? "rw" : "ro"));
    assert_false(str_array_has(bo, p->box_writable ? "ro" : "rw"));
    assert_true(str_array_has(bo, "nosuid"));
    /* only the run phase executes from /box */
    assert_int_equal(str_array_has(bo, "noexec"), phase == OJ_JUDGE_COMPILE);
    yajl_val tmp = mount_at(v, "/tmp");
    assert_non_null(tmp);
    assert_string_equal(get_str(tmp, PATH("type")), "tmpfs");
    char size[64];
    snprintf(size, sizeof(size), "size=%llu", (unsigned long long)p->tmpfs_bytes);
    assert_true(str_array_has(get_arr(tmp, PATH("options")), size));
    assert_true(str_array_has(get_arr(tmp, PATH("options")), "noexec"));
    assert_non_null(mount_at(v, "/proc"));
    assert_non_null(mount_at(v, "/dev"));
    assert_null(mount_at(v, "/sys"));
    assert_null(mount_at(v, "/etc")); /* only single files and directories of it */
    for (const char *const *e = lang->etc; *e; e++) {
        yajl_val m = mount_at(v, *e);
        assert_non_null(m);
        assert_true(str_array_has(get_arr(m, PATH("options")), "ro"));
    }

    /* annotations for the shim */
    char buf[32];
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)l->cpu_ms);
    assert_string_equal(get_str(v, PATH("annotations", "org.ojrun.limit.cpu-ms")), buf);
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)l->wall_ms);
    assert_string_equal(get_str(v, PATH("annotations", "org.ojrun.limit.wall-ms")), buf);
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)l->output_bytes);
    assert_string_equal(get_str(v, PATH("annotations", "org.ojrun.limit.output-bytes")), buf);
    assert_string_equal(get_str(v, PATH("annotations", "org.ojrun.judge.lang")), lang->name);
    assert_string_equal(get_str(v, PATH("annotations", "org.ojrun.judge.phase")),
                        oj_judge_phase_name(phase));

    /* all seven namespaces, a 65536-id mapping at 100000 */
    yajl_val ns = get_arr(v, PATH("linux", "namespaces"));
    static const char *const want_ns[] = {"pid",   "network", "ipc",   "uts",
                                          "mount", "user",    "cgroup"};
    assert_int_equal(ns->u.array.len, 7);
    for (size_t i = 0; i < 7; i++)
        assert_string_equal(get_str(ns->u.array.values[i], PATH("type")), want_ns[i]);
    static const char *const maps[] = {"uidMappings", "gidMappings"};
    for (size_t i = 0; i < 2; i++) {
        yajl_val m = get_arr(v, PATH("linux", maps[i]));
        assert_int_equal(m->u.array.len, 1);
        assert_int_equal(get_int(m->u.array.values[0], PATH("containerID")), 0);
        assert_int_equal(get_int(m->u.array.values[0], PATH("hostID")), 100000);
        assert_int_equal(get_int(m->u.array.values[0], PATH("size")), 65536);
    }

    /* memory+swap equal to memory: no swap */
    assert_int_equal(get_int(v, PATH("linux", "resources", "memory", "limit")),
                     (long long)l->memory);
    assert_int_equal(get_int(v, PATH("linux", "resources", "memory", "swap")),
                     (long long)l->memory);
    assert_int_equal(get_int(v, PATH("linux", "resources", "pids", "limit")), (long long)l->pids);
    assert_true(str_array_has(get_arr(v, PATH("linux", "maskedPaths")), "/proc/kcore"));
    assert_true(str_array_has(get_arr(v, PATH("linux", "readonlyPaths")), "/proc/sys"));
}

/* The seccomp object: default EPERM, native arch, the allowlist, the
 * clone rule of the phase, clone3 -> ENOSYS. */
static void check_seccomp(yajl_val v, const struct oj_judge_lang *lang, enum oj_judge_phase phase)
{
    const struct oj_judge_phase_tmpl *p = &lang->phase[phase];
    assert_string_equal(get_str(v, PATH("linux", "seccomp", "defaultAction")), "SCMP_ACT_ERRNO");
    assert_int_equal(get_int(v, PATH("linux", "seccomp", "defaultErrnoRet")), EPERM);
#if defined(__x86_64__)
    yajl_val arch = get_arr(v, PATH("linux", "seccomp", "architectures"));
    assert_int_equal(arch->u.array.len, 1);
    assert_string_equal(YAJL_GET_STRING(arch->u.array.values[0]), "SCMP_ARCH_X86_64");
#endif
    yajl_val rules = get_arr(v, PATH("linux", "seccomp", "syscalls"));
    assert_int_equal(rules->u.array.len, 3);

    /* 1: the allowlist, sorted and unique, what oj_judge_allowlist says */
    yajl_val allow = rules->u.array.values[0];
    assert_string_equal(get_str(allow, PATH("action")), "SCMP_ACT_ALLOW");
    assert_null(yajl_tree_get(allow, PATH("args"), yajl_t_any));
    yajl_val names = get_arr(allow, PATH("names"));
    size_t n;
    struct oj_err err = {0};
    const char **list = oj_judge_allowlist(lang, phase, &n, &err);
    assert_non_null(list);
    assert_int_equal(names->u.array.len, n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(YAJL_GET_STRING(names->u.array.values[i]), list[i]);
        if (i)
            assert_true(strcmp(list[i - 1], list[i]) < 0);
        for (const char *const *x = oj_judge_never_allowed; *x; x++)
            if (strcmp(*x, list[i]) == 0)
                fail_msg("%s %s allows %s", lang->name, oj_judge_phase_name(phase), *x);
    }
    assert_null(list[n]);
    free(list);
    /* what every program needs */
    static const char *const needed[] = {"execve", "exit_group", "read",         "write",  "mmap",
                                         "brk",    "futex",      "rt_sigreturn", "openat", "close"};
    for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++)
        assert_true(str_array_has(names, needed[i]));
    /* the process group only where the template starts processes */
    assert_int_equal(str_array_has(names, "fork"), p->processes);
    assert_int_equal(str_array_has(names, "vfork"), p->processes);
    assert_int_equal(str_array_has(names, "wait4"), p->processes);
    for (const char *const *x = p->syscalls; *x; x++)
        assert_true(str_array_has(names, *x));

    /* 2: clone, filtered on its flags in arg 0 */
    yajl_val clone = rules->u.array.values[1];
    yajl_val cn = get_arr(clone, PATH("names"));
    assert_int_equal(cn->u.array.len, 1);
    assert_string_equal(YAJL_GET_STRING(cn->u.array.values[0]), "clone");
    assert_string_equal(get_str(clone, PATH("action")), "SCMP_ACT_ALLOW");
    yajl_val ca = get_arr(clone, PATH("args"));
    assert_int_equal(ca->u.array.len, 1);
    yajl_val a = ca->u.array.values[0];
    assert_int_equal(get_int(a, PATH("index")), 0);
    assert_string_equal(get_str(a, PATH("op")), "SCMP_CMP_MASKED_EQ");
    long long ns = 0x7e020000;  /* CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET */
    long long thread = 0x10000; /* CLONE_THREAD */
    if (p->processes) {
        assert_int_equal(get_int(a, PATH("value")), ns);
        assert_int_equal(get_int(a, PATH("valueTwo")), 0);
    } else {
        assert_int_equal(get_int(a, PATH("value")), ns | thread);
        assert_int_equal(get_int(a, PATH("valueTwo")), thread);
    }

    /* 3: clone3 -> ENOSYS, so that libc falls back to the filtered clone */
    yajl_val c3 = rules->u.array.values[2];
    assert_string_equal(YAJL_GET_STRING(get_arr(c3, PATH("names"))->u.array.values[0]), "clone3");
    assert_string_equal(get_str(c3, PATH("action")), "SCMP_ACT_ERRNO");
    assert_int_equal(get_int(c3, PATH("errnoRet")), ENOSYS);
}

static void test_every_template(void **state)
{
    struct scratch s = *(struct scratch *)*state;
    for (size_t i = 0; i < oj_judge_n_langs; i++) {
        const struct oj_judge_lang *lang = &oj_judge_langs[i];
        for (int ph = 0; ph < OJ_JUDGE_N_PHASES; ph++) {
            const struct oj_judge_phase_tmpl *p = &lang->phase[ph];
            /* the template itself: files to put in /box, a command */
            assert_non_null(p->files[0]);
            assert_true(p->args[0][0] == '/');
            /* run phases never start processes; compile runs no box file */
            if (ph == OJ_JUDGE_RUN) {
                assert_false(p->processes);
                assert_false(p->box_writable);
            } else {
                assert_true(p->box_writable);
            }

            yajl_val v = gen(lang, ph, NULL, &s);
            check_common(v, lang, ph, &p->limits, &s);
            check_seccomp(v, lang, ph);
            yajl_tree_free(v);
        }
    }
}

/* The languages that need them get their extras, the others do not. */
static void test_language_specifics(void **state)
{
    struct oj_err err = {0};
    size_t n;
    const struct oj_judge_lang *java = oj_judge_lang_find("java");
    const struct oj_judge_lang *c = oj_judge_lang_find("c");
    const struct oj_judge_lang *go = oj_judge_lang_find("go");

    const char **jl = oj_judge_allowlist(java, OJ_JUDGE_RUN, &n, &err);
    const char **cl = oj_judge_allowlist(c, OJ_JUDGE_RUN, &n, &err);
    assert_non_null(jl);
    assert_non_null(cl);
    bool java_prctl = false, c_prctl = false, java_sp = false;
    for (const char **x = jl; *x; x++) {
        java_prctl |= strcmp(*x, "prctl") == 0;
        java_sp |= strcmp(*x, "socketpair") == 0;
    }
    for (const char **x = cl; *x; x++)
        c_prctl |= strcmp(*x, "prctl") == 0;
    assert_true(java_prctl);
    assert_true(java_sp);
    assert_false(c_prctl);
    free(jl);
    free(cl);

    /* gcc and go build start processes; javac, python and node do not */
    assert_true(c->phase[OJ_JUDGE_COMPILE].processes);
    assert_true(go->phase[OJ_JUDGE_COMPILE].processes);
    assert_false(java->phase[OJ_JUDGE_COMPILE].processes);
    assert_false(oj_judge_lang_find("python")->phase[OJ_JUDGE_COMPILE].processes);
    assert_false(oj_judge_lang_find("javascript")->phase[OJ_JUDGE_COMPILE].processes);

    /* the JVM's heap follows the memory limit */
    struct scratch s = *(struct scratch *)*state;
    struct oj_judge_limits l = java->phase[OJ_JUDGE_RUN].limits;
    l.memory = 100ULL << 20;
    yajl_val v = gen(java, OJ_JUDGE_RUN, &l, &s);
    assert_true(str_array_has(get_arr(v, PATH("process", "args")), "-Xmx75m"));
    assert_true(str_array_has(get_arr(v, PATH("process", "args")), "-XX:+UseSerialGC"));
    yajl_tree_free(v);
    v = gen(go, OJ_JUDGE_RUN, &l, &s);
    assert_true(str_array_has(get_arr(v, PATH("process", "env")), "GOMEMLIMIT=75MiB"));
    assert_true(str_array_has(get_arr(v, PATH("process", "env")), "GOCACHE=/tmp/gocache"));
    yajl_tree_free(v);
}

/* Explicit limits end up in the resources, the rlimits and the annotations. */
static void test_custom_limits(void **state)
{
    struct scratch s = *(struct scratch *)*state;
    const struct oj_judge_lang *cpp = oj_judge_lang_find("cpp");
    struct oj_judge_limits l = {
        .cpu_ms = 2001, .wall_ms = 5000, .memory = 64ULL << 20, .pids = 7, .output_bytes = 12345};
    yajl_val v = gen(cpp, OJ_JUDGE_RUN, &l, &s);
    check_common(v, cpp, OJ_JUDGE_RUN, &l, &s);
    /* ceil(2001 ms) = 3 s, plus one second of slack for the backstop */
    assert_int_equal(rlimit_of(v, "RLIMIT_CPU"), capped(RLIMIT_CPU, 4));
    assert_string_equal(get_str(v, PATH("annotations", "org.ojrun.limit.output-bytes")), "12345");
    yajl_tree_free(v);
}

/* A hard limit is never raised above the one we have (EPERM on a host
 * without CAP_SYS_RESOURCE): lower ours in a child and look. */
static void test_rlimit_cap(void **state)
{
    struct scratch s = *(struct scratch *)*state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit r = {.rlim_cur = 8 << 20, .rlim_max = 8 << 20};
        if (setrlimit(RLIMIT_STACK, &r) < 0)
            _exit(2);
        const struct oj_judge_lang *c = oj_judge_lang_find("c");
        struct oj_judge_opts o = {.lang = c,
                                  .phase = OJ_JUDGE_RUN,
                                  .box = s.box,
                                  .bundle = s.bundle,
                                  .limits = c->phase[OJ_JUDGE_RUN].limits};
        struct strbuf sb = {0};
        struct oj_err err = {0};
        if (oj_judge_spec(&o, &sb, &err) < 0)
            _exit(3);
        yajl_val v = yajl_tree_parse(sb_str(&sb), NULL, 0);
        if (!v)
            _exit(4);
        yajl_val rl = yajl_tree_get(v, PATH("process", "rlimits"), yajl_t_array);
        for (size_t i = 0; rl && i < rl->u.array.len; i++) {
            yajl_val e = rl->u.array.values[i];
            const char *t = YAJL_GET_STRING(yajl_tree_get(e, PATH("type"), yajl_t_string));
            if (t && strcmp(t, "RLIMIT_STACK") == 0)
                _exit(YAJL_GET_INTEGER(yajl_tree_get(e, PATH("hard"), yajl_t_number)) == 8 << 20
                          ? 0
                          : 5);
        }
        _exit(6);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

/* --- rootfs ------------------------------------------------------------------ */

static void check_link(const char *rootfs, const char *name)
{
    char host[64], want[PATH_MAX], got[PATH_MAX], path[PATH_MAX];
    snprintf(host, sizeof(host), "/%s", name);
    snprintf(path, sizeof(path), "%s/%s", rootfs, name);
    ssize_t w = readlink(host, want, sizeof(want) - 1);
    ssize_t g = readlink(path, got, sizeof(got) - 1);
    if (w < 0) {
        /* a real directory on the host is a mount point instead */
        struct stat st;
        if (lstat(host, &st) == 0 && S_ISDIR(st.st_mode)) {
            assert_int_equal(lstat(path, &st), 0);
            assert_true(S_ISDIR(st.st_mode));
        } else {
            assert_int_equal(g, -1);
        }
        return;
    }
    assert_int_equal(g, w);
    want[w] = got[g] = '\0';
    assert_string_equal(got, want);
}

static void test_rootfs(void **state)
{
    struct scratch s = *(struct scratch *)*state;
    const struct oj_judge_lang *java = oj_judge_lang_find("java");
    struct oj_judge_opts o = {.lang = java,
                              .phase = OJ_JUDGE_COMPILE,
                              .box = s.box,
                              .bundle = s.bundle,
                              .limits = java->phase[OJ_JUDGE_COMPILE].limits};
    struct oj_err err = {0};
    mode_t old_umask = umask(077); /* the modes must not depend on the umask */
    int r = oj_judge_make_rootfs(&o, &err);
    umask(old_umask);
    if (r < 0)
        fail_msg("make rootfs: %s", err.msg);

    char rootfs[PATH_MAX], p[PATH_MAX];
    snprintf(rootfs, sizeof(rootfs), "%s/rootfs", s.bundle);
    struct stat st;
    assert_int_equal(stat(rootfs, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0755);

    static const char *const links[] = {"bin", "sbin", "lib", "lib32", "lib64", "libx32"};
    for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
        check_link(rootfs, links[i]);

    /* one mount point per mount, of the right kind */
    struct oj_judge_mount *m;
    size_t n;
    assert_int_equal(oj_judge_mounts(&o, &m, &n, &err), 0);
    bool saw_alternatives = false;
    for (size_t i = 0; i < n; i++) {
        snprintf(p, sizeof(p), "%s%s", rootfs, m[i].destination);
        assert_int_equal(lstat(p, &st), 0);
        if (m[i].file) {
            assert_true(S_ISREG(st.st_mode));
            assert_int_equal(st.st_size, 0);
        } else {
            assert_true(S_ISDIR(st.st_mode));
        }
        saw_alternatives |= strcmp(m[i].destination, "/etc/alternatives") == 0;
    }
    oj_judge_mounts_free(m, n);
    assert_true(saw_alternatives);
    snprintf(p, sizeof(p), "%s/tmp", rootfs);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 07777, 01777);
    snprintf(p, sizeof(p), "%s/etc", rootfs);
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0755);

    /* the judge user exists, nothing of the host's */
    char *passwd = NULL;
    snprintf(p, sizeof(p), "%s/etc/passwd", rootfs);
    assert_int_equal(oj_read_file(p, 4096, &passwd, NULL, &err), 0);
    assert_non_null(strstr(passwd, "judge:x:1000:1000:judge:/box:"));
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    free(passwd);
    char *group = NULL;
    snprintf(p, sizeof(p), "%s/etc/group", rootfs);
    assert_int_equal(oj_read_file(p, 4096, &group, NULL, &err), 0);
    assert_non_null(strstr(group, "judge:x:1000:"));
    free(group);

    /* again, and for another language: the rootfs is reused */
    assert_int_equal(oj_judge_make_rootfs(&o, &err), 0);
    o.lang = oj_judge_lang_find("c");
    o.phase = OJ_JUDGE_RUN;
    assert_int_equal(oj_judge_make_rootfs(&o, &err), 0);

    /* something else where a link must be: refused, not replaced */
    char bin_target[PATH_MAX];
    if (readlink("/bin", bin_target, sizeof(bin_target)) > 0) {
        snprintf(p, sizeof(p), "%s/bin", rootfs);
        assert_int_equal(unlink(p), 0);
        assert_int_equal(symlink("/somewhere/else", p), 0);
        assert_int_equal(oj_judge_make_rootfs(&o, &err), -1);
        assert_non_null(strstr(err.msg, "/rootfs/bin: points to /somewhere/else, not "));
        assert_int_equal(unlink(p), 0);
        assert_int_equal(mkdir(p, 0755), 0);
        assert_int_equal(oj_judge_make_rootfs(&o, &err), -1);
        assert_non_null(strstr(err.msg, "/rootfs/bin: exists and is not a symlink"));
    }
}

/* Nothing is followed through a symlink: a rootfs/etc pointing elsewhere
 * must not get a passwd written through it. */
static void test_rootfs_no_follow(void **state)
{
    struct scratch s = *(struct scratch *)*state;
    char elsewhere[PATH_MAX], p[PATH_MAX];
    snprintf(elsewhere, sizeof(elsewhere), "%s/elsewhere", s.dir);
    assert_int_equal(mkdir(elsewhere, 0755), 0);
    snprintf(p, sizeof(p), "%s/rootfs", s.bundle);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof(p), "%s/rootfs/etc", s.bundle);
    assert_int_equal(symlink(elsewhere, p), 0);

    const struct oj_judge_lang *c = oj_judge_lang_find("c");
    struct oj_judge_opts o = {.lang = c,
                              .phase = OJ_JUDGE_RUN,
                              .box = s.box,
                              .bundle = s.bundle,
                              .limits = c->phase[OJ_JUDGE_RUN].limits};
    struct oj_err err = {0};
    assert_int_equal(oj_judge_make_rootfs(&o, &err), -1);
    assert_non_null(strstr(err.msg, "/rootfs/etc"));
    assert_non_null(strstr(err.msg, "Not a directory"));
    snprintf(p, sizeof(p), "%s/passwd", elsewhere);
    assert_int_equal(access(p, F_OK), -1);
    snprintf(p, sizeof(p), "%s/ld.so.cache", elsewhere);
    assert_int_equal(access(p, F_OK), -1);

    /* and a rootfs that is itself a symlink */
    snprintf(p, sizeof(p), "%s/rootfs", s.bundle);
    rm_rf(p);
    assert_int_equal(symlink(elsewhere, p), 0);
    assert_int_equal(oj_judge_make_rootfs(&o, &err), -1);
    assert_non_null(strstr(err.msg, "Not a directory"));
}

/* A template whose toolchain is missing is refused with its name. */
static void test_missing_toolchain(void **state)
{
    struct oj_judge_lang fake = *oj_judge_lang_find("c");
    static const char *const args[] = {"/usr/bin/ojrun-test-no-such-compiler", NULL};
    struct oj_err err = {0};
    assert_int_equal(oj_judge_check_tools(&fake, OJ_JUDGE_COMPILE, &err), 0);
    fake.name = "fake";
    fake.phase[OJ_JUDGE_COMPILE].args = args;
    assert_int_equal(oj_judge_check_tools(&fake, OJ_JUDGE_COMPILE, &err), -1);
    assert_string_equal(err.msg, "fake template needs /usr/bin/ojrun-test-no-such-compiler: No "
                                 "such file or directory");
    /* /box/main does not exist before compiling: not checked */
    assert_int_equal(oj_judge_check_tools(&fake, OJ_JUDGE_RUN, &err), 0);

    /* and an /etc path it needs */
    struct scratch s = *(struct scratch *)*state;
    static const char *const etc[] = {"/etc/ojrun-test-no-such-dir", NULL};
    fake.etc = etc;
    struct oj_judge_opts o = {.lang = &fake,
                              .phase = OJ_JUDGE_RUN,
                              .box = s.box,
                              .bundle = s.bundle,
                              .limits = fake.phase[OJ_JUDGE_RUN].limits};
    struct strbuf sb = {0};
    assert_int_equal(oj_judge_spec(&o, &sb, &err), -1);
    sb_free(&sb);
    assert_string_equal(
        err.msg, "fake template needs /etc/ojrun-test-no-such-dir: No such file or directory");
}

/* --- the whole command ---------------------------------------------------------- */

static yajl_val load_config(const char *bundle)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/config.json", bundle);
    char *text = NULL;
    struct oj_err err = {0};
    if (oj_read_file(path, 1 << 20, &text, NULL, &err) < 0)
        fail_msg("%s", err.msg);
    yajl_val v = yajl_tree_parse(text, NULL, 0);
    free(text);
    assert_non_null(v);
    return v;
}

static void test_write_bundle(void **state)
{
    struct scratch s = *(struct scratch *)*state;
    char msg[2048], path[PATH_MAX];
    struct oj_err err = {0};

    struct oj_judge_request r = {.bundle = s.bundle,
                                 .lang = "go",
                                 .phase = "run",
                                 .box = s.box,
                                 .cpu_ms = "1500",
                                 .memory = "134217728"};
    if (write_bundle(&r, msg, sizeof(msg), &err) < 0)
        fail_msg("%s", err.msg);
    /* the run phase only reads the box (root's 0755 is fine): no warning */
    assert_string_equal(msg, "");
    yajl_val v = load_config(s.bundle);
    assert_string_equal(get_str(v, PATH("annotations", "org.ojrun.limit.cpu-ms")), "1500");
    /* not given: the template's default */
    assert_string_equal(get_str(v, PATH("annotations", "org.ojrun.limit.wall-ms")), "3000");
    assert_int_equal(get_int(v, PATH("linux", "resources", "memory", "limit")), 134217728);
    assert_string_equal(get_str(v, PATH("annotations", "org.ojrun.judge.lang")), "go");
    assert_string_equal(get_str(v, PATH("annotations", "org.ojrun.judge.phase")), "run");
    yajl_tree_free(v);
    snprintf(path, sizeof(path), "%s/rootfs/usr", s.bundle);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(S_ISDIR(st.st_mode));

    /* an existing config.json is somebody's: refused, and left alone */
    r.cpu_ms = "7";
    assert_int_equal(write_bundle(&r, msg, sizeof(msg), &err), -1);
    snprintf(path, sizeof(path), "%s/config.json: file exists", s.bundle);
    assert_string_equal(err.msg, path);
    v = load_config(s.bundle);
    assert_string_equal(get_str(v, PATH("annotations", "org.ojrun.limit.cpu-ms")), "1500");
    yajl_tree_free(v);

    /* relative paths become absolute mount sources; the compile phase
     * warns about a box the program cannot write */
    snprintf(path, sizeof(path), "%s/config.json", s.bundle);
    assert_int_equal(unlink(path), 0);
    char cwd[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(s.dir), 0);
    struct oj_judge_request rel = {
        .bundle = "bundle/", .lang = "c", .phase = "compile", .box = "./box"};
    int rc = write_bundle(&rel, msg, sizeof(msg), &err);
    assert_int_equal(chdir(cwd), 0);
    if (rc < 0)
        fail_msg("%s", err.msg);
    char want[512];
    snprintf(want, sizeof(want),
             "ojrun: warning: spec: --box %s is not writable by the program (host uid 101000); "
             "chown 101000:101000 it for the compile phase\n",
             s.box);
    assert_string_equal(msg, want);
    v = load_config(s.bundle);
    assert_string_equal(get_str(mount_at(v, "/box"), PATH("source")), s.box);
    yajl_tree_free(v);

    /* a box the program owns: no warning */
    assert_int_equal(unlink(path), 0);
    assert_int_equal(chown(s.box, 101000, 101000), 0);
    r.phase = "compile";
    r.cpu_ms = NULL;
    assert_int_equal(write_bundle(&r, msg, sizeof(msg), &err), 0);
    assert_string_equal(msg, "");

    /* a bundle the container's root cannot reach: warned about */
    assert_int_equal(unlink(path), 0);
    assert_int_equal(chmod(s.dir, 0700), 0);
    assert_int_equal(write_bundle(&r, msg, sizeof(msg), &err), 0);
    snprintf(want, sizeof(want),
             "ojrun: warning: spec: %s (mode 0700) is not searchable by others: the container's "
             "root (host uid 100000) cannot reach the bundle\n",
             s.dir);
    assert_string_equal(msg, want);
}

static void test_write_bundle_errors(void **state)
{
    struct scratch s = *(struct scratch *)*state;
    char msg[2048], file[PATH_MAX], rootfs[PATH_MAX], config[PATH_MAX], want[PATH_MAX + 128];
    struct oj_err err = {0};
    snprintf(file, sizeof(file), "%s/file", s.dir);
    int fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    close(fd);
    snprintf(rootfs, sizeof(rootfs), "%s/rootfs", s.bundle);
    snprintf(config, sizeof(config), "%s/config.json", s.bundle);

    struct oj_judge_request ok = {.bundle = s.bundle, .lang = "c", .phase = "run", .box = s.box};
    struct {
        struct oj_judge_request r;
        const char *msg;
    } cases[] = {
        {ok, NULL}, {ok, NULL}, {ok, NULL}, {ok, NULL},
        {ok, NULL}, {ok, NULL}, {ok, NULL}, {ok, NULL},
    };
    cases[0].r.lang = "cobol";
    cases[0].msg = "--judge: unknown language \"cobol\" (known: c, cpp, go, java, javascript, "
                   "python)";
    cases[1].r.phase = "link";
    cases[1].msg = "--phase: unknown phase \"link\" (compile or run)";
    cases[2].r.box = "/nonexistent/box";
    cases[2].msg = "--box /nonexistent/box: No such file or directory";
    cases[3].r.box = file;
    snprintf(want, sizeof(want), "--box %s: Not a directory", file);
    cases[3].msg = want;
    cases[4].r.memory = "1g";
    cases[4].msg = "--memory: \"1g\": not a non-negative integer";
    cases[5].r.pids = "0";
    cases[5].msg = "--pids: 0: out of range (1..4194304)";
    cases[6].r.bundle = "/nonexistent/bundle";
    cases[6].msg = "bundle /nonexistent/bundle: No such file or directory";
    cases[7].r.wall_ms = "";
    cases[7].msg = "--wall-ms: \"\": not a non-negative integer";

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(write_bundle(&cases[i].r, msg, sizeof(msg), &err), -1);
        assert_string_equal(err.msg, cases[i].msg);
        assert_string_equal(msg, ""); /* the caller prints the error */
        /* a refused request leaves nothing behind */
        assert_int_equal(access(rootfs, F_OK), -1);
        assert_int_equal(access(config, F_OK), -1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_set_limit),
        cmocka_unit_test(test_expand),
        cmocka_unit_test_setup_teardown(test_every_template, scratch_setup, scratch_teardown),
        cmocka_unit_test_setup_teardown(test_language_specifics, scratch_setup, scratch_teardown),
        cmocka_unit_test_setup_teardown(test_custom_limits, scratch_setup, scratch_teardown),
        cmocka_unit_test_setup_teardown(test_rlimit_cap, scratch_setup, scratch_teardown),
        cmocka_unit_test_setup_teardown(test_rootfs, scratch_setup, scratch_teardown),
        cmocka_unit_test_setup_teardown(test_rootfs_no_follow, scratch_setup, scratch_teardown),
        cmocka_unit_test_setup_teardown(test_missing_toolchain, scratch_setup, scratch_teardown),
        cmocka_unit_test_setup_teardown(test_write_bundle, scratch_setup, scratch_teardown),
        cmocka_unit_test_setup_teardown(test_write_bundle_errors, scratch_setup, scratch_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
