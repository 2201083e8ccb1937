/* inventory.c - the tenant's certificate inventory: batched writes of certificates and sightings,
 * list and show with computed findings, and the expiry/trust policy. */
#include "certs/certs_internal.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"

#include <ctype.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int og_certs__tenant(og_ctx *ctx, const char *tenant, og_perm perm, og_tenant *out)
{
    int error;
    if (!tenant || !*tenant)
        return og_error_set(OG_EINVAL, "missing tenant");
    if ((error = og_tenant_get(ctx, tenant, out)) < 0)
        return error;
    if ((error = og_authz_check(&ctx->actor, out->id, perm)) < 0) {
        if (error == OG_ENOTFOUND)
            return og_error_set(OG_ENOTFOUND, "tenant '%s' not found", tenant);
        return og_error_set(error, "%s may not %s certificates of tenant '%s'",
                            ctx->actor.user_name[0] ? ctx->actor.user_name : "this actor",
                            perm == OG_PERM_READ ? "read" : "change", tenant);
    }
    return 0;
}

/* ---- batch ---- */

typedef struct batch_cert {
    char fp[65];
    uint8_t *der;
    size_t len;
    og_cert_info ci;
    int has_info;
} batch_cert;

typedef struct batch_sighting {
    char fp[65];
    char kind[12];
    char *location, *sni, *chain, *detail;
    unsigned findings;
} batch_sighting;

struct og_certs_batch {
    batch_cert *certs;
    size_t ncerts, acerts;
    uint32_t *index; /* open addressing: 1 + position in certs, 0 = empty */
    size_t nindex;   /* power of two */
    batch_sighting *sightings;
    size_t nsightings, asightings;
};

og_certs_batch *og_certs__batch_new(void)
{
    return calloc(1, sizeof(og_certs_batch));
}

void og_certs__batch_free(og_certs_batch *b)
{
    if (!b)
        return;
    for (size_t i = 0; i < b->ncerts; i++) {
        free(b->certs[i].der);
        og_cert_info_clear(&b->certs[i].ci);
    }
    for (size_t i = 0; i < b->nsightings; i++) {
        free(b->sightings[i].location);
        free(b->sightings[i].sni);
        free(b->sightings[i].chain);
        free(b->sightings[i].detail);
    }
    free(b->certs);
    free(b->index);
    free(b->sightings);
    free(b);
}

size_t og_certs__batch_ncerts(const og_certs_batch *b)
{
    return b->ncerts;
}

static uint32_t fp_hash(const char *fp)
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 16 && fp[i]; i++)
        h = (h ^ (uint8_t)fp[i]) * 16777619u;
    return h;
}

static int index_rebuild(og_certs_batch *b, size_t n)
{
    uint32_t *idx = calloc(n, sizeof(*idx));
    if (!idx)
        return og_error_set(OG_ERROR, "out of memory");
    for (size_t i = 0; i < b->ncerts; i++) {
        size_t h = fp_hash(b->certs[i].fp) & (n - 1);
        while (idx[h])
            h = (h + 1) & (n - 1);
        idx[h] = (uint32_t)(i + 1);
    }
    free(b->index);
    b->index = idx;
    b->nindex = n;
    return 0;
}

