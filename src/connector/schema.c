/* schema.c - tables owned by the connector module: connectors, their company maps, the records
 * each pull wrote, the history of syncs, and what was pushed back (idempotency). */
#include "opsgate/store.h"

/*
 * connectors: tenant_id NULL for a platform connector. secret is the credentials JSON sealed with
 * og_crypto_seal() under the scope's key (the tenant's, or the platform's), bound to the connector
 * id; options holds only non-secret settings. state is "ok" or "failing" (a connector alerts
 * once when it starts failing); cursor is the vendor's last-updated high-water mark of the last
 * successful sync. webhook_secret is sealed like secret, bound to "<id>:webhook".
 * connector_companies: every company a sync saw; tenant_id NULL until a human maps it.
 * connector_records: one row per pulled PSA project: where it went (tenant, project key), the
 * SHA-256 of the project data last stored (a sync that changes nothing writes nothing), the
 * vendor's stamp and status.
 * connector_pushes: one row per (connector, what, local key) pushed: the remote id is
 * remembered, so a retry never attaches or opens twice.
 */
static const og_migration steps[] = {
    {1,
     "CREATE TABLE connectors ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,"
     "  name TEXT NOT NULL,"
     "  kind TEXT NOT NULL,"
     "  base_url TEXT NOT NULL,"
     "  options TEXT NOT NULL DEFAULT '{}',"
     "  fields TEXT NOT NULL DEFAULT '[]',"
     "  secret BLOB NOT NULL,"
     "  webhook_secret BLOB,"
     "  state TEXT NOT NULL DEFAULT 'ok' CHECK (state IN ('ok', 'failing')),"
     "  cursor TEXT,"
     "  created_at TEXT NOT NULL,"
     "  created_by TEXT NOT NULL,"
     "  updated_at TEXT NOT NULL);"
     "CREATE UNIQUE INDEX connectors_scope_name ON connectors (COALESCE(tenant_id, ''), name);"
     "CREATE TABLE connector_companies ("
     "  connector_id TEXT NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,"
     "  company_id TEXT NOT NULL,"
     "  company_name TEXT NOT NULL,"
     "  tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,"
     "  first_seen TEXT NOT NULL,"
     "  mapped_at TEXT,"
     "  mapped_by TEXT,"
     "  PRIMARY KEY (connector_id, company_id));"
     "CREATE INDEX connector_companies_tenant ON connector_companies (tenant_id);"
     "CREATE TABLE connector_records ("
     "  connector_id TEXT NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,"
     "  remote_id TEXT NOT NULL,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  company_id TEXT NOT NULL,"
     "  project_key TEXT NOT NULL,"
     "  data_sha256 TEXT NOT NULL,"
     "  remote_updated_at TEXT,"
     "  closed INTEGER NOT NULL DEFAULT 0,"
     "  data_version INTEGER NOT NULL,"
     "  synced_at TEXT NOT NULL,"
     "  PRIMARY KEY (connector_id, remote_id));"
     "CREATE INDEX connector_records_tenant ON connector_records (tenant_id, project_key);"
     "CREATE TABLE connector_syncs ("
     "  id TEXT PRIMARY KEY,"
     "  connector_id TEXT NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,"
     "  trigger TEXT NOT NULL,"
     "  outcome TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'failed')),"
     "  started_at TEXT NOT NULL,"
     "  finished_at TEXT,"
     "  pages INTEGER NOT NULL DEFAULT 0,"
     "  requests INTEGER NOT NULL DEFAULT 0,"
     "  records INTEGER NOT NULL DEFAULT 0,"
     "  changes INTEGER NOT NULL DEFAULT 0,"
     "  unmapped INTEGER NOT NULL DEFAULT 0,"
     "  errors INTEGER NOT NULL DEFAULT 0,"
     "  duration_ms INTEGER NOT NULL DEFAULT 0,"
     "  error TEXT);"
     "CREATE INDEX connector_syncs_connector ON connector_syncs (connector_id, started_at);"
     "CREATE TABLE connector_pushes ("
     "  connector_id TEXT NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,"
     "  what TEXT NOT NULL CHECK (what IN ('attachment', 'ticket')),"
     "  local_key TEXT NOT NULL,"
     "  tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,"
     "  remote_id TEXT,"
     "  state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'open', 'closed')),"
     "  created_at TEXT NOT NULL,"
     "  updated_at TEXT NOT NULL,"
     "  PRIMARY KEY (connector_id, what, local_key));"
     "CREATE INDEX connector_pushes_tenant ON connector_pushes (tenant_id);",
     "CREATE TABLE connectors ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,"
     "  name TEXT NOT NULL,"
     "  kind TEXT NOT NULL,"
     "  base_url TEXT NOT NULL,"
     "  options TEXT NOT NULL DEFAULT '{}',"
     "  fields TEXT NOT NULL DEFAULT '[]',"
     "  secret BYTEA NOT NULL,"
     "  webhook_secret BYTEA,"
     "  state TEXT NOT NULL DEFAULT 'ok' CHECK (state IN ('ok', 'failing')),"
     "  cursor TEXT,"
     "  created_at TEXT NOT NULL,"
     "  created_by TEXT NOT NULL,"
     "  updated_at TEXT NOT NULL);"
     "CREATE UNIQUE INDEX connectors_scope_name ON connectors (COALESCE(tenant_id, ''), name);"
     "CREATE TABLE connector_companies ("
     "  connector_id TEXT NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,"
     "  company_id TEXT NOT NULL,"
     "  company_name TEXT NOT NULL,"
     "  tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,"
     "  first_seen TEXT NOT NULL,"
     "  mapped_at TEXT,"
     "  mapped_by TEXT,"
     "  PRIMARY KEY (connector_id, company_id));"
     "CREATE INDEX connector_companies_tenant ON connector_companies (tenant_id);"
     "CREATE TABLE connector_records ("
     "  connector_id TEXT NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,"
     "  remote_id TEXT NOT NULL,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  company_id TEXT NOT NULL,"
     "  project_key TEXT NOT NULL,"
     "  data_sha256 TEXT NOT NULL,"
     "  remote_updated_at TEXT,"
     "  closed BIGINT NOT NULL DEFAULT 0,"
     "  data_version BIGINT NOT NULL,"
     "  synced_at TEXT NOT NULL,"
     "  PRIMARY KEY (connector_id, remote_id));"
     "CREATE INDEX connector_records_tenant ON connector_records (tenant_id, project_key);"
     "CREATE TABLE connector_syncs ("
     "  id TEXT PRIMARY KEY,"
     "  connector_id TEXT NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,"
     "  trigger TEXT NOT NULL,"
     "  outcome TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'failed')),"
     "  started_at TEXT NOT NULL,"
     "  finished_at TEXT,"
     "  pages BIGINT NOT NULL DEFAULT 0,"
     "  requests BIGINT NOT NULL DEFAULT 0,"
     "  records BIGINT NOT NULL DEFAULT 0,"
     "  changes BIGINT NOT NULL DEFAULT 0,"
     "  unmapped BIGINT NOT NULL DEFAULT 0,"
     "  errors BIGINT NOT NULL DEFAULT 0,"
     "  duration_ms BIGINT NOT NULL DEFAULT 0,"
     "  error TEXT);"
     "CREATE INDEX connector_syncs_connector ON connector_syncs (connector_id, started_at);"
     "CREATE TABLE connector_pushes ("
     "  connector_id TEXT NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,"
     "  what TEXT NOT NULL CHECK (what IN ('attachment', 'ticket')),"
     "  local_key TEXT NOT NULL,"
     "  tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,"
     "  remote_id TEXT,"
     "  state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'open', 'closed')),"
     "  created_at TEXT NOT NULL,"
     "  updated_at TEXT NOT NULL,"
     "  PRIMARY KEY (connector_id, what, local_key));"
     "CREATE INDEX connector_pushes_tenant ON connector_pushes (tenant_id);"},
    {2,
     /* What a sync's pull left out and why ("intune: not granted"), one a line; NULL: nothing.
      * Listed as the sync's "notes" by `connector show` and `sync-log`, as in its outcome. */
     "ALTER TABLE connector_syncs ADD COLUMN notes TEXT;",
     "ALTER TABLE connector_syncs ADD COLUMN notes TEXT;"},
};

static const char *const purge[] = {
    "DELETE FROM connector_pushes WHERE tenant_id = ?",
    "DELETE FROM connector_records WHERE tenant_id = ?",
    "UPDATE connector_companies SET tenant_id = NULL, mapped_at = NULL, mapped_by = NULL "
    "WHERE tenant_id = ?",
    "DELETE FROM connectors WHERE tenant_id = ?",
    NULL,
};

const og_schema og_connector_schema = {"connector", steps, sizeof(steps) / sizeof(steps[0]), purge};
