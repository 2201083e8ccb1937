/* acme_internal.h - the ACME (RFC 8555) protocol client of the acme module: keys, JWS,
 * problem documents, CSRs, the HTTP transport, challenges and DNS providers. */
#ifndef OPSGATE_ACME_INTERNAL_H
#define OPSGATE_ACME_INTERNAL_H

#include <jansson.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "opsgate/acme.h"
#include "opsgate/certs.h"
#include "opsgate/crypto.h"
#include "opsgate/egress.h"
#include "opsgate/error.h"
#include "opsgate/util.h"

/* A bad setting (OG_EINVAL) with its face-neutral message and the setting's name as detail, so
 * a face can say how its callers give it (the CLI: "option --NAME"). Evaluates to OG_EINVAL. */
#define og_acme__bad_setting(setting, ...)                                                         \
    (og_error_set(OG_EINVAL, __VA_ARGS__), og_error_set_detail_arg(OG_ACME_DETAIL_SETTING, setting))

/* ---- keys (acme_jws.c), over crypto.h's og_crypto_key ----
 * Key types by name as og_crypto_key_type_check(): "ec256" (default), "ec384", "rsa2048",
 * "rsa3072", "rsa4096". */
/* og_crypto_key_from_pem() with the message of a stored ACME key (OG_ECORRUPT). */
int og_acme__key_from_pem(og_crypto_key **out, const char *pem, size_t len);
/* An account key a user imports (`acme account create --key-file`): OG_EINVAL (setting
 * "key-file") unless the PEM is an EC P-256/P-384 or RSA (2048 bits or more) private key. */
int og_acme__account_key_import(og_crypto_key **out, const char *pem, size_t len);
/* "ES256", "ES384" or "RS256" for the key; NULL for a key ACME accounts cannot use. */
const char *og_acme__jws_alg(const og_crypto_key *key);
/* The public JWK (RFC 7517) of the key (new reference); NULL on failure. */
json_t *og_acme__jwk(const og_crypto_key *key);
/* RFC 7638 thumbprint of a JWK: base64url of SHA-256 over its canonical form; out holds 44
 * bytes. */
int og_acme__jwk_thumbprint(json_t *jwk, char out[44]);
/* The thumbprint of the key's public JWK. */
int og_acme__thumbprint(const og_crypto_key *key, char out[44]);
/* The key authorization "token.thumbprint" (caller frees). */
char *og_acme__key_authorization(const og_crypto_key *key, const char *token);

/*
 * A flattened JWS (RFC 7515 §7.2.2) as ACME wants it: the protected header has alg, url, the
 * nonce (omitted when NULL: the inner JWS of a key change) and kid, or the jwk when kid is NULL.
 * payload NULL is the empty payload of a POST-as-GET. ES256/ES384 signatures are the raw r||s
 * the JWA requires (og_crypto_key_sign()). *out is the JSON text (caller frees).
 */
int og_acme__jws(char **out, const og_crypto_key *key, const char *kid, const char *nonce,
                 const char *url, const char *payload);
/* The same as a JSON object (new reference in *out). */
int og_acme__jws_json(json_t **out, const og_crypto_key *key, const char *kid, const char *nonce,
                      const char *url, const char *payload);
/*
 * The externalAccountBinding of a newAccount request (RFC 8555 §7.3.4): a JWS with alg HS256,
 * kid = eab_kid, url = the newAccount URL, payload = the account's public JWK, MAC'd with the
 * CA-issued key (already base64url-decoded). New reference in *out.
 */
int og_acme__eab(json_t **out, const og_crypto_key *account_key, const char *eab_kid,
                 const uint8_t *hmac_key, size_t hmac_len, const char *url);

/*
 * Turn an ACME problem document (RFC 7807 / RFC 8555 §6.7) into the thread's error:
 * "<what>: <type> (HTTP <status>): <detail>[; <identifier>: <sub type>: <sub detail>]...".
 * The "urn:ietf:params:acme:error:" prefix is shortened to "acme:". Returns OG_EBUSY for
 * rateLimited, OG_ENOTFOUND for accountDoesNotExist, OG_ECONFLICT for orderNotReady, OG_ERROR
 * otherwise. A body that is not a problem document still yields an error naming the status.
 * *type (may be NULL, 128 bytes) receives the full type, "" when none.
 */
int og_acme__problem(const char *what, long status, const char *body, size_t len, char *type);

/* A DER CSR for names (DNS names, or IP literals as IP SANs), base64url in *out (caller frees).
 * OG_EINVAL naming a name that is neither. */
int og_acme__csr(char **out, const og_crypto_key *key, const char *const *names, size_t n);

