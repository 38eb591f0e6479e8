# Shared helpers for ojrun's bats tests.  Load with `load helpers`.
#
#   OJRUN        the binary under test; tests/run.sh exports it, and when a
#                .bats file is run by hand it defaults to build/ojrun.
#   setup_root   give the test a private state directory $ROOT (under
#                $BATS_TEST_TMPDIR, which bats removes after the test), so
#                tests never see each other's containers or /run/ojrun.
#   ojrun ARGS   run "$OJRUN" --root "$ROOT" ARGS; use with `run`.
#   P            a container id prefix unique to this bats run and test;
#                C1, C2 are "$P-c1", "$P-c2".  Use ids built from it (never
#                a fixed id like c1): see "Container ids" below.

# `run --separate-stderr` and `run -N` need bats 1.5.
bats_require_minimum_version 1.5.0

OJRUN=${OJRUN:-$BATS_TEST_DIRNAME/../../build/ojrun}

# Container ids.  --root keeps the state private, but a container's cgroup
# is /ojrun/<id> whatever --root is (the default cgroupsPath), and the
# cgroup hierarchies are the host's: two checkouts running the suites at
# once on one host (a CI host with several jobs) would share the cgroups of
# a fixed id "c1" and break each other.  So every id starts with $P:
#
#   OJ_RUN_TAG  "oj" + 8 random hex digits, made once per bats run (kept in
#               $BATS_RUN_TMPDIR, which setup_file and every test of the
#               run share), so also usable for per-file names
#               (a containerd namespace, a cgroup parent)
#   P           $OJ_RUN_TAG-<the test's number in the run>; in setup_file,
#               where there is no test, $OJ_RUN_TAG alone
#
# The number keeps tests of one run apart too, so what one failed test
# leaves behind cannot fail the next.  Random, not $$: pids repeat across
# PID namespaces (CI jobs in containers) and after a run ends.
oj_run_tag() {
    local f=$BATS_RUN_TMPDIR/ojrun-id-tag tag
    if [ ! -s "$f" ]; then
        tag=oj$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')
        # write, then link: whoever links first wins, the others read it
        printf '%s\n' "$tag" >"$f.$$"
        ln "$f.$$" "$f" 2>/dev/null || true
        rm -f "$f.$$"
    fi
    cat "$f"
}
OJ_RUN_TAG=$(oj_run_tag)
P=$OJ_RUN_TAG${BATS_SUITE_TEST_NUMBER:+-$BATS_SUITE_TEST_NUMBER}
C1=$P-c1
C2=$P-c2

setup_root() {
    ROOT="$BATS_TEST_TMPDIR/root"
    mkdir -p "$ROOT"
}

ojrun() {
    "$OJRUN" --root "$ROOT" "$@"
}

# Fail (with what was printed) unless $1 is the number of lines in $2.
assert_lines() {
    local want=$1 text=$2 got
    got=$(printf '%s' "$text" | grep -c '' || true)
    if [ "$got" -ne "$want" ]; then
        echo "expected $want line(s), got $got:" >&2
        printf '%s\n' "$text" >&2
        return 1
    fi
}

# Fail unless jq expression $1 is true for JSON file $2 (shows the value).
assert_jq() {
    local expr=$1 file=$2
    if ! jq -e "$expr" "$file" >/dev/null; then
        echo "jq check failed: $expr" >&2
        jq . "$file" >&2 || cat "$file" >&2
        return 1
    fi
}

# cgroups on any layout (v1, hybrid, pure v2), from /proc/self/mountinfo as
# ojrun detects them (runtime/cgroup_host.c):
#   cgroup_mounts          every cgroup (v1) and cgroup2 mount point, one a line
#   cgroup_path CTRL REL   the directory of cgroup REL ("/ojrun/<id>") for
#                          controller CTRL: its v1 hierarchy when one carries
#                          it ("pids", "memory", "freezer", "name=systemd"),
#                          else the cgroup2 mount (pure v2: always; "" asks
#                          for the cgroup2 directory).  Status 1 when none.
#   cgroup_dir ID CTRL     cgroup_path for a container with the default
#                          cgroupsPath (/ojrun/<id>)
#   cgroup_leftovers GLOB  the existing directories matching GLOB (below the
#                          hierarchy root, e.g. "/ojrun/$ID*") in every
#                          hierarchy, one a line; nothing when there are none
cgroup_mounts() {
    awk '{ for (i = 7; i <= NF; i++) if ($i == "-") {
               if ($(i + 1) == "cgroup" || $(i + 1) == "cgroup2") print $5
               break
           } }' /proc/self/mountinfo
}

cgroup_path() {
    local ctrl=$1 rel=$2 m
    if [ -n "$ctrl" ]; then
        m=$(awk -v c="$ctrl" '{ for (i = 7; i <= NF; i++) if ($i == "-") {
                   if ($(i + 1) == "cgroup") {
                       n = split($(i + 3), o, ",")
                       for (j = 1; j <= n; j++) if (o[j] == c) { print $5; exit }
                   }
                   break
               } }' /proc/self/mountinfo)
    fi
    if [ -z "$m" ]; then
        m=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") {
                       if ($(i + 1) == "cgroup2") { print $5; exit }
                       break
                   } }' /proc/self/mountinfo)
    fi
    [ -n "$m" ] || return 1
    printf '%s%s\n' "$m" "$rel"
}

# cgroup_on_v2 CTRL: status 0 when controller CTRL is on the cgroup2
# hierarchy here (pure v2, or a hybrid host's unified mount carrying it).
cgroup_on_v2() {
    local d2
    d2=$(cgroup_path "" "") || return 1
    [ "$(cgroup_path "$1" "")" = "$d2" ]
}

cgroup_dir() {
    cgroup_path "$2" "/ojrun/$1"
}

cgroup_leftovers() {
    local glob=$1 m d
    for m in $(cgroup_mounts); do
        for d in $m$glob; do
            [ -d "$d" ] && printf '%s\n' "$d"
        done
    done
    return 0
}

# slow_ms N: N scaled by the machine's slowdown factor (OJ_SLOWDOWN, which
# tests/run.sh measures with tests/slowdown.sh at the start of a run; 1 when
# unset), rounded down to an integer.  For timing tolerances and time
# limits that depend on the machine's speed, never for the value a test
# checks.
slow_ms() {
    awk -v v="$1" -v f="${OJ_SLOWDOWN:-1}" 'BEGIN { if (f < 1) f = 1; printf "%d\n", v * f }'
}
