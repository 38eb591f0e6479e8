/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One connection to the broker (librabbitmq): open, log in, declare the
 * topology (amqp.h), consume, and read frames without ever blocking the
 * worker's loop.  amqp.c decides when to open one and what to do when it is
 * lost; everything here fails with "connection lost" and leaves c->up false.
 */
#include <amqp_tcp_socket.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "amqp_int.h"
#include "error.h"

#define CONNECT_TIMEOUT_S 5
#define RPC_TIMEOUT_S     10
#define HEARTBEAT_S       10
#define FRAME_MAX         131072

void oj_amqp_delivery_free(struct oj_amqp_delivery *d)
{
    if (!d)
        return;
    free(d->exchange);
    free(d->routing_key);
    free(d->reply_to);
    free(d->correlation_id);
    free(d->content_type);
    free(d->body);
    free(d);
}

static char *bytes_dup(amqp_bytes_t b)
{
    char *s = malloc(b.len + 1);
    if (!s)
        return NULL;
    memcpy(s, b.bytes, b.len);
    s[b.len] = '\0';
    return s;
}

/* The one line a failed RPC deserves: the library's error or the broker's
 * close reason ("NOT_FOUND - no exchange 'x' in vhost '/'"). */
static int rpc_fail(struct oj_err *err, amqp_rpc_reply_t r, const char *what)
{
    switch (r.reply_type) {
    case AMQP_RESPONSE_NORMAL:
        return 0;
    case AMQP_RESPONSE_NONE:
        return oj_fail(err, 0, "%s: no reply from the broker", what);
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
        return oj_fail(err, 0, "%s: %s", what, amqp_error_string2(r.library_error));
    case AMQP_RESPONSE_SERVER_EXCEPTION:
        if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
            amqp_connection_close_t *m = r.reply.decoded;
            return oj_fail(err, 0, "%s: the broker closed the connection: %.*s", what,
                           (int)m->reply_text.len, (char *)m->reply_text.bytes);
        }
        if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
            amqp_channel_close_t *m = r.reply.decoded;
            return oj_fail(err, 0, "%s: the broker closed the channel: %.*s", what,
                           (int)m->reply_text.len, (char *)m->reply_text.bytes);
        }
        return oj_fail(err, 0, "%s: the broker answered method 0x%08x", what, r.reply.id);
    }
    return oj_fail(err, 0, "%s: unknown reply", what);
}

