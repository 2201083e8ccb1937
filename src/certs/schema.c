/* schema.c - tables owned by the certs module: inventory, sightings, sealed keys, policy, alerts,
 * schedules. Every row carries its tenant and goes with it (ON DELETE CASCADE). */
#include "opsgate/store.h"

static const og_migration steps[] = {
    {1,
     /* One row per certificate per tenant (dedup by SHA-256 fingerprint). findings holds the
      * intrinsic findings only; the rest depend on sightings and on the clock. */
     "CREATE TABLE certs ("
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  fingerprint TEXT NOT NULL,"
     "  subject TEXT NOT NULL,"
     "  issuer TEXT NOT NULL,"
     "  serial TEXT NOT NULL,"
     "  not_before_us INTEGER NOT NULL,"
     "  not_after_us INTEGER NOT NULL,"
     "  key_type TEXT NOT NULL,"
     "  key_bits INTEGER NOT NULL,"
     "  sig_alg TEXT NOT NULL,"
     "  is_ca INTEGER NOT NULL,"
     "  findings INTEGER NOT NULL,"
     "  info TEXT NOT NULL,"
     "  der BLOB NOT NULL,"
     "  first_seen_us INTEGER NOT NULL,"
     "  last_seen_us INTEGER NOT NULL,"
     "  PRIMARY KEY (tenant_id, fingerprint));"
     "CREATE INDEX certs_expiry ON certs (tenant_id, not_after_us);"
     /* Where a certificate was found: kind endpoint (location host:port, sni), chain (served as
      * an intermediate at that endpoint), file (path), import (file name). The chain status and
      * hostname result are those of the latest sighting. */
     "CREATE TABLE cert_sightings ("
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  fingerprint TEXT NOT NULL,"
     "  kind TEXT NOT NULL,"
     "  location TEXT NOT NULL,"
     "  sni TEXT NOT NULL DEFAULT '',"
     "  findings INTEGER NOT NULL DEFAULT 0,"
     "  chain TEXT,"
     "  detail TEXT,"
     "  first_seen_us INTEGER NOT NULL,"
     "  last_seen_us INTEGER NOT NULL,"
     "  PRIMARY KEY (tenant_id, fingerprint, kind, location, sni),"
     "  FOREIGN KEY (tenant_id, fingerprint) REFERENCES certs (tenant_id, fingerprint)"
     "    ON DELETE CASCADE);"
     "CREATE TABLE cert_keys ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  fingerprint TEXT,"
     "  key_type TEXT NOT NULL,"
     "  encrypted INTEGER NOT NULL,"
     "  sealed BLOB NOT NULL,"
     "  source TEXT NOT NULL,"
     "  created_at TEXT NOT NULL);"
     "CREATE INDEX cert_keys_cert ON cert_keys (tenant_id, fingerprint);"
     "CREATE TABLE cert_policies ("
     "  tenant_id TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,"
     "  thresholds TEXT NOT NULL,"
     "  ca_bundle TEXT,"
     "  updated_at TEXT NOT NULL);"
     /* One row per (certificate, threshold) crossing ever alerted; threshold 0 = expired. */
     "CREATE TABLE cert_alerts ("
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  fingerprint TEXT NOT NULL,"
     "  threshold_days INTEGER NOT NULL,"
     "  event_id TEXT,"
     "  raised_at TEXT NOT NULL,"
     "  PRIMARY KEY (tenant_id, fingerprint, threshold_days));"
     "CREATE TABLE cert_schedules ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  every_us INTEGER NOT NULL,"
     "  targets TEXT NOT NULL,"
     "  ports TEXT,"
     "  sni TEXT,"
     "  timeout_ms INTEGER NOT NULL,"
     "  concurrency INTEGER NOT NULL,"
     "  next_run_us INTEGER NOT NULL,"
     "  last_run_at TEXT,"
     "  last_result TEXT,"
     "  created_at TEXT NOT NULL);"
     "CREATE INDEX cert_schedules_due ON cert_schedules (next_run_us);",
     "CREATE TABLE certs ("
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  fingerprint TEXT NOT NULL,"
     "  subject TEXT NOT NULL,"
     "  issuer TEXT NOT NULL,"
     "  serial TEXT NOT NULL,"
     "  not_before_us BIGINT NOT NULL,"
     "  not_after_us BIGINT NOT NULL,"
     "  key_type TEXT NOT NULL,"
     "  key_bits BIGINT NOT NULL,"
     "  sig_alg TEXT NOT NULL,"
     "  is_ca BIGINT NOT NULL,"
     "  findings BIGINT NOT NULL,"
     "  info TEXT NOT NULL,"
     "  der BYTEA NOT NULL,"
     "  first_seen_us BIGINT NOT NULL,"
     "  last_seen_us BIGINT NOT NULL,"
     "  PRIMARY KEY (tenant_id, fingerprint));"
     "CREATE INDEX certs_expiry ON certs (tenant_id, not_after_us);"
     "CREATE TABLE cert_sightings ("
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  fingerprint TEXT NOT NULL,"
     "  kind TEXT NOT NULL,"
     "  location TEXT NOT NULL,"
     "  sni TEXT NOT NULL DEFAULT '',"
     "  findings BIGINT NOT NULL DEFAULT 0,"
     "  chain TEXT,"
     "  detail TEXT,"
     "  first_seen_us BIGINT NOT NULL,"
     "  last_seen_us BIGINT NOT NULL,"
     "  PRIMARY KEY (tenant_id, fingerprint, kind, location, sni),"
     "  FOREIGN KEY (tenant_id, fingerprint) REFERENCES certs (tenant_id, fingerprint)"
     "    ON DELETE CASCADE);"
     "CREATE TABLE cert_keys ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  fingerprint TEXT,"
     "  key_type TEXT NOT NULL,"
     "  encrypted BIGINT NOT NULL,"
     "  sealed BYTEA NOT NULL,"
     "  source TEXT NOT NULL,"
     "  created_at TEXT NOT NULL);"
     "CREATE INDEX cert_keys_cert ON cert_keys (tenant_id, fingerprint);"
     "CREATE TABLE cert_policies ("
     "  tenant_id TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,"
     "  thresholds TEXT NOT NULL,"
     "  ca_bundle TEXT,"
     "  updated_at TEXT NOT NULL);"
     "CREATE TABLE cert_alerts ("
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  fingerprint TEXT NOT NULL,"
     "  threshold_days BIGINT NOT NULL,"
     "  event_id TEXT,"
     "  raised_at TEXT NOT NULL,"
     "  PRIMARY KEY (tenant_id, fingerprint, threshold_days));"
     "CREATE TABLE cert_schedules ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  every_us BIGINT NOT NULL,"
     "  targets TEXT NOT NULL,"
     "  ports TEXT,"
     "  sni TEXT,"
     "  timeout_ms BIGINT NOT NULL,"
     "  concurrency BIGINT NOT NULL,"
     "  next_run_us BIGINT NOT NULL,"
     "  last_run_at TEXT,"
     "  last_result TEXT,"
     "  created_at TEXT NOT NULL);"
     "CREATE INDEX cert_schedules_due ON cert_schedules (next_run_us);"},
    {2,
     /* 1: the tenant's CA bundle replaces the system store (how every bundle set before this step
      * worked, hence the default); 0: it adds to the system store (`cert policy --ca-bundle`). */
     "ALTER TABLE cert_policies ADD COLUMN ca_bundle_only INTEGER NOT NULL DEFAULT 1;",
     "ALTER TABLE cert_policies ADD COLUMN ca_bundle_only BIGINT NOT NULL DEFAULT 1;"},
    {3,
     /* Devices a source (an RMM connector) reported for the tenant: scan targets of schedules
      * with @discovered while retired_at is NULL. addresses is a JSON array of IP literals. */
     "CREATE TABLE cert_discovered ("
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  source TEXT NOT NULL,"
     "  remote_id TEXT NOT NULL,"
     "  name TEXT NOT NULL,"
     "  device_class TEXT NOT NULL,"
     "  addresses TEXT NOT NULL,"
     "  first_seen TEXT NOT NULL,"
     "  last_seen TEXT NOT NULL,"
     "  retired_at TEXT,"
     "  PRIMARY KEY (tenant_id, source, remote_id));"
     /* The ports scanned per device class; a class without a row has its default. */
     "CREATE TABLE cert_discovery_ports ("
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  device_class TEXT NOT NULL,"
     "  ports TEXT NOT NULL,"
     "  updated_at TEXT NOT NULL,"
     "  PRIMARY KEY (tenant_id, device_class));",
     "CREATE TABLE cert_discovered ("
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  source TEXT NOT NULL,"
     "  remote_id TEXT NOT NULL,"
     "  name TEXT NOT NULL,"
     "  device_class TEXT NOT NULL,"
     "  addresses TEXT NOT NULL,"
     "  first_seen TEXT NOT NULL,"
     "  last_seen TEXT NOT NULL,"
     "  retired_at TEXT,"
     "  PRIMARY KEY (tenant_id, source, remote_id));"
     "CREATE TABLE cert_discovery_ports ("
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  device_class TEXT NOT NULL,"
     "  ports TEXT NOT NULL,"
     "  updated_at TEXT NOT NULL,"
     "  PRIMARY KEY (tenant_id, device_class));"},
    {4,
     /* Cloud app credentials (client secrets and certificate credentials of Entra applications
      * and service principals, og_certs_app_credentials_sync) are inventory entries beside the
      * X.509 certificates: one certs row each, kind 'app-credential', so the lists, the fleet
      * view, the expiry alerts (cert_alerts by the row's fingerprint column) and the metrics
      * count them through the very queries certificates go through. Their id in the fingerprint
      * column is "app:" and 60 hex digits of the SHA-256 of source, object id and key id: never
      * a certificate's fingerprint (64 hex digits), and it fits every fingerprint buffer. The
      * certs row holds what every entry has (not_before_us/not_after_us = start/end, subject = a
      * readable label, first seen and last changed; der empty, no findings stored); what only a
      * credential has is in cert_app_credentials, removed with its row. A separate table unioned
      * into each query was the alternative: every query over certs (alerts, metrics, lists, the
      * tenants with entries) would need a second branch kept in step by hand. There is no column
      * for a secret value: only its hint (a few first characters, as Graph reports it). */
     "ALTER TABLE certs ADD COLUMN kind TEXT NOT NULL DEFAULT 'x509';"
     "CREATE TABLE cert_app_credentials ("
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  fingerprint TEXT NOT NULL,"
     "  source TEXT NOT NULL,"
     "  object_id TEXT NOT NULL,"
     "  object_type TEXT NOT NULL,"
     "  app_id TEXT NOT NULL,"
     "  app_name TEXT NOT NULL,"
     "  key_id TEXT NOT NULL,"
     "  type TEXT NOT NULL,"
     "  name TEXT NOT NULL,"
     "  hint TEXT NOT NULL,"
     "  thumbprint TEXT NOT NULL,"
     "  PRIMARY KEY (tenant_id, fingerprint),"
     "  UNIQUE (tenant_id, source, object_id, key_id),"
     "  FOREIGN KEY (tenant_id, fingerprint) REFERENCES certs (tenant_id, fingerprint)"
     "    ON DELETE CASCADE);",
     "ALTER TABLE certs ADD COLUMN kind TEXT NOT NULL DEFAULT 'x509';"
     "CREATE TABLE cert_app_credentials ("
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  fingerprint TEXT NOT NULL,"
     "  source TEXT NOT NULL,"
     "  object_id TEXT NOT NULL,"
     "  object_type TEXT NOT NULL,"
     "  app_id TEXT NOT NULL,"
     "  app_name TEXT NOT NULL,"
     "  key_id TEXT NOT NULL,"
     "  type TEXT NOT NULL,"
     "  name TEXT NOT NULL,"
     "  hint TEXT NOT NULL,"
     "  thumbprint TEXT NOT NULL,"
     "  PRIMARY KEY (tenant_id, fingerprint),"
     "  UNIQUE (tenant_id, source, object_id, key_id),"
     "  FOREIGN KEY (tenant_id, fingerprint) REFERENCES certs (tenant_id, fingerprint)"
     "    ON DELETE CASCADE);"},
    {5,
     /* The source's company (RMM organization or site, cloud directory) of each discovered
      * device and app credential, so that what a connector wrote for a company can leave the
      * tenant when the company is mapped elsewhere or unmapped (og_certs_source_company_retire).
      * Rows written before this step carry '' until their source's next sync tags them. */
     "ALTER TABLE cert_discovered ADD COLUMN company_id TEXT NOT NULL DEFAULT '';"
     "ALTER TABLE cert_app_credentials ADD COLUMN company_id TEXT NOT NULL DEFAULT '';"
     "CREATE INDEX cert_discovered_company ON cert_discovered (tenant_id, source, company_id);"
     "CREATE INDEX cert_app_credentials_company ON cert_app_credentials (tenant_id, source,"
     "  company_id);",
     "ALTER TABLE cert_discovered ADD COLUMN company_id TEXT NOT NULL DEFAULT '';"
     "ALTER TABLE cert_app_credentials ADD COLUMN company_id TEXT NOT NULL DEFAULT '';"
     "CREATE INDEX cert_discovered_company ON cert_discovered (tenant_id, source, company_id);"
     "CREATE INDEX cert_app_credentials_company ON cert_app_credentials (tenant_id, source,"
     "  company_id);"},
    {6,
     /* The source's compliance state of a discovered device (Intune's complianceState). */
     "ALTER TABLE cert_discovered ADD COLUMN compliance TEXT NOT NULL DEFAULT '';",
     "ALTER TABLE cert_discovered ADD COLUMN compliance TEXT NOT NULL DEFAULT '';"},
    {7,
     /* A certificate's sightings newest first without a sort per certificate: the lists read
      * them for every row they show (bench_console: a sorter set up per row was 40% of a fleet
      * page). */
     "CREATE INDEX cert_sightings_recent ON cert_sightings (tenant_id, fingerprint,"
     "  last_seen_us DESC, location);"
     /* The fleet sorted by subject or issuer: a page read in order, not every row sorted. */
     "CREATE INDEX certs_subject ON certs (tenant_id, subject, fingerprint);"
     "CREATE INDEX certs_issuer ON certs (tenant_id, issuer, fingerprint);",
     "CREATE INDEX cert_sightings_recent ON cert_sightings (tenant_id, fingerprint,"
     "  last_seen_us DESC, location);"
     "CREATE INDEX certs_subject ON certs (tenant_id, subject, fingerprint);"
     "CREATE INDEX certs_issuer ON certs (tenant_id, issuer, fingerprint);"},
    {8,
     /* Certificate requests outside ACME (request.c): the key sealed under the request's id,
      * its CSR, the SHA-256 of its SubjectPublicKeyInfo (how the issued certificate is matched
      * on import), the deploy targets (JSON), the gate's task, reminders from remind_at_us. */
     "CREATE TABLE cert_requests ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  name TEXT NOT NULL,"
     "  subject TEXT NOT NULL,"
     "  sans TEXT NOT NULL,"
     "  key_type TEXT NOT NULL,"
     "  sealed_key BLOB NOT NULL,"
     "  spki_sha256 TEXT NOT NULL,"
     "  csr_pem TEXT NOT NULL,"
     "  targets TEXT NOT NULL,"
     "  state TEXT NOT NULL,"
     "  gate_id TEXT,"
     "  fingerprint TEXT,"
     "  remind_at_us INTEGER NOT NULL,"
     "  reminders INTEGER NOT NULL,"
     "  note TEXT,"
     "  created_by TEXT NOT NULL,"
     "  created_at TEXT NOT NULL,"
     "  updated_at TEXT NOT NULL);"
     "CREATE INDEX cert_requests_tenant ON cert_requests (tenant_id, state, name);"
     "CREATE INDEX cert_requests_spki ON cert_requests (tenant_id, spki_sha256);"
     "CREATE INDEX cert_requests_remind ON cert_requests (state, remind_at_us);",
     "CREATE TABLE cert_requests ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  name TEXT NOT NULL,"
     "  subject TEXT NOT NULL,"
     "  sans TEXT NOT NULL,"
     "  key_type TEXT NOT NULL,"
     "  sealed_key BYTEA NOT NULL,"
     "  spki_sha256 TEXT NOT NULL,"
     "  csr_pem TEXT NOT NULL,"
     "  targets TEXT NOT NULL,"
     "  state TEXT NOT NULL,"
     "  gate_id TEXT,"
     "  fingerprint TEXT,"
     "  remind_at_us BIGINT NOT NULL,"
     "  reminders BIGINT NOT NULL,"
     "  note TEXT,"
     "  created_by TEXT NOT NULL,"
     "  created_at TEXT NOT NULL,"
     "  updated_at TEXT NOT NULL);"
     "CREATE INDEX cert_requests_tenant ON cert_requests (tenant_id, state, name);"
     "CREATE INDEX cert_requests_spki ON cert_requests (tenant_id, spki_sha256);"
     "CREATE INDEX cert_requests_remind ON cert_requests (state, remind_at_us);"},
    {9,
     /* The STARTTLS mode of a scheduled scan ("auto" or a protocol, as `cert scan --starttls`
      * takes it); NULL is direct TLS, what every schedule before this step did. */
     "ALTER TABLE cert_schedules ADD COLUMN starttls TEXT;",
     "ALTER TABLE cert_schedules ADD COLUMN starttls TEXT;"},
    {10,
     /* Alerts by what is wrong (alerts.c): one row per (certificate, rule) with its state
      * (open, acknowledged, snoozed until snooze_until_us, resolved), its severity (1 warning,
      * 2 critical, 3 expired: a snoozed or acknowledged alert is raised again when it grows),
      * what is wrong (message), what to do (action), the rule's details (JSON), the gate task
      * of a stalled renewal. Calendar tokens (calendar.c): read-only secrets of the ICS feed,
      * kept as SHA-256; tenant_id NULL is the fleet's feed (created by a platform actor).
      * lifetime_share: 1 when the tenant's thresholds are scaled to the lifetime of
      * certificates living under 90 days (expiry.c), 0 (as before this step) when not. */
     "CREATE TABLE cert_alert_state ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  fingerprint TEXT NOT NULL,"
     "  rule TEXT NOT NULL,"
     "  severity INTEGER NOT NULL,"
     "  state TEXT NOT NULL,"
     "  plan_id TEXT,"
     "  message TEXT NOT NULL,"
     "  action TEXT NOT NULL,"
     "  details TEXT NOT NULL,"
     "  event_id TEXT,"
     "  gate_id TEXT,"
     "  raised_at TEXT NOT NULL,"
     "  raises INTEGER NOT NULL,"
     "  ack_by TEXT,"
     "  ack_at TEXT,"
     "  snooze_until_us INTEGER,"
     "  note TEXT,"
     "  resolved_at TEXT,"
     "  updated_at TEXT NOT NULL,"
     "  UNIQUE (tenant_id, fingerprint, rule));"
     "CREATE INDEX cert_alert_state_open ON cert_alert_state (tenant_id, state);"
     "CREATE TABLE cert_calendar_tokens ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,"
     "  secret_sha256 TEXT NOT NULL,"
     "  label TEXT NOT NULL,"
     "  created_by TEXT NOT NULL,"
     "  created_at TEXT NOT NULL,"
     "  revoked_at TEXT,"
     "  last_used_at TEXT);"
     "CREATE INDEX cert_calendar_tokens_tenant ON cert_calendar_tokens (tenant_id);"
     "ALTER TABLE cert_policies ADD COLUMN lifetime_share INTEGER NOT NULL DEFAULT 0;",
     "CREATE TABLE cert_alert_state ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,"
     "  fingerprint TEXT NOT NULL,"
     "  rule TEXT NOT NULL,"
     "  severity BIGINT NOT NULL,"
     "  state TEXT NOT NULL,"
     "  plan_id TEXT,"
     "  message TEXT NOT NULL,"
     "  action TEXT NOT NULL,"
     "  details TEXT NOT NULL,"
     "  event_id TEXT,"
     "  gate_id TEXT,"
     "  raised_at TEXT NOT NULL,"
     "  raises BIGINT NOT NULL,"
     "  ack_by TEXT,"
     "  ack_at TEXT,"
     "  snooze_until_us BIGINT,"
     "  note TEXT,"
     "  resolved_at TEXT,"
     "  updated_at TEXT NOT NULL,"
     "  UNIQUE (tenant_id, fingerprint, rule));"
     "CREATE INDEX cert_alert_state_open ON cert_alert_state (tenant_id, state);"
     "CREATE TABLE cert_calendar_tokens ("
     "  id TEXT PRIMARY KEY,"
     "  tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,"
     "  secret_sha256 TEXT NOT NULL,"
     "  label TEXT NOT NULL,"
     "  created_by TEXT NOT NULL,"
     "  created_at TEXT NOT NULL,"
     "  revoked_at TEXT,"
     "  last_used_at TEXT);"
     "CREATE INDEX cert_calendar_tokens_tenant ON cert_calendar_tokens (tenant_id);"
     "ALTER TABLE cert_policies ADD COLUMN lifetime_share BIGINT NOT NULL DEFAULT 0;"},
};

const og_schema og_certs_schema = {"certs", steps, sizeof(steps) / sizeof(steps[0])};
