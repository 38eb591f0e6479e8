/* SPDX-License-Identifier: Apache-2.0 */
/*
 * seccomp.c / seccomp_notify.c on the real kernel: each profile is compiled,
 * loaded into a forked child (after no_new_privs, as the init does) and
 * judged by what the child's syscalls then return -- or by how it dies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "caps.h"
#include "cleanup.h"
#include "log.h"
#include "oj_seccomp.h"
#include "seccomp_profile.h"
#include "secure_child.h"

/* Compile `sc`, set no_new_privs and load it: what the init does last. */
static int load_profile(const struct oj_seccomp *sc, int *listener, char *msg, size_t len)
{
    struct oj_bpf prog = {0};
    struct oj_err err = {0};
    CHILD_CHECK(oj_seccomp_compile(sc, &prog, &err) == 0, "compile: %s", err.msg);
    CHILD_CHECK(oj_set_no_new_privs(&err) == 0, "nnp: %s", err.msg);
    int rc = oj_seccomp_load(&prog, sc, listener, &err);
    oj_bpf_free(&prog);
    CHILD_CHECK(rc == 0, "load: %s", err.msg);
    return 0;
}

/* syscall() result as "ok" or the errno, for compact checks. */
static int sys_errno(long rc)
{
    return rc < 0 ? errno : 0;
}

/* --- actions ---------------------------------------------------------------- */

static int child_errno_rule(void *arg, char *msg, size_t len)
{
    struct oj_seccomp sc;
    prof_init(&sc, SCMP_ACT_ALLOW);
    rule_errno(prof_rule(&sc, SCMP_ACT_ERRNO(0), "mkdir", "mkdirat", NULL), 1);
    prof_rule(&sc, SCMP_ACT_ERRNO(0), "rmdir", NULL); /* no errnoRet: EPERM */
    rule_errno(prof_rule(&sc, SCMP_ACT_ERRNO(0), "getppid", NULL), EXDEV);
    pid_t me = getpid();
    if (load_profile(&sc, NULL, msg, len))
        return 1;
    prof_free(&sc);
    int e = sys_errno(syscall(SYS_mkdir, "/tmp/ojrun-seccomp-never", 0700));
    CHILD_CHECK(e == EPERM, "mkdir: %s", strerror(e));
    e = sys_errno(syscall(SYS_mkdirat, AT_FDCWD, "/tmp/ojrun-seccomp-never", 0700));
    CHILD_CHECK(e == EPERM, "mkdirat: %s", strerror(e));
    e = sys_errno(syscall(SYS_rmdir, "/tmp/ojrun-seccomp-never"));
    CHILD_CHECK(e == EPERM, "rmdir (default errnoRet): %s", strerror(e));
    e = sys_errno(syscall(SYS_getppid));
    CHILD_CHECK(e == EXDEV, "getppid (errnoRet EXDEV): %s", strerror(e));
    CHILD_CHECK(syscall(SYS_getpid) == me, "getpid is not allowed");
    return 0;
}

static void test_errno_rule(void **state)
{
    struct child_result r;
    run_in_child(child_errno_rule, NULL, &r);
    assert_child_ok(&r);
    assert_int_equal(access("/tmp/ojrun-seccomp-never", F_OK), -1);
}

/* Default ERRNO with an allow list: what is not listed fails. */
static int child_allowlist(void *arg, char *msg, size_t len)
{
    const oj_opt_u64 *def_errno = arg;
    struct oj_seccomp sc;
    prof_init(&sc, SCMP_ACT_ERRNO(0));
    sc.default_errno_ret = *def_errno;
    /* what the child needs to report and exit (plus what the sanitizers
     * use when the tests are built with SAN=1) */
    prof_rule(&sc, SCMP_ACT_ALLOW, "write", "exit", "exit_group", "getpid", "rt_sigreturn",
              "brk", "mmap", "munmap", "futex", "sigaltstack", "rt_sigprocmask", "madvise",
              "gettid", NULL);
    pid_t me = getpid();
    if (load_profile(&sc, NULL, msg, len))
        return 1;
    /* no free(): it might need a syscall outside the allow list */
    int want = def_errno->set ? (int)def_errno->v : EPERM;
    CHILD_CHECK(syscall(SYS_getpid) == me, "getpid is not allowed");
    int e = sys_errno(syscall(SYS_getppid));
    CHILD_CHECK(e == want, "getppid: %s, want %s", strerror(e), strerror(want));
    e = sys_errno(syscall(SYS_mkdir, "/tmp/ojrun-seccomp-never", 0700));
    CHILD_CHECK(e == want, "mkdir: %s", strerror(e));
    return 0;
}

static void test_default_errno_allowlist(void **state)
{
    struct child_result r;
    oj_opt_u64 def = {false, 0};
    run_in_child(child_allowlist, &def, &r);
    assert_child_ok(&r);
    def = (oj_opt_u64){true, ENOSYS}; /* defaultErrnoRet */
    run_in_child(child_allowlist, &def, &r);
    assert_child_ok(&r);
}

