/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The built-in checkers (worker/judge/checker.c): exact, lines, tokens,
 * float:EPS, on the edge cases contestants' outputs have -- trailing
 * spaces, CRLF, missing or extra final newlines, empty output, -0 and 0,
 * tolerances at their bound, NaN and infinities, tokens longer than the
 * checker's buffers -- and on outputs far larger than the buffers, which
 * must stream.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>

#include "checker.h"
#include "cleanup.h"

/* A seekable in-memory file holding `len` bytes of `data`. */
static int mem_file(const void *data, size_t len)
{
    int fd = memfd_create("checker-test", MFD_CLOEXEC);
    assert_true(fd >= 0);
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        assert_true(n > 0);
        p += n;
        len -= (size_t)n;
    }
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    return fd;
}

static enum oj_check_verdict run_n(const char *checker, const void *answer, size_t alen,
                                   const void *output, size_t olen, char *msg, size_t msize)
{
    struct oj_checker c;
    struct oj_err err = {0};
    assert_int_equal(oj_checker_parse(checker, &c, &err), 0);
    int a = mem_file(answer, alen), o = mem_file(output, olen);
    enum oj_check_verdict v = OJ_CHECK_AC;
    int rc = oj_check_fds(&c, a, o, &v, msg, msize, &err);
    if (rc < 0)
        fail_msg("%s", err.msg);
    close(a);
    close(o);
    return v;
}

static enum oj_check_verdict run(const char *checker, const char *answer, const char *output)
{
    char msg[256];
    enum oj_check_verdict v =
        run_n(checker, answer, strlen(answer), output, strlen(output), msg, sizeof(msg));
    /* a message exactly when not AC */
    if (v == OJ_CHECK_AC)
        assert_string_equal(msg, "");
    else
        assert_true(msg[0] != '\0' && strchr(msg, '\n') == NULL);
    return v;
}

#define AC OJ_CHECK_AC
#define PE OJ_CHECK_PE
#define WA OJ_CHECK_WA

static void test_parse(void **state)
{
    struct oj_checker c;
    struct oj_err err = {0};
    assert_int_equal(oj_checker_parse("exact", &c, &err), 0);
    assert_int_equal(c.kind, OJ_CHECKER_EXACT);
    assert_int_equal(oj_checker_parse("custom", &c, &err), 0);
    assert_int_equal(c.kind, OJ_CHECKER_CUSTOM);
    assert_int_equal(oj_checker_parse("float:1e-6", &c, &err), 0);
    assert_int_equal(c.kind, OJ_CHECKER_FLOAT);
    assert_true(c.eps == 1e-6);
    assert_int_equal(oj_checker_parse("float:0", &c, &err), 0);
    assert_true(c.eps == 0);
    char buf[64];
    oj_checker_format(&(struct oj_checker){OJ_CHECKER_FLOAT, 1e-6}, buf, sizeof(buf));
    assert_string_equal(buf, "float:1e-06");
    /* a value %g would round is written in full, so that it reads back the same */
    assert_int_equal(oj_checker_parse("float:0.000123456789", &c, &err), 0);
    oj_checker_format(&c, buf, sizeof(buf));
    struct oj_checker back;
    assert_int_equal(oj_checker_parse(buf, &back, &err), 0);
    assert_true(back.eps == c.eps);

    static const char *const bad[] = {"float:",    "float:x",   "float:1",      "float:-1e-6",
                                      "float:nan", "float:inf", "float:0x1p-3", "float:1e-6 ",
                                      "Lines",     "",          "float",        "wcmp"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        err.msg[0] = '\0';
        assert_int_equal(oj_checker_parse(bad[i], &c, &err), -1);
        assert_non_null(strstr(err.msg, bad[i]));
    }
    assert_int_equal(oj_checker_parse("lines ", &c, &err), -1);
    assert_string_equal(err.msg,
                        "\"lines \": unknown checker (exact, lines, tokens, float:EPS, custom)");
    assert_int_equal(oj_checker_parse("float:1", &c, &err), -1);
    assert_string_equal(err.msg, "\"float:1\": EPS must be in [0, 1)");
}

