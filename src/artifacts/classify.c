/* classify.c - artifact indexing: the document classifier's proposal of an uploaded version (its
 * kind and metadata, og_infer_doc_propose), sealed with the version's message, and a person's
 * correction of it, which is the classifier's label for its next training. */
#include "artifacts/artifacts_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "opsgate/infer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* the project data docgen keeps in a project (its client's name is a candidate) */
#define PROJECT_DATA     "project.json"
#define PROJECT_DATA_MAX ((size_t)256 << 10)

int og_artifacts__classifiable(const char *media_type)
{
    static const char *const types[] = {
        "text/markdown",
        "text/plain",
        "text/html",
        "application/xhtml+xml",
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        NULL};
    for (int i = 0; media_type && types[i]; i++)
        if (strncmp(media_type, types[i], strlen(types[i])) == 0)
            return 1;
    return 0;
}

/* The project as the classifier's candidate: key, name and the client of its project data. */
int og_artifacts__candidates(og_ctx *ctx, const art_scope *sc, const art_keys *keys, json_t **out)
{
    art_row d;
    og_buf text;
    char name[OG_ARTIFACT_NAME_MAX + 1];
    json_t *pr = json_pack("{s:s, s:s}", "key", sc->project.key, "name", sc->project.name);
    int error;
    memset(&d, 0, sizeof(d));
    og_buf_init(&text, PROJECT_DATA_MAX);
    *out = NULL;
    if (!pr)
        return og_error_set(OG_ERROR, "out of memory");
    error = og_artifacts__find_k(ctx, sc, PROJECT_DATA, 0, keys, &d);
    if (error == 0)
        error =
            og_artifact_read_id(ctx, sc->tenant_id, d.id, 0, PROJECT_DATA_MAX, name, NULL, &text);
    if (error == OG_ENOTFOUND || error == OG_ETOOBIG) { /* no usable project data: no client */
        og_error_clear();
        error = 0;
    } else if (error == 0) {
        json_t *data = json_loadb(text.data ? text.data : "", text.len, 0, NULL);
        json_t *client = json_object_get(json_object_get(data, "client"), "name");
        if (json_is_string(client))
            json_object_set(pr, "client", client);
        json_decref(data);
    }
    og_artifacts__row_free(&d);
    og_buf_free(&text);
    if (error < 0) {
        json_decref(pr);
        return error;
    }
    *out = json_pack("[o]", pr);
    return 0;
}

int og_artifacts__doc_text(const char *name, const char *kind, const char *data, size_t len,
                           const char *media_type, char **out)
{
    int error;
    *out = NULL;
    if (strcmp(kind, "template") == 0)
        return 0;
    if (!og_artifacts__classifiable(media_type)) {
        /* a generic type (an HTTP client's octet-stream): the name's extension, or the magic
         * of a PDF or DOCX */
        const char *by_name = og_artifacts__media_by_name(name);
        if (og_artifacts__classifiable(by_name))
            media_type = by_name;
        else if (media_type && strcmp(media_type, "application/octet-stream") == 0 && len >= 5 &&
                 (memcmp(data, "%PDF-", 5) == 0 || memcmp(data, "PK\x03\x04", 4) == 0))
            media_type = NULL;
        else
            return 0;
    }
    error = og_infer_doc_text(data, len, media_type, out);
    if (error == OG_EINVAL) { /* not readable as its format: stored, not proposed */
        og_error_clear();
        error = 0;
    }
    return error;
}

/* The sealed record of version number ({"sha256", "message", "proposal"?, "read"?}). */
int og_artifacts__record_open(og_ctx *ctx, const char *tenant_id, const char *artifact_id,
                              int64_t number, json_t **out)
{
    og_stmt *st = NULL;
    uint8_t *plain = NULL;
    size_t len = 0, plainlen = 0;
    char oid[80];
    int error;
    *out = NULL;
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      "SELECT sealed FROM art_versions WHERE artifact_id = ? AND"
                                      " number = ? AND tenant_id = ?",
                                      "tit", artifact_id, number, tenant_id)) < 0)
        return error;
    if ((error = og_stmt_step(st)) != OG_ROW) {
        error =
            error < 0 ? error : og_error_set(OG_ENOTFOUND, "no version %lld", (long long)number);
        goto cleanup;
    }
    const void *blob = og_stmt_col_blob(st, 0, &len);
    og_artifacts__version_object_id(artifact_id, number, oid);
    if ((error = og_crypto_open(ctx->keys, ctx->store, tenant_id, oid, blob, len, &plain,
                                &plainlen)) < 0)
        goto cleanup;
    *out = json_loadb((const char *)plain, plainlen, 0, NULL);
    error = json_is_object(*out)
                ? 0
                : og_error_set(OG_ECORRUPT, "version %lld of artifact %s is malformed",
                               (long long)number, artifact_id);
