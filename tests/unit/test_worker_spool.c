/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The spool source (worker/spool.c): claims by rename, the settling
 * renames (out/, failed/ with a reason, in/NAME@N for a retry, in/ for a
 * release), the lock, and the recovery of work/ after a worker died --
 * redelivered, or acknowledged without judging when its result was
 * already written after the claim.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "spool.h"
#include "util.h"

static char dir[64];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static int setup(void **state)
{
    snprintf(dir, sizeof(dir), "/tmp/ojrun-test-spool-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    return nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void put(const char *sub, const char *name, const char *text)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static bool exists(const char *sub, const char *name)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
    return access(path, F_OK) == 0;
}

static char *slurp(const char *sub, const char *name)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
    char *data = NULL;
    struct oj_err err = {0};
    if (oj_read_file(path, 1 << 20, &data, NULL, &err) < 0)
        fail_msg("%s", err.msg);
    return data;
}

static struct oj_source *open_spool(unsigned max_attempts)
{
    struct oj_spool_options o = {
        .dir = dir, .max_attempts = max_attempts, .max_body = 1000, .progress = true};
    struct oj_source *s = NULL;
    struct oj_err err = {0};
    if (oj_spool_source_open(&o, &s, &err) < 0)
        fail_msg("%s", err.msg);
    return s;
}

/* next() must give a message now */
static void next(struct oj_source *s, struct oj_msg *m)
{
    struct oj_err err = {0};
    int rc = s->ops->next(s, m, &err);
    if (rc != 1)
        fail_msg("next: %d %s", rc, err.msg);
}

static void expect_none(struct oj_source *s)
{
    struct oj_msg m = {0};
    struct oj_err err = {0};
    assert_int_equal(s->ops->next(s, &m, &err), 0);
}

static void credit(struct oj_source *s, unsigned n)
{
    struct oj_err err = {0};
    assert_int_equal(s->ops->set_credit(s, n, &err), 0);
}

#define SUB(id) "{\"submission_id\":\"" id "\",\"problem_id\":\"p\"}"

static void test_names(void **state)
{
    char base[NAME_MAX + 1];
    unsigned a;
    assert_int_equal(oj_spool_parse_name("s1.json", base, sizeof(base), &a), 0);
    assert_string_equal(base, "s1");
    assert_int_equal(a, 1);
    assert_int_equal(oj_spool_parse_name("s1@3.json", base, sizeof(base), &a), 0);
    assert_string_equal(base, "s1");
    assert_int_equal(a, 3);
    /* not an attempt suffix: part of the name */
    assert_int_equal(oj_spool_parse_name("s1@1.json", base, sizeof(base), &a), 0);
    assert_string_equal(base, "s1@1");
    assert_int_equal(a, 1);
    assert_int_equal(oj_spool_parse_name("s1@03.json", base, sizeof(base), &a), 0);
    assert_string_equal(base, "s1@03");
    assert_int_equal(oj_spool_parse_name("a@b@2.json", base, sizeof(base), &a), 0);
    assert_string_equal(base, "a@b");
    assert_int_equal(a, 2);
    /* ignored: hidden (a writer's temporary file), not .json, no name */
    assert_int_equal(oj_spool_parse_name(".s1.json", base, sizeof(base), &a), -1);
    assert_int_equal(oj_spool_parse_name("s1.json.tmp", base, sizeof(base), &a), -1);
    assert_int_equal(oj_spool_parse_name("@2.json", base, sizeof(base), &a), -1);
    char name[NAME_MAX + 1];
    assert_true(oj_spool_file_name("s1", 1, name, sizeof(name)));
    assert_string_equal(name, "s1.json");
    assert_true(oj_spool_file_name("s1", 4, name, sizeof(name)));
    assert_string_equal(name, "s1@4.json");
}

