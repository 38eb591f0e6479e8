/* SPDX-License-Identifier: Apache-2.0 */
/*
 * linux.sysctl (config-linux.md "Sysctl"): kernel parameters set for the
 * container by writing /proc/sys.
 *
 * Only *namespaced* parameters may be set, or a container would change the
 * host: the IPC ones (kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*)
 * need an IPC namespace of the container's own, net.* a network namespace
 * of its own, kernel.hostname/domainname a UTS namespace of its own.  This
 * is runc's rule (libcontainer/configs/validate), with "of its own" applied
 * to all three: a namespace joined by path is fine unless that path is the
 * runtime's own namespace.
 */
#ifndef OJRUN_SYSCTL_H
#define OJRUN_SYSCTL_H

#include "config.h"
#include "error.h"

/* Check every linux.sysctl entry against the namespaces of `cfg` (called by
 * the runtime before creating anything; "own" is judged against the calling
 * process's namespaces).  Errors read e.g.
 *   linux.sysctl: "kernel.panic" is not namespaced: refusing to set it */
int oj_sysctl_validate(const struct oj_config *cfg, struct oj_err *err);

/* Write each value to /proc/sys/<key with '.' -> '/'>, in config order.
 * Called by the init inside the container's namespaces, after the
 * container's /proc is mounted (and pivot_root done): the kernel resolves
 * these files against the *writer's* namespaces.  Refuses a /proc/sys that
 * is not procfs and keys with '/' or empty components. */
int oj_sysctl_apply(const struct oj_config *cfg, struct oj_err *err);

#endif
