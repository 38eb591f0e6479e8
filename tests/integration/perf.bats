#!/usr/bin/env bats
# Behaviour that the performance work (specs/performance.md) must keep:
# each optimisation of ojrun's hot path has a test here or in a unit test.
#
#   fast cgroup placement   the init is in the container's cgroup of every
#                           hierarchy (v1 by its own write to `tasks`, v2 by
#                           clone3(CLONE_INTO_CGROUP)) before the user's
#                           process runs; limits hold
#   run reuses its config   start and delete inside `run` get the config
#                           create parsed: hooks and the "no process" check
#                           behave as with separate commands
#   state summary           create records in state.json what start and
#                           delete need from config.json (process, number of
#                           poststart/poststop hooks): they read the file only
#                           for hooks, or for a state.json without it
#   static ojrun            (build) -- everything else in this file runs it
#   netlink without libmnl  tests/unit/test_netlink.c

load helpers
load bundle

setup() {
    setup_root
    make_bundle
    # unique ids: the cgroup paths (/ojrun/<id>) are host-wide
    ID=$P-perf
}

teardown() {
    ojrun_cleanup
}

# Every hierarchy's directory of container $1 (v1 ones and cgroup2).
cgroup_dirs() {
    cgroup_leftovers "/ojrun/$1"
}

@test "fast placement: after create the init is in its cgroup in every hierarchy" {
    cfg_args sleep 100
    ojrun create -b "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" "$ID"
    pid=$(cat "$BATS_TEST_TMPDIR/pid")
    n=0
    for d in $(cgroup_dirs "$ID"); do
        if ! grep -qx "$pid" "$d/cgroup.procs"; then
            echo "init $pid is not in $d" >&2
            return 1
        fi
        n=$((n + 1))
    done
    # every mounted hierarchy (v1 controllers, name=systemd, cgroup2)
    [ "$n" -ge "$(cgroup_mounts | wc -l)" ]
    ojrun delete --force "$ID"
    assert_no_leftovers "$ID"
}

@test "fast placement: the same, with a user namespace (the init's IDs are unmapped on the host)" {
    userns_on
    cfg_args sleep 100
    ojrun create -b "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" "$ID"
    pid=$(cat "$BATS_TEST_TMPDIR/pid")
    [ "$(stat -c %u /proc/"$pid")" = 100000 ]
    for d in $(cgroup_dirs "$ID"); do
        grep -qx "$pid" "$d/cgroup.procs"
    done
    ojrun delete --force "$ID"
}

@test "fast placement: the pids limit applies to the user's process from its first fork" {
    cfg '.linux.resources = {"pids": {"limit": 3}}'
    # the shell is 1, two background sleeps make 3; the third fork fails
    cfg_args sh -c 'sleep 1 & sleep 1 & sleep 1 & wait'
    run ojrun run -b "$BUNDLE" "$ID"
    echo "$output"
    [[ "$output" == *"can't fork"* ]]
    assert_no_leftovers "$ID"
}

@test "fast placement: with a cgroup namespace the container sees its cgroup2 directory as /" {
    [ -d /sys/fs/cgroup/unified ] || [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ] ||
        skip "no cgroup2 mount on this host"
    cfg_args cat /proc/self/cgroup
    run ojrun run -b "$BUNDLE" "$ID"
    [ "$status" -eq 0 ]
    # born in its cgroup2 directory by clone3(CLONE_INTO_CGROUP): the new
    # cgroup namespace is rooted there, as runc's is
    [[ "$output" == *"0::/"* ]]
    ! grep -q '^0::/ojrun' <<<"$output"
}

@test "run reuses its config: poststart and poststop hooks run, with the state" {
    log=$BATS_TEST_TMPDIR/hooks.log
    cat >"$BATS_TEST_TMPDIR/hook.sh" <<HOOK
#!/bin/sh
state=\$(cat)
echo "\$1 \$(echo "\$state" | jq -r '.id + " " + .status')" >> $log
HOOK
    chmod +x "$BATS_TEST_TMPDIR/hook.sh"
    h=$BATS_TEST_TMPDIR/hook.sh
    cfg '.hooks = {"createRuntime":[{"path":$h,"args":["hook","createRuntime"]}],
                  "poststart":[{"path":$h,"args":["hook","poststart"]}],
                  "poststop":[{"path":$h,"args":["hook","poststop"]}]}' --arg h "$h"
    run ojrun run -b "$BUNDLE" "$ID"
    [ "$status" -eq 0 ]
    run cat "$log"
    [ "${lines[0]}" = "createRuntime $ID creating" ]
    [ "${lines[1]}" = "poststart $ID running" ]
    [ "${lines[2]}" = "poststop $ID stopped" ]
    assert_no_leftovers "$ID"
}

