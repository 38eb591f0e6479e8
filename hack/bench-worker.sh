#!/usr/bin/env bash
# make bench-worker: ojrun-worker through RabbitMQ against the CLI path and
# the unshare floor, in one run on one machine (specs/performance.md,
# "The queue worker").
#
#   1. worker   N submissions (default 500) of a trivial C program
#               (`int main(void) { return 0; }`) on a problem of 10 empty
#               tests, published at once to a private broker and judged by
#               one ojrun-worker with 2 slots: tests/s end to end (compile
#               included), the engine's per-test time (judge_us) and its
#               overhead over the program (judge_us - wall_us), the worker's
#               peak RSS and CPU per test.
#   2. latency  LAT submissions (default 20) one at a time to the idle
#               worker: from the publish to the first progress event, minus
#               the compile and the first test's judge_us (the event is
#               sent when the test ends) -- the queue-to-first-test
#               latency; and minus the program's run instead, which keeps
#               the first test's sandbox overhead in.
#   3. cli      CLI_N submissions' tests (default 30 x 10) the way a shell
#               judge runs them: `ojrun create --shim / start / wait /
#               delete` per test, two lanes in parallel like the 2 slots.
#   4. floor    the same tests as `unshare` of every namespace running the
#               program, two lanes: the least any sandbox per test costs.
#
# Phases 1, 3 and 4 are interleaved in ROUNDS rounds (default 5).
#
# The state roots (the worker's --root and its work directory, the CLI
# path's --root) are on a private tmpfs, as /run is on a usual host
# (STATE_FS=tmpfs, the default); STATE_FS=disk keeps them in the temporary
# directory instead (an ext4 /tmp here, where creating a file costs
# 0.5-0.8 ms: five to seven per test).
#
# Usage: hack/bench-worker.sh   (BUILD=build N=500 LAT=20 CLI_N=30 ROUNDS=5 STATE_FS=tmpfs)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
N=${N:-500}
LAT=${LAT:-20}
CLI_N=${CLI_N:-30}
ROUNDS=${ROUNDS:-5}
STATE_FS=${STATE_FS:-tmpfs}
TESTS=10
OJRUN=$PWD/$BUILD/ojrun
WORKER=$PWD/$BUILD/ojrun-worker
TOOL=$PWD/$BUILD/tests/amqp-tool
for b in "$OJRUN" "$WORKER" "$TOOL"; do
    [ -x "$b" ] || { echo "bench-worker: $b not built (make all helpers)" >&2; exit 1; }
done

W=$(mktemp -d /tmp/ojrun-bench-worker.XXXXXX)
chmod 0711 "$W"
S=$W/state # the state roots
mkdir "$S"
tag=bw$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
source tests/helpers/rabbitmq.bash
wpid= mounted=
cleanup() {
    [ -z "$wpid" ] || { kill -KILL "$wpid" 2>/dev/null; wait "$wpid" 2>/dev/null; }
    rabbitmq_stop >/dev/null 2>&1 || true
    local id
    for id in $("$OJRUN" --root "$S/cli-root" list -q 2>/dev/null); do
        "$OJRUN" --root "$S/cli-root" delete --force "$id" >/dev/null 2>&1
    done
    [ -z "$mounted" ] || umount "$S" || umount -l "$S" || true
    rm -rf "$W"
}
trap cleanup EXIT
case $STATE_FS in
tmpfs) mount -t tmpfs -o size=512m,mode=0711 ojrun-bench "$S" && mounted=1 ;;
disk) ;;
*) echo "bench-worker: STATE_FS is tmpfs or disk, not $STATE_FS" >&2; exit 2 ;;
esac

# the problem and the program
mkdir -p "$W/problems/triv/tests" "$W/box"
for i in $(seq "$TESTS"); do : >"$W/problems/triv/tests/$i.in"; : >"$W/problems/triv/tests/$i.out"; done
echo '{"cpu_ms": 1000, "wall_ms": 3000, "memory_mb": 64, "output_kb": 1024}' >"$W/problems/triv/limits.json"
src='int main(void) { return 0; }'
printf '%s\n' "$src" >"$W/triv.c"
gcc -O2 -o "$W/box/main" "$W/triv.c"
chmod 0755 "$W/box" "$W/box/main"

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) CPUs; state roots on $STATE_FS"
rabbitmq_start "$W/broker" "$tag" >/dev/null
"$TOOL" "$RMQ_URL" declare bench.res ojrun.results 'result.#'
"$TOOL" "$RMQ_URL" declare bench.prog ojrun.results 'progress.#'

start_worker() {
    OJRUN_AMQP_URL=$RMQ_URL "$WORKER" --problems "$W/problems" --root "$S/wroot" --slots 2 \
        --languages c --id-prefix "$tag-w" 2>>"$W/worker.log" &
    wpid=$!
    local i
    for ((i = 0; i < 600; i++)); do
        grep -q 'serving amqp' "$W/worker.log" && return 0
        sleep 0.1
    done
    echo "bench-worker: the worker did not start" >&2
    cat "$W/worker.log" >&2
    exit 1
}
sub() { jq -cn --arg id "$1" --arg s "$src" \
    '{version: 1, submission_id: $id, problem_id: "triv", language: "c", source: $s}'; }
