/* acme_cert.c - certificates from an ACME CA: issuance into a renewal plan, renewal as gate action
 * certs.renew (L1 by default, override restores the previous certificate), revocation, plans. */
#include "certs/acme_internal.h"
#include "opsgate/audit.h"
#include "opsgate/certs.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/events.h"
#include "opsgate/gate.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RENEW_KIND "certs.renew"

/* ---- names and challenge settings ---- */

static int is_ip(const char *s)
{
    uint8_t b[16];
    return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

/* A DNS name (optionally "*." first) of labels of [a-z0-9-], or an IP literal. */
static int name_ok(const char *s, int *wildcard)
{
    size_t n = strlen(s);
    *wildcard = 0;
    if (is_ip(s))
        return 1;
    if (n == 0 || n > 253)
        return 0;
    if (strncmp(s, "*.", 2) == 0) {
        *wildcard = 1;
        s += 2;
    }
    size_t label = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '.') {
            if (label == 0 || p[-1] == '-')
                return 0;
            label = 0;
        } else if (isalnum((unsigned char)*p) || (*p == '-' && label > 0)) {
            if (++label > 63 || isupper((unsigned char)*p))
                return 0;
        } else {
            return 0;
        }
    }
    return label > 0 && strchr(s, '.') != NULL;
}

/* Check the options and build the plan's stored challenge settings (new reference). */
static int settings_build(const og_acme_issue_opts *o, json_t **names_out, json_t **ch_out)
{
    const char *type = o->challenge ? o->challenge : "http-01";
    json_t *names = json_array(), *ch = NULL;
    int error = OG_EINVAL;
    *names_out = *ch_out = NULL;
    if (!o->nnames || o->nnames > OG_ACME_MAX_NAMES) {
        error = og_error_set(OG_EINVAL, "a certificate needs 1 to %d --name", OG_ACME_MAX_NAMES);
        goto cleanup;
    }
    for (size_t i = 0; i < o->nnames; i++) {
        int wild = 0;
        if (!o->names[i] || !name_ok(o->names[i], &wild)) {
            error = og_error_set(OG_EINVAL, "bad --name '%s' (a lower-case DNS name, *.name "
                                            "with dns-01, or an IP address)",
                                 o->names[i] ? o->names[i] : "");
            goto cleanup;
        }
        if (wild && strcmp(type, "dns-01") != 0) {
            error = og_error_set(OG_EINVAL, "--name '%s': a wildcard needs --challenge dns-01",
                                 o->names[i]);
            goto cleanup;
        }
        for (size_t k = 0; k < i; k++)
            if (strcmp(o->names[k], o->names[i]) == 0) {
                error = og_error_set(OG_EINVAL, "--name '%s' given twice", o->names[i]);
                goto cleanup;
            }
        json_array_append_new(names, json_string(o->names[i]));
    }
    if (o->key_type && og_acme__key_type_valid(o->key_type) < 0)
        goto cleanup;
    if (o->timeout_s < 0 || o->timeout_s > 3600) {
        error = og_error_set(OG_EINVAL, "bad timeout %d s (1 to 3600)", o->timeout_s);
        goto cleanup;
    }
    if (strcmp(type, "http-01") == 0) {
        if (!o->http_listen == !o->webroot) {
            error = og_error_set(OG_EINVAL, "http-01 needs exactly one of --http-listen ADDR "
                                            "and --webroot DIR");
            goto cleanup;
        }
        ch = o->http_listen ? json_pack("{s:s, s:s}", "type", type, "http_listen", o->http_listen)
                            : json_pack("{s:s, s:s}", "type", type, "webroot", o->webroot);
    } else if (strcmp(type, "tls-alpn-01") == 0) {
        if (!o->tls_listen) {
            error = og_error_set(OG_EINVAL, "tls-alpn-01 needs --tls-listen ADDR");
            goto cleanup;
        }
        ch = json_pack("{s:s, s:s}", "type", type, "tls_listen", o->tls_listen);
    } else if (strcmp(type, "dns-01") == 0) {
        const char *prov = o->dns_provider ? o->dns_provider : "challtestsrv";
        const og_acme_dns_provider *dp = og_acme__dns_provider_find(prov);
        if (!dp) {
            error = og_error_set(OG_EINVAL, "unknown --dns-provider '%s' (challtestsrv, rfc2136)",
                                 prov);
            goto cleanup;
        }
        if (!o->dns_config || !*o->dns_config) {
            error = og_error_set(OG_EINVAL, "dns-01 with %s needs --dns-config", prov);
            goto cleanup;
        }
        if (dp->check && (error = dp->check(o->dns_config)) < 0)
            goto cleanup;
        for (size_t i = 0; i < o->nnames; i++)
            if (is_ip(o->names[i])) {
                error = og_error_set(OG_EINVAL, "--name '%s': an IP address needs http-01",
                                     o->names[i]);
                goto cleanup;
            }
        ch = json_pack("{s:s, s:s, s:s}", "type", type, "dns_provider", prov, "dns_config",
                       o->dns_config);
    } else {
        error = og_error_set(OG_EINVAL, "unknown --challenge '%s' (http-01, dns-01 or "
                                        "tls-alpn-01)", type);
        goto cleanup;
    }
    if (o->timeout_s)
        json_object_set_new(ch, "timeout_s", json_integer(o->timeout_s));
    *names_out = names;
    *ch_out = ch;
    names = ch = NULL;
    error = 0;
cleanup:
    json_decref(names);
    json_decref(ch);
    return error;
}

/* ---- solvers ---- */
typedef struct solve_ctx {
    og_acme_http01 *srv;
    og_acme_tlsalpn *tls;
    const char *webroot;
    const og_acme_dns_provider *dns;
    const char *dns_config;
} solve_ctx;

