/* artifact_content_api.c - artifact contents over HTTP: streamed uploads (a new version, the body
 * never buffered) and streamed downloads (ETag, If-None-Match). */
#include "http/artifacts_api.h"
#include "opsgate/error.h"

#include <inttypes.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CONTENT_BLOCK 65536

/* -- streamed upload: begin here, then put_write per chunk, put_finish at the end -- */

typedef struct put_sink {
    og_artifact_put *put;
    og_artifact_ref ref; /* strings borrowed from the request's match, stable until it ends */
} put_sink;

static int put_write(og_http_req *r, const char *data, size_t len)
{
    put_sink *s = r->sink;
    return og_artifact_put_write(s->put, data, len);
}

static int put_finish(og_http_req *r)
{
    put_sink *s = r->sink;
    og_artifact_version v;
    int error;
    memset(&v, 0, sizeof(v));
    if ((error = og_artifact_put_finish(s->put, &v)) < 0)
        return error;
    og_http__artifact_location(r, &s->ref, v.number);
    return og_http__reply(r, 201, og_artifact_version_to_json(&v));
}

static void put_free(og_http_req *r)
{
    put_sink *s = r->sink;
    if (s) {
        og_artifact_put_free(s->put);
        free(s);
    }
    r->sink = NULL;
}

/* The media type from Content-Type without parameters; NULL when absent or curl's default
 * form type, which is never what an artifact is. out holds 128 bytes. */
static const char *content_type(og_http_req *r, char *out)
{
    const char *ct =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (!ct)
        return NULL;
    size_t n = strcspn(ct, ";");
    while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    if (n == 0 || n >= 128)
        return n == 0 ? NULL : ct; /* too long: the library names it as a bad media type */
    memcpy(out, ct, n);
    out[n] = '\0';
    if (strcasecmp(out, "application/x-www-form-urlencoded") == 0)
        return NULL;
    return out;
}

int og_http__artifact_put(og_http_req *r)
{
    int error = -1;
    put_sink *s = NULL;
    og_artifact_put_opts opts;
    char media[128];
    const char *kind = og_http__query(r, "kind");
    memset(&opts, 0, sizeof(opts));

    if (!(s = calloc(1, sizeof(*s))))
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = og_http__req_artifact(r, 1, &s->ref)) < 0)
        goto cleanup;
    if (kind && !og_artifact_kind_valid(kind)) {
        error = og_error_set(OG_EINVAL,
                             "query 'kind': '%.32s' is not a kind (sow, change-order, runbook, "
                             "closure, template, other)",
                             kind);
        goto cleanup;
    }
    opts.kind = kind;
    opts.message = og_http__query(r, "message");
    opts.metadata = og_http__query(r, "metadata");
    opts.filename = og_http__query(r, "filename");
    opts.media_type = content_type(r, media);
    if (opts.metadata) {
        json_error_t jerr;
        json_t *m = json_loads(opts.metadata, JSON_REJECT_DUPLICATES, &jerr);
        int is_obj = json_is_object(m);
        json_decref(m);
        if (!is_obj) {
            error = og_error_set(OG_EINVAL, "query 'metadata' must be a JSON object");
            goto cleanup;
        }
    }
    if ((error = og_artifact_put_begin(&s->put, &r->ctx, &s->ref, &opts)) < 0)
        goto cleanup;
    r->sink = s;
    r->body_write = put_write;
    r->body_finish = put_finish;
    r->body_free = put_free;
    s = NULL;
    error = 0;
cleanup:
    if (s) {
        og_artifact_put_free(s->put);
        free(s);
    }
    return error;
}

/* -- streamed download -- */

static ssize_t content_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    og_artifact_reader *rd = cls;
    size_t got = 0;
    (void)pos;
    if (og_artifact_get_read(rd, buf, max, &got) < 0) {
        fprintf(stderr, "opsgate: http: artifact download failed mid-stream: %s\n",
                og_error_last());
        return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    if (got == 0)
        return MHD_CONTENT_READER_END_OF_STREAM;
    return (ssize_t)got;
}

static void content_free(void *cls)
{
    og_artifact_get_close(cls);
}

int og_http__artifact_content(og_http_req *r)
{
    og_artifact_ref ref;
    og_artifact_reader *rd = NULL;
    og_artifact_version info;
    int64_t version = 0;
    int error;
    char etag[80];
    memset(&info, 0, sizeof(info));
    if ((error = og_http__req_artifact(r, 1, &ref)) < 0 ||
        (error = og_http__query_i64(r, "version", 1, INT64_MAX, &version)) < 0 ||
        (error = og_artifact_get_open(&rd, &r->ctx, &ref, version, &info)) < 0)
        return error;
    /* The reader no longer needs the store. */
    og_http__store_release(r);
    snprintf(etag, sizeof(etag), "\"%s\"", info.sha256);
    const char *inm =
        MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
    struct MHD_Response *resp;
    if (inm && strcmp(inm, etag) == 0) {
        og_artifact_get_close(rd);
        resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        r->status = 304;
    } else {
        resp = MHD_create_response_from_callback(info.size, CONTENT_BLOCK, content_read, rd,
                                                 content_free);
        if (!resp)
            og_artifact_get_close(rd);
        r->status = 200;
    }
    if (!resp)
        return og_error_set(OG_ERROR, "cannot create the download response");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            info.media_type[0] ? info.media_type : "application/octet-stream");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
    char ver[32];
    snprintf(ver, sizeof(ver), "%" PRId64, info.number);
    MHD_add_response_header(resp, "X-Opsgate-Version", ver);
    r->raw = resp;
    return 0;
}
