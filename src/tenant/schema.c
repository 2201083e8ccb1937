/* schema.c - tables owned by the tenant module: tenants, users, tokens, enabled process areas. */
#include "opsgate/store.h"

static const og_migration steps[] = {
    {1,
     "CREATE TABLE tenants ("
     "  id TEXT PRIMARY KEY,"
     "  name TEXT NOT NULL UNIQUE,"
     "  state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'suspended')),"
     "  created_at TEXT NOT NULL);"
     "CREATE TABLE users ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,"
     "  name TEXT NOT NULL,"
     "  role TEXT NOT NULL,"
     "  created_at TEXT NOT NULL);"
     "CREATE UNIQUE INDEX users_tenant_name ON users (COALESCE(tenant_id, ''), name);"
     "CREATE TABLE tokens ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,"
     "  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
     "  secret_hash BLOB NOT NULL,"
     "  created_at TEXT NOT NULL,"
     "  created_by TEXT NOT NULL,"
     "  expires_us INTEGER NOT NULL,"
     "  revoked_at TEXT);"
     "CREATE INDEX tokens_user ON tokens (user_id);",
     "CREATE TABLE tenants ("
     "  id TEXT PRIMARY KEY,"
     "  name TEXT NOT NULL UNIQUE,"
     "  state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'suspended')),"
     "  created_at TEXT NOT NULL);"
     "CREATE TABLE users ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,"
     "  name TEXT NOT NULL,"
     "  role TEXT NOT NULL,"
     "  created_at TEXT NOT NULL);"
     "CREATE UNIQUE INDEX users_tenant_name ON users (COALESCE(tenant_id, ''), name);"
     "CREATE TABLE tokens ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,"
     "  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
     "  secret_hash BYTEA NOT NULL,"
     "  created_at TEXT NOT NULL,"
     "  created_by TEXT NOT NULL,"
     "  expires_us BIGINT NOT NULL,"
     "  revoked_at TEXT);"
     "CREATE INDEX tokens_user ON tokens (user_id);"},
    /* User lifecycle (user.c): a disabled user cannot authenticate until enabled; a removed one
     * stays as a tombstone so that its id and name keep meaning one person in the history (audit
     * records, gate items, artifact versions), and the name is never given to someone else. */
    {2,
     "ALTER TABLE users ADD COLUMN state TEXT NOT NULL DEFAULT 'active'"
     "  CHECK (state IN ('active', 'disabled', 'removed'));"
     "ALTER TABLE users ADD COLUMN state_at TEXT;",
     "ALTER TABLE users ADD COLUMN state TEXT NOT NULL DEFAULT 'active'"
     "  CHECK (state IN ('active', 'disabled', 'removed'));"
     "ALTER TABLE users ADD COLUMN state_at TEXT;"},
    /* Console sessions (session.c): a browser signed in with an API token holds a cookie whose
     * secret is stored only as its SHA-256 hash. The row lives while the session does (sign-out,
     * expiry and the token's revocation delete it); each resolves to its token's actor. */
    {3,
     "CREATE TABLE sessions ("
     "  id TEXT PRIMARY KEY,"
     "  secret_hash BLOB NOT NULL,"
     "  token_id TEXT NOT NULL REFERENCES tokens(id) ON DELETE CASCADE,"
     "  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
     "  tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,"
     "  source TEXT NOT NULL,"
     "  created_us INTEGER NOT NULL,"
     "  last_us INTEGER NOT NULL,"
     "  idle_us INTEGER NOT NULL,"
     "  expires_us INTEGER NOT NULL);"
     "CREATE INDEX sessions_token ON sessions (token_id);",
     "CREATE TABLE sessions ("
     "  id TEXT PRIMARY KEY,"
     "  secret_hash BYTEA NOT NULL,"
     "  token_id TEXT NOT NULL REFERENCES tokens(id) ON DELETE CASCADE,"
     "  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
     "  tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,"
     "  source TEXT NOT NULL,"
     "  created_us BIGINT NOT NULL,"
     "  last_us BIGINT NOT NULL,"
     "  idle_us BIGINT NOT NULL,"
     "  expires_us BIGINT NOT NULL);"
     "CREATE INDEX sessions_token ON sessions (token_id);"},
    /* Process areas enabled per tenant (area.c): which of certs and artifacts a tenant uses, who
     * changed that last and when, and what enabling provisioned (JSON, for the console). The
     * tenant module stores the rows; src/app decides what an area is and provisions it. */
    {4,
     "CREATE TABLE tenant_areas ("
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  area TEXT NOT NULL,"
     "  state TEXT NOT NULL CHECK (state IN ('enabled', 'disabled')),"
     "  changed_at TEXT NOT NULL,"
     "  changed_by TEXT NOT NULL,"
     "  provisioned_json TEXT,"
     "  PRIMARY KEY (tenant_id, area));",
     "CREATE TABLE tenant_areas ("
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  area TEXT NOT NULL,"
     "  state TEXT NOT NULL CHECK (state IN ('enabled', 'disabled')),"
     "  changed_at TEXT NOT NULL,"
     "  changed_by TEXT NOT NULL,"
     "  provisioned_json TEXT,"
     "  PRIMARY KEY (tenant_id, area));"},
    /* Regions (region.c, docs/ops.md "Regions"): in the home database the tenants table is the
     * tenant directory, and region names the regional database holding the tenant's data (NULL:
     * the home database itself). A regional database's tenants rows carry their region too.
     * token_regions, in the home database, says which tenant (so which region) a token id of a
     * regional tenant belongs to, so that any node can answer 421 naming the region; the token's
     * secret hash lives in the regional database only. */
    {5,
     "ALTER TABLE tenants ADD COLUMN region TEXT;"
     "CREATE TABLE token_regions ("
     "  token_id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE);"
     "CREATE INDEX token_regions_tenant ON token_regions (tenant_id);",
     "ALTER TABLE tenants ADD COLUMN region TEXT;"
     "CREATE TABLE token_regions ("
     "  token_id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE);"
     "CREATE INDEX token_regions_tenant ON token_regions (tenant_id);"},
};

const og_schema og_tenant_schema = {"tenant", steps, sizeof(steps) / sizeof(steps[0])};