static int http_present(void *arg, const char *domain, const char *token, const char *ka)
{
    solve_ctx *s = arg;
    (void)domain;
    return s->srv ? og_acme__http01_add(s->srv, token, ka)
                  : og_acme__webroot_put(s->webroot, token, ka);
}

static void http_cleanup(void *arg, const char *domain, const char *token, const char *ka)
{
    solve_ctx *s = arg;
    (void)domain;
    (void)ka;
    if (!s->srv)
        og_acme__webroot_remove(s->webroot, token);
}

static int tls_present(void *arg, const char *domain, const char *token, const char *ka)
{
    solve_ctx *s = arg;
    (void)token;
    return og_acme__tlsalpn_add(s->tls, domain, ka);
}

static int dns_fqdn(const char *domain, char *out, size_t size)
{
    const char *d = strncmp(domain, "*.", 2) == 0 ? domain + 2 : domain;
    if ((size_t)snprintf(out, size, "_acme-challenge.%s.", d) >= size)
        return og_error_set(OG_EINVAL, "name too long: %s", domain);
    return 0;
}

static int dns_present(void *arg, const char *domain, const char *token, const char *ka)
{
    solve_ctx *s = arg;
    char fqdn[300];
    char *v = og_acme__dns01_value(ka);
    int error;
    (void)token;
    if (!v)
        return og_error_set(OG_ERROR, "out of memory");
    error = dns_fqdn(domain, fqdn, sizeof(fqdn));
    if (error == 0)
        error = s->dns->present(s->dns_config, fqdn, v);
    free(v);
    return error;
}

static void dns_cleanup(void *arg, const char *domain, const char *token, const char *ka)
{
    solve_ctx *s = arg;
    char fqdn[300];
    char *v = og_acme__dns01_value(ka);
    (void)token;
    /* best effort: a stale TXT record does no harm beyond clutter, and the order's outcome
     * must not depend on it; keep the order's error message */
    char saved[1024];
    int code = og_error_code();
    og_strlcpy(saved, og_error_last(), sizeof(saved));
    if (v && dns_fqdn(domain, fqdn, sizeof(fqdn)) == 0 && s->dns->cleanup)
        (void)s->dns->cleanup(s->dns_config, fqdn, v);
    if (code)
        og_error_set(code, "%s", saved);
    else
        og_error_clear();
    free(v);
}

/* ---- one issuance (network only; nothing recorded) ---- */
typedef struct issued {
    og_acme_order_result res;
    char *key_pem;
    size_t key_len;
    uint8_t *der;          /* the leaf */
    size_t der_len;
    og_cert_info info;
    char ari_id[256];
    int64_t renew_at_us;
    int ari;               /* renew_at came from the CA's ARI window */
    int64_t ari_check_us;  /* when to ask renewalInfo again; 0 without ARI */
} issued;

static void issued_clear(issued *is)
{
    og_acme__order_result_clear(&is->res);
    if (is->key_pem)
        og_crypto_wipe(is->key_pem, is->key_len);
    free(is->key_pem);
    OPENSSL_free(is->der);
    og_cert_info_clear(&is->info);
    memset(is, 0, sizeof(*is));
}

static uint64_t rnd64(void)
{
    uint64_t r = 0;
    if (og_crypto_random(&r, sizeof(r)) < 0)
        r = (uint64_t)og_time_mono_us();
    return r;
}

/* When to renew: inside the CA's ARI window if it has one, else at 2/3 of the lifetime. */
static void schedule(og_acme_client *c, issued *is)
{
    int64_t start, end, ra;
    is->renew_at_us = og_acme_renew_fallback(is->info.not_before_us, is->info.not_after_us,
                                             rnd64());
    if (og_acme_ari_cert_id(is->der, is->der_len, is->ari_id) < 0) {
        is->ari_id[0] = '\0';
        og_error_clear();
        return;
    }
    if (og_acme__ari_fetch(c, is->ari_id, &start, &end, &ra) == 0 &&
        og_acme_ari_pick(start, end, og_time_now_us(), rnd64(), &is->renew_at_us) == 0) {
        is->ari = 1;
        is->ari_check_us = og_time_now_us() + og_acme__ari_recheck_us(ra);
    }
    og_error_clear();
}

