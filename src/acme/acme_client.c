/* acme_client.c - the RFC 8555 protocol: directory, nonces, signed requests, accounts, orders,
 * authorizations, challenges, finalization, certificate download, revocation, key change. */
#include "acme/acme_internal.h"
#include "opsgate/error.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/*
 * How many times a badNonce answer is retried with the fresh nonce it carried. RFC 8555 §6.5 asks
 * clients to retry; one retry suffices against a CA that rejects only stale nonces, but a CA (or
 * Pebble's PEBBLE_WFE_NONCEREJECT) may reject any share of good ones independently per request,
 * and an order is some 10-15 requests: at 30% rejection, five retries still fail about one
 * request in 1,400 (0.3^6), which made a 50-request test fail a few runs in a hundred; ten
 * retries fail one in 560,000 (0.3^11). Each retry is one round trip, so the bound stays cheap.
 */
#define BADNONCE_RETRIES 10
/* rateLimited or 503 answers with a Retry-After of at most RATE_WAIT_MAX_S are waited out and
 * retried, at most RATE_WAITS times per request */
#define RATE_WAITS      2
#define RATE_WAIT_MAX_S 10
#define JOSE            "application/jose+json"

int og_acme__client_open(og_acme_client **out, og_store *store, const char *directory_url,
                         const char *ca_pem)
{
    og_acme_client *c = calloc(1, sizeof(*c));
    og_egress *egress = NULL;
    og_acme_resp r;
    int error = OG_ERROR;
    memset(&r, 0, sizeof(r));
    *out = NULL;
    if (!c)
        return og_error_set(OG_ERROR, "out of memory");
    c->timeout_s = 120;
    c->retry_after_s = -1;
    if (!directory_url || strlen(directory_url) >= sizeof(c->directory_url) ||
        (strncmp(directory_url, "https://", 8) != 0 && strncmp(directory_url, "http://", 7) != 0)) {
        error = og_error_set(OG_EINVAL, "bad ACME directory URL '%s' (https://...)",
                             directory_url ? directory_url : "");
        goto cleanup;
    }
    og_strlcpy(c->directory_url, directory_url, sizeof(c->directory_url));
    if ((error = og_egress_load(&egress, store)) < 0 ||
        (error = og_acme__http_new(&c->http, ca_pem, egress)) < 0 ||
        (error = og_acme__http_do(c->http, "GET", directory_url, NULL, NULL, &r)) < 0)
        goto cleanup;
    if (r.status != 200) {
        error = og_acme__problem("ACME directory", r.status, r.body.data, r.body.len, NULL);
        goto cleanup;
    }
    if ((error = og_acme__directory_parse(r.body.data, r.body.len, directory_url, &c->dir)) < 0)
        goto cleanup;
    *out = c;
    c = NULL;
    error = 0;
cleanup:
    og_acme__resp_clear(&r);
    og_acme__client_free(c);
    return error;
}

void og_acme__client_free(og_acme_client *c)
{
    if (!c)
        return;
    og_acme__http_free(c->http);
    json_decref(c->dir);
    og_crypto_key_free(c->key);
    free(c);
}

const char *og_acme__dir_url(og_acme_client *c, const char *name)
{
    return json_string_value(json_object_get(c->dir, name));
}

static int fresh_nonce(og_acme_client *c)
{
    og_acme_resp r;
    int error = og_acme__http_do(c->http, "HEAD", og_acme__dir_url(c, "newNonce"), NULL, NULL, &r);
    if (error == 0 && !r.nonce[0])
        error = og_error_set(OG_EUPSTREAM, "the CA's newNonce gave no Replay-Nonce (HTTP %ld)",
                             r.status);
    if (error == 0)
        og_strlcpy(c->nonce, r.nonce, sizeof(c->nonce));
    og_acme__resp_clear(&r);
    return error;
}

static void sleep_us(int64_t us);

int og_acme__post(og_acme_client *c, const char *url, const char *payload, og_acme_resp *resp)
{
    char *jws = NULL, type[128];
    int error = 0, waits = 0;
    memset(resp, 0, sizeof(*resp));
    c->badnonce_retries_this = 0;
    for (int attempt = 0; attempt <= BADNONCE_RETRIES + RATE_WAITS; attempt++) {
        if (!c->nonce[0] && (error = fresh_nonce(c)) < 0)
            return error;
        free(jws);
        jws = NULL;
        if ((error = og_acme__jws(&jws, c->key, c->kid, c->nonce, url, payload)) < 0)
            break;
        c->nonce[0] = '\0'; /* a nonce is good for one request whatever the answer */
        og_acme__resp_clear(resp);
        if ((error = og_acme__http_do(c->http, "POST", url, jws, JOSE, resp)) < 0)
            break;
        if (resp->nonce[0])
            og_strlcpy(c->nonce, resp->nonce, sizeof(c->nonce));
        if (resp->status >= 200 && resp->status < 300) {
            error = 0;
            break;
        }
        error = og_acme__problem(url, resp->status, resp->body.data, resp->body.len, type);
        int rate =
            strcmp(type, "urn:ietf:params:acme:error:rateLimited") == 0 || resp->status == 503;
        if (rate) {
            /* a short Retry-After is waited out here; a long one is the caller's to schedule
             * (the renewal backoff takes it), so the message says how long */
            if (resp->retry_after_s > 0 && resp->retry_after_s <= RATE_WAIT_MAX_S &&
                waits < RATE_WAITS) {
                waits++;
                c->rate_waits++;
                sleep_us(resp->retry_after_s * 1000000);
                continue;
            }
            char msg[1024];
            og_strlcpy(msg, og_error_last(), sizeof(msg));
            c->retry_after_s = resp->retry_after_s;
            if (resp->retry_after_s > 0)
                error = og_error_set(OG_EBUSY, "%s (retry after %lld s)", msg,
                                     (long long)resp->retry_after_s);
            else
                error = og_error_set(OG_EBUSY, "%s", msg);
            break;
        }
        if (strcmp(type, "urn:ietf:params:acme:error:badNonce") != 0 ||
            c->badnonce_retries_this >= BADNONCE_RETRIES)
            break;
        c->badnonce_retries++;
        c->badnonce_retries_this++;
    }
    free(jws);
    return error;
}

/* POST and parse the JSON answer (new reference in *out). */
static int post_json(og_acme_client *c, const char *url, const char *payload, og_acme_resp *r,
                     json_t **out)
{
    json_error_t je;
    int error;
    *out = NULL;
    if ((error = og_acme__post(c, url, payload, r)) < 0)
        return error;
    *out = json_loadb(r->body.data ? r->body.data : "", r->body.len, 0, &je);
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return og_error_set(OG_EUPSTREAM, "%s: the CA answered with no JSON object (%s)", url,
                            je.text);
    }
    return 0;
}

