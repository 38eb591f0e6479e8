#!/usr/bin/env bats
# Concurrency: many ojrun processes on one --root at once.  Every command
# is bounded by `timeout` (a deadlock fails the test instead of hanging
# it), every exit status must be 0 or 1 (never a crash, a sanitizer report
# or a timeout), every error one line, and in the end nothing is left.
#
# What makes this safe (specs/internals.md): mkdir of <root>/<id> is the
# one atomic step that decides which of two creates of an id wins; every
# command that changes a container holds flock() on its directory; status
# is derived, never stored; every file is replaced with rename(2).

load helpers
load bundle

setup() {
    setup_root
    make_bundle
    OUT=$BATS_TEST_TMPDIR/out
    mkdir -p "$OUT"
}

teardown() {
    ojrun_cleanup
}

# spawn NAME ARGS...: run `ojrun ARGS` in the background, bounded to 60 s;
# its stdout, stderr and exit status go to $OUT/NAME.{out,err,rc}.  stdin
# and stdout are not bats' own: a container init inherits them.
spawn() {
    local name=$1
    shift
    (
        rc=0
        timeout 60 "$OJRUN" --root "$ROOT" "$@" </dev/null >"$OUT/$name.out" 2>"$OUT/$name.err" || rc=$?
        echo "$rc" >"$OUT/$name.rc"
    ) &
}

