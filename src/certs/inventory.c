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
#include <strings.h>

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

/* The inventory's entries with what an app credential adds (NULL for certificates): columns 0
 * fingerprint, 1 subject, 2 issuer, 3 not_after_us, 4 key_type, 5 key_bits, 6 is_ca, 7 findings,
 * 8 first_seen_us, 9 last_seen_us, 10 kind, 11 app_name, 12 app_id, 13 object_type,
 * 14 object_id, 15 type, 16 name, 17 hint, 18 thumbprint, 19 key_id, 20 source,
 * 21 not_before_us. */
#define ENTRY_COLS                                                                                 \
    "SELECT c.fingerprint, c.subject, c.issuer, c.not_after_us, c.key_type, c.key_bits,"           \
    " c.is_ca, c.findings, c.first_seen_us, c.last_seen_us, c.kind, a.app_name, a.app_id,"         \
    " a.object_type, a.object_id, a.type, a.name, a.hint, a.thumbprint, a.key_id, a.source,"       \
    " c.not_before_us FROM certs c"
#define ENTRY_JOIN                                                                                 \
    " LEFT JOIN cert_app_credentials a ON a.tenant_id = c.tenant_id AND a.fingerprint ="           \
    " c.fingerprint"
#define ENTRY_SELECT ENTRY_COLS ENTRY_JOIN

static const char *col(og_stmt *st, int i)
{
    const char *v = og_stmt_col_text(st, i);
    return v ? v : "";
}

/* An app credential's row from an ENTRY_SELECT row, findings given (no sightings: a cloud
 * credential is where its app is). Its hint is all there is of a secret. */
static json_t *app_row(og_stmt *st, unsigned findings, int64_t now)
{
    char label[OG_CERTS__LABEL_MAX];
    int64_t nb = og_stmt_col_int(st, 21), na = og_stmt_col_int(st, 3);
    og_certs__app_label(col(st, 11), col(st, 12), col(st, 15), col(st, 16), col(st, 19), label,
                        sizeof(label));
    json_t *row = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, "
        "s:o, s:o, s:o}",
        "kind", OG_CERTS_KIND_APP, "id", col(st, 0), "fingerprint", col(st, 0), "label", label,
        "app_name", col(st, 11), "app_id", col(st, 12), "object_type", col(st, 13), "object_id",
        col(st, 14), "type", col(st, 15), "name", col(st, 16), "hint", col(st, 17), "thumbprint",
        col(st, 18), "key_id", col(st, 19), "source", col(st, 20), "start",
        nb ? time_json(nb) : json_null(), "end", time_json(na), "not_after", time_json(na),
        "findings", og_certs_findings_json(findings), "first_seen",
        time_json(og_stmt_col_int(st, 8)), "last_changed", time_json(og_stmt_col_int(st, 9)));
    if (row)
        left_json(row, na, now);
    return row;
}

/* A certificate's row from an ENTRY_SELECT row, with its findings and places (stolen). */
static json_t *x509_row(og_stmt *st, unsigned findings, json_t *locs, int nsight, int64_t now)
{
    const char *fp = col(st, 0);
    int64_t na = og_stmt_col_int(st, 3);
    json_t *row = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:o, s:{s:s, s:i}, s:b, s:o, s:o, s:i, s:o, s:o}", "kind",
        OG_CERTS_KIND_X509, "id", fp, "fingerprint", fp, "subject", col(st, 1), "issuer",
        col(st, 2), "not_after", time_json(na), "key", "type", col(st, 4), "bits",
        (int)og_stmt_col_int(st, 5), "ca", (int)og_stmt_col_int(st, 6), "findings",
        og_certs_findings_json(findings), "locations", locs, "sightings", nsight, "first_seen",
        time_json(og_stmt_col_int(st, 8)), "last_seen", time_json(og_stmt_col_int(st, 9)));
    if (row)
        left_json(row, na, now);
    return row;
}

/* Where certificate fp was seen (up to 10, newest first) into *locs, their number into *nsight,
 * their findings or'ed into *findings. */