int og_acme__account(og_acme_client *c, int only_existing, const char *email, const char *eab_kid,
                     const uint8_t *eab_key, size_t eab_len, json_t **account)
{
    const char *url = og_acme__dir_url(c, "newAccount");
    json_t *req = json_pack("{s:b}", "termsOfServiceAgreed", 1), *acct = NULL, *eab = NULL;
    char *payload = NULL;
    og_acme_resp r;
    int error = OG_ERROR;
    memset(&r, 0, sizeof(r));
    if (account)
        *account = NULL;
    c->kid[0] = '\0';
    if (!req)
        goto cleanup;
    if (only_existing)
        json_object_set_new(req, "onlyReturnExisting", json_true());
    if (email && *email) {
        char mailto[320];
        snprintf(mailto, sizeof(mailto), "mailto:%s", email);
        json_object_set_new(req, "contact", json_pack("[s]", mailto));
    }
    if (eab_kid && !only_existing) {
        if ((error = og_acme__eab(&eab, c->key, eab_kid, eab_key, eab_len, url)) < 0)
            goto cleanup;
        json_object_set_new(req, "externalAccountBinding", eab);
    }
    if (!(payload = json_dumps(req, JSON_COMPACT)))
        goto cleanup;
    if ((error = post_json(c, url, payload, &r, &acct)) < 0) {
        og_error_wrap("ACME account");
        goto cleanup;
    }
    if (!r.location[0]) {
        error = og_error_set(OG_EUPSTREAM, "the CA created an account without a Location");
        goto cleanup;
    }
    og_strlcpy(c->kid, r.location, sizeof(c->kid));
    if (account) {
        *account = acct;
        acct = NULL;
    }
    error = 0;
cleanup:
    json_decref(req);
    json_decref(acct);
    free(payload);
    og_acme__resp_clear(&r);
    return error;
}

