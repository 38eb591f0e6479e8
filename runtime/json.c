/* SPDX-License-Identifier: Apache-2.0 */
#include "json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <yajl_tree.h>

#include "cleanup.h"

/* oj_json is yajl's node type; the cast keeps yajl out of our headers. */
#define Y(v) ((yajl_val)(v))

oj_json *oj_json_parse(const char *data, size_t len, const char *what, struct oj_err *err)
{
    if (oj_json_check_text(data, len, OJ_JSON_MAX_DEPTH, err) < 0)
        return oj_wrap(err, "%s: invalid JSON", what), NULL;
    _cleanup_free_ char *copy = strndup(data, len);
    if (!copy)
        return oj_fail(err, ENOMEM, "%s", what), NULL;
    char ebuf[256] = "";
    yajl_val v = yajl_tree_parse(copy, ebuf, sizeof(ebuf));
    if (!v) {
        /* yajl's message spans lines (message, excerpt, arrow) padded with
         * spaces: one line, single spaces. */
        char *w = ebuf;
        bool space = true;
        for (char *p = ebuf; *p; p++) {
            bool is_space = *p == ' ' || *p == '\t' || *p == '\n' || *p == '\r';
            if (!is_space)
                *w++ = *p;
            else if (!space)
                *w++ = ' ';
            space = is_space;
        }
        if (w > ebuf && w[-1] == ' ')
            w--;
        *w = '\0';
        return oj_fail(err, 0, "%s: invalid JSON: %s", what, ebuf), NULL;
    }
    return (oj_json *)v;
}

void oj_json_free(oj_json *root)
{
    if (root)
        yajl_tree_free(Y(root));
}

const oj_json *oj_json_get(const oj_json *obj, const char *key)
{
    if (!obj || !YAJL_IS_OBJECT(Y(obj)))
        return NULL;
    for (size_t i = 0; i < Y(obj)->u.object.len; i++)
        if (strcmp(Y(obj)->u.object.keys[i], key) == 0)
            return (const oj_json *)Y(obj)->u.object.values[i];
    return NULL;
}

bool oj_json_str(const oj_json *v, const char **out)
{
    if (!v || !YAJL_IS_STRING(Y(v)))
        return false;
    *out = Y(v)->u.string;
    return true;
}

bool oj_json_i64(const oj_json *v, int64_t *out)
{
    if (!v || !YAJL_IS_INTEGER(Y(v)))
        return false;
    *out = YAJL_GET_INTEGER(Y(v));
    return true;
}

bool oj_json_double(const oj_json *v, double *out)
{
    if (YAJL_IS_INTEGER(Y(v)))
        *out = (double)YAJL_GET_INTEGER(Y(v));
    else if (YAJL_IS_DOUBLE(Y(v)))
        *out = YAJL_GET_DOUBLE(Y(v));
    else
        return false;
    return true;
}

bool oj_json_bool(const oj_json *v, bool *out)
{
    if (!v || !(YAJL_IS_TRUE(Y(v)) || YAJL_IS_FALSE(Y(v))))
        return false;
    *out = YAJL_IS_TRUE(Y(v));
    return true;
}

bool oj_json_is_null(const oj_json *v)
{
    return v && YAJL_IS_NULL(Y(v));
}

bool oj_json_is_object(const oj_json *v)
{
    return v && YAJL_IS_OBJECT(Y(v));
}

bool oj_json_is_array(const oj_json *v)
{
    return v && YAJL_IS_ARRAY(Y(v));
}

size_t oj_json_len(const oj_json *v)
{
    if (oj_json_is_array(v))
        return Y(v)->u.array.len;
    if (oj_json_is_object(v))
        return Y(v)->u.object.len;
    return 0;
}

const oj_json *oj_json_at(const oj_json *v, size_t i)
{
    if (!oj_json_is_array(v) || i >= Y(v)->u.array.len)
        return NULL;
    return (const oj_json *)Y(v)->u.array.values[i];
}

const char *oj_json_key_at(const oj_json *v, size_t i)
{
    if (!oj_json_is_object(v) || i >= Y(v)->u.object.len)
        return NULL;
    return Y(v)->u.object.keys[i];
}

const oj_json *oj_json_val_at(const oj_json *v, size_t i)
{
    if (!oj_json_is_object(v) || i >= Y(v)->u.object.len)
        return NULL;
    return (const oj_json *)Y(v)->u.object.values[i];
}
