/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The compiled-filter cache.
 *
 * Compiling a Docker-sized profile (~400 rules) with libseccomp costs
 * milliseconds on every container start, for a result that only depends on
 * the profile and the libseccomp build.  A judge runs the same profile
 * thousands of times, so ojrun keeps the compiled program on disk:
 *
 *   key   = hash64 of the canonical text (oj_seccomp_canonical): every field
 *           of linux.seccomp that shapes the program, in a fixed order,
 *           plus the native architecture, the libseccomp version and API
 *           level, and OJ_SECCOMP_COMPILER_VERSION (bumped whenever
 *           seccomp.c would compile the same text differently).
 *           listenerPath/listenerMetadata are left out: they do not change
 *           the program and are often per container.
 *   file  = <cache_dir>/<16 hex digits>.bpf, mode 0600, written to a
 *           temporary name and renamed into place, so a reader sees either
 *           the old file or the complete new one:
 *
 *     struct cache_header (32 bytes: magic "OJSECBPF", format version,
 *                          canonical text length, instruction count,
 *                          checksum)
 *     canonical text      (canon_len bytes)
 *     instructions        (n_insns * 8 bytes, struct sock_filter)
 *
 * A seccomp program decides what the sandboxed code may do, so the file is
 * never trusted blindly: it is opened with O_NOFOLLOW and must be a regular
 * file with one link, owned by our euid, mode exactly 0600, of exactly the
 * size its header announces, with the right magic/format, a checksum that
 * matches, and -- byte for byte -- the same canonical text as the profile
 * being prepared.  The hash only picks the file name; equality of the full
 * text is what makes a hash collision (or a stale file) harmless.  Anything
 * wrong: a debug line, a fresh compile, and the file is rewritten.
 *
 * The cache directory is created 0700 and must be owned by our euid and not
 * writable by group or others; otherwise the cache is not used (warning).
 * One file per distinct profile (about 33 KiB for a 400-rule,
 * three-architecture profile).  A judge uses a dozen profiles; a host where
 * every container brings its own must not fill the disk, so before a new
 * program is stored the cache is trimmed (cache_trim): past
 * oj_seccomp_cache_max entries the oldest-written go first (a hit does not
 * refresh an entry: that would cost a write on the fast path; an evicted
 * profile in use is simply compiled and stored again), and temporary files
 * a killed writer left behind are removed once they are a minute old.
 */
#include "oj_seccomp.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <seccomp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "hash.h"
#include "log.h"
#include "util.h"

/* Bump when seccomp.c changes how a given profile is compiled.
 * 2: the binary tree from 33 syscall names on (was: 33 entries). */
#define OJ_SECCOMP_COMPILER_VERSION 3 /* 3: the ENOSYS stub */

#define CACHE_MAGIC  "OJSECBPF"
#define CACHE_FORMAT 1u
#define KEY_SEED     UINT64_C(0x6f6a72756e2d6b31) /* "ojrun-k1" */
#define SUM_SEED     UINT64_C(0x6f6a72756e2d6331) /* "ojrun-c1" */
/* No legitimate file comes near this: a 16 MiB config cannot produce more. */
#define CACHE_MAX_FILE (64u * 1024 * 1024)

struct cache_header {
    char magic[8];
    uint32_t format;
    uint32_t canon_len;
    uint32_t n_insns;
    uint32_t reserved; /* 0 */
    uint64_t checksum; /* oj_hash64(whole file with this field 0, SUM_SEED) */
};
_Static_assert(sizeof(struct cache_header) == 32, "no padding in the on-disk header");

/* --- canonical text -------------------------------------------------------- */

static const char *op_token(enum oj_seccomp_op op)
{
    switch (op) {
    case OJ_SECCOMP_OP_NE: return "NE";
    case OJ_SECCOMP_OP_LT: return "LT";
    case OJ_SECCOMP_OP_LE: return "LE";
    case OJ_SECCOMP_OP_EQ: return "EQ";
    case OJ_SECCOMP_OP_GE: return "GE";
    case OJ_SECCOMP_OP_GT: return "GT";
    case OJ_SECCOMP_OP_MASKED_EQ: return "MASKED_EQ";
    }
    return "?";
}