static void test_exact(void **state)
{
    assert_int_equal(run("exact", "3\n", "3\n"), AC);
    assert_int_equal(run("exact", "", ""), AC);
    assert_int_equal(run("exact", "3\n", "3"), WA);     /* the final newline counts */
    assert_int_equal(run("exact", "3\n", "3 \n"), WA);  /* so do trailing spaces */
    assert_int_equal(run("exact", "3\n", "3\r\n"), WA); /* and CR */
    assert_int_equal(run("exact", "3\n", ""), WA);      /* empty output */
    assert_int_equal(run("exact", "", "3"), WA);        /* output for an empty answer */
    assert_int_equal(run("exact", "0\n", "-0\n"), WA);
    char msg[128];
    assert_int_equal(run_n("exact", "abcd", 4, "abXd", 4, msg, sizeof(msg)), WA);
    assert_string_equal(msg, "byte 2 differs");
    assert_int_equal(run_n("exact", "ab", 2, "abc", 3, msg, sizeof(msg)), WA);
    assert_string_equal(msg, "the output goes on past the answer's 2 bytes");
    assert_int_equal(run_n("exact", "abc", 3, "ab", 2, msg, sizeof(msg)), WA);
    assert_string_equal(msg, "the output ends at byte 2, the answer goes on");
    /* NUL bytes are bytes */
    assert_int_equal(run_n("exact", "a\0b", 3, "a\0b", 3, msg, sizeof(msg)), AC);
    assert_int_equal(run_n("exact", "a\0b", 3, "a\0c", 3, msg, sizeof(msg)), WA);
}

static void test_lines(void **state)
{
    assert_int_equal(run("lines", "3\n", "3\n"), AC);
    assert_int_equal(run("lines", "3\n", "3"), AC);                  /* no final newline */
    assert_int_equal(run("lines", "3", "3\n\n\n"), AC);              /* trailing blank lines */
    assert_int_equal(run("lines", "1 2\n3\n", "1 2   \n3\t\n"), AC); /* trailing spaces */
    assert_int_equal(run("lines", "1 2\n3\n", "1 2\r\n3\r\n"), AC);  /* CRLF */
    assert_int_equal(run("lines", "1 2\r\n3\r\n", "1 2\n3\n"), AC);  /* CRLF answer */
    assert_int_equal(run("lines", "", ""), AC);
    assert_int_equal(run("lines", "", "\n \n"), AC); /* blank output for an empty answer */
    assert_int_equal(run("lines", "\n", ""), AC);
    assert_int_equal(run("lines", "3\n", ""), WA);            /* empty output */
    assert_int_equal(run("lines", "1 2\n", "1  2\n"), PE);    /* inner whitespace */
    assert_int_equal(run("lines", "1 2\n", "1\n2\n"), PE);    /* a token per line */
    assert_int_equal(run("lines", "1 2\n", " 1 2\n"), PE);    /* leading space */
    assert_int_equal(run("lines", "1\n2\n", "1\n\n2\n"), PE); /* an inner blank line */
    assert_int_equal(run("lines", "12\n", "1 2\n"), WA);      /* the tokens differ */
    assert_int_equal(run("lines", "0\n", "-0\n"), WA);
    assert_int_equal(run("lines", "1\n2\n", "1\n"), WA);
    char msg[128];
    assert_int_equal(run_n("lines", "a\nb\nc\n", 6, "a\nb\nd\n", 6, msg, sizeof(msg)), WA);
    assert_string_equal(msg, "line 3 differs");
    assert_int_equal(run_n("lines", "a\nb c\n", 6, "a\nb  c\n", 7, msg, sizeof(msg)), PE);
    assert_string_equal(msg, "line 2: the whitespace differs");
}

