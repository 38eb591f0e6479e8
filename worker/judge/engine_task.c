/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One container of a judging: a slot, an id "<prefix>-<n>", and a task of
 * libojrun (ojrun_task_spawn(): a supervisor child that creates, supervises
 * and deletes the container, and whose result pipe is the fd the caller
 * polls).  No `ojrun` process is run.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine_judging.h"

struct oj_etask *oj_etask_spawn(struct oj_judging *j, enum oj_etask_kind kind, int slot, int cpu,
                                const ojrun_config *cfg, const char *bundle, int in, int out,
                                int errfd, struct oj_err *err)
{
    struct oj_engine *e = j->e;
    struct oj_etask *t = calloc(1, sizeof(*t));
    if (!t) {
        oj_fail(err, ENOMEM, "task");
        return NULL;
    }
    t->j = j;
    t->kind = kind;
    t->slot = slot;
    snprintf(t->id, sizeof(t->id), "%s-%llu", e->prefix, (unsigned long long)++e->next_id);
    char cpus[16];
    snprintf(cpus, sizeof(cpus), "%d", slot >= 0 ? e->slot_cpu[slot] : cpu);
    ojrun_task_spec spec = {
        .id = t->id,
        .config = cfg,
        .bundle = bundle,
        .stdin_fd = in,
        .stdout_fd = out,
        .stderr_fd = errfd,
        .cpus = cpus,
    };
    ojrun_error oerr = {0};
    t->task = ojrun_task_spawn(e->ctx, &spec, &oerr);
    if (!t->task) {
        t->over = t->failed = true;
        snprintf(t->error, sizeof(t->error), "%s", oerr.message);
        /* no fd will say it is over: the judging's own wakes it */
        uint64_t one = 1;
        if (write(j->wake_fd, &one, sizeof(one)) < 0) {
            /* the counter is full: readable anyway */
        }
    }
    t->next = j->tasks;
    j->tasks = t;
    return t;
}

bool oj_etask_poll(struct oj_etask *t)
{
    if (t->over)
        return true;
    ojrun_error oerr = {0};
    if (ojrun_task_collect(t->task, &t->r, &oerr) == 0) {
        t->over = true;
        return true;
    }
    if (oerr.code == EAGAIN)
        return false;
    /* the container could not be created or started */
    t->over = t->failed = true;
    snprintf(t->error, sizeof(t->error), "%s", oerr.message);
    return true;
}

const char *oj_etask_verdict(const struct oj_etask *t)
{
    return t->failed ? "SE" : ojrun_verdict_name(t->r.verdict);
}

void oj_etask_free(struct oj_etask *t)
{
    if (!t)
        return;
    struct oj_judging *j = t->j;
    for (struct oj_etask **pp = &j->tasks; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    /* a task not yet over is cancelled and waited for (its container is
     * killed and deleted by its supervisor) */
    ojrun_task_free(t->task);
    int slot = t->slot;
    free(t);
    oj_engine_slot_put(j->e, slot);
}
