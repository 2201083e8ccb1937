/* session.c - console sessions: a browser signed in with an API token, by cookie (tenant.h). */
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"
#include "tenant/tenant_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SESSION_LIMIT_MAX_US (7LL * 86400 * 1000000)
/* A session's last use is written at most this often (and at most every quarter of its idle
 * time), not at every request. */
#define TOUCH_EVERY_US (60LL * 1000000)
#define SWEEP_BATCH    1000
#define CSRF_LABEL     "opsgate console csrf v1"

/* The cookie's parts: "<id>.<base64url of 32 bytes>". OG_EAUTH when malformed. */
static int cookie_parse(const char *cookie, char id[OG_ID_LEN], uint8_t secret[32])
{
    uint8_t *raw = NULL;
    size_t rawlen = 0;
    if (!cookie || strlen(cookie) != 36 + 1 + 43 || cookie[36] != '.')
        return og_error_set(OG_EAUTH, "not signed in (malformed session cookie)");
    memcpy(id, cookie, 36);
    id[36] = '\0';
    if (!og_id_valid(id) || og_base64_decode(cookie + 37, &raw, &rawlen) < 0 || rawlen != 32) {
        if (raw)
            og_crypto_wipe(raw, rawlen);
        free(raw);
        return og_error_set(OG_EAUTH, "not signed in (malformed session cookie)");
    }
    memcpy(secret, raw, 32);
    og_crypto_wipe(raw, rawlen);
    free(raw);
    return 0;
}

/* The session's CSRF token: HMAC-SHA256 of a fixed label keyed with its secret, base64url. */
static int csrf_derive(const uint8_t secret[32], char out[OG_SESSION_CSRF_MAX])
{
    uint8_t mac[32];
    int error = og_crypto_hmac_sha256(secret, 32, CSRF_LABEL, strlen(CSRF_LABEL), mac);
    char *b = error < 0 ? NULL : og_base64url_encode(mac, sizeof(mac));
    if (!b)
        return error < 0 ? error : og_error_set(OG_ERROR, "out of memory");
    og_strlcpy(out, b, OG_SESSION_CSRF_MAX);
    free(b);
    return 0;
}

/* A refused sign-in, in the platform trail (own transaction): the token's id part when it has
 * one, never its secret. Keeps the refusal's code and message for the caller. */
static int refused(og_ctx *ctx, const char *bearer, const char *source, int code)
{
    char why[300], prefix[OG_ID_LEN] = "";
    og_strlcpy(why, og_error_last(), sizeof(why));
    if (bearer && strncmp(bearer, "og_", 3) == 0 && strlen(bearer) >= 3 + 36) {
        memcpy(prefix, bearer + 3, 36);
        prefix[36] = '\0';
        if (!og_id_valid(prefix))
            prefix[0] = '\0';
    }
    og_ctx sctx = *ctx;
    og_actor_system(&sctx.actor, "console");
    json_t *analysis = json_pack("{s:s, s:s?, s:s}", "source", source ? source : "-",
                                 "token_prefix", prefix[0] ? prefix : NULL, "reason", why);
    int error = og_store_tx_begin(ctx->store);
    if (error >= 0) {
        error = og_tenant__audit(&sctx, NULL, "session.refused", prefix[0] ? "token" : NULL,
                                 prefix[0] ? prefix : NULL, analysis);
        analysis = NULL;
        error = og_store_tx_end(ctx->store, error);
    }
    json_decref(analysis);
    if (error < 0)
        return error;
    return og_error_set(code, "%s", why);
}

