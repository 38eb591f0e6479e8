#!/usr/bin/env bats
# Where ojrun does what runc does, step for step: the order of the process
# setup (cwd, pty owner, hooks), seccomp's ENOSYS for syscalls a profile
# cannot know, mounts on symlinks, the device cgroup of linux.devices, and
# commands that must not hang on a frozen cgroup.  Each check runs the same
# steps under Debian's runc (the "control/runc: ..." twin, with a private
# --root) and under ojrun.

load helpers
load bundle

setup() {
    setup_root
    make_bundle
    ID=$P-rb
}

teardown() {
    ojrun_cleanup
    if [ -d "$BATS_TEST_TMPDIR/runc" ]; then
        local id
        for id in $(runc --root "$BATS_TEST_TMPDIR/runc" list -q 2>/dev/null); do
            runc --root "$BATS_TEST_TMPDIR/runc" delete --force "$id" >/dev/null 2>&1 || true
        done
    fi
    if [ -n "${FROZEN_CG:-}" ]; then
        local d
        for d in $(cgroup_leftovers "$FROZEN_CG"); do
            [ -f "$d/freezer.state" ] && echo THAWED >"$d/freezer.state"
        done
        for d in $(cgroup_leftovers "$FROZEN_CG/*") $(cgroup_leftovers "$FROZEN_CG"); do
            rmdir "$d" 2>/dev/null || true
        done
    fi
}

# rt RUNTIME ARGS...: the runtime under test with a private state root
rt() {
    local runtime=$1
    shift
    if [ "$runtime" = runc ]; then
        command -v runc >/dev/null || skip "runc not installed"
        runc --root "$BATS_TEST_TMPDIR/runc" "$@"
    else
        "$OJRUN" --root "$ROOT" "$@"
    fi
}

# --- linux.devices: created, but no device-cgroup rule of their own ---------

# A device listed in linux.devices is created in the container's /dev, but
# only linux.resources.devices (or the default list) lets it be used: the
# write to /dev/kmsg fails with EPERM while /dev/null still works.
check_devices_no_implicit_allow() {
    local runtime=$1
    [ "$(cat /proc/sys/kernel/printk_devkmsg)" != off ]
    cfg '.linux.devices = [{"path":"/dev/kmsg","type":"c","major":1,"minor":11,"fileMode":438}]'
    cfg_args sh -c 'test -c /dev/kmsg && echo created; echo "<7>ojrun test: devices" >/dev/kmsg; echo "kmsg=$?"; echo x >/dev/null; echo "null=$?"'
    run rt "$runtime" run -b "$BUNDLE" "$ID-$runtime"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *created* ]]
    [[ "$output" == *"Operation not permitted"* ]]
    [[ "$output" == *"kmsg=1"* ]]
    [[ "$output" == *"null=0"* ]]
}

@test "devices: linux.devices are created but not allowed without a rule" {
    check_devices_no_implicit_allow ojrun
}

@test "control/runc: devices: linux.devices are created but not allowed without a rule" {
    check_devices_no_implicit_allow runc
}

# --- seccomp: ENOSYS for syscalls the profile cannot know ----------------------