count() { "$TOOL" "$RMQ_URL" count "$1"; }
cpu_ticks() { awk '{print $14 + $15, $16 + $17}' "/proc/$1/stat"; } # self, reaped children

start_worker

# The three throughput phases are interleaved in ROUNDS rounds (worker,
# CLI, floor; again), so that a change in the other tenants' load falls on
# all three alike; each phase's time is the sum of its rounds.
mkdir "$W/bundle" "$S/cli-root"
"$OJRUN" spec --judge c --phase run --box "$W/box" --bundle "$W/bundle"
cli_lane() { # LANE FROM TO: submissions FROM..TO-1 of this lane, one task at a time
    local lane=$1 s t id t0 t1
    for ((s = $2 + lane; s < $3; s += 2)); do
        for ((t = 1; t <= TESTS; t++)); do
            id=$tag-c$lane-$s-$t
            t0=$EPOCHREALTIME
            "$OJRUN" --root "$S/cli-root" create --shim --bundle "$W/bundle" "$id" \
                <"$W/problems/triv/tests/$t.in" >"$W/cli-$lane.out" 2>&1
            "$OJRUN" --root "$S/cli-root" start "$id"
            "$OJRUN" --root "$S/cli-root" wait "$id" >"$W/cli-$lane.json"
            "$OJRUN" --root "$S/cli-root" delete --force "$id"
            t1=$EPOCHREALTIME
            cmp -s "$W/cli-$lane.out" "$W/problems/triv/tests/$t.out" || echo "cli: output differs" >&2
            echo "$t0 $t1 $(jq .wall_us "$W/cli-$lane.json")" >>"$W/cli-times"
        done
    done
}
floor_lane() { # LANE FROM TO
    local lane=$1 s t t0 t1
    for ((s = $2 + lane; s < $3; s += 2)); do
        for ((t = 1; t <= TESTS; t++)); do
            t0=$EPOCHREALTIME
            unshare --user --map-root-user --mount --uts --ipc --net --pid --fork --cgroup \
                "$W/box/main" <"$W/problems/triv/tests/$t.in" >"$W/floor-$lane.out"
            t1=$EPOCHREALTIME
            echo "$t0 $t1" >>"$W/floor-times"
        done
    done
}
lanes() { # FUNCTION FROM TO: two lanes, waited for by pid (a bare wait
    # would wait for the broker too)
    "$1" 0 "$2" "$3" &
    local l0=$!
    "$1" 1 "$2" "$3" &
    local l1=$!
    wait "$l0" "$l1"
}
elapsed() { awk -v a="$1" -v b="$2" -v s="$3" 'BEGIN {print s + b - a}'; }

for i in $(seq "$N"); do sub "t$i"; done >"$W/subs"
wsec=0 csec=0 fsec=0 self=0 kids=0
for ((r = 0; r < ROUNDS; r++)); do
    # ---- 1. the worker ----
    from=$((r * N / ROUNDS)) to=$(((r + 1) * N / ROUNDS))
    read -r s0 k0 < <(cpu_ticks "$wpid")
    t0=$EPOCHREALTIME
    sed -n "$((from + 1)),${to}p" "$W/subs" | "$TOOL" "$RMQ_URL" publish ojrun.submissions c
    until [ "$(count bench.res)" -ge "$to" ]; do sleep 0.1; done
    t1=$EPOCHREALTIME
    read -r s1 k1 < <(cpu_ticks "$wpid")
    wsec=$(elapsed "$t0" "$t1" "$wsec")
    self=$((self + s1 - s0)) kids=$((kids + k1 - k0))
    # ---- 3. the CLI path, 4. the floor ----
    from=$((r * CLI_N / ROUNDS)) to=$(((r + 1) * CLI_N / ROUNDS))
    t0=$EPOCHREALTIME
    lanes cli_lane "$from" "$to"
    t1=$EPOCHREALTIME
    csec=$(elapsed "$t0" "$t1" "$csec")
    t0=$EPOCHREALTIME
    lanes floor_lane "$from" "$to"
    t1=$EPOCHREALTIME
    fsec=$(elapsed "$t0" "$t1" "$fsec")
done
rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$wpid/status")
"$TOOL" "$RMQ_URL" collect bench.res "$N" 60 >"$W/results"
hz=$(getconf CLK_TCK)

