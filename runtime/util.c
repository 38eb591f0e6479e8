/* SPDX-License-Identifier: Apache-2.0 */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

ssize_t oj_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        left -= (size_t)w;
    }
    return (ssize_t)len;
}

ssize_t oj_read_all(int fd, void *buf, size_t len)
{
    char *p = buf;
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(fd, p + got, len - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

int oj_read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *len,
                    struct oj_err *err)
{
    _cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return oj_fail(err, errno, "open %s", path);
    size_t cap = 4096, n = 0;
    _cleanup_free_ char *buf = malloc(cap);
    if (!buf)
        return oj_fail(err, ENOMEM, "read %s", path);
    for (;;) {
        if (n + 1 >= cap) {
            if (cap > max + 1)
                break;
            size_t ncap = cap * 2;
            char *nb = realloc(buf, ncap);
            if (!nb)
                return oj_fail(err, ENOMEM, "read %s", path);
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return oj_fail(err, errno, "read %s", path);
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > max)
            return oj_fail(err, EFBIG, "read %s: larger than %zu bytes", path, max);
    }
    if (n > max)
        return oj_fail(err, EFBIG, "read %s: larger than %zu bytes", path, max);
    buf[n] = '\0';
    if (len)
        *len = n;
    *out = oj_steal_ptr(&buf);
    return 0;
}

int oj_read_file(const char *path, size_t max, char **out, size_t *len, struct oj_err *err)
{
    return oj_read_file_at(AT_FDCWD, path, max, out, len, err);
}

int oj_write_file_at(int dirfd, const char *path, const char *data, size_t len,
                     struct oj_err *err)
{
    _cleanup_close_ int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return oj_fail(err, errno, "open %s", path);
    ssize_t w;
    do
        w = write(fd, data, len);
    while (w < 0 && errno == EINTR);
    if (w < 0)
        return oj_fail(err, errno, "write %.*s to %s", (int)(len > 64 ? 64 : len), data, path);
    if ((size_t)w != len)
        return oj_fail(err, EIO, "write %s: short write", path);
    return 0;
}

int oj_write_file(const char *path, const char *data, size_t len, struct oj_err *err)
{
    return oj_write_file_at(AT_FDCWD, path, data, len, err);
}

int oj_write_file_atomic(const char *path, const char *data, size_t len, mode_t mode,
                         struct oj_err *err)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp))
        return oj_fail(err, ENAMETOOLONG, "write %s", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0)
        return oj_fail(err, errno, "create %s", tmp);
    if (oj_write_all(fd, data, len) < 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return oj_fail(err, e, "write %s", tmp);
    }
    if (close(fd) < 0) {
        int e = errno;
        unlink(tmp);
        return oj_fail(err, e, "close %s", tmp);
    }
    if (rename(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        return oj_fail(err, e, "rename %s to %s", tmp, path);
    }
    return 0;
}

int oj_mkdir_p(const char *path, mode_t mode, struct oj_err *err)
{
    char buf[PATH_MAX];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof(buf))
        return oj_fail(err, ENAMETOOLONG, "mkdir %s", path);
    memcpy(buf, path, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, mode) < 0 && errno != EEXIST)
            return oj_fail(err, errno, "mkdir %s", buf);
        *p = '/';
    }
    if (mkdir(buf, mode) < 0 && errno != EEXIST)
        return oj_fail(err, errno, "mkdir %s", buf);
    return 0;
}

int oj_parse_u64(const char *s, uint64_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

int oj_parse_i64(const char *s, int64_t *out)
{
    if (!s || !*s)
        return -1;
    errno = 0;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || end == s)
        return -1;
    *out = v;
    return 0;
}

int oj_validate_id(const char *id, struct oj_err *err)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0)
        return oj_fail(err, 0, "invalid container id: empty");
    if (n > 1024)
        return oj_fail(err, 0, "invalid container id: longer than 1024 characters");
    for (size_t i = 0; i < n; i++) {
        char c = id[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (alnum || (i > 0 && (c == '_' || c == '+' || c == '.' || c == '-')))
            continue;
        return oj_fail(err, 0, "invalid container id \"%.64s\": use [A-Za-z0-9][A-Za-z0-9_+.-]*",
                       id);
    }
    return 0;
}
