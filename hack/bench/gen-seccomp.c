/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Print the benchmark's seccomp profile as the "linux.seccomp" object of a
 * config.json: the ~420-rule Docker-like profile that the unit tests build
 * (tests/unit/seccomp_profile.h), so the benchmark and the seccomp cache
 * tests measure the same thing.  One rule per syscall name, as the tests
 * build it: that is the expensive shape for a compiler (runc and crun
 * compile it on every run; ojrun compiles it once into its cache).
 *
 *   gen-seccomp > seccomp.json
 */
#include <seccomp.h>
#include <stdio.h>

#include "../../tests/unit/seccomp_profile.h"
#include "strbuf.h"

static const char *action_name(uint32_t action)
{
    switch (action) {
    case SCMP_ACT_ALLOW:
        return "SCMP_ACT_ALLOW";
    case SCMP_ACT_ERRNO(0):
        return "SCMP_ACT_ERRNO";
    case SCMP_ACT_KILL_PROCESS:
        return "SCMP_ACT_KILL_PROCESS";
    case SCMP_ACT_KILL_THREAD:
        return "SCMP_ACT_KILL";
    case SCMP_ACT_TRAP:
        return "SCMP_ACT_TRAP";
    case SCMP_ACT_LOG:
        return "SCMP_ACT_LOG";
    default:
        return NULL;
    }
}

static const char *arch_name(uint32_t arch)
{
    switch (arch) {
    case SCMP_ARCH_X86_64:
        return "SCMP_ARCH_X86_64";
    case SCMP_ARCH_X86:
        return "SCMP_ARCH_X86";
    case SCMP_ARCH_X32:
        return "SCMP_ARCH_X32";
    case SCMP_ARCH_AARCH64:
        return "SCMP_ARCH_AARCH64";
    case SCMP_ARCH_ARM:
        return "SCMP_ARCH_ARM";
    default:
        return NULL;
    }
}

static const char *const op_names[] = {
    [OJ_SECCOMP_OP_NE] = "SCMP_CMP_NE",
    [OJ_SECCOMP_OP_LT] = "SCMP_CMP_LT",
    [OJ_SECCOMP_OP_LE] = "SCMP_CMP_LE",
    [OJ_SECCOMP_OP_EQ] = "SCMP_CMP_EQ",
    [OJ_SECCOMP_OP_GE] = "SCMP_CMP_GE",
    [OJ_SECCOMP_OP_GT] = "SCMP_CMP_GT",
    [OJ_SECCOMP_OP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

int main(void)
{
    struct oj_seccomp sc;
    prof_docker_like(&sc);
    struct jw w;
    jw_init(&w, true);
    jw_obj_begin(&w);
    const char *def = action_name(sc.default_action);
    if (!def) {
        fprintf(stderr, "gen-seccomp: unknown default action %#x\n", sc.default_action);
        return 1;
    }
    jw_kstr(&w, "defaultAction", def);
    if (sc.default_errno_ret.set)
        jw_kuint(&w, "defaultErrnoRet", sc.default_errno_ret.v);
    jw_key(&w, "architectures");
    jw_arr_begin(&w);
    for (size_t i = 0; i < sc.n_architectures; i++) {
        const char *a = arch_name(sc.architectures[i]);
        if (!a) {
            fprintf(stderr, "gen-seccomp: unknown architecture %#x\n", sc.architectures[i]);
            return 1;
        }
        jw_str(&w, a);
    }
    jw_arr_end(&w);
    jw_key(&w, "syscalls");
    jw_arr_begin(&w);
    for (size_t i = 0; i < sc.n_syscalls; i++) {
        const struct oj_seccomp_rule *r = &sc.syscalls[i];
        const char *act = action_name(r->action);
        if (!act) {
            fprintf(stderr, "gen-seccomp: rule %zu: unknown action %#x\n", i, r->action);
            return 1;
        }
        jw_obj_begin(&w);
        jw_key(&w, "names");
        jw_arr_begin(&w);
        for (size_t j = 0; j < r->n_names; j++)
            jw_str(&w, r->names[j]);
        jw_arr_end(&w);
        jw_kstr(&w, "action", act);
        if (r->errno_ret.set)
            jw_kuint(&w, "errnoRet", r->errno_ret.v);
        if (r->n_args) {
            jw_key(&w, "args");
            jw_arr_begin(&w);
            for (size_t j = 0; j < r->n_args; j++) {
                jw_obj_begin(&w);
                jw_kuint(&w, "index", r->args[j].index);
                jw_kuint(&w, "value", r->args[j].value);
                if (r->args[j].value_two)
                    jw_kuint(&w, "valueTwo", r->args[j].value_two);
                jw_kstr(&w, "op", op_names[r->args[j].op]);
                jw_obj_end(&w);
            }
            jw_arr_end(&w);
        }
        jw_obj_end(&w);
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    prof_free(&sc);
    if (w.sb.oom) {
        fprintf(stderr, "gen-seccomp: out of memory\n");
        return 1;
    }
    fputs(sb_str(&w.sb), stdout);
    fputc('\n', stdout);
    return fflush(stdout) == 0 ? 0 : 1;
}