static void test_claim_finish(void **state)
{
    struct oj_source *s = open_spool(3);
    put("in", "b.json", SUB("sb"));
    put("in", "a.json", SUB("sa"));
    put("in", ".c.json", SUB("hidden"));
    put("in", "c.txt", SUB("other"));
    /* no credit: nothing is claimed */
    expect_none(s);
    assert_true(exists("in", "a.json"));
    credit(s, 1);
    struct oj_msg m = {0};
    next(s, &m);
    assert_int_equal(m.len, strlen(SUB("sa")));
    assert_memory_equal(m.body, SUB("sa"), m.len);
    assert_int_equal(m.attempt, 1);
    assert_false(m.redelivered);
    assert_false(exists("in", "a.json"));
    assert_true(exists("work", "a.json"));
    /* one held: the credit is used up */
    expect_none(s);

    struct oj_err err = {0};
    const char *ev = "{\"type\":\"progress\",\"test\":\"1\"}";
    assert_int_equal(s->ops->progress(s, &m, ev, strlen(ev), &err), 0);
    assert_int_equal(s->ops->progress(s, &m, ev, strlen(ev), &err), 0);
    char *p = slurp("progress", "sa.jsonl");
    assert_string_equal(p, "{\"type\":\"progress\",\"test\":\"1\"}\n"
                           "{\"type\":\"progress\",\"test\":\"1\"}\n");
    free(p);

    const char *res = "{\"submission_id\":\"sa\",\"verdict\":\"AC\"}";
    assert_int_equal(s->ops->finish(s, &m, res, strlen(res), &err), 0);
    oj_msg_clear(&m);
    assert_false(exists("work", "a.json"));
    char *out = slurp("out", "sa.json");
    assert_string_equal(out, "{\"submission_id\":\"sa\",\"verdict\":\"AC\"}\n");
    free(out);
    assert_false(exists("out", ".sa.json.tmp"));

    next(s, &m);
    assert_memory_equal(m.body, SUB("sb"), m.len);
    assert_int_equal(s->ops->release(s, &m, &err), 0);
    oj_msg_clear(&m);
    /* handed back unchanged, not an attempt */
    assert_true(exists("in", "b.json"));
    assert_false(exists("work", "b.json"));
    next(s, &m);
    assert_int_equal(m.attempt, 1);
    assert_int_equal(s->ops->release(s, &m, &err), 0);
    oj_msg_clear(&m);
    s->ops->close(s);
}

static void test_retry_reject(void **state)
{
    struct oj_source *s = open_spool(2);
    credit(s, 4);
    put("in", "r.json", SUB("sr"));
    struct oj_msg m = {0};
    struct oj_err err = {0};
    next(s, &m);
    assert_int_equal(m.attempt, 1);
    assert_int_equal(s->ops->retry(s, &m, "box failed", &err), 0);
    oj_msg_clear(&m);
    assert_true(exists("in", "r@2.json"));
    next(s, &m);
    assert_int_equal(m.attempt, 2);
    assert_true(exists("work", "r@2.json"));
    /* attempt 2 of 2: dead-lettered with the reason */
    assert_int_equal(s->ops->retry(s, &m, "box failed again", &err), 0);
    oj_msg_clear(&m);
    assert_false(exists("in", "r@3.json"));
    assert_false(exists("work", "r@2.json"));
    assert_true(exists("failed", "r.json"));
    char *why = slurp("failed", "r.reason");
    assert_string_equal(why, "attempt 2 of 2: box failed again\n");
    free(why);

    put("in", "bad.json", "not json");
    next(s, &m);
    assert_int_equal(s->ops->reject(s, &m, "message: invalid JSON", &err), 0);
    oj_msg_clear(&m);
    why = slurp("failed", "bad.reason");
    assert_string_equal(why, "message: invalid JSON\n");
    free(why);
    assert_true(exists("failed", "bad.json"));
    assert_false(exists("work", "bad.json"));
    expect_none(s);
    s->ops->close(s);
}

static void test_poison_files(void **state)
{
    struct oj_source *s = open_spool(3);
    credit(s, 4);
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/in/d.json", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    char big[1100];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    put("in", "big.json", big);
    put("in", "z.json", SUB("sz"));
    /* both refused on the way, the good one given */
    struct oj_msg m = {0};
    next(s, &m);
    assert_memory_equal(m.body, SUB("sz"), m.len);
    char *why = slurp("failed", "big.reason");
    assert_string_equal(why, "message: 1099 bytes, more than 1000\n");
    free(why);
    why = slurp("failed", "d.reason");
    assert_string_equal(why, "message: not a regular file\n");
    free(why);
    struct oj_err err = {0};
    assert_int_equal(s->ops->release(s, &m, &err), 0);
    oj_msg_clear(&m);
    s->ops->close(s);
}