/* The canonical text is rebuilt on every container start, so it is built
 * with inlined appends into a local buffer rather than sb_printf(): for a
 * 400-rule profile sb_printf() cost ~150 us, ten times the rest of a cache
 * hit; this costs a few microseconds. */
struct cbuf {
    char *s;
    size_t len, cap;
    bool oom;
};

static inline void cb_put(struct cbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) { /* +1: room for the final NUL */
        size_t ncap = b->cap ? b->cap : 4096;
        while (ncap < b->len + n + 1)
            ncap *= 2;
        char *ns = realloc(b->s, ncap);
        if (!ns) {
            b->oom = true;
            return;
        }
        b->s = ns;
        b->cap = ncap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
}

static inline void cb_str(struct cbuf *b, const char *s)
{
    cb_put(b, s, strlen(s));
}

/* " " + number, decimal or 0x-hex */
static inline void cb_num(struct cbuf *b, uint64_t v, bool hex)
{
    char buf[24];
    char *p = buf + sizeof(buf);
    if (hex) { /* constant divisors: shifts and multiplications, no div */
        do {
            *--p = "0123456789abcdef"[v & 15];
            v >>= 4;
        } while (v);
        *--p = 'x';
        *--p = '0';
    } else {
        do {
            *--p = (char)('0' + v % 10);
            v /= 10;
        } while (v);
    }
    *--p = ' ';
    cb_put(b, p, (size_t)(buf + sizeof(buf) - p));
}

static inline void cb_errno(struct cbuf *b, const oj_opt_u64 *e)
{
    cb_str(b, " errno");
    if (e->set)
        cb_num(b, e->v, false);
    else
        cb_str(b, " -");
}

/* One line per item; strings are length-prefixed ("5:mkdir") so that no
 * name, whatever bytes it holds, can be confused with the structure. */
int oj_seccomp_canonical(const struct oj_seccomp *sc, struct strbuf *out, struct oj_err *err)
{
    const struct scmp_version *v = seccomp_version();
    struct cbuf b = {0};
    cb_str(&b, "ojrun-seccomp-canonical 1\ncompiler");
    cb_num(&b, OJ_SECCOMP_COMPILER_VERSION, false);
    cb_str(&b, "\nlibseccomp");
    cb_num(&b, v->major, false);
    cb_num(&b, v->minor, false);
    cb_num(&b, v->micro, false);
    cb_str(&b, " api");
    cb_num(&b, seccomp_api_get(), false);
    cb_str(&b, "\nnative");
    cb_num(&b, seccomp_arch_native(), true);
    cb_str(&b, "\ndefault");
    cb_num(&b, sc->default_action, true);
    cb_errno(&b, &sc->default_errno_ret);
    cb_str(&b, "\nflags");
    cb_num(&b, sc->flags, true);
    cb_str(&b, "\narches");
    cb_num(&b, sc->n_architectures, false);
    for (size_t i = 0; i < sc->n_architectures; i++)
        cb_num(&b, sc->architectures[i], true);
    cb_str(&b, "\nrules");
    cb_num(&b, sc->n_syscalls, false);
    cb_str(&b, "\n");
    for (size_t i = 0; i < sc->n_syscalls; i++) {
        const struct oj_seccomp_rule *r = &sc->syscalls[i];
        cb_str(&b, "rule");
        cb_num(&b, r->action, true);
        cb_errno(&b, &r->errno_ret);
        cb_str(&b, " names");
        cb_num(&b, r->n_names, false);
        for (size_t j = 0; j < r->n_names; j++) {
            const char *n = r->names[j] ? r->names[j] : "";
            size_t l = strlen(n);
            cb_num(&b, l, false);
            cb_put(&b, ":", 1);
            cb_put(&b, n, l);
        }
        cb_str(&b, " args");
        cb_num(&b, r->n_args, false);
        for (size_t k = 0; k < r->n_args; k++) {
            const struct oj_seccomp_arg *a = &r->args[k];
            cb_num(&b, a->index, false);
            cb_put(&b, " ", 1);
            cb_str(&b, op_token(a->op));
            cb_num(&b, a->value, true);
            cb_num(&b, a->value_two, true);
        }
        cb_str(&b, "\n");
    }
    if (!b.oom && !out->s && b.s) {
        /* hand the buffer over instead of copying it (the usual case) */
        b.s[b.len] = '\0';
        out->s = b.s;
        out->len = b.len;
        out->cap = b.cap;
    } else {
        if (!b.oom)
            sb_append(out, b.s ? b.s : "", b.len);
        free(b.s);
    }
    if (b.oom || out->oom)
        return oj_fail(err, ENOMEM, "seccomp cache: build the canonical profile text");
    if (out->len > UINT32_MAX)
        return oj_fail(err, E2BIG, "seccomp cache: profile too large");
    return 0;
}