# ---- 2. queue-to-first-test latency, one submission at a time ----
"$TOOL" "$RMQ_URL" collect bench.prog "$(count bench.prog)" 10 >/dev/null || true
: >"$W/lat"
for i in $(seq "$LAT"); do
    # the collector first, so that its connecting is not in the latency
    "$TOOL" "$RMQ_URL" collect bench.prog 1 60 >"$W/p1" &
    cpid=$!
    sleep 0.5
    tp=$(sub "l$i" | AMQP_TOOL_PRINT_TIME=1 "$TOOL" "$RMQ_URL" publish ojrun.submissions c)
    wait "$cpid"
    "$TOOL" "$RMQ_URL" collect bench.res 1 60 >"$W/r1"
    # the rest of this submission's progress events
    "$TOOL" "$RMQ_URL" collect bench.prog $((TESTS - 1)) 60 >/dev/null
    # [to the first test's start, to its end less the program's own run]:
    # the progress event is sent when a test ends, judge_us after its start
    jq -cn --argjson tp "$tp" --slurpfile p "$W/p1" --slurpfile r "$W/r1" \
        '($r[0].body) as $res | ($p[0].t_ms - $tp - $res.timings.compile_us / 1000) as $x
         | [$x - $res.tests[0].judge_us / 1000, $x - $res.tests[0].wall_us / 1000]' >>"$W/lat"
done
kill -TERM "$wpid"
wait "$wpid" || true
wpid=
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- report ----
jq -rn \
    --slurpfile res <(jq -c .body "$W/results") \
    --argjson n "$N" --argjson tests "$TESTS" --argjson cli_n "$CLI_N" \
    --argjson wsec "$wsec" --argjson csec "$csec" --argjson fsec "$fsec" \
    --argjson self "$((self * 1000 / hz))" --argjson kids "$((kids * 1000 / hz))" \
    --argjson rss "$rss_kb" \
    --slurpfile lat "$W/lat" \
    --slurpfile cli <(awk '{printf "[%f,%f]\n", ($2 - $1) * 1000, $3 / 1000}' "$W/cli-times") \
    --slurpfile floor <(awk '{printf "%f\n", ($2 - $1) * 1000}' "$W/floor-times") '
    def med: sort | if length == 0 then null elif length % 2 == 1 then .[length / 2 | floor]
                    else (.[length / 2 - 1] + .[length / 2]) / 2 end;
    def p90: sort | .[(length * 0.9 | floor)];
    def r1: . * 10 | round / 10;
    ([$res[] | select(.verdict != "AC")] | length) as $bad
    | [$res[].tests[] | .judge_us / 1000] as $judge
    | [$res[].tests[] | (.judge_us - .wall_us) / 1000] as $wover
    | [$res[] | .timings.compile_us / 1000] as $comp
    | [$res[] | .worker.start_ms] as $start
    | ($n * $tests / $wsec) as $wtps
    | ($cli_n * $tests / $csec) as $ctps
    | ($cli_n * $tests / $fsec) as $ftps
    | [$cli[] | .[0]] as $cwall | [$cli[] | .[0] - .[1]] as $cover
    | ($floor | med) as $fmed
    | "worker (RabbitMQ, 2 slots): \($n) submissions x \($tests) tests in \($wsec | r1) s" +
        (if $bad > 0 then " -- \($bad) NOT AC" else "" end),
      "  tests/s end to end (compile included): \($wtps | r1)",
      "  tests/s of the test phase (the compiles taken out): \(($n * $tests) / ($wsec - ($comp | add) / 1000 / 2) | r1)",
      "  compile per submission: median \($comp | med | r1) ms; message taken to judging started"
        + " (worker.start_ms): median \($start | med) ms",
      "  per test (judge_us): median \($judge | med | r1) ms, p90 \($judge | p90 | r1) ms",
      "  overhead per test (judge_us - wall_us): median \($wover | med | r1) ms, p90 \($wover | p90 | r1) ms",
      "  worker peak RSS \($rss / 1024 | r1) MiB; CPU per test: worker \($self / ($n * $tests) | r1 * 1000 | round / 1000) ms,"
        + " its tasks (shims, containers) \($kids / ($n * $tests) | r1) ms",
      "  queue-to-first-test (compile excluded), \($lat | length) idle runs: to its start median"
        + " \([$lat[] | .[0]] | med | r1) ms, p90 \([$lat[] | .[0]] | p90 | r1) ms; to its end less the"
        + " program median \([$lat[] | .[1]] | med | r1) ms, p90 \([$lat[] | .[1]] | p90 | r1) ms",
      "CLI path (create --shim/start/wait/delete, 2 lanes): \($cli_n * $tests) tests in \($csec | r1) s",
      "  tests/s: \($ctps | r1); per test: median \($cwall | med | r1) ms, p90 \($cwall | p90 | r1) ms;"
        + " overhead median \($cover | med | r1) ms, p90 \($cover | p90 | r1) ms",
      "unshare floor (2 lanes): \($cli_n * $tests) tests in \($fsec | r1) s; tests/s \($ftps | r1);"
        + " per test median \($fmed | r1) ms, p90 \($floor | p90 | r1) ms",
      "ratios: worker per test / floor per test = \(($judge | med) / $fmed | . * 100 | round / 100) (target <= 1.5);"
        + " worker tests/s / CLI tests/s = \($wtps / $ctps | . * 100 | round / 100) end to end,"
        + " \((($n * $tests) / ($wsec - ($comp | add) / 1000 / 2)) / $ctps | . * 100 | round / 100) test phase (target >= 3);"
        + " queue-to-first-test median \([$lat[] | .[0]] | med | r1) ms (target <= 50)"
'
