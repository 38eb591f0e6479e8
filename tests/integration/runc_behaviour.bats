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
