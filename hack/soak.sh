#!/usr/bin/env bash
# Soak: judge tasks under ojrun-shim, back to back from parallel workers,
# for a while; then check that every verdict was right and that nothing
# accumulated (specs/reliability.md, "Soak").
#
#   hack/soak.sh [-s SECONDS | -n TASKS] [-j JOBS] [-o SUMMARY.json]
#
# Each worker cycles through eight kinds of task, each with its expected
# verdict: OK (a short CPU burn), RE (exit 3), SG (SIGSEGV), TLE (cpu-ms 50),
# WLE (wall-ms 60), MLE (64 MiB under a 16 MiB limit), OLE (1 MiB under
# output-bytes 64 KiB) and an stdin-to-stdout echo (OK, output compared),
# alternating the two flows a judge uses: `create --shim` / `start` / `wait`
# / `delete`, and `run --result -`.  Every bundle has a judge-like seccomp
# profile (a seccomp-cache hit after the first task).
#
# A sampler records every 2 s (SOAK_SAMPLE_SECONDS) what a leak would make grow: file
# handles (/proc/sys/fs/file-nr), unreclaimable slab, available memory,
# memory cgroups (live and dying, /proc/cgroups), mounts, state
# directories, cgroup directories, ojrun/ojrun-shim processes and zombies,
# the open fds of the workers (the judge's side), and the largest RSS and
# fd count of any live ojrun-shim.
#
# The summary (JSON, on stdout or -o FILE) has the task count and rate,
# latency percentiles per kind, the verdict mismatches, whether every task
# has exactly one result, the first and last samples, the growth between
# the first and last quarter of the samples, and what was left at the end.
# Exit status 1 when a verdict was wrong, a result missing or doubled, or
# something was left behind; 0 otherwise.
#
# Needs root, build/ojrun and the static helper programs
# (make check builds them; OJRUN, OJRUN_HELPERS override).  Runs under
# tests/helpers/subreaper so that the daemonised shims are reaped (this
# machine's PID 1 reaps no orphan) and so that a shim still alive 10 s after
# the end fails the run.
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
OJRUN=${OJRUN:-$SRC/build/ojrun}
HELPERS=${OJRUN_HELPERS:-$SRC/build/tests/helpers}
SECONDS_WANTED=0
TASKS_WANTED=0
JOBS=2
OUT=-
while getopts "s:n:j:o:" opt; do
    case $opt in
    s) SECONDS_WANTED=$OPTARG ;;
    n) TASKS_WANTED=$OPTARG ;;
    j) JOBS=$OPTARG ;;
    o) OUT=$OPTARG ;;
    *) sed -n '2,30p' "$0" >&2; exit 2 ;;
    esac
done
[ "$SECONDS_WANTED" -gt 0 ] || [ "$TASKS_WANTED" -gt 0 ] || TASKS_WANTED=200

if [ -z "${SOAK_UNDER_SUBREAPER:-}" ] && [ -x "$HELPERS/subreaper" ]; then
    export SOAK_UNDER_SUBREAPER=1 OJRUN OJRUN_HELPERS=$HELPERS
    exec "$HELPERS/subreaper" "$0" "$@"
fi
for f in "$OJRUN" "$HELPERS/busy" "$HELPERS/raise" \
    "$HELPERS/touchmem" "$HELPERS/writer"; do
    [ -x "$f" ] || { echo "soak: $f missing (make check builds it)" >&2; exit 2; }
done

