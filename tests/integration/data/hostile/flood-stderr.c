/* Writes to stderr for ever: OLE too, stderr is a file under the same limit. */
#include <string.h>
#include <unistd.h>

int main(void)
{
    static char buf[65536];
    memset(buf, 'n', sizeof(buf));
    for (;;)
        (void)!write(2, buf, sizeof(buf));
}
