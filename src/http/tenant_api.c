/* tenant_api.c - the HTTP face of the spine (include/opsgate/tenant.h): tenants, users, tokens and
 * whoami. Handlers validate input and shape JSON; who may do what is decided inside the tenant
 * library (og_authz_check), never here. */
#include "http/server.h"
#include "opsgate/crypto.h"
#include "opsgate/app.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---- tenants ---- */

/* POST /api/v1/tenants {name, region?}: a region's tenant is made in the region's database (from
 * the node's --data-region, opened for the call) and the directory, as `tenant create --region`;
 * platform admins only (og_tenant_create_in checks that first). Only home nodes get here:
 * region.c answers 421 on a region's node. */
int og_http__tenant_create(og_http_req *r)
{
    static const char *const fields[] = {"name", "region", NULL};
    int error = -1;
    json_t *body = NULL;
    const char *name, *region = NULL;
    og_store *rs = NULL;
    og_tenant t;

    if ((error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = og_http__field_str(body, "name", 1, &name)) < 0 ||
        (error = og_http__check_name("name", "name", name)) < 0 ||
        (error = og_http__field_str(body, "region", 0, &region)) < 0)
        goto cleanup;
    if (region && strcmp(region, OG_REGION_HOME) == 0)
        region = NULL; /* "home": the home database, as without a region */
    if (region) {
        const og_http_config *cfg = r->srv->cfg;
        og_install_where w = {cfg->data_dir, cfg->keys_dir, cfg->regions};
        if ((error = og_authz_check(&r->ctx.actor, NULL, OG_PERM_PLATFORM)) < 0)
            goto cleanup;
        if ((error = og_region_name_check(region)) < 0) {
            og_error_wrap("field 'region'");
            goto cleanup;
        }
        if ((error = og_install_region_open(&w, r->srv->keys, region, 1, &rs)) < 0 ||
            (error = og_tenant_region_repair(&r->ctx, rs, region, NULL)) < 0)
            goto cleanup;
    }
    if ((error = og_tenant_create_in(&r->ctx, rs, name, region, &t)) < 0)
        goto cleanup;
    snprintf(r->location, sizeof(r->location), "/api/v1/tenants/%s", t.name);
    error = og_http__reply(r, 201, og_tenant_to_json(&t));
cleanup:
    og_store_close(rs);
    json_decref(body);
    return error;
}

int og_http__tenant_list(og_http_req *r)
{
    json_t *list = NULL;
    int error = og_tenant_list(&r->ctx, &list);
    if (error < 0)
        return error;
    /* A region node lists its region's tenants (its database's), the home node the directory. */
    return og_http__reply(
        r, 200,
        json_pack("{s:o, s:s}", "tenants", list, "node_region", og_http__node_region(r->srv)));
}

int og_http__tenant_get(og_http_req *r)
{
    const char *ref;
    og_tenant t;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &ref)) < 0 ||
        (error = og_tenant_get(&r->ctx, ref, &t)) < 0)
        return error;
    return og_http__reply(r, 200, og_tenant_to_json(&t));
}

static int tenant_set_state(og_http_req *r, int suspend)
{
    const char *ref;
    og_tenant t;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &ref)) < 0 ||
        (error = og_tenant_suspend(&r->ctx, ref, suspend)) < 0 ||
        (error = og_tenant_get(&r->ctx, ref, &t)) < 0)
        return error;
    return og_http__reply(r, 200, og_tenant_to_json(&t));
}

int og_http__tenant_suspend(og_http_req *r)
{
    return tenant_set_state(r, 1);
}

int og_http__tenant_resume(og_http_req *r)
{
    return tenant_set_state(r, 0);
}

int og_http__tenant_delete(og_http_req *r)
{
    const char *ref;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &ref)) < 0 ||
        (error = og_app_tenant_delete(&r->ctx, ref)) < 0)
        return error;
    return og_http__reply(r, 204, NULL);
}

/* A list of the tenant in the path, replied as {"<key>": [...]}. */
static int scoped_list(og_http_req *r, int (*fn)(og_ctx *, const char *, json_t **),
                       const char *key)
{
    const char *tenant;
    json_t *list = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = fn(&r->ctx, tenant, &list)) < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", key, list));
}

int og_http__tenant_blockers(og_http_req *r)
{
    return scoped_list(r, og_tenant_delete_blockers, "blockers");
}

/* ---- users ---- */

/* The role in field 'role' (the library's message, prefixed with the field). */
static int role_parse(const char *s, og_role *role)
{
    int error = og_role_parse(s, role);
    if (error < 0)
        og_error_wrap("field 'role'");
    return error;
}

int og_http__user_add(og_http_req *r)
{
    static const char *const fields[] = {"name", "role", NULL};
    int error = -1;
    json_t *body = NULL;
    const char *tenant, *name, *role_s;
    og_role role;
    og_user u;

    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = og_http__field_str(body, "name", 1, &name)) < 0 ||
        (error = og_http__field_str(body, "role", 1, &role_s)) < 0 ||
        (error = og_http__check_name("name", "name", name)) < 0 ||
        (error = role_parse(role_s, &role)) < 0 ||
        (error = og_user_add(&r->ctx, tenant, name, role, &u)) < 0)
        goto cleanup;
    snprintf(r->location, sizeof(r->location), "/api/v1/tenants/%s/users/%s", tenant, u.name);
    error = og_http__reply(r, 201, og_user_to_json(&u));
cleanup:
    json_decref(body);
    return error;
}

int og_http__user_list(og_http_req *r)
{
    return scoped_list(r, og_user_list, "users");
}

