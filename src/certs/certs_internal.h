/* certs_internal.h - shared between the files of src/certs/: OpenSSL-level helpers, the trust
 * checker, the PEM reader and the inventory writer. Nothing outside src/certs/ includes it. */
#ifndef OPSGATE_CERTS_INTERNAL_H
#define OPSGATE_CERTS_INTERNAL_H

#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "opsgate/certs.h"
#include "opsgate/tenant.h"

#define OG_CERTS_MAX_DER   (64 * 1024)   /* larger "certificates" are refused */
#define OG_CERTS_MAX_CHAIN 10            /* certificates kept from one served chain */
#define OG_CERTS_MAX_FILE  (1024 * 1024) /* files read by scan-files and import */
#define OG_DAY_US          86400000000LL

/* ---- x509.c ---- */
/* Fill *out from a parsed certificate (intrinsic findings included). Clear with
 * og_cert_info_clear(). */
int og_certs__info_from_x509(og_cert_info *out, X509 *x);
unsigned og_certs__intrinsic_findings(const og_cert_info *ci, int md_nid);

/* ---- verify.c ---- */
typedef struct og_certs_trust og_certs_trust;
/* Trust anchors: the system store when bundle_pem is NULL; else the bundle's self-signed CAs as
 * anchors and its other certificates as chain helpers, added to the system store unless
 * bundle_only. OG_EINVAL when the bundle holds no certificate, or (bundle_only) no self-signed
 * one. Free with og_certs__trust_free(). */
int og_certs__trust_new(og_certs_trust **out, const char *bundle_pem, int bundle_only);
/* Add a CA certificate that may complete served chains (not an anchor). Borrowed: up-ref'd. */
int og_certs__trust_add_helper(og_certs_trust *t, X509 *x);
void og_certs__trust_free(og_certs_trust *t);
/* Chain findings (untrusted, incomplete) of a served chain, chain[0] the leaf; detail (128 bytes,
 * may be NULL) receives the verifier's reason. Not thread-safe per trust object. */
unsigned og_certs__chain_findings(og_certs_trust *t, STACK_OF(X509) * chain, char *detail);
/* OG_CERT_F_HOSTNAME_MISMATCH when name (DNS name or IP literal) is not covered by x. */
unsigned og_certs__host_findings(X509 *x, const char *name);

/* ---- pem.c ---- */
typedef struct og_certs_pem_block {
    char label[64]; /* "CERTIFICATE", "PRIVATE KEY", ... */
    uint8_t *der;   /* decoded body; owned, free with og_certs__pem_block_clear */
    size_t len;
    int line;         /* of the BEGIN line, 1-based */
    const char *text; /* the block's text in the input, BEGIN to END line; borrowed */
    size_t text_len;
    int has_headers; /* RFC 1421 headers ("Proc-Type: 4,ENCRYPTED") */
} og_certs_pem_block;
/* The next PEM block of buf from *pos: 1 with *b filled, 0 at the end, OG_EINVAL on a malformed
 * block ("NAME line N: ..."). Text outside blocks is ignored. */
int og_certs__pem_next(const char *buf, size_t len, size_t *pos, int *line, const char *name,
                       og_certs_pem_block *b);
void og_certs__pem_block_clear(og_certs_pem_block *b);

/* ---- schedule.c ---- */
/* A duration as "6h", "30m", "1d12h", "1m30s" (whole seconds; "0s" for none). */
void og_certs__duration_text(int64_t us, char *out, size_t size);

/* ---- discovered.c ---- */
/* Replace each "@discovered" of the JSON array targets (changed) with the tenant's active
 * discovered endpoints ("addr:port", "[v6]:port", "name:port"); other members stay. */
int og_certs__discovered_expand(og_ctx *ctx, const char *tenant_id, json_t *targets);

/* ---- app_credentials.c ---- */
/* The id of an app credential entry: "app:" and the first 60 hex digits of the SHA-256 of
 * source, object id and key id (64 characters, like a fingerprint, never one). */
#define OG_CERTS__APP_PREFIX "app:"
void og_certs__app_id(const char *source, const char *object_id, const char *key_id, char out[65]);
/* "app 'Payroll sync' secret 'ci-2025'" (without names: the app id, the key id's start), cut at
 * size without splitting a UTF-8 character. OG_CERTS__LABEL_MAX holds any label whole. */
#define OG_CERTS__LABEL_MAX 2400
void og_certs__app_label(const char *app_name, const char *app_id, const char *type,
                         const char *name, const char *key_id, char *out, size_t size);
/* In the caller's transaction: the alerts of entry id and their state dropped (its end moved, so
 * its crossings are alerted afresh); og_certs__app_remove also drops its certs row, which takes
 * its cert_app_credentials row with it (ON DELETE CASCADE). 0 or the store's error. */
int og_certs__app_alerts_clear(og_store *s, const char *tenant_id, const char *id);
int og_certs__app_remove(og_store *s, const char *tenant_id, const char *id);

/* ---- inventory.c ---- */
/* Whole days left, rounded up while valid (a fresh 5-day certificate has 5, one with an hour
 * left has 1), and rounded away from zero once expired (-1: expired within the last day). */
int64_t og_certs__days_left(int64_t left_us);
/* Time left as a person reads it, never less than there is: "4d 23h" (hours rounded up) from a
 * day on, "11h 5m" (minutes rounded up) under a day, "expired 3d ago" (rounded down) after. */
