/* certs.h - the certificate inventory of each tenant: X.509 parsing and findings, network and
 * file discovery, import, expiry policy and alerts, scheduled scans. */
#ifndef OPSGATE_CERTS_H
#define OPSGATE_CERTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "opsgate/context.h"
#include "opsgate/util.h"

/* ---- findings ----
 * A bit set. Intrinsic findings (self-signed, weak-key, sha1-signature, long-validity) follow from
 * the certificate alone; chain and hostname findings from how an endpoint served it; expired and
 * expiring from the clock and the tenant's policy, so they are computed when asked, never stored.
 */
enum {
    OG_CERT_F_EXPIRED = 1u << 0,
    OG_CERT_F_EXPIRING = 1u << 1,          /* within the policy's largest threshold */
    OG_CERT_F_HOSTNAME_MISMATCH = 1u << 2, /* an endpoint served it for a name it does not cover */
    OG_CERT_F_UNTRUSTED_CHAIN = 1u << 3,   /* no path to the trust anchors */
    OG_CERT_F_INCOMPLETE_CHAIN = 1u << 4,  /* the served chain lacks an intermediate */
    OG_CERT_F_SELF_SIGNED = 1u << 5,       /* a self-signed end-entity certificate */
    OG_CERT_F_WEAK_KEY = 1u << 6,          /* RSA or DSA under 2048 bits, EC under 224 */
    OG_CERT_F_SHA1_SIGNATURE = 1u << 7,    /* signed with SHA-1 (or MD5) */
    OG_CERT_F_LONG_VALIDITY = 1u << 8,     /* beyond the CA/B Forum maximum at its notBefore */
};
#define OG_CERT_NFINDINGS 9

/* "expired", "hostname-mismatch", ...; NULL for a bit that is not one finding. */
const char *og_certs_finding_name(unsigned bit);
/* OG_EINVAL naming s and listing the valid names. */
int og_certs_finding_parse(const char *s, unsigned *bit);
/* A JSON array of the names of the bits set (new reference). */
json_t *og_certs_findings_json(unsigned findings);

/*
 * The CA/Browser Forum's maximum validity in days for a subscriber certificate issued at
 * not_before_us: 1185 (39 months) before 2018-03-01, 825 before 2020-09-01, 398 before
 * 2026-03-15, 200 before 2027-03-15, 100 before 2029-03-15, then 47 (ballot SC-081v3).
 */
int og_certs_max_validity_days(int64_t not_before_us);
/* The next step of those limits after at_us: 1 with *from_us (its first day, 00:00 UTC) and
 * *max_days (the maximum from then on); 0 when no step is left (47 days from 2029-03-15). */
int og_certs_validity_step_next(int64_t at_us, int64_t *from_us, int *max_days);

/* ---- parsing ---- */
typedef struct og_cert_info {
    char fingerprint[65]; /* SHA-256 of the DER, lower-case hex */
    char *subject;        /* RFC 2253 text; owned */
    char *issuer;         /* owned */
    char serial[100];     /* hex */
    int64_t not_before_us;
    int64_t not_after_us;
    char key_type[16]; /* "RSA", "EC", "ED25519", "DSA", ... */
    int key_bits;
    char key_curve[32]; /* EC group ("prime256v1"), "" otherwise */
    char sig_alg[64];   /* "sha256WithRSAEncryption" */
    int is_ca;          /* basicConstraints CA:TRUE */
    int self_signed;    /* issuer == subject and its own key verifies the signature */
    json_t *sans;       /* array of "DNS:x", "IP:x", "email:x", "URI:x"; owned */
    json_t *ocsp;       /* AIA OCSP URLs; owned */
    json_t *ca_issuers; /* AIA caIssuers URLs; owned */
    json_t *crl;        /* CRL distribution point URLs; owned */
    unsigned findings;  /* intrinsic findings */
} og_cert_info;

/* Parse one DER certificate (decoded through og_certs_x509_get). OG_EINVAL when it is not one.
 * Clear *out with og_cert_info_clear(). */
int og_certs_parse_der(og_cert_info *out, const void *der, size_t len);

/*
 * A DER certificate as OpenSSL's X509, decoded once per process while it stays in a small cache
 * (64 certificates, the least recently used one goes), keyed by the SHA-256 of the DER. With
 * OpenSSL 3 a decode costs about 0.1 ms (the public key goes through the provider's decoders),
 * and one operation decodes the same certificate in several modules (an ACME renewal: the
 * issuance's checks, the gate's execute, the import into the inventory; the CA's intermediate of
 * every renewal). Returns a new reference to the shared object, to be used read-only and given
 * back with X509_free(); NULL when der[0..len) is not exactly one certificate (no message).
 * Certificates are public: the cache holds no secret.
 */
struct x509_st;
struct x509_st *og_certs_x509_get(const void *der, size_t len);
void og_cert_info_clear(og_cert_info *ci); /* frees the owned members; NULL-safe */
/* The parsed fields as JSON (new reference). */
json_t *og_cert_info_to_json(const og_cert_info *ci);

/*
 * Check a chain as served (chain[0] is the leaf, DER) against trust anchors: the system store when
 * ca_bundle_pem is NULL, else the CA certificates of that PEM text (self-signed ones are anchors,
 * others help complete chains, as do the extra DER certificates, e.g. intermediates the inventory
 * knows). Sets OG_CERT_F_UNTRUSTED_CHAIN and/or OG_CERT_F_INCOMPLETE_CHAIN in *findings, and
 * OG_CERT_F_HOSTNAME_MISMATCH when name (a DNS name or IP literal; NULL = no check) is not covered.
 * *detail (may be NULL, 128 bytes) receives the verifier's reason when untrusted.
 */
int og_certs_chain_check(const void *const *chain, const size_t *lens, size_t n,
                         const char *ca_bundle_pem, const char *name, unsigned *findings,
                         char *detail);

