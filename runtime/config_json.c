/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON-walking helpers of the config.json parser: typed reads of yajl tree
 * values that report errors with the JSON path of the offending value.
 * See config_internal.h for the conventions.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "config_internal.h"

void cfg_path_render(const struct cfg_path *p, char *buf, size_t size)
{
    /* Collect the chain root-first; configs are at most OJ_CONFIG_MAX_DEPTH deep. */
    const struct cfg_path *chain[OJ_CONFIG_MAX_DEPTH * 2];
    size_t n = 0;
    for (; p && n < OJ_ARRAY_SIZE(chain); p = p->parent)
        chain[n++] = p;
    size_t len = 0;
    buf[0] = '\0';
    while (n > 0 && len < size) {
        const struct cfg_path *c = chain[--n];
        int w;
        if (c->key)
            w = snprintf(buf + len, size - len, "%s%s", len ? "." : "", c->key);
        else
            w = snprintf(buf + len, size - len, "[%zu]", c->index);
        if (w < 0)
            break;
        len += (size_t)w;
    }
}

int cfg_fail(struct oj_err *err, const struct cfg_path *p, const char *fmt, ...)
{
    char msg[OJ_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (!p) {
        oj_fail(err, 0, "config.json: %s", msg);
    } else {
        char path[512];
        cfg_path_render(p, path, sizeof(path));
        oj_fail(err, 0, "config.json: %s: %s", path, msg);
    }
    /* set after oj_fail, which would otherwise append strerror(EINVAL) */
    if (err)
        err->code = EINVAL;
    return -1;
}

yajl_val cfg_member(yajl_val obj, const char *key)
{
    if (!obj || !YAJL_IS_OBJECT(obj))
        return NULL;
    /* Last occurrence wins, as with Go's encoding/json (runc). */
    for (size_t i = obj->u.object.len; i-- > 0;) {
        if (strcmp(obj->u.object.keys[i], key) == 0) {
            yajl_val v = obj->u.object.values[i];
            return (v && !YAJL_IS_NULL(v)) ? v : NULL;
        }
    }
    return NULL;
}

int cfg_require(yajl_val obj, const char *key, const struct cfg_path *parent, struct oj_err *err)
{
    if (cfg_member(obj, key))
        return 0;
    return cfg_fail(err, CFG_KEY(parent, key), "required field is missing");
}

/* --- one value -------------------------------------------------------------------------------- */

int cfg_expect_object(yajl_val v, const struct cfg_path *p, struct oj_err *err)
{
    if (!YAJL_IS_OBJECT(v))
        return cfg_fail(err, p, "expected an object");
    return 0;
}

int cfg_expect_array(yajl_val v, const struct cfg_path *p, struct oj_err *err)
{
    if (!YAJL_IS_ARRAY(v))
        return cfg_fail(err, p, "expected an array");
    return 0;
}

int cfg_string(yajl_val v, const struct cfg_path *p, char **out, struct oj_err *err)
{
    if (!YAJL_IS_STRING(v))
        return cfg_fail(err, p, "expected a string");
    char *s = strdup(v->u.string);
    if (!s)
        return oj_fail(err, ENOMEM, "config.json: copy a string");
    free(*out); /* a repeated key read twice must not leak */
    *out = s;
    return 0;
}

int cfg_bool(yajl_val v, const struct cfg_path *p, bool *out, struct oj_err *err)
{
    if (!YAJL_IS_TRUE(v) && !YAJL_IS_FALSE(v))
        return cfg_fail(err, p, "expected a boolean");
    *out = YAJL_IS_TRUE(v);
    return 0;
}

/* Parse the text of a JSON number as a sign and a magnitude.  Only the
 * integer form is accepted: Go's encoding/json refuses "1.0" or "1e3" for an
 * integer field, and so do we.  Returns -1 for any other form or when the
 * magnitude does not fit in 64 bits. */
static int parse_integer_text(const char *s, bool *neg, uint64_t *mag)
{
    *neg = (*s == '-');
    if (*neg)
        s++;
    if (*s < '0' || *s > '9')
        return -1;
    uint64_t m = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        unsigned d = (unsigned)(*s - '0');
        if (m > (UINT64_MAX - d) / 10)
            return -1;
        m = m * 10 + d;
    }
    *mag = m;
    return 0;
}

