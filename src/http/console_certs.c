/* console_certs.c - the console's certificate pages: the fleet (every tenant's for platform-admins,
 * the own tenant's for others; filters by tenant, finding and days left; sortable) and one
 * certificate, from the same library calls as the API (og_certs_list, og_certs_list_all,
 * og_certs_show); its renewal plan, deploy history and buttons are console_certact.c's. */
#include "http/console.h"
#include "opsgate/certs.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUERY_MAX  512
#define DAY_US     86400000000LL
#define FLEET_PAGE 100 /* rows a page; the library sorts and pages (og_certs_filter) */

static const char *const sort_keys[] = {"expiry", "subject", "tenant", "issuer", NULL};
static const char *const sort_labels[] = {"Expires", "Subject", "Tenant", "Issuer"};

typedef struct fleet_query {
    const char *tenant;  /* "" = every tenant (platform) or the own one */
    const char *finding; /* "" = any */
    int64_t days;        /* 0 = any */
    const char *sort;    /* one of sort_keys */
    int desc;
    int64_t page; /* 1.. */
} fleet_query;

/* The query string, each argument checked: OG_EINVAL naming the one that is wrong. */
static int fleet_query_read(og_http_req *r, fleet_query *q, og_certs_filter *f)
{
    const char *s;
    memset(q, 0, sizeof(*q));
    memset(f, 0, sizeof(*f));
    q->tenant = (s = og_http__query(r, "tenant")) ? s : "";
    if (*q->tenant && !og_name_valid(q->tenant) && !og_id_valid(q->tenant))
        return og_error_set(OG_EINVAL, "'%.64s' is not a tenant name", q->tenant);
    q->finding = (s = og_http__query(r, "finding")) ? s : "";
    if (*q->finding && og_certs_finding_parse(q->finding, &f->finding) < 0)
        return og_error_wrap("filter 'finding'");
    /* An empty choice in the form ("any") is no filter. */
    int error = (s = og_http__query(r, "days")) && *s
                    ? og_http__query_i64(r, "days", 0, 3650, &q->days)
                    : 0;
    if (error < 0)
        return error;
    f->expiring_us = q->days * DAY_US;
    q->sort = "expiry";
    if ((s = og_http__query(r, "sort")) && *s) {
        size_t i = 0;
        while (sort_keys[i] && strcmp(sort_keys[i], s) != 0)
            i++;
        if (!sort_keys[i])
            return og_error_set(OG_EINVAL,
                                "cannot sort by '%.32s' (expiry, subject, tenant or "
                                "issuer)",
                                s);
        q->sort = sort_keys[i];
    }
    q->desc = (s = og_http__query(r, "dir")) && strcmp(s, "desc") == 0;
    q->page = 1;
    if ((s = og_http__query(r, "page")) && *s &&
        (error = og_http__query_i64(r, "page", 1, 10000, &q->page)) < 0)
        return error;
    f->sort = q->sort;
    f->desc = q->desc;
    f->offset = (int)((q->page - 1) * FLEET_PAGE);
    f->limit = FLEET_PAGE + 1; /* one more: is there a next page? */
    return 0;
}

/* "/console/certificates?tenant=..&finding=..&days=..&sort=S&dir=D[&page=N]" */
static json_t *fleet_href_page(const fleet_query *q, const char *sort, int desc, int64_t page)
{
    og_buf b;
    og_buf_init(&b, QUERY_MAX);
    og_buf_puts(&b, "/console/certificates?sort=");
    og_buf_puts(&b, sort);
    og_buf_puts(&b, desc ? "&dir=desc" : "&dir=asc");
    if (*q->tenant) {
        og_buf_puts(&b, "&tenant=");
        og_http__console_urlencode(&b, q->tenant);
    }
    if (*q->finding) {
        og_buf_puts(&b, "&finding=");
        og_http__console_urlencode(&b, q->finding);
    }
    if (q->days)
        og_buf_printf(&b, "&days=%lld", (long long)q->days);
    if (page > 1)
        og_buf_printf(&b, "&page=%lld", (long long)page);
    json_t *s = json_string(b.data ? b.data : "/console/certificates");
    og_buf_free(&b);
    return s;
}

static json_t *fleet_href(const fleet_query *q, const char *sort, int desc)
{
    return fleet_href_page(q, sort, desc, 1);
}

