/* Writes to /proc/sys and other kernel knobs: the container's /proc/sys is
 * read-only, /proc/sysrq-trigger too, /proc/kcore masked. */
#include "probe.h"
#include <fcntl.h>
#include <unistd.h>

static void try_write(const char *path, const char *value)
{
    char what[300];
    snprintf(what, sizeof(what), "write %s", path);
    int fd = open(path, O_WRONLY);
    if (fd < 0) {
        must_fail(fd, what);
        return;
    }
    must_fail(write(fd, value, strlen(value)), what);
    close(fd);
}

int main(void)
{
    try_write("/proc/sys/kernel/hostname", "pwned");
    try_write("/proc/sys/kernel/core_pattern", "|/box/main");
    try_write("/proc/sys/vm/drop_caches", "3");
    try_write("/proc/sys/kernel/panic", "1");
    try_write("/proc/sysrq-trigger", "h");
    try_write("/proc/sys/net/ipv4/ip_forward", "1");
    try_write("/proc/self/oom_score_adj", "-1000");
    int fd = open("/proc/kcore", O_RDONLY);
    char c;
    if (fd >= 0 && read(fd, &c, 1) == 1)
        breach("read /proc/kcore");
    return verdict();
}
