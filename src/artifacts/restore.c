/* restore.c - changes to an artifact other than an upload: restore an old version, replace the
 * metadata, index the latest content again. */
#include "artifacts/artifacts_internal.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    json_t *proposal = NULL;
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
    if ((error = og_artifacts__find_k(ctx, &sc, ref->name, 1, &k, &a)) < 0 ||
        (error = og_artifacts__writable(ctx, &a, NULL, ref->name)) < 0 ||
        (error = og_artifacts__version(ctx, sc.tenant_id, &a, version, &v, object)) < 0)
        goto end;
    if (version == a.latest) {
        error = og_error_set(OG_EEXISTS, "version %lld is already the latest of '%s'",
                             (long long)version, ref->name);
        goto end;
    }
    v.restored_from = version;
    if (message && *message)
        og_strlcpy(v.message, message, sizeof(v.message));
    else
        snprintf(v.message, sizeof(v.message), "restore version %lld", (long long)version);
    if ((error = body_index_of(ctx, sc.tenant_id, object, v.media_type, &k, &body)) < 0 ||
        /* the same content: the restored version's proposal stands for it */
        (error = og_artifacts__proposal_get(ctx, sc.tenant_id, a.id, version, &proposal)) < 0 ||
        (error = og_artifacts__version_add(ctx, sc.tenant_id, &a, &v, object, proposal, NULL)) <
            0 ||
        (error = og_artifacts__index_put(ctx, sc.tenant_id, &a, body.len ? body.data : NULL, 0,
                                         &k)) < 0)
        goto end;
    error =
        og_artifacts__audit(ctx, sc.tenant_id, "artifact.restore", "artifact", a.id,
                            json_pack("{s:s, s:I, s:I}", "project", sc.project.key, "version",
                                      (json_int_t)v.number, "restored_from", (json_int_t)version));
end: /* the transaction ends here, committed when error >= 0 */
    if ((error = og_store_tx_end(ctx->store, error)) >= 0 && out)
        *out = v;
cleanup:
    og_crypto_wipe(&k, sizeof(k));
    og_buf_free(&body);
    og_artifacts__row_free(&a);
    json_decref(proposal);
    return error < 0 ? error : 0;
}

int og_artifact_metadata_set(og_ctx *ctx, const og_artifact_ref *ref, const char *metadata)
{
    int error = -1;
    art_scope sc;
    art_row a;
    json_t *meta = NULL;
    char now[OG_TIME_LEN];
    memset(&a, 0, sizeof(a));
    if (!ref)
        return og_error_set(OG_EINVAL, "missing artifact");
    if (!metadata)
        return og_error_set(OG_EINVAL, "missing metadata");
    if ((error = og_artifacts__meta_parse(metadata, &meta)) < 0)
        return error;
    if ((error = og_artifacts__scope(ctx, ref->tenant, ref->project, OG_RIGHT_WRITE, &sc)) < 0 ||
        (error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup;
    if ((error = og_artifacts__find(ctx, &sc, ref->name, 0, &a)) < 0 ||
        (error = og_artifacts__lock_check(ctx, a.id)) < 0)
        goto end;
    json_decref(a.meta);
    a.meta = json_incref(meta);
    og_time_format(og_time_now_us(), now);
    /* The body's index form stays; only name and metadata change. */
    if ((error = og_artifacts__row_reseal(ctx, sc.tenant_id, &a, now)) < 0 ||
        (error = og_artifacts__index_put(ctx, sc.tenant_id, &a, NULL, 1, NULL)) < 0)
        goto end;
    error = og_artifacts__audit(ctx, sc.tenant_id, "artifact.metadata", "artifact", a.id,
                                json_pack("{s:s, s:I}", "project", sc.project.key, "keys",
                                          (json_int_t)json_object_size(meta)));
end:
    error = og_store_tx_end(ctx->store, error);
cleanup:
    json_decref(meta);
    og_artifacts__row_free(&a);
    return error < 0 ? error : 0;
}
