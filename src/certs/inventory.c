/* inventory.c - the tenant's certificate inventory: the tenant lookup, list and show with
 * computed findings. */
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

/* The certificate der[0..len) as PEM text (caller frees); NULL when it cannot be encoded. The
 * certificate itself is public: show includes it for copy and paste. */
static char *der_to_pem(const void *der, size_t len)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    BIO *bio = BIO_new(BIO_s_mem());
    char *pem = NULL;
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
    return pem;
}

/* One sighting of show: its findings are also or'ed into *arg (unsigned). */
static json_t *sighting_json(og_stmt *st, void *arg)
{
    unsigned sf = (unsigned)og_stmt_col_int(st, 3);
    *(unsigned *)arg |= sf;
    json_t *s = json_pack("{s:s, s:s, s:o, s:o, s:o}", "kind", og_stmt_col_text(st, 0), "location",
                          og_stmt_col_text(st, 1), "findings", og_certs_findings_json(sf),
                          "first_seen", time_json(og_stmt_col_int(st, 6)), "last_seen",
                          time_json(og_stmt_col_int(st, 7)));
    const char *sni = og_stmt_col_text(st, 2);
    if (s && sni && *sni)
        json_object_set_new(s, "sni", json_string(sni));
    const char *chain = og_stmt_col_text(st, 4);
    json_t *cj = s && chain ? json_loads(chain, 0, NULL) : NULL;
    if (cj)
        json_object_set_new(s, "chain", cj);
    const char *detail = og_stmt_col_text(st, 5);
    if (s && detail)
        json_object_set_new(s, "detail", json_string(detail));
    return s;
}

/* Rows of sql (?1 tenant, ?2 fingerprint) collected into *out through row (NULL: as they are). */
static int collect_of_cert(og_ctx *ctx, const char *sql, const char *tid, const char *fp,
                           og_stmt_row_fn row, void *arg, json_t **out)
{
    og_stmt *st = NULL;
    int error = og_stmt_prepare(&st, ctx->store, sql);
    if (error == 0) {
        og_stmt_bind_text(st, 1, tid);
        og_stmt_bind_text(st, 2, fp);
        error = og_stmt_collect(st, row, arg, out);
    }
    og_stmt_free(st);
    return error;
}

/* The certificate's own row into a new *doc: its fields, time left and when seen, and its PEM
 * into *pem (caller frees; NULL when it cannot be encoded); its stored findings or'ed into
 * *findings with those of expiry under pol. */
static int show_cert(og_ctx *ctx, const char *tid, const char *fp, const char *id,
                     const og_certs_policy *pol, unsigned *findings, json_t **doc, char **pem)
{
    og_stmt *st = NULL;
    og_cert_info ci;
    int64_t now = og_time_now_us();
    int error, rc;
    if ((error = og_stmt_prepare(&st, ctx->store,
                                 "SELECT der, findings, not_after_us, first_seen_us, last_seen_us"
                                 " FROM certs WHERE tenant_id = ? AND fingerprint = ?")) < 0)
        goto cleanup;
    og_stmt_bind_text(st, 1, tid);
    og_stmt_bind_text(st, 2, fp);
    if ((rc = og_stmt_step(st)) != OG_ROW) {
        error = rc < 0 ? rc : og_error_set(OG_ENOTFOUND, "no certificate '%s'", id);
        goto cleanup;
    }
    size_t len = 0;
    const void *der = og_stmt_col_blob(st, 0, &len);
    if ((error = og_certs_parse_der(&ci, der, len)) < 0)
        goto cleanup;
    *doc = og_cert_info_to_json(&ci);
    og_cert_info_clear(&ci);
    *pem = der_to_pem(der, len);
    int64_t na = og_stmt_col_int(st, 2);
    *findings |= (unsigned)og_stmt_col_int(st, 1) | expiry_findings(na, now, pol->thresholds[0]);
    left_json(*doc, na, now);
    json_object_set_new(*doc, "first_seen", time_json(og_stmt_col_int(st, 3)));
    json_object_set_new(*doc, "last_seen", time_json(og_stmt_col_int(st, 4)));
cleanup:
    og_stmt_free(st);
    return error;
}

/* Whether a private key is held for the certificate, never the key: it stays sealed. */
static int show_has_key(og_ctx *ctx, const char *tid, const char *fp, int *has)
{
    og_stmt *st = NULL;
    int rc = og_stmt_prepare(&st, ctx->store,
                             "SELECT COUNT(*) FROM cert_keys WHERE tenant_id = ? AND"
                             " fingerprint = ?");
    if (rc == 0) {
        og_stmt_bind_text(st, 1, tid);
        og_stmt_bind_text(st, 2, fp);
        if ((rc = og_stmt_step(st)) == OG_ROW) {
            *has = og_stmt_col_int(st, 0) > 0;
            rc = 0;
        } else if (rc >= 0) {
            rc = og_error_set(OG_ERROR, "counting keys returned no row");
        }
    }
    og_stmt_free(st);
    return rc;
}

int og_certs_show(og_ctx *ctx, const char *tenant, const char *id, json_t **out)
{
    int error = -1, has_key = 0;
    og_tenant t;
    og_certs_policy pol;
    json_t *doc = NULL, *sightings = NULL, *alerts = NULL;
    char fp[65], *pem = NULL;
    unsigned findings = 0;
    memset(&pol, 0, sizeof(pol));
    if ((error = og_certs__tenant(ctx, tenant, OG_PERM_READ, &t)) < 0)
        return error;
    if ((error = og_certs__resolve_id(ctx, t.id, id, fp)) < 0 ||
        (error = og_certs__policy_load(ctx->store, t.id, &pol)) < 0 ||
        (error = show_cert(ctx, t.id, fp, id, &pol, &findings, &doc, &pem)) < 0 ||
        (error = collect_of_cert(ctx,
                                 "SELECT kind, location, sni, findings, chain, detail,"
                                 " first_seen_us, last_seen_us FROM cert_sightings WHERE"
                                 " tenant_id = ? AND fingerprint = ? ORDER BY last_seen_us DESC,"
                                 " location LIMIT 1000",
                                 t.id, fp, sighting_json, &findings, &sightings)) < 0 ||
        (error = collect_of_cert(ctx,
                                 "SELECT threshold_days, raised_at, event_id FROM cert_alerts"
                                 " WHERE tenant_id = ? AND fingerprint = ?"
                                 " ORDER BY threshold_days DESC",
                                 t.id, fp, NULL, NULL, &alerts)) < 0 ||
        (error = show_has_key(ctx, t.id, fp, &has_key)) < 0)
        goto cleanup;
    json_object_set_new(doc, "private_key", json_boolean(has_key));
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
    json_decref(doc);
    json_decref(sightings);
    json_decref(alerts);
    free(pem);
    return error;
}
