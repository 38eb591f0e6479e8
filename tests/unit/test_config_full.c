/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the config.json parser: the full fixture
 * tests/unit/data/config_full.json sets every field the parser knows (OCI
 * runtime spec 1.0.0 .. 1.2), loaded with oj_config_load; each test asserts
 * the values of one part of struct oj_config.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <cmocka.h>
#include <linux/capability.h>
#include <sched.h>
#include <seccomp.h>

#include "cleanup.h"
#include "config.h"
#include "config_test_helpers.h"

/* --- the full fixture ------------------------------------------------------------------------- */

static void test_full_top_level(void **state)
{
    _cleanup_config_ struct oj_config *c = load_full();
    assert_string_equal(c->oci_version, "1.2.0");
    assert_string_equal(c->root_path, "rootfs");
    assert_true(c->root_readonly);
    assert_string_equal(c->hostname, "judge-1");
    assert_string_equal(c->domainname, "example.org");
    assert_int_equal(c->n_annotations, 2);
    assert_string_equal(c->annotations[0].key, "org.ojrun.judge");
    assert_string_equal(c->annotations[0].value, "yes");
    assert_string_equal(oj_config_annotation(c, "com.example.empty"), "");
    assert_null(oj_config_annotation(c, "missing"));
    assert_true(c->has_linux);
}

static void test_full_mounts(void **state)
{
    _cleanup_config_ struct oj_config *c = load_full();
    assert_int_equal(c->n_mounts, 2);
    struct oj_mount *m = &c->mounts[0];
    assert_string_equal(m->destination, "/proc");
    assert_string_equal(m->type, "proc");
    assert_string_equal(m->source, "proc");
    assert_null(m->options);
    assert_int_equal(m->n_options, 0);
    assert_null(m->uid_mappings);
    m = &c->mounts[1];
    assert_string_equal(m->destination, "/data");
    assert_string_equal(m->type, "bind");
    assert_string_equal(m->source, "/srv/data");
    assert_int_equal(m->n_options, 3);
    assert_string_equal(m->options[0], "rbind");
    assert_string_equal(m->options[2], "nosuid");
    assert_null(m->options[3]);
    assert_int_equal(m->n_uid_mappings, 1);
    assert_int_equal(m->uid_mappings[0].container_id, 0);
    assert_int_equal(m->uid_mappings[0].host_id, 100000);
    assert_int_equal(m->uid_mappings[0].size, 65536);
    assert_int_equal(m->n_gid_mappings, 1);
    assert_int_equal(m->gid_mappings[0].host_id, 200000);
    assert_int_equal(m->gid_mappings[0].size, 1000);
}

static void test_full_process_basics(void **state)
{
    _cleanup_config_ struct oj_config *c = load_full();
    struct oj_process *p = c->process;
    assert_non_null(p);
    assert_true(p->terminal);
    assert_true(p->console_size.set);
    assert_int_equal(p->console_size.height, 25);
    assert_int_equal(p->console_size.width, 80);
    assert_int_equal(p->user.uid, 1000);
    assert_int_equal(p->user.gid, 1001);
    assert_true(p->user.umask.set);
    assert_int_equal(p->user.umask.v, 022);
    assert_int_equal(p->user.n_additional_gids, 2);
    assert_int_equal(p->user.additional_gids[0], 5);
    assert_int_equal(p->user.additional_gids[1], UINT32_MAX);
    assert_string_equal(p->user.username, "judge");
    assert_int_equal(p->n_args, 3);
    assert_string_equal(p->args[0], "/bin/sh");
    assert_string_equal(p->args[2], "echo hi");
    assert_null(p->args[3]);
    assert_string_equal(p->command_line, "sh -c \"echo hi\"");
    assert_int_equal(p->n_env, 3);
    assert_string_equal(p->env[0], "PATH=/usr/bin:/bin");
    assert_string_equal(p->env[2], "EMPTY=");
    assert_null(p->env[3]);
    assert_string_equal(p->cwd, "/work");
    assert_true(p->no_new_privileges);
    assert_string_equal(p->apparmor_profile, "ojrun-default");
    assert_true(p->oom_score_adj.set);
    assert_int_equal(p->oom_score_adj.v, -500);
    assert_string_equal(p->selinux_label, "system_u:system_r:container_t:s0");
}

