#!/usr/bin/env bats
# The judge bundle templates, end to end: `ojrun spec --judge` writes the
# bundles, a real runtime compiles and runs submissions in them.
#
# The runtime is $RUNTIME (default: ojrun itself).  Until ojrun's
# create/start are merged, run these with runc, which implements
# everything the templates use:
#
#     RUNTIME=runc bats tests/integration/judge_templates.bats
#
# Any runtime with runc's command line (`--root DIR run -b BUNDLE ID`,
# `list -q`, `delete -f`) works.  Exit statuses follow runc: the program's
# status, or 128+N when signal N killed it.

load helpers

RUNTIME=${RUNTIME:-$OJRUN}
DATA=$BATS_TEST_DIRNAME/data/judge

setup() {
    # Not under BATS_TEST_TMPDIR: the bundle must be searchable by the
    # container's root, host uid 100000, and bats makes its dirs 0700.
    WORK=$(mktemp -d /tmp/ojrun-judge.XXXXXX)
    chmod 0711 "$WORK"
    STATE=$WORK/state
    mkdir "$STATE"
    # The box belongs to the program (container uid 1000 = host 101000),
    # so that the compile phase can write into it.
    BOX=$WORK/box
    mkdir "$BOX"
    chown 101000:101000 "$BOX"
    ID=$P-tpl
    N=0
}

teardown() {
    local id
    for id in $("$RUNTIME" --root "$STATE" list -q 2>/dev/null); do
        "$RUNTIME" --root "$STATE" delete -f "$id" >/dev/null 2>&1 || true
    done
    rm -rf "$WORK"
    # nothing of ours left in any cgroup hierarchy
    local left
    left=$(find /sys/fs/cgroup -maxdepth 5 -name "$ID-*" 2>/dev/null)
    [ -z "$left" ] || { echo "leftover cgroups: $left" >&2; return 1; }
}

# The file name each template expects in /box (see `ojrun spec --help`).
source_name() {
    case $1 in
    c) echo main.c ;;
    cpp) echo main.cpp ;;
    python) echo main.py ;;
    java) echo Main.java ;;
    go) echo main.go ;;
    javascript) echo main.js ;;
    esac
}

# put LANG FILE: the submission's source into the box
put() {
    install -o 101000 -g 101000 -m 0644 "$2" "$BOX/$(source_name "$1")"
}

# bundle LANG PHASE [spec options]: a fresh bundle in $BUNDLE
bundle() {
    local lang=$1 phase=$2
    shift 2
    N=$((N + 1))
    BUNDLE=$WORK/bundle-$N
    mkdir "$BUNDLE"
    "$OJRUN" spec --judge "$lang" --phase "$phase" --box "$BOX" --bundle "$BUNDLE" "$@"
}

# args ARG...: replace process.args of $BUNDLE (to run a probe mode)
args() {
    jq --args '.process.args = $ARGS.positional' "$@" <"$BUNDLE/config.json" >"$WORK/config.json"
    mv "$WORK/config.json" "$BUNDLE/config.json"
}

# rt_run [STDIN]: run $BUNDLE under the runtime (use with `run`)
rt_run() {
    N=$((N + 1))
    "$RUNTIME" --root "$STATE" run -b "$BUNDLE" "$ID-$N" <"${1:-/dev/null}"
}

# The templates' default time limits (compile 10 s CPU and wall, run 1 s
# CPU and 3 s wall), scaled by the machine's slowdown factor: javac and
# go build take 3-9 times longer under software emulation, and a JVM's
# start alone can then pass 1 s.  Later options override them.
compile_limits() { echo --cpu-ms "$(slow_ms 10000)" --wall-ms "$(slow_ms 10000)"; }
run_limits() { echo --cpu-ms "$(slow_ms 1000)" --wall-ms "$(slow_ms 3000)"; }

# compile LANG: the compile phase must succeed
compile() {
    # shellcheck disable=SC2046 # the options, word-split
    bundle "$1" compile $(compile_limits)
    run --separate-stderr rt_run
    if [ "$status" -ne 0 ]; then
        echo "compile $1 failed with status $status: $output $stderr" >&2
        return 1
    fi
}

