/* Fills /tmp with 1 MiB files until a write fails: the run bundle's /tmp is
 * a 64 MiB tmpfs of the container's own, so it must fail (ENOSPC) before
 * 64 MiB, and nothing reaches the host's /tmp. */
#include "probe.h"
#include <fcntl.h>
#include <unistd.h>

int main(void)
{
    static char buf[1 << 20];
    memset(buf, 'x', sizeof(buf));
    long total = 0;
    for (int i = 0;; i++) {
        char name[64];
        snprintf(name, sizeof(name), "/tmp/fill-%d", i);
        int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0) {
            fprintf(stderr, "open %s: %s\n", name, strerror(errno));
            break;
        }
        ssize_t n = write(fd, buf, sizeof(buf));
        close(fd);
        if (n > 0)
            total += n;
        if (n != (ssize_t)sizeof(buf)) {
            fprintf(stderr, "write %s: %s after %ld bytes\n", name, strerror(errno), total);
            break;
        }
        if (total > (80L << 20)) {
            breach("wrote %ld bytes to /tmp", total);
            break;
        }
    }
    return verdict();
}
