/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the public API's objects are (libojrun.h), for api.c and
 * api_task.c.  Not installed; clients see only the opaque types.
 */
#ifndef OJRUN_API_INTERNAL_H
#define OJRUN_API_INTERNAL_H

#include "context.h"
#include "error.h"
#include "libojrun.h"

struct oj_create_opts;
struct oj_limits;
struct oj_result;

struct ojrun_context {
    struct oj_context ctx; /* what the library's operations take; .root is `root` */
    char *root;
    int log_fd; /* ojrun_context_set_log_file()'s file, or -1 */
};

struct ojrun_config {
    char *bundle; /* absolute: resolves a relative root.path */
    char *data;   /* config.json as given (NUL-terminated), parsed by each user */
    size_t len;
};

void oj_api_error_from(ojrun_error *out, const struct oj_err *e);
void oj_api_result_from(ojrun_result *out, const struct oj_result *r);
void oj_api_limits_to(struct oj_limits *out, const ojrun_limits *l);
void oj_api_create_opts_fill(struct oj_create_opts *o, const char *id, const char *bundle,
                             const ojrun_config *cfg, const ojrun_create_options *opts);

#endif
