/* sync_internal.h - what the pull's files share: project data from a pulled project (defaults,
 * the adaptor's data, the tenant's mapping overrides), the scope diff that decides
 * psa.project.scope_changed, and the sync engine that runs over an og_conn. */
#ifndef OPSGATE_CONNECTOR_SYNC_INTERNAL_H
#define OPSGATE_CONNECTOR_SYNC_INTERNAL_H

#include <jansson.h>

#include "connector_internal.h"

/* Largest project data kept (compact JSON), as docgen's limit (docs/project-data.md). */
#define OG_CONN_DATA_MAX ((size_t)256 * 1024)

/* ---- mapping.c ---- */

/* Deep merge: every member of over is merged into base (objects recursively); any other value
 * of over replaces base's, except null, which leaves base's value (a vendor field without a
 * value does not erase a tenant default). base is changed; over borrowed. */
int og_conn__merge(json_t *base, const json_t *over);

/* Check options.mapping (NULL or absent is fine): an object of at most 200 rules, each a target
 * path into project data and a source (docs/connectors-sync.md). OG_EINVAL naming the rule. */
int og_conn__mapping_check(const json_t *mapping);

/* Apply the mapping rules to data (changed): sources are read from raw (the vendor's records,
 * "raw:" or no prefix) or from data itself as it was before any rule ran ("data:"). */
int og_conn__mapping_apply(json_t *data, const json_t *raw, const json_t *mapping);

/* One path's value in root (no "[]" fan-out; "[N]" and "[key=value]" allowed): a borrowed
 * reference, or NULL when absent. OG_EINVAL for a malformed path. */
int og_conn__path_get(const json_t *root, const char *path, const json_t **out);

/* The opsgate project key of a remote project: options.project_key_prefix (default the kind's
 * short name and '-', "cw-") + the remote id, lower-cased, characters outside [a-z0-9._-]
 * made '-', at most 63 bytes. OG_EINVAL when the result is not a valid name. */
int og_conn__project_key(const og_conn *c, const char *remote_id, char out[64]);

/* The project data stored for a pulled project: options.defaults, under the adaptor's data,
 * then options.mapping; project.key set to key; psa.closed set from the vendor's status;
 * psa.updated_at left out (it is provenance, in
 * the version's metadata: a vendor stamp alone is no change); JSON reals made decimal strings.
 * *out (caller decrefs) and sha256 of its canonical form. OG_ETOOBIG past OG_CONN_DATA_MAX. */
int og_conn__project_data(const og_conn *c, const og_conn_project *p, const char *key, json_t **out,
                          char sha256[65]);

/* ---- diff.c ---- */

/* What a change order is about: the task plan (phase and task ids, hours, rates, phase dates)
 * and the PSA's budget and dates. New reference. */
json_t *og_conn__scope(const json_t *data);
/* NULL when before and after have the same scope (decimals compared by value), else a new
 * object {tasks_added: [...], tasks_removed: [...], tasks_changed: [{id, name, hours: [b, a],
 * rate: [b, a]}], dates: {...: [b, a]}, budget: {...: [b, a]}} with only the non-empty parts. */
json_t *og_conn__scope_diff(const json_t *before, const json_t *after);
/* A one-paragraph description of a diff for a change order (caller frees). */
char *og_conn__diff_text(const json_t *diff);

/* ---- sync.c, sync_log.c ---- */

/* The latest (version 0) or a given version of an artifact as JSON (at most 1 MiB), as ctx
 * may read it; OG_ENOTFOUND when absent. Caller decrefs *out. */
int og_conn__read_json(og_ctx *ctx, const char *tenant, const char *project, const char *name,
                       int64_t version, json_t **out);

/* One sync as it runs. */
typedef struct og_conn_sync {
    og_ctx *caller; /* who triggered it (rights were checked on them) */
    og_ctx sys;     /* the writer: "system:connector:<name>", same store and keys */
    og_conn *c;
    const og_connector_sync_opts *opts;
    char id[OG_ID_LEN];
    char trigger[16];
    char triggered_by[160];
    char synced_at[OG_TIME_LEN];
    int64_t started_mono_us;
    json_t *companies; /* company id -> {name, tenant (id or null)} */
    json_t *unmapped;  /* company id -> {company_id, company_name} */
    int64_t records, changes, unmapped_n, errors;
    int64_t max_seen_us;   /* latest vendor stamp seen */
    const char *not_found; /* a one-project pull whose project the PSA no longer has */
    int first_error;
    char first_msg[1024];
} og_conn_sync;

/* Record the sync as running (its own transaction). */
int og_conn__sync_begin(og_conn_sync *r);
/* Record the outcome (error: the sync's, 0 when it went well), move the cursor on success,
 * switch the connector's state (emitting connector.failing / connector.recovered once), audit
 * it as connector.sync in the caller's name; *out (may be NULL) gets the outcome. */
int og_conn__sync_finish(og_conn_sync *r, int error, json_t **out);
/* A failure of one project or of the pull: counted, the first one kept for the record. */
void og_conn__sync_fail(og_conn_sync *r, int code);
/* The tenant a record's company is mapped to (*tenant NULL: unmapped, listed in the outcome). A
 * company the vendor's list did not have is recorded as seen now: with its name (an update of
 * the stored one) when name is not NULL, else kept as stored. Negative when the database failed. */
int og_conn__company_tenant(og_conn_sync *r, const char *cid, const char *name,
                            const char **tenant);
/* Count one pulled record and its vendor stamp (max_seen_us); a record without a remote id fails
 * the sync's outcome (the pull goes on) and returns 1, else 0. what: "project", "device". */
int og_conn__record_seen(og_conn_sync *r, const char *what, const char *remote_id,
                         const char *updated_at);

/* The engine of og_connector_sync over a loaded connector (unit tests build c with og_conn_open
 * and a test vendor, and set c->id, c->name, c->tenant_id): ctx is the caller's (who triggered
 * it); the writes are made as "system:connector:<name>". */
int og_conn__sync_run(og_ctx *ctx, og_conn *c, const og_connector_sync_opts *opts, json_t **out);

/* The cursor after a successful sync: the latest vendor stamp seen (max_seen_us, 0 = none)
 * minus overlap_us, never before the previous cursor (prev, "" or NULL = none). out holds
 * OG_TIME_LEN bytes, "" when there is no cursor. */
void og_conn__cursor_next(const char *prev, int64_t max_seen_us, int64_t overlap_us,
                          char out[OG_TIME_LEN]);

/* The state after a sync: *emit gets "connector.failing" (ok -> failing),
 * "connector.recovered" (failing -> ok) or NULL; returns the new state. */
const char *og_conn__state_next(const char *prev, int ok, const char **emit);

/* ---- devices.c ---- */
/* The pull of an RMM connector (category "rmm"), in place of the project pull: devices since
 * the cursor (NULL: a full, complete pull) into the discovered targets of their companies'
 * tenants, with rmm.device.added/removed events. A failed pull writes nothing. */
int og_conn__sync_devices(og_conn_sync *r, const char *since);

/* ---- cloud.c ---- */
/* The pull of a cloud connector (category "cloud"), in place of the project pull: every app
 * credential of the directories the company map assigns to tenants into their inventory
 * (og_certs_app_credentials_sync, always a complete list), then the devices the vendor lists
 * (og_conn__sync_devices, a full pull). Failures are recorded in r; a failed pull of either
 * writes nothing of it. */
void og_conn__sync_cloud(og_conn_sync *r);

/* ---- automation.c ---- */
int og_connector__automation_register(void);

#endif