static int child_fatal_rule(void *arg, char *msg, size_t len)
{
    uint32_t action = *(uint32_t *)arg;
    struct oj_seccomp sc;
    prof_init(&sc, SCMP_ACT_ALLOW);
    prof_rule(&sc, action, "getppid", NULL);
    if (load_profile(&sc, NULL, msg, len))
        return 1;
    syscall(SYS_getppid);
    CHILD_CHECK(0, "survived getppid under %s", oj_seccomp_action_name(action));
}

/* KILL_PROCESS, KILL_THREAD and KILL (= KILL_THREAD; the only thread) all
 * end the child with SIGSYS. */
static void test_kill_actions(void **state)
{
    uint32_t actions[] = {SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_KILL};
    for (size_t i = 0; i < OJ_ARRAY_SIZE(actions); i++) {
        struct child_result r;
        run_in_child(child_fatal_rule, &actions[i], &r);
        if (!WIFSIGNALED(r.status) || WTERMSIG(r.status) != SIGSYS)
            fail_msg("%s: status 0x%x (%s)", oj_seccomp_action_name(actions[i]), r.status, r.msg);
    }
}

static volatile sig_atomic_t trapped_nr = -1, trapped_code = -1;

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
    trapped_code = si->si_code;
    trapped_nr = si->si_syscall;
}

static int child_trap(void *arg, char *msg, size_t len)
{
    struct sigaction sa = {.sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO};
    CHILD_CHECK(sigaction(SIGSYS, &sa, NULL) == 0, "sigaction: %s", strerror(errno));
    struct oj_seccomp sc;
    prof_init(&sc, SCMP_ACT_ALLOW);
    prof_rule(&sc, SCMP_ACT_TRAP, "getppid", NULL);
    if (load_profile(&sc, NULL, msg, len))
        return 1;
    syscall(SYS_getppid);
    CHILD_CHECK(trapped_code == 1 /* SYS_SECCOMP */ && trapped_nr == SYS_getppid,
                "SIGSYS code %d syscall %d", (int)trapped_code, (int)trapped_nr);
    return 0;
}

static void test_trap(void **state)
{
    struct child_result r;
    run_in_child(child_trap, NULL, &r);
    assert_child_ok(&r);
    /* without a handler TRAP is fatal: SIGSYS */
    uint32_t trap = SCMP_ACT_TRAP;
    run_in_child(child_fatal_rule, &trap, &r);
    assert_true(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGSYS);
}

/* SCMP_ACT_LOG allows (and logs); a rule whose action is the default is
 * dropped before libseccomp can refuse it. */
static int child_log_and_redundant(void *arg, char *msg, size_t len)
{
    struct oj_seccomp sc;
    prof_init(&sc, SCMP_ACT_ALLOW);
    prof_rule(&sc, SCMP_ACT_LOG, "getppid", NULL);
    prof_rule(&sc, SCMP_ACT_ALLOW, "getpid", NULL); /* == default */
    prof_rule(&sc, SCMP_ACT_ERRNO(0), "mkdir", NULL);
    pid_t parent = getppid();
    if (load_profile(&sc, NULL, msg, len))
        return 1;
    prof_free(&sc);
    CHILD_CHECK(syscall(SYS_getppid) == parent, "getppid under LOG");
    int e = sys_errno(syscall(SYS_mkdir, "/tmp/ojrun-seccomp-never", 0700));
    CHILD_CHECK(e == EPERM, "mkdir: %s", strerror(e));
    return 0;
}

static void test_log_action_and_redundant_rule(void **state)
{
    struct child_result r;
    run_in_child(child_log_and_redundant, NULL, &r);
    assert_child_ok(&r);
}

/* --- argument comparisons ---------------------------------------------------- */

struct op_case {
    const char *name;
    enum oj_seccomp_op op;
    uint64_t value, value_two;
    struct {
        unsigned mask;
        bool blocked;
    } probe[4];
};

/* umask(2) cannot fail on its own, so ENOTTY can only come from the filter. */
static int child_op(void *arg, char *msg, size_t len)
{
    const struct op_case *c = arg;
    struct oj_seccomp sc;
    prof_init(&sc, SCMP_ACT_ALLOW);
    struct oj_seccomp_rule *r = prof_rule(&sc, SCMP_ACT_ERRNO(0), "umask", NULL);
    rule_errno(r, ENOTTY);
    rule_arg(r, 0, c->op, c->value, c->value_two);
    if (load_profile(&sc, NULL, msg, len))
        return 1;
    prof_free(&sc);
    for (int i = 0; i < 4; i++) {
        long rc = syscall(SYS_umask, (long)c->probe[i].mask);
        bool blocked = rc < 0 && errno == ENOTTY;
        CHILD_CHECK(blocked == c->probe[i].blocked, "%s %#llo: umask(%#o) %s", c->name,
                    (unsigned long long)c->value, c->probe[i].mask,
                    blocked ? "blocked" : "allowed");
    }
    return 0;
}

