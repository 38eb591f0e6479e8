/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Unit tests of the config.json parser: everything it must refuse, and the
 * exact one-line message it refuses it with ("config.json: <path>: <what>").
 * Wrong types, out-of-range values, unknown enum strings, duplicates,
 * missing required fields and cross-field rules; malformed text and
 * ociVersion are in test_config_text.c.
 *
 * Every failing parse frees what it had built: run this binary under
 * valgrind --leak-check=full to check that for each error path.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cleanup.h"
#include "config.h"
#include "config_test_helpers.h"
#include "util.h"

/* Fragments that make a valid section around the member under test. */
#define PROC(members)    "'process':{'cwd':'/','args':['a']," members "}"
#define LINUX(members)   "'linux':{" members "}"
#define RES(members)     "'linux':{'resources':{" members "}}"
#define SECCOMP(members) "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ALLOW'," members "}}"
#define RULE(members)                                                                              \
    SECCOMP("'syscalls':[{'names':['read'],'action':'SCMP_ACT_ALLOW'," members "}]")

#define RANGE_U32  "expected an integer in 0..4294967295"
#define RANGE_U64  "expected an integer in 0..18446744073709551615"
#define RANGE_I64  "expected an integer in -9223372036854775808..9223372036854775807"
#define RANGE_SIZE "expected an integer in -1..9223372036854775807"

/* --- wrong types ------------------------------------------------------------------------------ */

static void test_type_string(void **state)
{
    expect_error_with("'hostname':1", "config.json: hostname: expected a string");
    expect_error_with("'root':{'path':true}", "config.json: root.path: expected a string");
    expect_error_with("'mounts':[{'destination':'/a','type':5}]",
                      "config.json: mounts[0].type: expected a string");
    expect_error_with("'process':{'cwd':[],'args':['a']}",
                      "config.json: process.cwd: expected a string");
    expect_error_with(LINUX("'cgroupsPath':{}"),
                      "config.json: linux.cgroupsPath: expected a string");
    expect_error_with(RES("'cpu':{'cpus':0}"),
                      "config.json: linux.resources.cpu.cpus: expected a string");
}

static void test_type_bool(void **state)
{
    expect_error_with("'root':{'path':'r','readonly':'yes'}",
                      "config.json: root.readonly: expected a boolean");
    expect_error_with(PROC("'terminal':1"), "config.json: process.terminal: expected a boolean");
    expect_error_with(PROC("'noNewPrivileges':'true'"),
                      "config.json: process.noNewPrivileges: expected a boolean");
    expect_error_with(RES("'memory':{'disableOOMKiller':0}"),
                      "config.json: linux.resources.memory.disableOOMKiller: expected a boolean");
}

static void test_type_object(void **state)
{
    expect_error_with("'process':[]", "config.json: process: expected an object");
    expect_error_with("'linux':'x'", "config.json: linux: expected an object");
    expect_error_with("'root':1", "config.json: root: expected an object");
    expect_error_with("'hooks':[]", "config.json: hooks: expected an object");
    expect_error_with(PROC("'user':0"), "config.json: process.user: expected an object");
    expect_error_with(LINUX("'resources':[]"), "config.json: linux.resources: expected an object");
    expect_error_with(LINUX("'seccomp':'x'"), "config.json: linux.seccomp: expected an object");
    expect_error_with("'mounts':[{'destination':'/a'},'x']",
                      "config.json: mounts[1]: expected an object");
    expect_error_with(LINUX("'namespaces':[null]"),
                      "config.json: linux.namespaces[0]: expected an object");
    expect_error_with(LINUX("'timeOffsets':{'monotonic':1}"),
                      "config.json: linux.timeOffsets.monotonic: expected an object");
}

static void test_type_array(void **state)
{
    expect_error_with("'mounts':{}", "config.json: mounts: expected an array");
    expect_error_with(LINUX("'namespaces':{}"), "config.json: linux.namespaces: expected an array");
    expect_error_with("'hooks':{'prestart':{}}", "config.json: hooks.prestart: expected an array");
    expect_error_with(LINUX("'devices':'x'"), "config.json: linux.devices: expected an array");
    expect_error_with(PROC("'rlimits':{}"), "config.json: process.rlimits: expected an array");
    expect_error_with(PROC("'user':{'additionalGids':5}"),
                      "config.json: process.user.additionalGids: expected an array");
}