# An allow list (default EPERM) of every syscall numbered below clone3 (435
# on x86_64) but getppid: clone3 and faccessat2 (439), newer than the
# profile, fail with ENOSYS -- what glibc needs to fall back on clone and
# faccessat -- and so does a number no kernel has (1000); getppid, which the
# profile knew and left out, gets the profile's EPERM.
check_seccomp_enosys() {
    local runtime=$1 helpers=${OJRUN_HELPERS:-$SRC/build/tests/helpers}
    local hdr=/usr/include/x86_64-linux-gnu/asm/unistd_64.h
    [ "$(uname -m)" = x86_64 ] && [ -f "$hdr" ] || skip "syscall numbers of x86_64 only"
    local names
    names=$(awk '$1 == "#define" && $2 ~ /^__NR_/ && $3 + 0 < 435 {
                     n = substr($2, 6); if (n != "getppid") print n }' "$hdr" | jq -R . | jq -s .)
    [ "$(jq length <<<"$names")" -gt 300 ]
    cp "$helpers/sysno" "$BUNDLE/rootfs/bin/sysno"
    # runc 1.1.5 adds its ENOSYS check only for the architectures listed
    # (ojrun: also for the native one when none is)
    cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ERRNO", "architectures": ["SCMP_ARCH_X86_64"],
                           "syscalls": [{"names": $n, "action": "SCMP_ACT_ALLOW"}]}' --argjson n "$names"
    cfg_args /bin/sysno 435 439 1000 110 39
    run rt "$runtime" run -b "$BUNDLE" "$ID-$runtime"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 435=ENOSYS ]
    [ "${lines[1]}" = 439=ENOSYS ]
    [ "${lines[2]}" = 1000=ENOSYS ]
    [ "${lines[3]}" = 110=EPERM ]
    [ "${lines[4]}" = 39=ok ]
}

@test "seccomp: syscalls newer than the profile fail with ENOSYS, not its default errno" {
    check_seccomp_enosys ojrun
    # the same without "architectures": the native one is checked anyway
    cfg 'del(.linux.seccomp.architectures)'
    run ojrun run -b "$BUNDLE" "$ID-2"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 435=ENOSYS ]
    [ "${lines[3]}" = 110=EPERM ]
}

@test "control/runc: seccomp: syscalls newer than the profile fail with ENOSYS, not its default errno" {
    check_seccomp_enosys runc
}

# SCMP_ACT_NOTIFY: on write it is refused (the agent could never get the
# listener: the container would block on its first write), and a missing
# agent or listenerPath is reported in runc's words.  Nothing is left.
check_notify_errors() {
    local runtime=$1 sock=$BATS_TEST_TMPDIR/no-agent.sock
    cfg_args true
    cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": $s,
                           "syscalls": [{"names": ["write"], "action": "SCMP_ACT_NOTIFY"}]}' --arg s "$sock"
    run rt "$runtime" run -b "$BUNDLE" "$ID-$runtime"
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"SCMP_ACT_NOTIFY cannot be used for the write syscall"* ]]

    cfg '.linux.seccomp.syscalls[0].names = ["mkdir"]'
    run rt "$runtime" run -b "$BUNDLE" "$ID-$runtime"
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"failed to connect with seccomp agent specified in the seccomp profile"*"dial unix $sock"* ]]

    cfg 'del(.linux.seccomp.listenerPath)'
    run rt "$runtime" run -b "$BUNDLE" "$ID-$runtime"
    echo "$output"
    [ "$status" -ne 0 ]
    [[ "$output" == *"listenerPath is not set"* ]]
    run rt "$runtime" list -q
    [ -z "$output" ]
}

@test "seccomp: NOTIFY on write refused, a missing agent reported in runc's words" {
    check_notify_errors ojrun
    assert_no_leftovers "$ID-ojrun"
}

@test "control/runc: seccomp: NOTIFY on write refused, a missing agent reported in runc's words" {
    check_notify_errors runc
}

# --- proc and sysfs only on ordinary directories --------------------------------

# An image whose /proc (or /sys) is a symlink must not get procfs mounted
# where the symlink points: the masked and read-only paths would then not
# cover it.  create fails, in runc's words, and leaves nothing.
check_proc_on_symlink() {
    local runtime=$1 fs=$2 dir=$3
    rmdir "$BUNDLE/rootfs$dir"
    mkdir -p "$BUNDLE/rootfs/tmp/elsewhere"
    ln -s /tmp/elsewhere "$BUNDLE/rootfs$dir"
    run rt "$runtime" run -b "$BUNDLE" "$ID-$runtime"
    echo "$output"
    [ "$status" -ne 0 ]
    # runc's log escapes the quotes: filesystem \"proc\" must be ...
    [[ "$output" == *"filesystem "*"$fs"*" must be mounted on ordinary directory"* ]]
    [ -z "$(ls -A "$BUNDLE/rootfs/tmp/elsewhere")" ]
    run rt "$runtime" list -q
    [ -z "$output" ]
}

