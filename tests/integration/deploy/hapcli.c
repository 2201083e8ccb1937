/* hapcli.c - send stdin to HAProxy's stats socket and print the answer: the plain reference
 * (`set ssl cert` + `commit ssl cert` by hand) that bench.sh times opsgate against.
 * usage: hapcli SOCKET < commands     Built with: cc -O2 -o hapcli hapcli.c */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    struct sockaddr_un sa;
    char buf[65536];
    ssize_t n;
    size_t len = 0;
    int fd;
    if (argc != 2 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "usage: hapcli SOCKET < commands\n");
        return 2;
    }
    while (len < sizeof(buf) && (n = read(0, buf + len, sizeof(buf) - len)) > 0)
        len += (size_t)n;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    strcpy(sa.sun_path, argv[1]);
    if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0 ||
        connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        perror("hapcli");
        return 1;
    }
    for (size_t off = 0; off < len; off += (size_t)n)
        if ((n = write(fd, buf + off, len - off)) <= 0)
            return 1;
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        fwrite(buf, 1, (size_t)n, stdout);
    close(fd);
    return 0;
}
