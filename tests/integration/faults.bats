#!/usr/bin/env bats
# Fault injection: `ojrun create` killed with SIGKILL at each of its steps,
# a state directory on a full filesystem, damaged state files.  After each,
# `state` and `list` must report what is there without crashing, and
# `delete --force` must leave nothing behind: no state directory, cgroup,
# mount or live process.
#
# The kill points come from the --debug trace (one line per step, see
# specs/internals.md "create, numbered") and from the syscalls that make a
# step visible on disk; tests/helpers/killat.c stops `create` under ptrace
# at exactly that point and kills it there.

load helpers
load bundle

setup() {
    setup_root
    make_bundle
    # unique: cgroups live under /ojrun/<id> whatever the --root
    ID=$P-flt
    KILLAT=${OJRUN_HELPERS:-$SRC/build/tests/helpers}/killat
}

teardown() {
    # list (and so ojrun_cleanup) skips containers whose state.json is damaged
    [ -n "${ID:-}" ] && "$OJRUN" --root "$ROOT" delete --force "$ID" >/dev/null 2>&1
    ojrun_cleanup
    if [ -n "${FULL_MNT:-}" ] && mountpoint -q "$FULL_MNT"; then
        umount "$FULL_MNT"
    fi
}

# The host PIDs of processes the test must see gone (the init).
init_pid_from_trace() {
    sed -nE 's/.*: init PID ([0-9]+)$/\1/p' "$1" | head -1
}

# A live process is one that exists and is not a zombie (this machine's
# PID 1 does not reap orphans, so zombies of killed inits may linger).
assert_not_running() {
    local pid=$1 st
    [ -n "$pid" ] || return 0
    for _ in $(seq 100); do
        st=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
        [ -z "$st" ] || [ "$st" = Z ] && return 0
        sleep 0.02
    done
    echo "process $pid still running: $(cat /proc/$pid/cmdline | tr '\0' ' ')" >&2
    return 1
}

# create under killat, with the trigger given as arguments; sets KILLED
# (killat's verdict) and INIT_PID (empty when no init was cloned).
kill_create() {
    local out=$BATS_TEST_TMPDIR/killat.out err=$BATS_TEST_TMPDIR/killat.err rc=0
    "$KILLAT" "$@" -- "$OJRUN" --root "$ROOT" --debug create -b "$BUNDLE" \
        --pid-file "$BATS_TEST_TMPDIR/pid" "$ID" >"$out" 2>"$err" || rc=$?
    KILLED=$(tail -1 "$out")
    INIT_PID=$(init_pid_from_trace "$err")
    if [ $rc -ne 0 ]; then
        echo "killat exit $rc: $KILLED" >&2
        tail -5 "$err" >&2
        return 1
    fi
}

# What state and list say after the kill, then delete --force and check
# that nothing is left.  $1: the status state must report ("none" when the
# container must not exist).
check_and_clean() {
    local want=$1
    run --separate-stderr ojrun state "$ID"
    if [ "$want" = none ]; then
        [ "$status" -eq 1 ]
        [[ "$stderr" == *"\"$ID\" does not exist"* ]]
    else
        [ "$status" -eq 0 ] || { echo "state: $stderr" >&2; return 1; }
        [ "$(jq -r .status <<<"$output")" = "$want" ] || { echo "state: $output" >&2; return 1; }
    fi
    run --separate-stderr ojrun list --format json
    [ "$status" -eq 0 ]
    if [ "$want" = none ]; then
        [ "$(jq length <<<"$output")" -eq 0 ]
    else
        [ "$(jq -r --arg id "$ID" '.[] | select(.id == $id) | .status' <<<"$output")" = "$want" ]
    fi
    run ojrun list
    [ "$status" -eq 0 ]
    run --separate-stderr ojrun delete --force "$ID"
    [ "$status" -eq 0 ] || { echo "delete --force: $stderr" >&2; return 1; }
    assert_no_leftovers "$ID"
    assert_not_running "$INIT_PID"
    # a second delete --force is a no-op
    ojrun delete --force "$ID"
}

# --- SIGKILL at each step of create ------------------------------------------

@test "killed after parsing the config: nothing exists" {
    kill_create --line "config loaded"
    check_and_clean none
}

@test "killed after mkdir of the state directory, before its lock: creating" {
    kill_create --mkdir "/$ID"
    [ -d "$ROOT/$ID" ]
    check_and_clean creating
}

@test "killed after the state directory is complete: creating" {
    kill_create --line "state directory"
    [ -e "$ROOT/$ID/config.json" ] && [ -p "$ROOT/$ID/exec.fifo" ]
    check_and_clean creating
}

