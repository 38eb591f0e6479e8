#!/usr/bin/env bats
# The reference judge, hack/judge (specs/judge-templates.md, "Reference
# judge"): its output checker, verdicts, report formats, limits, retries on
# SE, errors and cleanup.  The hostile submissions are in hostile.bats.

load helpers

SRC=${OJRUN_SRC:-$BATS_TEST_DIRNAME/../..}
JUDGE=$SRC/hack/judge
DEMO=$SRC/hack/demo

setup_file() {
    # bundles must be searchable by the container's root (host uid 100000)
    SUITE=$(mktemp -d /tmp/ojrun-judgetest.XXXXXX)
    chmod 0711 "$SUITE"
    export SUITE
    # the checker, built from the same source the judge builds it from
    cc -O2 -Wall -Wextra -Werror -o "$SUITE/judge-cmp" "$SRC/hack/judge-cmp.c"
}

teardown_file() {
    rm -rf "$SUITE"
}

setup() {
    T=$SUITE/t$BATS_TEST_NUMBER
    mkdir -m 0711 "$T" "$T/tmp"
    ID=$P-judge
}

teardown() {
    # everything the judge made is gone: its work directory, state, cgroups
    [ -z "$(ls -A "$T/tmp")" ] || { echo "work dir left: $(ls "$T/tmp")" >&2; return 1; }
    local left
    left=$(cgroup_leftovers "/ojrun/$ID"; cgroup_leftovers "/ojrun/$ID-*")
    [ -z "$left" ] || { echo "cgroup left: $left" >&2; return 1; }
}

# judge ARGS...: hack/judge with its work directory under $T/tmp and task
# ids $ID-...; use with `run`
judge() {
    TMPDIR=$T/tmp "$JUDGE" --id "$ID" "$@"
}

# judge_umask077 ARGS...: the same with the caller's umask 077 (`run` runs
# it in a subshell)
judge_umask077() {
    umask 077
    judge "$@"
}

