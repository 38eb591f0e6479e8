/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loading a problem directory (problem.h; specs/problem-format.md).
 *
 * The JSON goes through json.c (the pre-scan of json_scan.c, then yajl's
 * tree); every error names the field by its JSON path, the way config.json's
 * errors do ("problem.json: groups[1].depends[0]: ...").  Everything is
 * checked before anything is judged: a problem a judge cannot judge whole is
 * refused whole.
 */
#include "problem.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "json.h"
#include "util.h"

const char *const oj_problem_languages[] = {"c", "cpp", "go", "java", "javascript", "python", NULL};

/* problem.json's largest accepted size: a problem description, not data. */
#define PROBLEM_JSON_MAX (1 << 20)
/* Upper bounds that keep every derived figure in range (memory_mb << 20,
 * output_kb << 10, a time factor of 100 on a day). */
#define MAX_MS        86400000
#define MAX_MEMORY_MB (1 << 20)
#define MAX_OUTPUT_KB (1 << 30)
#define MAX_FACTOR    100
#define MAX_GROUPS    1000
#define MAX_POINTS    1000000
#define MAX_NAME      64

/* "WHAT: PATH: message" */
static int pfail(struct oj_err *err, const char *what, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int pfail(struct oj_err *err, const char *what, const char *path, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (path && *path)
        return oj_fail(err, 0, "%s: %s: %s", what, path, msg);
    return oj_fail(err, 0, "%s: %s", what, msg);
}

/* A name that goes into tables, TSV files and messages as it is. */
static bool printable_name(const char *s)
{
    if (!*s || strlen(s) > MAX_NAME)
        return false;
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        if (*c < 0x20 || *c >= 0x7f || *c == '"' || *c == '\\')
            return false;
    return true;
}

static int get_limit(const oj_json *v, const char *what, const char *key, int64_t max, int64_t *out,
                     struct oj_err *err)
{
    int64_t n;
    if (!oj_json_i64(v, &n) || n < 1 || n > max)
        return pfail(err, what, key, "expected an integer in 1..%lld", (long long)max);
    *out = n;
    return 0;
}

static int parse_time_factor(struct oj_problem *p, const oj_json *v, const char *what,
                             struct oj_err *err)
{
    if (!oj_json_is_object(v))
        return pfail(err, what, "time_factor", "expected an object {\"LANG\": FACTOR}");
    size_t n = oj_json_len(v);
    p->time_factors = calloc(n ? n : 1, sizeof(*p->time_factors));
    if (!p->time_factors)
        return oj_fail(err, ENOMEM, "%s: time_factor", what);
    for (size_t i = 0; i < n; i++) {
        const char *key = oj_json_key_at(v, i);
        char path[128];
        snprintf(path, sizeof(path), "time_factor.%.64s", key);
        const char *lang = NULL;
        for (size_t l = 0; oj_problem_languages[l]; l++)
            if (strcmp(key, oj_problem_languages[l]) == 0)
                lang = oj_problem_languages[l];
        if (!lang)
            return pfail(err, what, path,
                         "unknown language (c, cpp, go, java, javascript, python)");
        for (size_t j = 0; j < p->n_time_factors; j++)
            if (p->time_factors[j].lang == lang)
                return pfail(err, what, path, "given twice");
        double f;
        if (!oj_json_double(oj_json_val_at(v, i), &f) || !(f > 0 && f <= MAX_FACTOR))
            return pfail(err, what, path, "expected a number in (0, %d]", MAX_FACTOR);
        p->time_factors[p->n_time_factors++] = (struct oj_time_factor){lang, f};
    }
    return 0;
}

static int parse_name_list(const oj_json *v, const char *what, const char *path, const char *kind,
                           char ***names_out, size_t *n_out, struct oj_err *err)
{
    if (!oj_json_is_array(v) || oj_json_len(v) == 0)
        return pfail(err, what, path, "expected a non-empty array of %s names", kind);
    size_t n = oj_json_len(v);
    char **names = calloc(n, sizeof(*names));
    if (!names)
        return oj_fail(err, ENOMEM, "%s: %s", what, path);
    for (size_t i = 0; i < n; i++) {
        if (!oj_json_str(oj_json_at(v, i), (const char **)&names[i])) {
            free(names);
            return pfail(err, what, path, "[%zu]: expected a %s name (a string)", i, kind);
        }
    }
    *names_out = names; /* borrowed from the tree */
    *n_out = n;
    return 0;
}

static int parse_group(struct oj_problem *p, size_t gi, const oj_json *v, const char *what,
                       struct oj_err *err)
{
    struct oj_problem_group *g = &p->groups[gi];
    char path[64];
    snprintf(path, sizeof(path), "groups[%zu]", gi);
    if (!oj_json_is_object(v))
        return pfail(err, what, path, "expected an object {\"name\", \"points\", \"tests\"}");
    for (size_t i = 0; i < oj_json_len(v); i++) {
        const char *key = oj_json_key_at(v, i);
        if (strcmp(key, "name") && strcmp(key, "points") && strcmp(key, "tests") &&
            strcmp(key, "depends"))
            return pfail(err, what, path, "unknown key \"%.64s\" (name, points, tests, depends)",
                         key);
    }
    const char *name;
    char sub[96];
    snprintf(sub, sizeof(sub), "%s.name", path);
    if (!oj_json_str(oj_json_get(v, "name"), &name))
        return pfail(err, what, sub, "required, a string");
    if (!printable_name(name))
        return pfail(err, what, sub, "expected 1 to %d printable ASCII characters, no quotes",
                     MAX_NAME);
    for (size_t j = 0; j < gi; j++)
        if (strcmp(p->groups[j].name, name) == 0)
            return pfail(err, what, sub, "\"%s\" names groups[%zu] already", name, j);
    if (!(g->name = strdup(name)))
        return oj_fail(err, ENOMEM, "%s: %s", what, sub);

    snprintf(sub, sizeof(sub), "%s.points", path);
    if (!oj_json_i64(oj_json_get(v, "points"), &g->points) || g->points < 0 ||
        g->points > MAX_POINTS)
        return pfail(err, what, sub, "required, an integer in 0..%d", MAX_POINTS);

    char **names = NULL;
    size_t n = 0;
    snprintf(sub, sizeof(sub), "%s.tests", path);
    if (parse_name_list(oj_json_get(v, "tests"), what, sub, "test", &names, &n, err) < 0)
        return -1;
    g->tests = calloc(n, sizeof(*g->tests));
    if (!g->tests) {
        free(names);
        return oj_fail(err, ENOMEM, "%s: %s", what, sub);
    }
    for (size_t i = 0; i < n; i++) {
        ssize_t t = oj_problem_test_index(p, names[i]);
        if (t < 0) {
            char bad[MAX_NAME + 1];
            snprintf(bad, sizeof(bad), "%s", names[i]);
            free(names);
            return pfail(err, what, sub, "[%zu]: no test \"%s\" (no tests/%s.in)", i,
                         printable_name(bad) ? bad : "?", printable_name(bad) ? bad : "?");
        }
        for (size_t j = 0; j < g->n_tests; j++)
            if (g->tests[j] == (size_t)t) {
                free(names);
                return pfail(err, what, sub, "[%zu]: test \"%s\" is listed twice", i, p->tests[t]);
            }
        g->tests[g->n_tests++] = (size_t)t;
    }
    free(names);

    const oj_json *dv = oj_json_get(v, "depends");
    if (!dv || oj_json_is_null(dv))
        return 0;
    snprintf(sub, sizeof(sub), "%s.depends", path);
    if (oj_json_is_array(dv) && oj_json_len(dv) == 0)
        return 0;
    if (parse_name_list(dv, what, sub, "group", &names, &n, err) < 0)
        return -1;
    g->depends = calloc(n, sizeof(*g->depends));
    if (!g->depends) {
        free(names);
        return oj_fail(err, ENOMEM, "%s: %s", what, sub);
    }
    for (size_t i = 0; i < n; i++) {
        /* only earlier groups: judging goes in order, and no cycle can form */
        size_t j;
        for (j = 0; j < gi; j++)
            if (strcmp(p->groups[j].name, names[i]) == 0)
                break;
        if (j == gi) {
            bool self = strcmp(names[i], g->name) == 0;
            free(names);
            return pfail(err, what, sub, "[%zu]: %s", i,
                         self ? "a group cannot depend on itself"
                              : "not the name of an earlier group");
        }
        g->depends[g->n_depends++] = j;
    }
    free(names);
    return 0;
}

static int parse_groups(struct oj_problem *p, const oj_json *v, const char *what,
                        struct oj_err *err)
{
    if (!oj_json_is_array(v) || oj_json_len(v) == 0)
        return pfail(err, what, "groups", "expected a non-empty array of groups");
    size_t n = oj_json_len(v);
    if (n > MAX_GROUPS)
        return pfail(err, what, "groups", "more than %d groups", MAX_GROUPS);
    p->groups = calloc(n, sizeof(*p->groups));
    if (!p->groups)
        return oj_fail(err, ENOMEM, "%s: groups", what);
    for (size_t i = 0; i < n; i++) {
        p->n_groups = i + 1; /* so that a failure frees what was filled */
        if (parse_group(p, i, oj_json_at(v, i), what, err) < 0)
            return -1;
    }
    /* every test is judged for some group: a test in none would be run for
     * nothing, or silently not at all */
    for (size_t t = 0; t < p->n_tests; t++) {
        bool found = false;
        for (size_t i = 0; i < n && !found; i++)
            for (size_t j = 0; j < p->groups[i].n_tests && !found; j++)
                found = p->groups[i].tests[j] == t;
        if (!found)
            return pfail(err, what, "groups", "test \"%s\" is in no group", p->tests[t]);
    }
    return 0;
}

int oj_problem_parse(struct oj_problem *p, const char *data, size_t len, const char *what,
                     bool limits_only, struct oj_err *err)
{
    oj_json *root = oj_json_parse(data, len, what, err);
    if (!root)
        return -1;
    int rc = -1;
    bool have_wall = false;
    if (!oj_json_is_object(root)) {
        pfail(err, what, NULL, "expected an object");
        goto out;
    }
    for (size_t i = 0; i < oj_json_len(root); i++) {
        const char *key = oj_json_key_at(root, i);
        const oj_json *v = oj_json_val_at(root, i);
        /* yajl keeps repeated keys: refuse them rather than pick one */
        for (size_t j = 0; j < i; j++)
            if (strcmp(oj_json_key_at(root, j), key) == 0) {
                pfail(err, what, NULL, "key \"%.64s\" given twice", key);
                goto out;
            }
        if (strcmp(key, "cpu_ms") == 0) {
            if (get_limit(v, what, key, MAX_MS, &p->cpu_ms, err) < 0)
                goto out;
        } else if (strcmp(key, "wall_ms") == 0) {
            if (get_limit(v, what, key, MAX_MS, &p->wall_ms, err) < 0)
                goto out;
            have_wall = true;
        } else if (strcmp(key, "memory_mb") == 0) {
            if (get_limit(v, what, key, MAX_MEMORY_MB, &p->memory_mb, err) < 0)
                goto out;
        } else if (strcmp(key, "output_kb") == 0) {
            if (get_limit(v, what, key, MAX_OUTPUT_KB, &p->output_kb, err) < 0)
                goto out;
        } else if (limits_only) {
            pfail(err, what, NULL, "unknown key \"%.64s\" (cpu_ms, wall_ms, memory_mb, output_kb)",
                  key);
            goto out;
        } else if (strcmp(key, "version") == 0) {
            int64_t ver;
            if (!oj_json_i64(v, &ver) || ver != OJ_PROBLEM_FORMAT_VERSION) {
                pfail(err, what, key, "this judge reads version %d", OJ_PROBLEM_FORMAT_VERSION);
                goto out;
            }
        } else if (strcmp(key, "checker") == 0) {
            const char *s;
            if (!oj_json_str(v, &s)) {
                pfail(err, what, key,
                      "expected a string (exact, lines, tokens, float:EPS, custom)");
                goto out;
            }
            if (oj_checker_parse(s, &p->checker, err) < 0) {
                oj_wrap(err, "%s: checker", what);
                goto out;
            }
        } else if (strcmp(key, "interactive") == 0) {
            if (!oj_json_bool(v, &p->interactive)) {
                pfail(err, what, key, "expected true or false");
                goto out;
            }
        } else if (strcmp(key, "time_factor") == 0) {
            if (parse_time_factor(p, v, what, err) < 0)
                goto out;
        } else if (strcmp(key, "groups") == 0) {
            if (parse_groups(p, v, what, err) < 0)
                goto out;
        } else {
            pfail(err, what, NULL,
                  "unknown key \"%.64s\" (version, cpu_ms, wall_ms, memory_mb, output_kb, "
                  "checker, interactive, time_factor, groups)",
                  key);
            goto out;
        }
    }
    if (p->interactive && oj_json_get(root, "checker")) {
        pfail(err, what, "checker", "an interactive problem is judged by its interactor");
        goto out;
    }
    /* the wall limit defaults to three times the CPU limit: a program
     * waiting for I/O or the scheduler is not the contestant's fault */
    if (!have_wall)
        p->wall_ms = 3 * p->cpu_ms;
    rc = 0;
out:
    oj_json_free(root);
    return rc;
}

ssize_t oj_problem_test_index(const struct oj_problem *p, const char *name)
{
    for (size_t i = 0; i < p->n_tests; i++)
        if (strcmp(p->tests[i], name) == 0)
            return (ssize_t)i;
    return -1;
}

static int cmp_version(const void *a, const void *b)
{
    return strverscmp(*(char *const *)a, *(char *const *)b); /* sort -V */
}

/* tests/NAME.in, each with its NAME.out, in `sort -V` order of NAME. */
static int list_tests(struct oj_problem *p, const char *dir, struct oj_err *err)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/tests", dir);
    _cleanup_closedir_ DIR *d = opendir(path);
    if (!d)
        return oj_fail(err, errno, "open %s", path);
    size_t cap = 0;
    struct dirent *de;
    errno = 0;
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n <= 3 || strcmp(de->d_name + n - 3, ".in") != 0)
            continue;
        if (p->n_tests + 2 > cap) {
            cap = cap ? 2 * cap : 16;
            char **t = realloc(p->tests, cap * sizeof(*t));
            if (!t)
                return oj_fail(err, ENOMEM, "list %s", path);
            p->tests = t;
        }
        if (!(p->tests[p->n_tests] = strndup(de->d_name, n - 3)))
            return oj_fail(err, ENOMEM, "list %s", path);
        p->tests[++p->n_tests] = NULL;
        if (!printable_name(p->tests[p->n_tests - 1]))
            return oj_fail(err, 0, "tests: a test name is 1 to %d printable ASCII characters",
                           MAX_NAME);
    }
    if (errno)
        return oj_fail(err, errno, "read %s", path);
    if (p->n_tests == 0)
        return oj_fail(err, 0, "tests: no NAME.in files");
    qsort(p->tests, p->n_tests, sizeof(*p->tests), cmp_version);
    for (size_t i = 0; i < p->n_tests; i++) {
        char out[PATH_MAX];
        struct stat st;
        snprintf(out, sizeof(out), "%s/tests/%s.out", dir, p->tests[i]);
        if (stat(out, &st) < 0)
            return oj_fail(err, errno == ENOENT ? 0 : errno, "tests/%s.in has no %s.out%s",
                           p->tests[i], p->tests[i], errno == ENOENT ? "" : " (stat)");
        if (!S_ISREG(st.st_mode))
            return oj_fail(err, 0, "tests/%s.out: not a regular file", p->tests[i]);
    }
    return 0;
}

