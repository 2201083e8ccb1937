/* artifact.c - artifacts and their immutable versions: rows with sealed names and metadata,
 * streaming put and get, list, show, log, restore and metadata. */
#include "artifacts/artifacts_internal.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROW_COLS                                                                                   \
    "a.n, a.id, a.project_id, a.sealed, a.kind, a.state, a.latest, a.created_at, a.created_by,"    \
    " a.updated_at, a.archived_us, a.deleted_us"

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

/* Fill a row from a statement selecting ROW_COLS, opening its sealed name and metadata. */
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
                                 "SELECT " ROW_COLS " FROM art_artifacts a"
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
                                "SELECT " ROW_COLS " FROM art_artifacts a"
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

static void version_object_id(const char *artifact_id, int64_t number, char out[80])
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

static int version_from_stmt(og_ctx *ctx, const char *tenant_id, og_stmt *st,
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
    version_object_id(v->artifact_id, v->number, oid);
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

#define VERSION_COLS                                                                               \
    "artifact_id, number, author, created_at, size, media_type, object, sealed, restored_from"

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
                                 "SELECT " VERSION_COLS " FROM art_versions"
                                 " WHERE artifact_id = ? AND number = ?")) < 0)
        return error;
    og_stmt_bind_text(st, 1, a->id);
    og_stmt_bind_int(st, 2, number);
    if ((error = og_stmt_step(st)) == OG_ROW)
        error = version_from_stmt(ctx, tenant_id, st, out, object);
    else if (error == OG_DONE)
        error = og_error_set(OG_ENOTFOUND, "artifact '%s' has no version %lld", a->name,
                             (long long)number);
    og_stmt_free(st);
    return error;
}

int og_artifacts__version_add(og_ctx *ctx, const char *tenant_id, art_row *a,
                              og_artifact_version *v, const char *object)
{
    int error = -1;
    og_stmt *st = NULL;
    char oid[80], *text = NULL;
    uint8_t *sealed = NULL;
    size_t sealedlen = 0;
    json_t *j = NULL;
    v->number = a->latest + 1;
    og_strlcpy(v->artifact_id, a->id, sizeof(v->artifact_id));
    og_time_format(og_time_now_us(), v->created_at);
    og_actor_label(&ctx->actor, v->author, sizeof(v->author));
    j = json_pack("{s:s, s:s}", "sha256", v->sha256, "message", v->message);
    if (!j || !(text = json_dumps(j, JSON_COMPACT))) {
        error = og_error_set(OG_ERROR, "cannot encode a version");
        goto cleanup;
    }
    version_object_id(a->id, v->number, oid);
    if ((error = og_crypto_seal(ctx->keys, ctx->store, tenant_id, oid, text, strlen(text), &sealed,
                                &sealedlen)) < 0)
        goto cleanup;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "INSERT INTO art_versions (" VERSION_COLS ", tenant_id)"
                                 " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, a->id);
    og_stmt_bind_int(st, 2, v->number);
    og_stmt_bind_text(st, 3, v->author);
    og_stmt_bind_text(st, 4, v->created_at);
    og_stmt_bind_int(st, 5, (int64_t)v->size);
    og_stmt_bind_text(st, 6, v->media_type);
    og_stmt_bind_text(st, 7, object);
    og_stmt_bind_blob(st, 8, sealed, sealedlen);
    if (v->restored_from)
        og_stmt_bind_int(st, 9, v->restored_from);
    else
        og_stmt_bind_null(st, 9);
    og_stmt_bind_text(st, 10, tenant_id);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    og_stmt_free(st);
    st = NULL;
    if ((error = og_stmt_prepare(
             &st, ctx->store, "UPDATE art_artifacts SET latest = ?, updated_at = ? WHERE id = ?")) <
        0)
        goto cleanup;
    og_stmt_bind_int(st, 1, v->number);
    og_stmt_bind_text(st, 2, v->created_at);
    og_stmt_bind_text(st, 3, a->id);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    a->latest = v->number;
    og_strlcpy(a->updated_at, v->created_at, sizeof(a->updated_at));
    error = 0;
cleanup:
    og_stmt_free(st);
    json_decref(j);
    if (text) {
        og_crypto_wipe(text, strlen(text));
        free(text);
    }
    free(sealed);
    return error;
}

/* The object name of an artifact's latest version ("" when it has none). */
static int latest_object(og_ctx *ctx, const art_row *a, char object[65])
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(&st, ctx->store,
                                "SELECT object FROM art_versions WHERE artifact_id = ?"
                                " AND number = ?");
    object[0] = '\0';
    if (error < 0)
        return error;
    og_stmt_bind_text(st, 1, a->id);
    og_stmt_bind_int(st, 2, a->latest);
    if ((error = og_stmt_step(st)) == OG_ROW)
        og_strlcpy(object, og_stmt_col_text(st, 0), 65);
    og_stmt_free(st);
    return error < 0 ? error : 0;
}

