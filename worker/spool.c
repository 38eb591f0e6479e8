/* SPDX-License-Identifier: Apache-2.0 */
/* The spool source (spool.h): submissions as files, claimed by rename(2). */
#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "json.h"
#include "submission.h"
#include "util.h"
#include "wlog.h"

/* Attempts are small numbers; this bounds the suffix. */
#define MAX_ATTEMPT 1000000

struct claim {
    char file[NAME_MAX + 1]; /* in work/ */
    char base[NAME_MAX + 1];
    char id[OJ_SUBMISSION_ID_MAX + 1]; /* the body's submission_id, "" if none */
};

struct spool {
    struct oj_source base;
    char *dir;
    int lock_fd, in_fd, work_fd, out_fd, failed_fd, progress_fd, inotify_fd;
    unsigned max_attempts, credit, held;
    size_t max_body;
    /* names to try, in order: first work/'s at open (redelivered), then in/'s */
    char **queue;
    size_t n_queue, i_queue;
    bool queue_is_work; /* queue holds work/ names */
    bool dirty;         /* in/ changed since the last scan */
};

int oj_spool_parse_name(const char *file, char *base, size_t size, unsigned *attempt)
{
    size_t n = strlen(file);
    if (file[0] == '.' || n <= 5 || strcmp(file + n - 5, ".json") != 0)
        return -1;
    n -= 5;
    *attempt = 1;
    const char *at = memrchr(file, '@', n);
    if (at && at + 1 < file + n && at[1] != '0') {
        unsigned a = 0;
        const char *p = at + 1;
        for (; p < file + n && *p >= '0' && *p <= '9' && a <= MAX_ATTEMPT; p++)
            a = a * 10 + (unsigned)(*p - '0');
        if (p == file + n && a >= 2 && a <= MAX_ATTEMPT) {
            *attempt = a;
            n = (size_t)(at - file);
        }
    }
    if (n == 0 || n >= size)
        return -1;
    memcpy(base, file, n);
    base[n] = '\0';
    return 0;
}

bool oj_spool_file_name(const char *base, unsigned attempt, char *buf, size_t size)
{
    int n = attempt <= 1 ? snprintf(buf, size, "%s.json", base)
                         : snprintf(buf, size, "%s@%u.json", base, attempt);
    return n > 0 && (size_t)n < size && (size_t)n <= NAME_MAX;
}

/* The submission_id of a body or result, without judging the rest ("" when
 * it has none that is valid: the loop's validation names the problem). */
static void peek_id(const char *json, size_t len, char *id, size_t size)
{
    id[0] = '\0';
    struct oj_err err;
    oj_json *root = oj_json_parse(json, len, "message", &err);
    const char *s;
    if (root && oj_json_str(oj_json_get(root, "submission_id"), &s) && submission_valid_id(s) &&
        strlen(s) < size)
        strcpy(id, s);
    oj_json_free(root);
}

static int open_sub(const char *name, struct oj_err *err)
{
    if (mkdir(name, 0755) < 0 && errno != EEXIST)
        return oj_fail(err, errno, "create spool directory %s", name);
    int fd = open(name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return oj_fail(err, errno, "open spool directory %s", name);
    return fd;
}

static void free_queue(struct spool *sp)
{
    for (size_t i = 0; i < sp->n_queue; i++)
        free(sp->queue[i]);
    free(sp->queue);
    sp->queue = NULL;
    sp->n_queue = sp->i_queue = 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strverscmp(*(char *const *)a, *(char *const *)b);
}

/* The spool's files of directory fd (names it would take), sorted. */
static int scan(struct spool *sp, int fd, const char *what, struct oj_err *err)
{
    free_queue(sp);
    int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return oj_fail(err, errno, "open %s/%s", sp->dir, what);
    _cleanup_closedir_ DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return oj_fail(err, errno, "open %s/%s", sp->dir, what);
    }
    size_t cap = 0;
    struct dirent *de;
    while ((errno = 0, de = readdir(d))) {
        char base[NAME_MAX + 1];
        unsigned attempt;
        if (oj_spool_parse_name(de->d_name, base, sizeof(base), &attempt) < 0)
            continue;
        if (sp->n_queue == cap) {
            cap = cap ? cap * 2 : 64;
            char **q = realloc(sp->queue, cap * sizeof(*q));
            if (!q)
                return oj_fail(err, ENOMEM, "scan %s/%s", sp->dir, what);
            sp->queue = q;
        }
        if (!(sp->queue[sp->n_queue] = strdup(de->d_name)))
            return oj_fail(err, ENOMEM, "scan %s/%s", sp->dir, what);
        sp->n_queue++;
    }
    if (errno)
        return oj_fail(err, errno, "read %s/%s", sp->dir, what);
    if (sp->n_queue)
        qsort(sp->queue, sp->n_queue, sizeof(*sp->queue), cmp_names);
    return 0;
}

