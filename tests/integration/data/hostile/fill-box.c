/* Tries to write into /box, where the program lives: read-only in the run
 * bundle, so nothing can be written or replaced there. */
#include "probe.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
    must_fail(open("/box/fill", O_WRONLY | O_CREAT, 0644), "create /box/fill");
    must_fail(open("/box/main", O_WRONLY | O_APPEND), "open /box/main for writing");
    must_fail(mkdir("/box/dir", 0755), "mkdir /box/dir");
    must_fail(chmod("/box/main", 04777), "chmod /box/main");
    must_fail(unlink("/box/main"), "unlink /box/main");
    must_fail(rename("/box/main", "/box/moved"), "rename /box/main");
    must_fail(symlink("/etc", "/box/link"), "symlink in /box");
    return verdict();
}