int og_certs__batch_add_cert(og_certs_batch *b, const void *der, size_t len, og_cert_info *ci,
                             char *fp_out)
{
    int error;
    og_cert_info local;
    int parsed_here = 0;
    if (!ci) {
        if ((error = og_certs_parse_der(&local, der, len)) < 0)
            return error;
        ci = &local;
        parsed_here = 1;
    }
    if (fp_out)
        memcpy(fp_out, ci->fingerprint, 65);
    if (b->nindex == 0 || (b->ncerts + 1) * 2 > b->nindex) {
        if ((error = index_rebuild(b, b->nindex ? b->nindex * 2 : 64)) < 0)
            goto cleanup;
    }
    size_t h = fp_hash(ci->fingerprint) & (b->nindex - 1);
    while (b->index[h]) {
        if (strcmp(b->certs[b->index[h] - 1].fp, ci->fingerprint) == 0) {
            error = 0; /* already there */
            goto cleanup;
        }
        h = (h + 1) & (b->nindex - 1);
    }
    if (b->ncerts == b->acerts) {
        size_t n = b->acerts ? b->acerts * 2 : 16;
        batch_cert *nc = realloc(b->certs, n * sizeof(*nc));
        if (!nc) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
        b->certs = nc;
        b->acerts = n;
    }
    batch_cert *c = &b->certs[b->ncerts];
    memset(c, 0, sizeof(*c));
    if (!(c->der = malloc(len))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    memcpy(c->der, der, len);
    c->len = len;
    memcpy(c->fp, ci->fingerprint, 65);
    c->ci = *ci; /* take over the owned members */
    memset(ci, 0, sizeof(*ci));
    c->has_info = 1;
    b->index[h] = (uint32_t)(++b->ncerts);
    error = 0;
cleanup:
    if (parsed_here)
        og_cert_info_clear(&local);
    return error;
}

const og_cert_info *og_certs__batch_get(const og_certs_batch *b, const char *fp)
{
    if (b->nindex == 0)
        return NULL;
    size_t h = fp_hash(fp) & (b->nindex - 1);
    while (b->index[h]) {
        const batch_cert *c = &b->certs[b->index[h] - 1];
        if (strcmp(c->fp, fp) == 0)
            return &c->ci;
        h = (h + 1) & (b->nindex - 1);
    }
    return NULL;
}

static char *dup_or_empty(const char *s)
{
    return strdup(s ? s : "");
}

int og_certs__batch_add_sighting(og_certs_batch *b, const char *fp, const char *kind,
                                 const char *location, const char *sni, unsigned findings,
                                 const char *chain_json, const char *detail)
{
    if (b->nsightings == b->asightings) {
        size_t n = b->asightings ? b->asightings * 2 : 64;
        batch_sighting *ns = realloc(b->sightings, n * sizeof(*ns));
        if (!ns)
            return og_error_set(OG_ERROR, "out of memory");
        b->sightings = ns;
        b->asightings = n;
    }
    batch_sighting *s = &b->sightings[b->nsightings];
    memset(s, 0, sizeof(*s));
    og_strlcpy(s->fp, fp, sizeof(s->fp));
    og_strlcpy(s->kind, kind, sizeof(s->kind));
    s->location = dup_or_empty(location);
    s->sni = dup_or_empty(sni);
    s->chain = chain_json ? strdup(chain_json) : NULL;
    s->detail = detail && *detail ? strdup(detail) : NULL;
    s->findings = findings;
    if (!s->location || !s->sni) {
        free(s->location);
        free(s->sni);
        free(s->chain);
        free(s->detail);
        return og_error_set(OG_ERROR, "out of memory");
    }
    b->nsightings++;
    return 0;
}

int og_certs__batch_write(og_ctx *ctx, const char *tenant_id, og_certs_batch *b, int64_t now_us,
                          uint64_t *certs_new)
{
    int error = -1;
    og_stmt *sel = NULL, *ins = NULL, *upd = NULL, *sig = NULL;
    char *info = NULL;
    uint64_t nnew = 0;
    if ((error = og_stmt_prepare(&sel, ctx->store,
                                 "SELECT 1 FROM certs WHERE tenant_id = ? AND fingerprint = ?")) <
            0 ||
        (error = og_stmt_prepare(
             &ins, ctx->store,
             "INSERT INTO certs (tenant_id, fingerprint, subject, issuer, serial, not_before_us,"
             " not_after_us, key_type, key_bits, sig_alg, is_ca, findings, info, der,"
             " first_seen_us, last_seen_us) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")) < 0 ||
        (error = og_stmt_prepare(&upd, ctx->store,
                                 "UPDATE certs SET last_seen_us = ? WHERE tenant_id = ? AND"
                                 " fingerprint = ?")) < 0 ||
        (error = og_stmt_prepare(
             &sig, ctx->store,
             "INSERT INTO cert_sightings (tenant_id, fingerprint, kind, location, sni, findings,"
             " chain, detail, first_seen_us, last_seen_us) VALUES (?,?,?,?,?,?,?,?,?,?)"
             " ON CONFLICT (tenant_id, fingerprint, kind, location, sni) DO UPDATE SET"
             " findings = excluded.findings, chain = excluded.chain, detail = excluded.detail,"
             " last_seen_us = excluded.last_seen_us")) < 0)
        goto cleanup;
    for (size_t i = 0; i < b->ncerts; i++) {
        batch_cert *c = &b->certs[i];
        og_stmt_reset(sel);
        og_stmt_bind_text(sel, 1, tenant_id);
        og_stmt_bind_text(sel, 2, c->fp);
        int rc = og_stmt_step(sel);
        if (rc < 0) {
            error = rc;
            goto cleanup;
        }
        if (rc == OG_ROW) {
            og_stmt_reset(upd);
            og_stmt_bind_int(upd, 1, now_us);
            og_stmt_bind_text(upd, 2, tenant_id);
            og_stmt_bind_text(upd, 3, c->fp);
            if ((error = og_stmt_step(upd)) < 0)
                goto cleanup;
            continue;
        }
        json_t *j = og_cert_info_to_json(&c->ci);
        free(info);
        info = j ? json_dumps(j, JSON_COMPACT) : NULL;
        json_decref(j);
        if (!info) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
        og_stmt_reset(ins);
        og_stmt_bind_text(ins, 1, tenant_id);
        og_stmt_bind_text(ins, 2, c->fp);
        og_stmt_bind_text(ins, 3, c->ci.subject);
        og_stmt_bind_text(ins, 4, c->ci.issuer);
        og_stmt_bind_text(ins, 5, c->ci.serial);
        og_stmt_bind_int(ins, 6, c->ci.not_before_us);
        og_stmt_bind_int(ins, 7, c->ci.not_after_us);
        og_stmt_bind_text(ins, 8, c->ci.key_type);
        og_stmt_bind_int(ins, 9, c->ci.key_bits);
        og_stmt_bind_text(ins, 10, c->ci.sig_alg);
        og_stmt_bind_int(ins, 11, c->ci.is_ca);
        og_stmt_bind_int(ins, 12, c->ci.findings);
        og_stmt_bind_text(ins, 13, info);
        og_stmt_bind_blob(ins, 14, c->der, c->len);
        og_stmt_bind_int(ins, 15, now_us);
        og_stmt_bind_int(ins, 16, now_us);
        if ((error = og_stmt_step(ins)) < 0)
            goto cleanup;
        nnew++;
    }
    for (size_t i = 0; i < b->nsightings; i++) {
        batch_sighting *s = &b->sightings[i];
        og_stmt_reset(sig);
        og_stmt_bind_text(sig, 1, tenant_id);
        og_stmt_bind_text(sig, 2, s->fp);
        og_stmt_bind_text(sig, 3, s->kind);
        og_stmt_bind_text(sig, 4, s->location);
        og_stmt_bind_text(sig, 5, s->sni);
        og_stmt_bind_int(sig, 6, s->findings);
        og_stmt_bind_text(sig, 7, s->chain);
        og_stmt_bind_text(sig, 8, s->detail);
        og_stmt_bind_int(sig, 9, now_us);
        og_stmt_bind_int(sig, 10, now_us);
        if ((error = og_stmt_step(sig)) < 0)
            goto cleanup;
    }
    if (certs_new)
        *certs_new = nnew;
    error = 0;
cleanup:
    free(info);
    og_stmt_free(sel);
    og_stmt_free(ins);
    og_stmt_free(upd);
    og_stmt_free(sig);
    return error;
}

int og_certs__trust_load_inventory(og_ctx *ctx, const char *tenant_id, og_certs_trust *t)
{
    int error = -1, rc;
    og_stmt *st = NULL;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT der FROM certs WHERE tenant_id = ? AND is_ca = 1"
                                 " LIMIT 10000")) < 0)
        return error;
    og_stmt_bind_text(st, 1, tenant_id);
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        size_t len = 0;
        const unsigned char *p = og_stmt_col_blob(st, 0, &len);
        X509 *x = p ? d2i_X509(NULL, &p, (long)len) : NULL;
        if (!x)
            continue;
        if (!(X509_get_extension_flags(x) & EXFLAG_SS))
            og_certs__trust_add_helper(t, x);
        X509_free(x);
    }
    error = rc < 0 ? rc : 0;
    og_stmt_free(st);
    return error;
}

