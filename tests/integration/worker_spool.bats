#!/usr/bin/env bats
# ojrun-worker with its spool source (specs/worker-protocol.md, "The
# spool"): the demo submissions judged with the verdicts and scores in
# their names; poison files dead-lettered to failed/ with one-line reasons
# while the worker goes on; a worker SIGKILLed mid-run and restarted judges
# every submission exactly once and leaves no container, cgroup or state;
# SIGTERM drains within --drain-seconds and exits 0.

load helpers

SRC=${OJRUN_SRC:-$BATS_TEST_DIRNAME/../..}
DEMO=$SRC/hack/demo

setup_file() {
    # bundles and boxes must be searchable by the container's root (host
    # uid 100000): a 0711 tree under /tmp, as judge.bats
    SUITE=$(mktemp -d /tmp/ojrun-workertest.XXXXXX)
    chmod 0711 "$SUITE"
    export SUITE
    WORKER=${OJRUN_WORKER:-$(dirname "$OJRUN")/ojrun-worker}
    export WORKER
    # the demo's large tests are generated (hack/demo.sh does the same)
    [ -s "$DEMO/aplusb/tests/4.out" ] || python3 "$DEMO/aplusb/gen-large.py"
    [ -s "$DEMO/pairsum/tests/4.out" ] || python3 "$DEMO/pairsum/gen-large.py"
    # --problems: the five demo problems (hack/demo also holds submissions/)
    mkdir "$SUITE/problems"
    local p
    for p in aplusb circle derangement guess pairsum; do
        ln -s "$(cd "$DEMO/$p" && pwd)" "$SUITE/problems/$p"
    done
}

teardown_file() {
    rm -rf "$SUITE"
}

setup() {
    T=$SUITE/t$BATS_TEST_NUMBER
    mkdir -m 0711 "$T"
    SPOOL=$T/spool
    ROOT=$T/root
    mkdir -p "$SPOOL/in"
    WPID=
}

teardown() {
    # a worker a failed test left running: stop it by its pid
    if [ -n "$WPID" ] && kill -0 "$WPID" 2>/dev/null; then
        kill -KILL "$WPID" 2>/dev/null || true
        wait "$WPID" 2>/dev/null || true
    fi
    no_leftovers
}

# no container, cgroup, state or work directory of this test's workers
no_leftovers() {
    local left
    left=$(cgroup_leftovers "/ojrun/$P-w-*")
    [ -z "$left" ] || { echo "cgroups left: $left" >&2; return 1; }
    if [ -d "$ROOT" ]; then
        left=$("$OJRUN" --root "$ROOT" list -q)
        [ -z "$left" ] || { echo "containers left: $left" >&2; return 1; }
        left=$(find "$ROOT" -mindepth 1 -maxdepth 1 -type d ! -name seccomp-cache)
        [ -z "$left" ] || { echo "state left: $left" >&2; return 1; }
    fi
    if [ -d "$ROOT.work" ]; then
        # the engine's cache of compiled checkers stays, by design
        left=$(ls -A "$ROOT.work" | grep -vx cache || true)
        [ -z "$left" ] || { echo "work dir left: $left" >&2; return 1; }
    fi
}

# start_worker [OPTIONS...]: ojrun-worker on $SPOOL in the background,
# JSON log lines to $T/log.N (N counts the starts); $WPID its pid
start_worker() {
    STARTS=$((${STARTS:-0} + 1))
    LOG=$T/log.$STARTS
    "$WORKER" --spool "$SPOOL" --problems "$SUITE/problems" --root "$ROOT" --slots 2 \
        --id-prefix "$P-w" --log-format json "$@" 2>"$LOG" &
    WPID=$!
}

# stop_worker: SIGTERM and its exit status in $STATUS
stop_worker() {
    kill -TERM "$WPID"
    STATUS=0
    wait "$WPID" || STATUS=$?
    WPID=
}

# wait_for SECONDS COMMAND...: poll COMMAND every 0.1 s
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        if [ $SECONDS -ge $deadline ]; then
            echo "timed out waiting for: $*" >&2
            return 1
        fi
        sleep 0.1
    done
}

has_container() { [ -n "$("$OJRUN" --root "$ROOT" list -q)" ]; }

