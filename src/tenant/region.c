/* region.c - regions: region names, the regional databases of an installation, the tenant
 * directory's region column and token_regions, and creating a tenant in a region. */
#include "opsgate/tenant.h"
#include "opsgate/audit.h"
#include "opsgate/crypto.h"
#include "opsgate/error.h"
#include "tenant/tenant_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int og_region_name_check(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    int ok = n >= 1 && n <= OG_REGION_NAME_MAX && name[0] >= 'a' && name[0] <= 'z';
    for (size_t i = 1; ok && i < n; i++)
        ok = (name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9') ||
             name[i] == '-';
    if (!ok)
        return og_error_set(OG_EINVAL,
                            "bad region name '%.40s' (1 to 32 of a-z, 0-9 and '-', starting with "
                            "a letter)",
                            name ? name : "");
    if (strcmp(name, OG_REGION_HOME) == 0)
        return og_error_set(OG_EINVAL, "region name '" OG_REGION_HOME
                                       "' is the home database's (--data): give a regional "
                                       "database another name");
    return 0;
}

int og_regions_add(og_regions *rs, const char *spec)
{
    const char *eq = spec ? strchr(spec, '=') : NULL;
    char name[OG_REGION_NAME_MAX + 2];
    int error;
    if (!eq)
        return og_error_set(OG_EINVAL, "a regional database is NAME=URL, e.g. "
                                       "eu=postgres://host/opsgate_eu");
    size_t n = (size_t)(eq - spec);
    if (n >= sizeof(name))
        n = sizeof(name) - 1; /* too long: the check below refuses it */
    memcpy(name, spec, n);
    name[n] = '\0';
    if ((error = og_region_name_check(name)) < 0)
        return error;
    if (!og_store_url_is_server(eq + 1))
        return og_error_set(OG_EINVAL,
                            "the database of region '%s' must be a PostgreSQL URL (postgres://..., "
                            "postgresql://..., libpq:...)",
                            name);
    if (strlen(eq + 1) >= OG_REGION_URL_MAX)
        return og_error_set(OG_EINVAL,
                            "the database URL of region '%s' is too long (at most %d "
                            "bytes)",
                            name, OG_REGION_URL_MAX - 1);
    if (og_regions_url(rs, name))
        return og_error_set(OG_EINVAL, "region '%s' is given twice", name);
    if (rs->n >= OG_REGIONS_MAX)
        return og_error_set(OG_EINVAL, "too many regions (at most %d)", OG_REGIONS_MAX);
    og_strlcpy(rs->r[rs->n].name, name, sizeof(rs->r[rs->n].name));
    og_strlcpy(rs->r[rs->n].url, eq + 1, sizeof(rs->r[rs->n].url));
    rs->n++;
    return 0;
}

int og_regions_add_list(og_regions *rs, const char *list)
{
    char *copy = list ? strdup(list) : NULL, *save = NULL;
    int error = 0;
    if (list && !copy)
        return og_error_set(OG_ERROR, "out of memory");
    for (char *e = copy ? strtok_r(copy, ";", &save) : NULL; e && error == 0;
         e = strtok_r(NULL, ";", &save)) {
        while (*e == ' ' || *e == '\n' || *e == '\t')
            e++;
        if (*e)
            error = og_regions_add(rs, e);
    }
    free(copy);
    return error;
}

const char *og_regions_url(const og_regions *rs, const char *name)
{
    for (int i = 0; rs && name && i < rs->n; i++)
        if (strcmp(rs->r[i].name, name) == 0)
            return rs->r[i].url;
    return NULL;
}

/* "eu, us" or "none" for the unknown-region message. */
static void region_names(const og_regions *rs, char *out, size_t size)
{
    out[0] = '\0';
    for (int i = 0; rs && i < rs->n; i++) {
        size_t used = strlen(out);
        snprintf(out + used, size - used, "%s%s", i ? ", " : "", rs->r[i].name);
    }
    if (!out[0])
        og_strlcpy(out, "none", size);
}

