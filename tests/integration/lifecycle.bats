#!/usr/bin/env bats
# The container lifecycle with real containers: create/start/state/kill/
# delete/run/list, namespaces, mounts, users, hooks, failure cleanup.

load helpers
load bundle

setup() {
    setup_root
    make_bundle
}

teardown() {
    ojrun_cleanup
}

state_of() {
    ojrun state "$1" | jq -r .status
}

@test "run /bin/true exits 0 and leaves nothing behind" {
    run ojrun run -b "$BUNDLE" "$C1"
    [ "$status" -eq 0 ]
    assert_no_leftovers "$C1"
}

@test "run propagates the exit code and death by signal as 128+N" {
    cfg_args sh -c 'exit 7'
    run ojrun run -b "$BUNDLE" "$C1"
    [ "$status" -eq 7 ]
    # PID 1 of a PID namespace ignores signals it has no handler for, so
    # this one runs in the host's PID namespace to die of its own SIGSEGV.
    cfg '.linux.namespaces |= map(select(.type != "pid"))'
    cfg_args sh -c 'kill -SEGV $$'
    run ojrun run -b "$BUNDLE" "$C2"
    [ "$status" -eq 139 ]
}

@test "create, start, state, kill, delete: each transition and the pid file" {
    cfg_args sleep 100
    ojrun create -b "$BUNDLE" --pid-file "$BATS_TEST_TMPDIR/pid" "$C1"
    [ "$(state_of "$C1")" = created ]
    pid=$(ojrun state "$C1" | jq -r .pid)
    [ "$pid" = "$(cat "$BATS_TEST_TMPDIR/pid")" ]
    [ -d "/proc/$pid" ]
    ojrun state "$C1" | jq -e --arg id "$C1" '.ociVersion and .id == $id and (.bundle|length>0)'
    ojrun start "$C1"
    [ "$(state_of "$C1")" = running ]
    # the process is really sleep now
    [ "$(cat /proc/$pid/comm)" = sleep ]
    ojrun kill "$C1" KILL
    for i in $(seq 100); do [ "$(state_of "$C1")" = stopped ] && break; sleep 0.05; done
    [ "$(state_of "$C1")" = stopped ]
    [ "$(ojrun state "$C1" | jq .pid)" = 0 ]
    ojrun delete "$C1"
    run ojrun state "$C1"
    [ "$status" -eq 1 ]
    assert_no_leftovers "$C1"
}

@test "wrong-state operations fail with a clear error" {
    cfg_args sleep 100
    ojrun create -b "$BUNDLE" "$C1"
    run ojrun delete "$C1"
    [ "$status" -eq 1 ]
    [[ "$output" == *"it is created"* ]]
    run ojrun create -b "$BUNDLE" "$C1"
    [ "$status" -eq 1 ]
    [[ "$output" == *"already exists"* ]]
    ojrun start "$C1"
    run ojrun start "$C1"
    [ "$status" -eq 1 ]
    [[ "$output" == *"it is running, not created"* ]]
    run ojrun delete "$C1"
    [ "$status" -eq 1 ]
    [[ "$output" == *"it is running"* ]]
    ojrun delete --force "$C1"
    run ojrun kill "$C1"
    [ "$status" -eq 1 ]
    [[ "$output" == *"does not exist"* ]]
    assert_no_leftovers "$C1"
}

@test "kill sends the named signal; default is SIGTERM" {
    cfg_args sh -c 'trap "echo got-usr1 > /tmp/sig; exit 0" USR1; : >/tmp/trapped
        while :; do sleep 0.01; done'
    cfg '.mounts += [{"destination":"/tmp","type":"bind","source":$d,"options":["rbind"]}]' --arg d "$BATS_TEST_TMPDIR"
    ojrun create -b "$BUNDLE" "$C1"
    ojrun start "$C1"
    # the trap is in place (a USR1 before it would kill the shell)
    for i in $(seq 200); do [ -e "$BATS_TEST_TMPDIR/trapped" ] && break; sleep 0.05; done
    ojrun kill "$C1" SIGUSR1
    for i in $(seq 100); do [ -e "$BATS_TEST_TMPDIR/sig" ] && break; sleep 0.05; done
    [ "$(cat "$BATS_TEST_TMPDIR/sig")" = got-usr1 ]
    run ojrun kill "$C1" NOSUCHSIG
    [ "$status" -eq 1 ]
}

