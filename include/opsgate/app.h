/* app.h - process start-up shared by the CLI and the server: what every opsgate process must
 * register before it acts (action kinds, event handlers). */
#ifndef OPSGATE_APP_H
#define OPSGATE_APP_H

#include "opsgate/tenant.h"

#include <jansson.h>

/* Register every module's action kinds with the gate engine and the event handlers, so that any
 * process can request, approve, override or list any kind (`gate kinds`, `gate policy set`),
 * the modules' tenant deletion blockers (og_tenant_blocker_register: legal holds and
 * retention of the artifacts module) and the audit trail's namers (og_audit_namer_register: the
 * names recorded next to ids). Idempotent and thread-safe. 0 or the first module's
 * error. */
int og_app_register_all(void);

typedef struct og_ctx og_ctx;

/* Delete a tenant the whole way: og_app_register_all (so every deletion blocker is asked),
 * og_tenant_delete (refused while a legal hold or retention keeps anything; key destroyed first,
 * rows removed, audited),
 * then the files it left in the data folder (artifact objects), which the destroyed key already
 * made unreadable. A failure to remove files after the commit is reported but the tenant stays
 * deleted. */
int og_app_tenant_delete(og_ctx *ctx, const char *name_or_id);

/* ---- process areas ----
 * Enable a process area ("certs": certificate management, "artifacts": artifact management)
 * for a tenant, in one transaction with one audit record (tenant.area.enable, its details what
 * was provisioned): the area recorded as enabled (tenant_areas), the default gate policy of each
 * of the area's action kinds where the tenant has none (og_gate_policy_defaults: certificate
 * kinds L1, artifact kinds L0; a level an admin chose is kept and listed as kept), the area's
 * default notification rules on the tenant's first channel (og_notify_rules_defaults; "pending"
 * when the tenant has no channel: none is invented) and the console pages each role sees.
 * Needs tenant-admin of the tenant or a platform actor (OG_EDENIED); another tenant's is
 * OG_ENOTFOUND; an unknown area is OG_EINVAL naming the valid ones (detail
 * OG_APP_DETAIL_UNKNOWN_AREA). Enabling an enabled area changes nothing and writes no record:
 * *out then says "already_enabled": true with what is in place. *out (caller decrefs):
 * {tenant_id, area, state: "enabled", already_enabled, provisioned: {gate_policies: {set: [{kind,
 * level}], kept: [...]}, notifications: {state: "added"|"kept"|"pending", ...}, dashboard:
 * {role: [page, ...]}}}. */
#define OG_APP_DETAIL_UNKNOWN_AREA "unknown_process_area"
int og_app_tenant_area_enable(og_ctx *ctx, const char *tenant, const char *area, json_t **out);
/* Mark the area disabled (audited as tenant.area.disable); its gate policies and notification
 * rules stay as they are, and *out says so: {tenant_id, area, state: "disabled",
 * already_disabled, kept}. Same rights as enabling; disabling a disabled area writes nothing. */
int og_app_tenant_area_disable(og_ctx *ctx, const char *tenant, const char *area, json_t **out);
/* Every process area of the tenant, for the console (anyone of the tenant):
 * {tenant_id, areas: [{area, title, state: "enabled"|"disabled"|"not_enabled", dashboard: [the
 * pages the caller's role sees, empty unless enabled], and for roles that may read the tenant
 * (not client-viewers) changed_at, changed_by, provisioned}]}. Caller decrefs *out. */
int og_app_tenant_areas(og_ctx *ctx, const char *tenant, json_t **out);

/* ---- data-key rotation: re-sealing a tenant's data (src/app/datakey.c) ----
 * og_tenant_key_datakey_rotate (a new data-key version; platform-admin, audited
 * tenant.key.datakey.begin), then with wait != 0 og_app_tenant_datakey_run to the end in the
 * caller's thread (`opsgate tenant key rotate --data-key --wait`); otherwise `serve`'s background
 * job does it. *out: og_tenant_key_datakey_status. */
int og_app_tenant_datakey_rotate(og_ctx *ctx, const char *tenant, int wait, json_t **out);
/* Re-seal a tenant's data sealed under earlier data-key versions, module by module (each module's
 * og_<module>_reseal walks its own tables), at most max_batches batches (< 0: to the end), each
 * batch one transaction with its progress (og_crypto_reseal_*), so a crash resumes where it
 * stopped. A walker that finishes is audited tenant.key.datakey.progress; once all are through
 * and a last full pass finds nothing under an earlier version, those versions are destroyed,
 * audited tenant.key.datakey.done. *finished: nothing is left. No rights are checked: callers
 * are the CLI after og_tenant_key_datakey_rotate and the server's background job. */
int og_app_tenant_datakey_run(og_ctx *ctx, const char *tenant_id, int max_batches, int *finished);
/* The background job: runs every tenant with an unfinished rotation (max_batches each); one
 * tenant's failure (its key revoked or unavailable) is logged and does not stop the others.
 * *pending: tenants not finished yet. */
int og_app_datakey_work(og_ctx *ctx, int max_batches, int *pending);

/* `opsgate migrate`: move the data-folder installation from_dir into the PostgreSQL database of
 * to->data, its master key into the key folder to->keys (made 0700 when missing; one that holds a
 * master key already is refused). Every row (og_store_copy: the database must hold no opsgate
 * rows; its schemas are applied when missing) and every artifact object file (into the database's
 * chunk rows) is copied as it is, nothing decrypted; then the copy's audit chains are verified
 * (og_audit_verify) and *out tells {tables, rows, objects, object_bytes, audit_chains,
 * audit_records, audit_checkpoints}. fn (may be NULL) hears each table copied. The source is only
 * read. A failure part way leaves the database partly filled: drop it and the key folder's
 * master key, and run again. */
typedef void (*og_app_migrate_progress)(const char *table, int64_t rows, void *arg);
int og_app_migrate(const char *from_dir, const og_install_where *to, og_app_migrate_progress fn,
                   void *arg, json_t **out);

#endif
