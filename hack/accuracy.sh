#!/usr/bin/env bash
# Accounting accuracy: what a judge would report for the same programs under
# ojrun (create --shim / wait), runc and crun (specs/shim-protocol.md,
# "Accuracy").  Needs root, build/ojrun and the static
# test helpers (make check builds them: build/tests/helpers).
#
#   bash hack/accuracy.sh [RUNS]        RUNTIMES="ojrun runc crun" SECCOMP=0|1
#
# For runc and crun the figures are their cgroup's own counters read after
# the program exited and before `delete` (cpuacct.usage,
# memory.max_usage_in_bytes): everything charged to the cgroup, the
# runtime's setup inside it included -- what a judge reading the container's
# cgroup gets.  For ojrun they are the result's cpu_us and memory_peak_bytes.
# The programs: busy 200 (spins 200 ms of its own CLOCK_PROCESS_CPUTIME_ID
# and prints it), touchmem 100 (touches 100 MiB), true (does nothing).
# crun on a hybrid host needs the cgroup2 mount out of its way:
# `unshare -m sh -c 'umount /sys/fs/cgroup/unified && exec crun ...'`.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
OJRUN=${OJRUN:-$SRC/build/ojrun}
HELPERS=${OJRUN_HELPERS:-$SRC/build/tests/helpers}
RUNS=${1:-5}
work=$(mktemp -d /tmp/ojrun-accuracy.XXXXXX)
trap 'rm -rf "$work"' EXIT
# the cgroup parent of this run: cgroups are host-wide, and another run (in
# another checkout) may measure at the same time
CG=ojrun-accuracy-${work##*.}-$$
bash hack/mk-busybox-rootfs.sh "$work/rootfs" >/dev/null

# SECCOMP=1: add podman's default profile (/usr/share/containers/seccomp.json,
# containers/common format) converted to OCI's linux.seccomp: the rules that
# apply on x86_64 without extra capabilities.
seccomp='null'
if [ "${SECCOMP:-0}" = 1 ]; then
    seccomp=$(jq -c '{defaultAction, defaultErrnoRet,
        architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        syscalls: [.syscalls[]
            | select((.includes.caps // []) == [] and ((.includes.arches // ["amd64"]) | index("amd64")))
            | select((.excludes.arches // []) | index("amd64") | not)
            | {names, action} + (if .errnoRet then {errnoRet} else {} end)
              + (if (.args // []) != [] then {args} else {} end)]}' \
        /usr/share/containers/seccomp.json)
fi

# bundle NAME ARGS-JSON -> $work/NAME with cgroupsPath /$CG/NAME
bundle() {
    local b=$work/$1
    mkdir -p "$b"
    jq --arg r "$work/rootfs" --arg h "$HELPERS" --arg cg "/$CG/$1" --argjson a "$2" \
        --argjson sc "$seccomp" '
        .ociVersion = "1.0.2" | .root.path = $r | .process.args = $a | .linux.cgroupsPath = $cg
        | .mounts += [{"destination":"/h","type":"bind","source":$h,"options":["rbind","ro"]}]
        | if $sc then .linux.seccomp = $sc else . end
    ' tests/integration/data/base-config.json >"$b/config.json"
    echo "$b"
}

crun_() { unshare -m sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec crun "$@"' crun "$@"; }

# measure RUNTIME NAME ARGS-JSON -> "cpu_us mem_bytes own_cpu_us"
measure() {
    local rt=$1 name=$2 args=$3 b out own
    b=$(bundle "$rt-$name" "$args")
    out=$work/$rt-$name.out
    case $rt in
    ojrun)
        "$OJRUN" --root "$work/oj" create --shim -b "$b" "$name" </dev/null >"$out" 2>&1
        "$OJRUN" --root "$work/oj" start "$name"
        "$OJRUN" --root "$work/oj" wait "$name" >"$work/r.json"
        "$OJRUN" --root "$work/oj" delete "$name"
        own=$(sed -n 's/^cpu_us=//p' "$out")
        echo "$(jq .cpu_us "$work/r.json") $(jq .memory_peak_bytes "$work/r.json") ${own:--}"
        return
        ;;
    runc) rtc() { runc --root "$work/runc" "$@"; } ;;
    crun) rtc() { crun_ --root "$work/crun" "$@"; } ;;
    esac
    rtc create -b "$b" "$name" </dev/null >"$out" 2>&1
    rtc start "$name"
    for _ in $(seq 500); do
        [ "$(rtc state "$name" | jq -r .status)" = stopped ] && break
        sleep 0.01
    done
    local cpu mem
    cpu=$(cat "/sys/fs/cgroup/cpuacct/$CG/$rt-$name/cpuacct.usage")
    mem=$(cat "/sys/fs/cgroup/memory/$CG/$rt-$name/memory.max_usage_in_bytes")
    rtc delete "$name" >/dev/null 2>&1
    own=$(sed -n 's/^cpu_us=//p' "$out")
    echo "$((cpu / 1000)) $mem ${own:--}"
}

printf '%-6s %-12s %12s %12s %14s\n' RUNTIME PROGRAM REPORTED_US OWN_CPU_US PEAK_BYTES
for rt in ${RUNTIMES:-ojrun runc crun}; do
    for i in $(seq "$RUNS"); do
        read -r cpu mem own < <(measure "$rt" "busy$i" '["/h/busy","200"]')
        printf '%-6s %-12s %12s %12s %14s\n' "$rt" "busy 200" "$cpu" "$own" "$mem"
        read -r cpu mem own < <(measure "$rt" "touch$i" '["/h/touchmem","100"]')
        printf '%-6s %-12s %12s %12s %14s\n' "$rt" "touchmem 100" "$cpu" - "$mem"
        read -r cpu mem own < <(measure "$rt" "true$i" '["/bin/true"]')
        printf '%-6s %-12s %12s %12s %14s\n' "$rt" "true" "$cpu" - "$mem"
    done
done
for d in /sys/fs/cgroup/*/"$CG" /sys/fs/cgroup/unified/"$CG"; do
    [ -d "$d" ] && rmdir "$d"/* "$d" 2>/dev/null || true
done