static void test_type_string_array(void **state)
{
    expect_error_with("'process':{'cwd':'/','args':['a',1]}",
                      "config.json: process.args: expected an array of strings");
    expect_error_with("'process':{'cwd':'/','args':'a'}",
                      "config.json: process.args: expected an array of strings");
    expect_error_with(PROC("'env':[1]"), "config.json: process.env: expected an array of strings");
    expect_error_with("'mounts':[{'destination':'/a','options':'ro'}]",
                      "config.json: mounts[0].options: expected an array of strings");
    expect_error_with(LINUX("'maskedPaths':[null]"),
                      "config.json: linux.maskedPaths: expected an array of strings");
    expect_error_with(PROC("'capabilities':{'bounding':'CAP_CHOWN'}"),
                      "config.json: process.capabilities.bounding: expected an array of strings");
    expect_error_with(RULE("'names':[1]"),
                      "config.json: linux.seccomp.syscalls[0].names: expected an array of strings");
    expect_error_with(SECCOMP("'architectures':'SCMP_ARCH_X86'"),
                      "config.json: linux.seccomp.architectures: expected an array of strings");
    expect_error_with(PROC("'scheduler':{'policy':'SCHED_OTHER','flags':[1]}"),
                      "config.json: process.scheduler.flags: expected an array of strings");
}

static void test_type_string_map(void **state)
{
    expect_error_with("'annotations':[]",
                      "config.json: annotations: expected an object of strings");
    expect_error_with("'annotations':{'a':'x','b':1}",
                      "config.json: annotations.b: expected a string");
    expect_error_with(LINUX("'sysctl':{'kernel.shmmax':true}"),
                      "config.json: linux.sysctl.kernel.shmmax: expected a string");
    expect_error_with(RES("'unified':{'memory.max':1}"),
                      "config.json: linux.resources.unified.memory.max: expected a string");
}

static void test_type_integer(void **state)
{
    expect_error_with(PROC("'user':{'uid':'1'}"), "config.json: process.user.uid: " RANGE_U32);
    expect_error_with(
        "'hooks':{'poststart':[{'path':'/x','timeout':'5'}]}",
        "config.json: hooks.poststart[0].timeout: expected an integer in 1..2147483647");
    expect_error_with(RES("'pids':{'limit':true}"),
                      "config.json: linux.resources.pids.limit: " RANGE_I64);
}

/* --- out of range ----------------------------------------------------------------------------- */

static void test_range_user(void **state)
{
    expect_error_with(PROC("'user':{'uid':4294967296}"),
                      "config.json: process.user.uid: " RANGE_U32);
    expect_error_with(PROC("'user':{'uid':-1}"), "config.json: process.user.uid: " RANGE_U32);
    expect_error_with(PROC("'user':{'gid':-1}"), "config.json: process.user.gid: " RANGE_U32);
    expect_error_with(PROC("'user':{'additionalGids':[1,4294967296]}"),
                      "config.json: process.user.additionalGids[1]: " RANGE_U32);
    expect_error_with(PROC("'user':{'umask':4294967296}"),
                      "config.json: process.user.umask: " RANGE_U32);
}

static void test_range_process(void **state)
{
    expect_error_with(PROC("'consoleSize':{'height':65536,'width':1}"),
                      "config.json: process.consoleSize.height: expected an integer in 0..65535");
    expect_error_with(PROC("'oomScoreAdj':1001"),
                      "config.json: process.oomScoreAdj: expected an integer in -1000..1000");
    expect_error_with(PROC("'oomScoreAdj':-1001"),
                      "config.json: process.oomScoreAdj: expected an integer in -1000..1000");
    expect_error_with(PROC("'ioPriority':{'class':'IOPRIO_CLASS_RT','priority':8}"),
                      "config.json: process.ioPriority.priority: expected an integer in 0..7");
    expect_error_with(PROC("'ioPriority':{'class':'IOPRIO_CLASS_RT','priority':-1}"),
                      "config.json: process.ioPriority.priority: expected an integer in 0..7");
    expect_error_with(PROC("'scheduler':{'policy':'SCHED_OTHER','nice':20}"),
                      "config.json: process.scheduler.nice: expected an integer in -20..19");
    expect_error_with(PROC("'scheduler':{'policy':'SCHED_FIFO','priority':100}"),
                      "config.json: process.scheduler.priority: expected an integer in 0..99");
    expect_error_with(PROC("'scheduler':{'policy':'SCHED_DEADLINE','runtime':-1}"),
                      "config.json: process.scheduler.runtime: " RANGE_U64);
}

static void test_range_hook_timeout(void **state)
{
    static const char *const bad[] = {"0", "-1", "2147483648"};
    for (size_t i = 0; i < OJ_ARRAY_SIZE(bad); i++) {
        char extra[96];
        snprintf(extra, sizeof(extra), "'hooks':{'poststop':[{'path':'/x','timeout':%s}]}", bad[i]);
        expect_error_with(
            extra, "config.json: hooks.poststop[0].timeout: expected an integer in 1..2147483647");
    }
}

static void test_range_id_mappings(void **state)
{
    expect_error_with(
        LINUX("'uidMappings':[{'containerID':0,'hostID':1000,'size':0}]"),
        "config.json: linux.uidMappings[0].size: expected an integer in 1..4294967295");
    expect_error_with(LINUX("'gidMappings':[{'containerID':0,'hostID':-1,'size':1}]"),
                      "config.json: linux.gidMappings[0].hostID: " RANGE_U32);
    expect_error_with("'mounts':[{'destination':'/a','uidMappings':[{'containerID':4294967296,"
                      "'hostID':0,'size':1}]}]",
                      "config.json: mounts[0].uidMappings[0].containerID: " RANGE_U32);
}

