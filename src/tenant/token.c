/* token.c - API bearer tokens: 256-bit random secrets, stored only as SHA-256 hashes. */
#include "opsgate/tenant.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "tenant/tenant_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_PREFIX         "og_"
#define TOKEN_DEFAULT_TTL_US (30LL * 86400 * 1000000)
#define TOKEN_MAX_TTL_US     (366LL * 86400 * 1000000)

/* Bearer format: og_<token id (uuid)>_<base64url of 32 random bytes>. The id finds the row; the
 * secret is compared by hash in constant time. */
static int token_parse(const char *bearer, char id[OG_ID_LEN], const char **secret)
{
    size_t plen = strlen(TOKEN_PREFIX);
    if (!bearer || strncmp(bearer, TOKEN_PREFIX, plen) != 0 || strlen(bearer) < plen + 37 ||
        bearer[plen + 36] != '_')
        return og_error_set(OG_EAUTH, "malformed token");
    memcpy(id, bearer + plen, 36);
    id[36] = '\0';
    if (!og_id_valid(id))
        return og_error_set(OG_EAUTH, "malformed token");
    *secret = bearer + plen + 37;
    if (strlen(*secret) != 43)
        return og_error_set(OG_EAUTH, "malformed token");
    return 0;
}

int og_token_create(og_ctx *ctx, const char *tenant, const char *user, int64_t ttl_us,
                    char token_out[OG_TOKEN_MAX], char id_out[OG_ID_LEN])
{
    int error = -1;
    og_stmt *st = NULL;
    og_tenant t;
    og_user u;
    uint8_t secret[32], hash[32];
    char *secret_b64 = NULL;
    char id[OG_ID_LEN], now[OG_TIME_LEN], label[256];
    memset(&t, 0, sizeof(t));

    if (ttl_us <= 0)
        ttl_us = TOKEN_DEFAULT_TTL_US;
    if (ttl_us > TOKEN_MAX_TTL_US)
        return og_error_set(OG_EINVAL, "token lifetime too long (at most 366d)");
    if (tenant && *tenant) {
        if ((error = og_tenant__resolve(ctx, tenant, OG_PERM_TENANT_READ, &t)) < 0)
            return error;
    } else if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0) {
        return error;
    }
    if ((error = og_user__find(ctx->store, t.id, user, &u)) < 0)
        return error;
    if (strcmp(u.state, "active") != 0)
        return og_error_set(OG_ECONFLICT, "user '%s' is %s: it gets no tokens", u.name, u.state);
    /* Users may make tokens for themselves; for others it takes user management. */
    if (!(ctx->actor.kind == OG_ACTOR_USER && strcmp(ctx->actor.user_id, u.id) == 0) &&
        (error = og_authz_check(&ctx->actor, t.id, OG_PERM_USER_MANAGE)) < 0)
        return error;

    if ((error = og_crypto_random(secret, sizeof(secret))) < 0)
        goto cleanup;
    og_crypto_sha256(secret, sizeof(secret), hash);
    secret_b64 = og_base64url_encode(secret, sizeof(secret));
    if (!secret_b64) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    og_id_new(id);
    og_time_format(og_time_now_us(), now);
    og_actor_label(&ctx->actor, label, sizeof(label));
    /* A regional tenant's token: the home learns which tenant its id belongs to, first, so that
     * every node can name the token's region (an entry whose token then fails stays harmless). */
    if (ctx->home && t.id[0] &&
        (error = og_store_run(ctx->home,
                              "INSERT INTO token_regions (token_id, tenant_id) VALUES (?, ?)", "tt",
                              id, t.id)) < 0)
        goto cleanup;

    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    if ((error = og_stmt_prepare(
             &st, ctx->store,
             "INSERT INTO tokens (id, tenant_id, user_id, secret_hash,"
             " created_at, created_by, expires_us) VALUES (?, ?, ?, ?, ?, ?, ?)")) < 0)
        goto rollback;
    og_stmt_bind_text(st, 1, id);
    og_stmt_bind_text(st, 2, t.id[0] ? t.id : NULL);
    og_stmt_bind_text(st, 3, u.id);
    og_stmt_bind_blob(st, 4, hash, sizeof(hash));
    og_stmt_bind_text(st, 5, now);
    og_stmt_bind_text(st, 6, label);
    og_stmt_bind_int(st, 7, og_time_now_us() + ttl_us);
    if ((error = og_stmt_step(st)) >= 0)
        error = og_tenant__audit(ctx, t.id, "token.create", "token", id,
                                 json_pack("{s:s, s:s, s:I}", "user", u.name, "user_id", u.id,
                                           "ttl_seconds", (json_int_t)(ttl_us / 1000000)));
rollback: /* the transaction ends here, committed when error >= 0 */
    if ((error = og_store_tx_end(ctx->store, error)) >= 0) {
        snprintf(token_out, OG_TOKEN_MAX, "%s%s_%s", TOKEN_PREFIX, id, secret_b64);
        og_strlcpy(id_out, id, OG_ID_LEN);
        error = 0;
    }
