/* kill(-1, SIGKILL): every process it may signal.  In its own PID namespace
 * that is nothing but itself (spared) and PID 1 (spared): the host's
 * processes of the same host uid (hostile.bats runs one) and the judge live
 * on.  Then SIGKILL and SIGSTOP at PID 1, its parent, directly.  kill()
 * returns 0 for those (PID 1, the reaper, has the program's uid), but the
 * kernel drops SIGKILL and SIGSTOP sent to a PID namespace's init from
 * inside (pid_namespaces(7)): PID 1 must still be running, not stopped, and
 * the program alive to print its answer (had PID 1 died, the namespace
 * would have been killed with it). */
#include "probe.h"
#include <signal.h>
#include <unistd.h>

static char pid1_state(void)
{
    char buf[512], *p;
    FILE *f = fopen("/proc/1/stat", "r");
    if (!f || !fgets(buf, sizeof(buf), f) || !(p = strrchr(buf, ')')))
        return '?';
    return p[2];
}

int main(void)
{
    long rc = kill(-1, SIGKILL);
    fprintf(stderr, "kill(-1, SIGKILL) = %ld (%s)\n", rc, rc < 0 ? strerror(errno) : "ok");
    rc = kill(1, SIGKILL);
    fprintf(stderr, "kill(1, SIGKILL) = %ld\n", rc);
    rc = kill(getppid(), SIGSTOP);
    fprintf(stderr, "kill(parent, SIGSTOP) = %ld\n", rc);
    usleep(200 * 1000);
    char st = pid1_state();
    fprintf(stderr, "PID 1 state %c\n", st);
    if (st != 'S' && st != 'R')
        breach("PID 1 is in state %c", st);
    return verdict();
}