static void test_arg_ops(void **state)
{
    static const struct op_case cases[] = {
        {"NE", OJ_SECCOMP_OP_NE, 022, 0, {{022, false}, {077, true}, {0, true}, {023, true}}},
        {"LT", OJ_SECCOMP_OP_LT, 022, 0, {{010, true}, {021, true}, {022, false}, {077, false}}},
        {"LE", OJ_SECCOMP_OP_LE, 022, 0, {{010, true}, {022, true}, {023, false}, {077, false}}},
        {"EQ", OJ_SECCOMP_OP_EQ, 022, 0, {{022, true}, {021, false}, {023, false}, {0, false}}},
        {"GE", OJ_SECCOMP_OP_GE, 022, 0, {{022, true}, {077, true}, {021, false}, {0, false}}},
        {"GT", OJ_SECCOMP_OP_GT, 022, 0, {{023, true}, {077, true}, {022, false}, {0, false}}},
        /* value is the mask, valueTwo the datum: (arg & 070) == 020 */
        {"MASKED_EQ",
         OJ_SECCOMP_OP_MASKED_EQ,
         070,
         020,
         {{027, true}, {020, true}, {037, false}, {007, false}}},
    };
    for (size_t i = 0; i < OJ_ARRAY_SIZE(cases); i++) {
        struct child_result r;
        run_in_child(child_op, (void *)&cases[i], &r);
        assert_child_ok(&r);
    }
}

/* Two conditions on the same index: one rule each, i.e. OR (runc). */
static int child_same_index(void *arg, char *msg, size_t len)
{
    struct oj_seccomp sc;
    prof_init(&sc, SCMP_ACT_ALLOW);
    struct oj_seccomp_rule *r = prof_rule(&sc, SCMP_ACT_ERRNO(0), "umask", NULL);
    rule_errno(r, ENOTTY);
    rule_arg(r, 0, OJ_SECCOMP_OP_EQ, 011, 0);
    rule_arg(r, 0, OJ_SECCOMP_OP_EQ, 022, 0);
    if (load_profile(&sc, NULL, msg, len))
        return 1;
    prof_free(&sc);
    CHILD_CHECK(syscall(SYS_umask, 011L) < 0 && errno == ENOTTY, "umask(011) allowed");
    CHILD_CHECK(syscall(SYS_umask, 022L) < 0 && errno == ENOTTY, "umask(022) allowed");
    CHILD_CHECK(syscall(SYS_umask, 033L) >= 0, "umask(033) blocked");
    return 0;
}

static void test_same_index_conditions_split(void **state)
{
    struct child_result r;
    run_in_child(child_same_index, NULL, &r);
    assert_child_ok(&r);
}

/* Conditions on different indexes are AND-ed in one rule. */
static int child_two_indexes(void *arg, char *msg, size_t len)
{
    struct oj_seccomp sc;
    prof_init(&sc, SCMP_ACT_ALLOW);
    struct oj_seccomp_rule *r = prof_rule(&sc, SCMP_ACT_ERRNO(0), "dup3", NULL);
    rule_errno(r, ENOTTY);
    rule_arg(r, 0, OJ_SECCOMP_OP_EQ, 100, 0);
    rule_arg(r, 2, OJ_SECCOMP_OP_EQ, 0, 0);
    if (load_profile(&sc, NULL, msg, len))
        return 1;
    prof_free(&sc);
    /* fd 100 is not open: an allowed dup3 fails with EBADF */
    int e = sys_errno(syscall(SYS_dup3, 100, 200, 0));
    CHILD_CHECK(e == ENOTTY, "dup3(100, 200, 0): %s", strerror(e));
    e = sys_errno(syscall(SYS_dup3, 100, 200, O_CLOEXEC));
    CHILD_CHECK(e == EBADF, "dup3(100, 200, O_CLOEXEC): %s", strerror(e));
    e = sys_errno(syscall(SYS_dup3, 101, 200, 0));
    CHILD_CHECK(e == EBADF, "dup3(101, 200, 0): %s", strerror(e));
    return 0;
}

static void test_conditions_on_two_indexes(void **state)
{
    struct child_result r;
    run_in_child(child_two_indexes, NULL, &r);
    assert_child_ok(&r);
}

/* --- names, architectures, validation ----------------------------------------- */

static int child_unknown_name(void *arg, char *msg, size_t len)
{
    struct oj_log_opts lo = {.debug = true};
    oj_log_init(&lo);
    struct oj_seccomp sc;
    prof_init(&sc, SCMP_ACT_ALLOW);
    prof_rule(&sc, SCMP_ACT_ERRNO(0), "no_such_syscall_xyz", "mkdir", "mkdirat", NULL);
    if (load_profile(&sc, NULL, msg, len))
        return 1;
    prof_free(&sc);
    int e = sys_errno(syscall(SYS_mkdir, "/tmp/ojrun-seccomp-never", 0700));
    CHILD_CHECK(e == EPERM, "mkdir: %s", strerror(e));
    return 0;
}

static void test_unknown_syscall_skipped(void **state)
{
    struct child_result r;
    run_in_child(child_unknown_name, NULL, &r);
    assert_child_ok(&r);
    assert_non_null(strstr(r.out, "seccomp: unknown syscall \"no_such_syscall_xyz\" skipped"));
}

/* Where libseccomp's program starts: after the ENOSYS stub
 * (seccomp_enosys.c), which ends in the only "ret ERRNO(ENOSYS)" of these
 * tests' programs. */
