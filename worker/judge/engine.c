/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine and its slots (engine.h).
 *
 * A slot is the right to run one task, pinned to one CPU through the
 * task's linux.resources.cpu.cpus (cpuset(7)): with one task per CPU at a
 * time, a test's CPU and wall time are those of a quiet machine however
 * many submissions are in flight.  Slot i runs on the i-th CPU the engine
 * was given; more slots than CPUs are allowed (then CPUs repeat, and
 * timings are those of a shared CPU).  A judging that wants a slot when
 * none is free waits; the step that frees one wakes it (its eventfd), so
 * that a judging with nothing running still gets its turn.
 */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "engine_internal.h"
#include "engine_judging.h"
#include "util.h"

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

int oj_engine_parse_cpus(const char *list, int **cpus, size_t *n, struct oj_err *err)
{
    /* cpuset(7), "List format": comma-separated numbers and ranges */
    size_t cap = 0, len = 0;
    int *v = NULL;
    const char *s = list;
    if (!*s) {
        return oj_fail(err, 0, "cpus \"\": no CPU");
    }
    while (*s) {
        char *end;
        errno = 0;
        long a = strtol(s, &end, 10), b;
        if (end == s || errno || a < 0 || a >= CPU_SETSIZE)
            goto bad;
        b = a;
        if (*end == '-') {
            const char *t = end + 1;
            errno = 0;
            b = strtol(t, &end, 10);
            if (end == t || errno || b < a || b >= CPU_SETSIZE)
                goto bad;
        }
        for (long c = a; c <= b; c++) {
            if (len == cap) {
                cap = cap ? cap * 2 : 8;
                int *nv = realloc(v, cap * sizeof(*v));
                if (!nv) {
                    free(v);
                    return oj_fail(err, ENOMEM, "cpus");
                }
                v = nv;
            }
            v[len++] = (int)c;
        }
        if (*end == ',' && end[1])
            end++;
        else if (*end)
            goto bad;
        s = end;
    }
    qsort(v, len, sizeof(*v), cmp_int);
    size_t k = 0;
    for (size_t i = 0; i < len; i++)
        if (k == 0 || v[k - 1] != v[i])
            v[k++] = v[i];
    *cpus = v;
    *n = k;
    return 0;
bad:
    free(v);
    return oj_fail(err, 0, "cpus \"%.64s\": not a CPU list (\"0-3\", \"1,3\")", list);
}

void oj_engine_assign_cpus(const int *cpus, size_t n, unsigned slots, int *slot_cpu)
{
    for (unsigned i = 0; i < slots; i++)
        slot_cpu[i] = cpus[i % n];
}

static int affinity_cpus(int **cpus, size_t *n, struct oj_err *err)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) < 0)
        return oj_fail(err, errno, "sched_getaffinity");
    int *v = calloc(CPU_SETSIZE, sizeof(*v));
    if (!v)
        return oj_fail(err, ENOMEM, "cpus");
    size_t k = 0;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &set))
            v[k++] = c;
    *cpus = v;
    *n = k;
    return k ? 0 : oj_fail(err, 0, "no CPU in the affinity mask");
}