static void test_tokens(void **state)
{
    assert_int_equal(run("tokens", "1 2\n3\n", "1\n2 3"), AC);
    assert_int_equal(run("tokens", "1 2\n", "  1\t\t2\r\n\n"), AC);
    assert_int_equal(run("tokens", "", "\n\n  "), AC);
    assert_int_equal(run("tokens", "", ""), AC);
    assert_int_equal(run("tokens", "1", ""), WA);
    assert_int_equal(run("tokens", "", "1"), WA);
    assert_int_equal(run("tokens", "12", "1 2"), WA);
    assert_int_equal(run("tokens", "0", "-0"), WA); /* tokens, not numbers */
    assert_int_equal(run("tokens", "1.0", "1"), WA);
    assert_int_equal(run("tokens", "YES", "yes"), WA); /* case matters */
    char msg[256];
    assert_int_equal(run_n("tokens", "a b c", 5, "a b d", 5, msg, sizeof(msg)), WA);
    assert_string_equal(msg, "token 3: expected \"c\", found \"d\"");
    assert_int_equal(run_n("tokens", "a b", 3, "a", 1, msg, sizeof(msg)), WA);
    assert_string_equal(msg, "token 2: expected \"b\", the output has ended");
    assert_int_equal(run_n("tokens", "a", 1, "a b", 3, msg, sizeof(msg)), WA);
    assert_string_equal(msg, "token 2: the answer has ended, found \"b\"");
    /* a control byte or a quote in a message is shown as '?' */
    assert_int_equal(run_n("tokens", "a", 1, "\"\x01", 2, msg, sizeof(msg)), WA);
    assert_string_equal(msg, "token 1: expected \"a\", found \"??\"");
}

static void test_float(void **state)
{
    const char *f = "float:1e-6";
    assert_int_equal(run(f, "0\n", "1e-7\n"), AC); /* within the absolute error */
    assert_int_equal(run(f, "0\n", "-1e-7\n"), AC);
    assert_int_equal(run(f, "0\n", "2e-6\n"), WA);
    assert_int_equal(run(f, "0\n", "-0\n"), AC); /* -0 equals 0 */
    assert_int_equal(run(f, "-0.000\n", "0\n"), AC);
    assert_int_equal(run(f, "0.1\n", "0.100001\n"), AC); /* exactly at the bound */
    assert_int_equal(run(f, "0.1\n", "0.1000011\n"), WA);
    assert_int_equal(run(f, "3.141592653\n", "3.141592654\n"), AC); /* off by 1e-9 */
    assert_int_equal(run(f, "3.141592653\n", "3.142592653\n"), WA); /* off by 1e-3 */
    /* relative error for large answers: 1e9 +- 1e3 is 1e-6 relative */
    assert_int_equal(run(f, "1000000000\n", "1000000999\n"), AC);
    assert_int_equal(run(f, "1000000000\n", "1000001100\n"), WA);
    assert_int_equal(run(f, "1e9\n", "1000000000.0\n"), AC);
    assert_int_equal(run(f, "1.5\n", "+1.5\n"), AC);
    assert_int_equal(run(f, "1.5\n", "1.5e0\n"), AC);
    assert_int_equal(run(f, "1.5\n", ".15E1\n"), AC);
    assert_int_equal(run(f, "1.5\n", "1.\n"), WA);
    /* NaN matches only NaN, an infinity only the same infinity */
    assert_int_equal(run(f, "nan\n", "NaN\n"), AC);
    assert_int_equal(run(f, "nan\n", "0\n"), WA);
    assert_int_equal(run(f, "0\n", "nan\n"), WA);
    assert_int_equal(run(f, "inf\n", "Infinity\n"), AC);
    assert_int_equal(run(f, "inf\n", "-inf\n"), WA);
    assert_int_equal(run(f, "1e308\n", "inf\n"), WA);
    assert_int_equal(run(f, "-inf\n", "-INF\n"), AC);
    /* past a double's range: compared as tokens, not as two infinities */
    assert_int_equal(run(f, "1e400\n", "1e401\n"), WA);
    assert_int_equal(run(f, "1e400\n", "1e400\n"), AC);
    assert_int_equal(run(f, "inf\n", "1e400\n"), WA);
    /* what is not a number compares as a token */
    assert_int_equal(run(f, "0x10\n", "16\n"), WA); /* no hexadecimal */
    assert_int_equal(run(f, "16\n", "0x10\n"), WA);
    assert_int_equal(run(f, "YES 1.0\n", "YES 1.0000001\n"), AC);
    assert_int_equal(run(f, "YES 1.0\n", "yes 1.0\n"), WA);
    assert_int_equal(run(f, "1e\n", "1\n"), WA);
    assert_int_equal(run(f, "1,5\n", "1.5\n"), WA);
    /* whitespace as the tokens checker sees it, and empty output */
    assert_int_equal(run(f, "1 2\n", "1.0000001\r\n2 \n\n"), AC);
    assert_int_equal(run(f, "1\n", ""), WA);
    assert_int_equal(run(f, "1 2\n", "1\n"), WA);
    assert_int_equal(run(f, "", ""), AC);
    /* eps 0: numbers must be equal as doubles, -0 still equals 0 */
    assert_int_equal(run("float:0", "0.5\n", "0.50\n"), AC);
    assert_int_equal(run("float:0", "0.5\n", "0.5000001\n"), WA);
    assert_int_equal(run("float:0", "0\n", "-0\n"), AC);
    char msg[256];
    assert_int_equal(run_n(f, "1 2.5", 5, "1 2.6", 5, msg, sizeof(msg)), WA);
    assert_string_equal(msg, "token 2: expected \"2.5\", found \"2.6\"");
}

