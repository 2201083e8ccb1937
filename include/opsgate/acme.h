/* acme.h - certificates from ACME CAs (RFC 8555): CA accounts per tenant, issuance with http-01
 * and dns-01 challenges, renewal timed by ARI (RFC 9773), revocation and account key rollover. */
#ifndef OPSGATE_ACME_H
#define OPSGATE_ACME_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "opsgate/context.h"
#include "opsgate/util.h"

#define OG_ACME_MAX_NAMES 100

/*
 * Details of face-neutral acme errors (og_error_detail(), include/opsgate/error.h). The library
 * names the setting, the value and the rule; a face adds how its callers give that setting.
 * OG_ACME_DETAIL_SETTING's arg is the setting's name as the CLI spells its option without the
 * dashes ("dns-config", "name"): the CLI adds "(option --dns-config)".
 */
#define OG_ACME_DETAIL_SETTING        "acme_setting"
#define OG_ACME_DETAIL_NO_ACCOUNT     "acme_no_account"
#define OG_ACME_DETAIL_UNKNOWN_TARGET "acme_unknown_target"
#define OG_ACME_DETAIL_UNTRUSTED_CA   "acme_untrusted_ca"

/* ---- accounts ---- */
typedef struct og_acme_account_opts {
    const char *directory;    /* https URL of the CA's directory */
    const char *ca_pem;       /* PEM trust anchors for the CA's TLS (NULL = system store) */
    const char *email;        /* contact, optional */
    const char *eab_kid;      /* External Account Binding key id, with eab_hmac_b64 */
    const char *eab_hmac_b64; /* base64url (or base64) MAC key from the CA */
    const char *key_type;     /* account key: "ec256" (default), "ec384", "rsa2048".."rsa4096" */
    const char *key_pem;      /* an existing account key (PEM): its account is found at the CA
                               * (onlyReturnExisting) and adopted, or registered when it has
                               * none; NULL = a new key of key_type */
} og_acme_account_opts;

/*
 * Register an account with the CA and record it for the tenant, its key sealed with the tenant's
 * key; audited ("acme.account.create"). The CA's problem documents become errors naming their
 * type and detail (a CA that needs EAB says so). OG_EINVAL names a bad option. OG_PERM_WRITE.
 */
int og_acme_account_create(og_ctx *ctx, const char *tenant, const og_acme_account_opts *o,
                           char id_out[OG_ID_LEN]);
/* Accounts as a JSON array; one as an object (caller decrefs). Keys are never shown. */
int og_acme_account_list(og_ctx *ctx, const char *tenant, json_t **out);
int og_acme_account_show(og_ctx *ctx, const char *tenant, const char *id, json_t **out);
/* Replace the account key at the CA (keyChange) and in the store; audited. */
int og_acme_account_rollover(og_ctx *ctx, const char *tenant, const char *id);

/* ---- issuance ---- */
typedef struct og_acme_issue_opts {
    const char *account;      /* account id; NULL = the tenant's only account */
    const char *const *names; /* DNS names (or IP literals) */
    size_t nnames;
    const char *challenge;      /* "http-01" (default), "dns-01" or "tls-alpn-01" */
    const char *http_listen;    /* http-01: serve the answers here ("host:port") ... */
    const char *webroot;        /* ... or write them under this folder */
    const char *tls_listen;     /* tls-alpn-01: answer TLS with "acme-tls/1" here ("host:port") */
    const char *dns_provider;   /* dns-01: "challtestsrv" */
    const char *dns_config;     /* provider settings (challtestsrv: its management URL) */
    const char *key_type;       /* certificate key; default "ec256" */
    int timeout_s;              /* validation and finalization; 0 = 120 */
    const char *const *targets; /* deploy targets (names) renewals go to; may be NULL */
    size_t ntargets;
} og_acme_issue_opts;

/*
 * Order, validate, finalize and download a certificate, then record it (with its sealed key) as
 * the current certificate of a new renewal plan, and import it into the inventory, in one
 * transaction: a failure at any step records nothing. *out (may be NULL) receives the plan:
 * {id, names, serial, not_after, fingerprint, renew_at, alternates}. Audited ("acme.cert.issue").
 */
int og_acme_cert_issue(og_ctx *ctx, const char *tenant, const og_acme_issue_opts *o, json_t **out);
/*
 * Renew the plan id now with its stored settings (a fresh key each time), sending `replaces`
 * when the CA offers ARI. The previous certificate stays current until the new one is recorded.
 */
int og_acme_cert_renew(og_ctx *ctx, const char *tenant, const char *id, json_t **out);
/* Revoke the plan's current certificate; reason is an RFC 5280 name ("keyCompromise",
 * "superseded", ...) or NULL. */
int og_acme_cert_revoke(og_ctx *ctx, const char *tenant, const char *id, const char *reason);
/*
 * Replace the deploy targets plan id's renewals go to (id: the one ID, as for show) (names of the
 * tenant's targets, borrowed; n = 0 clears them, and renewals then follow the previous
 * certificate). OG_ENOTFOUND names an unknown target; audited ("acme.plan.targets"). OG_PERM_WRITE.
 */