int og_acme__key_change(og_acme_client *c, og_crypto_key *new_key)
{
    const char *url = og_acme__dir_url(c, "keyChange");
    json_t *inner_payload = NULL, *inner = NULL;
    char *ip = NULL, *outer = NULL;
    og_acme_resp r;
    int error = OG_ERROR;
    memset(&r, 0, sizeof(r));
    if (!url)
        return og_error_set(OG_EUPSTREAM, "the CA's directory has no keyChange");
    if (!c->kid[0])
        return og_error_set(OG_EINVAL, "key change needs an account");
    /* RFC 8555 §7.3.5: the inner JWS is signed by the new key (jwk, no nonce) over the account
     * URL and the old key; the outer one by the old key as usual */
    inner_payload = json_pack("{s:s, s:o}", "account", c->kid, "oldKey", og_acme__jwk(c->key));
    if (!inner_payload || !(ip = json_dumps(inner_payload, JSON_COMPACT)))
        goto cleanup;
    if ((error = og_acme__jws_json(&inner, new_key, NULL, NULL, url, ip)) < 0)
        goto cleanup;
    if (!(outer = json_dumps(inner, JSON_COMPACT))) {
        error = OG_ERROR;
        goto cleanup;
    }
    if ((error = og_acme__post(c, url, outer, &r)) < 0) {
        og_error_wrap("ACME key change");
        goto cleanup;
    }
    og_crypto_key_free(c->key);
    c->key = new_key;
    error = 0;
cleanup:
    json_decref(inner_payload);
    json_decref(inner);
    free(ip);
    free(outer);
    og_acme__resp_clear(&r);
    return error;
}

int og_acme__revoke(og_acme_client *c, const uint8_t *der, size_t der_len, int reason)
{
    const char *url = og_acme__dir_url(c, "revokeCert");
    char *b64 = og_base64url_encode(der, der_len), *payload = NULL;
    json_t *req = NULL;
    og_acme_resp r;
    int error = OG_ERROR;
    memset(&r, 0, sizeof(r));
    if (!url) {
        error = og_error_set(OG_EUPSTREAM, "the CA's directory has no revokeCert");
        goto cleanup;
    }
    if (!b64 || !(req = json_pack("{s:s}", "certificate", b64)))
        goto cleanup;
    if (reason >= 0)
        json_object_set_new(req, "reason", json_integer(reason));
    if (!(payload = json_dumps(req, JSON_COMPACT)))
        goto cleanup;
    if ((error = og_acme__post(c, url, payload, &r)) < 0)
        og_error_wrap("ACME revocation");
cleanup:
    free(b64);
    free(payload);
    json_decref(req);
    og_acme__resp_clear(&r);
    return error;
}

static void sleep_us(int64_t us)
{
    struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* The next poll delay: the server's Retry-After (capped at 10 s so a long answer does not stall
 * the caller past its deadline unnoticed), else 50 ms doubling to 2 s. */
static int64_t next_delay(const og_acme_resp *r, int64_t *backoff)
{
    int64_t d = *backoff;
    if (r->retry_after_s > 0)
        d = (r->retry_after_s > 10 ? 10 : r->retry_after_s) * 1000000;
    *backoff = *backoff * 2 > 2000000 ? 2000000 : *backoff * 2;
    return d;
}

/* An object's parser for poll_until(): fills obj, points *status into it. */
typedef struct poll_kind {
    const char *what; /* "order", "authorization" */
    int (*parse)(const char *json, size_t len, const char *url, void *obj, const char **status);
    void (*clear)(void *obj);
} poll_kind;

static int order_parse(const char *json, size_t len, const char *url, void *obj,
                       const char **status)
{
    og_acme_order_obj *o = obj;
    int error = og_acme__order_parse(json, len, url, o);
    *status = o->status;
    return error;
}