static void key_name(const struct strbuf *canon, char name[32])
{
    snprintf(name, 32, "%016" PRIx64 ".bpf", oj_hash64(canon->s, canon->len, KEY_SEED));
}

int oj_seccomp_cache_path(const struct oj_seccomp *sc, const char *cache_dir, char **path,
                          struct oj_err *err)
{
    struct strbuf canon = {0};
    if (oj_seccomp_canonical(sc, &canon, err) < 0) {
        sb_free(&canon);
        return -1;
    }
    char name[32];
    key_name(&canon, name);
    sb_free(&canon);
    if (asprintf(path, "%s/%s", cache_dir, name) < 0)
        return oj_fail(err, ENOMEM, "seccomp cache path");
    return 0;
}

/* --- reading --------------------------------------------------------------- */

enum cache_lookup { CACHE_HIT, CACHE_MISS, CACHE_INVALID };

static enum cache_lookup cache_read(int dfd, const char *name, const struct strbuf *canon,
                                    struct oj_bpf *out, char *why, size_t whylen)
{
    _cleanup_close_ int fd =
        openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT)
            return CACHE_MISS;
        snprintf(why, whylen, "%s", errno == ELOOP ? "it is a symbolic link" : strerror(errno));
        return CACHE_INVALID;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        snprintf(why, whylen, "fstat: %s", strerror(errno));
        return CACHE_INVALID;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(why, whylen, "not a regular file");
        return CACHE_INVALID;
    }
    if (st.st_uid != geteuid()) {
        snprintf(why, whylen, "owned by uid %u, not %u", (unsigned)st.st_uid, (unsigned)geteuid());
        return CACHE_INVALID;
    }
    if ((st.st_mode & 07777) != 0600) {
        snprintf(why, whylen, "mode %04o, not 0600", (unsigned)(st.st_mode & 07777));
        return CACHE_INVALID;
    }
    if (st.st_nlink != 1) {
        snprintf(why, whylen, "%ju hard links", (uintmax_t)st.st_nlink);
        return CACHE_INVALID;
    }
    if (st.st_size < (off_t)sizeof(struct cache_header) || st.st_size > CACHE_MAX_FILE) {
        snprintf(why, whylen, "size %lld is impossible", (long long)st.st_size);
        return CACHE_INVALID;
    }
    size_t size = (size_t)st.st_size;
    _cleanup_free_ unsigned char *buf = malloc(size);
    if (!buf) {
        snprintf(why, whylen, "out of memory");
        return CACHE_INVALID;
    }
    ssize_t got = oj_read_all(fd, buf, size);
    if (got != (ssize_t)size) {
        snprintf(why, whylen, "short read (%zd of %zu bytes)", got, size);
        return CACHE_INVALID;
    }

    struct cache_header h;
    memcpy(&h, buf, sizeof(h));
    if (memcmp(h.magic, CACHE_MAGIC, sizeof(h.magic)) != 0) {
        snprintf(why, whylen, "bad magic");
        return CACHE_INVALID;
    }
    if (h.format != CACHE_FORMAT) {
        snprintf(why, whylen, "format %u, expected %u", h.format, CACHE_FORMAT);
        return CACHE_INVALID;
    }
    if (h.n_insns == 0 || h.n_insns > BPF_MAXINSNS || h.reserved != 0) {
        snprintf(why, whylen, "bad header (%u instructions)", h.n_insns);
        return CACHE_INVALID;
    }
    size_t want = sizeof(h) + (size_t)h.canon_len + (size_t)h.n_insns * sizeof(struct sock_filter);
    if (want != size) {
        snprintf(why, whylen, "size %zu does not match its header (%zu)", size, want);
        return CACHE_INVALID;
    }
    uint64_t sum = h.checksum;
    memset(buf + offsetof(struct cache_header, checksum), 0, sizeof(h.checksum));
    if (oj_hash64(buf, size, SUM_SEED) != sum) {
        snprintf(why, whylen, "checksum mismatch");
        return CACHE_INVALID;
    }
    if (h.canon_len != canon->len || memcmp(buf + sizeof(h), canon->s, canon->len) != 0) {
        snprintf(why, whylen, "it holds a different profile");
        return CACHE_INVALID;
    }

    size_t ilen = (size_t)h.n_insns * sizeof(struct sock_filter);
    out->insns = malloc(ilen);
    if (!out->insns) {
        snprintf(why, whylen, "out of memory");
        return CACHE_INVALID;
    }
    memcpy(out->insns, buf + sizeof(h) + h.canon_len, ilen);
    out->len = h.n_insns;
    return CACHE_HIT;
}

