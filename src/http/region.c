/* region.c - a node serves one region (docs/ops.md "Regions"): requests for another region's
 * tenants, or with their tokens, are refused with 421 naming the region before anything else. */
#include "http/server.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <string.h>

const char *og_http__node_region(const og_http_server *srv)
{
    return srv->region[0] ? srv->region : OG_REGION_HOME;
}

/* The home database for directory lookups: the request's store on a home node, else one from
 * the home pool held by the request until it ends. */
static og_store *home_store(og_http_req *r)
{
    if (!r->srv->home_pool) {
        if (!r->store)
            r->store = og_store_pool_get(r->srv->pool);
        return r->store;
    }
    if (!r->home)
        r->home = og_store_pool_get(r->srv->home_pool);
    return r->home;
}

/* 0 when region ("" = home) is this node's; else r->misdirected and OG_EDENIED naming it. */
static int misdirect(og_http_req *r, const char *tenant, const char *region)
{
    const char *want = region && *region ? region : OG_REGION_HOME;
    const char *mine = og_http__node_region(r->srv);
    if (strcmp(want, mine) == 0)
        return 0;
    og_strlcpy(r->misdirected, want, sizeof(r->misdirected));
    if (tenant)
        return og_error_set(OG_EDENIED,
                            "tenant '%.64s' is served by the nodes of region '%s'; this node "
                            "serves region '%s'",
                            tenant, want, mine);
    return og_error_set(OG_EDENIED,
                        "this token belongs to a tenant served by the nodes of region '%s'; this "
                        "node serves region '%s'",
                        want, mine);
}

int og_http__region_auth(og_http_req *r, const char *bearer, int rc)
{
    char why[400], region[OG_REGION_NAME_MAX + 1];
    og_actor a;
    if (rc != OG_EAUTH)
        return rc;
    og_strlcpy(why, og_error_last(), sizeof(why));
    og_store *home = home_store(r);
    if (r->srv->home_pool) {
        /* Platform admins and home tenants' users have their tokens in the home database. */
        memset(&a, 0, sizeof(a));
        if (og_token_authenticate(home, bearer, &a) == 0) {
            if (og_actor_is_platform(&a)) {
                r->ctx.actor = a;
                return 0;
            }
            return misdirect(r, NULL, "");
        }
    }
    if (og_token_region_of(home, bearer, region) == 0 && (rc = misdirect(r, NULL, region)) < 0)
        return rc;
    return og_error_set(OG_EAUTH, "%s", why);
}

int og_http__region_check(og_http_req *r)
{
    char region[OG_REGION_NAME_MAX + 1];
    const char *ref = og_http__param(&r->match, "tenant");
    if (r->srv->home_pool)
        r->ctx.home = home_store(r);
    /* Tenants are made in the home database (the directory) and their region's together. */
    if (r->srv->region[0] && strcmp(r->method, "POST") == 0 &&
        strcmp(r->match.route->pattern, "/api/v1/tenants") == 0)
        return misdirect(r, NULL, "") < 0
                   ? og_error_set(OG_EDENIED,
                                  "tenants are created on the nodes of the home "
                                  "region; this node serves region '%s'",
                                  r->srv->region)
                   : 0;
    if (!ref)
        ref = og_http__query(r, "tenant");
    /* A tenant's own users authenticated in this node's database, so their tenant is here; a
     * tenant they name that is not theirs is not found, as everywhere. */
    if (!ref || !*ref || !og_actor_is_platform(&r->ctx.actor))
        return 0;
    if (og_tenant_region_of(home_store(r), ref, region) < 0) {
        og_error_clear();
        return 0;
    }
    return misdirect(r, ref, region);
}
