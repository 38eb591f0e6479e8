/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The public API (libojrun.h): context, errors, configs, containers and
 * results, as thin wrappers over the library's own functions.  The judged
 * tasks are in api_task.c, list in api_list.c, update in api_update.c,
 * wait in api_wait.c, events in api_events.c.  The `ojrun` command calls
 * these for every verb, so the wrappers add nothing to the launch path but
 * a copy of the options.
 *
 * crun draws the same line: libcrun_context_t and libcrun_container_*()
 * in src/libcrun/container.h, the verbs in src/<verb>.c (specs/internals.md,
 * "The library API").
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_internal.h"
#include "cgroup.h"
#include "cleanup.h"
#include "container.h"
#include "exec.h"
#include "judge.h"
#include "lifecycle.h"
#include "log.h"
#include "oci_features.h"
#include "shim.h"
#include "spec.h"
#include "state.h"
#include "supervise.h"
#include "util.h"

/* The public enums are the internal ones, renamed. */
_Static_assert(OJRUN_OK == (int)OJ_VERDICT_OK && OJRUN_SE == (int)OJ_VERDICT_SE, "verdicts");
_Static_assert(OJRUN_TLE == (int)OJ_VERDICT_TLE && OJRUN_OLE == (int)OJ_VERDICT_OLE, "verdicts");
_Static_assert(OJRUN_STATUS_STOPPED == (int)OJ_STATUS_STOPPED, "statuses");
_Static_assert(OJRUN_LOG_ERROR == (int)OJ_LOG_ERROR && OJRUN_LOG_DEBUG == (int)OJ_LOG_DEBUG,
               "log levels");
_Static_assert(OJRUN_ERROR_MAX == OJ_ERR_MSG_MAX, "message sizes");

void oj_api_error_from(ojrun_error *out, const struct oj_err *e)
{
    if (!out)
        return;
    out->code = e->code;
    snprintf(out->message, sizeof(out->message), "%s", e->msg);
}

/* ---- context ------------------------------------------------------------------ */

OJRUN_API ojrun_context *ojrun_context_new(const char *root, ojrun_error *err)
{
    struct oj_err e = {0};
    ojrun_context *ctx = calloc(1, sizeof(*ctx));
    if (!ctx || !(ctx->root = strdup(root ? root : "/run/ojrun"))) {
        free(ctx);
        oj_fail(&e, ENOMEM, "new context");
        oj_api_error_from(err, &e);
        return NULL;
    }
    ctx->ctx.root = ctx->root;
    ctx->log_fd = -1;
    /* A library prints nothing by itself: the caller chooses the log. */
    oj_log_set_stderr(false);
    return ctx;
}

OJRUN_API void ojrun_context_free(ojrun_context *ctx)
{
    if (!ctx)
        return;
    if (ctx->log_fd >= 0) {
        if (oj_log_fd() == ctx->log_fd)
            oj_log_set_fd(-1, false);
        close(ctx->log_fd);
    }
    free(ctx->root);
    free(ctx);
}

OJRUN_API const char *ojrun_context_root(const ojrun_context *ctx)
{
    return ctx->root;
}

OJRUN_API int ojrun_context_set_log_file(ojrun_context *ctx, const char *path,
                                         enum ojrun_log_format format, ojrun_error *err)
{
    struct oj_err e = {0};
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        oj_fail(&e, errno, "open log file %s", path);
        oj_api_error_from(err, &e);
        return -1;
    }
    if (ctx->log_fd >= 0)
        close(ctx->log_fd);
    ctx->log_fd = fd;
    oj_log_set_fd(fd, format == OJRUN_LOG_JSON);
    return 0;
}

OJRUN_API int ojrun_context_set_log_fd(ojrun_context *ctx, int fd, enum ojrun_log_format format,
                                       ojrun_error *err)
{
    if (fd < 0 || fcntl(fd, F_GETFD) < 0) {
        struct oj_err e = {0};
        oj_fail(&e, EBADF, "log fd %d", fd);
        oj_api_error_from(err, &e);
        return -1;
    }
    oj_log_set_fd(fd, format == OJRUN_LOG_JSON);
    return 0;
}