/* ---- targets ----
 * TARGET is host:port, [v6]:port, a host or address (every port of the list), an IPv4 CIDR (at
 * most /16) or IPv6 CIDR (at most /112), or @FILE with one target a line ('#' comments). */
#define OG_CERTS_MAX_CIDR_V4   16
#define OG_CERTS_MAX_ENDPOINTS (1u << 20)
#define OG_CERTS_DEFAULT_PORTS "443,8443,636,993,995,465"

/* Parse "443,8443,9000-9010" into *ports (caller frees). OG_EINVAL naming the bad item. */
int og_certs_ports_parse(const char *s, uint16_t **ports, size_t *nports);

typedef struct og_certs_targets og_certs_targets;
/* Validate and expand targets lazily (a /16 is not materialised). DNS names are resolved when the
 * scan reaches them. OG_EINVAL naming the bad target (or file and line); OG_ETOOBIG for a CIDR
 * wider than the cap or more than OG_CERTS_MAX_ENDPOINTS endpoints. Free with _free(). */
int og_certs_targets_parse(og_certs_targets **out, const char *const *targets, size_t n,
                           const uint16_t *ports, size_t nports);
uint64_t og_certs_targets_count(const og_certs_targets *t); /* endpoints to scan */
void og_certs_targets_free(og_certs_targets *t);            /* NULL-safe */

/* ---- network scan ---- */
typedef enum og_certs_scan_status {
    OG_SCAN_OK = 0,
    OG_SCAN_REFUSED,
    OG_SCAN_UNREACHABLE, /* no route, or the name does not resolve */
    OG_SCAN_TIMEOUT,
    OG_SCAN_NOT_TLS,         /* something answered, but not TLS */
    OG_SCAN_HANDSHAKE_ERROR, /* TLS, but the handshake failed */
} og_certs_scan_status;
const char *og_certs_scan_status_name(og_certs_scan_status s); /* "ok", "refused", ... */

typedef struct og_certs_scan_result {
    const char *target;  /* "host:port" as scanned */
    const char *address; /* the IP connected to ("" when unresolved) */
    int port;
    const char *sni; /* the SNI sent, "" when none (IP targets without --sni) */
    og_certs_scan_status status;
    const char *error;       /* detail when not ok */
    const char *tls_version; /* "TLSv1.3" when ok */
    const char *fingerprint; /* the leaf's, "" when not ok */
    const char *subject;
    int64_t not_after_us;
    unsigned findings; /* of the leaf as served here, expiry included */
    int chain_len;
    int64_t elapsed_us;
    const char *starttls; /* "smtp", ... when TLS came after STARTTLS; "" for direct TLS */
} og_certs_scan_result;

typedef struct og_certs_scan_progress {
    uint64_t done, total, certs;
    int64_t elapsed_us;
} og_certs_scan_progress;

/* --starttls: "auto" (by port: SMTP 25 and 587, IMAP 143, POP3 110, LDAP 389, FTP 21, XMPP 5222,
 * PostgreSQL 5432; other ports direct TLS), "none" (direct TLS), or one protocol for every
 * endpoint: smtp, imap, pop3, ldap, ftp, xmpp, postgres. *mode: OG_STLS_AUTO or the protocol.
 * OG_EINVAL naming the value. */
#define OG_STLS_AUTO (-1)
/* The STARTTLS ports `--starttls auto` adds to the default port list. */
#define OG_CERTS_STARTTLS_PORTS "25,587,143,110,389,21,5222,5432"
int og_certs_starttls_parse(const char *s, int *mode);

typedef struct og_certs_scan_opts {
    const char *sni; /* send this SNI and match the certificate against it */
    int concurrency; /* connections in flight (default 128, at most 10000) */
    int timeout_ms;  /* per endpoint, connect + handshake (default 5000) */
    /* each result as it completes; the strings are borrowed for the call */
    void (*on_result)(void *arg, const og_certs_scan_result *r);
    /* about 5 times a second while scanning */
    void (*on_progress)(void *arg, const og_certs_scan_progress *p);
    void *arg;
    const char *starttls; /* NULL or "none": direct TLS; "auto" or a protocol (above) */
} og_certs_scan_opts;

typedef struct og_certs_scan_summary {
    char scan_id[OG_ID_LEN];
    uint64_t endpoints;
    uint64_t by_status[OG_SCAN_HANDSHAKE_ERROR + 1];
    uint64_t certs_new;  /* certificates the inventory did not have */
    uint64_t certs_seen; /* distinct certificates served (chains included) */
    int64_t elapsed_us;
} og_certs_scan_summary;

/*
 * Scan targets with one epoll loop of non-blocking sockets and non-blocking TLS handshakes, then
 * record every certificate served (chains included) and its sighting in the tenant's inventory,
 * with one audit record ("certs.scan", counts in its analysis) in the same transaction, then raise
 * due expiry alerts. Endpoint failures are results, not errors; the call fails only when it cannot
 * run (bad tenant, rights, database). Needs OG_PERM_WRITE on the tenant.
 */
int og_certs_scan(og_ctx *ctx, const char *tenant, const og_certs_targets *targets,
                  const og_certs_scan_opts *opts, og_certs_scan_summary *summary);

/* ---- files and import ---- */
typedef struct og_certs_file_result {
    const char *path;
    const char *kind;   /* "pem", "der", "pkcs12" */
    const char *status; /* "ok", "needs-password", "invalid" */
    const char *error;  /* for "invalid" and "needs-password" */
    int certs;          /* certificates found in the file */
} og_certs_file_result;

typedef struct og_certs_files_summary {
    uint64_t files_seen, files_with_certs, needs_password, invalid, skipped;
    uint64_t certs_new, certs_seen;
} og_certs_files_summary;

/*
 * Walk paths (files or folders, recursively, symlinks not followed, at most 64 levels and files of
 * at most 1 MiB) for PEM and DER certificates and PKCS#12 bundles. PKCS#12 bundles are opened
 * with no password, then with `password` (may be NULL; borrowed, never stored or logged); those
 * that open with neither are listed "needs-password". Files that look like certificates (a
 * certificate extension or a PEM certificate header) but do not parse are "invalid" with the
 * reason; other files are skipped. One audit record per call. A path that does not exist fails
 * with OG_ENOTFOUND naming it, before anything is recorded. Needs OG_PERM_WRITE.
 */
