/* SPDX-License-Identifier: Apache-2.0 */
/* Small file and string helpers shared by the runtime, the shim and tests. */
#ifndef OJRUN_UTIL_H
#define OJRUN_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

/* Read a whole file (at most `max` bytes; larger is an EFBIG error).  The
 * buffer is NUL-terminated; `*len` (may be NULL) gets the length. */
int oj_read_file(const char *path, size_t max, char **out, size_t *len, struct oj_err *err);
int oj_read_file_at(int dirfd, const char *path, size_t max, char **out, size_t *len,
                    struct oj_err *err);

/* Write `len` bytes to an existing file (no O_CREAT, no O_TRUNC): for /proc
 * and cgroupfs control files, where one write() must carry the whole value. */
int oj_write_file(const char *path, const char *data, size_t len, struct oj_err *err);
int oj_write_file_at(int dirfd, const char *path, const char *data, size_t len,
                     struct oj_err *err);

/* Create/replace `path` atomically: write "<path>.tmp.<pid>", fsync-free
 * (state lives on tmpfs), rename over `path`. */
int oj_write_file_atomic(const char *path, const char *data, size_t len, mode_t mode,
                         struct oj_err *err);

/* mkdir -p; existing directories are fine. */
int oj_mkdir_p(const char *path, mode_t mode, struct oj_err *err);

/* write()/read() that retry on EINTR and short counts. */
ssize_t oj_write_all(int fd, const void *buf, size_t len);
ssize_t oj_read_all(int fd, void *buf, size_t len);

/* Parse a non-negative decimal integer in full ("12x", "", "-1" and
 * overflow are errors).  Returns 0 or -1. */
int oj_parse_u64(const char *s, uint64_t *out);
int oj_parse_i64(const char *s, int64_t *out);

/* Container IDs: [A-Za-z0-9][A-Za-z0-9_+.-]{0,1023} (runc's rule, with a
 * length limit).  Returns 0 or -1 with err "invalid container id ...". */
int oj_validate_id(const char *id, struct oj_err *err);

#endif
