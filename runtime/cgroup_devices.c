/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.resources.devices: the device allowlist, shared by the v1 devices
 * controller (devices.allow / devices.deny) and the v2 eBPF program.
 *
 * config-linux.md "Allowed Device List": rules apply in order, a later rule
 * overriding an earlier one for the devices it matches.  Every container
 * also gets the devices the spec's "Default Devices" section requires the
 * runtime to supply (/dev/null, /dev/zero, /dev/full, /dev/random,
 * /dev/urandom, /dev/tty, /dev/console, /dev/ptmx and /dev/pts/N): their
 * allow rules come after the user's, as in runc, or a config starting with
 * the usual "deny everything" rule would leave the container without
 * /dev/null.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup_internal.h"
#include "cleanup.h"

/* runc's list (libcontainer/specconv AllowedDevices), plus /dev/console
 * which the OCI spec's default devices include: mknod of any device node
 * ("m" on every c and b device: creating a node needs CAP_MKNOD anyway,
 * and using it needs r/w, which the rules below grant only for these), the
 * default devices, the pty devices and tun (10:200). */
static const struct {
    char type;
    int64_t major, minor; /* -1: any */
    const char *access;
    const char *name;
} default_devices[] = {
    {'c', -1, -1, "m", "mknod of character devices"},
    {'b', -1, -1, "m", "mknod of block devices"},
    {'c', 1, 3, "rwm", "/dev/null"},
    {'c', 1, 5, "rwm", "/dev/zero"},
    {'c', 1, 7, "rwm", "/dev/full"},
    {'c', 1, 8, "rwm", "/dev/random"},
    {'c', 1, 9, "rwm", "/dev/urandom"},
    {'c', 5, 0, "rwm", "/dev/tty"},
    {'c', 5, 1, "rwm", "/dev/console"},
    {'c', 5, 2, "rwm", "/dev/ptmx"},
    {'c', 136, -1, "rwm", "/dev/pts/N"},
    {'c', 10, 200, "rwm", "/dev/net/tun"},
};

void oj_cg_device_rules_free(struct oj_device_cgroup *rules, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(rules[i].access);
    free(rules);
}

static int check_access(const char *a)
{
    if (!*a)
        return -1;
    bool seen[3] = {false, false, false};
    for (const char *p = a; *p; p++) {
        const char *at = strchr("rwm", *p);
        if (!at || seen[at - "rwm"])
            return -1;
        seen[at - "rwm"] = true;
    }
    return 0;
}

int oj_cg_device_rules(const struct oj_resources *r, struct oj_device_cgroup **out, size_t *n,
                       struct oj_err *err)
{
    size_t total = r->n_devices + OJ_ARRAY_SIZE(default_devices);
    struct oj_device_cgroup *v = calloc(total, sizeof(*v));
    if (!v)
        return oj_fail(err, ENOMEM, "linux.resources.devices");
    size_t k = 0;
    for (size_t i = 0; i < r->n_devices; i++, k++) {
        const struct oj_device_cgroup *d = &r->devices[i];
        char type = d->type ? d->type : 'a';
        if (type != 'a' && type != 'b' && type != 'c') {
            oj_cg_device_rules_free(v, k);
            return oj_fail(err, EINVAL,
                           "linux.resources.devices[%zu].type \"%c\": must be \"a\", \"b\" or "
                           "\"c\"",
                           i, type);
        }
        const char *access = d->access ? d->access : "rwm";
        if (check_access(access) < 0) {
            oj_cg_device_rules_free(v, k);
            return oj_fail(err, EINVAL,
                           "linux.resources.devices[%zu].access \"%.16s\": must be made of r, w "
                           "and m",
                           i, access);
        }
        for (int j = 0; j < 2; j++) {
            const oj_opt_i64 *num = j ? &d->minor : &d->major;
            if (num->set && num->v > (int64_t)UINT32_MAX) {
                oj_cg_device_rules_free(v, k);
                return oj_fail(err, EINVAL,
                               "linux.resources.devices[%zu].%s %" PRId64 ": out of range", i,
                               j ? "minor" : "major", num->v);
            }
        }
        v[k].allow = d->allow;
        v[k].type = type;
        /* a negative number is a wildcard, like an absent one (runc) */
        v[k].major = (oj_opt_i64){d->major.set && d->major.v >= 0, d->major.v};
        v[k].minor = (oj_opt_i64){d->minor.set && d->minor.v >= 0, d->minor.v};
        v[k].access = strdup(access);
        if (!v[k].access) {
            oj_cg_device_rules_free(v, k);
            return oj_fail(err, ENOMEM, "linux.resources.devices");
        }
    }
    for (size_t i = 0; i < OJ_ARRAY_SIZE(default_devices); i++, k++) {
        v[k].allow = true;
        v[k].type = default_devices[i].type;
        v[k].major = (oj_opt_i64){default_devices[i].major >= 0, default_devices[i].major};
        v[k].minor = (oj_opt_i64){default_devices[i].minor >= 0, default_devices[i].minor};
        v[k].access = strdup(default_devices[i].access);
        if (!v[k].access) {
            oj_cg_device_rules_free(v, k);
            return oj_fail(err, ENOMEM, "linux.resources.devices");
        }
    }
    *out = v;
    *n = k;
    return 0;
}

void oj_cg_device_rule_text(const struct oj_device_cgroup *rule, char *buf, size_t size)
{
    char major[24] = "*", minor[24] = "*";
    if (rule->major.set)
        snprintf(major, sizeof(major), "%" PRId64, rule->major.v);
    if (rule->minor.set)
        snprintf(minor, sizeof(minor), "%" PRId64, rule->minor.v);
    snprintf(buf, size, "%c %s:%s %s", rule->type, major, minor,
             rule->access ? rule->access : "rwm");
}