int og_certs_scan_files(og_ctx *ctx, const char *tenant, const char *const *paths, size_t n,
                        const char *password,
                        void (*on_file)(void *arg, const og_certs_file_result *r), void *arg,
                        og_certs_files_summary *summary);

typedef struct og_certs_import_summary {
    int certs, certs_new, keys;
    char first_fingerprint[65]; /* the bundle's first certificate */
    char kind[8];               /* "pem", "der", "pkcs12" */
    char request[OG_ID_LEN];    /* the certificate request it fulfilled, "" when none */
} og_certs_import_summary;

/*
 * Import a bundle: PEM (certificates and private keys), one DER certificate, or PKCS#12
 * (certificate, chain and key), told apart by their content as `cert scan-files` does. Keys are
 * sealed with the tenant's data key (og_crypto_seal) and linked to their certificate; they are
 * never printed or returned. `password` (may be NULL; borrowed, never stored or logged) opens a
 * PKCS#12 bundle and passphrase-protected PEM keys; a key it opens is stored unencrypted (PKCS#8)
 * under the seal, so it can be deployed. A PEM key without the password is stored as it is and
 * linked to no certificate.
 *
 * Refused with OG_EINVAL, nothing recorded: a malformed PEM block (naming the file, as `name`, and
 * line), no certificate, a PKCS#12 bundle the password does not open, a wrong password for an
 * encrypted PEM key, and a private key that matches none of the bundle's certificates (the message
 * gives the SHA-256 of the key's public key and of each certificate's public key). Needs
 * OG_PERM_WRITE.
 */
int og_certs_import_bundle(og_ctx *ctx, const char *tenant, const char *name, const void *data,
                           size_t len, const char *password, og_certs_import_summary *summary);
/* og_certs_import_bundle() without a password. */
int og_certs_import(og_ctx *ctx, const char *tenant, const char *name, const char *pem, size_t len,
                    og_certs_import_summary *summary);

/* ---- inventory ----
 * Entries are of a kind: "x509" (a certificate, id = its SHA-256 fingerprint) or
 * "app-credential" (a cloud app's secret or certificate credential, id = "app:" and 60 hex
 * digits; see "cloud app credentials" below). */
#define OG_CERTS_KIND_X509 "x509"
#define OG_CERTS_KIND_APP  "app-credential"
/* 0 when kind is NULL, "" or one of the kinds; OG_EINVAL naming it otherwise. */
int og_certs_kind_check(const char *kind);

typedef struct og_certs_filter {
    int64_t expiring_us; /* > 0: only those expiring within this (expired ones included) */
    unsigned finding;    /* != 0: only those with all of these findings */
    int limit;           /* 0 = 10000 */
    const char *kind;    /* NULL or "": every kind; else only entries of that kind (borrowed) */
    /* Paging: skip the first `offset` matches (0..1,000,000); the order is `sort`: NULL or
     * "expiry" (soonest first), "subject", "issuer", "tenant" (its name, then expiry), ties by
     * fingerprint; `desc` reverses it. An unknown sort is OG_EINVAL. */
    int offset;
    const char *sort;
    int desc;
} og_certs_filter;

/*
 * The tenant's certificates, soonest expiry first: a JSON array (caller decrefs). OG_PERM_READ.
 * Each row: fingerprint, subject, issuer, not_after, seconds_left (exact, negative once expired),
 * days_left (whole days, rounded up while valid so a fresh 5-day certificate has 5; once expired,
 * -N means it expired within the last N days), expires_in ("4d 23h", never less time than is left;
 * "expired 3d ago"), key, ca, findings, locations (up to 10, most recent first), sightings (their
 * number), first_seen, last_seen; and kind "x509" and id (= fingerprint). App credentials are rows
 * of kind "app-credential" with id and fingerprint (both "app:..."), label ("app 'Payroll'
 * secret 'ci-2025'"), app_name, app_id, object_type, object_id, type, name, hint, thumbprint,
 * key_id, source, start (null when unknown), end, not_after (= end), the time left as above,
 * findings (expired/expiring only), first_seen and last_changed. OG_EINVAL for an unknown kind.
 */
int og_certs_list(og_ctx *ctx, const char *tenant, const og_certs_filter *f, json_t **out);
/*
 * The same over every tenant, soonest expiry first, each row with "tenant" (name) and "tenant_id";
 * each tenant's own policy decides its "expiring" finding. The filter's limit applies to the whole
 * list. Platform actors only (platform-admin users, the local operator): others get OG_EDENIED.
 */
int og_certs_list_all(og_ctx *ctx, const og_certs_filter *f, json_t **out);
/* One certificate by fingerprint or a unique prefix (colons allowed) with its sightings,
 * chains and findings; or one app credential by its id "app:..." or a unique prefix of it (its
 * list row with its alerts). OG_ENOTFOUND, or OG_EINVAL for an ambiguous prefix naming the
 * matches. */
int og_certs_show(og_ctx *ctx, const char *tenant, const char *id, json_t **out);
/* The SHA-256 of a DER certificate's TBSCertificate without its embedded SCT list and
 * precertificate poison (RFC 6962 §3.2; Cert Spotter's tbs_sha256): the same for a
 * precertificate and the certificate issued from it. Lower-case hex into out. OG_EINVAL for
 * what is not a certificate. */
int og_certs_tbs_sha256(const void *der, size_t len, char out[65]);
/* The tenant's certificate (its fingerprint into fp) whose TBS hash (og_certs_tbs_sha256) is
 * tbs_sha256, among those valid from not_before_us to not_after_us (a precertificate's
 * validity is its certificate's). 1 found, 0 none, OG_EINVAL for a hash that is not 64 hex
 * digits, OG_ENOTFOUND for another tenant's. OG_PERM_READ. */
