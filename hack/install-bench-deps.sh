#!/usr/bin/env bash
# Install (with apt-get) what `make bench` needs beyond hack/install-deps.sh:
# gnuplot for the latency plot, bubblewrap as one of the floors, and
# util-linux's unshare (always present on Debian).  Idempotent, like
# install-deps.sh; kept separate so that `make check` stays lean.
set -euo pipefail

pkgs=(gnuplot-nox bubblewrap util-linux)

missing=()
for p in "${pkgs[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$status" = installed ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "install-bench-deps: missing packages: ${missing[*]}; run as root to install them" >&2
    exit 1
fi
echo "install-bench-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
