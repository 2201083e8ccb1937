/* console_artifacts.c - the console's artifact pages: a tenant's projects, a project's artifacts,
 * one artifact (its versions, legal holds, lifecycle buttons) and the lifecycle form's POST, from
 * the same library calls as the API (og_project_list, og_project_get, og_artifact_list,
 * og_artifact_show, og_artifact_log, og_artifact_hold_list, og_artifact_set_state) as the
 * signed-in actor. The diff, the download and search are in console_artdiff.c. */
#include "http/console.h"
#include "opsgate/artifacts.h"
#include "opsgate/error.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const states[] = {"draft",     "in-review", "approved",
                                     "published", "archived",  NULL};

int og_http__console_artref(og_http_req *r, int want_name, og_artifact_ref *ref)
{
    int error;
    memset(ref, 0, sizeof(*ref));
    if ((error = og_http__param_ref(r, "tenant", &ref->tenant)) < 0)
        return error;
    const char *key = og_http__param(&r->match, "key");
    if (want_name >= 0) {
        if (!key || !og_name_valid(key))
            return og_error_set(OG_EINVAL, "project key '%.64s' is not a valid key",
                                key ? key : "");
        ref->project = key;
    }
    if (want_name > 0) {
        ref->name = og_http__param(&r->match, "name");
        if (!ref->name || !*ref->name || strlen(ref->name) > OG_ARTIFACT_NAME_MAX)
            return og_error_set(OG_EINVAL, "'%.64s' is not an artifact name",
                                ref->name ? ref->name : "");
    }
    return 0;
}

/* Append s as one percent-encoded path segment (everything but unreserved characters). */
static void seg_put(og_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char enc[4] = {(char)*p, 0, 0, 0};
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("-._~", *p))) {
            enc[0] = '%';
            enc[1] = hex[*p >> 4];
            enc[2] = hex[*p & 15];
        }
        og_buf_puts(b, enc);
    }
}

json_t *og_http__console_arthref(const char *tenant, const char *project, const char *name,
                                 const char *suffix)
{
    og_buf b;
    og_buf_init(&b, 4096);
    og_buf_puts(&b, "/console/tenants/");
    seg_put(&b, tenant);
    og_buf_puts(&b, "/projects");
    if (project) {
        og_buf_puts(&b, "/");
        seg_put(&b, project);
    }
    if (project && name) {
        og_buf_puts(&b, "/artifacts/");
        seg_put(&b, name);
    }
    if (suffix)
        og_buf_puts(&b, suffix);
    json_t *s = json_string(b.data ? b.data : "/console");
    og_buf_free(&b);
    return s;
}

/* The page data with the tenant switcher on `tenant` for platform actors. */
static json_t *page_base(og_http_req *r, const char *tenant)
{
    json_t *d = og_http__console_base(r, og_actor_is_platform(&r->ctx.actor) ? tenant : NULL);
    if (d) {
        json_object_set_new(d, "tenant", json_string(tenant));
        json_object_set_new(d, "projects_href", og_http__console_arthref(tenant, NULL, NULL, NULL));
        og_buf b;
        og_buf_init(&b, 1024);
        og_buf_puts(&b, "/console/tenants/");
        seg_put(&b, tenant);
        og_buf_puts(&b, "/search");
        json_object_set_new(d, "search_href", json_string(b.data ? b.data : "/console"));
        og_buf_free(&b);
    }
    return d;
}

/* GET /console/projects[?tenant=T]: on to the tenant's projects (the own tenant's, or the one a
 * platform-admin chose in the switcher); a platform-admin who chose none is asked to. */
int og_http__console_projects_home(og_http_req *r)
{
    char own[64] = "";
    const char *t = og_http__query(r, "tenant");
    int error;
    if (t && *t && !og_name_valid(t) && !og_id_valid(t))
        return og_error_set(OG_EINVAL, "'%.64s' is not a tenant name", t);
    if ((error = og_http__console_own_tenant(r, own)) < 0)
        return error;
    if (!t || !*t)
        t = own;
    if (*t) {
        json_t *href = og_http__console_arthref(t, NULL, NULL, NULL);
        error = og_http__console_redirect(r, json_string_value(href));
        json_decref(href);
        return error;
    }
    json_t *d = og_http__console_base(r, NULL);
    if (!d)
        return og_error_set(OG_ERROR, "out of memory");
    json_object_set_new(d, "choose", json_true());
    return og_http__console_render(r, 200, "projects", d);
}

