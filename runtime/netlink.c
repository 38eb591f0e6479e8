/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loopback bring-up over rtnetlink (rtnetlink(7), netlink(7)).
 *
 * The request is what `ip link set lo up` sends:
 *
 *   nlmsghdr  { type RTM_NEWLINK, flags NLM_F_REQUEST | NLM_F_ACK, seq }
 *   ifinfomsg { family AF_UNSPEC, index <lo>, flags IFF_UP, change IFF_UP }
 *
 * ifi_change is the mask of flags to modify, so only IFF_UP is touched.
 * With NLM_F_ACK the kernel always answers with an NLMSG_ERROR message whose
 * `error` field is 0 (success) or a negative errno.
 *
 * Plain socket calls rather than libmnl: one 32-byte request and one ack do
 * not need a library, and one shared library less is one mapping and one
 * set of relocations less for ld.so at every `ojrun` start (and it lets
 * ojrun link statically; see specs/performance.md).
 */
#include "netlink.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"

int oj_netlink_lo_up(struct oj_err *err)
{
    /* `lo` is always ifindex 1 in a network namespace (LOOPBACK_IFINDEX in
     * the kernel); ask by name anyway and fall back to 1. */
    unsigned int index = if_nametoindex("lo");
    if (index == 0)
        index = 1;

    _cleanup_close_ int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return oj_fail(err, errno, "bring up lo: open rtnetlink socket");
    struct sockaddr_nl local = {.nl_family = AF_NETLINK};
    if (bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0)
        return oj_fail(err, errno, "bring up lo: bind rtnetlink socket");

    struct {
        struct nlmsghdr nh;
        struct ifinfomsg ifm;
    } req = {
        .nh = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
               .nlmsg_type = RTM_NEWLINK,
               .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
               .nlmsg_seq = (uint32_t)time(NULL)},
        .ifm = {.ifi_family = AF_UNSPEC,
                .ifi_index = (int)index,
                .ifi_flags = IFF_UP,
                .ifi_change = IFF_UP},
    };
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK}; /* nl_pid 0: the kernel */
    if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
        return oj_fail(err, errno, "bring up lo: send RTM_NEWLINK");

    /* The ack echoes our header after the error code: a page is plenty. */
    union {
        char buf[8192];
        struct nlmsghdr align;
    } u;
    for (;;) {
        struct sockaddr_nl from;
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(fd, u.buf, sizeof(u.buf), 0, (struct sockaddr *)&from, &fl);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return oj_fail(err, errno, "bring up lo: receive netlink ack");
        if (from.nl_pid != 0)
            continue; /* not from the kernel */
        for (struct nlmsghdr *h = &u.align; NLMSG_OK(h, (unsigned)n); h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_seq != req.nh.nlmsg_seq)
                continue;
            if (h->nlmsg_type != NLMSG_ERROR)
                continue;
            if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
                return oj_fail(err, EBADMSG, "bring up lo: truncated netlink ack");
            const struct nlmsgerr *e = NLMSG_DATA(h);
            if (e->error != 0)
                return oj_fail(err, -e->error, "bring up lo");
            return 0;
        }
    }
}
