/* SPDX-License-Identifier: Apache-2.0 */
/* Byte sizes and durations on the command line (see units.h). */
#include "units.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* A usage error: the message says it all, so no ": strerror" suffix, but
 * the code still tells callers what kind of error it was. */
static int bad(struct oj_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(struct oj_err *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    oj_vfail(err, 0, fmt, ap);
    va_end(ap);
    if (err)
        err->code = code;
    return -1;
}

/* "<digits>[.<digits>]" at *p: the integer part, and the fraction as
 * digits/10^n (at most 18 digits kept, the rest are below one unit of any
 * multiplier used here).  Returns false when no digit is there. */
struct decimal {
    uint64_t whole;
    uint64_t frac;
    uint64_t frac_scale; /* 10^number of fraction digits kept */
};

static bool read_decimal(const char **p, struct decimal *d, bool *overflow)
{
    const char *s = *p;
    bool any = false;
    *d = (struct decimal){0, 0, 1};
    *overflow = false;
    while (isdigit((unsigned char)*s)) {
        unsigned digit = (unsigned)(*s - '0');
        if (d->whole > (UINT64_MAX - digit) / 10)
            *overflow = true;
        else
            d->whole = d->whole * 10 + digit;
        s++;
        any = true;
    }
    if (*s == '.') {
        s++;
        while (isdigit((unsigned char)*s)) {
            if (d->frac_scale < 1000000000000000000ull) {
                d->frac = d->frac * 10 + (uint64_t)(*s - '0');
                d->frac_scale *= 10;
            }
            s++;
            any = true;
        }
    }
    *p = s;
    return any;
}

/* d * mult, false on overflow past `max` */
static bool scale(const struct decimal *d, uint64_t mult, uint64_t max, uint64_t *out)
{
    unsigned __int128 v =
        (unsigned __int128)d->whole * mult + (unsigned __int128)d->frac * mult / d->frac_scale;
    if (v > max)
        return false;
    *out = (uint64_t)v;
    return true;
}

int oj_parse_bytes(const char *what, const char *s, int64_t *out, struct oj_err *err)
{
    if (strcmp(s, "-1") == 0) {
        *out = -1;
        return 0;
    }
    const char *p = s;
    struct decimal d;
    bool overflow;
    if (!read_decimal(&p, &d, &overflow))
        return bad(err, EINVAL, "%s \"%s\": expected a size like 1024, 64m or 1.5g", what, s);
    uint64_t mult = 1;
    if (*p) {
        static const char units[] = "bkmgtp";
        const char *u = strchr(units, tolower((unsigned char)*p));
        if (!u)
            return bad(err, EINVAL, "%s \"%s\": unknown unit \"%s\" (b, k, m, g, t or p)", what, s,
                       p);
        for (long i = 0; i < u - units; i++)
            mult *= 1024;
        p++;
        /* "MB", "MiB": the suffix adds nothing (docker treats them alike) */
        if (u != units && (strcasecmp(p, "b") == 0 || strcasecmp(p, "ib") == 0))
            p += strlen(p);
        if (*p)
            return bad(err, EINVAL, "%s \"%s\": unknown unit", what, s);
    } else if (d.frac_scale != 1) {
        return bad(err, EINVAL, "%s \"%s\": a fraction of a byte", what, s);
    }
    uint64_t v;
    if (overflow || !scale(&d, mult, INT64_MAX, &v))
        return bad(err, ERANGE, "%s \"%s\": too large", what, s);
    *out = (int64_t)v;
    return 0;
}

#define NO_UNIT ((size_t)-1)

int oj_parse_duration(const char *what, const char *s, uint64_t *ns, struct oj_err *err)
{
    static const struct {
        const char *name;
        uint64_t ns;
    } units[] = {
        /* longest first, so that "ms" is not read as "m" + "s" */
        {"ns", 1},
        {"us", 1000},
        {"\xc2\xb5s", 1000}, /* U+00B5 MICRO SIGN, as Go accepts */
        {"\xce\xbcs", 1000}, /* U+03BC GREEK SMALL LETTER MU */
        {"ms", 1000000},
        {"s", 1000000000ull},
        {"m", 60ull * 1000000000ull},
        {"h", 3600ull * 1000000000ull},
    };
    if (strcmp(s, "0") == 0) {
        *ns = 0;
        return 0;
    }
    if (*s == '-' || *s == '\0')
        return bad(err, EINVAL, "%s \"%s\": expected a duration like 5s, 100ms or 1m30s", what, s);
    const char *p = *s == '+' ? s + 1 : s;
    uint64_t total = 0;
    while (*p) {
        struct decimal d;
        bool overflow;
        if (!read_decimal(&p, &d, &overflow))
            return bad(err, EINVAL, "%s \"%s\": expected a duration like 5s, 100ms or 1m30s", what,
                       s);
        size_t best = NO_UNIT;
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
            size_t n = strlen(units[i].name);
            if (strncmp(p, units[i].name, n) == 0 &&
                (best == NO_UNIT || n > strlen(units[best].name)))
                best = i;
        }
        if (best == NO_UNIT)
            return bad(err, EINVAL, "%s \"%s\": missing or unknown unit (ns, us, ms, s, m, h)",
                       what, s);
        p += strlen(units[best].name);
        uint64_t v;
        if (overflow || !scale(&d, units[best].ns, INT64_MAX, &v) || total > INT64_MAX - v)
            return bad(err, ERANGE, "%s \"%s\": too long", what, s);
        total += v;
    }
    *ns = total;
    return 0;
}
