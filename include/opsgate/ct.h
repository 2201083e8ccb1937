/* ct.h - Certificate Transparency reconciliation: the domains a tenant has opsgate watch in the CT
 * logs, a CT source (a monitor's API: the SSLMate Cert Spotter API first) polled for what was
 * issued for them, and each issuance matched against what opsgate knows (its ACME orders, its
 * inventory of scanned and imported certificates, the issuers and names a human marked expected).
 * An issuance nobody here knows of is a finding "unknown-issuance" and an alert through the gate
 * (action kind ct.unknown_issuance, L1 by default); a known one closes the loop ("our renewal is
 * logged in CT").
 *
 * Rights: watches, the source and findings are certificate configuration: reading needs
 * OG_PERM_READ, changing (add, remove, poll, expect, incident) OG_PERM_WRITE; the source's key of
 * a tenant needs tenant-admin (or platform), the installation's platform-admin. Another tenant's
 * watch or finding is OG_ENOTFOUND like a missing one. Every change is audited in its transaction
 * (area "certs"). */
#ifndef OPSGATE_CT_H
#define OPSGATE_CT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "opsgate/context.h"

#define OG_CT_WATCHES_MAX  100 /* watches per tenant */
#define OG_CT_EXPECTED_MAX 500 /* expected patterns per tenant */
#define OG_CT_KIND_UNKNOWN "ct.unknown_issuance"
#define OG_CT_FINDING      "unknown-issuance"

/* ---- watches ---- */
/* 0 when domain is a DNS name a watch takes (written into out, lower case, no trailing dot,
 * out holding 254 bytes): letters, digits and hyphens in labels of 1 to 63 (not starting or ending
 * with a hyphen), at least two labels, at most 253 bytes, the last label not all digits; no
 * wildcard, no IP address, no underscore. OG_EINVAL naming what is wrong. */
int og_ct_domain_check(const char *domain, char out[254]);
/* Watch domain for the tenant (subdomains: its subdomains too). OG_EEXISTS when watched already,
 * OG_ETOOBIG past OG_CT_WATCHES_MAX. *out (may be NULL): the watch as listed. Audited
 * ct.watch.add. */
int og_ct_watch_add(og_ctx *ctx, const char *tenant, const char *domain, int subdomains,
                    json_t **out);
/* [{id, domain, subdomains, cursor, polled_at, last_error, issuances, unknown, created_at,
 * created_by}] by domain. */
int og_ct_watch_list(og_ctx *ctx, const char *tenant, json_t **out);
/* By id or domain. Its issuances and findings stay. Audited ct.watch.remove. */
int og_ct_watch_remove(og_ctx *ctx, const char *tenant, const char *watch);

/* ---- the source ---- */
typedef struct og_ct_source_spec {
    const char *provider;  /* "certspotter" (NULL: certspotter) */
    const char *base_url;  /* NULL: the provider's (https://api.certspotter.com) */
    const char *key;       /* the API key (secret; sealed, never shown); NULL: none (keyless) */
    const json_t *options; /* request_budget, max_attempts, retry_after_max_s, timeout_s,
                            * ca_pem, max_pages (per watch and poll, default 100),
                            * poll_interval ("1h" style, default "1h") */
} og_ct_source_spec;
/* Set the CT source of tenant (NULL or "": the installation's, used by tenants without their
 * own). The base URL obeys the egress policy (a numeric host is checked now). Audited
 * ct.source.set (provider, base URL host, whether a key is held; never the key). */
int og_ct_source_set(og_ctx *ctx, const char *tenant, const og_ct_source_spec *spec);
/* {scope ("tenant"|"platform"), provider, base_url, key (bool), options, updated_at,
 * updated_by}; OG_ENOTFOUND when none applies. */
int og_ct_source_show(og_ctx *ctx, const char *tenant, json_t **out);

/* ---- issuances as a provider reports them ---- */
typedef struct og_ct_issuance {
    char id[64];                        /* the provider's id (the paging cursor) */
    char cert_sha256[65];               /* lower-case hex, "" when not given */
    char tbs_sha256[65];                /* "" when not given */
    char pubkey_sha256[65];             /* "" when not given */
    char issuer_pubkey_sha256[65];      /* "" when not given */
    char issuer[512];                   /* issuer's DN or friendly name, "" when not given */
    char not_before[32], not_after[32]; /* as given (RFC 3339), "" when not */
    char **names;                       /* the DNS names, lower case */
    size_t nnames;
    int revoked;
} og_ct_issuance;
#define OG_CT_PAGE_MAX  10000 /* issuances in one answer */
#define OG_CT_NAMES_MAX 1000  /* names of one issuance */
/*
 * Parse a Cert Spotter /v1/issuances answer: a JSON array of issuances {id, tbs_sha256,
 * cert_sha256, pubkey_sha256, dns_names, issuer {name, friendly_name, pubkey_sha256}, not_before,
 * not_after, revoked}. Each needs an id (1..63 printable bytes) and its hashes, when given, must
 * be 64 hex digits; dns_names must be DNS names (a leading "*." allowed). OG_EINVAL naming the
 * entry and field; OG_ETOOBIG past the limits. *out (caller frees with og_ct_issuances_free),
 * ids in the order given.
 */
int og_ct_certspotter_parse(const char *body, size_t len, og_ct_issuance **out, size_t *n);
void og_ct_issuances_free(og_ct_issuance *v, size_t n); /* NULL-safe */

