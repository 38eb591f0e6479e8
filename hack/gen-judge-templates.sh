#!/usr/bin/env bash
# Turn bundle-templates/*.json into C tables (build/gen/judge_templates.c),
# so that `ojrun spec --judge` needs no file at run time.
#
#   hack/gen-judge-templates.sh bundle-templates/*.json > judge_templates.c
#
# common.json holds the per-phase defaults and the base seccomp allowlist;
# every other file is one language.  Each language phase is common's phase
# object with the language's keys merged over it.  The templates are checked
# here (unknown keys, types, syscall names, duplicates), so that a typo is a
# build error rather than a surprising config.json.  The format is described
# in specs/judge-templates.md.
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

# --slurp with the file names alongside, so errors can name the file.
files_json=$(printf '%s\n' "${langs[@]}" | jq -R . | jq -s .)
jq -n -r --slurpfile common "$common" --argjson files "$files_json" \
    --slurpfile langs <(cat "${langs[@]}" | jq -s .) -f /dev/stdin <<'JQ'
def fail(where; msg): error("\(where): \(msg)");

# A C string literal.  ASCII printable only (what tojson escapes is then
# exactly what C needs: \" and \\), and no "??" (trigraphs).
def cstr(where):
  if type != "string" then fail(where; "expected a string, got \(type)")
  elif (test("^[ -~]*$") | not) then fail(where; "only printable ASCII is allowed: \(tojson)")
  elif test("[?][?]") then fail(where; "\"??\" is not allowed (trigraph)")
  else tojson end;

# Text inside a /* */ comment.
def ccomment(where):
  if type != "string" then fail(where; "expected a string")
  elif test("[*]/|/[*]") or (test("^[ -~]*$") | not) then fail(where; "comment text must be printable ASCII without */ or /*")
  else . end;

def strv(where):
  if type != "array" then fail(where; "expected an array of strings")
  else "(const char *const[]){" + ([.[] | cstr(where)] + ["NULL"] | join(", ")) + "}" end;

def only_keys(where; allowed):
  (keys - allowed) as $bad
  | if type != "object" then fail(where; "expected an object")
    elif ($bad | length) > 0 then fail(where; "unknown key \($bad[0] | tojson)")
    else . end;

def posint(where):
  if type == "number" and . == floor and . > 0 and . <= 9007199254740991 then tostring + "ULL"
  else fail(where; "expected a positive integer, got \(tojson)") end;

def syscall_name(where):
  if type != "string" or (test("^[a-z][a-z0-9_]*$") | not) then fail(where; "bad syscall name \(tojson)")
  elif . == "clone" or . == "clone3" then fail(where; "\(.) is not listed: judge_seccomp.c writes its filtered rules")
  else . end;

$common[0] as $c
| ($c | only_keys("common.json"; ["description", "phases", "seccomp"])) as $_
| ($c.seccomp | only_keys("common.json: seccomp"; ["groups", "processes"])) as $_
| ([$c.seccomp.groups[] | . as $g
    | only_keys("common.json: seccomp.groups"; ["name", "why", "syscalls"])
    | .syscalls[] | syscall_name("common.json: seccomp group \($g.name)")]) as $base
