/* artifact.c - artifact rows and their versions: sealed names, metadata and version records;
 * find, load and add. */
#include "artifacts/artifacts_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- rows ---- */

void og_artifacts__row_free(art_row *r)
{
    if (!r)
        return;
    json_decref(r->meta);
    r->meta = NULL;
}

static void row_object_id(const char *artifact_id, char out[64])
{
    snprintf(out, 64, "artifact:%s", artifact_id);
}

int og_artifacts__seal_row(og_ctx *ctx, const char *tenant_id, const char *artifact_id,
                           const char *name, json_t *meta, uint8_t **out, size_t *outlen)
{
    char oid[64];
    json_t *j =
        json_pack("{s:s, s:o}", "name", name, "meta", meta ? json_incref(meta) : json_object());
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    int error;
    json_decref(j);
    if (!text)
        return og_error_set(OG_ERROR, "cannot encode artifact metadata");
    row_object_id(artifact_id, oid);
    error = og_crypto_seal(ctx->keys, ctx->store, tenant_id, oid, text, strlen(text), out, outlen);
    og_crypto_wipe(text, strlen(text));
    free(text);
    return error;
}

int og_artifacts__row_reseal(og_ctx *ctx, const char *tenant_id, const art_row *a,
                             const char *updated_at)
{
    uint8_t *sealed = NULL;
    size_t sealedlen = 0;
    int error =
        og_artifacts__seal_row(ctx, tenant_id, a->id, a->name, a->meta, &sealed, &sealedlen);
    if (error < 0)
        return error;
    error = og_artifacts__exec(ctx,
                               "UPDATE art_artifacts SET sealed = ?,"
                               " updated_at = COALESCE(?, updated_at) WHERE id = ?",
                               "btt", sealed, sealedlen, updated_at, a->id);
    free(sealed);
    return error;
}

/* Fill a row from a statement selecting ART_ROW_COLS, opening its sealed name and metadata. */
int og_artifacts__row_from_stmt(og_ctx *ctx, const char *tenant_id, og_stmt *st, art_row *r)
{
    char oid[64];
    uint8_t *plain = NULL;
    size_t plainlen = 0, len = 0;
    json_t *j = NULL;
    json_error_t jerr;
    int error;
    memset(r, 0, sizeof(*r));
    r->n = og_stmt_col_int(st, 0);
    og_strlcpy(r->id, og_stmt_col_text(st, 1), sizeof(r->id));
    og_strlcpy(r->project_id, og_stmt_col_text(st, 2), sizeof(r->project_id));
    const void *blob = og_stmt_col_blob(st, 3, &len);
    og_strlcpy(r->kind, og_stmt_col_text(st, 4), sizeof(r->kind));
    og_strlcpy(r->state, og_stmt_col_text(st, 5), sizeof(r->state));
    r->latest = og_stmt_col_int(st, 6);
    og_strlcpy(r->created_at, og_stmt_col_text(st, 7), sizeof(r->created_at));
    og_strlcpy(r->created_by, og_stmt_col_text(st, 8), sizeof(r->created_by));
    og_strlcpy(r->updated_at, og_stmt_col_text(st, 9), sizeof(r->updated_at));
    r->archived_us = og_stmt_col_is_null(st, 10) ? 0 : og_stmt_col_int(st, 10);
    r->deleted_us = og_stmt_col_is_null(st, 11) ? 0 : og_stmt_col_int(st, 11);
    row_object_id(r->id, oid);
    if ((error = og_crypto_open(ctx->keys, ctx->store, tenant_id, oid, blob, len, &plain,
                                &plainlen)) < 0)
        return error;
    j = json_loadb((const char *)plain, plainlen, 0, &jerr);
    og_crypto_wipe(plain, plainlen);
    free(plain);
    const char *name = json_string_value(json_object_get(j, "name"));
    json_t *meta = json_object_get(j, "meta");
    if (!name || !json_is_object(meta)) {
        json_decref(j);
        return og_error_set(OG_ECORRUPT, "artifact %s has a malformed sealed record", r->id);
    }
    og_strlcpy(r->name, name, sizeof(r->name));
    r->meta = json_incref(meta);
    json_decref(j);
    return 0;
}

int og_artifacts__find(og_ctx *ctx, const art_scope *sc, const char *name, int allow_deleted,
                       art_row *out)
{
    return og_artifacts__find_k(ctx, sc, name, allow_deleted, NULL, out);
}