@test "unknown ids: state fails, delete --force succeeds, hostile ids are refused" {
    run ojrun state "$P-nope"
    [ "$status" -eq 1 ]
    [[ "$output" == *"\"$P-nope\" does not exist"* ]]
    run ojrun delete --force "$P-nope"
    [ "$status" -eq 0 ]
    for bad in ../x a/b "" .hidden "-x"; do
        run ojrun create -b "$BUNDLE" -- "$bad"
        [ "$status" -eq 1 ]
    done
    [ -z "$(ls -A "$ROOT" 2>/dev/null | grep -v seccomp-cache)" ]
}

@test "list shows containers in table and json" {
    cfg_args sleep 100
    ojrun create -b "$BUNDLE" "$C1"
    ojrun create -b "$BUNDLE" "$C2"
    ojrun start "$C2"
    run ojrun list
    [ "$status" -eq 0 ]
    [[ "${lines[0]}" == ID* ]]
    [[ "$output" == *"$C1"*created* ]]
    [[ "$output" == *"$C2"*running* ]]
    [ "$(ojrun list --format json | jq -r '.[].id' | tr '\n' ' ')" = "$C1 $C2 " ]
    [ "$(ojrun list -q | wc -l)" -eq 2 ]
}

@test "every namespace is new: inodes differ from the host's" {
    userns_on
    cfg_args sh -c 'for n in mnt uts ipc pid net user cgroup; do readlink /proc/self/ns/$n; done'
    run ojrun run -b "$BUNDLE" "$C1"
    [ "$status" -eq 0 ]
    [ "${#lines[@]}" -eq 7 ]
    for n in mnt uts ipc pid net user cgroup; do
        host=$(readlink /proc/self/ns/$n)
        [[ "$output" != *"$host"* ]] || { echo "$n shared with host: $host"; false; }
    done
}

@test "a namespace given by path is joined" {
    cfg_args sleep 100
    ojrun create -b "$BUNDLE" "$P-a"
    pid=$(ojrun state "$P-a" | jq .pid)
    make_bundle "$BATS_TEST_TMPDIR/b2"
    cfg '.linux.namespaces |= map(if .type == "network" or .type == "ipc" then .path = "/proc/\($p)/ns/\(if .type=="network" then "net" else .type end)" else . end)' --arg p "$pid"
    cfg_args sh -c 'readlink /proc/self/ns/net; readlink /proc/self/ns/ipc; readlink /proc/self/ns/uts'
    run ojrun run -b "$BUNDLE" "$P-b"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = "$(readlink /proc/$pid/ns/net)" ]
    [ "${lines[1]}" = "$(readlink /proc/$pid/ns/ipc)" ]
    [ "${lines[2]}" != "$(readlink /proc/$pid/ns/uts)" ]
}

@test "cgroup namespace: the container sees its own cgroup as /" {
    cfg_args cat /proc/self/cgroup
    run ojrun run -b "$BUNDLE" "$C1"
    [ "$status" -eq 0 ]
    echo "$output"
    # every hierarchy shows the root, none shows the host's path
    ! grep -v ':/$' <<<"$output"
    ! grep -q ojrun <<<"$output"
}

@test "pid namespace: the process is PID 1 and sees only its own processes" {
    cfg_args sh -c 'echo $$; ls /proc | grep -c "^[0-9]"'
    run ojrun run -b "$BUNDLE" "$C1"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 1 ]
    [ "${lines[1]}" -le 3 ]
}

