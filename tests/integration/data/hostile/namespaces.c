/* New namespaces (a user namespace would give it every capability inside)
 * and joining the host's: unshare, setns, clone with CLONE_NEW*, clone3. */
#include "probe.h"
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <linux/sched.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
    must_fail(unshare(CLONE_NEWUSER), "unshare(CLONE_NEWUSER)");
    must_fail(unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)");
    must_fail(unshare(CLONE_NEWNET), "unshare(CLONE_NEWNET)");
    int fd = open("/proc/1/ns/mnt", O_RDONLY);
    if (fd >= 0)
        must_fail(setns(fd, 0), "setns /proc/1/ns/mnt");
    fd = open("/proc/self/ns/user", O_RDONLY);
    if (fd >= 0)
        must_fail(setns(fd, CLONE_NEWUSER), "setns its own user namespace");
    /* raw clone: a child would return 0 here and must exit at once */
    long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0)
        _exit(0);
    must_fail(pid, "clone(CLONE_NEWUSER)");
    pid = syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0)
        _exit(0);
    must_fail(pid, "clone(CLONE_NEWPID|CLONE_NEWNS)");
    struct clone_args args = {.flags = CLONE_NEWUSER, .exit_signal = SIGCHLD};
    pid = syscall(SYS_clone3, &args, sizeof(args));
    if (pid == 0)
        _exit(0);
    must_fail(pid, "clone3(CLONE_NEWUSER)");
    return verdict();
}
