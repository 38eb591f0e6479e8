/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One judging, as the engine's files see it (engine_judging.c drives it,
 * engine_compile.c and engine_test.c are its two phases).
 */
#ifndef OJRUN_JUDGE_ENGINE_JUDGING_H
#define OJRUN_JUDGE_ENGINE_JUDGING_H

#include "engine_internal.h"

enum { OJ_PROG_CHECKER, OJ_PROG_INTERACTOR, OJ_N_PROGS };

/* A problem program: compiled once into the engine's cache. */
struct oj_prog {
    bool wanted, ready;
    const char *field; /* "checker", "interactor" */
    const char *file;  /* "checker.c", ... (the problem's) */
    const char *lang;  /* "c" or "cpp" */
    char *box;         /* the cache directory: box/main */
    char *tmp;         /* being built here */
    struct oj_etask *task;
    unsigned attempts;
    oj_json *base; /* the run bundle's config.json, parsed */
    char *bundle;
};

/* One test of the problem. */
struct oj_test {
    enum oj_test_state state;
    int pending;         /* ACTIVE with no task: what to start (engine_test.c) */
    unsigned attempts;   /* of the submission (interactive: of the pair) */
    unsigned c_attempts; /* of the checker */
    uint64_t start_us;
    struct oj_etask *run, *check, *inter; /* in flight */
    struct oj_engine_row row;
    struct oj_test_result done;
};

enum oj_phase { OJ_PHASE_BUILD, OJ_PHASE_TESTS, OJ_PHASE_OVER };

struct oj_judging {
    struct oj_judging *next; /* the engine's list */
    struct oj_engine *e;
    char *id, *lang, *problem_dir, *dir, *box;
    char *source;
    size_t source_len;
    bool prebuilt;
    const struct oj_problem *p;
    int64_t cpu_ms, wall_ms, memory_mb;
    oj_progress_fn progress;
    void *progress_arg;
    int wake_fd;     /* eventfd: a slot was freed, or it is over */
    bool wants_slot; /* waiting for one */
    struct oj_etask *tasks;
    enum oj_phase phase;
    uint64_t start_us, compile_us, end_us;
    /* compile */
    struct oj_etask *compile;
    unsigned c_attempts;
    bool compiled;
    char compile_verdict[8];
    struct strbuf compile_msg;
    struct oj_prog prog[OJ_N_PROGS];
    char *error; /* the problem cannot be judged */
    /* tests */
    ojrun_config *run_cfg;
    char *run_bundle;
    struct oj_test *tests;
    struct oj_test_result *committed, *hypo;
    enum oj_test_state *states;
    struct oj_test_result *dones;
    bool *needed;
    struct oj_engine_row *rows; /* committed, in judging order */
    size_t n_rows;
    /* judged tests' output files, renamed to out/spare<i> (i < n_spare)
     * for the next tests to reuse (engine_test.c) */
    unsigned n_spare;
    char verdict[8];
};

/* engine_judging.c */
void oj_judging_wake_for_slot(struct oj_judging *j);
void oj_judging_fail(struct oj_judging *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
uint64_t oj_engine_now_us(void);
/* engine_compile.c: start what the build phase can start; handle one
 * finished task of it. */
int oj_compile_prepare(struct oj_judging *j, struct oj_err *err);
void oj_compile_pump(struct oj_judging *j);
void oj_compile_done(struct oj_judging *j, struct oj_etask *t);
bool oj_compile_finished(const struct oj_judging *j);
/* engine_test.c */
int oj_tests_prepare(struct oj_judging *j, struct oj_err *err);
void oj_tests_pump(struct oj_judging *j);
void oj_tests_done(struct oj_judging *j, struct oj_etask *t);
bool oj_tests_finished(const struct oj_judging *j);

#endif
