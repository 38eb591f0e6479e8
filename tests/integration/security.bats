#!/usr/bin/env bats
# Capabilities, no_new_privs and seccomp with real containers: what the
# process sees in /proc/self/status, what the kernel refuses, and the
# compiled-filter cache (runtime/seccomp_cache.c) seen through --debug.

load helpers
load bundle

setup() {
    setup_root
    make_bundle
    ID=$P-sec
}

teardown() {
    ojrun_cleanup
}

# capability numbers (linux/capability.h) of the names used below
declare -gA CAPNUM=(
    [CAP_CHOWN]=0 [CAP_DAC_OVERRIDE]=1 [CAP_FOWNER]=3 [CAP_KILL]=5 [CAP_SETGID]=6
    [CAP_SETUID]=7 [CAP_NET_BIND_SERVICE]=10 [CAP_NET_RAW]=13 [CAP_SYS_CHROOT]=18
    [CAP_AUDIT_WRITE]=29
)

# The /proc/<pid>/status spelling of a set of capability names.
capmask() {
    local m=0 c
    for c in "$@"; do
        m=$((m | (1 << ${CAPNUM[$c]})))
    done
    printf '%016x' "$m"
}

# "Field:\tvalue" of a status text in $output
status_field() {
    printf '%s\n' "$output" | awk -v f="$1:" '$1 == f { print $2 }'
}

set_caps() { # bounding effective permitted inheritable ambient (JSON arrays)
    cfg '.process.capabilities = {bounding: $b, effective: $e, permitted: $p,
                                  inheritable: $i, ambient: $a}' \
        --argjson b "$1" --argjson e "$2" --argjson p "$3" --argjson i "$4" --argjson a "$5"
}

B='["CAP_AUDIT_WRITE","CAP_KILL","CAP_NET_BIND_SERVICE","CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FOWNER","CAP_SETUID","CAP_SETGID"]'
B_NAMES="CAP_AUDIT_WRITE CAP_KILL CAP_NET_BIND_SERVICE CAP_CHOWN CAP_DAC_OVERRIDE CAP_FOWNER CAP_SETUID CAP_SETGID"

@test "root: the five capability sets in /proc/self/status match the config, nnp set" {
    # For uid 0 execve(2) makes permitted = bounding | inheritable and
    # effective = permitted (capabilities(7), "Capabilities and execution of
    # programs by root"), so a config that means what it says has
    # effective = permitted = bounding.
    set_caps "$B" "$B" "$B" '["CAP_KILL","CAP_NET_BIND_SERVICE"]' '["CAP_NET_BIND_SERVICE"]'
    cfg_args cat /proc/self/status
    run ojrun run -b "$BUNDLE" "$ID"
    [ "$status" -eq 0 ]
    [ "$(status_field CapBnd)" = "$(capmask $B_NAMES)" ]
    [ "$(status_field CapEff)" = "$(capmask $B_NAMES)" ]
    [ "$(status_field CapPrm)" = "$(capmask $B_NAMES)" ]
    [ "$(status_field CapInh)" = "$(capmask CAP_KILL CAP_NET_BIND_SERVICE)" ]
    [ "$(status_field CapAmb)" = "$(capmask CAP_NET_BIND_SERVICE)" ]
    [ "$(status_field NoNewPrivs)" = 1 ]
    [ "$(status_field Seccomp)" = 0 ]
    assert_no_leftovers "$ID"
}

@test "non-root user: ambient capabilities survive execve, the others as configured" {
    # For another uid only the ambient set carries over into permitted and
    # effective: the config gives the same set for all four.
    local K='["CAP_KILL","CAP_NET_BIND_SERVICE"]'
    set_caps "$B" "$K" "$K" "$K" "$K"
    cfg '.process.user = {"uid": 1000, "gid": 1000} | .process.noNewPrivileges = false'
    cfg_args cat /proc/self/status
    run ojrun run -b "$BUNDLE" "$ID"
    [ "$status" -eq 0 ]
    [ "$(status_field Uid | head -1)" = 1000 ]
    local k
    k=$(capmask CAP_KILL CAP_NET_BIND_SERVICE)
    [ "$(status_field CapBnd)" = "$(capmask $B_NAMES)" ]
    [ "$(status_field CapEff)" = "$k" ]
    [ "$(status_field CapPrm)" = "$k" ]
    [ "$(status_field CapInh)" = "$k" ]
    [ "$(status_field CapAmb)" = "$k" ]
    [ "$(status_field NoNewPrivs)" = 0 ]
    # and they work: binding port 80 needs CAP_NET_BIND_SERVICE
    cfg_args sh -c 'nc -l -p 80 & for i in $(seq 50); do
        if cat /proc/net/tcp /proc/net/tcp6 | grep -q ":0050 0*:0000 0A"; then echo bound; break; fi
        kill -0 $! 2>/dev/null || break; sleep 0.02; done; kill $! 2>/dev/null; wait'
    run ojrun run -b "$BUNDLE" "$ID"
    [ "$output" = bound ]
    # without it, a plain user cannot
    set_caps "$B" '[]' '[]' '[]' '[]'
    run ojrun run -b "$BUNDLE" "$ID"
    [[ "$output" == *"Permission denied"* ]]
    [[ "$output" != *bound* ]]
    assert_no_leftovers "$ID"
}