int oj_engine_new(const struct oj_engine_options *opt, struct oj_engine **out, struct oj_err *err)
{
    if (!opt->work_dir || !opt->id_prefix)
        return oj_fail(err, EINVAL, "engine: work_dir and id_prefix are required");
    /* the ids are "<prefix>-<n>": runc's id rules, with room for n */
    if (strlen(opt->id_prefix) > 100 || oj_validate_id(opt->id_prefix, err) < 0)
        return oj_fail(err, EINVAL,
                       "engine: id_prefix \"%.100s\": use [A-Za-z0-9_.-], at most "
                       "100 characters",
                       opt->id_prefix);
    _cleanup_free_ int *cpus = NULL;
    size_t n = 0;
    if (opt->cpus ? oj_engine_parse_cpus(opt->cpus, &cpus, &n, err) : affinity_cpus(&cpus, &n, err))
        return oj_wrap(err, "engine");
    struct oj_engine *e = calloc(1, sizeof(*e));
    if (!e)
        return oj_fail(err, ENOMEM, "engine");
    e->n_slots = opt->slots ? opt->slots : (unsigned)n;
    e->keep = opt->keep;
    e->compile_ms = opt->compile_ms;
    e->log = opt->log;
    e->log_arg = opt->log_arg;
    e->work_dir = strdup(opt->work_dir);
    e->prefix = strdup(opt->id_prefix);
    /* (absolute: boxes in it are bind-mounted) */
    char cwd[4096] = "";
    if (((opt->cache_dir && opt->cache_dir[0] != '/') || opt->work_dir[0] != '/') &&
        !getcwd(cwd, sizeof(cwd))) {
        free(e);
        return oj_fail(err, errno, "engine: getcwd");
    }
    const char *cache = opt->cache_dir ? opt->cache_dir : opt->work_dir;
    if (asprintf(&e->cache_dir, "%s%s%s%s", cache[0] == '/' ? "" : cwd, cache[0] == '/' ? "" : "/",
                 cache, opt->cache_dir ? "" : "/cache") < 0)
        e->cache_dir = NULL;
    e->slot_cpu = calloc(e->n_slots, sizeof(*e->slot_cpu));
    e->slot_busy = calloc(e->n_slots, sizeof(*e->slot_busy));
    if (!e->work_dir || !e->prefix || !e->cache_dir || !e->slot_cpu || !e->slot_busy) {
        oj_engine_free(e);
        return oj_fail(err, ENOMEM, "engine");
    }
    oj_engine_assign_cpus(cpus, n, e->n_slots, e->slot_cpu);
    if (oj_engine_mkdir(e->work_dir, 0711, err) < 0) {
        oj_engine_free(e);
        return oj_wrap(err, "engine: work directory");
    }
    /* bundles, boxes and outputs are named to the runtime by absolute path */
    char *abs = realpath(e->work_dir, NULL);
    if (!abs) {
        int saved = errno;
        oj_engine_free(e);
        return oj_fail(err, saved, "engine: realpath %s", opt->work_dir);
    }
    free(e->work_dir);
    e->work_dir = abs;
    ojrun_error oerr = {0};
    e->ctx = ojrun_context_new(opt->state_root, &oerr);
    if (!e->ctx) {
        oj_engine_free(e);
        return oj_fail(err, oerr.code, "engine: %s", oerr.message);
    }
    *out = e;
    return 0;
}

void oj_engine_free(struct oj_engine *e)
{
    if (!e)
        return;
    while (e->judgings)
        oj_judging_free(e->judgings);
    if (e->ctx)
        ojrun_context_free(e->ctx);
    free(e->work_dir);
    free(e->cache_dir);
    free(e->prefix);
    free(e->slot_cpu);
    free(e->slot_busy);
    free(e);
}

unsigned oj_engine_free_slots(const struct oj_engine *e)
{
    return e->n_slots - e->busy;
}

int oj_engine_slot_take(struct oj_engine *e)
{
    for (unsigned i = 0; i < e->n_slots; i++)
        if (!e->slot_busy[i]) {
            e->slot_busy[i] = true;
            e->busy++;
            return (int)i;
        }
    return -1;
}

void oj_engine_slot_put(struct oj_engine *e, int slot)
{
    if (slot < 0 || (unsigned)slot >= e->n_slots || !e->slot_busy[slot])
        return;
    e->slot_busy[slot] = false;
    e->busy--;
    for (struct oj_judging *j = e->judgings; j; j = j->next)
        oj_judging_wake_for_slot(j);
}

void oj_engine_log(struct oj_engine *e, const char *fmt, ...)
{
    if (!e->log)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    e->log(e->log_arg, line);
}
