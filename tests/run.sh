#!/usr/bin/env bash
# Run every test of ojrun and print one closing line
# "N passed, N failed, N skipped".
#
#   tests/run.sh                  all unit binaries, then all bats files
#   TESTS=unit tests/run.sh       unit tests only
#   TESTS=integration tests/run.sh
#   TESTS=tests/integration/lifecycle.bats tests/run.sh   one file
#   TESTS="unit tests/integration/x.bats" tests/run.sh     a list ("unit": the unit binaries,
#                                   "unit:test_cgroup*": those matching)
#   FILTER=regex tests/run.sh     bats --filter
#   TESTS=san BUILD=build-san tests/run.sh   the SAN part only (make check SAN=1)
#   SAN_BUILD=build-san tests/run.sh   everything, then the SAN part (make check)
#
# The SAN part runs the unit binaries and $SAN_BATS (a representative set of
# bats files) against an ASan+UBSan build, with leak detection on; a
# sanitizer report makes the process exit 86, which no test expects.
#
# Both kinds speak TAP (cmocka with CMOCKA_MESSAGE_OUTPUT=TAP, bats --tap),
# so counting is uniform: "ok N" passes, "not ok N" fails, and a skip --
# bats's "ok N name # skip reason", cmocka's "not ok N # SKIP name" -- is
# a skip.  A binary that dies without reporting counts as one failure.
#
# The runc/crun controls -- bats tests named "control/runc: ..." or
# "control/crun: ...", which run the same check against the reference
# runtime so that a failure of ojrun's variant can be told from a broken
# engine or setup -- test runc or crun, not ojrun: they are counted apart,
# on a line of their own before the closing line, and not in "N passed".
# A failed control is still a failure (the comparison could not be made).
# The closing line "N passed, N failed, N skipped" is always the last one.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
TESTS=${TESTS:-all}
export OJRUN="$PWD/$BUILD/ojrun"
export OJRUN_SRC="$PWD"
export OJRUN_HELPERS="$PWD/$BUILD/tests/helpers"

# How much slower than the reference host this machine is now (see
# tests/slowdown.sh): the timed tests scale their tolerances by it.
if [ -z "${OJ_SLOWDOWN:-}" ]; then
    OJ_SLOWDOWN=$(bash tests/slowdown.sh) || OJ_SLOWDOWN=1
fi
export OJ_SLOWDOWN
echo "slowdown factor: $OJ_SLOWDOWN"
# a bats file that hangs is stopped after 20 minutes (on this machine's scale)
file_timeout=$(awk -v f="$OJ_SLOWDOWN" 'BEGIN { printf "%d\n", 1200 * f }')

