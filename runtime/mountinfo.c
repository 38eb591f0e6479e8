/* SPDX-License-Identifier: Apache-2.0 */
#include "mountinfo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "pathres.h"
#include "util.h"

#define MOUNTINFO_MAX (64u * 1024 * 1024)

/* Undo the kernel's octal escapes (\040 space, \011 tab, \012 newline,
 * \134 backslash) in place. */
static void unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r;) {
        if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
            r[3] >= '0' && r[3] <= '7') {
            *w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
            r += 4;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
}

/* Split off the next space-separated field of *s. */
static char *field(char **s)
{
    char *p = *s;
    if (!p || !*p)
        return NULL;
    char *sp = strchr(p, ' ');
    if (sp) {
        *sp = '\0';
        *s = sp + 1;
    } else {
        *s = p + strlen(p);
    }
    return p;
}

static int parse_line(char *line, struct oj_mountinfo_entry *e)
{
    char *s = line;
    char *id = field(&s), *parent = field(&s), *dev = field(&s);
    e->root = field(&s);
    e->mountpoint = field(&s);
    e->options = field(&s);
    if (!id || !parent || !dev || !e->options)
        return -1;
    /* (7): zero or more optional fields, terminated by a lone "-" */
    e->optional = s;
    char *sep = strstr(s, " - ");
    if (strncmp(s, "- ", 2) == 0) {
        e->optional = "";
        s += 2;
    } else if (sep) {
        *sep = '\0';
        s = sep + 3;
    } else {
        return -1;
    }
    e->fstype = field(&s);
    e->source = field(&s);
    e->super_options = s;
    if (!e->fstype || !e->source)
        return -1;
    if (sscanf(id, "%d", &e->id) != 1 || sscanf(parent, "%d", &e->parent_id) != 1 ||
        sscanf(dev, "%u:%u", &e->major, &e->minor) != 2)
        return -1;
    unescape(e->root);
    unescape(e->mountpoint);
    unescape(e->source);
    return 0;
}

int oj_mountinfo_parse(const char *text, struct oj_mountinfo *out, struct oj_err *err)
{
    *out = (struct oj_mountinfo){0};
    out->buf = strdup(text);
    if (!out->buf)
        return oj_fail(err, ENOMEM, "parse mountinfo");
    size_t lines = 1;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    out->v = calloc(lines, sizeof(*out->v));
    if (!out->v) {
        oj_mountinfo_free(out);
        return oj_fail(err, ENOMEM, "parse mountinfo");
    }
    char *save = NULL;
    for (char *line = strtok_r(out->buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (parse_line(line, &out->v[out->n]) < 0) {
            int n = (int)out->n + 1;
            oj_mountinfo_free(out);
            return oj_fail(err, 0, "parse mountinfo: line %d is malformed", n);
        }
        out->n++;
    }
    return 0;
}

int oj_mountinfo_read(const char *path, struct oj_mountinfo *out, struct oj_err *err)
{
    if (!path)
        path = "/proc/self/mountinfo";
    _cleanup_free_ char *text = NULL;
    if (oj_read_file(path, MOUNTINFO_MAX, &text, NULL, err) < 0)
        return -1;
    if (oj_mountinfo_parse(text, out, err) < 0)
        return oj_wrap(err, "%s", path);
    return 0;
}

void oj_mountinfo_free(struct oj_mountinfo *mi)
{
    free(mi->v);
    free(mi->buf);
    *mi = (struct oj_mountinfo){0};
}

const struct oj_mountinfo_entry *oj_mountinfo_containing(const struct oj_mountinfo *mi,
                                                         const char *path)
{
    const struct oj_mountinfo_entry *best = NULL;
    size_t best_len = 0;
    for (size_t i = 0; i < mi->n; i++) {
        const struct oj_mountinfo_entry *e = &mi->v[i];
        size_t l = strlen(e->mountpoint);
        if (oj_path_has_prefix(path, e->mountpoint) && (!best || l >= best_len)) {
            best = e;
            best_len = l;
        }
    }
    return best;
}

bool oj_mount_option_has(const char *options, const char *opt)
{
    size_t n = strlen(opt);
    for (const char *p = options; p && *p;) {
        const char *e = strchrnul(p, ',');
        if ((size_t)(e - p) == n && strncmp(p, opt, n) == 0)
            return true;
        p = *e ? e + 1 : e;
    }
    return false;
}
