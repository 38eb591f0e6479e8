#!/usr/bin/env bats
# ojrun-worker's RabbitMQ source (worker/amqp*.c) against a real broker:
# Debian's rabbitmq-server, private to this file (tests/helpers/rabbitmq.bash),
# started once in setup_file.
#
# The first part drives the source through its contract (worker/source.h)
# with amqp-tool's fake judge (tests/helpers/amqp/amqp-tool.c `source`):
# routing, queue types, confirms and acks, dead letters, retries, broker
# restarts and killed workers, without the cost of real judging.  Each test
# uses its own names (OJ_AMQP_NS) so that what one leaves in a queue cannot
# reach the next.

load helpers

TOOL=${AMQP_TOOL:-$BATS_TEST_DIRNAME/../../${BUILD:-build}/tests/amqp-tool}

setup_file() {
    source "$BATS_TEST_DIRNAME/../helpers/rabbitmq.bash"
    [ -x "$TOOL" ] || {
        echo "amqp-tool not built: $TOOL (make helpers)" >&2
        return 1
    }
    export RMQ_BASE
    RMQ_BASE=$(mktemp -d /tmp/ojrun-rmq.XXXXXX)
    rabbitmq_start "$RMQ_BASE/broker" "$OJ_RUN_TAG" >&3 2>&1 || {
        rabbitmq_stop
        return 1
    }
    export RMQ_DIR RMQ_NODE RMQ_PORT RMQ_DIST_PORT RMQ_EPMD_PORT RMQ_URL RMQ_PID
}

teardown_file() {
    source "$BATS_TEST_DIRNAME/../helpers/rabbitmq.bash"
    rabbitmq_stop
    local rc=$?
    rm -rf "$RMQ_BASE"
    return $rc
}

setup() {
    source "$BATS_TEST_DIRNAME/../helpers/rabbitmq.bash"
    export OJ_AMQP_NS=$P
    WPIDS=()
}

# Workers still running: SIGTERM, and they must exit 0 (under the sanitizers,
# LeakSanitizer's report at exit makes it non-zero); SIGKILL after 30 s.
teardown() {
    local p i rc=0 st
    for p in "${WPIDS[@]}"; do
        kill -0 "$p" 2>/dev/null || continue
        kill -TERM "$p"
        for ((i = 0; i < 300; i++)); do
            kill -0 "$p" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$p" 2>/dev/null
        st=0
        wait "$p" || st=$?
        [ "$st" -eq 0 ] || { echo "worker $p exited $st after SIGTERM" >&2; rc=1; }
    done
    return $rc
}

# start_fake NAME SLOTS MAX_ATTEMPTS SPEC [quorum]: a fake-judge worker in the
# background, its log in $BATS_TEST_TMPDIR/NAME.log; waits until it consumes.
start_fake() {
    local name=$1 log=$BATS_TEST_TMPDIR/$1.log
    "$TOOL" "$RMQ_URL" source "$@" 2>"$log" &
    WPIDS+=($!)
    eval "PID_$name=$!"
    local i
    for ((i = 0; i < 300; i++)); do
        grep -q '\] ready' "$log" && return 0
        kill -0 "${WPIDS[-1]}" 2>/dev/null || break
        sleep 0.1
    done
    echo "worker $name did not start:" >&2
    cat "$log" >&2
    return 1
}

# results QUEUE KEY: a durable queue bound to this test's result exchange
bind_results() {
    "$TOOL" "$RMQ_URL" declare "$P.$1" "$P.results" "$2"
}

# publish KEY [EXCHANGE] [props...]: stdin lines, confirmed
publish() {
    local key=$1 ex=${2:-$P.submissions}
    shift 2 2>/dev/null || shift
    "$TOOL" "${PUB_URL:-$RMQ_URL}" publish "$ex" "$key" "$@"
}

collect() {
    "$TOOL" "$RMQ_URL" collect "$@"
}

