#!/usr/bin/env bats
# The judging engine's slots (worker/judge/engine.c, engine_plan.c) through
# hack/judge --slots: tests of one submission run at once, each task
# pinned to its own CPU; the verdicts stay those of judging in order; a
# judging stopped mid-way leaves nothing behind.

load helpers

SRC=${OJRUN_SRC:-$BATS_TEST_DIRNAME/../..}
JUDGE=$SRC/hack/judge

setup_file() {
    SUITE=$(mktemp -d /tmp/ojrun-slotstest.XXXXXX)
    chmod 0711 "$SUITE"
    export SUITE
    TOOL=${OJRUN_JUDGE_TOOL:-$(dirname "$OJRUN")/ojrun-judge-tool}
    export TOOL
}

teardown_file() {
    rm -rf "$SUITE"
}

setup() {
    T=$SUITE/t$BATS_TEST_NUMBER
    mkdir -m 0711 "$T" "$T/tmp"
    ID=$P-slots
}

teardown() {
    [ -z "$(ls -A "$T/tmp")" ] || { echo "work dir left: $(ls "$T/tmp")" >&2; return 1; }
    local left
    left=$(cgroup_leftovers "/ojrun/$ID"; cgroup_leftovers "/ojrun/$ID-*")
    [ -z "$left" ] || { echo "cgroup left: $left" >&2; return 1; }
}

judge() {
    TMPDIR=$T/tmp OJRUN_JUDGE_CACHE=$SUITE/cache OJRUN_JUDGE_TOOL=$TOOL "$JUDGE" --id "$ID" "$@"
}

# a program that burns ~300 ms of CPU, prints "ok" and, on stderr, when it
# ran (CLOCK_REALTIME, ns) and the CPUs it was allowed
write_burner() {
    cat >"$1" <<'EOF'
#include <stdio.h>
#include <string.h>
#include <time.h>
static long long now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
int main(void)
{
    long long start = now();
    while (clock() < CLOCKS_PER_SEC * 3 / 10)
        ;
    long long end = now();
    char line[256], cpus[64] = "?";
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "Cpus_allowed_list: %63s", cpus) == 1)
            break;
    puts("ok");
    fprintf(stderr, "%lld %lld %s\n", start, end, cpus);
    return 0;
}
EOF
}

# six tests of the burner; the kept work directory's t*.err in $T/spans
# (start end cpus), sorted by start
burn() {
    mkdir -p "$T/p/tests"
    local i
    for i in 1 2 3 4 5 6; do
        : >"$T/p/tests/$i.in"
        echo ok >"$T/p/tests/$i.out"
    done
    echo '{"cpu_ms": 3000, "wall_ms": 30000}' >"$T/p/problem.json"
    write_burner "$T/burn.c"
    run --separate-stderr judge --keep --json --lang c --problem "$T/p" "$@" "$T/burn.c"
    echo "$output" "$stderr"
    [ "$status" -eq 0 ]
    [ "$(jq -r .verdict <<<"$output")" = AC ]
    [ "$(jq -r '[.tests[].name] | join(" ")' <<<"$output")" = "1 2 3 4 5 6" ]
    local work=${stderr##*judge: work directory kept: }
    cat "$work"/out/t*.err | sort -n >"$T/spans"
    rm -rf "$work"
    cat "$T/spans"
    [ "$(wc -l <"$T/spans")" -eq 6 ]
}

# overlaps: how many pairs of tests ran at the same time
overlaps() {
    awk '{ s[NR] = $1; e[NR] = $2 } END {
        n = 0
        for (i = 1; i <= NR; i++) for (j = i + 1; j <= NR; j++)
            if (s[j] < e[i] && s[i] < e[j]) n++
        print n }' "$T/spans"
}

@test "--slots 2: tests run at once, each on its own CPU; --slots 1: one after the other" {
    [ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs"
    burn --slots 2 --cpus 0-1
    # every task is pinned to one CPU of the two
    [ -z "$(awk '$3 != "0" && $3 != "1"' "$T/spans")" ]
    # tasks that overlapped in time ran on different CPUs, and some did
    # (the second slot starts with the first, long before 300 ms of CPU)
    [ "$(overlaps)" -ge 1 ]
    awk '{ s[NR] = $1; e[NR] = $2; c[NR] = $3 } END {
        for (i = 1; i <= NR; i++) for (j = i + 1; j <= NR; j++)
            if (s[j] < e[i] && s[i] < e[j] && c[i] == c[j]) exit 1 }' "$T/spans"
    # both CPUs were used
    [ "$(awk '{ print $3 }' "$T/spans" | sort -u | wc -l)" -eq 2 ]
    burn --slots 1 --cpus 1
    [ "$(overlaps)" -eq 0 ]
    [ -z "$(awk '$3 != "1"' "$T/spans")" ]
}