int og_artifacts__find_k(og_ctx *ctx, const art_scope *sc, const char *name, int allow_deleted,
                         const art_keys *keys, art_row *out)
{
    int error = -1;
    og_stmt *st = NULL;
    art_keys k;
    char mac[65];
    memset(out, 0, sizeof(*out));
    if (!og_artifacts__name_valid(name))
        return og_error_set(OG_EINVAL,
                            "bad artifact name '%s' (1 to %d bytes, no control characters, "
                            "slashes or surrounding spaces)",
                            name ? name : "", OG_ARTIFACT_NAME_MAX);
    if (keys) {
        k = *keys;
        error = 0;
    } else {
        error = og_artifacts__keys(ctx, sc->tenant_id, 0, &k);
    }
    if (error == OG_ENOTFOUND)
        goto notfound;
    if (error < 0)
        return error;
    error = og_artifacts__mac_hex(k.name, sc->project.id, name, mac);
    og_crypto_wipe(&k, sizeof(k));
    if (error < 0)
        return error;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT " ART_ROW_COLS " FROM art_artifacts a"
                                 " WHERE a.project_id = ? AND a.name_mac = ?")) < 0)
        return error;
    og_stmt_bind_text(st, 1, sc->project.id);
    og_stmt_bind_text(st, 2, mac);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    if (error != OG_ROW)
        goto notfound;
    if ((error = og_artifacts__row_from_stmt(ctx, sc->tenant_id, st, out)) < 0)
        goto cleanup;
    if ((out->deleted_us && !allow_deleted) ||
        (sc->published_only && (strcmp(out->state, "published") != 0 || out->deleted_us))) {
        og_artifacts__row_free(out);
        goto notfound;
    }
    error = 0;
cleanup:
    og_stmt_free(st);
    return error;
notfound:
    og_stmt_free(st);
    return og_error_set(OG_ENOTFOUND, "artifact '%s' not found in project '%s'", name,
                        sc->project.key);
}

int og_artifacts__load(og_ctx *ctx, const char *tenant_id, const char *artifact_id, art_row *out)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(&st, ctx->store,
                                "SELECT " ART_ROW_COLS " FROM art_artifacts a"
                                " WHERE a.tenant_id = ? AND a.id = ?");
    memset(out, 0, sizeof(*out));
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, tenant_id);
    og_stmt_bind_text(st, 2, artifact_id);
    if ((error = og_stmt_step(st)) == OG_ROW)
        error = og_artifacts__row_from_stmt(ctx, tenant_id, st, out);
    else if (error == OG_DONE)
        error = og_error_set(OG_ENOTFOUND, "artifact %s not found", artifact_id);
    og_stmt_free(st);
    return error;
}

json_t *og_artifacts__row_json(const art_row *r, const art_scope *sc)
{
    char t[OG_TIME_LEN];
    json_t *j =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:O, s:s, s:s, s:s}", "id", r->id, "project",
                  sc->project.key, "name", r->name, "kind", r->kind, "state", r->state, "latest",
                  (json_int_t)r->latest, "metadata", r->meta, "created_at", r->created_at,
                  "created_by", r->created_by, "updated_at", r->updated_at);
    if (r->archived_us) {
        og_time_format(r->archived_us, t);
        json_object_set_new(j, "archived_at", json_string(t));
    }
    if (r->deleted_us) {
        og_time_format(r->deleted_us, t);
        json_object_set_new(j, "deleted_at", json_string(t));
    }
    return j;
}

/* ---- versions ---- */

void og_artifacts__version_object_id(const char *artifact_id, int64_t number, char out[80])
{
    snprintf(out, 80, "version:%s:%lld", artifact_id, (long long)number);
}

json_t *og_artifact_version_to_json(const og_artifact_version *v)
{
    json_t *j =
        json_pack("{s:I, s:s, s:s, s:I, s:s, s:s, s:s}", "version", (json_int_t)v->number, "author",
                  v->author, "created_at", v->created_at, "size", (json_int_t)v->size, "media_type",
                  v->media_type, "sha256", v->sha256, "message", v->message);
    if (v->restored_from)
        json_object_set_new(j, "restored_from", json_integer(v->restored_from));
    return j;
}

