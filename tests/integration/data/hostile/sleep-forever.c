/* Uses no CPU and never ends: only the wall-time limit stops it (TLE). */
#include <unistd.h>

int main(void)
{
    for (;;)
        pause();
}
