#!/usr/bin/env bats
# podman (with conmon) driving the runtime: every check runs against runc,
# the control, and against ojrun (see clients.bash).  podman runs with a
# private configuration under $PM: its own storage, state, events log and
# runtime table, the cgroupfs manager (there is no systemd here), and
# default ulimits the runtime can set without CAP_SYS_RESOURCE.
#
# The runtimes are registered as [engine.runtimes] runc/ojrun pointing at
# logging wrappers that add a private --root: podman's --runtime-flag is
# not passed on its cleanup calls, so the wrapper is the reliable place.
# Containers run from the busybox rootfs with `--rootfs DIR:O` (an overlay
# over the shared rootfs, upper layer in podman's storage), which keeps
# podman from touching the host's image caches.

load helpers
load bundle
load clients

setup_file() {
    PM=$(mktemp -d /tmp/ojrun-podman.XXXXXX)
    export PM
    ensure_rootfs_cache
    export ROOTFS_CACHE
    # all containers of this file live under one cgroup parent, so nothing
    # of theirs (nor conmon's "$CGP/conmon") mixes with the host's cgroups
    export CGP="/ojrun-test-podman-$OJ_RUN_TAG"
    mkdir -p "$PM/tmp" "$PM/state"
    make_runtime_wrapper "$PM/bin" runc "$RUNC" --root "$PM/state/runc"
    make_runtime_wrapper "$PM/bin" ojrun "$OJRUN" --root "$PM/state/ojrun"

    # containers.conf(5).  runtime_supports_json: podman passes
    # --log-format=json --log FILE (and reads the runtime's errors from
    # FILE) only to the runtimes named there.
    cat >"$PM/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
# no CNI bridge: it would leave a bridge and iptables rules on the host
netns = "none"
log_driver = "k8s-file"

[engine]
# conmon runs the exit command (podman container cleanup) with only these
# variables: without the two config paths that podman would read the
# default configuration, find neither the container nor its runtime, and
# podman run would wait 20 s for conmon ("Exceeded conmon timeout")
conmon_env_vars = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                   "CONTAINERS_CONF=$PM/containers.conf",
                   "CONTAINERS_STORAGE_CONF=$PM/storage.conf"]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PM/events.log"
tmp_dir = "$PM/run"
runtime = "runc"
runtime_supports_json = ["crun", "runc", "ojrun"]

[engine.runtimes]
runc = ["$PM/bin/runc"]
ojrun = ["$PM/bin/ojrun"]

[network]
network_config_dir = "$PM/net"
EOF
    # containers-storage.conf(5).  overlay works on this ext4 root.
    cat >"$PM/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$PM/graph"
runroot = "$PM/runroot"
EOF
    export CONTAINERS_CONF="$PM/containers.conf"
    export CONTAINERS_STORAGE_CONF="$PM/storage.conf"
}

# After a failure: remove every container, even those a broken runtime
# failed to stop.
remove_all_containers() {
    local d
    # the containers' processes first: then conmon sees them exit and
    # podman rm is quick even when the runtime's kill does not work
    for d in "/sys/fs/cgroup/pids$CGP"/libpod-*; do
        [ -d "$d" ] && kill_cgroup_procs "${d#/sys/fs/cgroup/pids}"
    done
    timeout 60 podman rm -a -f -t 0 >/dev/null 2>&1 || true
    # and any conmon left (podman rm may drop a container it could not stop)
    kill_cgroup_procs "$CGP"
    timeout 60 podman rm -a -f -t 0 >/dev/null 2>&1 || true
}

teardown_file() {
    remove_all_containers
    umount_under "$PM"
    rmdir_cgroup "$CGP"
    rm -rf --one-file-system "$PM"
}

setup() {
    # each test's own calls only (the wrappers append to these files)
    : >"$PM/bin/runc.calls"
    : >"$PM/bin/ojrun.calls"
    # conmon inherits podman's working directory and writes a file "oom"
    # there when the container's cgroup reports an OOM kill
    cd "$PM"
}

teardown() {
    if [ -n "${BATS_TEST_COMPLETED:-}" ]; then
        return 0
    fi
    # a failed test: show what the runtime was asked, then clean up
    [ -n "${RT:-}" ] && [ -f "$PM/bin/$RT.calls" ] && sed 's/^/# call: /' "$PM/bin/$RT.calls" >&3
    remove_all_containers
}

