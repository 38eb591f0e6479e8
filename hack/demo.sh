#!/usr/bin/env bash
# `make demo`: judge the sample submissions of the A+B problem in
# hack/demo/aplusb with the reference judge (hack/judge), in all six
# languages, and print a table per submission.
#
# A submission's expected verdict is in its file name, NAME.VERDICT.EXT
# (correct.AC.c, loop-bug.OLE.c); the extension names the language.  The
# exit status is 1 when any verdict differs from the expected one.
set -euo pipefail
cd "$(dirname "$0")/.."

problem=hack/demo/aplusb
# the large test is generated (deterministic, ~12 MB, not in git)
[ -s "$problem/tests/4.out" ] || python3 "$problem/gen-large.py"

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

start=$EPOCHREALTIME
declare -a summary
bad=0
for sub in hack/demo/submissions/*; do
    file=$(basename "$sub")
    ext=${file##*.}
    expected=${file%.*}
    expected=${expected##*.}
    lang=$(lang_of "$ext") || { echo "demo: $file: unknown extension .$ext" >&2; exit 1; }
    echo "== $file ($lang, expected $expected)"
    out=$(hack/judge --lang "$lang" --problem "$problem" "$sub") || {
        echo "$out"
        echo "demo: hack/judge failed on $file" >&2
        exit 1
    }
    echo "$out"
    echo
    got=$(sed -n 's/^verdict: //p' <<<"$out")
    if [ "$got" = "$expected" ]; then
        summary+=("$(printf '%-24s %-11s %-4s ok' "$file" "$lang" "$got")")
    else
        summary+=("$(printf '%-24s %-11s %-4s EXPECTED %s' "$file" "$lang" "$got" "$expected")")
        bad=1
    fi
done

secs=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')
echo "== summary (${#summary[@]} submissions, ${secs} s)"
printf '%s\n' "${summary[@]}"
if [ "$bad" = 1 ]; then
    echo "demo: some verdicts differ from the expected ones" >&2
    exit 1
fi
