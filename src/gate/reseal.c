/* reseal.c - re-sealing the gate module's sealed columns (what items are about and their staged
 * input) under a tenant's new data-key version, after a rotation (og_crypto_reseal_parts over our
 * own tables). */
#include "opsgate/gate.h"
#include "opsgate/context.h"
#include "opsgate/crypto.h"

static const og_crypto_reseal_part parts[] = {
    {"gate.about", "SELECT count(*) FROM gate_items WHERE tenant_id = ? AND about IS NOT NULL",
     "SELECT id, 'gate_item:' || id, about FROM gate_items WHERE tenant_id = ? AND id > ?"
     " AND about IS NOT NULL ORDER BY id LIMIT ?",
     "UPDATE gate_items SET about = ? WHERE id = ? AND tenant_id = ?"},
    {"gate.staged", "SELECT count(*) FROM gate_items WHERE tenant_id = ? AND staged IS NOT NULL",
     "SELECT id, 'gate_staged:' || id, staged FROM gate_items WHERE tenant_id = ? AND id > ?"
     " AND staged IS NOT NULL ORDER BY id LIMIT ?",
     "UPDATE gate_items SET staged = ? WHERE id = ? AND tenant_id = ?"},
};

int og_gate_reseal(og_ctx *ctx, const char *tenant_id, og_crypto_reseal_batch *b)
{
    return og_crypto_reseal_parts(ctx->keys, ctx->store, tenant_id, parts,
                                  sizeof(parts) / sizeof(parts[0]), b);
}
