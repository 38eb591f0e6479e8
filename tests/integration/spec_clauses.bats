#!/usr/bin/env bats
# Clauses of the runtime spec that runc honours and ojrun once refused: a
# container without a mount namespace of its own, namespaces joined by path
# (mount, and uts with a hostname), linux.rootfsPropagation "unbindable",
# `start` returning once the program runs, and a busy cgroup named in
# linux.cgroupsPath.  Each ojrun test has its control: the same steps under
# Debian's runc (private --root), or crun where runc 1.1.5 cannot do it.

load helpers
load bundle

setup() {
    setup_root
    make_bundle
    ID=$P-sc
    RUNC_ROOT=$BATS_TEST_TMPDIR/runc
}

teardown() {
    ojrun_cleanup
    if [ -d "$RUNC_ROOT" ]; then
        local id
        for id in $(runc --root "$RUNC_ROOT" list -q 2>/dev/null); do
            runc --root "$RUNC_ROOT" delete --force "$id" >/dev/null 2>&1 || true
        done
    fi
    busy_cgroup_remove
    if [ -n "${NS_HOLDER:-}" ]; then
        kill -9 "$NS_HOLDER" 2>/dev/null || true
        wait "$NS_HOLDER" 2>/dev/null || true
    fi
}

# RUNTIME ARGS...: run ojrun or runc (private --root) with ARGS.
rt() {
    local runtime=$1
    shift
    if [ "$runtime" = runc ]; then
        runc --root "$RUNC_ROOT" "$@"
    else
        "$OJRUN" --root "$ROOT" "$@"
    fi
}

# --- a busy cgroup in linux.cgroupsPath --------------------------------------

# BUSY_REL: a cgroup (below every hierarchy's root) holding one process of
# ours, BUSY_PID, that is no container's.
busy_cgroup_make() {
    BUSY_REL=/$P-busy
    sleep 1000 &
    BUSY_PID=$!
    local m
    for m in $(cgroup_mounts); do
        mkdir -p "$m$BUSY_REL"
        # a new v1 cpuset takes no process before it has cpus and mems
        if [ -e "$m$BUSY_REL/cpuset.cpus" ]; then
            cat "$m/cpuset.cpus" >"$m$BUSY_REL/cpuset.cpus"
            cat "$m/cpuset.mems" >"$m$BUSY_REL/cpuset.mems"
        fi
        echo "$BUSY_PID" >"$m$BUSY_REL/cgroup.procs"
    done
}

busy_cgroup_remove() {
    [ -n "${BUSY_REL:-}" ] || return 0
    kill -9 "$BUSY_PID" 2>/dev/null || true
    wait "$BUSY_PID" 2>/dev/null || true
    local m d i
    for m in $(cgroup_mounts); do
        d=$m$BUSY_REL
        for i in $(seq 50); do
            [ -d "$d" ] || break
            rmdir "$d" 2>/dev/null && break
            sleep 0.1
        done
    done
    BUSY_REL=
}

# Still there after the container: the foreign process, in the cgroup.
assert_busy_intact() {
    kill -0 "$BUSY_PID"
    local pids
    pids=$(cgroup_path pids "$BUSY_REL")
    [ -d "$pids" ]
    grep -qx "$BUSY_PID" "$pids/cgroup.procs"
}

check_busy_cgroup_joined() {
    local runtime=$1 want_warning
    busy_cgroup_make
    # no cgroup namespace: /proc/self/cgroup shows the host's path
    cfg '.linux.cgroupsPath = $p | .linux.namespaces -= [{"type":"cgroup"}]' --arg p "$BUSY_REL"
    cfg_args sh -c 'grep -E "^[0-9]+:pids:" /proc/self/cgroup'
    run --separate-stderr rt "$runtime" run -b "$BUNDLE" "$ID"
    echo "status $status, stdout: $output, stderr: $stderr"
    [ "$status" -eq 0 ]
    [[ "$output" == *":pids:$BUSY_REL" ]]
    if [ "$runtime" = runc ]; then
        want_warning="container's cgroup is not empty: 1 process(es) found"
    else
        want_warning="cgroup $BUSY_REL is not empty: 1 process(es) found"
    fi
    [[ "$stderr" == *"$want_warning"* ]]
    assert_busy_intact

    # delete --force of a running container: the container's processes go,
    # the foreign one stays
    cfg_args sleep 100
    rt "$runtime" run -d -b "$BUNDLE" "$ID-d" 2>/dev/null
    local init
    init=$(rt "$runtime" state "$ID-d" | jq -r .pid)
    grep -qx "$init" "$(cgroup_path pids "$BUSY_REL")/cgroup.procs"
    rt "$runtime" delete --force "$ID-d" 2>/dev/null
    ! kill -0 "$init" 2>/dev/null
    assert_busy_intact
}

