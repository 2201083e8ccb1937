/* validity.c - the SC-081 validity report: which of a tenant's certificates the next step of the
 * CA/B Forum's maximum validity (200 days from 2026-03-15, 100 from 2027-03-15, 47 from
 * 2029-03-15) will hit, and which of them a person renews by hand. */
#include "certs/certs_internal.h"
#include "opsgate/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_US            86400000000LL
#define REPORT_MAX_ROWS   10000
#define REPORT_MAX_RENEWS 1000 /* renewals followed to the step: lifetimes are >= 47 days */

/* Whole days of a validity period counted inclusively (the finding's rule), rounded up. */
static int64_t validity_days(int64_t nb_us, int64_t na_us)
{
    int64_t s = (na_us - nb_us) / 1000000 + 1;
    return (s + 86399) / 86400;
}

/* When a like-for-like renewal of the certificate first falls on or after from_us: renewed at
 * each expiry, each replacement as long as the certificate or the maximum of its issue date,
 * whichever is shorter. */
static int64_t hit_on(int64_t nb_us, int64_t na_us, int64_t from_us)
{
    int64_t r = na_us, life_us = na_us - nb_us;
    for (int i = 0; r < from_us && i < REPORT_MAX_RENEWS; i++) {
        int64_t max_us = (int64_t)og_certs_max_validity_days(r) * DAY_US;
        r += life_us < max_us ? life_us : max_us;
    }
    return r;
}

static json_t *time_json(int64_t us)
{
    char t[OG_TIME_LEN];
    og_time_format(us, t);
    return json_string(t);
}

typedef struct report_arg {
    og_store *store;
    const char *tenant_id;
    int64_t from_us;
    int max_days;
    int manual;
    int error;
} report_arg;

/* One certificate the step hits, or NULL (skipped) when it fits under the step's maximum. */
static json_t *report_row(og_stmt *st, void *p)
{
    report_arg *a = p;
    const char *fp = og_stmt_col_text(st, 0);
    int64_t nb = og_stmt_col_int(st, 2), na = og_stmt_col_int(st, 3);
    int64_t days = validity_days(nb, na);
    char plan[OG_ID_LEN];
    if (days <= a->max_days || a->error < 0)
        return json_null();
    if ((a->error = og_certs__renewal_plan_of(a->store, a->tenant_id, fp, plan)) < 0)
        return json_null();
    int64_t hit = hit_on(nb, na, a->from_us);
    int then = og_certs_max_validity_days(hit);
    a->manual += plan[0] == '\0';
    json_t *row = json_pack(
        "{s:s, s:s, s:o, s:o, s:I, s:s, s:o, s:o, s:i, s:I, s:I, s:o}", "fingerprint", fp,
        "subject", og_stmt_col_text(st, 1), "not_before", time_json(nb), "not_after", time_json(na),
        "validity_days", (json_int_t)days, "renewal", plan[0] ? "acme" : "manual", "plan",
        plan[0] ? json_string(plan) : json_null(), "hit_on", time_json(hit), "max_days_then", then,
        "renewals_a_year_now", (json_int_t)((365 + days - 1) / days), "renewals_a_year_then",
        (json_int_t)((365 + then - 1) / then), "findings",
        og_certs_findings_json((unsigned)og_stmt_col_int(st, 4)));
    return row;
}

int og_certs_validity_report(og_ctx *ctx, const char *tenant, int64_t at_us, json_t **out)
{
    int error = -1, max_days = 0;
    og_tenant t;
    og_stmt *st = NULL;
    json_t *rows = NULL, *kept = NULL, *r;
    int64_t from_us = 0;
    size_t i;
    *out = NULL;
    if ((error = og_certs__tenant(ctx, tenant, OG_PERM_READ, &t)) < 0)
        return error;
    if (at_us == 0)
        at_us = og_time_now_us();
    report_arg a = {ctx->store, t.id, 0, 0, 0, 0};
    int has_next = og_certs_validity_step_next(at_us, &from_us, &max_days);
    a.from_us = from_us;
    a.max_days = max_days;
    if (!(kept = json_array())) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    /* end-entity certificates still valid at at_us: renewals to come */
    if (has_next &&
        ((error = og_stmt_prepare_args(
              &st, ctx->store,
              "SELECT fingerprint, subject, not_before_us, not_after_us, findings FROM certs"
              " WHERE tenant_id = ? AND kind = ? AND is_ca = 0 AND not_after_us > ?"
              " ORDER BY not_after_us, fingerprint LIMIT ?",
              "ttii", t.id, OG_CERTS_KIND_X509, at_us, (int64_t)REPORT_MAX_ROWS)) < 0 ||
         (error = og_stmt_collect(st, report_row, &a, &rows)) < 0))
        goto cleanup;
    if ((error = a.error) < 0)
        goto cleanup;
    json_array_foreach(rows, i, r) if (!json_is_null(r)) json_array_append(kept, r);
    *out = json_pack(
        "{s:s, s:o, s:{s:i}, s:o, s:o, s:i, s:i}", "tenant", t.name, "at", time_json(at_us),
        "current", "max_days", og_certs_max_validity_days(at_us), "next",
        has_next ? json_pack("{s:o, s:i}", "from", time_json(from_us), "max_days", max_days)
                 : json_null(),
        "certs", kept, "count", (int)json_array_size(kept), "manual", a.manual);
    kept = NULL;
    error = *out ? 0 : og_error_set(OG_ERROR, "out of memory");
cleanup:
    og_stmt_free(st);
    json_decref(rows);
    json_decref(kept);
    return error;
}
