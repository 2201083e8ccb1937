/* source.c - the CT source of a tenant or of the installation (provider, base URL, the API key
 * sealed with the scope's key, options), opened for a poll through the connectors' HTTP client;
 * and the providers: the SSLMate Cert Spotter API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct_internal.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/egress.h"
#include "opsgate/error.h"
#include "opsgate/netclient.h"
#include "opsgate/store.h"

#define DEFAULT_POLL_US   (3600LL * 1000000)
#define DEFAULT_MAX_PAGES 100
#define KEY_MAX           1024

/* ---- Cert Spotter: GET /v1/issuances?domain=D&include_subdomains=B&expand=dns_names
 *      &expand=issuer[&after=ID] ---- */
static int certspotter_page(og_connector_client *c, const char *domain, int subdomains,
                            const char *after, og_ct_issuance **out, size_t *n)
{
    char path[512];
    json_t *j = NULL;
    char *text = NULL;
    /* domain is a checked DNS name, after a checked token (parse.c): nothing to escape */
    snprintf(path, sizeof(path),
             "/v1/issuances?domain=%s&include_subdomains=%s&expand=dns_names&expand=issuer%s%s",
             domain, subdomains ? "true" : "false", after && *after ? "&after=" : "",
             after && *after ? after : "");
    int error = og_connector_client_get(c, path, &j);
    if (error < 0)
        return error;
    if (!(text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY)))
        error = og_error_set(OG_ERROR, "out of memory");
    else
        error = og_ct_certspotter_parse(text, strlen(text), out, n);
    free(text);
    json_decref(j);
    return error;
}

static const og_ct_provider providers[] = {
    {"certspotter", "https://api.certspotter.com", certspotter_page},
};

const og_ct_provider *og_ct__provider_find(const char *name)
{
    for (size_t i = 0; i < sizeof(providers) / sizeof(providers[0]); i++)
        if (name && strcmp(providers[i].name, name) == 0)
            return &providers[i];
    return NULL;
}

/* ---- the scope: a tenant's (tenant-admin) or the installation's (platform-admin) ---- */
static int scope_get(og_ctx *ctx, const char *tenant, int change, og_tenant *t, char *scope)
{
    int error;
    memset(t, 0, sizeof(*t));
    if (!tenant || !*tenant || strcmp(tenant, OG_CT_PLATFORM_SCOPE) == 0) {
        if (!og_actor_is_platform(&ctx->actor))
            return og_error_set(OG_EDENIED, "the installation's CT source is for platform admins");
        strcpy(scope, OG_CT_PLATFORM_SCOPE);
        return 0;
    }
    if ((error = og_ct__tenant(ctx, tenant, change ? OG_PERM_WRITE : OG_PERM_READ, t)) < 0)
        return error;
    if (change && !og_actor_is_platform(&ctx->actor) && ctx->actor.role != OG_ROLE_TENANT_ADMIN)
        return og_error_set(OG_EDENIED,
                            "%s may not set the CT source of tenant '%s' (it needs the "
                            "tenant-admin role)",
                            ctx->actor.user_name[0] ? ctx->actor.user_name : "this actor", t->name);
    strcpy(scope, t->id);
    return 0;
}

static int options_check(const json_t *o, int64_t *poll_us)
{
    const char *k;
    json_t *v;
    *poll_us = DEFAULT_POLL_US;
    if (!o)
        return 0;
    if (!json_is_object(o))
        return og_error_set(OG_EINVAL, "CT source options must be an object");
    json_object_foreach((json_t *)o, k, v)
    {
        if (strcmp(k, "poll_interval") == 0) {
            if (!json_is_string(v) || og_duration_parse(json_string_value(v), poll_us) < 0 ||
                *poll_us < 60LL * 1000000 || *poll_us > 7LL * 86400 * 1000000)
                return og_error_set(OG_EINVAL, "poll_interval is a duration from 1m to 7d");
        } else if (strcmp(k, "ca_pem") == 0) {
            if (!json_is_string(v))
                return og_error_set(OG_EINVAL, "ca_pem is PEM text");
        } else if (strcmp(k, "request_budget") == 0 || strcmp(k, "max_attempts") == 0 ||
                   strcmp(k, "backoff_base_ms") == 0 || strcmp(k, "backoff_max_ms") == 0 ||
                   strcmp(k, "retry_after_max_s") == 0 || strcmp(k, "timeout_s") == 0 ||
                   strcmp(k, "max_pages") == 0) {
            if (!json_is_integer(v) || json_integer_value(v) < 0 ||
                json_integer_value(v) > 100000000)
                return og_error_set(OG_EINVAL, "%s is a whole number from 0 to 100000000", k);
        } else {
            return og_error_set(OG_EINVAL, "unknown CT source option '%.40s'", k);
        }
    }
    return 0;
}