int cfg_i64(yajl_val v, const struct cfg_path *p, int64_t min, int64_t max, int64_t *out,
            struct oj_err *err)
{
    bool neg;
    uint64_t mag;
    if (!YAJL_IS_NUMBER(v) || parse_integer_text(YAJL_GET_NUMBER(v), &neg, &mag) < 0)
        goto range;
    int64_t val;
    if (neg) {
        if (mag > (uint64_t)INT64_MAX + 1)
            goto range;
        val = mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
    } else {
        if (mag > (uint64_t)INT64_MAX)
            goto range;
        val = (int64_t)mag;
    }
    if (val < min || val > max)
        goto range;
    *out = val;
    return 0;
range:
    return cfg_fail(err, p, "expected an integer in %" PRId64 "..%" PRId64, min, max);
}

int cfg_u64(yajl_val v, const struct cfg_path *p, uint64_t max, uint64_t *out, struct oj_err *err)
{
    bool neg;
    uint64_t mag;
    if (!YAJL_IS_NUMBER(v) || parse_integer_text(YAJL_GET_NUMBER(v), &neg, &mag) < 0 ||
        (neg && mag != 0) || mag > max)
        return cfg_fail(err, p, "expected an integer in 0..%" PRIu64, max);
    *out = mag;
    return 0;
}

int cfg_strv(yajl_val v, const struct cfg_path *p, char ***out, size_t *n, struct oj_err *err)
{
    if (!YAJL_IS_ARRAY(v))
        return cfg_fail(err, p, "expected an array of strings");
    size_t len = v->u.array.len;
    for (size_t i = 0; i < len; i++)
        if (!YAJL_IS_STRING(v->u.array.values[i]))
            return cfg_fail(err, p, "expected an array of strings");
    oj_strv_free(*out);
    *out = NULL;
    *n = 0;
    if (len == 0)
        return 0;
    _cleanup_strv_ char **sv = calloc(len + 1, sizeof(*sv));
    if (!sv)
        return oj_fail(err, ENOMEM, "config.json: allocate a string array");
    for (size_t i = 0; i < len; i++) {
        sv[i] = strdup(v->u.array.values[i]->u.string);
        if (!sv[i])
            return oj_fail(err, ENOMEM, "config.json: copy a string");
    }
    *out = oj_steal_ptr(&sv);
    *n = len;
    return 0;
}

static void kv_free(struct oj_kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(kv[i].key);
        free(kv[i].value);
    }
    free(kv);
}

int cfg_kv(yajl_val v, const struct cfg_path *p, struct oj_kv **out, size_t *n, struct oj_err *err)
{
    if (!YAJL_IS_OBJECT(v))
        return cfg_fail(err, p, "expected an object of strings");
    size_t len = v->u.object.len;
    for (size_t i = 0; i < len; i++)
        if (!YAJL_IS_STRING(v->u.object.values[i]))
            return cfg_fail(err, CFG_KEY(p, v->u.object.keys[i]), "expected a string");
    kv_free(*out, *n);
    *out = NULL;
    *n = 0;
    if (len == 0)
        return 0;
    struct oj_kv *kv = calloc(len, sizeof(*kv));
    if (!kv)
        return oj_fail(err, ENOMEM, "config.json: allocate a map");
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        const char *key = v->u.object.keys[i];
        /* a repeated key: the first position, the last value (cfg_member) */
        bool seen = false;
        for (size_t j = 0; j < k && !seen; j++)
            seen = strcmp(kv[j].key, key) == 0;
        if (seen)
            continue;
        kv[k].key = strdup(key);
        kv[k].value = strdup(cfg_member(v, key)->u.string);
        k++;
        if (!kv[k - 1].key || !kv[k - 1].value) {
            kv_free(kv, k);
            return oj_fail(err, ENOMEM, "config.json: copy a map entry");
        }
    }
    *out = kv;
    *n = k;
    return 0;
}

/* --- member of an object ---------------------------------------------------------------------- */

int cfg_get_object(yajl_val obj, const char *key, const struct cfg_path *parent, yajl_val *out,
                   struct oj_err *err)
{
    yajl_val v = cfg_member(obj, key);
    if (!v)
        return 0;
    if (cfg_expect_object(v, CFG_KEY(parent, key), err) < 0)
        return -1;
    *out = v;
    return 1;
}

/* The member getters differ only in the value reader they call. */
#define CFG_GETTER(signature, call)                                                                \
    int signature                                                                                  \
    {                                                                                              \
        yajl_val v = cfg_member(obj, key);                                                         \
        if (!v)                                                                                    \
            return 0;                                                                              \
        const struct cfg_path *p = CFG_KEY(parent, key);                                           \
        if ((call) < 0)                                                                            \
            return -1;                                                                             \
        return 1;                                                                                  \
    }