@test "user namespace: root inside is 100000 outside" {
    userns_on
    mkdir -m 777 "$BATS_TEST_TMPDIR/shared"
    cfg '.mounts += [{"destination":"/shared","type":"bind","source":$d,"options":["rbind"]}]' --arg d "$BATS_TEST_TMPDIR/shared"
    cfg_args sh -c 'id -u; id -g; touch /shared/f; cat /proc/self/uid_map'
    run ojrun run -b "$BUNDLE" "$C1"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 0 ]
    [ "${lines[1]}" = 0 ]
    [ "$(stat -c %u:%g "$BATS_TEST_TMPDIR/shared/f")" = 100000:100000 ]
}

@test "process.user, additionalGids, umask, env and cwd are applied" {
    cfg '.process.user = {"uid":1000,"gid":1000,"umask":63,"additionalGids":[5,7]} | .process.env += ["FOO=bar baz"] | .process.cwd = "/home/judge"'
    cfg_args sh -c 'id -u; id -g; id -G; umask; echo "$FOO"; pwd'
    run ojrun run -b "$BUNDLE" "$C1"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 1000 ]
    [ "${lines[1]}" = 1000 ]
    [[ "${lines[2]}" == *5*7* ]]
    [ "${lines[3]}" = 0077 ]
    [ "${lines[4]}" = "bar baz" ]
    [ "${lines[5]}" = /home/judge ]
}

@test "hostname and domainname" {
    cfg '.hostname = "judge-box" | .domainname = "example.org"'
    cfg_args sh -c 'hostname; cat /proc/sys/kernel/domainname'
    run ojrun run -b "$BUNDLE" "$C1"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = judge-box ]
    [ "${lines[1]}" = example.org ]
    [ "$(hostname)" != judge-box ]
}

@test "hostname without a UTS namespace is refused" {
    cfg '.linux.namespaces |= map(select(.type != "uts"))'
    run ojrun run -b "$BUNDLE" "$C1"
    [ "$status" -eq 1 ]
    [[ "$output" == *"hostname is set but the config has no UTS namespace"* ]]
    assert_no_leftovers "$C1"
}

@test "network namespace has lo up and nothing else" {
    cfg_args sh -c 'ip -o link show | wc -l; ip -o link show lo | grep -c "UP\|LOOPBACK,UP"'
    run ojrun run -b "$BUNDLE" "$C1"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 1 ]
    [ "${lines[1]}" = 1 ]
}

@test "mounts: ro bind is read-only, tmpfs size holds, nosuid is set" {
    mkdir -p "$BATS_TEST_TMPDIR/data"
    echo hello >"$BATS_TEST_TMPDIR/data/f"
    cfg '.mounts += [{"destination":"/data","type":"bind","source":$d,"options":["rbind","ro"]},
                     {"destination":"/scratch","type":"tmpfs","source":"tmpfs","options":["size=1m","nosuid","nodev"]}]' --arg d "$BATS_TEST_TMPDIR/data"
    cfg_args sh -c 'cat /data/f; touch /data/g 2>/dev/null && echo WRITABLE || echo ro-ok;
                    dd if=/dev/zero of=/scratch/big bs=1k count=2048 2>/dev/null; du -k /scratch/big | cut -f1;
                    grep " /scratch " /proc/self/mountinfo | grep -c nosuid'
    run ojrun run -b "$BUNDLE" "$C1"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = hello ]
    [ "${lines[1]}" = ro-ok ]
    [ "${lines[2]}" -le 1024 ]
    [ "${lines[3]}" = 1 ]
    [ ! -e "$BATS_TEST_TMPDIR/data/g" ]
}

@test "a missing mount destination is created inside the rootfs" {
    cfg '.mounts += [{"destination":"/a/b/c","type":"tmpfs","source":"tmpfs"}]'
    cfg_args sh -c 'grep -c " /a/b/c " /proc/self/mountinfo'
    run ojrun run -b "$BUNDLE" "$C1"
    [ "$status" -eq 0 ]
    [ "$output" = 1 ]
    [ -d "$BUNDLE/rootfs/a/b/c" ]
}