static size_t stub_len(const struct oj_bpf *p)
{
    for (size_t i = 0; i < p->len && i < 256; i++)
        if (p->insns[i].code == (BPF_RET | BPF_K) && p->insns[i].k == SCMP_ACT_ERRNO(ENOSYS))
            return i + 1;
    return 0;
}

/* --- ENOSYS for what the profile cannot know ---------------------------------- */

/* Default EPERM, an allow list whose highest syscall is process_madvise
 * (440 on x86_64): a number above it, or one in the hole of libseccomp's
 * table below it (400), fails with ENOSYS; clone3 (435), known but not
 * listed, still gets the default. */
static int child_enosys(void *arg, char *msg, size_t len)
{
    struct oj_seccomp sc;
    prof_init(&sc, SCMP_ACT_ERRNO(0));
    prof_rule(&sc, SCMP_ACT_ALLOW, "write", "exit", "exit_group", "getpid", "rt_sigreturn", "brk",
              "mmap", "munmap", "futex", "sigaltstack", "rt_sigprocmask", "madvise", "gettid",
              "process_madvise", NULL);
    int hi = seccomp_syscall_resolve_name("process_madvise");
    if (load_profile(&sc, NULL, msg, len))
        return 1;
    int e = sys_errno(syscall(SYS_getppid));
    CHILD_CHECK(e == EPERM, "getppid (listed nowhere): %s, want EPERM", strerror(e));
    e = sys_errno(syscall(hi + 1 + 100));
    CHILD_CHECK(e == ENOSYS, "syscall %d (above the profile): %s, want ENOSYS", hi + 101,
                strerror(e));
    e = sys_errno(syscall(1000));
    CHILD_CHECK(e == ENOSYS, "syscall 1000: %s, want ENOSYS", strerror(e));
#if defined(__x86_64__)
    e = sys_errno(syscall(400));
    CHILD_CHECK(e == ENOSYS, "syscall 400 (no name in the table): %s, want ENOSYS", strerror(e));
    e = sys_errno(syscall(435)); /* clone3: known, not listed */
    CHILD_CHECK(e == EPERM, "clone3: %s, want EPERM", strerror(e));
#endif
    return 0;
}

static void test_enosys_for_unknown_syscalls(void **state)
{
    struct child_result r;
    run_in_child(child_enosys, NULL, &r);
    assert_child_ok(&r);
}

/* No stub where the default needs none: ALLOW (the kernel says ENOSYS
 * itself), LOG, TRACE, and ERRNO(ENOSYS) already. */
static void test_enosys_stub_only_when_needed(void **state)
{
    static const uint32_t defaults[] = {SCMP_ACT_ERRNO(0), SCMP_ACT_ERRNO(0), SCMP_ACT_ALLOW,
                                        SCMP_ACT_LOG, SCMP_ACT_TRACE(0)};
    size_t plain_len = 0; /* EPERM's program without its stub */
    for (size_t i = 0; i < OJ_ARRAY_SIZE(defaults); i++) {
        struct oj_seccomp sc;
        struct oj_bpf prog = {0};
        struct oj_err err = {0};
        prof_init(&sc, defaults[i]);
        if (i == 1)
            sc.default_errno_ret = (oj_opt_u64){true, ENOSYS};
        prof_rule(&sc, SCMP_ACT_KILL_PROCESS, "mkdir", NULL);
        assert_int_equal(oj_seccomp_compile(&sc, &prog, &err), 0);
        if (i == 0) {
            /* ERRNO(EPERM): the stub is there */
            assert_true(stub_len(&prog) > 0);
            plain_len = prog.len - stub_len(&prog);
        } else if (i == 1) {
            /* ERRNO(ENOSYS): the same program as libseccomp's alone (its
             * default return is the only ERRNO(ENOSYS) in it) */
            assert_int_equal(prog.len, plain_len);
        } else {
            assert_int_equal(stub_len(&prog), 0);
        }
        oj_bpf_free(&prog);
        prof_free(&sc);
    }
}

/* --- layout ------------------------------------------------------------------ */

/* libseccomp's binary tree splits the syscall numbers with "jgt #nr"; its
 * linear chain has only "jeq". */
static bool has_jgt(const struct oj_bpf *p)
{
    for (size_t i = stub_len(p); i < p->len; i++)
        if (p->insns[i].code == (BPF_JMP | BPF_JGT | BPF_K))
            return true;
    return false;
}

/* 40 names that a test child may all call or not: allowed or not, the
 * child only checks getpid/getppid and exits. */
#define FORTY_NAMES                                                                               \
    "write", "exit", "exit_group", "getpid", "rt_sigreturn", "brk", "mmap", "munmap", "futex",    \
        "sigaltstack", "rt_sigprocmask", "madvise", "gettid", "read", "close", "fstat", "lseek",  \
        "mprotect", "pread64", "pwrite64", "readv", "writev", "access", "pipe", "select",         \
        "sched_yield", "mremap", "msync", "mincore", "dup", "dup2", "pause", "nanosleep",          \
        "getitimer", "alarm", "setitimer", "uname", "fcntl", "flock", "fsync"