@test "more slots than CPUs: the CPUs repeat" {
    burn --slots 3 --cpus 0
    [ -z "$(awk '$3 != "0"' "$T/spans")" ]
}

@test "--slots 3: groups, stops and SKIPPED exactly as judging in order" {
    cat >"$T/do.c" <<'EOF'
#include <stdio.h>
int main(void)
{
    char w[16];
    if (scanf("%15s", w) != 1)
        return 1;
    puts(w[0] == 'w' ? "wrong" : "ok");
    return 0;
}
EOF
    mkdir -p "$T/p/tests"
    local t
    for t in 1=ok 2=ok 3=ok 4=wa 5=ok 6=ok 7=wa 8=ok; do
        echo "${t#*=}" >"$T/p/tests/${t%%=*}.in"
        echo ok >"$T/p/tests/${t%%=*}.out"
    done
    cat >"$T/p/problem.json" <<'EOF'
{"groups": [{"name": "easy", "points": 20, "tests": ["1", "2"]},
            {"name": "mid", "points": 30, "tests": ["3", "4", "5"], "depends": ["easy"]},
            {"name": "hard", "points": 50, "tests": ["6"], "depends": ["mid"]},
            {"name": "alone", "points": 7, "tests": ["6", "1"]},
            {"name": "late", "points": 9, "tests": ["7", "8"]}]}
EOF
    run --separate-stderr judge --json --slots 1 --lang c --problem "$T/p" "$T/do.c"
    [ "$status" -eq 0 ]
    jq -c 'del(.timings) | del(.tests[] | .cpu_us, .wall_us, .memory_peak_bytes, .pids_peak,
        .judge_us)' <<<"$output" >"$T/one.json"
    cat "$T/one.json"
    assert_jq '[.tests[].name] == ["1", "2", "3", "4", "6", "7"] and .score == 27' "$T/one.json"
    local slots
    for slots in 2 3; do
        run --separate-stderr judge --json --slots "$slots" --lang c --problem "$T/p" "$T/do.c"
        [ "$status" -eq 0 ]
        jq -c 'del(.timings) | del(.tests[] | .cpu_us, .wall_us, .memory_peak_bytes, .pids_peak,
            .judge_us)' <<<"$output" >"$T/many.json"
        diff "$T/one.json" "$T/many.json"
    done
    # the progress events: one per committed test, in judging order, even
    # when tests end out of order
    TMPDIR=$T/tmp "$TOOL" judge --id "$ID" --cache "$SUITE/cache" --progress --json --slots 3 \
        --lang c --problem "$T/p" "$T/do.c" >"$T/r.json" 2>"$T/err"
    cat "$T/err"
    [ "$(sed -n 's/^judge: progress \([0-9]*\/[0-9]*\) \([0-9]*\) \([A-Z]*\) .*/\1 \2 \3/p' "$T/err" |
        tr '\n' ,)" = "1/8 1 AC,2/8 2 AC,3/8 3 AC,4/8 4 WA,5/8 6 AC,6/8 7 WA," ]
}

@test "stopped with two tasks running, the judge leaves no container, cgroup or process" {
    [ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs"
    mkdir -p "$T/p/tests"
    : >"$T/p/tests/1.in"
    : >"$T/p/tests/2.in"
    : >"$T/p/tests/1.out"
    : >"$T/p/tests/2.out"
    echo '{"cpu_ms": 30000, "wall_ms": 60000}' >"$T/p/limits.json"
    printf '#include <unistd.h>\nint main(void) { for (;;) pause(); }\n' >"$T/sleep.c"
    TMPDIR=$T/tmp OJRUN_JUDGE_CACHE=$SUITE/cache "$JUDGE" --id "$ID" --root "$T/state" \
        --slots 2 --lang c --problem "$T/p" "$T/sleep.c" >"$T/out" 2>&1 &
    local pid=$! i n=0
    for i in $(seq 300); do
        n=$("$OJRUN" --root "$T/state" list -q 2>/dev/null | wc -l)
        [ "$n" -lt 2 ] || break
        sleep 0.05
    done
    [ "$n" -eq 2 ]
    local sups
    sups=$(pgrep -P "$pid" | tr '\n' ' ')
    kill -TERM "$pid"
    local rc=0
    wait "$pid" || rc=$?
    [ "$rc" -eq 143 ]
    # the supervisors are gone, and with them the containers' processes
    for i in $sups; do [ ! -e "/proc/$i" ]; done
    [ -z "$(ls -A "$T/state" | grep -vx seccomp-cache)" ]
    [ -z "$(grep -l ":/ojrun/$ID" /proc/[0-9]*/cgroup 2>/dev/null)" ]
}