@test "symlinks and .. in mount destinations cannot escape the rootfs" {
    ln -s /etc "$BUNDLE/rootfs/evil"
    marker=ojrun-escape-$$-$RANDOM
    cfg '.mounts += [{"destination":("/evil/" + $m),"type":"tmpfs","source":"tmpfs"},
                     {"destination":("/../../../" + $m + "2"),"type":"tmpfs","source":"tmpfs"}]' --arg m "$marker"
    run ojrun run -b "$BUNDLE" "$C1"
    [ ! -e "/etc/$marker" ]
    [ ! -e "/$marker"2 ]
    assert_no_leftovers "$C1"
}

@test "the host's root is not visible after pivot_root, also with --no-pivot" {
    marker=/ojrun-host-marker-$$
    touch "$marker"
    cfg_args sh -c "test -e $marker && echo VISIBLE || echo hidden; grep -c . /proc/self/mountinfo"
    run ojrun run -b "$BUNDLE" "$C1"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = hidden ]
    run ojrun run --no-pivot -b "$BUNDLE" "$C2"
    rm -f "$marker"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = hidden ]
}

@test "maskedPaths and readonlyPaths, root.readonly" {
    cfg '.root.readonly = true | .mounts += [{"destination":"/tmp","type":"tmpfs","source":"tmpfs"}]'
    cfg_args sh -c 'wc -c < /proc/keys; ls /sys/firmware | wc -l; (echo 1 > /proc/sys/kernel/ns_last_pid) 2>/dev/null && echo W || echo ro;
                    (touch /x) 2>/dev/null && echo W || echo rootro; touch /tmp/x && echo tmpok'
    run ojrun run -b "$BUNDLE" "$C1"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 0 ]
    [ "${lines[1]}" = 0 ]
    [ "${lines[2]}" = ro ]
    [ "${lines[3]}" = rootro ]
    [ "${lines[4]}" = tmpok ]
}

@test "default devices work and /dev links exist" {
    cfg_args sh -c 'echo x > /dev/null && head -c 4 /dev/zero | wc -c && head -c 4 /dev/urandom | wc -c && ls -l /dev/ptmx /dev/fd /dev/stdin | wc -l'
    run ojrun run -b "$BUNDLE" "$C1"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 4 ]
    [ "${lines[1]}" = 4 ]
    [ "${lines[2]}" = 3 ]
}

@test "rlimits are seen by the process; raising a hard limit is refused (no CAP_SYS_RESOURCE)" {
    cfg '.process.rlimits = [{"type":"RLIMIT_NOFILE","hard":512,"soft":256},{"type":"RLIMIT_FSIZE","hard":1048576,"soft":1048576}]'
    cfg_args sh -c 'ulimit -n; ulimit -Hn; ulimit -f'
    run ojrun run -b "$BUNDLE" "$C1"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = 256 ]
    [ "${lines[1]}" = 512 ]
    [ "${lines[2]}" = 2048 ]
    hard=$(ulimit -Hn)
    cfg '.process.rlimits = [{"type":"RLIMIT_NOFILE","hard":($h*4),"soft":1024}]' --argjson h "$hard"
    run ojrun run -b "$BUNDLE" "$C2"
    bnd=$(awk '/^CapBnd/ {print $2}' /proc/self/status)
    if (( (0x$bnd >> 24) & 1 )); then skip "this host has CAP_SYS_RESOURCE"; fi
    [ "$status" -eq 1 ]
    [[ "$output" == *"RLIMIT_NOFILE"*"Operation not permitted"* ]]
    assert_no_leftovers "$C2"
}

