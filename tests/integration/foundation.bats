#!/usr/bin/env bats
# The command-line front and the commands that need no container:
# spec, features, --version, global flags and logging.

load helpers

setup() {
    setup_root
    BUNDLE="$BATS_TEST_TMPDIR/bundle"
    mkdir -p "$BUNDLE"
}

teardown() {
    # only set by the rootless test; bats removes $BATS_TEST_TMPDIR itself
    if [ -n "${NOBODY_DIR:-}" ]; then
        rm -rf "$NOBODY_DIR"
    fi
}

# --- spec ---------------------------------------------------------------------

@test "spec writes a default config.json into the current directory" {
    cd "$BUNDLE"
    run --separate-stderr ojrun spec
    [ "$status" -eq 0 ]
    [ -z "$output" ]
    [ -z "$stderr" ]
    # only config.json: the temporary file of the atomic write is gone
    [ "$(ls -A "$BUNDLE")" = config.json ]
    [ "$(stat -c %a config.json)" = 644 ]
    assert_jq '.ociVersion == "1.2.0"' config.json
    assert_jq '.process.args == ["sh"]' config.json
    assert_jq '.process.terminal == true' config.json
    assert_jq '.root == {"path": "rootfs", "readonly": true}' config.json
    assert_jq '[.linux.namespaces[].type] == ["pid", "network", "ipc", "uts", "mount"]' config.json
    assert_jq '[.mounts[].destination] == ["/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"]' config.json
    assert_jq '.process.capabilities.bounding == ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]' config.json
    assert_jq '.linux.maskedPaths | index("/proc/kcore") != null' config.json
    assert_jq '.linux | has("uidMappings") | not' config.json
}

@test "spec matches runc spec apart from ociVersion and hostname" {
    mkdir "$BUNDLE/runc"
    (cd "$BUNDLE/runc" && runc spec)
    ojrun spec --bundle "$BUNDLE"
    diff <(jq -S 'del(.ociVersion, .hostname)' "$BUNDLE/runc/config.json") \
        <(jq -S 'del(.ociVersion, .hostname)' "$BUNDLE/config.json")
}

@test "spec --bundle and -b write into the given directory" {
    cd "$BATS_TEST_TMPDIR"
    run ojrun spec --bundle "$BUNDLE/"
    [ "$status" -eq 0 ]
    [ -f "$BUNDLE/config.json" ]
    [ ! -e "$BATS_TEST_TMPDIR/config.json" ]
    mkdir "$BUNDLE/b"
    run ojrun spec -b "$BUNDLE/b"
    [ "$status" -eq 0 ]
    jq -e . "$BUNDLE/b/config.json" >/dev/null
}

@test "spec refuses to overwrite an existing config.json" {
    echo '{"mine": true}' >"$BUNDLE/config.json"
    run --separate-stderr ojrun spec -b "$BUNDLE"
    [ "$status" -eq 1 ]
    assert_lines 1 "$stderr"
    [[ "$stderr" == *"$BUNDLE/config.json: file exists"* ]]
    [ "$(cat "$BUNDLE/config.json")" = '{"mine": true}' ]
    # a dangling symlink is somebody's file too
    rm "$BUNDLE/config.json"
    ln -s /nonexistent "$BUNDLE/config.json"
    run ojrun spec -b "$BUNDLE"
    [ "$status" -eq 1 ]
    [ "$(readlink "$BUNDLE/config.json")" = /nonexistent ]
}

@test "spec fails clearly on a missing bundle directory" {
    run --separate-stderr ojrun spec -b "$BUNDLE/nope"
    [ "$status" -eq 1 ]
    assert_lines 1 "$stderr"
    [[ "$stderr" == *"$BUNDLE/nope"*"No such file or directory"* ]]
}

@test "spec --rootless maps the caller's ids in a user namespace" {
    cd "$BUNDLE"
    run ojrun spec --rootless
    [ "$status" -eq 0 ]
    assert_jq '[.linux.namespaces[].type] == ["pid", "ipc", "uts", "mount", "user"]' config.json
    assert_jq ".linux.uidMappings == [{\"containerID\": 0, \"hostID\": $(id -u), \"size\": 1}]" config.json
    assert_jq ".linux.gidMappings == [{\"containerID\": 0, \"hostID\": $(id -g), \"size\": 1}]" config.json
    assert_jq '[.mounts[] | select(.type == "cgroup")] == []' config.json
    assert_jq '.mounts[] | select(.destination == "/sys") | .type == "none" and (.options | index("rbind") != null)' config.json
    assert_jq '.linux | has("resources") | not' config.json
}

@test "spec --rootless run by an unprivileged user maps that user" {
    # $BATS_TEST_TMPDIR is private to root: use a directory nobody can write
    NOBODY_DIR=$(mktemp -d /tmp/ojrun-nobody.XXXXXX)
    chmod 755 "$NOBODY_DIR"
    chown 65534:65534 "$NOBODY_DIR"
    run setpriv --reuid 65534 --regid 65534 --clear-groups \
        "$OJRUN" --root "$NOBODY_DIR/state" spec --rootless -b "$NOBODY_DIR"
    [ "$status" -eq 0 ]
    assert_jq '.linux.uidMappings[0].hostID == 65534 and .linux.gidMappings[0].hostID == 65534' \
        "$NOBODY_DIR/config.json"
    [ "$(stat -c %u "$NOBODY_DIR/config.json")" = 65534 ]
}