static int issue_once(og_acme_client *c, json_t *names, const char *key_type, json_t *ch,
                      const char *replaces, issued *is)
{
    const char *list[OG_ACME_MAX_NAMES];
    size_t n = json_array_size(names);
    EVP_PKEY *key = NULL;
    og_acme_http01 *srv = NULL;
    og_acme_tlsalpn *tls = NULL;
    solve_ctx sc = {0};
    og_acme_solver solver = {0};
    BIO *b = NULL;
    X509 *x = NULL;
    int error;
    const char *type = json_string_value(json_object_get(ch, "type"));
    memset(is, 0, sizeof(*is));
    if (n == 0 || n > OG_ACME_MAX_NAMES || !type)
        return og_error_set(OG_ECORRUPT, "a renewal plan's settings are damaged");
    for (size_t i = 0; i < n; i++)
        list[i] = json_string_value(json_array_get(names, i));
    if (json_integer_value(json_object_get(ch, "timeout_s")) > 0)
        c->timeout_s = (int)json_integer_value(json_object_get(ch, "timeout_s"));
    solver.type = type;
    solver.arg = &sc;
    if (strcmp(type, "dns-01") == 0) {
        sc.dns = og_acme__dns_provider_find(json_string_value(json_object_get(ch,
                                                                              "dns_provider")));
        sc.dns_config = json_string_value(json_object_get(ch, "dns_config"));
        if (!sc.dns)
            return og_error_set(OG_ECORRUPT, "the plan's DNS provider is unknown");
        solver.present = dns_present;
        solver.cleanup = dns_cleanup;
    } else if (strcmp(type, "tls-alpn-01") == 0) {
        const char *listen = json_string_value(json_object_get(ch, "tls_listen"));
        if (!listen || (error = og_acme__tlsalpn_start(&tls, listen)) < 0)
            return listen ? error : og_error_set(OG_ECORRUPT, "the plan has no tls_listen");
        sc.tls = tls;
        solver.present = tls_present;
    } else {
        const char *listen = json_string_value(json_object_get(ch, "http_listen"));
        sc.webroot = json_string_value(json_object_get(ch, "webroot"));
        /* the responder runs for this order only: started before the order so a bad address
         * fails before the CA is asked for anything */
        if (listen && (error = og_acme__http01_start(&srv, listen)) < 0)
            return error;
        sc.srv = srv;
        solver.present = http_present;
        solver.cleanup = http_cleanup;
    }
    if ((error = og_acme__key_generate(&key, key_type)) < 0 ||
        (error = og_acme__order(c, list, n, replaces, key, &solver, &is->res)) < 0 ||
        (error = og_acme__key_to_pem(key, &is->key_pem, &is->key_len)) < 0)
        goto cleanup;
    error = OG_ERROR;
    if (!(b = BIO_new_mem_buf(is->res.chain_pem, -1)) ||
        !(x = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
        error = og_error_set(OG_ERROR, "the CA's certificate chain does not parse");
        goto cleanup;
    }
    int len = i2d_X509(x, &is->der);
    if (len <= 0)
        goto cleanup;
    is->der_len = (size_t)len;
    if ((error = og_certs_parse_der(&is->info, is->der, is->der_len)) < 0)
        goto cleanup;
    if (X509_check_private_key(x, key) != 1) {
        error = og_error_set(OG_ERROR, "the CA's certificate is not for the key of the CSR");
        goto cleanup;
    }
    schedule(c, is);
    error = 0;
cleanup:
    og_acme__http01_stop(srv);
    og_acme__tlsalpn_stop(tls);
    EVP_PKEY_free(key);
    BIO_free(b);
    X509_free(x);
    if (error < 0) {
        char saved[1024];
        int code = og_error_code();
        og_strlcpy(saved, og_error_last(), sizeof(saved));
        issued_clear(is);
        og_error_set(code ? code : error, "%s", saved);
    }
    return error;
}

/* ---- recording ---- */

/*
 * Record an issued certificate as the plan's current one (inside the caller's transaction):
 * the previous current one (if any) becomes "previous"; the chain and key go into the inventory
 * too (og_certs_import seals the key under the tenant).
 */
static int record(og_ctx *ctx, const char *tid, const char *plan_id, const char *old_cert,
                  issued *is, char cert_id[OG_ID_LEN])
{
    og_stmt *st = NULL;
    uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    char now[OG_TIME_LEN], *alts = NULL, name[128];
    og_buf bundle;
    og_certs_import_summary sum;
    int error;
    og_buf_init(&bundle, 4 << 20);
    og_id_new(cert_id);
    og_time_format(og_time_now_us(), now);
    if ((error = og_crypto_seal(ctx->keys, ctx->store, tid, cert_id, is->key_pem, is->key_len,
                                &sealed, &sealed_len)) < 0)
        goto cleanup;
    if (old_cert) {
        if ((error = og_stmt_prepare(&st, ctx->store,
                                     "UPDATE acme_certs SET status = 'previous' WHERE tenant_id ="
                                     " ? AND id = ? AND status = 'current'")) < 0)
            goto cleanup;
        og_stmt_bind_text(st, 1, tid);
        og_stmt_bind_text(st, 2, old_cert);
        if ((error = og_stmt_step(st)) < 0)
            goto cleanup;
        og_stmt_free(st);
        st = NULL;
    }
    alts = json_dumps(is->res.alternates ? is->res.alternates : json_array(), JSON_COMPACT);
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "INSERT INTO acme_certs (id, tenant_id, plan_id, fingerprint,"
                                 " serial, not_before_us, not_after_us, chain_pem, alternates,"
                                 " sealed_key, order_url, cert_url, ari_cert_id, replaces, status,"
                                 " created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,'current',?)"))
        < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, cert_id);
    og_stmt_bind_text(st, 2, tid);
    og_stmt_bind_text(st, 3, plan_id);
    og_stmt_bind_text(st, 4, is->info.fingerprint);
    og_stmt_bind_text(st, 5, is->info.serial);
    og_stmt_bind_int(st, 6, is->info.not_before_us);
    og_stmt_bind_int(st, 7, is->info.not_after_us);
    og_stmt_bind_text(st, 8, is->res.chain_pem);
    og_stmt_bind_text(st, 9, alts ? alts : "[]");
    og_stmt_bind_blob(st, 10, sealed, sealed_len);
    og_stmt_bind_text(st, 11, is->res.order_url);
    og_stmt_bind_text(st, 12, is->res.cert_url);
    og_stmt_bind_text(st, 13, is->ari_id[0] ? is->ari_id : NULL);
    og_stmt_bind_text(st, 14, old_cert);
    og_stmt_bind_text(st, 15, now);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    og_stmt_free(st);
    st = NULL;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "UPDATE acme_plans SET current_cert = ?, renew_at_us = ?,"
                                 " failures = 0, last_error = NULL, updated_at = ?,"
                                 " ari_check_us = ? WHERE tenant_id = ? AND id = ?")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, cert_id);
    og_stmt_bind_int(st, 2, is->renew_at_us);
    og_stmt_bind_text(st, 3, now);
    if (is->ari_check_us)
        og_stmt_bind_int(st, 4, is->ari_check_us);
    else
        og_stmt_bind_null(st, 4);
    og_stmt_bind_text(st, 5, tid);
    og_stmt_bind_text(st, 6, plan_id);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    /* the inventory gets the chain and the key, so scans and expiry alerts know it */
    if ((error = og_buf_puts(&bundle, is->res.chain_pem)) < 0 ||
        (error = og_buf_puts(&bundle, "\n")) < 0 ||
        (error = og_buf_append(&bundle, is->key_pem, is->key_len)) < 0)
        goto cleanup;
    snprintf(name, sizeof(name), "acme:%s", plan_id);
    if ((error = og_certs_import(ctx, tid, name, bundle.data, bundle.len, &sum)) < 0)
        og_error_wrap("adding the certificate to the inventory");
