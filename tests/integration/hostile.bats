#!/usr/bin/env bats
# The hostile-submission suite: real programs that attack the sandbox or the
# host, judged by the reference judge (hack/judge) in ojrun's judge bundles.
# Each test expects a verdict and then checks the host (host_check): no
# process of the task left anywhere, no cgroup, mount or state left, the
# host's files untouched, and the next task judged normally.
#
# The C programs (data/hostile/*.c) are compiled once, in one compile-phase
# container, by setup_file, and judged from prebuilt boxes (hack/judge
# --prebuilt); the Python, Java and JavaScript ones and the compile-time
# attacks (data/hostile/compile/) go through the judge's own compile phase.
# The probes print "BLOCKED" when every attempt failed, the expected output
# of data/hostile/problem (limits: 500 ms CPU, 1 s wall, 128 MiB, 1 MiB of
# output), so AC means the sandbox held.  The programs that must fault in a
# lot of memory (the memory bombs, fill-tmp) get CPU limits sized from the
# host's measured fault cost (setup_file).

load helpers

SRC=${OJRUN_SRC:-$BATS_TEST_DIRNAME/../..}
JUDGE=$SRC/hack/judge
DATA=$BATS_TEST_DIRNAME/data/hostile
PROBLEM=$DATA/problem
HELPERS=${OJRUN_HELPERS:-$SRC/build/tests/helpers}

