/* console_audit.c - the console's audit page: a chain's records newest first with filters, the
 * chain's verification and its latest signed checkpoint, and the exports. Thin over the same
 * library calls as the API and the CLI (og_audit_list, og_audit_verify, og_audit_prove) and the
 * API's own export handler, as the signed-in actor. */
#include "http/console.h"
#include "opsgate/audit.h"
#include "opsgate/error.h"
#include "opsgate/tenant.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_SIZE  50 /* records a page, unless ?limit= (1..PAGE_MAX) */
#define PAGE_MAX   200
#define SCAN_BLOCK 1000
#define QUERY_MAX  1024

typedef struct audit_query {
    const char *action, *actor, *target, *since, *until; /* "" = no filter */
    int64_t until_us;
    int64_t before; /* show records with seq < before; 0 = from the newest */
    int64_t limit;  /* records a page */
} audit_query;

static const char *query_str(og_http_req *r, const char *name)
{
    const char *s = og_http__query(r, name);
    return s ? s : "";
}

/* The query string, each argument checked: OG_EINVAL naming the one that is wrong. */
static int audit_query_read(og_http_req *r, audit_query *q)
{
    int64_t us;
    memset(q, 0, sizeof(*q));
    q->action = query_str(r, "action");
    q->actor = query_str(r, "actor");
    q->target = query_str(r, "target");
    q->since = query_str(r, "since");
    q->until = query_str(r, "until");
    if (strlen(q->action) > 64)
        return og_error_set(OG_EINVAL, "filter 'action' must be at most 64 characters");
    if (strlen(q->actor) > 160 || strlen(q->target) > 160)
        return og_error_set(OG_EINVAL, "filters 'actor' and 'target' are at most 160 characters");
    if (*q->since && og_time_parse(q->since, &us) < 0)
        return og_error_set(OG_EINVAL, "filter 'since': '%.64s' is not an RFC 3339 time or a date",
                            q->since);
    if (*q->until && og_time_parse(q->until, &q->until_us) < 0)
        return og_error_set(OG_EINVAL, "filter 'until': '%.64s' is not an RFC 3339 time or a date",
                            q->until);
    const char *b = og_http__query(r, "before"), *l = og_http__query(r, "limit");
    int error = 0;
    q->limit = PAGE_SIZE;
    if (b && *b && (error = og_http__query_i64(r, "before", 1, INT64_MAX, &q->before)) < 0)
        return error;
    if (l && *l && (error = og_http__query_i64(r, "limit", 1, PAGE_MAX, &q->limit)) < 0)
        return error;
    return 0;
}

static const char *str_at(const json_t *o, const char *a, const char *b)
{
    const json_t *v = json_object_get(o, a);
    if (b)
        v = json_object_get(v, b);
    return json_string_value(v);
}

/* The target's name as recorded, else as resolved now. */
static const char *target_name(const json_t *rec)
{
    const char *n = str_at(rec, "target", "name");
    return n ? n : str_at(rec, "resolved", "target_name");
}

/* Whether a record passes the filters the library does not apply (actor, target). */
static int record_matches(const json_t *rec, const audit_query *q)
{
    const char *actor = str_at(rec, "actor", NULL), *name = target_name(rec);
    const char *tid = str_at(rec, "target", "id");
    if (*q->actor && !(actor && strstr(actor, q->actor)))
        return 0;
    if (*q->target && !((name && strstr(name, q->target)) || (tid && strstr(tid, q->target))))
        return 0;
    return 1;
}

/* One row of the table from one of the library's records. */
static json_t *record_row(const json_t *rec)
{
    const json_t *analysis = json_object_get(rec, "analysis");
    char *details = analysis && !json_is_null(analysis)
                        ? json_dumps(analysis, JSON_INDENT(2) | JSON_ENCODE_ANY)
                        : NULL;
    const char *status = str_at(rec, "outcome", "status");
    json_t *row = json_pack(
        "{s:I, s:s, s:s, s:s?, s:s, s:s, s:s?, s:s?, s:s?, s:s, s:b, s:s?, s:s?, s:s?, s:s?, s:s}",
        "seq", json_integer_value(json_object_get(rec, "seq")), "time",
        str_at(rec, "time", NULL) ? str_at(rec, "time", NULL) : "", "actor",
        str_at(rec, "actor", NULL) ? str_at(rec, "actor", NULL) : "", "actor_id",
        str_at(rec, "actor_id", NULL), "area",
        str_at(rec, "area", NULL) ? str_at(rec, "area", NULL) : "", "action",
        str_at(rec, "action", NULL) ? str_at(rec, "action", NULL) : "", "target_type",
        str_at(rec, "target", "type"), "target_name", target_name(rec), "target_id",
        str_at(rec, "target", "id"), "outcome", status ? status : "", "failed",
        status && strcmp(status, "ok") != 0, "detail", str_at(rec, "outcome", "detail"),
        "gate_level", str_at(rec, "gate", "level"), "gate_decision",
        str_at(rec, "gate", "decision"), "analysis", details, "hash",
        str_at(rec, "hash", NULL) ? str_at(rec, "hash", NULL) : "");
    free(details);
    return row;
}