@test "linux.cgroupsPath naming a busy cgroup: joined with a warning, its processes left alone" {
    check_busy_cgroup_joined ojrun
    [ ! -e "$ROOT/$ID" ] && [ ! -e "$ROOT/$ID-d" ]
}

@test "control/runc: linux.cgroupsPath naming a busy cgroup: joined with a warning, its processes left alone" {
    check_busy_cgroup_joined runc
}

@test "a judge task (run --result, create --shim) refuses a busy linux.cgroupsPath" {
    busy_cgroup_make
    cfg '.linux.cgroupsPath = $p' --arg p "$BUSY_REL"
    cfg_args true
    local want="linux.cgroupsPath $BUSY_REL: the cgroup holds other processes, and a judge task needs a cgroup of its own"
    run ojrun run --result - -b "$BUNDLE" "$ID"
    [ "$status" -eq 1 ]
    [[ "$output" == *"$want"* ]]
    run ojrun create --shim -b "$BUNDLE" "$ID"
    [ "$status" -eq 1 ]
    [[ "$output" == *"$want"* ]]
    [ ! -e "$ROOT/$ID" ]
    assert_busy_intact
}

@test "the default cgroup (/ojrun/<id>) busy: still refused (a same-id container of another --root)" {
    cfg_args sleep 100
    "$OJRUN" --root "$BATS_TEST_TMPDIR/other" run -d -b "$BUNDLE" "$ID"
    run ojrun create -b "$BUNDLE" "$ID"
    "$OJRUN" --root "$BATS_TEST_TMPDIR/other" delete --force "$ID"
    [ "$status" -eq 1 ]
    [[ "$output" == *"is in use by other processes"* ]]
    assert_no_leftovers "$ID"
}

# --- linux.rootfsPropagation -------------------------------------------------

@test "linux.rootfsPropagation unbindable: / is unbindable in the container" {
    cfg '.linux.rootfsPropagation = "unbindable"'
    cfg_args sh -c 'awk "\$5 == \"/\"" /proc/self/mountinfo'
    run ojrun run -b "$BUNDLE" "$ID"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *" unbindable - "* ]]
    assert_no_leftovers "$ID"
}

# runc 1.1.5 fails here like ojrun did ("mount …rootfs:…rootfs, flags:
# 0x5000: invalid argument"): crun is the control.
@test "control/crun: linux.rootfsPropagation unbindable: / is unbindable in the container" {
    command -v crun >/dev/null || skip "crun not installed"
    cfg '.ociVersion = "1.0.2" | .linux.rootfsPropagation = "unbindable"'
    cfg_args sh -c 'awk "\$5 == \"/\"" /proc/self/mountinfo'
    # crun 1.8 refuses a hybrid host: hide cgroup2 in a private mount
    # namespace; stdin from a pipe, not the host's /dev/null
    run sh -c "echo | unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null;
        exec crun --root \"$BATS_TEST_TMPDIR/crun\" run -b \"$BUNDLE\" \"$ID-crun\"'"
    echo "$output"
    [ "$status" -eq 0 ]
    [[ "$output" == *" unbindable - "* ]]
}

# --- start returns once the program runs -------------------------------------

# A startContainer hook that takes 0.5 s holds the init between `start`'s
# byte and the execve: a `start` that returned at the byte would leave
# `state` saying running while PID <pid> is still the runtime's init.
check_start_returns_after_exec() {
    local runtime=$1
    cfg '.hooks.startContainer = [{"path": "/bin/sleep", "args": ["sleep", "0.5"]}]'
    cfg_args sleep 100
    rt "$runtime" create -b "$BUNDLE" "$ID"
    [ "$(rt "$runtime" state "$ID" | jq -r .status)" = created ]
    rt "$runtime" start "$ID"
    local pid
    pid=$(rt "$runtime" state "$ID" | jq -r .pid)
    echo "right after start: $(rt "$runtime" state "$ID" | jq -r .status), comm $(cat "/proc/$pid/comm")"
    [ "$(cat "/proc/$pid/comm")" = sleep ]
    [ "$(rt "$runtime" state "$ID" | jq -r .status)" = running ]
    rt "$runtime" delete --force "$ID"
}

