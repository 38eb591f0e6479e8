#!/usr/bin/env bash
# `make demo`: judge sample submissions for an A+B problem with ojrun.
#
# Each submission is a busybox shell program run in a real container (all
# namespaces, a private root, a cgroup with memory and pids limits, rlimits
# for CPU seconds and output size) with the test's input on stdin and its
# output redirected to a file; the verdict comes from the exit status, the
# signal and the output.  (hack/judge is the full reference judge with
# compiled languages and the per-task shim.)
set -euo pipefail
cd "$(dirname "$0")/.."
OJRUN=${OJRUN:-$PWD/build/ojrun}
work=$(mktemp -d /tmp/ojrun-demo.XXXXXX)
root=$work/state
trap 'for id in $("$OJRUN" --root "$root" list -q 2>/dev/null); do "$OJRUN" --root "$root" delete --force "$id" >/dev/null 2>&1; done; rm -rf "$work"' EXIT

# The container's root user is host uid 100000 (a user namespace): it must
# be able to reach the bundle, and the mount points must exist already
# because it cannot create them in a root-owned image (as with runc).
chmod 755 "$work"
bash hack/mk-busybox-rootfs.sh "$work/rootfs" >/dev/null
mkdir -p "$work/rootfs/box" && touch "$work/rootfs/box/main.sh"
problem=hack/demo/aplusb

make_bundle() { # DIR SUBMISSION
    local b=$1 sub=$2
    mkdir -p "$b/rootfs"
    cp "$sub" "$b/main.sh"
    jq --arg rootfs "$work/rootfs" --arg sub "$b/main.sh" '
        .root.path = $rootfs | .root.readonly = true
        | .mounts += [{"destination":"/box/main.sh","type":"bind","source":$sub,"options":["rbind","ro"]},
                      {"destination":"/tmp","type":"tmpfs","source":"tmpfs","options":["size=4m","nosuid","nodev"]}]
    ' hack/demo/judge-config.json >"$b/config.json"
}

printf '%-14s %-8s %-8s %s\n' SUBMISSION TEST VERDICT DETAIL
overall_ok=0
for sub in hack/demo/submissions/*.sh; do
    name=$(basename "$sub" .sh)
    for in in "$problem"/tests/*.in; do
        t=$(basename "$in" .in)
        b=$work/$name-$t
        make_bundle "$b" "$sub"
        set +e
        "$OJRUN" --root "$root" run -b "$b" "$name-$t" <"$in" >"$b/out" 2>"$b/err"
        rc=$?
        set -e
        detail="exit $rc"
        if [ $rc -eq 0 ]; then
            if diff -q <(sed 's/[[:space:]]*$//' "$b/out") <(sed 's/[[:space:]]*$//' "${in%.in}.out") >/dev/null; then
                verdict=AC
            else
                verdict=WA
            fi
        elif [ $rc -eq 137 ] && grep -q "oom_kill [1-9]" "$b/err" 2>/dev/null; then
            verdict=MLE
        elif [ $rc -eq 137 ] || [ $rc -eq 152 ]; then
            verdict=TLE  # SIGKILL at the RLIMIT_CPU hard limit / SIGXCPU at the soft one
        elif [ $rc -eq 153 ]; then
            verdict=OLE  # SIGXFSZ: RLIMIT_FSIZE on the redirected output
        else
            verdict=RE
        fi
        printf '%-14s %-8s %-8s %s\n' "$name" "$t" "$verdict" "$detail"
        expected=$(sed -n 's/^# expect: //p' "$sub")
        [ "$verdict" = "$expected" ] || { echo "  (expected $expected)"; overall_ok=1; }
        [ "$verdict" = AC ] || break  # first failing test decides, like a judge
    done
done
exit $overall_ok
