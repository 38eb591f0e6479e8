/* Attaches to its parent (the container's PID 1) and reads its memory. */
#include "probe.h"
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

int main(void)
{
    pid_t parent = getppid();
    must_fail(ptrace(PTRACE_ATTACH, parent, 0, 0), "ptrace(PTRACE_ATTACH, parent)");
    must_fail(ptrace(PTRACE_SEIZE, parent, 0, 0), "ptrace(PTRACE_SEIZE, parent)");
    must_fail(ptrace(PTRACE_TRACEME, 0, 0, 0), "ptrace(PTRACE_TRACEME)");
    char buf[16];
    struct iovec local = {buf, sizeof(buf)}, remote = {(void *)0x400000, sizeof(buf)};
    must_fail(process_vm_readv(parent, &local, 1, &remote, 1, 0), "process_vm_readv(parent)");
    long pidfd = syscall(SYS_pidfd_open, parent, 0);
    fprintf(stderr, "pidfd_open(parent) = %ld\n", pidfd);
    if (pidfd >= 0)
        must_fail(syscall(SYS_pidfd_getfd, pidfd, 0, 0), "pidfd_getfd(parent, 0)");
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/mem", parent);
    FILE *f = fopen(path, "r");
    must_fail(f ? 0 : -1, "open the parent's /proc/PID/mem");
    return verdict();
}
