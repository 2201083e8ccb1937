/* artifacts_api.c - the HTTP face of the artifact repository (include/opsgate/artifacts.h):
 * projects, artifacts with streamed uploads and downloads, versions, diffs, locks, lifecycle,
 * holds, grants, the access report, search and retention. The tenant is the token's; platform
 * admins name it with ?tenant=. Who may do what is decided in the library, never here. */
#include "http/server.h"
#include "opsgate/artifacts.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CONTENT_BLOCK    65536
#define SEARCH_QUERY_MAX 1024

/* ---- input helpers ---- */

/* The tenant a request acts in: ?tenant= (name or id), else the token's. A tenant user naming
 * another tenant gets the library's 404. *out is borrowed. */
static int req_tenant(og_http_req *r, const char **out)
{
    const char *q = og_http__query(r, "tenant");
    *out = NULL;
    if (q && *q) {
        if (!og_name_valid(q) && !og_id_valid(q))
            return og_error_set(OG_EINVAL, "query 'tenant': '%.64s' is not a valid name or id", q);
        *out = q;
        return 0;
    }
    if (!r->ctx.actor.tenant_id[0])
        return og_error_set(OG_EINVAL, "query 'tenant' is required with a platform token");
    *out = r->ctx.actor.tenant_id;
    return 0;
}

/* Tenant, project key and (when want_name) artifact name of the path. */
static int req_ref(og_http_req *r, int want_name, og_artifact_ref *ref)
{
    int error;
    memset(ref, 0, sizeof(*ref));
    if ((error = req_tenant(r, &ref->tenant)) < 0)
        return error;
    const char *key = og_http__param(&r->match, "key");
    if (!key || !og_name_valid(key))
        return og_error_set(OG_EINVAL, "project key '%.64s' is not a valid key", key ? key : "");
    ref->project = key;
    if (want_name) {
        ref->name = og_http__param(&r->match, "name");
        if (!ref->name || !*ref->name)
            return og_error_set(OG_EINVAL, "missing artifact name");
    }
    return 0;
}

/* An optional integer query argument in [min, max]; *out keeps its value when absent. */
static int query_i64(og_http_req *r, const char *name, int64_t min, int64_t max, int64_t *out)
{
    const char *v = og_http__query(r, name);
    if (!v)
        return 0;
    char *end = NULL;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || end == v || *end || n < min || n > max)
        return og_error_set(OG_EINVAL,
                            "query '%s': '%.32s' is not an integer from %" PRId64 " to %" PRId64,
                            name, v, min, max);
    *out = n;
    return 0;
}

/* ?NAME=1|true|0|false, absent = 0. */
static int query_bool(og_http_req *r, const char *name, int *out)
{
    const char *v = og_http__query(r, name);
    *out = 0;
    if (!v)
        return 0;
    if (!strcmp(v, "1") || !strcmp(v, "true") || !*v)
        *out = 1;
    else if (strcmp(v, "0") && strcmp(v, "false"))
        return og_error_set(OG_EINVAL, "query '%s': '%.32s' is not 1, 0, true or false", name, v);
    return 0;
}

/* An optional positive integer field; *out keeps its value when absent. */
static int field_version(json_t *obj, const char *field, int required, int64_t *out)
{
    json_t *v = json_object_get(obj, field);
    if (!v || json_is_null(v)) {
        if (required)
            return og_error_set(OG_EINVAL, "missing field '%s'", field);
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 1)
        return og_error_set(OG_EINVAL, "field '%s' must be a version number (1 or more)", field);
    *out = json_integer_value(v);
    return 0;
}

/* Percent-encode one path segment into out (cap bytes); truncates on overflow. */
static void seg_encode(const char *in, char *out, size_t cap)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p && o + 4 < cap; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("-._~", *p)) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    out[o] = '\0';
}

static void set_location(og_http_req *r, const og_artifact_ref *ref, int64_t version)
{
    char name[3 * OG_ARTIFACT_NAME_MAX + 1];
    seg_encode(ref->name, name, sizeof(name));
    snprintf(r->location, sizeof(r->location),
             "/api/v1/projects/%s/artifacts/%.380s/content?version=%" PRId64, ref->project, name,
             version);
}

/* Hand the request's store back to the pool (streamed replies no longer need it). */
static void store_release(og_http_req *r)
{
    if (r->store) {
        og_store_pool_put(r->srv->pool, r->store);
        r->store = NULL;
    }
    r->ctx.store = NULL;
}

/* ---- projects ---- */