static int places_of(og_stmt *ss, const char *tid, const char *fp, json_t **locs, int *nsight,
                     unsigned *findings)
{
    int rc;
    *locs = json_array();
    *nsight = 0;
    og_stmt_reset(ss);
    og_stmt_bind_text(ss, 1, tid);
    og_stmt_bind_text(ss, 2, fp);
    while ((rc = og_stmt_step(ss)) == OG_ROW) {
        *findings |= (unsigned)og_stmt_col_int(ss, 3);
        if ((*nsight)++ < 10) {
            char *l = location_text(og_stmt_col_text(ss, 0), og_stmt_col_text(ss, 1),
                                    og_stmt_col_text(ss, 2));
            if (l)
                json_array_append_new(*locs, json_string(l));
            free(l);
        }
    }
    if (rc < 0) {
        json_decref(*locs);
        *locs = NULL;
        return rc;
    }
    return 0;
}

/* The orders a list can have: the ORDER BY of each, ascending and descending (fixed strings:
 * nothing of the caller's reaches the SQL). "tenant" orders by expiry inside one tenant. */
static const struct {
    const char *name, *asc, *desc;
    const char *index; /* read in the order's index, not sorted (the planner prefers the expiry
                        * range's index and sorts the tenant's every row otherwise) */
} orders[] = {
    {"expiry", " ORDER BY c.not_after_us, c.fingerprint",
     " ORDER BY c.not_after_us DESC, c.fingerprint DESC", ""},
    {"subject", " ORDER BY c.subject, c.fingerprint",
     " ORDER BY c.subject DESC, c.fingerprint DESC", " INDEXED BY certs_subject"},
    {"issuer", " ORDER BY c.issuer, c.fingerprint", " ORDER BY c.issuer DESC, c.fingerprint DESC",
     " INDEXED BY certs_issuer"},
    {"tenant", " ORDER BY c.not_after_us, c.fingerprint",
     " ORDER BY c.not_after_us DESC, c.fingerprint DESC", ""},
};
#define NORDERS    (sizeof(orders) / sizeof(orders[0]))
#define OFFSET_MAX 1000000

/* The filter's order (an index of orders) and offset, checked. */
static int list_order(const og_certs_filter *f, size_t *order)
{
    *order = 0;
    if (f && (f->offset < 0 || f->offset > OFFSET_MAX))
        return og_error_set(OG_EINVAL, "offset %d is out of range (0 to %d)", f->offset,
                            OFFSET_MAX);
    if (!f || !f->sort || !*f->sort)
        return 0;
    while (*order < NORDERS && strcmp(orders[*order].name, f->sort) != 0)
        (*order)++;
    if (*order == NORDERS)
        return og_error_set(OG_EINVAL, "cannot sort by '%.32s' (expiry, subject, issuer or tenant)",
                            f->sort);
    return 0;
}

/* The range of not_after the filter can match, [lo, hi): its days, and its expired or expiring
 * finding (computed from the clock and the policy, so they bound the query itself). */
static void list_bounds(const og_certs_filter *f, int64_t now, int max_threshold_days, int64_t *lo,
                        int64_t *hi)
{
    *lo = INT64_MIN;
    *hi = f && f->expiring_us > 0 ? now + f->expiring_us : INT64_MAX;
    if (f && (f->finding & OG_CERT_F_EXPIRED) && *hi > now)
        *hi = now;
    if (f && (f->finding & OG_CERT_F_EXPIRING)) {
        *lo = now;
        if (*hi > now + (int64_t)max_threshold_days * OG_DAY_US)
            *hi = now + (int64_t)max_threshold_days * OG_DAY_US;
    }
}

/* A tenant's entries matching the filter, in the list's order, one at a time: a list of every
 * tenant merges one cursor per tenant, so only the rows shown (and those passed over by an
 * offset) are read, and only the rows shown are built. Sightings are read for a row shown, or
 * when the row's match depends on them (a finding only a sighting has). */
typedef struct cursor {
    og_tenant t;
    og_certs_policy pol;
    og_stmt *st;
    int live; /* st is on a matching row */
    unsigned findings;
    json_t *locs; /* its places, when read to match */
    int nsight;
} cursor;

static void cursor_close(cursor *c)
{
    og_certs_policy_clear(&c->pol);
    og_stmt_free(c->st);
    json_decref(c->locs);
    c->st = NULL;
    c->locs = NULL;
}

