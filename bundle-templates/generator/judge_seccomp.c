/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The seccomp filter of a judge container (config-linux.md, "Seccomp").
 *
 * Policy, for every language and phase (specs/judge-templates.md explains
 * why):
 *
 *   - an allowlist: everything not listed fails with EPERM
 *     (defaultAction SCMP_ACT_ERRNO, defaultErrnoRet 1) rather than killing
 *     the process, because language runtimes probe optional syscalls and
 *     fall back when one fails; a submission that tries something forbidden
 *     sees an ordinary error and the judge classifies it by its exit status;
 *   - the list is the base groups of common.json, plus fork/vfork/wait for
 *     phases that may start processes (compiling), plus the template's own
 *     extras;
 *   - clone is allowed only without CLONE_NEW* flags, and in phases that
 *     may not start processes (every run phase) only with CLONE_THREAD:
 *     threads yes, new processes no;
 *   - clone3 fails with ENOSYS: its flags live in a struct in memory, which
 *     a seccomp filter cannot read (seccomp(2): filters see only the
 *     registers), so it could not be filtered like clone.  glibc (and so
 *     the JVM, Python and node, which create threads through it) then
 *     falls back to clone; the Go runtime calls clone directly.
 *   - only the native architecture: a 32-bit int 0x80 syscall (whose
 *     numbers differ from x86_64's) does not match the filter's
 *     architecture and kills the process.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "judge.h"

/*
 * Never in any judge allowlist: they change the namespaces, mounts, kernel
 * state or other processes, or are the usual ways out of a sandbox
 * (io_uring, bpf, userfaultfd and perf_event_open have a history of kernel
 * exploits; open_by_handle_at escaped early Docker).  The templates do not
 * list them; this list makes sure of it (oj_judge_write_seccomp refuses,
 * and the unit tests check every template).
 */
const char *const oj_judge_never_allowed[] = {
    /* namespaces and mounts */
    "unshare",
    "setns",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "move_mount",
    "open_tree",
    "mount_setattr",
    /* other processes and the kernel */
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "pidfd_getfd",
    "kcmp",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "keyctl",
    "add_key",
    "request_key",
    "kexec_load",
    "kexec_file_load",
    "reboot",
    "init_module",
    "finit_module",
    "delete_module",
    "swapon",
    "swapoff",
    "acct",
    "syslog",
    "quotactl",
    "lookup_dcookie",
    "fanotify_init",
    "iopl",
    "ioperm",
    "vhangup",
    /* the host's clock */
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    /* file handles bypass the mount tree; device nodes */
    "open_by_handle_at",
    "name_to_handle_at",
    "mknod",
    "mknodat",
    /* execution domains (ADDR_NO_RANDOMIZE, READ_IMPLIES_EXEC ...): none
     * of the toolchains calls personality(), so it is not allowed at all */
    "personality",
    /* listed as rules of their own below, never unconditionally */
    "clone",
    "clone3",
    NULL,
};

/* clone(2) flags that create namespaces.  CLONE_NEWTIME is left out: its
 * bit (0x80) is part of the exit-signal byte of clone(), which only
 * clone3() and unshare() interpret as CLONE_NEWTIME. */
#define NS_FLAGS                                                                                   \
    ((uint64_t)(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |      \
                CLONE_NEWPID | CLONE_NEWNET))

static bool in_strv(const char *const *v, const char *s)
{
    for (; v && *v; v++)
        if (strcmp(*v, s) == 0)
            return true;
    return false;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static size_t strv_len(const char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

const char **oj_judge_allowlist(const struct oj_judge_lang *lang, enum oj_judge_phase phase,
                                size_t *n, struct oj_err *err)
{
    const struct oj_judge_phase_tmpl *p = &lang->phase[phase];
    size_t cap = strv_len(p->syscalls) + (p->processes ? strv_len(oj_judge_process_syscalls) : 0);
    for (size_t g = 0; g < oj_judge_n_seccomp_groups; g++)
        cap += strv_len(oj_judge_seccomp_groups[g].syscalls);

    _cleanup_free_ const char **v = calloc(cap + 1, sizeof(*v));
    if (!v) {
        oj_fail(err, ENOMEM, "%s %s: seccomp allowlist", lang->name, oj_judge_phase_name(phase));
        return NULL;
    }
    size_t k = 0;
    for (size_t g = 0; g < oj_judge_n_seccomp_groups; g++)
        for (const char *const *s = oj_judge_seccomp_groups[g].syscalls; *s; s++)
            v[k++] = *s;
    if (p->processes)
        for (const char *const *s = oj_judge_process_syscalls; *s; s++)
            v[k++] = *s;
    for (const char *const *s = p->syscalls; s && *s; s++)
        v[k++] = *s;

    qsort(v, k, sizeof(*v), cmp_str);
    size_t u = 0;
    for (size_t i = 0; i < k; i++) {
        if (in_strv(oj_judge_never_allowed, v[i])) {
            oj_fail(err, 0, "%s %s: template allows %s, which judge containers never allow",
                    lang->name, oj_judge_phase_name(phase), v[i]);
            return NULL;
        }
        if (u == 0 || strcmp(v[u - 1], v[i]) != 0)
            v[u++] = v[i];
    }
    v[u] = NULL;
    *n = u;
    return oj_steal_ptr(&v);
}

/* {"index": 0, "value": mask, "valueTwo": want, "op": "SCMP_CMP_MASKED_EQ"}:
 * (arg0 & mask) == want, the way runc and libseccomp read MASKED_EQ. */
static void write_clone_rule(struct jw *w, uint64_t mask, uint64_t want)
{
    jw_obj_begin(w);
    jw_key(w, "names");
    jw_arr_begin(w);
    jw_str(w, "clone");
    jw_arr_end(w);
    jw_kstr(w, "action", "SCMP_ACT_ALLOW");
    jw_key(w, "args");
    jw_arr_begin(w);
    jw_obj_begin(w);
    jw_kuint(w, "index", 0);
    jw_kuint(w, "value", mask);
    jw_kuint(w, "valueTwo", want);
    jw_kstr(w, "op", "SCMP_CMP_MASKED_EQ");
    jw_obj_end(w);
    jw_arr_end(w);
    jw_obj_end(w);
}

int oj_judge_write_seccomp(struct jw *w, const struct oj_judge_lang *lang,
                           enum oj_judge_phase phase, struct oj_err *err)
{
    size_t n;
    _cleanup_free_ const char **allow = oj_judge_allowlist(lang, phase, &n, err);
    if (!allow)
        return -1;

    jw_key(w, "seccomp");
    jw_obj_begin(w);
    jw_kstr(w, "defaultAction", "SCMP_ACT_ERRNO");
    jw_kuint(w, "defaultErrnoRet", EPERM);
    /* Only the native architecture: libseccomp's filter then rejects the
     * syscalls of any other ABI the kernel accepts from this process
     * (i386's int 0x80, x32) with its bad-architecture action. */
#if defined(__x86_64__)
    jw_key(w, "architectures");
    jw_arr_begin(w);
    jw_str(w, "SCMP_ARCH_X86_64");
    jw_arr_end(w);
#elif defined(__aarch64__)
    jw_key(w, "architectures");
    jw_arr_begin(w);
    jw_str(w, "SCMP_ARCH_AARCH64");
    jw_arr_end(w);
#endif
    jw_key(w, "syscalls");
    jw_arr_begin(w);

    jw_obj_begin(w);
    jw_key(w, "names");
    jw_arr_begin(w);
    for (size_t i = 0; i < n; i++)
        jw_str(w, allow[i]);
    jw_arr_end(w);
    jw_kstr(w, "action", "SCMP_ACT_ALLOW");
    jw_obj_end(w);

    if (lang->phase[phase].processes)
        write_clone_rule(w, NS_FLAGS, 0); /* processes and threads, no namespaces */
    else
        write_clone_rule(w, NS_FLAGS | CLONE_THREAD, CLONE_THREAD); /* threads only */

    jw_obj_begin(w);
    jw_key(w, "names");
    jw_arr_begin(w);
    jw_str(w, "clone3");
    jw_arr_end(w);
    jw_kstr(w, "action", "SCMP_ACT_ERRNO");
    jw_kuint(w, "errnoRet", ENOSYS);
    jw_obj_end(w);

    jw_arr_end(w);
    jw_obj_end(w);
    return 0;
}
