/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the files of the judging engine share (engine.h is the interface):
 *
 *   engine.c          the engine, its slots (one CPU each) and task ids
 *   engine_task.c     one container of a judging: a slot, ojrun_task_spawn()
 *   engine_bundle.c   work directories, boxes, judge bundles, program configs
 *   engine_compile.c  the compile phase; the problem's checker and interactor
 *   engine_plan.c     which test to start next, which running test is moot
 *   engine_test.c     the test phase: run, check, interact, retry, commit
 *   engine_verdict.c  the verdict rules (pure: unit-tested)
 *   engine_result.c   the result JSON (pure: unit-tested)
 *   engine_judging.c  one submission from start to result
 */
#ifndef OJRUN_JUDGE_ENGINE_INTERNAL_H
#define OJRUN_JUDGE_ENGINE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine.h"
#include "json.h"
#include "libojrun.h"
#include "score.h"

/* Compile limits (hack/judge's before the engine, specs/judge-templates.md):
 * 10 s of wall time, 512 MiB, 64 MiB of compiler output. */
#define OJ_ENGINE_COMPILE_WALL_MS 10000
#define OJ_ENGINE_COMPILE_MEMORY  (512ULL << 20)
#define OJ_ENGINE_COMPILE_OUTPUT  (64ULL << 20)
/* A CE message is the compiler's output cut to this many bytes. */
#define OJ_ENGINE_MESSAGE_BYTES 4096
/* The problem's own programs (checker, interactor): 10 s of CPU, 512 MiB,
 * 1 MiB of output; a checker may take 3 x its CPU limit of wall time, an
 * interactor the program's wall limit and 5 s more (the program's limit
 * fires first when both wait for each other). */
#define OJ_ENGINE_PROG_CPU_MS        10000
#define OJ_ENGINE_PROG_MEMORY        (512ULL << 20)
#define OJ_ENGINE_PROG_OUTPUT        (1ULL << 20)
#define OJ_ENGINE_INTERACTOR_WALL_MS 5000
/* An interactor that ended with WA or PE this much earlier than the
 * program it judged is why the program then hit a limit. */
#define OJ_ENGINE_INTERACT_MARGIN_US 250000

/* ---- engine.c: slots ---------------------------------------------------- */

struct oj_engine {
    ojrun_context *ctx;
    char *work_dir, *cache_dir, *prefix;
    bool keep;
    int64_t compile_ms; /* 0: the defaults (oj_engine_options) */
    oj_log_fn log;
    void *log_arg;
    unsigned n_slots;
    int *slot_cpu; /* slot i runs on CPU slot_cpu[i] */
    bool *slot_busy;
    unsigned busy;
    uint64_t next_id;
    struct oj_judging *judgings; /* every judging not yet freed */
};

/* "0-3,6" (cpuset(7) list format) into a sorted array without duplicates. */
int oj_engine_parse_cpus(const char *list, int **cpus, size_t *n, struct oj_err *err);
/* The CPU of each of `slots` slots over `n` CPUs: they repeat when there are
 * more slots than CPUs. */