/* One entry with many names -- how judge allowlists are written -- gets the
 * binary tree like many entries do; a short list stays a chain. */
static int child_tree_allowlist(void *arg, char *msg, size_t len)
{
    struct oj_seccomp sc;
    prof_init(&sc, SCMP_ACT_ERRNO(0));
    prof_rule(&sc, SCMP_ACT_ALLOW, FORTY_NAMES, NULL);
    struct oj_bpf prog = {0};
    struct oj_err err = {0};
    CHILD_CHECK(oj_seccomp_compile(&sc, &prog, &err) == 0, "compile: %s", err.msg);
    CHILD_CHECK(has_jgt(&prog), "one entry with 40 names: no binary tree (%zu insns)", prog.len);
    oj_bpf_free(&prog);
    pid_t me = getpid();
    if (load_profile(&sc, NULL, msg, len))
        return 1;
    CHILD_CHECK(syscall(SYS_getpid) == me, "getpid is not allowed");
    int e = sys_errno(syscall(SYS_getppid));
    CHILD_CHECK(e == EPERM, "getppid: %s, want EPERM", strerror(e));
    e = sys_errno(syscall(SYS_mkdir, "/tmp/ojrun-seccomp-never", 0700));
    CHILD_CHECK(e == EPERM, "mkdir: %s, want EPERM", strerror(e));
    return 0;
}

static void test_binary_tree_by_names(void **state)
{
    struct child_result r;
    run_in_child(child_tree_allowlist, NULL, &r);
    assert_child_ok(&r);

    struct oj_seccomp sc;
    struct oj_bpf prog = {0};
    struct oj_err err = {0};
    prof_init(&sc, SCMP_ACT_ERRNO(0));
    prof_rule(&sc, SCMP_ACT_ALLOW, "read", "write", "exit", "exit_group", NULL);
    assert_int_equal(oj_seccomp_compile(&sc, &prog, &err), 0);
    assert_false(has_jgt(&prog));
    oj_bpf_free(&prog);
    prof_free(&sc);
}

/* A "jeq #AUDIT_ARCH_..." on seccomp_data.arch in the program? */
static bool has_arch_check(const struct oj_bpf *p, uint32_t arch)
{
    for (size_t i = 0; i < p->len; i++)
        if (p->insns[i].code == (BPF_JMP | BPF_JEQ | BPF_K) && p->insns[i].k == arch)
            return true;
    return false;
}

static void test_architectures(void **state)
{
    struct oj_seccomp sc;
    struct oj_bpf native = {0}, multi = {0};
    struct oj_err err = {0};
    prof_init(&sc, SCMP_ACT_ALLOW);
    prof_rule(&sc, SCMP_ACT_ERRNO(0), "mkdir", "socketcall", NULL);
    assert_int_equal(oj_seccomp_compile(&sc, &native, &err), 0);
    prof_arch(&sc, SCMP_ARCH_X86_64); /* native: already in, not an error */
    prof_arch(&sc, SCMP_ARCH_X86);
    prof_arch(&sc, SCMP_ARCH_X32);
    if (oj_seccomp_compile(&sc, &multi, &err) != 0)
        fail_msg("%s", err.msg);
    /* the i386 syscall table is checked only in the multi-arch program */
    assert_true(multi.len > native.len);
    assert_false(has_arch_check(&native, SCMP_ARCH_X86));
    assert_true(has_arch_check(&multi, SCMP_ARCH_X86));
    assert_true(has_arch_check(&native, SCMP_ARCH_X86_64));
    oj_bpf_free(&multi);
    prof_arch(&sc, 0x12345678);
    assert_int_equal(oj_seccomp_compile(&sc, &multi, &err), -1);
    assert_non_null(strstr(err.msg, "linux.seccomp.architectures[3]: add unknown architecture "
                                    "(0x12345678)"));
    assert_null(multi.insns);
    oj_bpf_free(&native);
    prof_free(&sc);
}

static void expect_compile_error(struct oj_seccomp *sc, const char *want)
{
    struct oj_bpf prog = {0};
    struct oj_err err = {0};
    assert_int_equal(oj_seccomp_compile(sc, &prog, &err), -1);
    if (!strstr(err.msg, want))
        fail_msg("error \"%s\" does not contain \"%s\"", err.msg, want);
    assert_null(prog.insns);
}

