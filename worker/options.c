/* SPDX-License-Identifier: Apache-2.0 */
/* ojrun-worker's command line (options.h). */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "problem.h"
#include "util.h"

const char worker_usage[] =
    "Usage: ojrun-worker --spool DIR --problems DIR [options]\n"
    "       ojrun-worker --amqp URL --problems DIR [options]\n"
    "\n"
    "Judge submissions (specs/worker-protocol.md) from a spool directory or from\n"
    "RabbitMQ, in-process through libojrun, and publish the results.\n"
    "\n"
    "Source (one):\n"
    "  --spool DIR             files: DIR/in/*.json -> DIR/out/<submission_id>.json\n"
    "  --amqp URL              amqp://user:pass@host:port/vhost; better kept off the\n"
    "                          command line (ps shows it to every user):\n"
    "  --amqp-file FILE        the URL from the first line of FILE\n"
    "                          (also: environment variable OJRUN_AMQP_URL)\n"
    "  --languages c,cpp,...   the languages to judge (default: all); with --amqp and\n"
    "                          direct routing, one queue per language\n"
    "  --queue NAME            with --amqp: consume this queue (hash routing: this\n"
    "                          worker's queue, bound to the consistent-hash exchange)\n"
    "  --routing direct|hash   with --amqp: by language (default) or by problem_id hash\n"
    "  --queue-type classic|quorum   with --amqp (default classic)\n"
    "\n"
    "Judging:\n"
    "  --problems DIR          problem directories, DIR/<problem_id>/ (required)\n"
    "  --slots N               tests at once, each pinned to its own CPU (default: the CPUs\n"
    "                          this process may use)\n"
    "  --cpus LIST             the CPUs of the slots (\"0-3\", \"1,3\"; default: the affinity)\n"
    "  --root DIR              ojrun's state directory, this worker's own "
    "(default " WORKER_DEFAULT_ROOT ")\n"
    "  --work-dir DIR          bundles, boxes, outputs (default: <root>.work)\n"
    "  --id-prefix P           container ids P-<n> (default: ojw-<random>)\n"
    "  --prefetch N            submissions held at once (default: --slots)\n"
    "  --max-attempts N        attempts of a submission whose sandbox fails (SE) before it\n"
    "                          is dead-lettered (default 3)\n"
    "  --max-source-bytes N    larger sources are refused (default 65536)\n"
    "  --drain-seconds N       on SIGTERM, finish running judgings for at most N seconds,\n"
    "                          then hand the rest back (default 30)\n"
    "  --no-progress           do not publish progress events\n"
    "  --keep                  keep each submission's work directory\n"
    "  --log-format text|json  stderr log lines (default text)\n"
    "  --debug                 debug log lines\n"
    "  --help                  this help\n";

enum {
    OPT_AMQP = 256,
    OPT_AMQP_FILE,
    OPT_SPOOL,
    OPT_LANGUAGES,
    OPT_QUEUE,
    OPT_ROUTING,
    OPT_QUEUE_TYPE,
    OPT_PROBLEMS,
    OPT_SLOTS,
    OPT_CPUS,
    OPT_ROOT,
    OPT_WORK_DIR,
    OPT_ID_PREFIX,
    OPT_PREFETCH,
    OPT_MAX_ATTEMPTS,
    OPT_MAX_SOURCE,
    OPT_DRAIN,
    OPT_NO_PROGRESS,
    OPT_KEEP,
    OPT_LOG_FORMAT,
    OPT_DEBUG,
    OPT_HELP,
};

static const struct option long_options[] = {
    {"amqp", required_argument, NULL, OPT_AMQP},
    {"amqp-file", required_argument, NULL, OPT_AMQP_FILE},
    {"spool", required_argument, NULL, OPT_SPOOL},
    {"languages", required_argument, NULL, OPT_LANGUAGES},
    {"queue", required_argument, NULL, OPT_QUEUE},
    {"routing", required_argument, NULL, OPT_ROUTING},
    {"queue-type", required_argument, NULL, OPT_QUEUE_TYPE},
    {"problems", required_argument, NULL, OPT_PROBLEMS},
    {"slots", required_argument, NULL, OPT_SLOTS},
    {"cpus", required_argument, NULL, OPT_CPUS},
    {"root", required_argument, NULL, OPT_ROOT},
    {"work-dir", required_argument, NULL, OPT_WORK_DIR},
    {"id-prefix", required_argument, NULL, OPT_ID_PREFIX},
    {"prefetch", required_argument, NULL, OPT_PREFETCH},
    {"max-attempts", required_argument, NULL, OPT_MAX_ATTEMPTS},
    {"max-source-bytes", required_argument, NULL, OPT_MAX_SOURCE},
    {"drain-seconds", required_argument, NULL, OPT_DRAIN},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"keep", no_argument, NULL, OPT_KEEP},
    {"log-format", required_argument, NULL, OPT_LOG_FORMAT},
    {"debug", no_argument, NULL, OPT_DEBUG},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static int number(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out,
                  struct oj_err *err)
{
    uint64_t v = 0;
    if (oj_parse_u64(s, &v) < 0 || v < min || v > max)
        return oj_fail(err, 0, "%s: expected a number in %llu..%llu, not \"%s\"", opt,
                       (unsigned long long)min, (unsigned long long)max, s);
    *out = v;
    return 0;
}

