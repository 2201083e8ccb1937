/* acme_account.c - CA accounts of a tenant: registration (with External Account Binding),
 * listing, key rollover, and opening a ready protocol client for an account. */
#include "acme/acme_internal.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdlib.h>
#include <string.h>

int og_acme__resolve(og_ctx *ctx, const char *tenant, og_perm perm, char tid[OG_ID_LEN])
{
    og_tenant t;
    int error;
    if (!tenant || !*tenant) {
        og_error_set(OG_EINVAL, "missing tenant");
        return og_error_set_detail(OG_TENANT_DETAIL_NO_TENANT);
    }
    if ((error = og_tenant_get(ctx, tenant, &t)) < 0)
        return error;
    if ((error = og_authz_check(&ctx->actor, t.id, perm)) < 0)
        return error;
    og_strlcpy(tid, t.id, OG_ID_LEN);
    return 0;
}

/* Accounts are credentials with a CA: managing them needs tenant-admin (or platform), like
 * notification channels; engineers issue and renew with them. */
static int need_admin(og_ctx *ctx, const char *what)
{
    if (og_actor_is_platform(&ctx->actor) || ctx->actor.role == OG_ROLE_TENANT_ADMIN)
        return 0;
    return og_error_set(OG_EDENIED, "%s needs the tenant-admin role (you are %s)", what,
                        og_role_name(ctx->actor.role));
}

static int email_valid(const char *e)
{
    const char *at = strchr(e, '@');
    return at && at != e && at[1] && !strchr(at + 1, '@') && strlen(e) < 254 &&
           !strpbrk(e, " ,<>\"\r\n");
}

/* The settings of a new account that need no CA: the directory, the contact, both halves of
 * External Account Binding and the key type (*key_type: the one asked for, or ec256). */
static int account_opts_check(const og_acme_account_opts *o, const char **key_type)
{
    int error;
    *key_type = o && o->key_type ? o->key_type : "ec256";
    if (!o || !o->directory || !*o->directory)
        return og_acme__bad_setting("directory", "an ACME account needs the CA's directory URL");
    if (o->email && !email_valid(o->email))
        return og_acme__bad_setting("email", "bad contact email '%s'", o->email);
    if (!o->eab_kid != !o->eab_hmac_b64)
        return og_acme__bad_setting("eab-kid and --eab-hmac-key",
                                    "External Account Binding needs both the key id and the "
                                    "HMAC key");
    if ((error = og_crypto_key_type_check(*key_type)) < 0 || strncmp(*key_type, "rsa4096", 7) == 0)
        return error < 0 ? error
                         : og_error_set(OG_EINVAL,
                                        "account key type '%s' is not offered "
                                        "(ec256, ec384, rsa2048, rsa3072)",
                                        *key_type);
    return 0;
}

/* Record the account that client c registered (or found) as id of tenant tid, its key sealed, in
 * one audited transaction. OG_EEXISTS when the tenant has this CA account already. */
static int account_insert(og_ctx *ctx, const char *tid, const char *id,
                          const og_acme_account_opts *o, og_acme_client *c, const char *key_type,
                          json_t *acct, int found)
{
    og_stmt *st = NULL;
    json_t *analysis = NULL;
    char *pem = NULL, now[OG_TIME_LEN];
    uint8_t *sealed = NULL;
    size_t pem_len = 0, sealed_len = 0;
    int error;
    if ((error = og_crypto_key_to_pem(c->key, &pem, &pem_len)) < 0)
        return error;
    og_time_format(og_time_now_us(), now);
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup_notx;
    /* the same CA account twice in one tenant would make "the tenant's account" ambiguous */
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT id FROM acme_accounts WHERE tenant_id = ? AND"
                                 " account_url = ?")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, tid);
    og_stmt_bind_text(st, 2, c->kid);
    if ((error = og_stmt_step(st)) == OG_ROW) {
        error = og_error_set(OG_EEXISTS, "the tenant already has this CA account (%s) as %s",
                             c->kid, og_stmt_col_text(st, 0));
        goto cleanup;
    }
    og_stmt_free(st);
    st = NULL;
    if (error < 0)
        goto cleanup;
    const char *status = json_string_value(json_object_get(acct, "status"));
    if ((error = og_crypto_seal(ctx->keys, ctx->store, tid, id, pem, pem_len, &sealed,
                                &sealed_len)) < 0 ||
        (error = og_store_run(ctx->store,
                              "INSERT INTO acme_accounts (id, tenant_id, directory_url, ca_pem,"
                              " email, key_type, sealed_key, account_url, eab_kid, status,"
                              " created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                              "ttttttbttttt", id, tid, o->directory, o->ca_pem, o->email, key_type,
                              sealed, sealed_len, c->kid, o->eab_kid, status ? status : "valid",
                              now, now)) < 0)
        goto cleanup;
    analysis =
        json_pack("{s:s, s:s, s:s, s:b, s:b}", "directory", o->directory, "account_url", c->kid,
                  "key_type", key_type, "eab", o->eab_kid != NULL, "found_existing", found);
    error = og_audit_log(ctx, tid, "certs", "acme.account.create", "acme_account", id, analysis);