@test "proc on a /proc that is a symlink is refused" {
    check_proc_on_symlink ojrun proc /proc
    assert_no_leftovers "$ID-ojrun"
}

@test "control/runc: proc on a /proc that is a symlink is refused" {
    check_proc_on_symlink runc proc /proc
}

@test "sysfs on a /sys that is a symlink is refused" {
    check_proc_on_symlink ojrun sysfs /sys
    assert_no_leftovers "$ID-ojrun"
}

@test "control/runc: sysfs on a /sys that is a symlink is refused" {
    check_proc_on_symlink runc sysfs /sys
}

# A masked or read-only path that is a symlink would protect only what it
# points to (/proc/net -> self/net: the init's own, not every process's).
# ojrun refuses it (runc 1.1.5 follows it: no control).
@test "a masked or read-only path that is a symlink is refused" {
    local f
    for f in maskedPaths readonlyPaths; do
        cfg ".linux.$f += [\"/proc/net\"]"
        run ojrun run -b "$BUNDLE" "$ID"
        echo "$output"
        [ "$status" -eq 1 ]
        [[ "$output" == *" path /proc/net: is a symlink; name its target instead"* ]]
        assert_no_leftovers "$ID"
        cfg ".linux.$f -= [\"/proc/net\"]"
    done
}

# A bind source below a directory only host root may search (0700) is out
# of reach of a user namespace's root: runc opens the sources as host root
# in the container's mount namespace and binds from the fds; so does ojrun.
check_userns_private_bind_source() {
    local runtime=$1
    userns_on
    mkdir -p "$BATS_TEST_TMPDIR/priv/src"
    echo hello >"$BATS_TEST_TMPDIR/priv/src/f"
    chmod 0700 "$BATS_TEST_TMPDIR/priv"
    cfg '.mounts += [{"destination": "/mnt", "type": "bind", "source": $s, "options": ["rbind", "ro"]}]' \
        --arg s "$BATS_TEST_TMPDIR/priv/src"
    cfg_args sh -c 'cat /mnt/f; touch /mnt/g 2>/dev/null || echo read-only'
    run rt "$runtime" run -b "$BUNDLE" "$ID-$runtime"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = hello ]
    [ "${lines[1]}" = read-only ]
}

@test "user namespace: a bind source only host root can reach is mounted" {
    check_userns_private_bind_source ojrun
}

@test "control/runc: user namespace: a bind source only host root can reach is mounted" {
    check_userns_private_bind_source runc
}

# --- process setup in runc's order --------------------------------------------

# process.cwd is entered while the init is still root, so a directory only
# root can search works for a non-root process (runc's finalizeNamespace
# enters it before dropping privileges, and again after if that failed).
check_cwd_root_only() {
    local runtime=$1
    mkdir -m 0700 "$BUNDLE/rootfs/secret"
    # no CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH: the process's own
    # capabilities would let it in while it still holds them
    cfg '.process.user = {"uid": 1000, "gid": 1000} | .process.cwd = "/secret"
         | .process.capabilities = {"bounding": ["CAP_KILL"], "effective": ["CAP_KILL"],
                                    "permitted": ["CAP_KILL"]}'
    cfg_args sh -c 'pwd; id -u; ls . >/dev/null 2>&1 || echo cannot-list'
    run rt "$runtime" run -b "$BUNDLE" "$ID-$runtime"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = /secret ]
    [ "${lines[1]}" = 1000 ]
    [ "${lines[2]}" = cannot-list ]
}

@test "process.cwd only root can reach works for a non-root process" {
    check_cwd_root_only ojrun
}