/* "checker" -> "checker.c" or "checker.cpp", exactly one of them. */
static int find_source(const char *dir, const char *base, const char *field, char **out,
                       struct oj_err *err)
{
    static const char *const exts[] = {".c", ".cpp"};
    for (size_t i = 0; i < 2; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/%s%s", dir, base, exts[i]);
        struct stat st;
        if (stat(path, &st) < 0) {
            if (errno != ENOENT)
                return oj_fail(err, errno, "%s: stat %s%s", field, base, exts[i]);
            continue;
        }
        if (!S_ISREG(st.st_mode))
            return oj_fail(err, 0, "%s: %s%s is not a regular file", field, base, exts[i]);
        if (*out)
            return oj_fail(err, 0, "%s: both %s.c and %s.cpp: keep one", field, base, base);
        if (asprintf(out, "%s%s", base, exts[i]) < 0) {
            *out = NULL;
            return oj_fail(err, ENOMEM, "%s", field);
        }
    }
    if (!*out)
        return oj_fail(err, 0, "%s: no %s.c or %s.cpp in the problem directory", field, base, base);
    return 0;
}

static int load(struct oj_problem *p, const char *dir, struct oj_err *err)
{
    if (list_tests(p, dir, err) < 0)
        return -1;
    char path[PATH_MAX];
    bool have_problem = false, have_limits = false;
    struct stat st;
    snprintf(path, sizeof(path), "%s/problem.json", dir);
    have_problem = stat(path, &st) == 0;
    snprintf(path, sizeof(path), "%s/limits.json", dir);
    have_limits = stat(path, &st) == 0;
    if (have_problem && have_limits)
        return oj_fail(err, 0, "both problem.json and limits.json: keep problem.json");
    if (have_problem || have_limits) {
        p->file = have_problem ? "problem.json" : "limits.json";
        snprintf(path, sizeof(path), "%s/%s", dir, p->file);
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        if (oj_read_file(path, PROBLEM_JSON_MAX, &data, &len, err) < 0)
            return oj_wrap(err, "%s", p->file);
        if (oj_problem_parse(p, data, len, p->file, have_limits, err) < 0)
            return -1;
    }
    if (p->checker.kind == OJ_CHECKER_CUSTOM &&
        find_source(dir, "checker", "checker", &p->checker_source, err) < 0)
        return oj_wrap(err, "%s", p->file);
    if (p->interactive &&
        find_source(dir, "interactor", "interactive", &p->interactor_source, err) < 0)
        return oj_wrap(err, "%s", p->file);
    return 0;
}