/* Record that `part` (by name, same project) is part of artifact a: it goes with a from now on. */
static int link_part(og_ctx *ctx, const art_scope *sc, const art_keys *k, const art_row *a,
                     const char *part)
{
    og_stmt *st = NULL;
    art_row pr;
    int error = og_artifacts__find_k(ctx, sc, part, 0, k, &pr);
    if (error == OG_ENOTFOUND)
        return og_error_set(OG_EINVAL, "part '%s' of artifact '%s' not found in project '%s'", part,
                            a->name, sc->project.key);
    if (error < 0)
        return error;
    if (strcmp(pr.id, a->id) == 0) {
        error = og_error_set(OG_EINVAL, "artifact '%s' cannot be a part of itself", a->name);
        goto cleanup;
    }
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "INSERT INTO art_parts (whole_id, part_id, tenant_id)"
                                 " VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, a->id);
    og_stmt_bind_text(st, 2, pr.id);
    og_stmt_bind_text(st, 3, sc->tenant_id);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    og_stmt_free(st);
    og_artifacts__row_free(&pr);
    return error;
}

/* ---- put ---- */

struct og_artifact_put {
    og_ctx *ctx;
    art_scope sc;
    art_keys keys; /* the tenant's module keys, loaded once; wiped on free */
    char name[OG_ARTIFACT_NAME_MAX + 1];
    char kind[16];
    char media[128]; /* "" until known */
    char message[OG_ARTIFACT_MSG_MAX + 1];
    char part[OG_ARTIFACT_NAME_MAX + 1]; /* "" = none */
    json_t *meta;                        /* NULL = keep */
    art_obj_writer *w;
    art_tok *tok;
    uint64_t tokenized;
    uint8_t head[512];
    size_t headlen;
    int failed;
    int finished;
};

static int parse_meta(const char *text, json_t **out)
{
    json_error_t jerr;
    *out = NULL;
    if (!text)
        return 0;
    if (strlen(text) > OG_ARTIFACT_META_MAX)
        return og_error_set(OG_ETOOBIG, "metadata is over %d bytes", OG_ARTIFACT_META_MAX);
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
    if (!j)
        return og_error_set(OG_EINVAL, "bad metadata JSON at line %d column %d: %s", jerr.line,
                            jerr.column, jerr.text);
    if (!json_is_object(j)) {
        json_decref(j);
        return og_error_set(OG_EINVAL, "metadata must be a JSON object, got '%.40s'", text);
    }
    *out = j;
    return 0;
}

/* The checks shared by begin and finish: the artifact may take a new version from this actor. */
static int check_writable(og_ctx *ctx, const art_row *a, const char *kind, const char *name)
{
    int error;
    if (a->deleted_us)
        return og_error_set(
            OG_ECONFLICT,
            "artifact '%s' is deleted; undelete it (artifact undelete), purge it or "
            "choose another name",
            name);
    if (kind && *kind && strcmp(kind, a->kind) != 0)
        return og_error_set(OG_EINVAL, "artifact '%s' is a %s, not a %s", name, a->kind, kind);
    if (strcmp(a->state, "draft") != 0)
        return og_error_set(OG_ECONFLICT,
                            "artifact '%s' is %s: new versions go to drafts only (set-state "
                            "draft first)",
                            name, a->state);
    if ((error = og_artifacts__lock_check(ctx, a->id)) < 0)
        return error;
    return 0;
}