@test "hooks run in order, in the right namespaces, with the state on stdin" {
    log=$BATS_TEST_TMPDIR/hooks.log
    mkdir -p "$BATS_TEST_TMPDIR/in"
    cat >"$BATS_TEST_TMPDIR/hook.sh" <<HOOK
#!/bin/sh
state=\$(cat)
echo "\$1 \$(echo "\$state" | jq -r '.id + " " + .status + " " + (.pid|tostring)') \$(readlink /proc/self/ns/mnt)" >> $log
HOOK
    chmod +x "$BATS_TEST_TMPDIR/hook.sh"
    # startContainer runs inside the container: its path resolves there
    cat >"$BUNDLE/rootfs/hook-in.sh" <<'HOOK'
#!/bin/sh
echo "startContainer $(cat | grep -c '"status":"running"') $(readlink /proc/self/ns/mnt)" >> /hooklog/in.log
HOOK
    chmod +x "$BUNDLE/rootfs/hook-in.sh"
    h=$BATS_TEST_TMPDIR/hook.sh
    cfg '.mounts += [{"destination":"/hooklog","type":"bind","source":$d,"options":["rbind"]}]
         | .hooks = {"prestart":[{"path":$h,"args":["hook","prestart"]}],
                     "createRuntime":[{"path":$h,"args":["hook","createRuntime"]}],
                     "createContainer":[{"path":$h,"args":["hook","createContainer"]}],
                     "startContainer":[{"path":"/hook-in.sh"}],
                     "poststart":[{"path":$h,"args":["hook","poststart"]}],
                     "poststop":[{"path":$h,"args":["hook","poststop"]}]}' --arg h "$h" --arg d "$BATS_TEST_TMPDIR/in"
    cfg_args sh -c 'readlink /proc/self/ns/mnt > /hooklog/ns; sleep 100'
    ojrun create -b "$BUNDLE" "$C1"
    pid=$(ojrun state "$C1" | jq .pid)
    ojrun start "$C1"
    for i in $(seq 100); do [ -s "$BATS_TEST_TMPDIR/in/ns" ] && break; sleep 0.02; done
    ojrun delete --force "$C1"
    host_mnt=$(readlink /proc/self/ns/mnt)
    ctr_mnt=$(cat "$BATS_TEST_TMPDIR/in/ns")
    run cat "$log"
    echo "$output"
    [ "${lines[0]}" = "prestart $C1 creating $pid $host_mnt" ]
    [ "${lines[1]}" = "createRuntime $C1 creating $pid $host_mnt" ]
    [ "${lines[2]}" = "createContainer $C1 creating $pid $ctr_mnt" ]
    [ "${lines[3]}" = "poststart $C1 running $pid $host_mnt" ]
    [ "${lines[4]}" = "poststop $C1 stopped 0 $host_mnt" ]
    [ "$(cat "$BATS_TEST_TMPDIR/in/in.log")" = "startContainer 1 $ctr_mnt" ]
}

@test "a failing createRuntime hook fails create and leaves nothing behind" {
    cfg '.hooks = {"createRuntime":[{"path":"/bin/sh","args":["sh","-c","echo broken >&2; exit 3"]}]}'
    run ojrun create -b "$BUNDLE" "$C1"
    [ "$status" -eq 1 ]
    [[ "$output" == *createRuntime*"status 3"* ]]
    assert_no_leftovers "$C1"
    [ -z "$(pgrep -f "$BUNDLE" || true)" ]
}

@test "a bad mount source fails create naming it, and leaves nothing behind" {
    cfg '.mounts += [{"destination":"/mnt","type":"bind","source":"/nonexistent-ojrun","options":["rbind"]}]'
    run ojrun create -b "$BUNDLE" "$C1"
    [ "$status" -eq 1 ]
    [[ "$output" == *"/nonexistent-ojrun"* ]]
    assert_no_leftovers "$C1"
}

@test "a missing executable fails create with podman's words" {
    cfg_args /bin/no-such-program
    run ojrun create -b "$BUNDLE" "$C1"
    [ "$status" -eq 1 ]
    [[ "$output" == *"no such file or directory"* || "$output" == *"No such file or directory"* ]]
    cfg_args no-such-program
    run ojrun create -b "$BUNDLE" "$C2"
    [ "$status" -eq 1 ]
    [[ "$output" == *"executable file not found in \$PATH"* ]]
    assert_no_leftovers "$C1"
    assert_no_leftovers "$C2"
}

