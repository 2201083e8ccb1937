/* connector.c - the registry of connectors: a tenant's or the platform's, added with their
 * credentials checked against the kind's fields (secret ones sealed, others kept in options),
 * changed, listed, shown and removed; every change audited in its transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/egress.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"
#include "registry.h"
#include "sync_internal.h"

#define CRED_MAX 16384 /* one credential value */

/* ---- scope and lookup ---- */

static int is_platform_ref(const char *tenant)
{
    return !tenant || !*tenant || strcmp(tenant, OG_CONNECTOR_PLATFORM) == 0;
}

int og_conn__scope_get(og_ctx *ctx, const char *tenant, og_perm perm, const char *change,
                       og_conn_scope *out)
{
    int error;
    og_tenant t;
    memset(out, 0, sizeof(*out));
    if (is_platform_ref(tenant)) {
        out->platform = 1;
        if (og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM) < 0)
            return og_error_set(OG_EDENIED,
                                "%s the platform's connectors needs the platform-admin role "
                                "(you are %s); name a tenant for its own connectors",
                                change ? change : "seeing", og_role_name(ctx->actor.role));
        og_error_clear();
        return 0;
    }
    if ((error = og_tenant_resolve(ctx, tenant, perm, out->tid)) < 0)
        return error;
    if (change && !og_actor_is_platform(&ctx->actor) && ctx->actor.role != OG_ROLE_TENANT_ADMIN)
        return og_error_set(OG_EDENIED, "%s connectors needs the tenant-admin role (you are %s)",
                            change, og_role_name(ctx->actor.role));
    if ((error = og_tenant_get(ctx, out->tid, &t)) < 0)
        return error;
    og_strlcpy(out->tname, t.name, sizeof(out->tname));
    return 0;
}

const char *og_conn__chain(const og_conn_scope *sc)
{
    return sc->platform ? NULL : sc->tid;
}

void og_conn__row_clear(og_conn_row *row)
{
    json_decref(row->options);
    json_decref(row->fields);
    memset(row, 0, sizeof(*row));
}

int og_conn__find(og_ctx *ctx, const og_conn_scope *sc, const char *name_or_id, og_conn_row *row)
{
    og_stmt *st = NULL;
    int rc;
    memset(row, 0, sizeof(*row));
    if (!name_or_id || !*name_or_id || strlen(name_or_id) > 64)
        return og_error_set(OG_EINVAL, "a connector name or id is needed");
    if ((rc = og_stmt_prepare_args(&st, ctx->store,
                                   "SELECT id, name, kind, base_url, options, fields FROM"
                                   " connectors WHERE COALESCE(tenant_id, '') = ? AND"
                                   " (name = ? OR id = ?)",
                                   "ttt", sc->tid, name_or_id, name_or_id)) < 0)
        return rc;
    if ((rc = og_stmt_step(st)) == OG_ROW) {
        og_strlcpy(row->id, og_stmt_col_text(st, 0), sizeof(row->id));
        og_strlcpy(row->name, og_stmt_col_text(st, 1), sizeof(row->name));
        og_strlcpy(row->kind, og_stmt_col_text(st, 2), sizeof(row->kind));
        og_strlcpy(row->base_url, og_stmt_col_text(st, 3), sizeof(row->base_url));
        row->options = json_loads(og_stmt_col_text(st, 4), 0, NULL);
        row->fields = json_loads(og_stmt_col_text(st, 5), 0, NULL);
        if (!json_is_object(row->options)) {
            json_decref(row->options);
            row->options = json_object();
        }
        if (!json_is_array(row->fields)) {
            json_decref(row->fields);
            row->fields = json_array();
        }
        rc = 0;
    } else if (rc >= 0) {
        rc = og_error_set(OG_ENOTFOUND, "connector '%.64s' not found", name_or_id);
    }
    og_stmt_free(st);
    return rc;
}

/* ---- checking what is given ---- */

static int name_check(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    int ok = n >= 1 && n <= 63;
    for (size_t i = 0; ok && i < n; i++) {
        char ch = name[i];
        ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || (ch == '-' && i > 0);
    }
    if (!ok)
        return og_error_set(OG_EINVAL,
                            "connector name '%.64s' must be 1-63 of a-z 0-9 and '-', starting "
                            "with a letter or digit",
                            name ? name : "");
    return 0;
}