cleanup:
    og_stmt_free(st);
    free(sealed);
    free(alts);
    if (bundle.data)
        og_crypto_wipe(bundle.data, bundle.len);
    og_buf_free(&bundle);
    return error;
}

static json_t *issued_json(const char *plan_id, const char *cert_id, const issued *is)
{
    char na[OG_TIME_LEN], ra[OG_TIME_LEN];
    og_time_format(is->info.not_after_us, na);
    og_time_format(is->renew_at_us, ra);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i}", "id", plan_id, "cert_id",
                     cert_id, "serial", is->info.serial, "fingerprint", is->info.fingerprint,
                     "not_after", na, "renew_at", ra, "renew_at_from", is->ari ? "ari" : "2/3",
                     "alternates", (int)json_array_size(is->res.alternates));
}

int og_acme_cert_issue(og_ctx *ctx, const char *tenant, const og_acme_issue_opts *o, json_t **out)
{
    og_acme_client *c = NULL;
    json_t *names = NULL, *ch = NULL, *analysis = NULL;
    og_stmt *st = NULL;
    issued is;
    char tid[OG_ID_LEN], aid[OG_ID_LEN], plan_id[OG_ID_LEN], cert_id[OG_ID_LEN], now[OG_TIME_LEN];
    char *names_text = NULL, *ch_text = NULL;
    uint8_t *dns_sealed = NULL;
    size_t dns_sealed_len = 0;
    const char *key_type = o && o->key_type ? o->key_type : "ec256";
    int error;
    memset(&is, 0, sizeof(is));
    if (out)
        *out = NULL;
    if ((error = og_acme__resolve(ctx, tenant, OG_PERM_WRITE, tid)) < 0)
        return error;
    if (!o)
        return og_error_set(OG_EINVAL, "no issuance options");
    if ((error = settings_build(o, &names, &ch)) < 0 ||
        (error = og_acme__account_open(ctx, tid, o->account, &c, aid)) < 0 ||
        (error = issue_once(c, names, key_type, ch, NULL, &is)) < 0)
        goto cleanup;
    names_text = json_dumps(names, JSON_COMPACT);
    og_id_new(plan_id);
    og_time_format(og_time_now_us(), now);
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    /* provider settings may hold secrets: sealed apart, never in the plain column */
    const char *dns_config = json_string_value(json_object_get(ch, "dns_config"));
    if (dns_config &&
        (error = og_crypto_seal(ctx->keys, ctx->store, tid, plan_id, dns_config,
                                strlen(dns_config), &dns_sealed, &dns_sealed_len)) < 0)
        goto rollback;
    json_object_del(ch, "dns_config");
    ch_text = json_dumps(ch, JSON_COMPACT | JSON_SORT_KEYS);
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "INSERT INTO acme_plans (id, tenant_id, account_id, names,"
                                 " key_type, challenge, created_at, updated_at,"
                                 " challenge_sealed) VALUES (?,?,?,?,?,?,?,?,?)")) < 0)
        goto rollback;
    if (dns_sealed)
        og_stmt_bind_blob(st, 9, dns_sealed, dns_sealed_len);
    else
        og_stmt_bind_null(st, 9);
    og_stmt_bind_text(st, 1, plan_id);
    og_stmt_bind_text(st, 2, tid);
    og_stmt_bind_text(st, 3, aid);
    og_stmt_bind_text(st, 4, names_text);
    og_stmt_bind_text(st, 5, key_type);
    og_stmt_bind_text(st, 6, ch_text);
    og_stmt_bind_text(st, 7, now);
    og_stmt_bind_text(st, 8, now);
    if ((error = og_stmt_step(st)) < 0 ||
        (error = record(ctx, tid, plan_id, NULL, &is, cert_id)) < 0)
        goto rollback;
    analysis = json_pack("{s:O, s:s, s:s, s:s, s:s}", "names", names, "key_type", key_type,
                         "challenge", json_string_value(json_object_get(ch, "type")), "serial",
                         is.info.serial, "fingerprint", is.info.fingerprint);
    if ((error = og_audit_log(ctx, tid, "certs", "acme.cert.issue", "acme_plan", plan_id,
                              analysis)) < 0 ||
        (error = og_store_tx_commit(ctx->store)) < 0)
        goto rollback;
    if (out && (*out = issued_json(plan_id, cert_id, &is)))
        json_object_set_new(*out, "badnonce_retries", json_integer(c->badnonce_retries));
    error = 0;
    goto cleanup;
rollback:
    og_store_tx_rollback(ctx->store);
cleanup:
    og_stmt_free(st);
    og_acme__client_free(c);
    json_decref(names);
    json_decref(ch);
    json_decref(analysis);
    free(names_text);
    free(ch_text);
    free(dns_sealed);
    issued_clear(&is);
    return error;
}

