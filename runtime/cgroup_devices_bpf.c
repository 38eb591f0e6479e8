/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cgroup v2 device controller: an eBPF program.
 *
 * cgroup v2 has no devices.allow file.  Instead a BPF_PROG_TYPE_CGROUP_DEVICE
 * program attached to the cgroup (attach type BPF_CGROUP_DEVICE) is run on
 * every open(2)/mknod(2) of a device node and returns 1 to allow, 0 to deny
 * (cgroup-v2.rst "Device controller", bpf(2), include/uapi/linux/bpf.h).
 * Its context is struct bpf_cgroup_dev_ctx:
 *
 *   u32 access_type;   (access << 16) | type, access = BPF_DEVCG_ACC_{MKNOD,READ,WRITE},
 *                      type = BPF_DEVCG_DEV_{BLOCK,CHAR}
 *   u32 major, minor;
 *
 * We emit the program ourselves (no libbpf, no compiler), as runc and crun
 * do.  Rules are tested from the last to the first and the first match
 * decides, which gives "a later rule overrides an earlier one"; no match
 * denies, as after v1's "deny a":
 *
 *      r2 = ctx->access_type & 0xffff      device type
 *      r3 = ctx->access_type >> 16         requested access
 *      r4 = ctx->major
 *      r5 = ctx->minor
 *   rule N:
 *      if w2 != TYPE goto rule N-1         (omitted for type "a")
 *      w1 = w3; w1 &= ~ACCESS
 *      if w1 != 0 goto rule N-1            (asks for more than the rule covers; omitted for "rwm")
 *      if w4 != MAJOR goto rule N-1        (omitted for a wildcard)
 *      if w5 != MINOR goto rule N-1        (omitted for a wildcard)
 *      r0 = ALLOW; exit
 *   ...
 *      r0 = 0; exit
 *
 * A rule without any test matches everything: the verifier refuses
 * unreachable instructions, so emission stops there.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgroup_internal.h"
#include "cleanup.h"

static struct bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
    return (struct bpf_insn){.code = code, .dst_reg = dst, .src_reg = src, .off = off, .imm = imm};
}

/* the few instruction forms we need */
#define LDX_W(dst, src, off)  insn(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0)
#define ALU32_K(op, dst, imm) insn(BPF_ALU | (op) | BPF_K, dst, 0, 0, imm)
#define MOV32_R(dst, src)     insn(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0)
#define MOV64_K(dst, imm)     insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm)
/* 32-bit compare (BPF_JMP32, 5.1+): majors/minors are u32, imm is s32 */
#define JNE32_K(dst, imm, off) insn(BPF_JMP32 | BPF_JNE | BPF_K, dst, 0, off, imm)
#define EXIT()                 insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

enum { R0, R1, R2, R3, R4, R5 };

static int access_mask(const char *access)
{
    int m = 0;
    for (const char *p = access; *p; p++)
        m |= *p == 'r' ? BPF_DEVCG_ACC_READ : *p == 'w' ? BPF_DEVCG_ACC_WRITE : BPF_DEVCG_ACC_MKNOD;
    return m;
}

int oj_cg_bpf_devices_program(const struct oj_device_cgroup *rules, size_t n,
                              struct bpf_insn **insns, size_t *n_insns, struct oj_err *err)
{
    /* 6 prologue + at most 8 per rule + 2 */
    struct bpf_insn *p = calloc(6 + 8 * n + 2, sizeof(*p));
    if (!p)
        return oj_fail(err, ENOMEM, "build device program");
    size_t k = 0;
    p[k++] = LDX_W(R2, R1, 0);
    p[k++] = ALU32_K(BPF_AND, R2, 0xffff);
    p[k++] = LDX_W(R3, R1, 0);
    p[k++] = ALU32_K(BPF_RSH, R3, 16);
    p[k++] = LDX_W(R4, R1, 4);
    p[k++] = LDX_W(R5, R1, 8);

    bool open_end = true; /* is the end still reachable? */
    for (size_t i = n; i-- > 0;) {
        const struct oj_device_cgroup *r = &rules[i];
        size_t jumps[4], nj = 0;
        if (r->type == 'b' || r->type == 'c') {
            jumps[nj++] = k;
            p[k++] = JNE32_K(R2, r->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR, 0);
        }
        int acc = access_mask(r->access ? r->access : "rwm");
        int all = BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD;
        if ((acc & all) != all) {
            p[k++] = MOV32_R(R1, R3);
            p[k++] = ALU32_K(BPF_AND, R1, ~acc & all);
            jumps[nj++] = k;
            p[k++] = JNE32_K(R1, 0, 0);
        }
        if (r->major.set) {
            jumps[nj++] = k;
            p[k++] = JNE32_K(R4, (int32_t)(uint32_t)r->major.v, 0);
        }
        if (r->minor.set) {
            jumps[nj++] = k;
            p[k++] = JNE32_K(R5, (int32_t)(uint32_t)r->minor.v, 0);
        }
        p[k++] = MOV64_K(R0, r->allow ? 1 : 0);
        p[k++] = EXIT();
        /* each failed test jumps to the next block, right after this one */
        for (size_t j = 0; j < nj; j++)
            p[jumps[j]].off = (int16_t)(k - jumps[j] - 1);
        if (nj == 0) {
            open_end = false;
            break;
        }
    }
    if (open_end) {
        p[k++] = MOV64_K(R0, 0);
        p[k++] = EXIT();
    }
    *insns = p;
    *n_insns = k;
    return 0;
}