@test "killed while creating the cgroup (before it is recorded): creating, cgroup removed" {
    # the limit's write comes after every directory was made, on v1 (after
    # the cpuset copy) and on v2 (after enabling the controllers) alike
    cfg '.linux.resources.pids = {"limit": 64}'
    kill_create --line "pids.max"
    [ ! -e "$ROOT/$ID/cgroup" ]
    ls -d "$(cgroup_dir "$ID" pids)"
    check_and_clean creating
}

@test "killed after the cgroup, before clone: creating" {
    kill_create --line "clone flags="
    [ -e "$ROOT/$ID/cgroup" ]
    check_and_clean creating
}

@test "killed right after clone: the init dies with create" {
    kill_create --line "init PID"
    [ -n "$INIT_PID" ]
    check_and_clean creating
}

@test "killed between uid_map and gid_map (user namespace): creating" {
    userns_on
    kill_create --line "gid_map"
    check_and_clean creating
}

@test "killed after the maps and the cgroup2 placement, before GO (user namespace): creating" {
    userns_on
    kill_create --line "its cgroup2 directory"
    check_and_clean creating
}

@test "killed after the init was placed in its cgroup2 directory, before GO: creating" {
    kill_create --line "its cgroup2 directory"
    check_and_clean creating
}

@test "killed while the init moves itself into the v1 hierarchies: creating" {
    kill_create --line "cgroup: init moved itself into" --nth 3
    check_and_clean creating
}

@test "killed while the init mounts (mounts[2]): creating" {
    kill_create --line "mounts[2]"
    check_and_clean creating
}

@test "killed at pivot_root: creating" {
    kill_create --line "pivot_root into"
    check_and_clean creating
}

@test "killed when the init is ready (it outlives create): creating, delete --force kills it" {
    kill_create --line "init ready, waiting for start"
    [ -n "$INIT_PID" ]
    check_and_clean creating
}

@test "killed after state.json, before the pid file: created" {
    cfg_args sleep 100
    kill_create --rename "/$ID/state.json"
    [ ! -e "$BATS_TEST_TMPDIR/pid" ]
    # the init is alive and waiting for start
    [ "$(awk '{print $3}' "/proc/$INIT_PID/stat")" != Z ]
    check_and_clean created
}

@test "killed after the pid file: created" {
    cfg_args sleep 100
    kill_create --rename "/pid"
    [ "$(cat "$BATS_TEST_TMPDIR/pid")" = "$INIT_PID" ]
    check_and_clean created
}

@test "killed after create's last step: created, and start still works" {
    cfg_args sh -c 'echo started'
    kill_create --line ": created"
    run ojrun start "$ID"
    [ "$status" -eq 0 ]
    for _ in $(seq 100); do [ "$(ojrun state "$ID" | jq -r .status)" = stopped ] && break; sleep 0.02; done
    check_and_clean stopped
}

@test "killed after compiling seccomp, before the state directory: nothing exists" {
    cfg '.linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO"}]}'
    kill_create --line "seccomp filter"
    check_and_clean none
    # the cache holds only complete programs (no temporary files)
    [ -z "$(find "$ROOT/seccomp-cache" -name '*.tmp*' 2>/dev/null)" ]
}

@test "killed after clone with a namespace joined by path (stage-1): creating" {
    cfg_args sleep 100
    ojrun create -b "$BUNDLE" "$ID-host"
    hostpid=$(ojrun state "$ID-host" | jq .pid)
    cfg '.linux.namespaces |= map(if .type == "ipc" then .path = "/proc/\($p)/ns/ipc" else . end)' --arg p "$hostpid"
    kill_create --line "init PID"
    check_and_clean creating
    # the container whose namespace was joined is untouched
    [ "$(ojrun state "$ID-host" | jq -r .status)" = created ]
    ojrun delete --force "$ID-host"
    assert_no_leftovers "$ID-host"
}

# --- a full filesystem under --root -----------------------------------------

# A 64 KiB tmpfs as --root, with all but $1 bytes taken by a filler file.
full_root() {
    FULL_MNT=$BATS_TEST_TMPDIR/full
    mkdir -p "$FULL_MNT"
    mount -t tmpfs -o size=64k,mode=0700 tmpfs "$FULL_MNT"
    local free=$1
    head -c $((65536 - free)) /dev/zero >"$FULL_MNT/filler" 2>/dev/null || true
    ROOT=$FULL_MNT
}