# problem DIR NAME=INPUT:OUTPUT...: a problem directory (printf escapes in
# INPUT and OUTPUT)
problem() {
    local dir=$1 t
    shift
    mkdir -p "$dir/tests"
    for t in "$@"; do
        local name=${t%%=*} io=${t#*=}
        printf -- "${io%%:*}" >"$dir/tests/$name.in"
        printf -- "${io#*:}" >"$dir/tests/$name.out"
    done
}

# cmp_case EXPECTED OUTPUT VERDICT (printf escapes)
cmp_case() {
    printf -- "$1" >"$T/expected"
    printf -- "$2" >"$T/output"
    local got
    got=$("$SUITE/judge-cmp" "$T/expected" "$T/output")
    if [ "$got" != "$3" ]; then
        echo "judge-cmp '$1' '$2': $got, expected $3" >&2
        return 1
    fi
}

@test "judge-cmp: AC up to trailing blanks and blank lines; PE other whitespace; else WA" {
    cmp_case '3\n' '3\n' AC
    cmp_case '3\n' '3' AC
    cmp_case '3' '3\n\n\n' AC
    cmp_case '3\n' '3  \r\n \n\t\n' AC
    cmp_case 'a\r\nb\r\n' 'a\nb\n' AC
    cmp_case '1 2\n' '1 2 \t\n' AC
    cmp_case '' '\n \n' AC
    cmp_case ' a\n' ' a\n' AC
    cmp_case '1\n  \n2\n' '1\n\n2\n' AC
    cmp_case '1 2\n' '1  2\n' PE
    cmp_case '1 2\n' '1\t2\n' PE
    cmp_case '1 2\n' '1\n2\n' PE
    cmp_case '  a\n' 'a\n' PE
    cmp_case 'a\n\nb\n' 'a\nb\n' PE
    cmp_case '\n\nx\n' 'x\n' PE
    cmp_case '12\n' '1 2\n' WA
    cmp_case '3\n' '4\n' WA
    cmp_case '' 'x' WA
    cmp_case 'a\n' 'a\nb\n' WA
    cmp_case 'ab' 'a' WA
    cmp_case 'a' 'ab' WA
    # errors are not verdicts
    run "$SUITE/judge-cmp" "$T/expected" "$T/missing"
    [ "$status" -eq 2 ]
    [[ "$output" == *"open $T/missing: No such file or directory"* ]]
}

@test "judge-cmp: 200 MiB outputs, and a single 200 MiB line, compared in 64 MiB of address space" {
    yes '1234567890 -98765 42' | head -c 200M >"$T/expected"
    # the same with trailing blanks on the last line and blank lines after
    { cat "$T/expected"; printf ' \t\n\n \n'; } >"$T/ac"
    # one byte changed near the end
    { head -c -3 "$T/expected"; printf '9\n\n'; } >"$T/wa"
    head -c 200M /dev/zero | tr '\0' 'x' >"$T/line"
    { cat "$T/line"; printf '   '; } >"$T/line-ac"
    { head -c 100M "$T/line"; printf ' '; tail -c 100M "$T/line"; } >"$T/line-wa"
    (
        ulimit -v 65536 # reading either file into memory would fail
        [ "$("$SUITE/judge-cmp" "$T/expected" "$T/ac")" = AC ]
        [ "$("$SUITE/judge-cmp" "$T/expected" "$T/wa")" = WA ]
        [ "$("$SUITE/judge-cmp" "$T/line" "$T/line-ac")" = AC ]
        [ "$("$SUITE/judge-cmp" "$T/line" "$T/line-wa")" = WA ]
    )
    rm -f "$T"/expected "$T"/ac "$T"/wa "$T"/line*
}

@test "a 200 MiB output judged end to end: AC" {
    problem "$T/p" "1=:"
    yes '1234567890 -98765 42' | head -c 200M >"$T/p/tests/1.out"
    # the program prints the same lines
    cat >"$T/big.c" <<'EOF'
#include <stdio.h>
#include <string.h>
int main(void)
{
    static char buf[1 << 20];
    const char *line = "1234567890 -98765 42\n";
    size_t n = strlen(line), filled = 0;
    while (filled + n <= sizeof(buf))
        memcpy(buf + filled, line, n), filled += n;
    long left = 200L << 20;
    while (left > 0) {
        size_t chunk = left < (long)filled ? (size_t)left : filled;
        fwrite(buf, 1, chunk, stdout);
        left -= chunk;
    }
    return 0;
}
EOF
    echo '{"output_kb": 262144, "cpu_ms": 5000, "wall_ms": 20000}' >"$T/p/limits.json"
    run --separate-stderr judge --json --lang c --problem "$T/p" "$T/big.c"
    [ "$status" -eq 0 ]
    [ "$(jq -r .verdict <<<"$output")" = AC ]
    rm -f "$T/p/tests/1.out"
}

@test "make demo: every language is AC for a correct A+B, each bad submission gets its verdict" {
    run bash "$SRC/hack/demo.sh"
    echo "$output"
    [ "$status" -eq 0 ]
    # the 13 submissions and their verdicts
    [ "$(grep -c ' ok$' <<<"$output")" -eq 13 ]
    for v in WA PE TLE MLE OLE RE CE; do
        grep -qE "^[a-z-]+\.$v\.[a-z]+ +[a-z]+ +$v +ok$" <<<"$output"
    done
    for l in c cpp go java js py; do
        grep -qE "^correct\.AC\.$l +[a-z]+ +AC +ok$" <<<"$output"
    done
}

@test "the demo fails when a verdict differs from the expected one" {
    # a copy of the demo with a correct program named as if it were WA
    mkdir -p "$T/src/hack/demo/submissions" "$T/src/build"
    cp "$SRC/hack/demo.sh" "$SRC/hack/judge" "$SRC/hack/judge-cmp.c" "$T/src/hack/"
    cp -r "$DEMO/aplusb" "$T/src/hack/demo/"
    rm -f "$T/src/hack/demo/aplusb/tests/4."*
    printf '1\n1 2\n' >"$T/src/hack/demo/aplusb/tests/4.in"
    printf '3\n' >"$T/src/hack/demo/aplusb/tests/4.out"
    cp "$DEMO/submissions/correct.AC.c" "$T/src/hack/demo/submissions/correct.WA.c"
    OJRUN=$OJRUN TMPDIR=$T/tmp run bash "$T/src/hack/demo.sh"
    [ "$status" -eq 1 ]
    [[ "$output" == *"correct.WA.c"*"AC   EXPECTED WA"* ]]
}

@test "--json: one object with the documented fields" {
    problem "$T/p" "1=1\n1 2\n:3\n" "2=1\n5 -7\n:-2\n"
    # (whatever the caller's umask: the judge sets its own)
    run --separate-stderr judge_umask077 --json --lang python --problem "$T/p" \
        "$DEMO/submissions/correct.AC.py"
    [ "$status" -eq 0 ]
    assert_lines 1 "$output"
    echo "$output" >"$T/r.json"
    assert_jq '.verdict == "AC" and .compile == {"verdict": "OK", "message": ""}' "$T/r.json"
    assert_jq '[.tests[].name] == ["1", "2"] and all(.tests[]; .verdict == "AC")' "$T/r.json"
    assert_jq 'all(.tests[]; [.cpu_us, .wall_us, .memory_peak_bytes, .pids_peak, .judge_us]
               | all(type == "number" and . >= 0))' "$T/r.json"
    assert_jq 'all(.tests[]; .cpu_us > 0 and .wall_us > 0 and .judge_us > .wall_us)' "$T/r.json"
}

