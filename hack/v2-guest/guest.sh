#!/bin/bash
# PID 1 of the cgroup v2 test guest after switch_root (see init).  $1 is
# the checkout, seen read-only through the overlay; /v2out is the host's
# results directory, where run.sh left job.env:
#   TESTS  what tests/run.sh runs ("unit tests/integration/x.bats ...")
#   BUILD  the host's prebuilt build directory (relative to the checkout)
#   RUN_TIMEOUT  seconds the test run may take
# The guest writes back:
#   run.log    what tests/run.sh printed, ending "N passed, N failed, ..."
#   status     its exit status (or "timeout")
#   tap/       the TAP log of every file
#   guest.txt  kernel, cgroup layout and times
# and then reboots, which ends qemu (-no-reboot).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb
dir=$1
out=/v2out

finish() {
    sync
    echo b >/proc/sysrq-trigger
    sleep 60
}
trap finish EXIT

# shellcheck source=/dev/null
set -a
. "$out/job.env" || {
    echo "v2-guest: no $out/job.env" | tee "$out/status"
    exit 1
}
: "${TESTS:?}" "${BUILD:=build}" "${RUN_TIMEOUT:=2400}"
set +a

hostname ojv2-guest
mount --make-rshared / || echo "v2-guest: mount --make-rshared / failed"
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up 2>/dev/null
# Everything the checkout's tests write (tests/.work, build outputs of
# helpers) lands in the overlay's tmpfs, never on the host.
cd "$dir" || exit 1

{
    echo "kernel: $(uname -r)"
    echo "cmdline: $(cat /proc/cmdline)"
    echo "cgroup mounts:"
    grep -E ' - cgroup2? ' /proc/self/mountinfo
    echo "controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
    echo "subtree_control: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
    echo "own cgroup: $(cat /proc/self/cgroup)"
    echo "a child cgroup's files: $(ls /sys/fs/cgroup/init | tr '\n' ' ')"
    echo "cpus: $(nproc), memory: $(awk '/MemTotal/ {print $2 " kB"}' /proc/meminfo)"
    echo "uptime at start: $(cut -d' ' -f1 /proc/uptime) s"
} >"$out/guest.txt" 2>&1

start=$(date +%s)
# The run in its own session, so that a timeout kills all of it; PID 1
# keeps reaping whatever is orphaned meanwhile (bash reaps every child).
setsid bash tests/run.sh \
    >"$out/run.log" 2>&1 </dev/null &
runner=$!
(
    sleep "$RUN_TIMEOUT"
    echo "v2-guest: the test run took more than $RUN_TIMEOUT s: killed" >>"$out/run.log"
    echo timeout >"$out/status.timeout"
    kill -KILL -- -"$runner"
) &
watchdog=$!
wait "$runner"
rc=$?
kill "$watchdog" 2>/dev/null
if [ -e "$out/status.timeout" ]; then
    echo timeout >"$out/status"
else
    echo "$rc" >"$out/status"
fi
echo "run time: $(($(date +%s) - start)) s" >>"$out/guest.txt"

# the TAP logs (tests/run.sh's directory; also after a timeout)
mkdir -p "$out/tap"
cp /tmp/ojrun-tests.*/*.tap "$out/tap/" 2>/dev/null
echo "cgroups left below the root: $(find /sys/fs/cgroup -mindepth 1 -type d | grep -v '^/sys/fs/cgroup/init$' | tr '\n' ' ')" >>"$out/guest.txt"