static int url_check(og_ctx *ctx, const char *url)
{
    char scheme[16], host[256];
    og_egress *eg = NULL;
    if (og_netclient_url_parts(url, scheme, sizeof(scheme), host, sizeof(host)) < 0 ||
        (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0) || strchr(url, '?') ||
        strchr(url, '#') || strchr(url, '@') || strlen(url) > 500)
        return og_error_set(OG_EINVAL, "a CT source's base URL is http(s)://host[:port][/path] "
                                       "(no query, fragment or credentials)");
    int error = og_egress_load(&eg, ctx->store);
    if (error >= 0)
        error = og_egress_check_host(eg, host);
    og_egress_free(eg);
    return error;
}

/* The key the scope's source holds: its row's id into id and a copy of the sealed key (NULL when
 * none). */
static int held_key(og_ctx *ctx, const char *scope, char id[OG_ID_LEN], uint8_t **sealed,
                    size_t *len)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare_args(
        &st, ctx->store, "SELECT id, sealed_key FROM ct_sources WHERE scope = ?", "t", scope);
    if (error >= 0 && (error = og_stmt_step(st)) == OG_ROW) {
        size_t n = 0;
        const void *b = og_stmt_col_blob(st, 1, &n);
        if (b && n) {
            og_strlcpy(id, og_stmt_col_text(st, 0), OG_ID_LEN);
            if (!(*sealed = malloc(n)))
                error = og_error_set(OG_ERROR, "out of memory");
            else
                memcpy(*sealed, b, n), *len = n;
        }
    }
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

int og_ct_source_set(og_ctx *ctx, const char *tenant, const og_ct_source_spec *spec)
{
    int error, in_tx = 0;
    og_tenant t;
    char scope[OG_ID_LEN + 16], id[OG_ID_LEN], now[OG_TIME_LEN], who[160], host[256], sch[16];
    uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    char *opts = NULL;
    json_t *analysis = NULL;
    int64_t poll_us;
    const char *provider = spec && spec->provider ? spec->provider : "certspotter";
    const og_ct_provider *p = og_ct__provider_find(provider);
    if ((error = scope_get(ctx, tenant, 1, &t, scope)) < 0)
        return error;
    if (!p)
        return og_error_set(OG_EINVAL, "unknown CT provider '%.40s' (known: certspotter)",
                            provider);
    const char *url = spec->base_url && *spec->base_url ? spec->base_url : p->default_base_url;
    if ((error = url_check(ctx, url)) < 0 || (error = options_check(spec->options, &poll_us)) < 0)
        return error;
    if (spec->key && (strlen(spec->key) > KEY_MAX || strpbrk(spec->key, "\r\n")))
        return og_error_set(OG_EINVAL, "a CT API key is one line of at most %d bytes", KEY_MAX);
    opts = spec->options ? json_dumps(spec->options, JSON_COMPACT | JSON_SORT_KEYS) : strdup("{}");
    if (!opts)
        return og_error_set(OG_ERROR, "out of memory");
    og_id_new(id);
    og_time_format(og_time_now_us(), now);
    og_actor_label(&ctx->actor, who, sizeof(who));
    og_netclient_url_parts(url, sch, sizeof(sch), host, sizeof(host));
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    in_tx = 1;
    /* without a key given, the one held stays (sealed for its row's id, which the row keeps) */
    if (!spec->key && (error = held_key(ctx, scope, id, &sealed, &sealed_len)) < 0)
        goto cleanup;
    if ((error = og_store_run(ctx->store, "DELETE FROM ct_sources WHERE scope = ?", "t", scope)) <
        0)
        goto cleanup;
    if (spec->key && *spec->key &&
        (error = og_crypto_seal(ctx->keys, ctx->store, t.id[0] ? t.id : NULL, id, spec->key,
                                strlen(spec->key), &sealed, &sealed_len)) < 0)
        goto cleanup;
    if ((error = og_store_run(ctx->store,
                              "INSERT INTO ct_sources (id, tenant_id, scope, provider, base_url,"
                              " options, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                              "tttttttt", id, t.id[0] ? t.id : NULL, scope, p->name, url, opts, now,
                              who)) < 0)
        goto cleanup;
    if (sealed &&
        (error = og_store_run(ctx->store, "UPDATE ct_sources SET sealed_key = ? WHERE id = ?", "bt",
                              (const void *)sealed, sealed_len, id)) < 0)
        goto cleanup;
    analysis =
        json_pack("{s:s, s:s, s:b}", "provider", p->name, "host", host, "key", sealed != NULL);
    error = og_audit_log(ctx, t.id[0] ? t.id : NULL, "certs", "ct.source.set", "ct-source", id,
                         analysis);
cleanup:
    if (in_tx)
        error = og_store_tx_end(ctx->store, error);
    free(sealed);
    free(opts);
    json_decref(analysis);
    return error < 0 ? error : 0;
}