int og_tenant_session_create(og_ctx *ctx, const char *bearer, int64_t idle_us, int64_t max_us,
                             const char *source, char cookie_out[OG_SESSION_COOKIE_MAX],
                             og_session *out)
{
    int error = -1;
    og_ctx sctx = *ctx;
    uint8_t secret[32], hash[32];
    char *secret_b64 = NULL;
    og_session s;
    memset(&s, 0, sizeof(s));

    if (idle_us <= 0)
        idle_us = OG_SESSION_IDLE_DEFAULT_US;
    if (max_us <= 0)
        max_us = OG_SESSION_MAX_DEFAULT_US;
    if (idle_us > SESSION_LIMIT_MAX_US || max_us > SESSION_LIMIT_MAX_US)
        return og_error_set(OG_EINVAL, "a session's idle and absolute expiry are at most 7 days");
    if ((error = og_token_authenticate(ctx->store, bearer, &s.actor)) < 0)
        return refused(ctx, bearer, source, error);
    sctx.actor = s.actor;
    if ((error = og_crypto_random(secret, sizeof(secret))) < 0)
        goto cleanup;
    og_crypto_sha256(secret, sizeof(secret), hash);
    if (!(secret_b64 = og_base64url_encode(secret, sizeof(secret)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = csrf_derive(secret, s.csrf)) < 0)
        goto cleanup;
    og_id_new(s.id);
    int64_t now = og_time_now_us();
    s.expires_us = now + max_us;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    error = og_store_run(ctx->store,
                         "INSERT INTO sessions (id, secret_hash, token_id, user_id, tenant_id,"
                         " source, created_us, last_us, idle_us, expires_us)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         "tbttttiiii", s.id, hash, (size_t)32, s.actor.token_id, s.actor.user_id,
                         s.actor.tenant_id[0] ? s.actor.tenant_id : NULL, source ? source : "-",
                         (int64_t)now, (int64_t)now, (int64_t)idle_us, (int64_t)s.expires_us);
    if (error >= 0)
        error = og_tenant__audit(&sctx, s.actor.tenant_id, "session.create", "session", s.id,
                                 json_pack("{s:s, s:s, s:I, s:I}", "user", s.actor.user_name,
                                           "source", source ? source : "-", "idle_seconds",
                                           (json_int_t)(idle_us / 1000000), "max_seconds",
                                           (json_int_t)(max_us / 1000000)));
    if ((error = og_store_tx_end(ctx->store, error)) < 0)
        goto cleanup;
    snprintf(cookie_out, OG_SESSION_COOKIE_MAX, "%s.%s", s.id, secret_b64);
    if (out)
        *out = s;
    error = 0;
cleanup:
    og_crypto_wipe(secret, sizeof(secret));
    if (secret_b64) {
        og_crypto_wipe(secret_b64, strlen(secret_b64));
        free(secret_b64);
    }
    return error;
}

/* Delete session id and audit why it ended (action, reason), by the console itself. Another
 * request that ended it first leaves nothing to do. */
static int session_end(og_ctx *ctx, const char *id, const char *tenant_id, const char *user_id,
                       const char *action, const char *reason)
{
    og_ctx sctx = *ctx;
    og_actor_system(&sctx.actor, "console");
    int error = og_store_tx_begin(ctx->store);
    if (error < 0)
        return error;
    error = og_store_run(ctx->store, "DELETE FROM sessions WHERE id = ? RETURNING id", "t", id);
    if (error == 1)
        error = og_tenant__audit(&sctx, tenant_id, action, "session", id,
                                 json_pack("{s:s, s:s}", "user_id", user_id, "reason", reason));
    return og_store_tx_end(ctx->store, error);
}

int og_tenant_session_resolve(og_ctx *ctx, const char *cookie, og_session *out)
{
    int error = -1;
    og_stmt *st = NULL;
    uint8_t secret[32], hash[32];
    char id[OG_ID_LEN], token_id[OG_ID_LEN], tenant_id[OG_ID_LEN], user_id[OG_ID_LEN];
    og_session s;
    memset(&s, 0, sizeof(s));
    if ((error = cookie_parse(cookie, id, secret)) < 0)
        return error;
    og_crypto_sha256(secret, sizeof(secret), hash);
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT secret_hash, token_id, COALESCE(tenant_id, ''),"
                                      " user_id, last_us, idle_us, expires_us FROM sessions"
                                      " WHERE id = ?",
                                      "t", id)) < 0)
        goto cleanup;
    int rc = og_stmt_step(st);
    size_t hlen = 0;
    const void *stored = rc == OG_ROW ? og_stmt_col_blob(st, 0, &hlen) : NULL;
    if (rc < 0) {
        error = rc;
        goto cleanup;
    }
    if (rc != OG_ROW || hlen != sizeof(hash) || !og_memeq_ct(stored, hash, sizeof(hash))) {
        error = og_error_set(OG_EAUTH, "not signed in (no such session)");
        goto cleanup;
    }
    og_strlcpy(token_id, og_stmt_col_text(st, 1), sizeof(token_id));
    og_strlcpy(tenant_id, og_stmt_col_text(st, 2), sizeof(tenant_id));
    og_strlcpy(user_id, og_stmt_col_text(st, 3), sizeof(user_id));
    int64_t last = og_stmt_col_int(st, 4), idle = og_stmt_col_int(st, 5);
    s.expires_us = og_stmt_col_int(st, 6);
    og_stmt_free(st);
    st = NULL;
    int64_t now = og_time_now_us();
    const char *expired = now >= s.expires_us ? "absolute" : now >= last + idle ? "idle" : NULL;
    if (expired) {
        if ((error = session_end(ctx, id, tenant_id, user_id, "session.expire", expired)) >= 0)
            error = og_error_set(OG_EAUTH, "the session has expired (%s)",
                                 strcmp(expired, "idle") == 0 ? "unused for too long"
                                                              : "signed in too long ago");
        goto cleanup;
    }
    if ((error = og_tenant__token_actor(ctx->store, token_id, NULL, &s.actor)) < 0) {
        /* Only the token's own refusal ends the session; a failing database does not. */
        if (error != OG_EAUTH && error != OG_EDENIED)
            goto cleanup;
        char why[300];
        og_strlcpy(why, og_error_last(), sizeof(why));
        if ((error = session_end(ctx, id, tenant_id, user_id, "session.end", why)) >= 0)
            error = og_error_set(OG_EAUTH, "the session has ended: %s", why);
        goto cleanup;
    }
    int64_t touch = idle / 4 < TOUCH_EVERY_US ? idle / 4 : TOUCH_EVERY_US;
    if (now - last >= touch &&
        (error = og_store_run(ctx->store, "UPDATE sessions SET last_us = ? WHERE id = ?", "it",
                              (int64_t)now, id)) < 0)
        goto cleanup;
    if ((error = csrf_derive(secret, s.csrf)) < 0)
        goto cleanup;
    og_strlcpy(s.id, id, sizeof(s.id));
    if (out)
        *out = s;
    error = 0;
