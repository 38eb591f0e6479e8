#!/usr/bin/env bats
# containerd (through ctr and containerd-shim-runc-v2) driving the runtime:
# every check runs against runc, the control, and against ojrun (see
# clients.bash).  One containerd serves the whole file: started in
# setup_file with a private configuration under $CT (its own root, state,
# sockets and plugin dirs, the CRI plugin off) and stopped by its PID in
# teardown_file.
#
# `ctr run --runc-binary W --runc-root R` sets the runc shim's options
# BinaryName and Root for that container (what a config.toml runtime entry
# does, see specs/containerd.md); W is a logging wrapper around the runtime
# under test.  The image is the busybox rootfs packed as an OCI image
# layout with umoci and imported with `ctr images import`, so containers
# get an overlayfs snapshot as their rootfs, as in production.

load helpers
load bundle
load clients

# the namespace is part of the rootfs mount points (./<ns>/<id>/rootfs) that
# assert_clean looks for in the host's mountinfo: unique to this run
NS=ojrun-test-$OJ_RUN_TAG
IMAGE=localhost/busybox:oj

setup_file() {
    CT=$(mktemp -d /tmp/ojrun-ctd.XXXXXX)
    export CT
    ensure_rootfs_cache
    export CGP="/ojrun-test-containerd-$OJ_RUN_TAG"
    mkdir -p "$CT/tmp" "$CT/fifo" "$CT/rt"
    # no --root here: the shim passes --root <runc-root>/<namespace>
    make_runtime_wrapper "$CT/bin" runc "$RUNC"
    make_runtime_wrapper "$CT/bin" ojrun "$OJRUN"

    # The shims put their sockets under /run/containerd/s whatever the
    # configuration says; remember whether that directory is ours to remove.
    if [ -e /run/containerd ]; then
        export CTD_RUN_EXISTED=1
    else
        export CTD_RUN_EXISTED=
    fi

    # containerd-config.toml(5), version 2.  The snapshotters that cannot
    # work on ext4 and the CRI plugin are disabled; the opt plugin would
    # otherwise create /opt/containerd.
    cat >"$CT/config.toml" <<EOF
version = 2
root = "$CT/root"
state = "$CT/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",
                    "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper",
                    "io.containerd.snapshotter.v1.zfs"]

[grpc]
  address = "$CT/ctd.sock"
[ttrpc]
  address = "$CT/ctd.sock.ttrpc"
[debug]
  address = "$CT/ctd-debug.sock"
[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "$CT/opt"
EOF
    # TMPDIR reaches the shims: they write exec process files and console
    # sockets there.  fd 3 is bats' own output and must not stay open.
    TMPDIR="$CT/tmp" containerd --config "$CT/config.toml" >"$CT/containerd.log" 2>&1 </dev/null 3>&- &
    export CTD_PID=$!
    if ! wait_until 20 ctr --address "$CT/ctd.sock" version >/dev/null 2>&1; then
        cat "$CT/containerd.log" >&2
        return 1
    fi

    # the image: one layer holding the busybox rootfs (umoci(1))
    local oci=$CT/image
    umoci init --layout "$oci"
    umoci new --image "$oci:oj"
    umoci insert --image "$oci:oj" "$ROOTFS_CACHE" /
    umoci config --image "$oci:oj" --config.cmd sh \
        --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    tar -C "$oci" -cf "$CT/image.tar" .
    timeout 60 ctr --address "$CT/ctd.sock" --namespace "$NS" images import \
        --base-name localhost/busybox "$CT/image.tar"
}