void og_certs__left_text(int64_t left_us, char *out, size_t size);

/* A fingerprint or unique prefix of one (colons allowed) to the full fingerprint. OG_ENOTFOUND,
 * or OG_EINVAL for a bad id or an ambiguous prefix naming the matches. */
int og_certs__resolve_id(og_ctx *ctx, const char *tenant_id, const char *id, char fp[65]);

/* Resolve the tenant for an operation needing perm; OG_ENOTFOUND for other tenants' actors. */
int og_certs__tenant(og_ctx *ctx, const char *tenant, og_perm perm, og_tenant *out);
/* The renewal plan (og_certs_renewal_register) whose current certificate is fp into out, ""
 * when none or no module registered; 0 or the lookup's error. */
/* request.c: close the gate task of a request as the module (decision "done" or "failed", note
 * naming who acted); one decided already is left alone. */
int og_certs__request_task_close(og_ctx *ctx, const char *gate_id, const char *decision,
                                 const char *note);
/* request_fulfil.c: in the import's transaction, the bundle's leaf (fp, x) against the pending
 * requests of tenant tid: request (may be NULL: any request with its public key) must match when
 * given. A match gets the request's key linked to the certificate, the request issued, its task
 * closed, certs.renewed raised for its targets; *fulfilled (may be NULL) the request id or "". */
int og_certs__request_fulfil(og_ctx *ctx, const char *tid, const char *request, const char *fp,
                             X509 *x, const char *name, char fulfilled[OG_ID_LEN]);
int og_certs__renewal_plan_of(og_store *s, const char *tenant_id, const char *fp,
                              char out[OG_ID_LEN]);

/* Open a PKCS#12 bundle (files.c): without a password (empty or absent), then with `password`.
 * 1 when it opened, 0 when not. */
int og_certs__p12_open(PKCS12 *p12, const char *password, EVP_PKEY **pk, X509 **cert,
                       STACK_OF(X509) * *ca);

/* Certificates and sightings gathered by a scan, written in one transaction. Unique certificates
 * are kept once (by fingerprint), so memory grows with distinct certificates and endpoints found,
 * not with bytes served. */
typedef struct og_certs_batch og_certs_batch;
og_certs_batch *og_certs__batch_new(void);
void og_certs__batch_free(og_certs_batch *b);
/* Add a certificate (DER copied once per fingerprint); *fp_out (65 bytes, may be NULL) receives
 * its fingerprint. The parsed info, when given, is taken over (cleared in *ci). */
int og_certs__batch_add_cert(og_certs_batch *b, const void *der, size_t len, og_cert_info *ci,
                             char *fp_out);
/* A sighting of fingerprint fp; strings copied. chain_json may be NULL. */
int og_certs__batch_add_sighting(og_certs_batch *b, const char *fp, const char *kind,
                                 const char *location, const char *sni, unsigned findings,
                                 const char *chain_json, const char *detail);
/* The parsed certificate of fingerprint fp in the batch, NULL if absent. Borrowed. */
const og_cert_info *og_certs__batch_get(const og_certs_batch *b, const char *fp);
size_t og_certs__batch_ncerts(const og_certs_batch *b);
/* Write the batch into the tenant's inventory inside the caller's transaction. */
int og_certs__batch_write(og_ctx *ctx, const char *tenant_id, og_certs_batch *b, int64_t now_us,
                          uint64_t *certs_new);
/* Load the tenant's CA certificates as chain helpers of t (at most 10000). */
/* End a scan's transaction (og_store_tx_end with error); once it committed, raise the tenant's
 * expiry alerts in a transaction of their own. Returns error or the first failure. */
int og_certs__scan_end(og_ctx *ctx, const char *tenant_id, int error);
int og_certs__trust_load_inventory(og_ctx *ctx, const char *tenant_id, og_certs_trust *t);
/* Trust from a tenant's policy: the system store, plus or instead of its CA bundle. */
int og_certs__trust_from_policy(og_certs_trust **out, const og_certs_policy *p);
/* The policy of a tenant id (no authorization). */
int og_certs__policy_load(og_store *s, const char *tenant_id, og_certs_policy *out);

/* ---- alerts.c ---- */
/* Note problem p ({fingerprint, rule, severity, message, action, plan, details}) of tenant_id at
 * now in the caller's transaction: a new alert, or its row updated. *raise: 1 when it is to be
 * raised (new, resolved before, worse, a snooze that ended; an open one only when force), then
 * the caller emits its event and records it with og_certs__alert_raised. id: the alert's. */
int og_certs__alert_note(og_ctx *ctx, const char *tenant_id, json_t *p, int64_t now, int force,
                         char id[OG_ID_LEN], int *raise);
int og_certs__alert_raised(og_ctx *ctx, const char *id, const char *event_id, const char *gate_id);
/* The renewing module's rules for tenant_id: raise what is new or worse, resolve what is gone,
 * raise days-left alerts whose snooze ended; one audit record (certs.alert.raise) when anything
 * changed. *n: alerts raised. In the caller's transaction. */
int og_certs__alert_rules_run(og_ctx *ctx, const char *tenant_id, int64_t now, int *n);
/* og_certs_expiry_run's threshold pass for one tenant (id) without the renewing module's rules:
 * an import's alerts, in its transaction. */
int og_certs__expiry_days_left(og_ctx *ctx, const char *tenant_id);

#endif
