/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ENOSYS for the syscalls a seccomp profile cannot know about.
 *
 * A profile lists the syscalls its author knew.  With a non-permissive
 * default (an allow list ending in ERRNO(EPERM) or KILL), every syscall
 * added to the kernel later gets that default -- and programs that probe a
 * new syscall and fall back when the kernel lacks it (glibc's clone3 and
 * faccessat2, systemd's close_range) only fall back on ENOSYS: EPERM makes
 * them fail.  So, as runc's patchbpf package does, a short program runs
 * before the compiled filter and answers ERRNO(ENOSYS) for:
 *
 *   - a syscall number above the highest one the profile names for that
 *     architecture (the profile predates it: runc's rule, and what the
 *     kernel would say if it were as old as the profile);
 *   - on the native architecture, a number at or below it that libseccomp's
 *     table has no name for (a hole in the table, 335-423 on x86_64: the
 *     kernel has no such syscall either, so ENOSYS is what it would say).
 *
 * Everything else falls through to the profile's own program unchanged.
 * Nothing is added when the default is permissive (ALLOW, LOG, TRACE: the
 * kernel answers ENOSYS itself, or the tracer decides) or already
 * ERRNO(ENOSYS), again as runc.  The check is per architecture
 * (seccomp_data.arch); x32 shares x86_64's audit architecture and is told
 * apart by bit 30 of the number (__X32_SYSCALL_BIT).
 *
 * The layout, with all jumps forward and short (the stub stays far below
 * 255 instructions):
 *
 *       ld  [arch]
 *       jeq ARCH_1 -> S_1   ...   jeq ARCH_n -> S_n
 *       ja  FILTER
 *   S_k: ld [nr]
 *       (x86_64)  jset 0x40000000 -> X32_k
 *       (holes)   jge LO -> next check ... jgt HI -> next range else ENOSYS
 *       jgt MAX_k -> ENOSYS
 *       ja  FILTER
 *   X32_k: jgt MAX_x32 -> ENOSYS else FILTER   (or ja FILTER: no x32)
 *   ENOSYS: ret ERRNO(ENOSYS)
 *   FILTER: the compiled profile
 */
#include "oj_seccomp.h"

#include <errno.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

#define X32_BIT 0x40000000u
/* Hole ranges kept for the native architecture; more would only come from
 * a strange libseccomp table, and the rest then get the profile's default. */
#define MAX_HOLES 16
#define MAX_ARCHES 20
#define STUB_MAX 240 /* conditional jumps reach 255 instructions */

struct arch_limits {
    uint32_t audit;   /* seccomp_data.arch */
    int64_t max;      /* highest number the profile names; -1: none */
    int64_t x32_max;  /* x86_64 only: the same for x32 (bit 30 included), -1: none */
    bool x32_seen;    /* x32 is among the filter's architectures */
    uint32_t holes[MAX_HOLES][2];
    size_t n_holes;
};

static bool permissive(uint32_t act)
{
    return act == SCMP_ACT_ALLOW || act == SCMP_ACT_LOG || (act & 0xffff0000u) == SCMP_ACT_TRACE(0);
}

/* The highest syscall number of the profile's names on `arch`. */
static int64_t highest_named(const struct oj_seccomp *sc, uint32_t arch)
{
    int64_t max = -1;
    for (size_t i = 0; i < sc->n_syscalls; i++)
        for (size_t j = 0; j < sc->syscalls[i].n_names; j++) {
            const char *name = sc->syscalls[i].names[j];
            int nr = name ? seccomp_syscall_resolve_name_arch(arch, name) : __NR_SCMP_ERROR;
            if (nr >= 0 && nr > max) /* negative: unknown, or a pseudo-syscall */
                max = nr;
        }
    return max;
}

/* The numbers 0..max without a name in libseccomp's table for `arch`. */
static void find_holes(uint32_t arch, int64_t max, struct arch_limits *a)
{
    int64_t start = -1;
    for (int64_t nr = 0; nr <= max + 1; nr++) {
        char *name = nr <= max ? seccomp_syscall_resolve_num_arch(arch, (int)nr) : NULL;
        bool hole = nr <= max && !name;
        free(name);
        if (hole && start < 0)
            start = nr;
        if (!hole && start >= 0) {
            if (a->n_holes == MAX_HOLES)
                return;
            a->holes[a->n_holes][0] = (uint32_t)start;
            a->holes[a->n_holes][1] = (uint32_t)(nr - 1);
            a->n_holes++;
            start = -1;
        }
    }
}

/* Fill `v` with the architectures of the filter (native first) and their
 * limits; returns how many. */
static size_t collect(const struct oj_seccomp *sc, struct arch_limits *v)
{
    uint32_t native = seccomp_arch_native();
    uint32_t tokens[MAX_ARCHES + 1];
    size_t n_tokens = 0;
    tokens[n_tokens++] = native;
    for (size_t i = 0; i < sc->n_architectures && n_tokens <= MAX_ARCHES; i++) {
        bool dup = false;
        for (size_t k = 0; k < n_tokens; k++)
            dup |= tokens[k] == sc->architectures[i];
        if (!dup)
            tokens[n_tokens++] = sc->architectures[i];
    }
    size_t n = 0;
    for (size_t t = 0; t < n_tokens; t++) {
        uint32_t tok = tokens[t];
        /* x32's token is not an audit architecture: it is x86_64's, with
         * bit 30 set in the number */
        uint32_t audit = tok == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : tok;
        struct arch_limits *a = NULL;
        for (size_t k = 0; k < n; k++)
            if (v[k].audit == audit)
                a = &v[k];
        if (!a) {
            a = &v[n++];
            memset(a, 0, sizeof(*a));
            a->audit = audit;
            a->max = a->x32_max = -1;
        }
        int64_t max = highest_named(sc, tok);
        if (tok == SCMP_ARCH_X32) {
            a->x32_seen = true;
            a->x32_max = max;
        } else {
            a->max = max;
            if (tok == native && max >= 0)
                find_holes(tok, max, a);
        }
    }
    return n;
}

struct stub {
    struct sock_filter insn[STUB_MAX];
    size_t n;
};

static void emit(struct stub *s, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
    if (s->n < STUB_MAX)
        s->insn[s->n] = (struct sock_filter){code, jt, jf, k};
    s->n++;
}

/* Jump offsets are relative to the next instruction. */
static uint8_t rel(size_t from, size_t to)
{
    return (uint8_t)(to - from - 1);
}

/* The section of one architecture, starting at s->n; `enosys` and
 * `filter` are the absolute indices of the two exits. */
static void emit_section(struct stub *s, const struct arch_limits *a, size_t enosys, size_t filter)
{
    emit(s, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, nr));
    bool x86_64 = a->audit == AUDIT_ARCH_X86_64;
    /* the instructions of this section after the jset, to find X32 */
    size_t body = 2 * a->n_holes + (a->max >= 0 ? 1 : 0) + 1;
    if (x86_64) {
        size_t at = s->n;
        emit(s, BPF_JMP | BPF_JSET | BPF_K, rel(at, at + 1 + body), 0, X32_BIT);
    }
    for (size_t h = 0; h < a->n_holes; h++) {
        size_t at = s->n;
        /* below the range: on to the next check; inside: ENOSYS */
        emit(s, BPF_JMP | BPF_JGE | BPF_K, 0, 1, a->holes[h][0]);
        emit(s, BPF_JMP | BPF_JGT | BPF_K, 0, rel(at + 1, enosys), a->holes[h][1]);
    }
    if (a->max >= 0) {
        size_t at = s->n;
        emit(s, BPF_JMP | BPF_JGT | BPF_K, rel(at, enosys), 0, (uint32_t)a->max);
    }
    emit(s, BPF_JMP | BPF_JA, 0, 0, (uint32_t)(filter - s->n - 1));
    if (x86_64) {
        size_t at = s->n;
        if (a->x32_seen && a->x32_max >= 0)
            emit(s, BPF_JMP | BPF_JGT | BPF_K, rel(at, enosys), rel(at, filter),
                 (uint32_t)a->x32_max);
        else /* x32 not filtered by the profile: its own bad-arch action */
            emit(s, BPF_JMP | BPF_JA, 0, 0, (uint32_t)(filter - at - 1));
    }
}