@test "control/runc: process.cwd only root can reach works for a non-root process" {
    check_cwd_root_only runc
}

# The console's pty belongs to the process's uid (its group stays devpts's,
# as runc leaves it), so a non-root process owns its terminal.
check_pty_owner() {
    local runtime=$1 helpers=${OJRUN_HELPERS:-$SRC/build/tests/helpers}
    local sock=$BATS_TEST_TMPDIR/console.sock
    cfg '.process.terminal = true | .process.user = {"uid": 1000, "gid": 1000}'
    cfg_args sh -c 'stat -c "owner=%u" "$(tty)"'
    "$helpers/recvtty" "$sock" >"$BATS_TEST_TMPDIR/tty.out" 2>"$BATS_TEST_TMPDIR/tty.err" &
    local rpid=$! i
    for i in $(seq 250); do grep -q listening "$BATS_TEST_TMPDIR/tty.err" 2>/dev/null && break; sleep 0.02; done
    run rt "$runtime" run -d --console-socket "$sock" -b "$BUNDLE" "$ID-$runtime"
    [ "$status" -eq 0 ]
    wait "$rpid"
    run cat "$BATS_TEST_TMPDIR/tty.out"
    echo "$output"
    [[ "$output" == *"owner=1000"* ]]
}

@test "process.terminal: the pty belongs to the process's uid" {
    check_pty_owner ojrun
}

@test "control/runc: process.terminal: the pty belongs to the process's uid" {
    check_pty_owner runc
}

# Hooks run in the directory runc gives them -- the bundle for the runtime
# namespace's hooks, the rootfs for createContainer, process.cwd for
# startContainer -- whatever the caller's directory; startContainer runs as
# the process would: its user, no_new_privs, and inside its seccomp filter.
check_hooks_order() {
    local runtime=$1 log=$BATS_TEST_TMPDIR/hooks.log
    printf '%s\n' '#!/bin/sh' \
        'echo "$1 cwd=$(pwd) uid=$(id -u) $(grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status | tr -s "\t\n" "  ")" >>"$2"' \
        >"$BATS_TEST_TMPDIR/hook.sh"
    chmod 755 "$BATS_TEST_TMPDIR/hook.sh"
    cp "$BATS_TEST_TMPDIR/hook.sh" "$BUNDLE/rootfs/hook.sh"
    : >"$BUNDLE/rootfs/hooks.log"
    chmod 666 "$BUNDLE/rootfs/hooks.log"
    mkdir -m 0777 "$BUNDLE/rootfs/work"
    local h=$BATS_TEST_TMPDIR/hook.sh
    cfg '.process.user = {"uid": 1000, "gid": 1000} | .process.cwd = "/work"
         | .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
                             "syscalls": [{"names": ["mknod"], "action": "SCMP_ACT_ERRNO"}]}
         | .hooks = {"prestart": [{"path": $h, "args": ["h", "prestart", $log]}],
                     "createRuntime": [{"path": $h, "args": ["h", "createRuntime", $log]}],
                     "createContainer": [{"path": $h, "args": ["h", "createContainer", $log]}],
                     "startContainer": [{"path": "/hook.sh", "args": ["h", "startContainer", "/hooks.log"]}],
                     "poststart": [{"path": $h, "args": ["h", "poststart", $log]}],
                     "poststop": [{"path": $h, "args": ["h", "poststop", $log]}]}' \
        --arg h "$h" --arg log "$log"
    cfg_args true
    (cd / && rt "$runtime" run -b "$BUNDLE" "$ID-$runtime")
    cat "$log" "$BUNDLE/rootfs/hooks.log"
    local k
    for k in prestart createRuntime poststart poststop; do
        grep -qx "$k cwd=$BUNDLE uid=0 NoNewPrivs: 0 Seccomp: 0 *" "$log"
    done
    grep -qx "createContainer cwd=$BUNDLE/rootfs uid=0 NoNewPrivs: 0 Seccomp: 0 *" "$log"
    grep -qx "startContainer cwd=/work uid=1000 NoNewPrivs: 1 Seccomp: 2 *" "$BUNDLE/rootfs/hooks.log"
}

