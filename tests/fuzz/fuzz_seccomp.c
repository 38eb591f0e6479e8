/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: the linux.seccomp section, from JSON to a BPF program.
 *
 * The input is the *value* of "seccomp"; it is wrapped into a minimal
 * config.json so that the fuzzer spends its time in the section itself.
 * A section the parser accepts goes through oj_seccomp_canonical() (the
 * cache key) and oj_seccomp_compile() (libseccomp), the two translations
 * `ojrun create` performs.
 *
 * Properties: an error is one line; the canonical text is deterministic;
 * a compiled program has 1..BPF_MAXINSNS instructions.
 */
#include <linux/filter.h>

#include "config.h"
#include "fuzz.h"
#include "oj_seccomp.h"
#include "strbuf.h"

static int fuzz_seccomp(const uint8_t *data, size_t size)
{
    static const char head[] = "{\"ociVersion\":\"1.2.0\",\"linux\":{\"seccomp\":";
    static const char tail[] = "}}";
    if (size > 1 << 20)
        return 0;
    char *doc = malloc(sizeof(head) - 1 + size + sizeof(tail));
    if (!doc)
        return 0;
    memcpy(doc, head, sizeof(head) - 1);
    memcpy(doc + sizeof(head) - 1, data, size);
    memcpy(doc + sizeof(head) - 1 + size, tail, sizeof(tail));
    size_t len = sizeof(head) - 1 + size + sizeof(tail) - 1;

    struct oj_err err = {0};
    struct oj_config *cfg = oj_config_parse(doc, len, &err);
    free(doc);
    if (!cfg) {
        fuzz_check_err(&err);
        return 0;
    }
    const struct oj_seccomp *sc = &cfg->linux_.seccomp;
    if (cfg->linux_.has_seccomp) {
        struct strbuf a = {0}, b = {0};
        int ra = oj_seccomp_canonical(sc, &a, &err);
        int rb = oj_seccomp_canonical(sc, &b, &err);
        FUZZ_CHECK(ra == rb);
        if (ra == 0)
            FUZZ_CHECK(a.len == b.len && memcmp(sb_str(&a), sb_str(&b), a.len) == 0);
        else
            fuzz_check_err(&err);
        sb_free(&a);
        sb_free(&b);

        (void)oj_seccomp_uses_notify(sc);
        struct oj_bpf prog = {0};
        if (oj_seccomp_compile(sc, &prog, &err) == 0) {
            FUZZ_CHECK(prog.insns != NULL);
            FUZZ_CHECK(prog.len >= 1 && prog.len <= BPF_MAXINSNS);
        } else {
            fuzz_check_err(&err);
        }
        oj_bpf_free(&prog);
    }
    oj_config_free(cfg);
    return 0;
}

FUZZ_ENTRY(fuzz_seccomp)
