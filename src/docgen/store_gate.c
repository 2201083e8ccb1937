/* store_gate.c - the gate action "artifacts.generate": the staged document and its data snapshot
 * stored as artifact versions in the gate's transaction. */
#include "docgen/store_internal.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

int og_docgen__staged_encode(const og_docgen__staged *s, og_buf *out)
{
    int error;
    json_t *h = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:O}", "project", s->project, "doc",
                          s->doc_name, "data_name", s->data_name, "kind", s->kind, "media",
                          s->media, "data", s->data_text, "prov", s->prov);
    char *text = h ? json_dumps(h, JSON_COMPACT) : NULL;
    json_decref(h);
    if (!text)
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = og_buf_append(out, text, strlen(text) + 1)) == 0)
        error = og_buf_append(out, s->content, s->content_len);
    free(text);
    return error;
}

static int staged_decode(const og_gate_staged *in, og_docgen__staged *s)
{
    const char *p = in ? in->data : NULL;
    const char *nul = p ? memchr(p, '\0', in->len) : NULL;
    memset(s, 0, sizeof(*s));
    if (!in || !og_streq(in->media_type, OG_DOCGEN__STAGED_MEDIA) || !nul)
        return og_error_set(OG_ECONFLICT,
                            "artifacts.generate: the gate item holds no generated document "
                            "(requested before documents were kept with it); generate it again");
    s->header = json_loadb(p, (size_t)(nul - p), 0, NULL);
    s->project = json_string_value(json_object_get(s->header, "project"));
    s->doc_name = json_string_value(json_object_get(s->header, "doc"));
    s->data_name = json_string_value(json_object_get(s->header, "data_name"));
    s->kind = json_string_value(json_object_get(s->header, "kind"));
    s->media = json_string_value(json_object_get(s->header, "media"));
    s->data_text = json_string_value(json_object_get(s->header, "data"));
    s->prov = json_object_get(s->header, "prov");
    if (!s->project || !s->doc_name || !s->data_name || !s->kind || !s->media || !s->data_text ||
        !json_is_object(s->prov)) {
        json_decref(s->header);
        s->header = NULL;
        return og_error_set(OG_ECORRUPT, "artifacts.generate: the staged document is malformed");
    }
    s->content = nul + 1;
    s->content_len = in->len - (size_t)(nul + 1 - p);
    return 0;
}

/* *number = the latest version when its content is exactly data, else 0 (also when the artifact
 * does not exist yet). */
static int latest_same(og_ctx *ctx, const og_artifact_ref *ref, const void *data, size_t len,
                       int64_t *number)
{
    og_artifact_reader *r = NULL;
    og_artifact_version latest;
    uint8_t h[32];
    char sha[65];
    int error = og_artifact_get_open(&r, ctx, ref, 0, &latest);
    *number = 0;
    if (error == OG_ENOTFOUND) {
        og_error_clear();
        return 0;
    }
    if (error < 0)
        return error;
    og_artifact_get_close(r);
    og_crypto_sha256(data, len, h);
    og_hex_encode(h, sizeof(h), sha);
    if (strcmp(sha, latest.sha256) == 0)
        *number = latest.number;
    return 0;
}

/* The data snapshot: a new version only when the data changed since the latest one; *version
 * gets the snapshot's version either way. */
static int store_snapshot(og_ctx *ctx, const og_artifact_ref *dref, const og_docgen__staged *s,
                          int64_t *version)
{
    og_artifact_put_opts o;
    og_artifact_version dv;
    int error;
    if ((error = latest_same(ctx, dref, s->data_text, strlen(s->data_text), version)) < 0)
        return error;
    if (*version)
        return 0;
    memset(&o, 0, sizeof(o));
    o.kind = s->kind;
    o.media_type = "application/json";
    o.message = "project data snapshot (opsgate generate)";
    if ((error = og_artifact_put_buffer(ctx, dref, &o, s->data_text, strlen(s->data_text), &dv)) <
        0) {
        og_error_wrap("storing the data snapshot");
        return error;
    }
    *version = dv.number;
    return 0;
}

/* The document, with its provenance as the version's message and metadata, stored as a part of
 * its snapshot. */
static int store_document(og_ctx *ctx, const og_artifact_ref *cref, const og_docgen__staged *s,
                          og_artifact_version *cv)
{
    og_artifact_put_opts o;
    int error = 0;
    char *prov = json_dumps(s->prov, JSON_SORT_KEYS | JSON_COMPACT);
    if (!prov)
        return og_error_set(OG_ERROR, "out of memory");
    memset(&o, 0, sizeof(o));
    o.kind = s->kind;
    o.media_type = s->media;
    o.message = prov;
    o.metadata = prov;
    o.part = s->data_name; /* the snapshot goes with the document, never alone */
    if ((error = og_artifact_put_buffer(ctx, cref, &o, s->content, s->content_len, cv)) < 0)
        og_error_wrap("storing the document");
    free(prov);
    return error;
}

static int generate_execute(og_ctx *ctx, const char *tenant_id, json_t *params,
                            const og_gate_staged *in, json_t **result)
{
    int error;
    og_docgen__staged s;
    og_artifact_ref dref, cref;
    og_artifact_version cv;
    int64_t data_version = 0, same = 0;
    (void)params;
    if ((error = staged_decode(in, &s)) < 0)
        return error;
    dref = (og_artifact_ref){tenant_id, s.project, s.data_name};
    cref = (og_artifact_ref){tenant_id, s.project, s.doc_name};

    /* the same bytes as the latest version (unchanged data and template): that version stands
     * with its own provenance; the artifact module keeps no duplicate versions */
    if ((error = latest_same(ctx, &cref, s.content, s.content_len, &same)) < 0)
        goto cleanup;
    if (same) {
        *result = json_pack("{s:I, s:b}", "version", (json_int_t)same, "unchanged", 1);
        goto cleanup;
    }
    if ((error = store_snapshot(ctx, &dref, &s, &data_version)) < 0)
        goto cleanup;
    json_object_set_new(s.prov, "data_version", json_integer((json_int_t)data_version));
    if ((error = store_document(ctx, &cref, &s, &cv)) < 0)
        goto cleanup;
    *result = json_pack("{s:s, s:I, s:I, s:s}", "artifact_id", cv.artifact_id, "version",
                        (json_int_t)cv.number, "data_version", (json_int_t)data_version, "sha256",
                        cv.sha256);
    error = 0;
cleanup:
    json_decref(s.header);
    return error;
}

static const og_action_kind generate_kind = {
    .name = "artifacts.generate",
    .area = "artifacts",
    .default_level = OG_GATE_L0,
    .description = "generate a SOW, change order, runbook or closure document from project data "
                   "and store it as a new artifact version (with its data snapshot)",
    .execute = generate_execute,
    .rollback = NULL, /* versions are immutable: a later version supersedes a wrong one */
    .command = "`opsgate generate`",
    .route = "POST /api/v1/projects/{key}/generate",
};

static pthread_once_t kind_once = PTHREAD_ONCE_INIT;
static int kind_result;

static void register_kind(void)
{
    int rc = og_gate_kind_register(&generate_kind);
    kind_result = rc == OG_EEXISTS ? 0 : rc;
    og_error_clear();
}

int og_docgen_register_kinds(void)
{
    pthread_once(&kind_once, register_kind);
    return kind_result;
}
