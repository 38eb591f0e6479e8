#!/usr/bin/env bats
# `ojrun run` and the other commands under valgrind's memcheck: no invalid
# access, no use of uninitialised memory, no leak, in the runtime and in the
# container init up to its execve (valgrind follows a fork until exec).
#
# Valgrind 3.19 (Debian 12) does not know openat2(2) and open_tree(2): it
# fails them with ENOSYS.  Path resolution then takes pathres.c's
# userspace fallback, and readonlyPaths (bound with open_tree) cannot be
# used; valgrind also lowers RLIMIT_NOFILE's hard limit, so the bundle
# here has neither readonlyPaths, maskedPaths nor rlimits.  The ASan+UBSan
# build (the SAN part of make check) covers those paths.

load helpers
load bundle

setup() {
    command -v valgrind >/dev/null || skip "valgrind not installed"
    setup_root
    make_bundle
    cfg 'del(.linux.readonlyPaths, .linux.maskedPaths, .process.rlimits)'
    ID=$P-vg
    SUPP=$BATS_TEST_DIRNAME/valgrind.supp
    # ojrun linked dynamically (make builds it next to the unit tests):
    # memcheck sees no heap in the static build/ojrun, and cannot run the
    # ASan one
    BIN=${OJRUN_DYNAMIC:-$(dirname "$OJRUN")/tests/ojrun-dynamic}
    [ -x "$BIN" ] || { echo "$BIN missing: make $(basename "$(dirname "$OJRUN")")/tests/ojrun-dynamic" >&2; return 1; }
}

teardown() {
    ojrun_cleanup
}

# vg ARGS: run "$BIN --root $ROOT ARGS" under memcheck; its report goes to
# $BATS_TEST_TMPDIR/vg.log (one file per process: the init's too).
vg() {
    rm -f "$BATS_TEST_TMPDIR"/vg.log.*
    valgrind --quiet --error-exitcode=99 --leak-check=full \
        --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
        --suppressions="$SUPP" --log-file="$BATS_TEST_TMPDIR/vg.log.%p" \
        "$BIN" --root "$ROOT" "$@"
}

# No error reported by any process valgrind ran (runtime and init).
assert_vg_clean() {
    local f bad=0
    for f in "$BATS_TEST_TMPDIR"/vg.log.*; do
        [ -e "$f" ] || continue
        # --quiet: only errors and the leak summary of a leaking process
        if grep -vE 'WARNING: unhandled amd64-linux syscall: (428|437)|You may be able to write|README_MISSING_SYSCALL|Nevertheless we consider|valgrind.org/support/bug_reports' "$f" | grep -q '^=='; then
            echo "valgrind reported in $f:" >&2
            cat "$f" >&2
            bad=1
        fi
    done
    [ "$bad" -eq 0 ]
}

@test "valgrind: ojrun run of a bundle is clean and keeps the exit status" {
    cfg_args sh -c 'echo hello; exit 3'
    run vg run -b "$BUNDLE" "$ID"
    [ "$status" -eq 3 ]
    [ "$output" = hello ]
    assert_vg_clean
    # two processes were checked: ojrun and the init before its execve
    [ "$(ls "$BATS_TEST_TMPDIR"/vg.log.* | wc -l)" -ge 2 ]
    assert_no_leftovers "$ID"
}

@test "valgrind: create, state, start, kill, list, delete are clean" {
    cfg_args sleep 100
    vg create -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
    assert_vg_clean
    run vg state "$ID"
    [ "$status" -eq 0 ]
    [ "$(jq -r .status <<<"$output")" = created ]
    assert_vg_clean
    vg start "$ID"
    assert_vg_clean
    run vg list --format json
    [ "$status" -eq 0 ]
    [ "$(jq -r '.[0].status' <<<"$output")" = running ]
    assert_vg_clean
    vg kill "$ID" KILL
    assert_vg_clean
    vg delete --force "$ID"
    assert_vg_clean
    assert_no_leftovers "$ID"
}

@test "valgrind: failing creates (bad config, missing executable) are clean" {
    cfg '.linux.namespaces[0].type = "nett"'
    run vg create -b "$BUNDLE" "$ID"
    [ "$status" -eq 1 ]
    assert_vg_clean
    make_bundle "$BATS_TEST_TMPDIR/b2"
    cfg 'del(.linux.readonlyPaths, .linux.maskedPaths, .process.rlimits)'
    cfg_args /no/such/program
    run vg create -b "$BUNDLE" "$ID"
    [ "$status" -eq 1 ]
    [[ "$output" == *"no/such/program"* ]]
    assert_vg_clean
    assert_no_leftovers "$ID"
}
