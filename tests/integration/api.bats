#!/usr/bin/env bats
# The public API (runtime/libojrun.h) from a client's side: `make install`
# into a temporary DESTDIR, the example client hack/examples/judge-task.c
# built against the installed libojrun.so with `pkg-config --cflags --libs
# libojrun`, and real judged tasks run through it -- one, and several at
# once from one poll() loop.

load helpers

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
BUILD_DIR=$(cd "$(dirname "$OJRUN")" && pwd)

setup_file() {
    # Not under BATS_FILE_TMPDIR: bundles and boxes must be searchable by
    # the container's root (host uid 100000), and bats makes its dirs 0700.
    export API_WORK=$(mktemp -d /tmp/ojrun-api.XXXXXX)
    chmod 0711 "$API_WORK"
    local dest=$API_WORK/dest
    make -C "$REPO" --no-print-directory -s BUILD="${BUILD_DIR#$REPO/}" install \
        DESTDIR="$dest" PREFIX=/usr/local >"$API_WORK/install.log" 2>&1 ||
        { cat "$API_WORK/install.log" >&2; return 1; }
    export PKG_CONFIG_PATH=$dest/usr/local/lib/pkgconfig
    export PKG_CONFIG_SYSROOT_DIR=$dest
    export LD_LIBRARY_PATH=$dest/usr/local/lib
    local flags
    flags=$(pkg-config --cflags --libs libojrun) || return 1
    # shellcheck disable=SC2086
    cc -Wall -Wextra -Werror -o "$API_WORK/judge-task" "$REPO/hack/examples/judge-task.c" $flags
}

teardown_file() {
    rm -rf "$API_WORK"
}

setup() {
    setup_root
    WORK=$API_WORK/t$BATS_TEST_NUMBER
    mkdir -m 0711 "$WORK"
    BOX=$WORK/box
    mkdir -m 0755 "$BOX"
    mkdir -m 0711 "$WORK/b"
}

teardown() {
    # every task deleted its container: no state, no cgroup of ours
    local left
    left=$(ls "$ROOT" 2>/dev/null | grep -v '^seccomp-cache$' || true)
    left+=$(find /sys/fs/cgroup -maxdepth 5 -name "$P-*" 2>/dev/null)
    [ -z "$left" ] || { echo "leftovers: $left" >&2; return 1; }
}

# bundle_args ARG...: a run-phase C judge bundle in $WORK/b whose program
# is $BOX/main, run with the given arguments
bundle_args() {
    "$OJRUN" spec --judge c --phase run --box "$BOX" --bundle "$WORK/b"
    jq --args '.process.args = $ARGS.positional' "$@" <"$WORK/b/config.json" >"$WORK/c.json"
    mv "$WORK/c.json" "$WORK/b/config.json"
}

@test "api: make install puts the header, both libraries and libojrun.pc under DESTDIR" {
    local d=$API_WORK/dest/usr/local
    [ -f "$d/include/libojrun.h" ]
    [ -f "$d/lib/libojrun.a" ]
    [ -L "$d/lib/libojrun.so" ] && [ -f "$(readlink -f "$d/lib/libojrun.so")" ]
    grep -qx 'Requires.private: libseccomp libcap yajl' "$d/lib/pkgconfig/libojrun.pc"
    # the header stands alone: it includes no other header of the project
    run grep -E '#include "' "$d/include/libojrun.h"
    [ "$status" -eq 1 ]
    # only the public API is exported
    run sh -c "nm -D --defined-only '$d/lib/libojrun.so' | awk '\$2 ~ /^[TDB]\$/ {print \$3}' | grep -v '^ojrun_'"
    [ "$status" -eq 1 ] || { echo "exported: $output" >&2; false; }
    # the example really uses the shared library
    ldd "$API_WORK/judge-task" | grep -q "$API_WORK/dest/usr/local/lib/libojrun.so"
}

@test "api: a judge-template task of /bin/true is OK" {
    cp /bin/true "$BOX/main"
    run --separate-stderr "$API_WORK/judge-task" -r "$ROOT" -l c -x "$BOX" "$WORK/b" "$P-true"
    [ "$status" -eq 0 ] || { echo "$output $stderr" >&2; false; }
    [ -f "$WORK/b/config.json" ]
    assert_lines 1 "$output"
    [ "$(jq -r .id <<<"$output")" = "$P-true-0" ]
    [ "$(jq -r .verdict <<<"$output")" = OK ]
    [ "$(jq -r .exit_code <<<"$output")" = 0 ]
    [ "$(jq -r .error <<<"$output")" = null ]
    [ "$(jq -r .wall_us <<<"$output")" -gt 0 ]
}