static void test_invalid_profiles(void **state)
{
    struct oj_seccomp sc;

    prof_init(&sc, SCMP_ACT_ALLOW);
    rule_errno(prof_rule(&sc, SCMP_ACT_KILL_PROCESS, "mkdir", NULL), 1);
    expect_compile_error(&sc, "linux.seccomp.syscalls[0].action: errnoRet is only valid with "
                              "SCMP_ACT_ERRNO and SCMP_ACT_TRACE, not with SCMP_ACT_KILL_PROCESS");
    prof_free(&sc);

    prof_init(&sc, SCMP_ACT_ALLOW);
    sc.default_errno_ret = (oj_opt_u64){true, 1};
    expect_compile_error(&sc, "linux.seccomp.defaultAction: errnoRet is only valid with");
    prof_free(&sc);

    prof_init(&sc, SCMP_ACT_ALLOW);
    prof_rule(&sc, 0x12340000, "mkdir", NULL);
    expect_compile_error(&sc, "linux.seccomp.syscalls[0].action: unknown action 0x12340000");
    prof_free(&sc);

    prof_init(&sc, SCMP_ACT_ALLOW);
    rule_errno(prof_rule(&sc, SCMP_ACT_ERRNO(0), "mkdir", NULL), 5000);
    expect_compile_error(&sc, "errnoRet 5000 is out of range (0..4095)");
    prof_free(&sc);

    prof_init(&sc, SCMP_ACT_ALLOW);
    rule_arg(prof_rule(&sc, SCMP_ACT_ERRNO(0), "dup3", NULL), 6, OJ_SECCOMP_OP_EQ, 1, 0);
    expect_compile_error(&sc, "linux.seccomp.syscalls[0].args[0].index: 6 is out of range (0..5)");
    prof_free(&sc);

    prof_init(&sc, SCMP_ACT_NOTIFY);
    expect_compile_error(&sc, "SCMP_ACT_NOTIFY cannot be the default action");
    prof_free(&sc);

    prof_init(&sc, SCMP_ACT_ALLOW);
    sc.flags = 1u << 12;
    expect_compile_error(&sc, "linux.seccomp.flags: unknown flag bits 0x1000");
    prof_free(&sc);

    prof_init(&sc, SCMP_ACT_ALLOW);
    prof_rule(&sc, SCMP_ACT_ERRNO(0), NULL);
    expect_compile_error(&sc, "linux.seccomp.syscalls[0].names: must contain at least one entry");
    prof_free(&sc);
}

/* --- loading ------------------------------------------------------------------ */

/* LOG, SPEC_ALLOW and TSYNC (ignored), WAIT_KILLABLE_RECV without NOTIFY
 * (dropped): the filter loads and is in force. */
static int child_flags(void *arg, char *msg, size_t len)
{
    struct oj_seccomp sc;
    prof_init(&sc, SCMP_ACT_ALLOW);
    sc.flags = SECCOMP_FILTER_FLAG_LOG | SECCOMP_FILTER_FLAG_SPEC_ALLOW |
               SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
    prof_rule(&sc, SCMP_ACT_ERRNO(0), "mkdir", NULL);
    if (load_profile(&sc, NULL, msg, len))
        return 1;
    prof_free(&sc);
    char v[32];
    CHILD_CHECK(proc_status_field("Seccomp", v, sizeof(v)) == 0 && !strcmp(v, "2"), "Seccomp: %s",
                v);
    CHILD_CHECK(proc_status_field("Seccomp_filters", v, sizeof(v)) == 0 && !strcmp(v, "1"),
                "Seccomp_filters: %s", v);
    CHILD_CHECK(syscall(SYS_mkdir, "/tmp/ojrun-seccomp-never", 0700) < 0 && errno == EPERM,
                "mkdir allowed");
    return 0;
}

static void test_load_flags(void **state)
{
    struct child_result r;
    run_in_child(child_flags, NULL, &r);
    assert_child_ok(&r);
}

/* Without no_new_privs and without CAP_SYS_ADMIN the kernel refuses. */
static int child_no_nnp(void *arg, char *msg, size_t len)
{
    struct oj_seccomp sc;
    struct oj_bpf prog = {0};
    struct oj_err err = {0};
    prof_init(&sc, SCMP_ACT_ALLOW);
    prof_rule(&sc, SCMP_ACT_ERRNO(0), "mkdir", NULL);
    CHILD_CHECK(oj_seccomp_compile(&sc, &prog, &err) == 0, "%s", err.msg);
    cap_t c = cap_get_proc();
    cap_value_t admin = CAP_SYS_ADMIN;
    CHILD_CHECK(c && cap_set_flag(c, CAP_EFFECTIVE, 1, &admin, CAP_CLEAR) == 0 &&
                    cap_set_proc(c) == 0,
                "drop CAP_SYS_ADMIN: %s", strerror(errno));
    cap_free(c);
    CHILD_CHECK(oj_seccomp_load(&prog, &sc, NULL, &err) < 0, "loaded without nnp/CAP_SYS_ADMIN");
    CHILD_CHECK(!strcmp(err.msg, "load the seccomp filter: the process has neither no_new_privs "
                                 "(process.noNewPrivileges) nor CAP_SYS_ADMIN: Permission denied"),
                "message: %s", err.msg);
    CHILD_CHECK(oj_set_no_new_privs(&err) == 0, "%s", err.msg);
    CHILD_CHECK(oj_seccomp_load(&prog, &sc, NULL, &err) == 0, "with nnp: %s", err.msg);
    oj_bpf_free(&prog);
    prof_free(&sc);
    return 0;
}

static void test_load_needs_nnp_or_sys_admin(void **state)
{
    struct child_result r;
    run_in_child(child_no_nnp, NULL, &r);
    assert_child_ok(&r);
}

/* --- SCMP_ACT_NOTIFY ------------------------------------------------------------ */

