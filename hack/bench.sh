#!/usr/bin/env bash
# ojrun's side-by-side benchmark (specs/performance.md).  Entry point: `make bench`.
#
#   hack/bench.sh                      everything, ~2-4 minutes
#   ROUNDS=50 TPUT_SECONDS=3 hack/bench.sh     a quick look
#
# In ONE interleaved run (hack/bench/ojbench.c: round r runs every case once,
# in an order shuffled anew each round) it measures, for the same static "hello"
# submission with stdin/stdout/stderr redirected to files:
#
#   judge    the judge bundle (hack/bench/judge.jq: 7 namespaces incl. user,
#            memory/pids/cpu limits, rlimits, nnp, ~420-rule seccomp) run
#            one-shot by crun, runc and ojrun, against three floors:
#            fork+exec, `unshare` of all namespaces with map-root, and
#            `bwrap --unshare-all`;
#   minimal  the minimal bundle (mount + PID namespaces, /proc) run one-shot;
#   worker   the judge bundle through create, start, wait, delete (what a
#            judge worker does): crun, runc and plain ojrun wait for the
#            container itself; ojrun-shim is `create --shim`, `start`,
#            `ojrun wait` (the result JSON, checked for "verdict":"OK"),
#            `delete`; its floor is three no-op processes (hack/bench/noop.c)
#            and the unshare floor, the least a four-command CLI costs;
#   template-c  the C judge template (`ojrun spec --judge c --phase run`):
#            hello.c is compiled by the template's compile phase (gcc in an
#            ojrun container, as a judge does) and run one-shot;
#   worker-c the same bundle through the worker path (ojrun-shim as above);
#
# then judged runs per second of worker-c (the real worker path of the
# trivial C program) with TPUT_WORKERS parallel workers for TPUT_SECONDS
# each, for ojrun-shim, crun and runc.  The report also gives the median
# of each step (create, start, wait, delete) of the worker cases.  Every runtime gets a private --root on a tmpfs.  crun
# 1.8 refuses this hybrid cgroup host, so its commands run in a private mount
# namespace where /sys/fs/cgroup/unified is unmounted (ojrun and runc run on
# the real layout).  CPU time is user+sys of every process of a run
# (ojbench is a child subreaper), RSS the peak of the largest one.
#
# Output (OUT, default build/bench/results): report.txt (the table, the
# ratios and the targets), results.json, samples.tsv, latency.png.
# The environment: ROUNDS (200), WARMUP (5), TPUT_WORKERS (2),
# TPUT_SECONDS (10), OUT, BUILD (build), OJRUN (BUILD/ojrun), and
# OJRUN_BASE: a second ojrun binary (say, main's) measured as "ojrun-base"
# in the same interleaved run, for the gain of a change.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
BUILD=${BUILD:-build}
ROUNDS=${ROUNDS:-200}
WARMUP=${WARMUP:-5}
TPUT_WORKERS=${TPUT_WORKERS:-2}
TPUT_SECONDS=${TPUT_SECONDS:-10}
OUT=${OUT:-$SRC/$BUILD/bench/results}
OJRUN=${OJRUN:-$SRC/$BUILD/ojrun}
OJBENCH=$SRC/$BUILD/bench/ojbench
HELLO=$SRC/$BUILD/bench/hello
NOOP=$SRC/$BUILD/bench/noop
GEN_SECCOMP=$SRC/$BUILD/bench/gen-seccomp

die() {
    echo "bench: $*" >&2
    exit 1
}
note() { echo "bench: $*" >&2; }

[ "$(id -u)" -eq 0 ] || die "needs root (namespaces, cgroups, mounts)"
for t in "$OJRUN" "$OJBENCH" "$HELLO" "$NOOP" "$GEN_SECCOMP"; do
    [ -x "$t" ] || die "$t missing: run \`make bench\`"
done
for t in crun runc bwrap unshare gnuplot jq gcc; do
    command -v "$t" >/dev/null || die "$t not installed: run hack/install-deps.sh bench"