# podman with the runtime under test (the runtime is remembered per
# container, --runtime matters for run/create) and a private TMPDIR for the
# resources file of `podman update`.
pm() {
    TMPDIR="$PM/tmp" timeout 60 podman --runtime "$RT" "$@"
}

# podman run of the busybox rootfs; pass run flags, then the command.
pm_run() { # [RUN-FLAG...] -- CMD...
    local flags=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        flags+=("$1")
        shift
    done
    shift
    pm run --cgroup-parent "$CGP" "${flags[@]}" --rootfs "$ROOTFS_CACHE:O" "$@"
}

cid_of() { pm inspect -f '{{.Id}}' "$1"; }
status_of() { pm inspect -f '{{.State.Status}}' "$1"; }
has_status() { [ "$(status_of "$1")" = "$2" ]; }
logs_have() { pm logs "$1" 2>/dev/null | grep -qx -- "$2"; }
CALLS() { echo "$PM/bin/$RT.calls"; }

# Nothing of container ID may remain: podman's record, the runtime's state
# directory, its cgroup, its mounts (rootfs overlay, /dev/shm), conmon.
assert_clean() { # ID
    local id=$1
    [ -n "$id" ]
    run -0 pm ps -a -q --no-trunc --filter "id=$id"
    [ -z "$output" ]
    if [ -e "$PM/state/$RT/$id" ]; then
        echo "runtime state $PM/state/$RT/$id left behind" >&2
        return 1
    fi
    assert_no_cgroup "$CGP/libpod-$id"
    assert_no_mount "$id"
    assert_no_process "$id"
}

# ---------------------------------------------------------------- checks

check_run() {
    use_runtime "$1"
    local cid=$BATS_TEST_TMPDIR/cid
    run -7 pm_run --rm --cidfile "$cid" -- sh -c 'echo hello from $(hostname); exit 7'
    [ "$output" = "hello from $(cut -c1-12 "$cid")" ]
    id=$(cat "$cid")
    # the call sequence, with the JSON log flags podman gives runtimes
    # listed in runtime_supports_json
    assert_call "$(CALLS)" "^$RT --log-format=json --log [^ ]+/oci-log create --bundle [^ ]+ --pid-file [^ ]+/pidfile $id\$"
    assert_call "$(CALLS)" "^$RT start $id\$"
    assert_call "$(CALLS)" "^$RT delete --force $id\$"
    assert_clean "$id"
}

check_exit_code() {
    use_runtime "$1"
    run -0 pm_run --rm -- true
    run -1 pm_run --rm -- false
    run -42 pm_run --rm -- sh -c 'exit 42'
    # 128 + SIGSEGV from a child killed by the signal (pid 1 of a pid
    # namespace does not die of a signal it has no handler for; death of
    # init by SIGKILL from outside is in the kill test)
    run -139 pm_run --rm -- sh -c 'sh -c "kill -SEGV \$\$"; exit $?'
    # podman turns the runtime's error message (from its --log file) into
    # the shell's codes: "no such file or directory" -> 127, "permission
    # denied" -> 126 (libpod getOCIRuntimeError, case-insensitive)
    run -127 pm_run --rm -- /no/such/binary
    run -126 pm_run --rm -- /etc/passwd
}

check_run_tty() {
    use_runtime "$1"
    local cid=$BATS_TEST_TMPDIR/cid
    run -6 in_pty podman --runtime "$RT" run --rm -t --cidfile "$cid" --cgroup-parent "$CGP" \
        --rootfs "$ROOTFS_CACHE:O" sh -c 'tty; test -t 0 && test -t 1 && exit 6'
    [[ "$output" =~ ^/dev/pts/[0-9]+$ ]]
    id=$(cat "$cid")
    assert_call "$(CALLS)" "^$RT --log-format=json --log [^ ]+ create --bundle [^ ]+ --pid-file [^ ]+ --console-socket [^ ]+ $id\$"
    assert_clean "$id"
}