cleanup:
    if (plain) {
        og_crypto_wipe(plain, plainlen);
        free(plain);
    }
    og_stmt_free(st);
    return error;
}

int og_artifacts__proposal_get(og_ctx *ctx, const char *tenant_id, const char *artifact_id,
                               int64_t number, json_t **out)
{
    json_t *rec = NULL;
    int error = og_artifacts__record_open(ctx, tenant_id, artifact_id, number, &rec);
    *out = error < 0 ? NULL : json_incref(json_object_get(rec, "proposal"));
    json_decref(rec);
    return error;
}

/* Seal rec again as version number's record. */
static int record_seal(og_ctx *ctx, const char *tenant_id, const char *artifact_id, int64_t number,
                       json_t *rec)
{
    char oid[80], *text = json_dumps(rec, JSON_COMPACT);
    uint8_t *sealed = NULL;
    size_t sealedlen = 0;
    int error;
    if (!text)
        return og_error_set(OG_ERROR, "out of memory");
    og_artifacts__version_object_id(artifact_id, number, oid);
    if ((error = og_crypto_seal(ctx->keys, ctx->store, tenant_id, oid, text, strlen(text), &sealed,
                                &sealedlen)) >= 0)
        error = og_artifacts__exec(ctx,
                                   "UPDATE art_versions SET sealed = ? WHERE artifact_id = ? AND"
                                   " number = ?",
                                   "bti", sealed, sealedlen, artifact_id, number);
    og_crypto_wipe(text, strlen(text));
    free(text);
    free(sealed);
    return error < 0 ? error : 0;
}

/* The corrected metadata checked: an amount has digits and only an amount's characters, a date
 * is a calendar day. */