/* ---- transport (acme_http.c, over netclient.h) ---- */
#define OG_ACME_MAX_LINKS 8
typedef struct og_acme_resp {
    long status;
    og_buf body; /* capped at 1 MiB */
    char content_type[128];
    char nonce[256]; /* Replay-Nonce, "" when none */
    char location[1024];
    int64_t retry_after_s;               /* -1 when absent */
    char *alternates[OG_ACME_MAX_LINKS]; /* Link: rel="alternate" URLs, owned */
    int nalternates;
    char up[1024]; /* Link: rel="up" */
} og_acme_resp;
void og_acme__resp_clear(og_acme_resp *r);

typedef struct og_acme_http og_acme_http;
/* ca_pem: PEM trust anchors for the server's TLS certificate (NULL = system store). egress: the
 * egress policy (notify's egress.h) every connection's resolved address must pass, taken over
 * (freed with the transport, also on failure); NULL connects anywhere (the test DNS provider's
 * management URL only, a platform setting). Proxies from the environment are not used when a
 * policy is given: the proxy's address would be checked instead of the CA's. */
int og_acme__http_new(og_acme_http **out, const char *ca_pem, og_egress *egress);
void og_acme__http_free(og_acme_http *h);
/* method "GET", "HEAD" or "POST"; body with content_type for POST. Transport failures name the
 * URL; HTTP error statuses are not errors here (the caller reads the problem document). */
int og_acme__http_do(og_acme_http *h, const char *method, const char *url, const char *body,
                     const char *content_type, og_acme_resp *resp);

/* ---- server objects (acme_objects.c) ----
 * What the CA answers, checked and copied out before the client uses any of it. Each parse takes
 * the response body as received; what names the request in messages (the URL asked). A body
 * that is not what RFC 8555 §7.1 describes is OG_ERROR (the CA is at fault, not the caller) with
 * a message naming `what` and the member at fault; nothing is filled then. Every URL taken is
 * absolute http(s), printable ASCII, under OG_ACME_URL_MAX bytes (og_acme__url_ok). */
#define OG_ACME_URL_MAX        1024
#define OG_ACME_MAX_CHALLENGES 8
int og_acme__url_ok(const char *s);

/* The directory: newNonce, newAccount and newOrder required; keyChange, revokeCert and
 * renewalInfo optional. *out (new reference) holds only those members, each a checked URL. */
int og_acme__directory_parse(const char *json, size_t len, const char *what, json_t **out);

typedef struct og_acme_order_obj {
    char status[16];                   /* pending, ready, processing, valid, invalid */
    char finalize[OG_ACME_URL_MAX];    /* required */
    char certificate[OG_ACME_URL_MAX]; /* "" when absent */
    char *authz[OG_ACME_MAX_NAMES];    /* authorization URLs, owned */
    size_t nauthz;
} og_acme_order_obj;
int og_acme__order_parse(const char *json, size_t len, const char *what, og_acme_order_obj *o);
void og_acme__order_obj_clear(og_acme_order_obj *o); /* NULL-safe */

typedef struct og_acme_challenge_obj {
    char type[32];   /* "http-01", "dns-01", "tls-alpn-01", or another [a-z0-9-] type */
    char status[16]; /* pending, processing, valid, invalid */
    char url[OG_ACME_URL_MAX];
    char token[200];   /* base64url; "" when the challenge has none */
    char *error;       /* its problem document as compact JSON, NULL when none; owned */
    long error_status; /* the problem's "status", 0 when none */
} og_acme_challenge_obj;
typedef struct og_acme_authz_obj {
    char status[16];    /* pending, valid, invalid, deactivated, expired, revoked */
    char id_type[8];    /* "dns" or "ip" */
    char id_value[256]; /* a DNS name of [A-Za-z0-9-_.] or an IP literal */
    int wildcard;
    og_acme_challenge_obj ch[OG_ACME_MAX_CHALLENGES];
    size_t nch;
} og_acme_authz_obj;
int og_acme__authz_parse(const char *json, size_t len, const char *what, og_acme_authz_obj *a);
void og_acme__authz_obj_clear(og_acme_authz_obj *a); /* NULL-safe */
/* The first challenge of the type, NULL when the authorization offers none. */
const og_acme_challenge_obj *og_acme__authz_challenge(const og_acme_authz_obj *a, const char *type);