@test "seccomp: mkdir blocked with errnoRet 1 fails with EPERM, everything else works" {
    cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
    cfg_args sh -c 'mkdir /tmp/d; echo "mkdir=$?"; touch /tmp/f && echo touch=ok; ls /tmp;
                    grep -E "^Seccomp(_filters)?:" /proc/self/status'
    run ojrun run -b "$BUNDLE" "$ID"
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == *"can't create directory '/tmp/d': Operation not permitted" ]]
    [ "${lines[1]}" = "mkdir=1" ]
    [ "${lines[2]}" = "touch=ok" ]
    [ "${lines[3]}" = "f" ]
    [[ "${lines[4]}" == "Seccomp:"*2 ]]
    [[ "${lines[5]}" == "Seccomp_filters:"*1 ]]
    [ ! -e "$BUNDLE/rootfs/tmp/d" ]
    assert_no_leftovers "$ID"
}

@test "seccomp: default ERRNO allowing only what busybox echo needs runs echo, and nothing more" {
    cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
        "architectures": ["SCMP_ARCH_X86_64"],
        "syscalls": [{"action": "SCMP_ACT_ALLOW", "names": [
            "execve", "rt_sigprocmask", "brk", "mprotect", "readlink", "getuid", "prctl",
            "arch_prctl", "set_tid_address", "set_robust_list", "prlimit64", "getrandom",
            "rseq", "write", "exit", "exit_group"]}]}'
    [ "$(uname -m)" = x86_64 ] || skip "the allow list is x86_64's"
    cfg_args echo hello from a tight profile
    run ojrun run -b "$BUNDLE" "$ID"
    [ "$status" -eq 0 ]
    [ "$output" = "hello from a tight profile" ]
    # ls needs openat/getdents64: refused
    cfg_args ls /
    run ojrun run -b "$BUNDLE" "$ID"
    [ "$status" -ne 0 ]
    [[ "$output" == *"Operation not permitted"* ]]
    assert_no_leftovers "$ID"
}

@test "seccomp: SCMP_ACT_KILL_PROCESS kills with SIGSYS" {
    cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL_PROCESS"}]}'
    # the shell forks mkdir: the shell (PID 1) sees its child die of SIGSYS
    cfg_args sh -c 'mkdir /tmp/d; echo "status=$?"'
    run ojrun run -b "$BUNDLE" "$ID"
    [ "$status" -eq 0 ]
    [ "${lines[-1]}" = "status=$((128 + 31))" ]
    # the process itself, as the init
    cfg_args mkdir /tmp/d
    run ojrun run -b "$BUNDLE" "$ID"
    [ "$status" -eq $((128 + 31)) ]
    [ ! -e "$BUNDLE/rootfs/tmp/d" ]
    assert_no_leftovers "$ID"
}

@test "seccomp: argument filters, one rule per operator" {
    # kill(pid, sig) with sig 0, 10 (USR1) and 12 (USR2), ignored signals
    # sent to itself; a rule on args[1] answers EPERM when it matches
    cfg_args sh -c 'trap "" USR1 USR2; for s in 0 10 12; do
        if kill -$s $$ 2>/dev/null; then printf "%s:ok " $s; else printf "%s:denied " $s; fi; done'
    check() { # op value valueTwo expected
        cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
             "args": [{"index": 1, "op": $op, "value": $v, "valueTwo": $v2}]}]}' \
            --arg op "$1" --argjson v "$2" --argjson v2 "$3"
        run ojrun run -b "$BUNDLE" "$ID"
        echo "$1 $2 $3: $output" >&2
        [ "$status" -eq 0 ]
        [ "$output" = "$4" ]
    }
    check SCMP_CMP_EQ 10 0 "0:ok 10:denied 12:ok "
    check SCMP_CMP_NE 10 0 "0:denied 10:ok 12:denied "
    check SCMP_CMP_LT 10 0 "0:denied 10:ok 12:ok "
    check SCMP_CMP_LE 10 0 "0:denied 10:denied 12:ok "
    check SCMP_CMP_GT 10 0 "0:ok 10:ok 12:denied "
    check SCMP_CMP_GE 10 0 "0:ok 10:denied 12:denied "
    # value is the mask, valueTwo the expected bits: 12 = 0b1100 has bit 2
    check SCMP_CMP_MASKED_EQ 4 4 "0:ok 10:ok 12:denied "
    assert_no_leftovers "$ID"
}

