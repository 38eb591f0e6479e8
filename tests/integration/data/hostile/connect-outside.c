/* Reaches for the outside world: TCP to 1.1.1.1:80, a UDP DNS query to
 * 8.8.8.8:53, a raw socket. */
#include "probe.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in addr(const char *ip, int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

int main(void)
{
    struct sockaddr_in web = addr("1.1.1.1", 80), dns = addr("8.8.8.8", 53);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    must_fail(fd, "socket(AF_INET, SOCK_STREAM)");
    if (fd >= 0)
        must_fail(connect(fd, (struct sockaddr *)&web, sizeof(web)), "connect 1.1.1.1:80");
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    must_fail(fd, "socket(AF_INET, SOCK_DGRAM)");
    if (fd >= 0)
        must_fail(
            sendto(fd, "\0\1\1\0\0\1\0\0\0\0\0\0", 12, 0, (struct sockaddr *)&dns, sizeof(dns)),
            "sendto 8.8.8.8:53");
    must_fail(socket(AF_INET, SOCK_RAW, 1), "socket(AF_INET, SOCK_RAW)");
    must_fail(socket(AF_PACKET, SOCK_RAW, 0), "socket(AF_PACKET)");
    return verdict();
}