OJRUN_API void ojrun_context_set_log_stderr(ojrun_context *ctx, bool on)
{
    oj_log_set_stderr(on);
}

OJRUN_API void ojrun_context_set_log_sink(ojrun_context *ctx, ojrun_log_fn fn, void *data)
{
    /* Same signature but for the enum's name (asserted above). */
    oj_log_set_sink((oj_log_sink_fn)(void (*)(void))fn, data);
}

OJRUN_API void ojrun_context_set_debug(ojrun_context *ctx, bool on)
{
    oj_log_set_debug(on);
}

/* ---- configs ------------------------------------------------------------------ */

static ojrun_config *config_make(char *data, size_t len, const char *bundle, struct oj_err *e)
{
    _cleanup_free_ char *owned = data;
    /* Parse once to report errors now; each task parses its own copy. */
    struct oj_config *parsed = oj_config_parse(data, len, e);
    if (!parsed)
        return NULL;
    oj_config_free(parsed);
    ojrun_config *cfg = calloc(1, sizeof(*cfg));
    if (!cfg || !(cfg->bundle = realpath(bundle ? bundle : ".", NULL))) {
        oj_fail(e, cfg ? errno : ENOMEM, "bundle %s", bundle ? bundle : ".");
        free(cfg);
        return NULL;
    }
    cfg->data = oj_steal_ptr(&owned);
    cfg->len = len;
    return cfg;
}

OJRUN_API ojrun_config *ojrun_config_load_bundle(const char *bundle, ojrun_error *err)
{
    struct oj_err e = {0};
    char path[PATH_MAX];
    char *data = NULL;
    size_t len = 0;
    ojrun_config *cfg = NULL;
    if (snprintf(path, sizeof(path), "%s/config.json", bundle ? bundle : ".") >= (int)sizeof(path))
        oj_fail(&e, ENAMETOOLONG, "bundle %s", bundle);
    else if (oj_read_file(path, OJ_CONFIG_MAX_BYTES, &data, &len, &e) == 0)
        cfg = config_make(data, len, bundle, &e);
    if (!cfg)
        oj_api_error_from(err, &e);
    return cfg;
}

OJRUN_API ojrun_config *ojrun_config_from_json(const char *json, size_t len, const char *bundle,
                                               ojrun_error *err)
{
    struct oj_err e = {0};
    ojrun_config *cfg = NULL;
    char *data = malloc(len + 1);
    if (!data) {
        oj_fail(&e, ENOMEM, "config.json");
    } else {
        memcpy(data, json, len);
        data[len] = '\0';
        cfg = config_make(data, len, bundle, &e);
    }
    if (!cfg)
        oj_api_error_from(err, &e);
    return cfg;
}

OJRUN_API void ojrun_config_free(ojrun_config *cfg)
{
    if (!cfg)
        return;
    free(cfg->data);
    free(cfg->bundle);
    free(cfg);
}

OJRUN_API int ojrun_judge_write_bundle(ojrun_context *ctx, const ojrun_judge_request *req,
                                       ojrun_error *err)
{
    struct oj_judge_request r = {
        .bundle = req->bundle,
        .lang = req->lang,
        .phase = req->phase,
        .box = req->box,
        .cpu_ms = req->cpu_ms,
        .wall_ms = req->wall_ms,
        .memory = req->memory,
        .pids = req->pids,
        .output_bytes = req->output_bytes,
    };
    struct oj_err e = {0};
    if (oj_judge_write_bundle(&r, &e) < 0) {
        oj_api_error_from(err, &e);
        return -1;
    }
    return 0;
}

