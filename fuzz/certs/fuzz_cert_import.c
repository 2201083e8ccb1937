/* fuzz_cert_import.c - libFuzzer target for certificate import: PEM, DER and PKCS#12 bundles. */
#include "fuzz_util.h"
#include "opsgate/certs.h"
#include "opsgate/context.h"
#include "opsgate/error.h"
#include "opsgate/store.h"
#include "opsgate/tenant.h"
#include "opsgate/util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The input is a file a user imports (`opsgate cert import`, POST .../certs/import): PEM with
 * certificates and keys (encrypted or not), a DER certificate or a PKCS#12 bundle. The first byte
 * picks the password tried (none, "", "secret"). It goes through the real import into a real
 * data folder (made once, under $TMPDIR). Checked:
 * - a refusal is OG_EINVAL (OG_ETOOBIG for size), with a message that is valid UTF-8, and
 *   leaves no transaction open;
 * - an import that succeeds reports at least one certificate, and what it reports can be shown.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static og_ctx ctx;

static void setup(void)
{
    char tmpl[] = "/tmp/og-fuzz-certs-XXXXXX", token[OG_TOKEN_MAX], data_dir[64];
    og_tenant t;
    if (!mkdtemp(tmpl))
        __builtin_trap();
    snprintf(data_dir, sizeof(data_dir), "%s/data", tmpl);
    if (og_install_init(data_dir, token) < 0 ||
        og_install_open(data_dir, &ctx.store, &ctx.keys) < 0)
        __builtin_trap();
    ctx.data_dir = strdup(data_dir);
    og_actor_local(&ctx.actor);
    if (og_tenant_create(&ctx, "acme", &t) < 0)
        __builtin_trap();
    /* Writes need not survive a power cut here: the folder is thrown away. */
    og_store_exec(ctx.store, "PRAGMA synchronous = OFF");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const passwords[] = {NULL, "", "secret"};
    og_certs_import_summary sum;
    if (!ctx.store)
        setup();
    if (size < 1)
        return 0;
    const char *password = passwords[data[0] % 3];
    memset(&sum, 0, sizeof(sum));
    og_error_clear();
    int rc = og_certs_import_bundle(&ctx, "acme", "fuzz.pem", data + 1, size - 1, password, &sum);
    fuzz_log("rc=%d certs=%d msg=%s", rc, sum.certs, og_error_last());
    FUZZ_ASSERT(og_store_tx_depth(ctx.store) == 0);
    if (rc < 0) {
        FUZZ_CHECK_REFUSAL(rc, OG_EINVAL, OG_ETOOBIG);
    } else {
        json_t *shown = NULL;
        FUZZ_ASSERT(sum.certs >= 1);
        FUZZ_ASSERT(og_certs_show(&ctx, "acme", sum.first_fingerprint, &shown) == 0);
        json_decref(shown);
    }
    return 0;
}