check_exec() {
    use_runtime "$1"
    pm_run -d --name e1 -- sleep 1000
    id=$(cid_of e1)
    run -3 --separate-stderr pm exec e1 sh -c 'echo in-exec; echo oops >&2; exit 3'
    [ "$output" = in-exec ]
    [ "$stderr" = oops ]
    # the same pid namespace: pid 1 is the container's init
    run -0 pm exec e1 cat /proc/1/comm
    [ "$output" = sleep ]
    # without -t there is no terminal
    run -1 pm exec e1 tty
    [ "$output" = "not a tty" ]
    assert_call "$(CALLS)" "^$RT --log-format=json --log [^ ]+ exec --pid-file [^ ]+ --process [^ ]+ --detach $id\$"
    run -0 pm rm -f -t 0 e1
    assert_clean "$id"
}

check_exec_tty() {
    use_runtime "$1"
    pm_run -d --name e1 -- sleep 1000
    id=$(cid_of e1)
    run -5 in_pty podman --runtime "$RT" exec -t e1 sh -c 'tty; test -t 0 && test -t 1 && exit 5'
    [[ "$output" =~ ^/dev/pts/[0-9]+$ ]]
    assert_call "$(CALLS)" "^$RT --log-format=json --log [^ ]+ exec --pid-file [^ ]+ --process [^ ]+ --detach --tty --console-socket [^ ]+ $id\$"
    run -0 pm rm -f -t 0 e1
    assert_clean "$id"
}

check_stop() {
    use_runtime "$1"
    # a process that handles SIGTERM ends at once with its own status
    pm_run -d --name s1 -- sh -c 'trap "echo bye; exit 0" TERM; echo ready; while :; do sleep 0.1; done'
    id=$(cid_of s1)
    wait_until 10 logs_have s1 ready
    local t0=$SECONDS
    run -0 pm stop -t 20 s1
    [ $((SECONDS - t0)) -lt 10 ]
    [ "$(pm inspect -f '{{.State.Status}} {{.State.ExitCode}}' s1)" = "exited 0" ]
    logs_have s1 bye
    assert_call "$(CALLS)" "^$RT kill $id 15\$"
    assert_no_call "$(CALLS)" "^$RT kill $id 9\$"
    run -0 pm rm s1
    assert_clean "$id"

    # pid 1 has no default action for SIGTERM: after the timeout, SIGKILL
    pm_run -d --name s2 -- sleep 1000
    id=$(cid_of s2)
    run -0 pm stop -t 1 s2
    [ "$(pm inspect -f '{{.State.Status}} {{.State.ExitCode}}' s2)" = "exited 137" ]
    assert_call "$(CALLS)" "^$RT kill $id 15\$"
    assert_call "$(CALLS)" "^$RT kill $id 9\$"
    run -0 pm rm s2
    assert_clean "$id"
}

check_kill() {
    use_runtime "$1"
    pm_run -d --name k1 -- sh -c 'trap "echo got-usr1" USR1; echo ready; while :; do sleep 0.1; done'
    id=$(cid_of k1)
    wait_until 10 logs_have k1 ready
    run -0 pm kill -s USR1 k1
    wait_until 10 logs_have k1 got-usr1
    [ "$(status_of k1)" = running ]
    run -0 pm kill -s KILL k1
    run -0 pm wait k1
    [ "$output" = 137 ]
    assert_call "$(CALLS)" "^$RT kill $id 10\$"
    assert_call "$(CALLS)" "^$RT kill $id 9\$"
    run -0 pm rm k1
    assert_clean "$id"
}

# The counter replaces /tmp/count by rename: a read never sees it empty
# (freezing the writer between truncate and write would leave it so).
count_of() {
    local c
    c=$(cat "/proc/$1/root/tmp/count") && [ -n "$c" ] && echo "$c"
}

check_pause() {
    use_runtime "$1"
    pm_run -d --name p1 -- sh -c 'i=0; while :; do i=$((i+1)); echo $i >/tmp/count.n; mv /tmp/count.n /tmp/count; sleep 0.05; done'
    id=$(cid_of p1)
    pid=$(pm inspect -f '{{.State.Pid}}' p1)
    wait_until 10 test -s "/proc/$pid/root/tmp/count"
    run -0 pm pause p1
    [ "$(status_of p1)" = paused ]
    [ "$(cat "/sys/fs/cgroup/freezer$CGP/libpod-$id/freezer.state")" = FROZEN ]
    local a b
    a=$(count_of "$pid")
    sleep 0.5
    b=$(count_of "$pid")
    [ "$a" = "$b" ]
    run -0 pm unpause p1
    [ "$(status_of p1)" = running ]
    [ "$(cat "/sys/fs/cgroup/freezer$CGP/libpod-$id/freezer.state")" = THAWED ]
    wait_until 5 count_above "$pid" "$b"
    assert_call "$(CALLS)" "^$RT pause $id\$"
    assert_call "$(CALLS)" "^$RT resume $id\$"
    run -0 pm rm -f -t 0 p1
    assert_clean "$id"
}

