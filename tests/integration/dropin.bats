#!/usr/bin/env bats
# ojrun in runc's place: the same steps run under ojrun and, as the control,
# under Debian's runc (private --root).  Foreground terminals (run, exec -t
# without --console-socket), exec's edges (created and paused containers,
# --cgroup, exit 255), and the command line's (flags after the id, kill 0,
# help, run --keep, nothing of ours in the container's terminal).

load helpers
load bundle

setup() {
    setup_root
    make_bundle
    RUNC_ROOT=$BATS_TEST_TMPDIR/runc
    HELPERS=${OJRUN_HELPERS:-$SRC/build/tests/helpers}
}

teardown() {
    ojrun_cleanup
    if [ -d "$RUNC_ROOT" ]; then
        for id in $(runc --root "$RUNC_ROOT" list -q 2>/dev/null); do
            runc --root "$RUNC_ROOT" delete -f "$id" >/dev/null 2>&1 || true
        done
    fi
    for d in $(cgroup_leftovers "/$P-cg/*/sub"); do rmdir "$d" 2>/dev/null || true; done
}

need_runc() {
    command -v runc >/dev/null || skip "runc not installed"
}

# The runtime under test as one command line: RT=ojrun or RT=runc.
rt() {
    case $RT in
    ojrun) "$OJRUN" --root "$ROOT" "$@" ;;
    runc) runc --root "$RUNC_ROOT" "$@" ;;
    esac
}
rt_cmd() {
    case $RT in
    ojrun) printf '%q --root %q' "$OJRUN" "$ROOT" ;;
    runc) printf 'runc --root %q' "$RUNC_ROOT" ;;
    esac
}

# Run shell text $1 on a new pty (util-linux script), stdin /dev/null, and
# print what appeared on it without CRs (and script's echo of NUL, ^@).
on_tty() {
    timeout 60 script -qec "$1" /dev/null </dev/null | tr -d '\r\000' | sed 's/\^@//g'
}

# --- 1. foreground terminals --------------------------------------------------