setup_file() {
    # Not under BATS_TEST_TMPDIR (0700): bundles and boxes must be
    # searchable by the container's root, host uid 100000.
    SUITE=$(mktemp -d /tmp/ojrun-hostile.XXXXXX)
    chmod 0711 "$SUITE"
    mkdir -m 0711 "$SUITE/tmp" "$SUITE/state" "$SUITE/compile"
    export SUITE

    # one compile phase for every C program (the template's gcc, by a shell
    # loop: the compile phase may start processes)
    local build=$SUITE/build
    install -d -o 101000 -g 101000 -m 0755 "$build"
    install -o 101000 -g 101000 -m 0644 "$DATA"/*.c "$DATA"/probe.h "$build/"
    "$OJRUN" spec --judge c --phase compile --box "$build" --bundle "$SUITE/compile" \
        --cpu-ms 120000 --wall-ms 120000 2>/dev/null
    jq '.process.args = ["/usr/bin/sh", "-c", "cd /box && for f in *.c; do
            gcc -O2 -std=gnu17 -Wall -Werror -pthread -o \"${f%.c}\" \"$f\" -lm || exit 1; done"]' \
        "$SUITE/compile/config.json" >"$SUITE/config.json"
    mv "$SUITE/config.json" "$SUITE/compile/config.json"
    "$OJRUN" --root "$SUITE/state" run --result "$SUITE/compile.json" -b "$SUITE/compile" \
        "$P-hostile-build" </dev/null >"$SUITE/compile.log" 2>&1 || true
    if ! jq -e '.verdict == "OK"' "$SUITE/compile.json" >/dev/null; then
        echo "compiling the hostile programs failed:" >&2
        cat "$SUITE/compile.json" "$SUITE/compile.log" >&2
        return 1
    fi

    # Some programs race the memory limit (or the tmpfs size) against the
    # CPU limit: every MiB they take costs CPU time to fault in, from
    # ~0.3 ms on bare metal to 5 ms on virtual machines that hand free pages
    # back to their hypervisor.  They get problems of their own whose CPU
    # limit is three times what faulting in their memory costs at this host's
    # measured fault cost (never less than 5 ms/MiB), plus 500 ms for an
    # interpreter's start, and whose wall limit is three times that, for a
    # host whose cores are busy.  A memory bomb the memory limit failed to
    # stop would still run into the CPU limit: TLE, not MLE.
    local fault_us
    fault_us=$("$HELPERS/faultcost" 64 | sed -n 's/^faultcost_us_per_mib=//p')
    [ -n "$fault_us" ] || { echo "faultcost printed nothing" >&2; return 1; }
    export FAULT_US=$((fault_us > 5000 ? fault_us : 5000))
    # the memory bombs: a 64 MiB limit
    export BOMB=$SUITE/bomb BOMB_MIB=64
    sized_problem "$BOMB" "$BOMB_MIB" "$BOMB_MIB"
    export BOMB_CPU_MS=$(jq .cpu_ms "$BOMB/limits.json")
    # fill-tmp: 64 MiB of tmpfs under the usual 128 MiB limit
    export FILL=$SUITE/fill
    sized_problem "$FILL" 64 128
    # the infinite loop: the CPU limit must stop it, before a wall limit
    # that a busy host would reach first (the task got 45 % of a CPU at
    # load 11 on 2 CPUs)
    export LOOP=$SUITE/loop
    mkdir -p "$LOOP/tests"
    cp "$PROBLEM"/tests/* "$LOOP/tests/"
    echo '{"cpu_ms": 500, "wall_ms": 5000, "memory_mb": 128, "output_kb": 1024}' >"$LOOP/limits.json"
    # the interpreted programs (python, javascript, java): $PROBLEM with its
    # time limits scaled by the slowdown factor -- an interpreter's start alone
    # costs more than 500 ms of CPU under software emulation, and these
    # tests check what the sandbox refuses, not the time limit
    export INTERP=$SUITE/interp
    mkdir -p "$INTERP/tests"
    cp "$PROBLEM"/tests/* "$INTERP/tests/"
    printf '{"cpu_ms": %d, "wall_ms": %d, "memory_mb": 128, "output_kb": 1024}\n' \
        "$(slow_ms 500)" "$(slow_ms 1000)" >"$INTERP/limits.json"
    echo "# fault cost of this host: $fault_us us/MiB; memory bombs: $(cat "$BOMB/limits.json")" >&3

    # what must not change on the host
    echo "ojrun hostile suite marker $RANDOM$RANDOM" >"$SUITE/marker"
    (cd "$SUITE" && sha256sum marker /etc/shadow /etc/passwd /usr/bin/sh /usr/bin/ls \
        /usr/bin/mount "$PROBLEM/tests/1.in" "$DATA/aplusb/tests/1.in" >"$SUITE/host.sum")
    for f in /proc/sys/kernel/hostname /proc/sys/kernel/core_pattern /proc/sys/kernel/panic \
        /proc/sys/net/ipv4/ip_forward; do
        printf '%s %s\n' "$f" "$(cat "$f")"
    done >"$SUITE/sysctl"
}

# sized_problem DIR MIB MEMORY_MB: $PROBLEM with a MEMORY_MB limit and time
# limits for a program that faults in MIB MiB at $FAULT_US us/MiB
sized_problem() {
    local cpu_ms=$((3 * $2 * FAULT_US / 1000 + 500))
    mkdir -p "$1/tests"
    cp "$PROBLEM"/tests/* "$1/tests/"
    printf '{"cpu_ms": %d, "wall_ms": %d, "memory_mb": %d, "output_kb": 1024}\n' \
        "$cpu_ms" $((3 * cpu_ms)) "$3" >"$1/limits.json"
}

teardown_file() {
    local id
    for id in $("$OJRUN" --root "$SUITE/state" list -q 2>/dev/null); do
        "$OJRUN" --root "$SUITE/state" delete --force "$id" >/dev/null 2>&1 || true
    done
    rm -rf "$SUITE"
}

setup() {
    # the task ids of this test: unique on the host (cgroups are global)
    ID=$P-hostile
    T=$SUITE/t$BATS_TEST_NUMBER
    mkdir -m 0711 "$T"
}

# box PROG: a prebuilt box holding the compiled PROG as the c template's
# /box/main; its path in $BOX
box() {
    BOX=$T/box-$1
    install -d -o 101000 -g 101000 -m 0755 "$BOX"
    install -o 101000 -g 101000 -m 0755 "$SUITE/build/$1" "$BOX/main"
}

# judge ARGS...: hack/judge --json with the suite's state root and task ids;
# the JSON in $T/result.json, the verdict in $V
judge() {
    TMPDIR=$SUITE/tmp "$JUDGE" --root "$SUITE/state" --id "$ID" --json "$@" >"$T/result.json"
    V=$(jq -r .verdict "$T/result.json")
}

# expect VERDICT: the verdict, or fail showing the judge's JSON
expect() {
    if [ "$V" != "$1" ]; then
        echo "verdict $V, expected $1:" >&2
        jq . "$T/result.json" >&2
        return 1
    fi
}

# hostile PROG VERDICT [PROBLEM]: judge the prebuilt C program PROG
hostile() {
    box "$1"
    judge --lang c --problem "${3:-$PROBLEM}" --prebuilt "$BOX"
    expect "$2"
}

# The host after a task: run it after every test.
host_check() {
    local p d left
    # no process of the task is left in any cgroup (a process that got out of
    # the PID namespace would still be in the task's cgroup)
    left=$(grep -lE ":/ojrun/$ID(-[^/]*)?\$" /proc/[0-9]*/cgroup 2>/dev/null || true)
    if [ -n "$left" ]; then
        echo "processes left in the task's cgroups: $left" >&2
        for p in $left; do
            ps -o pid=,user=,args= -p "$(basename "$(dirname "$p")")" >&2 || true
        done
        return 1
    fi
    # nor a shim or an ojrun of this suite's state root
    left=$(pgrep -f -- "$SUITE/state" || true)
    [ -z "$left" ] || { echo "ojrun processes left: $(ps -o pid=,args= -p "$left")" >&2; return 1; }
    # no cgroup directory
    left=$(cgroup_leftovers "/ojrun/$ID"; cgroup_leftovers "/ojrun/$ID-*")
    [ -z "$left" ] || { echo "cgroup left: $left" >&2; return 1; }
    # no mount of a bundle, a box or anything named by a probe (the judge's
    # work dirs are under $SUITE/tmp; other checkouts' suites and judges,
    # /tmp/ojrun-hostile.* and ojrun-worker.*, are not ours to check)
    if grep -E "$SUITE|ojrun-hostile-" /proc/self/mountinfo >&2; then
        echo "mounts left (above)" >&2
        return 1
    fi
    # no container state (the root keeps only ojrun's seccomp-filter cache)
    # and the judge removed its work directories
    left=$(ls -A "$SUITE/state" | grep -vx seccomp-cache || true)
    [ -z "$left" ] || { echo "state left: $left" >&2; return 1; }
    left=$(ls -A "$SUITE/tmp")
    [ -z "$left" ] || { echo "judge work dir left: $left" >&2; return 1; }
    # the host's files and knobs are untouched
    (cd "$SUITE" && sha256sum --quiet -c host.sum) || { echo "host files changed" >&2; return 1; }
    while read -r f want; do
        [ "$(cat "$f")" = "$want" ] || { echo "$f changed: $(cat "$f")" >&2; return 1; }
    done <"$SUITE/sysctl"
    [ -c /dev/null ] || { echo "the host's /dev/null is no longer a device" >&2; return 1; }
    for p in / /usr /usr/bin /usr/lib /etc /var /root /home /tmp; do
        [ ! -e "$p/ojrun-hostile-pwned" ] || { echo "$p/ojrun-hostile-pwned exists" >&2; return 1; }
    done
    for p in /ojrun-hostile-dir /usr/ojrun-hostile-link /tmp/sda; do
        [ ! -e "$p" ] || { echo "$p exists" >&2; return 1; }
    done
    # the next task runs normally, at its normal speed (a process left
    # hogging the CPUs would show in its figures)
    local box=$SUITE/box-aplusb
    if [ ! -d "$box" ]; then
        install -d -o 101000 -g 101000 -m 0755 "$box"
        install -o 101000 -g 101000 -m 0755 "$SUITE/build/aplusb" "$box/main"
    fi
    TMPDIR=$SUITE/tmp "$JUDGE" --root "$SUITE/state" --id "$ID-next" --json --lang c \
        --problem "$DATA/aplusb" --prebuilt "$box" >"$T/next.json"
    # (bounds scaled by the slowdown factor: A+B's exec and exit take longer
    # on a slower machine, a hog left behind takes whole seconds anyway)
    if ! jq -e --argjson cpu "$(slow_ms 100000)" --argjson wall "$(slow_ms 500000)" \
        '.verdict == "AC" and .tests[0].cpu_us < $cpu and .tests[0].wall_us < $wall' \
        "$T/next.json" >/dev/null; then
        echo "the next task after it:" >&2
        cat "$T/next.json" >&2
        return 1
    fi
    [ -z "$(ls -A "$SUITE/state" | grep -vx seccomp-cache)" ]
}

