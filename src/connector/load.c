/* load.c - a stored connector opened for one operation (credentials unsealed, egress policy
 * loaded), and `connector test`: one authenticated call to the vendor, nothing stored. */
#include <stdlib.h>
#include <string.h>

#include "opsgate/crypto.h"
#include "opsgate/egress.h"
#include "opsgate/error.h"
#include "registry.h"

/* Open connector id of scope tid ("" for the platform): unseal, open, load the egress policy. */
static int open_stored(og_ctx *ctx, const char *id, og_conn **out)
{
    og_stmt *st = NULL;
    og_conn *c = NULL;
    json_t *creds = NULL, *options = NULL;
    uint8_t *plain = NULL;
    size_t plain_len = 0;
    char tid[OG_ID_LEN] = "", name[64] = "", kind[32] = "", url[512] = "";
    int error;
    *out = NULL;
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT tenant_id, name, kind, base_url, options, secret"
                                      " FROM connectors WHERE id = ?",
                                      "t", id)) < 0)
        return error;
    if ((error = og_stmt_step(st)) != OG_ROW) {
        error = error < 0 ? error : og_error_set(OG_ENOTFOUND, "connector '%.64s' not found", id);
        goto cleanup;
    }
    og_strlcpy(tid, og_stmt_col_text(st, 0) ? og_stmt_col_text(st, 0) : "", sizeof(tid));
    og_strlcpy(name, og_stmt_col_text(st, 1), sizeof(name));
    og_strlcpy(kind, og_stmt_col_text(st, 2), sizeof(kind));
    og_strlcpy(url, og_stmt_col_text(st, 3), sizeof(url));
    options = json_loads(og_stmt_col_text(st, 4), 0, NULL);
    size_t sealed_len = 0;
    const void *sealed = og_stmt_col_blob(st, 5, &sealed_len);
    if ((error = og_crypto_open(ctx->keys, ctx->store, tid[0] ? tid : NULL, id, sealed, sealed_len,
                                &plain, &plain_len)) < 0) {
        og_error_wrap("connector %s: opening its credentials", name);
        goto cleanup;
    }
    if (!(creds = json_loadb((const char *)plain, plain_len, 0, NULL)) || !json_is_object(creds)) {
        error = og_error_set(OG_ECORRUPT, "connector %s: its credentials do not read", name);
        goto cleanup;
    }
    if ((error = og_conn_open(&c, kind, url, creds, options)) < 0 ||
        (error = og_egress_load(&c->egress, ctx->store)) < 0)
        goto cleanup;
    og_strlcpy(c->id, id, sizeof(c->id));
    og_strlcpy(c->name, name, sizeof(c->name));
    og_strlcpy(c->tenant_id, tid, sizeof(c->tenant_id));
    *out = c;
    c = NULL;
cleanup:
    og_stmt_free(st);
    og_conn_free(c);
    if (creds) {
        const char *k;
        json_t *x;
        json_object_foreach(creds, k, x)
            og_crypto_wipe((char *)json_string_value(x), json_string_length(x));
    }
    json_decref(creds);
    json_decref(options);
    if (plain) {
        og_crypto_wipe(plain, plain_len);
        free(plain);
    }
    return error;
}

int og_conn_load(og_ctx *ctx, const char *tenant, const char *name, og_perm perm, og_conn **out)
{
    og_conn_scope sc;
    og_conn_row row = {0};
    int error;
    *out = NULL;
    if ((error = og_conn__scope_get(ctx, tenant, perm, NULL, &sc)) < 0 ||
        (error = og_conn__find(ctx, &sc, name, &row)) < 0)
        goto cleanup;
    error = open_stored(ctx, row.id, out);
cleanup:
    og_conn__row_clear(&row);
    return error;
}

int og_conn_load_id(og_ctx *ctx, const char *id, og_conn **out)
{
    *out = NULL;
    if (!id || !og_id_valid(id))
        return og_error_set(OG_ENOTFOUND, "connector '%.64s' not found", id ? id : "");
    return open_stored(ctx, id, out);
}

int og_connector_test(og_ctx *ctx, const char *tenant, const char *name, json_t **out)
{
    og_conn *c = NULL;
    json_t *got = NULL, *o = NULL;
    int error;
    *out = NULL;
    if ((error = og_conn_load(ctx, tenant, name, OG_PERM_WRITE, &c)) < 0)
        return error;
    if (!c->vendor->test)
        error = og_error_set(OG_EINVAL, "connector %s: the %s adaptor has no test call yet",
                             c->name, c->vendor->kind);
    else
        error = c->vendor->test(c, &got);
    o = json_pack("{s:b, s:s, s:s, s:s, s:I}", "ok", error == 0, "connector", c->name, "kind",
                  c->vendor->kind, "base_url", c->base_url, "requests", (json_int_t)c->requests);
    if (o && error == 0 && json_is_object(got) && json_object_get(got, "account"))
        json_object_set(o, "account", json_object_get(got, "account"));
    if (o && error < 0)
        json_object_set_new(o, "error", json_string(og_error_last()));
    *out = o;
    json_decref(got);
    og_conn_free(c);
    return error;
}
