/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading small JSON documents that ojrun itself wrote (state.json,
 * result.json: state.c).  A thin layer over yajl's tree API so that callers
 * never include yajl headers.  What a user writes -- config.json, exec's
 * --process file, update's --resources -- goes through config.c's own,
 * stricter walker instead, because it must name the exact path of every
 * error.
 */
#ifndef OJRUN_JSON_H
#define OJRUN_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

typedef struct oj_json oj_json; /* opaque node */

/* Deeper nesting is refused (yajl frees trees recursively). */
#define OJ_JSON_MAX_DEPTH 64

/* The pre-scan of every JSON text ojrun reads (json_scan.c), before yajl:
 * refuses NUL bytes, "\u0000", invalid UTF-8, comments, nesting deeper than
 * `max_depth` and text after the top-level value.  The message names the
 * problem and its offset, without the document's name ("NUL byte at offset
 * 3"); err->code is EINVAL.  0 when the text passes. */
int oj_json_check_text(const char *data, size_t len, int max_depth, struct oj_err *err);

/* Parse `len` bytes (need not be NUL-terminated).  `what` names the
 * document in errors ("state.json: invalid JSON: ...").  Free the root with
 * oj_json_free.  Strict where yajl is not: oj_json_check_text() with
 * OJ_JSON_MAX_DEPTH first. */
oj_json *oj_json_parse(const char *data, size_t len, const char *what, struct oj_err *err);
void oj_json_free(oj_json *root);

/* Object member lookup (NULL when absent or when `obj` is not an object). */
const oj_json *oj_json_get(const oj_json *obj, const char *key);

/* Typed accessors: return false when the node is absent or of another type. */
bool oj_json_str(const oj_json *v, const char **out);
bool oj_json_i64(const oj_json *v, int64_t *out);
bool oj_json_bool(const oj_json *v, bool *out);
/* Any JSON number, integer or not, as a double (false past a double's range). */
bool oj_json_double(const oj_json *v, double *out);
bool oj_json_is_null(const oj_json *v);

/* Arrays and objects: count and index. */
size_t oj_json_len(const oj_json *v);            /* 0 if not an array/object */
const oj_json *oj_json_at(const oj_json *v, size_t i); /* array element */
const char *oj_json_key_at(const oj_json *v, size_t i); /* object key i */
const oj_json *oj_json_val_at(const oj_json *v, size_t i); /* object value i */
bool oj_json_is_object(const oj_json *v);
bool oj_json_is_array(const oj_json *v);

#endif
