/* acme_cert.c - certificates from an ACME CA: checking issuance options, answering challenges,
 * one order to a checked certificate, recording it into a new renewal plan; loading plans. */
#include "acme/acme_internal.h"
#include "opsgate/audit.h"
#include "opsgate/certs.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        error =
            og_acme__bad_setting("name", "a certificate needs 1 to %d names", OG_ACME_MAX_NAMES);
        goto cleanup;
    }
    for (size_t i = 0; i < o->nnames; i++) {
        int wild = 0;
        if (!o->names[i] || !name_ok(o->names[i], &wild)) {
            error = og_acme__bad_setting("name",
                                         "bad name '%s' (a lower-case DNS name, *.name "
                                         "with dns-01, or an IP address)",
                                         o->names[i] ? o->names[i] : "");
            goto cleanup;
        }
        if (wild && strcmp(type, "dns-01") != 0) {
            error = og_acme__bad_setting(
                "challenge", "name '%s': a wildcard needs the dns-01 challenge", o->names[i]);
            goto cleanup;
        }
        for (size_t k = 0; k < i; k++)
            if (strcmp(o->names[k], o->names[i]) == 0) {
                error = og_acme__bad_setting("name", "name '%s' given twice", o->names[i]);
                goto cleanup;
            }
        json_array_append_new(names, json_string(o->names[i]));
    }
    if (o->key_type && og_crypto_key_type_check(o->key_type) < 0)
        goto cleanup;
    if (o->timeout_s < 0 || o->timeout_s > 3600) {
        error = og_error_set(OG_EINVAL, "bad timeout %d s (1 to 3600)", o->timeout_s);
        goto cleanup;
    }
    if (strcmp(type, "http-01") == 0) {
        if (!o->http_listen == !o->webroot) {
            error = og_acme__bad_setting("http-listen ADDR or --webroot DIR",
                                         "http-01 needs exactly one of a listen address and a "
                                         "webroot folder");
            goto cleanup;
        }
        ch = o->http_listen ? json_pack("{s:s, s:s}", "type", type, "http_listen", o->http_listen)
                            : json_pack("{s:s, s:s}", "type", type, "webroot", o->webroot);
    } else if (strcmp(type, "tls-alpn-01") == 0) {
        if (!o->tls_listen) {
            error = og_acme__bad_setting("tls-listen", "tls-alpn-01 needs a listen address");
            goto cleanup;
        }
        ch = json_pack("{s:s, s:s}", "type", type, "tls_listen", o->tls_listen);
    } else if (strcmp(type, "dns-01") == 0) {
        const char *prov = o->dns_provider ? o->dns_provider : "challtestsrv";
        const og_acme_dns_provider *dp = og_acme__dns_provider_find(prov);
        if (!dp) {
            error = og_acme__bad_setting("dns-provider",
                                         "unknown DNS provider '%s' (challtestsrv, rfc2136)", prov);
            goto cleanup;
        }
        if (!o->dns_config || !*o->dns_config) {
            error = og_acme__bad_setting("dns-config",
                                         "dns-01 with %s needs its provider "
                                         "configuration",
                                         prov);
            goto cleanup;
        }
        if (dp->check && (error = dp->check(o->dns_config)) < 0)
            goto cleanup;
        for (size_t i = 0; i < o->nnames; i++)
            if (is_ip(o->names[i])) {
                error = og_acme__bad_setting("challenge",
                                             "name '%s': an IP address needs the http-01 challenge",
                                             o->names[i]);
                goto cleanup;
            }
        ch = json_pack("{s:s, s:s, s:s}", "type", type, "dns_provider", prov, "dns_config",
                       o->dns_config);
    } else {
        error = og_acme__bad_setting("challenge",
                                     "unknown challenge '%s' (http-01, dns-01 or "
                                     "tls-alpn-01)",
                                     type);
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

int og_acme__leaf_der(const char *chain_pem, uint8_t **der, size_t *len)
{
    /* The first CERTIFICATE block's bytes as they are, without decoding them into an X509: with
     * OpenSSL 3 every decode also decodes the public key through the provider's decoders (about
     * 0.1 ms), and every caller parses the DER itself next (og_certs_parse_der, the CA on
     * revocation). */
    BIO *b = chain_pem ? BIO_new_mem_buf(chain_pem, -1) : NULL;
    unsigned char *d = NULL;
    char *name = NULL;
    long n = 0;
    *der = NULL;
    if (b && PEM_bytes_read_bio(&d, &n, &name, PEM_STRING_X509, b, NULL, NULL) == 1 && n > 0 &&
        (*der = malloc((size_t)n))) {
        memcpy(*der, d, (size_t)n);
        *len = (size_t)n;
    }
    OPENSSL_free(d);
    OPENSSL_free(name);
    BIO_free(b);
    ERR_clear_error();
    return *der ? 0 : OG_ERROR;
}

int og_acme__issued_discard(og_acme_issued *is, int error)
{
    char saved[1024];
    int code = og_error_code();
    og_strlcpy(saved, og_error_last(), sizeof(saved));
    og_acme__issued_clear(is);
    return og_error_set(code ? code : error, "%s", saved);
}

void og_acme__issued_clear(og_acme_issued *is)
{
    og_acme__order_result_clear(&is->res);
    if (is->key_pem)
        og_crypto_wipe(is->key_pem, is->key_len);
    free(is->key_pem);
    free(is->der);
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
static void schedule(og_acme_client *c, og_acme_issued *is)
{
    int64_t start, end, ra;
    is->renew_at_us =
        og_acme_renew_fallback(is->info.not_before_us, is->info.not_after_us, rnd64());
    if (og_acme_ari_cert_id(is->der, is->der_len, is->ari_id) < 0) {
        is->ari_id[0] = '\0';
        og_error_clear();
        return;
    }
    if (og_acme__ari_fetch(c, is->ari_id, &start, &end, &ra) == 0 &&
        og_acme_ari_pick(start, end, og_time_now_us(), rnd64(), &is->renew_at_us) == 0) {
        is->ari = 1;
        is->ari_check_us = og_time_now_us() + og_acme__ari_recheck_us(ra);
        is->ari_end_us = end;
    }
    og_error_clear();
}

int og_acme__issue_once(og_acme_client *c, json_t *names, const char *key_type, json_t *ch,
                        const char *replaces, og_acme_issued *is)
{
    const char *list[OG_ACME_MAX_NAMES];
    size_t n = json_array_size(names);
    og_crypto_key *key = NULL;
    og_acme_http01 *srv = NULL;
    og_acme_tlsalpn *tls = NULL;
    solve_ctx sc = {0};
    og_acme_solver solver = {0};
    X509 *leaf = NULL;
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
        sc.dns = og_acme__dns_provider_find(json_string_value(json_object_get(ch, "dns_provider")));
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
    if ((error = og_crypto_key_generate(&key, key_type)) < 0 ||
        (error = og_acme__order(c, list, n, replaces, key, &solver, &is->res)) < 0 ||
        (error = og_crypto_key_to_pem(key, &is->key_pem, &is->key_len)) < 0)
        goto cleanup;
    if (og_acme__leaf_der(is->res.chain_pem, &is->der, &is->der_len) < 0) {
        error = og_error_set(OG_ERROR, "the CA's certificate chain does not parse");
        goto cleanup;
    }
    if ((error = og_certs_parse_der(&is->info, is->der, is->der_len)) < 0)
        goto cleanup;
    /* the leaf decoded by og_certs_parse_der above, taken from the certs module's cache */
    leaf = og_certs_x509_get(is->der, is->der_len);
    if (!og_crypto_key_matches_x509(key, leaf)) {
        error = og_error_set(OG_ERROR, "the CA's certificate is not for the key of the CSR");
        goto cleanup;
    }
    schedule(c, is);
    error = 0;
cleanup:
    og_acme__http01_stop(srv);
    og_acme__tlsalpn_stop(tls);
    og_crypto_key_free(key);
    X509_free(leaf);
    return error < 0 ? og_acme__issued_discard(is, error) : error;
}

/* ---- recording ---- */

/*
 * Record an issued certificate as the plan's current one (inside the caller's transaction):
 * the previous current one (if any) becomes "previous"; the chain and key go into the inventory
 * too (og_certs_import seals the key under the tenant).
 */
int og_acme__record(og_ctx *ctx, const char *tid, const char *plan_id, const char *old_cert,
                    og_acme_issued *is, char cert_id[OG_ID_LEN])
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
                                 " created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,'current',?)")) <
        0)
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
                                 " ari_check_us = ?, ari_end_us = ? WHERE tenant_id = ? AND"
                                 " id = ?")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, cert_id);
    og_stmt_bind_int(st, 2, is->renew_at_us);
    og_stmt_bind_text(st, 3, now);
    if (is->ari_check_us)
        og_stmt_bind_int(st, 4, is->ari_check_us);
    else
        og_stmt_bind_null(st, 4);
    if (is->ari_end_us)
        og_stmt_bind_int(st, 5, is->ari_end_us);
    else
        og_stmt_bind_null(st, 5);
    og_stmt_bind_text(st, 6, tid);
    og_stmt_bind_text(st, 7, plan_id);
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