static void test_range_linux_devices(void **state)
{
    expect_error_with(LINUX("'devices':[{'path':'/dev/x','type':'c','major':-1,'minor':0}]"),
                      "config.json: linux.devices[0].major: expected an integer in 0..4294967295");
    expect_error_with(
        LINUX("'devices':[{'path':'/dev/x','type':'c','major':1,'minor':4294967296}]"),
        "config.json: linux.devices[0].minor: expected an integer in 0..4294967295");
    expect_error_with(LINUX("'devices':[{'path':'/dev/x','type':'p','fileMode':-1}]"),
                      "config.json: linux.devices[0].fileMode: " RANGE_U32);
    expect_error_with(LINUX("'devices':[{'path':'/dev/x','type':'p','uid':4294967296}]"),
                      "config.json: linux.devices[0].uid: " RANGE_U32);
}

static void test_range_time_offsets(void **state)
{
    expect_error_with(LINUX("'timeOffsets':{'monotonic':{'nanosecs':1000000000}}"),
                      "config.json: linux.timeOffsets.monotonic.nanosecs: expected an integer in "
                      "0..999999999");
    expect_error_with(LINUX("'timeOffsets':{'boottime':{'secs':'1'}}"),
                      "config.json: linux.timeOffsets.boottime.secs: " RANGE_I64);
}

static void test_range_memory_cpu_pids(void **state)
{
    expect_error_with(RES("'memory':{'limit':-2}"),
                      "config.json: linux.resources.memory.limit: " RANGE_SIZE);
    expect_error_with(RES("'memory':{'reservation':-5}"),
                      "config.json: linux.resources.memory.reservation: " RANGE_SIZE);
    expect_error_with(RES("'memory':{'kernelTCP':-2}"),
                      "config.json: linux.resources.memory.kernelTCP: " RANGE_SIZE);
    expect_error_with(
        RES("'memory':{'swappiness':101}"),
        "config.json: linux.resources.memory.swappiness: expected an integer in 0..100");
    expect_error_with(RES("'cpu':{'quota':-2}"),
                      "config.json: linux.resources.cpu.quota: " RANGE_SIZE);
    expect_error_with(RES("'cpu':{'shares':-1}"),
                      "config.json: linux.resources.cpu.shares: " RANGE_U64);
    expect_error_with(RES("'cpu':{'realtimeRuntime':-2}"),
                      "config.json: linux.resources.cpu.realtimeRuntime: " RANGE_SIZE);
    expect_error_with(RES("'cpu':{'idle':2}"),
                      "config.json: linux.resources.cpu.idle: expected an integer in 0..1");
    expect_error_with(RES("'pids':{'limit':1.5}"),
                      "config.json: linux.resources.pids.limit: " RANGE_I64);
}

static void test_range_block_io(void **state)
{
    expect_error_with(
        RES("'blockIO':{'weight':65536}"),
        "config.json: linux.resources.blockIO.weight: expected an integer in 0..65535");
    expect_error_with(RES("'blockIO':{'weightDevice':[{'major':-1,'minor':0}]}"),
                      "config.json: linux.resources.blockIO.weightDevice[0].major: expected an "
                      "integer in 0..4294967295");
    expect_error_with(
        RES("'blockIO':{'weightDevice':[{'major':8,'minor':0,'leafWeight':70000}]}"),
        "config.json: linux.resources.blockIO.weightDevice[0].leafWeight: expected an "
        "integer in 0..65535");
    expect_error_with(
        RES("'blockIO':{'throttleWriteIOPSDevice':[{'major':8,'minor':0,'rate':-1}]}"),
        "config.json: linux.resources.blockIO.throttleWriteIOPSDevice[0].rate: " RANGE_U64);
}

static void test_range_network_rdma_hugetlb(void **state)
{
    expect_error_with(RES("'network':{'classID':4294967296}"),
                      "config.json: linux.resources.network.classID: " RANGE_U32);
    expect_error_with(RES("'network':{'priorities':[{'name':'eth0','priority':-1}]}"),
                      "config.json: linux.resources.network.priorities[0].priority: " RANGE_U32);
    expect_error_with(RES("'rdma':{'mlx5_1':{'hcaHandles':-1}}"),
                      "config.json: linux.resources.rdma.mlx5_1.hcaHandles: " RANGE_U32);
    expect_error_with(RES("'hugepageLimits':[{'pageSize':'2MB','limit':-1}]"),
                      "config.json: linux.resources.hugepageLimits[0].limit: " RANGE_U64);
}

static void test_range_device_rules(void **state)
{
    expect_error_with(RES("'devices':[{'allow':true,'major':-2}]"),
                      "config.json: linux.resources.devices[0].major: expected an integer in "
                      "-1..4294967295");
    expect_error_with(RES("'devices':[{'allow':true,'minor':4294967296}]"),
                      "config.json: linux.resources.devices[0].minor: expected an integer in "
                      "-1..4294967295");
}