cleanup:
    og_crypto_wipe(secret, sizeof(secret));
    if (secret_b64)
        og_crypto_wipe(secret_b64, strlen(secret_b64));
    free(secret_b64);
    og_stmt_free(st);
    return error;
}

int og_token_revoke(og_ctx *ctx, const char *token_id)
{
    int error = -1;
    og_stmt *st = NULL;
    char tenant_id[OG_ID_LEN] = "", user_id[OG_ID_LEN] = "", now[OG_TIME_LEN];
    int revoked = 0;

    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT COALESCE(tenant_id, ''), user_id,"
                                 " CASE WHEN revoked_at IS NULL THEN 0 ELSE 1 END"
                                 " FROM tokens WHERE id = ?")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, token_id);
    if ((error = og_tenant__row(st, "token", token_id)) < 0)
        goto cleanup;
    og_strlcpy(tenant_id, og_stmt_col_text(st, 0), sizeof(tenant_id));
    og_strlcpy(user_id, og_stmt_col_text(st, 1), sizeof(user_id));
    revoked = (int)og_stmt_col_int(st, 2);
    og_stmt_free(st);
    st = NULL;
    /* Owners may revoke their own tokens; others need user management in that tenant. A token
     * outside the actor's tenant (another tenant's, or a platform-admin's when the actor is a
     * tenant's user) does not exist for it: the same 404 as an unknown id, never a 403 that
     * tells it is there. */
    if (!(ctx->actor.kind == OG_ACTOR_USER && strcmp(ctx->actor.user_id, user_id) == 0)) {
        if (!og_actor_is_platform(&ctx->actor) && strcmp(ctx->actor.tenant_id, tenant_id) != 0) {
            error = og_error_set(OG_ENOTFOUND, "token '%s' not found", token_id);
            goto cleanup;
        }
        error = og_authz_check(&ctx->actor, tenant_id, OG_PERM_USER_MANAGE);
        if (error == OG_ENOTFOUND)
            og_error_set(OG_ENOTFOUND, "token '%s' not found", token_id);
        if (error < 0)
            goto cleanup;
    }
    if (revoked) {
        error = og_error_set(OG_ECONFLICT, "token '%s' is already revoked", token_id);
        goto cleanup;
    }
    og_time_format(og_time_now_us(), now);
    if ((error = og_store_run(ctx->store, "UPDATE tokens SET revoked_at = ? WHERE id = ?", "tt",
                              now, token_id)) >= 0)
        error = og_tenant__audit(ctx, tenant_id, "token.revoke", "token", token_id, NULL);
cleanup:
    error = og_store_tx_end(ctx->store, error);
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

/* One row of og_token_list's query as JSON; arg is the time (us) that tells expired from active. */
static json_t *token_row_json(og_stmt *st, void *arg)
{
    int64_t now = *(const int64_t *)arg;
    char exp[OG_TIME_LEN];
    int64_t exp_us = og_stmt_col_int(st, 4);
    og_time_format(exp_us, exp);
    const char *revoked = og_stmt_col_text(st, 5);
    const char *state = revoked ? "revoked" : exp_us <= now ? "expired" : "active";
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:s}", "id", og_stmt_col_text(st, 0), "user",
                     og_stmt_col_text(st, 1), "created_at", og_stmt_col_text(st, 2), "created_by",
                     og_stmt_col_text(st, 3), "expires_at", exp, "revoked_at", revoked, "state",
                     state);
}

int og_token_list(og_ctx *ctx, const char *tenant, const char *user, json_t **out)
{
    int error = -1;
    og_stmt *st = NULL;
    og_tenant t;
    og_user u;
    memset(&t, 0, sizeof(t));
    memset(&u, 0, sizeof(u));
    if (tenant && *tenant) {
        if ((error = og_tenant__resolve(ctx, tenant, OG_PERM_TENANT_READ, &t)) < 0)
            goto cleanup;
    } else if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0) {
        goto cleanup;
    }
    if (user && *user && (error = og_user__find(ctx->store, t.id, user, &u)) < 0)
        goto cleanup;
    /* Without user management, a user sees only its own tokens. */
    int self_only = og_authz_check(&ctx->actor, t.id, OG_PERM_USER_MANAGE) < 0;
    og_error_clear();
    if (self_only && u.id[0] && strcmp(u.id, ctx->actor.user_id) != 0) {
        error = og_error_set(OG_EDENIED, "the %s role does not allow listing others' tokens",
                             og_role_name(ctx->actor.role));
        goto cleanup;
    }
    if ((error =
             og_stmt_prepare(&st, ctx->store,
                             "SELECT t.id, u.name, t.created_at, t.created_by, t.expires_us,"
                             " t.revoked_at FROM tokens t JOIN users u ON u.id = t.user_id"
                             " WHERE COALESCE(t.tenant_id, '') = ? AND (? = '' OR t.user_id = ?)"
                             " ORDER BY t.created_at")) < 0)
        goto cleanup;
    const char *filter = self_only ? ctx->actor.user_id : u.id;
    og_stmt_bind_text(st, 1, t.id);
    og_stmt_bind_text(st, 2, filter);
    og_stmt_bind_text(st, 3, filter);
    int64_t now = og_time_now_us();
    error = og_stmt_collect(st, token_row_json, &now, out);