count() { # DIR: files in it (not hidden)
    find "$1" -mindepth 1 -maxdepth 1 -name '[!.]*' | wc -l
}
count_is() { [ "$(count "$1")" -eq "$2" ]; }
# settled N: N submissions have a result or a dead letter (so a wrong
# outcome fails at once instead of waiting for the timeout)
settled() {
    local dead
    dead=$(find "$SPOOL/failed" -mindepth 1 -maxdepth 1 -name '*.reason' 2>/dev/null | wc -l)
    [ $(($(count "$SPOOL/out") + dead)) -ge "$1" ]
}
count_at_least() { [ "$(count "$1")" -ge "$2" ]; }

lang_of() {
    case $1 in
    c) echo c ;; cpp) echo cpp ;; py) echo python ;; java) echo java ;;
    go) echo go ;; js) echo javascript ;;
    esac
}

# submit ID PROBLEM LANG FILE [JQ-EXTRA]: a submission into in/, written
# beside it and renamed in (the spool's rule for writers)
submit() {
    local id=$1 problem=$2 lang=$3 file=$4 extra=${5:-.}
    jq -n --arg id "$id" --arg p "$problem" --arg l "$lang" --rawfile s "$file" \
        '{version: 1, submission_id: $id, problem_id: $p, language: $l, source: $s}' |
        jq "$extra" >"$SPOOL/in/.$id.tmp"
    mv "$SPOOL/in/.$id.tmp" "$SPOOL/in/$id.json"
}

# raw NAME TEXT: a file into in/ as it is
raw() {
    printf '%s' "$2" >"$SPOOL/in/.$1.tmp"
    mv "$SPOOL/in/.$1.tmp" "$SPOOL/in/$1.json"
}

# compile_timed_out FILE: the result is a CE because the compile ran out of
# time -- what g++ does on two cores at a load of 10 (the compile limits are
# the templates', 10 s; the worker has nothing to do with them)
compile_timed_out() {
    jq -e '.verdict == "CE" and (.compile.message | test("time limit exceeded"))' "$1" >/dev/null
}