teardown_file() {
    remove_all_containers
    if [ -n "${CTD_PID:-}" ]; then
        kill -TERM "$CTD_PID" 2>/dev/null || true
        wait_until 10 no_pid "$CTD_PID" || kill -KILL "$CTD_PID" 2>/dev/null || true
    fi
    # shims of containers a broken runtime could not end, and their sockets
    # (/run/containerd/s/<sha256 of "ADDRESS/NAMESPACE/ID">, containerd
    # 1.6 runtime/v2/shim SocketAddress)
    local pid id
    for pid in $(pgrep -f -- "-address $CT/ctd.sock"); do
        id=$(tr '\0' '\n' <"/proc/$pid/cmdline" | sed -n '/^-id$/{n;p}')
        kill -KILL "$pid" 2>/dev/null || true
        [ -n "$id" ] && rm -f "/run/containerd/s/$(printf '%s' "$CT/ctd.sock/$NS/$id" | sha256sum | cut -c1-64)"
    done
    kill_cgroup_procs "$CGP"
    umount_under "$CT"
    rmdir_cgroup "$CGP"
    if [ -z "$CTD_RUN_EXISTED" ] && [ -d /run/containerd ]; then
        # rmdir only: what is not empty is somebody else's
        find /run/containerd -depth -type d -exec rmdir {} + 2>/dev/null || true
    fi
    rm -rf --one-file-system "$CT"
}

no_pid() { ! kill -0 "$1" 2>/dev/null; }

setup() {
    : >"$CT/bin/runc.calls"
    : >"$CT/bin/ojrun.calls"
}

teardown() {
    if [ -n "${BATS_TEST_COMPLETED:-}" ]; then
        return 0
    fi
    [ -n "${RT:-}" ] && sed 's/^/# call: /' "$CT/bin/$RT.calls" >&3
    remove_all_containers
}

# ctr against our containerd, in our namespace (30 s: a call takes well
# under a second, but one waiting on a runtime that failed to kill waits
# until the timeout)
c() {
    timeout 30 ctr --address "$CT/ctd.sock" --namespace "$NS" "$@"
}

# ctr run of the image as container ID with the runtime under test.
ctr_run() { # ID [RUN-FLAG...] -- CMD...
    local id=$1 flags=()
    shift
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        flags+=("$1")
        shift
    done
    shift
    c run --runc-binary "$CT/bin/$RT" --runc-root "$CT/rt/$RT" --cgroup "$CGP/$id" \
        --fifo-dir "$CT/fifo" "${flags[@]}" "$IMAGE" "$id" "$@"
}

# ctr run in the background (it waits for the task and exits with its
# status); its output goes to $BATS_TEST_TMPDIR/ID.out, its PID to $BG.
ctr_run_bg() { # ID [RUN-FLAG...] -- CMD...
    ctr_run "$@" >"$BATS_TEST_TMPDIR/$1.out" 2>&1 </dev/null 3>&- &
    BG=$!
}

# wait (at most SECONDS) for the background ctr run to end; its exit status
# in $BG_STATUS
wait_bg() { # SECONDS
    wait_until "$1" no_pid "$BG" || return 1
    BG_STATUS=0
    wait "$BG" || BG_STATUS=$?
}

out_has() { grep -qx -- "$2" "$BATS_TEST_TMPDIR/$1.out"; }

# the host pid of the task's init, from the bundle's pid file
init_pid() { cat "$CT/state/io.containerd.runtime.v2.task/$NS/$1/init.pid"; }
task_status() { c task ls | awk -v id="$1" '$1 == id { print $3 }'; }
cgroup_pids() { sort -n "/sys/fs/cgroup/pids$CGP/$1/cgroup.procs"; }
CALLS() { echo "$CT/bin/$RT.calls"; }
BUNDLE_OF() { echo "$CT/state/io.containerd.runtime.v2.task/$NS/$1"; }

# Every call the shim makes starts with the same global flags.
G() { echo "^$RT --root $CT/rt/$RT/$NS --log $(BUNDLE_OF "$1")/log.json --log-format json"; }

# After a failure: end every container even if the runtime under test
# cannot.  Their processes are killed directly (they are in our cgroups),
# then containerd deletes the stopped tasks through the runtime.
remove_all_containers() {
    local id
    kill_cgroup_procs "$CGP"
    for id in $(c containers ls -q 2>/dev/null); do
        c task rm -f "$id" >/dev/null 2>&1 || true
        c containers rm "$id" >/dev/null 2>&1 || true
    done
}

