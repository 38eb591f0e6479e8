# Helpers shared by the client suites, podman.bats and containerd.bats.
# Load after helpers and bundle:  load helpers; load bundle; load clients
#
# Those suites drive real container engines (podman + conmon, containerd +
# containerd-shim-runc-v2) through the runc command-line contract.  Every
# check runs twice: against Debian's runc, the control, and against ojrun.
# When the runc variant fails the engine or the test setup is at fault;
# when only the ojrun variant fails, ojrun is.  The runc variants are named
# "control/runc: ...", and tests/run.sh counts them apart from ojrun's
# tests.  An ojrun variant never skips because of ojrun: a missing or
# broken ojrun fails it.
#
#   RUNC              the control runtime (default /usr/sbin/runc)
#   OJRUN             the runtime under test (helpers.bash / tests/run.sh)
#   CLIENT_RUNTIMES   which variants run (default "runc ojrun"); a variant
#                     left out is skipped, e.g. CLIENT_RUNTIMES=ojrun
#
#   use_runtime RT    first line of each test: selects RT (runc|ojrun)
#                     into $RT; skips (saying so) when CLIENT_RUNTIMES
#                     leaves RT out
#   make_runtime_wrapper DIR NAME BIN [GLOBAL-ARG...]
#                     DIR/NAME logs its argv to DIR/NAME.calls and execs BIN
#   assert_call FILE REGEX      some logged call matches REGEX (else show all)
#   assert_no_call FILE REGEX   no logged call matches REGEX
#   in_pty CMD...     run CMD with a pseudo-terminal as its stdio (script(1))
#   wait_until SECONDS CMD...   poll CMD every 0.1 s until it succeeds
#   assert_no_cgroup PATH       no controller hierarchy has cgroup PATH
#   assert_no_mount TEXT        no mount point or source mentions TEXT
#   assert_no_process TEXT      no process's command line contains TEXT
#   kill_cgroup_procs PATH      SIGKILL the processes in cgroup PATH and below
#   rmdir_cgroup PATH           remove cgroup PATH (children first) everywhere
#   umount_under DIR            unmount whatever is mounted under DIR

RUNC=${RUNC:-/usr/sbin/runc}
CLIENT_RUNTIMES=${CLIENT_RUNTIMES:-runc ojrun}

use_runtime() { # RT
    RT=$1
    case " $CLIENT_RUNTIMES " in
    *" $RT "*) ;;
    *) skip "$RT not in CLIENT_RUNTIMES=\"$CLIENT_RUNTIMES\"" ;;
    esac
    case $RT in
    runc | ojrun) ;;
    *)
        echo "use_runtime: unknown runtime $RT" >&2
        return 1
        ;;
    esac
}

