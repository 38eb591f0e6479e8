/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Work directories, boxes and bundles of the engine.
 *
 * The container's root is host uid 100000 and its program host uid 101000
 * (judge.h: the user namespace of the templates), "other" to the host:
 * every directory above a bundle or a box must be searchable by them
 * (0711: names not listable), what a container reads must be readable by
 * them (0644), and a compile box belongs to the program, which writes its
 * output there.  The modes are set explicitly, whatever the umask.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "engine_internal.h"
#include "judge.h"
#include "util.h"

uid_t oj_engine_box_uid(void)
{
    return OJ_JUDGE_HOST_ID_BASE + OJ_JUDGE_UID;
}

int oj_engine_mkdir(const char *path, mode_t mode, struct oj_err *err)
{
    if (mkdir(path, mode) < 0) {
        if (errno != EEXIST)
            return oj_fail(err, errno, "mkdir %s", path);
        return 0; /* an existing directory keeps its mode */
    }
    if (chmod(path, mode) < 0)
        return oj_fail(err, errno, "chmod %s", path);
    return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

int oj_engine_rm_rf(const char *path)
{
    return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int oj_engine_make_box(const char *dir, const char *name, const char *data, size_t len,
                       struct oj_err *err)
{
    uid_t id = oj_engine_box_uid();
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        return oj_fail(err, errno, "mkdir %s", dir);
    if (chmod(dir, 0755) < 0)
        return oj_fail(err, errno, "chmod %s", dir);
    if (chown(dir, id, id) < 0)
        return oj_fail(err, errno, "chown %s to %u", dir, (unsigned)id);
    _cleanup_free_ char *path = NULL;
    if (asprintf(&path, "%s/%s", dir, name) < 0)
        return oj_fail(err, ENOMEM, "box");
    _cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0)
        return oj_fail(err, errno, "create %s", path);
    if (oj_write_all(fd, data, len) < 0)
        return oj_fail(err, errno, "write %s", path);
    if (fchmod(fd, 0644) < 0 || fchown(fd, id, id) < 0)
        return oj_fail(err, errno, "give %s to %u", path, (unsigned)id);
    return 0;
}

int oj_engine_write_bundle(struct oj_engine *e, const char *lang, const char *phase,
                           const char *box, const char *bundle, uint64_t cpu_ms, uint64_t wall_ms,
                           uint64_t memory, uint64_t output, struct oj_err *err)
{
    char cpu[24], wall[24], mem[24], out[24];
    snprintf(cpu, sizeof(cpu), "%llu", (unsigned long long)cpu_ms);
    snprintf(wall, sizeof(wall), "%llu", (unsigned long long)wall_ms);
    snprintf(mem, sizeof(mem), "%llu", (unsigned long long)memory);
    snprintf(out, sizeof(out), "%llu", (unsigned long long)output);
    if (oj_engine_mkdir(bundle, 0711, err) < 0)
        return -1;
    ojrun_judge_request req = {
        .lang = lang,
        .phase = phase,
        .box = box,
        .bundle = bundle,
        .cpu_ms = cpu_ms ? cpu : NULL,
        .wall_ms = wall_ms ? wall : NULL,
        .memory = memory ? mem : NULL,
        .output_bytes = output ? out : NULL,
    };
    ojrun_error oerr = {0};
    if (ojrun_judge_write_bundle(e->ctx, &req, &oerr) < 0)
        return oj_fail(err, oerr.code, "ojrun spec --judge %s --phase %s: %s", lang, phase,
                       oerr.message);
    return 0;
}

void oj_engine_json_copy(struct jw *w, const oj_json *v)
{
    const char *s;
    int64_t i;
    bool b;
    double d;
    if (oj_json_is_object(v)) {
        jw_obj_begin(w);
        for (size_t k = 0; k < oj_json_len(v); k++) {
            jw_key(w, oj_json_key_at(v, k));
            oj_engine_json_copy(w, oj_json_val_at(v, k));
        }
        jw_obj_end(w);
    } else if (oj_json_is_array(v)) {
        jw_arr_begin(w);
        for (size_t k = 0; k < oj_json_len(v); k++)
            oj_engine_json_copy(w, oj_json_at(v, k));
        jw_arr_end(w);
    } else if (oj_json_str(v, &s))
        jw_str(w, s);
    else if (oj_json_i64(v, &i))
        jw_int(w, i);
    else if (oj_json_bool(v, &b))
        jw_bool(w, b);
    else if (oj_json_double(v, &d)) {
        char buf[40];
        snprintf(buf, sizeof(buf), "%.17g", d);
        jw_raw(w, buf);
    } else
        jw_null(w);
}

ojrun_config *oj_engine_program_config(const oj_json *base, const char *bundle,
                                       const char *const *args, const char *const *names,
                                       const char *const *files, size_t n, struct oj_err *err)
{
    struct jw w;
    jw_init(&w, false);
    jw_obj_begin(&w);
    for (size_t k = 0; k < oj_json_len(base); k++) {
        const char *key = oj_json_key_at(base, k);
        const oj_json *v = oj_json_val_at(base, k);
        jw_key(&w, key);
        if (strcmp(key, "process") == 0) {
            jw_obj_begin(&w);
            for (size_t m = 0; m < oj_json_len(v); m++) {
                jw_key(&w, oj_json_key_at(v, m));
                if (strcmp(oj_json_key_at(v, m), "args") == 0) {
                    jw_arr_begin(&w);
                    jw_str(&w, "/box/main");
                    for (size_t a = 0; args[a]; a++)
                        jw_str(&w, args[a]);
                    jw_arr_end(&w);
                } else
                    oj_engine_json_copy(&w, oj_json_val_at(v, m));
            }
            jw_obj_end(&w);
        } else if (strcmp(key, "mounts") == 0) {
            /* only these files of the problem and the judge are visible */
            jw_arr_begin(&w);
            for (size_t m = 0; m < oj_json_len(v); m++)
                oj_engine_json_copy(&w, oj_json_at(v, m));
            for (size_t f = 0; f < n; f++) {
                char dst[128];
                snprintf(dst, sizeof(dst), "/tmp/judge/%s", names[f]);
                jw_obj_begin(&w);
                jw_kstr(&w, "destination", dst);
                jw_kstr(&w, "type", "bind");
                jw_kstr(&w, "source", files[f]);
                jw_key(&w, "options");
                jw_arr_begin(&w);
                static const char *const opts[] = {"bind", "ro", "nosuid", "nodev", "noexec"};
                for (size_t o = 0; o < sizeof(opts) / sizeof(opts[0]); o++)
                    jw_str(&w, opts[o]);
                jw_arr_end(&w);
                jw_obj_end(&w);
            }
            jw_arr_end(&w);
        } else
            oj_engine_json_copy(&w, v);
    }
    jw_obj_end(&w);
    if (jw_check(&w, "program config", err) < 0) {
        sb_free(&w.sb);
        return NULL;
    }
    ojrun_error oerr = {0};
    ojrun_config *cfg = ojrun_config_from_json(w.sb.s, w.sb.len, bundle, &oerr);
    sb_free(&w.sb);
    if (!cfg)
        oj_fail(err, oerr.code, "program config: %s", oerr.message);
    return cfg;
}