CFG_GETTER(cfg_get_string(yajl_val obj, const char *key, const struct cfg_path *parent, char **out,
                          struct oj_err *err),
           cfg_string(v, p, out, err))
CFG_GETTER(cfg_get_bool(yajl_val obj, const char *key, const struct cfg_path *parent, bool *out,
                        struct oj_err *err),
           cfg_bool(v, p, out, err))
CFG_GETTER(cfg_get_i64(yajl_val obj, const char *key, const struct cfg_path *parent, int64_t min,
                       int64_t max, int64_t *out, struct oj_err *err),
           cfg_i64(v, p, min, max, out, err))
CFG_GETTER(cfg_get_u64(yajl_val obj, const char *key, const struct cfg_path *parent, uint64_t max,
                       uint64_t *out, struct oj_err *err),
           cfg_u64(v, p, max, out, err))
CFG_GETTER(cfg_get_strv(yajl_val obj, const char *key, const struct cfg_path *parent, char ***out,
                        size_t *n, struct oj_err *err),
           cfg_strv(v, p, out, n, err))
CFG_GETTER(cfg_get_kv(yajl_val obj, const char *key, const struct cfg_path *parent,
                      struct oj_kv **out, size_t *n, struct oj_err *err),
           cfg_kv(v, p, out, n, err))

int cfg_get_opt_bool(yajl_val obj, const char *key, const struct cfg_path *parent, oj_opt_bool *out,
                     struct oj_err *err)
{
    int r = cfg_get_bool(obj, key, parent, &out->v, err);
    if (r > 0)
        out->set = true;
    return r;
}

int cfg_get_opt_i64(yajl_val obj, const char *key, const struct cfg_path *parent, int64_t min,
                    int64_t max, oj_opt_i64 *out, struct oj_err *err)
{
    int r = cfg_get_i64(obj, key, parent, min, max, &out->v, err);
    if (r > 0)
        out->set = true;
    return r;
}

int cfg_get_opt_u64(yajl_val obj, const char *key, const struct cfg_path *parent, uint64_t max,
                    oj_opt_u64 *out, struct oj_err *err)
{
    int r = cfg_get_u64(obj, key, parent, max, &out->v, err);
    if (r > 0)
        out->set = true;
    return r;
}

int cfg_get_u32(yajl_val obj, const char *key, const struct cfg_path *parent, uint32_t *out,
                struct oj_err *err)
{
    uint64_t v;
    int r = cfg_get_u64(obj, key, parent, CFG_U32_MAX, &v, err);
    if (r > 0)
        *out = (uint32_t)v;
    return r;
}

int cfg_get_array(yajl_val obj, const char *key, const struct cfg_path *parent, size_t elem_size,
                  void *out, size_t *n, yajl_val *arr, struct oj_err *err)
{
    yajl_val v = cfg_member(obj, key);
    if (!v)
        return 0;
    if (cfg_expect_array(v, CFG_KEY(parent, key), err) < 0)
        return -1;
    void *mem = NULL;
    if (v->u.array.len > 0) {
        mem = calloc(v->u.array.len, elem_size);
        if (!mem)
            return oj_fail(err, ENOMEM, "config.json: allocate %s", key);
    }
    /* `out` is the address of a `T *`; memcpy avoids type-punning it as void **. */
    memcpy(out, &mem, sizeof(mem));
    *n = v->u.array.len;
    *arr = v;
    return 1;
}

int cfg_element_object(yajl_val arr, size_t i, const struct cfg_path *p, yajl_val *out,
                       struct oj_err *err)
{
    yajl_val v = arr->u.array.values[i];
    if (!v || !YAJL_IS_OBJECT(v))
        return cfg_fail(err, p, "expected an object");
    *out = v;
    return 0;
}

int cfg_check_abs_path(const char *s, const struct cfg_path *p, struct oj_err *err)
{
    if (s[0] != '/')
        return cfg_fail(err, p, "expected an absolute path, got \"%s\"", s);
    return 0;
}

int cfg_check_env(char **env, size_t n, const struct cfg_path *p, struct oj_err *err)
{
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(env[i], '=');
        if (!eq || eq == env[i])
            return cfg_fail(err, CFG_IDX(p, i), "expected \"NAME=value\", got \"%s\"", env[i]);
    }
    return 0;
}

int cfg_enum_lookup(const struct cfg_enum *table, size_t n, const char *name, int64_t *value)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(table[i].name, name) == 0) {
            *value = table[i].value;
            return 0;
        }
    }
    return -1;
}
