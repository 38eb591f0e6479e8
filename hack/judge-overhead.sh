#!/usr/bin/env bash
# The reference judge's cost per test: judge a trivial C program (exits at
# once, prints nothing) on a problem of N empty tests and report the median
# of the judge's own time per test (`judge_us`: create --shim, start, wait,
# delete, the result's parsing and the comparison) next to the program's
# wall time.  Usage: hack/judge-overhead.sh [N]   (default 50)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-50}
work=$(mktemp -d /tmp/ojrun-overhead.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/p/tests"
for i in $(seq "$n"); do
    : >"$work/p/tests/$i.in"
    : >"$work/p/tests/$i.out"
done
printf 'int main(void) { return 0; }\n' >"$work/true.c"

start=$EPOCHREALTIME
hack/judge --json --lang c --problem "$work/p" "$work/true.c" >"$work/r.json"
end=$EPOCHREALTIME

jq -r --arg total "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" '
    def median: sort | if length % 2 == 1 then .[length / 2 | floor]
                       else (.[length / 2 - 1] + .[length / 2]) / 2 end;
    def ms: . / 1000 | . * 10 | round / 10;
    if .verdict != "AC" then error("verdict \(.verdict)") else . end
    | [.tests[].judge_us] as $j | [.tests[].wall_us] as $w
    | [.tests[] | .judge_us - .wall_us] as $o | ($total | tonumber * 10 | round / 10) as $s
    | "\(.tests | length) tests of a trivial C program, \($s) s in all (compile included)",
      "judge per test:   median \($j | median | ms) ms, min \($j | min | ms) ms,"
      + " max \($j | max | ms) ms",
      "program per test: median wall \($w | median | ms) ms",
      "overhead per test (judge - program): median \($o | median | ms) ms"
' "$work/r.json"
