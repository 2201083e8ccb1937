/* policy.c - the tenant's certificate policy: expiry thresholds and the trusted CA bundle. */
#include "certs/certs_internal.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"

#include <ctype.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int default_thresholds[] = {30, 14, 7, 1};

static void policy_defaults(og_certs_policy *p)
{
    memset(p, 0, sizeof(*p));
    /* scaled by default (issue 26); a tenant's stored 0 is its choice of fixed days */
    p->lifetime_share = OG_CERTS_SHARE_ON;
    p->nthresholds = 4;
    memcpy(p->thresholds, default_thresholds, sizeof(default_thresholds));
}

int og_certs_thresholds_parse(const char *s, og_certs_policy *p)
{
    int vals[OG_CERTS_MAX_THRESHOLDS];
    int n = 0;
    const char *c = s;
    if (!s || !*s)
        return og_error_set(OG_EINVAL, "empty threshold list");
    while (*c) {
        char *end = NULL;
        long v = strtol(c, &end, 10);
        if (end == c || v < 1 || v > 3650 || (*end && *end != ',' && *end != 'd'))
            return og_error_set(OG_EINVAL,
                                "bad thresholds '%s' (days from 1 to 3650, comma-separated: "
                                "30,14,7,1)",
                                s);
        if (*end == 'd')
            end++;
        if (*end && *end != ',')
            return og_error_set(OG_EINVAL, "bad thresholds '%s'", s);
        int dup = 0;
        for (int i = 0; i < n; i++)
            dup |= vals[i] == (int)v;
        if (!dup) {
            if (n == OG_CERTS_MAX_THRESHOLDS)
                return og_error_set(OG_EINVAL, "thresholds '%s': at most %d", s,
                                    OG_CERTS_MAX_THRESHOLDS);
            vals[n++] = (int)v;
        }
        c = *end ? end + 1 : end;
    }
    /* descending */
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (vals[j] > vals[i]) {
                int t = vals[i];
                vals[i] = vals[j];
                vals[j] = t;
            }
    memcpy(p->thresholds, vals, (size_t)n * sizeof(int));
    p->nthresholds = n;
    return 0;
}

static void thresholds_text(const og_certs_policy *p, char *out, size_t size)
{
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < p->nthresholds && o < size; i++)
        o += (size_t)snprintf(out + o, size - o, "%s%d", i ? "," : "", p->thresholds[i]);
}

int og_certs__policy_load(og_store *s, const char *tenant_id, og_certs_policy *out)
{
    og_stmt *st = NULL;
    int error, rc;
    policy_defaults(out);
    if ((error = og_stmt_prepare(&st, s,
                                 "SELECT thresholds, ca_bundle, ca_bundle_only, lifetime_share FROM"
                                 " cert_policies"
                                 " WHERE tenant_id = ?")) < 0)
        return error;
    og_stmt_bind_text(st, 1, tenant_id);
    rc = og_stmt_step(st);
    error = rc < 0 ? rc : 0;
    if (rc == OG_ROW) {
        og_certs_policy tmp;
        memset(&tmp, 0, sizeof(tmp));
        if (og_certs_thresholds_parse(og_stmt_col_text(st, 0), &tmp) == 0) {
            out->nthresholds = tmp.nthresholds;
            memcpy(out->thresholds, tmp.thresholds, sizeof(tmp.thresholds));
        }
        const char *b = og_stmt_col_text(st, 1);
        if (b && !(out->ca_bundle_pem = strdup(b)))
            error = og_error_set(OG_ERROR, "out of memory");
        out->bundle_only = b && og_stmt_col_int(st, 2) != 0;
        out->lifetime_share = og_stmt_col_int(st, 3) ? OG_CERTS_SHARE_ON : OG_CERTS_SHARE_OFF;
    }
    og_stmt_free(st);
    return error;
}

int og_certs_policy_get(og_ctx *ctx, const char *tenant, og_certs_policy *out)
{
    og_tenant t;
    int error;
    policy_defaults(out);
    if ((error = og_certs__tenant(ctx, tenant, OG_PERM_READ, &t)) < 0)
        return error;
    return og_certs__policy_load(ctx->store, t.id, out);
}

void og_certs_policy_clear(og_certs_policy *p)
{
    if (!p)
        return;
    free(p->ca_bundle_pem);
    p->ca_bundle_pem = NULL;
}