int og_http__project_list(og_http_req *r)
{
    const char *tenant;
    json_t *list = NULL;
    int error;
    int all = 0;
    if ((error = req_tenant(r, &tenant)) < 0 || (error = query_bool(r, "all", &all)) < 0 ||
        (error = all ? og_project_list_all(&r->ctx, tenant, &list)
                     : og_project_list(&r->ctx, tenant, &list)) < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "projects", list));
}

int og_http__project_create(og_http_req *r)
{
    static const char *const fields[] = {"key", "name", NULL};
    int error = -1;
    json_t *body = NULL;
    const char *tenant, *key, *name;
    og_project p;

    if ((error = req_tenant(r, &tenant)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = og_http__field_str(body, "key", 1, &key)) < 0 ||
        (error = og_http__field_str(body, "name", 0, &name)) < 0)
        goto cleanup;
    if (!og_name_valid(key)) {
        error = og_error_set(OG_EINVAL,
                             "field 'key': '%.64s' is not a valid key (1-63 of a-z 0-9 . _ -, "
                             "starting with a letter or digit)",
                             key);
        goto cleanup;
    }
    if ((error = og_project_create(&r->ctx, tenant, key, name ? name : key, &p)) < 0)
        goto cleanup;
    snprintf(r->location, sizeof(r->location), "/api/v1/projects/%s", p.key);
    error = og_http__reply(r, 201, og_project_to_json(&p));
cleanup:
    json_decref(body);
    return error;
}

int og_http__project_get(og_http_req *r)
{
    og_artifact_ref ref;
    og_project p;
    int error;
    if ((error = req_ref(r, 0, &ref)) < 0 ||
        (error = og_project_get(&r->ctx, ref.tenant, ref.project, &p)) < 0)
        return error;
    return og_http__reply(r, 200, og_project_to_json(&p));
}

/* PATCH {"name": ...}: the display name; the key in the path stays. */
int og_http__project_rename(og_http_req *r)
{
    static const char *const fields[] = {"name", NULL};
    og_artifact_ref ref;
    og_project p;
    json_t *body = NULL;
    const char *name;
    int error;
    if ((error = req_ref(r, 0, &ref)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = og_http__field_str(body, "name", 1, &name)) < 0 ||
        (error = og_project_rename(&r->ctx, ref.tenant, ref.project, name, &p)) < 0)
        goto cleanup;
    error = og_http__reply(r, 200, og_project_to_json(&p));
cleanup:
    json_decref(body);
    return error;
}

static int project_archive(og_http_req *r, int archive)
{
    og_artifact_ref ref;
    og_project p;
    int error;
    if ((error = req_ref(r, 0, &ref)) < 0 ||
        (error = og_project_archive(&r->ctx, ref.tenant, ref.project, archive, &p)) < 0)
        return error;
    return og_http__reply(r, 200, og_project_to_json(&p));
}

int og_http__project_archive(og_http_req *r)
{
    return project_archive(r, 1);
}

int og_http__project_unarchive(og_http_req *r)
{
    return project_archive(r, 0);
}

/* ---- artifacts ---- */

int og_http__artifact_list(og_http_req *r)
{
    og_artifact_ref ref;
    json_t *list = NULL;
    int error, deleted;
    if ((error = req_ref(r, 0, &ref)) < 0 || (error = query_bool(r, "deleted", &deleted)) < 0 ||
        (error = og_artifact_list(&r->ctx, ref.tenant, ref.project, deleted, &list)) < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "artifacts", list));
}

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
    set_location(r, &s->ref, v.number);
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
    if ((error = req_ref(r, 1, &s->ref)) < 0)
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
    if ((error = req_ref(r, 1, &ref)) < 0 ||
        (error = query_i64(r, "version", 1, INT64_MAX, &version)) < 0 ||
        (error = og_artifact_get_open(&rd, &r->ctx, &ref, version, &info)) < 0)
        return error;
    /* The reader no longer needs the store. */
    store_release(r);
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

int og_http__artifact_show(og_http_req *r)
{
    og_artifact_ref ref;
    json_t *out = NULL;
    int error;
    if ((error = req_ref(r, 1, &ref)) < 0 || (error = og_artifact_show(&r->ctx, &ref, &out)) < 0)
        return error;
    return og_http__reply(r, 200, out);
}

int og_http__artifact_log(og_http_req *r)
{
    og_artifact_ref ref;
    json_t *out = NULL;
    int error;
    if ((error = req_ref(r, 1, &ref)) < 0 || (error = og_artifact_log(&r->ctx, &ref, &out)) < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "versions", out));
}