# Nothing of container ID may remain: containerd's records, the bundle,
# the runtime's state, the cgroup, the rootfs mount, the shim.
assert_clean() { # ID
    local id=$1
    run -0 c containers ls -q
    if grep -qx -- "$id" <<<"$output"; then
        echo "container $id left in containerd" >&2
        return 1
    fi
    if [ -e "$(BUNDLE_OF "$id")" ]; then
        echo "bundle $(BUNDLE_OF "$id") left behind" >&2
        return 1
    fi
    if [ -e "$CT/rt/$RT/$NS/$id" ]; then
        echo "runtime state $CT/rt/$RT/$NS/$id left behind" >&2
        return 1
    fi
    assert_no_cgroup "$CGP/$id"
    assert_no_mount "/$NS/$id/"
    assert_no_process "-id $id -address $CT/ctd.sock"
}

# ---------------------------------------------------------------- checks

check_run() {
    use_runtime "$1"
    run -5 ctr_run r1 --rm -- sh -c 'echo hello; echo oops >&2; exit 5'
    [ "$output" = "$(printf 'hello\noops')" ] || [ "$output" = "$(printf 'oops\nhello')" ]
    local b
    b=$(BUNDLE_OF r1)
    assert_call "$(CALLS)" "$(G r1) create --bundle $b --pid-file $b/init.pid r1\$"
    assert_call "$(CALLS)" "$(G r1) start r1\$"
    assert_call "$(CALLS)" "$(G r1) delete r1\$"
    assert_clean r1
}

check_exit_code() {
    use_runtime "$1"
    run -0 ctr_run x0 --rm -- true
    run -1 ctr_run x1 --rm -- false
    run -42 ctr_run x2 --rm -- sh -c 'exit 42'
    # 128 + SIGSEGV from a child (pid 1 ignores signals it has no handler for)
    run -139 ctr_run x3 --rm -- sh -c 'sh -c "kill -SEGV \$\$"; exit $?'
    # a failed create: the shim relays the runtime's error from log.json
    run ctr_run x4 --rm -- /no/such/binary
    [ "$status" -ne 0 ]
    [[ "$output" == */no/such/binary* ]]
    c containers rm x4 || true
    local id
    for id in x0 x1 x2 x3 x4; do
        assert_clean "$id"
    done
}

check_run_tty() {
    use_runtime "$1"
    run -6 in_pty ctr --address "$CT/ctd.sock" --namespace "$NS" run -t --rm \
        --runc-binary "$CT/bin/$RT" --runc-root "$CT/rt/$RT" --cgroup "$CGP/t1" \
        --fifo-dir "$CT/fifo" "$IMAGE" t1 sh -c 'tty; test -t 0 && test -t 1 && exit 6'
    grep -qxE '/dev/pts/[0-9]+' <<<"$output"
    local b
    b=$(BUNDLE_OF t1)
    assert_call "$(CALLS)" "$(G t1) create --bundle $b --pid-file $b/init.pid --console-socket [^ ]+ t1\$"
    assert_clean t1
}

check_exec() {
    use_runtime "$1"
    ctr_run e1 -d -- sleep 1000
    # ctr ends an exec when the exit event arrives and may not have drained
    # the fifos yet: on a busy host a process that prints and exits at once
    # can lose its output under runc as under ojrun (seen with runc at load
    # 9).  Each payload therefore lingers a moment after printing; the
    # output, the stream it came on and the exit code are still checked.
    local linger='sleep 0.5'
    run -4 --separate-stderr c task exec --fifo-dir "$CT/fifo" --exec-id x1 e1 \
        sh -c "echo in-exec; echo oops >&2; $linger; exit 4"
    [ "$output" = in-exec ]
    [ "$stderr" = oops ]
    # the container's pid namespace: pid 1 is its init
    run -0 c task exec --fifo-dir "$CT/fifo" --exec-id x2 e1 sh -c "cat /proc/1/comm; $linger"
    [ "$output" = sleep ]
    run -1 c task exec --fifo-dir "$CT/fifo" --exec-id x3 e1 sh -c "tty; r=\$?; $linger; exit \$r"
    [ "$output" = "not a tty" ]
    # -t under script: a terminal from the runtime's --console-socket
    run -5 in_pty ctr --address "$CT/ctd.sock" --namespace "$NS" task exec -t \
        --fifo-dir "$CT/fifo" --exec-id x4 e1 sh -c 'tty; test -t 0 && test -t 1 && exit 5'
    grep -qxE '/dev/pts/[0-9]+' <<<"$output"
    local b
    b=$(BUNDLE_OF e1)
    assert_call "$(CALLS)" "$(G e1) exec --process [^ ]+ --detach --pid-file $b/x1.pid e1\$"
    assert_call "$(CALLS)" "$(G e1) exec --process [^ ]+ --console-socket [^ ]+ --detach --pid-file $b/x4.pid e1\$"
    run -0 c task rm -f e1
    run -0 c containers rm e1
    assert_clean e1
}