@test "malformed config yields one error line naming the field and nothing behind" {
    cfg '.linux.namespaces[0].type = "nett"'
    run ojrun create -b "$BUNDLE" "$C1"
    [ "$status" -eq 1 ]
    [ "${#lines[@]}" -eq 1 ]
    [[ "$output" == *'linux.namespaces[0].type'*'"nett"'* ]]
    [ ! -e "$ROOT/$C1" ]
}

@test "a config without process is valid at create; start fails clearly" {
    cfg 'del(.process)'
    ojrun create -b "$BUNDLE" "$C1"
    run ojrun start "$C1"
    [ "$status" -eq 1 ]
    [[ "$output" == *"has no process"* ]]
    ojrun delete --force "$C1"
    assert_no_leftovers "$C1"
}

@test "delete --force kills a running container and removes its cgroup" {
    cfg_args sh -c 'sleep 100 & sleep 100'
    ojrun create -b "$BUNDLE" "$C1"
    ojrun start "$C1"
    pid=$(ojrun state "$C1" | jq .pid)
    ojrun delete --force "$C1"
    ! kill -0 "$pid" 2>/dev/null
    assert_no_leftovers "$C1"
}

@test "preserve-fds passes fd 3 through" {
    cfg_args sh -c 'cat <&3'
    echo through-fd-3 >"$BATS_TEST_TMPDIR/in"
    run ojrun run --preserve-fds 1 -b "$BUNDLE" "$C1" 3<"$BATS_TEST_TMPDIR/in"
    [ "$status" -eq 0 ]
    [ "$output" = through-fd-3 ]
}

@test "stdio is the caller's own: RLIMIT_FSIZE applies to a redirected stdout" {
    cfg '.process.rlimits = [{"type":"RLIMIT_FSIZE","hard":4096,"soft":4096}]'
    # not as PID 1: the init of a PID namespace ignores SIGXFSZ (see specs/internals.md)
    cfg_args sh -c 'head -c 100000 /dev/zero; exit $?'
    rc=0
    ojrun run -b "$BUNDLE" "$C1" >"$BATS_TEST_TMPDIR/out" || rc=$?
    [ "$(stat -c %s "$BATS_TEST_TMPDIR/out")" -eq 4096 ]
    # head dies of SIGXFSZ: sh reports 128+25
    [ "$rc" -eq 153 ]
}

@test "--debug traces each step of create with microsecond timestamps" {
    run "$OJRUN" --root "$ROOT" --debug run -b "$BUNDLE" "$C1"
    [ "$status" -eq 0 ]
    [[ "$output" == *"clone flags="* ]]
    [[ "$output" == *"pivot_root"* ]]
    [[ "$output" == *"us: "* ]]
}

@test "same bundle under runc: the same hostname, uid and capabilities" {
    command -v runc >/dev/null || skip "runc not installed"
    cfg_args sh -c 'hostname; id -u; grep -E "^Cap(Eff|Bnd|Prm)" /proc/self/status'
    run --separate-stderr ojrun run -b "$BUNDLE" "$C1"
    [ "$status" -eq 0 ]
    ours=$output
    # a unique id: runc's default cgroup is /<id>, shared by the whole host
    run --separate-stderr runc --root "$BATS_TEST_TMPDIR/runc" run -b "$BUNDLE" "$P-cmp"
    [ "$status" -eq 0 ]
    [ "$ours" = "$output" ]
}

@test "process.terminal: the console socket receives a working pty" {
    helpers=${OJRUN_HELPERS:-$SRC/build/tests/helpers}
    sock=$BATS_TEST_TMPDIR/console.sock
    cfg '.process.terminal = true | .process.consoleSize = {"height": 33, "width": 101}'
    cfg_args sh -c 'tty; stty size; read line; echo "got:$line"'
    "$helpers/recvtty" "$sock" $'hello\n' >"$BATS_TEST_TMPDIR/tty.out" 2>"$BATS_TEST_TMPDIR/tty.err" &
    rpid=$!
    for i in $(seq 100); do grep -q listening "$BATS_TEST_TMPDIR/tty.err" 2>/dev/null && break; sleep 0.02; done
    ojrun run --console-socket "$sock" -b "$BUNDLE" "$C1"
    wait "$rpid"
    run cat "$BATS_TEST_TMPDIR/tty.out"
    [[ "$output" == *"/dev/pts/0"* ]]
    [[ "$output" == *"33 101"* ]]
    [[ "$output" == *"got:hello"* ]]
}