/* --- writing --------------------------------------------------------------- */

static int cache_write(int dfd, const char *name, const struct strbuf *canon,
                       const struct oj_bpf *prog, struct oj_err *err)
{
    size_t ilen = prog->len * sizeof(struct sock_filter);
    size_t size = sizeof(struct cache_header) + canon->len + ilen;
    _cleanup_free_ unsigned char *buf = calloc(1, size);
    if (!buf)
        return oj_fail(err, ENOMEM, "build %s", name);
    struct cache_header h = {.format = CACHE_FORMAT,
                             .canon_len = (uint32_t)canon->len,
                             .n_insns = (uint32_t)prog->len};
    memcpy(h.magic, CACHE_MAGIC, sizeof(h.magic));
    memcpy(buf, &h, sizeof(h));
    memcpy(buf + sizeof(h), canon->s, canon->len);
    memcpy(buf + sizeof(h) + canon->len, prog->insns, ilen);
    h.checksum = oj_hash64(buf, size, SUM_SEED); /* computed with the field at 0 */
    memcpy(buf + offsetof(struct cache_header, checksum), &h.checksum, sizeof(h.checksum));

    /* Unique per process and call: concurrent starts each write their own
     * temporary file and the last rename wins (both are complete). */
    static atomic_uint seq;
    char tmp[96];
    snprintf(tmp, sizeof(tmp), ".%s.tmp.%d.%u", name, (int)getpid(), atomic_fetch_add(&seq, 1));
    int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return oj_fail(err, errno, "create %s", tmp);
    /* No fsync: a torn file after a crash fails the checksum and is rebuilt. */
    int rc = 0;
    if (fchmod(fd, 0600) < 0) /* whatever the umask did */
        rc = oj_fail(err, errno, "chmod %s", tmp);
    else if (oj_write_all(fd, buf, size) < 0)
        rc = oj_fail(err, errno, "write %s", tmp);
    if (close(fd) < 0 && rc == 0)
        rc = oj_fail(err, errno, "close %s", tmp);
    if (rc == 0 && renameat(dfd, tmp, dfd, name) < 0)
        rc = oj_fail(err, errno, "rename %s to %s", tmp, name);
    if (rc < 0)
        unlinkat(dfd, tmp, 0);
    return rc;
}

/* --- trimming ---------------------------------------------------------------- */

size_t oj_seccomp_cache_max = 256;

struct entry_age {
    char name[32];
    struct timespec mtime;
};

