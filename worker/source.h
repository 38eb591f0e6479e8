/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where submissions come from and where their results go.  The worker's
 * loop knows only this interface; two sources implement it:
 *
 *   spool.c  files: DIR/in/NAME.json → DIR/out/<submission_id>.json
 *   amqp.c   RabbitMQ (librabbitmq): a queue → the result exchange or the
 *            message's reply_to, with publisher confirms
 *
 * Delivery rules (specs/worker-protocol.md): a message is settled exactly
 * once, by finish(), retry(), reject() or release().  finish() returns only
 * when the result is durable (the file renamed into place, or the broker's
 * confirm received) and then acknowledges the message, so a worker that
 * dies at any point loses nothing: an unsettled message is given again
 * (marked redelivered) to this worker after a restart or to another.
 * A settling call ends the loop's hold on the message whether it succeeds
 * or fails: after a failure (a lost connection, a full disk) the message
 * is still unsettled at the source, which gives it again later (after the
 * reconnect, or the next start); the loop logs the error and forgets it.
 */
#ifndef OJRUN_WORKER_SOURCE_H
#define OJRUN_WORKER_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct oj_msg {
    char *body; /* the submission JSON as received (not NUL-terminated: len) */
    size_t len;
    unsigned attempt;     /* 1, then one more per SE retry (a header / the file name) */
    bool redelivered;     /* given before and never settled */
    char *reply_to;       /* NULL when absent */
    char *correlation_id; /* NULL when absent */
    void *priv;           /* the source's own (a delivery tag, a file name) */
};

struct oj_source;

struct oj_source_ops {
    const char *name;
    /* The fd to poll for POLLIN, or -1 (then next() is called at least every
     * 100 ms).  May change after a reconnect: ask again each loop. */
    int (*fd)(struct oj_source *s);
    /* Hold at most `credit` unsettled messages (the free slots). */
    int (*set_credit)(struct oj_source *s, unsigned credit, struct oj_err *err);
    /* Without blocking: 1 and *m filled, 0 when none now (also while
     * reconnecting: the source reconnects by itself, with backoff), -1 on an
     * error the worker cannot go on from. */
    int (*next)(struct oj_source *s, struct oj_msg *m, struct oj_err *err);
    /* A progress event for m; best effort, never confirmed. */
    int (*progress)(struct oj_source *s, const struct oj_msg *m, const char *json, size_t len,
                    struct oj_err *err);
    /* Make the final result durable, then acknowledge m. */
    int (*finish)(struct oj_source *s, struct oj_msg *m, const char *json, size_t len,
                  struct oj_err *err);
    /* The sandbox failed (SE): give m again with attempt + 1 -- or, when
     * attempt has reached the source's maximum, dead-letter it with `reason`. */
    int (*retry)(struct oj_source *s, struct oj_msg *m, const char *reason, struct oj_err *err);
    /* Poison (not JSON, unknown language or problem, too large, wrong
     * types): dead-letter with a one-line reason; never given again. */
    int (*reject)(struct oj_source *s, struct oj_msg *m, const char *reason, struct oj_err *err);
    /* Shutting down: give m back untouched (not counted as an attempt). */
    int (*release)(struct oj_source *s, struct oj_msg *m, struct oj_err *err);
    void (*close)(struct oj_source *s);
};

struct oj_source {
    const struct oj_source_ops *ops;
};

/* Release what a message holds (not the source's settlement). */
void oj_msg_clear(struct oj_msg *m);

#endif