/* GET /console/tenants/{tenant}/projects */
int og_http__console_projects(og_http_req *r)
{
    og_artifact_ref ref;
    json_t *list = NULL, *p;
    int error;
    if ((error = og_http__console_artref(r, -1, &ref)) < 0 ||
        (error = og_project_list(&r->ctx, ref.tenant, &list)) < 0)
        return error;
    size_t i;
    json_array_foreach(list, i, p)
    {
        const char *key = json_string_value(json_object_get(p, "key"));
        json_object_set_new(p, "href",
                            og_http__console_arthref(ref.tenant, key ? key : "", NULL, NULL));
    }
    json_t *d = page_base(r, ref.tenant);
    if (!d) {
        json_decref(list);
        return og_error_set(OG_ERROR, "out of memory");
    }
    json_object_set_new(d, "count", json_integer((json_int_t)json_array_size(list)));
    json_object_set_new(d, "projects", list);
    return og_http__console_render(r, 200, "projects", d);
}

static json_t *holds_of(og_http_req *r, const og_artifact_ref *ref);

/* GET /console/tenants/{tenant}/projects/{key} */
int og_http__console_project(og_http_req *r)
{
    og_artifact_ref ref;
    og_project p;
    json_t *list = NULL, *a;
    int error;
    if ((error = og_http__console_artref(r, 0, &ref)) < 0 ||
        (error = og_project_get(&r->ctx, ref.tenant, ref.project, &p)) < 0 ||
        (error = og_artifact_list(&r->ctx, ref.tenant, ref.project, 0, &list)) < 0)
        return error;
    size_t i;
    json_array_foreach(list, i, a)
    {
        const char *name = json_string_value(json_object_get(a, "name"));
        json_object_set_new(
            a, "href", og_http__console_arthref(ref.tenant, ref.project, name ? name : "", NULL));
    }
    json_t *d = page_base(r, ref.tenant);
    if (!d) {
        json_decref(list);
        return og_error_set(OG_ERROR, "out of memory");
    }
    json_object_set_new(d, "project", og_project_to_json(&p));
    json_object_set_new(d, "holds", holds_of(r, &ref));
    og_http__console_artgov(r, &ref, d);
    json_object_set_new(d, "count", json_integer((json_int_t)json_array_size(list)));
    json_object_set_new(d, "artifacts", list);
    return og_http__console_render(r, 200, "project", d);
}

/* The active legal holds on this artifact or its whole project (ref->name NULL: on the project
 * and any of its artifacts); none when the actor may not list holds (the library decides). */
static json_t *holds_of(og_http_req *r, const og_artifact_ref *ref)
{
    json_t *list = NULL, *h, *out = json_array();
    if (og_artifact_hold_list(&r->ctx, ref->tenant, 0, &list) < 0) {
        og_error_clear();
        return out;
    }
    size_t i;
    json_array_foreach(list, i, h)
    {
        const char *p = json_string_value(json_object_get(h, "project"));
        const char *a = json_string_value(json_object_get(h, "artifact"));
        if (!p || strcmp(p, ref->project) != 0 || (a && ref->name && strcmp(a, ref->name) != 0))
            continue;
        json_object_set_new(
            h, "scope",
            a ? json_sprintf("%s %s", ref->name ? "this" : "artifact", ref->name ? "artifact" : a)
              : json_string("the project"));
        /* What the release form names (never looked up in the page around: a project's hold
         * on an artifact's page must not post that artifact). */
        json_object_set_new(h, "release_artifact", a ? json_string(a) : json_false());
        json_array_append(out, h);
    }
    json_decref(list);
    return out;
}

/* Buttons for the lifecycle moves allowed from `state` (the library decides who may). */
static json_t *moves_of(const char *state)
{
    json_t *out = json_array();
    for (size_t i = 0; states[i]; i++)
        if (state && og_artifact_transition_allowed(state, states[i]))
            json_array_append_new(out, json_pack("{s:s}", "state", states[i]));
    return out;
}

/* Versions with their download links, and the diff form's choices (none for a viewer). */
static void versions_shape(json_t *d, json_t *log, const og_artifact_ref *ref, int viewer)
{
    json_t *v;
    size_t i, n = json_array_size(log);
    json_array_foreach(log, i, v)
    {
        char q[64];
        json_int_t num = json_integer_value(json_object_get(v, "version"));
        snprintf(q, sizeof(q), "/content?version=%lld", (long long)num);
        json_object_set_new(v, "download",
                            og_http__console_arthref(ref->tenant, ref->project, ref->name, q));
        /* Newest first: "from" defaults to the one before the latest, "to" to the latest. */
        json_object_set_new(v, "from_selected", json_boolean(n > 1 ? i == 1 : i == 0));
        json_object_set_new(v, "to_selected", json_boolean(i == 0));
    }
    json_object_set_new(d, "versions", json_incref(log));
    json_object_set_new(d, "can_diff", json_boolean(n > 0 && !viewer));
}