@test "worker --spool: the demo submissions get the verdicts and scores of their names" {
    declare -A want_verdict want_score src_of lang_of_id problem_of
    local n=0 problem sub file parts id
    for problem in aplusb circle derangement guess pairsum; do
        local dir=$DEMO/$problem/submissions
        [ "$problem" = aplusb ] && dir=$DEMO/submissions
        for sub in "$dir"/*; do
            file=$(basename "$sub")
            IFS=. read -r -a parts <<<"$file"
            id=$problem-${parts[0]}-${parts[-1]}
            submit "$id" "$problem" "$(lang_of "${parts[-1]}")" "$sub"
            want_verdict[$id]=${parts[1]}
            [ ${#parts[@]} -lt 4 ] || want_score[$id]=${parts[2]}
            src_of[$id]=$sub problem_of[$id]=$problem lang_of_id[$id]=$(lang_of "${parts[-1]}")
            n=$((n + 1))
        done
    done
    [ "$n" -ge 27 ]
    start_worker
    wait_for 1200 settled "$n"
    # a compile that ran out of time under the machine's load is submitted
    # again, at most twice, under a new id ("<id>.r1", "<id>.r2"); the
    # verdict that counts is the last one's
    declare -A final
    for id in "${!want_verdict[@]}"; do final[$id]=$SPOOL/out/$id.json; done
    local round
    for round in 1 2; do
        local again=()
        for id in "${!want_verdict[@]}"; do
            if [ "${want_verdict[$id]}" != CE ] && [ -f "${final[$id]}" ] &&
                compile_timed_out "${final[$id]}"; then
                again+=("$id")
            fi
        done
        [ ${#again[@]} -gt 0 ] || break
        echo "# compile timed out under load, submitted again: ${again[*]}" >&3
        for id in "${again[@]}"; do
            submit "$id.r$round" "${problem_of[$id]}" "${lang_of_id[$id]}" "${src_of[$id]}"
            final[$id]=$SPOOL/out/$id.r$round.json
            n=$((n + 1))
        done
        wait_for 600 settled "$n"
    done
    stop_worker
    [ "$STATUS" -eq 0 ]
    local bad=0 got score f
    for id in "${!want_verdict[@]}"; do
        f=${final[$id]}
        got=$(jq -r .verdict "$f")
        score=$(jq -r .score "$f")
        if [ "$got" != "${want_verdict[$id]}" ] ||
            { [ -n "${want_score[$id]:-}" ] && [ "$score" != "${want_score[$id]}" ]; }; then
            echo "$id: got $got score $score, want ${want_verdict[$id]} ${want_score[$id]:-}" >&2
            jq -c '{compile, tests: [.tests[] | {name, verdict, cpu_us, wall_us, message}]}' \
                "$f" >&2
            bad=1
        fi
        # the result's envelope: its id, the attempt, the worker's timings
        assert_jq ".submission_id == \"$(basename "$f" .json)\" and .attempt == 1 and
                   .worker.redelivered == false and (.worker.judge_ms | type) == \"number\"" "$f"
    done
    [ "$bad" -eq 0 ]
    # progress: one event per judged test, the shim's accounting in it
    local id1=aplusb-correct-c
    [ "$(wc -l <"$SPOOL/progress/$id1.jsonl")" -eq "$(jq '.tests | length' "$SPOOL/out/$id1.json")" ]
    assert_jq 'select(.type == "progress") | .submission_id == "aplusb-correct-c" and .verdict == "AC"
               and (.cpu_us | type) == "number" and .total == 4' "$SPOOL/progress/$id1.jsonl"
    [ "$(count "$SPOOL/in")" -eq 0 ] && [ "$(count "$SPOOL/work")" -eq 0 ]
    [ "$(count "$SPOOL/failed")" -eq 0 ]
}

@test "worker --spool: poison files go to failed/ with a one-line reason; the worker goes on" {
    local ok=$DEMO/submissions/correct.AC.c
    raw not-json 'int main() {}'
    raw array '[1, 2]'
    raw no-id '{"problem_id": "aplusb", "language": "c", "source": ""}'
    raw wrong-type '{"submission_id": "p1", "problem_id": "aplusb", "language": "c", "source": 42}'
    submit p2 aplusb cobol "$ok"
    submit p3 no-such-problem c "$ok"
    submit p4 aplusb c "$ok" '.source += ("x" * 200)'
    submit p5 aplusb c "$ok" '.limits = {cpu_ms: 999999}'
    submit p6 aplusb c "$ok" '.limits = {cpu: 1}'
    submit p7 aplusb c "$ok" '.version = 9'
    submit good aplusb c "$ok"
    start_worker --max-source-bytes 500
    wait_for 300 settled 11
    stop_worker
    [ "$STATUS" -eq 0 ]
    [ "$(count "$SPOOL/failed")" -eq 20 ]
    assert_jq '.verdict == "AC"' "$SPOOL/out/good.json"
    reason() { cat "$SPOOL/failed/$1.reason"; }
    [[ "$(reason not-json)" == "message: invalid JSON: "* ]]
    [ "$(reason array)" = "message: expected a JSON object" ]
    [ "$(reason no-id)" = "submission_id: missing" ]
    [ "$(reason wrong-type)" = "source: expected a string" ]
    [ "$(reason p2)" = 'language: "cobol" is not served here (c, cpp, go, java, javascript, python)' ]
    [ "$(reason p3)" = "problem_id: no problem \"no-such-problem\" in $SUITE/problems" ]
    [[ "$(reason p4)" == "source: "*" bytes, more than the limit of 500" ]]
    [ "$(reason p5)" = "limits.cpu_ms: 999999 is above the problem's 3000 for c" ]
    [ "$(reason p6)" = "limits.cpu: unknown limit (cpu_ms, wall_ms, memory_mb)" ]
    [ "$(reason p7)" = "version: 9 is not supported (this worker reads version 1)" ]
    # every reason is one line; the messages themselves are kept beside them
    local f
    for f in "$SPOOL"/failed/*.reason; do
        [ "$(wc -l <"$f")" -eq 1 ]
        [ -f "${f%.reason}.json" ]
    done
    # each was logged as dead-lettered, and none crashed the worker
    [ "$(grep -c '"msg":"dead-lettered: ' "$LOG")" -eq 10 ]
    [ "$(count "$SPOOL/in")" -eq 0 ] && [ "$(count "$SPOOL/work")" -eq 0 ]
}

@test "worker --spool: SIGKILL mid-run, restart: one result per submission, judged once, nothing left" {
    local ac=$DEMO/submissions/correct.AC.c wa=$DEMO/submissions/int-overflow.WA.c i
    for i in $(seq 1 8); do
        if [ $((i % 2)) -eq 0 ]; then submit "k$i" aplusb c "$wa"; else submit "k$i" aplusb c "$ac"; fi
    done
    start_worker
    # mid-run: some results out, some claimed and being judged
    wait_for 600 count_at_least "$SPOOL/out" 2
    wait_for 60 count_at_least "$SPOOL/work" 1
    kill -KILL "$WPID"
    wait "$WPID" || true
    WPID=
    local claimed
    claimed=$(count "$SPOOL/work")
    [ "$claimed" -ge 1 ]
    start_worker
    wait_for 600 settled 8
    stop_worker
    [ "$STATUS" -eq 0 ]
    # the restart took the killed worker's claims first, as redeliveries
    grep -q "left in work/ by a stopped worker" "$T/log.2"
    for i in $(seq 1 8); do
        local want=AC
        [ $((i % 2)) -eq 0 ] && want=WA
        assert_jq ".submission_id == \"k$i\" and .verdict == \"$want\"" "$SPOOL/out/k$i.json"
        # never judged to a result twice: at most one "VERDICT in N ms" line
        # in both logs (none only if the kill fell between the result and
        # its log line)
        local n
        n=$(cat "$T/log.1" "$T/log.2" | jq -r "select(.submission_id == \"k$i\") | .msg" |
            grep -cE '^(AC|WA) in [0-9]+ ms' || true)
        [ "$n" -le 1 ] || { echo "k$i judged to a result $n times" >&2; return 1; }
    done
    [ "$(count "$SPOOL/in")" -eq 0 ] && [ "$(count "$SPOOL/work")" -eq 0 ]
    [ "$(count "$SPOOL/failed")" -eq 0 ]
    no_leftovers
}

@test "worker --spool: SIGTERM lets a judging finish, exits 0" {
    submit d1 aplusb c "$DEMO/submissions/correct.AC.c"
    start_worker --drain-seconds 300
    wait_for 120 count_is "$SPOOL/work" 1
    stop_worker
    [ "$STATUS" -eq 0 ]
    # finished within the drain, not handed back
    assert_jq '.verdict == "AC"' "$SPOOL/out/d1.json"
    [ "$(count "$SPOOL/in")" -eq 0 ] && [ "$(count "$SPOOL/work")" -eq 0 ]
    grep -q '"msg":"signal 15: taking no more' "$LOG"
}

@test "worker --spool: SIGTERM past --drain-seconds hands the judging back and exits 0 in time" {
    # four tests that each burn the 3 s CPU limit: far longer than the drain
    cat >"$T/spin.c" <<'EOF'
int main(void) { for (volatile unsigned long i = 0;; i++) ; }
EOF
    submit slow aplusb c "$T/spin.c"
    start_worker --drain-seconds 1
    wait_for 120 count_is "$SPOOL/work" 1
    # a task of it runs (the compile or a test)
    wait_for 120 has_container
    local t0=$SECONDS
    stop_worker
    local took=$((SECONDS - t0))
    [ "$STATUS" -eq 0 ]
    # 1 s of drain, then the cancel: well under the 12 s the tests need
    [ "$took" -le 8 ] || { echo "exit took ${took}s" >&2; return 1; }
    # handed back unjudged, as it was (attempt 1), for the next worker
    [ -f "$SPOOL/in/slow.json" ]
    [ ! -e "$SPOOL/out/slow.json" ]
    [ "$(count "$SPOOL/work")" -eq 0 ]
    grep -q '"msg":"handed back unjudged"' "$LOG"
    no_leftovers
}

@test "worker: bad options and a second worker on one root are refused with one line" {
    run --separate-stderr "$WORKER" --problems "$SUITE/problems"
    [ "$status" -eq 2 ]
    [[ "$stderr" == "ojrun-worker: no source: give --spool DIR, or --amqp URL"* ]]
    run --separate-stderr "$WORKER" --spool "$SPOOL" --problems "$SUITE/problems" --slots x
    [ "$status" -eq 2 ]
    [ "${stderr_lines[0]}" = 'ojrun-worker: --slots: expected a number in 1..1024, not "x"' ]
    start_worker
    wait_for 60 grep -q '"msg":"serving spool' "$LOG"
    run --separate-stderr "$WORKER" --spool "$T/other" --problems "$SUITE/problems" --root "$ROOT"
    [ "$status" -eq 1 ]
    [ "$stderr" = "ojrun-worker: error: --root $ROOT: in use by another worker ($ROOT/.ojrun-worker.lock is locked)" ]
    run --separate-stderr "$WORKER" --spool "$SPOOL" --problems "$SUITE/problems" --root "$T/root2"
    [ "$status" -eq 1 ]
    [ "$stderr" = "ojrun-worker: error: spool $SPOOL: in use by another worker ($SPOOL/.lock is locked)" ]
    stop_worker
    [ "$STATUS" -eq 0 ]
    rm -rf "$T/root2" "$T/root2.work" "$T/other"
}
