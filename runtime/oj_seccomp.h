/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Seccomp for the container process (OCI config-linux.md "Seccomp").
 *
 * The work is split in two so that the expensive part can be cached:
 *
 *   compile   linux.seccomp -> a classic-BPF program, with libseccomp
 *             (seccomp.c).  For a Docker-sized profile this costs
 *             milliseconds; oj_seccomp_prepare() keeps the result in an
 *             on-disk cache keyed by the profile (seccomp_cache.c).
 *   load      the program -> the kernel, with seccomp(2) directly
 *             (SECCOMP_SET_MODE_FILTER), so the load flags (LOG, SPEC_ALLOW,
 *             WAIT_KILLABLE_RECV, NEW_LISTENER) come from the config and not
 *             from libseccomp's filter attributes.
 *
 * The container init loads the filter as the LAST step before execve(2),
 * after the capabilities and no_new_privs: without no_new_privs the kernel
 * requires CAP_SYS_ADMIN to load a filter.  It may compile (or fetch from
 * the cache) much earlier, e.g. in the runtime before clone().
 *
 * With SCMP_ACT_NOTIFY the load returns a listener fd which must reach the
 * seccomp agent at linux.seccomp.listenerPath (oj_seccomp_send_listener(),
 * seccomp_notify.c).  Every syscall the caller makes between the load and
 * execve(2) is already filtered: a NOTIFY rule on one of them blocks the
 * caller until the agent answers.
 */
/* (Named oj_seccomp.h, not seccomp.h: with -Iruntime a runtime/seccomp.h
 * would shadow libseccomp's <seccomp.h> for every file of the project.) */
#ifndef OJRUN_SECCOMP_H
#define OJRUN_SECCOMP_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "error.h"
#include "strbuf.h"

/* A compiled filter: what struct sock_fprog points at. */
struct oj_bpf {
    struct sock_filter *insns; /* malloc'd */
    size_t len;                /* number of instructions, 1..BPF_MAXINSNS */
};

void oj_bpf_free(struct oj_bpf *prog);

/* Compile linux.seccomp into a BPF program with libseccomp:
 *   - defaultAction/defaultErrnoRet and each rule's action/errnoRet (ERRNO and
 *     TRACE default to EPERM; errnoRet with any other action is an error, as
 *     the spec requires); SCMP_ACT_KILL means SCMP_ACT_KILL_THREAD;
 *   - architectures are added to the native one;
 *   - a rule whose action equals the default action is skipped (libseccomp
 *     refuses it; it would change nothing);
 *   - syscall names unknown to this libseccomp are skipped (oj_debug);
 *   - several conditions on the same argument index become one rule per
 *     condition (runc's behaviour, see seccomp.c).
 * The flags are validated here but only used by oj_seccomp_load(). */
int oj_seccomp_compile(const struct oj_seccomp *sc, struct oj_bpf *out, struct oj_err *err);

/* Put runc's ENOSYS answer in front of a compiled `prog` (seccomp_enosys.c):
 * with a default action that is not ALLOW, LOG, TRACE or ERRNO(ENOSYS), a
 * syscall numbered above the highest the profile names (per architecture),
 * or one libseccomp has no name for on the native architecture, fails with
 * ENOSYS instead of the default, so that programs probing newer syscalls
 * fall back.  oj_seccomp_compile() calls it; `default_act` is the resolved
 * default action. */
int oj_seccomp_enosys_stub(const struct oj_seccomp *sc, uint32_t default_act, struct oj_bpf *prog,
                           struct oj_err *err);

/* Load `prog` into the calling thread with seccomp(SECCOMP_SET_MODE_FILTER).
 * Flags: SECCOMP_FILTER_FLAG_LOG / SPEC_ALLOW / WAIT_KILLABLE_RECV from
 * sc->flags (TSYNC is ignored: the init is single-threaded), plus
 * NEW_LISTENER when the profile uses SCMP_ACT_NOTIFY; then *listener_fd gets
 * the listener (else -1).  `listener_fd` may be NULL only without NOTIFY. */
int oj_seccomp_load(const struct oj_bpf *prog, const struct oj_seccomp *sc, int *listener_fd,
                    struct oj_err *err);

/* Does the profile use SCMP_ACT_NOTIFY (so that loading it yields a
 * listener fd)? */
bool oj_seccomp_uses_notify(const struct oj_seccomp *sc);

/* Compile through the cache: with `cache_dir` (created 0700 if missing), look
 * for <cache_dir>/<key>.bpf, verify it fully and use it (*hit = true); on a
 * miss or an invalid file compile and (re)write it atomically.  Problems with
 * the cache never fail the call -- they cost a compile and a debug line (or a
 * warning when the cache cannot be written).  cache_dir NULL: plain compile. */
int oj_seccomp_prepare(const struct oj_seccomp *sc, const char *cache_dir, struct oj_bpf *out,
                       bool *hit, struct oj_err *err);

/* How many programs the cache keeps (default 256, about 8 MiB for
 * Docker-sized profiles); storing one more evicts the oldest-written.  A
 * variable so that tests can make it small. */
extern size_t oj_seccomp_cache_max;

/* Where oj_seccomp_prepare() keeps the program for `sc` (malloc'd path). */
int oj_seccomp_cache_path(const struct oj_seccomp *sc, const char *cache_dir, char **path,
                          struct oj_err *err);

/* The canonical serialisation of the seccomp section that the cache is keyed
 * on: every field that influences the compiled program, in a fixed order,
 * plus the native architecture and the libseccomp version. */
int oj_seccomp_canonical(const struct oj_seccomp *sc, struct strbuf *out, struct oj_err *err);

/* Send the container process state to the seccomp agent listening at
 * `listener_path` (config-linux.md "The Container Process State"):
 *   {"ociVersion": ..., "fds": ["seccompFd"], "pid": pid,
 *    "metadata": metadata (omitted when NULL), "state": <state_json>}
 * with `listener_fd` in SCM_RIGHTS, then close the connection.  `state_json`
 * is the container's state (runtime.md "State") already encoded as JSON;
 * `pid` is the container process as seen by the runtime. */
int oj_seccomp_send_listener(const char *listener_path, int listener_fd, pid_t pid,
                             const char *state_json, const char *metadata, struct oj_err *err);
/* The same in two steps, for the container init: connect to the agent while
 * listenerPath still resolves (ojrun create, before pivot_root), send after
 * the filter is loaded (right before execve).  `listener_path` only names
 * the agent in messages. */
int oj_seccomp_agent_connect(const char *listener_path, struct oj_err *err);
int oj_seccomp_send_listener_sock(int sock, const char *listener_path, int listener_fd, pid_t pid,
                                  const char *state_json, const char *metadata,
                                  struct oj_err *err);

/* Names for messages: "SCMP_ACT_ERRNO", "SCMP_ARCH_X86_64", ... */
const char *oj_seccomp_action_name(uint32_t action);
const char *oj_seccomp_arch_name(uint32_t arch);

#endif