done

# Everything lives on a private tmpfs, removed on exit with whatever a
# failed run left behind (containers of every runtime, cgroups, mounts).
W=$(mktemp -d /tmp/ojbench.XXXXXX)
mount -t tmpfs -o mode=0755,size=512m ojbench "$W"
PREFIX=ojb$$
cleanup() {
    local rt id
    for rt in crun runc; do
        for id in $("$rt" --root "$W/$rt" list -q 2>/dev/null); do
            "$rt" --root "$W/$rt" delete --force "$id" >/dev/null 2>&1 || true
        done
    done
    for rt in ojrun ojrun-base; do
        for id in $("$OJRUN" --root "$W/$rt" list -q 2>/dev/null); do
            "$OJRUN" --root "$W/$rt" delete --force "$id" >/dev/null 2>&1 || true
        done
    done
    umount "$W" 2>/dev/null || umount -l "$W" 2>/dev/null || true
    rmdir "$W" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$OUT" "$W/out" "$W/crun" "$W/runc" "$W/ojrun" "$W/ojrun-base"
note "bundles in $W"

# --- bundles ------------------------------------------------------------------
bash "$SRC/hack/mk-busybox-rootfs.sh" "$W/rootfs-base" >/dev/null
install -m 0755 "$HELLO" "$W/rootfs-base/hello"
install -m 0755 "$HELLO" "$W/hello"
printf 'the judge input\n' >"$W/in.txt"
EXPECT="hello $(stat -c %s "$W/in.txt")"

"$GEN_SECCOMP" >"$W/seccomp.json"
mkdir -p "$W/judge" "$W/minimal"
jq -n --argjson sc "$(cat "$W/seccomp.json")" -f hack/bench/judge.jq >"$W/judge/config.json"
jq -n -f hack/bench/minimal.jq >"$W/minimal/config.json"
cp -a "$W/rootfs-base" "$W/judge/rootfs"
cp -a "$W/rootfs-base" "$W/minimal/rootfs"
# The judge bundle has a user namespace: its image belongs to the
# container's root, as runc and crun expect.
chown -R 100000:100000 "$W/judge/rootfs"
note "judge bundle: $(jq '.linux.seccomp.syscalls | length' "$W/judge/config.json") seccomp rules, $(jq '.linux.namespaces | length' "$W/judge/config.json") namespaces"

# The C judge template: compile hello.c in the compile phase's container
# (the template's gcc command, as a judge would), then the run bundle.  The
# box belongs to the program's host uid (specs/judge-templates.md, Users).
install -d -o 101000 -g 101000 "$W/box"
install -m 0644 -o 101000 -g 101000 hack/bench/hello.c "$W/box/main.c"
mkdir -p "$W/c-compile" "$W/c-run"
"$OJRUN" spec --judge c --phase compile --box "$W/box" --bundle "$W/c-compile" 2>/dev/null
"$OJRUN" --root "$W/ojrun" run --bundle "$W/c-compile" "$PREFIX-compile" </dev/null >"$W/compile.log" 2>&1 ||
    die "compiling hello.c in the C template's compile phase failed: $(cat "$W/compile.log")"
[ -x "$W/box/main" ] || die "the compile phase left no /box/main"
"$OJRUN" spec --judge c --phase run --box "$W/box" --bundle "$W/c-run" 2>/dev/null
# crun 1.8's parser refuses ociVersion 1.2.0 ("unknown version specified");
# the template uses nothing newer than 1.0.2, which every runtime here takes.
jq '.ociVersion = "1.0.2"' "$W/c-run/config.json" >"$W/c-run/config.json.tmp"
mv "$W/c-run/config.json.tmp" "$W/c-run/config.json"
note "C template: $(jq -r '.process.args | join(" ")' "$W/c-run/config.json"), $(jq '.linux.seccomp.syscalls[0].names | length' "$W/c-run/config.json")-syscall allowlist"

HAS_SHIM=0
"$OJRUN" create --help 2>&1 | grep -q -- '--shim' && HAS_SHIM=1
BASE_SHIM=0
[ -n "${OJRUN_BASE:-}" ] && "$OJRUN_BASE" create --help 2>&1 | grep -q -- '--shim' && BASE_SHIM=1

# --- cases --------------------------------------------------------------------
CASES=$W/cases
SKIPPED=()
{
    stdio() { # case-name
        printf 'in %s\nout %s/out/%s-{w}.out\nerr %s/out/%s-{w}.err\nexpect %s\n' \
            "$W/in.txt" "$W" "$1" "$W" "$1" "$EXPECT"
    }
    # floors: the same program with the same redirections, no runtime
    echo "case judge/fork+exec judge fork+exec"
    stdio floor-fork
    echo "step $W/hello"
    echo "case judge/unshare judge unshare"
    stdio floor-unshare
    echo "step unshare --user --map-root-user --mount --uts --ipc --net --pid --fork --cgroup $W/hello"
    echo "case judge/bwrap judge bwrap"
    stdio floor-bwrap
    echo "step bwrap --unshare-all --ro-bind $W/judge/rootfs / --proc /proc --dev /dev --chdir / /hello"

    for b in judge minimal; do
        if [ -n "${OJRUN_BASE:-}" ]; then
            echo "case $b/ojrun-base $b ojrun-base"
            stdio "$b-ojrun-base"
            echo "step $OJRUN_BASE --root $W/ojrun-base run --bundle $W/$b $PREFIX-{n}"
        fi
        echo "case $b/crun $b crun"
        stdio "$b-crun"
        echo mntns
        echo "step crun --root $W/crun run --bundle $W/$b $PREFIX-{n}"
        echo "case $b/runc $b runc"
        stdio "$b-runc"
        echo "step runc --root $W/runc run --bundle $W/$b $PREFIX-{n}"
        echo "case $b/ojrun $b ojrun"
        stdio "$b-ojrun"
        echo "step $OJRUN --root $W/ojrun run --bundle $W/$b $PREFIX-{n}"
    done

    # the worker path: create, start, wait for the container, delete
    worker() { # group bundle program
        local g=$1 b=$2 prog=$3 rt bin
        # its floor: four process starts (a static no-op for create, start
        # and delete) one of which is the unshare floor running the program
        echo "case $g/floor $g floor"
        stdio "$g-floor"
        echo "step $NOOP"
        echo "step $NOOP"
        echo "step unshare --user --map-root-user --mount --uts --ipc --net --pid --fork --cgroup $prog"
        echo "step $NOOP"
        for rt in crun runc ojrun; do
            bin=$rt
            [ $rt = ojrun ] && bin=$OJRUN
            [ $g = worker-c ] && [ $rt = ojrun ] && continue # the shim row is the one that matters
            echo "case $g/$rt $g $rt"
            stdio "$g-$rt"
            [ $rt = crun ] && echo mntns
            echo "step $bin --root $W/$rt create --bundle $W/$b $PREFIX-{n}"
            echo "step $bin --root $W/$rt start $PREFIX-{n}"
            echo "reap"
            echo "step $bin --root $W/$rt delete $PREFIX-{n}"
        done
        # ojrun create --shim: the shim supervises; `ojrun wait` prints the result
        local n bin2 root
        for n in ojrun-shim ojrun-base-shim; do
            if [ $n = ojrun-shim ]; then
                [ $HAS_SHIM = 1 ] || continue
                bin2=$OJRUN root=$W/ojrun
            else
                [ $BASE_SHIM = 1 ] || continue
                bin2=$OJRUN_BASE root=$W/ojrun-base
            fi
            echo "case $g/$n $g $n"
            stdio "$g-$n"
            echo "step $bin2 --root $root create --shim --bundle $W/$b $PREFIX-{n}"
            echo "step $bin2 --root $root start $PREFIX-{n}"
            echo "step $bin2 --root $root wait $PREFIX-{n} >$W/out/$g-$n-{w}.result"
            echo "step $bin2 --root $root delete $PREFIX-{n}"
            echo "contains $W/out/$g-$n-{w}.result \"verdict\":\"OK\""
        done
    }
    worker worker judge "$W/hello"
    [ $HAS_SHIM = 1 ] || SKIPPED+=("worker/ojrun-shim: this ojrun has no \`create --shim\` yet")

    # the C judge template, one-shot and through the worker path
    if [ -n "${OJRUN_BASE:-}" ]; then
        echo "case template-c/ojrun-base template-c ojrun-base"
        stdio template-c-ojrun-base
        echo "step $OJRUN_BASE --root $W/ojrun-base run --bundle $W/c-run $PREFIX-{n}"
    fi
    for rt in crun runc ojrun; do
        bin=$rt
        [ $rt = ojrun ] && bin=$OJRUN
        echo "case template-c/$rt template-c $rt"
        stdio "template-c-$rt"
        [ $rt = crun ] && echo mntns
        echo "step $bin --root $W/$rt run --bundle $W/c-run $PREFIX-{n}"
    done
    worker worker-c c-run "$W/box/main"
} >"$CASES"

# --- measure ------------------------------------------------------------------
# Every runtime here binds the host's /dev/null into its containers; if a
# broken run (of anything on this machine) replaced it by a regular file, the
# numbers would be wrong and crun/runc would fail: say so up front.
[ -c /dev/null ] || die "/dev/null is not a character device (restore: rm /dev/null; mknod -m 666 /dev/null c 1 3)"
note "latency: $ROUNDS interleaved rounds (+$WARMUP warm-up) of $(grep -c '^case' "$CASES") cases"
"$OJBENCH" latency -m "$CASES" "$ROUNDS" "$WARMUP" "$OUT/samples.tsv"

: >"$OUT/throughput.tsv"
if [ "$TPUT_SECONDS" != 0 ]; then
    TPUT_CASES="worker-c/crun worker-c/runc"
    [ $HAS_SHIM = 1 ] && TPUT_CASES="worker-c/ojrun-shim $TPUT_CASES"
    for c in $TPUT_CASES; do
        note "throughput: $c, $TPUT_WORKERS workers, $TPUT_SECONDS s"
        "$OJBENCH" throughput -m "$CASES" "$c" "$TPUT_WORKERS" "$TPUT_SECONDS" "$OUT/throughput.tsv"
    done
fi

cat >"$W/targets" <<'EOF'
ratio judge ojrun crun 0.25
ratio judge ojrun unshare 2
ratio worker ojrun-shim crun 0.25
rss ojrun 2048
rss ojrun-shim 2048
throughput worker-c/ojrun-shim 200
note The same ratios on the C judge template (not among the targets; worker-c/floor / crun is the least any runtime could reach):
ratio worker-c ojrun-shim crun 0.25
ratio worker-c floor crun 0.25
ratio template-c ojrun crun 0.25
EOF

{
    echo "ojrun benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -r), $(nproc) cores"
    echo "ojrun $("$OJRUN" --version | head -1); $(crun --version | head -1); $(runc --version | head -1)"
    echo "rounds $ROUNDS (interleaved, +$WARMUP warm-up); load average $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    "$OJBENCH" report "$OUT/samples.tsv" "$OUT/throughput.tsv" "$W/targets" "$OUT/results.json" \
        "$OUT/latency.dat" "$OUT/latency.gp" "$OUT/latency.png"
    if [ ${#SKIPPED[@]} -gt 0 ]; then
        echo
        echo "Not measured:"
        printf '  %s\n' "${SKIPPED[@]}"
    fi
} | tee "$OUT/report.txt"
gnuplot "$OUT/latency.gp"
[ -c /dev/null ] || die "/dev/null is no longer a character device after the run"
note "written: $OUT/report.txt results.json samples.tsv latency.png"