W=$(mktemp -d /tmp/ojrun-soak.XXXXXX)
ROOT=$W/root
# the task ids (and so their cgroups, /ojrun/<id>, which are host-wide) of
# this run: the pid and the random suffix of $W, so that runs in other
# checkouts or PID namespaces on the host never share one
TAG=soak-${W##*.}-$$
mkdir -p "$ROOT" "$W/log" "$W/io"
cleanup() {
    local id
    for id in $("$OJRUN" --root "$ROOT" list -q 2>/dev/null); do
        "$OJRUN" --root "$ROOT" delete --force "$id" >/dev/null 2>&1 || true
    done
    rm -rf "$W"
}
trap cleanup EXIT

# --- bundles: one per kind, one shared read-only rootfs ----------------------------
ROOTFS_CACHE=${ROOTFS_CACHE:-$SRC/tests/.work/busybox-rootfs}
if [ ! -x "$ROOTFS_CACHE/bin/busybox" ]; then
    mkdir -p "$(dirname "$ROOTFS_CACHE")"
    (flock 9; [ -x "$ROOTFS_CACHE/bin/busybox" ] || bash "$SRC/hack/mk-busybox-rootfs.sh" "$ROOTFS_CACHE" >/dev/null) 9>"$(dirname "$ROOTFS_CACHE")/.lock"
fi
cp -a "$ROOTFS_CACHE" "$W/rootfs"
mkdir -p "$W/rootfs/h"

SECCOMP='{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[
  {"names":["mount","umount2","pivot_root","ptrace","kexec_load","init_module","finit_module",
            "delete_module","swapon","swapoff","reboot","setns","unshare","bpf","perf_event_open",
            "keyctl","add_key","request_key","open_by_handle_at","userfaultfd"],
   "action":"SCMP_ACT_ERRNO","errnoRet":1}]}'

# bundle KIND EXPECTED ARGS-JSON [JQ-FILTER]
KINDS=()
declare -A EXPECT
bundle() {
    local kind=$1 expect=$2 args=$3 extra=${4:-.}
    mkdir -p "$W/b/$kind"
    jq --arg rootfs "$W/rootfs" --arg h "$HELPERS" --argjson args "$args" \
        --argjson seccomp "$SECCOMP" '
        .root = {"path": $rootfs, "readonly": true}
        | .process.args = $args
        | .mounts += [{"destination":"/h","type":"bind","source":$h,"options":["rbind","ro"]},
                      {"destination":"/tmp","type":"tmpfs","source":"tmpfs","options":["size=1m"]}]
        | .linux.seccomp = $seccomp
        | .annotations["org.ojrun.limit.cpu-ms"] = "2000"
        | .annotations["org.ojrun.limit.wall-ms"] = "5000"' \
        "$SRC/tests/integration/data/base-config.json" | jq "$extra" >"$W/b/$kind/config.json"
    KINDS+=("$kind")
    EXPECT[$kind]=$expect
}
bundle ok OK '["/h/busy","5"]'
bundle re RE '["sh","-c","exit 3"]'
bundle sg SG '["/h/raise","11"]'
bundle tle TLE '["/h/busy","0"]' '.annotations["org.ojrun.limit.cpu-ms"] = "50"'
bundle wle WLE '["sleep","10"]' '.annotations["org.ojrun.limit.wall-ms"] = "60"'
bundle mle MLE '["/h/touchmem","64"]' \
    '.linux.resources.memory = {"limit": 16777216, "swap": 16777216}'
bundle ole OLE '["/h/writer","1048576"]' '.annotations["org.ojrun.limit.output-bytes"] = "65536"'
bundle echo OK '["sh","-c","read x; echo \"got $x\""]'

