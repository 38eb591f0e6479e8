#!/usr/bin/env bash
# make check-v2: run part of the test suite on a pure cgroup v2 kernel, in
# a qemu guest (software emulation: no KVM needed), against the host's
# prebuilt $BUILD.
#
#   hack/v2-guest/run.sh              the curated set below
#   TESTS="unit tests/integration/x.bats" hack/v2-guest/run.sh
#   hack/v2-guest/run.sh --available  exit 0 when qemu and a kernel are here
#
# The guest is Debian's own kernel (linux-image-amd64, /boot/vmlinuz-6.1.*)
# booted with systemd.unified_cgroup_hierarchy=1 cgroup_no_v1=all, so only
# cgroup2 exists, and a busybox initramfs (mkinitramfs.sh, cached in
# build/v2-guest/, rebuilt when its inputs change) that mounts the host's /
# read-only over 9p under a tmpfs overlay (init).  The guest runs
# tests/run.sh there (guest.sh) and writes its output to a second,
# writable 9p share, build/v2-guest/results/.  We print it, per file, and
# end with tests/run.sh's line "N passed, N failed, N skipped"; the exit
# status is 0 when nothing failed.
#
# Boot, run and teardown are bounded: V2_BOOT_TIMEOUT for the guest to
# reach guest.sh, V2_RUN_TIMEOUT for the test run (the guest kills it
# itself), and qemu is killed by its pid when it outlives them.
set -uo pipefail
cd "$(dirname "$0")/../.."
here=hack/v2-guest
BUILD=${BUILD:-build}
V2_BOOT_TIMEOUT=${V2_BOOT_TIMEOUT:-180}
V2_RUN_TIMEOUT=${V2_RUN_TIMEOUT:-2400}
V2_MEM=${V2_MEM:-4G}
out=$BUILD/v2-guest

# The curated set: the files that exercise ojrun's v2 paths (cgroup
# creation and removal, limits, freezer, update, kill, the shim's
# placement and memory.events/memory.peak accounting, the judge templates,
# contained bombs), sized to ~30 minutes of emulation on a loaded 2-core
# host.  The unit binaries that meet the layout (cgroups, the supervisor's
# accounting, the cgroup mount, the scheduler, the API's containers).  Left
# out: what depends less on the cgroup layout or does not fit (the other
# unit binaries; errors, exec, faults, concurrency, security, foundation,
# perf, soak, valgrind, podman, containerd, api); TESTS=... runs them.
DEFAULT_TESTS="unit:test_cgroup* unit:test_supervise unit:test_rootfs* unit:test_procattr
    unit:test_api
    tests/integration/cgroups.bats
    tests/integration/cgroupns.bats
    tests/integration/lifecycle.bats
    tests/integration/shim.bats
    tests/integration/hostile.bats
    tests/integration/judge_templates.bats"
TESTS=${TESTS:-$DEFAULT_TESTS}

