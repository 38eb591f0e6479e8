/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The RabbitMQ source (source.h, options in amqp.h): deliveries become
 * messages for the loop; settling one publishes (confirmed) and then acks.
 *
 * Connection loss.  When the connection drops, the broker requeues every
 * message this worker had not acknowledged, and their delivery tags die
 * with the channel.  The loop may still be judging some of them.  What
 * happens to such a message ("of an old connection") when it is settled:
 *
 *   finish()   the result is kept (the outbox) and published, confirmed,
 *              right after the next connect; the message's key
 *              (submission_id, attempt) is remembered, and when the broker
 *              redelivers it to this worker it is acknowledged without being
 *              judged again.  If another worker got it first, it is judged
 *              twice and both results carry the same submission_id and
 *              attempt: the documented duplicate window.
 *   retry(), reject(), release()
 *              nothing: the broker gives it again anyway (a retry is then
 *              not counted; a poison message is rejected again).
 *
 * next() never blocks: it reads the frames the socket has now, and while
 * disconnected it starts a non-blocking connect when the backoff has passed
 * (0.2 s doubling to 5 s) and logs in once the TCP connect is done.  finish() blocks until the
 * broker's confirm (bounded: CONFIRM_TIMEOUT_MS), as the contract requires.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "amqp_int.h"
#include "cleanup.h"
#include "error.h"
#include "json.h"

#define CONFIRM_TIMEOUT_MS 30000
#define BACKOFF_MIN_MS     200
#define BACKOFF_MAX_MS     5000
/* How long a result published after a reconnect is remembered, to drop the
 * broker's redelivery of its submission; and how many at most. */
#define DONE_KEEP_MS (30 * 60 * 1000)
#define DONE_MAX     4096

/* A final result waiting for a connection. */
struct outbox {
    struct outbox *next;
    char *key;
    char *json;
    size_t len;
    char *routing_key;
    char *reply_to, *correlation_id;
};

/* A submission whose result is published though its delivery was never
 * acknowledged (it came on a connection since lost). */
struct done {
    struct done *next;
    char *key;
    int64_t at_ms;
};

