/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The built-in checkers (checker.h; specs/problem-format.md, "Checkers").
 *
 * Everything streams: each side is read through one 64 KiB buffer, and a
 * token is looked at OJ_CHECK_NUMBER_MAX bytes at a time, so neither a
 * 200 MiB output nor one 200 MiB token is ever held.  That rules out
 * "normalise, then compare" for the lines checker: a run of whitespace can
 * be told trailing (dropped) from inner (kept) only at its end, and could be
 * of any length.  Instead the two files are walked in step and a whitespace
 * run is compared while it is read; when it ends, what follows it on each
 * side says whether it counted.
 */
#include "checker.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

#define BLOCK 65536

struct input {
    const char *what; /* "output" or "answer", for messages */
    int fd;
    off_t start; /* where the comparison began (for the second pass) */
    size_t pos, len;
    int read_errno;     /* a read failed: the input looks ended */
    unsigned char *buf; /* BLOCK bytes */
};

/* The next byte without consuming it, or EOF (also after a read error,
 * recorded in read_errno and reported once the comparison returns). */
static inline int peek(struct input *in)
{
    if (in->pos == in->len) {
        if (in->read_errno)
            return EOF;
        ssize_t n;
        do
            n = read(in->fd, in->buf, BLOCK);
        while (n < 0 && errno == EINTR);
        if (n < 0) {
            in->read_errno = errno;
            n = 0;
        }
        in->pos = 0;
        in->len = (size_t)n;
        if (n == 0)
            return EOF;
    }
    return in->buf[in->pos];
}

static inline void next(struct input *in)
{
    in->pos++;
}

static int rewind_input(struct input *in, struct oj_err *err)
{
    if (lseek(in->fd, in->start, SEEK_SET) < 0)
        return oj_fail(err, errno, "seek back in the %s", in->what);
    in->pos = in->len = 0;
    return 0;
}

