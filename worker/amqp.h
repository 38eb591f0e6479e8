/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The RabbitMQ source (amqp.c, librabbitmq): submissions from a queue,
 * results through the result exchange (or a message's reply_to) with
 * publisher confirms, poison and exhausted retries to the dead-letter
 * exchange.  The worker's command line (worker/cli.c) fills the options;
 * the loop then knows only struct oj_source (source.h).
 *
 * Topology (declared by the source at connect, idempotently; the names are
 * the defaults of cli.c, specs/worker-protocol.md "Topology"):
 *
 *   submissions exchange ── direct, key = language ──► ojrun.<language>
 *                        └─ x-consistent-hash, key = problem_id ──► <queue>
 *   result exchange      ── topic, key = "result.<verdict>" / "progress.<test>"
 *   dead-letter exchange ── fanout ──► dead-letter queue
 */
#ifndef OJRUN_WORKER_AMQP_H
#define OJRUN_WORKER_AMQP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "source.h"

/* How submissions reach this worker's queue(s). */
enum oj_amqp_routing {
    /* A direct exchange, routing key = language: one queue per language
     * served ("<queue_prefix><language>", shared by every worker serving
     * it), bound with that key.  `languages` must be set. */
    OJ_AMQP_ROUTE_DIRECT,
    /* rabbitmq_consistent_hash_exchange, routing key = problem_id: one
     * queue per worker (`queue`), bound with weight `hash_weight`, so one
     * problem's submissions land on one worker.  `queue` must be set. */
    OJ_AMQP_ROUTE_HASH,
};

enum oj_amqp_queue_type {
    OJ_AMQP_QUEUE_CLASSIC,
    OJ_AMQP_QUEUE_QUORUM, /* x-queue-type=quorum: durable, replicated in a cluster */
};

/* Where the source writes its log lines (connects, reconnects, dead
 * letters).  level: "error", "warn", "info", "debug".  NULL: silent. */
typedef void (*oj_amqp_log_fn)(void *arg, const char *level, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

struct oj_amqp_options {
    /* amqp://user:pass@host:port/vhost (amqp_parse_url); never logged with
     * its password. */
    const char *url;

    enum oj_amqp_routing routing;
    /* DIRECT: the languages to consume (NULL-terminated), each its queue. */
    const char *const *languages;
    /* HASH: this worker's queue; DIRECT with `queue` set and no languages:
     * consume exactly that queue (declared, not bound). */
    const char *queue;
    const char *queue_prefix; /* DIRECT: queue names; default "ojrun." */
    unsigned hash_weight;     /* HASH: the binding's weight; 0: 1 */
    enum oj_amqp_queue_type queue_type;

    const char *submit_exchange;      /* default "ojrun.submissions" (DIRECT) or
                                         "ojrun.submissions.hash" (HASH) */
    const char *result_exchange;      /* default "ojrun.results" */
    const char *dead_letter_exchange; /* default "ojrun.dead" */
    const char *dead_letter_queue;    /* default "ojrun.dead" */

    /* basic.qos; the loop lowers it to the free slots with set_credit(). */
    unsigned prefetch;
    /* SE retries: after `max_attempts` attempts a message is dead-lettered
     * (header x-ojrun-attempt counts them). */
    unsigned max_attempts;

    oj_amqp_log_fn log;
    void *log_arg;
};

/* Connect (the first connection is made here, so a wrong URL or refused
 * login fails now, with a message naming the host), declare the topology,
 * start consuming.  Later connection losses are handled inside the source
 * (reconnect with backoff; unsettled messages are redelivered by the broker). */
int oj_amqp_source_open(const struct oj_amqp_options *opt, struct oj_source **out,
                        struct oj_err *err);

#endif