/* ---- policy ---- */

static const int default_thresholds[] = {30, 14, 7, 1};

static void policy_defaults(og_certs_policy *p)
{
    memset(p, 0, sizeof(*p));
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
                                 "SELECT thresholds, ca_bundle, ca_bundle_only FROM cert_policies"
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
    return json_pack("{s:o, s:s, s:i}", "thresholds_days", th, "trust",
                     !p->ca_bundle_pem ? "system"
                     : p->bundle_only  ? "tenant-bundle-only"
                                       : "system+tenant-bundle",
                     "bundle_certificates", ncas);
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
                                 " ca_bundle_only, updated_at) VALUES (?, ?, ?, ?, ?)"
                                 " ON CONFLICT (tenant_id) DO UPDATE SET thresholds ="
                                 " excluded.thresholds, ca_bundle = excluded.ca_bundle,"
                                 " ca_bundle_only = excluded.ca_bundle_only,"
                                 " updated_at = excluded.updated_at")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, t.id);
    og_stmt_bind_text(st, 2, th);
    og_stmt_bind_text(st, 3, cur.ca_bundle_pem);
    og_stmt_bind_int(st, 4, cur.bundle_only);
    og_stmt_bind_text(st, 5, now);
    if ((error = og_stmt_step(st)) < 0)
        goto cleanup;
    analysis = og_certs_policy_to_json(&cur);
    if ((error = og_audit_log(ctx, t.id, "certs", "certs.policy.set", "tenant", t.id, analysis)) <
        0)
        goto cleanup;
    if ((error = og_store_tx_commit(ctx->store)) < 0)
        goto cleanup;
    error = 0;