/* ---- the matcher ---- */
typedef enum og_ct_verdict {
    OG_CT_UNKNOWN = 0,    /* nobody here knows of it: a finding and an alert */
    OG_CT_OURS_ACME,      /* issued by one of the tenant's ACME renewal plans */
    OG_CT_OURS_INVENTORY, /* the inventory has it (a scan saw it, or it was imported) */
    OG_CT_EXPECTED,       /* an issuer and names a human marked expected for this tenant */
} og_ct_verdict;
const char *og_ct_verdict_name(og_ct_verdict v); /* "unknown", "ours-acme", ... */
/* What opsgate knows of an issuance's certificate (looked up by its SHA-256, or for a
 * precertificate by its TBS hash). */
typedef struct og_ct_known {
    bool acme;      /* a renewal plan issued it */
    bool inventory; /* the inventory holds it */
    char fp[65];    /* the inventory certificate's fingerprint ("" when none) */
} og_ct_known;
/* A pattern marked expected: the issuer (its key's SHA-256 when the source gave it, else its
 * name) and names, each exact ("www.example.com") or "*.example.com" (any name below
 * example.com, at any depth, not example.com itself). */
typedef struct og_ct_pattern {
    const char *issuer_pubkey_sha256; /* "" or NULL: compare issuer names */
    const char *issuer;
    const char *const *names;
    size_t nnames;
} og_ct_pattern;
/* 1 when pattern (exact or "*.suffix") covers name, else 0. Case-insensitive. */
bool og_ct_name_covers(const char *pattern, const char *name);
/* The verdict: ours-acme, else ours-inventory, else expected when a pattern's issuer is the
 * issuance's and every name of the issuance is covered by one of the pattern's names (*which,
 * may be NULL, gets its index), else unknown. An issuance without names is never expected. */
og_ct_verdict og_ct_match(const og_ct_issuance *is, const og_ct_known *known,
                          const og_ct_pattern *patterns, size_t npatterns, size_t *which);

/* ---- polling ---- */
/*
 * Poll the CT source for every watch of the tenant (watch NULL) or one (id or domain): pages of
 * issuances after the watch's cursor until an empty page (at most options.max_pages), each page
 * in one transaction: every issuance not seen before in the tenant recorded with its verdict, an
 * unknown one asked through the gate (ct.unknown_issuance: its L1 execute records the finding and
 * the assignee of "certs" is notified), the cursor moved, one audit record ct.poll with the
 * issuances matched. A failure keeps what was committed and records the error on the watch.
 * *out (may be NULL): {watches: [{id, domain, pages, issuances, new, unknown, known, expected,
 * error}], requests}. OG_ENOTFOUND when no CT source applies.
 */
int og_ct_poll(og_ctx *ctx, const char *tenant, const char *watch, json_t **out);
/* For the server (every minute, a system actor, under a lease): every watch whose last poll is
 * older than its source's poll_interval. A failing watch is recorded; the others still run. */
int og_ct_scheduler_job(og_ctx *ctx);

/* ---- findings ---- */
/* The tenant's issuances, newest first: state NULL/"" every one, "open" (unknown, not decided),
 * "expected", "incident" or "closed" (known); each {id, finding ("unknown-issuance" or null),
 * verdict, state, watch (domain), remote_id, names, issuer, issuer_pubkey_sha256, cert_sha256,
 * tbs_sha256, not_before, not_after, plan, gate_id, note, decided_by, decided_at, seen_at}.
 * limit 0 = 200 (at most 10000). */
int og_ct_findings(og_ctx *ctx, const char *tenant, const char *state, int limit, json_t **out);
/* Mark an open finding expected, and teach the matcher: scope "names" (NULL: the issuer with
 * exactly these names) or "domain" (the issuer with any name of the watch's domain and, when the
 * watch takes subdomains, below it). Its gate review is acknowledged when the actor may.
 * OG_ECONFLICT when it is not open. Audited ct.finding.expect. *out (may be NULL): the finding. */
int og_ct_finding_expect(og_ctx *ctx, const char *tenant, const char *id, const char *scope,
                         const char *note, json_t **out);
/* Open an incident on an open finding: state "incident", its gate review escalated when the
 * actor may. Audited ct.finding.incident. */
int og_ct_finding_incident(og_ctx *ctx, const char *tenant, const char *id, const char *note,
                           json_t **out);
/* The expected patterns: [{id, issuer, issuer_pubkey_sha256, names, from_finding, note,
 * created_at, created_by}]; remove one by id (audited ct.expected.remove). */
int og_ct_expected_list(og_ctx *ctx, const char *tenant, json_t **out);
int og_ct_expected_remove(og_ctx *ctx, const char *tenant, const char *id);
/* What CT says of the tenant's certificate fingerprint (64 hex digits): {logged (bool),
 * issuances: [{id, remote_id, verdict, watch, seen_at}]}, for `cert show`. OG_PERM_READ. */
int og_ct_cert_status(og_ctx *ctx, const char *tenant, const char *fingerprint, json_t **out);

/* Register the action kind ct.unknown_issuance (area certs, default L1) and the audit namers of
 * watches and findings. Idempotent. */
int og_ct_register(void);

/* Re-seal this module's sealed data of a tenant (the CT source key) under the tenant's current
 * data-key version: one batch, in the caller's transaction (see og_acme_reseal). */
struct og_crypto_reseal_batch;
int og_ct_reseal(og_ctx *ctx, const char *tenant_id, struct og_crypto_reseal_batch *b);

#endif