# run with process.terminal and no --console-socket: the pty is relayed,
# sized like ours, our terminal is restored, the exit code is the process's.
check_run_terminal() {
    cfg '.process.terminal = true'
    cfg_args sh -c 'echo hi; stty size; tty; read line; echo "got:$line"; exit 3'
    run on_tty "stty cols 91 rows 33; before=\$(stty -g)
        echo hello | $(rt_cmd) run -b '$BUNDLE' $P-t; echo rc=\$?
        [ \"\$before\" = \"\$(stty -g)\" ] && echo restored"
    echo "$output"
    # the container's terminal echoes the input whenever it arrives: the
    # order of the lines is the relay's, so only what they are is checked
    local want
    for want in hi /dev/pts/0 got:hello rc=3 restored; do
        printf '%s\n' "${lines[@]}" | grep -qx -- "$want"
    done
    [ "${lines[$((${#lines[@]} - 2))]}" = rc=3 ]
    if [ $RT = ojrun ]; then
        # sized before the process runs
        printf '%s\n' "${lines[@]}" | grep -qx "33 91"
    else
        # runc sizes the pty after start: the program may see 0x0 first
        printf '%s\n' "${lines[@]}" | grep -qxE "33 91|stty: standard input.*"
    fi
}

@test "run with process.terminal relays the pty: output, input, size, exit code, terminal restored" {
    RT=ojrun check_run_terminal
    assert_no_leftovers $P-t
}

@test "control/runc: run with process.terminal relays the pty" {
    need_runc
    RT=runc check_run_terminal
}

# SIGWINCH: our new size reaches the container's terminal; meanwhile our
# terminal is in raw mode.
check_sigwinch() {
    cfg '.process.terminal = true'
    cfg_args sh -c 'trap "stty size; exit 0" WINCH; touch /ready; while :; do sleep 0.05; done'
    rm -f "$BUNDLE/rootfs/ready"
    local modes=$BATS_TEST_TMPDIR/modes
    run on_tty "stty cols 80 rows 24
        (for i in \$(seq 1200); do [ -e '$BUNDLE/rootfs/ready' ] && break; sleep 0.05; done
         stty -a </dev/tty >'$modes'
         stty cols 50 rows 20 </dev/tty) &
        $(rt_cmd) run -b '$BUNDLE' $P-w; echo rc=\$?"
    echo "$output"
    [ "${lines[0]}" = "20 50" ]
    [ "${lines[1]}" = rc=0 ]
    # while the container ran, our terminal was raw: no line editing, no
    # echo, no signals from keys (they belong to the container's terminal)
    cat "$modes"
    grep -qw -- -icanon "$modes"
    grep -qw -- -echo "$modes"
    grep -qw -- -isig "$modes"
}

@test "run with a terminal: raw mode while it runs, a window size change passed on (SIGWINCH)" {
    RT=ojrun check_sigwinch
}

@test "control/runc: run with a terminal: raw mode, window size change passed on" {
    need_runc
    RT=runc check_sigwinch
}

@test "run with a terminal works without any terminal of ours (stdin a pipe, no tty)" {
    cfg '.process.terminal = true'
    cfg_args sh -c 'tty; read line; echo "got:$line"; exit 5'
    run bash -c "set -o pipefail; echo hello | setsid -w $(RT=ojrun rt_cmd) run -b '$BUNDLE' $C1 | tr -d '\r'"
    [ "$status" -eq 5 ]
    # (the terminal's echo of "hello" comes whenever the input arrives)
    printf '%s\n' "${lines[@]}" | grep -qx /dev/pts/0
    [ "${lines[$((${#lines[@]} - 1))]}" = got:hello ]
    assert_no_leftovers $C1
}

@test "control/runc: without any terminal, runc's run with process.terminal fails (ojrun relays)" {
    need_runc
    cfg '.process.terminal = true'
    cfg_args true
    run bash -c "setsid -w runc --root '$RUNC_ROOT' run -b '$BUNDLE' $C1 </dev/null"
    [ "$status" -ne 0 ]
    [[ "$output" == *"/dev/tty"* ]]
}

# Detached, or create (which always detaches), without a console socket:
# a usage error, nothing left.
check_detached_terminal() {
    cfg '.process.terminal = true'
    run rt run -d -b "$BUNDLE" $C1 </dev/null
    [ "$status" -eq 1 ]
    [[ "$output" == *"console"*"socket"* ]]
    run rt create -b "$BUNDLE" $C2 </dev/null
    [ "$status" -eq 1 ]
    [[ "$output" == *"console"*"socket"* ]]
    [ -z "$(rt list -q)" ]
}

@test "run -d and create with process.terminal and no --console-socket are refused" {
    RT=ojrun check_detached_terminal
    assert_no_leftovers $C1
    assert_no_leftovers $C2
}

@test "control/runc: run -d and create with process.terminal and no --console-socket are refused" {
    need_runc
    RT=runc check_detached_terminal
}

# --- 2. exec --------------------------------------------------------------------

start_sleeper() {
    cfg_args sleep 1000
    rt run -d -b "$BUNDLE" "$1" </dev/null >/dev/null
}

check_exec_tty() {
    start_sleeper $C1
    run on_tty "stty cols 77 rows 22; $(rt_cmd) exec -t $C1 sh -c 'tty; stty size; exit 4'; echo rc=\$?
        $(rt_cmd) exec $C1 ls /dev/pts"
    echo "$output"
    [ "${lines[0]}" = /dev/pts/0 ]
    if [ $RT = ojrun ]; then
        [ "${lines[1]}" = "22 77" ]
    else
        # runc sizes the pty after the process started
        [[ "${lines[1]}" == "22 77" || "${lines[1]}" == "stty: standard input"* ]]
    fi
    [ "${lines[2]}" = rc=4 ]
    # no -t: no pty of the container's devpts, even on a terminal
    [ "${lines[3]}" = ptmx ]
    [ "${#lines[@]}" -eq 4 ]
}

@test "exec -t in the foreground relays a pty; without -t there is none" {
    RT=ojrun check_exec_tty
}

@test "control/runc: exec -t in the foreground relays a pty" {
    need_runc
    RT=runc check_exec_tty
}

check_exec_states() {
    cfg_args sleep 1000
    cfg '.process.env += ["FOO=bar"]'
    rt create -b "$BUNDLE" $C1 </dev/null
    # created: joins the init waiting for start
    run rt exec $C1 sh -c 'echo $FOO'
    [ "$status" -eq 0 ]
    [ "$output" = bar ]
    [ "$(rt state $C1 | jq -r .status)" = created ]
    rt start $C1
    # the process's own exit code passes through; exec's errors are 255
    run rt exec $C1 sh -c 'exit 7'
    [ "$status" -eq 7 ]
    run rt exec $C1 /nonexistent
    [ "$status" -eq 255 ]
    run rt exec nonexistent-$C1 true
    [ "$status" -eq 255 ]
    # paused: refused, unless --ignore-paused (then it runs once resumed)
    rt pause $C1
    run rt exec $C1 true
    [ "$status" -eq 255 ]
    [[ "$output" == *"paused"*"--ignore-paused"* ]]
    rt exec --ignore-paused $C1 sh -c 'echo thawed' >"$BATS_TEST_TMPDIR/ip.out" &
    epid=$!
    # it is in the frozen cgroup and has not run
    for i in $(seq 200); do [ "$(rt ps --format json $C1 | jq length)" -ge 2 ] && break; sleep 0.05; done
    [ "$(rt ps --format json $C1 | jq length)" -ge 2 ]
    [ ! -s "$BATS_TEST_TMPDIR/ip.out" ]
    rt resume $C1
    wait "$epid"
    [ "$(cat "$BATS_TEST_TMPDIR/ip.out")" = thawed ]
}

@test "exec into created and paused containers, exit codes 255 and the process's own" {
    RT=ojrun check_exec_states
}

@test "control/runc: exec into created and paused containers, exit codes" {
    need_runc
    RT=runc check_exec_states
}

check_exec_cgroup() {
    cfg ".linux.cgroupsPath = \"/$P-cg/$RT\""
    start_sleeper $C1
    local pids_dir m
    pids_dir=$(cgroup_path pids "/$P-cg/$RT")
    mkdir "$pids_dir/sub"
    run rt exec --cgroup pids:sub $C1 cat /proc/self/cgroup
    [ "$status" -eq 0 ]
    # the container has a cgroup namespace: its cgroup is "/"
    [[ "$output" == *":pids:/sub"* ]]
    [[ "$output" == *":memory:/"$'\n'* ]] || [[ "$output" == *":memory:/" ]]
    # a path that leaves the container's cgroup, or does not exist
    run rt exec --cgroup ../x $C1 true
    [ "$status" -eq 255 ]
    [[ "$output" == *"not a sub cgroup path"* ]]
    run rt exec --cgroup pids:nonexistent $C1 true
    [ "$status" -eq 255 ]
    [[ "$output" == *"nonexistent"* ]]
    # without a controller: every hierarchy, so it must exist in each
    for m in $(cgroup_mounts); do
        [ -d "$m/$P-cg/$RT" ] || continue
        mkdir -p "$m/$P-cg/$RT/sub"
        # a new cpuset has no CPUs: the kernel refuses tasks (ENOSPC)
        if [ -f "$m/$P-cg/$RT/sub/cpuset.cpus" ]; then
            cat "$m/$P-cg/$RT/cpuset.cpus" >"$m/$P-cg/$RT/sub/cpuset.cpus"
            cat "$m/$P-cg/$RT/cpuset.mems" >"$m/$P-cg/$RT/sub/cpuset.mems"
        fi
    done
    run rt exec --cgroup sub $C1 cat /proc/self/cgroup
    [ "$status" -eq 0 ]
    [[ "$output" == *":memory:/sub"* ]]
    [[ "$output" == *":pids:/sub"* ]]
    for m in $(cgroup_mounts); do
        [ ! -d "$m/$P-cg/$RT/sub" ] || rmdir "$m/$P-cg/$RT/sub"
    done
    rt delete -f $C1
    for m in $(cgroup_mounts); do
        [ -d "$m/$P-cg" ] && rmdir "$m/$P-cg" 2>/dev/null || true
    done
}

@test "exec --cgroup runs the process in a sub-cgroup of the container's" {
    RT=ojrun check_exec_cgroup
    assert_no_leftovers $C1
}

@test "control/runc: exec --cgroup runs the process in a sub-cgroup" {
    need_runc
    RT=runc check_exec_cgroup
}

# --- 3. the command line's edges ------------------------------------------------

check_cli_edges() {
    cfg ".linux.cgroupsPath = \"/$P-cg/$RT\""
    start_sleeper $C1
    # flags after the container id
    rt update $C1 --pids-limit 77
    [ "$(cat "$(cgroup_path pids "/$P-cg/$RT")/pids.max")" = 77 ]
    rt state $C1 --help >/dev/null
    # signal 0: does the init exist
    rt kill $C1 0
    rt kill $C1 KILL --all
    for i in $(seq 100); do [ "$(rt state $C1 | jq -r .status)" = stopped ] && break; sleep 0.05; done
    run rt kill $C1 0
    [ "$status" -ne 0 ]
    rt delete $C1 --force
    # help on every command, and `help COMMAND`
    local c
    for c in create start state kill delete run exec list pause resume update ps events spec features; do
        rt help $c | grep -qi "usage"
        rt $c --help | grep -qi "usage"
        rt $c -h | grep -qi "usage"
    done
    # run --keep: the stopped container stays for `state` and `delete`
    cfg_args sh -c 'exit 6'
    run rt run --keep -b "$BUNDLE" $C2 </dev/null
    [ "$status" -eq 6 ]
    [ "$(rt state $C2 | jq -r .status)" = stopped ]
    rt delete $C2
    for m in $(cgroup_mounts); do
        [ -d "$m/$P-cg" ] && rmdir "$m/$P-cg" 2>/dev/null || true
    done
}

@test "flags after the id, kill 0, help on every command, run --keep" {
    RT=ojrun check_cli_edges
    assert_no_leftovers $C1
    assert_no_leftovers $C2
}

@test "control/runc: flags after the id, kill 0, help on every command, run --keep" {
    need_runc
    RT=runc check_cli_edges
}

# A capability of the bounding set the runtime does not have: runc says
# nothing; ojrun notes it in the log only, never in the container's stdio
# (here a terminal) nor on stderr.
check_quiet_warnings() {
    cfg '.process.terminal = true | .process.capabilities.bounding += ["CAP_SYS_NICE"]'
    cfg_args sh -c 'echo out'
    local log=$BATS_TEST_TMPDIR/$RT.log
    run on_tty "setpriv --bounding-set -sys_nice $(rt_cmd) --log '$log' --log-format json run -b '$BUNDLE' $C1 2>'$BATS_TEST_TMPDIR/err'; echo rc=\$?"
    echo "$output"
    [ "${lines[0]}" = out ]
    [ "${lines[1]}" = rc=0 ]
    [ "${#lines[@]}" -eq 2 ]
    [ ! -s "$BATS_TEST_TMPDIR/err" ]
}

@test "a warning runc does not give goes to the log (JSON), not into the container's terminal" {
    RT=ojrun check_quiet_warnings
    jq -e 'select(.level == "warning") | .msg | test("CAP_SYS_NICE")' "$BATS_TEST_TMPDIR/ojrun.log"
    assert_no_leftovers $C1
}

@test "control/runc: no warning for a bounding capability the runtime lacks" {
    need_runc
    RT=runc check_quiet_warnings
}