static int correction_check(const og_artifact_correction *fix)
{
    char value[80], cur[4];
    int y, m, d, n = 0;
    if (!fix)
        return 0;
    if (fix->client && (!*fix->client || strlen(fix->client) > 200))
        return og_error_set(fix->client[0] ? OG_ETOOBIG : OG_EINVAL,
                            "the client is empty or over 200 bytes");
    if (fix->total &&
        (strlen(fix->total) > 64 || !og_infer_doc_amount(fix->total, value, sizeof(value), cur)))
        return og_error_set(OG_EINVAL,
                            "the total '%.64s' is no amount (12,500.00, $12,500, 12.500,00 EUR)",
                            fix->total);
    if (fix->date && (sscanf(fix->date, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 ||
                      fix->date[10] || m < 1 || m > 12 || d < 1 || d > 31))
        return og_error_set(OG_EINVAL, "the date '%.32s' is no YYYY-MM-DD", fix->date);
    return 0;
}

/* The tenant's keys and the key of the writer transaction of artifact name (ART_WRITE_KEY);
 * OG_EINVAL for a bad name, OG_ENOTFOUND when the tenant has no artifact at all. */
static int write_key_of(og_ctx *ctx, const art_scope *sc, const char *name, art_keys *keys,
                        char wkey[ART_WRITE_KEY])
{
    char mac[65];
    int error;
    if (!og_artifacts__name_valid(name))
        return og_error_set(OG_EINVAL,
                            "bad artifact name '%s' (1 to %d bytes, no control characters, "
                            "slashes or surrounding spaces)",
                            name ? name : "", OG_ARTIFACT_NAME_MAX);
    error = og_artifacts__keys(ctx, sc->tenant_id, 0, keys);
    if (error == OG_ENOTFOUND)
        return og_error_set(OG_ENOTFOUND, "artifact '%s' not found in project '%s'", name,
                            sc->project.key);
    if (error == 0)
        error = og_artifacts__mac_hex(keys->name, sc->project.id, name, mac);
    if (error == 0)
        og_artifacts__write_key(sc->project.id, mac, wkey);
    else
        og_crypto_wipe(keys, sizeof(*keys));
    return error;
}

int og_artifact_classify(og_ctx *ctx, const og_artifact_ref *ref, const char *kind,
                         const og_artifact_correction *fix, json_t **out)
{
    art_scope sc;
    art_row a;
    json_t *rec = NULL, *prop = NULL, *fields = NULL;
    char by[160], docref[OG_ID_LEN + 24], wkey[ART_WRITE_KEY];
    art_keys keys;
    int error;
    memset(&a, 0, sizeof(a));
    memset(&keys, 0, sizeof(keys));
    if (out)
        *out = NULL;
    if (!ref || og_infer_doc_kind_index(kind) < 0)
        return og_error_set(OG_EINVAL,
                            "unknown document kind '%s' (sow, change-order, runbook, "
                            "closure, other)",
                            kind ? kind : "");
    if ((error = correction_check(fix)) < 0)
        return error;
    if ((error = og_artifacts__scope(ctx, ref->tenant, ref->project, OG_RIGHT_WRITE, &sc)) < 0)
        return error;
    /* the artifact's versions' writer (og_artifact_put_finish) takes the same key */
    if ((error = write_key_of(ctx, &sc, ref->name, &keys, wkey)) < 0)
        return error;
    if ((error = og_store_tx_begin_scope(ctx->store, wkey)) < 0) {
        og_crypto_wipe(&keys, sizeof(keys));
        return error;
    }
    error = og_artifacts__find_k(ctx, &sc, ref->name, 0, &keys, &a);
    og_crypto_wipe(&keys, sizeof(keys));
    if (error < 0 ||
        (error = og_artifacts__record_open(ctx, sc.tenant_id, a.id, a.latest, &rec)) < 0)
        goto end;
    if (!(prop = json_object_get(rec, "proposal"))) {
        error = og_error_set(OG_ENOTFOUND,
                             "version %lld of '%s' has no proposal to correct (the classifier "
                             "reads Markdown, text, HTML, PDF and DOCX uploads)",
                             (long long)a.latest, ref->name);
        goto end;
    }
    json_int_t of = json_integer_value(json_object_get(prop, "of_version"));
    snprintf(docref, sizeof(docref), "%s:%lld", a.id, (long long)(of ? of : a.latest));
    json_object_set_new(prop, "kind", json_string(kind));
    if (!(fields = json_object())) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto end;
    }
    /* each corrected field is also a label of the metadata model, matched against the
     * proposal's candidates before the proposal takes the correction */
    if (fix && fix->client)
        json_object_set_new(fields, "client", json_string(fix->client));
    if (fix && fix->total)
        json_object_set_new(fields, "total", json_string(fix->total));
    if (fix && fix->date)
        json_object_set_new(fields, "date", json_string(fix->date));
    json_object_set_new(prop, "confirmed_by",
                        json_string(og_artifacts__actor_label(&ctx->actor, by, sizeof(by))));
    if ((error = og_infer_doc_label(ctx, sc.tenant_id, docref, kind)) < 0 ||
        (error = og_infer_doc_label_meta(ctx, sc.tenant_id, docref, prop, fields)) < 0)
        goto end;
    json_object_update(prop, fields);
    if (fix && fix->total) { /* the proposal keeps the amount as the classifier writes one */
        char value[80], cur[4];
        og_infer_doc_amount(fix->total, value, sizeof(value), cur);
        json_object_set_new(prop, "total", json_string(value));
        if (cur[0])
            json_object_set_new(prop, "currency", json_string(cur));
    }
    if ((error = record_seal(ctx, sc.tenant_id, a.id, a.latest, rec)) < 0)
        goto end;
    error = og_artifacts__audit(ctx, sc.tenant_id, "artifact.classify", "artifact", a.id,
                                json_pack("{s:s, s:I, s:s, s:b, s:b, s:b}", "project",
                                          sc.project.key, "version", (json_int_t)a.latest, "kind",
                                          kind, "client", json_object_get(fields, "client") != NULL,
                                          "total", json_object_get(fields, "total") != NULL, "date",
                                          json_object_get(fields, "date") != NULL));
end:
    if ((error = og_store_tx_end(ctx->store, error)) >= 0 && out)
        *out = json_incref(prop);
    json_decref(rec);
    json_decref(fields);
    og_artifacts__row_free(&a);
    return error;
}
