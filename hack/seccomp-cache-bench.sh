#!/usr/bin/env bash
# Time `ojrun run` with a ~400-rule seccomp profile: compiled on every run
# (cache emptied before each) versus fetched from <root>/seccomp-cache.
#
#   hack/seccomp-cache-bench.sh [RUNS]      (default 50; root required)
#
# The profile is the Docker-like one of tests/unit/seccomp_profile.h
# (one ALLOW rule per name of docker_like_names, personality/clone/socket
# argument rules, default ERRNO, x86_64 + x86 + x32), written as JSON.
# Uses hyperfine when installed, else a plain loop; prints the mean of each
# and the difference, which is what the cache saves per container start.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-50}
OJRUN=${OJRUN:-$PWD/build/ojrun}
[ -x "$OJRUN" ] || { echo "build ojrun first (make)" >&2; exit 1; }

work=$(mktemp -d /tmp/ojrun-seccomp-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
[ -n "${KEEP:-}" ] && trap - EXIT && echo "work dir: $work" >&2
bash hack/mk-busybox-rootfs.sh "$work/bundle/rootfs" >/dev/null

# the names between "docker_like_names[] = {" and "};"
names=$(sed -n '/docker_like_names\[\] = {/,/^};/p' tests/unit/seccomp_profile.h |
    grep -o '"[^"]*"' | jq -s -c .)
jq -n --argjson names "$names" '
  def allow(n): {names: [n], action: "SCMP_ACT_ALLOW"};
  def arg0(op; v; v2): [{index: 0, op: op, value: v, valueTwo: v2}];
  {
    defaultAction: "SCMP_ACT_ERRNO",
    architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
    syscalls: ([$names[] | allow(.)]
      + [0, 8, 131072, 131080, 4294967295 | allow("personality") + {args: arg0("SCMP_CMP_EQ"; .; 0)}]
      + [allow("clone") + {args: arg0("SCMP_CMP_MASKED_EQ"; 2114060288; 0)}]
      + [{names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38}]
      + [range(0; 44) | select(. != 40) | allow("socket") + {args: arg0("SCMP_CMP_EQ"; .; 0)}])
  }' >"$work/seccomp.json"
jq --slurpfile sc "$work/seccomp.json" '.linux.seccomp = $sc[0] | .process.args = ["/bin/true"]' \
    tests/integration/data/base-config.json >"$work/bundle/config.json"
echo "profile: $(jq '.syscalls | length' "$work/seccomp.json") rules" >&2

root=$work/root
run() { "$OJRUN" --root "$root" run -b "$work/bundle" bench >/dev/null; }
"$OJRUN" --root "$root" run -b "$work/bundle" bench # warm up, fill the cache

# The step alone, from --debug's microsecond timestamps: "config loaded"
# to "seccomp filter compiled|from cache".
step() {
    "$OJRUN" --root "$root" --debug run -b "$work/bundle" bench 2>&1 >/dev/null |
        sed -nE 's/.*\+([0-9]+)us: (config loaded|seccomp filter).*/\1/p' | paste -sd' ' |
        awk '{ print $2 - $1 }'
}
for mode in compiled cached; do
    for ((i = 0; i < 20; i++)); do
        [ $mode = compiled ] && rm -rf "$root/seccomp-cache"
        step
    done | sort -n | awk -v m=$mode '{ a[NR] = $1 } END { print "step " m " (under --debug): median " a[int(NR / 2) + 1] " us" }'
done

if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$work/h.json" \
        -n compiled --prepare "rm -rf $root/seccomp-cache" "$OJRUN --root $root run -b $work/bundle bench" \
        -n cached --prepare true "$OJRUN --root $root run -b $work/bundle bench" >&2
    jq -r '.results[] | "\(.command) mean \(.mean * 1000 | . * 100 | round / 100) ms ± \(.stddev * 1000 | . * 100 | round / 100) ms"' "$work/h.json"
    jq -r '(.results[0].mean - .results[1].mean) * 1000 | "saved per run: \(. * 100 | round / 100) ms"' "$work/h.json"
    jq -r '.results[] | "\(.command) median \(.median * 1000 | . * 100 | round / 100) ms"' "$work/h.json"
else
    t() { local s e; s=$(date +%s%N); for ((i = 0; i < RUNS; i++)); do "$@"; done; e=$(date +%s%N); echo $(((e - s) / RUNS / 1000)); }
    cold() { rm -rf "$root/seccomp-cache"; run; }
    a=$(t cold)
    b=$(t run)
    echo "compiled mean ${a} us; cached mean ${b} us; saved per run $((a - b)) us"
fi