int og_certs_find_tbs(og_ctx *ctx, const char *tenant, const char *tbs_sha256,
                      int64_t not_before_us, int64_t not_after_us, char fp[65]);

/* A certificate named by another module's command (cert renew, revoke, deploy): its SHA-256
 * fingerprint or a unique prefix of at least OG_CERTS_ID_MIN_DIGITS hex digits (colons allowed).
 * og_certs_id_is_fingerprint says whether id has that form (so it is no plan id); resolve gives
 * the full fingerprint of the tenant's certificate: OG_EINVAL for another form or an ambiguous
 * prefix (naming the candidates), OG_ENOTFOUND when none matches. OG_PERM_READ. */
#define OG_CERTS_ID_MIN_DIGITS 8
bool og_certs_id_is_fingerprint(const char *id);
int og_certs_fingerprint_resolve(og_ctx *ctx, const char *tenant, const char *id, char fp[65]);

/*
 * The SC-081 report of a tenant as of at_us (0 = now): the certificates (end-entity, still valid
 * then) whose validity exceeds the maximum of the next step (100 days from 2027-03-15, ...), so
 * that their renewals will be shorter and more frequent, soonest expiry first, at most 10,000.
 * Caller decrefs *out: {tenant, at, current: {max_days}, next: {from, max_days} | null (no step
 * left: then certs is empty), certs: [{fingerprint, subject, not_before, not_after,
 * validity_days (inclusive, rounded up), renewal ("acme" when a renewal plan renews it, else
 * "manual"), plan (id or null), hit_on (the first like-for-like renewal, each at expiry, on or
 * after the step), max_days_then (the maximum then), renewals_a_year_now, renewals_a_year_then,
 * findings (intrinsic: long-validity when it already exceeds the maximum of its issue date)}],
 * count, manual (how many renewal "manual")}. OG_PERM_READ.
 */
int og_certs_validity_report(og_ctx *ctx, const char *tenant, int64_t at_us, json_t **out);

/* ---- certificate requests (outside ACME: commercial OV/EV certificates) ----
 * A request makes the private key (sealed with the tenant's data key, never shown), its CSR, and
 * an L3 task at the gate (kind OG_CERTS_REQUEST_KIND, "buy/issue this certificate at the CA",
 * the CSR in its evidence). While it is pending, certs.request.reminder events are raised from
 * its due time on, then daily (og_certs_request_remind_due, run by the scheduler). Importing the
 * issued certificate (og_certs_import_request, or any import whose leaf carries a pending
 * request's public key) links the key to it, closes the task (done) and, when the request names
 * deploy targets, raises certs.renewed for them (the deploy module deploys through the
 * certs.deploy gate). */
#define OG_CERTS_REQUEST_KIND     "certs.request"
#define OG_CERTS_REQUEST_MAX_SANS 100
typedef struct og_certs_request_opts {
    const char *name;        /* 1..64 letters, digits, '.', '-', '_'; one pending per name */
    const char *const *sans; /* DNS names or IP literals, 1..OG_CERTS_REQUEST_MAX_SANS */
    size_t nsans;
    const char *key_type;       /* "ec256" (NULL), "ec384", "rsa2048", "rsa3072", "rsa4096" */
    const char *subject;        /* NULL: CN = the first DNS name; else "/C=DE/O=Acme/CN=x" */
    const char *const *targets; /* deploy target names the issued certificate goes to (<= 16) */
    size_t ntargets;
    int64_t due_us; /* when reminders start, from now: 0 = 7 days; 1 h to 365 days */
} og_certs_request_opts;
/* Create one (audited certs.request.create); *out (may be NULL) the request as show gives it.
 * OG_EINVAL naming a bad option, OG_EEXISTS for a name pending already. OG_PERM_WRITE. */
int og_certs_request_create(og_ctx *ctx, const char *tenant, const og_certs_request_opts *o,
                            json_t **out);
/* The tenant's requests, newest first (state NULL/"" or pending, issued, cancelled): each {id,
 * name, state, subject, names, key_type, targets, csr (PEM), spki_sha256, gate_id, fingerprint
 * (the issued certificate, null before), due, reminders, created_by, created_at, updated_at,
 * note}. OG_PERM_READ. Caller decrefs. */
int og_certs_request_list(og_ctx *ctx, const char *tenant, const char *state, json_t **out);
/* One by id, or the pending one by name. OG_ENOTFOUND. OG_PERM_READ. */
int og_certs_request_show(og_ctx *ctx, const char *tenant, const char *id, json_t **out);
/* Cancel a pending request (its task closed as failed); audited. OG_ECONFLICT when it is not
 * pending. OG_PERM_WRITE. */
int og_certs_request_cancel(og_ctx *ctx, const char *tenant, const char *id, const char *reason);
/* For the scheduler: raise the reminders due (every tenant; platform actors). */
int og_certs_request_remind_due(og_ctx *ctx, int *n);
/* Import the certificate issued for request (id, or the pending one's name): as
 * og_certs_import_bundle, and refused with OG_EINVAL, nothing stored, when the bundle's first
 * certificate does not carry the request's public key, is expired or not yet valid, or the
 * request is not pending (OG_ECONFLICT). */
int og_certs_import_request(og_ctx *ctx, const char *tenant, const char *request, const char *name,
                            const void *data, size_t len, og_certs_import_summary *summary);
/* Register the certs.request action kind (default L3). Idempotent. */
int og_certs_register_kinds(void);

