/*
 * What a submission can and cannot do in a judge container.  Built by the
 * c template's compile phase, run by judge_templates.bats; each mode
 * prints one line per check, "<what> <result>", result "ok" or the errno
 * name, so the test compares whole outputs.
 *
 *   probe seccomp   forbidden calls, chosen so that each returns something
 *                   other than EPERM when no seccomp filter is there
 *   probe int80     an i386 syscall by int 0x80 (never returns under the
 *                   filter; SIGSEGV on kernels without the 32-bit entry)
 *   probe x32       an x32 syscall: the syscall instruction with bit 30 of
 *                   the number set (never returns under the filter; ENOSYS
 *                   without it on kernels built without x32)
 *   probe fs        the filesystem, user and process view
 *   probe fsize     writing past RLIMIT_FSIZE
 *   probe mem MIB   touch MIB MiB of memory
 *   probe spin      burn CPU forever
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *what, long r)
{
    printf("%s %s\n", what, r < 0 ? strerrorname_np(errno) : "ok");
    fflush(stdout);
}

static void *thread_main(void *arg)
{
    return arg;
}

static void seccomp_checks(void)
{
    /* Without a filter: unshare succeeds (an unprivileged user namespace),
     * mount on a missing directory fails with ENOENT (the path is looked
     * up before the permission check), ptrace(TRACEME) and
     * personality(query) succeed, io_uring_setup with no params is EFAULT,
     * clone3 with no args is EINVAL. */
    report("unshare", unshare(CLONE_NEWUSER));
    report("mount", mount("none", "/nonexistent", "tmpfs", 0, NULL));
    report("ptrace", ptrace(PTRACE_TRACEME, 0, NULL, NULL));
    report("io_uring_setup", syscall(SYS_io_uring_setup, 1, NULL));
    report("personality", personality(0xffffffff));
    report("clone3", syscall(SYS_clone3, NULL, 0));

    /* a new user namespace through clone's flags */
    long c = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
    if (c == 0)
        _exit(0);
    if (c > 0)
        waitpid(c, NULL, 0);
    report("clone-newuser", c);

    /* threads: glibc tries clone3 (ENOSYS) and falls back to clone */
    pthread_t t;
    int e = pthread_create(&t, NULL, thread_main, NULL);
    if (e == 0)
        pthread_join(t, NULL);
    errno = e;
    report("thread", e ? -1 : 0);

    /* a new process: allowed while compiling, not when running */
    pid_t p = fork();
    if (p == 0)
        _exit(0);
    if (p > 0)
        waitpid(p, NULL, 0);
    report("fork", p);
}

static void fs_checks(const char *self)
{
    printf("uid %d gid %d\n", (int)getuid(), (int)getgid());
    int fd = open("/box/new", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    report("write-box", fd);
    fd = open("/new", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    report("write-root", fd);
    fd = open("/usr/new", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    report("write-usr", fd);

    /* /tmp is writable, but nothing there may be executed */
    char buf[1 << 16];
    int in = open(self, O_RDONLY | O_CLOEXEC);
    int out = open("/tmp/copy", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
    report("write-tmp", out);
    for (ssize_t n; in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0;)
        if (write(out, buf, (size_t)n) != n)
            return;
    close(in);
    close(out);
    char *argv[] = {"/tmp/copy", NULL};
    report("exec-tmp", execve("/tmp/copy", argv, NULL));

    struct stat st;
    report("sys", stat("/sys/kernel", &st));
    report("etc-shadow", stat("/etc/shadow", &st));

    /* the judge user, the capability sets, no_new_privs, seccomp mode */
    char line[512];
    FILE *f = fopen("/etc/passwd", "re");
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "judge:", 6) == 0)
            printf("passwd %s", line);
    if (f)
        fclose(f);
    f = fopen("/proc/self/status", "re");
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "Cap", 3) == 0 || strncmp(line, "NoNewPrivs:", 11) == 0 ||
            strncmp(line, "Seccomp:", 8) == 0)
            fputs(line, stdout);
    if (f)
        fclose(f);
    /* only lo in the network namespace */
    f = fopen("/proc/net/dev", "re");
    while (f && fgets(line, sizeof(line), f)) {
        char *colon = strchr(line, ':');
        if (colon) {
            *colon = '\0';
            printf("netdev %s\n", line + strspn(line, " "));
        }
    }
    if (f)
        fclose(f);
    char host[64] = "";
    gethostname(host, sizeof(host));
    printf("hostname %s\n", host);
}

/* Write 2000 bytes and then 1: with RLIMIT_FSIZE at 1000 the first write
 * is cut to 1000 bytes and the second fails with EFBIG, or kills with
 * SIGXFSZ (which the kernel does not deliver to a pid namespace's init:
 * under runc the program is pid 1 and sees only the error). */
static void fsize_checks(void)
{
    static char buf[2000];
    memset(buf, 'x', sizeof(buf));
    int fd = open("/tmp/out", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ssize_t n = write(fd, buf, sizeof(buf));
    printf("write %zd\n", n);
    fflush(stdout);
    report("write-more", write(fd, buf, 1));
    struct stat st;
    fstat(fd, &st);
    printf("size %lld\n", (long long)st.st_size);
}

static void mem(size_t mib)
{
    size_t n = mib << 20;
    volatile char *p = malloc(n);
    if (!p) {
        puts("malloc failed");
        exit(2);
    }
    for (size_t i = 0; i < n; i += 4096)
        p[i] = 1; /* volatile: the compiler may not drop the pages */
    printf("touched %zu MiB\n", mib);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    if (strcmp(mode, "seccomp") == 0) {
        seccomp_checks();
    } else if (strcmp(mode, "int80") == 0) {
        long r;
        /* i386's getpid is 20; an x86_64 filter must not let it through */
        __asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory");
        printf("int80 returned %ld\n", r);
    } else if (strcmp(mode, "x32") == 0) {
        long r;
        /* x32's getpid: __X32_SYSCALL_BIT | 39.  The kernel gives seccomp
         * x32 calls with the x86_64 architecture, before it looks at
         * whether x32 is built in; an x86_64-only filter must still not
         * let them through */
        __asm__ volatile("syscall" : "=a"(r) : "a"(0x40000000L | 39) : "rcx", "r11", "memory");
        printf("x32 returned %ld\n", r);
    } else if (strcmp(mode, "fs") == 0) {
        fs_checks(argv[0]);
    } else if (strcmp(mode, "fsize") == 0) {
        fsize_checks();
    } else if (strcmp(mode, "mem") == 0 && argc > 2) {
        mem(strtoul(argv[2], NULL, 10));
    } else if (strcmp(mode, "spin") == 0) {
        for (volatile unsigned long x = 0;; x++)
            ;
    } else {
        fprintf(stderr, "usage: probe seccomp|int80|x32|fs|fsize|mem MIB|spin\n");
        return 2;
    }
    return 0;
}