json_t *og_certs_policy_to_json(const og_certs_policy *p)
{
    json_t *th = json_array();
    for (int i = 0; i < p->nthresholds; i++)
        json_array_append_new(th, json_integer(p->thresholds[i]));
    int ncas = 0;
    if (p->ca_bundle_pem)
        for (const char *c = p->ca_bundle_pem; (c = strstr(c, "-----BEGIN CERTIFICATE-----")); c++)
            ncas++;
    return json_pack("{s:o, s:s, s:i, s:b}", "thresholds_days", th, "trust",
                     !p->ca_bundle_pem ? "system"
                     : p->bundle_only  ? "tenant-bundle-only"
                                       : "system+tenant-bundle",
                     "bundle_certificates", ncas, "lifetime_share",
                     p->lifetime_share == OG_CERTS_SHARE_ON);
}

int og_certs__trust_from_policy(og_certs_trust **out, const og_certs_policy *p)
{
    return og_certs__trust_new(out, p->ca_bundle_pem, p->bundle_only);
}

int og_certs_policy_set(og_ctx *ctx, const char *tenant, const og_certs_policy *p, int set_bundle)
{
    int error = -1;
    og_tenant t;
    og_certs_policy cur;
    og_certs_trust *trust = NULL;
    og_stmt *st = NULL;
    json_t *analysis = NULL;
    char th[128];
    memset(&cur, 0, sizeof(cur));
    if ((error = og_certs__tenant(ctx, tenant, OG_PERM_WRITE, &t)) < 0)
        return error;
    if (set_bundle && p->ca_bundle_pem &&
        (error = og_certs__trust_new(&trust, p->ca_bundle_pem, p->bundle_only)) < 0)
        return error;
    if ((error = og_store_tx_begin(ctx->store)) < 0)
        goto cleanup_notx;
    if ((error = og_certs__policy_load(ctx->store, t.id, &cur)) < 0)
        goto cleanup;
    if (p->nthresholds > 0) {
        cur.nthresholds = p->nthresholds;
        memcpy(cur.thresholds, p->thresholds, sizeof(cur.thresholds));
    }
    if (p->lifetime_share == OG_CERTS_SHARE_ON || p->lifetime_share == OG_CERTS_SHARE_OFF)
        cur.lifetime_share = p->lifetime_share;
    if (set_bundle) {
        free(cur.ca_bundle_pem);
        cur.ca_bundle_pem = NULL;
        cur.bundle_only = p->ca_bundle_pem && p->bundle_only;
        if (p->ca_bundle_pem && !(cur.ca_bundle_pem = strdup(p->ca_bundle_pem))) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
    }
    thresholds_text(&cur, th, sizeof(th));
    char now[OG_TIME_LEN];
    og_time_format(og_time_now_us(), now);
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "INSERT INTO cert_policies (tenant_id, thresholds, ca_bundle,"
                                 " ca_bundle_only, updated_at, lifetime_share) VALUES (?, ?, ?,"
                                 " ?, ?, ?) ON CONFLICT (tenant_id) DO UPDATE SET thresholds ="
                                 " excluded.thresholds, ca_bundle = excluded.ca_bundle,"
                                 " ca_bundle_only = excluded.ca_bundle_only,"
                                 " updated_at = excluded.updated_at,"
                                 " lifetime_share = excluded.lifetime_share")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, t.id);
    og_stmt_bind_text(st, 2, th);
    og_stmt_bind_text(st, 3, cur.ca_bundle_pem);
    og_stmt_bind_int(st, 4, cur.bundle_only);
    og_stmt_bind_text(st, 5, now);
    og_stmt_bind_int(st, 6, cur.lifetime_share == OG_CERTS_SHARE_ON);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    analysis = og_certs_policy_to_json(&cur);
    if ((error = og_audit_log(ctx, t.id, "certs", "certs.policy.set", "tenant", t.id, analysis)) <
        0)
        goto cleanup;
    error = 0;
cleanup:
    error = og_store_tx_end(ctx->store, error);
cleanup_notx:
    og_certs__trust_free(trust);
    og_certs_policy_clear(&cur);
    og_stmt_free(st);
    json_decref(analysis);
    return error;
}
