# Bundle helpers for integration tests that start real containers.
# Load after helpers:  load helpers; load bundle
#
#   make_bundle [DIR]      busybox bundle in $BUNDLE (default $BATS_TEST_TMPDIR/bundle)
#                          with data/base-config.json as config.json
#   cfg 'JQ-FILTER' [--arg ...]   edit $BUNDLE/config.json in place with jq
#   cfg_args CMD...        set process.args
#   userns_on              add a user namespace mapping 0..65535 -> 100000..
#   ojrun_cleanup          delete --force every container under $ROOT
#   assert_no_leftovers ID no state dir, cgroup dir or process for ID

SRC=${OJRUN_SRC:-$BATS_TEST_DIRNAME/../..}
ROOTFS_CACHE=${ROOTFS_CACHE:-$SRC/tests/.work/busybox-rootfs}

ensure_rootfs_cache() {
    if [ ! -x "$ROOTFS_CACHE/bin/busybox" ]; then
        mkdir -p "$(dirname "$ROOTFS_CACHE")"
        # one builder at a time (bats may run files in parallel)
        (flock 9; [ -x "$ROOTFS_CACHE/bin/busybox" ] || bash "$SRC/hack/mk-busybox-rootfs.sh" "$ROOTFS_CACHE" >/dev/null) 9>"$(dirname "$ROOTFS_CACHE")/.lock"
    fi
}

make_bundle() {
    BUNDLE=${1:-$BATS_TEST_TMPDIR/bundle}
    ensure_rootfs_cache
    mkdir -p "$BUNDLE"
    cp -a "$ROOTFS_CACHE" "$BUNDLE/rootfs"
    cp "$BATS_TEST_DIRNAME/data/base-config.json" "$BUNDLE/config.json"
}

cfg() {
    local filter=$1
    shift
    jq "$@" "$filter" "$BUNDLE/config.json" >"$BUNDLE/config.json.new" &&
        mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
}

cfg_args() {
    local json
    local a
    # one JSON string per argument, newlines and all
    json=$(for a in "$@"; do printf '%s' "$a" | jq -Rs .; done | jq -s .)
    cfg ".process.args = \$a" --argjson a "$json"
}

# A user namespace's root is not the host's root: like runc and crun, ojrun
# needs the bundle's parent directories searchable by it (bats makes its
# temp dirs 0700).
open_bundle_path() {
    local d=$BUNDLE
    while [ "$d" != / ] && [ "$d" != /tmp ]; do
        chmod o+x "$d"
        d=$(dirname "$d")
    done
}

userns_on() {
    open_bundle_path
    # the image belongs to the container's root, as with runc: mount points
    # are created by it
    chown -R 100000:100000 "$BUNDLE/rootfs"
    cfg '.linux.namespaces += [{"type":"user"}]
         | .linux.uidMappings = [{"containerID":0,"hostID":100000,"size":65536}]
         | .linux.gidMappings = [{"containerID":0,"hostID":100000,"size":65536}]'
}

ojrun_cleanup() {
    [ -n "${ROOT:-}" ] && [ -d "$ROOT" ] || return 0
    local id
    for id in $("$OJRUN" --root "$ROOT" list -q 2>/dev/null); do
        "$OJRUN" --root "$ROOT" delete --force "$id" >/dev/null 2>&1 || true
    done
}

# Nothing of container $1 may remain: state dir, cgroup dirs, processes, mounts.
assert_no_leftovers() {
    local id=$1 d
    if [ -e "$ROOT/$id" ]; then
        echo "state dir $ROOT/$id left behind" >&2
        return 1
    fi
    d=$(cgroup_leftovers "/ojrun/$id")
    if [ -n "$d" ]; then
        echo "cgroup left behind: $d" >&2
        return 1
    fi
    if grep -q "$BUNDLE" /proc/self/mountinfo; then
        echo "mount under $BUNDLE left behind:" >&2
        grep "$BUNDLE" /proc/self/mountinfo >&2
        return 1
    fi
}