@test "api: a busy loop over its CPU limit is TLE" {
    cp "$OJRUN_HELPERS/busy" "$BOX/main"
    bundle_args /box/main 0
    run --separate-stderr "$API_WORK/judge-task" -r "$ROOT" -c 200 "$WORK/b" "$P-busy"
    [ "$status" -eq 0 ] || { echo "$output $stderr" >&2; false; }
    [ "$(jq -r .verdict <<<"$output")" = TLE ]
    [ "$(jq -r .limits.cpu_ms <<<"$output")" = 200 ]
    [ "$(jq -r .cpu_us <<<"$output")" -ge 200000 ]
    [ "$(jq -r .signal <<<"$output")" = SIGKILL ]
}

@test "api: three tasks at once from one poll loop" {
    # Each sleeps 1.5 s of wall time: one after the other that is >= 4.5 s,
    # at once a little over 1.5 s.
    bundle_args /usr/bin/sleep 1.5
    local t0=$SECONDS
    run --separate-stderr "$API_WORK/judge-task" -r "$ROOT" -n 3 "$WORK/b" "$P-par"
    local took=$((SECONDS - t0))
    [ "$status" -eq 0 ] || { echo "$output $stderr" >&2; false; }
    assert_lines 3 "$output"
    [ "$(jq -r .verdict <<<"$output" | sort | uniq -c | awk '{print $1, $2}')" = "3 OK" ]
    [ "$(jq -r .id <<<"$output" | sort | tr '\n' ' ')" = "$P-par-0 $P-par-1 $P-par-2 " ]
    local w
    for w in $(jq -r .wall_us <<<"$output"); do
        [ "$w" -ge 1500000 ]
    done
    [ "$took" -lt 4 ] || { echo "took $took s: the tasks ran one after the other" >&2; false; }
}

@test "api: a config that cannot run is an error of that task, not a result" {
    cp /bin/true "$BOX/main"
    bundle_args /box/main
    jq '.root.path = "no-such-rootfs"' <"$WORK/b/config.json" >"$WORK/c.json"
    mv "$WORK/c.json" "$WORK/b/config.json"
    run --separate-stderr "$API_WORK/judge-task" -r "$ROOT" "$WORK/b" "$P-bad"
    [ "$status" -eq 1 ]
    [ -z "$output" ]
    [[ "$stderr" == *"judge-task: $P-bad-0: root.path: "*"no-such-rootfs: No such file or directory"* ]]
}

@test "api: a task pinned to a cpuset runs on those CPUs only" {
    # the program reports the CPUs it may run on (on its stdout, which the
    # example sends to its stderr)
    bundle_args /usr/bin/grep Cpus_allowed_list /proc/self/status
    run --separate-stderr "$API_WORK/judge-task" -r "$ROOT" -p 0 "$WORK/b" "$P-pin"
    [ "$status" -eq 0 ] || { echo "$output $stderr" >&2; false; }
    [ "$(jq -r .verdict <<<"$output")" = OK ]
    [[ "$stderr" == *"Cpus_allowed_list:"*$'\t'"0" ]] || { echo "stderr: $stderr" >&2; false; }
    # and without -p, the config's (unset) cpuset: more than CPU 0 on a
    # multi-CPU host
    if [ "$(nproc)" -gt 1 ]; then
        run --separate-stderr "$API_WORK/judge-task" -r "$ROOT" "$WORK/b" "$P-nopin"
        [[ "$stderr" != *"Cpus_allowed_list:"*$'\t'"0" ]] || { echo "stderr: $stderr" >&2; false; }
    fi
}

@test "api: a cancelled task ends at once with SE and leaves nothing" {
    # sleep 20 s: the template's 3 s wall limit would end it as WLE; the
    # cancel after 0.3 s must end it long before
    bundle_args /usr/bin/sleep 20
    local t0=$SECONDS
    run --separate-stderr "$API_WORK/judge-task" -r "$ROOT" -n 2 -k 300 "$WORK/b" "$P-cancel"
    [ "$status" -eq 0 ] || { echo "$output $stderr" >&2; false; }
    assert_lines 2 "$output"
    [ "$(jq -r .verdict <<<"$output" | sort -u)" = SE ]
    [ "$(jq -r .error <<<"$output" | sort -u)" = "the supervisor received SIGTERM" ]
    for w in $(jq -r .wall_us <<<"$output"); do
        [ "$w" -lt 2500000 ]
    done
    [ $((SECONDS - t0)) -lt 3 ]
}
