/* console_artgov.c - governance from the console's project and artifact pages: legal holds
 * placed and released, access granted and revoked, through the same library calls as the API's
 * routes (artifact_govern_api.c: og_artifact_hold_set, og_artifact_hold_clear, og_access_grant,
 * og_access_revoke) as the signed-in actor; and what the pages show of it: the buttons only to
 * whoever may use them, as the library says (og_artifact_may: the checks the operations make),
 * the holds and the project's grants. The POSTs enforce whatever the page showed. */
#include "http/console.h"
#include "opsgate/artifacts.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <string.h>

#define REASON_MAX 1024 /* as the library's */

/* The flash lines after a change: fixed words, chosen by ?done= (never text from the address). */
static const struct {
    const char *done, *text;
} flashes[] = {
    {"hold-set", "The legal hold is placed."},
    {"hold-cleared", "The legal hold is released."},
    {"granted", "The grant is saved."},
    {"revoked", "The grant is revoked."},
};

/* A form field that must be there and not empty; OG_EINVAL naming it otherwise. */
static int field_required(og_http_req *r, const char *name, char *out, size_t size)
{
    int error = og_http__console_form(r, name, out, size);
    if (error < 0)
        return error;
    if (error == 0 || !*out)
        return og_error_set(OG_EINVAL, "form field '%s' is required and must not be empty", name);
    return 0;
}

/* The optional form field `artifact`: NULL when absent or empty (the hold is the project's). */
static int artifact_field(og_http_req *r, char *out, size_t size, const char **name)
{
    int error = og_http__console_form(r, "artifact", out, size);
    *name = NULL;
    if (error < 0)
        return error;
    if (error > 0 && *out)
        *name = out;
    return 0;
}

/* 303 back to the artifact's page (name set) or the project's, with ?done=WHAT. */
static int back(og_http_req *r, const og_artifact_ref *ref, const char *name, const char *done)
{
    char q[64];
    snprintf(q, sizeof(q), "?done=%s", done);
    json_t *href = og_http__console_arthref(ref->tenant, ref->project, name, q);
    /* A long name percent-encoded may not fit a Location: then to the project's page. */
    if (strlen(json_string_value(href)) >= sizeof(r->location)) {
        json_decref(href);
        href = og_http__console_arthref(ref->tenant, ref->project, NULL, q);
    }
    og_error_clear();
    int error = og_http__console_redirect(r, json_string_value(href));
    json_decref(href);
    return error;
}

/* POST .../projects/{key}/holds and .../holds/release (form: reason, artifact optional): as the
 * API's POST and DELETE /api/v1/projects/{key}/holds. */
static int hold_change(og_http_req *r, int set)
{
    og_artifact_ref ref;
    char reason[REASON_MAX + 1], name[OG_ARTIFACT_NAME_MAX + 1];
    int error;
    if ((error = og_http__console_artref(r, 0, &ref)) < 0 ||
        (error = field_required(r, "reason", reason, sizeof(reason))) < 0 ||
        (error = artifact_field(r, name, sizeof(name), &ref.name)) < 0)
        return error;
    error = set ? og_artifact_hold_set(&r->ctx, &ref, reason)
                : og_artifact_hold_clear(&r->ctx, &ref, reason);
    if (error < 0)
        return error;
    return back(r, &ref, ref.name, set ? "hold-set" : "hold-cleared");
}

int og_http__console_hold_set(og_http_req *r)
{
    return hold_change(r, 1);
}

int og_http__console_hold_clear(og_http_req *r)
{
    return hold_change(r, 0);
}

/* POST .../projects/{key}/grants (form: user, right, until optional): as the API's PUT
 * /api/v1/projects/{key}/grants/{user}. */