@test "start returns once the program has replaced the init (execve done)" {
    check_start_returns_after_exec ojrun
    assert_no_leftovers "$ID"
}

@test "control/runc: start returns once the program has replaced the init (execve done)" {
    check_start_returns_after_exec runc
}

# runc 1.1 runs poststart hooks inside `runc create`, before the program
# exists: no control.
@test "poststart hooks run after the program started" {
    cfg '.hooks.startContainer = [{"path": "/bin/sleep", "args": ["sleep", "0.3"]}]
         | .hooks.poststart = [{"path": "/bin/sh", "args": ["sh", "-c",
             "p=$(jq -r .pid); cat /proc/$p/comm >\"$0\"", $out]}]' \
        --arg out "$BATS_TEST_TMPDIR/poststart.comm"
    cfg_args sleep 100
    ojrun create -b "$BUNDLE" "$ID"
    ojrun start "$ID"
    [ "$(cat "$BATS_TEST_TMPDIR/poststart.comm")" = sleep ]
    ojrun delete --force "$ID"
    assert_no_leftovers "$ID"
}

# runc 1.1.5's init writes the fifo before the startContainer hooks: its
# `start` succeeds and the container dies.  ojrun's start reports it.
@test "start reports a failure between its byte and the execve (a failing startContainer hook)" {
    cfg '.hooks.startContainer = [{"path": "/bin/false", "args": ["false"]}]'
    cfg_args sleep 100
    ojrun create -b "$BUNDLE" "$ID"
    run ojrun start "$ID"
    echo "$output"
    [ "$status" -eq 1 ]
    [ "$output" = "ojrun: start $ID: cannot start container \"$ID\": startContainer hook #0 (/bin/false): exited with status 1" ]
    [ "$(ojrun state "$ID" | jq -r .status)" = stopped ]
    ojrun delete "$ID"
    assert_no_leftovers "$ID"
}

# --- namespaces: inherited, or joined by path ---------------------------------

# NS_HOLDER: a process in a new namespace of type $1 ("mount" or "uts"),
# which tests join by path (/proc/$NS_HOLDER/ns/...).  Fails, rather than
# going on with the host's own namespace, if it never shows one of its own.
ns_holder() {
    local type=$1 flag ns i
    case $type in
    mount) flag=-m ns=mnt ;;
    uts) flag=-u ns=uts ;;
    esac
    unshare "$flag" sleep 1000 &
    NS_HOLDER=$!
    for i in $(seq 100); do
        if [ "$(readlink "/proc/$NS_HOLDER/ns/$ns")" != "$(readlink "/proc/self/ns/$ns")" ] &&
            [ "$(cat "/proc/$NS_HOLDER/comm")" = sleep ]; then
            return 0
        fi
        sleep 0.05
    done
    echo "the $type namespace holder never left our namespace" >&2
    return 1
}

# No mount namespace in the config: the container runs in the runtime's
# (here a private one made for the test, so that nothing reaches the host's
# mount table even if the runtime leaks), chroot()ed into the rootfs with
# its mounts.  runc refuses masked and read-only paths without a mount
# namespace ("unable to restrict sys entries"): the config has none.
check_no_mount_ns() {
    local runtime=$1
    echo "$P" >"$BUNDLE/rootfs/marker"
    cfg '.linux.namespaces -= [{"type":"mount"}] | del(.linux.maskedPaths, .linux.readonlyPaths)'
    cfg_args sh -c 'readlink /proc/self/ns/mnt; cat /marker; cat /proc/self/comm; [ -c /dev/null ] && echo dev-ok'
    local cmd
    if [ "$runtime" = runc ]; then
        cmd="runc --root '$RUNC_ROOT'"
    else
        cmd="'$OJRUN' --root '$ROOT'"
    fi
    run unshare -m --propagation private sh -c "
        echo runtime-ns=\$(readlink /proc/self/ns/mnt)
        $cmd run -b '$BUNDLE' '$ID' || exit
        echo left=\$(grep -c ' $BUNDLE/rootfs' /proc/self/mountinfo)"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[1]}" = "${lines[0]#runtime-ns=}" ] # the runtime's namespace
    [ "${lines[2]}" = "$P" ]                      # its root is the rootfs
    [ "${lines[3]}" = cat ]                       # a proc of its own PID namespace
    [ "${lines[4]}" = dev-ok ]
}