static json_t *issued_json(const char *plan_id, const char *cert_id, const og_acme_issued *is)
{
    char na[OG_TIME_LEN], ra[OG_TIME_LEN];
    og_time_format(is->info.not_after_us, na);
    og_time_format(is->renew_at_us, ra);
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i}", "id", plan_id, "cert_id", cert_id,
                     "serial", is->info.serial, "fingerprint", is->info.fingerprint, "not_after",
                     na, "renew_at", ra, "renew_at_from", is->ari ? "ari" : "2/3", "alternates",
                     (int)json_array_size(is->res.alternates));
}

int og_acme_cert_issue(og_ctx *ctx, const char *tenant, const og_acme_issue_opts *o, json_t **out)
{
    int in_tx = 0;
    og_acme_client *c = NULL;
    json_t *names = NULL, *ch = NULL, *analysis = NULL;
    og_stmt *st = NULL;
    og_acme_issued is;
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
    /* unknown targets are refused before the CA is asked for anything */
    if ((error = settings_build(o, &names, &ch)) < 0 ||
        (error = og_acme__plan_targets_put(ctx, tid, NULL, o->targets, o->ntargets)) < 0 ||
        (error = og_acme__account_open(ctx, tid, o->account, &c, aid)) < 0 ||
        (error = og_acme__issue_once(c, names, key_type, ch, NULL, &is)) < 0)
        goto cleanup;
    names_text = json_dumps(names, JSON_COMPACT);
    og_id_new(plan_id);
    og_time_format(og_time_now_us(), now);
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    in_tx = 1;
    /* provider settings may hold secrets: sealed apart, never in the plain column */
    const char *dns_config = json_string_value(json_object_get(ch, "dns_config"));
    if (dns_config &&
        (error = og_crypto_seal(ctx->keys, ctx->store, tid, plan_id, dns_config, strlen(dns_config),
                                &dns_sealed, &dns_sealed_len)) < 0)
        goto cleanup;
    json_object_del(ch, "dns_config");
    ch_text = json_dumps(ch, JSON_COMPACT | JSON_SORT_KEYS);
    if ((error = og_store_run(ctx->store,
                              "INSERT INTO acme_plans (id, tenant_id, account_id, names,"
                              " key_type, challenge, created_at, updated_at,"
                              " challenge_sealed) VALUES (?,?,?,?,?,?,?,?,?)",
                              dns_sealed ? "ttttttttb" : "ttttttttn", plan_id, tid, aid, names_text,
                              key_type, ch_text, now, now, dns_sealed, dns_sealed_len)) < 0 ||
        (error = og_acme__record(ctx, tid, plan_id, NULL, &is, cert_id)) < 0 ||
        (error = og_acme__plan_targets_put(ctx, tid, plan_id, o->targets, o->ntargets)) < 0)
        goto cleanup;
    analysis = json_pack("{s:O, s:s, s:s, s:s, s:s}", "names", names, "key_type", key_type,
                         "challenge", json_string_value(json_object_get(ch, "type")), "serial",
                         is.info.serial, "fingerprint", is.info.fingerprint);
    if ((error = og_audit_log(ctx, tid, "certs", "acme.cert.issue", "acme_plan", plan_id,
                              analysis)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    if (in_tx && (error = og_store_tx_end(ctx->store, error)) >= 0) {
        if (out && (*out = issued_json(plan_id, cert_id, &is))) {
            json_t *targets = json_array();
            for (size_t i = 0; i < o->ntargets; i++)
                json_array_append_new(targets, json_string(o->targets[i]));
            json_object_set_new(*out, "targets", targets);
            json_object_set_new(*out, "badnonce_retries", json_integer(c->badnonce_retries));
        }
    }
    og_stmt_free(st);
    og_acme__client_free(c);
    json_decref(names);
    json_decref(ch);
    json_decref(analysis);
    free(names_text);
    free(ch_text);
    free(dns_sealed);
    og_acme__issued_clear(&is);
    return error;
}

/* ---- plans ---- */

void og_acme__plan_clear(og_acme_plan *p)
{
    json_decref(p->names);
    json_decref(p->ch);
    memset(p, 0, sizeof(*p));
}

/* A plan by its id, or by the id of one of its certificates. */
int og_acme__plan_load(og_ctx *ctx, const char *tid, const char *id, og_acme_plan *p)
{
    og_stmt *st = NULL;
    json_error_t je;
    uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    int rc, error;
    memset(p, 0, sizeof(*p));
    if ((error = og_stmt_prepare_args(
             &st, ctx->store,
             "SELECT p.id, p.account_id, p.key_type, p.names, p.challenge, p.current_cert,"
             " c.serial, c.ari_cert_id, c.not_after_us, p.challenge_sealed, c.fingerprint"
             " FROM acme_plans p"
             " LEFT JOIN acme_certs c"
             " ON c.id = p.current_cert WHERE p.tenant_id = ?1 AND (p.id = ?2 OR p.id = (SELECT"
             " plan_id FROM acme_certs WHERE tenant_id = ?1 AND id = ?2))",
             "tt", tid, id)) < 0)
        return error;
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
        og_acme__plan_clear(p);
        return og_error_set(OG_ECORRUPT, "ACME plan '%s' has damaged settings", id);
    }
    if (sealed) {
        uint8_t *plain = NULL;
        size_t plen = 0;
        error =
            og_crypto_open(ctx->keys, ctx->store, tid, p->id, sealed, sealed_len, &plain, &plen);
        free(sealed);
        if (error < 0) {
            og_acme__plan_clear(p);
            return error;
        }
        json_object_set_new(p->ch, "dns_config", json_stringn((const char *)plain, plen));
        og_crypto_wipe(plain, plen);
        free(plain);
    }
    return 0;
}