@test "the table: every test in natural order, the overall verdict is the first failing test's" {
    # the program does what its input says
    cat >"$T/do.c" <<'EOF'
#include <stdio.h>
#include <string.h>
int main(void)
{
    char what[16] = "";
    if (scanf("%15s", what) != 1)
        return 1;
    if (!strcmp(what, "wa"))
        puts("wrong");
    else if (!strcmp(what, "tle"))
        for (volatile long i = 0;; i++)
            ;
    else if (!strcmp(what, "pe"))
        puts("ok  ok");
    else
        puts("ok ok");
    return 0;
}
EOF
    problem "$T/p" "1=ok:ok ok\n" "2=pe:ok ok\n" "10=tle:ok ok\n" "3=wa:ok ok\n"
    # a wall limit of 10 x CPU: on a busy host the default 3 x would stop
    # the loop first (276 ms of CPU in 924 ms seen at load 11 on 2 CPUs)
    echo '{"cpu_ms": 300, "wall_ms": 3000}' >"$T/p/limits.json"
    run --separate-stderr judge --lang c --problem "$T/p" "$T/do.c"
    [ "$status" -eq 0 ]
    echo "$output"
    [ "${lines[0]}" = "compile: OK" ]
    [[ "${lines[1]}" =~ ^TEST\ +VERDICT\ +CPU\ ms\ +WALL\ ms\ +PEAK\ MiB$ ]]
    [[ "${lines[2]}" =~ ^1\ +AC\ +[0-9]+\ +[0-9]+\ +[0-9.]+$ ]]
    [[ "${lines[3]}" =~ ^2\ +PE\  ]]
    [[ "${lines[4]}" =~ ^3\ +WA\  ]]
    # TLE at 300 ms of CPU or a little past it (the supervisor's last check
    # can wait for a CPU on a busy host), well before the RLIMIT_CPU backstop
    [[ "${lines[5]}" =~ ^10\ +TLE\ +[3-5][0-9][0-9]\  ]]
    [ "${lines[6]}" = "verdict: PE" ]
    assert_lines 7 "$output"
}

