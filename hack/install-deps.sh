#!/usr/bin/env bash
# Install (with apt-get) what ojrun's build, tests and demo need.
# Idempotent: when everything is present it only checks and exits 0.
# Called by `make` whenever its stamp is missing; safe to run by hand.
set -euo pipefail

pkgs=(
    # build
    gcc make pkg-config libseccomp-dev libcap-dev libyajl-dev
    # tests
    libcmocka-dev bats jq busybox-static valgrind
    # tests/integration/perf.bats checks which files a command opens
    strace
    # reference runtimes compared against in tests and benchmarks
    runc crun
    # toolchains of the judge bundle templates (bundle-templates/), used by
    # tests/integration/judge_templates.bats; gcc is above, and jq also
    # turns the templates into C at build time
    g++ python3 openjdk-17-jdk-headless golang-go nodejs
    # client suites (tests/integration/podman.bats, containerd.bats): the
    # engines that drive a runc-compatible runtime, umoci to build an OCI
    # image layout, util-linux `script` (bsdutils) to give exec -t a terminal
    podman conmon containernetworking-plugins fuse-overlayfs
    containerd umoci bsdutils
    # ojrun-worker: its RabbitMQ client library, and the broker and client
    # tools of tests/integration/worker_amqp.bats and hack/bench-worker.sh
    librabbitmq-dev rabbitmq-server amqp-tools
    # make check-v2 (hack/v2-guest/): qemu's software emulation boots
    # Debian's kernel with pure cgroup v2; on the host the kernel package
    # only adds files under /boot and /lib/modules (busybox-static, above,
    # is the guest's initramfs)
    qemu-system-x86 linux-image-amd64
)
# Two extra groups, installed instead of the above when named; `make` and
# `make check` do not need them:
#   fuzz   (make fuzz): clang and its runtime libraries (libFuzzer, ASan,
#          UBSan); GNU time for the CPU seconds per target (run.sh)
#   bench  (make bench): gnuplot for the latency plot, bubblewrap as one of
#          the floors, util-linux's unshare (always present on Debian)
case "${1:-}" in
'') ;;
fuzz) pkgs=(clang libclang-rt-dev time) ;;
bench) pkgs=(gnuplot-nox bubblewrap util-linux) ;;
*) echo "install-deps: unknown group \"$1\" (fuzz or bench)" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$status" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: missing packages: ${missing[*]}; run as root to install them" >&2
    exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# apt-cache knows nothing before the first update on a fresh machine.
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