# ------------------------------------------------------------- resources

@test "fork bomb (fork refused in the run bundle): TLE" {
    hostile fork-bomb TLE
    host_check
}

@test "fork bomb where fork is allowed (the compile bundle's sh): pids limit, nothing left" {
    # not through the judge: a compile phase runs only the template's
    # command; this one runs a shell whose every process forks for ever
    mkdir "$T/bundle"
    install -d -o 101000 -g 101000 -m 0755 "$T/box"
    "$OJRUN" spec --judge c --phase compile --box "$T/box" --bundle "$T/bundle" \
        --cpu-ms 1000 --wall-ms 3000 --pids 64 2>/dev/null
    jq '.process.args = ["/usr/bin/sh", "-c", "bomb() { while :; do bomb & done; }; bomb"]' \
        "$T/bundle/config.json" >"$T/config.json"
    mv "$T/config.json" "$T/bundle/config.json"
    local ojrun=("$OJRUN" --root "$SUITE/state")
    "${ojrun[@]}" create --shim -b "$T/bundle" "$ID" </dev/null >/dev/null 2>&1
    "${ojrun[@]}" start "$ID"
    "${ojrun[@]}" wait "$ID" >"$T/result.json"
    "${ojrun[@]}" delete "$ID"
    # dash gives up when fork fails (exit 2: RE) or the CPU limit ends it
    # first (TLE); either way the processes it left are killed by the
    # container's init when it exits, or by the supervisor
    assert_jq '(.verdict == "RE" or .verdict == "TLE") and .pids_peak <= 64 and .pids_peak >= 32' \
        "$T/result.json"
    host_check
}