static void test_full_capabilities(void **state)
{
    _cleanup_config_ struct oj_config *c = load_full();
    struct oj_capabilities *caps = &c->process->capabilities;
    assert_true(c->process->has_capabilities);
    assert_true(caps->set[OJ_CAPSET_BOUNDING].present);
    assert_int_equal(caps->set[OJ_CAPSET_BOUNDING].n, 2);
    assert_int_equal(caps->set[OJ_CAPSET_BOUNDING].caps[0], CAP_CHOWN);
    assert_int_equal(caps->set[OJ_CAPSET_BOUNDING].caps[1], CAP_KILL);
    assert_int_equal(caps->set[OJ_CAPSET_EFFECTIVE].n, 1);
    assert_int_equal(caps->set[OJ_CAPSET_EFFECTIVE].caps[0], CAP_KILL);
    /* present but empty is not the same as absent */
    assert_true(caps->set[OJ_CAPSET_INHERITABLE].present);
    assert_int_equal(caps->set[OJ_CAPSET_INHERITABLE].n, 0);
    assert_int_equal(caps->set[OJ_CAPSET_PERMITTED].n, 3);
    assert_int_equal(caps->set[OJ_CAPSET_PERMITTED].caps[2], CAP_SYS_ADMIN);
    assert_int_equal(caps->set[OJ_CAPSET_AMBIENT].n, 1);
    assert_int_equal(caps->set[OJ_CAPSET_AMBIENT].caps[0], CAP_NET_BIND_SERVICE);
}

static void test_full_rlimits(void **state)
{
    _cleanup_config_ struct oj_config *c = load_full();
    struct oj_process *p = c->process;
    assert_int_equal(p->n_rlimits, 2);
    assert_int_equal(p->rlimits[0].resource, RLIMIT_NOFILE);
    assert_int_equal(p->rlimits[0].hard, 1024);
    assert_int_equal(p->rlimits[0].soft, 512);
    assert_int_equal(p->rlimits[1].resource, RLIMIT_CPU);
    assert_true(p->rlimits[1].hard == UINT64_MAX);
    assert_true(p->rlimits[1].soft == RLIM_INFINITY);
}

static void test_full_hooks(void **state)
{
    _cleanup_config_ struct oj_config *c = load_full();
    const struct oj_hooks *h = &c->hooks;
    assert_int_equal(h->n[OJ_HOOK_PRESTART], 1);
    assert_string_equal(h->list[OJ_HOOK_PRESTART][0].path, "/usr/bin/prestart");
    assert_false(h->list[OJ_HOOK_PRESTART][0].timeout.set);
    assert_null(h->list[OJ_HOOK_PRESTART][0].args);
    assert_int_equal(h->n[OJ_HOOK_CREATE_RUNTIME], 2);
    const struct oj_hook *k = &h->list[OJ_HOOK_CREATE_RUNTIME][0];
    assert_string_equal(k->path, "/usr/bin/net-setup");
    assert_int_equal(k->n_args, 2);
    assert_string_equal(k->args[1], "--up");
    assert_null(k->args[2]);
    assert_int_equal(k->n_env, 1);
    assert_string_equal(k->env[0], "A=1");
    assert_true(k->timeout.set);
    assert_int_equal(k->timeout.v, 5);
    assert_string_equal(h->list[OJ_HOOK_CREATE_RUNTIME][1].path, "/usr/bin/second");
    assert_string_equal(h->list[OJ_HOOK_CREATE_CONTAINER][0].path, "/usr/bin/cc");
    assert_string_equal(h->list[OJ_HOOK_START_CONTAINER][0].path, "/usr/bin/sc");
    assert_int_equal(h->list[OJ_HOOK_POSTSTART][0].timeout.v, 1);
    assert_string_equal(h->list[OJ_HOOK_POSTSTOP][0].args[0], "cleanup");
}

