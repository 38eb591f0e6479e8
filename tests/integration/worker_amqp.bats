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
    [ -x "$TOOL" ] || skip "amqp-tool not built (make helpers)"
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

teardown() {
    local p
    for p in "${WPIDS[@]}"; do
        kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    return 0
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
    "$TOOL" "$RMQ_URL" publish "$ex" "$key" "$@"
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
