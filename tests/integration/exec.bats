#!/usr/bin/env bats
# ojrun exec: a second process in a running container -- its namespaces,
# cgroup, user, environment, capabilities, seccomp filter, terminal,
# --detach under a subreaper, exit codes and failures.

load helpers
load bundle

setup() {
    setup_root
    make_bundle
    HELPERS=${OJRUN_HELPERS:-$SRC/build/tests/helpers}
    # The default cgroup is /ojrun/<id> whatever --root is: a plain "c1"
    # would share its cgroup with other test runs on this machine.
    C=$P-exec
    cfg '.process.env += ["FOO=bar"] | .process.cwd = "/tmp"'
    cfg_args sleep 1000
}

teardown() {
    ojrun_cleanup
    if [ -d "$BATS_TEST_TMPDIR/runc" ]; then
        runc --root "$BATS_TEST_TMPDIR/runc" delete -f r1 >/dev/null 2>&1 || true
    fi
}

# Start the bundle as container $1 (detached) and set INIT to its host PID.
start_container() {
    ojrun run -d -b "$BUNDLE" "$1" </dev/null
    INIT=$(ojrun state "$1" | jq -r .pid)
    [ "$(ojrun state "$1" | jq -r .status)" = running ]
}

# The processes of container $1, from its pids cgroup.
cg_procs() {
    cat "$(cgroup_dir "$1" pids)/cgroup.procs"
}

# Host status field $2 (Uid, CapEff, ...) of PID $1.
status_of() {
    awk -v k="$2:" '$1 == k { sub(/^[^\t]*\t/, ""); print }' "/proc/$1/status"
}

wait_gone() {
    local pid=$1 i
    for i in $(seq 200); do
        [ -d "/proc/$pid" ] || return 0
        [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && return 0
        sleep 0.05
    done
    return 1
}

@test "exec prints to the caller's stdio and propagates the exit status" {
    start_container $C
    run ojrun exec $C sh -c 'echo out; echo err >&2'
    [ "$status" -eq 0 ]
    [[ "$output" == *out* && "$output" == *err* ]]
    run ojrun exec $C sh -c 'exit 7'
    [ "$status" -eq 7 ]
    # not PID 1 of the namespace: it dies of its own signal
    run ojrun exec $C sh -c 'kill -SEGV $$'
    [ "$status" -eq 139 ]
    # a caller that ignores SIGCHLD (the disposition survives execve) must
    # not make ojrun lose the status: the kernel would reap for it
    run timeout -s KILL 20 bash -c "trap '' CHLD; exec '$OJRUN' --root '$ROOT' exec $C sh -c 'exit 9'"
    [ "$status" -eq 9 ]
    # stdin is the caller's too
    run bash -c "echo piped | '$OJRUN' --root '$ROOT' exec $C cat"
    [ "$status" -eq 0 ]
    [ "$output" = piped ]
}

@test "exec joins every namespace of the init" {
    start_container $C
    run ojrun exec $C sh -c 'for n in cgroup ipc mnt net pid uts user time; do echo "$n $(readlink /proc/self/ns/$n)"; done'
    [ "$status" -eq 0 ]
    for n in cgroup ipc mnt net pid uts user time; do
        want="$n $(readlink /proc/$INIT/ns/$n)"
        [[ "$output" == *"$want"* ]] || { echo "missing: $want" >&2; echo "$output" >&2; false; }
    done
    # the pid namespace really is the container's: the init is PID 1 there
    [ "$(ojrun exec $C cat /proc/1/comm)" = sleep ]
    [ "$(ojrun exec $C sh -c 'echo $$')" -gt 1 ]
    # the hostname and root filesystem are the container's
    [ "$(ojrun exec $C hostname)" = ojrun ]
    [ "$(ojrun exec $C cat /etc/hostname)" = "$(cat "$BUNDLE/rootfs/etc/hostname")" ]
}

@test "exec joins a user namespace first and runs as the container's root" {
    userns_on
    start_container $C
    [ "$(readlink /proc/$INIT/ns/user)" != "$(readlink /proc/self/ns/user)" ]
    ojrun exec -d --pid-file "$BATS_TEST_TMPDIR/pid" $C sleep 100
    p=$(cat "$BATS_TEST_TMPDIR/pid")
    for n in user mnt pid net ipc uts cgroup; do
        [ "$(readlink /proc/$p/ns/$n)" = "$(readlink /proc/$INIT/ns/$n)" ]
    done
    # uid 0 inside is 100000 on the host
    [ "$(status_of "$p" Uid)" = "$(printf '100000\t100000\t100000\t100000')" ]
    run ojrun exec $C id -u
    [ "$output" = 0 ]
}

@test "exec puts the process in the container's cgroup before it runs" {
    start_container $C
    ojrun exec -d --pid-file "$BATS_TEST_TMPDIR/pid" $C sleep 100
    p=$(cat "$BATS_TEST_TMPDIR/pid")
    [ "$(cat /proc/$p/cgroup)" = "$(cat /proc/$INIT/cgroup)" ]
    grep -q "pids:/ojrun/$C\$" /proc/$p/cgroup
    cg_procs $C | grep -qx "$p"
    # already there when the program starts: it reads its own cgroup
    run ojrun exec $C cat /proc/self/cgroup
    [ "$output" = "$(ojrun exec $C cat /proc/1/cgroup)" ]
}

@test "exec takes env, cwd and user from config.json unless overridden" {
    cfg '.process.user = {"uid": 1000, "gid": 1000}'
    start_container $C
    run ojrun exec $C sh -c 'echo "$FOO|$PATH"; pwd; id -u; id -g'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "bar|/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" ]
    [ "${lines[1]}" = /tmp ]
    [ "${lines[2]}" = 1000 ]
    [ "${lines[3]}" = 1000 ]
    run ojrun exec -e FOO=baz --env NEW=1 --cwd / -u 0:5 -g 7 -g 8 $C \
        sh -c 'echo "$FOO $NEW"; env | grep -c "^FOO="; pwd; id -u; id -g; id -G'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "baz 1" ]
    [ "${lines[1]}" = 1 ] # replaced, not duplicated
    [ "${lines[2]}" = / ]
    [ "${lines[3]}" = 0 ]
    [ "${lines[4]}" = 5 ]
    [[ " ${lines[5]} " == *" 7 "* && " ${lines[5]} " == *" 8 "* ]]
    # -u UID alone keeps the configured gid (as runc)
    run ojrun exec -u 2000 $C sh -c 'id -u; id -g'
    [ "${lines[0]}" = 2000 ]
    [ "${lines[1]}" = 1000 ]
}

