/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ojrun spec [--bundle DIR] [--rootless]
 * ojrun spec --judge LANG --phase compile|run --box DIR [limits] [--bundle DIR]
 *
 * Write a default config.json (spec.c, through ojrun_spec_write()) into the bundle directory, like
 * `runc spec`.  An existing config.json is never overwritten: it is usually
 * somebody's hand-edited configuration.
 *
 * With --judge, write the bundle of one phase of a judge template instead
 * (judge.h): config.json and the rootfs/ it needs.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "judge.h"
#include "log.h"

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: ojrun spec [--bundle DIR] [--rootless]\n"
            "       ojrun spec --judge LANG --phase compile|run --box DIR [--cpu-ms N]\n"
            "                  [--wall-ms N] [--memory BYTES] [--pids N] [--output-bytes N]\n"
            "                  [--bundle DIR]\n\n"
            "Write a default OCI config.json into the bundle directory (default: the\n"
            "current directory).  An existing config.json is not overwritten.\n\n"
            "Options:\n"
            "  --bundle DIR, -b DIR  bundle directory to write config.json into\n"
            "  --rootless            configuration for an unprivileged user: a user\n"
            "                        namespace mapping the caller to root, no network\n"
            "                        namespace, no cgroup mount\n"
            "  --help, -h            print this help\n\n"
            "Judge bundles (--judge): config.json and rootfs/ for one phase of a\n"
            "submission; DIR of --box is mounted on /box (read-write for compile,\n"
            "read-only for run).  The program runs as uid/gid %d in the container,\n"
            "host uid/gid %d: the compile box must be writable by it.\n"
            "  --judge LANG          the language template\n"
            "  --phase PHASE         compile or run\n"
            "  --box DIR             the submission's directory\n"
            "  --cpu-ms N            CPU time limit (milliseconds)\n"
            "  --wall-ms N           wall-clock time limit (milliseconds)\n"
            "  --memory BYTES        memory limit (no swap)\n"
            "  --pids N              processes and threads\n"
            "  --output-bytes N      largest file (stdout) the program may write\n\n"
            "Languages (files in /box: before compile -> after compile):\n",
            OJ_JUDGE_UID, OJ_JUDGE_HOST_ID_BASE + OJ_JUDGE_UID);
    for (size_t i = 0; i < oj_judge_n_langs; i++) {
        const struct oj_judge_lang *l = &oj_judge_langs[i];
        fprintf(f, "  %-11s", l->name);
        for (const char *const *s = l->phase[OJ_JUDGE_COMPILE].files; *s; s++)
            fprintf(f, " %s", *s);
        fprintf(f, " ->");
        for (const char *const *s = l->phase[OJ_JUDGE_RUN].files; *s; s++)
            fprintf(f, " %s", *s);
        fprintf(f, "\n  %-11s %s\n", "", l->description);
    }
    fprintf(f, "\nDefault limits:\n  %-11s %-8s %8s %8s %11s %5s %13s\n", "LANG", "PHASE", "CPU-MS",
            "WALL-MS", "MEMORY", "PIDS", "OUTPUT-BYTES");
    for (size_t i = 0; i < oj_judge_n_langs; i++) {
        for (int p = 0; p < OJ_JUDGE_N_PHASES; p++) {
            const struct oj_judge_limits *d = &oj_judge_langs[i].phase[p].limits;
            fprintf(f, "  %-11s %-8s %8llu %8llu %11llu %5llu %13llu\n", oj_judge_langs[i].name,
                    oj_judge_phase_name(p), (unsigned long long)d->cpu_ms,
                    (unsigned long long)d->wall_ms, (unsigned long long)d->memory,
                    (unsigned long long)d->pids, (unsigned long long)d->output_bytes);
        }
    }
}

int cmd_spec(const struct oj_globals *g, int argc, char **argv)
{
    enum {
        OPT_ROOTLESS = 256,
        OPT_JUDGE,
        OPT_PHASE,
        OPT_BOX,
        OPT_CPU_MS,
        OPT_WALL_MS,
        OPT_MEMORY,
        OPT_PIDS,
        OPT_OUTPUT_BYTES,
    };
    static const struct option opts[] = {
        {"bundle", required_argument, NULL, 'b'},
        {"rootless", no_argument, NULL, OPT_ROOTLESS},
        {"judge", required_argument, NULL, OPT_JUDGE},
        {"phase", required_argument, NULL, OPT_PHASE},
        {"box", required_argument, NULL, OPT_BOX},
        {"cpu-ms", required_argument, NULL, OPT_CPU_MS},
        {"wall-ms", required_argument, NULL, OPT_WALL_MS},
        {"memory", required_argument, NULL, OPT_MEMORY},
        {"pids", required_argument, NULL, OPT_PIDS},
        {"output-bytes", required_argument, NULL, OPT_OUTPUT_BYTES},
        {"help", no_argument, NULL, 'h'},
        {0},
    };
    const char *bundle = ".";
    bool rootless = false;
    ojrun_judge_request judge = {0};
    const char *judge_only = NULL; /* a judge option given without --judge */

    /* '+': stop at the first non-option; ':': report a missing argument
     * as ':' so that it gets its own message. */
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":b:h", opts, NULL)) != -1) {
        switch (c) {
        case 'b':
            bundle = optarg;
            break;
        case OPT_ROOTLESS:
            rootless = true;
            break;
        case OPT_JUDGE:
            judge.lang = optarg;
            break;
        case OPT_PHASE:
            judge.phase = optarg;
            judge_only = "phase";
            break;
        case OPT_BOX:
            judge.box = optarg;
            judge_only = "box";
            break;
        case OPT_CPU_MS:
            judge.cpu_ms = optarg;
            judge_only = "cpu-ms";
            break;
        case OPT_WALL_MS:
            judge.wall_ms = optarg;
            judge_only = "wall-ms";
            break;
        case OPT_MEMORY:
            judge.memory = optarg;
            judge_only = "memory";
            break;
        case OPT_PIDS:
            judge.pids = optarg;
            judge_only = "pids";
            break;
        case OPT_OUTPUT_BYTES:
            judge.output_bytes = optarg;
            judge_only = "output-bytes";
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

    if (judge.lang) {
        if (rootless)
            return oj_usage_error("spec", "--rootless and --judge cannot be combined");
        if (!judge.phase)
            return oj_usage_error("spec", "--judge needs --phase compile|run");
        if (!judge.box)
            return oj_usage_error("spec", "--judge needs --box DIR");
        judge.bundle = bundle;
        ojrun_error aerr;
        if (ojrun_judge_write_bundle(g->api, &judge, &aerr) < 0) {
            oj_error("spec: %s", aerr.message);
            return 1;
        }
        return 0;
    }
    if (judge_only)
        return oj_usage_error("spec", "--%s needs --judge", judge_only);
    ojrun_error err;
    if (ojrun_spec_write(g->api, bundle, rootless, &err) < 0) {
        oj_error("spec: %s", err.message);
        return 1;
    }
    return 0;
}
