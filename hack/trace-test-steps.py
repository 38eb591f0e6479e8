#!/usr/bin/env python3
"""Where a judged test's time goes (specs/performance.md, "Where a judged
test's time goes").

Judges a problem of TESTS empty tests with the trivial program through
ojrun-judge-tool (the worker's engine and library, no broker) under
`perf record` of a few kernel tracepoints -- no ptrace, so the steps are
not inflated as under strace -f -- and prints the median of each step of a
test, from the supervisor's fork to the caller's collect, in ms.

Usage: hack/trace-test-steps.py [--slots N] [--tests N] [--state DIR]
  (BUILD=build; --state: where the state root and the work directories go,
  default /tmp; run as root, with perf installed)
"""
import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

EVENTS = ",".join([
    "sched:sched_process_fork", "sched:sched_process_exec", "sched:sched_process_exit",
    "syscalls:sys_enter_pivot_root", "syscalls:sys_enter_mkdir", "syscalls:sys_exit_wait4",
    "syscalls:sys_enter_clone3", "syscalls:sys_enter_rmdir",
])
MODE_0700, MODE_0755 = "mode: 0x000001c0", "mode: 0x000001ed"

STEPS = [
    ("fork", "statedir", "supervisor forked -> state dir (stdio, signals, seccomp cache)"),
    ("statedir", "cg0", "state dir, config.json, exec.fifo"),
    ("cg0", "cg1", "cgroup mkdir in every hierarchy"),
    ("cg1", "clone3", "limits written, cgroup file"),
    ("clone3", "initborn", "clone3 with the namespaces"),
    ("initborn", "pivot", "init: id maps, mount sources, mounts -> pivot_root"),
    ("pivot", "progfork", "masked/read-only paths, caps, state.json -> program forked"),
    ("progfork", "exec", "seccomp loaded, execve"),
    ("exec", "progexit", "the program runs"),
    ("progexit", "initexit", "init exits"),
    ("initexit", "rmdir0", "accounting until the first cgroup rmdir"),
    ("rmdir0", "rmdir1", "cgroup rmdirs"),
    ("rmdir1", "supexit", "state dir removed, result written"),
    ("supexit", "collected", "caller's wait4, collect"),
    ("fork", "collected", "TOTAL supervisor fork -> collected"),
]


def parse(text):
    ev = []
    for line in text.splitlines():
        m = re.match(r"\s*(.+?)\s+(\d+)\s+\[\d+\]\s+([\d.]+):\s+(\S+):\s*(.*)", line)
        if m:
            ev.append((float(m.group(3)) * 1000, int(m.group(2)), m.group(4), m.group(5)))
    return ev


def steps(ev, root):
    by_pid, children = {}, {}
    for e in ev:
        by_pid.setdefault(e[1], []).append(e)
        if e[2] == "sched:sched_process_fork":
            child = int(re.search(r"child_pid=(\d+)", e[3]).group(1))
            children.setdefault(e[1], []).append((e[0], child))

    def first(pid, pred):
        return next((e[0] for e in by_pid.get(pid, []) if pred(e)), None)

    tests = []
    for born, sup in children.get(root, []):
        se = by_pid.get(sup, [])
        m755 = [e[0] for e in se if e[2].endswith("sys_enter_mkdir") and MODE_0755 in e[3]]
        kids = children.get(sup, [])
        if not m755 or not kids:
            continue  # not a task's supervisor
        m700 = [e[0] for e in se if e[2].endswith("sys_enter_mkdir") and MODE_0700 in e[3]
                and e[0] < m755[0]]
        init = kids[0][1]
        prog = children.get(init, [])
        if not m700 or not prog:
            continue
        t = {"fork": born, "statedir": max(m700), "cg0": m755[0], "cg1": m755[-1],
             "clone3": first(sup, lambda e: e[2].endswith("sys_enter_clone3")),
             "initborn": kids[0][0], "progfork": prog[0][0],
             "pivot": first(init, lambda e: "pivot_root" in e[2]),
             "exec": first(prog[0][1], lambda e: e[2] == "sched:sched_process_exec"),
             "progexit": first(prog[0][1], lambda e: e[2] == "sched:sched_process_exit"),
             "initexit": first(init, lambda e: e[2] == "sched:sched_process_exit"),
             "supexit": first(sup, lambda e: e[2] == "sched:sched_process_exit"),
             "collected": first(root, lambda e: e[2].endswith("sys_exit_wait4")
                                and int(e[3], 16) == sup)}
        rm = [e[0] for e in se if "rmdir" in e[2] and t["initexit"] and e[0] > t["initexit"]]
        if rm:
            t["rmdir0"], t["rmdir1"] = rm[0], rm[-1]
        tests.append(t)
    return tests


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--slots", type=int, default=1)
    ap.add_argument("--tests", type=int, default=50)
    ap.add_argument("--state", default="/tmp")
    a = ap.parse_args()
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    tool = os.path.join(repo, os.environ.get("BUILD", "build"), "ojrun-judge-tool")
    w = tempfile.mkdtemp(prefix="ojrun-steps.")
    try:
        os.chmod(w, 0o711)
        tests = os.path.join(w, "p", "tests")
        os.makedirs(tests)
        for i in range(1, a.tests + 1):
            for ext in ("in", "out"):
                open(os.path.join(tests, "%d.%s" % (i, ext)), "w").close()
        with open(os.path.join(w, "p", "limits.json"), "w") as f:
            f.write('{"cpu_ms": 1000, "wall_ms": 3000, "memory_mb": 64, "output_kb": 1024}\n')
        box = os.path.join(w, "box")
        os.makedirs(box)
        with open(os.path.join(w, "t.c"), "w") as f:
            f.write("int main(void) { return 0; }\n")
        subprocess.run(["gcc", "-O2", "-o", os.path.join(box, "main"), os.path.join(w, "t.c")],
                       check=True)
        os.chmod(box, 0o755)
        state = tempfile.mkdtemp(prefix="ojrun-steps-state.", dir=a.state)
        os.chmod(state, 0o711)
        data = os.path.join(w, "perf.data")
        env = dict(os.environ, TMPDIR=state)
        subprocess.run(["perf", "record", "-q", "-a", "-e", EVENTS, "-o", data, tool, "judge",
                        "--root", os.path.join(state, "root"), "--lang", "c", "--problem",
                        os.path.join(w, "p"), "--slots", str(a.slots), "--json", "--prebuilt",
                        box], check=True, env=env, stdout=subprocess.DEVNULL)
        shutil.rmtree(state, ignore_errors=True)
        text = subprocess.run(["perf", "script", "-i", data], check=True, capture_output=True,
                              text=True).stdout
        ev = parse(text)
        root = next(e[1] for e in ev if e[2] == "sched:sched_process_exec"
                    and "ojrun-judge-tool" in e[3])
        ts = steps(ev, root)
        if not ts:
            sys.exit("trace-test-steps: no test found in the trace")
        print("%d tests, %d slot(s), state in %s; medians in ms" % (len(ts), a.slots, a.state))
        for frm, to, name in STEPS:
            v = [t[to] - t[frm] for t in ts if t.get(frm) is not None and t.get(to) is not None]
            if v:
                print("| %s | %.2f |" % (name, statistics.median(v)))
    finally:
        shutil.rmtree(w, ignore_errors=True)


if __name__ == "__main__":
    main()
