/* reseal.c - re-sealing the notify module's sealed columns (channel secrets and targets) under a
 * tenant's new data-key version, after a rotation (og_crypto_reseal_parts over our own tables). */
#include "opsgate/notify.h"
#include "opsgate/context.h"
#include "opsgate/crypto.h"

static const og_crypto_reseal_part parts[] = {
    {"notify.secret",
     "SELECT count(*) FROM notify_channels WHERE tenant_id = ? AND secret IS NOT NULL",
     "SELECT id, id, secret FROM notify_channels WHERE tenant_id = ? AND id > ?"
     " AND secret IS NOT NULL ORDER BY id LIMIT ?",
     "UPDATE notify_channels SET secret = ? WHERE id = ? AND tenant_id = ?"},
    {"notify.target",
     "SELECT count(*) FROM notify_channels WHERE tenant_id = ? AND target_sealed IS NOT NULL",
     "SELECT id, id || ':target', target_sealed FROM notify_channels WHERE tenant_id = ? AND id > ?"
     " AND target_sealed IS NOT NULL ORDER BY id LIMIT ?",
     "UPDATE notify_channels SET target_sealed = ? WHERE id = ? AND tenant_id = ?"},
};

int og_notify_reseal(og_ctx *ctx, const char *tenant_id, og_crypto_reseal_batch *b)
{
    return og_crypto_reseal_parts(ctx->keys, ctx->store, tenant_id, parts,
                                  sizeof(parts) / sizeof(parts[0]), b);
}