static void test_range_seccomp(void **state)
{
    expect_error_with(RULE("'args':[{'index':6,'value':1,'op':'SCMP_CMP_EQ'}]"),
                      "config.json: linux.seccomp.syscalls[0].args[0].index: expected an integer "
                      "in 0..5");
    expect_error_with(RULE("'args':[{'index':0,'value':-1,'op':'SCMP_CMP_EQ'}]"),
                      "config.json: linux.seccomp.syscalls[0].args[0].value: " RANGE_U64);
    expect_error_with(RULE("'args':[{'index':0,'value':1,'valueTwo':18446744073709551616,"
                           "'op':'SCMP_CMP_EQ'}]"),
                      "config.json: linux.seccomp.syscalls[0].args[0].valueTwo: " RANGE_U64);
    expect_error_with(
        "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_ERRNO','defaultErrnoRet':65536}}",
        "config.json: linux.seccomp.defaultErrnoRet: expected an integer in 0..65535");
    expect_error_with(
        SECCOMP("'syscalls':[{'names':['a'],'action':'SCMP_ACT_ERRNO','errnoRet':-1}]"),
        "config.json: linux.seccomp.syscalls[0].errnoRet: expected an integer in "
        "0..65535");
}

/* --- unknown enum strings --------------------------------------------------------------------- */

static void test_unknown_namespace(void **state)
{
    expect_error_with(LINUX("'namespaces':[{'type':'pid'},{'type':'mount'},{'type':'ipc'},"
                            "{'type':'nett'}]"),
                      "config.json: linux.namespaces[3].type: unknown namespace \"nett\"");
    expect_error_with(LINUX("'namespaces':[{'type':'net'}]"),
                      "config.json: linux.namespaces[0].type: unknown namespace \"net\"");
    expect_error_with(LINUX("'namespaces':[{'type':'PID'}]"),
                      "config.json: linux.namespaces[0].type: unknown namespace \"PID\"");
}

static void test_unknown_rlimit(void **state)
{
    static const char *const bad[] = {"RLIMIT_FOO", "rlimit_nofile", "NOFILE", "RLIMIT_NLIMITS",
                                      ""};
    for (size_t i = 0; i < OJ_ARRAY_SIZE(bad); i++) {
        char extra[128], msg[128];
        snprintf(extra, sizeof(extra), PROC("'rlimits':[{'type':'%s','hard':1,'soft':1}]"), bad[i]);
        snprintf(msg, sizeof(msg), "config.json: process.rlimits[0].type: unknown rlimit \"%s\"",
                 bad[i]);
        expect_error_with(extra, msg);
    }
}

static void test_unknown_capability(void **state)
{
    /* runc's spelling only: upper case with the CAP_ prefix, known to libcap */
    static const char *const bad[] = {"CAP_FOO", "cap_chown",     "12",    "CAP_", "CAP_chown",
                                      "CHOWN",   "CAP_SYS ADMIN", "CAP_41"};
    for (size_t i = 0; i < OJ_ARRAY_SIZE(bad); i++) {
        char extra[128], msg[128];
        snprintf(extra, sizeof(extra), PROC("'capabilities':{'permitted':['CAP_KILL','%s']}"),
                 bad[i]);
        snprintf(msg, sizeof(msg),
                 "config.json: process.capabilities.permitted[1]: unknown capability \"%s\"",
                 bad[i]);
        expect_error_with(extra, msg);
    }
}

static void test_unknown_seccomp_action(void **state)
{
    expect_error_with(
        "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_FOO'}}",
        "config.json: linux.seccomp.defaultAction: unknown seccomp action \"SCMP_ACT_FOO\"");
    expect_error_with(
        SECCOMP("'syscalls':[{'names':['a'],'action':'SCMP_ACT_ALLOW'},"
                "{'names':['b'],'action':'allow'}]"),
        "config.json: linux.seccomp.syscalls[1].action: unknown seccomp action \"allow\"");
}

static void test_unknown_seccomp_operator(void **state)
{
    expect_error_with(RULE("'args':[{'index':0,'value':1,'op':'SCMP_CMP_EQ'},"
                           "{'index':1,'value':1,'op':'SCMP_CMP_BETWEEN'}]"),
                      "config.json: linux.seccomp.syscalls[0].args[1].op: unknown seccomp operator "
                      "\"SCMP_CMP_BETWEEN\"");
    expect_error_with(RULE("'args':[{'index':0,'value':1,'op':'scmp_cmp_eq'}]"),
                      "config.json: linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator "
                      "\"scmp_cmp_eq\"");
}

