#!/usr/bin/env bash
# Source-line coverage of the fuzzing corpora (make fuzz-cov).
#
#   tests/fuzz/coverage.sh [NAME...]
#
# Builds the library and the targets once more with clang's source-based
# coverage (-fprofile-instr-generate -fcoverage-mapping, no sanitizer) into
# build-fuzz-cov/, runs every input of the working corpus
# build-fuzz/corpus/<name> (what `make fuzz` found) and of the seeds, and
# prints llvm-cov's line and region coverage of the files each target is
# about.
set -euo pipefail
cd "$(dirname "$0")/../.."
names=("$@")
[ ${#names[@]} -gt 0 ] || names=(config seccomp state cli)
out=build-fuzz-cov
mkdir -p "$out/obj" "$out/prof"
cflags=(-O1 -g -std=gnu11 -D_GNU_SOURCE -DOJRUN_COMMIT='"cov"'
    -Iruntime -Ishim -Ibundle-templates/generator -Iruntime/cli -Iworker/judge -Itests/fuzz
    $(pkg-config --cflags libseccomp libcap yajl)
    -fprofile-instr-generate -fcoverage-mapping -fsanitize=fuzzer-no-link)
libs=($(pkg-config --libs libseccomp libcap yajl))

objs=()
# the library, the judging core and the verbs (fuzz_cli calls cmd_*()),
# without ojrun's main()
for c in $(ls runtime/*.c shim/*.c bundle-templates/generator/*.c runtime/cli/*.c worker/judge/*.c |
    grep -v runtime/cli/main.c) build-fuzz/gen/judge_templates.c; do
    o=$out/obj/$(basename "$c" .c).o
    [ "$o" -nt "$c" ] || clang "${cflags[@]}" -c "$c" -o "$o"
    objs+=("$o")
done
rm -f "$out/libojrun.a"
ar rcs "$out/libojrun.a" "${objs[@]}" # an archive: each target links what it uses

# which sources each target is about (the report is restricted to them)
declare -A files=(
    [config]="runtime/config.c runtime/config_json.c runtime/config_linux.c runtime/config_process.c runtime/config_resources.c runtime/config_seccomp.c runtime/mountopt.c runtime/sysctl.c runtime/cgroup_devices.c runtime/cgroup_devices_bpf.c"
    [seccomp]="runtime/config_seccomp.c runtime/seccomp.c runtime/seccomp_cache.c"
    [state]="runtime/state.c runtime/json.c runtime/cgroup_state.c runtime/config_process.c"
    [problem]="worker/judge/problem.c worker/judge/score.c runtime/json.c"
    [cli]="runtime/cli/cmd_create.c runtime/cli/cmd_start.c runtime/cli/cmd_state.c runtime/cli/cmd_kill.c runtime/cli/cmd_delete.c runtime/cli/cmd_pause.c runtime/cli/cmd_ps.c runtime/cli/cmd_events.c runtime/cli/cmd_wait.c runtime/cli/cmd_update.c runtime/signals.c runtime/util.c"
)
for name in "${names[@]}"; do
    bin=$out/fuzz_$name
    clang "${cflags[@]}" -fsanitize=fuzzer -o "$bin" "tests/fuzz/fuzz_$name.c" "$out/libojrun.a" \
        "${libs[@]}" -lm
    rm -f "$out/prof/$name".*
    dirs=(tests/fuzz/corpus/"$name")
    [ -d "build-fuzz/corpus/$name" ] && dirs+=("build-fuzz/corpus/$name")
    LLVM_PROFILE_FILE="$out/prof/$name.%p.profraw" "$bin" -runs=0 -close_fd_mask=3 \
        "${dirs[@]}" >"$out/$name.log" 2>&1 || true
    llvm-profdata merge -sparse "$out/prof/$name".*.profraw -o "$out/$name.profdata"
    echo "== $name: $(find "${dirs[@]}" -type f | wc -l) inputs"
    printf '%-22s %8s %8s %8s\n' file regions lines branches
    # shellcheck disable=SC2086 # a list of files
    llvm-cov report "$bin" -instr-profile="$out/$name.profdata" ${files[$name]} |
        awk 'NR > 2 && NF >= 13 && $1 !~ /^-/ {printf "%-22s %8s %8s %8s\n", $1, $4, $10, $13}'
done