static void test_lock(void **state)
{
    struct oj_source *s = open_spool(3);
    struct oj_spool_options o = {.dir = dir, .max_attempts = 1, .max_body = 100};
    struct oj_source *t = NULL;
    struct oj_err err = {0};
    assert_int_equal(oj_spool_source_open(&o, &t, &err), -1);
    char want[256];
    snprintf(want, sizeof(want), "spool %s: in use by another worker (%s/.lock is locked)", dir,
             dir);
    assert_string_equal(err.msg, want);
    s->ops->close(s);
    assert_int_equal(oj_spool_source_open(&o, &t, &err), 0);
    t->ops->close(t);
}

/* Set the mtime of out/NAME relative to the ctime of work/FILE. */
static void result_at(const char *name, const char *work_file, long delta_sec)
{
    char path[PATH_MAX];
    struct stat w;
    snprintf(path, sizeof(path), "%s/work/%s", dir, work_file);
    assert_int_equal(stat(path, &w), 0);
    struct timespec ts[2] = {w.st_ctim, w.st_ctim};
    ts[0].tv_sec += delta_sec;
    ts[1].tv_sec += delta_sec;
    snprintf(path, sizeof(path), "%s/out/%s", dir, name);
    assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static void test_recovery(void **state)
{
    struct oj_source *s = open_spool(3);
    credit(s, 8);
    put("in", "k1.json", SUB("k1"));
    put("in", "k2.json", SUB("k2"));
    put("in", "k3.json", SUB("k3"));
    struct oj_msg m1 = {0}, m2 = {0}, m3 = {0};
    next(s, &m1);
    next(s, &m2);
    next(s, &m3);
    /* the worker dies: nothing settled, the lock goes with it */
    free(m1.priv);
    free(m2.priv);
    free(m3.priv);
    oj_msg_clear(&m1);
    oj_msg_clear(&m2);
    oj_msg_clear(&m3);
    s->ops->close(s);
    /* k1: its result was written after the claim (died before the ack);
     * k2: an out/ file from an earlier submission with the same id */
    put("out", "k1.json", "{\"submission_id\":\"k1\"}\n");
    result_at("k1.json", "k1.json", 1);
    put("out", "k2.json", "{\"submission_id\":\"k2\"}\n");
    result_at("k2.json", "k2.json", -10);
    put("in", "k4.json", SUB("k4"));

    s = open_spool(3);
    credit(s, 8);
    struct oj_msg m = {0};
    struct oj_err err = {0};
    /* work/ first, redelivered; k1 acknowledged without judging */
    next(s, &m);
    assert_memory_equal(m.body, SUB("k2"), m.len);
    assert_true(m.redelivered);
    assert_int_equal(s->ops->release(s, &m, &err), 0);
    oj_msg_clear(&m);
    assert_false(exists("work", "k1.json"));
    next(s, &m);
    assert_memory_equal(m.body, SUB("k3"), m.len);
    assert_true(m.redelivered);
    const char *res = "{\"submission_id\":\"k3\"}";
    assert_int_equal(s->ops->finish(s, &m, res, strlen(res), &err), 0);
    oj_msg_clear(&m);
    /* then in/, not redelivered (k2 was handed back to in/) */
    next(s, &m);
    assert_memory_equal(m.body, SUB("k2"), m.len);
    assert_false(m.redelivered);
    assert_int_equal(s->ops->release(s, &m, &err), 0);
    oj_msg_clear(&m);
    next(s, &m);
    assert_false(m.redelivered);
    assert_int_equal(s->ops->release(s, &m, &err), 0);
    oj_msg_clear(&m);
    s->ops->close(s);
}

static void test_same_name(void **state)
{
    struct oj_source *s = open_spool(3);
    credit(s, 8);
    put("in", "x.json", SUB("x1"));
    struct oj_msg m = {0};
    struct oj_err err = {0};
    next(s, &m);
    /* a new x.json while the first is judged waits for it */
    put("in", "x.json", SUB("x2"));
    expect_none(s);
    assert_true(exists("in", "x.json"));
    const char *res = "{\"submission_id\":\"x1\"}";
    assert_int_equal(s->ops->finish(s, &m, res, strlen(res), &err), 0);
    oj_msg_clear(&m);
    next(s, &m);
    assert_memory_equal(m.body, SUB("x2"), m.len);
    assert_int_equal(s->ops->release(s, &m, &err), 0);
    oj_msg_clear(&m);
    s->ops->close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test_setup_teardown(test_claim_finish, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_reject, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poison_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recovery, setup, teardown),
        cmocka_unit_test_setup_teardown(test_same_name, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
