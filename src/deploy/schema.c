/* schema.c - tables owned by the deploy module: targets, and one row per deploy with the
 * previous files sealed for rollback. Rows carry their tenant and go with it. */
#include "opsgate/store.h"

static const og_migration steps[] = {
    {1,
     "CREATE TABLE deploy_targets ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  name TEXT NOT NULL,"
     "  type TEXT NOT NULL,"
     "  config TEXT NOT NULL,"
     "  endpoints TEXT NOT NULL,"
     "  created_by TEXT NOT NULL,"
     "  created_at TEXT NOT NULL,"
     "  UNIQUE (tenant_id, name));"
     /* previous_sealed: the target's files as they were before this deploy (JSON of path,
      * present, content), sealed with the tenant's key bound to the run id: it holds a key. */
     "CREATE TABLE deploy_runs ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  target_id TEXT NOT NULL REFERENCES deploy_targets(id) ON DELETE CASCADE,"
     "  n INTEGER NOT NULL,"
     "  fingerprint TEXT NOT NULL,"
     "  previous_fingerprint TEXT,"
     "  previous_sealed BLOB,"
     "  state TEXT NOT NULL,"
     "  detail TEXT,"
     "  created_at TEXT NOT NULL,"
     "  updated_at TEXT NOT NULL);"
     "CREATE UNIQUE INDEX deploy_runs_target ON deploy_runs (target_id, n);",
     "CREATE TABLE deploy_targets ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  name TEXT NOT NULL,"
     "  type TEXT NOT NULL,"
     "  config TEXT NOT NULL,"
     "  endpoints TEXT NOT NULL,"
     "  created_by TEXT NOT NULL,"
     "  created_at TEXT NOT NULL,"
     "  UNIQUE (tenant_id, name));"
     "CREATE TABLE deploy_runs ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  target_id TEXT NOT NULL REFERENCES deploy_targets(id) ON DELETE CASCADE,"
     "  n BIGINT NOT NULL,"
     "  fingerprint TEXT NOT NULL,"
     "  previous_fingerprint TEXT,"
     "  previous_sealed BYTEA,"
     "  state TEXT NOT NULL,"
     "  detail TEXT,"
     "  created_at TEXT NOT NULL,"
     "  updated_at TEXT NOT NULL);"
     "CREATE UNIQUE INDEX deploy_runs_target ON deploy_runs (target_id, n);"},
};

static const char *const purge[] = {
    "DELETE FROM deploy_runs WHERE tenant_id = ?",
    "DELETE FROM deploy_targets WHERE tenant_id = ?",
    NULL,
};

const og_schema og_deploy_schema = {"deploy", steps, sizeof(steps) / sizeof(steps[0]), purge};