@test "exec --process FILE: the file is the process, caps and rlimits default to the container's" {
    cfg '.process.rlimits = [{"type": "RLIMIT_NOFILE", "hard": 512, "soft": 256}]'
    start_container $C
    cat >"$BATS_TEST_TMPDIR/p.json" <<'EOF'
{"args": ["sh", "-c", "echo A=$A FOO=$FOO; pwd; id -u; id -g; ulimit -n; grep CapBnd /proc/self/status"],
 "cwd": "/etc", "env": ["A=1", "PATH=/bin"], "user": {"uid": 0, "gid": 6}}
EOF
    run ojrun exec --process "$BATS_TEST_TMPDIR/p.json" $C
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "A=1 FOO=" ]
    [ "${lines[1]}" = /etc ]
    [ "${lines[2]}" = 0 ]
    [ "${lines[3]}" = 6 ]
    [ "${lines[4]}" = 256 ]
    [ "${lines[5]}" = "CapBnd:	$(status_of "$INIT" CapBnd)" ]
    # flags apply on top of the file
    run ojrun exec -p "$BATS_TEST_TMPDIR/p.json" -e A=2 --cwd / $C
    [ "${lines[0]}" = "A=2 FOO=" ]
    [ "${lines[1]}" = / ]
    # a file's own rlimits win
    jq '.rlimits = [{"type": "RLIMIT_NOFILE", "hard": 100, "soft": 64}]' "$BATS_TEST_TMPDIR/p.json" >"$BATS_TEST_TMPDIR/p2.json"
    run ojrun exec -p "$BATS_TEST_TMPDIR/p2.json" $C
    [ "${lines[4]}" = 64 ]
    # a command and --process together are refused
    run ojrun exec -p "$BATS_TEST_TMPDIR/p.json" $C true
    [ "$status" -eq 255 ]
    [[ "$output" == *"--process and a command"* ]]
    # a broken file names itself and the field
    echo '{"args": [], "cwd": "/"}' >"$BATS_TEST_TMPDIR/bad.json"
    run ojrun exec -p "$BATS_TEST_TMPDIR/bad.json" $C
    [ "$status" -eq 255 ]
    [[ "$output" == *"process.json"*"args"* ]]
}

