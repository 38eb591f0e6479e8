/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz target: the readers of the documents ojrun writes for itself and
 * later commands read back -- what a crash, a full disk or a hostile root
 * could leave damaged.  The first byte selects the reader, the rest is the
 * document:
 *
 *   0  <root>/<id>/state.json through oj_state_load(), then the live status
 *      and the OCI state JSON that `state`/`list` print
 *   1  `exec --process` JSON through oj_process_parse()
 *   2  <root>/<id>/cgroup through oj_cgroup_load(), saved again
 *   3  any JSON through json.c's tree accessors
 *   4  <root>/<id>/result.json (the shim's verdict), next to a valid
 *      state.json of a stopped container: `state` embeds it as is
 *
 * Properties: errors are one line; what `state` prints is valid JSON that
 * names the container (also with an embedded result.json); a loaded cgroup
 * file saves to text that loads to the same text (later commands find the
 * same directories).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "config.h"
#include "fuzz.h"
#include "json.h"
#include "state.h"
#include "strbuf.h"
#include "util.h"

/* A private --root with one container directory "c", made on first use. */
static char state_root[PATH_MAX];

static void state_cleanup(void)
{
    char p[PATH_MAX + 32];
    if (!state_root[0])
        return;
    snprintf(p, sizeof(p), "%s/c/state.json", state_root);
    unlink(p);
    snprintf(p, sizeof(p), "%s/c/result.json", state_root);
    unlink(p);
    snprintf(p, sizeof(p), "%s/c", state_root);
    rmdir(p);
    rmdir(state_root);
    state_root[0] = '\0';
}

static const char *state_dir(void)
{
    if (state_root[0])
        return state_root;
    const char *tmp = getenv("TMPDIR");
    snprintf(state_root, sizeof(state_root), "%s/ojrun-fuzz-state.XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(state_root)) {
        perror("mkdtemp");
        abort();
    }
    char p[PATH_MAX + 8];
    snprintf(p, sizeof(p), "%s/c", state_root);
    if (mkdir(p, 0700) < 0) {
        perror("mkdir");
        abort();
    }
    atexit(state_cleanup);
    return state_root;
}

static void put_file(const char *name, const void *data, size_t size)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/c/%s", state_dir(), name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FUZZ_CHECK(fd >= 0);
    FUZZ_CHECK(oj_write_all(fd, data, size) == (ssize_t)size);
    close(fd);
}

static void state_one(const uint8_t *data, size_t size)
{
    const char *root = state_dir();
    put_file("state.json", data, size);

    struct oj_err err = {0};
    struct oj_state *st = NULL;
    if (oj_state_load(root, "c", &st, &err) < 0) {
        fuzz_check_err(&err);
        return;
    }
    FUZZ_CHECK(strcmp(st->id, "c") == 0);
    enum oj_status s = oj_state_status(st);
    for (int pretty = 0; pretty < 2; pretty++) {
        struct strbuf sb = {0};
        FUZZ_CHECK(oj_state_json(st, s, pretty, &sb, &err) == 0);
        oj_json *doc = oj_json_parse(sb_str(&sb), sb.len, "state", &err);
        FUZZ_CHECK(doc != NULL);
        const char *id = NULL, *status = NULL;
        FUZZ_CHECK(oj_json_str(oj_json_get(doc, "id"), &id) && strcmp(id, "c") == 0);
        FUZZ_CHECK(oj_json_str(oj_json_get(doc, "status"), &status) &&
                   strcmp(status, oj_status_name(s)) == 0);
        /* an embedded result.json is an object, or absent */
        const oj_json *res = oj_json_get(doc, "result");
        FUZZ_CHECK(!res || oj_json_is_object(res));
        oj_json_free(doc);
        sb_free(&sb);
    }
    oj_state_free(st);
}

