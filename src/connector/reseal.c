/* reseal.c - re-sealing the connector module's sealed columns (credentials and webhook secrets of
 * the tenant's connectors) under a tenant's new data-key version, after a rotation
 * (og_crypto_reseal_parts over our own tables). */
#include "opsgate/connector.h"
#include "opsgate/context.h"
#include "opsgate/crypto.h"

static const og_crypto_reseal_part parts[] = {
    {"connector.secret",
     "SELECT count(*) FROM connectors WHERE tenant_id = ? AND secret IS NOT NULL",
     "SELECT id, id, secret FROM connectors WHERE tenant_id = ? AND id > ?"
     " AND secret IS NOT NULL ORDER BY id LIMIT ?",
     "UPDATE connectors SET secret = ? WHERE id = ? AND tenant_id = ?"},
    {"connector.webhook",
     "SELECT count(*) FROM connectors WHERE tenant_id = ? AND webhook_secret IS NOT NULL",
     "SELECT id, id || ':webhook', webhook_secret FROM connectors WHERE tenant_id = ? AND id > ?"
     " AND webhook_secret IS NOT NULL ORDER BY id LIMIT ?",
     "UPDATE connectors SET webhook_secret = ? WHERE id = ? AND tenant_id = ?"},
};

int og_connector_reseal(og_ctx *ctx, const char *tenant_id, og_crypto_reseal_batch *b)
{
    return og_crypto_reseal_parts(ctx->keys, ctx->store, tenant_id, parts,
                                  sizeof(parts) / sizeof(parts[0]), b);
}
