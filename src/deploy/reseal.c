/* reseal.c - re-sealing the deploy module's sealed columns (the previous files kept for rollback)
 * under a tenant's new data-key version, after a rotation (og_crypto_reseal_parts over our own
 * tables). */
#include "opsgate/deploy.h"
#include "opsgate/context.h"
#include "opsgate/crypto.h"

static const og_crypto_reseal_part parts[] = {
    {"deploy.previous",
     "SELECT count(*) FROM deploy_runs WHERE tenant_id = ? AND previous_sealed IS NOT NULL",
     "SELECT id, id, previous_sealed FROM deploy_runs WHERE tenant_id = ? AND id > ?"
     " AND previous_sealed IS NOT NULL ORDER BY id LIMIT ?",
     "UPDATE deploy_runs SET previous_sealed = ? WHERE id = ? AND tenant_id = ?"},
};

int og_deploy_reseal(og_ctx *ctx, const char *tenant_id, og_crypto_reseal_batch *b)
{
    return og_crypto_reseal_parts(ctx->keys, ctx->store, tenant_id, parts,
                                  sizeof(parts) / sizeof(parts[0]), b);
}