int og_install_region_open(const og_install_where *w, og_keyring *keys, const char *region,
                           int create, og_store **out)
{
    int error, applied = 0;
    char names[OG_REGIONS_MAX * (OG_REGION_NAME_MAX + 2) + 8];
    const char *url = og_regions_url(w ? w->regions : NULL, region);
    *out = NULL;
    if (!url) {
        region_names(w ? w->regions : NULL, names, sizeof(names));
        return og_error_set(OG_EINVAL,
                            "unknown region '%.40s': no database is given for it (regions given: "
                            "%s)",
                            region ? region : "", names);
    }
    if ((error = og_store_modules_applied(url, &applied)) < 0)
        return og_error_wrap("opening the database of region '%s'", region);
    if (applied == 0 && !create)
        return og_error_set(OG_ENOTFOUND,
                            "the database of region '%s' holds no opsgate schema yet (creating "
                            "the region's first tenant makes it)",
                            region);
    if ((error = og_store_open(out, url, applied == 0)) < 0) {
        og_error_wrap("opening the database of region '%s'", region);
        goto cleanup;
    }
    /* A new regional database gets the platform data key of its own platform chain (records of
     * the region's nodes that name no tenant, such as throttled authentications). */
    if (applied == 0 && !og_crypto_scope_key_exists(*out, NULL) &&
        (error = og_crypto_scope_key_create(keys, *out, NULL)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    if (error < 0) {
        og_store_close(*out);
        *out = NULL;
    }
    return error;
}

int og_tenant_region_of(og_store *home, const char *name_or_id,
                        char region_out[OG_REGION_NAME_MAX + 1])
{
    og_tenant t;
    int error = og_tenant__find(home, name_or_id, &t);
    region_out[0] = '\0';
    if (error < 0)
        return error;
    og_strlcpy(region_out, t.region, OG_REGION_NAME_MAX + 1);
    return 0;
}

int og_token_region_of(og_store *home, const char *bearer, char region_out[OG_REGION_NAME_MAX + 1])
{
    char id[OG_ID_LEN];
    og_stmt *st = NULL;
    int error;
    region_out[0] = '\0';
    if (!bearer)
        return og_error_set(OG_ENOTFOUND, "no token");
    /* "og_<36-char id>_<secret>" or the id alone */
    og_strlcpy(id, strncmp(bearer, "og_", 3) == 0 ? bearer + 3 : bearer, sizeof(id));
    if (!og_id_valid(id))
        return og_error_set(OG_ENOTFOUND, "not a token of a regional tenant");
    if ((error = og_stmt_prepare_args(&st, home,
                                      "SELECT t.region FROM token_regions r"
                                      " JOIN tenants t ON t.id = r.tenant_id"
                                      " WHERE r.token_id = ? AND t.region IS NOT NULL",
                                      "t", id)) < 0)
        return error;
    if ((error = og_tenant__row(st, "token of a regional tenant", id)) == 0)
        og_strlcpy(region_out, og_stmt_col_text(st, 0), OG_REGION_NAME_MAX + 1);
    og_stmt_free(st);
    return error;
}

/* The tenant's own row and data key in its regional database, in one transaction. */
static int region_rows(og_ctx *ctx, og_store *rs, const og_tenant *t)
{
    int error;
    if ((error = og_store_tx_begin(rs)) < 0)
        return error;
    error = og_store_run(rs,
                         "INSERT INTO tenants (id, name, state, created_at, region)"
                         " VALUES (?, ?, 'active', ?, ?)",
                         "tttt", t->id, t->name, t->created_at, t->region);
    if (error == OG_EEXISTS)
        og_error_set(OG_EEXISTS, "the database of region '%s' already holds a tenant '%s'",
                     t->region, t->name);
    if (error >= 0)
        error = og_crypto_scope_key_create(ctx->keys, rs, t->id);
    /* The region's own platform chain records the tenant too, which opens the tenant's chain
     * there (audit.chain.open naming this record). */
    if (error >= 0) {
        og_ctx rctx = *ctx;
        rctx.store = rs;
        rctx.home = NULL;
        error = og_tenant__audit(&rctx, NULL, "tenant.create", "tenant", t->id,
                                 json_pack("{s:s, s:s}", "name", t->name, "region", t->region));
    }
    return og_store_tx_end(rs, error);
}

int og_tenant_create_in(og_ctx *ctx, og_store *region_store, const char *name, const char *region,
                        og_tenant *out)
{
    int error = -1;
    og_tenant t, existing;
    char why[600];
    if (!region || !*region)
        return og_tenant_create(ctx, name, out);
    if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
        return error;
    if ((error = og_region_name_check(region)) < 0)
        return error;
    if (!region_store || region_store == ctx->store)
        return og_error_set(OG_EINVAL, "region '%s' needs its own database", region);
    if ((error = og_name_check("tenant name", name, 63)) < 0)
        return error;
    if (!og_name_valid(name))
        return og_error_set(OG_EINVAL,
                            "bad tenant name '%s' (1 to 63 of a-z, 0-9, '.', '_', '-', starting "
                            "with a letter or digit)",
                            name);
    /* The directory decides whether the name is free, before the region is touched. */
    if ((error = og_tenant__find(ctx->store, name, &existing)) == 0)
        return og_error_set(OG_EEXISTS, "tenant '%s' already exists", name);
    if (error != OG_ENOTFOUND)
        return error;
    og_error_clear();
    memset(&t, 0, sizeof(t));
    og_id_new(t.id);
    og_strlcpy(t.name, name, sizeof(t.name));
    og_strlcpy(t.state, "active", sizeof(t.state));
    og_strlcpy(t.region, region, sizeof(t.region));
    og_time_format(og_time_now_us(), t.created_at);

    /* The region's rows first, in their own transaction (no lock of the home is held while the
     * region's database works), then the directory row and its platform record at home. */
    if ((error = region_rows(ctx, region_store, &t)) < 0)
        return error;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto undo;
    error = og_store_run(ctx->store,
                         "INSERT INTO tenants (id, name, state, created_at, region)"
                         " VALUES (?, ?, 'active', ?, ?)",
                         "tttt", t.id, t.name, t.created_at, t.region);
    if (error == OG_EEXISTS)
        og_error_set(OG_EEXISTS, "tenant '%s' already exists", name);
    if (error >= 0)
        error = og_tenant__audit(ctx, NULL, "tenant.create", "tenant", t.id,
                                 json_pack("{s:s, s:s, s:s}", "name", t.name, "region", t.region,
                                           OG_AUDIT_CHAIN_REGION, t.region));
    if ((error = og_store_tx_end(ctx->store, error)) < 0)
        goto undo;
    if (out)
        *out = t;
    return 0;
undo:
    /* The home refused: the tenant must not stay in the region (crypto-shredded and removed
     * there, audited as tenant.delete in the region's platform chain). */
    og_strlcpy(why, og_error_last(), sizeof(why));
    {
        og_ctx rctx = *ctx;
        rctx.store = region_store;
        rctx.home = NULL;
        if (og_tenant_delete(&rctx, t.id) < 0)
            return og_error_set(error, "%s (and tenant '%s' remains in region '%s': %s)", why, name,
                                region, og_error_last());
    }
    return og_error_set(error, "%s", why);
}

int og_tenant_directory_delete(og_ctx *ctx, const og_tenant *t)
{
    int error;
    if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
        return error;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        return error;
    error = og_store_run(ctx->store, "DELETE FROM token_regions WHERE tenant_id = ?", "t", t->id);
    if (error >= 0)
        error = og_store_run(ctx->store, "DELETE FROM tenants WHERE id = ? AND region IS NOT NULL",
                             "t", t->id);
    if (error >= 0)
        error = og_tenant__audit(
            ctx, NULL, "tenant.delete", "tenant", t->id,
            json_pack("{s:s, s:s, s:s}", "name", t->name, "region", t->region, "key", "destroyed"));
    error = og_store_tx_end(ctx->store, error);
    return error < 0 ? error : 0;
}

/* The region's tenants made before cutoff that the home's directory does not know; each as
 * "id\tname" into *out (caller decrefs). */
static int region_orphans(og_store *home, og_store *rs, const char *cutoff, json_t **out)
{
    og_stmt *st = NULL;
    og_tenant t;
    int error, rc, n = 0;
    json_t *list = json_array();
    *out = NULL;
    if (!list)
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = og_stmt_prepare_args(&st, rs,
                                      "SELECT id, name FROM tenants WHERE created_at < ?"
                                      " ORDER BY created_at, id",
                                      "t", cutoff)) < 0)
        goto cleanup;
    while ((rc = og_stmt_step(st)) == OG_ROW && n++ < 10000) {
        const char *id = og_stmt_col_text(st, 0), *name = og_stmt_col_text(st, 1);
        if ((error = og_tenant__find(home, id, &t)) == 0)
            continue;
        if (error != OG_ENOTFOUND)
            goto cleanup;
        og_error_clear();
        json_array_append_new(list, json_pack("[s, s]", id, name ? name : ""));
    }
    error = rc < 0 ? rc : 0;
cleanup:
    og_stmt_free(st);
    if (error < 0)
        json_decref(list);
    else
        *out = list;
    return error;
}

