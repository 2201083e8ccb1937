/* connector.h - connectors to the MSP's own tools (PSA: ConnectWise PSA, Autotask, HaloPSA):
 * a catalogue of kinds built into the binary, connectors configured per tenant or for the
 * platform (one platform connector serves many tenants through its company map), incremental
 * pulls that turn PSA projects into opsgate projects and project data, events that drive the
 * documents, and pushes back (documents attached to their PSA project, tickets for alerts).
 *
 * Conventions of this module.
 * - A connector is named within its scope: a tenant's connectors (tenant = its name or id) or
 *   the platform's (tenant = NULL or OG_CONNECTOR_PLATFORM). `name` arguments take the name in
 *   that scope or the connector's id.
 * - Credentials are sealed with og_crypto_seal() under the scope's key (the tenant's, or the
 *   platform's for a platform connector), bound to the connector id; they are never shown,
 *   logged, audited or put in an error message. Secrets reach the library as a JSON object read
 *   by the face from a file or stdin, never from argv.
 * - Rights: adding, changing, mapping and removing a tenant's connector needs tenant-admin (or
 *   platform); a platform connector and company-to-tenant maps of a platform connector need
 *   platform-admin. list/show need OG_PERM_READ; test and sync need OG_PERM_WRITE. Another
 *   tenant's connector is OG_ENOTFOUND, exactly like a missing one.
 * - Every change is audited in its transaction (area "connector"); a sync writes each changed
 *   project in its own transaction, with its events and audit record.
 * - Base URLs obey the egress policy (egress.h): loopback, private and link-local targets only
 *   when a platform-admin allowed their range; checked at add time for numeric hosts and at
 *   every connection on the resolved address.
 */
#ifndef OPSGATE_CONNECTOR_H
#define OPSGATE_CONNECTOR_H

#include <jansson.h>
#include <stdint.h>

#include "opsgate/context.h"
#include "opsgate/util.h"

#define OG_CONNECTOR_PLATFORM "@platform"

/* The catalogue: [{kind, title, category ("psa"), default_base_url (null when the URL is the
 * customer's own), fields: [{name, secret, required, help}], pulls: [...], pushes: [...]}].
 * Needs nothing (the catalogue is public). Caller decrefs *out. */
int og_connector_kinds(json_t **out);

typedef struct og_connector_spec {
    const char *tenant;   /* tenant name or id; NULL or OG_CONNECTOR_PLATFORM: the platform */
    const char *name;     /* [a-z0-9][a-z0-9-]{0,62}, unique in its scope */
    const char *kind;     /* "connectwise", "autotask", "halopsa" */
    const char *base_url; /* NULL: the kind's default (OG_EINVAL when it has none) */
    /* The kind's credential fields (og_connector_kinds: secret ones sealed, others kept in
     * clear in options), e.g. {"company_id":..,"public_key":..,"private_key":..,"client_id":..}.
     * Borrowed. Unknown or missing required fields are OG_EINVAL naming the field (never the
     * value). */
    const json_t *credentials;
    /* Non-secret options, borrowed, may be NULL: {"ca_pem": "...", "request_budget": 10000,
     * "page_size": N, "mapping": {...field overrides...}, "defaults": {...project data...},
     * "project_key_prefix": "cw-"}. */
    const json_t *options;
} og_connector_spec;

/* Add a connector. OG_EEXISTS for a name taken in its scope. *out (may be NULL) receives it as
 * shown. Audited as connector.add (kind, base URL host, field names; no secret). */
int og_connector_add(og_ctx *ctx, const og_connector_spec *spec, json_t **out);
/* Replace base URL, credentials (when given: all of them) or options of a connector. */
int og_connector_update(og_ctx *ctx, const og_connector_spec *spec, json_t **out);
/* Connectors of a tenant (with the platform connectors that serve it, marked scope "platform"),
 * or of the platform (tenant NULL; platform-admin). [{id, name, kind, scope, tenant, base_url,
 * fields (names only), options, state ("ok"|"failing"), last_sync {...}, created_at, created_by}].
 */
int og_connector_list(og_ctx *ctx, const char *tenant, json_t **out);
/* One connector as listed, plus its companies and the last syncs. Never credentials. */
int og_connector_show(og_ctx *ctx, const char *tenant, const char *name, json_t **out);
/* Remove a connector, its maps, records and sync history (pulled projects and their data stay:
 * they are the tenant's artifacts). Audited as connector.remove. */
int og_connector_remove(og_ctx *ctx, const char *tenant, const char *name);

/* An authenticated call to the vendor, nothing stored: {ok, kind, base_url, account?, error?}.
 * Returns 0 when the vendor accepted the credentials, else the failure (a wrong credential
 * names the connector and quotes the vendor's message). */
int og_connector_test(og_ctx *ctx, const char *tenant, const char *name, json_t **out);

/* ---- companies: which PSA company belongs to which tenant ---- */
/* Map a company of the PSA (its remote id) to a tenant. A tenant's own connector maps only to
 * its tenant; a platform connector to any (platform-admin). Unmapped companies seen by a sync
 * are listed, never guessed. Audited as connector.map. */
int og_connector_map(og_ctx *ctx, const char *tenant, const char *name, const char *company_id,
                     const char *to_tenant);
int og_connector_unmap(og_ctx *ctx, const char *tenant, const char *name, const char *company_id);
/* [{company_id, company_name, tenant (name) | null, first_seen, mapped_at, mapped_by}]. */
int og_connector_companies(og_ctx *ctx, const char *tenant, const char *name, json_t **out);