/* ---- policy ---- */
#define OG_CERTS_MAX_THRESHOLDS 8
typedef struct og_certs_policy {
    int thresholds[OG_CERTS_MAX_THRESHOLDS]; /* days, descending */
    int nthresholds;
    char *ca_bundle_pem; /* NULL = system trust store only; owned */
    int bundle_only;     /* with a bundle: 0 = it adds to the system store, 1 = replaces it */
    /* Thresholds scaled to the lifetime of certificates living less than
     * OG_CERTS_THRESHOLD_REF_DAYS (a share of it, not fixed days): OG_CERTS_SHARE_ON or _OFF as
     * loaded (ON for a tenant that never set it; a policy saved before ON became the default
     * keeps what it stored); for og_certs_policy_set also OG_CERTS_SHARE_KEEP (0: unchanged). */
    int lifetime_share;
} og_certs_policy;
#define OG_CERTS_SHARE_KEEP 0
#define OG_CERTS_SHARE_ON   1
#define OG_CERTS_SHARE_OFF  2
/* "30,14,7,1" into a policy's thresholds (sorted, unique, 1..3650). OG_EINVAL naming the value. */
int og_certs_thresholds_parse(const char *s, og_certs_policy *p);
/* The tenant's policy (defaults 30,14,7,1 and the system store). Clear with _clear(). */
int og_certs_policy_get(og_ctx *ctx, const char *tenant, og_certs_policy *out);
/* Set thresholds (when p->nthresholds > 0) and the CA bundle (set_bundle: 1 = p->ca_bundle_pem and
 * p->bundle_only, NULL meaning the system store alone again). A bundle that adds to the system
 * store needs at least one certificate; one that replaces it needs a self-signed CA (an anchor).
 * Audited. OG_PERM_WRITE. */
int og_certs_policy_set(og_ctx *ctx, const char *tenant, const og_certs_policy *p, int set_bundle);
void og_certs_policy_clear(og_certs_policy *p);
json_t *og_certs_policy_to_json(const og_certs_policy *p);

/*
 * Raise expiry alerts for one tenant (NULL: every tenant; platform actors only): for each
 * certificate whose time left has crossed thresholds it was not alerted for, record the crossings
 * and emit one "certs.expiring" event (payload: fingerprint, subject, not_after, days_left,
 * threshold_days = the tightest threshold crossed, crossed = all newly crossed, locations) in the
 * same transaction; an expired certificate raises "certs.expired" once. A crossing is never alerted
 * twice. App credentials are alerted the same way, their payload with kind "app-credential", id
 * and fingerprint (its "app:" id), label, app_name, app_id, object_type, object_id, type, name,
 * hint, key_id, end (= not_after), days_left, threshold_days, crossed. *raised (may be NULL)
 * receives the number of events.
 */
int og_certs_expiry_run(og_ctx *ctx, const char *tenant, int *raised);

/*
 * The module that renews certificates (acme) registers how to find the renewal plan whose current
 * certificate has fingerprint fp, or that replaced it: 1 with plan filled, 0 when none, negative
 * on error. Such a certificate raises no days-left alert, only its expiry. Expiry
 * alerts then carry "renewal_plan". One function (the last registered; NULL: none); certs itself
 * depends on no renewing module.
 */
typedef int (*og_certs_renewal_fn)(og_store *s, const char *tenant_id, const char *fp,
                                   char plan[OG_ID_LEN]);
void og_certs_renewal_register(og_certs_renewal_fn fn);

/* ---- alerts by what is wrong (alerts.c) ----
 * An alert is one row per (certificate, rule): "days-left" (the thresholds above, for a
 * certificate no renewal plan renews, and expiry for every certificate) and the rules of the
 * renewing module (acme: "renewal-overdue", "renewal-failing", "deploy-failed",
 * "served-mismatch"). Each says what is wrong (message) and what to do (action). A person
 * acknowledges it or snoozes it until a time; either way it is raised again (state open, a new
 * event) when its severity grows (warning < critical < expired) or, for a snooze, when the time
 * has come and the problem is still there. A rule's alert whose problem is gone is resolved. */
#define OG_CERTS_ALERT_WARNING  1
#define OG_CERTS_ALERT_CRITICAL 2
#define OG_CERTS_ALERT_EXPIRED  3
#define OG_CERTS_RULE_DAYS_LEFT "days-left"
/* With the policy's lifetime share on (the default), certificates that live less than this many
 * days have their thresholds scaled to their lifetime: a threshold of t days applies at t *
 * lifetime / OG_CERTS_THRESHOLD_REF_DAYS (30 days of a 45-day certificate: 15 days). */
#define OG_CERTS_THRESHOLD_REF_DAYS 90
/* "warning", "critical", "expired" (NULL for another number). */
const char *og_certs_alert_severity_name(int severity);

/*
 * The renewing module's rules. check appends the problems of tenant_id (an id; the caller is
 * authorized) to problems, each {fingerprint, rule, severity (1..3), message, action, plan (may
 * be absent), details (object)}: 0 or a negative code (the expiry pass then fails: no problem is
 * dropped silently). raised (may be NULL) is called in the same transaction for each alert raised
 * or raised again ({id, fingerprint, rule, severity, message, action, plan, details, raises}),
 * and may open a gate task for it (its id into gate_id, else ""). Certificates that check's
 * module renews (og_certs_renewal_register) raise no days-left alert before they expire.
 * The last registration wins; NULL, NULL: none.
 */
typedef int (*og_certs_alert_check_fn)(og_ctx *ctx, const char *tenant_id, json_t *problems);
typedef int (*og_certs_alert_raised_fn)(og_ctx *ctx, const char *tenant_id, json_t *alert,
                                        char gate_id[OG_ID_LEN]);
void og_certs_alert_source_register(og_certs_alert_check_fn check, og_certs_alert_raised_fn raised);

/* The tenant's alerts (tenant NULL or "": every tenant, platform actors only, each row with
 * "tenant"), worst first: state NULL or "" (not resolved), "open", "acknowledged", "snoozed",
 * "resolved" or "all" (OG_EINVAL otherwise). Each {id, fingerprint, subject, not_after, rule,
 * severity, state, message, action, plan, details, raised_at, raises, event_id, gate_id, ack_by,
 * ack_at, snoozed_until, note, resolved_at, updated_at}; at most 10,000. OG_PERM_READ. */