static void test_unknown_seccomp_arch(void **state)
{
    static const char *const bad[] = {"SCMP_ARCH_FOO",
                                      "scmp_arch_x86_64",
                                      "SCMP_ARCH_x86_64",
                                      "SCMP_ARCH_NATIVE",
                                      "x86_64",
                                      "SCMP_ARCH_",
                                      "SCMP_ARCH_X86_64_AND_A_VERY_LONG_SUFFIX_HERE"};
    for (size_t i = 0; i < OJ_ARRAY_SIZE(bad); i++) {
        char extra[160], msg[160];
        snprintf(extra, sizeof(extra), SECCOMP("'architectures':['SCMP_ARCH_X86','%s']"), bad[i]);
        snprintf(msg, sizeof(msg),
                 "config.json: linux.seccomp.architectures[1]: unknown seccomp architecture \"%s\"",
                 bad[i]);
        expect_error_with(extra, msg);
    }
}

static void test_unknown_seccomp_flag(void **state)
{
    expect_error_with(SECCOMP("'flags':['SECCOMP_FILTER_FLAG_NEW_LISTENER']"),
                      "config.json: linux.seccomp.flags[0]: unknown seccomp flag "
                      "\"SECCOMP_FILTER_FLAG_NEW_LISTENER\"");
    expect_error_with(SECCOMP("'flags':['SECCOMP_FILTER_FLAG_LOG','TSYNC']"),
                      "config.json: linux.seccomp.flags[1]: unknown seccomp flag \"TSYNC\"");
}

static void test_unknown_device_type(void **state)
{
    static const char *const bad[] = {"x", "cc", "", "C"};
    for (size_t i = 0; i < OJ_ARRAY_SIZE(bad); i++) {
        char extra[128], msg[128];
        snprintf(extra, sizeof(extra),
                 LINUX("'devices':[{'path':'/dev/x','type':'%s','major':1,'minor':1}]"), bad[i]);
        snprintf(msg, sizeof(msg), "config.json: linux.devices[0].type: unknown device type \"%s\"",
                 bad[i]);
        expect_error_with(extra, msg);
    }
    /* 'u' and 'p' are device node types, not device cgroup rule types */
    expect_error_with(RES("'devices':[{'allow':true,'type':'u'}]"),
                      "config.json: linux.resources.devices[0].type: unknown device type \"u\"");
}

static void test_unknown_propagation(void **state)
{
    expect_error_with(LINUX("'rootfsPropagation':'sideways'"),
                      "config.json: linux.rootfsPropagation: unknown propagation \"sideways\"");
    expect_error_with(LINUX("'rootfsPropagation':'Private'"),
                      "config.json: linux.rootfsPropagation: unknown propagation \"Private\"");
}

static void test_unknown_io_priority_class(void **state)
{
    expect_error_with(PROC("'ioPriority':{'class':'IOPRIO_CLASS_NONE'}"),
                      "config.json: process.ioPriority.class: unknown ioPriority class "
                      "\"IOPRIO_CLASS_NONE\"");
    expect_error_with(PROC("'ioPriority':{'class':'be'}"),
                      "config.json: process.ioPriority.class: unknown ioPriority class \"be\"");
}

static void test_unknown_scheduler_policy_flag(void **state)
{
    expect_error_with(PROC("'scheduler':{'policy':'SCHED_NORMAL'}"),
                      "config.json: process.scheduler.policy: unknown scheduler policy "
                      "\"SCHED_NORMAL\"");
    expect_error_with(PROC("'scheduler':{'policy':'SCHED_OTHER','flags':['SCHED_FLAG_RECLAIM',"
                           "'SCHED_FLAG_ALL']}"),
                      "config.json: process.scheduler.flags[1]: unknown scheduler flag "
                      "\"SCHED_FLAG_ALL\"");
}

static void test_unknown_personality_domain(void **state)
{
    expect_error_with(
        LINUX("'personality':{'domain':'LINUX64'}"),
        "config.json: linux.personality.domain: unknown personality domain \"LINUX64\"");
    expect_error_with(
        LINUX("'personality':{'domain':'linux'}"),
        "config.json: linux.personality.domain: unknown personality domain \"linux\"");
}

static void test_unknown_clock(void **state)
{
    expect_error_with(LINUX("'timeOffsets':{'monotonic':{'secs':1},'realtime':{'secs':1}}"),
                      "config.json: linux.timeOffsets.realtime: unknown clock \"realtime\"");
}

/* --- duplicates ------------------------------------------------------------------------------- */

static void test_duplicate_namespace(void **state)
{
    expect_error_with(LINUX("'namespaces':[{'type':'pid'},{'type':'mount'},{'type':'pid'}]"),
                      "config.json: linux.namespaces[2].type: duplicate namespace \"pid\"");
    /* joining and creating the same type is still a duplicate */
    expect_error_with(LINUX("'namespaces':[{'type':'network','path':'/run/netns/x'},"
                            "{'type':'network'}]"),
                      "config.json: linux.namespaces[1].type: duplicate namespace \"network\"");
}

static void test_duplicate_rlimit(void **state)
{
    expect_error_with(PROC("'rlimits':[{'type':'RLIMIT_NOFILE','hard':2,'soft':1},"
                           "{'type':'RLIMIT_CPU','hard':2,'soft':1},"
                           "{'type':'RLIMIT_NOFILE','hard':4,'soft':3}]"),
                      "config.json: process.rlimits[2].type: duplicate rlimit \"RLIMIT_NOFILE\"");
}