/* The page of records: the newest q->limit that match with seq < q->before, newest first, read
 * newest first in blocks (og_audit_list_newest) until the page and one more match are found, so
 * a page costs what it shows and skips, not the chain's length. *older is 1 when matches older
 * than the page exist. */
static int records_page(og_http_req *r, const char *chain, const audit_query *q, json_t **out,
                        int *older)
{
    json_t *list = NULL, *rec;
    int64_t before = q->before, next = 0, matched = 0;
    int error = 0, block = (int)q->limit + 1; /* grows while filters pass records over */
    *older = 0;
    if (!(*out = json_array()))
        return og_error_set(OG_ERROR, "out of memory");
    do {
        if ((error =
                 og_audit_list_newest(&r->ctx, chain, before, block, *q->action ? q->action : NULL,
                                      *q->since ? q->since : NULL, &list, &next)) < 0)
            break;
        size_t i;
        json_array_foreach(list, i, rec)
        {
            int64_t t;
            const char *time = str_at(rec, "time", NULL);
            if ((*q->until && time && og_time_parse(time, &t) == 0 && t >= q->until_us) ||
                !record_matches(rec, q))
                continue;
            if (matched++ == q->limit) {
                *older = 1;
                break;
            }
            json_array_append_new(*out, record_row(rec));
        }
        json_decref(list);
        list = NULL;
        before = next;
        block = block * 2 > SCAN_BLOCK ? SCAN_BLOCK : block * 2;
    } while (!*older && next > 0);
    if (error < 0) {
        json_decref(*out);
        *out = NULL;
    }
    return error;
}

/* The chain's verification, as `opsgate audit verify` runs it: {ok, message, bad_seq}. */
static int verify_status(og_http_req *r, const char *chain, json_t *d)
{
    og_audit_verify_result res;
    memset(&res, 0, sizeof(res));
    int error = og_audit_verify(&r->ctx, chain, &res);
    if (error < 0 && error != OG_ECORRUPT)
        return error;
    og_error_clear();
    json_object_set_new(
        d, "verify",
        json_pack("{s:b, s:s, s:I, s:s?, s:s?, s:I, s:I}", "ok", error == 0, "message",
                  res.message[0] ? res.message : og_error_last(), "bad_seq",
                  (json_int_t)res.bad_seq, "bad_action", res.action[0] ? res.action : NULL,
                  "bad_actor", res.actor[0] ? res.actor : NULL, "records", (json_int_t)res.records,
                  "checkpoints", (json_int_t)res.checkpoints));
    return 0;
}

/* The chain's latest signed checkpoint: the one an inclusion proof of its first record uses. */
static int checkpoint_of(og_http_req *r, const char *chain, json_t *d)
{
    json_t *proof = NULL;
    int error = og_audit_prove(&r->ctx, chain, 1, &proof);
    if (error == OG_ENOTFOUND || error == OG_ECORRUPT) {
        og_error_clear(); /* none yet (or broken: the verification says where) */
        return 0;
    }
    if (error < 0)
        return error;
    json_object_set(d, "checkpoint", json_object_get(proof, "checkpoint"));
    json_decref(proof);
    return 0;
}

/* "BASE?action=..&actor=..&...&before=N": the same filters, another page or the exports. */
static json_t *audit_href(const char *base, const audit_query *q, int64_t before, int export_only)
{
    og_buf b;
    og_buf_init(&b, QUERY_MAX);
    og_buf_puts(&b, base);
    char sep = strchr(base, '?') ? '&' : '?';
    const char *keys[] = {"action", "actor", "target", "since", "until"};
    const char *vals[] = {q->action, q->actor, q->target, q->since, q->until};
    for (size_t i = export_only ? 3 : 0; i < 5; i++) {
        if (!*vals[i])
            continue;
        og_buf_printf(&b, "%c%s=", sep, keys[i]);
        og_http__console_urlencode(&b, vals[i]);
        sep = '&';
    }
    if (!export_only && q->limit != PAGE_SIZE) {
        og_buf_printf(&b, "%climit=%lld", sep, (long long)q->limit);
        sep = '&';
    }
    if (before)
        og_buf_printf(&b, "%cbefore=%lld", sep, (long long)before);
    json_t *s = json_string(b.data ? b.data : base);
    og_buf_free(&b);
    return s;
}