static int cmp_age(const void *a, const void *b)
{
    const struct entry_age *x = a, *y = b;
    if (x->mtime.tv_sec != y->mtime.tv_sec)
        return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
    if (x->mtime.tv_nsec != y->mtime.tv_nsec)
        return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Is `n` one of our entry names: 16 lower-case hex digits and ".bpf"? */
static bool is_entry_name(const char *n)
{
    for (int i = 0; i < 16; i++)
        if (!((n[i] >= '0' && n[i] <= '9') || (n[i] >= 'a' && n[i] <= 'f')))
            return false;
    return strcmp(n + 16, ".bpf") == 0;
}

/* Make room for one more entry: keep at most oj_seccomp_cache_max - 1
 * entries (the oldest-written are removed) and drop temporary files older
 * than a minute.  Best effort: a failure only leaves the cache larger. */
static void cache_trim(int dfd, const char *dir)
{
    int dup_fd = dup(dfd); /* fdopendir takes the fd over */
    if (dup_fd < 0)
        return;
    DIR *d = fdopendir(dup_fd);
    if (!d) {
        close(dup_fd);
        return;
    }
    rewinddir(d);
    struct entry_age *v = NULL;
    size_t n = 0, cap = 0;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct dirent *de;
    while ((de = readdir(d))) {
        bool entry = is_entry_name(de->d_name);
        bool tmp = !entry && de->d_name[0] == '.' && strstr(de->d_name, ".bpf.tmp.");
        if (!entry && !tmp)
            continue;
        struct stat st;
        if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (tmp) {
            if (now.tv_sec - st.st_mtim.tv_sec > 60 && unlinkat(dfd, de->d_name, 0) == 0)
                oj_debug("seccomp cache: removed %s/%s (left by a killed writer)", dir, de->d_name);
            continue;
        }
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 64;
            struct entry_age *nv = realloc(v, ncap * sizeof(*v));
            if (!nv)
                break;
            v = nv;
            cap = ncap;
        }
        snprintf(v[n].name, sizeof(v[n].name), "%s", de->d_name);
        v[n].mtime = st.st_mtim;
        n++;
    }
    closedir(d);
    size_t keep = oj_seccomp_cache_max ? oj_seccomp_cache_max - 1 : 0;
    if (n > keep) {
        qsort(v, n, sizeof(*v), cmp_age);
        for (size_t i = 0; i < n - keep; i++)
            if (unlinkat(dfd, v[i].name, 0) == 0)
                oj_debug("seccomp cache: evicted %s/%s (more than %zu entries)", dir, v[i].name,
                         oj_seccomp_cache_max);
    }
    free(v);
}

/* --- the directory ---------------------------------------------------------- */

static int open_cache_dir(const char *dir, struct oj_err *err)
{
    if (oj_mkdir_p(dir, 0700, err) < 0)
        return -1;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0)
        return oj_fail(err, errno, "open %s", dir);
    struct stat st;
    if (fstat(dfd, &st) < 0) {
        int e = errno;
        close(dfd);
        return oj_fail(err, e, "fstat %s", dir);
    }
    if (st.st_uid != geteuid() || (st.st_mode & 022)) {
        close(dfd);
        return oj_fail(err, EPERM,
                       "%s must be owned by uid %u and not writable by group or others "
                       "(owner %u, mode %04o)",
                       dir, (unsigned)geteuid(), (unsigned)st.st_uid,
                       (unsigned)(st.st_mode & 07777));
    }
    return dfd;
}

int oj_seccomp_prepare(const struct oj_seccomp *sc, const char *cache_dir, struct oj_bpf *out,
                       bool *hit, struct oj_err *err)
{
    *hit = false;
    out->insns = NULL;
    out->len = 0;
    if (!cache_dir)
        return oj_seccomp_compile(sc, out, err);

    struct strbuf canon = {0};
    if (oj_seccomp_canonical(sc, &canon, err) < 0) {
        sb_free(&canon);
        return -1;
    }
    char name[32];
    key_name(&canon, name);

    struct oj_err derr = {0};
    _cleanup_close_ int dfd = open_cache_dir(cache_dir, &derr);
    if (dfd < 0)
        oj_warn("seccomp cache: %s unusable: %s; compiling without the cache", cache_dir,
                derr.msg);

    if (dfd >= 0) {
        char why[256] = "";
        switch (cache_read(dfd, name, &canon, out, why, sizeof(why))) {
        case CACHE_HIT:
            *hit = true;
            oj_debug("seccomp cache: hit %s/%s (%zu instructions)", cache_dir, name, out->len);
            sb_free(&canon);
            return 0;
        case CACHE_MISS:
            oj_debug("seccomp cache: miss %s/%s", cache_dir, name);
            break;
        case CACHE_INVALID:
            oj_debug("seccomp cache: %s/%s invalid: %s, rebuilding", cache_dir, name, why);
            break;
        }
    }

    if (oj_seccomp_compile(sc, out, err) < 0) {
        sb_free(&canon);
        return -1;
    }
    if (dfd >= 0) {
        struct oj_err werr = {0};
        cache_trim(dfd, cache_dir);
        if (cache_write(dfd, name, &canon, out, &werr) < 0)
            oj_warn("seccomp cache: cannot store %s/%s: %s", cache_dir, name, werr.msg);
    }
    sb_free(&canon);
    return 0;
}
