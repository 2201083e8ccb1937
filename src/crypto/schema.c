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
    /* Data-key versions (datakey.c). dek_version: the version of the scope's current data key,
     * which every new seal names. crypto_data_key_old: the earlier versions a data-key rotation
     * still needs until every sealed item is re-sealed, each wrapped (AES-256-GCM) by the scope's
     * current data key, so a KEK re-wrap, rotation or revocation covers them too. crypto_reseal:
     * the progress of a rotation's re-seal, one row per walker (a module's sealed column): its
     * cursor, items seen of total, finished; kept by the composition layer through crypto.h. */
    {3,
     "ALTER TABLE crypto_data_key ADD COLUMN dek_version INTEGER NOT NULL DEFAULT 1;"
     "CREATE TABLE crypto_data_key_old ("
     " scope TEXT NOT NULL,"
     " dek_version INTEGER NOT NULL,"
     " wrapped BLOB NOT NULL,"
     " created_at TEXT NOT NULL,"
     " PRIMARY KEY (scope, dek_version));"
     "CREATE TABLE crypto_reseal ("
     " scope TEXT NOT NULL,"
     " walker TEXT NOT NULL,"
     " dek_version INTEGER NOT NULL,"
     " part INTEGER NOT NULL DEFAULT 0,"
     " cursor TEXT NOT NULL DEFAULT '',"
     " done INTEGER NOT NULL DEFAULT 0,"
     " total INTEGER NOT NULL DEFAULT 0,"
     " finished INTEGER NOT NULL DEFAULT 0,"
     " updated_at TEXT NOT NULL,"
     " PRIMARY KEY (scope, walker));",
     "ALTER TABLE crypto_data_key ADD COLUMN dek_version BIGINT NOT NULL DEFAULT 1;"
     "CREATE TABLE crypto_data_key_old ("
     " scope TEXT NOT NULL,"
     " dek_version BIGINT NOT NULL,"
     " wrapped BYTEA NOT NULL,"
     " created_at TEXT NOT NULL,"
     " PRIMARY KEY (scope, dek_version));"
     "CREATE TABLE crypto_reseal ("
     " scope TEXT NOT NULL,"
     " walker TEXT NOT NULL,"
     " dek_version BIGINT NOT NULL,"
     " part BIGINT NOT NULL DEFAULT 0,"
     " cursor TEXT NOT NULL DEFAULT '',"
     " done BIGINT NOT NULL DEFAULT 0,"
     " total BIGINT NOT NULL DEFAULT 0,"
     " finished BIGINT NOT NULL DEFAULT 0,"
     " updated_at TEXT NOT NULL,"
     " PRIMARY KEY (scope, walker));"},
    /* revoked_at: when the scope's key was revoked (NULL: usable). Every unwrap reads the row, so
     * every process refuses a revoked scope at its next use; restore sets it back to NULL. */
    {4, "ALTER TABLE crypto_data_key ADD COLUMN revoked_at TEXT;",
     "ALTER TABLE crypto_data_key ADD COLUMN revoked_at TEXT;"},
};

/* A safety net: deleting a tenant destroys its key first (og_crypto_scope_key_destroy()); should a
 * caller forget, the purge still shreds it. Tenant ids never start with '@', so the platform key
 * cannot be reached this way. */
static const char *const purge_tenant[] = {
    "DELETE FROM crypto_data_key WHERE scope = ?",
    "DELETE FROM crypto_data_key_old WHERE scope = ?",
    "DELETE FROM crypto_reseal WHERE scope = ?",
    NULL,
};

const og_schema og_crypto_schema = {
    .module = "crypto",
    .steps = steps,
    .nsteps = sizeof(steps) / sizeof(steps[0]),
    .purge_tenant = purge_tenant,
};