cleanup:
    if (error < 0)
        og_store_tx_rollback(ctx->store);
cleanup_notx:
    og_certs__trust_free(trust);
    og_certs_policy_clear(&cur);
    og_stmt_free(st);
    json_decref(analysis);
    return error;
}

/* ---- list and show ---- */

static unsigned expiry_findings(int64_t not_after_us, int64_t now_us, int max_threshold_days)
{
    if (not_after_us <= now_us)
        return OG_CERT_F_EXPIRED;
    if (not_after_us - now_us <= (int64_t)max_threshold_days * OG_DAY_US)
        return OG_CERT_F_EXPIRING;
    return 0;
}

static json_t *time_json(int64_t us)
{
    char t[OG_TIME_LEN];
    og_time_format(us, t);
    return json_string(t);
}

int64_t og_certs__days_left(int64_t d)
{
    /* Rounded up while valid: a certificate issued for 5 days and listed a second later has 5
     * days left, not 4. Once expired, away from zero: expired an hour ago is -1. */
    return d > 0 ? (d + OG_DAY_US - 1) / OG_DAY_US : -((-d + OG_DAY_US - 1) / OG_DAY_US);
}

void og_certs__left_text(int64_t left, char *out, size_t size)
{
    const int64_t min = 60000000LL, hour = 60 * min;
    if (left <= 0) {
        int64_t ago = -left; /* rounded down: never "longer ago" than it is */
        if (ago >= OG_DAY_US)
            snprintf(out, size, "expired %lldd ago", (long long)(ago / OG_DAY_US));
        else if (ago >= hour)
            snprintf(out, size, "expired %lldh ago", (long long)(ago / hour));
        else if (ago >= min)
            snprintf(out, size, "expired %lldm ago", (long long)(ago / min));
        else
            snprintf(out, size, "expired");
        return;
    }
    if (left > OG_DAY_US) {
        /* hours, rounded up: 4 days 23 hours 59 minutes reads 5d, 4 days 10 minutes 4d 1h */
        int64_t h = (left + hour - 1) / hour;
        if (h % 24)
            snprintf(out, size, "%lldd %lldh", (long long)(h / 24), (long long)(h % 24));
        else
            snprintf(out, size, "%lldd", (long long)(h / 24));
        return;
    }
    int64_t m = (left + min - 1) / min; /* minutes, rounded up */
    if (m >= 60 && m % 60)
        snprintf(out, size, "%lldh %lldm", (long long)(m / 60), (long long)(m % 60));
    else if (m >= 60)
        snprintf(out, size, "%lldh", (long long)(m / 60));
    else
        snprintf(out, size, "%lldm", (long long)m);
}

