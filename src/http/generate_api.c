/* generate_api.c - POST /api/v1/projects/{key}/generate: a SOW, change order, runbook or closure
 * from project data (include/opsgate/docgen.h), stored as a new version of its artifact. The
 * reply is the provenance (201), or the document itself with ?download=1 or an Accept header
 * naming the format's media type; 202 when the tenant's policy holds generation for approval. */
#include "http/server.h"
#include "opsgate/docgen.h"
#include "opsgate/error.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DOC_MAX ((size_t)256 << 20)

/* 1 when the client asked for the document rather than the provenance. */
static int wants_document(og_http_req *r, og_doc_format f)
{
    const char *d = og_http__query(r, "download");
    if (d && (!strcmp(d, "1") || !strcmp(d, "true")))
        return 1;
    const char *accept =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
    const char *mt = og_doc_format_media_type(f);
    size_t n = strcspn(mt, ";");
    return accept && n > 0 && strncmp(accept, mt, n) == 0 &&
           (accept[n] == '\0' || accept[n] == ';' || accept[n] == ',');
}

int og_http__generate(og_http_req *r)
{
    static const char *const fields[] = {"kind", "format", "template", "data", "dry_run", NULL};
    int error = -1;
    json_t *body = NULL, *prov = NULL;
    og_docgen_request req;
    og_buf out;
    const char *tenant = og_http__query(r, "tenant");
    const char *key = og_http__param(&r->match, "key");
    og_buf_init(&out, DOC_MAX);
    memset(&req, 0, sizeof(req));

    if (tenant && *tenant) {
        if (!og_name_valid(tenant) && !og_id_valid(tenant)) {
            error = og_error_set(OG_EINVAL, "query 'tenant': '%.64s' is not a valid name or id",
                                 tenant);
            goto cleanup;
        }
    } else if (r->ctx.actor.tenant_id[0]) {
        tenant = r->ctx.actor.tenant_id;
    } else {
        error = og_error_set(OG_EINVAL, "query 'tenant' is required with a platform token");
        goto cleanup;
    }
    if (!key || !og_name_valid(key)) {
        error = og_error_set(OG_EINVAL, "project key '%.64s' is not a valid key", key ? key : "");
        goto cleanup;
    }
    if ((error = og_http__body_object(r, 0, fields, &body)) < 0)
        goto cleanup;
    /* Its messages name the field ("kind: missing", "format: unknown format 'x'"). */
    if ((error = og_docgen_request_from_json(&req, body)) < 0)
        goto cleanup;
    req.tenant = tenant;
    req.project = key;
    error = og_docgen_generate_store(&r->ctx, &req, &out, &prov);
    if (error == OG_EPENDING) {
        error = og_http__reply(
            r, 202, json_pack("{s:s, s:s}", "status", "pending", "message", og_error_last()));
        og_error_clear();
        goto cleanup;
    }
    if (error < 0) {
        if (strcmp(og_error_detail(), OG_DOCGEN_DETAIL_NO_DATA) == 0) {
            char msg[1024];
            og_strlcpy(msg, og_error_last(), sizeof(msg));
            og_error_set(error, "%s: send the project data as \"data\" in the request body", msg);
        }
        goto cleanup;
    }
    int status = req.dry_run ? 200 : 201;
    const char *art = json_string_value(json_object_get(prov, "artifact"));
    json_int_t ver = json_integer_value(json_object_get(prov, "version"));
    if (status == 201 && art) {
        snprintf(r->location, sizeof(r->location),
                 "/api/v1/projects/%s/artifacts/%.300s/content?version=%lld", key, art,
                 (long long)ver);
    }
    if (wants_document(r, req.format)) {
        size_t len = out.len;
        char *doc = og_buf_detach(&out);
        if (!doc)
            doc = calloc(1, 1);
        if (!doc) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
        error = og_http__reply_text(r, status, og_doc_format_media_type(req.format), doc, len);
        goto cleanup;
    }
    error = og_http__reply(r, status, prov);
    prov = NULL;
cleanup:
    og_buf_free(&out);
    json_decref(prov);
    json_decref(body);
    return error;
}