check_kill() {
    use_runtime "$1"
    ctr_run_bg k1 --rm -- sh -c 'trap "echo got-usr1" USR1; trap "echo got-term; exit 3" TERM
                                 echo ready; while :; do sleep 0.1; done'
    wait_until 10 out_has k1 ready
    run -0 c task kill -s SIGUSR1 k1
    wait_until 10 out_has k1 got-usr1
    [ "$(task_status k1)" = RUNNING ]
    # the default signal is SIGTERM
    run -0 c task kill k1
    wait_bg 10
    [ "$BG_STATUS" -eq 3 ]
    out_has k1 got-term
    assert_call "$(CALLS)" "$(G k1) kill k1 10\$"
    assert_call "$(CALLS)" "$(G k1) kill k1 15\$"
    assert_clean k1
}

check_kill_all() {
    use_runtime "$1"
    ctr_run_bg ka --rm -- sh -c 'sleep 1000 & sleep 1000 & echo ready; wait'
    wait_until 10 out_has ka ready
    local pids p
    pids=$(cgroup_pids ka)
    assert_lines 3 "$pids"
    run -0 c task kill --all -s SIGKILL ka
    wait_bg 10
    [ "$BG_STATUS" -eq 137 ]
    for p in $pids; do
        [ ! -d "/proc/$p" ]
    done
    assert_call "$(CALLS)" "$(G ka) kill --all ka 9\$"
    assert_clean ka
}

# The counter replaces /tmp/count by rename: a read never sees it empty
# (freezing the writer between truncate and write would leave it so).
count_of() {
    local c
    c=$(cat "/proc/$1/root/tmp/count") && [ -n "$c" ] && echo "$c"
}

check_pause() {
    use_runtime "$1"
    ctr_run p1 -d -- sh -c 'i=0; while :; do i=$((i+1)); echo $i >/tmp/count.n; mv /tmp/count.n /tmp/count; sleep 0.05; done'
    local pid a b
    pid=$(init_pid p1)
    wait_until 10 test -s "/proc/$pid/root/tmp/count"
    run -0 c task pause p1
    [ "$(task_status p1)" = PAUSED ]
    [ "$(cat "/sys/fs/cgroup/freezer$CGP/p1/freezer.state")" = FROZEN ]
    a=$(count_of "$pid")
    sleep 0.5
    b=$(count_of "$pid")
    [ "$a" = "$b" ]
    run -0 c task resume p1
    [ "$(task_status p1)" = RUNNING ]
    [ "$(cat "/sys/fs/cgroup/freezer$CGP/p1/freezer.state")" = THAWED ]
    wait_until 5 count_above "$pid" "$b"
    assert_call "$(CALLS)" "$(G p1) pause p1\$"
    assert_call "$(CALLS)" "$(G p1) resume p1\$"
    run -0 c task rm -f p1
    run -0 c containers rm p1
    assert_clean p1
}

check_ps() {
    use_runtime "$1"
    ctr_run ps1 -d -- sh -c 'sleep 1000 & exec sleep 1001'
    run -0 c task exec -d --fifo-dir "$CT/fifo" --exec-id x1 ps1 sleep 1002
    wait_until 10 cgroup_pid_count_is 3 "/sys/fs/cgroup/pids$CGP/ps1/cgroup.procs"
    # task ps lists the host pids the runtime's `ps --format json` reports
    run -0 c task ps ps1
    [ "$(awk 'NR > 1 { print $1 }' <<<"$output" | sort -n)" = "$(cgroup_pids ps1)" ]
    assert_call "$(CALLS)" "$(G ps1) ps --format json ps1\$"
    run -0 c task rm -f ps1
    run -0 c containers rm ps1
    assert_clean ps1
}

