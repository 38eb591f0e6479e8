/* Prints its answer, then plays with its stdio: closes stdout and stderr,
 * dup2s the input (the judge's .in file, opened read-only) over stdout and
 * writes to it, reopens it for writing through /proc/self/fd, closes
 * everything and exits 0.  The answer stands (AC); the test file is not
 * modified (hostile.bats checks). */
#include "probe.h"
#include <fcntl.h>
#include <unistd.h>

int main(void)
{
    printf("BLOCKED\n");
    fflush(stdout);
    close(1);
    close(2);
    dup2(0, 1);
    dup2(0, 2);
    if (write(1, "BREACH\n", 7) >= 0 || write(0, "BREACH\n", 7) >= 0)
        return 3; /* wrote into the input: the test sees it */
    int fd = open("/proc/self/fd/0", O_WRONLY | O_APPEND);
    if (fd >= 0 && write(fd, "BREACH\n", 7) >= 0)
        return 4;
    for (int i = 0; i < 256; i++)
        close(i);
    return 0;
}