cleanup:
    error = og_store_tx_end(ctx->store, error < 0 ? error : 0);
cleanup_notx:
    og_stmt_free(st);
    json_decref(analysis);
    og_crypto_wipe(pem, pem_len);
    free(pem);
    free(sealed);
    return error;
}

int og_acme_account_create(og_ctx *ctx, const char *tenant, const og_acme_account_opts *o,
                           char id_out[OG_ID_LEN])
{
    og_acme_client *c = NULL;
    og_crypto_key *key = NULL;
    json_t *acct = NULL;
    uint8_t *eab = NULL;
    size_t eab_len = 0;
    char tid[OG_ID_LEN], id[OG_ID_LEN];
    const char *key_type = NULL;
    int error, found = 0;
    if ((error = og_acme__resolve(ctx, tenant, OG_PERM_WRITE, tid)) < 0 ||
        (error = need_admin(ctx, "creating an ACME account")) < 0 ||
        (error = account_opts_check(o, &key_type)) < 0)
        return error;
    if (o->eab_hmac_b64 &&
        (og_base64_decode(o->eab_hmac_b64, &eab, &eab_len) < 0 || eab_len < 16)) {
        error = og_acme__bad_setting("eab-hmac-key", "bad External Account Binding HMAC key: not "
                                                     "base64url of at least 16 bytes");
        goto cleanup;
    }
    if (o->key_pem) {
        if ((error = og_acme__account_key_import(&key, o->key_pem, strlen(o->key_pem))) < 0)
            goto cleanup;
        key_type = og_crypto_key_type(key);
    }
    if ((error = og_acme__client_open(&c, ctx->store, o->directory, o->ca_pem)) < 0 ||
        (!key && (error = og_crypto_key_generate(&key, key_type)) < 0))
        goto cleanup;
    c->key = key;
    key = NULL;
    /* an existing key: find its account first (RFC 8555 §7.3.1), register only if it has none */
    if (o->key_pem) {
        error = og_acme__account(c, 1, NULL, NULL, NULL, 0, &acct);
        if (error == 0)
            found = 1;
        else if (error != OG_ENOTFOUND)
            goto cleanup;
    }
    if (!found && (error = og_acme__account(c, 0, o->email, o->eab_kid, eab, eab_len, &acct)) < 0)
        goto cleanup;
    og_id_new(id);
    if ((error = account_insert(ctx, tid, id, o, c, key_type, acct, found)) < 0)
        goto cleanup;
    if (id_out)
        memcpy(id_out, id, OG_ID_LEN);
    error = 0;
cleanup:
    og_acme__client_free(c);
    og_crypto_key_free(key);
    json_decref(acct);
    if (eab)
        og_crypto_wipe(eab, eab_len);
    free(eab);
    return error;
}

static json_t *account_row_json(og_stmt *st, void *arg)
{
    (void)arg;
    json_t *j =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", og_stmt_col_text(st, 0), "directory",
                  og_stmt_col_text(st, 1), "key_type", og_stmt_col_text(st, 2), "account_url",
                  og_stmt_col_text(st, 3), "status", og_stmt_col_text(st, 4), "created_at",
                  og_stmt_col_text(st, 5), "updated_at", og_stmt_col_text(st, 6));
    if (j && og_stmt_col_text(st, 7))
        json_object_set_new(j, "email", json_string(og_stmt_col_text(st, 7)));
    if (j && og_stmt_col_text(st, 8))
        json_object_set_new(j, "eab_kid", json_string(og_stmt_col_text(st, 8)));
    if (j)
        json_object_set_new(j, "ca_file", json_boolean(og_stmt_col_text(st, 9) != NULL));
    return j;
}

#define ACCOUNT_COLS                                                                               \
    "id, directory_url, key_type, account_url, status, created_at, updated_at, email, eab_kid,"    \
    " CASE WHEN ca_pem IS NOT NULL AND ca_pem != '' THEN 1 END"

int og_acme_account_list(og_ctx *ctx, const char *tenant, json_t **out)
{
    og_stmt *st = NULL;
    char tid[OG_ID_LEN];
    int error;
    *out = NULL;
    if ((error = og_acme__resolve(ctx, tenant, OG_PERM_READ, tid)) < 0)
        return error;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT " ACCOUNT_COLS " FROM acme_accounts WHERE tenant_id = ?"
                                 " ORDER BY created_at, id")) < 0)
        return error;
    og_stmt_bind_text(st, 1, tid);
    error = og_stmt_collect(st, account_row_json, NULL, out);
    og_stmt_free(st);
    return error;
}

