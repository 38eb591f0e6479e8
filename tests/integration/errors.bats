#!/usr/bin/env bats
# The bad-input table of specs/errors.md: one test per row.  Each test sets
# its input up and runs the command through `check ROW ...`, which takes
# the expected exit status and the exact stderr from the row itself, so the
# table and the behaviour cannot drift apart.  Every failing command must
# also leave nothing behind.

load helpers
load bundle

ERRORS_MD=${OJRUN_SRC:-$BATS_TEST_DIRNAME/../..}/specs/errors.md

setup() {
    setup_root
    make_bundle
    ID=$P-err # unique: cgroups live under /ojrun/<id>
    shopt -u patsub_replacement 2>/dev/null || true
}

teardown() {
    # list (and so ojrun_cleanup) skips containers whose state.json is damaged
    [ -n "${ID:-}" ] && [ ${#ID} -le 1024 ] && "$OJRUN" --root "$ROOT" delete --force "$ID" >/dev/null 2>&1
    ojrun_cleanup
    if [ -n "${FULL_MNT:-}" ] && mountpoint -q "$FULL_MNT"; then
        umount "$FULL_MNT"
    fi
}

# Literal text -> an extended regular expression matching exactly it.
re_quote() {
    printf '%s' "$1" | sed -e 's/[][\\.*^$?+(){}|]/\\&/g'
}

# check ROW CMD...: run CMD; its exit status, its whole stderr (one line or
# none) and its empty stdout must be those of row ROW of specs/errors.md.
check() {
    local row_id=$1 row want_exit want_err re
    shift
    row=$(grep -E "^\| $row_id \|" "$ERRORS_MD")
    [ -n "$row" ] || { echo "specs/errors.md has no row $row_id" >&2; return 1; }
    want_exit=$(sed -E 's/^.* \| ([0-9]+) \| .*$/\1/' <<<"$row")
    want_err=$(sed -E 's/^.* \| [0-9]+ \| (.*) \|$/\1/' <<<"$row")
    want_err=${want_err#\`}
    want_err=${want_err%\`}
    [ "$want_err" = "(none)" ] && want_err=

    if [ "$want_exit" = 127 ]; then
        run -127 --separate-stderr "$@" # 127 is expected, not "command not found"
    else
        run --separate-stderr "$@"
    fi
    local ok=1
    [ "$status" -eq "$want_exit" ] || ok=0
    [ -z "$output" ] || ok=0
    re=$(re_quote "$want_err")
    re=${re//<id>/$(re_quote "$ID")}
    re=${re//<bundle>/$(re_quote "$BUNDLE")}
    re=${re//<root>/$(re_quote "$ROOT")}
    re=${re//<tmp>/$(re_quote "$BATS_TEST_TMPDIR")}
    re=${re//<n>/[0-9]+}
    [[ "$stderr" =~ ^${re}$ ]] || ok=0
    if [ "$ok" -eq 0 ]; then
        echo "row $row_id: want exit $want_exit, stderr: $want_err" >&2
        echo "got exit $status, stderr: $stderr" >&2
        [ -z "$output" ] || echo "and stdout: $output" >&2
        return 1
    fi
}

# A config.json that is not JSON (or not ours): written as given.
raw_config() {
    printf "$@" >"$BUNDLE/config.json"
}

# --- command line --------------------------------------------------------------

@test "C01 unknown command" { check C01 ojrun frob; }
@test "C02 unknown global option" { check C02 ojrun --frob list; }
@test "C03 global option without its argument" { check C03 "$OJRUN" --root; }
@test "C04 unknown log format" { check C04 ojrun --log-format xml list; }
@test "C05 log file that cannot be opened" { check C05 ojrun --log /nonexistent/log list; }
@test "C06 --systemd-cgroup" { check C06 ojrun --systemd-cgroup list; }
@test "C07 empty --root" { check C07 ojrun --root "" list; }
@test "C08 unknown command option" {
    check C08 ojrun create --frob "$ID"
    assert_no_leftovers "$ID"
}
@test "C09 command option without its argument" { check C09 ojrun create --bundle; }
@test "C10 run's flag given to create" { check C10 ojrun create --detach "$ID"; }
@test "C11 missing container id" { check C11 ojrun start; }
@test "C12 too many arguments" { check C12 ojrun state a b; }
@test "C13 --preserve-fds not a number" { check C13 ojrun create --preserve-fds x "$ID"; }
@test "C14 --preserve-fds out of range" { check C14 ojrun run --preserve-fds 1025 "$ID"; }
@test "C15 unknown list format" { check C15 ojrun list --format xml; }
@test "C16 list option without its argument" { check C16 ojrun list -f; }

# --- signals -------------------------------------------------------------------

@test "S01 unknown signal name" { check S01 ojrun kill "$ID" NOSUCHSIG; }
@test "S02 signal 0" { check S02 ojrun kill "$ID" 0; }
@test "S03 signal number above SIGRTMAX" { check S03 ojrun kill "$ID" 65; }
@test "S04 real-time offset out of range" { check S04 ojrun kill "$ID" RTMIN+40; }
@test "S05 negative signal number" { check S05 ojrun kill "$ID" -9; }
@test "S06 kill of a stopped container" {
    cfg_args sleep 100
    ojrun create -b "$BUNDLE" "$ID"
    pid=$(ojrun state "$ID" | jq .pid)
    kill -9 "$pid"
    for _ in $(seq 100); do [ "$(ojrun state "$ID" | jq -r .status)" = stopped ] && break; sleep 0.02; done
    check S06 ojrun kill "$ID" KILL
}

# --- container ids -------------------------------------------------------------

@test "I01 id with path traversal" { check I01 ojrun create -b "$BUNDLE" ../x; }
@test "I02 id with a slash" { check I02 ojrun create -b "$BUNDLE" a/b; }
@test "I03 empty id" { check I03 ojrun create -b "$BUNDLE" ""; }
@test "I04 id with a leading dot" { check I04 ojrun create -b "$BUNDLE" .hidden; }
@test "I05 id that looks like an option" { check I05 ojrun create -b "$BUNDLE" -- -x; }
@test "I06 id with a shell metacharacter" { check I06 ojrun create -b "$BUNDLE" 'a;b'; }
@test "I07 id with a newline: still one line" { check I07 ojrun create -b "$BUNDLE" $'a\nb'; }
@test "I08 id of 1025 characters" {
    ID=$(head -c 1025 /dev/zero | tr '\0' a)
    check I08 ojrun run -b "$BUNDLE" "$ID"
    # nothing at all under --root
    [ -z "$(ls -A "$ROOT")" ]
}
@test "I09 unknown id (state)" { check I09 ojrun state nope; }
@test "I10 unknown id (delete)" { check I10 ojrun delete nope; }
@test "I11 unknown id (delete --force) is not an error" { check I11 ojrun delete --force nope; }

# --- paths ---------------------------------------------------------------------

@test "P01 missing bundle" { check P01 ojrun create -b /nonexistent "$ID"; }
@test "P02 bundle without config.json" {
    mkdir "$BATS_TEST_TMPDIR/empty"
    check P02 ojrun create -b "$BATS_TEST_TMPDIR/empty" "$ID"
}
@test "P03 bundle is a file" { check P03 ojrun create -b "$BUNDLE/config.json" "$ID"; }
@test "P04 no root in the config" {
    cfg 'del(.root)'
    check P04 ojrun create -b "$BUNDLE" "$ID"
}
@test "P05 missing rootfs" {
    cfg '.root.path = "nope"'
    check P05 ojrun create -b "$BUNDLE" "$ID"
}
@test "P06 rootfs is a file" {
    cfg '.root.path = "config.json"'
    check P06 ojrun create -b "$BUNDLE" "$ID"
}
@test "P07 the host's / as rootfs" {
    cfg '.root.path = "/"'
    check P07 ojrun create -b "$BUNDLE" "$ID"
}
@test "P08 pid file in a missing directory" {
    cfg_args sleep 100
    check P08 ojrun create -b "$BUNDLE" --pid-file /nonexistent/pid "$ID"
    assert_no_leftovers "$ID"
}
@test "P09 console socket nobody listens on" {
    check P09 ojrun create -b "$BUNDLE" --console-socket /nonexistent.sock "$ID"
    assert_no_leftovers "$ID"
}
@test "P10 --root is a file" {
    touch "$BATS_TEST_TMPDIR/file"
    check P10 ojrun --root "$BATS_TEST_TMPDIR/file" create -b "$BUNDLE" "$ID"
    assert_no_leftovers "$ID"
}
@test "P11 --root on a full filesystem" {
    FULL_MNT=$BATS_TEST_TMPDIR/full
    mkdir "$FULL_MNT"
    mount -t tmpfs -o size=64k,mode=0700 tmpfs "$FULL_MNT"
    head -c 65536 /dev/zero >"$FULL_MNT/filler" 2>/dev/null || true
    ROOT=$FULL_MNT
    check P11 ojrun create -b "$BUNDLE" "$ID"
    [ "$(ls -A "$ROOT")" = filler ]
    assert_no_leftovers "$ID"
}
@test "P12 missing bind-mount source" {
    cfg '.mounts += [{"destination":"/mnt","type":"bind","source":"/nonexistent-ojrun","options":["rbind"]}]'
    check P12 ojrun create -b "$BUNDLE" "$ID"
    assert_no_leftovers "$ID"
}
@test "P13 namespace path that does not exist" {
    cfg '.linux.namespaces[0].path = "/nonexistent/ns"'
    check P13 ojrun create -b "$BUNDLE" "$ID"
    assert_no_leftovers "$ID"
}

# --- JSON ----------------------------------------------------------------------

@test "J01 config.json is not JSON" {
    raw_config 'hello'
    check J01 ojrun create -b "$BUNDLE" "$ID"
}
@test "J02 truncated config.json" {
    raw_config '{"ociVersion": "1.2.0", "process": {'
    check J02 ojrun create -b "$BUNDLE" "$ID"
}
@test "J03 empty config.json" {
    raw_config ''
    check J03 ojrun create -b "$BUNDLE" "$ID"
}
@test "J04 config.json is not an object" {
    raw_config '[]'
    check J04 ojrun create -b "$BUNDLE" "$ID"
}
@test "J05 NUL byte in config.json" {
    raw_config '{"ociVersion":"1.2.0"\0}'
    check J05 ojrun create -b "$BUNDLE" "$ID"
}
@test "J06 \\u0000 escape in a string" {
    raw_config '%s' '{"ociVersion":"1.2.0","hostname":"a\u0000b"}'
    check J06 ojrun create -b "$BUNDLE" "$ID"
}
@test "J07 invalid UTF-8" {
    raw_config '{"ociVersion":"1.2.0", "hostname": "\xff"}'
    check J07 ojrun create -b "$BUNDLE" "$ID"
}
@test "J08 a comment" {
    raw_config '{"ociVersion":"1.2.0" /* x */}'
    check J08 ojrun create -b "$BUNDLE" "$ID"
}
@test "J09 nested 70 levels deep" {
    open=$(printf '[%.0s' $(seq 70))
    close=$(printf ']%.0s' $(seq 70))
    raw_config '{"ociVersion":"1.2.0","annotations":%s%s}' "$open" "$close"
    check J09 ojrun create -b "$BUNDLE" "$ID"
}
@test "J10 config.json larger than 16 MiB" {
    good=$(cat "$BUNDLE/config.json")
    { head -c 16777300 /dev/zero | tr '\0' ' '; printf '%s' "$good"; } >"$BUNDLE/config.json"
    check J10 ojrun create -b "$BUNDLE" "$ID"
}
@test "J11 required field missing" {
    raw_config '{}'
    check J11 ojrun create -b "$BUNDLE" "$ID"
}
@test "J12 unsupported ociVersion" {
    cfg '.ociVersion = "2.0.0"'
    check J12 ojrun create -b "$BUNDLE" "$ID"
}
@test "J13 wrong type: process is a number" {
    cfg '.process = 5'
    check J13 ojrun create -b "$BUNDLE" "$ID"
}
@test "J14 wrong element type in args" {
    cfg '.process.args = [1]'
    check J14 ojrun create -b "$BUNDLE" "$ID"
}
@test "J15 wrong type: terminal is a string" {
    cfg '.process.terminal = "yes"'
    check J15 ojrun create -b "$BUNDLE" "$ID"
}
@test "J16 negative uid" {
    cfg '.process.user.uid = -1'
    check J16 ojrun create -b "$BUNDLE" "$ID"
}
@test "J17 uid out of range" {
    cfg '.process.user.uid = 4294967296'
    check J17 ojrun create -b "$BUNDLE" "$ID"
}
@test "J18 number overflowing a double" {
    sed -i 's/"uid": 0/"uid": 1e400/' "$BUNDLE/config.json"
    grep -q 1e400 "$BUNDLE/config.json"
    check J18 ojrun create -b "$BUNDLE" "$ID"
}
@test "J19 empty args" {
    cfg '.process.args = []'
    check J19 ojrun create -b "$BUNDLE" "$ID"
}
@test "J20 relative cwd" {
    cfg '.process.cwd = "tmp"'
    check J20 ojrun create -b "$BUNDLE" "$ID"
}
@test "J21 unknown namespace" {
    cfg '.linux.namespaces[0].type = "nett"'
    check J21 ojrun create -b "$BUNDLE" "$ID"
}
@test "J22 unknown rlimit" {
    cfg '.process.rlimits[0].type = "RLIMIT_FOO"'
    check J22 ojrun create -b "$BUNDLE" "$ID"
}
@test "J23 unknown capability" {
    cfg '.process.capabilities.bounding += ["CAP_FOO"]'
    check J23 ojrun create -b "$BUNDLE" "$ID"
}
@test "J24 unknown seccomp action" {
    cfg '.linux.seccomp = {"defaultAction": "SCMP_ACT_FOO"}'
    check J24 ojrun create -b "$BUNDLE" "$ID"
}
@test "J25 a mount namespace path that is not a mount namespace" {
    cfg '.linux.namespaces |= map(if .type == "mount" then .path = "/proc/self/ns/net" else . end)'
    check J25 ojrun create -b "$BUNDLE" "$ID"
}
@test "J26 hostname without a UTS namespace" {
    cfg '.linux.namespaces |= map(select(.type != "uts"))'
    check J26 ojrun create -b "$BUNDLE" "$ID"
}
@test "J27 user namespace without maps" {
    cfg '.linux.namespaces += [{"type":"user"}]'
    check J27 ojrun create -b "$BUNDLE" "$ID"
}
@test "J28 sysctl outside the container's namespaces" {
    cfg '.linux.sysctl = {"kernel.hostname_x": "a"}'
    check J28 ojrun create -b "$BUNDLE" "$ID"
}
@test "J29 unknown property is ignored" {
    cfg '.frob = 1'
    check J29 ojrun run -b "$BUNDLE" "$ID"
    assert_no_leftovers "$ID"
}

# --- the executable ------------------------------------------------------------

@test "X01 missing program (absolute)" {
    cfg_args /bin/no-such-program
    check X01 ojrun create -b "$BUNDLE" "$ID"
    assert_no_leftovers "$ID"
}
@test "X02 missing program (in PATH)" {
    cfg_args no-such-program
    check X02 ojrun create -b "$BUNDLE" "$ID"
    assert_no_leftovers "$ID"
}
@test "X03 a directory as the program" {
    cfg_args /bin
    check X03 ojrun create -b "$BUNDLE" "$ID"
    assert_no_leftovers "$ID"
}
@test "X04 a program without execute permission" {
    cfg_args /etc/passwd
    check X04 ojrun run -b "$BUNDLE" "$ID"
    assert_no_leftovers "$ID"
}

# --- the container's state -------------------------------------------------------

@test "L01 create of an id that exists" {
    cfg_args sleep 100
    ojrun create -b "$BUNDLE" "$ID"
    check L01 ojrun create -b "$BUNDLE" "$ID"
    [ "$(ojrun state "$ID" | jq -r .status)" = created ]
}
@test "L02 start twice" {
    cfg_args sleep 100
    ojrun create -b "$BUNDLE" "$ID"
    ojrun start "$ID"
    check L02 ojrun start "$ID"
}
@test "L03 delete of a created container without --force" {
    cfg_args sleep 100
    ojrun create -b "$BUNDLE" "$ID"
    check L03 ojrun delete "$ID"
    [ "$(ojrun state "$ID" | jq -r .status)" = created ]
}
@test "L04 start of a config without process" {
    cfg 'del(.process)'
    ojrun create -b "$BUNDLE" "$ID"
    check L04 ojrun start "$ID"
}

damage_state() { # CONTENT: create a container, then overwrite its state.json
    cfg_args sleep 100
    ojrun create -b "$BUNDLE" "$ID"
    PID=$(ojrun state "$ID" | jq .pid)
    printf '%s' "$1" >"$ROOT/$ID/state.json"
}

@test "L05 damaged state.json: state" {
    damage_state '{"pid": "garb'
    check L05 ojrun state "$ID"
}
@test "L06 damaged state.json: delete" {
    damage_state '{"pid": "garb'
    check L06 ojrun delete "$ID"
    [ -d "$ROOT/$ID" ]
}
@test "L07 damaged state.json: delete --force cleans up" {
    damage_state '{"pid": "garb'
    check L07 ojrun delete --force "$ID"
    assert_no_leftovers "$ID"
    [ "$(awk '{print $3}' "/proc/$PID/stat" 2>/dev/null || echo Z)" = Z ]
}
@test "L08 state.json with no usable fields" {
    damage_state '{"pid":"12"}'
    check L08 ojrun state "$ID"
}
@test "L09 state.json nested 500000 levels deep" {
    cfg_args sleep 100
    ojrun create -b "$BUNDLE" "$ID"
    { head -c 500000 /dev/zero | tr '\0' '['; head -c 500000 /dev/zero | tr '\0' ']'; } >"$ROOT/$ID/state.json"
    check L09 ojrun state "$ID"
}

# --- only valid JSON leaves ojrun ----------------------------------------------------

# A bundle directory whose name is not UTF-8: every JSON document ojrun writes
# about the container carries the path with the bad byte as U+FFFD (written
# \ufffd, as runc does), so state.json stays readable and state, list and
# delete work.  Nothing reads the stored path back to find files.
@test "bundle directory named bundle\\xff: create, state, list, delete and the JSON log" {
    local b=$BATS_TEST_TMPDIR/bundle$'\xff' log=$BATS_TEST_TMPDIR/log.json
    mv "$BUNDLE" "$b"
    BUNDLE=$b
    cfg_args sleep 100
    local want=$BATS_TEST_TMPDIR/bundle$'\xef\xbf\xbd' # U+FFFD in UTF-8

    # the container's stdio is create's: not through `run`, which would wait for it
    ojrun --log-format json --log "$log" create -b "$BUNDLE" "$ID" \
        </dev/null >/dev/null 2>"$BATS_TEST_TMPDIR/create.err"
    [ ! -s "$BATS_TEST_TMPDIR/create.err" ]
    [ ! -s "$log" ]
    grep -qF 'bundle\ufffd"' "$ROOT/$ID/state.json"
    jq -e --arg b "$want" '.bundle == $b and .rootfs == $b + "/rootfs"' "$ROOT/$ID/state.json"

    run --separate-stderr ojrun state "$ID"
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
    # read back from state.json, U+FFFD is written as itself now
    [[ "$output" == *"$want\""* ]]
    jq -e --arg b "$want" --arg id "$ID" \
        '.id == $id and .status == "created" and .bundle == $b' <<<"$output"

    run --separate-stderr ojrun list
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
    assert_lines 2 "$output"
    [[ "${lines[1]}" == "$ID "* ]]
    run --separate-stderr ojrun list --format json
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
    jq -e --arg b "$want" --arg id "$ID" \
        'length == 1 and .[0].id == $id and .[0].bundle == $b' <<<"$output"

    # an error naming the path goes to the JSON log as valid JSON
    run --separate-stderr ojrun --log-format json --log "$log" spec -b "$BUNDLE"
    [ "$status" -eq 1 ]
    [ "$(wc -l <"$log")" -eq 1 ]
    jq -e --arg b "$want" '.level == "error" and (.msg | contains($b))' "$log"

    # delete --force: no warning (poststop hooks need the state), nothing left
    run --separate-stderr ojrun --log-format json --log "$log" delete --force "$ID"
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
    [ "$(wc -l <"$log")" -eq 1 ]
    assert_no_leftovers "$ID"
}

# --- the table and the tests agree ------------------------------------------------

@test "every row of specs/errors.md has a test here, and every test a row" {
    rows=$(grep -oE '^\| [A-Z][0-9]{2} \|' "$ERRORS_MD" | tr -d '| ' | sort)
    tests=$(grep -oE '^@test "[A-Z][0-9]{2} ' "$BATS_TEST_FILENAME" | sed -E 's/@test "//; s/ $//' | sort)
    [ -n "$rows" ]
    [ "$rows" = "$tests" ] || { diff <(echo "$rows") <(echo "$tests") >&2; return 1; }
    # and no row twice
    [ -z "$(uniq -d <<<"$rows")" ]
}
