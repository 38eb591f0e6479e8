/* Executes the host's setuid-root mount(8) to mount a tmpfs.  nosuid on
 * /usr, no_new_privs and the unmapped host root all keep it at uid 1000:
 * mount refuses ("only root can ...") and exits non-zero, so the verdict is
 * RE, and no mount appears (hostile.bats checks the host's mount table). */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    execl("/usr/bin/mount", "mount", "-t", "tmpfs", "ojrun-hostile", "/tmp", (char *)NULL);
    perror("execl /usr/bin/mount");
    return 0; /* no output, exit 0: WA, which the test does not expect */
}
