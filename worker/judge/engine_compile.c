/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The build phase of a judging: the submission's compile task (its
 * language's compile template, the compile limits) and the problem's own
 * programs -- a custom checker, an interactor -- which are C or C++
 * sources compiled once by the c/cpp compile template and kept in the
 * engine's cache under a hash of their language and source.  A problem
 * judged again, or by several judgings (or judges) at once, does not
 * compile them again: each build goes to a temporary directory of the
 * cache and is renamed into place, the first rename winning.  A program
 * that does not compile refuses the problem: nothing is judged.
 *
 * A compile task that fails in the sandbox (SE) is tried once more.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "engine_judging.h"
#include "hash.h"
#include "util.h"

static const char *source_name(const char *lang)
{
    static const char *const names[][2] = {
        {"c", "main.c"},       {"cpp", "main.cpp"}, {"python", "main.py"},
        {"java", "Main.java"}, {"go", "main.go"},   {"javascript", "main.js"},
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(names[i][0], lang) == 0)
            return names[i][1];
    return NULL;
}

/* A compile bundle: the template's CPU limit and OJ_ENGINE_COMPILE_WALL_MS,
 * or both set to the engine's compile_ms. */
static int write_compile_bundle(struct oj_engine *e, const char *lang, const char *box,
                                const char *bundle, struct oj_err *err)
{
    uint64_t cpu = e->compile_ms > 0 ? (uint64_t)e->compile_ms : 0;
    uint64_t wall = e->compile_ms > 0 ? (uint64_t)e->compile_ms : OJ_ENGINE_COMPILE_WALL_MS;
    return oj_engine_write_bundle(e, lang, "compile", box, bundle, cpu, wall,
                                  OJ_ENGINE_COMPILE_MEMORY, OJ_ENGINE_COMPILE_OUTPUT, err);
}

static int open_log(struct oj_judging *j, const char *name, struct oj_err *err)
{
    _cleanup_free_ char *path = NULL;
    if (asprintf(&path, "%s/out/%s", j->dir, name) < 0)
        return oj_fail(err, ENOMEM, "%s", name);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return oj_fail(err, errno, "create %s", path);
    return fd;
}

static int prog_prepare(struct oj_judging *j, int which, const char *file, struct oj_err *err)
{
    struct oj_prog *pg = &j->prog[which];
    pg->wanted = true;
    pg->field = which == OJ_PROG_CHECKER ? "checker" : "interactor";
    pg->file = file;
    size_t n = strlen(file);
    pg->lang = n > 4 && strcmp(file + n - 4, ".cpp") == 0 ? "cpp" : "c";
    _cleanup_free_ char *path = NULL, *src = NULL;
    size_t len = 0;
    if (asprintf(&path, "%s/%s", j->problem_dir, file) < 0)
        return oj_fail(err, ENOMEM, "%s", file);
    if (oj_read_file(path, 16 << 20, &src, &len, err) < 0)
        return -1;
    /* the cache key: the language and the source */
    uint64_t h1 = oj_hash64(pg->lang, strlen(pg->lang), 0x6f6a72756e);
    uint64_t h2 = oj_hash64(src, len, h1);
    uint64_t h3 = oj_hash64(src, len, h2 ^ 0x9e3779b97f4a7c15ULL);
    if (asprintf(&pg->box, "%s/%s-%016llx%016llx", j->e->cache_dir, pg->field,
                 (unsigned long long)h2, (unsigned long long)h3) < 0)
        return oj_fail(err, ENOMEM, "%s", file);
    _cleanup_free_ char *main_path = NULL;
    if (asprintf(&main_path, "%s/main", pg->box) < 0)
        return oj_fail(err, ENOMEM, "%s", file);
    if (access(main_path, F_OK) == 0) {
        pg->ready = true;
        return 0;
    }
    /* the container's root (host uid 100000) must reach the box */
    if (oj_mkdir_p(j->e->cache_dir, 0711, err) < 0 || chmod(j->e->cache_dir, 0711) < 0)
        return oj_fail(err, errno, "cannot make %s", j->e->cache_dir);
    if (asprintf(&pg->tmp, "%s/.tmp-%s.XXXXXX", j->e->cache_dir, pg->field) < 0)
        return oj_fail(err, ENOMEM, "%s", file);
    if (!mkdtemp(pg->tmp)) {
        int e = errno;
        free(pg->tmp);
        pg->tmp = NULL;
        return oj_fail(err, e, "cannot make a directory in %s", j->e->cache_dir);
    }
    char name[16];
    snprintf(name, sizeof(name), "main.%s", pg->lang);
    if (oj_engine_make_box(pg->tmp, name, src, len, err) < 0)
        return -1;
    _cleanup_free_ char *bundle = NULL;
    if (asprintf(&bundle, "%s/build-%s", j->dir, pg->field) < 0)
        return oj_fail(err, ENOMEM, "%s", file);
    return write_compile_bundle(j->e, pg->lang, pg->tmp, bundle, err);
}

int oj_compile_prepare(struct oj_judging *j, struct oj_err *err)
{
    const struct oj_problem *p = j->p;
    if (p->checker.kind == OJ_CHECKER_CUSTOM && !p->interactive &&
        prog_prepare(j, OJ_PROG_CHECKER, p->checker_source, err) < 0)
        return oj_wrap(err, "checker");
    if (p->interactive && prog_prepare(j, OJ_PROG_INTERACTOR, p->interactor_source, err) < 0)
        return oj_wrap(err, "interactor");
    if (j->prebuilt) {
        snprintf(j->compile_verdict, sizeof(j->compile_verdict), "SKIPPED");
        sb_printf(&j->compile_msg, "prebuilt box %s, not compiled", j->box);
        j->compiled = true;
        return 0;
    }
    const char *name = source_name(j->lang);
    if (!name)
        return oj_fail(err, EINVAL, "language %s: use c, cpp, python, java, go or javascript",
                       j->lang);
    if (oj_engine_make_box(j->box, name, j->source, j->source_len, err) < 0)
        return -1;
    _cleanup_free_ char *bundle = NULL;
    if (asprintf(&bundle, "%s/compile", j->dir) < 0)
        return oj_fail(err, ENOMEM, "compile");
    return write_compile_bundle(j->e, j->lang, j->box, bundle, err);
}