static size_t section_len(const struct arch_limits *a)
{
    bool x86_64 = a->audit == AUDIT_ARCH_X86_64;
    return 1 + (x86_64 ? 1 : 0) + 2 * a->n_holes + (a->max >= 0 ? 1 : 0) + 1 + (x86_64 ? 1 : 0);
}

int oj_seccomp_enosys_stub(const struct oj_seccomp *sc, uint32_t default_act, struct oj_bpf *prog,
                           struct oj_err *err)
{
    if (permissive(default_act) || default_act == SCMP_ACT_ERRNO(ENOSYS))
        return 0;
    struct arch_limits arches[MAX_ARCHES + 1];
    size_t n = collect(sc, arches);
    /* an architecture the profile names nothing for keeps its default,
     * as under runc */
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (arches[i].max >= 0 || arches[i].x32_max >= 0)
            arches[k++] = arches[i];
    n = k;
    if (n == 0)
        return 0;

    size_t len = 1 + n + 1;
    for (size_t i = 0; i < n; i++)
        len += section_len(&arches[i]);
    size_t enosys = len, filter = len + 1;
    if (filter > STUB_MAX)
        return oj_fail(err, E2BIG, "linux.seccomp: the ENOSYS stub would need %zu instructions",
                       filter);

    struct stub s = {.n = 0};
    emit(&s, BPF_LD | BPF_W | BPF_ABS, 0, 0, offsetof(struct seccomp_data, arch));
    size_t start = 1 + n + 1;
    for (size_t i = 0; i < n; i++) {
        size_t at = s.n;
        emit(&s, BPF_JMP | BPF_JEQ | BPF_K, rel(at, start), 0, arches[i].audit);
        start += section_len(&arches[i]);
    }
    emit(&s, BPF_JMP | BPF_JA, 0, 0, (uint32_t)(filter - s.n - 1));
    for (size_t i = 0; i < n; i++)
        emit_section(&s, &arches[i], enosys, filter);
    emit(&s, BPF_RET | BPF_K, 0, 0, SCMP_ACT_ERRNO(ENOSYS));
    if (s.n != filter)
        return oj_fail(err, EINVAL, "linux.seccomp: ENOSYS stub: %zu instructions, expected %zu",
                       s.n, filter);

    size_t total = s.n + prog->len;
    if (total > BPF_MAXINSNS)
        return oj_fail(err, E2BIG,
                       "linux.seccomp: the compiled filter has %zu instructions, more than the "
                       "kernel accepts (%d)",
                       total, BPF_MAXINSNS);
    struct sock_filter *insns = malloc(total * sizeof(*insns));
    if (!insns)
        return oj_fail(err, ENOMEM, "linux.seccomp: ENOSYS stub");
    memcpy(insns, s.insn, s.n * sizeof(*insns));
    memcpy(insns + s.n, prog->insns, prog->len * sizeof(*insns));
    free(prog->insns);
    prog->insns = insns;
    prog->len = total;
    oj_debug("seccomp: ENOSYS stub of %zu instructions for %zu architecture(s)", s.n, n);
    return 0;
}