# bomb_stopped: the bomb reached its memory limit (the peak is the limit, less
# what the kernel reclaimed at the end) and was stopped by it before the CPU
# limit
bomb_stopped() {
    assert_jq ".tests[0].memory_peak_bytes <= $BOMB_MIB * 1048576 and
        .tests[0].memory_peak_bytes >= ($BOMB_MIB - 4) * 1048576 and
        .tests[0].cpu_us < $BOMB_CPU_MS * 1000" "$T/result.json"
}

@test "memory bomb: MLE" {
    hostile memory-bomb MLE "$BOMB"
    bomb_stopped
    host_check
}

@test "infinite loop: TLE at the CPU limit" {
    hostile infinite-loop TLE "$LOOP"
    # at the limit, or a little past it when the supervisor's last check
    # waits for a CPU on a busy host (up to +100 ms seen at load 11 on 2
    # CPUs); the RLIMIT_CPU backstop would only stop it at 2 s, so the
    # bound, scaled by the slowdown factor, stays below that
    local late
    late=$((500000 + $(slow_ms 300000)))
    [ "$late" -lt 1900000 ] || late=1900000
    assert_jq ".tests[0].cpu_us >= 500000 and .tests[0].cpu_us < $late" "$T/result.json"
    host_check
}

@test "sleep forever: TLE at the wall limit" {
    hostile sleep-forever TLE
    assert_jq ".tests[0].wall_us >= 1000000 and .tests[0].cpu_us < $(slow_ms 100000)" "$T/result.json"
    host_check
}

@test "output flood on stdout: OLE" {
    hostile flood-stdout OLE
    host_check
}

@test "output flood on stderr: OLE" {
    hostile flood-stderr OLE
    host_check
}

@test "thread bomb: bounded by the pids limit, TLE" {
    hostile thread-bomb TLE
    assert_jq '.tests[0].pids_peak <= 64' "$T/result.json"
    host_check
}

@test "filling /tmp: the task's own 64 MiB tmpfs fills up, the host's /tmp does not" {
    hostile fill-tmp AC "$FILL"
    [ -z "$(compgen -G '/tmp/fill-*')" ]
    host_check
}

@test "filling /box: read-only in the run phase" {
    box fill-box
    local before
    before=$(cd "$BOX" && ls -lA --time-style=full-iso && sha256sum main)
    judge --lang c --problem "$PROBLEM" --prebuilt "$BOX"
    expect AC
    [ "$(cd "$BOX" && ls -lA --time-style=full-iso && sha256sum main)" = "$before" ]
    host_check
}

# ------------------------------------------------------------- network

