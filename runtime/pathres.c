/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Path resolution inside a root directory: openat2(2) RESOLVE_IN_ROOT and a
 * portable component walk with the same semantics.  See pathres.h.
 */
#include "pathres.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"

/* The kernel's limit on symlinks followed in one lookup (MAXSYMLINKS). */
#define OJ_MAX_SYMLINKS 40

const char *oj_fd_path(int fd, char buf[OJ_FD_PATH_MAX])
{
    snprintf(buf, OJ_FD_PATH_MAX, "/proc/self/fd/%d", fd);
    return buf;
}

int oj_path_clean(const char *in, char *out, size_t size)
{
    if (size < 2)
        return -1;
    size_t len = 0;
    out[len++] = '/';
    for (const char *p = in; *p;) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *e = strchrnul(p, '/');
        size_t n = (size_t)(e - p);
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            /* drop the last component; ".." of "/" is "/" */
            while (len > 1 && out[len - 1] != '/')
                len--;
            if (len > 1)
                len--;
        } else if (!(n == 1 && p[0] == '.')) {
            size_t sep = len > 1 ? 1 : 0;
            if (len + sep + n + 1 > size)
                return -1;
            if (sep)
                out[len++] = '/';
            memcpy(out + len, p, n);
            len += n;
        }
        p = e;
    }
    out[len] = '\0';
    return 0;
}

