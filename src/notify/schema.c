/* schema.c - tables owned by the notify module: channels (a tenant's and the platform's) and
 * per-(event, channel) sends. */
#include "opsgate/store.h"

/*
 * notify_channels.secret is sealed with og_crypto_seal() under the tenant's key, bound to the
 * channel id (webhook HMAC key, or the SMTP URL with its credentials); target_sealed is the
 * target as given, sealed bound to "<channel id>:target". target and config are what is safe to
 * show (URLs redacted to scheme://host[:port]/…). notify_sends makes delivery idempotent per
 * (event, channel): a redelivered event skips channels that already accepted it, and `gate show`
 * reads failures from it.
 */
static const og_migration steps[] = {
    {1,
     "CREATE TABLE notify_channels ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  type TEXT NOT NULL,"
     "  target TEXT NOT NULL,"
     "  config TEXT NOT NULL,"
     "  secret BLOB,"
     "  created_at TEXT NOT NULL,"
     "  created_by TEXT NOT NULL);"
     "CREATE INDEX notify_channels_tenant ON notify_channels (tenant_id);"
     "CREATE TABLE notify_sends ("
     "  event_id TEXT NOT NULL,"
     "  channel_id TEXT NOT NULL REFERENCES notify_channels(id) ON DELETE CASCADE,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  type TEXT NOT NULL,"
     "  state TEXT NOT NULL CHECK (state IN ('sent', 'failed')),"
     "  attempts INTEGER NOT NULL,"
     "  last_error TEXT,"
     "  at TEXT NOT NULL,"
     "  PRIMARY KEY (event_id, channel_id));",
     "CREATE TABLE notify_channels ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  type TEXT NOT NULL,"
     "  target TEXT NOT NULL,"
     "  config TEXT NOT NULL,"
     "  secret BYTEA,"
     "  created_at TEXT NOT NULL,"
     "  created_by TEXT NOT NULL);"
     "CREATE INDEX notify_channels_tenant ON notify_channels (tenant_id);"
     "CREATE TABLE notify_sends ("
     "  event_id TEXT NOT NULL,"
     "  channel_id TEXT NOT NULL REFERENCES notify_channels(id) ON DELETE CASCADE,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  type TEXT NOT NULL,"
     "  state TEXT NOT NULL CHECK (state IN ('sent', 'failed')),"
     "  attempts BIGINT NOT NULL,"
     "  last_error TEXT,"
     "  at TEXT NOT NULL,"
     "  PRIMARY KEY (event_id, channel_id));"},
    /* Step 2: the real target (a webhook URL may carry credentials or a token in its path) is
     * sealed in target_sealed, bound to "<channel id>:target"; target keeps only the redacted
     * form. Rows from before this step are sealed by og_notify_seal_legacy() (it needs the keys,
     * which SQL does not have). notify_egress_allow holds the address ranges a platform-admin
     * allowed channels to connect to (egress.h). */
    {2,
     "ALTER TABLE notify_channels ADD COLUMN target_sealed BLOB;"
     "CREATE TABLE notify_egress_allow ("
     "  cidr TEXT PRIMARY KEY,"
     "  note TEXT,"
     "  created_at TEXT NOT NULL,"
     "  created_by TEXT NOT NULL);",
     "ALTER TABLE notify_channels ADD COLUMN target_sealed BYTEA;"
     "CREATE TABLE notify_egress_allow ("
     "  cidr TEXT PRIMARY KEY,"
     "  note TEXT,"
     "  created_at TEXT NOT NULL,"
     "  created_by TEXT NOT NULL);"},
    /* Step 3: per-channel event filters (events: canonical comma-separated globs over event
     * types, "*" = every event), and the platform's own channels, which receive the chosen
     * events of every tenant. They live in their own tables, so no query of a tenant's channels
     * can return one: secret and target_sealed are sealed under the platform scope; their sends
     * name the tenant of the event (NULL for a platform event), purged with it. */
    {3,
     "ALTER TABLE notify_channels ADD COLUMN events TEXT NOT NULL DEFAULT '*';"
     "CREATE TABLE notify_platform_channels ("
     "  id TEXT PRIMARY KEY,"
     "  type TEXT NOT NULL,"
     "  target TEXT NOT NULL,"
     "  config TEXT NOT NULL,"
     "  secret BLOB,"
     "  target_sealed BLOB NOT NULL,"
     "  events TEXT NOT NULL DEFAULT '*',"
     "  created_at TEXT NOT NULL,"
     "  created_by TEXT NOT NULL);"
     "CREATE TABLE notify_platform_sends ("
     "  event_id TEXT NOT NULL,"
     "  channel_id TEXT NOT NULL REFERENCES notify_platform_channels(id) ON DELETE CASCADE,"
     "  tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,"
     "  type TEXT NOT NULL,"
     "  state TEXT NOT NULL CHECK (state IN ('sent', 'failed')),"
     "  attempts INTEGER NOT NULL,"
     "  last_error TEXT,"
     "  at TEXT NOT NULL,"
     "  PRIMARY KEY (event_id, channel_id));"
     "CREATE INDEX notify_platform_sends_tenant ON notify_platform_sends (tenant_id);",
     "ALTER TABLE notify_channels ADD COLUMN events TEXT NOT NULL DEFAULT '*';"
     "CREATE TABLE notify_platform_channels ("
     "  id TEXT PRIMARY KEY,"
     "  type TEXT NOT NULL,"
     "  target TEXT NOT NULL,"
     "  config TEXT NOT NULL,"
     "  secret BYTEA,"
     "  target_sealed BYTEA NOT NULL,"
     "  events TEXT NOT NULL DEFAULT '*',"
     "  created_at TEXT NOT NULL,"
     "  created_by TEXT NOT NULL);"
     "CREATE TABLE notify_platform_sends ("
     "  event_id TEXT NOT NULL,"
     "  channel_id TEXT NOT NULL REFERENCES notify_platform_channels(id) ON DELETE CASCADE,"
     "  tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,"
     "  type TEXT NOT NULL,"
     "  state TEXT NOT NULL CHECK (state IN ('sent', 'failed')),"
     "  attempts BIGINT NOT NULL,"
     "  last_error TEXT,"
     "  at TEXT NOT NULL,"
     "  PRIMARY KEY (event_id, channel_id));"
     "CREATE INDEX notify_platform_sends_tenant ON notify_platform_sends (tenant_id);"},
};

static const char *const purge[] = {
    "DELETE FROM notify_platform_sends WHERE tenant_id = ?",
    "DELETE FROM notify_sends WHERE tenant_id = ?",
    "DELETE FROM notify_channels WHERE tenant_id = ?",
    NULL,
};

const og_schema og_notify_schema = {"notify", steps, sizeof(steps) / sizeof(steps[0]), purge};