int og_http__console_grant_set(og_http_req *r)
{
    og_artifact_ref ref;
    og_artifact_right right;
    char user[64], right_s[16], until[64];
    int64_t until_us = 0;
    int error;
    if ((error = og_http__console_artref(r, 0, &ref)) < 0 ||
        (error = field_required(r, "user", user, sizeof(user))) < 0 ||
        (error = field_required(r, "right", right_s, sizeof(right_s))) < 0 ||
        (error = og_http__console_form(r, "until", until, sizeof(until))) < 0)
        return error;
    if (!og_name_valid(user))
        return og_error_set(OG_EINVAL, "form field 'user': '%.64s' is not a user name", user);
    if (og_artifact_right_parse(right_s, &right) < 0)
        return og_error_wrap("form field 'right'");
    if (*until && og_time_parse(until, &until_us) < 0)
        return og_error_set(OG_EINVAL,
                            "form field 'until': '%.64s' is not a date (2027-01-31) or an RFC "
                            "3339 time",
                            until);
    if ((error = og_access_grant(&r->ctx, ref.tenant, ref.project, user, right, until_us)) < 0)
        return error;
    return back(r, &ref, NULL, "granted");
}

/* POST .../projects/{key}/grants/revoke (form: user): as the API's DELETE .../grants/{user}. */
int og_http__console_grant_revoke(og_http_req *r)
{
    og_artifact_ref ref;
    char user[64];
    int error;
    if ((error = og_http__console_artref(r, 0, &ref)) < 0 ||
        (error = field_required(r, "user", user, sizeof(user))) < 0)
        return error;
    if (!og_name_valid(user))
        return og_error_set(OG_EINVAL, "form field 'user': '%.64s' is not a user name", user);
    if ((error = og_access_revoke(&r->ctx, ref.tenant, ref.project, user)) < 0)
        return error;
    return back(r, &ref, NULL, "revoked");
}

/* ---- for the pages ---- */

static int may(og_http_req *r, const og_artifact_ref *ref, og_artifact_op op)
{
    int ok = og_artifact_may(&r->ctx, ref->tenant, ref->project, op) == 0;
    og_error_clear();
    return ok;
}

/* The project's grants as the access report lists them (roles that may read it), each with a
 * revoke button when the actor may; none otherwise. */
static json_t *grants_of(og_http_req *r, const og_artifact_ref *ref)
{
    json_t *rep = NULL, *e, *out = json_array();
    size_t i;
    if (og_access_report(&r->ctx, ref->tenant, &rep) < 0) {
        og_error_clear();
        return out;
    }
    json_array_foreach(json_object_get(rep, "entries"), i, e)
    {
        const char *p = json_string_value(json_object_get(e, "project"));
        const char *via = json_string_value(json_object_get(e, "via"));
        if (p && via && strcmp(p, ref->project) == 0 && strncmp(via, "grant", 5) == 0)
            json_array_append(out, e);
    }
    json_decref(rep);
    return out;
}

void og_http__console_artgov(og_http_req *r, const og_artifact_ref *ref, json_t *d)
{
    int hold_set = may(r, ref, OG_ARTIFACT_OP_HOLD_SET);
    int hold_clear = may(r, ref, OG_ARTIFACT_OP_HOLD_CLEAR);
    int grant = may(r, ref, OG_ARTIFACT_OP_GRANT);
    json_object_set_new(d, "may_move", json_boolean(may(r, ref, OG_ARTIFACT_OP_SET_STATE)));
    json_object_set_new(d, "may_hold", json_boolean(hold_set));
    json_object_set_new(d, "may_release", json_boolean(hold_clear));
    json_object_set_new(d, "may_grant", json_boolean(grant));
    json_object_set_new(d, "hold_action",
                        og_http__console_arthref(ref->tenant, ref->project, NULL, "/holds"));
    json_object_set_new(
        d, "release_action",
        og_http__console_arthref(ref->tenant, ref->project, NULL, "/holds/release"));
    json_object_set_new(d, "hold_artifact", ref->name ? json_string(ref->name) : json_null());
    if (!ref->name) {
        json_t *grants = grants_of(r, ref);
        json_object_set_new(d, "has_grants", json_boolean(json_array_size(grants) > 0));
        json_object_set_new(d, "grants", grants);
        json_object_set_new(d, "grant_action",
                            og_http__console_arthref(ref->tenant, ref->project, NULL, "/grants"));
        json_object_set_new(
            d, "revoke_action",
            og_http__console_arthref(ref->tenant, ref->project, NULL, "/grants/revoke"));
    }
    const char *done = og_http__query(r, "done");
    for (size_t i = 0; done && i < sizeof(flashes) / sizeof(flashes[0]); i++)
        if (strcmp(done, flashes[i].done) == 0)
            json_object_set_new(d, "done", json_string(flashes[i].text));
}