passed=0
failed=0
skipped=0
controls_ok=0
controls_failed=0
file_failed=0 # the failures count_tap found in the last file
log_dir=$(mktemp -d /tmp/ojrun-tests.XXXXXX)
part=""   # "san " while running the SAN part: log names and report lines
SAN_BATS=${SAN_BATS:-"tests/integration/foundation.bats tests/integration/lifecycle.bats
    tests/integration/errors.bats tests/integration/faults.bats
    tests/integration/concurrency.bats tests/integration/shim.bats
    tests/integration/judge_slots.bats"}

count_tap() { # file -> updates the counters, returns 1 if any test failed
    local p q k cp cq
    read -r p q k cp cq < <(awk '
        /^(not )?ok [0-9]+/ {
            if (tolower($0) ~ /# skip/) { k++; next }
            ctl = $0 ~ /^(not )?ok [0-9]+ (- )?control\/(runc|crun): /
            if ($0 ~ /^not ok/) { q++; if (ctl) cq++ }
            else if (ctl) cp++
            else p++
        }
        END { printf "%d %d %d %d %d\n", p, q, k, cp, cq }' "$1")
    passed=$((passed + p))
    skipped=$((skipped + k))
    failed=$((failed + q))
    controls_ok=$((controls_ok + cp))
    controls_failed=$((controls_failed + cq))
    file_failed=$q
    [ "$q" -eq 0 ]
}

run_unit() { # [GLOB]: the unit binaries whose name matches (default: all)
    local bin name out rc t0
    for bin in "$BUILD"/tests/${1:-test_*}; do
        [ -x "$bin" ] || continue
        name=$(basename "$bin")
        out="$log_dir/${part/ /-}$name.tap"
        t0=$SECONDS
        CMOCKA_MESSAGE_OUTPUT=TAP timeout $((file_timeout / 4)) "$bin" >"$out" 2>&1
        rc=$?
        if ! count_tap "$out" || [ $rc -ne 0 ]; then
            if [ "$file_failed" -eq 0 ]; then
                failed=$((failed + 1)) # crashed or timed out before reporting
            fi
            echo "FAIL ${part}unit $name (exit $rc, $((SECONDS - t0)) s):"
            grep -E '^not ok|^#' "$out" | grep -viE '^not ok [0-9]+ # skip' | head -40
            tail -5 "$out"
        else
            echo "ok   ${part}unit $name ($(grep -cE '^ok ' "$out") tests, $((SECONDS - t0)) s)"
        fi
    done
}

run_bats() {
    local f name out rc t0
    local files=("$@")
    for f in "${files[@]}"; do
        name=$(basename "$f" .bats)
        out="$log_dir/${part/ /-}$name.tap"
        t0=$SECONDS
        if [ -n "${FILTER:-}" ]; then
            timeout "$file_timeout" bats --tap --filter "$FILTER" "$f" >"$out" 2>&1
        else
            timeout "$file_timeout" bats --tap "$f" >"$out" 2>&1
        fi
        rc=$?
        if ! count_tap "$out" || [ $rc -ne 0 ]; then
            [ "$file_failed" -gt 0 ] || failed=$((failed + 1))
            echo "FAIL ${part}integration $name (exit $rc, $((SECONDS - t0)) s):"
            # the failing tests and what they printed
            awk '/^not ok/ && tolower($0) !~ /# skip/ {p=1; print; next} /^(not )?ok /{p=0} p' \
                "$out" | head -80
        else
            echo "ok   ${part}integration $name ($(grep -cE '^ok ' "$out") tests, $((SECONDS - t0)) s)"
        fi
    done
}

# The SAN part, against the ASan+UBSan build in $1.
run_san() {
    BUILD=$1
    part="san "
    export OJRUN="$PWD/$BUILD/ojrun"
    export OJRUN_HELPERS="$PWD/$BUILD/tests/helpers"
    # detect_leaks is ASan's default on x86_64, said for the reader;
    # tests/lsan.supp lists the third-party leaks we cannot fix
    export ASAN_OPTIONS="detect_leaks=1:exitcode=86${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=86${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
    export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:exitcode=86${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
    echo "--- SAN part: $BUILD (ASan+UBSan, leaks detected)"
    run_unit
    # shellcheck disable=SC2086 # a list of files
    run_bats $SAN_BATS
}

case "$TESTS" in
all)
    run_unit
    run_bats tests/integration/*.bats
    [ -n "${SAN_BUILD:-}" ] && run_san "$SAN_BUILD"
    ;;
unit) run_unit ;;
integration) run_bats tests/integration/*.bats ;;
san) run_san "$BUILD" ;;
*)
    # a list of bats files, where the word "unit" runs the unit binaries
    # and "unit:GLOB" those matching GLOB ("unit:test_cgroup*")
    for t in $TESTS; do
        case "$t" in
        unit) run_unit ;;
        unit:*) run_unit "${t#unit:}" ;;
        *) run_bats "$t" ;;
        esac
    done
    ;;
esac

echo "(TAP logs in $log_dir)"
if [ $((controls_ok + controls_failed)) -gt 0 ]; then
    echo "runc/crun controls: $controls_ok ok, $controls_failed not ok (not in the line below;" \
        "a control that is not ok is counted as failed there too)"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