struct oj_amqp_src {
    struct oj_source base;
    struct oj_amqp_options opt;
    char *url; /* amqp_parse_url cuts it into ci */
    struct amqp_connection_info ci;
    struct oj_amqp_conn conn;
    unsigned gen;
    int64_t next_try_ms;
    int backoff_ms;
    bool ever_lost;
    unsigned credit; /* how many unsettled messages the loop may hold */
    unsigned held;   /* given to the loop and not settled yet */
    struct outbox *outbox;
    struct done *done;
    unsigned ndone;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void logf_(struct oj_amqp_src *s, const char *level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void logf_(struct oj_amqp_src *s, const char *level, const char *fmt, ...)
{
    if (!s->opt.log)
        return;
    va_list ap;
    va_start(ap, fmt);
    s->opt.log(s->opt.log_arg, level, fmt, ap);
    va_end(ap);
}

/* "submission_id/attempt" of a message body; NULL when it has none (a
 * poison message: never published as a result, so never in the outbox). */
static char *msg_key(const char *body, size_t len, unsigned attempt)
{
    struct oj_err e;
    oj_json *root = oj_json_parse(body, len, "submission", &e);
    if (!root)
        return NULL;
    const char *id = NULL;
    char *key = NULL;
    if (oj_json_str(oj_json_get(root, "submission_id"), &id) &&
        asprintf(&key, "%s/%u", id, attempt) < 0)
        key = NULL;
    oj_json_free(root);
    return key;
}

static char *json_str_field(const char *json, size_t len, const char *field)
{
    struct oj_err e;
    oj_json *root = oj_json_parse(json, len, "result", &e);
    if (!root)
        return NULL;
    const char *v = NULL;
    char *out = NULL;
    if (oj_json_str(oj_json_get(root, field), &v))
        out = strdup(v);
    oj_json_free(root);
    return out;
}

static void outbox_free(struct outbox *o)
{
    if (!o)
        return;
    free(o->key);
    free(o->json);
    free(o->routing_key);
    free(o->reply_to);
    free(o->correlation_id);
    free(o);
}

static void done_expire(struct oj_amqp_src *s)
{
    int64_t now = now_ms();
    struct done **pp = &s->done;
    unsigned kept = 0;
    while (*pp) {
        struct done *d = *pp;
        if (now - d->at_ms > DONE_KEEP_MS || kept >= DONE_MAX) {
            *pp = d->next;
            free(d->key);
            free(d);
            s->ndone--;
            continue;
        }
        kept++;
        pp = &d->next;
    }
}

static void done_add(struct oj_amqp_src *s, char *key)
{
    struct done *d = calloc(1, sizeof(*d));
    if (!d) {
        free(key);
        return; /* forgetting it costs at worst a second judging */
    }
    d->key = key;
    d->at_ms = now_ms();
    d->next = s->done;
    s->done = d;
    s->ndone++;
    done_expire(s);
}

static bool done_has(struct oj_amqp_src *s, const char *key)
{
    for (struct done *d = s->done; d; d = d->next)
        if (strcmp(d->key, key) == 0)
            return true;
    return false;
}

/* Publish a final result, confirmed: to the result exchange and, when the
 * submission asked, to its reply_to queue (default exchange). */
static int publish_result(struct oj_amqp_src *s, const char *routing_key, const char *reply_to,
                          const char *correlation_id, const char *json, size_t len,
                          struct oj_err *err)
{
    struct oj_amqp_pub p = {
        .exchange = s->opt.result_exchange,
        .routing_key = routing_key,
        .correlation_id = correlation_id,
        .content_type = "application/json",
        .type = "ojrun.result",
    };
    uint64_t seq1 = 0, seq2 = 0;
    if (oj_amqp_conn_publish(&s->conn, &p, json, len, &seq1, err) < 0)
        return oj_wrap(err, "publish the result");
    if (reply_to) {
        p.exchange = "";
        p.routing_key = reply_to;
        if (oj_amqp_conn_publish(&s->conn, &p, json, len, &seq2, err) < 0)
            return oj_wrap(err, "publish the result to reply_to %s", reply_to);
    }
    if (oj_amqp_conn_wait_confirm(&s->conn, seq1, CONFIRM_TIMEOUT_MS, err) < 0 ||
        (seq2 && oj_amqp_conn_wait_confirm(&s->conn, seq2, CONFIRM_TIMEOUT_MS, err) < 0))
        return oj_wrap(err, "publish the result");
    return 0;
}

static char *result_routing_key(const char *json, size_t len)
{
    _cleanup_free_ char *verdict = json_str_field(json, len, "verdict");
    char *rk = NULL;
    if (asprintf(&rk, "result.%s", verdict ? verdict : "unknown") < 0)
        return NULL;
    return rk;
}

/* After a connect: the results of messages that were being judged when the
 * connection was lost. */
static int flush_outbox(struct oj_amqp_src *s, struct oj_err *err)
{
    while (s->outbox) {
        struct outbox *o = s->outbox;
        if (publish_result(s, o->routing_key, o->reply_to, o->correlation_id, o->json, o->len,
                           err) < 0)
            return -1;
        logf_(s, "info", "published the result of %s, judged while disconnected", o->key);
        s->outbox = o->next;
        done_add(s, o->key);
        o->key = NULL;
        outbox_free(o);
    }
    return 0;
}

static void schedule_reconnect(struct oj_amqp_src *s, const struct oj_err *why)
{
    oj_amqp_conn_close(&s->conn, false);
    s->ever_lost = true;
    s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : BACKOFF_MIN_MS;
    if (s->backoff_ms > BACKOFF_MAX_MS)
        s->backoff_ms = BACKOFF_MAX_MS;
    s->next_try_ms = now_ms() + s->backoff_ms;
    logf_(s, "warn", "broker connection lost (%s); reconnecting in %d ms", why->msg, s->backoff_ms);
}

static int try_connect(struct oj_amqp_src *s, struct oj_err *err)
{
    s->conn.gen = ++s->gen;
    if (oj_amqp_conn_open(&s->conn, &s->opt, &s->ci, err) < 0)
        return -1;
    if (flush_outbox(s, err) < 0)
        return -1;
    return 0;
}

/* While disconnected, from next(): start a connect when the backoff has
 * passed, and see whether it is done -- without waiting for the TCP
 * handshake (a broker host that drops packets would otherwise hold the
 * loop for the connect timeout at each try). */
static void reconnect_if_due(struct oj_amqp_src *s)
{
    if (s->conn.up)
        return;
    struct oj_err e;
    if (!s->conn.connecting) {
        if (now_ms() < s->next_try_ms)
            return;
        s->conn.gen = ++s->gen;
        if (oj_amqp_conn_connect_start(&s->conn, &s->ci, &e) < 0) {
            schedule_reconnect(s, &e);
            return;
        }
    }
    int r = oj_amqp_conn_connect_finish(&s->conn, &s->opt, &s->ci, 0, &e);
    if (r == 0)
        return;
    if (r < 0 || flush_outbox(s, &e) < 0) {
        schedule_reconnect(s, &e);
        return;
    }
    s->backoff_ms = 0;
    logf_(s, "info", "connected to %s:%d again", s->ci.host, s->ci.port);
}

static struct oj_amqp_src *src_of(struct oj_source *src)
{
    return (struct oj_amqp_src *)src;
}

static int amqp_fd(struct oj_source *src)
{
    struct oj_amqp_src *s = src_of(src);
    return s->conn.up ? amqp_get_sockfd(s->conn.state) : -1;
}

static int amqp_set_credit(struct oj_source *src, unsigned credit, struct oj_err *err)
{
    src_of(src)->credit = credit;
    return 0;
}

/* A redelivery of a submission whose result is already published (or in
 * the outbox): acknowledge it, do not judge it again.  1 when so. */
static int settle_known(struct oj_amqp_src *s, struct oj_amqp_delivery *d)
{
    if (!d->redelivered || (!s->done && !s->outbox))
        return 0;
    _cleanup_free_ char *key = msg_key(d->body, d->len, d->attempt);
    if (!key || !done_has(s, key))
        return 0;
    struct oj_err e;
    if (oj_amqp_conn_ack(&s->conn, d->tag, &e) < 0) {
        schedule_reconnect(s, &e);
        return 1; /* given again after the reconnect, and acked then */
    }
    logf_(s, "info", "redelivered %s: its result is already published; acknowledged", key);
    return 1;
}

static int amqp_next(struct oj_source *src, struct oj_msg *m, struct oj_err *err)
{
    struct oj_amqp_src *s = src_of(src);
    reconnect_if_due(s);
    if (!s->conn.up)
        return 0;
    struct oj_err e;
    if (oj_amqp_conn_pump(&s->conn, 0, false, &e) < 0) {
        schedule_reconnect(s, &e);
        return 0;
    }
    while (s->held < s->credit && s->conn.head) {
        struct oj_amqp_delivery *d = s->conn.head;
        s->conn.head = d->next;
        if (!s->conn.head)
            s->conn.tail = &s->conn.head;
        s->conn.queued--;
        d->next = NULL;
        if (settle_known(s, d)) {
            oj_amqp_delivery_free(d);
            if (!s->conn.up)
                return 0;
            continue;
        }
        memset(m, 0, sizeof(*m));
        m->body = d->body;
        m->len = d->len;
        d->body = NULL;
        m->attempt = d->attempt;
        m->redelivered = d->redelivered;
        m->reply_to = d->reply_to;
        m->correlation_id = d->correlation_id;
        d->reply_to = d->correlation_id = NULL;
        m->priv = d; /* keeps the tag, generation, exchange and routing key */
        s->held++;
        return 1;
    }
    return 0;
}

static bool of_this_connection(struct oj_amqp_src *s, const struct oj_amqp_delivery *d)
{
    return s->conn.up && d->gen == s->conn.gen;
}

static int amqp_progress(struct oj_source *src, const struct oj_msg *m, const char *json,
                         size_t len, struct oj_err *err)
{
    struct oj_amqp_src *s = src_of(src);
    if (!s->conn.up)
        return 0; /* best effort: dropped while disconnected */
    _cleanup_free_ char *test = json_str_field(json, len, "test");
    _cleanup_free_ char *rk = NULL;
    if (asprintf(&rk, "progress.%s", test ? test : "unknown") < 0)
        return oj_fail(err, ENOMEM, "publish a progress event");
    struct oj_amqp_pub p = {
        .exchange = s->opt.result_exchange,
        .routing_key = rk,
        .correlation_id = m->correlation_id,
        .content_type = "application/json",
        .type = "ojrun.progress",
    };
    struct oj_err e;
    if (oj_amqp_conn_publish_progress(&s->conn, &p, json, len, &e) < 0)
        schedule_reconnect(s, &e);
    return 0;
}

static void msg_done(struct oj_amqp_src *s, struct oj_msg *m)
{
    if (m->priv && s->held > 0)
        s->held--;
    oj_amqp_delivery_free(m->priv);
    m->priv = NULL;
}

/* Keep a result for the next connection. */
static int to_outbox(struct oj_amqp_src *s, struct oj_msg *m, const char *json, size_t len,
                     const char *routing_key, struct oj_err *err)
{
    struct outbox *o = calloc(1, sizeof(*o));
    if (!o)
        return oj_fail(err, ENOMEM, "keep a result for after the reconnect");
    o->key = msg_key(m->body, m->len, m->attempt);
    o->json = malloc(len ? len : 1);
    o->routing_key = strdup(routing_key);
    o->reply_to = m->reply_to ? strdup(m->reply_to) : NULL;
    o->correlation_id = m->correlation_id ? strdup(m->correlation_id) : NULL;
    if (!o->key || !o->json || !o->routing_key || (m->reply_to && !o->reply_to) ||
        (m->correlation_id && !o->correlation_id)) {
        outbox_free(o);
        /* not kept: the broker redelivers the message and it is judged again */
        return oj_fail(err, ENOMEM, "keep a result for after the reconnect");
    }
    memcpy(o->json, json, len);
    o->len = len;
    struct outbox **pp = &s->outbox;
    while (*pp)
        pp = &(*pp)->next;
    *pp = o;
    logf_(s, "info", "%s judged while disconnected: its result is published after the reconnect",
          o->key);
    return 0;
}

static int amqp_finish(struct oj_source *src, struct oj_msg *m, const char *json, size_t len,
                       struct oj_err *err)
{
    struct oj_amqp_src *s = src_of(src);
    struct oj_amqp_delivery *d = m->priv;
    _cleanup_free_ char *rk = result_routing_key(json, len);
    if (!rk)
        return oj_fail(err, ENOMEM, "publish the result");
    int r = 0;
    if (!of_this_connection(s, d)) {
        r = to_outbox(s, m, json, len, rk, err);
    } else {
        struct oj_err e;
        if (publish_result(s, rk, m->reply_to, m->correlation_id, json, len, &e) < 0 ||
            oj_amqp_conn_ack(&s->conn, d->tag, &e) < 0) {
            /* The connection is lost (or the broker refused the publish):
             * either way the delivery is no longer ours; keep the result. */
            if (s->conn.up)
                oj_amqp_conn_close(&s->conn, false);
            schedule_reconnect(s, &e);
            r = to_outbox(s, m, json, len, rk, err);
        }
    }
    msg_done(s, m);
    return r;
}

/* Publish m's body again, confirmed, then ack the delivery.  For a retry:
 * to where it came from with attempt + 1; for a dead letter: to the
 * dead-letter exchange with the reason. */
static int republish(struct oj_amqp_src *s, struct oj_msg *m, bool dead, const char *reason,
                     struct oj_err *err)
{
    struct oj_amqp_delivery *d = m->priv;
    struct oj_amqp_pub p = {
        .reply_to = m->reply_to,
        .correlation_id = m->correlation_id,
        .content_type = d->content_type,
    };
    if (dead) {
        p.exchange = s->opt.dead_letter_exchange;
        p.routing_key = "";
        p.attempt = m->attempt;
        p.reason = reason;
        p.orig_exchange = d->exchange;
        p.orig_routing_key = d->routing_key;
    } else {
        p.exchange = d->exchange;
        p.routing_key = d->routing_key;
        p.attempt = m->attempt + 1;
    }
    uint64_t seq;
    struct oj_err e;
    if (oj_amqp_conn_publish(&s->conn, &p, m->body, m->len, &seq, &e) < 0 ||
        oj_amqp_conn_wait_confirm(&s->conn, seq, CONFIRM_TIMEOUT_MS, &e) < 0 ||
        oj_amqp_conn_ack(&s->conn, d->tag, &e) < 0) {
        /* not settled: the broker gives the message again */
        if (s->conn.up)
            oj_amqp_conn_close(&s->conn, false);
        schedule_reconnect(s, &e);
        return 0;
    }
    return 0;
}

static int amqp_retry(struct oj_source *src, struct oj_msg *m, const char *reason,
                      struct oj_err *err)
{
    struct oj_amqp_src *s = src_of(src);
    struct oj_amqp_delivery *d = m->priv;
    int r = 0;
    if (of_this_connection(s, d)) {
        bool dead = s->opt.max_attempts && m->attempt >= s->opt.max_attempts;
        _cleanup_free_ char *why = NULL;
        if (dead && asprintf(&why, "attempt %u of %u: %s", m->attempt, s->opt.max_attempts,
                             reason ? reason : "system error") < 0)
            why = NULL;
        if (dead)
            logf_(s, "warn", "dead-lettered after %u attempts: %s", m->attempt,
                  reason ? reason : "system error");
        r = republish(s, m, dead, why ? why : reason, err);
    }
    msg_done(s, m);
    return r;
}

static int amqp_reject(struct oj_source *src, struct oj_msg *m, const char *reason,
                       struct oj_err *err)
{
    struct oj_amqp_src *s = src_of(src);
    struct oj_amqp_delivery *d = m->priv;
    int r = 0;
    if (of_this_connection(s, d)) {
        logf_(s, "warn", "dead-lettered: %s", reason);
        r = republish(s, m, true, reason, err);
    }
    msg_done(s, m);
    return r;
}

static int amqp_release(struct oj_source *src, struct oj_msg *m, struct oj_err *err)
{
    struct oj_amqp_src *s = src_of(src);
    struct oj_amqp_delivery *d = m->priv;
    if (of_this_connection(s, d)) {
        struct oj_err e;
        if (oj_amqp_conn_nack_requeue(&s->conn, d->tag, &e) < 0)
            schedule_reconnect(s, &e);
    }
    msg_done(s, m);
    return 0;
}

static void amqp_close(struct oj_source *src)
{
    struct oj_amqp_src *s = src_of(src);
    if (!s)
        return;
    /* Results still in the outbox: one last try; if it fails, the broker
     * redelivers their submissions (already requeued) to another worker. */
    if (s->outbox && !s->conn.up) {
        struct oj_err e;
        if (try_connect(s, &e) < 0)
            logf_(s, "warn", "%s; the broker gives the unpublished submissions again", e.msg);
    }
    oj_amqp_conn_close(&s->conn, true);
    while (s->outbox) {
        struct outbox *o = s->outbox;
        s->outbox = o->next;
        outbox_free(o);
    }
    while (s->done) {
        struct done *d = s->done;
        s->done = d->next;
        free(d->key);
        free(d);
    }
    free(s->url);
    free(s);
}

static const struct oj_source_ops amqp_ops = {
    .name = "amqp",
    .fd = amqp_fd,
    .set_credit = amqp_set_credit,
    .next = amqp_next,
    .progress = amqp_progress,
    .finish = amqp_finish,
    .retry = amqp_retry,
    .reject = amqp_reject,
    .release = amqp_release,
    .close = amqp_close,
};

int oj_amqp_source_open(const struct oj_amqp_options *opt, struct oj_source **out,
                        struct oj_err *err)
{
    struct oj_amqp_src *s = calloc(1, sizeof(*s));
    if (!s)
        return oj_fail(err, ENOMEM, "open the RabbitMQ source");
    s->base.ops = &amqp_ops;
    s->opt = *opt;
    bool hash = opt->routing == OJ_AMQP_ROUTE_HASH;
    if (!s->opt.submit_exchange)
        s->opt.submit_exchange = hash ? "ojrun.submissions.hash" : "ojrun.submissions";
    if (!s->opt.result_exchange)
        s->opt.result_exchange = "ojrun.results";
    if (!s->opt.dead_letter_exchange)
        s->opt.dead_letter_exchange = "ojrun.dead";
    if (!s->opt.dead_letter_queue)
        s->opt.dead_letter_queue = "ojrun.dead";
    if (!s->opt.queue_prefix)
        s->opt.queue_prefix = "ojrun.";
    if (!s->opt.prefetch)
        s->opt.prefetch = 1;
    if (hash && (!opt->queue || !*opt->queue)) {
        free(s);
        return oj_fail(err, 0, "amqp: routing by problem hash needs a queue name (--queue)");
    }
    if (!hash && !(opt->languages && opt->languages[0]) && !(opt->queue && *opt->queue)) {
        free(s);
        return oj_fail(err, 0, "amqp: no languages and no queue to consume");
    }
    if (!opt->url || !(s->url = strdup(opt->url))) {
        free(s);
        return oj_fail(err, opt->url ? ENOMEM : 0, "amqp: no broker URL");
    }
    amqp_default_connection_info(&s->ci);
    if (amqp_parse_url(s->url, &s->ci) != AMQP_STATUS_OK) {
        free(s->url);
        free(s);
        /* the URL may carry a password: not repeated */
        return oj_fail(err, 0, "amqp: the broker URL is not amqp://user:pass@host:port/vhost");
    }
    s->conn.tail = &s->conn.head;
    if (try_connect(s, err) < 0) {
        oj_amqp_conn_close(&s->conn, false);
        free(s->url);
        free(s);
        return -1;
    }
    logf_(s, "info", "connected to %s:%d vhost %s", s->ci.host, s->ci.port, s->ci.vhost);
    *out = &s->base;
    return 0;
}