/* ---- plans ---- */
typedef struct plan {
    char id[OG_ID_LEN], account[OG_ID_LEN], key_type[16], current[OG_ID_LEN];
    json_t *names, *ch;
    char serial[100], ari_id[256], fingerprint[65];
    int64_t not_after_us;
} plan;

static void plan_clear(plan *p)
{
    json_decref(p->names);
    json_decref(p->ch);
    memset(p, 0, sizeof(*p));
}

/* A plan by its id, or by the id of one of its certificates. */
static int plan_load(og_ctx *ctx, const char *tid, const char *id, plan *p)
{
    og_stmt *st = NULL;
    json_error_t je;
    uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    int rc, error;
    memset(p, 0, sizeof(*p));
    if ((error = og_stmt_prepare(
             &st, ctx->store,
             "SELECT p.id, p.account_id, p.key_type, p.names, p.challenge, p.current_cert,"
             " c.serial, c.ari_cert_id, c.not_after_us, p.challenge_sealed, c.fingerprint"
             " FROM acme_plans p"
             " LEFT JOIN acme_certs c"
             " ON c.id = p.current_cert WHERE p.tenant_id = ? AND (p.id = ? OR p.id = (SELECT"
             " plan_id FROM acme_certs WHERE tenant_id = ? AND id = ?))")) < 0)
        return error;
    og_stmt_bind_text(st, 1, tid);
    og_stmt_bind_text(st, 2, id);
    og_stmt_bind_text(st, 3, tid);
    og_stmt_bind_text(st, 4, id);
    if ((rc = og_stmt_step(st)) == OG_ROW) {
        og_strlcpy(p->id, og_stmt_col_text(st, 0), sizeof(p->id));
        og_strlcpy(p->account, og_stmt_col_text(st, 1), sizeof(p->account));
        og_strlcpy(p->key_type, og_stmt_col_text(st, 2), sizeof(p->key_type));
        p->names = json_loads(og_stmt_col_text(st, 3), 0, &je);
        p->ch = json_loads(og_stmt_col_text(st, 4), 0, &je);
        if (og_stmt_col_text(st, 5))
            og_strlcpy(p->current, og_stmt_col_text(st, 5), sizeof(p->current));
        if (og_stmt_col_text(st, 6))
            og_strlcpy(p->serial, og_stmt_col_text(st, 6), sizeof(p->serial));
        if (og_stmt_col_text(st, 7))
            og_strlcpy(p->ari_id, og_stmt_col_text(st, 7), sizeof(p->ari_id));
        p->not_after_us = og_stmt_col_int(st, 8);
        if (og_stmt_col_text(st, 10))
            og_strlcpy(p->fingerprint, og_stmt_col_text(st, 10), sizeof(p->fingerprint));
        size_t sl = 0;
        const void *sb = og_stmt_col_blob(st, 9, &sl);
        if (sb && sl && (sealed = malloc(sl))) {
            memcpy(sealed, sb, sl);
            sealed_len = sl;
        }
    }
    og_stmt_free(st);
    if (rc < 0) {
        free(sealed);
        return rc;
    }
    if (rc != OG_ROW)
        return og_error_set(OG_ENOTFOUND, "no ACME certificate '%s'", id);
    if (!json_is_array(p->names) || !json_is_object(p->ch)) {
        free(sealed);
        plan_clear(p);
        return og_error_set(OG_ECORRUPT, "ACME plan '%s' has damaged settings", id);
    }
    if (sealed) {
        uint8_t *plain = NULL;
        size_t plen = 0;
        error = og_crypto_open(ctx->keys, ctx->store, tid, p->id, sealed, sealed_len, &plain,
                               &plen);
        free(sealed);
        if (error < 0) {
            plan_clear(p);
            return error;
        }
        json_object_set_new(p->ch, "dns_config", json_stringn((const char *)plain, plen));
        og_crypto_wipe(plain, plen);
        free(plain);
    }
    return 0;
}

/* The renewal itself (certs.renew's execute): order with `replaces` when the CA has ARI. */
static int renew_exec(og_ctx *ctx, const char *tid, const char *plan_id, json_t **result)
{
    og_acme_client *c = NULL;
    json_t *ev = NULL;
    plan p;
    issued is;
    char cert_id[OG_ID_LEN], ona[OG_TIME_LEN], nna[OG_TIME_LEN];
    int error;
    memset(&is, 0, sizeof(is));
    *result = NULL;
    if ((error = plan_load(ctx, tid, plan_id, &p)) < 0)
        return error;
    if ((error = og_acme__account_open(ctx, tid, p.account, &c, NULL)) < 0)
        goto cleanup;
    const char *replaces =
        og_acme__dir_url(c, "renewalInfo") && p.ari_id[0] ? p.ari_id : NULL;
    if ((error = issue_once(c, p.names, p.key_type, p.ch, replaces, &is)) < 0)
        goto cleanup;
    og_time_format(p.not_after_us, ona);
    og_time_format(is.info.not_after_us, nna);
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    if ((error = record(ctx, tid, p.id, p.current[0] ? p.current : NULL, &is, cert_id)) < 0)
        goto rollback;
    /* deploy targets follow a renewal (the deploy module's "certs.renewed" handler), and the
     * event exists only if the renewal commits */
    if (p.fingerprint[0]) {
        ev = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "previous_fingerprint",
                       p.fingerprint, "fingerprint", is.info.fingerprint, "plan", p.id,
                       "old_serial", p.serial, "new_serial", is.info.serial, "old_not_after",
                       ona, "new_not_after", nna);
        if ((error = og_event_emit(ctx, tid, "certs.renewed", ev, NULL)) < 0)
            goto rollback;
    }
    if ((error = og_store_tx_commit(ctx->store)) < 0)
        goto rollback;
    *result = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b}", "plan", p.id,
                        "old_cert", p.current, "new_cert", cert_id, "old_serial", p.serial,
                        "new_serial", is.info.serial, "old_not_after", p.current[0] ? ona : "",
                        "new_not_after", nna, "fingerprint", is.info.fingerprint, "replaces",
                        replaces != NULL);
    json_object_set_new(*result, "old_fingerprint", json_string(p.fingerprint));
    error = 0;
    goto cleanup;