/* Step c to its next matching row (or c->live = 0 at the end). */
static int cursor_next(cursor *c, og_stmt *ss, unsigned want, int64_t now)
{
    int rc;
    json_decref(c->locs);
    c->locs = NULL;
    c->live = 0;
    while ((rc = og_stmt_step(c->st)) == OG_ROW) {
        int app = strcmp(col(c->st, 10), OG_CERTS_KIND_APP) == 0, error;
        c->findings = (unsigned)og_stmt_col_int(c->st, 7) |
                      expiry_findings(og_stmt_col_int(c->st, 3), now, c->pol.thresholds[0]);
        if (!app && (want & c->findings) != want &&
            (error = places_of(ss, c->t.id, col(c->st, 0), &c->locs, &c->nsight, &c->findings)) < 0)
            return error;
        if ((c->findings & want) == want) {
            c->live = 1;
            return 0;
        }
        json_decref(c->locs);
        c->locs = NULL;
    }
    return rc < 0 ? rc : 0;
}

static int cursor_open(og_ctx *ctx, cursor *c, og_stmt *ss, const og_certs_filter *f, int64_t now,
                       size_t order)
{
    int error;
    int64_t lo, hi;
    char sql[1024];
    const char *kind = f && f->kind ? f->kind : "";
    if ((error = og_certs__policy_load(ctx->store, c->t.id, &c->pol)) < 0)
        return error;
    list_bounds(f, now, c->pol.thresholds[0], &lo, &hi);
    snprintf(sql, sizeof(sql), "%s%s%s%s", ENTRY_COLS, orders[order].index,
             ENTRY_JOIN " WHERE c.tenant_id = ? AND c.not_after_us <= ? AND c.not_after_us > ?"
                        " AND (? = '' OR c.kind = ?)",
             f && f->desc ? orders[order].desc : orders[order].asc);
    if ((error = og_stmt_prepare(&c->st, ctx->store, sql)) < 0)
        return error;
    og_stmt_bind_text(c->st, 1, c->t.id);
    og_stmt_bind_int(c->st, 2, hi);
    og_stmt_bind_int(c->st, 3, lo);
    og_stmt_bind_text(c->st, 4, kind);
    og_stmt_bind_text(c->st, 5, kind);
    return cursor_next(c, ss, f ? f->finding : 0, now);
}

/* The list's order between two cursors' rows, as their queries order them; across tenants,
 * equal keys by tenant name. "tenant": the name, then expiry. */
static int cursor_cmp(const cursor *a, const cursor *b, size_t order, int desc)
{
    int c = order == 3 ? strcmp(a->t.name, b->t.name) : 0;
    if (!c && (order == 1 || order == 2))
        c = strcmp(col(a->st, (int)order), col(b->st, (int)order));
    if (!c && order != 1 && order != 2) {
        int64_t x = og_stmt_col_int(a->st, 3), y = og_stmt_col_int(b->st, 3);
        c = x < y ? -1 : x > y;
    }
    if (!c)
        c = strcmp(col(a->st, 0), col(b->st, 0));
    if (!c && order != 3)
        c = strcmp(a->t.name, b->t.name);
    return desc ? -c : c;
}

/* c's row as the lists show it. */
static json_t *cursor_row(cursor *c, og_stmt *ss, int with_tenant, int64_t now, int *error)
{
    int app = strcmp(col(c->st, 10), OG_CERTS_KIND_APP) == 0;
    json_t *row;
    *error = 0;
    if (!app && !c->locs &&
        (*error = places_of(ss, c->t.id, col(c->st, 0), &c->locs, &c->nsight, &c->findings)) < 0)
        return NULL;
    row = app ? app_row(c->st, c->findings, now)
              : x509_row(c->st, c->findings, c->locs, c->nsight, now);
    c->locs = NULL; /* stolen by x509_row */
    if (!row) {
        *error = og_error_set(OG_ERROR, "out of memory");
        return NULL;
    }
    if (with_tenant) {
        json_object_set_new(row, "tenant", json_string(c->t.name));
        json_object_set_new(row, "tenant_id", json_string(c->t.id));
    }
    return row;
}

/* The rows of cursors cs[0..n) merged in order: the first f->offset passed over, then at most
 * the limit into *out. */