/* result.json is the input; state.json is already in place */
static void state_one_loaded_result(const uint8_t *data, size_t size)
{
    put_file("result.json", data, size);
    struct oj_err err = {0};
    struct oj_state *st = NULL;
    FUZZ_CHECK(oj_state_load(state_dir(), "c", &st, &err) == 0);
    FUZZ_CHECK(oj_state_status(st) == OJ_STATUS_STOPPED);
    struct strbuf sb = {0};
    FUZZ_CHECK(oj_state_json(st, OJ_STATUS_STOPPED, false, &sb, &err) == 0);
    oj_json *doc = oj_json_parse(sb_str(&sb), sb.len, "state", &err);
    FUZZ_CHECK(doc != NULL);
    const oj_json *res = oj_json_get(doc, "result");
    FUZZ_CHECK((res != NULL) == (st->result_json != NULL));
    FUZZ_CHECK(!res || oj_json_is_object(res));
    oj_json_free(doc);
    sb_free(&sb);
    oj_state_free(st);
    char path[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/c/result.json", state_dir());
    unlink(path);
}

static void process_one(const uint8_t *data, size_t size)
{
    struct oj_err err = {0};
    struct oj_process *p = oj_process_parse((const char *)data, size, &err);
    if (!p) {
        fuzz_check_err(&err);
        return;
    }
    if (p->n_args) {
        FUZZ_CHECK(p->args && p->args[p->n_args] == NULL);
    }
    oj_process_free(p);
}

static void cgroup_one(const uint8_t *data, size_t size)
{
    char *text = strndup((const char *)data, size); /* the file is read as a C string */
    FUZZ_CHECK(text != NULL);
    struct oj_err err = {0};
    struct oj_cgroup *cg = NULL;
    if (oj_cgroup_load(text, &cg, &err) < 0) {
        fuzz_check_err(&err);
        free(text);
        return;
    }
    free(text);
    struct strbuf a = {0}, b = {0};
    FUZZ_CHECK(oj_cgroup_save(cg, &a, &err) == 0);
    struct oj_cgroup *cg2 = NULL;
    FUZZ_CHECK(oj_cgroup_load(sb_str(&a), &cg2, &err) == 0);
    FUZZ_CHECK(oj_cgroup_save(cg2, &b, &err) == 0);
    FUZZ_CHECK(a.len == b.len && memcmp(sb_str(&a), sb_str(&b), a.len) == 0);
    (void)oj_cgroup_layout(cg);
    (void)oj_cgroup_dir(cg, "memory");
    (void)oj_cgroup_dir(cg, "");
    oj_cgroup_free(cg);
    oj_cgroup_free(cg2);
    sb_free(&a);
    sb_free(&b);
}

/* Visit every node with every accessor; depth-first, bounded. */
static void json_walk(const oj_json *v, int depth)
{
    const char *s;
    int64_t i;
    bool b;
    (void)oj_json_str(v, &s);
    (void)oj_json_i64(v, &i);
    (void)oj_json_bool(v, &b);
    (void)oj_json_is_null(v);
    if (depth > 64)
        return;
    size_t n = oj_json_len(v);
    if (oj_json_is_array(v)) {
        for (size_t k = 0; k < n; k++)
            json_walk(oj_json_at(v, k), depth + 1);
        FUZZ_CHECK(oj_json_at(v, n) == NULL);
    } else if (oj_json_is_object(v)) {
        for (size_t k = 0; k < n; k++) {
            const char *key = oj_json_key_at(v, k);
            FUZZ_CHECK(key != NULL && oj_json_get(v, key) != NULL);
            json_walk(oj_json_val_at(v, k), depth + 1);
        }
        FUZZ_CHECK(oj_json_key_at(v, n) == NULL);
    } else {
        FUZZ_CHECK(n == 0);
    }
}

static void json_one(const uint8_t *data, size_t size)
{
    struct oj_err err = {0};
    oj_json *doc = oj_json_parse((const char *)data, size, "doc", &err);
    if (!doc) {
        fuzz_check_err(&err);
        return;
    }
    json_walk(doc, 0);
    oj_json_free(doc);
}

/* A stopped container (its PID cannot exist) whose result.json is the input. */
static void result_one(const uint8_t *data, size_t size)
{
    static const char st[] = "{\"ociVersion\":\"1.2.0\",\"id\":\"c\",\"pid\":2147483600,"
                             "\"bundle\":\"/b\",\"rootfs\":\"/b/rootfs\",\"created\":\"x\","
                             "\"ojrun\":{\"pidStartTime\":1,\"shim\":true}}";
    put_file("state.json", st, sizeof(st) - 1);
    state_one_loaded_result(data, size);
}

static int fuzz_state(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    switch (data[0] % 5) {
    case 0:
        state_one(data + 1, size - 1);
        break;
    case 1:
        process_one(data + 1, size - 1);
        break;
    case 2:
        cgroup_one(data + 1, size - 1);
        break;
    case 3:
        json_one(data + 1, size - 1);
        break;
    case 4:
        result_one(data + 1, size - 1);
        break;
    }
    return 0;
}

FUZZ_ENTRY(fuzz_state)