/* seconds_left, days_left and expires_in of a certificate, into o. */
static void left_json(json_t *o, int64_t not_after_us, int64_t now_us)
{
    char text[48];
    int64_t left = not_after_us - now_us;
    og_certs__left_text(left, text, sizeof(text));
    json_object_set_new(o, "seconds_left", json_integer((json_int_t)(left / 1000000)));
    json_object_set_new(o, "days_left", json_integer((json_int_t)og_certs__days_left(left)));
    json_object_set_new(o, "expires_in", json_string(text));
}

static char *location_text(const char *kind, const char *location, const char *sni)
{
    char *s = NULL;
    if (sni && *sni && strcmp(kind, "endpoint") == 0)
        return asprintf(&s, "%s (sni %s)", location, sni) < 0 ? NULL : s;
    if (strcmp(kind, "endpoint") == 0 || strcmp(kind, "file") == 0)
        return strdup(location);
    return asprintf(&s, "%s:%s", kind, location) < 0 ? NULL : s;
}

/* Append the certificates of tenant t matching f (at most limit) to arr, soonest expiry first;
 * with_tenant adds the tenant's name and id to each row. */
static int list_tenant(og_ctx *ctx, const og_tenant *t, int with_tenant, const og_certs_filter *f,
                       int64_t now, size_t limit, json_t *arr)
{
    int error = -1, rc;
    og_certs_policy pol;
    og_stmt *st = NULL, *ss = NULL;
    size_t added = 0;
    memset(&pol, 0, sizeof(pol));
    if ((error = og_certs__policy_load(ctx->store, t->id, &pol)) < 0)
        goto cleanup;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT fingerprint, subject, issuer, not_after_us, key_type,"
                                 " key_bits, is_ca, findings, first_seen_us, last_seen_us"
                                 " FROM certs WHERE tenant_id = ? AND not_after_us <= ?"
                                 " ORDER BY not_after_us, fingerprint")) < 0 ||
        (error = og_stmt_prepare(&ss, ctx->store,
                                 "SELECT kind, location, sni, findings FROM cert_sightings"
                                 " WHERE tenant_id = ? AND fingerprint = ?"
                                 " ORDER BY last_seen_us DESC, location")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, t->id);
    og_stmt_bind_int(st, 2, f && f->expiring_us > 0 ? now + f->expiring_us : INT64_MAX);
    while (added < limit && (rc = og_stmt_step(st)) == OG_ROW) {
        const char *fp = og_stmt_col_text(st, 0);
        int64_t na = og_stmt_col_int(st, 3);
        unsigned findings =
            (unsigned)og_stmt_col_int(st, 7) | expiry_findings(na, now, pol.thresholds[0]);
        json_t *locs = json_array();
        int nsight = 0;
        og_stmt_reset(ss);
        og_stmt_bind_text(ss, 1, t->id);
        og_stmt_bind_text(ss, 2, fp);
        while ((rc = og_stmt_step(ss)) == OG_ROW) {
            findings |= (unsigned)og_stmt_col_int(ss, 3);
            if (nsight++ < 10) {
                char *l = location_text(og_stmt_col_text(ss, 0), og_stmt_col_text(ss, 1),
                                        og_stmt_col_text(ss, 2));
                if (l)
                    json_array_append_new(locs, json_string(l));
                free(l);
            }
        }
        if (rc < 0) {
            json_decref(locs);
            error = rc;
            goto cleanup;
        }
        if (f && f->finding && (findings & f->finding) != f->finding) {
            json_decref(locs);
            continue;
        }
        json_t *row = json_pack(
            "{s:s, s:s, s:s, s:o, s:{s:s, s:i}, s:b, s:o, s:o, s:i, s:o, s:o}", "fingerprint", fp,
            "subject", og_stmt_col_text(st, 1), "issuer", og_stmt_col_text(st, 2), "not_after",
            time_json(na), "key", "type", og_stmt_col_text(st, 4), "bits",
            (int)og_stmt_col_int(st, 5), "ca", (int)og_stmt_col_int(st, 6), "findings",
            og_certs_findings_json(findings), "locations", locs, "sightings", nsight, "first_seen",
            time_json(og_stmt_col_int(st, 8)), "last_seen", time_json(og_stmt_col_int(st, 9)));
        if (!row) {
            error = og_error_set(OG_ERROR, "out of memory");
            goto cleanup;
        }
        left_json(row, na, now);
        if (with_tenant) {
            json_object_set_new(row, "tenant", json_string(t->name));
            json_object_set_new(row, "tenant_id", json_string(t->id));
        }
        json_array_append_new(arr, row);
        added++;
    }
    error = rc < 0 ? rc : 0;