/* Whitespace inside a line (the newline is a kind of its own). */
static inline bool is_blank(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static inline bool is_space(int c)
{
    return c == '\n' || is_blank(c);
}

enum kind { K_EOF, K_NL, K_BLANK, K_CHAR };

static inline enum kind kind_of(int c)
{
    if (c == EOF)
        return K_EOF;
    if (c == '\n')
        return K_NL;
    return is_blank(c) ? K_BLANK : K_CHAR;
}

/* Consume a run of blanks; return the kind of what ends it. */
static enum kind skip_blanks(struct input *in)
{
    while (is_blank(peek(in)))
        next(in);
    return kind_of(peek(in));
}

/* Is the rest of the input only blank lines (newlines and blanks)? */
static bool only_blank_lines_left(struct input *in)
{
    int c;
    while ((c = peek(in)) != EOF) {
        if (!is_space(c))
            return false;
        next(in);
    }
    return true;
}

/* ---------------------------------------------------------------- exact */

static enum oj_check_verdict check_exact(struct input *a, struct input *o, char *msg, size_t size)
{
    uint64_t offset = 0;
    for (;;) {
        int ca = peek(a), co = peek(o);
        if (ca == EOF && co == EOF)
            return OJ_CHECK_AC;
        if (ca == EOF) {
            snprintf(msg, size, "the output goes on past the answer's %" PRIu64 " bytes", offset);
            return OJ_CHECK_WA;
        }
        if (co == EOF) {
            snprintf(msg, size, "the output ends at byte %" PRIu64 ", the answer goes on", offset);
            return OJ_CHECK_WA;
        }
        /* the common case, equal blocks, a memcmp at a time */
        size_t n = a->len - a->pos < o->len - o->pos ? a->len - a->pos : o->len - o->pos;
        if (memcmp(a->buf + a->pos, o->buf + o->pos, n) == 0) {
            a->pos += n;
            o->pos += n;
            offset += n;
            continue;
        }
        while (a->buf[a->pos] == o->buf[o->pos]) {
            a->pos++;
            o->pos++;
            offset++;
        }
        snprintf(msg, size, "byte %" PRIu64 " differs", offset);
        return OJ_CHECK_WA;
    }
}

/* ---------------------------------------------------------------- lines */

/*
 * AC: equal up to trailing blanks of lines and trailing blank lines.  A blank
 * run is "trailing" when a newline or the end of the file follows it; only
 * then may the two sides differ in it.  *line is the 1-based line of the
 * first difference.
 */
static bool equal_lines(struct input *a, struct input *b, uint64_t *line)
{
    *line = 1;
    for (;;) {
        int ca = peek(a), cb = peek(b);
        enum kind ka = kind_of(ca), kb = kind_of(cb);

        if (ka == K_BLANK && kb == K_BLANK) {
            bool same = true;
            while (is_blank(peek(a)) && is_blank(peek(b))) {
                if (peek(a) != peek(b))
                    same = false;
                next(a);
                next(b);
            }
            if (is_blank(peek(a)) || is_blank(peek(b)))
                same = false; /* runs of different lengths */
            bool trailing_a = skip_blanks(a) != K_CHAR;
            bool trailing_b = skip_blanks(b) != K_CHAR;
            if (trailing_a != trailing_b)
                return false; /* one line goes on after its blanks, the other ends */
            if (!trailing_a && !same)
                return false; /* inner whitespace must match exactly */
            continue;
        }
        /* a blank run on one side only: fine if it trails its line */
        if (ka == K_BLANK) {
            if (skip_blanks(a) == K_CHAR)
                return false;
            continue;
        }
        if (kb == K_BLANK) {
            if (skip_blanks(b) == K_CHAR)
                return false;
            continue;
        }
        if (ka == K_CHAR && kb == K_CHAR) {
            if (ca != cb)
                return false;
            next(a);
            next(b);
            continue;
        }
        if (ka == K_NL && kb == K_NL) {
            next(a);
            next(b);
            (*line)++;
            continue;
        }
        if (ka == K_EOF && kb == K_EOF)
            return true;
        /* one file ended: the other may only have blank lines left */
        if (ka == K_EOF && kb == K_NL)
            return only_blank_lines_left(b);
        if (kb == K_EOF && ka == K_NL)
            return only_blank_lines_left(a);
        return false; /* a character against a line end or the end of file */
    }
}

/* ---------------------------------------------------------------- tokens */

struct token {
    char text[OJ_CHECK_NUMBER_MAX + 1]; /* NUL-terminated chunk */
    size_t len;
    bool more; /* the token goes on past this chunk */
};

/* Skip whitespace; false at the end of the input. */
static bool skip_space(struct input *in)
{
    while (is_space(peek(in)))
        next(in);
    return peek(in) != EOF;
}

/* The next chunk of the current token (at most OJ_CHECK_NUMBER_MAX bytes). */
static void token_chunk(struct input *in, struct token *t)
{
    int c;
    t->len = 0;
    while (t->len < OJ_CHECK_NUMBER_MAX && (c = peek(in)) != EOF && !is_space(c)) {
        t->text[t->len++] = (char)c;
        next(in);
    }
    t->text[t->len] = '\0';
    c = peek(in);
    t->more = c != EOF && !is_space(c);
}

/* A token for a message: at most 40 bytes, printable, "..." when cut. */
static void excerpt(const struct token *t, char *buf, size_t size)
{
    size_t n = 0;
    for (size_t i = 0; i < t->len && i < 40 && n + 5 < size; i++) {
        unsigned char c = (unsigned char)t->text[i];
        buf[n++] = c >= 0x20 && c < 0x7f && c != '"' ? (char)c : '?';
    }
    if ((t->len > 40 || t->more) && n + 4 < size) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
}

/* A decimal number as a contestant writes it: [+-]digits[.digits][e[+-]digits]
 * (digits on at least one side of the point), or nan, inf, infinity in any
 * case.  Hexadecimal floats, which strtod() would take, are not numbers here. */
static bool is_number(const char *s)
{
    if (*s == '+' || *s == '-')
        s++;
    if (strcasecmp(s, "nan") == 0 || strcasecmp(s, "inf") == 0 || strcasecmp(s, "infinity") == 0)
        return true;
    size_t digits = 0;
    while (isdigit((unsigned char)*s))
        s++, digits++;
    if (*s == '.') {
        s++;
        while (isdigit((unsigned char)*s))
            s++, digits++;
    }
    if (digits == 0)
        return false;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (!isdigit((unsigned char)*s))
            return false;
        while (isdigit((unsigned char)*s))
            s++;
    }
    return *s == '\0';
}

/* A number that a double holds: 1e400 overflows to an infinity, which would
 * make it equal to 1e401, so a number out of range is compared as a token. */
static bool read_number(const char *s, double *out)
{
    if (!is_number(s))
        return false;
    *out = strtod(s, NULL);
    if (isinf(*out))
        return strpbrk(s, "iI") != NULL; /* "inf" or "infinity" as written */
    return true;
}