static void order_clear(void *obj)
{
    og_acme__order_obj_clear(obj);
}

static int authz_parse(const char *json, size_t len, const char *url, void *obj,
                       const char **status)
{
    og_acme_authz_obj *a = obj;
    int error = og_acme__authz_parse(json, len, url, a);
    *status = a->status;
    return error;
}

static void authz_clear(void *obj)
{
    og_acme__authz_obj_clear(obj);
}

static const poll_kind POLL_ORDER = {"order", order_parse, order_clear};
static const poll_kind POLL_AUTHZ = {"authorization", authz_parse, authz_clear};

/* Whether status st is one of the comma-separated list (whole words: "" or "alid" are not). */
static int status_in(const char *list, const char *st)
{
    size_t n = strlen(st);
    for (const char *p = list; n && *p;) {
        size_t k = strcspn(p, ",");
        if (k == n && strncmp(p, st, n) == 0)
            return 1;
        p += k + (p[k] == ',');
    }
    return 0;
}

/*
 * Poll an object (POST-as-GET) until its status is one of done (comma-separated) or "invalid",
 * or the client's timeout passes. obj receives the last object (the kind's parse), cleared on
 * failure.
 */
static int poll_until(og_acme_client *c, const char *url, const poll_kind *kind, const char *done,
                      void *obj)
{
    int64_t deadline = og_time_mono_us() + (int64_t)c->timeout_s * 1000000, backoff = 50000;
    og_acme_resp r;
    int error;
    for (int i = 0; i < 10000; i++) {
        const char *st = "";
        if ((error = og_acme__post(c, url, NULL, &r)) < 0 ||
            (error = kind->parse(r.body.data, r.body.len, url, obj, &st)) < 0) {
            og_acme__resp_clear(&r);
            return error;
        }
        if (status_in(done, st) || strcmp(st, "invalid") == 0) {
            og_acme__resp_clear(&r);
            return 0;
        }
        if (og_time_mono_us() >= deadline) {
            og_acme__resp_clear(&r);
            error = og_error_set(OG_EUPSTREAM, "%s %s still '%s' after %d s", kind->what, url, st,
                                 c->timeout_s);
            kind->clear(obj);
            return error;
        }
        kind->clear(obj);
        int64_t d = next_delay(&r, &backoff);
        og_acme__resp_clear(&r);
        sleep_us(d);
    }
    return og_error_set(OG_EUPSTREAM, "%s %s: too many polls", kind->what, url);
}

/* Error from an invalid authorization: the failed challenge's problem names the cause. */
static int authz_failed(const og_acme_authz_obj *a, const char *url)
{
    for (size_t i = 0; i < a->nch; i++) {
        if (a->ch[i].error) {
            char what[300];
            snprintf(what, sizeof(what), "validation of %s failed", a->id_value);
            og_acme__problem(what, a->ch[i].error_status, a->ch[i].error, strlen(a->ch[i].error),
                             NULL);
            return OG_ERROR;
        }
    }
    return og_error_set(OG_EUPSTREAM, "authorization %s of %s is invalid", url, a->id_value);
}

void og_acme__order_result_clear(og_acme_order_result *res)
{
    if (!res)
        return;
    free(res->chain_pem);
    json_decref(res->alternates);
    memset(res, 0, sizeof(*res));
}

/* Download a certificate chain (POST-as-GET); *pem caller frees. Alternates' URLs copied out. */
static int download(og_acme_client *c, const char *url, char **pem, og_acme_resp *r)
{
    int error;
    *pem = NULL;
    if ((error = og_acme__post(c, url, NULL, r)) < 0)
        return og_error_wrap("downloading the certificate");
    if (!r->body.data || !strstr(r->body.data, "-----BEGIN CERTIFICATE-----"))
        return og_error_set(OG_EUPSTREAM, "%s did not return a PEM certificate chain", url);
    *pem = strdup(r->body.data);
    return *pem ? 0 : og_error_set(OG_ERROR, "out of memory");
}