/* One row of the table from one of the library's rows. */
static json_t *fleet_row(const json_t *c, const char *own_tenant)
{
    const char *tenant = json_string_value(json_object_get(c, "tenant"));
    const char *fp = json_string_value(json_object_get(c, "fingerprint"));
    const char *na = json_string_value(json_object_get(c, "not_after"));
    json_int_t days = json_integer_value(json_object_get(c, "days_left"));
    char href[400], date[11] = "";
    /* A cloud app credential (kind app-credential) has a label and its app instead of a
     * subject and an issuer; its page is at the same address (console_certact.c). */
    const char *subject = json_string_value(json_object_get(c, "subject"));
    const char *issuer = json_string_value(json_object_get(c, "issuer"));
    int app = !subject;
    if (app) {
        subject = json_string_value(json_object_get(c, "label"));
        issuer = json_string_value(json_object_get(c, "app_name"));
    }
    if (!tenant)
        tenant = own_tenant;
    snprintf(href, sizeof(href), "/console/tenants/%s/certificates/%s", tenant, fp ? fp : "");
    if (na)
        og_strlcpy(date, na, sizeof(date));
    json_t *findings = json_array(), *f;
    size_t i;
    json_array_foreach(json_object_get(c, "findings"), i, f)
        json_array_append_new(findings, json_pack("{s:O}", "name", f));
    const json_t *loc = json_array_get(json_object_get(c, "locations"), 0);
    return json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s, s:I, s:s, s:o, s:s, s:I, s:s}", "subject",
                     subject ? subject : (fp ? fp : ""), "issuer", issuer ? issuer : "", "tenant",
                     tenant, "fingerprint", fp ? fp : "", "href", href, "not_after", na ? na : "",
                     "days_left", days, "date", date, "findings", findings, "where",
                     loc ? json_string_value(loc) : "", "sightings",
                     json_integer_value(json_object_get(c, "sightings")), "state",
                     days <= 0    ? "expired"
                     : days <= 30 ? "soon"
                                  : "ok");
}

/* The filter form's choices: findings and days, the current ones selected. */
static void fleet_choices(json_t *d, const fleet_query *q)
{
    json_t *findings = json_array(), *days = json_array();
    for (unsigned i = 0; i < OG_CERT_NFINDINGS; i++) {
        const char *n = og_certs_finding_name(1u << i);
        if (n)
            json_array_append_new(findings, json_pack("{s:s, s:b}", "name", n, "selected",
                                                      strcmp(n, q->finding) == 0));
    }
    static const int choices[] = {7, 14, 30, 90};
    for (size_t i = 0; i < sizeof(choices) / sizeof(choices[0]); i++)
        json_array_append_new(
            days, json_pack("{s:i, s:b}", "days", choices[i], "selected", q->days == choices[i]));
    json_object_set_new(d, "findings", findings);
    json_object_set_new(d, "day_choices", days);
}

static void fleet_columns(json_t *d, const fleet_query *q, int all_tenants)
{
    json_t *cols = json_array();
    for (size_t i = 0; sort_keys[i]; i++) {
        if (strcmp(sort_keys[i], "tenant") == 0 && !all_tenants)
            continue;
        int current = strcmp(q->sort, sort_keys[i]) == 0;
        json_array_append_new(cols,
                              json_pack("{s:s, s:o, s:s?}", "label", sort_labels[i], "href",
                                        fleet_href(q, sort_keys[i], current && !q->desc), "sorted",
                                        current ? (q->desc ? "descending" : "ascending") : NULL));
    }
    json_object_set_new(d, "columns", cols);
}

/* Which rows of the sorted fleet the page shows ("first" to "last"), and the links to the pages
 * before and after it. */
static void fleet_pager(json_t *d, const fleet_query *q, size_t n, int more)
{
    int64_t first = (q->page - 1) * FLEET_PAGE + 1;
    json_object_set_new(d, "count", json_integer((json_int_t)n));
    json_object_set_new(d, "first", json_integer(n ? first : 0));
    json_object_set_new(d, "last", json_integer(first + (json_int_t)n - 1));
    json_object_set_new(d, "paged", json_boolean(more || q->page > 1));
    if (q->page > 1)
        json_object_set_new(d, "prev_href", fleet_href_page(q, q->sort, q->desc, q->page - 1));
    if (more)
        json_object_set_new(d, "next_href", fleet_href_page(q, q->sort, q->desc, q->page + 1));
}

int og_http__console_certs(og_http_req *r)
{
    int error;
    fleet_query q;
    og_certs_filter f;
    json_t *list = NULL, *rows = NULL, *c;
    char own[64] = "";
    if ((error = fleet_query_read(r, &q, &f)) < 0 ||
        (error = og_http__console_own_tenant(r, own)) < 0)
        return error;
    int all = !*q.tenant && og_actor_is_platform(&r->ctx.actor);
    if (all)
        error = og_certs_list_all(&r->ctx, &f, &list);
    else
        error = og_certs_list(&r->ctx, *q.tenant ? q.tenant : own, &f, &list);
    if (error < 0)
        return error;
    rows = json_array();
    size_t i;
    int more = json_array_size(list) > FLEET_PAGE;
    json_array_foreach(list, i, c) if (i < FLEET_PAGE)
        json_array_append_new(rows, fleet_row(c, *q.tenant ? q.tenant : own));
    json_decref(list);
    json_t *d = og_http__console_base(r, q.tenant);
    if (!d) {
        json_decref(rows);
        return og_error_set(OG_ERROR, "out of memory");
    }
    fleet_pager(d, &q, json_array_size(rows), more);
    json_object_set_new(d, "certs", rows);
    json_object_set_new(d, "all_tenants", json_boolean(all));
    json_object_set_new(d, "scope", json_string(all ? "every tenant" : *q.tenant ? q.tenant : own));
    json_object_set_new(d, "tenant", json_string(q.tenant));
    json_object_set_new(d, "filter_days", json_integer(q.days));
    fleet_choices(d, &q);
    fleet_columns(d, &q, all);
    return og_http__console_render(r, 200, "certs", d);
}