@test "hooks: working directories, and startContainer under the process's seccomp filter" {
    check_hooks_order ojrun
}

@test "control/runc: hooks: working directories, and startContainer under the process's seccomp filter" {
    check_hooks_order runc
}

# --- no command hangs on a frozen cgroup ---------------------------------------

# freeze_cgroup REL: make cgroup REL in the freezer hierarchy and freeze it
freeze_cgroup() {
    local d
    d=$(cgroup_path freezer "$1")
    mkdir -p "$d"
    if [ -f "$d/freezer.state" ]; then
        echo FROZEN >"$d/freezer.state"
        [ "$(cat "$d/freezer.state")" = FROZEN ]
    else
        echo 1 >"$d/cgroup.freeze"
    fi
}

# A container whose cgroup exists and is frozen cannot start its init:
# create (run -d) refuses at once and leaves nothing -- no state, no
# process in the cgroup -- instead of blocking on a frozen init for ever.
check_frozen_cgroup_refused() {
    local runtime=$1
    FROZEN_CG=/$P-frozen
    freeze_cgroup "$FROZEN_CG"
    cfg '.linux.cgroupsPath = $cg' --arg cg "$FROZEN_CG"
    cfg_args sleep 100
    # Bounded, and through a file: a frozen init would hold a pipe open
    # (bats's `run` would wait for it for ever).
    local out=$BATS_TEST_TMPDIR/create.out
    if [ "$runtime" = runc ]; then
        command -v runc >/dev/null || skip "runc not installed"
        status=0
        timeout -k 5 60 runc --root "$BATS_TEST_TMPDIR/runc" run -d -b "$BUNDLE" "$ID-runc" \
            </dev/null >"$out" 2>&1 || status=$?
    else
        status=0
        timeout -k 5 60 "$OJRUN" --root "$ROOT" run -d -b "$BUNDLE" "$ID-ojrun" \
            </dev/null >"$out" 2>&1 || status=$?
    fi
    output=$(cat "$out")
    echo "$output"
    [ "$status" -ne 0 ]
    [ "$status" -ne 124 ] # not the timeout
    [[ "$output" == *frozen* ]]
    run rt "$runtime" list -q
    [ -z "$output" ]
    [ -z "$(cat "$(cgroup_path freezer "$FROZEN_CG")/cgroup.procs")" ]
}

@test "create into a frozen cgroup is refused at once and leaves nothing" {
    check_frozen_cgroup_refused ojrun
    [ ! -e "$ROOT/$ID-ojrun" ]
}

@test "control/runc: create into a frozen cgroup is refused at once and leaves nothing" {
    check_frozen_cgroup_refused runc
}

# Below a frozen parent the new cgroup is frozen too (runc 1.1.5 blocks
# there, its init in D state: no control).
@test "create below a frozen parent cgroup is refused at once and leaves nothing" {
    FROZEN_CG=/$P-frozen
    freeze_cgroup "$FROZEN_CG"
    cfg '.linux.cgroupsPath = $cg' --arg cg "$FROZEN_CG/child"
    cfg_args sleep 100
    local out=$BATS_TEST_TMPDIR/create.out
    status=0
    timeout -k 5 60 "$OJRUN" --root "$ROOT" run -d -b "$BUNDLE" "$ID" </dev/null >"$out" 2>&1 ||
        status=$?
    output=$(cat "$out")
    echo "$output"
    [ "$status" -eq 1 ]
    [[ "$output" == *"is frozen"* ]]
    [ ! -e "$ROOT/$ID" ]
    [ -z "$(cgroup_leftovers "$FROZEN_CG/child")" ]
    [ -z "$(cat "$(cgroup_path freezer "$FROZEN_CG")/cgroup.procs")" ]
}
