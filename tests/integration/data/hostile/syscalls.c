/* The kernel's big attack surfaces and the machine-wide calls: keyctl,
 * add_key, bpf, perf_event_open, io_uring_setup, userfaultfd, reboot,
 * kexec_load, init_module, swapoff, settimeofday... each must fail with
 * EPERM (the filter's default).  The arguments are harmless even if a call
 * got through. */
#include "probe.h"
#include <linux/reboot.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

static void try(long nr, const char *name, long a, long b, long c, long d)
{
    long rc = syscall(nr, a, b, c, d, 0, 0);
    if (rc >= 0 || errno != EPERM)
        breach("%s: %ld (%s), want EPERM", name, rc, rc < 0 ? strerror(errno) : "ok");
    else
        fprintf(stderr, "%s: %s\n", name, strerror(errno));
}

int main(void)
{
    static char attr[128]; /* zeroed: an empty bpf/perf attribute */
    try(SYS_keyctl, "keyctl", 0 /* KEYCTL_GET_KEYRING_ID */, -3, 0, 0);
    try(SYS_add_key, "add_key", (long)"user", (long)"k", (long)"v", 1);
    try(SYS_request_key, "request_key", (long)"user", (long)"k", 0, -3);
    try(SYS_bpf, "bpf", 0 /* BPF_MAP_CREATE */, (long)attr, sizeof(attr), 0);
    try(SYS_perf_event_open, "perf_event_open", (long)attr, 0, -1, -1);
    try(SYS_io_uring_setup, "io_uring_setup", 1, (long)attr, 0, 0);
    try(SYS_userfaultfd, "userfaultfd", 0, 0, 0, 0);
    try(SYS_reboot, "reboot", LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_CAD_OFF,
        0);
    try(SYS_kexec_load, "kexec_load", 0, 0, 0, 0);
    try(SYS_kexec_file_load, "kexec_file_load", -1, -1, 0, 0);
    try(SYS_init_module, "init_module", (long)attr, 0, (long)"", 0);
    try(SYS_delete_module, "delete_module", (long)"ojrun-none", 0, 0, 0);
    try(SYS_swapoff, "swapoff", (long)"/nonexistent", 0, 0, 0);
    try(SYS_acct, "acct", 0, 0, 0, 0);
    try(SYS_syslog, "syslog", 10 /* SYSLOG_ACTION_SIZE_BUFFER */, 0, 0, 0);
    try(SYS_iopl, "iopl", 3, 0, 0, 0);
    try(SYS_personality, "personality", 0x0040000 /* ADDR_NO_RANDOMIZE */, 0, 0, 0);
    try(SYS_memfd_create, "memfd_create", (long)"x", 0, 0, 0);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    try(SYS_settimeofday, "settimeofday", (long)&tv, 0, 0, 0);
    return verdict();
}