OJRUN_API int ojrun_spec_write(ojrun_context *ctx, const char *bundle, bool rootless,
                               ojrun_error *err)
{
    struct oj_err e = {0};
    char path[PATH_MAX];
    if (oj_spec_config_path(bundle ? bundle : ".", path, sizeof(path), &e) < 0) {
        oj_api_error_from(err, &e);
        return -1;
    }
    struct strbuf sb = {0};
    bool cgroupns = oj_spec_host_wants_cgroupns(NULL, NULL);
    int r = -1;
    if (oj_spec_default(rootless, cgroupns, geteuid(), getegid(), &sb) < 0)
        oj_fail(&e, errno, "generate %s", path);
    else
        r = oj_write_file_atomic(path, sb.s, sb.len, 0644, &e);
    sb_free(&sb);
    if (r < 0)
        oj_api_error_from(err, &e);
    return r;
}

OJRUN_API char *ojrun_features_json(ojrun_error *err)
{
    struct oj_err e = {0};
    struct strbuf sb = {0};
    if (oj_features_json(true, &sb, &e) < 0 || (sb.oom && oj_fail(&e, ENOMEM, "features") < 0)) {
        sb_free(&sb);
        oj_api_error_from(err, &e);
        return NULL;
    }
    return sb.s ? sb.s : strdup("");
}

/* ---- containers --------------------------------------------------------------- */

void oj_api_create_opts_fill(struct oj_create_opts *o, const char *id, const char *bundle,
                             const ojrun_config *cfg, const ojrun_create_options *opts)
{
    o->id = id;
    o->bundle = cfg ? cfg->bundle : bundle;
    if (cfg) {
        o->config_data = cfg->data;
        o->config_len = cfg->len;
    }
    if (opts) {
        o->pid_file = opts->pid_file;
        o->console_socket = opts->console_socket;
        o->no_pivot = opts->no_pivot;
        o->no_new_keyring = opts->no_new_keyring;
        o->preserve_fds = opts->preserve_fds;
        o->shim = opts->shim;
        o->result_socket = opts->result_socket;
        o->console_master = opts->console_master;
        o->console_rows = opts->console_rows;
        o->console_cols = opts->console_cols;
    }
}

OJRUN_API int ojrun_container_create(ojrun_context *ctx, const char *id, const char *bundle,
                                     const ojrun_config *cfg, const ojrun_create_options *opts,
                                     ojrun_error *err)
{
    struct oj_create_opts o = {0};
    oj_api_create_opts_fill(&o, id, bundle, cfg, opts);
    struct oj_err e = {0};
    if (o.shim) {
        if (oj_create_with_shim(&ctx->ctx, &o, &e) < 0) {
            oj_api_error_from(err, &e);
            return -1;
        }
        return 0;
    }
    struct oj_container *c = NULL;
    if (oj_container_create(&ctx->ctx, &o, &c, &e) < 0) {
        oj_api_error_from(err, &e);
        return -1;
    }
    oj_container_free(c);
    return 0;
}

struct ojrun_running {
    ojrun_context *ctx;
    char *id;
    pid_t pid;
    struct oj_config *cfg; /* parsed once by create, kept for start and delete */
};

OJRUN_API ojrun_running *ojrun_container_run(ojrun_context *ctx, const char *id, const char *bundle,
                                             const ojrun_config *cfg,
                                             const ojrun_create_options *opts, ojrun_error *err)
{
    struct oj_err e = {0};
    struct oj_create_opts o = {0};
    oj_api_create_opts_fill(&o, id, bundle, cfg, opts);
    ojrun_running *r = NULL;
    if (o.shim) {
        oj_fail(&e, EINVAL, "run: the shim option is for create");
        goto fail;
    }
    if (!(r = calloc(1, sizeof(*r))) || !(r->id = strdup(id))) {
        oj_fail(&e, ENOMEM, "run %s", id);
        goto fail;
    }
    r->ctx = ctx;
    struct oj_container *c = NULL;
    if (oj_container_create(&ctx->ctx, &o, &c, &e) < 0)
        goto fail;
    r->pid = c->pid;
    /* start takes the container lock itself.  The parsed config stays with
     * the handle: start and delete need it (process, hooks) and parsing the
     * file again costs ~0.5 ms each for a judge bundle
     * (specs/performance.md). */
    close(c->lock_fd);
    c->lock_fd = -1;
    r->cfg = c->cfg;
    c->cfg = NULL;
    oj_container_free(c);
    if (oj_container_start_cfg(&ctx->ctx, id, r->cfg, &e) < 0) {
        struct oj_err derr = {0};
        oj_container_delete_cfg(&ctx->ctx, id, true, r->cfg, &derr);
        goto fail;
    }
    return r;
fail:
    ojrun_running_free(r);
    oj_api_error_from(err, &e);
    return NULL;
}

