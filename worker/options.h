/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ojrun-worker's command line (specs/worker-protocol.md, "The worker"):
 * parsed into struct worker_options, checked as a whole, with one error
 * line naming the option at fault.  Nothing here opens, connects or
 * starts anything: main.c does, from the options.
 */
#ifndef OJRUN_WORKER_OPTIONS_H
#define OJRUN_WORKER_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "amqp.h"
#include "error.h"

struct worker_options {
    /* where submissions come from: exactly one of amqp_url and spool */
    char *amqp_url; /* --amqp, --amqp-file or $OJRUN_AMQP_URL */
    const char *spool;
    char **languages; /* --languages, NULL-terminated; NULL: all */
    const char *queue;
    enum oj_amqp_routing routing;
    enum oj_amqp_queue_type queue_type;
    const char *problems;
    unsigned slots; /* 0: the CPUs of the affinity mask */
    const char *cpus;
    const char *root;
    char *work_dir; /* default: <root>.work */
    const char *id_prefix;
    unsigned prefetch; /* 0: slots */
    unsigned max_attempts;
    size_t max_source_bytes;
    unsigned drain_seconds;
    bool log_json;
    bool debug;
    bool keep;
    bool no_progress;
    bool help;
};

#define WORKER_DEFAULT_ROOT             "/run/ojrun-worker"
#define WORKER_DEFAULT_MAX_ATTEMPTS     3
#define WORKER_DEFAULT_MAX_SOURCE_BYTES (64 * 1024)
#define WORKER_DEFAULT_DRAIN_SECONDS    30

/* Parse argv.  `env_url`: $OJRUN_AMQP_URL (NULL when unset).  Errors are
 * usage errors ("--slots: expected a number in 1..1024, not \"x\""). */
int worker_options_parse(int argc, char **argv, const char *env_url, struct worker_options *o,
                         struct oj_err *err);
void worker_options_clear(struct worker_options *o);
extern const char worker_usage[];

#endif
