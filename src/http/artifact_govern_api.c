/* artifact_govern_api.c - governance of the artifact repository over HTTP: legal holds, grants,
 * the access report, search and retention. */
#include "http/artifacts_api.h"
#include "opsgate/error.h"

#include <string.h>

#define SEARCH_QUERY_MAX 1024

/* ---- legal holds ---- */

/* POST sets a hold on the project or one artifact, DELETE clears it. */
int og_http__hold_change(og_http_req *r)
{
    static const char *const fields[] = {"name", "reason", NULL};
    int set = strcmp(r->method, "DELETE") != 0;
    int error = -1;
    json_t *body = NULL;
    og_artifact_ref ref;
    const char *reason;
    if ((error = og_http__req_artifact(r, 0, &ref)) < 0 ||
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

int og_http__hold_list(og_http_req *r)
{
    const char *tenant;
    json_t *list = NULL;
    int error, all;
    if ((error = og_http__query_tenant(r, &tenant)) < 0 ||
        (error = og_http__query_bool(r, "all", &all)) < 0 ||
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
    if ((error = og_http__req_artifact(r, 0, &ref)) < 0 ||
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
    if ((error = og_http__req_artifact(r, 0, &ref)) < 0)
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
    if ((error = og_http__query_tenant(r, &tenant)) < 0 ||
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
    if ((error = og_http__query_tenant(r, &tenant)) < 0 ||
        (error = og_http__query_i64(r, "limit", 1, 100, &limit)) < 0)
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
    if ((error = og_http__query_tenant(r, &tenant)) < 0 ||
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
    if ((error = og_http__query_tenant(r, &tenant)) < 0 ||
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