int og_artifact_put_begin(og_artifact_put **out, og_ctx *ctx, const og_artifact_ref *ref,
                          const og_artifact_put_opts *opts)
{
    int error = -1;
    art_row a;
    art_keys k;
    og_artifact_put *p = NULL;
    og_artifact_put_opts none;
    memset(&a, 0, sizeof(a));
    memset(&k, 0, sizeof(k));
    memset(&none, 0, sizeof(none));
    if (!opts)
        opts = &none;
    og_artifacts_register_kinds();
    if (opts->kind && !og_artifact_kind_valid(opts->kind))
        return og_error_set(OG_EINVAL,
                            "unknown kind '%s' (sow, change-order, runbook, closure, template, "
                            "other)",
                            opts->kind);
    if (opts->media_type && !og_artifacts__media_valid(opts->media_type))
        return og_error_set(OG_EINVAL, "bad media type '%s' (like text/markdown)",
                            opts->media_type);
    if (opts->message && strlen(opts->message) > OG_ARTIFACT_MSG_MAX)
        return og_error_set(OG_ETOOBIG, "the message is over %d bytes", OG_ARTIFACT_MSG_MAX);
    if ((error = og_name_check("artifact name", ref ? ref->name : NULL, OG_ARTIFACT_NAME_MAX)) < 0)
        return error;
    if (!ref || !og_artifacts__name_valid(ref->name))
        return og_error_set(OG_EINVAL,
                            "bad artifact name '%s' (1 to %d bytes, no control characters, "
                            "slashes or surrounding spaces)",
                            ref && ref->name ? ref->name : "", OG_ARTIFACT_NAME_MAX);
    if (opts->part && (!og_artifacts__name_valid(opts->part) || strcmp(opts->part, ref->name) == 0))
        return og_error_set(OG_EINVAL, "bad part '%s' of artifact '%s' (another artifact's name)",
                            opts->part, ref->name);
    if (!(p = calloc(1, sizeof(*p))))
        return og_error_set(OG_ERROR, "out of memory");
    p->ctx = ctx;
    if (opts->part)
        og_strlcpy(p->part, opts->part, sizeof(p->part));
    if ((error = parse_meta(opts->metadata, &p->meta)) < 0)
        goto cleanup;
    if ((error = og_artifacts__scope(ctx, ref->tenant, ref->project, OG_RIGHT_WRITE, &p->sc)) < 0)
        goto cleanup;
    if ((error = og_artifacts__keys(ctx, p->sc.tenant_id, 1, &p->keys)) < 0)
        goto cleanup;
    error = og_artifacts__find_k(ctx, &p->sc, ref->name, 1, &p->keys, &a);
    if (error == 0) {
        if ((error = check_writable(ctx, &a, opts->kind, ref->name)) < 0)
            goto cleanup;
        og_strlcpy(p->kind, a.kind, sizeof(p->kind));
    } else if (error == OG_ENOTFOUND) {
        og_error_clear();
        og_strlcpy(p->kind, opts->kind ? opts->kind : "other", sizeof(p->kind));
    } else {
        goto cleanup;
    }
    og_strlcpy(p->name, ref->name, sizeof(p->name));
    og_strlcpy(p->message, opts->message ? opts->message : "", sizeof(p->message));
    if (opts->media_type)
        og_strlcpy(p->media, opts->media_type, sizeof(p->media));
    else if (og_artifacts__media_by_name(opts->filename))
        og_strlcpy(p->media, og_artifacts__media_by_name(opts->filename), sizeof(p->media));
    else if (og_artifacts__media_by_name(ref->name))
        og_strlcpy(p->media, og_artifacts__media_by_name(ref->name), sizeof(p->media));
    if (!p->media[0] || og_artifacts__media_is_text(p->media)) {
        if (!(p->tok =
                  og_artifacts__tok_new(p->media[0] && og_artifacts__media_is_html(p->media)))) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
    }
    if ((error = og_artifacts__obj_writer_new(&p->w, ctx, p->sc.tenant_id)) < 0)
        goto cleanup;
    *out = p;
    p = NULL;
    error = 0;
cleanup:
    og_artifacts__row_free(&a);
    og_crypto_wipe(&k, sizeof(k));
    og_artifact_put_free(p);
    return error;
}

int og_artifact_put_write(og_artifact_put *p, const void *data, size_t len)
{
    int error;
    if (p->failed || p->finished)
        return og_error_set(OG_ERROR, "this upload is finished or failed");
    if (p->headlen < sizeof(p->head)) {
        size_t n = sizeof(p->head) - p->headlen < len ? sizeof(p->head) - p->headlen : len;
        memcpy(p->head + p->headlen, data, n);
        p->headlen += n;
    }
    if (p->tok && p->tokenized < ART_INDEX_TEXT_MAX) {
        size_t n = ART_INDEX_TEXT_MAX - p->tokenized < len
                       ? (size_t)(ART_INDEX_TEXT_MAX - p->tokenized)
                       : len;
        og_artifacts__tok_feed(p->tok, data, n);
        p->tokenized += n;
    }
    if ((error = og_artifacts__obj_writer_write(p->w, data, len)) < 0)
        p->failed = 1;
    return error;
}