int og_certs_alert_list(og_ctx *ctx, const char *tenant, const char *state, json_t **out);
/* Acknowledge alert id (state acknowledged, who and when kept, note 0..500 bytes, may be NULL),
 * audited certs.alert.ack. OG_ENOTFOUND; OG_ECONFLICT for a resolved alert. OG_PERM_WRITE. */
int og_certs_alert_ack(og_ctx *ctx, const char *tenant, const char *id, const char *note);
/* Snooze alert id until until_us (in the future, at most 90 days ahead: OG_EINVAL), audited
 * certs.alert.snooze. OG_ENOTFOUND; OG_ECONFLICT for a resolved alert. OG_PERM_WRITE. */
int og_certs_alert_snooze(og_ctx *ctx, const char *tenant, const char *id, int64_t until_us,
                          const char *note);
#define OG_CERTS_SNOOZE_MAX_US ((int64_t)90 * 86400 * 1000000)

/* The certificate an endpoint served at its latest sighting by a scan (location "host:port" or
 * "[v6]:port", sni "" for none) into fp, its time into *seen_us: 1, or 0 when never seen. For
 * modules that compare what is served with what they deployed. tenant_id: an id (no check). */
int og_certs_served_at(og_ctx *ctx, const char *tenant_id, const char *location, const char *sni,
                       char fp[65], int64_t *seen_us);

/* ---- the calendar (calendar.c) ----
 * Every expiry and planned renewal as iCalendar (RFC 5545) events. A calendar token is a
 * read-only secret for the feed of one tenant (or of the fleet: tenant NULL, platform actors):
 * it reads the feed and nothing else (it is no API token), and it can be revoked. */
#define OG_CERTS_CALENDAR_TOKEN_MAX 96
/* The renewing module tells when each plan renews next: it appends {fingerprint, plan, at_us
 * (integer), names} to out for tenant_id. The last registration wins. */
typedef int (*og_certs_renewals_fn)(og_ctx *ctx, const char *tenant_id, json_t *out);
void og_certs_calendar_renewals_register(og_certs_renewals_fn fn);
/* The feed of tenant (NULL or "": the fleet, platform actors only) as text/calendar into out
 * (CRLF lines folded at 75 octets). OG_PERM_READ. */
int og_certs_calendar(og_ctx *ctx, const char *tenant, og_buf *out);
/* The feed a calendar token reads (token: "ogcal_<id>_<secret>"): OG_EAUTH for a malformed,
 * unknown or revoked token; its last use is recorded. ctx's actor is not used. */
int og_certs_calendar_by_token(og_ctx *ctx, const char *token, og_buf *out);
/* Create a token (label 1..100 bytes) for tenant (NULL: the fleet, platform actors only); the
 * secret is in token_out once and kept only as a SHA-256. Audited certs.calendar.token.create.
 * OG_PERM_WRITE. id_out may be NULL. */
int og_certs_calendar_token_create(og_ctx *ctx, const char *tenant, const char *label,
                                   char token_out[OG_CERTS_CALENDAR_TOKEN_MAX],
                                   char id_out[OG_ID_LEN]);
/* Revoke token id of tenant (NULL: a fleet token), audited certs.calendar.token.revoke.
 * OG_ENOTFOUND (also for another tenant's); OG_ECONFLICT when revoked already. OG_PERM_WRITE. */
int og_certs_calendar_token_revoke(og_ctx *ctx, const char *tenant, const char *id);
/* The tokens of tenant (NULL: the fleet's): {id, label, created_by, created_at, revoked_at,
 * last_used_at}, never a secret. OG_PERM_READ (platform for the fleet). */
int og_certs_calendar_token_list(og_ctx *ctx, const char *tenant, json_t **out);

/* ---- schedules ---- */
/* A period as schedules show it: "6h", "30m", "90s", "2w", or parts of those in falling order,
 * "1d12h", "1h30m". OG_EINVAL naming s. */
int og_certs_every_parse(const char *s, int64_t *out_us);
/* Store a scan of targets every `every_us` (at least 5 minutes) for the tenant; ports/sni/
 * timeout/concurrency as for a scan (NULL/0 = defaults); starttls as og_certs_scan_opts.starttls
 * (NULL or "none": direct TLS; "auto" without ports also scans OG_CERTS_STARTTLS_PORTS; OG_EINVAL
 * naming an unknown protocol). The targets are validated now. The first run is due at once.
 * *id_out (may be NULL) receives the schedule id. OG_PERM_WRITE. */
int og_certs_schedule_add(og_ctx *ctx, const char *tenant, int64_t every_us,
                          const char *const *targets, size_t n, const char *ports, const char *sni,
                          const char *starttls, int timeout_ms, int concurrency,
                          char id_out[OG_ID_LEN]);
/* The tenant's schedules (caller decrefs): id, every_s (seconds) and every ("6h", "1d12h"),
 * targets, ports, sni, starttls ("none", "auto" or the protocol), timeout_ms, concurrency,
 * next_run, last_run, last_result. OG_PERM_READ. */
int og_certs_schedule_list(og_ctx *ctx, const char *tenant, json_t **out);
int og_certs_schedule_delete(og_ctx *ctx, const char *tenant, const char *id);
/*
 * For the server: run every schedule that is due (all tenants), one after another, each as
 * "system:scheduler". A schedule is claimed (its next run moved on) in a transaction before its
 * scan runs, so two servers or threads never run it twice. Then raises expiry alerts for every
 * tenant. *ran (may be NULL) receives the number of scans run. Call it every minute or so.
 */
int og_certs_schedule_run_due(og_ctx *ctx, int *ran);
/* The same in the shape of a server background job (int (*)(og_ctx *)). */
int og_certs_scheduler_job(og_ctx *ctx);

/* ---- discovered targets (devices of an RMM) and the discovery policy ---- */
/* Device classes: "server", "network", "workstation", "other" (anything else counts as other). */
#define OG_CERTS_DISCOVERY_CLASSES                                                                 \
    {                                                                                              \
        "server", "network", "workstation", "other"                                                \
    }