/* A token of `n` bytes of `c` followed by `tail`. */
static char *long_token(size_t n, char c, const char *tail, size_t *len)
{
    size_t tl = strlen(tail);
    char *s = malloc(n + tl + 1);
    assert_non_null(s);
    memset(s, c, n);
    memcpy(s + n, tail, tl + 1);
    *len = n + tl;
    return s;
}

static void test_long_tokens(void **state)
{
    static const char *const checkers[] = {"exact", "lines", "tokens", "float:1e-6"};
    size_t sizes[] = {OJ_CHECK_NUMBER_MAX - 1,
                      OJ_CHECK_NUMBER_MAX,
                      OJ_CHECK_NUMBER_MAX + 1,
                      65535,
                      65536,
                      65537,
                      3 << 20};
    for (size_t c = 0; c < 4; c++) {
        for (size_t i = 0; i < sizeof(sizes) / sizeof(*sizes); i++) {
            size_t alen, olen;
            char msg[256];
            _cleanup_free_ char *a = long_token(sizes[i], '7', "\n", &alen);
            _cleanup_free_ char *o = long_token(sizes[i], '7', "\n", &olen);
            assert_int_equal(run_n(checkers[c], a, alen, o, olen, msg, sizeof(msg)), AC);
            /* the last byte differs */
            o[sizes[i] - 1] = '8';
            assert_int_equal(run_n(checkers[c], a, alen, o, olen, msg, sizeof(msg)), WA);
            /* one byte longer */
            _cleanup_free_ char *o2 = long_token(sizes[i], '7', "7\n", &olen);
            assert_int_equal(run_n(checkers[c], a, alen, o2, olen, msg, sizeof(msg)), WA);
            assert_true(strlen(msg) < 200); /* the message is cut, whatever the token */
        }
    }
    /* a number of more than OJ_CHECK_NUMBER_MAX digits is compared byte-wise */
    size_t alen, olen;
    char msg[256];
    _cleanup_free_ char *a = long_token(600, '0', "1\n", &alen);
    _cleanup_free_ char *o = long_token(601, '0', "1\n", &olen);
    assert_int_equal(run_n("float:1e-6", a, alen, o, olen, msg, sizeof(msg)), WA);
    /* ... and a shorter one as a number: 0.000...1 is within 1e-6 of 0 */
    assert_int_equal(run("float:1e-6", "0\n", "0.00000000000000000000000000000000000001\n"), AC);
}