int og_artifact_put_finish(og_artifact_put *p, og_artifact_version *out)
{
    int error = -1, created_file = 0, new_artifact = 0;
    og_ctx *ctx = p->ctx;
    og_stmt *st = NULL;
    art_row a;
    art_keys k;
    og_artifact_version v;
    og_buf body;
    uint8_t sha[32], *sealed = NULL;
    size_t sealedlen = 0;
    char object[65] = "", sha_hex[65], latest_obj[65] = "";
    json_t *analysis = NULL;
    memset(&a, 0, sizeof(a));
    memset(&k, 0, sizeof(k));
    memset(&v, 0, sizeof(v));
    og_buf_init(&body, (size_t)16 << 20);
    if (p->failed || p->finished)
        return og_error_set(OG_ERROR, "this upload is finished or failed");
    p->failed = 1;
    if ((error = og_artifacts__obj_writer_end(p->w, sha, &v.size)) < 0)
        return error;
    og_hex_encode(sha, 32, sha_hex);
    og_strlcpy(v.sha256, sha_hex, sizeof(v.sha256));
    og_strlcpy(v.message, p->message, sizeof(v.message));
    if (!p->media[0])
        og_strlcpy(p->media, og_artifacts__media_sniff(p->head, p->headlen), sizeof(p->media));
    og_strlcpy(v.media_type, p->media, sizeof(v.media_type));
    k = p->keys;
    if ((error = og_artifacts__obj_name(&k, sha, object)) < 0)
        goto cleanup;
    if (p->tok && og_artifacts__media_is_text(p->media)) {
        if ((error = og_artifacts__tok_index(p->tok, k.search, &body)) < 0)
            goto cleanup;
    }

    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    error = og_artifacts__find_k(ctx, &p->sc, p->name, 1, &k, &a);
    if (error == 0) {
        if ((error = check_writable(ctx, &a, p->kind, p->name)) < 0)
            goto rollback;
        /* Same object name, same content: nothing to version. */
        if ((error = latest_object(ctx, &a, latest_obj)) < 0)
            goto rollback;
        if (strcmp(latest_obj, object) == 0) {
            error = og_error_set(OG_EEXISTS,
                                 "unchanged: the content is identical to version %lld of '%s'",
                                 (long long)a.latest, p->name);
            goto rollback;
        }
        if (p->meta) {
            json_decref(a.meta);
            a.meta = json_incref(p->meta);
        }
    } else if (error == OG_ENOTFOUND) {
        char mac[65], now[OG_TIME_LEN], by[160];
        og_error_clear();
        new_artifact = 1;
        og_id_new(a.id);
        og_strlcpy(a.project_id, p->sc.project.id, sizeof(a.project_id));
        og_strlcpy(a.name, p->name, sizeof(a.name));
        og_strlcpy(a.kind, p->kind, sizeof(a.kind));
        og_strlcpy(a.state, "draft", sizeof(a.state));
        a.meta = p->meta ? json_incref(p->meta) : json_object();
        og_time_format(og_time_now_us(), now);
        og_actor_label(&ctx->actor, by, sizeof(by));
        og_strlcpy(a.created_at, now, sizeof(a.created_at));
        og_strlcpy(a.created_by, by, sizeof(a.created_by));
        if ((error = og_artifacts__mac_hex(k.name, p->sc.project.id, p->name, mac)) < 0)
            goto rollback;
        if ((error = og_artifacts__seal_row(ctx, p->sc.tenant_id, a.id, a.name, a.meta, &sealed,
                                            &sealedlen)) < 0)
            goto rollback;
        if ((error = og_stmt_prepare(&st, ctx->store,
                                     "INSERT INTO art_artifacts (id, tenant_id, project_id,"
                                     " name_mac, sealed, kind, state, latest, created_at,"
                                     " created_by, updated_at)"
                                     " VALUES (?, ?, ?, ?, ?, ?, 'draft', 0, ?, ?, ?)")) < 0)
            goto rollback;
        og_stmt_bind_text(st, 1, a.id);
        og_stmt_bind_text(st, 2, p->sc.tenant_id);
        og_stmt_bind_text(st, 3, p->sc.project.id);
        og_stmt_bind_text(st, 4, mac);
        og_stmt_bind_blob(st, 5, sealed, sealedlen);
        og_stmt_bind_text(st, 6, a.kind);
        og_stmt_bind_text(st, 7, now);
        og_stmt_bind_text(st, 8, by);
        og_stmt_bind_text(st, 9, now);
        if ((error = og_stmt_step(st)) < 0)
            goto rollback;
        og_stmt_free(st);
        st = NULL;
        if ((error = og_stmt_prepare(&st, ctx->store, "SELECT n FROM art_artifacts WHERE id = ?")) <
            0)
            goto rollback;
        og_stmt_bind_text(st, 1, a.id);
        if ((error = og_stmt_step(st)) != OG_ROW) {
            error = error < 0 ? error : og_error_set(OG_ERROR, "artifact row vanished");
            goto rollback;
        }
        a.n = og_stmt_col_int(st, 0);
        og_stmt_free(st);
        st = NULL;
    } else {
        goto rollback;
    }
    if (p->meta && !new_artifact) {
        if ((error = og_artifacts__seal_row(ctx, p->sc.tenant_id, a.id, a.name, a.meta, &sealed,
                                            &sealedlen)) < 0)
            goto rollback;
        if ((error = og_stmt_prepare(&st, ctx->store,
                                     "UPDATE art_artifacts SET sealed = ? WHERE id = ?")) < 0)
            goto rollback;
        og_stmt_bind_blob(st, 1, sealed, sealedlen);
        og_stmt_bind_text(st, 2, a.id);
        if ((error = og_stmt_step(st)) < 0)
            goto rollback;
        og_stmt_free(st);
        st = NULL;
    }
    if ((error = og_artifacts__obj_writer_commit(p->w, ctx, &k, object, &created_file)) < 0)
        goto rollback;
    if ((error = og_artifacts__version_add(ctx, p->sc.tenant_id, &a, &v, object)) < 0)
        goto rollback;
    if (p->part[0] && (error = link_part(ctx, &p->sc, &k, &a, p->part)) < 0)
        goto rollback;
    if ((error = og_artifacts__index_put(ctx, p->sc.tenant_id, &a, body.len ? body.data : NULL, 0,
                                         &k)) < 0)
        goto rollback;
    analysis =
        json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:b}", "project", p->sc.project.key, "kind",
                  a.kind, "version", (json_int_t)v.number, "size", (json_int_t)v.size, "media_type",
                  v.media_type, "object", object, "new_artifact", new_artifact);
    if ((error = og_audit_log(ctx, p->sc.tenant_id, ART_AREA, "artifact.put", "artifact", a.id,
                              analysis)) < 0)
        goto rollback;
    if ((error = og_store_tx_commit(ctx->store)) < 0)
        goto rollback;
    v.created_artifact = new_artifact;
    if (out)
        *out = v;
    p->finished = 1;
    p->failed = 0;
    error = 0;
    goto cleanup;
rollback:
    og_store_tx_rollback(ctx->store);
    if (created_file)
        og_artifacts__obj_unlink(ctx, p->sc.tenant_id, object);