int og_acme_plan_targets_set(og_ctx *ctx, const char *tenant, const char *id,
                             const char *const *targets, size_t n);
/* Plans of the tenant as a JSON array; one plan with its certificates. Each has "targets".
 * show takes the one ID of a certificate: a plan id, the id of one of its certificates, or the
 * inventory fingerprint (or unique prefix) of a certificate a plan issued (current or not). */
int og_acme_cert_list(og_ctx *ctx, const char *tenant, json_t **out);
int og_acme_cert_show(og_ctx *ctx, const char *tenant, const char *id, json_t **out);
/* The inventory fingerprint the one ID of a certificate names, into fp: a renewal plan's id names
 * its current certificate; a fingerprint or a unique prefix (og_certs_id_is_fingerprint) is the
 * inventory's. OG_ENOTFOUND for neither (or a plan without a current certificate), OG_EINVAL for
 * an ambiguous prefix or an id of no known form. OG_PERM_READ. */
int og_acme_cert_fingerprint(og_ctx *ctx, const char *tenant, const char *id, char fp[65]);

/* RFC 5280 CRLReason code of a name, or OG_EINVAL listing the names. */
int og_acme_reason_parse(const char *s, int *code);

/* ---- renewal timing ---- */
/*
 * ARI (RFC 9773 §4.2): a time uniformly at random in [start, end) of the suggested window
 * (rnd is a uniform 64-bit random number); a window whose end has passed means "now"; an empty or
 * inverted window is OG_EINVAL.
 */
int og_acme_ari_pick(int64_t start_us, int64_t end_us, int64_t now_us, uint64_t rnd,
                     int64_t *out_us);
/* No ARI: two thirds into the lifetime, minus up to 1/30 of the lifetime of jitter (rnd). */
int64_t og_acme_renew_fallback(int64_t not_before_us, int64_t not_after_us, uint64_t rnd);
/* The ARI CertID of a DER certificate: base64url(AKI keyIdentifier) "." base64url(serial DER
 * content). OG_EINVAL when the certificate has no AKI. out holds 256 bytes. */
int og_acme_ari_cert_id(const uint8_t *der, size_t len, char out[256]);
/* Parse a renewalInfo body into the window; OG_EINVAL naming what is missing or wrong. */
int og_acme_ari_parse(const char *body, size_t len, int64_t *start_us, int64_t *end_us);

/*
 * For the server (every minute or so) and `cert renew --due`: for each plan of the tenant (NULL:
 * every tenant; platform actors only) whose renewalInfo re-check time has come, ask the CA again
 * and move the renewal time into the new window; then renew every plan whose renewal time has
 * come, one after another (so at most one order per CA account at a time), through the gate
 * (og_acme_cert_renew). A failed renewal keeps the current certificate, raises the event
 * "certs.renew.failed" and backs off (1 h doubling to 1 day). *ran and *failed (may be NULL)
 * receive the renewals attempted and failed.
 */
int og_acme_renew_due(og_ctx *ctx, const char *tenant, int *ran, int *failed);

/* Register action kind "certs.renew" (default L1) with the gate. Idempotent. */
int og_acme_register_kinds(void);

/*
 * Register the event handler "renew-on-expiry": an expiry alert of the inventory
 * ("certs.expiring", "certs.expired") about a certificate that is the current one of a renewal
 * plan renews that plan now through og_acme_cert_renew (the certs.renew gate), audited as
 * "certs.renew.trigger" with the decision and why. A renewed certificate whose whole lifetime is
 * inside the alert threshold is left to the plan's schedule (else each renewal would be alerted
 * and renewed again at once). It also tells the inventory which plan renews a certificate
 * (og_certs_renewal_register), so expiry alerts carry "renewal_plan". Idempotent; call before
 * og_events_start().
 */
int og_acme_renew_trigger_register(void);
/* A plan whose renewal failed this many times in a row raises the alert "renewal-failing"
 * (og_acme_renew_trigger_register also registers the plans' alert rules with the inventory:
 * renewal-overdue when two thirds of the current certificate's lifetime passed without a new
 * one, renewal-failing, deploy-failed when the renewed certificate's deploy rolled back,
 * served-mismatch when a scan saw a deploy target's endpoint serve another certificate; a
 * stalled renewal opens an L3 task of kind certs.renew.stalled with the CA's error and what to
 * try). */
#define OG_ACME_ALERT_FAILURES 3

/* Register the audit trail's namers of ACME accounts (contact and CA) and renewal plans (the
 * names they renew) (og_audit_namer_register). */
int og_acme_audit_names_register(void);

/* Re-seal this module's sealed data of a tenant under the tenant's current data-key version: one
 * batch (og_crypto_reseal_batch, crypto.h; counting, or up to b->limit items from b->part and
 * b->cursor), in the caller's transaction. The composition layer runs it for `tenant key rotate
 * --data-key`; items already under the current version are left as they are. */
struct og_crypto_reseal_batch;
int og_acme_reseal(og_ctx *ctx, const char *tenant_id, struct og_crypto_reseal_batch *b);

#endif
