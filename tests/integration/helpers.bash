# Shared helpers for ojrun's bats tests.  Load with `load helpers`.
#
#   OJRUN        the binary under test; tests/run.sh exports it, and when a
#                .bats file is run by hand it defaults to build/ojrun.
#   setup_root   give the test a private state directory $ROOT (under
#                $BATS_TEST_TMPDIR, which bats removes after the test), so
#                tests never see each other's containers or /run/ojrun.
#   ojrun ARGS   run "$OJRUN" --root "$ROOT" ARGS; use with `run`.

# `run --separate-stderr` and `run -N` need bats 1.5.
bats_require_minimum_version 1.5.0

OJRUN=${OJRUN:-$BATS_TEST_DIRNAME/../../build/ojrun}

setup_root() {
    ROOT="$BATS_TEST_TMPDIR/root"
    mkdir -p "$ROOT"
}

ojrun() {
    "$OJRUN" --root "$ROOT" "$@"
}

# Fail (with what was printed) unless $1 is the number of lines in $2.
assert_lines() {
    local want=$1 text=$2 got
    got=$(printf '%s' "$text" | grep -c '' || true)
    if [ "$got" -ne "$want" ]; then
        echo "expected $want line(s), got $got:" >&2
        printf '%s\n' "$text" >&2
        return 1
    fi
}

# Fail unless jq expression $1 is true for JSON file $2 (shows the value).
assert_jq() {
    local expr=$1 file=$2
    if ! jq -e "$expr" "$file" >/dev/null; then
        echo "jq check failed: $expr" >&2
        jq . "$file" >&2 || cat "$file" >&2
        return 1
    fi
}