/* GET /console/tenants/{tenant}/projects/{key}/artifacts/{name}[?pending=GATE|changed=STATE] */
int og_http__console_artifact(og_http_req *r)
{
    og_artifact_ref ref;
    json_t *art = NULL, *log = NULL, *d = NULL;
    int error;
    if ((error = og_http__console_artref(r, 1, &ref)) < 0 ||
        (error = og_artifact_show(&r->ctx, &ref, &art)) < 0)
        goto cleanup;
    if ((error = og_artifact_log(&r->ctx, &ref, &log)) < 0)
        goto cleanup;
    if (!(d = page_base(r, ref.tenant))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    const char *pending = og_http__query(r, "pending"), *changed = og_http__query(r, "changed");
    if (pending && og_id_valid(pending))
        json_object_set_new(d, "pending", json_string(pending));
    if (changed && og_artifact_state_valid(changed))
        json_object_set_new(d, "changed", json_string(changed));
    const char *state = json_string_value(json_object_get(art, "state"));
    json_t *moves = moves_of(state);
    og_http__console_artgov(r, &ref, d); /* may_move: the library's own check */
    json_object_set_new(
        d, "has_moves",
        json_boolean(json_array_size(moves) > 0 && json_is_true(json_object_get(d, "may_move"))));
    json_object_set_new(d, "moves", moves);
    json_object_set_new(d, "holds", holds_of(r, &ref));
    json_object_set_new(d, "project_href",
                        og_http__console_arthref(ref.tenant, ref.project, NULL, NULL));
    json_object_set_new(d, "self_href",
                        og_http__console_arthref(ref.tenant, ref.project, ref.name, NULL));
    json_object_set_new(d, "state_action",
                        og_http__console_arthref(ref.tenant, ref.project, ref.name, "/state"));
    json_object_set_new(d, "diff_action",
                        og_http__console_arthref(ref.tenant, ref.project, ref.name, "/diff"));
    /* The library never diffs for a client-viewer (docs/artifacts.md): no form that 404s. */
    versions_shape(d, log, &ref, r->ctx.actor.role == OG_ROLE_CLIENT_VIEWER);
    json_object_set_new(d, "project", json_string(ref.project));
    json_object_set_new(d, "artifact", art);
    art = NULL;
    error = og_http__console_render(r, 200, "artifact", d);
    d = NULL;
cleanup:
    json_decref(art);
    json_decref(log);
    json_decref(d);
    return error;
}

/* POST .../artifacts/{name}/state (form: csrf, state): the lifecycle move through the gate, as
 * the API's POST .../state; then back to the artifact's page saying what happened (a move held
 * for approval names its gate item). */
int og_http__console_artifact_state(og_http_req *r)
{
    og_artifact_ref ref;
    og_gate_outcome oc;
    char state[32];
    int error;
    memset(&oc, 0, sizeof(oc));
    if ((error = og_http__console_artref(r, 1, &ref)) < 0 ||
        (error = og_http__console_form(r, "state", state, sizeof(state))) < 0)
        return error;
    if (error == 0 || !og_artifact_state_valid(state))
        return og_error_set(OG_EINVAL,
                            "form field 'state': '%.32s' is not a state (draft, in-review, "
                            "approved, published, archived)",
                            error == 0 ? "" : state);
    error = og_artifact_set_state(&r->ctx, &ref, state, &oc);
    json_decref(oc.result);
    if (error < 0 && error != OG_EPENDING)
        return error;
    char q[96];
    if (error == OG_EPENDING)
        snprintf(q, sizeof(q), "?pending=%s", oc.gate_id);
    else
        snprintf(q, sizeof(q), "?changed=%s", state);
    og_error_clear();
    json_t *href = og_http__console_arthref(ref.tenant, ref.project, ref.name, q);
    /* A long name percent-encoded may not fit a Location: then to the project's page. */
    if (strlen(json_string_value(href)) >= sizeof(r->location)) {
        json_decref(href);
        href = og_http__console_arthref(ref.tenant, ref.project, NULL, NULL);
    }
    error = og_http__console_redirect(r, json_string_value(href));
    json_decref(href);
    return error;
}