/* Larger than the buffers, in a memory limit far below the size: streams. */
static void test_streams_large_output(void **state)
{
    const size_t size = 200u << 20; /* 200 MiB */
    _cleanup_free_ char *block = malloc(1 << 20);
    assert_non_null(block);
    for (size_t i = 0; i < (1 << 20); i++)
        block[i] = (i % 16 == 15) ? '\n' : (i % 4 == 3) ? ' ' : (char)('0' + i % 10);
    int a = memfd_create("answer", MFD_CLOEXEC), o = memfd_create("output", MFD_CLOEXEC);
    assert_true(a >= 0 && o >= 0);
    for (size_t done = 0; done < size; done += 1 << 20) {
        assert_int_equal(write(a, block, 1 << 20), 1 << 20);
        assert_int_equal(write(o, block, 1 << 20), 1 << 20);
    }
    static const char *const checkers[] = {"exact", "lines", "tokens", "float:1e-6"};
    for (size_t c = 0; c < 4; c++) {
        struct oj_checker ck;
        struct oj_err err = {0};
        assert_int_equal(oj_checker_parse(checkers[c], &ck, &err), 0);
        assert_int_equal(lseek(a, 0, SEEK_SET), 0);
        assert_int_equal(lseek(o, 0, SEEK_SET), 0);
        /* the heap may not grow by more than a few buffers while checking */
        struct rusage before, after;
        assert_int_equal(getrusage(RUSAGE_SELF, &before), 0);
        enum oj_check_verdict v;
        char msg[256];
        assert_int_equal(oj_check_fds(&ck, a, o, &v, msg, sizeof(msg), &err), 0);
        assert_int_equal(v, AC);
        assert_int_equal(getrusage(RUSAGE_SELF, &after), 0);
        assert_true(after.ru_maxrss - before.ru_maxrss < 4096); /* KiB */
    }
    close(a);
    close(o);
}

static void test_errors(void **state)
{
    struct oj_checker c = {OJ_CHECKER_TOKENS, 0};
    struct oj_err err = {0};
    enum oj_check_verdict v;
    char msg[64];
    /* a directory: read() fails with EISDIR */
    int dfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int ofd = mem_file("1", 1);
    assert_true(dfd >= 0);
    assert_int_equal(oj_check_fds(&c, dfd, ofd, &v, msg, sizeof(msg), &err), -1);
    assert_string_equal(err.msg, "read the answer: Is a directory");
    /* the lines checker needs to seek back */
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    c.kind = OJ_CHECKER_LINES;
    assert_int_equal(oj_check_fds(&c, ofd, p[0], &v, msg, sizeof(msg), &err), -1);
    assert_string_equal(err.msg, "the output: not seekable: Illegal seek");
    c.kind = OJ_CHECKER_CUSTOM;
    assert_int_equal(oj_check_fds(&c, ofd, ofd, &v, msg, sizeof(msg), &err), -1);
    assert_int_equal(oj_check_files(&(struct oj_checker){OJ_CHECKER_EXACT, 0}, "/nonexistent/a",
                                    "/nonexistent/b", &v, msg, sizeof(msg), &err),
                     -1);
    assert_string_equal(err.msg, "open the answer /nonexistent/a: No such file or directory");
    close(p[0]);
    close(p[1]);
    close(dfd);
    close(ofd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_exact),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_tokens),
        cmocka_unit_test(test_float),
        cmocka_unit_test(test_long_tokens),
        cmocka_unit_test(test_streams_large_output),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