int og_acme_account_show(og_ctx *ctx, const char *tenant, const char *id, json_t **out)
{
    og_stmt *st = NULL;
    char tid[OG_ID_LEN];
    int error, rc;
    *out = NULL;
    if ((error = og_acme__resolve(ctx, tenant, OG_PERM_READ, tid)) < 0)
        return error;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT " ACCOUNT_COLS " FROM acme_accounts WHERE tenant_id = ?"
                                 " AND id = ?")) < 0)
        return error;
    og_stmt_bind_text(st, 1, tid);
    og_stmt_bind_text(st, 2, id ? id : "");
    if ((rc = og_stmt_step(st)) == OG_ROW)
        *out = account_row_json(st, NULL);
    og_stmt_free(st);
    if (rc < 0)
        return rc;
    if (!*out)
        return og_error_set(OG_ENOTFOUND, "no ACME account '%s' in tenant '%s'", id ? id : "",
                            tenant);
    return 0;
}

int og_acme__account_open(og_ctx *ctx, const char *tid, const char *account_id,
                          og_acme_client **out, char id_out[OG_ID_LEN])
{
    og_stmt *st = NULL;
    uint8_t *pem = NULL;
    size_t pem_len = 0;
    char id[OG_ID_LEN] = "", *dir = NULL, *ca = NULL, *kid = NULL, *sealed = NULL;
    size_t sealed_len = 0;
    int error, rc, n = 0;
    *out = NULL;
    if ((error = og_stmt_prepare(
             &st, ctx->store,
             account_id ? "SELECT id, directory_url, ca_pem, account_url, sealed_key FROM"
                          " acme_accounts WHERE tenant_id = ? AND id = ?"
                        : "SELECT id, directory_url, ca_pem, account_url, sealed_key FROM"
                          " acme_accounts WHERE tenant_id = ? LIMIT 2")) < 0)
        return error;
    og_stmt_bind_text(st, 1, tid);
    if (account_id)
        og_stmt_bind_text(st, 2, account_id);
    while ((rc = og_stmt_step(st)) == OG_ROW && ++n == 1) {
        const void *b = og_stmt_col_blob(st, 4, &sealed_len);
        og_strlcpy(id, og_stmt_col_text(st, 0), sizeof(id));
        dir = strdup(og_stmt_col_text(st, 1));
        ca = og_stmt_col_text(st, 2) ? strdup(og_stmt_col_text(st, 2)) : NULL;
        kid = strdup(og_stmt_col_text(st, 3));
        if ((sealed = malloc(sealed_len ? sealed_len : 1)))
            memcpy(sealed, b, sealed_len);
    }
    og_stmt_free(st);
    st = NULL;
    if (rc < 0) {
        error = rc;
        goto cleanup;
    }
    if (n == 0) {
        error = account_id ? og_error_set(OG_ENOTFOUND, "no ACME account '%s'", account_id)
                           : (og_error_set(OG_ENOTFOUND, "the tenant has no ACME account"),
                              og_error_set_detail(OG_ACME_DETAIL_NO_ACCOUNT));
        goto cleanup;
    }
    if (n > 1) {
        error = og_acme__bad_setting("account", "the tenant has several ACME accounts: name one "
                                                "by its id");
        goto cleanup;
    }
    if (!dir || !kid || !sealed) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = og_crypto_open(ctx->keys, ctx->store, tid, id, sealed, sealed_len, &pem,
                                &pem_len)) < 0 ||
        (error = og_acme__client_open(out, ctx->store, dir, ca)) < 0)
        goto cleanup;
    if ((error = og_acme__key_from_pem(&(*out)->key, (const char *)pem, pem_len)) < 0) {
        og_acme__client_free(*out);
        *out = NULL;
        goto cleanup;
    }
    og_strlcpy((*out)->kid, kid, sizeof((*out)->kid));
    if (id_out)
        og_strlcpy(id_out, id, OG_ID_LEN);
    error = 0;
cleanup:
    if (pem)
        og_crypto_wipe(pem, pem_len);
    free(pem);
    free(dir);
    free(ca);
    free(kid);
    free(sealed);
    return error;
}

