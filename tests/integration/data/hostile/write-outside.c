/* Tries to write everywhere but /box and /tmp: the root file system, /usr
 * (the host's, bound read-only), /etc, /dev, /proc, a device node. */
#include "probe.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

static void try_create(const char *dir)
{
    char path[300], what[320];
    snprintf(path, sizeof(path), "%s/ojrun-hostile-pwned", dir);
    snprintf(what, sizeof(what), "create %s", path);
    must_fail(open(path, O_WRONLY | O_CREAT, 0644), what);
}

int main(void)
{
    const char *dirs[] = {"",      "/usr", "/usr/bin", "/usr/lib", "/etc",    "/bin",   "/dev",
                          "/proc", "/var", "/root",    "/home",    "/box/..", "/tmp/.."};
    for (unsigned i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
        try_create(dirs[i]);
    must_fail(open("/usr/bin/sh", O_WRONLY | O_APPEND), "open /usr/bin/sh for writing");
    must_fail(open("/etc/passwd", O_WRONLY | O_APPEND), "open /etc/passwd for writing");
    must_fail(chmod("/usr/bin", 0777), "chmod /usr/bin");
    must_fail(mkdir("/ojrun-hostile-dir", 0755), "mkdir /ojrun-hostile-dir");
    must_fail(symlink("/tmp", "/usr/ojrun-hostile-link"), "symlink in /usr");
    must_fail(truncate("/usr/bin/ls", 0), "truncate /usr/bin/ls");
    must_fail(mknod("/tmp/sda", S_IFBLK | 0600, makedev(8, 0)), "mknod a block device");
    return verdict();
}