cleanup:
    og_stmt_free(st);
    og_crypto_wipe(&k, sizeof(k));
    og_artifacts__row_free(&a);
    og_buf_free(&body);
    free(sealed);
    json_decref(analysis);
    return error;
}

void og_artifact_put_free(og_artifact_put *p)
{
    if (!p)
        return;
    og_crypto_wipe(&p->keys, sizeof(p->keys));
    og_artifacts__obj_writer_free(p->w);
    og_artifacts__tok_free(p->tok);
    json_decref(p->meta);
    og_crypto_wipe(p->head, sizeof(p->head));
    free(p);
}

int og_artifact_put_buffer(og_ctx *ctx, const og_artifact_ref *ref,
                           const og_artifact_put_opts *opts, const void *data, size_t len,
                           og_artifact_version *out)
{
    og_artifact_put *p = NULL;
    int error = og_artifact_put_begin(&p, ctx, ref, opts);
    if (error == 0)
        error = og_artifact_put_write(p, data, len);
    if (error == 0)
        error = og_artifact_put_finish(p, out);
    og_artifact_put_free(p);
    return error;
}

/* ---- get ---- */

struct og_artifact_reader {
    og_buf mem; /* small contents, verified in full */
    size_t pos;
    art_obj_reader *r; /* large contents: the second, releasing pass */
};

static int sha_from_hex(const char *hex, uint8_t sha[32])
{
    if (og_hex_decode(hex, sha, 32) != 32)
        return og_error_set(OG_ECORRUPT, "bad stored SHA-256");
    return 0;
}

