#!/usr/bin/env bash
# Turn bundle-templates/*.json into C tables (build/gen/judge_templates.c),
# so that `ojrun spec --judge` needs no file at run time.
#
#   bundle-templates/generator/gen-judge-templates.sh bundle-templates/*.json > judge_templates.c
#
# common.json holds the per-phase defaults and the base seccomp allowlist;
# every other file is one language.  Each language phase is common's phase
# object with the language's keys merged over it.  The templates are checked
# here (unknown keys, types, syscall names, duplicates), so that a typo is a
# build error rather than a surprising config.json.  The format is described
# in specs/judge-templates.md; the tables in judge.h, next to this script.
set -euo pipefail

if [ $# -eq 0 ]; then
    echo "usage: $0 bundle-templates/*.json" >&2
    exit 2
fi
common=
langs=()
for f in "$@"; do
    case "$(basename "$f")" in
    common.json) common=$f ;;
    *.json) langs+=("$f") ;;
    esac
done
if [ -z "$common" ] || [ ${#langs[@]} -eq 0 ]; then
    echo "$0: need common.json and at least one language template" >&2
    exit 2
fi

# The language files in one array, and their names alongside so that
# errors can name the file.
names=$(printf '%s\n' "${langs[@]}" | jq -R . | jq -s .)
exec jq -n -r --slurpfile common "$common" --argjson names "$names" \
    --slurpfile langs <(cat "${langs[@]}" | jq -s .) -f /dev/stdin <<'JQ'
def fail(where; msg): error("\(where): \(msg)");

def only_keys(where; allowed):
  if type != "object" then fail(where; "expected an object")
  elif (keys - allowed | length) > 0
  then fail(where; "unknown key \(keys - allowed | .[0] | tojson)")
  else . end;

# A C string literal.  Printable ASCII only (what tojson escapes is then
# exactly what C needs: \" and \\), and no "??" (a trigraph).
def cstr(where):
  if type != "string" then fail(where; "expected a string, got \(type)")
  elif (test("^[ -~]*$") | not) then fail(where; "only printable ASCII: \(tojson)")
  elif test("[?][?]") then fail(where; "\"??\" is not allowed (trigraph)")
  else tojson end;

# Text for a /* */ comment.
def ccomment(where):
  if type != "string" or (test("^[ -~]*$") | not) or test("[*]/|/[*]")
  then fail(where; "expected printable ASCII without */ or /*")
  else . end;

# A NULL-terminated string vector as a compound literal.
def strv(where):
  if type != "array" then fail(where; "expected an array of strings")
  else "(const char *const[]){" + ([.[] | cstr(where)] + ["NULL"] | join(", ")) + "}" end;

def posint(where):
  if type == "number" and . == floor and . > 0 and . <= 9007199254740991 then "\(.)ULL"
  else fail(where; "expected a positive integer, got \(tojson)") end;

def cbool(where):
  if . == true then "true" elif . == false then "false"
  else fail(where; "expected true or false, got \(tojson)") end;

def syscall_name(where):
  if type != "string" or (test("^[a-z][a-z0-9_]*$") | not)
  then fail(where; "bad syscall name \(tojson)")
  elif . == "clone" or . == "clone3"
  then fail(where; "\(.) is not listed: judge_seccomp.c writes its filtered rules")
  else . end;

def duplicates: group_by(.) | map(select(length > 1) | .[0]);

# --- common.json ---------------------------------------------------------

$common[0] as $c
| ($c | only_keys("common.json"; ["description", "phases", "seccomp"])) as $_
| ($c.seccomp | only_keys("common.json: seccomp"; ["groups", "processes"])) as $_
| ($c.seccomp.groups | map(only_keys("common.json: seccomp.groups[]"; ["name", "why", "syscalls"])))
  as $_
| ([$c.seccomp.groups[] | .name as $g
    | .syscalls[] | syscall_name("common.json: seccomp group \($g)")]) as $base
| ([$c.seccomp.processes.syscalls[] | syscall_name("common.json: seccomp.processes")]) as $procs
| (($base + $procs) | duplicates) as $d
| if ($d | length) > 0 then fail("common.json"; "syscall \($d[0]) listed twice") else . end

# --- one phase of one language: a designated initializer ----------------

| def phase_c($file; $l; $p):
    "\($file): \($p)" as $w
    | ($l[$p] // fail($file; "missing phase \($p)")) as $lp
    | ($lp | only_keys($w; ["files", "produces", "args", "env", "syscalls", "limits",
                           "tmpfs-bytes", "nofile", "box-writable", "processes"])) as $_
    | ($c.phases[$p] * $lp) as $m
    | ($m.limits | only_keys("\($w).limits"; ["cpu-ms", "wall-ms", "memory", "pids",
                                              "output-bytes"])) as $_
    | if ($m.args | type) != "array" or ($m.args | length) == 0
         or ($m.args[0] | type) != "string" or ($m.args[0] | startswith("/") | not)
      then fail("\($w).args"; "must start with an absolute path") else . end
    | if ($m.files | type) != "array" or ($m.files | length) == 0
         or any($m.files[]; type != "string" or contains("/") or . == "")
      then fail("\($w).files"; "expected file names in /box") else . end
    | if ($l.syscalls // {} | type) != "object" or ($lp.syscalls // {} | type) != "object"
      then fail("\($w).syscalls"; "expected {\"name\": \"why\", ...}") else . end
    | (($l.syscalls // {}) + ($lp.syscalls // {})) as $extra
    | (($extra | keys | map(syscall_name("\($w).syscalls")))
       + $base + (if $m.processes == true then $procs else [] end) | duplicates) as $d
    | if ($d | length) > 0 then fail("\($w).syscalls"; "\($d[0]) is already allowed") else . end
    | $m.limits as $lim
    | [ "        [OJ_JUDGE_\($p | ascii_upcase)] = {",
        "            .files = \($m.files | strv("\($w).files")),",
        "            .produces = \($m.produces // [] | strv("\($w).produces")),",
        "            .args = \($m.args | strv("\($w).args")),",
        "            .env = \(($l.env // []) + ($lp.env // []) | strv("\($w).env")),",
        "            .syscalls = (const char *const[]){",
        ($extra | to_entries[]
         | "                \(.key | cstr($w)), /* \(.value | ccomment("\($w): \(.key)")) */"),
        "                NULL},",
        "            .limits = {.cpu_ms = \($lim["cpu-ms"] | posint("\($w): cpu-ms")),",
        "                       .wall_ms = \($lim["wall-ms"] | posint("\($w): wall-ms")),",
        "                       .memory = \($lim.memory | posint("\($w): memory")),",
        "                       .pids = \($lim.pids | posint("\($w): pids")),",
        "                       .output_bytes = "
        + "\($lim["output-bytes"] | posint("\($w): output-bytes"))},",
        "            .tmpfs_bytes = \($m["tmpfs-bytes"] | posint("\($w): tmpfs-bytes")),",
        "            .nofile = \($m.nofile | posint("\($w): nofile")),",
        "            .box_writable = \($m["box-writable"] | cbool("\($w): box-writable")),",
        "            .processes = \($m.processes | cbool("\($w): processes")),",
        "        }," ]
    | join("\n");

# --- one language ----------------------------------------------------------

  def lang_c($file; $l):
    ($l | only_keys($file; ["name", "description", "etc", "env", "syscalls", "compile", "run"]))
    | if ($l.name | type) != "string" or ($l.name | test("^[a-z][a-z0-9]*$") | not)
      then fail($file; "name must be lower-case letters and digits") else . end
    | ($l.etc // [] | map(
        if type == "string" and test("^/etc/[^/]") and (test("/[.][.]?(/|$)") | not) then .
        else fail($file; "etc entries must be paths under /etc: \(tojson)") end)) as $etc
    | { name: $l.name,
        text: ([ "    /* \($file) */",
                 "    {",
                 "        .name = \($l.name | cstr($file)),",
                 "        .description = \($l.description | cstr("\($file): description")),",
                 "        .etc = \($etc | strv("\($file): etc")),",
                 "        .phase = {",
                 phase_c($file; $l; "compile"),
                 phase_c($file; $l; "run"),
                 "        },",
                 "    }," ] | join("\n")) };

[range(0; $langs[0] | length) as $i | lang_c($names[$i]; $langs[0][$i])] as $L
| ($L | map(.name) | duplicates) as $d
| if ($d | length) > 0 then fail("bundle-templates"; "language \($d[0]) defined twice") else . end

# --- the file ----------------------------------------------------------------

| [ "/* Generated by bundle-templates/generator/gen-judge-templates.sh from bundle-templates/ (JSON): do not edit. */",
    "#include \"judge.h\"",
    "",
    "#include <stddef.h>",
    "",
    "/* The allowlist of every language and phase (common.json seccomp.groups). */",
    "const struct oj_judge_syscall_group oj_judge_seccomp_groups[] = {",
    ($c.seccomp.groups[]
     | "    /* \(.why | ccomment("common.json: \(.name)")) */",
       "    {\(.name | cstr("common.json")), \(.syscalls | strv("common.json: \(.name)"))},"),
    "};",
    "const size_t oj_judge_n_seccomp_groups = \($c.seccomp.groups | length);",
    "",
    "/* \($c.seccomp.processes.why | ccomment("common.json: seccomp.processes")) */",
    "const char *const oj_judge_process_syscalls[] = {"
    + ([$procs[] | cstr("common.json")] + ["NULL"] | join(", ")) + "};",
    "",
    "const struct oj_judge_lang oj_judge_langs[] = {",
    ($L[] | .text),
    "};",
    "const size_t oj_judge_n_langs = \($L | length);" ]
| join("\n")
JQ
