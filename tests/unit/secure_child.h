/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper for the capability/seccomp/process-attribute tests: everything
 * those modules do changes the calling process irreversibly, so each check
 * runs in a forked child.  The child reports a failure as a message through
 * a pipe (cmocka's asserts must not run in a child: they longjmp into the
 * parent's copy of the runner); its stdout and stderr are captured so the
 * parent can check warnings and the output of a program it exec'd.
 */
#ifndef OJRUN_TEST_SECURE_CHILD_H
#define OJRUN_TEST_SECURE_CHILD_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

struct child_result {
    int status;       /* from waitpid */
    char msg[2048];   /* failure message written by the child */
    char out[32768];  /* the child's stdout + stderr */
};

/* Return 0 for success; on failure fill msg and return non-zero. */
typedef int (*child_fn)(void *arg, char *msg, size_t len);

#define CHILD_CHECK(cond, ...)                                                                    \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            int n_ = snprintf(msg, len, "%s:%d: ", __FILE__, __LINE__);                           \
            if (n_ > 0 && (size_t)n_ < len)                                                       \
                snprintf(msg + n_, len - (size_t)n_, __VA_ARGS__);                                \
            return 1;                                                                             \
        }                                                                                         \
    } while (0)

static inline void child_append(char *buf, size_t cap, size_t *used, const char *src, size_t n)
{
    if (*used + n >= cap)
        n = cap - 1 - *used;
    memcpy(buf + *used, src, n);
    *used += n;
    buf[*used] = '\0';
}

/* Fork, run fn(arg) in the child with a 30 s alarm, collect everything. */
static inline void run_in_child(child_fn fn, void *arg, struct child_result *r)
{
    int mp[2], op[2];
    memset(r, 0, sizeof(*r));
    if (pipe2(mp, O_CLOEXEC) < 0 || pipe2(op, O_CLOEXEC) < 0) {
        r->status = -1;
        snprintf(r->msg, sizeof(r->msg), "pipe: %s", strerror(errno));
        return;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        r->status = -1;
        snprintf(r->msg, sizeof(r->msg), "fork: %s", strerror(errno));
        return;
    }
    if (pid == 0) {
        close(mp[0]);
        close(op[0]);
        dup2(op[1], STDOUT_FILENO);
        dup2(op[1], STDERR_FILENO);
        /* cmocka catches SIGSYS/SIGSEGV/... to report crashes; a child must
         * die of them like any process would. */
        static const int sigs[] = {SIGSYS, SIGSEGV, SIGILL, SIGFPE, SIGBUS, SIGABRT};
        for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
            signal(sigs[i], SIG_DFL);
        /* Crashing on purpose (SIGSYS) must not leave core files behind. */
        struct rlimit nocore = {0, 0};
        setrlimit(RLIMIT_CORE, &nocore);
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        alarm(30);
        static char msg[2048];
        int rc = fn(arg, msg, sizeof(msg));
        if (rc != 0) {
            ssize_t w = write(mp[1], msg, strlen(msg));
            (void)w;
        }
        fflush(stdout);
        fflush(stderr);
        _exit(rc == 0 ? 0 : 1);
    }
    close(mp[1]);
    close(op[1]);
    size_t mused = 0, oused = 0;
    struct pollfd pf[2] = {{.fd = mp[0], .events = POLLIN}, {.fd = op[0], .events = POLLIN}};
    int open_fds = 2;
    while (open_fds > 0) {
        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < 2; i++) {
            if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char buf[4096];
            ssize_t n = read(pf[i].fd, buf, sizeof(buf));
            if (n <= 0) {
                close(pf[i].fd);
                pf[i].fd = -1;
                open_fds--;
                continue;
            }
            if (i == 0)
                child_append(r->msg, sizeof(r->msg), &mused, buf, (size_t)n);
            else
                child_append(r->out, sizeof(r->out), &oused, buf, (size_t)n);
        }
    }
    while (waitpid(pid, &r->status, 0) < 0 && errno == EINTR)
        ;
}

#define assert_child_ok(r)                                                                        \
    do {                                                                                          \
        if (!(WIFEXITED((r)->status) && WEXITSTATUS((r)->status) == 0))                           \
            fail_msg("child failed (status 0x%x): %s\n--- child output ---\n%s", (r)->status,     \
                     (r)->msg, (r)->out);                                                         \
    } while (0)

/* The value of "Key:" in /proc/self/status (of the calling process). */
static inline int proc_status_field(const char *key, char *out, size_t n)
{
    FILE *f = fopen("/proc/self/status", "re");
    if (!f)
        return -1;
    char line[512];
    size_t kl = strlen(key);
    int rc = -1;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
            const char *v = line + kl + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            snprintf(out, n, "%s", v);
            size_t l = strcspn(out, "\n");
            while (l > 0 && (out[l - 1] == ' ' || out[l - 1] == '\t'))
                l--; /* "Groups:" ends with a space */
            out[l] = '\0';
            rc = 0;
            break;
        }
    }
    fclose(f);
    return rc;
}

/* Same, from a /proc/<pid>/status text captured elsewhere. */
static inline int text_status_field(const char *text, const char *key, char *out, size_t n)
{
    size_t kl = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, key, kl) == 0 && p[kl] == ':') {
            const char *v = p + kl + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            size_t l = strcspn(v, "\n");
            if (l >= n)
                l = n - 1;
            memcpy(out, v, l);
            out[l] = '\0';
            return 0;
        }
    }
    return -1;
}

#endif