/* The ports scanned per class until a tenant sets its own; "" = not scanned. */
#define OG_CERTS_DISCOVERY_SERVER      "443,8443,636,993,995,465,587,3389"
#define OG_CERTS_DISCOVERY_NETWORK     "443"
#define OG_CERTS_DISCOVERY_WORKSTATION ""
#define OG_CERTS_DISCOVERY_OTHER       "443"
#define OG_CERTS_DISCOVERY_MAX_PORTS   64 /* ports of one class */

/* One device as a source reports it. Borrowed for the call. */
typedef struct og_certs_device {
    const char *remote_id; /* the source's id of the device (1..128 bytes) */
    const char *name;      /* DNS or host name ("" when none; at most 253 bytes) */
    const char *device_class;
    const char *const *addresses; /* IP literals; anything else is ignored */
    size_t naddresses;
    int deleted; /* the source says it is gone: retired */
    /* the source's company of the device (RMM organization or site, directory): what
     * og_certs_source_company_retire retires by ("" or NULL: none; at most 128 bytes) */
    const char *company_id;
    /* the source's compliance state of the device (Intune's complianceState: "compliant",
     * "noncompliant", "inGracePeriod", ...; "" or NULL: the source reports none; at most 32
     * letters): kept and listed with the target, a change counts as an update */
    const char *compliance;
} og_certs_device;

/*
 * Keep the tenant's discovered targets of `source` ("connector:<id>", at most 128 bytes) in step
 * with devs: a device not known (or retired) is added, a changed one (name, class, addresses,
 * compliance)
 * updated, a deleted one retired; with complete (devs is everything the source has), every
 * active device of the source that devs does not list is retired too. Retired devices keep their
 * row (retired_at set); their certificates stay in the inventory with their last sighting. One
 * transaction (a savepoint when the caller has one open, so the caller's events go with it), one
 * audit record certs.discovered.sync when anything changed. *changes (may be NULL) gets
 * {added: [device], updated: [device], removed: [device]} where device is {remote_id, name,
 * device_class, addresses}. OG_EINVAL naming a device without an id, or with a duplicate id or an
 * overlong field: nothing is written. OG_PERM_WRITE.
 */
int og_certs_discovered_sync(og_ctx *ctx, const char *tenant, const char *source,
                             const og_certs_device *devs, size_t n, int complete, json_t **changes);
/* The tenant's discovered targets (caller decrefs), active ones first by name, each {source,
 * remote_id, name, device_class, addresses, ports, first_seen, last_seen, retired_at};
 * retired ones only with all. ports are those of the class under the tenant's policy.
 * OG_PERM_READ. */
int og_certs_discovered_list(og_ctx *ctx, const char *tenant, int all, json_t **out);
/* The tenant's discovery policy (caller decrefs): {classes: {server: "443,...", ...}, defaults:
 * [class names still at their default]}. OG_PERM_READ. */
int og_certs_discovery_get(og_ctx *ctx, const char *tenant, json_t **out);
/* Set the ports of one class ("" or "none": not scanned; NULL: back to the default). OG_EINVAL
 * naming an unknown class or a bad or too long port list. Audited as certs.discovery.set.
 * OG_PERM_WRITE. */
int og_certs_discovery_set(og_ctx *ctx, const char *tenant, const char *device_class,
                           const char *ports);
/* The schedule target that stands for the tenant's active discovered targets, each address
 * and DNS name with the ports of its class, expanded when the schedule runs. */
#define OG_CERTS_DISCOVERED_TARGET "@discovered"

/* ---- cloud app credentials ----
 * Client secrets and certificate credentials of a client's cloud app registrations (Microsoft
 * Entra applications and service principals, reported by the msgraph connector). Each becomes an
 * inventory entry of kind "app-credential" beside the tenant's X.509 certificates: the same
 * lists (og_certs_list, og_certs_list_all: rows carry "kind"), expired/expiring findings from the
 * same policy, threshold alerts by og_certs_expiry_run ("certs.expiring"/"certs.expired" with
 * "kind":"app-credential"), and metrics. Secret values are never part of it. */
typedef struct og_certs_app_credential {
    const char *key_id;      /* the credential's keyId (GUID, 1..64 bytes): unique per object */
    const char *object_id;   /* the application's or service principal's object id */
    const char *object_type; /* "application" | "servicePrincipal" */
    const char *app_id;      /* appId (client id) */
    const char *app_name;    /* displayName of the app ("" when none) */
    const char *type;        /* "secret" | "certificate" */
    const char *name;        /* the credential's displayName ("" when none) */
    const char *hint;        /* a secret's hint (its first characters), "" otherwise */
    const char *thumbprint;  /* a certificate's customKeyIdentifier (hex), "" otherwise */
    int64_t start_us;        /* startDateTime; 0 when unknown */
    int64_t end_us;          /* endDateTime (required) */
    const char *company_id;  /* the source's company (directory) ("" or NULL: none; <= 128) */
} og_certs_app_credential;

/*
 * Keep the tenant's app credentials of `source` ("connector:<id>") in step with creds (all the
 * source has: a credential not listed any more is removed from the inventory, its alerts with
 * it). Adds new ones, updates changed ones; one transaction (a savepoint when the caller has one
 * open), one audit record certs.app_credentials.sync when anything changed. *changes (may be
 * NULL) gets {added: [..], updated: [..], removed: [..]} of {object_id, key_id, app_name, type,
 * name, end} (and id, the entry's "app:" id). OG_EINVAL naming a bad or duplicate entry (nothing
 * written). OG_PERM_WRITE.
 * Bad: a key_id missing, over 64 bytes or with spaces or control characters; an object_id missing
 * or over 128 bytes (likewise); an app_id over 128; another object_type or type; app_name or name
 * over 1024 bytes or not UTF-8 (control characters in them are stored as spaces); a hint over 8
 * bytes; a thumbprint not hex or over 128 digits; end_us <= 0; start_us after end_us; the same
 * (object_id, key_id) twice; more than 100000 entries. A change of end clears the entry's alerts.
 */
