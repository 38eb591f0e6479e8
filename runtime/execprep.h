/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The last steps that turn a runtime process into the container process,
 * shared by the container init (init.c, after `start`) and by `ojrun exec`
 * (exec.c): the process's rlimits, its capability sets (with the
 * CAP_SYS_ADMIN allowance seccomp needs without no_new_privs) and the
 * lookup of process.args[0] in the container's PATH.
 *
 * All three run inside the container (after pivot_root or setns into its
 * mount namespace), in this order relative to the rest:
 *
 *     oj_process_rlimits_apply(p, err);         // before dropping privileges
 *     oj_caps_drop_bounding(...); oj_user_switch(...);
 *     oj_process_caps_apply(p, keep_sys_admin, err);
 *     chdir(p->cwd);
 *     oj_find_executable(p, exe, sizeof(exe), err);
 *     ...no_new_privs, seccomp (oj_seccomp.h), execve(exe, ...)
 */
#ifndef OJRUN_EXECPREP_H
#define OJRUN_EXECPREP_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "error.h"

/* The PATH used when process.env has none (runc's and Docker's default). */
#define OJ_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* setrlimit(2) for each of process.rlimits.  Raising a hard limit needs
 * CAP_SYS_RESOURCE; the message says so. */
int oj_process_rlimits_apply(const struct oj_process *p, struct oj_err *err);

/* oj_caps_apply() with process.capabilities; with `keep_sys_admin`,
 * CAP_SYS_ADMIN is added to the effective and permitted sets so that a
 * seccomp filter can still be loaded without no_new_privs right before
 * execve (seccomp(2): without no_new_privs the caller needs CAP_SYS_ADMIN).
 * It does not leak into the program: execve(2) recomputes the permitted
 * set from the bounding, inheritable and ambient sets (capabilities(7),
 * "Transformation of capabilities during execve()"), which only contain
 * CAP_SYS_ADMIN when the configuration asks for it. */
int oj_process_caps_apply(const struct oj_process *p, bool keep_sys_admin, struct oj_err *err);

/* The value of NAME in a NULL-terminated "KEY=VALUE" vector, or NULL. */
const char *oj_env_get(char *const *env, const char *name);

/* Find process.args[0] the way execvp(3) would, with the PATH of
 * process.env (OJ_DEFAULT_PATH when it has none), relative to the calling
 * process's root and cwd; the path goes to `out`.  The words of the errors
 * matter: podman maps "no such file or directory" and "executable file not
 * found in" to exit 127 and "permission denied" to 126:
 *     exec: "gcc": executable file not found in $PATH
 *     exec: "/nope": stat: no such file or directory
 *     exec: "/etc": is a directory: permission denied
 *     exec: "/etc/passwd": permission denied
 * (runc's texts, which come from Go's exec.LookPath). */
int oj_find_executable(const struct oj_process *p, char *out, size_t len, struct oj_err *err);

#endif
