/* poll.c - polling the CT source for a tenant's watches: pages after each watch's cursor, every
 * new issuance matched (acme.h and certs.h say what opsgate issued or holds; the patterns marked
 * expected say the rest) and recorded, an unknown one asked through the gate, one transaction a
 * page; and the scheduler's job. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct_internal.h"
#include "opsgate/acme.h"
#include "opsgate/audit.h"
#include "opsgate/certs.h"
#include "opsgate/error.h"
#include "opsgate/gate.h"
#include "opsgate/store.h"

/* The tenant's expected patterns, loaded once a watch. */
typedef struct patterns {
    og_ct_pattern *v;
    char **ids;
    json_t *rows; /* owns the strings v points into */
    size_t n;
} patterns;

static void patterns_free(patterns *p)
{
    if (p->v)
        for (size_t i = 0; i < p->n; i++)
            free((void *)p->v[i].names);
    free(p->v);
    free(p->ids);
    json_decref(p->rows);
    memset(p, 0, sizeof(*p));
}

static int patterns_load(og_ctx *ctx, const char *tenant_id, patterns *p)
{
    og_stmt *st = NULL;
    json_t *row;
    size_t i;
    memset(p, 0, sizeof(*p));
    int error = og_stmt_prepare_args(&st, ctx->store,
                                     "SELECT id, issuer, issuer_pubkey_sha256, names AS names_json"
                                     " FROM ct_expected WHERE tenant_id = ? ORDER BY created_at",
                                     "t", tenant_id);
    if (error >= 0)
        error = og_stmt_collect(st, NULL, NULL, &p->rows);
    og_stmt_free(st);
    if (error < 0)
        return error;
    size_t n = json_array_size(p->rows);
    if (n == 0)
        return 0;
    if (!(p->v = calloc(n, sizeof(*p->v))) || !(p->ids = calloc(n, sizeof(char *))))
        return og_error_set(OG_ERROR, "out of memory");
    json_array_foreach(p->rows, i, row)
    {
        json_t *names = json_object_get(row, "names");
        size_t k, nn = json_array_size(names);
        const char **nv = calloc(nn ? nn : 1, sizeof(char *));
        if (!nv)
            return og_error_set(OG_ERROR, "out of memory");
        for (k = 0; k < nn; k++)
            nv[k] = json_string_value(json_array_get(names, k));
        p->v[i].names = nv;
        p->v[i].nnames = nn;
        p->v[i].issuer = json_string_value(json_object_get(row, "issuer"));
        p->v[i].issuer_pubkey_sha256 =
            json_string_value(json_object_get(row, "issuer_pubkey_sha256"));
        p->ids[i] = (char *)json_string_value(json_object_get(row, "id"));
        p->n++;
    }
    return 0;
}

/* The inventory's certificate issued from the same TBSCertificate as the issuance (its
 * tbs_sha256 and validity): an issuance logged only as a precertificate carries the
 * precertificate's hash as cert_sha256, which nothing here holds. Into fp ("" when none). */
static void tbs_lookup(og_ctx *ctx, const char *tenant_id, const og_ct_issuance *is, char fp[65])
{
    int64_t nb = 0, na = 0;
    fp[0] = '\0';
    if (!is->tbs_sha256[0] || og_time_parse(is->not_before, &nb) < 0 ||
        og_time_parse(is->not_after, &na) < 0 ||
        og_certs_find_tbs(ctx, tenant_id, is->tbs_sha256, nb, na, fp) < 0)
        fp[0] = '\0';
    og_error_clear();
}

/* What opsgate knows of the certificate: one of its ACME plans issued it, or the inventory holds
 * it (a scan saw it, or it was imported), by the certificate's SHA-256 or, for a precertificate,
 * by its TBS hash. */
static og_ct_known known_lookup(og_ctx *ctx, const char *tenant_id, const og_ct_issuance *is)
{
    og_ct_known k = {0};
    json_t *j = NULL;
    if (is->cert_sha256[0] && og_certs_show(ctx, tenant_id, is->cert_sha256, &j) == 0)
        og_strlcpy(k.fp, is->cert_sha256, sizeof(k.fp));
    json_decref(j);
    j = NULL;
    og_error_clear();
    if (!k.fp[0])
        tbs_lookup(ctx, tenant_id, is, k.fp);
    const char *id = k.fp[0] ? k.fp : is->cert_sha256;
    if (id[0] && og_acme_cert_show(ctx, tenant_id, id, &j) == 0)
        k.acme = true;
    json_decref(j);
    k.inventory = k.fp[0] != '\0';
    og_error_clear();
    return k;
}

static json_t *names_json(const og_ct_issuance *is)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < is->nnames; i++)
        json_array_append_new(a, json_string(is->names[i]));
    return a;
}

