/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loopback bring-up over rtnetlink (rtnetlink(7), netlink(7)) with libmnl.
 *
 * The request is what `ip link set lo up` sends:
 *
 *   nlmsghdr  { type RTM_NEWLINK, flags NLM_F_REQUEST | NLM_F_ACK, seq }
 *   ifinfomsg { family AF_UNSPEC, index <lo>, flags IFF_UP, change IFF_UP }
 *
 * ifi_change is the mask of flags to modify, so only IFF_UP is touched.
 * With NLM_F_ACK the kernel always answers with an NLMSG_ERROR message whose
 * `error` field is 0 (success) or a negative errno; mnl_cb_run() turns it
 * into -1 with errno set.
 */
#include "netlink.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdint.h>
#include <time.h>

static void mnl_socket_closep(struct mnl_socket **nl)
{
    if (*nl) {
        int saved = errno;
        mnl_socket_close(*nl);
        errno = saved;
    }
}

int oj_netlink_lo_up(struct oj_err *err)
{
    /* `lo` is always ifindex 1 in a network namespace (LOOPBACK_IFINDEX in
     * the kernel); ask by name anyway and fall back to 1. */
    unsigned int index = if_nametoindex("lo");
    if (index == 0)
        index = 1;

    __attribute__((cleanup(mnl_socket_closep))) struct mnl_socket *nl =
        mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (!nl)
        return oj_fail(err, errno, "bring up lo: open rtnetlink socket");
    if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
        return oj_fail(err, errno, "bring up lo: bind rtnetlink socket");

    /* One page is plenty: the request is 32 bytes, the ack at most the
     * request plus an nlmsgerr. */
    union {
        char buf[8192];
        struct nlmsghdr align;
    } u;
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(u.buf);
    nlh->nlmsg_type = RTM_NEWLINK;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    uint32_t seq = (uint32_t)time(NULL);
    nlh->nlmsg_seq = seq;
    struct ifinfomsg *ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
    ifm->ifi_family = AF_UNSPEC;
    ifm->ifi_index = (int)index;
    ifm->ifi_flags = IFF_UP;
    ifm->ifi_change = IFF_UP;

    if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
        return oj_fail(err, errno, "bring up lo: send RTM_NEWLINK");
    ssize_t n;
    do
        n = mnl_socket_recvfrom(nl, u.buf, sizeof(u.buf));
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return oj_fail(err, errno, "bring up lo: receive netlink ack");
    /* Checks the sequence number and port id, and returns -1 with errno =
     * -nlmsgerr.error for a negative ack. */
    if (mnl_cb_run(u.buf, (size_t)n, seq, mnl_socket_get_portid(nl), NULL, NULL) < 0)
        return oj_fail(err, errno, "bring up lo");
    return 0;
}
