/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: a whole config.json through oj_config_parse(), then the pure
 * checks `ojrun create` runs on the result before anything exists on disk
 * (mount options, sysctl namespacing, device rules and their cgroup-v2 BPF
 * program, hugetlb page sizes, unified keys, destination clean-up).
 *
 * Properties: an error is one line; a parsed config keeps the conventions of
 * config.h (string arrays NULL-terminated with their count, enums in range).
 */
#include <linux/bpf.h>
#include <limits.h>

#include "cgroup_internal.h"
#include "config.h"
#include "fuzz.h"
#include "mountopt.h"
#include "pathres.h"
#include "sysctl.h"

static void check_strv(char **v, size_t n)
{
    if (n == 0)
        return;
    FUZZ_CHECK(v != NULL);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(v[i] != NULL);
    FUZZ_CHECK(v[n] == NULL);
}

static void check_process(const struct oj_process *p)
{
    check_strv(p->args, p->n_args);
    check_strv(p->env, p->n_env);
    for (size_t i = 0; i < p->n_rlimits; i++)
        FUZZ_CHECK(oj_rlimit_name(p->rlimits[i].resource) != NULL);
}

static void check_mounts(const struct oj_config *cfg)
{
    for (size_t i = 0; i < cfg->n_mounts; i++) {
        const struct oj_mount *m = &cfg->mounts[i];
        FUZZ_CHECK(m->destination != NULL);
        check_strv(m->options, m->n_options);
        char clean[PATH_MAX];
        if (oj_path_clean(m->destination, clean, sizeof(clean)) == 0)
            FUZZ_CHECK(clean[0] == '/' && oj_path_has_prefix(clean, "/"));
        struct oj_mount_opts mo = {0};
        struct oj_err err = {0};
        if (oj_mount_opts_parse(m->options, m->n_options, &mo, &err) < 0)
            fuzz_check_err(&err);
        else
            FUZZ_CHECK(mo.n_propagation <= OJ_MOUNT_MAX_PROPAGATION);
        oj_mount_opts_free(&mo);
    }
}

static void check_resources(const struct oj_resources *r)
{
    struct oj_err err = {0};
    struct oj_device_cgroup *rules = NULL;
    size_t n = 0;
    if (oj_cg_device_rules(r, &rules, &n, &err) < 0) {
        fuzz_check_err(&err);
    } else {
        struct bpf_insn *insns = NULL;
        size_t n_insns = 0;
        if (oj_cg_bpf_devices_program(rules, n, &insns, &n_insns, &err) == 0)
            FUZZ_CHECK(insns != NULL && n_insns > 0);
        else
            fuzz_check_err(&err);
        free(insns);
        for (size_t i = 0; i < n; i++) {
            char text[64];
            oj_cg_device_rule_text(&rules[i], text, sizeof(text));
            FUZZ_CHECK(strlen(text) > 0);
        }
        oj_cg_device_rules_free(rules, n);
    }
    for (size_t i = 0; i < r->n_hugepage_limits; i++)
        if (oj_cg_check_page_size(r->hugepage_limits[i].page_size, &err) < 0)
            fuzz_check_err(&err);
    for (size_t i = 0; i < r->n_unified; i++)
        if (oj_cg_check_unified_key(r->unified[i].key, &err) < 0)
            fuzz_check_err(&err);
}

static int fuzz_config(const uint8_t *data, size_t size)
{
    struct oj_err err = {0};
    struct oj_config *cfg = oj_config_parse((const char *)data, size, &err);
    if (!cfg) {
        fuzz_check_err(&err);
        return 0;
    }
    if (cfg->process)
        check_process(cfg->process);
    check_mounts(cfg);
    for (int k = 0; k < OJ_HOOK_KIND_COUNT; k++)
        for (size_t i = 0; i < cfg->hooks.n[k]; i++) {
            FUZZ_CHECK(cfg->hooks.list[k][i].path != NULL);
            check_strv(cfg->hooks.list[k][i].args, cfg->hooks.list[k][i].n_args);
            check_strv(cfg->hooks.list[k][i].env, cfg->hooks.list[k][i].n_env);
        }
    for (size_t i = 0; i < cfg->linux_.n_namespaces; i++)
        FUZZ_CHECK(cfg->linux_.namespaces[i].type < OJ_NS_COUNT);
    for (int t = 0; t < OJ_NS_COUNT; t++)
        (void)oj_config_namespace(cfg, (enum oj_ns_type)t);
    for (size_t i = 0; i < cfg->n_annotations; i++)
        FUZZ_CHECK(oj_config_annotation(cfg, cfg->annotations[i].key) != NULL);
    if (oj_sysctl_validate(cfg, &err) < 0)
        fuzz_check_err(&err);
    if (cfg->linux_.has_resources)
        check_resources(&cfg->linux_.resources);
    oj_config_free(cfg);
    return 0;
}

FUZZ_ENTRY(fuzz_config)