static int list_merge(og_ctx *ctx, cursor *cs, size_t n, int with_tenant, const og_certs_filter *f,
                      json_t **out)
{
    int error = -1;
    og_stmt *ss = NULL;
    size_t order, matched = 0, added = 0, i;
    size_t skip = f ? (size_t)f->offset : 0, limit = f && f->limit > 0 ? (size_t)f->limit : 10000;
    int64_t now = og_time_now_us();
    json_t *arr = json_array();
    if ((error = list_order(f, &order)) < 0)
        goto cleanup;
    if (!arr) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    if ((error = og_stmt_prepare(&ss, ctx->store,
                                 "SELECT kind, location, sni, findings FROM cert_sightings"
                                 " WHERE tenant_id = ? AND fingerprint = ?"
                                 " ORDER BY last_seen_us DESC, location")) < 0)
        goto cleanup;
    for (i = 0; i < n; i++)
        if ((error = cursor_open(ctx, &cs[i], ss, f, now, order)) < 0)
            goto cleanup;
    while (added < limit) {
        cursor *best = NULL;
        for (i = 0; i < n; i++)
            if (cs[i].live && (!best || cursor_cmp(&cs[i], best, order, f && f->desc) < 0))
                best = &cs[i];
        if (!best)
            break;
        if (matched++ >= skip) {
            json_t *row = cursor_row(best, ss, with_tenant, now, &error);
            if (!row)
                goto cleanup;
            json_array_append_new(arr, row);
            added++;
        }
        if ((error = cursor_next(best, ss, f ? f->finding : 0, now)) < 0)
            goto cleanup;
    }
    *out = arr;
    arr = NULL;
    error = 0;
cleanup:
    for (i = 0; i < n; i++)
        cursor_close(&cs[i]);
    og_stmt_free(ss);
    json_decref(arr);
    return error;
}

int og_certs_list(og_ctx *ctx, const char *tenant, const og_certs_filter *f, json_t **out)
{
    int error;
    size_t order;
    cursor c;
    memset(&c, 0, sizeof(c));
    if ((error = og_certs__tenant(ctx, tenant, OG_PERM_READ, &c.t)) < 0 ||
        (error = og_certs_kind_check(f ? f->kind : NULL)) < 0 ||
        (error = list_order(f, &order)) < 0)
        return error;
    return list_merge(ctx, &c, 1, 0, f, out);
}

int og_certs_list_all(og_ctx *ctx, const og_certs_filter *f, json_t **out)
{
    int error = -1;
    json_t *tenants = NULL, *tj;
    cursor *cs = NULL;
    size_t i, n, order;
    if ((error = og_authz_check(&ctx->actor, NULL, OG_PERM_PLATFORM)) < 0)
        return og_error_set(error,
                            "listing the certificates of every tenant needs the "
                            "platform-admin role (you are %s)",
                            og_role_name(ctx->actor.role));
    if ((error = og_certs_kind_check(f ? f->kind : NULL)) < 0 ||
        (error = list_order(f, &order)) < 0 || (error = og_tenant_list(ctx, &tenants)) < 0)
        return error;
    n = json_array_size(tenants);
    if (!(cs = calloc(n ? n : 1, sizeof(*cs)))) {
        json_decref(tenants);
        return og_error_set(OG_ERROR, "out of memory");
    }
    json_array_foreach(tenants, i, tj)
    {
        og_strlcpy(cs[i].t.id, json_string_value(json_object_get(tj, "id")), sizeof(cs[i].t.id));
        og_strlcpy(cs[i].t.name, json_string_value(json_object_get(tj, "name")),
                   sizeof(cs[i].t.name));
    }
    error = list_merge(ctx, cs, n, 1, f, out);
    free(cs);
    json_decref(tenants);
    return error;
}

/* Resolve a fingerprint or unique prefix to the full fingerprint. */
int og_certs__resolve_id(og_ctx *ctx, const char *tenant_id, const char *id, char fp[65])
{
    int error = -1, rc, n = 0;
    og_stmt *st = NULL;
    char prefix[96], pattern[100], matches[200];
    size_t len = id ? strlen(id) : 0, skip = 0;
    if (len < 1 || len > 95)
        return og_error_set(OG_EINVAL,
                            "bad certificate id '%s' (a SHA-256 fingerprint or a prefix of it)",
                            id ? id : "");
    /* an app credential's id: "app:" and hex digits (at most 60 of them) */
    if (strncasecmp(id, OG_CERTS__APP_PREFIX, 4) == 0) {
        memcpy(prefix, OG_CERTS__APP_PREFIX, 4);
        n = skip = 4;
    }
    for (size_t i = skip; i <= len; i++) {
        char c = id[i];
        if (c == ':' && !skip) /* accept colon-separated fingerprints as openssl prints them */
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
                                 " fingerprint LIKE ? AND kind = ? ORDER BY fingerprint"
                                 " LIMIT 4")) < 0)
        return error;
    og_stmt_bind_text(st, 1, tenant_id);
    og_stmt_bind_text(st, 2, pattern);
    og_stmt_bind_text(st, 3, skip ? OG_CERTS_KIND_APP : OG_CERTS_KIND_X509);
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