cleanup:
    og_stmt_free(st);
    return error;
}

int og_tenant__token_actor(og_store *s, const char *id, const uint8_t *hash, og_actor *actor)
{
    int error = -1;
    og_stmt *st = NULL;
    if ((error = og_stmt_prepare(&st, s,
                                 "SELECT t.secret_hash, t.expires_us,"
                                 " CASE WHEN t.revoked_at IS NULL THEN 0 ELSE 1 END,"
                                 " u.id, u.name, u.role, COALESCE(u.tenant_id, ''),"
                                 " COALESCE(n.state, 'active'), COALESCE(n.name, ''), u.state"
                                 " FROM tokens t JOIN users u ON u.id = t.user_id"
                                 " LEFT JOIN tenants n ON n.id = u.tenant_id WHERE t.id = ?")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, id);
    int rc = og_stmt_step(st);
    if (rc < 0) {
        error = rc;
        goto cleanup;
    }
    size_t hlen = 0;
    const void *stored = rc == OG_ROW ? og_stmt_col_blob(st, 0, &hlen) : NULL;
    if (rc == OG_DONE || (hash && (hlen != 32 || !og_memeq_ct(stored, hash, 32)))) {
        error = og_error_set(OG_EAUTH, "unknown token");
        goto cleanup;
    }
    /* Before the revocation check: a disabled user's tokens are revoked too, and this says why. */
    if (strcmp(og_stmt_col_text(st, 9), "active") != 0) {
        error = og_error_set(OG_EAUTH, "user '%s' is %s", og_stmt_col_text(st, 4),
                             og_stmt_col_text(st, 9));
        goto cleanup;
    }
    if (og_stmt_col_int(st, 2)) {
        error = og_error_set(OG_EAUTH, "token has been revoked");
        goto cleanup;
    }
    if (og_stmt_col_int(st, 1) <= og_time_now_us()) {
        error = og_error_set(OG_EAUTH, "token has expired");
        goto cleanup;
    }
    if (strcmp(og_stmt_col_text(st, 7), "suspended") == 0) {
        error = og_error_set(OG_EDENIED, "tenant '%s' is suspended", og_stmt_col_text(st, 8));
        goto cleanup;
    }
    memset(actor, 0, sizeof(*actor));
    actor->kind = OG_ACTOR_USER;
    og_strlcpy(actor->user_id, og_stmt_col_text(st, 3), sizeof(actor->user_id));
    og_strlcpy(actor->user_name, og_stmt_col_text(st, 4), sizeof(actor->user_name));
    if (og_role_parse(og_stmt_col_text(st, 5), &actor->role) < 0)
        actor->role = OG_ROLE_NONE;
    og_strlcpy(actor->tenant_id, og_stmt_col_text(st, 6), sizeof(actor->tenant_id));
    og_strlcpy(actor->token_id, id, sizeof(actor->token_id));
    error = 0;
cleanup:
    og_stmt_free(st);
    return error;
}

int og_token_authenticate(og_store *s, const char *bearer, og_actor *actor)
{
    int error = -1;
    char id[OG_ID_LEN];
    const char *secret = NULL;
    uint8_t *raw = NULL;
    size_t rawlen = 0;
    uint8_t hash[32];

    if (!bearer || !*bearer)
        return og_error_set(OG_EAUTH, "missing bearer token");
    if ((error = token_parse(bearer, id, &secret)) < 0)
        return error;
    if (og_base64_decode(secret, &raw, &rawlen) < 0 || rawlen != 32) {
        error = og_error_set(OG_EAUTH, "malformed token");
        goto cleanup;
    }
    og_crypto_sha256(raw, rawlen, hash);
    error = og_tenant__token_actor(s, id, hash, actor);
cleanup:
    if (raw) {
        og_crypto_wipe(raw, rawlen);
        free(raw);
    }
    return error;
}

int og_token_audit_throttled(og_ctx *ctx, const char *source, const char *prefix, const char *by,
                             int failures, int window_s)
{
    int error;
    int has_prefix = prefix && prefix[0];
    json_t *analysis =
        json_pack("{s:s, s:s?, s:s, s:i, s:i}", "source", source ? source : "-", "token_prefix",
                  has_prefix ? prefix : NULL, "by", by, "failures", failures, "window_s", window_s);
    if (!analysis)
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = og_store_tx_begin(ctx->store)) < 0) {
        json_decref(analysis);
        return error;
    }
    error = og_tenant__audit(ctx, NULL, "auth.throttled", has_prefix ? "token" : NULL,
                             has_prefix ? prefix : NULL, analysis);
    return og_store_tx_end(ctx->store, error);
}
