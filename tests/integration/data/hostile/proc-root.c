/* /proc/1/root and friends: PID 1 is the container's init (root in the
 * container, not dumpable), so the program (uid 1000) may not follow its
 * root or cwd, read its environment or memory, or its open files. */
#include "probe.h"
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

int main(void)
{
    must_fail(open("/proc/1/root/etc/passwd", O_RDONLY), "open /proc/1/root/etc/passwd");
    DIR *d = opendir("/proc/1/root/");
    must_fail(d ? 0 : -1, "opendir /proc/1/root/");
    char buf[256];
    must_fail(readlink("/proc/1/root", buf, sizeof(buf)), "readlink /proc/1/root");
    must_fail(readlink("/proc/1/exe", buf, sizeof(buf)), "readlink /proc/1/exe");
    must_fail(open("/proc/1/environ", O_RDONLY), "open /proc/1/environ");
    must_fail(open("/proc/1/mem", O_RDONLY), "open /proc/1/mem");
    must_fail(open("/proc/1/fd/0", O_RDONLY), "open /proc/1/fd/0");
    must_fail(chdir("/proc/1/cwd"), "chdir /proc/1/cwd");
    /* the host's PID 1 is not even there: only the container's processes */
    int found = 0;
    d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d)))
        found += e->d_name[0] >= '1' && e->d_name[0] <= '9';
    fprintf(stderr, "%d processes in /proc\n", found);
    if (found > 3)
        breach("sees %d processes in /proc", found);
    return verdict();
}