static const og_conn_field *field_of(const og_conn_vendor *v, const char *name)
{
    for (const og_conn_field *f = v->fields; f && f->name; f++)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

/* "a, b, c" of the kind's fields, for messages. */
static void field_names(const og_conn_vendor *v, char *out, size_t size)
{
    size_t o = 0;
    out[0] = '\0';
    for (const og_conn_field *f = v->fields; f && f->name && o + 1 < size; f++)
        o += (size_t)snprintf(out + o, size - o, "%s%s", o ? ", " : "", f->name);
    if (!out[0])
        og_strlcpy(out, "none", size);
}

/*
 * Check credentials against v's fields and split them: secret fields into *secret, the others
 * into *plain. Messages name fields, never values.
 */
static int creds_split(const og_conn_vendor *v, const json_t *creds, json_t **secret,
                       json_t **plain, json_t **names)
{
    const char *k;
    json_t *x;
    char list[512];
    *secret = json_object();
    *plain = json_object();
    *names = json_array();
    if (!*secret || !*plain || !*names)
        return og_error_set(OG_ERROR, "out of memory");
    if (creds && !json_is_object(creds))
        return og_error_set(OG_EINVAL, "credentials must be a JSON object of the %s fields",
                            v->kind);
    json_object_foreach((json_t *)creds, k, x)
    {
        const og_conn_field *f = field_of(v, k);
        field_names(v, list, sizeof(list));
        if (!f)
            return og_error_set(OG_EINVAL,
                                "credentials: unknown field '%.64s' for a %s connector (its "
                                "fields: %s)",
                                k, v->kind, list);
        if (!json_is_string(x))
            return og_error_set(OG_EINVAL, "credentials: field '%s' must be a string", k);
        if (json_string_length(x) > CRED_MAX)
            return og_error_set(OG_EINVAL, "credentials: field '%s' is longer than %d bytes", k,
                                CRED_MAX);
        if (json_string_length(x) == 0)
            continue;
        json_object_set(f->secret ? *secret : *plain, k, x);
        json_array_append_new(*names, json_string(k));
    }
    for (const og_conn_field *f = v->fields; f && f->name; f++)
        if (f->required && !json_object_get(*secret, f->name) && !json_object_get(*plain, f->name))
            return og_error_set(OG_EINVAL, "credentials: missing field '%s' (%s)", f->name,
                                f->help ? f->help : "required");
    return 0;
}

/* An option name that reads like a secret: such values belong in the credentials (sealed). */
static int secret_looking(const char *k)
{
    static const char *const words[] = {"secret",     "password", "passwd",  "token", "private",
                                        "credential", "apikey",   "api_key", NULL};
    for (int i = 0; words[i]; i++)
        if (strcasestr(k, words[i]))
            return 1;
    return 0;
}

/* options.sync_interval: "off", or a duration ("15m", "6h"; `serve` looks for due syncs once a
 * minute, so anything shorter means every minute). */
static int sync_interval_check(const json_t *x)
{
    const char *v = json_string_value(x);
    int64_t us = 0;
    if (v && strcmp(v, "off") == 0)
        return 0;
    if (!v || og_duration_parse(v, &us) < 0)
        return og_error_set(OG_EINVAL,
                            "option 'sync_interval' must be \"off\" or a duration (\"15m\", "
                            "\"6h\")");
    return 0;
}

static int options_check(const og_conn_vendor *v, const json_t *opts)
{
    static const char *const ints[] = {"request_budget", "page_size",         "max_pages",
                                       "timeout_s",      "max_attempts",      "backoff_base_ms",
                                       "backoff_max_ms", "retry_after_max_s", NULL};
    const char *k;
    json_t *x;
    if (!opts)
        return 0;
    if (!json_is_object(opts))
        return og_error_set(OG_EINVAL, "options must be a JSON object");
    json_object_foreach((json_t *)opts, k, x)
    {
        if (field_of(v, k))
            return og_error_set(OG_EINVAL,
                                "option '%.64s' is a credential field of a %s connector: give "
                                "it with the credentials",
                                k, v->kind);
        if (secret_looking(k))
            return og_error_set(OG_EINVAL,
                                "option '%.64s' looks like a secret: options are stored in "
                                "clear and shown; secrets go in the credentials (sealed)",
                                k);
        for (int i = 0; ints[i]; i++)
            if (strcmp(k, ints[i]) == 0 && (!json_is_integer(x) || json_integer_value(x) < 1))
                return og_error_set(OG_EINVAL, "option '%s' must be a positive integer", k);
        if ((strcmp(k, "mapping") == 0 || strcmp(k, "defaults") == 0) && !json_is_object(x))
            return og_error_set(OG_EINVAL, "option '%s' must be a JSON object", k);
        if ((strcmp(k, "ca_pem") == 0 || strcmp(k, "project_key_prefix") == 0) &&
            !json_is_string(x))
            return og_error_set(OG_EINVAL, "option '%s' must be a string", k);
        if (strcmp(k, "ca_pem") == 0 && !strstr(json_string_value(x), "-----BEGIN CERTIFICATE"))
            return og_error_set(OG_EINVAL, "option 'ca_pem' must hold PEM certificates");
        if (strcmp(k, "mapping") == 0 && og_conn__mapping_check(x) < 0)
            return og_error_code();
        if (strcmp(k, "sync_interval") == 0 && sync_interval_check(x) < 0)
            return og_error_code();
    }
    return 0;
}

/*
 * The base URL as stored (the kind's default when NULL, no trailing '/'), checked as og_conn_open
 * does, and its host against the egress policy when it is a numeric address.
 */
static int base_url_resolve(og_ctx *ctx, const char *kind, const char *given, const json_t *options,
                            char *out, size_t size)
{
    og_conn *c = NULL;
    og_egress *p = NULL;
    char scheme[16], host[256];
    int error;
    if ((error = og_conn_open(&c, kind, given, NULL, options)) < 0)
        return error;
    og_strlcpy(out, c->base_url, size);
    og_conn_free(c);
    if ((error = og_netclient_url_parts(out, scheme, sizeof(scheme), host, sizeof(host))) < 0)
        return og_error_set(OG_EINVAL, "base URL must be http(s)://host[:port][/path]");
    size_t n = strlen(host);
    if (host[0] == '[' && n > 2 && host[n - 1] == ']') {
        memmove(host, host + 1, n - 2);
        host[n - 2] = '\0';
    }
    if ((error = og_egress_load(&p, ctx->store)) < 0)
        return error;
    if ((error = og_egress_check_host(p, host)) < 0)
        og_error_wrap("connector base URL");
    og_egress_free(p);
    return error;
}

/* A URL for the audit trail and messages: scheme://host[:port]/… */
static json_t *url_shown(const char *url)
{
    char shown[600];
    og_url_redact(url, shown, sizeof(shown));
    return json_string(shown);
}

/* Options without the credential fields in names (the user's own options). */
static json_t *user_options(const json_t *options, const json_t *names)
{
    json_t *o = json_deep_copy(options), *x;
    size_t i;
    json_array_foreach(names, i, x) json_object_del(o, json_string_value(x));
    return o;
}

static int seal_creds(og_ctx *ctx, const og_conn_scope *sc, const char *id, const json_t *secret,
                      uint8_t **sealed, size_t *len)
{
    char *text = json_dumps(secret, JSON_COMPACT | JSON_SORT_KEYS);
    if (!text)
        return og_error_set(OG_ERROR, "out of memory");
    int error = og_crypto_seal(ctx->keys, ctx->store, og_conn__chain(sc), id, text, strlen(text),
                               sealed, len);
    og_crypto_wipe(text, strlen(text));
    free(text);
    return error;
}

/* ---- add, update, remove ---- */

typedef struct prepared {
    const og_conn_vendor *v;
    json_t *secret, *plain, *names, *options;
    char base_url[512];
} prepared;

static void prepared_clear(prepared *p)
{
    if (p->secret) {
        const char *k;
        json_t *x;
        json_object_foreach(p->secret, k, x)
            og_crypto_wipe((char *)json_string_value(x), json_string_length(x));
    }
    json_decref(p->secret);
    json_decref(p->plain);
    json_decref(p->names);
    json_decref(p->options);
    memset(p, 0, sizeof(*p));
}

/* Check a spec's credentials, options and base URL (each when given). */
static int prepare(og_ctx *ctx, const og_connector_spec *spec, const og_conn_vendor *v,
                   const char *base_url, prepared *p)
{
    int error;
    p->v = v;
    if (spec->credentials &&
        (error = creds_split(v, spec->credentials, &p->secret, &p->plain, &p->names)) < 0)
        return error;
    if ((error = options_check(v, spec->options)) < 0)
        return error;
    if ((error = base_url_resolve(ctx, v->kind, base_url, spec->options, p->base_url,
                                  sizeof(p->base_url))) < 0)
        return error;
    return p->plain && v->creds_check ? v->creds_check(p->base_url, p->plain) : 0;
}

int og_connector_add(og_ctx *ctx, const og_connector_spec *spec, json_t **out)
{
    int error;
    og_conn_scope sc;
    prepared p = {0};
    uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    char *opts_text = NULL, *names_text = NULL;
    json_t *details = NULL;
    char id[OG_ID_LEN], now[OG_TIME_LEN], who[160];
    if (out)
        *out = NULL;
    if ((error = og_conn__scope_get(ctx, spec->tenant, OG_PERM_WRITE, "adding", &sc)) < 0)
        return error;
    if ((error = name_check(spec->name)) < 0)
        return error;
    const og_conn_vendor *v = og_conn_vendor_find(spec->kind ? spec->kind : "");
    if (!v)
        return og_error_set(OG_EINVAL,
                            "unknown connector kind '%.32s' (`connector kinds` lists them: "
                            "connectwise, autotask, halopsa)",
                            spec->kind ? spec->kind : "");
    if ((error = prepare(ctx, spec, v, spec->base_url, &p)) < 0)
        goto cleanup;
    if (!p.secret && (error = creds_split(v, NULL, &p.secret, &p.plain, &p.names)) < 0)
        goto cleanup;
    p.options = spec->options ? json_deep_copy(spec->options) : json_object();
    json_object_update(p.options, p.plain);
    opts_text = json_dumps(p.options, JSON_COMPACT | JSON_SORT_KEYS);
    names_text = json_dumps(p.names, JSON_COMPACT);
    og_id_new(id);
    og_time_format(og_time_now_us(), now);
    og_actor_label(&ctx->actor, who, sizeof(who));
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    if ((error = seal_creds(ctx, &sc, id, p.secret, &sealed, &sealed_len)) < 0)
        goto end;
    error = og_store_run(ctx->store,
                         "INSERT INTO connectors (id, tenant_id, name, kind, base_url, options,"
                         " fields, secret, created_at, created_by, updated_at) VALUES"
                         " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         "tttttttbttt", id, sc.platform ? NULL : sc.tid, spec->name, v->kind,
                         p.base_url, opts_text ? opts_text : "{}", names_text ? names_text : "[]",
                         sealed, sealed_len, now, who, now);
    if (error == OG_EEXISTS) {
        error = og_error_set(OG_EEXISTS, "a connector named '%s' exists already in %s%s",
                             spec->name, sc.platform ? "the platform" : "tenant ", sc.tname);
        goto end;
    }
    if (error < 0)
        goto end;
    details =
        json_pack("{s:s, s:s, s:s, s:o, s:O, s:o}", "name", spec->name, "kind", v->kind, "scope",
                  sc.platform ? "platform" : "tenant", "base_url", url_shown(p.base_url), "fields",
                  p.names, "options", user_options(p.options, p.names));
    error = og_audit_log(ctx, og_conn__chain(&sc), "connector", "connector.add", "connector", id,
                         details);
end:
    error = og_store_tx_end(ctx->store, error);
    if (error >= 0 && out)
        error = og_connector_show(ctx, spec->tenant, id, out);
cleanup:
    prepared_clear(&p);
    free(sealed);
    free(opts_text);
    free(names_text);
    json_decref(details);
    return error;
}

/* The options and field names an update stores: the user options given (or kept), with the
 * non-secret credential fields given (or kept). */
static json_t *update_options(const og_conn_row *row, const og_connector_spec *spec,
                              const prepared *p)
{
    json_t *o =
        spec->options ? json_deep_copy(spec->options) : user_options(row->options, row->fields);
    if (!o)
        return NULL;
    if (spec->credentials) {
        json_object_update(o, p->plain);
    } else {
        json_t *x;
        size_t i;
        json_array_foreach(row->fields, i, x)
        {
            json_t *val = json_object_get(row->options, json_string_value(x));
            if (val)
                json_object_set(o, json_string_value(x), val);
        }
    }
    return o;
}

static int update_store(og_ctx *ctx, const og_conn_scope *sc, const og_conn_row *row,
                        const og_connector_spec *spec, prepared *p, json_t *changed)
{
    int error = 0;
    uint8_t *sealed = NULL;
    size_t sealed_len = 0;
    char now[OG_TIME_LEN];
    char *opts_text = json_dumps(p->options, JSON_COMPACT | JSON_SORT_KEYS);
    char *names_text = json_dumps(p->names ? p->names : row->fields, JSON_COMPACT);
    og_time_format(og_time_now_us(), now);
    if (!opts_text || !names_text) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if (spec->credentials) {
        if ((error = seal_creds(ctx, sc, row->id, p->secret, &sealed, &sealed_len)) < 0 ||
            (error = og_store_run(ctx->store, "UPDATE connectors SET secret = ? WHERE id = ?", "bt",
                                  sealed, sealed_len, row->id)) < 0)
            goto cleanup;
    }
    error = og_store_run(ctx->store,
                         "UPDATE connectors SET base_url = ?, options = ?, fields = ?,"
                         " updated_at = ? WHERE id = ?",
                         "ttttt", p->base_url, opts_text, names_text, now, row->id);
    if (error < 0)
        goto cleanup;
    json_t *details = json_pack("{s:s, s:s, s:O, s:o, s:O, s:o}", "name", row->name, "kind",
                                row->kind, "changed", changed, "base_url", url_shown(p->base_url),
                                "fields", p->names ? p->names : row->fields, "options",
                                user_options(p->options, p->names ? p->names : row->fields));
    error = og_audit_log(ctx, og_conn__chain(sc), "connector", "connector.update", "connector",
                         row->id, details);
    json_decref(details);
cleanup:
    free(sealed);
    free(opts_text);
    free(names_text);
    return error;
}

int og_connector_update(og_ctx *ctx, const og_connector_spec *spec, json_t **out)
{
    int error;
    og_conn_scope sc;
    og_conn_row row = {0};
    prepared p = {0};
    json_t *changed = json_array();
    if (out)
        *out = NULL;
    if (!changed)
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = og_conn__scope_get(ctx, spec->tenant, OG_PERM_WRITE, "changing", &sc)) < 0 ||
        (error = og_conn__find(ctx, &sc, spec->name, &row)) < 0)
        goto cleanup;
    if (spec->kind && *spec->kind && strcmp(spec->kind, row.kind) != 0) {
        error = og_error_set(OG_EINVAL,
                             "connector '%s' is a %s connector: its kind cannot change (remove "
                             "it and add a new one)",
                             row.name, row.kind);
        goto cleanup;
    }
    if (!spec->base_url && !spec->credentials && !spec->options) {
        error = og_error_set(OG_EINVAL, "nothing to change: give a base URL, credentials or "
                                        "options");
        goto cleanup;
    }
    const char *url = spec->base_url ? spec->base_url : row.base_url;
    if ((error = prepare(ctx, spec, og_conn_vendor_find(row.kind), url, &p)) < 0)
        goto cleanup;
    if (spec->base_url && strcmp(p.base_url, row.base_url) != 0) {
        /* The sealed secrets go wherever the base URL points: whoever moves it must know them. */
        if (!spec->credentials) {
            error = og_error_set(OG_EINVAL,
                                 "connector '%s': a new base URL needs the credentials again "
                                 "(--credentials-file): the sealed ones are never sent to a "
                                 "host they were not given for",
                                 row.name);
            goto cleanup;
        }
        json_array_append_new(changed, json_string("base_url"));
    }
    if (spec->credentials)
        json_array_append_new(changed, json_string("credentials"));
    if (spec->options)
        json_array_append_new(changed, json_string("options"));
    if (!(p.options = update_options(&row, spec, &p))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    error = update_store(ctx, &sc, &row, spec, &p, changed);
    error = og_store_tx_end(ctx->store, error);
    if (error >= 0 && out)
        error = og_connector_show(ctx, spec->tenant, row.id, out);
cleanup:
    prepared_clear(&p);
    og_conn__row_clear(&row);
    json_decref(changed);
    return error;
}

