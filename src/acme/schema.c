/* schema.c - tables of the ACME client: CA accounts, renewal plans and the certificates
 * issued for them. Private keys are only stored sealed with the tenant's key. */
#include "opsgate/store.h"

static const og_migration steps[] = {
    {1,
     /* sealed_key: the account key's PKCS#8 PEM sealed under (tenant, account id) */
     "CREATE TABLE acme_accounts ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  directory_url TEXT NOT NULL,"
     "  ca_pem TEXT,"
     "  email TEXT,"
     "  key_type TEXT NOT NULL,"
     "  sealed_key BLOB NOT NULL,"
     "  account_url TEXT NOT NULL,"
     "  eab_kid TEXT,"
     "  status TEXT NOT NULL,"
     "  created_at TEXT NOT NULL,"
     "  updated_at TEXT NOT NULL);"
     "CREATE INDEX acme_accounts_tenant ON acme_accounts (tenant_id);"
     /* A renewal plan: what to ask for again (names, key type, challenge settings as JSON),
      * which certificate is current, and when to renew it (renew_at_us, from ARI or 2/3). */
     "CREATE TABLE acme_plans ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  account_id TEXT NOT NULL REFERENCES acme_accounts(id) ON DELETE CASCADE,"
     "  names TEXT NOT NULL,"
     "  key_type TEXT NOT NULL,"
     "  challenge TEXT NOT NULL,"
     "  current_cert TEXT,"
     "  renew_at_us INTEGER,"
     "  failures INTEGER NOT NULL DEFAULT 0,"
     "  last_error TEXT,"
     "  created_at TEXT NOT NULL,"
     "  updated_at TEXT NOT NULL);"
     "CREATE INDEX acme_plans_due ON acme_plans (renew_at_us);"
     /* Every certificate a plan got; status current (one per plan), previous or revoked.
      * sealed_key: the certificate key's PEM sealed under (tenant, certificate id). */
     "CREATE TABLE acme_certs ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  plan_id TEXT NOT NULL REFERENCES acme_plans(id) ON DELETE CASCADE,"
     "  fingerprint TEXT NOT NULL,"
     "  serial TEXT NOT NULL,"
     "  not_before_us INTEGER NOT NULL,"
     "  not_after_us INTEGER NOT NULL,"
     "  chain_pem TEXT NOT NULL,"
     "  alternates TEXT NOT NULL,"
     "  sealed_key BLOB NOT NULL,"
     "  order_url TEXT NOT NULL,"
     "  cert_url TEXT NOT NULL,"
     "  ari_cert_id TEXT,"
     "  replaces TEXT,"
     "  status TEXT NOT NULL,"
     "  revoked_reason TEXT,"
     "  created_at TEXT NOT NULL);"
     "CREATE INDEX acme_certs_plan ON acme_certs (plan_id);",
     "CREATE TABLE acme_accounts ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  directory_url TEXT NOT NULL,"
     "  ca_pem TEXT,"
     "  email TEXT,"
     "  key_type TEXT NOT NULL,"
     "  sealed_key BYTEA NOT NULL,"
     "  account_url TEXT NOT NULL,"
     "  eab_kid TEXT,"
     "  status TEXT NOT NULL,"
     "  created_at TEXT NOT NULL,"
     "  updated_at TEXT NOT NULL);"
     "CREATE INDEX acme_accounts_tenant ON acme_accounts (tenant_id);"
     "CREATE TABLE acme_plans ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  account_id TEXT NOT NULL REFERENCES acme_accounts(id) ON DELETE CASCADE,"
     "  names TEXT NOT NULL,"
     "  key_type TEXT NOT NULL,"
     "  challenge TEXT NOT NULL,"
     "  current_cert TEXT,"
     "  renew_at_us BIGINT,"
     "  failures BIGINT NOT NULL DEFAULT 0,"
     "  last_error TEXT,"
     "  created_at TEXT NOT NULL,"
     "  updated_at TEXT NOT NULL);"
     "CREATE INDEX acme_plans_due ON acme_plans (renew_at_us);"
     "CREATE TABLE acme_certs ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  plan_id TEXT NOT NULL REFERENCES acme_plans(id) ON DELETE CASCADE,"
     "  fingerprint TEXT NOT NULL,"
     "  serial TEXT NOT NULL,"
     "  not_before_us BIGINT NOT NULL,"
     "  not_after_us BIGINT NOT NULL,"
     "  chain_pem TEXT NOT NULL,"
     "  alternates TEXT NOT NULL,"
     "  sealed_key BYTEA NOT NULL,"
     "  order_url TEXT NOT NULL,"
     "  cert_url TEXT NOT NULL,"
     "  ari_cert_id TEXT,"
     "  replaces TEXT,"
     "  status TEXT NOT NULL,"
     "  revoked_reason TEXT,"
     "  created_at TEXT NOT NULL);"
     "CREATE INDEX acme_certs_plan ON acme_certs (plan_id);"},
    {2,
     /* when to ask the CA's renewalInfo again (its Retry-After); NULL without ARI */
     "ALTER TABLE acme_plans ADD COLUMN ari_check_us INTEGER;",
     "ALTER TABLE acme_plans ADD COLUMN ari_check_us BIGINT;"},
    {3,
     /* the dns-01 provider's settings (TSIG secrets, API credentials), sealed under (tenant,
      * plan id); the challenge column then holds no secret */
     "ALTER TABLE acme_plans ADD COLUMN challenge_sealed BLOB;",
     "ALTER TABLE acme_plans ADD COLUMN challenge_sealed BYTEA;"},
    {4,
     /* the deploy targets (by name) a plan's renewals go to; none = the targets that hold the
      * previous certificate (docs/deploy.md) */
     "CREATE TABLE acme_plan_targets ("
     "  plan_id TEXT NOT NULL REFERENCES acme_plans(id) ON DELETE CASCADE,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  target TEXT NOT NULL,"
     "  PRIMARY KEY (plan_id, target));",
     "CREATE TABLE acme_plan_targets ("
     "  plan_id TEXT NOT NULL REFERENCES acme_plans(id) ON DELETE CASCADE,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  target TEXT NOT NULL,"
     "  PRIMARY KEY (plan_id, target));"},
    {5,
     /* the end of the CA's ARI window for the plan's current certificate (RFC 9773): its
      * renewal is overdue once it passes (alert_rules.c); NULL when the CA gave no window, and
      * then two thirds of the lifetime is the mark */
     "ALTER TABLE acme_plans ADD COLUMN ari_end_us INTEGER;",
     "ALTER TABLE acme_plans ADD COLUMN ari_end_us BIGINT;"},
};

static const char *const purge[] = {
    "DELETE FROM acme_plan_targets WHERE tenant_id = ?",
    "DELETE FROM acme_certs WHERE tenant_id = ?",
    "DELETE FROM acme_plans WHERE tenant_id = ?",
    "DELETE FROM acme_accounts WHERE tenant_id = ?",
    NULL,
};

const og_schema og_acme_schema = {"acme", steps, sizeof(steps) / sizeof(steps[0]), purge};