# judge LANG FILE INPUT [OPTION...]: compile, then run with INPUT on stdin
# (and the spec options for the run phase); the run's result is in
# $status, $output, $stderr
judge() {
    put "$1" "$2"
    compile "$1"
    # shellcheck disable=SC2046 # the options, word-split
    bundle "$1" run $(run_limits) "${@:4}"
    printf '%s\n' "$3" >"$WORK/input"
    run --separate-stderr rt_run "$WORK/input"
}

# the probe (data/judge/probe.c), built by the c template
build_probe() {
    put c "$DATA/probe.c"
    compile c
}

# 64-bit operands: 123456789012 + 987654321098
AB_IN="123456789012 987654321098"
AB_OUT=1111111110110

assert_ab() {
    if [ "$status" -ne 0 ] || [ "$output" != "$AB_OUT" ]; then
        echo "status $status, output '$output', stderr: $stderr" >&2
        return 1
    fi
}

@test "judge c: gcc compiles A+B, which runs" {
    judge c "$DATA/ab.c" "$AB_IN"
    assert_ab
    [ -x "$BOX/main" ]
    # built by the program's user, not root
    [ "$(stat -c %u:%g "$BOX/main")" = 101000:101000 ]
}

@test "judge cpp: g++ compiles A+B with <bits/stdc++.h>, which runs" {
    judge cpp "$DATA/ab.cpp" "$AB_IN"
    assert_ab
}

@test "judge python: syntax check, then A+B runs" {
    judge python "$DATA/ab.py" "$AB_IN"
    assert_ab
    # the syntax check writes nothing (no __pycache__)
    [ "$(ls -A "$BOX")" = main.py ]
}

@test "judge python: a syntax error fails the compile phase" {
    printf 'print("unclosed"\n' >"$WORK/bad.py"
    put python "$WORK/bad.py"
    bundle python compile
    run --separate-stderr rt_run
    [ "$status" -eq 1 ]
    [[ "$stderr" == *SyntaxError* ]]
}

@test "judge java: javac compiles A+B, which runs" {
    judge java "$DATA/ab.java" "$AB_IN"
    assert_ab
    [ -f "$BOX/Main.class" ]
}

@test "judge go: go build compiles A+B, which runs" {
    judge go "$DATA/ab.go" "$AB_IN"
    assert_ab
    [ -x "$BOX/main" ]
}

@test "judge javascript: node --check, then A+B runs" {
    judge javascript "$DATA/ab.js" "$AB_IN"
    assert_ab
}

@test "judge javascript: a syntax error fails the compile phase" {
    printf 'console.log(;\n' >"$WORK/bad.js"
    put javascript "$WORK/bad.js"
    bundle javascript compile
    run --separate-stderr rt_run
    [ "$status" -eq 1 ]
    [[ "$stderr" == *SyntaxError* ]]
}

@test "java: a program starting 4 threads works in the run phase" {
    judge java "$DATA/threads.java" ""
    [ "$status" -eq 0 ]
    [ "$output" = 499999500000 ]
}

@test "java: the heap fits in the memory limit (OutOfMemoryError, not a kill)" {
    # --cpu-ms 3000: RLIMIT_CPU (4 s) must not end the JVM first; filling
    # ~200 MiB costs 0.25 s of CPU here, ~1.2 s where a fresh page costs
    # 5 ms per MiB, against the default 1000 ms (a 2 s RLIMIT_CPU)
    judge java "$DATA/heap.java" "" --memory 268435456 --cpu-ms "$(slow_ms 3000)"
    [ "$status" -eq 0 ]
    # -Xmx is 3/4 of 256 MiB: the heap fills up before the cgroup does
    [[ "$output" =~ ^OutOfMemoryError\ after\ ([0-9]+)\ MiB$ ]]
    [ "${BASH_REMATCH[1]}" -gt 100 ]
    [ "${BASH_REMATCH[1]}" -lt 192 ]
}