int og_artifact_get_open(og_artifact_reader **out, og_ctx *ctx, const og_artifact_ref *ref,
                         int64_t version, og_artifact_version *info)
{
    int error = -1;
    art_scope sc;
    art_row a;
    og_artifact_version v;
    char object[65];
    uint8_t sha[32];
    art_obj_reader *check = NULL;
    og_artifact_reader *rd = NULL;
    memset(&a, 0, sizeof(a));
    if (!ref)
        return og_error_set(OG_EINVAL, "missing artifact");
    if (version < 0)
        return og_error_set(OG_EINVAL, "bad version number %lld (1 or more)", (long long)version);
    if ((error = og_artifacts__scope(ctx, ref->tenant, ref->project, OG_RIGHT_READ, &sc)) < 0)
        return error;
    if ((error = og_artifacts__find(ctx, &sc, ref->name, 0, &a)) < 0)
        return error;
    /* Client viewers see what was published: the latest version, not the drafts before it. */
    if (sc.published_only && version != 0 && version != a.latest) {
        error = og_error_set(OG_ENOTFOUND, "artifact '%s' has no version %lld", ref->name,
                             (long long)version);
        goto cleanup;
    }
    if ((error = og_artifacts__version(ctx, sc.tenant_id, &a, version, &v, object)) < 0)
        goto cleanup;
    if ((error = sha_from_hex(v.sha256, sha)) < 0)
        goto cleanup;
    if (!(rd = calloc(1, sizeof(*rd)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if (v.size <= ART_SMALL_OBJECT) {
        og_buf_init(&rd->mem, ART_SMALL_OBJECT);
        if ((error = og_artifacts__obj_read_all(ctx, sc.tenant_id, object, sha, v.size, &rd->mem)) <
            0)
            goto cleanup;
    } else {
        /* First pass: check everything, release nothing. */
        uint8_t *tmp = malloc(65536);
        size_t got = 0;
        if (!tmp) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
        error = og_artifacts__obj_reader_open(&check, ctx, sc.tenant_id, object, sha, v.size);
        while (error == 0 &&
               (error = og_artifacts__obj_reader_read(check, tmp, 65536, &got)) == 0 && got)
            ;
        free(tmp);
        if (error < 0)
            goto cleanup;
        if ((error =
                 og_artifacts__obj_reader_open(&rd->r, ctx, sc.tenant_id, object, sha, v.size)) < 0)
            goto cleanup;
    }
    if (info)
        *info = v;
    *out = rd;
    rd = NULL;
    error = 0;
cleanup:
    og_artifacts__obj_reader_free(check);
    og_artifact_get_close(rd);
    og_artifacts__row_free(&a);
    return error;
}

int og_artifact_get_read(og_artifact_reader *r, void *buf, size_t cap, size_t *got)
{
    if (r->r)
        return og_artifacts__obj_reader_read(r->r, buf, cap, got);
    size_t n = r->mem.len - r->pos < cap ? r->mem.len - r->pos : cap;
    if (n)
        memcpy(buf, r->mem.data + r->pos, n);
    r->pos += n;
    *got = n;
    return 0;
}

void og_artifact_get_close(og_artifact_reader *r)
{
    if (!r)
        return;
    if (r->mem.data)
        og_crypto_wipe(r->mem.data, r->mem.len);
    og_buf_free(&r->mem);
    og_artifacts__obj_reader_free(r->r);
    free(r);
}

/* ---- list, show, log ---- */

static int cmp_entries(const void *x, const void *y)
{
    json_t *a = *(json_t *const *)x, *b = *(json_t *const *)y;
    int c = strcmp(json_string_value(json_object_get(a, "project")),
                   json_string_value(json_object_get(b, "project")));
    if (c)
        return c;
    return strcmp(json_string_value(json_object_get(a, "name")),
                  json_string_value(json_object_get(b, "name")));
}

int og_artifact_list(og_ctx *ctx, const char *tenant, const char *project, int include_deleted,
                     json_t **out)
{
    int error = -1;
    og_stmt *st = NULL, *pst = NULL;
    char tenant_id[OG_ID_LEN];
    json_t **items = NULL;
    size_t n = 0, cap = 0;
    art_scope sc, one;
    memset(&one, 0, sizeof(one));
    if (project) {
        if ((error = og_artifacts__scope(ctx, tenant, project, OG_RIGHT_READ, &one)) < 0)
            return error;
        og_strlcpy(tenant_id, one.tenant_id, sizeof(tenant_id));
    } else if ((error = og_artifacts__tenant(ctx, tenant, tenant_id)) < 0) {
        return error;
    }
    if ((error = og_stmt_prepare(&pst, ctx->store,
                                 "SELECT id, key FROM art_projects WHERE tenant_id = ?"
                                 " AND (? IS NULL OR id = ?)")) < 0)
        goto cleanup;
    og_stmt_bind_text(pst, 1, tenant_id);
    og_stmt_bind_text(pst, 2, project ? one.project.id : NULL);
    og_stmt_bind_text(pst, 3, project ? one.project.id : NULL);
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT " ROW_COLS ", v.size, v.media_type FROM art_artifacts a"
                                 " LEFT JOIN art_versions v ON v.artifact_id = a.id"
                                 " AND v.number = a.latest WHERE a.project_id = ?")) < 0)
        goto cleanup;
    while ((error = og_stmt_step(pst)) == OG_ROW) {
        memset(&sc, 0, sizeof(sc));
        og_strlcpy(sc.tenant_id, tenant_id, sizeof(sc.tenant_id));
        og_strlcpy(sc.project.id, og_stmt_col_text(pst, 0), sizeof(sc.project.id));
        og_strlcpy(sc.project.key, og_stmt_col_text(pst, 1), sizeof(sc.project.key));
        if ((error = og_artifacts__right(ctx, tenant_id, sc.project.id, &sc.right, NULL, 0)) < 0)
            goto cleanup;
        if (sc.right == OG_RIGHT_NONE)
            continue;
        sc.published_only =
            ctx->actor.kind == OG_ACTOR_USER && ctx->actor.role == OG_ROLE_CLIENT_VIEWER;
        og_stmt_reset(st);
        og_stmt_bind_text(st, 1, sc.project.id);
        while ((error = og_stmt_step(st)) == OG_ROW) {
            art_row a;
            if ((error = og_artifacts__row_from_stmt(ctx, tenant_id, st, &a)) < 0)
                goto cleanup;
            int show = !(a.deleted_us && !(include_deleted && sc.right >= OG_RIGHT_WRITE)) &&
                       !(sc.published_only && strcmp(a.state, "published") != 0);
            if (show) {
                json_t *j = og_artifacts__row_json(&a, &sc);
                json_object_set_new(j, "size", json_integer(og_stmt_col_int(st, 12)));
                const char *mt = og_stmt_col_text(st, 13);
                json_object_set_new(j, "media_type", json_string(mt ? mt : ""));
                if (n == cap) {
                    size_t ncap = cap ? cap * 2 : 64;
                    json_t **ni = realloc(items, ncap * sizeof(*ni));
                    if (!ni) {
                        json_decref(j);
                        og_artifacts__row_free(&a);
                        error = og_error_set(OG_ERROR, "out of memory");
                        goto cleanup;
                    }
                    items = ni;
                    cap = ncap;
                }
                items[n++] = j;
            }
            og_artifacts__row_free(&a);
        }
        if (error < 0)
            goto cleanup;
    }
    if (error < 0)
        goto cleanup;
    if (n > 1)
        qsort(items, n, sizeof(*items), cmp_entries);
    *out = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(*out, items[i]);
    n = 0;
    error = 0;
cleanup:
    for (size_t i = 0; i < n; i++)
        json_decref(items[i]);
    free(items);
    og_stmt_free(st);
    og_stmt_free(pst);
    return error;
}