| ([$c.seccomp.processes.syscalls[] | syscall_name("common.json: seccomp.processes")]) as $procs
| (($base + $procs) | group_by(.) | map(select(length > 1) | .[0])) as $dups
| if ($dups | length) > 0 then fail("common.json"; "syscall \($dups[0]) listed twice") else . end
| ["compile", "run"] as $phases
| [range(0; $langs[0] | length) as $i | $langs[0][$i] as $l | $files[$i] as $file
   | ($l | only_keys($file; ["name", "description", "etc", "env", "syscalls", "compile", "run"])) as $_
   | if ($l.name | type) != "string" or ($l.name | test("^[a-z][a-z0-9]*$") | not)
     then fail($file; "name must be lower-case letters and digits") else . end
   | {
       name: $l.name,
       file: $file,
       description: ($l.description | cstr("\($file): description")),
       etc: ([($l.etc // [])[] | if test("^/etc/[^/]") and (test("/[.][.]?(/|$)") | not) then . else fail($file; "etc entries must be paths under /etc: \(tojson)") end] | strv("\($file): etc")),
       phases: [ $phases[] as $p
         | ($l[$p] // fail($file; "missing phase \($p)")) as $lp
         | ($lp | only_keys("\($file): \($p)"; ["files", "produces", "args", "env", "syscalls", "limits", "tmpfs-bytes", "nofile", "box-writable", "processes"])) as $_
         | ($c.phases[$p] * $lp) as $m
         | ($m.limits | only_keys("\($file): \($p).limits"; ["cpu-ms", "wall-ms", "memory", "pids", "output-bytes"])) as $_
         | if ($m.args | type) != "array" or ($m.args | length) == 0 or ($m.args[0] | startswith("/") | not)
           then fail("\($file): \($p).args"; "must start with an absolute path") else . end
         | (($l.syscalls // {}) + ($lp.syscalls // {})) as $extra
         | ([$extra | keys[] | syscall_name("\($file): \($p).syscalls")]
            + $base + (if $m.processes then $procs else [] end)
            | group_by(.) | map(select(length > 1) | .[0])) as $d
         | if ($d | length) > 0 then fail("\($file): \($p).syscalls"; "\($d[0]) is already allowed") else . end
         | "        [OJ_JUDGE_\($p | ascii_upcase)] = {\n"
           + "            .files = \($m.files | strv("\($file): \($p).files")),\n"
           + "            .produces = \(($m.produces // []) | strv("\($file): \($p).produces")),\n"
           + "            .args = \($m.args | strv("\($file): \($p).args")),\n"
           + "            .env = \((($l.env // []) + ($lp.env // [])) | strv("\($file): \($p).env")),\n"
           + "            .syscalls = (const char *const[]){\n"
           + ([$extra | to_entries[] | "                \(.key | cstr($file)), /* \(.value | ccomment("\($file): why \(.key)")) */\n"] | join(""))
           + "                NULL},\n"
           + "            .limits = {.cpu_ms = \($m.limits["cpu-ms"] | posint("\($file): \($p).limits.cpu-ms")), "
           + ".wall_ms = \($m.limits["wall-ms"] | posint("\($file): \($p).limits.wall-ms")),\n"
           + "                       .memory = \($m.limits.memory | posint("\($file): \($p).limits.memory")), "
           + ".pids = \($m.limits.pids | posint("\($file): \($p).limits.pids")),\n"
           + "                       .output_bytes = \($m.limits["output-bytes"] | posint("\($file): \($p).limits.output-bytes"))},\n"
           + "            .tmpfs_bytes = \($m["tmpfs-bytes"] | posint("\($file): \($p).tmpfs-bytes")),\n"
           + "            .nofile = \($m.nofile | posint("\($file): \($p).nofile")),\n"
           + "            .box_writable = \(if $m["box-writable"] == true then "true" elif $m["box-writable"] == false then "false" else fail("\($file): \($p).box-writable"; "expected a boolean") end),\n"
           + "            .processes = \(if $m.processes == true then "true" elif $m.processes == false then "false" else fail("\($file): \($p).processes"; "expected a boolean") end),\n"
           + "        },\n"
       ]
     }
  ] as $L
| ($L | map(.name) | group_by(.) | map(select(length > 1) | .[0])) as $dn
| if ($dn | length) > 0 then fail("bundle-templates"; "language \($dn[0]) defined twice") else . end
| "/* Generated by hack/gen-judge-templates.sh from bundle-templates/ (JSON): do not edit. */\n"
  + "#include \"judge.h\"\n\n"
  + "#include <stddef.h>\n\n"
  + "/* The allowlist of every language and phase (common.json seccomp.groups). */\n"
  + "const struct oj_judge_syscall_group oj_judge_seccomp_groups[] = {\n"
  + ([$c.seccomp.groups[] | "    /* \(.why | ccomment("common.json: why \(.name)")) */\n    {\(.name | cstr("common.json")), \(.syscalls | strv("common.json: \(.name)"))},\n"] | join(""))
  + "};\n"
  + "const size_t oj_judge_n_seccomp_groups = \($c.seccomp.groups | length);\n\n"
  + "/* \($c.seccomp.processes.why | ccomment("common.json: seccomp.processes.why")) */\n"
  + "const char *const oj_judge_process_syscalls[] = {" + ([$procs[] | cstr("common.json")] + ["NULL"] | join(", ")) + "};\n\n"
  + "const struct oj_judge_lang oj_judge_langs[] = {\n"
  + ([$L[] | "    /* \(.file) */\n    {\n        .name = \(.name | cstr(.file)),\n        .description = \(.description),\n        .etc = \(.etc),\n        .phase = {\n" + (.phases | join("")) + "        },\n    },\n"] | join(""))
  + "};\n"
  + "const size_t oj_judge_n_langs = \($L | length);\n"
JQ