typedef struct poll_state {
    og_ctx *ctx;
    const og_tenant *t;
    const og_ct_provider *provider;
    const char *watch_id, *domain;
    patterns pats;
    int64_t issuances, fresh, unknown, known, expected;
    json_t *matched; /* this page's known ones, for the audit record */
} poll_state;

/* Ask the gate about an unknown issuance (L1 by default: its execute records the finding's
 * alert; the certs assignee is notified). */
static int alert(poll_state *s, const char *id, const og_ct_issuance *is)
{
    og_gate_outcome oc = {0};
    char subject[OG_GATE_SUBJECT_MAX];
    snprintf(subject, sizeof(subject), "CT: a certificate for %s%s by %.120s that %s did not issue",
             is->nnames ? is->names[0] : s->domain, is->nnames > 1 ? " (and more names)" : "",
             is->issuer[0] ? is->issuer : "an unknown issuer", "opsgate");
    og_gate_about about = {.target_type = "ct-finding",
                           .target_id = id,
                           .subject = subject,
                           .object = is->nnames ? is->names[0] : s->domain};
    json_t *params = json_pack("{s:s}", "issuance", id);
    json_t *analysis = json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:s}", "finding", OG_CT_FINDING,
                                 "watch", s->domain, "names", names_json(is), "issuer", is->issuer,
                                 "cert_sha256", is->cert_sha256, "recommendation",
                                 "check with the client whether they ordered it; mark it expected "
                                 "(cert watch expect) or open an incident (cert watch incident)",
                                 "provider", s->provider->name);
    int error = params && analysis ? og_gate_request_about(s->ctx, s->t->id, OG_CT_KIND_UNKNOWN,
                                                           &about, params, analysis, &oc)
                                   : og_error_set(OG_ERROR, "out of memory");
    if (error == OG_EPENDING)
        error = 0;
    if (error >= 0)
        error = og_store_run(s->ctx->store,
                             "UPDATE ct_issuances SET gate_id = ? WHERE id = ? AND tenant_id = ?",
                             "ttt", oc.gate_id, id, s->t->id);
    json_decref(oc.result);
    json_decref(params);
    json_decref(analysis);
    return error < 0 ? error : 0;
}

/* Record one issuance (in the page's transaction) unless the tenant has it already. */
/* An issuance's verdict, the expected pattern that matched (-1: none) and the inventory
 * certificate it is (fp, "" when none: a precertificate's digest differs from it). */
typedef struct verdict {
    og_ct_verdict v;
    ssize_t pat;
    char fp[65];
} verdict;

static int record(poll_state *s, const og_ct_issuance *is, const verdict *vd)
{
    og_ct_verdict v = vd->v;
    const char *pattern = vd->pat >= 0 ? s->pats.ids[vd->pat] : NULL;
    char id[OG_ID_LEN], now[OG_TIME_LEN];
    int64_t now_us = og_time_now_us();
    char *names = NULL;
    json_t *nj = names_json(is);
    int error = og_store_run(s->ctx->store,
                             "SELECT 1 FROM ct_issuances WHERE tenant_id = ? AND provider = ?"
                             " AND remote_id = ?",
                             "ttt", s->t->id, s->provider->name, is->id);
    if (error != 0)
        goto cleanup; /* seen already (another watch, or again): nothing new */
    if (!nj || !(names = json_dumps(nj, JSON_COMPACT))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    og_id_new(id);
    og_time_format(now_us, now);
    if ((error = og_store_run(
             s->ctx->store,
             "INSERT INTO ct_issuances (id, tenant_id, watch_id, watch_domain, provider,"
             " remote_id, cert_sha256, tbs_sha256, known_sha256, issuer, issuer_pubkey_sha256,"
             " names, not_before, not_after, verdict, state, pattern_id, seen_at, seen_us)"
             " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
             "ttttttttttttttttttI", id, s->t->id, s->watch_id, s->domain, s->provider->name, is->id,
             is->cert_sha256[0] ? is->cert_sha256 : NULL, is->tbs_sha256[0] ? is->tbs_sha256 : NULL,
             vd->fp[0] ? vd->fp : NULL, is->issuer,
             is->issuer_pubkey_sha256[0] ? is->issuer_pubkey_sha256 : NULL, names,
             is->not_before[0] ? is->not_before : NULL, is->not_after[0] ? is->not_after : NULL,
             og_ct_verdict_name(v),
             v == OG_CT_UNKNOWN    ? "open"
             : v == OG_CT_EXPECTED ? "expected"
                                   : "closed",
             pattern, now, now_us)) < 0)
        goto cleanup;
    s->fresh++;
    if (v == OG_CT_UNKNOWN) {
        s->unknown++;
        error = alert(s, id, is);
    } else {
        if (v == OG_CT_EXPECTED)
            s->expected++;
        else
            s->known++;
        json_array_append_new(s->matched, json_pack("{s:s, s:s, s:s, s:o}", "issuance", id,
                                                    "verdict", og_ct_verdict_name(v), "cert_sha256",
                                                    is->cert_sha256, "names", json_incref(nj)));
    }
cleanup:
    json_decref(nj);
    free(names);
    return error < 0 ? error : 0;
}

static int page_commit(poll_state *s, const og_ct_issuance *v, size_t n, const verdict *vd)
{
    int error;
    json_t *analysis = NULL;
    int64_t before_unknown = s->unknown, before_fresh = s->fresh;
    s->matched = json_array();
    if ((error = og_store_tx_begin_scope(s->ctx->store, s->t->id)) < 0)
        goto out;
    for (size_t i = 0; i < n && error >= 0; i++)
        error = record(s, &v[i], &vd[i]);
    if (error >= 0)
        error = og_store_run(s->ctx->store,
                             "UPDATE ct_watches SET cursor = ?, polled_at_us = ?, last_error = NULL"
                             " WHERE id = ? AND tenant_id = ?",
                             "titt", v[n - 1].id, og_time_now_us(), s->watch_id, s->t->id);
    if (error >= 0) {
        analysis = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:O}", "domain", s->domain, "provider",
                             s->provider->name, "cursor", v[n - 1].id, "issuances", (json_int_t)n,
                             "new", (json_int_t)(s->fresh - before_fresh), "unknown",
                             (json_int_t)(s->unknown - before_unknown), "matched", s->matched);
        error = analysis ? og_audit_log(s->ctx, s->t->id, "certs", "ct.poll", "ct-watch",
                                        s->watch_id, analysis)
                         : og_error_set(OG_ERROR, "out of memory");
    }
    error = og_store_tx_end(s->ctx->store, error);