int og_acme__clients_open(og_acme_clients *cache, og_ctx *ctx, const char *tid,
                          const char *account_id, og_acme_client **out, int *owned)
{
    int error, i;
    *owned = 1;
    if (!cache || !account_id || !*account_id)
        return og_acme__account_open(ctx, tid, account_id, out, NULL);
    for (i = 0; i < cache->n; i++)
        if (strcmp(cache->e[i].tid, tid) == 0 && strcmp(cache->e[i].account, account_id) == 0) {
            *out = cache->e[i].c;
            (*out)->retry_after_s = -1; /* of this order only */
            *owned = 0;
            return 0;
        }
    if ((error = og_acme__account_open(ctx, tid, account_id, out, NULL)) < 0)
        return error;
    if (cache->n < OG_ACME_CLIENTS_MAX) { /* a full cache: this one is the caller's */
        og_strlcpy(cache->e[cache->n].tid, tid, sizeof(cache->e[cache->n].tid));
        og_strlcpy(cache->e[cache->n].account, account_id, sizeof(cache->e[cache->n].account));
        cache->e[cache->n++].c = *out;
        *owned = 0;
    }
    return 0;
}

void og_acme__clients_drop(og_acme_clients *cache, og_acme_client *c)
{
    if (!cache || !c)
        return;
    for (int i = 0; i < cache->n; i++)
        if (cache->e[i].c == c) {
            og_acme__client_free(c);
            cache->e[i] = cache->e[--cache->n];
            return;
        }
}

void og_acme__clients_free(og_acme_clients *cache)
{
    if (!cache)
        return;
    for (int i = 0; i < cache->n; i++)
        og_acme__client_free(cache->e[i].c);
    cache->n = 0;
}

int og_acme_account_rollover(og_ctx *ctx, const char *tenant, const char *id)
{
    og_acme_client *c = NULL;
    og_crypto_key *nk = NULL;
    og_stmt *st = NULL;
    json_t *analysis = NULL;
    char tid[OG_ID_LEN], aid[OG_ID_LEN], now[OG_TIME_LEN], old_tp[44], new_tp[44];
    char *pem = NULL, key_type[16] = "ec256";
    uint8_t *sealed = NULL;
    size_t pem_len = 0, sealed_len = 0;
    int error, in_tx = 0;
    if ((error = og_acme__resolve(ctx, tenant, OG_PERM_WRITE, tid)) < 0 ||
        (error = need_admin(ctx, "rolling an ACME account key over")) < 0)
        return error;
    if (!id || !*id)
        return og_error_set(OG_EINVAL, "key rollover needs an account ID");
    if ((error = og_acme__account_open(ctx, tid, id, &c, aid)) < 0)
        return error;
    /* the same type again; an RSA account key of 4096 bits rolls over to 3072 (the largest
     * offered for accounts) */
    const char *old_type = og_crypto_key_type(c->key);
    if (old_type)
        og_strlcpy(key_type, strcmp(old_type, "rsa4096") == 0 ? "rsa3072" : old_type,
                   sizeof(key_type));
    if ((error = og_acme__thumbprint(c->key, old_tp)) < 0 ||
        (error = og_crypto_key_generate(&nk, key_type)) < 0 ||
        (error = og_acme__thumbprint(nk, new_tp)) < 0 ||
        (error = og_crypto_key_to_pem(nk, &pem, &pem_len)) < 0)
        goto cleanup;
    /* the CA switches first: if storing then fails, the new key is lost and the account is
     * unusable, so the store write is one short transaction with nothing else that can fail */
    if ((error = og_acme__key_change(c, nk)) < 0)
        goto cleanup;
    nk = NULL; /* owned by c now */
    og_time_format(og_time_now_us(), now);
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    in_tx = 1;
    if ((error = og_crypto_seal(ctx->keys, ctx->store, tid, aid, pem, pem_len, &sealed,
                                &sealed_len)) < 0 ||
        (error = og_stmt_prepare(&st, ctx->store,
                                 "UPDATE acme_accounts SET sealed_key = ?, updated_at = ? WHERE"
                                 " tenant_id = ? AND id = ?")) < 0)
        goto cleanup;
    og_stmt_bind_blob(st, 1, sealed, sealed_len);
    og_stmt_bind_text(st, 2, now);
    og_stmt_bind_text(st, 3, tid);
    og_stmt_bind_text(st, 4, aid);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    analysis = json_pack("{s:s, s:s}", "old_key_thumbprint", old_tp, "new_key_thumbprint", new_tp);
    error = og_audit_log(ctx, tid, "certs", "acme.account.rollover", "acme_account", aid, analysis);
cleanup:
    if (in_tx)
        error = og_store_tx_end(ctx->store, error);
    og_stmt_free(st);
    og_acme__client_free(c);
    og_crypto_key_free(nk);
    json_decref(analysis);
    if (pem)
        og_crypto_wipe(pem, pem_len);
    free(pem);
    free(sealed);
    return error;
}
