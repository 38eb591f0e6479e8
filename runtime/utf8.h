/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Strict UTF-8 (RFC 3629, section 4): what the JSON pre-scanner accepts
 * (json_scan.c) and what the JSON writer copies unchanged (strbuf.c).
 */
#ifndef OJRUN_UTF8_H
#define OJRUN_UTF8_H

#include <stddef.h>

/* Length (2..4) of the well-formed multi-byte sequence at s, of which
 * `left` >= 1 bytes are readable, or 0 when s[0] does not start one: a
 * continuation byte, 0xC0/0xC1 and 0xF5..0xFF (never valid), an overlong
 * form, a surrogate (U+D800..U+DFFF), a code point above U+10FFFF, or a
 * sequence cut short.  ASCII (s[0] < 0x80) also gives 0: callers handle it
 * before.  The checks are those of Go's unicode/utf8 (DecodeRune's "accept
 * ranges"), so that a byte refused here is a byte runc's encoding/json
 * replaces with U+FFFD. */
size_t oj_utf8_seq_len(const unsigned char *s, size_t left);

#endif
