/* verify_region.c - audit verify of a region's database (docs/ops.md "Regions"): every chain
 * there, and the home's platform records that place tenants in the region against the region's
 * own platform chain, both ways. */
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "audit/audit_internal.h"

#include <string.h>

/* The platform chain's tenant.create records of s, in order: seq, target_id, analysis. */
static const char *const CREATES = "SELECT seq, target_id, analysis FROM audit_record"
                                   " WHERE chain = 'platform' AND action = 'tenant.create'"
                                   " ORDER BY seq";
/* A later tenant.delete of the tenant in the same platform chain. */
static const char *const DELETED = "SELECT 1 FROM audit_record WHERE chain = 'platform' AND action"
                                   " = 'tenant.delete' AND target_id = ? AND seq > ? LIMIT 1";
/* The tenant.create of a tenant in s's platform chain: its seq and analysis. */
static const char *const CREATE_OF = "SELECT seq, analysis FROM audit_record WHERE chain ="
                                     " 'platform' AND action = 'tenant.create' AND target_id = ?"
                                     " ORDER BY seq DESC LIMIT 1";

/* 1 when a later tenant.delete of tid follows seq in s's platform chain, 0 if not, or the error. */
static int deleted_after(og_store *s, const char *tid, int64_t seq)
{
    return og_store_run(s, DELETED, "ti", tid, (int64_t)seq);
}

/* The analysis member `key` of the JSON text an (a string), copied into out ("" when none). */
static void member(const char *an, const char *key, char *out, size_t size)
{
    json_t *a = an ? json_loads(an, 0, NULL) : NULL;
    const char *v = json_string_value(json_object_get(a, key));
    snprintf(out, size, "%s", v ? v : "");
    json_decref(a);
}

/* The placements of tenants in region, checked from one side: from the home (every tenant the
 * home places in region - tenant.create with chain_region, not deleted since - is created in the
 * region's platform chain under the same name) or from the region (every tenant the region's
 * platform chain creates, not deleted since, is placed in region by the home: a tenant the home
 * does not know is one no node serves). */
static int placements(og_store *from, og_store *to, const char *region, int from_home,
                      og_audit_verify_result *res)
{
    og_stmt *st = NULL, *other = NULL;
    int error, rc;
    char where[64], name[128], rname[128];
    if ((error = og_stmt_prepare(&st, from, CREATES)) < 0 ||
        (error = og_stmt_prepare(&other, to, CREATE_OF)) < 0)
        goto cleanup;
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        int64_t seq = og_stmt_col_int(st, 0);
        const char *tid = og_stmt_col_text(st, 1);
        member(og_stmt_col_text(st, 2), OG_AUDIT_CHAIN_REGION, where, sizeof(where));
        if (!tid || (from_home && strcmp(where, region) != 0))
            continue;
        if ((rc = deleted_after(from, tid, seq)) != 0) {
            if (rc < 0) {
                error = rc;
                goto cleanup;
            }
            continue;
        }
        member(og_stmt_col_text(st, 2), "name", name, sizeof(name));
        og_stmt_reset(other);
        og_stmt_bind_text(other, 1, tid);
        if ((rc = og_stmt_step(other)) < 0) {
            error = rc;
            goto cleanup;
        }
        rname[0] = where[0] = '\0';
        if (rc == OG_ROW) {
            member(og_stmt_col_text(other, 1), "name", rname, sizeof(rname));
            member(og_stmt_col_text(other, 1), OG_AUDIT_CHAIN_REGION, where, sizeof(where));
        }
        if (from_home && (rc != OG_ROW || strcmp(name, rname) != 0)) {
            error = og_audit__problem(res, "platform", seq,
                                      "the home's platform chain places tenant '%s' (%s) in "
                                      "region '%s' at seq %lld, but the region's platform chain "
                                      "%s",
                                      name, tid, region, (long long)seq,
                                      rc == OG_ROW ? "records it under another name"
                                                   : "does not record its creation");
            goto cleanup;
        }
        if (!from_home && strcmp(where, region) != 0) {
            error = og_audit__problem(res, "platform", seq,
                                      "region '%s' records the creation of tenant '%s' (%s) at "
                                      "seq %lld of its platform chain, but the home's platform "
                                      "chain does not place it there (a create interrupted "
                                      "between its two commits?)",
                                      region, name, tid, (long long)seq);
            goto cleanup;
        }
    }
    error = rc < 0 ? rc : 0;
cleanup:
    og_stmt_free(st);
    og_stmt_free(other);
    return error;
}

int og_audit_verify_region(og_ctx *ctx, og_store *region_store, const char *region,
                           og_audit_verify_result *res)
{
    int error;
    og_ctx rctx;
    if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
        return error;
    if (!region_store || !region || !*region)
        return og_error_set(OG_EINVAL, "verifying a region needs its name and database");
    og_store *home = ctx->home ? ctx->home : ctx->store;
    if (region_store == home)
        return og_error_set(OG_EINVAL, "region '%s' needs its own database", region);
    rctx = *ctx;
    rctx.store = region_store;
    rctx.home = home;
    if ((error = og_audit_verify(&rctx, NULL, res)) < 0)
        return error;
    /* A problem is reported against the chain it was found in: the home's, then the region's. */
    og_ctx hctx = *ctx;
    hctx.store = home;
    hctx.home = NULL;
    if ((error = placements(home, region_store, region, 1, res)) < 0)
        return error == OG_ECORRUPT ? og_audit__verify_report(&hctx, res) : error;
    if ((error = placements(region_store, home, region, 0, res)) < 0)
        return error == OG_ECORRUPT ? og_audit__verify_report(&rctx, res) : error;
    return 0;
}
