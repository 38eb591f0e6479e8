/* SPDX-License-Identifier: Apache-2.0 */
/*
 * memspin MIB spin|sleep: reach the memory limit, then run out of time.
 *
 * A child touches MIB MiB page by page and reports each MiB on a pipe.  Under
 * a smaller memory limit with the OOM killer disabled
 * (linux.resources.memory.disableOOMKiller, cgroup v1) it stops at the limit:
 * the kernel refuses the charge and the child waits for memory that never
 * comes.  The parent waits until the child has touched all MIB MiB or made no
 * progress for 300 ms (it is stuck at the limit), prints "stalled at N MiB"
 * or "touched N MiB" to stderr (if it can), and then spins ("spin": the CPU limit fires)
 * or sleeps ("sleep": the wall limit fires) until it is killed.  So the memory
 * limit fires first, whatever the host's speed.
 *
 * Once the child is stuck no page can be charged to the cgroup: the parent
 * would block as well on its first new page -- a deeper stack frame, or one
 * of its own text pages that reclaim evicted while looking for memory.  So
 * it faults in a generous stack and locks everything it has in memory
 * (mlockall: unevictable) before forking, and then only makes system calls
 * that allocate nothing charged (poll on one fd, read, write).  And the child execs itself
 * ("memspin --child MIB", the pipe on fd 3) rather than touching memory in the forked copy: after a
 * plain fork every page the parent writes would be a copy-on-write copy to charge.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Fault in `kib` KiB of stack below this frame. */
static void __attribute__((noinline)) prefault_stack(long kib)
{
    volatile char buf[1024];
    memset((char *)buf, 1, sizeof(buf));
    if (kib > 1)
        prefault_stack(kib - 1);
}

/* The child: touch MIB MiB, one byte on fd 3 per MiB, then hold it. */
static int child(long mib)
{
    long page = sysconf(_SC_PAGESIZE);
    for (long i = 0; i < mib; i++) {
        char *m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED) {
            perror("memspin: mmap");
            return 1;
        }
        for (long off = 0; off < (1 << 20); off += page)
            m[off] = 1;
        if (write(3, "m", 1) != 1)
            return 1;
    }
    for (;;)
        pause(); /* hold the memory */
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--child") == 0)
        return child(atol(argv[2]));
    if (argc != 3 || (strcmp(argv[2], "spin") && strcmp(argv[2], "sleep"))) {
        fprintf(stderr, "usage: memspin MIB spin|sleep\n");
        return 2;
    }
    long mib = atol(argv[1]);
    prefault_stack(256);
    if (mlockall(MCL_CURRENT) < 0) {
        perror("memspin: mlockall");
        return 1;
    }
    int p[2];
    if (pipe(p) < 0) {
        perror("memspin: pipe");
        return 1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("memspin: fork");
        return 1;
    }
    if (pid == 0) {
        if (dup2(p[1], 3) < 0)
            _exit(1);
        execl("/proc/self/exe", "memspin", "--child", argv[1], (char *)NULL);
        perror("memspin: exec /proc/self/exe");
        _exit(1);
    }
    close(p[1]);
    long got = 0;
    for (;;) {
        struct pollfd pfd = {.fd = p[0], .events = POLLIN};
        int r = poll(&pfd, 1, 300);
        if (r < 0) {
            perror("memspin: poll");
            return 1;
        }
        if (r == 0)
            break; /* no progress: stuck at the limit */
        char c;
        ssize_t n = read(p[0], &c, 1);
        if (n <= 0)
            break; /* the child died */
        if (++got == mib)
            break;
    }
    /* Best effort: with stderr a file, the write needs page cache, i.e. a
     * charge, which the full cgroup may refuse (ENOMEM: in a system call the
     * kernel fails the charge instead of waiting for memory). */
    char line[64];
    int len =
        snprintf(line, sizeof(line), "%s at %ld MiB\n", got == mib ? "touched" : "stalled", got);
    ssize_t w = write(2, line, (size_t)len);
    (void)w;
    if (strcmp(argv[2], "sleep") == 0)
        for (;;)
            pause();
    volatile unsigned long x = 0;
    for (;;)
        x++;
}