OJRUN_API pid_t ojrun_running_pid(const ojrun_running *r)
{
    return r->pid;
}

OJRUN_API int ojrun_running_delete(ojrun_running *r, ojrun_error *err)
{
    struct oj_err e = {0};
    int rc = oj_container_delete_cfg(&r->ctx->ctx, r->id, true, r->cfg, &e);
    if (rc < 0)
        oj_api_error_from(err, &e);
    ojrun_running_free(r);
    return rc;
}

OJRUN_API void ojrun_running_free(ojrun_running *r)
{
    if (!r)
        return;
    oj_config_free(r->cfg);
    free(r->id);
    free(r);
}

OJRUN_API int ojrun_container_start(ojrun_context *ctx, const char *id, ojrun_error *err)
{
    struct oj_err e = {0};
    if (oj_container_start(&ctx->ctx, id, &e) < 0) {
        oj_api_error_from(err, &e);
        return -1;
    }
    return 0;
}

OJRUN_API int ojrun_container_kill(ojrun_context *ctx, const char *id, int sig, bool all,
                                   ojrun_error *err)
{
    struct oj_err e = {0};
    if (oj_container_kill(&ctx->ctx, id, sig, all, &e) < 0) {
        oj_api_error_from(err, &e);
        return -1;
    }
    return 0;
}

OJRUN_API int ojrun_container_delete(ojrun_context *ctx, const char *id, bool force,
                                     ojrun_error *err)
{
    struct oj_err e = {0};
    if (oj_container_delete(&ctx->ctx, id, force, &e) < 0) {
        oj_api_error_from(err, &e);
        return -1;
    }
    return 0;
}

/*
 * Pause and resume (runc's, not the OCI spec's operations).  The freezer
 * does the work (v1 freezer.state, v2 cgroup.freeze, see cgroup_procs.c):
 * pause returns only once the kernel reports the cgroup FROZEN, not merely
 * FREEZING.  The "paused" status is then recorded as a marker file
 * <dir>/paused, which state.c turns into the status without having to know
 * about cgroups.  The marker is written after the freeze succeeded and
 * removed after the thaw succeeded, so it never claims a pause that did not
 * happen; both hold the container lock, so they cannot interleave with each
 * other, start or delete.
 */
static int set_paused(const char *root, const char *id, bool pause, struct oj_err *err)
{
    _cleanup_state_ struct oj_state *st = NULL;
    _cleanup_close_ int lock = oj_state_load_locked(root, id, &st, err);
    if (lock < 0)
        return -1;

    enum oj_status s = oj_state_status(st);
    enum oj_status want = pause ? OJ_STATUS_RUNNING : OJ_STATUS_PAUSED;
    if (s != want)
        return oj_fail(err, 0, "cannot %s container \"%s\": it is %s, not %s",
                       pause ? "pause" : "resume", id, oj_status_name(s), oj_status_name(want));

    struct oj_cgroup *cg = NULL;
    if (oj_state_cgroup(st, &cg, err) < 0)
        return -1;
    char marker[PATH_MAX];
    snprintf(marker, sizeof(marker), "%s/paused", st->dir);
    int rc = 0;
    if (pause) {
        rc = oj_cgroup_freeze(cg, true, err);
        if (rc == 0 && oj_write_file_atomic(marker, "", 0, 0600, err) < 0) {
            /* no marker, no pause: undo, so that status and freezer agree */
            struct oj_err e1;
            if (oj_cgroup_freeze(cg, false, &e1) < 0)
                oj_warn("pause %s: %s", id, e1.msg);
            rc = -1;
        }
    } else {
        rc = oj_cgroup_freeze(cg, false, err);
        if (rc == 0 && unlink(marker) < 0 && errno != ENOENT)
            rc = oj_fail(err, errno, "remove %s", marker);
    }
    oj_cgroup_free(cg);
    if (rc == 0)
        oj_debug("%s", pause ? "paused" : "resumed");
    return rc;
}

