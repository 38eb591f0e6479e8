#!/usr/bin/env bash
# `make demo`: judge the sample submissions of the demo problems with the
# reference judge (hack/judge) and print a table per submission:
#
#   hack/demo/aplusb       A+B in all six languages (submissions in
#                          hack/demo/submissions/)
#   hack/demo/circle       a floating-point answer, "checker": "float:1e-6"
#   hack/demo/derangement  any valid permutation: a custom checker
#   hack/demo/guess        guess the number: an interactive problem
#   hack/demo/pairsum      subtasks with points and a dependency
#
# A submission's expected verdict is in its file name, NAME.VERDICT.EXT
# (correct.AC.c, loop-bug.OLE.c), and its expected score when the name has
# one, NAME.VERDICT.SCORE.EXT (brute.TLE.30.py); the extension names the
# language.  The exit status is 1 when any verdict or score differs from
# the expected one.
set -euo pipefail
cd "$(dirname "$0")/.."

# the large tests are generated (deterministic, not in git)
[ -s hack/demo/aplusb/tests/4.out ] || python3 hack/demo/aplusb/gen-large.py
if [ -d hack/demo/pairsum ] && [ ! -s hack/demo/pairsum/tests/4.out ]; then
    python3 hack/demo/pairsum/gen-large.py
fi

lang_of() {
    case $1 in
    c) echo c ;;
    cpp) echo cpp ;;
    py) echo python ;;
    java) echo java ;;
    go) echo go ;;
    js) echo javascript ;;
    *) return 1 ;;
    esac
}

# problem DIR: its submissions (aplusb's are in hack/demo/submissions)
submissions_of() {
    if [ "$1" = hack/demo/aplusb ]; then
        echo hack/demo/submissions
    else
        echo "$1/submissions"
    fi
}

start=$EPOCHREALTIME
declare -a summary
bad=0
for problem in hack/demo/aplusb hack/demo/circle hack/demo/derangement hack/demo/guess \
    hack/demo/pairsum; do
    [ -d "$problem" ] || continue
    pname=$(basename "$problem")
    for sub in "$(submissions_of "$problem")"/*; do
        file=$(basename "$sub")
        IFS=. read -r -a parts <<<"$file"
        ext=${parts[-1]} expected=${parts[1]} expected_score=
        [ ${#parts[@]} -lt 4 ] || expected_score=${parts[2]}
        lang=$(lang_of "$ext") || { echo "demo: $file: unknown extension .$ext" >&2; exit 1; }
        echo "== $pname/$file ($lang, expected $expected${expected_score:+, score $expected_score})"
        out=$(hack/judge --lang "$lang" --problem "$problem" "$sub") || {
            echo "$out"
            echo "demo: hack/judge failed on $file" >&2
            exit 1
        }
        echo "$out"
        echo
        got=$(sed -n 's/^verdict: //p' <<<"$out")
        score=$(sed -n 's/^score: \([0-9.]*\) \/ .*/\1/p' <<<"$out")
        line=$(printf '%-12s %-24s %-11s %-4s %5s' "$pname" "$file" "$lang" "$got" \
            "${expected_score:+$score}")
        if [ "$got" = "$expected" ] && [ "${expected_score:-$score}" = "$score" ]; then
            summary+=("$line ok")
        else
            summary+=("$line EXPECTED $expected${expected_score:+ $expected_score}")
            bad=1
        fi
    done
done

secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
echo "== summary (${#summary[@]} submissions, ${secs} s)"
printf '%s\n' "${summary[@]}"
if [ "$bad" = 1 ]; then
    echo "demo: some verdicts or scores differ from the expected ones" >&2
    exit 1
fi