/* --- missing required fields ------------------------------------------------------------------ */

static void test_required_root_mounts(void **state)
{
    expect_error_with("'root':{'readonly':true}",
                      "config.json: root.path: required field is missing");
    expect_error_with("'root':{'path':''}", "config.json: root.path: must not be empty");
    expect_error_with("'mounts':[{'destination':'/a'},{'type':'tmpfs'}]",
                      "config.json: mounts[1].destination: required field is missing");
    expect_error_with("'mounts':[{'destination':''}]",
                      "config.json: mounts[0].destination: must not be empty");
}

static void test_required_process(void **state)
{
    expect_error_with("'process':{'args':['a']}",
                      "config.json: process.cwd: required field is missing");
    expect_error_with("'process':{'args':['a'],'cwd':'work'}",
                      "config.json: process.cwd: expected an absolute path, got \"work\"");
    expect_error_with("'process':{'cwd':'/'}",
                      "config.json: process.args: required field is missing");
    expect_error_with("'process':{'cwd':'/','args':[]}",
                      "config.json: process.args: must not be empty");
    expect_error_with(PROC("'consoleSize':{'height':1}"),
                      "config.json: process.consoleSize.width: required field is missing");
    expect_error_with(PROC("'ioPriority':{'priority':1}"),
                      "config.json: process.ioPriority.class: required field is missing");
    expect_error_with(PROC("'scheduler':{'nice':1}"),
                      "config.json: process.scheduler.policy: required field is missing");
}

static void test_required_rlimit_fields(void **state)
{
    expect_error_with(PROC("'rlimits':[{'hard':1,'soft':1}]"),
                      "config.json: process.rlimits[0].type: required field is missing");
    expect_error_with(PROC("'rlimits':[{'type':'RLIMIT_CPU','soft':1}]"),
                      "config.json: process.rlimits[0].hard: required field is missing");
    expect_error_with(PROC("'rlimits':[{'type':'RLIMIT_CPU','hard':1}]"),
                      "config.json: process.rlimits[0].soft: required field is missing");
}

static void test_required_hook_path(void **state)
{
    expect_error_with("'hooks':{'createRuntime':[{'path':'/a'},{'args':['x']}]}",
                      "config.json: hooks.createRuntime[1].path: required field is missing");
    expect_error_with("'hooks':{'startContainer':[{'path':'hook.sh'}]}",
                      "config.json: hooks.startContainer[0].path: expected an absolute path, got "
                      "\"hook.sh\"");
}

static void test_required_linux_fields(void **state)
{
    expect_error_with(LINUX("'namespaces':[{'path':'/proc/1/ns/net'}]"),
                      "config.json: linux.namespaces[0].type: required field is missing");
    expect_error_with(LINUX("'uidMappings':[{'containerID':0,'hostID':0}]"),
                      "config.json: linux.uidMappings[0].size: required field is missing");
    expect_error_with(LINUX("'devices':[{'type':'c','major':1,'minor':3}]"),
                      "config.json: linux.devices[0].path: required field is missing");
    expect_error_with(LINUX("'devices':[{'path':'/dev/null','major':1,'minor':3}]"),
                      "config.json: linux.devices[0].type: required field is missing");
    expect_error_with(LINUX("'devices':[{'path':'/dev/null','type':'c','minor':3}]"),
                      "config.json: linux.devices[0].major: required field is missing");
    expect_error_with(LINUX("'devices':[{'path':'/dev/null','type':'b','major':3}]"),
                      "config.json: linux.devices[0].minor: required field is missing");
    expect_error_with(LINUX("'personality':{'flags':[]}"),
                      "config.json: linux.personality.domain: required field is missing");
}

static void test_required_resources_fields(void **state)
{
    expect_error_with(RES("'devices':[{'type':'c'}]"),
                      "config.json: linux.resources.devices[0].allow: required field is missing");
    expect_error_with(RES("'hugepageLimits':[{'limit':1}]"),
                      "config.json: linux.resources.hugepageLimits[0].pageSize: required field is "
                      "missing");
    expect_error_with(
        RES("'hugepageLimits':[{'pageSize':'2MB'}]"),
        "config.json: linux.resources.hugepageLimits[0].limit: required field is missing");
    expect_error_with(RES("'network':{'priorities':[{'priority':1}]}"),
                      "config.json: linux.resources.network.priorities[0].name: required field is "
                      "missing");
    expect_error_with(
        RES("'blockIO':{'throttleReadBpsDevice':[{'major':8,'minor':0}]}"),
        "config.json: linux.resources.blockIO.throttleReadBpsDevice[0].rate: required "
        "field is missing");
    expect_error_with(
        RES("'blockIO':{'weightDevice':[{'minor':0}]}"),
        "config.json: linux.resources.blockIO.weightDevice[0].major: required field is "
        "missing");
}

