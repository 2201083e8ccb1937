/* schema.c - tables owned by the gate module: policy, timing, assignees, gate items and
 * decisions. */
#include "opsgate/store.h"

/*
 * gate_items is one requested action at whatever level it ran: state pending (L2), review (L1),
 * task (L3) or done, and an outcome once decided. requester_key identifies who asked
 * ("user:<id>" for users, the actor label otherwise) for separation of duties.
 * gate_decisions keeps every decision on an item (an escalation is one, followed by an ack or an
 * override), each with the sequence number of the audit record that carries it.
 */
static const og_migration steps[] = {
    {1,
     "CREATE TABLE gate_policy ("
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  kind TEXT NOT NULL,"
     "  level INTEGER NOT NULL CHECK (level BETWEEN 0 AND 3),"
     "  updated_at TEXT NOT NULL,"
     "  updated_by TEXT NOT NULL,"
     "  PRIMARY KEY (tenant_id, kind));"
     "CREATE TABLE gate_settings ("
     "  tenant_id TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,"
     "  approval_timeout_us INTEGER NOT NULL,"
     "  review_window_us INTEGER NOT NULL,"
     "  updated_at TEXT NOT NULL,"
     "  updated_by TEXT NOT NULL);"
     "CREATE TABLE gate_assignees ("
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  area TEXT NOT NULL,"
     "  user_name TEXT NOT NULL,"
     "  PRIMARY KEY (tenant_id, area));"
     "CREATE TABLE gate_items ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  kind TEXT NOT NULL,"
     "  area TEXT NOT NULL,"
     "  level INTEGER NOT NULL,"
     "  state TEXT NOT NULL CHECK (state IN ('pending', 'review', 'task', 'done')),"
     "  outcome TEXT NOT NULL,"
     "  target_type TEXT,"
     "  target_id TEXT,"
     "  params TEXT NOT NULL,"
     "  analysis TEXT,"
     "  result TEXT,"
     "  requested_by TEXT NOT NULL,"
     "  requester_key TEXT NOT NULL,"
     "  assignee TEXT,"
     "  escalated INTEGER NOT NULL DEFAULT 0,"
     "  executed INTEGER NOT NULL DEFAULT 0,"
     "  failed INTEGER NOT NULL DEFAULT 0,"
     "  error TEXT,"
     "  created_at TEXT NOT NULL,"
     "  deadline_us INTEGER,"
     "  decided_by TEXT,"
     "  decided_at TEXT,"
     "  note TEXT,"
     "  audit_seq INTEGER,"
     "  event_id TEXT);"
     "CREATE INDEX gate_items_tenant_state ON gate_items (tenant_id, state, created_at);"
     "CREATE INDEX gate_items_deadline ON gate_items (state, deadline_us);"
     "CREATE TABLE gate_decisions ("
     "  gate_id TEXT NOT NULL REFERENCES gate_items(id) ON DELETE CASCADE,"
     "  n INTEGER NOT NULL,"
     "  decision TEXT NOT NULL,"
     "  decided_by TEXT NOT NULL,"
     "  decided_at TEXT NOT NULL,"
     "  note TEXT,"
     "  audit_seq INTEGER,"
     "  rollback_of INTEGER,"
     "  event_id TEXT,"
     "  PRIMARY KEY (gate_id, n));"
     "CREATE TABLE gate_notes ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  text TEXT NOT NULL,"
     "  state TEXT NOT NULL CHECK (state IN ('active', 'rolled_back')),"
     "  created_at TEXT NOT NULL,"
     "  rolled_back_at TEXT);",
     "CREATE TABLE gate_policy ("
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  kind TEXT NOT NULL,"
     "  level BIGINT NOT NULL CHECK (level BETWEEN 0 AND 3),"
     "  updated_at TEXT NOT NULL,"
     "  updated_by TEXT NOT NULL,"
     "  PRIMARY KEY (tenant_id, kind));"
     "CREATE TABLE gate_settings ("
     "  tenant_id TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,"
     "  approval_timeout_us BIGINT NOT NULL,"
     "  review_window_us BIGINT NOT NULL,"
     "  updated_at TEXT NOT NULL,"
     "  updated_by TEXT NOT NULL);"
     "CREATE TABLE gate_assignees ("
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  area TEXT NOT NULL,"
     "  user_name TEXT NOT NULL,"
     "  PRIMARY KEY (tenant_id, area));"
     "CREATE TABLE gate_items ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  kind TEXT NOT NULL,"
     "  area TEXT NOT NULL,"
     "  level BIGINT NOT NULL,"
     "  state TEXT NOT NULL CHECK (state IN ('pending', 'review', 'task', 'done')),"
     "  outcome TEXT NOT NULL,"
     "  target_type TEXT,"
     "  target_id TEXT,"
     "  params TEXT NOT NULL,"
     "  analysis TEXT,"
     "  result TEXT,"
     "  requested_by TEXT NOT NULL,"
     "  requester_key TEXT NOT NULL,"
     "  assignee TEXT,"
     "  escalated BIGINT NOT NULL DEFAULT 0,"
     "  executed BIGINT NOT NULL DEFAULT 0,"
     "  failed BIGINT NOT NULL DEFAULT 0,"
     "  error TEXT,"
     "  created_at TEXT NOT NULL,"
     "  deadline_us BIGINT,"
     "  decided_by TEXT,"
     "  decided_at TEXT,"
     "  note TEXT,"
     "  audit_seq BIGINT,"
     "  event_id TEXT);"
     "CREATE INDEX gate_items_tenant_state ON gate_items (tenant_id, state, created_at);"
     "CREATE INDEX gate_items_deadline ON gate_items (state, deadline_us);"
     "CREATE TABLE gate_decisions ("
     "  gate_id TEXT NOT NULL REFERENCES gate_items(id) ON DELETE CASCADE,"
     "  n BIGINT NOT NULL,"
     "  decision TEXT NOT NULL,"
     "  decided_by TEXT NOT NULL,"
     "  decided_at TEXT NOT NULL,"
     "  note TEXT,"
     "  audit_seq BIGINT,"
     "  rollback_of BIGINT,"
     "  event_id TEXT,"
     "  PRIMARY KEY (gate_id, n));"
     "CREATE TABLE gate_notes ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  text TEXT NOT NULL,"
     "  state TEXT NOT NULL CHECK (state IN ('active', 'rolled_back')),"
     "  created_at TEXT NOT NULL,"
     "  rolled_back_at TEXT);"},
    /* Who set each level of a policy, lowest first: [{"level", "key", "by"}]. A lowering below a
     * level somebody else set waits for a second tenant-admin (policy.c). NULL in rows written
     * before: their updated_by set their level. */
    {2, "ALTER TABLE gate_policy ADD COLUMN setters TEXT;",
     "ALTER TABLE gate_policy ADD COLUMN setters TEXT;"},
    /* What an item is about as the requesting module described it (og_gate_about: subject,
     * project, target, object), JSON sealed with the tenant's key bound to "gate_item:<id>":
     * it may name an artifact, whose name the artifact module seals too. NULL in rows written
     * before, and when the module said nothing: then the kind and target describe the item. */
    {3, "ALTER TABLE gate_items ADD COLUMN about BLOB;",
     "ALTER TABLE gate_items ADD COLUMN about BYTEA;"},
    /* The staged input of an item waiting for approval (og_gate_staged): the bytes sealed with
     * the tenant's key bound to "gate_staged:<id>", and their media type. Kept while the item is
     * pending, set to NULL once it is decided. */
    {4,
     "ALTER TABLE gate_items ADD COLUMN staged BLOB;"
     "ALTER TABLE gate_items ADD COLUMN staged_media TEXT;",
     "ALTER TABLE gate_items ADD COLUMN staged BYTEA;"
     "ALTER TABLE gate_items ADD COLUMN staged_media TEXT;"},
    /* platform.note left the engine (src/app/note.c): its note is the gate item's result. */
    {5, "DROP TABLE gate_notes;", "DROP TABLE gate_notes;"},
    /* the inference step's analysis of the request (infer.h): score, explanation, features */
    {6, "ALTER TABLE gate_items ADD COLUMN inference TEXT;",
     "ALTER TABLE gate_items ADD COLUMN inference TEXT;"},
};

static const char *const purge[] = {
    "DELETE FROM gate_items WHERE tenant_id = ?",
    "DELETE FROM gate_assignees WHERE tenant_id = ?",
    "DELETE FROM gate_settings WHERE tenant_id = ?",
    "DELETE FROM gate_policy WHERE tenant_id = ?",
    NULL,
};

const og_schema og_gate_schema = {"gate", steps, sizeof(steps) / sizeof(steps[0]), purge};