/* Within absolute or relative error eps of the answer?  NaN matches only
 * NaN, an infinity only the same infinity; -0 equals 0.  The slack of a
 * millionth of eps absorbs the rounding of decimal to binary (0.1 + 1e-6
 * read back is a hair more than 1e-6 away from 0.1). */
static bool close_enough(double out, double ans, double eps)
{
    if (isnan(out) || isnan(ans))
        return isnan(out) && isnan(ans);
    if (isinf(out) || isinf(ans))
        return out == ans;
    double diff = fabs(out - ans);
    double bound = eps * (fabs(ans) > 1 ? fabs(ans) : 1);
    return diff <= bound + bound * 1e-6;
}

/* The two current tokens, allocated with the buffers by oj_check_fds(). */
struct tokens {
    struct token a, o;
};

static enum oj_check_verdict check_tokens(struct input *a, struct input *o, struct tokens *tk,
                                          bool numbers, double eps, char *msg, size_t size)
{
    struct token *ta = &tk->a, *to = &tk->o;
    uint64_t n = 0;
    for (;;) {
        bool have_a = skip_space(a), have_o = skip_space(o);
        if (!have_a && !have_o)
            return OJ_CHECK_AC;
        n++;
        if (!have_a) {
            token_chunk(o, to);
            char eo[64];
            excerpt(to, eo, sizeof(eo));
            snprintf(msg, size, "token %" PRIu64 ": the answer has ended, found \"%s\"", n, eo);
            return OJ_CHECK_WA;
        }
        if (!have_o) {
            token_chunk(a, ta);
            char ea[64];
            excerpt(ta, ea, sizeof(ea));
            snprintf(msg, size, "token %" PRIu64 ": expected \"%s\", the output has ended", n, ea);
            return OJ_CHECK_WA;
        }
        token_chunk(a, ta);
        token_chunk(o, to);
        bool equal;
        double na, no;
        if (numbers && !ta->more && !to->more && strcmp(ta->text, to->text) != 0 &&
            read_number(ta->text, &na) && read_number(to->text, &no)) {
            equal = close_enough(no, na, eps);
        } else {
            /* byte-wise, a chunk at a time: a long token streams */
            equal = ta->len == to->len && memcmp(ta->text, to->text, ta->len) == 0;
            while (equal && ta->more && to->more) {
                token_chunk(a, ta);
                token_chunk(o, to);
                equal = ta->len == to->len && memcmp(ta->text, to->text, ta->len) == 0;
            }
            equal = equal && ta->more == to->more;
        }
        if (!equal) {
            char ea[64], eo[64];
            excerpt(ta, ea, sizeof(ea));
            excerpt(to, eo, sizeof(eo));
            snprintf(msg, size, "token %" PRIu64 ": expected \"%s\", found \"%s\"", n, ea, eo);
            return OJ_CHECK_WA;
        }
        /* the rest of a long equal token was consumed in the loop */
    }
}

/* ---------------------------------------------------------------- API */

int oj_checker_parse(const char *spec, struct oj_checker *out, struct oj_err *err)
{
    *out = (struct oj_checker){.kind = OJ_CHECKER_LINES};
    if (strcmp(spec, "exact") == 0)
        out->kind = OJ_CHECKER_EXACT;
    else if (strcmp(spec, "lines") == 0)
        out->kind = OJ_CHECKER_LINES;
    else if (strcmp(spec, "tokens") == 0)
        out->kind = OJ_CHECKER_TOKENS;
    else if (strcmp(spec, "custom") == 0)
        out->kind = OJ_CHECKER_CUSTOM;
    else if (strncmp(spec, "float:", 6) == 0) {
        const char *eps = spec + 6;
        /* a plain decimal number: no nan, inf, hex or trailing text */
        if (!is_number(eps) || !isdigit((unsigned char)eps[strspn(eps, "+-")]))
            return oj_fail(err, 0, "\"%s\": EPS is not a decimal number (float:1e-6)", spec);
        double v = strtod(eps, NULL);
        if (!(v >= 0 && v < 1))
            return oj_fail(err, 0, "\"%s\": EPS must be in [0, 1)", spec);
        out->kind = OJ_CHECKER_FLOAT;
        out->eps = v;
    } else
        return oj_fail(err, 0, "\"%s\": unknown checker (exact, lines, tokens, float:EPS, custom)",
                       spec);
    return 0;
}

