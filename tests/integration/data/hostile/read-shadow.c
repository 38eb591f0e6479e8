/* Reads the host's /etc/shadow by every road: directly, through the root of
 * PID 1 and of itself, by walking up with "..". */
#include "probe.h"
#include <fcntl.h>
#include <unistd.h>

static void try(const char *path)
{
    char what[300];
    snprintf(what, sizeof(what), "open %s", path);
    must_fail(open(path, O_RDONLY), what);
}

int main(void)
{
    try("/etc/shadow");
    try("/etc/gshadow");
    try("/../../../etc/shadow");
    try("/proc/1/root/etc/shadow");
    try("/proc/self/root/etc/shadow");
    try("/proc/1/cwd/../../etc/shadow");
    try("/usr/../etc/shadow");
    return verdict();
}