/* The row of the source that applies: the tenant's, else the installation's. */
static int source_row(og_ctx *ctx, const char *tenant_id, og_stmt **st)
{
    int error = og_stmt_prepare_args(
        st, ctx->store,
        "SELECT id, tenant_id, provider, base_url, sealed_key, options, updated_at, updated_by"
        " FROM ct_sources WHERE scope = ? OR scope = ? ORDER BY tenant_id IS NULL LIMIT 1",
        "tt", tenant_id && *tenant_id ? tenant_id : OG_CT_PLATFORM_SCOPE, OG_CT_PLATFORM_SCOPE);
    if (error < 0)
        return error;
    if ((error = og_stmt_step(st[0])) < 0)
        return error;
    if (error != OG_ROW)
        return og_error_set(OG_ENOTFOUND, "CT source not found: none is set for the tenant or "
                                          "the installation");
    return 0;
}

int og_ct_source_show(og_ctx *ctx, const char *tenant, json_t **out)
{
    og_tenant t;
    og_stmt *st = NULL;
    char scope[OG_ID_LEN + 16];
    int error = scope_get(ctx, tenant, 0, &t, scope);
    if (error < 0)
        return error;
    if ((error = source_row(ctx, t.id, &st)) >= 0) {
        size_t klen = 0;
        og_stmt_col_blob(st, 4, &klen);
        json_t *o = json_loads(og_stmt_col_text(st, 5), 0, NULL);
        *out = json_pack("{s:s, s:s, s:s, s:b, s:o, s:s, s:s}", "scope",
                         og_stmt_col_text(st, 1) ? "tenant" : "platform", "provider",
                         og_stmt_col_text(st, 2), "base_url", og_stmt_col_text(st, 3), "key",
                         klen > 0, "options", o ? o : json_object(), "updated_at",
                         og_stmt_col_text(st, 6), "updated_by", og_stmt_col_text(st, 7));
        if (!*out)
            error = og_error_set(OG_ERROR, "out of memory");
    }
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

int64_t og_ct__poll_interval(og_ctx *ctx, const char *tenant_id)
{
    og_stmt *st = NULL;
    int64_t us = DEFAULT_POLL_US;
    if (source_row(ctx, tenant_id, &st) >= 0) {
        json_t *o = json_loads(og_stmt_col_text(st, 5), 0, NULL);
        int64_t v;
        const char *s = json_string_value(json_object_get(o, "poll_interval"));
        if (s && og_duration_parse(s, &v) >= 0 && v >= 60LL * 1000000)
            us = v;
        json_decref(o);
    }
    og_stmt_free(st);
    return us;
}

int og_ct__source_open(og_ctx *ctx, const char *tenant_id, og_ct__source *out)
{
    og_stmt *st = NULL;
    uint8_t *key = NULL;
    size_t key_len = 0;
    char *bearer = NULL;
    json_t *opts = NULL;
    int error;
    memset(out, 0, sizeof(*out));
    if ((error = source_row(ctx, tenant_id, &st)) < 0)
        goto cleanup;
    const char *sid = og_stmt_col_text(st, 0), *stid = og_stmt_col_text(st, 1);
    if (!(out->provider = og_ct__provider_find(og_stmt_col_text(st, 2)))) {
        error = og_error_set(OG_ECORRUPT, "the CT source names an unknown provider");
        goto cleanup;
    }
    size_t sealed_len = 0;
    const void *sealed = og_stmt_col_blob(st, 4, &sealed_len);
    if (sealed && sealed_len &&
        (error = og_crypto_open(ctx->keys, ctx->store, stid, sid, sealed, sealed_len, &key,
                                &key_len)) < 0) {
        og_error_wrap("opening the CT source's key");
        goto cleanup;
    }
    if (key && (!(bearer = calloc(1, key_len + 1)) || !memcpy(bearer, key, key_len))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    opts = json_loads(og_stmt_col_text(st, 5), 0, NULL);
    json_t *mp = json_object_get(opts, "max_pages");
    out->max_pages = json_is_integer(mp) && json_integer_value(mp) > 0 ? json_integer_value(mp)
                                                                       : DEFAULT_MAX_PAGES;
    if ((error = og_connector_client_open(&out->client, ctx->store, out->provider->name,
                                          og_stmt_col_text(st, 3), bearer, opts)) < 0)
        goto cleanup;
cleanup:
    if (key)
        og_crypto_wipe(key, key_len);
    if (bearer)
        og_crypto_wipe(bearer, key_len);
    free(key);
    free(bearer);
    json_decref(opts);
    og_stmt_free(st);
    if (error < 0)
        og_ct__source_close(out);
    return error < 0 ? error : 0;
}

void og_ct__source_close(og_ct__source *s)
{
    og_connector_client_free(s->client);
    memset(s, 0, sizeof(*s));
}