/* ---- protocol client (acme_client.c) ---- */
typedef struct og_acme_client {
    og_acme_http *http;
    json_t *dir; /* the directory object */
    char directory_url[1024];
    char nonce[256];
    og_crypto_key *key;        /* the account key, owned */
    char kid[1024];            /* the account URL, "" before create/find */
    int badnonce_retries;      /* counted for tests and metrics */
    int badnonce_retries_this; /* within the current request */
    int rate_waits;            /* Retry-After waits on rateLimited/503 answers */
    /* the Retry-After (s) of the last rate-limited answer og_acme__post gave up on, -1 when
     * none (0 when it named no time): the renewal backoff takes it */
    int64_t retry_after_s;
    int timeout_s; /* for polling; default 120 */
} og_acme_client;

/* Fetch the directory over a transport held to the installation's egress policy (read from store):
 * a CA whose host resolves to a loopback, private or link-local address outside the allowed ranges
 * is OG_EDENIED (detail OG_EGRESS_DETAIL_REFUSED), checked on each connection's address. */
int og_acme__client_open(og_acme_client **out, og_store *store, const char *directory_url,
                         const char *ca_pem);
void og_acme__client_free(og_acme_client *c);
/* A directory URL ("newOrder", ...; "renewalInfo" is optional: NULL). */
const char *og_acme__dir_url(og_acme_client *c, const char *name);
/*
 * A signed POST (payload NULL = POST-as-GET) signed with kid when set, else jwk. A badNonce answer
 * is retried with the fresh nonce it carried. A problem answer becomes the thread's error (the
 * response is still filled). Caller clears resp.
 */
int og_acme__post(og_acme_client *c, const char *url, const char *payload, og_acme_resp *resp);
/* Create the account (or find the existing one with only_existing); fills c->kid. *account
 * (may be NULL) receives the account object (new reference). */
int og_acme__account(og_acme_client *c, int only_existing, const char *email, const char *eab_kid,
                     const uint8_t *eab_key, size_t eab_len, json_t **account);
/* Roll the account over to new_key (steals it on success). */
int og_acme__key_change(og_acme_client *c, og_crypto_key *new_key);
/* Deactivate nothing, revoke a certificate (DER) with reason (0..10, -1 = none). */
int og_acme__revoke(og_acme_client *c, const uint8_t *der, size_t der_len, int reason);

/* An answerer of one challenge type: present() makes key_auth reachable for domain's token;
 * cleanup() (may be NULL) removes it after the authorization settled, whatever the outcome. */
typedef struct og_acme_solver {
    const char *type; /* "http-01", "dns-01" */
    int (*present)(void *arg, const char *domain, const char *token, const char *key_auth);
    void (*cleanup)(void *arg, const char *domain, const char *token, const char *key_auth);
    void *arg;
} og_acme_solver;

typedef struct og_acme_order_result {
    char order_url[1024];
    char cert_url[1024];
    char *chain_pem;    /* leaf first; owned */
    json_t *alternates; /* [{url, chain}] (owned) */
} og_acme_order_result;
void og_acme__order_result_clear(og_acme_order_result *res);

/*
 * Run one order to its certificate: newOrder (with `replaces` when not NULL), each pending
 * authorization answered through the solver and polled (Retry-After honoured) until valid,
 * finalize with a CSR of cert_key, poll, download the chain and its alternates. A failed
 * validation is an error naming the identifier and the CA's problem. res is filled on success.
 */
int og_acme__order(og_acme_client *c, const char *const *names, size_t n, const char *replaces,
                   const og_crypto_key *cert_key, const og_acme_solver *solver,
                   og_acme_order_result *res);

/* GET renewalInfo/<cert_id>: the suggested window and Retry-After (-1 if none). OG_ENOTFOUND
 * without a message when the CA's directory has no renewalInfo. */
int og_acme__ari_fetch(og_acme_client *c, const char *cert_id, int64_t *start_us, int64_t *end_us,
                       int64_t *retry_after_s);

/* ---- store side (acme_account.c) ---- */
/* The tenant's id after og_tenant_get and og_authz_check(perm). */
int og_acme__resolve(og_ctx *ctx, const char *tenant, og_perm perm, char tid[OG_ID_LEN]);
/* A client for the account (NULL = the tenant's only one) with its key unsealed and its kid set;
 * fetches the directory. id_out (may be NULL) receives the account id. */
int og_acme__account_open(og_ctx *ctx, const char *tid, const char *account_id,
                          og_acme_client **out, char id_out[OG_ID_LEN]);

