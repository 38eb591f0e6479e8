/* Writes to stdout for ever: OLE at the output limit (RLIMIT_FSIZE on the
 * judge's output file). */
#include <string.h>
#include <unistd.h>

int main(void)
{
    static char buf[65536];
    memset(buf, 'y', sizeof(buf));
    for (;;)
        (void)!write(1, buf, sizeof(buf));
}