check_update() {
    use_runtime "$1"
    pm_run -d --name u1 --memory 64m -- sleep 1000
    id=$(cid_of u1)
    local mem=/sys/fs/cgroup/memory$CGP/libpod-$id
    [ "$(cat "$mem/memory.limit_in_bytes")" = $((64 << 20)) ]
    [ "$(cat "$mem/memory.memsw.limit_in_bytes")" = $((128 << 20)) ]
    # podman sends {"memory":{"limit":L,"swap":2L}}; raising the limit past
    # the old memory+swap limit (128m) needs memory.memsw.limit_in_bytes
    # written first on cgroup v1, or the kernel refuses with EINVAL
    run -0 pm update --memory 256m u1
    [ "$(cat "$mem/memory.limit_in_bytes")" = $((256 << 20)) ]
    [ "$(cat "$mem/memory.memsw.limit_in_bytes")" = $((512 << 20)) ]
    assert_call "$(CALLS)" "^$RT update --resources=[^ ]+ $id\$"
    run -0 pm rm -f -t 0 u1
    assert_clean "$id"
}

check_oom() {
    use_runtime "$1"
    local cid=$BATS_TEST_TMPDIR/cid
    # doubling a shell variable until the cgroup's OOM killer ends it
    run -137 pm_run --rm --cidfile "$cid" --memory 64m -- \
        sh -c 'echo allocating; x=a; while :; do x=$x$x; done'
    [ "$output" = allocating ]
    # conmon saw the OOM kill through the memory cgroup of the container's
    # init (memory.oom_control) and left its marker in its working directory
    [ -e "$PM/oom" ]
    rm "$PM/oom"
    assert_clean "$(cat "$cid")"
}

check_pids_limit() {
    use_runtime "$1"
    # busybox sh gives up at the first failed fork, so an inner shell forks
    # until the limit stops it, and the outer one reports and stays
    pm_run -d --name l1 --pids-limit 20 -- \
        sh -c 'sh -c "for i in \$(seq 40); do sleep 1000 & done"; echo spawned; exec sleep 1000'
    id=$(cid_of l1)
    wait_until 10 logs_have l1 spawned
    local pids=/sys/fs/cgroup/pids$CGP/libpod-$id
    [ "$(cat "$pids/pids.max")" = 20 ]
    # the forks stopped at the limit: 20 minus the inner shell, now gone
    [ "$(cat "$pids/pids.current")" -eq 19 ]
    pm logs l1 2>&1 | grep -q "can't fork"
    run -0 pm rm -f -t 0 l1
    assert_clean "$id"
}

check_network_none() {
    use_runtime "$1"
    local cid=$BATS_TEST_TMPDIR/cid
    run -0 pm_run --rm --cidfile "$cid" --network none -- \
        sh -c 'ls /sys/class/net; cat /sys/class/net/lo/flags; readlink /proc/self/ns/net'
    # only the loopback interface, up (IFF_UP 0x1), in a namespace of its own
    [ "${lines[0]}" = lo ]
    [ $((${lines[1]} & 1)) -eq 1 ]
    [ "${lines[2]}" != "$(readlink /proc/self/ns/net)" ]
    assert_lines 3 "$output"
    assert_clean "$(cat "$cid")"
}

