/* A fork bomb: every process forks for ever.  In the run bundle fork()
 * (clone without CLONE_THREAD) is refused by the seccomp filter, and the
 * pids cgroup would stop it anyway; the program spins until the CPU limit. */
#include <unistd.h>

int main(void)
{
    for (;;)
        fork();
}
