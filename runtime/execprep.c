/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Final steps before execve(2), shared by the container init and `ojrun
 * exec`: see execprep.h for the order they run in.
 */
#include "execprep.h"

#include <ctype.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "caps.h"

int oj_process_rlimits_apply(const struct oj_process *p, struct oj_err *err)
{
    for (size_t i = 0; i < p->n_rlimits; i++) {
        struct rlimit rl = {.rlim_cur = p->rlimits[i].soft, .rlim_max = p->rlimits[i].hard};
        if (setrlimit(p->rlimits[i].resource, &rl) < 0)
            return oj_fail(err, errno, "process.rlimits: set %s to soft %llu hard %llu%s",
                           oj_rlimit_name(p->rlimits[i].resource), (unsigned long long)rl.rlim_cur,
                           (unsigned long long)rl.rlim_max,
                           errno == EPERM ? " (raising a hard limit needs CAP_SYS_RESOURCE)" : "");
    }
    return 0;
}

/* Add CAP_SYS_ADMIN to one set of `c`, using `store` (room for 64) when the
 * set does not list it yet. */
static void add_sys_admin(struct oj_capabilities *c, enum oj_cap_set s, int *store)
{
    size_t n = c->set[s].n;
    for (size_t i = 0; i < n; i++)
        if (c->set[s].caps[i] == CAP_SYS_ADMIN)
            return;
    if (n >= 64)
        return; /* every capability number is already there */
    if (n)
        memcpy(store, c->set[s].caps, n * sizeof(int));
    store[n] = CAP_SYS_ADMIN;
    c->set[s].caps = store;
    c->set[s].n = n + 1;
    c->set[s].present = true;
}

int oj_process_caps_apply(const struct oj_process *p, bool keep_sys_admin, struct oj_err *err)
{
    const struct oj_capabilities *caps = p->has_capabilities ? &p->capabilities : NULL;
    if (!keep_sys_admin)
        return oj_caps_apply(caps, err);
    /* runc does it the other way round: it loads such a filter earlier,
     * before the capabilities are dropped, so that the rest of its setup
     * runs under the filter.  Keeping CAP_SYS_ADMIN until execve lets the
     * filter be the very last thing loaded. */
    struct oj_capabilities c = caps ? *caps : (struct oj_capabilities){0};
    int eff[65], prm[65];
    add_sys_admin(&c, OJ_CAPSET_EFFECTIVE, eff);
    add_sys_admin(&c, OJ_CAPSET_PERMITTED, prm);
    return oj_caps_apply(&c, err);
}

const char *oj_env_get(char *const *env, const char *name)
{
    size_t n = strlen(name);
    for (char *const *e = env; e && *e; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

/* errno text as Go prints it ("no such file or directory", lower case):
 * podman and conmon look for exactly these words. */
static int exec_fail(struct oj_err *err, int e, const char *name, const char *what)
{
    char text[128];
    snprintf(text, sizeof(text), "%s", strerror(e));
    text[0] = (char)tolower((unsigned char)text[0]);
    oj_fail(err, 0, "exec: \"%s\": %s%s", name, what, text);
    if (err)
        err->code = e;
    return -1;
}

int oj_find_executable(const struct oj_process *p, char *out, size_t len, struct oj_err *err)
{
    if (!p->args || !p->args[0] || !p->args[0][0])
        return oj_fail(err, 0, "process.args: no program to execute");
    const char *name = p->args[0];
    struct stat st;
    if (strchr(name, '/')) {
        /* A path: execve(2) takes it as it is, relative to the cwd. */
        if (stat(name, &st) < 0)
            return exec_fail(err, errno, name, "stat: ");
        if (S_ISDIR(st.st_mode))
            return exec_fail(err, EACCES, name, "is a directory: ");
        if (access(name, X_OK) < 0)
            return exec_fail(err, errno, name, "");
        if ((size_t)snprintf(out, len, "%s", name) >= len)
            return oj_fail(err, ENAMETOOLONG, "exec: \"%s\"", name);
        return 0;
    }
    const char *path = oj_env_get(p->env, "PATH");
    if (!path)
        path = OJ_DEFAULT_PATH;
    for (const char *s = path;;) {
        const char *colon = strchrnul(s, ':');
        int dl = (int)(colon - s);
        /* An empty PATH element means the current directory (execvp(3)). */
        if ((size_t)snprintf(out, len, "%.*s%s%s", dl, s, dl ? "/" : "", name) < len &&
            stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
            return 0;
        if (!*colon)
            break;
        s = colon + 1;
    }
    return oj_fail(err, 0, "exec: \"%s\": executable file not found in $PATH", name);
}