# What --userns=auto amounts to for the runtime (that option itself needs
# the host's /etc/subuid): a user namespace, a private cgroup namespace and
# the cgroup mount.  The container reads its own memory limit through it.
check_userns_cgroupns() {
    use_runtime "$1"
    local cid=$BATS_TEST_TMPDIR/cid
    # the container's root (host uid 100000) must reach the bundle under
    # $PM (mktemp made it 0700), and own its image, as with an image that
    # podman would have chowned for the mapping
    chmod o+x "$PM"
    local rootfs=$PM/rootfs-100000
    if [ ! -d "$rootfs" ]; then
        cp -a "$ROOTFS_CACHE" "$rootfs.new"
        chown -R 100000:100000 "$rootfs.new"
        mv "$rootfs.new" "$rootfs"
    fi
    run pm run --cgroup-parent "$CGP" --rm --cidfile "$cid" \
        --uidmap 0:100000:65536 --gidmap 0:100000:65536 --cgroupns private --memory 72m \
        --rootfs "$rootfs:O" sh -c 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /proc/self/uid_map;
               cut -d: -f3 /proc/self/cgroup | sort -u'
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = $((72 << 20)) ]
    [ "$(echo ${lines[1]})" = "0 100000 65536" ]
    [ "${lines[2]}" = / ]
    assert_lines 3 "$output"
    assert_clean "$(cat "$cid")"
}

check_rm_force() {
    use_runtime "$1"
    pm_run -d --name r1 -- sleep 1000
    id=$(cid_of r1)
    pid=$(pm inspect -f '{{.State.Pid}}' r1)
    [ -d "/proc/$pid" ]
    run -0 pm rm -f -t 0 r1
    [ ! -d "/proc/$pid" ]
    assert_call "$(CALLS)" "^$RT kill $id 9\$"
    assert_call "$(CALLS)" "^$RT delete --force $id\$"
    assert_clean "$id"
}

# ----------------------------------------------------------------- tests
# One @test per check and runtime, so a failure names both.  The runc
# variants are the controls, named "control/runc: ...": tests/run.sh counts
# them apart from ojrun's tests (they test runc and the engine, not ojrun).

@test "control/runc: podman: run prints the output, calls create/start/delete" { check_run runc; }
@test "podman/ojrun: run prints the output, calls create/start/delete" { check_run ojrun; }
@test "control/runc: podman: run propagates exit codes" { check_exit_code runc; }
@test "podman/ojrun: run propagates exit codes" { check_exit_code ojrun; }
@test "control/runc: podman: run -t under script gets a terminal" { check_run_tty runc; }
@test "podman/ojrun: run -t under script gets a terminal" { check_run_tty ojrun; }
@test "control/runc: podman: run -d, exec output and exit code" { check_exec runc; }
@test "podman/ojrun: run -d, exec output and exit code" { check_exec ojrun; }
@test "control/runc: podman: exec -t under script gets a terminal" { check_exec_tty runc; }
@test "podman/ojrun: exec -t under script gets a terminal" { check_exec_tty ojrun; }
@test "control/runc: podman: stop sends SIGTERM, then SIGKILL after the timeout" { check_stop runc; }
@test "podman/ojrun: stop sends SIGTERM, then SIGKILL after the timeout" { check_stop ojrun; }
@test "control/runc: podman: kill -s delivers the signal" { check_kill runc; }
@test "podman/ojrun: kill -s delivers the signal" { check_kill ojrun; }
@test "control/runc: podman: pause freezes, unpause thaws" { check_pause runc; }
@test "podman/ojrun: pause freezes, unpause thaws" { check_pause ojrun; }
@test "control/runc: podman: update --memory changes the cgroup limit" { check_update runc; }
@test "podman/ojrun: update --memory changes the cgroup limit" { check_update ojrun; }
@test "control/runc: podman: --memory 64m, out of memory exits 137" { check_oom runc; }
@test "podman/ojrun: --memory 64m, out of memory exits 137" { check_oom ojrun; }
@test "control/runc: podman: --pids-limit caps the processes" { check_pids_limit runc; }
@test "podman/ojrun: --pids-limit caps the processes" { check_pids_limit ojrun; }
@test "control/runc: podman: --network none has only lo, up, in its own netns" { check_network_none runc; }
@test "podman/ojrun: --network none has only lo, up, in its own netns" { check_network_none ojrun; }
@test "control/runc: podman: user + cgroup namespaces, the container reads its own limit" { check_userns_cgroupns runc; }
@test "podman/ojrun: user + cgroup namespaces, the container reads its own limit" { check_userns_cgroupns ojrun; }
@test "control/runc: podman: rm -f kills and deletes a running container" { check_rm_force runc; }
@test "podman/ojrun: rm -f kills and deletes a running container" { check_rm_force ojrun; }
