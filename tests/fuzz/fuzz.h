/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the fuzz targets in tests/fuzz/.
 *
 * Each target defines one `static int fuzz_<name>(const uint8_t *, size_t)`
 * and ends with FUZZ_ENTRY(fuzz_<name>), which becomes libFuzzer's
 * LLVMFuzzerTestOneInput when built by `make fuzz` (clang,
 * -fsanitize=fuzzer).  tests/unit/test_fuzz_replay.c defines
 * OJ_FUZZ_NO_ENTRY and #includes every target, so that the seed corpus and
 * every past finding (tests/fuzz/corpus/<target>/) are replayed by
 * `make check` -- with gcc, and under ASan+UBSan in the SAN=1 part.
 *
 * Beyond "does not crash", targets check the properties every caller relies
 * on; a violation aborts, which both libFuzzer and the replay test report.
 */
#ifndef OJRUN_FUZZ_H
#define OJRUN_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, #cond);          \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* An error reported to a user: one non-empty line, NUL-terminated in its
 * buffer (commands print it as "ojrun: <cmd> <id>: <msg>"). */
static inline void fuzz_check_err(const struct oj_err *err)
{
    size_t n = strnlen(err->msg, sizeof(err->msg));
    FUZZ_CHECK(n > 0 && n < sizeof(err->msg));
    FUZZ_CHECK(memchr(err->msg, '\n', n) == NULL);
}

#ifdef OJ_FUZZ_NO_ENTRY
#define FUZZ_ENTRY(fn)
#else
#define FUZZ_ENTRY(fn)                                                                             \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);                                  \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                                   \
    {                                                                                              \
        return fn(data, size);                                                                     \
    }
#endif

#endif