@test "limits.json reaches the run bundle; the wall limit defaults to 3 x CPU" {
    problem "$T/p" "1=:"
    echo '{"cpu_ms": 700, "memory_mb": 100, "output_kb": 10}' >"$T/p/limits.json"
    printf 'int main(void) { return 0; }\n' >"$T/t.c"
    run --separate-stderr judge --keep --lang c --problem "$T/p" "$T/t.c"
    [ "$status" -eq 0 ]
    local work=${stderr#judge: work directory kept: }
    [ -d "$work" ]
    assert_jq '.annotations["org.ojrun.limit.cpu-ms"] == "700"
               and .annotations["org.ojrun.limit.wall-ms"] == "2100"
               and .annotations["org.ojrun.limit.output-bytes"] == "10240"
               and .linux.resources.memory.limit == 104857600' "$work/run/config.json"
    # the compile bundle has the compile limits
    assert_jq '.annotations["org.ojrun.limit.wall-ms"] == "10000"
               and .linux.resources.memory.limit == 536870912' "$work/compile/config.json"
    rm -rf "$work"
}

@test "limits.json: unknown keys and values that are not positive integers are refused" {
    problem "$T/p" "1=:"
    printf 'int main(void) { return 0; }\n' >"$T/t.c"
    local bad
    for bad in '{"cpu-ms": 1000}' '{"cpu_ms": -1}' '{"cpu_ms": 0}' '{"wall_ms": 1.5}' \
        '{"memory_mb": "64"}' '[1]' 'nonsense'; do
        echo "$bad" >"$T/p/limits.json"
        run --separate-stderr judge --lang c --problem "$T/p" "$T/t.c"
        [ "$status" -eq 1 ] || { echo "accepted $bad" >&2; return 1; }
        [[ "$stderr" == "judge: $T/p/limits.json: "* ]]
    done
}

@test "CE: the compiler's message, cut to 4096 bytes; no test runs" {
    problem "$T/p" "1=:"
    for i in $(seq 500); do echo "int f$i(void) { return undeclared_$i; }"; done >"$T/ce.c"
    run --separate-stderr judge --json --lang c --problem "$T/p" "$T/ce.c"
    [ "$status" -eq 0 ]
    echo "$output" >"$T/r.json"
    assert_jq '.verdict == "CE" and .compile.verdict == "CE" and .tests == []' "$T/r.json"
    assert_jq '.compile.message | test("undeclared_1")' "$T/r.json"
    assert_jq '.compile.message | test("\\[\\.\\.\\. [0-9]+ bytes in all\\]$")' "$T/r.json"
    assert_jq '.compile.message | length < 4200' "$T/r.json"
    # the table shows its first lines
    run --separate-stderr judge --lang c --problem "$T/p" "$T/ce.c"
    [ "${lines[0]}" = "compile: CE" ]
    [[ "${lines[1]}" == "  | /box/main.c: In function"* ]]
    [ "${lines[-1]}" = "verdict: CE" ]
}

# fake_ojrun SCRIPT: $T/bin/ojrun runs SCRIPT (bash, with "$@" the ojrun
# arguments and $real the real ojrun) -- to make the runtime fail on purpose
fake_ojrun() {
    mkdir -p "$T/bin"
    { echo '#!/usr/bin/env bash'; echo "real=$OJRUN"; echo "T=$T"; echo "$1"; } >"$T/bin/ojrun"
    chmod +x "$T/bin/ojrun"
}

@test "SE: a failing runtime is retried once; a second failure is SE, not the contestant's fault" {
    problem "$T/p" "1=1\n1 2\n:3\n" "2=1\n2 2\n:4\n"
    # the first create of test 1 fails, everything else works
    fake_ojrun '
for a in "$@"; do
    if [[ "$a" == *-t1 ]] && [ ! -e "$T/failed-once" ]; then
        touch "$T/failed-once"; echo "ojrun: create: injected failure" >&2; exit 1
    fi
done
exec "$real" "$@"'
    OJRUN=$T/bin/ojrun run --separate-stderr judge --json --lang c --problem "$T/p" \
        "$DEMO/submissions/correct.AC.c"
    [ "$status" -eq 0 ]
    [ "$(jq -r .verdict <<<"$output")" = AC ]
    [[ "$stderr" == *"test 1: SE (ojrun: create: injected failure), retrying"* ]]
    # now test 2 fails at start, every time
    rm "$T/failed-once"
    fake_ojrun '
if [ "$3" = start ] && [[ "$4" == *-t2* ]]; then echo "ojrun: start: injected" >&2; exit 1; fi
exec "$real" "$@"'
    OJRUN=$T/bin/ojrun run --separate-stderr judge --json --lang c --problem "$T/p" \
        "$DEMO/submissions/correct.AC.c"
    [ "$status" -eq 0 ]
    echo "$output" >"$T/r.json"
    assert_jq '.verdict == "SE" and [.tests[].verdict] == ["AC", "SE"]' "$T/r.json"
    [ "$(grep -c '^judge: test 2: SE (ojrun: start: injected)' <<<"$stderr")" -eq 2 ]
    [[ "$stderr" == *"test 2: SE (ojrun: start: injected), retrying"* ]]
    # the shim's own SE (its error is read from the result), and a result of
    # an unknown version
    fake_ojrun '
if [ "$3" = wait ] && [[ "$4" == *-t1* ]]; then
    "$real" "$@" >/dev/null
    echo "{\"version\":1,\"verdict\":\"SE\",\"cpu_us\":0,\"wall_us\":0,"\
"\"memory_peak_bytes\":0,\"pids_peak\":0,\"error\":\"init died: injected\"}"
    exit 0
fi
if [ "$3" = wait ] && [[ "$4" == *-t2* ]]; then
    "$real" "$@" | sed "s/\"version\":1/\"version\":2/"
    exit 0
fi
exec "$real" "$@"'
    OJRUN=$T/bin/ojrun run --separate-stderr judge --json --lang c --problem "$T/p" \
        "$DEMO/submissions/correct.AC.c"
    [ "$status" -eq 0 ]
    echo "$output" >"$T/r.json"
    assert_jq '.verdict == "SE" and [.tests[].verdict] == ["SE", "SE"]' "$T/r.json"
    [ "$(grep -c '^judge: test 1: SE (init died: injected)' <<<"$stderr")" -eq 2 ]
    [ "$(grep -c '^judge: test 2: SE (bad result: .*result version 2, want 1)' \
        <<<"$stderr")" -eq 2 ]
}

@test "usage errors exit 2, a problem the judge cannot use exits 1" {
    problem "$T/p" "1=:"
    local src=$DEMO/submissions/correct.AC.c
    run judge --problem "$T/p" "$src"
    [ "$status" -eq 2 ]
    [[ "$output" == *"--lang is required"* ]]
    run judge --lang fortran --problem "$T/p" "$src"
    [ "$status" -eq 2 ]
    [[ "$output" == *"--lang fortran: use c, cpp"* ]]
    run judge --lang c --problem "$T/p"
    [ "$status" -eq 2 ]
    [[ "$output" == *"SOURCE is required"* ]]
    run judge --lang c --problem "$T/p" --prebuilt "$T" "$src"
    [ "$status" -eq 2 ]
    [[ "$output" == *"exclude each other"* ]]
    run judge --lang c --problem "$T/p" --bogus "$src"
    [ "$status" -eq 2 ]
    [[ "$output" == *"unknown option --bogus"* ]]
    run judge --lang c --problem "$T/nope" "$src"
    [ "$status" -eq 1 ]
    [[ "$output" == *"$T/nope/tests: no such directory"* ]]
    rm "$T/p/tests/1.out"
    run judge --lang c --problem "$T/p" "$src"
    [ "$status" -eq 1 ]
    [[ "$output" == *"tests/1.in has no 1.out"* ]]
    run "$JUDGE" --help
    [ "$status" -eq 0 ]
    [[ "$output" == Usage:* ]]
}

@test "terminated in the middle of a test, the judge kills and removes the task" {
    problem "$T/p" "1=:"
    echo '{"cpu_ms": 30000, "wall_ms": 60000}' >"$T/p/limits.json"
    printf '#include <unistd.h>\nint main(void) { for (;;) pause(); }\n' >"$T/sleep.c"
    TMPDIR=$T/tmp "$JUDGE" --id "$ID" --root "$T/state" --lang c --problem "$T/p" "$T/sleep.c" \
        >"$T/out" 2>&1 &
    local pid=$! i
    for i in $(seq 200); do
        [ "$("$OJRUN" --root "$T/state" state "$ID-t1" 2>/dev/null | jq -r .status)" = running ] &&
            break
        sleep 0.05
    done
    local init
    init=$("$OJRUN" --root "$T/state" state "$ID-t1" | jq .pid)
    # (SIGTERM: a background job ignores SIGINT; Ctrl-C works the same way)
    kill -TERM "$pid"
    local rc=0
    wait "$pid" || rc=$?
    [ "$rc" -eq 143 ]
    [ ! -e "/proc/$init" ] || [ "$(awk '{print $3}' "/proc/$init/stat")" = Z ]
    [ -z "$(ls -A "$T/state" | grep -vx seccomp-cache)" ]
    [ -z "$(grep -l ":/ojrun/$ID" /proc/[0-9]*/cgroup 2>/dev/null)" ]
}