int og_http__artifact_diff(og_http_req *r)
{
    og_artifact_ref ref;
    int64_t from = 0, to = 0;
    og_buf out;
    int error;
    og_buf_init(&out, OG_ARTIFACT_DIFF_MAX * 4);
    if ((error = req_ref(r, 1, &ref)) < 0 ||
        (error = query_i64(r, "from", 1, INT64_MAX, &from)) < 0 ||
        (error = query_i64(r, "to", 1, INT64_MAX, &to)) < 0)
        goto cleanup;
    if (!from || !to) {
        error = og_error_set(OG_EINVAL, "query '%s' (a version number) is required",
                             from ? "to" : "from");
        goto cleanup;
    }
    if ((error = og_artifact_diff(&r->ctx, &ref, from, to, &out)) < 0)
        goto cleanup;
    size_t len = out.len;
    char *text = og_buf_detach(&out);
    if (!text && len == 0)
        text = calloc(1, 1);
    if (!text) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    error = og_http__reply_text(r, 200, "text/x-diff; charset=utf-8", text, len);
cleanup:
    og_buf_free(&out);
    return error;
}

int og_http__artifact_restore(og_http_req *r)
{
    static const char *const fields[] = {"version", "message", NULL};
    int error = -1;
    json_t *body = NULL;
    og_artifact_ref ref;
    const char *message;
    int64_t version = 0;
    og_artifact_version v;
    memset(&v, 0, sizeof(v));
    if ((error = req_ref(r, 1, &ref)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = field_version(body, "version", 1, &version)) < 0 ||
        (error = og_http__field_str(body, "message", 0, &message)) < 0 ||
        (error = og_artifact_restore(&r->ctx, &ref, version, message, &v)) < 0)
        goto cleanup;
    set_location(r, &ref, v.number);
    error = og_http__reply(r, 201, og_artifact_version_to_json(&v));
cleanup:
    json_decref(body);
    return error;
}

int og_http__artifact_lock(og_http_req *r)
{
    static const char *const fields[] = {"ttl", NULL};
    int error = -1;
    json_t *body = NULL, *out = NULL;
    og_artifact_ref ref;
    const char *ttl;
    int64_t ttl_us = 0;
    if ((error = req_ref(r, 1, &ref)) < 0 ||
        (error = og_http__body_object(r, 1, fields, &body)) < 0 ||
        (error = og_http__field_str(body, "ttl", 0, &ttl)) < 0)
        goto cleanup;
    if (ttl && (og_duration_parse(ttl, &ttl_us) < 0 || ttl_us <= 0)) {
        error = og_error_set(OG_EINVAL,
                             "field 'ttl': '%.32s' is not a positive duration (e.g. "
                             "30m, 4h)",
                             ttl);
        goto cleanup;
    }
    if ((error = og_artifact_lock(&r->ctx, &ref, ttl_us, &out)) < 0)
        goto cleanup;
    error = og_http__reply(r, 200, out ? out : json_object());
    out = NULL;
cleanup:
    json_decref(body);
    json_decref(out);
    return error;
}

int og_http__artifact_unlock(og_http_req *r)
{
    og_artifact_ref ref;
    int error, force;
    if ((error = req_ref(r, 1, &ref)) < 0 || (error = query_bool(r, "force", &force)) < 0 ||
        (error = og_artifact_unlock(&r->ctx, &ref, force)) < 0)
        return error;
    return og_http__reply(r, 204, NULL);
}

int og_http__artifact_state(og_http_req *r)
{
    static const char *const fields[] = {"state", NULL};
    int error = -1;
    json_t *body = NULL;
    og_artifact_ref ref;
    const char *state;
    og_gate_outcome oc;
    memset(&oc, 0, sizeof(oc));
    if ((error = req_ref(r, 1, &ref)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = og_http__field_str(body, "state", 1, &state)) < 0)
        goto cleanup;
    if (!og_artifact_state_valid(state)) {
        error = og_error_set(OG_EINVAL,
                             "field 'state': '%.32s' is not a state (draft, in-review, approved, "
                             "published, archived)",
                             state);
        goto cleanup;
    }
    error = og_artifact_set_state(&r->ctx, &ref, state, &oc);
    if (error < 0 && error != OG_EPENDING)
        goto cleanup;
    int pending = error == OG_EPENDING;
    og_error_clear();
    error =
        og_http__reply(r, pending ? 202 : 200,
                       json_pack("{s:s, s:s, s:s, s:s, s:s}", "name", ref.name, "state",
                                 pending ? "pending" : state, "gate_id", oc.gate_id, "gate_level",
                                 og_gate_level_name(oc.level), "gate_state", oc.state));
    if (pending && error == 0)
        snprintf(r->location, sizeof(r->location), "/api/v1/gates/%s", oc.gate_id);
cleanup:
    json_decref(oc.result);
    json_decref(body);
    return error;
}