@test "exec --detach --pid-file: returns at once, the process is the caller's orphan" {
    start_container $C
    pidfile=$BATS_TEST_TMPDIR/exec.pid
    run "$HELPERS/execreaper" "$pidfile" "$OJRUN" --root "$ROOT" exec -d --pid-file "$pidfile" \
        $C sh -c 'sleep 1; exit 5'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "command: exit 0" ]
    # ojrun is gone, so the subreaper (as conmon would) is the parent and
    # gets the exit status
    [ "${lines[1]}" = "parent: subreaper" ]
    [ "${lines[2]}" = "process: exit 5" ]
    # written atomically: no temporary file left beside it
    [ -z "$(ls "$BATS_TEST_TMPDIR" | grep 'exec.pid.tmp')" ]
}

@test "exec --detach: the pid file names the live process, which delete --force kills" {
    start_container $C
    ojrun exec -d --pid-file "$BATS_TEST_TMPDIR/pid" $C sleep 1000
    p=$(cat "$BATS_TEST_TMPDIR/pid")
    [ "$(cat /proc/$p/comm)" = sleep ]
    [ "$(tr '\0' ' ' </proc/$p/cmdline)" = "sleep 1000 " ]
    # not a child of a leftover ojrun
    pp=$(awk '{print $4}' /proc/$p/stat)
    [ "$(cat /proc/$pp/comm)" != ojrun ]
    [ "$(cg_procs $C | wc -l)" -eq 2 ]
    ojrun delete --force $C
    wait_gone "$p"
    assert_no_leftovers $C
}

@test "exec --tty: a pty from the container's devpts is sent to --console-socket" {
    start_container $C
    sock=$BATS_TEST_TMPDIR/console.sock
    "$HELPERS/recvtty" "$sock" $'hello\n' >"$BATS_TEST_TMPDIR/tty.out" 2>"$BATS_TEST_TMPDIR/tty.err" &
    rpid=$!
    for i in $(seq 100); do grep -q listening "$BATS_TEST_TMPDIR/tty.err" 2>/dev/null && break; sleep 0.02; done
    run ojrun exec -t --console-socket "$sock" $C sh -c 'tty; ls /dev/pts; read line; echo "got:$line"; exit 3'
    [ "$status" -eq 3 ]
    wait "$rpid"
    run cat "$BATS_TEST_TMPDIR/tty.out"
    # the container's own devpts instance (newinstance): its first pty
    [[ "$output" == *"/dev/pts/0"* ]]
    [[ "$output" == *"ptmx"* ]]
    [[ "$output" == *"got:hello"* ]]
    grep -q "name: /dev/ptmx" "$BATS_TEST_TMPDIR/tty.err"
}

@test "exec: the terminal comes from --tty only; --tty=maybe is a usage error" {
    # the container's own process has a terminal (config.json says so)
    cfg '.process.terminal = true'
    sock=$BATS_TEST_TMPDIR/console.sock
    "$HELPERS/recvtty" "$sock" >/dev/null 2>"$BATS_TEST_TMPDIR/tty.err" &
    for i in $(seq 100); do grep -q listening "$BATS_TEST_TMPDIR/tty.err" 2>/dev/null && break; sleep 0.02; done
    ojrun run -d --console-socket "$sock" -b "$BUNDLE" $C </dev/null
    # config.json's process.terminal is not exec's: no pty without -t
    run ojrun exec $C sh -c '[ -t 0 ] && echo tty || echo notty'
    [ "$status" -eq 0 ]
    [ "$output" = notty ]
    run ojrun exec --tty=false $C true
    [ "$status" -eq 0 ]
    run ojrun exec --tty=maybe $C true
    [ "$status" -eq 255 ]
    [[ "$output" == *"--tty: expected true or false"* ]]
    # detached, a terminal needs somewhere to go, as in runc
    run ojrun exec -d -t $C true
    [ "$status" -eq 255 ]
    [[ "$output" == *"console-socket"* ]]
}

