#!/usr/bin/env bash
# Print the slowdown factor of this machine, now: how many times longer a
# fork+exec+exit+wait takes here than on the reference host (a 2-core VM
# with KVM, unloaded: REF_US below), at least 1, one decimal.  tests/run.sh
# measures it once at the start of a run and exports it as OJ_SLOWDOWN;
# tests scale their timing tolerances and time limits by it (helpers.bash
# slow_ms, tests/unit/test_slowdown.h), so that a machine 3-9 times slower
# (software emulation, a loaded CI host) does not fail them, while a wrong
# figure, which is off by far more than any tolerance, still does.
#
# Process creation and teardown are what the timed tests measure (a
# container's start, a task's exit); best of 5 rounds of 40, so that a
# moment of load elsewhere does not count.
set -euo pipefail
REF_US=600
best=
for _ in 1 2 3 4 5; do
    s=$(date +%s%N)
    for _ in $(seq 40); do /bin/true; done
    e=$(date +%s%N)
    us=$(((e - s) / 40000))
    if [ -z "$best" ] || [ "$us" -lt "$best" ]; then best=$us; fi
done
awk -v us="$best" -v ref="$REF_US" 'BEGIN { f = us / ref; if (f < 1) f = 1; if (f > 30) f = 30
    printf "%.1f\n", f }'