static bool known_language(const char *l)
{
    for (size_t i = 0; oj_problem_languages[i]; i++)
        if (strcmp(oj_problem_languages[i], l) == 0)
            return true;
    return false;
}

static int parse_languages(const char *arg, struct worker_options *o, struct oj_err *err)
{
    oj_strv_free(o->languages);
    o->languages = NULL;
    size_t n = 0;
    _cleanup_free_ char *copy = strdup(arg);
    if (!copy)
        return oj_fail(err, ENOMEM, "--languages");
    for (const char *c = arg; *c; c++)
        n += *c == ',';
    char **v = calloc(n + 2, sizeof(*v));
    if (!v)
        return oj_fail(err, ENOMEM, "--languages");
    o->languages = v;
    size_t i = 0;
    char *save = NULL;
    for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (!known_language(t))
            return oj_fail(err, 0,
                           "--languages: unknown language \"%s\" (c, cpp, go, java, "
                           "javascript, python)",
                           t);
        bool dup = false;
        for (size_t j = 0; j < i; j++)
            dup |= strcmp(v[j], t) == 0;
        if (dup)
            continue;
        if (!(v[i++] = strdup(t)))
            return oj_fail(err, ENOMEM, "--languages");
    }
    if (i == 0)
        return oj_fail(err, 0, "--languages: no language in \"%s\"", arg);
    return 0;
}

/* The URL from the first line of FILE, without surrounding whitespace. */
static int read_url_file(const char *path, char **out, struct oj_err *err)
{
    _cleanup_free_ char *data = NULL;
    if (oj_read_file(path, 4096, &data, NULL, err) < 0)
        return oj_wrap(err, "--amqp-file");
    char *s = data;
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    size_t n = strcspn(s, "\r\n");
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0)
        return oj_fail(err, 0, "--amqp-file %s: empty", path);
    if (!(*out = strndup(s, n)))
        return oj_fail(err, ENOMEM, "--amqp-file %s", path);
    return 0;
}

/* The root without trailing slashes ("/" stays), for "<root>.work". */
static size_t root_len(const char *root)
{
    size_t n = strlen(root);
    while (n > 1 && root[n - 1] == '/')
        n--;
    return n;
}

static bool valid_prefix(const char *p)
{
    size_t n = strlen(p);
    if (n < 1 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
            return false;
    }
    return true;
}

int worker_options_parse(int argc, char **argv, const char *env_url, struct worker_options *o,
                         struct oj_err *err)
{
    memset(o, 0, sizeof(*o));
    o->root = WORKER_DEFAULT_ROOT;
    o->max_attempts = WORKER_DEFAULT_MAX_ATTEMPTS;
    o->max_source_bytes = WORKER_DEFAULT_MAX_SOURCE_BYTES;
    o->drain_seconds = WORKER_DEFAULT_DRAIN_SECONDS;
    o->routing = OJ_AMQP_ROUTE_DIRECT;
    o->queue_type = OJ_AMQP_QUEUE_CLASSIC;
    const char *amqp_arg = NULL, *amqp_file = NULL, *routing = NULL, *queue_type = NULL;
    const char *work_dir = NULL;
    uint64_t v = 0;