cleanup:
    og_crypto_wipe(secret, sizeof(secret));
    og_stmt_free(st);
    return error;
}

int og_tenant_session_revoke(og_ctx *ctx, const char *cookie)
{
    og_session s;
    int error = og_tenant_session_resolve(ctx, cookie, &s);
    if (error < 0)
        return error;
    og_ctx sctx = *ctx;
    sctx.actor = s.actor;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    error = og_store_run(ctx->store, "DELETE FROM sessions WHERE id = ? RETURNING id", "t", s.id);
    if (error == 0)
        error = og_error_set(OG_EAUTH, "not signed in (no such session)");
    else if (error > 0)
        error = og_tenant__audit(&sctx, s.actor.tenant_id, "session.revoke", "session", s.id,
                                 json_pack("{s:s}", "user", s.actor.user_name));
    error = og_store_tx_end(ctx->store, error);
    return error < 0 ? error : 0;
}

int og_tenant_session_sweep(og_ctx *ctx, int *ended)
{
    int error = -1, n = 0;
    og_stmt *st = NULL;
    json_t *rows = NULL;
    int64_t now = og_time_now_us();
    if (ended)
        *ended = 0;
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT id, COALESCE(tenant_id, '') AS tenant_id, user_id,"
                                      " CASE WHEN expires_us <= ? THEN 'absolute' ELSE 'idle' END"
                                      " AS reason FROM sessions WHERE expires_us <= ?"
                                      " OR last_us + idle_us <= ? LIMIT ?",
                                      "iiii", (int64_t)now, (int64_t)now, (int64_t)now,
                                      (int64_t)SWEEP_BATCH)) < 0 ||
        (error = og_stmt_collect(st, NULL, NULL, &rows)) < 0)
        goto cleanup;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        if ((error = session_end(ctx, json_string_value(json_object_get(r, "id")),
                                 json_string_value(json_object_get(r, "tenant_id")),
                                 json_string_value(json_object_get(r, "user_id")), "session.expire",
                                 json_string_value(json_object_get(r, "reason")))) < 0)
            goto cleanup;
        n++;
    }
    if (ended)
        *ended = n;
    error = 0;
cleanup:
    og_stmt_free(st);
    json_decref(rows);
    return error;
}