int og_http__artifact_metadata(og_http_req *r)
{
    int error = -1;
    json_t *body = NULL, *out = NULL;
    char *text = NULL;
    og_artifact_ref ref;
    /* Any object: metadata keys are the client's own. */
    if ((error = req_ref(r, 1, &ref)) < 0)
        goto cleanup;
    if (r->body.len == 0) {
        error = og_error_set(OG_EINVAL, "request body must be a JSON object");
        goto cleanup;
    }
    json_error_t jerr;
    body = json_loadb(r->body.data, r->body.len, JSON_REJECT_DUPLICATES, &jerr);
    if (!body) {
        error = og_error_set(OG_EINVAL, "malformed JSON at line %d, column %d: %s", jerr.line,
                             jerr.column, jerr.text);
        goto cleanup;
    }
    if (!json_is_object(body)) {
        error = og_error_set(OG_EINVAL, "request body must be a JSON object");
        goto cleanup;
    }
    if (!(text = json_dumps(body, JSON_COMPACT))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = og_artifact_metadata_set(&r->ctx, &ref, text)) < 0 ||
        (error = og_artifact_show(&r->ctx, &ref, &out)) < 0)
        goto cleanup;
    error = og_http__reply(r, 200, out);
    out = NULL;
cleanup:
    free(text);
    json_decref(body);
    json_decref(out);
    return error;
}

int og_http__artifact_delete(og_http_req *r)
{
    og_artifact_ref ref;
    int error;
    if ((error = req_ref(r, 1, &ref)) < 0 || (error = og_artifact_delete(&r->ctx, &ref)) < 0)
        return error;
    return og_http__reply(r, 204, NULL);
}

int og_http__artifact_undelete(og_http_req *r)
{
    og_artifact_ref ref;
    json_t *out = NULL;
    int error;
    if ((error = req_ref(r, 1, &ref)) < 0 ||
        (error = og_artifact_undelete(&r->ctx, &ref, &out)) < 0)
        return error;
    if (!out)
        out = json_pack("{s:s, s:s}", "project", ref.project, "name", ref.name);
    return og_http__reply(r, 200, out);
}

int og_http__artifact_purge(og_http_req *r)
{
    og_artifact_ref ref;
    int error;
    if ((error = req_ref(r, 1, &ref)) < 0 || (error = og_artifact_purge(&r->ctx, &ref)) < 0)
        return error;
    return og_http__reply(r, 204, NULL);
}

/* ---- legal holds ---- */

static int hold_change(og_http_req *r, int set)
{
    static const char *const fields[] = {"name", "reason", NULL};
    int error = -1;
    json_t *body = NULL;
    og_artifact_ref ref;
    const char *reason;
    if ((error = req_ref(r, 0, &ref)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = og_http__field_str(body, "name", 0, &ref.name)) < 0 ||
        (error = og_http__field_str(body, "reason", 1, &reason)) < 0)
        goto cleanup;
    if (!*reason) {
        error = og_error_set(OG_EINVAL, "field 'reason' must not be empty");
        goto cleanup;
    }
    if (set)
        error = og_artifact_hold_set(&r->ctx, &ref, reason);
    else
        error = og_artifact_hold_clear(&r->ctx, &ref, reason);
    if (error < 0)
        goto cleanup;
    error = set ? og_http__reply(r, 201,
                                 json_pack("{s:s, s:o, s:s}", "project", ref.project, "name",
                                           ref.name ? json_string(ref.name) : json_null(), "reason",
                                           reason))
                : og_http__reply(r, 204, NULL);
cleanup:
    json_decref(body);
    return error;
}

int og_http__hold_set(og_http_req *r)
{
    return hold_change(r, 1);
}

int og_http__hold_clear(og_http_req *r)
{
    return hold_change(r, 0);
}

int og_http__hold_list(og_http_req *r)
{
    const char *tenant;
    json_t *list = NULL;
    int error, all;
    if ((error = req_tenant(r, &tenant)) < 0 || (error = query_bool(r, "all", &all)) < 0 ||
        (error = og_artifact_hold_list(&r->ctx, tenant, all, &list)) < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "holds", list));
}

/* ---- access ---- */