struct notify_arg {
    const char *sock_path;
};

#define NOTIFY_METADATA "MKNOD=/dev/null;judge=42"
#define NOTIFY_STATE                                                                              \
    "{\"ociVersion\":\"1.2.0\",\"id\":\"sub-1\",\"status\":\"creating\",\"pid\":4242,"             \
    "\"bundle\":\"/b\"}"

static int child_notify(void *arg, char *msg, size_t len)
{
    const struct notify_arg *na = arg;
    struct oj_seccomp sc;
    struct oj_err err = {0};
    prof_init(&sc, SCMP_ACT_ALLOW);
    sc.flags = SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV; /* kernel >= 5.19 */
    sc.listener_path = (char *)na->sock_path;
    prof_rule(&sc, SCMP_ACT_NOTIFY, "getppid", NULL);
    prof_rule(&sc, SCMP_ACT_NOTIFY, "uname", NULL);
    CHILD_CHECK(oj_seccomp_uses_notify(&sc), "profile not seen as NOTIFY");
    int listener = -1;
    if (load_profile(&sc, &listener, msg, len))
        return 1;
    CHILD_CHECK(listener >= 0, "no listener fd");
    CHILD_CHECK(fcntl(listener, F_GETFD) == FD_CLOEXEC, "listener fd is not close-on-exec");
    CHILD_CHECK(oj_seccomp_send_listener(sc.listener_path, listener, getpid(), NOTIFY_STATE,
                                         NOTIFY_METADATA, &err) == 0,
                "send: %s", err.msg);
    close(listener);
    prof_free(&sc);
    /* Both calls now wait for the agent's verdict. */
    long v = syscall(SYS_getppid);
    CHILD_CHECK(v == 4242, "getppid returned %ld, want the agent's 4242", v);
    struct utsname u;
    CHILD_CHECK(syscall(SYS_uname, &u) < 0 && errno == EXDEV, "uname: %ld / %s", v,
                strerror(errno));
    return 0;
}

static int answer(int fd, int nr, long val, int error)
{
    struct pollfd pf = {.fd = fd, .events = POLLIN};
    if (poll(&pf, 1, 10000) != 1)
        return -1;
    struct seccomp_notif req = {0};
    if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
        return -1;
    if (req.data.nr != nr)
        return -2;
    struct seccomp_notif_resp resp = {.id = req.id, .val = val, .error = error, .flags = 0};
    return ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 ? -1 : 0;
}

static void test_notify_listener(void **state)
{
    char dir[] = "/tmp/ojrun-test-notify-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof(path), "%s/agent.sock", dir);
    int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(ls >= 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    assert_int_equal(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(ls, 1), 0);

    /* The child runs concurrently: fork by hand, reuse the collector below. */
    struct notify_arg na = {path};
    int mp[2];
    assert_int_equal(pipe2(mp, O_CLOEXEC), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(ls);
        alarm(30);
        static char msg[1024];
        int rc = child_notify(&na, msg, sizeof(msg));
        if (rc) {
            ssize_t w = write(mp[1], msg, strlen(msg));
            (void)w;
        }
        _exit(rc);
    }
    close(mp[1]);

    /* The agent side: accept, read the state and the fd until EOF. */
    struct pollfd pf = {.fd = ls, .events = POLLIN};
    int ok = poll(&pf, 1, 10000) == 1;
    int cs = ok ? accept4(ls, NULL, NULL, SOCK_CLOEXEC) : -1;
    char buf[4096] = "";
    size_t got = 0;
    int seccomp_fd = -1;
    while (cs >= 0) {
        union {
            char b[CMSG_SPACE(sizeof(int) * 4)];
            struct cmsghdr align;
        } ctl;
        struct iovec iov = {.iov_base = buf + got, .iov_len = sizeof(buf) - 1 - got};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.b,
                           .msg_controllen = sizeof(ctl.b)};
        ssize_t n = recvmsg(cs, &m, MSG_CMSG_CLOEXEC);
        if (n <= 0)
            break;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                memcpy(&seccomp_fd, CMSG_DATA(c), sizeof(int));
        got += (size_t)n;
    }
    buf[got] = '\0';
    int a1 = seccomp_fd >= 0 ? answer(seccomp_fd, SYS_getppid, 4242, 0) : -3;
    int a2 = seccomp_fd >= 0 ? answer(seccomp_fd, SYS_uname, 0, -EXDEV) : -3;

    int status;
    waitpid(pid, &status, 0);
    char cmsg[1024] = "";
    ssize_t mn = read(mp[0], cmsg, sizeof(cmsg) - 1);
    if (mn > 0)
        cmsg[mn] = '\0';
    close(mp[0]);
    if (cs >= 0)
        close(cs);
    if (seccomp_fd >= 0)
        close(seccomp_fd);
    close(ls);
    unlink(path);
    rmdir(dir);

    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("child status 0x%x: %s (agent got %zu bytes: %s)", status, cmsg, got, buf);
    assert_int_equal(a1, 0);
    assert_int_equal(a2, 0);

    /* The container process state, as config-linux.md defines it. */
    char errbuf[256];
    yajl_val root = yajl_tree_parse(buf, errbuf, sizeof(errbuf));
    if (!root)
        fail_msg("state is not JSON (%s): %s", errbuf, buf);
    const char *p_oci[] = {"ociVersion", NULL}, *p_fds[] = {"fds", NULL},
               *p_pid[] = {"pid", NULL}, *p_meta[] = {"metadata", NULL},
               *p_id[] = {"state", "id", NULL}, *p_spid[] = {"state", "pid", NULL};
    yajl_val v = yajl_tree_get(root, p_oci, yajl_t_string);
    assert_non_null(v);
    assert_string_equal(YAJL_GET_STRING(v), "1.2.0");
    v = yajl_tree_get(root, p_fds, yajl_t_array);
    assert_non_null(v);
    assert_int_equal(YAJL_GET_ARRAY(v)->len, 1);
    assert_string_equal(YAJL_GET_STRING(YAJL_GET_ARRAY(v)->values[0]), "seccompFd");
    v = yajl_tree_get(root, p_pid, yajl_t_number);
    assert_non_null(v);
    assert_int_equal(YAJL_GET_INTEGER(v), pid);
    v = yajl_tree_get(root, p_meta, yajl_t_string);
    assert_non_null(v);
    assert_string_equal(YAJL_GET_STRING(v), NOTIFY_METADATA);
    v = yajl_tree_get(root, p_id, yajl_t_string);
    assert_non_null(v);
    assert_string_equal(YAJL_GET_STRING(v), "sub-1");
    v = yajl_tree_get(root, p_spid, yajl_t_number);
    assert_non_null(v);
    assert_int_equal(YAJL_GET_INTEGER(v), 4242);
    yajl_tree_free(root);
}