# The engines call the runtime by a path from their configuration; the
# wrapper in between records the exact argv of every call (one line per
# call, each argument shell-quoted, written with one write(2) so concurrent
# calls do not interleave) and can put global flags such as a private
# --root in front of the engine's.
make_runtime_wrapper() { # DIR NAME BIN [GLOBAL-ARG...]
    local dir=$1 name=$2 bin=$3 extra=""
    shift 3
    [ $# -gt 0 ] && extra=$(printf ' %q' "$@")
    mkdir -p "$dir"
    cat >"$dir/$name" <<EOF
#!/bin/bash
# Test wrapper (clients.bash): log the call, then run the real runtime.
line=\$(printf ' %q' "\$@")
printf '%s\n' "$name\$line" >>$(printf '%q' "$dir/$name.calls")
exec $(printf '%q' "$bin")$extra "\$@"
EOF
    chmod 0755 "$dir/$name"
    : >"$dir/$name.calls"
}

# Fail unless the calls file $1 has a line matching extended regex $2.
assert_call() {
    if ! grep -qE -- "$2" "$1"; then
        echo "no runtime call matches: $2" >&2
        echo "calls were:" >&2
        cat "$1" >&2
        return 1
    fi
}

assert_no_call() {
    if grep -qE -- "$2" "$1"; then
        echo "unexpected runtime call matching: $2" >&2
        grep -E -- "$2" "$1" >&2
        return 1
    fi
}

# script(1) gives CMD a pseudo-terminal as stdin/stdout/stderr, as a user at
# a terminal would; -e returns CMD's exit status.  The output comes back
# through the terminal, so CR LF line ends are removed, and so is the "^@"
# the terminal echoes for the NUL byte ctr writes to its input.
in_pty() {
    local cmd
    cmd=$(printf '%q ' "$@")
    timeout 60 script -qec "$cmd" /dev/null </dev/null | tr -d '\r\000' | sed 's/\^@//g'
    return "${PIPESTATUS[0]}"
}

# Conditions for wait_until that re-read their values on every try
# (`wait_until 5 test "$(x)" -gt 1` would read x once, when called).
count_above() { # PID N: the counter payload's count is above N
    local c
    c=$(cat "/proc/$1/root/tmp/count" 2>/dev/null) || return 1
    [ -n "$c" ] && [ "$c" -gt "$2" ]
}

cgroup_pid_count_is() { # N FILE: FILE (a cgroup.procs) lists N processes
    [ "$(wc -l <"$2" 2>/dev/null)" = "$1" ]
}

wait_until() { # SECONDS CMD...
    local limit=$1 i
    shift
    for ((i = 0; i < limit * 10; i++)); do
        "$@" && return 0
        sleep 0.1
    done
    echo "timed out after ${limit}s waiting for: $*" >&2
    return 1
}

cgroup_dirs() { # PATH: the directories of cgroup PATH that exist
    local c
    for c in /sys/fs/cgroup/*/; do
        [ -d "$c${1#/}" ] && echo "$c${1#/}"
    done
    return 0
}

assert_no_cgroup() {
    local left
    left=$(cgroup_dirs "$1")
    if [ -n "$left" ]; then
        echo "cgroup $1 left behind:" >&2
        echo "$left" >&2
        return 1
    fi
}

assert_no_mount() {
    if grep -qF -- "$1" /proc/self/mountinfo; then
        echo "mount mentioning $1 left behind:" >&2
        grep -F -- "$1" /proc/self/mountinfo >&2
        return 1
    fi
}

no_process() { ! pgrep -f -- "$1" >/dev/null; }

assert_no_process() {
    # an engine may reap its helper (conmon, shim) a moment after returning
    if ! wait_until 5 no_process "$1"; then
        echo "process mentioning $1 left behind:" >&2
        pgrep -af -- "$1" >&2
        return 1
    fi
}

# SIGKILL every process in cgroup PATH and below (the pids hierarchy holds
# them all on this host).  For cleaning up after a runtime that failed to
# stop its containers: the processes there are the ones our tests started.
kill_cgroup_procs() {
    local d=/sys/fs/cgroup/pids/${1#/} f pid
    [ -d "$d" ] || return 0
    # a frozen (paused) process acts on SIGKILL only once thawed
    for f in $(find "/sys/fs/cgroup/freezer/${1#/}" -name freezer.state 2>/dev/null); do
        echo THAWED >"$f" 2>/dev/null || true
    done
    for pid in $(find "$d" -name cgroup.procs -exec cat {} +); do
        kill -KILL "$pid" 2>/dev/null || true
    done
    # wait until the kernel has emptied them, so rmdir can succeed
    wait_until 10 cgroup_empty "$d" || true
}

cgroup_empty() { test -z "$(find "$1" -name cgroup.procs -exec cat {} +)"; }

# Remove cgroup PATH and its children in every hierarchy (rmdir only: a
# cgroup that still has processes stays, and is reported).
rmdir_cgroup() {
    local d
    for d in $(cgroup_dirs "$1"); do
        find "$d" -depth -type d -exec rmdir {} + 2>/dev/null ||
            echo "cannot remove cgroup $d" >&2
    done
    return 0
}

umount_under() {
    local m
    # deepest first; mountinfo field 5 is the mount point
    for m in $(awk -v d="$1/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
        umount -l "$m" || echo "cannot unmount $m" >&2
    done
    return 0
}
