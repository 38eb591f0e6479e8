# The minimal bundle: what any runtime must do for a container and nothing
# more (new mount and PID namespaces, /proc, read-only root, no user
# namespace, no cgroup limits, no seccomp).  --arg args is the process.
{
  ociVersion: "1.0.2",
  process: {
    terminal: false,
    user: {uid: 0, gid: 0},
    args: ["/hello"],
    env: ["PATH=/bin:/usr/bin"],
    cwd: "/"
  },
  root: {path: "rootfs", readonly: true},
  mounts: [
    {destination: "/proc", type: "proc", source: "proc"}
  ],
  linux: {
    namespaces: [{type: "pid"}, {type: "mount"}]
  }
}
