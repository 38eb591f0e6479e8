#!/usr/bin/env bash
# Install (with apt-get) what ojrun's build, tests and demo need.
# Idempotent: when everything is present it only checks and exits 0.
# Called by `make` whenever its stamp is missing; safe to run by hand.
set -euo pipefail

pkgs=(
    # build
    gcc make pkg-config libseccomp-dev libcap-dev libyajl-dev libmnl-dev
    # tests
    libcmocka-dev bats jq busybox-static valgrind
    # reference runtimes compared against in tests and benchmarks
    runc crun
)
# `install-deps.sh fuzz` (run by `make fuzz`): clang and its runtime
# libraries (libFuzzer, ASan, UBSan) instead; `make` and `make check` do
# not need them.
if [ "${1:-}" = fuzz ]; then
    pkgs=(clang libclang-rt-dev)
fi

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