static long sys_bpf(int cmd, union bpf_attr *attr)
{
    return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static int load(const struct bpf_insn *insns, size_t n, struct oj_err *err)
{
    union bpf_attr attr;
    memset(&attr, 0, sizeof(attr));
    attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    attr.insns = (uint64_t)(uintptr_t)insns;
    attr.insn_cnt = (uint32_t)n;
    /* no GPL-only helpers are called: any license string is accepted */
    attr.license = (uint64_t)(uintptr_t) "Apache-2.0";
    int fd = (int)sys_bpf(BPF_PROG_LOAD, &attr);
    if (fd >= 0)
        return fd;
    int e = errno;
    if (e != EINVAL && e != EACCES)
        return oj_fail(err, e, "load device cgroup program (%zu instructions)", n);
    /* again with the verifier's log, to say why */
    static char log[4096];
    log[0] = '\0';
    attr.log_buf = (uint64_t)(uintptr_t)log;
    attr.log_size = sizeof(log);
    attr.log_level = 1;
    fd = (int)sys_bpf(BPF_PROG_LOAD, &attr);
    if (fd >= 0)
        return fd;
    size_t len = strlen(log);
    while (len > 0 && log[len - 1] == '\n')
        log[--len] = '\0';
    const char *last = strrchr(log, '\n');
    return oj_fail(err, e, "load device cgroup program: verifier: %.200s", last ? last + 1 : log);
}

int oj_cg_bpf_devices_apply(const char *dir, const struct oj_device_cgroup *rules, size_t n,
                            struct oj_err *err)
{
    _cleanup_free_ struct bpf_insn *insns = NULL;
    size_t n_insns;
    if (oj_cg_bpf_devices_program(rules, n, &insns, &n_insns, err) < 0)
        return -1;
    _cleanup_close_ int prog = load(insns, n_insns, err);
    if (prog < 0)
        return -1;
    _cleanup_close_ int cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (cgfd < 0)
        return oj_fail(err, errno, "open cgroup %s", dir);

    /* The programs attached to this cgroup now (ours, from create or an
     * earlier update), to detach once the new one is in place: attaching
     * first means no moment without a filter. */
    uint32_t ids[64];
    union bpf_attr q;
    memset(&q, 0, sizeof(q));
    q.query.target_fd = (uint32_t)cgfd;
    q.query.attach_type = BPF_CGROUP_DEVICE;
    q.query.prog_ids = (uint64_t)(uintptr_t)ids;
    q.query.prog_cnt = OJ_ARRAY_SIZE(ids);
    if (sys_bpf(BPF_PROG_QUERY, &q) < 0)
        return oj_fail(err, errno, "query device programs of cgroup %s", dir);
    uint32_t n_old = q.query.prog_cnt;
    /* An existing program attached without BPF_F_ALLOW_MULTI (by another
     * runtime) can only be replaced by another such attach. */
    bool multi = n_old == 0 || (q.query.attach_flags & BPF_F_ALLOW_MULTI);

    union bpf_attr a;
    memset(&a, 0, sizeof(a));
    a.target_fd = (uint32_t)cgfd;
    a.attach_bpf_fd = (uint32_t)prog;
    a.attach_type = BPF_CGROUP_DEVICE;
    a.attach_flags = multi ? BPF_F_ALLOW_MULTI : 0;
    if (sys_bpf(BPF_PROG_ATTACH, &a) < 0)
        return oj_fail(err, errno, "attach device program to cgroup %s", dir);
    if (!multi)
        return 0;
    for (uint32_t i = 0; i < n_old && i < OJ_ARRAY_SIZE(ids); i++) {
        union bpf_attr g;
        memset(&g, 0, sizeof(g));
        g.prog_id = ids[i];
        _cleanup_close_ int old = (int)sys_bpf(BPF_PROG_GET_FD_BY_ID, &g);
        if (old < 0)
            return oj_fail(err, errno, "replace device program %u of cgroup %s", ids[i], dir);
        union bpf_attr d;
        memset(&d, 0, sizeof(d));
        d.target_fd = (uint32_t)cgfd;
        d.attach_bpf_fd = (uint32_t)old;
        d.attach_type = BPF_CGROUP_DEVICE;
        if (sys_bpf(BPF_PROG_DETACH, &d) < 0 && errno != ENOENT)
            return oj_fail(err, errno, "detach device program %u from cgroup %s", ids[i], dir);
    }
    return 0;
}