/* Start a compile-template task for `bundle` in a free slot, its output
 * (stdout and stderr: one open file, one offset) in out/LOG. */
static struct oj_etask *start(struct oj_judging *j, enum oj_etask_kind kind, const char *bundle,
                              const char *log)
{
    struct oj_err err = {0};
    int slot = oj_engine_slot_take(j->e);
    if (slot < 0) {
        j->wants_slot = true;
        return NULL;
    }
    _cleanup_free_ char *path = NULL;
    _cleanup_close_ int fd = open_log(j, log, &err);
    if (fd < 0 || asprintf(&path, "%s/%s", j->dir, bundle) < 0) {
        oj_engine_slot_put(j->e, slot);
        oj_judging_fail(j, "%s", fd < 0 ? err.msg : "out of memory");
        return NULL;
    }
    struct oj_etask *t = oj_etask_spawn(j, kind, slot, 0, NULL, path, -1, fd, fd, &err);
    if (!t) {
        oj_engine_slot_put(j->e, slot);
        oj_judging_fail(j, "%s", err.msg);
    }
    return t;
}

void oj_compile_pump(struct oj_judging *j)
{
    for (int i = 0; i < OJ_N_PROGS && !j->error; i++) {
        struct oj_prog *pg = &j->prog[i];
        if (!pg->wanted || pg->ready || pg->task)
            continue;
        char bundle[32], log[32];
        snprintf(bundle, sizeof(bundle), "build-%s", pg->field);
        snprintf(log, sizeof(log), "build-%s.log", pg->field);
        pg->task = start(j, OJ_ET_BUILD, bundle, log);
        if (pg->task) {
            pg->task->prog = i;
            pg->attempts++;
        }
    }
    if (!j->compiled && !j->compile && !j->error) {
        j->compile = start(j, OJ_ET_COMPILE, "compile", "compile.log");
        if (j->compile)
            j->c_attempts++;
    }
}

/* The log of a compile task: its first bytes and its size. */
static void read_log(struct oj_judging *j, const char *name, char *buf, size_t size, size_t *len,
                     uint64_t *total)
{
    *len = 0;
    *total = 0;
    char path[4096];
    snprintf(path, sizeof(path), "%s/out/%s", j->dir, name);
    _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0)
        return;
    *total = (uint64_t)st.st_size;
    ssize_t n = oj_read_all(fd, buf, size);
    *len = n > 0 ? (size_t)n : 0;
}

static void prog_done(struct oj_judging *j, struct oj_etask *t)
{
    struct oj_prog *pg = &j->prog[t->prog];
    const char *v = oj_etask_verdict(t);
    pg->task = NULL;
    if (strcmp(v, "OK") == 0) {
        /* first one wins when judges race; the loser's copy goes */
        if (rename(pg->tmp, pg->box) < 0)
            oj_engine_rm_rf(pg->tmp);
        free(pg->tmp);
        pg->tmp = NULL;
        pg->ready = true;
        return;
    }
    if (strcmp(v, "SE") == 0) {
        oj_judging_fail(j, "problem %s: %s: compiling %s: %s", j->problem_dir, pg->field, pg->file,
                        t->failed ? t->error : t->r.error);
        return;
    }
    char buf[1001], log[32];
    size_t len;
    uint64_t total;
    snprintf(log, sizeof(log), "build-%s.log", pg->field);
    read_log(j, log, buf, 1000, &len, &total);
    buf[len] = '\0';
    for (size_t i = 0; i < len; i++)
        if (buf[i] == '\n' || buf[i] == '\t' || buf[i] == '\0')
            buf[i] = ' ';
    oj_judging_fail(j, "problem %s: %s: %s does not compile (%s): %s", j->problem_dir, pg->field,
                    pg->file, v, buf);
}

void oj_compile_done(struct oj_judging *j, struct oj_etask *t)
{
    if (t->kind == OJ_ET_BUILD) {
        prog_done(j, t);
        return;
    }
    j->compile = NULL;
    const char *v = oj_etask_verdict(t);
    const char *error = t->failed ? t->error : t->r.error;
    if (strcmp(v, "SE") == 0) {
        bool retry = j->c_attempts < 2;
        oj_engine_log(j->e, "compile: SE (%s)%s", error, retry ? ", retrying" : "");
        if (retry)
            return; /* pumped again */
    }
    char buf[OJ_ENGINE_MESSAGE_BYTES];
    size_t len;
    uint64_t total;
    read_log(j, "compile.log", buf, sizeof(buf), &len, &total);
    sb_free(&j->compile_msg);
    v = oj_engine_compile_verdict(v, error, buf, len, total, &j->compile_msg);
    snprintf(j->compile_verdict, sizeof(j->compile_verdict), "%s", v);
    j->compiled = true;
    j->compile_us = oj_engine_now_us() - j->start_us;
}

bool oj_compile_finished(const struct oj_judging *j)
{
    if (!j->compiled)
        return false;
    for (int i = 0; i < OJ_N_PROGS; i++)
        if (j->prog[i].wanted && !j->prog[i].ready)
            return false;
    return true;
}
