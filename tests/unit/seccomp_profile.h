/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper: build `struct oj_seccomp` profiles by hand (the config parser
 * is another module), including a ~400-rule profile shaped like Docker's
 * default one for the cache timing.
 */
#ifndef OJRUN_TEST_SECCOMP_PROFILE_H
#define OJRUN_TEST_SECCOMP_PROFILE_H

#include <seccomp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static inline void prof_init(struct oj_seccomp *sc, uint32_t default_action)
{
    memset(sc, 0, sizeof(*sc));
    sc->default_action = default_action;
}

/* Append a rule for the NULL-terminated names given as varargs. */
static inline struct oj_seccomp_rule *prof_rule(struct oj_seccomp *sc, uint32_t action, ...)
{
    sc->syscalls = realloc(sc->syscalls, (sc->n_syscalls + 1) * sizeof(*sc->syscalls));
    struct oj_seccomp_rule *r = &sc->syscalls[sc->n_syscalls++];
    memset(r, 0, sizeof(*r));
    r->action = action;
    va_list ap;
    va_start(ap, action);
    for (const char *n = va_arg(ap, const char *); n; n = va_arg(ap, const char *)) {
        r->names = realloc(r->names, (r->n_names + 2) * sizeof(char *));
        r->names[r->n_names++] = strdup(n);
        r->names[r->n_names] = NULL;
    }
    va_end(ap);
    return r;
}

static inline void rule_errno(struct oj_seccomp_rule *r, uint64_t e)
{
    r->errno_ret.set = true;
    r->errno_ret.v = e;
}

static inline void rule_arg(struct oj_seccomp_rule *r, unsigned index, enum oj_seccomp_op op,
                            uint64_t value, uint64_t value_two)
{
    r->args = realloc(r->args, (r->n_args + 1) * sizeof(*r->args));
    r->args[r->n_args++] =
        (struct oj_seccomp_arg){.index = index, .value = value, .value_two = value_two, .op = op};
}

static inline void prof_arch(struct oj_seccomp *sc, uint32_t arch)
{
    sc->architectures =
        realloc(sc->architectures, (sc->n_architectures + 1) * sizeof(*sc->architectures));
    sc->architectures[sc->n_architectures++] = arch;
}

static inline void prof_free(struct oj_seccomp *sc)
{
    for (size_t i = 0; i < sc->n_syscalls; i++) {
        for (size_t j = 0; j < sc->syscalls[i].n_names; j++)
            free(sc->syscalls[i].names[j]);
        free(sc->syscalls[i].names);
        free(sc->syscalls[i].args);
    }
    free(sc->syscalls);
    free(sc->architectures);
    memset(sc, 0, sizeof(*sc));
}

/* Syscall names of a Docker-like default allow list (x86_64 and some that
 * only exist elsewhere, which the compiler skips). */