@test "process.terminal without --console-socket is refused" {
    cfg '.process.terminal = true'
    run ojrun create -b "$BUNDLE" "$C1"
    [ "$status" -eq 1 ]
    [[ "$output" == *"console-socket"* ]]
    assert_no_leftovers "$C1"
}

@test "process.oomScoreAdj is applied, also inside a user namespace" {
    userns_on
    cfg '.process.oomScoreAdj = 500'
    cfg_args cat /proc/self/oom_score_adj
    run ojrun run -b "$BUNDLE" "$C1"
    [ "$status" -eq 0 ]
    [ "$output" = 500 ]
}

@test "linux.devices are created; a deny-all device cgroup allows them by rule only" {
    # /dev/kmsg (1:11) is not among the default devices: only the config's
    # allow rule lets the container open it (linux.devices alone does not,
    # see runc_behaviour.bats).
    cfg '.linux.devices = [{"path":"/dev/kmsg","type":"c","major":1,"minor":11,"fileMode":420}]
         | .linux.resources.devices = [{"allow":false,"access":"rwm"},
                                       {"allow":true,"type":"c","major":1,"minor":11,"access":"r"}]
         | .process.capabilities |= with_entries(.value += ["CAP_SYSLOG"])'
    cfg_args sh -c '(: < /dev/kmsg) 2>/dev/null && echo kmsg-ok; head -c 3 /dev/zero | wc -c; mknod /dev/m c 1 1 2>/dev/null || echo mknod-denied'
    run ojrun run -b "$BUNDLE" "$C1"
    [ "$status" -eq 0 ]
    [ "${lines[0]}" = kmsg-ok ]
    [ "${lines[1]}" = 3 ]
    [ "${lines[2]}" = mknod-denied ]
}

@test "a program without execute permission fails create with podman's words" {
    printf '#!/bin/sh\necho hi\n' >"$BUNDLE/rootfs/noexec.sh"
    chmod 644 "$BUNDLE/rootfs/noexec.sh"
    cfg '.process.user = {"uid": 1000, "gid": 1000}'
    cfg_args /noexec.sh
    run ojrun create -b "$BUNDLE" "$C1"
    [ "$status" -eq 1 ]
    [[ "$output" == *'exec: "/noexec.sh": permission denied'* ]]
    cfg_args /bin
    run ojrun create -b "$BUNDLE" "$C2"
    [ "$status" -eq 1 ]
    [[ "$output" == *"permission denied"* ]]
    assert_no_leftovers "$C1"
    assert_no_leftovers "$C2"
}

@test "run waits for the process even when the caller ignores SIGCHLD" {
    cfg_args sh -c 'sleep 0.2; exit 5'
    run timeout -k 5 20 perl -e '$SIG{CHLD} = "IGNORE"; exec @ARGV' "$OJRUN" --root "$ROOT" run -b "$BUNDLE" "$C1"
    [ "$status" -eq 5 ]
}

@test "two roots, one id: the second create refuses the busy cgroup, the first runs on" {
    id=$P-same
    cfg_args sleep 100
    ojrun create -b "$BUNDLE" "$id"
    ojrun start "$id"
    run "$OJRUN" --root "$BATS_TEST_TMPDIR/root2" create -b "$BUNDLE" "$id"
    [ "$status" -eq 1 ]
    [[ "$output" == *"is in use by other processes"* ]]
    [ ! -e "$BATS_TEST_TMPDIR/root2/$id" ]
    [ "$(ojrun state "$id" | jq -r .status)" = running ]
    ojrun delete --force "$id"
    assert_no_leftovers "$id"
}