int og_artifact_show(og_ctx *ctx, const og_artifact_ref *ref, json_t **out)
{
    int error = -1;
    art_scope sc;
    art_row a;
    og_artifact_version v;
    og_stmt *st = NULL;
    char why[512];
    memset(&a, 0, sizeof(a));
    if (!ref)
        return og_error_set(OG_EINVAL, "missing artifact");
    if ((error = og_artifacts__scope(ctx, ref->tenant, ref->project, OG_RIGHT_READ, &sc)) < 0)
        return error;
    if ((error = og_artifacts__find(ctx, &sc, ref->name, sc.right >= OG_RIGHT_WRITE, &a)) < 0)
        return error;
    json_t *j = og_artifacts__row_json(&a, &sc);
    if (a.latest && (error = og_artifacts__version(ctx, sc.tenant_id, &a, 0, &v, NULL)) == 0)
        json_object_set_new(j, "latest_version", og_artifact_version_to_json(&v));
    else if (error < 0)
        goto cleanup;
    if (!sc.published_only) {
        if ((error = og_stmt_prepare(&st, ctx->store,
                                     "SELECT owner_label, expires_us FROM art_locks"
                                     " WHERE artifact_id = ? AND expires_us > ?")) < 0)
            goto cleanup;
        og_stmt_bind_text(st, 1, a.id);
        og_stmt_bind_int(st, 2, og_time_now_us());
        if ((error = og_stmt_step(st)) == OG_ROW) {
            char t[OG_TIME_LEN];
            og_time_format(og_stmt_col_int(st, 1), t);
            json_object_set_new(
                j, "lock",
                json_pack("{s:s, s:s}", "owner", og_stmt_col_text(st, 0), "expires_at", t));
        }
        if (error < 0)
            goto cleanup;
        if ((error = og_artifacts__held(ctx, a.project_id, a.id, why, sizeof(why))) < 0)
            goto cleanup;
        if (error == 1)
            json_object_set_new(j, "legal_hold", json_string(why));
    }
    *out = j;
    j = NULL;
    error = 0;
cleanup:
    json_decref(j);
    og_stmt_free(st);
    og_artifacts__row_free(&a);
    return error;
}

int og_artifact_log(og_ctx *ctx, const og_artifact_ref *ref, json_t **out)
{
    int error = -1;
    art_scope sc;
    art_row a;
    og_stmt *st = NULL;
    json_t *arr = NULL;
    memset(&a, 0, sizeof(a));
    if (!ref)
        return og_error_set(OG_EINVAL, "missing artifact");
    if ((error = og_artifacts__scope(ctx, ref->tenant, ref->project, OG_RIGHT_READ, &sc)) < 0)
        return error;
    if ((error = og_artifacts__find(ctx, &sc, ref->name, 0, &a)) < 0)
        return error;
    arr = json_array();
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT " VERSION_COLS " FROM art_versions WHERE artifact_id = ?"
                                 " AND (? = 0 OR number = ?) ORDER BY number DESC")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, a.id);
    og_stmt_bind_int(st, 2, sc.published_only);
    og_stmt_bind_int(st, 3, a.latest);
    while ((error = og_stmt_step(st)) == OG_ROW) {
        og_artifact_version v;
        if ((error = version_from_stmt(ctx, sc.tenant_id, st, &v, NULL)) < 0)
            goto cleanup;
        json_array_append_new(arr, og_artifact_version_to_json(&v));
    }
    if (error < 0)
        goto cleanup;
    *out = arr;
    arr = NULL;
    error = 0;
cleanup:
    og_stmt_free(st);
    json_decref(arr);
    og_artifacts__row_free(&a);
    return error;
}

/* ---- restore and metadata ---- */

