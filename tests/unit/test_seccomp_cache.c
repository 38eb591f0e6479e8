/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The compiled-filter cache (seccomp_cache.c) and the hash under its keys:
 * miss then hit with an identical program, every kind of damaged or
 * planted file ignored and rebuilt, unsafe directories refused, the cache
 * bounded (oldest entries evicted, stale temporary files removed), and a
 * ~400-rule profile cached exactly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "cleanup.h"
#include "hash.h"
#include "log.h"
#include "oj_seccomp.h"
#include "seccomp_profile.h"
#include "secure_child.h"
#include "strbuf.h"
#include "util.h"

/* --- helpers --------------------------------------------------------------- */

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(p);
}

static void rm_rf(const char *p)
{
    nftw(p, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

struct fixture {
    char base[64];  /* temp dir, removed after the test */
    char dir[128];  /* the cache dir: base/cache/sub (created by prepare) */
    char path[256]; /* the cache file of `sc` */
    struct oj_seccomp sc;
    struct oj_bpf ref; /* oj_seccomp_compile() result */
};

static void small_profile(struct oj_seccomp *sc)
{
    prof_init(sc, SCMP_ACT_ALLOW);
    rule_errno(prof_rule(sc, SCMP_ACT_ERRNO(0), "mkdir", "mkdirat", NULL), 1);
    rule_arg(prof_rule(sc, SCMP_ACT_ERRNO(0), "umask", NULL), 0, OJ_SECCOMP_OP_MASKED_EQ, 070, 020);
    prof_rule(sc, SCMP_ACT_KILL_PROCESS, "no_such_syscall_xyz", "kexec_load", NULL);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->base, sizeof(f->base), "/tmp/ojrun-test-cache-XXXXXX");
    if (!mkdtemp(f->base))
        return -1;
    snprintf(f->dir, sizeof(f->dir), "%s/cache/sub", f->base);
    small_profile(&f->sc);
    struct oj_err err = {0};
    _cleanup_free_ char *p = NULL;
    if (oj_seccomp_cache_path(&f->sc, f->dir, &p, &err) < 0 ||
        oj_seccomp_compile(&f->sc, &f->ref, &err) < 0) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    snprintf(f->path, sizeof(f->path), "%s", p);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    rm_rf(f->base);
    oj_bpf_free(&f->ref);
    prof_free(&f->sc);
    free(f);
    return 0;
}

static void assert_same_program(const struct oj_bpf *a, const struct oj_bpf *b)
{
    assert_int_equal(a->len, b->len);
    assert_memory_equal(a->insns, b->insns, a->len * sizeof(struct sock_filter));
}

/* oj_seccomp_prepare() with debug logging captured into `log`. */
static int prepare_logged(const struct oj_seccomp *sc, const char *dir, struct oj_bpf *out,
                          bool *hit, char *log, size_t loglen)
{
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    dup2(fileno(tmp), STDERR_FILENO);
    struct oj_log_opts on = {.debug = true}, off = {0};
    oj_log_init(&on);
    struct oj_err err = {0};
    int rc = oj_seccomp_prepare(sc, dir, out, hit, &err);
    oj_log_init(&off);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(tmp);
    size_t n = fread(log, 1, loglen - 1, tmp);
    log[n] = '\0';
    fclose(tmp);
    if (rc < 0)
        snprintf(log, loglen, "prepare failed: %s", err.msg);
    return rc;
}

static void prepare_expect(struct fixture *f, bool want_hit)
{
    struct oj_bpf p = {0};
    bool hit = !want_hit;
    struct oj_err err = {0};
    if (oj_seccomp_prepare(&f->sc, f->dir, &p, &hit, &err) < 0)
        fail_msg("prepare: %s", err.msg);
    assert_int_equal(hit, want_hit);
    assert_same_program(&p, &f->ref);
    oj_bpf_free(&p);
}

static size_t file_size(const char *p)
{
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    return (size_t)st.st_size;
}

static void patch_byte(const char *p, off_t off)
{
    int fd = open(p, O_RDWR);
    assert_true(fd >= 0);
    unsigned char b;
    assert_int_equal(pread(fd, &b, 1, off), 1);
    b ^= 0x5a;
    assert_int_equal(pwrite(fd, &b, 1, off), 1);
    close(fd);
}

/* --- the hash -------------------------------------------------------------- */

static void test_hash_reference_vectors(void **state)
{
    /* XXH64 reference values (seed 0 unless given). */
    const char *spam = "Nobody inspects the spammish repetition"; /* 39 bytes: stripe loop */
    char a32[32], b64[64];
    memset(a32, 'a', sizeof(a32));
    memset(b64, 'b', sizeof(b64));
    assert_int_equal(oj_hash64("", 0, 0), 0xEF46DB3751D8E999ULL);
    assert_int_equal(oj_hash64("a", 1, 0), 0xD24EC4F1A98C6E5BULL);
    assert_int_equal(oj_hash64("abc", 3, 0), 0x44BC2CF5AD770999ULL);
    assert_int_equal(oj_hash64("abc", 3, 12345), 0x01700E64F6F23509ULL);
    assert_int_equal(oj_hash64(spam, strlen(spam), 0), 0xFBCEA83C8A378BF1ULL);
    assert_int_equal(oj_hash64(a32, sizeof(a32), 0), 0x856E843298F99AD7ULL);
    assert_int_equal(oj_hash64(b64, sizeof(b64), 0), 0xECBAF4BDF26B6349ULL);
}

/* --- the canonical text ------------------------------------------------------ */

static void canon(const struct oj_seccomp *sc, struct strbuf *sb)
{
    struct oj_err err = {0};
    memset(sb, 0, sizeof(*sb));
    assert_int_equal(oj_seccomp_canonical(sc, sb, &err), 0);
}

static void test_canonical_text(void **state)
{
    struct oj_seccomp a, b;
    struct strbuf ca, cb;
    small_profile(&a);
    canon(&a, &ca);
    assert_non_null(strstr(ca.s, "\nlibseccomp 2 5 "));
    assert_non_null(strstr(ca.s, "\nnative 0xc000003e\n"));
    assert_non_null(strstr(ca.s, "\nrule 0x50000 errno 1 names 2 5:mkdir 7:mkdirat args 0\n"));
    assert_non_null(strstr(ca.s, "\nrule 0x50000 errno - names 1 5:umask args 1 0 MASKED_EQ 0x38 "
                                 "0x10\n"));

    /* Each change of the profile changes the text ... */
    for (int change = 0; change < 10; change++) {
        small_profile(&b);
        switch (change) {
        case 0: b.default_action = SCMP_ACT_LOG; break;
        case 1: b.default_errno_ret = (oj_opt_u64){true, 1}; break;
        case 2: b.syscalls[0].errno_ret.v = 2; break;
        case 3: b.syscalls[1].args[0].value = 071; break;
        case 4: b.syscalls[1].args[0].value_two = 021; break;
        case 5: b.syscalls[1].args[0].op = OJ_SECCOMP_OP_EQ; break;
        case 6: prof_arch(&b, SCMP_ARCH_X86); break;
        case 7: b.flags = SECCOMP_FILTER_FLAG_LOG; break;
        case 8: /* same names, other order */
            free(b.syscalls[0].names[0]);
            b.syscalls[0].names[0] = strdup("mkdirat");
            free(b.syscalls[0].names[1]);
            b.syscalls[0].names[1] = strdup("mkdir");
            break;
        case 9: /* "mkdir" + "mkdirat" vs one name containing both: length prefixes */
            free(b.syscalls[0].names[0]);
            b.syscalls[0].names[0] = strdup("mkdir 7:mkdirat");
            free(b.syscalls[0].names[1]);
            b.syscalls[0].names[1] = NULL;
            b.syscalls[0].n_names = 1;
            break;
        }
        canon(&b, &cb);
        if (ca.len == cb.len && memcmp(ca.s, cb.s, ca.len) == 0)
            fail_msg("change %d left the canonical text unchanged", change);
        sb_free(&cb);
        prof_free(&b);
    }
    /* ... but the listener fields do not (they do not shape the program). */
    small_profile(&b);
    b.listener_path = "/run/agent.sock";
    b.listener_metadata = "x";
    canon(&b, &cb);
    assert_int_equal(ca.len, cb.len);
    assert_memory_equal(ca.s, cb.s, ca.len);
    sb_free(&cb);
    prof_free(&b);
    sb_free(&ca);
    prof_free(&a);
}

/* --- hit and miss ------------------------------------------------------------- */

static void test_miss_then_hit(void **state)
{
    struct fixture *f = *state;
    char log[4096];
    struct oj_bpf p = {0};
    bool hit = true;
    assert_int_equal(prepare_logged(&f->sc, f->dir, &p, &hit, log, sizeof(log)), 0);
    assert_false(hit);
    assert_same_program(&p, &f->ref);
    assert_non_null(strstr(log, "seccomp cache: miss"));
    oj_bpf_free(&p);

    struct stat st;
    assert_int_equal(stat(f->dir, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    assert_int_equal(lstat(f->path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_uid, geteuid());
    /* header + canonical text + instructions, nothing else in the dir */
    assert_true((size_t)st.st_size > 32 + f->ref.len * sizeof(struct sock_filter));
    DIR *d = opendir(f->dir);
    assert_non_null(d);
    int entries = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.' || (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")))
            entries++;
    closedir(d);
    assert_int_equal(entries, 1); /* no temporary file left behind */

    assert_int_equal(prepare_logged(&f->sc, f->dir, &p, &hit, log, sizeof(log)), 0);
    assert_true(hit);
    assert_same_program(&p, &f->ref);
    assert_non_null(strstr(log, "seccomp cache: hit"));
    oj_bpf_free(&p);

    /* cache_dir NULL: a plain compile */
    assert_int_equal(prepare_logged(&f->sc, NULL, &p, &hit, log, sizeof(log)), 0);
    assert_false(hit);
    assert_same_program(&p, &f->ref);
    oj_bpf_free(&p);
}

/* --- damaged and planted files ------------------------------------------------ */

enum damage {
    D_MAGIC,
    D_CANON_BYTE,
    D_INSN_BYTE,
    D_TRUNCATE,
    D_APPEND,
    D_TINY,
    D_MODE,
    D_OWNER,
    D_SYMLINK,
    D_HARDLINK,
    D_FIFO,
    D_OTHER_PROFILE,
    D_COUNT
};

static const char *const damage_why[D_COUNT] = {
    [D_MAGIC] = "invalid: bad magic, rebuilding",
    [D_CANON_BYTE] = "invalid: checksum mismatch, rebuilding",
    [D_INSN_BYTE] = "invalid: checksum mismatch, rebuilding",
    [D_TRUNCATE] = "does not match its header",
    [D_APPEND] = "does not match its header",
    [D_TINY] = "invalid: size 10 is impossible, rebuilding",
    [D_MODE] = "invalid: mode 0644, not 0600, rebuilding",
    [D_OWNER] = "invalid: owned by uid 1000, not 0, rebuilding",
    [D_SYMLINK] = "invalid: it is a symbolic link, rebuilding",
    [D_HARDLINK] = "invalid: 2 hard links, rebuilding",
    [D_FIFO] = "invalid: not a regular file, rebuilding",
    [D_OTHER_PROFILE] = "invalid: it holds a different profile, rebuilding",
};

static void damage(struct fixture *f, enum damage d, char *aside, size_t asidelen)
{
    size_t size = file_size(f->path);
    aside[0] = '\0';
    switch (d) {
    case D_MAGIC: patch_byte(f->path, 0); break;
    case D_CANON_BYTE: patch_byte(f->path, 32 + 12); break;
    case D_INSN_BYTE: patch_byte(f->path, (off_t)size - 3); break;
    case D_TRUNCATE: assert_int_equal(truncate(f->path, (off_t)size - 8), 0); break;
    case D_APPEND: assert_int_equal(truncate(f->path, (off_t)size + 1), 0); break;
    case D_TINY: assert_int_equal(truncate(f->path, 10), 0); break;
    case D_MODE: assert_int_equal(chmod(f->path, 0644), 0); break;
    case D_OWNER: assert_int_equal(chown(f->path, 1000, 1000), 0); break;
    case D_SYMLINK: /* a valid file elsewhere, reached through a link */
        snprintf(aside, asidelen, "%s/aside.bpf", f->base);
        assert_int_equal(rename(f->path, aside), 0);
        assert_int_equal(symlink(aside, f->path), 0);
        break;
    case D_HARDLINK:
        snprintf(aside, asidelen, "%s/hardlink.bpf", f->base);
        assert_int_equal(link(f->path, aside), 0);
        break;
    case D_FIFO:
        assert_int_equal(unlink(f->path), 0);
        assert_int_equal(mkfifo(f->path, 0600), 0);
        break;
    case D_OTHER_PROFILE: { /* a valid, checksummed file of another profile at our key */
        struct oj_seccomp other;
        small_profile(&other);
        other.syscalls[0].errno_ret.v = 13;
        struct oj_bpf p = {0};
        bool hit;
        struct oj_err err = {0};
        assert_int_equal(oj_seccomp_prepare(&other, f->dir, &p, &hit, &err), 0);
        _cleanup_free_ char *op = NULL;
        assert_int_equal(oj_seccomp_cache_path(&other, f->dir, &op, &err), 0);
        assert_string_not_equal(op, f->path);
        assert_int_equal(rename(op, f->path), 0);
        oj_bpf_free(&p);
        prof_free(&other);
        break;
    }
    case D_COUNT: break;
    }
}

static void test_damaged_files_are_rebuilt(void **state)
{
    struct fixture *f = *state;
    for (int d = 0; d < D_COUNT; d++) {
        prepare_expect(f, d != 0); /* a valid file to start from (a miss only the first time) */
        char aside[256];
        damage(f, (enum damage)d, aside, sizeof(aside));

        char log[4096];
        struct oj_bpf p = {0};
        bool hit = true;
        assert_int_equal(prepare_logged(&f->sc, f->dir, &p, &hit, log, sizeof(log)), 0);
        if (hit || !strstr(log, damage_why[d]))
            fail_msg("damage %d: hit %d, log: %s", d, hit, log);
        char want[512];
        snprintf(want, sizeof(want), "seccomp cache: %s invalid: ", f->path);
        assert_non_null(strstr(log, want));
        assert_same_program(&p, &f->ref);
        oj_bpf_free(&p);

        /* rewritten: a regular 0600 file again, and the next prepare hits */
        struct stat st;
        assert_int_equal(lstat(f->path, &st), 0);
        assert_true(S_ISREG(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0600);
        assert_int_equal(st.st_uid, 0);
        assert_int_equal(st.st_nlink, 1);
        prepare_expect(f, true);
        if (aside[0]) {
            /* the link target / other link was left alone */
            assert_int_equal(lstat(aside, &st), 0);
            assert_true(S_ISREG(st.st_mode));
            assert_int_equal(unlink(aside), 0);
        }
    }
}

/* A directory squatting on the file name: the cache cannot be written, the
 * call still succeeds with a compiled program and a warning. */
static void test_unwritable_entry_warns(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(oj_mkdir_p(f->path, 0700, NULL), 0);
    char log[4096];
    struct oj_bpf p = {0};
    bool hit = true;
    assert_int_equal(prepare_logged(&f->sc, f->dir, &p, &hit, log, sizeof(log)), 0);
    assert_false(hit);
    assert_same_program(&p, &f->ref);
    assert_non_null(strstr(log, "invalid: not a regular file, rebuilding"));
    assert_non_null(strstr(log, "warning: seccomp cache: cannot store"));
    oj_bpf_free(&p);
    assert_int_equal(rmdir(f->path), 0);
}

/* A cache directory others could write to (or owned by someone else) is
 * not used at all. */
static void test_unsafe_cache_dir_refused(void **state)
{
    struct fixture *f = *state;
    for (int round = 0; round < 2; round++) {
        assert_int_equal(oj_mkdir_p(f->dir, 0700, NULL), 0);
        if (round == 0)
            assert_int_equal(chmod(f->dir, 0777), 0);
        else
            assert_int_equal(chown(f->dir, 1000, 1000), 0);
        char log[4096];
        struct oj_bpf p = {0};
        bool hit = true;
        assert_int_equal(prepare_logged(&f->sc, f->dir, &p, &hit, log, sizeof(log)), 0);
        assert_false(hit);
        assert_same_program(&p, &f->ref);
        assert_non_null(strstr(log, "must be owned by uid 0 and not writable by group or others"));
        assert_int_equal(access(f->path, F_OK), -1); /* nothing written */
        oj_bpf_free(&p);
        assert_int_equal(rmdir(f->dir), 0);
    }
}

/* The program that comes out of the cache is the one enforced. */
static int child_cached_load(void *arg, char *msg, size_t len)
{
    struct fixture *f = arg;
    struct oj_bpf p = {0};
    bool hit = false;
    struct oj_err err = {0};
    CHILD_CHECK(oj_seccomp_prepare(&f->sc, f->dir, &p, &hit, &err) == 0, "%s", err.msg);
    CHILD_CHECK(hit, "expected a cache hit");
    CHILD_CHECK(oj_set_no_new_privs(&err) == 0, "%s", err.msg);
    CHILD_CHECK(oj_seccomp_load(&p, &f->sc, NULL, &err) == 0, "%s", err.msg);
    long rc = syscall(SYS_mkdir, "/tmp/ojrun-seccomp-never", 0700);
    CHILD_CHECK(rc < 0 && errno == EPERM, "mkdir: %ld", rc);
    CHILD_CHECK(syscall(SYS_umask, 027L) < 0 && errno == EPERM, "umask(027) allowed");
    CHILD_CHECK(syscall(SYS_umask, 037L) >= 0, "umask(037) blocked");
    return 0;
}

static void test_cached_program_is_enforced(void **state)
{
    struct fixture *f = *state;
    prepare_expect(f, false);
    struct child_result r;
    run_in_child(child_cached_load, f, &r);
    assert_child_ok(&r);
}

/* --- a bounded cache ----------------------------------------------------------- */

/* Profile number i: the small profile with mkdir's errno i + 1. */
static void numbered_profile(struct oj_seccomp *sc, int i)
{
    prof_init(sc, SCMP_ACT_ALLOW);
    rule_errno(prof_rule(sc, SCMP_ACT_ERRNO(0), "mkdir", NULL), i + 1);
}

static size_t count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        n += strlen(de->d_name) == 20 && strcmp(de->d_name + 16, ".bpf") == 0;
    closedir(d);
    return n;
}

static void set_mtime(const char *path, time_t t)
{
    struct timespec ts[2] = {{t, 0}, {t, 0}};
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

/* Past oj_seccomp_cache_max entries, storing one more evicts the
 * oldest-written; what stays is still used. */
static void test_cache_is_bounded(void **state)
{
    struct fixture *f = *state;
    size_t saved_max = oj_seccomp_cache_max;
    oj_seccomp_cache_max = 4;
    char path[7][512];
    time_t t0 = time(NULL) - 1000;
    for (int i = 0; i < 7; i++) {
        struct oj_seccomp sc;
        numbered_profile(&sc, i);
        struct oj_bpf p = {0};
        bool hit = true;
        struct oj_err err = {0};
        assert_int_equal(oj_seccomp_prepare(&sc, f->dir, &p, &hit, &err), 0);
        assert_false(hit);
        _cleanup_free_ char *cp = NULL;
        assert_int_equal(oj_seccomp_cache_path(&sc, f->dir, &cp, &err), 0);
        snprintf(path[i], sizeof(path[i]), "%s", cp);
        /* file times tick coarsely: give each entry its own second */
        set_mtime(path[i], t0 + i);
        assert_true(count_entries(f->dir) <= 4);
        oj_bpf_free(&p);
        prof_free(&sc);
    }
    assert_int_equal(count_entries(f->dir), 4);
    for (int i = 0; i < 7; i++)
        assert_int_equal(access(path[i], F_OK) == 0, i >= 3);
    /* the newest is a hit */
    struct oj_seccomp sc;
    numbered_profile(&sc, 6);
    struct oj_bpf p = {0};
    bool hit = false;
    struct oj_err err = {0};
    assert_int_equal(oj_seccomp_prepare(&sc, f->dir, &p, &hit, &err), 0);
    assert_true(hit);
    oj_bpf_free(&p);
    prof_free(&sc);
    oj_seccomp_cache_max = saved_max;
}

/* A temporary file of a writer killed before its rename is removed once it
 * is a minute old; a fresh one (a writer at work) is left alone. */
static void test_stale_temporary_files_removed(void **state)
{
    struct fixture *f = *state;
    prepare_expect(f, false); /* creates the directory */
    char stale[512], fresh[512];
    snprintf(stale, sizeof(stale), "%s/.0123456789abcdef.bpf.tmp.12345.0", f->dir);
    snprintf(fresh, sizeof(fresh), "%s/.0123456789abcdef.bpf.tmp.12346.0", f->dir);
    assert_int_equal(oj_write_file_atomic(stale, "x", 1, 0600, NULL), 0);
    assert_int_equal(oj_write_file_atomic(fresh, "x", 1, 0600, NULL), 0);
    set_mtime(stale, time(NULL) - 120);
    struct oj_seccomp sc;
    numbered_profile(&sc, 42);
    struct oj_bpf p = {0};
    bool hit = true;
    struct oj_err err = {0};
    assert_int_equal(oj_seccomp_prepare(&sc, f->dir, &p, &hit, &err), 0);
    assert_false(hit);
    assert_int_equal(access(stale, F_OK), -1);
    assert_int_equal(access(fresh, F_OK), 0);
    oj_bpf_free(&p);
    prof_free(&sc);
}

/* --- a large profile ---------------------------------------------------------- */

/* A ~400-rule Docker-like profile over three architectures: a miss stores
 * it, a hit loads exactly the program a compile makes.  How much faster the
 * hit is, is a benchmark's business: hack/seccomp-cache-bench.sh. */
static void test_docker_like_profile_round_trip(void **state)
{
    struct fixture *f = *state;
    struct oj_seccomp big;
    size_t rules = prof_docker_like(&big);
    assert_true(rules >= 400);
    struct oj_err err = {0};
    struct oj_bpf p = {0}, q = {0}, r = {0};
    bool hit;

    assert_int_equal(oj_seccomp_compile(&big, &p, &err), 0);
    assert_int_equal(oj_seccomp_prepare(&big, f->dir, &q, &hit, &err), 0);
    assert_false(hit);
    assert_same_program(&p, &q);
    assert_int_equal(oj_seccomp_prepare(&big, f->dir, &r, &hit, &err), 0);
    assert_true(hit);
    assert_same_program(&p, &r);
    oj_bpf_free(&p);
    oj_bpf_free(&q);
    oj_bpf_free(&r);
    prof_free(&big);
}

int main(void)
{
    if (geteuid() != 0) {
        fprintf(stderr, "test_seccomp_cache needs root\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hash_reference_vectors),
        cmocka_unit_test(test_canonical_text),
        cmocka_unit_test_setup_teardown(test_miss_then_hit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_damaged_files_are_rebuilt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable_entry_warns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsafe_cache_dir_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cached_program_is_enforced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_is_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_temporary_files_removed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_docker_like_profile_round_trip, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