bool og_certs_id_is_fingerprint(const char *id)
{
    size_t digits = 0;
    for (const char *c = id; c && *c; c++) {
        if (*c == ':')
            continue;
        if (!isxdigit((unsigned char)*c) || ++digits > 64)
            return false;
    }
    return digits >= OG_CERTS_ID_MIN_DIGITS;
}

int og_certs_fingerprint_resolve(og_ctx *ctx, const char *tenant, const char *id, char fp[65])
{
    og_tenant t;
    int error;
    if ((error = og_certs__tenant(ctx, tenant, OG_PERM_READ, &t)) < 0)
        return error;
    if (!og_certs_id_is_fingerprint(id))
        return og_error_set(OG_EINVAL,
                            "bad certificate id '%.100s' (a SHA-256 fingerprint or a prefix of at "
                            "least %d hex digits)",
                            id ? id : "", OG_CERTS_ID_MIN_DIGITS);
    return og_certs__resolve_id(ctx, t.id, id, fp);
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

/* The alerts raised for an entry (?1 tenant, ?2 its fingerprint or id), loosest first. */
#define ALERTS_SELECT                                                                              \
    "SELECT threshold_days, raised_at, event_id FROM cert_alerts WHERE tenant_id = ? AND"          \
    " fingerprint = ? ORDER BY threshold_days DESC"

/* An app credential's row (as lists show it) into a new *doc. */
static int show_app(og_ctx *ctx, const char *tid, const char *id, const og_certs_policy *pol,
                    json_t **doc)
{
    og_stmt *st = NULL;
    int64_t now = og_time_now_us();
    int error, rc;
    if ((error = og_stmt_prepare_args(&st, ctx->store,
                                      ENTRY_SELECT " WHERE c.tenant_id = ? AND c.fingerprint = ?",
                                      "tt", tid, id)) < 0)
        return error;
    if ((rc = og_stmt_step(st)) == OG_ROW) {
        unsigned findings = expiry_findings(og_stmt_col_int(st, 3), now, pol->thresholds[0]);
        if (!(*doc = app_row(st, findings, now)))
            error = og_error_set(OG_ERROR, "out of memory");
    } else {
        error = rc < 0 ? rc : og_error_set(OG_ENOTFOUND, "no app credential '%s'", id);
    }
    og_stmt_free(st);
    return error;
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
        (error = og_certs__policy_load(ctx->store, t.id, &pol)) < 0)
        goto cleanup;
    if (strncmp(fp, OG_CERTS__APP_PREFIX, 4) == 0) {
        if ((error = show_app(ctx, t.id, fp, &pol, &doc)) < 0 ||
            (error = collect_of_cert(ctx, ALERTS_SELECT, t.id, fp, NULL, NULL, &alerts)) < 0)
            goto cleanup;
        json_object_set_new(doc, "alerts", alerts);
        alerts = NULL;
        *out = doc;
        doc = NULL;
        goto cleanup;
    }
    if ((error = show_cert(ctx, t.id, fp, id, &pol, &findings, &doc, &pem)) < 0 ||
        (error = collect_of_cert(ctx,
                                 "SELECT kind, location, sni, findings, chain, detail,"
                                 " first_seen_us, last_seen_us FROM cert_sightings WHERE"
                                 " tenant_id = ? AND fingerprint = ? ORDER BY last_seen_us DESC,"
                                 " location LIMIT 1000",
                                 t.id, fp, sighting_json, &findings, &sightings)) < 0 ||
        (error = collect_of_cert(ctx, ALERTS_SELECT, t.id, fp, NULL, NULL, &alerts)) < 0 ||
        (error = show_has_key(ctx, t.id, fp, &has_key)) < 0)
        goto cleanup;
    json_object_set_new(doc, "kind", json_string(OG_CERTS_KIND_X509));
    json_object_set_new(doc, "id", json_string(fp));
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