int og_http__grant_set(og_http_req *r)
{
    static const char *const fields[] = {"right", "until", NULL};
    int error = -1;
    json_t *body = NULL;
    og_artifact_ref ref;
    const char *right_s, *until, *user = og_http__param(&r->match, "user");
    og_artifact_right right;
    int64_t until_us = 0;
    if ((error = req_ref(r, 0, &ref)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = og_http__field_str(body, "right", 1, &right_s)) < 0 ||
        (error = og_http__field_str(body, "until", 0, &until)) < 0)
        goto cleanup;
    if (!user || !og_name_valid(user)) {
        error = og_error_set(OG_EINVAL, "user '%.64s' is not a valid name", user ? user : "");
        goto cleanup;
    }
    if (og_artifact_right_parse(right_s, &right) < 0) {
        error = og_error_wrap("field 'right'");
        goto cleanup;
    }
    if (until && og_time_parse(until, &until_us) < 0) {
        error = og_error_set(OG_EINVAL, "field 'until': '%.64s' is not an RFC 3339 time or a date",
                             until);
        goto cleanup;
    }
    if ((error = og_access_grant(&r->ctx, ref.tenant, ref.project, user, right, until_us)) < 0)
        goto cleanup;
    error = og_http__reply(r, 200,
                           json_pack("{s:s, s:s, s:s, s:o}", "project", ref.project, "user", user,
                                     "right", og_artifact_right_name(right), "until",
                                     until ? json_string(until) : json_null()));
cleanup:
    json_decref(body);
    return error;
}

int og_http__grant_revoke(og_http_req *r)
{
    og_artifact_ref ref;
    const char *user = og_http__param(&r->match, "user");
    int error;
    if ((error = req_ref(r, 0, &ref)) < 0)
        return error;
    if (!user || !og_name_valid(user))
        return og_error_set(OG_EINVAL, "user '%.64s' is not a valid name", user ? user : "");
    if ((error = og_access_revoke(&r->ctx, ref.tenant, ref.project, user)) < 0)
        return error;
    return og_http__reply(r, 204, NULL);
}

int og_http__access_report(og_http_req *r)
{
    const char *tenant;
    json_t *out = NULL;
    int error;
    if ((error = req_tenant(r, &tenant)) < 0 ||
        (error = og_access_report(&r->ctx, tenant, &out)) < 0)
        return error;
    return og_http__reply(r, 200, out);
}

/* ---- search ---- */

int og_http__artifact_search(og_http_req *r)
{
    const char *tenant, *q = og_http__query(r, "q");
    json_t *list = NULL;
    int64_t limit = 20;
    int error;
    if ((error = req_tenant(r, &tenant)) < 0 || (error = query_i64(r, "limit", 1, 100, &limit)) < 0)
        return error;
    if (!q || !*q)
        return og_error_set(OG_EINVAL, "query 'q' (the words to search for) is required");
    if (strlen(q) > SEARCH_QUERY_MAX)
        return og_error_set(OG_EINVAL, "query 'q' is over %d bytes", SEARCH_QUERY_MAX);
    if ((error = og_artifact_search(&r->ctx, tenant, q, (int)limit, &list)) < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "results", list));
}

/* ---- retention ---- */

int og_http__retention_list(og_http_req *r)
{
    const char *tenant;
    json_t *list = NULL;
    int error;
    if ((error = req_tenant(r, &tenant)) < 0 ||
        (error = og_artifact_retention_list(&r->ctx, tenant, &list)) < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "retention", list));
}

int og_http__retention_set(og_http_req *r)
{
    static const char *const fields[] = {"keep", NULL};
    int error = -1;
    json_t *body = NULL;
    const char *tenant, *keep, *kind = og_http__param(&r->match, "kind");
    int64_t keep_us = 0;
    if ((error = req_tenant(r, &tenant)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = og_http__field_str(body, "keep", 1, &keep)) < 0)
        goto cleanup;
    if (!kind || !og_artifact_kind_valid(kind)) {
        error = og_error_set(OG_EINVAL,
                             "kind '%.32s' is not a kind (sow, change-order, runbook, closure, "
                             "template, other)",
                             kind ? kind : "");
        goto cleanup;
    }
    if (strcmp(keep, "0") != 0 && og_artifact_keep_parse(keep, &keep_us) < 0) {
        error = og_error_wrap("field 'keep'");
        goto cleanup;
    }
    if ((error = og_artifact_retention_set(&r->ctx, tenant, kind, keep_us)) < 0)
        goto cleanup;
    error = og_http__reply(r, 200, json_pack("{s:s, s:s}", "kind", kind, "keep", keep));
cleanup:
    json_decref(body);
    return error;
}