static void test_full_linux_namespaces(void **state)
{
    _cleanup_config_ struct oj_config *c = load_full();
    const struct oj_linux *l = &c->linux_;
    assert_int_equal(l->n_namespaces, OJ_NS_COUNT);
    static const enum oj_ns_type order[] = {OJ_NS_PID, OJ_NS_NETWORK, OJ_NS_MOUNT,  OJ_NS_IPC,
                                            OJ_NS_UTS, OJ_NS_USER,    OJ_NS_CGROUP, OJ_NS_TIME};
    for (size_t i = 0; i < OJ_NS_COUNT; i++)
        assert_int_equal(l->namespaces[i].type, order[i]);
    assert_null(l->namespaces[0].path);
    assert_string_equal(l->namespaces[1].path, "/var/run/netns/judge");
    const struct oj_namespace *ns = oj_config_namespace(c, OJ_NS_NETWORK);
    assert_ptr_equal(ns, &l->namespaces[1]);
}

static void test_full_linux_misc(void **state)
{
    _cleanup_config_ struct oj_config *c = load_full();
    const struct oj_linux *l = &c->linux_;
    assert_int_equal(l->n_uid_mappings, 2);
    assert_int_equal(l->uid_mappings[1].container_id, 65536);
    assert_int_equal(l->uid_mappings[1].host_id, 4294967294u);
    assert_int_equal(l->uid_mappings[1].size, 1);
    assert_int_equal(l->n_gid_mappings, 1);
    assert_int_equal(l->gid_mappings[0].host_id, 200000);
    assert_string_equal(l->cgroups_path, "/ojrun/judge-1");
    assert_int_equal(l->n_sysctl, 2);
    assert_string_equal(l->sysctl[0].key, "net.ipv4.ip_forward");
    assert_string_equal(l->sysctl[0].value, "1");
    assert_string_equal(l->sysctl[1].value, "4294967296");
    assert_string_equal(l->rootfs_propagation, "rslave");
    assert_int_equal(l->n_masked_paths, 2);
    assert_string_equal(l->masked_paths[1], "/sys/firmware");
    assert_null(l->masked_paths[2]);
    assert_int_equal(l->n_readonly_paths, 2);
    assert_string_equal(l->readonly_paths[0], "/proc/sys");
    assert_string_equal(l->mount_label, "system_u:object_r:container_file_t:s0");
}

static void test_full_linux_devices(void **state)
{
    _cleanup_config_ struct oj_config *c = load_full();
    const struct oj_linux *l = &c->linux_;
    assert_int_equal(l->n_devices, 3);
    const struct oj_device *d = &l->devices[0];
    assert_string_equal(d->path, "/dev/fuse");
    assert_int_equal(d->type, 'c');
    assert_int_equal(d->major, 10);
    assert_int_equal(d->minor, 229);
    assert_true(d->file_mode.set);
    assert_int_equal(d->file_mode.v, 0666);
    assert_true(d->uid.set);
    assert_int_equal(d->uid.v, 0);
    assert_int_equal(d->gid.v, 5);
    d = &l->devices[1];
    assert_int_equal(d->type, 'b');
    assert_int_equal(d->major, 8);
    assert_false(d->file_mode.set);
    assert_false(d->uid.set);
    d = &l->devices[2];
    assert_int_equal(d->type, 'p');
    assert_string_equal(d->path, "/dev/pipe0");
}

/* --- the full fixture, continued: process extras, linux extras, resources, seccomp ------------ */