rollback:
    og_store_tx_rollback(ctx->store);
cleanup:
    og_acme__client_free(c);
    json_decref(ev);
    plan_clear(&p);
    issued_clear(&is);
    return error;
}

static int kind_execute(og_ctx *ctx, const char *tenant_id, json_t *params, json_t **result)
{
    const char *id = json_string_value(json_object_get(params, "plan"));
    if (!id)
        return og_error_set(OG_EINVAL, "certs.renew needs params.plan");
    return renew_exec(ctx, tenant_id, id, result);
}

/* Override: the previous certificate becomes current again (the new one stays recorded as
 * "previous", so it can be looked at); the plan renews again at once on the next run. */
static int kind_rollback(og_ctx *ctx, const char *tenant_id, json_t *params, json_t *result)
{
    const char *id = json_string_value(json_object_get(params, "plan"));
    const char *oldc = json_string_value(json_object_get(result, "old_cert"));
    const char *newc = json_string_value(json_object_get(result, "new_cert"));
    static const char *const sql[] = {
        "UPDATE acme_certs SET status = 'previous' WHERE tenant_id = ? AND id = ?",
        "UPDATE acme_certs SET status = 'current' WHERE tenant_id = ? AND id = ?",
        "UPDATE acme_plans SET current_cert = ? WHERE tenant_id = ? AND id = ?",
    };
    const char *oldfp = json_string_value(json_object_get(result, "old_fingerprint"));
    const char *newfp = json_string_value(json_object_get(result, "fingerprint"));
    og_stmt *st = NULL;
    int error = 0;
    if (!id || !oldc || !*oldc || !newc)
        return og_error_set(OG_ECONFLICT, "there is no previous certificate to restore");
    /* targets that already got the new certificate follow back to the restored one */
    if (oldfp && *oldfp && newfp) {
        json_t *ev = json_pack("{s:s, s:s, s:s, s:b}", "previous_fingerprint", newfp,
                               "fingerprint", oldfp, "plan", id, "override", 1);
        error = og_event_emit(ctx, tenant_id, "certs.renewed", ev, NULL);
        json_decref(ev);
    }
    for (int i = 0; i < 3 && error == 0; i++) {
        if ((error = og_stmt_prepare(&st, ctx->store, sql[i])) < 0)
            break;
        if (i < 2) {
            og_stmt_bind_text(st, 1, tenant_id);
            og_stmt_bind_text(st, 2, i == 0 ? newc : oldc);
        } else {
            og_stmt_bind_text(st, 1, oldc);
            og_stmt_bind_text(st, 2, tenant_id);
            og_stmt_bind_text(st, 3, id);
        }
        error = og_stmt_step(st) < 0 ? OG_ERROR : 0;
        og_stmt_free(st);
        st = NULL;
    }
    return error;
}

static const og_action_kind renew_kind = {
    .name = RENEW_KIND,
    .area = "certs",
    .default_level = OG_GATE_L1,
    .description = "renew a certificate from its ACME CA; override makes the previous "
                   "certificate current again",
    .execute = kind_execute,
    .rollback = kind_rollback,
};

static pthread_once_t kinds_once = PTHREAD_ONCE_INIT;
static int kinds_result;
static void kinds_register(void)
{
    int rc = og_gate_kind_register(&renew_kind);
    kinds_result = rc == OG_EEXISTS ? 0 : rc;
    og_error_clear();
}

int og_acme_register_kinds(void)
{
    pthread_once(&kinds_once, kinds_register);
    return kinds_result;
}

/* Count a failed renewal on the plan and push its next attempt back (1 h doubling to 1 day):
 * the current certificate stays current. */
static void note_failure(og_ctx *ctx, const char *tid, const char *plan_id, const char *msg)
{
    og_stmt *st = NULL;
    char saved[1024];
    int code = og_error_code();
    json_t *payload = NULL;
    og_strlcpy(saved, msg, sizeof(saved));
    /* best effort: the renewal's own error is what the caller reports */
    if (og_store_tx_begin(ctx->store) < 0)
        goto done;
    if (og_stmt_prepare(&st, ctx->store,
                        "UPDATE acme_plans SET failures = failures + 1, last_error = ?,"
                        " renew_at_us = ? + (CASE WHEN failures >= 5 THEN 86400000000 ELSE"
                        " 3600000000 * (1 << failures) END) WHERE tenant_id = ? AND id = ?") < 0)
        goto rollback;
    /* a CA that said when to come back (rateLimited + Retry-After) is not asked earlier; the
     * backoff itself is 1 h at least, so only a longer Retry-After moves the time */
    int64_t hint = og_acme__retry_after_hint(1), now = og_time_now_us();
    og_stmt_bind_text(st, 1, saved);
    og_stmt_bind_int(st, 2, hint > 3600 ? now + (hint - 3600) * 1000000 : now);
    og_stmt_bind_text(st, 3, tid);
    og_stmt_bind_text(st, 4, plan_id);
    if (og_stmt_step(st) < 0)
        goto rollback;
    /* the alert: notification channels get it through the event bus */
    payload = json_pack("{s:s, s:s}", "plan", plan_id, "error", saved);
    if (og_event_emit(ctx, tid, "certs.renew.failed", payload, NULL) < 0 ||
        og_store_tx_commit(ctx->store) < 0)
        goto rollback;
    goto done;
rollback:
    og_store_tx_rollback(ctx->store);
done:
    og_stmt_free(st);
    json_decref(payload);
    og_error_set(code ? code : OG_ERROR, "%s", saved);
}

