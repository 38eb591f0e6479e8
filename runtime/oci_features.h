/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What ojrun supports, by name: the `features` document (OCI runtime-spec
 * features.md, features-linux.md) and the name tables behind it, which the
 * seccomp and capability code reuse so that `ojrun features` and what the
 * runtime actually accepts cannot drift apart.
 *
 * (Not "features.h": the Makefile puts runtime/ on the -I path, and glibc's
 * own <features.h>, included by nearly every libc header, would resolve to
 * ours.)
 */
#ifndef OJRUN_OCI_FEATURES_H
#define OJRUN_OCI_FEATURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <seccomp.h>

#include "config.h"
#include "error.h"
#include "strbuf.h"

/* --- capabilities --------------------------------------------------------- */

/* Every capability libcap names on this system, as OCI spells them
 * ("CAP_CHOWN", ...), indexed by capability number: cap_to_name() over
 * 0 .. cap_max_bits()-1, uppercased; numbers libcap has no name for are
 * skipped.  Returns a NULL-terminated vector (free with oj_strv_free) and
 * its length in *n (may be NULL), or NULL with err set. */
char **oj_cap_names(size_t *n, struct oj_err *err);

/* --- seccomp ---------------------------------------------------------------- */

/* An OCI seccomp action name and its libseccomp value.  For SCMP_ACT_ERRNO
 * and SCMP_ACT_TRACE the value carries no data (errnoRet is added later). */
struct oj_seccomp_action_name {
    const char *name; /* "SCMP_ACT_ALLOW" */
    uint32_t action;  /* SCMP_ACT_ALLOW */
};
const struct oj_seccomp_action_name *oj_seccomp_actions(size_t *n);
/* The libseccomp value of an action name; returns -1 if unknown. */
int oj_seccomp_action_from_name(const char *name, uint32_t *action);

/* Whether the running kernel implements `action` (a SCMP_ACT_* value):
 * seccomp(SECCOMP_GET_ACTION_AVAIL), see seccomp(2).  The data bits of
 * ERRNO/TRACE are ignored. */
bool oj_seccomp_action_available(uint32_t action);

/* An OCI comparison operator name, its config.h enum and its libseccomp
 * enum (config-linux.md "Seccomp", syscalls[].args[].op). */
struct oj_seccomp_operator_name {
    const char *name;      /* "SCMP_CMP_EQ" */
    enum oj_seccomp_op op; /* OJ_SECCOMP_OP_EQ */
    enum scmp_compare cmp; /* SCMP_CMP_EQ */
};
const struct oj_seccomp_operator_name *oj_seccomp_operators(size_t *n);
const struct oj_seccomp_operator_name *oj_seccomp_operator_from_name(const char *name);

/* An OCI seccomp architecture name and libseccomp's name for it. */
struct oj_seccomp_arch_name {
    const char *name;    /* "SCMP_ARCH_X86_64" */
    const char *libname; /* "x86_64", for seccomp_arch_resolve_name() */
};
/* Every SCMP_ARCH_* name of the OCI spec (recognized or not by libseccomp). */
const struct oj_seccomp_arch_name *oj_seccomp_arch_names(size_t *n);
/* The libseccomp token (SCMP_ARCH_*) of an OCI name, or 0 when the name is
 * unknown or this libseccomp cannot build filters for it. */
uint32_t oj_seccomp_arch_from_name(const char *name);
/* The OCI name of the native architecture ("SCMP_ARCH_X86_64"), or NULL. */
const char *oj_seccomp_arch_native_name(void);

/* A SECCOMP_FILTER_FLAG_* name of config-linux.md (linux.seccomp.flags). */
struct oj_seccomp_flag_name {
    const char *name; /* "SECCOMP_FILTER_FLAG_LOG" */
    unsigned flag;    /* SECCOMP_FILTER_FLAG_LOG */
};
const struct oj_seccomp_flag_name *oj_seccomp_flags(size_t *n);
/* The flag bit of a name; returns -1 if unknown. */
int oj_seccomp_flag_from_name(const char *name, unsigned *flag);
/* Whether ojrun can install a filter with `flag` here: the kernel accepts
 * the flag (probed with seccomp(SECCOMP_SET_MODE_FILTER, flag, NULL), which
 * fails with EFAULT on the NULL program when the flag is known and EINVAL
 * when it is not) and libseccomp has an attribute that sets it. */
bool oj_seccomp_flag_supported(unsigned flag);

/* --- the document ------------------------------------------------------------ */

/* Mount options ojrun's mount code understands (features.md "mountOptions"). */
const char *const *oj_mount_option_names(size_t *n);

/* Append the features document as JSON (pretty: two-space indent, trailing
 * newline) to `out`. */
int oj_features_json(bool pretty, struct strbuf *out, struct oj_err *err);

#endif
