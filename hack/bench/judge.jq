# The judge bundle of the benchmark (specs/performance.md): seven
# namespaces including a user namespace (map-root onto 100000..165535),
# memory/pids/cpu limits, rlimits,
# no_new_privs, no capabilities, a read-only root with private /dev and /tmp,
# and the ~420-rule Docker-like seccomp profile ($sc, from gen-seccomp).
# The process runs as 1000:1000 (the judge user of the busybox rootfs).
{
  ociVersion: "1.0.2",
  process: {
    terminal: false,
    user: {uid: 1000, gid: 1000},
    args: ["/hello"],
    env: ["PATH=/bin:/usr/bin", "HOME=/tmp"],
    cwd: "/tmp",
    capabilities: {bounding: [], effective: [], permitted: [], inheritable: [], ambient: []},
    rlimits: [
      {type: "RLIMIT_CPU", soft: 2, hard: 3},
      {type: "RLIMIT_FSIZE", soft: 1048576, hard: 1048576},
      {type: "RLIMIT_CORE", soft: 0, hard: 0},
      {type: "RLIMIT_NOFILE", soft: 64, hard: 64},
      {type: "RLIMIT_STACK", soft: 8388608, hard: 8388608}
    ],
    noNewPrivileges: true
  },
  root: {path: "rootfs", readonly: true},
  hostname: "judge",
  mounts: [
    {destination: "/proc", type: "proc", source: "proc"},
    {destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=64k"]},
    {destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=1777", "size=16m"]}
  ],
  linux: {
    namespaces: [{type: "pid"}, {type: "network"}, {type: "ipc"}, {type: "uts"}, {type: "mount"}, {type: "cgroup"}, {type: "user"}],
    uidMappings: [{containerID: 0, hostID: 100000, size: 65536}],
    gidMappings: [{containerID: 0, hostID: 100000, size: 65536}],
    resources: {
      memory: {limit: 268435456, swap: 268435456},
      pids: {limit: 16},
      cpu: {quota: 100000, period: 100000}
    },
    seccomp: $sc,
    maskedPaths: ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug", "/sys/firmware"],
    readonlyPaths: ["/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus"]
  }
}
