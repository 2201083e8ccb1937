/* schema.c - tables owned by the artifacts module: projects, artifacts, versions, objects, keys,
 * locks, grants, retention, holds, and the search index. */
#include "opsgate/store.h"

/*
 * What is plain and what is sealed: artifact names, metadata, version messages and content
 * hashes are sealed with the tenant key (art_artifacts.sealed, art_versions.sealed); names are
 * found through a keyed hash (name_mac). Object files are named by a keyed hash of the content
 * hash. The search index (art_fts) holds only keyed hashes of words, never words.
 *
 * PostgreSQL has no FTS5: there art_fts is an ordinary table with the same columns and an explicit
 * rowid column (the artifact's n, so module SQL naming rowid runs on both backends), and a GIN
 * index over art_fts_terms(name, meta, body), the array of the row's keyed-hash tokens: a
 * document holds every word of a query when art_fts_terms(name, meta, body) @> ARRAY[...] (the
 * index answers that). Still no plaintext: the columns hold the same hashes as on SQLite.
 * art_artifacts.n and events.seq are identity columns there (SQLite's rowid and AUTOINCREMENT).
 */
#define ART_FTS_PG                                                                                 \
    "CREATE TABLE art_fts (rowid BIGINT PRIMARY KEY, name TEXT, meta TEXT, body TEXT);"            \
    "CREATE INDEX art_fts_terms ON art_fts USING GIN (art_fts_terms(name, meta, body));"
