/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to the config.json parser (config*.c): helpers that walk a yajl
 * tree while tracking the JSON path of the value being read, so that every
 * error can name it:
 *
 *   config.json: linux.namespaces[3].type: unknown namespace "nett"
 *
 * The path is a linked list of stack-allocated nodes (CFG_KEY / CFG_IDX
 * compound literals), rendered only when an error is reported.
 *
 * Conventions of the helpers:
 *   - JSON `null` is treated as "absent", like Go's encoding/json does for
 *     the pointer/slice/map fields of runtime-spec's specs-go (what runc reads);
 *   - when an object repeats a key the LAST occurrence wins (encoding/json
 *     again; yajl's tree keeps all of them);
 *   - the cfg_get_* helpers read member `key` of object `obj`: they return 0
 *     when it is absent (leaving *out untouched), 1 when it was read, and -1
 *     with `err` filled when it has the wrong type or range;
 *   - arrays are allocated zero-filled and their length is stored at once, so
 *     that a parse error half-way leaves a structure that the free functions
 *     can release (they must accept zeroed elements).
 */
#ifndef OJRUN_CONFIG_INTERNAL_H
#define OJRUN_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>

#include "config.h"
#include "error.h"

struct cfg_path {
    const struct cfg_path *parent;
    const char *key; /* member name; NULL for an array element */
    size_t index;    /* array index when key == NULL */
};

/* A child path node living until the end of the enclosing block. */
#define CFG_KEY(p, k) (&(const struct cfg_path){.parent = (p), .key = (k)})
#define CFG_IDX(p, i) (&(const struct cfg_path){.parent = (p), .index = (i)})

/* "config.json: <path>: <message>"; without a path "config.json: <message>".
 * Returns -1.  err->code is EINVAL. */
int cfg_fail(struct oj_err *err, const struct cfg_path *p, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Render `p` ("linux.resources.devices[2].access") into buf. */
void cfg_path_render(const struct cfg_path *p, char *buf, size_t size);

/* Member `key` of `obj` (the last one when repeated), or NULL when absent or null. */
yajl_val cfg_member(yajl_val obj, const char *key);

/* Fail with "required field is missing" unless obj has a non-null `key`. */
int cfg_require(yajl_val obj, const char *key, const struct cfg_path *parent, struct oj_err *err);

/* --- one value (v non-NULL) ------------------------------------------------------------------- */

int cfg_expect_object(yajl_val v, const struct cfg_path *p, struct oj_err *err);
int cfg_expect_array(yajl_val v, const struct cfg_path *p, struct oj_err *err);
int cfg_string(yajl_val v, const struct cfg_path *p, char **out, struct oj_err *err);
int cfg_bool(yajl_val v, const struct cfg_path *p, bool *out, struct oj_err *err);
/* Integers: JSON numbers without fraction or exponent, within [min, max]
 * (so 1.0, 1e3, 2^64 and -1 for an unsigned field are all rejected with
 * "expected an integer in MIN..MAX"). */
int cfg_i64(yajl_val v, const struct cfg_path *p, int64_t min, int64_t max, int64_t *out,
            struct oj_err *err);
int cfg_u64(yajl_val v, const struct cfg_path *p, uint64_t max, uint64_t *out, struct oj_err *err);
/* A NULL-terminated copy of an array of strings; an empty array gives NULL/0. */
int cfg_strv(yajl_val v, const struct cfg_path *p, char ***out, size_t *n, struct oj_err *err);
/* An object whose values are all strings ("annotations", "sysctl", ...).
 * Repeated keys keep the last value, in the position of the first. */
int cfg_kv(yajl_val v, const struct cfg_path *p, struct oj_kv **out, size_t *n, struct oj_err *err);

/* --- member `key` of `obj` (obj is a checked object) ------------------------------------------ */

int cfg_get_object(yajl_val obj, const char *key, const struct cfg_path *parent, yajl_val *out,
                   struct oj_err *err);
int cfg_get_string(yajl_val obj, const char *key, const struct cfg_path *parent, char **out,
                   struct oj_err *err);
int cfg_get_bool(yajl_val obj, const char *key, const struct cfg_path *parent, bool *out,
                 struct oj_err *err);
int cfg_get_opt_bool(yajl_val obj, const char *key, const struct cfg_path *parent, oj_opt_bool *out,
                     struct oj_err *err);
int cfg_get_i64(yajl_val obj, const char *key, const struct cfg_path *parent, int64_t min,
                int64_t max, int64_t *out, struct oj_err *err);
int cfg_get_opt_i64(yajl_val obj, const char *key, const struct cfg_path *parent, int64_t min,
                    int64_t max, oj_opt_i64 *out, struct oj_err *err);
int cfg_get_u64(yajl_val obj, const char *key, const struct cfg_path *parent, uint64_t max,
                uint64_t *out, struct oj_err *err);
int cfg_get_opt_u64(yajl_val obj, const char *key, const struct cfg_path *parent, uint64_t max,
                    oj_opt_u64 *out, struct oj_err *err);
int cfg_get_u32(yajl_val obj, const char *key, const struct cfg_path *parent, uint32_t *out,
                struct oj_err *err);
int cfg_get_strv(yajl_val obj, const char *key, const struct cfg_path *parent, char ***out,
                 size_t *n, struct oj_err *err);
int cfg_get_kv(yajl_val obj, const char *key, const struct cfg_path *parent, struct oj_kv **out,
               size_t *n, struct oj_err *err);

/* An array of objects: checks that `key` is an array, allocates `len`
 * zeroed elements of `elem_size` into *out / *n (NULL/0 when empty) and
 * returns the array in *arr.  Returns 0 when absent, 1 when present. */
int cfg_get_array(yajl_val obj, const char *key, const struct cfg_path *parent, size_t elem_size,
                  void *out, size_t *n, yajl_val *arr, struct oj_err *err);

/* The JSON array element i (after cfg_get_array): must be an object. */
int cfg_element_object(yajl_val arr, size_t i, const struct cfg_path *p, yajl_val *out,
                       struct oj_err *err);

/* Common checks of string values. */
int cfg_check_abs_path(const char *s, const struct cfg_path *p, struct oj_err *err);
/* "NAME=value" with a non-empty NAME, as execve(2) environments (runc checks the same). */
int cfg_check_env(char **env, size_t n, const struct cfg_path *p, struct oj_err *err);

/* Enum tables: name -> value. */
struct cfg_enum {
    const char *name;
    int64_t value;
};
/* Returns 0 and *value, or -1 if `name` is not in the table. */
int cfg_enum_lookup(const struct cfg_enum *table, size_t n, const char *name, int64_t *value);

/* --- integer ranges used across sections ------------------------------------------------------ */

#define CFG_U32_MAX ((uint64_t)UINT32_MAX)
#define CFG_U16_MAX ((uint64_t)UINT16_MAX)

/* --- the sections, each in its own file ------------------------------------------------------- */

/* config_process.c */
int cfg_parse_process(yajl_val v, const struct cfg_path *p, struct oj_process *out,
                      struct oj_err *err);
void cfg_free_process(struct oj_process *proc);

/* config_linux.c */
int cfg_parse_linux(yajl_val v, const struct cfg_path *p, struct oj_linux *out, struct oj_err *err);
void cfg_free_linux(struct oj_linux *lx);
int cfg_parse_idmaps(yajl_val obj, const char *key, const struct cfg_path *parent,
                     struct oj_idmap **out, size_t *n, struct oj_err *err);

/* config_resources.c */
int cfg_parse_resources(yajl_val v, const struct cfg_path *p, struct oj_resources *out,
                        struct oj_err *err);
void cfg_free_resources(struct oj_resources *r);

/* config_seccomp.c */
int cfg_parse_seccomp(yajl_val v, const struct cfg_path *p, struct oj_seccomp *out,
                      struct oj_err *err);
void cfg_free_seccomp(struct oj_seccomp *sc);

#endif