@test "state directory on a full filesystem: a clear error and nothing half-written, at every fill level" {
    # The config is padded to two pages, so that the state directory fails
    # at different files depending on how much space is left.
    cfg '.annotations = {"pad": ($p)}' --arg p "$(head -c 5000 /dev/zero | tr '\0' x)"
    cfg_args sleep 100
    local failed=0 succeeded=0
    for free in 0 4096 8192 12288 16384 20480 24576; do
        full_root "$free"
        # not `run`: it would wait for the init, which inherits stdout
        status=0
        ojrun create -b "$BUNDLE" "$ID" </dev/null >"$BATS_TEST_TMPDIR/out" \
            2>"$BATS_TEST_TMPDIR/err" || status=$?
        stderr=$(cat "$BATS_TEST_TMPDIR/err")
        if [ "$status" -eq 0 ]; then
            succeeded=$((succeeded + 1))
            [ "$(ojrun state "$ID" | jq -r .status)" = created ]
            ojrun delete --force "$ID"
        else
            failed=$((failed + 1))
            [ "$status" -eq 1 ]
            [ ! -s "$BATS_TEST_TMPDIR/out" ]
            [[ "$stderr" == "ojrun: create $ID: "*"No space left on device" ]] ||
                { echo "free=$free: $stderr" >&2; return 1; }
            # exactly one line
            [ "$(printf '%s\n' "$stderr" | grep -c '')" -eq 1 ]
        fi
        # nothing but the filler: no state directory, no temporary file
        [ "$(ls -A "$ROOT")" = filler ] || { echo "free=$free: left $(ls -A "$ROOT")" >&2; return 1; }
        assert_no_leftovers "$ID"
        umount "$FULL_MNT"
        ROOT=$BATS_TEST_TMPDIR/root
    done
    # both outcomes were seen: the fill levels straddle the boundary
    [ "$failed" -ge 2 ]
    [ "$succeeded" -ge 1 ]
}

@test "pid file on a full filesystem: create fails naming it and rolls back" {
    full_root 0
    local pidfile=$FULL_MNT/pid
    ROOT=$BATS_TEST_TMPDIR/root
    cfg_args sleep 100
    rc=0
    ojrun create -b "$BUNDLE" --pid-file "$pidfile" "$ID" </dev/null >/dev/null \
        2>"$BATS_TEST_TMPDIR/err" || rc=$?
    [ "$rc" -eq 1 ]
    [[ "$(cat "$BATS_TEST_TMPDIR/err")" == "ojrun: create $ID: --pid-file: "*"No space left on device" ]]
    [ "$(ls -A "$FULL_MNT")" = filler ]
    assert_no_leftovers "$ID"
}

# --- damaged state files -----------------------------------------------------

@test "a corrupted state.json: state and delete report it, delete --force cleans up" {
    cfg_args sleep 100
    ojrun create -b "$BUNDLE" "$ID"
    pid=$(ojrun state "$ID" | jq .pid)
    printf '{"pid": "garb' >"$ROOT/$ID/state.json"
    run --separate-stderr ojrun state "$ID"
    [ "$status" -eq 1 ]
    [ "$stderr" = "ojrun: state $ID: container \"$ID\": state.json: invalid JSON: parse error: premature EOF {\"pid\": \"garb (right here) ------^" ]
    run --separate-stderr ojrun list -q
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    [[ "$stderr" == *"warning: list: container \"$ID\": state.json: invalid JSON"* ]]
    run --separate-stderr ojrun delete "$ID"
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"(delete --force removes it)" ]]
    run --separate-stderr ojrun delete --force "$ID"
    [ "$status" -eq 0 ]
    [[ "$stderr" == *"removing what the container owns"* ]]
    assert_no_leftovers "$ID"
    assert_not_running "$pid"
}

@test "state.json with valid JSON but wrong fields, or empty: reported, delete --force cleans up" {
    cfg_args sleep 100
    for doc in '{"pid":"12"}' '[]' '' '{"pid":-5,"bundle":"/x","ojrun":{"pidStartTime":1}}'; do
        ojrun create -b "$BUNDLE" "$ID"
        pid=$(ojrun state "$ID" | jq .pid)
        printf '%s' "$doc" >"$ROOT/$ID/state.json"
        run --separate-stderr ojrun state "$ID"
        [ "$status" -eq 1 ]
        [[ "$stderr" == "ojrun: state $ID: container \"$ID\": state.json: "* ]]
        run ojrun delete --force "$ID"
        [ "$status" -eq 0 ]
        assert_no_leftovers "$ID"
        assert_not_running "$pid"
    done
}