@test "spec --help prints usage; bad flags and arguments are one-line errors" {
    run --separate-stderr ojrun spec --help
    [ "$status" -eq 0 ]
    [[ "$output" == Usage:*"--rootless"* ]]
    [ -z "$stderr" ]
    run ojrun spec -h
    [ "$status" -eq 0 ]

    for args in "--bogus" "-x" "extra" "--bundle"; do
        run --separate-stderr ojrun spec $args
        [ "$status" -eq 1 ]
        assert_lines 1 "$stderr"
        [[ "$stderr" == "ojrun: spec: "*"ojrun spec --help"* ]]
        [ -z "$output" ]
    done
    [ ! -e "$BUNDLE/config.json" ]
}

# --- features -----------------------------------------------------------------

@test "features prints the OCI features document" {
    run --separate-stderr ojrun features
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
    printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/features.json"
    f="$BATS_TEST_TMPDIR/features.json"
    assert_jq '.ociVersionMin == "1.0.0" and .ociVersionMax == "1.2.0"' "$f"
    assert_jq '.hooks == ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]' "$f"
    assert_jq '(.mountOptions | index("rbind") != null) and (.mountOptions | index("tmpcopyup") == null)' "$f"
    assert_jq '.linux.namespaces | sort == ["cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"]' "$f"
    assert_jq '.linux.capabilities | index("CAP_SYS_ADMIN") != null and index("CAP_CHOWN") == 0' "$f"
    assert_jq '.linux.cgroup == {"v1": true, "v2": true, "systemd": false, "systemdUser": false, "rdma": true}' "$f"
    assert_jq '.linux.seccomp.enabled and (.linux.seccomp.actions | index("SCMP_ACT_NOTIFY") != null)' "$f"
    assert_jq '.linux.seccomp.operators | length == 7' "$f"
    assert_jq '.linux.seccomp.archs | index("SCMP_ARCH_X86_64") != null' "$f"
    assert_jq '.linux.seccomp as $s | ($s.supportedFlags - $s.knownFlags) == []' "$f"
    assert_jq '.linux.apparmor.enabled == false and .linux.selinux.enabled == false' "$f"
    assert_jq '.linux.mountExtensions.idmap.enabled == false' "$f"
    assert_jq '.annotations["org.opencontainers.runc.checkpoint.enabled"] == "false"' "$f"
    # the libseccomp version agrees with --version
    v=$("$OJRUN" --version | sed -n 's/^libseccomp: //p')
    assert_jq ".annotations[\"io.github.seccomp.libseccomp.version\"] == \"$v\"" "$f"
}

@test "features --help prints usage; extra arguments are refused" {
    run ojrun features --help
    [ "$status" -eq 0 ]
    [[ "$output" == "Usage: ojrun features"* ]]
    run --separate-stderr ojrun features extra
    [ "$status" -eq 1 ]
    assert_lines 1 "$stderr"
    run --separate-stderr ojrun features --pretty
    [ "$status" -eq 1 ]
    assert_lines 1 "$stderr"
}

# --- global flags -----------------------------------------------------------------

@test "--version prints the three runc-style lines plus libseccomp" {
    run --separate-stderr "$OJRUN" --version
    [ "$status" -eq 0 ]
    [ -z "$stderr" ]
    assert_lines 4 "$output"
    [[ "${lines[0]}" =~ ^ojrun\ version\ [0-9]+\.[0-9]+\.[0-9]+ ]]
    [[ "${lines[1]}" =~ ^commit:\ [0-9a-z]+ ]]
    [ "${lines[2]}" = "spec: 1.2.0" ]
    [[ "${lines[3]}" =~ ^libseccomp:\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
    run "$OJRUN" -v
    [ "$status" -eq 0 ]
    assert_lines 4 "$output"
}

@test "an unknown command exits 1 with one line on stderr" {
    run --separate-stderr ojrun frobnicate
    [ "$status" -eq 1 ]
    [ -z "$output" ]
    assert_lines 1 "$stderr"
    [[ "$stderr" == *'unknown command "frobnicate"'* ]]
}

@test "an unknown global flag exits 1" {
    cd "$BUNDLE"
    run --separate-stderr "$OJRUN" --frobnicate spec
    [ "$status" -eq 1 ]
    assert_lines 1 "$stderr"
    [[ "$stderr" == *"--frobnicate"* ]]
    [ ! -e config.json ]
}

@test "--log-format json --log FILE writes errors as JSON lines" {
    log="$BATS_TEST_TMPDIR/ojrun.log"
    run ojrun --log-format json --log "$log" frobnicate
    [ "$status" -eq 1 ]
    echo '{"mine": 1}' >"$BUNDLE/config.json"
    run ojrun --log-format json --log "$log" spec -b "$BUNDLE"
    [ "$status" -eq 1 ]
    [ "$(wc -l <"$log")" -eq 2 ]
    # every line is one JSON object with level, msg and an RFC 3339 time
    jq -e -s 'length == 2 and all(.[]; .level == "error" and (.msg | type) == "string"
              and (.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$")))' "$log"
    jq -e -s '.[0].msg | contains("frobnicate")' "$log"
    jq -e -s '.[1].msg | contains("config.json: file exists")' "$log"
}

@test "--log-format with an unknown format is refused" {
    run --separate-stderr ojrun --log-format xml features
    [ "$status" -eq 1 ]
    [ -z "$output" ]
    assert_lines 1 "$stderr"
}

@test "--systemd-cgroup is refused clearly" {
    run --separate-stderr ojrun --systemd-cgroup features
    [ "$status" -eq 1 ]
    [ -z "$output" ]
    assert_lines 1 "$stderr"
    [[ "$stderr" == *"--systemd-cgroup"*"not supported"* ]]
}