int og_acme_cert_renew(og_ctx *ctx, const char *tenant, const char *id, json_t **out)
{
    char tid[OG_ID_LEN];
    plan p;
    og_gate_outcome oc;
    json_t *params = NULL, *analysis = NULL;
    int error;
    memset(&oc, 0, sizeof(oc));
    if (out)
        *out = NULL;
    if ((error = og_acme__resolve(ctx, tenant, OG_PERM_WRITE, tid)) < 0)
        return error;
    if (!id || !*id)
        return og_error_set(OG_EINVAL, "cert renew needs an ID");
    if ((error = og_acme_register_kinds()) < 0 || (error = plan_load(ctx, tid, id, &p)) < 0)
        return error;
    (void)og_acme__retry_after_hint(1);
    char na[OG_TIME_LEN];
    og_time_format(p.not_after_us, na);
    params = json_pack("{s:s}", "plan", p.id);
    analysis = json_pack("{s:O, s:s, s:s}", "names", p.names, "current_serial", p.serial,
                         "current_not_after", p.current[0] ? na : "");
    error = og_gate_request(ctx, tid, RENEW_KIND, "acme_plan", p.id, params, analysis, &oc);
    if (error < 0 && error != OG_EPENDING) {
        note_failure(ctx, tid, p.id, og_error_last());
        error = og_error_code();
        goto cleanup;
    }
    if (out) {
        *out = json_pack("{s:s, s:s, s:s, s:s}", "id", p.id, "gate_id", oc.gate_id, "level",
                         og_gate_level_name(oc.level), "state", oc.state);
        if (oc.result)
            json_object_set(*out, "result", oc.result);
    }
cleanup:
    json_decref(oc.result);
    json_decref(params);
    json_decref(analysis);
    plan_clear(&p);
    return error;
}

int og_acme_reason_parse(const char *s, int *code)
{
    static const char *const names[] = {
        "unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded",
        "cessationOfOperation", "certificateHold", NULL, "removeFromCRL", "privilegeWithdrawn",
        "aACompromise",
    };
    for (int i = 0; s && i < (int)(sizeof(names) / sizeof(names[0])); i++)
        if (names[i] && strcmp(s, names[i]) == 0) {
            *code = i;
            return 0;
        }
    return og_error_set(OG_EINVAL, "bad --reason '%s' (unspecified, keyCompromise, "
                                   "affiliationChanged, superseded, cessationOfOperation, ...)",
                        s ? s : "");
}

int og_acme_cert_revoke(og_ctx *ctx, const char *tenant, const char *id, const char *reason)
{
    og_acme_client *c = NULL;
    og_stmt *st = NULL;
    json_t *analysis = NULL;
    plan p;
    BIO *b = NULL;
    X509 *x = NULL;
    uint8_t *der = NULL;
    char tid[OG_ID_LEN], cert_id[OG_ID_LEN] = "";
    int error, code = -1, rc;
    memset(&p, 0, sizeof(p));
    if ((error = og_acme__resolve(ctx, tenant, OG_PERM_WRITE, tid)) < 0)
        return error;
    if (!id || !*id)
        return og_error_set(OG_EINVAL, "cert revoke needs an ID");
    if (reason && (error = og_acme_reason_parse(reason, &code)) < 0)
        return error;
    if ((error = plan_load(ctx, tid, id, &p)) < 0)
        return error;
    /* the named certificate, or the plan's current one */
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT id, chain_pem, status FROM acme_certs WHERE tenant_id = ?"
                                 " AND (id = ? OR id = ?)")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, tid);
    og_stmt_bind_text(st, 2, id);
    og_stmt_bind_text(st, 3, strcmp(id, p.id) == 0 ? p.current : id);
    if ((rc = og_stmt_step(st)) == OG_ROW) {
        og_strlcpy(cert_id, og_stmt_col_text(st, 0), sizeof(cert_id));
        if (strcmp(og_stmt_col_text(st, 2), "revoked") == 0) {
            error = og_error_set(OG_ECONFLICT, "certificate %s is already revoked", cert_id);
            goto cleanup;
        }
        b = BIO_new_mem_buf(og_stmt_col_text(st, 1), -1);
        x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    }
    og_stmt_free(st);
    st = NULL;
    if (rc < 0 || !cert_id[0] || !x) {
        error = rc < 0 ? rc : og_error_set(OG_ENOTFOUND, "ACME certificate '%s' has no "
                                                         "certificate to revoke", id);
        goto cleanup;
    }
    int len = i2d_X509(x, &der);
    if (len <= 0) {
        error = og_error_set(OG_ERROR, "encoding the certificate failed");
        goto cleanup;
    }
    if ((error = og_acme__account_open(ctx, tid, p.account, &c, NULL)) < 0 ||
        (error = og_acme__revoke(c, der, (size_t)len, code)) < 0)
        goto cleanup;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "UPDATE acme_certs SET status = 'revoked', revoked_reason = ?"
                                 " WHERE tenant_id = ? AND id = ?")) < 0)
        goto rollback;
    og_stmt_bind_text(st, 1, reason ? reason : "unspecified");
    og_stmt_bind_text(st, 2, tid);
    og_stmt_bind_text(st, 3, cert_id);
    if ((error = og_stmt_step(st)) < 0)
        goto rollback;
    analysis = json_pack("{s:s, s:s}", "cert", cert_id, "reason", reason ? reason : "unspecified");
    if ((error = og_audit_log(ctx, tid, "certs", "acme.cert.revoke", "acme_plan", p.id,
                              analysis)) < 0 ||
        (error = og_store_tx_commit(ctx->store)) < 0)
        goto rollback;
    error = 0;
    goto cleanup;