out:
    json_decref(analysis);
    json_decref(s->matched);
    s->matched = NULL;
    return error;
}

static int one_page(poll_state *s, og_ct__source *src, int subdomains, char *cursor,
                    size_t cursor_size, int *done)
{
    og_ct_issuance *v = NULL;
    size_t n = 0;
    verdict *vd = NULL;
    int error = src->provider->page(src->client, s->domain, subdomains, cursor, &v, &n);
    *done = 0;
    if (error < 0) {
        /* the source's failure, not the caller's: its 401 is no 401 of ours */
        char msg[400];
        og_strlcpy(msg, og_error_last(), sizeof(msg));
        error = og_error_set(OG_EUPSTREAM, "CT source: %s", msg);
        goto cleanup;
    }
    if (n == 0) {
        *done = 1;
        goto cleanup;
    }
    if (!(vd = calloc(n, sizeof(*vd)))) {
        error = og_error_set(OG_ERROR, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < n; i++) {
        og_ct_known k = known_lookup(s->ctx, s->t->id, &v[i]);
        size_t which = 0;
        vd[i].v = og_ct_match(&v[i], &k, s->pats.v, s->pats.n, &which);
        vd[i].pat = vd[i].v == OG_CT_EXPECTED ? (ssize_t)which : -1;
        og_strlcpy(vd[i].fp, k.fp, sizeof(vd[i].fp));
    }
    s->issuances += (int64_t)n;
    if ((error = page_commit(s, v, n, vd)) < 0)
        goto cleanup;
    if (strcmp(cursor, v[n - 1].id) == 0) {
        error =
            og_error_set(OG_ERROR, "the CT source answered the same page again (after %s)", cursor);
        goto cleanup;
    }
    og_strlcpy(cursor, v[n - 1].id, cursor_size);
cleanup:
    og_ct_issuances_free(v, n);
    free(vd);
    return error;
}

/* Poll one watch (a row of the watch list); its outcome appended to report. */
static int poll_watch(og_ctx *ctx, const og_tenant *t, og_ct__source *src, json_t *w,
                      json_t *report)
{
    poll_state s = {.ctx = ctx, .t = t, .provider = src->provider};
    char cursor[64] = "";
    int64_t pages = 0;
    int done = 0, error;
    s.watch_id = json_string_value(json_object_get(w, "id"));
    s.domain = json_string_value(json_object_get(w, "domain"));
    int subdomains = json_is_true(json_object_get(w, "subdomains"));
    og_strlcpy(cursor, json_string_value(json_object_get(w, "cursor")) ?: "", sizeof(cursor));
    if ((error = patterns_load(ctx, t->id, &s.pats)) < 0)
        goto cleanup;
    while (!done) {
        if (pages >= src->max_pages)
            break; /* the rest on the next poll, from the cursor */
        if ((error = one_page(&s, src, subdomains, cursor, sizeof(cursor), &done)) < 0)
            break;
        pages += !done;
    }
    if (error >= 0 && pages == 0)
        error = og_store_run(ctx->store,
                             "UPDATE ct_watches SET polled_at_us = ?, last_error = NULL"
                             " WHERE id = ? AND tenant_id = ?",
                             "itt", og_time_now_us(), s.watch_id, t->id);
cleanup:
    if (error < 0) {
        char msg[400];
        og_strlcpy(msg, og_error_last(), sizeof(msg));
        /* remembered on the watch; what earlier pages committed stays */
        og_store_run(ctx->store,
                     "UPDATE ct_watches SET polled_at_us = ?, last_error = ? WHERE id = ? AND"
                     " tenant_id = ?",
                     "itt", og_time_now_us(), msg, s.watch_id, t->id);
        og_error_set(error, "%s", msg);
    }
    json_array_append_new(
        report, json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:s*}", "id", s.watch_id,
                          "domain", s.domain, "pages", (json_int_t)pages, "issuances",
                          (json_int_t)s.issuances, "new", (json_int_t)s.fresh, "unknown",
                          (json_int_t)s.unknown, "known", (json_int_t)s.known, "expected",
                          (json_int_t)s.expected, "error", error < 0 ? og_error_last() : NULL));
    patterns_free(&s.pats);
    return error;
}