/* The key authorizations an order presented, to clean up whatever the outcome. */
typedef struct presented {
    char *tok[OG_ACME_MAX_NAMES], *ka[OG_ACME_MAX_NAMES], *dom[OG_ACME_MAX_NAMES];
    size_t n;
} presented;

static void presented_cleanup(presented *p, const og_acme_solver *solver)
{
    for (size_t i = 0; i < p->n; i++) {
        if (solver->cleanup && p->dom[i] && p->tok[i])
            solver->cleanup(solver->arg, p->dom[i], p->tok[i], p->ka[i]);
        free(p->tok[i]);
        free(p->dom[i]);
        free(p->ka[i]);
    }
}

/* newOrder for names (with replaces when set): the order in *order, its URL in url. */
static int new_order(og_acme_client *c, const char *const *names, size_t n, const char *replaces,
                     og_acme_order_obj *order, char url[OG_ACME_URL_MAX])
{
    json_t *req = NULL, *ids = json_array();
    const char *new_url = og_acme__dir_url(c, "newOrder");
    char *payload = NULL;
    og_acme_resp r;
    int error = OG_ERROR;
    memset(&r, 0, sizeof(r));
    memset(order, 0, sizeof(*order));
    for (size_t i = 0; i < n; i++) {
        const char *type =
            strchr(names[i], ':') || strspn(names[i], "0123456789.") == strlen(names[i]) ? "ip"
                                                                                         : "dns";
        json_array_append_new(ids, json_pack("{s:s, s:s}", "type", type, "value", names[i]));
    }
    req = json_pack("{s:O}", "identifiers", ids);
    if (replaces && *replaces)
        json_object_set_new(req, "replaces", json_string(replaces));
    if (!req || !(payload = json_dumps(req, JSON_COMPACT)))
        goto cleanup;
    if ((error = og_acme__post(c, new_url, payload, &r)) < 0 ||
        (error = og_acme__order_parse(r.body.data, r.body.len, new_url, order)) < 0) {
        og_error_wrap("new order");
        goto cleanup;
    }
    if (!og_acme__url_ok(r.location)) {
        error = og_error_set(OG_EUPSTREAM, "the CA created an order without a Location URL");
        goto cleanup;
    }
    og_strlcpy(url, r.location, OG_ACME_URL_MAX);
cleanup:
    json_decref(req);
    json_decref(ids);
    free(payload);
    og_acme__resp_clear(&r);
    if (error < 0)
        og_acme__order_obj_clear(order);
    return error;
}

/* Whether an authorization's identifier is one the order asked for (a wildcard's authorization
 * names the base domain, RFC 8555 §7.1.4): the solver must not act for any other name. */
static int authz_for_order(const og_acme_authz_obj *a, const char *const *names, size_t n)
{
    uint8_t ip[16], want_ip[16];
    int af = strchr(a->id_value, ':') ? AF_INET6 : AF_INET;
    int is_ip = strcmp(a->id_type, "ip") == 0 && inet_pton(af, a->id_value, ip) == 1;
    for (size_t i = 0; i < n; i++) {
        const char *want = names[i];
        /* an address in another spelling ("2001:DB8:0::1" asked, "2001:db8::1" answered) */
        if (is_ip && inet_pton(af, want, want_ip) == 1 &&
            memcmp(ip, want_ip, af == AF_INET6 ? 16 : 4) == 0)
            return 1;
        if (strncmp(want, "*.", 2) == 0 && a->wildcard)
            want += 2;
        if (strcmp(want, a->id_value) == 0)
            return 1;
    }
    return 0;
}

/* Settle the authorization at aurl of the order at order_url for names: a pending one is
 * answered through the solver (recorded in p) and polled until valid; a valid one is reused. */
