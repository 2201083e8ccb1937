/* reseal.c - re-sealing the certs module's sealed columns (imported private keys) under a
 * tenant's new data-key version, after a rotation (og_crypto_reseal_parts over our own tables). */
#include "opsgate/certs.h"
#include "opsgate/context.h"
#include "opsgate/crypto.h"

static const og_crypto_reseal_part parts[] = {
    {"certs.key", "SELECT count(*) FROM cert_keys WHERE tenant_id = ? AND sealed IS NOT NULL",
     "SELECT id, id, sealed FROM cert_keys WHERE tenant_id = ? AND id > ?"
     " AND sealed IS NOT NULL ORDER BY id LIMIT ?",
     "UPDATE cert_keys SET sealed = ? WHERE id = ? AND tenant_id = ?"},
    {"certs.request", "SELECT count(*) FROM cert_requests WHERE tenant_id = ?",
     "SELECT id, id, sealed_key FROM cert_requests WHERE tenant_id = ? AND id > ?"
     " ORDER BY id LIMIT ?",
     "UPDATE cert_requests SET sealed_key = ? WHERE id = ? AND tenant_id = ?"},
};

int og_certs_reseal(og_ctx *ctx, const char *tenant_id, og_crypto_reseal_batch *b)
{
    return og_crypto_reseal_parts(ctx->keys, ctx->store, tenant_id, parts,
                                  sizeof(parts) / sizeof(parts[0]), b);
}