cleanup:
    og_certs_policy_clear(&pol);
    og_stmt_free(st);
    og_stmt_free(ss);
    return error;
}

int og_certs_list(og_ctx *ctx, const char *tenant, const og_certs_filter *f, json_t **out)
{
    int error;
    og_tenant t;
    json_t *arr = NULL;
    if ((error = og_certs__tenant(ctx, tenant, OG_PERM_READ, &t)) < 0)
        return error;
    if (!(arr = json_array()))
        return og_error_set(OG_ERROR, "out of memory");
    if ((error = list_tenant(ctx, &t, 0, f, og_time_now_us(),
                             f && f->limit > 0 ? (size_t)f->limit : 10000, arr)) < 0) {
        json_decref(arr);
        return error;
    }
    *out = arr;
    return 0;
}

/* Soonest expiry first; ties by tenant name, then fingerprint, so the order is stable. */
static int cmp_expiry(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    json_int_t lx = json_integer_value(json_object_get(x, "seconds_left"));
    json_int_t ly = json_integer_value(json_object_get(y, "seconds_left"));
    if (lx != ly)
        return lx < ly ? -1 : 1;
    int c = strcmp(json_string_value(json_object_get(x, "tenant")),
                   json_string_value(json_object_get(y, "tenant")));
    if (c)
        return c;
    return strcmp(json_string_value(json_object_get(x, "fingerprint")),
                  json_string_value(json_object_get(y, "fingerprint")));
}

