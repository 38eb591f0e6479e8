#!/usr/bin/env bats
# The short soak (hack/soak.sh): judge tasks of every verdict back to back
# from two workers, both flows (create --shim/start/wait/delete and run
# --result).  Every verdict must be right and nothing may be left behind.
# The long run is done by hand: numbers in specs/reliability.md.

load helpers

@test "short soak: 120 judge tasks, every verdict right, nothing left behind" {
    run --separate-stderr timeout 300 "$OJRUN_SRC/hack/soak.sh" -n 120 -j 2 \
        -o "$BATS_TEST_TMPDIR/soak.json"
    echo "$stderr"
    jq -c '{tasks, tasks_per_second, verdict_mismatches, mismatch_details, left_behind,
            latency_ms: (.latency_ms | map_values(.p50))}' "$BATS_TEST_TMPDIR/soak.json"
    [ "$status" -eq 0 ]
    assert_jq '.tasks == 120 and .verdict_mismatches == 0' "$BATS_TEST_TMPDIR/soak.json"
    assert_jq '.left_behind == {"state_dirs": 0, "cgroup_dirs": 0, "processes": 0}' \
        "$BATS_TEST_TMPDIR/soak.json"
    # every kind ran, in both flows
    assert_jq '.latency_ms | keys == ["echo","mle","ok","ole","re","sg","tle","wle"]' \
        "$BATS_TEST_TMPDIR/soak.json"
    assert_jq '.flows == {"run": 60, "shim": 60}' "$BATS_TEST_TMPDIR/soak.json"
    # the seccomp cache holds one program, however many tasks used it
    assert_jq '.last_sample.seccomp_cache_files == 1' "$BATS_TEST_TMPDIR/soak.json"
}