int og_artifacts__version_from_stmt(og_ctx *ctx, const char *tenant_id, og_stmt *st,
                                    og_artifact_version *v, char object[65])
{
    char oid[80];
    uint8_t *plain = NULL;
    size_t plainlen = 0, len = 0;
    json_error_t jerr;
    int error;
    memset(v, 0, sizeof(*v));
    og_strlcpy(v->artifact_id, og_stmt_col_text(st, 0), sizeof(v->artifact_id));
    v->number = og_stmt_col_int(st, 1);
    og_strlcpy(v->author, og_stmt_col_text(st, 2), sizeof(v->author));
    og_strlcpy(v->created_at, og_stmt_col_text(st, 3), sizeof(v->created_at));
    v->size = (uint64_t)og_stmt_col_int(st, 4);
    og_strlcpy(v->media_type, og_stmt_col_text(st, 5), sizeof(v->media_type));
    if (object)
        og_strlcpy(object, og_stmt_col_text(st, 6), 65);
    const void *blob = og_stmt_col_blob(st, 7, &len);
    v->restored_from = og_stmt_col_is_null(st, 8) ? 0 : og_stmt_col_int(st, 8);
    og_artifacts__version_object_id(v->artifact_id, v->number, oid);
    if ((error = og_crypto_open(ctx->keys, ctx->store, tenant_id, oid, blob, len, &plain,
                                &plainlen)) < 0)
        return error;
    json_t *j = json_loadb((const char *)plain, plainlen, 0, &jerr);
    og_crypto_wipe(plain, plainlen);
    free(plain);
    const char *sha = json_string_value(json_object_get(j, "sha256"));
    const char *msg = json_string_value(json_object_get(j, "message"));
    if (!sha || strlen(sha) != 64) {
        json_decref(j);
        return og_error_set(OG_ECORRUPT, "version %lld of artifact %s is malformed",
                            (long long)v->number, v->artifact_id);
    }
    og_strlcpy(v->sha256, sha, sizeof(v->sha256));
    og_strlcpy(v->message, msg ? msg : "", sizeof(v->message));
    json_decref(j);
    return 0;
}

int og_artifacts__version(og_ctx *ctx, const char *tenant_id, const art_row *a, int64_t number,
                          og_artifact_version *out, char object[65])
{
    og_stmt *st = NULL;
    int error;
    if (number < 0)
        return og_error_set(OG_EINVAL, "bad version number %lld (1 or more)", (long long)number);
    if (number == 0)
        number = a->latest;
    if (number == 0 || number > a->latest)
        return og_error_set(OG_ENOTFOUND, "artifact '%s' has no version %lld (latest is %lld)",
                            a->name, (long long)number, (long long)a->latest);
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT " ART_VERSION_COLS " FROM art_versions"
                                 " WHERE artifact_id = ? AND number = ?")) < 0)
        return error;
    og_stmt_bind_text(st, 1, a->id);
    og_stmt_bind_int(st, 2, number);
    if ((error = og_stmt_step(st)) == OG_ROW)
        error = og_artifacts__version_from_stmt(ctx, tenant_id, st, out, object);
    else if (error == OG_DONE)
        error = og_error_set(OG_ENOTFOUND, "artifact '%s' has no version %lld", a->name,
                             (long long)number);
    og_stmt_free(st);
    return error;
}

int og_artifacts__version_add(og_ctx *ctx, const char *tenant_id, art_row *a,
                              og_artifact_version *v, const char *object, json_t *proposal,
                              json_t *read)
{
    int error = -1;
    char oid[80], *text = NULL;
    uint8_t *sealed = NULL;
    size_t sealedlen = 0;
    json_t *j = NULL;
    v->number = a->latest + 1;
    og_strlcpy(v->artifact_id, a->id, sizeof(v->artifact_id));
    og_time_format(og_time_now_us(), v->created_at);
    og_actor_label(&ctx->actor, v->author, sizeof(v->author));
    /* the classifier's proposal (docs/artifacts.md "Indexing") is sealed with the message */
    j = json_pack("{s:s, s:s, s:O*, s:O*}", "sha256", v->sha256, "message", v->message, "proposal",
                  proposal, "read", proposal ? read : NULL);
    if (!j || !(text = json_dumps(j, JSON_COMPACT))) {
        error = og_error_set(OG_ERROR, "cannot encode a version");
        goto cleanup;
    }
    og_artifacts__version_object_id(a->id, v->number, oid);
    if ((error = og_crypto_seal(ctx->keys, ctx->store, tenant_id, oid, text, strlen(text), &sealed,
                                &sealedlen)) < 0)
        goto cleanup;
    if ((error = og_artifacts__exec(ctx,
                                    "INSERT INTO art_versions (" ART_VERSION_COLS ", tenant_id)"
                                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                    "tittittbIt", a->id, v->number, v->author, v->created_at,
                                    (int64_t)v->size, v->media_type, object, sealed, sealedlen,
                                    v->restored_from, tenant_id)) < 0 ||
        (error = og_artifacts__exec(ctx,
                                    "UPDATE art_artifacts SET latest = ?, updated_at = ?"
                                    " WHERE id = ?",
                                    "itt", v->number, v->created_at, a->id)) < 0)
        goto cleanup;
    a->latest = v->number;
    og_strlcpy(a->updated_at, v->created_at, sizeof(a->updated_at));
    error = 0;
cleanup:
    json_decref(j);
    if (text) {
        og_crypto_wipe(text, strlen(text));
        free(text);
    }
    free(sealed);
    return error;
}