/* Keep in *watches the one named watch (id or domain); OG_ENOTFOUND when none is. */
static int only_watch(json_t **watches, const char *watch)
{
    json_t *w, *one = NULL;
    size_t i;
    json_array_foreach(*watches, i, w)
    {
        if (strcmp(json_string_value(json_object_get(w, "id")), watch) == 0 ||
            strcmp(json_string_value(json_object_get(w, "domain")), watch) == 0)
            one = w;
    }
    if (!one)
        return og_error_set(OG_ENOTFOUND, "no watch '%.253s'", watch);
    json_t *only = json_pack("[O]", one);
    json_decref(*watches);
    *watches = only;
    return only ? 0 : og_error_set(OG_ERROR, "out of memory");
}

int og_ct_poll(og_ctx *ctx, const char *tenant, const char *watch, json_t **out)
{
    og_tenant t;
    og_ct__source src = {0};
    json_t *watches = NULL, *report = json_array(), *w;
    size_t i;
    int error, first_error = 0;
    if (out)
        *out = NULL;
    if ((error = og_ct__tenant(ctx, tenant, OG_PERM_WRITE, &t)) < 0 ||
        (error = og_ct_register()) < 0) /* the alert's kind, for a caller that has not */
        goto cleanup;
    if ((error = og_ct_watch_list(ctx, t.id, &watches)) < 0)
        goto cleanup;
    if (watch && *watch && (error = only_watch(&watches, watch)) < 0)
        goto cleanup;
    if ((error = og_ct__source_open(ctx, t.id, &src)) < 0)
        goto cleanup;
    json_array_foreach(watches, i, w)
    {
        int rc = poll_watch(ctx, &t, &src, w, report);
        if (rc < 0 && first_error == 0)
            first_error = rc;
    }
    error = first_error;
cleanup:
    if (error >= 0 || first_error) {
        if (out) {
            char msg[400];
            og_strlcpy(msg, og_error_last(), sizeof(msg));
            *out = json_pack("{s:O, s:I}", "watches", report, "requests",
                             (json_int_t)og_connector_client_requests(src.client));
            if (error < 0)
                og_error_set(error, "%s", msg);
        }
    }
    og_ct__source_close(&src);
    json_decref(watches);
    json_decref(report);
    return error < 0 ? error : 0;
}

int og_ct_scheduler_job(og_ctx *ctx)
{
    og_stmt *st = NULL;
    json_t *rows = NULL, *r;
    size_t i;
    int error = og_stmt_prepare_args(&st, ctx->store,
                                     "SELECT id, tenant_id, polled_at_us FROM ct_watches"
                                     " ORDER BY tenant_id, polled_at_us",
                                     "");
    if (error >= 0)
        error = og_stmt_collect(st, NULL, NULL, &rows);
    og_stmt_free(st);
    if (error < 0)
        return error;
    int64_t now = og_time_now_us();
    json_array_foreach(rows, i, r)
    {
        const char *tid = json_string_value(json_object_get(r, "tenant_id"));
        json_t *p = json_object_get(r, "polled_at_us");
        if (json_is_integer(p) &&
            now - (int64_t)json_integer_value(p) < og_ct__poll_interval(ctx, tid))
            continue;
        /* a failure is recorded on its watch; the others still run */
        og_ct_poll(ctx, tid, json_string_value(json_object_get(r, "id")), NULL);
    }
    json_decref(rows);
    return 0;
}