@test "connecting to 127.0.0.1 on the host: no connection arrives" {
    # a listener on the host's loopback; its port is the probe's input
    python3 -c '
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
s.settimeout(30)
print(s.getsockname()[1], flush=True)
c, _ = s.accept()
open(sys.argv[1], "w").write("CONNECTED\n")
' "$T/listener.log" >"$T/port" &
    local listener=$! i
    for i in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.05; done
    mkdir -p "$T/problem/tests"
    cp "$PROBLEM/limits.json" "$T/problem/"
    cp "$T/port" "$T/problem/tests/1.in"
    cp "$PROBLEM/tests/1.out" "$T/problem/tests/1.out"
    hostile connect-host AC "$T/problem"
    sleep 0.2
    kill "$listener" 2>/dev/null || true
    wait "$listener" 2>/dev/null || true
    [ ! -e "$T/listener.log" ]
    host_check
}

@test "connecting to an outside address (TCP 1.1.1.1:80, UDP 8.8.8.8:53, raw sockets)" {
    hostile connect-outside AC
    host_check
}

# ------------------------------------------------------------- files

@test "reading the host's /etc/shadow" {
    hostile read-shadow AC
    host_check
}

@test "reading another task's /box while that task runs" {
    # task A sleeps with a secret in its box; B looks for it
    box sleep-forever
    local box_a=$BOX
    echo "the secret of task A" >"$box_a/secret"
    chmod 0644 "$box_a/secret"
    mkdir -p "$T/problem-a/tests" "$T/problem/tests"
    echo '{"cpu_ms": 500, "wall_ms": 3000}' >"$T/problem-a/limits.json"
    cp "$PROBLEM/tests/1.in" "$PROBLEM/tests/1.out" "$T/problem-a/tests/"
    TMPDIR=$SUITE/tmp "$JUDGE" --root "$SUITE/state" --id "$ID-a" --json --lang c \
        --problem "$T/problem-a" --prebuilt "$box_a" >"$T/a.json" &
    local a=$! i
    for i in $(seq 100); do
        [ "$("$OJRUN" --root "$SUITE/state" state "$ID-a-1" 2>/dev/null |
            jq -r .status)" = running ] && break
        sleep 0.05
    done
    [ "$("$OJRUN" --root "$SUITE/state" state "$ID-a-1" | jq -r .status)" = running ]
    # B gets the host path of A's secret as its input
    echo "$box_a/secret" >"$T/problem/tests/1.in"
    cp "$PROBLEM/limits.json" "$T/problem/"
    cp "$PROBLEM/tests/1.out" "$T/problem/tests/"
    hostile other-box AC "$T/problem"
    wait "$a"
    assert_jq '.verdict == "TLE"' "$T/a.json"
    ID=$ID-a host_check
    host_check
}

@test "writing outside /box: /, /usr, /etc, /dev, /proc, device nodes" {
    hostile write-outside AC
    host_check
}

# ------------------------------------------------------------- kernel and privileges

@test "mount, umount, the new mount API, pivot_root, chroot" {
    hostile mount AC
    host_check
}

@test "unshare, setns, clone(CLONE_NEWUSER), clone3" {
    hostile namespaces AC
    host_check
}

@test "ptrace of its parent (PID 1), process_vm_readv, pidfd_getfd, /proc/PID/mem" {
    hostile ptrace-parent AC
    host_check
}

@test "kill(-1, SIGKILL), SIGKILL/SIGSTOP to PID 1: host processes of the same uid live on" {
    # a host process of the program's host uid (101000)
    setpriv --reuid=101000 --regid=101000 --clear-groups sleep 120 &
    local sentinel=$!
    hostile kill-all AC
    kill -0 "$sentinel"
    [ "$(ps -o stat= -p "$sentinel" | cut -c1)" = S ]
    kill "$sentinel"
    wait "$sentinel" || true
    host_check
}

@test "a setuid-root program in /box gains nothing (nosuid, no_new_privs, unmapped root)" {
    box setuid
    chown 0:0 "$BOX/main"
    chmod 4755 "$BOX/main"
    judge --lang c --problem "$PROBLEM" --prebuilt "$BOX"
    expect AC
    host_check
}

@test "the host's setuid mount(8) runs as uid 1000 and refuses: RE, nothing mounted" {
    hostile exec-setuid RE
    host_check
}

@test "/proc/1/root, /proc/1/environ, /proc/1/mem of the container's init" {
    hostile proc-root AC
    host_check
}

@test "writes to /proc/sys, /proc/sysrq-trigger, oom_score_adj" {
    hostile proc-sys AC
    host_check
}

@test "keyctl, bpf, perf_event_open, io_uring_setup, reboot, kexec_load and more: EPERM" {
    hostile syscalls AC
    host_check
}