int og_certs_app_credentials_sync(og_ctx *ctx, const char *tenant, const char *source,
                                  const og_certs_app_credential *creds, size_t n, json_t **changes);
/*
 * What `source` wrote into the tenant for one of its companies stops being the tenant's (the
 * company was mapped to another tenant, or unmapped): its active discovered targets of that
 * company retire (rows kept, retired_at set; certificates stay with their last sighting) and its
 * app credentials of that company are removed from the inventory with their alerts. Only rows
 * the source tagged with company_id (certs schema step 5; a row written before carries none
 * until the next sync of its source). One transaction (a savepoint inside the caller's, so the
 * caller's events and audit go with it), one audit record certs.source.company_retired on the
 * tenant when anything changed. *changes (may be NULL) gets {devices: [device], credentials:
 * [credential]} as og_certs_discovered_sync's removed and og_certs_app_credentials_sync's
 * removed. OG_EINVAL for a missing or overlong source or company id. OG_PERM_WRITE.
 */
int og_certs_source_company_retire(og_ctx *ctx, const char *tenant, const char *source,
                                   const char *company_id, json_t **changes);

/* ---- deployable material ---- */
/* A certificate of the inventory as PEM texts, ready to serve or deploy (owned; the key is wiped
 * by og_certs_material_clear). */
typedef struct og_certs_material {
    char fingerprint[65];
    char *leaf_pem;
    char *chain_pem; /* intermediates above the leaf (from the tenant's CA certificates, the root
                      * left out), "" when none */
    char *key_pem;   /* the unsealed private key (PKCS#8 PEM) */
} og_certs_material;

/*
 * Certificate cert_id (fingerprint or unique prefix) of tenant (name or id) with its chain and its
 * unsealed private key. OG_PERM_WRITE on the tenant (the key leaves the inventory). OG_ENOTFOUND
 * when the certificate is unknown or has no unencrypted key (the message says which); OG_EINVAL
 * when the key does not match. Caller clears *out with og_certs_material_clear (also after a
 * failure).
 */
int og_certs_material_get(og_ctx *ctx, const char *tenant, const char *cert_id,
                          og_certs_material *out);
/* The same for a caller that has decided authorization already (an action's execute, run by the
 * gate): tenant_id is an id and fingerprint a full one; no authorization check. */
int og_certs_material_load(og_ctx *ctx, const char *tenant_id, const char *fingerprint,
                           og_certs_material *out);
/* The same without the key (key_pem NULL), also for certificates the inventory has no key of:
 * what a tenant export hands over unless private keys are asked for. No authorization check. */
int og_certs_material_load_public(og_ctx *ctx, const char *tenant_id, const char *fingerprint,
                                  og_certs_material *out);
void og_certs_material_clear(og_certs_material *m); /* wipes the key; NULL is a no-op */
/* SHA-256 fingerprint (lower-case hex) of the first certificate of PEM text; OG_EINVAL when there
 * is none. */
int og_certs_pem_fingerprint(const char *pem, size_t len, char fp[65]);

/* ---- metrics ---- */
/*
 * Append Prometheus text lines to out:
 *   opsgate_certs{tenant="acme",kind="x509|app-credential",bucket="expired|7d|30d|90d|later"} N
 *   opsgate_certs_earliest_expiry_seconds{tenant="acme",kind="x509"} UNIX_TIME
 * for every tenant with inventory entries: the five buckets of kind x509 always, those of
 * app-credential when the tenant has any; the earliest expiry per kind it has. ctx needs a
 * platform actor.
 */
int og_certs_metrics_render(og_ctx *ctx, og_buf *out);
/* Inventory entries (every kind) by time left until expiry, counted as og_certs_metrics_render()
 * counts them for opsgate_certs{bucket=...}, summed over kind (one source for /metrics and the
 * console's charts): counts[b] for bucket b, named by og_certs_bucket_name(b) ("expired", "7d",
 * "30d", "90d", "later"). tenant (name or id) needs OG_PERM_READ in it; NULL or "" counts every
 * tenant and needs a platform actor (OG_EDENIED otherwise). */
#define OG_CERTS_NBUCKETS 5
int og_certs_expiry_buckets(og_ctx *ctx, const char *tenant, uint64_t counts[OG_CERTS_NBUCKETS]);
const char *og_certs_bucket_name(int bucket); /* NULL outside 0..OG_CERTS_NBUCKETS-1 */
/* The fleet's expiry timeline: inventory entries (every kind) expiring in each period of
 * step_days days over the next horizon_days (1 to OG_CERTS_TIMELINE_MAX_DAYS; step 1 to the
 * horizon; OG_EINVAL otherwise), from now. Period i holds the entries with time left in
 * (i * step, (i + 1) * step] days (the last one ends at the horizon), time left counted as
 * og_certs_expiry_buckets counts it: the first 7 daily periods sum to its "7d" bucket, and
 * "expired" is its "expired". tenant and authorization as og_certs_expiry_buckets. Caller decrefs
 * *out: {"tenant": name|null, "from" (now), "horizon_days", "step_days",
 * "periods": [{"from", "to", "count"}], "expired": N, "later": N (past the horizon)}. */
#define OG_CERTS_TIMELINE_MAX_DAYS 366
int og_certs_expiry_timeline(og_ctx *ctx, const char *tenant, int horizon_days, int step_days,
                             json_t **out);

/* Register the audit trail's namers of certificates (subject and SANs) and scan schedules
 * (og_audit_namer_register). */
int og_certs_audit_names_register(void);

/* Re-seal this module's sealed data of a tenant under the tenant's current data-key version: one
 * batch (og_crypto_reseal_batch, crypto.h; counting, or up to b->limit items from b->part and
 * b->cursor), in the caller's transaction. The composition layer runs it for `tenant key rotate
 * --data-key`; items already under the current version are left as they are. */
struct og_crypto_reseal_batch;
int og_certs_reseal(og_ctx *ctx, const char *tenant_id, struct og_crypto_reseal_batch *b);

#endif
