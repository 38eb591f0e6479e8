# A private RabbitMQ broker for one test run (sourced by bats files and
# hack/bench-worker.sh).
#
#   rabbitmq_start DIR TAG   start Debian's rabbitmq-server under DIR, node
#                            ojrun-TAG@localhost; sets RMQ_URL, RMQ_PORT, RMQ_PID
#   rabbitmq_stop            stop it (by pid, bounded) and its private epmd
#   rabbitmq_restart         stop, then start again on the same ports and data
#   rabbitmq_ctl ARGS...     rabbitmqctl against this node
#
# Why it is done this way: there is no systemd, and the Debian package's
# wrappers assume /var/lib/rabbitmq and the system node name.  The server runs
# as user rabbitmq (it refuses nothing as root, but its files would then belong
# to root and a later run as rabbitmq could not read them), in the foreground
# of a background subshell so that its pid is ours to stop.  Everything it
# writes lives under DIR: mnesia, logs, the enabled-plugins and feature-flags
# files, the Erlang cookie ($HOME).  Installing the package starts a system
# `epmd -daemon` on 4369; a private ERL_EPMD_PORT keeps two runs (two checkouts,
# or a system broker) from sharing it, and lets us stop exactly ours.

RMQ_BIN=${RMQ_BIN:-/usr/lib/rabbitmq/bin}

# A TCP port nobody listens on, in a range the kernel does not hand out as
# ephemeral (ip_local_port_range starts at 32768).
rabbitmq_free_port() {
    local p tries=0
    while ((tries++ < 200)); do
        p=$((20000 + RANDOM % 12000))
        if ! ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; then
            echo "$p"
            return 0
        fi
    done
    echo "rabbitmq_free_port: no free port found" >&2
    return 1
}

# Run a program as user rabbitmq with the environment every rabbitmq
# program of this node needs.
rabbitmq_as() {
    (cd "$RMQ_DIR" && setpriv --reuid rabbitmq --regid rabbitmq --init-groups \
    env HOME="$RMQ_DIR/home" \
        RABBITMQ_NODENAME="$RMQ_NODE" \
        RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
        RABBITMQ_NODE_PORT="$RMQ_PORT" \
        RABBITMQ_DIST_PORT="$RMQ_DIST_PORT" \
        ERL_EPMD_PORT="$RMQ_EPMD_PORT" \
        ERL_EPMD_ADDRESS=127.0.0.1 \
        RABBITMQ_MNESIA_BASE="$RMQ_DIR/mnesia" \
        RABBITMQ_LOG_BASE="$RMQ_DIR/log" \
        RABBITMQ_ENABLED_PLUGINS_FILE="$RMQ_DIR/enabled_plugins" \
        RABBITMQ_FEATURE_FLAGS_FILE="$RMQ_DIR/feature_flags" \
        RABBITMQ_CONFIG_FILE="$RMQ_DIR/rabbitmq.conf" \
        RABBITMQ_ADVANCED_CONFIG_FILE="$RMQ_DIR/advanced.config" \
        RABBITMQ_PID_FILE="$RMQ_DIR/rabbitmq.pid" \
        RABBITMQ_CONF_ENV_FILE="$RMQ_DIR/rabbitmq-env.conf" \
        RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}" \
        "$@")
}

rabbitmq_ctl() {
    rabbitmq_as "$RMQ_BIN/rabbitmqctl" -n "$RMQ_NODE" "$@"
}

rabbitmq_start() {
    RMQ_DIR=$1
    RMQ_NODE="ojrun-${2//[^A-Za-z0-9_-]/_}@localhost"
    mkdir -p "$RMQ_DIR"/{home,mnesia,log}
    : >"$RMQ_DIR/rabbitmq-env.conf"
    # [plugin]. ; the hash exchange routes submissions by problem id
    echo '[rabbitmq_consistent_hash_exchange].' >"$RMQ_DIR/enabled_plugins"
    # The default guest user may log in only from localhost, which is where
    # the tests are; a small disk alarm threshold keeps a full /tmp on a
    # shared test machine from blocking every publisher.
    cat >"$RMQ_DIR/rabbitmq.conf" <<'EOF'
disk_free_limit.absolute = 50MB
log.console = false
log.file.level = warning
EOF
    echo '[].' >"$RMQ_DIR/advanced.config"
    printf '%s' "ojrun-test-cookie-$RANDOM$RANDOM" >"$RMQ_DIR/home/.erlang.cookie"
    chmod 400 "$RMQ_DIR/home/.erlang.cookie"
    chown -R rabbitmq:rabbitmq "$RMQ_DIR"
    # The parent directories must be searchable by rabbitmq.
    local d=$RMQ_DIR
    while [[ $d != / && $d != . ]]; do
        d=$(dirname "$d")
        [[ -x $d ]] || break
        chmod o+x "$d" 2>/dev/null || true
    done
    if [[ -z ${RMQ_PORT:-} ]]; then
        RMQ_PORT=$(rabbitmq_free_port) || return 1
        RMQ_DIST_PORT=$(rabbitmq_free_port) || return 1
        RMQ_EPMD_PORT=$(rabbitmq_free_port) || return 1
    fi
    RMQ_URL="amqp://guest:guest@127.0.0.1:$RMQ_PORT"
    export RMQ_DIR RMQ_NODE RMQ_PORT RMQ_DIST_PORT RMQ_EPMD_PORT RMQ_URL
    _rabbitmq_launch
}