static int fsync_dir(int fd, const char *what, struct spool *sp, struct oj_err *err)
{
    if (fsync(fd) < 0)
        return oj_fail(err, errno, "fsync %s/%s", sp->dir, what);
    return 0;
}

/* Write `name` in directory fd durably: a temporary file, fsync, rename,
 * fsync of the directory. */
static int write_durable(struct spool *sp, int dirfd, const char *what, const char *name,
                         const char *data, size_t len, struct oj_err *err)
{
    char tmp[NAME_MAX + 1];
    if (snprintf(tmp, sizeof(tmp), ".%s.tmp", name) >= (int)sizeof(tmp))
        return oj_fail(err, ENAMETOOLONG, "write %s/%s/%s", sp->dir, what, name);
    _cleanup_close_ int fd =
        openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return oj_fail(err, errno, "create %s/%s/%s", sp->dir, what, tmp);
    if (oj_write_all(fd, data, len) < 0 || oj_write_all(fd, "\n", 1) < 0 || fsync(fd) < 0) {
        int e = errno;
        unlinkat(dirfd, tmp, 0);
        return oj_fail(err, e, "write %s/%s/%s", sp->dir, what, tmp);
    }
    if (renameat(dirfd, tmp, dirfd, name) < 0) {
        int e = errno;
        unlinkat(dirfd, tmp, 0);
        return oj_fail(err, e, "rename %s/%s/%s to %s", sp->dir, what, tmp, name);
    }
    return fsync_dir(dirfd, what, sp, err);
}

/* work/NAME → failed/NAME with failed/BASE.reason beside it. */
static int to_failed(struct spool *sp, const struct claim *c, const char *reason,
                     struct oj_err *err)
{
    char rname[NAME_MAX + 1];
    if (snprintf(rname, sizeof(rname), "%s.reason", c->base) >= (int)sizeof(rname))
        return oj_fail(err, ENAMETOOLONG, "write %s/failed/%s.reason", sp->dir, c->base);
    if (write_durable(sp, sp->failed_fd, "failed", rname, reason, strlen(reason), err) < 0)
        return -1;
    char fname[NAME_MAX + 1];
    if (!oj_spool_file_name(c->base, 1, fname, sizeof(fname)))
        return oj_fail(err, ENAMETOOLONG, "rename %s/work/%s", sp->dir, c->file);
    if (renameat(sp->work_fd, c->file, sp->failed_fd, fname) < 0)
        return oj_fail(err, errno, "rename %s/work/%s to failed/%s", sp->dir, c->file, fname);
    return fsync_dir(sp->failed_fd, "failed", sp, err);
}

static void settled(struct spool *sp, struct oj_msg *m)
{
    free(m->priv);
    m->priv = NULL;
    if (sp->held)
        sp->held--;
    /* a file of in/ that was refused because its name was taken in work/
     * can be claimed now */
    sp->dirty = true;
}

/* The result of this claim is already in out/: the worker that held it
 * died after writing the result and before removing work/NAME. */
static bool already_judged(struct spool *sp, const struct claim *c)
{
    char name[OJ_SUBMISSION_ID_MAX + 8];
    struct stat w, o;
    if (!c->id[0])
        return false;
    snprintf(name, sizeof(name), "%s.json", c->id);
    if (fstatat(sp->work_fd, c->file, &w, AT_SYMLINK_NOFOLLOW) < 0 ||
        fstatat(sp->out_fd, name, &o, AT_SYMLINK_NOFOLLOW) < 0)
        return false;
    /* rename(2) sets the ctime of the file renamed: w.st_ctim is the claim
     * (or the last retry).  A result written after it is this claim's; an
     * older one is a previous submission's under the same id. */
    return o.st_mtim.tv_sec > w.st_ctim.tv_sec ||
           (o.st_mtim.tv_sec == w.st_ctim.tv_sec && o.st_mtim.tv_nsec > w.st_ctim.tv_nsec);
}

