/* bench_acme.c - `make bench` entry for ACME issuance: runs bench_acme.sh, which starts Debian's
 * Pebble on loopback and issues 50 certificates one after the other and 200 with 16 parallel
 * processes with opsgate, lego and certbot, and prints certificates per second, each client's own
 * CPU seconds per certificate and the ratios (aims, sequentially: at least 8x lego's rate, at most
 * 1/3 of lego's CPU per certificate). See docs/acme.md, section Benchmark. */
#include <libgen.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    /* The script sits next to this source file; opsgate next to this binary. */
    char src[4096], self[4096], script[4200], opsgate[4200];
    snprintf(src, sizeof(src), "%s", __FILE__);
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0)
        return 1;
    self[n] = '\0';
    snprintf(script, sizeof(script), "%s/acme_bench.sh", dirname(src));
    snprintf(opsgate, sizeof(opsgate), "%s/opsgate", dirname(self));
    execl("/bin/bash", "bash", script, opsgate, (char *)NULL);
    perror(script);
    return 1;
}
