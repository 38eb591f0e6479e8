/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Capabilities, the user switch and no_new_privs for the container process
 * (OCI runtime spec, config.md "Linux Process": process.capabilities,
 * process.user, process.noNewPrivileges; capabilities(7)).
 *
 * The container init calls these at the end of its setup, in this order:
 *
 *     oj_user_switch(&p->user, true, err);      // setgroups/setresgid/setresuid/umask,
 *                                               // keeping the permitted set (PR_SET_KEEPCAPS)
 *     oj_caps_drop_bounding(caps, err);         // PR_CAPBSET_DROP (raises CAP_SETPCAP in
 *                                               // the effective set first if needed)
 *     oj_caps_apply(caps, err);                 // effective/permitted/inheritable + ambient
 *     if (p->no_new_privileges)
 *         oj_set_no_new_privs(err);
 *     ...seccomp (oj_seccomp.h), then execve()
 *
 * oj_caps_drop_bounding() may also be called before oj_user_switch() (runc's
 * order); both orders give the same result.
 *
 * `caps` may be NULL: process.capabilities is absent, which -- as in runc --
 * means every set is empty (the process gets no capability at all).
 */
#ifndef OJRUN_CAPS_H
#define OJRUN_CAPS_H

#include <stdbool.h>

#include "config.h"
#include "error.h"

/* Drop from the bounding set every capability not listed in
 * caps->set[OJ_CAPSET_BOUNDING] (an absent list drops all of them).
 * Capabilities the running kernel does not know are skipped with a warning;
 * a listed capability that the runtime's own bounding set already lacks is
 * reported with oj_warn() (see caps.c for why that is not an error). */
int oj_caps_drop_bounding(const struct oj_capabilities *caps, struct oj_err *err);

/* Set the effective, permitted and inheritable sets exactly (cap_set_proc),
 * then clear the ambient set and raise each listed ambient capability.
 * Fails with "capability CAP_X requested by process.capabilities.<set> is not
 * available to the runtime" when a capability of the effective, permitted,
 * inheritable or ambient list is outside the runtime's permitted set. */
int oj_caps_apply(const struct oj_capabilities *caps, struct oj_err *err);

/* PR_SET_KEEPCAPS(1): keep the permitted set across the coming
 * setresuid() away from uid 0.  The effective set is still cleared by the
 * kernel, so oj_caps_apply() must follow the uid change. */
int oj_caps_keep_for_setuid(struct oj_err *err);

/* Become process.user: setgroups(additionalGids), setresgid(gid),
 * setresuid(uid), then umask (only when process.user.umask is set; the
 * spec says an absent umask leaves the caller's unchanged).  With
 * `keep_caps` the permitted set survives the uid change (see above). */
int oj_user_switch(const struct oj_user *u, bool keep_caps, struct oj_err *err);

/* prctl(PR_SET_NO_NEW_PRIVS, 1): process.noNewPrivileges. */
int oj_set_no_new_privs(struct oj_err *err);

/* "CAP_CHOWN" for CAP_CHOWN, "CAP_63" for a number libcap cannot name.
 * `buf` must hold at least OJ_CAP_NAME_MAX bytes; returns buf. */
#define OJ_CAP_NAME_MAX 48
const char *oj_cap_name(int cap, char *buf);

#endif
