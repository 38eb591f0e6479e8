#!/usr/bin/env bats
# The short soak (hack/soak.sh): judge tasks of every verdict back to back
# from two workers, both flows (create --shim/start/wait/delete and run
# --result).  Every verdict must be right and nothing may be left behind.
# The long run is done by hand: numbers in specs/reliability.md.

load helpers

@test "short soak: 300 judge tasks, every verdict right, nothing left behind" {
    SOAK_SAMPLE_SECONDS=1 run --separate-stderr timeout 600 "$OJRUN_SRC/hack/soak.sh" -n 300 -j 2 \
        -o "$BATS_TEST_TMPDIR/soak.json"
    echo "$stderr"
    jq -c '{tasks, tasks_per_second, verdict_mismatches, mismatch_details, results, left_behind,
            max_during, latency_ms: (.latency_ms | map_values(.p50))}' "$BATS_TEST_TMPDIR/soak.json"
    [ "$status" -eq 0 ]
    assert_jq '.tasks == 300 and .verdict_mismatches == 0' "$BATS_TEST_TMPDIR/soak.json"
    # each of the 300 ids has exactly one result
    assert_jq '.results == {"distinct_ids": 300, "without_result": 0, "exactly_once": true}' \
        "$BATS_TEST_TMPDIR/soak.json"
    assert_jq '.left_behind == {"state_dirs": 0, "cgroup_dirs": 0, "processes": 0,
                                "zombies": 0, "mounts": 0}' "$BATS_TEST_TMPDIR/soak.json"
    # at most one container per worker at a time (2 workers): state dirs
    # do not pile up while the run goes on
    assert_jq '.max_during.state_dirs <= 2' "$BATS_TEST_TMPDIR/soak.json"
    # every kind ran, in both flows
    assert_jq '.latency_ms | keys == ["echo","mle","ok","ole","re","sg","tle","wle"]' \
        "$BATS_TEST_TMPDIR/soak.json"
    assert_jq '.flows == {"run": 150, "shim": 150}' "$BATS_TEST_TMPDIR/soak.json"
    # the seccomp cache holds one program, however many tasks used it
    assert_jq '.last_sample.seccomp_cache_files == 1' "$BATS_TEST_TMPDIR/soak.json"
}
