/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A fast non-cryptographic 64-bit hash (the XXH64 algorithm by Yann Collet,
 * implemented here from its published description).  ojrun uses it for cache
 * keys and checksums, never for security: whoever relies on a hashed value
 * must also compare the data itself (see seccomp_cache.c).
 */
#ifndef OJRUN_HASH_H
#define OJRUN_HASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t oj_hash64(const void *data, size_t len, uint64_t seed);

#endif