static const char *const docker_like_names[] = {
    "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "capget", "capset",
    "chdir", "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64", "clock_getres",
    "clock_getres_time64", "clock_gettime", "clock_gettime64", "clock_nanosleep",
    "clock_nanosleep_time64", "close", "close_range", "connect", "copy_file_range", "creat",
    "dup", "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old",
    "epoll_pwait", "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2",
    "execve", "execveat", "exit", "exit_group", "faccessat", "faccessat2", "fadvise64",
    "fadvise64_64", "fallocate", "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchown",
    "fchown32", "fchownat", "fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr",
    "flock", "fork", "fremovexattr", "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs",
    "fstatfs64", "fsync", "ftruncate", "ftruncate64", "futex", "futex_time64", "futex_waitv",
    "futimesat", "getcpu", "getcwd", "getdents", "getdents64", "getegid", "getegid32",
    "geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32", "getitimer",
    "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority", "getrandom",
    "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit", "get_robust_list",
    "getrusage", "getsid", "getsockname", "getsockopt", "get_thread_area", "gettid",
    "gettimeofday", "getuid", "getuid32", "getxattr", "inotify_add_watch", "inotify_init",
    "inotify_init1", "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy", "io_getevents",
    "io_pgetevents", "io_pgetevents_time64", "ioprio_get", "ioprio_set", "io_setup",
    "io_submit", "io_uring_enter", "io_uring_register", "io_uring_setup", "ipc", "kill",
    "landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self", "lchown",
    "lchown32", "lgetxattr", "link", "linkat", "listen", "listxattr", "llistxattr", "_llseek",
    "lremovexattr", "lseek", "lsetxattr", "lstat", "lstat64", "madvise", "membarrier",
    "memfd_create", "memfd_secret", "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock",
    "mlock2", "mlockall", "mmap", "mmap2", "mprotect", "mq_getsetattr", "mq_notify", "mq_open",
    "mq_timedreceive", "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64",
    "mq_unlink", "mremap", "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock",
    "munlockall", "munmap", "name_to_handle_at", "nanosleep", "newfstatat", "_newselect",
    "open", "openat", "openat2", "pause", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2",
    "pkey_alloc", "pkey_free", "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl",
    "pread64", "preadv", "preadv2", "prlimit64", "process_mrelease", "pselect6",
    "pselect6_time64", "pwrite64", "pwritev", "pwritev2", "read", "readahead", "readlink",
    "readlinkat", "readv", "recv", "recvfrom", "recvmmsg", "recvmmsg_time64", "recvmsg",
    "remap_file_pages", "removexattr", "rename", "renameat", "renameat2", "restart_syscall",
    "rmdir", "rseq", "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo",
    "rt_sigreturn", "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64",
    "rt_tgsigqueueinfo", "sched_getaffinity", "sched_getattr", "sched_getparam",
    "sched_get_priority_max", "sched_get_priority_min", "sched_getscheduler",
    "sched_rr_get_interval", "sched_rr_get_interval_time64", "sched_setaffinity",
    "sched_setattr", "sched_setparam", "sched_setscheduler", "sched_yield", "seccomp",
    "select", "semctl", "semget", "semop", "semtimedop", "semtimedop_time64", "send",
    "sendfile", "sendfile64", "sendmmsg", "sendmsg", "sendto", "setfsgid", "setfsgid32",
    "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups", "setgroups32", "setitimer",
    "setpgid", "setpriority", "setregid", "setregid32", "setresgid", "setresgid32",
    "setresuid", "setresuid32", "setreuid", "setreuid32", "setrlimit", "set_robust_list",
    "setsid", "setsockopt", "set_thread_area", "set_tid_address", "setuid", "setuid32",
    "setxattr", "shmat", "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack", "signalfd",
    "signalfd4", "sigprocmask", "sigreturn", "socketcall", "socketpair", "splice", "stat",
    "stat64", "statfs", "statfs64", "statx", "symlink", "symlinkat", "sync", "sync_file_range",
    "syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create", "timer_delete",
    "timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime",
    "timer_settime64", "timerfd_create", "timerfd_gettime", "timerfd_gettime64",
    "timerfd_settime", "timerfd_settime64", "times", "tkill", "truncate", "truncate64",
    "ugetrlimit", "umask", "uname", "unlink", "unlinkat", "utime", "utimensat",
    "utimensat_time64", "utimes", "vfork", "vmsplice", "wait4", "waitid", "waitpid", "write",
    "writev", "arch_prctl", "modify_ldt", "chroot", "fanotify_init", "kcmp", "lookup_dcookie",
    "open_by_handle_at", "perf_event_open", "quotactl", "setdomainname", "sethostname",
    "setns", "syslog", "umount", "umount2", "unshare", "bpf", "mount",
    "mount_setattr", "move_mount", "open_tree", "pivot_root", "process_vm_readv",
    "process_vm_writev", "ptrace", "sync_file_range2",
};

/* Docker-default-like: ERRNO(EPERM) by default, one ALLOW rule per name, and
 * a tail of argument rules (personality values, clone flags, socket
 * families, ...).  Returns the number of rules. */
static inline size_t prof_docker_like(struct oj_seccomp *sc)
{
    prof_init(sc, SCMP_ACT_ERRNO(0));
    prof_arch(sc, SCMP_ARCH_X86_64);
    prof_arch(sc, SCMP_ARCH_X86);
    prof_arch(sc, SCMP_ARCH_X32);
    size_t n = sizeof(docker_like_names) / sizeof(docker_like_names[0]);
    for (size_t i = 0; i < n; i++)
        prof_rule(sc, SCMP_ACT_ALLOW, docker_like_names[i], NULL);
    static const uint64_t personas[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};
    for (size_t i = 0; i < sizeof(personas) / sizeof(personas[0]); i++)
        rule_arg(prof_rule(sc, SCMP_ACT_ALLOW, "personality", NULL), 0, OJ_SECCOMP_OP_EQ,
                 personas[i], 0);
    /* clone without namespace flags (value = mask, valueTwo = datum) */
    rule_arg(prof_rule(sc, SCMP_ACT_ALLOW, "clone", NULL), 0, OJ_SECCOMP_OP_MASKED_EQ,
             0x7E020000, 0);
    rule_errno(prof_rule(sc, SCMP_ACT_ERRNO(0), "clone3", NULL), 38 /* ENOSYS */);
    for (uint64_t fam = 0; fam < 44; fam++) /* socket(AF_x) for every family but AF_VSOCK */
        if (fam != 40)
            rule_arg(prof_rule(sc, SCMP_ACT_ALLOW, "socket", NULL), 0, OJ_SECCOMP_OP_EQ, fam, 0);
    return sc->n_syscalls;
}

#endif
