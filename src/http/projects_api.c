/* projects_api.c - the HTTP face of projects: list, create, show, rename, archive. */
#include "http/artifacts_api.h"
#include "opsgate/error.h"

#include <stdio.h>

/* ---- projects ---- */

int og_http__project_list(og_http_req *r)
{
    const char *tenant;
    json_t *list = NULL;
    int error;
    int all = 0;
    if ((error = og_http__query_tenant(r, &tenant)) < 0 ||
        (error = og_http__query_bool(r, "all", &all)) < 0 ||
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

    if ((error = og_http__query_tenant(r, &tenant)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = og_http__field_str(body, "key", 1, &key)) < 0 ||
        (error = og_http__field_str(body, "name", 0, &name)) < 0 ||
        (error = og_http__check_name("key", "key", key)) < 0)
        goto cleanup;
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
    if ((error = og_http__req_artifact(r, 0, &ref)) < 0 ||
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
    if ((error = og_http__req_artifact(r, 0, &ref)) < 0 ||
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
    if ((error = og_http__req_artifact(r, 0, &ref)) < 0 ||
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
