/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one piece of networking an OCI runtime does itself: bringing up the
 * loopback interface of a new network namespace.  A fresh netns has `lo`
 * but it is DOWN, so 127.0.0.1 is unreachable (connect() fails with
 * ENETUNREACH) until someone sets IFF_UP.  runc and crun do it in the init;
 * everything else about networking is left to the caller (CNI, hooks).
 */
#ifndef OJRUN_NETLINK_H
#define OJRUN_NETLINK_H

#include "error.h"

/* Bring `lo` up in the calling thread's network namespace: one rtnetlink
 * RTM_NEWLINK request (ifi_flags = ifi_change = IFF_UP) with NLM_F_ACK; the
 * kernel's answer is checked, e.g. "bring up lo: Operation not permitted".
 * Needs CAP_NET_ADMIN over the namespace. */
int oj_netlink_lo_up(struct oj_err *err);

#endif
