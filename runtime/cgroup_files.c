/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Reading and writing cgroup control files.
 *
 * cgroupfs parses each write(2) on its own, so a value goes out in exactly
 * one write, unbuffered; reads take the whole (small) file.  Flat keyed
 * files ("key value" lines: cpu.stat, memory.events, memory.stat...) are the
 * common read format of both versions (cgroup-v2.rst "Interface Files").
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup_internal.h"
#include "cleanup.h"
#include "log.h"
#include "util.h"

int oj_cg_write(struct oj_cgroup *cg, const char *dir, const char *file, struct oj_err *err,
                const char *fmt, ...)
{
    _cleanup_free_ char *value = NULL;
    _cleanup_free_ char *path = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&value, fmt, ap);
    va_end(ap);
    if (n < 0) {
        value = NULL;
        return oj_fail(err, ENOMEM, "write %s/%s", dir, file);
    }
    if (asprintf(&path, "%s/%s", dir, file) < 0) {
        path = NULL;
        return oj_fail(err, ENOMEM, "write %s/%s", dir, file);
    }
    oj_debug("cgroup: write \"%s\" to %s", value, path);
    if (cg && cg->trace)
        sb_printf(cg->trace, "%s %s\n", path, value);
    /* One write(2) carries the whole value: cgroupfs parses each write
     * separately, so no stdio buffering and no O_TRUNC games. */
    _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return oj_fail(err, errno, "write %.200s to %s", value, path);
    ssize_t w;
    do
        w = write(fd, value, (size_t)n);
    while (w < 0 && errno == EINTR);
    if (w < 0)
        return oj_fail(err, errno, "write %.200s to %s", value, path);
    if (w != n)
        return oj_fail(err, EIO, "write %.200s to %s: short write", value, path);
    return 0;
}

int oj_cg_read(const char *dir, const char *file, char **out, struct oj_err *err)
{
    _cleanup_free_ char *path = NULL;
    if (asprintf(&path, "%s/%s", dir, file) < 0) {
        path = NULL;
        return oj_fail(err, ENOMEM, "read %s/%s", dir, file);
    }
    return oj_read_file(path, 4 << 20, out, NULL, err);
}

int oj_cg_read_u64(const char *dir, const char *file, uint64_t *out, struct oj_err *err)
{
    _cleanup_free_ char *text = NULL;
    if (oj_cg_read(dir, file, &text, err) < 0)
        return -1;
    text[strcspn(text, "\n")] = '\0';
    if (strcmp(text, "max") == 0) {
        *out = OJ_CGROUP_UNLIMITED;
        return 0;
    }
    int64_t v;
    if (oj_parse_u64(text, out) == 0)
        return 0;
    if (oj_parse_i64(text, &v) == 0 && v == -1) { /* v1 "unlimited" quota etc. */
        *out = OJ_CGROUP_UNLIMITED;
        return 0;
    }
    return oj_fail(err, 0, "read %s/%s: not a number: \"%.40s\"", dir, file, text);
}

bool oj_cg_exists(const char *dir, const char *file)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
        return false;
    return access(path, F_OK) == 0;
}

int oj_cg_kv(const char *text, const char *key, uint64_t *out)
{
    size_t klen = strlen(key);
    for (const char *p = text; p && *p;) {
        const char *eol = strchr(p, '\n');
        if (strncmp(p, key, klen) == 0 && p[klen] == ' ') {
            char num[32];
            const char *v = p + klen + 1;
            size_t len = eol ? (size_t)(eol - v) : strlen(v);
            if (len == 0 || len >= sizeof(num))
                return -1;
            memcpy(num, v, len);
            num[len] = '\0';
            return oj_parse_u64(num, out);
        }
        p = eol ? eol + 1 : NULL;
    }
    return -1;
}

int oj_cg_kv_all(const char *text, struct oj_cgroup_kv **kv, size_t *n, struct oj_err *err)
{
    for (const char *p = text; p && *p;) {
        const char *eol = strchr(p, '\n');
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        const char *sp = memchr(p, ' ', len);
        if (sp && sp > p) {
            char num[32];
            size_t vlen = len - (size_t)(sp + 1 - p);
            uint64_t v;
            if (vlen > 0 && vlen < sizeof(num)) {
                memcpy(num, sp + 1, vlen);
                num[vlen] = '\0';
                if (oj_parse_u64(num, &v) == 0) {
                    struct oj_cgroup_kv *nk = realloc(*kv, (*n + 1) * sizeof(**kv));
                    if (!nk)
                        return oj_fail(err, ENOMEM, "parse cgroup statistics");
                    *kv = nk;
                    nk[*n].key = strndup(p, (size_t)(sp - p));
                    nk[*n].value = v;
                    if (!nk[*n].key)
                        return oj_fail(err, ENOMEM, "parse cgroup statistics");
                    (*n)++;
                }
            }
        }
        p = eol ? eol + 1 : NULL;
    }
    return 0;
}