OJRUN_API int ojrun_container_pause(ojrun_context *ctx, const char *id, ojrun_error *err)
{
    struct oj_err e = {0};
    if (set_paused(ctx->root, id, true, &e) < 0) {
        oj_api_error_from(err, &e);
        return -1;
    }
    return 0;
}

OJRUN_API int ojrun_container_resume(ojrun_context *ctx, const char *id, ojrun_error *err)
{
    struct oj_err e = {0};
    if (set_paused(ctx->root, id, false, &e) < 0) {
        oj_api_error_from(err, &e);
        return -1;
    }
    return 0;
}

OJRUN_API int ojrun_container_exec(ojrun_context *ctx, const char *id,
                                   const ojrun_exec_options *opts, pid_t *pid, ojrun_error *err)
{
    /* The library reads the arrays and never writes them. */
    struct oj_exec_opts o = {
        .id = id,
        .process_file = opts->process_file,
        .pid_file = opts->pid_file,
        .tty = opts->tty,
        .console_socket = opts->console_socket,
        .cwd = opts->cwd,
        .env = (char **)opts->env,
        .n_env = opts->n_env,
        .user_set = opts->user_set,
        .uid = opts->uid,
        .gid_set = opts->gid_set,
        .gid = opts->gid,
        .additional_gids = (uint32_t *)opts->additional_gids,
        .n_additional_gids = opts->n_additional_gids,
        .caps = (char **)opts->caps,
        .n_caps = opts->n_caps,
        .no_new_privs = opts->no_new_privs,
        .preserve_fds = opts->preserve_fds,
        .apparmor = opts->apparmor,
        .process_label = opts->process_label,
        .args = (char **)opts->args,
        .n_args = opts->n_args,
        .console_master = opts->console_master,
        .console_rows = opts->console_rows,
        .console_cols = opts->console_cols,
        .ignore_paused = opts->ignore_paused,
        .cgroups = (char **)opts->cgroups,
        .n_cgroups = opts->n_cgroups,
    };
    struct oj_err e = {0};
    if (oj_exec_start(&ctx->ctx, &o, pid, &e) < 0) {
        oj_api_error_from(err, &e);
        return -1;
    }
    return 0;
}

static int cmp_pid(const void *a, const void *b)
{
    pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
    return (x > y) - (x < y);
}

OJRUN_API int ojrun_container_pids(ojrun_context *ctx, const char *id, pid_t **pids, size_t *n,
                                   ojrun_error *err)
{
    struct oj_err e = {0};
    _cleanup_state_ struct oj_state *st = NULL;
    struct oj_cgroup *cg = NULL;
    pid_t *list = NULL;
    size_t len = 0;
    if (oj_state_load(ctx->root, id, &st, &e) < 0 || oj_state_cgroup(st, &cg, &e) < 0) {
        oj_api_error_from(err, &e);
        return -1;
    }
    int rc = oj_cgroup_pids(cg, &list, &len, &e);
    oj_cgroup_free(cg);
    if (rc < 0) {
        oj_api_error_from(err, &e);
        return -1;
    }
    /* qsort(3)'s base must not be NULL, even for 0 elements (UBSan). */
    if (len > 1)
        qsort(list, len, sizeof(*list), cmp_pid);
    *pids = list;
    *n = len;
    return 0;
}