static void test_required_seccomp_fields(void **state)
{
    expect_error_with(LINUX("'seccomp':{'syscalls':[]}"),
                      "config.json: linux.seccomp.defaultAction: required field is missing");
    expect_error_with(SECCOMP("'syscalls':[{'action':'SCMP_ACT_ALLOW'}]"),
                      "config.json: linux.seccomp.syscalls[0].names: required field is missing");
    expect_error_with(SECCOMP("'syscalls':[{'names':[],'action':'SCMP_ACT_ALLOW'}]"),
                      "config.json: linux.seccomp.syscalls[0].names: must not be empty");
    expect_error_with(SECCOMP("'syscalls':[{'names':['read',''],'action':'SCMP_ACT_ALLOW'}]"),
                      "config.json: linux.seccomp.syscalls[0].names[1]: must not be empty");
    expect_error_with(SECCOMP("'syscalls':[{'names':['read']}]"),
                      "config.json: linux.seccomp.syscalls[0].action: required field is missing");
    expect_error_with(
        RULE("'args':[{'value':1,'op':'SCMP_CMP_EQ'}]"),
        "config.json: linux.seccomp.syscalls[0].args[0].index: required field is missing");
    expect_error_with(
        RULE("'args':[{'index':1,'op':'SCMP_CMP_EQ'}]"),
        "config.json: linux.seccomp.syscalls[0].args[0].value: required field is missing");
    expect_error_with(
        RULE("'args':[{'index':1,'value':1}]"),
        "config.json: linux.seccomp.syscalls[0].args[0].op: required field is missing");
}

/* --- cross-field and value rules -------------------------------------------------------------- */

static void test_rlimit_soft_above_hard(void **state)
{
    /* runc would fail later in setrlimit(2) with EINVAL; we fail at parse time */
    expect_error_with(
        PROC("'rlimits':[{'type':'RLIMIT_NOFILE','hard':5,'soft':10}]"),
        "config.json: process.rlimits[0].soft: soft limit 10 is greater than the hard "
        "limit 5");
}

static void test_env_format(void **state)
{
    expect_error_with(PROC("'env':['A=1','FOO']"),
                      "config.json: process.env[1]: expected \"NAME=value\", got \"FOO\"");
    expect_error_with(PROC("'env':['=x']"),
                      "config.json: process.env[0]: expected \"NAME=value\", got \"=x\"");
    expect_error_with(
        "'hooks':{'prestart':[{'path':'/x','env':['BAD']}]}",
        "config.json: hooks.prestart[0].env[0]: expected \"NAME=value\", got \"BAD\"");
}