/*
 * The open clients of one run of many renewals (og_acme_renew_due): one per (tenant, account),
 * so the account key is unsealed and decoded once, the directory fetched once, and the one
 * connection to the CA (its TLS session, and the last Replay-Nonce) serves every order of the
 * run. Each client keeps the egress policy it was opened with: a connection it reuses is one that
 * policy allowed when it was made, and every new one is checked against it. A client whose order
 * failed is dropped (og_acme__clients_drop), so the next plan opens the account afresh (a key
 * rolled over meanwhile, a CA that went away). A cache lives for one run only: a policy or key
 * changed during a run takes effect at the next one.
 */
#define OG_ACME_CLIENTS_MAX 16
typedef struct og_acme_clients {
    struct {
        char tid[OG_ID_LEN], account[OG_ID_LEN];
        og_acme_client *c;
    } e[OG_ACME_CLIENTS_MAX];
    int n;
} og_acme_clients;
/* og_acme__account_open() through the cache (cache NULL: a fresh client, *owned 1). *owned says
 * whether the caller frees the client (1) or the cache keeps it (0). account_id must not be
 * NULL when cache is given. */
int og_acme__clients_open(og_acme_clients *cache, og_ctx *ctx, const char *tid,
                          const char *account_id, og_acme_client **out, int *owned);
/* Forget (and free) the cached client c, after a failure. NULL-safe. */
void og_acme__clients_drop(og_acme_clients *cache, og_acme_client *c);
void og_acme__clients_free(og_acme_clients *cache); /* NULL-safe */
/* og_acme_cert_renew() ordering through the cache's clients (NULL: as og_acme_cert_renew). */
int og_acme__cert_renew_with(og_ctx *ctx, const char *tenant, const char *id,
                             og_acme_clients *cache, json_t **out);

/* How long until renewalInfo is asked again: its Retry-After clamped to 1 min .. 1 day, 6 h
 * when it gave none (RFC 9773 §4.3). */
int64_t og_acme__ari_recheck_us(int64_t retry_after_s);

/* ---- issuance and plans (acme_cert.c), shared with renew_gate.c and acme_plan.c ---- */
typedef struct og_acme_issued {
    og_acme_order_result res;
    char *key_pem;
    size_t key_len;
    uint8_t *der; /* the leaf */
    size_t der_len;
    og_cert_info info;
    char ari_id[256];
    int64_t renew_at_us;
    int ari;              /* renew_at came from the CA's ARI window */
    int64_t ari_check_us; /* when to ask renewalInfo again; 0 without ARI */
    int64_t ari_end_us;   /* the end of the CA's ARI window; 0 without ARI */
} og_acme_issued;
void og_acme__issued_clear(og_acme_issued *is);
/* og_acme__issued_clear() after a failure, keeping the thread's error (and its code, error when
 * none was set). Returns that code. */
int og_acme__issued_discard(og_acme_issued *is, int error);
/* The DER of the first certificate (the leaf) of a PEM chain into *der (caller frees); OG_ERROR
 * without a message when there is none. */
int og_acme__leaf_der(const char *chain_pem, uint8_t **der, size_t *len);
/* Order a certificate for names with the plan's key type and challenge settings (network only;
 * nothing recorded). replaces: the old CertID for an ARI renewal, or NULL. */
int og_acme__issue_once(og_acme_client *c, json_t *names, const char *key_type, json_t *ch,
                        const char *replaces, og_acme_issued *is);
/* Record is as the plan's current certificate (inside the caller's transaction); the previous
 * current one (old_cert, may be NULL) becomes "previous"; chain and key go to the inventory. */
int og_acme__record(og_ctx *ctx, const char *tid, const char *plan_id, const char *old_cert,
                    og_acme_issued *is, char cert_id[OG_ID_LEN]);

typedef struct og_acme_plan {
    char id[OG_ID_LEN], account[OG_ID_LEN], key_type[16], current[OG_ID_LEN];
    json_t *names, *ch;
    char serial[100], ari_id[256], fingerprint[65];
    int64_t not_after_us;
} og_acme_plan;
/* A plan by its id or the id of one of its certificates, dns-01 settings unsealed.
 * OG_ENOTFOUND naming id. Clear with og_acme__plan_clear(). */
int og_acme__plan_load(og_ctx *ctx, const char *tid, const char *id, og_acme_plan *p);
/* The id a command names a plan or certificate by: *use = id itself, unless id is an inventory
 * fingerprint or a prefix of one (og_certs_id_is_fingerprint): then *use = buf, the id of the
 * ACME certificate with that fingerprint. OG_EINVAL for an ambiguous prefix (naming the
 * candidates), OG_ENOTFOUND when the inventory has no such certificate or no plan issued it. */
int og_acme__id_of(og_ctx *ctx, const char *tid, const char *id, char buf[OG_ID_LEN],
                   const char **use);
