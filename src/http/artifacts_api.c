/* artifacts_api.c - the HTTP face of artifacts (include/opsgate/artifacts.h): list, show, history,
 * diff, restore, locks, lifecycle, metadata, delete, undelete and purge. The tenant is the token's;
 * platform admins name it with ?tenant=. Who may do what is decided in the library, never here. */
#include "http/artifacts_api.h"
#include "opsgate/error.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers the artifact routes share ---- */

/* Tenant, project key and (when want_name) artifact name of the path. */
int og_http__req_artifact(og_http_req *r, int want_name, og_artifact_ref *ref)
{
    int error;
    memset(ref, 0, sizeof(*ref));
    if ((error = og_http__query_tenant(r, &ref->tenant)) < 0)
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

/* An optional positive integer field; *out keeps its value when absent. */
int og_http__field_version(json_t *obj, const char *field, int required, int64_t *out)
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

void og_http__artifact_location(og_http_req *r, const og_artifact_ref *ref, int64_t version)
{
    char name[3 * OG_ARTIFACT_NAME_MAX + 1];
    seg_encode(ref->name, name, sizeof(name));
    snprintf(r->location, sizeof(r->location),
             "/api/v1/projects/%s/artifacts/%.380s/content?version=%" PRId64, ref->project, name,
             version);
}

/* ---- artifacts ---- */

int og_http__artifact_list(og_http_req *r)
{
    og_artifact_ref ref;
    json_t *list = NULL;
    int error, deleted;
    if ((error = og_http__req_artifact(r, 0, &ref)) < 0 ||
        (error = og_http__query_bool(r, "deleted", &deleted)) < 0 ||
        (error = og_artifact_list(&r->ctx, ref.tenant, ref.project, deleted, &list)) < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "artifacts", list));
}

int og_http__artifact_show(og_http_req *r)
{
    og_artifact_ref ref;
    json_t *out = NULL;
    int error;
    if ((error = og_http__req_artifact(r, 1, &ref)) < 0 ||
        (error = og_artifact_show(&r->ctx, &ref, &out)) < 0)
        return error;
    return og_http__reply(r, 200, out);
}

int og_http__artifact_log(og_http_req *r)
{
    og_artifact_ref ref;
    json_t *out = NULL;
    int error;
    if ((error = og_http__req_artifact(r, 1, &ref)) < 0 ||
        (error = og_artifact_log(&r->ctx, &ref, &out)) < 0)
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
    if ((error = og_http__req_artifact(r, 1, &ref)) < 0 ||
        (error = og_http__query_i64(r, "from", 1, INT64_MAX, &from)) < 0 ||
        (error = og_http__query_i64(r, "to", 1, INT64_MAX, &to)) < 0)
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
    if ((error = og_http__req_artifact(r, 1, &ref)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = og_http__field_version(body, "version", 1, &version)) < 0 ||
        (error = og_http__field_str(body, "message", 0, &message)) < 0 ||
        (error = og_artifact_restore(&r->ctx, &ref, version, message, &v)) < 0)
        goto cleanup;
    og_http__artifact_location(r, &ref, v.number);
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
    if ((error = og_http__req_artifact(r, 1, &ref)) < 0 ||
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
    if ((error = og_http__req_artifact(r, 1, &ref)) < 0 ||
        (error = og_http__query_bool(r, "force", &force)) < 0 ||
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
    if ((error = og_http__req_artifact(r, 1, &ref)) < 0 ||
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
    if ((error = og_http__req_artifact(r, 1, &ref)) < 0 ||
        (error = og_http__body_any_object(r, &body)) < 0)
        goto cleanup;
    if (!(text = json_dumps(body, JSON_COMPACT))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = og_artifact_metadata_set(&r->ctx, &ref, text)) < 0 ||
        (error = og_artifact_show(&r->ctx, &ref, &out)) < 0)
        goto cleanup;
    error = og_http__reply(r, 200, out); /* steals out; show sets it only on success */
cleanup:
    free(text);
    json_decref(body);
    return error;
}

/* POST .../classify {"kind", "client"?, "total"?, "date"?}: a person's correction of the
 * classifier's proposal of the latest version (the write right), answered with the artifact as
 * show has it. */
int og_http__artifact_classify(og_http_req *r)
{
    static const char *const allowed[] = {"kind", "client", "total", "date", NULL};
    static const char *const fields[] = {"client", "total", "date", NULL};
    int error;
    json_t *body = NULL, *out = NULL;
    og_artifact_ref ref;
    if ((error = og_http__req_artifact(r, 1, &ref)) < 0 ||
        (error = og_http__body_object(r, 0, allowed, &body)) < 0)
        goto cleanup;
    int bad = !json_is_string(json_object_get(body, "kind"));
    for (int i = 0; fields[i]; i++) {
        json_t *v = json_object_get(body, fields[i]);
        bad |= v && !json_is_string(v);
    }
    if (bad) {
        error = og_error_set(OG_EINVAL, "expected {\"kind\": \"sow\", \"client\": \"...\","
                                        " \"total\": \"12500.00\", \"date\": \"2026-03-02\"}"
                                        " (all but kind optional)");
        goto cleanup;
    }
    og_artifact_correction fix = {json_string_value(json_object_get(body, "client")),
                                  json_string_value(json_object_get(body, "total")),
                                  json_string_value(json_object_get(body, "date"))};
    if ((error = og_artifact_classify(
             &r->ctx, &ref, json_string_value(json_object_get(body, "kind")), &fix, NULL)) < 0 ||
        (error = og_artifact_show(&r->ctx, &ref, &out)) < 0)
        goto cleanup;
    error = og_http__reply(r, 200, out);
cleanup:
    json_decref(body);
    return error;
}

int og_http__artifact_delete(og_http_req *r)
{
    og_artifact_ref ref;
    int error;
    if ((error = og_http__req_artifact(r, 1, &ref)) < 0 ||
        (error = og_artifact_delete(&r->ctx, &ref)) < 0)
        return error;
    return og_http__reply(r, 204, NULL);
}

int og_http__artifact_undelete(og_http_req *r)
{
    og_artifact_ref ref;
    json_t *out = NULL;
    int error;
    if ((error = og_http__req_artifact(r, 1, &ref)) < 0 ||
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
    if ((error = og_http__req_artifact(r, 1, &ref)) < 0 ||
        (error = og_artifact_purge(&r->ctx, &ref)) < 0)
        return error;
    return og_http__reply(r, 204, NULL);
}