static void set_defaults(struct oj_problem *p)
{
    *p = (struct oj_problem){.cpu_ms = 1000,
                             .wall_ms = 3000,
                             .memory_mb = 256,
                             .output_kb = 65536,
                             .checker = {.kind = OJ_CHECKER_LINES}};
}

int oj_problem_load(const char *dir, struct oj_problem **out, struct oj_err *err)
{
    struct oj_problem *p = calloc(1, sizeof(*p));
    if (!p)
        return oj_fail(err, ENOMEM, "problem %s", dir);
    set_defaults(p);
    if (load(p, dir, err) < 0) {
        oj_problem_free(p);
        return oj_wrap(err, "problem %s", dir);
    }
    *out = p;
    return 0;
}

void oj_problem_clear(struct oj_problem *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_tests; i++)
        free(p->tests[i]);
    free(p->tests);
    for (size_t i = 0; i < p->n_groups; i++) {
        free(p->groups[i].name);
        free(p->groups[i].tests);
        free(p->groups[i].depends);
    }
    free(p->groups);
    free(p->time_factors);
    free(p->checker_source);
    free(p->interactor_source);
    set_defaults(p);
}

void oj_problem_free(struct oj_problem *p)
{
    oj_problem_clear(p);
    free(p);
}

void oj_problem_limits(const struct oj_problem *p, const char *lang, int64_t *cpu_ms,
                       int64_t *wall_ms)
{
    double f = 1;
    for (size_t i = 0; lang && i < p->n_time_factors; i++)
        if (strcmp(p->time_factors[i].lang, lang) == 0)
            f = p->time_factors[i].factor;
    *cpu_ms = (int64_t)ceil((double)p->cpu_ms * f);
    *wall_ms = (int64_t)ceil((double)p->wall_ms * f);
}