# --- workers -------------------------------------------------------------------------
# One line per task in $W/log/WORKER: kind expected verdict milliseconds flow
# start-ns id
one_task() { # worker n kind
    local wk=$1 n=$2 kind=$3 id=$TAG-$1-$2 in=/dev/null out=$W/io/$1.out res t0 t1 flow v
    [ "$kind" = echo ] && { echo "line-$n" >"$W/io/$wk.in"; in=$W/io/$wk.in; }
    t0=$(date +%s%N)
    # the flow alternates every round of kinds: each kind runs under both
    if [ $(((n / ${#KINDS[@]} + wk) % 2)) -eq 0 ]; then
        flow=shim
        if "$OJRUN" --root "$ROOT" create --shim -b "$W/b/$kind" "$id" <"$in" >"$out" 2>"$out.err"; then
            "$OJRUN" --root "$ROOT" start "$id" 2>>"$out.err" || true
            res=$("$OJRUN" --root "$ROOT" wait "$id" 2>>"$out.err") || res=
            "$OJRUN" --root "$ROOT" delete --force "$id" 2>>"$out.err" || true
        else
            res=
        fi
    else
        flow=run
        rm -f "$out.json"
        "$OJRUN" --root "$ROOT" run --result "$out.json" -b "$W/b/$kind" "$id" <"$in" >"$out" \
            2>"$out.err" || true
        res=$(cat "$out.json" 2>/dev/null) || res=
    fi
    t1=$(date +%s%N)
    v=$(jq -r .verdict <<<"$res" 2>/dev/null) || v=
    [ -n "$v" ] || v=NONE
    if [ "$kind" = echo ] && [ "$v" = OK ] && [ "$(cat "$out")" != "got line-$n" ]; then
        v=BADOUTPUT
    fi
    if [ "$v" != "${EXPECT[$kind]}" ]; then
        { echo "task $id ($kind, $flow): verdict $v, expected ${EXPECT[$kind]}"; cat "$out.err"; } \
            >>"$W/mismatches" 2>/dev/null
    fi
    echo "$kind ${EXPECT[$kind]} $v $(((t1 - t0) / 1000000)) $flow $t0 $id" >>"$W/log/$wk"
}

worker() {
    local wk=$1 n=0 deadline=$(($(date +%s) + SECONDS_WANTED)) quota=$2
    while :; do
        if [ "$SECONDS_WANTED" -gt 0 ]; then
            [ "$(date +%s)" -lt "$deadline" ] || break
        else
            [ "$n" -lt "$quota" ] || break
        fi
        one_task "$wk" "$n" "${KINDS[$(((n + wk) % ${#KINDS[@]}))]}"
        n=$((n + 1))
    done
}

# --- the sampler ---------------------------------------------------------------------
sample() ( # one JSON object of the leak indicators
    set +e +o pipefail # a count of nothing is 0, not a failure
    local fnr slab avail memcg mounts wmounts dirs cgs procs zomb wzomb ours cache wfds=0 srss=0 sfds=0 p n
    fnr=$(cut -f1 /proc/sys/fs/file-nr)
    slab=$(awk '/^SUnreclaim:/ {print $2}' /proc/meminfo)
    avail=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
    memcg=$(awk '$1 == "memory" {print $3}' /proc/cgroups)
    mounts=$(wc -l </proc/self/mountinfo)
    # what is left behind is counted for this run only: other runs on the
    # host mount and leave zombies of their own.  Its mounts name $W (the
    # bundles); its zombies are children of the subreaper or of an ojrun of
    # $ROOT.
    wmounts=$(grep -cF -- "$W/" /proc/self/mountinfo)
    ours=" $PPID $(pgrep -f -- "--root $ROOT " | tr '\n' ' ')"
    wzomb=$(ps -eo stat=,ppid= | awk -v ours="$ours" '$1 ~ /^Z/ && index(ours, " " $2 " ")' | wc -l)
    dirs=$(find "$ROOT" -mindepth 1 -maxdepth 1 -type d ! -name seccomp-cache | wc -l)
    cgs=$(find /sys/fs/cgroup/*/ojrun /sys/fs/cgroup/unified/ojrun -maxdepth 1 -name "$TAG-*" \
        2>/dev/null | wc -l)
    procs=$(ps -eo comm= | grep -cE '^ojrun(-shim)?$' || true)
    zomb=$(ps -eo stat= | grep -c '^Z' || true)
    cache=$(find "$ROOT/seccomp-cache" -type f 2>/dev/null | wc -l)
    # the workers' open fds (a runtime that leaked fds into its caller, or
    # left pipes open, would make this grow)
    for p in $(cat "$W/workers" 2>/dev/null); do
        n=$(ls /proc/"$p"/fd 2>/dev/null | wc -l)
        [ "$n" -gt "$wfds" ] && wfds=$n
    done
    # the largest shim alive right now, by RSS and by open fds (the shim
    # leads its own session; the init it forked shares the name until exec)
    for p in $(ps -eo pid=,sid=,comm= | awk '$3 == "ojrun-shim" && $1 == $2 {print $1}'); do
        n=$(awk '/^VmRSS:/ {print $2}' /proc/"$p"/status 2>/dev/null)
        [ "${n:-0}" -gt "$srss" ] && srss=$n
        n=$(ls /proc/"$p"/fd 2>/dev/null | wc -l)
        [ "$n" -gt "$sfds" ] && sfds=$n
    done
    printf '{"t":%s,"tasks":%s,"file_handles":%s,"slab_unreclaimable_kb":%s,"mem_available_kb":%s,"memory_cgroups":%s,"mounts":%s,"state_dirs":%s,"cgroup_dirs":%s,"ojrun_procs":%s,"zombies":%s,"seccomp_cache_files":%s,"worker_fds_max":%s,"shim_rss_kb_max":%s,"shim_fds_max":%s,"run_mounts":%s,"run_zombies":%s}\n' \
        "$(date +%s)" "$(cat "$W"/log/* 2>/dev/null | wc -l)" "$fnr" "$slab" "$avail" "$memcg" \
        "$mounts" "$dirs" "$cgs" "$procs" "$zomb" "$cache" "$wfds" "$srss" "$sfds" "$wmounts" "$wzomb"
)

sample >"$W/samples"
(while :; do sleep "${SOAK_SAMPLE_SECONDS:-2}"; sample >>"$W/samples"; done) &
SAMPLER=$!

START=$(date +%s%N)
pids=()
for wk in $(seq 0 $((JOBS - 1))); do
    quota=$(((TASKS_WANTED + JOBS - 1 - wk) / JOBS))
    worker "$wk" "$quota" &
    pids+=($!)
done
echo "${pids[*]}" >"$W/workers"
for p in "${pids[@]}"; do wait "$p"; done
END=$(date +%s%N)
kill "$SAMPLER" 2>/dev/null || true
wait "$SAMPLER" 2>/dev/null || true
sleep 2 # let the last shims exit and the kernel free the cgroups
sample >>"$W/samples"

# --- summary ---------------------------------------------------------------------------
sort -n -k6 "$W"/log/* >"$W/all" # in the order the tasks started
leftover_dirs=$(find "$ROOT" -mindepth 1 -maxdepth 1 ! -name seccomp-cache | wc -l)
leftover_cgroups=$(find /sys/fs/cgroup/*/ojrun /sys/fs/cgroup/unified/ojrun -maxdepth 1 \
    -name "$TAG-*" 2>/dev/null | wc -l)
leftover_procs=$(pgrep -f -- "$TAG-" | wc -l) || true
mismatches=$(grep -c '^task ' "$W/mismatches" 2>/dev/null || true)
summary=$(jq -n \
    --arg tasks "$(wc -l <"$W/all")" \
    --arg wanted "$TASKS_WANTED" \
    --arg ms "$(((END - START) / 1000000))" \
    --arg jobs "$JOBS" \
    --arg mism "${mismatches:-0}" \
    --arg dirs "$leftover_dirs" --arg cgs "$leftover_cgroups" --arg procs "$leftover_procs" \
    --rawfile all "$W/all" \
    --rawfile samples "$W/samples" \
    --rawfile mtext "$( [ -e "$W/mismatches" ] && echo "$W/mismatches" || echo /dev/null)" '
    def pct(p): sort | .[((length - 1) * p | floor)];
    ($all | split("\n") | map(select(length > 0) | split(" ")
        | {kind: .[0], expected: .[1], verdict: .[2], ms: (.[3] | tonumber), flow: .[4],
           id: .[6]})) as $t
    | ($samples | split("\n") | map(select(length > 0) | fromjson)) as $s
    | ($t | length) as $n
    | {
        tasks: ($tasks | tonumber), jobs: ($jobs | tonumber),
        seconds: (($ms | tonumber) / 1000),
        tasks_per_second: (if ($ms | tonumber) > 0 then ($tasks | tonumber) * 1000 / ($ms | tonumber) else 0 end),
        flows: ($t | group_by(.flow) | map({key: .[0].flow, value: length}) | from_entries),
        verdict_mismatches: ($mism | tonumber),
        # every task started has one result line, no id twice, none missing
        results: {distinct_ids: ($t | map(.id) | unique | length),
                  without_result: ($t | map(select(.verdict == "NONE")) | length),
                  exactly_once: (($t | map(.id) | unique | length) == $n
                                 and ($wanted == "0" or $n == ($wanted | tonumber))
                                 and ($t | all(.verdict != "NONE")))},
        mismatch_details: ($mtext | split("\n") | map(select(startswith("task "))) | .[:10]),
        latency_ms: ($t | group_by(.kind) | map({key: .[0].kind, value: {
            n: length, p50: (map(.ms) | pct(0.5)), p95: (map(.ms) | pct(0.95)),
            max: (map(.ms) | max)}}) | from_entries),
        first_decile_mean_ms: (if $n >= 20 then ($t[:($n / 10 | floor)] | map(.ms) | add / length) else null end),
        last_decile_mean_ms: (if $n >= 20 then ($t[($n - ($n / 10 | floor)):] | map(.ms) | add / length) else null end),
        first_sample: $s[0], last_sample: $s[-1], samples: ($s | length),
        # eleven samples evenly spread over the run: a trend to read
        trend: (($s | length) as $m | [range(0; 11) | $s[(. * ($m - 1) / 10 | floor)]
            | {tasks, file_handles, slab_unreclaimable_kb, memory_cgroups, mounts,
               worker_fds_max, shim_rss_kb_max, shim_fds_max, seccomp_cache_files}]),
        # mean of the first and of the last quarter of the samples taken
        # while tasks ran: a leak shows as a rise
        growth: (($s[1:-1]) as $r | ($r | length / 4 | floor) as $q
            | if $q < 1 then null else
              (["file_handles", "slab_unreclaimable_kb", "memory_cgroups", "mounts",
                "worker_fds_max", "shim_rss_kb_max", "shim_fds_max", "seccomp_cache_files"]
               | map({key: ., value: {
                   first_quarter: ([$r[:$q][][.]] | add / length),
                   last_quarter: ([$r[-$q:][][.]] | add / length)}}) | from_entries) end),
        max_during: ($s | {state_dirs: (map(.state_dirs) | max), cgroup_dirs: (map(.cgroup_dirs) | max),
                           ojrun_procs: (map(.ojrun_procs) | max),
                           shim_rss_kb: (map(.shim_rss_kb_max) | max),
                           shim_fds: (map(.shim_fds_max) | max),
                           worker_fds: (map(.worker_fds_max) | max)}),
        left_behind: {state_dirs: ($dirs | tonumber), cgroup_dirs: ($cgs | tonumber),
                      processes: ($procs | tonumber),
                      zombies: ([$s[-1].run_zombies - $s[0].run_zombies, 0] | max),
                      mounts: ([$s[-1].run_mounts - $s[0].run_mounts, 0] | max)}
      }')
if [ "$OUT" = - ]; then
    echo "$summary"
else
    echo "$summary" >"$OUT"
fi
[ "$(jq '.verdict_mismatches == 0 and .results.exactly_once and
         (.left_behind | all(. == 0))' <<<"$summary")" = true ]