@test "exec applies the process's capabilities, --cap adds to them" {
    start_container $C
    run ojrun exec $C grep -E '^Cap(Eff|Prm|Bnd|Inh|Amb)' /proc/self/status
    [ "$status" -eq 0 ]
    for k in CapEff CapPrm CapBnd CapInh CapAmb; do
        [[ "$output" == *"$k:	$(status_of "$INIT" "$k")"* ]]
    done
    # CAP_SYS_ADMIN is bit 21: 0x200000
    run ojrun exec --cap CAP_SYS_ADMIN $C grep -E '^Cap(Eff|Bnd|Amb)' /proc/self/status
    eff=$(( 0x$(status_of "$INIT" CapEff) | 0x200000 ))
    [[ "$output" == *"CapEff:	$(printf '%016x' $eff)"* ]]
    [[ "$output" == *"CapBnd:	$(printf '%016x' $eff)"* ]]
    [[ "$output" == *"CapAmb:	0000000000000000"* ]]
    run ojrun exec --cap cap_sys_admin $C true
    [ "$status" -eq 255 ]
    [[ "$output" == *'unknown capability "cap_sys_admin"'* ]]
    # a non-root user keeps none (no ambient set), as in runc
    run ojrun exec -u 1000 $C grep CapEff /proc/self/status
    [ "$output" = "CapEff:	0000000000000000" ]
}

@test "exec sets no_new_privs from the process, --no-new-privs forces it" {
    cfg '.process.noNewPrivileges = false'
    start_container $C
    run ojrun exec $C grep NoNewPrivs /proc/self/status
    [ "$output" = "NoNewPrivs:	0" ]
    run ojrun exec --no-new-privs $C grep NoNewPrivs /proc/self/status
    [ "$output" = "NoNewPrivs:	1" ]
}

@test "the container's seccomp filter applies to exec'd processes" {
    cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
          "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
    start_container $C
    run ojrun exec $C sh -c 'mkdir /tmp/x; echo "mkdir=$?"; grep -E "^Seccomp:|NoNewPrivs" /proc/self/status'
    [ "$status" -eq 0 ]
    [[ "$output" == *"Operation not permitted"* ]]
    [[ "$output" == *"mkdir=1"* ]]
    [[ "$output" == *"Seccomp:	2"* ]]
    [[ "$output" == *"NoNewPrivs:	1"* ]]
    run ojrun exec $C ls /tmp/x
    [ "$status" -ne 0 ]
}

@test "seccomp without no_new_privs: the filter loads, CAP_SYS_ADMIN does not leak" {
    cfg '.process.noNewPrivileges = false
         | .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
             "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
    start_container $C
    run ojrun exec $C sh -c 'mkdir /tmp/x; grep -E "^(Seccomp|NoNewPrivs|CapEff|CapPrm):" /proc/self/status'
    [ "$status" -eq 0 ]
    [[ "$output" == *"Operation not permitted"* ]]
    [[ "$output" == *"Seccomp:	2"* ]]
    [[ "$output" == *"NoNewPrivs:	0"* ]]
    # the configured sets, without CAP_SYS_ADMIN (bit 21)
    [[ "$output" == *"CapEff:	$(status_of "$INIT" CapEff)"* ]]
    [[ "$output" == *"CapPrm:	$(status_of "$INIT" CapPrm)"* ]]
    (( (0x$(status_of "$INIT" CapEff) & 0x200000) == 0 ))
}