# wait_log NAME REGEX [N]: until the worker's log has N (1) matching lines
wait_log() {
    local log=$BATS_TEST_TMPDIR/$1.log n=${3:-1} i
    for ((i = 0; i < 600; i++)); do
        (($(grep -cE "$2" "$log") >= n)) && return 0
        sleep 0.1
    done
    echo "$1: no $n lines matching '$2' in 60 s:" >&2
    cat "$log" >&2
    return 1
}

stop_worker() { # NAME: SIGTERM, wait (bounded), expect exit 0
    local pid_var=PID_$1 i
    local pid=${!pid_var}
    kill -TERM "$pid"
    for ((i = 0; i < 300; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    wait "$pid"
}

@test "amqp source: per-language routing: a python-only worker never gets C" {
    start_fake wc 2 3 lang=c,cpp
    start_fake wpy 2 3 lang=python
    bind_results res 'result.#'
    for i in $(seq 1 6); do echo "{\"submission_id\":\"c$i\"}"; done | publish c
    for i in $(seq 1 6); do echo "{\"submission_id\":\"p$i\"}"; done | publish python
    for i in $(seq 1 3); do echo "{\"submission_id\":\"x$i\"}"; done | publish cpp
    run --separate-stderr collect "$P.res" 15 60
    [ "$status" -eq 0 ] || { echo "$stderr"; false; }
    echo "$output" | jq -c .body
    # every C and C++ submission judged by wc, every Python one by wpy
    [ "$(echo "$output" | jq -r 'select(.body.submission_id|test("^[cx]")) | .body.worker' | sort -u)" = wc ]
    [ "$(echo "$output" | jq -r 'select(.body.submission_id|test("^p")) | .body.worker' | sort -u)" = wpy ]
    [ "$(echo "$output" | jq -r .body.submission_id | sort -u | wc -l)" -eq 15 ]
    # the routing key of a result names its verdict
    [ "$(echo "$output" | jq -r .routing_key | sort -u)" = result.AC ]
    ! grep -q '^\[wpy\] got c' "$BATS_TEST_TMPDIR/wpy.log"
}

@test "amqp source: consistent-hash routing: one problem's submissions land on one worker" {
    start_fake h1 2 3 hash=$P.q1
    start_fake h2 2 3 hash=$P.q2
    bind_results res 'result.#'
    for i in $(seq 1 60); do
        # 20 problems, 3 submissions each, routed by problem id
        echo "{\"submission_id\":\"s$i\",\"problem_id\":\"prob$((i % 20))\"}" | publish "prob$((i % 20))" "$P.submissions.hash"
    done
    run --separate-stderr collect "$P.res" 60 90
    [ "$status" -eq 0 ] || { echo "$stderr"; false; }
    # problem of each submission -> the set of workers that judged it: one each
    local per
    per=$(echo "$output" | jq -r '"\(.body.submission_id|ltrimstr("s")|tonumber % 20) \(.body.worker)"' | sort -u)
    echo "$per"
    [ "$(echo "$per" | awk '{print $1}' | sort | uniq -d | wc -l)" -eq 0 ]
    [ "$(echo "$per" | wc -l)" -eq 20 ]
    # and both workers have some (all 20 on one: probability 2^-19)
    [ "$(echo "$per" | awk '{print $2}' | sort -u | wc -l)" -eq 2 ]
}

@test "amqp source: quorum queues" {
    start_fake wq 2 3 lang=c quorum
    bind_results res 'result.#'
    echo '{"submission_id":"q1"}' | publish c
    run --separate-stderr collect "$P.res" 1 60
    [ "$status" -eq 0 ]
    [ "$(echo "$output" | jq -r .body.submission_id)" = q1 ]
    run rabbitmq_ctl list_queues name type
    echo "$output"
    echo "$output" | grep -E "^$P\.c\s+quorum"
    echo "$output" | grep -E "^$P\.dead\s+quorum"
}

@test "amqp source: poison and rejected messages are dead-lettered once, with the reason" {
    start_fake wp 2 3 lang=c
    printf '%s\n' 'this is not json' '{"submission_id":"r1","act":"reject"}' | publish c
    run --separate-stderr collect "$P.dead" 2 60
    [ "$status" -eq 0 ] || { echo "$stderr"; false; }
    echo "$output"
    echo "$output" | jq -se 'map(select(.body == "this is not json")) | .[0].headers["x-ojrun-reason"] == "not JSON"'
    echo "$output" | jq -se 'map(select(.body.submission_id? == "r1")) | .[0].headers | .["x-ojrun-reason"] == "rejected by the test" and .["x-ojrun-routing-key"] == "c"'
    # never requeued: each was received exactly once
    [ "$(grep -c '\] got' "$BATS_TEST_TMPDIR/wp.log")" -eq 2 ]
    run "$TOOL" "$RMQ_URL" count "$P.c"
    [ "$output" -eq 0 ]
}

@test "amqp source: a sandbox failure is retried with x-ojrun-attempt + 1, then dead-lettered" {
    start_fake wr 1 3 lang=c
    echo '{"submission_id":"se1","act":"retry"}' | publish c
    run --separate-stderr collect "$P.dead" 1 60
    [ "$status" -eq 0 ] || { echo "$stderr"; false; }
    echo "$output"
    echo "$output" | jq -e '.headers["x-ojrun-attempt"] == 3'
    echo "$output" | jq -e '.headers["x-ojrun-reason"] | test("^attempt 3 of 3: sandbox failed")'
    grep -q 'got se1 attempt 1$' "$BATS_TEST_TMPDIR/wr.log"
    grep -q 'got se1 attempt 2$' "$BATS_TEST_TMPDIR/wr.log"
    grep -q 'got se1 attempt 3$' "$BATS_TEST_TMPDIR/wr.log"
    [ "$(grep -c 'got se1' "$BATS_TEST_TMPDIR/wr.log")" -eq 3 ]
}

@test "amqp source: reply_to and correlation_id are honoured" {
    start_fake wrt 1 3 lang=c
    bind_results res 'result.#'
    "$TOOL" "$RMQ_URL" declare "$P.reply" "$P.unused" none
    echo '{"submission_id":"rt1"}' | publish c "" reply_to="$P.reply" correlation_id="corr-42"
    run --separate-stderr collect "$P.reply" 1 60
    [ "$status" -eq 0 ] || { echo "$stderr"; false; }
    echo "$output" | jq -e '.body.submission_id == "rt1" and .correlation_id == "corr-42" and .type == "ojrun.result"'
    # and the result exchange got it too
    run --separate-stderr collect "$P.res" 1 60
    [ "$status" -eq 0 ]
    echo "$output" | jq -e '.body.submission_id == "rt1" and .correlation_id == "corr-42"'
}

@test "amqp source: progress events go to the result exchange as progress.<test>" {
    start_fake wpg 1 3 lang=c
    bind_results prog 'progress.#'
    echo '{"submission_id":"pg1"}' | publish c
    run --separate-stderr collect "$P.prog" 1 60
    [ "$status" -eq 0 ]
    echo "$output" | jq -e '.routing_key == "progress.t1" and .type == "ojrun.progress"'
}

@test "amqp source: SIGTERM hands held messages back untouched (same attempt) and exits 0" {
    start_fake wt1 2 3 lang=c
    echo '{"submission_id":"t1","act":"hold","ms":600000}' | publish c
    wait_log wt1 'got t1 attempt 1'
    stop_worker wt1
    grep -q '\] stopped' "$BATS_TEST_TMPDIR/wt1.log"
    # given again, as attempt 1, marked redelivered
    start_fake wt2 2 3 lang=c
    wait_log wt2 'got t1 attempt 1 redelivered'
}

@test "amqp source: a worker SIGKILLed mid-judging: the broker gives its submission to another" {
    start_fake wk1 1 3 lang=c
    bind_results res 'result.#'
    echo '{"submission_id":"k1","ms":600000}' | publish c
    wait_log wk1 'got k1'
    start_fake wk2 1 3 lang=c
    kill -KILL "$PID_wk1"
    # given to wk2 once wk1's connection is gone: the same attempt, marked
    # redelivered
    wait_log wk2 'got k1 attempt 1 redelivered'
    ! grep -q 'finish k1' "$BATS_TEST_TMPDIR/wk1.log"
}

@test "amqp source: broker restart mid-judging: reconnect, publish the kept result, no second judging" {
    start_fake wb 2 3 lang=c
    bind_results res 'result.#'
    # judged for 4 s: the broker is restarted meanwhile
    echo '{"submission_id":"b1","ms":4000}' | publish c
    wait_log wb 'got b1 attempt 1'
    rabbitmq_restart
    wait_log wb 'connected to .* again'
    wait_log wb 'finish b1'
    # submitted after the restart: judged on the new connection
    echo '{"submission_id":"b2"}' | publish c
    run --separate-stderr collect "$P.res" 2 60
    [ "$status" -eq 0 ] || { echo "$stderr"; cat "$BATS_TEST_TMPDIR/wb.log"; false; }
    [ "$(echo "$output" | jq -r .body.submission_id | sort | tr '\n' ' ')" = "b1 b2 " ]
    cat "$BATS_TEST_TMPDIR/wb.log"
    grep -q 'judged while disconnected' "$BATS_TEST_TMPDIR/wb.log"
    # b1 was redelivered by the broker after the restart and acknowledged
    # without being given to the judge again
    wait_log wb 'redelivered b1/1: its result is already published'
    [ "$(grep -c 'got b1' "$BATS_TEST_TMPDIR/wb.log")" -eq 1 ]
    # and no third result
    run --separate-stderr collect "$P.res" 1 2
    [ "$status" -ne 0 ]
}

@test "amqp source: 300 submissions, 3 workers, one SIGKILLed and the broker restarted: each judged to one result" {
    start_fake m1 2 3 lang=c,python
    start_fake m2 2 3 lang=c,python
    start_fake m3 2 3 lang=c,python
    bind_results res 'result.#'
    for i in $(seq 1 150); do echo "{\"submission_id\":\"m$i\",\"ms\":$((RANDOM % 60))}"; done | publish c
    wait_log m1 'finish' 10
    kill -KILL "$PID_m1"
    for i in $(seq 151 300); do echo "{\"submission_id\":\"m$i\",\"ms\":$((RANDOM % 60))}"; done | publish python
    wait_log m2 'finish' 60
    rabbitmq_restart
    run --separate-stderr collect "$P.res" 300 180
    echo "$stderr"
    local all=$output
    # duplicates, if any, are behind
    run --separate-stderr collect "$P.res" 100 3
    all+=$'\n'$output
    output=$(echo "$all" | grep .)
    # one result per submission id and attempt, apart from the documented
    # duplicate window (dropped by (submission_id, attempt))
    [ "$(echo "$output" | jq -r '"\(.body.submission_id)/\(.body.attempt)"' | sort -u | wc -l)" -eq 300 ]
    [ "$(echo "$output" | jq -r .body.submission_id | sort -u | wc -l)" -eq 300 ]
}

# ---- ojrun-worker --amqp: the real worker, judging through libojrun ----
#
# Each test gets its own virtual host on the broker (the worker's names are
# the defaults: ojrun.submissions, ojrun.<language>, ojrun.results,
# ojrun.dead), its workers their own --root, and a problem set made in
# setup_file: "sum" (one small test, limits calibrated to keep a TLE cheap),
# "se" (a custom checker that always fails: SE), h0..h9 (copies of sum, for
# routing by problem).

WORKER=${OJRUN_WORKER:-$(dirname "$OJRUN")/ojrun-worker}

PY_AC='a, b = map(int, input().split()); print(a + b)'
PY_WA='print(4)'
PY_RE='raise SystemExit(3)'
PY_MLE='x = bytearray(300 * 1024 * 1024); print(len(x))'
C_AC='#include <stdio.h>
int main(void) { int a, b; if (scanf("%d %d", &a, &b) != 2) return 1; printf("%d\n", a + b); return 0; }'
C_WA='#include <stdio.h>
int main(void) { puts("7"); return 0; }'
C_CE='int main( { return 0; }'
C_TLE='int main(void) { for (volatile unsigned long i = 0;; i++) ; }'

make_problems() {
    local d=$1
    mkdir -p "$d/sum/tests" "$d/se/tests"
    printf '2 3\n' >"$d/sum/tests/1.in"
    printf '5\n' >"$d/sum/tests/1.out"
    echo '{"cpu_ms": 500, "wall_ms": 4000, "memory_mb": 64, "output_kb": 1024}' >"$d/sum/limits.json"
    cp "$d/sum/tests/"* "$d/se/tests/"
    echo '{"version": 1, "cpu_ms": 1000, "wall_ms": 4000, "memory_mb": 64, "output_kb": 1024,
           "checker": "custom"}' >"$d/se/problem.json"
    printf 'int main(void) { return 3; }\n' >"$d/se/checker.c"
    local i
    for i in $(seq 0 9); do cp -r "$d/sum" "$d/h$i"; done
}

# new_vhost: a virtual host for this test; sets VURL (guest may use it)
new_vhost() {
    rabbitmq_ctl add_vhost "$P" >/dev/null
    rabbitmq_ctl set_permissions -p "$P" guest '.*' '.*' '.*' >/dev/null
    VURL="$RMQ_URL/$P"
    PUB_URL=$VURL
}

setup_real() {
    [ -x "$WORKER" ] || {
        echo "ojrun-worker not built: $WORKER" >&2
        return 1
    }
    WT=$RMQ_BASE/t$BATS_TEST_NUMBER
    mkdir -m 0711 -p "$WT"
    if [ ! -d "$RMQ_BASE/problems" ]; then
        make_problems "$RMQ_BASE/problems.tmp"
        mv "$RMQ_BASE/problems.tmp" "$RMQ_BASE/problems"
    fi
    new_vhost
    "$TOOL" "$VURL" declare res ojrun.results 'result.#'
}

# start_worker NAME [OPTIONS...]: ojrun-worker --amqp on this test's vhost,
# JSON log in $WT/NAME.log, state in $WT/NAME.root; waits until it serves
start_worker() {
    local name=$1
    shift
    OJRUN_AMQP_URL=$VURL "$WORKER" --problems "$RMQ_BASE/problems" \
        --root "$WT/$name.root" --slots 2 --id-prefix "$P-$name" --log-format json "$@" \
        2>>"$WT/$name.log" &
    WPIDS+=($!)
    eval "PID_$name=$!"
    local i
    for ((i = 0; i < 600; i++)); do
        grep -q '"msg":"serving amqp' "$WT/$name.log" 2>/dev/null && return 0
        kill -0 "$!" 2>/dev/null || break
        sleep 0.1
    done
    echo "worker $name did not start:" >&2
    cat "$WT/$name.log" >&2
    return 1
}

stop_real() { # NAME: SIGTERM, exit status 0 expected
    local pid_var=PID_$1
    kill -TERM "${!pid_var}"
    wait "${!pid_var}"
}

# sub ID LANG SOURCE [PROBLEM] [JQ]: one submission's JSON on stdout
sub() {
    jq -cn --arg id "$1" --arg l "$2" --arg s "$3" --arg p "${4:-sum}" \
        '{version: 1, submission_id: $id, problem_id: $p, language: $l, source: $s}' | jq -c "${5:-.}"
}

queue_count() { "$TOOL" "$VURL" count "$1"; }
wait_count() { # QUEUE N SECONDS: until the queue holds N ready messages
    local deadline=$((SECONDS + $3))
    until (($(queue_count "$1") >= $2)); do
        ((SECONDS < deadline)) || { echo "$1: $(queue_count "$1") of $2 messages after $3 s" >&2; return 1; }
        sleep 0.5
    done
}

# judged_by NAME: the submission ids NAME's log says it settled
judged_by() {
    jq -r 'select(.msg | test("^[A-Z]+ in [0-9]+ ms")) | .submission_id' "$WT/$1.log"
}

# no container, cgroup or state of this test's workers
real_leftovers() {
    local left r
    left=$(cgroup_leftovers "/ojrun/$P-*")
    [ -z "$left" ] || { echo "cgroups left: $left" >&2; return 1; }
    for r in "$WT"/*.root; do
        [ -d "$r" ] || continue
        left=$("$OJRUN" --root "$r" list -q)
        [ -z "$left" ] || { echo "containers left in $r: $left" >&2; return 1; }
        left=$(find "$r" -mindepth 1 -maxdepth 1 -type d ! -name seccomp-cache)
        [ -z "$left" ] || { echo "state left: $left" >&2; return 1; }
    done
}

@test "worker --amqp: per-language routing: a python-only worker never gets C" {
    setup_real
    start_worker wpy --languages python
    start_worker wc --languages c
    { sub pa1 python "$PY_AC"; sub pa2 python "$PY_WA"; } | publish python ojrun.submissions
    { sub ca1 c "$C_AC"; sub ca2 c "$C_WA"; } | publish c ojrun.submissions
    run --separate-stderr "$TOOL" "$VURL" collect res 4 180
    [ "$status" -eq 0 ] || { echo "$stderr"; cat "$WT"/*.log; false; }
    echo "$output" | jq -c '[.body.submission_id, .body.verdict, .routing_key]'
    echo "$output" | jq -se 'map({(.body.submission_id): .body.verdict}) | add ==
        {"pa1": "AC", "pa2": "WA", "ca1": "AC", "ca2": "WA"}'
    [ "$(judged_by wpy | sort | tr '\n' ' ')" = "pa1 pa2 " ]
    [ "$(judged_by wc | sort | tr '\n' ' ')" = "ca1 ca2 " ]
    stop_real wpy
    stop_real wc
    real_leftovers
}

@test "worker --amqp: consistent-hash routing by problem_id, quorum queues" {
    setup_real
    start_worker wh1 --routing hash --queue hq1 --queue-type quorum --languages python
    start_worker wh2 --routing hash --queue hq2 --queue-type quorum --languages python
    local i
    for i in $(seq 0 29); do
        sub "s$i" python "$PY_AC" "h$((i % 10))" | publish "h$((i % 10))" ojrun.submissions.hash
    done
    run --separate-stderr "$TOOL" "$VURL" collect res 30 300
    [ "$status" -eq 0 ] || { echo "$stderr"; false; }
    [ "$(echo "$output" | jq -r .body.verdict | sort -u)" = AC ]
    # each problem on one worker: s<i> is problem h<i % 10>
    local per
    per=$( (judged_by wh1 | sed 's/$/ wh1/'; judged_by wh2 | sed 's/$/ wh2/') |
        awk '{sub("^s", "", $1); print $1 % 10, $2}' | sort -u)
    echo "$per"
    [ "$(echo "$per" | wc -l)" -eq 10 ]
    [ "$(echo "$per" | awk '{print $1}' | sort | uniq -d | wc -l)" -eq 0 ]
    run rabbitmq_ctl list_queues -p "$P" name type
    echo "$output" | grep -E '^hq1\s+quorum'
    echo "$output" | grep -E '^hq2\s+quorum'
    echo "$output" | grep -E '^ojrun\.dead\s+quorum'
    stop_real wh1
    stop_real wh2
    real_leftovers
}

@test "worker --amqp: poison messages are dead-lettered with a one-line reason, the worker goes on" {
    setup_real
    start_worker wp --languages c,python --max-source-bytes 500
    {
        echo 'int main() {}'
        echo '{"submission_id": "p1", "problem_id": "sum", "language": "c", "source": 42}'
        sub p2 cobol "$C_AC"
        sub p3 c "$C_AC" no-such-problem
        sub p4 c "$C_AC" sum '.source += ("x" * 600)'
        sub good c "$C_AC"
    } | publish c ojrun.submissions
    run --separate-stderr "$TOOL" "$VURL" collect ojrun.dead 5 120
    [ "$status" -eq 0 ] || { echo "$stderr"; cat "$WT/wp.log"; false; }
    echo "$output" | jq -c '.headers["x-ojrun-reason"]'
    reason() { echo "$output" | jq -r "select(.body.submission_id? == \"$1\") | .headers[\"x-ojrun-reason\"]"; }
    [[ "$(echo "$output" | jq -r 'select(.body == "int main() {}") | .headers["x-ojrun-reason"]')" == "message: invalid JSON: "* ]]
    [ "$(reason p1)" = "source: expected a string" ]
    [[ "$(reason p2)" == 'language: "cobol" is not served here'* ]]
    [ "$(reason p3)" = "problem_id: no problem \"no-such-problem\" in $RMQ_BASE/problems" ]
    [[ "$(reason p4)" == "source: "*" bytes, more than the limit of 500" ]]
    # each one line, and never requeued: the queue is empty, the good one judged
    [ "$(echo "$output" | jq -r '.headers["x-ojrun-reason"]' | wc -l)" -eq 5 ]
    run --separate-stderr "$TOOL" "$VURL" collect res 1 120
    [ "$status" -eq 0 ]
    echo "$output" | jq -e '.body.submission_id == "good" and .body.verdict == "AC"'
    [ "$(queue_count ojrun.c)" -eq 0 ]
    [ "$(queue_count ojrun.dead)" -eq 0 ]
    stop_real wp
    real_leftovers
}

@test "worker --amqp: SE is retried up to --max-attempts, then dead-lettered with the error" {
    setup_real
    start_worker wse --languages python --max-attempts 2
    sub se1 python "$PY_AC" se | publish python ojrun.submissions
    run --separate-stderr "$TOOL" "$VURL" collect ojrun.dead 1 180
    [ "$status" -eq 0 ] || { echo "$stderr"; cat "$WT/wse.log"; false; }
    echo "$output" | jq -c .headers
    echo "$output" | jq -e '.headers["x-ojrun-attempt"] == 2 and (.headers["x-ojrun-reason"] | startswith("attempt 2 of 2: "))'
    # two attempts judged, no result published
    [ "$(jq -r 'select(.msg | startswith("attempt ")) | .msg' "$WT/wse.log" | wc -l)" -eq 2 ]
    [ "$(queue_count res)" -eq 0 ]
    stop_real wse
    real_leftovers
}

@test "worker --amqp: reply_to and correlation_id; SIGTERM lets the judging finish, exits 0" {
    setup_real
    "$TOOL" "$VURL" declare replies unused.exchange none
    start_worker wr --languages c --drain-seconds 300
    sub r1 c "$C_AC" | publish c ojrun.submissions reply_to=replies correlation_id=req-7
    local i
    for ((i = 0; i < 600; i++)); do
        grep -q '"submission_id":"r1"' "$WT/wr.log" && break
        sleep 0.1
    done
    stop_real wr
    grep -q '"msg":"signal 15: taking no more' "$WT/wr.log"
    run --separate-stderr "$TOOL" "$VURL" collect replies 1 30
    [ "$status" -eq 0 ]
    echo "$output" | jq -e '.body.submission_id == "r1" and .body.verdict == "AC" and .correlation_id == "req-7"'
    run --separate-stderr "$TOOL" "$VURL" collect res 1 30
    [ "$status" -eq 0 ]
    echo "$output" | jq -e '.body.submission_id == "r1" and .correlation_id == "req-7"'
    real_leftovers
}

@test "worker --amqp: 300 mixed submissions, 3 workers, one SIGKILLed, the broker restarted: one right result each" {
    setup_real
    declare -A want
    local i lang src v
    {
        for i in $(seq 1 300); do
            case $((i % 20)) in
            0 | 1 | 2 | 3 | 4 | 5) lang=python src=$PY_AC v=AC ;;
            6 | 7) lang=python src=$PY_WA v=WA ;;
            8 | 9) lang=python src=$PY_RE v=RE ;;
            10) lang=python src=$PY_MLE v=MLE ;;
            11 | 12 | 13) lang=c src=$C_AC v=AC ;;
            14) lang=c src=$C_WA v=WA ;;
            15 | 16) lang=c src=$C_CE v=CE ;;
            17) lang=c src=$C_TLE v=TLE ;;
            18 | 19) lang=python src=$PY_AC v=AC ;;
            esac
            echo "m$i $lang $v"
            sub "m$i" "$lang" "$src" >"$WT/m$i.json"
        done
    } >"$WT/want"
    start_worker w1 --languages c,cpp,python
    start_worker w2 --languages c,cpp,python
    start_worker w3 --languages c,cpp,python
    # (no C++: three g++ at once on a loaded 2-core machine pass the
    # engine's 10 s compile limit, a CE that is no fault of the source)
    for lang in c python; do
        awk -v l=$lang '$2 == l {print $1}' "$WT/want" | while read -r i; do cat "$WT/$i.json"; done |
            publish "$lang" ojrun.submissions
    done
    # mid-run: w1 dies with judgings in flight; later the broker restarts
    wait_count res 40 600
    kill -KILL "$PID_w1"
    wait "$PID_w1" 2>/dev/null || true
    wait_count res 120 600
    rabbitmq_restart
    wait_count res 300 900
    # the killed worker's root: a restarted worker sweeps what it left
    start_worker w1 --languages c,cpp,python
    sleep 1
    stop_real w1
    stop_real w2
    stop_real w3
    run --separate-stderr "$TOOL" "$VURL" collect res "$(queue_count res)" 60
    [ "$status" -eq 0 ] || { echo "$stderr"; false; }
    echo "$output" | jq -r '"\(.body.submission_id) \(.body.attempt) \(.body.verdict)"' | sort -u >"$WT/got"
    # one result per submission (duplicates of one (id, attempt) dropped:
    # the documented window), with the verdict its source was written for
    awk '{print $1, $3}' "$WT/got" | sort >"$WT/got.v"
    awk '{print $1, $3}' "$WT/want" | sort >"$WT/want.v"
    diff "$WT/want.v" "$WT/got.v"
    [ "$(awk '{print $1}' "$WT/got" | sort | uniq -d | wc -l)" -eq 0 ]
    [ "$(queue_count ojrun.dead)" -eq 0 ]
    # what the run went through: w2 and w3 reconnected after the restart,
    # and the killed worker's submissions were judged again as redeliveries
    grep -q '"msg":"connected to .* again' "$WT/w2.log"
    grep -q '"msg":"connected to .* again' "$WT/w3.log"
    cat "$WT/w2.log" "$WT/w3.log" | grep -q '"msg":"[A-Z]* in [0-9]* ms (attempt 1, redelivered)'
    echo "# results: $(echo "$output" | wc -l) for 300 submissions" >&3
    real_leftovers
}