check_metrics() {
    use_runtime "$1"
    ctr_run m1 -d --memory-limit $((96 << 20)) -- sh -c 'sleep 1000 & exec sleep 1001'
    wait_until 10 cgroup_pid_count_is 2 "/sys/fs/cgroup/pids$CGP/m1/cgroup.procs"
    # the shim reads the metrics from the cgroup of the init the runtime
    # started, so they show the limit and the processes
    run -0 c task metrics --format json m1
    local m=$BATS_TEST_TMPDIR/metrics.json
    printf '%s\n' "$output" >"$m"
    assert_jq ".memory.usage.limit == $((96 << 20))" "$m"
    assert_jq '.pids.current == 2' "$m"
    assert_jq '.memory.usage.usage > 0' "$m"
    run -0 c task rm -f m1
    run -0 c containers rm m1
    assert_clean m1
}

check_oom() {
    use_runtime "$1"
    run -137 ctr_run o1 --rm --memory-limit $((64 << 20)) -- \
        sh -c 'echo allocating; x=a; while :; do x=$x$x; done'
    [ "$output" = allocating ]
    assert_clean o1
}

check_rm_force() {
    use_runtime "$1"
    ctr_run r1 -d -- sleep 1000
    local pid
    pid=$(init_pid r1)
    [ -d "/proc/$pid" ]
    run -0 c task rm -f r1
    [ ! -d "/proc/$pid" ]
    run -0 c containers rm r1
    assert_call "$(CALLS)" "$(G r1) kill --all r1 9\$"
    assert_call "$(CALLS)" "$(G r1) delete r1\$"
    assert_clean r1
}

# ----------------------------------------------------------------- tests
# One @test per check and runtime, so a failure names both.  The runc
# variants are the controls, named "control/runc: ...": tests/run.sh counts
# them apart from ojrun's tests (they test runc and the engine, not ojrun).

@test "control/runc: containerd: run prints the output, calls create/start/delete" { check_run runc; }
@test "containerd/ojrun: run prints the output, calls create/start/delete" { check_run ojrun; }
@test "control/runc: containerd: run propagates exit codes and create errors" { check_exit_code runc; }
@test "containerd/ojrun: run propagates exit codes and create errors" { check_exit_code ojrun; }
@test "control/runc: containerd: run -t under script gets a terminal" { check_run_tty runc; }
@test "containerd/ojrun: run -t under script gets a terminal" { check_run_tty ojrun; }
@test "control/runc: containerd: task exec output, exit code, -t" { check_exec runc; }
@test "containerd/ojrun: task exec output, exit code, -t" { check_exec ojrun; }
@test "control/runc: containerd: task kill delivers signals, SIGTERM by default" { check_kill runc; }
@test "containerd/ojrun: task kill delivers signals, SIGTERM by default" { check_kill ojrun; }
@test "control/runc: containerd: task kill --all kills every process" { check_kill_all runc; }
@test "containerd/ojrun: task kill --all kills every process" { check_kill_all ojrun; }
@test "control/runc: containerd: task pause freezes, resume thaws" { check_pause runc; }
@test "containerd/ojrun: task pause freezes, resume thaws" { check_pause ojrun; }
@test "control/runc: containerd: task ps lists the container's processes" { check_ps runc; }
@test "containerd/ojrun: task ps lists the container's processes" { check_ps ojrun; }
@test "control/runc: containerd: task metrics reads the container's cgroup" { check_metrics runc; }
@test "containerd/ojrun: task metrics reads the container's cgroup" { check_metrics ojrun; }
@test "control/runc: containerd: --memory-limit 64m, out of memory exits 137" { check_oom runc; }
@test "containerd/ojrun: --memory-limit 64m, out of memory exits 137" { check_oom ojrun; }
@test "control/runc: containerd: task rm -f kills and deletes a running task" { check_rm_force runc; }
@test "containerd/ojrun: task rm -f kills and deletes a running task" { check_rm_force ojrun; }