/* Read work/NAME into m.  0, or -1 when the file is not a regular file or
 * is too large: then it has been moved to failed/ (reason in *why). */
static int read_claim(struct spool *sp, struct claim *c, struct oj_msg *m, bool *poison,
                      struct oj_err *err)
{
    *poison = false;
    _cleanup_close_ int fd = openat(sp->work_fd, c->file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    char reason[256] = "";
    if (fd < 0) {
        if (errno != ELOOP)
            return oj_fail(err, errno, "open %s/work/%s", sp->dir, c->file);
        snprintf(reason, sizeof(reason), "message: a symbolic link, not a file");
    } else if (fstat(fd, &st) < 0) {
        return oj_fail(err, errno, "stat %s/work/%s", sp->dir, c->file);
    } else if (!S_ISREG(st.st_mode)) {
        snprintf(reason, sizeof(reason), "message: not a regular file");
    } else if ((size_t)st.st_size > sp->max_body) {
        snprintf(reason, sizeof(reason), "message: %lld bytes, more than %zu",
                 (long long)st.st_size, sp->max_body);
    }
    if (reason[0]) {
        *poison = true;
        if (to_failed(sp, c, reason, err) < 0)
            return -1;
        wlog(WLOG_WARN, NULL, "spool %s: %s: failed: %s", sp->dir, c->file, reason);
        return 0;
    }
    char *body = malloc((size_t)st.st_size + 1);
    if (!body)
        return oj_fail(err, ENOMEM, "read %s/work/%s", sp->dir, c->file);
    ssize_t n = oj_read_all(fd, body, (size_t)st.st_size);
    if (n < 0) {
        free(body);
        return oj_fail(err, errno, "read %s/work/%s", sp->dir, c->file);
    }
    body[n] = '\0';
    m->body = body;
    m->len = (size_t)n;
    return 0;
}

/* Drain the inotify fd: any event means in/ changed. */
static void drain_inotify(struct spool *sp)
{
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    while (read(sp->inotify_fd, buf, sizeof(buf)) > 0)
        sp->dirty = true;
}

static int sp_fd(struct oj_source *s)
{
    return ((struct spool *)s)->inotify_fd;
}

static int sp_set_credit(struct oj_source *s, unsigned credit, struct oj_err *err)
{
    ((struct spool *)s)->credit = credit;
    return 0;
}

static int sp_next(struct oj_source *s, struct oj_msg *m, struct oj_err *err)
{
    struct spool *sp = (struct spool *)s;
    drain_inotify(sp);
    while (sp->held < sp->credit) {
        if (sp->i_queue == sp->n_queue) {
            if (sp->queue_is_work) {
                sp->queue_is_work = false;
                sp->dirty = true;
            }
            if (!sp->dirty)
                return 0;
            sp->dirty = false;
            if (scan(sp, sp->in_fd, "in", err) < 0)
                return -1;
            if (sp->n_queue == 0)
                return 0;
        }
        const char *file = sp->queue[sp->i_queue++];
        bool redelivered = sp->queue_is_work;
        struct claim *c = calloc(1, sizeof(*c));
        if (!c)
            return oj_fail(err, ENOMEM, "claim %s/in/%s", sp->dir, file);
        unsigned attempt;
        if (oj_spool_parse_name(file, c->base, sizeof(c->base), &attempt) < 0) {
            free(c);
            continue;
        }
        snprintf(c->file, sizeof(c->file), "%s", file);
        if (!redelivered && renameat2(sp->in_fd, file, sp->work_fd, file, RENAME_NOREPLACE) < 0) {
            /* ENOENT: gone meanwhile; EEXIST: the same name is still being
             * judged, this one waits for it to be settled */
            int e = errno;
            free(c);
            if (e == ENOENT || e == EEXIST)
                continue;
            return oj_fail(err, e, "claim %s/in/%s", sp->dir, file);
        }
        bool poison;
        memset(m, 0, sizeof(*m));
        if (read_claim(sp, c, m, &poison, err) < 0) {
            free(c);
            return -1;
        }
        if (poison) {
            free(c);
            continue;
        }
        peek_id(m->body, m->len, c->id, sizeof(c->id));
        if (redelivered && already_judged(sp, c)) {
            wlog(WLOG_INFO, c->id,
                 "spool %s: work/%s: the result was written before the "
                 "worker stopped: acknowledged without judging",
                 sp->dir, c->file);
            if (unlinkat(sp->work_fd, c->file, 0) < 0 && errno != ENOENT) {
                int e = errno;
                free(c);
                oj_msg_clear(m);
                return oj_fail(err, e, "remove %s/work/%s", sp->dir, file);
            }
            free(c);
            oj_msg_clear(m);
            continue;
        }
        m->attempt = attempt;
        m->redelivered = redelivered;
        m->priv = c;
        sp->held++;
        return 1;
    }
    return 0;
}

static int sp_progress(struct oj_source *s, const struct oj_msg *m, const char *json, size_t len,
                       struct oj_err *err)
{
    struct spool *sp = (struct spool *)s;
    const struct claim *c = m->priv;
    if (sp->progress_fd < 0 || !c || !c->id[0])
        return 0;
    char name[OJ_SUBMISSION_ID_MAX + 8];
    snprintf(name, sizeof(name), "%s.jsonl", c->id);
    _cleanup_close_ int fd =
        openat(sp->progress_fd, name, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        return oj_fail(err, errno, "open %s/progress/%s", sp->dir, name);
    /* one write: a reader never sees half a line followed by another */
    _cleanup_free_ char *line = malloc(len + 1);
    if (!line)
        return oj_fail(err, ENOMEM, "write %s/progress/%s", sp->dir, name);
    memcpy(line, json, len);
    line[len] = '\n';
    if (oj_write_all(fd, line, len + 1) < 0)
        return oj_fail(err, errno, "write %s/progress/%s", sp->dir, name);
    return 0;
}

static int do_finish(struct spool *sp, struct claim *c, const char *json, size_t len,
                     struct oj_err *err)
{
    char id[OJ_SUBMISSION_ID_MAX + 1];
    peek_id(json, len, id, sizeof(id));
    if (!id[0])
        snprintf(id, sizeof(id), "%s", c->id);
    if (!id[0])
        return oj_fail(err, 0, "spool %s: work/%s: the result has no submission_id", sp->dir,
                       c->file);
    char name[OJ_SUBMISSION_ID_MAX + 8];
    snprintf(name, sizeof(name), "%s.json", id);
    if (write_durable(sp, sp->out_fd, "out", name, json, len, err) < 0)
        return -1;
    /* the acknowledgement; lost in a crash, it is redone by already_judged() */
    if (unlinkat(sp->work_fd, c->file, 0) < 0)
        return oj_fail(err, errno, "remove %s/work/%s", sp->dir, c->file);
    return 0;
}

/* work/NAME → in/TO, never over a file there (a new submission under the
 * same name): then it stays in work/ and is given again after a restart. */
static int back_to_in(struct spool *sp, const struct claim *c, const char *to, struct oj_err *err)
{
    if (renameat2(sp->work_fd, c->file, sp->in_fd, to, RENAME_NOREPLACE) < 0)
        return oj_fail(err, errno, "rename %s/work/%s to in/%s", sp->dir, c->file, to);
    return 0;
}

static int do_retry(struct spool *sp, struct oj_msg *m, const char *reason, struct oj_err *err)
{
    struct claim *c = m->priv;
    if (m->attempt >= sp->max_attempts) {
        char why[OJ_ERR_MSG_MAX + 64];
        snprintf(why, sizeof(why), "attempt %u of %u: %s", m->attempt, sp->max_attempts, reason);
        return to_failed(sp, c, why, err);
    }
    char next[NAME_MAX + 1];
    if (!oj_spool_file_name(c->base, m->attempt + 1, next, sizeof(next)))
        return oj_fail(err, ENAMETOOLONG, "retry %s/work/%s", sp->dir, c->file);
    return back_to_in(sp, c, next, err);
}

/* Every settling call ends the loop's hold on m, whether it succeeds or
 * not (source.h): a file it failed to move stays in work/ and is given
 * again when the spool is next opened. */
static int sp_finish(struct oj_source *s, struct oj_msg *m, const char *json, size_t len,
                     struct oj_err *err)
{
    int rc = do_finish((struct spool *)s, m->priv, json, len, err);
    settled((struct spool *)s, m);
    return rc;
}

static int sp_retry(struct oj_source *s, struct oj_msg *m, const char *reason, struct oj_err *err)
{
    int rc = do_retry((struct spool *)s, m, reason, err);
    settled((struct spool *)s, m);
    return rc;
}

static int sp_reject(struct oj_source *s, struct oj_msg *m, const char *reason, struct oj_err *err)
{
    int rc = to_failed((struct spool *)s, m->priv, reason, err);
    settled((struct spool *)s, m);
    return rc;
}

static int sp_release(struct oj_source *s, struct oj_msg *m, struct oj_err *err)
{
    struct claim *c = m->priv;
    int rc = back_to_in((struct spool *)s, c, c->file, err);
    settled((struct spool *)s, m);
    return rc;
}

static void sp_close(struct oj_source *s)
{
    struct spool *sp = (struct spool *)s;
    if (!sp)
        return;
    free_queue(sp);
    int *fds[] = {&sp->in_fd,       &sp->work_fd,    &sp->out_fd, &sp->failed_fd,
                  &sp->progress_fd, &sp->inotify_fd, &sp->lock_fd};
    for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
        if (*fds[i] >= 0)
            close(*fds[i]);
    free(sp->dir);
    free(sp);
}

static const struct oj_source_ops spool_ops = {
    .name = "spool",
    .fd = sp_fd,
    .set_credit = sp_set_credit,
    .next = sp_next,
    .progress = sp_progress,
    .finish = sp_finish,
    .retry = sp_retry,
    .reject = sp_reject,
    .release = sp_release,
    .close = sp_close,
};

static int open_dirs(struct spool *sp, const struct oj_spool_options *opt, struct oj_err *err)
{
    if (oj_mkdir_p(sp->dir, 0755, err) < 0)
        return oj_wrap(err, "--spool");
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/.lock", sp->dir);
    sp->lock_fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (sp->lock_fd < 0)
        return oj_fail(err, errno, "open %s", path);
    if (flock(sp->lock_fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK)
            return oj_fail(err, 0, "spool %s: in use by another worker (%s is locked)", sp->dir,
                           path);
        return oj_fail(err, errno, "lock %s", path);
    }
    struct {
        const char *name;
        int *fd;
    } dirs[] = {{"in", &sp->in_fd},
                {"work", &sp->work_fd},
                {"out", &sp->out_fd},
                {"failed", &sp->failed_fd},
                {"progress", &sp->progress_fd}};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        if (!opt->progress && dirs[i].fd == &sp->progress_fd)
            continue;
        snprintf(path, sizeof(path), "%s/%s", sp->dir, dirs[i].name);
        if ((*dirs[i].fd = open_sub(path, err)) < 0)
            return -1;
    }
    sp->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (sp->inotify_fd < 0)
        return oj_fail(err, errno, "inotify_init1");
    snprintf(path, sizeof(path), "%s/in", sp->dir);
    if (inotify_add_watch(sp->inotify_fd, path, IN_MOVED_TO | IN_CLOSE_WRITE) < 0)
        return oj_fail(err, errno, "inotify_add_watch %s", path);
    return 0;
}

int oj_spool_source_open(const struct oj_spool_options *opt, struct oj_source **out,
                         struct oj_err *err)
{
    struct spool *sp = calloc(1, sizeof(*sp));
    if (!sp)
        return oj_fail(err, ENOMEM, "spool %s", opt->dir);
    sp->base.ops = &spool_ops;
    sp->lock_fd = sp->in_fd = sp->work_fd = sp->out_fd = sp->failed_fd = sp->progress_fd =
        sp->inotify_fd = -1;
    sp->max_attempts = opt->max_attempts ? opt->max_attempts : 1;
    sp->max_body = opt->max_body;
    sp->dirty = true;
    if (!(sp->dir = strdup(opt->dir))) {
        free(sp);
        return oj_fail(err, ENOMEM, "spool %s", opt->dir);
    }
    /* what a killed worker had claimed comes first, redelivered */
    if (open_dirs(sp, opt, err) < 0 || scan(sp, sp->work_fd, "work", err) < 0) {
        sp_close(&sp->base);
        return -1;
    }
    sp->queue_is_work = true;
    if (sp->n_queue)
        wlog(WLOG_INFO, NULL,
             "spool %s: %zu submission(s) left in work/ by a stopped worker: "
             "judged again",
             sp->dir, sp->n_queue);
    *out = &sp->base;
    return 0;
}