/* Reindex the body of a version whose content is already stored (restore). */
static int body_index_of(og_ctx *ctx, const char *tenant_id, const char *object, const char *media,
                         const art_keys *k, og_buf *body)
{
    int error;
    og_buf text;
    art_tok *tok = NULL;
    if (!og_artifacts__media_is_text(media))
        return 0;
    og_buf_init(&text, ART_INDEX_TEXT_MAX + 1);
    if ((error = og_artifacts__obj_read_prefix(ctx, tenant_id, object, ART_INDEX_TEXT_MAX, &text)) <
        0)
        goto cleanup;
    if (!(tok = og_artifacts__tok_new(og_artifacts__media_is_html(media)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    og_artifacts__tok_feed(tok, text.data ? text.data : "", text.len);
    error = og_artifacts__tok_index(tok, k->search, body);
cleanup:
    if (text.data)
        og_crypto_wipe(text.data, text.len);
    og_buf_free(&text);
    og_artifacts__tok_free(tok);
    return error;
}

int og_artifacts__reindex(og_ctx *ctx, const char *tenant_id, const art_row *a)
{
    int error;
    art_keys k;
    og_artifact_version v;
    char object[65];
    og_buf body;
    og_buf_init(&body, (size_t)16 << 20);
    if ((error = og_artifacts__keys(ctx, tenant_id, 1, &k)) < 0)
        return error;
    if (a->latest && ((error = og_artifacts__version(ctx, tenant_id, a, 0, &v, object)) < 0 ||
                      (error = body_index_of(ctx, tenant_id, object, v.media_type, &k, &body)) < 0))
        goto cleanup;
    error = og_artifacts__index_put(ctx, tenant_id, a, body.len ? body.data : NULL, 0, &k);
cleanup:
    og_crypto_wipe(&k, sizeof(k));
    og_buf_free(&body);
    return error;
}

int og_artifact_restore(og_ctx *ctx, const og_artifact_ref *ref, int64_t version,
                        const char *message, og_artifact_version *out)
{
    int error = -1;
    art_scope sc;
    art_row a;
    art_keys k;
    og_artifact_version v;
    char object[65];
    og_buf body;
    json_t *analysis = NULL;
    memset(&a, 0, sizeof(a));
    memset(&k, 0, sizeof(k));
    og_buf_init(&body, (size_t)16 << 20);
    og_artifacts_register_kinds();
    if (!ref)
        return og_error_set(OG_EINVAL, "missing artifact");
    if (version <= 0)
        return og_error_set(OG_EINVAL, "bad version number %lld (1 or more)", (long long)version);
    if (message && strlen(message) > OG_ARTIFACT_MSG_MAX)
        return og_error_set(OG_ETOOBIG, "the message is over %d bytes", OG_ARTIFACT_MSG_MAX);
    if ((error = og_artifacts__scope(ctx, ref->tenant, ref->project, OG_RIGHT_WRITE, &sc)) < 0)
        return error;
    if ((error = og_artifacts__keys(ctx, sc.tenant_id, 1, &k)) < 0)
        return error;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    if ((error = og_artifacts__find_k(ctx, &sc, ref->name, 1, &k, &a)) < 0)
        goto rollback;
    if ((error = check_writable(ctx, &a, NULL, ref->name)) < 0)
        goto rollback;
    if ((error = og_artifacts__version(ctx, sc.tenant_id, &a, version, &v, object)) < 0)
        goto rollback;
    if (version == a.latest) {
        error = og_error_set(OG_EEXISTS, "version %lld is already the latest of '%s'",
                             (long long)version, ref->name);
        goto rollback;
    }
    v.restored_from = version;
    if (message && *message)
        og_strlcpy(v.message, message, sizeof(v.message));
    else
        snprintf(v.message, sizeof(v.message), "restore version %lld", (long long)version);
    if ((error = body_index_of(ctx, sc.tenant_id, object, v.media_type, &k, &body)) < 0)
        goto rollback;
    if ((error = og_artifacts__version_add(ctx, sc.tenant_id, &a, &v, object)) < 0)
        goto rollback;
    if ((error = og_artifacts__index_put(ctx, sc.tenant_id, &a, body.len ? body.data : NULL, 0,
                                         &k)) < 0)
        goto rollback;
    analysis = json_pack("{s:s, s:I, s:I}", "project", sc.project.key, "version",
                         (json_int_t)v.number, "restored_from", (json_int_t)version);
    if ((error = og_audit_log(ctx, sc.tenant_id, ART_AREA, "artifact.restore", "artifact", a.id,
                              analysis)) < 0)
        goto rollback;
    if ((error = og_store_tx_commit(ctx->store)) < 0)
        goto rollback;
    if (out)
        *out = v;
    error = 0;
    goto cleanup;
rollback:
    og_store_tx_rollback(ctx->store);
cleanup:
    og_crypto_wipe(&k, sizeof(k));
    og_buf_free(&body);
    og_artifacts__row_free(&a);
    json_decref(analysis);
    return error;
}

int og_artifact_metadata_set(og_ctx *ctx, const og_artifact_ref *ref, const char *metadata)
{
    int error = -1;
    art_scope sc;
    art_row a;
    og_stmt *st = NULL;
    json_t *meta = NULL, *analysis = NULL;
    uint8_t *sealed = NULL;
    size_t sealedlen = 0;
    memset(&a, 0, sizeof(a));
    if (!ref)
        return og_error_set(OG_EINVAL, "missing artifact");
    if (!metadata)
        return og_error_set(OG_EINVAL, "missing metadata");
    if ((error = parse_meta(metadata, &meta)) < 0)
        return error;
    if ((error = og_artifacts__scope(ctx, ref->tenant, ref->project, OG_RIGHT_WRITE, &sc)) < 0)
        goto cleanup;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    if ((error = og_artifacts__find(ctx, &sc, ref->name, 0, &a)) < 0)
        goto rollback;
    if ((error = og_artifacts__lock_check(ctx, a.id)) < 0)
        goto rollback;
    json_decref(a.meta);
    a.meta = json_incref(meta);
    if ((error = og_artifacts__seal_row(ctx, sc.tenant_id, a.id, a.name, a.meta, &sealed,
                                        &sealedlen)) < 0)
        goto rollback;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "UPDATE art_artifacts SET sealed = ?, updated_at = ?"
                                 " WHERE id = ?")) < 0)
        goto rollback;
    char now[OG_TIME_LEN];
    og_time_format(og_time_now_us(), now);
    og_stmt_bind_blob(st, 1, sealed, sealedlen);
    og_stmt_bind_text(st, 2, now);
    og_stmt_bind_text(st, 3, a.id);
    if ((error = og_stmt_step(st)) < 0)
        goto rollback;
    /* The body's index form stays; only name and metadata change. */
    if ((error = og_artifacts__index_put(ctx, sc.tenant_id, &a, NULL, 1, NULL)) < 0)
        goto rollback;
    analysis = json_pack("{s:s, s:I}", "project", sc.project.key, "keys",
                         (json_int_t)json_object_size(meta));
    if ((error = og_audit_log(ctx, sc.tenant_id, ART_AREA, "artifact.metadata", "artifact", a.id,
                              analysis)) < 0)
        goto rollback;
    if ((error = og_store_tx_commit(ctx->store)) < 0)
        goto rollback;
    error = 0;
    goto cleanup;
rollback:
    og_store_tx_rollback(ctx->store);
cleanup:
    og_stmt_free(st);
    json_decref(meta);
    json_decref(analysis);
    free(sealed);
    og_artifacts__row_free(&a);
    return error;
}
