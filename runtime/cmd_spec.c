/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ojrun spec [--bundle DIR] [--rootless]
 *
 * Write a default config.json (spec.c) into the bundle directory, like
 * `runc spec`.  An existing config.json is never overwritten: it is usually
 * somebody's hand-edited configuration.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "error.h"
#include "log.h"
#include "spec.h"
#include "strbuf.h"
#include "util.h"

static void usage(FILE *f)
{
    fprintf(f, "Usage: ojrun spec [--bundle DIR] [--rootless]\n\n"
               "Write a default OCI config.json into the bundle directory (default: the\n"
               "current directory).  An existing config.json is not overwritten.\n\n"
               "Options:\n"
               "  --bundle DIR, -b DIR  bundle directory to write config.json into\n"
               "  --rootless            configuration for an unprivileged user: a user\n"
               "                        namespace mapping the caller to root, no network\n"
               "                        namespace, no cgroup mount\n"
               "  --help, -h            print this help\n");
}

/* Write the default configuration to <bundle>/config.json. */
static int write_spec(const char *bundle, bool rootless, struct oj_err *err)
{
    struct stat st;
    if (stat(bundle, &st) < 0)
        return oj_fail(err, errno, "bundle %s", bundle);
    if (!S_ISDIR(st.st_mode))
        return oj_fail(err, ENOTDIR, "bundle %s", bundle);

    /* "dir/" + "config.json" without doubling the slash (but keep "/"). */
    size_t n = strlen(bundle);
    while (n > 1 && bundle[n - 1] == '/')
        n--;
    char path[PATH_MAX];
    if (snprintf(path, sizeof(path), "%.*s%sconfig.json", (int)n, bundle,
                 bundle[n - 1] == '/' ? "" : "/") >= (int)sizeof(path))
        return oj_fail(err, ENAMETOOLONG, "bundle %s", bundle);

    /* lstat, not stat: a dangling symlink named config.json is somebody's
     * too.  The check and the rename below are not one atomic step; a
     * config.json created in between by another process would be
     * replaced, which `runc spec` accepts as well. */
    if (lstat(path, &st) == 0)
        return oj_fail(err, 0, "%s: file exists", path);
    if (errno != ENOENT)
        return oj_fail(err, errno, "%s", path);

    struct strbuf sb = {0};
    if (oj_spec_default(rootless, geteuid(), getegid(), &sb) < 0) {
        sb_free(&sb);
        return oj_fail(err, errno, "generate %s", path);
    }
    int r = oj_write_file_atomic(path, sb.s, sb.len, 0644, err);
    sb_free(&sb);
    return r;
}

int cmd_spec(const struct oj_globals *g, int argc, char **argv)
{
    enum { OPT_ROOTLESS = 256 };
    static const struct option opts[] = {
        {"bundle", required_argument, NULL, 'b'},
        {"rootless", no_argument, NULL, OPT_ROOTLESS},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    const char *bundle = ".";
    bool rootless = false;

    /* '+': stop at the first non-option; ':': report a missing argument
     * as ':' so that it gets its own message. */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "+:b:h", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            bundle = optarg;
            break;
        case OPT_ROOTLESS:
            rootless = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case ':':
            return oj_usage_error("spec", "option '%s' needs an argument", argv[optind - 1]);
        default:
            /* optopt names an unknown short option even inside a cluster
             * like "-hx"; for an unknown long option it is 0. */
            if (optopt)
                return oj_usage_error("spec", "unknown option '-%c'", optopt);
            return oj_usage_error("spec", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return oj_usage_error("spec", "unexpected argument '%s'", argv[optind]);
    if (bundle[0] == '\0')
        return oj_usage_error("spec", "--bundle: empty path");

    struct oj_err err = {0};
    if (write_spec(bundle, rootless, &err) < 0) {
        oj_error("spec: %s", err.msg);
        return 1;
    }
    return 0;
}