void og_acme__plan_clear(og_acme_plan *p);
/* At most this many deploy targets per plan (the deploy handler's bound). */
#define OG_ACME_MAX_TARGETS 64
/* Replace plan_id's targets with targets[0..n) in the caller's transaction; each must name a
 * deploy target of tenant tid (OG_ENOTFOUND naming the first that does not). plan_id NULL:
 * only check the names. */
int og_acme__plan_targets_put(og_ctx *ctx, const char *tid, const char *plan_id,
                              const char *const *targets, size_t n);
/* The plan's target names, sorted, as a new JSON array (caller decrefs); NULL on error. */
json_t *og_acme__plan_targets(og_ctx *ctx, const char *tid, const char *plan_id);

/* ---- challenges (challenge_http.c, dns_challtestsrv.c) ---- */
typedef struct og_acme_http01 og_acme_http01;
/* Serve /.well-known/acme-challenge/ on listen ("host:port" or "[v6]:port") from a thread until
 * freed. OG_EINVAL for a bad address, OG_ERROR naming it when it cannot be bound. */
int og_acme__http01_start(og_acme_http01 **out, const char *listen);
int og_acme__http01_add(og_acme_http01 *s, const char *token, const char *key_auth);
void og_acme__http01_stop(og_acme_http01 *s); /* NULL-safe */

/* A listening TCP socket on "host:port" / "[v6]:port" (what names the use in errors). */
int og_acme__listen(const char *listen, const char *what, int *fd);
/* The next connection accepted on the listening fd, checking *stop (under mu) every few
 * milliseconds: the connected socket (caller closes), or -1 once *stop is set. */
int og_acme__accept_next(int fd, pthread_mutex_t *mu, const int *stop);
/* Stop a responder thread that runs og_acme__accept_next(): set *stop, join it, close fd. */
void og_acme__accept_stop(pthread_t thread, int fd, pthread_mutex_t *mu, int *stop);

/* tls-alpn-01 (RFC 8737, challenge_tls.c): a TLS responder that negotiates only "acme-tls/1" and
 * answers each SNI name with a self-signed certificate carrying the critical acmeIdentifier
 * extension (SHA-256 of the key authorization). Runs from a thread until stopped. */
typedef struct og_acme_tlsalpn og_acme_tlsalpn;
int og_acme__tlsalpn_start(og_acme_tlsalpn **out, const char *listen);
int og_acme__tlsalpn_add(og_acme_tlsalpn *s, const char *domain, const char *key_auth);
void og_acme__tlsalpn_stop(og_acme_tlsalpn *s); /* NULL-safe */
/* The validation certificate for domain (exposed for tests). Caller frees both. */
int og_acme__tlsalpn_cert(const char *domain, const char *key_auth, const og_crypto_key *key,
                          X509 **out);

/* Write/remove DIR/.well-known/acme-challenge/TOKEN. */
int og_acme__webroot_put(const char *dir, const char *token, const char *key_auth);
void og_acme__webroot_remove(const char *dir, const char *token);

/* A dns-01 provider: sets and clears the TXT record of fqdn ("_acme-challenge.example.com."). */
typedef struct og_acme_dns_provider {
    const char *name;
    int (*present)(const char *config, const char *fqdn, const char *value);
    int (*cleanup)(const char *config, const char *fqdn, const char *value);
    int (*check)(const char *config); /* validate the config up front (OG_EINVAL naming it) */
} og_acme_dns_provider;
/* "challtestsrv" (config: its management URL) or "rfc2136" (dns_rfc2136.c); NULL otherwise. */
const og_acme_dns_provider *og_acme__dns_provider_find(const char *name);
extern const og_acme_dns_provider og_acme__rfc2136_provider;
/* Ask server ("host:port") itself, without recursion, whether fqdn has the TXT value: 1 yes,
 * 0 no, negative when it does not answer within timeout_ms (the message names the server). */
int og_acme__dns_txt_has(const char *server, const char *fqdn, const char *value, int timeout_ms);
/* POST a JSON body to url over the ACME transport (for management APIs); 2xx or an error. */
int og_acme__http_post_json(const char *url, const char *json);

/* The dns-01 TXT value: base64url(SHA-256(key authorization)) (caller frees). */
char *og_acme__dns01_value(const char *key_auth);

/* ---- alert_rules.c ---- */
/* Register the plans' alert rules and next renewals with the inventory
 * (og_certs_alert_source_register, og_certs_calendar_renewals_register). */
void og_acme__alert_rules_register(void);
/* Register the L3 kind certs.renew.stalled. Idempotent. */
int og_acme__stalled_kind_register(void);

#endif