# Every command that ran exited 0 or 1 with at most one line of stderr
# (warnings aside); prints a summary of exit statuses on failure.
assert_clean_exits() {
    local f rc bad=0
    for f in "$OUT"/*.rc; do
        rc=$(cat "$f")
        if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
            echo "$(basename "$f" .rc): exit $rc: $(head -c 2000 "${f%.rc}.err")" >&2
            bad=1
        fi
        if [ "$(grep -vc 'warning:' "${f%.rc}.err")" -gt 1 ]; then
            echo "$(basename "$f" .rc): more than one error line:" >&2
            cat "${f%.rc}.err" >&2
            bad=1
        fi
    done
    [ "$bad" -eq 0 ]
}

count_rc() { # STATUS GLOB: how many of $OUT/GLOB.rc hold STATUS
    local want=$1 n=0 f
    for f in "$OUT"/$2.rc; do [ "$(cat "$f")" = "$want" ] && n=$((n + 1)); done
    echo "$n"
}

@test "2 x 50 parallel creates of distinct ids (seccomp cache cold), then 100 parallel deletes" {
    cfg_args sleep 100
    cfg '.linux.seccomp = {"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","rmdir"],"action":"SCMP_ACT_ERRNO","errnoRet":13}]}'
    for wave in 1 2; do
        for i in $(seq 50); do spawn "create-$wave-$i" create -b "$BUNDLE" "$P-$wave-$i"; done
        wait
    done
    assert_clean_exits
    [ "$(count_rc 0 'create-*')" -eq 100 ]
    # all 100 are there, created, with distinct live inits
    run ojrun list --format json
    [ "$status" -eq 0 ]
    [ "$(jq length <<<"$output")" -eq 100 ]
    [ "$(jq '[.[] | select(.status == "created")] | length' <<<"$output")" -eq 100 ]
    [ "$(jq '[.[].pid] | unique | length' <<<"$output")" -eq 100 ]
    # one compiled program in the cache, no temporary file
    [ "$(ls "$ROOT/seccomp-cache" | grep -c '\.bpf$')" -eq 1 ]
    [ -z "$(ls "$ROOT/seccomp-cache" | grep -v '\.bpf$')" ]
    # and each container really runs under it
    ojrun start "$P-1-1"
    [ "$(ojrun state "$P-1-1" | jq -r .status)" = running ]

    rm -f "$OUT"/*
    for wave in 1 2; do
        for i in $(seq 50); do spawn "delete-$wave-$i" delete --force "$P-$wave-$i"; done
    done
    wait
    assert_clean_exits
    [ "$(count_rc 0 'delete-*')" -eq 100 ]
    [ -z "$(ls -A "$ROOT" | grep -v seccomp-cache)" ]
    for wave in 1 2; do for i in $(seq 50); do assert_no_leftovers "$P-$wave-$i"; done; done
}

@test "20 parallel creates of the same id: exactly one wins, the others fail cleanly" {
    cfg_args sleep 100
    for i in $(seq 20); do spawn "create-$i" create -b "$BUNDLE" "$P"; done
    wait
    assert_clean_exits
    [ "$(count_rc 0 'create-*')" -eq 1 ]
    [ "$(count_rc 1 'create-*')" -eq 19 ]
    for f in "$OUT"/create-*.rc; do
        [ "$(cat "$f")" = 0 ] && continue
        [ "$(cat "${f%.rc}.err")" = "ojrun: create $P: container \"$P\" already exists: File exists" ]
    done
    # the winner is intact: created, its init alive and in its cgroup
    st=$(ojrun state "$P")
    [ "$(jq -r .status <<<"$st")" = created ]
    pid=$(jq .pid <<<"$st")
    grep -qx "$pid" "$(cgroup_dir "$P" pids)/cgroup.procs"
    ojrun start "$P"
    [ "$(ojrun state "$P" | jq -r .status)" = running ]
    ojrun delete --force "$P"
    assert_no_leftovers "$P"
}

@test "create racing delete --force of the same id: either outcome, never a half-made container" {
    cfg_args sleep 100
    for round in $(seq 10); do
        rm -f "$OUT"/*
        spawn create create -b "$BUNDLE" "$P"
        spawn delete delete --force "$P"
        wait
        assert_clean_exits
        [ "$(cat "$OUT/delete.rc")" = 0 ]
        # whatever happened, the container is either complete or absent
        run --separate-stderr ojrun state "$P"
        if [ "$status" -eq 0 ]; then
            [ "$(jq -r .status <<<"$output")" = created ] || { echo "round $round: $output" >&2; return 1; }
            [ "$(cat "$OUT/create.rc")" = 0 ]
        else
            [[ "$stderr" == *"does not exist"* ]]
        fi
        ojrun delete --force "$P"
        assert_no_leftovers "$P"
    done
}

@test "parallel kill, delete, state, list and start on one container: no crash, no deadlock" {
    cfg_args sh -c 'trap "" TERM; sleep 100'
    ojrun create -b "$BUNDLE" "$P"
    pid=$(ojrun state "$P" | jq .pid)
    for i in $(seq 10); do
        spawn "state-$i" state "$P"
        spawn "start-$i" start "$P"
        spawn "list-$i" list --format json
        spawn "kill-$i" kill "$P" TERM
        spawn "killall-$i" kill --all "$P" KILL
    done
    for i in $(seq 5); do spawn "delete-$i" delete --force "$P"; done
    for i in $(seq 10); do spawn "state2-$i" state "$P"; done
    wait
    assert_clean_exits
    # exactly one start won (or none, if a delete came first)
    [ "$(count_rc 0 'start-*')" -le 1 ]
    [ "$(count_rc 0 'delete-*')" -eq 5 ]
    # every state that answered printed valid JSON with a real status
    for f in "$OUT"/state*.rc; do
        [ "$(cat "$f")" = 0 ] || continue
        s=$(jq -r .status "${f%.rc}.out")
        [[ "$s" =~ ^(created|running|stopped)$ ]] || { echo "status $s" >&2; return 1; }
    done
    for f in "$OUT"/list-*.rc; do
        jq -e 'type == "array"' "${f%.rc}.out" >/dev/null
    done
    # failures say why, in the words of the lifecycle (a kill between a
    # start's byte and the init's execve is that start's error)
    cat "$OUT"/*.err | grep -v '^$' | grep -vE 'does not exist|it is (created|running|stopped|creating)|not created|its init is not waiting|its init died before starting the process|No such process|warning:' && return 1
    run ojrun state "$P"
    [ "$status" -eq 1 ]
    assert_no_leftovers "$P"
    [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || echo gone)" != S ]
}