@test "exec into an unknown or stopped container fails with exit 255, into a created one works" {
    run ojrun exec nope true
    [ "$status" -eq 255 ]
    [[ "$output" == *'container "nope" does not exist'* ]]
    ojrun create -b "$BUNDLE" $C </dev/null
    # as runc: the process joins the namespaces of the init waiting for start
    run ojrun exec $C sh -c 'echo $FOO; cat /proc/1/cmdline | tr "\0" " "'
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = bar ]
    [[ "${lines[1]}" == *"init"* ]] || [[ "${lines[1]}" == *"ojrun"* ]]
    [ "$(ojrun state $C | jq -r .status)" = created ]
    ojrun start $C
    ojrun kill $C KILL
    for i in $(seq 100); do [ "$(ojrun state $C | jq -r .status)" = stopped ] && break; sleep 0.05; done
    run ojrun exec $C true
    [ "$status" -eq 255 ]
    [[ "$output" == *"it is stopped"* ]]
}

@test "a missing or unusable program fails with the words podman maps, and leaves nothing" {
    start_container $C
    run ojrun exec $C nonexistent-program
    [ "$status" -eq 255 ]
    [[ "$output" == *'exec: "nonexistent-program": executable file not found in $PATH'* ]]
    run ojrun exec $C /nonexistent
    [ "$status" -eq 255 ]
    [[ "$output" == *"no such file or directory"* ]]
    run ojrun exec $C /etc/passwd
    [ "$status" -eq 255 ]
    [[ "$output" == *"permission denied"* ]]
    run ojrun exec --cwd /nonexistent $C true
    [ "$status" -eq 255 ]
    [[ "$output" == *"chdir /nonexistent"* ]]
    # only the init remains in the cgroup
    [ "$(cg_procs $C)" = "$INIT" ]
}

@test "signals sent to ojrun exec reach the process" {
    start_container $C
    "$OJRUN" --root "$ROOT" exec $C sleep 100 &
    epid=$!
    for i in $(seq 100); do [ "$(cg_procs $C | wc -l)" -eq 2 ] && break; sleep 0.05; done
    [ "$(cg_procs $C | wc -l)" -eq 2 ]
    kill -TERM "$epid"
    st=0
    wait "$epid" || st=$?
    [ "$st" -eq 143 ]
    [ "$(cg_procs $C)" = "$INIT" ]
}

@test "exec --preserve-fds passes fds 3.. and no others" {
    start_container $C
    echo "from fd 3" >"$BATS_TEST_TMPDIR/three"
    run bash -c "exec 3<'$BATS_TEST_TMPDIR/three' 4</dev/null; '$OJRUN' --root '$ROOT' exec --preserve-fds 1 $C sh -c 'cat <&3; [ -e /proc/self/fd/4 ] && echo fd4 || echo no-fd4'"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "from fd 3" ]
    [ "${lines[1]}" = no-fd4 ]
    run bash -c "exec 3</dev/null; '$OJRUN' --root '$ROOT' exec $C sh -c 'cat <&3'"
    [ "$status" -ne 0 ]
}

@test "apparmor and SELinux labels asked for on the command line are refused" {
    start_container $C
    run ojrun exec --apparmor unconfined $C true
    [ "$status" -eq 255 ]
    [[ "$output" == *"--apparmor: not supported"* ]]
    run ojrun exec --process-label system_u:system_r:container_t:s0 $C true
    [ "$status" -eq 255 ]
    [[ "$output" == *"--process-label: not supported"* ]]
}

@test "same bundle under runc exec: the same user, env, cwd and capabilities" {
    command -v runc >/dev/null || skip "runc not installed"
    start_container $C
    runc --root "$BATS_TEST_TMPDIR/runc" run -d -b "$BUNDLE" r1 </dev/null >/dev/null
    script='id; pwd; echo "$FOO"; grep -E "^(Cap|NoNewPrivs|Seccomp:)" /proc/self/status; ulimit -n'
    for flags in "" "-u 1000:1000 --cwd / -e FOO=x" "--cap CAP_SYS_ADMIN"; do
        ours=$(ojrun exec $flags $C sh -c "$script")
        theirs=$(runc --root "$BATS_TEST_TMPDIR/runc" exec $flags r1 sh -c "$script")
        if [ "$ours" != "$theirs" ]; then
            echo "flags: $flags" >&2
            diff <(echo "$ours") <(echo "$theirs") >&2
            false
        fi
    done
}