static int authorize(og_acme_client *c, const char *order_url, const char *aurl,
                     const char *const *names, size_t n, const og_acme_solver *solver, presented *p)
{
    og_acme_authz_obj authz;
    og_acme_resp r;
    int error;
    memset(&r, 0, sizeof(r));
    memset(&authz, 0, sizeof(authz));
    if ((error = og_acme__post(c, aurl, NULL, &r)) < 0 ||
        (error = og_acme__authz_parse(r.body.data, r.body.len, aurl, &authz)) < 0) {
        error = og_error_wrap("order %s", order_url);
        goto cleanup;
    }
    og_acme__resp_clear(&r);
    const char *dom = authz.id_value;
    if (!authz_for_order(&authz, names, n)) {
        error = og_error_set(OG_EUPSTREAM,
                             "order %s: the CA sent an authorization for %s, a name "
                             "the order did not ask for",
                             order_url, dom);
        goto cleanup;
    }
    if (strcmp(authz.status, "valid") == 0) {
        error = 0; /* reused authorization */
        goto cleanup;
    }
    if (strcmp(authz.status, "pending") != 0) {
        error = og_error_set(OG_EUPSTREAM, "authorization of %s is '%s'", dom, authz.status);
        goto cleanup;
    }
    const og_acme_challenge_obj *ch = og_acme__authz_challenge(&authz, solver->type);
    if (!ch || !ch->token[0]) {
        error =
            og_error_set(OG_EUPSTREAM, "the CA offers no %s challenge for %s", solver->type, dom);
        goto cleanup;
    }
    char *ka = og_acme__key_authorization(c->key, ch->token);
    if (!ka) {
        error = OG_ERROR;
        goto cleanup;
    }
    p->tok[p->n] = strdup(ch->token);
    p->dom[p->n] = strdup(dom);
    p->ka[p->n++] = ka;
    if ((error = solver->present(solver->arg, dom, ch->token, ka)) < 0)
        goto cleanup;
    if ((error = og_acme__post(c, ch->url, "{}", &r)) < 0) {
        og_error_wrap("answering the %s challenge of %s", solver->type, dom);
        goto cleanup;
    }
    og_acme__resp_clear(&r);
    og_acme__authz_obj_clear(&authz);
    if ((error = poll_until(c, aurl, &POLL_AUTHZ, "valid", &authz)) < 0)
        goto cleanup;
    if (strcmp(authz.status, "valid") != 0)
        error = authz_failed(&authz, aurl);
cleanup:
    og_acme__authz_obj_clear(&authz);
    og_acme__resp_clear(&r);
    return error;
}

/* Finalize the order at url with a CSR of cert_key, then wait until it is valid. fin_url: the
 * order's finalize URL from newOrder when every authorization is known valid, so the order is
 * (about to be) ready: the CSR goes at once, without asking for the order first; a CA that says
 * orderNotReady gets the order polled until ready and the CSR again. NULL: poll first. order
 * receives the last order object. */
