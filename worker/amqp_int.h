/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals of the RabbitMQ source, shared by its two files:
 *
 *   amqp_conn.c  one connection: connect, declare the topology, read frames
 *                without blocking, publish with or without a confirm
 *   amqp.c       the source (source.h): deliveries to the loop, settlement,
 *                reconnects with backoff, results kept across a reconnect
 */
#ifndef OJRUN_WORKER_AMQP_INT_H
#define OJRUN_WORKER_AMQP_INT_H

#include <amqp.h>
#include <stdbool.h>
#include <stdint.h>

#include "amqp.h"

/* Channel 1 consumes and publishes what must be confirmed (results, retries,
 * dead letters): confirm.select is on it.  Channel 2 publishes progress
 * events, best effort, so their confirms never mix with the ones finish()
 * waits for. */
#define OJ_AMQP_CH          1
#define OJ_AMQP_CH_PROGRESS 2

#define OJ_AMQP_HDR_ATTEMPT "x-ojrun-attempt"
#define OJ_AMQP_HDR_REASON  "x-ojrun-reason"

/* A delivery read from the broker, complete, not yet given to the loop. */
struct oj_amqp_delivery {
    struct oj_amqp_delivery *next;
    uint64_t tag;
    unsigned gen; /* the connection it came on (tags are per channel) */
    bool redelivered;
    unsigned attempt;
    char *exchange, *routing_key;
    char *reply_to, *correlation_id, *content_type;
    char *body;
    size_t len;
};

void oj_amqp_delivery_free(struct oj_amqp_delivery *d);

/* Recent publisher confirms: finish() waits for the sequence numbers of its
 * publishes.  The broker may confirm out of order and with `multiple`. */
#define OJ_AMQP_CONFIRM_RING 64
struct oj_amqp_confirms {
    uint64_t seq;                        /* sequence number of the last publish on OJ_AMQP_CH */
    uint64_t acked_upto;                 /* every seq <= this is acked (a `multiple` ack) */
    uint64_t ring[OJ_AMQP_CONFIRM_RING]; /* single acks (positive) and nacks (negated bit 63) */
    unsigned ring_pos;
};

struct oj_amqp_conn {
    amqp_connection_state_t state;
    bool up;
    /* a TCP connect in progress (non-blocking), before `state` exists */
    bool connecting;
    int connect_fd;
    int64_t connect_deadline_ms;
    unsigned gen;
    struct oj_amqp_confirms confirms;
    /* the delivery being assembled from method, header and body frames */
    struct oj_amqp_delivery *partial;
    size_t partial_expect;
    bool skipping; /* a basic.return's content: read and dropped */
    /* complete deliveries, in order */
    struct oj_amqp_delivery *head, **tail;
    unsigned queued;
};

struct oj_amqp_src; /* amqp.c */

/* Connect to the options' broker and declare everything, waiting for it;
 * conn->gen must be set by the caller.  On failure nothing is left open. */
int oj_amqp_conn_open(struct oj_amqp_conn *c, const struct oj_amqp_options *opt,
                      const struct amqp_connection_info *ci, struct oj_err *err);
/* The same in two steps, for reconnecting from the loop without blocking
 * it: start() begins a non-blocking TCP connect; finish() with wait_ms 0
 * returns 0 while it is in progress, and once it is done logs in and
 * declares (round trips to a broker that answers: milliseconds, bounded
 * by the RPC timeout) and returns 1; -1 on failure, nothing left open. */
int oj_amqp_conn_connect_start(struct oj_amqp_conn *c, const struct amqp_connection_info *ci,
                               struct oj_err *err);
int oj_amqp_conn_connect_finish(struct oj_amqp_conn *c, const struct oj_amqp_options *opt,
                                const struct amqp_connection_info *ci, int wait_ms,
                                struct oj_err *err);
void oj_amqp_conn_close(struct oj_amqp_conn *c, bool polite);

/* Read and handle the frames available now (timeout_ms 0) or within
 * timeout_ms, until none is left or one is read when `once`.  Complete
 * deliveries go to c->head.  -1 when the connection is lost (c->up false). */
int oj_amqp_conn_pump(struct oj_amqp_conn *c, int timeout_ms, bool once, struct oj_err *err);

struct oj_amqp_pub {
    const char *exchange, *routing_key;
    const char *reply_to, *correlation_id, *content_type, *type;
    unsigned attempt;                             /* header x-ojrun-attempt when non-zero */
    const char *reason;                           /* header x-ojrun-reason when set */
    const char *orig_exchange, *orig_routing_key; /* dead letters: where it was sent */
};

/* Publish on OJ_AMQP_CH; *seq is its confirm sequence number. */
int oj_amqp_conn_publish(struct oj_amqp_conn *c, const struct oj_amqp_pub *p, const char *body,
                         size_t len, uint64_t *seq, struct oj_err *err);
/* Publish on the progress channel, no confirm. */
int oj_amqp_conn_publish_progress(struct oj_amqp_conn *c, const struct oj_amqp_pub *p,
                                  const char *body, size_t len, struct oj_err *err);
/* Wait until seq is confirmed: 0 acked, -1 nacked (err says so), lost or
 * timed out. */
int oj_amqp_conn_wait_confirm(struct oj_amqp_conn *c, uint64_t seq, int timeout_ms,
                              struct oj_err *err);
int oj_amqp_conn_ack(struct oj_amqp_conn *c, uint64_t tag, struct oj_err *err);
int oj_amqp_conn_nack_requeue(struct oj_amqp_conn *c, uint64_t tag, struct oj_err *err);

#endif