void oj_engine_assign_cpus(const int *cpus, size_t n, unsigned slots, int *slot_cpu);
/* A free slot (taken), or -1. */
int oj_engine_slot_take(struct oj_engine *e);
/* Give a slot back; judgings waiting for one are woken. */
void oj_engine_slot_put(struct oj_engine *e, int slot);
void oj_engine_log(struct oj_engine *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- engine_task.c ------------------------------------------------------ */

enum oj_etask_kind {
    OJ_ET_COMPILE,    /* the submission */
    OJ_ET_BUILD,      /* the problem's checker or interactor (prog) */
    OJ_ET_RUN,        /* the submission on a test */
    OJ_ET_CHECK,      /* the custom checker on a test */
    OJ_ET_INTERACTOR, /* the interactor on a test */
    OJ_ET_PROGRAM,    /* the submission against the interactor */
};

struct oj_etask {
    struct oj_etask *next; /* the judging's list */
    struct oj_judging *j;
    enum oj_etask_kind kind;
    size_t test; /* RUN, CHECK, INTERACTOR, PROGRAM */
    int prog;    /* BUILD: OJ_PROG_CHECKER or OJ_PROG_INTERACTOR */
    int slot;    /* -1: shares its partner's (an interactor with one slot) */
    char id[160];
    ojrun_task *task;
    bool over, handled; /* collected; its outcome given to the judging */
    bool failed;        /* could not be created or started: error says why */
    ojrun_result r;
    char error[OJRUN_ERROR_MAX];
};

/* Spawn a task in `slot` (cpus: that slot's CPU, or `cpu` when slot < 0)
 * with stdio from the given fds (-1: /dev/null; not closed here).  On
 * failure of the spawn itself the task is still returned, failed. */
struct oj_etask *oj_etask_spawn(struct oj_judging *j, enum oj_etask_kind kind, int slot, int cpu,
                                const ojrun_config *cfg, const char *bundle, int in, int out,
                                int errfd, struct oj_err *err);
/* Collect without blocking: true once it is over. */
bool oj_etask_poll(struct oj_etask *t);
/* Remove from the judging's list, give its slot back, free it (a task
 * still running is cancelled and waited for: its container is deleted). */
void oj_etask_free(struct oj_etask *t);
/* The outcome as verdict + error: SE with the error when it failed. */
const char *oj_etask_verdict(const struct oj_etask *t);

/* ---- engine_bundle.c ---------------------------------------------------- */

/* The host uid/gid of the program in a judge container (judge.h). */
uid_t oj_engine_box_uid(void);
int oj_engine_mkdir(const char *path, mode_t mode, struct oj_err *err);
/* The box: `dir` made (0755) and given to the program's user, and the file
 * `name` in it with `len` bytes of `data` (0644, the program's). */
int oj_engine_make_box(const char *dir, const char *name, const char *data, size_t len,
                       struct oj_err *err);
/* `ojrun spec --judge LANG --phase PHASE --box BOX --bundle BUNDLE` with
 * the limits (0: the template's), in this process. */
int oj_engine_write_bundle(struct oj_engine *e, const char *lang, const char *phase,
                           const char *box, const char *bundle, uint64_t cpu_ms, uint64_t wall_ms,
                           uint64_t memory, uint64_t output, struct oj_err *err);
/* A problem program's config: BUNDLE/config.json with process.args
 * ["/box/main", args...] and each of files[i] bound read-only on
 * /tmp/judge/names[i]. */
ojrun_config *oj_engine_program_config(const oj_json *base, const char *bundle,
                                       const char *const *args, const char *const *names,
                                       const char *const *files, size_t n, struct oj_err *err);
/* Write an oj_json tree back as JSON (the program configs). */
void oj_engine_json_copy(struct jw *w, const oj_json *v);

/* ---- engine_verdict.c (pure) -------------------------------------------- */

/* The first line of a checker's message: at most 200 bytes, no newline,
 * every byte that is not printable ASCII as '?'. */
void oj_engine_sanitize(const char *data, size_t len, char *out, size_t size);
/* A custom checker's or interactor's verdict (`who`: "checker" or
 * "interactor") from its task's verdict and exit status and its message:
 * exit 0 AC, 1 WA, 2 PE, 7 "points P" PC, else SE. */
struct oj_prog_verdict {
    char verdict[8];
    double fraction;
    char msg[512];
};
void oj_engine_prog_verdict(const char *task_verdict, const ojrun_result *r, const char *msg,
                            const char *who, struct oj_prog_verdict *out);
/* The submission's verdict on a test, from its task's (not OK: the checker
 * decides an OK): TLE for TLE and WLE, RE for RE and SG, the rest as is. */
const char *oj_engine_run_verdict(const char *task_verdict);
/* An interactive test (specs/problem-format.md, "Interactive problems"). */
void oj_engine_interactive_verdict(const struct oj_prog_verdict *interactor, uint64_t iwall_us,
                                   const char *prog_verdict, const ojrun_result *prog,
                                   struct oj_prog_verdict *out);
/* A compile task's verdict into OK, CE or SE, and the message: the
 * compiler's output cut to OJ_ENGINE_MESSAGE_BYTES (with "[... N bytes in
 * all]"), after "compilation LIMIT limit exceeded" for a limit. */
const char *oj_engine_compile_verdict(const char *task_verdict, const char *error, const char *log,
                                      size_t log_len, uint64_t log_size, struct strbuf *msg);
/* The limits of a submission: 0 the problem's; more than the problem's is
 * an error naming the field. */
int oj_engine_limits(const struct oj_problem *p, const char *lang, int64_t cpu_ms, int64_t wall_ms,
                     int64_t memory_mb, int64_t out[3], struct oj_err *err);

/* ---- engine_plan.c (pure) ----------------------------------------------- */

enum oj_test_state { OJ_TEST_IDLE, OJ_TEST_ACTIVE, OJ_TEST_DONE, OJ_TEST_COMMITTED };

/* The next test to start: the first test that judging in order would
 * reach if every active test passed and every done test had its result
 * -- or -1.  `needed` (may be NULL, one per test) gets which tests that
 * judging reaches when every test not yet done passes: an active test not
 * needed is moot.  `hypo` is scratch space, one per test. */
ssize_t oj_engine_plan(const struct oj_problem *p, const struct oj_test_result *committed,
                       const enum oj_test_state *state, const struct oj_test_result *done,
                       struct oj_test_result *hypo, bool *needed);

/* ---- engine_result.c (pure) --------------------------------------------- */

/* One judged test, as the result shows it. */
struct oj_engine_row {
    size_t test;
    char verdict[8];
    double fraction;
    char msg[512];
    ojrun_result run; /* the submission's figures */
    uint64_t judge_us;
    unsigned attempts;
};

struct oj_engine_outcome {
    const struct oj_problem *problem;
    const char *submission_id;
    const char *compile_verdict; /* OK, CE, SE, SKIPPED (prebuilt) */
    const char *compile_message;
    const char *error;                /* the problem could not be judged: verdict SE */
    const struct oj_engine_row *rows; /* in judging order */
    size_t n_rows;
    const struct oj_test_result *results; /* one per test: the committed ones */
    uint64_t compile_us, total_us;
};

/* The result object (specs/judge-templates.md, "Reference judge";
 * specs/worker-protocol.md, "result"); `verdict` gets the overall verdict. */
int oj_engine_write_result(const struct oj_engine_outcome *o, unsigned attempt, struct jw *w,
                           char verdict[8], struct oj_err *err);

#endif
