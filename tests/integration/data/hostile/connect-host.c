/* Connects to a TCP port on the host's 127.0.0.1 (the port is the input;
 * hostile.bats listens there) and to a unix socket path.  The container has
 * its own network namespace (only its own lo) and socket() is not allowed. */
#include "probe.h"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(void)
{
    int port = 0;
    if (scanf("%d", &port) != 1)
        return 1;
    struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    must_fail(fd, "socket(AF_INET)");
    if (fd >= 0)
        must_fail(connect(fd, (struct sockaddr *)&in, sizeof(in)), "connect 127.0.0.1");
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    must_fail(fd, "socket(AF_UNIX)");
    if (fd >= 0) {
        struct sockaddr_un un = {.sun_family = AF_UNIX};
        strcpy(un.sun_path, "/run/systemd/private");
        must_fail(connect(fd, (struct sockaddr *)&un, sizeof(un)), "connect a unix socket");
    }
    return verdict();
}
