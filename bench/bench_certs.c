/* bench_certs.c - `make bench` entry for the certificate scanner: runs bench_certs.sh (nginx with
 * thousands of loopback TLS listeners, opsgate against nmap, blackbox_exporter and the machine's
 * handshake capacity) and serves it as a peak-RSS meter: `bench_certs --rss FILE CMD...` runs
 * CMD and writes the child's peak resident set size in KiB to FILE. */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static int measure(const char *file, char **cmd)
{
    pid_t pid = fork();
    if (pid < 0)
        return 127;
    if (pid == 0) {
        execvp(cmd[0], cmd);
        perror(cmd[0]);
        _exit(127);
    }
    int status = 0;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) < 0)
        return 127;
    FILE *f = fopen(file, "w");
    if (f) {
        fprintf(f, "%ld\n", ru.ru_maxrss);
        fclose(f);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "--rss") == 0)
        return measure(argv[2], argv + 3);
    /* The script sits next to this source file; opsgate next to this binary. */
    char src[4096], self[4096], script[4200], opsgate[4200];
    snprintf(src, sizeof(src), "%s", __FILE__);
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0)
        return 1;
    self[n] = '\0';
    snprintf(script, sizeof(script), "%s/bench_certs.sh", dirname(src));
    char selfdir[4096];
    snprintf(selfdir, sizeof(selfdir), "%s", self);
    snprintf(opsgate, sizeof(opsgate), "%s/opsgate", dirname(selfdir));
    execl("/bin/bash", "bash", script, opsgate, self, (char *)NULL);
    perror(script);
    return 1;
}