/* NOTIFY on write would deadlock the init against its agent: refused at
 * compile time, in runc's words. */
static void test_notify_write_refused(void **state)
{
    struct oj_seccomp sc;
    struct oj_bpf prog = {0};
    struct oj_err err = {0};
    prof_init(&sc, SCMP_ACT_ALLOW);
    prof_rule(&sc, SCMP_ACT_NOTIFY, "getppid", "write", NULL);
    assert_int_equal(oj_seccomp_compile(&sc, &prog, &err), -1);
    assert_string_equal(err.msg, "linux.seccomp.syscalls[0].names[1]: SCMP_ACT_NOTIFY cannot be "
                                 "used for the write syscall: Invalid argument");
    prof_free(&sc);
}

static void test_send_listener_errors(void **state)
{
    struct oj_err err = {0};
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(oj_seccomp_send_listener("/nonexistent/ojrun/agent.sock", fds[0], 1, "{}",
                                              NULL, &err),
                     -1);
    assert_string_equal(err.msg, "failed to connect with seccomp agent specified in the seccomp "
                                 "profile (linux.seccomp.listenerPath): dial unix "
                                 "/nonexistent/ojrun/agent.sock: No such file or directory");
    assert_int_equal(oj_seccomp_send_listener("", fds[0], 1, "{}", NULL, &err), -1);
    assert_non_null(strstr(err.msg, "listenerPath is not set"));
    char longp[200];
    memset(longp, 'a', sizeof(longp) - 1);
    longp[0] = '/';
    longp[sizeof(longp) - 1] = '\0';
    assert_int_equal(oj_seccomp_send_listener(longp, fds[0], 1, "{}", NULL, &err), -1);
    assert_non_null(strstr(err.msg, "longer than 107 bytes"));
    /* NOTIFY profile but no place to put the listener */
    struct oj_seccomp sc;
    prof_init(&sc, SCMP_ACT_ALLOW);
    prof_rule(&sc, SCMP_ACT_NOTIFY, "getppid", NULL);
    struct oj_bpf prog = {0};
    assert_int_equal(oj_seccomp_compile(&sc, &prog, &err), 0);
    assert_int_equal(oj_seccomp_load(&prog, &sc, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "the caller takes no listener fd"));
    oj_bpf_free(&prog);
    prof_free(&sc);
    close(fds[0]);
    close(fds[1]);
}

int main(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "test_seccomp needs root\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errno_rule),
        cmocka_unit_test(test_default_errno_allowlist),
        cmocka_unit_test(test_kill_actions),
        cmocka_unit_test(test_trap),
        cmocka_unit_test(test_log_action_and_redundant_rule),
        cmocka_unit_test(test_arg_ops),
        cmocka_unit_test(test_same_index_conditions_split),
        cmocka_unit_test(test_conditions_on_two_indexes),
        cmocka_unit_test(test_unknown_syscall_skipped),
        cmocka_unit_test(test_enosys_for_unknown_syscalls),
        cmocka_unit_test(test_enosys_stub_only_when_needed),
        cmocka_unit_test(test_notify_write_refused),
        cmocka_unit_test(test_binary_tree_by_names),
        cmocka_unit_test(test_architectures),
        cmocka_unit_test(test_invalid_profiles),
        cmocka_unit_test(test_load_flags),
        cmocka_unit_test(test_load_needs_nnp_or_sys_admin),
        cmocka_unit_test(test_notify_listener),
        cmocka_unit_test(test_send_listener_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