static void test_full_io_priority_scheduler(void **state)
{
    _cleanup_config_ struct oj_config *c = load_full();
    const struct oj_process *p = c->process;
    assert_true(p->io_priority.set);
    assert_int_equal(p->io_priority.class_, 2); /* IOPRIO_CLASS_BE */
    assert_int_equal(p->io_priority.priority, 4);
    const struct oj_scheduler *s = &p->scheduler;
    assert_true(s->set);
    assert_int_equal(s->policy, SCHED_DEADLINE);
    assert_true(s->nice.set);
    assert_int_equal(s->nice.v, -5);
    assert_true(s->priority.set);
    assert_int_equal(s->priority.v, 0);
    assert_int_equal(s->flags, 0x01 | 0x04); /* RESET_ON_FORK | DL_OVERRUN */
    assert_true(s->runtime.set);
    assert_int_equal(s->runtime.v, 42000);
    assert_int_equal(s->deadline.v, 1000000);
    assert_int_equal(s->period.v, 2000000);
}

static void test_full_time_offsets_personality_rdt(void **state)
{
    _cleanup_config_ struct oj_config *c = load_full();
    const struct oj_linux *l = &c->linux_;
    assert_int_equal(l->n_time_offsets, 2);
    assert_string_equal(l->time_offsets[0].clock, "monotonic");
    assert_int_equal(l->time_offsets[0].secs, -86400);
    assert_int_equal(l->time_offsets[0].nanosecs, 999999999);
    assert_string_equal(l->time_offsets[1].clock, "boottime");
    assert_true(l->time_offsets[1].secs == INT64_MAX);
    assert_int_equal(l->time_offsets[1].nanosecs, 0);
    assert_true(l->has_personality);
    assert_string_equal(l->personality_domain, "LINUX32");
    assert_int_equal(l->n_personality_flags, 1);
    assert_string_equal(l->personality_flags[0], "SOME_FLAG");
    assert_string_equal(l->intel_rdt_clos_id, "judges");
}

static void test_full_resources_devices_memory(void **state)
{
    _cleanup_config_ struct oj_config *c = load_full();
    assert_true(c->linux_.has_resources);
    const struct oj_resources *r = &c->linux_.resources;
    assert_int_equal(r->n_devices, 3);
    assert_false(r->devices[0].allow);
    assert_int_equal(r->devices[0].type, 'a'); /* absent type means all */
    assert_false(r->devices[0].major.set);
    assert_string_equal(r->devices[0].access, "rwm");
    assert_true(r->devices[1].allow);
    assert_int_equal(r->devices[1].type, 'c');
    assert_true(r->devices[1].major.set);
    assert_int_equal(r->devices[1].major.v, 10);
    assert_int_equal(r->devices[1].minor.v, 229);
    assert_string_equal(r->devices[1].access, "rw");
    assert_int_equal(r->devices[2].type, 'b');
    assert_false(r->devices[2].major.set); /* -1 is the wildcard */
    assert_true(r->devices[2].minor.set);
    assert_int_equal(r->devices[2].minor.v, 3);
    assert_null(r->devices[2].access);

    assert_true(r->has_memory);
    const struct oj_memory *m = &r->memory;
    assert_true(m->limit.set);
    assert_int_equal(m->limit.v, 268435456);
    assert_int_equal(m->reservation.v, 134217728);
    assert_true(m->swap.set);
    assert_int_equal(m->swap.v, -1);
    assert_true(m->kernel.set);
    assert_int_equal(m->kernel.v, 0);
    assert_int_equal(m->kernel_tcp.v, 1048576);
    assert_true(m->swappiness.set);
    assert_int_equal(m->swappiness.v, 60);
    assert_true(m->disable_oom_killer.set);
    assert_true(m->disable_oom_killer.v);
    assert_true(m->use_hierarchy.set);
    assert_false(m->use_hierarchy.v);
    assert_true(m->check_before_update.v);
}

static void test_full_resources_cpu_pids(void **state)
{
    _cleanup_config_ struct oj_config *c = load_full();
    const struct oj_resources *r = &c->linux_.resources;
    assert_true(r->has_cpu);
    const struct oj_cpu *cpu = &r->cpu;
    assert_true(cpu->shares.set);
    assert_int_equal(cpu->shares.v, 1024);
    assert_int_equal(cpu->quota.v, 50000);
    assert_int_equal(cpu->burst.v, 10000);
    assert_int_equal(cpu->period.v, 100000);
    assert_int_equal(cpu->realtime_runtime.v, 950000);
    assert_int_equal(cpu->realtime_period.v, 1000000);
    assert_string_equal(cpu->cpus, "0-1");
    assert_string_equal(cpu->mems, "0");
    assert_true(cpu->idle.set);
    assert_true(cpu->idle.v);
    assert_true(r->has_pids);
    assert_int_equal(r->pids_limit, 64);
}

