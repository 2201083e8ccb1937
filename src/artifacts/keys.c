/* keys.c - the module's per-tenant secrets (object-name and search keys, sealed with the tenant
 * key), keyed hashes, and small helpers. */
#include "artifacts/artifacts_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEYS_OBJECT "artifacts.keys"

static int keys_load(og_ctx *ctx, const char *tenant_id, art_keys *out)
{
    og_stmt *st = NULL;
    uint8_t *plain = NULL;
    size_t plainlen = 0;
    int error = og_stmt_prepare(&st, ctx->store, "SELECT sealed FROM art_keys WHERE tenant_id = ?");
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, tenant_id);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    if (error != OG_ROW) {
        error = og_error_set(OG_ENOTFOUND, "the tenant has no artifact keys yet");
        goto cleanup;
    }
    size_t len = 0;
    const void *blob = og_stmt_col_blob(st, 0, &len);
    if ((error = og_crypto_open(ctx->keys, ctx->store, tenant_id, KEYS_OBJECT, blob, len, &plain,
                                &plainlen)) < 0)
        goto cleanup;
    if (plainlen != sizeof(*out)) {
        error = og_error_set(OG_ECORRUPT, "artifact keys of tenant %s have a bad size", tenant_id);
        goto cleanup;
    }
    memcpy(out, plain, sizeof(*out));
    error = 0;
cleanup:
    if (plain) {
        og_crypto_wipe(plain, plainlen);
        free(plain);
    }
    og_stmt_free(st);
    return error;
}

int og_artifacts__keys(og_ctx *ctx, const char *tenant_id, int create, art_keys *out)
{
    int error = keys_load(ctx, tenant_id, out);
    og_stmt *st = NULL;
    uint8_t *sealed = NULL;
    size_t sealedlen = 0;
    if (error != OG_ENOTFOUND || !create)
        return error;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    /* Another writer may have created them between our read and our write lock. */
    if ((error = keys_load(ctx, tenant_id, out)) != OG_ENOTFOUND)
        goto cleanup;
    if ((error = og_crypto_random(out, sizeof(*out))) < 0)
        goto cleanup;
    if ((error = og_crypto_seal(ctx->keys, ctx->store, tenant_id, KEYS_OBJECT, out, sizeof(*out),
                                &sealed, &sealedlen)) < 0)
        goto cleanup;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "INSERT INTO art_keys (tenant_id, sealed) VALUES (?, ?)")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, tenant_id);
    og_stmt_bind_blob(st, 2, sealed, sealedlen);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    if (error == 0)
        error = og_store_tx_commit(ctx->store);
    if (error < 0) {
        og_store_tx_rollback(ctx->store);
        og_crypto_wipe(out, sizeof(*out));
    }
    og_stmt_free(st);
    free(sealed);
    return error;
}

int og_artifacts__mac_hex(const uint8_t key[32], const char *a, const char *b, char out[65])
{
    uint8_t mac[32];
    size_t alen = strlen(a), blen = strlen(b);
    char stackbuf[512];
    char *msg = alen + blen + 1 <= sizeof(stackbuf) ? stackbuf : malloc(alen + blen + 1);
    if (!msg)
        return og_error_set(OG_ERROR, "out of memory");
    memcpy(msg, a, alen);
    msg[alen] = '\0';
    memcpy(msg + alen + 1, b, blen);
    int error = og_crypto_hmac_sha256(key, 32, msg, alen + 1 + blen, mac);
    if (msg != stackbuf)
        free(msg);
    if (error < 0)
        return error;
    og_hex_encode(mac, 32, out);
    return 0;
}

const char *og_artifacts__actor_label(const og_actor *a, char *out, size_t size)
{
    og_actor_label(a, out, size);
    return out;
}

/* Names are free text for people (spaces, capitals, dots) but not control characters or
 * slashes, which would make URLs and file names ambiguous, and always valid UTF-8 (put checks
 * that too: a read of a name no put accepts is a bad name, not a missing artifact). */
bool og_artifacts__name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > OG_ARTIFACT_NAME_MAX || name[0] == ' ' || name[n - 1] == ' ' ||
        !og_utf8_valid(name, n, NULL))
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c == 0x7f || c == '/' || c == '\\')
            return false;
    }
    return strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

static const char *const kinds[] = {"sow",     "change-order", "runbook",
                                    "closure", "template",     "other"};
static const char *const states[] = {"draft", "in-review", "approved", "published", "archived"};

bool og_artifact_kind_valid(const char *kind)
{
    for (size_t i = 0; kind && i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(kind, kinds[i]) == 0)
            return true;
    return false;
}

bool og_artifact_state_valid(const char *state)
{
    for (size_t i = 0; state && i < sizeof(states) / sizeof(states[0]); i++)
        if (strcmp(state, states[i]) == 0)
            return true;
    return false;
}

/* The lifecycle (docs/artifacts.md): forward one step at a time, back to draft for rework from
 * any state before archive, archive from anywhere, and reopen an archived artifact as a draft. */
bool og_artifact_transition_allowed(const char *from, const char *to)
{
    static const struct {
        const char *from, *to;
    } ok[] = {
        {"draft", "in-review"},    {"draft", "archived"},     {"in-review", "draft"},
        {"in-review", "approved"}, {"in-review", "archived"}, {"approved", "published"},
        {"approved", "draft"},     {"approved", "archived"},  {"published", "draft"},
        {"published", "archived"}, {"archived", "draft"},
    };
    for (size_t i = 0; from && to && i < sizeof(ok) / sizeof(ok[0]); i++)
        if (strcmp(from, ok[i].from) == 0 && strcmp(to, ok[i].to) == 0)
            return true;
    return false;
}

static const char *const right_names[] = {"none", "read", "write", "admin"};

const char *og_artifact_right_name(og_artifact_right r)
{
    return (unsigned)r < 4 ? right_names[r] : "none";
}

int og_artifact_right_parse(const char *s, og_artifact_right *out)
{
    for (int i = 1; i < 4; i++) {
        if (s && strcmp(s, right_names[i]) == 0) {
            *out = (og_artifact_right)i;
            return 0;
        }
    }
    return og_error_set(OG_EINVAL, "unknown right '%s' (read, write or admin)", s ? s : "");
}

int og_artifact_keep_parse(const char *s, int64_t *out_us)
{
    size_t n = s ? strlen(s) : 0;
    if (n >= 2 && s[n - 1] == 'y') {
        char *end = NULL;
        long long years = strtoll(s, &end, 10);
        if (end == s + n - 1 && years > 0 && years <= 100) {
            *out_us = (int64_t)years * 365 * 24 * 3600 * 1000000LL;
            return 0;
        }
    } else if (n > 0 && og_duration_parse(s, out_us) == 0 && *out_us > 0) {
        return 0;
    }
    return og_error_set(OG_EINVAL, "bad retention period '%s' (like 90d, 26w or 7y)", s ? s : "");
}