_rabbitmq_launch() {
    rabbitmq_as "$RMQ_BIN/rabbitmq-server" \
        >>"$RMQ_DIR/log/stdout" 2>&1 </dev/null &
    RMQ_PID=$!
    export RMQ_PID
    # Ready = the AMQP port accepts connections and the node answers.  Bounded
    # (it takes about 7 s on an idle 2-core machine; allow for load).
    local deadline=$((SECONDS + ${RMQ_START_TIMEOUT:-120}))
    while ((SECONDS < deadline)); do
        if ! kill -0 "$RMQ_PID" 2>/dev/null; then
            echo "rabbitmq-server exited during start; its output:" >&2
            tail -n 30 "$RMQ_DIR/log/stdout" >&2
            return 1
        fi
        if ss -Hltn "sport = :$RMQ_PORT" 2>/dev/null | grep -q . &&
            rabbitmq_ctl await_startup --timeout 10 >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.3
    done
    echo "rabbitmq-server did not start within ${RMQ_START_TIMEOUT:-120} s (node $RMQ_NODE)" >&2
    tail -n 30 "$RMQ_DIR/log/stdout" >&2
    return 1
}

# The pids of processes listening on a port (ours: the beam and epmd).
_rabbitmq_port_pids() {
    ss -Hltnp "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u
}

# Stop the node: SIGTERM to the server (the script execs beam, whose SIGTERM
# handler shuts down cleanly), bounded, then SIGKILL; then our epmd.
rabbitmq_stop() {
    [[ -n ${RMQ_PID:-} ]] || return 0
    local beam pids
    beam=$(_rabbitmq_port_pids "$RMQ_PORT")
    pids="$RMQ_PID $beam"
    kill -TERM $pids 2>/dev/null
    local deadline=$((SECONDS + 30))
    while ((SECONDS < deadline)); do
        local alive=
        for p in $pids; do kill -0 "$p" 2>/dev/null && alive=1; done
        [[ -z $alive ]] && break
        sleep 0.2
    done
    kill -KILL $pids 2>/dev/null
    wait "$RMQ_PID" 2>/dev/null
    # Erlang's helper processes of this node (erl_child_setup, inet_gethost)
    # die with beam; epmd does not: it is a daemon on our private port.
    if [[ ${1:-} != keep-epmd ]]; then
        local epmd
        epmd=$(_rabbitmq_port_pids "$RMQ_EPMD_PORT")
        [[ -n $epmd ]] && kill -TERM $epmd 2>/dev/null
        deadline=$((SECONDS + 10))
        while [[ -n $(_rabbitmq_port_pids "$RMQ_EPMD_PORT") ]] && ((SECONDS < deadline)); do
            sleep 0.1
        done
    fi
    RMQ_PID=
    # Verify: nothing of ours listens any more.
    local left
    left=$(_rabbitmq_port_pids "$RMQ_PORT"; _rabbitmq_port_pids "$RMQ_DIST_PORT")
    [[ ${1:-} == keep-epmd ]] || left+=$(_rabbitmq_port_pids "$RMQ_EPMD_PORT")
    if [[ -n $left ]]; then
        echo "rabbitmq_stop: still listening: $left" >&2
        return 1
    fi
}

# A broker restart: same ports, same data (durable queues and persistent
# messages survive).
rabbitmq_restart() {
    rabbitmq_stop keep-epmd || return 1
    _rabbitmq_launch
}

# Like rabbitmq_restart, in two halves, so a test can do things in between.
rabbitmq_kill_for_restart() {
    rabbitmq_stop keep-epmd
}
