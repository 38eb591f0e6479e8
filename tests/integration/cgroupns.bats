#!/usr/bin/env bats
# The "cgroup" mount with a user namespace and a cgroup namespace (what
# podman --userns=auto asks for): the container must see its own cgroups,
# with its own limits, through /sys/fs/cgroup.  runc, when installed, runs
# the same bundle as the control.  The path logic behind it is unit tested
# on fake v2 and hybrid trees (tests/unit/test_rootfs_cgroup.c), the mounts
# on the real hierarchies in tests/unit/test_rootfs_dev.c.

load helpers
load bundle

setup() {
    setup_root
    make_bundle
    # /ojrun/<id> is shared by every --root on the host: ids unique to this run
    ID=$P-cgns
}

teardown() {
    ojrun_cleanup
    if [ -n "${RUNC_ID:-}" ]; then
        runc --root "$BATS_TEST_TMPDIR/runc" delete --force "$RUNC_ID" >/dev/null 2>&1 || true
    fi
}

# What the container reports about its cgroups, one "key=value" line each;
# the limits are read from the v1 files or, on a v2 host, the cgroup2 ones.
REPORT='
echo "ls=$(ls /sys/fs/cgroup | tr "\n" " ")"
echo "self=$(cut -d: -f3 /proc/self/cgroup | sort -u | tr "\n" " ")"
if [ -e /sys/fs/cgroup/memory.max ]; then
    echo "mem=$(cat /sys/fs/cgroup/memory.max)"
    echo "pids=$(cat /sys/fs/cgroup/pids.max)"
    echo "procs=$(grep -c . /sys/fs/cgroup/cgroup.procs)"
else
    echo "mem=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"
    echo "pids=$(cat /sys/fs/cgroup/pids/pids.max)"
    echo "procs=$(grep -c . /sys/fs/cgroup/pids/cgroup.procs)"
fi
echo "cgmounts=$(grep -c " - cgroup2\? " /proc/self/mountinfo)"
echo "rootmounts=$(grep " - cgroup2\? " /proc/self/mountinfo | cut -d" " -f4 | sort -u | tr "\n" " ")"
'

userns_cgroupns_bundle() {
    userns_on
    cfg '.mounts += [{"destination":"/sys/fs/cgroup","type":"cgroup","source":"cgroup",
                      "options":["nosuid","noexec","nodev","relatime","ro"]}]
         | .linux.resources = {"memory":{"limit":71303168},"pids":{"limit":1234}}'
    # the base config already has the cgroup namespace: make sure
    jq -e '.linux.namespaces | map(.type) | index("cgroup") and index("user")' \
        "$BUNDLE/config.json" >/dev/null
    cfg_args sh -c "$REPORT"
}

# value of key $1 in report $2
val() {
    printf '%s\n' "$2" | sed -n "s/^$1=//p"
}

@test "user + cgroup namespaces: the cgroup mount shows the container's own cgroups" {
    userns_cgroupns_bundle
    run --separate-stderr ojrun run -b "$BUNDLE" "$ID"
    echo "$output$stderr"
    [ "$status" -eq 0 ]
    mine=$output

    # its own limits, read through the mount
    [ "$(val mem "$mine")" = 71303168 ]
    [ "$(val pids "$mine")" = 1234 ]
    # only the container's processes (sh and its command), not the host's
    [ "$(val procs "$mine")" -ge 1 ] && [ "$(val procs "$mine")" -le 3 ]
    # every hierarchy is "/" in its cgroup namespace, and the mounts are
    # fresh ones rooted there (a bind of the host's directory shows its path)
    [ "$(val self "$mine")" = "/ " ]
    [ "$(val rootmounts "$mine")" = "/ " ]
    [ "$(val cgmounts "$mine")" -ge 1 ]
    if [ ! -e /sys/fs/cgroup/cgroup.controllers ]; then
        # v1/hybrid: one entry per host hierarchy, memory and pids among them
        for h in memory pids cpu; do
            [[ " $(val ls "$mine")" == *" $h "* ]]
        done
    fi
    assert_no_leftovers "$ID"
}

@test "user + cgroup namespaces: the container sees what it sees under runc" {
    command -v runc >/dev/null || skip "runc not installed"
    userns_cgroupns_bundle
    run --separate-stderr ojrun run -b "$BUNDLE" "$ID"
    echo "ojrun: $output$stderr"
    [ "$status" -eq 0 ]
    mine=$output

    RUNC_ID=runc-$ID
    cfg '.linux.cgroupsPath = $p' --arg p "/ojrun-test-$RUNC_ID"
    run --separate-stderr runc --root "$BATS_TEST_TMPDIR/runc" run -b "$BUNDLE" "$RUNC_ID"
    echo "runc: $output$stderr"
    [ "$status" -eq 0 ]
    theirs=$output
    [ "$(val mem "$theirs")" = 71303168 ] # the control did run with the limits
    for k in mem pids self rootmounts; do
        [ "$(val $k "$mine")" = "$(val $k "$theirs")" ]
    done
    # the same hierarchies; ojrun adds the hybrid host's cgroup2 one,
    # "unified", which runc 1.1 leaves out
    [ "$(val ls "$mine" | sed 's/unified //')" = "$(val ls "$theirs" | sed 's/unified //')" ]
    [ -z "$(cgroup_leftovers "/ojrun-test-$RUNC_ID")" ]
    assert_no_leftovers "$ID"
}
