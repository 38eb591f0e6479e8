/* hostile.bats makes this program setuid root on the host (root-owned, mode
 * 4755, in /box), as if the sandbox had been tricked into it.  It must
 * still run as uid 1000 with no capability: /box is nosuid, no_new_privs is
 * set, and host root is not even mapped in the user namespace.  It checks
 * after its exec by the runtime and again after executing itself. */
#include "probe.h"
#include <unistd.h>

static void check(const char *when)
{
    uid_t r, e, s;
    gid_t rg, eg, sg;
    getresuid(&r, &e, &s);
    getresgid(&rg, &eg, &sg);
    fprintf(stderr, "%s: uids %d %d %d, gids %d %d %d\n", when, r, e, s, rg, eg, sg);
    if (r != 1000 || e != 1000 || s != 1000 || rg != 1000 || eg != 1000 || sg != 1000)
        breach("%s: uids %d %d %d, gids %d %d %d", when, r, e, s, rg, eg, sg);
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof(line), f))
        if (!strncmp(line, "CapEff:", 7) || !strncmp(line, "CapPrm:", 7))
            if (strtoull(line + 7, NULL, 16) != 0)
                breach("%s: %s", when, line);
}

int main(int argc, char **argv)
{
    if (argc == 1) {
        check("first exec");
        fflush(stdout);
        execl("/box/main", "/box/main", "again", (char *)NULL);
        breach("execl /box/main: %s", strerror(errno));
        return 0;
    }
    check("second exec");
    return verdict();
}