static void test_full_resources_block_io(void **state)
{
    _cleanup_config_ struct oj_config *c = load_full();
    const struct oj_resources *r = &c->linux_.resources;
    assert_true(r->has_block_io);
    const struct oj_blkio *b = &r->block_io;
    assert_int_equal(b->weight.v, 500);
    assert_int_equal(b->leaf_weight.v, 300);
    assert_int_equal(b->n_weight_device, 2);
    assert_int_equal(b->weight_device[0].major, 8);
    assert_int_equal(b->weight_device[0].minor, 0);
    assert_int_equal(b->weight_device[0].weight.v, 600);
    assert_int_equal(b->weight_device[0].leaf_weight.v, 200);
    assert_int_equal(b->weight_device[1].minor, 16);
    assert_int_equal(b->weight_device[1].weight.v, 700);
    assert_false(b->weight_device[1].leaf_weight.set);
    assert_int_equal(b->n_throttle_read_bps, 1);
    assert_int_equal(b->throttle_read_bps[0].rate, 104857600);
    assert_int_equal(b->n_throttle_write_bps, 1);
    assert_int_equal(b->throttle_write_bps[0].minor, 1);
    assert_int_equal(b->throttle_write_bps[0].rate, 52428800);
    assert_int_equal(b->n_throttle_read_iops, 1);
    assert_int_equal(b->throttle_read_iops[0].minor, 2);
    assert_int_equal(b->throttle_read_iops[0].rate, 1000);
    assert_int_equal(b->n_throttle_write_iops, 1);
    assert_int_equal(b->throttle_write_iops[0].minor, 3);
    assert_int_equal(b->throttle_write_iops[0].rate, 500);
}

static void test_full_resources_hugetlb_net_rdma_unified(void **state)
{
    _cleanup_config_ struct oj_config *c = load_full();
    const struct oj_resources *r = &c->linux_.resources;
    assert_int_equal(r->n_hugepage_limits, 2);
    assert_string_equal(r->hugepage_limits[0].page_size, "2MB");
    assert_int_equal(r->hugepage_limits[0].limit, 209715200);
    assert_string_equal(r->hugepage_limits[1].page_size, "1GB");
    assert_int_equal(r->hugepage_limits[1].limit, 0);
    assert_true(r->has_network);
    assert_true(r->net_class_id.set);
    assert_int_equal(r->net_class_id.v, 0x100001);
    assert_int_equal(r->n_net_priorities, 2);
    assert_string_equal(r->net_priorities[0].name, "eth0");
    assert_int_equal(r->net_priorities[0].priority, 500);
    assert_string_equal(r->net_priorities[1].name, "lo");
    assert_int_equal(r->n_rdma, 2);
    assert_string_equal(r->rdma[0].device, "mlx5_1");
    assert_int_equal(r->rdma[0].hca_handles.v, 3);
    assert_int_equal(r->rdma[0].hca_objects.v, 10000);
    assert_string_equal(r->rdma[1].device, "mlx4_0");
    assert_false(r->rdma[1].hca_handles.set);
    assert_int_equal(r->rdma[1].hca_objects.v, 1000);
    assert_int_equal(r->n_unified, 2);
    assert_string_equal(r->unified[0].key, "memory.high");
    assert_string_equal(r->unified[0].value, "max");
    assert_string_equal(r->unified[1].value, "default 100");
}