static int finalize(og_acme_client *c, const char *url, const char *fin_url,
                    const og_crypto_key *cert_key, const char *const *names, size_t n,
                    og_acme_order_obj *order)
{
    json_t *fin = NULL;
    char *payload = NULL, *csr = NULL;
    og_acme_resp r;
    int error = 0;
    memset(&r, 0, sizeof(r));
    if ((error = og_acme__csr(&csr, cert_key, names, n)) < 0)
        goto cleanup;
    fin = json_pack("{s:s}", "csr", csr);
    if (!fin || !(payload = json_dumps(fin, JSON_COMPACT))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if (fin_url) {
        error = og_acme__post(c, fin_url, payload, &r);
        if (error == OG_ECONFLICT) { /* orderNotReady: the way below */
            og_error_clear();
            og_acme__resp_clear(&r);
            memset(&r, 0, sizeof(r));
        } else if (error < 0) {
            og_error_wrap("finalizing the order");
            goto cleanup;
        } else {
            /* the answer is the order: valid already, or processing (polled below) */
            if (og_acme__order_parse(r.body.data, r.body.len, fin_url, order) == 0 &&
                strcmp(order->status, "valid") == 0)
                goto cleanup;
            og_error_clear();
            og_acme__order_obj_clear(order);
            goto poll;
        }
    }
    if ((error = poll_until(c, url, &POLL_ORDER, "ready,valid", order)) < 0)
        goto cleanup;
    if (strcmp(order->status, "invalid") == 0) {
        error = og_error_set(OG_EUPSTREAM, "order %s became invalid", url);
        goto cleanup;
    }
    if (strcmp(order->status, "ready") != 0)
        goto cleanup; /* already valid */
    if ((error = og_acme__post(c, order->finalize, payload, &r)) < 0) {
        og_error_wrap("finalizing the order");
        goto cleanup;
    }
    og_acme__order_obj_clear(order);
poll:
    if ((error = poll_until(c, url, &POLL_ORDER, "valid", order)) < 0)
        goto cleanup;
    if (strcmp(order->status, "valid") != 0)
        error = og_error_set(OG_EUPSTREAM, "order %s became invalid after finalization", url);
cleanup:
    json_decref(fin);
    free(payload);
    free(csr);
    og_acme__resp_clear(&r);
    return error;
}

/* Download the chain of the valid order and its alternates (RFC 8555 §7.4.2) into res. */
static int fetch_chains(og_acme_client *c, const og_acme_order_obj *order, const char *order_url,
                        og_acme_order_result *res)
{
    og_acme_resp r;
    int error;
    memset(&r, 0, sizeof(r));
    const char *cert_url = order->certificate;
    if (!cert_url[0])
        return og_error_set(OG_EUPSTREAM, "valid order %s has no certificate URL", order_url);
    og_strlcpy(res->cert_url, cert_url, sizeof(res->cert_url));
    if ((error = download(c, cert_url, &res->chain_pem, &r)) < 0) {
        og_acme__resp_clear(&r);
        return error;
    }
    /* alternate chains: kept beside the default one */
    res->alternates = json_array();
    char *alts[OG_ACME_MAX_LINKS] = {0};
    int nalts = r.nalternates;
    for (int i = 0; i < nalts; i++)
        alts[i] = strdup(r.alternates[i]);
    og_acme__resp_clear(&r);
    for (int i = 0; i < nalts; i++) {
        char *pem = NULL;
        if (alts[i] && download(c, alts[i], &pem, &r) == 0)
            json_array_append_new(res->alternates,
                                  json_pack("{s:s, s:s}", "url", alts[i], "chain", pem));
        og_acme__resp_clear(&r);
        free(pem);
        free(alts[i]);
    }
    return 0;
}

int og_acme__order(og_acme_client *c, const char *const *names, size_t n, const char *replaces,
                   const og_crypto_key *cert_key, const og_acme_solver *solver,
                   og_acme_order_result *res)
{
    og_acme_order_obj order;
    presented p;
    char order_url[OG_ACME_URL_MAX] = "";
    int error = OG_ERROR;
    memset(&p, 0, sizeof(p));
    memset(&order, 0, sizeof(order));
    memset(res, 0, sizeof(*res));
    if (!n || n > OG_ACME_MAX_NAMES)
        return og_error_set(OG_EINVAL, "a certificate needs 1 to %d names", OG_ACME_MAX_NAMES);
    if ((error = new_order(c, names, n, replaces, &order, order_url)) < 0)
        goto cleanup;
    og_strlcpy(res->order_url, order_url, sizeof(res->order_url));
    /* each pending authorization: present the answer, then tell the CA to validate */
    for (size_t i = 0; i < order.nauthz; i++)
        if ((error = authorize(c, order_url, order.authz[i], names, n, solver, &p)) < 0)
            goto cleanup;
    /* finalize with a CSR once the order is ready (each authorization was polled until valid:
     * at once, unless newOrder said otherwise), then wait for the certificate */
    char fin_url[OG_ACME_URL_MAX];
    int fin_now = status_in("pending,ready", order.status);
    og_strlcpy(fin_url, order.finalize, sizeof(fin_url));
    og_acme__order_obj_clear(&order);
    if ((error = finalize(c, order_url, fin_now ? fin_url : NULL, cert_key, names, n, &order)) <
            0 ||
        (error = fetch_chains(c, &order, order_url, res)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    presented_cleanup(&p, solver);
    if (error < 0) {
        char saved[1024];
        int code = og_error_code();
        og_strlcpy(saved, og_error_last(), sizeof(saved));
        og_acme__order_result_clear(res);
        og_error_set(code ? code : error, "%s", saved);
    }
    og_acme__order_obj_clear(&order);
    return error;
}
