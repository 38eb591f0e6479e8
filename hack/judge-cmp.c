/*
 * judge-cmp: the reference judge's output checker (hack/judge).
 *
 *     judge-cmp EXPECTED OUTPUT      prints AC, PE or WA and exits 0;
 *                                    exits 2 with a message when a file cannot be read
 *
 * AC  the files are equal once each line loses its trailing whitespace and the
 *     file loses its trailing blank lines (so "3 \r\n\n" equals "3");
 * PE  not AC, but the whitespace-separated tokens are the same ("3 4" vs "3\n4");
 * WA  otherwise ("12" vs "1 2" is WA: the tokens differ).
 *
 * Whitespace is space, \t, \r, \v and \f inside a line; \n ends a line.
 *
 * Both comparisons stream: two 64 KiB buffers whatever the sizes, so a
 * 200 MiB output (or one 200 MiB line) is never held in memory.  That rules
 * out "normalise, then compare": a run of whitespace can be told trailing
 * (dropped) from inner (kept) only at its end, and could be of any length.
 * Instead the two files are walked in step and a whitespace run is compared
 * while it is read; when it ends, what follows it on each side says whether
 * it counted.  Standalone (no ojrun code): hack/judge builds it on first use.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct input {
    const char *path;
    int fd;
    size_t pos, len;
    unsigned char buf[65536];
};

static _Noreturn void die(const char *what, const char *path)
{
    fprintf(stderr, "judge-cmp: %s %s: %s\n", what, path, strerror(errno));
    exit(2);
}

/* The next byte without consuming it, or EOF. */
static inline int peek(struct input *in)
{
    if (in->pos == in->len) {
        ssize_t n;
        do
            n = read(in->fd, in->buf, sizeof(in->buf));
        while (n < 0 && errno == EINTR);
        if (n < 0)
            die("read", in->path);
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

static void rewind_input(struct input *in)
{
    if (lseek(in->fd, 0, SEEK_SET) < 0)
        die("seek", in->path);
    in->pos = in->len = 0;
}

/* Whitespace inside a line (the newline is a kind of its own). */
static inline bool is_blank(int c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
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

/* Is the rest of the file only blank lines (newlines and blanks)? */
static bool only_blank_lines_left(struct input *in)
{
    int c;
    while ((c = peek(in)) != EOF) {
        if (c != '\n' && !is_blank(c))
            return false;
        next(in);
    }
    return true;
}

/*
 * AC: equal up to trailing blanks of lines and trailing blank lines.  A blank
 * run is "trailing" when a newline or the end of the file follows it; only
 * then may the two sides differ in it.
 */
static bool equal_lines(struct input *a, struct input *b)
{
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

static inline bool is_space(int c)
{
    return c == '\n' || is_blank(c);
}

/* PE: the same sequence of whitespace-separated tokens. */
static bool equal_tokens(struct input *a, struct input *b)
{
    for (;;) {
        while (is_space(peek(a)))
            next(a);
        while (is_space(peek(b)))
            next(b);
        if (peek(a) == EOF || peek(b) == EOF)
            return peek(a) == peek(b);
        /* one token from each side, in step */
        for (;;) {
            int ca = peek(a), cb = peek(b);
            bool end_a = ca == EOF || is_space(ca), end_b = cb == EOF || is_space(cb);
            if (end_a || end_b) {
                if (end_a != end_b)
                    return false;
                break;
            }
            if (ca != cb)
                return false;
            next(a);
            next(b);
        }
    }
}

static void open_input(struct input *in, const char *path)
{
    in->path = path;
    in->pos = in->len = 0;
    in->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (in->fd < 0)
        die("open", path);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: judge-cmp EXPECTED OUTPUT\n"
                        "prints AC, PE or WA (see the comment at the top of hack/judge-cmp.c)\n");
        return 2;
    }
    static struct input expected, output;
    open_input(&expected, argv[1]);
    open_input(&output, argv[2]);
    const char *verdict = "AC";
    if (!equal_lines(&expected, &output)) {
        rewind_input(&expected);
        rewind_input(&output);
        verdict = equal_tokens(&expected, &output) ? "PE" : "WA";
    }
    if (printf("%s\n", verdict) < 0 || fflush(stdout) != 0)
        return 2;
    return 0;
}