static void audit_links(json_t *d, const char *tenant, const audit_query *q, int older)
{
    char page[200], exp[240];
    if (tenant)
        snprintf(page, sizeof(page), "/console/tenants/%s/audit", tenant);
    else
        snprintf(page, sizeof(page), "/console/audit");
    snprintf(exp, sizeof(exp), "%s/export?format=", page);
    json_t *recs = json_object_get(d, "records");
    int64_t oldest =
        json_integer_value(json_object_get(json_array_get(recs, json_array_size(recs) - 1), "seq"));
    json_object_set_new(d, "action_url", json_string(page));
    if (older && oldest > 0)
        json_object_set_new(d, "next_href", audit_href(page, q, oldest, 0));
    if (q->before)
        json_object_set_new(d, "first_href", audit_href(page, q, 0, 0));
    json_t *exports = json_array();
    const char *formats[] = {"oscal", "jsonl", "csv"}, *labels[] = {"OSCAL", "JSONL", "CSV"};
    for (size_t i = 0; i < 3; i++) {
        char base[260];
        snprintf(base, sizeof(base), "%s%s", exp, formats[i]);
        json_array_append_new(exports, json_pack("{s:s, s:o}", "label", labels[i], "href",
                                                 audit_href(base, q, 0, 1)));
    }
    json_object_set_new(d, "exports", exports);
    json_object_set_new(d, "filter",
                        json_pack("{s:s, s:s, s:s, s:s, s:s}", "action", q->action, "actor",
                                  q->actor, "target", q->target, "since", q->since, "until",
                                  q->until));
}

/* The page of one chain: tenant (name or id) or NULL for the platform chain. */
static int audit_page(og_http_req *r, const char *tenant)
{
    audit_query q;
    og_tenant t;
    json_t *records = NULL, *d = NULL;
    int error, older = 0;
    const char *chain = NULL;
    if ((error = audit_query_read(r, &q)) < 0)
        return error;
    if (tenant) {
        if ((error = og_tenant_get(&r->ctx, tenant, &t)) < 0)
            return error;
        chain = t.id;
    }
    if ((error = records_page(r, chain, &q, &records, &older)) < 0)
        return error;
    d = og_http__console_base(r,
                              og_actor_is_platform(&r->ctx.actor) ? (tenant ? t.name : "") : NULL);
    if (!d) {
        json_decref(records);
        return og_error_set(OG_ERROR, "out of memory");
    }
    json_object_set_new(d, "records", records);
    json_object_set_new(d, "scope", json_string(tenant ? t.name : "the platform"));
    json_object_set_new(d, "tenant", json_string(tenant ? t.name : ""));
    if ((error = verify_status(r, chain, d)) < 0 || (error = checkpoint_of(r, chain, d)) < 0) {
        json_decref(d);
        return error;
    }
    audit_links(d, tenant ? t.name : NULL, &q, older);
    return og_http__console_render(r, 200, "audit", d);
}

int og_http__console_audit(og_http_req *r)
{
    const char *tenant;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0)
        return error;
    return audit_page(r, tenant);
}

int og_http__console_audit_home(og_http_req *r)
{
    const char *q = og_http__query(r, "tenant");
    char own[64] = "", loc[128];
    int error;
    if (q && *q) {
        if (!og_name_valid(q) && !og_id_valid(q))
            return og_error_set(OG_EINVAL, "'%.64s' is not a tenant name", q);
        snprintf(loc, sizeof(loc), "/console/tenants/%s/audit", q);
        return og_http__console_redirect(r, loc);
    }
    if (og_actor_is_platform(&r->ctx.actor))
        return audit_page(r, NULL); /* the platform chain */
    if ((error = og_http__console_own_tenant(r, own)) < 0)
        return error;
    snprintf(loc, sizeof(loc), "/console/tenants/%s/audit", own);
    return og_http__console_redirect(r, loc);
}

int og_http__console_audit_export(og_http_req *r)
{
    const char *tenant;
    int error;
    if ((error = og_http__param_ref(r, "tenant", &tenant)) < 0)
        return error;
    return og_http__audit_export_of(r, tenant);
}