bool oj_path_has_prefix(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    while (n > 0 && prefix[n - 1] == '/')
        n--; /* "/" and "/a/" */
    return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* --- the portable walk ---------------------------------------------------- */

/*
 * State of a walk: the directory reached so far as an O_PATH fd, and the
 * names that led there from the root.  ".." pops a name and re-walks the
 * rest from the root instead of opening "..": the parent of a directory can
 * change under us (a concurrent rename could move it outside the root), the
 * list of names we already verified cannot.
 */
struct walk {
    int rootfd;
    int cur;
    char **names;
    size_t n, cap;
};

static void walk_free(struct walk *w)
{
    if (w->cur >= 0)
        close(w->cur);
    for (size_t i = 0; i < w->n; i++)
        free(w->names[i]);
    free(w->names);
}

static int open_root_dir(int rootfd)
{
    return openat(rootfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
}

/* Re-open w->cur by walking w->names from the root again. */
static int walk_reopen(struct walk *w)
{
    int fd = open_root_dir(w->rootfd);
    if (fd < 0)
        return -1;
    for (size_t i = 0; i < w->n; i++) {
        /* Each name was a real directory (not a symlink) when we walked it;
         * O_NOFOLLOW|O_DIRECTORY fails if that is no longer true. */
        int nfd = openat(fd, w->names[i], O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
        int e = errno;
        close(fd);
        if (nfd < 0) {
            errno = (e == ENOTDIR || e == ELOOP) ? EXDEV : e;
            return -1;
        }
        fd = nfd;
    }
    close(w->cur);
    w->cur = fd;
    return 0;
}

static int walk_push(struct walk *w, const char *name, int fd)
{
    if (w->n == w->cap) {
        size_t ncap = w->cap ? w->cap * 2 : 16;
        char **nv = realloc(w->names, ncap * sizeof(*nv));
        if (!nv)
            return -1;
        w->names = nv;
        w->cap = ncap;
    }
    char *copy = strdup(name);
    if (!copy)
        return -1;
    w->names[w->n++] = copy;
    close(w->cur);
    w->cur = fd;
    return 0;
}

/* The rest of the path after a symlink: "<target>/<rest>", or just
 * "<target>" when the link was the last component (adding a "/" would
 * demand that the target be a directory). */
static char *splice_link(const char *target, const char *rest)
{
    if (!*rest)
        return strdup(target);
    size_t tl = strlen(target), rl = strlen(rest);
    char *s = malloc(tl + rl + 2);
    if (!s)
        return NULL;
    memcpy(s, target, tl);
    s[tl] = '/';
    memcpy(s + tl + 1, rest, rl + 1);
    return s;
}

int oj_path_walk_in_root(int rootfd, const char *path, enum oj_path_create create, mode_t mode,
                         bool nofollow_last, struct oj_err *err)
{
    struct walk w = {.rootfd = rootfd, .cur = open_root_dir(rootfd)};
    if (w.cur < 0)
        return oj_fail(err, errno, "resolve %s: open the root directory", path);
    _cleanup_free_ char *rem = strdup(path);
    if (!rem) {
        walk_free(&w);
        return oj_fail(err, ENOMEM, "resolve %s", path);
    }
    char comp[NAME_MAX + 1];
    int links = 0, result = -1;
    const char *p = rem;

    for (;;) {
        while (*p == '/')
            p++;
        if (!*p) {
            /* Ran out of components: the answer is the directory we are in. */
            result = w.cur;
            w.cur = -1;
            break;
        }
        const char *e = strchrnul(p, '/');
        size_t n = (size_t)(e - p);
        if (n > NAME_MAX) {
            oj_fail(err, ENAMETOOLONG, "resolve %s: component \"%.32s...\"", path, p);
            break;
        }
        memcpy(comp, p, n);
        comp[n] = '\0';
        p = e;
        bool trailing_slash = *p == '/';
        const char *q = p;
        while (*q == '/')
            q++;
        bool last = *q == '\0';

        if (strcmp(comp, ".") == 0)
            continue;
        if (strcmp(comp, "..") == 0) {
            if (w.n == 0)
                continue; /* ".." of the root is the root, as after chroot(2) */
            free(w.names[--w.n]);
            if (walk_reopen(&w) < 0) {
                oj_fail(err, errno, "resolve %s: re-walk to the parent of \"%s\"", path, comp);
                break;
            }
            continue;
        }

        int fd;
        const char *what = "component";
        for (;;) {
            fd = openat(w.cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
            if (fd >= 0 || errno != ENOENT || create == OJ_PATH_NOCREATE)
                break;
            /* Create what is missing; EEXIST means someone raced us: open again. */
            if (last && create == OJ_PATH_MKFILE && !trailing_slash) {
                int t =
                    openat(w.cur, comp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, mode);
                if (t < 0 && errno != EEXIST) {
                    what = "create";
                    break;
                }
                if (t >= 0)
                    close(t);
            } else if (mkdirat(w.cur, comp, last && create == OJ_PATH_MKDIR ? mode : 0755) < 0 &&
                       errno != EEXIST) {
                what = "mkdir";
                break;
            }
        }
        if (fd < 0) {
            oj_fail(err, errno, "resolve %s: %s \"%s\"", path, what, comp);
            break;
        }
        struct stat st;
        if (fstat(fd, &st) < 0) {
            oj_fail(err, errno, "resolve %s: stat \"%s\"", path, comp);
            close(fd);
            break;
        }

        if (S_ISLNK(st.st_mode) && !(last && nofollow_last && !trailing_slash)) {
            if (++links > OJ_MAX_SYMLINKS) {
                oj_fail(err, ELOOP, "resolve %s", path);
                close(fd);
                break;
            }
            char target[PATH_MAX];
            ssize_t tl = readlinkat(fd, "", target, sizeof(target) - 1);
            int re = errno;
            close(fd);
            if (tl < 0) {
                oj_fail(err, re, "resolve %s: readlink \"%s\"", path, comp);
                break;
            }
            target[tl] = '\0';
            if (tl == 0) { /* the kernel refuses to follow an empty symlink */
                oj_fail(err, ENOENT, "resolve %s: empty symlink \"%s\"", path, comp);
                break;
            }
            /* Substitute the link by its target and go on; an absolute target
             * starts again from the root (never from the host's "/"). */
            char *nrem = splice_link(target, p);
            if (!nrem) {
                oj_fail(err, ENOMEM, "resolve %s", path);
                break;
            }
            free(rem);
            rem = nrem;
            p = rem;
            if (target[0] == '/') {
                for (size_t i = 0; i < w.n; i++)
                    free(w.names[i]);
                w.n = 0;
                int rfd = open_root_dir(rootfd);
                if (rfd < 0) {
                    oj_fail(err, errno, "resolve %s: open the root directory", path);
                    break;
                }
                close(w.cur);
                w.cur = rfd;
            }
            continue;
        }

        bool need_dir = !last || trailing_slash || create == OJ_PATH_MKDIR;
        if (need_dir && !S_ISDIR(st.st_mode)) {
            oj_fail(err, ENOTDIR, "resolve %s: component \"%s\"", path, comp);
            close(fd);
            break;
        }
        if (last) {
            result = fd;
            break;
        }
        if (walk_push(&w, comp, fd) < 0) {
            close(fd);
            oj_fail(err, ENOMEM, "resolve %s", path);
            break;
        }
    }
    walk_free(&w);
    return result;
}

/* --- openat2 ---------------------------------------------------------------- */

static bool openat2_missing;

static int sys_openat2(int dirfd, const char *path, struct open_how *how)
{
    return (int)syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
}

int oj_path_open_in_root(int rootfd, const char *path, int flags, struct oj_err *err)
{
    if (flags & O_CREAT)
        return oj_fail(err, EINVAL, "resolve %s: O_CREAT (use oj_path_mkfile_in_root)", path);
    const char *p = path[0] ? path : ".";
    if (!openat2_missing) {
        /* RESOLVE_IN_ROOT: "/" and ".." stop at rootfd, absolute symlinks are
         * resolved from it.  RESOLVE_NO_MAGICLINKS: /proc/<pid>/fd/N style
         * links could point anywhere (openat2(2)). */
        struct open_how how = {
            .flags = (unsigned)(flags | O_CLOEXEC),
            .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
        };
        for (int attempt = 0; attempt < 16; attempt++) {
            int fd = sys_openat2(rootfd, p, &how);
            if (fd >= 0)
                return fd;
            if (errno == EAGAIN)
                continue; /* a concurrent rename or mount: the kernel asks us to retry */
            if (errno == ENOSYS)
                break;
            if (errno == EXDEV)
                return oj_fail(err, EXDEV, "resolve %s: escapes the root (renamed meanwhile?)",
                               path);
            return oj_fail(err, errno, "resolve %s", path);
        }
        if (errno == EAGAIN)
            return oj_fail(err, EAGAIN, "resolve %s", path);
        openat2_missing = true;
    }

    _cleanup_close_ int fd =
        oj_path_walk_in_root(rootfd, path, OJ_PATH_NOCREATE, 0, (flags & O_NOFOLLOW) != 0, err);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) < 0)
        return oj_fail(err, errno, "resolve %s: stat", path);
    if ((flags & O_DIRECTORY) && !S_ISDIR(st.st_mode))
        return oj_fail(err, ENOTDIR, "resolve %s", path);
    if (flags & O_PATH)
        return oj_steal_fd(&fd);
    if (S_ISLNK(st.st_mode))
        return oj_fail(err, ELOOP, "resolve %s", path); /* what open(O_NOFOLLOW) says */
    /* Upgrade the O_PATH fd to the access the caller asked for. */
    char buf[OJ_FD_PATH_MAX];
    int r = open(oj_fd_path(fd, buf), (flags & ~O_NOFOLLOW) | O_CLOEXEC);
    if (r < 0)
        return oj_fail(err, errno, "open %s", path);
    return r;
}

int oj_path_mkdir_in_root(int rootfd, const char *path, mode_t mode, struct oj_err *err)
{
    return oj_path_walk_in_root(rootfd, path, OJ_PATH_MKDIR, mode, false, err);
}

int oj_path_mkfile_in_root(int rootfd, const char *path, mode_t mode, struct oj_err *err)
{
    return oj_path_walk_in_root(rootfd, path, OJ_PATH_MKFILE, mode, false, err);
}