static void jw_double(struct jw *w, double v)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%.17g", v);
    jw_raw(w, buf);
}

void oj_problem_write_json(const struct oj_problem *p, const char *lang, struct jw *w)
{
    char checker[64];
    int64_t cpu, wall;
    oj_problem_limits(p, lang, &cpu, &wall);
    oj_checker_format(&p->checker, checker, sizeof(checker));
    jw_obj_begin(w);
    jw_kint(w, "version", OJ_PROBLEM_FORMAT_VERSION);
    jw_kstr(w, "file", p->file);
    jw_kstr(w, "lang", lang);
    jw_kint(w, "cpu_ms", cpu);
    jw_kint(w, "wall_ms", wall);
    jw_kint(w, "memory_mb", p->memory_mb);
    jw_kint(w, "output_kb", p->output_kb);
    jw_kstr(w, "checker", p->interactive ? NULL : checker);
    jw_kstr(w, "checker_source", p->checker_source);
    jw_kbool(w, "interactive", p->interactive);
    jw_kstr(w, "interactor_source", p->interactor_source);
    jw_key(w, "time_factor");
    jw_obj_begin(w);
    for (size_t i = 0; i < p->n_time_factors; i++) {
        jw_key(w, p->time_factors[i].lang);
        jw_double(w, p->time_factors[i].factor);
    }
    jw_obj_end(w);
    jw_key(w, "tests");
    jw_arr_begin(w);
    for (size_t i = 0; i < p->n_tests; i++)
        jw_str(w, p->tests[i]);
    jw_arr_end(w);
    int64_t max = 0;
    for (size_t i = 0; i < p->n_groups; i++)
        max += p->groups[i].points;
    jw_kint(w, "max_score", p->n_groups ? max : (int64_t)p->n_tests);
    jw_key(w, "groups");
    jw_arr_begin(w);
    for (size_t i = 0; i < p->n_groups; i++) {
        const struct oj_problem_group *g = &p->groups[i];
        jw_obj_begin(w);
        jw_kstr(w, "name", g->name);
        jw_kint(w, "points", g->points);
        jw_key(w, "tests");
        jw_arr_begin(w);
        for (size_t j = 0; j < g->n_tests; j++)
            jw_str(w, p->tests[g->tests[j]]);
        jw_arr_end(w);
        jw_key(w, "depends");
        jw_arr_begin(w);
        for (size_t j = 0; j < g->n_depends; j++)
            jw_str(w, p->groups[g->depends[j]].name);
        jw_arr_end(w);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_obj_end(w);
}