/* A sighting's chain as strings, whatever shape the scan stored it in. */
static void chain_strings(json_t *sighting)
{
    json_t *chain = json_object_get(sighting, "chain"), *out = json_array(), *c;
    size_t i;
    json_array_foreach(chain, i, c)
    {
        const char *s = json_is_string(c) ? json_string_value(c)
                                          : json_string_value(json_object_get(c, "subject"));
        if (!s)
            s = json_string_value(json_object_get(c, "fingerprint"));
        json_array_append_new(out, json_string(s ? s : "?"));
    }
    json_object_set_new(sighting, "has_chain", json_boolean(json_array_size(out) > 0));
    json_object_set_new(sighting, "chain_items", out);
}

/* The certificate's alerts with their Acknowledge and Snooze buttons (console_alerts.c), which
 * lead back to this page without htmx. */
static int problems_shape(og_http_req *r, const char *tenant, const json_t *cert, json_t *mine)
{
    char tid[OG_ID_LEN], csrf[OG_CONSOLE_CSRF_MASKED], next[300];
    json_t *a;
    size_t i;
    int error;
    if (!json_array_size(mine))
        return 0;
    if ((error = og_tenant_resolve(&r->ctx, tenant, OG_PERM_READ, tid)) < 0 ||
        (error = og_http__console_csrf_masked(r, csrf)) < 0)
        return error;
    bool may = og_authz_check(&r->ctx.actor, tid, OG_PERM_WRITE) == 0;
    og_error_clear();
    snprintf(next, sizeof(next), "/console/tenants/%s/certificates/%s", tenant,
             json_string_value(json_object_get(cert, "fingerprint")));
    json_array_foreach(mine, i, a)
    {
        og_http__console_alert_shape(a, tenant, may, csrf, next);
        json_object_del(a, "cert_href"); /* this page */
    }
    return 0;
}

int og_http__console_cert(og_http_req *r)
{
    const char *tenant, *id = og_http__param(&r->match, "id");
    json_t *cert = NULL, *s;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0)
        return error;
    if ((error = og_http__console_cert_id(r, tenant, id, &cert)) < 0)
        return error;
    if (og_streq(json_string_value(json_object_get(cert, "kind")), OG_CERTS_KIND_APP))
        return og_http__console_appcred_render(r, tenant, cert);
    size_t i;
    json_array_foreach(json_object_get(cert, "sightings"), i, s) chain_strings(s);
    json_t *names = json_array(), *f;
    json_array_foreach(json_object_get(cert, "findings"), i, f)
        json_array_append_new(names, json_pack("{s:O}", "name", f));
    json_object_set_new(cert, "has_findings", json_boolean(json_array_size(names) > 0));
    json_object_set_new(cert, "finding_list", names);
    json_object_set_new(cert, "has_alerts",
                        json_boolean(json_array_size(json_object_get(cert, "alerts")) > 0));
    /* what is wrong with it now (alerts by rule, acknowledged and snoozed ones too) */
    json_t *all = NULL, *a, *mine = json_array();
    if ((error = og_certs_alert_list(&r->ctx, tenant, NULL, &all)) < 0) {
        json_decref(mine);
        json_decref(cert);
        return error;
    }
    json_array_foreach(all, i, a)
    {
        if (og_streq(json_string_value(json_object_get(a, "fingerprint")),
                     json_string_value(json_object_get(cert, "fingerprint"))))
            json_array_append(mine, a);
    }
    json_decref(all);
    if ((error = problems_shape(r, tenant, cert, mine)) < 0) {
        json_decref(mine);
        json_decref(cert);
        return error;
    }
    json_object_set_new(cert, "has_problems", json_boolean(json_array_size(mine) > 0));
    json_object_set_new(cert, "problems", mine);
    json_int_t days = json_integer_value(json_object_get(cert, "days_left"));
    json_object_set_new(cert, "state",
                        json_string(days <= 0    ? "expired"
                                    : days <= 30 ? "soon"
                                                 : "ok"));
    json_t *d = og_http__console_base(r, og_actor_is_platform(&r->ctx.actor) ? tenant : NULL);
    if (!d) {
        json_decref(cert);
        return og_error_set(OG_ERROR, "out of memory");
    }
    if ((error = og_http__console_cert_extras(r, tenant, cert, d)) < 0) {
        json_decref(cert);
        json_decref(d);
        return error;
    }
    json_object_set_new(d, "cert", cert);
    json_object_set_new(d, "tenant", json_string(tenant));
    return og_http__console_render(r, 200, "cert", d);
}