static const og_migration steps[] = {
    {1,
     "CREATE TABLE art_projects ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  key TEXT NOT NULL,"
     "  name TEXT NOT NULL,"
     "  created_at TEXT NOT NULL,"
     "  created_by TEXT NOT NULL,"
     "  UNIQUE (tenant_id, key));"
     "CREATE TABLE art_artifacts ("
     "  n INTEGER PRIMARY KEY,"
     "  id TEXT NOT NULL UNIQUE,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  project_id TEXT NOT NULL REFERENCES art_projects(id) ON DELETE CASCADE,"
     "  name_mac TEXT NOT NULL,"
     "  sealed BLOB NOT NULL,"
     "  kind TEXT NOT NULL,"
     "  state TEXT NOT NULL,"
     "  latest INTEGER NOT NULL DEFAULT 0,"
     "  created_at TEXT NOT NULL,"
     "  created_by TEXT NOT NULL,"
     "  updated_at TEXT NOT NULL,"
     "  archived_us INTEGER,"
     "  deleted_us INTEGER,"
     "  deleted_by TEXT,"
     "  UNIQUE (project_id, name_mac));"
     "CREATE INDEX art_artifacts_tenant ON art_artifacts (tenant_id, project_id);"
     "CREATE TABLE art_versions ("
     "  artifact_id TEXT NOT NULL REFERENCES art_artifacts(id) ON DELETE CASCADE,"
     "  tenant_id TEXT NOT NULL,"
     "  number INTEGER NOT NULL,"
     "  author TEXT NOT NULL,"
     "  created_at TEXT NOT NULL,"
     "  size INTEGER NOT NULL,"
     "  media_type TEXT NOT NULL,"
     "  object TEXT NOT NULL,"
     "  sealed BLOB NOT NULL,"
     "  restored_from INTEGER,"
     "  PRIMARY KEY (artifact_id, number));"
     "CREATE INDEX art_versions_object ON art_versions (tenant_id, object);"
     "CREATE TABLE art_objects ("
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  name TEXT NOT NULL,"
     "  seal_id TEXT NOT NULL,"
     "  size INTEGER NOT NULL,"
     "  stored_size INTEGER NOT NULL,"
     "  created_at TEXT NOT NULL,"
     "  PRIMARY KEY (tenant_id, name));"
     "CREATE TABLE art_keys ("
     "  tenant_id TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,"
     "  sealed BLOB NOT NULL);"
     "CREATE TABLE art_locks ("
     "  artifact_id TEXT PRIMARY KEY REFERENCES art_artifacts(id) ON DELETE CASCADE,"
     "  tenant_id TEXT NOT NULL,"
     "  owner_key TEXT NOT NULL,"
     "  owner_label TEXT NOT NULL,"
     "  expires_us INTEGER NOT NULL,"
     "  created_at TEXT NOT NULL);"
     "CREATE TABLE art_grants ("
     "  project_id TEXT NOT NULL REFERENCES art_projects(id) ON DELETE CASCADE,"
     "  user_id TEXT NOT NULL,"
     "  tenant_id TEXT NOT NULL,"
     "  user_name TEXT NOT NULL,"
     "  access TEXT NOT NULL CHECK (access IN ('read', 'write', 'admin')),"
     "  until_us INTEGER,"
     "  granted_by TEXT NOT NULL,"
     "  granted_at TEXT NOT NULL,"
     "  PRIMARY KEY (project_id, user_id));"
     "CREATE INDEX art_grants_user ON art_grants (tenant_id, user_id);"
     "CREATE TABLE art_retention ("
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  kind TEXT NOT NULL,"
     "  keep_us INTEGER NOT NULL,"
     "  set_by TEXT NOT NULL,"
     "  set_at TEXT NOT NULL,"
     "  PRIMARY KEY (tenant_id, kind));"
     "CREATE TABLE art_holds ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  project_id TEXT NOT NULL REFERENCES art_projects(id) ON DELETE CASCADE,"
     "  artifact_id TEXT,"
     "  reason TEXT NOT NULL,"
     "  set_by TEXT NOT NULL,"
     "  set_at TEXT NOT NULL,"
     "  cleared_by TEXT,"
     "  cleared_at TEXT,"
     "  clear_reason TEXT);"
     "CREATE INDEX art_holds_target ON art_holds (project_id, artifact_id);"
     /* rowid = art_artifacts.n; columns hold space-separated hex HMACs of words. */
     "CREATE VIRTUAL TABLE art_fts USING fts5(name, meta, body, tokenize = 'ascii');",
     "CREATE TABLE art_projects ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  key TEXT NOT NULL,"
     "  name TEXT NOT NULL,"
     "  created_at TEXT NOT NULL,"
     "  created_by TEXT NOT NULL,"
     "  UNIQUE (tenant_id, key));"
     "CREATE TABLE art_artifacts ("
     "  n BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
     "  id TEXT NOT NULL UNIQUE,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  project_id TEXT NOT NULL REFERENCES art_projects(id) ON DELETE CASCADE,"
     "  name_mac TEXT NOT NULL,"
     "  sealed BYTEA NOT NULL,"
     "  kind TEXT NOT NULL,"
     "  state TEXT NOT NULL,"
     "  latest BIGINT NOT NULL DEFAULT 0,"
     "  created_at TEXT NOT NULL,"
     "  created_by TEXT NOT NULL,"
     "  updated_at TEXT NOT NULL,"
     "  archived_us BIGINT,"
     "  deleted_us BIGINT,"
     "  deleted_by TEXT,"
     "  UNIQUE (project_id, name_mac));"
     "CREATE INDEX art_artifacts_tenant ON art_artifacts (tenant_id, project_id);"
     "CREATE TABLE art_versions ("
     "  artifact_id TEXT NOT NULL REFERENCES art_artifacts(id) ON DELETE CASCADE,"
     "  tenant_id TEXT NOT NULL,"
     "  number BIGINT NOT NULL,"
     "  author TEXT NOT NULL,"
     "  created_at TEXT NOT NULL,"
     "  size BIGINT NOT NULL,"
     "  media_type TEXT NOT NULL,"
     "  object TEXT NOT NULL,"
     "  sealed BYTEA NOT NULL,"
     "  restored_from BIGINT,"
     "  PRIMARY KEY (artifact_id, number));"
     "CREATE INDEX art_versions_object ON art_versions (tenant_id, object);"
     "CREATE TABLE art_objects ("
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  name TEXT NOT NULL,"
     "  seal_id TEXT NOT NULL,"
     "  size BIGINT NOT NULL,"
     "  stored_size BIGINT NOT NULL,"
     "  created_at TEXT NOT NULL,"
     "  PRIMARY KEY (tenant_id, name));"
     "CREATE TABLE art_keys ("
     "  tenant_id TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,"
     "  sealed BYTEA NOT NULL);"
     "CREATE TABLE art_locks ("
     "  artifact_id TEXT PRIMARY KEY REFERENCES art_artifacts(id) ON DELETE CASCADE,"
     "  tenant_id TEXT NOT NULL,"
     "  owner_key TEXT NOT NULL,"
     "  owner_label TEXT NOT NULL,"
     "  expires_us BIGINT NOT NULL,"
     "  created_at TEXT NOT NULL);"
     "CREATE TABLE art_grants ("
     "  project_id TEXT NOT NULL REFERENCES art_projects(id) ON DELETE CASCADE,"
     "  user_id TEXT NOT NULL,"
     "  tenant_id TEXT NOT NULL,"
     "  user_name TEXT NOT NULL,"
     "  access TEXT NOT NULL CHECK (access IN ('read', 'write', 'admin')),"
     "  until_us BIGINT,"
     "  granted_by TEXT NOT NULL,"
     "  granted_at TEXT NOT NULL,"
     "  PRIMARY KEY (project_id, user_id));"
     "CREATE INDEX art_grants_user ON art_grants (tenant_id, user_id);"
     "CREATE TABLE art_retention ("
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  kind TEXT NOT NULL,"
     "  keep_us BIGINT NOT NULL,"
     "  set_by TEXT NOT NULL,"
     "  set_at TEXT NOT NULL,"
     "  PRIMARY KEY (tenant_id, kind));"
     "CREATE TABLE art_holds ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  project_id TEXT NOT NULL REFERENCES art_projects(id) ON DELETE CASCADE,"
     "  artifact_id TEXT,"
     "  reason TEXT NOT NULL,"
     "  set_by TEXT NOT NULL,"
     "  set_at TEXT NOT NULL,"
     "  cleared_by TEXT,"
     "  cleared_at TEXT,"
     "  clear_reason TEXT);"
     "CREATE INDEX art_holds_target ON art_holds (project_id, artifact_id);"
     "CREATE FUNCTION art_fts_terms(name TEXT, meta TEXT, body TEXT) RETURNS TEXT[]"
     "  LANGUAGE sql IMMUTABLE PARALLEL SAFE AS"
     "  $$SELECT array_remove(string_to_array(coalesce(name, '') || ' ' || coalesce(meta, '')"
     "  || ' ' || coalesce(body, ''), ' '), '')$$;" ART_FTS_PG},
    /* Small objects' sealed bytes in the row instead of a file (object.c). The index keeps no
     * positions (words are hashed and unordered anyway): re-indexing a version costs less. */
    {2,
     "ALTER TABLE art_objects ADD COLUMN inline BLOB;"
     "DROP TABLE art_fts;"
     "CREATE VIRTUAL TABLE art_fts USING fts5(name, meta, body, tokenize = 'ascii',"
     "  detail = 'column');",
     "ALTER TABLE art_objects ADD COLUMN inline BYTEA;"
     "DROP TABLE art_fts;" ART_FTS_PG},
    /* How many documents hold a word: search ranks with BM25 only while that is bounded. */
    {3, "CREATE VIRTUAL TABLE art_fts_v USING fts5vocab(art_fts, 'row');",
     /* A view gives the vocabulary's columns; term = ? scans the index table (correct, not
      * indexed: a store-level search counts documents through art_fts_terms instead). */
     "CREATE VIEW art_fts_v AS SELECT t.term AS term, count(DISTINCT f.rowid) AS doc,"
     "  count(*) AS cnt FROM art_fts f CROSS JOIN LATERAL"
     "  unnest(art_fts_terms(f.name, f.meta, f.body)) AS t (term) GROUP BY t.term;"},
    /* Artifacts that are part of another one's versions (a generated document's data snapshot):
     * not deletable on their own, deleted, undeleted and purged with it. deleted_with names the
     * artifact whose deletion took this one along, so an undelete brings back exactly those. */
    {4,
     "CREATE TABLE art_parts ("
     "  whole_id TEXT NOT NULL REFERENCES art_artifacts(id) ON DELETE CASCADE,"
     "  part_id TEXT NOT NULL REFERENCES art_artifacts(id) ON DELETE CASCADE,"
     "  tenant_id TEXT NOT NULL,"
     "  PRIMARY KEY (whole_id, part_id));"
     "CREATE INDEX art_parts_part ON art_parts (part_id);"
     "ALTER TABLE art_artifacts ADD COLUMN deleted_with TEXT;",
     "CREATE TABLE art_parts ("
     "  whole_id TEXT NOT NULL REFERENCES art_artifacts(id) ON DELETE CASCADE,"
     "  part_id TEXT NOT NULL REFERENCES art_artifacts(id) ON DELETE CASCADE,"
     "  tenant_id TEXT NOT NULL,"
     "  PRIMARY KEY (whole_id, part_id));"
     "CREATE INDEX art_parts_part ON art_parts (part_id);"
     "ALTER TABLE art_artifacts ADD COLUMN deleted_with TEXT;"},
    /* Archived projects are read-only (access.c): when and by whom, NULL while not archived. */
    {5,
     "ALTER TABLE art_projects ADD COLUMN archived_at TEXT;"
     "ALTER TABLE art_projects ADD COLUMN archived_by TEXT;",
     "ALTER TABLE art_projects ADD COLUMN archived_at TEXT;"
     "ALTER TABLE art_projects ADD COLUMN archived_by TEXT;"},
    /* Objects' sealed bytes in rows, for installations without a data folder (obj_rows.c): the
     * sealed stream cut in chunks, under the object's seal id; art_objects_seal finds an object's
     * chunks' owner (the sweep of chunks no object names). */
    {6,
     "CREATE TABLE art_object_chunks ("
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  seal_id TEXT NOT NULL,"
     "  seq INTEGER NOT NULL,"
     "  created_us INTEGER NOT NULL,"
     "  data BLOB NOT NULL,"
     "  PRIMARY KEY (tenant_id, seal_id, seq));"
     "CREATE INDEX art_objects_seal ON art_objects (tenant_id, seal_id);",
     "CREATE TABLE art_object_chunks ("
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  seal_id TEXT NOT NULL,"
     "  seq BIGINT NOT NULL,"
     "  created_us BIGINT NOT NULL,"
     "  data BYTEA NOT NULL,"
     "  PRIMARY KEY (tenant_id, seal_id, seq));"
     "CREATE INDEX art_objects_seal ON art_objects (tenant_id, seal_id);"},
    /* The versions published (lifecycle.c, when a move to published executes; a rollback of that
     * move takes its row away): og_artifact_published_version reads it. */
    {7,
     "CREATE TABLE art_published ("
     "  artifact_id TEXT NOT NULL REFERENCES art_artifacts(id) ON DELETE CASCADE,"
     "  tenant_id TEXT NOT NULL,"
     "  version INTEGER NOT NULL,"
     "  published_at TEXT NOT NULL,"
     "  PRIMARY KEY (artifact_id, version));",
     "CREATE TABLE art_published ("
     "  artifact_id TEXT NOT NULL REFERENCES art_artifacts(id) ON DELETE CASCADE,"
     "  tenant_id TEXT NOT NULL,"
     "  version BIGINT NOT NULL,"
     "  published_at TEXT NOT NULL,"
     "  PRIMARY KEY (artifact_id, version));"},
    /* The vocabulary of step 3 is read by nothing since search scores at most the newest 500
     * matches instead of counting a word's documents through it (commit c6aff0a). On
     * PostgreSQL it is a view over art_fts: dropping it changes no table. */
    {8, "DROP TABLE art_fts_v;", "DROP VIEW art_fts_v;"},
};

/* Order matters: the index rows are found through art_artifacts, so they go first. */
static const char *const purge[] = {
    "DELETE FROM art_fts WHERE rowid IN (SELECT n FROM art_artifacts WHERE tenant_id = ?)",
    "DELETE FROM art_holds WHERE tenant_id = ?",
    "DELETE FROM art_grants WHERE tenant_id = ?",
    "DELETE FROM art_locks WHERE tenant_id = ?",
    "DELETE FROM art_published WHERE tenant_id = ?",
    "DELETE FROM art_parts WHERE tenant_id = ?",
    "DELETE FROM art_versions WHERE tenant_id = ?",
    "DELETE FROM art_artifacts WHERE tenant_id = ?",
    "DELETE FROM art_projects WHERE tenant_id = ?",
    "DELETE FROM art_objects WHERE tenant_id = ?",
    "DELETE FROM art_object_chunks WHERE tenant_id = ?",
    "DELETE FROM art_retention WHERE tenant_id = ?",
    "DELETE FROM art_keys WHERE tenant_id = ?",
    NULL,
};

const og_schema og_artifacts_schema = {"artifacts", steps, sizeof(steps) / sizeof(steps[0]), purge};
