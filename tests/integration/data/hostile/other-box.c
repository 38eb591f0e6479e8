/* Looks for another task's /box: its host path (the input) and every
 * process's root, cwd and open files under /proc.  The other task (running
 * at the same time, see hostile.bats) is in another PID namespace, and no
 * host path is visible in the container. */
#include "probe.h"
#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

int main(void)
{
    char path[4096];
    if (scanf("%4095s", path) != 1)
        return 1;
    must_fail(open(path, O_RDONLY), "open the other task's secret by its host path");
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        const char *tails[] = {"root/box/secret", "cwd/secret", "root/secret"};
        for (unsigned i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
            char p[300];
            snprintf(p, sizeof(p), "/proc/%s/%s", e->d_name, tails[i]);
            must_fail(open(p, O_RDONLY), p);
        }
    }
    return verdict();
}