static void test_full_seccomp_header(void **state)
{
    _cleanup_config_ struct oj_config *c = load_full();
    assert_true(c->linux_.has_seccomp);
    const struct oj_seccomp *s = &c->linux_.seccomp;
    assert_int_equal(s->default_action, SCMP_ACT_ERRNO(0));
    assert_true(s->default_errno_ret.set);
    assert_int_equal(s->default_errno_ret.v, 38);
    assert_int_equal(s->n_architectures, 4);
    assert_int_equal(s->architectures[0], SCMP_ARCH_X86_64);
    assert_int_equal(s->architectures[1], SCMP_ARCH_X86);
    assert_int_equal(s->architectures[2], SCMP_ARCH_X32);
    assert_int_equal(s->architectures[3], SCMP_ARCH_AARCH64);
    assert_int_equal(s->flags, SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_LOG |
                                   SECCOMP_FILTER_FLAG_SPEC_ALLOW);
    assert_string_equal(s->listener_path, "/run/seccomp-agent.sock");
    assert_string_equal(s->listener_metadata, "judge=1");
}

static void test_full_seccomp_rules(void **state)
{
    _cleanup_config_ struct oj_config *c = load_full();
    const struct oj_seccomp *s = &c->linux_.seccomp;
    assert_int_equal(s->n_syscalls, 10);
    const struct oj_seccomp_rule *r = &s->syscalls[0];
    assert_int_equal(r->n_names, 3);
    assert_string_equal(r->names[0], "read");
    assert_string_equal(r->names[2], "exit_group");
    assert_null(r->names[3]);
    assert_int_equal(r->action, SCMP_ACT_ALLOW);
    assert_false(r->errno_ret.set);
    assert_int_equal(r->n_args, 0);

    r = &s->syscalls[1];
    assert_int_equal(r->n_args, 2);
    assert_int_equal(r->args[0].index, 0);
    assert_int_equal(r->args[0].value, 0);
    assert_int_equal(r->args[0].value_two, 0);
    assert_int_equal(r->args[0].op, OJ_SECCOMP_OP_EQ);
    assert_int_equal(r->args[1].index, 5);
    assert_true(r->args[1].value == UINT64_MAX);
    assert_int_equal(r->args[1].value_two, 8);
    assert_int_equal(r->args[1].op, OJ_SECCOMP_OP_MASKED_EQ);

    assert_int_equal(s->syscalls[2].action, SCMP_ACT_ERRNO(0));
    assert_true(s->syscalls[2].errno_ret.set);
    assert_int_equal(s->syscalls[2].errno_ret.v, 1);
    assert_int_equal(s->syscalls[3].action, SCMP_ACT_KILL_PROCESS);
    assert_int_equal(s->syscalls[4].action, SCMP_ACT_TRACE(0));
    assert_int_equal(s->syscalls[4].errno_ret.v, 7);
    assert_int_equal(s->syscalls[5].action, SCMP_ACT_NOTIFY);
    assert_int_equal(s->syscalls[6].action, SCMP_ACT_LOG);
    assert_int_equal(s->syscalls[7].action, SCMP_ACT_KILL_THREAD);
    assert_int_equal(s->syscalls[8].action, SCMP_ACT_TRAP);
    assert_int_equal(s->syscalls[9].action, SCMP_ACT_KILL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_top_level),
        cmocka_unit_test(test_full_mounts),
        cmocka_unit_test(test_full_process_basics),
        cmocka_unit_test(test_full_capabilities),
        cmocka_unit_test(test_full_rlimits),
        cmocka_unit_test(test_full_hooks),
        cmocka_unit_test(test_full_linux_namespaces),
        cmocka_unit_test(test_full_linux_misc),
        cmocka_unit_test(test_full_linux_devices),
        cmocka_unit_test(test_full_io_priority_scheduler),
        cmocka_unit_test(test_full_time_offsets_personality_rdt),
        cmocka_unit_test(test_full_resources_devices_memory),
        cmocka_unit_test(test_full_resources_cpu_pids),
        cmocka_unit_test(test_full_resources_block_io),
        cmocka_unit_test(test_full_resources_hugetlb_net_rdma_unified),
        cmocka_unit_test(test_full_seccomp_header),
        cmocka_unit_test(test_full_seccomp_rules),
    };
    return cmocka_run_group_tests_name("config_full", tests, NULL, NULL);
}