/* ---- pull ---- */
typedef struct og_connector_sync_opts {
    int full;              /* ignore the cursor: fetch everything (still writes only changes) */
    const char *remote_id; /* only this PSA project (webhook-triggered), NULL: all changed */
    const char *trigger;   /* "manual" (default), "schedule", "webhook" */
} og_connector_sync_opts;

/*
 * Pull what changed since the last successful sync: companies, projects with their phases,
 * tasks/tickets, hours, budget, rates and contacts, mapped to opsgate project data
 * (docs/connectors.md, per vendor and field by field; per-tenant overrides in options.mapping
 * and options.defaults). A project of a mapped company becomes an opsgate project (key
 * options.project_key_prefix + remote id) on first sight; each change stores a new version of
 * its artifact project.json with provenance (connector, remote ids, sync time) and emits
 * psa.project.created, psa.project.scope_changed or psa.project.closed in the same transaction.
 * A second sync with nothing changed writes nothing (no version, no event, no audit record
 * beyond the sync's own). On failure, what was committed stays and the rest keeps its previous
 * snapshot; the cursor moves only on success. The outcome {id, outcome, pages, requests,
 * records, changes, unmapped, errors, duration_ms, error} is recorded, returned in *out and
 * exported as metrics; a connector that starts failing emits connector.failing once (and
 * connector.recovered when it works again), not on every attempt.
 */
int og_connector_sync(og_ctx *ctx, const char *tenant, const char *name,
                      const og_connector_sync_opts *opts, json_t **out);
/* Syncs, newest first (limit 0 = 50). */
int og_connector_sync_log(og_ctx *ctx, const char *tenant, const char *name, int limit,
                          json_t **out);

/* ---- inbound webhooks (POST /api/v1/connectors/{id}/webhook) ----
 * No token: the request is authenticated as the vendor does (ConnectWise callback signature,
 * Halo webhook secret); connector_id is the connector's id (not its name). A record it names
 * is synced (og_connector_sync with remote_id, trigger "webhook") as the system actor.
 * OG_EAUTH when the vendor's authentication fails; OG_ENOTFOUND for an unknown id (same answer
 * as a failed authentication, so ids cannot be probed). headers: "Name: value" lines. */
int og_connector_webhook(og_ctx *ctx, const char *connector_id, const char *const *headers,
                         const void *body, size_t body_len, json_t **out);

/* Prometheus text: syncs by connector and outcome, last sync time, records, requests, state. */
int og_connector_metrics_render(og_store *s, og_buf *out);

/* The scheduled pull (`opsgate serve` runs it every minute with a system actor): every
 * connector whose last sync started longer ago than its options.sync_interval (a duration,
 * default "15m"; "off" never) gets an incremental sync, trigger "schedule". A failing sync is
 * recorded with its connector (and alerts once); the others still run. */
int og_connector_scheduler_job(og_ctx *ctx);

/* ---- the connectors' HTTP path for another module's outside API ----
 * A client of one outside JSON API (a Certificate Transparency monitor, ...) that is no
 * connector of the catalogue but calls out the way connectors do: every resolved address checked
 * against the egress policy (egress.h) at connect time, redirects never followed, network errors
 * and 5xx retried with exponential backoff and jitter, 429 and 503 waited out as Retry-After says
 * (up to options.retry_after_max_s, default 120; longer fails), every attempt counted against
 * options.request_budget (OG_EBUSY once spent), answers capped at 16 MiB, errors naming label,
 * the method and the path (never the query or the key) and quoting the API's "message".
 * Options as a connector's: request_budget, max_attempts, backoff_base_ms, backoff_max_ms,
 * retry_after_max_s, timeout_s, ca_pem. One thread at a time. */
typedef struct og_connector_client og_connector_client;
/* base_url: http(s)://host[:port][/path] (OG_EINVAL otherwise); bearer: sent as
 * "Authorization: Bearer ..." (NULL or "": none), copied and wiped by _free; options borrowed
 * (may be NULL). The egress policy is read from s. */
int og_connector_client_open(og_connector_client **out, og_store *s, const char *label,
                             const char *base_url, const char *bearer, const json_t *options);
/* GET path (below the base URL, query already encoded): 0 with *out the parsed JSON answer
 * (caller decrefs) for a 2xx; errors as above (OG_EAUTH for 401/403, OG_ENOTFOUND for 404,
 * OG_EINVAL for another 4xx, OG_EBUSY for 429/503 after the retries or a spent budget). */
int og_connector_client_get(og_connector_client *c, const char *path, json_t **out);
/* Requests sent so far (every attempt). */
int64_t og_connector_client_requests(const og_connector_client *c);
void og_connector_client_free(og_connector_client *c); /* NULL-safe */

/* Register the module's event handlers (automation policies and pushes) and its notifier
 * ("psa"), idempotent; called by og_app_register_all(). */
int og_connector_register(void);

/* Register the audit trail's namers of connectors. */
int og_connector_audit_names_register(void);

/* Re-seal this module's sealed data of a tenant under the tenant's current data-key version: one
 * batch (og_crypto_reseal_batch, crypto.h; counting, or up to b->limit items from b->part and
 * b->cursor), in the caller's transaction. The composition layer runs it for `tenant key rotate
 * --data-key`; items already under the current version are left as they are. */
struct og_crypto_reseal_batch;
int og_connector_reseal(og_ctx *ctx, const char *tenant_id, struct og_crypto_reseal_batch *b);

#endif