int og_certs_list_all(og_ctx *ctx, const og_certs_filter *f, json_t **out)
{
    int error = -1;
    json_t *tenants = NULL, *all = NULL, *sorted = NULL, *tj;
    json_t **rows = NULL;
    size_t i, n, limit = f && f->limit > 0 ? (size_t)f->limit : 10000;
    int64_t now = og_time_now_us();
    if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
        return og_error_set(error,
                            "listing the certificates of every tenant needs the "
                            "platform-admin role (you are %s)",
                            og_role_name(ctx->actor.role));
    if ((error = og_tenant_list(ctx, &tenants)) < 0)
        return error;
    if (!(all = json_array()) || !(sorted = json_array())) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    /* Each tenant's list is sorted and cut at the limit, so the first `limit` of the merge are
     * the first `limit` overall. */
    json_array_foreach(tenants, i, tj)
    {
        og_tenant t;
        memset(&t, 0, sizeof(t));
        og_strlcpy(t.id, json_string_value(json_object_get(tj, "id")), sizeof(t.id));
        og_strlcpy(t.name, json_string_value(json_object_get(tj, "name")), sizeof(t.name));
        if ((error = list_tenant(ctx, &t, 1, f, now, limit, all)) < 0)
            goto cleanup;
    }
    n = json_array_size(all);
    if (n && !(rows = malloc(n * sizeof(*rows)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    for (i = 0; i < n; i++)
        rows[i] = json_array_get(all, i);
    qsort(rows, n, sizeof(*rows), cmp_expiry);
    for (i = 0; i < n && i < limit; i++)
        json_array_append(sorted, rows[i]);
    *out = sorted;
    sorted = NULL;
    error = 0;
cleanup:
    free(rows);
    json_decref(tenants);
    json_decref(all);
    json_decref(sorted);
    return error;
}

/* Resolve a fingerprint or unique prefix to the full fingerprint. */
int og_certs__resolve_id(og_ctx *ctx, const char *tenant_id, const char *id, char fp[65])
{
    int error = -1, rc, n = 0;
    og_stmt *st = NULL;
    char prefix[96], pattern[100], matches[200];
    size_t len = id ? strlen(id) : 0;
    if (len < 1 || len > 95)
        return og_error_set(OG_EINVAL,
                            "bad certificate id '%s' (a SHA-256 fingerprint or a prefix of it)",
                            id ? id : "");
    for (size_t i = 0; i <= len; i++) {
        char c = id[i];
        if (c == ':') /* accept colon-separated fingerprints as openssl prints them */
            continue;
        if (c && !isxdigit((unsigned char)c))
            return og_error_set(OG_EINVAL, "bad certificate id '%s' (hex digits only)", id);
        if (n == 65)
            return og_error_set(OG_EINVAL, "bad certificate id '%s' (longer than a fingerprint)",
                                id);
        prefix[n++] = (char)tolower((unsigned char)c);
    }
    snprintf(pattern, sizeof(pattern), "%s%%", prefix);
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT fingerprint FROM certs WHERE tenant_id = ? AND"
                                 " fingerprint LIKE ? ORDER BY fingerprint LIMIT 4")) < 0)
        return error;
    og_stmt_bind_text(st, 1, tenant_id);
    og_stmt_bind_text(st, 2, pattern);
    n = 0;
    matches[0] = '\0';
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        const char *m = og_stmt_col_text(st, 0);
        if (n == 0)
            og_strlcpy(fp, m, 65);
        size_t ml = strlen(matches);
        snprintf(matches + ml, sizeof(matches) - ml, "%s%.16s...", n ? ", " : "", m);
        n++;
    }
    og_stmt_free(st);
    if (rc < 0)
        return rc;
    if (n == 0)
        return og_error_set(OG_ENOTFOUND, "no certificate '%s' in this tenant", id);
    if (n > 1)
        return og_error_set(OG_EINVAL, "certificate id '%s' is ambiguous: it matches %s%s", id,
                            matches, n > 3 ? " and more" : "");
    return 0;
}