    optind = 0; /* a full reset: parse may be called more than once (tests) */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":", long_options, NULL)) != -1) {
        switch (c) {
        case OPT_AMQP:
            amqp_arg = optarg;
            break;
        case OPT_AMQP_FILE:
            amqp_file = optarg;
            break;
        case OPT_SPOOL:
            o->spool = optarg;
            break;
        case OPT_LANGUAGES:
            if (parse_languages(optarg, o, err) < 0)
                return -1;
            break;
        case OPT_QUEUE:
            o->queue = optarg;
            break;
        case OPT_ROUTING:
            routing = optarg;
            break;
        case OPT_QUEUE_TYPE:
            queue_type = optarg;
            break;
        case OPT_PROBLEMS:
            o->problems = optarg;
            break;
        case OPT_SLOTS:
            if (number("--slots", optarg, 1, 1024, &v, err) < 0)
                return -1;
            o->slots = (unsigned)v;
            break;
        case OPT_CPUS:
            o->cpus = optarg;
            break;
        case OPT_ROOT:
            o->root = optarg;
            break;
        case OPT_WORK_DIR:
            work_dir = optarg;
            break;
        case OPT_ID_PREFIX:
            if (!valid_prefix(optarg))
                return oj_fail(err, 0,
                               "--id-prefix: expected 1 to 64 characters of A-Z a-z 0-9 _ . - "
                               "starting with a letter or digit, not \"%s\"",
                               optarg);
            o->id_prefix = optarg;
            break;
        case OPT_PREFETCH:
            if (number("--prefetch", optarg, 1, 65535, &v, err) < 0)
                return -1;
            o->prefetch = (unsigned)v;
            break;
        case OPT_MAX_ATTEMPTS:
            if (number("--max-attempts", optarg, 1, 100, &v, err) < 0)
                return -1;
            o->max_attempts = (unsigned)v;
            break;
        case OPT_MAX_SOURCE:
            if (number("--max-source-bytes", optarg, 1, 16 << 20, &v, err) < 0)
                return -1;
            o->max_source_bytes = (size_t)v;
            break;
        case OPT_DRAIN:
            if (number("--drain-seconds", optarg, 0, 86400, &v, err) < 0)
                return -1;
            o->drain_seconds = (unsigned)v;
            break;
        case OPT_NO_PROGRESS:
            o->no_progress = true;
            break;
        case OPT_KEEP:
            o->keep = true;
            break;
        case OPT_LOG_FORMAT:
            if (strcmp(optarg, "json") == 0)
                o->log_json = true;
            else if (strcmp(optarg, "text") != 0)
                return oj_fail(err, 0, "--log-format: expected text or json, not \"%s\"", optarg);
            break;
        case OPT_DEBUG:
            o->debug = true;
            break;
        case OPT_HELP:
            o->help = true;
            return 0;
        case ':':
            return oj_fail(err, 0, "%s: needs a value", argv[optind - 1]);
        default:
            return oj_fail(err, 0, "unknown option %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return oj_fail(err, 0, "unexpected argument \"%s\"", argv[optind]);

    if (amqp_arg && amqp_file)
        return oj_fail(err, 0, "--amqp and --amqp-file: give one");
    if (o->spool && (amqp_arg || amqp_file))
        return oj_fail(err, 0, "--spool and --amqp: give one source");
    if (amqp_arg) {
        if (!(o->amqp_url = strdup(amqp_arg)))
            return oj_fail(err, ENOMEM, "--amqp");
    } else if (amqp_file) {
        if (read_url_file(amqp_file, &o->amqp_url, err) < 0)
            return -1;
    } else if (!o->spool && env_url && *env_url) {
        if (!(o->amqp_url = strdup(env_url)))
            return oj_fail(err, ENOMEM, "OJRUN_AMQP_URL");
    }
    if (!o->spool && !o->amqp_url)
        return oj_fail(err, 0,
                       "no source: give --spool DIR, or --amqp URL (or --amqp-file FILE, or "
                       "the environment variable OJRUN_AMQP_URL)");
    if (!o->problems)
        return oj_fail(err, 0, "--problems: missing (the directory of the problems)");

    if (routing) {
        if (strcmp(routing, "hash") == 0)
            o->routing = OJ_AMQP_ROUTE_HASH;
        else if (strcmp(routing, "direct") != 0)
            return oj_fail(err, 0, "--routing: expected direct or hash, not \"%s\"", routing);
    }
    if (queue_type) {
        if (strcmp(queue_type, "quorum") == 0)
            o->queue_type = OJ_AMQP_QUEUE_QUORUM;
        else if (strcmp(queue_type, "classic") != 0)
            return oj_fail(err, 0, "--queue-type: expected classic or quorum, not \"%s\"",
                           queue_type);
    }
    if (o->spool && (routing || queue_type || o->queue))
        return oj_fail(err, 0, "%s: only with --amqp",
                       routing      ? "--routing"
                       : queue_type ? "--queue-type"
                                    : "--queue");
    if (o->amqp_url && o->routing == OJ_AMQP_ROUTE_HASH && !o->queue)
        return oj_fail(err, 0, "--routing hash: needs --queue NAME (this worker's queue)");
    if (o->amqp_url && o->routing == OJ_AMQP_ROUTE_DIRECT && o->queue && o->languages)
        return oj_fail(err, 0,
                       "--queue and --languages: give one with direct routing (a queue per "
                       "language, or one queue)");

    if (work_dir) {
        if (!(o->work_dir = strdup(work_dir)))
            return oj_fail(err, ENOMEM, "--work-dir");
    } else if (asprintf(&o->work_dir, "%.*s.work", (int)root_len(o->root), o->root) < 0) {
        o->work_dir = NULL;
        return oj_fail(err, ENOMEM, "--work-dir");
    }
    return 0;
}

void worker_options_clear(struct worker_options *o)
{
    free(o->amqp_url);
    free(o->work_dir);
    oj_strv_free(o->languages);
    memset(o, 0, sizeof(*o));
}