static void test_seccomp_errno_ret_needs_errno_action(void **state)
{
    /* config-linux.md: "When the action doesn't support an errno, the runtime
     * MUST print and error and fail." */
    expect_error_with(RULE("'errnoRet':1"),
                      "config.json: linux.seccomp.syscalls[0].errnoRet: only allowed with "
                      "SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
    expect_error_with(
        "'linux':{'seccomp':{'defaultAction':'SCMP_ACT_KILL','defaultErrnoRet':1}}",
        "config.json: linux.seccomp.defaultErrnoRet: only allowed with SCMP_ACT_ERRNO "
        "or SCMP_ACT_TRACE");
}

static void test_seccomp_listener_metadata_needs_path(void **state)
{
    expect_error_with(SECCOMP("'listenerMetadata':'x'"),
                      "config.json: linux.seccomp.listenerMetadata: set without listenerPath");
}

static void test_scheduler_cross_fields(void **state)
{
    expect_error_with(PROC("'scheduler':{'policy':'SCHED_OTHER','priority':5}"),
                      "config.json: process.scheduler.priority: only allowed with SCHED_FIFO or "
                      "SCHED_RR, not SCHED_OTHER");
    expect_error_with(
        PROC("'scheduler':{'policy':'SCHED_FIFO','priority':5,'period':10}"),
        "config.json: process.scheduler.period: only allowed with SCHED_DEADLINE, not "
        "SCHED_FIFO");
}

static void test_paths_must_be_absolute(void **state)
{
    expect_error_with(
        LINUX("'maskedPaths':['/proc/kcore','proc/keys']"),
        "config.json: linux.maskedPaths[1]: expected an absolute path, got \"proc/keys\"");
    expect_error_with(LINUX("'readonlyPaths':['']"),
                      "config.json: linux.readonlyPaths[0]: expected an absolute path, got \"\"");
    expect_error_with(
        LINUX("'devices':[{'path':'dev/null','type':'c','major':1,'minor':3}]"),
        "config.json: linux.devices[0].path: expected an absolute path, got \"dev/null\"");
}

static void test_device_rule_access(void **state)
{
    static const char *const bad[] = {"rwx", "", "rr", "rwmr", "R"};
    for (size_t i = 0; i < OJ_ARRAY_SIZE(bad); i++) {
        char extra[128], msg[160];
        snprintf(extra, sizeof(extra), RES("'devices':[{'allow':true,'access':'%s'}]"), bad[i]);
        snprintf(msg, sizeof(msg),
                 "config.json: linux.resources.devices[0].access: expected a combination of "
                 "\"r\", \"w\" and \"m\", got \"%s\"",
                 bad[i]);
        expect_error_with(extra, msg);
    }
}

static void test_hugepage_size_format(void **state)
{
    static const char *const bad[] = {"2M", "MB", "2mb", "2 MB", "2XB", ""};
    for (size_t i = 0; i < OJ_ARRAY_SIZE(bad); i++) {
        char extra[128], msg[160];
        snprintf(extra, sizeof(extra), RES("'hugepageLimits':[{'pageSize':'%s','limit':1}]"),
                 bad[i]);
        snprintf(msg, sizeof(msg),
                 "config.json: linux.resources.hugepageLimits[0].pageSize: expected a page size "
                 "like \"2MB\", got \"%s\"",
                 bad[i]);
        expect_error_with(extra, msg);
    }
}

static void test_intel_rdt_clos_id(void **state)
{
    expect_error_with(LINUX("'intelRdt':{'closID':'..'}"),
                      "config.json: linux.intelRdt.closID: invalid closID \"..\"");
    expect_error_with(LINUX("'intelRdt':{'closID':'a/b'}"),
                      "config.json: linux.intelRdt.closID: invalid closID \"a/b\"");
}

static void test_error_after_many_fields_frees_all(void **state)
{
    /* a late error, after every section before it was built: nothing may
     * leak (checked when run under valgrind) and the message names the path */
    _cleanup_free_ char *path = data_path("config_full.json");
    _cleanup_free_ char *data = NULL;
    size_t len = 0;
    struct oj_err err = {0};
    assert_int_equal(oj_read_file(path, OJ_CONFIG_MAX_BYTES, &data, &len, &err), 0);
    char *at = strstr(data, "\"SCMP_ACT_KILL\" }");
    assert_non_null(at);
    memcpy(at, "\"SCMP_ACT_KILX\"", 15);
    expect_error_raw(data, len,
                     "config.json: linux.seccomp.syscalls[9].action: unknown seccomp action "
                     "\"SCMP_ACT_KILX\"");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_string),
        cmocka_unit_test(test_type_bool),
        cmocka_unit_test(test_type_object),
        cmocka_unit_test(test_type_array),
        cmocka_unit_test(test_type_string_array),
        cmocka_unit_test(test_type_string_map),
        cmocka_unit_test(test_type_integer),
        cmocka_unit_test(test_range_user),
        cmocka_unit_test(test_range_process),
        cmocka_unit_test(test_range_hook_timeout),
        cmocka_unit_test(test_range_id_mappings),
        cmocka_unit_test(test_range_linux_devices),
        cmocka_unit_test(test_range_time_offsets),
        cmocka_unit_test(test_range_memory_cpu_pids),
        cmocka_unit_test(test_range_block_io),
        cmocka_unit_test(test_range_network_rdma_hugetlb),
        cmocka_unit_test(test_range_device_rules),
        cmocka_unit_test(test_range_seccomp),
        cmocka_unit_test(test_unknown_namespace),
        cmocka_unit_test(test_unknown_rlimit),
        cmocka_unit_test(test_unknown_capability),
        cmocka_unit_test(test_unknown_seccomp_action),
        cmocka_unit_test(test_unknown_seccomp_operator),
        cmocka_unit_test(test_unknown_seccomp_arch),
        cmocka_unit_test(test_unknown_seccomp_flag),
        cmocka_unit_test(test_unknown_device_type),
        cmocka_unit_test(test_unknown_propagation),
        cmocka_unit_test(test_unknown_io_priority_class),
        cmocka_unit_test(test_unknown_scheduler_policy_flag),
        cmocka_unit_test(test_unknown_personality_domain),
        cmocka_unit_test(test_unknown_clock),
        cmocka_unit_test(test_duplicate_namespace),
        cmocka_unit_test(test_duplicate_rlimit),
        cmocka_unit_test(test_required_root_mounts),
        cmocka_unit_test(test_required_process),
        cmocka_unit_test(test_required_rlimit_fields),
        cmocka_unit_test(test_required_hook_path),
        cmocka_unit_test(test_required_linux_fields),
        cmocka_unit_test(test_required_resources_fields),
        cmocka_unit_test(test_required_seccomp_fields),
        cmocka_unit_test(test_rlimit_soft_above_hard),
        cmocka_unit_test(test_env_format),
        cmocka_unit_test(test_seccomp_errno_ret_needs_errno_action),
        cmocka_unit_test(test_seccomp_listener_metadata_needs_path),
        cmocka_unit_test(test_scheduler_cross_fields),
        cmocka_unit_test(test_paths_must_be_absolute),
        cmocka_unit_test(test_device_rule_access),
        cmocka_unit_test(test_hugepage_size_format),
        cmocka_unit_test(test_intel_rdt_clos_id),
        cmocka_unit_test(test_error_after_many_fields_frees_all),
    };
    return cmocka_run_group_tests_name("config_errors", tests, NULL, NULL);
}
