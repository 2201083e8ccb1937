/* schema.c - tables owned by the infer module: analysed actions (the training set), models and
 * the tenants' risk policies. */
#include "opsgate/store.h"

/*
 * infer_actions is one analysed gate request: its key is a hash of the gate item's id (the item
 * is gate's; no id is kept here), its target a hash of the tenant id and the target's key, its
 * features a JSON object of names from closed vocabularies and numbers (docs/inference.md), its
 * score in millionths, the model version that scored it (0: none yet), and its label once an
 * outcome is known (NULL: none yet). infer_models keeps every version of every model: tenant_id
 * NULL is the platform model of the kind; weights is {feature name: weight}. infer_policy is a
 * tenant's risk threshold per kind (millionths, NULL: none) and its pin.
 */
static const og_migration steps[] = {
    {1,
     "CREATE TABLE infer_actions ("
     "  key TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  kind TEXT NOT NULL,"
     "  target_hash TEXT NOT NULL,"
     "  features TEXT NOT NULL,"
     "  score_ppm INTEGER NOT NULL,"
     "  model_version INTEGER NOT NULL,"
     "  level INTEGER NOT NULL,"
     "  raised INTEGER NOT NULL DEFAULT 0,"
     "  label INTEGER,"
     "  outcome TEXT,"
     "  created_us INTEGER NOT NULL,"
     "  labelled_us INTEGER);"
     "CREATE INDEX infer_actions_kind ON infer_actions (kind, created_us);"
     "CREATE INDEX infer_actions_target ON infer_actions (tenant_id, kind, target_hash);"
     "CREATE TABLE infer_models ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,"
     "  kind TEXT NOT NULL,"
     "  version INTEGER NOT NULL,"
     "  weights TEXT NOT NULL,"
     "  bias_ppm INTEGER NOT NULL,"
     "  examples INTEGER NOT NULL,"
     "  positives INTEGER NOT NULL,"
     "  created_at TEXT NOT NULL);"
     "CREATE INDEX infer_models_kind ON infer_models (kind, tenant_id, version);"
     "CREATE TABLE infer_policy ("
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  kind TEXT NOT NULL,"
     "  threshold_ppm INTEGER,"
     "  pinned INTEGER NOT NULL DEFAULT 0,"
     "  updated_at TEXT NOT NULL,"
     "  updated_by TEXT NOT NULL,"
     "  PRIMARY KEY (tenant_id, kind));",
     "CREATE TABLE infer_actions ("
     "  key TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  kind TEXT NOT NULL,"
     "  target_hash TEXT NOT NULL,"
     "  features TEXT NOT NULL,"
     "  score_ppm BIGINT NOT NULL,"
     "  model_version BIGINT NOT NULL,"
     "  level BIGINT NOT NULL,"
     "  raised BIGINT NOT NULL DEFAULT 0,"
     "  label BIGINT,"
     "  outcome TEXT,"
     "  created_us BIGINT NOT NULL,"
     "  labelled_us BIGINT);"
     "CREATE INDEX infer_actions_kind ON infer_actions (kind, created_us);"
     "CREATE INDEX infer_actions_target ON infer_actions (tenant_id, kind, target_hash);"
     "CREATE TABLE infer_models ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,"
     "  kind TEXT NOT NULL,"
     "  version BIGINT NOT NULL,"
     "  weights TEXT NOT NULL,"
     "  bias_ppm BIGINT NOT NULL,"
     "  examples BIGINT NOT NULL,"
     "  positives BIGINT NOT NULL,"
     "  created_at TEXT NOT NULL);"
     "CREATE INDEX infer_models_kind ON infer_models (kind, tenant_id, version);"
     "CREATE TABLE infer_policy ("
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  kind TEXT NOT NULL,"
     "  threshold_ppm BIGINT,"
     "  pinned BIGINT NOT NULL DEFAULT 0,"
     "  updated_at TEXT NOT NULL,"
     "  updated_by TEXT NOT NULL,"
     "  PRIMARY KEY (tenant_id, kind));"},
    {2,
     /* infer_counts: how many analysed actions of a kind a tenant has (target_hash '') and of
      * each target, and how many went wrong, kept with every record and label so that an
      * analysis reads two rows instead of counting a kind's whole history; filled from the
      * actions analysed before it */
     "CREATE TABLE infer_counts ("
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  kind TEXT NOT NULL,"
     "  target_hash TEXT NOT NULL,"
     "  n INTEGER NOT NULL,"
     "  bad INTEGER NOT NULL,"
     "  PRIMARY KEY (tenant_id, kind, target_hash));"
     "INSERT INTO infer_counts (tenant_id, kind, target_hash, n, bad)"
     " SELECT tenant_id, kind, target_hash, COUNT(*), COUNT(CASE WHEN label = 1 THEN 1 END)"
     " FROM infer_actions GROUP BY tenant_id, kind, target_hash;"
     "INSERT INTO infer_counts (tenant_id, kind, target_hash, n, bad)"
     " SELECT tenant_id, kind, '', COUNT(*), COUNT(CASE WHEN label = 1 THEN 1 END)"
     " FROM infer_actions GROUP BY tenant_id, kind;",
     "CREATE TABLE infer_counts ("
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  kind TEXT NOT NULL,"
     "  target_hash TEXT NOT NULL,"
     "  n BIGINT NOT NULL,"
     "  bad BIGINT NOT NULL,"
     "  PRIMARY KEY (tenant_id, kind, target_hash));"
     "INSERT INTO infer_counts (tenant_id, kind, target_hash, n, bad)"
     " SELECT tenant_id, kind, target_hash, COUNT(*), COUNT(CASE WHEN label = 1 THEN 1 END)"
     " FROM infer_actions GROUP BY tenant_id, kind, target_hash;"
     "INSERT INTO infer_counts (tenant_id, kind, target_hash, n, bad)"
     " SELECT tenant_id, kind, '', COUNT(*), COUNT(CASE WHEN label = 1 THEN 1 END)"
     " FROM infer_actions GROUP BY tenant_id, kind;"},
    {3,
     /* infer_docs: one document the classifier read (an artifact version, under a hash of its
      * reference), as its hashed features {dimension: value} only (never its words), the kind
      * proposed with its confidence (millionths) and model version, and the kind a human gave
      * (label, NULL until one did): the document model's training set. infer_ca_errors: a
      * tenant's failed ACME orders per CA (an HMAC of its directory URL), with the error's type
      * from a closed vocabulary, for the renewal's facts (ca_errors.c) */
     "CREATE TABLE infer_docs ("
     "  key TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  features TEXT NOT NULL,"
     "  proposed TEXT NOT NULL,"
     "  confidence_ppm INTEGER NOT NULL,"
     "  model_version INTEGER NOT NULL,"
     "  label TEXT,"
     "  created_us INTEGER NOT NULL,"
     "  labelled_us INTEGER);"
     "CREATE INDEX infer_docs_labelled ON infer_docs (labelled_us);"
     "CREATE TABLE infer_ca_errors ("
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  ca_hash TEXT NOT NULL,"
     "  error_type TEXT NOT NULL,"
     "  at_us INTEGER NOT NULL);"
     "CREATE INDEX infer_ca_errors_ca ON infer_ca_errors (tenant_id, ca_hash, at_us);",
     "CREATE TABLE infer_docs ("
     "  key TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  features TEXT NOT NULL,"
     "  proposed TEXT NOT NULL,"
     "  confidence_ppm BIGINT NOT NULL,"
     "  model_version BIGINT NOT NULL,"
     "  label TEXT,"
     "  created_us BIGINT NOT NULL,"
     "  labelled_us BIGINT);"
     "CREATE INDEX infer_docs_labelled ON infer_docs (labelled_us);"
     "CREATE TABLE infer_ca_errors ("
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  ca_hash TEXT NOT NULL,"
     "  error_type TEXT NOT NULL,"
     "  at_us BIGINT NOT NULL);"
     "CREATE INDEX infer_ca_errors_ca ON infer_ca_errors (tenant_id, ca_hash, at_us);"},
    {4,
     /* infer_docs.meta: the candidates of a document's metadata as the metadata model sees
      * them, {field: {"c": [[hashed feature, ...] per candidate], "y": the index of the right
      * candidate (-1: none of them) once a person gave the field}} - numbers only, never the
      * values; meta_labelled_us: when a person last gave one (NULL: never) */
     "ALTER TABLE infer_docs ADD COLUMN meta TEXT;"
     "ALTER TABLE infer_docs ADD COLUMN meta_labelled_us INTEGER;"
     "CREATE INDEX infer_docs_meta_labelled ON infer_docs (meta_labelled_us);",
     "ALTER TABLE infer_docs ADD COLUMN meta TEXT;"
     "ALTER TABLE infer_docs ADD COLUMN meta_labelled_us BIGINT;"
     "CREATE INDEX infer_docs_meta_labelled ON infer_docs (meta_labelled_us);"},
};

static const char *const purge[] = {
    "DELETE FROM infer_ca_errors WHERE tenant_id = ?",
    "DELETE FROM infer_docs WHERE tenant_id = ?",
    "DELETE FROM infer_counts WHERE tenant_id = ?",
    "DELETE FROM infer_policy WHERE tenant_id = ?",
    "DELETE FROM infer_models WHERE tenant_id = ?",
    "DELETE FROM infer_actions WHERE tenant_id = ?",
    NULL,
};

const og_schema og_infer_schema = {"infer", steps, sizeof(steps) / sizeof(steps[0]), purge};
