#!/usr/bin/env bash
# Record the exact command lines podman (through conmon) and containerd
# (through containerd-shim-runc-v2) give an OCI runtime.
#
#   hack/trace-client-calls.sh [RUNTIME]      default: /usr/sbin/runc
#
# The runtime is registered with both engines behind a wrapper named
# "ojrun" that appends its argv to a log and execs RUNTIME.  For each
# client command the script prints the command, then the runtime calls it
# caused, with paths shortened: $W is the work directory, $ID the
# container's id, $X an exec session's id; temporary names made by the
# engines (exec-process-NNN, /tmp/runc-processNNN, ...) vary from run to run.
# specs/containerd.md quotes its output for runc.  Needs root; everything
# it starts is stopped and removed at exit.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNTIME=$(realpath "${1:-/usr/sbin/runc}")
W=$(mktemp -d /tmp/ojrun-trace.XXXXXX)
CGP=/ojrun-trace-${W##*.}
CTD_PID=
run_existed=$([ -e /run/containerd ] && echo 1 || true)

cleanup() {
    set +e
    export CONTAINERS_CONF=$W/containers.conf CONTAINERS_STORAGE_CONF=$W/storage.conf
    timeout 60 podman rm -a -f -t 0 >/dev/null 2>&1
    for id in $(ctr_ containers ls -q 2>/dev/null); do
        ctr_ task rm -f "$id" >/dev/null 2>&1
        ctr_ containers rm "$id" >/dev/null 2>&1
    done
    if [ -n "$CTD_PID" ]; then
        kill "$CTD_PID"
        for _ in $(seq 50); do kill -0 "$CTD_PID" 2>/dev/null || break; sleep 0.1; done
    fi
    for d in /sys/fs/cgroup/*/"${CGP#/}"; do
        [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
    done
    [ -z "$run_existed" ] && [ -d /run/containerd ] &&
        find /run/containerd -depth -type d -exec rmdir {} + 2>/dev/null
    grep -q " $W/" /proc/self/mountinfo && echo "trace: mounts left under $W" >&2
    rm -rf --one-file-system "$W"
}
trap cleanup EXIT

# the wrapper for podman adds a private --root; the shim passes its own
wrapper() { # PATH [GLOBAL-ARG...]
    local path=$1
    shift
    mkdir -p "$(dirname "$path")"
    cat >"$path" <<EOF
#!/bin/bash
line=\$(printf ' %q' "\$@")
printf '%s\n' "ojrun\$line" >>$W/calls
exec $RUNTIME $* "\$@"
EOF
    chmod 0755 "$path"
}
mkdir -p "$W/tmp"
wrapper "$W/bin/ojrun" --root "$W/state"
wrapper "$W/ctd-bin/ojrun"
: >"$W/calls"

rootfs=${ROOTFS:-$W/rootfs}
[ -x "$rootfs/bin/busybox" ] || bash hack/mk-busybox-rootfs.sh "$rootfs" >/dev/null

# one client command, then the calls it caused
ID=
trace() { # TITLE CMD...
    local title=$1
    shift
    : >"$W/calls"
    "$@" >/dev/null 2>&1 || true
    sleep 0.3 # conmon's cleanup command runs after podman returns
    echo "\$ $title"
    sed -e "s#$W#\$W#g" ${ID:+-e "s#$ID#\$ID#g"} -E -e 's/[0-9a-f]{64}/$X/g' -e 's/^/    /' "$W/calls"
    echo
}
in_pty() { script -qec "$(printf '%q ' "$@")" /dev/null </dev/null; }

# ------------------------------------------------------------------ podman
cat >"$W/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
netns = "none"
[engine]
conmon_env_vars = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "CONTAINERS_CONF=$W/containers.conf",
                   "CONTAINERS_STORAGE_CONF=$W/storage.conf"]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$W/events.log"
tmp_dir = "$W/run"
runtime = "ojrun"
runtime_supports_json = ["crun", "runc", "ojrun"]
[engine.runtimes]
ojrun = ["$W/bin/ojrun"]
[network]
network_config_dir = "$W/net"
EOF
cat >"$W/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$W/graph"
runroot = "$W/runroot"
EOF
export CONTAINERS_CONF=$W/containers.conf CONTAINERS_STORAGE_CONF=$W/storage.conf
export TMPDIR=$W/tmp
P=(timeout 60 podman)
R=(--cgroup-parent "$CGP" --rootfs "$rootfs:O")

echo "## podman $(podman --version | awk '{print $3}'), conmon $(conmon --version | awk 'NR==1{print $3}')"
echo
trace "podman info" "${P[@]}" info
trace "podman run --rm IMAGE true" "${P[@]}" run --rm "${R[@]}" true
trace "podman run --rm -t IMAGE true  (under script)" in_pty "${P[@]}" run --rm -t "${R[@]}" true
"${P[@]}" run -d --name c1 "${R[@]}" sleep 1000 >/dev/null
ID=$("${P[@]}" inspect -f '{{.Id}}' c1)
: >"$W/calls"
trace "podman exec c1 true" "${P[@]}" exec c1 true
trace "podman exec -t c1 true  (under script)" in_pty "${P[@]}" exec -t c1 true
trace "podman kill -s USR1 c1" "${P[@]}" kill -s USR1 c1
trace "podman pause c1" "${P[@]}" pause c1
trace "podman unpause c1" "${P[@]}" unpause c1
trace "podman update --memory 100m c1" "${P[@]}" update --memory 100m c1
trace "podman stop -t 1 c1  (sleep as pid 1 ignores SIGTERM)" "${P[@]}" stop -t 1 c1
trace "podman rm c1" "${P[@]}" rm c1
"${P[@]}" run -d --name c2 "${R[@]}" sleep 1000 >/dev/null
ID=$("${P[@]}" inspect -f '{{.Id}}' c2)
: >"$W/calls"
trace "podman rm -f -t 0 c2" "${P[@]}" rm -f -t 0 c2
ID=

# -------------------------------------------------------------- containerd
cat >"$W/config.toml" <<EOF
version = 2
root = "$W/ctd-root"
state = "$W/ctd-state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",
                    "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper",
                    "io.containerd.snapshotter.v1.zfs"]
[grpc]
  address = "$W/ctd.sock"
[ttrpc]
  address = "$W/ctd.sock.ttrpc"
[debug]
  address = "$W/ctd-debug.sock"
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$W/opt"
EOF
containerd --config "$W/config.toml" >"$W/containerd.log" 2>&1 </dev/null &
CTD_PID=$!
ctr_() { timeout 30 ctr --address "$W/ctd.sock" --namespace trace "$@"; }
for _ in $(seq 100); do ctr_ version >/dev/null 2>&1 && break; sleep 0.1; done
umoci init --layout "$W/image"
umoci new --image "$W/image:oj"
umoci insert --image "$W/image:oj" "$rootfs" / >/dev/null
tar -C "$W/image" -cf "$W/image.tar" .
ctr_ images import --base-name localhost/busybox "$W/image.tar" >/dev/null
RB=(--runc-binary "$W/ctd-bin/ojrun" --runc-root "$W/ctd-runc" --fifo-dir "$W/tmp")
IMG=localhost/busybox:oj

echo "## containerd $(containerd --version | awk '{print $3}') with containerd-shim-runc-v2 (ctr)"
echo
trace "ctr run --rm IMAGE r1 true" ctr_ run --rm "${RB[@]}" --cgroup "$CGP/r1" "$IMG" r1 true
trace "ctr run --rm -t IMAGE t1 true  (under script)" in_pty ctr --address "$W/ctd.sock" \
    --namespace trace run --rm -t "${RB[@]}" --cgroup "$CGP/t1" "$IMG" t1 true
trace "ctr run -d IMAGE c1 sleep 1000" ctr_ run -d "${RB[@]}" --cgroup "$CGP/c1" "$IMG" c1 sleep 1000
trace "ctr task exec --exec-id e1 c1 true" ctr_ task exec --fifo-dir "$W/tmp" --exec-id e1 c1 true
trace "ctr task exec -t --exec-id e2 c1 true  (under script)" in_pty ctr --address "$W/ctd.sock" \
    --namespace trace task exec -t --fifo-dir "$W/tmp" --exec-id e2 c1 true
trace "ctr task ps c1" ctr_ task ps c1
trace "ctr task metrics c1" ctr_ task metrics c1
trace "ctr task pause c1" ctr_ task pause c1
trace "ctr task resume c1" ctr_ task resume c1
trace "ctr task kill -s SIGUSR1 c1" ctr_ task kill -s SIGUSR1 c1
trace "ctr task kill c1  (SIGTERM; sleep as pid 1 ignores it)" ctr_ task kill c1
trace "ctr task kill --all -s SIGKILL c1" ctr_ task kill --all -s SIGKILL c1
sleep 0.5
trace "ctr task rm c1" ctr_ task rm c1
trace "ctr containers rm c1" ctr_ containers rm c1
ctr_ run -d "${RB[@]}" --cgroup "$CGP/c2" "$IMG" c2 sleep 1000 >/dev/null
trace "ctr task rm -f c2  (running)" ctr_ task rm -f c2
ctr_ containers rm c2
