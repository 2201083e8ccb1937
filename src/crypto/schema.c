/* schema.c - tables owned by the crypto module: the wrapped data key of every scope. */
#include "opsgate/store.h"

/*
 * crypto_data_key: one row per scope (a tenant id, or "@platform" for the platform scope).
 * - kek: the name of the KEK provider that wrapped the key ("master"), so that several providers
 *   (a customer-managed key per tenant) can coexist; key_version: that KEK's version, for rotation.
 * - wrapped: the data key as the provider wrapped it; the plain key is never stored.
 * Deleting a row is the crypto-shred of a tenant. No foreign keys: the tenant module deletes its
 * rows and calls og_crypto_scope_key_destroy() itself, and the platform scope has no tenant row.
 */
static const og_migration steps[] = {
    {1,
     "CREATE TABLE crypto_data_key ("
     " scope TEXT PRIMARY KEY,"
     " kek TEXT NOT NULL,"
     " key_version INTEGER NOT NULL,"
     " wrapped BLOB NOT NULL,"
     " created_at TEXT NOT NULL"
     ");",
     "CREATE TABLE crypto_data_key ("
     " scope TEXT PRIMARY KEY,"
     " kek TEXT NOT NULL,"
     " key_version BIGINT NOT NULL,"
     " wrapped BYTEA NOT NULL,"
     " created_at TEXT NOT NULL"
     ");"},
    /* kek_config: where a scope's own KEK is (the "file" provider: the key file's path); NULL for
     * keyring-wide KEKs (master). Kept in the row, so a restarted server finds it and a re-wrap
     * changes provider, version, configuration and wrapped key in one update. Never a secret. */
    {2, "ALTER TABLE crypto_data_key ADD COLUMN kek_config TEXT;",
     "ALTER TABLE crypto_data_key ADD COLUMN kek_config TEXT;"},
    /* revoked_at: when the scope's key was revoked (NULL: usable). Every unwrap reads the row, so
     * every process refuses a revoked scope at its next use; restore sets it back to NULL. */
    {3, "ALTER TABLE crypto_data_key ADD COLUMN revoked_at TEXT;",
     "ALTER TABLE crypto_data_key ADD COLUMN revoked_at TEXT;"},
};

/* A safety net: deleting a tenant destroys its key first (og_crypto_scope_key_destroy()); should a
 * caller forget, the purge still shreds it. Tenant ids never start with '@', so the platform key
 * cannot be reached this way. */
static const char *const purge_tenant[] = {
    "DELETE FROM crypto_data_key WHERE scope = ?",
    NULL,
};

const og_schema og_crypto_schema = {
    .module = "crypto",
    .steps = steps,
    .nsteps = sizeof(steps) / sizeof(steps[0]),
    .purge_tenant = purge_tenant,
};