int og_certs_show(og_ctx *ctx, const char *tenant, const char *id, json_t **out)
{
    int error = -1, rc;
    og_tenant t;
    og_certs_policy pol;
    og_stmt *st = NULL;
    json_t *doc = NULL, *sightings = NULL, *alerts = NULL;
    char fp[65];
    char *pem = NULL;
    int64_t now = og_time_now_us();
    memset(&pol, 0, sizeof(pol));
    if ((error = og_certs__tenant(ctx, tenant, OG_PERM_READ, &t)) < 0)
        return error;
    if ((error = og_certs__resolve_id(ctx, t.id, id, fp)) < 0 ||
        (error = og_certs__policy_load(ctx->store, t.id, &pol)) < 0)
        goto cleanup;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT der, findings, not_after_us, first_seen_us, last_seen_us"
                                 " FROM certs WHERE tenant_id = ? AND fingerprint = ?")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, t.id);
    og_stmt_bind_text(st, 2, fp);
    if ((rc = og_stmt_step(st)) != OG_ROW) {
        error = rc < 0 ? rc : og_error_set(OG_ENOTFOUND, "no certificate '%s'", id);
        goto cleanup;
    }
    size_t len = 0;
    const void *der = og_stmt_col_blob(st, 0, &len);
    og_cert_info ci;
    if ((error = og_certs_parse_der(&ci, der, len)) < 0)
        goto cleanup;
    doc = og_cert_info_to_json(&ci);
    og_cert_info_clear(&ci);
    {
        /* the certificate itself is public: include it as PEM for copy and paste */
        const unsigned char *p = der;
        X509 *x = d2i_X509(NULL, &p, (long)len);
        BIO *bio = BIO_new(BIO_s_mem());
        if (x && bio && PEM_write_bio_X509(bio, x) == 1) {
            char *data = NULL;
            long dl = BIO_get_mem_data(bio, &data);
            if ((pem = malloc((size_t)dl + 1))) {
                memcpy(pem, data, (size_t)dl);
                pem[dl] = '\0';
            }
        }
        X509_free(x);
        BIO_free(bio);
    }
    unsigned findings = (unsigned)og_stmt_col_int(st, 1);
    int64_t na = og_stmt_col_int(st, 2);
    findings |= expiry_findings(na, now, pol.thresholds[0]);
    left_json(doc, na, now);
    json_object_set_new(doc, "first_seen", time_json(og_stmt_col_int(st, 3)));
    json_object_set_new(doc, "last_seen", time_json(og_stmt_col_int(st, 4)));
    og_stmt_free(st);
    st = NULL;

    sightings = json_array();
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT kind, location, sni, findings, chain, detail,"
                                 " first_seen_us, last_seen_us FROM cert_sightings WHERE"
                                 " tenant_id = ? AND fingerprint = ? ORDER BY last_seen_us DESC,"
                                 " location LIMIT 1000")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, t.id);
    og_stmt_bind_text(st, 2, fp);
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        unsigned sf = (unsigned)og_stmt_col_int(st, 3);
        findings |= sf;
        json_t *s = json_pack(
            "{s:s, s:s, s:o, s:o, s:o}", "kind", og_stmt_col_text(st, 0), "location",
            og_stmt_col_text(st, 1), "findings", og_certs_findings_json(sf), "first_seen",
            time_json(og_stmt_col_int(st, 6)), "last_seen", time_json(og_stmt_col_int(st, 7)));
        const char *sni = og_stmt_col_text(st, 2);
        if (sni && *sni)
            json_object_set_new(s, "sni", json_string(sni));
        const char *chain = og_stmt_col_text(st, 4);
        json_t *cj = chain ? json_loads(chain, 0, NULL) : NULL;
        if (cj)
            json_object_set_new(s, "chain", cj);
        const char *detail = og_stmt_col_text(st, 5);
        if (detail)
            json_object_set_new(s, "detail", json_string(detail));
        json_array_append_new(sightings, s);
    }
    if (rc < 0) {
        error = rc;
        goto cleanup;
    }
    og_stmt_free(st);
    st = NULL;

    alerts = json_array();
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT threshold_days, raised_at, event_id FROM cert_alerts"
                                 " WHERE tenant_id = ? AND fingerprint = ?"
                                 " ORDER BY threshold_days DESC")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, t.id);
    og_stmt_bind_text(st, 2, fp);
    while ((rc = og_stmt_step(st)) == OG_ROW) {
        const char *ev = og_stmt_col_text(st, 2);
        json_array_append_new(alerts, json_pack("{s:I, s:s, s:s?}", "threshold_days",
                                                (json_int_t)og_stmt_col_int(st, 0), "raised_at",
                                                og_stmt_col_text(st, 1), "event_id", ev));
    }
    if (rc < 0) {
        error = rc;
        goto cleanup;
    }
    og_stmt_free(st);
    st = NULL;

    /* Whether a private key is held, never the key: it stays sealed. */
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT COUNT(*) FROM cert_keys WHERE tenant_id = ? AND"
                                 " fingerprint = ?")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, t.id);
    og_stmt_bind_text(st, 2, fp);
    if ((rc = og_stmt_step(st)) != OG_ROW) {
        error = rc < 0 ? rc : og_error_set(OG_ERROR, "counting keys returned no row");
        goto cleanup;
    }
    json_object_set_new(doc, "private_key", json_boolean(og_stmt_col_int(st, 0) > 0));
    json_object_set_new(doc, "findings", og_certs_findings_json(findings));
    json_object_set_new(doc, "sightings", sightings);
    json_object_set_new(doc, "alerts", alerts);
    sightings = alerts = NULL;
    if (pem)
        json_object_set_new(doc, "pem", json_string(pem));
    *out = doc;
    doc = NULL;
    error = 0;
cleanup:
    og_certs_policy_clear(&pol);
    og_stmt_free(st);
    json_decref(doc);
    json_decref(sightings);
    json_decref(alerts);
    free(pem);
    return error;
}