void oj_checker_format(const struct oj_checker *c, char *buf, size_t size)
{
    switch (c->kind) {
    case OJ_CHECKER_EXACT:
        snprintf(buf, size, "exact");
        break;
    case OJ_CHECKER_LINES:
        snprintf(buf, size, "lines");
        break;
    case OJ_CHECKER_TOKENS:
        snprintf(buf, size, "tokens");
        break;
    case OJ_CHECKER_FLOAT:
        /* the shortest of %g and %.17g that reads back as the same double:
         * the judge passes this text to `ojrun-judge-tool check` */
        snprintf(buf, size, "float:%g", c->eps);
        if (strtod(buf + 6, NULL) != c->eps)
            snprintf(buf, size, "float:%.17g", c->eps);
        break;
    case OJ_CHECKER_CUSTOM:
        snprintf(buf, size, "custom");
        break;
    }
}

const char *oj_check_verdict_name(enum oj_check_verdict v)
{
    switch (v) {
    case OJ_CHECK_AC:
        return "AC";
    case OJ_CHECK_PE:
        return "PE";
    case OJ_CHECK_WA:
        return "WA";
    }
    return "WA";
}

static int read_failed(const struct input *in, struct oj_err *err)
{
    return oj_fail(err, in->read_errno, "read the %s", in->what);
}

int oj_check_fds(const struct oj_checker *c, int answer_fd, int output_fd,
                 enum oj_check_verdict *verdict, char *msg, size_t msg_size, struct oj_err *err)
{
    if (msg_size)
        msg[0] = '\0';
    if (c->kind == OJ_CHECKER_CUSTOM)
        return oj_fail(err, 0, "a custom checker is a program: the judge runs it");
    _cleanup_free_ unsigned char *abuf = malloc(BLOCK);
    _cleanup_free_ unsigned char *obuf = malloc(BLOCK);
    _cleanup_free_ struct tokens *tk = malloc(sizeof(*tk));
    if (!abuf || !obuf || !tk)
        return oj_fail(err, ENOMEM, "checker buffers");
    struct input a = {.what = "answer", .fd = answer_fd, .buf = abuf};
    struct input o = {.what = "output", .fd = output_fd, .buf = obuf};
    enum oj_check_verdict v = OJ_CHECK_WA;
    uint64_t line;

    switch (c->kind) {
    case OJ_CHECKER_EXACT:
        v = check_exact(&a, &o, msg, msg_size);
        break;
    case OJ_CHECKER_TOKENS:
    case OJ_CHECKER_FLOAT:
        v = check_tokens(&a, &o, tk, c->kind == OJ_CHECKER_FLOAT, c->eps, msg, msg_size);
        break;
    case OJ_CHECKER_LINES:
        if ((a.start = lseek(answer_fd, 0, SEEK_CUR)) < 0)
            return oj_fail(err, errno, "the answer: not seekable");
        if ((o.start = lseek(output_fd, 0, SEEK_CUR)) < 0)
            return oj_fail(err, errno, "the output: not seekable");
        if (equal_lines(&a, &o, &line)) {
            v = OJ_CHECK_AC;
            break;
        }
        if (a.read_errno || o.read_errno)
            break;
        if (rewind_input(&a, err) < 0 || rewind_input(&o, err) < 0)
            return -1;
        {
            char tmsg[256];
            v = check_tokens(&a, &o, tk, false, 0, tmsg, sizeof(tmsg));
        }
        if (v == OJ_CHECK_AC) {
            v = OJ_CHECK_PE;
            snprintf(msg, msg_size, "line %" PRIu64 ": the whitespace differs", line);
        } else
            snprintf(msg, msg_size, "line %" PRIu64 " differs", line);
        break;
    case OJ_CHECKER_CUSTOM:
        break;
    }
    if (a.read_errno)
        return read_failed(&a, err);
    if (o.read_errno)
        return read_failed(&o, err);
    *verdict = v;
    return 0;
}

int oj_check_files(const struct oj_checker *c, const char *answer, const char *output,
                   enum oj_check_verdict *verdict, char *msg, size_t msg_size, struct oj_err *err)
{
    _cleanup_close_ int afd = open(answer, O_RDONLY | O_CLOEXEC);
    if (afd < 0)
        return oj_fail(err, errno, "open the answer %s", answer);
    _cleanup_close_ int ofd = open(output, O_RDONLY | O_CLOEXEC);
    if (ofd < 0)
        return oj_fail(err, errno, "open the output %s", output);
    if (oj_check_fds(c, afd, ofd, verdict, msg, msg_size, err) < 0)
        return oj_wrap(err, "compare %s with %s", output, answer);
    return 0;
}