@test "run reuses its config: a config without a process is refused by start and cleaned up" {
    cfg 'del(.process)'
    run ojrun run -b "$BUNDLE" "$ID"
    [ "$status" -eq 1 ]
    [[ "$output" == *"config.json has no process"* ]]
    assert_no_leftovers "$ID"
}

# The files PROGRAM... opens (strace), one path per line.
opened() {
    strace -f -qq -e trace=open,openat -o "$BATS_TEST_TMPDIR/strace.out" "$@"
    grep -oE '"[^"]*"' "$BATS_TEST_TMPDIR/strace.out" | tr -d '"'
}

@test "state summary: start and delete without hooks do not read config.json" {
    cfg_args true
    ojrun create -b "$BUNDLE" "$ID" </dev/null
    assert_jq '.ojrun.process == true and .ojrun.poststartHooks == 0 and .ojrun.poststopHooks == 0' \
        "$ROOT/$ID/state.json"
    run opened "$OJRUN" --root "$ROOT" start "$ID"
    [ "$status" -eq 0 ]
    [[ "$output" == *"$ROOT/$ID/state.json"* ]]
    ! grep -q 'config.json' <<<"$output"
    for i in $(seq 100); do [ "$(ojrun state "$ID" | jq -r .status)" = stopped ] && break; sleep 0.02; done
    run opened "$OJRUN" --root "$ROOT" delete "$ID"
    [ "$status" -eq 0 ]
    ! grep -q 'config.json' <<<"$output"
    assert_no_leftovers "$ID"
}

@test "state summary: a poststop hook is read and run by delete only; no process is refused by start" {
    log=$BATS_TEST_TMPDIR/hooks.log
    printf '#!/bin/sh\necho "$1 $(jq -r .status)" >> %s\n' "$log" >"$BATS_TEST_TMPDIR/hook.sh"
    chmod +x "$BATS_TEST_TMPDIR/hook.sh"
    cfg_args true
    cfg '.hooks = {"poststop":[{"path":$h,"args":["hook","poststop"]}]}' --arg h "$BATS_TEST_TMPDIR/hook.sh"
    ojrun create -b "$BUNDLE" "$ID" </dev/null
    assert_jq '.ojrun.poststartHooks == 0 and .ojrun.poststopHooks == 1' "$ROOT/$ID/state.json"
    run opened "$OJRUN" --root "$ROOT" start "$ID"
    [ "$status" -eq 0 ]
    ! grep -q 'config.json' <<<"$output"
    for i in $(seq 100); do [ "$(ojrun state "$ID" | jq -r .status)" = stopped ] && break; sleep 0.02; done
    run opened "$OJRUN" --root "$ROOT" delete "$ID"
    [ "$status" -eq 0 ]
    grep -q "$ROOT/$ID/config.json" <<<"$output"
    [ "$(cat "$log")" = "poststop stopped" ]
    assert_no_leftovers "$ID"

    cfg 'del(.process) | del(.hooks)'
    ojrun create -b "$BUNDLE" "$ID" </dev/null
    assert_jq '.ojrun.process == false' "$ROOT/$ID/state.json"
    run ojrun start "$ID"
    [ "$status" -eq 1 ]
    [[ "$output" == *"config.json has no process"* ]]
    ojrun delete --force "$ID"
    assert_no_leftovers "$ID"
}

@test "state summary: a state.json without it (older ojrun) makes start and delete read config.json" {
    cfg_args true
    ojrun create -b "$BUNDLE" "$ID" </dev/null
    jq 'del(.ojrun.process, .ojrun.poststartHooks, .ojrun.poststopHooks)' "$ROOT/$ID/state.json" \
        >"$BATS_TEST_TMPDIR/state.json"
    cp "$BATS_TEST_TMPDIR/state.json" "$ROOT/$ID/state.json"
    run opened "$OJRUN" --root "$ROOT" start "$ID"
    [ "$status" -eq 0 ]
    grep -q "$ROOT/$ID/config.json" <<<"$output"
    for i in $(seq 100); do [ "$(ojrun state "$ID" | jq -r .status)" = stopped ] && break; sleep 0.02; done
    run opened "$OJRUN" --root "$ROOT" delete "$ID"
    [ "$status" -eq 0 ]
    grep -q "$ROOT/$ID/config.json" <<<"$output"
    assert_no_leftovers "$ID"
}