static int check_rpc(amqp_connection_state_t st, struct oj_err *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int check_rpc(amqp_connection_state_t st, struct oj_err *err, const char *fmt, ...)
{
    amqp_rpc_reply_t r = amqp_get_rpc_reply(st);
    if (r.reply_type == AMQP_RESPONSE_NORMAL)
        return 0;
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return rpc_fail(err, r, what);
}

static amqp_table_t queue_args(const struct oj_amqp_options *opt, amqp_table_entry_t *e)
{
    e[0].key = amqp_cstring_bytes("x-queue-type");
    e[0].value.kind = AMQP_FIELD_KIND_UTF8;
    e[0].value.value.bytes =
        amqp_cstring_bytes(opt->queue_type == OJ_AMQP_QUEUE_QUORUM ? "quorum" : "classic");
    return (amqp_table_t){.num_entries = 1, .entries = e};
}

static int declare_queue(amqp_connection_state_t st, const struct oj_amqp_options *opt,
                         const char *name, struct oj_err *err)
{
    amqp_table_entry_t e[1];
    /* durable, not exclusive, not auto-delete: a queue outlives its workers
     * (quorum queues allow nothing else) */
    amqp_queue_declare(st, OJ_AMQP_CH, amqp_cstring_bytes(name), 0, 1, 0, 0, queue_args(opt, e));
    return check_rpc(st, err, "declare queue %s", name);
}

static int bind_queue(amqp_connection_state_t st, const char *queue, const char *exchange,
                      const char *key, struct oj_err *err)
{
    amqp_queue_bind(st, OJ_AMQP_CH, amqp_cstring_bytes(queue), amqp_cstring_bytes(exchange),
                    amqp_cstring_bytes(key), amqp_empty_table);
    return check_rpc(st, err, "bind queue %s to exchange %s with key %s", queue, exchange, key);
}

static int declare_exchange(amqp_connection_state_t st, const char *name, const char *type,
                            struct oj_err *err)
{
    amqp_exchange_declare(st, OJ_AMQP_CH, amqp_cstring_bytes(name), amqp_cstring_bytes(type), 0, 1,
                          0, 0, amqp_empty_table);
    if (check_rpc(st, err, "declare %s exchange %s", type, name) < 0) {
        if (strcmp(type, "x-consistent-hash") == 0)
            oj_wrap(err, "(is the rabbitmq_consistent_hash_exchange plugin enabled?)");
        return -1;
    }
    return 0;
}

static int consume(amqp_connection_state_t st, const char *queue, struct oj_err *err)
{
    amqp_basic_consume(st, OJ_AMQP_CH, amqp_cstring_bytes(queue), amqp_empty_bytes, 0, 0, 0,
                       amqp_empty_table);
    return check_rpc(st, err, "consume from queue %s", queue);
}

static int declare_topology(amqp_connection_state_t st, const struct oj_amqp_options *opt,
                            struct oj_err *err)
{
    bool hash = opt->routing == OJ_AMQP_ROUTE_HASH;
    if (declare_exchange(st, opt->submit_exchange, hash ? "x-consistent-hash" : "direct", err) <
            0 ||
        declare_exchange(st, opt->result_exchange, "topic", err) < 0 ||
        declare_exchange(st, opt->dead_letter_exchange, "fanout", err) < 0 ||
        declare_queue(st, opt, opt->dead_letter_queue, err) < 0 ||
        bind_queue(st, opt->dead_letter_queue, opt->dead_letter_exchange, "", err) < 0)
        return -1;

    /* basic.qos applies to the consumers started after it, each on its own
     * (RabbitMQ's reading of global=false; quorum queues support no other) */
    amqp_basic_qos(st, OJ_AMQP_CH, 0, (uint16_t)(opt->prefetch > 65535 ? 65535 : opt->prefetch), 0);
    if (check_rpc(st, err, "basic.qos prefetch %u", opt->prefetch) < 0)
        return -1;

    if (hash) {
        char weight[16];
        snprintf(weight, sizeof(weight), "%u", opt->hash_weight ? opt->hash_weight : 1);
        return declare_queue(st, opt, opt->queue, err) < 0 ||
                       bind_queue(st, opt->queue, opt->submit_exchange, weight, err) < 0 ||
                       consume(st, opt->queue, err) < 0
                   ? -1
                   : 0;
    }
    if (opt->languages && opt->languages[0]) {
        for (const char *const *l = opt->languages; *l; l++) {
            char name[512];
            snprintf(name, sizeof(name), "%s%s", opt->queue_prefix, *l);
            if (declare_queue(st, opt, name, err) < 0 ||
                bind_queue(st, name, opt->submit_exchange, *l, err) < 0 ||
                consume(st, name, err) < 0)
                return -1;
        }
        return 0;
    }
    return declare_queue(st, opt, opt->queue, err) < 0 || consume(st, opt->queue, err) < 0 ? -1 : 0;
}

static int64_t now_ms(void);

/* Resolve the host (getaddrinfo: an address literal costs nothing) and
 * start connecting to its first address without waiting. */
int oj_amqp_conn_connect_start(struct oj_amqp_conn *c, const struct amqp_connection_info *ci,
                               struct oj_err *err)
{
    unsigned gen = c->gen;
    memset(c, 0, sizeof(*c));
    c->gen = gen;
    c->tail = &c->head;
    c->connect_fd = -1;

    char port[16];
    snprintf(port, sizeof(port), "%d", ci->port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *ai = NULL;
    int r = getaddrinfo(ci->host, port, &hints, &ai);
    if (r != 0)
        return oj_fail(err, 0, "connect to %s:%d: %s", ci->host, ci->port, gai_strerror(r));
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) {
        int e = errno;
        freeaddrinfo(ai);
        return oj_fail(err, e, "connect to %s:%d: socket", ci->host, ci->port);
    }
    /* small frames (acks, confirms) must not wait for Nagle */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    r = connect(fd, ai->ai_addr, ai->ai_addrlen);
    int e = errno;
    freeaddrinfo(ai);
    if (r < 0 && e != EINPROGRESS) {
        close(fd);
        return oj_fail(err, e, "connect to %s:%d", ci->host, ci->port);
    }
    c->connect_fd = fd;
    c->connecting = true;
    c->connect_deadline_ms = now_ms() + CONNECT_TIMEOUT_S * 1000;
    return 0;
}

static void connect_abort(struct oj_amqp_conn *c)
{
    if (c->connecting && c->connect_fd >= 0)
        close(c->connect_fd);
    c->connecting = false;
    c->connect_fd = -1;
}

int oj_amqp_conn_connect_finish(struct oj_amqp_conn *c, const struct oj_amqp_options *opt,
                                const struct amqp_connection_info *ci, int wait_ms,
                                struct oj_err *err)
{
    struct pollfd p = {.fd = c->connect_fd, .events = POLLOUT};
    int r = poll(&p, 1, wait_ms);
    if (r < 0 && errno != EINTR) {
        int e = errno;
        connect_abort(c);
        return oj_fail(err, e, "connect to %s:%d: poll", ci->host, ci->port);
    }
    if (r <= 0) {
        if (now_ms() < c->connect_deadline_ms)
            return 0;
        connect_abort(c);
        return oj_fail(err, ETIMEDOUT, "connect to %s:%d", ci->host, ci->port);
    }
    int soerr = 0;
    socklen_t len = sizeof(soerr);
    if (getsockopt(c->connect_fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
        soerr = errno;
    if (soerr) {
        connect_abort(c);
        return oj_fail(err, soerr, "connect to %s:%d", ci->host, ci->port);
    }

    amqp_connection_state_t st = amqp_new_connection();
    amqp_socket_t *sock = st ? amqp_tcp_socket_new(st) : NULL;
    if (!sock) {
        if (st)
            amqp_destroy_connection(st);
        connect_abort(c);
        return oj_fail(err, ENOMEM, "connect to %s:%d", ci->host, ci->port);
    }
    /* the socket stays non-blocking: librabbitmq polls it itself, and
     * amqp_destroy_connection() closes it from now on */
    amqp_tcp_socket_set_sockfd(sock, c->connect_fd);
    c->connecting = false;
    c->connect_fd = -1;

    struct timeval rpc = {.tv_sec = RPC_TIMEOUT_S};
    amqp_set_handshake_timeout(st, &rpc);
    amqp_set_rpc_timeout(st, &rpc);
    amqp_rpc_reply_t lr = amqp_login(st, ci->vhost, 2, FRAME_MAX, HEARTBEAT_S,
                                     AMQP_SASL_METHOD_PLAIN, ci->user, ci->password);
    if (lr.reply_type != AMQP_RESPONSE_NORMAL) {
        char what[300];
        snprintf(what, sizeof(what), "log in to %s:%d vhost %s as %s", ci->host, ci->port,
                 ci->vhost, ci->user);
        rpc_fail(err, lr, what);
        amqp_destroy_connection(st);
        return -1;
    }
    c->state = st;
    amqp_channel_open(st, OJ_AMQP_CH);
    if (check_rpc(st, err, "open channel %d", OJ_AMQP_CH) < 0)
        goto fail;
    amqp_channel_open(st, OJ_AMQP_CH_PROGRESS);
    if (check_rpc(st, err, "open channel %d", OJ_AMQP_CH_PROGRESS) < 0)
        goto fail;
    /* publisher confirms on the channel of results, retries and dead letters */
    amqp_confirm_select(st, OJ_AMQP_CH);
    if (check_rpc(st, err, "confirm.select") < 0)
        goto fail;
    if (declare_topology(st, opt, err) < 0)
        goto fail;
    c->up = true;
    return 1;
fail:
    oj_amqp_conn_close(c, false);
    return -1;
}

int oj_amqp_conn_open(struct oj_amqp_conn *c, const struct oj_amqp_options *opt,
                      const struct amqp_connection_info *ci, struct oj_err *err)
{
    if (oj_amqp_conn_connect_start(c, ci, err) < 0)
        return -1;
    int r = oj_amqp_conn_connect_finish(c, opt, ci, CONNECT_TIMEOUT_S * 1000, err);
    if (r == 0) {
        connect_abort(c);
        return oj_fail(err, ETIMEDOUT, "connect to %s:%d", ci->host, ci->port);
    }
    return r < 0 ? -1 : 0;
}

void oj_amqp_conn_close(struct oj_amqp_conn *c, bool polite)
{
    connect_abort(c);
    if (c->state) {
        if (polite && c->up)
            amqp_connection_close(c->state, AMQP_REPLY_SUCCESS);
        amqp_destroy_connection(c->state);
        c->state = NULL;
    }
    c->up = false;
    oj_amqp_delivery_free(c->partial);
    c->partial = NULL;
    while (c->head) {
        struct oj_amqp_delivery *d = c->head;
        c->head = d->next;
        oj_amqp_delivery_free(d);
    }
    c->tail = &c->head;
    c->queued = 0;
}

static int lost(struct oj_amqp_conn *c, struct oj_err *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int lost(struct oj_amqp_conn *c, struct oj_err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    oj_vfail(err, 0, fmt, ap);
    va_end(ap);
    oj_amqp_conn_close(c, false);
    return -1;
}

static void confirm_note(struct oj_amqp_confirms *k, uint64_t tag, bool multiple, bool ack)
{
    if (ack && multiple) {
        if (tag > k->acked_upto)
            k->acked_upto = tag;
        return;
    }
    /* a multiple nack marks only its highest tag; finish() waits for one seq
     * at a time, the latest, so that is the one that matters */
    k->ring[k->ring_pos++ % OJ_AMQP_CONFIRM_RING] = ack ? tag : (tag | (1ULL << 63));
}

/* 1 acked, -1 nacked, 0 not yet */
static int confirm_state(const struct oj_amqp_confirms *k, uint64_t seq)
{
    if (seq <= k->acked_upto)
        return 1;
    for (unsigned i = 0; i < OJ_AMQP_CONFIRM_RING; i++) {
        if (k->ring[i] == seq)
            return 1;
        if (k->ring[i] == (seq | (1ULL << 63)))
            return -1;
    }
    return 0;
}

static unsigned header_attempt(const amqp_basic_properties_t *p)
{
    if (!(p->_flags & AMQP_BASIC_HEADERS_FLAG))
        return 1;
    for (int i = 0; i < p->headers.num_entries; i++) {
        const amqp_table_entry_t *e = &p->headers.entries[i];
        if (e->key.len != strlen(OJ_AMQP_HDR_ATTEMPT) ||
            memcmp(e->key.bytes, OJ_AMQP_HDR_ATTEMPT, e->key.len) != 0)
            continue;
        const amqp_field_value_t *v = &e->value;
        long long n = 0;
        switch (v->kind) {
        case AMQP_FIELD_KIND_I8:
            n = v->value.i8;
            break;
        case AMQP_FIELD_KIND_U8:
            n = v->value.u8;
            break;
        case AMQP_FIELD_KIND_I16:
            n = v->value.i16;
            break;
        case AMQP_FIELD_KIND_U16:
            n = v->value.u16;
            break;
        case AMQP_FIELD_KIND_I32:
            n = v->value.i32;
            break;
        case AMQP_FIELD_KIND_U32:
            n = v->value.u32;
            break;
        case AMQP_FIELD_KIND_I64:
            n = v->value.i64;
            break;
        case AMQP_FIELD_KIND_U64:
            n = (long long)v->value.u64;
            break;
        case AMQP_FIELD_KIND_UTF8:
        case AMQP_FIELD_KIND_BYTES: {
            /* amqp-publish -H "x-ojrun-attempt: 2" sends a string */
            char buf[24];
            size_t len =
                v->value.bytes.len < sizeof(buf) - 1 ? v->value.bytes.len : sizeof(buf) - 1;
            memcpy(buf, v->value.bytes.bytes, len);
            buf[len] = '\0';
            n = strtoll(buf, NULL, 10);
            break;
        }
        default:
            break;
        }
        return n >= 1 && n < 1000000 ? (unsigned)n : 1;
    }
    return 1;
}

static void delivery_done(struct oj_amqp_conn *c)
{
    struct oj_amqp_delivery *d = c->partial;
    c->partial = NULL;
    *c->tail = d;
    c->tail = &d->next;
    c->queued++;
}

static int handle_method(struct oj_amqp_conn *c, amqp_frame_t *f, struct oj_err *err)
{
    amqp_method_t *m = &f->payload.method;
    switch (m->id) {
    case AMQP_BASIC_DELIVER_METHOD: {
        amqp_basic_deliver_t *dm = m->decoded;
        oj_amqp_delivery_free(c->partial);
        c->partial = calloc(1, sizeof(*c->partial));
        if (!c->partial)
            return lost(c, err, "read a delivery: out of memory");
        c->partial->tag = dm->delivery_tag;
        c->partial->gen = c->gen;
        c->partial->redelivered = dm->redelivered;
        c->partial->exchange = bytes_dup(dm->exchange);
        c->partial->routing_key = bytes_dup(dm->routing_key);
        if (!c->partial->exchange || !c->partial->routing_key)
            return lost(c, err, "read a delivery: out of memory");
        c->skipping = false;
        return 0;
    }
    case AMQP_BASIC_RETURN_METHOD:
        c->skipping = true;
        return 0;
    case AMQP_BASIC_ACK_METHOD: {
        amqp_basic_ack_t *a = m->decoded;
        confirm_note(&c->confirms, a->delivery_tag, a->multiple, true);
        return 0;
    }
    case AMQP_BASIC_NACK_METHOD: {
        amqp_basic_nack_t *n = m->decoded;
        confirm_note(&c->confirms, n->delivery_tag, n->multiple, false);
        return 0;
    }
    case AMQP_BASIC_CANCEL_METHOD:
        /* the queue was deleted under us: reconnecting declares it again */
        return lost(c, err, "the broker cancelled the consumer (queue deleted?)");
    case AMQP_CHANNEL_CLOSE_METHOD: {
        amqp_channel_close_t *cm = m->decoded;
        char text[256];
        snprintf(text, sizeof(text), "%.*s", (int)cm->reply_text.len, (char *)cm->reply_text.bytes);
        amqp_channel_close_ok_t ok = {0};
        amqp_send_method(c->state, f->channel, AMQP_CHANNEL_CLOSE_OK_METHOD, &ok);
        return lost(c, err, "the broker closed channel %d: %s", f->channel, text);
    }
    case AMQP_CONNECTION_CLOSE_METHOD: {
        amqp_connection_close_t *cm = m->decoded;
        char text[256];
        snprintf(text, sizeof(text), "%.*s", (int)cm->reply_text.len, (char *)cm->reply_text.bytes);
        amqp_connection_close_ok_t ok = {0};
        amqp_send_method(c->state, 0, AMQP_CONNECTION_CLOSE_OK_METHOD, &ok);
        return lost(c, err, "the broker closed the connection: %s", text);
    }
    default:
        return 0; /* qos-ok, consume-ok of later consumers and the like */
    }
}

static int handle_frame(struct oj_amqp_conn *c, amqp_frame_t *f, struct oj_err *err)
{
    switch (f->frame_type) {
    case AMQP_FRAME_METHOD:
        return handle_method(c, f, err);
    case AMQP_FRAME_HEADER: {
        if (c->skipping || !c->partial)
            return 0;
        amqp_basic_properties_t *p = f->payload.properties.decoded;
        struct oj_amqp_delivery *d = c->partial;
        c->partial_expect = f->payload.properties.body_size;
        d->attempt = header_attempt(p);
        if ((p->_flags & AMQP_BASIC_REPLY_TO_FLAG) && !(d->reply_to = bytes_dup(p->reply_to)))
            return lost(c, err, "read a delivery: out of memory");
        if ((p->_flags & AMQP_BASIC_CORRELATION_ID_FLAG) &&
            !(d->correlation_id = bytes_dup(p->correlation_id)))
            return lost(c, err, "read a delivery: out of memory");
        if ((p->_flags & AMQP_BASIC_CONTENT_TYPE_FLAG) &&
            !(d->content_type = bytes_dup(p->content_type)))
            return lost(c, err, "read a delivery: out of memory");
        d->body = malloc(c->partial_expect + 1);
        if (!d->body)
            return lost(c, err, "read a delivery of %zu bytes: out of memory", c->partial_expect);
        d->len = 0;
        if (c->partial_expect == 0)
            delivery_done(c);
        return 0;
    }
    case AMQP_FRAME_BODY: {
        if (c->skipping || !c->partial || !c->partial->body)
            return 0;
        struct oj_amqp_delivery *d = c->partial;
        amqp_bytes_t b = f->payload.body_fragment;
        if (d->len + b.len > c->partial_expect)
            return lost(c, err, "read a delivery: more body than its header announced");
        memcpy(d->body + d->len, b.bytes, b.len);
        d->len += b.len;
        if (d->len == c->partial_expect) {
            d->body[d->len] = '\0';
            delivery_done(c);
        }
        return 0;
    }
    default:
        return 0; /* heartbeats: the library answers them */
    }
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int oj_amqp_conn_pump(struct oj_amqp_conn *c, int timeout_ms, bool once, struct oj_err *err)
{
    if (!c->up)
        return oj_fail(err, 0, "not connected");
    int64_t deadline = now_ms() + timeout_ms;
    for (;;) {
        int64_t left = deadline - now_ms();
        if (left < 0)
            left = 0;
        struct timeval tv = {.tv_sec = left / 1000, .tv_usec = (left % 1000) * 1000};
        amqp_frame_t f;
        /* zero timeout: only what librabbitmq has buffered or the socket has
         * now (amqp_frames_enqueued / amqp_data_in_buffer are consulted
         * inside), never a wait */
        int r = amqp_simple_wait_frame_noblock(c->state, &f, &tv);
        if (r == AMQP_STATUS_TIMEOUT)
            return 0;
        if (r != AMQP_STATUS_OK)
            return lost(c, err, "read from the broker: %s", amqp_error_string2(r));
        if (handle_frame(c, &f, err) < 0)
            return -1;
        /* frames decoded so far were copied; give the pools back */
        if (!c->partial && amqp_release_buffers_ok(c->state))
            amqp_release_buffers(c->state);
        if (once)
            return 0;
        if (timeout_ms > 0 && now_ms() >= deadline)
            return 0;
    }
}

static amqp_basic_properties_t props_of(const struct oj_amqp_pub *p, amqp_table_entry_t *e)
{
    amqp_basic_properties_t props = {0};
    props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG;
    props.delivery_mode = AMQP_DELIVERY_PERSISTENT;
    if (p->content_type) {
        props._flags |= AMQP_BASIC_CONTENT_TYPE_FLAG;
        props.content_type = amqp_cstring_bytes(p->content_type);
    }
    if (p->correlation_id) {
        props._flags |= AMQP_BASIC_CORRELATION_ID_FLAG;
        props.correlation_id = amqp_cstring_bytes(p->correlation_id);
    }
    if (p->reply_to) {
        props._flags |= AMQP_BASIC_REPLY_TO_FLAG;
        props.reply_to = amqp_cstring_bytes(p->reply_to);
    }
    if (p->type) {
        props._flags |= AMQP_BASIC_TYPE_FLAG;
        props.type = amqp_cstring_bytes(p->type);
    }
    int n = 0;
    if (p->attempt) {
        e[n].key = amqp_cstring_bytes(OJ_AMQP_HDR_ATTEMPT);
        e[n].value.kind = AMQP_FIELD_KIND_I32;
        e[n++].value.value.i32 = (int32_t)p->attempt;
    }
    if (p->reason) {
        e[n].key = amqp_cstring_bytes(OJ_AMQP_HDR_REASON);
        e[n].value.kind = AMQP_FIELD_KIND_UTF8;
        e[n++].value.value.bytes = amqp_cstring_bytes(p->reason);
    }
    if (p->orig_exchange) {
        e[n].key = amqp_cstring_bytes("x-ojrun-exchange");
        e[n].value.kind = AMQP_FIELD_KIND_UTF8;
        e[n++].value.value.bytes = amqp_cstring_bytes(p->orig_exchange);
    }
    if (p->orig_routing_key) {
        e[n].key = amqp_cstring_bytes("x-ojrun-routing-key");
        e[n].value.kind = AMQP_FIELD_KIND_UTF8;
        e[n++].value.value.bytes = amqp_cstring_bytes(p->orig_routing_key);
    }
    if (n) {
        props._flags |= AMQP_BASIC_HEADERS_FLAG;
        props.headers = (amqp_table_t){.num_entries = n, .entries = e};
    }
    return props;
}

static int publish_on(struct oj_amqp_conn *c, int ch, const struct oj_amqp_pub *p, const char *body,
                      size_t len, struct oj_err *err)
{
    if (!c->up)
        return oj_fail(err, 0, "publish to exchange '%s': not connected", p->exchange);
    amqp_table_entry_t e[4];
    amqp_basic_properties_t props = props_of(p, e);
    amqp_bytes_t b = {.len = len, .bytes = (void *)body};
    int r = amqp_basic_publish(c->state, (amqp_channel_t)ch, amqp_cstring_bytes(p->exchange),
                               amqp_cstring_bytes(p->routing_key), 0, 0, &props, b);
    if (r != AMQP_STATUS_OK)
        return lost(c, err, "publish to exchange '%s' key '%s': %s", p->exchange, p->routing_key,
                    amqp_error_string2(r));
    return 0;
}

int oj_amqp_conn_publish(struct oj_amqp_conn *c, const struct oj_amqp_pub *p, const char *body,
                         size_t len, uint64_t *seq, struct oj_err *err)
{
    if (publish_on(c, OJ_AMQP_CH, p, body, len, err) < 0)
        return -1;
    *seq = ++c->confirms.seq;
    return 0;
}

int oj_amqp_conn_publish_progress(struct oj_amqp_conn *c, const struct oj_amqp_pub *p,
                                  const char *body, size_t len, struct oj_err *err)
{
    return publish_on(c, OJ_AMQP_CH_PROGRESS, p, body, len, err);
}

int oj_amqp_conn_wait_confirm(struct oj_amqp_conn *c, uint64_t seq, int timeout_ms,
                              struct oj_err *err)
{
    int64_t deadline = now_ms() + timeout_ms;
    for (;;) {
        int st = confirm_state(&c->confirms, seq);
        if (st > 0)
            return 0;
        if (st < 0)
            return oj_fail(err, 0, "the broker refused publish #%llu (basic.nack)",
                           (unsigned long long)seq);
        int64_t left = deadline - now_ms();
        if (left <= 0)
            return lost(c, err, "no publisher confirm for publish #%llu within %d ms",
                        (unsigned long long)seq, timeout_ms);
        if (oj_amqp_conn_pump(c, (int)left, true, err) < 0)
            return oj_wrap(err, "wait for the confirm of publish #%llu", (unsigned long long)seq);
    }
}

int oj_amqp_conn_ack(struct oj_amqp_conn *c, uint64_t tag, struct oj_err *err)
{
    if (!c->up)
        return oj_fail(err, 0, "ack delivery %llu: not connected", (unsigned long long)tag);
    int r = amqp_basic_ack(c->state, OJ_AMQP_CH, tag, 0);
    if (r != AMQP_STATUS_OK)
        return lost(c, err, "ack delivery %llu: %s", (unsigned long long)tag,
                    amqp_error_string2(r));
    return 0;
}

int oj_amqp_conn_nack_requeue(struct oj_amqp_conn *c, uint64_t tag, struct oj_err *err)
{
    if (!c->up)
        return oj_fail(err, 0, "nack delivery %llu: not connected", (unsigned long long)tag);
    int r = amqp_basic_nack(c->state, OJ_AMQP_CH, tag, 0, 1);
    if (r != AMQP_STATUS_OK)
        return lost(c, err, "nack delivery %llu: %s", (unsigned long long)tag,
                    amqp_error_string2(r));
    return 0;
}
