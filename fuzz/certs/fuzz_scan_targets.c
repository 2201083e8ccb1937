/* fuzz_scan_targets.c - libFuzzer target for scan target lists and port lists. */
#include "fuzz_util.h"
#include "opsgate/certs.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The input is what `opsgate cert scan` and POST .../certs/scan take: the first line is a port
 * list ("443,8443,9000-9010"), every further line a target (host, host:port, IPv4/IPv6 address,
 * [v6]:port, CIDR range). Checked:
 * - a port list that parses has 1..65535 entries, each port 1..65535;
 * - a refusal is OG_EINVAL or OG_ETOOBIG, with a message that is valid UTF-8;
 * - a target list that parses counts 1..OG_CERTS_MAX_ENDPOINTS endpoints, and at most
 *   (targets x ports) x 65536 (a /16 per target is the widest range accepted).
 * No name is resolved: parsing never touches the network. Set OG_FUZZ_DEBUG=1 to print each
 * verdict.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1), *save = NULL;
    const char **targets = calloc(size + 1, sizeof(*targets));
    uint16_t *ports = NULL;
    size_t nports = 0, n = 0;
    og_certs_targets *t = NULL;
    if (!text || !targets)
        goto done;
    memcpy(text, data, size);
    text[size] = '\0';
    char *line = strtok_r(text, "\n", &save);
    if (!line)
        goto done;
    og_error_clear();
    int rc = og_certs_ports_parse(line, &ports, &nports);
    fuzz_log("ports rc=%d n=%zu msg=%s", rc, nports, og_error_last());
    if (rc < 0) {
        FUZZ_CHECK_REFUSAL(rc, OG_EINVAL, OG_ETOOBIG);
        goto done;
    }
    FUZZ_ASSERT(nports >= 1 && nports <= 65535);
    for (size_t i = 0; i < nports; i++)
        FUZZ_ASSERT(ports[i] != 0);
    while ((line = strtok_r(NULL, "\n", &save)))
        if (line[0] != '@') /* @FILE reads a file: the CLI's, refused over HTTP, not fuzzed */
            targets[n++] = line;
    og_error_clear();
    if ((rc = og_certs_targets_parse(&t, targets, n, ports, nports)) < 0) {
        FUZZ_CHECK_REFUSAL(rc, OG_EINVAL, OG_ETOOBIG);
        goto done;
    }
    uint64_t count = og_certs_targets_count(t);
    fuzz_log("targets n=%zu count=%llu", n, (unsigned long long)count);
    FUZZ_ASSERT(n == 0 || (count >= 1 && count <= OG_CERTS_MAX_ENDPOINTS &&
                           count <= (uint64_t)n * nports * 65536));
done:
    og_certs_targets_free(t);
    free(ports);
    free(targets);
    free(text);
    return 0;
}