@test "a corrupted cgroup file: delete --force finds the cgroup where create puts it" {
    cfg_args sleep 100
    ojrun create -b "$BUNDLE" "$ID"
    pid=$(ojrun state "$ID" | jq .pid)
    echo garbage >"$ROOT/$ID/cgroup"
    run --separate-stderr ojrun delete --force "$ID"
    [ "$status" -eq 0 ]
    [[ "$stderr" == *"load cgroup state: malformed line 1: Invalid argument; looking for its cgroup where create puts it"* ]]
    assert_no_leftovers "$ID"
    assert_not_running "$pid"
}

@test "a missing cgroup file never removes another root's cgroup of the same id" {
    cfg_args sleep 100
    # container $ID under another --root owns /ojrun/$ID
    other=$BATS_TEST_TMPDIR/other-root
    "$OJRUN" --root "$other" create -b "$BUNDLE" "$ID"
    opid=$("$OJRUN" --root "$other" state "$ID" | jq .pid)
    # a half-made $ID here: state directory only (create killed early)
    kill_create --line "state directory"
    run --separate-stderr ojrun delete --force "$ID"
    [ "$status" -eq 0 ]
    [[ "$stderr" == *"holds processes that are not this container's: left alone"* ]]
    [ ! -e "$ROOT/$ID" ]
    # the other container is intact
    [ "$("$OJRUN" --root "$other" state "$ID" | jq -r .status)" = created ]
    [ "$(awk '{print $3}' "/proc/$opid/stat")" != Z ]
    "$OJRUN" --root "$other" delete --force "$ID"
    assert_no_leftovers "$ID"
}

@test "state.json and cgroup file both damaged: delete --force refuses to guess, and cleans once the record is back" {
    cfg_args sleep 100
    ojrun create -b "$BUNDLE" "$ID"
    pid=$(ojrun state "$ID" | jq .pid)
    cp "$ROOT/$ID/cgroup" "$BATS_TEST_TMPDIR/cgroup.saved"
    echo '{' >"$ROOT/$ID/state.json"
    echo garbage >"$ROOT/$ID/cgroup"
    run --separate-stderr ojrun delete --force "$ID"
    [ "$status" -eq 1 ]
    [[ "$stderr" == *"its cgroup record is damaged and cgroup /sys/fs/cgroup/"*"ojrun/$ID holds processes that may belong to another container of the same id: not removed" ]]
    # nothing was removed: the state directory still names the container
    [ -d "$ROOT/$ID" ]
    [ "$(awk '{print $3}' "/proc/$pid/stat")" != Z ]
    cp "$BATS_TEST_TMPDIR/cgroup.saved" "$ROOT/$ID/cgroup"
    run ojrun delete --force "$ID"
    [ "$status" -eq 0 ]
    assert_no_leftovers "$ID"
    assert_not_running "$pid"
}

# --- SIGKILL of ojrun-shim at each step of its life ------------------------------
#
# `create --shim` forks the shim (named ojrun-shim), which creates the container in
# its own process, reports to create, then supervises the task and writes
# result.json (specs/shim-protocol.md).  killat (--victim @fork) follows the fork
# and kills the shim at the step; its --debug lines go to stderr (the
# caller's until it reports, /dev/null after).

# shim_create TRIGGER...: create --shim with killat waiting to kill the shim,
# in the background (KILLAT_PID); the trace goes to $BATS_TEST_TMPDIR/k.err.
shim_create() {
    "$KILLAT" --victim @fork "$@" -- "$OJRUN" --root "$ROOT" --debug create --shim \
        -b "$BUNDLE" "$ID" </dev/null >"$BATS_TEST_TMPDIR/k.out" 2>"$BATS_TEST_TMPDIR/k.err" &
    KILLAT_PID=$!
}

# Wait (bounded) for killat; it must have killed the shim.  Sets KILLED,
# CREATE_RC (create's exit status) and INIT_PID.
shim_killed() {
    local rc=0
    for _ in $(seq 500); do kill -0 "$KILLAT_PID" 2>/dev/null || break; sleep 0.02; done
    if kill -0 "$KILLAT_PID" 2>/dev/null; then
        echo "killat still waiting for its trigger" >&2
        kill "$KILLAT_PID"
        return 1
    fi
    wait "$KILLAT_PID" || rc=$?
    KILLED=$(tail -1 "$BATS_TEST_TMPDIR/k.out")
    CREATE_RC=$(sed -n 's/^command: exit //p' "$BATS_TEST_TMPDIR/k.out")
    INIT_PID=$(init_pid_from_trace "$BATS_TEST_TMPDIR/k.err")
    if [ "$rc" -ne 0 ]; then
        echo "killat exit $rc: $(cat "$BATS_TEST_TMPDIR/k.out")" >&2
        grep -v '^ojrun\[' "$BATS_TEST_TMPDIR/k.err" >&2
        return 1
    fi
}