kernel() { # the newest Debian 6.1 kernel with its modules
    local k v
    for k in $(ls -1 /boot/vmlinuz-6.1.* 2>/dev/null | sort -V -r); do
        v=${k#/boot/vmlinuz-}
        [ -r "$k" ] && [ -f "/lib/modules/$v/modules.dep" ] && { echo "$v"; return 0; }
    done
    return 1
}

if [ "${1:-}" = --available ]; then
    command -v qemu-system-x86_64 >/dev/null && [ -x /bin/busybox ] && kernel >/dev/null
    exit
fi

command -v qemu-system-x86_64 >/dev/null || {
    echo "check-v2: no qemu-system-x86_64 (hack/install-deps.sh installs qemu-system-x86)"
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
}
kver=$(kernel) || {
    echo "check-v2: no /boot/vmlinuz-6.1.* with its /lib/modules (linux-image-amd64)"
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
}
[ -x "$BUILD/ojrun" ] || {
    echo "check-v2: no $BUILD/ojrun: build first (make all unit helpers)"
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
}

# The initramfs, rebuilt when one of its inputs changed.
mkdir -p "$out"
stamp=$( (echo "$kver"; sha256sum "$here/init" "$here/mkinitramfs.sh" /bin/busybox \
    "/lib/modules/$kver/modules.dep") | sha256sum | cut -d' ' -f1)
if [ ! -f "$out/initramfs.cpio.gz" ] || [ "$(cat "$out/initramfs.stamp" 2>/dev/null)" != "$stamp" ]; then
    bash "$here/mkinitramfs.sh" "$out/initramfs.cpio.gz" "$kver" || {
        echo "0 passed, 1 failed, 0 skipped"
        exit 1
    }
    echo "$stamp" >"$out/initramfs.stamp"
fi

res=$out/results
rm -rf "$res"
mkdir -p "$res"
res=$(cd "$res" && pwd)
# the guest's /tmp: a fresh, sparse ext4 image (see init)
disk=$out/tmp.img
rm -f "$disk"
truncate -s "${V2_TMP_SIZE:-6G}" "$disk" &&
    mkfs.ext4 -q -F -E nodiscard,lazy_itable_init=1,lazy_journal_init=1 "$disk" || {
    echo "check-v2: cannot make the guest's /tmp image $disk"
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
}
{
    printf 'TESTS=%q\n' "$(printf '%s' "$TESTS" | tr -s ' \n\t' '   ')"
    printf 'BUILD=%q\n' "$BUILD"
    printf 'RUN_TIMEOUT=%q\n' "$V2_RUN_TIMEOUT"
} >"$res/job.env"

qemu_pid=
cleanup() {
    if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
        kill -TERM "$qemu_pid" 2>/dev/null
        for _ in $(seq 50); do
            kill -0 "$qemu_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$qemu_pid" 2>/dev/null
        wait "$qemu_pid" 2>/dev/null
    fi
    [ -z "${disk:-}" ] || rm -f "$disk"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "check-v2: kernel $kver, $(nproc) host cpus, tests: $(printf '%s' "$TESTS" | tr -s ' \n\t' '   ')"
t0=$(date +%s)
qemu-system-x86_64 -accel tcg -cpu max -smp 2 -m "$V2_MEM" -nographic -no-reboot \
    -kernel "/boot/vmlinuz-$kver" -initrd "$out/initramfs.cpio.gz" \
    -append "console=ttyS0 panic=-1 loglevel=4 systemd.unified_cgroup_hierarchy=1 cgroup_no_v1=all ojv2.dir=$PWD" \
    -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
    -virtfs "local,path=$res,mount_tag=results,security_model=none" \
    -drive "file=$disk,if=virtio,format=raw,cache=unsafe" \
    -nic none </dev/null >"$res/console.log" 2>&1 &
qemu_pid=$!

# boot: until guest.sh wrote guest.txt
booted=
while kill -0 "$qemu_pid" 2>/dev/null; do
    if [ -s "$res/guest.txt" ]; then
        booted=$(($(date +%s) - t0))
        break
    fi
    [ $(($(date +%s) - t0)) -ge "$V2_BOOT_TIMEOUT" ] && break
    sleep 1
done
if [ -z "$booted" ]; then
    echo "check-v2: the guest did not boot within ${V2_BOOT_TIMEOUT}s; console:"
    tail -30 "$res/console.log"
    cat "$res/init-failed" 2>/dev/null
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
fi
echo "check-v2: guest booted in ${booted}s"

# run: until the guest wrote its status and powered off; the guest bounds
# the run itself, we bound the guest
limit=$((V2_RUN_TIMEOUT + 120))
while kill -0 "$qemu_pid" 2>/dev/null; do
    [ $(($(date +%s) - t0 - booted)) -ge "$limit" ] && break
    sleep 2
done
if kill -0 "$qemu_pid" 2>/dev/null; then
    echo "check-v2: the guest is still running after ${limit}s: killing qemu (pid $qemu_pid)"
fi
cleanup
t1=$(date +%s)

grep -E '^(ok   |FAIL |runc/crun)' "$res/run.log" 2>/dev/null
awk '/^FAIL /{p=1} /^ok   /{p=0} p && !/^FAIL /' "$res/run.log" 2>/dev/null | head -200
status=$(cat "$res/status" 2>/dev/null)
echo "check-v2: boot ${booted}s, total $((t1 - t0))s; $(grep '^run time' "$res/guest.txt"); logs in $res"
last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$res/run.log" 2>/dev/null | tail -1)
if [ -z "$last" ] || [ -z "$status" ]; then
    echo "check-v2: the guest reported no result (status: ${status:-none}); console:"
    tail -20 "$res/console.log"
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
fi
[ "$status" = timeout ] && echo "check-v2: the guest's test run timed out"
echo "$last"
[ "$status" = 0 ]