@test "no mount namespace: the container inherits the runtime's, chroot()ed into the rootfs; delete removes its mounts" {
    check_no_mount_ns ojrun
    [ "${lines[5]}" = left=0 ]
    [ ! -e "$ROOT/$ID" ]
}

@test "control/runc: no mount namespace: the container inherits the runtime's, chroot()ed into the rootfs" {
    check_no_mount_ns runc
}

@test "no mount namespace in the host's: state, exec into the rootfs, delete leaves no mount" {
    echo "$P" >"$BUNDLE/rootfs/marker"
    cfg '.linux.namespaces -= [{"type":"mount"}]'
    cfg_args sleep 100
    ojrun run -d -b "$BUNDLE" "$ID"
    grep -q " $BUNDLE/rootfs " /proc/self/mountinfo
    [ "$(ojrun state "$ID" | jq -r .status)" = running ]
    # exec'd processes are chroot()ed into the container's root too
    run ojrun exec "$ID" cat /marker
    [ "$status" -eq 0 ]
    [ "$output" = "$P" ]
    ojrun delete --force "$ID"
    assert_no_leftovers "$ID"
}

check_mount_ns_by_path() {
    local runtime=$1
    ns_holder mount
    echo "$P" >"$BUNDLE/rootfs/marker"
    cfg '.linux.namespaces |= map(if .type == "mount" then .path = $p else . end)' \
        --arg p "/proc/$NS_HOLDER/ns/mnt"
    cfg_args sh -c 'readlink /proc/self/ns/mnt; cat /marker'
    run rt "$runtime" run -b "$BUNDLE" "$ID"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "$(readlink "/proc/$NS_HOLDER/ns/mnt")" ]
    [ "${lines[1]}" = "$P" ]
}

@test "a mount namespace given by path is joined" {
    check_mount_ns_by_path ojrun
    assert_no_leftovers "$ID"
}

@test "control/runc: a mount namespace given by path is joined" {
    check_mount_ns_by_path runc
}

check_hostname_uts_by_path() {
    local runtime=$1 before
    before=$(hostname)
    ns_holder uts
    cfg '.linux.namespaces |= map(if .type == "uts" then .path = $p else . end) | .hostname = $h' \
        --arg p "/proc/$NS_HOLDER/ns/uts" --arg h "$P-h"
    cfg_args hostname
    run rt "$runtime" run -b "$BUNDLE" "$ID"
    echo "$output"
    [ "$status" -eq 0 ]
    [ "$output" = "$P-h" ]
    [ "$(nsenter -t "$NS_HOLDER" -u hostname)" = "$P-h" ]
    [ "$(hostname)" = "$before" ]
}

@test "hostname with a UTS namespace given by path: set in that namespace" {
    check_hostname_uts_by_path ojrun
    assert_no_leftovers "$ID"
}

@test "control/runc: hostname with a UTS namespace given by path: set in that namespace" {
    check_hostname_uts_by_path runc
}

@test "hostname without any UTS namespace: refused, as runc does" {
    cfg '.linux.namespaces -= [{"type":"uts"}]'
    run ojrun run -b "$BUNDLE" "$ID"
    [ "$status" -eq 1 ]
    [ "$output" = "ojrun: run $ID: hostname is set but the config has no UTS namespace" ]
    assert_no_leftovers "$ID"
}

@test "control/runc: hostname without any UTS namespace: refused" {
    cfg '.linux.namespaces -= [{"type":"uts"}]'
    run runc --root "$RUNC_ROOT" run -b "$BUNDLE" "$ID"
    [ "$status" -ne 0 ]
    [[ "$output" == *"unable to set hostname without a private UTS namespace"* ]]
}