# After the kill: `wait` ends (exit 0 with a result, or 1 with the reason),
# never hangs; then check_and_clean.  $1: state's status, $2: wait's status.
shim_check_and_clean() {
    run --separate-stderr timeout 20 "$OJRUN" --root "$ROOT" wait "$ID"
    [ "$status" -eq "$2" ] || { echo "wait: exit $status: $output $stderr" >&2; return 1; }
    if [ "$2" -eq 1 ]; then
        [[ "$stderr" == *"exited without writing a result"* ]] ||
            { echo "wait: $stderr" >&2; return 1; }
    else
        [ "$(jq -r .id <<<"$output")" = "$ID" ]
    fi
    check_and_clean "$1"
}

@test "shim killed while creating the container (state directory): create fails, nothing left" {
    cfg_args sleep 100
    shim_create --line "state directory"
    shim_killed
    [ "$CREATE_RC" = 1 ]
    grep -qx "ojrun: create $ID: the shim was killed by signal 9 before reporting" \
        "$BATS_TEST_TMPDIR/k.err"
    check_and_clean creating
}

@test "shim killed right after cloning the init: create fails, the init dies too" {
    cfg_args sleep 100
    shim_create --line "init PID"
    shim_killed
    [ "$CREATE_RC" = 1 ]
    [ -n "$INIT_PID" ]
    check_and_clean creating
}

@test "shim killed while the init sets up (pivot_root): create fails" {
    cfg_args sleep 100
    shim_create --line "pivot_root into"
    shim_killed
    [ "$CREATE_RC" = 1 ]
    check_and_clean creating
}

@test "shim killed after the container is created, before it reports: create fails, task stopped" {
    cfg_args sleep 100
    shim_create --line ": created"
    shim_killed
    [ "$CREATE_RC" = 1 ]
    # state.json was written: the task is there, its init dead with the shim
    shim_check_and_clean stopped 1
}

@test "shim killed once supervising, before start: create succeeded, the task dies, wait says why" {
    cfg_args sleep 100
    shim_create --line "watching the init"
    shim_killed
    [ "$CREATE_RC" = 0 ]
    run ojrun start "$ID"
    [ "$status" -eq 1 ]
    shim_check_and_clean stopped 1
}

@test "shim killed at READY (started, program forked, not yet exec'd)" {
    cfg_args sleep 100
    shim_create --line ": READY"
    for _ in $(seq 250); do [ "$(ojrun state "$ID" 2>/dev/null | jq -r .status)" = created ] && break; sleep 0.02; done
    ojrun start "$ID"
    shim_killed
    shim_check_and_clean stopped 1
}

@test "shim killed while the program runs (after go): the program dies with it" {
    cfg_args sleep 100
    shim_create --line ": go; baseline"
    for _ in $(seq 250); do [ "$(ojrun state "$ID" 2>/dev/null | jq -r .status)" = created ] && break; sleep 0.02; done
    ojrun start "$ID"
    shim_killed
    # no sleep 100 of this task survives
    [ -z "$(cat "$(cgroup_dir "$ID" pids)/cgroup.procs" 2>/dev/null)" ]
    shim_check_and_clean stopped 1
}

@test "shim killed while writing result.json (temporary file open): no result, nothing left" {
    cfg_args sh -c 'exit 3'
    shim_create --open "result.json.tmp"
    for _ in $(seq 250); do [ "$(ojrun state "$ID" 2>/dev/null | jq -r .status)" = created ] && break; sleep 0.02; done
    ojrun start "$ID"
    shim_killed
    [[ "$KILLED" == *"result.json.tmp"* ]]
    # the half-written file is not a result
    run ojrun state "$ID"
    [ "$status" -eq 0 ]
    [ "$(jq -r '.result // "none"' <<<"$output")" = none ]
    shim_check_and_clean stopped 1
}

@test "shim killed right after result.json is in place: the result stands" {
    cfg_args sh -c 'exit 3'
    shim_create --rename "result.json"
    for _ in $(seq 250); do [ "$(ojrun state "$ID" 2>/dev/null | jq -r .status)" = created ] && break; sleep 0.02; done
    ojrun start "$ID"
    shim_killed
    [ "$(ojrun state "$ID" | jq -r .result.verdict)" = RE ]
    [ "$(ojrun state "$ID" | jq -r .result.exit_code)" = 3 ]
    shim_check_and_clean stopped 0
}
