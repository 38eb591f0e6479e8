/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OCI lifecycle hooks (config.md "POSIX-platform Hooks", runtime.md
 * "Lifecycle").
 *
 * A hook is a program the runtime runs at a fixed point of the lifecycle:
 *
 *   prestart, createRuntime   in the runtime namespace, after the container's
 *                             namespaces exist, before pivot_root;
 *   createContainer           in the container namespace, before pivot_root;
 *   startContainer            in the container namespace, just before the
 *                             user process is executed;
 *   poststart, poststop       in the runtime namespace, after start / delete.
 *
 * Each hook gets the container's state JSON (runtime.md "State") on stdin.
 * Which namespace a hook runs in is decided by the *caller* (the container
 * init calls oj_hooks_run for createContainer/startContainer); this module
 * only runs programs.
 *
 * The waiting loop uses a pidfd and poll(2), never SIGCHLD: this code runs
 * both in ojrun and in the container init, neither of which installs global
 * signal handlers.
 */
#ifndef OJRUN_HOOKS_H
#define OJRUN_HOOKS_H

#include "config.h"
#include "error.h"

/* How much of a hook's stderr is kept for the error message.  Everything the
 * hook writes to stderr is still forwarded to our stderr. */
#define OJ_HOOK_STDERR_MAX 4096

/* The JSON name of a hook kind: "prestart", "createRuntime", ... ("unknown"
 * for an out-of-range value). */
const char *oj_hook_kind_name(enum oj_hook_kind kind);

/*
 * Run one hook to completion:
 *   - fork + execve(h->path, argv, envp) where argv is h->args when given
 *     (so argv[0] = args[0]) or { h->path } otherwise, and envp is h->env
 *     exactly (empty when absent: the runtime's environment is NOT
 *     inherited, as with execve in config.md);
 *   - `state_json` (may be NULL: empty stdin) is written to the hook's stdin,
 *     which is then closed.  A hook that does not read its stdin is fine: we
 *     never block on it and EPIPE/SIGPIPE are swallowed;
 *   - the hook's stdout goes to our stderr (our stdout may carry a protocol,
 *     e.g. the container's output or `state` JSON); its stderr is forwarded
 *     to our stderr and its first OJ_HOOK_STDERR_MAX bytes are kept;
 *   - with h->timeout set, the hook's process group is SIGKILLed after that
 *     many seconds and the hook fails with "timed out after N s".
 * A non-zero exit status or death by a signal is a failure; the message is
 * "exited with status 3: <first line of its stderr>" or "killed by signal 9
 * (Killed): ...".  The hook runs in its own process group, with the caller's
 * credentials and working directory, default signal dispositions, an empty
 * signal mask, and none of the caller's fds beyond 0-2.
 */
int oj_hook_run(const struct oj_hook *h, const char *state_json, struct oj_err *err);

/*
 * Run the hooks of one kind in config order (config.md: "Hooks MUST be
 * called in the listed order").  `hooks` may be NULL (no hooks).
 *
 * For prestart, createRuntime, createContainer and startContainer the first
 * failure stops the list and is returned as
 *   "createRuntime hook #1 (/usr/bin/foo): exited with status 3: <stderr>"
 * where #N is the index in the config's hooks.<kind> array (from 0, as in
 * runc).  The caller must then abort the lifecycle (runtime.md steps 4-7).
 *
 * For poststart and poststop the spec says a failure MUST only be logged as
 * a warning and "the remaining hooks and lifecycle continue as if the hook
 * had succeeded": every hook runs, each failure is logged with oj_warn(),
 * and the function returns 0.
 *
 * `dir` (may be NULL: the caller's) is the hooks' working directory, which
 * the spec leaves to the runtime.  ojrun gives what runc 1.1 gives: the
 * bundle for the hooks of the runtime namespace (runc's create and run
 * chdir into the bundle; only its `delete` from elsewhere differs), the rootfs as the host names it
 * for createContainer (runc's init is there before pivot_root), process.cwd for startContainer (the
 * init has entered it).  A directory that cannot be entered fails the hook
 * ("enter its working directory /x: No such file or directory").
 */
int oj_hooks_run(const struct oj_hooks *hooks, enum oj_hook_kind kind, const char *state_json,
                 const char *dir, struct oj_err *err);

#endif