@test "python: threading works, a new process is denied in the run phase" {
    judge python "$DATA/threads.py" ""
    [ "$status" -eq 0 ]
    [ "$output" = "499999500000
fork denied: Operation not permitted" ]
}

@test "seccomp, run phase: namespaces, mount, ptrace, io_uring, fork... denied; threads work" {
    build_probe
    bundle c run
    args /box/main seccomp
    run --separate-stderr rt_run
    [ "$status" -eq 0 ]
    [ "$output" = "unshare EPERM
mount EPERM
ptrace EPERM
io_uring_setup EPERM
personality EPERM
clone3 ENOSYS
clone-newuser EPERM
thread ok
fork EPERM" ]
}

@test "seccomp, compile phase: the same calls denied, but processes allowed" {
    build_probe
    bundle c compile
    # the compile box is noexec; the probe must run under the compile
    # phase's filter, so only the mount option changes
    jq '(.mounts[] | select(.destination == "/box") | .options) |= map(select(. != "noexec"))
        | .process.args = ["/box/main", "seccomp"]' "$BUNDLE/config.json" >"$WORK/c.json"
    mv "$WORK/c.json" "$BUNDLE/config.json"
    run --separate-stderr rt_run
    [ "$status" -eq 0 ]
    [ "$output" = "unshare EPERM
mount EPERM
ptrace EPERM
io_uring_setup EPERM
personality EPERM
clone3 ENOSYS
clone-newuser EPERM
thread ok
fork ok" ]
}

# The filter lists only SCMP_ARCH_X86_64, so calls of the other ABIs the
# kernel accepts from an x86_64 process are killed by its bad-architecture
# action.  Each probe runs outside any sandbox first, to see what the kernel
# itself does with the call: a kill under the filter then shows the filter.
@test "seccomp: an x32 syscall kills the program with SIGSYS" {
    build_probe
    # no sandbox: the call returns (a pid with x32 built in, else ENOSYS -38)
    run --separate-stderr "$BOX/main" x32
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^x32\ returned\ -?[0-9]+$ ]]
    bundle c run
    args /box/main x32
    run --separate-stderr rt_run
    [ "$status" -eq $((128 + 31)) ]
    [ -z "$output" ]
}

@test "seccomp: a 32-bit int 0x80 syscall kills the program with SIGSYS" {
    build_probe
    # no sandbox: returns the pid where the kernel has its 32-bit entry;
    # kernels without it (ia32_emulation=0) kill any process with SIGSEGV,
    # and then the filter cannot be seen through this call (the x32 test
    # above still checks the architecture handling)
    run --separate-stderr "$BOX/main" int80
    if [ "$status" -eq $((128 + 11)) ]; then
        skip "int \$0x80 outside any sandbox is killed by SIGSEGV: no 32-bit syscall entry in this kernel"
    fi
    [ "$status" -eq 0 ]
    [[ "$output" =~ ^int80\ returned\ [0-9]+$ ]]
    bundle c run
    args /box/main int80
    run --separate-stderr rt_run
    [ "$status" -eq $((128 + 31)) ]
    [ -z "$output" ]
}

@test "go, javascript: goroutines and workers run, starting a process does not" {
    cat >"$WORK/exec.go" <<'EOF'
package main

import (
	"fmt"
	"os/exec"
	"sync"
)

func main() {
	var wg sync.WaitGroup
	sums := make([]int, 8)
	for k := range sums {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			for j := 0; j < 100000; j++ {
				sums[k] += j
			}
		}(k)
	}
	wg.Wait()
	fmt.Println(sums[7])
	if err := exec.Command("/bin/true").Run(); err != nil {
		fmt.Println("exec:", err)
	}
}
EOF
    judge go "$WORK/exec.go" ""
    [ "$status" -eq 0 ]
    [ "$output" = "4999950000
exec: fork/exec /bin/true: operation not permitted" ]

    cat >"$WORK/exec.js" <<'EOF'
const { Worker } = require('worker_threads');
const w = new Worker('require("worker_threads").parentPort.postMessage(6 * 7)', { eval: true });
w.on('message', (m) => {
  console.log(m);
  try {
    require('child_process').execFileSync('/bin/true');
  } catch (e) {
    console.log('spawn:', e.code);
  }
});
EOF
    judge javascript "$WORK/exec.js" ""
    [ "$status" -eq 0 ]
    [ "$output" = "42
spawn: EPERM" ]
}

@test "run phase: read-only box and rootfs, noexec /tmp, uid 1000, no capabilities, only lo" {
    build_probe
    bundle c run
    args /box/main fs
    run --separate-stderr rt_run
    [ "$status" -eq 0 ]
    [ "$output" = "uid 1000 gid 1000
write-box EROFS
write-root EROFS
write-usr EROFS
write-tmp ok
exec-tmp EACCES
sys ENOENT
etc-shadow ENOENT
passwd judge:x:1000:1000:judge:/box:/usr/sbin/nologin
CapInh:	0000000000000000
CapPrm:	0000000000000000
CapEff:	0000000000000000
CapBnd:	0000000000000000
CapAmb:	0000000000000000
NoNewPrivs:	1
Seccomp:	2
netdev lo
hostname judge" ] || { echo "$output" >&2; false; }
}

@test "limits: memory over --memory is killed, memory under it is not" {
    build_probe
    bundle c run --memory 67108864
    args /box/main mem 32
    run --separate-stderr rt_run
    [ "$status" -eq 0 ]
    [ "$output" = "touched 32 MiB" ]
    args /box/main mem 128
    run --separate-stderr rt_run
    [ "$status" -eq 137 ] # SIGKILL from the memory cgroup (no swap to go to)
    [ -z "$output" ]
}

@test "limits: files stop growing at --output-bytes" {
    build_probe
    bundle c run --output-bytes 1000
    args /box/main fsize
    run --separate-stderr rt_run
    # SIGXFSZ, or EFBIG where the program is the pid namespace's init
    if [ "$status" -eq $((128 + 25)) ]; then
        [ "$output" = "write 1000" ]
    else
        [ "$status" -eq 0 ]
        [ "$output" = "write 1000
write-more EFBIG
size 1000" ]
    fi
}

@test "limits: RLIMIT_CPU stops a spinning program (ceil(cpu-ms) + 1 s)" {
    build_probe
    bundle c run --cpu-ms 500
    args /box/main spin
    SECONDS=0
    run --separate-stderr rt_run
    [ "$status" -eq 137 ]
    # 2 s of CPU, with room for a busy machine
    [ "$SECONDS" -lt 15 ]
}

@test "spec --judge: usage errors, and an existing config.json is refused" {
    run --separate-stderr "$OJRUN" spec --judge c --box "$BOX" --bundle "$WORK"
    [ "$status" -eq 1 ]
    [ "$stderr" = "ojrun: spec: --judge needs --phase compile|run (see 'ojrun spec --help')" ]
    run --separate-stderr "$OJRUN" spec --judge c --phase run --bundle "$WORK"
    [ "$status" -eq 1 ]
    [ "$stderr" = "ojrun: spec: --judge needs --box DIR (see 'ojrun spec --help')" ]
    run --separate-stderr "$OJRUN" spec --phase run --bundle "$WORK"
    [ "$status" -eq 1 ]
    [ "$stderr" = "ojrun: spec: --phase needs --judge (see 'ojrun spec --help')" ]
    run --separate-stderr "$OJRUN" spec --judge c --phase run --box "$BOX" --rootless
    [ "$status" -eq 1 ]
    [ "$stderr" = "ojrun: spec: --rootless and --judge cannot be combined "\
"(see 'ojrun spec --help')" ]
    run --separate-stderr "$OJRUN" spec --judge fortran --phase run --box "$BOX" --bundle "$WORK"
    [ "$status" -eq 1 ]
    [ "$stderr" = 'ojrun: spec: --judge: unknown language "fortran" (known: c, cpp, go, java, '\
'javascript, python)' ]
    run --separate-stderr "$OJRUN" spec --judge c --phase run --box "$BOX" --bundle "$WORK" \
        --memory -5
    [ "$status" -eq 1 ]
    [ "$stderr" = 'ojrun: spec: --memory: "-5": not a non-negative integer' ]
    # nothing was written by the failures
    [ ! -e "$WORK/config.json" ] && [ ! -e "$WORK/rootfs" ]

    bundle c run
    run --separate-stderr "$OJRUN" spec --judge c --phase run --box "$BOX" --bundle "$BUNDLE"
    [ "$status" -eq 1 ]
    [ "$stderr" = "ojrun: spec: $BUNDLE/config.json: file exists" ]
    # and --help lists every language with its files
    run "$OJRUN" spec --help
    [ "$status" -eq 0 ]
    for l in c cpp python java go javascript; do
        [[ "$output" == *"  $l "*"$(source_name $l) ->"* ]]
    done
}

@test "spec --judge: every language and phase, checked with jq" {
    local checks=(
        '.ociVersion == "1.2.0" and .root == {"path": "rootfs", "readonly": true}'
        '[.linux.namespaces[].type] | sort == ["cgroup", "ipc", "mount", "network", "pid",
                                               "user", "uts"]'
        '.process.user == {"uid": 1000, "gid": 1000} and .process.noNewPrivileges'
        '[.process.capabilities[]] | length == 5 and all(length == 0)'
        '.annotations["org.ojrun.limit.cpu-ms"] == "2000"'
        '.linux.resources.pids.limit == 32'
        '.linux.resources.memory.limit == .linux.resources.memory.swap'
        '(.process.rlimits[] | select(.type == "RLIMIT_CPU") | .hard) == 3'
        '.linux.seccomp.defaultAction == "SCMP_ACT_ERRNO" and .linux.seccomp.defaultErrnoRet == 1'
        '[.linux.seccomp.syscalls[0].names[]
          | select(IN("mount", "umount2", "unshare", "setns", "ptrace", "bpf", "keyctl",
                      "perf_event_open", "io_uring_setup", "kexec_load", "reboot", "init_module",
                      "userfaultfd", "open_by_handle_at", "personality", "clone", "clone3"))]
         == []'
        '.mounts[] | select(.destination == "/usr") | .options | index("ro")'
    )
    local lang phase check d
    for lang in c cpp python java go javascript; do
        for phase in compile run; do
            bundle "$lang" "$phase" --cpu-ms 2000 --pids 32
            for check in "${checks[@]}"; do
                assert_jq "$check" "$BUNDLE/config.json"
            done
            assert_jq ".annotations[\"org.ojrun.judge.lang\"] == \"$lang\"" "$BUNDLE/config.json"
            assert_jq ".annotations[\"org.ojrun.judge.phase\"] == \"$phase\"" "$BUNDLE/config.json"
            # every mount point exists in the rootfs, which has the merged-/usr links
            for d in $(jq -r '.mounts[].destination' "$BUNDLE/config.json"); do
                [ -e "$BUNDLE/rootfs$d" ] || { echo "no mount point $d" >&2; false; }
            done
            [ "$(readlink "$BUNDLE/rootfs/bin")" = "$(readlink /bin)" ]
        done
    done
}

@test "the template generator rejects broken templates" {
    src=${OJRUN_SRC:-$BATS_TEST_DIRNAME/../..}
    gen=$src/bundle-templates/generator/gen-judge-templates.sh
    tmpl=$src/bundle-templates
    cp "$tmpl"/*.json "$WORK/"
    run bash "$gen" "$WORK"/*.json
    [ "$status" -eq 0 ]
    [[ "$output" == *'.name = "java"'* ]]

    # a misspelt key
    jq '.run.argz = .run.args' "$tmpl/c.json" >"$WORK/c.json"
    run bash "$gen" "$WORK"/*.json
    [ "$status" -ne 0 ]
    [[ "$output" == *'c.json: run: unknown key "argz"'* ]]
    # clone is written by the C code with its flag filter, never listed
    jq '.run.syscalls = {"clone": "threads"}' "$tmpl/c.json" >"$WORK/c.json"
    run bash "$gen" "$WORK"/*.json
    [ "$status" -ne 0 ]
    [[ "$output" == *'clone is not listed'* ]]
    # a syscall the base groups already allow
    jq '.run.syscalls = {"read": "input"}' "$tmpl/c.json" >"$WORK/c.json"
    run bash "$gen" "$WORK"/*.json
    [ "$status" -ne 0 ]
    [[ "$output" == *'read is already allowed'* ]]
    # a relative command
    jq '.run.args = ["main"]' "$tmpl/c.json" >"$WORK/c.json"
    run bash "$gen" "$WORK"/*.json
    [ "$status" -ne 0 ]
    [[ "$output" == *'c.json: run.args: must start with an absolute path'* ]]
}