@test "closing and dup2-ing stdio after answering: AC, the input file untouched" {
    hostile stdio-games AC
    host_check
}

# ------------------------------------------------------------- compile time

@test "#include \"/dev/random\": the compile limits stop the compiler, CE" {
    local start=$SECONDS
    judge --lang c --problem "$PROBLEM" "$DATA/compile/dev-random.c"
    expect CE
    assert_jq '.compile.message | test("limit exceeded")' "$T/result.json"
    [ $((SECONDS - start)) -lt 20 ]
    host_check
}

@test "a template explosion: the compile limits stop g++, CE" {
    local start=$SECONDS
    judge --lang cpp --problem "$PROBLEM" "$DATA/compile/template-bomb.cpp"
    expect CE
    assert_jq '.compile.message | test("limit exceeded")' "$T/result.json"
    [ $((SECONDS - start)) -lt 20 ]
    host_check
}

# ------------------------------------------------------------- other languages

@test "python: os.fork() bomb is refused, RE" {
    judge --lang python --problem "$INTERP" "$DATA/fork-bomb.py"
    expect RE
    host_check
}

@test "python: memory bomb, MLE" {
    judge --lang python --problem "$BOMB" "$DATA/memory-bomb.py"
    expect MLE
    bomb_stopped
    host_check
}

@test "python: shell, subprocess, socket, /etc/shadow, /usr, unshare via ctypes" {
    judge --lang python --problem "$INTERP" "$DATA/escape.py"
    expect AC
    host_check
}

@test "javascript: child_process, net.connect, /etc/shadow, /usr" {
    judge --lang javascript --problem "$INTERP" "$DATA/escape.js"
    expect AC
    host_check
}

@test "java: thread bomb, OutOfMemoryError (unable to create native thread), RE" {
    # javac takes longer than the default 10 s under software emulation
    judge --lang java --compile-ms "$(slow_ms 10000)" --problem "$INTERP" "$DATA/ThreadBomb.java"
    expect RE
    assert_jq '.tests[0].pids_peak <= 64' "$T/result.json"
    host_check
}

# ------------------------------------------------------------- controls
# The checks above must be able to fail: a probe in a weakened sandbox
# reports breaches, and host_check notices a leftover task and a changed file.

@test "control: with no seccomp filter and a writable /box the probes report breaches" {
    local prog
    for prog in namespaces syscalls fill-box; do
        box "$prog"
        rm -rf "$T/bundle"
        mkdir "$T/bundle"
        "$OJRUN" spec --judge c --phase run --box "$BOX" --bundle "$T/bundle" 2>/dev/null
        jq 'del(.linux.seccomp)
            | .mounts |= map(if .destination == "/box" then .options -= ["ro"] else . end)' \
            "$T/bundle/config.json" >"$T/config.json"
        mv "$T/config.json" "$T/bundle/config.json"
        "$OJRUN" --root "$SUITE/state" run --result "$T/$prog.json" -b "$T/bundle" "$ID" \
            </dev/null >"$T/$prog.out" 2>/dev/null || true
        if ! grep -q '^BREACH' "$T/$prog.out"; then
            echo "$prog reported no breach in the weakened sandbox:" >&2
            cat "$T/$prog.out" >&2
            return 1
        fi
    done
    # (namespaces: a new user namespace; syscalls: memfd_create, personality
    # and more; fill-box: files in its own box, which is the test's)
    host_check
}

@test "control: host_check notices a task left behind and a changed host file" {
    box sleep-forever
    mkdir "$T/bundle"
    "$OJRUN" spec --judge c --phase run --box "$BOX" --bundle "$T/bundle" 2>/dev/null
    "$OJRUN" --root "$SUITE/state" create --shim -b "$T/bundle" "$ID-left" </dev/null \
        >/dev/null 2>&1
    "$OJRUN" --root "$SUITE/state" start "$ID-left"
    run host_check
    [ "$status" -ne 0 ]
    [[ "$output" == *"processes left in the task's cgroups"* ]]
    "$OJRUN" --root "$SUITE/state" delete --force "$ID-left"
    host_check
    cp "$SUITE/marker" "$T/marker"
    echo changed >>"$SUITE/marker"
    run host_check
    cp "$T/marker" "$SUITE/marker"
    [ "$status" -ne 0 ]
    [[ "$output" == *"host files changed"* ]]
    host_check
}
