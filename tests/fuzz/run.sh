#!/usr/bin/env bash
# Run libFuzzer targets built by `make fuzz` (build-fuzz/fuzz/fuzz_<name>).
#
#   tests/fuzz/run.sh SECONDS NAME...
#
# Each target runs SECONDS on its working corpus build-fuzz/corpus/<name>
# (new inputs are added there), reading the committed seeds in
# tests/fuzz/corpus/<name> and the dictionary tests/fuzz/<name>.dict when
# present.  Crashes are written to build-fuzz/artifacts/<name>/.  One
# summary line per target: runs, execs/s, edge coverage, corpus size.
# FUZZ_JOBS=N runs N targets at a time (default 1); FUZZ_ARGS adds
# libFuzzer flags (e.g. FUZZ_ARGS=-max_len=65536).
set -uo pipefail
cd "$(dirname "$0")/../.."
secs=${1:?usage: run.sh SECONDS NAME...}
shift
out=build-fuzz
rc=0
# third-party leaks we cannot fix (tests/lsan.supp says which and why)
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

run_one() {
    local name=$1 bin=$out/fuzz/fuzz_$1 log=$out/logs/$1.log
    local dict=() seeds=()
    mkdir -p "$out/corpus/$name" "$out/artifacts/$name" "$out/logs"
    [ -f "tests/fuzz/$name.dict" ] && dict=(-dict="tests/fuzz/$name.dict")
    [ -d "tests/fuzz/corpus/$name" ] && seeds=("tests/fuzz/corpus/$name")
    # close_fd_mask=3: the targets' own stdout/stderr (usage, error lines)
    # would drown libFuzzer's; sanitizer reports still get through.
    # GNU time records the CPU seconds the target really got (a busy
    # machine gives it less than the wall-clock budget).
    /usr/bin/time -f '%U %S' -o "$out/logs/$name.cpu" \
        "$bin" -max_total_time="$secs" -close_fd_mask=3 -print_final_stats=1 -timeout=10 \
        -rss_limit_mb=2048 -artifact_prefix="$out/artifacts/$name/" "${dict[@]}" \
        ${FUZZ_ARGS:-} "$out/corpus/$name" "${seeds[@]}" >"$log" 2>&1
    local r=$?
    local last runs eps cov corp cpu
    cpu=$(awk '{ printf "%.0f", $1 + $2 }' "$out/logs/$name.cpu" 2>/dev/null)
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
    corp=$(sed -nE 's/.* corp: ([0-9]+\/[0-9a-zA-Z]+).*/\1/p' <<<"$last")
    if [ $r -ne 0 ]; then
        echo "FAIL fuzz $name (exit $r): see $log and $out/artifacts/$name/"
        grep -E 'ERROR|SUMMARY|property violated|Test unit written' "$log" | head -10
        return 1
    fi
    echo "ok   fuzz $name: ${secs}s wall, ${cpu:-?} CPU-s, ${runs:-?} runs, ${eps:-?} exec/s, cov ${cov:-?} edges, corpus ${corp:-?}"
}

jobs=${FUZZ_JOBS:-1}
pids=()
for name in "$@"; do
    if [ ! -x "$out/fuzz/fuzz_$name" ]; then
        echo "FAIL fuzz $name: $out/fuzz/fuzz_$name not built (make fuzz builds it)"
        rc=1
        continue
    fi
    run_one "$name" &
    pids+=($!)
    if [ ${#pids[@]} -ge "$jobs" ]; then
        wait "${pids[0]}" || rc=1
        pids=("${pids[@]:1}")
    fi
done
for p in "${pids[@]}"; do wait "$p" || rc=1; done
exit $rc
