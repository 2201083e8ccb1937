/* reseal.c - re-sealing the acme module's sealed columns (ACME account and certificate keys, dns-01
 * provider settings) under a tenant's new data-key version, after a rotation
 * (og_crypto_reseal_parts over our own tables). */
#include "opsgate/acme.h"
#include "opsgate/context.h"
#include "opsgate/crypto.h"

static const og_crypto_reseal_part parts[] = {
    {"acme.account",
     "SELECT count(*) FROM acme_accounts WHERE tenant_id = ? AND sealed_key IS NOT NULL",
     "SELECT id, id, sealed_key FROM acme_accounts WHERE tenant_id = ? AND id > ?"
     " AND sealed_key IS NOT NULL ORDER BY id LIMIT ?",
     "UPDATE acme_accounts SET sealed_key = ? WHERE id = ? AND tenant_id = ?"},
    {"acme.cert", "SELECT count(*) FROM acme_certs WHERE tenant_id = ? AND sealed_key IS NOT NULL",
     "SELECT id, id, sealed_key FROM acme_certs WHERE tenant_id = ? AND id > ?"
     " AND sealed_key IS NOT NULL ORDER BY id LIMIT ?",
     "UPDATE acme_certs SET sealed_key = ? WHERE id = ? AND tenant_id = ?"},
    {"acme.plan",
     "SELECT count(*) FROM acme_plans WHERE tenant_id = ? AND challenge_sealed IS NOT NULL",
     "SELECT id, id, challenge_sealed FROM acme_plans WHERE tenant_id = ? AND id > ?"
     " AND challenge_sealed IS NOT NULL ORDER BY id LIMIT ?",
     "UPDATE acme_plans SET challenge_sealed = ? WHERE id = ? AND tenant_id = ?"},
};

int og_acme_reseal(og_ctx *ctx, const char *tenant_id, og_crypto_reseal_batch *b)
{
    return og_crypto_reseal_parts(ctx->keys, ctx->store, tenant_id, parts,
                                  sizeof(parts) / sizeof(parts[0]), b);
}