OJRUN_API const char *ojrun_status_name(enum ojrun_status s)
{
    return oj_status_name((enum oj_status)s);
}

OJRUN_API int ojrun_container_state(ojrun_context *ctx, const char *id, enum ojrun_status *status,
                                    pid_t *pid, char **json, ojrun_error *err)
{
    struct oj_err e = {0};
    _cleanup_state_ struct oj_state *st = NULL;
    if (oj_state_load(ctx->root, id, &st, &e) < 0) {
        oj_api_error_from(err, &e);
        return -1;
    }
    enum oj_status s = oj_state_status(st);
    if (json) {
        struct strbuf sb = {0};
        if (oj_state_json(st, s, true, &sb, &e) < 0 ||
            (sb.oom && oj_fail(&e, ENOMEM, "state JSON") < 0)) {
            sb_free(&sb);
            oj_api_error_from(err, &e);
            return -1;
        }
        *json = sb.s ? sb.s : strdup("");
    }
    if (status)
        *status = (enum ojrun_status)s;
    if (pid)
        *pid = s == OJ_STATUS_STOPPED ? 0 : st->pid;
    return 0;
}

/* ---- results ------------------------------------------------------------------ */

OJRUN_API const char *ojrun_verdict_name(enum ojrun_verdict v)
{
    return oj_verdict_name((enum oj_verdict)v);
}

static uint64_t opt_or_0(oj_opt_u64 o)
{
    return o.set ? o.v : 0;
}

static oj_opt_u64 opt_from(uint64_t v)
{
    return (oj_opt_u64){v != 0, v};
}

void oj_api_result_from(ojrun_result *out, const struct oj_result *r)
{
    *out = (ojrun_result){
        .verdict = (enum ojrun_verdict)r->verdict,
        .has_exit_code = r->has_exit_code,
        .exit_code = r->exit_code,
        .signal = r->signal,
        .cpu_us = r->cpu_us,
        .user_us = r->user_us,
        .sys_us = r->sys_us,
        .wall_us = r->wall_us,
        .memory_peak_bytes = r->memory_peak_bytes,
        .oom_killed = r->oom_killed,
        .memory_limit_hit = r->memory_limit_hit,
        .pids_peak = r->pids_peak,
        .limits =
            {
                .cpu_ms = opt_or_0(r->limits.cpu_ms),
                .wall_ms = opt_or_0(r->limits.wall_ms),
                .memory_bytes = opt_or_0(r->limits.memory_bytes),
                .output_bytes = opt_or_0(r->limits.output_bytes),
            },
    };
    snprintf(out->error, sizeof(out->error), "%s", r->error);
}

void oj_api_limits_to(struct oj_limits *out, const ojrun_limits *l)
{
    out->cpu_ms = opt_from(l->cpu_ms);
    out->wall_ms = opt_from(l->wall_ms);
    out->memory_bytes = opt_from(l->memory_bytes);
    out->output_bytes = opt_from(l->output_bytes);
}

OJRUN_API char *ojrun_result_json(const char *id, const ojrun_result *r)
{
    struct oj_result in = {
        .verdict = (enum oj_verdict)r->verdict,
        .has_exit_code = r->has_exit_code,
        .exit_code = r->exit_code,
        .signal = r->signal,
        .cpu_us = r->cpu_us,
        .user_us = r->user_us,
        .sys_us = r->sys_us,
        .wall_us = r->wall_us,
        .memory_peak_bytes = r->memory_peak_bytes,
        .oom_killed = r->oom_killed,
        .memory_limit_hit = r->memory_limit_hit,
        .pids_peak = r->pids_peak,
    };
    oj_api_limits_to(&in.limits, &r->limits);
    snprintf(in.error, sizeof(in.error), "%s", r->error);
    struct strbuf sb = {0};
    oj_result_json(id, &in, &sb);
    if (sb.oom) {
        sb_free(&sb);
        return NULL;
    }
    return sb.s;
}
