/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Replay the fuzzing corpus: every file of tests/fuzz/corpus/<target>/ (the
 * seeds, and each input that once crashed a target, kept as a regression)
 * through the same target function libFuzzer calls.  This runs without
 * clang, in every `make check`; in the SAN=1 part it runs under ASan+UBSan,
 * which is what turns a past finding back into a failure.
 *
 * The targets check their own properties and abort on a violation; a test
 * here fails when a corpus directory is missing or empty.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define OJ_FUZZ_NO_ENTRY
#include "../fuzz/fuzz_cli.c"
#include "../fuzz/fuzz_config.c"
#include "../fuzz/fuzz_json_writer.c"
#include "../fuzz/fuzz_problem.c"
#include "../fuzz/fuzz_seccomp.c"
#include "../fuzz/fuzz_state.c"

#include "cleanup.h"
#include "util.h"

/* tests/run.sh exports OJRUN_SRC; by hand, run from the repository root. */
static void corpus_dir(const char *name, char *buf, size_t len)
{
    const char *src = getenv("OJRUN_SRC");
    snprintf(buf, len, "%s/tests/fuzz/corpus/%s", src && *src ? src : ".", name);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run `fn` on every file of the corpus of `name`; returns how many. */
static size_t replay(const char *name, int (*fn)(const uint8_t *, size_t))
{
    char dir[PATH_MAX];
    corpus_dir(name, dir, sizeof(dir));
    _cleanup_closedir_ DIR *d = opendir(dir);
    if (!d)
        fail_msg("open %s: %s", dir, strerror(errno));
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        names = realloc(names, (n + 1) * sizeof(*names));
        assert_non_null(names);
        names[n] = strdup(de->d_name);
        assert_non_null(names[n]);
        n++;
    }
    if (n > 1)
        qsort(names, n, sizeof(*names), cmp_str); /* stable order for the log */
    for (size_t i = 0; i < n; i++) {
        char path[PATH_MAX + 256];
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        char *data = NULL;
        size_t len = 0;
        struct oj_err err = {0};
        if (oj_read_file(path, 1 << 24, &data, &len, &err) < 0)
            fail_msg("%s", err.msg);
        /* the name goes out first: if the target aborts, the log says which input */
        print_message("# %s/%s (%zu bytes)\n", name, names[i], len);
        fn((const uint8_t *)data, len);
        free(data);
        free(names[i]);
    }
    free(names);
    return n;
}

static void replay_config(void **state)
{
    (void)state;
    assert_true(replay("config", fuzz_config) >= 5);
}

static void replay_seccomp(void **state)
{
    (void)state;
    assert_true(replay("seccomp", fuzz_seccomp) >= 5);
}

static void replay_state(void **state)
{
    (void)state;
    assert_true(replay("state", fuzz_state) >= 5);
    state_cleanup(); /* the target's private --root */
    assert_int_equal(state_root[0], '\0');
}

static void replay_json_writer(void **state)
{
    (void)state;
    assert_true(replay("json_writer", fuzz_json_writer) >= 5);
}

static void replay_problem(void **state)
{
    (void)state;
    assert_true(replay("problem", fuzz_problem) >= 5);
}

static void replay_cli(void **state)
{
    (void)state;
    assert_true(replay("cli", fuzz_cli) >= 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(replay_config),      cmocka_unit_test(replay_seccomp),
        cmocka_unit_test(replay_state),       cmocka_unit_test(replay_cli),
        cmocka_unit_test(replay_json_writer), cmocka_unit_test(replay_problem),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