/* Show, disable, enable, remove: the user's record (after the change; remove answers 204). */
static int user_change(og_http_req *r, int (*fn)(og_ctx *, const char *, const char *, og_user *),
                       int status)
{
    const char *tenant, *user;
    og_user u;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__param_ref(r, "user", &user)) < 0 ||
        (error = fn(&r->ctx, tenant, user, &u)) < 0)
        return error;
    return og_http__reply(r, status, status == 204 ? NULL : og_user_to_json(&u));
}

int og_http__user_get(og_http_req *r)
{
    return user_change(r, og_user_get, 200);
}

int og_http__user_disable(og_http_req *r)
{
    return user_change(r, og_user_disable, 200);
}

int og_http__user_enable(og_http_req *r)
{
    return user_change(r, og_user_enable, 200);
}

int og_http__user_remove(og_http_req *r)
{
    return user_change(r, og_user_remove, 204);
}

int og_http__user_role(og_http_req *r)
{
    static const char *const fields[] = {"role", NULL};
    int error = -1;
    json_t *body = NULL;
    const char *tenant, *user, *role_s;
    og_role role;
    og_user u;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__param_ref(r, "user", &user)) < 0 ||
        (error = og_http__body_object(r, 0, fields, &body)) < 0 ||
        (error = og_http__field_str(body, "role", 1, &role_s)) < 0 ||
        (error = role_parse(role_s, &role)) < 0 ||
        (error = og_user_set_role(&r->ctx, tenant, user, role, &u)) < 0)
        goto cleanup;
    error = og_http__reply(r, 200, og_user_to_json(&u));
cleanup:
    json_decref(body);
    return error;
}

/* ---- tokens ---- */

/* The listed record of token id, with the secret added; NULL when the list does not show it. */
static json_t *token_record(og_http_req *r, const char *tenant, const char *user, const char *id)
{
    json_t *list = NULL, *found = NULL;
    if (og_token_list(&r->ctx, tenant, user, &list) < 0) {
        og_error_clear();
        return NULL;
    }
    size_t i;
    json_t *t;
    json_array_foreach(list, i, t)
    {
        if (og_streq(json_string_value(json_object_get(t, "id")), id)) {
            found = json_deep_copy(t);
            break;
        }
    }
    json_decref(list);
    return found;
}

int og_http__token_create(og_http_req *r)
{
    static const char *const fields[] = {"ttl", NULL};
    int error = -1;
    json_t *body = NULL, *out = NULL;
    const char *tenant, *user, *ttl_s;
    int64_t ttl_us = 0;
    char token[OG_TOKEN_MAX] = "";
    char id[OG_ID_LEN];

    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0 ||
        (error = og_http__param_ref(r, "user", &user)) < 0 ||
        (error = og_http__body_object(r, 1, fields, &body)) < 0 ||
        (error = og_http__field_str(body, "ttl", 0, &ttl_s)) < 0)
        goto cleanup;
    if (ttl_s && (error = og_duration_parse(ttl_s, &ttl_us)) < 0) {
        og_error_wrap("field 'ttl'");
        goto cleanup;
    }
    if (ttl_s && ttl_us <= 0) {
        error = og_error_set(OG_EINVAL, "field 'ttl' must be positive, got '%.32s'", ttl_s);
        goto cleanup;
    }
    if ((error = og_token_create(&r->ctx, tenant, user, ttl_us, token, id)) < 0)
        goto cleanup;
    out = token_record(r, tenant, user, id);
    if (!out)
        out = json_pack("{s:s,s:s,s:s}", "id", id, "tenant", tenant, "user", user);
    if (!out || json_object_set_new(out, "token", json_string(token)) < 0) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    error = og_http__reply(r, 201, out);
    out = NULL;
cleanup:
    og_crypto_wipe(token, sizeof(token)); /* the secret leaves only inside the reply */
    json_decref(out);
    json_decref(body);
    return error;
}

int og_http__token_list(og_http_req *r)
{
    const char *tenant, *user = og_http__query(r, "user");
    json_t *list = NULL;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0)
        return error;
    if (user && !og_name_valid(user) && !og_id_valid(user))
        return og_error_set(OG_EINVAL, "query 'user': '%.64s' is not a valid name or id", user);
    if ((error = og_token_list(&r->ctx, tenant, user, &list)) < 0)
        return error;
    return og_http__reply(r, 200, json_pack("{s:o}", "tokens", list));
}

int og_http__token_revoke(og_http_req *r)
{
    const char *id = og_http__param(&r->match, "id");
    int error;
    if (!id || !og_id_valid(id))
        return og_error_set(OG_EINVAL, "token id '%.64s' is not a valid id", id ? id : "");
    if ((error = og_token_revoke(&r->ctx, id)) < 0)
        return error;
    return og_http__reply(r, 204, NULL);
}

/* ---- whoami ---- */

int og_http__whoami(og_http_req *r)
{
    const og_actor *a = &r->ctx.actor;
    og_tenant t;
    json_t *tenant = json_null(), *tenant_id = json_null();
    if (a->tenant_id[0]) {
        tenant_id = json_string(a->tenant_id);
        if (og_tenant_get(&r->ctx, a->tenant_id, &t) == 0)
            tenant = json_string(t.name);
        else
            og_error_clear();
    }
    return og_http__reply(r, 200,
                          json_pack("{s:s,s:s,s:s,s:o,s:o,s:s}", "user", a->user_name, "user_id",
                                    a->user_id, "role", og_role_name(a->role), "tenant", tenant,
                                    "tenant_id", tenant_id, "token_id", a->token_id));
}