rollback:
    og_store_tx_rollback(ctx->store);
cleanup:
    og_stmt_free(st);
    og_acme__client_free(c);
    json_decref(analysis);
    plan_clear(&p);
    BIO_free(b);
    X509_free(x);
    OPENSSL_free(der);
    return error;
}

static json_t *plan_row_json(og_stmt *st)
{
    json_error_t je;
    char ra[OG_TIME_LEN], na[OG_TIME_LEN];
    json_t *j = json_pack("{s:s, s:s, s:o, s:s, s:o, s:i}", "id", og_stmt_col_text(st, 0),
                          "account", og_stmt_col_text(st, 1), "names",
                          json_loads(og_stmt_col_text(st, 2), 0, &je), "key_type",
                          og_stmt_col_text(st, 3), "challenge",
                          json_loads(og_stmt_col_text(st, 4), 0, &je), "failures",
                          (int)og_stmt_col_int(st, 6));
    if (!j)
        return NULL;
    if (!og_stmt_col_is_null(st, 5)) {
        og_time_format(og_stmt_col_int(st, 5), ra);
        json_object_set_new(j, "renew_at", json_string(ra));
    }
    if (og_stmt_col_text(st, 7))
        json_object_set_new(j, "last_error", json_string(og_stmt_col_text(st, 7)));
    if (og_stmt_col_text(st, 8)) {
        og_time_format(og_stmt_col_int(st, 11), na);
        json_object_set_new(j, "current", json_pack("{s:s, s:s, s:s, s:s, s:s}", "id",
                                                    og_stmt_col_text(st, 8), "serial",
                                                    og_stmt_col_text(st, 9), "fingerprint",
                                                    og_stmt_col_text(st, 10), "not_after", na,
                                                    "status", og_stmt_col_text(st, 12)));
    }
    return j;
}

#define PLAN_SELECT                                                                                \
    "SELECT p.id, p.account_id, p.names, p.key_type, p.challenge, p.renew_at_us, p.failures,"    \
    " p.last_error, c.id, c.serial, c.fingerprint, c.not_after_us, c.status FROM acme_plans p"   \
    " LEFT JOIN acme_certs c ON c.id = p.current_cert WHERE p.tenant_id = ?"

int og_acme_cert_list(og_ctx *ctx, const char *tenant, json_t **out)
{
    og_stmt *st = NULL;
    char tid[OG_ID_LEN];
    int error, rc;
    *out = NULL;
    if ((error = og_acme__resolve(ctx, tenant, OG_PERM_READ, tid)) < 0)
        return error;
    if ((error = og_stmt_prepare(&st, ctx->store, PLAN_SELECT " ORDER BY p.created_at, p.id")) <
        0)
        return error;
    og_stmt_bind_text(st, 1, tid);
    json_t *arr = json_array();
    for (int i = 0; i < 100000 && (rc = og_stmt_step(st)) == OG_ROW; i++)
        json_array_append_new(arr, plan_row_json(st));
    og_stmt_free(st);
    if (rc < 0) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return 0;
}

int og_acme_cert_show(og_ctx *ctx, const char *tenant, const char *id, json_t **out)
{
    og_stmt *st = NULL;
    char tid[OG_ID_LEN];
    plan p;
    int error, rc;
    *out = NULL;
    if ((error = og_acme__resolve(ctx, tenant, OG_PERM_READ, tid)) < 0)
        return error;
    if ((error = plan_load(ctx, tid, id ? id : "", &p)) < 0)
        return error;
    if ((error = og_stmt_prepare(&st, ctx->store, PLAN_SELECT " AND p.id = ?")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, tid);
    og_stmt_bind_text(st, 2, p.id);
    if ((rc = og_stmt_step(st)) == OG_ROW)
        *out = plan_row_json(st);
    og_stmt_free(st);
    st = NULL;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT id, serial, fingerprint, not_after_us, status,"
                                 " alternates, replaces, revoked_reason FROM acme_certs WHERE"
                                 " tenant_id = ? AND plan_id = ? ORDER BY created_at")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, tid);
    og_stmt_bind_text(st, 2, p.id);
    json_t *certs = json_array();
    for (int i = 0; i < 100000 && (rc = og_stmt_step(st)) == OG_ROW; i++) {
        json_error_t je;
        char na[OG_TIME_LEN];
        og_time_format(og_stmt_col_int(st, 3), na);
        json_t *alts = json_loads(og_stmt_col_text(st, 5), 0, &je);
        json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i}", "id", og_stmt_col_text(st, 0),
                              "serial", og_stmt_col_text(st, 1), "fingerprint",
                              og_stmt_col_text(st, 2), "not_after", na, "status",
                              og_stmt_col_text(st, 4), "alternate_chains",
                              (int)json_array_size(alts));
        json_decref(alts);
        if (c && og_stmt_col_text(st, 6))
            json_object_set_new(c, "replaces", json_string(og_stmt_col_text(st, 6)));
        if (c && og_stmt_col_text(st, 7))
            json_object_set_new(c, "revoked_reason", json_string(og_stmt_col_text(st, 7)));
        json_array_append_new(certs, c);
    }
    if (*out)
        json_object_set_new(*out, "certificates", certs);
    else
        json_decref(certs);
    error = rc < 0 ? rc : 0;
cleanup:
    og_stmt_free(st);
    plan_clear(&p);
    if (error < 0) {
        json_decref(*out);
        *out = NULL;
    }
    return error;
}