@test "seccomp cache: the second run hits, a corrupted file is rebuilt" {
    cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
        "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}]}'
    cfg_args sh -c 'mkdir /tmp/d 2>&1'
    run --separate-stderr "$OJRUN" --root "$ROOT" --debug run -b "$BUNDLE" "$ID"
    [ "$status" -eq 1 ]
    [[ "$output" == *"Operation not permitted" ]]
    [[ "$stderr" == *"seccomp cache: miss $ROOT/seccomp-cache/"* ]]
    [[ "$stderr" == *"seccomp filter compiled"* ]]
    file=$(ls "$ROOT"/seccomp-cache/*.bpf)
    [ "$(stat -c %a "$file")" = 600 ]

    run --separate-stderr "$OJRUN" --root "$ROOT" --debug run -b "$BUNDLE" "$ID"
    [ "$status" -eq 1 ]
    [[ "$output" == *"Operation not permitted" ]]
    [[ "$stderr" == *"seccomp cache: hit $file"* ]]
    [[ "$stderr" == *"seccomp filter from cache"* ]]

    # flip bytes in the instructions: the checksum no longer matches
    size=$(stat -c %s "$file")
    printf '\xff\xff\xff\xff' | dd of="$file" bs=1 seek=$((size - 6)) conv=notrunc status=none
    run --separate-stderr "$OJRUN" --root "$ROOT" --debug run -b "$BUNDLE" "$ID"
    [ "$status" -eq 1 ]
    [[ "$output" == *"Operation not permitted" ]]
    [[ "$stderr" == *"seccomp cache: $file invalid: "*", rebuilding"* ]]
    # ... and rewritten: the next run hits again
    run --separate-stderr "$OJRUN" --root "$ROOT" --debug run -b "$BUNDLE" "$ID"
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"seccomp cache: hit $file"* ]]

    # a truncated file too
    truncate -s 20 "$file"
    run --separate-stderr "$OJRUN" --root "$ROOT" --debug run -b "$BUNDLE" "$ID"
    [ "$status" -eq 1 ]
    [[ "$output" == *"Operation not permitted" ]]
    [[ "$stderr" == *"seccomp cache: $file invalid: "*", rebuilding"* ]]
    assert_no_leftovers "$ID"
}

# The device cgroup applies without linux.resources.devices, as in runc: a
# device node bind-mounted into the container (/dev/kmsg, 1:11) is not one
# of the default devices, so opening it fails with EPERM.  The write would
# succeed without the device cgroup (printk_devkmsg is not "off"; the line
# is a debug-level message).  Same check under runc as the control.
check_kmsg_refused() {
    local runtime=$1
    [ "$(cat /proc/sys/kernel/printk_devkmsg)" != off ]
    jq -e '.linux.resources.devices == null' "$BUNDLE/config.json"
    cfg '.mounts += [{"destination":"/dev/kmsg","type":"bind","source":"/dev/kmsg",
                      "options":["bind","rw"]}]'
    cfg_args sh -c 'echo "<7>ojrun test: device cgroup" >/dev/kmsg; echo "rc=$?"; echo ok >/dev/null; echo "null=$?"'
    if [ "$runtime" = runc ]; then
        run runc --root "$BATS_TEST_TMPDIR/runc" run --bundle "$BUNDLE" "$ID-runc"
    else
        run ojrun run --bundle "$BUNDLE" "$ID"
    fi
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *"Operation not permitted"* ]]
    [[ "$output" == *"rc=1"* ]]
    [[ "$output" == *"null=0"* ]]
}

@test "devices: without linux.resources.devices a bind-mounted /dev/kmsg is refused (EPERM)" {
    check_kmsg_refused ojrun
}

@test "control/runc: devices: without linux.resources.devices a bind-mounted /dev/kmsg is refused (EPERM)" {
    check_kmsg_refused runc
}