int og_tenant_region_repair(og_ctx *ctx, og_store *region_store, const char *region, int *removed)
{
    int error, n = 0;
    json_t *orphans = NULL, *o, *recs = NULL;
    size_t i;
    char cutoff[OG_TIME_LEN];
    og_ctx rctx;
    if (removed)
        *removed = 0;
    if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
        return error;
    if (!region_store || region_store == ctx->store)
        return og_error_set(OG_EINVAL, "region '%s' needs its own database", region);
    og_time_format(og_time_now_us() - (int64_t)OG_REGION_CREATE_GRACE_S * 1000000, cutoff);
    if ((error = region_orphans(ctx->store, region_store, cutoff, &orphans)) < 0)
        return error;
    rctx = *ctx;
    rctx.store = region_store;
    rctx.home = NULL;
    /* Every one is checked before any is removed: one that was used stops the repair with
     * nothing changed. */
    json_array_foreach(orphans, i, o)
    {
        const char *id = json_string_value(json_array_get(o, 0));
        const char *name = json_string_value(json_array_get(o, 1));
        int64_t next = 0;
        json_decref(recs);
        recs = NULL;
        /* Never served (no node knew it): its chain holds its opening record and nothing else. */
        if ((error = og_audit_list(&rctx, id, 0, 2, NULL, NULL, &recs, &next)) < 0)
            goto cleanup;
        if (json_array_size(recs) > 1) {
            error = og_error_set(OG_ECONFLICT,
                                 "region '%s' holds tenant '%s' (%s), which the home's directory "
                                 "does not know, and its audit chain shows it was used: is this "
                                 "the region's home database? Nothing was changed",
                                 region, name, id);
            goto cleanup;
        }
    }
    json_array_foreach(orphans, i, o)
    {
        const char *id = json_string_value(json_array_get(o, 0));
        const char *name = json_string_value(json_array_get(o, 1));
        if ((error = og_tenant_delete(&rctx, id)) < 0) {
            og_error_wrap("removing tenant '%s' of an interrupted create from region '%s'", name,
                          region);
            goto cleanup;
        }
        n++;
    }
    error = 0;
cleanup:
    json_decref(recs);
    json_decref(orphans);
    if (removed)
        *removed = n;
    return error;
}