int og_connector_remove(og_ctx *ctx, const char *tenant, const char *name)
{
    static const char *const purge[] = {
        "DELETE FROM connector_pushes WHERE connector_id = ?",
        "DELETE FROM connector_records WHERE connector_id = ?",
        "DELETE FROM connector_syncs WHERE connector_id = ?",
        "DELETE FROM connector_companies WHERE connector_id = ?",
        "DELETE FROM connectors WHERE id = ?",
        NULL,
    };
    int error;
    og_conn_scope sc;
    og_conn_row row = {0};
    json_t *details = NULL;
    if ((error = og_conn__scope_get(ctx, tenant, OG_PERM_WRITE, "removing", &sc)) < 0 ||
        (error = og_conn__find(ctx, &sc, name, &row)) < 0)
        goto cleanup;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    /* audited first, so the trail still names the connector */
    details = json_pack("{s:s, s:s, s:s}", "name", row.name, "kind", row.kind, "scope",
                        sc.platform ? "platform" : "tenant");
    error = og_audit_log(ctx, og_conn__chain(&sc), "connector", "connector.remove", "connector",
                         row.id, details);
    for (int i = 0; purge[i] && error >= 0; i++)
        error = og_store_run(ctx->store, purge[i], "t", row.id);
    error = og_store_tx_end(ctx->store, error);
cleanup:
    og_conn__row_clear(&row);
    json_decref(details);
    return error;
}
