/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tests' RabbitMQ client (tests/integration/worker_amqp.bats,
 * hack/bench-worker.sh).  amqp-tools' amqp-publish cannot set a
 * correlation_id and amqp-consume starts a process per message, so:
 *
 *   amqp-tool URL publish EXCHANGE KEY [reply_to=Q] [correlation_id=C] [attempt=N]
 *                  one message per line of stdin, persistent, confirmed
 *                  (AMQP_TOOL_PRINT_TIME=1: prints when the first left, epoch ms)
 *   amqp-tool URL declare QUEUE EXCHANGE KEY [quorum]
 *                  a durable queue bound to EXCHANGE (declared topic if absent)
 *   amqp-tool URL collect QUEUE COUNT TIMEOUT_S
 *                  COUNT messages as JSON lines on stdout:
 *                  {"body":<the body, raw>,"headers":{...},"correlation_id":...,
 *                   "routing_key":...,"type":...,"t_ms":<received, epoch ms>};
 *                  exit 1 on timeout
 *   amqp-tool URL count QUEUE   the number of ready messages
 *   amqp-tool URL source ...    drive the worker's RabbitMQ source (source.h)
 *                  with a fake judge, see source_main()
 */
#include <amqp.h>
#include <amqp_tcp_socket.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "amqp.h"
#include "json.h"

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("amqp-tool: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void check(amqp_connection_state_t c, const char *what)
{
    amqp_rpc_reply_t r = amqp_get_rpc_reply(c);
    if (r.reply_type == AMQP_RESPONSE_NORMAL)
        return;
    if (r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION && r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        amqp_channel_close_t *m = r.reply.decoded;
        die("%s: %.*s", what, (int)m->reply_text.len, (char *)m->reply_text.bytes);
    }
    die("%s: failed (%s)", what,
        r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION ? amqp_error_string2(r.library_error)
                                                        : "broker error");
}

static amqp_connection_state_t connect_url(const char *url)
{
    char *u = strdup(url);
    struct amqp_connection_info ci;
    if (!u || amqp_parse_url(u, &ci) != AMQP_STATUS_OK)
        die("bad URL");
    amqp_connection_state_t c = amqp_new_connection();
    amqp_socket_t *s = amqp_tcp_socket_new(c);
    if (!s || amqp_socket_open(s, ci.host, ci.port) != AMQP_STATUS_OK)
        die("connect to %s:%d failed", ci.host, ci.port);
    amqp_rpc_reply_t r =
        amqp_login(c, ci.vhost, 1, 131072, 0, AMQP_SASL_METHOD_PLAIN, ci.user, ci.password);
    if (r.reply_type != AMQP_RESPONSE_NORMAL)
        die("login failed");
    free(u); /* ci pointed into it */
    amqp_channel_open(c, 1);
    check(c, "channel.open");
    return c;
}

static void json_str(FILE *f, const char *s, size_t len)
{
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

static long long realtime_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int publish_main(amqp_connection_state_t c, int argc, char **argv)
{
    if (argc < 2)
        die("publish EXCHANGE KEY [reply_to=Q] [correlation_id=C] [attempt=N]");
    amqp_confirm_select(c, 1);
    check(c, "confirm.select");
    amqp_basic_properties_t p = {0};
    p._flags = AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_CONTENT_TYPE_FLAG;
    p.delivery_mode = AMQP_DELIVERY_PERSISTENT;
    p.content_type = amqp_cstring_bytes("application/json");
    amqp_table_entry_t e[1];
    for (int i = 2; i < argc; i++) {
        if (strncmp(argv[i], "reply_to=", 9) == 0) {
            p._flags |= AMQP_BASIC_REPLY_TO_FLAG;
            p.reply_to = amqp_cstring_bytes(argv[i] + 9);
        } else if (strncmp(argv[i], "correlation_id=", 15) == 0) {
            p._flags |= AMQP_BASIC_CORRELATION_ID_FLAG;
            p.correlation_id = amqp_cstring_bytes(argv[i] + 15);
        } else if (strncmp(argv[i], "attempt=", 8) == 0) {
            e[0].key = amqp_cstring_bytes("x-ojrun-attempt");
            e[0].value.kind = AMQP_FIELD_KIND_I32;
            e[0].value.value.i32 = atoi(argv[i] + 8);
            p._flags |= AMQP_BASIC_HEADERS_FLAG;
            p.headers = (amqp_table_t){.num_entries = 1, .entries = e};
        } else {
            die("unknown publish option %s", argv[i]);
        }
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned long sent = 0;
    while ((n = getline(&line, &cap, stdin)) > 0) {
        if (line[n - 1] == '\n')
            line[--n] = '\0';
        amqp_bytes_t b = {.len = (size_t)n, .bytes = line};
        if (sent == 0 && getenv("AMQP_TOOL_PRINT_TIME"))
            printf("%lld\n", realtime_ms()); /* when the first message left */
        if (amqp_basic_publish(c, 1, amqp_cstring_bytes(argv[0]), amqp_cstring_bytes(argv[1]), 0, 0,
                               &p, b) != AMQP_STATUS_OK)
            die("publish failed");
        sent++;
    }
    /* wait for the confirms of everything (the broker may ack with multiple) */
    unsigned long acked = 0;
    while (acked < sent) {
        amqp_frame_t f;
        struct timeval tv = {.tv_sec = 60};
        if (amqp_simple_wait_frame_noblock(c, &f, &tv) != AMQP_STATUS_OK)
            die("no confirm for %lu of %lu messages", sent - acked, sent);
        if (f.frame_type != AMQP_FRAME_METHOD)
            continue;
        if (f.payload.method.id == AMQP_BASIC_ACK_METHOD) {
            amqp_basic_ack_t *a = f.payload.method.decoded;
            acked = a->multiple ? a->delivery_tag : acked + 1;
        } else if (f.payload.method.id == AMQP_BASIC_NACK_METHOD) {
            die("the broker nacked a publish");
        } else if (f.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD) {
            amqp_channel_close_t *m = f.payload.method.decoded;
            die("publish to %s: %.*s", argv[0], (int)m->reply_text.len,
                (char *)m->reply_text.bytes);
        }
    }
    free(line);
    return 0;
}

static int declare_main(amqp_connection_state_t c, int argc, char **argv)
{
    if (argc < 3)
        die("declare QUEUE EXCHANGE KEY [quorum]");
    amqp_exchange_declare(c, 1, amqp_cstring_bytes(argv[1]), amqp_cstring_bytes("topic"), 0, 1, 0,
                          0, amqp_empty_table);
    if (amqp_get_rpc_reply(c).reply_type != AMQP_RESPONSE_NORMAL) {
        /* it exists with another type (the worker's direct one): fine */
        amqp_channel_open(c, 2);
        check(c, "channel.open");
    }
    amqp_channel_t ch = amqp_get_rpc_reply(c).reply_type == AMQP_RESPONSE_NORMAL ? 1 : 2;
    amqp_table_entry_t e[1] = {
        {.key = amqp_cstring_bytes("x-queue-type"),
         .value = {.kind = AMQP_FIELD_KIND_UTF8,
                   .value.bytes = amqp_cstring_bytes(
                       argc > 3 && strcmp(argv[3], "quorum") == 0 ? "quorum" : "classic")}}};
    amqp_queue_declare(c, ch, amqp_cstring_bytes(argv[0]), 0, 1, 0, 0,
                       (amqp_table_t){.num_entries = 1, .entries = e});
    check(c, "queue.declare");
    amqp_queue_bind(c, ch, amqp_cstring_bytes(argv[0]), amqp_cstring_bytes(argv[1]),
                    amqp_cstring_bytes(argv[2]), amqp_empty_table);
    check(c, "queue.bind");
    return 0;
}

static void print_field(const amqp_field_value_t *v)
{
    switch (v->kind) {
    case AMQP_FIELD_KIND_I32:
        printf("%d", v->value.i32);
        break;
    case AMQP_FIELD_KIND_I64:
        printf("%lld", (long long)v->value.i64);
        break;
    case AMQP_FIELD_KIND_UTF8:
    case AMQP_FIELD_KIND_BYTES:
        json_str(stdout, v->value.bytes.bytes, v->value.bytes.len);
        break;
    default:
        printf("null");
        break;
    }
}

static int collect_main(amqp_connection_state_t c, int argc, char **argv)
{
    if (argc < 3)
        die("collect QUEUE COUNT TIMEOUT_S");
    long want = atol(argv[1]);
    int timeout = atoi(argv[2]);
    amqp_basic_qos(c, 1, 0, 500, 0);
    amqp_basic_consume(c, 1, amqp_cstring_bytes(argv[0]), amqp_empty_bytes, 0, 0, 0,
                       amqp_empty_table);
    check(c, "basic.consume");
    long got = 0;
    time_t end = time(NULL) + timeout;
    while (got < want) {
        long left = end - time(NULL);
        if (left <= 0)
            break;
        struct timeval tv = {.tv_sec = left};
        amqp_envelope_t env;
        amqp_maybe_release_buffers(c);
        amqp_rpc_reply_t r = amqp_consume_message(c, &env, &tv, 0);
        if (r.reply_type != AMQP_RESPONSE_NORMAL)
            break;
        amqp_basic_properties_t *p = &env.message.properties;
        /* a JSON body as itself, anything else (poison) as a string */
        struct oj_err jerr;
        oj_json *j = oj_json_parse(env.message.body.bytes, env.message.body.len, "body", &jerr);
        printf("{\"body\":");
        if (j)
            printf("%.*s", (int)env.message.body.len, (char *)env.message.body.bytes);
        else
            json_str(stdout, env.message.body.bytes, env.message.body.len);
        oj_json_free(j);
        printf(",\"routing_key\":");
        json_str(stdout, env.routing_key.bytes, env.routing_key.len);
        printf(",\"correlation_id\":");
        if (p->_flags & AMQP_BASIC_CORRELATION_ID_FLAG)
            json_str(stdout, p->correlation_id.bytes, p->correlation_id.len);
        else
            printf("null");
        printf(",\"type\":");
        if (p->_flags & AMQP_BASIC_TYPE_FLAG)
            json_str(stdout, p->type.bytes, p->type.len);
        else
            printf("null");
        printf(",\"headers\":{");
        if (p->_flags & AMQP_BASIC_HEADERS_FLAG)
            for (int i = 0; i < p->headers.num_entries; i++) {
                json_str(stdout, p->headers.entries[i].key.bytes, p->headers.entries[i].key.len);
                putchar(':');
                print_field(&p->headers.entries[i].value);
                if (i + 1 < p->headers.num_entries)
                    putchar(',');
            }
        printf("},\"t_ms\":%lld}\n", realtime_ms());
        fflush(stdout);
        amqp_basic_ack(c, 1, env.delivery_tag, 0);
        amqp_destroy_envelope(&env);
        got++;
    }
    if (got < want) {
        fprintf(stderr, "amqp-tool: collected %ld of %ld messages from %s\n", got, want, argv[0]);
        return 1;
    }
    return 0;
}

static int count_main(amqp_connection_state_t c, int argc, char **argv)
{
    if (argc < 1)
        die("count QUEUE");
    amqp_queue_declare_ok_t *ok =
        amqp_queue_declare(c, 1, amqp_cstring_bytes(argv[0]), 1, 0, 0, 0, amqp_empty_table);
    check(c, "queue.declare passive");
    printf("%u\n", ok->message_count);
    return 0;
}

/* ---- the source driver: the source's contract with a fake judge ----
 *
 * amqp-tool URL source NAME SLOTS MAX_ATTEMPTS (lang=L,... | queue=Q | hash=Q) [quorum]
 *
 * Each submission's JSON may say what the fake judge does:
 *   "act": "finish" (default) | "retry" | "reject" | "hold"
 *   "ms":  how long the judging takes (default 0)
 * It finishes with {"submission_id","attempt","verdict":"AC","worker":NAME}.
 * Runs until SIGTERM, then releases what it holds and exits 0.  With
 * OJ_AMQP_NS=X the names are X.submissions, X.results, X.dead, X.<lang>.  Logs each
 * settlement on stderr ("finish ID attempt N"). */

static volatile sig_atomic_t stop;
static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

static void log_fn(void *arg, const char *level, const char *fmt, va_list ap)
{
    fprintf(stderr, "[%s] %s: ", (const char *)arg, level);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

struct slot {
    bool busy;
    struct oj_msg m;
    long long due_ms;
    char act[16];
    char id[128];
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int source_main(const char *url, int argc, char **argv)
{
    if (argc < 4)
        die("source NAME SLOTS MAX_ATTEMPTS lang=a,b|queue=Q|hash=Q [quorum]");
    const char *name = argv[0];
    unsigned slots = (unsigned)atoi(argv[1]);
    struct oj_amqp_options o = {.url = url,
                                .prefetch = slots,
                                .max_attempts = (unsigned)atoi(argv[2]),
                                .log = log_fn,
                                .log_arg = (void *)name};
    /* OJ_AMQP_NS: a prefix for every name, so the tests of one file keep
     * apart on one broker */
    const char *ns = getenv("OJ_AMQP_NS");
    char names[4][256];
    if (ns && *ns) {
        snprintf(names[0], sizeof(names[0]), "%s.submissions%s", ns,
                 strncmp(argv[3], "hash=", 5) == 0 ? ".hash" : "");
        snprintf(names[1], sizeof(names[1]), "%s.results", ns);
        snprintf(names[2], sizeof(names[2]), "%s.dead", ns);
        snprintf(names[3], sizeof(names[3]), "%s.", ns);
        o.submit_exchange = names[0];
        o.result_exchange = names[1];
        o.dead_letter_exchange = o.dead_letter_queue = names[2];
        o.queue_prefix = names[3];
    }
    const char *langs[16] = {0};
    char *spec = strdup(argv[3]);
    if (strncmp(spec, "lang=", 5) == 0) {
        int n = 0;
        for (char *t = strtok(spec + 5, ","); t && n < 15; t = strtok(NULL, ","))
            langs[n++] = t;
        o.languages = langs;
    } else if (strncmp(spec, "queue=", 6) == 0) {
        o.queue = spec + 6;
    } else if (strncmp(spec, "hash=", 5) == 0) {
        o.routing = OJ_AMQP_ROUTE_HASH;
        o.queue = spec + 5;
    } else {
        die("bad consume spec %s", spec);
    }
    if (argc > 4 && strcmp(argv[4], "quorum") == 0)
        o.queue_type = OJ_AMQP_QUEUE_QUORUM;
    struct oj_err err;
    struct oj_source *src;
    if (oj_amqp_source_open(&o, &src, &err) < 0)
        die("%s", err.msg);
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    fprintf(stderr, "[%s] ready\n", name);
    struct slot *sl = calloc(slots, sizeof(*sl));
    while (!stop) {
        /* the credit is what may be held unsettled: every slot */
        src->ops->set_credit(src, slots, &err);
        for (unsigned i = 0; i < slots; i++) {
            if (sl[i].busy)
                continue;
            int r = src->ops->next(src, &sl[i].m, &err);
            if (r < 0)
                die("next: %s", err.msg);
            if (r == 0)
                break;
            struct slot *s = &sl[i];
            s->busy = true;
            strcpy(s->act, "finish");
            strcpy(s->id, "?");
            long long ms = 0;
            oj_json *root = oj_json_parse(s->m.body, s->m.len, "submission", &err);
            if (!root) {
                strcpy(s->act, "poison");
            } else {
                const char *v;
                int64_t n;
                if (oj_json_str(oj_json_get(root, "act"), &v))
                    snprintf(s->act, sizeof(s->act), "%s", v);
                if (oj_json_str(oj_json_get(root, "submission_id"), &v))
                    snprintf(s->id, sizeof(s->id), "%s", v);
                if (oj_json_i64(oj_json_get(root, "ms"), &n))
                    ms = n;
                oj_json_free(root);
            }
            s->due_ms = now_ms() + ms;
            fprintf(stderr, "[%s] got %s attempt %u%s\n", name, s->id, s->m.attempt,
                    s->m.redelivered ? " redelivered" : "");
        }
        long long now = now_ms();
        for (unsigned i = 0; i < slots; i++) {
            struct slot *s = &sl[i];
            if (!s->busy || now < s->due_ms)
                continue;
            int r = 0;
            if (strcmp(s->act, "poison") == 0) {
                r = src->ops->reject(src, &s->m, "not JSON", &err);
            } else if (strcmp(s->act, "reject") == 0) {
                r = src->ops->reject(src, &s->m, "rejected by the test", &err);
            } else if (strcmp(s->act, "retry") == 0) {
                r = src->ops->retry(src, &s->m, "sandbox failed (test)", &err);
            } else {
                char res[512];
                int n = snprintf(res, sizeof(res),
                                 "{\"submission_id\":\"%s\",\"attempt\":%u,\"verdict\":\"AC\","
                                 "\"worker\":\"%s\"}",
                                 s->id, s->m.attempt, name);
                char ev[256];
                int en =
                    snprintf(ev, sizeof(ev), "{\"submission_id\":\"%s\",\"test\":\"t1\"}", s->id);
                src->ops->progress(src, &s->m, ev, (size_t)en, &err);
                r = src->ops->finish(src, &s->m, res, (size_t)n, &err);
            }
            if (r < 0)
                die("%s %s: %s", s->act, s->id, err.msg);
            fprintf(stderr, "[%s] %s %s attempt %u\n", name, s->act, s->id, s->m.attempt);
            oj_msg_clear(&s->m);
            s->busy = false;
        }
        int fd = src->ops->fd(src);
        struct pollfd p = {.fd = fd, .events = POLLIN};
        poll(&p, fd >= 0 ? 1 : 0, 20);
    }
    for (unsigned i = 0; i < slots; i++)
        if (sl[i].busy) {
            src->ops->release(src, &sl[i].m, &err);
            oj_msg_clear(&sl[i].m);
        }
    src->ops->close(src);
    free(sl);
    free(spec);
    fprintf(stderr, "[%s] stopped\n", name);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3)
        die("usage: amqp-tool URL publish|declare|collect|count|source ARGS...");
    setvbuf(stderr, NULL, _IOLBF, 0);
    if (strcmp(argv[2], "source") == 0)
        return source_main(argv[1], argc - 3, argv + 3);
    amqp_connection_state_t c = connect_url(argv[1]);
    int r;
    if (strcmp(argv[2], "publish") == 0)
        r = publish_main(c, argc - 3, argv + 3);
    else if (strcmp(argv[2], "declare") == 0)
        r = declare_main(c, argc - 3, argv + 3);
    else if (strcmp(argv[2], "collect") == 0)
        r = collect_main(c, argc - 3, argv + 3);
    else if (strcmp(argv[2], "count") == 0)
        r = count_main(c, argc - 3, argv + 3);
    else
        die("unknown command %s", argv[2]);
    amqp_connection_close(c, AMQP_REPLY_SUCCESS);
    amqp_destroy_connection(c);
    return r;
}
