#!/usr/bin/env bats
# The reference judge, hack/judge (specs/judge-templates.md, "Reference
# judge"), and the judging core it calls (worker/judge/ through
# ojrun-judge-tool, specs/problem-format.md): its output checkers, verdicts,
# report formats, limits, retries on SE, errors and cleanup; custom
# checkers, interactive problems, groups with points, time factors.  The
# hostile submissions are in hostile.bats.

load helpers

SRC=${OJRUN_SRC:-$BATS_TEST_DIRNAME/../..}
JUDGE=$SRC/hack/judge
DEMO=$SRC/hack/demo

setup_file() {
    # bundles must be searchable by the container's root (host uid 100000)
    SUITE=$(mktemp -d /tmp/ojrun-judgetest.XXXXXX)
    chmod 0711 "$SUITE"
    export SUITE
    # the judging core's tool, beside the ojrun under test
    TOOL=${OJRUN_JUDGE_TOOL:-$(dirname "$OJRUN")/ojrun-judge-tool}
    export TOOL
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
    TMPDIR=$T/tmp OJRUN_JUDGE_CACHE=$SUITE/cache OJRUN_JUDGE_TOOL=$TOOL "$JUDGE" --id "$ID" "$@"
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

# check CHECKER ANSWER OUTPUT: the verdict of a built-in checker
check() {
    "$TOOL" check "$@" | head -n 1
}

# cmp_case EXPECTED OUTPUT VERDICT (printf escapes): the lines checker
cmp_case() {
    printf -- "$1" >"$T/expected"
    printf -- "$2" >"$T/output"
    local got
    got=$(check lines "$T/expected" "$T/output")
    if [ "$got" != "$3" ]; then
        echo "check lines '$1' '$2': $got, expected $3" >&2
        return 1
    fi
}

@test "checker lines: AC up to trailing blanks and blank lines; PE other whitespace; else WA" {
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
    run "$TOOL" check lines "$T/expected" "$T/missing"
    [ "$status" -eq 1 ]
    [ "$output" = "ojrun-judge-tool: open the output $T/missing: No such file or directory" ]
}

@test "the checkers: 200 MiB outputs, and a single 200 MiB line, compared in 64 MiB of address space" {
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
        [ "$(check lines "$T/expected" "$T/ac")" = AC ]
        [ "$(check lines "$T/expected" "$T/wa")" = WA ]
        [ "$(check lines "$T/line" "$T/line-ac")" = AC ]
        [ "$(check lines "$T/line" "$T/line-wa")" = WA ]
        [ "$(check tokens "$T/expected" "$T/ac")" = AC ]
        [ "$(check tokens "$T/expected" "$T/wa")" = WA ]
        [ "$(check tokens "$T/line" "$T/line-ac")" = AC ]
        [ "$(check tokens "$T/line" "$T/line-wa")" = WA ]
        [ "$(check float:1e-6 "$T/expected" "$T/ac")" = AC ]
        [ "$(check float:1e-6 "$T/expected" "$T/wa")" = WA ]
        [ "$(check float:1e-6 "$T/line" "$T/line-wa")" = WA ]
        [ "$(check exact "$T/expected" "$T/expected")" = AC ]
        [ "$(check exact "$T/expected" "$T/ac")" = WA ]
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
    # A+B: the 13 submissions and their verdicts
    [ "$(grep -c '^aplusb .* ok$' <<<"$output")" -eq 13 ]
    for v in WA PE TLE MLE OLE RE CE; do
        grep -qE "^aplusb +[a-z-]+\.$v\.[a-z]+ +[a-z]+ +$v +ok$" <<<"$output"
    done
    for l in c cpp go java js py; do
        grep -qE "^aplusb +correct\.AC\.$l +[a-z]+ +AC +ok$" <<<"$output"
    done
    # the float, custom-checker, interactive and subtask problems, with scores
    [ "$(grep -cE '^(circle|derangement|guess|pairsum) .* ok$' <<<"$output")" -eq 14 ]
    grep -qE '^circle +plus-1e-9\.AC\.3\.py +python +AC +3 ok$' <<<"$output"
    grep -qE '^circle +plus-1e-3\.WA\.0\.py +python +WA +0 ok$' <<<"$output"
    grep -qE '^derangement +rotate\.AC\.3\.c +c +AC +3 ok$' <<<"$output"
    grep -qE '^guess +binary-search\.AC\.100\.c +c +AC +100 ok$' <<<"$output"
    grep -qE '^guess +linear-scan\.WA\.0\.c +c +WA +0 ok$' <<<"$output"
    grep -qE '^guess +never-answers\.WLE\.0\.py +python +WLE +0 ok$' <<<"$output"
    grep -qE '^pairsum +brute\.TLE\.30\.py +python +TLE +30 ok$' <<<"$output"
    [ "$(grep -c ' ok$' <<<"$output")" -eq 27 ]
}

@test "the demo fails when a verdict differs from the expected one" {
    # a copy of the demo with a correct program named as if it were WA
    mkdir -p "$T/src/hack/demo/submissions" "$T/src/build"
    cp "$SRC/hack/demo.sh" "$SRC/hack/judge" "$T/src/hack/"
    cp -r "$DEMO/aplusb" "$T/src/hack/demo/"
    rm -f "$T/src/hack/demo/aplusb/tests/4."*
    printf '1\n1 2\n' >"$T/src/hack/demo/aplusb/tests/4.in"
    printf '3\n' >"$T/src/hack/demo/aplusb/tests/4.out"
    cp "$DEMO/submissions/correct.AC.c" "$T/src/hack/demo/submissions/correct.WA.c"
    OJRUN=$OJRUN OJRUN_JUDGE_TOOL=$TOOL TMPDIR=$T/tmp run bash "$T/src/hack/demo.sh"
    [ "$status" -eq 1 ]
    grep -qE '^aplusb +correct\.WA\.c +c +AC +EXPECTED WA$' <<<"$output"
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
    [ "${lines[6]}" = "score: 1 / 4" ]
    [ "${lines[7]}" = "verdict: PE" ]
    assert_lines 8 "$output"
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
        [[ "$stderr" == "judge: problem $T/p: limits.json: "* ]]
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

@test "SE: a failing runtime is retried once; a second failure is SE, not the contestant's fault" {
    problem "$T/p" "1=1\n1 2\n:3\n" "2=1\n2 2\n:4\n"
    # Task ids are <id>-<n> in the order the tasks start (one slot): the
    # compile task is -1, test 1 -2.  A container state directory already
    # there for an id makes that create fail, as a broken runtime would.
    mkdir -p "$T/state/$ID-2"
    run --separate-stderr judge --root "$T/state" --json --lang c --problem "$T/p" \
        "$DEMO/submissions/correct.AC.c"
    [ "$status" -eq 0 ]
    echo "$output" "$stderr"
    [ "$(jq -r .verdict <<<"$output")" = AC ]
    [ "$(jq -r '.tests[0].attempts' <<<"$output")" = 2 ]
    [[ "$stderr" == *"test 1: SE (container \"$ID-2\" already exists: File exists), retrying"* ]]
    # now test 2 (-3 after test 1's -2) fails twice (-3, then -4)
    rm -rf "$T/state"
    mkdir -p "$T/state/$ID-3" "$T/state/$ID-4"
    run --separate-stderr judge --root "$T/state" --json --lang c --problem "$T/p" \
        "$DEMO/submissions/correct.AC.c"
    [ "$status" -eq 0 ]
    echo "$output" >"$T/r.json"
    assert_jq '.verdict == "SE" and [.tests[].verdict] == ["AC", "SE"]' "$T/r.json"
    assert_jq '.tests[1].message == "container \"'"$ID"'-4\" already exists: File exists"' \
        "$T/r.json"
    [ "$(grep -c "^judge: test 2: SE (container" <<<"$stderr")" -eq 2 ]
    [[ "$stderr" == *"test 2: SE (container \"$ID-3\" already exists: File exists), retrying"* ]]
    rm -rf "$T/state"
}

@test "SE: a task's supervisor killed mid-test is SE, retried; its container is deleted" {
    problem "$T/p" "1=:done\n"
    echo '{"cpu_ms": 5000, "wall_ms": 20000}' >"$T/p/limits.json"
    printf '#include <stdio.h>\n#include <unistd.h>\nint main(void) { sleep(2); puts("done"); return 0; }\n' \
        >"$T/slow.c"
    TMPDIR=$T/tmp OJRUN_JUDGE_CACHE=$SUITE/cache "$JUDGE" --id "$ID" --root "$T/state" --json \
        --lang c --problem "$T/p" "$T/slow.c" >"$T/r.json" 2>"$T/err" &
    local pid=$! i sup
    for i in $(seq 200); do
        [ "$("$OJRUN" --root "$T/state" state "$ID-2" 2>/dev/null | jq -r .status)" = running ] &&
            break
        sleep 0.05
    done
    # the judge's one child is the supervisor of test 1's task
    sup=$(pgrep -P "$pid")
    [ "$(wc -w <<<"$sup")" -eq 1 ]
    kill -KILL "$sup"
    wait "$pid"
    cat "$T/err" "$T/r.json"
    assert_jq '.verdict == "AC" and .tests[0].attempts == 2' "$T/r.json"
    grep -q "^judge: test 1: SE (the task's supervisor was killed by SIGKILL), retrying" "$T/err"
    [ -z "$(ls -A "$T/state" | grep -vx seccomp-cache)" ]
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
    [[ "$output" == *"problem $T/nope: open $T/nope/tests: No such file or directory"* ]]
    rm "$T/p/tests/1.out"
    run judge --lang c --problem "$T/p" "$src"
    [ "$status" -eq 1 ]
    [ "$output" = "judge: problem $T/p: tests/1.in has no 1.out" ]
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
        # (the compile task is $ID-1, test 1's $ID-2)
        [ "$("$OJRUN" --root "$T/state" state "$ID-2" 2>/dev/null | jq -r .status)" = running ] &&
            break
        sleep 0.05
    done
    local init
    init=$("$OJRUN" --root "$T/state" state "$ID-2" | jq .pid)
    # (SIGTERM: a background job ignores SIGINT; Ctrl-C works the same way)
    kill -TERM "$pid"
    local rc=0
    wait "$pid" || rc=$?
    [ "$rc" -eq 143 ]
    [ ! -e "/proc/$init" ] || [ "$(awk '{print $3}' "/proc/$init/stat")" = Z ]
    [ -z "$(ls -A "$T/state" | grep -vx seccomp-cache)" ]
    [ -z "$(grep -l ":/ojrun/$ID" /proc/[0-9]*/cgroup 2>/dev/null)" ]
}

# ---------------------------------------------------------------- checkers, interactors, groups

# a custom checker whose verdict is the output's first word: ok, wa, pe,
# half (points 0.5), badpoints, broken (exit 3), crash (SIGSEGV)
write_word_checker() {
    cat >"$1/checker.c" <<'EOF'
#include <signal.h>
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv)
{
    char word[32] = "", answer[32] = "";
    FILE *out = fopen(argv[2], "r"), *ans = fopen(argv[3], "r"), *in = fopen(argv[1], "r");
    if (argc != 4 || !out || !ans || !in || fscanf(ans, "%31s", answer) != 1)
        return 3;
    if (fscanf(out, "%31s", word) != 1)
        return printf("no word\n"), 1;
    if (!strcmp(word, "ok"))
        return printf("fine, answer %s\n", answer), 0;
    if (!strcmp(word, "pe"))
        return printf("layout\n"), 2;
    if (!strcmp(word, "half"))
        return printf("points 0.5\n"), 7;
    if (!strcmp(word, "badpoints"))
        return printf("points 2\n"), 7;
    if (!strcmp(word, "broken"))
        return printf("the test is broken\n"), 3;
    if (!strcmp(word, "crash"))
        raise(SIGSEGV);
    return printf("wrong word %s\n", word), 1;
}
EOF
}

# a program printing its input's first word
write_echo() {
    printf '#include <stdio.h>\nint main(void) { char w[64]; if (scanf("%%63s", w) == 1) puts(w); return 0; }\n' >"$1"
}

@test "custom checker: AC, WA, PE, partial points, its message; its failures are SE" {
    problem "$T/p" "1=ok:x\n" "2=wa:x\n" "3=pe:x\n" "4=half:x\n" "5=broken:x\n" "6=crash:x\n" \
        "7=badpoints:x\n"
    echo '{"checker": "custom", "cpu_ms": 2000, "wall_ms": 8000}' >"$T/p/problem.json"
    write_word_checker "$T/p"
    write_echo "$T/echo.c"
    run --separate-stderr judge --json --lang c --problem "$T/p" "$T/echo.c"
    echo "$output" "$stderr"
    [ "$status" -eq 0 ]
    echo "$output" >"$T/r.json"
    assert_jq '[.tests[] | .verdict] == ["AC", "WA", "PE", "PC", "SE", "SE", "SE"]' "$T/r.json"
    assert_jq '.tests[0].message == "fine, answer x" and .tests[1].message == "wrong word wa"
               and .tests[2].message == "layout" and .tests[3].points == 0.5' "$T/r.json"
    assert_jq '.tests[4].message == "checker failed: the test is broken"' "$T/r.json"
    assert_jq '.tests[5].message == "checker: SG (SIGSEGV)"' "$T/r.json"
    assert_jq '.tests[6].message | startswith("checker: exit status 7 without")' "$T/r.json"
    # one point a test without groups: 1 + 0.5
    assert_jq '.verdict == "WA" and .score == 1.5 and .max_score == 7' "$T/r.json"
    # compiled once, cached by content
    [ "$(ls "$SUITE/cache" | grep -c '^checker-')" -ge 1 ]
}

@test "custom checker: one that does not compile refuses the problem, nothing is judged" {
    problem "$T/p" "1=ok:x\n"
    echo '{"checker": "custom"}' >"$T/p/problem.json"
    printf 'int main(void) { return syntax error; }\n' >"$T/p/checker.c"
    write_echo "$T/echo.c"
    run --separate-stderr judge --lang c --problem "$T/p" "$T/echo.c"
    [ "$status" -eq 1 ]
    [[ "$stderr" == "judge: problem $T/p: checker: checker.c does not compile (RE): "*"error"* ]]
    [ -z "$output" ]
    # no checker: refused at load
    rm "$T/p/checker.c"
    run --separate-stderr judge --lang c --problem "$T/p" "$T/echo.c"
    [ "$status" -eq 1 ]
    [ "$stderr" = "judge: problem $T/p: problem.json: checker: no checker.c or checker.cpp in the problem directory" ]
}

@test "hostile output: 1 GiB is OLE and never reaches a checker; binary garbage is WA" {
    problem "$T/p" "1=flood:x\n" "2=garbage:x\n"
    echo '{"checker": "custom", "cpu_ms": 3000, "wall_ms": 12000, "output_kb": 65536}' \
        >"$T/p/problem.json"
    write_word_checker "$T/p"
    cat >"$T/hostile.c" <<'EOF'
#include <stdio.h>
#include <string.h>
int main(void)
{
    static char buf[1 << 20];
    char what[16];
    if (scanf("%15s", what) != 1)
        return 1;
    if (!strcmp(what, "flood")) {
        memset(buf, 'x', sizeof(buf));
        for (int i = 0; i < 1024; i++) /* 1 GiB */
            fwrite(buf, 1, sizeof(buf), stdout);
        return 0;
    }
    /* 4 MiB of every byte value, NULs and lone UTF-8 bytes included */
    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (char)(i * 2654435761u >> 13);
    for (int i = 0; i < 4; i++)
        fwrite(buf, 1, sizeof(buf), stdout);
    return 0;
}
EOF
    local start=$SECONDS
    run --separate-stderr judge --json --lang c --problem "$T/p" "$T/hostile.c"
    echo "$output" "$stderr"
    [ "$status" -eq 0 ]
    echo "$output" >"$T/r.json"
    assert_jq '[.tests[].verdict] == ["OLE", "WA"]' "$T/r.json"
    assert_jq '.tests[1].message | startswith("wrong word ")' "$T/r.json"
    [ $((SECONDS - start)) -lt 120 ]
    # the built-in checkers on the same kind of garbage: WA, one-line messages
    head -c 4M /dev/urandom >"$T/garbage"
    local c
    for c in exact lines tokens float:1e-6; do
        run "$TOOL" check "$c" "$T/p/tests/1.out" "$T/garbage"
        [ "$status" -eq 0 ]
        [ "${lines[0]}" = WA ]
        [ "${#lines[@]}" -eq 2 ]
    done
}

# guess_problem DIR: the demo's guess-the-number interactor on two tests
guess_problem() {
    mkdir -p "$1/tests"
    cp "$DEMO/guess/interactor.c" "$1/"
    printf '1000000 4242\n' >"$1/tests/1.in"
    printf '1000 1000\n' >"$1/tests/2.in"
    printf 'found\n' >"$1/tests/1.out"
    printf 'found\n' >"$1/tests/2.out"
    echo '{"interactive": true, "cpu_ms": 2000, "wall_ms": 3000}' >"$1/problem.json"
}

@test "interactive: AC, WA by the query limit, WLE when both wait, per-test messages" {
    guess_problem "$T/p"
    run --separate-stderr judge --json --lang c --problem "$T/p" \
        "$DEMO/guess/submissions/binary-search.AC.100.c"
    echo "$output" "$stderr"
    [ "$status" -eq 0 ]
    echo "$output" >"$T/r.json"
    assert_jq '.verdict == "AC" and [.tests[].verdict] == ["AC", "AC"] and .score == 2' "$T/r.json"
    assert_jq '.tests[0].message | test("^found 4242 in [0-9]+ questions$")' "$T/r.json"
    run --separate-stderr judge --json --lang c --problem "$T/p" \
        "$DEMO/guess/submissions/linear-scan.WA.0.c"
    [ "$status" -eq 0 ]
    echo "$output" >"$T/r.json"
    assert_jq '[.tests[].verdict] == ["WA", "WA"]' "$T/r.json"
    assert_jq '.tests[0].message == "more than 31 questions"' "$T/r.json"
    run --separate-stderr judge --json --lang python --problem "$T/p" \
        "$DEMO/guess/submissions/never-answers.WLE.0.py"
    [ "$status" -eq 0 ]
    echo "$output" >"$T/r.json"
    cat "$T/r.json"
    # killed by the wall limit, not blamed on the interactor's WA that followed
    assert_jq '[.tests[].verdict] == ["WLE", "WLE"]' "$T/r.json"
    assert_jq 'all(.tests[]; .wall_us >= 3000000 and .cpu_us < 1000000)' "$T/r.json"
}

@test "interactive: a program spinning after the interactor's WA is WA; its own TLE stays TLE" {
    guess_problem "$T/p"
    cat >"$T/spin.c" <<'EOF'
#include <stdio.h>
int main(void)
{
    long n;
    if (scanf("%ld", &n) != 1)
        return 1;
    printf("nonsense\n"); /* the interactor says WA at once */
    fflush(stdout);
    for (volatile long i = 0;; i++)
        ;
}
EOF
    cat >"$T/tle.c" <<'EOF'
#include <stdio.h>
int main(void)
{
    long n;
    if (scanf("%ld", &n) != 1)
        return 1;
    for (volatile long i = 0;; i++) /* thinks for ever, the interactor waits */
        ;
}
EOF
    run --separate-stderr judge --json --lang c --problem "$T/p" "$T/spin.c"
    [ "$status" -eq 0 ]
    echo "$output" >"$T/r.json"
    cat "$T/r.json"
    assert_jq '[.tests[].verdict] == ["WA", "WA"]' "$T/r.json"
    # (a wall limit far past the CPU limit: on a busy host 2 s of CPU can
    # take more than 3 s of wall time, and this is about the CPU limit)
    echo '{"interactive": true, "cpu_ms": 1000, "wall_ms": 15000}' >"$T/p/problem.json"
    run --separate-stderr judge --json --lang c --problem "$T/p" "$T/tle.c"
    [ "$status" -eq 0 ]
    echo "$output" >"$T/r.json"
    cat "$T/r.json"
    assert_jq '[.tests[].verdict] == ["TLE", "TLE"]' "$T/r.json"
}

@test "interactive: an interactor that crashes or fails is SE, never the submission's fault" {
    guess_problem "$T/p"
    cat >"$T/p/interactor.c" <<'EOF'
#include <signal.h>
#include <stdio.h>
int main(int argc, char **argv)
{
    long n, x;
    FILE *in = argc == 3 ? fopen(argv[1], "r") : NULL;
    if (!in || fscanf(in, "%ld %ld", &n, &x) != 2)
        return 3;
    if (n == 1000) {
        fprintf(stderr, "cannot go on\n");
        return 3;
    }
    raise(SIGSEGV);
    return 0;
}
EOF
    run --separate-stderr judge --json --lang c --problem "$T/p" \
        "$DEMO/guess/submissions/binary-search.AC.100.c"
    echo "$output" "$stderr"
    [ "$status" -eq 0 ]
    echo "$output" >"$T/r.json"
    assert_jq '[.tests[].verdict] == ["SE", "SE"] and .verdict == "SE"' "$T/r.json"
    assert_jq '.tests[0].message == "interactor: SG (SIGSEGV)"
               and .tests[1].message == "interactor failed: cannot go on"' "$T/r.json"
    # each was tried twice (an SE is retried)
    [ "$(grep -c ': SE (interactor' <<<"$stderr")" -eq 2 ]
}

@test "groups: min rule, stop at the first failure, SKIPPED dependants, score in table and --json" {
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
    problem "$T/p" "1=ok:ok\n" "2=ok:ok\n" "3=ok:ok\n" "4=wa:ok\n" "5=ok:ok\n" "6=ok:ok\n"
    cat >"$T/p/problem.json" <<'EOF'
{"groups": [{"name": "easy", "points": 20, "tests": ["1", "2"]},
            {"name": "mid", "points": 30, "tests": ["3", "4", "5"], "depends": ["easy"]},
            {"name": "hard", "points": 50, "tests": ["6"], "depends": ["mid"]},
            {"name": "alone", "points": 7, "tests": ["6", "1"]}]}
EOF
    run --separate-stderr judge --json --lang c --problem "$T/p" "$T/do.c"
    echo "$output" "$stderr"
    [ "$status" -eq 0 ]
    echo "$output" >"$T/r.json"
    # test 5 is never run: mid stopped at 4; hard is skipped; 6 runs for "alone"
    assert_jq '[.tests[].name] == ["1", "2", "3", "4", "6"]' "$T/r.json"
    assert_jq '.verdict == "WA" and .score == 27 and .max_score == 107' "$T/r.json"
    assert_jq '[.groups[] | [.name, .score, .verdict]] ==
               [["easy", 20, "AC"], ["mid", 0, "WA"], ["hard", 0, "SKIPPED"], ["alone", 7, "AC"]]' \
        "$T/r.json"
    run --separate-stderr judge --lang c --problem "$T/p" "$T/do.c"
    [ "$status" -eq 0 ]
    echo "$output"
    grep -qE '^easy +20 +20  AC$' <<<"$output"
    grep -qE '^hard +50 +0  SKIPPED$' <<<"$output"
    [ "${lines[-2]}" = "score: 27 / 107" ]
    [ "${lines[-1]}" = "verdict: WA" ]
    # a group naming a missing test refuses the problem
    sed -i 's/"6", "1"/"6", "9"/' "$T/p/problem.json"
    run --separate-stderr judge --lang c --problem "$T/p" "$T/do.c"
    [ "$status" -eq 1 ]
    [ "$stderr" = "judge: problem $T/p: problem.json: groups[3].tests: [1]: no test \"9\" (no tests/9.in)" ]
}

@test "time_factor multiplies the CPU and wall limits of its language only" {
    problem "$T/p" "1=:"
    echo '{"cpu_ms": 700, "time_factor": {"c": 2.5, "python": 3}}' >"$T/p/problem.json"
    printf 'int main(void) { return 0; }\n' >"$T/t.c"
    run --separate-stderr judge --keep --lang c --problem "$T/p" "$T/t.c"
    [ "$status" -eq 0 ]
    local work=${stderr#judge: work directory kept: }
    assert_jq '.annotations["org.ojrun.limit.cpu-ms"] == "1750"
               and .annotations["org.ojrun.limit.wall-ms"] == "5250"' "$work/run/config.json"
    rm -rf "$work"
    run --separate-stderr judge --keep --lang cpp --problem "$T/p" "$T/t.c"
    [ "$status" -eq 0 ]
    work=${stderr#judge: work directory kept: }
    assert_jq '.annotations["org.ojrun.limit.cpu-ms"] == "700"
               and .annotations["org.ojrun.limit.wall-ms"] == "2100"' "$work/run/config.json"
    rm -rf "$work"
    # a program over the plain limit but under the multiplied one: TLE, then AC
    printf '#include <time.h>\nint main(void) { while (clock() < CLOCKS_PER_SEC * 3 / 4) ; return 0; }\n' >"$T/spin.c"
    echo '{"cpu_ms": 500, "wall_ms": 20000}' >"$T/p/problem.json"
    run --separate-stderr judge --json --lang c --problem "$T/p" "$T/spin.c"
    [ "$status" -eq 0 ]
    [ "$(jq -r .verdict <<<"$output")" = TLE ]
    echo '{"cpu_ms": 500, "wall_ms": 20000, "time_factor": {"c": 4}}' >"$T/p/problem.json"
    run --separate-stderr judge --json --lang c --problem "$T/p" "$T/spin.c"
    [ "$status" -eq 0 ]
    [ "$(jq -r .verdict <<<"$output")" = AC ]
}
